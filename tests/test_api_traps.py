"""Regression tests for the traps a new user met in the API (each failed before its fix).

One rule for the NumPy-level API (Tensors are refused, naming the differentiable twin), one
method registry for every op, dtype messages that name both fixes, and the gradients,
validations and NaN cases PyTorch gets right.
"""
from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

import tconv
import tconv.nn.functional as F
from tconv import Tensor, nn
from tconv.optim import SGD, Adam, AdamW

# --------------------------------------------------------------------------- 1. Tensors at the NumPy level

TENSOR_CALLS = [
    ("conv2d", lambda x: tconv.conv2d(x, np.ones((1, 1, 3, 3)))),
    ("conv_transpose2d", lambda x: tconv.conv_transpose2d(x, np.ones((1, 1, 3, 3)))),
    ("max_pool2d", lambda x: tconv.max_pool2d(x, 2)),
    ("avg_pool2d", lambda x: tconv.avg_pool2d(x, 2)),
    ("interpolate", lambda x: tconv.interpolate(x, scale_factor=2)),
]


@pytest.mark.parametrize("name, call", TENSOR_CALLS, ids=[n for n, _ in TENSOR_CALLS])
def test_numpy_level_functions_refuse_tensors_and_name_the_twin(name, call):
    x = Tensor(np.ones((1, 1, 4, 4)), requires_grad=True)
    with pytest.raises(TypeError, match=rf"tconv.nn.functional.{name}"):
        call(x)
    assert x.grad is None


def test_tensor_weight_is_refused_too():
    w = Tensor(np.ones((1, 1, 3, 3)), requires_grad=True)
    with pytest.raises(TypeError, match="weight"):
        tconv.conv2d(np.ones((1, 1, 4, 4)), w)
    with pytest.raises(TypeError, match="Tensor"):
        tconv.conv_matrix(w, (1, 4, 4))


def test_the_differentiable_twin_gives_the_gradient():
    x = Tensor(np.ones((1, 1, 4, 4)), requires_grad=True)
    F.max_pool2d(F.conv2d(x, Tensor(np.ones((1, 1, 3, 3))), padding=1), 2).sum().backward()
    assert x.grad is not None and x.grad.shape == (1, 1, 4, 4)


# --------------------------------------------------------------------------- 2. float32 modules, float64 data


def test_dtype_mismatch_names_both_fixes():
    conv = nn.Conv2d(1, 2, 3)
    x = Tensor(np.random.default_rng(0).standard_normal((1, 1, 5, 5)))
    with pytest.raises(TypeError) as error:
        conv(x)
    message = str(error.value)
    assert "x.astype(np.float32)" in message and "model.double()" in message
    assert "float32 by default" in message


def test_gradcheck_on_a_float32_module_says_it_works_in_float64():
    conv = nn.Conv2d(1, 1, 3)
    x = np.ones((1, 1, 4, 4), np.float32)
    with pytest.raises(TypeError, match="gradcheck works in float64.*model.double"):
        tconv.gradcheck(lambda t: conv(t).sum(), x)
    conv.double()
    assert tconv.gradcheck(lambda t: conv(t).sum(), x)


# --------------------------------------------------------------------------- 3. one method registry


@pytest.mark.parametrize("method", ["matrix", "reference", "numba", "numpy"])
def test_every_method_name_works_for_pooling_and_resizing(method):
    x = np.arange(16.0).reshape(1, 1, 4, 4)
    np.testing.assert_array_equal(F.max_pool2d(Tensor(x), 2, method=method).data[0, 0], [[5, 7], [13, 15]])
    np.testing.assert_array_equal(tconv.avg_pool2d(x, 2, method=method)[0, 0], [[2.5, 4.5], [10.5, 12.5]])
    np.testing.assert_allclose(tconv.interpolate(x, scale_factor=2, mode="bilinear", method=method),
                               tconv.interpolate(x, scale_factor=2, mode="bilinear", method="numba"))


