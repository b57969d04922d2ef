"""Graders of tutorial 12, sub-pixel convolution and the polyphase view.

* 12.1: the taps of each output phase of a kernel-5, stride-2, padding-1 transposed convolution
  (``t·d - p ≡ c (mod s)``, :func:`tconv.polyphase.axis_phases`);
* 12.2: a 4x4 stride-2 transposed-convolution kernel whose four sub-kernels all equal a given
  2x2 kernel (ICNR for a transposed convolution);
* 12.3: where ``pixel_shuffle`` puts one input channel's pixel.
"""
from __future__ import annotations

import numpy as np

from ..geometry import conv_transpose_geometry
from ..ops.shuffle import pixel_shuffle
from ..polyphase import axis_phases, phases, sub_kernel
from .compare import as_array, same_array, same_items
from .core import exercise, not_yet, right

__all__ = []


def _tap_list(value, expected):
    try:
        given = [int(t) for t in value]
    except (TypeError, ValueError):
        return not_yet("Give each phase's taps as a list of ints.")
    if sorted(given) != given:
        return not_yet("List the taps in increasing order.")
    return right() if given == list(expected) else not_yet("These are not the taps of this phase.")


@exercise("12.1", "the taps of each output phase", answer="a dict {0: [taps], 1: [taps]}")
def phase_taps(answer):
    expected = {a.phase: list(a.taps) for a in axis_phases(13, 6, 5, 2, 1)}
    if isinstance(answer, dict) and set(answer) == {0, 1}:
        try:
            if [int(t) for t in answer[0]] == [t for t in range(5) if t % 2 == 0]:
                return not_yet("Those are the even taps; phase c holds the taps with t·d − p ≡ c (mod s), and "
                               "the padding p = 1 shifts them by one.")
        except (TypeError, ValueError):
            pass
    return same_items(answer, expected, {c: _tap_list for c in expected}, keys_name="phase")


@exercise("12.2", "a transposed kernel whose four sub-kernels are equal", answer="the 4x4 kernel", given=("w0",))
def equal_sub_kernels(answer, w0):
    w0 = np.asarray(w0, dtype=float).reshape(2, 2)
    expected = np.kron(w0, np.ones((2, 2)))
    try:
        array = as_array(answer, "your kernel")
    except TypeError as error:
        return not_yet(f"{error}.")
    if array.shape == (1, 1, 4, 4):
        array = array[0, 0]
    if array.shape == (4, 4) and not np.allclose(array, expected):
        g = conv_transpose_geometry((6, 6), (4, 4), stride=2, padding=1)
        subs = [sub_kernel(array[None, None], p)[0, 0] for p in phases(g)]
        if not all(np.allclose(s, subs[0]) for s in subs):
            return not_yet("Your four sub-kernels K[a::2, b::2] are not all equal (a tiled w0, np.tile, gives each "
                           "phase a different one); repeat each tap of w0 instead.")
        if not np.allclose(subs[0], w0) and np.allclose(np.sort(subs[0].ravel()), np.sort(w0.ravel())):
            return not_yet("The four sub-kernels are equal, but their taps are w0's in another order (flipped?): "
                           "sub-kernel taps go in increasing order.")
    return same_array(array, expected, name="your kernel")


@exercise("12.3", "where pixel_shuffle puts a pixel", answer="a tuple (channel, row, column)")
def shuffled_position(answer):
    x = np.zeros((18, 3, 3))
    x[7, 1, 2] = 1
    expected = tuple(int(v) for v in np.argwhere(pixel_shuffle(x[None], 3)[0] == 1)[0])
    if not isinstance(answer, (tuple, list)) or len(answer) != 3:
        return not_yet("Answer a tuple (channel, row, column).")
    try:
        given = tuple(int(v) for v in answer)
    except (TypeError, ValueError):
        return not_yet("The channel, row and column are whole numbers.")
    if given == expected:
        return right()
    if given[1:] == (expected[2], expected[1]):
        return not_yet("Row and column are swapped: channel c·r² + i·r + j goes to row h·r + i, column w·r + j.")
    if given[0] != expected[0]:
        return not_yet("The output channel is the input channel divided by r² (integer division).")
    return not_yet("The channel is right; the row is h·r + i and the column w·r + j, with i, j from the channel's "
                   "remainder.")
