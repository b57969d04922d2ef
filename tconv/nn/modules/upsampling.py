"""``Upsample``: resize by a factor or to a size (nearest, linear, bilinear, trilinear).

A fixed (not learned) upsampler; "resize then convolve" avoids the checkerboard artifacts of
a strided transposed convolution whose kernel size is not a multiple of its stride (Odena,
Dumoulin & Olah, 2016). Forwards to :func:`tconv.nn.functional.interpolate`.

>>> import numpy as np
>>> from tconv import Tensor
>>> up = Upsample(scale_factor=2, mode="nearest")
>>> up
Upsample(scale_factor=2.0, mode='nearest')
>>> up(Tensor(np.array([[[1.0, 2.0]]]))).data
array([[[1., 1., 2., 2.]]])
"""
from __future__ import annotations

from .. import functional as F
from ..module import Module

__all__ = ["Upsample"]


class Upsample(Module):
    """``Upsample(size=None, scale_factor=None, mode="nearest", align_corners=None)``: exactly one of
    ``size`` and ``scale_factor``; ``align_corners`` only for the linear modes.

    >>> import numpy as np
    >>> from tconv import Tensor
    >>> up = Upsample(size=(4, 6), mode="bilinear")
    >>> up(Tensor(np.zeros((1, 3, 2, 3)))).shape             # (N, C, H, W) -> (N, C, 4, 6)
    (1, 3, 4, 6)
    """

    def __init__(self, size=None, scale_factor=None, mode: str = "nearest", align_corners: bool | None = None):
        super().__init__()
        if (size is None) == (scale_factor is None):
            raise ValueError("Upsample needs exactly one of size and scale_factor")
        self.size = size
        if isinstance(scale_factor, (tuple, list)):
            self.scale_factor = tuple(float(f) for f in scale_factor)
        else:
            self.scale_factor = float(scale_factor) if scale_factor is not None else None
        self.mode = mode
        self.align_corners = align_corners

    def forward(self, input):
        return F.interpolate(input, self.size, self.scale_factor, self.mode, self.align_corners)

    def extra_repr(self) -> str:
        if self.scale_factor is not None:
            info = f"scale_factor={self.scale_factor!r}"
        else:
            info = f"size={self.size!r}"
        return info + f", mode={self.mode!r}"
