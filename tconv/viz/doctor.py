"""The data doctor's figure: sample pairs, the classes' shares, and the image sizes.

:func:`plot_data_report` draws a :class:`tconv.seg.data.DataReport` (what ``tconv doctor``
found): up to four images with their masks coloured over them (as the model will read the
masks: after the 0/255, void and colour conversions), the share of the pixels each class holds
on a log scale with the class weights that would balance them, and every image's size against
the smallest side a U-Net of the report's depth takes.
"""
from __future__ import annotations

from collections import Counter

import numpy as np

from .style import OKABE_ITO, SMALL_SIZE, new_figure, styled, wrap_text
from .training import class_colours, overlay

__all__ = ["plot_data_report"]


def _class_colours(report) -> np.ndarray:
    """tconv's class colours, as the overlays use them (class 0, uncoloured there, grey here)."""
    colours = class_colours(max(report.num_classes, 1))
    colours[0] = 0.6
    return colours


def _samples(fig, grid, report):
    for column in range(4):
        ax = fig.add_subplot(grid[0, column])
        ax.set_xticks([])
        ax.set_yticks([])
        if column >= len(report.samples):
            ax.axis("off")
            continue
        name, image, mask = report.samples[column]
        ax.imshow(overlay(image, mask, alpha=0.55), interpolation="nearest")
        present = ", ".join(str(k) for k in np.unique(mask) if k > 0) or "none"
        slice_note = " (most foreground)" if report.spatial_dims == 3 else ""
        ax.set_title(f"{name}{slice_note}\nclasses {present}", fontsize=SMALL_SIZE)
        ax.spines[["top", "right"]].set_visible(True)


def plain_number(x: float) -> str:
    """Three significant digits, never in exponent notation (shares in %, class weights).

    >>> [plain_number(x) for x in (99.826, 0.174, 287.7, 0.5012, 1234.5, 0.00012)]
    ['99.8', '0.174', '288', '0.501', '1234', '0.00012']
    """
    return f"{x:.0f}" if abs(x) >= 100 else f"{x:.3g}" if abs(x) >= 1e-4 or x == 0 else f"{x:.1e}"


def _class_shares(ax, report):
    total = max(int(report.class_pixels.sum()), 1)
    shares = 100 * report.class_pixels / total
    classes = np.arange(report.num_classes)
    colours = _class_colours(report)
    bars = ax.bar(classes, np.maximum(shares, 1e-4), color=colours, edgecolor="#333333", linewidth=0.8)
    ax.set_yscale("log")
    ax.set_ylim(min(0.05, max(shares[shares > 0].min() / 3, 1e-4)) if (shares > 0).any() else 0.05, 3000)
    ax.set_xticks(classes)
    ax.set_xlabel("class id (coloured as in the pictures above)")
    ax.set_ylabel("% of all mask pixels (log scale)")
    for k, bar in enumerate(bars):
        ax.text(bar.get_x() + bar.get_width() / 2, bar.get_height() * 1.15,
                f"{plain_number(shares[k])}%\n{int(report.class_images[k])} masks\nw={plain_number(report.weights[k])}",
                ha="center", va="bottom", fontsize=SMALL_SIZE)
    verdict = "imbalanced" if report.balance.get("imbalanced") else "balanced enough"
    ax.set_title(f"Classes ({verdict}); w = median-frequency weight", fontsize=SMALL_SIZE + 1)
    ax.grid(axis="y", alpha=0.3)


def _sizes(ax, report):
    from ..seg.data.doctor import suggested_size

    sizes = Counter(tuple(size[-2:]) for size in report.image_sizes.values())
    heights = np.array([h for h, _ in sizes])
    widths = np.array([w for _, w in sizes])
    counts = np.array(list(sizes.values()))
    ax.scatter(widths, heights, s=30 + 120 * counts / counts.max(), color=OKABE_ITO["blue"], alpha=0.7,
               edgecolor="#333333", label="images (area ~ how many)")
    side = report.minimum_side
    top = max(heights.max(), widths.max(), side) * 1.25
    ax.axvspan(0, side, color=OKABE_ITO["vermillion"], alpha=0.15,
               label=f"too small for depth {report.depth} (< {side} px)")
    ax.axhspan(0, side, color=OKABE_ITO["vermillion"], alpha=0.15)
    suggestion = suggested_size(report)
    if suggestion is not None:
        ax.scatter([suggestion[-1]], [suggestion[-2]], marker="*", s=260, color=OKABE_ITO["orange"],
                   edgecolor="#333333", zorder=3, label=f"--size {' '.join(map(str, suggestion))}")
    ax.set_xlim(0, top)
    ax.set_ylim(0, top)
    ax.set_xlabel("width (pixels)")
    ax.set_ylabel("height (pixels)")
    what = "H x W of each volume" if report.spatial_dims == 3 else "each image"
    ax.set_title(f"Sizes ({what})", fontsize=SMALL_SIZE + 1)
    ax.legend(fontsize=SMALL_SIZE, loc="upper left")
    ax.grid(alpha=0.3)


def _problem_lines(report, limit: int = 6) -> list[str]:
    """The problems, wrapped to the figure's width (at most ``limit`` of them)."""
    lines = []
    for problem in report.problems[:limit]:
        wrapped = wrap_text(problem, 10.6, SMALL_SIZE + 0.5)
        lines += ["• " + wrapped[0]] + ["   " + line for line in wrapped[1:]]
    if len(report.problems) > limit:
        lines.append(f"• ... and {len(report.problems) - limit} more (the text report lists them)")
    return (["Problems to fix first:"] + lines) if lines else []


def plot_data_report(report):
    """The figure of a :class:`~tconv.seg.data.DataReport`; returns a matplotlib Figure.

    >>> from pathlib import Path
    >>> from tconv.seg.data import DataReport
    >>> report = DataReport(root=Path("data"), depth=3, num_classes=2, image_sizes={"a": (32, 48)},
    ...                     class_pixels=np.array([900, 100]), class_images=np.array([1, 1]),
    ...                     weights=np.array([0.2, 1.8]))
    >>> fig = plot_data_report(report)
    >>> fig.axes[-1].get_xlabel()
    'width (pixels)'
    """
    problems = _problem_lines(report)
    with styled():
        extra = 0.25 + 0.2 * len(problems) if problems else 0.0
        fig = new_figure(12, 7.6 + extra, layout="constrained")
        grid = fig.add_gridspec(3 if problems else 2, 4, height_ratios=[1, 1.15] + ([extra / 3.4] if problems else []))
        _samples(fig, grid, report)
        if problems:
            ax = fig.add_subplot(grid[2, :])
            ax.axis("off")
            text = ax.text(0, 1, "\n".join(problems), va="top", ha="left", fontsize=SMALL_SIZE + 0.5,
                           color=OKABE_ITO["vermillion"], transform=ax.transAxes)
            text.set_in_layout(False)                   # wrapped to fit: the layout need not make room
        if report.num_classes:
            _class_shares(fig.add_subplot(grid[1, :2]), report)
        if report.image_sizes:
            _sizes(fig.add_subplot(grid[1, 2:]), report)
        status = "ready to train" if report.ready else f"{len(report.problems)} problem(s) to fix first"
        fig.suptitle(f"Data doctor: {report.root} — {len(report.names)} pairs, masks read as "
                     f"'{report.mask_format}', {status}")
    return fig
