"""ONNX's ConvTranspose spelling (tconv.translate.onnx) against ONNX Runtime running real nodes.

Every claim of :func:`tconv.translate.onnx.onnx_conv_transpose` is checked by running the ONNX
node in ONNX Runtime and the translated geometry in tconv (the matrix method, float64 data cast
to float32 for the runtime), and every spelling :func:`onnx_spelling` gives for a drawn tconv
geometry runs in ONNX Runtime with tconv's numbers. The module is skipped when onnx or
onnxruntime is missing.
"""
from __future__ import annotations

import json
import re

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import tconv
from tconv.geometry import conv_transpose_geometry
from tconv.translate.onnx import ONNX_AUTO_PADS, onnx_attributes, onnx_conv_transpose, onnx_spelling

from onnx_runtime import require, run_node
from strategies import conv_geometry, rng_from, seeds

require()


def _tconv(x, w, geometry, groups=1):
    function = getattr(tconv, f"conv_transpose{geometry.ndim}d" if geometry.transposed else f"conv{geometry.ndim}d")
    kwargs = dict(stride=geometry.stride, padding=geometry.padding, dilation=geometry.dilation, groups=groups)
    if geometry.transposed:
        kwargs["output_padding"] = geometry.output_padding
    return function(x.astype(np.float64), w.astype(np.float64), method="matrix", **kwargs)


def _close(onnx_out, tconv_out, w):
    assert onnx_out.shape == tconv_out.shape
    scale = max(1.0, float(np.abs(tconv_out).max()))
    np.testing.assert_allclose(onnx_out, tconv_out, atol=1e-5 * scale * np.sqrt(w[0].size), rtol=0)


