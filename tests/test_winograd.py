"""Winograd's factorization (tconv.winograd) is the same operator as the convolution matrix.

References, none of them tconv's own Winograd code: Lavin & Gray (2016)'s printed matrices
for F(2, 3) and F(4, 3); the direct correlation sum, computed in exact fractions; the
explicit sparse matrix ``C`` (``tconv.conv_matrix`` and the ``"matrix"`` method).
"""
from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from strategies import ConvCase, assert_close, rng_from, seeds

import tconv
import tconv.nn.functional as F
from tconv import Tensor, gradcheck, winograd
from tconv.layout import as_3d
from tconv.methods import choice as fast_methods
from tconv.methods import runtime
from tconv.methods import unfold as fast
from tconv.methods import winograd as winograd_batch
from tconv.methods import get_method
from tconv.kernels import winograd as kernels

few = settings(max_examples=25, deadline=None)

# Lavin & Gray (2016), section 4.1 (F(2, 3)) and 4.2 (F(4, 3)).
LAVIN = {
    2: dict(BT=[[1, 0, -1, 0], [0, 1, 1, 0], [0, -1, 1, 0], [0, 1, 0, -1]],
            G=[[1, 0, 0], [0.5, 0.5, 0.5], [0.5, -0.5, 0.5], [0, 0, 1]],
            AT=[[1, 1, 1, 0], [0, 1, -1, -1]]),
    4: dict(BT=[[4, 0, -5, 0, 1, 0], [0, -4, -4, 1, 1, 0], [0, 4, -4, -1, 1, 0], [0, -2, -1, 2, 1, 0],
                [0, 2, -1, -2, 1, 0], [0, 4, 0, -5, 0, 1]],
            G=[[1 / 4, 0, 0], [-1 / 6, -1 / 6, -1 / 6], [-1 / 6, 1 / 6, -1 / 6], [1 / 24, 1 / 12, 1 / 6],
               [1 / 24, -1 / 12, 1 / 6], [0, 0, 1]],
            AT=[[1, 1, 1, 1, 1, 0], [0, 1, -1, 2, -2, 0], [0, 1, 1, 4, 4, 0], [0, 1, -1, 8, -8, 1]]),
}


# --------------------------------------------------------------------------- the matrices


def test_f43_matrices_are_lavin_and_grays():
    t = winograd.toom_cook(4)
    for name in ("BT", "G", "AT"):
        np.testing.assert_allclose(getattr(t, name), LAVIN[4][name], rtol=0, atol=1e-15)


def test_f23_matrices_are_lavin_and_grays_up_to_two_stated_signs():
    """Lavin & Gray's F(2, 3) flips point 0's G and Bᵀ rows and ∞'s Bᵀ row and Aᵀ column."""
    t = winograd.toom_cook(2)
    rows = np.diag([-1.0, 1, 1, -1])          # Bᵀ rows of the points 0 and ∞
    np.testing.assert_array_equal(rows @ t.BT, LAVIN[2]["BT"])
    np.testing.assert_array_equal(np.diag([-1.0, 1, 1, 1]) @ t.G, LAVIN[2]["G"])
    np.testing.assert_array_equal(t.AT @ np.diag([1.0, 1, 1, -1]), LAVIN[2]["AT"])
    # each point's product of signs is +1, so both give the same operator
    L = {k: np.array(v, dtype=float) for k, v in LAVIN[2].items()}
    g, d = np.array([1.0, -2.0, 3.0]), np.array([4.0, 1.0, -1.0, 2.0])
    np.testing.assert_array_equal(L["AT"] @ ((L["G"] @ g) * (L["BT"] @ d)), t.AT @ ((t.G @ g) * (t.BT @ d)))


@pytest.mark.parametrize("m", [2, 4])
@given(seed=seeds)
def test_one_dimensional_formula_is_the_correlation_exactly(m, seed):
    """In exact fractions, Aᵀ[(G g) ⊙ (Bᵀ d)] is the direct correlation sum, digit for digit."""
    rng = rng_from(seed)
    t = winograd.toom_cook(m)
    g = [Fraction(int(v)) for v in rng.integers(-9, 10, 3)]
    d = [Fraction(int(v)) for v in rng.integers(-9, 10, m + 2)]
    Gg = [sum(row[j] * g[j] for j in range(3)) for row in t.exact["G"]]
    Bd = [sum(row[j] * d[j] for j in range(m + 2)) for row in t.exact["BT"]]
    y = [sum(row[i] * Gg[i] * Bd[i] for i in range(m + 2)) for row in t.exact["AT"]]
    assert y == [sum(d[i + j] * g[j] for j in range(3)) for i in range(m)]


