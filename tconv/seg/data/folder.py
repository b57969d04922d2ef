"""Your own data: a folder of images and a folder of masks, paired by file name.

Layout::

    root/images/NAME.png|.jpg|.jpeg|.tif|.tiff     the images
    root/masks/NAME.png|.tif|.tiff                 their masks (lossless files only)

The image ``images/NAME.ext`` goes with the mask whose stem is ``NAME``. Extensions are
matched case-insensitively; files whose name starts with ``.`` (hidden files, macOS' ``._``
files), sub-folders and files with other extensions (``.txt``, ``.json``, ``Thumbs.db``,
...) are ignored, except that a ``.jpg``/``.jpeg`` mask is an error (JPEG is lossy and
blurs the class ids at edges). How pixels become arrays is in :mod:`tconv.seg.data.imageio`.
"""
from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np

from ..._checks import check_choice
from ..labels import check_class_ids
from ._checks import check_int, check_spatial_size
from .imageio import (image_channels, match_channels, open_image, parse_palette, read_image, read_mask, resize_image,
                      resize_mask)
from .mask_format import MASK_FORMATS, MaskFormatWarning, apply_mask_format, describe_mask_format, detect_mask_format

__all__ = ["ImageMaskFolder", "IMAGE_EXTENSIONS", "MASK_EXTENSIONS"]

IMAGE_EXTENSIONS = (".png", ".jpg", ".jpeg", ".tif", ".tiff")
#: The largest side ``size=`` may resize to (a 16384 x 16384 float32 image is 1 GiB).
MAX_SIDE = 16384
MASK_EXTENSIONS = (".png", ".tif", ".tiff")
_LOSSY_EXTENSIONS = (".jpg", ".jpeg")


def _listing(names, limit: int = 5) -> str:
    names = sorted(names)
    shown = ", ".join(names[:limit])
    return shown + (f" and {len(names) - limit} more" if len(names) > limit else "")


def _files_by_stem(folder: Path, extensions: tuple, what: str) -> dict:
    """``{stem: path}`` of the files in ``folder`` with one of ``extensions``; errors name the files."""
    by_stem: dict = {}
    for path in sorted(folder.iterdir()):
        if path.name.startswith(".") or not path.is_file():
            continue
        suffix = path.suffix.lower()
        if what == "masks" and suffix in _LOSSY_EXTENSIONS:
            raise ValueError(f"{path}: masks must be lossless {MASK_EXTENSIONS} files; JPEG changes class ids "
                             "at edges")
        if suffix not in extensions:
            continue
        if path.stem in by_stem:
            raise ValueError(f"{path} and {by_stem[path.stem]}: two {what} with the stem {path.stem!r}; "
                             "each name may appear once")
        by_stem[path.stem] = path
    if not by_stem:
        raise ValueError(f"{folder}: the {what} folder has no {'/'.join(extensions)} files")
    return by_stem


