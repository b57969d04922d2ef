"""Known values from the literature (docs/references.md, with their sources).

Dumoulin & Visin (2016) "A guide to convolution arithmetic for deep learning"; the lecture
notes / Shibuya 4x4-3x3 example; d2l "Dive into Deep Learning", transposed convolution;
Long et al. (2015) FCN bilinear initialisation; Odena, Dumoulin & Olah (2016) checkerboard
artifacts. Numerical examples run through every ``method``.
"""
from __future__ import annotations

import math

import numpy as np
import pytest

import tconv
from tconv import (conv2d, conv_matrix, conv_transpose1d, conv_transpose2d, conv_transpose_matrix,
                   reference)

# --------------------------------------------------------------------------- lecture notes (section 4.1)

M = np.array([[4, 5, 8, 7], [1, 8, 8, 8], [3, 6, 6, 4], [6, 5, 7, 8]], dtype=float)
K = np.array([[1, 4, 1], [1, 4, 3], [3, 3, 1]], dtype=float)
ROW0 = [1, 4, 1, 0, 1, 4, 3, 0, 3, 3, 1, 0, 0, 0, 0, 0]
LECTURE_C = np.array([ROW0,
                      [0] + ROW0[:-1],          # shifted right by 1
                      [0] * 4 + ROW0[:-4],      # by 4
                      [0] * 5 + ROW0[:-5]],     # by 5
                     dtype=float)
LECTURE_TRANSPOSED = [[2, 9, 6, 1], [6, 29, 30, 7], [10, 29, 33, 13], [12, 24, 16, 4]]


def test_lecture_notes_matrix():
    C = conv_matrix(K[None, None], (1, 4, 4))
    assert C.shape == (4, 16)
    assert C.nnz == 36
    np.testing.assert_array_equal(C.toarray(), LECTURE_C)
    np.testing.assert_array_equal(C.toarray()[0], ROW0)


def test_lecture_notes_conv(method):
    expected = [[122, 148], [126, 134]]
    np.testing.assert_array_equal(conv2d(M[None, None], K[None, None], method=method)[0, 0], expected)
    np.testing.assert_array_equal(conv2d(M[None], K[None, None], method=method)[0], expected)  # unbatched
    C = conv_matrix(K[None, None], (1, 4, 4))
    np.testing.assert_array_equal((C @ M.reshape(-1)).reshape(2, 2), expected)
    np.testing.assert_array_equal((LECTURE_C @ M.reshape(-1)).reshape(2, 2), expected)
    np.testing.assert_array_equal(reference.conv_direct(M[None, None], K[None, None])[0, 0], expected)


def test_lecture_notes_transposed(method):
    y = np.array([2.0, 1.0, 4.0, 4.0])
    C = conv_matrix(K[None, None], (1, 4, 4))
    np.testing.assert_array_equal((C.T @ y).reshape(4, 4), LECTURE_TRANSPOSED)
    np.testing.assert_array_equal((LECTURE_C.T @ y).reshape(4, 4), LECTURE_TRANSPOSED)
    # The same through the transposed convolution with the same kernel.
    out = conv_transpose2d(y.reshape(1, 1, 2, 2), K[None, None], method=method)
    np.testing.assert_array_equal(out[0, 0], LECTURE_TRANSPOSED)
    T = conv_transpose_matrix(K[None, None], (1, 2, 2))
    np.testing.assert_array_equal(T.toarray(), LECTURE_C.T)
    for view in (reference.conv_transpose_scatter, reference.conv_transpose_zero_insertion):
        np.testing.assert_array_equal(view(y.reshape(1, 1, 2, 2), K[None, None])[0, 0], LECTURE_TRANSPOSED)


# --------------------------------------------------------------------------- d2l

X2 = np.array([[0.0, 1.0], [2.0, 3.0]])


def t2d(x, k, method, **kwargs):
    return conv_transpose2d(x[None, None], k[None, None], method=method, **kwargs)[0, 0]


def test_d2l_transposed_conv(method):
    np.testing.assert_array_equal(t2d(X2, X2, method), [[0, 0, 1], [0, 4, 6], [4, 12, 9]])


def test_d2l_transposed_conv_padding(method):
    np.testing.assert_array_equal(t2d(X2, X2, method, padding=1), [[4]])


def test_d2l_transposed_conv_stride(method):
    np.testing.assert_array_equal(t2d(X2, X2, method, stride=2),
                                  [[0, 0, 0, 1], [0, 0, 2, 3], [0, 2, 0, 3], [4, 6, 6, 9]])


