"""``gradcheck``: compare the gradients ``backward`` computes with finite differences.

Two checks, both in float64 and both about the vector-Jacobian product ``J^T v`` that
``backward(v)`` computes (``J`` is the Jacobian of ``fn`` at the inputs, ``v`` a random
output-shaped vector):

1. **per element** (inputs with at most ``max_elements`` entries): for each input entry
   ``x_j``, the central difference ``(f(x + eps e_j) - f(x - eps e_j)) / 2eps`` is column ``j``
   of ``J``; its dot product with ``v`` must equal entry ``j`` of ``J^T v``;
2. **random projection** (every input, whatever its size; HIPS autograd's ``check_vjp``):
   for a random direction ``u`` over all inputs at once,
   ``<v, J u> ≈ <v, (f(x + eps u) - f(x - eps u)) / 2eps>`` must equal ``<J^T v, u>``.

A value passes when ``|backward - numeric| <= atol + rtol * |numeric|``.

>>> from tconv import Tensor
>>> gradcheck(lambda a, b: (a * b).sum(), np.ones((2, 3)), np.arange(6.0).reshape(2, 3))
True
"""
from __future__ import annotations

import numpy as np

from .._checks import as_float_array
from .grad_mode import enable_grad, no_grad
from .tensor import Tensor

__all__ = ["gradcheck", "GradcheckError"]


class GradcheckError(AssertionError):
    """A gradient from ``backward`` disagrees with finite differences (the message says where).

    >>> try:
    ...     gradcheck(lambda x: x.detach().sum(), np.ones(2))   # detach() hides the gradient
    ... except GradcheckError:
    ...     print("backward disagrees with finite differences")
    backward disagrees with finite differences
    """


def _prepare(inputs):
    """float64 copies of the inputs and which of them are checked."""
    arrays, checked = [], []
    for i, value in enumerate(inputs):
        if value is None:
            arrays.append(None)
            checked.append(False)
        elif isinstance(value, Tensor):
            arrays.append(value.data.astype(np.float64, copy=True))
            checked.append(value.requires_grad)
        else:
            arrays.append(as_float_array(f"gradcheck input {i}", value).astype(np.float64, copy=True))
            checked.append(True)
    if not any(checked):
        raise ValueError("gradcheck: no input to check; pass arrays, or Tensors with requires_grad=True")
    return arrays, checked


def _call(fn, arrays, checked, track: bool) -> Tensor:
    tensors = [None if a is None else Tensor(a.copy(), requires_grad=track and c)
               for a, c in zip(arrays, checked)]
    out = fn(*tensors)
    if not isinstance(out, Tensor):
        raise TypeError(f"gradcheck: fn must return a Tensor, got {type(out).__name__}")
    if out.dtype != np.float64:
        raise GradcheckError(f"gradcheck: fn returned dtype {out.dtype} for float64 inputs (an op downcasts); "
                             + _FLOAT64_RULE)
    return out if not track else (out, tensors)


_FLOAT64_RULE = ("gradcheck works in float64 (central differences in float32 are too inaccurate) and "
                 "converts every input to float64, so fn must compute in float64 too: for a module, call "
                 "model.double() first")


def _first_call(fn, arrays, checked) -> np.ndarray:
    """The first evaluation, with the float64 rule added to dtype errors (e.g. a float32 module)."""
    try:
        return _value(fn, arrays, checked)
    except TypeError as error:
        if "dtype" not in str(error):
            raise
        raise TypeError(f"{_FLOAT64_RULE}; fn failed with: {error}") from None


def _value(fn, arrays, checked) -> np.ndarray:
    with no_grad():
        return _call(fn, arrays, checked, track=False).data.astype(np.float64)


def _backward(fn, arrays, checked, v):
    with enable_grad():
        out, tensors = _call(fn, arrays, checked, track=True)
        if out.requires_grad:
            out.backward(v)
    return [None if not c else (t.grad if t.grad is not None else np.zeros_like(t.data))
            for t, c in zip(tensors, checked)]


