"""The fast path (Numba kernels and their NumPy twins) is the same operator as the matrix.

For every drawn geometry the three products of a backend (``C @ x``, ``C.T @ y`` and the
weight gradient) are compared with the explicit sparse matrix, in float64 to ~1e-12 and in
float32 to a tolerance scaled by the reduction length.
"""
from __future__ import annotations

import os
import subprocess
import sys

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from strategies import assert_close, conv_geometry, reduction_length, rng_from, seeds

import tconv
from tconv.layout import as_3d
from tconv.methods import get_method
from tconv.methods import unfold as fast
from tconv.kernels import im2col

FAST_METHODS = ("numba", "numpy")


def _products(method, case, x, w, grad):
    """``C @ image``, ``C.T @ feature`` and the weight gradient for a case's geometry."""
    impl = get_method(method)
    geometry = case.geometry()
    if case.transposed:
        image, feature = grad, x        # the transposed conv's output is the matrix's image side
    else:
        image, feature = x, grad
    return (impl.forward(image, w, geometry, case.groups),
            impl.adjoint(feature, w, geometry, case.groups),
            impl.weight_grad(image, feature, geometry, case.groups))


def _draw(case, seed, dtype):
    rng = rng_from(seed)
    x, w, _ = case.arrays(rng, dtype=dtype)
    grad = rng.standard_normal(case.out_shape).astype(dtype)
    return x, w, grad


@pytest.mark.parametrize("fast_method", FAST_METHODS)
@given(case=st.booleans().flatmap(lambda t: conv_geometry(transposed=t)), seed=seeds)
def test_fast_products_equal_the_matrix_float64(fast_method, case, seed):
    x, w, grad = _draw(case, seed, np.float64)
    expected = _products("matrix", case, x, w, grad)
    got = _products(fast_method, case, x, w, grad)
    terms = reduction_length(case) * max(case.batch * int(np.prod(case.feature_size)), 1)
    for name, e, g in zip(("forward", "adjoint", "weight_grad"), expected, got):
        assert g.shape == e.shape, name
        assert g.dtype == np.float64, name
        assert_close(g, e, np.float64, terms=terms, scale=float(np.abs(e).max(initial=1.0)))


@pytest.mark.parametrize("fast_method", FAST_METHODS)
@given(case=st.booleans().flatmap(lambda t: conv_geometry(transposed=t)), seed=seeds)
def test_fast_products_float32_keep_dtype_and_agree(fast_method, case, seed):
    x, w, grad = _draw(case, seed, np.float32)
    expected = _products("matrix", case, x.astype(np.float64), w.astype(np.float64),
                         grad.astype(np.float64))
    got = _products(fast_method, case, x, w, grad)
    terms = reduction_length(case) * max(case.batch * int(np.prod(case.feature_size)), 1)
    for e, g in zip(expected, got):
        assert g.dtype == np.float32               # no silent upcasting
        assert_close(g, e, np.float32, terms=terms, scale=float(np.abs(e).max(initial=1.0)))


@given(case=st.booleans().flatmap(lambda t: conv_geometry(transposed=t)), seed=seeds)
def test_numba_kernels_equal_their_numpy_twins_exactly_on_integers(case, seed):
    """unfold/fold copy and add the same numbers in the same order: bitwise equal."""
    rng = rng_from(seed)
    geometry = case.geometry()
    image_shape = (case.batch, case.c_in if not case.transposed else case.c_out) + geometry.image_size
    image = rng.integers(-5, 6, size=image_shape).astype(np.float64)
    geom = fast.kernel_geometry(geometry)
    taps, length = int(np.prod(geometry.kernel_size)), int(np.prod(geometry.feature_size))
    cols_a = np.full((image.shape[0], image.shape[1] * taps, length), np.nan)
    cols_b = cols_a.copy()
    im2col.unfold(as_3d(image), geom, cols_a)
    im2col.unfold_numpy(as_3d(image), geom, cols_b)
    np.testing.assert_array_equal(cols_a, cols_b)
    back_a, back_b = np.zeros_like(image), np.zeros_like(image)
    im2col.fold(cols_a, geom, as_3d(back_a))
    im2col.fold_numpy(cols_b, geom, as_3d(back_b))
    np.testing.assert_array_equal(back_a, back_b)


