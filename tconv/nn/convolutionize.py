"""FCN's first idea: a fully connected layer *is* a convolution (Long, Shelhamer & Darrell 2015, section 3.1).

A classifier flattens its last feature map ``(C, h, w)`` and applies ``Linear(C·h·w, n)``:
output ``k`` is ``Σ W[k, (c, i, j)] · x[c, i, j]``, exactly a convolution with ``n`` kernels of
size ``h x w`` evaluated at the one position where the kernel covers the map. Written as that
convolution, the layer also runs on a larger map: it slides, and gives one classification per
window, a coarse *map* of scores. The next ``Linear(n, m)`` becomes a 1x1 convolution. This is
how FCN turns a classification net into a segmentation net of any input size.

>>> import numpy as np
>>> from tconv.nn import Linear
>>> fc = Linear(2 * 3 * 3, 4, rng=np.random.default_rng(0))
>>> conv = convolutionize(fc, (2, 3, 3))
>>> conv
Conv2d(2, 4, kernel_size=(3, 3), stride=(1, 1))
>>> x = np.random.default_rng(1).standard_normal((1, 2, 3, 3)).astype(np.float32)
>>> np.allclose(conv(x).data[:, :, 0, 0], fc(x.reshape(1, -1)).data, atol=1e-6)
True
>>> conv(np.zeros((1, 2, 7, 5), np.float32)).shape          # slides: a 5 x 3 map of scores
(1, 4, 5, 3)
"""
from __future__ import annotations

import math

from .._checks import is_int
from .modules.conv import Conv1d, Conv2d, Conv3d
from .modules.linear import Linear

__all__ = ["convolutionize"]


def convolutionize(linear: Linear, input_shape):
    """The convolution computing ``linear`` at every window of a map: ``Conv{n}d(C, out, kernel_size=spatial)``.

    ``input_shape`` is the ``(C, *spatial)`` shape whose row-major flattening feeds ``linear``
    (1 to 3 spatial axes; ``(n,)`` or ``(n, 1, 1)`` for a layer after another fully connected
    one gives a 1x1 convolution). The weights are copied: ``weight.reshape(out, C, *spatial)``
    and the same bias; the layer has ``linear``'s dtype.

    >>> from tconv.nn import Linear
    >>> convolutionize(Linear(4, 3), (4, 1, 1)).kernel_size
    (1, 1)
    >>> convolutionize(Linear(4, 3), (2, 3))
    Traceback (most recent call last):
    ...
    ValueError: input_shape=(2, 3) has 6 values, but the layer takes in_features=4
    """
    if not isinstance(linear, Linear):
        raise TypeError(f"linear must be a tconv.nn.Linear, got {type(linear).__name__}")
    try:
        shape = tuple(input_shape)
    except TypeError:
        raise TypeError(f"input_shape={input_shape!r} must be a tuple (C, *spatial)") from None
    if len(shape) == 1:
        shape = shape + (1, 1)
    if not 2 <= len(shape) <= 4 or not all(is_int(v) and v >= 1 for v in shape):
        raise ValueError(f"input_shape={input_shape!r} must be (C, *spatial) with 1 to 3 positive spatial sizes")
    if math.prod(shape) != linear.in_features:
        raise ValueError(f"input_shape={input_shape!r} has {math.prod(shape)} values, but the layer takes "
                         f"in_features={linear.in_features}")
    channels, spatial = shape[0], shape[1:]
    layer = (Conv1d, Conv2d, Conv3d)[len(spatial) - 1](channels, linear.out_features, spatial,
                                                        bias=linear.bias is not None, dtype=linear.weight.dtype)
    layer.weight.data[...] = linear.weight.data.reshape(layer.weight.shape)
    if linear.bias is not None:
        layer.bias.data[...] = linear.bias.data
    return layer
