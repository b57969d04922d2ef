"""The explicit convolution matrix: its entries, its transpose, its products.

Row ``(c_out, *o)`` and column ``(c_in, *j)`` hold ``w[c_out, c_in - group_start, *t]``
exactly when ``j = o*s - p_before + t*d`` on every axis and ``c_in`` is in ``c_out``'s group.
:func:`dense_by_definition` builds that matrix with plain loops, independently of tconv.
"""
from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import tconv
from tconv import conv_matrix, conv_transpose_matrix
from strategies import conv_geometry as cases
from strategies import either_geometry as either
from strategies import rng_from, seeds


def dense_by_definition(weight, input_size, output_size, stride, pads, dilation, groups):
    """The conv matrix (image -> feature) of a conv-layout weight, one entry at a time."""
    c_out, c_in_group = weight.shape[:2]
    kernel = weight.shape[2:]
    c_in = c_in_group * groups
    n_in, n_out = int(np.prod(input_size)), int(np.prod(output_size))
    dense = np.zeros((c_out * n_out, c_in * n_in), dtype=weight.dtype)
    for co in range(c_out):
        group = co // (c_out // groups)
        for cl in range(c_in_group):
            ci = group * c_in_group + cl
            for o in np.ndindex(*output_size):
                for t in np.ndindex(*kernel):
                    j = tuple(oi * s - b + ti * d for oi, s, (b, _), ti, d in
                              zip(o, stride, pads, t, dilation))
                    if all(0 <= ji < n for ji, n in zip(j, input_size)):
                        row = co * n_out + np.ravel_multi_index(o, output_size)
                        col = ci * n_in + np.ravel_multi_index(j, input_size)
                        assert dense[row, col] == 0, "two taps on one (row, col)"
                        dense[row, col] = weight[(co, cl) + t]
    return dense


def no_zero_weight(case, seed):
    """A conv-layout weight with no zero entry, so structural and numerical nonzeros agree."""
    rng = rng_from(seed)
    shape = case.weight_shape
    return rng.uniform(1.0, 2.0, shape) * rng.choice([-1.0, 1.0], shape)


def matrix_of(case, weight):
    if case.transposed:
        return conv_transpose_matrix(weight, (case.c_in,) + case.input_size, case.stride, case.padding,
                                     case.output_padding, case.groups, case.dilation)
    return conv_matrix(weight, (case.c_in,) + case.input_size, case.stride, case.padding,
                       case.dilation, case.groups)


def axis_pairs(image, feature, k, s, before, d):
    """How many (feature m, tap t) pairs land inside the image on one axis."""
    return sum(0 <= m * s - before + t * d < image for m in range(feature) for t in range(k))


# --------------------------------------------------------------------------- entries


@given(cases(transposed=False), seeds)
def test_conv_matrix_matches_its_definition(case, seed):
    w = case.arrays(rng_from(seed), integer=True)[1]
    C = conv_matrix(w, (case.c_in,) + case.input_size, case.stride, case.padding, case.dilation,
                    case.groups)
    expected = dense_by_definition(w, case.input_size, case.output_size, case.stride, case.pads,
                                   case.dilation, case.groups)
    assert C.shape == (case.c_out * int(np.prod(case.output_size)), case.c_in * int(np.prod(case.input_size)))
    assert C.dtype == np.float64
    np.testing.assert_array_equal(C.toarray(), expected)


@given(cases(transposed=True), seeds)
def test_conv_transpose_matrix_matches_the_definition_transposed(case, seed):
    """Also for output_padding >= stride (legal when dilation > stride): then the conv from the
    output back would have more rows, and the matrix keeps the first ``i'`` of them."""
    w = case.arrays(rng_from(seed), integer=True)[1]
    M = matrix_of(case, w)
    expected = dense_by_definition(w, case.output_size, case.input_size, case.stride, case.pads,
                                   case.dilation, case.groups).T
    assert M.shape == expected.shape
    np.testing.assert_array_equal(M.toarray(), expected)


