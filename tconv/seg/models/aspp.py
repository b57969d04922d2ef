"""Atrous spatial pyramid pooling (DeepLab v3, Chen et al. 2017), small, for a U-Net's bottleneck.

A dilated (atrous) 3x3 convolution with rate ``r`` reads taps ``r`` pixels apart: its field is
``2r + 1`` pixels for the cost of nine taps (Yu & Koltun 2016). ASPP looks at one map at several
scales at once, in parallel branches whose outputs are concatenated and mixed by a 1x1
convolution::

    x ─┬─ 1x1 conv ──────────────────────────┐
       ├─ 3x3 conv, dilation r_1 ────────────┤
       ├─ ...                                ├─ cat ── 1x1 conv (project) ── out
       ├─ 3x3 conv, dilation r_n ────────────┤
       └─ global average ─ 1x1 conv ─ (repeat over the map) ┘   (image pooling, optional)

Each branch is ``conv -> [batch norm] -> ReLU`` with "same" padding (``padding = r``), so the
output keeps the input's size. Parallel branches of different rates avoid the gridding of
*stacked* equal rates (:func:`tconv.receptive_field.receptive_field_footprint`). Children and
``state_dict`` names follow torchvision's ``ASPP``: ``convs.{i}`` (the 1x1 branch first, then
one per rate, then the pooling branch) and ``project``.
"""
from __future__ import annotations

from ... import nn
from ..._checks import check_bool, check_int
from ...nn import functional as F
from .blocks import check_dim, layers

__all__ = ["ASPP"]


def _branch(kinds, c_in, c_out, kernel_size, dilation, batch_norm):
    padding = dilation * (kernel_size - 1) // 2
    parts = [kinds["conv"](c_in, c_out, kernel_size, padding=padding, dilation=dilation, bias=not batch_norm)]
    if batch_norm:
        parts.append(kinds["norm"](c_out))
    parts.append(nn.ReLU())
    return nn.Sequential(*parts)


class ImagePooling(nn.Module):
    """The image-level branch: the global average of each channel, a 1x1 convolution and ReLU, repeated over the map.

    >>> import numpy as np
    >>> ImagePooling(2, 3)(np.ones((1, 2, 4, 5), np.float32)).shape
    (1, 3, 4, 5)
    """

    def __init__(self, in_channels: int, out_channels: int, dim: int = 2):
        super().__init__()
        kinds = layers(check_dim(dim))
        self.dim = dim
        self.conv = kinds["conv"](in_channels, out_channels, 1)

    def forward(self, x):
        spatial = tuple(x.shape[2:])
        pooled = x.mean(axis=tuple(range(2, 2 + self.dim)), keepdims=True)
        return F.interpolate(F.relu(self.conv(pooled)), size=spatial, mode="nearest")


class ASPP(nn.Module):
    """``ASPP(in_channels, out_channels, rates=(1, 2, 4), image_pooling=True, batch_norm=False, dim=2)``.

    ``(N, in_channels, *S) -> (N, out_channels, *S)``: a 1x1 branch, one 3x3 branch per rate
    in ``rates`` (dilation = padding = rate), the image-pooling branch when asked, concatenated
    and projected by a 1x1 convolution with ReLU. Drop it into a U-Net's bottleneck with
    ``UNet(bottleneck="aspp")`` or ``model.bottleneck = ASPP(...)``.

    >>> import numpy as np
    >>> block = ASPP(8, 16, rates=(1, 2, 4))
    >>> block(np.zeros((2, 8, 8, 8), np.float32)).shape
    (2, 16, 8, 8)
    >>> [name for name, _ in block.named_children()], len(block.convs)
    (['convs', 'project'], 5)
    >>> block.convs[2][0].dilation, block.convs[2][0].padding
    ((2, 2), (2, 2))
    """

    def __init__(self, in_channels: int, out_channels: int, rates=(1, 2, 4), image_pooling: bool = True,
                 batch_norm: bool = False, dim: int = 2):
        super().__init__()
        self.in_channels = check_int("in_channels", in_channels, minimum=1)
        self.out_channels = check_int("out_channels", out_channels, minimum=1)
        try:
            rates = tuple(rates)
        except TypeError:
            raise TypeError(f"rates={rates!r} must be a sequence of dilation rates, e.g. (1, 2, 4)") from None
        self.rates = tuple(check_int(f"rates[{i}]", r, minimum=1, maximum=64) for i, r in enumerate(rates))
        self.image_pooling = check_bool("image_pooling", image_pooling)
        self.batch_norm = check_bool("batch_norm", batch_norm)
        self.dim = check_dim(dim)
        kinds = layers(dim)
        branches = [_branch(kinds, in_channels, out_channels, 1, 1, batch_norm)]
        branches += [_branch(kinds, in_channels, out_channels, 3, rate, batch_norm) for rate in self.rates]
        if image_pooling:
            branches.append(ImagePooling(in_channels, out_channels, dim))
        self.convs = nn.ModuleList(branches)
        self.project = _branch(kinds, len(branches) * out_channels, out_channels, 1, 1, batch_norm)

    def forward(self, x):
        return self.project(F.cat([branch(x) for branch in self.convs], dim=1))

    def extra_repr(self) -> str:
        return (f"{self.in_channels}, {self.out_channels}, rates={self.rates}, image_pooling={self.image_pooling}, "
                f"batch_norm={self.batch_norm}")
