# ---
# jupyter:
#   jupytext:
#     formats: py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
# ---

# %% [markdown]
# # Tutorial 6: a U-Net on synthetic shapes, end to end
#
# Build a U-Net (Ronneberger, Fischer & Brox 2015), check its shapes, find the transposed
# convolution in its decoder and connect it to the matrix `C.T` of tutorials 1-3, train it on
# seeded synthetic images of discs and crosses, look at its predictions and its worst
# failures, compare the three decoders tconv offers, and finally do the same from the command
# line with `tconv train`, `tconv predict` and `tconv evaluate`.
#
# Read first: tutorial 1 (the matrix `C` and its transpose), tutorial 2 (gradients are
# transposed convolutions) and tutorial 3 (checkerboards).
#
# Runtime: in the [runtime table](README.md#runtimes); most of it is training.
# `TCONV_QUICK=1` shrinks the training runs to a few seconds; the numbers quoted in the text
# are those of the full run.
# Figures go to `$TCONV_TUTORIAL_OUTPUT` (default: `tutorial_figures/` in the current folder).

# %%
# %matplotlib inline
import contextlib
import io
import json
import os
import shutil
import time
from pathlib import Path

import numpy as np
from PIL import Image

import tconv
from tconv import Tensor
from tconv.cli import main as tconv_command
from tconv.optim import Adam
from tconv.optim.lr_scheduler import CosineAnnealingLR
from tconv.seg.augment import Compose, HorizontalFlip, RandomRotate90, VerticalFlip
from tconv.seg.data import DataLoader, SyntheticShapes
from tconv.seg.labels import one_hot
from tconv.seg.losses import DiceCELoss
from tconv.seg.metrics import ConfusionMatrix, compute_iou
from tconv.seg.models import UNet, upsampler
from tconv.seg.train import evaluate, fit, predict
from tconv.seg.train.inference import load_model
from tconv.seg.train.recipe import DEFAULTS, SHAPES, SYNTHETIC, check_config, make_datasets
from tconv.viz import overlay, plot_history, plot_predictions, save
from tconv.viz.style import new_figure, styled

np.set_printoptions(precision=3, suppress=True, linewidth=100)
TCONV_QUICK = os.environ.get("TCONV_QUICK") == "1"
OUT = Path(os.environ.get("TCONV_TUTORIAL_OUTPUT", "tutorial_figures"))
OUT.mkdir(exist_ok=True)

# %% [markdown]
# ## 1. The data: `tconv train`'s synthetic shapes
#
# `tconv train` without flags trains on `SyntheticShapes`: grey 32x32 images with one or two
# shapes each, class 1 a disc and class 2 a cross, class 0 the background. Its difficulty knobs
# are `tconv.seg.train.recipe.SYNTHETIC`; the training images use seed 0 and the validation
# images seed 1, so no validation image is also a training image. Every item is drawn from its
# own generator, `(seed, index)`, so the same seed gives the same images on any machine, and
# the sets below are exactly the ones `tconv train` makes (checked against its recipe).

# %%
print("recipe knobs (2-D):", SYNTHETIC[2])
print("2-D shape classes, in the order --classes takes them:", SHAPES[2])
SIZE = 32
CLASSES = ("disc", "cross")
N_TRAIN = 96 if TCONV_QUICK else 800
N_VAL = 32 if TCONV_QUICK else 200
train_set = SyntheticShapes(N_TRAIN, size=SIZE, shapes=CLASSES, seed=0, **SYNTHETIC[2])
val_set = SyntheticShapes(N_VAL, size=SIZE, shapes=CLASSES, seed=1, **SYNTHETIC[2])
print(train_set, "\n", val_set, "\nclass names:", train_set.class_names)

image, mask = train_set[0]
print("image", image.shape, image.dtype, f"values {image.min():.2f}..{image.max():.2f}")
print("mask ", mask.shape, mask.dtype, "classes present:", np.unique(mask))
assert image.shape == (1, SIZE, SIZE) and image.dtype == np.float32
assert mask.shape == (SIZE, SIZE) and mask.dtype == np.int64
assert 0.0 <= image.min() and image.max() <= 1.0 and set(np.unique(mask)) <= {0, 1, 2}
assert train_set.class_names == ("background", "disc", "cross")
recipe_train, recipe_val, info = make_datasets(check_config(dict(samples=4, val_samples=4)))
for i in range(4):
    assert np.array_equal(recipe_train[i][0], train_set[i][0]) and np.array_equal(recipe_val[i][1], val_set[i][1])
print("tconv train's data description:", info)

# %% [markdown]
# Brightness does not tell the class: every shape's contrast is drawn from the same range and
# is darker or brighter than a background that itself varies (`dark_fraction` 0.5). The
# network has to learn *shape*. `ds.shapes(i)` lists what item `i` holds, without drawing it.
# Most pixels are background, so a network that predicts "background" everywhere would already
# have a high pixel accuracy (about 75%): that is why we measure IoU and Dice per class instead.

