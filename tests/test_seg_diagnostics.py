"""Diagnostics (tconv.seg.train.diagnostics, tconv.viz.diagnostics) against counts computed here.

References: ``np.bincount`` of (truth, prediction) pairs for the confusion matrix, the IoU,
precision and recall written out from it, and the predictions of ``tconv.seg.train.predict``.
"""
from __future__ import annotations

import json

import numpy as np
import pytest

from tconv.seg.data import SyntheticShapes
from tconv.seg.models import UNet
from tconv.seg.train import predict
from tconv.seg.train.diagnostics import DIAGNOSTIC_FILES, class_table, diagnose, format_table, image_score
from tconv.viz import error_map, overlay_slices, save_diagnostics


def _confusion(truths, predictions, k):
    pairs = np.concatenate([k * t.ravel() + p.ravel() for t, p in zip(truths, predictions)])
    return np.bincount(pairs, minlength=k * k).reshape(k, k)


def _iou_by_hand(truth, prediction, classes):
    scores = []
    for c in classes:
        t, p = truth == c, prediction == c
        if (t | p).any():
            scores.append((t & p).sum() / (t | p).sum())
    return float(np.mean(scores)) if scores else 1.0


def test_class_table_is_the_confusion_arithmetic():
    confusion = np.array([[50, 3, 2], [4, 20, 1], [0, 5, 15]])
    rows = class_table(confusion)
    for k in range(3):
        tp = confusion[k, k]
        fp, fn = confusion[:, k].sum() - tp, confusion[k].sum() - tp
        assert (rows[k]["tp"], rows[k]["fp"], rows[k]["fn"]) == (tp, fp, fn)
        assert rows[k]["iou"] == pytest.approx(tp / (tp + fp + fn))
        assert rows[k]["precision"] == pytest.approx(tp / (tp + fp))
        assert rows[k]["recall"] == pytest.approx(tp / (tp + fn))
        assert rows[k]["pixels"] == confusion[k].sum()
    assert np.isnan(class_table(np.array([[4, 0], [0, 0]]))[1]["iou"])


def test_image_score_and_error_map_by_hand():
    truth = np.array([[0, 1, 1], [2, 2, 0]])
    prediction = np.array([[0, 1, 0], [2, 1, 1]])
    assert image_score(prediction, truth, 3) == pytest.approx(_iou_by_hand(truth, prediction, [1, 2]))
    assert image_score(np.zeros((2, 2), int), np.zeros((2, 2), int), 3) == 1.0
    assert error_map(truth, prediction).tolist() == [[0, 1, 3], [1, 4, 2]]


def test_diagnose_pools_every_pixel_and_finds_the_worst():
    data = SyntheticShapes(12, size=16, num_classes=3, seed=4)
    model = UNet(1, 3, base=4, depth=2)
    images = np.stack([data[i][0] for i in range(len(data))])
    truths = [data[i][1] for i in range(len(data))]
    predictions = predict(model, images)
    diagnosis = diagnose(model, data, 3, worst=3, samples=2)
    np.testing.assert_array_equal(diagnosis.confusion, _confusion(truths, predictions, 3))
    by_hand = [_iou_by_hand(t, p, [1, 2]) for t, p in zip(truths, predictions)]
    assert [s for _, _, s in diagnosis.scores] == pytest.approx(by_hand)
    assert [item["index"] for item in diagnosis.worst] == list(np.argsort(by_hand, kind="stable")[:3])
    first = diagnosis.samples[0]
    np.testing.assert_array_equal(first["prediction"], predictions[0])
    logits = model(images[:1]).data[0]
    k = diagnosis.probability_class
    softmax = np.exp(logits - logits.max(0)) / np.exp(logits - logits.max(0)).sum(0)
    np.testing.assert_allclose(first["probability"], softmax[k], rtol=1e-5, atol=1e-6)


def test_the_table_warns_of_the_pixel_accuracy_trap():
    from tconv.seg.train.diagnostics import Diagnosis

    confusion = np.array([[980, 0], [20, 0]])               # everything predicted as background
    text = format_table(Diagnosis(class_names=["background", "tiny"], confusion=confusion))
    assert "pixel accuracy 0.980" in text and "mIoU (foreground) 0.000" in text
    assert "high pixel accuracy with a low mIoU" in text


def test_save_diagnostics_writes_every_file(tmp_path):
    data = SyntheticShapes(4, size=16, num_classes=3)
    diagnosis = diagnose(UNet(1, 3, base=2, depth=1), data, 3, class_names=["bg", "disc", "square"], worst=2)
    written = save_diagnostics(diagnosis, tmp_path)
    assert sorted(p.name for p in written) == sorted(DIAGNOSTIC_FILES)
    for name in DIAGNOSTIC_FILES:
        if name.endswith(".png"):
            assert (tmp_path / name).read_bytes()[:4] == b"\x89PNG"
    metrics = json.loads((tmp_path / "metrics.json").read_text())
    assert metrics["confusion"] == diagnosis.confusion.tolist()
    assert [row["name"] for row in metrics["classes"]] == ["bg", "disc", "square"]
    assert "IoU     Dice  precision   recall" in (tmp_path / "per_class.txt").read_text()


def test_volumes_are_scored_whole_and_drawn_by_their_fullest_slice():
    from tconv.seg.data import SyntheticShapes3D
    from tconv.seg.models import VNet

    data = SyntheticShapes3D(2, size=8, num_classes=2, seed=1)
    diagnosis = diagnose(VNet(1, 2, base=2, depth=1), data, 2, worst=1, samples=1)
    assert diagnosis.confusion.sum() == 2 * 8 ** 3 and diagnosis.spatial_dims == 3
    mask = data[0][1]
    item = diagnosis.samples[0]
    assert item["mask"].shape == (8, 8) and item["image"].shape == (1, 8, 8)
    assert overlay_slices(data[0][0], mask, count=3, min_height=8).shape == (8, 3 * 8 + 2 * 2, 3)
