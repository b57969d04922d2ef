"""Metrics that accumulate over an epoch: ``DiceMetric``, ``MeanIoU``, ``HausdorffDistanceMetric``.

They follow MONAI's ``CumulativeIterationMetric`` (``monai/metrics/metric.py``): calling the
metric on a batch computes its ``(B, C)`` scores, appends them to a buffer and returns them;
``aggregate()`` reduces everything buffered so far with :func:`do_metric_reduction` (NaNs
skipped); ``reset()`` empties the buffer for the next epoch::

    metric = DiceMetric(include_background=False)
    for images, masks in validation_batches:
        metric(predicted_masks(images), masks)        # one-hot (B, C, H, W) 0/1 arrays
    mean_dice = metric.aggregate()
    metric.reset()

As in MONAI, a batch may also be a list of channel-first ``(C, *spatial)`` items (e.g. of
different sizes); each is computed as a batch of one.
"""
from __future__ import annotations

import numpy as np

from ..._checks import check_bool, check_int
from .hausdorff import check_distance_metric, check_percentile, compute_hausdorff_distance
from .overlap import compute_dice, compute_iou
from .reduction import check_reduction, do_metric_reduction

__all__ = ["CumulativeIterationMetric", "DiceMetric", "MeanIoU", "HausdorffDistanceMetric"]


class CumulativeIterationMetric:
    """The buffer and the reductions shared by the accumulating metrics.

    A subclass defines ``_compute(y_pred, y, **kwargs)`` returning a batch's ``(B, C)`` scores.
    """

    def __init__(self, reduction: str = "mean", get_not_nans: bool = False) -> None:
        self.reduction = check_reduction(reduction)
        check_bool("get_not_nans", get_not_nans)
        self.get_not_nans = get_not_nans
        self._buffer: list[np.ndarray] = []

    def _compute(self, y_pred, y, **kwargs) -> np.ndarray:
        raise NotImplementedError(f"{type(self).__name__} must define _compute(y_pred, y)")

    def __call__(self, y_pred, y, **kwargs) -> np.ndarray:
        """Compute the ``(B, C)`` scores of one batch, add them to the buffer and return them."""
        if isinstance(y_pred, (list, tuple)) or isinstance(y, (list, tuple)):
            if len(y_pred) != len(y):
                raise ValueError(f"y_pred has {len(y_pred)} items and y has {len(y)}; give one target per prediction")
            if len(y_pred) == 0:
                raise ValueError("y_pred is an empty list; give at least one (C, *spatial) item")
            scores = np.concatenate([self._compute(np.asarray(p)[None], np.asarray(t)[None], **kwargs)
                                     for p, t in zip(y_pred, y)])
        else:
            scores = self._compute(y_pred, y, **kwargs)
        if self._buffer and scores.shape[1] != self._buffer[0].shape[1]:
            raise ValueError(f"this batch gives {scores.shape[1]} classes but the buffered batches gave "
                             f"{self._buffer[0].shape[1]}; call reset() between tasks with different classes")
        self._buffer.append(scores)
        return scores

    def __len__(self) -> int:
        """The number of images buffered."""
        return sum(len(scores) for scores in self._buffer)

    def get_buffer(self) -> np.ndarray | None:
        """A copy of all buffered scores ``(N, C)``, or ``None`` before the first batch."""
        return np.concatenate(self._buffer) if self._buffer else None

    def aggregate(self, reduction: str | None = None):
        """Reduce the buffered scores: ``reduction`` (default: the one given at construction).

        Returns the reduced value, or ``(value, not_nans)`` when ``get_not_nans`` is True.
        """
        scores = self.get_buffer()
        if scores is None:
            raise ValueError(f"{type(self).__name__} has nothing to aggregate: call it on a batch first "
                             "(or after reset())")
        value, not_nans = do_metric_reduction(scores, reduction or self.reduction)
        return (value, not_nans) if self.get_not_nans else value

    def reset(self) -> None:
        """Empty the buffer."""
        self._buffer = []


