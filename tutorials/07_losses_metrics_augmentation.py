# ---
# jupyter:
#   jupytext:
#     formats: py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
# ---

# %% [markdown]
# # Tutorial 7: segmentation losses, metrics and paired augmentation
#
# A segmentation network is trained with a *loss*, judged with a *metric* and fed *augmented*
# image/mask pairs. This tutorial computes the common losses (cross-entropy, soft Dice, F-beta,
# Tversky, focal, Hausdorff distance transform) by hand on one small example and with
# `tconv.seg.losses`, shows what a tiny foreground does to cross-entropy and to Dice, scores
# predicted masks with `tconv.seg.metrics` (including the awkward cases: empty masks), and
# augments images and masks together with `tconv.seg.augment`, showing concretely why two
# generators sharing a seed (the Keras recipe) drift apart. Last, a U-Net on rare objects falls
# into the pixel-accuracy trap, and class weights pull it out.
#
# **Know first:** tutorial 2 (how `backward()` gives gradients). No network is needed except a
# 3x3 convolution in section 3 and a small U-Net in section 7 (tutorial 6 builds one).
#
# **Names:** the losses and metrics use MONAI's class names, arguments, defaults, layouts
# (`(B, C, *spatial)`, channel first) and empty-mask conventions; the augmentation uses
# albumentations' calling convention. The literature values come from docs/references.md.
#
# **Runtime:** in the [runtime table](README.md#runtimes) (`TCONV_QUICK=1` shortens the training
# experiments).

# %%
# %matplotlib inline
import os
from pathlib import Path

import numpy as np
from matplotlib.figure import Figure
from matplotlib.patches import Patch
from scipy.ndimage import binary_erosion
from scipy.spatial.distance import cdist, directed_hausdorff

import tconv
import tconv.viz
from tconv import Tensor, nn, optim
from tconv.nn import functional as F
from tconv.seg.augment import (Affine, Compose, ElasticTransform, GaussNoise, HorizontalFlip, RandomBrightnessContrast,
                               RandomRotate90, VerticalFlip)
from tconv.seg.data import SyntheticShapes
from tconv.seg.losses import (DiceCELoss, DiceLoss, FBetaLoss, FocalLoss, HausdorffDTLoss, TverskyLoss, dice_loss,
                              fbeta_loss, focal_loss, tversky_loss)
from tconv.seg.metrics import (ConfusionMatrix, DiceMetric, HausdorffDistanceMetric, compute_dice,
                               compute_hausdorff_distance, compute_iou, one_hot)

np.set_printoptions(precision=3, suppress=True, linewidth=100)
QUICK = os.environ.get("TCONV_QUICK") == "1"
OUT = Path(os.environ.get("TCONV_TUTORIAL_OUTPUT", "tutorial_figures"))
OUT.mkdir(exist_ok=True)

# %% [markdown]
# ## 1. One example, every loss
#
# Four pixels of one image and one class: the network's probabilities `p` and the target `g`.
# Everything the overlap losses need is three sums (soft counts, since `p` is not 0 or 1):
#
# * `tp = Σ p g` (true positives), `fp = Σ p (1 - g)` (false positives), `fn = Σ (1 - p) g`
#   (false negatives).
#
# The tconv losses take MONAI's layout `(B, C, *spatial)`: here batch 1, channel 1, 4 pixels.
# MONAI adds `smooth_nr = smooth_dr = 1e-5` to the Dice numerator and denominator (so that
# empty masks do not divide by 0, section 4); we pass 0 to compare with the bare formulas.

# %%
p = np.array([0.9, 0.8, 0.3, 0.1])
g = np.array([1.0, 1.0, 1.0, 0.0])
tp, fp, fn = np.sum(p * g), np.sum(p * (1 - g)), np.sum((1 - p) * g)
print(f"tp = {tp:.1f}, fp = {fp:.1f}, fn = {fn:.1f}")
assert np.isclose(tp, 2.0) and np.isclose(fp, 0.1) and np.isclose(fn, 1.0)

P, G = p.reshape(1, 1, 4), g.reshape(1, 1, 4)       # (B, C, W)
no_smoothing = dict(smooth_nr=0.0, smooth_dr=0.0)

# %% [markdown]
# The overlap *scores* (1 is perfect); each loss is `1 - score`:
#
# | score | formula | known value |
# |---|---|---|
# | soft Dice | `2 tp / (Σp + Σg)` | 0.784314 |
# | soft Jaccard (IoU) | `tp / (tp + fp + fn)` | 0.645161 |
# | Tversky (α = 0.3, β = 0.7) | `tp / (tp + α fp + β fn)` | 0.732601 |
# | F-β, β = 0.5 | `(1 + β²) tp / ((1 + β²) tp + β² fn + fp)` | 0.877193 |
# | F-β, β = 2 | the same | 0.709220 |
#
# Tversky's α weighs false positives and β false negatives (Salehi et al. 2017); F-β's β > 1
# makes recall count more (missing foreground costs more than painting extra).

# %%
def fbeta_by_hand(beta):
    b2 = beta * beta
    return (1 + b2) * tp / ((1 + b2) * tp + b2 * fn + fp)


scores = [
    ("Dice", 2 * tp / (p.sum() + g.sum()), 1 - DiceLoss(**no_smoothing)(P, G).item(), 0.784314),
    ("Jaccard", tp / (tp + fp + fn), 1 - DiceLoss(jaccard=True, **no_smoothing)(P, G).item(), 0.645161),
    ("Tversky(.3, .7)", tp / (tp + 0.3 * fp + 0.7 * fn),
     1 - TverskyLoss(alpha=0.3, beta=0.7, **no_smoothing)(P, G).item(), 0.732601),
    ("F-beta, beta=0.5", fbeta_by_hand(0.5), 1 - FBetaLoss(beta=0.5, smooth=0.0)(P, G).item(), 0.877193),
    ("F-beta, beta=2", fbeta_by_hand(2.0), 1 - FBetaLoss(beta=2.0, smooth=0.0)(P, G).item(), 0.709220),
]
print(f"{'score':<18}{'by hand':>10}{'tconv':>10}{'known':>10}")
for name, by_hand, library, known in scores:
    print(f"{name:<18}{by_hand:>10.6f}{library:>10.6f}{known:>10.6f}")
    assert abs(by_hand - known) < 5e-7 and abs(library - known) < 5e-7

# %% [markdown]
# **Cross-entropy and focal loss** are per pixel, then averaged. With `p_t` the probability
# given to the right answer (`p` where `g = 1`, `1 - p` where `g = 0`):
#
# * binary cross-entropy: `-log p_t`; mean 0.409459;
# * focal loss (Lin et al. 2017): `-(1 - p_t)^γ log p_t`; with γ = 2, mean 0.150245. The factor
#   `(1 - p_t)^γ` shrinks the loss of pixels that are already right (here pixel 0, `p_t = 0.9`,
#   keeps only 1% of its cross-entropy), so the hard pixels dominate.
#
# These take **logits** (scores before the sigmoid), as in PyTorch and MONAI: the logit of `p`
# is `log(p / (1 - p))`. (DiceLoss takes probabilities; with logits pass `sigmoid=True` or
# `softmax=True`.)

