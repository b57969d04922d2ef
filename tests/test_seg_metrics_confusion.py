"""The confusion matrix against a per-pixel loop, and its scores against hand counts."""
from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tconv.seg.metrics import ConfusionMatrix, compute_dice

seeds = st.integers(0, 2**32 - 1)
few = settings(max_examples=30)


def same(actual, expected):
    return (math.isnan(actual) and math.isnan(expected)) or actual == expected


def confusion_loop(pred, target, num_classes, ignore_index=None):
    matrix = np.zeros((num_classes, num_classes), np.int64)
    for index in np.ndindex(target.shape):
        if target[index] != ignore_index:
            matrix[target[index], pred[index]] += 1
    return matrix


@few
@given(st.integers(1, 4), st.sampled_from([(2, 4, 5), (3, 3), (1, 2, 3, 3)]), seeds,
       st.sampled_from([None, 0, 255]), st.integers(1, 3))
def test_confusion_matrix_matches_the_loop(num_classes, shape, seed, ignore_index, updates):
    rng = np.random.default_rng(seed)
    cm = ConfusionMatrix(num_classes, ignore_index=ignore_index)
    expected = np.zeros((num_classes, num_classes), np.int64)
    for _ in range(updates):
        pred, target = rng.integers(0, num_classes, shape), rng.integers(0, num_classes, shape)
        if ignore_index is not None:
            target = np.where(rng.random(shape) < 0.2, ignore_index, target)
        cm.update(pred, target)
        expected += confusion_loop(pred, target, num_classes, ignore_index)
    np.testing.assert_array_equal(cm.matrix, expected)
    assert cm.matrix.dtype == np.int64
    for c in range(num_classes):
        tp = expected[c, c]
        fp, fn = expected[:, c].sum() - tp, expected[c].sum() - tp
        iou = tp / (tp + fp + fn) if tp + fp + fn else math.nan
        dice = 2 * tp / (2 * tp + fp + fn) if tp + fp + fn else math.nan
        assert same(cm.iou()[c], iou) and same(cm.dice()[c], dice)
    total = expected.sum()
    assert same(cm.pixel_accuracy(), np.trace(expected) / total if total else math.nan)


def test_confusion_means_skip_absent_classes():
    cm = ConfusionMatrix(4)
    cm.update(np.array([0, 0, 1, 1, 2]), np.array([0, 1, 1, 1, 0]))    # class 3 absent everywhere
    iou = [1 / 3, 2 / 3, 0.0, math.nan]                                 # by hand: TP / (TP + FP + FN)
    np.testing.assert_allclose(cm.iou(), iou)
    assert cm.mean_iou() == pytest.approx((1 / 3 + 2 / 3 + 0) / 3)
    assert cm.mean_iou(include_background=False) == pytest.approx(1 / 3)
    assert cm.mean_dice() == pytest.approx((0.5 + 0.8 + 0) / 3)
    assert cm.pixel_accuracy() == pytest.approx(3 / 5)
    cm.reset()
    assert cm.matrix.sum() == 0 and math.isnan(cm.pixel_accuracy()) and math.isnan(cm.mean_dice())


def test_confusion_dice_of_one_image_equals_compute_dice():
    rng = np.random.default_rng(3)
    pred, target = rng.integers(0, 3, (1, 6, 6)), rng.integers(0, 3, (1, 6, 6))
    cm = ConfusionMatrix(3)
    cm.update(pred, target)
    dice = compute_dice(pred[:, None], target[:, None], num_classes=3)[0]
    np.testing.assert_allclose(cm.dice(), dice)


def test_confusion_matrix_errors():
    cm = ConfusionMatrix(3, ignore_index=255)
    with pytest.raises(TypeError, match=r"pred has dtype float64; .* argmax over the class axis"):
        cm.update(np.zeros((1, 3, 2, 2)), np.zeros((1, 2, 2), int))
    with pytest.raises(ValueError, match="pred has shape .* and target has shape"):
        cm.update(np.zeros((1, 3, 2, 2), int), np.zeros((1, 2, 2), int))
    with pytest.raises(ValueError, match=r"target has values \{3\}; num_classes=3 allows 0..2 \(target values 255"):
        cm.update(np.zeros(3, int), np.array([0, 3, 255]))
    with pytest.raises(ValueError, match=r"pred has values \{-1\}"):
        cm.update(np.array([-1]), np.array([0]))
    with pytest.raises(TypeError, match="ignore_index must be None or an integer"):
        ConfusionMatrix(3, ignore_index=0.5)
    with pytest.raises(ValueError, match="num_classes=.* must be an integer >= 1"):
        ConfusionMatrix(0)
    assert cm.matrix.sum() == 0                             # failed updates count nothing
