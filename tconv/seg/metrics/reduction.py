"""Reducing a ``(B, C)`` table of per-image, per-class scores: MONAI's ``do_metric_reduction``.

A metric leaves NaN where it is not defined (e.g. Dice of a class absent from the ground
truth); the reductions skip those entries and also return ``not_nans``, how many entries
each reduced value rests on. The modes, as in ``monai/metrics/utils.py``:

==================  ================================================================  ==========
reduction           value                                                              shape
==================  ================================================================  ==========
``"none"``          the table itself (NaNs kept); ``not_nans`` is 1 where not NaN      ``(B, C)``
``"mean"``          mean over channels per image, then mean over the images that       ``()``
                    have at least one value (not one mean over all entries)
``"sum"``           sum of all non-NaN entries                                         ``()``
``"mean_batch"``    per class, mean over images                                        ``(C,)``
``"sum_batch"``     per class, sum over images                                         ``(C,)``
``"mean_channel"``  per image, mean over classes                                       ``(B,)``
``"sum_channel"``   per image, sum over classes                                        ``(B,)``
==================  ================================================================  ==========

A mean over no values is 0, not NaN (MONAI's convention); ``not_nans`` then says 0.
"""
from __future__ import annotations

import numpy as np

from ..._checks import check_choice

__all__ = ["REDUCTIONS", "do_metric_reduction", "ignore_background", "check_reduction"]

REDUCTIONS = ("none", "mean", "sum", "mean_batch", "sum_batch", "mean_channel", "sum_channel")


def check_reduction(reduction) -> str:
    """``reduction`` if it is one of :data:`REDUCTIONS`, else a ``ValueError``.

    >>> check_reduction("avg")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    ValueError: reduction='avg' must be one of ('none', 'mean', 'sum', 'mean_batch', ...)
    """
    return check_choice("reduction", reduction, REDUCTIONS)


def _mean(total: np.ndarray, count: np.ndarray) -> np.ndarray:
    """``total / count`` where ``count > 0``, 0 where it is 0."""
    return np.where(count > 0, total / np.maximum(count, 1), 0.0)


def do_metric_reduction(f, reduction: str = "mean"):
    """Reduce the scores ``f`` (``(B, C, ...)``), skipping NaNs: returns ``(value, not_nans)``.

    See the module docstring for the modes. ``f`` is not modified. ``value`` and ``not_nans``
    have ``f``'s float dtype (MONAI returns the counts as floats too); a 0-d result is a NumPy
    scalar.

    >>> f = np.array([[0.5, np.nan], [1.0, 0.0]])
    >>> value, not_nans = do_metric_reduction(f, "mean")    # ((0.5) + (1.0 + 0.0) / 2) / 2
    >>> float(value), float(not_nans)
    (0.5, 2.0)
    >>> do_metric_reduction(f, "mean_batch")                 # per class: (0.5 + 1) / 2, 0 / 1
    (array([0.75, 0.  ]), array([2., 1.]))
    >>> do_metric_reduction(np.full((1, 2), np.nan), "mean")[0]   # nothing to average: 0
    np.float64(0.0)
    """
    f = np.asarray(f)
    if f.dtype.kind not in "biuf":
        raise TypeError(f"f has dtype {f.dtype}; expected a float array of scores")
    if f.ndim < 2:
        raise ValueError(f"f has shape {f.shape}; expected (B, C, ...): batch first, then classes")
    reduction = check_reduction(reduction)
    dtype = f.dtype if f.dtype.kind == "f" else np.dtype(np.float64)
    valid = ~np.isnan(f)
    if reduction == "none":
        return f.astype(dtype, copy=True), valid.astype(dtype)
    values = np.where(valid, f, 0).astype(dtype)
    if reduction == "mean":
        # Two steps, as MONAI: a mean over the classes of each image, then over the images.
        per_image_count = valid.sum(axis=1)
        per_image = _mean(values.sum(axis=1), per_image_count)
        not_nans = (per_image_count > 0).sum(axis=0)
        value = _mean(per_image.sum(axis=0), not_nans)
    elif reduction == "sum":
        value, not_nans = values.sum(axis=(0, 1)), valid.sum(axis=(0, 1))
    else:
        axis = 0 if reduction.endswith("_batch") else 1
        not_nans = valid.sum(axis=axis)
        total = values.sum(axis=axis)
        value = _mean(total, not_nans) if reduction.startswith("mean") else total
    return np.asarray(value, dtype=dtype)[()], np.asarray(not_nans, dtype=dtype)[()]


def ignore_background(y_pred: np.ndarray, y: np.ndarray):
    """Drop channel 0 (the background) of ``(B, C, ...)`` arrays that have more than one channel.

    A single-channel array is kept as it is (MONAI's rule): its one channel is the foreground.

    >>> p, g = ignore_background(np.zeros((2, 3, 4, 4)), np.zeros((2, 1, 4, 4)))
    >>> p.shape, g.shape
    ((2, 2, 4, 4), (2, 1, 4, 4))
    """
    y = y[:, 1:] if y.shape[1] > 1 else y
    y_pred = y_pred[:, 1:] if y_pred.shape[1] > 1 else y_pred
    return y_pred, y
