"""Batch normalisation layers ``BatchNorm1d/2d/3d`` with PyTorch's parameters, buffers and modes.

Parameters ``weight`` (γ, ones) and ``bias`` (β, zeros; none with ``bias=False``) when ``affine``; buffers
``running_mean`` (zeros), ``running_var`` (ones) and ``num_batches_tracked`` (an int64
scalar) when ``track_running_stats``: all five appear in ``state_dict`` under PyTorch's names.

* training: normalise with the batch statistics; update the running ones with
  ``running = (1 - momentum) * running + momentum * batch`` (unbiased batch variance), or,
  with ``momentum=None``, with the cumulative average ``1 / num_batches_tracked``;
* eval: normalise with the running statistics (no batch dependence);
* ``track_running_stats=False``: always the batch statistics, no buffers.

>>> import numpy as np
>>> from tconv import Tensor
>>> bn = BatchNorm2d(3)
>>> bn
BatchNorm2d(3, eps=1e-05, momentum=0.1, affine=True, bias=True, track_running_stats=True)
>>> list(bn.state_dict())
['weight', 'bias', 'running_mean', 'running_var', 'num_batches_tracked']
>>> y = bn(Tensor(np.arange(24.0).reshape(2, 3, 2, 2)))
>>> bn.num_batches_tracked, bn.running_mean.round(2)
(array(1), array([0.75, 1.15, 1.55], dtype=float32))
"""
from __future__ import annotations

import numpy as np

from .. import functional as F
from .. import init
from ..module import Module
from ..parameter import Parameter

__all__ = ["BatchNorm1d", "BatchNorm2d", "BatchNorm3d"]


class _BatchNorm(Module):
    _input_dims: tuple = (4,)

    def __init__(self, num_features: int, eps: float = 1e-5, momentum: float | None = 0.1, affine: bool = True,
                 track_running_stats: bool = True, *, bias: bool = True, dtype=None):
        super().__init__()
        if isinstance(num_features, bool) or not isinstance(num_features, (int, np.integer)) or num_features < 1:
            raise ValueError(f"num_features={num_features!r} must be a positive integer")
        dtype = np.dtype(np.float32 if dtype is None else dtype)
        if dtype not in (np.float32, np.float64):
            raise TypeError(f"dtype must be float32 or float64, got {dtype}")
        self.num_features = int(num_features)
        self.eps = eps
        self.momentum = momentum
        self.affine = affine
        self.track_running_stats = track_running_stats
        if affine:
            self.weight = Parameter(np.ones(num_features, dtype))
            if bias:
                self.bias = Parameter(np.zeros(num_features, dtype))
            else:
                self.register_parameter("bias", None)
        else:
            self.register_parameter("weight", None)
            self.register_parameter("bias", None)
        if track_running_stats:
            self.register_buffer("running_mean", np.zeros(num_features, dtype))
            self.register_buffer("running_var", np.ones(num_features, dtype))
            self.register_buffer("num_batches_tracked", np.zeros((), np.int64))
        else:
            self.register_buffer("running_mean", None)
            self.register_buffer("running_var", None)
            self.register_buffer("num_batches_tracked", None)

    def reset_running_stats(self) -> None:
        """Running mean 0, running variance 1, no batches seen."""
        if self.track_running_stats:
            self.running_mean[...] = 0
            self.running_var[...] = 1
            self.num_batches_tracked[...] = 0

    def reset_parameters(self) -> None:
        """Reset the running statistics, γ = 1 and β = 0."""
        self.reset_running_stats()
        if self.affine:
            init.ones_(self.weight)
            if self.bias is not None:
                init.zeros_(self.bias)

    def forward(self, input):
        ndim = len(input.shape)
        if ndim not in self._input_dims:
            expected = " or ".join(f"{d}D" for d in self._input_dims)
            raise ValueError(f"{type(self).__name__} expected {expected} input (got {ndim}D input)")
        if input.shape[1] != self.num_features:
            raise ValueError(f"{type(self).__name__}({self.num_features}) got an input with {input.shape[1]} "
                             f"channels (shape {tuple(input.shape)})")
        use_batch_stats = self.training or self.running_mean is None
        track = not self.training or self.track_running_stats
        counting = self.training and self.track_running_stats
        # the op counts the batch (and, with momentum=None, averages cumulatively): no side effect here,
        # so a planned replay (tconv.compile) does exactly what this forward does
        return F.batch_norm(input, self.running_mean if track else None, self.running_var if track else None,
                            self.weight, self.bias, use_batch_stats, self.momentum, self.eps,
                            num_batches_tracked=self.num_batches_tracked if counting else None)

    def extra_repr(self) -> str:
        return (f"{self.num_features}, eps={self.eps}, momentum={self.momentum}, affine={self.affine}, "
                f"bias={self.bias is not None}, track_running_stats={self.track_running_stats}")


class BatchNorm1d(_BatchNorm):
    """Batch norm over ``(N, C)`` or ``(N, C, L)`` inputs.

    >>> from tconv import Tensor
    >>> bn = BatchNorm1d(2)
    >>> y = bn(Tensor(np.array([[1.0, 10.0], [3.0, 30.0]])))      # (N, C)
    >>> bool(np.allclose(y.data, [[-1, -1], [1, 1]], atol=1e-4))
    True
    >>> bn.running_mean                                           # 0.9 * 0 + 0.1 * batch mean
    array([0.2, 2. ], dtype=float32)
    """

    _input_dims = (2, 3)


class BatchNorm2d(_BatchNorm):
    """Batch norm over ``(N, C, H, W)`` inputs (statistics per channel over N, H, W).

    >>> bn = BatchNorm2d(3).eval()                        # eval: running mean 0, running var 1
    >>> x = np.ones((2, 3, 4, 4), np.float32)
    >>> bool(np.allclose(bn(x).data, 1 / np.sqrt(1 + 1e-5)))
    True
    """

    _input_dims = (4,)


class BatchNorm3d(_BatchNorm):
    """Batch norm over ``(N, C, D, H, W)`` inputs.

    >>> from tconv import Tensor
    >>> bn = BatchNorm3d(2)
    >>> bn(Tensor(np.arange(108.0).reshape(2, 2, 3, 3, 3))).shape
    (2, 2, 3, 3, 3)
    """

    _input_dims = (5,)
