"""The transposed convolution's frames: the scatter-add view and the paper's equivalent view.

* :func:`scatter_frames`: one frame per input position: input pixel ``m`` paints its scaled
  kernel at ``m*s - p_before + t*d`` of the output, the copies accumulate, the canvas outside
  the output is cropped, and ``output_padding`` adds the last rows/columns;
* :func:`equivalent_frames`: the same transposed convolution as the paper's direct
  convolution: zeros inserted between input pixels, padding ``k̂-1-p`` (plus
  ``output_padding`` after), the kernel rotated 180°, stride 1; one frame per output position.

Values and results come from :func:`~tconv.viz.scenes.example_values` and
:mod:`tconv.reference`, as in :mod:`tconv.viz.scenes`.
"""
from __future__ import annotations

import numpy as np

from .. import reference
from ..geometry import ConvGeometry
from .cells import CROPPED, INPUT, OUTPUT, OUTPUT_PADDING, PADDING, ZERO, Panel
from .scenes import (Frame, combine_roles, empty_text, equation, index_text, nan_faces, spans, tap_labels,
                     example_values, format_value, kernel_panel, spell_size)
from .style import tap_colours

__all__ = ["scatter_frames", "equivalent_frames"]


def _output_axis_roles(canvas: int, before: int, out: int, a: int) -> np.ndarray:
    """Per canvas position: 0 output, 1 output_padding, 2 cropped."""
    c = np.arange(max(canvas, before + out))
    j = c - before
    kind = np.zeros(c.size, int)
    kind[(j >= out - a) & (j < out)] = 1
    kind[(j < 0) | (j >= out)] = 2
    return kind


