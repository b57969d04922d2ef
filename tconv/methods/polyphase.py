"""The polyphase method: ``C`` as ``s^d`` stride-1 convolutions with sub-kernels (``method="polyphase"``).

:mod:`tconv.polyphase` splits the image positions of a stride-``s`` geometry into phases
``j ≡ c (mod s)``; on each phase the operator is a stride-1 convolution with the sub-kernel of
the taps that reach it (:func:`tconv.polyphase.phases`). This method computes the three
products that way, each phase with the unfold + GEMM of :mod:`tconv.methods.unfold`:

* ``C @ x`` (convolution): ``y = Σ_c conv_1(x[c::s], w_c)``;
* ``C.T @ y`` (transposed convolution): output phase ``c`` is the stride-1 convolution of ``y``
  with the flipped, channel-swapped sub-kernel ``w_c``, written into ``x[c::s]``: no fold
  (scatter-add) and no product with an inserted zero;
* the weight gradient: each sub-kernel's gradient is that of its stride-1 convolution, put
  back at the sub-kernel's taps.

With stride 1 there is one phase and this is unfold + GEMM. The tests hold it to the
explicit matrix like every method (``tests/test_views.py``).

>>> import numpy as np, tconv
>>> y = np.arange(4.0).reshape(1, 1, 2, 2)
>>> w = np.ones((1, 1, 4, 4))
>>> np.array_equal(tconv.conv_transpose2d(y, w, stride=2, padding=1, method="polyphase"),
...                tconv.conv_transpose2d(y, w, stride=2, padding=1, method="matrix"))
True
"""
from __future__ import annotations

import numpy as np

from ..geometry import ConvGeometry
from ..kernels import im2col
from ..layout import flip_and_swap
from ..polyphase import phases, sub_kernel
from . import unfold
from .base import Method, PoolKernels

__all__ = ["forward", "adjoint", "weight_grad", "phase_adjoint_geometry", "polyphase_method"]


def _spatial(index: tuple) -> tuple:
    return (slice(None), slice(None)) + index


def forward(image, weight, geometry: ConvGeometry, groups: int):
    """``C @ image`` as the sum over the image's phases of stride-1 convolutions: ``(N, C_out, *feature)``.

    >>> from tconv.geometry import conv_geometry
    >>> forward(np.arange(5.0).reshape(1, 1, 5), np.ones((1, 1, 3)), conv_geometry((5,), (3,), stride=2), 1)
    array([[[3., 9.]]])
    """
    n = image.shape[0]
    out = np.zeros((n, weight.shape[0]) + geometry.feature_size, dtype=image.dtype)
    for phase in phases(geometry):
        part = np.ascontiguousarray(image[_spatial(phase.image_index)])
        out[_spatial(phase.feature_index)] += unfold.forward(part, sub_kernel(weight, phase), phase.geometry, groups,
                                                             im2col)
    return out


def phase_adjoint_geometry(geometry: ConvGeometry) -> ConvGeometry:
    """The stride-1 convolution equal to the transpose of the stride-1 ``geometry`` (feature -> image).

    Padding ``k̂ - 1 - p`` on each side, the same dilation; with the flipped, channel-swapped
    kernel it computes ``C.T @ y`` (the paper's view without zeros to insert: stride 1).

    >>> from tconv.geometry import conv_geometry
    >>> phase_adjoint_geometry(conv_geometry((5,), (2,), padding=((1, 0),))).padding
    ((0, 1),)
    """
    pads = tuple((kh - 1 - b, kh - 1 - a) for (b, a), kh in zip(geometry.padding, geometry.effective_kernel))
    return ConvGeometry(geometry.feature_size, geometry.image_size, geometry.kernel_size, geometry.stride, pads,
                        geometry.dilation, (0,) * geometry.ndim)


def adjoint(feature, weight, geometry: ConvGeometry, groups: int):
    """``C.T @ feature``: each image phase a stride-1 convolution of ``feature``, interleaved: ``(N, C_img, *image)``.

    >>> from tconv.geometry import conv_transpose_geometry
    >>> adjoint(np.ones((1, 1, 2)), np.array([[[1.0, 2.0, 3.0, 4.0]]]), conv_transpose_geometry((2,), (4,), 2, 1), 1)
    array([[[2., 4., 6., 3.]]])
    """
    n = feature.shape[0]
    out = np.zeros((n, weight.shape[1] * groups) + geometry.image_size, dtype=feature.dtype)
    for phase in phases(geometry):
        part = np.ascontiguousarray(feature[_spatial(phase.feature_index)])
        flipped = flip_and_swap(sub_kernel(weight, phase), groups)
        out[_spatial(phase.image_index)] = unfold.forward(part, flipped, phase_adjoint_geometry(phase.geometry),
                                                          groups, im2col)
    return out


def weight_grad(image, feature, geometry: ConvGeometry, groups: int):
    """``d<feature, C @ image>/dw``: each sub-kernel's gradient from its stride-1 convolution, put at its taps.

    >>> from tconv.geometry import conv_geometry
    >>> weight_grad(np.arange(5.0).reshape(1, 1, 5), np.ones((1, 1, 2)), conv_geometry((5,), (3,), stride=2), 1)
    array([[[2., 4., 6.]]])
    """
    c_feature = feature.shape[1]
    grad = np.zeros((c_feature, image.shape[1] // groups) + geometry.kernel_size, dtype=image.dtype)
    for phase in phases(geometry):
        part = np.ascontiguousarray(image[_spatial(phase.image_index)])
        grad_phase = unfold.weight_grad(part, np.ascontiguousarray(feature[_spatial(phase.feature_index)]),
                                        phase.geometry, groups, im2col)
        grad[_spatial(np.ix_(*[np.asarray(t) for t in phase.taps]))] = grad_phase
    return grad


def polyphase_method() -> Method:
    """The :class:`~tconv.methods.base.Method` registered as ``"polyphase"`` (Numba kernels; built on first use).

    >>> polyphase_method().forward is forward
    True
    """
    from ..kernels import pool

    return Method(forward, adjoint, weight_grad, keeps_columns=False,
                  pool=PoolKernels(pool.max_pool, pool.max_pool_backward, pool.avg_pool, pool.avg_pool_backward),
                  resize="matrix")
