"""The grid figures (tconv.viz.grids): what they draw is the geometry's and the operator's, in words.

Independent references: per-pixel loops written here (convolution by its definition, the
transposed convolution as a scatter of kernel copies), the paper's sizes (docs/references.md)
and Distill's overlap counts. The figures are read back through their text artists: each
cell text carries an id (``output[1,2]``), so the tests check the numbers a lecturer sees.
"""
from __future__ import annotations

import os

os.environ.setdefault("MPLBACKEND", "Agg")

import numpy as np  # noqa: E402
import pytest  # noqa: E402

from tconv.geometry import conv_geometry, conv_transpose_geometry  # noqa: E402
from tconv.viz import animate_convolution, draw_convolution  # noqa: E402
from tconv.viz.cells import CROPPED, OUTPUT_PADDING, PADDING, ZERO  # noqa: E402
from tconv.viz.scenes import NBSP, example_values  # noqa: E402
from tconv.viz.scenes_conv import conv_frames  # noqa: E402
from tconv.viz.scenes_transposed import equivalent_frames, scatter_frames  # noqa: E402
from tconv.viz.style import MIN_FONT_SIZE  # noqa: E402

# The paper's cases (i, k, s, p, d) and the conv output o / restoring a (docs/references.md).
PAPER = [((4, 3, 1, 0, 1), 2, 0), ((5, 4, 1, 2, 1), 6, 0), ((5, 3, 1, 1, 1), 5, 0), ((5, 3, 1, 2, 1), 7, 0),
         ((5, 3, 2, 0, 1), 2, 0), ((5, 3, 2, 1, 1), 3, 0), ((6, 3, 2, 1, 1), 3, 1), ((7, 3, 1, 0, 2), 3, 0)]


# --------------------------------------------------------------------------- helpers shared by the viz tests


def texts(figure) -> dict:
    """id -> text of every text artist that has an id (the cells)."""
    return {t.get_gid(): t.get_text() for ax in figure.axes for t in ax.texts if t.get_gid()}


def all_text(figure) -> str:
    """Every text of the figure (axes texts, titles, labels, legends), one string, spaces normal."""
    parts = [t.get_text() for t in figure.findobj(lambda a: hasattr(a, "get_text") and hasattr(a, "get_fontsize"))]
    return " ".join(parts).replace(NBSP, " ")