# %%
records = [s for i in range(len(train_set)) for s in train_set.shapes(i)]
for name in CLASSES:
    signs = [np.sign(s.contrast) for s in records if s.name == name]
    print(f"{name:6s}: {len(signs):4d} shapes, {signs.count(-1.0):4d} darker and {signs.count(1.0):4d} "
          "brighter than the background")
    assert signs.count(-1.0) > 0 and signs.count(1.0) > 0
val_images = np.stack([val_set[i][0] for i in range(len(val_set))])
val_masks = np.stack([val_set[i][1] for i in range(len(val_set))])
pixel_share = np.bincount(val_masks.ravel(), minlength=3) / val_masks.size
print("share of pixels (background, disc, cross):", pixel_share,
      f"-> 'all background' would be {pixel_share[0]:.0%} accurate")
assert pixel_share[0] > 0.7

# %% [markdown]
# The first eight training images, and their masks coloured over them (background uncoloured).

# %%
with styled():
    fig = new_figure(11, 3.6, layout="constrained")
    axes = fig.subplots(2, 8)
    for column in range(8):
        image, mask = train_set[column]
        shown = axes[0, column].imshow(image[0], cmap="gray", vmin=0, vmax=1)
        axes[1, column].imshow(overlay(image, mask, alpha=0.6))
        names = sorted({s.name for s in train_set.shapes(column)})
        axes[0, column].set_title(f"item {column}: " + " + ".join(names), fontsize=9)
        for ax in axes[:, column]:
            ax.set_xticks([])
            ax.set_yticks([])
    axes[0, 0].set_ylabel("image")
    axes[1, 0].set_ylabel("mask over it\n(orange disc,\nblue cross)")
    fig.colorbar(shown, ax=axes[0, :], shrink=0.9, label="intensity")
    fig.suptitle("Synthetic shapes: 32x32, seed 0 (tconv train's data)")
data_path = save(fig, OUT / "06_data.png")
fig

# %% [markdown]
# **Augmentation.** `tconv train` flips and turns each training image by multiples of 90
# degrees, image and mask together (albumentations' calling convention:
# `aug(image=..., mask=...)` returns a dict). A disc stays a disc and a cross a cross under
# these moves, so the labels stay right. One `Compose` per epoch, seeded by the epoch: every
# epoch sees different flips, every rerun the same ones.

# %%
def augmentation(epoch):
    return Compose([HorizontalFlip(), VerticalFlip(), RandomRotate90()], seed=1000 + epoch)


moved = augmentation(0)(image=image, mask=mask)
print("pixels per class before:", np.bincount(mask.ravel(), minlength=3),
      " after:", np.bincount(moved["mask"].ravel(), minlength=3))
assert np.array_equal(np.bincount(moved["mask"].ravel(), minlength=3), np.bincount(mask.ravel(), minlength=3))
assert np.array_equal(np.sort(moved["image"].ravel()), np.sort(image.ravel()))   # the same pixels, moved

# %% [markdown]
# ## 2. The model, and its shapes
#
# `UNet(depth=3)` pools three times: it works at 32, 16, 8 and (the bottom) 4 pixels. Each
# level is two 3x3 convolutions with batch norm and ReLU ("same" padding, so sizes only change
# at the poolings and the upsamplings), `base` channels at full resolution doubling at every
# level. Going up, the decoder upsamples by 2, concatenates the encoder's map of that size
# (the skip connection) and applies two more convolutions; a 1x1 convolution gives one score
# (logit) per class and pixel.
#
# `tconv train` uses `base=16`. We train `base=8` here: a convolution's cost grows with the
# product of its input and output channels, so halving the width makes it about 4x cheaper,
# and the tutorial stays under a minute. `summary` runs a zero input through the model and
# lists every layer's output shape and parameter count.

# %%
BASE = 8
tconv.manual_seed(0)                              # the initial weights
model = UNet(in_channels=1, num_classes=3, base=BASE, depth=3, up="transpose", batch_norm=True)
rows = model.summary((1, 1, SIZE, SIZE))
shape_of = {row.name: row.output_shape for row in rows}
assert [shape_of[f"encoder.{level}"] for level in range(3)] == [(1, 8, 32, 32), (1, 16, 16, 16), (1, 32, 8, 8)]
assert shape_of["bottleneck"] == (1, 64, 4, 4)
assert [shape_of[f"up.{i}"] for i in range(3)] == [(1, 32, 8, 8), (1, 16, 16, 16), (1, 8, 32, 32)]
assert shape_of["head"] == (1, 3, 32, 32)                 # one logit per class and pixel: the input's size
n_parameters = sum(p.size for p in model.parameters())
n_default = sum(p.size for p in UNet(1, 3, base=16, depth=3, batch_norm=True).parameters())
print(f"base=8: {n_parameters:,} parameters; tconv train's base=16: {n_default:,} ({n_default / n_parameters:.1f}x)")

# %% [markdown]
# (A `ModuleList` such as `encoder` is a container that the forward pass never calls itself,
# hence "(not called)"; its children are.)
#
# ## 3. The transposed convolution in the decoder
#
# `model.up[0]` takes the 4x4 bottom map to 8x8: a `ConvTranspose2d(64, 32, kernel_size=2,
# stride=2)`. Its weight has PyTorch's *transposed* layout `(C_in, C_out, kh, kw)` (tutorial 1),
# and its output size is `(i - 1) * 2 - 2 * 0 + 2 = 2 i`: exactly double, with no padding and
# no `output_padding` to choose.