# %%
p_t = np.where(g == 1, p, 1 - p)
logits = np.log(p / (1 - p)).reshape(1, 1, 4)
bce_by_hand = np.mean(-np.log(p_t))
focal_by_hand = np.mean(-(1 - p_t) ** 2 * np.log(p_t))
bce = F.binary_cross_entropy_with_logits(Tensor(logits), G).item()
focal = FocalLoss(gamma=2.0)(logits, G).item()
print(f"BCE   by hand {bce_by_hand:.6f}   tconv {bce:.6f}   known 0.409459")
print(f"focal by hand {focal_by_hand:.6f}   tconv {focal:.6f}   known 0.150245")
assert abs(bce_by_hand - 0.409459) < 5e-7 and abs(bce - 0.409459) < 5e-7
assert abs(focal_by_hand - 0.150245) < 5e-7 and abs(focal - 0.150245) < 5e-7
assert np.isclose(focal_loss(logits, G, gamma=0.0).item(), bce)      # gamma = 0 is cross-entropy

# %% [markdown]
# The loss of one pixel against `p_t`, for several γ (the figure of Lin et al. 2017): the focal
# loss keeps the fraction `(1 - p_t)^γ` of the cross-entropy; for γ = 2, a pixel predicted right
# with `p_t = 0.9` keeps 1%, one with `p_t = 0.5` keeps 25%.

# %%
p_axis = np.linspace(0.01, 0.99, 99)
axis_logits = np.log(p_axis / (1 - p_axis)).reshape(1, 1, -1)   # every pixel has g = 1, so p_t = p
ones = np.ones_like(axis_logits)
fig = Figure(figsize=(6.5, 4), layout="constrained")
ax = fig.add_subplot()
for gamma, style in ((0.0, "-"), (0.5, "--"), (1.0, "-."), (2.0, ":"), (5.0, (0, (5, 1, 1, 1)))):
    curve = focal_loss(axis_logits, ones, gamma=gamma, reduction="none").data.ravel()
    label = "cross-entropy (γ = 0)" if gamma == 0 else f"focal, γ = {gamma:g}"
    ax.plot(p_axis, curve, linestyle=style, linewidth=2, label=label)
    assert np.allclose(curve, -(1 - p_axis) ** gamma * np.log(p_axis))
ax.set_xlabel("probability of the true class, $p_t$")
ax.set_ylabel("loss of one pixel")
ax.set_ylim(0, 5)
ax.set_title("Focal loss: pixels that are already right count less")
ax.legend()
ax.grid(alpha=0.3)
focal_path = tconv.viz.save(fig, OUT / "07_focal_loss.png")
fig

# %% [markdown]
# **The Hausdorff distance-transform loss** (Karimi & Salcudean 2019, MONAI's
# `HausdorffDTLoss`) weighs each pixel's squared error by how far it lies from the boundaries:
# `mean((q - g)² (d_q^α + d_g^α))` with α = 2, where `d_g` is, for every pixel, the distance to
# the nearest pixel on the other side of the target's boundary, and `d_q` the same for the
# prediction thresholded at 0.5. An error far from any boundary costs much more than one
# next to it. For the target `g = [0, 1, 1, 0, 0]` and the prediction `q = [0, .2, .9, .7, 0]`
# the known value is 0.456. The distances by hand, with a loop:

# %%
def distance_to_other_side(mask):
    """For each pixel of a 1-D bool mask, the distance to the nearest pixel of the other value."""
    return np.array([min(abs(i - j) for j in range(len(mask)) if mask[j] != mask[i]) for i in range(len(mask))],
                    dtype=float)


g_line = np.array([0.0, 1.0, 1.0, 0.0, 0.0])
q_line = np.array([0.0, 0.2, 0.9, 0.7, 0.0])
d_g = distance_to_other_side(g_line > 0.5)
d_q = distance_to_other_side(q_line > 0.5)
hausdorff_by_hand = np.mean((q_line - g_line) ** 2 * (d_q ** 2 + d_g ** 2))
hausdorff = HausdorffDTLoss()(q_line.reshape(1, 1, 5), g_line.reshape(1, 1, 5)).item()
print("d_g =", d_g, "  d_q =", d_q)
print(f"Hausdorff DT loss: by hand {hausdorff_by_hand:.6f}, tconv {hausdorff:.6f}, known 0.456")
assert d_g.tolist() == [1, 1, 1, 1, 2] and d_q.tolist() == [2, 1, 1, 1, 1]
assert abs(hausdorff_by_hand - 0.456) < 1e-12 and abs(hausdorff - 0.456) < 1e-12
assert HausdorffDTLoss()(g_line.reshape(1, 1, 5), g_line.reshape(1, 1, 5)).item() == 0.0   # perfect: 0

# %% [markdown]
# ## 2. F-β is a Tversky score
#
# Divide the F-β score's numerator and denominator by `1 + β²`:
#
# `F_β = tp / (tp + β²/(1+β²) fn + 1/(1+β²) fp)`,
#
# which is the Tversky score with `α = 1/(1+β²)` on false positives and `β_T = β²/(1+β²)` on
# false negatives. β = 1 gives α = β_T = 1/2: both are Dice. So one loss with two knobs
# (Tversky) covers the others; F-β is the same family with one knob.

# %%
for beta in (0.5, 1.0, 2.0, 3.0):
    alpha_t, beta_t = 1 / (1 + beta ** 2), beta ** 2 / (1 + beta ** 2)
    f = fbeta_loss(P, G, beta=beta, smooth=0.0).item()
    t = tversky_loss(P, G, alpha=alpha_t, beta=beta_t, **no_smoothing).item()
    print(f"beta = {beta}: F-beta loss {f:.6f} = Tversky loss (alpha = {alpha_t:.3f}, beta = {beta_t:.3f}) {t:.6f}")
    assert np.isclose(f, t, rtol=0, atol=1e-12)
assert np.isclose(fbeta_loss(P, G, beta=1.0, smooth=0.0).item(), dice_loss(P, G, **no_smoothing).item())

# %% [markdown]
# ## 3. A tiny foreground: what cross-entropy and Dice do with it
#
# Take an image of `N` pixels of which only `n = 4` are foreground (a 2x2 square), and the
# network's usual starting point: every logit 0, so `p = 0.5` everywhere. Which share of the
# gradient goes to the 4 foreground pixels?
#
# * **Cross-entropy** (mean over pixels) has `dL/dx_i = (p_i - g_i) / N`: every pixel pulls with
#   the same strength `0.5 / N`, so the foreground gets the share `n / N`: 1.6% of the gradient
#   at 16x16, 0.02% at 128x128.
# * **Dice** with a sigmoid has `dL/dp_i = -(2 g_i S - 2 tp) / S²` with `S = Σp + Σg`. At
#   `p = 0.5`, working it through gives the foreground the share `(N + n) / 2N`: about **half**
#   of the gradient, whatever the image size. Dice normalises by the size of the objects, not
#   of the image.
#
# The autograd's gradients, measured:

