"""Convolution and transposed convolution grids, still or animated, for any 1-, 2- or 3-D geometry.

:func:`draw_convolution` and :func:`animate_convolution` take a
:class:`~tconv.geometry.ConvGeometry` (from :func:`tconv.conv_geometry` or
:func:`tconv.conv_transpose_geometry`) and draw what it does, labelled in words: the input, its
padding, the kernel's window (spread out by the dilation), the output and, for a transposed
convolution, the cropped border and the ``output_padding`` row/column at the bottom/right.

* a convolution: one frame per output position;
* a transposed convolution, ``view="direct"``: one frame per input position, each input pixel
  painting its scaled kernel into the output, overlaps accumulating (the scatter-add);
* ``view="equivalent"``: the paper's picture of the transposed convolution, a stride-1
  convolution of the zero-inserted, padded input with the kernel rotated 180°.

A 1-D geometry is drawn as rows of cells, a 3-D one slice by slice. ``numbers=True`` writes
seeded values in the cells and the products being summed under the picture.
"""
from __future__ import annotations

import math

from ..geometry import ConvGeometry
from dataclasses import replace

from .board import MARGIN, Board, board_figure, fit_cell
from .cells import draw_legend, draw_panel, heading, panel_size, roles_used
from .frames import FrameAnimation
from .scenes import NBSP, spell_axes, spell_size
from .scenes_conv import conv_frames
from .scenes_transposed import equivalent_frames, scatter_frames
from .style import SLIDE_CANVAS, SLIDE_DPI, Style, as_style, styled
from .words import Words

__all__ = ["draw_convolution", "animate_convolution", "describe", "slide_title", "grid_words", "grid_sides",
           "MAX_SIDE", "MAX_TEXT_SIDE", "MAX_FRAMES", "SLIDE_CELL"]

#: Grids with more cells than this along a side are drawn without per-cell text (1-D rows: twice as many).
MAX_TEXT_SIDE = 16
#: Grids with more cells than this along a side (or more depth slices than MAX_SLICES) are refused.
MAX_SIDE = 40
MAX_SLICES = 8
#: Animations with more frames than this are refused.
MAX_FRAMES = 150
VIEWS = ("direct", "equivalent")
_GAP = 1.5
_MIN_WIDTH = 16.0


