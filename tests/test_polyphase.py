"""The polyphase view, checked against the definition ``j = m*s - p + t*d`` and the explicit matrix.

* every kernel tap belongs to exactly one phase, ``(t*d - p) mod s`` (written out here);
* each output phase of a transposed convolution is the stride-1 convolution of the input with
  its sub-kernel (a loop over taps written here, not tconv's);
* the sub-kernels read off the matrix ``C`` equal the weight's taps of each phase;
* a transposed convolution whose output is ``s`` times its input is a sub-pixel convolution
  (stride-1 convolution + pixel shuffle), Shi et al. 2016 section 2.2;
* ``method="polyphase"`` is held to the matrix by tests/test_views.py like every method.
"""
from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import tconv
from tconv.geometry import conv_transpose_geometry
from tconv.polyphase import axis_phases, matrix_sub_kernels, phase_of_tap, phases, sub_kernel, sub_pixel_weight

axes = st.tuples(st.integers(1, 6), st.integers(1, 6), st.integers(1, 4), st.integers(0, 3), st.integers(1, 3))


def _transposed_1d(y, w, s, p, d, out):
    """The scatter-add, written here: input m paints w[t] at m*s - p + t*d."""
    x = np.zeros(out)
    for m, value in enumerate(y):
        for t, tap in enumerate(w):
            j = m * s - p + t * d
            if 0 <= j < out:
                x[j] += value * tap
    return x