# %%
print(f"{'image':>9}{'fg fraction':>13}{'CE: fg share':>15}{'Dice: fg share':>16}"
      f"{'CE grad/fg px':>15}{'Dice grad/fg px':>17}")
sides = [8, 16, 32, 64, 128]
shares = {"CE": [], "Dice": []}
for side in sides:
    target = np.zeros((1, 1, side, side))
    target[0, 0, 1:3, 1:3] = 1.0
    foreground = target.astype(bool)
    N, n = side * side, 4
    row = {}
    for name in ("CE", "Dice"):
        x = Tensor(np.zeros(target.shape), requires_grad=True)
        loss = (F.binary_cross_entropy_with_logits(x, target) if name == "CE"
                else dice_loss(x, target, sigmoid=True, **no_smoothing))
        loss.backward()
        pull = np.abs(x.grad)
        row[name] = (pull[foreground].sum() / pull.sum(), x.grad[foreground][0])
        shares[name].append(row[name][0])
    print(f"{side:>4}x{side:<4}{n / N:>13.5f}{row['CE'][0]:>15.5f}{row['Dice'][0]:>16.5f}"
          f"{row['CE'][1]:>15.2e}{row['Dice'][1]:>17.2e}")
    assert np.isclose(row["CE"][0], n / N) and np.isclose(row["Dice"][0], (N + n) / (2 * N))

# %% [markdown]
# Now the loss *values* of a lazy network that paints everything background (`p = 0.01` on every
# pixel) on the 128x128 image: cross-entropy is tiny, so training looks finished, while Dice
# says the foreground is missed completely. Pixel accuracy (99.98%) says nothing here.

# %%
N, n = 128 * 128, 4
target = np.zeros((1, 1, 128, 128))
target[0, 0, :2, :2] = 1.0
lazy_logits = np.full(target.shape, np.log(0.01 / 0.99))
ce_lazy = F.binary_cross_entropy_with_logits(Tensor(lazy_logits), target).item()
dice_lazy = dice_loss(lazy_logits, target, sigmoid=True, **no_smoothing).item()
accuracy = 1 - n / N
print(f"lazy network: pixel accuracy {accuracy:.4%}, cross-entropy {ce_lazy:.4f}, Dice loss {dice_lazy:.4f}")
assert np.isclose(ce_lazy, -(n * np.log(0.01) + (N - n) * np.log(0.99)) / N)
assert np.isclose(dice_lazy, 1 - 2 * 0.01 * n / (0.01 * N + n))
assert ce_lazy < 0.02 and dice_lazy > 0.99

# %% [markdown]
# **A small experiment.** The consequence in training: 16 noisy 32x32 images, each with one
# clearly visible bright 2x2 square (0.4% foreground), and the smallest possible network, one
# 3x3 convolution (10 parameters, logits out). We train it four times from the same start, with
# Adam, using
#
# 1. cross-entropy;
# 2. cross-entropy with `pos_weight = n_background / n_foreground` (255 here: each foreground
#    pixel's loss counts 255 times, so both classes weigh the same in total; the classic remedy);
# 3. the soft Dice loss (`sigmoid=True`: the network gives logits);
# 4. Dice + cross-entropy, MONAI's `DiceCELoss` (the usual default, and `tconv train`'s),
#
# and score the thresholded predictions (`logit > 0`) on 16 held-out images with the Dice metric.

# %%
def bright_squares(n_images, rng, side=32):
    """Noisy grey images, each with one bright 2x2 square; returns float32 (images, masks) as (B, 1, H, W)."""
    masks = np.zeros((n_images, 1, side, side), np.float32)
    for i in range(n_images):
        r, c = rng.integers(0, side - 2, size=2)
        masks[i, 0, r:r + 2, c:c + 2] = 1.0
    images = rng.normal(0.4, 0.1, masks.shape).astype(np.float32) + 0.6 * masks
    return images, masks


data_rng = np.random.default_rng(0)
train_x, train_g = bright_squares(16, data_rng)
val_x, val_g = bright_squares(16, data_rng)
pos_weight = np.array([(train_g == 0).sum() / train_g.sum()], np.float32)
losses = {
    "cross-entropy": lambda z: F.binary_cross_entropy_with_logits(z, train_g),
    f"CE, pos_weight {pos_weight[0]:.0f}": lambda z: F.binary_cross_entropy_with_logits(z, train_g,
                                                                                      pos_weight=pos_weight),
    "soft Dice": lambda z: dice_loss(z, train_g, sigmoid=True),
    "Dice + CE": lambda z: DiceCELoss(sigmoid=True)(z, train_g),
}
steps = 100 if QUICK else 200
checkpoints = list(range(25, steps + 1, 25))
curves = {}
print(f"{'loss':<22}{'step':>5}{'loss value':>12}{'predicted fg':>14}{'val Dice':>10}")
for name, criterion in losses.items():
    tconv.manual_seed(0)                                 # the same initial weights for all four
    model = nn.Conv2d(1, 1, 3, padding=1)
    optimizer = optim.Adam(model.parameters(), lr=0.05)
    curves[name] = []
    for step in range(1, steps + 1):
        loss = criterion(model(Tensor(train_x)))
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        if step in checkpoints:
            with tconv.no_grad():
                predicted = model(Tensor(val_x)).data > 0
            val_dice = float(np.mean(compute_dice(predicted, val_g)))     # every image has a square: no NaN
            curves[name].append(val_dice)
            if step in (25, 50, 100, 200):
                print(f"{name:<22}{step:>5}{loss.item():>12.4f}{predicted.mean():>14.4f}{val_dice:>10.3f}")

# %% [markdown]
# Read the table:
#
# * **cross-entropy** reaches a small loss by predicting *no* foreground at all ("predicted fg"
#   is 0: the network has learned the 0.4% prior and nothing else), and stays there;
# * the **weighted cross-entropy** predicts far too much foreground at first, then less and less,
#   and its score climbs steadily;
# * **Dice** ignores the huge background and has found the squares by step 25; its score then
#   dips for a while (it predicts too few pixels: 0.1% instead of 0.4%) before it recovers;
# * **Dice + CE** fails like cross-entropy here. Its two terms are summed, and at the start the
#   cross-entropy term's gradient is hundreds of times larger (measured below): it pulls every
#   logit down, the sigmoid saturates, and Dice's gradient, which passes through the sigmoid's
#   slope `p (1 - p)`, fades before it can act.
#
# So with tiny structures, check that predictions are not empty, and prefer Dice, or weight the
# cross-entropy. (With objects of hundreds of pixels, as in `tconv train`'s synthetic shapes,
# Dice + CE trains well.)

# %%
ce_name, weighted_name, dice_name, dice_ce_name = losses
assert max(curves[ce_name]) == 0.0 and max(curves[dice_ce_name]) == 0.0     # never a square found
assert curves[weighted_name][-1] > curves[weighted_name][0]                 # climbs steadily
assert curves[dice_name][0] > 0.5 > curves[weighted_name][0]                # Dice finds the squares first

