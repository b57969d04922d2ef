"""A drawing board measured in cells: rectangles and text placed in grid units, then drawn.

The grid and matrix figures are laid out by hand, in units of one cell, so that every cell
has the same size in every panel and text can be measured before it is placed: a
:class:`Board` collects rectangles and text, knows the box each piece of text covers (from
:func:`~tconv.viz.style.text_size`), and :func:`board_figure` turns one board (or a list of
boards, the frames of an animation) into a figure exactly as large as the content, at
``cell`` inches per unit. ``y`` grows downwards, as rows do.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .render import render_frames
from .style import FONT, PAPER, Style, new_figure, styled, text_size, wrap_text

__all__ = ["Board", "board_figure", "content_size", "fit_cell", "MARGIN"]

#: Empty space around the content, in cells.
MARGIN = 0.4


@dataclass
class Board:
    """Rectangles and text in cell units (``cell`` inches per unit; ``y`` grows downwards).

    ``style`` (:class:`~tconv.viz.style.Style`) sets the text sizes and the ink: text without
    a ``size`` is set at ``style.font_size``.

    >>> b = Board(cell=0.5)
    >>> b.rect(0, 0, 2, 1, face="white")
    >>> b.text(1, 0.5, "hi")
    >>> b.extent()[:2]
    (0, 0)
    """

    cell: float = 0.5
    rects: list = field(default_factory=list)
    texts: list = field(default_factory=list)
    style: Style = PAPER

    def rect(self, x, y, w=1.0, h=1.0, *, face="none", edge="#404040", lw=0.8, hatch=None, hatch_colour=None,
             style="-", z=1, label=None):
        """A rectangle with its top-left corner at ``(x, y)``."""
        self.rects.append(dict(x=x, y=y, w=w, h=h, face=face, edge=edge, lw=lw, hatch=hatch,
                               hatch_colour=hatch_colour, style=style, z=z, label=label))

    def text(self, x, y, s, *, size=None, ha="center", va="center", colour="black", weight="normal",
             gid=None, z=4, halo=None):
        """Text anchored at ``(x, y)`` (``ha`` left/center/right, ``va`` top/center/bottom).

        ``halo`` is a colour drawn around the glyphs, keeping text readable over a hatch.
        """
        size = self.style.font_size if size is None else size
        if s:
            self.texts.append(dict(x=x, y=y, s=s, size=size, ha=ha, va=va, colour=colour, weight=weight,
                                   gid=gid, z=z, halo=halo))

    def size_of(self, s: str, size: float | None = None, weight: str = "normal") -> tuple[float, float]:
        """Width and height of ``s`` in cell units (``size`` default: the style's)."""
        width, height = text_size(s, self.style.font_size if size is None else size, weight)
        return width / self.cell, height / self.cell

    def paragraph(self, x, y, s, width, *, size=None, weight="normal", colour=None) -> float:
        """Left-aligned text from ``(x, y)`` wrapped to ``width`` cells (in the style's ink); returns the height used."""
        size = self.style.font_size if size is None else size
        colour = self.style.ink if colour is None else colour
        lines = wrap_text(s, width * self.cell, size, weight)
        step = self.size_of("Ag", size, weight)[1] * 1.2
        for n, line in enumerate(lines):
            self.text(x, y + n * step, line, size=size, ha="left", va="top", weight=weight, colour=colour)
        return step * len(lines)

    def text_box(self, t: dict) -> tuple[float, float, float, float]:
        """``(x0, y0, x1, y1)`` covered by the text ``t`` in cell units."""
        width, height = self.size_of(t["s"], t["size"], t["weight"])
        x0 = {"left": t["x"], "center": t["x"] - width / 2, "right": t["x"] - width}[t["ha"]]
        y0 = {"top": t["y"], "center": t["y"] - height / 2, "bottom": t["y"] - height}[t["va"]]
        return x0, y0, x0 + width, y0 + height

    def extent(self) -> tuple[float, float, float, float]:
        """The box ``(x0, y0, x1, y1)`` around every rectangle and text."""
        boxes = [(r["x"], r["y"], r["x"] + r["w"], r["y"] + r["h"]) for r in self.rects]
        boxes += [self.text_box(t) for t in self.texts]
        if not boxes:
            return 0, 0, 1, 1
        return (min(b[0] for b in boxes), min(b[1] for b in boxes),
                max(b[2] for b in boxes), max(b[3] for b in boxes))

    def draw(self, ax, texts: bool = True) -> list:
        """Draw the board into ``ax`` (whose limits are already set); returns the artists.

        ``texts=False`` draws the rectangles only.

        Rectangles with the same hatch, line style and z-order become one
        :class:`~matplotlib.collections.PolyCollection` (drawing hundreds of cells fast);
        text keeps its own artists (``gid`` set, for tests and SVG ids).
        """
        from matplotlib.collections import PolyCollection
        from matplotlib.patheffects import withStroke

        artists = []
        groups: dict = {}
        for r in self.rects:
            groups.setdefault((r["z"], r["hatch"] or "", r["style"], r["hatch_colour"] or ""), []).append(r)
        for (z, hatch, style, hatch_colour), rects in groups.items():
            corners = np.array([(r["x"], r["y"], r["w"], r["h"]) for r in rects], dtype=float)
            x, y, w, h = corners.T
            vertices = np.stack([np.stack([x, y], 1), np.stack([x + w, y], 1), np.stack([x + w, y + h], 1),
                                 np.stack([x, y + h], 1)], axis=1)
            collection = PolyCollection(vertices, closed=True, facecolors=[r["face"] for r in rects],
                                        edgecolors=[r["edge"] for r in rects],
                                        linewidths=[r["lw"] for r in rects], linestyles=style, zorder=z)
            if hatch:
                collection.set_hatch(hatch)
                collection.set_hatchcolor(hatch_colour or "#555555")
            artists.append(ax.add_artist(collection))
        for t in self.texts if texts else ():
            artist = ax.text(t["x"], t["y"], t["s"], fontsize=t["size"], ha=t["ha"], va=t["va"],
                             color=t["colour"], fontweight=t["weight"], zorder=t["z"], fontfamily=FONT)
            if t["gid"]:
                artist.set_gid(t["gid"])
            if t["halo"] is not None:
                artist.set_path_effects([withStroke(linewidth=3, foreground=t["halo"])])
            artists.append(artist)
        return artists


def _union(boxes):
    return (min(b[0] for b in boxes), min(b[1] for b in boxes), max(b[2] for b in boxes), max(b[3] for b in boxes))


def board_figure(boards, canvas=None):
    """A figure holding ``boards[0]``, a function that redraws it with ``boards[i]``, and a fast renderer.

    ``boards`` is one :class:`Board` or a list of them (the frames of an animation, all drawn
    in the box that holds every frame). The figure is exactly as large as the content, or,
    with ``canvas = (width, height)`` in inches, that large with the content at its top,
    centred across (at the boards' scale: :func:`fit_cell` chooses one that fits). Its ground is the
    boards' style's. Returns ``(figure, draw, render)``: ``draw(i)`` shows frame ``i``;
    ``render(dpi)`` yields every frame as an RGBA array, drawing the pieces the frames share
    once and only the changing ones per frame (what a GIF needs).

    >>> frames = [Board(cell=0.5), Board(cell=0.5)]
    >>> frames[0].text(0, 0, "one"); frames[1].text(0, 0, "two")
    >>> figure, draw, render = board_figure(frames)
    >>> draw(1).axes[0].texts[0].get_text(), [rgba.shape[2] for rgba in render(50)]
    ('two', [4, 4])
    """
    frames = boards if isinstance(boards, (list, tuple)) else [boards]
    cell, style = frames[0].cell, frames[0].style
    x0, y0, x1, y1 = _union([b.extent() for b in frames])
    x0, y0, x1, y1 = x0 - MARGIN, y0 - MARGIN, x1 + MARGIN, y1 + MARGIN
    if canvas is not None:
        width, height = canvas[0] / cell, canvas[1] / cell
        x0 = (x0 + x1 - width) / 2
        x1, y1 = x0 + width, y0 + height
    figure = new_figure((x1 - x0) * cell, (y1 - y0) * cell, style=style)
    ax = figure.add_axes((0, 0, 1, 1))

    def clear():
        ax.clear()
        ax.set_xlim(x0, x1)
        ax.set_ylim(y1, y0)
        ax.set_axis_off()

    def draw(index: int):
        with styled(style):
            clear()
            frames[index].draw(ax)
        return figure

    def render(dpi: float):
        previous = figure.dpi
        try:
            with styled(style):
                yield from render_frames(frames, figure, ax, clear, dpi)
        finally:
            figure.set_dpi(previous)
            draw(0)

    draw(0)
    return figure, draw, render


def content_size(boards) -> tuple[float, float]:
    """Width and height in inches of what ``boards`` hold, margins included (what :func:`board_figure` needs)."""
    frames = boards if isinstance(boards, (list, tuple)) else [boards]
    x0, y0, x1, y1 = _union([b.extent() for b in frames])
    return (x1 - x0 + 2 * MARGIN) * frames[0].cell, (y1 - y0 + 2 * MARGIN) * frames[0].cell


def fit_cell(layout, cell: float, canvas) -> tuple:
    """``(boards, cell)``: ``layout(cell)`` laid out at ``cell``, or at the largest smaller cell that fits ``canvas``.

    Text keeps its size in points while the cells shrink, so the layout is made again at the
    new scale (a few times, until it fits).

    >>> def layout(cell):
    ...     board = Board(cell=cell)
    ...     board.rect(0, 0, 40, 10)
    ...     return [board]
    >>> round(fit_cell(layout, 0.5, (12.8, 7.2))[1], 3)
    0.312
    """
    boards = layout(cell)
    for _ in range(6):
        width, height = content_size(boards)
        ratio = min(canvas[0] / width, canvas[1] / height)
        if ratio >= 1:
            return boards, cell
        cell *= ratio * 0.995
        boards = layout(cell)
    return boards, cell
