"""Slow definitions written to be read: three views of (transposed) convolution.

Each function takes a batch ``(N, C, *spatial)`` with 1, 2 or 3 spatial axes and
PyTorch's arguments, and is a few dozen lines of plain loops a student can step
through. They are the library's own oracles: every fast path is tested against them.

* :func:`conv_direct`: cross-correlation, one output pixel at a time (the definition);
* :func:`conv_transpose_scatter`: each input pixel paints a weighted copy of the kernel
  into the output (d2l's view);
* :func:`conv_transpose_zero_insertion`: insert ``s-1`` zeros between input pixels, pad
  ``k̂-1-p`` (plus ``output_padding`` after), and run a stride-1 :func:`conv_direct` with
  the kernel rotated 180° and in/out channels swapped (Dumoulin & Visin 2016's view).
"""
from __future__ import annotations

import numpy as np

from .geometry import conv_geometry, conv_transpose_geometry
from .layout import flip_and_swap

__all__ = ["conv_direct", "conv_transpose_scatter", "conv_transpose_zero_insertion", "conv_weight_grad",
           "flip_and_swap", "pad_or_crop"]


def pad_or_crop(x: np.ndarray, pads) -> np.ndarray:
    """Pad the spatial axes of ``(N, C, *spatial)`` with zeros; negative amounts crop.

    >>> pad_or_crop(np.ones((1, 1, 3)), [(1, -1)])
    array([[[0., 1., 1.]]])
    """
    grow = [(0, 0), (0, 0)] + [(max(b, 0), max(a, 0)) for b, a in pads]
    x = np.pad(x, grow)
    crop = tuple(slice(max(-b, 0), n - max(-a, 0)) for (b, a), n in zip(pads, x.shape[2:]))
    return x[(slice(None), slice(None)) + crop]