def describe(g: ConvGeometry, view: str = "direct") -> tuple[str, str]:
    """The title of a geometry's picture and its size formula, filled in, in words.

    For ``view="equivalent"`` the formula is followed by the paper's recipe with its numbers.

    >>> from tconv.geometry import conv_geometry
    >>> describe(conv_geometry((5, 5), (3, 3), stride=2, padding=1))[1].replace(NBSP, " ")
    'o = ⌊(i + p_before + p_after − k̂) / s⌋ + 1 = ⌊(5 + 1 + 1 − 3) / 2⌋ + 1 = 3 on each axis'
    """
    kind = "Transposed convolution" if g.transposed else "Convolution"
    parts = [f"{kind}, {g.ndim}-D: input {spell_size(g.input_size)}", f"kernel {spell_size(g.kernel_size)}"]
    if any(s != 1 for s in g.stride):
        parts.append(f"stride {spell_axes(g.stride)}")
    if any(b or a for b, a in g.padding):
        parts.append("padding " + (spell_axes(b for b, _ in g.padding) if g.is_symmetric else
                                   spell_axes(f"{b},{a}" for b, a in g.padding)))
    if any(d != 1 for d in g.dilation):
        parts.append(f"dilation {spell_axes(g.dilation)} (the kernel spans{NBSP}{spell_size(g.effective_kernel)})")
    a_out = g.restoring_output_padding() if g.transposed else ()
    if any(a_out):
        parts.append(f"output_padding {spell_axes(a_out)}")
    title = ", ".join(parts) + f" → output {spell_size(g.output_size)}"
    if g.transposed:
        rule = "o' = (i − 1)·s − p_before − p_after + k̂ + output_padding"
        numbers = [f"({i} − 1)·{s} − {b} − {a} + {kh} + {op} = {o}" for i, s, (b, a), kh, op, o in
                   zip(g.feature_size, g.stride, g.padding, g.effective_kernel, a_out, g.image_size)]
    else:
        rule = "o = ⌊(i + p_before + p_after − k̂) / s⌋ + 1"
        numbers = [f"⌊({i} + {b} + {a} − {kh}) / {s}⌋ + 1 = {o}" for i, (b, a), kh, s, o in
                   zip(g.image_size, g.padding, g.effective_kernel, g.stride, g.feature_size)]
    rule = rule.replace(" ", NBSP)
    numbers = [n.replace(" ", NBSP) for n in numbers]
    if len(set(numbers)) == 1:
        formula = f"{rule} = {numbers[0]}" + (" on each axis" if g.ndim > 1 else "")
    else:
        formula = f"{rule}: " + "; ".join(f"axis {n}: {text}" for n, text in enumerate(numbers))
    if any(d != 1 for d in g.dilation):
        formula += f"   (k̂ = d·(k − 1) + 1 = {spell_axes(g.effective_kernel)})".replace(" ", NBSP)
    if view == "equivalent":
        eq = g.equivalent_conv()
        before = spell_axes(b for b, _ in eq["padding"])
        after = spell_axes(a for _, a in eq["padding"])
        zeros = spell_axes(eq["zeros_between"])
        crop = " (negative: crop)" if any(b < 0 or a < 0 for b, a in eq["padding"]) else ""
        pad_before = f"k̂ − 1 − p_before = {before}".replace(" ", NBSP)
        pad_after = f"k̂ − 1 − p_after + output_padding = {after}".replace(" ", NBSP)
        formula += (f"\nThe paper's equivalent convolution: insert s − 1 = {zeros} zero{'' if zeros == '1' else 's'} "
                    f"between input pixels ({spell_size(g.feature_size)} → {spell_size(eq['stuffed_size'])}), "
                    f"pad {pad_before} before and {pad_after} after{crop}, then convolve with stride 1 and "
                    "the kernel rotated 180°")
    return title, formula


def _check(g, view: str, numbers: bool, style=None, no_text: bool = False) -> Style:
    """Refuse what cannot be drawn; return the style to draw in."""
    style = as_style(style)
    if no_text:
        if numbers:
            raise ValueError("numbers=True writes values in the cells and no_text=True draws no text: choose one")
        style = replace(style, text=False)
    if not isinstance(g, ConvGeometry):
        raise TypeError(f"geometry must be a tconv ConvGeometry (from tconv.conv_geometry or "
                        f"tconv.conv_transpose_geometry), got {type(g).__name__}")
    if view not in VIEWS:
        raise ValueError(f"view={view!r} is not one of {VIEWS}")
    if view == "equivalent" and not g.transposed:
        raise ValueError("view='equivalent' draws a transposed convolution as a direct one; this geometry is a "
                         "convolution (use tconv.conv_transpose_geometry, or --transposed)")
    _refuse_large(g, view)
    return style


def grid_sides(g: ConvGeometry, view: str = "direct") -> tuple:
    """The largest number of cells any panel of ``g``'s picture has along each axis, from the geometry alone.

    Computed before any array is made, so a geometry too large to draw (``--input 100000
    100000``) is refused at once instead of after drawing gigabytes: the padded input and the
    output of a convolution; the transposed convolution's input and its canvas of kernel
    copies ``(i-1)s + k̂`` (at least the cropped border plus the output); in the paper's view
    the zero-inserted, padded input.

    >>> from tconv.geometry import conv_geometry
    >>> grid_sides(conv_geometry((100000, 100000), (3, 3)))
    (100000, 100000)
    """
    sides = []
    for axis in range(g.ndim):
        before, after = g.padding[axis]
        if not g.transposed:
            sides.append(max(g.image_size[axis] + before + after, g.feature_size[axis]))
            continue
        i, s, kh, out = g.feature_size[axis], g.stride[axis], g.effective_kernel[axis], g.image_size[axis]
        side = max(i, (i - 1) * s + kh, before + out)
        if view == "equivalent":
            eq = g.equivalent_conv()
            pad_before, pad_after = eq["padding"][axis]
            side = max(side, eq["stuffed_size"][axis] + max(0, pad_before) + max(0, pad_after))
        sides.append(side)
    return tuple(sides)