class ImageMaskFolder:
    """The pairs ``root/images/NAME.*`` + ``root/masks/NAME.*`` as a segmentation dataset.

    ``ds[i]`` is ``(image float32 (C, H, W) in [0, 1], mask int64 (H, W))`` for the ``i``-th
    name in sorted order (``ds.names``). ``C`` is 1 when every image is grey and 3 when any
    image has colour; then grey images are repeated to three channels, so the folder has
    one ``in_channels``. ``size=(H, W)`` (or an int) resizes every image with Pillow's
    bilinear filter (antialiased when shrinking) and every mask with nearest neighbour.

    ``in_channels`` (1 or 3) gives every image that many channels instead: an RGB image is
    averaged to grey for 1, a grey one repeated for 3 (the rule of ``tconv predict``).

    ``palette`` maps the colours of RGB(A) masks to class ids (a dict colour -> id, or a
    list of colours whose index is the id); grey and palette-mode ('P') masks are class ids
    already and ignore it. ``mask_format`` says what the values mean
    (:mod:`tconv.seg.data.mask_format`): ``"ids"`` class ids; ``"binary"`` 0/255 masks read as
    0/1; ``"void"`` class ids with PASCAL VOC's 255 "void" read as the background; ``"auto"``
    (default) chooses from the values of all masks and warns once (:class:`MaskFormatWarning`)
    when it reads them as anything but ids; ``ds.mask_format`` is the choice. ``num_classes``
    is the given value, else the largest class id in any mask (or in ``palette``) plus one;
    ``class_names`` defaults to ``("class 0", "class 1", ...)``.

    Construction checks the whole folder once and raises a ``ValueError`` naming the file
    and the rule for: a missing or empty folder; images without masks or masks without
    images; two files with the same stem; an image and mask of different sizes; a file
    Pillow cannot open; a mask without integer class ids (an RGB mask without
    ``palette``, a colour not in the palette); class ids ``>= num_classes``. It reads
    every mask in full and every image's header; an image whose pixel data is corrupt
    fails when that item is read, with the same kind of message.

    >>> import tempfile
    >>> from PIL import Image
    >>> with tempfile.TemporaryDirectory() as root:
    ...     for sub in ("images", "masks"):
    ...         Path(root, sub).mkdir()
    ...     Image.fromarray(np.full((2, 3), 255, np.uint8)).save(Path(root, "images", "a.png"))
    ...     Image.fromarray(np.array([[0, 1, 2], [2, 1, 0]], np.uint8)).save(Path(root, "masks", "a.png"))
    ...     ds = ImageMaskFolder(root)
    ...     image, mask = ds[0]
    ...     image.shape, image.dtype, mask.tolist(), ds.num_classes, ds.names
    ((1, 2, 3), dtype('float32'), [[0, 1, 2], [2, 1, 0]], 3, ('a',))
    """

    spatial_dims = 2

    def __init__(self, root, palette=None, size=None, num_classes=None, class_names=None, in_channels=None,
                 mask_format: str = "auto"):
        self.root = Path(root)
        if not self.root.is_dir():
            raise ValueError(f"{self.root}: root is not a folder; the layout is root/images/ and root/masks/")
        self.palette = None if palette is None else parse_palette(palette)
        self.size = None if size is None else check_spatial_size("size", size, 2, maximum=MAX_SIDE)
        if num_classes is not None:
            num_classes = check_int("num_classes", num_classes, minimum=1)
        if in_channels is not None:
            check_choice("in_channels", in_channels, (1, 3))
        self.mask_format = check_choice("mask_format", mask_format, MASK_FORMATS)
        for what in ("images", "masks"):
            if not (self.root / what).is_dir():
                raise ValueError(f"{self.root / what}: the {what} folder is missing; the layout is root/images/ and "
                                 "root/masks/ with files paired by name")
        images = _files_by_stem(self.root / "images", IMAGE_EXTENSIONS, "images")
        masks = _files_by_stem(self.root / "masks", MASK_EXTENSIONS, "masks")
        for missing, have, lack in ((set(images) - set(masks), "images", "masks"),
                                    (set(masks) - set(images), "masks", "images")):
            if missing:
                raise ValueError(f"{self.root / have}: {_listing(missing)} have no file of the same name in "
                                 f"{self.root / lack}; every image needs a mask and every mask an image")
        self.names = tuple(sorted(images))
        self.image_paths = tuple(images[name] for name in self.names)
        self.mask_paths = tuple(masks[name] for name in self.names)
        channels = self._scan_images()
        self.in_channels = channels if in_channels is None else int(in_channels)
        largest = self._scan_masks(num_classes)
        if num_classes is None:
            palette_largest = max(self.palette.values()) if self.palette else 0
            self.num_classes = max(largest, palette_largest) + 1
        else:
            self.num_classes = num_classes
        if class_names is None:
            class_names = tuple(f"class {k}" for k in range(self.num_classes))
        if len(class_names) != self.num_classes:
            raise ValueError(f"class_names has {len(class_names)} names; num_classes={self.num_classes} needs one "
                             "per class")
        self.class_names = tuple(class_names)

    def _scan_images(self) -> int:
        """Check every image header (readable, supported mode); 3 if any image has colour, else 1."""
        channels = 1
        image_sizes = []
        for path in self.image_paths:
            with open_image(path) as picture:
                channels = max(channels, image_channels(path, picture))
                image_sizes.append((picture.height, picture.width))
        #: ``(H, W)`` of every image, in the order of :attr:`names`.
        self.image_sizes = tuple(image_sizes)
        return channels

    def _scan_masks(self, num_classes) -> int:
        """Read every mask: readable, the image's size, its format, ids < ``num_classes``; the largest id."""
        counts: dict = {}
        binary, small_ids = None, None            # a 0/255 mask, and a mask of small ids without 255
        for image_path, mask_path, image_size in zip(self.image_paths, self.mask_paths, self.image_sizes):
            mask = read_mask(mask_path, self.palette)
            if mask.shape != image_size:
                raise ValueError(f"{mask_path} is {mask.shape[0]}x{mask.shape[1]} (HxW) but {image_path} is "
                                 f"{image_size[0]}x{image_size[1]}; an image and its mask must have the same size")
            values, times = np.unique(mask, return_counts=True)
            for value, n in zip(values.tolist(), times.tolist()):
                counts[value] = counts.get(value, 0) + n
            present = set(values.tolist())
            if 255 in present and present <= {0, 255}:
                binary = binary or mask_path
            elif 255 not in present and present & set(range(1, 255)):
                small_ids = small_ids or mask_path
            if self.mask_format == "binary":
                apply_mask_format(mask, "binary", mask_path)            # names the file with other values
        if self.mask_format == "auto" and binary is not None and small_ids is not None:
            raise ValueError(f"{self.root / 'masks'}: the masks disagree: {binary} holds only 0 and 255 (a binary "
                             f"mask) but {small_ids} holds small class ids without 255; say which they are with "
                             "mask_format='binary' (0/255), 'ids' or 'void' (tconv train --mask-format)")
        if self.mask_format == "auto":
            self.mask_format = detect_mask_format(counts)
            if self.mask_format != "ids":
                warnings.warn(describe_mask_format(self.root / "masks", self.mask_format, counts, len(self)),
                              MaskFormatWarning, stacklevel=3)
        #: ``{class id: pixel count}`` over every mask, after ``mask_format``.
        self.class_pixels = {}
        for value, n in counts.items():
            label = int(apply_mask_format(np.array([value]), self.mask_format)[0])
            self.class_pixels[label] = self.class_pixels.get(label, 0) + n
        if num_classes is not None and max(self.class_pixels, default=0) >= num_classes:
            for mask_path in self.mask_paths:                       # find and name the file
                mask = apply_mask_format(read_mask(mask_path, self.palette), self.mask_format, mask_path)
                check_class_ids(f"{mask_path}: the mask", mask, num_classes)
        return max(self.class_pixels, default=0)

    def __len__(self) -> int:
        return len(self.names)

    def __repr__(self) -> str:
        return (f"ImageMaskFolder({str(self.root)!r}, {len(self)} pairs, in_channels={self.in_channels}, "
                f"num_classes={self.num_classes}, size={self.size}, mask_format={self.mask_format!r})")

    def __getitem__(self, index):
        if isinstance(index, bool) or not isinstance(index, (int, np.integer)):
            raise TypeError(f"ImageMaskFolder index must be an integer, got {index!r}")
        if not -len(self) <= index < len(self):
            raise IndexError(f"index {index} is out of range for a folder of {len(self)} pairs")
        image = match_channels(read_image(self.image_paths[index]), self.in_channels, self.image_paths[index])
        mask = apply_mask_format(read_mask(self.mask_paths[index], self.palette), self.mask_format,
                                 self.mask_paths[index])
        if self.size is not None:
            image = resize_image(image, self.size)
            mask = resize_mask(mask, self.size)
        return image, mask
