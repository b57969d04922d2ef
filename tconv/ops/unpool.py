"""Max unpooling (SegNet's decoder) on NumPy arrays, as ``torch.nn.functional.max_unpool1d/2d/3d``.

Max pooling with ``return_indices=True`` remembers where each maximum came from (a flat
position ``h·W + w`` in its input plane). SegNet (Badrinarayanan, Kendall & Cipolla 2017)
upsamples by putting each value back at that position and zeros everywhere else:

``out[n, c].flat[indices[n, c, o]] = input[n, c, o]``

For one plane, max pooling is a 0/1 *selection matrix* ``S`` (one 1 per row, at the argmax:
:func:`selection_matrix`), ``pool(x) = S @ x``. Unpooling with the same indices is ``S.T``:
the transpose, not the inverse, as the transposed convolution is ``C.T`` and not ``C⁻¹``.
``S @ S.T = I`` when no two windows pick the same pixel (pooling undoes unpooling), but
``S.T @ S`` keeps only the maxima and zeroes the rest. With overlapping windows one pixel can
be picked twice; PyTorch then writes it once (the later write wins; the values are equal when
they came from max pooling), where ``S.T`` would add the two.

The output size per axis is PyTorch's default ``(i - 1)·s - 2p + k`` (``stride`` defaults to
``kernel_size``), or ``output_size`` strictly between that minus ``s`` and plus ``s`` (the size
max pooling started from, which the default cannot always recover).

>>> x = np.array([[[1.0, 3.0, 2.0, 5.0, 4.0]]])
>>> from tconv.ops.pool import max_pool1d
>>> y, idx = max_pool1d(x, 2, return_indices=True)
>>> y, idx
(array([[[3., 5.]]]), array([[[1, 3]]]))
>>> max_unpool1d(y, idx, 2)
array([[[0., 3., 0., 5.]]])
>>> max_unpool1d(y, idx, 2, output_size=(5,))
array([[[0., 3., 0., 5., 0.]]])
"""
from __future__ import annotations

import math

import numpy as np

from .._checks import refuse_tensor
from ..geometry import as_tuple

__all__ = ["max_unpool1d", "max_unpool2d", "max_unpool3d", "unpool_output_size", "max_unpool_backward",
           "selection_matrix"]

#: :func:`selection_matrix` refuses to allocate more bytes than this.
SELECTION_LIMIT_BYTES = 1 << 28


def unpool_output_size(input_size, kernel_size, stride=None, padding=0, output_size=None) -> tuple[int, ...]:
    """The spatial size max unpooling writes, by PyTorch's rule (``_unpool_output_size``).

    Default ``(i - 1)·s - 2p + k`` per axis; ``output_size`` (spatial, or with the ``(N, C)``
    axes in front) must lie strictly between ``default - s`` and ``default + s`` on every axis.

    >>> unpool_output_size((2, 2), 2), unpool_output_size((2, 2), 2, output_size=(5, 4))
    ((4, 4), (5, 4))
    >>> unpool_output_size((2,), 2, output_size=(6,))
    Traceback (most recent call last):
    ...
    ValueError: output_size=(6,) is invalid: axis 0 must be strictly between 2 and 6 (the default size 4 -/+ stride 2)
    """
    ndim = len(input_size)
    k = as_tuple("kernel_size", kernel_size, ndim, minimum=1)
    s = k if stride is None or stride == () else as_tuple("stride", stride, ndim, minimum=1)
    p = as_tuple("padding", padding, ndim, minimum=0)
    default = tuple((i - 1) * ss - 2 * pp + kk for i, kk, ss, pp in zip(input_size, k, s, p))
    if output_size is None:
        if min(default) < 1:
            raise ValueError(f"padding={padding!r} is too large: the unpooled size would be {default}")
        return default
    try:
        requested = tuple(output_size)
    except TypeError:
        raise TypeError(f"output_size={output_size!r} must be a sequence of {ndim} or {ndim + 2} ints") from None
    if len(requested) == ndim + 2:
        requested = requested[2:]
    if len(requested) != ndim:
        raise ValueError(f"output_size={output_size!r} must have {ndim} or {ndim + 2} entries, not {len(requested)}")
    requested = as_tuple("output_size", requested, ndim, minimum=1)
    for axis, (o, d, ss) in enumerate(zip(requested, default, s)):
        if not d - ss < o < d + ss:
            raise ValueError(f"output_size={output_size!r} is invalid: axis {axis} must be strictly between "
                             f"{d - ss} and {d + ss} (the default size {d} -/+ stride {ss})")
    return requested


