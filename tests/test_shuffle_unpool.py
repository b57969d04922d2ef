"""Pixel shuffle, max unpooling, Linear and ICNR: against their definitions and PyTorch (optional oracle).

Definitions written here with loops: ``out[c, h·r + i, w·r + j] = x[c·r² + i·r + j, h, w]`` for
the shuffle; ``out.flat[idx] = value`` (zeros elsewhere) for unpooling and its ``output_size``
rule (strictly between the default ``(i-1)s - 2p + k`` minus and plus the stride).
"""
from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import tconv
import tconv.nn.functional as F
from tconv import Tensor, nn
from tconv.ops.unpool import selection_matrix, unpool_output_size

seeds = st.integers(0, 2**32 - 1)


def _shuffle_loop(x, r):
    *batch, channels, h, w = x.shape
    out = np.zeros((*batch, channels // (r * r), h * r, w * r), x.dtype)
    for c in range(channels // (r * r)):
        for i in range(r):
            for j in range(r):
                out[..., c, i::r, j::r] = x[..., c * r * r + i * r + j, :, :]
    return out


@given(st.integers(1, 3), st.integers(1, 3), st.integers(1, 4), st.integers(1, 4), st.integers(0, 2), seeds)
def test_pixel_shuffle_is_the_definition_and_unshuffle_undoes_it(r, c, h, w, lead, seed):
    shape = (2,) * lead + (c * r * r, h, w)
    x = np.random.default_rng(seed).standard_normal(shape)
    out = tconv.pixel_shuffle(x, r)
    np.testing.assert_array_equal(out, _shuffle_loop(x, r))
    np.testing.assert_array_equal(tconv.pixel_unshuffle(out, r), x)


def test_pixel_shuffle_keeps_the_dtype_and_takes_ints():
    x = np.arange(16, dtype=np.int32).reshape(1, 4, 2, 2)
    assert tconv.pixel_shuffle(x, 2).dtype == np.int32
    assert tconv.pixel_shuffle(x.astype(np.float32), 2).dtype == np.float32


def test_pixel_shuffle_gradient_is_the_unshuffle():
    """A permutation's VJP is its transpose = its inverse."""
    x = Tensor(np.random.default_rng(0).standard_normal((2, 8, 3, 2)), requires_grad=True)
    g = np.random.default_rng(1).standard_normal((2, 2, 6, 4))
    F.pixel_shuffle(x, 2).backward(g)
    np.testing.assert_array_equal(x.grad, tconv.pixel_unshuffle(g, 2))
    y = Tensor(np.random.default_rng(2).standard_normal((1, 1, 4, 6)), requires_grad=True)
    h = np.random.default_rng(3).standard_normal((1, 4, 2, 3))
    F.pixel_unshuffle(y, 2).backward(h)
    np.testing.assert_array_equal(y.grad, tconv.pixel_shuffle(h, 2))


@pytest.mark.parametrize("call, match", [
    (lambda: tconv.pixel_shuffle(np.zeros((4, 2, 2)), 2), None),
    (lambda: tconv.pixel_shuffle(np.zeros((4, 2)), 2), "at least 3 axes"),
    (lambda: tconv.pixel_shuffle(np.zeros((1, 6, 2, 2)), 2), "divisible by upscale_factor"),
    (lambda: tconv.pixel_shuffle(np.zeros((1, 4, 2, 2)), 0), "positive"),
    (lambda: tconv.pixel_unshuffle(np.zeros((1, 1, 3, 4)), 2), "divisible by downscale_factor"),
    (lambda: nn.PixelShuffle(-1), ">= 1"),
])
def test_pixel_shuffle_errors(call, match):
    if match is None:
        assert call().shape == (1, 4, 4)          # unbatched (C, H, W) is fine, as in PyTorch
        return
    with pytest.raises(ValueError, match=match):
        call()
    with pytest.raises(TypeError, match="must be an int"):
        tconv.pixel_shuffle(np.zeros((1, 4, 2, 2)), 2.0)
    with pytest.raises(TypeError, match="nn.functional.pixel_shuffle"):
        tconv.pixel_shuffle(Tensor(np.zeros((1, 4, 2, 2))), 2)


def test_icnr_starts_as_nearest_upsampling_of_a_convolution():
    """conv + pixel shuffle with ICNR == nearest x2 of conv with the base kernel; constant in -> constant out."""
    rng = np.random.default_rng(0)
    w = nn.init.icnr_(np.empty((3 * 4, 2, 3, 3)), 2, rng=rng)
    base = w[::4]                                              # W0: one of each group of r^2 = 4
    x = rng.standard_normal((1, 2, 5, 5))
    shuffled = tconv.pixel_shuffle(tconv.conv2d(x, w, padding=1), 2)
    nearest = np.repeat(np.repeat(tconv.conv2d(x, base, padding=1), 2, axis=2), 2, axis=3)
    np.testing.assert_allclose(shuffled, nearest, atol=1e-12)
    flat = tconv.pixel_shuffle(tconv.conv2d(np.ones((1, 2, 6, 6)), w, padding=1), 2)[0, :, 2:-2, 2:-2]
    assert np.ptp(flat, axis=(1, 2)).max() < 1e-12            # every phase sum equal: no checkerboard
    random = nn.init.kaiming_normal_(np.empty((12, 2, 3, 3)), rng=rng)
    striped = tconv.pixel_shuffle(tconv.conv2d(np.ones((1, 2, 6, 6)), random, padding=1), 2)[0, :, 2:-2, 2:-2]
    assert np.ptp(striped, axis=(1, 2)).min() > 0.01
    with pytest.raises(ValueError, match="multiple of 4"):
        nn.init.icnr_(np.empty((6, 2, 3, 3)), 2)


def test_icnr_uses_the_given_initializer_with_its_statistics():
    w = nn.init.icnr_(np.empty((64 * 4, 64, 3, 3)), 2, rng=np.random.default_rng(1))
    assert abs(w.std() * np.sqrt(64 * 9) / np.sqrt(2 / (1 + 0.01**2)) - 1) < 0.05   # kaiming_normal_, fan_in 576
    ones = nn.init.icnr_(np.empty((8, 1, 2, 2)), 2, initializer=lambda t, rng=None: nn.init.ones_(t))
    assert (ones == 1).all()


# --------------------------------------------------------------------------- max unpooling


def _unpool_loop(y, idx, size):
    out = np.zeros(y.shape[:2] + size)
    for n in range(y.shape[0]):
        for c in range(y.shape[1]):
            plane = out[n, c].reshape(-1)
            for value, where in zip(y[n, c].ravel(), idx[n, c].ravel()):
                plane[where] = value
    return out


@given(st.integers(1, 3), st.integers(1, 3), st.integers(0, 1), st.integers(4, 9), st.integers(1, 3), seeds)
def test_max_unpool_puts_each_maximum_back(ndim, k, p, size, c, seed):
    k = k + 1
    s = k
    p = min(p, k // 2)
    shape = (2, c) + (size,) * ndim
    x = np.random.default_rng(seed).permutation(np.prod(shape)).reshape(shape).astype(float)   # no ties
    pool = (tconv.max_pool1d, tconv.max_pool2d, tconv.max_pool3d)[ndim - 1]
    unpool = (tconv.max_unpool1d, tconv.max_unpool2d, tconv.max_unpool3d)[ndim - 1]
    y, idx = pool(x, k, s, p, return_indices=True)
    out = unpool(y, idx, k, s, p, output_size=x.shape[2:])
    assert out.shape == x.shape
    np.testing.assert_array_equal(out, _unpool_loop(y, idx, x.shape[2:]))
    np.testing.assert_array_equal(out[out != 0], x[out != 0])     # the maxima, in place
    np.testing.assert_array_equal(pool(out, k, s, p), y)           # pooling undoes unpooling ...
    assert (out == 0).sum() >= x.size - y.size                     # ... not the other way round


def test_unpooling_is_the_transpose_of_max_poolings_selection_matrix():
    x = np.random.default_rng(0).permutation(36).reshape(1, 1, 6, 6).astype(float)
    y, idx = tconv.max_pool2d(x, 2, return_indices=True)
    S = selection_matrix(idx[0, 0], (6, 6))
    assert S.shape == (9, 36) and (S.sum(axis=1) == 1).all()
    np.testing.assert_array_equal(S @ x.ravel(), y.ravel())                          # pooling = S x
    np.testing.assert_array_equal(S.T @ y.ravel(), tconv.max_unpool2d(y, idx, 2).ravel())   # unpooling = S.T y
    np.testing.assert_array_equal(S @ S.T, np.eye(9))                                 # a right inverse
    assert not np.array_equal(S.T @ S, np.eye(36))                                    # not an inverse
    # the gradient of max pooling is S.T too (the autograd's VJP), and that of unpooling is S
    t = Tensor(x, requires_grad=True)
    g = np.arange(9.0).reshape(1, 1, 3, 3)
    F.max_pool2d(t, 2).backward(g)
    np.testing.assert_array_equal(t.grad.ravel(), S.T @ g.ravel())
    u = Tensor(y, requires_grad=True)
    h = np.arange(36.0).reshape(1, 1, 6, 6)
    F.max_unpool2d(u, idx, 2).backward(h)
    np.testing.assert_array_equal(u.grad.ravel(), S @ h.ravel())


def test_overlapping_windows_write_a_pixel_once():
    """Two windows choosing one pixel: unpooling writes it once (S.T would add the two)."""
    x = np.array([[[0.0, 9.0, 0.0, 1.0]]])
    y, idx = tconv.max_pool1d(x, 2, stride=1, return_indices=True)
    assert idx.tolist() == [[[1, 1, 3]]]
    out = tconv.max_unpool1d(y, idx, 2, stride=1)
    np.testing.assert_array_equal(out, [[[0.0, 9.0, 0.0, 1.0]]])
    S = selection_matrix(idx[0, 0], (4,))
    np.testing.assert_array_equal(S.T @ y.ravel(), [0.0, 18.0, 0.0, 1.0])


def test_unpool_output_size_rule():
    assert unpool_output_size((3, 3), 2) == (6, 6)
    assert unpool_output_size((3, 3), 2, output_size=(7, 5)) == (7, 5)
    assert unpool_output_size((3,), 3, stride=2, padding=1) == (5,)
    assert unpool_output_size((3, 3), 2, output_size=(1, 1, 7, 7)) == (7, 7)
    for bad in ((8, 6), (4, 6)):
        with pytest.raises(ValueError, match="strictly between 4 and 8"):
            unpool_output_size((3, 3), 2, output_size=bad)


@pytest.mark.parametrize("call, error, match", [
    (lambda: tconv.max_unpool2d(np.ones((1, 1, 2, 2)), np.full((1, 1, 2, 2), 16), 2), ValueError, "outside"),
    (lambda: tconv.max_unpool2d(np.ones((1, 1, 2, 2)), np.zeros((1, 1, 2, 3), int), 2), ValueError, "shape"),
    (lambda: tconv.max_unpool2d(np.ones((1, 1, 2, 2)), np.zeros((1, 1, 2, 2)), 2), TypeError, "ints"),
    (lambda: tconv.max_unpool2d(np.ones((2, 2)), np.zeros((2, 2), int), 2), ValueError, "axes"),
    (lambda: tconv.max_unpool1d(np.ones((1, 1, 2)), np.zeros((1, 1, 2), int), 2, output_size=(1, 2, 3, 4)),
     ValueError, "entries"),
])
def test_max_unpool_errors(call, error, match):
    with pytest.raises(error, match=match):
        call()


# --------------------------------------------------------------------------- Linear and FCN's rewrite


def test_linear_layer_and_its_gradient():
    rng = np.random.default_rng(0)
    layer = nn.Linear(4, 3, dtype=np.float64, rng=rng)
    assert np.abs(layer.weight.data).max() <= 0.5 and layer.bias.shape == (3,)
    x = Tensor(rng.standard_normal((2, 5, 4)), requires_grad=True)
    out = layer(x)
    np.testing.assert_allclose(out.data, x.data @ layer.weight.data.T + layer.bias.data)
    g = rng.standard_normal(out.shape)
    out.backward(g)
    np.testing.assert_allclose(x.grad, g @ layer.weight.data)
    np.testing.assert_allclose(layer.weight.grad, np.einsum("abo,abi->oi", g, x.data))
    np.testing.assert_allclose(layer.bias.grad, g.sum(axis=(0, 1)))
    assert tconv.gradcheck(lambda a, w, b: F.linear(a, w, b), rng.standard_normal((3, 4)),
                           rng.standard_normal((2, 4)), rng.standard_normal(2))
    with pytest.raises(ValueError, match="in_features=4"):
        layer(np.zeros((2, 5)))


def test_convolutionized_classifier_equals_the_dense_one_at_every_window():
    """FCN: Flatten + Linear on each h x w window == the convolution's output at that window."""
    rng = np.random.default_rng(1)
    fc1, fc2 = nn.Linear(2 * 3 * 3, 5, dtype=np.float64, rng=rng), nn.Linear(5, 4, dtype=np.float64, rng=rng)
    conv1, conv2 = nn.convolutionize(fc1, (2, 3, 3)), nn.convolutionize(fc2, (5,))
    big = rng.standard_normal((1, 2, 7, 6))
    scores = conv2(F.relu(conv1(big))).data
    assert scores.shape == (1, 4, 5, 4)
    for r in range(5):
        for c in range(4):
            window = big[:, :, r:r + 3, c:c + 3].reshape(1, -1)
            dense = fc2(F.relu(fc1(window))).data
            np.testing.assert_allclose(scores[:, :, r, c], dense, atol=1e-12)
    with pytest.raises(TypeError, match="tconv.nn.Linear"):
        nn.convolutionize(conv1, (2, 3, 3))


# --------------------------------------------------------------------------- PyTorch as an oracle


@pytest.mark.torch
def test_pixel_shuffle_and_unpool_match_torch():
    import torch

    rng = np.random.default_rng(5)
    x = rng.standard_normal((2, 3, 18, 4, 5))
    np.testing.assert_array_equal(tconv.pixel_shuffle(x, 3), torch.nn.functional.pixel_shuffle(torch.tensor(x), 3))
    z = rng.standard_normal((3, 2, 6, 9))
    np.testing.assert_array_equal(tconv.pixel_unshuffle(z, 3),
                                  torch.nn.functional.pixel_unshuffle(torch.tensor(z), 3))
    for ndim, size, k, s, p in ((1, 9, 3, 2, 1), (2, 7, 2, 2, 0), (2, 8, 2, 2, 0), (2, 9, 3, 3, 1),
                                (3, 5, 2, 2, 1)):
        shape = (2, 3) + (size,) * ndim
        v = rng.standard_normal(shape)
        tp = getattr(torch.nn.functional, f"max_pool{ndim}d")
        tu = getattr(torch.nn.functional, f"max_unpool{ndim}d")
        ty, tidx = tp(torch.tensor(v), k, s, p, return_indices=True)
        y, idx = getattr(tconv, f"max_pool{ndim}d")(v, k, s, p, return_indices=True)
        np.testing.assert_array_equal(idx, tidx.numpy())
        fits = all((o - 1) * s - 2 * p + k == size for o in y.shape[2:])
        for output_size in ((None, shape[2:]) if fits else (shape[2:],)):
            theirs = tu(ty, tidx, k, s, p, output_size=output_size).numpy()
            mine = getattr(tconv, f"max_unpool{ndim}d")(y, idx, k, s, p, output_size=output_size)
            np.testing.assert_array_equal(mine, theirs)
        # gradients through the differentiable op
        yt = torch.tensor(y, requires_grad=True)
        out_t = tu(yt, tidx, k, s, p, output_size=shape[2:])
        g = rng.standard_normal(out_t.shape)
        out_t.backward(torch.tensor(g))
        ours = Tensor(y, requires_grad=True)
        getattr(F, f"max_unpool{ndim}d")(ours, idx, k, s, p, output_size=shape[2:]).backward(g)
        np.testing.assert_array_equal(ours.grad, yt.grad.numpy())
    with pytest.raises(ValueError):
        torch.nn.functional.max_unpool2d(torch.ones(1, 1, 3, 3), torch.zeros(1, 1, 3, 3, dtype=torch.long), 2,
                                         output_size=(8, 6))
    with pytest.raises(ValueError):
        tconv.max_unpool2d(np.ones((1, 1, 3, 3)), np.zeros((1, 1, 3, 3), int), 2, output_size=(8, 6))


@pytest.mark.torch
def test_linear_and_pixel_shuffle_layers_match_torch():
    import torch

    rng = np.random.default_rng(6)
    ours = nn.Linear(6, 4, dtype=np.float64, rng=rng)
    theirs = torch.nn.Linear(6, 4, dtype=torch.float64)
    theirs.load_state_dict({k: torch.tensor(v) for k, v in ours.state_dict().items()})
    x = rng.standard_normal((3, 6))
    np.testing.assert_allclose(ours(x).data, theirs(torch.tensor(x)).detach().numpy(), atol=1e-12)
    assert repr(ours) == repr(theirs).replace("torch.", "")
    assert repr(nn.PixelShuffle(2)) == repr(torch.nn.PixelShuffle(2))
    assert repr(nn.MaxUnpool2d(2)) == repr(torch.nn.MaxUnpool2d(2))
    assert repr(nn.Flatten()) == repr(torch.nn.Flatten())
    up = rng.standard_normal((2, 8, 3, 3))
    xt = torch.tensor(up, requires_grad=True)
    torch.nn.PixelShuffle(2)(xt).sum().backward()
    mine = Tensor(up, requires_grad=True)
    nn.PixelShuffle(2)(mine).sum().backward()
    np.testing.assert_array_equal(mine.grad, xt.grad.numpy())
