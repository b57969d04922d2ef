"""Checks for the transforms' constructor arguments: probabilities, sizes, ranges, choices.

Each check raises ``ValueError``/``TypeError`` whose message names the argument, the value
and the rule, and returns the value in a canonical form (ranges become ``(low, high)``
float tuples, as albumentations' ``to_tuple`` makes them).
"""
from __future__ import annotations

import math
import numbers

import numpy as np

from ..._checks import check_bool, check_choice, check_int, check_number, check_probability

__all__ = ["check_probability", "check_bool", "check_number", "check_size", "check_choice", "check_spatial_dims",
           "to_range", "per_channel_values", "check_fill", "check_mask_fill"]


def _is_number(value) -> bool:
    return isinstance(value, numbers.Real) and not isinstance(value, (bool, np.bool_))


def check_size(name: str, value, allow_none: bool = False, minimum: int = 1):
    """``value`` as an int >= ``minimum`` (or ``None`` when ``allow_none``).

    >>> check_size("height", -3)
    Traceback (most recent call last):
    ...
    ValueError: height=-3 must be an integer >= 1
    """
    if value is None and allow_none:
        return None
    return check_int(name, value, minimum=minimum)


def check_spatial_dims(value) -> int:
    """2 (images ``(H, W)``/``(C, H, W)``) or 3 (volumes ``(D, H, W)``/``(C, D, H, W)``).

    >>> check_spatial_dims(1)
    Traceback (most recent call last):
    ...
    ValueError: spatial_dims=1 must be 2 (images) or 3 (volumes)
    """
    if value not in (2, 3) or isinstance(value, bool):
        raise ValueError(f"spatial_dims={value!r} must be 2 (images) or 3 (volumes)")
    return int(value)


def to_range(name: str, value, low=None, minimum=None, maximum=None) -> tuple[float, float]:
    """A range ``(a, b)`` of finite numbers with ``a <= b``, spelled as albumentations spells it.

    * a pair ``(a, b)`` is kept;
    * a single number ``v`` becomes ``(-v, v)``, or ``(low, v)`` (sorted) when ``low`` is given
      (pass ``low=v`` for a fixed value: ``(v, v)``).

    Both ends must lie in ``[minimum, maximum]`` when those are given. NaN and infinities are
    refused here, at construction (drawing from them would fail, or poison the image, later).

    >>> to_range("brightness_limit", 0.2)
    (-0.2, 0.2)
    >>> to_range("gamma_limit", 120, low=1)
    (1.0, 120.0)
    >>> to_range("rotate", 30, low=30)
    (30.0, 30.0)
    >>> to_range("std_range", (0.3, 0.1))
    Traceback (most recent call last):
    ...
    ValueError: std_range=(0.3, 0.1) must be a number or a pair (low, high) with low <= high
    >>> to_range("rotate", float("nan"))
    Traceback (most recent call last):
    ...
    ValueError: rotate=nan must hold finite numbers (no NaN or infinity)
    """
    if _is_number(value):
        given = (value,)
    elif isinstance(value, (tuple, list)) and len(value) == 2 and all(_is_number(v) for v in value):
        given = tuple(value)
    else:
        raise ValueError(f"{name}={value!r} must be a number or a pair (low, high) with low <= high")
    if not all(math.isfinite(v) for v in given):
        raise ValueError(f"{name}={value!r} must hold finite numbers (no NaN or infinity)")
    if len(given) == 1:
        pair = (float(-value), float(value)) if low is None else tuple(sorted((float(low), float(value))))
    elif given[0] <= given[1]:
        pair = (float(given[0]), float(given[1]))
    else:
        raise ValueError(f"{name}={value!r} must be a number or a pair (low, high) with low <= high")
    if (minimum is not None and pair[0] < minimum) or (maximum is not None and pair[1] > maximum):
        bounds = f"[{minimum if minimum is not None else '-inf'}, {maximum if maximum is not None else 'inf'}]"
        raise ValueError(f"{name}={value!r} gives the range {pair}; it must lie in {bounds}")
    return pair


def per_channel_values(name: str, value) -> np.ndarray:
    """A number, or one number per channel, as a 1-d float64 array of finite values.

    >>> per_channel_values("mean", (0.5, 0.25))
    array([0.5 , 0.25])
    >>> per_channel_values("std", [[1.0]])
    Traceback (most recent call last):
    ...
    ValueError: std=[[1.0]] must be a number or one number per channel, not an array of shape (1, 1)
    """
    array = np.asarray(value)
    if array.dtype.kind not in "iuf":
        raise TypeError(f"{name}={value!r} must be a number or one number per channel")
    if array.ndim > 1 or array.size == 0:
        raise ValueError(f"{name}={value!r} must be a number or one number per channel, not an array of "
                         f"shape {array.shape}")
    array = np.atleast_1d(array.astype(np.float64))
    if not np.all(np.isfinite(array)):
        raise ValueError(f"{name}={value!r} must hold finite numbers (no NaN or infinity)")
    return array


def check_fill(name: str, value) -> float:
    """A finite scalar fill value (the constant written where there is no input).

    >>> check_fill("fill", (0, 0, 0))
    Traceback (most recent call last):
    ...
    TypeError: fill=(0, 0, 0) must be a single finite number (per-channel fills are not supported)
    """
    if not _is_number(value) or value != value or abs(value) == float("inf"):
        raise TypeError(f"{name}={value!r} must be a single finite number (per-channel fills are not supported)")
    return value


def check_mask_fill(fill_mask, dtype: np.dtype):
    """``fill_mask`` as a scalar of the mask's integer/bool ``dtype``, if it fits.

    >>> check_mask_fill(255, np.dtype(np.uint8))
    np.uint8(255)
    >>> check_mask_fill(-1, np.dtype(np.uint8))
    Traceback (most recent call last):
    ...
    ValueError: fill_mask=-1 is not a class id a uint8 mask can hold (0..255)
    """
    if dtype.kind == "b":
        low, high = 0, 1
    else:
        low, high = np.iinfo(dtype).min, np.iinfo(dtype).max
    if not _is_number(fill_mask) or fill_mask != int(fill_mask) or not low <= fill_mask <= high:
        raise ValueError(f"fill_mask={fill_mask!r} is not a class id a {dtype} mask can hold ({low}..{high})")
    return dtype.type(int(fill_mask))
