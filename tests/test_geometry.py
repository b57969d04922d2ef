"""Geometry: output sizes, padding modes, output_padding / output_size, the paper's equivalent conv.

The drawn :class:`strategies.ConvCase` computes its expected output size with the paper's
formulas on its own; tconv's geometry must agree with it.
"""
from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

import tconv
from tconv.geometry import (conv_geometry, conv_output_size, conv_transpose_geometry,
                            conv_transpose_output_size, effective_kernel, normalize_padding,
                            output_size_range)
from strategies import conv_geometry as cases


def k_hat(k, d):
    return d * (k - 1) + 1


# --------------------------------------------------------------------------- formulas


@given(st.integers(1, 9), st.integers(1, 5))
def test_effective_kernel(k, d):
    assert effective_kernel(k, d) == d * (k - 1) + 1
    assert effective_kernel(k) == k


@given(cases(transposed=False))
def test_conv_geometry_matches_the_formula(case):
    g = conv_geometry(case.input_size, case.kernel_size, case.stride, case.padding, case.dilation)
    assert g.padding == case.pads
    assert g.input_size == g.image_size == case.input_size
    assert g.output_size == g.feature_size == case.output_size
    assert not g.transposed
    assert g.output_padding == (0,) * case.ndim
    assert g.effective_kernel == tuple(k_hat(k, d) for k, d in zip(case.kernel_size, case.dilation))
    for axis in range(case.ndim):
        assert conv_output_size(case.input_size[axis], case.kernel_size[axis], case.stride[axis],
                                case.pads[axis], case.dilation[axis]) == case.output_size[axis]


@given(cases(transposed=True))
def test_conv_transpose_geometry_matches_the_formula(case):
    g = conv_transpose_geometry(case.input_size, case.kernel_size, case.stride, case.padding,
                                case.output_padding, case.dilation)
    assert g.transposed
    assert g.padding == case.pads
    assert g.input_size == g.feature_size == case.input_size
    assert g.output_size == g.image_size == case.output_size
    assert g.output_padding == case.output_padding
    for axis in range(case.ndim):
        assert conv_transpose_output_size(case.input_size[axis], case.kernel_size[axis], case.stride[axis],
                                          case.pads[axis], case.dilation[axis],
                                          case.output_padding[axis]) == case.output_size[axis]


@given(cases(transposed=True, restorable=True, allow_output_size=False))
def test_output_size_argument_gives_the_same_geometry(case):
    """Every spelling of ``output_size`` (spatial sizes, ``(N, C, *spatial)``, ``(C, *spatial)``,
    a bare int in 1-D) describes the same transposed convolution as ``output_padding``."""
    by_padding = case.geometry()
    spellings = [case.output_size, list(case.output_size), case.out_shape,
                 (case.c_out,) + case.output_size]
    if case.ndim == 1:
        spellings.append(case.output_size[0])
    for spelling in spellings:
        by_size = conv_transpose_geometry(case.input_size, case.kernel_size, case.stride, case.padding,
                                          0, case.dilation, output_size=spelling)
        assert by_size == by_padding, spelling


# --------------------------------------------------------------------------- output_padding


@given(cases(transposed=False))
def test_restoring_output_padding_restores_the_input_size(case):
    g = case.geometry()
    a = g.restoring_output_padding()
    expected = tuple((i + b + p - k_hat(k, d)) % s for i, k, s, (b, p), d in
                     zip(case.input_size, case.kernel_size, case.stride, case.pads, case.dilation))
    assert a == expected
    assert all(0 <= ai < s for ai, s in zip(a, case.stride))
    back = conv_transpose_geometry(g.output_size, case.kernel_size, case.stride, case.padding, a,
                                   case.dilation)
    assert back.output_size == case.input_size


@given(cases(transposed=True))
def test_restoring_output_padding_of_a_transposed_geometry_is_its_own(case):
    assert case.geometry().restoring_output_padding() == case.output_padding


