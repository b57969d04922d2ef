"""Every view of one transposed convolution (tconv.viz.views) and the U-Net diagram (tconv.viz.unet).

The views are compared with a scatter loop written here; the U-Net's shapes with the rule of
Ronneberger et al. (2015) as most modern variants pad: each level halves the side and doubles
the channels.
"""
from __future__ import annotations

import os

os.environ.setdefault("MPLBACKEND", "Agg")

import numpy as np  # noqa: E402
import pytest  # noqa: E402
from test_viz_grids import all_text, loop_conv_transpose, overlapping, text_boxes  # noqa: E402

from tconv.geometry import conv_geometry, conv_transpose_geometry  # noqa: E402
from tconv.viz import UNetLevel, draw_unet, plot_views, unet_levels, views_data  # noqa: E402


@pytest.mark.parametrize("g", [
    conv_transpose_geometry((3, 3), (3, 3), stride=2, padding=1, output_padding=1),
    conv_geometry((4, 4), (3, 3)),                                  # a convolution: its C.T is drawn
    conv_transpose_geometry((4,), (3,), stride=2, dilation=2),
    conv_transpose_geometry((2, 2, 2), (2, 2, 2), stride=2),
])
def test_every_view_equals_the_scatter_loop(g):
    data = views_data(g, seed=4)
    t = data["geometry"]
    expected = loop_conv_transpose(data["input"], data["kernel"], t.stride, t.padding, t.dilation,
                                   t.restoring_output_padding())
    names = [name for name, _ in data["views"]]
    assert names[:3] == ["conv_transpose_matrix(w, ...) @ y", "reference.conv_transpose_scatter",
                         "reference.conv_transpose_zero_insertion"]
    assert any(name.startswith("autograd") for name in names) and names[-1].startswith("tconv.conv_transpose")
    for _, array in data["views"]:
        np.testing.assert_array_equal(array, expected)
    assert data["differences"] == [0.0] * len(names)


NOTES_TRANSPOSED = ["2", "9", "6", "1", "6", "29", "30", "7", "10", "29", "33", "13", "12", "24", "16", "4"]


def by_gid(figure, prefix):
    return {t.get_gid(): t.get_text() for ax in figure.axes for t in ax.texts if (t.get_gid() or "").startswith(prefix)}


def test_the_views_figure_shows_how_each_view_computes_the_same_pixel():
    figure = plot_views(conv_transpose_geometry((2, 2), (3, 3)))
    words = all_text(figure)
    assert words.count("= scatter-add") == 5 and "2 × 2 → 4 × 4" in words and "output[1,1] = 29 in each" in words
    for key in ("matrix", "scatter", "zero", "autograd", "fast"):          # every result is the notes' C.T y
        cells = by_gid(figure, f"views.result.{key}[")
        assert [cells[f"views.result.{key}[{r},{c}]"] for r in range(4) for c in range(4)] == NOTES_TRANSPOSED
    # the matrix view: row 5 of C.T (the notes' kernel taps that meet output [1,1]) dotted with y = [2, 1, 4, 4]
    row = by_gid(figure, "views.matrix[")
    y = by_gid(figure, "views.y[")
    entries = [float(row[f"views.matrix[0,{c}]"]) for c in range(4)]
    # K[1-m] for the input pixels m = (0,0), (0,1), (1,0), (1,1): K[1,1], K[1,0], K[0,1], K[0,0]
    assert entries == [4, 1, 4, 1] and [y[f"views.y[0,{c}]"] for c in range(4)] == ["2", "1", "4", "4"]
    assert sum(e * float(y[f"views.y[0,{c}]"]) for c, e in enumerate(entries)) == 29
    # the fast path: the columns W.T y (tap by input pixel) hold w[t] * y[m]
    columns = by_gid(figure, "views.columns[")
    assert columns["views.columns[0,0]"] == "2" and columns["views.columns[4,1]"] == "4"
    assert overlapping(text_boxes(figure)) == []


def test_a_1d_views_figure_prints_the_differences_on_one_scale():
    figure = plot_views(conv_transpose_geometry((3,), (3,), stride=2))
    words = all_text(figure)
    assert words.count("max |difference from the scatter-add| = 0") == 5 and "they agree" in words
    images = [ax.get_images()[0] for ax in figure.axes if ax.get_images()]
    assert len({image.get_clim() for image in images}) == 1


def test_unet_levels_halve_the_side_and_double_the_channels():
    levels = unet_levels(depth=3, base=8, size=32, in_channels=3, classes=4, up="bilinear")
    sides = [(lv.side, lv.level, lv.shape) for lv in levels]
    assert sides == [("input", 0, (3, 32, 32)), ("encoder", 0, (8, 32, 32)), ("encoder", 1, (16, 16, 16)),
                     ("encoder", 2, (32, 8, 8)), ("bottleneck", 3, (64, 4, 4)), ("decoder", 2, (32, 8, 8)),
                     ("decoder", 1, (16, 16, 16)), ("decoder", 0, (8, 32, 32)), ("head", 0, (4, 32, 32))]


def test_the_unet_diagram_names_shapes_and_the_upsampling():
    figure = draw_unet(unet_levels(depth=2, up="resize"), up="resize")
    words = all_text(figure)
    for label in ("encoder, level 0", "bottleneck", "decoder, level 1", "16 ch × 64 × 64", "64 ch × 16 × 16",
                  "max-pool 2×2", "resize ×2 (nearest) + conv 3×3", "copy and concatenate (32 ch)", "output"):
        assert label in words, label
    assert overlapping(text_boxes(figure)) == []


def test_a_summary_fed_diagram_shows_parameter_counts():
    levels = [UNetLevel(0, "input", (1, 8, 8), "image"), UNetLevel(0, "encoder", (4, 8, 8), "conv", params=40),
              UNetLevel(1, "bottleneck", (8, 4, 4), "conv", params=296),
              UNetLevel(0, "decoder", (4, 8, 8), "conv", params=580), UNetLevel(0, "head", (2, 8, 8), "1x1", 10)]
    assert "296 parameters" in all_text(draw_unet(levels, "from a summary"))


def test_unet_arguments_are_checked():
    with pytest.raises(ValueError, match="size=100 must be divisible by 2\\*\\*depth = 8"):
        unet_levels(size=100)
    with pytest.raises(ValueError, match="up='deconv' must be one of"):
        unet_levels(up="deconv")
    with pytest.raises(ValueError, match="side='left'"):
        UNetLevel(0, "left", (1, 2), "x")
