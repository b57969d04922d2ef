"""The receptive field of a stack, its footprint and its reach, against the operators themselves.

A stack of convolutions (and transposed convolutions) with all-ones weights is linear with
non-negative entries, so the input pixels an output depends on are exactly where its impulse
response is nonzero, and the response counts the paths: the footprint. Poolings are stood in
for by convolutions of the same kernel and stride (the same windows).
"""
from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import tconv
from tconv.explain.stack import describe_stack
from tconv.receptive_field import (format_layer, parse_stack, receptive_field, receptive_field_footprint,
                                   receptive_field_reach)

layer = st.tuples(st.integers(1, 4), st.integers(1, 2), st.integers(1, 3), st.integers(0, 2))


def _run(layers, x):
    """Apply the stack of ones-kernels to one signal (N = C = 1)."""
    for spec in layers:
        k, s, d = spec["kernel_size"], spec.get("stride", 1), spec.get("dilation", 1)
        p = spec.get("padding", 0)
        w = np.ones((1, 1, k))
        if spec.get("transposed"):
            x = tconv.conv_transpose1d(x, w, stride=s, padding=p, dilation=d)
        else:
            x = tconv.conv1d(x, w, stride=s, padding=p, dilation=d)
    return x


def _dependence(layers, length):
    """dep[o, i] = output o's response to an impulse at input i."""
    columns = []
    for i in range(length):
        impulse = np.zeros((1, 1, length))
        impulse[0, 0, i] = 1
        columns.append(_run(layers, impulse)[0, 0])
    return np.stack(columns, axis=1)


@given(st.lists(layer, min_size=1, max_size=4))
def test_footprint_and_field_of_a_stack_of_convolutions(specs):
    layers = [{"kernel_size": k, "stride": s, "dilation": d} for k, s, d, _ in specs]
    field = receptive_field(layers)
    dep = _dependence(layers, field + 40)
    row = dep[0]                                    # output 0 sees inputs 0 .. field - 1 (no padding)
    assert np.flatnonzero(row).max() == field - 1
    np.testing.assert_array_equal(row[:field], receptive_field_footprint(layers))


@settings(max_examples=25)
@given(st.lists(st.tuples(st.integers(1, 4), st.integers(0, 2)), min_size=1, max_size=3),
       st.integers(0, 3), st.integers(1, 2), st.integers(2, 4))
def test_reach_of_an_encoder_decoder_equals_the_impulse_responses(convs, p_up, pools, k_up):
    """Down by 2 `pools` times, back up with transposed layers: the reach is what the ones-stack depends on."""
    layers = []
    for k, p in convs:
        layers.append({"kernel_size": k, "padding": min(p, k - 1)})
    layers += [{"kernel_size": 2, "stride": 2}] * pools
    layers += [{"kernel_size": k_up, "stride": 2, "padding": min(p_up, k_up - 1), "transposed": True}] * pools
    length = 48
    dep = _dependence(layers, length)               # output j of the last transposed layer is at position j
    left = right = 0
    interior = range(16, min(dep.shape[0], length) - 16)
    for o in interior:
        inputs = np.flatnonzero(dep[o])
        if inputs.size:
            left, right = max(left, o - inputs.min()), max(right, inputs.max() - o)
    assert (left, right) == receptive_field_reach(layers)
    widest = max(np.ptp(np.flatnonzero(row)) + 1 for row in dep[list(interior)] if row.any())
    assert widest == receptive_field(layers)                # the field, followed back through the decoder


def test_unet_reach_and_the_gridding_numbers():
    unet3 = parse_stack("3p1 3p1 2s2 3p1 3p1 2s2 3p1 3p1 2s2 3p1 3p1 2s2t 3p1 3p1 2s2t 3p1 3p1 2s2t 3p1 3p1")
    assert receptive_field(unet3) == 100 and receptive_field_reach(unet3) == (51, 51)
    assert receptive_field_footprint([(3, 1, 2)] * 3).tolist() == [1, 0, 3, 0, 6, 0, 7, 0, 6, 0, 3, 0, 1]
    assert receptive_field_footprint([(3, 1, 1), (3, 1, 2), (3, 1, 5)]).min() > 0      # hybrid dilations
    with pytest.raises(ValueError, match="by phase"):
        receptive_field_footprint(parse_stack("2s2 4s2t"))
    with pytest.raises(ValueError, match="resolution"):
        receptive_field_reach(parse_stack("3 2s2"))


@pytest.mark.parametrize("text", ["3 3 2s2 3d2", "4s2p1t", "7s2p3, 3d4p4"])
def test_parse_and_format_round_trip(text):
    layers = parse_stack(text)
    assert parse_stack(" ".join(format_layer(layer) for layer in layers)) == layers


@pytest.mark.parametrize("text", ["", "3x3", "0", "3s0", "-3", "3d", "t4"])
def test_parse_refuses_what_is_no_layer(text):
    with pytest.raises(ValueError, match="K\\[sS\\]|empty"):
        parse_stack(text)


def test_describe_stack_says_what_the_numbers_say():
    text = "\n".join(describe_stack(parse_stack("3d2 3d2 3d2")))
    assert "13 input pixels" in text and "6 of the 13 offsets are never reached" in text
    assert "1 0 3 0 6 0 7 0 6 0 3 0 1" in text
    text = "\n".join(describe_stack(parse_stack("3d1p1 3d2p2 3d5p5")))
    assert "no gridding" in text and "reaches 8 pixels before and 8 after" in text


def test_explain_stack_from_the_command_line(capsys):
    from tconv.cli import main

    assert main(["explain", "--stack", "3", "3", "2s2", "3", "3"]) == 0
    out = capsys.readouterr().out
    assert "14 input pixels" in out and "10 + (3 - 1)·1·2 = 14" in out
    for argv, message in ((["explain", "--stack", "3q"], "is not K"),
                          (["explain", "--stack", "3", "--input", "4", "--kernel", "3"], "no geometry flags"),
                          (["explain", "--stack", "3", "--check"], "no --check")):
        assert main(argv) == 2
        err = capsys.readouterr().err
        assert err.startswith("tconv explain: error:") and message in err and len(err.splitlines()) == 1
