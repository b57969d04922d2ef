"""A convolution's frames: the padded input, the kernel's window, the output, one frame per output position.

The window of output position ``o`` covers padded-input cells ``o*s + t*d`` for the kernel
taps ``t`` (the relation of :mod:`tconv.geometry`); the numbers come from
:func:`~tconv.viz.scenes.example_values` and :func:`tconv.reference.conv_direct`.
"""
from __future__ import annotations

import math

import numpy as np

from .. import reference
from ..geometry import ConvGeometry
from .cells import INPUT, OUTPUT, PADDING, UNREACHED, Panel
from .scenes import (Frame, empty_text, equation, example_values, format_value, index_text, kernel_panel, nan_faces,
                     outer_all, spans, spell_size, tap_labels)
from .style import tap_colours

__all__ = ["conv_frames"]


def conv_frames(g: ConvGeometry, numbers: bool = False, seed: int = 0, positions=None,
                cumulative: bool = True) -> list[Frame]:
    """One frame per output position (or per entry of ``positions``) of the convolution ``g``.

    With ``cumulative`` the output shows the values computed so far; otherwise all of them.
    Input cells that no window reaches (the stride skips them) get the role ``UNREACHED``.

    >>> from tconv.geometry import conv_geometry
    >>> frames = conv_frames(conv_geometry((5,), (3,), stride=2), numbers=True)
    >>> len(frames), frames[1].panels[0].window
    (2, [(2,), (3,), (4,)])
    """
    if g.transposed:
        raise ValueError("conv_frames draws a convolution; this geometry is transposed (use scatter_frames)")
    pads = g.padding
    padded = tuple(i + b + a for i, (b, a) in zip(g.image_size, pads))
    inside = tuple(np.arange(n) for n in padded)
    axis_in = [(v >= b) & (v < b + i) for v, (b, _), i in zip(inside, pads, g.image_size)]
    axis_reached = []
    for n, o, k, s, d in zip(padded, g.feature_size, g.kernel_size, g.stride, g.dilation):
        reached = np.zeros(n, bool)
        for t in range(k):
            reached[t * d + s * np.arange(o)] = True
        axis_reached.append(reached)
    is_input, reached = outer_all(axis_in), outer_all(axis_reached)
    roles = np.where(is_input, np.where(reached, INPUT, UNREACHED), PADDING)

    x, w = example_values(g, seed)
    x_pad = np.pad(x, pads) if numbers else None
    y = reference.conv_direct(x[None, None], w[None, None], stride=g.stride, padding=g.padding,
                              dilation=g.dilation)[0, 0]
    colours = tap_colours(g.kernel_size)
    names = tap_labels(w, g.kernel_size, False)
    out_positions = list(np.ndindex(*g.feature_size)) if positions is None else [tuple(p) for p in positions]
    all_positions = list(np.ndindex(*g.feature_size))
    kernel = kernel_panel(g, w, numbers)
    frames = []
    for position in out_positions:
        starts = tuple(o * s for o, s in zip(position, g.stride))
        text, corner, face = empty_text(padded), empty_text(padded), nan_faces(padded)
        if numbers:
            for cell in np.ndindex(*padded):
                text[cell] = format_value(x_pad[cell])
        window, pairs = [], []
        for tap in np.ndindex(*g.kernel_size):
            cell = tuple(st + t * d for st, t, d in zip(starts, tap, g.dilation))
            window.append(cell)
            face[cell] = colours[tap]
            if numbers:
                corner[cell] = "×" + format_value(w[tap])
                pairs.append((x_pad[cell], w[tap]))
            else:
                text[cell] = names[tap]
        box = None
        if any(d > 1 for d in g.dilation):
            box = (starts, tuple(st + kh for st, kh in zip(starts, g.effective_kernel)))
        in_panel = Panel(f"input {spell_size(g.image_size)}, padded to {spell_size(padded)}"
                         if any(b or a for b, a in pads) else f"input {spell_size(g.image_size)}",
                         roles, text=text, corner=corner if numbers else None, face=face, window=window,
                         box=box, gid="input")
        done = all_positions[:all_positions.index(position) + 1] if cumulative else all_positions
        out_text = empty_text(g.feature_size)
        if numbers:
            for p in done:
                out_text[p] = format_value(y[p])
        out_panel = Panel(f"output {spell_size(g.feature_size)}", np.full(g.feature_size, OUTPUT),
                          text=out_text, pixel=[position], gid="output")
        target = f"output{index_text(position)}"
        if numbers:
            caption = equation(target, pairs, y[position])
        else:
            where = "the padded input" if any(b or a for b, a in pads) else "the input"
            caption = (f"{target} = sum of the {math.prod(g.kernel_size)} products of the kernel with the "
                       f"window at {spans(starts, g.effective_kernel)} of {where} "
                       "(window start = output position × stride)")
        frames.append(Frame([in_panel, kernel, out_panel], caption,
                            ["the kernel's window and the output pixel it computes"]))
    return frames
