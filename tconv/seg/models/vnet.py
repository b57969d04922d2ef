"""V-Net lite (Milletari, Navab & Ahmadi 2016): a 3-D encoder-decoder with residual stages.

What makes V-Net V-Net is kept; its size is cut for a laptop:

* every stage is a few convolutions whose result is **added to the stage's input** (a
  residual stage), then ReLU (V-Net uses PReLU);
* going **down**, a ``2x2x2`` convolution with stride 2 halves the size and doubles the
  channels (V-Net replaces pooling with it);
* going **up**, a ``2x2x2`` transposed convolution with stride 2 doubles the size, and the
  result is concatenated with the encoder's stage of that size;
* the input stage adds the input repeated along the channels (as V-Net does) when
  ``base`` is a multiple of ``in_channels``;
* with ``batch_norm`` (the default, as MONAI's ``VNet``) every convolution is followed by batch
  normalisation before its ReLU (and has no bias).

Lite: ``kernel_size=3`` by default (V-Net's 5 is available, and 4.6x more arithmetic),
``convs=2`` convolutions per stage (V-Net has 1 to 3), ``depth=3`` levels (V-Net 4), ``base=8``
channels (V-Net 16). Widths ``w_l = base * 2**l``; decoder stages work at ``2 w_l`` channels
(upsampled + skip). ``dim=2`` gives the same network in 2-D.
"""
from __future__ import annotations

from ... import nn
from ..._checks import check_bool, check_int
from ...nn import functional as F
from .blocks import check_dim, check_model_input, check_width, layers, match_size

__all__ = ["VNet", "ResidualStage"]


class ResidualStage(nn.Module):
    """``relu(convs(x) + x)``: ``convs`` conv k x k (x ``n``, each with batch norm if asked) with ReLU between.

    >>> import numpy as np
    >>> stage = ResidualStage(4, convs=2, dim=3)
    >>> stage(np.zeros((1, 4, 5, 5, 5), np.float32)).shape
    (1, 4, 5, 5, 5)
    """

    def __init__(self, channels: int, convs: int = 2, kernel_size: int = 3, dim: int = 3, batch_norm: bool = False):
        super().__init__()
        kinds = layers(check_dim(dim))
        parts = []
        for i in range(check_int("convs", convs, minimum=1)):
            if i:
                parts.append(nn.ReLU())
            parts.append(kinds["conv"](channels, channels, kernel_size, padding=kernel_size // 2, bias=not batch_norm))
            if batch_norm:
                parts.append(kinds["norm"](channels))
        self.convs = nn.Sequential(*parts)

    def forward(self, x):
        return F.relu(self.convs(x) + x)


def _conv_norm(conv, norm, c_in, c_out, kernel_size, batch_norm, **kwargs):
    """A convolution, followed by batch norm when ``batch_norm`` (then without bias)."""
    layer = conv(c_in, c_out, kernel_size, bias=not batch_norm, **kwargs)
    return nn.Sequential(layer, norm(c_out)) if batch_norm else layer


class VNet(nn.Module):
    """``VNet(in_channels=1, num_classes=2, base=8, depth=3, kernel_size=3, convs=2, batch_norm=True, dim=3)``.

    Input ``(N, in_channels, D, H, W)`` of any size; output ``(N, num_classes, D, H, W)`` logits.

    >>> import numpy as np
    >>> model = VNet(1, 2, base=4, depth=2)
    >>> model(np.zeros((1, 1, 9, 8, 11), np.float32)).shape
    (1, 2, 9, 8, 11)
    """

    def __init__(self, in_channels: int = 1, num_classes: int = 2, base: int = 8, depth: int = 3,
                 kernel_size: int = 3, convs: int = 2, batch_norm: bool = True, dim: int = 3):
        super().__init__()
        self.in_channels = check_int("in_channels", in_channels, minimum=1)
        self.num_classes = check_int("num_classes", num_classes, minimum=1)
        self.base = check_int("base", base, minimum=1)
        self.depth = check_int("depth", depth, minimum=1, maximum=5)
        self.kernel_size = check_int("kernel_size", kernel_size, minimum=1)
        if kernel_size % 2 == 0:
            raise ValueError(f"kernel_size={kernel_size} must be odd (padding k//2 keeps the size)")
        self.convs = check_int("convs", convs, minimum=1)
        self.batch_norm = check_bool("batch_norm", batch_norm)
        self.dim = check_dim(dim)
        check_width("VNet", base * 2 ** depth, base, depth)
        kinds = layers(dim)
        conv, up, norm = kinds["conv"], kinds["up"], kinds["norm"]
        widths = [base * 2 ** level for level in range(depth + 1)]
        self.input = _conv_norm(conv, norm, in_channels, base, kernel_size, batch_norm, padding=kernel_size // 2)
        self.down = nn.ModuleList([_conv_norm(conv, norm, widths[l], widths[l + 1], 2, batch_norm, stride=2)
                                   for l in range(depth)])
        self.encoder = nn.ModuleList([ResidualStage(widths[l + 1], convs, kernel_size, dim, batch_norm)
                                      for l in range(depth)])
        incoming = [widths[depth]] + [2 * widths[l + 1] for l in reversed(range(depth - 1))]
        self.up = nn.ModuleList([_conv_norm(up, norm, c, widths[l], 2, batch_norm, stride=2)
                                 for c, l in zip(incoming, reversed(range(depth)))])
        self.decoder = nn.ModuleList([ResidualStage(2 * widths[l], convs, kernel_size, dim, batch_norm)
                                      for l in reversed(range(depth))])
        self.head = kinds["conv"](2 * base, num_classes, 1)

    def forward(self, x):
        check_model_input(self, x, self.depth)
        shortcut = F.cat([x] * (self.base // self.in_channels), dim=1) if self.base % self.in_channels == 0 else 0
        x = F.relu(self.input(x) + shortcut)
        skips = [x]
        for down, stage in zip(self.down, self.encoder):
            x = stage(F.relu(down(x)))
            skips.append(x)
        skips.pop()                                         # the bottom stage is not a skip
        for up, stage, skip in zip(self.up, self.decoder, reversed(skips)):
            x = stage(F.cat([skip, match_size(F.relu(up(x)), skip)], dim=1))
        return self.head(x)

    def summary(self, input_shape, show: bool = True):
        """Each layer's output shape and parameter count (see :func:`tconv.nn.summary`)."""
        return nn.summary(self, input_shape, show=show)

    def config(self) -> dict:
        """The constructor's arguments (stored with checkpoints)."""
        return dict(model="vnet", in_channels=self.in_channels, num_classes=self.num_classes, base=self.base,
                    depth=self.depth, kernel_size=self.kernel_size, convs=self.convs, batch_norm=self.batch_norm,
                    dim=self.dim)
