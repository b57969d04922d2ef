"""Overlap metrics per image and class: Dice and IoU (Jaccard), as MONAI computes them.

For a predicted mask ``P`` and a ground-truth mask ``G`` (sets of pixels):

* Dice ``D = 2 |P ∩ G| / (|P| + |G|)`` (``monai/metrics/meandice.py``);
* IoU ``J = |P ∩ G| / |P ∪ G|`` (``monai/metrics/meaniou.py``).

On hard masks they determine each other: ``J = D / (2 - D)`` and ``D = 2J / (1 + J)``.

Empty masks (MONAI's conventions; ``ignore_empty`` decides what an empty ground truth gives):

=====================  =====================  ======================
case                   ``ignore_empty=True``  ``ignore_empty=False``
=====================  =====================  ======================
prediction empty only  0                      0
ground truth empty     NaN                    0
both empty             NaN                    1
=====================  =====================  ======================

NaN marks "not defined here"; the reductions (:func:`do_metric_reduction`) skip it.
"""
from __future__ import annotations

import numpy as np

from ..._checks import check_bool, check_int
from ..labels import as_real_array, check_class_ids
from ._checks import batch_layout, binary_masks, result_dtype
from .reduction import ignore_background

__all__ = ["compute_dice", "compute_iou"]


def _class_masks(name: str, array: np.ndarray, num_classes: int, source: str) -> np.ndarray:
    """``array`` as bool masks ``(B, num_classes, *spatial)``: one-hot as is, a label map expanded.

    With ``num_classes == 1`` the single channel is a binary foreground mask.
    """
    channels = array.shape[1]
    if channels == num_classes:
        return binary_masks(name, array)
    if channels == 1:
        check_class_ids(name, array, num_classes, extra=f" (a label map, since {name} has 1 channel)")
        classes = np.arange(num_classes).reshape((1, num_classes) + (1,) * (array.ndim - 2))
        return array == classes
    raise ValueError(f"{name} has {channels} channels (shape {array.shape}); with num_classes={num_classes}{source} "
                     f"it must have {num_classes} (one-hot masks) or 1 (a label map)")


def _same_batch_and_space(y_pred: np.ndarray, y: np.ndarray) -> None:
    if y_pred.shape[0] != y.shape[0] or y_pred.shape[2:] != y.shape[2:]:
        raise ValueError(f"y_pred has shape {y_pred.shape} and y has shape {y.shape}; "
                         "their batch and spatial sizes must agree")


def _sizes(pred: np.ndarray, gt: np.ndarray):
    """``|P ∩ G|``, ``|P|``, ``|G|`` per image and class (sums over the spatial axes)."""
    spatial = tuple(range(2, pred.ndim))
    return (np.count_nonzero(pred & gt, axis=spatial), np.count_nonzero(pred, axis=spatial),
            np.count_nonzero(gt, axis=spatial))


