"""gradcheck on every Tensor op over drawn shapes (float64), plus their documented special cases."""
from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from tconv import Tensor, gradcheck
from tconv.autograd import unbroadcast

seeds = st.integers(0, 2**32 - 1)
broadcast_pairs = hnp.mutually_broadcastable_shapes(num_shapes=2, min_dims=0, max_dims=3, max_side=3)
shapes = hnp.array_shapes(min_dims=0, max_dims=3, max_side=4)
few = settings(max_examples=30, deadline=None)


def away_from_zero(rng, shape, low=0.5, high=2.0):
    return rng.uniform(low, high, shape) * rng.choice([-1.0, 1.0], shape)


def distinct(rng, shape):
    """Values at least 0.1 apart, so max/min/abs/clip are differentiable at every element."""
    n = int(np.prod(shape))
    return (rng.permutation(n) * 0.1 - n * 0.05 + 0.05).reshape(shape)


# ---------------------------------------------------------------- arithmetic with broadcasting

@few
@given(broadcast_pairs, st.sampled_from(["add", "sub", "mul", "div", "pow"]), seeds)
def test_binary_ops_gradcheck_with_broadcasting(shapes_, op, seed):
    rng = np.random.default_rng(seed)
    sa, sb = shapes_.input_shapes
    a = rng.uniform(0.5, 2.0, sa) if op == "pow" else rng.standard_normal(sa)
    b = away_from_zero(rng, sb) if op == "div" else rng.standard_normal(sb)
    fn = {"add": lambda a, b: a + b, "sub": lambda a, b: a - b, "mul": lambda a, b: a * b,
          "div": lambda a, b: a / b, "pow": lambda a, b: a ** b}[op]
    assert gradcheck(fn, a, b)
    out = fn(Tensor(a), Tensor(b))
    assert out.shape == shapes_.result_shape


@few
@given(shapes, seeds)
def test_scalars_and_reflected_operators(shape, seed):
    x = np.random.default_rng(seed).uniform(0.5, 2.0, shape)
    assert gradcheck(lambda x: 2.0 - x * 3 + 1 / x - (-x) + 2 ** x + x ** 0.5, x)


@few
@given(st.sampled_from(["vv", "mv", "vm", "mm", "batched"]), st.integers(1, 3), st.integers(1, 3),
       st.integers(1, 3), seeds)
def test_matmul_gradcheck(kind, n, k, m, seed):
    rng = np.random.default_rng(seed)
    a_shape, b_shape = {"vv": ((k,), (k,)), "mv": ((n, k), (k,)), "vm": ((k,), (k, m)),
                        "mm": ((n, k), (k, m)), "batched": ((2, 1, n, k), (3, k, m))}[kind]
    a, b = rng.standard_normal(a_shape), rng.standard_normal(b_shape)
    assert gradcheck(lambda a, b: a @ b, a, b)
    np.testing.assert_allclose((Tensor(a) @ b).data, a @ b)
    np.testing.assert_allclose((a @ Tensor(b)).data, a @ b)


def test_matmul_rejects_scalars():
    with pytest.raises(ValueError, match="at least one axis"):
        Tensor(2.0) @ Tensor([1.0])


def test_unbroadcast_sums_added_and_stretched_axes():
    g = np.arange(24.0).reshape(2, 3, 4)
    np.testing.assert_array_equal(unbroadcast(g, (3, 1)), g.sum(axis=(0, 2))[:, None])
    np.testing.assert_array_equal(unbroadcast(g, ()), g.sum())
    assert unbroadcast(g, (2, 3, 4)) is g


# ---------------------------------------------------------------- reductions

axis_choices = st.one_of(st.none(), st.integers(-3, 2), st.tuples(st.integers(0, 2), st.integers(0, 2)))


@few
@given(hnp.array_shapes(min_dims=3, max_dims=3, max_side=3), axis_choices, st.booleans(),
       st.sampled_from(["sum", "mean", "max", "min"]), seeds)
def test_reductions_gradcheck(shape, axis, keepdims, op, seed):
    if isinstance(axis, tuple) and axis[0] == axis[1]:
        axis = axis[0]
    x = distinct(np.random.default_rng(seed), shape)
    assert gradcheck(lambda x: getattr(x, op)(axis=axis, keepdims=keepdims), x)
    expected = getattr(np, {"sum": "sum", "mean": "mean", "max": "max", "min": "min"}[op])(
        x, axis=axis, keepdims=keepdims)
    np.testing.assert_allclose(getattr(Tensor(x), op)(axis=axis, keepdims=keepdims).data, expected)


def test_max_splits_the_gradient_evenly_among_ties():
    x = Tensor([[3.0, 1.0, 3.0, 3.0]], requires_grad=True)
    x.max().backward()
    np.testing.assert_allclose(x.grad, [[1 / 3, 0, 1 / 3, 1 / 3]])
    y = Tensor([[1.0, 1.0], [0.0, 2.0]], requires_grad=True)
    y.min(axis=1).sum().backward()
    np.testing.assert_allclose(y.grad, [[0.5, 0.5], [1.0, 0.0]])


def test_reduction_axis_errors():
    with pytest.raises(ValueError, match="out of range"):
        Tensor(np.ones((2, 2))).sum(axis=2)
    with pytest.raises(ValueError, match="repeats"):
        Tensor(np.ones((2, 2))).mean(axis=(0, -2))


