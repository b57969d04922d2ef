"""Every view of (transposed) convolution computes the same operator.

* convolution: each ``method=`` == the direct loop == ``C @ vec(x)``;
* transposed convolution: each ``method=`` == ``C.T @ vec(y)`` == scatter-add == zero insertion;
* the adjoint identity ``<conv(x, w), y> == <x, conv_transpose(y, w)>``;
* each backend's ``weight_grad`` == a brute force over the matrix's nonzeros == the reference.

Exact comparisons draw small integers (stored as floats) so every sum is exact in float64 and
the summation order cannot matter; the adjoint identity uses Gaussian data.
Tests taking ``method`` run for every name in ``tconv.available_methods()`` (see conftest).
"""
from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import tconv
from tconv import conv_matrix, conv_transpose_matrix, reference
from tconv.methods import get_method
from strategies import (assert_close, conv_case_arrays, conv_geometry as cases, either_geometry as either,
                        reduction_length, rng_from, seeds)


def run(case, x, w, b=None, method=None, **override):
    kwargs = {**case.kwargs(), **override}
    return case.function()(x, w, b, method=method, **kwargs)


def matrix_apply(case, x, w):
    """Apply the explicit matrix to each flattened sample: ``C @ vec(x[n])``."""
    if case.transposed:
        M = conv_transpose_matrix(w, x.shape[1:], case.stride, case.padding, case.output_padding,
                                  case.groups, case.dilation)
    else:
        M = conv_matrix(w, x.shape[1:], case.stride, case.padding, case.dilation, case.groups)
    return np.stack([M @ sample.reshape(-1) for sample in x]).reshape(case.out_shape)


# --------------------------------------------------------------------------- convolution


@given(cases(transposed=False), seeds)
def test_conv_equals_direct_loop_and_matrix(method, case, seed):
    x, w, b = case.arrays(rng_from(seed), integer=True)
    out = run(case, x, w, b, method=method)
    assert out.shape == case.out_shape
    assert out.dtype == np.float64
    direct = reference.conv_direct(x, w, b, **case.reference_kwargs())
    np.testing.assert_array_equal(out, direct)
    np.testing.assert_array_equal(run(case, x, w, method=method), matrix_apply(case, x, w))


@given(cases(transposed=False), seeds)
def test_conv_direct_loop_agrees_with_any_padding_spelling(case, seed):
    """The reference loop given (before, after) pairs equals it given the original spelling."""
    x, w, b = case.arrays(rng_from(seed), integer=True)
    kw = case.reference_kwargs()
    kw["padding"] = case.padding
    np.testing.assert_array_equal(reference.conv_direct(x, w, b, **kw),
                                  reference.conv_direct(x, w, b, **case.reference_kwargs()))


# --------------------------------------------------------------------------- transposed convolution


@given(cases(transposed=True), seeds)
def test_transposed_conv_reference_views_agree(case, seed):
    """``C.T @ y`` == scatter-add == zero insertion + flipped, channel-swapped kernel."""
    x, w, b = case.arrays(rng_from(seed), integer=True)
    scatter = reference.conv_transpose_scatter(x, w, b, **case.reference_kwargs())
    zeros = reference.conv_transpose_zero_insertion(x, w, b, **case.reference_kwargs())
    assert scatter.shape == zeros.shape == case.out_shape
    np.testing.assert_array_equal(scatter, zeros)
    np.testing.assert_array_equal(matrix_apply(case, x, w) + b.reshape((1, -1) + (1,) * case.ndim),
                                  scatter)


@given(cases(transposed=True), seeds)
def test_conv_transpose_equals_scatter_add(method, case, seed):
    """Every method == the scatter-add loop (itself == the other views, above)."""
    x, w, b = case.arrays(rng_from(seed), integer=True)
    out = run(case, x, w, b, method=method)
    assert out.shape == case.out_shape
    assert out.dtype == np.float64
    np.testing.assert_array_equal(out, reference.conv_transpose_scatter(x, w, b, **case.reference_kwargs()))


@given(cases(transposed=True, restorable=True), seeds)
def test_conv_transpose_is_the_transpose_of_the_conv_back(method, case, seed):
    """The transposed conv's matrix is ``C.T`` for the conv ``C`` from its output back to its input,
    so ``conv_transpose(y) == (C.T @ vec(y))`` with ``C`` built as a plain convolution."""
    x, w, _ = case.arrays(rng_from(seed), integer=True)
    C = conv_matrix(w, (case.c_out,) + case.output_size, case.stride, case.padding, case.dilation,
                    case.groups)
    expected = np.stack([C.T @ sample.reshape(-1) for sample in x]).reshape(case.out_shape)
    np.testing.assert_array_equal(run(case, x, w, method=method), expected)