tconv.manual_seed(0)
model = nn.Conv2d(1, 1, 3, padding=1)                     # the common starting point again
for name in (ce_name, dice_name):
    model.zero_grad()
    losses[name](model(Tensor(train_x))).backward()
    print(f"{name:<14} at the start: |gradient| of the bias {abs(model.bias.grad[0]):.2e}, "
          f"of the weights {np.linalg.norm(model.weight.grad):.2e}")
    if name == ce_name:
        ce_bias_gradient = abs(model.bias.grad[0])
assert ce_bias_gradient > 100 * abs(model.bias.grad[0])

fig = Figure(figsize=(11, 4), layout="constrained")
left, right = fig.subplots(1, 2)
colours = {"CE": "C0", "Dice": "C2"}         # the same colour for a loss in both panels
for name, marker in (("CE", "o"), ("Dice", "s")):
    left.plot(sides, shares[name], marker=marker, linewidth=2, color=colours[name],
              label="cross-entropy" if name == "CE" else "soft Dice (sigmoid)")
left.plot(sides, [4 / s ** 2 for s in sides], color="grey", linestyle=":", label="foreground fraction n / N")
left.set_xscale("log", base=2)
left.set_yscale("log")
left.set_xticks(sides, [f"{s}x{s}" for s in sides])
left.set_xlabel("image size (4 foreground pixels)")
left.set_ylabel("share of |gradient| on the foreground")
left.set_title("At p = 0.5: who gets the gradient")
left.legend()
left.grid(alpha=0.3)
for (name, values), marker, style, colour in zip(curves.items(), ("o", "^", "s", "D"), ("-", "-", "-", "--"),
                                                 ("C0", "C1", "C2", "C3")):
    right.plot(checkpoints, values, marker=marker, linestyle=style, color=colour, linewidth=2, label=name)
right.set_xlabel("training step")
right.set_ylabel("validation Dice (0 to 1)")
right.set_ylim(-0.02, 1.02)
right.set_title("A 3x3 convolution, 0.4% foreground\n(cross-entropy and Dice + CE stay at 0)")
right.legend()
right.grid(alpha=0.3)
imbalance_path = tconv.viz.save(fig, OUT / "07_class_imbalance.png")
fig

# %% [markdown]
# ## 4. Empty masks
#
# Many images contain no pixel of some class, and a network sometimes predicts none. The
# formulas divide by zero there, so every library has to *choose*; tconv follows MONAI. For one
# image and class, with `P` the predicted mask and `G` the ground truth:
#
# | case | Dice, IoU (`ignore_empty=True`, the default) | `ignore_empty=False` | Hausdorff |
# |---|---|---|---|
# | P empty, G not | 0 | 0 | +inf |
# | G empty, P not | NaN | 0 | +inf |
# | both empty | NaN | 1 | NaN |
#
# NaN means "not defined for this image": the reductions (`DiceMetric.aggregate()`) skip it.
# The Hausdorff distance to nothing is +inf, and +inf is *not* skipped: one missed structure
# makes the mean +inf, which is honest (report how many there were, then average the others).

# %%
empty = np.zeros((1, 1, 8, 8))                       # (B, C, H, W)
square = empty.copy()
square[0, 0, 2:5, 2:5] = 1.0
cases = {"P empty, G not": (empty, square), "G empty, P not": (square, empty), "both empty": (empty, empty)}
print(f"{'case':<16}{'Dice':>7}{'Dice, ignore_empty=False':>26}{'IoU':>6}{'Hausdorff':>11}")
table = {}
for case, (prediction, truth) in cases.items():
    table[case] = [float(compute_dice(prediction, truth)[0, 0]),
                   float(compute_dice(prediction, truth, ignore_empty=False)[0, 0]),
                   float(compute_iou(prediction, truth)[0, 0]),
                   float(compute_hausdorff_distance(prediction, truth)[0, 0])]
    print(f"{case:<16}{table[case][0]:>7}{table[case][1]:>26}{table[case][2]:>6}{table[case][3]:>11}")
assert np.allclose([row[0] for row in table.values()], [0, np.nan, np.nan], equal_nan=True)
assert [row[1] for row in table.values()] == [0.0, 0.0, 1.0]
assert np.allclose([row[3] for row in table.values()], [np.inf, np.inf, np.nan], equal_nan=True)

# %% [markdown]
# (The Hausdorff functions drop channel 0, the background, by default, as MONAI does; a single
# channel, as here, is the foreground and is always kept.)
#
# The **losses** must stay finite, because training cannot skip a batch: MONAI's `smooth_nr =
# smooth_dr = 1e-5` make the Dice loss of an empty prediction on an empty target
# `1 - 1e-5 / 1e-5 = 0` (correct: nothing to find, nothing found), while any predicted pixel on
# an empty target costs almost 1. Without smoothing it is `0 / 0`.

# %%
with np.errstate(invalid="ignore"):                  # 0 / 0 below, on purpose
    unsmoothed = DiceLoss(**no_smoothing)(empty, empty).item()
print(f"DiceLoss(empty, empty) = {DiceLoss()(empty, empty).item()}   without smoothing: {unsmoothed}")
print(f"DiceLoss(a 9-pixel square, empty target) = {DiceLoss()(square, empty).item():.6f}")
print(f"HausdorffDTLoss(empty, empty) = {HausdorffDTLoss()(empty, empty).item()}")
assert DiceLoss()(empty, empty).item() == 0.0 and np.isnan(unsmoothed)
assert np.isclose(DiceLoss()(square, empty).item(), 1 - 1e-5 / (9 + 1e-5))
assert HausdorffDTLoss()(empty, empty).item() == 0.0

# %% [markdown]
# The accumulating metrics buffer one score per image and class and skip NaNs when they
# reduce. Three images: one found, one missed, one with nothing to find:

# %%
dice_metric = DiceMetric(get_not_nans=True)          # MONAI: include_background=True, reduction="mean"
hausdorff_metric = HausdorffDistanceMetric()
for prediction, truth in ((square, square), (empty, square), (empty, empty)):
    dice_metric(prediction, truth)
    hausdorff_metric(prediction, truth)
mean_dice, counted = dice_metric.aggregate()
print("Dice per image:", dice_metric.get_buffer().ravel(), "-> mean", float(mean_dice), "over", int(counted), "images")
print("Hausdorff per image:", hausdorff_metric.get_buffer().ravel(), "-> mean", float(hausdorff_metric.aggregate()))
assert float(mean_dice) == 0.5 and int(counted) == 2         # (1 + 0) / 2: the NaN is skipped
assert float(hausdorff_metric.aggregate()) == np.inf          # the miss is not hidden

# %% [markdown]
# One deliberate difference from MONAI (documented in `tconv.seg.metrics.hausdorff`): with a
# `percentile` (HD95) and one mask empty, MONAI returns NaN, which its reductions then skip, so
# a missed structure would vanish from the average; tconv returns +inf, as without a percentile.

# %%
assert compute_hausdorff_distance(empty, square, percentile=95)[0, 0] == np.inf