def conv_direct(x, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    """Convolution (cross-correlation) by its definition, one output pixel at a time.

    ``y[n, co, *o] = bias[co] + sum_{ci in group(co), t} x_pad[n, ci, *(o*s + t*d)] * w[co, ci', *t]``

    Shapes: ``x (N, C_in, *in)``, ``weight (C_out, C_in/groups, *k)`` -> ``(N, C_out, *out)``.

    >>> X = np.arange(9.0).reshape(1, 1, 3, 3)
    >>> conv_direct(X, np.array([[[[1., 2.], [3., 4.]]]]))[0, 0]
    array([[27., 37.],
           [57., 67.]])
    """
    geometry = conv_geometry(x.shape[2:], weight.shape[2:], stride, padding, dilation)
    x_pad = pad_or_crop(x, geometry.padding)
    batch, c_out = x.shape[0], weight.shape[0]
    c_in_group, c_out_group = weight.shape[1], c_out // groups
    out = np.zeros((batch, c_out) + geometry.output_size, dtype=x.dtype)
    for n in range(batch):
        for co in range(c_out):
            g = co // c_out_group
            x_group = x_pad[n, g * c_in_group:(g + 1) * c_in_group]
            for o in np.ndindex(*geometry.output_size):
                # The window this output pixel sees: start o*s, every d-th pixel, k of them.
                window = tuple(slice(oi * s, oi * s + d * (k - 1) + 1, d) for oi, s, d, k in
                               zip(o, geometry.stride, geometry.dilation, geometry.kernel_size))
                out[(n, co) + o] = np.sum(x_group[(slice(None),) + window] * weight[co])
    if bias is not None:
        out += bias.reshape((1, c_out) + (1,) * geometry.ndim)
    return out


def conv_transpose_scatter(x, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1,
                           dilation=1, output_size=None):
    """Transposed convolution as scatter-add: every input pixel paints a weighted kernel.

    Input pixel ``m`` of channel ``ci`` adds ``x[n, ci, *m] * w[ci, co', *t]`` at output
    position ``m*s - p_before + t*d``. We paint on an uncropped canvas and crop
    ``p_before`` from the start afterwards (the output keeps ``output_size`` pixels).

    Shapes: ``x (N, C_in, *in)``, ``weight (C_in, C_out/groups, *k)`` -> ``(N, C_out, *out)``.

    >>> X = np.array([[[[0., 1.], [2., 3.]]]])
    >>> conv_transpose_scatter(X, X, stride=2)[0, 0]
    array([[0., 0., 0., 1.],
           [0., 0., 2., 3.],
           [0., 2., 0., 3.],
           [4., 6., 6., 9.]])
    """
    geometry = conv_transpose_geometry(x.shape[2:], weight.shape[2:], stride, padding, output_padding,
                                       dilation, output_size)
    batch, c_in = x.shape[:2]
    c_in_group, c_out_group = c_in // groups, weight.shape[1]
    c_out = c_out_group * groups
    k_hat = geometry.effective_kernel
    canvas_size = tuple(max(b + o, (i - 1) * s + kh) for (b, _), o, i, s, kh in
                        zip(geometry.padding, geometry.output_size, geometry.input_size,
                            geometry.stride, k_hat))
    canvas = np.zeros((batch, c_out) + canvas_size, dtype=x.dtype)
    for n in range(batch):
        for ci in range(c_in):
            g = ci // c_in_group
            for m in np.ndindex(*geometry.input_size):
                window = tuple(slice(mi * s, mi * s + kh, d) for mi, s, kh, d in
                               zip(m, geometry.stride, k_hat, geometry.dilation))
                target = canvas[n, g * c_out_group:(g + 1) * c_out_group]
                target[(slice(None),) + window] += x[(n, ci) + m] * weight[ci]
    crop = tuple(slice(b, b + o) for (b, _), o in zip(geometry.padding, geometry.output_size))
    out = canvas[(slice(None), slice(None)) + crop].copy()
    if bias is not None:
        out += bias.reshape((1, c_out) + (1,) * geometry.ndim)
    return out


def conv_transpose_zero_insertion(x, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1,
                                  dilation=1, output_size=None):
    """Transposed convolution as a plain convolution (Dumoulin & Visin 2016, section 4).

    1. insert ``s-1`` zeros between neighbouring input pixels;
    2. pad ``k̂-1-p_before`` before and ``k̂-1-p_after+a`` after (negative crops);
    3. convolve with stride 1, dilation ``d`` and the flipped, channel-swapped kernel.

    >>> X = np.array([[[[0., 1.], [2., 3.]]]])
    >>> conv_transpose_zero_insertion(X, X, padding=1)[0, 0]
    array([[4.]])
    """
    geometry = conv_transpose_geometry(x.shape[2:], weight.shape[2:], stride, padding, output_padding,
                                       dilation, output_size)
    equivalent = geometry.equivalent_conv()
    stuffed = np.zeros(x.shape[:2] + equivalent["stuffed_size"], dtype=x.dtype)
    stuffed[(slice(None), slice(None)) + tuple(slice(None, None, s) for s in geometry.stride)] = x
    padded = pad_or_crop(stuffed, equivalent["padding"])
    return conv_direct(padded, flip_and_swap(weight, groups), bias, stride=1, padding=0,
                       dilation=geometry.dilation, groups=groups)


def conv_weight_grad(x, grad_out, kernel_size, stride=1, padding=0, dilation=1, groups=1):
    """Gradient of ``sum(grad_out * conv_direct(x, w))`` with respect to ``w``, by its definition.

    ``grad_w[co, ci', *t] = sum_{n, o} grad_out[n, co, *o] * x_pad[n, ci, *(o*s + t*d)]``: every
    kernel tap collects the input pixels it multiplied, weighted by the output's gradient.

    Shapes: ``x (N, C_in, *in)``, ``grad_out (N, C_out, *out)`` -> ``(C_out, C_in/groups, *k)``.

    >>> X = np.arange(9.0).reshape(1, 1, 3, 3)
    >>> conv_weight_grad(X, np.ones((1, 1, 2, 2)), (2, 2))[0, 0]
    array([[ 8., 12.],
           [20., 24.]])
    """
    geometry = conv_geometry(x.shape[2:], kernel_size, stride, padding, dilation)
    x_pad = pad_or_crop(x, geometry.padding)
    c_out = grad_out.shape[1]
    c_in_group, c_out_group = x.shape[1] // groups, c_out // groups
    grad = np.zeros((c_out, c_in_group) + geometry.kernel_size, dtype=x.dtype)
    for co in range(c_out):
        g = co // c_out_group
        x_group = x_pad[:, g * c_in_group:(g + 1) * c_in_group]
        for t in np.ndindex(*geometry.kernel_size):
            # The input pixels tap t met, one per output pixel: start t*d, step s.
            seen = tuple(slice(ti * d, ti * d + (o - 1) * s + 1, s) for ti, d, s, o in
                         zip(t, geometry.dilation, geometry.stride, geometry.output_size))
            patch = x_group[(slice(None), slice(None)) + seen]       # (N, C_in/g, *out)
            weights = grad_out[:, co][:, None]                        # (N, 1, *out)
            grad[(co, slice(None)) + t] = np.sum(patch * weights, axis=(0,) + tuple(range(2, patch.ndim)))
    return grad