# %%
up = model.up[0]
print(up)
print("weight", up.weight.shape, "bias", up.bias.shape)
assert up.weight.shape == (64, 32, 2, 2)
assert tconv.conv_transpose_output_size(4, 2, stride=2) == 8

# %% [markdown]
# **Its matrix, on a tiny case.** Take one input and one output channel of its kernel (still
# the random initial one) and a 2x2 input. `tconv.conv_transpose_matrix` builds the 16x4 matrix `M` with
# `conv_transpose(y) = M @ vec(y)`, and `M` is the transpose of the stride-2 convolution that
# maps 4x4 to 2x2 with the same kernel (tutorial 1's `C.T`). Because the kernel size equals
# the stride, the four copies of the kernel do not overlap: every row of `M` has exactly one
# nonzero, every output pixel comes from exactly one input pixel, and the geometry paints no
# checkerboard of uneven overlap (tutorial 3). What the kernel's values paint is another
# matter (section 7).

# %%
w_tiny = up.weight.data[:1, :1].astype(np.float64)         # (1, 1, 2, 2)
M = tconv.conv_transpose_matrix(w_tiny, (1, 2, 2), stride=2)
print("the kernel w[0, 0]:\n", w_tiny[0, 0])
print(f"M ({M.shape[0]} x {M.shape[1]}), as a 4x4 image per input pixel:")
for column in range(4):
    print(f"input pixel {column} paints\n", M.toarray()[:, column].reshape(4, 4))
C_conv = tconv.conv_matrix(w_tiny, (1, 4, 4), stride=2)
assert np.array_equal(M.toarray(), C_conv.toarray().T)
assert np.all(np.count_nonzero(M.toarray(), axis=1) == 1)
y_tiny = np.array([[1.0, 2.0], [3.0, 4.0]])
assert np.allclose((M @ y_tiny.reshape(-1)).reshape(4, 4),
                   tconv.conv_transpose2d(y_tiny[None, None], w_tiny, stride=2)[0, 0])

# %% [markdown]
# **The whole layer is one matrix too.** With all 64 input and 32 output channels on a 2x2
# input, `M` is `(32*4*4) x (64*2*2)`; the layer computes `M @ vec(x) + bias`. And, as in
# tutorial 2, the layer's gradient with respect to its input is the *convolution* with the
# same weight and stride: the backward pass of the upsampler is a downsampler.

# %%
rng = np.random.default_rng(0)
x_small = rng.standard_normal((1, 64, 2, 2)).astype(np.float32)
M_layer = tconv.conv_transpose_matrix(up.weight.data, (64, 2, 2), stride=2)
by_matrix = (M_layer @ x_small.reshape(-1)).reshape(32, 4, 4) + up.bias.data[:, None, None]
print("M for the whole layer:", M_layer.shape)
assert M_layer.shape == (32 * 16, 64 * 4)
x_tensor = Tensor(x_small, requires_grad=True)
layer_out = up(x_tensor)
np.testing.assert_allclose(layer_out.data[0], by_matrix, rtol=1e-5, atol=1e-6)
layer_out.sum().backward()
np.testing.assert_allclose(x_tensor.grad, tconv.conv2d(np.ones((1, 32, 4, 4), np.float32), up.weight.data,
                                                       stride=2), rtol=1e-5, atol=1e-6)

# %% [markdown]
# ## 4. Training
#
# The recipe of `tconv train` (`tconv/seg/train/recipe.py`), written out:
#
# * loss: Dice + cross-entropy, MONAI's `DiceCELoss(to_onehot_y=True, softmax=True)`. MONAI's
#   losses take the class ids with a channel axis, `(N, 1, H, W)`, hence `masks[:, None]`;
# * optimizer: Adam, learning rate 3e-3, following half a cosine down to 0 over the whole run,
#   one scheduler step per batch;
# * batches of 8, shuffled with a seed, flipped and turned as above (a new draw every epoch).
#
# `fit` runs the five lines of a training step (forward, loss, `zero_grad`, `backward`,
# `step`) over the batches, evaluates the validation set after every epoch (mIoU and Dice over
# the two shape classes, pooled over all validation pixels) and returns one row per epoch.
# The full run here is 800 images x 3 epochs = 300 steps; `tconv train` does 1000 x 4.
#
# (If a step takes far longer than the times printed below, the machine is probably busy with
# other work: with fewer free cores than threads, the threads wait for each other, and
# `tconv.set_num_threads(1)` can make training several times faster.)

# %%
EPOCHS = 2 if TCONV_QUICK else 3
dice_ce = DiceCELoss(to_onehot_y=True, softmax=True)


def loss_fn(logits, masks):
    return dice_ce(logits, masks[:, None])


