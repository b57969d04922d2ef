"""Learning curves, prediction overlays and overlay() (tconv.viz.training)."""
from __future__ import annotations

import json
import os

os.environ.setdefault("MPLBACKEND", "Agg")

import numpy as np  # noqa: E402
import pytest  # noqa: E402
from test_viz_grids import all_text, overlapping, text_boxes  # noqa: E402

from tconv.viz import overlay, plot_history, plot_predictions  # noqa: E402
from tconv.viz.training import CLASS_COLOURS, load_history  # noqa: E402

HISTORY = [{"epoch": e, "train_loss": 1 / e, "val_loss": 1.2 / e, "val_miou": 0.2 * e, "val_dice": 0.25 * e,
            "elapsed_s": 2.0 * e} for e in range(1, 4)]          # elapsed_s counts from the start of the run


def test_history_curves_are_the_history():
    figure = plot_history(HISTORY)
    loss, score = figure.axes[:2]
    lines = {line.get_label(): line for ax in (loss, score) for line in ax.get_lines()}
    np.testing.assert_allclose(lines["training loss"].get_ydata(), [1, 0.5, 1 / 3])
    np.testing.assert_allclose(lines["validation mIoU"].get_xdata(), [1, 2, 3])
    np.testing.assert_allclose(lines["validation Dice"].get_ydata(), [0.25, 0.5, 0.75])
    assert "best mIoU 0.600 (epoch 3)" in lines
    assert loss.get_legend() is not None and score.get_legend() is not None
    assert loss.get_xlabel() == "epoch" and "3 epochs, 6 s" in all_text(figure)
    assert overlapping(text_boxes(figure)) == []


def test_missing_validation_values_are_left_out():
    figure = plot_history([{"epoch": 1, "train_loss": 0.5}, {"epoch": 2, "train_loss": 0.4, "val_loss": None}])
    assert [line.get_label() for line in figure.axes[0].get_lines()] == ["training loss"]


@pytest.mark.parametrize("content, message", [
    ("[]", "non-empty list"),
    ("{\"epoch\": 1}", "non-empty list"),
    ("[{\"epoch\": 1}]", "history entry 0 has no 'train_loss'"),
    ("[{\"epoch\": 1, \"train_loss\": \"low\"}]", "train_loss='low' must be a number"),
    ("[{\"epoch\": 1.5, \"train_loss\": 1}]", "epoch=1.5 must be an int"),
    ("not json", "is not valid JSON"),
])
def test_a_malformed_history_is_named(tmp_path, content, message):
    (tmp_path / "history.json").write_text(content)
    with pytest.raises(ValueError, match=message) as error:
        load_history(tmp_path)
    assert "history.json" in str(error.value)


def test_overlay_mixes_class_colours_and_leaves_the_background():
    image = np.full((1, 2, 3), 0.5, np.float32)
    labels = np.array([[0, 1, 2], [2, 1, 0]])
    out = overlay(image, labels, alpha=0.5)
    assert out.dtype == np.uint8 and out.shape == (2, 3, 3)
    assert out[0, 0].tolist() == [128, 128, 128]                       # background: the grey image
    orange = np.array([0xE6, 0x9F, 0x00]) / 255
    assert out[0, 1].tolist() == np.round((0.5 * 0.5 + 0.5 * orange) * 255).astype(int).tolist()
    assert CLASS_COLOURS[0] == "#E69F00"
    rgb = overlay(np.arange(12, dtype=np.uint8).reshape(3, 2, 2) * 20, np.zeros((2, 2), int))
    assert rgb[0, 0].tolist() == [0, 80, 160]                            # uint8 RGB kept as it is


def test_overlay_checks_its_arguments():
    with pytest.raises(ValueError, match="labels has shape"):
        overlay(np.zeros((1, 2, 2)), np.zeros((3, 3), int))
    with pytest.raises(ValueError, match="integer class indices"):
        overlay(np.zeros((2, 2)), np.zeros((2, 2)))
    with pytest.raises(ValueError, match="alpha=2"):
        overlay(np.zeros((2, 2)), np.zeros((2, 2), int), alpha=2)


def test_predictions_show_image_truth_prediction_and_errors():
    images = np.zeros((2, 1, 4, 4), np.float32)
    masks = np.zeros((2, 4, 4), int)
    masks[:, :2] = 1
    predictions = masks.copy()
    predictions[1, 0, :] = 2                                              # 4 of 16 pixels wrong
    figure = plot_predictions(images, masks, predictions, class_names=["background", "disc", "box"])
    titles = [ax.get_title() for ax in figure.axes]
    assert titles[:4] == ["image", "ground truth", "prediction", "errors: 0.0% of pixels"]
    assert titles[7] == "errors: 25.0% of pixels"
    legend = [t.get_text() for t in figure.legends[0].get_texts()]
    assert legend == ["background (not coloured)", "disc", "box", "error (prediction ≠ ground truth)"]
    assert overlapping(text_boxes(figure)) == []
    with pytest.raises(ValueError, match="class_names has 2 names but the labels go up to 2"):
        plot_predictions(images, masks, predictions, class_names=["a", "b"])
    with pytest.raises(ValueError, match="predictions has shape"):
        plot_predictions(images, masks, predictions[:1])


def test_history_written_by_a_run_folder(tmp_path):
    (tmp_path / "history.json").write_text(json.dumps(HISTORY))
    assert load_history(tmp_path)[2]["val_dice"] == 0.75
