"""Checkerboards in trained decoders, drawn: the flat input's output, the test outputs, the measures over training.

From a :class:`tconv.seg.train.decoders.DecoderStudy`:

* :func:`plot_decoder_study`: at the last step, each decoder's output for a flat input (its
  interior mean removed, on one colour scale: a checkerboard shows as a period-2 pattern), and
  the two measures over the steps (log scales): the flat output's phase spread and the share
  of the test outputs' energy at the stride's frequencies (the target's share dashed);
* :func:`animate_decoder_study`: one frame per recorded step, the same panels plus each
  decoder's output on a test image, the curves drawn up to that step.
"""
from __future__ import annotations

import numpy as np

from .frames import FrameAnimation
from .style import OKABE_ITO, SMALL_SIZE, new_figure, styled

__all__ = ["plot_decoder_study", "animate_decoder_study"]

_COLOURS = ("vermillion", "orange", "bluish green", "blue", "reddish purple")
_DIVERGING = "PuOr"
_FLOOR = 1e-6                    # exact zeros on the log scales


def _interior(image, border):
    core = image[border:-border, border:-border] if image.shape[0] > 2 * border else image
    return core - core.mean()


def _curves(ax_spread, ax_energy, study, upto=None):
    for n, (kind, run) in enumerate(study.runs.items()):
        last = len(run.steps) if upto is None else upto + 1
        colour = OKABE_ITO[_COLOURS[n % len(_COLOURS)]]
        steps = np.array(run.steps[:last]) + 1
        ax_spread.plot(steps, np.maximum(run.spread[:last], _FLOOR), marker="o", markersize=3, color=colour,
                       label=run.label)
        ax_energy.plot(steps, np.maximum(run.energy[:last], _FLOOR), marker="o", markersize=3, color=colour)
    ax_energy.axhline(study.target_energy, color="black", linestyle="--", linewidth=1,
                      label="the targets' own share")
    top = max(max(r.spread) for r in study.runs.values()) * 2
    for ax, title in ((ax_spread, "flat input: phase spread of the output (max − min of the 4 phase means)"),
                      (ax_energy, "test images: share of the output's energy at the stride's frequencies")):
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlim(0.8, study.steps[-1] * 1.3 + 1)
        ax.set_xlabel("training step + 1", fontsize=SMALL_SIZE)
        ax.set_title(title, fontsize=SMALL_SIZE + 0.5)
        ax.tick_params(labelsize=SMALL_SIZE - 0.5)
    ax_spread.set_ylim(_FLOOR * 0.8, max(top, 1e-3))
    ax_energy.set_ylim(_FLOOR * 0.8, 1.5)
    for ax in (ax_spread, ax_energy):
        ax.set_ylabel("log scale; an exact 0 is drawn at 10⁻⁶", fontsize=SMALL_SIZE - 0.5)
    ax_spread.legend(fontsize=SMALL_SIZE - 0.5, loc="lower left")
    ax_energy.legend(fontsize=SMALL_SIZE - 0.5, loc="upper right")


def _flat_panels(fig, axes, study, index, border):
    from ..seg.train.decoders import BORDER

    images = [_interior(run.flat[index], BORDER) for run in study.runs.values()]
    reach = max(max(float(np.abs(image).max()) for image in images), 1e-9)
    shown = []
    for ax, run, image in zip(axes, study.runs.values(), images):
        shown.append(ax.imshow(image, cmap=_DIVERGING, vmin=-reach, vmax=reach, interpolation="nearest"))
        ax.set_title(f"{run.label}\nspread {run.spread[index]:.2g}", fontsize=SMALL_SIZE)
        ax.set_xticks([])
        ax.set_yticks([])
    return shown, reach


