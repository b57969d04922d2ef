"""The data doctor's report in plain words, and the ``tconv train`` command it recommends.

:func:`report_lines` turns a :class:`~tconv.seg.data.doctor.DataReport` into lines of text
(``tconv doctor`` prints them); :func:`recommended_command` is the training command that fits
the data as found: ``--size`` when the sizes differ or are large, ``--mask-colors`` for RGB
masks, ``--mask-format`` for 0/255 and VOC masks, ``--class-weights auto`` when the classes
are unbalanced, ``--model vnet`` for volumes.
"""
from __future__ import annotations

import shlex
from collections import Counter

from .colours import describe_colour_table, hex_list
from .doctor import DataReport, suggested_size

__all__ = ["report_lines", "recommended_command", "FORMAT_WORDS"]

#: What each detected mask format means, in words.
FORMAT_WORDS = {
    "ids": "class ids: the pixel value is the class (0 the background)",
    "binary": "binary masks saved as 0/255: read as 0 (background) and 1 (object) (--mask-format binary)",
    "void": "class ids with PASCAL VOC's 255 'void' label (outlines, unlabelled): void is read as background "
            "(--mask-format void)",
    "palette": "palette PNGs: the palette index is the class id (PASCAL VOC's convention); the colours you see "
               "are only the palette",
    "colours": "RGB colour masks: each colour is a class; the colour table below turns them into class ids "
               "(--mask-colors)",
    "grey-rgb": "grey class ids saved as RGB (three equal channels): read as grey",
}
#: More colours than this are spelled as ``--mask-colors auto`` instead of the list.
_SPELLED_COLOURS = 8


def _sizes(sizes) -> str:
    common = Counter(sizes).most_common()
    shown = ", ".join(f"{'x'.join(map(str, size))} ({n})" for size, n in common[:4])
    return shown + (f" and {len(common) - 4} more sizes" if len(common) > 4 else "")


def recommended_command(report: DataReport, command: str = "train") -> str:
    """The ``tconv train`` command for this data (the flags its findings call for).

    ``command="lr-find"`` spells the same data and model flags for ``tconv lr-find``, which
    reads the data as ``tconv train`` does (and so needs the same ``--size`` and colour table).

    >>> from pathlib import Path
    >>> import numpy as np
    >>> report = DataReport(root=Path("my data"), depth=3, mask_format="binary", image_sizes={"a": (64, 64)})
    >>> report.balance = {"imbalanced": True}
    >>> recommended_command(report)
    "tconv train --data 'my data' --mask-format binary"
    >>> recommended_command(report, "lr-find")
    "tconv lr-find --data 'my data' --mask-format binary"
    """
    words = ["tconv", command, "--data", str(report.root)]
    if report.spatial_dims == 3:
        words += ["--model", "vnet"]
    size = suggested_size(report)
    if size is not None:
        words += ["--size", *map(str, size)]
    if report.depth != 3:
        words += ["--depth", str(report.depth)]
    if report.mask_format in ("binary", "void"):
        words += ["--mask-format", report.mask_format]
    if report.mask_format == "colours" and report.colour_table:
        table = report.colour_table
        words += ["--mask-colors", hex_list(table) if len(table) <= _SPELLED_COLOURS else "auto"]
    # no --class-weights for imbalanced data: the default loss (dicece) already counts each class
    # equally in its Dice term, and median-frequency weights on top of it trained worse (a 1% class:
    # mIoU 0.46 with them, 0.84 without); they are for --loss ce (the text says so)
    return " ".join(shlex.quote(word) for word in words)


def _class_lines(report: DataReport) -> list[str]:
    total = max(int(report.class_pixels.sum()), 1)
    lines = ["  classes (pixels, masks holding it, median-frequency weight):"]
    for k in range(report.num_classes):
        colour = ""
        if report.colour_table and k < len(report.colour_table):
            r, g, b = report.colour_table[k]
            colour = f"  #{r:02x}{g:02x}{b:02x}"
        lines.append(f"    {k:>3}{colour}  {100 * report.class_pixels[k] / total:7.3f}% of pixels  "
                     f"{int(report.class_images[k]):>5} of {len(report.names)} masks  weight {report.weights[k]:.3g}")
    balance = report.balance
    if balance.get("imbalanced"):
        rarest = balance["rarest"]
        lines.append(f"    imbalanced: class {rarest} holds {100 * balance['shares'][rarest]:.2f}% of the pixels "
                     f"({balance['ratio']:.0f}x fewer than the most common class). Pixel accuracy will flatter: a "
                     f"model that never predicts class {rarest} scores {100 * (1 - balance['shares'][rarest]):.1f}% "
                     "on it. Watch the per-class IoU. The default loss (dicece) counts each class equally in its "
                     "Dice term; with --loss ce, weigh the classes (--class-weights auto)")
    return lines


def report_lines(report: DataReport) -> list[str]:
    """The report as lines of text, ending with the verdict and the recommended command."""
    kind = "volumes" if report.spatial_dims == 3 else "2-D images"
    lines = [f"Data: {report.root}", f"  pairs: {len(report.names)} images with masks ({kind})"]
    if report.ignored:
        lines.append(f"  ignored {len(report.ignored)} other file(s): {', '.join(sorted(report.ignored)[:4])}"
                     + (" ..." if len(report.ignored) > 4 else ""))
    if report.names:
        modes = ", ".join(f"{mode} ({n})" for mode, n in report.image_modes.most_common())
        lines.append(f"  images: {modes}; {'colour' if report.channels == 3 else 'grey'}, so in_channels="
                     f"{report.channels}")
        lines.append(f"  sizes ({'DxHxW' if report.spatial_dims == 3 else 'HxW'}): "
                     f"{_sizes(list(report.image_sizes.values()))}")
        modes = ", ".join(f"{mode} ({n})" for mode, n in report.mask_modes.most_common())
        values = report.mask_values
        shown = ", ".join(map(str, values[:8])) + (", ..." if len(values) > 8 else "")
        lines.append(f"  masks: {modes}; {'colours' if report.mask_format == 'colours' else 'values'} {{{shown}}}")
        lines.append(f"  mask format: {FORMAT_WORDS.get(report.mask_format, report.mask_format)}")
        if report.colour_table:
            lines.append(f"  colour table (class = colour): {describe_colour_table(report.colour_table)}")
        if report.num_classes >= 1:
            lines += _class_lines(report)
        size = suggested_size(report)
        if size is not None:
            lines.append(f"  size: train at --size {' '.join(map(str, size))} (one size for every batch, a multiple "
                         f"of 2^depth = {report.minimum_side}, at most 256 per side for speed)")
    if report.notes:
        lines.append("Notes:")
        lines += [f"  - {note}" for note in report.notes]
    if report.problems:
        lines.append(f"Problems ({len(report.problems)}), fix these first:")
        lines += [f"  - {problem}" for problem in report.problems[:12]]
        if len(report.problems) > 12:
            lines.append(f"  - ... and {len(report.problems) - 12} more")
    else:
        lines.append("Ready to train:")
        lines.append(f"  {recommended_command(report)}")
        lines.append(f"  (first, a sanity check: the same command with --overfit-batch; the learning rate: "
                     f"{recommended_command(report, 'lr-find')})")
    return lines
