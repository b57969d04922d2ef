"""The layers of :mod:`tconv.nn`, one file per family (each forwards to :mod:`tconv.nn.functional`)."""
from .activation import Identity, LeakyReLU, LogSoftmax, ReLU, Sigmoid, Softmax, Tanh
from .container import ModuleList, Sequential
from .conv import Conv1d, Conv2d, Conv3d, ConvTranspose1d, ConvTranspose2d, ConvTranspose3d
from .dropout import Dropout
from .linear import Flatten, Linear
from .loss import BCEWithLogitsLoss, CrossEntropyLoss
from .normalization import BatchNorm1d, BatchNorm2d, BatchNorm3d
from .pooling import AvgPool1d, AvgPool2d, AvgPool3d, MaxPool1d, MaxPool2d, MaxPool3d
from .shuffle import PixelShuffle, PixelUnshuffle
from .unpooling import MaxUnpool1d, MaxUnpool2d, MaxUnpool3d
from .upsampling import Upsample

__all__ = [
    "Conv1d", "Conv2d", "Conv3d", "ConvTranspose1d", "ConvTranspose2d", "ConvTranspose3d",
    "ReLU", "LeakyReLU", "Sigmoid", "Tanh", "Softmax", "LogSoftmax", "Identity",
    "MaxPool1d", "MaxPool2d", "MaxPool3d", "AvgPool1d", "AvgPool2d", "AvgPool3d",
    "Upsample", "BatchNorm1d", "BatchNorm2d", "BatchNorm3d", "Dropout", "Sequential", "ModuleList",
    "CrossEntropyLoss", "BCEWithLogitsLoss",
    "Linear", "Flatten", "PixelShuffle", "PixelUnshuffle", "MaxUnpool1d", "MaxUnpool2d", "MaxUnpool3d",
]
