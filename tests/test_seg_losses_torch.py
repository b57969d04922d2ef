"""PyTorch as an oracle for tconv.seg.losses: MONAI's code re-written here in plain torch ops (float64).

Each ``torch_*`` function follows the MONAI source step by step (monai/losses/dice.py, tversky.py,
focal_loss.py, hausdorff_loss.py, utils.py ``compute_tp_fp_fn``, networks/utils.py ``one_hot``;
F-beta follows segmentation_models base/functional.py ``f_score``), without MONAI itself. Two
deliberate differences from MONAI, both in tconv's favour and documented there: MONAI casts the
focal loss's input and the generalised-Dice weights and distance fields to float32; here (as in
tconv) everything stays float64, so the comparison can be tight. Values *and* input gradients
(under a random cotangent) must agree for random inputs and every option.
"""
from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.ndimage import distance_transform_edt

from tconv import Tensor
from tconv.seg.losses import (dice_ce_loss, dice_focal_loss, dice_loss, fbeta_loss, focal_loss,
                              generalized_dice_loss, hausdorff_dt_loss, tversky_loss)

pytestmark = pytest.mark.torch
few = settings(max_examples=30, deadline=None)
TOL = dict(rtol=1e-9, atol=1e-12)


@pytest.fixture(scope="module")
def torch():
    return pytest.importorskip("torch")


# ---------------------------------------------------------------- MONAI, in plain torch

def torch_one_hot(torch, labels, num_classes):
    shape = list(labels.shape)
    shape[1] = num_classes
    return torch.zeros(shape, dtype=torch.float64).scatter_(1, labels.long(), 1)


def torch_prepare(torch, x, y, sigmoid=False, softmax=False, to_onehot_y=False, include_background=True):
    if sigmoid:
        x = torch.sigmoid(x)
    n_pred_ch = x.shape[1]
    if softmax:
        x = torch.softmax(x, 1)
    if to_onehot_y:
        y = torch_one_hot(torch, y, n_pred_ch)
    if not include_background and n_pred_ch > 1:
        x, y = x[:, 1:], y[:, 1:]
    assert x.shape == y.shape
    return x, y


def axes_of(ndim, batch):
    axes = list(range(2, ndim))
    return [0] + axes if batch else axes


def torch_reduce(torch, f, reduction, ndim):
    if reduction == "mean":
        return torch.mean(f)
    if reduction == "sum":
        return torch.sum(f)
    return f.view(list(f.shape[0:2]) + [1] * (ndim - 2))


def torch_class_weight(torch, weight, num_classes):
    w = torch.as_tensor(weight, dtype=torch.float64)
    return torch.as_tensor([float(w)] * num_classes, dtype=torch.float64) if w.ndim == 0 else w


def torch_dice(torch, x, y, include_background=True, to_onehot_y=False, sigmoid=False, softmax=False,
               squared_pred=False, jaccard=False, reduction="mean", smooth_nr=1e-5, smooth_dr=1e-5, batch=False,
               weight=None):
    x, y = torch_prepare(torch, x, y, sigmoid, softmax, to_onehot_y, include_background)
    axes = axes_of(x.ndim, batch)
    if squared_pred:                                   # compute_tp_fp_fn with ord=2
        pred_o = torch.linalg.vector_norm(x, ord=2, dim=axes) ** 2
        ground_o = torch.linalg.vector_norm(y, ord=2, dim=axes) ** 2
        difference = torch.linalg.vector_norm(x - y, ord=2, dim=axes) ** 2
        tp = (pred_o + ground_o - difference) / 2
        fp, fn = pred_o - tp, ground_o - tp
    else:
        tp = torch.sum(x * y, dim=axes)
        fp, fn = torch.sum(x, dim=axes) - tp, torch.sum(y, dim=axes) - tp
    if not jaccard:
        fp, fn = fp * 0.5, fn * 0.5
    f = 1 - (2 * tp + smooth_nr) / (2 * (tp + fp + fn) + smooth_dr)
    if weight is not None and y.shape[1] != 1:
        f = f * torch_class_weight(torch, weight, y.shape[1])
    return torch_reduce(torch, f, reduction, x.ndim)


