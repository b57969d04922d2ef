# ---
# jupyter:
#   jupytext:
#     formats: py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
# ---

# %% [markdown]
# # Tutorial 8: FCN, bilinear-initialised transposed convolutions and skip fusion
#
# The fully convolutional network of Long, Shelhamer & Darrell (2015) predicts class scores at
# a coarse resolution and brings them back to the image's size with transposed convolutions
# whose kernels start as bilinear interpolation. This tutorial derives that kernel, checks it
# against the literature's numbers and against interpolation, looks inside `tconv.seg.models.FCN`
# (its zero-initialised skip), checks FCN's first idea (a classifier's fully connected layers
# *are* convolutions, so the network slides over any input size), then trains an FCN and a U-Net
# on the same images and asks who wins at the borders of the shapes, and why.
#
# Read first: tutorial 3 (FCN's kernel meets the checkerboard) and tutorial 6 (a U-Net trained
# on the same synthetic shapes).
#
# Runtime: in the [runtime table](README.md#runtimes); most of it is training.
# `TCONV_QUICK=1` shrinks the training to a few seconds; the numbers quoted in the text are those of the full run. Figures
# go to `$TCONV_TUTORIAL_OUTPUT` (default: `tutorial_figures/` in the current folder).

# %%
# %matplotlib inline
import os
from pathlib import Path

import numpy as np
from scipy.ndimage import distance_transform_edt

import tconv
from tconv import Tensor
from tconv.nn import functional as F
from tconv.nn import init
from tconv.seg.models import FCN
from tconv.seg.train import evaluate, fit, predict
from tconv.seg.train.recipe import (check_config, make_augmentation, make_datasets, make_loaders, make_loss,
                                    make_model, make_optimizer, make_scheduler)
from tconv.viz import overlay, save
from tconv.viz.style import OKABE_ITO, new_figure, styled

np.set_printoptions(precision=4, suppress=True, linewidth=100)
TCONV_QUICK = os.environ.get("TCONV_QUICK") == "1"
OUT = Path(os.environ.get("TCONV_TUTORIAL_OUTPUT", "tutorial_figures"))
OUT.mkdir(exist_ok=True)

# %% [markdown]
# ## 1. The bilinear kernel
#
# A recap of tutorial 3's first section (the kernel and its 1-D example), then what is new
# here: the kernel's matrix, its border, and FCN itself.
#
# Linear interpolation by a factor `s` puts a *tent* on every input sample: output positions
# at distance `t` (in output pixels) from it get the weight `1 - t/s`, and nothing beyond `s`.
# A transposed convolution paints one copy of its kernel per input pixel (tutorial 1's
# scatter-add view), so a kernel that *is* the tent, sampled at the output pixels, makes the
# transposed convolution interpolate. FCN's recipe (`tconv.nn.init.bilinear_kernel`): for a
# kernel of size `k`, factor `f = ceil(k / 2)` and centre `c = f - 0.5` for even `k` (`f - 1`
# for odd `k`), the 1-D kernel is `1 - |r - c| / f`, and the 2-D kernel the outer product.
# With `k = 4` the 1-D kernel is `[.25, .75, .75, .25]`.

# %%
for k in (3, 4, 8):
    f = (k + 1) // 2
    c = f - 0.5 if k % 2 == 0 else f - 1
    by_formula = 1 - np.abs(np.arange(k) - c) / f
    print(f"k={k}: f={f}, c={c}:", by_formula)
    assert np.allclose(init.bilinear_kernel(k), by_formula)
assert np.allclose(init.bilinear_kernel(4), [.25, .75, .75, .25])
assert np.allclose(init.bilinear_kernel((4, 4)), np.outer([.25, .75, .75, .25], [.25, .75, .75, .25]))
assert np.allclose(init.bilinear_kernel((3, 3)), [[.25, .5, .25], [.5, 1, .5], [.25, .5, .25]])
print("2-D, k=4:\n", init.bilinear_kernel((4, 4)))

