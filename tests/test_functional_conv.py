"""Differentiable convolutions: gradcheck on drawn geometries, the fifth view of transposed
convolution (the input gradient of a conv *is* a transposed conv, and ``C.T @ grad_out``), and
PyTorch as an oracle."""
from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from strategies import conv_geometry, rng_from, seeds

import tconv
import tconv.nn.functional as F
from tconv import Tensor, gradcheck

few = settings(max_examples=40, deadline=None)
# gradcheck calls the op hundreds of times on tiny arrays, where the NumPy twin of the fast path
# is quickest (the Numba kernels' thread start-up dominates); every method is compared below.
GRADCHECK_METHOD = "numpy"


def functional(case):
    return getattr(F, case.name)


def matrix_of(case, weight):
    """The matrix of the operator ``case`` describes, for one batch element."""
    if case.transposed:
        return tconv.conv_transpose_matrix(weight, (case.c_in,) + case.input_size, case.stride, case.padding,
                                           case.output_padding, case.groups, case.dilation)
    return tconv.conv_matrix(weight, (case.c_in,) + case.input_size, case.stride, case.padding,
                             case.dilation, case.groups)


# ---------------------------------------------------------------- gradcheck

@few
@given(conv_geometry(), seeds)
def test_conv_gradcheck_on_drawn_geometries(case, seed):
    x, w, b = case.arrays(rng_from(seed))
    fn = functional(case)
    assert gradcheck(lambda x, w, b: fn(x, w, b, **case.kwargs(), method=GRADCHECK_METHOD), x, w, b,
                     max_elements=300)


@few
@given(conv_geometry(transposed=True), seeds)
def test_conv_transpose_gradcheck_on_drawn_geometries(case, seed):
    x, w, b = case.arrays(rng_from(seed))
    fn = functional(case)
    assert gradcheck(lambda x, w, b: fn(x, w, b, **case.kwargs(), method=GRADCHECK_METHOD), x, w, b,
                     max_elements=300)


# ---------------------------------------------------------------- the fifth view

@few
@given(conv_geometry(), seeds)
def test_conv_input_gradient_is_the_transposed_conv_and_the_transposed_matrix(case, seed):
    rng = rng_from(seed)
    x, w, b = case.arrays(rng)
    grad_out = rng.standard_normal(case.out_shape)
    xt = Tensor(x, requires_grad=True)
    functional(case)(xt, w, b, **case.kwargs()).backward(grad_out)

    transposed = getattr(tconv, f"conv_transpose{case.ndim}d")(
        grad_out, w, None, case.stride, case.padding, groups=case.groups, dilation=case.dilation,
        output_size=case.input_size)
    np.testing.assert_allclose(xt.grad, transposed, rtol=1e-12, atol=1e-12)
    C = matrix_of(case, w)
    by_matrix = np.stack([C.T @ g.reshape(-1) for g in grad_out]).reshape(x.shape)
    np.testing.assert_allclose(xt.grad, by_matrix, rtol=1e-12, atol=1e-12)


@few
@given(conv_geometry(transposed=True), seeds)
def test_conv_transpose_input_gradient_is_the_conv_and_the_transposed_matrix(case, seed):
    rng = rng_from(seed)
    x, w, b = case.arrays(rng)
    grad_out = rng.standard_normal(case.out_shape)
    xt = Tensor(x, requires_grad=True)
    functional(case)(xt, w, b, **case.kwargs()).backward(grad_out)

    pads = tuple(case.pads)
    conv = getattr(tconv, f"conv{case.ndim}d")(grad_out, w, None, case.stride, pads, case.dilation, case.groups)
    # with output_padding >= stride (allowed when dilation > stride) the conv of the output has
    # extra trailing positions the transposed conv never reached; the gradient is the rest
    conv = conv[(slice(None), slice(None)) + tuple(slice(0, n) for n in case.input_size)]
    np.testing.assert_allclose(xt.grad, conv, rtol=1e-12, atol=1e-12)
    M = matrix_of(case, w)
    by_matrix = np.stack([M.T @ g.reshape(-1) for g in grad_out]).reshape(x.shape)
    np.testing.assert_allclose(xt.grad, by_matrix, rtol=1e-12, atol=1e-12)


@few
@given(conv_geometry(), seeds)
def test_adjoint_identity_through_the_differentiable_ops(case, seed):
    """<conv(x), y> == <x, conv_transpose(y)> with the same weight: the meaning of "transposed"."""
    rng = rng_from(seed)
    x, w, _ = case.arrays(rng)
    y = rng.standard_normal(case.out_shape)
    lhs = np.vdot(functional(case)(Tensor(x), Tensor(w), **case.kwargs()).data, y)
    back = getattr(F, f"conv_transpose{case.ndim}d")(Tensor(y), Tensor(w), None, case.stride, case.padding,
                                                     groups=case.groups, dilation=case.dilation,
                                                     output_size=case.input_size)
    assert np.isclose(lhs, np.vdot(x, back.data), rtol=1e-12, atol=1e-12)


