"""The checkerboard lab (Odena, Dumoulin & Olah, "Deconvolution and Checkerboard Artifacts", Distill 2016).

A transposed convolution with kernel ``k`` and stride ``s`` paints one ``k``-wide copy of
the kernel per input pixel, ``s`` apart; where ``k mod s != 0`` the copies overlap unevenly.

* :func:`overlap_counts`: how many copies land on each output pixel (ones through a ones
  kernel, computed by :func:`tconv.conv_transpose1d` / ``2d``); in 2-D it is the outer product
  of the 1-D counts;
* :func:`upsampling_outputs`: a constant image upsampled by a randomly initialised transposed
  convolution, by resize + convolution, and by a bilinear-initialised transposed convolution
  (:func:`tconv.nn.init.bilinear_`), with each interior's spread;
* :func:`gradient_maps`: the input gradient of a strided convolution (its backward pass is a
  transposed convolution) has the same pattern.

The figures of these numbers are in :mod:`tconv.viz.overlap_plots`.
"""
from __future__ import annotations

import numpy as np

from ..ops import conv as _conv
from ..nn.init import bilinear_
from ..ops.resize import interpolate

__all__ = ["overlap_counts", "upsampling_outputs", "gradient_maps", "interior_spread", "check_lab_arguments"]

#: Sizes beyond which the lab's pictures stop being readable.
MAX_KERNEL, MAX_STRIDE, MAX_LENGTH = 9, 6, 24


def check_lab_arguments(kernel_size, stride, length=None):
    """``ValueError`` unless kernel size, stride (and length) are ints in the lab's readable range.

    >>> check_lab_arguments(3, 2, 8)
    >>> check_lab_arguments(3, 0)
    Traceback (most recent call last):
    ...
    ValueError: stride=0 must be an int from 1 to 6 for the checkerboard lab
    """
    for name, value, top in (("kernel_size", kernel_size, MAX_KERNEL), ("stride", stride, MAX_STRIDE)) + \
            ((("length", length, MAX_LENGTH),) if length is not None else ()):
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or not 1 <= value <= top:
            raise ValueError(f"{name}={value!r} must be an int from 1 to {top} for the checkerboard lab")


def overlap_counts(kernel_size: int, stride: int, length: int = 8, ndim: int = 1) -> np.ndarray:
    """How many kernel copies a transposed convolution lays on each output pixel.

    The transposed convolution of ``length`` ones (``length`` x ``length`` in 2-D) with a
    kernel of ones, no padding: shape ``(length - 1) * stride + kernel_size`` per axis.

    >>> overlap_counts(3, 2).astype(int).tolist()
    [1, 1, 2, 1, 2, 1, 2, 1, 2, 1, 2, 1, 2, 1, 2, 1, 1]
    >>> sorted(set(overlap_counts(3, 2, 4, ndim=2).ravel().tolist()))
    [1.0, 2.0, 4.0]
    """
    check_lab_arguments(kernel_size, stride, length)
    if ndim not in (1, 2):
        raise ValueError(f"ndim={ndim!r} must be 1 or 2")
    shape = (1, 1) + (length,) * ndim
    weight = np.ones((1, 1) + (kernel_size,) * ndim)
    function = _conv.conv_transpose1d if ndim == 1 else _conv.conv_transpose2d
    return function(np.ones(shape), weight, stride=stride)[0, 0]


def interior_spread(image: np.ndarray, border: int) -> float:
    """``(max - min) / mean`` of ``image`` without a ``border``-pixel frame: 0 for a flat interior.

    >>> interior_spread(np.array([[1., 3.], [1., 3.]]), 0), interior_spread(np.full((5, 5), 2.0), 1)
    (1.0, 0.0)
    """
    core = image[(slice(border, image.shape[0] - border),) * 2] if border else image
    if core.size == 0:
        core = image
    return float((core.max() - core.min()) / core.mean())


def _random_kernel(kernel_size: int, seed: int) -> np.ndarray:
    """A positive random kernel (uniform 0.5..1.5), as a freshly trained-looking layer might hold."""
    return np.random.default_rng(seed).uniform(0.5, 1.5, size=(1, 1, kernel_size, kernel_size))


