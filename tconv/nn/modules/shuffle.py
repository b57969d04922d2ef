"""``PixelShuffle`` and ``PixelUnshuffle``: sub-pixel convolution's depth to space and back (as PyTorch).

A stride-1 convolution with ``r²·C`` output channels followed by ``PixelShuffle(r)`` upsamples
by ``r`` (Shi et al. 2016). Initialised with :func:`tconv.nn.init.icnr_` it starts as nearest
upsampling of a convolution, free of checkerboards.

>>> import numpy as np
>>> from tconv.nn import Conv2d, Sequential
>>> up = Sequential(Conv2d(8, 4 * 3, 3, padding=1), PixelShuffle(2))
>>> up(np.zeros((1, 8, 5, 5), np.float32)).shape        # (N, C, H, W) -> (N, C / r², 2H, 2W)
(1, 3, 10, 10)
>>> up[1]
PixelShuffle(upscale_factor=2)
"""
from __future__ import annotations

from ..._checks import check_int
from .. import functional as F
from ..module import Module

__all__ = ["PixelShuffle", "PixelUnshuffle"]


class PixelShuffle(Module):
    """``PixelShuffle(upscale_factor)``: ``(*, C·r², H, W) -> (*, C, H·r, W·r)`` (:func:`tconv.nn.functional.pixel_shuffle`)."""

    def __init__(self, upscale_factor: int):
        super().__init__()
        self.upscale_factor = check_int("upscale_factor", upscale_factor, minimum=1)

    def forward(self, input):
        return F.pixel_shuffle(input, self.upscale_factor)

    def extra_repr(self) -> str:
        return f"upscale_factor={self.upscale_factor}"


class PixelUnshuffle(Module):
    """``PixelUnshuffle(downscale_factor)``: ``(*, C, H·r, W·r) -> (*, C·r², H, W)`` (:func:`tconv.nn.functional.pixel_unshuffle`).

    >>> import numpy as np
    >>> PixelUnshuffle(2)(np.zeros((1, 3, 4, 6))).shape
    (1, 12, 2, 3)
    """

    def __init__(self, downscale_factor: int):
        super().__init__()
        self.downscale_factor = check_int("downscale_factor", downscale_factor, minimum=1)

    def forward(self, input):
        return F.pixel_unshuffle(input, self.downscale_factor)

    def extra_repr(self) -> str:
        return f"downscale_factor={self.downscale_factor}"