def _refuse_large(g: ConvGeometry, view: str) -> None:
    """The size rule of :func:`_check_size`, applied to :func:`grid_sides` before anything is drawn."""
    sides = grid_sides(g, view)
    planes, slices = (sides[1:], sides[0]) if g.ndim == 3 else (sides, None)
    biggest = max(planes)
    if biggest > MAX_SIDE or (slices is not None and slices > MAX_SLICES):
        raise ValueError(f"this geometry draws a grid with {biggest} cells along a side"
                         + (f" and {slices} depth slices" if slices is not None else "")
                         + f", too many to read (at most {MAX_SIDE} cells per side and {MAX_SLICES} slices); "
                         "draw a smaller input, e.g. 8 x 8, with the same kernel, stride and padding")


def _frames(g, view, numbers, seed, positions, cumulative):
    if not g.transposed:
        return conv_frames(g, numbers, seed, positions, cumulative)
    if view == "equivalent":
        return equivalent_frames(g, numbers, seed, positions, cumulative)
    return scatter_frames(g, numbers, seed, positions, cumulative)


def _check_size(frames, numbers: bool) -> bool:
    """Whether cells get text; refuses grids too large to read."""
    sides = [n for f in frames[:1] for p in f.panels for n in (p.roles.shape[-2:] if p.roles.ndim > 1
                                                                 else p.roles.shape)]
    slices = [p.roles.shape[0] for p in frames[0].panels if p.roles.ndim == 3]
    biggest = max(sides)
    if biggest > MAX_SIDE or (slices and max(slices) > MAX_SLICES):
        raise ValueError(f"this geometry draws a grid with {biggest} cells along a side"
                         + (f" and {max(slices)} depth slices" if slices else "")
                         + f", too many to read (at most {MAX_SIDE} cells per side and {MAX_SLICES} slices); "
                         "draw a smaller input, e.g. 8 x 8, with the same kernel, stride and padding")
    one_row = all(p.roles.ndim == 1 for p in frames[0].panels)
    with_text = biggest <= (2 * MAX_TEXT_SIDE if one_row else MAX_TEXT_SIDE)
    if numbers and not with_text:
        raise ValueError(f"numbers=True writes a value in every cell; a grid with {biggest} cells along a side "
                         f"is too large for that (at most {MAX_TEXT_SIDE}): draw a smaller input or leave "
                         "the numbers out")
    return with_text


#: The grid scale of slides, in inches per cell (54 pixels at 1920 x 1080): every figure of a slide pack
#: fits the canvas at this scale, so a cell has the same size on every slide (a larger geometry shrinks).
SLIDE_CELL = 0.36
#: The outlines' legend words on a slide.
_SHORT_MARKS = {"the kernel's window and the output pixel it computes": "kernel window → output pixel",
                "an input pixel and where its copy of the kernel lands": "input pixel → its kernel copy",
                "the rotated kernel's window and the output pixel it computes": "rotated kernel → output pixel"}
_DILATED = ("the kernel's extent k̂ = d·(k − 1) + 1 (dilated: taps d apart)", "dashed")