def test_d2l_conv_then_transposed_conv(method):
    X = np.arange(9.0).reshape(3, 3)
    Kd = np.array([[1.0, 2.0], [3.0, 4.0]])
    Y = conv2d(X[None, None], Kd[None, None], method=method)[0, 0]
    np.testing.assert_array_equal(Y, [[27, 37], [57, 67]])
    Z = t2d(Y, Kd, method)
    assert Z.shape == X.shape
    np.testing.assert_array_equal(Z, [[27, 91, 74], [138, 400, 282], [171, 429, 268]])
    assert not np.array_equal(Z, X)  # same shape as X, not X: transposed is not inverse


def test_d2l_kernel_to_matrix():
    """d2l's ``kernel2matrix``: the 4x9 matrix W with conv = W @ vec(X), transposed conv = W.T @ vec(Y)."""
    Kd = np.array([[1.0, 2.0], [3.0, 4.0]])
    W = np.array([[1, 2, 0, 3, 4, 0, 0, 0, 0],
                  [0, 1, 2, 0, 3, 4, 0, 0, 0],
                  [0, 0, 0, 1, 2, 0, 3, 4, 0],
                  [0, 0, 0, 0, 1, 2, 0, 3, 4]], dtype=float)
    C = conv_matrix(Kd[None, None], (1, 3, 3))
    np.testing.assert_array_equal(C.toarray(), W)
    X = np.arange(9.0)
    np.testing.assert_array_equal(C @ X, W @ X)
    Y = np.array([27.0, 37.0, 57.0, 67.0])
    np.testing.assert_array_equal(C.T @ Y, W.T @ Y)
    np.testing.assert_array_equal(conv_transpose2d(Y.reshape(1, 1, 2, 2), Kd[None, None]).reshape(-1), W.T @ Y)


def test_d2l_shape_round_trip(method):
    """(1,10,16,16) -> Conv2d(10,20,k=5,p=2,s=3) -> 6x6 -> ConvTranspose2d(20,10,k=5,p=2,s=3) -> 16x16."""
    rng = np.random.default_rng(0)
    X = rng.standard_normal((1, 10, 16, 16))
    w_conv = rng.standard_normal((20, 10, 5, 5))
    w_tconv = rng.standard_normal((20, 10, 5, 5))   # ConvTranspose2d(20, 10): (C_in, C_out, k, k)
    Y = conv2d(X, w_conv, padding=2, stride=3, method=method)
    assert Y.shape == (1, 20, 6, 6)
    Z = conv_transpose2d(Y, w_tconv, padding=2, stride=3, method=method)
    assert Z.shape == X.shape
    assert tconv.conv_geometry((16, 16), (5, 5), 3, 2).output_size == (6, 6)
    assert tconv.conv_transpose_geometry((6, 6), (5, 5), 3, 2).output_size == (16, 16)


# --------------------------------------------------------------------------- the paper's eight cases

PAPER_CASES = {
    # case: ((i, k, s, p, d), o, a, transposed output)
    "no padding, unit strides": ((4, 3, 1, 0, 1), 2, 0, 4),
    "arbitrary padding": ((5, 4, 1, 2, 1), 6, 0, 5),
    "half (same) padding": ((5, 3, 1, 1, 1), 5, 0, 5),
    "full padding": ((5, 3, 1, 2, 1), 7, 0, 5),
    "strides": ((5, 3, 2, 0, 1), 2, 0, 5),
    "padding + strides": ((5, 3, 2, 1, 1), 3, 0, 5),
    "padding + strides, odd": ((6, 3, 2, 1, 1), 3, 1, 6),
    "dilation": ((7, 3, 1, 0, 2), 3, 0, 7),
}


@pytest.mark.parametrize("name", PAPER_CASES)
def test_paper_case_sizes(name):
    (i, k, s, p, d), o, a, back = PAPER_CASES[name]
    assert tconv.conv_output_size(i, k, s, p, d) == o
    g = tconv.conv_geometry((i, i), (k, k), s, p, d)
    assert g.output_size == (o, o)
    assert g.restoring_output_padding() == (a, a)
    assert (i + 2 * p - tconv.effective_kernel(k, d)) % s == a
    assert tconv.conv_transpose_output_size(o, k, s, p, d, a) == back == i
    t = tconv.conv_transpose_geometry((o, o), (k, k), s, p, a, d)
    assert t.output_size == (back, back)
    k_hat = tconv.effective_kernel(k, d)
    e = t.equivalent_conv()
    assert e["padding"] == ((k_hat - 1 - p, k_hat - 1 - p + a),) * 2
    assert e["zeros_between"] == (s - 1, s - 1)
    assert e["output_size"] == (i, i)


