"""Overlap metrics, one_hot, the reductions and the accumulators.

References: per-pixel loop twins written here (Dice, IoU, one_hot),
the identity J = D / (2 - D) on hard masks, hand-computed NaN-skipping means, and PyTorch's
``scatter_`` (MONAI's one_hot) as an optional oracle. The Hausdorff distance is tested in
tests/test_seg_metrics_hausdorff.py, the confusion matrix in tests/test_seg_metrics_confusion.py.
"""
from __future__ import annotations

import math
import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tconv.seg.metrics import (REDUCTIONS, DiceMetric, HausdorffDistanceMetric, MeanIoU,
                               compute_dice, compute_hausdorff_distance, compute_iou, do_metric_reduction,
                               one_hot)

seeds = st.integers(0, 2**32 - 1)
few = settings(max_examples=30)


@st.composite
def mask_batches(draw, max_channels=3):
    """``(y_pred, y)``: random 0/1 masks ``(B, C, *spatial)`` with 2 or 3 small spatial axes.

    The density varies so that empty and full masks turn up often.
    """
    spatial = draw(st.sampled_from([2, 3]))
    shape = (draw(st.integers(1, 2)), draw(st.integers(1, max_channels)))
    shape += tuple(draw(st.integers(1, 5 if spatial == 2 else 3)) for _ in range(spatial))
    rng = np.random.default_rng(draw(seeds))
    density = draw(st.sampled_from([0.0, 0.1, 0.5, 0.9, 1.0]))
    y_pred = rng.random(shape) < density
    y = rng.random(shape) < draw(st.sampled_from([0.0, 0.1, 0.5, 0.9]))
    return y_pred, y


# --------------------------------------------------------------------------- loop twins

def overlap_counts_loop(pred, gt):
    """|P ∩ G|, |P|, |G| of one (b, c) mask, pixel by pixel."""
    both = only_pred = only_gt = 0
    for index in np.ndindex(pred.shape):
        p, g = bool(pred[index]), bool(gt[index])
        both += p and g
        only_pred += p and not g
        only_gt += g and not p
    return both, both + only_pred, both + only_gt


def scores_loop(y_pred, y, kind, include_background=True, ignore_empty=True):
    """Dice or IoU per (b, c) with MONAI's empty conventions, written out case by case."""
    first = 0 if include_background or y_pred.shape[1] == 1 else 1
    table = np.zeros((y_pred.shape[0], y_pred.shape[1] - first))
    for b in range(y_pred.shape[0]):
        for c in range(first, y_pred.shape[1]):
            both, n_pred, n_gt = overlap_counts_loop(y_pred[b, c], y[b, c])
            if n_gt == 0:
                value = math.nan if ignore_empty else (1.0 if n_pred == 0 else 0.0)
            elif kind == "dice":
                value = 2 * both / (n_pred + n_gt)
            else:
                value = both / (n_pred + n_gt - both)
            table[b, c - first] = value
    return table


def one_hot_loop(labels, num_classes):
    """(B, 1, *spatial) labels -> (B, num_classes, *spatial), pixel by pixel."""
    out = np.zeros((labels.shape[0], num_classes) + labels.shape[2:], np.float32)
    for index in np.ndindex(labels.shape):
        b, _, *rest = index
        out[(b, int(labels[index]), *rest)] = 1
    return out


# --------------------------------------------------------------------------- Dice and IoU

@few
@given(mask_batches(), st.booleans(), st.booleans())
def test_dice_and_iou_match_the_pixel_loop(masks, include_background, ignore_empty):
    y_pred, y = masks
    for kind, compute in (("dice", compute_dice), ("iou", compute_iou)):
        expected = scores_loop(y_pred, y, kind, include_background, ignore_empty)
        actual = compute(y_pred, y, include_background=include_background, ignore_empty=ignore_empty)
        np.testing.assert_allclose(actual, expected, rtol=1e-12, err_msg=kind)


@few
@given(mask_batches())
def test_jaccard_is_dice_over_two_minus_dice(masks):
    dice, iou = compute_dice(*masks), compute_iou(*masks)
    np.testing.assert_array_equal(np.isnan(dice), np.isnan(iou))
    np.testing.assert_allclose(iou, dice / (2 - dice), rtol=1e-12)
    np.testing.assert_allclose(dice, 2 * iou / (1 + iou), rtol=1e-12)


