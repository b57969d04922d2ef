"""The convolution as a matrix: the lecture notes' three pictures, for any geometry.

1. the input, stretched row by row into a vector ``x`` (its cells numbered in that order);
2. the kernel, each tap in its own colour;
3. the sparse matrix ``C`` from :func:`tconv.conv_matrix`, every nonzero labelled with its
   tap (``w01``) or its value and coloured like the tap, so each row is visibly the kernel
   laid into the stretched input, shifted from row to row; ``x`` sits above ``C``'s
   columns (column ``j`` multiplies ``x[j]``) and ``y = C x`` beside its rows.

``transpose=True`` draws the other direction, ``C.T`` with the output vector ``C.T y``. For
the notes' 4x4 input and 3x3 kernel the figure is the notes' 4x16 matrix exactly.
"""
from __future__ import annotations

import numpy as np

from ..geometry import ConvGeometry, conv_geometry, conv_transpose_geometry
from ..matrix import conv_matrix, conv_transpose_matrix
from dataclasses import replace

from .board import MARGIN, Board, board_figure, fit_cell
from .cells import INPUT, KERNEL, OUTPUT, Panel, draw_panel, heading, panel_size
from .grids import SLIDE_CELL, describe
from .scenes import NBSP, example_values, format_value, kernel_panel, spell_size, tap_name
from .style import SLIDE_CANVAS, as_style, styled, tap_colours
from .words import Words

__all__ = ["draw_matrix", "matrix_data", "matrix_words", "MAX_TEXT_ENTRIES", "MAX_ENTRIES"]

#: Matrices with more rows or columns than this are drawn without text; more than MAX_ENTRIES, refused.
MAX_TEXT_ENTRIES = 40
MAX_ENTRIES = 160


def _operator(g: ConvGeometry, transpose: bool) -> ConvGeometry:
    """The geometry whose matrix is drawn: ``g`` itself, or the same matrix used the other way."""
    if not transpose:
        return g
    if not g.transposed:
        return conv_transpose_geometry(g.feature_size, g.kernel_size, g.stride, g.padding,
                                       g.restoring_output_padding(), g.dilation)
    plain = conv_geometry(g.image_size, g.kernel_size, g.stride, g.padding, g.dilation)
    if plain.feature_size != g.feature_size:
        raise ValueError(f"the convolution of the {spell_size(g.image_size)} output has "
                         f"{spell_size(plain.feature_size)}"
                         f" outputs, not {spell_size(g.feature_size)} (output_padding >= stride); draw the transposed "
                         "convolution's own matrix instead (transpose=False)")
    return plain


def matrix_data(geometry: ConvGeometry, *, numbers: bool = False, seed: int = 0, transpose: bool = False) -> dict:
    """What :func:`draw_matrix` draws: the operator's geometry, matrix, input, kernel and output.

    Returns a dict with ``geometry`` (the operator drawn), ``matrix`` (a
    :class:`~tconv.matrix.ConvMatrix` from :func:`tconv.conv_matrix` or
    :func:`tconv.conv_transpose_matrix`), ``dense`` (its entries), ``pattern`` (row, col, tap
    of each nonzero), ``x`` (the operator's input, flattened), ``kernel`` and ``y = dense @ x``.

    >>> d = matrix_data(conv_geometry((4, 4), (3, 3)), numbers=True)
    >>> d["dense"].shape, d["dense"][0].astype(int).tolist()
    ((4, 16), [1, 4, 1, 0, 1, 4, 3, 0, 3, 3, 1, 0, 0, 0, 0, 0])
    >>> d["y"].tolist()
    [122.0, 148.0, 126.0, 134.0]
    """
    if not isinstance(geometry, ConvGeometry):
        raise TypeError(f"geometry must be a tconv ConvGeometry (from tconv.conv_geometry or "
                        f"tconv.conv_transpose_geometry), got {type(geometry).__name__}")
    op = _operator(geometry, transpose)
    rows, cols = np.prod(op.output_size), np.prod(op.input_size)
    if max(rows, cols) > MAX_ENTRIES:
        raise ValueError(f"the matrix of this geometry is {rows} x {cols}, too large to draw (at most {MAX_ENTRIES} "
                         "rows and columns); draw a smaller input, e.g. 4 x 4")
    x, w = example_values(op, seed)
    kernel = w[None, None]
    if op.transposed:
        matrix = conv_transpose_matrix(kernel, (1,) + op.feature_size, op.stride, op.padding,
                                       op.restoring_output_padding(), 1, op.dilation)
    else:
        matrix = conv_matrix(kernel, (1,) + op.image_size, op.stride, op.padding, op.dilation)
    dense = matrix.toarray()
    pattern = matrix.pattern()
    return {"geometry": op, "matrix": matrix, "dense": dense, "pattern": pattern, "x": x.reshape(-1),
            "kernel": w, "y": dense @ x.reshape(-1), "numbers": numbers}


