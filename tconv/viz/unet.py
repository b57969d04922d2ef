"""The architecture diagram of a U-Net (Ronneberger, Fischer & Brox, 2015), drawn from level descriptions.

:func:`draw_unet` draws a list of :class:`UNetLevel` (one per box of the "U": the encoder
levels going down, the bottleneck, the decoder levels coming back up, the 1x1 head), so the
same picture can be made from any source of shapes. :func:`unet_levels` describes the
standard padded U-Net from its arguments: two 3x3 convolutions (+ ReLU) per level, 2x2
max-pooling down, channels doubling per level, an upsampling step, concatenation with the
skip, and a 1x1 convolution to the classes.

:func:`model_levels` describes a built :class:`tconv.seg.models.UNet` from its
``summary()``: the shapes it really produces and each level's parameter count (encoder block;
upsampler + decoder block; bottleneck; head), which ``tconv figure unet`` draws.
"""
from __future__ import annotations

from dataclasses import dataclass

from .scenes import NBSP, spell_size
from .style import FONT_SIZE, OKABE_ITO, SMALL_SIZE, TITLE_SIZE, new_figure, styled, tint, wrap_text

__all__ = ["UNetLevel", "unet_levels", "model_levels", "draw_unet", "describe_unet", "UP_KINDS", "SIDES", "MAX_WIDTH"]

#: How the decoder upsamples, by the name the command line uses.
UP_KINDS = {
    "transpose": "transposed conv 2×2, stride 2 (learned)",
    "resize": "resize ×2 (nearest) + conv 3×3",
    "bilinear": "transposed conv 4×4, stride 2, padding 1 (bilinear init)",
}
SIDES = ("input", "encoder", "bottleneck", "decoder", "head")
_STYLE = {  # side -> (fill, hatch): the hatch repeats what the colour says
    "input": ("#ffffff", None),
    "encoder": (tint(OKABE_ITO["sky blue"], 0.45), None),
    "bottleneck": (tint(OKABE_ITO["reddish purple"], 0.4), "//"),
    "decoder": (tint(OKABE_ITO["bluish green"], 0.4), ".."),
    "head": (tint(OKABE_ITO["orange"], 0.5), "xx"),
}


@dataclass(frozen=True)
class UNetLevel:
    """One box of the U-Net diagram.

    * ``level``: 0 at full resolution, ``depth`` at the bottleneck;
    * ``side``: one of :data:`SIDES`;
    * ``shape``: the output ``(channels, *spatial)`` of this box;
    * ``operations``: what the box does, in words (``"2 × (conv 3×3 + ReLU)"``);
    * ``params``: its parameter count, when known (drawn under the shape).

    >>> UNetLevel(1, "encoder", (32, 16, 16), "2 × (conv 3×3 + ReLU)", params=13_888).params
    13888
    """

    level: int
    side: str
    shape: tuple
    operations: str
    params: int | None = None

    def __post_init__(self):
        if self.side not in SIDES:
            raise ValueError(f"UNetLevel side={self.side!r} must be one of {SIDES}")
        if not self.shape or any(not isinstance(n, int) or n < 1 for n in self.shape):
            raise ValueError(f"UNetLevel shape={self.shape!r} must be (channels, *spatial), positive ints")


#: The most channels at the bottom of a drawn U-Net (``base * 2**depth``): the model is built to
#: count its parameters, and 1024 channels already make a 3x3 layer of 9.4 million weights.
MAX_WIDTH = 1024


def _check_int(name, value, low, high):
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise ValueError(f"{name}={value!r} must be an int from {low} to {high}")