# --------------------------------------------------------------------------- adjoint identity


@given(cases(transposed=False), seeds)
def test_adjoint_identity_conv(method, case, seed):
    """``<conv(x, w), y> == <x, conv_transpose(y, w)>`` with the restoring output_padding."""
    rng = rng_from(seed)
    x, w, _ = case.arrays(rng)
    y = rng.standard_normal(case.out_shape)
    a = case.geometry().restoring_output_padding()
    conv = getattr(tconv, f"conv{case.ndim}d")
    conv_t = getattr(tconv, f"conv_transpose{case.ndim}d")
    cx = conv(x, w, None, case.stride, case.padding, case.dilation, case.groups, method=method)
    ty = conv_t(y, w, None, case.stride, case.padding, a, case.groups, case.dilation, method=method)
    assert ty.shape == x.shape
    lhs, rhs = np.vdot(cx, y), np.vdot(x, ty)
    scale = np.sqrt(np.vdot(cx, cx) * np.vdot(y, y)) + np.sqrt(np.vdot(x, x) * np.vdot(ty, ty))
    assert abs(lhs - rhs) <= 1e-10 * max(scale, 1e-300)


@given(cases(transposed=True, restorable=True), seeds)
def test_adjoint_identity_conv_transpose(method, case, seed):
    """``<conv_transpose(y, w), z> == <y, conv(z, w)>`` for the conv from the output back."""
    rng = rng_from(seed)
    y, w, _ = case.arrays(rng)
    z = rng.standard_normal(case.out_shape)
    conv = getattr(tconv, f"conv{case.ndim}d")
    ty = run(case, y, w, method=method)
    cz = conv(z, w, None, case.stride, case.padding, case.dilation, case.groups, method=method)
    assert cz.shape == y.shape
    lhs, rhs = np.vdot(ty, z), np.vdot(y, cz)
    scale = np.sqrt(np.vdot(ty, ty) * np.vdot(z, z)) + np.sqrt(np.vdot(y, y) * np.vdot(cz, cz))
    assert abs(lhs - rhs) <= 1e-10 * max(scale, 1e-300)


# --------------------------------------------------------------------------- shapes


@given(cases(transposed=False), seeds)
def test_conv_then_transposed_conv_restores_the_shape(method, case, seed):
    x, w, _ = case.arrays(rng_from(seed))
    conv = getattr(tconv, f"conv{case.ndim}d")
    conv_t = getattr(tconv, f"conv_transpose{case.ndim}d")
    y = conv(x, w, None, case.stride, case.padding, case.dilation, case.groups, method=method)
    a = tuple((i + b + p - (d * (k - 1) + 1)) % s for i, k, s, (b, p), d in
              zip(case.input_size, case.kernel_size, case.stride, case.pads, case.dilation))
    by_padding = conv_t(y, w, None, case.stride, case.padding, a, case.groups, case.dilation,
                        method=method)
    assert by_padding.shape == x.shape
    for size in (x.shape[2:], x.shape, list(x.shape[1:])):
        by_size = conv_t(y, w, None, case.stride, case.padding, 0, case.groups, case.dilation,
                         output_size=size, method=method)
        np.testing.assert_array_equal(by_size, by_padding)


@given(cases(transposed=True, allow_output_size=False, restorable=True), seeds, st.data())
def test_every_output_size_in_range_is_produced(method, case, seed, data):
    y, w, _ = case.arrays(rng_from(seed))
    ranges = [tconv.output_size_range(i, k, s, p, d) for i, k, s, p, d in
              zip(case.input_size, case.kernel_size, case.stride, case.pads, case.dilation)]
    wanted = tuple(data.draw(st.integers(max(low, 1), high)) for low, high in ranges)
    out = run(case, y, w, method=method, output_size=wanted)
    assert out.shape == (case.batch, case.c_out) + wanted
    # The extra rows/columns output_size adds are what output_padding would add.
    a = tuple(n - low for n, (low, _) in zip(wanted, ranges))
    kwargs = case.kwargs()
    kwargs["output_padding"] = a
    np.testing.assert_array_equal(out, case.function()(y, w, None, method=method, **kwargs))