def make_training(net, epochs, train_data, batch_size=DEFAULTS["batch_size"], lr=DEFAULTS["lr"]):
    """The loader, optimizer and schedule of tconv train, for ``net``."""
    loader = DataLoader(train_data, batch_size=batch_size, shuffle=True, seed=0)
    optimizer = Adam(net.parameters(), lr=lr)
    scheduler = CosineAnnealingLR(optimizer, T_max=epochs * len(loader))
    return loader, optimizer, scheduler


def set_augmentation(loader):
    """An ``on_epoch_start`` callback: epoch ``e`` gets its own flips and turns."""
    def start(epoch):
        loader.transform = augmentation(epoch)
    return start


train_items = [train_set[i] for i in range(len(train_set))]      # drawn once, kept in memory
val_loader = DataLoader(list(zip(val_images, val_masks)), batch_size=16)
loader, optimizer, scheduler = make_training(model, EPOCHS, train_items)
print(f"{len(loader)} steps per epoch, {EPOCHS} epochs")
per_class_iou = []                                     # filled after every epoch


def record_classes(row):
    """An ``on_epoch_end`` callback: keep the epoch's IoU of each class."""
    per_class_iou.append(evaluate(model, val_loader, num_classes=3)["iou"])


start = time.perf_counter()
history = fit(model, loader, val_loader, loss=loss_fn, optimizer=optimizer, scheduler=scheduler, epochs=EPOCHS,
              num_classes=3, on_epoch_start=set_augmentation(loader), on_epoch_end=record_classes, progress=False)
train_seconds = time.perf_counter() - start
print(f"{'epoch':>5} {'train loss':>10} {'val loss':>9} {'val mIoU':>9} {'val Dice':>9}   IoU: disc  cross")
for row, iou in zip(history, per_class_iou):
    print(f"{row['epoch']:5d} {row['train_loss']:10.4f} {row['val_loss']:9.4f} {row['val_miou']:9.3f} "
          f"{row['val_dice']:9.3f}   {iou[1]:9.3f} {iou[2]:6.3f}")
print(f"trained in {train_seconds:.0f} s")
assert history[-1]["train_loss"] < history[0]["train_loss"]
assert np.isclose(history[-1]["val_miou"], np.mean(per_class_iou[-1][1:]))   # mIoU: the mean of the two
if not TCONV_QUICK:
    assert history[-1]["val_miou"] > 0.6
    assert per_class_iou[0][1] > per_class_iou[0][2]      # discs are learned first

# %% [markdown]
# The network learns *where* the shapes are before it learns *which* shape is which: after
# the first epoch the disc's IoU is well ahead of the cross's; telling crosses from discs comes
# later. The learning curves below show the mean of the two.
# `tconv train`'s full run (base 16, 1000 images x 4 epochs; its time is in docs/benchmarks.md) reaches a
# validation mIoU of about 0.91.

# %%
fig = plot_history(history)
curves_path = save(fig, OUT / "06_curves.png")
fig

# %% [markdown]
# ## 5. Predictions
#
# `predict` returns the argmax of the logits, one class id per pixel (in eval mode: batch norm
# uses its running statistics, as at test time). `evaluate` gives the per-class scores.

# %%
val_pred = predict(model, val_images)
scores = evaluate(model, val_loader, num_classes=3)
for k, name in enumerate(val_set.class_names):
    print(f"{name:10s} IoU {scores['iou'][k]:.3f}  Dice {scores['dice'][k]:.3f}")
print(f"foreground mIoU {scores['miou']:.3f}, pixel accuracy {scores['pixel_accuracy']:.3f}")
assert abs(scores["miou"] - history[-1]["val_miou"]) < 1e-9       # what fit reported
fig = plot_predictions(val_images[:6], val_masks[:6], val_pred[:6], class_names=val_set.class_names)
predictions_path = save(fig, OUT / "06_predictions.png")
fig

# %% [markdown]
# ## 6. Failures: the worst validation images
#
# A mean over 200 images hides its failures. Score each image alone: the IoU of each shape
# class (MONAI's `compute_iou` on one-hot masks; with `ignore_empty=False`, a class absent from
# the image and from the prediction scores 1, a class predicted but absent scores 0), averaged
# over the two classes. Then look at the worst four.

# %%
per_class = compute_iou(one_hot(val_pred[:, None], 3), one_hot(val_masks[:, None], 3),
                        include_background=False, ignore_empty=False)      # (N, 2): disc, cross
per_image = per_class.mean(axis=1)
worst = np.argsort(per_image, kind="stable")[:4]
for i in worst:
    truth = sorted({s.name for s in val_set.shapes(int(i))})
    print(f"image {i:3d}: IoU {per_image[i]:.3f} (disc {per_class[i, 0]:.2f}, cross {per_class[i, 1]:.2f}); "
          f"holds {' + '.join(truth)}")
assert per_class.shape == (len(val_set), 2) and np.all((0 <= per_class) & (per_class <= 1))
fig = plot_predictions(val_images[worst], val_masks[worst], val_pred[worst], class_names=val_set.class_names)
failures_path = save(fig, OUT / "06_failures.png")
fig