def _vector_panel(title, values, names, numbers, role, column, gid):
    n = len(names)
    shape = (n, 1) if column else (n,)
    text = np.empty(shape, dtype=object)
    for i in range(n):
        text[(i, 0) if column else (i,)] = format_value(values[i]) if numbers else names[i]
    return Panel(title, np.full(shape, role), text=text, gid=gid)


def _grid_panel(title, size, values, names, numbers, role, gid):
    text = np.empty(size, dtype=object)
    for flat, index in enumerate(np.ndindex(*size)):
        text[index] = format_value(values[flat]) if numbers else names[flat]
    return Panel(title, np.full(size, role), text=text, gid=gid)


def _cells_sentence(numbers: bool, x_name: str) -> str:
    """What the input's cells show: their place in the stretched vector, or (``numbers``) their values."""
    if numbers:
        return (f"The input's cells show its values, stretched row by row into {x_name}: {x_name}[j] is the j-th "
                "cell, counting row by row.")
    return f"The input's cells are numbered in the order they are stretched into {x_name}."


def _shift_sentence(pattern, transposed: bool, symbol: str) -> str:
    """How the kernel repeats: each row of C (each column of Cᵀ) is the first one shifted."""
    lines, across, line_name = (pattern["col"], pattern["row"], "column") if transposed else \
        (pattern["row"], pattern["col"], "row")
    count = int(lines.max()) + 1 if lines.size else 0

    def entries(n):
        keep = lines == n
        return sorted(zip(across[keep].tolist(), map(tuple, pattern["tap"][keep].tolist())))

    first = entries(0)
    shifts = []
    for n in range(1, count):
        line = entries(n)
        if not line or len(line) != len(first) or any(t != t0 for (_, t), (_, t0) in zip(line, first)):
            return (f"Every {line_name} of {symbol} holds the kernel taps that meet one window; near the border the "
                    f"padding cuts some taps off, so the {line_name}s are not all shifted copies of the first.")
        shifts.append(line[0][0] - first[0][0])
    if not shifts:
        side = "output" if transposed else "input"
        return f"{symbol} has one {line_name}: the kernel laid into the stretched {side}."
    listed = ", ".join(str(s) for s in shifts[:12]) + (", ..." if len(shifts) > 12 else "")
    direction = "down" if transposed else "right"
    return (f"Every {line_name} of {symbol} is the kernel laid into the stretched "
            f"{'output' if transposed else 'input'} at one window: {line_name}s 1..{count - 1} are {line_name} 0 "
            f"shifted {direction} by {listed}.")


