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

from .balance import class_frequencies, imbalance, median_frequency_weights
from .colours import MAX_COLOURS, colour_codes, colour_table, find_colours
from .folder import FOLDER_IMAGE_EXTENSIONS, FOLDER_MASK_EXTENSIONS, LOSSY_EXTENSIONS, file_dims
from .imageio import image_channels, mask_rgb, match_channels, open_image, parse_palette, read_image, read_mask
from .mask_format import VOID, apply_mask_format, detect_mask_format
from .volumeio import read_volume, read_volume_mask, stem, suffix, volume_header

__all__ = ["DataReport", "inspect", "suggested_size", "MAX_SAMPLES"]

#: Pairs drawn in the figure.
MAX_SAMPLES = 4
_SAMPLE_SIDE = 192


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


def _listing(names, limit: int = 4) -> str:
    names = sorted(str(n) for n in names)
    return ", ".join(names[:limit]) + (f" and {len(names) - limit} more" if len(names) > limit else "")


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
                                   f"{root}/masks/ with files paired by name")
    if report.problems:
        return report
    images = _files(root / "images", FOLDER_IMAGE_EXTENSIONS, report, "images")
    masks = _files(root / "masks", FOLDER_MASK_EXTENSIONS, report, "masks")
    report.unmatched_images = sorted(set(images) - set(masks))
    report.unmatched_masks = sorted(set(masks) - set(images))
    if report.unmatched_images:
        report.problems.append(f"{len(report.unmatched_images)} image(s) have no mask of the same name in "
                               f"{root / 'masks'}: {_listing(report.unmatched_images)}")
    if report.unmatched_masks:
        report.problems.append(f"{len(report.unmatched_masks)} mask(s) have no image of the same name in "
                               f"{root / 'images'}: {_listing(report.unmatched_masks)}")
    names = sorted(set(images) & set(masks))
    if not names:
        report.problems.append(f"{root}: no image/mask pair (images: {len(images)}, masks: {len(masks)})")
        return report
    kinds = {name: file_dims(images[name]) for name in names}
    report.spatial_dims = Counter(kinds.values()).most_common(1)[0][0]
    mixed = [name for name in names if kinds[name] != report.spatial_dims]
    if mixed:
        report.problems.append(f"the folder mixes 2-D images and volumes ({_listing(mixed)} differ from the rest); "
                               "keep one kind per folder")
    raw = _read_pairs(report, [n for n in names if n not in mixed], images, masks)
    _decide_format(report, raw, mask_format, palette)
    _class_statistics(report, raw)
    _check_sizes(report)
    _pick_samples(report, images, raw)
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


def _decide_format(report: DataReport, raw: dict, mask_format: str, palette) -> None:
    """Which convention the masks follow; converts ``raw`` in place to class ids."""
    colour = [name for name, (values, _) in raw.items() if values.ndim == 3 and report.spatial_dims == 2]
    grey = [name for name in raw if name not in colour]
    if colour and grey:
        report.problems.append(f"{len(colour)} mask(s) are RGB colours ({_listing(colour)}) and {len(grey)} hold grey "
                               f"class ids ({_listing(grey)}); save all masks one way")
        for name in colour:
            raw.pop(name)
            report.names.remove(name)
        colour = []
    if colour:
        rgbs = [raw[name][0] for name in colour]
        if all(np.array_equal(rgb[..., 0], rgb[..., 1]) and np.array_equal(rgb[..., 0], rgb[..., 2]) for rgb in rgbs):
            report.notes.append("the RGB masks are grey (their three channels are equal): their values are read as "
                                "grey values; saving them as 8-bit grey ('L') PNGs makes them smaller")
            for name in colour:
                raw[name] = (raw[name][0][..., 0].astype(np.int64), raw[name][1])
            report.mask_format = "grey-rgb"
        else:
            _colour_table(report, raw, colour, palette)
            return
    counts: Counter = Counter()
    for values, _ in raw.values():
        found, times = np.unique(values, return_counts=True)
        counts.update(dict(zip(found.tolist(), times.tolist())))
    report.mask_values = sorted(counts)
    chosen = detect_mask_format(counts) if mask_format == "auto" else mask_format
    if report.mask_format != "grey-rgb":
        report.mask_format = "palette" if chosen == "ids" and "P" in report.mask_modes else chosen
    if "P" in report.mask_modes and report.mask_format != "palette":
        report.notes.append("the masks are palette PNGs: the palette index is the class id (PASCAL VOC's "
                            "convention); the colours a viewer shows are only the palette")
    if chosen == "binary" and set(counts) - {0, VOID}:
        report.problems.append(f"--mask-format binary reads masks of 0 and 255, but the masks also hold "
                               f"{sorted(set(counts) - {0, VOID})[:5]}")
        chosen = "ids"
    for name, (values, mode) in raw.items():
        raw[name] = (apply_mask_format(values, chosen), mode)
    distinct = [v for v in counts if not (chosen in ("binary", "void") and v == VOID)]
    if len(distinct) > MAX_COLOURS:
        report.problems.append(f"the masks hold {len(distinct)} different values; class ids are few (0, 1, 2, ...). "
                               "Are these images rather than masks, or masks blurred by JPEG or bilinear resizing?")


