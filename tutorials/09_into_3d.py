# ---
# jupyter:
#   jupytext:
#     formats: py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
# ---

# %% [markdown]
# # Tutorial 9: into 3-D, convolutions on volumes and V-Net lite
#
# Everything so far had two spatial axes. Medical scans, microscopy stacks and simulations have
# three. The operators do not change: a 3-D convolution is still a matrix `C`, its transposed
# convolution still `C.T`, with one more axis in the flattening. This tutorial checks that on a
# tiny case, meets 3-D pooling and synthetic volumes, looks inside V-Net lite (Milletari, Navab
# & Ahmadi 2016: residual stages, strided 2x2x2 convolutions down, transposed ones up), trains it
# briefly with `tconv train --model vnet`'s recipe, and draws a volume slice by slice.
#
# Read first: tutorial 1 (the matrix view), tutorial 6 (a U-Net trained on 2-D shapes) and
# tutorial 8 (the training recipe run in memory).
#
# Runtime: in the [runtime table](README.md#runtimes); most of it is training.
# `TCONV_QUICK=1` shrinks the training to a few seconds; the numbers quoted in the text are those of the full run. Figures
# go to `$TCONV_TUTORIAL_OUTPUT` (default: `tutorial_figures/` in the current folder).

# %%
# %matplotlib inline
import os
from pathlib import Path

import numpy as np

import tconv
import tconv.seg.models.vnet
from tconv.seg.data import SyntheticShapes3D
from tconv.seg.models import VNet
from tconv.seg.train import evaluate, fit, predict
from tconv.seg.train.recipe import (SYNTHETIC, check_config, make_augmentation, make_datasets, make_loaders,
                                    make_loss, make_model, make_optimizer, make_scheduler)
from tconv.viz import overlay, plot_history, save
from tconv.viz.style import new_figure, styled

np.set_printoptions(precision=3, suppress=True, linewidth=110)
TCONV_QUICK = os.environ.get("TCONV_QUICK") == "1"
OUT = Path(os.environ.get("TCONV_TUTORIAL_OUTPUT", "tutorial_figures"))
OUT.mkdir(exist_ok=True)

# %% [markdown]
# ## 1. `conv3d` and `conv_transpose3d`: shapes
#
# Layouts are PyTorch's, one axis longer: a batch of volumes is `(N, C, D, H, W)` (depth,
# height, width), a convolution's weight `(C_out, C_in, kd, kh, kw)` and a transposed
# convolution's `(C_in, C_out, kd, kh, kw)`. Each spatial axis follows the 1-D size rules on
# its own: `o = floor((i + 2p - k) / s) + 1` and `o' = (i' - 1) s - 2p + k + output_padding`,
# so an axis may have its own kernel, stride and padding.

# %%
rng = np.random.default_rng(0)
volume = rng.standard_normal((1, 2, 5, 6, 7))                         # N=1, C=2, D=5, H=6, W=7
weight = rng.standard_normal((3, 2, 3, 3, 3))                         # C_out=3, C_in=2, 3x3x3
print("conv3d, k=3:                      ", tconv.conv3d(volume, weight).shape)
print("conv3d, k=3, stride 2, padding 1: ", tconv.conv3d(volume, weight, stride=2, padding=1).shape)
print("conv3d, k=3, stride (1, 2, 2):    ", tconv.conv3d(volume, weight, stride=(1, 2, 2), padding=1).shape)
assert tconv.conv3d(volume, weight).shape == (1, 3, 3, 4, 5)
assert tconv.conv3d(volume, weight, stride=2, padding=1).shape == (1, 3, 3, 3, 4)
assert tconv.conv3d(volume, weight, stride=(1, 2, 2), padding=1).shape == (1, 3, 5, 3, 4)
up_weight = rng.standard_normal((2, 4, 2, 2, 2))                      # C_in=2, C_out=4, 2x2x2
print("conv_transpose3d, k=2, stride 2:  ", tconv.conv_transpose3d(volume, up_weight, stride=2).shape)
assert tconv.conv_transpose3d(volume, up_weight, stride=2).shape == (1, 4, 10, 12, 14)   # every axis doubled

