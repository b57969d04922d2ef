"""Every view of the operator, computed and compared: the check behind ``tconv explain``.

:func:`check_views` computes a geometry's convolution ``C @ x`` and transposed convolution
``C.T @ y`` every way tconv knows (each method, the explicit matrix, the reference loops,
zero insertion, the autograd's input gradient) on random float64 data and compares them with
the reference loops, closing with the adjoint identity ``<C x, y> = <x, C.T y>``.
:func:`lecture_checks` does the same against the lecture notes' printed numbers.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .. import reference
from ..geometry import ConvGeometry, conv_geometry
from ..matrix import (LECTURE_CONV, LECTURE_K, LECTURE_M, LECTURE_TRANSPOSED, LECTURE_Y, conv_matrix,
                      conv_transpose_matrix)
from ..ops import conv as _conv

__all__ = ["ViewCheck", "check_views", "check_steps", "lecture_checks", "LECTURE_M", "LECTURE_K"]



@dataclass(frozen=True)
class ViewCheck:
    """One view compared with the reference: its name, the max abs difference, pass/fail."""

    name: str
    max_abs_diff: float
    passed: bool
    note: str = ""


def _crop(array: np.ndarray, sizes) -> np.ndarray:
    return array[(Ellipsis,) + tuple(slice(0, n) for n in sizes)]


def _compare(name, value, expected, tol, note="") -> ViewCheck:
    if value.shape != expected.shape:
        return ViewCheck(name, float("inf"), False, f"shape {value.shape}, expected {expected.shape}")
    diff = float(np.max(np.abs(value - expected))) if value.size else 0.0
    return ViewCheck(name, diff, diff <= tol, note)


def check_steps(g: ConvGeometry, in_channels: int = 1, out_channels: int = 1, batch: int = 2) -> int:
    """How many Python-level loop steps :func:`check_views` runs in the reference loops.

    The direct loop and the scatter-add step once per (batch, channel, pixel) of the small side,
    each twice (as the reference and as the ``"reference"`` method); zero insertion steps once
    per pixel of the large side. About 40,000 steps take a second here.

    >>> check_steps(conv_geometry((4, 4), (3, 3)))          # 2 * (4 * 1 * 4 + 1 * 16)
    64
    """
    c_image, c_feature = (out_channels, in_channels) if g.transposed else (in_channels, out_channels)
    return batch * (4 * c_feature * math.prod(g.feature_size) + c_image * math.prod(g.image_size))


def check_views(g: ConvGeometry, in_channels: int = 1, out_channels: int = 1, groups: int = 1,
                seed: int = 0, batch: int = 2) -> list[ViewCheck]:
    """Compute the operator and its transpose every way tconv knows, on random float64 data.

    The weight ``w`` has the layout of ``C``'s convolution ``(C_feature, C_image/groups, *k)``
    (a transposed conv's weight is exactly that). ``image`` (the large side) and
    ``feature`` (the small side) are random; every conv view of ``C @ image`` is compared
    with :func:`tconv.reference.conv_direct`, every transposed view of ``C.T @ feature``
    with :func:`tconv.reference.conv_transpose_scatter`, and the adjoint identity
    ``<C image, feature> = <image, C.T feature>`` closes the loop.

    >>> all(c.passed for c in check_views(conv_geometry((4, 4), (3, 3))))
    True
    """
    rng = np.random.default_rng(seed)
    c_image, c_feature = (out_channels, in_channels) if g.transposed else (in_channels, out_channels)
    w = rng.standard_normal((c_feature, c_image // groups) + g.kernel_size)
    image = rng.standard_normal((batch, c_image) + g.image_size)
    feature = rng.standard_normal((batch, c_feature) + g.feature_size)
    n = g.ndim
    kw = dict(stride=g.stride, padding=g.padding, dilation=g.dilation, groups=groups)
    out_pad = g.restoring_output_padding()

    # C @ image: the convolution. (A transposed conv with output_padding >= stride has a conv
    # of its output size with more outputs than its input; C keeps the first ones.)
    conv_ref = _crop(reference.conv_direct(image, w, **kw), g.feature_size)
    convT_ref = reference.conv_transpose_scatter(feature, w, output_padding=out_pad, **kw)
    scale = 1e-9 * max(1.0, float(np.max(np.abs(conv_ref))), float(np.max(np.abs(convT_ref))))

    if g.transposed:   # the operator's own matrix is C.T
        C = conv_transpose_matrix(w, (c_feature,) + g.feature_size, g.stride, g.padding, out_pad, groups,
                                  g.dilation).T
        forward, backward = "conv_transpose_matrix(w, ...).T @ x", "conv_transpose_matrix(w, ...) @ y"
    else:
        C = conv_matrix(w, (c_image,) + g.image_size, g.stride, g.padding, g.dilation, groups)
        forward, backward = "conv_matrix(w, ...) @ x", "conv_matrix(w, ...).T @ y"
    flat_image, flat_feature = image.reshape(batch, -1).T, feature.reshape(batch, -1).T
    checks = [_compare(f"tconv.conv{n}d(method={m!r})",
                       _crop(getattr(_conv, f"conv{n}d")(image, w, method=m, **kw), g.feature_size),
                       conv_ref, scale) for m in _conv.available_methods()]
    checks.append(_compare(forward, (C @ flat_image).T.reshape(conv_ref.shape), conv_ref, scale))
    checks.append(_compare(backward, (C.T @ flat_feature).T.reshape(convT_ref.shape), convT_ref, scale))
    if g.transposed:
        plain = conv_geometry(g.image_size, g.kernel_size, g.stride, g.padding, g.dilation)
        if plain.feature_size == g.feature_size:
            M = conv_matrix(w, (c_image,) + g.image_size, g.stride, g.padding, g.dilation, groups)
            checks.append(_compare("conv_matrix(w, (C_out, *out)).T @ y",
                                   (M.T @ flat_feature).T.reshape(convT_ref.shape), convT_ref, scale))
    checks += [_compare(f"tconv.conv_transpose{n}d(method={m!r})",
                        getattr(_conv, f"conv_transpose{n}d")(feature, w, output_padding=out_pad, method=m,
                                                              **kw), convT_ref, scale)
               for m in _conv.available_methods()]
    checks.append(_compare("reference.conv_transpose_zero_insertion",
                           reference.conv_transpose_zero_insertion(feature, w, output_padding=out_pad, **kw),
                           convT_ref, scale))
    if not g.transposed:   # the fifth view: the autograd's input gradient of the convolution
        checks.append(_compare(f"autograd: d<conv{n}d(x), y>/dx", _input_gradient(image, w, feature, **kw),
                               convT_ref, scale))
    lhs, rhs = float(np.vdot(conv_ref, feature)), float(np.vdot(image, convT_ref))
    checks.append(ViewCheck("adjoint <C x, y> - <x, C.T y>", abs(lhs - rhs),
                            abs(lhs - rhs) <= 1e-10 * max(1.0, abs(lhs)), f"<C x, y> = {lhs:.6g}"))
    return checks


def _input_gradient(x, w, y, **kwargs) -> np.ndarray:
    """``d <conv(x, w), y> / dx`` by the autograd: it is ``C.T @ y``, a transposed convolution."""
    from ..autograd import Tensor
    from ..nn import functional

    x_t = Tensor(x, requires_grad=True)
    out = getattr(functional, f"conv{x.ndim - 2}d")(x_t, Tensor(w), **kwargs)
    (out * Tensor(y)).sum().backward()
    return x_t.grad


def lecture_checks() -> list[ViewCheck]:
    """Every view reproduces the notes' printed numbers: conv ``[[122, 148], [126, 134]]`` and
    ``C.T @ [2, 1, 4, 4]`` = ``[[2, 9, 6, 1], [6, 29, 30, 7], [10, 29, 33, 13], [12, 24, 16, 4]]``.

    >>> all(c.passed for c in lecture_checks())
    True
    """
    M, K = LECTURE_M[None, None], LECTURE_K[None, None]
    y = LECTURE_Y.reshape(1, 1, 2, 2)
    C = conv_matrix(K, (1, 4, 4))
    conv_views = {f"tconv.conv2d(M, K, method={m!r})": _conv.conv2d(M, K, method=m)[0, 0]
                  for m in _conv.available_methods()}
    conv_views["reference.conv_direct(M, K)"] = reference.conv_direct(M, K)[0, 0]
    conv_views["C @ vec(M)"] = (C @ M.reshape(-1)).reshape(2, 2)
    t_views = {f"tconv.conv_transpose2d(y, K, method={m!r})": _conv.conv_transpose2d(y, K, method=m)[0, 0]
               for m in _conv.available_methods()}
    t_views["reference.conv_transpose_scatter(y, K)"] = reference.conv_transpose_scatter(y, K)[0, 0]
    t_views["reference.conv_transpose_zero_insertion(y, K)"] = \
        reference.conv_transpose_zero_insertion(y, K)[0, 0]
    t_views["C.T @ y"] = (C.T @ LECTURE_Y).reshape(4, 4)
    t_views["autograd: d<conv2d(M, K), y>/dM"] = _input_gradient(M, K, y)[0, 0]
    tol = 1e-9
    return ([_compare(name, value, LECTURE_CONV, tol) for name, value in conv_views.items()] +
            [_compare(name, value, LECTURE_TRANSPOSED, tol) for name, value in t_views.items()])