@few
@given(st.integers(2, 4), st.sampled_from([(4, 5), (2, 3, 3)]), seeds, st.booleans())
def test_dice_of_label_maps_equals_dice_of_their_one_hot(num_classes, spatial, seed, include_background):
    rng = np.random.default_rng(seed)
    labels_pred = rng.integers(0, num_classes, (2, 1) + spatial)
    labels_gt = rng.integers(0, num_classes, (2, 1) + spatial)
    onehot_pred, onehot_gt = one_hot(labels_pred, num_classes), one_hot(labels_gt, num_classes)
    expected = scores_loop(onehot_pred, onehot_gt, "dice", include_background)
    kw = dict(include_background=include_background)
    np.testing.assert_allclose(compute_dice(labels_pred, labels_gt, num_classes=num_classes, **kw), expected)
    np.testing.assert_allclose(compute_dice(onehot_pred, labels_gt, **kw), expected)        # MONAI allows mixing
    np.testing.assert_allclose(compute_dice(labels_pred, onehot_gt, num_classes=num_classes, **kw), expected)


def test_known_dice_and_iou_values():
    gt = np.zeros((1, 1, 4, 4)); gt[0, 0, :2, :2] = 1                 # 4 pixels
    pred = np.zeros((1, 1, 4, 4)); pred[0, 0, :2, 1:3] = 1            # 4 pixels, 2 shared
    assert compute_dice(pred, gt)[0, 0] == pytest.approx(0.5)         # 2*2 / 8
    assert compute_iou(pred, gt)[0, 0] == pytest.approx(1 / 3)        # 2 / 6
    assert compute_dice(gt, gt)[0, 0] == 1.0 and compute_iou(gt, gt)[0, 0] == 1.0


def test_single_channel_is_the_foreground_even_without_background():
    gt = np.zeros((1, 1, 3, 3), bool); gt[0, 0, 1, 1] = True
    for compute in (compute_dice, compute_iou):
        assert compute(gt, gt, include_background=False).shape == (1, 1)   # MONAI keeps C == 1
    two = np.concatenate([~gt, gt], axis=1)
    assert compute_dice(two, two, include_background=False).shape == (1, 1)


def test_dtype_follows_float32_masks():
    mask = np.ones((1, 2, 3, 3), np.float32)
    assert compute_dice(mask, mask).dtype == np.float32
    assert compute_iou(mask, mask.astype(bool)).dtype == np.float32
    assert compute_dice(mask.astype(np.uint8), mask.astype(bool)).dtype == np.float64
    assert compute_iou(mask.astype(np.float64), mask).dtype == np.float64


# --------------------------------------------------------------------------- empty masks (the docstring table)

EMPTY = np.zeros((1, 1, 5, 5))
SQUARE = np.zeros((1, 1, 5, 5)); SQUARE[0, 0, 1:3, 1:3] = 1
CASES = {"pred empty": (EMPTY, SQUARE), "gt empty": (SQUARE, EMPTY), "both empty": (EMPTY, EMPTY)}
TABLE = {  # case: (overlap, ignore_empty=True), (overlap, ignore_empty=False), Hausdorff
    "pred empty": (0.0, 0.0, math.inf),
    "gt empty": (math.nan, 0.0, math.inf),
    "both empty": (math.nan, 1.0, math.nan),
}


def same(actual, expected):
    return (math.isnan(actual) and math.isnan(expected)) or actual == expected


@pytest.mark.parametrize("case", list(CASES))
def test_empty_mask_table(case):
    y_pred, y = CASES[case]
    ignored, kept, hausdorff = TABLE[case]
    for compute in (compute_dice, compute_iou):
        assert same(compute(y_pred, y)[0, 0], ignored), compute.__name__
        assert same(compute(y_pred, y, ignore_empty=False)[0, 0], kept), compute.__name__
    for kw in ({}, {"percentile": 95}, {"percentile": 50, "directed": True}, {"directed": True},
               {"distance_metric": "taxicab"}, {"spacing": (0.5, 2.0)}):
        with warnings.catch_warnings():
            warnings.simplefilter("error")                 # no RuntimeWarning from empty inputs
            value = compute_hausdorff_distance(y_pred, y, include_background=True, **kw)[0, 0]
        assert same(value, hausdorff), kw


