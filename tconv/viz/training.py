"""Pictures of a training run: learning curves, and predictions laid over their images.

* :func:`plot_history`: loss (train and validation) and the validation mIoU / Dice per epoch,
  from the list of per-epoch dicts a run writes to ``RUN/history.json``;
* :func:`plot_predictions`: for each image, the image, the ground truth over it, the
  prediction over it, and where they differ;
* :func:`overlay`: one label map over one image, as an RGB ``uint8`` array (what
  ``tconv predict`` writes as ``NAME_overlay.png``);
* :func:`load_history`: read and check ``history.json``.

Classes are coloured with the Okabe-Ito palette (class 0, the background, is left
uncoloured) and always named in a legend; errors are black on white.
"""
from __future__ import annotations

import json
import math
import os

import numpy as np

from .style import OKABE_ITO, SMALL_SIZE, as_style, new_figure, styled
from .words import Words

__all__ = ["HISTORY_KEYS", "CLASS_COLOURS", "load_history", "check_history", "plot_history", "overlay",
           "plot_predictions", "class_colours", "history_words", "MAX_LEGEND_CLASSES"]

#: The keys of one epoch in ``history.json``; ``epoch`` and ``train_loss`` are required.
HISTORY_KEYS = ("epoch", "train_loss", "val_loss", "val_miou", "val_dice", "elapsed_s")
#: Colours of classes 1, 2, ... (class 0 is the background and stays uncoloured).
CLASS_COLOURS = tuple(OKABE_ITO[n] for n in ("orange", "sky blue", "bluish green", "vermillion", "blue",
                                             "reddish purple", "yellow", "black"))
MAX_PREDICTION_ROWS = 8


def check_history(history) -> list[dict]:
    """``history`` as a list of per-epoch dicts, or a ``ValueError`` naming the epoch and the key.

    Each entry needs ``epoch`` (an int) and ``train_loss`` (a number); ``val_loss``,
    ``val_miou``, ``val_dice`` and ``elapsed_s`` are optional numbers (``None`` when missing).

    >>> check_history([{"epoch": 1, "train_loss": 0.5}])[0]["val_miou"] is None
    True
    >>> check_history([{"epoch": 1}])
    Traceback (most recent call last):
    ...
    ValueError: history entry 0 has no 'train_loss'; each epoch needs 'epoch' and 'train_loss'
    """
    if not isinstance(history, (list, tuple)) or not history:
        raise ValueError(f"history must be a non-empty list of per-epoch dicts, got {type(history).__name__}"
                         + ("" if history else " (empty)"))
    checked = []
    for n, entry in enumerate(history):
        if not isinstance(entry, dict):
            raise ValueError(f"history entry {n} is a {type(entry).__name__}, not a dict of {HISTORY_KEYS}")
        for key in ("epoch", "train_loss"):
            if key not in entry:
                raise ValueError(f"history entry {n} has no {key!r}; each epoch needs 'epoch' and 'train_loss'")
        row = {}
        for key in HISTORY_KEYS:
            value = entry.get(key)
            if value is not None and (isinstance(value, bool) or not isinstance(value, (int, float))):
                raise ValueError(f"history entry {n}: {key}={value!r} must be a number")
            row[key] = None if value is None else float(value)
        if row["epoch"] != int(row["epoch"]):
            raise ValueError(f"history entry {n}: epoch={entry['epoch']!r} must be an int")
        checked.append(row)
    return checked


def load_history(run_dir) -> list[dict]:
    """Read ``run_dir/history.json`` and :func:`check_history` it; errors name the file.

    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as run:
    ...     with open(os.path.join(run, "history.json"), "w") as file:
    ...         _ = file.write('[{"epoch": 1, "train_loss": 0.7}]')
    ...     load_history(run)[0]["train_loss"]
    0.7
    """
    path = os.path.join(os.fspath(run_dir), "history.json")
    if not os.path.isdir(os.fspath(run_dir)):
        raise ValueError(f"{os.fspath(run_dir)!r} is not a folder (give the run folder that tconv train wrote)")
    if not os.path.isfile(path):
        raise ValueError(f"{path!r} does not exist: is {os.fspath(run_dir)!r} a tconv train run folder?")
    try:
        with open(path, encoding="utf-8") as file:
            history = json.load(file)
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise ValueError(f"{path!r} is not valid JSON: {error}") from None
    try:
        return check_history(history)
    except ValueError as error:
        raise ValueError(f"{path!r}: {error}") from None


