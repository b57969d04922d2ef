"""Grids of cells: what each cell is (its role), how it looks, and how a panel of them is drawn.

A :class:`Panel` is an N-D array of roles (input, padding, inserted zero, output,
output_padding, cropped, ...), optional text per cell, and the cells to outline (the kernel's
window, the current pixel). :func:`panel_size` and :func:`draw_panel` put it on a
:class:`~tconv.viz.board.Board`: a 1-D panel is one row, a 2-D panel a grid, and a 3-D panel
one 2-D grid per depth slice, side by side. Every role has a fill, a hatch and a legend label,
so the legend names every kind of cell and no meaning rests on colour alone.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .board import Board
from .style import OKABE_ITO, tint

__all__ = ["INPUT", "PADDING", "ZERO", "OUTPUT", "OUTPUT_PADDING", "CROPPED", "UNREACHED", "KERNEL",
           "ROLE_STYLE", "SHORT_LABEL", "WINDOW_COLOUR", "Panel", "panel_size", "draw_panel", "draw_legend", "roles_used", "heading"]

INPUT, PADDING, ZERO, OUTPUT, OUTPUT_PADDING, CROPPED, UNREACHED, KERNEL = range(8)

#: role -> (legend label, fill, hatch)
ROLE_STYLE = {
    INPUT: ("input", tint(OKABE_ITO["sky blue"], 0.35), None),
    PADDING: ("padding (zeros)", "#e4e4e4", "//"),
    ZERO: ("inserted zeros (stride − 1 between input pixels)", "#ffffff", "..."),
    OUTPUT: ("output", tint(OKABE_ITO["bluish green"], 0.45), None),
    OUTPUT_PADDING: ("output_padding (extra row/column at the bottom/right)", tint(OKABE_ITO["orange"], 0.5), "x"),
    CROPPED: ("cropped away by padding (not in the output)", "#f2f2f2", "\\\\"),
    UNREACHED: ("input never under the kernel (skipped by the stride)", tint(OKABE_ITO["sky blue"], 0.15), "oo"),
    KERNEL: ("kernel", "#ffffff", None),
}
#: The legend's words on a slide, where a label must fit one short line.
SHORT_LABEL = {PADDING: "padding (zeros)", ZERO: "inserted zeros", OUTPUT_PADDING: "output_padding",
               CROPPED: "cropped (not in the output)", UNREACHED: "skipped by the stride"}
#: The colour that marks where the kernel is, and the pixel it is working on.
WINDOW_COLOUR = OKABE_ITO["vermillion"]
_GRID_EDGE = "#404040"
_TITLE_GAP = 0.25
_SLICE_GAP = 0.6


@dataclass
class Panel:
    """An N-D grid of cells to draw (N = 1, 2 or 3; a 3-D panel is drawn slice by slice).

    * ``roles``: int array of role codes (:data:`INPUT`, :data:`PADDING`, ...);
    * ``text``: the big label of each cell ("" for none); ``corner``: a small one at the bottom right;
    * ``face``: RGB fills replacing the role's fill where given (``NaN`` keeps the role's);
    * ``window``: cells outlined as the kernel's window; ``pixel``: the pixel being computed or read;
    * ``box``: ``(start, stop)`` of a dashed box (the extent of a dilated kernel);
    * ``gid``: prefix of the ids of the cell texts (``"output"`` gives ``output[0,1]``);
    * ``muted``: cells whose text is grey (the zeros of a matrix).

    >>> Panel("input 2", np.array([INPUT, PADDING])).shape
    (2,)
    """

    title: str
    roles: np.ndarray
    text: np.ndarray | None = None
    corner: np.ndarray | None = None
    face: np.ndarray | None = None
    window: list = field(default_factory=list)
    pixel: list = field(default_factory=list)
    box: tuple | None = None
    gid: str | None = None
    slice_titles: list | None = None
    muted: np.ndarray | None = None

    @property
    def shape(self):
        return self.roles.shape


def _slices(panel: Panel):
    """(subtitle, 2-D index function) per drawn slice: one for 1-D/2-D, one per depth for 3-D."""
    if panel.roles.ndim == 3:
        depth = panel.roles.shape[0]
        names = panel.slice_titles or [f"depth {z}" for z in range(depth)]
        return [(names[z], z) for z in range(depth)]
    return [(None, None)]


def _grid_shape(panel: Panel) -> tuple[int, int]:
    shape = panel.roles.shape
    return (1, shape[0]) if len(shape) == 1 else shape[-2:]


def _to_2d(index: tuple, ndim: int):
    """(slice, row, col) of an N-D cell index."""
    if ndim == 1:
        return None, 0, index[0]
    if ndim == 2:
        return None, index[0], index[1]
    return index[0], index[1], index[2]


def panel_size(board: Board, panel: Panel) -> tuple[float, float]:
    """Width and height of ``panel`` (title included) in cell units.

    >>> w, h = panel_size(Board(cell=0.5), Panel("a", np.zeros((2, 3), int)))
    >>> w, round(h - 2, 2)        # 3 cells wide; 2 rows below the title
    (3.0, 0.62)
    """
    rows, cols = _grid_shape(panel)
    slices = _slices(panel)
    small = board.style.small_size
    slice_w = [max(cols, board.size_of(name, small)[0] if name else 0) for name, _ in slices]
    grid_w = sum(slice_w) + _SLICE_GAP * (len(slices) - 1)
    sub_h = (board.size_of("Ag", small)[1] + 0.1) if slices[0][0] and board.style.text else 0
    if not board.style.text or not panel.title:
        return grid_w, rows + sub_h
    title_w, title_h = board.size_of(panel.title, board.style.panel_size, "bold")
    return max(grid_w, title_w), title_h + _TITLE_GAP + sub_h + rows


def draw_panel(board: Board, x: float, y: float, panel: Panel) -> None:
    """Draw ``panel`` with its top-left corner (title included) at ``(x, y)``.

    >>> board = Board(cell=0.5)
    >>> draw_panel(board, 0, 0, Panel("a", np.zeros((2, 3), int), window=[(0, 0)]))
    >>> len(board.rects)          # six cells and one outline
    7
    """
    width, height = panel_size(board, panel)
    rows, cols = _grid_shape(panel)
    slices = _slices(panel)
    style = board.style
    slice_w = [max(cols, board.size_of(name, style.small_size)[0] if name else 0) for name, _ in slices]
    grid_w = sum(slice_w) + _SLICE_GAP * (len(slices) - 1)
    top = y + height - rows
    if style.text and panel.title:
        board.text(x + width / 2, y, panel.title, size=style.panel_size, weight="bold", va="top", colour=style.ink)
    sub_h = (board.size_of("Ag", style.small_size)[1] + 0.1) if slices[0][0] and style.text else 0
    top -= sub_h
    left = x + (width - grid_w) / 2
    origins = {}
    for (name, z), w in zip(slices, slice_w):
        gx = left + (w - cols) / 2
        if name and style.text:
            board.text(left + w / 2, top, name, size=style.small_size, va="top", colour=style.muted)
        origins[z] = (gx, top + sub_h)
        left += w + _SLICE_GAP
    ndim = panel.roles.ndim
    for index in np.ndindex(*panel.roles.shape):
        z, r, c = _to_2d(index, ndim)
        gx, gy = origins[z]
        _draw_cell(board, gx + c, gy + r, panel, index)
    for kind, cells in (("window", panel.window), ("pixel", panel.pixel)):
        for index in cells:
            z, r, c = _to_2d(tuple(index), ndim)
            gx, gy = origins[z]
            inset = 0.07 if kind == "window" else 0.04
            board.rect(gx + c + inset, gy + r + inset, 1 - 2 * inset, 1 - 2 * inset, edge=WINDOW_COLOUR,
                       lw=2.4 if kind == "window" else 3.2, z=5)
    if panel.box is not None:
        start, stop = panel.box
        for z in range(start[0], stop[0]) if ndim == 3 else [None]:
            _, r0, c0 = _to_2d(tuple(start) if ndim != 3 else (z,) + tuple(start[1:]), ndim)
            _, r1, c1 = _to_2d(tuple(stop) if ndim != 3 else (z,) + tuple(stop[1:]), ndim)
            if ndim == 1:
                r0, r1 = 0, 1
            gx, gy = origins[z]
            board.rect(gx + c0 - 0.12, gy + r0 - 0.12, c1 - c0 + 0.24, r1 - r0 + 0.24, edge=WINDOW_COLOUR,
                       lw=1.4, style="--", z=5)


def _draw_cell(board: Board, x: float, y: float, panel: Panel, index: tuple) -> None:
    role = int(panel.roles[index])
    _, fill, hatch = ROLE_STYLE[role]
    if panel.face is not None and not np.isnan(panel.face[index][0]):
        fill = tuple(float(v) for v in panel.face[index])
    board.rect(x, y, 1, 1, face=fill, edge=_GRID_EDGE, lw=0.8, hatch=hatch, hatch_colour="#9a9a9a", z=1)
    text = panel.text[index] if panel.text is not None and board.style.text else ""
    corner = panel.corner[index] if panel.corner is not None and board.style.text else ""
    gid = f"{panel.gid}[{','.join(str(i) for i in index)}]" if panel.gid else None
    halo = None
    colour = "#8c8c8c" if panel.muted is not None and panel.muted[index] else "black"
    big, small = board.style.font_size, board.style.small_size
    if text:
        size = big if board.size_of(text, big)[0] < 0.85 and not (corner and board.style.slide) else small
        if corner:
            board.text(x + 0.3, y + 0.3, text, size=size, gid=gid, halo=halo, colour=colour)
        else:
            board.text(x + 0.5, y + 0.5, text, size=size, gid=gid, halo=halo, colour=colour)
    if corner:
        board.text(x + 0.9, y + 0.94, corner, size=board.style.corner_size, ha="right", va="bottom", colour="#222222",
                   gid=f"{panel.gid}.corner[{','.join(str(i) for i in index)}]" if panel.gid else None, halo=halo)


def roles_used(panels) -> list[int]:
    """The roles that appear in ``panels``, in legend order (the kernel's own cells are not listed).

    >>> roles_used([Panel("a", np.array([OUTPUT, INPUT, KERNEL]))]) == [INPUT, OUTPUT]
    True
    """
    present = set()
    for panel in panels:
        present.update(int(v) for v in np.unique(panel.roles))
    return [role for role in ROLE_STYLE if role in present and role != KERNEL]


#: Where output_padding adds cells, by number of spatial axes.
_OUTPUT_PADDING_WHERE = {1: "extra cells at the end", 2: "extra row/column at the bottom/right",
                         3: "extra slice/row/column at the back/bottom/right"}


def draw_legend(board: Board, x: float, y: float, width: float, roles, marks=(), ndim: int = 2) -> float:
    """A legend flowed into ``width``; returns its height.

    One swatch and label per role, then per outline: ``marks`` holds labels (a solid outline)
    or ``(label, "dashed")`` pairs. On a slide the roles get their short labels
    (:data:`SHORT_LABEL`); without text there is no legend (height 0).

    >>> board = Board(cell=0.5)
    >>> _ = draw_legend(board, 0, 0, 20, [INPUT, PADDING], ["the kernel's window"])
    >>> [t["s"] for t in board.texts]
    ['input', 'padding (zeros)', "the kernel's window"]
    """
    style = board.style
    if not style.text:
        return 0.0
    items = []
    for role in roles:
        label = ROLE_STYLE[role][0]
        if style.slide:
            label = SHORT_LABEL.get(role, label)
        elif role == OUTPUT_PADDING:
            label = f"output_padding ({_OUTPUT_PADDING_WHERE[ndim]})"
        items.append((label, dict(face=ROLE_STYLE[role][1], hatch=ROLE_STYLE[role][2], edge=_GRID_EDGE, lw=0.8,
                                  style="-")))
    for mark in marks:
        label, line = (mark, "-") if isinstance(mark, str) else (mark[0], "--" if mark[1] == "dashed" else "-")
        items.append((label, dict(face="white", hatch=None, edge=WINDOW_COLOUR, lw=2.4 if line == "-" else 1.4,
                                  style=line)))
    size = style.small_size
    line_h = max(0.8, board.size_of("Ag", size)[1] + 0.25)
    cx, cy = x, y
    for label, look in items:
        w = 0.9 + 0.25 + board.size_of(label, size)[0] + 0.7
        if cx > x and cx + w - 0.7 > x + width:
            cx, cy = x, cy + line_h
        board.rect(cx, cy + (line_h - 0.6) / 2 - 0.1, 0.9, 0.6, face=look["face"], edge=look["edge"],
                   lw=look["lw"], hatch=look["hatch"], hatch_colour="#8a8a8a", style=look["style"])
        board.text(cx + 1.15, cy + line_h / 2 - 0.1, label, size=size, ha="left", va="center", colour=style.ink)
        cx += w
    return cy + line_h - y


def heading(board: Board, x: float, y: float, text: str, width: float) -> float:
    """The figure's title (bold, wrapped to ``width``, in the style's size and ink); returns its height.

    >>> board = Board(cell=0.5)
    >>> round(heading(board, 0, 0, "Convolution", 20), 2), board.texts[0]["weight"]
    (0.48, 'bold')
    """
    if not board.style.text:
        return 0.0
    return board.paragraph(x, y, text, width, size=board.style.title_size, weight="bold")
