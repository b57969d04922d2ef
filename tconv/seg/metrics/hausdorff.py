"""Hausdorff distance between mask boundaries, as MONAI computes it (``hausdorff_distance.py``).

For the boundary pixels ``A`` of the prediction and ``B`` of the ground truth
(:func:`get_mask_edges`), the directed distance from ``A`` to ``B`` is the largest distance
from a pixel of ``A`` to its nearest pixel of ``B``; with ``percentile=q`` it is the q-th
percentile of those nearest distances instead (HD95: ``q=95``), which forgives a few outliers:

    d(A -> B) = max_{a in A} min_{b in B} |a - b|
    HD(A, B)  = max(d(A -> B), d(B -> A))          (directed=True: d(A -> B) only)

The nearest distances come from a distance transform of the other boundary's complement
(``scipy.ndimage.distance_transform_edt`` with ``sampling=spacing`` for "euclidean",
``distance_transform_cdt`` for "chessboard" and "taxicab"), read at this boundary's pixels.

Empty masks: a distance to nothing is +inf; with both masks empty there is nothing to measure:

=====================  ======================
case                   HD, HD95, directed HD
=====================  ======================
prediction empty only  +inf
ground truth empty     +inf
both empty             NaN
=====================  ======================

Two deliberate differences from MONAI (both open upstream): with a ``percentile`` and one
mask empty, MONAI returns NaN (``torch.quantile`` of all-inf values), which its reductions
then skip, so a missed structure would vanish from the average (MONAI issue #9095); here it
is +inf, as without a percentile. And ``percentile=0`` is the minimum here, where MONAI's
``if not percentile`` treats 0 as "no percentile" and returns the maximum (MONAI PR #9033).
"""
from __future__ import annotations

import numpy as np

from ..._checks import check_bool, check_choice
from ..labels import as_real_array
from ._checks import batch_layout, binary_masks, result_dtype
from .edges import get_mask_edges
from .reduction import ignore_background

__all__ = ["DISTANCE_METRICS", "prepare_spacing", "get_surface_distance", "compute_hausdorff_distance"]

DISTANCE_METRICS = ("euclidean", "chessboard", "taxicab")


def check_distance_metric(distance_metric) -> None:
    """Raise ``ValueError`` unless ``distance_metric`` is one of :data:`DISTANCE_METRICS`.

    >>> check_distance_metric("manhattan")
    Traceback (most recent call last):
    ...
    ValueError: distance_metric='manhattan' must be one of ('euclidean', 'chessboard', 'taxicab')
    """
    check_choice("distance_metric", distance_metric, DISTANCE_METRICS)


def check_percentile(percentile) -> None:
    """Raise unless ``percentile`` is ``None`` or a number in ``[0, 100]``.

    >>> check_percentile(150)
    Traceback (most recent call last):
    ...
    ValueError: percentile=150 must be between 0 and 100 (95 gives HD95)
    """
    if percentile is None:
        return
    if isinstance(percentile, (bool, np.bool_)) or not isinstance(percentile, (int, float, np.integer, np.floating)):
        raise TypeError(f"percentile must be None or a number in [0, 100], got {percentile!r}")
    if not 0 <= percentile <= 100:
        raise ValueError(f"percentile={percentile!r} must be between 0 and 100 (95 gives HD95)")


def _check_spacing_metric(spacing, spacings: np.ndarray, distance_metric: str) -> None:
    if distance_metric != "euclidean" and np.any(spacings != 1):
        raise ValueError(f"spacing={spacing!r} needs distance_metric='euclidean'; scipy's distance_transform_cdt "
                         f"behind {distance_metric!r} has no spacing (MONAI silently ignores it)")