@given(cases(transposed=False, padding_modes=("int", "tuple", "pairs", "valid")))
def test_inputs_sharing_one_output_size(case):
    """Every i in {i0, ..., i0+s-1} gives the same o, where (i0 + p - k̂) is a multiple of s."""
    g = case.geometry()
    for axis in range(case.ndim):
        i, k, s, pads, d = (case.input_size[axis], case.kernel_size[axis], case.stride[axis],
                            case.pads[axis], case.dilation[axis])
        i0 = i - (i + sum(pads) - k_hat(k, d)) % s
        assert (i0 + sum(pads) - k_hat(k, d)) % s == 0
        sizes = {conv_output_size(j, k, s, pads, d) for j in range(i0, i0 + s)}
        assert sizes == {g.output_size[axis]}
        assert conv_output_size(i0 + s, k, s, pads, d) == g.output_size[axis] + 1
        if i0 - 1 + sum(pads) >= k_hat(k, d):
            assert conv_output_size(i0 - 1, k, s, pads, d) == g.output_size[axis] - 1


@pytest.mark.parametrize("s, d, a, legal", [
    (2, 1, 1, True), (2, 1, 2, False), (1, 2, 1, True), (1, 2, 2, False), (3, 2, 2, True),
    (2, 3, 2, True), (2, 3, 3, False), (1, 1, 1, False), (1, 1, 0, True),
])
def test_output_padding_must_be_smaller_than_stride_or_dilation(s, d, a, legal):
    call = lambda: conv_transpose_geometry((3,), (3,), stride=s, dilation=d, output_padding=a)  # noqa: E731
    if legal:
        assert call().output_size == ((3 - 1) * s + k_hat(3, d) + a,)
    else:
        with pytest.raises(ValueError, match="output_padding"):
            call()


# --------------------------------------------------------------------------- output_size


@given(cases(transposed=True, allow_output_size=False, restorable=True), st.data())
def test_output_size_range_round_trips(case, data):
    """Any size in [o'(a=0), o'(a=0) + s - 1] gives exactly that size; anything else raises.

    (With padding large enough, o'(a=0) can be 0; sizes start at 1 regardless.)"""
    ranges = [output_size_range(i, k, s, p, d) for i, k, s, p, d in
              zip(case.input_size, case.kernel_size, case.stride, case.pads, case.dilation)]
    for (low, high), i, k, s, p, d in zip(ranges, case.input_size, case.kernel_size, case.stride,
                                          case.pads, case.dilation):
        assert low == conv_transpose_output_size(i, k, s, p, d, 0)
        assert high == low + s - 1
    assert all(low <= o <= high for o, (low, high) in zip(case.output_size, ranges))
    wanted = tuple(data.draw(st.integers(max(low, 1), high), label=f"size[{axis}]")
                   for axis, (low, high) in enumerate(ranges))
    g = conv_transpose_geometry(case.input_size, case.kernel_size, case.stride, case.padding, 0,
                                case.dilation, output_size=wanted)
    assert g.output_size == wanted
    assert g.output_padding == tuple(w - low for w, (low, _) in zip(wanted, ranges))

    axis = data.draw(st.integers(0, case.ndim - 1), label="bad axis")
    low, high = ranges[axis]
    bad = data.draw(st.sampled_from([v for v in (low - 1, high + 1, high + 5) if v >= 1]), label="bad size")
    wrong = wanted[:axis] + (bad,) + wanted[axis + 1:]
    lows = tuple(r[0] for r in ranges)
    highs = tuple(r[1] for r in ranges)
    with pytest.raises(ValueError, match="output_size") as info:
        conv_transpose_geometry(case.input_size, case.kernel_size, case.stride, case.padding, 0,
                                case.dilation, output_size=wrong)
    assert f"valid sizes range from {lows} to {highs}" in str(info.value)


def test_output_size_range_example():
    """REFERENCES: i'=4, k=3, s=2, p=1 allows 7 or 8."""
    assert output_size_range(4, 3, stride=2, padding=1) == (7, 8)
    for size in (7, 8):
        assert conv_transpose_geometry((4,), (3,), 2, 1, output_size=(size,)).output_size == (size,)
    for size in (6, 9):
        with pytest.raises(ValueError, match=r"output_size.*valid sizes range from \(7,\) to \(8,\)"):
            conv_transpose_geometry((4,), (3,), 2, 1, output_size=(size,))


def test_int_output_size_in_range():
    assert conv_transpose_geometry((4,), (3,), 2, 1, output_size=8).output_padding == (1,)


# --------------------------------------------------------------------------- padding modes