def plot_decoder_study(study):
    """The study at its last step: flat outputs on one scale, and both measures over training.

    >>> from tconv.seg.train.decoders import train_decoders
    >>> fig = plot_decoder_study(train_decoders(["k3s2", "resize"], steps=2, snapshots=(0, 2)))
    >>> fig.axes[0].get_title().splitlines()[0]
    'transposed conv k=3, s=2'
    """
    n = len(study.runs)
    with styled():
        fig = new_figure(max(2.6 * n, 9) + 1, 8.2, layout="constrained")
        grid = fig.add_gridspec(2, n)
        axes = [fig.add_subplot(grid[0, i]) for i in range(n)]
        shown, reach = _flat_panels(fig, axes, study, -1, 0)
        bar = fig.colorbar(shown[-1], ax=axes, shrink=0.85)
        bar.set_label("output − its mean (interior)", fontsize=SMALL_SIZE)
        bottom = grid[1, :].subgridspec(1, 2)
        _curves(fig.add_subplot(bottom[0, 0]), fig.add_subplot(bottom[0, 1]), study)
        fig.suptitle(f"After {study.steps[-1]} training steps: each decoder's output for a flat input "
                     f"({study.flat_value:g} everywhere), where the ideal output is flat too", fontsize=SMALL_SIZE + 2)
    return fig


def animate_decoder_study(study) -> FrameAnimation:
    """One frame per recorded step: flat outputs, a test image's outputs, and the measures so far.

    >>> from tconv.seg.train.decoders import train_decoders
    >>> animation = animate_decoder_study(train_decoders(["resize"], steps=2, snapshots=(0, 1, 2)))
    >>> animation.n_frames, animation.captions[2]
    (3, 'step 2')
    """
    n = len(study.runs)
    target = study.test_target[0, 0]
    low, high = float(target.min()), float(target.max())
    with styled():
        fig = new_figure(max(2.4 * n, 9) + 2.4, 10.2, layout="constrained")
        grid = fig.add_gridspec(3, n + 1, height_ratios=[1, 1, 1.25])
        flat_axes = [fig.add_subplot(grid[0, i]) for i in range(n)]
        test_axes = [fig.add_subplot(grid[1, i]) for i in range(n)]
        target_ax = fig.add_subplot(grid[1, n])
        target_ax.imshow(target, cmap="cividis", vmin=low, vmax=high, interpolation="nearest")
        target_ax.set_title("the target", fontsize=SMALL_SIZE)
        target_ax.set_xticks([])
        target_ax.set_yticks([])
        note = fig.add_subplot(grid[0, n])
        note.axis("off")
        curves = grid[2, :].subgridspec(1, 2)
        ax_spread, ax_energy = fig.add_subplot(curves[0, 0]), fig.add_subplot(curves[0, 1])

        def draw(index):
            for ax in flat_axes + test_axes + [note, ax_spread, ax_energy]:
                ax.cla()
            _flat_panels(fig, flat_axes, study, index, 0)
            for ax, run in zip(test_axes, study.runs.values()):
                ax.imshow(run.test[index], cmap="cividis", vmin=low, vmax=high, interpolation="nearest")
                ax.set_title(f"test image: loss {run.loss[index]:.2g}", fontsize=SMALL_SIZE)
                ax.set_xticks([])
                ax.set_yticks([])
            note.axis("off")
            note.text(0, 0.9, f"step {study.steps[index]}", fontsize=SMALL_SIZE + 4, va="top")
            note.text(0, 0.55, "top: output for a flat input,\nits mean removed (one scale\nper frame); middle: a test\n"
                               "image's output", fontsize=SMALL_SIZE - 0.5, va="top")
            _curves(ax_spread, ax_energy, study, upto=index)
            return fig

        draw(len(study.steps) - 1)
        fig.suptitle("Five ×2 decoders trained side by side (super-resolution of smooth images): where the "
                     "checkerboard lives and how long it lasts", fontsize=SMALL_SIZE + 2)
    return FrameAnimation(fig, draw, len(study.steps), interval_ms=700,
                          captions=[f"step {s}" for s in study.steps])