# %% [markdown]
# ## 5. Scoring predicted masks
#
# Four synthetic images (`tconv.seg.data.SyntheticShapes`, 3 classes: background, disc, square)
# and four "predictions", each wrong in one typical way:
#
# 0. perfect;
# 1. the disc called a square (a confusion between classes);
# 2. perfect, plus a stray 2x2 blob of class "disc" far from everything;
# 3. every shape shifted 2 pixels to the right.
#
# The metrics take one-hot masks `(B, C, H, W)` (`one_hot` makes them from label maps
# `(B, 1, H, W)`; `compute_dice` also takes label maps with `num_classes`). Each returns one
# score per image and class, `(B, C)`, without the background here (`include_background=False`:
# the background is easy and would flatter every score).

# %%
shapes = SyntheticShapes(4, size=48, num_classes=3, seed=0)
images = np.stack([shapes[i][0] for i in range(4)])          # (4, 1, 48, 48) float32
truth = np.stack([shapes[i][1] for i in range(4)])           # (4, 48, 48) int64 class ids
predicted = truth.copy()
predicted[1][truth[1] == 1] = 2                              # the disc called a square
predicted[2][40:42, 2:4] = 1                                 # a stray blob
predicted[3] = np.pad(truth[3], ((0, 0), (2, 0)))[:, :-2]    # shifted right by 2 pixels
assert not truth[3][:, -2:].any() and not truth[2][38:44, 0:6].any()   # nothing falls off, the blob is alone

truth_1h, predicted_1h = one_hot(truth[:, None], 3), one_hot(predicted[:, None], 3)    # (4, 3, 48, 48)
dice = compute_dice(predicted_1h, truth_1h, include_background=False)
iou = compute_iou(predicted_1h, truth_1h, include_background=False)
hd = compute_hausdorff_distance(predicted_1h, truth_1h)               # MONAI's default: no background
hd95 = compute_hausdorff_distance(predicted_1h, truth_1h, percentile=95)
print(f"{'image':<28}{'Dice disc/square':>18}{'IoU disc/square':>18}{'HD disc/square':>18}{'HD95 disc/square':>18}")
for i, what in enumerate(("0 perfect", "1 disc called square", "2 stray blob", "3 shifted 2 px")):
    print(f"{what:<28}" + "".join(f"{a:>9.3f}{b:>9.3f}" for a, b in (dice[i], iou[i], hd[i], hd95[i])))
assert dice.shape == (4, 2)                                   # (B, C - 1)
assert np.isclose(compute_dice(predicted[:, None], truth[:, None], num_classes=3, include_background=False),
                  dice).all()                                 # label maps give the same

# %% [markdown]
# Read it row by row:
#
# * the **class confusion** (1) gives the disc Dice 0 and Hausdorff +inf (no disc predicted), and
#   lowers the square's Dice (extra pixels) and raises its Hausdorff distance (a "square" where the
#   disc was);
# * the **stray blob** (2) barely moves Dice (4 extra pixels among hundreds) but the Hausdorff
#   distance jumps to the blob's distance from the discs; HD95, the 95th percentile of the boundary
#   distances, forgives a few outlying pixels and stays 0;
# * the **shift** (3) costs Dice a lot for small shapes, and gives a Hausdorff distance of exactly
#   the shift, 2 pixels.
#
# Now every number again, independently: Dice and IoU by counting pixels, `IoU = D / (2 - D)` on
# hard masks, and the Hausdorff distances from SciPy (`directed_hausdorff` on the boundary
# pixels, `cdist` for the percentile), with the boundary defined as MONAI does: the mask minus its
# erosion.

# %%
def boundary_points(mask):
    """Coordinates of the pixels of ``mask`` that touch the outside (mask XOR its erosion)."""
    return np.argwhere(mask & ~binary_erosion(mask))


for i in range(4):
    for c in (1, 2):
        pred_c, true_c = predicted[i] == c, truth[i] == c
        overlap = np.sum(pred_c & true_c)
        dice_by_count = 2 * overlap / (pred_c.sum() + true_c.sum())
        iou_by_count = overlap / np.sum(pred_c | true_c)
        assert np.isclose(dice[i, c - 1], dice_by_count) and np.isclose(iou[i, c - 1], iou_by_count)
        assert np.isclose(iou_by_count, dice_by_count / (2 - dice_by_count))
        if not pred_c.any():
            assert hd[i, c - 1] == np.inf
            continue
        a, b = boundary_points(pred_c), boundary_points(true_c)
        hd_scipy = max(directed_hausdorff(a, b)[0], directed_hausdorff(b, a)[0])
        nearest = cdist(a, b)
        hd95_scipy = max(np.percentile(nearest.min(axis=1), 95), np.percentile(nearest.min(axis=0), 95))
        assert np.isclose(hd[i, c - 1], hd_scipy) and np.isclose(hd95[i, c - 1], hd95_scipy)
assert hd[3].tolist() == [2.0, 2.0] and hd[0].tolist() == [0.0, 0.0] and hd95[2, 0] == 0.0 < hd[2, 0]
print("Dice, IoU, HD and HD95 agree with pixel counts and SciPy")

# %% [markdown]
# **Over a dataset.** In a validation loop, `DiceMetric` is called once per batch and
# `aggregate()` reduces everything so far: `"mean"` averages each image's classes, then the
# images (MONAI's two steps); `"mean_batch"` gives one number per class. `ConfusionMatrix`
# instead counts every pixel of every image into one table (rows: truth, columns: prediction)
# and scores the pooled counts, so large objects weigh more. Both are common; say which one a
# reported number is.

# %%
dice_metric = DiceMetric(include_background=False)
for batch in (slice(0, 2), slice(2, 4)):                     # two batches of two images
    dice_metric(predicted_1h[batch], truth_1h[batch])
per_image_mean = float(dice_metric.aggregate())
per_class = dice_metric.aggregate("mean_batch")
confusion = ConfusionMatrix(num_classes=3)
confusion.update(predicted, truth)                           # label maps (B, H, W)
print("confusion matrix (rows: truth, columns: prediction):\n", confusion.matrix)
print(f"DiceMetric: mean {per_image_mean:.4f}, per class {per_class}")
print(f"ConfusionMatrix: Dice per class {confusion.dice()[1:]}, mean {confusion.mean_dice(False):.4f}")
counted = np.array([[np.sum((truth == t) & (predicted == q)) for q in range(3)] for t in range(3)])
assert np.array_equal(confusion.matrix, counted)
assert np.isclose(per_image_mean, np.mean(dice.mean(axis=1))) and np.allclose(per_class, dice.mean(axis=0))
assert not np.isclose(per_image_mean, confusion.mean_dice(include_background=False))   # two different numbers

# %% [markdown]
# `tconv.viz.plot_predictions` draws each image with its truth, the prediction and the errors:

# %%
fig = tconv.viz.plot_predictions(images, truth, predicted, class_names=list(shapes.class_names))
predictions_path = tconv.viz.save(fig, OUT / "07_predictions.png")
fig

# %% [markdown]
# ## 6. Augmenting an image and its mask together
#
# Augmentation shows the network more variety (flips, rotations, warps, lighting) than the data
# has. For segmentation the mask must move *exactly* with the image, or the network learns from
# wrong labels. `tconv.seg.augment` uses albumentations' calling convention: build a pipeline
# once, then pass the targets by name; every call draws the random parameters **once** and applies
# them to the image and to every mask.
#
# Images are channel-first floats in [0, 1] (`(C, H, W)`); masks are integer class ids `(H, W)`.

