# ---
# jupyter:
#   jupytext:
#     formats: py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
# ---

# %% [markdown]
# # Tutorial 13: dilated convolution and the receptive field
#
# **Goal.** A segmentation network must see *context*: whether a pixel belongs to a disc depends
# on pixels far from it. How far a network sees is its **receptive field**. Dilated ("atrous")
# convolution (Yu & Koltun 2016; DeepLab, Chen et al. 2017) widens it without pooling and
# without more weights. You will see dilation in the matrix view, compute the receptive field of
# a stack of layers (and of a whole U-Net) with `tconv.receptive_field` and `tconv explain
# --stack`, find the *gridding* artifact of stacked equal dilations, and put a small atrous
# spatial pyramid (ASPP) in a U-Net's bottleneck.
#
# **Before you start.** Tutorial 1 (the matrix `C`) and tutorial 4 (output sizes, the effective
# kernel `k̂ = d(k − 1) + 1`). **Runtime:** in the [runtime table](README.md#runtimes).

# %%
# %matplotlib inline
import contextlib
import io
import os
from pathlib import Path

import numpy as np

import tconv
import tconv.viz
from tconv.cli import main as tconv_main
from tconv.receptive_field import (parse_stack, receptive_field, receptive_field_footprint, receptive_field_reach,
                                   receptive_field_steps)
from tconv.seg.models import ASPP, UNet, model_reach, model_receptive_field

np.set_printoptions(precision=4, suppress=True, linewidth=100)
OUT = Path(os.environ.get("TCONV_TUTORIAL_OUTPUT", "tutorial_figures"))
OUT.mkdir(exist_ok=True)

# %% [markdown]
# ## 1. Dilation in the matrix view
#
# A convolution with dilation `d` reads taps `d` pixels apart: output `m` sees inputs
# `m·s − p + t·d`. In `C` the kernel's taps sit `d` columns apart in each row. It is the same
# operator as an undilated convolution whose kernel has `d − 1` zeros between its taps (the
# effective kernel, `k̂ = d(k − 1) + 1` wide), but those zeros are never stored or multiplied.

# %%
w = np.array([[[1.0, 2.0, 3.0]]])
C = tconv.conv_matrix(w, (1, 9), dilation=3)
print("C of a 3-tap kernel with dilation 3 on 9 inputs:")
print(C.toarray())
stuffed = np.array([[[1.0, 0, 0, 2.0, 0, 0, 3.0]]])
assert np.array_equal(C.toarray(), tconv.conv_matrix(stuffed, (1, 9)).toarray())
x = np.random.default_rng(0).standard_normal((1, 1, 9))
assert np.allclose(tconv.conv1d(x, w, dilation=3), tconv.conv1d(x, stuffed))
print(f"nonzeros: {C.nnz} (dilated) = {tconv.conv_matrix(stuffed, (1, 9)).nnz} structural of the stuffed "
      "kernel's matrix, which also stores its zeros")

# %% [markdown]
# Its transpose, the dilated transposed convolution, paints each input's kernel with gaps; the
# adjoint identity holds as always.

# %%
y = np.random.default_rng(1).standard_normal((1, 1, 3))
back = tconv.conv_transpose1d(y, w, dilation=3)
assert np.allclose(back[0, 0], C.T @ y[0, 0])
assert np.isclose(np.vdot(tconv.conv1d(x, w, dilation=3), y), np.vdot(x, back))

# %% [markdown]
# ## 2. The receptive field of a stack
#
# One output of a layer with kernel `k`, stride `s` and dilation `d` sees `(k − 1)·d + 1` of the
# layer's inputs; one input pixel of layer `L` is `jump = s_1···s_(L−1)` pixels of the network's
# input. So, starting from one pixel (Araujo, Norris & Sim 2019),
# `r_L = r_(L−1) + (k_L − 1)·d_L·jump_L`. Two 3x3 layers see 5 pixels, three see 7 (VGG's
# argument for small kernels); a pooling of stride 2 doubles what every later tap is worth.

# %%
for text in ("3 3", "3 3 3", "3 3 2s2 3 3", "3d2 3d4"):
    print(f"{text:14s} -> receptive field {receptive_field(parse_stack(text))}")