# --------------------------------------------------------------------------- dtypes, batching, bias


@given(either(), seeds)
def test_float32_in_float32_out(method, case, seed):
    x64, w64, b64 = case.arrays(rng_from(seed))
    out64 = run(case, x64, w64, b64, method=method)
    x, w, b = (a.astype(np.float32) for a in (x64, w64, b64))
    out = run(case, x, w, b, method=method)
    assert out.dtype == np.float32
    assert_close(out, out64, np.float32, terms=reduction_length(case) + 1, scale=np.abs(out64).max())
    if not case.transposed:
        grad = get_method(method).weight_grad(x, out, case.geometry(), case.groups)
        assert grad.dtype == np.float32 and grad.shape == w.shape


@given(either(), seeds)
def test_unbatched_input_gives_unbatched_output(method, case, seed):
    x, w, b = case.arrays(rng_from(seed))
    kwargs = case.kwargs()
    if case.output_size_arg is not None:
        kwargs["output_size"] = case.output_size  # a batched (N, C, ...) shape would not describe x[0]
    single = case.function()(x[0], w, b, method=method, **kwargs)
    batched = case.function()(x[:1], w, b, method=method, **kwargs)
    assert single.shape == case.out_shape[1:]
    np.testing.assert_array_equal(single, batched[0])


@given(either(), seeds)
def test_memory_layout_does_not_matter(method, case, seed):
    """Reversed, strided, Fortran-ordered and read-only inputs give the contiguous result."""
    x, w, b = case.arrays(rng_from(seed), integer=True)
    expected = run(case, x, w, b, method=method)
    # A reversed view of a reversed copy: same values, negative strides.
    x_view = np.flip(np.flip(x, axis=-1).copy(), axis=-1)
    # Every other channel of a twice-as-wide array: a strided view.
    wide = np.repeat(w, 2, axis=0)
    w_view = wide[::2]
    w_fortran = np.asfortranarray(w)
    for xx, ww in ((x_view, w_view), (np.asfortranarray(x), w_fortran)):
        xx.setflags(write=False)
        np.testing.assert_array_equal(run(case, xx, ww, b, method=method), expected)


def test_empty_batch_conv(method):
    """A batch of 0 samples gives an empty output of the right shape, as in PyTorch."""
    x, w = np.ones((0, 2, 5, 5)), np.ones((3, 2, 3, 3))
    out = tconv.conv2d(x, w, np.ones(3), stride=2, method=method)
    assert out.shape == (0, 3, 2, 2) and out.dtype == np.float64
    geometry = tconv.conv_geometry((5, 5), (3, 3), stride=2)
    grad = get_method(method).weight_grad(x, out, geometry, 1)
    assert grad.shape == w.shape and not grad.any()
    assert get_method(method).adjoint(out, w, geometry, 1).shape == x.shape


def test_empty_batch_conv_transpose(method):
    out = tconv.conv_transpose2d(np.ones((0, 2, 5, 5), np.float32), np.ones((2, 3, 3, 3), np.float32),
                                 stride=2, output_padding=1, method=method)
    assert out.shape == (0, 3, 12, 12) and out.dtype == np.float32


@given(either().flatmap(lambda case: st.tuples(st.just(case), conv_case_arrays(case, integer=True))))
def test_bias_adds_one_value_per_output_channel(method, case_and_arrays):
    case, (x, w, b) = case_and_arrays
    with_bias = run(case, x, w, b, method=method)
    without = run(case, x, w, method=method)
    np.testing.assert_array_equal(with_bias, without + b.reshape((1, -1) + (1,) * case.ndim))


@given(either(ndim=2), seeds)
def test_integer_inputs_are_converted_to_float64(method, case, seed):
    x, w, b = case.arrays(rng_from(seed), integer=True)
    out = run(case, x.astype(np.int64), w.astype(np.int32), b.astype(np.int16), method=method)
    assert out.dtype == np.float64
    np.testing.assert_array_equal(out, run(case, x, w, b, method=method))


# --------------------------------------------------------------------------- backends


