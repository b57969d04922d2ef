"""The network diagrams: read from built models, drawn as Ronneberger et al. (2015, figure 1) draw a U-Net.

The reference is the architecture as the papers state it, not the drawing code: a U-Net of depth
D and base width b has b * 2**l channels at side size / 2**l on level l (each max-pooling halves
the side, each level doubles the channels, and the decoder mirrors the encoder); an FCN-16s-style
net scores at 1/8 and fuses with scores of the 1/4 features by addition (Long et al. 2015); V-Net
(Milletari et al. 2016) goes down by strided convolutions, not pooling, in residual stages. In the
drawing a bar's height must follow the side and its width the channels.
"""
from __future__ import annotations

import os

os.environ.setdefault("MPLBACKEND", "Agg")

import pytest  # noqa: E402

from tconv.seg.models import FCN, UNet, VNet  # noqa: E402
from tconv.viz.kinds import make_figure  # noqa: E402
from tconv.viz.networks import network_diagram  # noqa: E402


@pytest.mark.parametrize("depth, base, size", [(3, 16, 64), (2, 4, 16)])
def test_a_unet_diagram_has_the_papers_channels_and_sides(depth, base, size):
    diagram = network_diagram(UNet(1, 2, base, depth), size)
    features = [m for m in diagram.maps if m.role in ("feature", "copied")]
    assert features and all((m.channels, m.side) == (base * 2 ** m.level, size // 2 ** m.level) for m in features)
    assert max(m.level for m in diagram.maps) == depth
    ops = [link.op for link in diagram.links]
    assert ops.count("pool") == depth and ops.count("up") == depth and ops.count("copy") == depth
    head = [m for m in diagram.maps if m.role == "output"]
    assert [(m.channels, m.side) for m in head] == [(2, size)]


def test_an_fcn_scores_at_an_eighth_and_fuses_at_a_quarter():
    diagram = network_diagram(FCN(1, 3, base=8), 64)
    scores = {(m.side, m.channels) for m in diagram.maps if m.role == "scores"}
    assert (64 // 8, 3) in scores and (64 // 4, 3) in scores
    assert [link.op for link in diagram.links].count("add") >= 1
    assert [(m.side, m.channels) for m in diagram.maps if m.role == "output"] == [(64, 3)]


def test_a_vnet_goes_down_by_strided_convolutions_in_residual_stages():
    diagram = network_diagram(VNet(1, 2, base=4, depth=2), 16)
    ops = {link.op for link in diagram.links}
    assert diagram.dims == 3 and "down" in ops and "residual" in ops and "pool" not in ops
    assert {m.side for m in diagram.maps} == {16, 8, 4}


@pytest.mark.parametrize("kind, options", [("unet", {}), ("vnet", {"base": 8, "size": 32}), ("fcn", {})])
def test_bars_are_as_tall_as_the_side_and_as_wide_as_the_channels(kind, options):
    """Pairing-free: the bars' heights relative to the tallest are the sides relative to the input's, and the widths
    of bars above the thinnest drawable line are the channel counts relative to the widest map's."""
    from matplotlib.patches import Rectangle

    model = {"unet": lambda: UNet(1, 2, 16, 3), "vnet": lambda: VNet(1, 2, 8, 3), "fcn": lambda: FCN(1, 2, 16)}[kind]()
    diagram = network_diagram(model, options.get("size", 64))
    figure = make_figure(kind, style="slide", **options)
    bars = [p for ax in figure.axes for p in ax.patches if isinstance(p, Rectangle) and p.get_zorder() == 3]
    assert len(bars) == len(diagram.maps)
    tallest, widest = max(b.get_height() for b in bars), max(b.get_width() for b in bars)
    size, most = max(m.side for m in diagram.maps), max(m.channels for m in diagram.maps)
    heights = sorted({round(b.get_height() / tallest, 6) for b in bars})
    assert heights == sorted({round(m.side / size, 6) for m in diagram.maps})
    floor = min(b.get_width() for b in bars)
    widths = {round(b.get_width() / widest, 6) for b in bars if b.get_width() > floor + 1e-9}
    assert widths and widths <= {round(m.channels / most, 6) for m in diagram.maps}
    labels = {t.get_text() for ax in figure.axes for t in ax.texts}
    assert {str(m.channels) for m in diagram.maps if m.role == "feature"} <= labels | {
        t.split("+")[1] for t in labels if "+" in t}
