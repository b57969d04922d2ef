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

from ..labels import as_real_array, describe_values

__all__ = ["batch_layout", "binary_masks", "result_dtype"]

LAYOUT = "(B, C, H, W) or (B, C, D, H, W)"


def batch_layout(name: str, array: np.ndarray) -> None:
    """Raise ``ValueError`` unless ``array`` is ``(B, C, *spatial)`` with 2 or 3 spatial axes.

    >>> batch_layout("y", np.zeros((2, 3, 4)))  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    ValueError: y has shape (2, 3, 4), 1 spatial axis; expected (B, C, H, W) or (B, C, D, H, W): ... y[:, None])
    """
    spatial = array.ndim - 2
    if spatial not in (2, 3):
        axes = f"{max(spatial, 0)} spatial " + ("axis" if spatial == 1 else "axes")
        hint = f" (for a label map (B, H, W), add the channel axis: {name}[:, None])" if array.ndim == 3 else ""
        raise ValueError(f"{name} has shape {array.shape}, {axes}; expected {LAYOUT}: 2 or 3 spatial axes{hint}")


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
