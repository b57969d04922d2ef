"""PyTorch as an oracle (optional): tconv must match ``torch.nn.functional`` exactly in semantics.

Skipped when torch is not installed. Only geometries PyTorch can express are drawn
(``torch_compatible=True``: no asymmetric padding; no string padding for transposed convs).
"""
from __future__ import annotations

import re

import numpy as np
import pytest
from hypothesis import given

import tconv
from tconv import conv_matrix, conv_transpose_matrix
from tconv.methods import get_method
from strategies import (assert_close, conv_geometry as cases, either_geometry as either, reduction_length,
                        rng_from, seeds)

torch = pytest.importorskip("torch")
F = torch.nn.functional

pytestmark = [
    pytest.mark.torch,
    # PyTorch warns that 'same' with an even kernel copies the input; irrelevant here.
    pytest.mark.filterwarnings("ignore:Using padding='same'"),
]


def torch_run(case, x, w, b=None):
    """The same call through PyTorch (functional, or the module when ``output_size`` is given)."""
    tx, tw = torch.from_numpy(np.ascontiguousarray(x)), torch.from_numpy(np.ascontiguousarray(w))
    tb = None if b is None else torch.from_numpy(np.ascontiguousarray(b))
    padding = case.torch_padding()
    if not case.transposed:
        fn = getattr(F, f"conv{case.ndim}d")
        return fn(tx, tw, tb, case.stride, padding, case.dilation, case.groups).numpy()
    if case.output_size_arg is None:
        fn = getattr(F, f"conv_transpose{case.ndim}d")
        return fn(tx, tw, tb, case.stride, padding, case.output_padding, case.groups, case.dilation).numpy()
    module_type = getattr(torch.nn, f"ConvTranspose{case.ndim}d")
    module = module_type(case.c_in, case.c_out, case.kernel_size, case.stride, padding, 0, case.groups,
                         b is not None, case.dilation, dtype=tw.dtype)
    with torch.no_grad():
        module.weight.copy_(tw)
        if b is not None:
            module.bias.copy_(tb)
        size = case.output_size_arg
        size = [size] if isinstance(size, int) else list(size)
        return module(tx, output_size=size).numpy()


def tolerance_check(actual, expected, case, dtype):
    assert actual.shape == expected.shape
    assert actual.dtype == dtype
    scale = float(np.abs(expected).max()) if expected.size else 1.0
    assert_close(actual, expected, dtype, terms=reduction_length(case) + 1, scale=scale)


# --------------------------------------------------------------------------- forward values


@given(cases(transposed=False, torch_compatible=True), seeds)
def test_conv_matches_torch(method, case, seed):
    x, w, b = case.arrays(rng_from(seed))
    ours = case.function()(x, w, b, method=method, **case.kwargs())
    tolerance_check(ours, torch_run(case, x, w, b), case, np.float64)


@given(cases(transposed=True, torch_compatible=True), seeds)
def test_conv_transpose_matches_torch(method, case, seed):
    x, w, b = case.arrays(rng_from(seed))
    ours = case.function()(x, w, b, method=method, **case.kwargs())
    tolerance_check(ours, torch_run(case, x, w, b), case, np.float64)


@given(either(torch_compatible=True), seeds)
def test_float32_matches_torch(method, case, seed):
    x, w, b = (a.astype(np.float32) for a in case.arrays(rng_from(seed)))
    ours = case.function()(x, w, b, method=method, **case.kwargs())
    tolerance_check(ours, torch_run(case, x, w, b), case, np.float32)


@given(either(torch_compatible=True, batch=1), seeds)
def test_unbatched_matches_torch(case, seed):
    """PyTorch accepts ``(C, *spatial)`` too; so does tconv, with the same result."""
    x, w, b = case.arrays(rng_from(seed))
    kwargs = case.kwargs()
    if case.output_size_arg is not None:
        kwargs["output_size"] = case.output_size
    ours = case.function()(x[0], w, b, method="matrix", **kwargs)
    tolerance_check(ours, torch_run(case, x, w, b)[0], case, np.float64)


@pytest.mark.parametrize("k, d", [(2, 1), (4, 1), (3, 2), (2, 3), (5, 1)])
def test_same_padding_puts_the_extra_pixel_after(method, k, d):
    rng = np.random.default_rng(k * 10 + d)
    x = rng.standard_normal((2, 3, 9))
    w = rng.standard_normal((2, 3, k))
    ours = tconv.conv1d(x, w, padding="same", dilation=d, method=method)
    theirs = F.conv1d(torch.from_numpy(x), torch.from_numpy(w), padding="same", dilation=d).numpy()
    assert ours.shape == theirs.shape == (2, 2, 9)
    np.testing.assert_allclose(ours, theirs, rtol=1e-12, atol=1e-12)


# --------------------------------------------------------------------------- the matrix, column by column


def basis(shape):
    """Every basis vector of ``prod(shape)`` as a batch ``(n, *shape)``."""
    n = int(np.prod(shape))
    return np.eye(n).reshape((n,) + tuple(shape))


