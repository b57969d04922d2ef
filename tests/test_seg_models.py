"""Segmentation models: shapes for any input size, the U-Net's structure, and PyTorch twins.

The twins are the same networks written with ``torch.nn`` in this file (not taken from tconv):
they load tconv's ``state_dict`` unchanged (same names, same shapes, strict) and must give the
same outputs and the same gradients with respect to the input and the weights.
"""
from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import tconv
from tconv import Tensor
from tconv.nn import functional as F
from tconv.seg.models import FCN, MODELS, UNet, VNet, build_model


# --------------------------------------------------------------------------- shapes and structure


@settings(max_examples=15)
@given(h=st.integers(8, 23), w=st.integers(8, 23), depth=st.integers(1, 3),
       up=st.sampled_from(["transpose", "resize", "bilinear"]))
def test_unet_output_has_the_input_size_for_odd_sizes(h, w, depth, up):
    model = UNet(1, 3, base=2, depth=depth, up=up)
    assert model(np.zeros((1, 1, h, w), np.float32)).shape == (1, 3, h, w)


@pytest.mark.parametrize("size", [(9, 8, 11), (8, 8, 8)])
def test_3d_models_keep_the_size(size):
    assert UNet(1, 2, base=2, depth=2, dim=3)(np.zeros((1, 1) + size, np.float32)).shape == (1, 2) + size
    assert VNet(1, 2, base=2, depth=2)(np.zeros((1, 1) + size, np.float32)).shape == (1, 2) + size


@pytest.mark.parametrize("size", [(16, 16), (30, 22), (17, 9)])
def test_fcn_keeps_the_size(size):
    assert FCN(2, 3, base=2)(np.zeros((2, 2) + size, np.float32)).shape == (2, 3) + size


def test_depth_counts_the_poolings_and_widths_double():
    rows = {r.name: r for r in UNet(1, 2, base=4, depth=3).summary((1, 1, 32, 32), show=False)}
    assert [rows[f"encoder.{i}"].output_shape for i in range(3)] == [(1, 4, 32, 32), (1, 8, 16, 16),
                                                                    (1, 16, 8, 8)]
    assert rows["bottleneck"].output_shape == (1, 32, 4, 4)          # 1/8 resolution, 8 * base channels
    assert rows["head"].output_shape == (1, 2, 32, 32)


def test_summary_counts_every_parameter_and_prints_a_table(capsys):
    model = UNet(1, 2, base=4, depth=2, batch_norm=True)
    rows = model.summary((2, 1, 16, 16))
    printed = capsys.readouterr().out
    total = sum(p.size for p in model.parameters())
    assert f"total parameters: {total:,}" in printed
    top = [r for r in rows if r.depth == 1]
    assert sum(r.parameters for r in top) == total
    assert model.training                                             # summary restores the mode


def test_bilinear_decoder_starts_as_bilinear_upsampling_of_channel_means():
    from tconv.seg.models import upsampler

    up = upsampler("bilinear", 4, 2)
    x = np.random.default_rng(0).standard_normal((1, 4, 6, 6)).astype(np.float32)
    out = up(Tensor(x)).data
    means = np.stack([x[0, [0, 2]].mean(0), x[0, [1, 3]].mean(0)])[None]      # channel j <- inputs j, j + 2
    expected = tconv.interpolate(means, scale_factor=2, mode="bilinear")
    np.testing.assert_allclose(out[..., 1:-1, 1:-1], expected[..., 1:-1, 1:-1], atol=1e-6)   # the interior


def test_fcn_starts_from_the_coarse_scores_upsampled():
    model = FCN(1, 2, base=2)
    assert np.all(model.score_skip.weight.data == 0)
    np.testing.assert_allclose(model.up2.weight.data[0, 0], np.outer([.25, .75, .75, .25], [.25, .75, .75, .25]))
    assert np.all(model.up2.weight.data[0, 1] == 0)                   # classes do not mix


