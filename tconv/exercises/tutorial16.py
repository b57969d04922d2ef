"""Graders of tutorial 16, checkerboards in a trained network.

* 16.1: which decoders can paint a checkerboard on a flat input (all but resize + convolution);
* 16.2: the checkerboard energy share of a 4x4 image, from its phase sums;
* 16.3: the four phase values of a pixel-shuffle layer's output for a flat input.
"""
from __future__ import annotations

import numpy as np

from ..seg.metrics.checkerboard import checkerboard_energy
from ..seg.train.decoders import DECODERS
from .compare import as_array, same_array, same_number
from .core import exercise, not_yet, right

__all__ = []


def _within(answer, expected: float, share: float) -> bool:
    """Whether ``answer`` is a number within ``share`` of ``expected`` (a rounded answer's hint)."""
    try:
        return abs(float(answer) - expected) < share * abs(expected)
    except (TypeError, ValueError):
        return False

#: The tutorial's image: a ramp plus stripes.
IMAGE = np.add.outer(np.arange(4.0), np.arange(4.0)) + np.array([[0.0, 1.0] * 2, [1.0, 0.0] * 2] * 2)


@exercise("16.1", "decoders that can stripe a flat input", answer="a set of decoder names")
def can_stripe(answer):
    if isinstance(answer, (str, bytes, dict)) or not hasattr(answer, "__iter__"):
        return not_yet("Answer a set of names, e.g. {\"k3s2\", ...}.")
    try:
        given = {str(name).strip().lower() for name in answer}
    except TypeError:
        return not_yet("Answer a set of names.")
    unknown = given - set(DECODERS)
    if unknown:
        return not_yet(f"{', '.join(sorted(unknown))}: not a decoder of the tutorial ({', '.join(DECODERS)}).")
    expected = set(DECODERS) - {"resize"}
    if given == expected:
        return right()
    if "resize" in given:
        return not_yet("Resize + convolution cannot: on a flat input every output pixel sees all nine taps, one "
                       "kernel for every phase.")
    if "shuffle_icnr" not in given:
        return not_yet("ICNR only *starts* with equal sub-kernels; its weights are as free as the random "
                       "pixel shuffle's.")
    return not_yet("A decoder with a sub-kernel per phase is missing: which ones have phases that can disagree?")


@exercise("16.2", "a checkerboard energy share from phase sums", answer="a number between 0 and 1")
def energy_share(answer):
    expected = float(checkerboard_energy(IMAGE, 2))
    sums = np.array([[IMAGE[a::2, b::2].sum() for b in range(2)] for a in range(2)])
    at_stride = float((np.abs(np.fft.fft2(sums)) ** 2).sum() - sums.sum() ** 2)   # the three stride frequencies
    centred = float(((IMAGE - IMAGE.mean()) ** 2).sum())
    verdict = same_number(answer, expected, name="your share", atol=5e-4, mistakes=[
        (1.0, "Not all of the energy: the ramp has energy at other frequencies."),
        (at_stride / (IMAGE.size * float((IMAGE ** 2).sum())), "Divide by the energy with the mean removed "
                                                               "(the mean is the zero frequency, not a stripe)."),
        (at_stride / centred, "A share is at most 1: the spectrum's energy is N times the pixels' (Parseval, "
                              "N = 16 pixels)."),
        (at_stride / 16 / (IMAGE.size * centred), "The DFT identity holds for the phase *sums*, not their means."),
    ])
    if verdict[0] != "right" and _within(answer, expected, 0.01):
        return not_yet("Close, but not to three decimals: round only at the end.")
    return verdict


@exercise("16.3", "a pixel shuffle's phases on a flat input", answer="a 2x2 array, phase (i, j) at [i, j]",
          given=("w", "b", "v"))
def shuffle_phases(answer, w, b, v):
    w, b = np.asarray(w, dtype=float), np.asarray(b, dtype=float)
    expected = (float(v) * w.sum(axis=(1, 2, 3)) + b).reshape(2, 2)
    try:
        array = as_array(answer, "your phases")
    except TypeError as error:
        return not_yet(f"{error}.")
    if array.shape == (2, 2) and np.allclose(array, expected.T):
        return not_yet("Transposed: channel i·2 + j goes to phase (i, j), rows first.")
    if array.shape == (2, 2) and np.allclose(array, (float(v) * w.sum(axis=(1, 2, 3))).reshape(2, 2)):
        return not_yet("The bias is missing.")
    if array.shape == (2, 2) and np.allclose(array, (w.sum(axis=(1, 2, 3)) + b).reshape(2, 2)):
        return not_yet("Each of the 8·3·3 taps multiplies the input's value v.")
    if array.shape == (2, 2) and np.allclose(array, (float(v) * w[:, :, 1, 1].sum(axis=1) + b).reshape(2, 2)):
        return not_yet("In the interior every tap of the 3 x 3 kernel sees the flat value, not only the centre.")
    return same_array(array, expected, name="your phases")
