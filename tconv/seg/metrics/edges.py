"""Boundaries of binary masks: a mask minus its erosion (MONAI's ``get_mask_edges``).

The erosion keeps a pixel when it and its 2 * ndim face neighbours (the "cross" structuring
element) are all in the mask; outside the image counts as background, so mask pixels on the
image border are boundary pixels. The boundary is ``mask XOR erosion(mask)``:

    mask          erosion       boundary
    . . . . .     . . . . .     . . . . .
    . # # # .     . . . . .     . # # # .
    . # # # .     . . # . .     . # . # .
    . # # # .     . . . . .     . # # # .
"""
from __future__ import annotations

import numpy as np

from ..labels import as_real_array

__all__ = ["binary_erosion", "get_mask_edges"]


def binary_erosion(mask) -> np.ndarray:
    """One erosion of a bool mask by the cross (face neighbours), outside = background.

    Equal to ``scipy.ndimage.binary_erosion(mask)`` with its defaults (structure
    ``generate_binary_structure(ndim, 1)``, ``iterations=1``, ``border_value=0``).
    Any number of axes.

    >>> mask = np.zeros((5, 5), bool); mask[1:4, 1:4] = True
    >>> binary_erosion(mask).astype(int)
    array([[0, 0, 0, 0, 0],
           [0, 0, 0, 0, 0],
           [0, 0, 1, 0, 0],
           [0, 0, 0, 0, 0],
           [0, 0, 0, 0, 0]])
    """
    mask = np.asarray(mask, dtype=bool)
    eroded = mask.copy()
    if mask.size == 0:
        return eroded
    for axis in range(mask.ndim):
        # Views with ``axis`` first: writing to ``keep`` writes to ``eroded``.
        inside, keep = np.moveaxis(mask, axis, 0), np.moveaxis(eroded, axis, 0)
        keep[1:] &= inside[:-1]        # the neighbour before must be in the mask
        keep[:-1] &= inside[1:]        # and the neighbour after
        keep[0] = False                # the first and last pixels have a neighbour outside
        keep[-1] = False               # the image, which is background
    return eroded


def _foreground_box(mask: np.ndarray):
    """Per axis, the first and last index where ``mask`` has a True pixel."""
    box = []
    for axis in range(mask.ndim):
        others = tuple(a for a in range(mask.ndim) if a != axis)
        hits = np.flatnonzero(mask.any(axis=others))
        box.append((int(hits[0]), int(hits[-1])))
    return box


def _crop_with_margin(mask: np.ndarray, box, margin: int = 1) -> np.ndarray:
    """``mask`` cropped to ``box`` widened by ``margin`` (clipped to the image)."""
    window = tuple(slice(max(first - margin, 0), min(last + 1 + margin, size))
                   for (first, last), size in zip(box, mask.shape))
    return mask[window]


def get_mask_edges(seg_pred, seg_gt, label_idx: int = 1, crop: bool = True):
    """The boundary pixels of two masks: ``(edges_pred, edges_gt)``, bool arrays.

    ``edges = mask XOR binary_erosion(mask)`` (see the module docstring).

    Args:
        seg_pred, seg_gt: masks of the same shape (any number of axes): bool, or label maps
            turned into masks by ``seg == label_idx``.
        label_idx: the label that is foreground in non-bool inputs.
        crop: as MONAI, first crop both masks to the bounding box of their union widened by
            1 pixel. Distances between the edges do not change; the arrays get smaller. Where
            the widened box leaves the image, MONAI pads it with background and this function
            clips it instead: the edges are the same (outside the image is background for the
            erosion anyway), only the arrays are a pixel smaller there. With no foreground at
            all, the result is two all-False arrays of the full shape.

    >>> gt = np.zeros((6, 6), bool); gt[1:4, 1:4] = True
    >>> edges_pred, edges_gt = get_mask_edges(np.zeros((6, 6), bool), gt)
    >>> edges_gt.astype(int)                 # the 3x3 box plus a 1-pixel margin
    array([[0, 0, 0, 0, 0],
           [0, 1, 1, 1, 0],
           [0, 1, 0, 1, 0],
           [0, 1, 1, 1, 0],
           [0, 0, 0, 0, 0]])
    >>> edges_pred.any()
    np.False_
    """
    seg_pred, seg_gt = as_real_array("seg_pred", seg_pred), as_real_array("seg_gt", seg_gt)
    if seg_pred.shape != seg_gt.shape:
        raise ValueError(f"seg_pred has shape {seg_pred.shape} and seg_gt has shape {seg_gt.shape}; "
                         "they must be equal")
    pred = seg_pred if seg_pred.dtype == bool else seg_pred == label_idx
    gt = seg_gt if seg_gt.dtype == bool else seg_gt == label_idx
    if crop:
        union = pred | gt
        if not union.any():
            return np.zeros(pred.shape, bool), np.zeros(gt.shape, bool)
        box = _foreground_box(union)
        pred, gt = _crop_with_margin(pred, box), _crop_with_margin(gt, box)
    return pred ^ binary_erosion(pred), gt ^ binary_erosion(gt)