@pytest.mark.parametrize("name", sorted(MODELS))
def test_config_rebuilds_the_same_architecture(name):
    model = MODELS[name](1, 3, base=2)
    twin = build_model(model.config())
    assert [(k, v.shape) for k, v in model.state_dict().items()] == [(k, v.shape) for k, v in twin.state_dict().items()]


@pytest.mark.parametrize("config, match", [
    ({"model": "resnet"}, "tconv knows"), ("unet", "tconv knows"), ({"model": "unet", "colour": 3}, "does not fit"),
])
def test_build_model_refuses_foreign_configurations(config, match):
    with pytest.raises(ValueError, match=match):
        build_model(config)


@pytest.mark.parametrize("kwargs, error", [
    (dict(up="deconv"), ValueError), (dict(depth=0), ValueError), (dict(base=2.5), TypeError),
    (dict(dim=1), ValueError), (dict(batch_norm="yes"), TypeError),
])
def test_unet_refuses_bad_arguments(kwargs, error):
    with pytest.raises(error):
        UNet(**kwargs)


def test_unet_gradcheck_in_float64():
    model = UNet(1, 2, base=1, depth=1, up="bilinear").double()
    x = np.random.default_rng(1).standard_normal((1, 1, 5, 6))
    assert tconv.gradcheck(lambda t: (model(t) ** 2).sum(), x, max_elements=40)


# --------------------------------------------------------------------------- PyTorch twins


CASES = [
    ("unet 2-D transpose", lambda: UNet(2, 3, base=3, depth=2), (2, 2, 13, 10)),
    ("unet 2-D resize, batch norm", lambda: UNet(1, 2, base=2, depth=2, up="resize", batch_norm=True), (2, 1, 12, 9)),
    ("unet 2-D bilinear", lambda: UNet(1, 4, base=4, depth=3, up="bilinear"), (1, 1, 17, 16)),
    ("unet 3-D", lambda: UNet(1, 2, base=2, depth=2, dim=3), (1, 1, 7, 8, 9)),
    ("fcn", lambda: FCN(1, 3, base=2), (2, 1, 19, 16)),
    ("vnet", lambda: VNet(1, 2, base=2, depth=2), (2, 1, 7, 8, 9)),
    ("vnet kernel 5, no batch norm", lambda: VNet(2, 3, base=4, depth=1, kernel_size=5, batch_norm=False),
     (1, 2, 6, 6, 6)),
]


@pytest.mark.torch
@pytest.mark.parametrize("name, make, shape", CASES, ids=[c[0] for c in CASES])
def test_a_pytorch_twin_loads_the_state_dict_and_agrees(name, make, shape):
    import torch

    from torch_twins import build_twin

    tconv.manual_seed(0)
    model = make().double()
    model.train()
    c = model.config()
    twin = build_twin(c)
    twin = twin.double()
    # the same names and shapes, strictly; PyTorch's extra num_batches_tracked buffers too
    twin.load_state_dict({k: torch.from_numpy(v) for k, v in model.state_dict().items()}, strict=True)
    x = np.random.default_rng(0).standard_normal(shape)
    g = np.random.default_rng(1).standard_normal((shape[0], c["num_classes"]) + shape[2:])
    xt = Tensor(x, requires_grad=True)
    ours = model(xt)
    (ours * Tensor(g)).sum().backward()
    tx = torch.from_numpy(x).requires_grad_(True)
    out = twin(tx)
    (out * torch.from_numpy(g)).sum().backward()
    np.testing.assert_allclose(ours.data, out.detach().numpy(), rtol=1e-9, atol=1e-9)
    np.testing.assert_allclose(xt.grad, tx.grad.numpy(), rtol=1e-8, atol=1e-9)
    theirs = dict(twin.named_parameters())
    for key, p in model.named_parameters():
        np.testing.assert_allclose(p.grad, theirs[key].grad.numpy(), rtol=1e-7, atol=1e-9, err_msg=key)


def test_float32_model_on_float64_input_says_how_to_fix():
    with pytest.raises(TypeError, match="x.astype\\(np.float32\\)"):
        UNet(base=2, depth=1)(np.zeros((1, 1, 8, 8)))