def test_use_method_reaches_pooling(monkeypatch):
    from tconv import methods

    calls = []
    numpy_pool = methods.get_method("numpy").pool

    def spy(*args):
        calls.append("max_pool")
        return numpy_pool.max_pool(*args)

    m = methods.get_method("numpy")
    with methods.registered("spy", m.forward, m.adjoint, m.weight_grad, pool=numpy_pool._replace(max_pool=spy)):
        with tconv.use_method("spy"):
            tconv.max_pool2d(np.ones((1, 1, 4, 4)), 2)
    assert calls == ["max_pool"]


def test_unknown_method_is_one_error_everywhere():
    for call in (lambda: tconv.max_pool2d(np.ones((1, 4, 4)), 2, method="cuda"),
                 lambda: tconv.interpolate(np.ones((1, 1, 4)), size=2, method="cuda"),
                 lambda: tconv.conv1d(np.ones((1, 4)), np.ones((1, 1, 3)), method="cuda")):
        with pytest.raises(ValueError, match=r"method='cuda' is not one of \('matrix', 'reference', 'numba', 'numpy'"):
            call()


def test_importing_tconv_sets_the_default_without_loading_numba():
    code = "import sys, tconv; print(tconv.get_default_method(), 'numba' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.split() == ["numba", "False"]


# --------------------------------------------------------------------------- 4. the matrix object


def test_asarray_of_a_conv_matrix_is_the_dense_matrix():
    C = tconv.conv_matrix(np.arange(9.0).reshape(1, 1, 3, 3), (1, 4, 4))
    dense = np.asarray(C)
    assert dense.shape == (4, 16) and dense.dtype == np.float64
    np.testing.assert_array_equal(dense, C.toarray())
    assert np.asarray(C, dtype=np.float32).dtype == np.float32


def test_a_huge_matrix_is_refused_before_allocating():
    with pytest.raises(ValueError, match=r"nonzeros and would need about [\d,.]+ GiB"):
        tconv.conv_matrix(np.zeros((64, 64, 3, 3), np.float32), (64, 512, 512), padding=1)


def test_closed_form_nonzero_count_equals_the_built_pattern():
    from tconv.matrix import count_nonzeros

    rng = np.random.default_rng(0)
    for _ in range(50):
        ndim = int(rng.integers(1, 4))
        k = tuple(int(v) for v in rng.integers(1, 4, ndim))
        s = tuple(int(v) for v in rng.integers(1, 3, ndim))
        d = tuple(int(v) for v in rng.integers(1, 3, ndim))
        p = tuple(int(v) for v in rng.integers(0, 3, ndim))
        size = tuple(max(int(v), dd * (kk - 1) + 1) for v, kk, dd in zip(rng.integers(1, 8, ndim), k, d))
        C = tconv.conv_matrix(np.ones((2, 3) + k), (3,) + size, s, p, d)
        assert count_nonzeros(C.geometry, 2, 3) == C.nnz


# --------------------------------------------------------------------------- 5-6. NaN cases PyTorch gets right


def test_cross_entropy_with_every_target_ignored_has_zero_gradient():
    logits = Tensor(np.random.default_rng(0).standard_normal((2, 3, 2, 2)), requires_grad=True)
    loss = F.cross_entropy(logits, np.full((2, 2, 2), -100))
    assert np.isnan(loss.item())                        # PyTorch: nan loss ...
    loss.backward()
    np.testing.assert_array_equal(logits.grad, 0.0)      # ... but zero gradients
    w = nn.Parameter(np.ones(3))
    w.grad = np.zeros(3)
    SGD([w], lr=0.1).step()
    assert np.all(np.isfinite(w.data))


def test_max_with_nan_sends_the_gradient_to_the_nan():
    x = Tensor([1.0, np.nan, 3.0], requires_grad=True)
    x.max().backward()
    np.testing.assert_array_equal(x.grad, [0.0, 1.0, 0.0])
    y = Tensor([[np.nan, 2.0], [1.0, 5.0]], requires_grad=True)
    y.max(axis=1).sum().backward()
    np.testing.assert_array_equal(y.grad, [[1.0, 0.0], [0.0, 1.0]])


