"""``batch_norm``: normalise each channel by its batch statistics (training) or running ones (eval).

Per channel ``c``, over the batch and spatial axes (``n`` values):

* forward: ``x̂ = (x - μ) / sqrt(σ² + eps)``, ``out = γ x̂ + β``; in training ``μ, σ²`` are
  the batch mean and *biased* variance, and the running buffers are updated in place,
  ``running = (1 - momentum) running + momentum * batch`` with the *unbiased* variance
  ``σ² n/(n-1)`` (as PyTorch); in eval ``μ, σ²`` are the running buffers (constants);
* VJP (training; ``g = grad_out γ``):
  ``grad_x = (g - mean(g) - x̂ mean(g x̂)) / sqrt(σ² + eps)`` (the batch statistics depend
  on ``x`` too), ``grad_γ = sum(grad_out x̂)``, ``grad_β = sum(grad_out)``;
  in eval ``grad_x = g / sqrt(σ² + eps)``.

The statistics and both passes are kernels with NumPy twins (:mod:`tconv.kernels.normalization`,
float64 statistics). :func:`batch_norm_relu` is batch norm and the ReLU after it as one op.

>>> from tconv import Tensor
>>> x = Tensor(np.array([[1.0], [3.0]]))             # (N=2, C=1)
>>> mean, var = np.zeros(1), np.ones(1)
>>> batch_norm(x, mean, var, training=True, eps=0.0)
Tensor([[-1.],
        [ 1.]])
>>> mean, var                                         # 0.9*0 + 0.1*2, 0.9*1 + 0.1*2 (unbiased)
(array([0.2]), array([1.1]))
"""
from __future__ import annotations

import numpy as np

from ...autograd.function import defop
from ...autograd.plan import register_fusion
from ...autograd.tensor import Tensor

__all__ = ["batch_norm", "batch_norm_relu"]


def _buffer(name, value, channels):
    """A running buffer as the ndarray to update in place (or None)."""
    if value is None:
        return None
    array = value.data if isinstance(value, Tensor) else value
    if not isinstance(array, np.ndarray) or array.dtype.kind != "f":
        raise TypeError(f"batch_norm: {name} must be a float ndarray or Tensor (updated in place), "
                        f"got {type(value).__name__}")
    if array.shape != (channels,):
        raise ValueError(f"batch_norm: {name} has shape {array.shape}, expected ({channels},)")
    return array


#: Arrays with at least this many elements take the Numba kernels (:mod:`tconv.kernels.normalization`);
#: smaller ones their NumPy twins (the same arithmetic, without the call overhead of threads).
NUMBA_MIN_SIZE = 1 << 12


def _kernels(size: int):
    """The kernel module's three functions: Numba's for large arrays, else the NumPy twins."""
    from ...kernels import normalization as k

    if size >= NUMBA_MIN_SIZE:
        import numba

        if not numba.config.DISABLE_JIT:                 # as plain Python the loops would be slow
            return k.channel_moments, k.scale_shift, k.scale_shift_backward
    return k.channel_moments_numpy, k.scale_shift_numpy, k.scale_shift_backward_numpy


def _momentum(momentum, counter, training):
    """Count the batch in ``counter`` (a 0-d int array, in place) and return the running buffers' factor.

    ``momentum=None`` is PyTorch's cumulative moving average: factor ``1 / batches seen``.
    """
    if training and counter is not None:
        counter += 1
        if momentum is None:
            return 1.0 / float(counter)
    return 0.0 if momentum is None else momentum


def _normalise(x, weight, bias, running_mean, running_var, training, momentum, eps, relu, counter=None):
    """The forward of batch norm (and ReLU): ``(out, vjp)``; see the module docstring."""
    if x.ndim < 2:
        raise ValueError(f"batch_norm expects x of shape (N, C, *spatial), got shape {x.shape}")
    channels = x.shape[1]
    for name, value in (("weight", weight), ("bias", bias)):
        if value is not None and value.shape != (channels,):
            raise ValueError(f"batch_norm: {name} has shape {value.shape}, expected ({channels},)")
    running_mean = _buffer("running_mean", running_mean, channels)
    running_var = _buffer("running_var", running_var, channels)
    x3 = np.ascontiguousarray(x).reshape(x.shape[0], channels, -1)
    n = x3.shape[0] * x3.shape[2]
    moments, scale_shift, backward = _kernels(x.size)
    if training:
        if n <= 1:
            raise ValueError(f"batch_norm: expected more than 1 value per channel when training, "
                             f"got input of shape {x.shape}")
        momentum = _momentum(momentum, counter, training)
        mean, var = np.empty(channels), np.empty(channels)
        moments(x3, mean, var)
        if running_mean is not None:
            running_mean *= 1 - momentum
            running_mean += momentum * mean
        if running_var is not None:
            running_var *= 1 - momentum
            running_var += momentum * var * (n / (n - 1))
    else:
        if running_mean is None or running_var is None:
            raise ValueError("batch_norm in eval mode (training=False) needs running_mean and running_var")
        # PyTorch normalises with the running buffers rounded to the input's dtype
        mean = running_mean.astype(x.dtype).astype(np.float64)
        var = running_var.astype(x.dtype).astype(np.float64)
    inv_std = 1 / np.sqrt(var + eps)
    gamma = np.ones(channels) if weight is None else weight.astype(np.float64)
    beta = np.zeros(channels) if bias is None else bias.astype(np.float64)
    scale = gamma * inv_std
    out = np.empty_like(x3)
    scale_shift(x3, scale, beta - mean * scale, relu, out)

    def vjp(grad_out):
        g3 = np.ascontiguousarray(grad_out).reshape(x3.shape)
        grad_x = np.empty_like(g3)
        sum_g, sum_gx = np.empty(channels), np.empty(channels)
        backward(g3, x3, mean, inv_std, gamma, out if relu else _NO_MASK, training, grad_x, sum_g, sum_gx)
        grad_w = None if weight is None else sum_gx.astype(weight.dtype)
        grad_b = None if bias is None else sum_g.astype(bias.dtype)
        return grad_x.reshape(x.shape), grad_w, grad_b
    return out.reshape(x.shape), vjp