@pytest.mark.parametrize("m", [2, 4])
def test_two_dimensional_tile_is_the_conv_matrix_on_every_tile(m):
    """Aᵀ[(G g Gᵀ) ⊙ (Bᵀ d B)]A == conv_matrix(g) @ d on each (m+2)x(m+2) tile of an image."""
    rng = np.random.default_rng(m)
    g = rng.standard_normal((3, 3))
    image = rng.standard_normal((3 * m + 2, 2 * m + 2))
    C = tconv.conv_matrix(g[None, None], (1, m + 2, m + 2)).toarray()
    for i in range(0, image.shape[0] - m - 1, m):
        for j in range(0, image.shape[1] - m - 1, m):
            d = image[i:i + m + 2, j:j + m + 2]
            np.testing.assert_allclose(winograd.winograd_tile(g, d, m).ravel(), C @ d.ravel(), rtol=1e-13,
                                       atol=1e-13)


def test_multiplications_per_output():
    assert [winograd.multiplications_per_output(m) for m in (1, 2, 4)] == [9.0, 4.0, 2.25]
    assert winograd.multiplications_per_output(2, ndim=3) == 8.0          # vs 27 direct


def test_toom_cook_refuses_bad_points():
    with pytest.raises(ValueError, match="distinct finite points"):
        winograd.toom_cook(2, points=(0, 1))
    with pytest.raises(ValueError, match="distinct finite points"):
        winograd.toom_cook(2, points=(0, 1, 1))
    with pytest.raises(ValueError, match="m and r must be ints"):
        winograd.toom_cook(0)


# --------------------------------------------------------------------------- the method on batches


@st.composite
def covered_case(draw, transposed=False):
    """A stride-1, dilation-1, 3-tap convolution (2-D or 3-D) with any padding and groups."""
    ndim = draw(st.sampled_from([2, 2, 3]))
    limit = 11 if ndim == 2 else 6
    pads, sizes = [], []
    for _ in range(ndim):
        if transposed:   # a transposed conv's output (i - 1) + 3 - p_b - p_a must be >= 1
            i = draw(st.integers(1, limit - 2))
            before = draw(st.integers(0, min(3, i + 1)))
            after = draw(st.integers(0, min(3, i + 1 - before)))
        else:
            before, after = draw(st.integers(0, 3)), draw(st.integers(0, 3))
            i = draw(st.integers(max(1, 3 - before - after), limit))
        pads.append((before, after))
        sizes.append(i)
    groups = draw(st.integers(1, 2))
    c_in, c_out = groups * draw(st.integers(1, 3)), groups * draw(st.integers(1, 3))
    return ConvCase(ndim=ndim, transposed=transposed, batch=draw(st.integers(1, 2)), c_in=c_in, c_out=c_out,
                    groups=groups, input_size=tuple(sizes), kernel_size=(3,) * ndim, stride=(1,) * ndim,
                    padding=tuple(pads), pads=tuple(pads), dilation=(1,) * ndim, output_padding=(0,) * ndim,
                    padding_mode="pairs")


def _products(method, case, image, feature, w):
    impl, geometry = get_method(method), case.geometry()
    return (impl.forward(image, w, geometry, case.groups), impl.adjoint(feature, w, geometry, case.groups),
            impl.weight_grad(image, feature, geometry, case.groups))


def _sides(case, rng, dtype):
    """``(image, feature, weight)`` of the matrix ``C`` behind ``case``."""
    x, w, _ = case.arrays(rng, dtype=dtype)
    grad = rng.standard_normal(case.out_shape).astype(dtype)
    return (grad, x, w) if case.transposed else (x, grad, w)


@pytest.mark.parametrize("method", ["winograd", "numpy-winograd"])
@given(case=st.booleans().flatmap(lambda t: covered_case(transposed=t)), seed=seeds)
def test_winograd_products_equal_the_matrix_float64(method, case, seed):
    image, feature, w = _sides(case, rng_from(seed), np.float64)
    assert winograd.covers(case.geometry())
    expected = _products("matrix", case, image, feature, w)
    if method == "winograd":
        got = _products("winograd", case, image, feature, w)
    else:      # the NumPy twins of the kernels, forced onto the Winograd path
        geometry = case.geometry()
        forward, adjoint, weight_grad = fast_methods._dispatching("always", fast.NumpyKernels, _Twins)
        got = (forward(image, w, geometry, case.groups), adjoint(feature, w, geometry, case.groups),
               weight_grad(image, feature, geometry, case.groups))
    for name, e, g in zip(("forward", "adjoint", "weight_grad"), expected, got):
        assert g.shape == e.shape and g.dtype == np.float64, name
        scale = float(np.abs(e).max(initial=1.0))
        np.testing.assert_allclose(g, e, rtol=0, atol=1e-10 * scale, err_msg=name)