def brute_force_weight_grad(C, image, feature, weight_shape):
    """``grad_w[k] = sum over the nonzeros (row, col) of C holding weight k of feature[row] * image[col]``."""
    grad = np.zeros(int(np.prod(weight_shape)))
    for img, feat in zip(image.reshape(len(image), -1), feature.reshape(len(feature), -1)):
        np.add.at(grad, C.weight_index, feat[C.rows] * img[C.cols])
    return grad.reshape(weight_shape)


@given(cases(transposed=False), seeds)
def test_weight_grad_of_a_conv(method, case, seed):
    rng = rng_from(seed)
    x, w, _ = case.arrays(rng, integer=True)
    g = rng.integers(-3, 4, case.out_shape).astype(float)
    geometry = case.geometry()
    grad = get_method(method).weight_grad(x, g, geometry, case.groups)
    assert grad.shape == w.shape and grad.dtype == np.float64
    C = conv_matrix(w, x.shape[1:], case.stride, case.padding, case.dilation, case.groups)
    np.testing.assert_array_equal(grad, brute_force_weight_grad(C, x, g, w.shape))
    np.testing.assert_array_equal(
        grad, reference.conv_weight_grad(x, g, case.kernel_size, case.stride, case.pads, case.dilation,
                                         case.groups))


@given(cases(transposed=True, restorable=True), seeds)
def test_weight_grad_of_a_transposed_conv(method, case, seed):
    """For a transposed conv the image side is its output: ``grad_w = weight_grad(grad_out, x)``."""
    rng = rng_from(seed)
    x, w, _ = case.arrays(rng, integer=True)
    g = rng.integers(-3, 4, case.out_shape).astype(float)
    grad = get_method(method).weight_grad(g, x, case.geometry(), case.groups)
    assert grad.shape == w.shape
    C = conv_transpose_matrix(w, x.shape[1:], case.stride, case.padding, case.output_padding,
                              case.groups, case.dilation).T
    np.testing.assert_array_equal(grad, brute_force_weight_grad(C, g, x, w.shape))


@given(either(), seeds)
def test_weight_grad_is_the_derivative_of_the_inner_product(case, seed):
    """``<feature, C(w) @ image>`` is linear in ``w``, so it equals ``<grad_w, w>``."""
    rng = rng_from(seed)
    x, w, _ = case.arrays(rng)
    if case.transposed:
        image, feature = rng.standard_normal(case.out_shape), x
    else:
        image, feature = x, rng.standard_normal(case.out_shape)
    grad = get_method("matrix").weight_grad(image, feature, case.geometry(), case.groups)
    forward = get_method("matrix").forward(image, w, case.geometry(), case.groups)
    assert forward.shape == feature.shape
    lhs, rhs = np.vdot(feature, forward), np.vdot(grad, w)
    assert lhs == pytest.approx(rhs, rel=1e-10, abs=1e-10 * (np.abs(grad).sum() * np.abs(w).max() + 1))


@given(either(restorable=True), seeds)
def test_backend_products_follow_the_geometry(method, case, seed):
    """``forward``/``adjoint`` of each backend == the explicit matrix, for conv and transposed
    geometries alike (restorable transposed ones here; see the explicit cases below)."""
    rng = rng_from(seed)
    x, w, _ = case.arrays(rng, integer=True)
    other = rng.integers(-3, 4, case.out_shape).astype(float)
    if case.transposed:
        image, feature = other, x
        C = conv_transpose_matrix(w, x.shape[1:], case.stride, case.padding, case.output_padding,
                                  case.groups, case.dilation).T
    else:
        image, feature = x, other
        C = conv_matrix(w, x.shape[1:], case.stride, case.padding, case.dilation, case.groups)
    impl = get_method(method)
    fwd = impl.forward(image, w, case.geometry(), case.groups)
    adj = impl.adjoint(feature, w, case.geometry(), case.groups)
    assert fwd.shape == feature.shape and adj.shape == image.shape
    np.testing.assert_array_equal(fwd.reshape(len(image), -1), image.reshape(len(image), -1) @ C.T)
    np.testing.assert_array_equal(adj.reshape(len(feature), -1), feature.reshape(len(feature), -1) @ C)


