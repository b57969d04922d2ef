"""The interface every way of computing tconv's operators provides: :class:`Method`.

A convolution method is three products of one matrix ``C`` (image -> feature) on validated,
batched arrays: ``C @ x`` (a convolution), ``C.T @ y`` (a transposed convolution, and the
convolution's input gradient) and the weight gradient. Pooling has no matrix of its own
worth building, so a method carries the pooling kernels it runs with (:class:`PoolKernels`),
and says how it resizes. The registry (:mod:`tconv.methods`) maps names to methods.
"""
from __future__ import annotations

from typing import Callable, NamedTuple

import numpy as np

__all__ = ["Method", "PoolKernels", "numpy_pool"]


class PoolKernels(NamedTuple):
    """The four pooling kernels (:mod:`tconv.kernels.pool` signatures, on the 5-D layout)."""

    max_pool: Callable
    max_pool_backward: Callable
    avg_pool: Callable
    avg_pool_backward: Callable


class Method(NamedTuple):
    """One way of computing the operators, on validated batched arrays.

    Convolution, three products of one matrix ``C`` (image -> feature):

    * ``forward(image, weight, geometry, groups)``: ``C @ image`` -> ``(N, C_out, *feature)``;
      a convolution.
    * ``adjoint(feature, weight, geometry, groups)``: ``C.T @ feature`` -> ``(N, C_in, *image)``;
      a transposed convolution, and the input gradient of ``forward``.
    * ``weight_grad(image, feature, geometry, groups)``: ``d<feature, C @ image>/d weight``,
      i.e. ``grad_w[k] = sum over the nonzeros of C holding weight k of feature[row] * image[col]``;
      shape of the conv-layout weight.

    ``weight`` always has the conv layout ``(C_feature, C_image/groups, *k)``; a transposed
    convolution's weight ``(C_in, C_out/groups, *k)`` is exactly that for its own ``C``.
    ``keeps_columns``: ``forward(..., keep_cols=list)`` can keep its unfolded input for
    ``weight_grad(..., cols=list)`` (one unfold saved per training step). ``pool``: the
    pooling kernels; ``resize``: ``"matrix"`` or ``"gather"`` (see the module table).

    >>> from tconv.geometry import conv_geometry
    >>> from tconv.methods import get_method
    >>> m, g = get_method("matrix"), conv_geometry((4,), (3,))
    >>> m.forward(np.ones((1, 1, 4)), np.ones((1, 1, 3)), g, 1)          # C @ x
    array([[[3., 3.]]])
    >>> m.adjoint(np.ones((1, 1, 2)), np.ones((1, 1, 3)), g, 1)          # C.T @ y
    array([[[1., 2., 2., 1.]]])
    >>> m.weight_grad(np.arange(4.0)[None, None], np.ones((1, 1, 2)), g, 1)
    array([[[1., 3., 5.]]])
    """

    forward: Callable
    adjoint: Callable
    weight_grad: Callable
    keeps_columns: bool = False
    pool: PoolKernels | None = None
    resize: str = "matrix"


def numpy_pool() -> PoolKernels:
    """The NumPy twins of the pooling kernels (:mod:`tconv.kernels.pool_numpy`): any method's fallback.

    >>> numpy_pool().max_pool.__module__
    'tconv.kernels.pool_numpy'
    """
    from ..kernels import pool_numpy

    return PoolKernels(pool_numpy.max_pool, pool_numpy.max_pool_backward, pool_numpy.avg_pool,
                       pool_numpy.avg_pool_backward)