def compute_dice(y_pred, y, include_background: bool = True, ignore_empty: bool = True,
                 num_classes: int | None = None) -> np.ndarray:
    """Dice ``2 |P ∩ G| / (|P| + |G|)`` per image and class: ``(B, C)``.

    Args:
        y_pred: binarised one-hot predictions ``(B, C, *spatial)`` (2 or 3 spatial axes; bool,
            or 0/1 integers or floats), or a label map ``(B, 1, *spatial)`` when ``num_classes``
            is given.
        y: the ground truth, one-hot ``(B, C, *spatial)`` or a label map ``(B, 1, *spatial)``.
        include_background: keep channel 0; ``False`` drops it (when there is more than one class).
        ignore_empty: NaN where the ground truth is empty; ``False``: 1 if the prediction is
            empty too, else 0 (see the module's table).
        num_classes: the number of classes, background included; ``None``: ``y_pred.shape[1]``.
            Needed when both inputs are label maps.

    With a single class (``C == 1``) the one channel is the foreground and is always kept, as
    in MONAI. The result is float32 when a float32 mask is given, else float64.

    >>> gt = np.zeros((1, 1, 4, 4), bool); gt[0, 0, :2, :2] = True        # 4 pixels
    >>> pred = np.zeros((1, 1, 4, 4), bool); pred[0, 0, 0, 0] = True      # 1 of them
    >>> compute_dice(pred, gt)                                            # 2*1 / (1 + 4)
    array([[0.4]])
    >>> labels_pred = np.array([[[[0, 1], [2, 2]]]]); labels_gt = np.array([[[[0, 1], [1, 1]]]])
    >>> compute_dice(labels_pred, labels_gt, num_classes=3)               # class 2 absent: NaN
    array([[1. , 0.5, nan]])
    >>> compute_dice(labels_pred, labels_gt, num_classes=3, include_background=False, ignore_empty=False)
    array([[0.5, 0. ]])
    """
    y_pred, y = as_real_array("y_pred", y_pred), as_real_array("y", y)
    batch_layout("y_pred", y_pred)
    batch_layout("y", y)
    _same_batch_and_space(y_pred, y)
    check_bool("include_background", include_background)
    check_bool("ignore_empty", ignore_empty)
    n = y_pred.shape[1] if num_classes is None else check_int("num_classes", num_classes, minimum=1)
    source = " (from y_pred.shape[1])" if num_classes is None else ""
    pred, gt = _class_masks("y_pred", y_pred, n, source), _class_masks("y", y, n, source)
    if n > 1 and not include_background:
        pred, gt = pred[:, 1:], gt[:, 1:]
    intersection, size_pred, size_gt = _sizes(pred, gt)
    with np.errstate(invalid="ignore", divide="ignore"):
        dice = 2.0 * intersection / (size_pred + size_gt)
    empty_gt = size_gt == 0
    if ignore_empty:
        dice[empty_gt] = np.nan
    else:
        dice[empty_gt] = np.where(size_pred[empty_gt] == 0, 1.0, 0.0)
    return dice.astype(result_dtype(y_pred, y))


def compute_iou(y_pred, y, include_background: bool = True, ignore_empty: bool = True) -> np.ndarray:
    """IoU (Jaccard) ``|P ∩ G| / |P ∪ G|`` per image and class: ``(B, C)``.

    Args:
        y_pred: binarised one-hot predictions ``(B, C, *spatial)`` (2 or 3 spatial axes).
        y: the one-hot ground truth, the same shape.
        include_background: keep channel 0; ``False`` drops it (when ``C > 1``).
        ignore_empty: NaN where the ground truth is empty; ``False``: 1 if the prediction is
            empty too, else 0 (see the module's table).

    >>> gt = np.zeros((1, 2, 1, 5), bool); gt[0, 1, 0, :2] = True; gt[0, 0] = ~gt[0, 1]
    >>> pred = np.zeros((1, 2, 1, 5), bool); pred[0, 1, 0, 0] = True; pred[0, 0] = ~pred[0, 1]
    >>> compute_iou(pred, gt)                      # background 3/4, foreground 1/2
    array([[0.75, 0.5 ]])
    >>> compute_iou(pred, gt, include_background=False)
    array([[0.5]])
    """
    y_pred, y = as_real_array("y_pred", y_pred), as_real_array("y", y)
    batch_layout("y_pred", y_pred)
    if y_pred.shape != y.shape:
        raise ValueError(f"y_pred has shape {y_pred.shape} and y has shape {y.shape}; they must be equal "
                         "(one-hot masks; for label maps use one_hot first)")
    check_bool("include_background", include_background)
    check_bool("ignore_empty", ignore_empty)
    pred, gt = binary_masks("y_pred", y_pred), binary_masks("y", y)
    if not include_background:
        pred, gt = ignore_background(pred, gt)
    intersection, size_pred, size_gt = _sizes(pred, gt)
    union = size_pred + size_gt - intersection
    with np.errstate(invalid="ignore", divide="ignore"):
        iou = intersection / union
    if ignore_empty:
        iou[size_gt == 0] = np.nan
    else:
        iou[union == 0] = 1.0
    return iou.astype(result_dtype(y_pred, y))
