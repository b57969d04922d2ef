"""tconv: transposed convolution and semantic segmentation from scratch, in NumPy.

A convolution is a sparse matrix ``C`` acting on the flattened input; the transposed
convolution is ``C.T``; and each is the other's gradient. See the README and tutorials/.
"""
from .geometry import (ConvGeometry, conv_geometry, conv_output_size, conv_transpose_geometry,
                       conv_transpose_output_size, effective_kernel, output_size_range)
from .matrix import ConvMatrix, conv_matrix, conv_transpose_matrix
from .methods import available_methods, get_default_method, set_default_method, use_method
from .methods.runtime import get_num_threads, set_num_threads
from .ops import (avg_pool1d, avg_pool2d, avg_pool3d, conv1d, conv2d, conv3d, conv_transpose1d, conv_transpose2d,
                  conv_transpose3d, interpolate, max_pool1d, max_pool2d, max_pool3d, max_unpool1d, max_unpool2d,
                  max_unpool3d, pixel_shuffle, pixel_unshuffle)
from .autograd import Tensor, compile, enable_grad, gradcheck, is_grad_enabled, no_grad, profiler
from .random import manual_seed
from .serialization import load, save
from . import nn, optim  # noqa: E402  (nn needs the autograd above)
from . import _moved

_moved.install()                # the old module names (tconv.fast, tconv.conv, ...) forward, with a warning

__version__ = "0.1.0"

__all__ = [
    "conv1d", "conv2d", "conv3d", "conv_transpose1d", "conv_transpose2d", "conv_transpose3d",
    "available_methods", "get_default_method", "set_default_method", "use_method",
    "ConvGeometry", "conv_geometry", "conv_transpose_geometry", "conv_output_size",
    "conv_transpose_output_size", "effective_kernel", "output_size_range",
    "ConvMatrix", "conv_matrix", "conv_transpose_matrix",
    "set_num_threads", "get_num_threads",
    "max_pool1d", "max_pool2d", "max_pool3d", "avg_pool1d", "avg_pool2d", "avg_pool3d", "interpolate",
    "max_unpool1d", "max_unpool2d", "max_unpool3d", "pixel_shuffle", "pixel_unshuffle",
    "Tensor", "no_grad", "enable_grad", "is_grad_enabled", "gradcheck", "profiler", "compile",
    "manual_seed", "save", "load", "nn", "optim",
]
