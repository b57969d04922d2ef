# ---
# jupyter:
#   jupytext:
#     formats: py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
# ---

# %% [markdown]
# # Tutorial 15: the original U-Net: valid convolutions, overlap-tile, the border weight map
#
# **Goal.** The U-Net of tutorial 6 pads its convolutions, so its output has the input's size.
# Ronneberger, Fischer & Brox (2015) did not: their 3x3 convolutions are *valid* (unpadded), every
# level loses a border, the skip connections are *cropped* before they are concatenated, and a
# 572 x 572 tile gives a 388 x 388 segmentation. Large images are segmented tile by tile with the
# *overlap-tile* strategy, seamlessly; and touching cells are kept apart by a *weight map* that
# makes the thin gaps between them expensive to get wrong. You will build all three with tconv,
# check the paper's numbers, prove tiling seamless, and see `tconv predict` tile a large image.
#
# **Before you start.** Tutorial 6 (the U-Net) and tutorial 13 (receptive fields, reach).
# **Runtime:** in the [runtime table](README.md#runtimes).

# %%
# %matplotlib inline
import os
import tempfile
from pathlib import Path

import numpy as np
from PIL import Image

import tconv
import tconv.viz
from tconv import Tensor
from tconv.cli import main as tconv_main
from tconv.nn import functional as F
from tconv.seg.losses import class_balance_weights, unet_weight_map, weighted_cross_entropy
from tconv.seg.models import UNet, model_alignment, model_reach, valid_input_sizes, valid_output_size
from tconv.seg.train.tiling import margins, predict_tiled, tile_plan, tiles, valid_border
from tconv.viz.weight_map import touching_cells

np.set_printoptions(precision=4, suppress=True, linewidth=100)
OUT = Path(os.environ.get("TCONV_TUTORIAL_OUTPUT", "tutorial_figures"))
OUT.mkdir(exist_ok=True)

# %% [markdown]
# ## 1. Valid convolutions and copy-and-crop
#
# `UNet(padding="valid")` is the paper's network: each 3x3 convolution takes one pixel off every
# side, each level two; the decoder's upsampled map is smaller than the skip it meets, so the skip
# is cropped (centred) to its size. With depth 4 the paper's figure 1 says 572 → 388. The sizes
# do not depend on the widths, so a base of 1 channel keeps this quick (the paper has 64).

# %%
paper = UNet(1, 2, base=1, depth=4, padding="valid")
shapes = {row.name: row.output_shape[2] for row in paper.summary((1, 1, 572, 572), show=False) if row.output_shape}
encoder = [shapes[f"encoder.{n}"] for n in range(4)]
upsampled = [shapes[f"up.{n}"] for n in range(4)]
print("encoder levels:", encoder, " bottleneck:", shapes["bottleneck"], " upsampled:", upsampled,
      " output:", shapes["head"])
