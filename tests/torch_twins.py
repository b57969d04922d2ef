"""PyTorch twins of tconv's segmentation models, written with ``torch.nn`` (not taken from tconv).

Each twin has the same module names, parameter shapes and computation as
:mod:`tconv.seg.models`, so it loads a tconv ``state_dict`` unchanged (strictly). The tests
(``tests/test_seg_models.py``) compare outputs and gradients; the segmentation benchmark
(``benchmarks/bench_segmentation.py``) trains the two side by side. torch is imported inside
:func:`torch_twins`, so importing this module does not need it.
"""
from __future__ import annotations

__all__ = ["torch_twins", "build_twin"]


def torch_twins():
    """``(TorchUNet, TorchFCN, TorchVNet)``: classes taking the arguments of the tconv models' ``config()``.

    ``TorchUNet(in_channels, num_classes, base, depth, up, batch_norm, dim)``,
    ``TorchFCN(in_channels, num_classes, base, batch_norm, dim)``,
    ``TorchVNet(in_channels, num_classes, base, depth, kernel_size, convs, batch_norm, dim)``.
    """
    import torch
    from torch import nn

    def layers(dim):
        return (nn.Conv2d, nn.ConvTranspose2d, nn.BatchNorm2d, torch.nn.functional.max_pool2d) if dim == 2 else \
            (nn.Conv3d, nn.ConvTranspose3d, nn.BatchNorm3d, torch.nn.functional.max_pool3d)

    def double_conv(cin, cout, bn, dim, k=3):
        conv, _, norm, _ = layers(dim)
        parts = []
        for n_in in (cin, cout):
            parts.append(conv(n_in, cout, k, padding=k // 2, bias=not bn))
            if bn:
                parts.append(norm(cout))
            parts.append(nn.ReLU())
        return nn.Sequential(*parts)

    def up_layer(kind, cin, cout, dim):
        conv, convt, _, _ = layers(dim)
        if kind == "transpose":
            return convt(cin, cout, 2, stride=2)
        if kind == "resize":
            return nn.Sequential(nn.Upsample(scale_factor=2, mode="nearest"), conv(cin, cout, 3, padding=1))
        return convt(cin, cout, 4, stride=2, padding=1)

    def match(x, ref):
        pads = []
        for have, want in reversed(list(zip(x.shape[2:], ref.shape[2:]))):
            pads += [(want - have) // 2, (want - have) - (want - have) // 2]
        return torch.nn.functional.pad(x, pads)

    class TorchUNet(nn.Module):
        def __init__(self, cin, classes, base, depth, up, bn, dim):
            super().__init__()
            w = [base * 2 ** i for i in range(depth + 1)]
            self.encoder = nn.ModuleList([double_conv(cin if i == 0 else w[i - 1], w[i], bn, dim) for i in range(depth)])
            self.bottleneck = double_conv(w[depth - 1], w[depth], bn, dim)
            self.up = nn.ModuleList([up_layer(up, w[i + 1], w[i], dim) for i in reversed(range(depth))])
            self.decoder = nn.ModuleList([double_conv(2 * w[i], w[i], bn, dim) for i in reversed(range(depth))])
            self.head = layers(dim)[0](base, classes, 1)
            self.pool = layers(dim)[3]

        def forward(self, x):
            skips = []
            for block in self.encoder:
                x = block(x)
                skips.append(x)
                x = self.pool(x, 2)
            x = self.bottleneck(x)
            for up, block, skip in zip(self.up, self.decoder, reversed(skips)):
                x = block(torch.cat([skip, match(up(x), skip)], 1))
            return self.head(x)

    class TorchFCN(nn.Module):
        def __init__(self, cin, classes, base, bn, dim):
            super().__init__()
            conv, convt, _, pool = layers(dim)
            self.stages = nn.ModuleList([double_conv(cin, base, bn, dim), double_conv(base, 2 * base, bn, dim),
                                         double_conv(2 * base, 4 * base, bn, dim),
                                         double_conv(4 * base, 8 * base, bn, dim)])
            self.score = conv(8 * base, classes, 1)
            self.score_skip = conv(2 * base, classes, 1)
            self.up2 = convt(classes, classes, 4, stride=2, padding=1)
            self.up4 = convt(classes, classes, 8, stride=4, padding=2)
            self.pool = pool

        def forward(self, x):
            image = x
            x = self.pool(self.stages[0](x), 2)
            quarter = self.pool(self.stages[1](x), 2)
            scores = self.score(self.stages[3](self.pool(self.stages[2](quarter), 2)))
            skip = self.score_skip(quarter)
            return match(self.up4(match(self.up2(scores), skip) + skip), image)

    def conv_norm(conv, norm, cin, cout, k, bn, **kwargs):
        layer = conv(cin, cout, k, bias=not bn, **kwargs)
        return nn.Sequential(layer, norm(cout)) if bn else layer

    class Stage(nn.Module):
        def __init__(self, c, convs, k, dim, bn):
            super().__init__()
            conv, _, norm, _ = layers(dim)
            parts = []
            for i in range(convs):
                if i:
                    parts.append(nn.ReLU())
                parts.append(conv(c, c, k, padding=k // 2, bias=not bn))
                if bn:
                    parts.append(norm(c))
            self.convs = nn.Sequential(*parts)

        def forward(self, x):
            return torch.relu(self.convs(x) + x)

    class TorchVNet(nn.Module):
        def __init__(self, cin, classes, base, depth, k, convs, bn, dim):
            super().__init__()
            conv, convt, norm, _ = layers(dim)
            w = [base * 2 ** i for i in range(depth + 1)]
            self.base, self.cin = base, cin
            self.input = conv_norm(conv, norm, cin, base, k, bn, padding=k // 2)
            self.down = nn.ModuleList([conv_norm(conv, norm, w[i], w[i + 1], 2, bn, stride=2) for i in range(depth)])
            self.encoder = nn.ModuleList([Stage(w[i + 1], convs, k, dim, bn) for i in range(depth)])
            incoming = [w[depth]] + [2 * w[i + 1] for i in reversed(range(depth - 1))]
            self.up = nn.ModuleList([conv_norm(convt, norm, c, w[i], 2, bn, stride=2)
                                     for c, i in zip(incoming, reversed(range(depth)))])
            self.decoder = nn.ModuleList([Stage(2 * w[i], convs, k, dim, bn) for i in reversed(range(depth))])
            self.head = conv(2 * base, classes, 1)

        def forward(self, x):
            x = torch.relu(self.input(x) + x.repeat(1, self.base // self.cin, *([1] * (x.ndim - 2))))
            skips = [x]
            for down, stage in zip(self.down, self.encoder):
                x = stage(torch.relu(down(x)))
                skips.append(x)
            skips.pop()
            for up, stage, skip in zip(self.up, self.decoder, reversed(skips)):
                x = stage(torch.cat([skip, match(torch.relu(up(x)), skip)], 1))
            return self.head(x)

    return TorchUNet, TorchFCN, TorchVNet


def build_twin(config: dict):
    """The PyTorch twin of the tconv model whose ``config()`` is ``config`` (float32, fresh weights)."""
    TorchUNet, TorchFCN, TorchVNet = torch_twins()
    c = config
    if c["model"] == "unet":
        return TorchUNet(c["in_channels"], c["num_classes"], c["base"], c["depth"], c["up"], c["batch_norm"], c["dim"])
    if c["model"] == "fcn":
        return TorchFCN(c["in_channels"], c["num_classes"], c["base"], c["batch_norm"], c["dim"])
    return TorchVNet(c["in_channels"], c["num_classes"], c["base"], c["depth"], c["kernel_size"], c["convs"],
                     c["batch_norm"], c["dim"])