# %%
sample = SyntheticShapes(1, size=64, num_classes=4, seed=8, radius_range=(0.12, 0.25), count_range=(3, 4))
image, mask = sample[0]
labels_before = set(np.unique(mask).tolist())
print("image", image.shape, image.dtype, "  mask", mask.shape, mask.dtype, "  classes in the mask:", labels_before)

augment = Compose([
    HorizontalFlip(),                                            # p = 0.5 each, as albumentations
    RandomRotate90(),
    Affine(rotate=(-30, 30), scale=(0.8, 1.2), translate_percent=(-0.1, 0.1), p=0.8),
    ElasticTransform(alpha=20, sigma=4),
    RandomBrightnessContrast(p=0.8),                             # image only
    GaussNoise(std_range=(0.02, 0.05)),                          # image only
], seed=0)
out = augment(image=image, mask=mask)
print({key: (value.shape, value.dtype) for key, value in out.items()})
assert out["image"].shape == image.shape and out["image"].dtype == np.float32 and out["mask"].dtype == mask.dtype

# %% [markdown]
# **Reproducible:** a pipeline owns one generator made from its seed, so two pipelines with the
# same seed give the same sequence, call after call, on any machine. And the number of draws does
# not depend on which targets are passed: `aug(image=x)` and `aug(image=x, mask=m)` give the same
# image.

# %%
first, second = Compose(augment.transforms, seed=0), Compose(augment.transforms, seed=0)
for _ in range(3):
    a, b = first(image=image, mask=mask), second(image=image)
    assert np.array_equal(a["image"], b["image"])

# %% [markdown]
# **One draw, both targets.** To check that the mask really moved with the image, take a pipeline
# of flips, 90° rotations and brightness/contrast. The spatial part is one of the 8 symmetries of
# the square; find which one turned the *image* (the one whose result correlates best with the
# output: brightness and contrast change the values but not the pattern), apply it to the
# *original mask* with NumPy, and compare with the mask the pipeline returned.

# %%
def square_symmetries():
    """The 8 rotations/reflections of the last two axes, as (name, function)."""
    return [(f"rot90 x{k}" + (" after a flip" if flip else ""),
             lambda a, k=k, flip=flip: np.rot90(np.flip(a, -1) if flip else a, k, axes=(-2, -1)))
            for k in range(4) for flip in (False, True)]


dihedral = Compose([HorizontalFlip(), VerticalFlip(), RandomRotate90(), RandomBrightnessContrast(p=1.0)], seed=3)
for call in range(6):
    out = dihedral(image=image, mask=mask)
    correlation = {name: np.corrcoef(f(image).ravel(), out["image"].ravel())[0, 1]
                   for name, f in square_symmetries()}
    best = max(correlation, key=correlation.get)
    assert np.array_equal(dict(square_symmetries())[best](mask), out["mask"])
    print(f"call {call}: the image was turned by {best!r:<26} (correlation {correlation[best]:.3f}); "
          "the mask was turned the same way")

# %% [markdown]
# **Nearest for masks.** Warps move pixels by fractions of a pixel. The image is sampled
# bilinearly (a mix of neighbours), but a mask holds class *ids*, and a mix of ids is nonsense:
# on the way from background (0) to a triangle (3) a bilinear mix passes through 1 (a disc) and
# 2 (a square), and this image has no square. So masks are always sampled by nearest neighbour,
# and the set of labels never grows (tconv refuses anything else for masks). Warping the mask as
# if it were an image, the mistake a generic image generator makes, invents labels along the
# boundaries:

# %%
seen = set()
for _ in range(20):
    seen |= set(np.unique(augment(image=image, mask=mask)["mask"]).tolist())
print("labels after 20 augmentations:", seen, " before:", labels_before)
assert seen <= labels_before

rotate = Affine(rotate=33, p=1.0)
as_image = rotate(image=mask.astype(np.float32))["image"]               # the mask treated as an image
invented = set(np.unique(np.round(as_image)).astype(int).tolist()) - labels_before
print(f"the mask warped bilinearly has {np.unique(as_image).size} different values; rounded, it has the "
      f"labels {invented} that were never in it")
assert invented and set(np.unique(rotate(image=image, mask=mask)["mask"]).tolist()) <= labels_before
try:
    Affine(mask_interpolation="bilinear")
except ValueError as error:
    print("ValueError:", error)

# %% [markdown]
# A figure of a few draws (the mask drawn over its image with `tconv.viz.overlay`):

# %%
def class_legend(fig, class_names, present):
    """A legend of the classes in ``present`` (not the background), in tconv.viz.overlay's colours."""
    colours = tconv.viz.overlay(np.zeros((1, 1, len(class_names))), np.arange(len(class_names))[None], alpha=1.0)
    handles = [Patch(facecolor=colours[0, k] / 255, edgecolor="black", label=name)
               for k, name in enumerate(class_names) if k > 0 and k in present]
    fig.legend(handles=handles, loc="outside lower center", ncols=len(handles))


fig = Figure(figsize=(12, 4.6), layout="constrained")
axes = fig.subplots(2, 6)
draws = [{"image": image, "mask": mask}] + [augment(image=image, mask=mask) for _ in range(5)]
for column, drawn in enumerate(draws):
    axes[0, column].imshow(drawn["image"][0], cmap="gray", vmin=0, vmax=1)
    axes[1, column].imshow(tconv.viz.overlay(drawn["image"], drawn["mask"], alpha=0.6))
    axes[0, column].set_title("original" if column == 0 else f"draw {column}")
    for ax in axes[:, column]:
        ax.set_xticks([])
        ax.set_yticks([])
axes[0, 0].set_ylabel("image")
axes[1, 0].set_ylabel("mask over image")
class_legend(fig, sample.class_names, labels_before)
fig.suptitle("Compose([...], seed=0)(image=..., mask=...): one draw per call moves image and mask together")
pairs_path = tconv.viz.save(fig, OUT / "07_augmented_pairs.png")
fig

# %% [markdown]
# ### The two-generator trap
#
# The classic Keras recipe augments images and masks with *two* generators given the same seed
# (`ImageDataGenerator(...).flow(images, seed=1)` and the same for masks), hoping they draw the
# same numbers. They do only while both draw exactly the same number of random values in the same
# order. Add a transform that only the images need (brightness, noise: the masks must not get
# it) and the image generator draws more numbers per call: from the second call on, the two
# streams are out of step, and the flips and rotations no longer match. Nothing fails; the
# network silently learns from masks that belong to other orientations.
#
# Here are the two pipelines with one seed, against one pipeline called once per pair:

# %%
spatial = [HorizontalFlip(), RandomRotate90()]
image_pipeline = Compose(spatial + [RandomBrightnessContrast(p=1.0)], seed=0)
mask_pipeline = Compose(spatial, seed=0)                                 # same seed, same spatial part
one_call = Compose(spatial + [RandomBrightnessContrast(p=1.0)], seed=0)
trap_rows = {"two pipelines, one seed": [], "one call per pair": []}
print(f"{'call':>4}{'two pipelines: mask pixels wrong':>35}{'one call: mask pixels wrong':>30}")
for call in range(8):
    trap_image = image_pipeline(image=image)["image"]
    trap_mask = mask_pipeline(image=mask.astype(np.float32))["image"].astype(mask.dtype)   # Keras: mask as image
    right = one_call(image=image, mask=mask)
    assert np.array_equal(trap_image, right["image"])       # the images are identical...
    wrong_fraction = np.mean(trap_mask != right["mask"])     # ...the masks are not
    trap_rows["two pipelines, one seed"].append((trap_image, trap_mask, wrong_fraction))
    trap_rows["one call per pair"].append((right["image"], right["mask"], 0.0))
    print(f"{call:>4}{wrong_fraction:>35.1%}{0.0:>30.1%}")
fractions = [row[2] for row in trap_rows["two pipelines, one seed"]]
assert fractions[0] == 0.0 and sum(f > 0 for f in fractions) >= 4   # in step once, then drifting apart

# %% [markdown]
# The first call agrees (both streams start equal); after that the masks match their images only
# by luck (1 chance in 8 of landing on the same symmetry). The remedy is the one-call design:
# one generator, one draw per call, every target inside the same call.

# %%
fig = Figure(figsize=(12, 5), layout="constrained")
axes = fig.subplots(2, 6)
for row, (name, drawn) in enumerate(trap_rows.items()):
    for column in range(6):
        picture, labels, wrong = drawn[column]
        ax = axes[row, column]
        ax.imshow(tconv.viz.overlay(picture, labels, alpha=0.6))
        ax.set_title(f"call {column}" + (f": {wrong:.0%} wrong" if row == 0 else ""))
        ax.set_xticks([])
        ax.set_yticks([])
    axes[row, 0].set_ylabel(name)
class_legend(fig, sample.class_names, labels_before)
fig.suptitle("The Keras two-generator recipe (top) drifts after the first call; one call per pair (bottom) cannot")
trap_path = tconv.viz.save(fig, OUT / "07_two_generator_trap.png")
fig

# %% [markdown]
# ## 7. The pixel-accuracy trap, with a network
#
# Section 3 showed the trap with one convolution; here it is with a U-Net and the data every
# segmentation student meets sooner or later: objects that are rare. `imbalanced_shapes` is the
# synthetic shapes data made rare, one small disc per 48x48 image, about 1% of the pixels.
# `tconv doctor DIR` prints the same numbers for a folder of your own (and `tconv.seg.data.inspect`
# returns them).

# %%
from tconv.seg.data import DataLoader, imbalanced_shapes
from tconv.seg.data.balance import imbalance, mask_counts, median_frequency_weights
from tconv.seg.models import UNet
from tconv.seg.train import evaluate, fit
from tconv.seg.train.recipe import InMemory, make_loss

rare_train = InMemory(imbalanced_shapes(96, size=48, seed=0))
rare_val = InMemory(imbalanced_shapes(64, size=48, seed=1))
rare_counts = mask_counts(rare_train)
rare_pixels = np.bincount(np.concatenate([rare_train[i][1].ravel() for i in range(len(rare_train))]), minlength=2)
rare_share = rare_pixels[1] / rare_pixels.sum()
rare_weights = median_frequency_weights(rare_counts, 2)
print(f"disc pixels: {rare_share:.2%} of all; imbalanced: {imbalance(rare_pixels)['imbalanced']}")
print(f"median-frequency class weights (background, disc): {rare_weights.round(2)}")
val_masks = np.stack([rare_val[i][1] for i in range(len(rare_val))])
lazy = np.zeros_like(val_masks)                                  # the network that paints everything background
lazy_confusion = ConfusionMatrix(2)
lazy_confusion.update(lazy, val_masks)
print(f"all background: pixel accuracy {lazy_confusion.pixel_accuracy():.4f}, disc IoU {lazy_confusion.iou()[1]:.3f}")
assert np.isclose(lazy_confusion.pixel_accuracy(), 1 - (val_masks == 1).mean()) and lazy_confusion.iou()[1] == 0
assert rare_share < 0.02 and rare_weights[1] > 20 * rare_weights[0]

# %% [markdown]
# A network that finds nothing scores 98.8% pixel accuracy. Now train the same small U-Net
# twice from the same start, with cross-entropy and with cross-entropy weighted by those class
# weights (`tconv train --class-weights auto`), and watch both numbers on held-out images after
# every epoch.

# %%
rare_epochs = 4 if QUICK else 8
rare_curves = {}
for name, weight in (("cross-entropy", None), ("weighted cross-entropy", rare_weights)):
    tconv.manual_seed(0)
    rare_model = UNet(1, 2, base=8, depth=2, batch_norm=True)
    rare_optimizer = optim.Adam(rare_model.parameters(), lr=3e-3)
    rare_loader = DataLoader(rare_train, batch_size=8, shuffle=True, seed=0)
    rare_curves[name] = []
    for epoch in range(rare_epochs):
        fit(rare_model, rare_loader, None, loss=make_loss("ce", 2, weight=weight), optimizer=rare_optimizer,
            epochs=epoch + 1, start_epoch=epoch, num_classes=2, progress=False)
        scores = evaluate(rare_model, DataLoader(rare_val, batch_size=16), 2)
        rare_curves[name].append((scores["pixel_accuracy"], scores["iou"][1]))
        print(f"{name:<24} epoch {epoch + 1}: pixel accuracy {scores['pixel_accuracy']:.4f}, "
              f"disc IoU {scores['iou'][1]:.3f}")
trapped = [epoch for epoch, (accuracy, iou) in enumerate(rare_curves["cross-entropy"]) if accuracy > 0.95 and iou < 0.05]
assert trapped, "an epoch with high pixel accuracy and no disc found"


def first_epoch(curve, level=0.3):
    return next((epoch for epoch, (_, iou) in enumerate(curve) if iou >= level), len(curve))


assert first_epoch(rare_curves["weighted cross-entropy"]) < first_epoch(rare_curves["cross-entropy"])

# %% [markdown]
# For epochs in a row, cross-entropy's network scored about 97% pixel accuracy while it had found
# no disc at all (IoU 0): the background's pixels outvote the disc's a hundred to one, and the
# easiest way to lower the mean cross-entropy is to get the background right. The weighted loss
# makes each disc pixel count as much as the background's pixels together, and the discs appear
# two epochs earlier. (After the first epoch both networks still call every pixel a disc: in
# evaluation, batch norm uses its running statistics, which twelve steps have not yet brought
# to the data's; with the batch's own statistics the same network marks 30% of the pixels.
# Given long enough, plain cross-entropy finds them too on this easy data; on
# real data with rarer, fainter objects it may not.) The lessons, each a tool of tconv:
#
# * judge a segmentation by the per-class IoU or Dice, never by pixel accuracy alone: every run
#   folder of `tconv train` has `per_class.txt` and a confusion matrix (`confusion.png`), and
#   `tconv evaluate --out DIR` writes them for any folder;
# * weigh rare classes (`--class-weights auto`) or keep an overlap loss (`dicece`, `tconv train`'s
#   default, section 3);
# * look at the data first: `tconv doctor DIR` warns of the imbalance and suggests the weights.