assert receptive_field(parse_stack("3 3 3")) == 7
steps = receptive_field_steps(parse_stack("3 3 2s2 3 3"))
assert [s["receptive_field"] for s in steps] == [3, 5, 6, 10, 14] and [s["jump"] for s in steps] == [1, 1, 1, 2, 2]

# %% [markdown]
# `tconv explain --stack` prints the same step by step (one word per layer, `K[sS][dD][pP][t]`:
# kernel, stride, dilation, padding, `t` for a transposed layer):

# %%
printed = io.StringIO()
with contextlib.redirect_stdout(printed):
    assert tconv_main(["explain", "--stack", "3", "3", "2s2", "3", "3"]) == 0
print(printed.getvalue())
assert "14 input pixels" in printed.getvalue()

# %% [markdown]
# **A whole U-Net.** Its longest path goes down through every level and back up. After the first
# upsampling layer the formula no longer holds (which inputs an upsampling layer reads depends on
# the output's phase, tutorial 12), so tconv follows every output's windows back instead.
# `tconv.seg.models.model_receptive_field` takes the widest path; `model_reach` says how far an
# output pixel looks to each side (what a tile's margin needs, tutorial 15).

# %%
unet = UNet(base=4, depth=3)
print(f"U-Net depth 3: receptive field {model_receptive_field(unet)} pixels, reach {model_reach(unet)}")
deepest = parse_stack("3p1 3p1 2s2 3p1 3p1 2s2 3p1 3p1 2s2 3p1 3p1 2s2t 3p1 3p1 2s2t 3p1 3p1 2s2t 3p1 3p1")
assert model_receptive_field(unet) == receptive_field(deepest) == 100
assert model_reach(unet) == receptive_field_reach(deepest) == (51, 51)

# %% [markdown]
# Check it on the network itself (float64 weights): for the output pixels of one period of the
# pooling grid (columns 80 to 87), change the input one column beyond the reach, then exactly at
# it. Beyond, no output pixel moves (up to rounding, 1e-12); at the edge, some pixel of the
# period does (which one depends on its phase).

# %%
for p in unet.parameters():
    p.data = p.data.astype(np.float64)
image = np.random.default_rng(2).standard_normal((1, 1, 48, 176))
base_out = unet(image).data[0, :, 24]


def moved(column, pixel):
    changed = image.copy()
    changed[0, 0, :, column] += 1000.0
    return float(np.abs(unet(changed).data[0, :, 24, pixel] - base_out[:, pixel]).max())


left, right = model_reach(unet)
beyond = max(max(moved(o - left - 1, o), moved(o + right + 1, o)) for o in range(80, 88))
at_edge = max(max(moved(o - left, o), moved(o + right, o)) for o in range(80, 88))
print(f"largest change one column beyond the reach: {beyond:.1e}; at the reach's edge: {at_edge:.1e}")
assert beyond < 1e-12 and at_edge > 1e-8

# %% [markdown]
# ## 3. Gridding: stacked equal dilations see a sub-grid
#
# Stack three 3x3 layers with dilation 2: the field is 13 pixels, but every tap is an even number
# of pixels from the output, so the odd offsets are never read. The *footprint* counts the paths
# from one output pixel to each input pixel; zeros are holes (Wang et al. 2018 call it gridding).
# Dilations 1, 2, 3 (no common factor) fill the same field without holes.

# %%
equal, hybrid = parse_stack("3d2 3d2 3d2"), parse_stack("3 3d2 3d3")
print("3d2 3d2 3d2:", receptive_field_footprint(equal))
print("3 3d2 3d3:  ", receptive_field_footprint(hybrid))
assert receptive_field(equal) == receptive_field(hybrid) == 13
assert (receptive_field_footprint(equal)[1::2] == 0).all() and receptive_field_footprint(hybrid).min() > 0
gridding_figure = tconv.viz.plot_gridding(["3 3 3", "3d2 3d2 3d2", "3 3d2 3d3"])
gridding_path = tconv.viz.save(gridding_figure, OUT / "13_gridding.png")
gridding_figure

# %% [markdown]
# The holes are real blind spots: a pattern that lives only on odd pixels (here a checkerboard of
# period 2 along each axis, zero on the even ones) is invisible to the equal-dilation stack, even
# with learned weights, at every output pixel; the hybrid stack sees it.

