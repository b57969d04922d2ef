"""The data doctor's checks, each on a :class:`~tconv.seg.data.doctor.DataReport` being filled in.

:func:`tconv.seg.data.inspect` reads the folder's pairs, then runs these in order:
:func:`decide_format` (which convention the masks follow, and their conversion to class ids;
:func:`apply_colour_table` for RGB masks), :func:`class_statistics` (pixels, masks and
median-frequency weights per class, the imbalance verdict), :func:`check_sizes` (sides a
U-Net of the report's depth cannot take, sides not multiples of ``2**depth``; the ``--size``
to train with is :func:`suggested_size`) and :func:`pick_samples` (the pairs the figure draws).
Each adds what it finds to the report's ``problems`` (what stops training) or ``notes``.
"""
from __future__ import annotations

from collections import Counter

import numpy as np

from .balance import class_frequencies, imbalance, median_frequency_weights
from .colours import MAX_COLOURS, colour_codes, colour_table, find_colours
from .imageio import match_channels, parse_palette, read_image
from .mask_format import VOID, apply_mask_format, detect_mask_format
from .volumeio import read_volume

__all__ = ["decide_format", "apply_colour_table", "class_statistics", "check_sizes", "suggested_size", "pick_samples",
           "listing", "MAX_SAMPLES"]

#: Pairs drawn in the figure.
MAX_SAMPLES = 4
_SAMPLE_SIDE = 192


def listing(names, limit: int = 4) -> str:
    names = sorted(str(n) for n in names)
    return ", ".join(names[:limit]) + (f" and {len(names) - limit} more" if len(names) > limit else "")


def decide_format(report, raw: dict, mask_format: str, palette) -> None:
    """Which convention the masks follow; converts ``raw`` in place to class ids."""
    colour = [name for name, (values, _) in raw.items() if values.ndim == 3 and report.spatial_dims == 2]
    grey = [name for name in raw if name not in colour]
    if colour and grey:
        report.problems.append(f"{len(colour)} mask(s) are RGB colours ({listing(colour)}) and {len(grey)} hold grey "
                               f"class ids ({listing(grey)}); save all masks one way")
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
            apply_colour_table(report, raw, colour, palette)
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


def apply_colour_table(report, raw: dict, names, palette) -> None:
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


def class_statistics(report, raw: dict) -> None:
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
        report.notes.append(f"class id(s) {listing(missing, 6)} never occur: the ids are not consecutive (the model "
                            f"still gets {report.num_classes} outputs, one per id up to {report.num_classes - 1})")


def check_sizes(report) -> None:
    sizes = list(report.image_sizes.values())
    if not sizes:
        return
    side = report.minimum_side
    small = [name for name, size in report.image_sizes.items() if min(size) < side]
    if small:
        report.problems.append(f"{len(small)} image(s) have a side below {side} pixels, the least a U-Net of depth "
                               f"{report.depth} takes (it halves the size {report.depth} times): {listing(small)}; "
                               f"resize them (--size) or lower --depth")
    odd = [name for name, size in report.image_sizes.items() if any(s % side for s in size)]
    if odd:
        report.notes.append(f"{len(odd)} image(s) have sides that are not multiples of {side} (2^depth): tconv's U-Net "
                            "pads its decoder to fit, but many frameworks refuse such sizes; --size with multiples of "
                            f"{side} avoids both")


def suggested_size(report) -> tuple | None:
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


def pick_samples(report, images, raw) -> None:
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
