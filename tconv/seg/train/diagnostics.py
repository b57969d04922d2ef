"""Diagnostics of a trained model on held-out data: where it is right, where it is wrong, and how sure.

:func:`diagnose` runs the model once over a dataset (evaluation mode, no gradients) and keeps:

* the confusion matrix pooled over every pixel, and from it each class's IoU, Dice, precision
  (``TP / (TP + FP)``), recall (``TP / (TP + FN)``) and pixel counts (:func:`class_table`);
* each image's score, the mean IoU of the foreground classes present in its mask or its
  prediction (1 for an image with no foreground in either), and the ``worst`` images by it;
* for a few images (the first ``samples`` and the worst), the image, its mask, the prediction
  and the softmax probability of one class before the argmax (the foreground class of lowest
  IoU, unless ``probability_class`` is given): how sure the network is where it errs.

Volumes are scored whole; the pictures show each volume's slice with the most foreground.
``tconv train`` writes the diagnostics of ``model.npz`` into its run folder and ``tconv
evaluate --out DIR`` writes them for any folder (the files: :data:`DIAGNOSTIC_FILES`; the
figures are drawn by :mod:`tconv.viz.diagnostics`).
"""
from __future__ import annotations

import heapq
import math
from dataclasses import dataclass, field

import numpy as np

from ..._checks import check_int
from ...autograd import Tensor, no_grad
from ..metrics import ConfusionMatrix

__all__ = ["Diagnosis", "diagnose", "class_table", "format_table", "metrics_json", "DIAGNOSTIC_FILES", "image_score"]

#: What the diagnostics write into a folder.
DIAGNOSTIC_FILES = ("per_class.txt", "metrics.json", "confusion.png", "errors.png", "probability.png", "worst.png")


@dataclass
class Diagnosis:
    """What :func:`diagnose` found (arrays are NumPy; the pictures' arrays are 2-D slices)."""

    class_names: list
    confusion: np.ndarray
    scores: list = field(default_factory=list)        # (index, name, score) per image
    worst: list = field(default_factory=list)         # dicts: index, name, score, image, mask, prediction, probability
    samples: list = field(default_factory=list)       # the same, for the first images
    probability_class: int = 1
    spatial_dims: int = 2

    @property
    def num_classes(self) -> int:
        return len(self.class_names)


def image_score(prediction: np.ndarray, mask: np.ndarray, num_classes: int) -> float:
    """The mean IoU of the foreground classes in ``mask`` or ``prediction`` (1.0 when there are none).

    >>> image_score(np.array([0, 1, 1, 2]), np.array([0, 1, 2, 2]), 3)      # class 1: 1/2, class 2: 1/2
    0.5
    """
    confusion = ConfusionMatrix(num_classes)
    confusion.update(prediction, mask)
    iou = confusion.iou()[1:]
    iou = iou[~np.isnan(iou)]
    return float(iou.mean()) if iou.size else 1.0


def class_table(confusion: np.ndarray) -> list[dict]:
    """Per class: ``iou``, ``dice``, ``precision``, ``recall`` (NaN when undefined), ``tp``, ``fp``, ``fn``, ``pixels``.

    ``confusion[t, p]`` counts pixels of true class ``t`` predicted as ``p``.

    >>> row = class_table(np.array([[5, 1], [2, 2]]))[1]
    >>> row["tp"], row["fp"], row["fn"], round(row["iou"], 3), row["precision"], row["recall"]
    (2, 1, 2, 0.4, 0.6666666666666666, 0.5)
    """
    confusion = np.asarray(confusion, np.int64)
    tp = np.diag(confusion)
    fp = confusion.sum(axis=0) - tp
    fn = confusion.sum(axis=1) - tp
    rows = []
    for k in range(len(tp)):
        t, f_p, f_n = int(tp[k]), int(fp[k]), int(fn[k])
        rows.append(dict(iou=t / (t + f_p + f_n) if t + f_p + f_n else math.nan,
                         dice=2 * t / (2 * t + f_p + f_n) if t + f_p + f_n else math.nan,
                         precision=t / (t + f_p) if t + f_p else math.nan,
                         recall=t / (t + f_n) if t + f_n else math.nan,
                         tp=t, fp=f_p, fn=f_n, pixels=t + f_n))
    return rows


def format_table(diagnosis: Diagnosis) -> str:
    """The per-class table as text (``per_class.txt``), with the means and the pixel accuracy."""
    rows = class_table(diagnosis.confusion)
    width = max(len("class"), *(len(name) for name in diagnosis.class_names))

    def cell(value):
        return f"{value:9.3f}" if not math.isnan(value) else "      n/a"
    lines = [f"{'class'.ljust(width)}      IoU     Dice  precision   recall       pixels"]
    for name, row in zip(diagnosis.class_names, rows):
        lines.append(f"{name.ljust(width)} {cell(row['iou'])}{cell(row['dice'])}  {cell(row['precision'])}"
                     f"{cell(row['recall'])} {row['pixels']:12,d}")
    foreground = [row for row in rows[1:] if not math.isnan(row["iou"])]
    total = int(diagnosis.confusion.sum())
    accuracy = float(np.trace(diagnosis.confusion) / total) if total else math.nan
    miou = float(np.mean([r["iou"] for r in foreground])) if foreground else math.nan
    dice = float(np.mean([r["dice"] for r in foreground])) if foreground else math.nan
    lines.append(f"mIoU (foreground) {cell(miou).strip()}, mean Dice {cell(dice).strip()}, pixel accuracy "
                 f"{cell(accuracy).strip()}")
    if foreground and accuracy > 0.9 and miou < 0.5:
        lines.append("note: high pixel accuracy with a low mIoU: the background fills most pixels, so predicting "
                     "it everywhere already scores high; judge the model by the per-class IoU")
    return "\n".join(lines)