def _fcn_geometry(stride: int) -> tuple[int, int]:
    """FCN's bilinear upsampler for factor ``s``: kernel ``2s - s mod 2``, padding ``ceil((s - 1) / 2)``."""
    return 2 * stride - stride % 2, (stride - 1 + 1) // 2


def _learned(ones, kernel_size, stride, seed):
    """A transposed convolution with random positive weights, padded so that it magnifies by ``stride``."""
    pad = max(0, -(-(kernel_size - stride) // 2))
    extra = 2 * pad - (kernel_size - stride)
    return _conv.conv_transpose2d(ones, _random_kernel(kernel_size, seed), stride=stride, padding=pad,
                                  output_padding=extra)[0, 0]


def upsampling_outputs(kernel_size: int = 3, stride: int = 2, size: int = 8, seed: int = 0) -> list[dict]:
    """A constant ``size`` x ``size`` image upsampled by ``stride``, every common way.

    Each entry: ``name``, ``image`` (the output, ``size * stride`` square), ``border`` (the
    frame that zero padding darkens, the same for every entry) and ``spread``
    (:func:`interior_spread`). In order:

    1. a transposed convolution (``kernel_size``, ``stride``) with random positive weights;
    2. when ``kernel_size`` is not a multiple of ``stride``: the same with the next kernel size
       that is (the first remedy: even overlap, but a random kernel's phases still differ);
    3. nearest resize by ``stride``, then a stride-1 convolution with random weights;
    4. a transposed convolution initialised by :func:`tconv.nn.init.bilinear_` (FCN).

    >>> [round(e["spread"], 3) for e in upsampling_outputs(3, 2)]
    [1.109, 0.442, 0.0, 0.0]
    """
    check_lab_arguments(kernel_size, stride)
    if stride < 2:
        raise ValueError(f"stride={stride} must be at least 2: the lab compares ways to upsample")
    ones = np.ones((1, 1, size, size))
    k_fcn, p_fcn = _fcn_geometry(stride)
    entries = [(f"transposed conv, random weights\nkernel {kernel_size}, stride {stride}",
                _learned(ones, kernel_size, stride, seed))]
    if kernel_size % stride:
        divisible = kernel_size + stride - kernel_size % stride
        entries.append((f"transposed conv, random weights\nkernel {divisible} (a multiple of the stride)",
                        _learned(ones, divisible, stride, seed)))
    resized = interpolate(ones, scale_factor=stride, mode="nearest")
    entries.append((f"nearest resize ×{stride} + conv\nkernel {kernel_size}, stride 1",
                    _conv.conv2d(resized, _random_kernel(kernel_size, seed), padding="same")[0, 0]))
    bilinear = bilinear_(np.empty((1, 1, k_fcn, k_fcn)))
    entries.append((f"transposed conv, bilinear init\nkernel {k_fcn}, stride {stride}, padding {p_fcn}",
                    _conv.conv_transpose2d(ones, bilinear, stride=stride, padding=p_fcn)[0, 0]))
    border = max(kernel_size + stride, k_fcn)
    border = min(border, (size * stride - 2) // 2)
    return [{"name": name, "image": image, "border": border, "spread": interior_spread(image, border)}
            for name, image in entries]


def gradient_maps(kernel_size: int = 3, stride: int = 2, size: int = 16, seed: int = 0) -> list[dict]:
    """The input gradient of ``sum(conv2d(x, w, stride))`` for the strided and the stride-1 convolution.

    Computed by the autograd; it equals ``conv_transpose2d(ones, w, stride)`` (``C.T @ 1``),
    so it shows the transposed convolution's overlap pattern. Entries as :func:`upsampling_outputs`.

    >>> [e["spread"] > 0.1 for e in gradient_maps()]
    [True, False]
    """
    from ..autograd import Tensor
    from ..nn import functional

    check_lab_arguments(kernel_size, stride)
    w = _random_kernel(kernel_size, seed)
    entries = []
    for s in (stride, 1):
        x = Tensor(np.random.default_rng(seed + 1).random((1, 1, size, size)), requires_grad=True)
        functional.conv2d(x, Tensor(w), stride=s).sum().backward()
        entries.append({"name": f"stride {s}: d sum(conv(x)) / dx", "image": x.grad[0, 0], "border": kernel_size,
                        "spread": interior_spread(x.grad[0, 0], kernel_size)})
    return entries
