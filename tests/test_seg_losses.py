"""Segmentation losses: known values, gradcheck, identities, empty masks, loop twins, errors, dtypes.

The PyTorch oracle (a re-implementation of MONAI's code in plain torch ops) is in
test_seg_losses_torch.py.

Known values: p = [.9, .8, .3, .1], g = [1, 1, 1, 0], so tp = 2, fp = 0.1, fn = 1 (computed by
hand in the task statement; the Hausdorff value from Karimi & Salcudean's formula by hand).
"""
from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tconv import Tensor, gradcheck
from tconv.seg.losses import (DiceCELoss, DiceFocalLoss, DiceLoss, FBetaLoss, FocalLoss, GeneralizedDiceLoss,
                              HausdorffDTLoss, TverskyLoss, dice_ce_loss, dice_focal_loss, dice_loss,
                              distance_field, fbeta_loss, focal_loss, generalized_dice_loss, hausdorff_dt_loss,
                              tversky_loss)

seeds = st.integers(0, 2**32 - 1)
few = settings(max_examples=25, deadline=None)

P = np.array([0.9, 0.8, 0.3, 0.1])
G = np.array([1.0, 1.0, 1.0, 0.0])
NO_SMOOTHING = dict(smooth_nr=0.0, smooth_dr=0.0)


def as_image(values, shape=(1, 1, 4)):
    return np.asarray(values, dtype=np.float64).reshape(shape)


def logits_of(p):
    return np.log(p / (1 - p))


# ---------------------------------------------------------------- known values

@pytest.mark.parametrize("shape", [(1, 1, 4), (1, 1, 2, 2), (1, 1, 1, 2, 2)])
def test_overlap_known_values(shape):
    p, g = as_image(P, shape), as_image(G, shape)
    assert 1 - dice_loss(p, g, **NO_SMOOTHING).item() == pytest.approx(0.784314, abs=1e-6)
    assert 1 - dice_loss(p, g, jaccard=True, **NO_SMOOTHING).item() == pytest.approx(0.645161, abs=1e-6)
    assert 1 - tversky_loss(p, g, alpha=0.3, beta=0.7, **NO_SMOOTHING).item() == pytest.approx(0.732601, abs=1e-6)
    assert 1 - tversky_loss(p, g, alpha=0.7, beta=0.3, **NO_SMOOTHING).item() == pytest.approx(0.843882, abs=1e-6)
    assert 1 - fbeta_loss(p, g, beta=0.5, smooth=0.0).item() == pytest.approx(0.877193, abs=1e-6)
    assert 1 - fbeta_loss(p, g, beta=2.0, smooth=0.0).item() == pytest.approx(0.709220, abs=1e-6)
    # the modules give the same numbers, and logits with sigmoid=True the same as probabilities
    assert 1 - DiceLoss(sigmoid=True, **NO_SMOOTHING)(logits_of(p), g).item() == pytest.approx(0.784314, abs=1e-6)
    assert 1 - TverskyLoss(alpha=0.3, beta=0.7, **NO_SMOOTHING)(p, g).item() == pytest.approx(0.732601, abs=1e-6)
    assert 1 - FBetaLoss(beta=2.0, smooth=0.0)(p, g).item() == pytest.approx(0.709220, abs=1e-6)


def test_squared_pred_known_value():
    p, g = as_image(P), as_image(G)          # V-Net: 2 tp / (sum p^2 + sum g^2) = 4 / (1.55 + 3)
    assert 1 - dice_loss(p, g, squared_pred=True, **NO_SMOOTHING).item() == pytest.approx(4 / 4.55, abs=1e-12)