def _series(history, key):
    points = [(h["epoch"], h[key]) for h in history if h[key] is not None and math.isfinite(h[key])]
    return [p[0] for p in points], [p[1] for p in points]


def plot_history(history, style=None):
    """Learning curves: loss (train, validation) and validation mIoU / Dice against the epoch.

    Each curve has its own colour, line style and marker, and a legend entry; the best
    validation mIoU is marked. A run without validation says so in the scores' panel.
    ``style`` (:class:`~tconv.viz.style.Style` or its words): paper (default) or a 1920 x
    1080 slide. Returns a matplotlib Figure.

    >>> fig = plot_history([{"epoch": 1, "train_loss": 0.9, "val_loss": 1.0, "val_miou": 0.3, "val_dice": 0.4},
    ...                     {"epoch": 2, "train_loss": 0.6, "val_loss": 0.7, "val_miou": 0.5, "val_dice": 0.6}])
    >>> [ax.get_ylabel() for ax in fig.axes]
    ['loss', 'score (0 to 1)']
    >>> plot_history([{"epoch": 1, "train_loss": 0.9}]).get_suptitle()
    'Training run: 1 epoch'
    """
    history = check_history(history)
    style = as_style(style)
    lines = style.lines
    with styled(style):
        fig = new_figure(*style.size((10, 4.2)), layout="constrained", style=style)
        loss_ax, score_ax = fig.subplots(1, 2)
        for ax, curves in ((loss_ax, (("train_loss", "training loss", lines[0], "-", "o"),
                                      ("val_loss", "validation loss", lines[1], "--", "s"))),
                           (score_ax, (("val_miou", "validation mIoU", lines[2], "-", "^"),
                                       ("val_dice", "validation Dice", lines[3], "--", "D")))):
            for key, label, colour, line, marker in curves:
                x, y = _series(history, key)
                if x:
                    ax.plot(x, y, linestyle=line, marker=marker, color=colour, label=label)
            ax.set_xlabel("epoch")
            ax.grid(alpha=0.3)
        loss_ax.set_ylabel("loss")
        loss_ax.set_title("Loss")
        score_ax.set_ylabel("score (0 to 1)")
        score_ax.set_ylim(0, 1.02)
        score_ax.set_title("Validation scores")
        x, y = _series(history, "val_miou")
        if x:
            best = int(np.argmax(y))
            score_ax.axvline(x[best], color=style.muted, linestyle=":", linewidth=1.2,
                             label=f"best mIoU {y[best]:.3f} (epoch {int(x[best])})")
        if not any(_series(history, key)[0] for key in ("val_loss", "val_miou", "val_dice")):
            score_ax.text(0.5, 0.5, "no validation in this run\n(it was trained without a validation split)",
                          ha="center", va="center", transform=score_ax.transAxes, color=style.ink)
        for ax in (loss_ax, score_ax):
            if ax.get_legend_handles_labels()[0]:
                ax.legend(loc="best")
        epochs = [h["epoch"] for h in history]
        if len(epochs) <= 20:
            for ax in (loss_ax, score_ax):
                ax.set_xticks(sorted(set(int(e) for e in epochs)))
        fig.suptitle(_run_title(history), weight="bold" if style.slide else "normal")   # as every slide title
    return fig


def _run_title(history) -> str:
    total = history[-1]["elapsed_s"] or 0.0             # elapsed_s counts from the start of the run
    suffix = f", {total:.0f} s" if total else ""
    epochs = len(history)
    return f"Training run: {epochs} epoch{'' if epochs == 1 else 's'}{suffix}"


