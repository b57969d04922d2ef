"""PyTorch as an oracle: values and gradients of tconv.nn.functional vs torch.nn.functional (float64).

The conv family's oracle lives in test_functional_conv.py.
"""
from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import tconv.nn.functional as F
from tconv import Tensor

pytestmark = pytest.mark.torch
seeds = st.integers(0, 2**32 - 1)
few = settings(max_examples=20, deadline=None)


@pytest.fixture(scope="module")
def torch():
    return pytest.importorskip("torch")


def check(torch, ours, theirs, *arrays, seed=0, tol=1e-10):
    """Compare outputs and the gradients of every array input under a random cotangent."""
    mine = [Tensor(a, requires_grad=True) for a in arrays]
    out = ours(*mine)
    ref_in = [torch.tensor(a, requires_grad=True) for a in arrays]
    ref = theirs(*ref_in)
    np.testing.assert_allclose(out.data, ref.detach().numpy(), rtol=tol, atol=tol)
    g = np.random.default_rng(seed).standard_normal(out.shape)
    out.backward(g)
    ref.backward(torch.tensor(g))
    for m, r in zip(mine, ref_in):
        np.testing.assert_allclose(m.grad, r.grad.numpy(), rtol=tol, atol=tol)


@few
@given(st.sampled_from(["relu", "leaky_relu", "sigmoid", "tanh", "softmax", "log_softmax"]),
       st.integers(0, 2), seeds)
def test_activations_match_torch(torch, name, dim, seed):
    x = np.random.default_rng(seed).standard_normal((2, 3, 4)) * 5
    TF = torch.nn.functional
    ours = {"relu": F.relu, "leaky_relu": lambda x: F.leaky_relu(x, negative_slope=0.1),
            "sigmoid": F.sigmoid, "tanh": F.tanh, "softmax": lambda x: F.softmax(x, dim),
            "log_softmax": lambda x: F.log_softmax(x, dim)}[name]
    theirs = {"relu": TF.relu, "leaky_relu": lambda x: TF.leaky_relu(x, 0.1), "sigmoid": torch.sigmoid,
              "tanh": torch.tanh, "softmax": lambda x: TF.softmax(x, dim),
              "log_softmax": lambda x: TF.log_softmax(x, dim)}[name]
    check(torch, ours, theirs, x, seed=seed)


def test_softmax_family_with_huge_logits_matches_torch(torch):
    x = np.array([[1e4, 0.0, -1e4], [-5e3, -5e3, 3.0]])
    check(torch, lambda x: F.log_softmax(x, 1), lambda x: torch.nn.functional.log_softmax(x, 1), x)
    check(torch, lambda x: F.softmax(x, 1), lambda x: torch.nn.functional.softmax(x, 1), x)


@few
@given(st.lists(st.integers(-1, 3), min_size=2, max_size=6).filter(lambda p: len(p) % 2 == 0), seeds)
def test_pad_matches_torch(torch, pads, seed):
    x = np.random.default_rng(seed).standard_normal((3, 4, 5))      # crops leave at least 1
    check(torch, lambda x: F.pad(x, tuple(pads), value=0.5),
          lambda x: torch.nn.functional.pad(x, tuple(pads), value=0.5), x, seed=seed)


def test_cat_matches_torch(torch):
    rng = np.random.default_rng(0)
    a, b = rng.standard_normal((2, 3, 4)), rng.standard_normal((2, 1, 4))
    check(torch, lambda a, b: F.cat([a, b], dim=1), lambda a, b: torch.cat([a, b], dim=1), a, b)