# Transposed geometries with output_padding >= stride (legal because dilation > stride): the
# convolution of the output back has one more row than the transposed conv's input, so a backend
# must take the feature size from the geometry, not recompute it from the image size.
LARGE_OUTPUT_PADDING = {
    "1d": dict(input_size=(3,), kernel_size=(3,), stride=1, dilation=3, output_padding=2),
    "2d": dict(input_size=(2, 3), kernel_size=(2, 1), stride=(1, 2), dilation=(2, 3), output_padding=(1, 2)),
    "3d": dict(input_size=(2, 2, 2), kernel_size=(2, 2, 1), stride=1, dilation=2, output_padding=(1, 0, 1)),
    "1d-pointwise": dict(input_size=(3,), kernel_size=(1,), stride=1, dilation=2, output_padding=1),
    "2d-pointwise": dict(input_size=(2, 3), kernel_size=(1, 1), stride=1, dilation=(3, 1), output_padding=(2, 0)),
}


def _check_large_output_padding(method, spec):
    geometry = tconv.conv_transpose_geometry(spec["input_size"], spec["kernel_size"], spec["stride"], 0,
                                             spec["output_padding"], spec["dilation"])
    assert any(a >= s for a, s in zip(geometry.output_padding, geometry.stride))
    rng = np.random.default_rng(7)
    groups = 2
    w = rng.integers(-3, 4, (4, 3) + geometry.kernel_size).astype(float)   # (C_in, C_out/g, *k)
    x = rng.integers(-3, 4, (2, 4) + geometry.feature_size).astype(float)
    z = rng.integers(-3, 4, (2, 6) + geometry.image_size).astype(float)
    C = conv_transpose_matrix(w, x.shape[1:], geometry.stride, geometry.padding, geometry.output_padding,
                              groups, geometry.dilation).T
    impl = get_method(method)
    np.testing.assert_array_equal(impl.adjoint(x, w, geometry, groups).reshape(2, -1),
                                  x.reshape(2, -1) @ C)
    fwd = impl.forward(z, w, geometry, groups)
    assert fwd.shape == x.shape
    np.testing.assert_array_equal(fwd.reshape(2, -1), z.reshape(2, -1) @ C.T)
    grad = impl.weight_grad(z, x, geometry, groups)
    np.testing.assert_array_equal(grad, brute_force_weight_grad(C, z, x, w.shape))


@pytest.mark.parametrize("name", LARGE_OUTPUT_PADDING)
def test_backends_with_output_padding_at_least_stride(method, name):
    """(Regression: the 'reference' backend once recomputed the feature size from the image.)"""
    _check_large_output_padding(method, LARGE_OUTPUT_PADDING[name])


# --------------------------------------------------------------------------- method selection


def test_methods_are_registered():
    methods = tconv.available_methods()
    assert {"matrix", "reference"} <= set(methods)
    assert tconv.get_default_method() in methods


def test_use_method_restores_the_default(restore_default_method):
    before = tconv.get_default_method()
    with tconv.use_method("reference"):
        assert tconv.get_default_method() == "reference"
    assert tconv.get_default_method() == before
    with pytest.raises(RuntimeError):
        with tconv.use_method("matrix"):
            raise RuntimeError("boom")
    assert tconv.get_default_method() == before
    tconv.set_default_method("matrix")
    assert tconv.get_default_method() == "matrix"


def test_default_method_is_used(restore_default_method):
    calls = []
    impl = get_method("matrix")

    def spy(image, weight, geometry, groups):
        calls.append(geometry)
        return impl.forward(image, weight, geometry, groups)

    with tconv.methods.registered("spy", spy, impl.adjoint, impl.weight_grad), tconv.use_method("spy"):
        out = tconv.conv1d(np.arange(5.0)[None], np.ones((1, 1, 2)))
    assert len(calls) == 1 and "spy" not in tconv.available_methods()
    np.testing.assert_array_equal(out, [[1, 3, 5, 7]])


def test_pointwise_transposed_conv_with_output_padding(method):
    """A 1x1 transposed conv with dilation 2 may take output_padding 1: one zero column is added.

    (Regression: the fast path's 1x1 shortcut once assumed image and feature had the same size.)"""
    x = np.arange(6.0).reshape(1, 2, 3)
    w = np.array([[[1.0], [2.0]], [[3.0], [4.0]]])             # (C_in=2, C_out=2, k=1)
    out = tconv.conv_transpose1d(x, w, dilation=2, output_padding=1, method=method)
    expected = np.zeros((1, 2, 4))
    expected[0, :, :3] = np.einsum("io,il->ol", w[:, :, 0], x[0])
    np.testing.assert_array_equal(out, expected)
    np.testing.assert_array_equal(out, reference.conv_transpose_scatter(x, w, dilation=2, output_padding=1))
