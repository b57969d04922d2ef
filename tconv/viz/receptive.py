"""The receptive field of a stack of layers, drawn: which input pixels one output pixel sees, and how often.

:func:`plot_gridding` draws, for each stack, the 2-D footprint of one output pixel (the same
stack on both axes): each input pixel of the receptive field coloured by the number of paths
through the stack that reach it (:func:`tconv.receptive_field.receptive_field_footprint`), and
the pixels no path reaches crossed out. Stacked equal dilations leave a lattice of such holes,
the *gridding* artifact (Yu & Koltun 2016; Wang et al. 2018's hybrid dilations 1, 2, 5 avoid it).
"""
from __future__ import annotations

import numpy as np

from ..receptive_field import format_layer, parse_stack, receptive_field_footprint
from .style import OKABE_ITO, SEQUENTIAL, SMALL_SIZE, new_figure, styled

__all__ = ["plot_gridding", "DEFAULT_STACKS", "MAX_FIELD"]

#: Three 3x3 convolutions: plain, with equal dilations (gridding), with hybrid dilations.
DEFAULT_STACKS = ("3 3 3", "3d2 3d2 3d2", "3 3d2 3d3")
#: The largest field drawn (pixels per side).
MAX_FIELD = 65


def plot_gridding(stacks=DEFAULT_STACKS):
    """One panel per stack (``K[sS][dD]`` words, :func:`tconv.receptive_field.parse_stack`): its 2-D footprint.

    >>> fig = plot_gridding()
    >>> [ax.get_title().splitlines()[0] for ax in fig.axes[:3]]
    ['3 3 3', '3d2 3d2 3d2', '3 3d2 3d3']
    """
    from matplotlib.colors import LogNorm

    if isinstance(stacks, str):
        stacks = [stacks]
    parsed = [parse_stack(text) for text in stacks]
    if not parsed or len(parsed) > 6:
        raise ValueError(f"plot_gridding draws 1 to 6 stacks, got {len(parsed)}")
    footprints = [receptive_field_footprint(layers) for layers in parsed]
    largest = max(len(f) for f in footprints)
    if largest > MAX_FIELD:
        raise ValueError(f"a receptive field of {largest} pixels is too large to draw pixel by pixel (at most "
                         f"{MAX_FIELD})")
    grids = [np.outer(f, f) for f in footprints]
    top = max(int(g.max()) for g in grids)
    norm = LogNorm(1, max(top, 2))
    with styled():
        fig = new_figure(3.6 * len(grids) + 1.2, 4.4, layout="constrained")
        axes = fig.subplots(1, len(grids), squeeze=False)[0]
        for ax, layers, grid, footprint in zip(axes, parsed, grids, footprints):
            shown = np.ma.masked_equal(grid, 0)
            image = ax.imshow(shown, cmap=SEQUENTIAL, norm=norm, interpolation="nearest",
                              extent=(-0.5, largest - 0.5, largest - 0.5, -0.5) if len(footprint) == largest else None)
            holes = np.argwhere(grid == 0)
            if len(holes):
                ax.scatter(holes[:, 1], holes[:, 0], marker="x", s=min(30, 900 / len(footprint)),
                           color=OKABE_ITO["vermillion"], linewidths=1)
            reached = int((footprint > 0).sum())
            words = " ".join(format_layer(layer) for layer in layers)
            missing = len(footprint) - reached
            ax.set_title(f"{words}\nfield {len(footprint)} x {len(footprint)}, "
                         + (f"{missing} rows and columns unseen" if missing else "every pixel seen"),
                         fontsize=SMALL_SIZE + 0.5)
            n = len(footprint)
            ax.set_xticks(np.arange(-0.5, n, 1), minor=True)
            ax.set_yticks(np.arange(-0.5, n, 1), minor=True)
            ax.grid(which="minor", color="white", linewidth=0.8)
            ax.tick_params(which="minor", length=0)
            ax.set_xticks([0, n - 1])
            ax.set_yticks([0, n - 1])
            ax.set_xlim(-0.5, largest - 0.5)
            ax.set_ylim(largest - 0.5, -0.5)
        bar = fig.colorbar(image, ax=list(axes), shrink=0.85)
        bar.set_label("paths from the output pixel (log scale); × = never reached", fontsize=SMALL_SIZE)
        fig.suptitle("Which input pixels one output pixel sees (one 2-D footprint per stack of 3x3 layers)",
                     fontsize=SMALL_SIZE + 2)
    return fig