def torch_generalized_dice(torch, x, y, include_background=True, to_onehot_y=False, sigmoid=False, softmax=False,
                           w_type="square", reduction="mean", smooth_nr=1e-5, smooth_dr=1e-5, batch=False):
    x, y = torch_prepare(torch, x, y, sigmoid, softmax, to_onehot_y, include_background)
    axes = axes_of(x.ndim, batch)
    tp = torch.sum(x * y, dim=axes)
    fp, fn = torch.sum(x, dim=axes) - tp, torch.sum(y, dim=axes) - tp
    denominator = 2 * (tp + 0.5 * fp + 0.5 * fn)
    ground_o = torch.sum(y, dim=axes)
    w = {"simple": lambda g: torch.reciprocal(g), "square": lambda g: torch.reciprocal(g * g),
         "uniform": lambda g: torch.ones_like(g)}[w_type](ground_o)
    infs = torch.isinf(w)
    w[infs] = 0.0
    w = w + infs * (torch.max(w) if batch else torch.max(w, dim=1)[0].unsqueeze(dim=1))
    final = 0 if batch else 1
    numer = 2.0 * (tp * w).sum(final, keepdim=True) + smooth_nr
    denom = (denominator * w).sum(final, keepdim=True) + smooth_dr
    return torch_reduce(torch, 1.0 - numer / denom, reduction, x.ndim)


def torch_tversky(torch, x, y, include_background=True, to_onehot_y=False, sigmoid=False, softmax=False, alpha=0.5,
                  beta=0.5, reduction="mean", smooth_nr=1e-5, smooth_dr=1e-5, batch=False):
    x, y = torch_prepare(torch, x, y, sigmoid, softmax, to_onehot_y, include_background)
    axes = axes_of(x.ndim, batch)
    tp = torch.sum(x * y, dim=axes)
    fp, fn = torch.sum(x * (1 - y), dim=axes), torch.sum((1 - x) * y, dim=axes)
    score = 1.0 - (tp + smooth_nr) / (tp + alpha * fp + beta * fn + smooth_dr)
    return {"sum": torch.sum, "mean": torch.mean, "none": lambda s: s}[reduction](score)


def torch_fbeta(torch, x, y, beta=1.0, include_background=True, to_onehot_y=False, sigmoid=False, softmax=False,
                reduction="mean", smooth=1e-5, batch=False, weight=None):
    """segmentation_models' f_score (per_image = not batch), with MONAI's input steps."""
    x, y = torch_prepare(torch, x, y, sigmoid, softmax, to_onehot_y, include_background)
    axes = axes_of(x.ndim, batch)
    tp = torch.sum(y * x, dim=axes)
    fp, fn = torch.sum(x, dim=axes) - tp, torch.sum(y, dim=axes) - tp
    score = ((1 + beta ** 2) * tp + smooth) / ((1 + beta ** 2) * tp + beta ** 2 * fn + fp + smooth)
    w = 1.0 if weight is None else torch_class_weight(torch, weight, y.shape[1])
    if reduction == "mean":                      # 1 - f_score: average(), then the class weights, then mean
        per_class = score if batch else torch.mean(score, dim=0)
        return 1 - torch.mean(per_class * w)
    f = 1 - score * w
    return torch.sum(f) if reduction == "sum" else torch_reduce(torch, f, "none", x.ndim)


