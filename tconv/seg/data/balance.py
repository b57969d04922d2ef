"""How unbalanced the classes are, and the class weights that balance them (median frequency).

A class's *frequency* is its pixel count divided by the pixels of the images in which it
occurs (Eigen & Fergus 2015, "Predicting Depth, Surface Normals and Semantic Labels with a
Common Multi-Scale Convolutional Architecture", section 4.3):

    freq_c = pixels_c / (total pixels of the images that contain c)
    w_c    = median(freq) / freq_c

so the class of median frequency weighs 1, a rare class more, a common class (the background)
less. A class absent from every image gets weight 0 (there is nothing to weigh), and the
median is over the classes present. With these weights a pixel of each class carries about the
same share of a weighted cross-entropy; the losses that take a ``weight`` (cross-entropy,
Dice, Dice + CE, focal, F-beta) accept them (``tconv train --class-weights auto``).

``counts`` below is a list with one dict ``{class id: pixels}`` per mask, as
:attr:`tconv.seg.data.ImageMaskFolder.mask_counts` holds it.

>>> counts = [{0: 90, 1: 10}, {0: 100}, {0: 80, 2: 20}]
>>> median_frequency_weights(counts, 3).round(3).tolist()     # freq 0.9, 0.1, 0.2; median 0.2
[0.222, 2.0, 1.0]
"""
from __future__ import annotations

import numpy as np

__all__ = ["mask_counts", "class_frequencies", "median_frequency_weights", "imbalance"]


def mask_counts(dataset, indices=None) -> list[dict]:
    """``{class id: pixels}`` per mask of ``dataset`` (its ``mask_counts`` when it keeps them, else read).

    ``indices`` selects items (default all); a :class:`~tconv.seg.data.Subset` of a folder uses
    the folder's counts without reading a mask.
    """
    base, chosen = dataset, list(range(len(dataset))) if indices is None else list(indices)
    while hasattr(base, "dataset") and hasattr(base, "indices"):          # Subset (of a Subset ...)
        chosen = [base.indices[i] for i in chosen]
        base = base.dataset
    if getattr(base, "mask_counts", None) is not None:
        return [dict(base.mask_counts[i]) for i in chosen]
    counts = []
    for i in chosen:
        values, times = np.unique(np.asarray(base[i][1]), return_counts=True)
        counts.append(dict(zip(values.tolist(), times.tolist())))
    return counts


def class_frequencies(counts: list[dict], num_classes: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(pixels, images, frequency)`` per class: pixel counts, masks holding the class, and ``freq_c``.

    >>> pixels, images, freq = class_frequencies([{0: 3, 1: 1}, {0: 4}], 2)
    >>> pixels.tolist(), images.tolist(), freq.round(3).tolist()
    ([7, 1], [2, 1], [0.875, 0.25])
    """
    pixels = np.zeros(num_classes, np.int64)
    images = np.zeros(num_classes, np.int64)
    present_pixels = np.zeros(num_classes, np.int64)
    for found in counts:
        total = sum(found.values())
        for c, n in found.items():
            if 0 <= c < num_classes and n:
                pixels[c] += n
                images[c] += 1
                present_pixels[c] += total
    frequency = np.where(present_pixels > 0, pixels / np.maximum(present_pixels, 1), 0.0)
    return pixels, images, frequency


def median_frequency_weights(counts: list[dict], num_classes: int) -> np.ndarray:
    """Eigen & Fergus' median-frequency class weights ``median(freq) / freq_c`` (0 for absent classes)."""
    _, _, frequency = class_frequencies(counts, num_classes)
    present = frequency > 0
    if not present.any():
        return np.zeros(num_classes)
    median = float(np.median(frequency[present]))
    return np.where(present, median / np.where(present, frequency, 1.0), 0.0)


def imbalance(pixels) -> dict:
    """Shares of the pixels and the verdict: ``{"shares", "rarest", "ratio", "imbalanced"}``.

    ``imbalanced`` is True when a class present holds less than 2% of the pixels, or a
    foreground class less than a tenth of the most common foreground class's (the background
    outweighing the objects is the rule in segmentation, and not counted alone). Then pixel
    accuracy flatters (a model that never predicts the rare class scores high) and the rare
    class needs a weight or an overlap loss (Dice). ``ratio`` is the most common class's pixels
    over the rarest's.

    >>> imbalance([990, 10])["imbalanced"], imbalance([860, 80, 60])["imbalanced"]
    (True, False)
    >>> imbalance([500, 450, 40])["imbalanced"]          # class 2: 40 pixels, a tenth of class 1's 450
    True
    """
    pixels = np.asarray(pixels, np.float64)
    total = pixels.sum()
    shares = pixels / total if total else np.zeros_like(pixels)
    present = np.flatnonzero(pixels > 0)
    if present.size < 2:
        return dict(shares=shares, rarest=None, ratio=float("nan"), imbalanced=False)
    rarest = int(present[np.argmin(pixels[present])])
    ratio = float(pixels.max() / pixels[rarest])
    foreground = pixels[1:][pixels[1:] > 0]
    uneven = foreground.size >= 2 and foreground.max() > 10 * foreground.min()
    return dict(shares=shares, rarest=rarest, ratio=ratio, imbalanced=bool(shares[rarest] < 0.02 or uneven))