@given(st.integers(1, 3), st.data())
def test_padding_modes(ndim, data):
    ks = tuple(data.draw(st.integers(1, 5), label="k") for _ in range(ndim))
    ds = tuple(data.draw(st.integers(1, 3), label="d") for _ in range(ndim))
    sizes = tuple(data.draw(st.integers(1, 9), label="i") for _ in range(ndim))
    hats = tuple(k_hat(k, d) for k, d in zip(ks, ds))

    same = conv_geometry(sizes, ks, 1, "same", ds)
    assert same.output_size == sizes
    # The odd pixel of an even total goes after, as PyTorch does.
    assert same.padding == tuple(((h - 1) // 2, (h - 1) - (h - 1) // 2) for h in hats)

    full = conv_geometry(sizes, ks, 1, "full", ds)
    assert full.padding == tuple((h - 1, h - 1) for h in hats)
    assert full.output_size == tuple(i + h - 1 for i, h in zip(sizes, hats))

    if all(i >= h for i, h in zip(sizes, hats)):
        valid = conv_geometry(sizes, ks, 1, "valid", ds)
        assert valid.padding == ((0, 0),) * ndim
        assert valid.output_size == tuple(i - h + 1 for i, h in zip(sizes, hats))
    assert conv_geometry(sizes, ks, 1, "SAME", ds) == same  # case-insensitive

    # A stride-1 transposed conv with "same" keeps the size too, "full" undoes a full conv.
    assert conv_transpose_geometry(sizes, ks, 1, "same", 0, ds).output_size == sizes
    assert conv_transpose_geometry(full.output_size, ks, 1, "full", 0, ds).output_size == sizes


@given(st.integers(1, 3), st.integers(0, 3))
def test_padding_spellings_agree(ndim, p):
    ks, ds, ss = (3,) * ndim, (1,) * ndim, (1,) * ndim
    pairs = ((p, p),) * ndim
    assert normalize_padding(p, ks, ds, ss, ndim) == pairs
    assert normalize_padding((p,) * ndim, ks, ds, ss, ndim) == pairs
    assert normalize_padding(pairs, ks, ds, ss, ndim) == pairs
    assert normalize_padding([[p, p]] * ndim, ks, ds, ss, ndim) == pairs


def test_mixed_int_and_pair_padding():
    assert normalize_padding(((0, 1), 2), (3, 3), (1, 1), (1, 1), 2) == ((0, 1), (2, 2))
    g = conv_geometry((5, 5), (3, 3), padding=((0, 1), 2))
    assert g.output_size == (5 + 0 + 1 - 3 + 1, 5 + 2 + 2 - 3 + 1)
    assert not g.is_symmetric
    assert conv_geometry((5, 5), (3, 3), padding=1).is_symmetric


# --------------------------------------------------------------------------- the two directions


@given(cases(transposed=False))
def test_transpose_is_an_involution(case):
    g = case.geometry()
    t = g.transpose()
    assert t.transposed and not g.transposed
    assert t.input_size == g.output_size and t.output_size == g.input_size
    assert t.transpose() == g


@given(cases(transposed=True, restorable=True))
def test_transposed_geometry_is_the_conv_from_its_output_back(case):
    t = case.geometry()
    c = conv_geometry(t.output_size, case.kernel_size, case.stride, case.padding, case.dilation)
    assert c.output_size == t.input_size
    assert (c.image_size, c.feature_size, c.padding) == (t.image_size, t.feature_size, t.padding)
    assert c.restoring_output_padding() == t.output_padding


@given(cases(transposed=True))
def test_equivalent_conv_parameters(case):
    """The paper's primed parameters: zeros between, k̂-1-p before, k̂-1-p+a after, stride 1."""
    e = case.geometry().equivalent_conv()
    hats = tuple(k_hat(k, d) for k, d in zip(case.kernel_size, case.dilation))
    assert e["zeros_between"] == tuple(s - 1 for s in case.stride)
    assert e["stuffed_size"] == tuple((i - 1) * s + 1 for i, s in zip(case.input_size, case.stride))
    assert e["padding"] == tuple((h - 1 - b, h - 1 - p + a) for h, (b, p), a in
                                 zip(hats, case.pads, case.output_padding))
    assert e["stride"] == (1,) * case.ndim
    assert e["dilation"] == case.dilation
    assert e["output_size"] == case.output_size


def test_public_names():
    for name in ("conv_geometry", "conv_transpose_geometry", "conv_output_size",
                 "conv_transpose_output_size", "effective_kernel", "output_size_range", "ConvGeometry"):
        assert getattr(tconv, name) is getattr(tconv.geometry, name)
