"""Graders of tutorial 13, dilated convolution and the receptive field.

* 13.1: the receptive field of a stem (7x7 stride 2, 3x3 pooling stride 2, 3x3, 3x3 dilation 2);
* 13.2: three dilations whose 3x3 layers see a field of 13 pixels without gridding;
* 13.3: the effective (undilated) kernel of ``[1, 2, 3]`` with dilation 3.
"""
from __future__ import annotations

import numpy as np

from ..receptive_field import receptive_field, receptive_field_footprint
from .compare import same_array, same_int
from .core import exercise, not_yet, right

__all__ = []


@exercise("13.1", "the receptive field of a stem", answer="an int (pixels)")
def stem_field(answer):
    layers = [(7, 2, 1), (3, 2, 1), (3, 1, 1), (3, 1, 2)]
    expected = receptive_field(layers)
    without_jumps = 1 + sum((k - 1) * d for k, _, d in layers)
    without_dilation = receptive_field([(7, 2, 1), (3, 2, 1), (3, 1, 1), (3, 1, 1)])
    return same_int(answer, expected, name="your receptive field", mistakes=[
        (without_jumps, "That adds each layer's (k - 1)·d in its own pixels; later layers' taps are worth the "
                        "product of the strides before them (the jump)."),
        (without_dilation, "The last layer is dilated: its taps are d = 2 of its pixels apart."),
    ])


@exercise("13.2", "three dilations without gridding", answer="a tuple (d1, d2, d3) of positive ints")
def hybrid_dilations(answer):
    if not isinstance(answer, (tuple, list)) or len(answer) != 3:
        return not_yet("Answer three dilations (d1, d2, d3).")
    try:
        d = tuple(int(v) for v in answer)
    except (TypeError, ValueError):
        return not_yet("Dilations are whole numbers.")
    if d != tuple(answer) or min(d) < 1:
        return not_yet("Dilations are positive whole numbers.")
    layers = [(3, 1, v) for v in d]
    field = receptive_field(layers)
    if field != 13:
        return not_yet(f"These give a field of {field} pixels, not 13: the field is 1 + 2·(d1 + d2 + d3).")
    if sorted(d) == [1, 2, 3] and d == (1, 2, 3):
        return not_yet("That is the tutorial's own choice; find another.")
    holes = int((receptive_field_footprint(layers) == 0).sum())
    if holes:
        return not_yet(f"{holes} pixels of the field are never reached: dilations with a common factor (or too far "
                       "apart) leave a sub-grid.")
    return right()


@exercise("13.3", "a dilated kernel as an undilated one", answer="a 1-D array (the effective kernel)")
def effective_kernel(answer):
    expected = np.zeros(7)
    expected[::3] = [1, 2, 3]
    zeros_one = np.array([1.0, 0, 2, 0, 3])
    return same_array(answer, expected, name="your kernel", reveal_shape=False, mistakes=[
        (zeros_one, "Dilation 3 puts d − 1 = 2 zeros between the taps, not one."),
        (np.array([1.0, 0, 0, 0, 2, 0, 0, 0, 3]), "Dilation 3 puts d − 1 = 2 zeros between the taps, not 3: the "
                                                 "effective kernel is d(k − 1) + 1 wide."),
    ])
