"""The fast methods: which factorization of ``C`` runs for each layer.

Two exact factorizations of the convolution matrix ``C`` are implemented:
``C = (W ⊗ I)·P`` (unfold + GEMM, :mod:`tconv.methods.unfold`) and Winograd's
``Aᵀ[(G g Gᵀ) ⊙ (Bᵀ d B)]A`` per tile (:mod:`tconv.winograd` for the theory,
:mod:`tconv.methods.winograd` for batches; stride-1 3x3 and 3x3x3 only).
:func:`fast_method` builds the methods of the registry (:mod:`tconv.methods`):

* ``"numba"`` (the default): Winograd where :func:`winograd_pays`, else unfold + GEMM;
* ``"numpy"``: the same choice, with the NumPy twins of every kernel;
* ``"winograd"``: Winograd wherever it applies; ``"unfold"``: unfold + GEMM everywhere.

:func:`factorization` says which one runs for a geometry (for ``tconv explain`` and the
benchmarks). Building a method asks glibc to keep freed big blocks for reuse
(:func:`tconv.methods.runtime.keep_freed_memory`; ``TCONV_KEEP_FREED_MEMORY=0`` opts out):
fresh pages cost as much as the work.

>>> from tconv.geometry import conv_geometry
>>> factorization(conv_geometry((64, 64), (3, 3), padding=1), 16, 16)["adjoint"][:20]
'Winograd F(4x4, 3x3)'
"""
from __future__ import annotations

import math

from .. import winograd as theory
from ..geometry import ConvGeometry
from ..kernels import im2col
from . import unfold, winograd
from .base import Method, PoolKernels
from .runtime import keep_freed_memory
from .unfold import NumpyKernels, adjoint_as_convolution, is_pointwise, is_tiling

__all__ = ["winograd_pays", "winograd_tiles", "factorization", "fast_method", "FAST_METHODS"]


def winograd_pays(geometry: ConvGeometry, c_in: int, c_out: int, groups: int) -> bool:
    """Whether the default method runs the convolution ``c_in -> c_out`` on ``geometry`` with Winograd.

    ``c_in``/``c_out`` are the channels of the convolution actually computed (for an adjoint:
    ``C_feature -> C_image``). The rule, from the recipe's layers (batch 8, one thread, the
    three products of a training step; docs/benchmarks.md): Winograd when it applies
    (:func:`tconv.winograd.covers`), each group has at least 4 input and 4 output channels
    (fewer make the GEMMs degenerate and the transforms dominate) and the output has at
    least 256 points (16 x 16) per image. Measured with F(2x2, 3x3) tiles: 20-30% faster than
    unfold + GEMM at 16x16 and 32x32 (16-64 channels), 40% at 64x64; a tie at 8x8, slower at 4x4.

    >>> from tconv.geometry import conv_geometry
    >>> g = conv_geometry((64, 64), (3, 3), padding=1)
    >>> winograd_pays(g, 16, 16, 1), winograd_pays(g, 1, 16, 1)
    (True, False)
    >>> winograd_pays(conv_geometry((8, 8), (3, 3), padding=1), 64, 64, 1)
    False
    """
    return (theory.covers(geometry) and min(c_in, c_out) // groups >= 4
            and math.prod(geometry.feature_size) >= 256)


def winograd_tiles(output_size) -> tuple[int, ...]:
    """The output tile ``m`` per axis the fast methods use: F(2, 3) up to 32 outputs, F(4, 3) beyond.

    F(4, 3) needs fewer multiplications (2.25 per output against 4 in 2-D) but its 36 GEMMs per
    layer have 4x fewer columns than F(2, 3)'s 16, and on maps of 32 x 32 and less the GEMMs'
    efficiency decides: F(2x2, 3x3) measured 10-30% faster there (batch 8, one thread); at
    64 x 64 the two tie, and beyond F(4x4, 3x3) is chosen (:func:`tconv.winograd.tile_sizes`).

    >>> winograd_tiles((32, 32)), winograd_tiles((128, 128))
    ((2, 2), (4, 4))
    """
    return tuple(2 if o <= 32 else m for o, m in zip(output_size, theory.tile_sizes(output_size)))