def draw_matrix(geometry: ConvGeometry, *, numbers: bool = False, seed: int = 0, transpose: bool = False,
                style=None, no_text: bool = False):
    """The lecture notes' pictures of ``geometry`` as a matrix: stretched input, kernel, sparse ``C``.

    Entries come from :func:`tconv.conv_matrix` (or :func:`tconv.conv_transpose_matrix` for a
    transposed geometry); ``transpose=True`` draws the matrix of the other direction (``C.T``
    of a convolution). Each matrix text has the id ``C[row,col]`` (``gid``), so tests and SVG
    readers can find it. ``style`` (:class:`~tconv.viz.style.Style` or its words) and
    ``no_text`` as for :func:`tconv.viz.draw_convolution`. Returns a matplotlib Figure.

    >>> fig = draw_matrix(conv_geometry((4, 4), (3, 3)), numbers=True)
    >>> texts = {t.get_gid(): t.get_text() for t in fig.axes[0].texts if t.get_gid()}
    >>> [texts[f"C[0,{c}]"] for c in range(5)]
    ['1', '4', '1', '0', '1']
    """
    style = as_style(style)
    if no_text:
        if numbers:
            raise ValueError("numbers=True writes the entries and no_text=True draws no text: choose one")
        style = replace(style, text=False)
    data = matrix_data(geometry, numbers=numbers, seed=seed, transpose=transpose)
    op, dense, pattern = data["geometry"], data["dense"], data["pattern"]
    n_rows, n_cols = dense.shape
    with_text = max(n_rows, n_cols) <= MAX_TEXT_ENTRIES
    if numbers and not with_text:
        raise ValueError(f"numbers=True writes every entry; a {n_rows} x {n_cols} matrix is too large for that (at "
                         f"most {MAX_TEXT_ENTRIES} rows and columns): draw a smaller input or leave the numbers out")
    symbol = "Cᵀ" if op.transposed else "C"
    x_name, y_name = ("y", "x'") if op.transposed else ("x", "y")
    in_names = [f"{x_name}{i}" for i in range(n_cols)]
    out_names = [f"{y_name}{i}" for i in range(n_rows)]

    # The matrix itself: nonzeros in their tap's colour, labelled by tap or value; zeros grey.
    colours = tap_colours(op.kernel_size)
    face = np.ones(dense.shape + (3,))
    text = np.empty(dense.shape, dtype=object)
    text[...] = "0"
    muted = np.ones(dense.shape, bool)
    for r, c, tap in zip(pattern["row"], pattern["col"], pattern["tap"]):
        tap = tuple(int(t) for t in tap[2:])
        face[r, c] = colours[tap]
        text[r, c] = format_value(dense[r, c]) if numbers else tap_name(tap)
        muted[r, c] = False
    matrix = Panel(f"{symbol} ({n_rows} × {n_cols})",
                   np.full(dense.shape, KERNEL), text=text, face=face, gid="C", muted=muted)
    stretched = "the input stretched row by row" if op.ndim > 1 else "the input"
    x_title = f"{x_name}: the input, stretched" if style.slide else f"{x_name}: {stretched} ({n_cols})"
    x_row = _vector_panel(x_title, data["x"], in_names, numbers, INPUT, False, x_name)
    y_col = _vector_panel(f"{y_name} = {symbol} {x_name}", data["y"], out_names, numbers, OUTPUT, True, "out")
    pictures = [_grid_panel(f"input {spell_size(op.input_size)}", op.input_size, data["x"], in_names, numbers,
                            INPUT, "input_grid"),
                kernel_panel(op, data["kernel"], numbers),
                _grid_panel(f"output {spell_size(op.output_size)}", op.output_size, data["y"], out_names, numbers,
                            OUTPUT, "output_grid")]
    if not with_text:
        for panel in pictures + [matrix, x_row, y_col]:
            panel.text = None

    symbols = (symbol, x_name, y_name)
    sentences = _sentences(op, data, numbers, symbols, n_rows, n_cols)

    def layout(cell):
        return _layout(Board(cell=cell, style=style), op, pictures, matrix, x_row, y_col, symbols, sentences)

    if style.slide:
        board = fit_cell(layout, SLIDE_CELL, SLIDE_CANVAS)[0]
    else:
        board = layout(0.45 if with_text else 0.2)
    with styled(style):
        figure, _, _ = board_figure(board, SLIDE_CANVAS if style.slide else None)
    return figure


def _sentences(op, data, numbers, symbols, n_rows, n_cols) -> tuple[str, str]:
    """What a page figure writes above the pictures and under the matrix (a slide's notes)."""
    symbol, x_name, y_name = symbols
    pattern = data["pattern"]
    above = (f"{symbol} has {n_rows} rows (one per output pixel) and {n_cols} columns (one per input pixel); "
             f"{len(pattern['row'])} of its {n_rows * n_cols} entries are not structurally zero. "
             f"{_cells_sentence(numbers, x_name)}")
    below = _shift_sentence(pattern, op.transposed, symbol)
    if numbers:
        below += f" {y_name} = {symbol} {x_name} = [" + ", ".join(format_value(v) for v in data["y"]) + "]."
    if n_cols > op.input_size[-1] or n_rows > op.output_size[-1]:
        below += " Thick lines separate the rows of the input (blocks of columns) and of the output (blocks of rows)."
    return above, below