# --------------------------------------------------------------------------- one_hot

@few
@given(st.integers(1, 4), st.sampled_from([(2, 1, 3, 4), (1, 1, 2, 2, 2), (3, 1)]), seeds)
def test_one_hot_matches_the_loop(num_classes, shape, seed):
    labels = np.random.default_rng(seed).integers(0, num_classes, shape)
    out = one_hot(labels, num_classes)
    assert out.dtype == np.float32
    np.testing.assert_array_equal(out, one_hot_loop(labels, num_classes))
    np.testing.assert_array_equal(out.sum(axis=1), 1)
    np.testing.assert_array_equal(one_hot(labels.astype(float), num_classes), out)   # whole floats are fine


def test_one_hot_dim_and_missing_axes():
    labels = np.array([[2, 0]])                                   # (1, 2): dim=2 appends an axis
    assert one_hot(labels, 3, dim=2).shape == (1, 2, 3)
    np.testing.assert_array_equal(one_hot(labels, 3, dim=2)[0], [[0, 0, 1], [1, 0, 0]])
    np.testing.assert_array_equal(one_hot(labels[..., None], 3, dim=-1), one_hot(labels, 3, dim=2))
    assert one_hot(np.zeros((2, 3, 1), int), 4, dim=2, dtype=bool).dtype == bool


@pytest.mark.torch
def test_one_hot_equals_monais_scatter():
    import torch

    labels = np.random.default_rng(0).integers(0, 4, (2, 1, 3, 5))
    expected = torch.zeros(2, 4, 3, 5).scatter_(1, torch.from_numpy(labels), 1).numpy()
    np.testing.assert_array_equal(one_hot(labels, 4), expected)


@pytest.mark.parametrize("labels, num_classes, kw, error, match", [
    (np.array([[[[0, 3]]]]), 3, {}, ValueError, r"labels has values \{3\}; num_classes=3 allows 0..2"),
    (np.array([[[[-1, 0]]]]), 3, {}, ValueError, r"\{-1\}"),
    (np.array([[[[0.5, 1.0]]]]), 3, {}, ValueError, r"labels has non-integer values \{0.5\}"),
    (np.array([[[[np.nan]]]]), 3, {}, ValueError, "whole numbers"),
    (np.zeros((2, 3, 4)), 3, {}, ValueError, r"size 3 on axis dim=1; one_hot needs size 1"),
    (np.zeros((2, 1)), 0, {}, ValueError, "num_classes=0 must be an integer >= 1"),
    (np.zeros((2, 1)), 2.0, {}, TypeError, "num_classes=.* must be an integer"),
    (np.zeros((2, 1)), 2, {"dim": -3}, ValueError, "dim=-3 is not an axis"),
    (np.array(["a"]), 2, {}, TypeError, "labels has dtype <U1"),
])
def test_one_hot_errors(labels, num_classes, kw, error, match):
    with pytest.raises(error, match=match):
        one_hot(labels, num_classes, **kw)


# --------------------------------------------------------------------------- bad input to the metrics

PROBS = np.full((1, 2, 3, 3), 0.7)
MASK = np.ones((1, 2, 3, 3))


@pytest.mark.parametrize("compute", [compute_dice, compute_iou, compute_hausdorff_distance])
def test_metrics_refuse_bad_masks(compute):
    with pytest.raises(ValueError, match=r"y_pred has values \{0.7\} besides 0 and 1.*y_pred > 0.5"):
        compute(PROBS, MASK)
    with pytest.raises(ValueError, match=r"y has values \{nan\} besides 0 and 1"):
        compute(MASK, np.full_like(MASK, np.nan))
    with pytest.raises(ValueError, match=r"shape \(1, 2, 3\), 1 spatial axis; expected \(B, C, H, W\)"):
        compute(MASK[..., 0], MASK[..., 0])
    with pytest.raises(ValueError, match="4 spatial axes"):
        compute(MASK[..., None, None], MASK[..., None, None])
    with pytest.raises(ValueError, match=r"y_pred has shape \(1, 2, 3, 3\) and y has shape \(1, 2, 3, 4\)"):
        compute(MASK, np.ones((1, 2, 3, 4)))
    with pytest.raises(TypeError, match="include_background=.* must be True or False"):
        compute(MASK, MASK, include_background="no")
    with pytest.raises(TypeError, match="y_pred has dtype complex128"):
        compute(MASK.astype(complex), MASK)