def _boards(g: ConvGeometry, frames, with_text: bool, view: str, style: Style) -> list[Board]:
    """One board per frame: the panels, and around them the words the style keeps."""
    if not with_text:
        for frame in frames:
            for panel in frame.panels:
                panel.text = panel.corner = None
    marks = [list(frame.marks) + ([_DILATED] if any(d > 1 for d in g.dilation) else []) for frame in frames]
    if style.slide:
        marks = [[(_SHORT_MARKS.get(m, m), "-") if isinstance(m, str) else ("kernel extent k̂ (dilated)", "dashed")
                  for m in frame_marks] for frame_marks in marks]
        layout = lambda cell: _slide_boards(g, frames, marks, view, style, cell)  # noqa: E731
        return fit_cell(layout, SLIDE_CELL, SLIDE_CANVAS)[0]
    longest = max(max(p.roles.shape) for f in frames[:1] for p in f.panels)
    cell = 0.25 if not with_text else 0.5 if longest <= MAX_TEXT_SIDE else 0.4
    return _paper_boards(g, frames, marks, view, style, cell)


def _panels(board: Board, frame, x: float, y: float, width: float, horizontal: bool, sizes, height) -> None:
    """Draw ``frame``'s panels side by side (2-D) or stacked (1-D, 3-D), centred in ``width``, from ``y``."""
    gap = _GAP if board.style.text else 1.0
    if horizontal:
        x += (width - (sum(w for w, _ in sizes) + gap * (len(sizes) - 1))) / 2
        for panel, (w, h) in zip(frame.panels, sizes):
            draw_panel(board, x, y + (height - h) / 2, panel)
            x += w + gap
    else:
        for panel, (w, h) in zip(frame.panels, sizes):
            draw_panel(board, x + (width - w) / 2, y, panel)
            y += h + 0.8


def _extent(board: Board, frames, horizontal: bool):
    sizes = [panel_size(board, p) for p in frames[0].panels]
    gap = _GAP if board.style.text else 1.0
    if horizontal:
        return sizes, sum(w for w, _ in sizes) + gap * (len(sizes) - 1), max(h for _, h in sizes)
    return sizes, max(w for w, _ in sizes), sum(h for _, h in sizes) + 0.8 * (len(sizes) - 1)


def _paper_boards(g, frames, marks, view, style, cell) -> list[Board]:
    """The page layout: title, formula, panels, the frame's sentence, legend; as large as the content."""
    probe = Board(cell=cell, style=style)
    horizontal = g.ndim == 2
    sizes, width, height = _extent(probe, frames, horizontal)
    title, formula = describe(g, view)
    width = max(width, _MIN_WIDTH * 0.5 / cell) if style.text else width
    caption_h = max(len(_wrapped(probe, f.caption, width)) for f in frames) * probe.size_of("Ag")[1]
    boards = []
    for frame, frame_marks in zip(frames, marks):
        board = Board(cell=cell, style=style)
        y = heading(board, 0, 0, title, width)
        if style.text:
            y += board.paragraph(0, y + 0.1, formula, width) + 0.6
        _panels(board, frame, 0, y, width, horizontal, sizes, height)
        y += height + 0.5
        if style.text:
            board.paragraph(0, y, frame.caption, width)
            y += caption_h + 0.4
        draw_legend(board, 0, y, width, roles_used(frame.panels), frame_marks, g.ndim)
        boards.append(board)
    return boards


def _slide_boards(g, frames, marks, view, style, cell) -> list[Board]:
    """The slide layout on the 16:9 canvas: a short title at the top, the legend at the bottom, the panels between."""
    width = SLIDE_CANVAS[0] / cell - 2 * MARGIN
    full = SLIDE_CANVAS[1] / cell - 2 * MARGIN
    probe = Board(cell=cell, style=style)
    horizontal = g.ndim == 2
    sizes, _, height = _extent(probe, frames, horizontal)
    title = slide_title(g, view)
    title_h = heading(Board(cell=cell, style=style), 0, 0, title, width)
    legend_h = max(draw_legend(Board(cell=cell, style=style), 0, 0, width, roles_used(f.panels), m, g.ndim)
                   for f, m in zip(frames, marks))
    room = full - title_h - legend_h
    top = title_h + max(0.0, (room - height) / 2)
    boards = []
    for frame, frame_marks in zip(frames, marks):
        board = Board(cell=cell, style=style)
        heading(board, 0, 0, title, width)
        _panels(board, frame, 0, top, width, horizontal, sizes, height)
        below = max(top + height + 0.4, full - legend_h)
        draw_legend(board, 0, below, width, roles_used(frame.panels), frame_marks, g.ndim)
        if not style.text:          # nothing but the grids: keep the canvas's full height in the layout
            board.rect(0, 0, 0, full, edge="none", lw=0)
        boards.append(board)
    return boards