def _name(dataset, index: int) -> str:
    base, i = dataset, index
    while hasattr(base, "dataset") and hasattr(base, "indices"):
        i, base = base.indices[i], base.dataset
    names = getattr(base, "names", None)
    return str(names[i]) if names is not None else f"#{index}"


def _forward(model, image: np.ndarray) -> np.ndarray:
    with no_grad():
        return model(Tensor(image[None])).data[0]


def _softmax(logits: np.ndarray) -> np.ndarray:
    shifted = np.exp(logits - logits.max(axis=0, keepdims=True))
    return shifted / shifted.sum(axis=0, keepdims=True)


def _picture(model, dataset, index: int, k: int, score: float) -> dict:
    """The arrays the figures draw for item ``index`` (a volume: its slice with the most foreground)."""
    image, mask = dataset[index]
    logits = _forward(model, image)
    prediction = logits.argmax(axis=0)
    probability = _softmax(logits.astype(np.float64))[k]
    name = _name(dataset, index)
    if mask.ndim == 3:
        depth = int(np.argmax(((mask > 0) | (prediction > 0)).reshape(mask.shape[0], -1).sum(axis=1)))
        image, mask, prediction, probability = image[:, depth], mask[depth], prediction[depth], probability[depth]
        name = f"{name}, slice {depth}"
    return dict(index=index, name=name, score=score, image=image, mask=np.asarray(mask), prediction=prediction,
                probability=probability)


def diagnose(model, dataset, num_classes: int, *, class_names=None, worst: int = 6, samples: int = 4,
             probability_class: int | None = None) -> Diagnosis:
    """Score ``model`` on every item of ``dataset`` (``(image (C, *S), mask (*S))``) and keep the pictures.

    Items are run one at a time (any sizes). See the module docstring for what is kept.

    >>> from tconv.seg.data import SyntheticShapes
    >>> from tconv.seg.models import UNet
    >>> d = diagnose(UNet(base=2, depth=1, num_classes=3), SyntheticShapes(5, size=16, num_classes=3), 3, worst=2)
    >>> d.confusion.sum(), len(d.worst), len(d.scores)
    (np.int64(1280), 2, 5)
    """
    num_classes = check_int("num_classes", num_classes, minimum=2)
    worst = check_int("worst", worst, minimum=0)
    samples = check_int("samples", samples, minimum=0)
    names = list(class_names) if class_names is not None else [f"class {k}" for k in range(num_classes)]
    was_training = model.training
    model.eval()
    confusion = ConfusionMatrix(num_classes)
    scores, heap = [], []
    try:
        for index in range(len(dataset)):
            image, mask = dataset[index]
            prediction = _forward(model, image).argmax(axis=0)
            confusion.update(prediction, mask)
            score = image_score(prediction, mask, num_classes)
            scores.append((index, _name(dataset, index), score))
            heapq.heappush(heap, (-score, -index))
            if len(heap) > worst:
                heapq.heappop(heap)
        iou = confusion.iou()
        if probability_class is None:
            foreground = [(iou[k] if not np.isnan(iou[k]) else 2.0, k) for k in range(1, num_classes)]
            probability_class = min(foreground)[1]
        check_int("probability_class", probability_class, minimum=0, maximum=num_classes - 1)
        worst_items = sorted((-negative, -index) for negative, index in heap)
        diagnosis = Diagnosis(class_names=names, confusion=confusion.matrix.copy(), scores=scores,
                              probability_class=int(probability_class))
        diagnosis.worst = [_picture(model, dataset, i, probability_class, s) for s, i in worst_items]
        diagnosis.samples = [_picture(model, dataset, i, probability_class, scores[i][2])
                             for i in range(min(samples, len(dataset)))]
        if len(dataset):
            diagnosis.spatial_dims = np.asarray(dataset[0][1]).ndim
    finally:
        model.train(was_training)
    return diagnosis


def metrics_json(diagnosis: Diagnosis) -> dict:
    """The diagnosis as JSON-ready numbers (``metrics.json``): the table, the confusion matrix, the worst images."""
    rows = class_table(diagnosis.confusion)
    table = [dict(name=name, **{key: (None if isinstance(v, float) and math.isnan(v) else v) for key, v in row.items()})
             for name, row in zip(diagnosis.class_names, rows)]
    return dict(classes=table, confusion=diagnosis.confusion.tolist(),
                worst=[dict(name=item["name"], score=item["score"]) for item in diagnosis.worst],
                probability_class=diagnosis.probability_class)
