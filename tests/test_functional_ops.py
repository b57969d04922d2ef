"""gradcheck and behaviour of the non-convolution ops of tconv.nn.functional (float64)."""
from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import tconv.nn.functional as F
import tconv.random
from tconv import Tensor, gradcheck, no_grad

seeds = st.integers(0, 2**32 - 1)
few = settings(max_examples=25, deadline=None)
shapes = hnp.array_shapes(min_dims=1, max_dims=4, max_side=4)


def distinct(rng, shape, spacing=0.1):
    """Values ``spacing`` apart and away from 0, so kinks (relu, max) sit between them."""
    n = int(np.prod(shape))
    return ((rng.permutation(n) - n // 2) * spacing + spacing / 3).reshape(shape)


# ---------------------------------------------------------------- activations

@few
@given(shapes, st.sampled_from(["relu", "leaky_relu", "sigmoid", "tanh"]), seeds)
def test_activations_gradcheck(shape, name, seed):
    x = distinct(np.random.default_rng(seed), shape)
    fn = {"relu": F.relu, "leaky_relu": lambda x: F.leaky_relu(x, negative_slope=0.2),
          "sigmoid": F.sigmoid, "tanh": F.tanh}[name]
    assert gradcheck(fn, x)


def test_activation_values():
    x = np.array([-3.0, -0.5, 0.0, 0.5, 3.0])
    np.testing.assert_allclose(F.relu(Tensor(x)).data, np.maximum(x, 0))
    np.testing.assert_allclose(F.leaky_relu(Tensor(x)).data, np.where(x > 0, x, 0.01 * x))
    np.testing.assert_allclose(F.sigmoid(Tensor(x)).data, 1 / (1 + np.exp(-x)))
    np.testing.assert_allclose(F.tanh(Tensor(x)).data, np.tanh(x))


def test_sigmoid_is_stable_for_huge_logits():
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        y = F.sigmoid(Tensor([-1e4, -800.0, 800.0, 1e4], requires_grad=True))
        y.sum().backward()
    np.testing.assert_array_equal(y.data, [0.0, 0.0, 1.0, 1.0])


@few
@given(hnp.array_shapes(min_dims=1, max_dims=3, max_side=4), st.data(), seeds)
def test_softmax_and_log_softmax_gradcheck(shape, data, seed):
    dim = data.draw(st.integers(-len(shape), len(shape) - 1))
    x = np.random.default_rng(seed).standard_normal(shape) * 3
    weights = np.random.default_rng(seed + 1).standard_normal(shape)   # a non-trivial cotangent
    assert gradcheck(lambda x: F.softmax(x, dim=dim) * weights, x)
    assert gradcheck(lambda x: F.log_softmax(x, axis=dim) * weights, x)
    np.testing.assert_allclose(F.softmax(Tensor(x), dim).data.sum(axis=dim), 1.0)
    np.testing.assert_allclose(np.exp(F.log_softmax(Tensor(x), dim).data), F.softmax(Tensor(x), dim).data)


def test_softmax_family_is_stable_and_needs_dim():
    x = Tensor([[1e4, 0.0, -1e4]], requires_grad=True)
    with np.errstate(over="raise", invalid="raise"):
        np.testing.assert_allclose(F.softmax(x, dim=1).data, [[1.0, 0.0, 0.0]])
        np.testing.assert_allclose(F.log_softmax(x, dim=1).data, [[0.0, -1e4, -2e4]])
    with pytest.raises(TypeError, match="needs dim"):
        F.softmax(x)
    with pytest.raises(TypeError, match="one of them"):
        F.log_softmax(x, dim=0, axis=1)


# ---------------------------------------------------------------- pad, cat, stack

@few
@given(hnp.array_shapes(min_dims=1, max_dims=3, min_side=2, max_side=4), st.data(), seeds)
def test_pad_gradcheck_with_crops(shape, data, seed):
    n_axes = data.draw(st.integers(1, len(shape)))
    pads = []
    for axis in range(len(shape) - 1, len(shape) - 1 - n_axes, -1):
        pads += [data.draw(st.integers(-(shape[axis] // 2), 2)), data.draw(st.integers(-(shape[axis] // 2), 2))]
    x = np.random.default_rng(seed).standard_normal(shape)
    out = F.pad(Tensor(x), tuple(pads))
    weights = np.random.default_rng(seed + 1).standard_normal(out.shape)
    assert gradcheck(lambda x: F.pad(x, tuple(pads)) * weights, x)
    expected = list(shape)
    for i in range(n_axes):
        expected[len(shape) - 1 - i] += pads[2 * i] + pads[2 * i + 1]
    assert out.shape == tuple(expected)


def test_pad_values_order_and_errors():
    x = Tensor(np.arange(6.0).reshape(2, 3))
    np.testing.assert_array_equal(F.pad(x, (1, 0)).data, [[0, 0, 1, 2], [0, 3, 4, 5]])
    np.testing.assert_array_equal(F.pad(x, (0, 0, 0, 1), value=-1.0).data, [[0, 1, 2], [3, 4, 5], [-1, -1, -1]])
    np.testing.assert_array_equal(F.pad(x, (-1, 0)).data, [[1, 2], [4, 5]])
    with pytest.raises(ValueError, match="even number"):
        F.pad(x, (1, 0, 1))
    with pytest.raises(ValueError, match="negative size"):
        F.pad(x, (-2, -2))
    with pytest.raises(ValueError, match="constant"):
        F.pad(x, (1, 1), mode="reflect")


@few
@given(st.integers(1, 4), st.integers(0, 2), seeds)
def test_cat_and_stack_gradcheck(count, dim, seed):
    rng = np.random.default_rng(seed)
    parts = [rng.standard_normal((2, 3, 2)[:dim] + (i + 1,) + (2, 3, 2)[dim + 1:]) for i in range(count)]
    weights = rng.standard_normal(np.concatenate(parts, axis=dim).shape)
    assert gradcheck(lambda *ps: F.cat(list(ps), dim=dim) * weights, *parts)
    same = [rng.standard_normal((2, 3)) for _ in range(count)]
    weights = rng.standard_normal(np.stack(same, axis=dim).shape)
    assert gradcheck(lambda *ps: F.stack(ps, dim=dim) * weights, *same)
    np.testing.assert_array_equal(F.cat([Tensor(p) for p in parts], dim=dim).data, np.concatenate(parts, dim))


def test_cat_needs_a_list():
    with pytest.raises(TypeError, match="non-empty list"):
        F.cat([])
    with pytest.raises(TypeError, match="non-empty list"):
        F.stack(Tensor(np.ones((2, 2))))


# ---------------------------------------------------------------- dropout

def test_dropout_is_reproducible_scaled_and_masks_the_gradient():
    x = Tensor(np.ones((100, 100)), requires_grad=True)
    a = F.dropout(x, 0.3, rng=np.random.default_rng(5))
    b = F.dropout(x, 0.3, rng=np.random.default_rng(5))
    np.testing.assert_array_equal(a.data, b.data)
    assert set(np.unique(a.data)) == {0.0, 1 / 0.7}
    assert abs((a.data == 0).mean() - 0.3) < 0.02
    a.sum().backward()
    np.testing.assert_array_equal(x.grad, a.data)
    tconv.random.manual_seed(11)
    c = F.dropout(x, 0.5)
    tconv.random.manual_seed(11)
    np.testing.assert_array_equal(F.dropout(x, 0.5).data, c.data)


def test_dropout_special_cases_and_gradcheck():
    x = np.random.default_rng(0).standard_normal((3, 4))
    assert F.dropout(Tensor(x), 0.5, training=False).data is not None
    np.testing.assert_array_equal(F.dropout(Tensor(x), 0.5, training=False).data, x)
    np.testing.assert_array_equal(F.dropout(Tensor(x), 0.0).data, x)
    np.testing.assert_array_equal(F.dropout(Tensor(x), 1.0).data, 0 * x)
    assert gradcheck(lambda x: F.dropout(x, 0.4, rng=np.random.default_rng(3)), x)
    with pytest.raises(ValueError, match="between 0 and 1"):
        F.dropout(Tensor(x), 1.5)


# ---------------------------------------------------------------- batch norm

@few
@given(st.integers(2, 3), st.integers(1, 3), st.sampled_from([(), (3,), (2, 3)]), st.booleans(), seeds)
def test_batch_norm_gradcheck_train_and_eval(n, c, spatial, training, seed):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((n, c) + spatial) * 2 + 1
    w, b = rng.standard_normal(c), rng.standard_normal(c)
    mean, var = rng.standard_normal(c), rng.uniform(0.5, 2, c)
    weights = rng.standard_normal(x.shape)
    assert gradcheck(lambda x, w, b: F.batch_norm(x, mean.copy(), var.copy(), w, b, training) * weights, x, w, b)
    assert gradcheck(lambda x: F.batch_norm(x, None, None, training=True) * weights, x) if training else True


def test_batch_norm_normalises_and_updates_running_stats_in_place():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((4, 2, 3, 3)) * 3 + 5
    mean, var = np.zeros(2), np.ones(2)
    out = F.batch_norm(Tensor(x), mean, var, training=True, momentum=0.2, eps=0.0)
    np.testing.assert_allclose(out.data.mean(axis=(0, 2, 3)), 0, atol=1e-12)
    np.testing.assert_allclose(out.data.var(axis=(0, 2, 3)), 1)
    np.testing.assert_allclose(mean, 0.2 * x.mean(axis=(0, 2, 3)))
    np.testing.assert_allclose(var, 0.8 + 0.2 * x.var(axis=(0, 2, 3), ddof=1))
    with no_grad():                      # eval uses the running buffers and leaves them alone
        evaluated = F.batch_norm(Tensor(x), mean, var, training=False, eps=0.0)
    np.testing.assert_allclose(evaluated.data, (x - mean[:, None, None]) / np.sqrt(var[:, None, None]))
    np.testing.assert_allclose(mean, 0.2 * x.mean(axis=(0, 2, 3)))


def test_batch_norm_errors():
    with pytest.raises(ValueError, match="more than 1 value per channel"):
        F.batch_norm(Tensor(np.ones((1, 3))), None, None, training=True)
    with pytest.raises(ValueError, match="needs running_mean"):
        F.batch_norm(Tensor(np.ones((2, 3))), None, None, training=False)
    with pytest.raises(ValueError, match=r"expected \(3,\)"):
        F.batch_norm(Tensor(np.ones((2, 3))), np.zeros(2), np.ones(2))
    with pytest.raises(TypeError, match="updated in place"):
        F.batch_norm(Tensor(np.ones((2, 3))), [0.0, 0.0, 0.0], np.ones(3))


# ---------------------------------------------------------------- losses

@few
@given(st.integers(1, 3), st.integers(2, 4), st.sampled_from([(), (3,), (2, 2)]),
       st.sampled_from(["mean", "sum", "none"]), st.booleans(), seeds)
def test_cross_entropy_gradcheck(n, c, spatial, reduction, weighted, seed):
    rng = np.random.default_rng(seed)
    logits = rng.standard_normal((n, c) + spatial) * 2
    target = rng.integers(0, c, (n,) + spatial)
    target.flat[0] = -100                               # at least one ignored position
    target.flat[-1] = 0                                 # at least one counted position
    weight = rng.uniform(0.5, 2, c) if weighted else None
    assert gradcheck(lambda x: F.cross_entropy(x, target, weight, reduction=reduction), logits)


def test_cross_entropy_known_value_and_edge_cases():
    logits = Tensor(np.zeros((2, 4)), requires_grad=True)
    loss = F.cross_entropy(logits, [1, 3])
    assert np.isclose(loss.item(), np.log(4))
    loss.backward()
    np.testing.assert_allclose(logits.grad, (np.full((2, 4), 0.25) - np.eye(4)[[1, 3]]) / 2)
    assert np.isnan(F.cross_entropy(Tensor(np.zeros((2, 3))), np.array([-100, -100])).item())
    assert F.cross_entropy(Tensor(np.zeros(3)), np.array(2), reduction="none").shape == ()
    with pytest.raises(ValueError, match="out of bounds"):
        F.cross_entropy(Tensor(np.zeros((2, 3))), np.array([0, 3]))
    with pytest.raises(TypeError, match="integer class indices"):
        F.cross_entropy(Tensor(np.zeros((2, 3))), np.array([0.5, 1.0]))
    with pytest.raises(ValueError, match="need a target of shape"):
        F.cross_entropy(Tensor(np.zeros((2, 3, 4))), np.array([0, 1]))
    with pytest.raises(ValueError, match="reduction"):
        F.cross_entropy(Tensor(np.zeros((2, 3))), np.array([0, 1]), reduction="avg")


@few
@given(hnp.array_shapes(min_dims=1, max_dims=3, max_side=3), st.sampled_from(["mean", "sum", "none"]),
       st.booleans(), st.booleans(), seeds)
def test_bce_with_logits_gradcheck_for_logits_and_target(shape, reduction, weighted, pos_weighted, seed):
    rng = np.random.default_rng(seed)
    x, t = rng.standard_normal(shape) * 3, rng.uniform(0, 1, shape)
    weight = rng.uniform(0.5, 2, shape) if weighted else None
    pos_weight = rng.uniform(0.5, 3, shape[-1:]) if pos_weighted else None
    assert gradcheck(lambda x, t: F.binary_cross_entropy_with_logits(x, t, weight, pos_weight, reduction), x, t)


def test_bce_with_logits_is_finite_for_huge_logits():
    x = Tensor([-1e6, -1e3, 0.0, 1e3, 1e6], requires_grad=True)
    t = np.array([1.0, 0.0, 1.0, 1.0, 0.0])
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        loss = F.binary_cross_entropy_with_logits(x, t, reduction="none")
        loss.sum().backward()
    np.testing.assert_allclose(loss.data, [1e6, 0.0, np.log(2), 0.0, 1e6])
    np.testing.assert_allclose(x.grad, [-1.0, 0.0, -0.5, 0.0, 1.0])
    with pytest.raises(ValueError, match="target shape"):
        F.binary_cross_entropy_with_logits(x, np.ones(3))


# ---------------------------------------------------------------- pooling and resizing

@settings(max_examples=20, deadline=None)
@given(st.sampled_from([1, 2, 3]), st.integers(1, 3), st.integers(1, 2), st.booleans(), st.booleans(), seeds)
def test_pooling_gradcheck(ndim, k, s, use_max, ceil_mode, seed):
    rng = np.random.default_rng(seed)
    size = (5, 4, 3)[:ndim] if ndim < 3 else (3, 4, 3)
    x = distinct(rng, (2, 2) + size)     # the NumPy twins are used: Numba's threads cost ~ms per tiny call
    if use_max:
        fn = getattr(F, f"max_pool{ndim}d")
        assert gradcheck(lambda x: fn(x, k, s, k // 2, 1, ceil_mode, method="numpy"), x)
    else:
        fn = getattr(F, f"avg_pool{ndim}d")
        assert gradcheck(lambda x: fn(x, k, s, k // 2, ceil_mode, bool(seed % 2), method="numpy"), x)


def test_max_pool_return_indices_and_unbatched():
    x = Tensor(np.arange(16.0).reshape(1, 4, 4), requires_grad=True)
    out, idx = F.max_pool2d(x, 2, return_indices=True)
    np.testing.assert_array_equal(idx, [[[5, 7], [13, 15]]])
    out.sum().backward()
    assert x.grad.sum() == 4 and x.grad[0, 3, 3] == 1


@few
@given(st.sampled_from([("linear", 1), ("bilinear", 2), ("trilinear", 3), ("nearest", 2)]),
       st.booleans(), st.booleans(), seeds)
def test_interpolate_gradcheck(mode_ndim, by_factor, align, seed):
    mode, ndim = mode_ndim
    x = np.random.default_rng(seed).standard_normal((1, 2) + (3,) * ndim)
    kwargs = dict(scale_factor=2) if by_factor else dict(size=(5,) * ndim)
    align_corners = (align if mode != "nearest" else None)
    assert gradcheck(lambda x: F.interpolate(x, mode=mode, align_corners=align_corners, **kwargs), x)


# ---------------------------------------------------------------- dtypes follow the inputs

FLOAT32_CASES = {
    "conv2d": lambda x: F.conv2d(x, np.ones((2, 2, 2, 2), np.float32), np.zeros(2, np.float32)),
    "conv_transpose2d": lambda x: F.conv_transpose2d(x, np.ones((2, 3, 2, 2), np.float32), stride=2),
    "relu": F.relu, "leaky_relu": F.leaky_relu, "sigmoid": F.sigmoid, "tanh": F.tanh,
    "softmax": lambda x: F.softmax(x, 1), "log_softmax": lambda x: F.log_softmax(x, 1),
    "pad": lambda x: F.pad(x, (1, 1, 0, 2)), "cat": lambda x: F.cat([x, x * 2.0], dim=1),
    "stack": lambda x: F.stack([x, x]), "dropout": lambda x: F.dropout(x, 0.5, rng=np.random.default_rng(0)),
    "batch_norm": lambda x: F.batch_norm(x, np.zeros(2, np.float32), np.ones(2, np.float32),
                                         np.ones(2, np.float32), np.zeros(2, np.float32), training=True),
    "cross_entropy": lambda x: F.cross_entropy(x, np.zeros((2, 4, 4), int), weight=np.ones(2)),
    "bce_with_logits": lambda x: F.binary_cross_entropy_with_logits(x, np.ones((2, 2, 4, 4)), pos_weight=np.ones(1)),
    "max_pool2d": lambda x: F.max_pool2d(x, 2), "avg_pool2d": lambda x: F.avg_pool2d(x, 2),
    "interpolate": lambda x: F.interpolate(x, scale_factor=2, mode="bilinear"),
}


@pytest.mark.parametrize("name", sorted(FLOAT32_CASES))
def test_float32_inputs_give_float32_outputs_and_gradients(name):
    x = Tensor(np.random.default_rng(0).standard_normal((2, 2, 4, 4)).astype(np.float32), requires_grad=True)
    out = FLOAT32_CASES[name](x)
    assert out.dtype == np.float32, f"{name} returned {out.dtype}"
    out.sum().backward()
    assert x.grad.dtype == np.float32 and x.grad.shape == x.shape and np.all(np.isfinite(x.grad))


def test_leaky_relu_takes_negative_slope_by_position_like_torch():
    x = Tensor(np.array([-2.0, 3.0], np.float32), requires_grad=True)
    y = F.leaky_relu(x, 0.5)
    np.testing.assert_array_equal(y.data, [-1.0, 3.0])
    assert y.dtype == np.float32 and y.grad_fn == "leaky_relu"
    y.sum().backward()
    np.testing.assert_array_equal(x.grad, [0.5, 1.0])
    with pytest.raises(TypeError, match="negative_slope"):
        F.leaky_relu(x, "0.5")
