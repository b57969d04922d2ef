"""U-Net's border weight map, drawn: the objects, the class weights, the border term and their sum.

``w(x) = w_c(x) + w0·exp(-(d1 + d2)²/2σ²)`` (Ronneberger et al. 2015, equation 2;
:func:`tconv.seg.losses.unet_weight_map`): the narrow gaps between touching objects get the
largest weights, so that a network learns to keep them open.
"""
from __future__ import annotations

import numpy as np

from ..seg.losses.weight_map import class_balance_weights, unet_weight_map
from .style import SEQUENTIAL, SMALL_SIZE, new_figure, styled

__all__ = ["touching_cells", "plot_weight_map"]


def touching_cells(size: int = 64, seed: int = 0) -> np.ndarray:
    """A label map ``(size, size)`` of a few discs ("cells"), some two or three pixels apart (class 1).

    >>> cells = touching_cells()
    >>> cells.shape, sorted(np.unique(cells).tolist())
    ((64, 64), [0, 1])
    """
    rng = np.random.default_rng(seed)
    rows, columns = np.mgrid[0:size, 0:size]
    labels = np.zeros((size, size), np.int64)
    centre = np.array([size / 2, size / 2])
    radius = size / 8
    centres = [centre + np.array([0.0, -radius - 1.5]), centre + np.array([0.0, radius + 1.5]),
               centre + np.array([2 * radius + 3.0, 0.0])]
    centres += [rng.uniform(radius, size - radius, 2) for _ in range(2)]
    for c in centres:
        inside = (rows - c[0]) ** 2 + (columns - c[1]) ** 2 <= radius ** 2
        if not labels[np.pad(inside, 0)].any():            # keep discs separate: touching, never merged
            grown = (rows - c[0]) ** 2 + (columns - c[1]) ** 2 <= (radius + 1.5) ** 2
            if not (labels[grown] > 0).any():
                labels[inside] = 1
    return labels


def plot_weight_map(labels=None, w0: float = 10.0, sigma: float = 5.0):
    """Four panels: the objects, ``w_c``, the border term and ``w`` (one colour scale for the last two).

    >>> fig = plot_weight_map()
    >>> [ax.get_title().split(":")[0] for ax in fig.axes[:4]]
    ['the objects (class 1)', 'w_c', 'the border term', 'w(x)']
    """
    labels = touching_cells() if labels is None else np.asarray(labels)
    weight = unet_weight_map(labels, w0, sigma)
    w_c = class_balance_weights(labels)[labels]
    border = weight - w_c
    with styled():
        fig = new_figure(13, 3.8, layout="constrained")
        axes = fig.subplots(1, 4)
        axes[0].imshow(labels, cmap="Greys", interpolation="nearest")
        axes[0].set_title("the objects (class 1):\nsome pairs nearly touch", fontsize=SMALL_SIZE + 0.5)
        shown = axes[1].imshow(w_c, cmap=SEQUENTIAL, interpolation="nearest")
        axes[1].set_title(f"w_c: class balance, N / (K·n_c)\n{w_c.min():.2f} (background) .. {w_c.max():.2f}",
                          fontsize=SMALL_SIZE + 0.5)
        fig.colorbar(shown, ax=axes[1], shrink=0.8)
        top = float(weight.max())
        axes[2].imshow(border, cmap=SEQUENTIAL, vmin=0, vmax=top, interpolation="nearest")
        axes[2].set_title(f"the border term: w0·exp(−(d1 + d2)²/2σ²)\nw0 = {w0:g}, σ = {sigma:g} pixels",
                          fontsize=SMALL_SIZE + 0.5)
        shown = axes[3].imshow(weight, cmap=SEQUENTIAL, vmin=0, vmax=top, interpolation="nearest")
        axes[3].set_title(f"w(x): their sum, the loss weight\nlargest {top:.1f}, in the narrowest gap",
                          fontsize=SMALL_SIZE + 0.5)
        bar = fig.colorbar(shown, ax=axes[2:], shrink=0.8)
        bar.set_label("weight (one scale for these two)", fontsize=SMALL_SIZE)
        for ax in axes:
            ax.set_xticks([])
            ax.set_yticks([])
        fig.suptitle("U-Net's weight map (Ronneberger et al. 2015, eq. 2): d1, d2 the distances to the nearest and "
                     "second-nearest object", fontsize=SMALL_SIZE + 2)
    return fig