def test_cross_entropy_and_focal_known_values():
    x, g = as_image(logits_of(P)), as_image(G)
    assert dice_ce_loss(x, g, lambda_dice=0.0).item() == pytest.approx(0.409459, abs=1e-6)       # BCE (mean)
    assert focal_loss(x, g, gamma=0.0).item() == pytest.approx(0.409459, abs=1e-6)
    assert focal_loss(x, g, gamma=2.0).item() == pytest.approx(0.150245, abs=1e-6)
    assert focal_loss(x, g, gamma=2.0, alpha=0.25).item() == pytest.approx(0.037693, abs=1e-6)
    assert FocalLoss(gamma=2.0)(x, g).item() == pytest.approx(0.150245, abs=1e-6)
    assert dice_focal_loss(x, g, lambda_dice=0.0).item() == pytest.approx(0.150245, abs=1e-6)
    # softmax focal on two channels [1 - p, p]: the same pixels' losses, averaged over 2 x 4 elements
    two = np.log(np.stack([1 - P, P]))[None]                         # (1, 2, 4)
    ids = G.astype(np.int64).reshape(1, 1, 4)
    soft = FocalLoss(to_onehot_y=True, use_softmax=True, gamma=2.0)
    assert soft(two, ids).item() == pytest.approx(0.150245 / 2, abs=1e-6)
    assert focal_loss(two, ids, to_onehot_y=True, use_softmax=True, alpha=0.25).item() == pytest.approx(
        0.037693 / 2, abs=1e-6)
    # multi-channel cross-entropy: class ids and one-hot targets agree without weights
    ce_ids = dice_ce_loss(two, ids, to_onehot_y=True, lambda_dice=0.0).item()
    ce_onehot = dice_ce_loss(two, np.stack([1 - G, G])[None], lambda_dice=0.0).item()
    assert ce_ids == pytest.approx(0.409459, abs=1e-6) and ce_onehot == pytest.approx(0.409459, abs=1e-6)


@pytest.mark.parametrize("shape", [(1, 1, 5), (1, 1, 1, 5), (1, 1, 5, 1)])
def test_hausdorff_known_value(shape):
    q = np.array([0, 1, 1, 0, 0.0]).reshape(shape)
    p = np.array([0, 0.2, 0.9, 0.7, 0]).reshape(shape)
    assert hausdorff_dt_loss(p, q).item() == pytest.approx(0.456, abs=1e-12)
    assert HausdorffDTLoss()(p, q).item() == pytest.approx(0.456, abs=1e-12)
    assert hausdorff_dt_loss(q, q).item() == 0.0


def test_generalized_dice_known_value():
    # two classes of volumes 1 and 3: square weights 1 and 1/9
    g = np.array([[[1.0, 0.0, 0.0, 0.0], [0.0, 1.0, 1.0, 1.0]]])
    p = np.array([[[0.5, 0.5, 0.0, 0.0], [0.5, 0.5, 1.0, 1.0]]])
    tp, sums = np.array([0.5, 2.5]), np.array([1 + 1, 3 + 3])
    for w_type, w in [("square", [1, 1 / 9]), ("simple", [1, 1 / 3]), ("uniform", [1, 1])]:
        expected = 1 - 2 * np.dot(w, tp) / np.dot(w, sums)
        assert generalized_dice_loss(p, g, w_type=w_type, **NO_SMOOTHING).item() == pytest.approx(expected)


# ---------------------------------------------------------------- empty masks

def test_empty_prediction_and_target():
    zeros = np.zeros((2, 3, 4, 4))
    for loss in (dice_loss(zeros, zeros), dice_loss(zeros, zeros, jaccard=True), tversky_loss(zeros, zeros),
                 fbeta_loss(zeros, zeros), generalized_dice_loss(zeros, zeros), hausdorff_dt_loss(zeros, zeros)):
        assert loss.item() == 0.0
    assert dice_loss(zeros, zeros, reduction="none").data.tolist() == np.zeros((2, 3, 1, 1)).tolist()


def test_empty_target_with_a_prediction_costs_almost_one():
    p = np.full((1, 1, 4, 4), 0.5)
    assert dice_loss(p, np.zeros_like(p)).item() == pytest.approx(1.0, abs=1e-5)
    assert tversky_loss(p, np.zeros_like(p)).item() == pytest.approx(1.0, abs=1e-5)