def _wrapped(board: Board, text: str, width: float):
    from .style import wrap_text

    return wrap_text(text, width * board.cell, board.style.font_size)


def slide_title(g: ConvGeometry, view: str = "direct") -> str:
    """The short title of a geometry's slide: what it is, the sizes, and the paper's letters.

    >>> from tconv.geometry import conv_transpose_geometry
    >>> slide_title(conv_transpose_geometry((3, 3), (3, 3), 2, 1, 1)).replace(NBSP, " ")
    'Transposed convolution 3 × 3 → 6 × 6:  k = 3, s = 2, p = 1, output_padding = 1'
    """
    what = "Convolution" if not g.transposed else \
        "Transposed convolution" if view == "direct" else "Zero insertion"
    letters = [f"k{NBSP}={NBSP}{spell_axes(g.kernel_size)}"]
    if any(s != 1 for s in g.stride):
        letters.append(f"s{NBSP}={NBSP}{spell_axes(g.stride)}")
    if any(b or a for b, a in g.padding):
        letters.append(f"p{NBSP}={NBSP}" + (spell_axes(b for b, _ in g.padding) if g.is_symmetric else
                                            spell_axes(f"{b},{a}" for b, a in g.padding)))
    if any(d != 1 for d in g.dilation):
        letters.append(f"d{NBSP}={NBSP}{spell_axes(g.dilation)}")
    a_out = g.restoring_output_padding() if g.transposed else ()
    if any(a_out):
        letters.append(f"output_padding{NBSP}={NBSP}{spell_axes(a_out)}")
    return f"{what} {spell_size(g.input_size)} → {spell_size(g.output_size)}:  " + ", ".join(letters)


def grid_words(geometry: ConvGeometry, *, numbers: bool = False, view: str = "direct", **_ignored) -> Words:
    """The words of a grid figure: its slide title, a caption, and the notes (what the slide leaves out).

    >>> from tconv.geometry import conv_geometry
    >>> words = grid_words(conv_geometry((5, 5), (3, 3), stride=2, padding=1))
    >>> words.caption.replace(NBSP, " ")
    'A convolution of a 5 × 5 input with a 3 × 3 kernel, stride 2, padding 1: a 3 × 3 output.'
    """
    g = geometry
    title, formula = describe(g, view)
    size_in, size_out = spell_size(g.input_size), spell_size(g.output_size)
    what = "transposed convolution" if g.transposed else "convolution"
    parts = [f"A {what} of a {size_in} input with a {spell_size(g.kernel_size)} kernel"]
    if any(s != 1 for s in g.stride):
        parts.append(f"stride {spell_axes(g.stride)}")
    if any(b or a for b, a in g.padding):
        parts.append("padding " + (spell_axes(b for b, _ in g.padding) if g.is_symmetric else
                                   spell_axes(f"{b},{a}" for b, a in g.padding)))
    if any(d != 1 for d in g.dilation):
        parts.append(f"dilation {spell_axes(g.dilation)}")
    a_out = g.restoring_output_padding() if g.transposed else ()
    if any(a_out):
        parts.append(f"output_padding {spell_axes(a_out)}")
    caption = ", ".join(parts) + f": a {size_out} output."
    if view == "equivalent":
        caption = caption[:-1] + ", drawn as the paper's direct convolution (zeros inserted, kernel rotated 180°)."
    frames = _frames(g, view, numbers, 0, [_first(g, view)], cumulative=False)
    notes = (title + ".", *formula.split("\n"), frames[0].caption + ".")
    return Words(slide_title(g, view), caption, tuple(n.replace(NBSP, " ") for n in notes))