def prepare_spacing(spacing, batch_size: int, img_dim: int) -> np.ndarray:
    """The pixel spacing of each image, ``(batch_size, img_dim)`` floats.

    ``spacing`` is ``None`` (1 along every axis), one number for every axis and image, one
    number per spatial axis for every image, or one such row per image (MONAI's forms).

    >>> prepare_spacing(0.5, 2, 2)
    array([[0.5, 0.5],
           [0.5, 0.5]])
    >>> prepare_spacing([1.0, 2.0, 3.0], 1, 3)
    array([[1., 2., 3.]])
    >>> prepare_spacing([1.0, 2.0], 1, 3)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    ValueError: spacing=[1.0, 2.0] has 2 numbers; the images have 3 spatial axes: give one number per axis, ...
    """
    if spacing is None:
        return np.ones((batch_size, img_dim))
    rule = "a positive number, one per spatial axis, or one such row per image"
    try:
        array = np.asarray(spacing)
    except ValueError:   # ragged rows
        raise ValueError(f"spacing={spacing!r} must be {rule}") from None
    if array.dtype.kind not in "iuf":
        raise TypeError(f"spacing={spacing!r} must be {rule}")
    array = array.astype(np.float64)
    if array.ndim == 1 and array.shape[0] != img_dim:
        raise ValueError(f"spacing={spacing!r} has {array.shape[0]} numbers; the images have {img_dim} spatial "
                         "axes: give one number per axis, one for all axes, or one row per image")
    if array.ndim == 2 and array.shape != (batch_size, img_dim):
        raise ValueError(f"spacing has shape {array.shape}; one row per image needs ({batch_size}, {img_dim}) "
                         f"(batch of {batch_size}, {img_dim} spatial axes)")
    if array.ndim > 2:
        raise ValueError(f"spacing has shape {array.shape}; it must be {rule}")
    if not (np.isfinite(array).all() and (array > 0).all()):
        raise ValueError(f"spacing={spacing!r} must be positive and finite")
    return np.broadcast_to(array, (batch_size, img_dim)).copy()


def get_surface_distance(seg_pred, seg_gt, distance_metric: str = "euclidean", spacing=None) -> np.ndarray:
    """For each True pixel of ``seg_pred``, its distance to the nearest True pixel of ``seg_gt``.

    Both are boundary masks of the same shape (e.g. from :func:`get_mask_edges`); the result
    is 1-D float64, one distance per pixel of ``seg_pred`` in C order. ``spacing`` (None, a
    number or one per axis) scales the axes; it needs ``distance_metric="euclidean"``.
    As MONAI: an empty ``seg_gt`` gives +inf for every ``seg_pred`` pixel, and an empty
    ``seg_pred`` (with ``seg_gt`` not empty) gives +inf once per ``seg_gt`` pixel.

    >>> a = np.zeros((1, 8), bool); a[0, [0, 5]] = True
    >>> b = np.zeros((1, 8), bool); b[0, 2] = True
    >>> get_surface_distance(a, b), get_surface_distance(a, b, spacing=(1.0, 0.5))
    (array([2., 3.]), array([1. , 1.5]))
    """
    seg_pred, seg_gt = binary_masks("seg_pred", seg_pred), binary_masks("seg_gt", seg_gt)
    if seg_pred.shape != seg_gt.shape:
        raise ValueError(f"seg_pred has shape {seg_pred.shape} and seg_gt has shape {seg_gt.shape}; "
                         "they must be equal")
    check_distance_metric(distance_metric)
    axis_spacing = prepare_spacing(spacing, 1, seg_pred.ndim)[0]
    _check_spacing_metric(spacing, axis_spacing, distance_metric)
    return _surface_distance(seg_pred, seg_gt, distance_metric, axis_spacing)


def _surface_distance(seg_pred: np.ndarray, seg_gt: np.ndarray, distance_metric: str,
                      axis_spacing: np.ndarray) -> np.ndarray:
    """:func:`get_surface_distance` on checked bool arrays and one spacing per axis."""
    if not seg_gt.any():
        return np.full(np.count_nonzero(seg_pred), np.inf)
    if not seg_pred.any():
        return np.full(np.count_nonzero(seg_gt), np.inf)
    from scipy.ndimage import distance_transform_cdt, distance_transform_edt   # SciPy loads when first needed

    if distance_metric == "euclidean":
        distance = distance_transform_edt(~seg_gt, sampling=axis_spacing)
    else:
        distance = distance_transform_cdt(~seg_gt, metric=distance_metric)
    return distance[seg_pred].astype(np.float64)