# %% [markdown]
# ## 2. The matrix view in 3-D
#
# The lecture notes' construction with one more axis. A 3x3x3 volume and a 2x2x2 kernel give a
# 2x2x2 output, so `C` is 8x27: flatten the volume row-major (`z` varies slowest, `x`
# fastest), lay the kernel into a 3x3x3 canvas at each window and flatten it: one row per output
# voxel. Moving the window one voxel along `x`, `y` or `z` shifts the row by 1, 3 or 9
# entries (one row of the volume is 3 entries, one slice 9).

# %%
K = np.arange(1.0, 9.0).reshape(2, 2, 2)                              # the kernel 1..8
C_by_hand = np.zeros((8, 27))
for z in range(2):
    for y in range(2):
        for x in range(2):
            canvas = np.zeros((3, 3, 3))
            canvas[z:z + 2, y:y + 2, x:x + 2] = K
            C_by_hand[(z * 2 + y) * 2 + x] = canvas.reshape(-1)
print("row 0 of C:", C_by_hand[0].astype(int))
for z in range(2):
    for y in range(2):
        for x in range(2):
            assert np.array_equal(C_by_hand[(z * 2 + y) * 2 + x], np.roll(C_by_hand[0], 9 * z + 3 * y + x))
C = tconv.conv_matrix(K[None, None], (1, 3, 3, 3))
assert np.array_equal(C.toarray(), C_by_hand)

V = rng.standard_normal((3, 3, 3))
assert np.allclose((C @ V.reshape(-1)).reshape(2, 2, 2), tconv.conv3d(V[None, None], K[None, None])[0, 0])

# %% [markdown]
# The transposed convolution is `C.T` (27x8): a 2x2x2 input back to a 3x3x3 volume, each input
# voxel painting a scaled copy of the kernel (tutorial 1's scatter-add, now with little cubes).

# %%
Y = np.array([[[1.0, 0.0], [0.0, 0.0]], [[0.0, 0.0], [0.0, 2.0]]])   # two nonzero input voxels
by_matrix = (C.T @ Y.reshape(-1)).reshape(3, 3, 3)
by_tconv = tconv.conv_transpose3d(Y[None, None], K[None, None])[0, 0]
assert np.allclose(by_matrix, by_tconv)
assert np.array_equal(tconv.conv_transpose_matrix(K[None, None], (1, 2, 2, 2)).toarray(), C.toarray().T)
painted = np.zeros((3, 3, 3))
painted[0:2, 0:2, 0:2] += 1.0 * K                                     # voxel (0, 0, 0), value 1
painted[1:3, 1:3, 1:3] += 2.0 * K                                     # voxel (1, 1, 1), value 2
assert np.allclose(by_tconv, painted)
print("slice z = 1 of the transposed convolution (the two copies overlap there):\n", by_tconv[1])

# %% [markdown]
# **The adjoint identity**, `<C x, y> = <x, C.T y>`, for a realistic case: batch 2, 3 channels
# in, 4 out, a 3x3x3 kernel, stride 2, padding 1, an odd-sized volume. `output_padding` (per
# axis, `(i + 2p - k) mod s`) restores the sizes the stride rounded away.

# %%
x = rng.standard_normal((2, 3, 5, 6, 7))
w = rng.standard_normal((4, 3, 3, 3, 3))
y = rng.standard_normal(tconv.conv3d(x, w, stride=2, padding=1).shape)
output_padding = tuple((i + 2 * 1 - 3) % 2 for i in x.shape[2:])
print("conv3d output", y.shape, "; output_padding", output_padding)
lhs = np.vdot(tconv.conv3d(x, w, stride=2, padding=1), y)
rhs = np.vdot(x, tconv.conv_transpose3d(y, w, stride=2, padding=1, output_padding=output_padding))
print(f"<C x, y> = {lhs:.10f}\n<x, C.T y> = {rhs:.10f}")
assert abs(lhs - rhs) < 1e-10 * abs(lhs)