def torch_focal(torch, x, y, include_background=True, to_onehot_y=False, gamma=2.0, alpha=None, weight=None,
                reduction="mean", use_softmax=False):
    F = torch.nn.functional
    n_pred_ch = x.shape[1]
    if to_onehot_y:
        y = torch_one_hot(torch, y, n_pred_ch)
    if not include_background and n_pred_ch > 1:
        x, y = x[:, 1:], y[:, 1:]
    if use_softmax:                                              # softmax_focal_loss
        input_ls = x.log_softmax(1)
        loss = -(1 - input_ls.exp()).pow(gamma) * input_ls * y
        if alpha is not None:
            alpha_fac = torch.tensor([1 - alpha] + [alpha] * (y.shape[1] - 1), dtype=torch.float64)
            loss = alpha_fac.view([-1] + [1] * len(y.shape[2:])) * loss
    else:                                                        # sigmoid_focal_loss
        loss = x - x * y - F.logsigmoid(x)
        invprobs = F.logsigmoid(-x * (y * 2 - 1))
        loss = (invprobs * gamma).exp() * loss
        if alpha is not None:
            loss = (y * alpha + (1 - y) * (1 - alpha)) * loss
    if weight is not None and y.shape[1] != 1:
        w = torch_class_weight(torch, weight, y.shape[1])
        loss = w.view([-1] + [1] * len(y.shape[2:])) * loss
    if reduction == "sum":
        return loss.mean(dim=list(range(2, len(y.shape)))).sum()
    return loss.mean() if reduction == "mean" else loss


def torch_dice_ce(torch, x, y, include_background=True, to_onehot_y=False, sigmoid=False, softmax=False,
                  squared_pred=False, jaccard=False, reduction="mean", batch=False, weight=None, lambda_dice=1.0,
                  lambda_ce=1.0):
    F = torch.nn.functional
    weight = None if weight is None else torch.as_tensor(weight, dtype=torch.float64)
    dice_weight = weight[1:] if weight is not None and not include_background else weight
    dice = torch_dice(torch, x, y, include_background, to_onehot_y, sigmoid, softmax, squared_pred, jaccard,
                      reduction, batch=batch, weight=dice_weight)
    if x.shape[1] == 1:
        ce = F.binary_cross_entropy_with_logits(x, y.double(), pos_weight=weight, reduction=reduction)
    elif y.shape[1] == 1:
        ce = F.cross_entropy(x, torch.squeeze(y, dim=1).long(), weight=weight, reduction=reduction)
    else:
        ce = F.cross_entropy(x, y.double(), weight=weight, reduction=reduction)
    return lambda_dice * dice + lambda_ce * ce


def torch_dice_focal(torch, x, y, include_background=True, to_onehot_y=False, sigmoid=False, softmax=False,
                     reduction="mean", batch=False, gamma=2.0, weight=None, lambda_dice=1.0, lambda_focal=1.0,
                     alpha=None):
    if to_onehot_y:
        y = torch_one_hot(torch, y, x.shape[1])
    dice = torch_dice(torch, x, y, include_background, False, sigmoid, softmax, reduction=reduction, batch=batch,
                      weight=weight)
    focal = torch_focal(torch, x, y, include_background, False, gamma, alpha, weight, reduction)
    return lambda_dice * dice + lambda_focal * focal


def torch_distance_field(torch, img):
    field = torch.zeros_like(img)
    for batch_idx in range(len(img)):
        fg_mask = (img[batch_idx] > 0.5).numpy()                 # (1, *spatial): EDT per channel
        if fg_mask.any() and not fg_mask.all():
            fg_dist = distance_transform_edt(fg_mask[0])
            bg_dist = distance_transform_edt(~fg_mask[0])
            field[batch_idx] = torch.as_tensor(fg_dist + bg_dist)[None]
    return field


def torch_hausdorff(torch, x, y, alpha=2.0, include_background=False, to_onehot_y=False, sigmoid=False,
                    softmax=False, reduction="mean", batch=False):
    x, y = torch_prepare(torch, x, y, sigmoid, softmax, to_onehot_y, include_background)
    all_f = []
    for i in range(x.shape[1]):
        ch_input, ch_target = x[:, [i]], y[:, [i]]
        pred_dt = torch_distance_field(torch, ch_input.detach())
        target_dt = torch_distance_field(torch, ch_target.detach())
        running_f = (ch_input - ch_target) ** 2 * (pred_dt ** alpha + target_dt ** alpha)
        all_f.append(running_f.mean(dim=axes_of(x.ndim, batch), keepdim=True))
    return torch_reduce(torch, torch.cat(all_f, dim=1), reduction, x.ndim)