def _percentile(values: np.ndarray, q: float) -> float:
    """The ``q``-th percentile of finite ``values`` by linear interpolation.

    As ``np.percentile`` and ``torch.quantile`` (MONAI's) by default: sorted, the value sits
    at the fractional position ``q / 100 * (n - 1)``, between two neighbours.
    """
    ordered = np.sort(values)
    position = q / 100 * (ordered.size - 1)
    below = int(np.floor(position))
    above = min(below + 1, ordered.size - 1)
    fraction = position - below
    return float(ordered[below] + (ordered[above] - ordered[below]) * fraction)


def _summarise(distances: np.ndarray, percentile) -> float:
    """The maximum, or the ``percentile``-th percentile, of one direction's ``distances``."""
    if distances.size == 0:
        return np.nan                      # both masks empty: nothing to measure
    if np.isinf(distances).all():
        return np.inf                      # one mask empty (MONAI gives NaN with a percentile; see the module)
    if percentile is None:
        return float(distances.max())
    return _percentile(distances, percentile)


def compute_hausdorff_distance(y_pred, y, include_background: bool = False, distance_metric: str = "euclidean",
                               percentile: float | None = None, directed: bool = False,
                               spacing=None) -> np.ndarray:
    """Hausdorff distance between the boundaries of ``y_pred`` and ``y``, per image and class.

    Args:
        y_pred: binarised one-hot predictions ``(B, C, *spatial)`` (2 or 3 spatial axes).
        y: the one-hot ground truth, the same shape.
        include_background: keep channel 0 (default ``False``, as MONAI; kept anyway when C == 1).
        distance_metric: "euclidean", "chessboard" or "taxicab".
        percentile: ``None`` for the maximum, or a number in ``[0, 100]`` (95: HD95).
        directed: only the distance from the prediction to the ground truth.
        spacing: the pixel spacing: None, a number, one per spatial axis, or ``(B, n_axes)``
            rows, one per image (only with "euclidean").

    Returns ``(B, C')`` distances (``C' = C - 1`` without the background): +inf where exactly
    one mask is empty, NaN where both are. float32 when a float32 mask is given, else float64.

    Two 3x3 squares 3 pixels apart along x, then along x and y:

    >>> gt = np.zeros((1, 1, 9, 9), bool); gt[0, 0, 1:4, 1:4] = True
    >>> shifted = np.roll(gt, 3, axis=3)
    >>> compute_hausdorff_distance(shifted, gt, include_background=True)
    array([[3.]])
    >>> round(float(compute_hausdorff_distance(np.roll(shifted, 3, axis=2), gt, include_background=True)[0, 0]), 6)
    4.242641
    >>> compute_hausdorff_distance(shifted, gt, include_background=True, spacing=(1.0, 0.5))
    array([[1.5]])
    >>> compute_hausdorff_distance(np.zeros_like(gt), gt, include_background=True)
    array([[inf]])
    """
    y_pred, y = as_real_array("y_pred", y_pred), as_real_array("y", y)
    batch_layout("y_pred", y_pred)
    if y_pred.shape != y.shape:
        raise ValueError(f"y_pred has shape {y_pred.shape} and y has shape {y.shape}; they must be equal "
                         "(one-hot masks; for label maps use one_hot first)")
    check_bool("include_background", include_background)
    check_bool("directed", directed)
    check_distance_metric(distance_metric)
    check_percentile(percentile)
    spacings = prepare_spacing(spacing, y_pred.shape[0], y_pred.ndim - 2)
    _check_spacing_metric(spacing, spacings, distance_metric)
    pred, gt = binary_masks("y_pred", y_pred), binary_masks("y", y)
    if not include_background:
        pred, gt = ignore_background(pred, gt)

    distances = np.empty(pred.shape[:2], dtype=np.float64)
    for b, c in np.ndindex(*pred.shape[:2]):
        edges_pred, edges_gt = get_mask_edges(pred[b, c], gt[b, c])
        directions = [(edges_pred, edges_gt)] if directed else [(edges_pred, edges_gt), (edges_gt, edges_pred)]
        per_direction = [_summarise(_surface_distance(source, target, distance_metric, spacings[b]), percentile)
                         for source, target in directions]
        distances[b, c] = np.max(per_direction)      # NaN only when both masks are empty
    return distances.astype(result_dtype(y_pred, y))