def _colour_table(report: DataReport, raw: dict, names, palette) -> None:
    """RGB masks: find (or apply) the colour table and convert to class ids."""
    report.mask_format = "colours"
    try:
        counts: dict = {}
        for name in names:
            find_colours(raw[name][0], counts, report.root / "masks" / name)
    except ValueError as error:
        report.problems.append(str(error))
        for name in names:
            raw.pop(name)
            report.names.remove(name)
        return
    report.mask_values = sorted(counts)
    found = colour_table(counts)
    if palette is None or (isinstance(palette, str) and palette == "auto"):
        table = found
    else:
        table = list(parse_palette(palette))
        unknown = [c for c in found if c not in table]
        if unknown:
            report.problems.append(f"the masks hold colours {unknown[:5]} that --mask-colors does not list")
            table = table + unknown
    report.colour_table = table
    lookup = {(r << 16) | (g << 8) | b: k for k, (r, g, b) in enumerate(table)}
    for name in names:
        codes = colour_codes(raw[name][0])
        keys, inverse = np.unique(codes, return_inverse=True)
        ids = np.array([lookup[int(key)] for key in keys], np.int64)
        raw[name] = (ids[inverse.reshape(codes.shape)], raw[name][1])


def _class_statistics(report: DataReport, raw: dict) -> None:
    counts = []
    for values, _ in raw.values():
        found, times = np.unique(values, return_counts=True)
        counts.append(dict(zip(found.tolist(), times.tolist())))
    largest = max((max(c) for c in counts if c), default=0)
    report.num_classes = max(largest + 1, len(report.colour_table or []))
    pixels, images, _ = class_frequencies(counts, report.num_classes)
    report.class_pixels, report.class_images = pixels, images
    report.weights = median_frequency_weights(counts, report.num_classes)
    report.balance = imbalance(pixels)
    if report.num_classes < 2 and raw:
        report.problems.append(f"every mask in {report.root / 'masks'} is class 0 (the background): there is nothing "
                               "to segment; masks hold class ids, 0 for the background and 1, 2, ... for the objects")
    missing = [k for k in range(report.num_classes) if pixels[k] == 0]
    if missing and report.num_classes >= 2:
        report.notes.append(f"class id(s) {_listing(missing, 6)} never occur: the ids are not consecutive (the model "
                            f"still gets {report.num_classes} outputs, one per id up to {report.num_classes - 1})")


def _check_sizes(report: DataReport) -> None:
    sizes = list(report.image_sizes.values())
    if not sizes:
        return
    side = report.minimum_side
    small = [name for name, size in report.image_sizes.items() if min(size) < side]
    if small:
        report.problems.append(f"{len(small)} image(s) have a side below {side} pixels, the least a U-Net of depth "
                               f"{report.depth} takes (it halves the size {report.depth} times): {_listing(small)}; "
                               f"resize them (--size) or lower --depth")
    odd = [name for name, size in report.image_sizes.items() if any(s % side for s in size)]
    if odd:
        report.notes.append(f"{len(odd)} image(s) have sides that are not multiples of {side} (2^depth): tconv's U-Net "
                            "pads its decoder to fit, but many frameworks refuse such sizes; --size with multiples of "
                            f"{side} avoids both")


def suggested_size(report: DataReport) -> tuple | None:
    """The ``--size`` to train with: None when every image has one size that needs no change.

    Mixed sizes need one (a batch is one array): the median size, rounded to a multiple of
    ``2**depth``; so do sides above 256 pixels (128 for volumes), which NumPy trains slowly.
    """
    sizes = np.array(list(report.image_sizes.values()))
    if sizes.size == 0:
        return None
    largest = 256 if report.spatial_dims == 2 else 128
    one_size = len({tuple(s) for s in sizes}) == 1
    if one_size and sizes.max() <= largest and sizes.min() >= report.minimum_side:
        return None
    side = report.minimum_side
    median = np.median(sizes, axis=0)
    scale = min(1.0, largest / median.max())
    return tuple(int(max(side, round(n * scale / side) * side)) for n in median)


def _pick_samples(report: DataReport, images, raw) -> None:
    """Up to :data:`MAX_SAMPLES` pairs for the figure, the first showing each class, small."""
    chosen = []
    for k in range(1, report.num_classes):
        name = next((n for n in report.names if n in raw and np.any(raw[n][0] == k) and n not in chosen), None)
        if name is not None and len(chosen) < MAX_SAMPLES:
            chosen.append(name)
    chosen += [n for n in report.names if n not in chosen][: MAX_SAMPLES - len(chosen)]
    for name in chosen:
        try:
            image = read_volume(images[name]) if report.spatial_dims == 3 else read_image(images[name])
        except ValueError as error:
            report.problems.append(str(error))
            continue
        mask, label = raw[name][0], name
        if report.spatial_dims == 3:
            depth = int(np.argmax((mask > 0).reshape(mask.shape[0], -1).sum(axis=1)))
            image, mask, label = image[:, depth], mask[depth], f"{name}, slice {depth}"
        image = match_channels(image, 3 if image.shape[0] >= 3 else 1)
        step = max(1, int(np.ceil(max(mask.shape) / _SAMPLE_SIDE)))
        report.samples.append((label, image[:, ::step, ::step], mask[::step, ::step]))