def _check(ndim, input, indices, what):
    refuse_tensor(f"tconv.ops.{what}", f"tconv.nn.functional.{what}", input=input, indices=indices)
    x = np.asarray(input)
    if x.dtype.kind not in "f":
        raise TypeError(f"{what}: input has dtype {x.dtype}; it must be float32 or float64")
    idx = np.asarray(indices)
    if idx.dtype.kind not in "iu":
        raise TypeError(f"{what}: indices has dtype {idx.dtype}; it must hold ints (from max_pool{ndim}d(..., "
                        "return_indices=True))")
    if x.ndim not in (ndim + 1, ndim + 2):
        raise ValueError(f"{what} expects input with {ndim + 2} axes (N, C, *spatial) or {ndim + 1} (C, *spatial); "
                         f"got shape {x.shape}")
    if idx.shape != x.shape:
        raise ValueError(f"{what}: indices has shape {idx.shape}; it must have the input's shape {x.shape}")
    return x, idx


def _unpool(ndim, input, indices, kernel_size, stride, padding, output_size):
    what = f"max_unpool{ndim}d"
    x, idx = _check(ndim, input, indices, what)
    unbatched = x.ndim == ndim + 1
    if unbatched:
        x, idx = x[None], idx[None]
    size = unpool_output_size(x.shape[2:], kernel_size, stride, padding, output_size)
    plane = math.prod(size)
    if idx.size and (idx.min() < 0 or idx.max() >= plane):
        bad = idx.min() if idx.min() < 0 else idx.max()
        raise ValueError(f"{what}: indices holds {bad}, outside the output plane of size {size} (flat positions "
                         f"0 to {plane - 1}); pass the output_size max pooling started from")
    n, c = x.shape[:2]
    out = np.zeros((n * c, plane), dtype=x.dtype)
    flat_idx = idx.reshape(n * c, -1)
    values = x.reshape(n * c, -1)
    rows = np.repeat(np.arange(n * c), flat_idx.shape[1])
    target = rows * plane + flat_idx.ravel()
    # a position written twice keeps the later value (PyTorch's order): take each target's last occurrence
    _, last_from_end = np.unique(target[::-1], return_index=True)
    keep = target.size - 1 - last_from_end
    out.reshape(-1)[target[keep]] = values.ravel()[keep]
    out = out.reshape((n, c) + size)
    return out[0] if unbatched else out


def max_unpool1d(input, indices, kernel_size, stride=None, padding=0, output_size=None) -> np.ndarray:
    """1-D max unpooling: ``input``, ``indices`` ``(N, C, L)`` or ``(C, L)`` -> ``(N, C, L_out)``; see :func:`max_unpool2d`.

    >>> max_unpool1d(np.array([[[7.0]]]), np.array([[[1]]]), 2)
    array([[[0., 7.]]])
    """
    return _unpool(1, input, indices, kernel_size, stride, padding, output_size)