@pytest.mark.parametrize("name", PAPER_CASES)
def test_paper_case_arrays(name, method):
    (i, k, s, p, d), o, a, back = PAPER_CASES[name]
    rng = np.random.default_rng(1)
    x = rng.integers(-3, 4, (1, 2, i, i)).astype(float)
    w = rng.integers(-3, 4, (3, 2, k, k)).astype(float)
    y = conv2d(x, w, stride=s, padding=p, dilation=d, method=method)
    assert y.shape == (1, 3, o, o)
    z = conv_transpose2d(y, w, stride=s, padding=p, output_padding=a, dilation=d, method=method)
    assert z.shape == x.shape
    np.testing.assert_array_equal(z, reference.conv_transpose_zero_insertion(y, w, stride=s, padding=p,
                                                                             output_padding=a, dilation=d))


def test_half_and_full_padding_spellings():
    """Stride 1: "same" is p = (k̂-1)/2 for odd k̂, "valid" is 0, "full" is k̂-1."""
    x = np.random.default_rng(2).standard_normal((1, 1, 5, 5))
    w = np.random.default_rng(3).standard_normal((1, 1, 3, 3))
    np.testing.assert_allclose(conv2d(x, w, padding="same"), conv2d(x, w, padding=1), rtol=1e-14, atol=1e-14)
    np.testing.assert_allclose(conv2d(x, w, padding="valid"), conv2d(x, w, padding=0), rtol=1e-14, atol=1e-14)
    np.testing.assert_allclose(conv2d(x, w, padding="full"), conv2d(x, w, padding=2), rtol=1e-14, atol=1e-14)
    assert conv2d(x, w, padding="full").shape[2:] == (7, 7)


# --------------------------------------------------------------------------- FCN bilinear kernel


def bilinear_kernel_1d(k):
    """Long et al. (2015): factor f = ceil(k/2), centre f-1 (k odd) or f-0.5 (k even)."""
    f = math.ceil(k / 2)
    c = f - 1 if k % 2 == 1 else f - 0.5
    return 1 - np.abs(np.arange(k) - c) / f


def test_bilinear_kernels():
    np.testing.assert_array_equal(bilinear_kernel_1d(4), [0.25, 0.75, 0.75, 0.25])
    np.testing.assert_array_equal(np.outer(bilinear_kernel_1d(3), bilinear_kernel_1d(3)),
                                  [[0.25, 0.5, 0.25], [0.5, 1, 0.5], [0.25, 0.5, 0.25]])


def test_bilinear_upsampling_2d(method):
    k4 = np.outer(bilinear_kernel_1d(4), bilinear_kernel_1d(4))
    x = np.array([[1.0, 2.0], [3.0, 4.0]])
    out = t2d(x, k4, method, stride=2, padding=1)
    np.testing.assert_allclose(out, [[.5625, .9375, 1.3125, 1.125], [1.125, 1.75, 2.25, 1.875],
                                     [1.875, 2.75, 3.25, 2.625], [1.6875, 2.4375, 2.8125, 2.25]],
                               rtol=0, atol=1e-15)


def test_bilinear_upsampling_1d(method):
    x = np.array([[[1.0, 2.0, 4.0, 8.0]]])
    w = bilinear_kernel_1d(4)[None, None]
    out = conv_transpose1d(x, w, stride=2, padding=1, method=method)[0, 0]
    np.testing.assert_allclose(out, [.75, 1.25, 1.75, 2.5, 3.5, 5, 7, 6], rtol=0, atol=1e-15)
    # The interior is linear interpolation at the half-pixel sample points; the borders are darker.
    points = (np.arange(8) + 0.5) / 2 - 0.5
    np.testing.assert_allclose(out[1:-1], np.interp(points, np.arange(4), x[0, 0])[1:-1], atol=1e-15)
    assert out[0] < x[0, 0, 0] and out[-1] < x[0, 0, -1]


@pytest.mark.parametrize("s", [2, 3, 4])
def test_bilinear_kernel_magnifies_by_its_factor(s, method):
    """k = 2s, p = s/2 (rounded up for odd s, with output_padding closing the gap) magnifies by s."""
    k = 2 * s
    p = math.ceil(s / 2)
    a = (2 * p - s) if s % 2 else 0
    w = bilinear_kernel_1d(k)
    x = np.ones((1, 1, 5))
    out = conv_transpose1d(x, w[None, None], stride=s, padding=p, output_padding=a, method=method)
    assert out.shape == (1, 1, 5 * s)
    # A constant signal stays constant away from the zero-padded borders.
    np.testing.assert_allclose(out[0, 0, s:-s], 1.0, atol=1e-14)


