"""Input checks shared by the public functions: dtypes, integers, groups, and the Tensor rule.

The rule for dtypes: float32 and float64 arrays pass through unchanged (no silent
upcasting); Python scalars, lists and integer or boolean arrays become float64 (so the
lecture notes' integer examples can be typed as they are printed); anything else
(complex, object, strings) is a ``TypeError``.

The rule for Tensors: the NumPy-level functions (``tconv.conv2d``, ``tconv.max_pool2d``,
``tconv.interpolate``, ``tconv.conv_matrix``, ...) take arrays and record no gradient. Given
a :class:`tconv.Tensor` they raise a ``TypeError`` that names the differentiable twin in
:mod:`tconv.nn.functional`, instead of silently dropping the gradient.
"""
from __future__ import annotations

import numbers

import numpy as np

__all__ = ["as_float_array", "same_dtype", "is_int", "check_groups", "refuse_tensor", "is_tensor"]

FLOAT_DTYPES = (np.dtype(np.float32), np.dtype(np.float64))


def is_int(value) -> bool:
    """True for Python and NumPy integers, False for bools (``True`` is not a size).

    >>> is_int(3), is_int(np.int64(3)), is_int(True), is_int(3.0)
    (True, True, False, False)
    """
    return isinstance(value, numbers.Integral) and not isinstance(value, (bool, np.bool_))


def check_groups(groups) -> int:
    """``groups`` as an int, or a ``ValueError`` stating the rule.

    >>> check_groups(2)
    2
    >>> check_groups(0)
    Traceback (most recent call last):
    ...
    ValueError: groups=0 must be a positive int
    """
    if not is_int(groups) or groups < 1:
        raise ValueError(f"groups={groups!r} must be a positive int")
    return int(groups)


def is_tensor(value) -> bool:
    """True for a :class:`tconv.Tensor` (checked by a class marker: this module sits below the autograd).

    >>> is_tensor(np.zeros(2))
    False
    """
    return getattr(type(value), "_is_tconv_tensor", False)


def refuse_tensor(function: str, twin: str | None = None, **arguments) -> None:
    """Raise ``TypeError`` if any of ``arguments`` is a Tensor: NumPy-level functions record no gradient.

    ``function`` is the public name (``"tconv.conv2d"``), ``twin`` the differentiable one
    (``"tconv.nn.functional.conv2d"``), if there is one.

    >>> refuse_tensor("tconv.conv2d", "tconv.nn.functional.conv2d", x=np.zeros(1))   # arrays pass
    """
    for name, value in arguments.items():
        if is_tensor(value):
            hint = f"use {twin}(...) for a differentiable result, or " if twin else ""
            raise TypeError(f"{function} got a tconv.Tensor for {name}; the NumPy-level functions take arrays "
                            f"and record no gradient: {hint}pass {name}.data to compute without one")


def as_float_array(name: str, value) -> np.ndarray:
    """``value`` as a float32/float64 ndarray, or a ``TypeError`` naming ``name``.

    >>> as_float_array("x", [[1, 2]]).dtype
    dtype('float64')
    >>> as_float_array("x", np.zeros(2, np.complex64))
    Traceback (most recent call last):
    ...
    TypeError: x has dtype complex64; tconv computes in float32 or float64
    """
    if is_tensor(value):
        raise TypeError(f"{name} is a tconv.Tensor where an array is expected; pass {name}.data "
                        "(NumPy-level functions record no gradient)")
    array = np.asarray(value)
    if array.dtype in FLOAT_DTYPES:
        return array
    if array.dtype.kind in "biu":
        return array.astype(np.float64)
    raise TypeError(f"{name} has dtype {array.dtype}; tconv computes in float32 or float64")


def same_dtype(reference_name: str, reference: np.ndarray, **others) -> None:
    """Raise ``TypeError`` unless every array in ``others`` has ``reference``'s dtype.

    The message names both arrays and both ways to fix it; tconv's modules are float32 by
    default (as PyTorch's), so mixing them with float64 data is the usual cause.

    >>> same_dtype("x", np.zeros(1, np.float64), weight=np.zeros(1, np.float32))
    Traceback (most recent call last):
    ...
    TypeError: x has dtype float64 but weight has dtype float32: cast x.astype(np.float32), or the weight to float64 (for a module: model.double()); tconv.nn modules are float32 by default, as in PyTorch
    """
    for name, array in others.items():
        if array is not None and array.dtype != reference.dtype:
            raise TypeError(f"{reference_name} has dtype {reference.dtype} but {name} has dtype {array.dtype}: "
                            f"cast {reference_name}.astype(np.{array.dtype}), or the {name} to {reference.dtype} "
                            f"(for a module: model.{'double' if reference.dtype == np.float64 else 'float'}()); "
                            "tconv.nn modules are float32 by default, as in PyTorch")
