"""Graders of tutorial 6, a U-Net on shapes.

* 06.1: the parameters of the three transposed convolutions of ``tconv train``'s U-Net
  (``base=16, depth=3``): ``C_in·C_out·2·2 + C_out`` each;
* 06.2: how many input pixels each output pixel of a ``k=3, s=2, p=1, output_padding=1``
  transposed convolution reads, on a 4x4 input (the nonzeros per row of its matrix);
* 06.3: the IoU of each class from a confusion matrix (rows: truth, columns: prediction),
  ``tp / (row + column - tp)``.
"""
from __future__ import annotations

import numpy as np

from ..matrix import conv_transpose_matrix
from .compare import same_array, same_int
from .core import exercise, not_yet

__all__ = []


@exercise("06.1", "the parameters of the U-Net's transposed convolutions",
          answer="the number of parameters (an int)")
def upsampler_parameters(answer):
    widths = [16 * 2 ** level for level in range(4)]          # base * 2**level, the bottom last
    weights = sum(widths[level + 1] * widths[level] * 2 * 2 for level in range(3))
    biases = sum(widths[level] for level in range(3))
    return same_int(answer, weights + biases, name="your count", mistakes=[
        (weights, "That counts the weights only: each transposed convolution also has one bias per output "
                  "channel."),
        (weights + sum(widths[1:]), "The biases belong to the output channels (C_out), not the input ones."),
        (weights // 4 + biases, "Each (input, output) channel pair has a 2x2 kernel: 4 weights, not 1."),
    ])


@exercise("06.2", "inputs per output of a strided transposed convolution",
          answer="an 8x8 array: for each output pixel, how many input pixels it reads")
def inputs_per_output(answer):
    matrix = conv_transpose_matrix(np.ones((1, 1, 3, 3)), (1, 4, 4), stride=2, padding=1, output_padding=1)
    expected = np.count_nonzero(matrix.toarray(), axis=1).reshape(8, 8)
    flipped = expected[::-1, ::-1]
    if not isinstance(answer, (str, dict)):
        array = np.asarray(answer, dtype=float) if np.ndim(answer) == 2 else None
        if array is not None and array.shape == (9, 9):
            return not_yet("9x9 is the uncropped canvas: padding 1 crops one row and column at the start, and "
                           "output_padding 1 gives one back at the end.")
    return same_array(answer, expected, name="your counts", squeeze=True, mistakes=[
        (flipped, "Your map is the right one mirrored: the padding crops at the start (top/left), output_padding "
                  "adds at the end (bottom/right)."),
    ])


@exercise("06.3", "IoU per class from a confusion matrix",
          answer="an array of one IoU per class (background first)", given=("confusion",))
def iou_from_confusion(answer, confusion):
    table = np.asarray(confusion, dtype=float)
    if table.ndim != 2 or table.shape[0] != table.shape[1]:
        raise TypeError(f"confusion must be a square confusion matrix, got the shape {table.shape}")
    tp = np.diag(table)
    truth, predicted = table.sum(axis=1), table.sum(axis=0)
    expected = tp / (truth + predicted - tp)
    return same_array(answer, expected, name="your IoUs", atol=1e-9, reveal_shape=True, mistakes=[
        (tp / truth, "That is the recall of each class (the share of its true pixels found): IoU also counts "
                     "the pixels wrongly given to the class."),
        (tp / predicted, "That is the precision of each class: IoU also counts the class's pixels that were "
                         "missed."),
        (2 * tp / (truth + predicted), "That is Dice, 2|P∩G| / (|P| + |G|); IoU is |P∩G| / |P∪G|."),
        (tp / (truth + predicted), "The union counts the overlap once: |P∪G| = |P| + |G| - |P∩G|."),
    ])