def history_words(history) -> Words:
    """The learning curves' words: title, caption, and the notes (the numbers a slide does not print).

    >>> history_words([{"epoch": 1, "train_loss": 0.5}]).notes[-1]
    'The run has no validation scores (no validation split).'
    """
    if history is None:
        raise ValueError("kind 'training' draws a run's history: pass history (the list in RUN/history.json)")
    history = check_history(history)
    first, last = history[0], history[-1]
    notes = [f"Training loss from {first['train_loss']:.3f} (epoch {int(first['epoch'])}) to "
             f"{last['train_loss']:.3f} (epoch {int(last['epoch'])})."]
    x, y = _series(history, "val_miou")
    if x:
        best = int(np.argmax(y))
        notes.append(f"Best validation mIoU {y[best]:.3f} at epoch {int(x[best])}.")
    else:
        notes.append("The run has no validation scores (no validation split).")
    caption = ("The learning curves of a tconv train run: training and validation loss, validation mIoU and Dice "
               "against the epoch.")
    return Words(_run_title(history), caption, tuple(notes))


def class_colours(num_classes: int) -> np.ndarray:
    """RGB (0..1) colours of classes ``0..num_classes-1``; row 0 (the background) is NaN: not coloured.

    >>> class_colours(3)[1].round(3).tolist()
    [0.902, 0.624, 0.0]
    """
    from matplotlib.colors import to_rgb

    colours = np.full((num_classes, 3), np.nan)
    for k in range(1, num_classes):
        colours[k] = to_rgb(CLASS_COLOURS[(k - 1) % len(CLASS_COLOURS)])
    return colours


def _image_rgb(image: np.ndarray) -> np.ndarray:
    """``(C, H, W)`` or ``(H, W)`` as RGB floats in 0..1 (see :func:`overlay` for the rules)."""
    image = np.asarray(image)
    if image.ndim == 3:
        image = image[:3] if image.shape[0] >= 3 else image[:1]
        image = np.moveaxis(image, 0, -1)
    elif image.ndim == 2:
        image = image[..., None]
    else:
        raise ValueError(f"image must have shape (C, H, W) or (H, W), got {image.shape}")
    if image.dtype == np.uint8:
        image = image / 255.0
    else:
        image = image.astype(np.float64)
        low, high = float(np.min(image)), float(np.max(image))
        if low < 0 or high > 1:
            image = (image - low) / (high - low) if high > low else np.zeros_like(image)
    if image.shape[-1] == 1:
        image = np.repeat(image, 3, axis=-1)
    return np.clip(image, 0, 1)


def _check_labels(name: str, labels, shape=None) -> np.ndarray:
    labels = np.asarray(labels)
    if labels.dtype.kind not in "iub":
        raise ValueError(f"{name} must hold integer class indices, got dtype {labels.dtype}")
    if labels.size and labels.min() < 0:
        raise ValueError(f"{name} has the negative value {int(labels.min())}; class indices start at 0")
    if shape is not None and labels.shape != shape:
        raise ValueError(f"{name} has shape {labels.shape}, expected {shape}")
    return labels.astype(np.int64)


def overlay(image, labels, alpha: float = 0.5, *, background: int = 0) -> np.ndarray:
    """``labels`` coloured over ``image``: an RGB ``uint8`` array ``(H, W, 3)``.

    ``image`` is ``(C, H, W)`` (channel first, as tconv's data) or ``(H, W)``; a ``uint8``
    image is read as 0..255, a float image in 0..1 as it is, any other float range is rescaled
    to 0..1; one channel is shown grey, three as RGB (more: the first three). Pixels of class
    ``background`` keep the image; class ``k`` is mixed with :data:`CLASS_COLOURS` ``[k-1]``
    at opacity ``alpha``.

    >>> out = overlay(np.zeros((1, 2, 2), np.float32), np.array([[0, 1], [1, 0]]), alpha=1.0)
    >>> out.dtype, out.shape, out[0, 1].tolist(), out[0, 0].tolist()
    (dtype('uint8'), (2, 2, 3), [230, 159, 0], [0, 0, 0])
    """
    if not 0 <= alpha <= 1:
        raise ValueError(f"alpha={alpha!r} must lie between 0 and 1")
    rgb = _image_rgb(image)
    labels = _check_labels("labels", labels, rgb.shape[:2])
    colours = class_colours(int(labels.max()) + 1 if labels.size else 1)
    out = rgb.copy()
    for k in range(len(colours)):
        if k == background or np.isnan(colours[k][0]):
            continue
        where = labels == k
        out[where] = (1 - alpha) * rgb[where] + alpha * colours[k]
    return np.round(out * 255).astype(np.uint8)


