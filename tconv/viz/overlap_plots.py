"""The checkerboard lab's figures (Odena, Dumoulin & Olah, Distill 2016), from :mod:`tconv.viz.overlap`.

* :func:`plot_overlap`: the counts in 1-D (with the copies drawn), in 2-D, and through a
  stack of layers;
* :func:`plot_upsampling`: a constant image upsampled every common way, on ONE shared colour
  scale with one colorbar, each interior's spread printed over its panel;
* :func:`plot_gradient_checkerboard`: the input gradient of a strided and of a stride-1
  convolution, on one scale;
* :func:`plot_checkerboard_lab`: all of it in one figure.
"""
from __future__ import annotations

import numpy as np

from ..ops import conv as _conv
from .overlap import check_lab_arguments, gradient_maps, overlap_counts, upsampling_outputs
from .style import OKABE_ITO, SEQUENTIAL, as_style, new_figure, styled
from .words import Words

__all__ = ["plot_overlap", "plot_upsampling", "plot_gradient_checkerboard", "plot_checkerboard_lab", "overlap_words"]


def _shared_images(fig, axes, entries, label, style):
    """Images on one colour scale (value / interior mean, 1 ± 0.5), each titled with its spread; one colorbar."""
    from matplotlib.colors import Normalize

    scaled = []
    for entry in entries:
        b = entry["border"]
        core = entry["image"][b:-b, b:-b] if entry["image"].shape[0] > 2 * b else entry["image"]
        scaled.append((entry["image"] / core.mean(), core / core.mean()))
    # One scale for every panel, and the same in every figure: mean ± 0.5 (wider only when a panel's
    # interior needs it), so a remedy never looks as striped as the checkerboard it removes.
    reach = max(float(np.abs(c - 1).max()) for _, c in scaled)
    reach = max(0.5, float(np.ceil(reach / 0.25)) * 0.25)
    norm = Normalize(1 - reach, 1 + reach)
    for ax, entry, (image, _) in zip(axes, entries, scaled):
        shown = ax.imshow(image, cmap=SEQUENTIAL, norm=norm, interpolation="nearest")
        spread = "spread" if style.slide else "interior spread (max − min)/mean"      # slides: defined in the notes
        ax.set_title(f"{entry['name']}\n{spread} = {entry['spread']:.3f}",
                     fontsize=style.small_size + (0 if style.slide else 0.5))
        ax.set_xticks([])
        ax.set_yticks([])
        b = entry["border"]
        n = image.shape[0]
        ax.add_patch(_frame(b, n))
    bar = fig.colorbar(shown, ax=axes, extend="both", shrink=0.9)
    bar.set_label(label, fontsize=style.small_size)
    bar.ax.tick_params(labelsize=style.small_size)


def _suptitle(style) -> dict:
    """The figure title's font: a slide's title size in bold (as every slide's), or the paper's."""
    return {"fontsize": style.title_size, "weight": "bold"} if style.slide else {"fontsize": style.font_size + 1}


def _upsampling_title(size, stride) -> str:
    return f"A constant {size} × {size} image upsampled ×{stride}, one colour scale"


def _frame(border: int, n: int):
    from matplotlib.patches import Rectangle

    return Rectangle((border - 0.5, border - 0.5), n - 2 * border, n - 2 * border, fill=False,
                     edgecolor=OKABE_ITO["vermillion"], linestyle="--", linewidth=1.2)


def _draw_upsampling(fig, kernel_size, stride, size, seed, style):
    entries = upsampling_outputs(kernel_size, stride, size, seed)
    axes = fig.subplots(1, len(entries))
    _shared_images(fig, axes, entries, "output / interior mean (one scale for every panel)", style)
    fig.suptitle(_upsampling_title(size, stride) if style.slide else
                 f"A constant {size} × {size} image upsampled ×{stride}: one colour scale; the dashed square is "
                 "the interior (outside it, zero padding darkens the border)", **_suptitle(style))
    return entries


def _draw_gradient(fig, kernel_size, stride, size, seed, style):
    entries = gradient_maps(kernel_size, stride, size, seed)
    axes = fig.subplots(1, 2)
    _shared_images(fig, axes, entries, "gradient / interior mean", style)
    fig.suptitle(f"The gradient of a strided convolution (kernel {kernel_size}): the same checkerboard"
                 if style.slide else
                 f"The input gradient of a strided convolution (kernel {kernel_size}) is a transposed convolution: "
                 "the same checkerboard", **_suptitle(style))
    return entries


