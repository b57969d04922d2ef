"""What the pixel values of a folder's masks mean: class ids, 0/255 binary masks, or VOC's void.

Three conventions are common, and reading one as another silently trains a wrong model:

* ``"ids"``: the pixel value is the class id (0 the background, 1, 2, ... the objects);
* ``"binary"``: a binary mask saved for viewing, 0 for the background and 255 for the object
  (the most common format of binary masks); read as 0 and 1. Read as ids, it would make a
  256-class data set in which 254 classes never occur;
* ``"void"``: class ids plus 255 for PASCAL VOC's "void" label (the unlabelled band along
  object outlines, and difficult objects); tconv's losses have no ignore label, so void
  pixels are read as the background, 0. (Cross-entropy's ``ignore_index`` could skip them;
  the Dice-based losses cannot.)

``"auto"`` (the default of :class:`~tconv.seg.data.ImageMaskFolder`) chooses from the values
of all the masks, with :func:`detect_mask_format`, and warns once (:class:`MaskFormatWarning`)
with the counts when it chose anything but ``"ids"``.

>>> detect_mask_format({0: 900, 255: 100})
'binary'
>>> detect_mask_format({0: 900, 1: 50, 2: 40, 255: 10})
'void'
>>> detect_mask_format({0: 900, 1: 100})
'ids'
>>> apply_mask_format(np.array([[0, 255], [255, 0]]), "binary").tolist()
[[0, 1], [1, 0]]
"""
from __future__ import annotations

import numpy as np

from ..._checks import check_choice

__all__ = ["MASK_FORMATS", "MaskFormatWarning", "detect_mask_format", "apply_mask_format", "describe_mask_format",
           "VOID"]

MASK_FORMATS = ("auto", "ids", "binary", "void")
#: The value of PASCAL VOC's "void" label, and of the object in 0/255 binary masks.
VOID = 255


class MaskFormatWarning(UserWarning):
    """The masks were read by another convention than "the pixel value is the class id"."""


def detect_mask_format(counts: dict) -> str:
    """``"binary"``, ``"void"`` or ``"ids"`` for masks whose values occur ``counts[value]`` times in all.

    ``"binary"`` when the only values are 0 and 255 (both present, or 255 alone); ``"void"``
    when 255 occurs beside class ids below 255 other than 0 alone; ``"ids"`` otherwise (a
    value of 255 with ids above it is a class id too).
    """
    values = {int(v) for v, n in counts.items() if n}
    if VOID not in values or max(values) > VOID:
        return "ids"
    if values <= {0, VOID}:
        return "binary"
    return "void"


def apply_mask_format(mask: np.ndarray, mask_format: str, path="mask") -> np.ndarray:
    """``mask`` (int64 pixel values) as class ids under ``mask_format`` (not ``"auto"``).

    ``"binary"`` refuses values other than 0 and 255 (``ValueError`` naming ``path``).
    """
    check_choice("mask_format", mask_format, MASK_FORMATS[1:])
    if mask_format == "ids":
        return mask
    if mask_format == "binary":
        other = np.setdiff1d(np.unique(mask), (0, VOID))
        if other.size:
            raise ValueError(f"{path}: mask_format='binary' reads masks of 0 and 255 only; this mask also holds "
                             f"{other[:5].tolist()}; use mask_format='ids' for class ids")
        return (mask == VOID).astype(np.int64)
    return np.where(mask == VOID, 0, mask)


def describe_mask_format(folder, mask_format: str, counts: dict, files: int) -> str:
    """The one-line warning for masks read as ``"binary"`` or ``"void"`` (with their counts).

    >>> describe_mask_format("data/masks", "binary", {0: 750, 255: 250}, 4)
    "data/masks: the 4 masks hold only the values 0 and 255 (250 of 1,000 pixels are 255): read as binary masks, 255 -> class 1 (mask_format='binary'; mask_format='ids' would read 255 as a class id)"
    """
    total = sum(counts.values())
    voids = counts.get(VOID, 0)
    share = f"{voids:,} of {total:,} pixels are 255"
    if mask_format == "binary":
        return (f"{folder}: the {files} masks hold only the values 0 and 255 ({share}): read as binary masks, "
                f"255 -> class 1 (mask_format='binary'; mask_format='ids' would read 255 as a class id)")
    ids = sorted(v for v in counts if v != VOID and counts[v])
    return (f"{folder}: the masks hold class ids {ids[0]}..{ids[-1]} and 255 ({share}), PASCAL VOC's 'void' "
            f"label: void pixels are read as the background, class 0 (mask_format='void'; mask_format='ids' "
            f"would read 255 as a class id)")