def test_dice_label_map_errors():
    labels = np.array([[[[0, 1], [2, 3]]]])
    with pytest.raises(ValueError, match=r"y has values \{3\}; num_classes=3 allows 0..2 \(a label map"):
        compute_dice(one_hot(labels % 3, 3), labels, num_classes=3)
    with pytest.raises(ValueError, match="y_pred has 2 channels .* num_classes=3 it must have 3 .* or 1"):
        compute_dice(np.ones((1, 2, 2, 2)), labels, num_classes=3)
    with pytest.raises(ValueError, match=r"y has values \{2\}; num_classes=2"):   # y_pred fixes 2 classes
        compute_dice(np.ones((1, 2, 2, 2)), np.full((1, 1, 2, 2), 2))
    with pytest.raises(ValueError, match=r"y has 3 channels .* num_classes=1 \(from y_pred.shape\[1\]\)"):
        compute_dice(np.ones((1, 1, 2, 2)), np.ones((1, 3, 2, 2)))


# --------------------------------------------------------------------------- reductions

F = np.array([[0.5, np.nan, 1.0],
              [np.nan, np.nan, np.nan],
              [0.2, 0.4, np.nan]])
HAND = {  # reduction: (value, not_nans), computed by hand from F
    "mean": ((0.75 + 0.3) / 2, 2),                       # image means 0.75, -, 0.3; then over 2 images
    "sum": (2.1, 4),
    "mean_batch": ([0.35, 0.4, 1.0], [2, 1, 1]),
    "sum_batch": ([0.7, 0.4, 1.0], [2, 1, 1]),
    "mean_channel": ([0.75, 0.0, 0.3], [2, 0, 2]),       # no value: 0, as MONAI
    "sum_channel": ([1.5, 0.0, 0.6], [2, 0, 2]),
}


@pytest.mark.parametrize("reduction", list(HAND))
def test_reductions_by_hand(reduction):
    value, not_nans = do_metric_reduction(F, reduction)
    np.testing.assert_allclose(value, HAND[reduction][0])
    np.testing.assert_array_equal(not_nans, HAND[reduction][1])
    assert np.isnan(F[1]).all()                            # the input is not modified


def test_reduction_none_and_dtypes():
    value, not_nans = do_metric_reduction(F.astype(np.float32), "none")
    np.testing.assert_array_equal(value, F.astype(np.float32))
    np.testing.assert_array_equal(not_nans, ~np.isnan(F))
    assert value.dtype == not_nans.dtype == np.float32
    assert do_metric_reduction(F.astype(np.float32), "mean")[0].dtype == np.float32
    assert float(do_metric_reduction(np.full((2, 2), np.nan))[0]) == 0.0
    with pytest.raises(ValueError, match="reduction='avg' must be one of"):
        do_metric_reduction(F, "avg")
    with pytest.raises(ValueError, match=r"f has shape \(3,\); expected \(B, C, ...\)"):
        do_metric_reduction(F[0])


@few
@given(st.integers(1, 4), st.integers(1, 4), seeds)
def test_reductions_are_nan_skipping_means(batch, channels, seed):
    rng = np.random.default_rng(seed)
    f = np.where(rng.random((batch, channels)) < 0.3, np.nan, rng.random((batch, channels)))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)    # nanmean of an all-NaN slice
        per_image = np.nanmean(f, axis=1)
        expected = {
            "mean": np.nanmean(per_image) if not np.isnan(per_image).all() else 0.0,
            "sum": np.nansum(f),
            "mean_batch": np.nan_to_num(np.nanmean(f, axis=0)),
            "sum_batch": np.nansum(f, axis=0),
            "mean_channel": np.nan_to_num(per_image),
            "sum_channel": np.nansum(f, axis=1),
        }
    for reduction, value in expected.items():
        np.testing.assert_allclose(do_metric_reduction(f, reduction)[0], value, rtol=1e-12, err_msg=reduction)