# ---------------------------------------------------------------- shape ops and indexing

@few
@given(hnp.array_shapes(min_dims=1, max_dims=4, max_side=3), seeds)
def test_reshape_and_transpose_gradcheck(shape, seed):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal(shape)
    perm = tuple(rng.permutation(len(shape)))
    weights = rng.standard_normal(x.size)          # makes the check sensitive to element order
    assert gradcheck(lambda x: x.reshape(-1) * weights, x)
    assert gradcheck(lambda x: x.transpose(perm).reshape(-1) * weights, x)
    assert gradcheck(lambda x: x.T.reshape((x.size,)) * weights, x)
    np.testing.assert_array_equal(Tensor(x).transpose(*perm).data, x.transpose(perm))


@few
@given(hnp.array_shapes(min_dims=1, max_dims=3, min_side=2, max_side=4), seeds)
def test_getitem_gradcheck_basic_and_advanced(shape, seed):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal(shape)
    picks = rng.integers(0, shape[0], size=5)                  # repeats are likely
    mask = rng.random(shape) < 0.5
    for index in [(slice(None, None, 2),), (Ellipsis, -1), (0,), (picks,), (mask,), (None, slice(1, None))]:
        weights = rng.standard_normal(x[index].shape)
        assert gradcheck(lambda x: x[index] * weights, x)
    t = Tensor(x, requires_grad=True)
    t[picks].sum().backward()
    np.testing.assert_array_equal(t.grad.reshape(shape[0], -1)[:, 0], np.bincount(picks, minlength=shape[0]))


def test_getitem_accepts_lists_and_integer_tensors():
    x = Tensor(np.arange(4.0), requires_grad=True)
    x[[1, 1]].sum().backward()
    x[Tensor([3.0])].sum().backward()
    np.testing.assert_array_equal(x.grad, [0.0, 2.0, 0.0, 1.0])


# ---------------------------------------------------------------- elementwise

@few
@given(shapes, st.sampled_from(["exp", "log", "sqrt", "abs", "clip", "clip_low"]), seeds)
def test_elementwise_gradcheck(shape, op, seed):
    rng = np.random.default_rng(seed)
    x = rng.uniform(0.5, 3.0, shape) if op in ("log", "sqrt") else distinct(rng, shape) + 0.03
    fn = {"exp": lambda x: x.exp(), "log": lambda x: x.log(), "sqrt": lambda x: x.sqrt(),
          "abs": lambda x: abs(x), "clip": lambda x: x.clip(-0.21, 0.32), "clip_low": lambda x: x.clip(0.0)}[op]
    assert gradcheck(fn, x)


def test_clip_gradient_is_inclusive_at_the_bounds_and_needs_a_bound():
    x = Tensor([-1.0, 0.0, 0.5, 1.0, 2.0], requires_grad=True)
    x.clip(0.0, 1.0).sum().backward()
    np.testing.assert_array_equal(x.grad, [0, 1, 1, 1, 0])
    with pytest.raises(ValueError, match="low or high"):
        x.clip()


def test_abs_gradient_at_zero_is_zero():
    x = Tensor([0.0, -2.0], requires_grad=True)
    x.abs().sum().backward()
    np.testing.assert_array_equal(x.grad, [0.0, -1.0])


def test_astype_casts_forward_and_gradient():
    x = Tensor(np.ones(3, np.float32), requires_grad=True)
    y = x.astype(np.float64)
    assert y.dtype == np.float64
    (y * 2).sum().backward()
    assert x.grad.dtype == np.float32 and np.all(x.grad == 2)
    with pytest.raises(TypeError, match="float32 or float64"):
        x.astype(np.int32)


# ---------------------------------------------------------------- review regressions

def test_transpose_rejects_out_of_range_axes_instead_of_wrapping():
    x = Tensor(np.ones((2, 3)))
    for axes in [(0, 3), (2, 1), (0, -3)]:
        with pytest.raises(ValueError, match="axes"):
            x.transpose(*axes)
    assert x.transpose(-1, -2).shape == (3, 2)


def test_power_gradient_at_zero_base_matches_torch_not_nan():
    a = Tensor(np.array([0.0, 2.0], np.float32), requires_grad=True)
    b = Tensor(np.array([0.0, 2.0], np.float32), requires_grad=True)
    (a ** b).sum().backward()
    np.testing.assert_array_equal(a.grad, [0.0, 4.0])          # d(x**0)/dx = 0, also at x = 0
    np.testing.assert_allclose(b.grad, [0.0, 4.0 * np.log(2.0)], rtol=1e-6)   # 0**b log 0 -> 0
    assert a.grad.dtype == np.float32
    z = Tensor([0.0, 3.0], requires_grad=True)
    (z ** 0).sum().backward()
    np.testing.assert_array_equal(z.grad, [0.0, 0.0])


def test_boolean_data_is_refused_so_a_mask_is_never_read_as_positions():
    """Tensor([True, False]) would hold 1., 0. and index rows 1 and 0: refuse it, say what to do."""
    with pytest.raises(TypeError, match="boolean"):
        Tensor(np.array([True, False]))
    x = Tensor(np.arange(4.0), requires_grad=True)
    mask = np.array([True, False, True, False])
    x[mask].sum().backward()
    np.testing.assert_array_equal(x.grad, mask.astype(float))
