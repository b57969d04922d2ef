"""Pooling: the Numba kernels equal their NumPy twins, PyTorch, and their own gradients."""
from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from strategies import rng_from, seeds

import tconv
from tconv.ops import pool


@st.composite
def pool_case(draw, average=False):
    """A pooling geometry PyTorch accepts (padding <= k // 2, every window sees the input)."""
    ndim = draw(st.integers(1, 3))
    limit = 7 if ndim < 3 else 5
    kernel = tuple(draw(st.integers(1, 3)) for _ in range(ndim))
    stride = tuple(draw(st.integers(1, 3)) for _ in range(ndim))
    dilation = (1,) * ndim if average else tuple(draw(st.integers(1, 2)) for _ in range(ndim))
    padding = tuple(draw(st.integers(0, k // 2)) for k in kernel)
    # A window must fit: i + 2p >= d(k-1) + 1, and dilated taps must not skip the input.
    size = tuple(draw(st.integers(max(1, d * (k - 1) + 1 - 2 * p, d, k if average and ndim == 3 else 1), limit))
                 for k, d, p in zip(kernel, dilation, padding))
    ceil_mode = draw(st.booleans())
    return dict(ndim=ndim, size=size, kernel_size=kernel, stride=stride, padding=padding,
                dilation=dilation, ceil_mode=ceil_mode)


def _max(case, x, method, **extra):
    fn = getattr(tconv, f"max_pool{case['ndim']}d")
    return fn(x, case["kernel_size"], case["stride"], case["padding"], case["dilation"], case["ceil_mode"],
              method=method, **extra)


@given(case=pool_case(), seed=seeds, ties=st.booleans())
def test_max_pool_numba_equals_numpy_twin(case, seed, ties):
    rng = rng_from(seed)
    x = rng.standard_normal((2, 3) + case["size"])
    if ties:
        x = np.round(x)                               # many equal values: the first max must win
    out_a, idx_a = _max(case, x, "numba", return_indices=True)
    out_b, idx_b = _max(case, x, "numpy", return_indices=True)
    np.testing.assert_array_equal(out_a, out_b)
    np.testing.assert_array_equal(idx_a, idx_b)
    # The argmax really points at the maximum.
    flat = x.reshape(2, 3, -1)
    np.testing.assert_array_equal(np.take_along_axis(flat, idx_a.reshape(2, 3, -1), axis=2).reshape(out_a.shape),
                                  out_a)
    grad = rng.standard_normal(out_a.shape)
    np.testing.assert_allclose(pool.max_pool_backward(grad, idx_a, x.shape, method="numba"),
                               pool.max_pool_backward(grad, idx_b, x.shape, method="numpy"), rtol=1e-12)


@given(case=pool_case(average=True), seed=seeds, include=st.booleans())
def test_avg_pool_numba_equals_numpy_twin_and_backward_is_adjoint(case, seed, include):
    rng = rng_from(seed)
    x = rng.standard_normal((2, 3) + case["size"])
    fn = getattr(tconv, f"avg_pool{case['ndim']}d")
    args = (case["kernel_size"], case["stride"], case["padding"], case["ceil_mode"], include)
    out_a, out_b = fn(x, *args, method="numba"), fn(x, *args, method="numpy")
    np.testing.assert_allclose(out_a, out_b, rtol=1e-12, atol=1e-12)
    grad = rng.standard_normal(out_a.shape)
    back = [pool.avg_pool_backward(grad, x.shape, *args, method=m) for m in ("numba", "numpy")]
    np.testing.assert_allclose(back[0], back[1], rtol=1e-12, atol=1e-12)
    # Average pooling is linear, so its backward is its adjoint: <A x, g> == <x, A^T g>.
    np.testing.assert_allclose(np.vdot(out_a, grad), np.vdot(x, back[0]), rtol=1e-10)


def test_known_values_and_first_max_on_ties():
    x = np.array([[[[1., 1.], [1., 1.]]]])
    out, idx = tconv.max_pool2d(x, 2, return_indices=True)
    assert out.item() == 1.0 and idx.item() == 0
    y = np.arange(25.0).reshape(1, 1, 5, 5)
    assert tconv.max_pool2d(y, 2).shape == (1, 1, 2, 2)
    np.testing.assert_array_equal(tconv.max_pool2d(y, 2, ceil_mode=True)[0, 0], [[6, 8, 9], [16, 18, 19], [21, 23, 24]])
    np.testing.assert_allclose(tconv.avg_pool2d(y, 2, ceil_mode=True)[0, 0, 2], [20.5, 22.5, 24.0])
    np.testing.assert_allclose(tconv.avg_pool2d(np.ones((1, 1, 2, 2)), 2, stride=1, padding=1)[0, 0],
                               np.full((3, 3), [[.25, .5, .25], [.5, 1, .5], [.25, .5, .25]]))


@pytest.mark.parametrize("bad, match", [
    (dict(kernel_size=0), "kernel_size"),
    (dict(kernel_size=2, stride=0), "stride"),
    (dict(kernel_size=2, padding=2), "padding"),
    (dict(kernel_size=5), "does not fit"),
])
def test_bad_pooling_arguments_raise_clear_errors(bad, match):
    x = np.ones((1, 1, 1, 3))
    with pytest.raises(ValueError, match=match):
        tconv.max_pool2d(x, **bad)


def test_windows_that_see_only_padding_are_refused():
    """PyTorch returns -inf (and its backward writes out of bounds); tconv says why it refuses."""
    with pytest.raises(ValueError, match="only padding"):
        tconv.max_pool2d(np.ones((1, 1, 1, 1)), 2, dilation=2, padding=1)
    with pytest.raises(ValueError, match="avg_pool3d"):
        tconv.avg_pool3d(np.ones((1, 1, 1, 1, 1)), (1, 1, 2), padding=(0, 0, 1))


def test_bad_input_shapes_and_indices():
    with pytest.raises(ValueError, match="max_pool2d expects x"):
        tconv.max_pool2d(np.ones((4, 4)), 2)
    with pytest.raises(TypeError, match="dtype"):
        tconv.avg_pool2d(np.ones((1, 4, 4), np.complex128), 2)
    with pytest.raises(ValueError, match="indices"):
        pool.max_pool_backward(np.ones((1, 1, 2)), np.array([[[0, 9]]]), (1, 1, 4))
    with pytest.raises(ValueError, match="method"):
        tconv.max_pool2d(np.ones((1, 4, 4)), 2, method="cuda")


def test_float32_stays_float32_and_unbatched_works():
    x = np.random.default_rng(0).standard_normal((3, 6, 6)).astype(np.float32)
    out, idx = tconv.max_pool2d(x, 2, return_indices=True)
    assert out.dtype == np.float32 and out.shape == (3, 3, 3) and idx.dtype == np.int64
    assert tconv.avg_pool2d(x, 2).dtype == np.float32


@pytest.mark.torch
@given(case=pool_case(), seed=seeds)
def test_max_pool_matches_torch(case, seed):
    import torch
    import torch.nn.functional as F

    x = rng_from(seed).standard_normal((2, 3) + case["size"])
    out, idx = _max(case, x, "numba", return_indices=True)
    fn = getattr(F, f"max_pool{case['ndim']}d")
    t_out, t_idx = fn(torch.from_numpy(x), case["kernel_size"], case["stride"], case["padding"],
                      case["dilation"], case["ceil_mode"], True)
    np.testing.assert_array_equal(out, t_out.numpy())
    np.testing.assert_array_equal(idx, t_idx.numpy())


@pytest.mark.torch
@given(case=pool_case(average=True), seed=seeds, include=st.booleans())
def test_avg_pool_and_its_gradient_match_torch(case, seed, include):
    import torch
    import torch.nn.functional as F

    rng = rng_from(seed)
    x = rng.standard_normal((2, 3) + case["size"])
    args = (case["kernel_size"], case["stride"], case["padding"], case["ceil_mode"], include)
    out = getattr(tconv, f"avg_pool{case['ndim']}d")(x, *args)
    tx = torch.from_numpy(x).requires_grad_(True)
    t_out = getattr(F, f"avg_pool{case['ndim']}d")(tx, *args)
    np.testing.assert_allclose(out, t_out.detach().numpy(), rtol=1e-12, atol=1e-12)
    grad = rng.standard_normal(out.shape)
    t_out.backward(torch.from_numpy(grad))
    np.testing.assert_allclose(pool.avg_pool_backward(grad, x.shape, *args), tx.grad.numpy(),
                               rtol=1e-12, atol=1e-12)
