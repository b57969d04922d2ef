"""Graders of tutorial 9, into 3-D.

* 09.1: the output shape of an in-plane-strided ``conv3d`` and the ``output_padding`` that
  restores the volume;
* 09.2: multiply-adds of a 3x3x3 layer on 16³ against a 3x3 layer on 64² (16 -> 16 channels);
* 09.3: the weight that makes a stride-2 ``conv3d`` an ``avg_pool3d`` (checked by running both).
"""
from __future__ import annotations

import numpy as np

from ..ops import avg_pool3d, conv3d
from ..geometry import conv_geometry
from .compare import as_array, same_array, same_int, same_items
from .core import exercise, not_yet

__all__ = []


def _triple(value, expected, name):
    if not isinstance(value, (tuple, list)) or len(value) != 3:
        return not_yet(f"{name} has one number per axis (D, H, W).")
    return same_array(value, expected, name=name)


@exercise("09.1", "in-plane stride: output shape and output_padding",
          answer="((D, H, W), (output_padding per axis))")
def thick_slices(answer):
    geometry = conv_geometry((12, 64, 64), (3, 3, 3), stride=(1, 2, 2), padding=1)
    expected = {"the output shape": geometry.output_size, "the output_padding": geometry.restoring_output_padding()}
    if not isinstance(answer, (tuple, list)) or len(answer) != 2:
        return not_yet("Answer with a pair: ((D, H, W), (a_D, a_H, a_W)).")
    return same_items(dict(zip(expected, answer)), expected,
                      {name: (lambda v, e, name=name: _triple(v, e, name)) for name in expected}, keys_name="part")


@exercise("09.2", "multiply-adds in 3-D and in 2-D", answer="a pair (3-D count, 2-D count)")
def multiply_adds(answer):
    expected = {"the 3-D count": 16 ** 3 * 16 * 16 * 27, "the 2-D count": 64 ** 2 * 16 * 16 * 9}
    if not isinstance(answer, (tuple, list)) or len(answer) != 2:
        return not_yet("Answer with a pair: (3-D count, 2-D count).")
    return same_items(dict(zip(expected, answer)), expected,
                      {name: (lambda v, e, name=name: same_int(v, e, name=name)) for name in expected},
                      keys_name="part")


@exercise("09.3", "average pooling as a strided convolution", answer="a weight of shape (1, 1, 2, 2, 2)")
def average_as_convolution(answer):
    try:
        weight = as_array(answer, "your weight")
    except TypeError as error:
        return not_yet(f"{error}.")
    if weight.size != 8:
        return not_yet(f"Your weight has {weight.size} entries; a 2x2x2 kernel has 8.")
    weight = weight.reshape(1, 1, 2, 2, 2)
    x = np.random.default_rng(9).random((1, 1, 4, 6, 4))
    if np.allclose(conv3d(x, weight, stride=2), avg_pool3d(x, 2)):
        return "right", ""
    if np.isclose(weight.sum(), 8):
        return not_yet("Your weights add up to 8: that is the sum of the 8 voxels, not their mean.")
    return same_array(weight, np.full((1, 1, 2, 2, 2), 1 / 8), name="your weight")
