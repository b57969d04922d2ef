"""Drawing a network's :class:`~tconv.viz.networks.Diagram`: bars for feature maps, arrows for what connects them.

Bars stand on their level's centre line: the height is the map's side over the input's side
(times the tallest bar's height), the width its channels over the widest map's (at least a
thin line), so resolution and channels can be read off the shape alone, as in Ronneberger et
al.'s figure. Above each bar its channel count, left of each level its side. Arrows: a
convolution runs right along a level, a pooling (or strided convolution) goes down, an
up-convolution goes up, a copied skip runs along its level (arching over bars in its way) into
the white bar it is concatenated as; a residual stage is marked ⊕. The legend names every
arrow and bar kind the diagram uses, so no meaning rests on colour alone.
"""
from __future__ import annotations

from .networks import Diagram, build_network, network_words
from .style import OKABE_ITO, as_style, new_figure, styled, tint, wrap_text

__all__ = ["draw_network", "network_figure", "ARROWS", "BARS"]

#: op -> (colour name of OKABE_ITO, or a grey; line style)
ARROWS = {"conv": ("blue", "-"), "residual": ("blue", "-"), "pool": ("vermillion", "-"),
          "down": ("vermillion", "-"), "up": ("bluish green", "-"), "copy": ("grey", "--"),
          "head": ("reddish purple", "-"), "score": ("reddish purple", "-"), "skip": ("reddish purple", "--"),
          "add": ("ink", ":")}
#: bar role -> (legend words, fill)
BARS = {"input": ("input image", "#d9d9d9"), "feature": ("feature map", tint(OKABE_ITO["sky blue"], 0.5)),
        "copied": ("copied skip (concatenated)", "#ffffff"),
        "scores": ("class scores", tint(OKABE_ITO["orange"], 0.55)),
        "output": ("output: class scores", tint(OKABE_ITO["bluish green"], 0.55))}


def _colour(op: str, style) -> str:
    name = ARROWS[op][0]
    if name == "ink":
        return style.ink
    if name == "grey":
        return "#8c8c8c"
    if name == "blue" and style.ground == "dark":
        return OKABE_ITO["sky blue"]
    return OKABE_ITO[name]


def _side(m, dims: int) -> str:
    return f"{m.side}³" if dims == 3 else f"{m.side}²" if dims == 2 else str(m.side)


def draw_network(diagram: Diagram, title: str, style=None):
    """The figure of ``diagram`` with ``title`` (wrapped at the top) in ``style``; returns a matplotlib Figure."""
    from matplotlib.patches import FancyArrowPatch, Rectangle

    style = as_style(style)
    width, height = style.size((13.0, 7.3))
    small, ink = style.small_size, style.ink
    line = small / 72 * 1.25                                   # a text line, in inches
    with styled(style):
        fig = new_figure(width, height, style=style)
        ax = fig.add_axes((0, 0, 1, 1))
        ax.set_xlim(0, width)
        ax.set_ylim(height, 0)
        ax.set_axis_off()
        lines = wrap_text(title, width - 0.6, style.title_size, "bold")
        ax.text(0.3, 0.22, "\n".join(lines), fontsize=style.title_size, fontweight="bold", va="top", color=ink)
        top = 0.22 + len(lines) * style.title_size / 72 * 1.25 + 2 * line
        legend_h = _legend(ax, diagram, style, width, height, line, draw=False)
        levels = max(m.level for m in diagram.maps) + 1
        gap = 2.6 * line                                        # room for the channel numbers and the arrows
        room = height - top - legend_h - 0.3 - (levels - 1) * gap - line
        tallest = room / sum(0.5 ** level for level in range(levels))
        size = max(m.side for m in diagram.maps)
        centres, y = [], top
        for level in range(levels):
            h = tallest * 0.5 ** level
            centres.append(y + h / 2)
            y += h + gap
        columns = max(m.column for m in diagram.maps) + 1
        left = 0.3 + 4.2 * small / 72                          # room for the side labels
        unit = (width - left - 0.3) / columns
        widest = max(m.channels for m in diagram.maps)
        boxes = {}
        for m in sorted(diagram.maps, key=lambda m: m.beside is not None):
            w = max(0.05, 0.55 * unit * m.channels / widest)
            h = tallest * m.side / size
            x = left + (m.column + 0.5) * unit - w / 2
            if m.beside is not None:
                bx, _, _, _ = boxes[m.beside]
                x = bx - w
            y0 = centres[m.level] - h / 2
            boxes[m.key] = (x, y0, w, h)
            ax.add_patch(Rectangle((x, y0), w, h, facecolor=BARS[m.role][1], edgecolor="#333333", linewidth=1.0,
                                   zorder=3))
        _channel_labels(ax, diagram, boxes, small, ink, line)
        labelled = set()
        for m in sorted(diagram.maps, key=lambda m: m.column):
            if m.level not in labelled:
                labelled.add(m.level)
                x, y0, w, h = boxes[m.key]
                ax.text(x - 0.12, centres[m.level], _side(m, diagram.dims), ha="right", va="center",
                        fontsize=small, color=ink)
        residual_marks = set()
        for link in diagram.links:
            _arrow(ax, link, boxes, diagram, style, line, FancyArrowPatch)
            if link.op == "residual":
                residual_marks.add(link.end)
        for key in residual_marks:
            x, y0, w, h = boxes[key]
            ax.text(x + w + 0.05, y0 + h, "⊕", ha="left", va="bottom", fontsize=small, color=ink, zorder=4)
        _legend(ax, diagram, style, width, height, line, draw=True)
    return fig


