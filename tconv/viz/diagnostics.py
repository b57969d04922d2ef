"""Pictures of a model's errors: the confusion matrix, TP/FP/FN overlays, a probability map, the worst images.

Each function draws a :class:`tconv.seg.train.diagnostics.Diagnosis`; :func:`save_diagnostics`
writes them all, with the per-class table and ``metrics.json``, into a folder (a run folder of
``tconv train``, or ``tconv evaluate --out DIR``).

* :func:`plot_confusion`: rows are the true classes, columns the predictions; each row is
  divided by its pixels (so the diagonal is each class's recall), the counts are written in;
* :func:`plot_errors`: each sample image with its pixels coloured by kind: right (an object
  pixel predicted as its class), false positive (background predicted as an object), false
  negative (an object predicted as background), wrong class (an object predicted as another);
* :func:`plot_probability`: the softmax probability of one class before the argmax, with the
  true outline and the predicted one: where the network hesitates;
* :func:`plot_worst`: the images with the lowest IoU, their truth, prediction and errors;
* :func:`error_map`, :func:`overlay_slices`: the arrays behind them (``tconv predict`` uses
  :func:`overlay_slices` for volumes).
"""
from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np

from .saving import save, save_text
from .style import OKABE_ITO, SMALL_SIZE, new_figure, styled
from .training import class_colours, overlay

__all__ = ["ERROR_KINDS", "error_map", "plot_confusion", "plot_errors", "plot_probability", "plot_worst",
           "save_diagnostics", "overlay_slices"]

#: The kinds of pixel :func:`error_map` tells apart, with their colours (background pixels
#: predicted right keep the image).
ERROR_KINDS = {"right": OKABE_ITO["bluish green"], "false positive": OKABE_ITO["vermillion"],
               "false negative": OKABE_ITO["blue"], "wrong class": OKABE_ITO["yellow"]}


def _image_rgb(image) -> np.ndarray:
    """``image (C, H, W)`` as RGB floats in 0..1, as :func:`~tconv.viz.training.overlay` shows it."""
    return overlay(image, np.zeros(np.shape(image)[-2:], np.int64)) / 255.0


def error_map(mask: np.ndarray, prediction: np.ndarray) -> np.ndarray:
    """Per pixel: 0 background right, 1 right, 2 false positive, 3 false negative, 4 wrong class.

    >>> error_map(np.array([0, 1, 0, 1, 2]), np.array([0, 1, 1, 0, 1])).tolist()
    [0, 1, 2, 3, 4]
    """
    mask, prediction = np.asarray(mask), np.asarray(prediction)
    kinds = np.zeros(mask.shape, np.int64)
    kinds[(mask == prediction) & (mask > 0)] = 1
    kinds[(mask == 0) & (prediction > 0)] = 2
    kinds[(mask > 0) & (prediction == 0)] = 3
    kinds[(mask > 0) & (prediction > 0) & (mask != prediction)] = 4
    return kinds


def _error_rgb(image, mask, prediction, alpha=0.7) -> np.ndarray:
    from matplotlib.colors import to_rgb

    rgb = _image_rgb(image) * 0.8
    kinds = error_map(mask, prediction)
    for code, colour in enumerate(ERROR_KINDS.values(), start=1):
        where = kinds == code
        rgb[where] = (1 - alpha) * rgb[where] + alpha * np.array(to_rgb(colour))
    return rgb


def _legend(fig, class_names):
    """Two rows: the classes' colours (truth and prediction columns), then the kinds of error."""
    from matplotlib.patches import Patch

    colours = class_colours(len(class_names))
    handles = [Patch(facecolor=colours[k], edgecolor="#333333", label=class_names[k])
               for k in range(1, len(class_names))]
    handles += [Patch(facecolor=colour, edgecolor="#333333", label=f"error map: {kind}")
                for kind, colour in ERROR_KINDS.items()]
    fig.legend(handles=handles, loc="outside lower center", ncols=min(len(handles), 5), fontsize=SMALL_SIZE,
               frameon=False)


def _bare(ax, title):
    ax.set_xticks([])
    ax.set_yticks([])
    ax.set_title(title, fontsize=SMALL_SIZE)
    ax.spines[["top", "right"]].set_visible(True)


def plot_confusion(diagnosis):
    """The pooled confusion matrix, each row divided by its pixels, counts written in. Returns a Figure."""
    matrix = np.asarray(diagnosis.confusion, np.float64)
    rows = matrix.sum(axis=1, keepdims=True)
    share = np.divide(matrix, rows, out=np.zeros_like(matrix), where=rows > 0)
    names = diagnosis.class_names
    n = len(names)
    with styled():
        side = max(4.5, 1.0 + 0.9 * n)
        fig = new_figure(side + 1.4, side, layout="constrained")
        ax = fig.subplots()
        image = ax.imshow(share, vmin=0, vmax=1, cmap="cividis")
        for t in range(n):
            for p in range(n):
                colour = "black" if share[t, p] > 0.6 else "white"
                ax.text(p, t, f"{100 * share[t, p]:.1f}%\n{int(matrix[t, p]):,}", ha="center", va="center",
                        fontsize=SMALL_SIZE, color=colour)
        ax.set_xticks(range(n), names, rotation=30, ha="right")
        ax.set_yticks(range(n), names)
        ax.set_xlabel("predicted class")
        ax.set_ylabel("true class")
        total = matrix.sum()
        accuracy = np.trace(matrix) / total if total else math.nan
        fig.colorbar(image, ax=ax, label="share of the true class's pixels (row)")
        ax.set_title(f"Confusion matrix, {int(total):,} pixels; pixel accuracy {accuracy:.3f}\n"
                     "the diagonal is each class's recall", fontsize=SMALL_SIZE + 1)
    return fig