def draw_convolution(geometry: ConvGeometry, *, numbers: bool = False, seed: int = 0, view: str = "direct",
                     position=None, style=None, no_text: bool = False):
    """The picture of one (transposed) convolution: input, padding, kernel window, output, labelled.

    ``position`` is the output position (convolution, equivalent view) or input position
    (transposed, direct view) whose kernel window is outlined; default the first. The output
    shows every value (``numbers=True``) or, for a transposed convolution, how many kernel
    copies overlap each cell. Grids longer than ``MAX_TEXT_SIDE`` cells are drawn without
    text; longer than ``MAX_SIDE``, refused (``ValueError``). ``style``
    (:class:`~tconv.viz.style.Style` or its words, e.g. ``"slide,dark"``) chooses the layout
    and the ground; ``no_text`` draws the grids and colours only. Returns a matplotlib Figure.

    >>> from tconv.geometry import conv_geometry
    >>> fig = draw_convolution(conv_geometry((5, 5), (3, 3), stride=2, padding=1))
    >>> [t.get_text().replace(NBSP, " ") for t in fig.axes[0].texts if t.get_text().startswith("output ")]
    ['output 3 × 3']
    """
    style = _check(geometry, view, numbers, style, no_text)
    positions = None if position is None else [tuple(int(p) for p in position)]
    with styled(style):
        frames = _frames(geometry, view, numbers, seed, positions or [_first(geometry, view)], cumulative=False)
        with_text = _check_size(frames, numbers)
        figure, _, _ = board_figure(_boards(geometry, frames, with_text, view, style),
                                    SLIDE_CANVAS if style.slide else None)
    return figure


def _first(g: ConvGeometry, view: str) -> tuple:
    steps = g.output_size if (view == "equivalent" or not g.transposed) else g.input_size
    return (0,) * len(steps)


def animate_convolution(geometry: ConvGeometry, *, numbers: bool = False, seed: int = 0, view: str = "direct",
                        interval_ms: int = 900, style=None, no_text: bool = False) -> FrameAnimation:
    """The same picture, one frame per step: per output position (convolution, equivalent view)
    or per input position (transposed convolution: each input pixel paints its scaled kernel).

    ``style`` and ``no_text`` as for :func:`draw_convolution`; a slide's animation is saved at
    1920 x 1080 like its still.

    >>> from tconv.geometry import conv_transpose_geometry
    >>> anim = animate_convolution(conv_transpose_geometry((2, 2), (3, 3), stride=2))
    >>> anim.n_frames, anim.captions[0][:31]
    (4, 'input[0,0] paints a copy of the')
    """
    style = _check(geometry, view, numbers, style, no_text)
    steps = geometry.output_size if (view == "equivalent" or not geometry.transposed) else geometry.input_size
    n_frames = math.prod(steps)
    if n_frames > MAX_FRAMES:
        raise ValueError(f"this animation would have {n_frames} frames (one per "
                         f"{'input' if geometry.transposed and view == 'direct' else 'output'} position), "
                         f"more than {MAX_FRAMES}; animate a smaller input")
    with styled(style):
        frames = _frames(geometry, view, numbers, seed, None, cumulative=True)
        with_text = _check_size(frames, numbers)
        figure, draw, render = board_figure(_boards(geometry, frames, with_text, view, style),
                                            SLIDE_CANVAS if style.slide else None)
    return FrameAnimation(figure, draw, len(frames), interval_ms, [f.caption for f in frames], render,
                          dpi=SLIDE_DPI if style.slide else None)
