"""Your own data: a folder of images and a folder of masks, paired by file name; 2-D images or volumes.

Layout::

    root/images/NAME.png|.jpg|.jpeg|.tif|.tiff     the images
    root/masks/NAME.png|.tif|.tiff                 their masks (lossless files only)

or, for volumes::

    root/images/NAME.npy|.nii|.nii.gz|.tif|.tiff    the volumes (a .tif with several pages)
    root/masks/NAME.npy|.nii|.nii.gz|.tif|.tiff     their masks

The image ``images/NAME.ext`` goes with the mask whose stem is ``NAME`` (``scan.nii.gz``'s
stem is ``scan``). Extensions are matched case-insensitively; files whose name starts with
``.`` (hidden files, macOS' ``._`` files), sub-folders and files with other extensions
(``.txt``, ``.json``, ``Thumbs.db``, ...) are ignored, except that a ``.jpg``/``.jpeg`` mask is
an error (JPEG is lossy and blurs the class ids at edges). A folder holds images or volumes,
not both. How pixels become arrays is in :mod:`tconv.seg.data.imageio` (images) and
:mod:`tconv.seg.data.volumeio` (volumes).
"""
from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np

from ..._checks import check_choice
from ..labels import check_class_ids
from ._checks import check_int, check_spatial_size
from .colours import colour_table, find_colours
from .imageio import (image_channels, mask_rgb, match_channels, open_image, parse_palette, read_image, read_mask,
                      resize_image, resize_mask)
from .mask_format import MASK_FORMATS, MaskFormatWarning, apply_mask_format, describe_mask_format, detect_mask_format
from .volumeio import (VOLUME_EXTENSIONS, is_volume_file, read_volume, read_volume_mask, resize_volume,
                       resize_volume_mask, stem, suffix, volume_header)

__all__ = ["ImageMaskFolder", "IMAGE_EXTENSIONS", "MASK_EXTENSIONS", "VOLUME_EXTENSIONS", "FOLDER_IMAGE_EXTENSIONS",
           "FOLDER_MASK_EXTENSIONS", "LOSSY_EXTENSIONS", "folder_dims", "file_dims", "layout_hint"]

IMAGE_EXTENSIONS = (".png", ".jpg", ".jpeg", ".tif", ".tiff")
#: The largest side ``size=`` may resize to (a 16384 x 16384 float32 image is 1 GiB).
MAX_SIDE = 16384
#: The largest side ``size=`` may resize a volume to (1024^3 float32 voxels are 4 GiB).
MAX_VOLUME_SIDE = 1024
MASK_EXTENSIONS = (".png", ".tif", ".tiff")
LOSSY_EXTENSIONS = (".jpg", ".jpeg")
#: What a folder may hold: images or volumes, and their masks.
FOLDER_IMAGE_EXTENSIONS = tuple(dict.fromkeys(IMAGE_EXTENSIONS + VOLUME_EXTENSIONS))
FOLDER_MASK_EXTENSIONS = tuple(dict.fromkeys(MASK_EXTENSIONS + VOLUME_EXTENSIONS))


def _listing(names, limit: int = 5) -> str:
    names = sorted(names)
    shown = ", ".join(names[:limit])
    return shown + (f" and {len(names) - limit} more" if len(names) > limit else "")


def file_dims(path) -> int:
    """3 for a volume file (``.npy``, NIfTI, a TIFF with several pages), else 2."""
    return 3 if is_volume_file(path) else 2


def folder_dims(root) -> int:
    """2 or 3: whether ``root/images`` holds images or volumes (by its first image file; 2 when unsure).

    Reads one file name (and a TIFF's page count), so it is cheap; the folder itself is checked
    when it is read.
    """
    try:
        for path in sorted(Path(root, "images").iterdir()):
            if not path.name.startswith(".") and path.is_file() and suffix(path) in FOLDER_IMAGE_EXTENSIONS:
                return file_dims(path)
    except OSError:
        pass
    return 2


def _files_by_stem(folder: Path, extensions: tuple, what: str) -> dict:
    """``{stem: path}`` of the files in ``folder`` with one of ``extensions``; errors name the files."""
    by_stem: dict = {}
    for path in sorted(folder.iterdir()):
        if path.name.startswith(".") or not path.is_file():
            continue
        kind = suffix(path)
        if what == "masks" and kind in LOSSY_EXTENSIONS:
            raise ValueError(f"{path}: masks must be lossless {MASK_EXTENSIONS} files; JPEG changes class ids "
                             "at edges")
        if kind not in extensions:
            continue
        name = stem(path)
        if name in by_stem:
            raise ValueError(f"{path} and {by_stem[name]}: two {what} with the stem {name!r}; "
                             "each name may appear once")
        by_stem[name] = path
    if not by_stem:
        raise ValueError(f"{folder}: the {what} folder has no {'/'.join(extensions)} files")
    return by_stem