def test_generalized_dice_gives_an_empty_class_the_largest_weight():
    g = np.zeros((1, 2, 4))
    g[0, 0, :2] = 1.0                          # class 1 is empty: weight 1/2^2 like class 0
    p = np.full((1, 2, 4), 0.25)
    tp, sums = np.array([0.5, 0.0]), np.array([1 + 2, 1 + 0])
    expected = 1 - 2 * tp.sum() / 4 / (sums.sum() / 4)
    assert generalized_dice_loss(p, g, **NO_SMOOTHING).item() == pytest.approx(expected)


# ---------------------------------------------------------------- identities

@few
@given(st.floats(0.0, 4.0), st.booleans(), st.booleans(), seeds)
def test_fbeta_is_tversky_with_alpha_and_beta_from_beta(beta, batch, include_background, seed):
    rng = np.random.default_rng(seed)
    p, g = rng.uniform(0, 1, (2, 3, 4, 4)), (rng.uniform(0, 1, (2, 3, 4, 4)) > 0.5).astype(float)
    g[0, 1] = 1.0                              # no empty (0 / 0) class
    b2 = beta * beta
    common = dict(include_background=include_background, batch=batch)
    ours = fbeta_loss(p, g, beta=beta, smooth=0.0, reduction="none", **common).data
    tversky = tversky_loss(p, g, alpha=1 / (1 + b2), beta=b2 / (1 + b2), reduction="none", **NO_SMOOTHING,
                           **common).data
    np.testing.assert_allclose(ours.reshape(tversky.shape), tversky, rtol=1e-12, atol=1e-12)


def test_dice_is_tversky_with_one_half_and_fbeta_with_one():
    rng = np.random.default_rng(0)
    p, g = rng.uniform(0, 1, (2, 2, 5)), (rng.uniform(0, 1, (2, 2, 5)) > 0.3).astype(float)
    dice = dice_loss(p, g, **NO_SMOOTHING).item()
    assert tversky_loss(p, g, **NO_SMOOTHING).item() == pytest.approx(dice, abs=1e-12)
    assert fbeta_loss(p, g, beta=1.0, smooth=0.0).item() == pytest.approx(dice, abs=1e-12)


def test_focal_with_gamma_zero_is_bce_and_sum_is_monai_spatial_mean():
    rng = np.random.default_rng(1)
    x, g = rng.standard_normal((2, 3, 4, 5)) * 3, rng.uniform(0, 1, (2, 3, 4, 5))
    bce = g * np.logaddexp(0, -x) + (1 - g) * np.logaddexp(0, x)
    np.testing.assert_allclose(focal_loss(x, g, gamma=0.0, reduction="none").data, bce, rtol=1e-12)
    assert focal_loss(x, g, gamma=0.0, reduction="sum").item() == pytest.approx(bce.mean(axis=(2, 3)).sum())


def test_include_background_false_with_one_channel_keeps_the_channel():
    p, g = as_image(P), as_image(G)
    for fn in (dice_loss, tversky_loss, focal_loss, generalized_dice_loss):
        assert fn(p, g, include_background=False).item() == fn(p, g, include_background=True).item()


# ---------------------------------------------------------------- per-pixel loop twins

def loop_counts(p, g, batch):
    """tp, fp, fn by explicit loops over every pixel of every (image, class)."""
    b_count, c_count = p.shape[:2]
    keys = [(None, c) for c in range(c_count)] if batch else list(itertools.product(range(b_count), range(c_count)))
    counts = {}
    for b, c in keys:
        tp = fp = fn = 0.0
        for bb in (range(b_count) if batch else [b]):
            for index in np.ndindex(p.shape[2:]):
                pi, gi = p[(bb, c) + index], g[(bb, c) + index]
                tp += pi * gi
                fp += pi * (1 - gi)
                fn += (1 - pi) * gi
        counts[b, c] = (tp, fp, fn)
    return counts


