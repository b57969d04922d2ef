"""U-Net (Ronneberger, Fischer & Brox 2015), small and padded, in 2-D or 3-D, or unpadded as the paper.

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

``padding="valid"`` is the paper's network: unpadded 3x3 convolutions, so every level loses a
border, and each skip connection is **cropped** to the upsampled map's size before the
concatenation ("copy and crop"). The output is smaller than the input: with ``depth=4`` a
572 x 572 tile gives 388 x 388 (the paper's figure 1), and only sizes for which every pooling
sees an even size are accepted (:func:`valid_output_size`). Such tiles are put together by the
overlap-tile strategy (:mod:`tconv.seg.train.tiling`). ``bottleneck="aspp"`` replaces the
bottom block with an atrous spatial pyramid (:class:`~tconv.seg.models.aspp.ASPP`, without
its image-pooling branch, so the network stays translation-equivariant and can be tiled).

Children and their ``state_dict`` names: ``encoder.{level}``, ``bottleneck``,
``up.{i}`` and ``decoder.{i}`` (``i = 0`` is the deepest), ``head``.
"""
from __future__ import annotations

from ... import nn
from ..._checks import check_bool, check_choice, check_int
from ...nn import functional as F
from .aspp import ASPP
from .blocks import (PADDINGS, DoubleConv, check_dim, check_model_input, check_width, layers, match_size,
                     upsampler)

__all__ = ["UNet", "valid_output_size", "valid_input_sizes", "BOTTLENECKS"]

#: The bottom block: two 3x3 convolutions, or an atrous spatial pyramid.
BOTTLENECKS = ("double", "aspp")
#: The dilation rates of ``bottleneck="aspp"``.
ASPP_RATES = (1, 2, 4)


def valid_output_size(size: int, depth: int, kernel_size: int = 3) -> int | None:
    """The output side of a valid (unpadded) U-Net for an input side ``size``, or None if it cannot take it.

    Each level's two convolutions take ``2(k - 1)`` pixels; every pooling needs an even size.

    >>> valid_output_size(572, 4)                 # the paper's tile
    388
    >>> valid_output_size(570, 4) is None         # a pooling would see an odd size
    True
    """
    s = size
    for _ in range(depth):
        s -= 2 * (kernel_size - 1)
        if s <= 0 or s % 2:
            return None
        s //= 2
    s -= 2 * (kernel_size - 1)
    for _ in range(depth):
        if s <= 0:
            return None
        s = 2 * s - 2 * (kernel_size - 1)
    return s if s > 0 else None


def valid_input_sizes(depth: int, low: int, high: int, kernel_size: int = 3) -> list[int]:
    """The input sides in ``[low, high]`` a valid U-Net of ``depth`` takes (every ``2**depth`` pixels).

    >>> valid_input_sizes(4, 560, 600)
    [572, 588]
    """
    return [n for n in range(max(1, low), high + 1) if valid_output_size(n, depth, kernel_size) is not None]