def text_boxes(figure):
    """(text, window extent) of every non-empty visible text after a full Agg draw."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    canvas = FigureCanvasAgg(figure)
    canvas.draw()
    renderer = canvas.get_renderer()
    found = []
    for artist in figure.findobj(lambda a: hasattr(a, "get_window_extent") and hasattr(a, "get_fontsize")):
        if artist.get_visible() and artist.get_text().strip():
            found.append((artist, artist.get_window_extent(renderer)))
    return found


def overlapping(boxes, tolerance: float = 0.5):
    """Pairs of texts whose boxes overlap by more than ``tolerance`` pixels."""
    pairs = []
    for n, (a, box_a) in enumerate(boxes):
        for b, box_b in boxes[n + 1:]:
            if (min(box_a.x1, box_b.x1) - max(box_a.x0, box_b.x0) > tolerance and
                    min(box_a.y1, box_b.y1) - max(box_a.y0, box_b.y0) > tolerance):
                pairs.append((a.get_text(), b.get_text()))
    return pairs


def loop_conv(x, w, stride, pads, dilation):
    """Cross-correlation by its definition, one output pixel and one tap at a time (any N-D)."""
    padded = np.pad(x, pads)
    k_hat = [d * (k - 1) + 1 for k, d in zip(w.shape, dilation)]
    out_shape = [(n - kh) // s + 1 for n, kh, s in zip(padded.shape, k_hat, stride)]
    out = np.zeros(out_shape)
    for o in np.ndindex(*out_shape):
        for t in np.ndindex(*w.shape):
            out[o] += padded[tuple(oi * s + ti * d for oi, s, ti, d in zip(o, stride, t, dilation))] * w[t]
    return out


def loop_conv_transpose(y, w, stride, pads, dilation, output_padding):
    """Each input pixel adds its scaled kernel at position*stride on a canvas; crop the padding."""
    k_hat = [d * (k - 1) + 1 for k, d in zip(w.shape, dilation)]
    out = [(i - 1) * s - b - a + kh + op for i, s, (b, a), kh, op in zip(y.shape, stride, pads, k_hat,
                                                                         output_padding)]
    canvas = np.zeros([max((i - 1) * s + kh, b + o) for i, s, kh, (b, _), o in
                       zip(y.shape, stride, k_hat, pads, out)])
    for m in np.ndindex(*y.shape):
        for t in np.ndindex(*w.shape):
            canvas[tuple(mi * s + ti * d for mi, s, ti, d in zip(m, stride, t, dilation))] += y[m] * w[t]
    return canvas[tuple(slice(b, b + o) for (b, _), o in zip(pads, out))]


def grid_values(figure, prefix: str, shape) -> np.ndarray:
    """The numbers written in the cells ``prefix[...]`` of ``figure``, as an array of ``shape``."""
    found = texts(figure)
    values = np.full(shape, np.nan)
    for index in np.ndindex(*shape):
        key = f"{prefix}[{','.join(map(str, index))}]"
        if found.get(key):
            values[index] = float(found[key])
    return values


# --------------------------------------------------------------------------- sizes and labels


@pytest.mark.parametrize("case, o, a", PAPER)
def test_the_paper_cases_draw_grids_of_the_geometry_size(case, o, a):
    i, k, s, p, d = case
    g = conv_geometry((i, i), (k, k), s, p, d)
    frame = conv_frames(g)[0]
    padded, _, output = frame.panels
    assert padded.shape == (i + 2 * p,) * 2 and output.shape == (o, o)
    assert int((padded.roles == PADDING).sum()) == (i + 2 * p) ** 2 - i * i
    twin = conv_transpose_geometry((o, o), (k, k), s, p, a, d)
    roles = scatter_frames(twin)[0].panels[2].roles
    kept = roles[(roles != CROPPED).any(axis=1)][:, (roles != CROPPED).any(axis=0)]
    assert kept.shape == (i, i)                                   # the output is the conv's input size
    assert int((roles == OUTPUT_PADDING).sum()) == (i * i - (i - a) ** 2)   # the last a rows and columns
    assert np.all(roles[:p, :] == CROPPED) and np.all(roles[:, :p] == CROPPED)


def test_the_odd_case_labels_every_grid_in_words():
    twin = conv_transpose_geometry((3, 3), (3, 3), stride=2, padding=1, output_padding=1)
    words = all_text(draw_convolution(twin))
    for label in ("input 3 × 3", "output 6 × 6", "kernel 3 × 3", "cropped away by padding",
                  "output_padding (extra row/column at the bottom/right)", "output_padding 1"):
        assert label in words, label
    words = all_text(draw_convolution(conv_geometry((6, 6), (3, 3), stride=2, padding=1)))
    for label in ("input 6 × 6, padded to 8 × 8", "padding (zeros)", "output 3 × 3", "input", "padding 1"):
        assert label in words, label
    eq = all_text(draw_convolution(twin, view="equivalent"))
    for label in ("inserted zeros", "kernel rotated 180°", "output_padding", "padding (zeros)"):
        assert label in eq, label


def test_1d_is_one_row_and_3d_is_drawn_slice_by_slice():
    one = draw_convolution(conv_geometry((8,), (3,), stride=2, padding=1), numbers=True)
    ids = texts(one)
    assert "input[9]" in ids and not any(key.startswith("input[0,") for key in ids)
    three = all_text(draw_convolution(conv_transpose_geometry((2, 2, 2), (2, 2, 2), stride=2)))
    assert all(f"depth {z}" in three for z in range(4)) and "output 4 × 4 × 4" in three


# --------------------------------------------------------------------------- the numbers


@pytest.mark.parametrize("case, o, a", PAPER[::2] + [PAPER[6]])
def test_numbers_are_the_convolution_of_the_drawn_values(case, o, a):
    i, k, s, p, d = case
    g = conv_geometry((i, i), (k, k), s, p, d)
    figure = draw_convolution(g, numbers=True, seed=3)
    x = grid_values(figure, "input", (i + 2 * p,) * 2)
    w = grid_values(figure, "kernel", (k, k))
    assert np.all(x[:p] == 0) and np.all(x[:, :p] == 0)
    expected = loop_conv(x, w, (s, s), [(0, 0), (0, 0)], (d, d))        # x is already padded
    np.testing.assert_array_equal(grid_values(figure, "output", (o, o)), expected)


def test_the_lecture_notes_numbers():
    figure = draw_convolution(conv_geometry((4, 4), (3, 3)), numbers=True)
    np.testing.assert_array_equal(grid_values(figure, "output", (2, 2)), [[122, 148], [126, 134]])
    assert "output[0,0] = 4·1 + 5·4 + 8·1 + 1·1 + 8·4 + 8·3 + 3·3 + 6·3 + 6·1 = 122" in all_text(figure)
    twin = draw_convolution(conv_transpose_geometry((2, 2), (3, 3)), numbers=True)
    np.testing.assert_array_equal(grid_values(twin, "output", (4, 4)),
                                  [[2, 9, 6, 1], [6, 29, 30, 7], [10, 29, 33, 13], [12, 24, 16, 4]])


@pytest.mark.parametrize("case, o, a", [PAPER[5], PAPER[6], PAPER[7]])
def test_transposed_numbers_are_the_scatter_of_the_drawn_values(case, o, a):
    i, k, s, p, d = case
    twin = conv_transpose_geometry((o, o), (k, k), s, p, a, d)
    y, w = example_values(twin, seed=1)
    for view in ("direct", "equivalent"):
        figure = draw_convolution(twin, numbers=True, seed=1, view=view)
        np.testing.assert_array_equal(grid_values(figure, "kernel", (k, k)), w)
        drawn = grid_values(figure, "output", (i, i) if view == "equivalent" else
                            scatter_frames(twin)[0].panels[2].roles.shape)
        if view == "direct":          # the canvas: keep the output's rows and columns
            drawn = drawn[p:p + i, p:p + i]
        np.testing.assert_array_equal(drawn, loop_conv_transpose(y, w, (s, s), [(p, p)] * 2, (d, d), (a, a)))


def test_the_transposed_static_picture_counts_the_overlapping_copies():
    # Distill: 8 input pixels, k=3, s=2 -> 1 1 2 1 2 ... 2 1 1 (length 17).
    figure = draw_convolution(conv_transpose_geometry((8,), (3,), stride=2))
    counts = grid_values(figure, "output", (17,))
    np.testing.assert_array_equal(counts, [1, 1] + [2, 1] * 6 + [2, 1, 1])


def test_the_equivalent_view_inserts_zeros_pads_and_rotates_the_kernel():
    g = conv_transpose_geometry((3, 3), (3, 3), stride=2, padding=1, output_padding=1)
    frame = equivalent_frames(g)[0]
    roles = frame.panels[0].roles
    assert roles.shape == (8, 8)                 # 1 + 5 stuffed + 1 + (1 + output_padding 1) ... = 8
    assert int((roles == ZERO).sum()) == 5 * 5 - 3 * 3
    assert np.all(roles[-1] == OUTPUT_PADDING) and np.all(roles[:, -1] == OUTPUT_PADDING)
    labels = [frame.panels[0].text[cell] for cell in frame.panels[0].window]
    assert labels == ["w22", "w21", "w20", "w12", "w11", "w10", "w02", "w01", "w00"]
    assert frame.panels[2].title == "kernel rotated 180°"


def test_negative_equivalent_padding_is_drawn_as_cropped():
    g = conv_transpose_geometry((4,), (3,), stride=2, padding=3)      # k̂ - 1 - p = -1: crop one each side
    roles = equivalent_frames(g)[0].panels[0].roles
    assert roles.tolist().count(CROPPED) == 2 and roles.size == 7 and g.output_size == (3,)


# --------------------------------------------------------------------------- animations


@pytest.mark.parametrize("g, view, frames", [
    (conv_geometry((5, 5), (3, 3), stride=2, padding=1), "direct", 9),          # one per output position
    (conv_transpose_geometry((3, 3), (3, 3), stride=2), "direct", 9),           # one per input position
    (conv_transpose_geometry((2, 1), (3, 3), stride=2), "equivalent", 5 * 3),   # one per output position
    (conv_geometry((9,), (3,), dilation=2), "direct", 5),
])
def test_animations_have_one_frame_per_step(g, view, frames):
    animation = animate_convolution(g, view=view)
    assert animation.n_frames == frames == len(animation.captions)


def test_every_frame_is_rendered():
    animation = animate_convolution(conv_transpose_geometry((3,), (3,), stride=2), view="equivalent")
    rendered = list(animation.frames_rgb(30))
    assert len(rendered) == animation.n_frames == 7
    assert all(a.shape == rendered[0].shape for a in rendered)
    assert len({a.tobytes() for a in rendered}) == 7            # every frame shows something new


def test_an_animation_accumulates_the_copies_frame_by_frame():
    g = conv_transpose_geometry((3,), (3,), stride=2)
    animation = animate_convolution(g, numbers=True)
    y, w = example_values(g)
    for n in range(3):
        figure = animation.draw(n)
        partial = loop_conv_transpose(np.where(np.arange(3) <= n, y, 0), w, (2,), [(0, 0)], (1,), (0,))
        drawn = np.nan_to_num(grid_values(figure, "output", (7,)))
        np.testing.assert_array_equal(drawn, partial)
        assert f"input[{n}] = {int(y[n])} adds" in animation.captions[n]


def test_frames_rendered_fast_match_the_full_drawing():
    animation = animate_convolution(conv_geometry((4, 4), (3, 3)), numbers=True)
    fast = list(animation.frames_rgb(60))
    animation.render = None
    slow = list(animation.frames_rgb(60))
    for a, b in zip(fast, slow):
        assert a.shape == b.shape
        # Glyphs may sit one pixel apart; otherwise every pixel agrees: compare each pixel with
        # the best of its neighbours in the full drawing.
        a, b = a.astype(int), np.pad(b.astype(int), ((1, 1), (1, 1), (0, 0)), mode="edge")
        h, w = a.shape[:2]
        nearest = np.min([np.abs(a - b[1 + dy:1 + dy + h, 1 + dx:1 + dx + w]).max(axis=-1)
                          for dy in (-1, 0, 1) for dx in (-1, 0, 1)], axis=0)
        assert (nearest > 128).mean() < 0.001 and nearest.mean() < 2   # antialiasing differs a little


# --------------------------------------------------------------------------- readability


@pytest.mark.parametrize("g, kw", [
    (conv_geometry((5, 5), (3, 3), stride=2, padding=1), {"numbers": True}),
    (conv_geometry((7, 7), (3, 3), dilation=2), {}),
    (conv_transpose_geometry((3, 3), (3, 3), stride=2, padding=1, output_padding=1), {"numbers": True}),
    (conv_transpose_geometry((3, 3), (3, 3), stride=2, padding=1, output_padding=1),
     {"numbers": True, "view": "equivalent"}),
    (conv_transpose_geometry((4,), (3,), stride=2, padding=1, output_padding=1), {"numbers": True}),
    (conv_geometry((3, 4, 4), (2, 3, 3), padding=(0, 1, 1)), {}),
])
def test_no_text_overlaps_and_nothing_is_smaller_than_9_points(g, kw):
    figure = draw_convolution(g, **kw)
    boxes = text_boxes(figure)
    assert boxes and overlapping(boxes) == []
    assert min(t.get_fontsize() for t, _ in boxes) >= MIN_FONT_SIZE


def test_large_inputs_are_refused_or_drawn_without_cell_text():
    with pytest.raises(ValueError, match="too many to read .* smaller input"):
        draw_convolution(conv_geometry((64, 64), (3, 3)))
    plain = draw_convolution(conv_geometry((24, 24), (3, 3)))
    assert not any(key.startswith("input[") for key in texts(plain))
    with pytest.raises(ValueError, match="numbers=True writes a value in every cell"):
        draw_convolution(conv_geometry((24, 24), (3, 3)), numbers=True)
    with pytest.raises(ValueError, match="frames"):
        animate_convolution(conv_geometry((20, 20), (3, 3)))


def test_bad_arguments_are_named():
    with pytest.raises(TypeError, match="ConvGeometry"):
        draw_convolution((4, 4))
    with pytest.raises(ValueError, match="view='sideways'"):
        draw_convolution(conv_geometry((4,), (3,)), view="sideways")
    with pytest.raises(ValueError, match="view='equivalent' draws a transposed"):
        draw_convolution(conv_geometry((4,), (3,)), view="equivalent")