class _Twins:
    tile_transform = staticmethod(kernels.tile_transform_numpy)
    output_transform = staticmethod(kernels.output_transform_numpy)


@given(case=covered_case(), seed=seeds)
def test_adjoint_identity(case, seed):
    """<C x, y> == <x, C.T y>: the adjoint is the transpose of the forward (float64)."""
    rng = rng_from(seed)
    x, w, _ = case.arrays(rng)
    y = rng.standard_normal(case.out_shape)
    impl, geometry = get_method("winograd"), case.geometry()
    left = np.vdot(impl.forward(x, w, geometry, case.groups), y)
    right = np.vdot(x, impl.adjoint(y, w, geometry, case.groups))
    assert abs(left - right) <= 1e-10 * max(1.0, abs(left))


@given(case=covered_case(), seed=seeds, m=st.sampled_from([2, 4]))
def test_numba_kernels_equal_their_numpy_twins_exactly_on_integers(case, seed, m):
    """Integer data and integer Bᵀ, A, Aᵀ: every sum is exact, so kernels and twins agree bit for bit.

    The input transform's extra tile column (unspecified finite values) is left out.
    """
    rng = rng_from(seed)
    geometry = case.geometry()
    ms = (m,) * case.ndim
    image = rng.integers(-5, 6, case.x_shape).astype(np.float64)
    matrices = winograd_batch._per_axis(ms)
    tiles = tuple(-(-o // m) for o in geometry.feature_size)
    wide = tiles[:-1] + (tiles[-1] + 1,)
    before = tuple(b for b, _ in geometry.padding)
    points = int(np.prod([bt.shape[0] for _, _, bt in matrices]))
    shape = (points, case.c_in, case.batch * int(np.prod(wide)))
    a, b = np.full(shape, np.nan), np.full(shape, np.nan)
    BT = [bt for _, _, bt in matrices]
    kernels.tile_transform(as_3d(image), *BT, winograd_batch._geom(ms, before, tiles), a)
    kernels.tile_transform_numpy(as_3d(image), *BT, winograd_batch._geom(ms, before, tiles), b)
    valid = (slice(None),) * (2 + case.ndim) + (slice(0, tiles[-1]),)
    split = (points, case.c_in, case.batch) + wide
    np.testing.assert_array_equal(a.reshape(split)[valid], b.reshape(split)[valid])
    assert np.isfinite(a).all()
    M = rng.integers(-5, 6, (points, case.c_out, shape[2])).astype(np.float64)
    bias = rng.integers(-3, 4, case.c_out).astype(np.float64)
    out_a = np.full((case.batch, case.c_out) + geometry.feature_size, np.nan)
    out_b = out_a.copy()
    AT = [at for at, _, _ in matrices]
    kernels.output_transform(M, *AT, winograd_batch._geom(ms, (0,) * case.ndim, wide), bias, as_3d(out_a))
    kernels.output_transform_numpy(M, *AT, winograd_batch._geom(ms, (0,) * case.ndim, wide), bias, as_3d(out_b))
    np.testing.assert_array_equal(out_a, out_b)


@few
@given(case=st.booleans().flatmap(lambda t: covered_case(transposed=t)), seed=seeds)
def test_gradcheck_through_the_winograd_backward(case, seed):
    x, w, b = case.arrays(rng_from(seed))
    op = getattr(F, case.name)
    assert gradcheck(lambda x, w, b: op(x, w, b, method="winograd", **case.kwargs()), x, w, b)


def test_forward_keeps_its_tiles_for_the_weight_gradient():
    rng = np.random.default_rng(0)
    x, w = rng.standard_normal((2, 4, 9, 7)), rng.standard_normal((6, 2, 3, 3))
    geometry = tconv.conv_geometry((9, 7), (3, 3), padding=((1, 2), (0, 1)))
    kept = []
    out = winograd_batch.forward(x, w, geometry, 2, keep_cols=kept)
    assert kept and all(isinstance(k, winograd_batch.TransformedTiles) for k in kept)
    assert [k.part for k in kept] == runtime.chunks(2, 1, winograd_batch.BLOCK_BYTES)
    grad = rng.standard_normal(out.shape)
    np.testing.assert_array_equal(winograd_batch.weight_grad(x, grad, geometry, 2, cols=kept),
                                  winograd_batch.weight_grad(x, grad, geometry, 2))


def test_one_or_two_threads_give_the_same_result():
    """Each thread runs a part of the batch; the weight gradient sums the parts in a fixed order."""
    rng = np.random.default_rng(5)
    x, w = rng.standard_normal((5, 4, 12, 10)), rng.standard_normal((3, 4, 3, 3))
    geometry = tconv.conv_geometry((12, 10), (3, 3), padding=1)
    grad = rng.standard_normal((5, 3, 12, 10))
    results = []
    previous = tconv.get_num_threads()
    try:
        for threads in sorted({1, previous}):
            tconv.set_num_threads(threads)
            results.append((winograd_batch.forward(x, w, geometry, 1), winograd_batch.adjoint(grad, w, geometry, 1),
                            winograd_batch.weight_grad(x, grad, geometry, 1)))
    finally:
        tconv.set_num_threads(previous)
    for a, b in zip(results[0], results[-1]):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-12)


def test_in_place_weight_updates_are_seen():
    """An optimizer updates weights in place; no transformed weight may be left stale."""
    rng = np.random.default_rng(1)
    model = tconv.nn.Conv2d(4, 4, 3, padding=1)
    x = rng.standard_normal((2, 4, 8, 8)).astype(np.float32)
    opt = tconv.optim.Adam(model.parameters(), lr=0.1)
    with tconv.use_method("winograd"):
        for _ in range(3):
            opt.zero_grad()
            out = model(Tensor(x))
            expected = tconv.conv2d(x, model.weight.data, model.bias.data, padding=1, method="matrix")
            assert_close(out.data, expected, np.float32, terms=200)
            (out * out).sum().backward()
            opt.step()                           # changes model.weight.data in place


#: float32 tolerance of the whole method, max |error| / max |output| against float64 on
#: ReLU activations of a random He-initialised net (measured: about 2e-7 for F(2, 3) and
#: for unfold + GEMM, 3e-6 for F(4x4, 3x3), 1.2e-5 for F(4x4x4, 3x3x3); docs/benchmarks.md).
FLOAT32_TOLERANCE = {(2, 2): 1e-6, (2, 4): 1e-5, (3, 2): 1e-6, (3, 4): 5e-5}


@pytest.mark.parametrize("ndim, m", sorted(FLOAT32_TOLERANCE))
def test_float32_error_against_float64_on_relu_activations(ndim, m, monkeypatch):
    """float32 keeps 2^-24 relative rounding per operation; Winograd adds the transforms' growth."""
    monkeypatch.setattr(winograd, "tile_sizes", lambda size: (m,) * len(size))
    x = _relu_activations(np.random.default_rng(2), ndim)
    w = (np.random.default_rng(3).standard_normal((16, 16) + (3,) * ndim)
         * np.sqrt(2 / (16 * 3 ** ndim))).astype(np.float32)
    geometry = tconv.conv_geometry(x.shape[2:], (3,) * ndim, padding=1)
    exact = winograd_batch.forward(x.astype(np.float64), w.astype(np.float64), geometry, 1)
    error = np.abs(winograd_batch.forward(x, w, geometry, 1) - exact).max() / np.abs(exact).max()
    assert error < FLOAT32_TOLERANCE[ndim, m]


def _relu_activations(rng, ndim):
    """ReLU outputs of two random He-initialised 3x3 layers on an image: U-Net-like activations."""
    x = rng.standard_normal((2, 1) + (32 if ndim == 2 else 12,) * ndim).astype(np.float32)
    for c_in in (1, 16):
        w = (rng.standard_normal((16, c_in) + (3,) * ndim) * np.sqrt(2 / (3 ** ndim * c_in))).astype(np.float32)
        x = np.maximum(get_method("unfold").forward(x.astype(np.float64), w.astype(np.float64),
                                                    tconv.conv_geometry(x.shape[2:], (3,) * ndim, padding=1), 1),
                       0).astype(np.float32)
    return x


def test_factorization_says_which_runs():
    g = tconv.conv_geometry((64, 64), (3, 3), padding=1)
    assert fast_methods.factorization(g, 16, 16)["forward"].startswith("Winograd F(4x4, 3x3)")
    assert fast_methods.factorization(g, 16, 16)["weight_grad"].startswith("Winograd")
    assert fast_methods.factorization(g, 1, 16)["forward"].startswith("unfold")
    assert fast_methods.factorization(g, 1, 16, method="winograd")["forward"].startswith("Winograd")
    up = tconv.conv_transpose_geometry((16, 16), (2, 2), stride=2)
    assert "permutation" in fast_methods.factorization(up, 32, 64)["forward"]
    with pytest.raises(ValueError, match="method='matrix'"):
        fast_methods.factorization(g, 16, 16, method="matrix")