crops = [(e - u) // 2 for e, u in zip(reversed(encoder), upsampled)]
print("each skip cropped by", crops, "pixels per side (deepest first)")
assert encoder == [568, 280, 136, 64] and shapes["bottleneck"] == 28 and upsampled == [56, 104, 200, 392]
assert shapes["head"] == 388 and crops == [4, 16, 40, 88]

# %% [markdown]
# Not every size works: each pooling must see an even size, so the valid input sides come every
# `2^depth = 16` pixels. `valid_output_size` does the arithmetic, and the network names the
# nearest sides it takes when given another.

# %%
print("valid sides between 500 and 600:", valid_input_sizes(4, 500, 600))
assert valid_output_size(572, 4) == 388 and valid_output_size(570, 4) is None
try:
    paper(np.zeros((1, 1, 570, 572), np.float32))
except ValueError as error:
    print(error)
else:
    raise AssertionError("570 is not a valid side")

# %% [markdown]
# ## 2. The overlap-tile strategy, for a padded U-Net
#
# An output pixel depends only on input pixels within its *reach* (tutorial 13). So predict a
# large image in tiles that overlap by the reach, keep from each tile only the pixels whose
# whole reach lay inside it, and the result is *exactly* the whole-image prediction. Two details
# make it exact: every tile starts on the pooling grid (a multiple of `2^depth`), so the tile's
# poolings see the same windows as the whole image's; and at the image's border a tile stops
# where the image stops, so it sees the same zero padding.

# %%
unet = UNet(1, 2, base=4, depth=3).eval()
for p in unet.parameters():
    p.data = p.data.astype(np.float64)                      # float64: equal means equal
print("reach", model_reach(unet), "grid", model_alignment(unet), "-> margins", margins(unet))
image = np.random.default_rng(0).standard_normal((1, 1, 200, 170))
tile = 160
plan = tiles(unet, image.shape[2:], tile)
print(f"{len(plan)} tiles of at most {tile} x {tile}; each keeps at most {tile - sum(margins(unet))} pixels per side")
whole = unet(image).data
tiled = predict_tiled(unet, image, tile)
print("max |tiled - whole|:", np.abs(tiled - whole).max())
assert np.abs(tiled - whole).max() < 1e-12

# %% [markdown]
# The margins matter. Redo the tiling by hand with shorter margins (each tile keeping 32 pixels
# per side) and measure the largest error against the whole image:

# %%
def tiled_by_hand(margin, keep=32):
    """Tiles of keep + 2·margin pixels that keep the middle keep pixels (tconv.seg.train.tiling.tile_plan)."""
    result = np.empty_like(whole)
    for rows in tile_plan(200, 2 * margin + keep, margin, margin, 8):
        for columns in tile_plan(170, 2 * margin + keep, margin, margin, 8):
            out = unet(image[:, :, rows.start:rows.stop, columns.start:columns.stop]).data
            result[:, :, rows.keep_start:rows.keep_stop, columns.keep_start:columns.keep_stop] = \
                out[:, :, rows.keep_start - rows.start:rows.keep_stop - rows.start,
                    columns.keep_start - columns.start:columns.keep_stop - columns.start]
    return result


errors = {margin: float(np.abs(tiled_by_hand(margin) - whole).max()) for margin in (56, 48, 32, 16, 8)}
for margin, error in errors.items():
    print(f"margins {margin:2d}: max |tiled - whole| = {error:.1e}")
assert errors[56] < 1e-12 and errors[8] > 1e-6
assert errors[8] > errors[16] > errors[32] > 1e-12

# %% [markdown]
# Only the full reach makes the tiles exact. Shorter margins err, but less than you might fear:
# the far taps of a 100-pixel receptive field carry little weight (the *effective* receptive
# field is much smaller than the theoretical one, Luo et al. 2016), so the error grows slowly as
# the margins shrink. tconv takes the full reach: exact, whatever the weights.

# %%
tiling_figure = tconv.viz.plot_overlap_tile()
tiling_path = tconv.viz.save(tiling_figure, OUT / "15_overlap_tile.png")
tiling_figure

# %% [markdown]
# ## 3. Overlap-tile for the valid U-Net: mirror the border
#
# The valid network's output is the centre of its input, `b` pixels in from each side (92 for
# the paper). To segment the image's own border pixels, the paper extends the image by
# *mirroring* it; each tile then reads its output plus `b` mirrored or real pixels around it.
# Tiled, it equals the network on the whole mirrored image (a depth-2 network keeps this quick).

# %%
small_valid = UNet(1, 2, base=2, depth=2, padding="valid").eval()
for p in small_valid.parameters():
    p.data = p.data.astype(np.float64)
b = valid_border(small_valid)
picture = np.random.default_rng(1).standard_normal((1, 1, 50, 37))
tiled_valid = predict_tiled(small_valid, picture, tile=20)
side = [valid_input_sizes(2, n + 2 * b + 40, n + 2 * b + 200)[0] for n in picture.shape[2:]]
mirrored = np.pad(picture, [(0, 0), (0, 0), (b, side[0] - 50 - b), (b, side[1] - 37 - b)], mode="reflect")
whole_valid = small_valid(mirrored).data[:, :, :50, :37]
print(f"border {b}; tiled output {tiled_valid.shape}; max |tiled - whole mirrored| = "
      f"{np.abs(tiled_valid - whole_valid).max():.1e}")
assert tiled_valid.shape == (1, 2, 50, 37) and np.abs(tiled_valid - whole_valid).max() < 1e-12

# %% [markdown]
# ## 4. `tconv predict` tiles what does not fit
#
# `tconv predict` used to refuse an image whose feature maps need more memory than
# `--max-memory`. Now it segments it tile by tile, in the largest tiles that fit (or in tiles of
# `--tile N`): the same labels as in one pass. A tiny model trained for one epoch stands in for a
# real one; predict a 600 x 800 image in one pass and in tiles of 128, and compare.

# %%
work = Path(tempfile.mkdtemp(prefix="tconv_tutorial15_"))
assert tconv_main(["train", "--samples", "16", "--val-samples", "8", "--size", "32", "--base", "4", "--depth", "2",
                   "--batch-size", "8", "--epochs", "1", "--no-progress", "--out", str(work / "run")]) == 0
scan = work / "scan.png"
Image.fromarray((np.random.default_rng(2).random((600, 800)) * 255).astype(np.uint8)).save(scan)
assert tconv_main(["predict", str(work / "run" / "model.npz"), str(scan), "--out", str(work / "whole")]) == 0
assert tconv_main(["predict", str(work / "run" / "model.npz"), str(scan), "--out", str(work / "tiled"),
                   "--tile", "128"]) == 0
labels = [np.asarray(Image.open(work / folder / "scan.png")) for folder in ("whole", "tiled")]
print("labels equal:", np.array_equal(*labels), labels[0].shape)
assert labels[0].shape == (600, 800) and np.array_equal(*labels)

# %% [markdown]
# One epoch on 16 images teaches little: most pixels come out as background, so equal labels say
# little. The same function the command runs, `predict_file`, with weights that paint several
# classes, makes the point:

# %%
from tconv.seg.train.inference import load_model, predict_file

model, checkpoint = load_model(work / "run" / "model.npz")
rng = np.random.default_rng(3)
for p in model.parameters():
    p.data = (rng.standard_normal(p.shape) * 0.5).astype(p.dtype)
_, in_one_pass = predict_file(model, checkpoint, scan)
_, in_tiles = predict_file(model, checkpoint, scan, tile=128)
print("classes painted:", np.bincount(in_one_pass.ravel()), " labels equal:", np.array_equal(in_one_pass, in_tiles))
assert len(np.unique(in_one_pass)) > 1 and np.array_equal(in_one_pass, in_tiles)

# %% [markdown]
# (`tconv predict --help` tells the rule: nothing is written until every input has been checked,
# and an image whose *smallest* seamless tile does not fit is refused with the estimate.)
#
# ## 5. The border weight map
#
# Touching cells of one class are separated by a gap of background a few pixels wide. A network
# that misses the gap merges them, yet the gap is a tiny share of the pixels, so a plain loss
# hardly notices. U-Net weights each pixel's loss by
# `w(x) = w_c(x) + w0·exp(−(d1(x) + d2(x))² / 2σ²)`: `w_c` balances the classes, `d1` and `d2`
# are the distances to the nearest and second-nearest cell, so the term is largest in narrow gaps
# (`w0 = 10`, `σ ≈ 5` pixels in the paper). `tconv.seg.losses.unet_weight_map` computes it;
# `weighted_cross_entropy` uses it.

# %%
cells = touching_cells()
weights = unet_weight_map(cells, w0=10, sigma=5)
gap = weights[29:36, 31:34]
print("weights in the narrowest gap:\n", gap.round(2))
print("inside a cell:", weights[cells == 1].max().round(3), " far background:", weights[0, 0].round(3))
assert gap.max() > 5 * weights[0, 0] and gap.max() == weights.max()
weight_figure = tconv.viz.plot_weight_map(cells)
weight_map_path = tconv.viz.save(weight_figure, OUT / "15_weight_map.png")
weight_figure

# %% [markdown]
# What it does to training: the gradient. With uniform logits, plain cross-entropy spreads its
# gradient evenly over the pixels; the weighted loss puts a much larger share on the gap pixels.

# %%
logits = Tensor(np.zeros((1, 2) + cells.shape), requires_grad=True)
F.cross_entropy(logits, cells[None]).backward()
plain = np.abs(logits.grad).sum(axis=1)[0]
logits_w = Tensor(np.zeros((1, 2) + cells.shape), requires_grad=True)
weighted_cross_entropy(logits_w, cells[None], weights[None]).backward()
weighted = np.abs(logits_w.grad).sum(axis=1)[0]
in_gaps = weights - class_balance_weights(cells)[cells] > 2              # the border term above 2
share = {name: float(g[in_gaps].sum() / g.sum()) for name, g in (("plain", plain), ("weighted", weighted))}
print(f"gap pixels: {in_gaps.sum()} of {cells.size}; their share of the gradient: {share}")
assert share["weighted"] > 3 * share["plain"]

# %% [markdown]
# ## Exercises

# %%
from tconv.exercises import check

# %% [markdown]
# **Exercise 1.** A valid U-Net of depth 3 gets a 188 x 188 tile. What side does its output
# have? Follow the sizes level by level (each level's two convolutions take 4 pixels).

# %%
# BEGIN SOLUTION 15.1
# STUDENT: output_side = ...
s = 188
for _ in range(3):
    s = (s - 4) // 2
s -= 4
for _ in range(3):
    s = 2 * s - 4
output_side = s
# END SOLUTION 15.1
check("15.1", output_side)

# %% [markdown]
# **Exercise 2.** A padded U-Net of depth 3 (margins 56 on each side) predicts a 1000 x 1000 image
# in tiles of 256. How many tiles does it run?

# %%
# BEGIN SOLUTION 15.2
# STUDENT: count = ...
core = 256 - 2 * 56
count = int(np.ceil(1000 / core)) ** 2
# END SOLUTION 15.2
check("15.2", count)

# %%
print(len(tiles(UNet(base=1, depth=3), (1000, 1000), 256)))

# %% [markdown]
# **Exercise 3.** A background pixel 2 pixels from one cell and 3 from another, with `w_c = 1`,
# `w0 = 10` and `σ = 5`: its weight?

# %%
# BEGIN SOLUTION 15.3
# STUDENT: weight = ...
weight = 1 + 10 * np.exp(-(2 + 3) ** 2 / (2 * 5 ** 2))
# END SOLUTION 15.3
check("15.3", weight)
