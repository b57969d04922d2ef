"""Segmentation metrics in NumPy with MONAI's names, arguments, defaults and conventions.

Inputs are binarised one-hot masks ``(B, C, H, W)`` or ``(B, C, D, H, W)`` (bool, or 0/1
integers or floats); :func:`one_hot` turns a label map ``(B, 1, ...)`` into that form.
Probabilities are refused with an error, never scored silently. Each function returns one
score per image and class, ``(B, C)``; the accumulating classes buffer those over an epoch
and reduce them (:func:`do_metric_reduction`, NaNs skipped).

==========================  ===================================  ==================================
module                      public names                         MONAI source followed
==========================  ===================================  ==================================
``..labels``                ``one_hot``                          ``monai/networks/utils.py``
``overlap``                 ``compute_dice``, ``compute_iou``    ``metrics/meandice.py``,
                                                                 ``metrics/meaniou.py``
``edges``                   ``binary_erosion``,                  ``metrics/utils.py``
                            ``get_mask_edges``
``hausdorff``               ``compute_hausdorff_distance``,      ``metrics/hausdorff_distance.py``,
                            ``get_surface_distance``,            ``metrics/utils.py``
                            ``prepare_spacing``
``reduction``               ``do_metric_reduction``,             ``metrics/utils.py``
                            ``ignore_background``
``cumulative``              ``DiceMetric``, ``MeanIoU``,         ``metrics/metric.py`` and the
                            ``HausdorffDistanceMetric``          files above
``confusion``               ``ConfusionMatrix``                  (dataset-level, via ``bincount``)
``checkerboard``            ``checkerboard_energy``,             (tconv's own: an upsampler's
                            ``phase_means``, ``phase_spread``    artifact, not a MONAI metric)
==========================  ===================================  ==================================

Empty masks (``P`` the prediction, ``G`` the ground truth of one image and class):

==================  =====================  ======================  ==========================
case                Dice, IoU              Dice, IoU               Hausdorff (any percentile,
                    ``ignore_empty=True``  ``ignore_empty=False``  directed or not)
==================  =====================  ======================  ==========================
P empty, G not      0                      0                       +inf
G empty, P not      NaN                    0                       +inf
both empty          NaN                    1                       NaN
==================  =====================  ======================  ==========================

>>> import numpy as np
>>> from tconv.seg.metrics import compute_dice, compute_iou, compute_hausdorff_distance
>>> empty, square = np.zeros((1, 1, 5, 5)), np.zeros((1, 1, 5, 5))
>>> square[0, 0, 1:3, 1:3] = 1
>>> [float(compute_dice(p, g)[0, 0]) for p, g in ((empty, square), (square, empty), (empty, empty))]
[0.0, nan, nan]
>>> [float(compute_iou(p, g, ignore_empty=False)[0, 0]) for p, g in ((empty, square), (square, empty), (empty, empty))]
[0.0, 0.0, 1.0]
>>> [float(compute_hausdorff_distance(p, g, include_background=True)[0, 0])
...  for p, g in ((empty, square), (square, empty), (empty, empty))]
[inf, inf, nan]
"""
from __future__ import annotations

from .checkerboard import checkerboard_energy, phase_means, phase_spread
from .confusion import ConfusionMatrix
from .cumulative import CumulativeIterationMetric, DiceMetric, HausdorffDistanceMetric, MeanIoU
from .edges import binary_erosion, get_mask_edges
from .hausdorff import DISTANCE_METRICS, compute_hausdorff_distance, get_surface_distance, prepare_spacing
from ..labels import one_hot
from .overlap import compute_dice, compute_iou
from .reduction import REDUCTIONS, do_metric_reduction, ignore_background

__all__ = [
    "one_hot",
    "compute_dice", "compute_iou", "compute_hausdorff_distance",
    "DiceMetric", "MeanIoU", "HausdorffDistanceMetric", "CumulativeIterationMetric",
    "ConfusionMatrix",
    "do_metric_reduction", "ignore_background", "REDUCTIONS",
    "binary_erosion", "get_mask_edges", "get_surface_distance", "prepare_spacing", "DISTANCE_METRICS",
    "checkerboard_energy", "phase_means", "phase_spread",
]
