"""Graders of tutorial 8, FCN.

* 08.1: the row sums of the first two output pixels of a row of FCN's ``up4``
  (``k = 8, s = 4, p = 2``, bilinear) on a 4x4 input, from its matrix;
* 08.2: the four stride-2 phase sums of a 5x5 all-ones kernel;
* 08.3: which gradient of a zero-initialised layer is zero (the one passed to its input);
* 08.4: a convolutionized ``Linear``'s kernel size and the score map it makes on a larger map.
"""
from __future__ import annotations

import numpy as np

from ..matrix import conv_transpose_matrix
from .compare import same_array, same_choice
from .core import exercise, not_yet, right

__all__ = []


@exercise("08.1", "the row sums of up4's matrix at the border", answer="two numbers (output pixel 0, pixel 1)")
def border_row_sums(answer):
    from ..nn.init import bilinear_

    weight = bilinear_(np.empty((1, 1, 8, 8)))
    sums = conv_transpose_matrix(weight, (1, 4, 4), stride=4, padding=2).toarray().sum(axis=1).reshape(16, 16)
    expected = sums[8, :2]
    return same_array(answer, expected, name="your two sums", atol=1e-9, mistakes=[
        (1 - expected, "Those are the missing parts (the tent of the input beyond the edge); the row sum is what "
                       "the inputs that exist contribute."),
        ([0.75, 1.0], "Those are the sums of the k = 4, s = 2 kernel. Here the tent is 8 pixels wide and the "
                      "inputs 4 apart."),
    ])


@exercise("08.2", "the phase sums of a 5x5 kernel at stride 2", answer="a 2x2 array, phase (a, b) at [a, b]")
def phase_sums(answer):
    ones = np.ones((5, 5))
    expected = np.array([[ones[a::2, b::2].sum() for b in range(2)] for a in range(2)])
    return same_array(answer, expected, name="your phase sums", mistakes=[
        (expected[::-1, ::-1], "Phase 0 starts at tap 0: K[0::2] holds the taps 0, 2 and 4."),
        (np.full((2, 2), 25 / 4), "The 25 taps are not split evenly: count the taps K[a::2, b::2] of each phase."),
    ])


@exercise("08.3", "the gradients of a zero-initialised layer", answer='"weight", "input", "both" or "neither"')
def zero_layer(answer):
    return same_choice(answer, "input", ("weight", "input", "both", "neither"), mistakes=[
        ("weight", "dL/dW is the upstream gradient times the layer's input, and neither is zero."),
        ("both", "A zero weight still gets a gradient: dL/dW is the upstream gradient times the input."),
        ("neither", "What does the layer pass back to its input? dL/dx = W^T (dL/dy), and W is 0."),
    ])


@exercise("08.4", "a convolutionized Linear layer", answer="((kh, kw), (rows, columns))")
def convolutionized(answer):
    from ..nn import Linear, convolutionize

    layer = convolutionize(Linear(400, 64), (16, 5, 5))
    expected = (tuple(layer.kernel_size), tuple(layer(np.zeros((1, 16, 12, 9), np.float32)).shape[2:]))
    try:
        kernel, size = answer
        given = (tuple(int(v) for v in kernel), tuple(int(v) for v in size))
    except (TypeError, ValueError):
        return not_yet("Answer ((kh, kw), (rows, columns)): two pairs of whole numbers.")
    if given[0] != expected[0]:
        if given[0] == (1, 1):
            return not_yet("Only a Linear that follows another one becomes 1x1: this one reads the whole 5 x 5 map.")
        return not_yet("The kernel covers the map the Linear layer read, the one it was flattened from.")
    if given[1] == (12, 9):
        return not_yet("The kernel is 5 x 5 without padding: the map shrinks by 4 on each axis.")
    if given[1] == expected[1][::-1]:
        return not_yet("Rows and columns are swapped.")
    return right() if given == expected else not_yet("The kernel is right; the map has (size - kernel + 1) positions "
                                                     "per axis.")
