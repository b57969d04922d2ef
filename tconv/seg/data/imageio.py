"""Reading one image or one mask file into arrays (Pillow decodes; the rules are here).

Images become float32 ``(C, H, W)`` in ``[0, 1]``:

* 8-bit modes are divided by 255: grey ``L`` (and bilevel ``1``) gives ``C = 1``; ``RGB``
  and the modes Pillow converts to it (palette ``P``, ``CMYK``, ``YCbCr``) give ``C = 3``;
* alpha is dropped, not composited: ``LA`` reads as ``L``, ``RGBA`` and ``PA`` as ``RGB``;
* 16- and 32-bit integer grey (``I;16``, ``I;16B``, ``I;16L``, ``I``) are divided by the
  image's own maximum (many 16-bit files use 12 bits; an all-zero image stays 0);
  negative values are an error.

Masks become int64 ``(H, W)`` class ids:

* grey (``1``, ``L``, ``I;16``, ``I``; alpha of ``LA`` dropped): the pixel value is the class id;
* palette ``P``: the palette index is the class id (PASCAL VOC's convention);
* colour (``RGB``, ``RGBA`` with alpha ignored): each colour is mapped through ``palette``
  (see :func:`parse_palette`); without a palette it is an error.

Errors are ``ValueError``\\ s that name the file and the rule.
"""
from __future__ import annotations

import numbers
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:                      # Pillow is imported where an image is read, not with tconv.seg
    from PIL import Image

__all__ = ["open_image", "read_image", "read_mask", "parse_palette", "image_channels", "resize_image",
           "resize_mask", "match_channels", "mask_rgb", "GREY_MODES", "COLOUR_MODES"]

GREY_MODES = ("1", "L", "LA", "I;16", "I;16B", "I;16L", "I;16N", "I")
COLOUR_MODES = ("RGB", "RGBA", "P", "PA", "CMYK", "YCbCr")
_WIDE_INTEGER_MODES = ("I;16", "I;16B", "I;16L", "I;16N", "I")


def _decode_errors() -> tuple:
    """The errors Pillow raises for a file it cannot decode (Pillow is imported when an image is read)."""
    from PIL import Image

    return OSError, SyntaxError, ValueError, Image.DecompressionBombError


def open_image(path: Path) -> Image.Image:
    """Open ``path`` with Pillow (the header only), or a ``ValueError`` naming the file.

    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     path = Path(folder) / "notes.png"
    ...     _ = path.write_text("not an image")
    ...     open_image(path)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    ValueError: .../notes.png: cannot read it as an image (cannot identify image file ...)
    """
    from PIL import Image, UnidentifiedImageError

    try:
        return Image.open(path)
    except (UnidentifiedImageError, *_decode_errors()) as error:
        raise ValueError(f"{path}: cannot read it as an image ({error})") from error


def _pixels(path: Path, picture: Image.Image, mode: str | None = None) -> np.ndarray:
    """Decode ``picture`` (converted to ``mode`` if given) into an ndarray, naming ``path`` on failure."""
    try:
        picture.load()
        return np.asarray(picture.convert(mode) if mode else picture)
    except _decode_errors() as error:
        raise ValueError(f"{path}: the file is corrupt or truncated ({error})") from error


def image_channels(path: Path, picture: Image.Image) -> int:
    """1 for a grey mode, 3 for a colour mode, else a ``ValueError`` naming the mode.

    >>> from PIL import Image
    >>> image_channels(Path("a.png"), Image.new("LA", (1, 1))), image_channels(Path("b.png"), Image.new("P", (1, 1)))
    (1, 3)
    """
    if picture.mode in GREY_MODES:
        return 1
    if picture.mode in COLOUR_MODES:
        return 3
    raise ValueError(f"{path}: image mode {picture.mode!r} is not supported; images must be one of "
                     f"{GREY_MODES + COLOUR_MODES}")


