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
    board = IMAGE - np.add.outer(np.arange(4.0), np.arange(4.0))
    return same_number(answer, expected, name="your share", atol=1e-9, mistakes=[
        (1.0, "Not all of the energy: the ramp has energy at other frequencies."),
        (float(checkerboard_energy(board, 2)), "That is the stripes' share alone; take the whole image."),
    ])


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
    return same_array(array, expected, name="your phases")