@given(cases(transposed=True, restorable=True), seeds)
def test_conv_transpose_matrix_is_the_conv_matrix_transposed(case, seed):
    w = case.arrays(rng_from(seed))[1]
    M = matrix_of(case, w)
    # The conv taking the transposed conv's output back to its input, with the same weight.
    C = conv_matrix(w, (case.c_out,) + case.output_size, case.stride, case.padding, case.dilation,
                    case.groups)
    assert C.geometry.output_size == case.input_size
    assert M.shape == C.T.shape
    np.testing.assert_array_equal(M.toarray(), C.toarray().T)
    np.testing.assert_array_equal(M.T.toarray(), C.toarray())
    assert M.geometry.transposed and not C.geometry.transposed
    same = ("image_size", "feature_size", "kernel_size", "stride", "padding", "dilation")
    assert all(getattr(M.geometry, name) == getattr(C.geometry, name) for name in same)


@given(either(), seeds)
def test_pattern_reproduces_toarray(case, seed):
    w = case.arrays(rng_from(seed))[1]
    C = matrix_of(case, w)
    p = C.pattern()
    assert p["row"].shape == p["col"].shape == (C.nnz,)
    assert p["tap"].shape == (C.nnz, w.ndim)
    # Every (row, col) pair occurs once.
    flat = p["row"] * C.shape[1] + p["col"]
    assert np.unique(flat).size == C.nnz
    rebuilt = np.zeros(C.shape)
    rebuilt[p["row"], p["col"]] = w[tuple(p["tap"].T)]
    np.testing.assert_array_equal(rebuilt, C.toarray())
    np.testing.assert_array_equal(C.values, w[tuple(p["tap"].T)])


@given(either(), seeds)
def test_nnz_counts_the_structural_nonzeros(case, seed):
    w = no_zero_weight(case, seed)
    C = matrix_of(case, w)
    dense = C.toarray()
    assert C.nnz == np.count_nonzero(dense)
    # Per axis, the (feature, tap) pairs that land in the image; channels multiply.
    per_axis = [axis_pairs(i, f, k, s, b, d) for i, f, k, s, (b, _), d in
                zip(case.image_size, case.feature_size, case.kernel_size, case.stride, case.pads,
                    case.dilation)]
    channel_pairs = w.shape[0] * w.shape[1]
    assert C.nnz == channel_pairs * int(np.prod(per_axis))
    assert C.density == pytest.approx(C.nnz / dense.size)
    # A zero weight still counts as a structural nonzero.
    assert matrix_of(case, np.zeros_like(w)).nnz == C.nnz


@given(either(), seeds)
def test_transpose_of_the_matrix(case, seed):
    w = case.arrays(rng_from(seed))[1]
    C = matrix_of(case, w)
    np.testing.assert_array_equal(C.T.toarray(), C.toarray().T)
    assert C.T.shape == C.shape[::-1]
    assert C.T.nnz == C.nnz
    assert C.T.T.shape == C.shape
    np.testing.assert_array_equal(C.T.T.toarray(), C.toarray())
    assert C.T.geometry == C.geometry.transpose()
    assert (C.T.in_channels, C.T.out_channels) == (C.out_channels, C.in_channels)


@given(either(), seeds, st.integers(1, 3))
def test_products(case, seed, columns):
    """``C @ v`` for (n,) and (n, B), ``v @ C`` and ``X @ C.T`` agree with the dense matrix exactly
    (small integers keep every sum exact)."""
    rng = rng_from(seed)
    w = rng.integers(-3, 4, case.weight_shape).astype(float)
    C = matrix_of(case, w)
    dense = C.toarray()
    m, n = C.shape
    v = rng.integers(-3, 4, n).astype(float)
    V = rng.integers(-3, 4, (n, columns)).astype(float)
    X = rng.integers(-3, 4, (columns, n)).astype(float)
    u = rng.integers(-3, 4, m).astype(float)
    np.testing.assert_array_equal(C @ v, dense @ v)
    assert (C @ v).shape == (m,)
    np.testing.assert_array_equal(C @ V, dense @ V)
    assert (C @ V).shape == (m, columns)
    np.testing.assert_array_equal(X @ C.T, X @ dense.T)
    assert (X @ C.T).shape == (columns, m)
    np.testing.assert_array_equal(u @ C, u @ dense)
    np.testing.assert_array_equal(C.T @ u, dense.T @ u)
    # Lists are accepted like arrays.
    np.testing.assert_array_equal(C @ v.tolist(), dense @ v)