# %% [markdown]
# **`k = 2s`, `p = s/2` magnifies by `s`.** The transposed convolution's output size is
# `(i - 1) s - 2p + k = (i - 1) s - s + 2s = i s` for every input size `i`: FCN's up-by-2 is
# `k = 4, s = 2, p = 1` and its up-by-4 `k = 8, s = 4, p = 2`.

# %%
for s in (2, 4, 8):
    assert all(tconv.conv_transpose_output_size(i, 2 * s, stride=s, padding=s // 2) == i * s for i in range(1, 20))
print("k = 2s, p = s/2: output size = s * input size, for s = 2, 4, 8")

# %% [markdown]
# ## 2. The literature's example, and interpolation
#
# Upsample `[[1, 2], [3, 4]]` by 2 with the `k = 4` kernel (Long et al. 2015; the values are
# in docs/references.md). Each of the four input pixels paints the kernel, scaled by its
# value, at spacing 2; padding 1 crops one row and column from each side.

# %%
x = np.array([[[[1.0, 2.0], [3.0, 4.0]]]])
w = init.bilinear_(np.empty((1, 1, 4, 4)))
up = tconv.conv_transpose2d(x, w, stride=2, padding=1)[0, 0]
print(up)
expected = np.array([[.5625, .9375, 1.3125, 1.125],
                     [1.125, 1.75, 2.25, 1.875],
                     [1.875, 2.75, 3.25, 2.625],
                     [1.6875, 2.4375, 2.8125, 2.25]])
assert np.allclose(up, expected)
painted = np.zeros((6, 6))                       # the scatter-add, by hand: 2x2 copies at spacing 2
for r in range(2):
    for q in range(2):
        painted[2 * r:2 * r + 4, 2 * q:2 * q + 4] += x[0, 0, r, q] * w[0, 0]
assert np.allclose(painted[1:-1, 1:-1], expected)    # padding 1 crops the outer ring

# %% [markdown]
# **The interior equals bilinear interpolation** (`align_corners=False`, PyTorch's and tconv's
# default), on any image: here a random 6x6. The border does not: interpolation repeats the
# edge pixel, the transposed convolution sees zeros beyond it.

# %%
rng = np.random.default_rng(0)
image = rng.random((1, 1, 6, 6))
by_tconv = tconv.conv_transpose2d(image, w, stride=2, padding=1)[0, 0]
by_interpolation = tconv.interpolate(image, scale_factor=2, mode="bilinear", align_corners=False)[0, 0]
assert np.allclose(by_tconv[1:-1, 1:-1], by_interpolation[1:-1, 1:-1])
print(f"largest difference: interior {np.abs(by_tconv - by_interpolation)[1:-1, 1:-1].max():.1e}, "
      f"border {np.abs(by_tconv - by_interpolation).max():.3f}")
line = tconv.conv_transpose1d(np.array([[[1.0, 2.0, 4.0, 8.0]]]), init.bilinear_(np.empty((1, 1, 4))),
                              stride=2, padding=1)[0, 0]
print("1-D, [1, 2, 4, 8] ->", line)
assert np.allclose(line, [.75, 1.25, 1.75, 2.5, 3.5, 5, 7, 6])

# %% [markdown]
# **Why, in the matrix view.** The transposed convolution is a matrix `M` (tutorial 1). An
# interpolation's matrix has rows of weights that sum to 1 (a constant image stays constant).
# Here every interior row sums to exactly 1, while the rows of the border pixels sum to 0.75,
# and of the corners to 0.75^2 = 0.5625: the part of the tent that would have come from beyond
# the edge is missing. That is the darker border.

# %%
M = tconv.conv_transpose_matrix(w, (1, 4, 4), stride=2, padding=1)       # 4x4 -> 8x8: a 64x16 matrix
row_sums = M.toarray().sum(axis=1).reshape(8, 8)
print(f"M is {M.shape[0]}x{M.shape[1]}; its row sums as an 8x8 image:\n", row_sums)
assert np.allclose(row_sums[1:-1, 1:-1], 1.0)
assert np.allclose(row_sums[0, 1:-1], 0.75) and np.isclose(row_sums[0, 0], 0.5625)
mixed = np.count_nonzero(M.toarray(), axis=1).reshape(8, 8)
assert np.all(mixed[1:-1, 1:-1] == 4)        # an interior output mixes its 2x2 nearest inputs

# %%
with styled():
    fig = new_figure(13, 3.7, layout="constrained")
    axes = fig.subplots(1, 4)
    panels = [(image[0, 0], "the input, 6x6\n(each pixel drawn 2x2)"), (by_tconv, "transposed conv\n(bilinear k=4, s=2, p=1)"),
              (by_interpolation, "bilinear interpolation x2")]
    for ax, (picture, title) in zip(axes, panels):
        shown = ax.imshow(picture, cmap="cividis", vmin=0, vmax=1, extent=(0, 12, 12, 0))
        ax.set_title(title)
        ax.set_xlabel("x (output pixels)")
    axes[0].set_ylabel("y (output pixels)")
    fig.colorbar(shown, ax=axes[:3], label="value (one scale for the three)")
    difference = by_tconv - by_interpolation
    limit = float(np.abs(difference).max())
    shown = axes[3].imshow(difference, cmap="PuOr", vmin=-limit, vmax=limit, extent=(0, 12, 12, 0))
    axes[3].set_title("difference\n(0 inside, < 0 at border)")
    axes[3].set_xlabel("x (output pixels)")
    fig.colorbar(shown, ax=axes[3], label="transposed conv - interpolation")
    fig.suptitle("FCN's bilinear transposed convolution equals interpolation, except at the border")
bilinear_path = save(fig, OUT / "08_bilinear.png")
fig

# %% [markdown]
# ## 3. Many channels: `bilinear_` does not mix them
#
# In FCN the upsampled maps are class scores, and each class must upsample *itself*.
# `tconv.nn.init.bilinear_` writes the kernel at `weight[i, i]` (layout `(C_in, C_out, k, k)`)
# and zeros everywhere else: channel `i` in, channel `i` out, nothing across.

# %%
w3 = init.bilinear_(np.empty((3, 3, 4, 4)))
for i in range(3):
    for j in range(3):
        assert np.array_equal(w3[i, j], init.bilinear_kernel((4, 4)) if i == j else np.zeros((4, 4)))
scores = rng.standard_normal((1, 3, 5, 5))
separately = [tconv.conv_transpose2d(scores[:, i:i + 1], w, stride=2, padding=1) for i in range(3)]
assert np.allclose(tconv.conv_transpose2d(scores, w3, stride=2, padding=1), np.concatenate(separately, axis=1))
print("3 channels in, 3 out: the same as upsampling each channel alone")

# %% [markdown]
# ## 4. The FCN in tconv
#
# `FCN(in_channels, num_classes, base)`: four encoder stages (two 3x3 convolutions each, as in
# the U-Net), a 2x2 max pool after each of the first three, so the last stage works at 1/8 of
# the image. A 1x1 convolution `score` turns its features into class scores at 1/8. Then:
#
# * `up2`: `ConvTranspose2d(K, K, 4, stride=2, padding=1)`, bilinear: the scores to 1/4;
# * `score_skip`: a 1x1 convolution of the 1/4-resolution features (after the second pool),
#   **initialised to zero**, added to them (the *skip fusion*: FCN-16s fuses `pool4`, here the
#   1/4 level);
# * `up4`: `ConvTranspose2d(K, K, 8, stride=4, padding=2)`, bilinear: the sum to full size.
#
# So the finest map the FCN ever predicts is at 1/4 of the image (8x8 for a 32x32 input); the
# last layer only interpolates it: each score is spread over a 4x4 block of pixels (by a tent
# 8 pixels wide).

# %%
tconv.manual_seed(0)
fcn = FCN(in_channels=1, num_classes=3, base=8, batch_norm=True)
rows = fcn.summary((1, 1, 32, 32))
shape_of = {row.name: row.output_shape for row in rows}
assert shape_of["score"] == (1, 3, 4, 4) and shape_of["score_skip"] == (1, 3, 8, 8)
assert shape_of["up2"] == (1, 3, 8, 8) and shape_of["up4"] == (1, 3, 32, 32)
for layer in (fcn.up2, fcn.up4):
    k = layer.weight.shape[-1]
    assert np.allclose(layer.weight.data[1, 1], init.bilinear_kernel((k, k))) and np.all(layer.weight.data[0, 1] == 0)
assert np.all(fcn.score_skip.weight.data == 0) and np.all(fcn.score_skip.bias.data == 0)

# %% [markdown]
# (`stages` is a `ModuleList`, a container the forward pass does not call itself, hence
# "(not called)".)
#
# **At initialisation the skip is silent**: the FCN's output is the coarse 1/8 prediction,
# upsampled bilinearly twice. Compute it by hand from the layers and compare. Training then
# starts from that smooth prediction, and the skip learns a correction at 1/4 (Long et al.
# 2015 initialise the new score layers to zero for this reason).

# %%
batch = np.stack([make_datasets(check_config(dict(samples=1, val_samples=4)))[1][i][0] for i in range(4)])
fcn.eval()
with tconv.no_grad():
    h = F.max_pool2d(fcn.stages[0](Tensor(batch)), 2)
    quarter = F.max_pool2d(fcn.stages[1](h), 2)                            # (4, 16, 8, 8)
    eighth = F.max_pool2d(fcn.stages[2](quarter), 2)
    coarse = fcn.score(fcn.stages[3](eighth))                               # (4, 3, 4, 4)
    by_hand = fcn.up4(fcn.up2(coarse)).data
    by_model = fcn(Tensor(batch)).data
print("coarse scores", coarse.shape, "-> output", by_model.shape)
assert np.allclose(by_hand, by_model, atol=1e-6)

# %% [markdown]
# ## 5. FCN's first idea: a classifier's dense layers are convolutions
#
# Before the upsampling, FCN's first step (Long et al. 2015, section 3.1): a classification
# network flattens its last feature map `(C, h, w)` and applies fully connected layers, so it
# only takes inputs of one size. But `Linear(C·h·w, n)` computes, for output `k`,
# `Σ W[k, (c, i, j)]·x[c, i, j]`: exactly a convolution with `n` kernels of size `h x w`,
# evaluated at the one position where the kernel covers the map. Written as that convolution
# (`tconv.nn.convolutionize`) the same weights slide over a larger map and give one
# classification per window: a coarse map of class scores. The next `Linear(n, m)` becomes a
# 1x1 convolution.

# %%
from tconv import nn

tconv.manual_seed(3)
features = nn.Sequential(nn.Conv2d(1, 4, 3), nn.ReLU(), nn.MaxPool2d(2))        # 14 x 14 -> 4 x 12 x 12 -> 4 x 6 x 6
classifier = nn.Sequential(nn.Flatten(), nn.Linear(4 * 6 * 6, 10), nn.ReLU(), nn.Linear(10, 3))
fully_convolutional = nn.Sequential(nn.convolutionize(classifier[1], (4, 6, 6)), nn.ReLU(),
                                    nn.convolutionize(classifier[3], (10,)))
print(fully_convolutional)
small = np.random.default_rng(5).standard_normal((2, 1, 14, 14)).astype(np.float32)
dense_scores = classifier(features(small)).data                                            # (2, 3)
conv_scores = fully_convolutional(features(small)).data                                    # (2, 3, 1, 1)
assert np.allclose(conv_scores[:, :, 0, 0], dense_scores, atol=1e-5)

# %% [markdown]
# Now a larger image, 22 x 30: the classifier refuses it (its first layer wants exactly 144
# inputs); the convolutional version returns a 5 x 9 map of scores. Each score equals the dense
# classifier's output on the 14 x 14 window of the image it comes from (windows 2 pixels apart,
# the pooling's stride; the feature layers are unpadded, so a window's features are exactly a
# part of the large image's), which the loop below checks, window by window.

# %%
large = np.random.default_rng(6).standard_normal((1, 1, 22, 30)).astype(np.float32)
try:
    classifier(features(large))
except ValueError as error:
    print("the dense classifier:", error)
else:
    raise AssertionError("a 22 x 30 image does not fit a classifier for 14 x 14")
score_map = fully_convolutional(features(large)).data
print("the convolutional classifier: scores of shape", score_map.shape)
assert score_map.shape == (1, 3, 5, 9)
for r in range(5):
    for c in range(9):
        window = large[:, :, 2 * r:2 * r + 14, 2 * c:2 * c + 14]
        assert np.allclose(score_map[0, :, r, c], classifier(features(window)).data[0], atol=1e-5)
print("every score equals the dense classifier on its window")

# %% [markdown]
# That coarse score map is where the rest of FCN starts: it is 1/2 of the input here (1/32 in
# FCN's VGG-16), and the bilinear transposed convolutions of sections 1-4 bring it back to the
# image's size.
#
# ## 6. FCN against U-Net, on the same images
#
# Train both on `tconv train`'s data with its recipe (`tconv.seg.train.recipe`: DiceCE, Adam
# 3e-3 with a cosine schedule, batch norm, flips and 90-degree turns), the same 800 images for
# 3 epochs (300 steps), the same width `base=8`. The helper below is what `tconv train` does,
# without the files.

# %%
N_TRAIN = 96 if TCONV_QUICK else 800
EPOCHS = 2 if TCONV_QUICK else 3
N_VAL = 32 if TCONV_QUICK else 200
settings = dict(samples=N_TRAIN, val_samples=N_VAL, epochs=EPOCHS, base=8)
train_set, val_set, info = make_datasets(check_config(settings))


def train(model_name):
    """Train ``model_name`` as tconv train does; return the model and its history."""
    c = check_config(dict(settings, model=model_name))
    tconv.manual_seed(c["seed"])
    net = make_model(c, info)
    train_loader, val_loader = make_loaders(c, train_set, val_set)
    optimizer = make_optimizer(c, net)
    scheduler = make_scheduler(c, optimizer, len(train_loader))

    def start_epoch(epoch):
        train_loader.transform = make_augmentation(c, info, epoch)

    history = fit(net, train_loader, val_loader, loss=make_loss(c["loss"], info["num_classes"]), optimizer=optimizer,
                  scheduler=scheduler, epochs=c["epochs"], num_classes=info["num_classes"],
                  on_epoch_start=start_epoch, progress=False)
    return net, history


models, histories = {}, {}
for name in ("fcn", "unet"):
    models[name], histories[name] = train(name)
    n_parameters = sum(p.size for p in models[name].parameters())
    print(f"{name:4s}: {n_parameters:7,} parameters, val mIoU per epoch",
          [round(row["val_miou"], 3) for row in histories[name]], f"({histories[name][-1]['elapsed_s']:.0f} s)")

# %% [markdown]
# Score both on the validation set: per-class IoU, and the 95th-percentile Hausdorff distance
# (HD95, in pixels; MONAI's convention: the far end of the distances between the predicted
# and the true outline, averaged over the images that hold the class).

# %%
val_images = np.stack([val_set[i][0] for i in range(len(val_set))])
val_masks = np.stack([val_set[i][1] for i in range(len(val_set))])
_, val_loader = make_loaders(check_config(settings), train_set, val_set)
results = {name: evaluate(net, val_loader, num_classes=3, hd95=True) for name, net in models.items()}
print(f"{'':5s} {'IoU: background':>15s} {'disc':>6s} {'cross':>6s}   {'mIoU':>5s}   {'HD95: disc':>10s} {'cross':>6s}")
for name, r in results.items():
    print(f"{name:5s} {r['iou'][0]:15.3f} {r['iou'][1]:6.3f} {r['iou'][2]:6.3f}   {r['miou']:5.3f}   "
          f"{r['hd95'][0]:10.2f} {r['hd95'][1]:6.2f}")

# %% [markdown]
# The FCN loses on IoU, most on crosses. HD95, the 95th-percentile distance between the
# predicted and the true outline, is a few pixels for both, with the U-Net a little lower.
#
# **Who wins at the borders?** Ignore which shape is which and ask only "shape or
# background?". For every validation pixel, measure its distance to the nearest pixel on the
# other side of a true outline (`scipy.ndimage.distance_transform_edt` of the mask and of its
# complement: 1 for the pixels touching the outline), and count the shape/background errors
# at each distance.

# %%
shape_mask = val_masks > 0
distance = np.stack([distance_transform_edt(m) + distance_transform_edt(~m) for m in shape_mask])
bands = [(0, 1, "1 (touching)"), (1, 2, "(1, 2]"), (2, 3, "(2, 3]"), (3, np.inf, "> 3")]
predictions = {name: predict(net, val_images) for name, net in models.items()}
error_rates = {}
print(f"{'distance to the outline':24s} {'pixels':>7s} {'FCN errors':>11s} {'U-Net errors':>13s}")
for low, high, label in bands:
    band = (distance > low) & (distance <= high)
    rates = [np.mean((predictions[name] > 0)[band] != shape_mask[band]) for name in ("fcn", "unet")]
    error_rates[label] = rates
    print(f"{label:24s} {band.sum():7d} {rates[0]:11.1%} {rates[1]:13.1%}")
if not TCONV_QUICK:
    assert error_rates["1 (touching)"][1] < error_rates["1 (touching)"][0]     # the U-Net wins at the outline
    assert error_rates["> 3"][0] < 0.05 and error_rates["> 3"][1] < 0.05          # far away both are right

# %% [markdown]
# Both are right far from the outlines; near them the U-Net makes fewer errors. Why: the
# FCN's finest prediction is the 8x8 map at 1/4 resolution. `up4` turns each of its scores
# into a smooth 8x8-pixel tent, so where two classes meet the output changes over about 4
# pixels, wherever the true edge lies between them, and a corner of a cross is rounded off.
# The U-Net's decoder concatenates the full-resolution features of its first level before its
# last convolutions, so its outline can move by single pixels. (Long et al. added skips from
# finer levels, FCN-8s, for the same reason.)
#
# The picture: the same four images with both predictions.

# %%
show = np.arange(4)
with styled():
    fig = new_figure(10, 10.5, layout="constrained")
    axes = fig.subplots(4, 4)
    columns = [("ground truth", val_masks), ("FCN", predictions["fcn"]), ("U-Net", predictions["unet"])]
    for row, i in enumerate(show):
        for column, (title, labels) in enumerate(columns):
            axes[row, column].imshow(overlay(val_images[i], labels[i], alpha=0.6))
            axes[row, column].set_title(title)
        differ = (predictions["fcn"][i] > 0) != (predictions["unet"][i] > 0)
        axes[row, 3].imshow(np.where(differ, 0.0, 1.0), cmap="gray", vmin=0, vmax=1)
        axes[row, 3].set_title(f"FCN and U-Net disagree\non shape/background: {differ.sum()} px")
        for ax in axes[row]:
            ax.set_xticks([])
            ax.set_yticks([])
    fig.suptitle("Validation images: orange disc, blue cross (background uncoloured); black = disagreement")
comparison_path = save(fig, OUT / "08_fcn_vs_unet.png")
fig

# %%
with styled():
    fig = new_figure(7, 3.8, layout="constrained")
    ax = fig.subplots()
    positions = np.arange(len(bands))
    for offset, (name, colour) in zip((-0.2, 0.2), (("FCN", OKABE_ITO["vermillion"]), ("U-Net", OKABE_ITO["blue"]))):
        values = [100 * error_rates[label][0 if name == "FCN" else 1] for _, _, label in bands]
        ax.bar(positions + offset, values, width=0.4, color=colour, label=name)
    ax.set_xticks(positions, [label for _, _, label in bands])
    ax.set_xlabel("distance to the nearest true outline (pixels)")
    ax.set_ylabel("errors (% of the band's pixels)")
    ax.legend()
    ax.set_title("Where the errors are: at the outlines")
border_errors_path = save(fig, OUT / "08_border_errors.png")
fig

# %% [markdown]
# **What the skip learned.** Switch the trained skip off (zero its weights again) and score the
# FCN once more: what is lost is what the 1/4-resolution features contributed.

# %%
fcn_trained = models["fcn"]
kept = fcn_trained.score_skip.weight.data.copy(), fcn_trained.score_skip.bias.data.copy()
fcn_trained.score_skip.weight.data[...] = 0
fcn_trained.score_skip.bias.data[...] = 0
without_skip = evaluate(fcn_trained, val_loader, num_classes=3)
fcn_trained.score_skip.weight.data[...], fcn_trained.score_skip.bias.data[...] = kept
with_skip = evaluate(fcn_trained, val_loader, num_classes=3)
print(f"FCN val mIoU with its skip {with_skip['miou']:.3f}, with the skip switched off {without_skip['miou']:.3f}")
assert np.isclose(with_skip["miou"], results["fcn"]["miou"])
if not TCONV_QUICK:
    assert without_skip["miou"] < with_skip["miou"]

# %% [markdown]
# ## Exercises
#
# Each exercise ends with `check("08.k", answer)`, which prints *right*, or *not yet* with a
# hint that does not give the answer away. In a student copy (made by
# `tconv tutorials --student DIR`) every solution is a blank (`...`) for you to fill in; in
# the tutorial itself the solutions are filled in.

# %%
from tconv.exercises import check

# %% [markdown]
# **Exercise 1.** FCN's `up4` is `k = 8, s = 4, p = 2`, with the bilinear kernel (1-D:
# `1 - |r - 3.5| / 4`, i.e. `[.125, .375, .625, .875, .875, .625, .375, .125]`). In the interior
# the rows of its matrix sum to 1 (section 2). Predict the row sums of the first two output
# pixels of a middle row of the 16x16 output, for a 4x4 input (answer two numbers). Hint: which
# part of which tent is missing at the edge? Then build the matrix and look.

# %%
# BEGIN SOLUTION 08.1
# STUDENT: edge_sums = ...                # (row sum of output pixel 0, of output pixel 1) along a row
tent = init.bilinear_kernel(8)
# Input 0 paints its tent on uncropped positions 0..7, input 1 on 4..11: padding 2 crops positions
# 0 and 1, so output pixels 0 and 1 are uncropped positions 2 and 3, which get tent[2] and tent[3]
# from input 0 and nothing from the missing input -1 (whose tent would have covered them too).
edge_sums = (tent[2], tent[3])
# END SOLUTION 08.1
check("08.1", edge_sums)

# %%
w8 = init.bilinear_(np.empty((1, 1, 8, 8)))
M8 = tconv.conv_transpose_matrix(w8, (1, 4, 4), stride=4, padding=2)
sums8 = M8.toarray().sum(axis=1).reshape(16, 16)
print("row sums along a middle row of the 16x16 output:", sums8[8])
assert np.allclose(sums8[2:-2, 2:-2], 1.0)

# %% [markdown]
# (The tent is 8 pixels wide and the inputs 4 apart, so the first two output pixels of each side
# still lie under the tent of the missing input beyond the edge: its weights there, 0.375 and
# 0.125, are what the row sums lack. With k = 4, s = 2 only one pixel did.)
#
# **Exercise 2.** Why is `up4`'s output flat inside? With stride `s`, an interior output pixel
# receives the taps `w[a::s, b::s]` of one *phase* `(a, b)`, one tap from each input that reaches
# it, so a constant input stays constant exactly when every phase sums to the same. Predict the
# four phase sums `K[a::2, b::2].sum()` of a 5x5 all-ones kernel at stride 2, as a 2x2 array
# indexed by `(a, b)`: is it flat, or a checkerboard? Then check the bilinear `k = 8, s = 4`
# kernel, whose 16 phases all sum to 1.

# %%
# BEGIN SOLUTION 08.2
# STUDENT: phase_sums_5 = ...             # a 2x2 array: phase (a, b) at [a, b]
taps_per_phase = [len(range(a, 5, 2)) for a in range(2)]     # phase 0 holds taps 0, 2, 4; phase 1 taps 1, 3
phase_sums_5 = np.outer(taps_per_phase, taps_per_phase)      # all ones: a phase sums to its number of taps
# END SOLUTION 08.2
check("08.2", phase_sums_5)

# %%
k8 = init.bilinear_(np.empty((1, 1, 8, 8)))[0, 0]
phase_sums = np.array([[k8[a::4, b::4].sum() for b in range(4)] for a in range(4)])
print("bilinear k=8, s=4, the 16 phase sums:\n", phase_sums)
assert np.allclose(phase_sums, 1.0)
flat = tconv.conv_transpose2d(np.ones((1, 1, 6, 6)), k8[None, None], stride=4, padding=2)[0, 0]
assert np.allclose(flat[4:-4, 4:-4], 1.0)               # constant in, constant out (inside)

# %% [markdown]
# **Exercise 3.** A zero-initialised layer such as `score_skip`, `y = W x + b` with `W = 0`: after
# one backward pass, which gradient is zero, the one of its *weights* (`dL/dW`), the one it passes
# back to its *input* (`dL/dx`), both, or neither? Answer `"weight"`, `"input"`, `"both"` or
# `"neither"`, then measure both on a fresh FCN.

# %%
# BEGIN SOLUTION 08.3
# STUDENT: zero_gradient = ...            # "weight", "input", "both" or "neither"
# dL/dW = upstream gradient x input: not zero. dL/dx = W^T (upstream gradient): zero, since W = 0.
zero_gradient = "input"
# END SOLUTION 08.3
check("08.3", zero_gradient)

# %%
tconv.manual_seed(1)
fresh = FCN(1, 3, base=4)
features = Tensor(np.random.default_rng(1).standard_normal((2, 8, 8, 8)).astype(np.float32), requires_grad=True)
skip_scores = fresh.score_skip(features)
(skip_scores * Tensor(np.ones((2, 3, 8, 8), np.float32))).sum().backward()
print("|d loss / d weight| =", float(np.abs(fresh.score_skip.weight.grad).sum()),
      "  |d loss / d features| =", float(np.abs(features.grad).sum()))

# %% [markdown]
# (So the skip starts learning at once, without disturbing the encoder through that path.)
#
# **Exercise 4.** A classifier flattens a `16 x 5 x 5` feature map into `Linear(400, 64)`.
# Convolutionized, which kernel size does that layer get, and what size is its score map when
# the feature map is `16 x 12 x 9`? Answer `((kh, kw), (rows, columns))`.

# %%
# BEGIN SOLUTION 08.4
# STUDENT: answer_08_4 = ...              # ((kh, kw), (rows, columns))
answer_08_4 = ((5, 5), (12 - 5 + 1, 9 - 5 + 1))
# END SOLUTION 08.4
check("08.4", answer_08_4)

# %%
layer_08_4 = nn.convolutionize(nn.Linear(400, 64), (16, 5, 5))
print(layer_08_4.kernel_size, layer_08_4(np.zeros((1, 16, 12, 9), np.float32)).shape[2:])