def unet_levels(depth: int = 3, base: int = 16, size: int = 64, in_channels: int = 1, classes: int = 2,
                up: str = "transpose", ndim: int = 2) -> list[UNetLevel]:
    """The levels of a padded U-Net: ``depth`` poolings, ``base`` channels at full resolution.

    Level ``l`` works on ``size / 2**l`` pixels per axis with ``base * 2**l`` channels; ``size``
    must be divisible by ``2**depth`` so that every pooling halves it exactly.

    >>> [(lv.side, lv.shape) for lv in unet_levels(depth=2, base=8, size=32)][:4]
    [('input', (1, 32, 32)), ('encoder', (8, 32, 32)), ('encoder', (16, 16, 16)), ('bottleneck', (32, 8, 8))]
    """
    _check_int("depth", depth, 1, 6)
    _check_int("base", base, 1, 1024)
    _check_int("size", size, 2, 4096)
    _check_int("in_channels", in_channels, 1, 1024)
    _check_int("classes", classes, 1, 1024)
    _check_int("ndim", ndim, 1, 3)
    if base * 2 ** depth > MAX_WIDTH:
        raise ValueError(f"base={base} with depth={depth} gives {base * 2 ** depth} channels at the bottom; a drawn "
                         f"U-Net may have at most {MAX_WIDTH} (its weights are built to count them)")
    if up not in UP_KINDS:
        raise ValueError(f"up={up!r} must be one of {tuple(UP_KINDS)}")
    if size % 2 ** depth:
        raise ValueError(f"size={size} must be divisible by 2**depth = {2 ** depth} so that each of the {depth} "
                         f"poolings halves it exactly (e.g. size={2 ** depth * max(1, round(size / 2 ** depth))})")
    conv = "2 × (conv 3×3 + ReLU)"
    levels = [UNetLevel(0, "input", (in_channels,) + (size,) * ndim, "image")]
    for level in range(depth):
        levels.append(UNetLevel(level, "encoder", (base * 2 ** level,) + (size // 2 ** level,) * ndim, conv))
    levels.append(UNetLevel(depth, "bottleneck", (base * 2 ** depth,) + (size // 2 ** depth,) * ndim, conv))
    for level in reversed(range(depth)):
        levels.append(UNetLevel(level, "decoder", (base * 2 ** level,) + (size // 2 ** level,) * ndim,
                                f"concatenate the skip, {conv}"))
    levels.append(UNetLevel(0, "head", (classes,) + (size,) * ndim, "conv 1×1 → one score per class"))
    return levels


def model_levels(model, size: int = 64) -> list[UNetLevel]:
    """The levels of a built ``tconv.seg.models.UNet``, with the shapes and parameter counts of its summary.

    ``size`` is the side of the (square or cubic) input the summary runs; it must be divisible
    by ``2**depth`` for the picture (the model itself takes any size).

    >>> from tconv.seg.models import UNet
    >>> levels = model_levels(UNet(base=4, depth=2), size=16)
    >>> [(lv.side, lv.shape, lv.params) for lv in levels][2:4]
    [('encoder', (8, 8, 8), 880), ('bottleneck', (16, 4, 4), 3488)]
    """
    config = model.config()
    ndim = config["dim"]
    levels = unet_levels(config["depth"], config["base"], size, config["in_channels"], config["num_classes"],
                         config["up"], ndim)
    depth = config["depth"]
    small = 2 ** depth                    # the summary runs on the smallest input; the shapes scale with the side
    rows = {r.name: r for r in model.summary((1, config["in_channels"]) + (small,) * ndim, show=False)}
    bn = " + batch norm" if config["batch_norm"] else ""
    conv = f"2 × (conv 3×3{bn} + ReLU)"

    def from_rows(level, *names):
        channels, *spatial = rows[names[-1]].output_shape[1:]
        return (channels, *(side * size // small for side in spatial)), sum(rows[n].parameters for n in names)

    described = []
    for lv in levels:
        if lv.side == "encoder":
            shape, params = from_rows(lv.level, f"encoder.{lv.level}")
        elif lv.side == "bottleneck":
            shape, params = from_rows(lv.level, "bottleneck")
        elif lv.side == "decoder":
            i = depth - 1 - lv.level
            shape, params = from_rows(lv.level, f"up.{i}", f"decoder.{i}")
        elif lv.side == "head":
            shape, params = from_rows(0, "head")
        else:
            described.append(lv)
            continue
        operations = lv.operations.replace("2 × (conv 3×3 + ReLU)", conv)
        described.append(UNetLevel(lv.level, lv.side, shape, operations, params))
    return described


def _shape_text(shape) -> str:
    return f"{shape[0]} ch × {spell_size(shape[1:])}"


def draw_unet(levels, title: str | None = None, up: str | None = None):
    """The U-shaped diagram of ``levels`` (a list of :class:`UNetLevel`), labelled with shapes and operations.

    Encoder boxes go down the left, the bottleneck sits at the bottom, decoder boxes come back
    up the right; arrows are labelled (max-pool, the upsampling, copy and concatenate).
    ``up`` (a key of :data:`UP_KINDS`) names the upsampling on the up arrows. Returns a Figure.

    >>> fig = draw_unet(unet_levels(depth=3))
    >>> sum("bottleneck" in t.get_text() for t in fig.axes[0].texts)
    1
    """
    levels = list(levels)
    if not levels or not all(isinstance(lv, UNetLevel) for lv in levels):
        raise TypeError("levels must be a non-empty list of UNetLevel (see unet_levels)")
    depth = max(lv.level for lv in levels)
    box_w, box_h, row_h, step = 2.5, 0.95, 1.55, 0.55
    gap = 4.2                                    # room for the skip arrows' labels
    width = 2 * (box_w + depth * step) + gap + 0.6
    up_label = UP_KINDS.get(up, "upsample ×2") if up else "upsample ×2"
    text = title or "U-Net"
    lines = wrap_text(text, width - 0.6, TITLE_SIZE, "bold")
    top = 0.35 + 0.3 * len(lines) + 0.5
    extra = 0.45                                 # more room above the bottleneck for the elbow arrows' labels
    height = top + (depth + 1) * row_h + extra + box_h + 0.4
    with styled():
        fig = new_figure(width, height)
        ax = fig.add_axes((0, 0, 1, 1))
        ax.set_xlim(0, width)
        ax.set_ylim(height, 0)
        ax.set_axis_off()
        ax.text(0.3, 0.25, "\n".join(lines), fontsize=TITLE_SIZE, fontweight="bold", va="top")

        def where(lv: UNetLevel):
            y = top + (lv.level + (1 if lv.side not in ("input", "head") else 0)) * row_h
            y += extra if lv.side == "bottleneck" else 0
            if lv.side in ("input", "encoder"):
                return 0.3 + lv.level * step, y
            if lv.side == "bottleneck":
                return (width - box_w) / 2, y
            return width - 0.3 - box_w - lv.level * step, y

        boxes = {}
        for lv in levels:
            x, y = where(lv)
            _box(ax, x, y, box_w, box_h, lv)
            boxes[(lv.side, lv.level)] = (x, y)
        for lv in levels:
            x, y = boxes[(lv.side, lv.level)]
            if lv.side == "input" and ("encoder", 0) in boxes:
                _arrow(ax, (x + box_w / 2, y + box_h), (x + box_w / 2, y + row_h), None)
            if lv.side == "encoder":
                below = ("encoder", lv.level + 1) if ("encoder", lv.level + 1) in boxes else ("bottleneck", depth)
                if below in boxes and below[0] == "encoder":
                    bx, by = boxes[below]
                    _arrow(ax, (x + 0.4, y + box_h), (bx + 0.4, by), "max-pool 2×2", side="right")
                elif below in boxes:                       # down, then right into the bottleneck
                    bx, by = boxes[below]
                    _elbow(ax, (x + 0.4, y + box_h), (bx, by + box_h / 2), "max-pool 2×2", side="right")
                if ("decoder", lv.level) in boxes:
                    dx, dy = boxes[("decoder", lv.level)]
                    _arrow(ax, (x + box_w, y + box_h / 2), (dx, dy + box_h / 2),
                           f"copy and concatenate ({lv.shape[0]} ch)", dashed=True)
            if lv.side == "decoder":
                below = ("decoder", lv.level + 1) if ("decoder", lv.level + 1) in boxes else ("bottleneck", depth)
                if below in boxes and below[0] == "decoder":
                    bx, by = boxes[below]
                    _arrow(ax, (bx + box_w - 0.4, by), (x + box_w - 0.4, y + box_h), up_label, side="left")
                elif below in boxes:                       # out of the bottleneck, then up
                    bx, by = boxes[below]
                    _elbow(ax, (bx + box_w, by + box_h / 2), (x + box_w - 0.4, y + box_h), up_label, side="left",
                           vertical_first=False)
            if lv.side == "head" and ("decoder", 0) in boxes:
                dx, dy = boxes[("decoder", 0)]
                _arrow(ax, (dx + box_w / 2, dy), (x + box_w / 2, y + box_h), None)
    return fig


def _box(ax, x, y, w, h, lv: UNetLevel):
    from matplotlib.patches import Rectangle

    fill, hatch = _STYLE[lv.side]
    ax.add_patch(Rectangle((x, y), w, h, facecolor=fill, edgecolor="#333333", linewidth=1.0, hatch=hatch))
    name = {"input": "input", "encoder": f"encoder, level {lv.level}", "bottleneck": "bottleneck",
            "decoder": f"decoder, level {lv.level}", "head": "output"}[lv.side]
    lines = [_shape_text(lv.shape)] + wrap_text(lv.operations, w - 0.2, SMALL_SIZE)[:2]
    if lv.params is not None:
        lines.append(f"{lv.params:,} parameters")
    ax.text(x + 0.1, y + 0.08, name, fontsize=FONT_SIZE, fontweight="bold", va="top",
            bbox=dict(facecolor=fill, edgecolor="none", pad=0.5))
    ax.text(x + 0.1, y + 0.33, "\n".join(lines), fontsize=SMALL_SIZE, va="top", linespacing=1.15,
            bbox=dict(facecolor=fill, edgecolor="none", pad=0.5))


def _elbow(ax, start, end, label, side, vertical_first=True):
    """An arrow with one right angle: vertical then horizontal, or horizontal then vertical.

    The label sits beside the vertical part."""
    corner = (start[0], end[1]) if vertical_first else (end[0], start[1])
    ax.plot([start[0], corner[0]], [start[1], corner[1]], color="#333333", linewidth=1.4, solid_capstyle="butt")
    _arrow(ax, corner, end, None)
    vertical = (start, corner) if vertical_first else (corner, end)
    mx, my = vertical[0][0], (vertical[0][1] + vertical[1][1]) / 2
    lines = "\n".join(wrap_text(label, 2.4, SMALL_SIZE))
    ax.text(mx + (0.15 if side == "right" else -0.15), my, lines, fontsize=SMALL_SIZE, va="center",
            ha="left" if side == "right" else "right")


def _arrow(ax, start, end, label, side="above", dashed=False):
    from matplotlib.patches import FancyArrowPatch

    ax.add_patch(FancyArrowPatch(start, end, arrowstyle="-|>", mutation_scale=14, linewidth=1.4,
                                 color=OKABE_ITO["vermillion"] if dashed else "#333333",
                                 linestyle="--" if dashed else "-", shrinkA=1, shrinkB=1))
    if not label:
        return
    mx, my = (start[0] + end[0]) / 2, (start[1] + end[1]) / 2
    if abs(end[0] - start[0]) > 2 * abs(end[1] - start[1]):
        side = "above"                          # a long, flat arrow: the label goes over it
    if side == "above":
        ax.text(mx, my - 0.22, "\n".join(wrap_text(label, 2.4, SMALL_SIZE)), fontsize=SMALL_SIZE, ha="center",
                va="bottom")
    else:
        lines = "\n".join(wrap_text(label, 2.4, SMALL_SIZE))
        if side == "left":
            ax.text(mx - 0.15, my, lines, fontsize=SMALL_SIZE, ha="right", va="center")
        else:
            ax.text(mx + 0.15, my, lines, fontsize=SMALL_SIZE, ha="left", va="center")


def describe_unet(depth, base, size, in_channels, classes, up) -> str:
    """The diagram's title for the arguments of :func:`unet_levels`.

    >>> describe_unet(2, 8, 32, 1, 3, "resize").replace(NBSP, " ")[:45]
    'U-Net: depth 2, 8 channels at full resolution'
    """
    shape = spell_size((size, size))
    return (f"U-Net: depth {depth}, {base} channels at full resolution (doubling per level), input "
            f"{in_channels} ch × {shape}, {classes} classes; upsampling: {UP_KINDS[up]}")