# ---------------------------------------------------------------- random cases

@st.composite
def cases(draw, min_channels=1, activations=("none", "sigmoid", "softmax")):
    """Random input, targets and the options every loss shares."""
    b = draw(st.integers(1, 2))
    c = draw(st.integers(min_channels, 3))
    spatial = draw(st.sampled_from([(5,), (3, 4), (2, 3, 2)]))
    activation = draw(st.sampled_from([a for a in activations if c > 1 or a != "softmax"]))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    shape = (b, c) + spatial
    x = rng.uniform(0.02, 0.98, shape) if activation == "none" else rng.standard_normal(shape) * 2
    ids = rng.integers(0, c if c > 1 else 2, (b, 1) + spatial)
    onehot = (ids == np.arange(c).reshape((1, c) + (1,) * len(spatial))).astype(float) if c > 1 else ids * 1.0
    to_onehot_y = c > 1 and draw(st.booleans())
    if not to_onehot_y and draw(st.booleans()):              # soft labels: a smoothed mask
        onehot = 0.8 * onehot + 0.2 * rng.uniform(0, 1, onehot.shape)
    include_background = draw(st.booleans())
    remaining = c - 1 if (not include_background and c > 1) else c
    weight = draw(st.sampled_from([None, "scalar", "list"]))
    weight = {None: None, "scalar": 1.5, "list": list(rng.uniform(0, 2, remaining))}[weight]
    return dict(x=x, target=ids if to_onehot_y else onehot, to_onehot_y=to_onehot_y, sigmoid=activation == "sigmoid",
                softmax=activation == "softmax", include_background=include_background, batch=draw(st.booleans()),
                reduction=draw(st.sampled_from(["mean", "sum", "none"])), weight=weight, seed=int(rng.integers(99)))


def check(torch, ours, theirs, case):
    """Same value and same gradient with respect to the input (under a random cotangent)."""
    x = Tensor(case["x"].copy(), requires_grad=True)
    out = ours(x, case["target"])
    xt = torch.tensor(case["x"], requires_grad=True)
    ref = theirs(xt, torch.as_tensor(case["target"]))
    assert out.shape == tuple(ref.shape)
    np.testing.assert_allclose(out.data, ref.detach().numpy(), **TOL)
    v = np.random.default_rng(case["seed"]).standard_normal(out.shape)
    out.backward(v)
    ref.backward(torch.tensor(v))
    np.testing.assert_allclose(x.grad, xt.grad.numpy(), **TOL)


def shared(case, *names):
    return {name: case[name] for name in names}


STEPS = ("include_background", "to_onehot_y", "sigmoid", "softmax")


@few
@given(cases(), st.booleans(), st.booleans())
def test_dice_matches_monai(torch, case, squared_pred, jaccard):
    options = shared(case, *STEPS, "reduction", "batch", "weight")
    options.update(squared_pred=squared_pred, jaccard=jaccard, smooth_nr=1e-4, smooth_dr=2e-5)
    check(torch, lambda x, y: dice_loss(x, y, **options), lambda x, y: torch_dice(torch, x, y, **options), case)


@few
@given(cases(), st.sampled_from(["square", "simple", "uniform"]))
def test_generalized_dice_matches_monai(torch, case, w_type):
    options = shared(case, *STEPS, "reduction", "batch")
    options.update(w_type=w_type)
    check(torch, lambda x, y: generalized_dice_loss(x, y, **options),
          lambda x, y: torch_generalized_dice(torch, x, y, **options), case)