@few
@given(st.integers(1, 2), st.integers(1, 3), st.sampled_from([(5,), (3, 4), (2, 2, 3)]), st.booleans(), seeds)
def test_overlap_losses_match_a_per_pixel_loop(b, c, spatial, batch, seed):
    rng = np.random.default_rng(seed)
    p, g = rng.uniform(0, 1, (b, c) + spatial), rng.uniform(0, 1, (b, c) + spatial)
    counts = loop_counts(p, g, batch)
    nr, dr = 1e-5, 2e-5
    expected = {
        "dice": [1 - (2 * tp + nr) / (2 * tp + fp + fn + dr) for tp, fp, fn in counts.values()],
        "jaccard": [1 - (2 * tp + nr) / (2 * (tp + fp + fn) + dr) for tp, fp, fn in counts.values()],
        "tversky": [1 - (tp + nr) / (tp + 0.3 * fp + 0.7 * fn + dr) for tp, fp, fn in counts.values()],
        "fbeta": [1 - (5 * tp + nr) / (5 * tp + 4 * fn + fp + nr) for tp, fp, fn in counts.values()],
    }
    ours = {
        "dice": dice_loss(p, g, smooth_nr=nr, smooth_dr=dr, batch=batch, reduction="none"),
        "jaccard": dice_loss(p, g, jaccard=True, smooth_nr=nr, smooth_dr=dr, batch=batch, reduction="none"),
        "tversky": tversky_loss(p, g, alpha=0.3, beta=0.7, smooth_nr=nr, smooth_dr=dr, batch=batch,
                                reduction="none"),
        "fbeta": fbeta_loss(p, g, beta=2.0, smooth=nr, batch=batch, reduction="none"),
    }
    for name, values in expected.items():
        np.testing.assert_allclose(ours[name].data.reshape(-1), values, rtol=1e-10, err_msg=name)


def brute_force_distance_field(image):
    """For every pixel, the distance to the nearest pixel on the other side of ``image > 0.5``, by search."""
    out = np.zeros(image.shape)
    for b, c in np.ndindex(image.shape[:2]):
        mask = image[b, c] > 0.5
        if mask.all() or not mask.any():
            continue
        points = np.array(list(np.ndindex(mask.shape)))
        for index in np.ndindex(mask.shape):
            other = points[mask.reshape(-1) != mask[index]]
            out[(b, c) + index] = np.sqrt(((other - index) ** 2).sum(axis=1)).min()
    return out


@few
@given(st.integers(1, 2), st.integers(1, 2), st.sampled_from([(6,), (4, 5), (3, 3, 4)]), seeds)
def test_distance_field_matches_a_brute_force_search(b, c, spatial, seed):
    image = np.random.default_rng(seed).uniform(0, 1, (b, c) + spatial) ** 2    # some all-background images
    np.testing.assert_allclose(distance_field(image), brute_force_distance_field(image), rtol=1e-12)


@few
@given(st.integers(1, 2), st.integers(2, 3), st.booleans(), st.booleans(), st.floats(0.5, 3.0), seeds)
def test_hausdorff_matches_a_per_pixel_loop(b, c, include_background, batch, alpha, seed):
    rng = np.random.default_rng(seed)
    p = rng.uniform(0, 1, (b, c, 4, 3))
    q = (rng.uniform(0, 1, (b, c, 4, 3)) > 0.5).astype(float)
    first = 0 if include_background else 1
    field_p, field_q = brute_force_distance_field(p), brute_force_distance_field(q)
    terms = (p - q) ** 2 * (field_p ** alpha + field_q ** alpha)
    if batch:
        expected = [terms[:, k].mean() for k in range(first, c)]
    else:
        expected = [terms[i, k].mean() for i in range(b) for k in range(first, c)]
    ours = hausdorff_dt_loss(p, q, alpha=alpha, include_background=include_background, batch=batch,
                             reduction="none")
    np.testing.assert_allclose(ours.data.reshape(-1), expected, rtol=1e-12)