def _pictures(items, columns, titles, draw, legend=None, title=""):
    with styled():
        rows = max(len(items), 1)
        fig = new_figure(3.0 * len(columns), 2.8 * rows + 0.9, layout="constrained")
        axes = np.atleast_2d(fig.subplots(rows, len(columns)))
        for r, item in enumerate(items):
            for c, column in enumerate(columns):
                draw(axes[r, c], column, item)
                _bare(axes[r, c], titles(column, item))
        if not items:
            for ax in axes.ravel():
                ax.axis("off")
        if legend:
            legend(fig)
        fig.suptitle(title)
    return fig


def plot_errors(diagnosis, items=None):
    """Sample images (default ``diagnosis.samples``): the image, truth, prediction, and TP/FP/FN pixels."""
    items = diagnosis.samples if items is None else items

    def draw(ax, column, item):
        if column == "image":
            ax.imshow(_image_rgb(item["image"]), interpolation="nearest")
        elif column == "errors":
            ax.imshow(_error_rgb(item["image"], item["mask"], item["prediction"]), interpolation="nearest")
        else:
            ax.imshow(overlay(item["image"], item[column]), interpolation="nearest")

    def titles(column, item):
        words = {"image": item["name"], "mask": "ground truth", "prediction": "prediction",
                 "errors": f"errors (image IoU {item['score']:.2f})"}
        return words[column]
    return _pictures(items, ("image", "mask", "prediction", "errors"), titles, draw,
                     lambda fig: _legend(fig, diagnosis.class_names), "Right and wrong pixels")


def plot_probability(diagnosis, items=None):
    """The softmax probability of ``diagnosis.probability_class`` before the argmax, for the sample images."""
    items = diagnosis.samples if items is None else items
    k = diagnosis.probability_class
    name = diagnosis.class_names[k]
    images = []

    def draw(ax, column, item):
        if column == "image":
            ax.imshow(_image_rgb(item["image"]), interpolation="nearest")
            return
        images.append(ax.imshow(item["probability"], vmin=0, vmax=1, cmap="cividis", interpolation="nearest"))
        for labels, colour, style in ((item["mask"], OKABE_ITO["orange"], "-"),
                                      (item["prediction"], OKABE_ITO["sky blue"], "--")):
            if np.any(labels == k) and not np.all(labels == k):
                ax.contour((labels == k).astype(float), levels=[0.5], colors=[colour], linestyles=style,
                           linewidths=1.4)

    def titles(column, item):
        return item["name"] if column == "image" else f"P({name}): outline true (—), predicted (- -)"
    fig = _pictures(items, ("image", "probability"), titles, draw, title=f"How sure: the probability of {name} "
                    "before the argmax")
    if images:
        fig.colorbar(images[0], ax=fig.axes, shrink=0.6, label=f"probability of {name}")
    return fig


def plot_worst(diagnosis):
    """The ``diagnosis.worst`` images (lowest IoU first): image, truth, prediction, errors."""
    fig = plot_errors(diagnosis, diagnosis.worst)
    fig.suptitle(f"The {len(diagnosis.worst)} worst images by IoU (mean over the classes present)")
    return fig


def overlay_slices(image: np.ndarray, labels: np.ndarray, count: int = 5, gap: int = 2,
                   min_height: int = 128) -> np.ndarray:
    """``count`` evenly spaced slices of a volume with ``labels`` over them, side by side: RGB uint8.

    ``image (C, D, H, W)``, ``labels (D, H, W)``; a white gap of ``gap`` pixels between slices.
    Slices lower than ``min_height`` pixels are enlarged by a whole factor (nearest neighbour),
    so a small volume stays readable.

    >>> overlay_slices(np.zeros((1, 8, 4, 6)), np.zeros((8, 4, 6), int), count=3, min_height=4).shape
    (4, 22, 3)
    >>> overlay_slices(np.zeros((1, 8, 4, 6)), np.zeros((8, 4, 6), int), count=3, min_height=8).shape
    (8, 40, 3)
    """
    depth, height = labels.shape[0], labels.shape[1]
    factor = max(1, -(-min_height // height))
    picks = np.unique(np.linspace(0, depth - 1, min(count, depth)).round().astype(int))
    parts = []
    for i, z in enumerate(picks):
        if i:
            parts.append(np.full((height * factor, gap, 3), 255, np.uint8))
        parts.append(overlay(image[:, z], labels[z]).repeat(factor, axis=0).repeat(factor, axis=1))
    return np.concatenate(parts, axis=1)


def save_diagnostics(diagnosis, folder) -> list:
    """Write ``per_class.txt``, ``metrics.json`` and the four figures into ``folder``; returns the paths.

    Files are written atomically; the caller decides whether existing files may be replaced
    (``tconv train`` owns its run folder, ``tconv evaluate --out`` asks for ``--overwrite``).
    """
    from ..seg.train.diagnostics import format_table, metrics_json

    folder = Path(folder)
    paths = [Path(save_text(format_table(diagnosis) + "\n", folder / "per_class.txt")),
             Path(save_text(json.dumps(metrics_json(diagnosis), indent=2) + "\n", folder / "metrics.json"))]
    for name, draw in (("confusion.png", plot_confusion), ("errors.png", plot_errors),
                       ("probability.png", plot_probability), ("worst.png", plot_worst)):
        paths.append(Path(save(draw(diagnosis), folder / name)))
    return paths