# %%
def stack_output(stack, image):
    out = image
    for layer in stack:
        out = tconv.conv2d(out, np.random.default_rng(3).standard_normal((1, 1, 3, 3)), padding=layer["dilation"],
                           dilation=layer["dilation"])
    return out


odd = np.zeros((1, 1, 31, 31))
odd[0, 0, 1::2, 1::2] = 1.0                    # nonzero only at odd rows and columns
for name, stack in (("equal", equal), ("hybrid", hybrid)):
    response = stack_output(stack, odd)[0, 0]
    print(f"{name:7s}: response at the even pixels {np.abs(response[::2, ::2]).max():.3g}")
assert np.abs(stack_output(equal, odd)[0, 0, ::2, ::2]).max() == 0.0
assert np.abs(stack_output(hybrid, odd)[0, 0, ::2, ::2]).max() > 0.1

# %% [markdown]
# ## 4. ASPP: several rates side by side
#
# DeepLab's *atrous spatial pyramid pooling* looks at one map at several scales in parallel: a 1x1
# branch, 3x3 branches with different dilation rates, and (optionally) the image's global
# average; their outputs are concatenated and mixed by a 1x1 convolution. Parallel rates avoid
# the gridding of stacked ones. `tconv.seg.models.ASPP` is a small one; `UNet(bottleneck="aspp")`
# puts it at the bottom of a U-Net (without the image-pooling branch, which would make every
# pixel depend on the whole image and rule out tiling).

# %%
block = ASPP(32, 32, rates=(1, 2, 4), image_pooling=True)
print(block)
assert block(np.zeros((2, 32, 8, 8), np.float32)).shape == (2, 32, 8, 8)
plain, atrous = UNet(base=4, depth=3), UNet(base=4, depth=3, bottleneck="aspp")
count = {name: sum(p.size for p in model.parameters()) for name, model in (("double conv", plain), ("ASPP", atrous))}
field = {name: model_receptive_field(model) for name, model in (("double conv", plain), ("ASPP", atrous))}
print("parameters:", count, " receptive field:", field)
assert atrous(np.zeros((1, 1, 32, 32), np.float32)).shape == (1, 2, 32, 32)
assert field["ASPP"] > field["double conv"]

# %% [markdown]
# The widest branch (rate 4 at 1/8 resolution) reaches 4·8 = 32 input pixels to each side from the
# bottleneck, where two 3x3 convolutions reach 16: the field grows by the difference, for about
# the same number of weights. You can also put it in by hand: `model.bottleneck = ASPP(...)`.
#
# ## Exercises

# %%
from tconv.exercises import check

# %% [markdown]
# **Exercise 1.** The receptive field of a classic stem: a 7x7 convolution with stride 2, a 3x3
# max pooling with stride 2, then two 3x3 convolutions, the second with dilation 2. Work it out
# with `r_L = r_(L−1) + (k_L − 1)·d_L·jump_L`.

# %%
# BEGIN SOLUTION 13.1
# STUDENT: field = ...
field = 1 + (7 - 1) * 1 * 1 + (3 - 1) * 1 * 2 + (3 - 1) * 1 * 4 + (3 - 1) * 2 * 4     # jumps 1, 2, 4, 4
# END SOLUTION 13.1
check("13.1", field)

# %%
print(receptive_field(parse_stack("7s2 3s2 3 3d2")))

# %% [markdown]
# **Exercise 2.** Choose dilations `(d1, d2, d3)` for three 3x3 convolutions whose field is 13
# pixels *and* reaches every pixel of it (no gridding), other than `(1, 2, 3)`. Check with
# `receptive_field_footprint`.

# %%
# BEGIN SOLUTION 13.2
# STUDENT: dilations = ...                  # (d1, d2, d3)
dilations = (3, 2, 1)
# END SOLUTION 13.2
check("13.2", dilations)

# %%
print(receptive_field_footprint([(3, 1, d) for d in (3, 2, 1)]))

# %% [markdown]
# **Exercise 3.** Write the kernel `[1, 2, 3]` with dilation 3 as the undilated kernel it equals
# (the effective kernel, zeros included).

# %%
# BEGIN SOLUTION 13.3
# STUDENT: effective = ...                  # a 1-D array
effective = np.zeros(3 * (3 - 1) + 1)
effective[::3] = [1, 2, 3]
# END SOLUTION 13.3
check("13.3", effective)
