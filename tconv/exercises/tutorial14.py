"""Graders of tutorial 14, max unpooling.

* 14.1: max pooling then max unpooling of a 4x4 image, by hand;
* 14.2: unpooling's default size and the ``output_size`` range PyTorch accepts;
* 14.3: the gradient of max pooling (``Sᵀ g``, an unpooling).
"""
from __future__ import annotations

import numpy as np

from ..ops.pool import max_pool2d
from ..ops.unpool import max_unpool2d
from .compare import same_array, same_items
from .core import exercise, not_yet, right

__all__ = []

#: The tutorial's image (its section 1).
TUTORIAL_X = np.array([[1, 2, 0, 1], [3, 4, 9, 2], [5, 0, 1, 1], [2, 6, 1, 8]], dtype=float)


@exercise("14.1", "pool, then unpool, by hand", answer="a 4x4 array", given=("image",))
def pool_unpool(answer, image):
    x = np.asarray(image, dtype=float).reshape(1, 1, 4, 4)
    y, idx = max_pool2d(x, 2, return_indices=True)
    expected = max_unpool2d(y, idx, 2)[0, 0]
    nearest = np.kron(y[0, 0], np.ones((2, 2)))
    return same_array(answer, expected, name="your result", squeeze=True, mistakes=[
        (nearest, "That is a nearest resize of the pooled values: unpooling puts each value back at its maximum's "
                  "place only, and 0 elsewhere."),
        (x[0, 0], "That is the input itself: unpooling cannot bring back the values pooling dropped."),
    ])


def _pair(value, expected):
    try:
        low, high = (int(v) for v in value)
    except (TypeError, ValueError):
        return not_yet("Give the range as a pair (smallest, largest).")
    if (low, high) == (expected[0] - 1, expected[1] + 1):
        return not_yet("The range is open: strictly between the default minus and plus the stride.")
    return right() if (low, high) == tuple(expected) else not_yet("The range is the default size ± (stride − 1).")


def _size(value, expected):
    try:
        given = int(value)
    except (TypeError, ValueError):
        return not_yet("The default size is a whole number.")
    if given == 3:
        return not_yet("3 is the pooled map's size; unpooling's default is (i − 1)·s − 2p + k.")
    return right() if given == expected else not_yet("The default is (i − 1)·s − 2p + k per axis.")


@exercise("14.2", "unpooling's default size and output_size range", answer="a tuple (default, (smallest, largest))")
def unpool_sizes(answer):
    default = (3 - 1) * 2 + 2
    if not isinstance(answer, (tuple, list)) or len(answer) != 2:
        return not_yet("Answer (default, (smallest, largest)).")
    return same_items({"default": answer[0], "range": answer[1]}, {"default": default, "range": (default - 1,
                                                                                              default + 1)},
                      {"default": _size, "range": _pair}, keys_name="part")


@exercise("14.3", "the gradient of max pooling", answer="a 4x4 array")
def pooling_gradient(answer):
    _, idx = max_pool2d(TUTORIAL_X[None, None], 2, return_indices=True)
    g = np.array([[1.0, 2.0], [3.0, 4.0]])
    expected = max_unpool2d(g[None, None], idx, 2)[0, 0]
    return same_array(answer, expected, name="your gradient", squeeze=True, mistakes=[
        (np.kron(g, np.ones((2, 2))), "Each output's gradient goes to its window's maximum only, not to the whole "
                                     "window (that is average pooling's gradient, times 4)."),
        (np.kron(g, np.ones((2, 2))) / 4, "That is average pooling's gradient; max pooling sends it to the argmax."),
    ])