# --------------------------------------------------------------------------- checkerboard artifacts


def paint_ones(n, k, s, method):
    return conv_transpose1d(np.ones((1, 1, n)), np.ones((1, 1, k)), stride=s, method=method)[0, 0]


def test_checkerboard_k3_s2(method):
    out = paint_ones(8, 3, 2, method)
    assert out.shape == (17,)
    np.testing.assert_array_equal(out, [1, 1] + [2, 1] * 7 + [1])
    np.testing.assert_array_equal(out[:5], [1, 1, 2, 1, 2])
    np.testing.assert_array_equal(out[-3:], [2, 1, 1])


def test_checkerboard_k4_s2(method):
    out = paint_ones(8, 4, 2, method)
    np.testing.assert_array_equal(out, [1, 1] + [2] * 14 + [1, 1])


def test_checkerboard_k2_s2(method):
    np.testing.assert_array_equal(paint_ones(8, 2, 2, method), np.ones(16))


def test_checkerboard_2d(method):
    out = conv_transpose2d(np.ones((1, 1, 4, 4)), np.ones((1, 1, 3, 3)), stride=2, method=method)[0, 0]
    assert out.shape == (9, 9)
    assert set(np.unique(out)) == {1.0, 2.0, 4.0}
    line = paint_ones(4, 3, 2, method)
    np.testing.assert_array_equal(out, np.outer(line, line))  # the 2-D pattern is the outer product


def test_checkerboard_in_the_gradient_of_a_strided_conv():
    """The input gradient of a strided conv (C.T @ grad_out) is a transposed conv: same pattern."""
    C = conv_matrix(np.ones((1, 1, 3)), (1, 17), stride=2)
    assert C.shape == (8, 17)
    np.testing.assert_array_equal(C.T @ np.ones(8), [1, 1] + [2, 1] * 7 + [1])


@pytest.mark.parametrize("k, s", [(2, 2), (3, 2), (4, 2), (3, 3), (5, 3), (6, 3), (4, 4)])
def test_overlap_is_even_exactly_when_s_divides_k(k, s):
    interior = paint_ones(12, k, s, "matrix")[k:-k]
    assert (np.ptp(interior) == 0) == (k % s == 0)


# --------------------------------------------------------------------------- output_size and output_padding


def test_output_size_range_example(method):
    """i'=4, k=3, s=2, p=1 allows output sizes 7 or 8 and nothing else."""
    x = np.arange(4.0).reshape(1, 1, 4)
    w = np.array([[[1.0, 2.0, 3.0]]])
    seven = conv_transpose1d(x, w, stride=2, padding=1, output_size=(7,), method=method)
    eight = conv_transpose1d(x, w, stride=2, padding=1, output_size=[1, 1, 8], method=method)
    assert seven.shape[-1] == 7 and eight.shape[-1] == 8
    np.testing.assert_array_equal(eight[..., :7], seven)
    np.testing.assert_array_equal(eight, conv_transpose1d(x, w, stride=2, padding=1, output_padding=1,
                                                          method=method))
    for size in ((6,), (9,)):
        with pytest.raises(ValueError, match=r"output_size.*valid sizes range from \(7,\) to \(8,\)"):
            conv_transpose1d(x, w, stride=2, padding=1, output_size=size, method=method)


def test_output_padding_smaller_than_dilation_is_legal(method):
    """s=1, d=2, output_padding=1 is legal (a < d), unlike s=1, d=1, output_padding=1."""
    x = np.arange(1.0, 4.0).reshape(1, 1, 3)
    w = np.array([[[1.0, 10.0, 100.0]]])
    out = conv_transpose1d(x, w, stride=1, dilation=2, output_padding=1, method=method)
    assert out.shape == (1, 1, (3 - 1) * 1 + 2 * (3 - 1) + 1 + 1)
    expected = reference.conv_transpose_scatter(x, w, stride=1, dilation=2, output_padding=1)
    np.testing.assert_array_equal(out, expected)
    np.testing.assert_array_equal(out[0, 0], [1, 2, 13, 20, 130, 200, 300, 0])
    with pytest.raises(ValueError, match="output_padding"):
        conv_transpose1d(x, w, stride=1, dilation=1, output_padding=1, method=method)