class DiceMetric(CumulativeIterationMetric):
    """Dice over an epoch: :func:`compute_dice` per batch, then a reduction.

    Arguments as MONAI's ``DiceMetric`` (``return_with_label`` is not provided).

    >>> gt = np.zeros((2, 1, 4, 4)); gt[:, 0, :2, :2] = 1
    >>> metric = DiceMetric()
    >>> metric(gt, gt)                             # two perfect images
    array([[1.],
           [1.]])
    >>> _ = metric(np.zeros((1, 1, 4, 4)), gt[:1])  # one missed: Dice 0
    >>> float(metric.aggregate()), float(metric.aggregate("sum")), len(metric)
    (0.6666666666666666, 2.0, 3)
    """

    def __init__(self, include_background: bool = True, reduction: str = "mean", get_not_nans: bool = False,
                 ignore_empty: bool = True, num_classes: int | None = None) -> None:
        super().__init__(reduction, get_not_nans)
        check_bool("include_background", include_background)
        check_bool("ignore_empty", ignore_empty)
        self.include_background = include_background
        self.ignore_empty = ignore_empty
        self.num_classes = None if num_classes is None else check_int("num_classes", num_classes, minimum=1)

    def _compute(self, y_pred, y) -> np.ndarray:
        return compute_dice(y_pred, y, include_background=self.include_background, ignore_empty=self.ignore_empty,
                            num_classes=self.num_classes)


class MeanIoU(CumulativeIterationMetric):
    """IoU over an epoch: :func:`compute_iou` per batch, then a reduction (MONAI's ``MeanIoU``).

    >>> gt = np.zeros((1, 2, 4, 4)); gt[0, 1, :2, :2] = 1; gt[0, 0] = 1 - gt[0, 1]
    >>> metric = MeanIoU(include_background=False, get_not_nans=True)
    >>> _ = metric(gt, gt); _ = metric(np.zeros_like(gt), np.zeros_like(gt))   # the second has no class 1
    >>> metric.aggregate()                          # 1.0 over the one image with a value
    (np.float64(1.0), np.float64(1.0))
    """

    def __init__(self, include_background: bool = True, reduction: str = "mean", get_not_nans: bool = False,
                 ignore_empty: bool = True) -> None:
        super().__init__(reduction, get_not_nans)
        check_bool("include_background", include_background)
        check_bool("ignore_empty", ignore_empty)
        self.include_background = include_background
        self.ignore_empty = ignore_empty

    def _compute(self, y_pred, y) -> np.ndarray:
        return compute_iou(y_pred, y, include_background=self.include_background, ignore_empty=self.ignore_empty)


class HausdorffDistanceMetric(CumulativeIterationMetric):
    """Hausdorff distance over an epoch: :func:`compute_hausdorff_distance` per batch, then a reduction.

    ``metric(y_pred, y, spacing=...)`` passes the batch's pixel spacing (MONAI's ``spacing``
    keyword). With a list of items, one spacing (a number or one per axis) serves all of them.
    +inf scores (one mask empty) are not skipped: a mean that includes one is +inf.

    >>> gt = np.zeros((1, 2, 9, 9)); gt[0, 1, 1:4, 1:4] = 1; gt[0, 0] = 1 - gt[0, 1]
    >>> pred = np.roll(gt, 3, axis=3)
    >>> hd95 = HausdorffDistanceMetric(percentile=95)
    >>> hd95(pred, gt)                              # the background channel is left out
    array([[3.]])
    >>> hd95(pred, gt, spacing=0.5)
    array([[1.5]])
    >>> float(hd95.aggregate())
    2.25
    """

    def __init__(self, include_background: bool = False, distance_metric: str = "euclidean",
                 percentile: float | None = None, directed: bool = False, reduction: str = "mean",
                 get_not_nans: bool = False) -> None:
        super().__init__(reduction, get_not_nans)
        check_bool("include_background", include_background)
        check_bool("directed", directed)
        check_distance_metric(distance_metric)
        check_percentile(percentile)
        self.include_background = include_background
        self.distance_metric = distance_metric
        self.percentile = percentile
        self.directed = directed

    def _compute(self, y_pred, y, spacing=None) -> np.ndarray:
        return compute_hausdorff_distance(y_pred, y, include_background=self.include_background,
                                          distance_metric=self.distance_metric, percentile=self.percentile,
                                          directed=self.directed, spacing=spacing)
