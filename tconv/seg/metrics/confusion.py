"""A confusion matrix over a whole dataset, and the per-class IoU and Dice it gives.

Entry ``[t, p]`` counts the pixels of target class ``t`` predicted as class ``p`` (rows:
target, columns: prediction), summed over every ``update``. One ``np.bincount`` fills it:
the pair ``(t, p)`` is the single number ``num_classes * t + p``, so counting those numbers
and reshaping to ``(num_classes, num_classes)`` counts the pairs.

For class ``c``: ``TP = M[c, c]``, ``FN = row sum - TP`` (missed), ``FP = column sum - TP``
(false alarms), and

    IoU_c = TP / (TP + FP + FN)        Dice_c = 2 TP / (2 TP + FP + FN)

These are dataset-level scores: the pixels of all images are pooled before dividing, unlike
:func:`compute_dice` / :class:`DiceMetric`, which score each image and then average. A class
absent from both predictions and targets has no score (NaN), and the means skip it.
"""
from __future__ import annotations

import numpy as np

from ..._checks import check_bool, check_int, is_int
from ..labels import as_real_array, check_class_ids

__all__ = ["ConfusionMatrix"]


def _label_map(name: str, value) -> np.ndarray:
    array = as_real_array(name, value)
    if array.dtype.kind not in "biu":
        raise TypeError(f"{name} has dtype {array.dtype}; ConfusionMatrix takes integer label maps: for scores "
                        f"(B, C, *spatial) take the argmax over the class axis first ({name}.argmax(axis=1))")
    return array.astype(np.int64)


def _nanmean(scores: np.ndarray) -> float:
    """The mean of the non-NaN ``scores``; NaN when there are none (without a warning)."""
    known = scores[~np.isnan(scores)]
    return float(known.mean()) if known.size else float("nan")


class ConfusionMatrix:
    """Accumulate a ``(num_classes, num_classes)`` confusion matrix of integer label maps.

    Args:
        num_classes: the number of classes; labels are ``0 .. num_classes - 1``, 0 the background.
        ignore_index: a target value whose pixels are not counted (e.g. 255 for "unlabelled");
            it may also be one of the classes. Predictions are never ignored.

    ``update(pred, target)`` takes label maps of the same shape, ``(B, *spatial)`` or
    ``(*spatial)`` (any shape in fact: the pixels are pooled); scores must be argmax-ed first.

    >>> cm = ConfusionMatrix(num_classes=3)
    >>> cm.update(np.array([[0, 1, 1, 2]]), np.array([[0, 1, 2, 2]]))
    >>> cm.matrix                       # rows: target, columns: prediction
    array([[1, 0, 0],
           [0, 1, 0],
           [0, 1, 1]])
    >>> cm.iou()                        # class 1: TP 1, FP 1, FN 0
    array([1. , 0.5, 0.5])
    >>> cm.dice().round(4), cm.pixel_accuracy()
    (array([1.    , 0.6667, 0.6667]), 0.75)
    >>> cm.mean_iou(include_background=False)
    0.5
    """

    def __init__(self, num_classes: int, ignore_index: int | None = None) -> None:
        self.num_classes = check_int("num_classes", num_classes, minimum=1)
        if ignore_index is not None and not is_int(ignore_index):
            raise TypeError(f"ignore_index must be None or an integer label, got {ignore_index!r}")
        self.ignore_index = None if ignore_index is None else int(ignore_index)
        self.matrix = np.zeros((self.num_classes, self.num_classes), dtype=np.int64)

    def update(self, pred, target) -> None:
        """Add the pixels of ``pred`` and ``target`` (integer label maps of the same shape)."""
        pred, target = _label_map("pred", pred), _label_map("target", target)
        if pred.shape != target.shape:
            raise ValueError(f"pred has shape {pred.shape} and target has shape {target.shape}; they must be equal "
                             "(label maps, not (B, C, *spatial) scores)")
        if self.ignore_index is not None:
            counted = target != self.ignore_index
            pred, target = pred[counted], target[counted]
        n = self.num_classes
        ignored = "" if self.ignore_index is None else f" (target values {self.ignore_index} are ignored)"
        check_class_ids("pred", pred, n, extra=ignored)
        check_class_ids("target", target, n, extra=ignored)
        pairs = n * target.ravel() + pred.ravel()
        self.matrix += np.bincount(pairs, minlength=n * n).reshape(n, n)

    def reset(self) -> None:
        """Set every count back to 0."""
        self.matrix = np.zeros_like(self.matrix)

    def _counts(self):
        """True positives, false positives and false negatives per class."""
        true_positive = np.diag(self.matrix)
        false_positive = self.matrix.sum(axis=0) - true_positive
        false_negative = self.matrix.sum(axis=1) - true_positive
        return true_positive, false_positive, false_negative

    def iou(self) -> np.ndarray:
        """Per-class ``TP / (TP + FP + FN)``, ``(num_classes,)`` float64; NaN for an absent class."""
        tp, fp, fn = self._counts()
        denominator = tp + fp + fn
        return np.where(denominator > 0, tp / np.maximum(denominator, 1), np.nan)

    def dice(self) -> np.ndarray:
        """Per-class ``2 TP / (2 TP + FP + FN)``, ``(num_classes,)`` float64; NaN for an absent class."""
        tp, fp, fn = self._counts()
        denominator = 2 * tp + fp + fn
        return np.where(denominator > 0, 2 * tp / np.maximum(denominator, 1), np.nan)

    def mean_iou(self, include_background: bool = True) -> float:
        """The mean of :meth:`iou` over the classes that have one (class 0 skipped if asked)."""
        check_bool("include_background", include_background)
        return _nanmean(self.iou()[0 if include_background else 1:])

    def mean_dice(self, include_background: bool = True) -> float:
        """The mean of :meth:`dice` over the classes that have one (class 0 skipped if asked)."""
        check_bool("include_background", include_background)
        return _nanmean(self.dice()[0 if include_background else 1:])

    def pixel_accuracy(self) -> float:
        """The fraction of counted pixels predicted right: ``trace / total`` (NaN before any pixel)."""
        total = self.matrix.sum()
        return float(np.trace(self.matrix) / total) if total else float("nan")