def layout_hint(root) -> str:
    """A hint when ``root`` is the ``images/`` or ``masks/`` folder itself, not the folder holding both.

    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as top:
    ...     for sub in ("images", "masks"):
    ...         Path(top, sub).mkdir()
    ...     hint = layout_hint(Path(top, "images"))
    ...     hint.endswith(f"give the folder above it, {top}"), layout_hint(Path(top))
    (True, '')
    """
    root = Path(root)
    if root.name in ("images", "masks") and (root.parent / "images").is_dir() and (root.parent / "masks").is_dir():
        return f"; {root} is itself the {root.name} folder: give the folder above it, {root.parent}"
    return ""

class ImageMaskFolder:
    """The pairs ``root/images/NAME.*`` + ``root/masks/NAME.*`` as a segmentation dataset.

    ``ds[i]`` is ``(image float32 (C, H, W) in [0, 1], mask int64 (H, W))`` for the ``i``-th
    name in sorted order (``ds.names``). ``C`` is 1 when every image is grey and 3 when any
    image has colour; then grey images are repeated to three channels, so the folder has
    one ``in_channels``. ``size=(H, W)`` (or an int) resizes every image with Pillow's
    bilinear filter (antialiased when shrinking) and every mask with nearest neighbour.

    A folder of volumes (``.npy``, NIfTI, multi-page TIFF; :mod:`.volumeio`) gives
    ``(image (C, D, H, W), mask (D, H, W))``, ``spatial_dims == 3``, and ``size=(D, H, W)``
    resizes trilinearly (masks: nearest).

    ``in_channels`` (1 or 3) gives every image that many channels instead: an RGB image is
    averaged to grey for 1, a grey one repeated for 3 (the rule of ``tconv predict``).

    ``palette`` maps the colours of RGB(A) masks to class ids (a dict colour -> id, or a
    list of colours whose index is the id), or is ``"auto"``: the colours the masks hold,
    sorted by ``(r, g, b)`` so black is class 0 (:mod:`.colours`); ``ds.colour_table`` is then
    the table used (the colours in class-id order). Grey and palette-mode ('P') masks are class
    ids already and ignore it. ``mask_format`` says what the values mean
    (:mod:`tconv.seg.data.mask_format`): ``"ids"`` class ids; ``"binary"`` 0/255 masks read as
    0/1; ``"void"`` class ids with PASCAL VOC's 255 "void" read as the background; ``"auto"``
    (default) chooses from the values of all masks and warns once (:class:`MaskFormatWarning`)
    when it reads them as anything but ids; ``ds.mask_format`` is the choice. ``num_classes``
    is the given value, else the largest class id in any mask (or in ``palette``) plus one;
    ``class_names`` defaults to ``("class 0", "class 1", ...)``, or to the colours of
    ``palette`` (``"#ff0000"``) for the ids it names.

    Construction checks the whole folder once and raises a ``ValueError`` naming the file
    and the rule for: a missing or empty folder; images without masks or masks without
    images; two files with the same stem; an image and mask of different sizes; a file
    Pillow cannot open; a mask without integer class ids (an RGB mask without
    ``palette``, a colour not in the palette); class ids ``>= num_classes``. It reads
    every mask in full and every image's header; an image whose pixel data is corrupt
    fails when that item is read, with the same kind of message. ``ds.mask_counts[i]`` is
    ``{class id: pixels}`` of mask ``i`` (the class weights of :mod:`.balance` use it).

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
        auto_colours = isinstance(palette, str) and palette == "auto"
        self.palette = None if palette is None or auto_colours else parse_palette(palette)
        if num_classes is not None:
            num_classes = check_int("num_classes", num_classes, minimum=1)
        if in_channels is not None:
            check_choice("in_channels", in_channels, (1, 3))
        self.mask_format = check_choice("mask_format", mask_format, MASK_FORMATS)
        for what in ("images", "masks"):
            if not (self.root / what).is_dir():
                raise ValueError(f"{self.root / what}: the {what} folder is missing; the layout is root/images/ and "
                                 f"root/masks/ with files paired by name{layout_hint(self.root)}")
        images = _files_by_stem(self.root / "images", FOLDER_IMAGE_EXTENSIONS, "images")
        masks = _files_by_stem(self.root / "masks", FOLDER_MASK_EXTENSIONS, "masks")
        for missing, have, lack in ((set(images) - set(masks), "images", "masks"),
                                    (set(masks) - set(images), "masks", "images")):
            if missing:
                raise ValueError(f"{self.root / have}: {_listing(missing)} have no file of the same name in "
                                 f"{self.root / lack}; every image needs a mask and every mask an image")
        self.names = tuple(sorted(images))
        self.image_paths = tuple(images[name] for name in self.names)
        self.mask_paths = tuple(masks[name] for name in self.names)
        self.spatial_dims = self._kind()
        largest = MAX_SIDE if self.spatial_dims == 2 else MAX_VOLUME_SIDE
        self.size = None if size is None else check_spatial_size("size", size, self.spatial_dims, maximum=largest)
        if self.spatial_dims == 3 and (self.palette is not None or auto_colours):
            raise ValueError(f"{self.root}: palette= reads RGB image masks; volume masks hold class ids")
        #: The colours of the RGB masks in class-id order (``palette`` as a list), or None.
        self.colour_table = self._auto_colours() if auto_colours else None
        channels = self._scan_images()
        self.in_channels = channels if in_channels is None else int(in_channels)
        largest = self._scan_masks(num_classes)
        if num_classes is None:
            palette_largest = max(self.palette.values()) if self.palette else 0
            self.num_classes = max(largest, palette_largest) + 1
        else:
            self.num_classes = num_classes
        if class_names is None:
            by_id = {k: f"#{r:02x}{g:02x}{b:02x}" for (r, g, b), k in (self.palette or {}).items()}
            class_names = tuple(by_id.get(k, f"class {k}") for k in range(self.num_classes))
        if len(class_names) != self.num_classes:
            raise ValueError(f"class_names has {len(class_names)} names; num_classes={self.num_classes} needs one "
                             "per class")
        self.class_names = tuple(class_names)

    def _kind(self) -> int:
        """2 or 3 for the whole folder; a folder mixing images and volumes (or a pair mixing them) is refused."""
        kinds = [file_dims(path) for path in self.image_paths]
        if len(set(kinds)) > 1:
            volume = self.image_paths[kinds.index(3)]
            image = self.image_paths[kinds.index(2)]
            raise ValueError(f"{image} is a 2-D image but {volume} is a volume; a folder holds images or volumes, "
                             "not both")
        for image_path, mask_path in zip(self.image_paths, self.mask_paths):
            if file_dims(mask_path) != kinds[0]:
                what = ("a volume", "a 2-D image") if kinds[0] == 3 else ("a 2-D image", "a volume")
                raise ValueError(f"{image_path} is {what[0]} but its mask {mask_path} is {what[1]}; an image and "
                                 "its mask must be of one kind")
        return kinds[0]

    def _auto_colours(self):
        """The automatic colour table of the RGB masks (None when no mask is RGB); sets ``self.palette``."""
        counts: dict = {}
        for path in self.mask_paths:
            rgb = mask_rgb(path)
            if rgb is not None:
                find_colours(rgb, counts, path)
        if not counts:
            return None
        table = colour_table(counts)
        self.palette = parse_palette(table)
        return table

    def _scan_images(self) -> int:
        """Check every image header (readable, supported mode); 3 if any image has colour, else 1."""
        channels = 1
        image_sizes = []
        for path in self.image_paths:
            if self.spatial_dims == 3:
                shape, found = volume_header(path)
                channels = max(channels, found)
                image_sizes.append(shape)
                continue
            with open_image(path) as picture:
                channels = max(channels, image_channels(path, picture))
                image_sizes.append((picture.height, picture.width))
        #: ``(H, W)`` (volumes ``(D, H, W)``) of every image, in the order of :attr:`names`.
        self.image_sizes = tuple(image_sizes)
        return channels

    def _read_mask(self, path):
        return read_volume_mask(path) if self.spatial_dims == 3 else read_mask(path, self.palette)

    def _scan_masks(self, num_classes) -> int:
        """Read every mask: readable, the image's size, its format, ids < ``num_classes``; the largest id."""
        counts: dict = {}
        per_mask = []
        axes = "HxW" if self.spatial_dims == 2 else "DxHxW"
        binary, small_ids = None, None            # a 0/255 mask, and a mask of small ids without 255
        for image_path, mask_path, image_size in zip(self.image_paths, self.mask_paths, self.image_sizes):
            mask = self._read_mask(mask_path)
            if mask.shape != tuple(image_size):
                raise ValueError(f"{mask_path} is {'x'.join(map(str, mask.shape))} ({axes}) but {image_path} is "
                                 f"{'x'.join(map(str, image_size))}; an image and its mask must have the same size")
            values, times = np.unique(mask, return_counts=True)
            per_mask.append(dict(zip(values.tolist(), times.tolist())))
            for value, n in per_mask[-1].items():
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
        label = {value: int(apply_mask_format(np.array([value]), self.mask_format)[0]) for value in counts}
        #: ``{class id: pixel count}`` of every mask, after ``mask_format``, in the order of :attr:`names`.
        self.mask_counts = []
        for found in per_mask:
            converted: dict = {}
            for value, n in found.items():
                converted[label[value]] = converted.get(label[value], 0) + n
            self.mask_counts.append(converted)
        #: ``{class id: pixel count}`` over every mask, after ``mask_format``.
        self.class_pixels = {}
        for value, n in counts.items():
            self.class_pixels[label[value]] = self.class_pixels.get(label[value], 0) + n
        if num_classes is not None and max(self.class_pixels, default=0) >= num_classes:
            for mask_path in self.mask_paths:                       # find and name the file
                mask = apply_mask_format(self._read_mask(mask_path), self.mask_format, mask_path)
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
        volume = self.spatial_dims == 3
        image = (read_volume if volume else read_image)(self.image_paths[index])
        image = match_channels(image, self.in_channels, self.image_paths[index])
        mask = apply_mask_format(self._read_mask(self.mask_paths[index]), self.mask_format, self.mask_paths[index])
        if self.size is not None:
            image = (resize_volume if volume else resize_image)(image, self.size)
            mask = (resize_volume_mask if volume else resize_mask)(mask, self.size)
        return image, mask