def test_max_pool_backward_on_an_empty_batch():
    x = Tensor(np.zeros((0, 2, 4, 4)), requires_grad=True)
    F.max_pool2d(x, 2).sum().backward()
    assert x.grad.shape == (0, 2, 4, 4)


@pytest.mark.parametrize("factor, error", [(float("nan"), ValueError), (float("inf"), ValueError),
                                           (-1.0, ValueError), (True, TypeError), ("2", ValueError)])
def test_interpolate_refuses_bad_scale_factors_clearly(factor, error):
    with pytest.raises(error, match="scale_factor"):
        tconv.interpolate(np.ones((1, 1, 4)), scale_factor=factor)


def test_interpolate_accepts_numpy_scalars():
    out = tconv.interpolate(np.ones((1, 1, 4)), scale_factor=np.float32(2))
    assert out.shape == (1, 1, 8)


# --------------------------------------------------------------------------- 7. modules


@pytest.mark.parametrize("kwargs, match", [(dict(padding="bogus"), "not a padding mode"),
                                           (dict(stride=2, padding="same"), "needs stride 1"),
                                           (dict(padding=-1), "padding"),
                                           (dict(padding=((0, 1), (1,))), "before, after")])
def test_conv_modules_refuse_bad_padding_at_construction(kwargs, match):
    with pytest.raises(ValueError, match=match):
        nn.Conv2d(1, 1, 3, **kwargs)


def test_load_state_dict_refuses_a_file_name():
    with pytest.raises(TypeError, match=r"tconv.load\(path\)"):
        nn.Conv2d(1, 1, 3).load_state_dict("w.npz")


# --------------------------------------------------------------------------- 8. optimizers


@pytest.mark.parametrize("kwargs, error", [(dict(lr="0.1"), TypeError), (dict(betas=(0.9,)), ValueError),
                                           (dict(betas=0.9), ValueError), (dict(betas=(0.9, 0.99, 0.9)), ValueError),
                                           (dict(betas=(0.9, 1.0)), ValueError), (dict(amsgrad="no"), TypeError)])
def test_adam_refuses_bad_hyperparameters_at_once(kwargs, error):
    with pytest.raises(error):
        Adam([nn.Parameter(np.zeros(2))], **kwargs)


@pytest.mark.parametrize("optimizer", [SGD, Adam, AdamW])
def test_hyperparameters_in_param_groups_are_validated(optimizer):
    w = nn.Parameter(np.zeros(2))
    with pytest.raises(ValueError, match="lr=nan"):
        optimizer([{"params": [w], "lr": float("nan")}], lr=0.1)
    opt = optimizer([w], lr=0.1)
    with pytest.raises(ValueError, match="lr=-1"):
        opt.add_param_group({"params": [nn.Parameter(np.zeros(1))], "lr": -1})


def test_sgd_state_does_not_load_into_adam():
    w = nn.Parameter(np.zeros(2))
    sgd = SGD([w], lr=0.1, momentum=0.9)
    w.grad = np.ones(2)
    sgd.step()
    adam = Adam([w])
    with pytest.raises(ValueError, match="saved by Adam|another optimizer"):
        adam.load_state_dict(sgd.state_dict())
    w.grad = np.ones(2)
    adam.step()                                     # the refused load left Adam usable


def test_optimizer_state_dict_without_param_groups_is_a_clear_error():
    opt = Adam([nn.Parameter(np.zeros(2))])
    with pytest.raises(ValueError, match="param_groups"):
        opt.load_state_dict({"state": {}})
    with pytest.raises(ValueError, match="param_groups"):
        opt.load_state_dict([1, 2])


def test_loaded_hyperparameters_are_validated():
    w = nn.Parameter(np.zeros(2))
    opt = Adam([w])
    state = opt.state_dict()
    state["param_groups"][0]["lr"] = float("nan")
    with pytest.raises(ValueError, match="lr=nan"):
        opt.load_state_dict(state)
    assert opt.param_groups[0]["lr"] == 1e-3
