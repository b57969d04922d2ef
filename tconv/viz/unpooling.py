"""Max unpooling drawn as the transpose of max pooling's selection matrix, beside two other decoders.

Top row: an input, its 2x2 max pooling (each maximum marked where it came from), and max
unpooling of the pooled values with those indices (SegNet): the values go back to their
places, everything else is 0. Bottom row: the selection matrix ``S`` (``pool(x) = S x``;
unpooling is ``S.T y``, the transpose, not the inverse), and the same pooled values upsampled
by a nearest resize and by a 2x2 stride-2 transposed convolution of ones, which spread each
value over its whole window instead of putting it back where it was.
"""
from __future__ import annotations

import numpy as np

from ..ops.conv import conv_transpose2d
from ..ops.pool import max_pool2d
from ..ops.resize import interpolate
from ..ops.unpool import max_unpool2d, selection_matrix
from .style import OKABE_ITO, SEQUENTIAL, SMALL_SIZE, new_figure, styled

__all__ = ["plot_unpooling", "EXAMPLE"]

#: The example input: a 4 x 4 image with distinct values.
EXAMPLE = np.array([[1, 2, 0, 1], [3, 4, 9, 2], [5, 0, 1, 1], [2, 6, 1, 8]], dtype=float)


def _values(ax, array, title, vmax, marks=()):
    ax.imshow(array, cmap=SEQUENTIAL, vmin=0, vmax=vmax, interpolation="nearest")
    for (r, c), value in np.ndenumerate(array):
        ax.text(c, r, f"{value:g}", ha="center", va="center", fontsize=SMALL_SIZE,
                color="white" if value < 0.45 * vmax else "black")
    for r, c in marks:
        ax.add_patch(_box(r, c))
    ax.set_xticks([])
    ax.set_yticks([])
    ax.set_title(title, fontsize=SMALL_SIZE + 0.5)


def _box(r, c):
    from matplotlib.patches import Rectangle

    return Rectangle((c - 0.45, r - 0.45), 0.9, 0.9, fill=False, edgecolor=OKABE_ITO["vermillion"], linewidth=2)


def plot_unpooling(x=None):
    """The figure for a 2-D input ``x`` (default :data:`EXAMPLE`; even sides up to 8).

    >>> fig = plot_unpooling()
    >>> fig.axes[2].get_title().splitlines()[0]
    'max_unpool2d(y, indices, 2) = Sᵀ y'
    """
    x = EXAMPLE if x is None else np.asarray(x, dtype=float)
    if x.ndim != 2 or x.shape[0] % 2 or x.shape[1] % 2 or max(x.shape) > 8:
        raise ValueError(f"plot_unpooling draws a 2-D input with even sides up to 8; got shape {x.shape}")
    y, idx = max_pool2d(x[None, None], 2, return_indices=True)
    unpooled = max_unpool2d(y, idx, 2)[0, 0]
    S = selection_matrix(idx[0, 0], x.shape)
    nearest = interpolate(y, scale_factor=2, mode="nearest")[0, 0]
    transposed = conv_transpose2d(y, np.ones((1, 1, 2, 2)), stride=2)[0, 0]
    where = [divmod(int(i), x.shape[1]) for i in idx.ravel()]
    vmax = float(x.max())
    with styled():
        fig = new_figure(11, 7.2, layout="constrained")
        grid = fig.add_gridspec(2, 3)
        _values(fig.add_subplot(grid[0, 0]), x, "the input x\n(□ = each window's maximum)", vmax, where)
        _values(fig.add_subplot(grid[0, 1]), y[0, 0], "y = max_pool2d(x, 2, return_indices=True)\n"
                f"indices (flat) = {idx.ravel().tolist()}", vmax)
        _values(fig.add_subplot(grid[0, 2]), unpooled, "max_unpool2d(y, indices, 2) = Sᵀ y\nback in place, 0 elsewhere",
                vmax, where)
        ax = fig.add_subplot(grid[1, 0])
        ax.imshow(S, cmap="Greys", vmin=0, vmax=1.6, interpolation="nearest", aspect="auto")
        ax.set_title(f"S ({S.shape[0]} x {S.shape[1]}): one 1 per row\npool(x) = S x;  S Sᵀ = I, Sᵀ S ≠ I",
                     fontsize=SMALL_SIZE + 0.5)
        for r, c in zip(*np.nonzero(S)):
            ax.text(c, r, "1", ha="center", va="center", fontsize=SMALL_SIZE, color="white")
        ax.set_xticks(range(S.shape[1]))
        ax.set_yticks(range(S.shape[0]))
        ax.tick_params(labelsize=SMALL_SIZE - 1)
        ax.set_xticks(np.arange(-0.5, S.shape[1], 1), minor=True)
        ax.set_yticks(np.arange(-0.5, S.shape[0], 1), minor=True)
        ax.grid(which="minor", color=OKABE_ITO["sky blue"], linewidth=0.5)
        ax.tick_params(which="minor", length=0)
        ax.set_xlabel("input pixel (row-major)", fontsize=SMALL_SIZE)
        ax.set_ylabel("pooled pixel", fontsize=SMALL_SIZE)
        _values(fig.add_subplot(grid[1, 1]), nearest, "nearest resize ×2 of y\n(every pixel of the window)", vmax)
        _values(fig.add_subplot(grid[1, 2]), transposed, "conv_transpose2d(y, ones 2x2, stride 2)\n"
                "(the same here: kernel = stride tiles)", vmax)
        fig.suptitle("Max unpooling (SegNet) is the transpose of max pooling's selection matrix, not its inverse",
                     fontsize=SMALL_SIZE + 2)
    return fig