@given(cases(transposed=False, torch_compatible=True), seeds)
def test_conv_matrix_columns_are_torch_of_basis_vectors(case, seed):
    w = case.arrays(rng_from(seed))[1]
    shape = (case.c_in,) + case.input_size
    C = conv_matrix(w, shape, case.stride, case.padding, case.dilation, case.groups)
    e = basis(shape)
    columns = torch_run(case, e, w).reshape(len(e), -1).T
    np.testing.assert_array_equal(C.toarray(), columns)  # each column is one weight or zero: exact


@given(cases(transposed=True, torch_compatible=True), seeds)
def test_conv_transpose_matrix_columns_are_torch_of_basis_vectors(case, seed):
    w = case.arrays(rng_from(seed))[1]
    shape = (case.c_in,) + case.input_size
    M = conv_transpose_matrix(w, shape, case.stride, case.padding, case.output_padding, case.groups,
                              case.dilation)
    e = basis(shape)
    columns = torch_run(case, e, w).reshape(len(e), -1).T
    np.testing.assert_array_equal(M.toarray(), columns)


# --------------------------------------------------------------------------- gradients


@given(cases(transposed=False, torch_compatible=True), seeds)
def test_gradients_match_torch_autograd(method, case, seed):
    """Input gradient = the transposed conv (``adjoint``); weight gradient = ``weight_grad``."""
    rng = rng_from(seed)
    x, w, _ = case.arrays(rng)
    g = rng.standard_normal(case.out_shape)
    tx = torch.from_numpy(x).requires_grad_(True)
    tw = torch.from_numpy(w).requires_grad_(True)
    fn = getattr(F, f"conv{case.ndim}d")
    out = fn(tx, tw, None, case.stride, case.torch_padding(), case.dilation, case.groups)
    out.backward(torch.from_numpy(g))
    impl = get_method(method)
    geometry = case.geometry()
    grad_x = impl.adjoint(g, w, geometry, case.groups)
    grad_w = impl.weight_grad(x, g, geometry, case.groups)
    terms = reduction_length(case) * int(np.prod(case.output_size)) * case.batch
    assert_close(grad_x, tx.grad.numpy(), np.float64, terms=terms, scale=float(np.abs(grad_x).max()))
    assert_close(grad_w, tw.grad.numpy(), np.float64, terms=terms, scale=float(np.abs(grad_w).max()))


# --------------------------------------------------------------------------- errors agree


def _numbers(text):
    return [int(v) for v in re.findall(r"-?\d+", text)]


@pytest.mark.parametrize("i, k, s, p, d, bad", [
    (4, 3, 2, 1, 1, 9), (4, 3, 2, 1, 1, 6), (3, 2, 3, 0, 1, 12), (5, 3, 1, 1, 2, 8), (2, 4, 2, 2, 1, 1),
])
def test_output_size_out_of_range_is_an_error_in_both(i, k, s, p, d, bad):
    x = np.arange(1.0, i + 1).reshape(1, 1, i)
    w = np.arange(1.0, k + 1).reshape(1, 1, k)
    module = torch.nn.ConvTranspose1d(1, 1, k, s, p, dilation=d, bias=False, dtype=torch.float64)
    with torch.no_grad():
        module.weight.copy_(torch.from_numpy(w))
    with pytest.raises(ValueError, match="requested an output size of") as theirs:
        module(torch.from_numpy(x), output_size=[bad])
    with pytest.raises(ValueError, match="requested an output size of") as ours:
        tconv.conv_transpose1d(x, w, stride=s, padding=p, dilation=d, output_size=(bad,))
    # Same requested size and same range: "... of [9], but valid sizes range from [7] to [8] ..."
    their_numbers = _numbers(str(theirs.value).split("(for")[0])
    our_numbers = _numbers(str(ours.value).split("requested")[1].split("(for")[0])
    assert our_numbers == their_numbers
    low, high = tconv.output_size_range(i, k, s, p, d)
    assert their_numbers == [bad, low, high]
    for size in range(max(low, 1), high + 1):  # and every size inside the range works in both
        ours_ok = tconv.conv_transpose1d(x, w, stride=s, padding=p, dilation=d, output_size=(size,))
        theirs_ok = module(torch.from_numpy(x), output_size=[size]).detach().numpy()
        assert ours_ok.shape == theirs_ok.shape == (1, 1, size)
        np.testing.assert_allclose(ours_ok, theirs_ok, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("s, d, a, legal", [(1, 2, 1, True), (2, 1, 1, True), (1, 1, 1, False),
                                            (2, 2, 2, False), (3, 2, 2, True), (2, 3, 2, True)])
def test_output_padding_rule_agrees(s, d, a, legal):
    rng = np.random.default_rng(0)
    x = rng.standard_normal((1, 2, 3))
    w = rng.standard_normal((2, 3, 3))

    def call_theirs():
        return F.conv_transpose1d(torch.from_numpy(x), torch.from_numpy(w), None, s, 0, a, 1, d).numpy()

    def call_ours():
        return tconv.conv_transpose1d(x, w, stride=s, dilation=d, output_padding=a)

    if legal:
        np.testing.assert_allclose(call_ours(), call_theirs(), rtol=1e-12, atol=1e-12)
    else:
        with pytest.raises(RuntimeError, match="output padding must be smaller than either stride or dilation"):
            call_theirs()
        with pytest.raises(ValueError, match="output_padding=.*must be smaller than stride or dilation"):
            call_ours()