# %% [markdown]
# ## 3. 3-D pooling
#
# `max_pool3d(x, 2)` keeps the largest of each 2x2x2 block of eight voxels, `avg_pool3d(x, 2)`
# their mean: a reshape that splits each axis into (blocks, 2) says the same.

# %%
cube = rng.random((1, 1, 4, 4, 4))
blocks = cube.reshape(1, 1, 2, 2, 2, 2, 2, 2)                        # (z blocks, 2, y blocks, 2, x blocks, 2)
assert np.allclose(tconv.max_pool3d(cube, 2), blocks.max(axis=(3, 5, 7)))
assert np.allclose(tconv.avg_pool3d(cube, 2), blocks.mean(axis=(3, 5, 7)))
print("4x4x4 -> max_pool3d ->", tconv.max_pool3d(cube, 2).shape)

# %% [markdown]
# Volumes are expensive. A 16x16x16 volume has as many voxels as a 64x64 image (4096), and a
# 3x3x3 kernel has 27 taps where a 3x3 kernel has 9: three times the work per output, at
# the same channels. That is why the 3-D networks below are narrow and the volumes small.
#
# ## 4. Synthetic volumes
#
# `SyntheticShapes3D` is the 3-D twin of tutorial 6's generator: spheres, tori, (turned) cubes and
# cylinders, darker or brighter than a background ramp, with noise. `tconv train --model vnet` uses 16x16x16
# volumes with the difficulty knobs `tconv.seg.train.recipe.SYNTHETIC[3]` (as in 2-D, with
# slightly larger radii), training seed 0 and validation seed 1. Here we draw spheres and cubes;
# `tconv train --model vnet` draws the first two 3-D shapes, sphere and torus.

# %%
demo = SyntheticShapes3D(4, size=16, shapes=("sphere", "cube"), seed=1, **SYNTHETIC[3])
vol, vol_mask = demo[0]
print(demo, demo.class_names)
print("image", vol.shape, vol.dtype, "; mask", vol_mask.shape, vol_mask.dtype)
print("what item 0 holds:", [(s.name, round(s.radius, 1)) for s in demo.shapes(0)])
assert vol.shape == (1, 16, 16, 16) and vol.dtype == np.float32 and vol_mask.shape == (16, 16, 16)
assert demo.class_names == ("background", "sphere", "cube")

# %% [markdown]
# ## 5. V-Net lite
#
# The docstring of the module `tconv.seg.models.vnet` lists what is kept of V-Net and what is
# cut (its example's defaults, base 8 and depth 3, are larger than `tconv train --model vnet`'s):

# %%
print(tconv.seg.models.vnet.__doc__)

# %% [markdown]
# `tconv train --model vnet` builds `VNet(base=4, depth=2, batch_norm=True)`: widths 4, 8 and 16,
# resolutions 16, 8 and 4 voxels per side.

# %%
tconv.manual_seed(0)
vnet = VNet(in_channels=1, num_classes=3, base=4, depth=2, batch_norm=True)
rows = vnet.summary((1, 1, 16, 16, 16))
shape_of = {row.name: row.output_shape for row in rows}
assert shape_of["input"] == (1, 4, 16, 16, 16)
assert shape_of["down.0"] == (1, 8, 8, 8, 8) and shape_of["down.1"] == (1, 16, 4, 4, 4)
assert shape_of["up.0"] == (1, 8, 8, 8, 8) and shape_of["up.1"] == (1, 4, 16, 16, 16)
assert shape_of["decoder.0"] == (1, 16, 8, 8, 8) and shape_of["decoder.1"] == (1, 8, 16, 16, 16)
assert shape_of["head"] == (1, 3, 16, 16, 16)

# %% [markdown]
# **A residual stage** computes `relu(convs(x) + x)`: its convolutions learn a correction to
# their input, and the `+ x` gives the gradient a path around them (V-Net borrowed this from
# ResNets).

