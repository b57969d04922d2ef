"""How each view of a transposed convolution computes one output pixel, beside the results they agree on.

One column per view of :func:`tconv.viz.views.views_data` (2-D geometries), all for the same
output pixel ``j`` (the one most kernel copies overlap), drawn with the grids' cells:

1. the matrix: row ``j`` of ``Cᵀ`` (each entry a kernel tap, in its colour) over the stretched
   input ``y``: ``x'[j]`` is their dot product;
2. the scatter-add: the canvas of kernel copies, each cell counting the copies that cover it;
   one copy that reaches ``j`` is outlined;
3. zero insertion: the zero-inserted, padded input with the rotated kernel's window at ``j``;
4. the gradient: ``∂⟨conv(x), y⟩/∂x[j]`` sums ``y[o]·w[t]`` over the outputs ``o`` of the
   convolution whose window covers ``x[j]`` (outlined, their tap in the corner);
5. the fast path, unfold + GEMM: the columns ``Wᵀy`` (tap ``t`` by input pixel ``m``), the
   entries the fold adds into ``j`` outlined.

Under every column the view's full result, ``j`` outlined: the same numbers five times.
"""
from __future__ import annotations

import numpy as np

from .. import reference
from ..geometry import conv_geometry
from ..matrix import conv_transpose_matrix
from .board import MARGIN, Board, board_figure, fit_cell
from .cells import INPUT, KERNEL, OUTPUT, OUTPUT_PADDING, Panel, draw_panel, heading, panel_size
from .scenes import combine_roles, format_value, index_text, spell_size
from .scenes_transposed import equivalent_frames, scatter_frames
from .style import SLIDE_CANVAS, styled, tap_colours

__all__ = ["draw_views", "busiest_pixel", "VIEW_HEADERS"]

#: Each view's column header on the figure (the full function names are in the notes).
VIEW_HEADERS = ("matrix Cᵀ y", "scatter-add", "zero insertion", "autograd", "unfold + GEMM")
_GAP = 1.0


def busiest_pixel(g) -> tuple:
    """The output pixel most kernel copies overlap (the first such, row by row): where the views' sums are richest.

    >>> from tconv.geometry import conv_transpose_geometry
    >>> busiest_pixel(conv_transpose_geometry((2, 2), (3, 3)))
    (1, 1)
    """
    ones = np.ones((1, 1) + g.feature_size)
    counts = reference.conv_transpose_scatter(ones, np.ones((1, 1) + g.kernel_size), stride=g.stride,
                                              padding=g.padding, dilation=g.dilation,
                                              output_padding=g.restoring_output_padding())[0, 0]
    return tuple(int(v) for v in np.unravel_index(int(np.argmax(counts)), counts.shape))


def _vector(title, values, roles, faces=None, window=(), muted=None, gid=None):
    text = np.array([[format_value(v) for v in values]], dtype=object)
    face = None if faces is None else np.asarray(faces)[None]
    return Panel(title, np.asarray(roles)[None], text=text, face=face, window=[(0, c) for c in window],
                 muted=None if muted is None else np.asarray(muted)[None], gid=gid)


def _matrix_view(g, y, w, j) -> list:
    a = g.restoring_output_padding()
    matrix = conv_transpose_matrix(w[None, None], (1,) + g.feature_size, g.stride, g.padding, a, 1, g.dilation)
    dense = matrix.toarray()
    row = int(np.ravel_multi_index(j, g.image_size))
    colours = tap_colours(g.kernel_size)
    faces = np.ones((dense.shape[1], 3))
    pattern = matrix.pattern()
    for r, c, tap in zip(pattern["row"], pattern["col"], pattern["tap"]):
        if r == row:
            faces[c] = colours[tuple(int(t) for t in tap[2:])]
    entries = dense[row]
    return [_vector(f"row {row} of Cᵀ", entries, np.full(entries.size, KERNEL), faces,
                    window=np.flatnonzero(entries), muted=entries == 0, gid="views.matrix"),
            _vector("y, stretched", y.reshape(-1), np.full(y.size, INPUT), gid="views.y")]


