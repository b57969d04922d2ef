"""The training options for your own data: colour tables for RGB masks, and class weights.

Two configuration keys of :mod:`tconv.seg.train.recipe`, checked here and resolved when the
data is read, so that ``config.json`` always holds what was used (a resumed or evaluated run
reads its masks and weighs its classes the same way):

* ``mask_colors``: None, ``"auto"`` or a colour table (a list of ``[r, g, b]``, class 0 first):
  RGB masks become class ids (:mod:`tconv.seg.data.colours`); ``"auto"`` is replaced by the
  table found (black first);
* ``class_weights``: None, ``"auto"`` or one number ``>= 0`` per class, for the losses in
  :func:`~tconv.seg.train.criteria.weighted_losses`; ``"auto"`` is replaced by the median-frequency weights of the
  training part of the data (:mod:`tconv.seg.data.balance`; never the held-out part).

>>> check_class_weights("class_weights", "auto", "dicece")
'auto'
>>> check_class_weights("class_weights", [1, 2], "hausdorff")
Traceback (most recent call last):
...
ValueError: class_weights: the hausdorff loss takes no class weights; use one of ce, dice, dicece, focal, fbeta
"""
from __future__ import annotations

import math
import numbers

from ..data.balance import mask_counts, median_frequency_weights
from .criteria import weighted_losses

__all__ = ["check_mask_colors", "check_class_weights", "resolve_class_weights"]


def check_mask_colors(name: str, value):
    """None, ``"auto"``, or a list of ``[r, g, b]`` lists (JSON-ready); else a ``ValueError`` naming ``name``.

    >>> check_mask_colors("mask_colors", [(0, 0, 0), (255, 0, 0)])
    [[0, 0, 0], [255, 0, 0]]
    """
    if value is None or (isinstance(value, str) and value == "auto"):
        return value
    if isinstance(value, (str, bytes)) or not isinstance(value, (list, tuple)) or len(value) < 2:
        raise ValueError(f"{name}={value!r} must be 'auto' or a list of at least 2 colours [r, g, b], class 0 first")
    table = []
    for colour in value:
        ok = (isinstance(colour, (list, tuple)) and len(colour) == 3 and
              all(isinstance(v, numbers.Integral) and not isinstance(v, bool) and 0 <= v <= 255 for v in colour))
        if not ok:
            raise ValueError(f"{name}: colour {colour!r} must be three ints 0..255")
        table.append([int(v) for v in colour])
    if len({tuple(c) for c in table}) != len(table):
        raise ValueError(f"{name}: a colour is listed twice; each class has its own colour")
    return table


def check_class_weights(name: str, value, loss: str):
    """None, ``"auto"`` or a list of finite numbers ``>= 0`` (not all 0), for a loss that takes weights."""
    if value is None:
        return None
    if loss not in weighted_losses():
        raise ValueError(f"{name}: the {loss} loss takes no class weights; use one of {', '.join(weighted_losses())}")
    if isinstance(value, str):
        if value != "auto":
            raise ValueError(f"{name}={value!r} must be 'auto' or one number >= 0 per class")
        return value
    if not isinstance(value, (list, tuple)) or not value:
        raise ValueError(f"{name}={value!r} must be 'auto' or one number >= 0 per class")
    weights = []
    for w in value:
        if isinstance(w, bool) or not isinstance(w, numbers.Real) or not math.isfinite(w) or w < 0:
            raise ValueError(f"{name}: weight {w!r} must be a finite number >= 0")
        weights.append(float(w))
    if not any(weights):
        raise ValueError(f"{name}={weights}: every weight is 0, so nothing would be learned")
    return weights


def resolve_class_weights(c: dict, train, num_classes: int, spell=None):
    """``c["class_weights"]`` as ``num_classes`` floats (``"auto"``: from ``train``'s masks), or None."""
    name = (spell or (lambda key: key))("class_weights")
    weights = c["class_weights"]
    if weights is None:
        return None
    if isinstance(weights, str):
        return [round(float(w), 6) for w in median_frequency_weights(mask_counts(train), num_classes)]
    if len(weights) != num_classes:
        raise ValueError(f"{name} lists {len(weights)} weights; the data has {num_classes} classes, so it needs "
                         f"{num_classes} (class 0, the background, first)")
    return list(weights)