# ---------------------------------------------------------------- gradcheck (float64, 2-D and 3-D)

def targets(rng, shape):
    """Class ids (B, 1, *spatial) and their one-hot (B, C, *spatial)."""
    ids = rng.integers(0, shape[1], (shape[0], 1) + shape[2:])
    onehot = (ids == np.arange(shape[1]).reshape((1, -1) + (1,) * (len(shape) - 2))).astype(float)
    return ids, onehot


GRADCHECK_CASES = {
    "dice softmax ids": lambda x, ids, oh: dice_loss(x, ids, softmax=True, to_onehot_y=True),
    "dice sigmoid squared jaccard batch weight": lambda x, ids, oh: dice_loss(
        x, oh, sigmoid=True, squared_pred=True, jaccard=True, batch=True, weight=[1.0, 2.0, 0.5],
        reduction="none"),
    "dice no background sum": lambda x, ids, oh: dice_loss(x, oh, sigmoid=True, include_background=False,
                                                           reduction="sum"),
    "generalized square": lambda x, ids, oh: generalized_dice_loss(x, ids, softmax=True, to_onehot_y=True),
    "generalized simple batch none": lambda x, ids, oh: generalized_dice_loss(
        x, oh, sigmoid=True, w_type="simple", batch=True, reduction="none"),
    "tversky": lambda x, ids, oh: tversky_loss(x, oh, softmax=True, alpha=0.3, beta=0.7, reduction="none"),
    "fbeta": lambda x, ids, oh: fbeta_loss(x, oh, beta=2.0, sigmoid=True, weight=[0.5, 1.0, 2.0]),
    "focal sigmoid": lambda x, ids, oh: focal_loss(x, oh, gamma=2.0, alpha=0.25, weight=[1.0, 2.0, 3.0],
                                                   reduction="none"),
    "focal softmax": lambda x, ids, oh: focal_loss(x, ids, to_onehot_y=True, use_softmax=True, gamma=1.5,
                                                   alpha=0.4, reduction="sum"),
    "dice ce ids": lambda x, ids, oh: dice_ce_loss(x, ids, to_onehot_y=True, softmax=True, weight=[1.0, 2.0, 0.5]),
    "dice ce one-hot": lambda x, ids, oh: dice_ce_loss(x, oh, softmax=True, weight=[1.0, 2.0, 0.5],
                                                       include_background=False, reduction="sum"),
    "dice focal": lambda x, ids, oh: dice_focal_loss(x, ids, to_onehot_y=True, sigmoid=True, alpha=0.7),
    "hausdorff": lambda x, ids, oh: hausdorff_dt_loss(x, oh, softmax=True, include_background=True,
                                                      reduction="none"),
}


@pytest.mark.parametrize("spatial", [(3, 4), (2, 2, 3)], ids=["2d", "3d"])
@pytest.mark.parametrize("name", list(GRADCHECK_CASES))
def test_gradcheck(name, spatial):
    rng = np.random.default_rng(len(name))
    shape = (2, 3) + spatial
    ids, onehot = targets(rng, shape)
    x = rng.standard_normal(shape) * 2
    assert gradcheck(lambda x: GRADCHECK_CASES[name](x, ids, onehot), x)


@pytest.mark.parametrize("spatial", [(3, 4), (2, 2, 3)], ids=["2d", "3d"])
def test_gradcheck_one_channel(spatial):
    rng = np.random.default_rng(7)
    shape = (2, 1) + spatial
    mask = (rng.uniform(0, 1, shape) > 0.5).astype(float)
    x = rng.standard_normal(shape)
    probabilities = rng.uniform(0.05, 0.95, shape)
    assert gradcheck(lambda x: dice_ce_loss(x, mask, sigmoid=True, weight=[3.0]), x)       # BCE, pos_weight
    assert gradcheck(lambda x: focal_loss(x, mask, reduction="none"), x)
    assert gradcheck(lambda p: dice_loss(p, mask, reduction="none"), probabilities)         # no activation
    assert gradcheck(lambda p: hausdorff_dt_loss(p, mask), probabilities)


