"""The operators on NumPy arrays, with PyTorch's names and semantics: validate once, then run a method.

* :mod:`.conv`: ``conv1d/2d/3d`` and ``conv_transpose1d/2d/3d``;
* :mod:`.pool`: max and average pooling and their backward products;
* :mod:`.resize`: ``interpolate`` (nearest, linear, bilinear, trilinear) and its backward.

How each is computed is the ``method=`` of :mod:`tconv.methods`. These functions record no
gradient; their differentiable twins are in :mod:`tconv.nn.functional`.
"""
from .conv import conv1d, conv2d, conv3d, conv_transpose1d, conv_transpose2d, conv_transpose3d
from .pool import avg_pool1d, avg_pool2d, avg_pool3d, max_pool1d, max_pool2d, max_pool3d
from .resize import interpolate

__all__ = ["conv1d", "conv2d", "conv3d", "conv_transpose1d", "conv_transpose2d", "conv_transpose3d",
           "max_pool1d", "max_pool2d", "max_pool3d", "avg_pool1d", "avg_pool2d", "avg_pool3d", "interpolate"]
