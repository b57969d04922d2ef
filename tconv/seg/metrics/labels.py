"""Label maps to one-hot masks: MONAI's ``one_hot`` (``monai/networks/utils.py``) in NumPy.

A label map stores one class index per pixel, ``(B, 1, H, W)``; its one-hot form stores one
0/1 mask per class, ``(B, num_classes, H, W)``, with exactly one 1 along the channel axis.
The metrics in this package take the one-hot form.
"""
from __future__ import annotations

import numpy as np

from ._checks import as_real_array, check_positive_int, label_values

__all__ = ["one_hot"]


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
    num_classes = check_positive_int("num_classes", num_classes)
    if isinstance(dim, (bool, np.bool_)) or not isinstance(dim, (int, np.integer)):
        raise TypeError(f"dim must be an integer axis, got {dim!r}")
    if dim >= 0 and labels.ndim < dim + 1:
        labels = labels.reshape(labels.shape + (1,) * (dim + 1 - labels.ndim))
    if not -labels.ndim <= dim < labels.ndim:
        raise ValueError(f"dim={dim} is not an axis of labels with shape {labels.shape}")
    if labels.shape[dim] != 1:
        raise ValueError(f"labels has shape {labels.shape} with size {labels.shape[dim]} on axis dim={dim}; "
                         "one_hot needs size 1 there (the channel axis it expands to num_classes)")
    label_values("labels", labels, num_classes)
    classes_shape = [1] * labels.ndim
    classes_shape[dim] = num_classes
    classes = np.arange(num_classes).reshape(classes_shape)
    return (labels == classes).astype(dtype)