def _channel_labels(ax, diagram: Diagram, boxes: dict, small: float, ink: str, line: float) -> None:
    """Each bar's channels above it (a copied skip and its up-convolution as ``16+16``), beside an arrow that lands there."""
    crowded = set()
    for link in diagram.links:
        start, end = diagram.map(link.start), diagram.map(link.end)
        if end.level > start.level or link.op == "skip":
            crowded.add(link.end)               # an arrow comes down onto its top
        if end.level < start.level or link.op == "skip":
            crowded.add(link.start)             # an arrow leaves from its top
    copies = {m.beside: m for m in diagram.maps if m.beside is not None}
    for m in diagram.maps:
        if m.beside is not None:
            continue
        x, y0, w, h = boxes[m.key]
        text = str(m.channels)
        if m.key in copies:
            text = f"{copies[m.key].channels}+{m.channels}"
            cx = boxes[copies[m.key].key][0]
            x, w = cx, x + w - cx
        if m.key in crowded:
            ax.text(x + w / 2 + 0.1, y0 - 0.2 * line, text, ha="left", va="bottom", fontsize=small, color=ink,
                    zorder=4)
        else:
            ax.text(x + w / 2, y0 - 0.25 * line, text, ha="center", va="bottom", fontsize=small, color=ink, zorder=4)


def _arrow(ax, link, boxes, diagram, style, line, FancyArrowPatch) -> None:
    sx, sy, sw, sh = boxes[link.start]
    ex, ey, ew, eh = boxes[link.end]
    colour, dash = _colour(link.op, style), ARROWS[link.op][1]
    kwargs = dict(arrowstyle="-|>", mutation_scale=16 if style.slide else 12, linewidth=2.2 if style.slide else 1.4,
                  color=colour, linestyle=dash, shrinkA=2, shrinkB=2, zorder=2)
    start_level = diagram.map(link.start).level
    end_level = diagram.map(link.end).level
    if link.op in ("pool", "down") or (end_level > start_level):
        start, end = (sx + sw / 2, sy + sh), (ex + ew / 2, ey)
    elif link.op == "up" or end_level < start_level:
        start, end = (sx + sw / 2, sy), (ex + ew / 2, ey + eh)
    else:
        start, end = (sx + sw, sy + sh / 2), (ex, ey + eh / 2)
        between = [m for m in diagram.maps if m.level == start_level and sx + sw < boxes[m.key][0] < ex
                   and m.key not in (link.start, link.end)]
        if between:                         # arch over the bars in the way, through the gap above the level
            lift = min(boxes[m.key][1] for m in between + [diagram.map(link.start)]) - 1.9 * line
            start, end = (sx + sw, sy), (ex + ew / 2, ey)
            ax.plot([start[0], start[0], end[0]], [start[1], lift, lift], color=colour, linestyle=dash,
                    linewidth=kwargs["linewidth"], zorder=2)
            start = (end[0], lift)
    ax.add_patch(FancyArrowPatch(start, end, **kwargs))


def _legend(ax, diagram: Diagram, style, width: float, height: float, line: float, draw: bool) -> float:
    """The arrows' and bars' legend along the bottom; returns its height (``draw=False``: only measures)."""
    from matplotlib.patches import FancyArrowPatch, Rectangle

    from .style import text_size

    small, ink = style.small_size, style.ink
    items = [("arrow", op, words) for op, words in diagram.legend.items()]
    roles = [m.role for m in diagram.maps]
    items += [("bar", role, BARS[role][0]) for role in BARS if role in roles]
    items = [(kind, key, "⊕ " + words if key == "residual" else words) for kind, key, words in items]
    row_h = 1.6 * line
    x, rows = 0.3, [[]]
    for item in items:
        w = 0.7 + 0.12 + text_size(item[2], small)[0] + 0.45
        if x > 0.3 and x + w > width - 0.3:
            rows.append([])
            x = 0.3
        rows[-1].append((x, item))
        x += w
    total = len(rows) * row_h
    if not draw:
        return total
    y = height - 0.25 - total
    for r, row in enumerate(rows):
        cy = y + (r + 0.5) * row_h
        for x, (kind, key, words) in row:
            if kind == "arrow":
                ax.add_patch(FancyArrowPatch((x, cy), (x + 0.6, cy), arrowstyle="-|>", mutation_scale=14,
                                             linewidth=2.0, color=_colour(key, style), linestyle=ARROWS[key][1]))
            elif kind == "bar":
                ax.add_patch(Rectangle((x + 0.15, cy - 0.6 * line), 0.3, 1.2 * line, facecolor=BARS[key][1],
                                       edgecolor="#333333", linewidth=1.0))
            ax.text(x + 0.72, cy, words, ha="left", va="center", fontsize=small, color=ink)
    return total


def network_figure(name: str, *, depth=3, base=16, size=64, in_channels=1, classes=2, up="transpose", style=None):
    """The diagram figure of the network ``name`` (``unet``, ``fcn``, ``vnet``) built with these arguments."""
    options = dict(depth=depth, base=base, size=size, in_channels=in_channels, classes=classes, up=up)
    _, diagram = build_network(name, **options)
    return draw_network(diagram, network_words(name, **options).title, style)
