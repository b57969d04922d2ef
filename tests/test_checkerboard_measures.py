"""The checkerboard measures against the DFT and loops, and the decoder study's starting points.

* the image's DFT at ``(a·H/s, b·W/s)`` equals the ``s x s`` DFT of its phase sums (so the
  energy there is zero exactly when the phase sums agree);
* a pure checkerboard has all its energy there, nearest upsampling none;
* the decoders: ICNR (weights and bias repeated per phase) starts with every phase equal, a
  random pixel shuffle or transposed convolution does not; runs are reproducible.
"""
from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from tconv.seg.metrics import checkerboard_energy, phase_means, phase_spread
from tconv.seg.train.decoders import decoder_network, train_decoders


@given(st.integers(1, 4), st.integers(1, 5), st.integers(1, 5), st.integers(0, 2**32 - 1))
def test_stride_frequencies_are_the_dft_of_the_phase_sums(s, bh, bw, seed):
    image = np.random.default_rng(seed).standard_normal((s * bh, s * bw))
    spectrum = np.fft.fft2(image)
    sums = np.array([[image[a::s, b::s].sum() for b in range(s)] for a in range(s)])
    np.testing.assert_allclose(spectrum[::bh, ::bw], np.fft.fft2(sums), atol=1e-9)
    centred = image - image.mean()
    power = np.abs(np.fft.fft2(centred)) ** 2
    expected = (power[::bh, ::bw].sum()) / power.sum() if power.sum() > 0 else 0.0    # (0, 0) is 0 after centring
    np.testing.assert_allclose(checkerboard_energy(image, s), expected, atol=1e-12)
    means = np.array([[image[a::s, b::s].mean() for b in range(s)] for a in range(s)])
    np.testing.assert_allclose(phase_means(image, s), means)
    np.testing.assert_allclose(phase_spread(image, s), means.max() - means.min())


def test_known_values_and_batches():
    board = (np.indices((6, 6)).sum(axis=0) % 2).astype(float)
    assert checkerboard_energy(board, 2) == pytest.approx(1.0)
    assert checkerboard_energy(np.kron(np.random.default_rng(0).random((5, 5)), np.ones((2, 2))), 2) < 1e-25
    assert checkerboard_energy(np.ones((4, 4)), 2) == 0.0
    batch = np.stack([board, board + 3, np.ones((6, 6))])
    np.testing.assert_allclose(checkerboard_energy(batch, 2), [1.0, 1.0, 0.0])
    assert phase_means(np.arange(36.0).reshape(6, 6), 2, border=1).shape == (2, 2)
    with pytest.raises(ValueError, match="no whole 3 x 3 block"):
        phase_means(np.ones((4, 4)), 3, border=1)


def test_icnr_starts_flat_and_random_sub_kernels_do_not():
    flat = np.full((1, 1, 12, 12), 0.25, np.float32)
    icnr = decoder_network("shuffle_icnr")(flat).data[0, 0]
    assert phase_spread(icnr, 2, border=6) == 0.0 and checkerboard_energy(icnr, 2) < 1e-20
    for kind in ("k3s2", "k4s2", "shuffle"):
        out = decoder_network(kind)(flat).data[0, 0]
        assert phase_spread(out, 2, border=6) > 0.01, kind
    resize = decoder_network("resize")(flat).data[0, 0]
    assert phase_spread(resize, 2, border=6) < 1e-6                   # every output pixel sees all nine taps


def test_the_study_is_reproducible_and_records_each_snapshot():
    a = train_decoders(["k3s2", "resize"], steps=6, snapshots=(0, 3, 6))
    b = train_decoders(["k3s2", "resize"], steps=6, snapshots=(0, 3, 6))
    assert a.steps == [0, 3, 6] and a.runs["k3s2"].loss == b.runs["k3s2"].loss
    assert a.runs["k3s2"].loss[-1] < a.runs["k3s2"].loss[0]          # it learns
    assert a.runs["k3s2"].flat[0].shape == (32, 32) and a.runs["resize"].test[0].shape == (32, 32)
    with pytest.raises(ValueError, match="kinds='k5'"):
        train_decoders(["k5"], steps=1)
    with pytest.raises(ValueError, match="snapshots"):
        train_decoders(["k3s2"], steps=3, snapshots=(0, 5))