# ---------------------------------------------------------------- dtypes and modules

FLOAT32_CASES = [
    lambda x, ids: DiceLoss(softmax=True, to_onehot_y=True, weight=[1, 2, 3])(x, ids),
    lambda x, ids: GeneralizedDiceLoss(softmax=True, to_onehot_y=True)(x, ids),
    lambda x, ids: TverskyLoss(softmax=True, to_onehot_y=True)(x, ids),
    lambda x, ids: FBetaLoss(softmax=True, to_onehot_y=True, weight=2.0)(x, ids),
    lambda x, ids: FocalLoss(to_onehot_y=True, alpha=0.25, weight=[1, 2, 3])(x, ids),
    lambda x, ids: FocalLoss(to_onehot_y=True, use_softmax=True, alpha=0.25)(x, ids),
    lambda x, ids: DiceCELoss(softmax=True, to_onehot_y=True, weight=[1, 2, 3])(x, ids),
    lambda x, ids: DiceFocalLoss(softmax=True, to_onehot_y=True)(x, ids),
    lambda x, ids: HausdorffDTLoss(softmax=True, to_onehot_y=True)(x, ids),
]


@pytest.mark.parametrize("case", range(len(FLOAT32_CASES)))
def test_float32_input_gives_float32_loss_and_gradient(case):
    rng = np.random.default_rng(case)
    x = Tensor(rng.standard_normal((2, 3, 4, 4)).astype(np.float32), requires_grad=True)
    ids = rng.integers(0, 3, (2, 1, 4, 4))
    loss = FLOAT32_CASES[case](x, ids)
    loss.backward()
    assert loss.dtype == np.float32 and x.grad.dtype == np.float32
    x64 = Tensor(x.data.astype(np.float64))
    assert loss.item() == pytest.approx(FLOAT32_CASES[case](x64, ids).item(), rel=1e-5)


def test_modules_keep_weights_as_buffers_and_match_functions():
    criterion = DiceLoss(weight=[1.0, 2.0])
    assert list(criterion.state_dict()) == ["class_weight"]
    assert list(DiceLoss().state_dict()) == []
    rng = np.random.default_rng(3)
    p, g = rng.uniform(0, 1, (2, 2, 3)), (rng.uniform(0, 1, (2, 2, 3)) > 0.5).astype(float)
    assert criterion(p, g).item() == dice_loss(p, g, weight=[1.0, 2.0]).item()


def test_target_tensor_gets_no_gradient_and_is_not_changed():
    p = Tensor(np.full((1, 2, 3), 0.5), requires_grad=True)
    g = Tensor(np.array([[[1.0, 0.0, 1.0], [0.0, 1.0, 0.0]]]), requires_grad=True)
    before = g.data.copy()
    dice_loss(p, g).backward()
    assert g.grad is None and np.array_equal(g.data, before) and p.grad is not None


# ---------------------------------------------------------------- errors

X3 = np.zeros((2, 3, 4))
IDS = np.zeros((2, 1, 4), np.int64)