# %% [markdown]
# Look at the figure: in most of the worst images one shape is painted over another. A disc
# with a cross painted over it is no longer a solid disc (a ring around the cross, or a
# crescent), and the network, which learned "round means disc", calls what is left a cross.
#
# Some failures are not the network's fault. When the disc and the cross are both darker (or
# both brighter) than the background by about as much, they are clipped to the same grey and
# the image shows one blob: the arms of the cross stick out of the disc, but inside the disc
# nothing shows which pixels are "cross" and which "disc". That part of the label is
# *ambiguous*: it comes from how the generator drew the shapes, not from the image, and no
# model can get it right except by guessing. The cell below finds these images among the
# validation images that hold both shapes (their disc and cross pixels differ in mean intensity
# by less than the noise), says whether any of the four worst is one, and draws the three of
# them the model scores worst: look for the blob.

# %%
noise = SYNTHETIC[2]["noise_std"]
both = [i for i in range(len(val_set)) if {1, 2} <= set(np.unique(val_masks[i]))]
gap = {i: abs(val_images[i, 0][val_masks[i] == 1].mean() - val_images[i, 0][val_masks[i] == 2].mean())
       for i in both}
ambiguous = [i for i in both if gap[i] < noise]
print(f"{len(ambiguous)} of the {len(both)} validation images with both shapes are one blob (disc and cross "
      f"differ in mean intensity by less than the noise, {noise})")
print("ambiguous among the four worst:", [int(i) for i in worst if int(i) in ambiguous] or "none in this run")
if not TCONV_QUICK:
    assert len(ambiguous) >= 3                                 # the data hold such labels (seeded)
if ambiguous:
    shown = sorted(ambiguous, key=lambda i: per_image[i])[:3]
    fig = plot_predictions(val_images[shown], val_masks[shown], val_pred[shown], class_names=val_set.class_names)
    ambiguous_path = save(fig, OUT / "06_ambiguous.png")
    fig

# %% [markdown]
# The whole validation set says the same: images with two shapes score lower than images with
# one.

# %%
n_shapes = np.array([len(val_set.shapes(i)) for i in range(len(val_set))])
for n in (1, 2):
    print(f"images with {n} shape(s): {np.sum(n_shapes == n):3d}, mean IoU {per_image[n_shapes == n].mean():.3f}")
if not TCONV_QUICK:
    assert np.sum(n_shapes[worst] == 2) >= 2                   # most of the worst hold two shapes
    assert per_image[n_shapes == 2].mean() < per_image[n_shapes == 1].mean()

# %% [markdown]
# What kind of mistakes are they? The confusion matrix over the whole validation set (rows:
# the truth, columns: the prediction) separates *class swaps* (a disc called a cross) from
# *outline* errors (shape against background). And where do the outline errors sit? Most
# sit right at an edge, where one noisy pixel decides.

# %%
confusion = ConfusionMatrix(3)
confusion.update(val_pred, val_masks)
table = confusion.matrix
print("rows = truth, columns = prediction (background, disc, cross):\n", table)
swaps = table[1, 2] + table[2, 1]
outline = table[0, 1:].sum() + table[1:, 0].sum()
print(f"wrong pixels: {swaps} class swaps, {outline} shape/background")
padded = np.pad(val_masks, ((0, 0), (1, 1), (1, 1)), mode="edge")
neighbours = [padded[:, 1 + dy:1 + dy + SIZE, 1 + dx:1 + dx + SIZE] for dy in (-1, 0, 1) for dx in (-1, 0, 1)]
near_edge = np.any([n != val_masks for n in neighbours], axis=0)      # a 3x3 neighbour has another class
wrong = val_pred != val_masks
outline_wrong = wrong & ((val_pred == 0) | (val_masks == 0))
share_near_edge = (outline_wrong & near_edge).sum() / max(outline_wrong.sum(), 1)
print(f"{near_edge.mean():.0%} of the pixels are next to an edge; they hold {share_near_edge:.0%} of the "
      "shape/background errors")
assert swaps + outline == wrong.sum()
if not TCONV_QUICK:
    assert share_near_edge > 0.5

# %% [markdown]
# ## 7. Three decoders
#
# `UNet(up=...)` chooses how the decoder doubles the size (the checkerboard discussion of
# Odena, Dumoulin & Olah 2016; tutorial 3):
#
# * `"transpose"`: a learned `ConvTranspose2d(C_in, C_out, 2, stride=2)` (U-Net's
#   up-convolution), PyTorch's default random initialisation;
# * `"resize"`: nearest-neighbour resize by 2, then a 3x3 convolution;
# * `"bilinear"`: a `ConvTranspose2d(C_in, C_out, 4, stride=2, padding=1)` initialised as
#   bilinear interpolation (FCN, Long et al. 2015; tutorial 8), learned afterwards. Output
#   channel `j` starts as the upsampled mean of the input channels `j, j + C_out, ...`.
#
# Per pair of input and output channels they hold 4, 9 and 16 weights, and an output pixel
# costs 1, 9 and 4 multiply-adds: with kernel 2 and stride 2 each output pixel sees one tap;
# a 3x3 convolution after the resize sees nine; a 4x4 kernel at stride 2 overlaps evenly,
# two taps per axis.

