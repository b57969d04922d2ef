"""Input checks shared by the metrics: masks, label maps, layouts, flags and the result dtype.

Each check runs once, at a public function's boundary, and raises a ``ValueError`` or
``TypeError`` whose message names the argument, the value found and the rule it breaks:

>>> binary_masks("y_pred", np.array([[[[0.0, 0.3], [0.7, 1.0]]]]))  # doctest: +ELLIPSIS
Traceback (most recent call last):
...
ValueError: y_pred has values {0.3, 0.7} besides 0 and 1; the metrics need binarised masks: ... (e.g. y_pred > 0.5), ...
"""
from __future__ import annotations

import numpy as np

__all__ = [
    "as_real_array", "describe_values", "batch_layout", "binary_masks", "label_values",
    "check_flag", "check_positive_int", "result_dtype",
]

LAYOUT = "(B, C, H, W) or (B, C, D, H, W)"


def as_real_array(name: str, value) -> np.ndarray:
    """``value`` as a bool, integer or float ndarray, or a ``TypeError`` naming ``name``.

    >>> as_real_array("y", [[1, 0]]).dtype.kind
    'i'
    >>> as_real_array("y", ["a"])
    Traceback (most recent call last):
    ...
    TypeError: y has dtype <U1; expected a bool, integer or float array
    """
    array = np.asarray(value)
    if array.dtype.kind not in "biuf":
        raise TypeError(f"{name} has dtype {array.dtype}; expected a bool, integer or float array")
    return array


def describe_values(values: np.ndarray, limit: int = 6) -> str:
    """The distinct values of ``values`` as a short set, e.g. ``{0, 1, 7}``.

    >>> describe_values(np.array([7, 0, 1, 1]))
    '{0, 1, 7}'
    >>> describe_values(np.arange(10.0) / 4)
    '{0, 0.25, 0.5, 0.75, 1, 1.25, ...}'
    """
    distinct = np.unique(values)
    shown = ", ".join(f"{v:g}" for v in distinct[:limit].tolist())
    return "{" + shown + (", ...}" if distinct.size > limit else "}")


def batch_layout(name: str, array: np.ndarray) -> None:
    """Raise ``ValueError`` unless ``array`` is ``(B, C, *spatial)`` with 2 or 3 spatial axes.

    >>> batch_layout("y", np.zeros((2, 3, 4)))
    Traceback (most recent call last):
    ...
    ValueError: y has shape (2, 3, 4), 1 spatial axis; expected (B, C, H, W) or (B, C, D, H, W): 2 or 3 spatial axes
    """
    spatial = array.ndim - 2
    if spatial not in (2, 3):
        axes = f"{max(spatial, 0)} spatial " + ("axis" if spatial == 1 else "axes")
        raise ValueError(f"{name} has shape {array.shape}, {axes}; expected {LAYOUT}: 2 or 3 spatial axes")


def binary_masks(name: str, array: np.ndarray) -> np.ndarray:
    """``array`` (bool, integer or float holding only 0 and 1) as a bool array.

    Probabilities or logits are refused: a metric on them would be a silent wrong answer.

    >>> binary_masks("y", np.array([0.0, 1.0]))
    array([False,  True])
    """
    array = as_real_array(name, array)
    if array.dtype == bool:
        return array
    other = (array != 0) & (array != 1)      # NaN is caught here too
    if other.any():
        raise ValueError(f"{name} has values {describe_values(array[other])} besides 0 and 1; the metrics need "
                         f"binarised masks: threshold probabilities first (e.g. {name} > 0.5), or take the "
                         "argmax and one_hot it")
    return array != 0


def label_values(name: str, array: np.ndarray, num_classes: int, extra: str = "") -> None:
    """Raise unless ``array`` holds whole numbers in ``0 .. num_classes - 1``.

    >>> label_values("labels", np.array([0, 1, 7]), 3)
    Traceback (most recent call last):
    ...
    ValueError: labels has values {7}; num_classes=3 allows 0..2
    """
    if array.dtype.kind == "f":
        fractional = array != np.round(array)    # NaN and inf are fractional here
        fractional |= ~np.isfinite(array)
        if fractional.any():
            raise ValueError(f"labels must be whole numbers: {name} has values "
                             f"{describe_values(array[fractional])}{extra}")
    outside = (array < 0) | (array >= num_classes)
    if outside.any():
        raise ValueError(f"{name} has values {describe_values(array[outside])}; "
                         f"num_classes={num_classes} allows 0..{num_classes - 1}{extra}")


def check_flag(name: str, value) -> None:
    """Raise ``TypeError`` unless ``value`` is a bool.

    >>> check_flag("directed", "yes")
    Traceback (most recent call last):
    ...
    TypeError: directed must be True or False, got 'yes'
    """
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{name} must be True or False, got {value!r}")


def check_positive_int(name: str, value) -> int:
    """``value`` as an int >= 1, or an error naming ``name``.

    >>> check_positive_int("num_classes", 0)
    Traceback (most recent call last):
    ...
    ValueError: num_classes must be an integer >= 1, got 0
    """
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer)):
        raise TypeError(f"{name} must be an integer >= 1, got {value!r}")
    if value < 1:
        raise ValueError(f"{name} must be an integer >= 1, got {value!r}")
    return int(value)


def result_dtype(*arrays: np.ndarray) -> np.dtype:
    """float64 if any input is float64 or none is float; float32 otherwise.

    Masks given as float32 give float32 metrics (no silent upcasting); bool or integer
    masks give float64.

    >>> result_dtype(np.zeros(1, np.float32), np.zeros(1, bool))
    dtype('float32')
    >>> result_dtype(np.zeros(1, np.int64), np.zeros(1, bool))
    dtype('float64')
    """
    kinds = [a.dtype for a in arrays if a.dtype.kind == "f"]
    if not kinds or any(d.itemsize >= 8 for d in kinds):
        return np.dtype(np.float64)
    return np.dtype(np.float32)