@pytest.mark.parametrize("method", ("numba", "numpy"))
def test_special_cases_match_the_matrix(method):
    """1x1 kernels and kernel == stride tiling skip unfold/fold; they must stay exact."""
    rng = np.random.default_rng(0)
    x = rng.standard_normal((2, 4, 6, 7))
    for kwargs in (dict(), dict(stride=1)):
        w = rng.standard_normal((3, 4, 1, 1))
        assert_close(tconv.conv2d(x, w, method=method, **kwargs), tconv.conv2d(x, w, method="matrix"),
                     terms=4)
    w = rng.standard_normal((4, 3, 2, 2))
    for op in (0, 1):
        got = tconv.conv_transpose2d(x, w, stride=2, output_padding=op, method=method)
        assert_close(got, tconv.conv_transpose2d(x, w, stride=2, output_padding=op, method="matrix"), terms=4)
    w = rng.standard_normal((5, 4, 2, 3))
    assert_close(tconv.conv2d(x, w, stride=(2, 3), method=method),
                 tconv.conv2d(x, w, stride=(2, 3), method="matrix"), terms=24)
    assert fast.is_tiling(tconv.conv_geometry((6, 7), (2, 3), stride=(2, 3)))
    assert not fast.is_tiling(tconv.conv_geometry((6, 7), (2, 3), stride=(2, 3), padding=1))


def test_non_contiguous_inputs_give_the_same_result():
    rng = np.random.default_rng(1)
    x = rng.standard_normal((2, 3, 9, 12))[:, :, ::2, 1::2]       # strided view
    w = rng.standard_normal((4, 3, 3, 3)).transpose(0, 1, 3, 2)   # transposed view
    assert not x.flags.c_contiguous and not w.flags.c_contiguous
    assert_close(tconv.conv2d(x, w, padding=1), tconv.conv2d(x, w, padding=1, method="matrix"), terms=27)
    assert_close(tconv.conv_transpose2d(x, w[:3], stride=2),
                 tconv.conv_transpose2d(x, w[:3], stride=2, method="matrix"), terms=27)


