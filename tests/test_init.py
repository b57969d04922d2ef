"""tconv.nn.init: gains, fans, the statistics of each initialiser, FCN's bilinear kernel, seeding."""
import math

import numpy as np
import pytest

import tconv
from tconv import nn
from tconv.nn import init

RNG = np.random.default_rng


def test_calculate_gain_table():
    assert init.calculate_gain("linear") == init.calculate_gain("conv_transpose2d") == init.calculate_gain("sigmoid") == 1
    assert init.calculate_gain("tanh") == pytest.approx(5 / 3)
    assert init.calculate_gain("relu") == pytest.approx(math.sqrt(2))
    assert init.calculate_gain("leaky_relu") == pytest.approx(math.sqrt(2 / (1 + 0.01 ** 2)))
    assert init.calculate_gain("leaky_relu", 0) == pytest.approx(math.sqrt(2))
    assert init.calculate_gain("selu") == 0.75
    with pytest.raises(ValueError, match="Unsupported nonlinearity"):
        init.calculate_gain("swish")
    with pytest.raises(ValueError, match="not a valid number"):
        init.calculate_gain("leaky_relu", True)


def test_fans_follow_the_weight_layout():
    assert init.calculate_fan_in_and_fan_out(np.empty((8, 3, 5, 5))) == (75, 200)
    assert init.calculate_fan_in_and_fan_out(np.empty((3, 4, 2, 2, 2))) == (32, 24)
    with pytest.raises(ValueError, match="fewer than 2 dimensions"):
        init.calculate_fan_in_and_fan_out(np.empty(5))


def test_fills_are_in_place_and_keep_dtype():
    w = nn.Parameter(np.empty((3, 4), np.float32))
    data = w.data
    assert init.constant_(w, 0.25) is w and w.data is data and w.dtype == np.float32
    assert np.all(w.data == 0.25)
    init.ones_(w)
    assert np.all(w.data == 1)
    init.zeros_(w)
    assert np.all(w.data == 0)
    init.normal_(w, rng=RNG(0))
    assert w.data is data and w.dtype == np.float32 and np.all(w.data != 0)
    with pytest.raises(TypeError, match="floating-point"):
        init.ones_(np.zeros(3, np.int64))


def test_uniform_and_normal_statistics():
    w = init.uniform_(np.empty(200_000), -1.0, 3.0, rng=RNG(0))
    assert w.min() >= -1 and w.max() < 3
    assert w.mean() == pytest.approx(1.0, abs=0.02) and w.std() == pytest.approx(4 / math.sqrt(12), rel=0.01)
    w = init.normal_(np.empty(200_000), -2.0, 0.5, rng=RNG(1))
    assert w.mean() == pytest.approx(-2.0, abs=0.01) and w.std() == pytest.approx(0.5, rel=0.01)


@pytest.mark.parametrize("mode", ["fan_in", "fan_out"])
def test_kaiming_statistics(mode):
    shape = (64, 32, 5, 5)                                   # fan_in 800, fan_out 1600
    fan = 800 if mode == "fan_in" else 1600
    w = init.kaiming_uniform_(np.empty(shape), mode=mode, nonlinearity="relu", rng=RNG(0))
    bound = math.sqrt(2) * math.sqrt(3 / fan)
    assert np.abs(w).max() <= bound and np.abs(w).max() > 0.999 * bound
    assert w.std() == pytest.approx(math.sqrt(2 / fan), rel=0.02)
    w = init.kaiming_normal_(np.empty(shape), mode=mode, nonlinearity="relu", rng=RNG(1))
    assert w.mean() == pytest.approx(0, abs=0.002) and w.std() == pytest.approx(math.sqrt(2 / fan), rel=0.02)
    with pytest.raises(ValueError, match="mode"):
        init.kaiming_normal_(np.empty(shape), mode="fan_avg")


def test_xavier_statistics():
    w = init.xavier_uniform_(np.empty((300, 200, 3)), gain=2.0, rng=RNG(0))
    bound = 2.0 * math.sqrt(6 / (600 + 900))
    assert np.abs(w).max() <= bound and w.std() == pytest.approx(bound / math.sqrt(3), rel=0.02)
    w = init.xavier_normal_(np.empty((300, 200, 3)), rng=RNG(1))
    assert w.std() == pytest.approx(math.sqrt(2 / 1500), rel=0.02)


def test_generators_make_runs_reproducible():
    a = init.normal_(np.empty(5), rng=RNG(3))
    b = init.normal_(np.empty(5), rng=RNG(3))
    np.testing.assert_array_equal(a, b)
    tconv.manual_seed(11)
    first = nn.Conv2d(2, 3, 3).weight.data.copy()
    tconv.manual_seed(11)
    np.testing.assert_array_equal(nn.Conv2d(2, 3, 3).weight.data, first)
    assert not np.array_equal(nn.Conv2d(2, 3, 3).weight.data, first)      # the stream moves on
    np.testing.assert_array_equal(nn.Conv2d(2, 3, 3, rng=RNG(4)).weight.data,
                                  nn.Conv2d(2, 3, 3, rng=RNG(4)).weight.data)
    with pytest.raises(ValueError, match="non-negative integer"):
        tconv.manual_seed(-1)


