"""Graders of tutorial 3, upsampling and checkerboards.

* 03.1: the odd kernel size and padding of a bilinear transposed convolution that upsamples
  by 3 (output size ``(i - 1)s - 2p + k = 3i`` and a tent of half-width ``ceil(k/2) = 3``);
* 03.2: a 4x4 kernel whose four stride-2 phases are rescaled to sum to 1;
* 03.3: even overlap, holes or stripes at stride 3 for kernels 1 to 9 (counted with
  :func:`tconv.conv_transpose1d` of ones).
"""
from __future__ import annotations

import math

import numpy as np

from ..ops import conv_transpose1d
from ..geometry import conv_transpose_output_size
from .compare import as_array, same_array, same_choice, same_items
from .core import exercise, not_yet, right

__all__ = []


@exercise("03.1", "a bilinear transposed convolution that upsamples by 3",
          answer="a pair (kernel_size, padding)")
def upsample_by_three(answer):
    if not isinstance(answer, (tuple, list)) or len(answer) != 2:
        return not_yet("Answer with a pair (kernel_size, padding).")
    try:
        k, p = (int(v) for v in answer)
    except (TypeError, ValueError):
        return not_yet("Both the kernel size and the padding are whole numbers.")
    if (k, p) != tuple(answer) or k < 1 or p < 0:
        return not_yet("The kernel size is a positive whole number and the padding a non-negative one.")
    if k % 2 == 0:
        return not_yet(f"{k} is even; the exercise asks for an odd kernel.")
    length = conv_transpose_output_size(6, k, stride=3, padding=p)
    if length != 18:
        return not_yet(f"With kernel {k} and padding {p} the output has {length} values, not 3 x 6 = 18.")
    if math.ceil(k / 2) != 3:
        return not_yet(f"The size is right, but the bilinear kernel of size {k} is a tent that falls to 0 after "
                       f"f = ceil({k}/2) = {math.ceil(k / 2)} output samples; linear interpolation by 3 falls to 0 "
                       "after 3.")
    return right()


@exercise("03.2", "a kernel with balanced phase sums", answer="the 4x4 balanced kernel", given=("k4",))
def balanced_phases(answer, k4):
    kernel = np.asarray(k4, dtype=float).reshape(4, 4)
    expected = kernel.copy()
    for a in range(2):
        for b in range(2):
            expected[a::2, b::2] /= kernel[a::2, b::2].sum()
    try:
        array = as_array(answer, "your kernel")
    except TypeError as error:
        return not_yet(f"{error}.")
    if array.shape == (1, 1, 4, 4):
        array = array[0, 0]
    if array.shape == (4, 4):
        sums = {(a, b): float(array[a::2, b::2].sum()) for a in range(2) for b in range(2)}
        off = [phase for phase, total in sums.items() if not np.isclose(total, 1.0)]
        if off:
            return not_yet("Phase " + ", ".join(f"{phase} sums to {sums[phase]:.4g}" for phase in off) +
                           "; every phase K[a::2, b::2] should sum to 1.")
        if not np.allclose(array, expected):
            return not_yet("The phase sums are all 1, but the taps are not k4's taps rescaled: multiply each "
                           "phase of k4 by one number.")
    return same_array(array, expected, name="your kernel")


def _kind(k: int, stride: int = 3) -> str:
    """Holes, even or stripes: the interior overlap counts of kernel ``k`` at ``stride``."""
    counts = conv_transpose1d(np.ones((1, 1, 12)), np.ones((1, 1, k)), stride=stride)[0, 0][k:-k]
    if counts.min() == 0:
        return "holes"
    return "even" if len(set(counts.tolist())) == 1 else "stripes"


@exercise("03.3", "even overlap, holes or stripes at stride 3",
          answer='a dict {k: "even" | "holes" | "stripes"} for k = 1 .. 9')
def overlap_kinds(answer):
    expected = {k: _kind(k) for k in range(1, 10)}
    choices = ("even", "holes", "stripes")
    return same_items(answer, expected, {k: (lambda value, kind: same_choice(value, kind, choices))
                                         for k in expected}, keys_name="kernel size")