# %%
vnet.eval()
stage = vnet.encoder[0]
features = tconv.Tensor(rng.standard_normal((1, 8, 8, 8, 8)).astype(np.float32))
with tconv.no_grad():
    assert np.allclose(stage(features).data, np.maximum(stage.convs(features).data + features.data, 0), atol=1e-6)
print(stage)

# %% [markdown]
# **Down and up.** V-Net replaces pooling with a convolution of kernel 2 and stride 2: each
# output voxel reads its own 2x2x2 block, the blocks do not overlap (the matrix has one nonzero
# per column), and the 8 weights are learned. Going up, a transposed convolution of kernel 2
# and stride 2 is exactly its transpose: each input voxel paints its own 2x2x2 block. Below,
# one channel of V-Net's own `down.0` kernel on a 4x4x4 volume.

# %%
down_kernel = vnet.down[0][0].weight.data[:1, :1].astype(np.float64)   # (1, 1, 2, 2, 2); [0] is the conv
D = tconv.conv_matrix(down_kernel, (1, 4, 4, 4), stride=2)             # 64 voxels -> 8
per_row = np.count_nonzero(D.toarray(), axis=1)
per_column = np.count_nonzero(D.toarray(), axis=0)
print("down:", D.shape, "; nonzeros per row:", sorted(set(per_row.tolist())), "; per column:",
      sorted(set(per_column.tolist())))
assert np.all(per_row == 8) and np.all(per_column == 1)
U = tconv.conv_transpose_matrix(down_kernel, (1, 2, 2, 2), stride=2)   # 8 voxels -> 64
assert np.array_equal(U.toarray(), D.toarray().T)
print("up:  ", U.shape, "= the transpose of down")

# %% [markdown]
# ## 6. A short training on volumes
#
# `tconv train --model vnet`'s recipe, run in memory as `tconv train` would (tutorial 8 wrote the
# same helper): 16^3 volumes, `base=4`, `depth=2`, batch norm, Adam 3e-3 with a cosine schedule,
# flips along all three axes and 90-degree turns. One change: the loss is the soft Dice loss
# alone (`--loss dice`), as in the V-Net paper, instead of the default Dice + cross-entropy.
# The torus is the smaller class, and tutorial 7 showed that Dice, which normalises by the size
# of each class, finds small structures sooner. The default run is 800 volumes for 4 epochs
# (400 steps); here 400 volumes for 4 epochs, 200 steps (the same as
# `tconv train --model vnet --loss dice --samples 400`).

# %%
N_TRAIN = 32 if TCONV_QUICK else 400
N_VAL = 16 if TCONV_QUICK else 100
config = check_config(dict(model="vnet", samples=N_TRAIN, val_samples=N_VAL, epochs=2 if TCONV_QUICK else 4,
                           loss="dice"))
print({key: config[key] for key in ("model", "dim", "size", "base", "depth", "batch_norm", "loss", "lr", "samples",
                                    "epochs")})
train_set, val_set, info = make_datasets(config)
train_loader, val_loader = make_loaders(config, train_set, val_set)
tconv.manual_seed(config["seed"])
model = make_model(config, info)
optimizer = make_optimizer(config, model)
scheduler = make_scheduler(config, optimizer, len(train_loader))


def start_epoch(epoch):
    train_loader.transform = make_augmentation(config, info, epoch)


history = fit(model, train_loader, val_loader, loss=make_loss(config["loss"], info["num_classes"]),
              optimizer=optimizer, scheduler=scheduler, epochs=config["epochs"], num_classes=info["num_classes"],
              on_epoch_start=start_epoch, progress=False)
scores = evaluate(model, val_loader, num_classes=info["num_classes"])
for row in history:
    print(f"epoch {row['epoch']}: train loss {row['train_loss']:.3f}, val mIoU {row['val_miou']:.3f}, "
          f"val Dice {row['val_dice']:.3f} ({row['elapsed_s']:.0f} s)")