def scatter_frames(g: ConvGeometry, numbers: bool = False, seed: int = 0, positions=None,
                   cumulative: bool = True) -> list[Frame]:
    """One frame per input position of the transposed convolution ``g``: the pixel paints its kernel.

    The output panel is the whole canvas of kernel copies, ``(i-1)s + k̂`` per axis (or the
    output, if larger): cells outside the output are ``CROPPED``, its last ``output_padding``
    rows/columns ``OUTPUT_PADDING``.

    >>> from tconv.geometry import conv_transpose_geometry
    >>> frames = scatter_frames(conv_transpose_geometry((2,), (3,), stride=2, padding=1, output_padding=1))
    >>> frames[1].panels[2].roles.tolist(), frames[1].panels[2].text.tolist()   # CROPPED, OUTPUT, OUTPUT_PADDING
    ([5, 3, 3, 3, 4], ['1', '1', '2', '1', '1'])
    """
    if not g.transposed:
        raise ValueError("scatter_frames draws a transposed convolution; this geometry is a convolution")
    a_out = g.restoring_output_padding()
    canvas = tuple((i - 1) * s + kh for i, s, kh in zip(g.feature_size, g.stride, g.effective_kernel))
    kinds = [_output_axis_roles(c, b, o, a) for c, (b, _), o, a in
             zip(canvas, g.padding, g.image_size, a_out)]
    roles = combine_roles(kinds, [(2, CROPPED), (1, OUTPUT_PADDING), (None, OUTPUT)])
    drawn = roles.shape
    x, w = example_values(g, seed)
    colours = tap_colours(g.kernel_size)
    names = tap_labels(w, g.kernel_size, False)
    in_positions = list(np.ndindex(*g.feature_size))
    chosen = in_positions if positions is None else [tuple(p) for p in positions]
    kernel = kernel_panel(g, w, numbers)
    befores = tuple(b for b, _ in g.padding)
    in_text = empty_text(g.feature_size)
    if numbers:
        for p in in_positions:
            in_text[p] = format_value(x[p])
    frames = []
    for position in chosen:
        upto = in_positions[:in_positions.index(position) + 1] if cumulative else in_positions
        total = np.zeros(drawn)
        count = np.zeros(drawn, int)
        for m in upto:
            block = tuple(slice(mi * s, mi * s + kh, d) for mi, s, kh, d in
                          zip(m, g.stride, g.effective_kernel, g.dilation))
            total[block] += x[m] * w
            count[block] += 1
        text, corner, face = empty_text(drawn), empty_text(drawn), nan_faces(drawn)
        for cell in np.ndindex(*drawn):
            # Cells no copy has reached stay blank while the animation runs; the finished picture says 0.
            if count[cell] or (not cumulative and roles[cell] != CROPPED):
                text[cell] = format_value(total[cell]) if numbers else str(count[cell])
        starts = tuple(mi * s for mi, s in zip(position, g.stride))
        window = []
        for tap in np.ndindex(*g.kernel_size):
            cell = tuple(st + t * d for st, t, d in zip(starts, tap, g.dilation))
            window.append(cell)
            face[cell] = colours[tap]
            if numbers:
                corner[cell] = "+" + format_value(x[position] * w[tap])
        box = None
        if any(d > 1 for d in g.dilation):
            box = (starts, tuple(st + kh for st, kh in zip(starts, g.effective_kernel)))
        out_title = f"output {spell_size(g.image_size)}"
        if any(r != o for r, o in zip(drawn, g.image_size)):
            out_title += f" (canvas of kernel copies {spell_size(drawn)})"
        out_panel = Panel(out_title, roles, text=text, corner=corner if numbers else None, face=face,
                          window=window, box=box, gid="output")
        in_panel = Panel(f"input {spell_size(g.feature_size)}", np.full(g.feature_size, INPUT), text=in_text,
                         pixel=[position], gid="input")
        where = spans(tuple(st - b for st, b in zip(starts, befores)), g.effective_kernel)
        so_far = "so far" if cumulative else "over all input pixels"
        if numbers:
            caption = (f"input{index_text(position)} = {format_value(x[position])} adds "
                       f"{format_value(x[position])} × kernel to the output at {where} (start = input "
                       f"position × stride − padding; its products are in the corners); the cells show the "
                       f"sums {'so far' if cumulative else 'over all input pixels'}")
        else:
            caption = (f"input{index_text(position)} paints a copy of the kernel onto the output at {where} "
                       "(start = input position × stride − padding); the numbers count the copies "
                       f"that overlap each cell {so_far}")
        frames.append(Frame([in_panel, kernel, out_panel], caption,
                            ["an input pixel and where its copy of the kernel lands"]))
    return frames


# --------------------------------------------------------------------------- transposed: the paper's view


