"""MONAI itself as the oracle for tconv.seg.losses' layers (skipped unless ``monai`` is installed).

test_seg_losses_torch.py re-writes MONAI's code in plain torch ops so that it runs wherever
torch does; this file asks MONAI 1.6.1 itself, layer against layer, so the two cannot drift
apart. Each case builds the tconv layer and MONAI's with the same arguments, and compares
the loss and its gradient with respect to the input (under a random cotangent). MONAI casts
the focal loss (and the generalised Dice weights, the distance fields) to float32, so those
cases compare at float32's precision; the rest in float64.

Cases stay inside what both accept: tconv refuses ``softmax=True`` and ``to_onehot_y=True``
with one channel, where MONAI only warns.
"""
from __future__ import annotations

import warnings

import numpy as np
import pytest

from tconv import Tensor
from tconv.seg import losses

pytestmark = pytest.mark.torch

TIGHT = dict(rtol=1e-9, atol=1e-12)
FLOAT32 = dict(rtol=2e-5, atol=2e-6)


@pytest.fixture(scope="module")
def monai():
    pytest.importorskip("torch")
    return pytest.importorskip("monai.losses")


def _data(seed: int, channels: int, to_onehot_y: bool, spatial=(4, 5)):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((2, channels) + spatial) * 2
    ids = rng.integers(0, max(channels, 2), (2, 1) + spatial)
    if to_onehot_y:
        return x, ids
    if channels == 1:
        return x, ids.astype(float)
    return x, (ids == np.arange(channels).reshape((1, channels, 1, 1))).astype(float)


# (layer name, its arguments, channels, tolerance): every option a layer has appears in some case.
CASES = [
    ("DiceLoss", dict(softmax=True, to_onehot_y=True), 3, TIGHT),
    ("DiceLoss", dict(sigmoid=True, squared_pred=True, reduction="sum", weight=[1.0, 2.0, 0.5]), 3, TIGHT),
    ("DiceLoss", dict(softmax=True, to_onehot_y=True, include_background=False, jaccard=True, batch=True,
                      reduction="none", smooth_nr=0.0, smooth_dr=1e-3), 3, TIGHT),
    ("DiceLoss", dict(sigmoid=True, weight=2.0), 1, TIGHT),
    ("GeneralizedDiceLoss", dict(softmax=True, to_onehot_y=True, w_type="simple"), 3, FLOAT32),
    ("GeneralizedDiceLoss", dict(sigmoid=True, batch=True, w_type="uniform", reduction="none"), 2, FLOAT32),
    ("TverskyLoss", dict(softmax=True, to_onehot_y=True, alpha=0.3, beta=0.7), 3, TIGHT),
    ("TverskyLoss", dict(sigmoid=True, include_background=False, batch=True, reduction="sum"), 3, TIGHT),
    ("FocalLoss", dict(to_onehot_y=True, gamma=2.0, weight=[1.0, 2.0, 3.0]), 3, FLOAT32),
    ("FocalLoss", dict(to_onehot_y=True, use_softmax=True, alpha=0.25, reduction="sum"), 3, FLOAT32),
    ("FocalLoss", dict(gamma=0.5, alpha=0.75, reduction="none"), 1, FLOAT32),
    ("DiceCELoss", dict(softmax=True, to_onehot_y=True, weight=[0.5, 1.0, 2.0]), 3, TIGHT),
    ("DiceCELoss", dict(softmax=True, include_background=False, lambda_dice=0.3, lambda_ce=1.7,
                        weight=[0.5, 1.0, 2.0], reduction="sum"), 3, TIGHT),
    ("DiceCELoss", dict(sigmoid=True, weight=[3.0]), 1, TIGHT),
    ("DiceFocalLoss", dict(softmax=True, to_onehot_y=True, gamma=1.5, lambda_focal=0.5), 3, FLOAT32),
    ("DiceFocalLoss", dict(sigmoid=True, include_background=False, alpha=0.3, weight=[1.0, 2.0]), 3, FLOAT32),
    ("HausdorffDTLoss", dict(softmax=True, to_onehot_y=True), 3, FLOAT32),
    ("HausdorffDTLoss", dict(sigmoid=True, alpha=1.5, include_background=True, batch=True), 2, FLOAT32),
]


def _monai_arguments(torch, options: dict) -> dict:
    out = dict(options)
    if isinstance(out.get("weight"), (list, float)):
        out["weight"] = torch.tensor(out["weight"], dtype=torch.float64)
    return out


@pytest.mark.parametrize("name, options, channels, tolerance", CASES,
                         ids=[f"{c[0]}-{n}" for n, c in enumerate(CASES)])
def test_layers_match_monai(monai, name, options, channels, tolerance):
    import torch

    x, target = _data(len(options) + channels, channels, options.get("to_onehot_y", False))
    ours = getattr(losses, name)(**options)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")             # MONAI warns where tconv's docstrings explain
        theirs = getattr(monai, name)(**_monai_arguments(torch, options))
        xt = torch.tensor(x, requires_grad=True)
        ref = theirs(xt, torch.as_tensor(target))
    xs = Tensor(x.copy(), requires_grad=True)
    out = ours(xs, target)
    assert out.shape == tuple(ref.shape)
    np.testing.assert_allclose(out.data, ref.detach().double().numpy(), **tolerance)
    v = np.random.default_rng(channels).standard_normal(out.shape)
    out.backward(v)
    ref.backward(torch.tensor(v, dtype=ref.dtype))
    np.testing.assert_allclose(xs.grad, xt.grad.numpy(), **tolerance)


def test_compound_layers_hold_monais_parts(monai):
    """DiceCELoss and DiceFocalLoss are built from the single losses, as MONAI builds them."""
    import torch

    weight = [1.0, 2.0, 3.0]
    ours = losses.DiceCELoss(include_background=False, weight=weight)
    theirs = monai.DiceCELoss(include_background=False, weight=torch.tensor(weight))
    assert isinstance(ours.dice, losses.DiceLoss) and isinstance(theirs.dice, monai.DiceLoss)
    np.testing.assert_array_equal(ours.dice.class_weight, theirs.dice.class_weight.numpy())
    ours = losses.DiceFocalLoss(weight=weight, gamma=1.0)
    theirs = monai.DiceFocalLoss(weight=torch.tensor(weight), gamma=1.0)
    assert sorted(ours.state_dict()) == sorted(theirs.state_dict()) == ["dice.class_weight", "focal.class_weight"]
    assert ours.focal.gamma == theirs.focal.gamma == 1.0