# %%
tconv.manual_seed(0)
layers = {kind: upsampler(kind, 16, 8) for kind in ("transpose", "resize", "bilinear")}
for kind, layer in layers.items():
    print(f"{kind:9s}: {sum(p.size for p in layer.parameters()):5d} parameters (16 -> 8 channels)")
assert [sum(p.size for p in layer.parameters()) for layer in layers.values()] == [16 * 8 * k + 8 for k in (4, 9, 16)]

# %% [markdown]
# **At initialisation, on a constant input.** Feed each upsampler all ones. The transposed
# convolution with kernel = stride gives every output pixel exactly one kernel tap, so it
# paints the 2x2 tile `sum over input channels of W[:, o] + bias[o]` over and over: a periodic
# pattern, before any training. Resize + convolution gives a constant (away from the zero
# padding of the border), and the bilinear layer gives exactly the input's mean, 1.

# %%
ones = np.ones((1, 16, 8, 8), np.float32)
painted = {kind: layer(ones).data[0, 0] for kind, layer in layers.items()}    # output channel 0, 16x16
W, b = layers["transpose"].weight.data, layers["transpose"].bias.data
tile = W[:, 0].sum(axis=0) + b[0]
assert np.allclose(painted["transpose"], np.tile(tile, (8, 8)), atol=1e-6)
conv = layers["resize"][1]
assert np.allclose(painted["resize"][1:-1, 1:-1], conv.weight.data[0].sum() + conv.bias.data[0], atol=1e-6)
assert np.allclose(painted["bilinear"][1:-1, 1:-1], 1.0, atol=1e-6)
interior = {kind: float(image[1:-1, 1:-1].std()) for kind, image in painted.items()}
for kind, spread in interior.items():
    print(f"{kind:9s}: spread (std) of the interior on a constant input {spread:.4f}")
assert interior["transpose"] > 0.01 and interior["resize"] < 1e-6 and interior["bilinear"] < 1e-6

# %%
with styled():
    fig = new_figure(10, 3.9, layout="constrained")
    axes = fig.subplots(1, 3)
    low = min(float(image.min()) for image in painted.values())
    high = max(float(image.max()) for image in painted.values())
    for ax, (kind, image) in zip(axes, painted.items()):
        shown = ax.imshow(image, cmap="cividis", vmin=low, vmax=high)
        ax.set_title(f'up="{kind}"\ninterior std {interior[kind]:.3f}')
        ax.set_xlabel("x (output pixel)")
    axes[0].set_ylabel("y (output pixel)")
    fig.colorbar(shown, ax=axes, label="output channel 0 (one colour scale for all)")
    fig.suptitle("Each decoder's x2 upsampler at initialisation, on a constant 8x8 input of ones")
decoders_init_path = save(fig, OUT / "06_decoders_at_init.png")
fig

# %% [markdown]
# The transposed convolution's tile is a pattern of period 2 that the layers after it must
# learn to undo (or to use); the other two start smooth.
#
# **Short runs.** Train a U-Net with each decoder on the same images, from the same seed, for
# the same 40 steps (`TCONV_QUICK`: 12), and score them before and after. Forty steps is early
# in training (the run of section 4 told crosses from discs only after 100-200 steps): what a
# short run shows is that all three learn with the same recipe (the validation loss falls for
# each) and what a step of each costs here. It cannot rank them; their order after 40 steps
# changes with the seed. The full comparison, `python benchmarks/bench_segmentation.py
# --decoders` (each decoder trained as `tconv train` does, 4 epochs; docs/benchmarks.md), gives
# `up="transpose"` mIoU 0.909, `"bilinear"` 0.881 and `"resize"` 0.856 on these shapes.

# %%
SHORT_IMAGES = 96 if TCONV_QUICK else 320
decoder_rows = []
for kind in ("transpose", "resize", "bilinear"):
    tconv.manual_seed(0)
    net = UNet(1, 3, base=BASE, depth=3, up=kind, batch_norm=True)
    before = evaluate(net, val_loader, num_classes=3, loss_fn=loss_fn)
    short_loader, short_optimizer, short_scheduler = make_training(net, 1, train_items[:SHORT_IMAGES])
    start = time.perf_counter()
    fit(net, short_loader, None, loss=loss_fn, optimizer=short_optimizer, scheduler=short_scheduler, epochs=1,
        num_classes=3, on_epoch_start=set_augmentation(short_loader), progress=False)
    step_ms = 1000 * (time.perf_counter() - start) / len(short_loader)
    result = evaluate(net, val_loader, num_classes=3, loss_fn=loss_fn)
    decoder_rows.append(dict(up=kind, loss_before=before["loss"], loss=result["loss"], miou=result["miou"],
                             iou=result["iou"], step_ms=step_ms))
print(f"after {len(short_loader)} steps:")
print(f"{'up':10s} {'val loss: before':>16s} {'after':>6s} {'val mIoU':>9s} {'IoU: disc':>10s} {'cross':>6s} "
      f"{'ms per step':>12s}")
for row in decoder_rows:
    print(f"{row['up']:10s} {row['loss_before']:16.3f} {row['loss']:6.3f} {row['miou']:9.3f} {row['iou'][1]:10.3f} "
          f"{row['iou'][2]:6.3f} {row['step_ms']:12.0f}")