# --------------------------------------------------------------------------- accumulators

def test_dice_metric_accumulates_and_reduces():
    rng = np.random.default_rng(1)
    batches = [(rng.random((2, 3, 4, 4)) < 0.4, rng.random((2, 3, 4, 4)) < 0.3) for _ in range(3)]
    batches.append((np.zeros((1, 3, 4, 4)), np.zeros((1, 3, 4, 4))))          # an all-NaN image
    table = np.concatenate([scores_loop(p, g, "dice", include_background=False) for p, g in batches])
    metric = DiceMetric(include_background=False, get_not_nans=True)
    for y_pred, y in batches:
        np.testing.assert_allclose(metric(y_pred, y), scores_loop(y_pred, y, "dice", include_background=False))
    assert len(metric) == 7
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        per_image = np.nanmean(table, axis=1)
        value, not_nans = metric.aggregate()
        assert value == pytest.approx(np.nanmean(per_image))
        assert not_nans == np.count_nonzero(~np.isnan(per_image))
        np.testing.assert_allclose(metric.aggregate("mean_batch")[0], np.nanmean(table, axis=0))
    assert metric.aggregate("sum")[0] == pytest.approx(np.nansum(table))
    np.testing.assert_array_equal(metric.aggregate("none")[0], table)
    metric.reset()
    assert len(metric) == 0 and metric.get_buffer() is None
    with pytest.raises(ValueError, match="nothing to aggregate"):
        metric.aggregate()


@pytest.mark.parametrize("metric", [DiceMetric(), MeanIoU(), HausdorffDistanceMetric(include_background=True)])
def test_a_list_of_items_equals_the_batch(metric):
    rng = np.random.default_rng(2)
    y_pred, y = rng.random((3, 2, 5, 5)) < 0.5, rng.random((3, 2, 5, 5)) < 0.5
    from_batch = metric(y_pred, y)
    from_list = metric(list(y_pred), list(y))
    np.testing.assert_array_equal(from_list, from_batch)
    assert len(metric) == 6
    with pytest.raises(ValueError, match="y_pred has 3 items and y has 2"):
        metric(list(y_pred), list(y[:2]))


def test_accumulator_arguments_are_checked():
    assert MeanIoU().reduction == "mean" and HausdorffDistanceMetric().include_background is False
    with pytest.raises(ValueError, match="reduction='avg'"):
        MeanIoU(reduction="avg")
    with pytest.raises(ValueError, match="distance_metric='manhattan' must be one of"):
        HausdorffDistanceMetric(distance_metric="manhattan")
    with pytest.raises(ValueError, match="percentile=101"):
        HausdorffDistanceMetric(percentile=101)
    with pytest.raises(TypeError, match="get_not_nans=.* must be True or False"):
        DiceMetric(get_not_nans=None)
    metric = DiceMetric()
    metric(np.ones((1, 2, 2, 2)), np.ones((1, 2, 2, 2)))
    with pytest.raises(ValueError, match="gives 3 classes but the buffered batches gave 2"):
        metric(np.ones((1, 3, 2, 2)), np.ones((1, 3, 2, 2)))
    assert set(REDUCTIONS) == {"none", "mean", "sum", "mean_batch", "sum_batch", "mean_channel", "sum_channel"}


def test_dataloader_masks_without_the_channel_axis_get_the_fix_in_the_message():
    # A DataLoader yields masks (N, H, W); one_hot and the metrics want (N, 1, H, W) / (N, C, H, W).
    masks = np.zeros((2, 4, 5), np.int64)
    with pytest.raises(ValueError, match=r"add the channel axis: labels\[:, None\]"):
        one_hot(masks, 3)
    with pytest.raises(ValueError, match=r"add the channel axis: y\[:, None\]"):
        compute_dice(np.zeros((2, 1, 4, 5)), masks, num_classes=3)