def read_image(path: Path) -> np.ndarray:
    """The image at ``path`` as float32 ``(C, H, W)`` in ``[0, 1]`` (rules in the module docstring).

    >>> import tempfile, os
    >>> from PIL import Image
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     path = Path(folder) / "a.png"
    ...     Image.fromarray(np.array([[0, 51], [255, 102]], np.uint8)).save(path)
    ...     read_image(path).tolist()
    [[[0.0, 0.20000000298023224], [1.0, 0.4000000059604645]]]
    """
    with open_image(path) as picture:
        channels = image_channels(path, picture)
        if picture.mode in _WIDE_INTEGER_MODES:
            values = _pixels(path, picture).astype(np.float64)
            if values.size and values.min() < 0:
                raise ValueError(f"{path}: a {picture.mode} image has negative values (min {values.min():g}); "
                                 "the rule is values >= 0, scaled by the image's maximum")
            largest = values.max() if values.size else 0.0
            values = values / largest if largest > 0 else values
        else:
            values = _pixels(path, picture, "L" if channels == 1 else "RGB").astype(np.float64) / 255.0
    values = values.astype(np.float32)
    return values[None] if values.ndim == 2 else np.moveaxis(values, -1, 0)


def parse_palette(palette) -> dict:
    """``palette`` as a dict ``(r, g, b) -> class id``.

    ``palette`` is a dict colour -> class id, or a list of colours whose index is the class
    id. A colour is an ``(r, g, b)`` triple of ints 0..255 or a Pillow colour string
    (``"#ff0000"``, ``"red"``). Colours must be distinct.

    >>> parse_palette([(0, 0, 0), "#ff0000"])
    {(0, 0, 0): 0, (255, 0, 0): 1}
    >>> parse_palette({(0, 0, 0): 0, (0, 0, 0.5): 1})
    Traceback (most recent call last):
    ...
    TypeError: palette colour (0, 0, 0.5) must be (r, g, b) ints 0..255 or a colour string like '#ff0000'
    """
    if isinstance(palette, dict):
        items = list(palette.items())
    elif isinstance(palette, (list, tuple)):
        items = [(colour, class_id) for class_id, colour in enumerate(palette)]
    else:
        raise TypeError(f"palette must be a dict colour -> class id or a list of colours, got "
                        f"{type(palette).__name__}")
    if not items:
        raise ValueError("palette is empty; it needs one colour per class")
    mapping = {}
    for colour, class_id in items:
        rgb = _colour(colour)
        if isinstance(class_id, bool) or not isinstance(class_id, numbers.Integral) or class_id < 0:
            raise ValueError(f"palette maps {colour!r} to {class_id!r}; class ids must be integers >= 0")
        if rgb in mapping:
            raise ValueError(f"palette lists the colour {rgb} twice (classes {mapping[rgb]} and {class_id})")
        mapping[rgb] = int(class_id)
    return mapping


def _colour(colour) -> tuple:
    if isinstance(colour, str):
        from PIL import ImageColor

        try:
            return tuple(ImageColor.getrgb(colour)[:3])
        except ValueError as error:
            raise ValueError(f"palette colour {colour!r} is not a colour Pillow knows ({error})") from error
    ok = (isinstance(colour, (tuple, list)) and len(colour) == 3
          and all(isinstance(c, numbers.Integral) and not isinstance(c, bool) and 0 <= c <= 255 for c in colour))
    if not ok:
        raise TypeError(f"palette colour {colour!r} must be (r, g, b) ints 0..255 or a colour string like '#ff0000'")
    return tuple(int(c) for c in colour)


def read_mask(path: Path, palette: dict | None = None) -> np.ndarray:
    """The mask at ``path`` as int64 class ids ``(H, W)``; ``palette`` from :func:`parse_palette`.

    >>> import tempfile
    >>> from PIL import Image
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     path = Path(folder) / "a.png"
    ...     Image.fromarray(np.array([[0, 0, 255], [255, 0, 0]], np.uint8).reshape(1, 2, 3)).save(path)
    ...     read_mask(path, palette={(0, 0, 0): 0, (255, 0, 0): 1, (0, 0, 255): 2}).tolist()
    [[2, 1]]
    """
    with open_image(path) as picture:
        mode = picture.mode
        if mode in ("RGB", "RGBA"):
            values = _pixels(path, picture, "RGB")
        elif mode in ("1", "L", "LA", "P"):
            values = _pixels(path, picture, "L" if mode == "LA" else None)
        elif mode in _WIDE_INTEGER_MODES:
            values = _pixels(path, picture)
        else:
            raise ValueError(f"{path}: mask mode {mode!r} cannot hold integer class ids; save masks as grey "
                             "('L', 'I;16'), palette ('P') or RGB with palette=")
    if values.ndim == 3:
        return _colours_to_classes(path, values, palette)
    values = values.astype(np.int64)
    if values.size and values.min() < 0:
        raise ValueError(f"{path}: the mask has negative values (min {values.min()}); class ids are >= 0")
    return values