@given(either(), seeds)
def test_float32_matrix_and_products(case, seed):
    rng = rng_from(seed)
    w = rng.standard_normal(case.weight_shape).astype(np.float32)
    C = matrix_of(case, w)
    assert C.dtype == np.float32 and C.toarray().dtype == np.float32
    v = rng.standard_normal(C.shape[1]).astype(np.float32)
    y = C @ v
    assert y.dtype == np.float32
    np.testing.assert_allclose(y, C.toarray().astype(np.float64) @ v.astype(np.float64),
                               rtol=1e-5, atol=1e-5 * (1 + C.nnz / C.shape[0]))


def test_products_reject_wrong_shapes():
    C = conv_matrix(np.ones((1, 1, 3, 3)), (1, 4, 4))
    for bad in (np.ones(15), np.ones((15, 2)), np.ones((16, 2, 1))):
        with pytest.raises(ValueError, match=r"C @ v needs v of shape \(16,\)"):
            C @ bad
    with pytest.raises(ValueError, match=r"v @ C needs v of shape \(4,\)"):
        np.ones((2, 5)) @ C


@given(either(), seeds)
def test_to_scipy_equals_toarray(case, seed):
    pytest.importorskip("scipy")
    w = case.arrays(rng_from(seed))[1]
    C = matrix_of(case, w)
    S = C.to_scipy()
    assert S.shape == C.shape
    assert S.nnz == C.nnz
    np.testing.assert_array_equal(S.toarray(), C.toarray())
    v = rng_from(seed + 1).standard_normal(C.shape[1])
    np.testing.assert_allclose(S @ v, C @ v, rtol=1e-12, atol=1e-12)


# --------------------------------------------------------------------------- groups


@given(either(), seeds)
def test_groups_give_a_block_diagonal_matrix(case, seed):
    """Off-diagonal channel blocks are zero; diagonal block g is group g's own convolution."""
    w = no_zero_weight(case, seed)
    C = matrix_of(case, w)
    g = case.groups
    conv_w = w  # conv layout (C_feature, C_image/g, *k) for both directions
    c_feat, c_img = conv_w.shape[0], conv_w.shape[1] * g
    n_feat, n_img = int(np.prod(case.feature_size)), int(np.prod(case.image_size))
    dense = C.toarray()
    if case.transposed:
        dense = dense.T  # look at it as the conv matrix (feature rows, image columns)
    blocks = dense.reshape(g, c_feat // g * n_feat, g, c_img // g * n_img)
    for a in range(g):
        for b in range(g):
            if a != b:
                assert not blocks[a, :, b, :].any()
    for a in range(g):
        part = conv_w[a * (c_feat // g):(a + 1) * (c_feat // g)]
        alone = conv_matrix(part, (c_img // g,) + case.image_size, case.stride, case.pads,
                            case.dilation, 1)
        if alone.geometry.feature_size == case.feature_size:
            np.testing.assert_array_equal(blocks[a, :, a, :], alone.toarray())


# --------------------------------------------------------------------------- misc


def test_integer_weights_become_float64():
    C = conv_matrix(np.ones((1, 1, 2), dtype=np.int64), (1, 3))
    assert C.dtype == np.float64
    np.testing.assert_array_equal(C.toarray(), [[1, 1, 0], [0, 1, 1]])


def test_repr_and_density():
    C = conv_matrix(np.ones((1, 1, 3, 3)), (1, 4, 4))
    assert C.nnz == 36 and C.density == 36 / 64
    assert "convolution" in repr(C) and "(4, 16)" in repr(C) and "nnz=36" in repr(C)
    assert "transposed convolution" in repr(C.T) and "(16, 4)" in repr(C.T)
    assert tconv.ConvMatrix is type(C)
