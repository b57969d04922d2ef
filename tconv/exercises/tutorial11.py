"""Graders of tutorial 11, figures for lecturers.

* 11.1: the ``output_padding`` of the odd case's transposed twin and the frames of its
  animations (one per input pixel in the direct view, one per output pixel in the paper's);
* 11.2: where PyTorch keeps Keras' "same" pixel (2, 3): one pixel up and left;
* 11.3: the input cells under one output pixel's window of a padded, strided convolution.

Expected answers come from the geometry (:mod:`tconv.geometry`, :mod:`tconv.translate`),
not from drawing.
"""
from __future__ import annotations

import numpy as np

from ..geometry import conv_geometry, conv_transpose_geometry
from ..translate import keras_conv_transpose
from .compare import same_int, same_items, same_set
from .core import exercise, not_yet, right

__all__ = []


@exercise("11.1", "the odd case's twin: output_padding and animation frames",
          answer="a tuple (output_padding, frames in the direct view, frames in the paper's view)")
def odd_twin(answer):
    odd = conv_geometry((6, 6), (3, 3), stride=2, padding=1)
    twin = conv_transpose_geometry(odd.output_size, (3, 3), 2, 1, odd.restoring_output_padding())
    expected = {"the output_padding": odd.restoring_output_padding()[0],
                "the direct view's frames": int(np.prod(twin.input_size)),
                "the paper's view's frames": int(np.prod(twin.output_size))}
    if not isinstance(answer, (tuple, list)) or len(answer) != 3:
        return not_yet("Answer with three numbers: (output_padding, direct frames, paper's-view frames).")
    padding = answer[0]
    if isinstance(padding, (tuple, list)) and len(set(padding)) == 1:
        padding = padding[0]                                   # (1, 1) is the same on both axes
    given = dict(zip(expected, (padding, *answer[1:])))
    frames = {"the direct view's frames": "one frame per pixel of the twin's input",
              "the paper's view's frames": "one frame per pixel of the output"}
    return same_items(given, expected, {
        "the output_padding": lambda v, e: same_int(v, e, name="the output_padding"),
        **{name: (lambda v, e, name=name: same_int(v, e, name=name, mistakes=[
            (e * 4, f"Too many: {frames[name]}.")])) for name in frames}}, keys_name="part")


@exercise("11.2", "the one-pixel shift between Keras and PyTorch", answer="a pixel (i, j) of PyTorch's output")
def shifted_pixel(answer):
    translation = keras_conv_transpose("same", 3, stride=2)
    # PyTorch crops ceil(T/2) at the start, Keras floor(T/2): torch[j] = keras[j + shift]
    shift = [p - before for p, (before, _) in zip(translation.padding, translation.tconv_padding)]
    expected = tuple(k - s for k, s in zip((2, 3), shift))
    if not isinstance(answer, (tuple, list)) or len(answer) != 2:
        return not_yet("Answer with a pixel (i, j).")
    try:
        pixel = tuple(int(v) for v in answer)
    except (TypeError, ValueError):
        return not_yet("A pixel is two whole numbers (i, j).")
    if pixel == expected:
        return right()
    if pixel == tuple(k + s for k, s in zip((2, 3), shift)):
        return not_yet("The other direction: PyTorch crops one more pixel at the start, so its pixels come "
                       "from further along Keras' output.")
    if pixel == (2, 3):
        return not_yet("Same size, not the same values: the two place the result one pixel apart.")
    return not_yet(f"{pixel} is not right: compare where the two crop (tutorial 4, section 5).")


@exercise("11.3", "the input cells under one output pixel's window",
          answer="a set of (row, column) input cells")
def under_window(answer):
    geometry = conv_geometry((5, 5), (3, 3), stride=2, padding=1)
    (before_r, _), (before_c, _) = geometry.padding
    expected = {(1 * 2 - before_r + a, 2 * 2 - before_c + b) for a in range(3) for b in range(3)}
    inside = {(r, c) for r, c in expected if 0 <= r < 5 and 0 <= c < 5}

    def cell(item):
        r, c = item
        return int(r), int(c)

    if not isinstance(answer, (str, dict)) and hasattr(answer, "__iter__"):
        try:
            given = {cell(item) for item in answer}
        except (TypeError, ValueError):
            return not_yet("Each cell is a pair (row, column).")
        if given == expected:
            return not_yet("That includes padding cells: the input's columns are 0 to 4.")
        unpadded = {(1 * 2 + a, 2 * 2 + b) for a in range(3) for b in range(3)}
        if given in (unpadded, {(r, c) for r, c in unpadded if r < 5 and c < 5}):
            return not_yet("The padding shifts every window: output (r, c)'s window starts at input "
                           "(r·s - p, c·s - p).")
    return same_set(answer, inside, name="your cells", normalize=cell)
