"""The data doctor: read an image/mask folder and say, in plain words, what is in it and what to fix.

:func:`inspect` reads ``root/images`` and ``root/masks`` as :class:`~tconv.seg.data.ImageMaskFolder`
would, but instead of stopping at the first problem it collects every one and describes the
data: image sizes and channels, the masks' modes and values, the *mask format* it detects, the
pixels and images of each class, and the sizes a U-Net of a given depth cannot take. The
answers to the questions beginners ask most about their own data are in the report:

* the prediction is all black: masks of 0/255 (read as 0/1, ``--mask-format binary``), masks in
  RGB colours (``--mask-colors``), or one class that fills 99% of the pixels;
* RGB or palette masks instead of class ids: the colour table it found, in class-id order;
* ">99% pixel accuracy but 0 IoU": the imbalance, with median-frequency class weights;
* sizes that do not halve ``depth`` times, and folders of mixed sizes (a batch needs one size);
* masks that were blurred (JPEG, bilinear resizing): many values or colours at the edges;
* images without masks, masks without images, sizes that differ within a pair.

The detected formats (:attr:`DataReport.mask_format`): ``"ids"`` (grey values are class ids),
``"binary"`` (0/255), ``"void"`` (ids plus VOC's 255), ``"palette"`` (palette PNGs: the index is
the id), ``"colours"`` (RGB masks: a colour table), ``"grey-rgb"`` (grey values saved as RGB).
:mod:`tconv.seg.data.doctor_text` writes the report as text and the ``tconv train`` command it
recommends; ``tconv.viz.plot_data_report`` draws it.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from .doctor_checks import (MAX_SAMPLES, check_sizes, class_statistics, decide_format, listing, pick_samples,
                            suggested_size)
from .folder import FOLDER_IMAGE_EXTENSIONS, FOLDER_MASK_EXTENSIONS, LOSSY_EXTENSIONS, file_dims, layout_hint
from .imageio import image_channels, mask_rgb, open_image, read_mask
from .volumeio import read_volume_mask, stem, suffix, volume_header

__all__ = ["DataReport", "inspect", "suggested_size", "MAX_SAMPLES"]



@dataclass
class DataReport:
    """What :func:`inspect` found. ``problems`` stop training; ``notes`` are worth knowing."""

    root: Path
    depth: int
    spatial_dims: int = 2
    names: list = field(default_factory=list)
    unmatched_images: list = field(default_factory=list)
    unmatched_masks: list = field(default_factory=list)
    ignored: list = field(default_factory=list)
    image_sizes: dict = field(default_factory=dict)          # name -> (H, W) or (D, H, W)
    image_modes: Counter = field(default_factory=Counter)     # mode (or "volume, C channels") -> files
    channels: int = 1
    mask_modes: Counter = field(default_factory=Counter)
    mask_values: list = field(default_factory=list)           # distinct grey values (or colours) before conversion
    mask_format: str = "ids"
    colour_table: list | None = None
    num_classes: int = 0
    class_pixels: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    class_images: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    weights: np.ndarray = field(default_factory=lambda: np.zeros(0))
    balance: dict = field(default_factory=dict)
    problems: list = field(default_factory=list)
    notes: list = field(default_factory=list)
    samples: list = field(default_factory=list)               # (label, image (C, H, W), mask (H, W)); volumes:
                                                              # the slice with the most foreground

    @property
    def ready(self) -> bool:
        """No problem that stops training."""
        return not self.problems

    @property
    def minimum_side(self) -> int:
        """``2**depth``: the smallest side a U-Net of this depth takes."""
        return 2 ** self.depth


def _files(folder: Path, extensions, report: DataReport, what: str) -> dict:
    by_stem = {}
    for path in sorted(folder.iterdir()):
        if path.name.startswith(".") or not path.is_file():
            continue
        kind = suffix(path)
        if what == "masks" and kind in LOSSY_EXTENSIONS:
            report.problems.append(f"{path}: a JPEG mask; JPEG blurs the class ids at edges: save masks as PNG")
            continue
        if kind not in extensions:
            report.ignored.append(path.name)
            continue
        if stem(path) in by_stem:
            report.problems.append(f"{path} and {by_stem[stem(path)]}: two {what} named {stem(path)!r}; each name "
                                   "may appear once")
            continue
        by_stem[stem(path)] = path
    return by_stem


def inspect(root, depth: int = 3, mask_format: str = "auto", palette=None) -> DataReport:
    """Read the folder ``root`` (``root/images``, ``root/masks``) and describe it; never stops at a problem.

    ``depth`` is the U-Net depth the sizes are checked against (``2**depth`` pixels per side at
    least). ``mask_format`` (``"auto"``, ``"ids"``, ``"binary"``, ``"void"``) and ``palette`` (a
    colour table, or ``"auto"``) are read as :class:`~tconv.seg.data.ImageMaskFolder` reads
    them. Raises ``ValueError`` only when ``root`` is not a folder.

    >>> import tempfile
    >>> from PIL import Image
    >>> with tempfile.TemporaryDirectory() as root:
    ...     for sub in ("images", "masks"):
    ...         Path(root, sub).mkdir()
    ...     Image.fromarray(np.zeros((16, 16), np.uint8)).save(Path(root, "images", "a.png"))
    ...     mask = np.zeros((16, 16), np.uint8); mask[4:8, 4:8] = 255
    ...     Image.fromarray(mask).save(Path(root, "masks", "a.png"))
    ...     report = inspect(root)
    >>> report.mask_format, report.class_pixels.tolist(), report.ready
    ('binary', [240, 16], True)
    """
    root = Path(root)
    if not root.is_dir():
        raise ValueError(f"{root}: not a folder; the layout is DIR/images/ and DIR/masks/ with files paired by name")
    report = DataReport(root=root, depth=int(depth))
    for sub in ("images", "masks"):
        if not (root / sub).is_dir():
            report.problems.append(f"{root / sub}: the {sub} folder is missing; the layout is {root}/images/ and "
                                   f"{root}/masks/ with files paired by name{layout_hint(root)}")
    if report.problems:
        return report
    images = _files(root / "images", FOLDER_IMAGE_EXTENSIONS, report, "images")
    masks = _files(root / "masks", FOLDER_MASK_EXTENSIONS, report, "masks")
    report.unmatched_images = sorted(set(images) - set(masks))
    report.unmatched_masks = sorted(set(masks) - set(images))
    if report.unmatched_images:
        report.problems.append(f"{len(report.unmatched_images)} image(s) have no mask of the same name in "
                               f"{root / 'masks'}: {listing(report.unmatched_images)}")
    if report.unmatched_masks:
        report.problems.append(f"{len(report.unmatched_masks)} mask(s) have no image of the same name in "
                               f"{root / 'images'}: {listing(report.unmatched_masks)}")
    names = sorted(set(images) & set(masks))
    if not names:
        report.problems.append(f"{root}: no image/mask pair (images: {len(images)}, masks: {len(masks)})")
        return report
    kinds = {name: file_dims(images[name]) for name in names}
    report.spatial_dims = Counter(kinds.values()).most_common(1)[0][0]
    mixed = [name for name in names if kinds[name] != report.spatial_dims]
    if mixed:
        report.problems.append(f"the folder mixes 2-D images and volumes ({listing(mixed)} differ from the rest); "
                               "keep one kind per folder")
    raw = _read_pairs(report, [n for n in names if n not in mixed], images, masks)
    decide_format(report, raw, mask_format, palette)
    class_statistics(report, raw)
    check_sizes(report)
    pick_samples(report, images, raw)
    return report


def _read_pairs(report: DataReport, names, images, masks) -> dict:
    """Each pair's header and raw mask: ``{name: (mask values (H, W) or colours (H, W, 3), mode)}``."""
    raw = {}
    volume = report.spatial_dims == 3
    for name in names:
        try:
            if volume:
                size, channels = volume_header(images[name])
                report.image_modes[f"volume, {channels} channel(s)"] += 1
            else:
                with open_image(images[name]) as picture:
                    channels = image_channels(images[name], picture)
                    size = (picture.height, picture.width)
                    report.image_modes[picture.mode] += 1
            report.channels = max(report.channels, channels)
        except ValueError as error:
            report.problems.append(str(error))
            continue
        try:
            if volume:
                values, mode = read_volume_mask(masks[name]), "volume"
            else:
                with open_image(masks[name]) as picture:
                    mode = picture.mode
                values = np.asarray(_rgb_or_values(masks[name], mode))
        except ValueError as error:
            report.problems.append(str(error))
            continue
        report.mask_modes[mode] += 1
        if values.shape[:report.spatial_dims] != tuple(size):
            report.problems.append(f"{masks[name]} is {'x'.join(map(str, values.shape[:report.spatial_dims]))} but "
                                   f"{images[name]} is {'x'.join(map(str, size))}; an image and its mask must have "
                                   "the same size (resize masks with nearest neighbour)")
            continue
        report.names.append(name)
        report.image_sizes[name] = tuple(size)
        raw[name] = (values, mode)
    return raw


def _rgb_or_values(path, mode):
    """An RGB(A) mask's colours ``(H, W, 3)``, else its values as class ids would be read (``(H, W)``)."""
    rgb = mask_rgb(path) if mode in ("RGB", "RGBA") else None
    return rgb if rgb is not None else read_mask(path)