# ---------------------------------------------------------------- every method gives the same gradients

def test_methods_agree_on_all_three_gradients(method):
    rng = np.random.default_rng(1)
    x, w, b = rng.standard_normal((2, 4, 6, 5)), rng.standard_normal((4, 2, 3, 2)), rng.standard_normal(4)
    grads = {}
    for name in ("matrix", method):
        ts = [Tensor(a, requires_grad=True) for a in (x, w, b)]
        out = F.conv2d(*ts, stride=(2, 1), padding=((1, 0), 1), dilation=(1, 2), groups=2, method=name)
        out.backward(np.random.default_rng(2).standard_normal(out.shape))
        grads[name] = [t.grad for t in ts]
    for ref, got in zip(grads["matrix"], grads[method]):
        np.testing.assert_allclose(got, ref, rtol=1e-12, atol=1e-12)


# ---------------------------------------------------------------- shapes, dtypes, errors

@pytest.mark.parametrize("transposed", [False, True])
def test_unbatched_inputs_and_their_gradients(transposed):
    rng = np.random.default_rng(0)
    x = rng.standard_normal((2, 5, 5))
    w = rng.standard_normal((2, 3, 3, 3) if transposed else (3, 2, 3, 3))
    op = F.conv_transpose2d if transposed else F.conv2d
    out = op(Tensor(x), Tensor(w), stride=2)
    assert out.shape == ((3, 11, 11) if transposed else (3, 2, 2))
    np.testing.assert_allclose(out.data, op(Tensor(x[None]), Tensor(w), stride=2).data[0])
    assert gradcheck(lambda x, w: op(x, w, stride=2, method=GRADCHECK_METHOD), x, w)


def test_float32_in_float32_out_with_float32_gradients():
    x = Tensor(np.ones((1, 2, 4, 4), np.float32), requires_grad=True)
    w = Tensor(np.ones((3, 2, 2, 2), np.float32), requires_grad=True)
    b = Tensor(np.zeros(3, np.float32), requires_grad=True)
    y = F.conv_transpose2d(F.conv2d(x, w, b), w)
    assert y.dtype == np.float32
    y.sum().backward()
    assert x.grad.dtype == w.grad.dtype == b.grad.dtype == np.float32


def test_only_the_needed_gradients_are_computed():
    x = Tensor(np.ones((1, 1, 3, 3)))
    w = Tensor(np.ones((1, 1, 2, 2)), requires_grad=True)
    F.conv2d(x, w).sum().backward()
    assert x.grad is None and np.all(w.grad == 4)


def test_bad_arguments_raise_clear_errors():
    x, w = Tensor(np.ones((1, 3, 5, 5))), Tensor(np.ones((2, 2, 3, 3)))
    with pytest.raises(ValueError, match="x has 3 channels"):
        F.conv2d(x, w)
    with pytest.raises(TypeError, match="dtype"):
        F.conv2d(Tensor(np.ones((1, 2, 5, 5), np.float32)), w)
    with pytest.raises(ValueError, match="output size"):
        F.conv_transpose2d(Tensor(np.ones((1, 2, 4, 4))), w, stride=2, padding=1, output_size=(10, 10))
    with pytest.raises(ValueError, match="bias"):
        F.conv2d(Tensor(np.ones((1, 2, 5, 5))), w, np.ones(3))


# ---------------------------------------------------------------- PyTorch oracle

@pytest.mark.torch
@settings(max_examples=30, deadline=None)
@given(st.booleans(), st.data(), seeds)
def test_conv_family_matches_torch(transposed, data, seed):
    torch = pytest.importorskip("torch")
    case = data.draw(conv_geometry(transposed=transposed, torch_compatible=True))
    x, w, b = case.arrays(rng_from(seed))
    g = rng_from(seed + 1).standard_normal(case.out_shape)
    ours = [Tensor(a, requires_grad=True) for a in (x, w, b)]
    out = functional(case)(*ours, **case.kwargs())
    out.backward(g)
    theirs = [torch.tensor(a, requires_grad=True) for a in (x, w, b)]
    kw = dict(stride=case.stride, padding=case.torch_padding(), dilation=case.dilation, groups=case.groups)
    if transposed:
        kw["output_padding"] = case.output_padding
    expected = getattr(torch.nn.functional, case.name)(*theirs, **kw)
    expected.backward(torch.tensor(g))
    np.testing.assert_allclose(out.data, expected.detach().numpy(), rtol=1e-10, atol=1e-10)
    for a, t in zip(ours, theirs):
        np.testing.assert_allclose(a.grad, t.grad.numpy(), rtol=1e-10, atol=1e-10)
