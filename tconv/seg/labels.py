"""Class labels, shared by the data, the losses and the metrics: checks and MONAI's ``one_hot``.

A label map stores one class id per pixel, ``(B, 1, H, W)``; its one-hot form stores one 0/1
mask per class, ``(B, num_classes, H, W)``, with exactly one 1 along the channel axis. The
background is class 0 and counts as a class (MONAI's convention: a binary mask has
``num_classes=2``).
"""
from __future__ import annotations

import numpy as np

from .._checks import check_int

__all__ = ["one_hot", "check_class_ids", "describe_values", "as_real_array"]


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


def check_class_ids(name: str, array: np.ndarray, num_classes: int, extra: str = "") -> None:
    """Raise unless ``array`` holds whole numbers in ``0 .. num_classes - 1``.

    >>> check_class_ids("labels", np.array([0, 1, 7]), 3)
    Traceback (most recent call last):
    ...
    ValueError: labels has values {7}; num_classes=3 allows 0..2
    """
    if array.dtype.kind == "f":
        fractional = array != np.round(array)    # NaN and inf are fractional here
        fractional |= ~np.isfinite(array)
        if fractional.any():
            raise ValueError(f"{name} has non-integer values {describe_values(array[fractional])}; class ids "
                             f"are whole numbers 0..{num_classes - 1}{extra}")
    outside = (array < 0) | (array >= num_classes)
    if outside.any():
        raise ValueError(f"{name} has values {describe_values(array[outside])}; "
                         f"num_classes={num_classes} allows 0..{num_classes - 1}{extra}")


def one_hot(labels, num_classes: int, dtype=np.float32, dim: int = 1) -> np.ndarray:
    """Expand the size-1 axis ``dim`` of a label map into ``num_classes`` 0/1 channels.

    ``out[..., c, ...] = (labels[..., 0, ...] == c)`` along axis ``dim``, so
    ``(B, 1, *spatial) -> (B, num_classes, *spatial)`` for the default ``dim=1``. As in MONAI,
    when ``labels`` has fewer than ``dim + 1`` axes, size-1 axes are appended at the end first
    (``(B,) -> (B, 1) -> (B, num_classes)``), and the background is a class: a binary mask is
    ``num_classes=2``.

    Args:
        labels: integer class indices in ``0 .. num_classes - 1`` (bool, integer, or float holding
            whole numbers), with size 1 on axis ``dim``.
        num_classes: the number of output channels (background included).
        dtype: the output dtype (float32 by default, as MONAI's ``torch.float``).
        dim: the axis to expand (negative values count from the end).

    >>> labels = np.array([[[[0, 2], [1, 2]]]])            # (B=1, 1, H=2, W=2)
    >>> one_hot(labels, num_classes=3)[0]
    array([[[1., 0.],
            [0., 0.]],
    <BLANKLINE>
           [[0., 0.],
            [1., 0.]],
    <BLANKLINE>
           [[0., 1.],
            [0., 1.]]], dtype=float32)
    >>> one_hot(np.array([1, 0]), 2, dtype=np.int64)       # (B,) -> (B, 1) -> (B, 2)
    array([[0, 1],
           [1, 0]])
    >>> one_hot(labels, num_classes=2)
    Traceback (most recent call last):
    ...
    ValueError: labels has values {2}; num_classes=2 allows 0..1
    """
    labels = as_real_array("labels", labels)
    num_classes = check_int("num_classes", num_classes, minimum=1)
    dim = check_int("dim", dim)
    if dim >= 0 and labels.ndim < dim + 1:
        labels = labels.reshape(labels.shape + (1,) * (dim + 1 - labels.ndim))
    if not -labels.ndim <= dim < labels.ndim:
        raise ValueError(f"dim={dim} is not an axis of labels with shape {labels.shape}")
    if labels.shape[dim] != 1:
        hint = "; for a label map (N, H, W) add the channel axis: labels[:, None]" if dim == 1 else ""
        raise ValueError(f"labels has shape {labels.shape} with size {labels.shape[dim]} on axis dim={dim}; "
                         f"one_hot needs size 1 there (the channel axis it expands to num_classes){hint}")
    check_class_ids("labels", labels, num_classes)
    classes_shape = [1] * labels.ndim
    classes_shape[dim] = num_classes
    classes = np.arange(num_classes).reshape(classes_shape)
    return (labels == classes).astype(dtype)
