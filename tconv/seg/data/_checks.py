"""Argument checks of the data classes: ranges, spatial sizes, datasets (scalars: :mod:`tconv._checks`).

Each check raises ``TypeError`` (wrong kind of value) or ``ValueError`` (right kind, wrong
value) with a message naming the argument, the value and the rule.
"""
from __future__ import annotations

import numbers

from ..._checks import check_bool, check_int, check_number

__all__ = ["check_dataset", "check_range", "check_spatial_size", "check_int", "check_bool", "check_number"]


def check_range(name: str, value, minimum: float, maximum: float, integer: bool = False) -> tuple:
    """A pair ``(low, high)`` with ``minimum <= low <= high <= maximum``.

    >>> check_range("count_range", (1, 4), 1, 100, integer=True)
    (1, 4)
    >>> check_range("contrast_range", (0.4, 0.2), 0, 1)
    Traceback (most recent call last):
    ...
    ValueError: contrast_range=(0.4, 0.2) must be a pair (low, high) with low <= high
    """
    if isinstance(value, (str, bytes)) or not hasattr(value, "__len__") or len(value) != 2:
        raise TypeError(f"{name} must be a pair (low, high), got {value!r}")
    check = check_int if integer else check_number
    low = check(f"{name}[0]", value[0], minimum, maximum)
    high = check(f"{name}[1]", value[1], minimum, maximum)
    if low > high:
        raise ValueError(f"{name}={tuple(value)!r} must be a pair (low, high) with low <= high")
    return low, high


def check_spatial_size(name: str, value, ndim: int, minimum: int = 1, maximum: int | None = None) -> tuple:
    """An int (the same for every axis) or ``ndim`` ints, as a tuple of ``ndim`` ints.

    >>> check_spatial_size("size", 64, 2)
    (64, 64)
    >>> check_spatial_size("size", (48, 64), 2)
    (48, 64)
    """
    if isinstance(value, numbers.Integral) and not isinstance(value, bool):
        value = (value,) * ndim
    if isinstance(value, (str, bytes)) or not hasattr(value, "__len__") or len(value) != ndim:
        raise TypeError(f"{name} must be an int or {ndim} ints, got {value!r}")
    return tuple(check_int(f"{name}[{axis}]", side, minimum, maximum) for axis, side in enumerate(value))


def check_dataset(dataset) -> None:
    """A ``TypeError`` unless ``dataset`` has ``__len__`` and ``__getitem__`` (a map-style dataset).

    >>> check_dataset([1, 2])
    >>> check_dataset(5)
    Traceback (most recent call last):
    ...
    TypeError: dataset must have __len__ and __getitem__ (a map-style dataset), got int
    """
    if not (hasattr(dataset, "__len__") and hasattr(dataset, "__getitem__")):
        raise TypeError(f"dataset must have __len__ and __getitem__ (a map-style dataset), got "
                        f"{type(dataset).__name__}")