def test_batch_chunking_gives_the_same_result(monkeypatch):
    rng = np.random.default_rng(2)
    x = rng.standard_normal((5, 3, 8, 8))
    w = rng.standard_normal((4, 3, 3, 3))
    whole = tconv.conv2d(x, w, padding=1)
    grad_whole = get_method().weight_grad(x, whole, tconv.conv_geometry((8, 8), (3, 3), padding=1), 1)
    monkeypatch.setattr(fast, "COLUMN_BUDGET_BYTES", 1)      # one sample per chunk
    np.testing.assert_allclose(tconv.conv2d(x, w, padding=1), whole, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(tconv.conv_transpose2d(whole, w, padding=1),
                               tconv.conv_transpose2d(whole, w, padding=1,
                                                      method="matrix"), rtol=1e-12, atol=1e-12)
    grad_chunked = get_method().weight_grad(x, whole, tconv.conv_geometry((8, 8), (3, 3), padding=1), 1)
    np.testing.assert_allclose(grad_chunked, grad_whole, rtol=1e-12, atol=1e-12)


def test_results_are_reproducible_bit_for_bit():
    rng = np.random.default_rng(3)
    x = rng.standard_normal((4, 8, 12, 12)).astype(np.float32)
    w = rng.standard_normal((8, 6, 3, 3)).astype(np.float32)
    first = tconv.conv_transpose2d(x, w, stride=2, padding=1, output_padding=1)
    for _ in range(3):
        np.testing.assert_array_equal(tconv.conv_transpose2d(x, w, stride=2, padding=1, output_padding=1), first)


def test_fast_path_is_the_default():
    assert tconv.get_default_method() == "numba"
    assert {"numba", "numpy", "matrix", "reference"} <= set(tconv.available_methods())


def test_set_num_threads_validates_and_applies():
    current = tconv.get_num_threads()
    tconv.set_num_threads(1)
    assert tconv.get_num_threads() == 1
    tconv.set_num_threads(current)
    for bad in (0, -1, 10_000, 1.5, True):
        with pytest.raises(ValueError, match="set_num_threads"):
            tconv.set_num_threads(bad)


def test_numba_disable_jit_runs_the_same_kernels_as_python():
    """NUMBA_DISABLE_JIT=1 lets a student step through the kernels; results must not change."""
    code = ("import numpy as np, tconv\n"
            "rng = np.random.default_rng(0)\n"
            "x = rng.standard_normal((2, 3, 5, 6)); w = rng.standard_normal((3, 2, 3, 3))\n"
            "a = tconv.conv_transpose2d(x, w, stride=2, padding=1, output_padding=1)\n"
            "b = tconv.conv_transpose2d(x, w, stride=2, padding=1, output_padding=1, method='matrix')\n"
            "c = tconv.max_pool2d(a, 2)\n"
            "assert np.allclose(a, b, atol=1e-12) and c.shape == (2, 2, 5, 6), 'mismatch'\n"
            "print('ok')\n")
    env = dict(os.environ, NUMBA_DISABLE_JIT="1")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "ok"


def test_weight_grad_reusing_the_forward_columns_is_identical(monkeypatch):
    rng = np.random.default_rng(4)
    x = rng.standard_normal((3, 4, 7, 6))
    w = rng.standard_normal((6, 2, 3, 2))
    geometry = tconv.conv_geometry((7, 6), (3, 2), stride=(2, 1), padding=1)
    monkeypatch.setattr(fast, "COLUMN_BUDGET_BYTES", 2 * 4 * 6 * 28 * 8)   # 2 samples a chunk: 2 chunks
    kept = []
    out = fast.forward(x, w, geometry, 2, keep_cols=kept)
    assert len(kept) == 2
    grad = rng.standard_normal(out.shape)
    np.testing.assert_array_equal(fast.weight_grad(x, grad, geometry, 2, cols=kept),
                                  fast.weight_grad(x, grad, geometry, 2))


@pytest.mark.parametrize("fast_method", FAST_METHODS)
@given(case=conv_geometry(padding_modes=("int", "pairs", "same", "full")), seed=seeds)
def test_adjoint_as_equivalent_convolution_equals_the_fold(fast_method, case, seed):
    """Stride-1 adjoints may run as the flipped-kernel convolution; both routes must agree."""
    geometry = case.geometry()
    x, w, grad = _draw(case, seed, np.float64)
    impl = get_method(fast_method)
    by_rule = impl.adjoint(grad, w, geometry, case.groups)
    original = fast.adjoint_as_convolution
    try:
        fast.adjoint_as_convolution = lambda *args: False
        by_fold = impl.adjoint(grad, w, geometry, case.groups)
    finally:
        fast.adjoint_as_convolution = original
    terms = reduction_length(case)
    assert_close(by_rule, by_fold, np.float64, terms=terms, scale=float(np.abs(by_fold).max(initial=1.0)))


def test_adjoint_rule_is_used_for_small_stride_one_layers():
    g = tconv.conv_geometry((64, 64), (3, 3), padding=1)
    assert fast.adjoint_as_convolution(g, 16, 16)
    assert not fast.adjoint_as_convolution(g, 64, 64)
    assert not fast.adjoint_as_convolution(tconv.conv_geometry((64, 64), (3, 3), stride=2, padding=1), 16, 16)