@given(axes)
def test_every_tap_is_in_exactly_one_phase(axis):
    i, k, s, p, d = axis
    p = min(p, ((i - 1) * s + d * (k - 1)) // 2)      # a valid transposed geometry (output >= 1)
    g = conv_transpose_geometry((i,), (k,), stride=s, padding=p, dilation=d)
    seen = [t for a in axis_phases(g.image_size[0], i, k, s, p, d) for t in a.taps]
    assert len(seen) == len(set(seen))
    for a in axis_phases(g.image_size[0], i, k, s, p, d):
        assert all((t * d - p) % s == a.phase for t in a.taps)
        assert all(phase_of_tap((t,), g) == (a.phase,) for t in a.taps)
        assert a.dilation == d // np.gcd(s, d)


@given(axes, st.integers(0, 2**32 - 1))
def test_each_output_phase_is_a_stride_1_convolution_with_its_sub_kernel(axis, seed):
    i, k, s, p, d = axis
    p = min(p, ((i - 1) * s + d * (k - 1)) // 2)
    rng = np.random.default_rng(seed)
    y, w = rng.integers(-3, 4, i).astype(float), rng.integers(-3, 4, k).astype(float)
    g = conv_transpose_geometry((i,), (k,), stride=s, padding=p, dilation=d)
    out = g.image_size[0]
    whole = _transposed_1d(y, w, s, p, d, out)
    covered = np.zeros(out, bool)
    for phase in phases(g):
        (a,) = phase.axes
        sub = sub_kernel(w[None, None], phase)[0, 0]
        # q in the phase reads y[q - f_t] with f_t = (t*d - p - c) / s, i.e. a stride-1 correlation
        positions = np.arange(a.phase, out, s)
        expected = np.zeros(len(positions))
        for n, j in enumerate(positions):
            for t, tap in zip(a.taps, sub):
                m = (j + p - t * d) // s
                if 0 <= m < i and m * s - p + t * d == j:
                    expected[n] += y[m] * tap
        np.testing.assert_array_equal(whole[positions], expected)
        got = tconv.conv_transpose1d(y[None, None, a.feature[0]:a.feature[1]], sub[None, None], stride=1,
                                     padding=phase.geometry.padding, dilation=a.dilation)[0, 0]
        sl = phase.image_index[0]
        np.testing.assert_array_equal(whole[sl], got)
        covered[sl] = True
    assert not whole[~covered].any()              # positions no phase writes are holes: zero


def test_kernel_3_stride_2_phases_hold_2_and_1_taps_kernel_4_holds_2_and_2():
    g3 = conv_transpose_geometry((4,), (3,), stride=2, padding=1, output_padding=1)
    g4 = conv_transpose_geometry((4,), (4,), stride=2, padding=1)
    assert sorted(len(p.taps[0]) for p in phases(g3)) == [1, 2]       # uneven: the checkerboard
    assert sorted(len(p.taps[0]) for p in phases(g4)) == [2, 2]
    # the phases of a 2-D kernel-3 stride-2 layer hold 1, 2, 2 and 4 taps: 1, 2, 4 of the overlap counts
    g = conv_transpose_geometry((4, 4), (3, 3), stride=2, padding=1, output_padding=1)
    assert sorted(int(np.prod([len(t) for t in p.taps])) for p in phases(g)) == [1, 2, 2, 4]


@given(st.integers(1, 4), st.integers(1, 3), st.integers(0, 2), st.integers(0, 2**32 - 1))
def test_sub_kernels_read_off_the_matrix(k, s, p, seed):
    k, p = k + 1, min(p, k)                               # k >= 2, p <= k - 1
    w = np.random.default_rng(seed).integers(1, 9, (1, 1, k, k)).astype(float)
    g = conv_transpose_geometry((6, 6), (k, k), stride=s, padding=p)
    C_T = tconv.conv_transpose_matrix(w, (1, 6, 6), stride=s, padding=p)
    read = matrix_sub_kernels(C_T)
    expected = {phase.phase: sub_kernel(w, phase)[0, 0] for phase in phases(g)}
    assert set(read) == set(expected)
    for key, kernel in expected.items():
        np.testing.assert_array_equal(read[key], kernel)
    # the same from C (the convolution's matrix, image side = its columns)
    C = tconv.conv_matrix(w, (1,) + g.image_size, stride=s, padding=p)
    assert {key: v.tolist() for key, v in matrix_sub_kernels(C).items()} == \
        {key: v.tolist() for key, v in read.items()}


@pytest.mark.parametrize("k, s, p, a", [(4, 2, 1, 0), (3, 2, 1, 1), (2, 2, 0, 0), (6, 3, 2, 1), (5, 2, 2, 1),
                                        (1, 2, 0, 1), (3, 3, 0, 0), (8, 4, 2, 0)])
def test_transposed_convolution_is_a_sub_pixel_convolution(k, s, p, a):
    """pixel_shuffle(conv2d(y, W', padding)) == conv_transpose2d(y, w): Shi et al. 2016, section 2.2."""
    rng = np.random.default_rng(k * 10 + s)
    size = (5, 4)
    g = conv_transpose_geometry(size, (k, k), stride=s, padding=p, output_padding=a)
    assert g.image_size == (s * 5, s * 4)
    y, w = rng.standard_normal((2, 3) + size), rng.standard_normal((3, 2, k, k))
    conv_w, padding = sub_pixel_weight(w, g)
    assert conv_w.shape[:2] == (2 * s * s, 3)
    expected = tconv.conv_transpose2d(y, w, stride=s, padding=p, output_padding=a, method="reference")
    got = tconv.pixel_shuffle(tconv.conv2d(y, conv_w, padding=padding, method="reference"), s)
    np.testing.assert_allclose(got, expected, atol=1e-12)


def test_sub_pixel_weight_refuses_what_it_cannot_rewrite():
    with pytest.raises(ValueError, match="exactly stride x the input"):
        sub_pixel_weight(np.ones((1, 1, 3, 3)), conv_transpose_geometry((4, 4), (3, 3), stride=2))
    with pytest.raises(ValueError, match="transposed"):
        sub_pixel_weight(np.ones((1, 1, 3, 3)), tconv.conv_geometry((4, 4), (3, 3)))


def test_polyphase_method_on_the_decoders_layers_equals_unfold():
    rng = np.random.default_rng(3)
    y = rng.standard_normal((2, 16, 8, 8)).astype(np.float32)
    w = rng.standard_normal((16, 8, 4, 4)).astype(np.float32)
    a = tconv.conv_transpose2d(y, w, stride=2, padding=1, method="polyphase")
    b = tconv.conv_transpose2d(y, w, stride=2, padding=1, method="unfold")
    assert a.dtype == np.float32 and a.shape == (2, 8, 16, 16)
    np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-5)


def test_polyphase_method_through_the_autograd():
    """The differentiable ops run the method for the three products: gradients equal the matrix method's."""
    from tconv import Tensor
    import tconv.nn.functional as F

    rng = np.random.default_rng(4)
    grads = {}
    for method in ("polyphase", "matrix"):
        x = Tensor(rng.standard_normal((1, 2, 3, 3)), requires_grad=True)
        w = Tensor(np.arange(2 * 3 * 9, dtype=float).reshape(2, 3, 3, 3) / 10, requires_grad=True)
        out = F.conv_transpose2d(x, w, stride=2, padding=1, output_padding=1, method=method)
        out.backward(np.linspace(-1, 1, out.size).reshape(out.shape))
        grads[method] = (out.data, x.grad, w.grad)
        rng = np.random.default_rng(4)
    for mine, matrix in zip(grads["polyphase"], grads["matrix"]):
        np.testing.assert_allclose(mine, matrix, atol=1e-12)