print("IoU per class", info["class_names"], scores["iou"])
assert history[-1]["train_loss"] < history[0]["train_loss"]
if not TCONV_QUICK:
    assert scores["iou"][0] > 0.9                          # the shapes are found
    assert history[0]["val_miou"] < 0.5 < min(scores["iou"][1:])     # first where, then which: both classes

# %% [markdown]
# Read the epochs: after the first one V-Net lite has found the shapes (the background's IoU is
# high) but calls nearly all of them spheres; as tutorial 6's U-Net learned discs before crosses,
# it learns *where* before *which*. Telling a torus from a sphere at 16 voxels per side takes
# longer, and by the last epoch both classes are found: in the full run the torus's IoU is above
# 0.5 and the validation Dice about 0.79 (`tconv train --model vnet`, 800 volumes x 4 epochs
# with Dice + cross-entropy, about a minute, reaches about 0.86).

# %%
fig = plot_history(history)
vnet_curves_path = save(fig, OUT / "09_vnet_curves.png")
fig

# %% [markdown]
# ## 7. A volume, slice by slice
#
# One validation volume with a sphere and a torus, its mask and the prediction, slice by slice
# along the depth axis `z` (the first spatial axis) through the shapes, every second slice
# when there are more than ten (the first one shown is empty): read each column as one cut through the volume, and the row of cuts as the
# shapes growing and shrinking.

# %%
val_volumes = np.stack([val_set[i][0] for i in range(len(val_set))])
val_masks = np.stack([val_set[i][1] for i in range(len(val_set))])
val_pred = predict(model, val_volumes)
# the recipe keeps the volumes in memory; the generator itself says what each one holds
shape_names = tuple(info["class_names"][1:])                       # the recipe's shapes: sphere, torus
val_source = SyntheticShapes3D(N_VAL, size=16, shapes=shape_names, seed=config["seed"] + 1, **SYNTHETIC[3])
assert np.array_equal(val_source[0][1], val_masks[0])
holds = [{s.name for s in val_source.shapes(i)} for i in range(N_VAL)]
pick = next((i for i, names in enumerate(holds) if names == set(shape_names)), 0)   # one of each, if any
print(f"validation volume {pick}:", [s.name for s in val_source.shapes(pick)])
occupied = np.flatnonzero(val_masks[pick].any(axis=(1, 2)))        # the slices that cut a shape
slices = list(range(max(occupied[0] - 1, 0), min(occupied[-1] + 2, 16)))
slices = slices if len(slices) <= 10 else slices[::2]
with styled():
    panel = 10.5 / len(slices)                           # inches per slice
    fig = new_figure(12, 3 * panel + 1.2, layout="constrained")
    axes = fig.subplots(3, len(slices))
    for column, z in enumerate(slices):
        shown = axes[0, column].imshow(val_volumes[pick, 0, z], cmap="gray", vmin=0, vmax=1)
        axes[1, column].imshow(overlay(val_volumes[pick, :, z], val_masks[pick, z], alpha=0.6))
        axes[2, column].imshow(overlay(val_volumes[pick, :, z], val_pred[pick, z], alpha=0.6))
        axes[0, column].set_title(f"z = {z}")
        for ax in axes[:, column]:
            ax.set_xticks([])
            ax.set_yticks([])
    for ax, label in zip(axes[:, 0], ("volume", "mask", "prediction")):
        ax.set_ylabel(label)
    fig.colorbar(shown, ax=axes[0, :], shrink=0.9, label="intensity")
    fig.suptitle(f"Validation volume {pick}, 16x16x16: orange {shape_names[0]}, blue {shape_names[1]} (background uncoloured)")
slices_path = save(fig, OUT / "09_slices.png")
fig

# %% [markdown]
# ## Exercises
#
# Each exercise ends with `check("09.k", answer)`, which prints *right*, or *not yet* with a
# hint that does not give the answer away. In a student copy (made by
# `tconv tutorials --student DIR`) every solution is a blank (`...`) for you to fill in; in
# the tutorial itself the solutions are filled in.

# %%
from tconv.exercises import check