def _layout(board, op, pictures, matrix, x_row, y_col, symbols, sentences) -> Board:
    """Title (and, on paper, the sentences), the input/kernel/output pictures, x, then C beside y."""
    symbol, x_name, y_name = symbols
    n_rows, n_cols = matrix.shape
    style, gap = board.style, 1.5
    sizes = [panel_size(board, p) for p in pictures]
    m_w, m_h = panel_size(board, matrix)
    x_w, x_h = panel_size(board, x_row)
    y_w, y_h = panel_size(board, y_col)
    width = max(sum(w for w, _ in sizes) + 2 * gap, max(m_w, x_w) + gap + y_w, 8 / board.cell)
    if style.slide:
        width = SLIDE_CANVAS[0] / board.cell - 2 * MARGIN
    pictures_w = sum(w for w, _ in sizes) + 2 * gap
    tallest = max(h for _, h in sizes)
    block_w = max(m_w, x_w, n_cols + (m_w - n_cols) / 2 + 0.5 + y_w)      # x above C, y beside it
    tall = style.slide and n_rows > 2 * n_cols
    if tall:                    # a tall matrix (Cᵀ) on the right, the title and the pictures on the left
        title_h = heading(board, 0, 0, _title(op, symbols), width - block_w - gap)
        x, pictures_top, y = 0.0, title_h + 1.0, 0.0
    elif style.slide:           # the title beside the pictures: a slide has no height to spare
        heading(board, 0, 0, _title(op, symbols), width - pictures_w - gap)
        x, pictures_top = width - pictures_w, 0.0
        y = tallest + 0.9
    else:
        y = heading(board, 0, 0, _title(op, symbols), width)
        if style.text:
            y += board.paragraph(0, y + 0.1, describe(op)[0] + ".", width)
            y += board.paragraph(0, y + 0.1, sentences[0], width) + 0.6
        x, pictures_top = 0.0, y
        y += tallest + 0.9
    for panel, (w, h) in zip(pictures, sizes):
        draw_panel(board, x, pictures_top + (tallest - h) / 2, panel)
        x += w + gap
    left = (max(m_w, x_w) - n_cols) / 2
    if tall:
        left = width - block_w + (m_w - n_cols) / 2
    elif style.slide:
        left = (width - block_w) / 2 + (m_w - n_cols) / 2
    draw_panel(board, left - (x_w - n_cols) / 2, y, x_row)
    x_top = y + x_h - 1
    y += x_h + 0.5
    draw_panel(board, left - (m_w - n_cols) / 2, y, matrix)
    grid_top = y + m_h - n_rows
    columns_per_row = op.input_size[-1]
    for boundary in range(columns_per_row, n_cols, columns_per_row):     # input rows, as blocks of columns
        for top, height in ((x_top, 1), (grid_top, n_rows)):
            board.rect(left + boundary, top, 0, height, edge="#202020", lw=2.4, z=6)
    y_left = left + max(n_cols + gap, n_cols + (m_w - n_cols) / 2 + 0.5 + (y_w - 1) / 2)
    rows_per_row = op.output_size[-1]
    for boundary in range(rows_per_row, n_rows, rows_per_row):           # output rows, as blocks of rows
        for start, length in ((left, n_cols), (y_left, 1)):
            board.rect(start, grid_top + boundary, length, 0, edge="#202020", lw=2.4, z=6)
    draw_panel(board, y_left - (y_w - 1) / 2, grid_top - (y_h - n_rows), y_col)
    if style.text and not style.slide:
        board.paragraph(0, grid_top + n_rows + 0.6, sentences[1], width)
    return board


def _title(op, symbols) -> str:
    symbol, x_name, y_name = symbols
    kind = "Transposed convolution" if op.transposed else "Convolution"
    return f"{kind} as a matrix: {y_name} = {symbol} {x_name}"


def matrix_words(geometry: ConvGeometry, *, numbers: bool = False, seed: int = 0, transpose: bool = False,
                 **_ignored) -> Words:
    """The matrix figure's words: its title, a caption, and the notes a slide leaves out.

    >>> matrix_words(conv_geometry((4, 4), (3, 3))).caption
    'The 4 × 16 matrix C of a convolution of a 4 × 4 input with a 3 × 3 kernel, one colour per kernel tap.'
    """
    data = matrix_data(geometry, numbers=numbers, seed=seed, transpose=transpose)
    op = data["geometry"]
    n_rows, n_cols = data["dense"].shape
    symbols = ("Cᵀ", "y", "x'") if op.transposed else ("C", "x", "y")
    above, below = _sentences(op, data, numbers, symbols, n_rows, n_cols)
    what = "transposed convolution" if op.transposed else "convolution"
    caption = (f"The {n_rows} × {n_cols} matrix {symbols[0]} of a {what} of a {spell_size(op.input_size)} input "
               f"with a {spell_size(op.kernel_size)} kernel, one colour per kernel tap.")
    if numbers:
        caption = caption[:-1] + f", with the values: {symbols[2]} = [" + \
            ", ".join(format_value(v) for v in data["y"]) + "]."
    notes = (describe(op)[0] + ".", above, below)
    return Words(_title(op, symbols), caption, tuple(n.replace(NBSP, " ") for n in notes))