def _draw_counts(fig, kernel_size, stride, length, layers, style):
    from matplotlib.colors import Normalize

    one = overlap_counts(kernel_size, stride, length)
    two = overlap_counts(kernel_size, stride, max(2, length // 2), ndim=2)
    ax1, ax2, ax3 = fig.subplots(1, 3, width_ratios=[1.6, 1.0, 1.2])
    norm = Normalize(0, two.max())
    # 1-D: each input pixel's kernel copy as a bar, then the counts.
    levels = max(1, -(-kernel_size // stride))
    for i in range(length):
        ax1.add_patch(_bar(i * stride - 0.5, 1.2 + i % levels, kernel_size))
    shown = ax1.imshow(one[None, :], cmap=SEQUENTIAL, norm=norm, extent=(-0.5, one.size - 0.5, 0.5, -0.5),
                       interpolation="nearest")
    for j, value in enumerate(one):
        ax1.text(j, 0, str(int(value)), ha="center", va="center", fontsize=style.small_size,
                 color="white" if value < two.max() / 2 else "black")
    ax1.set_xlim(-0.7, one.size - 0.3)
    ax1.set_ylim(levels + 0.8, -0.7)
    ax1.set_yticks([0] + [1.2 + lv for lv in range(levels)],
                   ["count"] + [f"copies of pixels {lv}, {lv + levels}, ..." for lv in range(levels)],
                   fontsize=style.small_size)
    ax1.set_xlabel("output position")
    ax1.set_title(f"1-D: {length} input pixels, kernel {kernel_size}, stride {stride}\n"
                  f"each bar is one kernel copy; counts below", fontsize=style.small_size + (0 if style.slide else 0.5))
    ax1.set_aspect("auto")
    # 2-D: the outer product of the 1-D counts.
    side = two.shape[0]
    ax2.imshow(two, cmap=SEQUENTIAL, norm=norm, interpolation="nearest")
    if side <= 16:
        for (r, c), value in np.ndenumerate(two):
            ax2.text(c, r, str(int(value)), ha="center", va="center", fontsize=style.small_size,
                     color="white" if value < two.max() / 2 else "black")
    ax2.set_xticks([])
    ax2.set_yticks([])
    n2 = max(2, length // 2)
    ax2.set_title(f"2-D: {n2} × {n2} ones → {side} × {side}\n(the outer product of the 1-D counts)",
                  fontsize=style.small_size + (0 if style.slide else 0.5))
    bar = fig.colorbar(shown, ax=[ax1, ax2], shrink=0.9)
    bar.set_label("kernel copies overlapping", fontsize=style.small_size)
    bar.ax.tick_params(labelsize=style.small_size)
    # A stack of layers: the pattern compounds.
    counts = np.ones(length)
    for layer in range(1, layers + 1):
        counts = _conv.conv_transpose1d(counts[None, None], np.ones((1, 1, kernel_size)), stride=stride)[0, 0]
        position = (np.arange(counts.size) + 0.5) / counts.size
        ax3.step(position, counts / counts.max() + 1.15 * (layers - layer), where="mid", linewidth=1.4,
                 color=style.lines[0])
        ax3.text(1.02, 1.15 * (layers - layer) + 0.5, f"layer {layer}\n{counts.size} px", fontsize=style.small_size,
                 va="center", transform=ax3.get_yaxis_transform())
    ax3.set_yticks([])
    ax3.set_xlabel("output position (fraction of the width)")
    ax3.set_title(f"{layers} stacked layers (each: kernel {kernel_size}, stride {stride})\n"
                  "count / largest count, per layer", fontsize=style.small_size + (0 if style.slide else 0.5))
    ax3.spines["left"].set_visible(False)
    fig.suptitle(f"Overlap of kernel copies: uneven when kernel mod stride = {kernel_size % stride} ≠ 0"
                 if kernel_size % stride else
                 "Overlap of kernel copies: even inside when kernel mod stride = 0", **_suptitle(style))
    return one, two


def _bar(start, y, length):
    from matplotlib.patches import Rectangle

    return Rectangle((start, y - 0.35), length, 0.7, facecolor=OKABE_ITO["orange"], edgecolor="#333333",
                     linewidth=0.8, alpha=0.85)


def plot_overlap(kernel_size: int = 3, stride: int = 2, length: int = 8, layers: int = 3, style=None):
    """Overlap counts of a transposed convolution: 1-D (with the copies), 2-D, and a stack of layers.

    >>> fig = plot_overlap(3, 2)
    >>> len(fig.axes)          # 1-D, 2-D, the stack, and the colorbar
    4
    """
    check_lab_arguments(kernel_size, stride, length)
    if not 1 <= layers <= 4:
        raise ValueError(f"layers={layers!r} must be from 1 to 4")
    style = as_style(style)
    with styled(style):
        fig = new_figure(*style.size((13, 4.4)), layout="constrained", style=style)
        _draw_counts(fig, kernel_size, stride, length, layers, style)
    return fig


def plot_upsampling(kernel_size: int = 3, stride: int = 2, size: int = 8, seed: int = 0, style=None):
    """A constant image upsampled every way on one colour scale (see :func:`upsampling_outputs`).

    >>> fig = plot_upsampling(4, 2)
    >>> [ax.get_title().splitlines()[1] for ax in fig.axes[:3]]
    ['kernel 4, stride 2', 'kernel 4, stride 1', 'kernel 4, stride 2, padding 1']
    """
    style = as_style(style)
    with styled(style):
        fig = new_figure(*style.size((15, 4.8)), layout="constrained", style=style)
        _draw_upsampling(fig, kernel_size, stride, size, seed, style)
    return fig


def plot_gradient_checkerboard(kernel_size: int = 3, stride: int = 2, size: int = 16, seed: int = 0, style=None):
    """The input gradient of a strided and of a stride-1 convolution, on one colour scale.

    >>> fig = plot_gradient_checkerboard(3, 2)
    >>> [ax.get_title().splitlines()[0] for ax in fig.axes[:2]]
    ['stride 2: d sum(conv(x)) / dx', 'stride 1: d sum(conv(x)) / dx']
    """
    style = as_style(style)
    with styled(style):
        fig = new_figure(*style.size((10, 5.0)), layout="constrained", style=style)
        _draw_gradient(fig, kernel_size, stride, size, seed, style)
    return fig


def plot_checkerboard_lab(kernel_size: int = 3, stride: int = 2, length: int = 8, seed: int = 0, style=None):
    """The whole lab in one figure: counts, upsampling three ways, the gradient of a strided conv.

    >>> fig = plot_checkerboard_lab()
    >>> len(fig.subfigs)
    3
    """
    check_lab_arguments(kernel_size, stride, length)
    style = as_style(style)
    if style.slide:
        raise ValueError("the whole checkerboard lab does not fit one slide: draw one part (part='counts', "
                         "'upsampling' or 'gradient'; --part on the command line)")
    with styled(style):
        fig = new_figure(15, 15.0, layout="constrained", style=style)
        top, middle, bottom = fig.subfigures(3, 1, height_ratios=[4.4, 5.0, 5.4])
        _draw_counts(top, kernel_size, stride, length, 3, style)
        _draw_upsampling(middle, kernel_size, stride, length, seed, style)
        _draw_gradient(bottom, kernel_size, stride, 2 * length, seed, style)
    return fig


_PART_WORDS = {
    "counts": ("How many kernel copies overlap each output pixel (1-D with the copies drawn, 2-D, and three stacked "
               "layers)."),
    "upsampling": ("A constant image upsampled by a transposed convolution with random weights, by one whose kernel "
                   "is a multiple of the stride, by nearest resize + convolution and by a bilinear-initialised "
                   "transposed convolution, on one colour scale; the dashed square is the interior."),
    "gradient": "The input gradient of a strided convolution and of a stride-1 convolution, on one colour scale.",
}


def overlap_words(kernel_size: int = 3, stride: int = 2, length: int = 8, part: str = "all") -> Words:
    """The checkerboard lab's words: title, caption, and the notes (the rule and what each panel shows).

    >>> overlap_words(3, 2, part="counts").title
    'Overlap of kernel copies: kernel 3, stride 2'
    """
    check_lab_arguments(kernel_size, stride, length)
    one = overlap_counts(kernel_size, stride, length)
    rule = (f"kernel mod stride = {kernel_size % stride}: " +
            ("the copies overlap unevenly, a checkerboard" if kernel_size % stride else
             "inside the border every output pixel gets the same number of copies"))
    title = {"counts": f"Overlap of kernel copies: kernel {kernel_size}, stride {stride}",
             "upsampling": f"Upsampling a constant image ×{stride}: kernel {kernel_size} and its remedies",
             "gradient": f"The gradient of a strided convolution (kernel {kernel_size}, stride {stride})"}.get(
        part, f"The checkerboard lab: kernel {kernel_size}, stride {stride}")
    parts = [part] if part in _PART_WORDS else list(_PART_WORDS)
    said = " ".join(_PART_WORDS[p] for p in parts)
    caption = f"Kernel {kernel_size}, stride {stride}: " + said[0].lower() + said[1:]
    notes = (rule[0].upper() + rule[1:] + ".",
             f"Over {length} input ones in 1-D the counts are {' '.join(str(int(v)) for v in one)}.",
             "Spread: (max − min) / mean of the output inside the dashed square (the interior, away from the "
             "zero padding's border).",
             "Odena, Dumoulin & Olah (2016): choose a kernel divisible by the stride, or resize then convolve.")
    return Words(title, caption, notes)