def _data(ndim, size, kernel, seed, c_in=2, c_out=3, groups=1):
    rng = rng_from(seed)
    x = rng.standard_normal((1, c_in) + tuple(size)).astype(np.float32)
    w = rng.standard_normal((c_in, c_out // groups) + tuple(kernel)).astype(np.float32)
    return x, w


# --------------------------------------------------------------------------- known placements (1-D, i = 4)


@pytest.mark.parametrize("k, s, auto_pad, begin_end, size", [
    (3, 2, "SAME_UPPER", (0, 1), 8),      # Keras' "same": the odd crop at the end
    (3, 2, "SAME_LOWER", (1, 0), 8),      # PyTorch's padding=1, output_padding=1
    (4, 2, "SAME_UPPER", (1, 1), 8),
    (5, 2, "SAME_LOWER", (2, 1), 8),
    (2, 1, "SAME_UPPER", (0, 1), 4),
    (3, 2, "VALID", (0, 0), 9),
])
def test_auto_pad_places_the_output_as_onnx_runtime_does(k, s, auto_pad, begin_end, size):
    t = onnx_conv_transpose(4, k, stride=s, auto_pad=auto_pad)
    assert t.tconv_padding == (begin_end,) and t.output_size == (size,) and t.runtime_agrees
    x, w = _data(1, (4,), (k,), seed=k * 10 + s)
    _close(run_node("ConvTranspose", x, w, kernel_shape=[k], strides=[s], auto_pad=auto_pad), _tconv(x, w, t.geometry),
           w)


@pytest.mark.parametrize("auto_pad, output_shape, begin_end, output_padding", [
    ("NOTSET", 8, (1, 0), 0),             # the larger half at the start
    ("SAME_LOWER", 6, (2, 1), 0),
    ("SAME_UPPER", 6, (1, 2), 0),         # the larger half at the end
    ("NOTSET", 3, (3, 3), 0),
    ("NOTSET", 10, (0, 0), 1),            # one zero appended: a larger output_padding
])
def test_output_shape_becomes_pads(auto_pad, output_shape, begin_end, output_padding):
    t = onnx_conv_transpose(4, 3, stride=2, auto_pad=auto_pad, output_shape=output_shape)
    assert t.tconv_padding == (begin_end,) and t.tconv_output_padding == (output_padding,)
    x, w = _data(1, (4,), (3,), seed=output_shape)
    onnx = run_node("ConvTranspose", x, w, kernel_shape=[3], strides=[2], auto_pad=auto_pad,
                    output_shape=[output_shape])
    _close(onnx, _tconv(x, w, t.geometry), w)


def test_same_lower_with_an_odd_total_is_pytorchs_spelling_and_same_upper_is_keras():
    lower = onnx_conv_transpose((4, 4), 3, stride=2, auto_pad="SAME_LOWER")
    upper = onnx_conv_transpose((4, 4), 3, stride=2, auto_pad="SAME_UPPER")
    assert lower.calls.torch == "nn.ConvTranspose2d(C_in, C_out, kernel_size=3, stride=2, padding=1, output_padding=1)"
    assert lower.calls.keras is None and upper.calls.torch is None
    assert upper.calls.keras == "keras.layers.Conv2DTranspose(C_out, kernel_size=3, strides=2, padding='same')"
    assert "no single PyTorch layer" in upper.note


# --------------------------------------------------------------------------- where the runtime and the text part


@pytest.mark.parametrize("k, s", [(2, 3), (1, 2), (2, 4)])
def test_same_with_a_kernel_shorter_than_the_stride(k, s):
    """The operator text says i*s; ONNX Runtime returns the full (i-1)s + k values. The explicit
    spelling tconv gives (pads 0, output_padding s - k) runs in ONNX Runtime with the text's size."""
    t = onnx_conv_transpose(4, k, stride=s, auto_pad="SAME_UPPER")
    assert t.output_size == (4 * s,) and t.runtime_output_size == (3 * s + k,) and not t.runtime_agrees
    assert "ONNX Runtime gives" in t.note
    x, w = _data(1, (4,), (k,), seed=s)
    runtime = run_node("ConvTranspose", x, w, kernel_shape=[k], strides=[s], auto_pad="SAME_UPPER")
    expected = _tconv(x, w, t.geometry)
    assert runtime.shape[-1] == t.runtime_output_size[0]
    _close(runtime, expected[..., :runtime.shape[-1]], w)                   # the same values, fewer zeros
    assert np.all(expected[..., runtime.shape[-1]:] == 0)
    explicit = run_node("ConvTranspose", x, w, **onnx_attributes(t.geometry))
    _close(explicit, expected, w)


@pytest.mark.parametrize("attributes, match", [
    (dict(pads=[-1, 0]), "pads"),
    (dict(output_padding=2), "output_padding"),
    (dict(output_shape=11), "out of reach"),
])
def test_what_onnx_refuses_is_refused(attributes, match):
    with pytest.raises(ValueError, match=match):
        onnx_conv_transpose(4, 3, stride=2, **attributes)
    x, w = _data(1, (4,), (3,), seed=1)
    node = dict(kernel_shape=[3], strides=[2])
    for key, value in attributes.items():
        node[key] = value if isinstance(value, list) else [value]
    with pytest.raises(Exception):                                             # ONNX Runtime refuses it too
        run_node("ConvTranspose", x, w, **node)


def test_bad_arguments_name_themselves():
    with pytest.raises(ValueError, match="auto_pad='SAME'"):
        onnx_conv_transpose(4, 3, auto_pad="SAME")
    with pytest.raises(ValueError, match="pads=.*auto_pad"):
        onnx_conv_transpose(4, 3, pads=[1, 1], auto_pad="SAME_UPPER")
    with pytest.raises(ValueError, match="2 ints"):
        onnx_conv_transpose(4, 3, pads=[1, 1, 1])


# --------------------------------------------------------------------------- drawn nodes and drawn geometries


@st.composite
def onnx_nodes(draw):
    ndim = draw(st.integers(1, 3))
    axes = []
    for _ in range(ndim):
        k, s, d = draw(st.integers(1, 4)), draw(st.integers(1, 3)), draw(st.integers(1, 2))
        axes.append((draw(st.integers(1, 4 if ndim < 3 else 3)), k, s, d, draw(st.integers(0, max(s, d) - 1))))
    size, kernel, stride, dilation, output_padding = (list(column) for column in zip(*axes))
    auto_pad = draw(st.sampled_from(ONNX_AUTO_PADS))
    attributes = dict(kernel_shape=kernel, strides=stride, dilations=dilation, output_padding=output_padding)
    if auto_pad != "NOTSET":
        attributes["auto_pad"] = auto_pad
    full = [(i - 1) * s + (k - 1) * d + 1 + a for i, k, s, d, a in zip(size, kernel, stride, dilation, output_padding)]
    choice = draw(st.sampled_from(["pads", "output_shape", "none"])) if auto_pad == "NOTSET" else \
        draw(st.sampled_from(["output_shape", "none"])) if auto_pad != "VALID" else "none"
    if choice == "pads":
        pairs = [(draw(st.integers(0, n // 2)), draw(st.integers(0, (n - 1) // 2))) for n in full]
        attributes["pads"] = [b for b, _ in pairs] + [e for _, e in pairs]
    elif choice == "output_shape":
        attributes["output_shape"] = [draw(st.integers(max(1, n - 3), n + max(s, d) - 1 - a))
                                      for n, s, d, a in zip(full, stride, dilation, output_padding)]
    return size, attributes


@settings(max_examples=60)
@given(onnx_nodes(), seeds)
def test_drawn_nodes_run_in_onnx_runtime_as_translated(node, seed):
    size, attributes = node
    try:
        t = onnx_conv_transpose(size, attributes["kernel_shape"], attributes["strides"], attributes.get("pads"),
                                attributes["output_padding"], attributes["dilations"],
                                attributes.get("auto_pad", "NOTSET"), attributes.get("output_shape"))
    except ValueError:
        return                                            # an output_shape tconv also refuses (checked above)
    x, w = _data(len(size), size, attributes["kernel_shape"], seed)
    if not t.runtime_accepts:
        with pytest.raises(Exception, match="output_padding"):
            run_node("ConvTranspose", x, w, **attributes)
        return
    runtime = run_node("ConvTranspose", x, w, **attributes)
    expected = _tconv(x, w, t.geometry)
    if t.runtime_agrees:
        _close(runtime, expected, w)
    else:
        _close(runtime, expected[tuple([...] + [slice(0, n) for n in t.runtime_output_size])], w)


@settings(max_examples=40)
@given(conv_geometry(max_groups=2), seeds)
def test_every_tconv_geometry_has_an_exact_onnx_node(case, seed):
    geometry = case.geometry()
    x, w, _ = case.arrays(rng_from(seed), dtype=np.float32)
    op = "ConvTranspose" if case.transposed else "Conv"
    if "refuses" in onnx_spelling(geometry, case.groups)[1]:
        with pytest.raises(Exception, match="output_padding"):
            run_node(op, x, w, **onnx_attributes(geometry, case.groups))
        return
    _close(run_node(op, x, w, **onnx_attributes(geometry, case.groups)), _tconv(x, w, geometry, case.groups), w)


@settings(max_examples=40)
@given(conv_geometry(transposed=True, max_groups=1), seeds)
def test_an_auto_pad_named_as_the_same_is_the_same(case, seed):
    geometry = case.geometry()
    call, note = onnx_spelling(geometry)
    x, w, _ = case.arrays(rng_from(seed), dtype=np.float32)
    for mode in ("SAME_UPPER", "SAME_LOWER"):
        found = re.search(rf"auto_pad='{mode}'( with output_padding=(\[[0-9, ]*\]))?", note)
        if found:
            output_padding = json.loads(found[2]) if found[2] else list(geometry.output_padding)
            out = run_node("ConvTranspose", x, w, kernel_shape=list(geometry.kernel_size),
                           strides=list(geometry.stride), dilations=list(geometry.dilation),
                           output_padding=output_padding, auto_pad=mode)
            _close(out, _tconv(x, w, geometry), w)


def test_the_spelling_in_tconv_explain():
    geometry = conv_transpose_geometry((4, 4), (3, 3), stride=2, padding=1, output_padding=1)
    call, note = onnx_spelling(geometry)
    assert call == "ConvTranspose(kernel_shape=[3, 3], strides=[2, 2], pads=[1, 1, 1, 1], output_padding=[1, 1])"
    assert "auto_pad='SAME_UPPER' and auto_pad='SAME_LOWER' are the same" in note
    call, note = onnx_spelling(conv_transpose_geometry((4,), (5,), stride=2, padding=((1, 3),), output_padding=1))
    assert note.endswith("auto_pad='SAME_UPPER' with output_padding=[0] is the same")


def test_output_padding_between_stride_and_dilation_is_onnx_text_but_not_runtime():
    t = onnx_conv_transpose(3, 2, stride=1, dilation=2, output_padding=1)
    assert t.output_size == (6,) and not t.runtime_accepts and "refuses" in t.note