ERROR_CASES = [
    ("two activations", lambda: DiceLoss(sigmoid=True, softmax=True), "sigmoid=True and softmax=True"),
    ("softmax and other_act", lambda: tversky_loss(X3, X3, softmax=True, other_act=lambda t: t), "other_act"),
    ("to_onehot_y with one channel", lambda: dice_loss(np.zeros((2, 1, 4)), IDS, to_onehot_y=True),
     "to_onehot_y=True needs"),
    ("softmax with one channel", lambda: dice_loss(np.zeros((2, 1, 4)), IDS, softmax=True), "softmax=True needs"),
    ("target shape", lambda: dice_loss(X3, np.zeros((2, 3, 5))), "target has shape"),
    ("class ids without to_onehot_y", lambda: dice_loss(X3, IDS), "pass to_onehot_y=True"),
    ("target values", lambda: dice_loss(X3, np.full((2, 3, 4), 2.0)), r"in \[0, 1\]"),
    ("class id out of range", lambda: dice_loss(X3, IDS + 5, to_onehot_y=True), r"values \{5\}; .* allows 0..2"),
    ("negative class id", lambda: focal_loss(X3, IDS - 1, to_onehot_y=True), r"values \{-1\}"),
    ("non-integer class id", lambda: dice_loss(X3, IDS + 0.5, to_onehot_y=True), "non-integer"),
    ("bad reduction", lambda: DiceLoss(reduction="avg"), "reduction='avg'"),
    ("none for DiceCE", lambda: dice_ce_loss(X3, IDS, to_onehot_y=True, reduction="none"), "reduction='none'"),
    ("tversky alpha", lambda: TverskyLoss(alpha=-0.5), "alpha=-0.5"),
    ("tversky beta", lambda: tversky_loss(X3, X3, beta=float("inf")), "beta=inf"),
    ("fbeta beta", lambda: FBetaLoss(beta=-1.0), "beta=-1.0"),
    ("focal gamma", lambda: FocalLoss(gamma=-1.0), "gamma=-1.0"),
    ("focal alpha", lambda: focal_loss(X3, X3, alpha=1.5), "alpha=1.5"),
    ("hausdorff alpha", lambda: HausdorffDTLoss(alpha=-2.0), "alpha=-2.0"),
    ("softmax focal alpha without background",
     lambda: FocalLoss(use_softmax=True, alpha=0.25, include_background=False), "alpha=0.25 with use_softmax"),
    ("weight length", lambda: dice_loss(X3, X3, weight=[1.0, 2.0]), "weight has 2 values but 3 classes"),
    ("weight length without background", lambda: dice_loss(X3, X3, weight=[1, 2, 3], include_background=False),
     "weight has 3 values but 2 classes"),
    ("negative weight", lambda: FocalLoss(weight=[1.0, -1.0]), "weight=.* >= 0"),
    ("DiceCE weight length", lambda: dice_ce_loss(X3, IDS, to_onehot_y=True, weight=[1.0, 2.0]),
     "one per class, C=3"),
    ("negative lambda", lambda: DiceCELoss(lambda_ce=-1.0), "lambda_ce=-1.0"),
    ("smoothing", lambda: dice_loss(X3, X3, smooth_nr=-1.0), "smooth_nr=-1.0"),
    ("w_type", lambda: generalized_dice_loss(X3, X3, w_type="log"), "w_type='log'"),
    ("input without spatial axes", lambda: dice_loss(np.zeros((2, 3)), np.zeros((2, 3))), "input has shape"),
    ("compound target axes", lambda: dice_focal_loss(X3, np.zeros((2, 4), np.int64)), "same number of axes"),
    ("compound target channels", lambda: dice_ce_loss(X3, np.zeros((2, 2, 4))), "needs 1 .* or C"),
    ("use_softmax with one channel left",
     lambda: focal_loss(np.zeros((1, 2, 3)), np.zeros((1, 2, 3)), use_softmax=True, include_background=False),
     "use_softmax=True needs"),
]


@pytest.mark.parametrize("case", ERROR_CASES, ids=[c[0] for c in ERROR_CASES])
def test_invalid_arguments_raise_value_error_naming_them(case):
    _, call, message = case
    with pytest.raises(ValueError, match=message):
        call()


def test_wrong_types_raise_type_error():
    with pytest.raises(TypeError, match="sigmoid='yes'"):
        DiceLoss(sigmoid="yes")
    with pytest.raises(TypeError, match="other_act must be None or callable"):
        DiceLoss(other_act=3)
    with pytest.raises(TypeError, match="gamma"):
        FocalLoss(gamma="2")