def test_bilinear_known_values():
    profile = np.array([0.25, 0.75, 0.75, 0.25])
    np.testing.assert_allclose(init.bilinear_kernel((4, 4)), np.outer(profile, profile))
    np.testing.assert_allclose(init.bilinear_kernel((3, 3)), [[.25, .5, .25], [.5, 1, .5], [.25, .5, .25]])
    np.testing.assert_allclose(init.bilinear_kernel((2, 3, 4)),
                               np.einsum("i,j,k->ijk", [.5, .5], [.5, 1, .5], profile))


def test_bilinear_fills_only_each_channels_own_slice():
    w = init.bilinear_(nn.Parameter(np.full((3, 3, 4, 4), 9.0)))
    for i in range(3):
        for j in range(3):
            expected = init.bilinear_kernel((4, 4)) if i == j else np.zeros((4, 4))
            np.testing.assert_array_equal(w.data[i, j], expected)
    depthwise = init.bilinear_(np.empty((3, 1, 3)))                         # groups = 3
    np.testing.assert_array_equal(depthwise, np.tile([0.5, 1.0, 0.5], (3, 1, 1)))
    with pytest.raises(ValueError, match="as many output as input channels"):
        init.bilinear_(np.empty((4, 3, 2, 2)))


def test_bilinear_transposed_conv_matches_the_reference_values():
    w = init.bilinear_(np.empty((1, 1, 4, 4)))
    out = tconv.conv_transpose2d(np.array([[[[1.0, 2.0], [3.0, 4.0]]]]), w, stride=2, padding=1)
    expected = [[.5625, .9375, 1.3125, 1.125], [1.125, 1.75, 2.25, 1.875],
                [1.875, 2.75, 3.25, 2.625], [1.6875, 2.4375, 2.8125, 2.25]]
    np.testing.assert_allclose(out[0, 0], expected)
    out1 = tconv.conv_transpose1d(np.array([[[1.0, 2.0, 4.0, 8.0]]]), init.bilinear_(np.empty((1, 1, 4))),
                                  stride=2, padding=1)
    np.testing.assert_allclose(out1[0, 0], [.75, 1.25, 1.75, 2.5, 3.5, 5, 7, 6])


def test_bilinear_layer_interior_equals_bilinear_upsampling():
    from tconv.ops.resize import interpolate
    x = RNG(0).normal(size=(1, 2, 5, 6))
    up = nn.ConvTranspose2d(2, 2, 4, stride=2, padding=1, bias=False, dtype=np.float64)
    init.bilinear_(up.weight)
    out = up(x).data
    expected = interpolate(x, scale_factor=2, mode="bilinear", align_corners=False)
    np.testing.assert_allclose(out[..., 1:-1, 1:-1], expected[..., 1:-1, 1:-1], atol=1e-12)


@pytest.mark.torch
def test_gains_and_fans_equal_torch():
    torch = pytest.importorskip("torch")
    for name, param in [("linear", None), ("tanh", None), ("relu", None), ("leaky_relu", None),
                        ("leaky_relu", 0.2), ("selu", None), ("conv3d", None)]:
        assert init.calculate_gain(name, param) == pytest.approx(torch.nn.init.calculate_gain(name, param))
    for shape in [(8, 3, 5, 5), (3, 4, 2, 2, 2), (6, 2, 7)]:
        assert init.calculate_fan_in_and_fan_out(np.empty(shape)) == \
            torch.nn.init._calculate_fan_in_and_fan_out(torch.empty(shape))


LAYERS = [("Conv1d", dict(kernel_size=5)), ("Conv2d", dict(kernel_size=(3, 2), groups=2)),
          ("Conv3d", dict(kernel_size=3)), ("ConvTranspose1d", dict(kernel_size=4)),
          ("ConvTranspose2d", dict(kernel_size=(4, 3), groups=2)), ("ConvTranspose3d", dict(kernel_size=2))]


@pytest.mark.torch
@pytest.mark.parametrize("layer,kwargs", LAYERS)
def test_default_init_uses_torchs_fan_in(layer, kwargs):
    torch = pytest.importorskip("torch")
    ours = getattr(nn, layer)(4, 6, rng=RNG(0), **kwargs)
    theirs = getattr(torch.nn, layer)(4, 6, **kwargs)
    assert ours.weight.shape == tuple(theirs.weight.shape) and ours.bias.shape == tuple(theirs.bias.shape)
    fan_in, _ = torch.nn.init._calculate_fan_in_and_fan_out(theirs.weight)
    bound = 1 / math.sqrt(fan_in)
    for param in (ours.weight, ours.bias):
        assert param.dtype == np.float32
        assert np.abs(param.data).max() <= bound
    # the weights fill their range: the largest of many U(-b, b) draws is close to b
    assert np.abs(ours.weight.data).max() > 0.8 * bound
    assert np.abs(theirs.weight.detach().numpy()).max() <= bound