_NO_MASK = np.empty((0, 0, 0), np.float32)


@defop
def _batch_norm(x, weight, bias, *, running_mean, running_var, training, momentum, eps, num_batches_tracked):
    return _normalise(x, weight, bias, running_mean, running_var, training, momentum, eps, False,
                      num_batches_tracked)


@defop
def _batch_norm_relu(x, weight, bias, *, running_mean, running_var, training, momentum, eps, num_batches_tracked):
    return _normalise(x, weight, bias, running_mean, running_var, training, momentum, eps, True,
                      num_batches_tracked)


register_fusion(("batch_norm", "relu"), _batch_norm_relu)


def _counter(value):
    if value is None:
        return None
    if not (isinstance(value, np.ndarray) and value.shape == () and value.dtype.kind == "i"):
        raise TypeError(f"batch_norm: num_batches_tracked must be a 0-d int ndarray (counted in place), "
                        f"got {type(value).__name__}")
    return value


def batch_norm_relu(x, running_mean, running_var, weight=None, bias=None, training=False, momentum=0.1,
                    eps=1e-5, *, num_batches_tracked=None):
    """``relu(batch_norm(x, ...))`` as one op: one pass for the statistics, one for normalise, affine and ReLU.

    The same operator as the composition (arguments of :func:`batch_norm`)::

        y = batch_norm(x, running_mean, running_var, weight, bias, training, momentum, eps)
        out = relu(y)

    but it never stores ``y``: the backward masks the gradient with ``out > 0`` (where ``y > 0``)
    and runs batch norm's VJP in two passes (:mod:`tconv.kernels.normalization`). The planned
    training step (:func:`tconv.compile_step`) uses it for every batch norm followed by a ReLU.

    >>> x = Tensor(np.array([[1.0], [3.0]]), requires_grad=True)        # (N=2, C=1)
    >>> out = batch_norm_relu(x, None, None, training=True, eps=0.0)
    >>> out
    Tensor([[0.],
            [1.]], grad_fn=<batch_norm_relu>)
    """
    return _batch_norm_relu(x, weight, bias, running_mean=running_mean, running_var=running_var,
                            training=bool(training), momentum=momentum, eps=eps,
                            num_batches_tracked=_counter(num_batches_tracked))


def batch_norm(x, running_mean, running_var, weight=None, bias=None, training=False, momentum=0.1,
               eps=1e-5, *, num_batches_tracked=None):
    """Batch normalisation, as ``torch.nn.functional.batch_norm`` (same argument order).

    ``x (N, C, *spatial)``; ``running_mean``, ``running_var``, ``weight`` (γ), ``bias`` (β):
    ``(C,)``. The running buffers (float ndarrays or Tensors) are updated in place when
    ``training``; they may be None in training. ``num_batches_tracked`` (a 0-d int array, a
    tconv extension) is counted up in place in training, and ``momentum=None`` then averages
    cumulatively (factor ``1 / batches``), as ``BatchNorm``'s buffer in PyTorch. Gradients flow
    to ``x``, ``weight`` and ``bias``.

    >>> x = Tensor(np.arange(8.0).reshape(2, 2, 2), requires_grad=True)   # (N=2, C=2, L=2)
    >>> y = batch_norm(x, None, None, training=True)
    >>> y.shape, bool(np.allclose(y.data.mean(axis=(0, 2)), 0))
    ((2, 2, 2), True)
    >>> batch_norm(Tensor([[3.0]]), np.array([1.0]), np.array([4.0]), eps=0.0)   # eval: (3 - 1) / sqrt(4)
    Tensor([[1.]])
    """
    return _batch_norm(x, weight, bias, running_mean=running_mean, running_var=running_var,
                       training=bool(training), momentum=momentum, eps=eps,
                       num_batches_tracked=_counter(num_batches_tracked))
