"""Differentiable neural-network ops on :class:`~tconv.autograd.Tensor`, mirroring ``torch.nn.functional``.

Each op is defined once, with its forward and its vector-Jacobian product side by side
(:func:`tconv.autograd.function.defop`). Files by concept:

* :mod:`.conv`: ``conv1d/2d/3d``, ``conv_transpose1d/2d/3d``, each the other's gradient;
* :mod:`.pooling`: ``max_pool1d/2d/3d``, ``avg_pool1d/2d/3d``, ``interpolate``;
* :mod:`.unpooling`: ``max_unpool1d/2d/3d``; :mod:`.shuffle`: ``pixel_shuffle``, ``pixel_unshuffle``;
* :mod:`.linear`: ``linear``;
* :mod:`.activation`: ``relu``, ``leaky_relu``, ``sigmoid``, ``tanh``, ``softmax``, ``log_softmax``;
* :mod:`.shape`: ``pad``, ``cat``, ``stack``;
* :mod:`.normalization`: ``batch_norm``, ``batch_norm_relu`` (fused); :mod:`.dropout`: ``dropout``;
* :mod:`.loss`: ``cross_entropy``, ``binary_cross_entropy_with_logits``.

Arguments may be Tensors or plain arrays (constants). Usually imported as
``import tconv.nn.functional as F``.

>>> import numpy as np
>>> import tconv.nn.functional as F
>>> from tconv import Tensor
>>> x = Tensor(np.ones((1, 1, 4, 4)), requires_grad=True)
>>> w = Tensor(np.ones((1, 1, 3, 3)), requires_grad=True)
>>> loss = F.relu(F.conv2d(x, w, padding=1)).mean()
>>> loss.backward()
>>> x.grad.shape, w.grad.shape
((1, 1, 4, 4), (1, 1, 3, 3))
"""
from .activation import leaky_relu, log_softmax, relu, sigmoid, softmax, tanh
from .conv import conv1d, conv2d, conv3d, conv_transpose1d, conv_transpose2d, conv_transpose3d
from .dropout import dropout
from .linear import linear
from .loss import binary_cross_entropy_with_logits, cross_entropy
from .normalization import batch_norm, batch_norm_relu
from .pooling import (avg_pool1d, avg_pool2d, avg_pool3d, interpolate, max_pool1d, max_pool2d,
                      max_pool3d)
from .shape import cat, pad, stack
from .shuffle import pixel_shuffle, pixel_unshuffle
from .unpooling import max_unpool1d, max_unpool2d, max_unpool3d

__all__ = [
    "conv1d", "conv2d", "conv3d", "conv_transpose1d", "conv_transpose2d", "conv_transpose3d",
    "max_pool1d", "max_pool2d", "max_pool3d", "avg_pool1d", "avg_pool2d", "avg_pool3d", "interpolate",
    "max_unpool1d", "max_unpool2d", "max_unpool3d", "pixel_shuffle", "pixel_unshuffle", "linear",
    "relu", "leaky_relu", "sigmoid", "tanh", "softmax", "log_softmax",
    "pad", "cat", "stack", "batch_norm", "batch_norm_relu", "dropout",
    "cross_entropy", "binary_cross_entropy_with_logits",
]
