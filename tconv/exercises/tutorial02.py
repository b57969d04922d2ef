"""Graders of tutorial 2, gradients are transposed convolutions.

* 02.1: ``dL/dx`` of the mean of a stride-2, padding-1 convolution of a 7x7 image, predicted
  with one transposed convolution (checked against the autograd);
* 02.2: the weight gradient of a transposed convolution, computed through ``conv2d``'s
  autograd (checked against the transposed convolution's own gradient);
* 02.3: the outputs per side of a stride-2 convolution of a 10x10 image and the input rows
  that never get a gradient.
"""
from __future__ import annotations

import numpy as np

from ..geometry import conv_output_size
from .compare import same_array, same_int, same_items
from .core import exercise, not_yet
from .tutorial01 import NOTES_KERNEL

__all__ = []


@exercise("02.1", "the input gradient of a mean, as one transposed convolution",
          answer="the predicted dL/dx, an array of shape (1, 1, 7, 7)")
def mean_gradient(answer):
    from ..autograd import Tensor
    from ..nn import functional as F

    x = Tensor(np.zeros((1, 1, 7, 7)), requires_grad=True)
    F.conv2d(x, Tensor(NOTES_KERNEL[None, None]), stride=2, padding=1).mean().backward()
    try:
        shape = np.shape(getattr(answer, "data", answer))
    except ValueError:
        shape = ()
    if tuple(shape[-2:]) == (8, 8):
        return not_yet("The gradient is 8x8, one row and column too many: which output_padding brings the 4x4 "
                       "output back to 7x7?")
    return same_array(answer, x.grad, name="your gradient", squeeze=True)


@exercise("02.2", "the weight gradient of a transposed convolution, through conv2d",
          answer="dL/dw, an array of the shape of w", given=("x", "w", "g"))
def transposed_weight_gradient(answer, x, w, g):
    from ..autograd import Tensor
    from ..nn import functional as F

    weight = Tensor(np.array(w, dtype=float), requires_grad=True)
    (F.conv_transpose2d(Tensor(np.asarray(x, float)), weight, stride=2, padding=1) * Tensor(np.asarray(g, float))
     ).sum().backward()
    return same_array(answer, weight.grad, name="your gradient", atol=1e-9)


@exercise("02.3", "rows a strided convolution never reads",
          answer="a tuple (outputs per side, [rows with no gradient])")
def unused_rows(answer):
    outputs = conv_output_size(10, 3, stride=2)
    covered = (outputs - 1) * 2 + 3                       # rows 0 .. covered - 1 are read by some window
    expected = {"outputs per side": outputs, "rows without gradient": list(range(covered, 10))}
    if not isinstance(answer, (tuple, list)) or len(answer) != 2:
        return not_yet("Answer with a pair: (outputs per side, [rows]).")

    def rows(value, right_rows):
        if isinstance(value, (int, np.integer)):
            value = [value]
        try:
            given = sorted(int(v) for v in value)
        except (TypeError, ValueError):
            return not_yet("the rows should be a list of row numbers.")
        if given == right_rows:
            return "right", ""
        if not given:
            return not_yet("some rows get no gradient: which rows does no window cover?")
        if any(not 0 <= r < 10 for r in given):
            return not_yet("rows are numbered 0 to 9.")
        return not_yet(f"{len(given)} row{'s' if len(given) > 1 else ''} given; list the rows below the last "
                       "window.")

    return same_items(dict(zip(expected, answer)), expected,
                      {"outputs per side": lambda v, e: same_int(v, e, name="the number of outputs"),
                       "rows without gradient": rows}, keys_name="part")
