"""Input checks shared by the public functions: dtypes and array shapes.

The rule for dtypes: float32 and float64 arrays pass through unchanged (no silent
upcasting); Python scalars, lists and integer or boolean arrays become float64 (so the
lecture notes' integer examples can be typed as they are printed); anything else
(complex, object, strings) is a ``TypeError``.
"""
from __future__ import annotations

import numpy as np

__all__ = ["as_float_array", "same_dtype"]

FLOAT_DTYPES = (np.dtype(np.float32), np.dtype(np.float64))


def as_float_array(name: str, value) -> np.ndarray:
    """``value`` as a float32/float64 ndarray, or a ``TypeError`` naming ``name``.

    >>> as_float_array("x", [[1, 2]]).dtype
    dtype('float64')
    >>> as_float_array("x", np.zeros(2, np.complex64))
    Traceback (most recent call last):
    ...
    TypeError: x has dtype complex64; tconv computes in float32 or float64
    """
    array = np.asarray(value)
    if array.dtype in FLOAT_DTYPES:
        return array
    if array.dtype.kind in "biu":
        return array.astype(np.float64)
    raise TypeError(f"{name} has dtype {array.dtype}; tconv computes in float32 or float64")


def same_dtype(reference_name: str, reference: np.ndarray, **others) -> None:
    """Raise ``TypeError`` unless every array in ``others`` has ``reference``'s dtype.

    >>> same_dtype("x", np.zeros(1, np.float32), weight=np.zeros(1))
    Traceback (most recent call last):
    ...
    TypeError: weight has dtype float64 but x has dtype float32; cast one of them (e.g. weight.astype(np.float32))
    """
    for name, array in others.items():
        if array is not None and array.dtype != reference.dtype:
            raise TypeError(f"{name} has dtype {array.dtype} but {reference_name} has dtype "
                            f"{reference.dtype}; cast one of them (e.g. {name}.astype(np.{reference.dtype}))")