@few
@given(st.booleans(), st.sampled_from([(), (3,), (2, 3)]), st.booleans(), seeds)
def test_batch_norm_matches_torch_including_running_stats(torch, training, spatial, affine, seed):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((3, 2) + spatial) * 2 + 1
    params = [rng.standard_normal(2), rng.standard_normal(2)] if affine else []
    mean, var = rng.standard_normal(2), rng.uniform(0.5, 2, 2)
    ours_mean, ours_var = mean.copy(), var.copy()
    ref_mean, ref_var = torch.tensor(mean), torch.tensor(var)
    check(torch,
          lambda x, *wb: F.batch_norm(x, ours_mean, ours_var, *wb, training=training, momentum=0.3),
          lambda x, *wb: torch.nn.functional.batch_norm(x, ref_mean, ref_var, *wb, training=training, momentum=0.3),
          x, *params, seed=seed)
    np.testing.assert_allclose(ours_mean, ref_mean.numpy(), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(ours_var, ref_var.numpy(), rtol=1e-12, atol=1e-12)


@few
@given(st.sampled_from([(), (3,), (2, 3)]), st.sampled_from(["mean", "sum", "none"]), st.booleans(), seeds)
def test_cross_entropy_with_weights_and_ignore_index_matches_torch(torch, spatial, reduction, weighted, seed):
    rng = np.random.default_rng(seed)
    logits = rng.standard_normal((4, 3) + spatial) * 3
    target = rng.integers(0, 3, (4,) + spatial)
    target[rng.random(target.shape) < 0.3] = 255
    target.flat[0] = 1
    weight = rng.uniform(0.2, 3, 3) if weighted else None
    tw = None if weight is None else torch.tensor(weight)
    check(torch, lambda x: F.cross_entropy(x, target, weight, ignore_index=255, reduction=reduction),
          lambda x: torch.nn.functional.cross_entropy(x, torch.tensor(target), tw, ignore_index=255,
                                                      reduction=reduction), logits, seed=seed)


@few
@given(st.sampled_from(["mean", "sum", "none"]), st.booleans(), st.booleans(), seeds)
def test_bce_with_logits_matches_torch_for_huge_logits(torch, reduction, weighted, pos_weighted, seed):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((2, 3, 4)) * 10 ** rng.uniform(0, 4, (2, 3, 4))      # up to 1e4 in magnitude
    t = rng.uniform(0, 1, (2, 3, 4))
    w = rng.uniform(0.5, 2, (3, 4)) if weighted else None
    pw = rng.uniform(0.5, 3, (4,)) if pos_weighted else None
    as_torch = (lambda a: None if a is None else torch.tensor(a))
    check(torch, lambda x, t: F.binary_cross_entropy_with_logits(x, t, w, pw, reduction),
          lambda x, t: torch.nn.functional.binary_cross_entropy_with_logits(
              x, t, as_torch(w), reduction=reduction, pos_weight=as_torch(pw)), x, t, seed=seed, tol=1e-9)


@few
@given(st.sampled_from([1, 2, 3]), st.integers(1, 3), st.integers(1, 2), st.booleans(), seeds)
def test_pooling_matches_torch(torch, ndim, k, s, ceil_mode, seed):
    rng = np.random.default_rng(seed)
    x = rng.permutation(2 * 2 * 5 ** ndim).reshape((2, 2) + (5,) * ndim) * 0.1   # no ties
    TF = torch.nn.functional
    check(torch, lambda x: getattr(F, f"max_pool{ndim}d")(x, k, s, k // 2, ceil_mode=ceil_mode),
          lambda x: getattr(TF, f"max_pool{ndim}d")(x, k, s, k // 2, ceil_mode=ceil_mode), x, seed=seed)
    check(torch, lambda x: getattr(F, f"avg_pool{ndim}d")(x, k, s, k // 2, ceil_mode, False),
          lambda x: getattr(TF, f"avg_pool{ndim}d")(x, k, s, k // 2, ceil_mode, False), x, seed=seed)


@few
@given(st.sampled_from([("linear", 1), ("bilinear", 2), ("trilinear", 3), ("nearest", 2)]), st.booleans(),
       st.booleans(), seeds)
def test_interpolate_matches_torch(torch, mode_ndim, by_factor, align, seed):
    mode, ndim = mode_ndim
    x = np.random.default_rng(seed).standard_normal((1, 2) + (3,) * ndim)
    kwargs = dict(scale_factor=2.0) if by_factor else dict(size=(5,) * ndim)
    align_corners = align if mode != "nearest" else None
    check(torch, lambda x: F.interpolate(x, mode=mode, align_corners=align_corners, **kwargs),
          lambda x: torch.nn.functional.interpolate(x, mode=mode, align_corners=align_corners, **kwargs),
          x, seed=seed)


def test_dropout_identity_cases_match_torch(torch):
    x = np.random.default_rng(0).standard_normal((3, 4))
    check(torch, lambda x: F.dropout(x, 0.5, training=False), lambda x: torch.nn.functional.dropout(x, 0.5, False), x)
    check(torch, lambda x: F.dropout(x, 0.0), lambda x: torch.nn.functional.dropout(x, 0.0), x)