assert all(row["loss"] < row["loss_before"] for row in decoder_rows)      # every decoder learns

# ## 8. The same from the command line
#
# `tconv train` does sections 1-5 in one command and writes a *run folder*; `tconv predict`
# segments image files with the model it saved; `tconv evaluate` scores it on a folder of
# images and masks. Below they run in a folder inside `OUT`, through `tconv.cli.main`, which
# is what the `tconv` command calls: type the printed lines in a terminal to do the same.
# To stay fast, the run is tiny and easier than the default: `--classes 2` keeps only the
# discs (class 1) and the background, and three epochs of 256 images (96 steps) train a narrow
# `--base 8 --depth 2` U-Net. Without flags, `tconv train` runs the full recipe.

# %%
run_dir = OUT / "06_cli_run"
shutil.rmtree(run_dir, ignore_errors=True)                 # a fresh run each time
train_argv = ["train", "--classes", "2", "--samples", "256", "--val-samples", "32", "--epochs", "3",
              "--base", "8", "--depth", "2", "--out", str(run_dir), "--no-progress"]
print("$ tconv " + " ".join(train_argv))
assert tconv_command(train_argv) == 0
print("\nthe run folder holds:", sorted(p.name for p in run_dir.iterdir()))
assert sorted(p.name for p in run_dir.iterdir()) == ["config.json", "confusion.png", "curves.png", "errors.png",
                                                    "history.json", "last.npz", "metrics.json", "model.npz",
                                                    "per_class.txt", "predictions.png", "probability.png", "worst.png"]
cli_curves_path = run_dir / "curves.png"
cli_predictions_path = run_dir / "predictions.png"

# %% [markdown]
# * `config.json`: the whole configuration, defaults filled in (so the run can be repeated);
# * `history.json`: one row per epoch, as `fit` returned above (`tconv figure training RUN`
#   draws it);
# * `model.npz`: the weights of the best epoch by validation mIoU, with the model's
#   configuration, so `tconv predict` needs no other flag;
# * `last.npz`: the last epoch with the optimizer's state, to continue with `--resume`;
# * `curves.png`, `predictions.png`: the figures of sections 4 and 5;
# * the diagnostics of `model.npz` on the held-out images: `per_class.txt` and `metrics.json`
#   (IoU, Dice, precision and recall per class), `confusion.png`, `errors.png` (true and false
#   positives and negatives), `probability.png` (one class before the argmax) and `worst.png`
#   (the held-out images of lowest IoU); `tconv evaluate --out DIR` writes the same for any folder.

# %%
config = json.loads((run_dir / "config.json").read_text())
print({key: config[key] for key in ("model", "up", "base", "depth", "classes", "size", "samples", "loss", "lr",
                                    "epochs")})
print("(size null: the synthetic data's default side, 32)")
checkpoint = tconv.load(run_dir / "model.npz")
print("model.npz holds:", sorted(checkpoint))
print("model configuration:", checkpoint["model_config"])
assert config["size"] is None and config["classes"] == 2 and checkpoint["format"] == "tconv.seg/1"

# %% [markdown]
# **Your own images.** `tconv predict` and `tconv evaluate` read image files. Write six
# images of discs (drawn with the validation seed, 1) and their masks as PNGs in the layout
# `tconv train --data` reads: `DIR/images/NAME.png` and `DIR/masks/NAME.png`, a mask's pixel
# values being the class ids.

# %%
disc_set = SyntheticShapes(6, size=SIZE, shapes=("disc",), seed=1, **SYNTHETIC[2])
data_dir = run_dir / "my_discs"
for sub in ("images", "masks"):
    (data_dir / sub).mkdir(parents=True)
for i in range(len(disc_set)):
    image, mask = disc_set[i]
    Image.fromarray(np.round(image[0] * 255).astype(np.uint8)).save(data_dir / "images" / f"shape{i}.png")
    Image.fromarray(mask.astype(np.uint8)).save(data_dir / "masks" / f"shape{i}.png")
predict_argv = ["predict", str(run_dir / "model.npz"), str(data_dir / "images"), "--out", str(run_dir / "predicted")]
print("$ tconv " + " ".join(predict_argv))
assert tconv_command(predict_argv) == 0
written = sorted(p.name for p in (run_dir / "predicted").iterdir())
print(written)
assert written[:2] == ["shape0.png", "shape0_overlay.png"] and len(written) == 12

# %% [markdown]
# `shape0.png` holds the predicted class of every pixel; the same model loaded in Python, on
# the same 8-bit image, gives the same answer.

# %%
cli_model, _ = load_model(run_dir / "model.npz")
as_read = np.asarray(Image.open(data_dir / "images" / "shape0.png"), np.float32)[None, None] / 255
from_file = np.asarray(Image.open(run_dir / "predicted" / "shape0.png"))
assert np.array_equal(from_file, predict(cli_model, as_read)[0])

# %%
evaluate_argv = ["evaluate", str(run_dir / "model.npz"), "--data", str(data_dir)]
print("$ tconv " + " ".join(evaluate_argv))
printed = io.StringIO()
with contextlib.redirect_stdout(printed):
    assert tconv_command(evaluate_argv) == 0
