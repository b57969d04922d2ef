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

import math
import numbers

import numpy as np

__all__ = ["as_float_array", "same_dtype", "is_int", "check_groups", "refuse_tensor", "is_tensor",
           "check_int", "check_number", "check_bool", "check_choice", "check_probability"]

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


# --------------------------------------------------------------------------- scalar arguments
# One home for the checks every layer's constructors need (sizes, rates, flags, choices):
# each returns the value in a canonical form or raises an error naming the argument, the
# value and the rule.


def check_int(name: str, value, minimum: int | None = None, maximum: int | None = None) -> int:
    """``value`` as a Python int with ``minimum <= value <= maximum`` (bools are not ints).

    >>> check_int("batch_size", 8, minimum=1)
    8
    >>> check_int("batch_size", 0, minimum=1)
    Traceback (most recent call last):
    ...
    ValueError: batch_size=0 must be an integer >= 1
    >>> check_int("epochs", 2.5)
    Traceback (most recent call last):
    ...
    TypeError: epochs=2.5 must be an integer, not float
    """
    if not is_int(value):
        raise TypeError(f"{name}={value!r} must be an integer, not {type(value).__name__}")
    value = int(value)
    if minimum is not None and value < minimum:
        raise ValueError(f"{name}={value} must be an integer >= {minimum}")
    if maximum is not None and value > maximum:
        raise ValueError(f"{name}={value} must be an integer <= {maximum}")
    return value


def check_number(name: str, value, minimum: float | None = None, maximum: float | None = None, *,
                 minimum_open: bool = False, maximum_open: bool = False) -> float:
    """``value`` as a finite float in ``[minimum, maximum]`` (``*_open``: that end excluded).

    NaN and infinities are refused (a ``lr=nan`` would silently turn every weight into NaN);
    strings and bools are not numbers.

    >>> check_number("lr", 1e-3, minimum=0)
    0.001
    >>> check_number("lr", float("nan"), minimum=0)
    Traceback (most recent call last):
    ...
    ValueError: lr=nan must be a finite number >= 0
    >>> check_number("beta1", 1.0, 0, 1, maximum_open=True)
    Traceback (most recent call last):
    ...
    ValueError: beta1=1.0 must be a finite number >= 0 and < 1
    """
    rules = []
    if minimum is not None:
        rules.append(f"{'>' if minimum_open else '>='} {minimum}")
    if maximum is not None:
        rules.append(f"{'<' if maximum_open else '<='} {maximum}")
    rule = "a finite number" + (" " + " and ".join(rules) if rules else "")
    if not isinstance(value, numbers.Real) or isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{name}={value!r} must be {rule}, not {type(value).__name__}")
    number = float(value)
    ok = math.isfinite(number)
    if ok and minimum is not None:
        ok = number > minimum if minimum_open else number >= minimum
    if ok and maximum is not None:
        ok = number < maximum if maximum_open else number <= maximum
    if not ok:
        raise ValueError(f"{name}={value!r} must be {rule}")
    return number


def check_bool(name: str, value) -> bool:
    """``value`` if it is ``True`` or ``False`` (``"yes"`` or ``1`` is a mistake, not a flag).

    >>> check_bool("shuffle", "yes")
    Traceback (most recent call last):
    ...
    TypeError: shuffle='yes' must be True or False
    """
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{name}={value!r} must be True or False")
    return bool(value)


def check_choice(name: str, value, choices):
    """``value`` if it is one of ``choices``.

    >>> check_choice("reduction", "avg", ("none", "mean", "sum"))
    Traceback (most recent call last):
    ...
    ValueError: reduction='avg' must be one of ('none', 'mean', 'sum')
    """
    if isinstance(value, (list, dict, set, np.ndarray)) or value not in choices:
        raise ValueError(f"{name}={value!r} must be one of {tuple(choices)}")
    return value


def check_probability(name: str, value) -> float:
    """``value`` as a float in ``[0, 1]``.

    >>> check_probability("p", 1.5)
    Traceback (most recent call last):
    ...
    ValueError: p=1.5 must be a probability in [0, 1]
    """
    if not isinstance(value, numbers.Real) or isinstance(value, (bool, np.bool_)) or not 0 <= value <= 1:
        kind = ValueError if isinstance(value, numbers.Real) and not isinstance(value, bool) else TypeError
        raise kind(f"{name}={value!r} must be a probability in [0, 1]")
    return float(value)
