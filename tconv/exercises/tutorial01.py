"""Graders of tutorial 1, convolution as a matrix.

* 01.1: the 3 x 5 matrix of a 1-D convolution (kernel ``[1, 2, 3]``, stride 2, padding 1);
* 01.2: what a one-hot 2x2 input paints through the notes' kernel (a column of ``C.T``);
* 01.3: the ``output_padding`` that brings a 4x4 map back to 7x7 and to 8x8.

Expected answers come from :func:`tconv.conv_matrix` and the size formula
``a = (i + 2p - k) mod s`` (Dumoulin & Visin 2016).
"""
from __future__ import annotations

import numpy as np

from ..geometry import conv_geometry
from ..matrix import conv_matrix
from .compare import same_array, same_items, same_int
from .core import exercise, not_yet

__all__ = ["NOTES_KERNEL"]

#: The lecture notes' 3x3 kernel (tutorial 1, section 1).
NOTES_KERNEL = np.array([[1, 4, 1], [1, 4, 3], [3, 3, 1]], dtype=float)


@exercise("01.1", "the matrix of a strided, padded 1-D convolution",
          answer="the matrix C_1d (one row per output, one column per input pixel)")
def matrix_1d(answer):
    kernel = np.array([1.0, 2.0, 3.0])
    expected = conv_matrix(kernel[None, None], (1, 5), stride=2, padding=1).toarray()
    flipped = conv_matrix(kernel[::-1][None, None], (1, 5), stride=2, padding=1).toarray()
    no_padding = np.zeros((3, 5))                         # windows at 0, 2, 4: the padding forgotten
    for m in range(3):
        for t in range(3):
            if 2 * m + t < 5:
                no_padding[m, 2 * m + t] = kernel[t]
    array = np.asarray(answer, dtype=float) if not isinstance(answer, (str, dict)) else None
    if array is not None and array.ndim == 2 and array.shape[1] == 7:
        return not_yet("7 columns: the padding is not an input. C has one column per input pixel (5); the taps "
                       "that land on the padding multiply zeros and have no column.")
    return same_array(answer, expected, name="your matrix", mistakes=[
        (flipped, "The taps are in reverse order: a deep-learning convolution slides the kernel as it is, "
                  "without flipping it (cross-correlation)."),
        (no_padding, "Your rows are the kernel shifted by the stride, but row 0 starts at "
                                   "input 0: the padding moves every window one pixel to the left."),
    ])


@exercise("01.2", "a one-hot input paints the kernel (a column of C.T)", answer="the 4x4 array painted")
def one_hot_paint(answer):
    expected = np.zeros((4, 4))
    expected[1:4, 0:3] = NOTES_KERNEL
    other = np.zeros((4, 4))
    other[0:3, 1:4] = NOTES_KERNEL
    rotated = np.zeros((4, 4))
    rotated[1:4, 0:3] = NOTES_KERNEL[::-1, ::-1]
    return same_array(answer, expected, name="your array", squeeze=True, mistakes=[
        (other, "That is the kernel at the window of pixel (0, 1). The 1 sits at row 1, column 0."),
        (rotated, "You painted the kernel rotated by 180 degrees. In the scatter-add view each pixel paints "
                  "the kernel as it is; the rotation belongs to the zero-insertion view."),
    ])


def _output_padding(value, expected):
    verdict = same_int(value, expected, name="an output_padding")
    if verdict[0] != "right" and isinstance(value, (int, np.integer)) and not 0 <= value < 2:
        return not_yet(f"{value} is not a valid output_padding at stride 2: it must be 0 or 1 "
                       "(smaller than the stride).")
    return verdict


@exercise("01.3", "output_padding for 7x7 and 8x8", answer="a dict {7: output_padding, 8: output_padding}")
def restoring_padding(answer):
    expected = {size: conv_geometry((size,), (3,), stride=2, padding=1).restoring_output_padding()[0]
                for size in (7, 8)}
    return same_items(answer, expected, {7: _output_padding, 8: _output_padding}, keys_name="size")
