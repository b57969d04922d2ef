"""The new figures draw the library's own numbers (read back from the drawn artists).

* phases: each output cell's number is the overlap count (a transposed convolution of ones,
  computed here), its colour the colour of the phase of the taps that write it;
* gridding: the crosses are the footprint's zeros; the weight map's panels are the map;
* unpooling: the drawn values are max pooling's and max unpooling's; tiling: one kept region per tile;
* the decoder study: the flat panels are the recorded outputs, one frame per recorded step.
"""
from __future__ import annotations

import numpy as np
import pytest

import tconv
from tconv.geometry import conv_transpose_geometry
from tconv.receptive_field import parse_stack, receptive_field_footprint


@pytest.mark.parametrize("k, s, p, a", [(3, 2, 1, 1), (4, 2, 1, 0), (5, 3, 1, 0), (2, 2, 0, 0)])
def test_phases_figure_numbers_each_output_pixel_with_its_overlap_count(k, s, p, a):
    from tconv.viz.phases import phase_colours, plot_phases

    g = conv_transpose_geometry((4, 4), (k, k), stride=s, padding=p, output_padding=a)
    fig = plot_phases(g)
    ax = fig.axes[0]
    counts = tconv.conv_transpose2d(np.ones((1, 1, 4, 4)), np.ones((1, 1, k, k)), stride=s, padding=p,
                                    output_padding=a)[0, 0]
    x0 = ax.get_xlim()[1] - 0.2 - g.image_size[1]
    colours = phase_colours(g.stride)
    drawn = {}
    for patch in ax.patches:
        x, y = patch.get_xy()
        if x >= x0 - 1e-9:
            drawn[(int(round(y - 0.5)), int(round(x - x0)))] = patch.get_facecolor()[:3]
    numbers = {}
    for text in ax.texts:
        x, y = text.get_position()
        if x > x0 and text.get_text().isdigit() and y > 0.5:
            numbers[(int(y - 1.0), int(x - x0 - 0.5))] = int(text.get_text())
    assert len(numbers) == counts.size
    for (r, c), value in numbers.items():
        assert value == counts[r, c]
        if value:
            np.testing.assert_allclose(drawn[(r, c)], colours[(r % s, c % s)], atol=1e-6)


def test_gridding_figure_crosses_the_unreached_pixels():
    from tconv.viz.receptive import plot_gridding

    fig = plot_gridding(["3d2 3d2", "3 3d2 3d3"])
    holes = [len(collection.get_offsets()) for ax in fig.axes[:2] for collection in ax.collections]
    footprint = receptive_field_footprint(parse_stack("3d2 3d2"))
    assert holes == [int((np.outer(footprint, footprint) == 0).sum())]     # the second stack has none
    with pytest.raises(ValueError, match="too large"):
        plot_gridding(["3d30 3d30"])


def test_weight_map_figure_shows_the_map():
    from tconv.seg.losses import unet_weight_map
    from tconv.viz.weight_map import plot_weight_map, touching_cells

    fig = plot_weight_map(w0=8, sigma=4)
    image = fig.axes[3].images[0].get_array()
    np.testing.assert_allclose(image, unet_weight_map(touching_cells(), 8, 4))


def test_unpooling_figure_values():
    from tconv.viz.unpooling import EXAMPLE, plot_unpooling

    fig = plot_unpooling()
    y, idx = tconv.max_pool2d(EXAMPLE[None, None], 2, return_indices=True)
    unpooled = tconv.max_unpool2d(y, idx, 2)[0, 0]
    drawn = [float(t.get_text()) for t in fig.axes[2].texts]
    assert drawn == unpooled.ravel().tolist()
    with pytest.raises(ValueError, match="even sides"):
        plot_unpooling(np.ones((3, 4)))


def test_tiling_figure_draws_one_kept_region_per_tile():
    from tconv.seg.models import UNet
    from tconv.seg.train.tiling import tiles
    from tconv.viz.tiling import plot_overlap_tile

    fig = plot_overlap_tile(size=(200, 300), tile=200)
    n = len(tiles(UNet(base=1, depth=3), (200, 300), 200))
    assert len(fig.axes[0].patches) == n + 2                       # kept regions, plus one tile's window and core


def test_decoder_study_figures():
    from tconv.seg.train.decoders import BORDER, train_decoders
    from tconv.viz.checkerboards import animate_decoder_study, plot_decoder_study

    study = train_decoders(["k3s2", "shuffle_icnr"], steps=3, snapshots=(0, 1, 3))
    fig = plot_decoder_study(study)
    shown = fig.axes[0].images[0].get_array()
    flat = study.runs["k3s2"].flat[-1][BORDER:-BORDER, BORDER:-BORDER]
    np.testing.assert_allclose(shown, flat - flat.mean(), atol=1e-7)
    animation = animate_decoder_study(study)
    assert animation.n_frames == 3
    animation.draw(0)
    assert animation.figure.axes[0].get_title().endswith(f"spread {study.runs['k3s2'].spread[0]:.2g}")