def factorization(geometry: ConvGeometry, c_image: int, c_feature: int, groups: int = 1,
                  method: str = "numba") -> dict[str, str]:
    """Which factorization of ``C`` each product runs with a fast method, and why it is the same operator.

    Keys ``"forward"`` (``C @ x``), ``"adjoint"`` (``C.T @ y``) and ``"weight_grad"``;
    ``c_image``/``c_feature`` are the channels on the image and feature sides of ``C``.

    >>> from tconv.geometry import conv_geometry
    >>> factorization(conv_geometry((64, 64), (3, 3), padding=1), 16, 16)["forward"]
    'Winograd F(4x4, 3x3): C per tile = Aᵀ[(G g Gᵀ) ⊙ (Bᵀ d B)]A, 36 GEMMs'
    >>> factorization(conv_geometry((64, 64), (3, 3), stride=2, padding=1), 16, 16)["forward"]
    'unfold + GEMM: C = (W ⊗ I)·P'
    """
    policy = FAST_METHODS.get(method)
    if policy is None:
        raise ValueError(f"method={method!r}: factorization describes {tuple(FAST_METHODS)}")

    def winograd_text(size, flipped=False):
        m = winograd_tiles(size)
        tile = "x".join(str(v) for v in m)
        points = math.prod(v + 2 for v in m)
        what = ("C.T is the stride-1 convolution with the flipped, channel-swapped kernel, per tile"
                if flipped else "C per tile =")
        return f"Winograd F({tile}, {'x'.join('3' * len(m))}): {what} Aᵀ[(G g Gᵀ) ⊙ (Bᵀ d B)]A, {points} GEMMs"

    unfold_text = "unfold + GEMM: C = (W ⊗ I)·P"
    if is_pointwise(geometry):
        unfold_text = "GEMM: 1x1 kernel, P = I"
    elif is_tiling(geometry):
        unfold_text = "GEMM + reshape: kernel == stride, P is a permutation"
    forward_wino = _use_winograd(policy, geometry, c_image, c_feature, groups)
    adjoint_wino = _use_winograd(policy, geometry, c_feature, c_image, groups)
    adjoint_unfold = ("fold(Wᵀ @ y): C.T = Pᵀ·(Wᵀ ⊗ I)" if not adjoint_as_convolution(geometry, c_feature, c_image)
                      else "unfold + GEMM of the flipped kernel (stride 1: C.T is a convolution)")
    return {"forward": winograd_text(geometry.feature_size) if forward_wino else unfold_text,
            "adjoint": (winograd_text(geometry.image_size, flipped=True) if adjoint_wino
                        else adjoint_unfold if not is_pointwise(geometry) and not is_tiling(geometry)
                        else unfold_text),
            "weight_grad": ("Winograd: Gᵀ[Σ_tiles (A dY Aᵀ) ⊙ V]G, reusing the forward's tiles V" if forward_wino
                            else "GEMM with the forward's columns: dW = Σ_n dY[n] @ unfold(x)[n].T")}


#: How each fast method uses Winograd: only where it pays (the default), always, or never.
FAST_METHODS = {"numba": "auto", "numpy": "auto", "winograd": "always", "unfold": "never"}


def _use_winograd(policy: str, geometry: ConvGeometry, c_in: int, c_out: int, groups: int) -> bool:
    if policy == "always":
        return theory.covers(geometry)
    return policy == "auto" and winograd_pays(geometry, c_in, c_out, groups)


def _dispatching(policy: str, kernels, winograd_kernels):
    """``(forward, adjoint, weight_grad)`` picking Winograd or unfold + GEMM per call (:func:`_use_winograd`)."""

    def forward_(image, weight, geometry, groups, keep_cols=None):
        if _use_winograd(policy, geometry, image.shape[1], weight.shape[0], groups):
            return winograd.forward(image, weight, geometry, groups, winograd_kernels, keep_cols,
                                    tiles=winograd_tiles(geometry.feature_size))
        return unfold.forward(image, weight, geometry, groups, kernels, keep_cols)

    def adjoint_(feature, weight, geometry, groups):
        if _use_winograd(policy, geometry, weight.shape[0], weight.shape[1] * groups, groups):
            return winograd.adjoint(feature, weight, geometry, groups, winograd_kernels,
                                    tiles=winograd_tiles(geometry.image_size))
        return unfold.adjoint(feature, weight, geometry, groups, kernels)

    def weight_grad_(image, feature, geometry, groups, cols=None):
        if _use_winograd(policy, geometry, image.shape[1], feature.shape[1], groups):
            return winograd.weight_grad(image, feature, geometry, groups, winograd_kernels, cols,
                                        tiles=winograd_tiles(geometry.feature_size))
        return unfold.weight_grad(image, feature, geometry, groups, kernels, cols)

    return forward_, adjoint_, weight_grad_


def fast_method(name: str) -> Method:
    """The :class:`~tconv.methods.base.Method` ``"numba"``, ``"numpy"``, ``"winograd"`` or ``"unfold"`` (module docstring).

    >>> fast_method("numpy").keeps_columns
    True
    """
    if name not in FAST_METHODS:
        raise ValueError(f"tconv.methods.choice builds the methods {tuple(FAST_METHODS)}, not {name!r}")
    keep_freed_memory()             # reuse freed big blocks: fresh pages cost as much as the work
    if name == "numpy":
        from ..kernels import pool_numpy as pool
        from ..kernels import winograd as transforms

        class _NumpyTransforms:
            tile_transform = staticmethod(transforms.tile_transform_numpy)
            output_transform = staticmethod(transforms.output_transform_numpy)

        kernels, winograd_kernels = NumpyKernels, _NumpyTransforms
    else:
        from ..kernels import pool
        from ..kernels import winograd as winograd_kernels

        kernels = im2col
    pooling = PoolKernels(pool.max_pool, pool.max_pool_backward, pool.avg_pool, pool.avg_pool_backward)
    forward, adjoint, weight_grad = _dispatching(FAST_METHODS[name], kernels, winograd_kernels)
    return Method(forward, adjoint, weight_grad, keeps_columns=True, pool=pooling, resize="matrix")