def max_unpool2d(input, indices, kernel_size, stride=None, padding=0, output_size=None) -> np.ndarray:
    """2-D max unpooling, as ``torch.nn.functional.max_unpool2d``: each value back at its argmax, zeros elsewhere.

    ``input`` and ``indices`` ``(N, C, H, W)`` or ``(C, H, W)`` (``indices`` from
    ``max_pool2d(..., return_indices=True)``: flat positions ``h·W_out + w`` in the output
    plane) -> ``(N, C, H_out, W_out)`` with :func:`unpool_output_size`.

    >>> from tconv.ops.pool import max_pool2d
    >>> x = np.array([[[[1., 2., 0., 1.], [3., 4., 9., 2.], [5., 0., 1., 1.], [2., 6., 1., 8.]]]])
    >>> y, idx = max_pool2d(x, 2, return_indices=True)
    >>> max_unpool2d(y, idx, 2)[0, 0]
    array([[0., 0., 0., 0.],
           [0., 4., 9., 0.],
           [0., 0., 0., 0.],
           [0., 6., 0., 8.]])
    """
    return _unpool(2, input, indices, kernel_size, stride, padding, output_size)


def max_unpool3d(input, indices, kernel_size, stride=None, padding=0, output_size=None) -> np.ndarray:
    """3-D max unpooling: ``(N, C, D, H, W)`` or ``(C, D, H, W)``; see :func:`max_unpool2d`.

    >>> max_unpool3d(np.ones((1, 1, 1, 1, 1)), np.array([[[[[7]]]]]), 2).ravel()
    array([0., 0., 0., 0., 0., 0., 0., 1.])
    """
    return _unpool(3, input, indices, kernel_size, stride, padding, output_size)


def max_unpool_backward(grad_out, indices) -> np.ndarray:
    """The gradient of max unpooling with respect to its input: ``grad_out`` read at ``indices`` (a gather).

    ``grad_out (N, C, *out)``, ``indices (N, C, *in)`` -> ``(N, C, *in)``; PyTorch's rule (a
    position written twice sends its gradient to both writers).

    >>> max_unpool_backward(np.array([[[10., 20., 30., 40.]]]), np.array([[[1, 3]]]))
    array([[[20., 40.]]])
    """
    grad_out = np.asarray(grad_out)
    indices = np.asarray(indices)
    n, c = grad_out.shape[:2]
    flat = grad_out.reshape(n, c, -1)
    return np.take_along_axis(flat, indices.reshape(n, c, -1).astype(np.int64), axis=2).reshape(indices.shape)


def selection_matrix(indices, input_size) -> np.ndarray:
    """Max pooling's 0/1 matrix ``S`` for one plane: ``pool(x).ravel() = S @ x.ravel()``.

    ``indices``: the argmax of one ``(n, c)`` plane, any shape (``P`` outputs); ``input_size``:
    the pooled plane's spatial size. ``S`` has shape ``(P, prod(input_size))`` with
    ``S[r, indices.flat[r]] = 1``. Max unpooling with the same indices is ``S.T`` (module
    docstring); the matrix is refused above 256 MiB.

    >>> S = selection_matrix(np.array([1, 3]), (5,))
    >>> S
    array([[0., 1., 0., 0., 0.],
           [0., 0., 0., 1., 0.]])
    >>> S.T @ np.array([3.0, 5.0])                   # unpooling
    array([0., 3., 0., 5., 0.])
    """
    idx = np.asarray(indices)
    if idx.dtype.kind not in "iu":
        raise TypeError(f"indices has dtype {idx.dtype}; it must hold ints")
    size = math.prod(as_tuple("input_size", input_size, len(tuple(input_size)), minimum=1))
    if idx.size and (idx.min() < 0 or idx.max() >= size):
        raise ValueError(f"indices must lie in [0, {size}) for input_size={tuple(input_size)}")
    if idx.size * size * 8 > SELECTION_LIMIT_BYTES:
        raise ValueError(f"the selection matrix would be {idx.size} x {size} ({idx.size * size * 8 / 2**20:.0f} MiB); "
                         "it is a teaching object for small planes")
    S = np.zeros((idx.size, size))
    S[np.arange(idx.size), idx.ravel()] = 1.0
    return S
