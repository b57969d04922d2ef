"""The learning-rate range test's picture: the loss against the learning rate, and the suggested rate.

:func:`plot_lr_find` draws the result of :func:`tconv.seg.train.sanity.lr_range_test` (what
``tconv lr-find`` saves): the loss of each step (faint) and its smoothed curve against the
learning rate on a log axis, the rates where the loss turns ragged (too high to train with)
shaded, and the suggested rate, a tenth of where that starts, marked.
"""
from __future__ import annotations

import numpy as np

from .style import OKABE_ITO, SMALL_SIZE, new_figure, styled

__all__ = ["plot_lr_find"]


def plot_lr_find(result, current_lr: float | None = None):
    """The range test ``result`` (``lrs``, ``losses``, ``smoothed``, ``unstable``, ``suggested``) as a Figure.

    ``current_lr`` (e.g. ``tconv train``'s default) is marked for comparison.

    >>> lrs = np.geomspace(1e-5, 1, 50)
    >>> smoothed = 2 - np.tanh(np.log10(lrs) + 3) + np.where(lrs > 0.1, 30 * (lrs - 0.1), 0)
    >>> fig = plot_lr_find(dict(lrs=lrs, losses=smoothed, smoothed=smoothed, suggested=1e-3, unstable=1e-2))
    >>> fig.axes[0].get_xscale()
    'log'
    """
    lrs, smoothed = np.asarray(result["lrs"]), np.asarray(result["smoothed"])
    with styled():
        fig = new_figure(8, 4.6, layout="constrained")
        ax = fig.subplots()
        ax.plot(lrs, result["losses"], color=OKABE_ITO["sky blue"], alpha=0.55, linewidth=1, label="loss of each step")
        ax.plot(lrs, smoothed, color=OKABE_ITO["blue"], linewidth=2, label="smoothed (moving average)")
        suggested, unstable = result["suggested"], result.get("unstable")
        if unstable is not None:
            ax.axvspan(unstable, lrs[-1], color=OKABE_ITO["vermillion"], alpha=0.1,
                       label=f"the loss turns ragged: too high (from lr {unstable:.2g})")
        ax.axvline(suggested, color=OKABE_ITO["vermillion"], linestyle="--", linewidth=1.6,
                   label=f"suggested: lr {suggested:.2g}" + (", a tenth of that" if unstable is not None else ""))
        if current_lr is not None:
            ax.axvline(current_lr, color="#555555", linestyle="-.", linewidth=1.2,
                       label=f"tconv train's default, lr {current_lr:g}")
        ax.set_xscale("log")
        both = np.concatenate([smoothed, np.asarray(result["losses"], float)])
        top = np.nanpercentile(both, 98) if both.size else 1.0
        low = np.nanmin(both) if both.size else 0.0
        ax.set_ylim(low - 0.1 * (top - low + 1e-9), top + 0.35 * (top - low + 1e-9))
        ax.set_xlabel("learning rate (log scale)")
        ax.set_ylabel("training loss")
        ax.grid(alpha=0.3, which="both")
        ax.legend(fontsize=SMALL_SIZE, loc="upper left")
        stopped = result.get("stopped")
        ax.set_title("Learning-rate range test (Smith 2017): the loss against a rising learning rate"
                     + (f"\n(stopped: {stopped})" if stopped else ""), fontsize=SMALL_SIZE + 1)
    return fig