# %%
fig = Figure(figsize=(11, 4), layout="constrained")
accuracy_ax, iou_ax = fig.subplots(1, 2)
epochs_axis = np.arange(1, rare_epochs + 1)
for (name, curve), style in zip(rare_curves.items(), ("-o", "--s")):
    accuracy_ax.plot(epochs_axis, [a for a, _ in curve], style, label=name)
    iou_ax.plot(epochs_axis, [i for _, i in curve], style, label=name)
accuracy_ax.axhline(lazy_confusion.pixel_accuracy(), color="grey", linestyle=":", label="all background")
iou_ax.axhline(0, color="grey", linestyle=":", label="all background")
accuracy_ax.set(xlabel="epoch", ylabel="pixel accuracy", ylim=(0.94, 1.0),
               title="Pixel accuracy: high from epoch 2, discs found or not")
iou_ax.set(xlabel="epoch", ylabel="disc IoU", ylim=(-0.02, 1.0), title="Disc IoU: what was found")
for ax in (accuracy_ax, iou_ax):
    ax.legend()
    ax.grid(alpha=0.3)
fig.suptitle("The pixel-accuracy trap: 1% of the pixels are discs")
rare_trap_path = tconv.viz.save(fig, OUT / "07_pixel_accuracy_trap.png")
fig

# %% [markdown]
# ## What next
#
# * The losses plug into training: `tconv train --loss dice` (or `ce`, `dicece`, `focal`,
#   `tversky`, `fbeta`, `hausdorff`), and `tconv evaluate` reports the metrics of a run.
# * Sources: Milletari et al. 2016 (V-Net, the Dice loss), Salehi et al. 2017 (Tversky), Lin et
#   al. 2017 (focal), Karimi & Salcudean 2019 (Hausdorff DT loss); the MONAI documentation
#   (`monai.losses`, `monai.metrics`) for the names, defaults and empty-mask conventions; the
#   albumentations documentation for the calling convention; docs/references.md for the values.

# %% [markdown]
# ## Exercises
#
# Each exercise ends with `check("07.k", answer)`, which prints *right*, or *not yet* with a
# hint that does not give the answer away. In a student copy (made by
# `tconv tutorials --student DIR`) every solution is a blank (`...`) for you to fill in; in
# the tutorial itself the solutions are filled in.

# %%
from tconv.exercises import check

# %% [markdown]
# **Exercise 1.** Which Tversky weights `(α, β)` make the Tversky loss equal to the F-β loss
# with β = 3, and which kind of error does this setting punish most? Answer
# `(alpha, beta, "false positives" or "false negatives")`, then check the two losses on the
# example of section 1.

# %%
# BEGIN SOLUTION 07.1
# STUDENT: tversky_for_f3 = ...           # (alpha, beta, "false positives" | "false negatives")
beta = 3.0
alpha_t, beta_t = 1 / (1 + beta ** 2), beta ** 2 / (1 + beta ** 2)          # 0.1 and 0.9
tversky_for_f3 = (alpha_t, beta_t, "false negatives")                       # beta_t weighs them 9 times more
# END SOLUTION 07.1
check("07.1", tversky_for_f3)

# %%
print(f"F-beta loss (beta 3) {fbeta_loss(P, G, beta=3.0, smooth=0.0).item():.6f}, Tversky loss (0.1, 0.9) "
      f"{tversky_loss(P, G, alpha=0.1, beta=0.9, **no_smoothing).item():.6f}")

# %% [markdown]
# **Exercise 2.** A validation set of three images, one class: image A predicted perfectly, image B
# with Dice 0.5, image C with an empty ground truth and an empty prediction. What does
# `DiceMetric(ignore_empty=...).aggregate()` return with `ignore_empty=True`, and with
# `ignore_empty=False`? Work it out by hand with the table of section 4 (answer the pair
# `(with True, with False)`), then run it.

# %%
# BEGIN SOLUTION 07.2
# STUDENT: means = ...                    # (aggregate with ignore_empty=True, with ignore_empty=False)
means = ((1.0 + 0.5) / 2,                                   # True: image C scores NaN and is skipped
         (1.0 + 0.5 + 1.0) / 3)                             # False: empty on empty scores 1
# END SOLUTION 07.2
check("07.2", means)

# %%
prediction_b = empty.copy()
prediction_b[0, 0, 2, 2:5] = 1.0                   # 3 of the square's 9 pixels: Dice 2*3 / (3 + 9) = 0.5
pairs = [(square, square), (prediction_b, square), (empty, empty)]
assert compute_dice(prediction_b, square)[0, 0] == 0.5
for ignore_empty in (True, False):
    metric = DiceMetric(ignore_empty=ignore_empty)
    for prediction, truth in pairs:
        metric(prediction, truth)
    print(f"ignore_empty={ignore_empty}: per image {metric.get_buffer().ravel()}, mean {float(metric.aggregate()):.4f}")

# %% [markdown]
# **Exercise 3.** A pipeline can move several masks at once: `aug(image=x, masks=[m1, m2])`.
# Write `boundary_of(labels)`: a 0/1 mask of the foreground pixels (label > 0) that touch the
# background or the image's edge, i.e. the foreground minus its erosion (the boundary MONAI's
# Hausdorff distance uses, section 5). Then augment the image of section 6 with its class mask
# and `boundary_of(mask)` using flips and 90° rotations, and check after each call that the
# second mask is still the boundary of the first. Does that survive a 30° rotation?

# %%
# BEGIN SOLUTION 07.3
# STUDENT: def boundary_of(labels):
# STUDENT:     ...                                      # a 0/1 array of the shape of labels
def boundary_of(labels):
    """Foreground pixels next to the background or the image's edge (the mask minus its erosion), as 0/1 ids."""
    foreground = labels > 0
    return (foreground & ~binary_erosion(foreground)).astype(labels.dtype)


two_masks = Compose([HorizontalFlip(), VerticalFlip(), RandomRotate90()], seed=0)
for _ in range(5):
    out = two_masks(image=image, masks=[mask, boundary_of(mask)])
    class_mask, border_mask = out["masks"]
    assert np.array_equal(border_mask, boundary_of(class_mask))
print("after every call the second mask is the boundary of the first")

out = Affine(rotate=30, p=1.0)(image=image, masks=[mask, boundary_of(mask)])
class_mask, border_mask = out["masks"]
differ = int(np.sum(border_mask != boundary_of(class_mask)))
print(f"after a 30° rotation: {differ} of {int(boundary_of(class_mask).sum())} boundary pixels differ")
# END SOLUTION 07.3
check("07.3", boundary_of)

# %% [markdown]
# (Flips and 90° rotations move whole pixels, so everything commutes. A 30° rotation samples
# the thin boundary by nearest neighbour, which leaves gaps and doubled pixels: compute a
# boundary *after* warping, do not warp it.)
