"""Neural-network building blocks with PyTorch's names: layers, ``Module``, ``Parameter``, ``init``.

* :class:`Module`, :class:`Parameter`: registration, dotted names, ``state_dict``, ``train``/``eval``;
* layers (:mod:`tconv.nn.modules`): ``Conv1d/2d/3d``, ``ConvTranspose1d/2d/3d``, ``ReLU``, ...,
  ``BatchNorm2d/3d``, ``Dropout``, ``Upsample``, ``PixelShuffle``, ``MaxUnpool2d``, ``Linear``,
  ``Sequential``, ``ModuleList``; :func:`convolutionize` (a ``Linear`` as a convolution, FCN);
* :mod:`tconv.nn.init`: initialisers, including FCN's ``bilinear_``;
* :mod:`tconv.nn.functional`: the differentiable ops the layers call;
* :func:`summary`: each layer's output shape and parameter count (forward hooks, as torchinfo).

>>> import numpy as np
>>> from tconv.nn import Sequential, Conv2d, ReLU, ConvTranspose2d
>>> net = Sequential(Conv2d(1, 4, 3, stride=2, padding=1), ReLU(), ConvTranspose2d(4, 1, 4, stride=2, padding=1))
>>> net(np.zeros((2, 1, 8, 8), np.float32)).shape
(2, 1, 8, 8)
>>> [name for name, _ in net.named_parameters()]
['0.weight', '0.bias', '2.weight', '2.bias']
"""
from . import functional, init
from .module import IncompatibleKeys, Module
from .modules import (AvgPool1d, AvgPool2d, AvgPool3d, BatchNorm1d, BatchNorm2d, BatchNorm3d, BCEWithLogitsLoss,
                      Conv1d, Conv2d, Conv3d, ConvTranspose1d, ConvTranspose2d, ConvTranspose3d, CrossEntropyLoss,
                      Dropout, Flatten, Identity, LeakyReLU, Linear, LogSoftmax, MaxPool1d, MaxPool2d, MaxPool3d,
                      MaxUnpool1d, MaxUnpool2d, MaxUnpool3d, ModuleList, PixelShuffle, PixelUnshuffle, ReLU,
                      Sequential, Sigmoid, Softmax, Tanh, Upsample)
from .convolutionize import convolutionize
from .parameter import Parameter
from .summary import LayerSummary, summary

__all__ = [
    "functional", "init", "Module", "Parameter", "IncompatibleKeys",
    "Conv1d", "Conv2d", "Conv3d", "ConvTranspose1d", "ConvTranspose2d", "ConvTranspose3d",
    "ReLU", "LeakyReLU", "Sigmoid", "Tanh", "Softmax", "LogSoftmax", "Identity",
    "MaxPool1d", "MaxPool2d", "MaxPool3d", "AvgPool1d", "AvgPool2d", "AvgPool3d",
    "Upsample", "BatchNorm1d", "BatchNorm2d", "BatchNorm3d", "Dropout", "Sequential", "ModuleList",
    "CrossEntropyLoss", "BCEWithLogitsLoss", "summary", "LayerSummary",
    "Linear", "Flatten", "PixelShuffle", "PixelUnshuffle", "MaxUnpool1d", "MaxUnpool2d", "MaxUnpool3d",
    "convolutionize",
]