class UNet(nn.Module):
    """``UNet(in_channels=1, num_classes=2, base=16, depth=3, up="transpose", batch_norm=False, dim=2, padding="same", bottleneck="double")``.

    Input ``(N, in_channels, *spatial)`` with 2 (``dim=2``) or 3 (``dim=3``) spatial axes of any
    size; output ``(N, num_classes, *spatial)`` logits of the same size. With
    ``padding="valid"`` the output is smaller (:meth:`output_size`) and the input's sides must be
    valid sizes (:func:`valid_output_size`).

    >>> import numpy as np
    >>> model = UNet(in_channels=1, num_classes=3, base=4, depth=2)
    >>> model(np.zeros((2, 1, 17, 20), np.float32)).shape          # odd sizes work
    (2, 3, 17, 20)
    >>> [name for name, _ in model.named_children()]
    ['encoder', 'bottleneck', 'up', 'decoder', 'head']
    >>> paper = UNet(1, 2, base=1, depth=4, padding="valid")
    >>> paper.output_size((572, 572))
    (388, 388)
    """

    def __init__(self, in_channels: int = 1, num_classes: int = 2, base: int = 16, depth: int = 3,
                 up: str = "transpose", batch_norm: bool = False, dim: int = 2, padding: str = "same",
                 bottleneck: str = "double"):
        super().__init__()
        self.in_channels = check_int("in_channels", in_channels, minimum=1)
        self.num_classes = check_int("num_classes", num_classes, minimum=1)
        self.base = check_int("base", base, minimum=1)
        self.depth = check_int("depth", depth, minimum=1, maximum=6)
        self.up_kind = up
        self.batch_norm = check_bool("batch_norm", batch_norm)
        self.dim = check_dim(dim)
        self.padding = check_choice("padding", padding, PADDINGS)
        self.bottleneck_kind = check_choice("bottleneck", bottleneck, BOTTLENECKS)
        check_width("UNet", base * 2 ** depth, base, depth)
        widths = [base * 2 ** level for level in range(depth + 1)]
        self.encoder = nn.ModuleList([DoubleConv(in_channels if level == 0 else widths[level - 1], widths[level],
                                                 batch_norm, dim, padding=padding) for level in range(depth)])
        if bottleneck == "aspp":
            self.bottleneck = ASPP(widths[depth - 1], widths[depth], ASPP_RATES, image_pooling=False,
                                   batch_norm=batch_norm, dim=dim)
        else:
            self.bottleneck = DoubleConv(widths[depth - 1], widths[depth], batch_norm, dim, padding=padding)
        self.up = nn.ModuleList([upsampler(up, widths[level + 1], widths[level], dim)
                                 for level in reversed(range(depth))])
        self.decoder = nn.ModuleList([DoubleConv(2 * widths[level], widths[level], batch_norm, dim, padding=padding)
                                      for level in reversed(range(depth))])
        self.head = layers(dim)["conv"](base, num_classes, 1)
        self._pool = layers(dim)["pool"]

    def forward(self, x):
        check_model_input(self, x, self.depth)
        if self.padding == "valid":
            self.output_size(tuple(x.shape[2:]))            # refuses sizes the valid network cannot take
        skips = []
        for block in self.encoder:
            x = block(x)
            skips.append(x)
            x = self._pool(x, 2)
        x = self.bottleneck(x)
        for up, block, skip in zip(self.up, self.decoder, reversed(skips)):
            x = up(x)
            if self.padding == "valid":                     # copy and crop: the skip, centred, to the map's size
                x = block(F.cat([match_size(skip, x), x], dim=1))
            else:
                x = block(F.cat([skip, match_size(x, skip)], dim=1))
        return self.head(x)

    def output_size(self, input_size) -> tuple:
        """The spatial size of the logits for an input of spatial size ``input_size``.

        The same size with ``padding="same"``; smaller with ``"valid"``, where a size the
        network cannot take raises ``ValueError`` naming the nearest sizes it can.

        >>> UNet(base=1, depth=2, padding="valid").output_size((44, 60))
        (4, 20)
        >>> UNet(base=1, depth=2, padding="valid").output_size((45, 60))
        Traceback (most recent call last):
        ...
        ValueError: UNet(depth=2, padding='valid') cannot take a side of 45 pixels (a pooling would see an odd size, or a level would vanish); the nearest sides it takes are 44 and 48 (a step of 4 = 2**depth)
        """
        sizes = tuple(input_size)
        if self.padding == "same":
            return sizes
        out = []
        for n in sizes:
            o = valid_output_size(n, self.depth)
            if o is None:
                below = [v for v in valid_input_sizes(self.depth, n - 2 ** self.depth, n)]
                above = [v for v in valid_input_sizes(self.depth, n, n + 2 ** self.depth)] or \
                    valid_input_sizes(self.depth, n, n + 40 * 2 ** self.depth)[:1]
                near = " and ".join(str(v) for v in (below[-1:] + above[:1]))
                raise ValueError(f"UNet(depth={self.depth}, padding='valid') cannot take a side of {n} pixels (a pooling "
                                 f"would see an odd size, or a level would vanish); the nearest sides it takes are "
                                 f"{near} (a step of {2 ** self.depth} = 2**depth)")
            out.append(o)
        return tuple(out)

    def summary(self, input_shape, show: bool = True):
        """Each layer's output shape and parameter count for an input of ``input_shape`` (printed if ``show``).

        >>> rows = UNet(base=4, depth=2).summary((1, 1, 16, 16), show=False)
        >>> [(r.name, r.output_shape) for r in rows if r.name in ("bottleneck", "head")]
        [('bottleneck', (1, 16, 4, 4)), ('head', (1, 2, 16, 16))]
        """
        return nn.summary(self, input_shape, show=show)

    def config(self) -> dict:
        """The constructor's arguments (stored with checkpoints, so ``tconv predict`` can rebuild the model)."""
        config = dict(model="unet", in_channels=self.in_channels, num_classes=self.num_classes, base=self.base,
                      depth=self.depth, up=self.up_kind, batch_norm=self.batch_norm, dim=self.dim)
        if self.padding != "same":
            config["padding"] = self.padding
        if self.bottleneck_kind != "double":
            config["bottleneck"] = self.bottleneck_kind
        return config

    def extra_repr(self) -> str:
        text = (f"in_channels={self.in_channels}, num_classes={self.num_classes}, base={self.base}, "
                f"depth={self.depth}, up={self.up_kind!r}, batch_norm={self.batch_norm}, dim={self.dim}")
        if self.padding != "same":
            text += f", padding={self.padding!r}"
        if self.bottleneck_kind != "double":
            text += f", bottleneck={self.bottleneck_kind!r}"
        return text