def _fail(where, analytic, numeric, atol, rtol):
    err = abs(analytic - numeric)
    return (f"{where}: backward gives {analytic:.10g}, finite differences give {numeric:.10g} "
            f"(abs error {err:.3g} > atol + rtol*|numeric| = {atol + rtol * abs(numeric):.3g})")


def gradcheck(fn, *inputs, eps: float = 1e-6, atol: float = 1e-5, rtol: float = 1e-3,
              n_projections: int = 2, max_elements: int = 2000, seed: int = 0) -> bool:
    """Check ``backward`` of ``fn(*inputs)`` against central differences; return True or raise.

    ``inputs``: arrays (checked), Tensors (checked when ``requires_grad``, else constants)
    or ``None``; all are copied to float64. ``fn`` takes one argument per input and returns
    a Tensor of any shape; it must be deterministic (seed any randomness inside it).
    ``n_projections`` random output vectors ``v`` are drawn from ``seed``; each is checked
    per element on inputs with at most ``max_elements`` entries, and by one random
    projection over all inputs. Raises :class:`GradcheckError` naming the input, the
    element (or projection), both values and the largest error.

    >>> gradcheck(lambda x, w: (x * w).sum(axis=1) ** 2, np.ones((2, 3)), np.arange(3.0))
    True
    """
    arrays, checked = _prepare(inputs)
    base = _first_call(fn, arrays, checked)
    if not np.array_equal(base, _value(fn, arrays, checked), equal_nan=True):
        raise GradcheckError("gradcheck: fn gave different outputs for the same inputs; "
                             "seed its randomness inside fn")
    rng = np.random.default_rng(seed)
    vs = [rng.standard_normal(base.shape) for _ in range(n_projections)]
    grads = [_backward(fn, arrays, checked, v) for v in vs]

    def f(i, delta):        # fn with input i shifted by delta (None: all inputs, delta a list)
        shifted = [a if a is None else a.copy() for a in arrays]
        if i is None:
            for j, d in enumerate(delta):
                if d is not None:
                    shifted[j] += d
        else:
            shifted[i] += delta
        return _value(fn, shifted, checked)

    for i, (a, c) in enumerate(zip(arrays, checked)):
        if not c or a.size > max_elements:
            continue
        numeric = np.empty((len(vs), a.size))
        for j in range(a.size):
            step = np.zeros(a.size)
            step[j] = eps
            column = (f(i, step.reshape(a.shape)) - f(i, -step.reshape(a.shape))) / (2 * eps)
            numeric[:, j] = [np.vdot(v, column) for v in vs]
        analytic = np.stack([g[i].reshape(-1) for g in grads])
        err = np.abs(analytic - numeric)
        bad = err > atol + rtol * np.abs(numeric)
        if bad.any():
            k, j = np.unravel_index(np.argmax(np.where(bad, err, -1)), bad.shape)
            where = f"input {i} (shape {a.shape}) at element {tuple(int(e) for e in np.unravel_index(j, a.shape))}, projection v{k}"
            raise GradcheckError(_fail(where, analytic[k, j], numeric[k, j], atol, rtol)
                                 + f"; {int(bad.sum())} of {bad.size} entries disagree, "
                                 f"max abs error {err.max():.3g}")

    for k, v in enumerate(vs):
        us = [None if not c else rng.standard_normal(a.shape) for a, c in zip(arrays, checked)]
        plus = f(None, [None if u is None else eps * u for u in us])
        minus = f(None, [None if u is None else -eps * u for u in us])
        numeric = float(np.vdot(v, (plus - minus) / (2 * eps)))
        analytic = float(sum(np.vdot(g, u) for g, u in zip(grads[k], us) if u is not None))
        if abs(analytic - numeric) > atol + rtol * abs(numeric):
            raise GradcheckError(_fail(f"random projection {k} (<J^T v, u> vs <v, J u>)",
                                       analytic, numeric, atol, rtol))
    return True