@few
@given(cases(), st.floats(0.0, 1.0), st.floats(0.0, 1.0))
def test_tversky_matches_monai(torch, case, alpha, beta):
    options = shared(case, *STEPS, "reduction", "batch")
    options.update(alpha=alpha, beta=beta)
    check(torch, lambda x, y: tversky_loss(x, y, **options), lambda x, y: torch_tversky(torch, x, y, **options),
          case)


@few
@given(cases(), st.floats(0.0, 3.0))
def test_fbeta_matches_segmentation_models(torch, case, beta):
    options = shared(case, *STEPS, "reduction", "batch", "weight")
    options.update(beta=beta)
    check(torch, lambda x, y: fbeta_loss(x, y, **options), lambda x, y: torch_fbeta(torch, x, y, **options), case)


@few
@given(cases(activations=("sigmoid",)), st.floats(0.0, 3.0), st.sampled_from([None, 0.0, 0.25, 1.0]),
       st.booleans())
def test_focal_matches_monai(torch, case, gamma, alpha, use_softmax):
    use_softmax = use_softmax and case["x"].shape[1] - (not case["include_background"]) >= 2
    if use_softmax and not case["include_background"]:
        alpha = None                       # MONAI drops alpha there; tconv refuses the combination
    options = shared(case, "include_background", "to_onehot_y", "reduction", "weight")
    options.update(gamma=gamma, alpha=alpha, use_softmax=use_softmax)
    check(torch, lambda x, y: focal_loss(x, y, **options), lambda x, y: torch_focal(torch, x, y, **options), case)


@few
@given(cases(activations=("none", "sigmoid", "softmax")), st.booleans(), st.floats(0.0, 2.0), st.floats(0.0, 2.0))
def test_dice_ce_matches_monai(torch, case, jaccard, lambda_dice, lambda_ce):
    case["x"] = case["x"] * 3 - 1          # logits for the cross-entropy term
    channels = case["x"].shape[1]
    if case["weight"] is not None:         # DiceCE's weight has one value per class, background included
        case["weight"] = list(np.linspace(0.5, 2.0, channels))
    options = shared(case, *STEPS, "batch", "weight")
    options.update(reduction="sum" if case["reduction"] == "sum" else "mean", jaccard=jaccard,
                   lambda_dice=lambda_dice, lambda_ce=lambda_ce)
    check(torch, lambda x, y: dice_ce_loss(x, y, **options), lambda x, y: torch_dice_ce(torch, x, y, **options),
          case)


@few
@given(cases(activations=("none", "sigmoid", "softmax")), st.floats(0.0, 3.0), st.sampled_from([None, 0.3]))
def test_dice_focal_matches_monai(torch, case, gamma, alpha):
    options = shared(case, *STEPS, "reduction", "batch", "weight")
    options.update(gamma=gamma, alpha=alpha, lambda_dice=0.7, lambda_focal=1.3)
    check(torch, lambda x, y: dice_focal_loss(x, y, **options),
          lambda x, y: torch_dice_focal(torch, x, y, **options), case)


@few
@given(cases(), st.floats(0.5, 3.0))
def test_hausdorff_matches_monai(torch, case, alpha):
    options = shared(case, *STEPS, "reduction", "batch")
    options.update(alpha=alpha)
    check(torch, lambda x, y: hausdorff_dt_loss(x, y, **options),
          lambda x, y: torch_hausdorff(torch, x, y, **options), case)


def test_float32_losses_match_torch_float32(torch):
    rng = np.random.default_rng(5)
    x = rng.standard_normal((2, 3, 4, 4)).astype(np.float32)
    ids = rng.integers(0, 3, (2, 1, 4, 4))
    ours = dice_ce_loss(Tensor(x), ids, to_onehot_y=True, softmax=True)
    theirs = torch_dice_ce(torch, torch.tensor(x), torch.as_tensor(ids), to_onehot_y=True, softmax=True)
    assert ours.dtype == np.float32
    np.testing.assert_allclose(ours.item(), theirs.item(), rtol=1e-5)