print(printed.getvalue())
assert "mIoU (foreground)" in printed.getvalue()

# %% [markdown]
# HD95 is the 95th-percentile Hausdorff distance between the predicted and the true outline,
# in pixels (MONAI's convention): IoU says how much overlaps, HD95 how far the outline strays.
# Image by image, the model found every disc:

# %%
for i in range(len(disc_set)):
    found = np.asarray(Image.open(run_dir / "predicted" / f"shape{i}.png")) == 1
    truth = np.asarray(Image.open(data_dir / "masks" / f"shape{i}.png")) == 1
    disc_iou = (found & truth).sum() / (found | truth).sum()
    print(f"shape{i}.png: disc IoU {disc_iou:.3f}")
    assert disc_iou > 0.6, f"shape{i}.png: the model of this small run missed the disc"

# %% [markdown]
# This model of discs only, three epochs on 256 images, is a toy; `tconv train` with no flags
# trains the real one (two shape classes, 1000 images x 4 epochs).
#
# ## Exercises
#
# Each exercise ends with `check("06.k", answer)`, which prints *right*, or *not yet* with a
# hint that does not give the answer away. In a student copy (made by
# `tconv tutorials --student DIR`) every solution is a blank (`...`) for you to fill in; in
# the tutorial itself the solutions are filled in.

# %%
from tconv.exercises import check

# %% [markdown]
# **Exercise 1.** How many parameters of `tconv train`'s default U-Net (`base=16`, `depth=3`,
# batch norm) are in its three transposed convolutions? Work it out from the weight layout
# `(C_in, C_out, 2, 2)` plus one bias per output channel, then check with the model.

# %%
# BEGIN SOLUTION 06.1
# STUDENT: upsampler_parameters = ...     # an int
widths = [16, 32, 64, 128]                                  # base * 2**level, the bottom last
upsampler_parameters = sum(widths[level + 1] * widths[level] * 2 * 2 + widths[level] for level in range(3))
# END SOLUTION 06.1
check("06.1", upsampler_parameters)

# %%
default_model = UNet(1, 3, base=16, depth=3, batch_norm=True)
by_model = sum(p.size for up_layer in default_model.up for p in up_layer.parameters())
print(f"{by_model:,} of {sum(p.size for p in default_model.parameters()):,} parameters")

# %% [markdown]
# **Exercise 2.** Tutorial 3's checkerboard comes from uneven overlap. For a transposed
# convolution with `k=3, s=2, padding=1, output_padding=1` on a 4x4 input (a way to double a map
# with a 3x3 kernel; tutorial 4 shows it is PyTorch's spelling of the *size* of Keras' "same",
# one pixel off Keras' values), predict how many input pixels each of the 64 output pixels
# reads: an 8x8 array. Hint: work out the 1-D counts first. Then count the nonzeros of each row
# of its matrix `M` (section 3), and do the same for the U-Net's `k=2, s=2`.

# %%
# BEGIN SOLUTION 06.2
# STUDENT: reads = ...                    # an 8x8 array of counts
counts_1d = np.zeros(9)                                     # the uncropped 1-D canvas: (4 - 1)*2 + 3 = 9
for m in range(4):
    counts_1d[2 * m:2 * m + 3] += 1                         # input m reaches 3 outputs, 2 apart
counts_1d = counts_1d[1:]                                   # padding 1 crops 1 at the start and 1 at the
reads = np.outer(counts_1d, counts_1d)                      # end; output_padding 1 gives the end one back
# END SOLUTION 06.2
check("06.2", reads)


# %%
def inputs_per_output(k, stride, padding=0, output_padding=0, n=4):
    M = tconv.conv_transpose_matrix(np.ones((1, 1, k, k)), (1, n, n), stride=stride, padding=padding,
                                    output_padding=output_padding)
    side = int(np.sqrt(M.shape[0]))
    return np.count_nonzero(M.toarray(), axis=1).reshape(side, side)


print("k=3, s=2, p=1, output_padding=1:\n", inputs_per_output(3, 2, 1, 1))
print("k=2, s=2:\n", inputs_per_output(2, 2))
assert np.all(inputs_per_output(2, 2) == 1)                 # kernel = stride: one input each

# %% [markdown]
# **Exercise 3.** The confusion matrix `table` of section 6 (rows: the truth, columns: the
# prediction) holds everything the scores need. Compute the IoU of each of the three classes
# from it, with NumPy only, as an array `(background, disc, cross)`; then compare with
# `evaluate`'s scores of section 5 (which pool the same pixels).

# %%
# BEGIN SOLUTION 06.3
# STUDENT: iou_from_table = ...           # three IoUs, background first
true_positives = np.diag(table)
iou_from_table = true_positives / (table.sum(axis=1) + table.sum(axis=0) - true_positives)   # |P∩G| / |P∪G|
# END SOLUTION 06.3
check("06.3", iou_from_table, confusion=table)

# %%
print("evaluate's IoU per class:", np.round(scores["iou"], 4))
