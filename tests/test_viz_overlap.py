"""The checkerboard lab (tconv.viz.overlap) against Distill's counts (Odena, Dumoulin & Olah 2016).

Known values (docs/references.md): over 8 input ones in 1-D, k=3, s=2 gives 1 1 2 1 2 ... 2 1 1
(length 17); k=4, s=2 gives 1 1 2 2 ... 2 2 1 1; k=2, s=2 all ones; in 2-D the map is the outer
product (k=3, s=2 on 4x4 ones: 9x9 with values {1, 2, 4}). The gradient of a strided
convolution is checked against a scatter loop written here.
"""
from __future__ import annotations

import os

os.environ.setdefault("MPLBACKEND", "Agg")

import numpy as np  # noqa: E402
import pytest  # noqa: E402
from test_viz_grids import loop_conv_transpose, overlapping, text_boxes  # noqa: E402

from tconv.viz import (overlap_counts, plot_checkerboard_lab, plot_gradient_checkerboard, plot_overlap,  # noqa: E402
                       plot_upsampling)
from tconv.viz.overlap import gradient_maps, upsampling_outputs  # noqa: E402


def test_distill_counts_in_1d():
    assert overlap_counts(3, 2).astype(int).tolist() == [1, 1] + [2, 1] * 6 + [2, 1, 1]
    assert overlap_counts(4, 2).astype(int).tolist() == [1, 1] + [2] * 14 + [1, 1]
    assert overlap_counts(2, 2).astype(int).tolist() == [1] * 16


def test_distill_counts_in_2d_are_the_outer_product():
    two = overlap_counts(3, 2, 4, ndim=2)
    one = overlap_counts(3, 2, 4)
    assert two.shape == (9, 9) and set(np.unique(two).tolist()) == {1.0, 2.0, 4.0}
    np.testing.assert_array_equal(two, np.outer(one, one))


def test_the_counts_figure_writes_the_counts():
    figure = plot_overlap(3, 2)
    one_d = [t.get_text() for t in figure.axes[0].texts]
    assert one_d == [str(v) for v in [1, 1] + [2, 1] * 6 + [2, 1, 1]]
    two_d = [int(t.get_text()) for t in figure.axes[1].texts]
    assert len(two_d) == 81 and sorted(set(two_d)) == [1, 2, 4]
    assert figure.axes[0].get_xlabel() == "output position"


@pytest.mark.parametrize("k", [3, 4])
def test_one_colour_scale_for_every_upsampling_panel(k):
    figure = plot_upsampling(k, 2)
    images = [ax.get_images()[0] for ax in figure.axes if ax.get_images()]
    assert len(images) == (4 if k % 2 else 3)
    assert len({image.get_clim() for image in images}) == 1                     # one shared scale
    assert len({id(image.norm) for image in images}) == 1
    colorbars = [ax for ax in figure.axes if ax.get_label() == "<colorbar>"]
    assert len(colorbars) == 1 and "one scale" in colorbars[0].get_ylabel()
    titles = [ax.get_title() for ax in figure.axes if ax.get_images()]
    assert all("interior spread (max − min)/mean = " in title for title in titles)


def test_the_spreads_rank_the_remedies():
    values = [entry["spread"] for entry in upsampling_outputs(3, 2)]
    assert values[0] > 0.5                           # k=3, s=2: a strong checkerboard
    assert 0 < values[1] < values[0]                 # k=4: even overlap, still uneven phases
    assert values[2] == pytest.approx(0, abs=1e-12) and values[3] == pytest.approx(0, abs=1e-12)


def test_the_gradient_of_a_strided_convolution_is_a_transposed_convolution():
    strided, flat = gradient_maps(3, 2, size=9, seed=0)
    kernel = np.random.default_rng(0).uniform(0.5, 1.5, size=(1, 1, 3, 3))[0, 0]
    expected = loop_conv_transpose(np.ones((4, 4)), kernel, (2, 2), [(0, 0)] * 2, (1, 1), (0, 0))
    np.testing.assert_allclose(strided["image"], expected, rtol=1e-12)
    assert strided["spread"] > 0.3 and flat["spread"] == pytest.approx(0, abs=1e-12)
    figure = plot_gradient_checkerboard(3, 2)
    assert len({ax.get_images()[0].get_clim() for ax in figure.axes if ax.get_images()}) == 1


def test_the_lab_in_one_figure_has_no_overlapping_text():
    figure = plot_checkerboard_lab(3, 2)
    assert len(figure.subfigs) == 3
    boxes = text_boxes(figure)
    assert overlapping(boxes) == []
    assert min(t.get_fontsize() for t, _ in boxes) >= 9


def test_out_of_range_arguments_are_named():
    with pytest.raises(ValueError, match="kernel_size=0 must be an int from 1 to 9"):
        overlap_counts(0, 2)
    with pytest.raises(ValueError, match="stride=1 must be at least 2"):
        upsampling_outputs(3, 1)
