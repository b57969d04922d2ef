"""How much checkerboard an upsampled image holds: its phases and its spectrum at the stride's frequencies.

A stride-``s`` upsampler writes each output phase ``(a, b)`` (rows ``a::s``, columns ``b::s``)
with its own sub-kernel (:mod:`tconv.polyphase`); when the sub-kernels disagree the phases
differ, a pattern of period ``s``: the checkerboard (Odena, Dumoulin & Olah, Distill 2016).
Two measures of it, which are one measure seen twice:

* :func:`phase_means` and :func:`phase_spread`: the mean of each of the ``s²`` phases of the
  interior, and their range (tutorial 3's phase sums, on any image);
* :func:`checkerboard_energy`: the share of the image's spectral energy (mean removed) at the
  ``s² - 1`` frequencies of period ``s``, ``(a·H/s, b·W/s)`` with ``(a, b) != (0, 0)``.

They are tied by the DFT: the image's transform at ``(a·H/s, b·W/s)`` is the ``s x s`` DFT of
its phase *sums*, so the stride-frequency energy is zero exactly when all phase sums are equal.
A smooth image holds almost none there; nearest-neighbour upsampling exactly none.

>>> board = np.indices((8, 8)).sum(axis=0) % 2 * 1.0        # a pure checkerboard
>>> float(checkerboard_energy(board, 2)), float(phase_spread(board, 2))
(1.0, 1.0)
>>> smooth = np.add.outer(np.arange(8.0), np.arange(8.0))
>>> float(checkerboard_energy(np.kron(smooth, np.ones((2, 2))), 2))      # nearest upsampling: none
0.0
"""
from __future__ import annotations

import numpy as np

from ..._checks import check_int

__all__ = ["phase_means", "phase_spread", "checkerboard_energy"]


def _image(image, stride, border=0):
    array = np.asarray(image, dtype=float)
    if array.ndim < 2:
        raise ValueError(f"the image must have at least 2 axes (..., H, W); got shape {array.shape}")
    s = check_int("stride", stride, minimum=1)
    b = check_int("border", border, minimum=0)
    if b:
        array = array[..., b:array.shape[-2] - b, b:array.shape[-1] - b]
    h, w = (array.shape[-2] // s) * s, (array.shape[-1] // s) * s
    if h == 0 or w == 0:
        raise ValueError(f"an image of {array.shape[-2:]} pixels (border {b} removed) holds no whole {s} x {s} block")
    return array[..., :h, :w], s


def phase_means(image, stride: int, border: int = 0) -> np.ndarray:
    """The mean of each phase ``image[..., a::s, b::s]`` of the interior: shape ``(..., s, s)``.

    ``border`` pixels are left out on every side (zero padding darkens the border), then the
    image is cut to whole ``s x s`` blocks from its top-left corner.

    >>> phase_means(np.arange(16.0).reshape(4, 4), 2)
    array([[ 5.,  6.],
           [ 9., 10.]])
    """
    array, s = _image(image, stride, border)
    return np.stack([np.stack([array[..., a::s, b::s].mean(axis=(-2, -1)) for b in range(s)], axis=-1)
                     for a in range(s)], axis=-2)


def phase_spread(image, stride: int, border: int = 0) -> np.ndarray:
    """``max - min`` of the ``s²`` phase means of the interior: 0 when every phase agrees.

    >>> float(phase_spread(np.kron(np.ones((3, 3)), [[1.0, 2.0], [2.0, 4.0]]), 2))
    3.0
    """
    means = phase_means(image, stride, border)
    return means.max(axis=(-2, -1)) - means.min(axis=(-2, -1))


def checkerboard_energy(image, stride: int, border: int = 0) -> np.ndarray:
    """The share of ``image``'s spectral energy at the stride's frequencies (mean removed), in ``[0, 1]``.

    ``Σ |F(a·H/s, b·W/s)|² / Σ |F|²`` over ``(a, b) != (0, 0)``, ``F`` the 2-D DFT of the
    (interior of the) image with its mean removed, per image for a batch ``(..., H, W)``.
    0 for a flat image.

    >>> rng = np.random.default_rng(0)
    >>> noise = rng.standard_normal((64, 64))
    >>> round(float(checkerboard_energy(noise, 2)), 4)          # about 3 frequencies of 4095: 0.0007
    0.0006
    """
    array, s = _image(image, stride, border)
    array = array - array.mean(axis=(-2, -1), keepdims=True)
    power = np.abs(np.fft.fft2(array)) ** 2
    h, w = array.shape[-2:]
    total = power.sum(axis=(-2, -1))
    at_stride = sum(power[..., a * h // s, b * w // s] for a in range(s) for b in range(s) if (a, b) != (0, 0))
    return np.divide(at_stride, total, out=np.zeros_like(total), where=total > 0)
