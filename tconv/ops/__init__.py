"""The operators on NumPy arrays, with PyTorch's names and semantics: validate once, then run a method.

* :mod:`.conv`: ``conv1d/2d/3d`` and ``conv_transpose1d/2d/3d``;
* :mod:`.pool`: max and average pooling and their backward products;
* :mod:`.resize`: ``interpolate`` (nearest, linear, bilinear, trilinear) and its backward;
* :mod:`.shuffle`: ``pixel_shuffle`` and ``pixel_unshuffle`` (sub-pixel convolution's depth to space);
* :mod:`.unpool`: ``max_unpool1d/2d/3d`` (SegNet's decoder) and max pooling's selection matrix.

How each is computed is the ``method=`` of :mod:`tconv.methods`. These functions record no
gradient; their differentiable twins are in :mod:`tconv.nn.functional`.
"""
from .conv import conv1d, conv2d, conv3d, conv_transpose1d, conv_transpose2d, conv_transpose3d
from .pool import avg_pool1d, avg_pool2d, avg_pool3d, max_pool1d, max_pool2d, max_pool3d
from .resize import interpolate
from .shuffle import pixel_shuffle, pixel_unshuffle
from .unpool import max_unpool1d, max_unpool2d, max_unpool3d

__all__ = ["conv1d", "conv2d", "conv3d", "conv_transpose1d", "conv_transpose2d", "conv_transpose3d",
           "max_pool1d", "max_pool2d", "max_pool3d", "avg_pool1d", "avg_pool2d", "avg_pool3d", "interpolate",
           "pixel_shuffle", "pixel_unshuffle", "max_unpool1d", "max_unpool2d", "max_unpool3d"]
