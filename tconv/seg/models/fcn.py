"""A small FCN (Long, Shelhamer & Darrell 2015): a fully convolutional encoder, class scores at
1/8 resolution, and bilinear-initialised transposed convolutions back up, fusing a skip.

::

    x ── block(in, b) ─ pool ─ block(b, 2b) ─ pool ─┬─ block(2b, 4b) ─ pool ─ block(4b, 8b) ── score (1x1) ── 1/8
                                                    │                                                      │ up2 (x2, bilinear init)
                                                    └─ score_skip (1x1, zero init) ──────────────── (+) ── 1/4
                                                                                                          │ up4 (x4, bilinear init)
                                                                                                        logits

As FCN-16s fuses ``pool4`` into the ``pool5`` scores, this fuses the 1/4-resolution features into
the 1/8 scores; the skip's score layer starts at zero, so training starts from the coarse
prediction upsampled bilinearly (FCN's recipe). ``up2`` is ``ConvTranspose(C, C, 4, stride=2,
padding=1)`` and ``up4`` is ``ConvTranspose(C, C, 8, stride=4, padding=2)`` (``k = 2s``, ``p = s/2``:
a magnification by ``s``), both :func:`tconv.nn.init.bilinear_`: each class upsamples itself.
Odd sizes are handled by padding or cropping the upsampled maps to the skip's and the input's
size (FCN crops).
"""
from __future__ import annotations

from ... import nn
from ..._checks import check_bool, check_int
from ...nn import init
from .blocks import DoubleConv, check_dim, check_model_input, check_width, layers, match_size

__all__ = ["FCN"]


class FCN(nn.Module):
    """``FCN(in_channels=1, num_classes=2, base=16, batch_norm=False, dim=2)``: ``(N, C_in, *S) -> (N, num_classes, *S)``.

    >>> import numpy as np
    >>> model = FCN(1, 3, base=4)
    >>> model(np.zeros((1, 1, 30, 22), np.float32)).shape
    (1, 3, 30, 22)
    >>> bool(np.all(model.score_skip.weight.data == 0))                   # the skip starts silent
    True
    """

    def __init__(self, in_channels: int = 1, num_classes: int = 2, base: int = 16, batch_norm: bool = False,
                 dim: int = 2):
        super().__init__()
        self.in_channels = check_int("in_channels", in_channels, minimum=1)
        self.num_classes = check_int("num_classes", num_classes, minimum=1)
        self.base = check_int("base", base, minimum=1)
        self.batch_norm = check_bool("batch_norm", batch_norm)
        self.dim = check_dim(dim)
        check_width("FCN", 8 * base, base)
        kinds = layers(dim)
        self.stages = nn.ModuleList([DoubleConv(in_channels, base, batch_norm, dim),
                                     DoubleConv(base, 2 * base, batch_norm, dim),
                                     DoubleConv(2 * base, 4 * base, batch_norm, dim),
                                     DoubleConv(4 * base, 8 * base, batch_norm, dim)])
        self.score = kinds["conv"](8 * base, num_classes, 1)
        self.score_skip = kinds["conv"](2 * base, num_classes, 1)
        init.zeros_(self.score_skip.weight)
        init.zeros_(self.score_skip.bias)
        self.up2 = kinds["up"](num_classes, num_classes, 4, stride=2, padding=1)
        self.up4 = kinds["up"](num_classes, num_classes, 8, stride=4, padding=2)
        for layer in (self.up2, self.up4):
            init.bilinear_(layer.weight)
            init.zeros_(layer.bias)
        self._pool = kinds["pool"]

    def forward(self, x):
        check_model_input(self, x, 3)
        image = x
        x = self._pool(self.stages[0](x), 2)                    # 1/2
        quarter = self._pool(self.stages[1](x), 2)              # 1/4: the skip
        eighth = self._pool(self.stages[2](quarter), 2)         # 1/8
        scores = self.score(self.stages[3](eighth))
        skip_scores = self.score_skip(quarter)
        x = match_size(self.up2(scores), skip_scores) + skip_scores
        return match_size(self.up4(x), image)

    def summary(self, input_shape, show: bool = True):
        """Each layer's output shape and parameter count (see :func:`tconv.nn.summary`)."""
        return nn.summary(self, input_shape, show=show)

    def config(self) -> dict:
        """The constructor's arguments (stored with checkpoints)."""
        return dict(model="fcn", in_channels=self.in_channels, num_classes=self.num_classes, base=self.base,
                    batch_norm=self.batch_norm, dim=self.dim)
