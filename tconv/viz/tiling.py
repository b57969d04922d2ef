"""The overlap-tile strategy, drawn: which pixels each tile reads and which it keeps.

Left, a padded network (:func:`tconv.seg.train.tiling.tile_plan`): the kept regions tile the
image without overlap; each tile reads a margin of the network's reach around them (one tile
highlighted), clipped at the image's border. Right, the paper's valid U-Net (572 -> 388): the
image is extended by mirroring (shaded) and each 572 x 572 input yields the 388 x 388 output at
its centre (Ronneberger et al. 2015, figure 2). Only arithmetic is drawn; no network runs.
"""
from __future__ import annotations

import numpy as np

from ..seg.models import UNet
from ..seg.train.tiling import margins, tiles, valid_border
from .style import OKABE_ITO, SMALL_SIZE, new_figure, styled, tint

__all__ = ["plot_overlap_tile"]


def _field(size, seed=0):
    """A smooth random picture of ``size`` (for the background only)."""
    rng = np.random.default_rng(seed)
    rows, columns = np.mgrid[0:size[0], 0:size[1]]
    picture = np.zeros(size)
    for _ in range(12):
        r, c = rng.uniform(0, size[0]), rng.uniform(0, size[1])
        w = rng.uniform(0.05, 0.15) * max(size)
        picture += rng.uniform(-1, 1) * np.exp(-((rows - r) ** 2 + (columns - c) ** 2) / (2 * w * w))
    return picture


def _rect(ax, r0, r1, c0, c1, **style):
    from matplotlib.patches import Rectangle

    ax.add_patch(Rectangle((c0 - 0.5, r0 - 0.5), c1 - c0, r1 - r0, **style))


def plot_overlap_tile(size=(300, 420), tile: int = 256, valid_size=(500, 600), valid_tile: int = 388):
    """Two panels: a padded U-Net (depth 3) in tiles of ``tile``, and the paper's valid U-Net in tiles of ``valid_tile``.

    >>> fig = plot_overlap_tile()
    >>> [ax.get_title().splitlines()[0] for ax in fig.axes]
    ['Padded U-Net (depth 3): 9 tiles of 256 x 256', "The paper's valid U-Net (depth 4): 4 tiles, 572 -> 388"]
    """
    padded = UNet(base=1, depth=3)
    valid = UNet(base=1, depth=4, padding="valid")
    plan = tiles(padded, size, tile)
    before, after = margins(padded)
    valid_plan = tiles(valid, valid_size, valid_tile)
    border = valid_border(valid)
    with styled():
        fig = new_figure(13, 5.6, layout="constrained")
        axes = fig.subplots(1, 2)
        ax = axes[0]
        ax.imshow(_field(size), cmap="Greys", alpha=0.5, interpolation="nearest")
        for combination in plan:
            (rows, columns) = combination
            _rect(ax, rows.keep_start, rows.keep_stop, columns.keep_start, columns.keep_stop, fill=False,
                  edgecolor=OKABE_ITO["blue"], linewidth=1.2)
        chosen = plan[len(plan) // 2]
        rows, columns = chosen
        _rect(ax, rows.start, rows.stop, columns.start, columns.stop, fill=False, edgecolor=OKABE_ITO["vermillion"],
              linewidth=2.2, linestyle="--")
        _rect(ax, rows.keep_start, rows.keep_stop, columns.keep_start, columns.keep_stop,
              facecolor=tint(OKABE_ITO["vermillion"], 0.35), edgecolor=OKABE_ITO["vermillion"], linewidth=2.2)
        ax.set_title(f"Padded U-Net (depth 3): {len(plan)} tiles of {tile} x {tile}\nsolid: the pixels each keeps; "
                     f"dashed: what one reads\n(margins {before}: the reach 51, rounded up to the grid of 8)",
                     fontsize=SMALL_SIZE + 0.5)
        ax = axes[1]
        extent = max(t.stop for t in (c[0] for c in valid_plan)), max(t.stop for t in (c[1] for c in valid_plan))
        ax.imshow(np.ones(extent), cmap="Greys", vmin=0, vmax=1, interpolation="nearest")
        _rect(ax, 0, extent[0], 0, extent[1], facecolor=tint(OKABE_ITO["sky blue"], 0.35), edgecolor="none", zorder=0)
        picture = _field(valid_size, seed=1)
        ax.imshow(picture, cmap="Greys", alpha=0.6, interpolation="nearest", zorder=1,
                  extent=(border - 0.5, border + valid_size[1] - 0.5, border + valid_size[0] - 0.5, border - 0.5))
        _rect(ax, border, border + valid_size[0], border, border + valid_size[1], fill=False, edgecolor="black",
              linewidth=1.2)
        for combination in valid_plan:
            rows, columns = combination
            _rect(ax, border + rows.keep_start, border + rows.keep_stop, border + columns.keep_start,
                  border + columns.keep_stop, fill=False, edgecolor=OKABE_ITO["blue"], linewidth=1.2)
        rows, columns = valid_plan[-1]
        _rect(ax, rows.start, rows.stop, columns.start, columns.stop, fill=False, edgecolor=OKABE_ITO["vermillion"],
              linewidth=2.2, linestyle="--")
        _rect(ax, border + rows.keep_start, border + rows.start + valid_tile, border + columns.keep_start,
              border + columns.start + valid_tile, facecolor=tint(OKABE_ITO["vermillion"], 0.35),
              edgecolor=OKABE_ITO["vermillion"], linewidth=2.2)
        ax.set_xlim(-0.5, extent[1] - 0.5)
        ax.set_ylim(extent[0] - 0.5, -0.5)
        ax.set_title(f"The paper's valid U-Net (depth 4): {len(valid_plan)} tiles, {valid_tile + 2 * border} -> "
                     f"{valid_tile}\nshaded: the image mirrored beyond its border ({border} pixels and more)\ndashed: one "
                     "tile's input, filled: its output (beyond the image: dropped)", fontsize=SMALL_SIZE + 0.5)
        for ax in axes:
            ax.set_xlabel("column", fontsize=SMALL_SIZE)
            ax.set_ylabel("row", fontsize=SMALL_SIZE)
        fig.suptitle("The overlap-tile strategy: tiles that overlap by the network's reach give the whole image's "
                     "prediction, without seams", fontsize=SMALL_SIZE + 2)
    return fig