def plot_predictions(images, masks, predictions, class_names=None, alpha: float = 0.5):
    """For each image: the image, the ground truth over it, the prediction over it, the errors.

    Shapes: ``images (N, C, H, W)``, ``masks (N, H, W)`` and ``predictions (N, H, W)`` of
    integer classes. ``class_names`` (default ``class 0``, ...) name the legend's colours; at
    most :data:`MAX_PREDICTION_ROWS` images are drawn. Returns a matplotlib Figure.

    >>> fig = plot_predictions(np.zeros((1, 1, 4, 4)), np.zeros((1, 4, 4), int), np.ones((1, 4, 4), int),
    ...                        class_names=["background", "cell"])
    >>> fig.axes[3].get_title()
    'errors: 100.0% of pixels'
    """
    images = np.asarray(images)
    if images.ndim != 4:
        raise ValueError(f"images must have shape (N, C, H, W), got {images.shape}")
    n, _, h, w = images.shape
    masks = _check_labels("masks", masks, (n, h, w))
    predictions = _check_labels("predictions", predictions, (n, h, w))
    num_classes = int(max(masks.max(initial=0), predictions.max(initial=0))) + 1
    if class_names is None:
        class_names = [f"class {k}" for k in range(num_classes)]
    class_names = [str(c) for c in class_names]
    if len(class_names) < num_classes:
        raise ValueError(f"class_names has {len(class_names)} names but the labels go up to {num_classes - 1}; "
                         f"give one name per class 0..{num_classes - 1}")
    if n == 0:
        raise ValueError("images is empty: nothing to draw")
    rows = min(n, MAX_PREDICTION_ROWS)
    colours = class_colours(len(class_names))
    present = sorted((set(np.unique(masks[:rows]).tolist()) | set(np.unique(predictions[:rows]).tolist())) - {0})
    legend_rows = -(-(min(len(present), MAX_LEGEND_CLASSES) + 3) // 5)
    with styled():
        fig = new_figure(11, 2.5 * rows + 0.5 + 0.3 * legend_rows, layout="constrained")
        axes = np.atleast_2d(fig.subplots(rows, 4))
        for r in range(rows):
            wrong = masks[r] != predictions[r]
            panels = [(_image_rgb(images[r]), "image"),
                      (overlay(images[r], masks[r], alpha), "ground truth"),
                      (overlay(images[r], predictions[r], alpha), "prediction"),
                      (np.where(wrong[..., None], 0.0, 1.0).repeat(3, axis=-1),
                       f"errors: {100 * wrong.mean():.1f}% of pixels")]
            for ax, (picture, title) in zip(axes[r], panels):
                ax.imshow(picture, interpolation="nearest")
                ax.set_title(title, fontsize=SMALL_SIZE + 1)
                ax.set_xticks([])
                ax.set_yticks([])
                ax.spines[["left", "bottom"]].set_visible(True)
                ax.spines[["top", "right"]].set_visible(True)
        _legend(fig, class_names, colours, present)
    return fig


#: The most classes the predictions' legend names (the classes drawn, in order); the rest are counted.
MAX_LEGEND_CLASSES = 15


def _legend(fig, class_names, colours, present):
    from matplotlib.patches import Patch

    handles = [Patch(facecolor="white", edgecolor="#333333", label=f"{class_names[0]} (not coloured)")]
    handles += [Patch(facecolor=colours[k], edgecolor="#333333", label=class_names[k])
                for k in present[:MAX_LEGEND_CLASSES]]
    if len(present) > MAX_LEGEND_CLASSES:
        handles.append(Patch(facecolor="none", edgecolor="none",
                             label=f"and {len(present) - MAX_LEGEND_CLASSES} more classes (the {len(CLASS_COLOURS)} "
                                   "colours repeat)"))
    handles.append(Patch(facecolor="black", edgecolor="#333333", label="error (prediction ≠ ground truth)"))
    fig.legend(handles=handles, loc="outside lower center", ncols=min(len(handles), 5), fontsize=SMALL_SIZE,
               frameon=False)