# %% [markdown]
# **Exercise 1.** Scans often have thick slices, so networks stride only in-plane:
# `stride=(1, 2, 2)`. Predict the output shape of `conv3d` on a `(1, 1, 12, 64, 64)` volume with
# a 3x3x3 kernel, padding 1 and that stride (the spatial part, `(D, H, W)`), and the
# `output_padding` that brings a transposed convolution back to `12x64x64`. Answer
# `((D, H, W), (a_D, a_H, a_W))`, then check with the library.

# %%
# BEGIN SOLUTION 09.1
# STUDENT: thick_slices = ...             # ((D, H, W), (output_padding per axis))
sizes = tuple((i + 2 * 1 - 3) // s + 1 for i, s in zip((12, 64, 64), (1, 2, 2)))
restoring = tuple((i + 2 * 1 - 3) % s for i, s in zip((12, 64, 64), (1, 2, 2)))
thick_slices = (sizes, restoring)
# END SOLUTION 09.1
check("09.1", thick_slices)

# %%
thick = np.zeros((1, 1, 12, 64, 64))
k3 = np.zeros((1, 1, 3, 3, 3))
down = tconv.conv3d(thick, k3, stride=(1, 2, 2), padding=1)
print("conv3d:", down.shape)
print("conv_transpose3d with output_padding (0, 1, 1):",
      tconv.conv_transpose3d(down, k3, stride=(1, 2, 2), padding=1, output_padding=(0, 1, 1)).shape)

# %% [markdown]
# **Exercise 2.** Count the multiply-adds of one 3x3x3 convolution from 16 to 16 channels on a
# 16x16x16 volume, and of a 3x3 convolution with the same channels on a 64x64 image ("same"
# padding, stride 1, counting the padded taps too). Answer `(3-D count, 2-D count)`. Then
# check the per-output count `C_in * C_out * 27` with the matrix on a small unpadded case, where
# every tap is used: each nonzero of `C` is one multiply-add.

# %%
# BEGIN SOLUTION 09.2
# STUDENT: macs = ...                     # (multiply-adds of the 3-D layer, of the 2-D layer)
macs_3d = 16 ** 3 * (16 * 16 * 27)                  # outputs x (C_in * C_out * taps)
macs_2d = 64 ** 2 * (16 * 16 * 9)
macs = (macs_3d, macs_2d)
# END SOLUTION 09.2
check("09.2", macs)

# %%
small = tconv.conv_matrix(np.ones((2, 2, 3, 3, 3)), (2, 6, 6, 6))     # 2 -> 2 channels, 6^3, no padding
print(f"small case: nnz(C) = {small.nnz:,} = 4^3 output voxels x (2 x 2 x 27)")
assert small.nnz == 4 ** 3 * (2 * 2 * 27)

# %% [markdown]
# (The same number of outputs, 4096, and three times the taps: the 3-D layer costs three times
# the 2-D one.)
#
# **Exercise 3.** V-Net's strided down-convolution can *be* average pooling. Find a weight `w`
# of shape `(1, 1, 2, 2, 2)` such that `conv3d(x, w, stride=2)` equals `avg_pool3d(x, 2)` (no
# bias). Then explain why no weight makes it max pooling (a convolution is linear; is a
# maximum?).

# %%
# BEGIN SOLUTION 09.3
# STUDENT: average_weight = ...           # shape (1, 1, 2, 2, 2)
average_weight = np.full((1, 1, 2, 2, 2), 1 / 8)            # the mean of 8 voxels
# END SOLUTION 09.3
check("09.3", average_weight)

# %%
a = np.zeros((1, 1, 2, 2, 2))
b = np.zeros((1, 1, 2, 2, 2))
a[0, 0, 0, 0, 0], b[0, 0, 1, 1, 1] = 1.0, 1.0                          # one bright voxel each, apart
pooled = [float(tconv.max_pool3d(v, 2).item()) for v in (a, b, a + b)]
print(f"max_pool(a) + max_pool(b) = {pooled[0] + pooled[1]}, max_pool(a + b) = {pooled[2]}: not linear")
assert pooled[0] + pooled[1] != pooled[2]