def mask_rgb(path: Path) -> np.ndarray | None:
    """The pixels ``(H, W, 3)`` uint8 of a colour (``RGB``/``RGBA``) mask, or None for grey and palette masks.

    >>> import tempfile
    >>> from PIL import Image
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     path = Path(folder) / "a.png"
    ...     Image.new("RGB", (2, 1), (255, 0, 0)).save(path)
    ...     mask_rgb(path).tolist()
    [[[255, 0, 0], [255, 0, 0]]]
    """
    with open_image(path) as picture:
        return _pixels(path, picture, "RGB") if picture.mode in ("RGB", "RGBA") else None


def _rgb(code: int) -> tuple:
    """The colour ``(r, g, b)`` of the code ``r * 65536 + g * 256 + b``."""
    return (code >> 16) & 255, (code >> 8) & 255, code & 255


def _colours_to_classes(path: Path, rgb: np.ndarray, palette: dict | None) -> np.ndarray:
    """Map each pixel's colour through ``palette``; name the file and the unknown colours."""
    if palette is None:
        equal = np.array_equal(rgb[..., 0], rgb[..., 1]) and np.array_equal(rgb[..., 0], rgb[..., 2])
        hint = " (its three channels are equal: save it as 8-bit grey 'L')" if equal else ""
        raise ValueError(f"{path}: an RGB colour mask holds colours, not class ids: give palette='auto' (the "
                         "colours found, sorted so that black is class 0) or the colours in class-id order (a list, "
                         f"or a dict colour -> class id), or save the masks as grey or palette ('P') images whose "
                         f"values are class ids{hint}")
    codes = (rgb[..., 0].astype(np.int64) << 16) | (rgb[..., 1].astype(np.int64) << 8) | rgb[..., 2]
    known = np.array(sorted((r << 16) | (g << 8) | b for r, g, b in palette), dtype=np.int64)
    found, inverse = np.unique(codes, return_inverse=True)
    unknown = found[~np.isin(found, known)]
    if unknown.size:
        listed = ", ".join(str(_rgb(int(code))) for code in unknown[:5])
        more = f" and {unknown.size - 5} more" if unknown.size > 5 else ""
        raise ValueError(f"{path}: colours {listed}{more} are not in the palette; every mask colour must be a "
                         "palette colour (add them, or give palette='auto')")
    class_of_found = np.array([palette[_rgb(int(code))] for code in found], np.int64)
    return class_of_found[inverse.reshape(codes.shape)]


def resize_image(image: np.ndarray, size) -> np.ndarray:
    """``image (C, H, W)`` float32 in [0, 1] resized to ``size = (H', W')``, bilinearly, channel by channel (Pillow).

    >>> resize_image(np.ones((2, 4, 4), np.float32), (2, 6)).shape
    (2, 2, 6)
    """
    from PIL import Image

    height, width = size
    channels = [np.asarray(Image.fromarray(channel).resize((width, height), Image.BILINEAR)) for channel in image]
    return np.clip(np.stack(channels), 0.0, 1.0).astype(np.float32)


def resize_mask(mask: np.ndarray, size) -> np.ndarray:
    """Class ids ``(H, W)`` resized to ``size = (H', W')`` by nearest neighbour (no new class ids appear).

    >>> resize_mask(np.array([[0, 1], [2, 3]]), (4, 4))[::2, ::2].tolist()
    [[0, 1], [2, 3]]
    """
    from PIL import Image

    height, width = size
    resized = Image.fromarray(np.asarray(mask).astype(np.int32)).resize((width, height), Image.NEAREST)
    return np.asarray(resized).astype(np.int64)


def match_channels(image: np.ndarray, channels: int, path="image") -> np.ndarray:
    """``image (C, H, W)`` with ``channels`` channels: grey repeated to RGB, RGB averaged to grey.

    >>> match_channels(np.ones((1, 2, 2), np.float32), 3).shape
    (3, 2, 2)
    """
    if image.shape[0] == channels:
        return image
    if image.shape[0] == 1:
        return np.repeat(image, channels, axis=0)
    if channels == 1:
        return image.mean(axis=0, keepdims=True).astype(np.float32)
    raise ValueError(f"{path}: an image with {image.shape[0]} channels cannot become {channels} channels")

