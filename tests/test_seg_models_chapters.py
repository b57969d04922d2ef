"""The original U-Net (valid convolutions, copy and crop), ASPP, and how far a model looks.

* the paper's sizes: a depth-4 valid U-Net maps 572 x 572 to 388 x 388 with skips cropped by
  88, 40, 16 and 4 pixels (Ronneberger et al. 2015, figure 1);
* the valid U-Net against the same network written with torch (optional oracle);
* ASPP's branches against dilated convolutions computed here, and against torch;
* the reach of a model is safe: changing an input pixel beyond it never changes the output pixel.
"""
from __future__ import annotations

import numpy as np
import pytest

import tconv
from tconv.seg.models import ASPP, FCN, UNet, model_alignment, model_reach, valid_input_sizes, valid_output_size


def test_the_papers_sizes():
    assert valid_output_size(572, 4) == 388
    assert valid_input_sizes(4, 500, 600) == [508, 524, 540, 556, 572, 588]
    model = UNet(1, 2, base=1, depth=4, padding="valid")
    shapes = {row.name: row.output_shape for row in model.summary((1, 1, 572, 572), show=False)}
    assert [shapes[f"encoder.{n}"][2] for n in range(4)] == [568, 280, 136, 64]       # the paper's figure 1
    assert [shapes[f"up.{n}"][2] for n in range(4)] == [56, 104, 200, 392]            # skips cropped by 4, 16, 40, 88
    assert shapes["bottleneck"][2] == 28 and shapes["head"] == (1, 2, 388, 388)
    with pytest.raises(ValueError, match="nearest sides it takes are 556 and 572"):
        model(np.zeros((1, 1, 570, 572), np.float32))


def _torch_valid_unet(torch, model):
    """The valid U-Net's forward written with torch.nn.functional, reading tconv's state dict."""
    state = {k: torch.tensor(v) for k, v in model.state_dict().items()}
    TF = torch.nn.functional

    def block(x, name):
        x = TF.relu(TF.conv2d(x, state[f"{name}.0.weight"], state[f"{name}.0.bias"]))
        return TF.relu(TF.conv2d(x, state[f"{name}.2.weight"], state[f"{name}.2.bias"]))

    def forward(x):
        skips = []
        for level in range(model.depth):
            x = block(x, f"encoder.{level}")
            skips.append(x)
            x = TF.max_pool2d(x, 2)
        x = block(x, "bottleneck")
        for i, skip in enumerate(reversed(skips)):
            x = TF.conv_transpose2d(x, state[f"up.{i}.weight"], state[f"up.{i}.bias"], stride=2)
            c = (skip.shape[2] - x.shape[2]) // 2, (skip.shape[3] - x.shape[3]) // 2
            skip = skip[:, :, c[0]:c[0] + x.shape[2], c[1]:c[1] + x.shape[3]]       # copy and crop
            x = block(torch.cat([skip, x], 1), f"decoder.{i}")
        return TF.conv2d(x, state["head.weight"], state["head.bias"])
    return forward


@pytest.mark.torch
def test_valid_unet_matches_the_same_network_in_torch():
    torch = pytest.importorskip("torch")
    tconv.manual_seed(0)
    model = UNet(2, 3, base=3, depth=2, padding="valid")
    for p in model.parameters():
        p.data = p.data.astype(np.float64)
    x = np.random.default_rng(0).standard_normal((2, 2, 44, 60))
    ours = model(x).data
    theirs = _torch_valid_unet(torch, model)(torch.tensor(x)).numpy()
    assert ours.shape == (2, 3, 4, 20)
    np.testing.assert_allclose(ours, theirs, atol=1e-10)


def test_aspp_is_its_branches_concatenated_and_projected():
    rng = np.random.default_rng(1)
    block = ASPP(3, 4, rates=(1, 3), image_pooling=True)
    for p in block.parameters():
        p.data = rng.standard_normal(p.shape)
    x = rng.standard_normal((2, 3, 9, 7))
    state = block.state_dict()

    def relu(a):
        return np.maximum(a, 0)

    branches = [relu(tconv.conv2d(x, state["convs.0.0.weight"], state["convs.0.0.bias"]))]
    for i, rate in enumerate((1, 3), start=1):
        branches.append(relu(tconv.conv2d(x, state[f"convs.{i}.0.weight"], state[f"convs.{i}.0.bias"],
                                          padding=rate, dilation=rate)))
    pooled = relu(tconv.conv2d(x.mean(axis=(2, 3), keepdims=True), state["convs.3.conv.weight"],
                               state["convs.3.conv.bias"]))
    branches.append(np.broadcast_to(pooled, (2, 4, 9, 7)))
    expected = relu(tconv.conv2d(np.concatenate(branches, axis=1), state["project.0.weight"],
                                 state["project.0.bias"]))
    np.testing.assert_allclose(block(x).data, expected, atol=1e-12)


def test_unet_with_an_aspp_bottleneck():
    model = UNet(1, 2, base=4, depth=2, bottleneck="aspp")
    assert type(model.bottleneck).__name__ == "ASPP" and not model.bottleneck.image_pooling
    assert model(np.zeros((1, 1, 16, 16), np.float32)).shape == (1, 2, 16, 16)
    assert model.config()["bottleneck"] == "aspp"
    from tconv.seg.models import build_model
    assert type(build_model(model.config()).bottleneck).__name__ == "ASPP"
    assert "bottleneck" not in UNet(base=4, depth=2).config()          # old checkpoints' configs unchanged
    with pytest.raises(ValueError, match="bottleneck='deep'"):
        UNet(bottleneck="deep")
    with pytest.raises(ValueError, match="rates\\[1\\]=0"):
        ASPP(2, 2, rates=(1, 0))


@pytest.mark.parametrize("model, size", [(UNet(base=2, depth=2), 32), (UNet(base=2, depth=2, up="bilinear"), 32),
                                         (UNet(base=2, depth=2, bottleneck="aspp"), 32), (FCN(base=2), 40),
                                         (UNet(base=2, depth=2, padding="valid"), 60)])
def test_nothing_beyond_the_reach_changes_an_output_pixel(model, size):
    """Perturb the input column just beyond the reach on each side: the output pixel keeps its value."""
    rng = np.random.default_rng(2)
    for p in model.parameters():
        p.data = rng.standard_normal(p.shape).astype(np.float64) * 0.5
    x = rng.standard_normal((1, 1, size, size)) + 1.0
    base = model(x).data
    left, right = model_reach(model)
    pixel = 8 if base.shape[3] < size else size // 2        # the output pixel's column (a valid model: its corner)
    moved = []
    for column, outside in ((pixel - left - 1, True), (pixel + right + 1, True), (pixel, False)):
        if 0 <= column < size:
            y = x.copy()
            y[0, 0, :, column] += 5.0                        # the whole column, every row
            change = np.abs(model(y).data[0, :, :, pixel] - base[0, :, :, pixel]).max()
            if outside:
                assert change < 1e-9, (column, change)
            else:
                moved.append(change)
    assert moved and moved[0] > 1e-6                          # the pixel's own column does matter
    assert model_alignment(model) in (4, 8)