def _scatter_view(g, seed, j) -> list:
    before = tuple(b for b, _ in g.padding)
    canvas_j = tuple(jj + b for jj, b in zip(j, before))
    covering = [m for m in np.ndindex(*g.feature_size)
                if all(0 <= (cj - mm * s) < kh and (cj - mm * s) % d == 0
                       for cj, mm, s, kh, d in zip(canvas_j, m, g.stride, g.effective_kernel, g.dilation))]
    frame = scatter_frames(g, False, seed, positions=[covering[0]], cumulative=False)[0]
    canvas = frame.panels[2]
    canvas.title = f"copies covering {index_text(j)}: {len(covering)}"
    canvas.pixel = [canvas_j]
    return [canvas]


def _zero_view(g, seed, j) -> list:
    panel = equivalent_frames(g, True, seed, positions=[j], cumulative=False)[0].panels[0]
    panel.title = "rotated kernel at " + index_text(j)
    return [panel]


def _gradient_view(g, y, w, j) -> list:
    plain = conv_geometry(g.image_size, g.kernel_size, g.stride, g.padding, g.dilation)
    before = tuple(b for b, _ in plain.padding)
    window, corner = [], np.empty(y.shape, dtype=object)
    corner[...] = ""
    for o in np.ndindex(*plain.feature_size):
        offset = [jj + b - oo * s for jj, b, oo, s in zip(j, before, o, plain.stride)]
        if all(0 <= t < k * d and t % d == 0 for t, k, d in zip(offset, plain.kernel_size, plain.dilation)):
            tap = tuple(t // d for t, d in zip(offset, plain.dilation))
            window.append(o)
            corner[o] = "×" + format_value(w[tap])
    text = np.vectorize(format_value, otypes=[object])(y)
    return [Panel(f"y: windows over x{index_text(j)}", np.full(y.shape, INPUT), text=text, corner=corner,
                  window=window, gid="views.gradient")]


def _fold_view(g, y, w, j) -> list:
    taps = list(np.ndindex(*g.kernel_size))
    pixels = list(np.ndindex(*g.feature_size))
    values = np.array([[w[t] * y[m] for m in pixels] for t in taps])
    colours = tap_colours(g.kernel_size)
    faces = np.array([[colours[t] for _ in pixels] for t in taps])
    before = tuple(b for b, _ in g.padding)
    window = [(r, c) for r, t in enumerate(taps) for c, m in enumerate(pixels)
              if all(mm * s - b + tt * d == jj for mm, s, b, tt, d, jj in zip(m, g.stride, before, t, g.dilation, j))]
    text = np.vectorize(format_value, otypes=[object])(values)
    return [Panel(f"columns Wᵀy ({len(taps)} × {len(pixels)})", np.full(values.shape, KERNEL), text=text, face=faces,
                  window=window, gid="views.columns")]


def _result(g, name, array, j) -> Panel:
    a = g.restoring_output_padding()
    kinds = [np.where(np.arange(o) >= o - aa, 1, 0) for o, aa in zip(g.image_size, a)]
    roles = combine_roles(kinds, [(1, OUTPUT_PADDING), (None, OUTPUT)])
    text = np.vectorize(format_value, otypes=[object])(array)
    return Panel("result", roles, text=text, pixel=[j], gid=f"views.result.{name}")


def _columns(data, seed) -> tuple[list, tuple]:
    g, y, w = data["geometry"], data["input"], data["kernel"]
    j = busiest_pixel(g)
    mechanics = {"matrix": _matrix_view(g, y, w, j), "scatter": _scatter_view(g, seed, j),
                 "zero": _zero_view(g, seed, j), "autograd": _gradient_view(g, y, w, j),
                 "fast": _fold_view(g, y, w, j)}
    keys = ["matrix", "scatter", "zero"] + (["autograd"] if len(data["views"]) == 5 else []) + ["fast"]
    headers = dict(zip(("matrix", "scatter", "zero", "autograd", "fast"), VIEW_HEADERS))
    columns = []
    for key, (name, array), diff in zip(keys, data["views"], data["differences"]):
        columns.append((headers[key], mechanics[key], _result(g, key, array, j), diff))
    return columns, j


def _wrapped_lines(board, x, y, width, text, size, weight="normal") -> float:
    """``text`` wrapped to ``width`` cells, each line centred on ``x + width / 2``; returns the height used."""
    from .style import wrap_text

    step = board.size_of("Ag", size, weight)[1] * 1.1
    lines = wrap_text(text, width * board.cell, size, weight)
    for n, line in enumerate(lines):
        board.text(x + width / 2, y + n * step, line, size=size, weight=weight, va="top", colour=board.style.ink)
    return step * len(lines)


def draw_views(data: dict, style, seed: int = 0):
    """The figure of :func:`tconv.viz.views.views_data`'s 2-D ``data``: each view's mechanics over its result."""
    columns, j = _columns(data, seed)
    g = data["geometry"]
    title = (f"One transposed convolution {spell_size(g.feature_size)} → {spell_size(g.image_size)}, "
             f"{len(columns)} ways: output{index_text(j)} = {format_value(data['views'][0][1][j])} in each")
    subtitles = [" · ".join(p.title for p in mech) for _, mech, _, _ in columns]
    for _, mech, result, _ in columns:
        for panel in mech + [result]:
            panel.title = ""
    # A column is as wide as its widest grid: the words wrap to it, so every cell keeps the slide's scale.
    widths = [max(p.shape[-1] for p in mech + [result]) + 1.0 for _, mech, result, _ in columns]

    def layout(cell):
        board = Board(cell=cell, style=style)
        total = sum(widths) + _GAP * (len(widths) - 1)
        width = max(SLIDE_CANVAS[0] / cell - 2 * MARGIN, total) if style.slide else total
        y = heading(board, 0, 0, title, width) + 0.4
        heads = [(_wrapped_lines(Board(cell=cell, style=style), 0, 0, w + _GAP - 0.2, h, style.panel_size, "bold"),
                  _wrapped_lines(Board(cell=cell, style=style), 0, 0, w + _GAP - 0.2, sub, style.small_size))
                 for (h, _, _, _), sub, w in zip(columns, subtitles, widths)]
        head_h = max(a + b for a, b in heads) + 0.3 if style.text else 0.0
        mech_h = max(sum(panel_size(board, p)[1] + 0.5 for p in mech) for _, mech, _, _ in columns)
        x = (width - total) / 2
        for (header, mech, result, diff), sub, w in zip(columns, subtitles, widths):
            if style.text:
                used = _wrapped_lines(board, x - _GAP / 2 + 0.1, y, w + _GAP - 0.2, header, style.panel_size, "bold")
                _wrapped_lines(board, x - _GAP / 2 + 0.1, y + used, w + _GAP - 0.2, sub, style.small_size)
            top = y + head_h
            for panel in mech:
                pw, ph = panel_size(board, panel)
                draw_panel(board, x + (w - pw) / 2, top, panel)
                top += ph + 0.5
            rw, rh = panel_size(board, result)
            result_top = y + head_h + mech_h + 0.4
            draw_panel(board, x + (w - rw) / 2, result_top, result)
            if style.text:
                verdict = "= scatter-add" if diff == 0 else f"max |Δ| = {diff:.2g}"
                board.text(x + w / 2, result_top + rh + 0.2, verdict, size=style.small_size, va="top",
                           colour=style.ink)
            x += w + _GAP
        return board

    board = fit_cell(layout, 0.36, SLIDE_CANVAS)[0] if style.slide else layout(0.42)
    with styled(style):
        figure, _, _ = board_figure(board, SLIDE_CANVAS if style.slide else None)
    return figure
