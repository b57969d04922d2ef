"""Keras/PyTorch translation (tconv.translate), checked against tconv's own operators.

The claims of :func:`tconv.translate.keras_conv_transpose` are tested by computing both
spellings with tconv: the exact asymmetric tconv spelling has Keras' output size and is
the adjoint of TensorFlow's "same" convolution; PyTorch's spelling equals it when
``exact``, and is it shifted by one pixel on the ``shifted_axes`` otherwise.
"""
from __future__ import annotations

import types
import warnings

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import tconv
from tconv.geometry import conv_geometry, conv_transpose_geometry, effective_kernel
from tconv.translate.spelling import framework_calls
from tconv.translate import keras_conv_transpose, keras_output_size

METHOD = "matrix"  # the teaching path; the claims are about geometry, not about a backend


def conv_transpose(x, w, **kwargs):
    return getattr(tconv, f"conv_transpose{x.ndim - 2}d")(x, w, method=METHOD, **kwargs)


def conv(x, w, **kwargs):
    return getattr(tconv, f"conv{x.ndim - 2}d")(x, w, method=METHOD, **kwargs)


# --------------------------------------------------------------------------- known values


@pytest.mark.parametrize("k, expected", [(3, (1, 1)), (4, (1, 0)), (2, (0, 0)), (5, (2, 1))])
def test_keras_same_stride_2_table(k, expected):
    t = keras_conv_transpose("same", k, stride=2)
    assert (t.padding[0], t.output_padding[0]) == expected
    assert t.shape_equivalent
    assert t.exact == (expected[1] == 0 or expected[0] == 0)
    total = max(k - 2, 0)
    assert t.tconv_padding == ((total // 2, total - total // 2),) * 2
    assert t.tconv_output_padding == (0, 0)


def test_keras_same_k3_s2_spellings():
    t = keras_conv_transpose("same", 3, stride=2)
    assert t.torch_call == ("nn.ConvTranspose2d(C_in, C_out, kernel_size=3, stride=2, padding=1, "
                            "output_padding=1)")
    assert t.keras_call == "keras.layers.Conv2DTranspose(filters, kernel_size=3, strides=2, padding='same')"
    assert t.tconv_call == "tconv.conv_transpose2d(x, w, stride=2, padding=((0, 1), (0, 1)))"
    assert t.shifted_axes == (0, 1)
    assert "shifted by one pixel" in t.note


def test_one_pixel_shift_by_hand():
    # Keras "same", k=3, s=2 on [1, 2, 3]: the full transposed conv has 7 values; TensorFlow
    # keeps 6 of them starting at T//2 = 0; PyTorch (p=1, a=1) keeps 6 starting at 1.
    x, w = np.array([[[1., 2., 3.]]]), np.array([[[1., 10., 100.]]])
    full = conv_transpose(x, w, stride=2)[0, 0]
    t = keras_conv_transpose("same", 3, stride=2, ndim=1)
    keras = conv_transpose(x, w, stride=2, padding=t.tconv_padding)[0, 0]
    torch_like = conv_transpose(x, w, stride=2, padding=t.padding, output_padding=t.output_padding)[0, 0]
    assert full.tolist() == [1, 10, 102, 20, 203, 30, 300]
    assert keras.tolist() == [1, 10, 102, 20, 203, 30]
    assert torch_like.tolist() == [10, 102, 20, 203, 30, 300]


def test_even_kernel_stride_1_has_no_pytorch_equivalent():
    t = keras_conv_transpose("same", (2, 4), stride=1)
    assert not t.shape_equivalent and not t.exact
    assert t.padding is None and t.output_padding is None and t.torch_call is None
    assert t.tconv_padding == ((0, 1), (1, 2))
    assert "no PyTorch equivalent" in t.note


def test_dilation_makes_an_odd_total_padding_legal_in_pytorch():
    # k̂ = 3*(2-1)+1 = 4 at stride 1: T = 3, p = 2, a = 1 < dilation 3 (PyTorch allows a < d).
    t = keras_conv_transpose("same", 2, stride=1, dilation=3, ndim=1)
    assert (t.padding, t.output_padding, t.shape_equivalent, t.exact) == ((2,), (1,), True, False)


def test_stride_larger_than_kernel():
    for mode in ("same", "valid"):
        t = keras_conv_transpose(mode, 2, stride=3, ndim=1)
        assert (t.padding, t.output_padding, t.exact) == ((0,), (1,), True)
        assert t.output_size((4,)) == (12,)


def test_valid_is_always_exact():
    t = keras_conv_transpose("valid", (3, 4, 5), stride=(2, 2, 1))
    assert t.ndim == 3 and t.exact and t.padding == (0, 0, 0) and t.output_padding == (0, 0, 0)
    assert t.output_size((4, 4, 4)) == (9, 10, 8)


@pytest.mark.parametrize("kwargs, named", [
    (dict(padding="full", kernel_size=3), "padding"),
    (dict(padding=1, kernel_size=3), "padding"),
    (dict(padding="same", kernel_size=0), "kernel_size"),
    (dict(padding="same", kernel_size=3, stride=-1), "stride"),
    (dict(padding="same", kernel_size=3, dilation=0), "dilation"),
    (dict(padding="same", kernel_size=(3, 3), stride=(1, 1, 1)), "stride"),
    (dict(padding="same", kernel_size=3, ndim=4), "ndim"),
    (dict(padding="same", kernel_size=(3, 3, 3, 3)), "kernel_size"),
    (dict(padding="same", kernel_size=3, stride=2, dilation=2), "dilation"),
])
def test_invalid_arguments_are_named(kwargs, named):
    with pytest.raises(ValueError, match=named):
        keras_conv_transpose(**kwargs)


def test_padding_is_case_insensitive_like_keras():
    assert keras_conv_transpose("SAME", 4, stride=2) == keras_conv_transpose("same", 4, stride=2)


# --------------------------------------------------------------------------- drawn cases, checked with tconv


@st.composite
def keras_cases(draw):
    """A Keras Conv*DTranspose (no strides > 1 with dilation > 1, as Keras requires) and its data."""
    ndim = draw(st.integers(1, 3))
    mode = draw(st.sampled_from(["same", "valid"]))
    axis = st.integers(1, 5 if ndim < 3 else 3)
    kernel = tuple(draw(axis) for _ in range(ndim))
    if draw(st.booleans()):
        stride, dilation = tuple(draw(st.integers(1, 3)) for _ in range(ndim)), (1,) * ndim
    else:
        stride, dilation = (1,) * ndim, tuple(draw(st.integers(1, 3)) for _ in range(ndim))
    size = tuple(draw(st.integers(1, 4 if ndim < 3 else 3)) for _ in range(ndim))
    channels = (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    return mode, kernel, stride, dilation, size, channels, draw(st.integers(0, 2**32 - 1))


def _keras_size(mode, i, k, s, d):
    """Keras' output size, written out independently of tconv.translate."""
    k_hat = d * (k - 1) + 1
    return i * s if mode == "same" else (i - 1) * s + max(k_hat, s)


@given(keras_cases())
def test_translation_claims_hold_in_tconv(case):
    mode, kernel, stride, dilation, size, (c_in, c_out), seed = case
    rng = np.random.default_rng(seed)
    t = keras_conv_transpose(mode, kernel, stride, dilation, ndim=len(kernel))
    x = rng.standard_normal((2, c_in) + size)
    w = rng.standard_normal((c_in, c_out) + kernel)

    # 1. The exact tconv spelling has Keras' output size.
    keras = conv_transpose(x, w, stride=stride, padding=t.tconv_padding,
                           output_padding=t.tconv_output_padding, dilation=dilation)
    expected = tuple(_keras_size(mode, *axis) for axis in zip(size, kernel, stride, dilation))
    assert keras.shape[2:] == expected == t.output_size(size)

    # 2. PyTorch's spelling: same size; same values when exact, else shifted by one pixel.
    if not t.shape_equivalent:
        assert t.torch_call is None
        assert any(s == 1 and d == 1 and effective_kernel(k, d) % 2 == 0 and mode == "same"
                   for k, s, d in zip(kernel, stride, dilation))
        return
    torch_like = conv_transpose(x, w, stride=stride, padding=t.padding, output_padding=t.output_padding,
                                dilation=dilation)
    assert torch_like.shape == keras.shape
    if t.exact:
        np.testing.assert_allclose(torch_like, keras, rtol=1e-12, atol=1e-12)
        assert t.shifted_axes == ()
    else:
        assert t.shifted_axes and set(t.output_padding[a] for a in t.shifted_axes) == {1}
        head = tuple(slice(0, -1) if a in t.shifted_axes else slice(None) for a in range(len(kernel)))
        tail = tuple(slice(1, None) if a in t.shifted_axes else slice(None) for a in range(len(kernel)))
        np.testing.assert_allclose(torch_like[(Ellipsis,) + head], keras[(Ellipsis,) + tail],
                                   rtol=1e-12, atol=1e-12)


@given(keras_cases())
def test_keras_spelling_is_the_adjoint_of_tensorflow_same_conv(case):
    mode, kernel, stride, dilation, size, (c_in, c_out), seed = case
    rng = np.random.default_rng(seed)
    t = keras_conv_transpose(mode, kernel, stride, dilation, ndim=len(kernel))
    big = t.output_size(size)
    if mode == "same":
        assert big == tuple(i * s for i, s in zip(size, stride))
    # TensorFlow's "same"/"valid" conv of the big size: T = max((ceil(n/s)-1)s + k̂ - n, 0), T//2 first.
    tf_pads = []
    for n, k, s, d in zip(big, kernel, stride, dilation):
        out = -(-n // s) if mode == "same" else (n - effective_kernel(k, d)) // s + 1
        total = max((out - 1) * s + effective_kernel(k, d) - n, 0) if mode == "same" else 0
        tf_pads.append((total // 2, total - total // 2))
    assert tuple(tf_pads) == t.tconv_padding

    w = rng.standard_normal((c_in, c_out) + kernel)   # transposed layout == the conv's (C_out, C_in)
    z = rng.standard_normal((2, c_out) + big)
    y = rng.standard_normal((2, c_in) + size)
    conv_z = conv(z, w, stride=stride, padding=t.tconv_padding, dilation=dilation)
    assert conv_z.shape[2:] == size
    conv_t_y = conv_transpose(y, w, stride=stride, padding=t.tconv_padding,
                              output_padding=t.tconv_output_padding, dilation=dilation)
    lhs, rhs = np.vdot(conv_z, y), np.vdot(z, conv_t_y)
    assert abs(lhs - rhs) <= 1e-10 * max(1.0, abs(lhs))


@given(keras_cases())
def test_framework_calls_round_trip(case):
    mode, kernel, stride, dilation, size, (c_in, c_out), _ = case
    t = keras_conv_transpose(mode, kernel, stride, dilation, ndim=len(kernel))
    geometry = conv_transpose_geometry(size, kernel, stride, t.tconv_padding, t.tconv_output_padding,
                                       dilation)
    calls = framework_calls(geometry, "C_in", "C_out")
    assert calls.tconv == t.tconv_call
    assert calls.torch == (t.torch_call if t.exact else None)
    # Keras comes back (as 'valid' when the two modes coincide: k̂ <= s on every axis).
    assert calls.keras is not None
    k_hat = [effective_kernel(k, d) for k, d in zip(kernel, dilation)]
    if mode == "same" and any(kh > s for kh, s in zip(k_hat, stride)):
        assert "padding='same'" in calls.keras
    assert calls.keras.replace("C_out", "filters") == t.keras_call.replace("'same'", "'valid'") or \
        calls.keras.replace("C_out", "filters") == t.keras_call


# --------------------------------------------------------------------------- framework_calls, known cases


def test_framework_calls_lecture_example():
    calls = framework_calls(conv_geometry((4, 4), (3, 3)), 1, 1)
    assert calls.torch == "nn.Conv2d(1, 1, kernel_size=3)"
    assert calls.keras == "keras.layers.Conv2D(1, kernel_size=3, padding='valid')"
    assert calls.tconv == "tconv.conv2d(x, w)"


def test_strided_conv_padding_1_differs_from_tensorflow_same():
    # PyTorch pads 1 on both sides; TensorFlow's "same" pads (0, 1) for i=4, k=3, s=2.
    calls = framework_calls(conv_geometry((4, 4), (3, 3), stride=2, padding=1), 3, 5)
    assert calls.torch == "nn.Conv2d(3, 5, kernel_size=3, stride=2, padding=1)"
    assert calls.keras is None
    tf_same = framework_calls(conv_geometry((4, 4), (3, 3), stride=2, padding=((0, 1), (0, 1))), 3, 5)
    assert tf_same.keras == "keras.layers.Conv2D(5, kernel_size=3, strides=2, padding='same')"
    assert tf_same.torch is None and "F.pad(x, (0, 1, 0, 1))" in tf_same.torch_note


def test_even_kernel_same_conv_uses_pytorch_same():
    calls = framework_calls(conv_geometry((5,), (4,), padding="same"), 2, 2)
    assert calls.torch == "nn.Conv1d(2, 2, kernel_size=4, padding='same')"
    assert calls.keras == "keras.layers.Conv1D(2, kernel_size=4, padding='same')"


def test_transposed_with_groups_and_dilation():
    g = conv_transpose_geometry((3, 3), (3, 3), stride=1, padding=2, dilation=2, output_padding=1)
    calls = framework_calls(g, 4, 6, groups=2)
    assert calls.torch == ("nn.ConvTranspose2d(4, 6, kernel_size=3, padding=2, output_padding=1, "
                           "groups=2, dilation=2)")
    assert calls.keras is None and "groups" in calls.keras_note


def test_asymmetric_transposed_without_pytorch_spelling():
    g = conv_transpose_geometry((3,), (3,), padding=((0, 2),))
    calls = framework_calls(g, 1, 1)
    assert calls.torch is None and "padding=0" in calls.torch_note


# --------------------------------------------------------------------------- PyTorch oracle


@st.composite
def geometries(draw):
    """Any valid 1-D/2-D geometry (asymmetric padding included) with channels and groups."""
    ndim = draw(st.integers(1, 2))
    transposed = draw(st.booleans())
    groups = draw(st.integers(1, 2))
    c_in, c_out = groups * draw(st.integers(1, 2)), groups * draw(st.integers(1, 2))
    kernel = tuple(draw(st.integers(1, 4)) for _ in range(ndim))
    stride = tuple(draw(st.integers(1, 3)) for _ in range(ndim))
    dilation = tuple(draw(st.integers(1, 2)) for _ in range(ndim))
    pads, size, out_pad = [], [], []
    for k, s, d in zip(kernel, stride, dilation):
        k_hat = effective_kernel(k, d)
        before = draw(st.integers(0, 2))
        if transposed:
            a = draw(st.integers(0, max(s, d) - 1))
            f = draw(st.integers(1, 4))
            # o' = (f-1)s - b - e + k̂ + a >= 1
            after = draw(st.integers(0, max(0, min(2, (f - 1) * s + k_hat + a - 1 - before))))
            if (f - 1) * s + k_hat + a - before - after < 1:
                before = 0
            out_pad.append(a)
        else:
            after = draw(st.integers(0, 2))
            f = max(draw(st.integers(1, k_hat + 3)), k_hat - before - after)  # i + b + e >= k̂
        pads.append((before, after))
        size.append(f)
    if transposed:
        g = conv_transpose_geometry(tuple(size), kernel, stride, tuple(pads), tuple(out_pad), dilation)
    else:
        g = conv_geometry(tuple(size), kernel, stride, tuple(pads), dilation)
    return g, c_in, c_out, groups, draw(st.integers(0, 2**32 - 1))


@pytest.mark.torch
@given(geometries())
def test_pytorch_spelling_runs_in_pytorch(case):
    """The PyTorch spelling, evaluated and run by PyTorch, or else its stated recipe, equals tconv."""
    torch = pytest.importorskip("torch")
    F = torch.nn.functional
    g, c_in, c_out, groups, seed = case
    calls = framework_calls(g, c_in, c_out, groups)
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((2, c_in) + g.input_size)
    if g.transposed:
        w = rng.standard_normal((c_in, c_out // groups) + g.kernel_size)
        ours = conv_transpose(x, w, stride=g.stride, padding=g.padding, output_padding=g.output_padding,
                              groups=groups, dilation=g.dilation)
    else:
        w = rng.standard_normal((c_out, c_in // groups) + g.kernel_size)
        ours = conv(x, w, stride=g.stride, padding=g.padding, dilation=g.dilation, groups=groups)
    tx, tw = torch.from_numpy(x), torch.from_numpy(w)
    if calls.torch is not None:
        layer = eval(calls.torch, {"nn": torch.nn}).double()  # the spelling itself, run by PyTorch
        with torch.no_grad(), warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)  # padding='same' with an even kernel copies x
            layer.weight.copy_(tw)
            layer.bias.zero_()
            theirs = layer(tx).numpy()
    elif g.transposed:
        # The recipe: padding=0, zero-extend the end if needed, keep [b, b + o) on every axis.
        assert "padding=0" in calls.torch_note
        full = getattr(F, f"conv_transpose{g.ndim}d")(tx, tw, stride=g.stride, groups=groups,
                                                      dilation=g.dilation).numpy()
        short = [max(b + o - n, 0) for (b, _), o, n in zip(g.padding, g.image_size, full.shape[2:])]
        full = np.pad(full, [(0, 0), (0, 0)] + [(0, n) for n in short])
        theirs = full[(Ellipsis,) + tuple(slice(b, b + o) for (b, _), o in zip(g.padding, g.image_size))]
    else:
        # The recipe: F.pad(x, (before, after) of the last axis first, ...), then padding=0.
        assert "F.pad(x, " in calls.torch_note
        pads = [n for pair in reversed(g.padding) for n in pair]
        theirs = getattr(F, f"conv{g.ndim}d")(F.pad(tx, pads), tw, stride=g.stride, dilation=g.dilation,
                                              groups=groups).numpy()
    assert theirs.shape == ours.shape
    np.testing.assert_allclose(theirs, ours, rtol=1e-10, atol=1e-10)


def test_keras_output_size_formula():
    assert keras_output_size("valid", 4, 3, stride=2) == 9
    assert keras_output_size("same", 4, 3, stride=2) == 8
    assert keras_output_size("valid", 4, 1, stride=3) == 12


# --------------------------------------------------------------------------- Keras' own padding rules


def _fake_keras():
    """A stand-in ``keras`` whose layers return their keyword arguments (Keras is not installed)."""
    def layer(kind):
        def make(filters, kernel_size, strides=1, padding="valid", output_padding=None, dilation_rate=1,
                 groups=1):
            return dict(kind=kind, filters=filters, kernel_size=kernel_size, strides=strides,
                        padding=padding, output_padding=output_padding, dilation_rate=dilation_rate,
                        groups=groups)
        return make
    names = {f"Conv{n}D{t}": layer(t or "conv") for n in (1, 2, 3) for t in ("", "Transpose")}
    return types.SimpleNamespace(layers=types.SimpleNamespace(**names))


def _per_axis(value, ndim):
    return (value,) * ndim if value is None or isinstance(value, int) else tuple(value)


@given(geometries())
def test_keras_spelling_follows_keras_padding_rules(case):
    """Re-derive the crop and size from Keras' own rules (keras/src/backend/common/backend_utils.py)."""
    g, c_in, c_out, groups, _ = case
    calls = framework_calls(g, c_in, c_out, groups)
    if calls.keras is None:
        return
    spec = eval(calls.keras, {"keras": _fake_keras()})
    assert spec["filters"] == c_out
    assert spec["kind"] == ("Transpose" if g.transposed else "conv")
    strides, dilations = _per_axis(spec["strides"], g.ndim), _per_axis(spec["dilation_rate"], g.ndim)
    assert _per_axis(spec["kernel_size"], g.ndim) == g.kernel_size
    assert strides == g.stride and dilations == g.dilation
    assert not (max(strides) > 1 and max(dilations) > 1)
    same = spec["padding"] == "same"
    output_padding = _per_axis(spec["output_padding"], g.ndim)
    for axis in range(g.ndim):
        kh, s = g.effective_kernel[axis], g.stride[axis]
        before = g.padding[axis][0]
        if g.transposed:
            # Keras' JAX rule: pad the zero-stuffed input by (left, right), stride-1 conv.
            f, op = g.feature_size[axis], output_padding[axis]
            assert op is None or 0 <= op < s
            if not same:
                op = max(kh, s) - kh if op is None else op
                left, right = kh - 1, kh - 1 + op
            else:
                pad_len = s + kh - 2 if op is None else kh + kh % 2 - 2 + op
                left = min(pad_len // 2 + pad_len % 2, kh - 1)
                right = pad_len - left
            assert before == kh - 1 - left
            assert g.image_size[axis] == (f - 1) * s + 1 + left + right - kh + 1
        else:
            # TensorFlow's conv rule: valid pads nothing; same gives ceil(i/s) and pads T//2 first.
            i, o = g.image_size[axis], g.feature_size[axis]
            if same:
                total = max((-(-i // s) - 1) * s + kh - i, 0)
                assert (o, before) == (-(-i // s), total // 2)
            else:
                assert (o, before) == ((i - kh) // s + 1, 0)