def equivalent_frames(g: ConvGeometry, numbers: bool = False, seed: int = 0, positions=None,
                      cumulative: bool = True) -> list[Frame]:
    """The transposed convolution ``g`` as a stride-1 convolution of the zero-inserted, padded input.

    One frame per output position; the input panel shows the input pixels with ``s - 1``
    zeros between them, the padding ``k̂-1-p`` (and ``output_padding`` after), and the window of
    the kernel rotated 180°.

    >>> from tconv.geometry import conv_transpose_geometry
    >>> frames = equivalent_frames(conv_transpose_geometry((2,), (3,), stride=2))
    >>> frames[0].panels[0].roles.tolist(), frames[0].panels[0].text.tolist()
    ([1, 1, 0, 2, 0, 1, 1], ['w2', 'w1', 'w0', '', '', '', ''])
    """
    if not g.transposed:
        raise ValueError("the equivalent view is that of a transposed convolution; this geometry is a convolution")
    eq = g.equivalent_conv()
    a_out = g.restoring_output_padding()
    stuffed = eq["stuffed_size"]
    kinds, offsets, firsts = [], [], []
    for S, (pb, pa), s, a in zip(stuffed, eq["padding"], g.stride, a_out):
        q = np.arange(min(0, -pb), max(S, S + pa))      # stuffed coordinates of the drawn cells
        plain_after = pa - a
        kind = np.where((q >= 0) & (q < S), np.where(q % s == 0, 4, 3), 1)          # 4 input, 3 zero, 1 pad
        kind[(q >= S) & (q >= S + plain_after)] = 2                                 # output_padding's extra
        kind[((q >= 0) & (q < S)) & ((q < -pb) | (q >= S + pa))] = 0                # cropped
        kinds.append(kind)
        offsets.append(int(q[0]) + pb)      # drawn index u = padded index v - offset
        firsts.append(-int(q[0]))           # drawn index of the first input pixel
    roles = combine_roles(kinds, [(0, CROPPED), (2, OUTPUT_PADDING), (1, PADDING), (3, ZERO), (None, INPUT)])
    drawn = roles.shape
    y_in, w = example_values(g, seed)
    values = np.zeros(drawn)
    values[tuple(slice(f, f + S, s) for f, S, s in zip(firsts, stuffed, g.stride))] = y_in
    result = reference.conv_transpose_zero_insertion(y_in[None, None], w[None, None], stride=g.stride,
                                                     padding=g.padding, output_padding=a_out,
                                                     dilation=g.dilation)[0, 0]
    colours = tap_colours(g.kernel_size)
    names = tap_labels(w, g.kernel_size, False)
    out_kinds = [np.where(np.arange(o) >= o - a, 1, 0) for o, a in zip(g.image_size, a_out)]
    out_roles = combine_roles(out_kinds, [(1, OUTPUT_PADDING), (None, OUTPUT)])
    all_positions = list(np.ndindex(*g.image_size))
    chosen = all_positions if positions is None else [tuple(p) for p in positions]
    kernels = [kernel_panel(g, w, numbers), kernel_panel(g, w, numbers, flipped=True)]
    steps = [name for name, done in (("zeros inserted", any(s > 1 for s in g.stride)),
                                     ("padded", any(b > 0 or a > 0 for b, a in eq["padding"])),
                                     ("cropped", any(b < 0 or a < 0 for b, a in eq["padding"]))) if done]
    in_title = ", ".join([f"input {spell_size(g.feature_size)}"] + steps)
    flip = tuple(k - 1 for k in g.kernel_size)
    frames = []
    for position in chosen:
        text, corner, face = empty_text(drawn), empty_text(drawn), nan_faces(drawn)
        if numbers:
            for cell in np.ndindex(*drawn):
                if roles[cell] != CROPPED:
                    text[cell] = format_value(values[cell])
        starts = tuple(j - off for j, off in zip(position, offsets))
        window, pairs = [], []
        for tap in np.ndindex(*g.kernel_size):
            original = tuple(f - t for f, t in zip(flip, tap))
            cell = tuple(st + t * d for st, t, d in zip(starts, tap, g.dilation))
            window.append(cell)
            face[cell] = colours[original]
            if numbers:
                corner[cell] = "×" + format_value(w[original])
                pairs.append((values[cell], w[original]))
            else:
                text[cell] = names[original]
        box = None
        if any(d > 1 for d in g.dilation):
            box = (starts, tuple(st + kh for st, kh in zip(starts, g.effective_kernel)))
        in_panel = Panel(in_title, roles, text=text,
                         corner=corner if numbers else None, face=face, window=window, box=box, gid="input")
        done = all_positions[:all_positions.index(position) + 1] if cumulative else all_positions
        out_text = empty_text(g.image_size)
        if numbers:
            for p in done:
                out_text[p] = format_value(result[p])
        out_panel = Panel(f"output {spell_size(g.image_size)}", out_roles, text=out_text, pixel=[position],
                          gid="output")
        target = f"output{index_text(position)}"
        if numbers:
            caption = equation(target, pairs, result[position]) + "  (stride 1, kernel rotated 180°)"
        else:
            caption = (f"{target} = sum of the window times the kernel rotated 180° (stride 1): "
                       "the taps meet the input in the opposite order")
        frames.append(Frame([in_panel] + kernels + [out_panel], caption,
                            ["the rotated kernel's window and the output pixel it computes"]))
    return frames
