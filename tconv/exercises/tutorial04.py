"""Graders of tutorial 4, convolution arithmetic.

* 04.1: the input sizes a ``k = 5, s = 3, p = 1`` convolution maps to 4 outputs, and the
  ``output_padding`` that restores each;
* 04.2: PyTorch's ``padding`` and ``output_padding`` that double a map at stride 2, for
  kernels 2 to 5;
* 04.3: Keras' ``Conv1DTranspose(2, strides=3, padding="valid")`` on 5 inputs, in PyTorch.

Expected answers come from :mod:`tconv.geometry` and :func:`tconv.translate.keras_conv_transpose`.
"""
from __future__ import annotations

from ..geometry import conv_geometry, conv_output_size, conv_transpose_output_size
from ..translate import keras_conv_transpose
from .compare import same_int, same_items
from .core import exercise, not_yet, right

__all__ = []


@exercise("04.1", "every input size of one output size, and its output_padding",
          answer="a dict {input size: output_padding}")
def sizes_and_padding(answer):
    expected = {i: conv_geometry((i,), (5,), 3, 1).restoring_output_padding()[0]
                for i in range(1, 40) if conv_output_size(i, 5, 3, 1) == 4}
    if isinstance(answer, dict):
        wrong_sizes = [i for i in answer if isinstance(i, int) and conv_output_size(i, 5, 3, 1) != 4]
        if wrong_sizes:
            return not_yet(f"Input size {wrong_sizes[0]} gives {conv_output_size(wrong_sizes[0], 5, 3, 1)} "
                           "outputs, not 4.")
        if len(answer) < len(expected):
            return not_yet(f"{len(answer)} input size{'s' if len(answer) != 1 else ''} given; at stride 3 more "
                           "sizes give the same output size.")
    return same_items(answer, expected, {i: lambda v, e: same_int(v, e, name="an output_padding") for i in expected},
                      keys_name="input size")


def _doubling(value, k):
    if not isinstance(value, (tuple, list)) or len(value) != 2:
        return not_yet(f"for k={k} give a pair (padding, output_padding).")
    p, a = value
    if not all(isinstance(v, int) for v in (p, a)) or p < 0 or not 0 <= a < 2:
        return not_yet(f"for k={k}: padding is an int >= 0 and output_padding 0 or 1 at stride 2.")
    sizes = {i: conv_transpose_output_size(i, k, 2, p, 1, a) for i in (3, 7)}
    if any(size != 2 * i for i, size in sizes.items()):
        return not_yet(f"these arguments turn 3 into {sizes[3]} and 7 into {sizes[7]}; doubling gives 6 and 14.")
    return right()


@exercise("04.2", "doubling a map at stride 2: padding and output_padding",
          answer="a dict {k: (padding, output_padding)} for k = 2, 3, 4, 5")
def doubling(answer):
    expected = {}
    for k in (2, 3, 4, 5):
        translation = keras_conv_transpose("same", k, stride=2, ndim=1)
        expected[k] = (translation.padding[0], translation.output_padding[0])
    return same_items(answer, expected, {k: (lambda value, pair, k=k: _doubling(value, k)) for k in expected},
                      keys_name="kernel size")


@exercise("04.3", "Keras' 'valid' Conv1DTranspose with gaps, in PyTorch",
          answer="a tuple (output size, padding, output_padding)")
def keras_valid(answer):
    translation = keras_conv_transpose("valid", 2, stride=3, ndim=1)
    expected = {"the output size": translation.output_size((5,))[0], "the padding": translation.padding[0],
                "the output_padding": translation.output_padding[0]}
    if not isinstance(answer, (tuple, list)) or len(answer) != 3:
        return not_yet("Answer with three numbers: (output size, padding, output_padding).")
    return same_items(dict(zip(expected, answer)), expected,
                      {name: (lambda v, e, name=name: same_int(v, e, name=name)) for name in expected},
                      keys_name="part")