def test_other_act_is_applied_like_the_flags():
    from tconv.nn import functional as F
    rng = np.random.default_rng(4)
    x, g = rng.standard_normal((2, 3, 5)), (rng.uniform(0, 1, (2, 3, 5)) > 0.5).astype(float)
    assert dice_loss(x, g, other_act=F.sigmoid).item() == dice_loss(x, g, sigmoid=True).item()
    soft = lambda t: F.softmax(t, dim=1)                                       # noqa: E731
    assert tversky_loss(x, g, other_act=soft).item() == tversky_loss(x, g, softmax=True).item()
    with pytest.raises(TypeError, match="other_act must return a Tensor"):
        dice_loss(x, g, other_act=lambda t: t.data)


def test_logit_losses_are_stable_for_huge_logits():
    x = Tensor(np.array([[[1e4, -1e4, 800.0, -800.0], [-1e4, 1e4, -800.0, 800.0]]]), requires_grad=True)
    ids = np.array([[[0, 0, 1, 1]]])                 # two confident right, two confident wrong pixels
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        losses = [focal_loss(x, ids, to_onehot_y=True), focal_loss(x, ids, to_onehot_y=True, use_softmax=True),
                  dice_ce_loss(x, ids, to_onehot_y=True, softmax=True),
                  dice_focal_loss(x, ids, to_onehot_y=True, sigmoid=True)]
        for loss in losses:
            loss.backward()
    assert all(np.isfinite(loss.item()) for loss in losses) and np.all(np.isfinite(x.grad))


def test_dataloader_masks_without_the_channel_axis_get_the_fix_in_the_message():
    # A DataLoader yields masks (N, H, W); the losses want class ids (N, 1, H, W).
    logits, masks = np.zeros((2, 3, 4, 5)), np.zeros((2, 4, 5), np.int64)
    for call in (lambda: dice_loss(logits, masks, to_onehot_y=True, softmax=True),
                 lambda: DiceCELoss(to_onehot_y=True, softmax=True)(logits, masks),
                 lambda: dice_focal_loss(logits, masks, to_onehot_y=True)):
        with pytest.raises(ValueError, match=r"add the channel axis: target\[:, None\]"):
            call()


# ---------------------------------------------------------------- one definition per loss

LAYERS_AND_FUNCTIONS = [(DiceLoss, dice_loss), (GeneralizedDiceLoss, generalized_dice_loss),
                        (TverskyLoss, tversky_loss), (FBetaLoss, fbeta_loss), (FocalLoss, focal_loss),
                        (DiceCELoss, dice_ce_loss), (DiceFocalLoss, dice_focal_loss),
                        (HausdorffDTLoss, hausdorff_dt_loss)]


@pytest.mark.parametrize("layer, function", LAYERS_AND_FUNCTIONS, ids=[f.__name__ for _, f in LAYERS_AND_FUNCTIONS])
def test_each_function_takes_its_layers_arguments_and_defaults(layer, function):
    import inspect

    layer_parameters = list(inspect.signature(layer.__init__).parameters.values())[1:]
    function_parameters = list(inspect.signature(function).parameters.values())[2:]
    assert [(p.name, p.default) for p in function_parameters] == [(p.name, p.default) for p in layer_parameters]


def test_compound_layers_are_made_of_the_single_layers():
    ce = DiceCELoss(include_background=False, softmax=True, weight=[1.0, 2.0, 3.0], lambda_ce=0.5)
    assert isinstance(ce.dice, DiceLoss) and ce.dice.softmax and not ce.dice.include_background
    np.testing.assert_array_equal(ce.dice.class_weight, [2.0, 3.0])          # the background's weight left out
    np.testing.assert_array_equal(ce.cross_entropy.weight, [1.0, 2.0, 3.0])  # the cross-entropy uses every class
    focal = DiceFocalLoss(to_onehot_y=True, gamma=1.0, weight=[1.0, 2.0])
    assert isinstance(focal.dice, DiceLoss) and isinstance(focal.focal, FocalLoss)
    assert focal.focal.gamma == 1.0 and not focal.dice.to_onehot_y and focal.to_onehot_y   # encoded once, above
    assert sorted(focal.state_dict()) == ["dice.class_weight", "focal.class_weight"]
