"""Slides: one canvas for every figure, no text under 18 pixels (read back from the rendered figure), no text at all
with ``no_text``.

The text rule is checked on the drawn figure, not on the style's numbers: every visible text is laid
out by Agg at the slide's 150 dpi, its window extent is read back, and its height per line is turned
into the rendered em (the font's line height per em is measured once, from a 100 pt line drawn by the
same renderer). A deliberately small text is caught, so the check can fail.
"""
from __future__ import annotations

import io
import math
import os

os.environ.setdefault("MPLBACKEND", "Agg")

import pytest  # noqa: E402
from PIL import Image  # noqa: E402

from tconv.geometry import conv_geometry, conv_transpose_geometry  # noqa: E402
from tconv.viz.kinds import make_figure  # noqa: E402
from tconv.viz.pack import pack_entries  # noqa: E402
from tconv.viz.style import SLIDE_DPI, SLIDE_MIN_PIXELS, as_style, styled  # noqa: E402

SLIDE_PIXELS = (1920, 1080)
HISTORY = [{"epoch": e, "train_loss": 1.0 / e, "val_loss": 1.2 / e, "val_miou": 0.3 + 0.1 * e} for e in (1, 2, 3)]


def _rendered(fig):
    """Draw ``fig`` as PNG at the slide's dpi; return (pixel size of the PNG, the Agg renderer of that drawing)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    canvas = FigureCanvasAgg(fig)
    fig.set_dpi(SLIDE_DPI)
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=SLIDE_DPI)
    fig.set_dpi(SLIDE_DPI)                          # savefig puts the figure's own dpi back
    buffer.seek(0)
    with Image.open(buffer) as image:
        size = image.size
    return size, canvas.get_renderer()


def _em_per_line_height(fig, renderer) -> float:
    """How many pixels of em one pixel of a text line's height is, for the figure's font, measured by drawing."""
    probe = fig.text(0.5, 0.5, "lp", fontsize=100)
    height = probe.get_window_extent(renderer).height
    probe.remove()
    return (100 * SLIDE_DPI / 72) / height


def text_heights(fig) -> list:
    """``[(text, rendered em in pixels)]`` for every visible, non-empty text inside the canvas."""
    from matplotlib.text import Text

    size, renderer = _rendered(fig)
    ratio = _em_per_line_height(fig, renderer)
    canvas = fig.bbox
    found = []
    for text in fig.findobj(Text):
        words = text.get_text().strip()
        if not words or not text.get_visible():
            continue
        box = text.get_window_extent(renderer)
        if box.x1 < canvas.x0 or box.x0 > canvas.x1 or box.y1 < canvas.y0 or box.y0 > canvas.y1:
            continue                                # laid out but outside the picture (e.g. an unused tick)
        across = abs(math.sin(math.radians(text.get_rotation()))) > 0.5
        line = (box.width if across else box.height) / (words.count("\n") + 1)
        found.append((words, line * ratio))
    return found


# One figure of every kind and of every part, the densest grids among them.
CASES = {
    "conv numbers": ("conv", conv_geometry((5, 5), (3, 3), 1, 2), {"numbers": True}),
    "transposed numbers, output_padding": ("transposed", conv_transpose_geometry((3, 3), (3, 3), 2, 1, 1),
                                           {"numbers": True}),
    "transposed equivalent, dilation": ("transposed", conv_transpose_geometry((3, 3), (3, 3), dilation=2),
                                        {"view": "equivalent", "numbers": True}),
    "matrix transposed": ("matrix", conv_geometry((4, 4), (3, 3)), {"numbers": True, "transpose": True}),
    "matrix padding strides": ("matrix", conv_geometry((5, 5), (3, 3), 2, 1), {}),
    "overlap counts": ("overlap", None, {"part": "counts"}),
    "overlap upsampling": ("overlap", None, {"part": "upsampling", "kernel_size": 4}),
    "overlap gradient": ("overlap", None, {"part": "gradient"}),
    "views": ("views", conv_transpose_geometry((2, 2), (3, 3), 2, 1, 1), {}),
    "unet": ("unet", None, {}),
    "fcn": ("fcn", None, {}),
    "vnet": ("vnet", None, {"base": 8, "size": 32}),
    "training": ("training", None, {"history": HISTORY}),
}


@pytest.mark.parametrize("name", list(CASES))
def test_a_slide_is_1920_by_1080_with_no_text_under_18_pixels(name):
    kind, geometry, options = CASES[name]
    ground = "slide,dark" if name in ("views", "unet") else "slide"
    with styled(ground):
        fig = make_figure(kind, geometry, style=as_style(ground), **options)
    size, _ = _rendered(fig)
    assert size == SLIDE_PIXELS
    heights = text_heights(fig)
    assert len(heights) >= 3                                    # a title, labels, a legend at least
    small = [(words, round(px, 1)) for words, px in heights if px < SLIDE_MIN_PIXELS - 0.05]
    assert small == [], small


def test_the_text_check_catches_small_text():
    with styled("slide"):
        fig = make_figure("conv", conv_geometry((4, 4), (3, 3)), style=as_style("slide"))
        fig.text(0.01, 0.01, "a footnote at 8 pt", fontsize=8)         # 8 pt at 150 dpi: 16.7 px
    measured = dict(text_heights(fig))
    assert measured["a footnote at 8 pt"] == pytest.approx(8 * SLIDE_DPI / 72, rel=0.03)
    assert min(measured.values()) < SLIDE_MIN_PIXELS
    title = [px for words, px in measured.items() if words.startswith("Convolution")]
    assert title and title[0] == pytest.approx(as_style("slide").title_size * SLIDE_DPI / 72, rel=0.03)


@pytest.mark.parametrize("kind, geometry", [("conv", conv_geometry((5, 5), (3, 3), 2, 1)),
                                            ("transposed", conv_transpose_geometry((3, 3), (3, 3), 2, 1, 1)),
                                            ("matrix", conv_geometry((4, 4), (3, 3)))])
def test_no_text_draws_grids_and_colours_only(kind, geometry):
    with styled("slide"):
        fig = make_figure(kind, geometry, style=as_style("slide"), no_text=True)
        words = make_figure(kind, geometry, style=as_style("slide"))
    assert text_heights(fig) == []
    assert len(text_heights(words)) > 5
    assert _rendered(fig)[0] == SLIDE_PIXELS


def test_every_figure_of_a_slide_pack_is_drawn_on_the_same_canvas():
    entries = [entry for entry in pack_entries("slide") if not entry.animated]
    assert len(entries) >= 40
    with styled("slide"):
        for entry in entries:
            fig = make_figure(entry.kind, entry.geometry, **entry.options)
            pixels = tuple(round(v * SLIDE_DPI) for v in fig.get_size_inches())
            assert pixels == SLIDE_PIXELS, entry.filename


@pytest.mark.parametrize("words, corner", [("slide", (255, 255, 255, 255)), ("slide,dark", (0x1D, 0x20, 0x26, 255)),
                                           ("slide,transparent", None), ("paper,dark,transparent", None)])
def test_the_ground_is_painted_or_left_transparent(tmp_path, words, corner):
    from tconv.viz import save

    path = save(make_figure("transposed", conv_transpose_geometry((2, 2), (3, 3), 2), style=as_style(words)),
                tmp_path / "t.png")
    with Image.open(path) as image:
        rgba = image.convert("RGBA")
        pixels = [rgba.getpixel(xy) for xy in ((0, 0), (rgba.width - 1, rgba.height - 1), (rgba.width // 2, 2))]
        alpha = rgba.getchannel("A").getextrema()
    if corner is None:
        assert all(p[3] == 0 for p in pixels) and alpha == (0, 255)          # no ground, the grids opaque
    else:
        assert pixels == [corner] * 3
