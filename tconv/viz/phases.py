"""The phases figure: each output pixel of a transposed convolution coloured by the sub-kernel that writes it.

Three panels, all read off the geometry and the matrix (:mod:`tconv.polyphase`):

* the kernel, each tap coloured by the phase it writes (``(t·d - p) mod s`` per axis);
* the sub-kernels, one small grid per phase, with the weights' names;
* the output, each pixel coloured by its phase and numbered with how many taps write it
  (the nonzeros of its column of ``C``): the interior counts are the sub-kernels' sizes, and
  when they differ (kernel 3, stride 2: 4, 2, 2, 1) the output stripes (the checkerboard).

Colour is never alone: every phase is also written in its cells (``a,b``).
"""
from __future__ import annotations

import numpy as np

from ..geometry import ConvGeometry, conv_transpose_geometry
from ..matrix import conv_transpose_matrix
from ..polyphase import phase_of_tap, phases
from .style import OKABE_ITO, SMALL_SIZE, new_figure, styled, tint

__all__ = ["phase_colours", "plot_phases", "phase_counts"]

_HUES = ("sky blue", "orange", "bluish green", "reddish purple", "yellow", "blue", "vermillion")
#: The largest output side the figure draws.
MAX_SIDE = 24


def phase_colours(stride) -> dict:
    """One light colour per phase ``(a, b)`` of a 2-D stride (Okabe-Ito hues, readable under black text).

    >>> len(phase_colours((2, 2))), len(phase_colours((3, 2)))
    (4, 6)
    """
    colours = {}
    for n, phase in enumerate(np.ndindex(*stride)):           # past seven phases, the hues come back lighter
        colours[phase] = tint(OKABE_ITO[_HUES[n % len(_HUES)]], 0.6 - 0.25 * (n // len(_HUES) % 2))
    return colours


def phase_counts(geometry: ConvGeometry) -> np.ndarray:
    """How many kernel taps write each output pixel of the transposed convolution (its column of ``C``).

    >>> phase_counts(conv_transpose_geometry((3, 3), (3, 3), stride=2))[1:4, 1:4]
    array([[1, 2, 1],
           [2, 4, 2],
           [1, 2, 1]])
    """
    weight = np.ones((1, 1) + tuple(geometry.kernel_size))
    C_T = conv_transpose_matrix(weight, (1,) + tuple(geometry.feature_size), geometry.stride, geometry.padding,
                                geometry.output_padding, 1, geometry.dilation)
    return np.bincount(C_T.rows, minlength=int(np.prod(geometry.image_size))).reshape(geometry.image_size)


def _cells(ax, x0, y0, colours, labels, title):
    """Draw a grid of unit cells with its top-left corner at ``(x0, y0)`` (y grows downwards); return its width."""
    from matplotlib.patches import Rectangle

    rows, cols = colours.shape[:2]
    for r in range(rows):
        for c in range(cols):
            ax.add_patch(Rectangle((x0 + c, y0 + r), 1, 1, facecolor=colours[r, c], edgecolor="white", linewidth=1.5))
            if labels[r][c]:
                ax.text(x0 + c + 0.5, y0 + r + 0.5, labels[r][c], ha="center", va="center", fontsize=SMALL_SIZE)
    ax.text(x0 + cols / 2, y0 - 0.25, title, ha="center", va="bottom", fontsize=SMALL_SIZE)
    return cols


def plot_phases(geometry: ConvGeometry | None = None):
    """The phases figure of a 2-D transposed convolution (default: 4 x 4 -> 8 x 8, kernel 3, stride 2).

    >>> fig = plot_phases()
    >>> [t.get_text().replace("\\n", " ") for t in fig.axes[0].texts if t.get_text().startswith("phase")]
    ['phase 0,0: 1 x 1 taps', 'phase 0,1: 1 x 2 taps', 'phase 1,0: 2 x 1 taps', 'phase 1,1: 2 x 2 taps']
    """
    g = geometry if geometry is not None else conv_transpose_geometry((4, 4), (3, 3), stride=2, padding=1,
                                                                      output_padding=1)
    if not g.transposed or g.ndim != 2:
        raise ValueError("plot_phases draws a 2-D transposed convolution; pass conv_transpose_geometry((h, w), ...)")
    if max(g.image_size) > MAX_SIDE or max(g.kernel_size) > 8:
        raise ValueError(f"the output {g.image_size} (at most {MAX_SIDE} per side) or the kernel {g.kernel_size} "
                         "(at most 8) is too large to draw cell by cell")
    colours = phase_colours(g.stride)
    found = phases(g)
    k = g.kernel_size
    kernel_rgb = np.ones(k + (3,))
    kernel_text = [["" for _ in range(k[1])] for _ in range(k[0])]
    for tap in np.ndindex(*k):
        phase = phase_of_tap(tap, g)
        kernel_rgb[tap] = colours[phase]
        kernel_text[tap[0]][tap[1]] = f"w{tap[0]}{tap[1]}"
    counts = phase_counts(g)
    out_rgb = np.ones(g.image_size + (3,))
    out_text = [["" for _ in range(g.image_size[1])] for _ in range(g.image_size[0])]
    for j in np.ndindex(*g.image_size):
        phase = tuple(v % s for v, s in zip(j, g.stride))
        written = counts[j] > 0
        out_rgb[j] = colours[phase] if written else (1.0, 1.0, 1.0)
        out_text[j[0]][j[1]] = str(counts[j])
    n = len(found)
    sub_width = sum(len(p.taps[1]) for p in found) + 1.0 * (n - 1)
    width = k[1] + 1.5 + max(sub_width, 6) + 1.5 + g.image_size[1]
    height = max(g.image_size[0], k[0] + 3.5) + 2.2
    with styled():
        fig = new_figure(min(0.42 * width + 0.4, 30), min(0.42 * height + 0.6, 30))
        ax = fig.add_axes([0.01, 0.01, 0.98, 0.86])
        ax.set_xlim(-0.2, width + 0.2)
        ax.set_ylim(height - 1.2, -1.6)
        ax.set_aspect("equal")
        ax.axis("off")
        _cells(ax, 0, 0.5, kernel_rgb, kernel_text, "the kernel, each tap\ncoloured by its phase")
        x = k[1] + 1.5
        for phase in found:
            taps = phase.taps
            rgb = np.ones((len(taps[0]), len(taps[1]), 3)) * np.array(colours[phase.phase])
            text = [[f"w{a}{b}" for b in taps[1]] for a in taps[0]]
            x += _cells(ax, x, 0.5, rgb, text, f"phase {phase.phase[0]},{phase.phase[1]}:\n"
                                               f"{len(taps[0])} x {len(taps[1])} taps") + 1.0
        ax.text(k[1] + 1.5, k[0] + 2.2, "Output pixel j gets tap t of input m when\nj = m·s − p + t·d, so phase "
                "c = j mod s\nreceives only the taps with t·d − p ≡ c (mod s):\na stride-1 convolution with its "
                "sub-kernel.\nThe phases' outputs interleave.", va="top", fontsize=SMALL_SIZE)
        x0 = width - g.image_size[1]
        _cells(ax, x0, 0.5, out_rgb, out_text, f"the output {g.image_size[0]} x {g.image_size[1]}: coloured by phase,"
                                                "\nnumbered with the taps that write each pixel")
        fig.suptitle(f"Transposed convolution {g.feature_size[0]} x {g.feature_size[1]} -> {g.image_size[0]} x "
                     f"{g.image_size[1]}, kernel {k[0]} x {k[1]}, stride {g.stride[0]}, padding "
                     f"{g.padding[0][0]}: {n} phases, each a stride-1 convolution", fontsize=SMALL_SIZE + 2)
    return fig
