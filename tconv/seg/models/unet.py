"""U-Net (Ronneberger, Fischer & Brox 2015), small and padded, in 2-D or 3-D.

::

    level 0   x ── DoubleConv(in, b) ─────────────────────────────── cat ── DoubleConv(2b, b) ── 1x1 ── logits
                        │ maxpool 2                                  │ up(2b -> b)
    level 1             └─ DoubleConv(b, 2b) ───────────── cat ── DoubleConv(4b, 2b)
                                 │ maxpool 2               │ up(4b -> 2b)
    bottom (depth=2)             └─ DoubleConv(2b, 4b) ────┘

``depth`` counts the 2x2 poolings (as MONAI's ``strides`` and milesial's U-Net count them):
``depth=3`` works at resolutions 1, 1/2, 1/4 and 1/8, with widths ``b, 2b, 4b`` and ``8b`` at
the bottom. Each level is two 3x3 convolutions with ReLU (and batch norm if asked, "same"
padding, so the output has the input's size); going up, the decoder upsamples by 2
(:func:`~tconv.seg.models.blocks.upsampler`: ``"transpose"``, the notes' missing building
block, ``"resize"`` or ``"bilinear"``), pads the result to its skip connection's size when a
side was odd (milesial/Pytorch-UNet), concatenates the two along the channels and applies the
level's block. A 1x1 convolution gives one logit per class.

Children and their ``state_dict`` names: ``encoder.{level}``, ``bottleneck``,
``up.{i}`` and ``decoder.{i}`` (``i = 0`` is the deepest), ``head``.
"""
from __future__ import annotations

from ... import nn
from ..._checks import check_bool, check_int
from ...nn import functional as F
from .blocks import DoubleConv, check_dim, check_model_input, check_width, layers, match_size, upsampler

__all__ = ["UNet"]


class UNet(nn.Module):
    """``UNet(in_channels=1, num_classes=2, base=16, depth=3, up="transpose", batch_norm=False, dim=2)``.

    Input ``(N, in_channels, *spatial)`` with 2 (``dim=2``) or 3 (``dim=3``) spatial axes of any
    size; output ``(N, num_classes, *spatial)`` logits of the same size.

    >>> import numpy as np
    >>> model = UNet(in_channels=1, num_classes=3, base=4, depth=2)
    >>> model(np.zeros((2, 1, 17, 20), np.float32)).shape          # odd sizes work
    (2, 3, 17, 20)
    >>> [name for name, _ in model.named_children()]
    ['encoder', 'bottleneck', 'up', 'decoder', 'head']
    """

    def __init__(self, in_channels: int = 1, num_classes: int = 2, base: int = 16, depth: int = 3,
                 up: str = "transpose", batch_norm: bool = False, dim: int = 2):
        super().__init__()
        self.in_channels = check_int("in_channels", in_channels, minimum=1)
        self.num_classes = check_int("num_classes", num_classes, minimum=1)
        self.base = check_int("base", base, minimum=1)
        self.depth = check_int("depth", depth, minimum=1, maximum=6)
        self.up_kind = up
        self.batch_norm = check_bool("batch_norm", batch_norm)
        self.dim = check_dim(dim)
        check_width("UNet", base * 2 ** depth, base, depth)
        widths = [base * 2 ** level for level in range(depth + 1)]
        self.encoder = nn.ModuleList([DoubleConv(in_channels if level == 0 else widths[level - 1], widths[level],
                                                 batch_norm, dim) for level in range(depth)])
        self.bottleneck = DoubleConv(widths[depth - 1], widths[depth], batch_norm, dim)
        self.up = nn.ModuleList([upsampler(up, widths[level + 1], widths[level], dim)
                                 for level in reversed(range(depth))])
        self.decoder = nn.ModuleList([DoubleConv(2 * widths[level], widths[level], batch_norm, dim)
                                      for level in reversed(range(depth))])
        self.head = layers(dim)["conv"](base, num_classes, 1)
        self._pool = layers(dim)["pool"]

    def forward(self, x):
        check_model_input(self, x, self.depth)
        skips = []
        for block in self.encoder:
            x = block(x)
            skips.append(x)
            x = self._pool(x, 2)
        x = self.bottleneck(x)
        for up, block, skip in zip(self.up, self.decoder, reversed(skips)):
            x = block(F.cat([skip, match_size(up(x), skip)], dim=1))
        return self.head(x)

    def summary(self, input_shape, show: bool = True):
        """Each layer's output shape and parameter count for an input of ``input_shape`` (printed if ``show``).

        >>> rows = UNet(base=4, depth=2).summary((1, 1, 16, 16), show=False)
        >>> [(r.name, r.output_shape) for r in rows if r.name in ("bottleneck", "head")]
        [('bottleneck', (1, 16, 4, 4)), ('head', (1, 2, 16, 16))]
        """
        return nn.summary(self, input_shape, show=show)

    def config(self) -> dict:
        """The constructor's arguments (stored with checkpoints, so ``tconv predict`` can rebuild the model)."""
        return dict(model="unet", in_channels=self.in_channels, num_classes=self.num_classes, base=self.base,
                    depth=self.depth, up=self.up_kind, batch_norm=self.batch_norm, dim=self.dim)

    def extra_repr(self) -> str:
        return (f"in_channels={self.in_channels}, num_classes={self.num_classes}, base={self.base}, "
                f"depth={self.depth}, up={self.up_kind!r}, batch_norm={self.batch_norm}, dim={self.dim}")
