"""The method ``"matrix"``: the explicit sparse matrix ``C`` of :mod:`tconv.matrix`, multiplied.

The slowest and the most literal method: ``C @ x`` and ``C.T @ y`` are products with the
matrix itself, and the weight gradient sums, for every weight entry ``k``, the products
``feature[row] * image[col]`` over the nonzeros of ``C`` that hold ``k`` (:meth:`~tconv.matrix.ConvMatrix.pattern`).
Every other method is checked against this one.

>>> from tconv.geometry import conv_geometry
>>> forward(np.ones((1, 1, 4)), np.ones((1, 1, 3)), conv_geometry((4,), (3,)), 1)
array([[[3., 3.]]])
"""
from __future__ import annotations

import numpy as np

from ..geometry import ConvGeometry
from ..matrix import build_matrix

__all__ = ["forward", "adjoint", "weight_grad"]


def _rows(batch: np.ndarray) -> np.ndarray:
    """``(N, C, *spatial)`` as ``N`` flattened rows (also for ``N = 0``)."""
    return batch.reshape(batch.shape[0], int(np.prod(batch.shape[1:])))


def forward(image, weight, geometry: ConvGeometry, groups):
    """``C @ image``: each flattened image times ``C.T``, as rows."""
    C = build_matrix(weight, geometry, groups)
    flat = _rows(image) @ C.T     # rows of x times C^T == C @ each x
    return flat.reshape((image.shape[0], weight.shape[0]) + geometry.feature_size)


def adjoint(feature, weight, geometry: ConvGeometry, groups):
    """``C.T @ feature``: each flattened feature map times ``C``, as rows."""
    C = build_matrix(weight, geometry, groups)
    flat = _rows(feature) @ C   # rows of y times C == C^T @ each y
    return flat.reshape((feature.shape[0], weight.shape[1] * groups) + geometry.image_size)


def weight_grad(image, feature, geometry: ConvGeometry, groups):
    """``grad_w[k]``: the sum of ``feature[row] * image[col]`` over the nonzeros of ``C`` holding weight ``k``."""
    shape = (feature.shape[1], image.shape[1] // groups) + geometry.kernel_size
    C = build_matrix(np.empty(shape, dtype=image.dtype), geometry, groups)  # only the pattern is used
    image, feature = _rows(image), _rows(feature)
    grad = np.zeros(int(np.prod(shape)), dtype=np.float64)
    for n in range(image.shape[0]):
        # grad_w[k] = sum over the nonzeros (row, col) holding weight k of feature[row] * image[col]
        grad += np.bincount(C.weight_index, weights=feature[n, C.rows] * image[n, C.cols],
                            minlength=grad.size)
    return grad.astype(image.dtype).reshape(shape)
