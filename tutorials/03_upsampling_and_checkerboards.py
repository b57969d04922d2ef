# ---
# jupyter:
#   jupytext:
#     formats: py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
# ---

# %% [markdown]
# # Tutorial 3: upsampling in segmentation networks, and where checkerboards come from
#
# **Goal.** A segmentation network shrinks the image to see context, then must give one label
# per pixel, so it has to *upsample*. Three ways are common:
#
# 1. a transposed convolution with learned weights (U-Net's "up-convolution", Ronneberger et al.
#    2015);
# 2. a transposed convolution initialised as bilinear interpolation (FCN, Long et al. 2015);
# 3. a fixed resize (nearest or bilinear) followed by an ordinary stride-1 convolution.
#
# You will see that (2) really is bilinear interpolation away from the border, why (1) can paint
# a checkerboard (Odena, Dumoulin & Olah, 2016), and why (3), and kernels whose size is a multiple
# of the stride, paint none or a weaker one.
#
# **Before you start.** Tutorial 1 (the scatter-add view: each input pixel paints a copy of the
# kernel). **Runtime:** in the [runtime table](README.md#runtimes).

# %%
# %matplotlib inline
import os
from pathlib import Path

import numpy as np

import tconv
import tconv.viz
from tconv.nn import init
from tconv.viz.style import new_figure, styled

np.set_printoptions(precision=4, suppress=True, linewidth=100)
OUT = Path(os.environ.get("TCONV_TUTORIAL_OUTPUT", "tutorial_figures"))
OUT.mkdir(exist_ok=True)

# %% [markdown]
# ## 1. FCN's bilinear kernel
#
# For an upsampling factor `s`, FCN uses a transposed convolution with kernel `k = 2s`, stride
# `s` and padding `s/2`, whose kernel is the outer product of a triangle `1 - |r - c| / f` with
# `f = ceil(k/2)` and centre `c = f - 0.5` for even `k` (`tconv.nn.init.bilinear_kernel`).
# For `k = 4` the triangle is `[.25, .75, .75, .25]`.

# %%
kernel = init.bilinear_kernel((4, 4))
print(kernel)
assert np.allclose(kernel, np.outer([.25, .75, .75, .25], [.25, .75, .75, .25]))

# %% [markdown]
# Upsampling `[[1, 2], [3, 4]]` by 2 with it gives the values listed in the repository's
# `docs/references.md`. The interior equals bilinear interpolation (`align_corners=False`, as
# PyTorch's default); the border is darker because the transposed convolution sees zeros beyond
# the edge, where interpolation repeats the edge pixel.

# %%
x = np.array([[[[1.0, 2.0], [3.0, 4.0]]]])
w = init.bilinear_(np.empty((1, 1, 4, 4)))
up = tconv.conv_transpose2d(x, w, stride=2, padding=1)[0, 0]
print("bilinear transposed convolution:")
print(up)
expected = np.array([[.5625, .9375, 1.3125, 1.125],
                     [1.125, 1.75, 2.25, 1.875],
                     [1.875, 2.75, 3.25, 2.625],
                     [1.6875, 2.4375, 2.8125, 2.25]])
assert np.allclose(up, expected)
resized = tconv.interpolate(x, scale_factor=2, mode="bilinear")[0, 0]
print("bilinear interpolation:")
print(resized)
assert np.allclose(up[1:-1, 1:-1], resized[1:-1, 1:-1])      # same in the interior
assert not np.allclose(up[0], resized[0])                     # not on the border
print("corner:", up[0, 0], "(transposed conv) vs", resized[0, 0], "(interpolation)")

# %% [markdown]
# The three arrays on one colour scale, with their values written in:

# %%
with styled():
    bilinear_figure = new_figure(10, 3.6, layout="constrained")
    axes = bilinear_figure.subplots(1, 3)
    panels = [("input 2 × 2", x[0, 0]), ("transposed conv, bilinear kernel\nk=4, s=2, p=1", up),
              ("bilinear interpolation ×2\n(align_corners=False)", resized)]
    for ax, (title, values) in zip(axes, panels):
        shown = ax.imshow(values, cmap="cividis", vmin=0, vmax=4, interpolation="nearest")
        for (r, c), value in np.ndenumerate(values):
            ax.text(c, r, f"{value:g}", ha="center", va="center", fontsize=9,
                    color="white" if value < 1.6 else "black")
        ax.set_title(title)
        ax.set_xticks(range(values.shape[1]))
        ax.set_yticks(range(values.shape[0]))
        ax.set_xlabel("column")
    axes[0].set_ylabel("row")
    colour_bar = bilinear_figure.colorbar(shown, ax=list(axes), shrink=0.85)
    colour_bar.set_label("value (one scale for all panels)")
bilinear_figure_path = tconv.viz.save(bilinear_figure, OUT / "03_bilinear.png")
bilinear_figure

# %% [markdown]
# The 1-D version, from the notes: `[1, 2, 4, 8]` becomes `[.75, 1.25, 1.75, 2.5, 3.5, 5, 7, 6]`.

# %%
line = tconv.conv_transpose1d(np.array([[[1.0, 2.0, 4.0, 8.0]]]), init.bilinear_(np.empty((1, 1, 4))),
                              stride=2, padding=1)[0, 0]
print(line)
assert np.allclose(line, [.75, 1.25, 1.75, 2.5, 3.5, 5, 7, 6])

# %% [markdown]
# ## 2. Checkerboards: uneven overlap
#
# Each input pixel paints a `k`-wide copy of the kernel, the copies `s` apart. When
# `k mod s != 0` the copies overlap unevenly: feed ones through a kernel of ones and count how
# many copies land on each output pixel.

# %%
ones8 = np.ones((1, 1, 8))
counts = {k: tconv.conv_transpose1d(ones8, np.ones((1, 1, k)), stride=2)[0, 0] for k in (3, 4, 2)}
for k, count in counts.items():
    print(f"k={k}, s=2:", count.astype(int))
assert len(counts[3]) == 17 and set(counts[3][1:-1]) == {1.0, 2.0}
assert np.all(counts[4][2:-2] == 2.0)                          # even in the interior
assert np.all(counts[2] == 1.0)                                # tiles: no overlap at all

# %% [markdown]
# In 2-D the pattern is the outer product of the 1-D counts, so the unevenness multiplies:
# 1, 2 and 4. Stacking layers compounds it (right panel of the figure).

# %%
grid = tconv.conv_transpose2d(np.ones((1, 1, 4, 4)), np.ones((1, 1, 3, 3)), stride=2)[0, 0]
assert grid.shape == (9, 9) and set(np.unique(grid)) == {1.0, 2.0, 4.0}
assert np.array_equal(grid, np.outer(tconv.viz.overlap_counts(3, 2, 4), tconv.viz.overlap_counts(3, 2, 4)))

overlap_figure = tconv.viz.plot_overlap(3, 2)
overlap_figure_path = tconv.viz.save(overlap_figure, OUT / "03_overlap.png")
overlap_figure

# %% [markdown]
# ## 3. A constant image, upsampled four ways
#
# A good upsampler turns a constant image into a constant image (away from the border, where
# zero padding darkens it). Take an 8x8 image of ones and upsample it x2 with:
#
# * a transposed convolution, kernel 3, stride 2 (padding 1, `output_padding` 1 so that 8 -> 16),
#   with random positive weights, as a freshly initialised layer might hold;
# * the same with kernel 4 (padding 1), a multiple of the stride;
# * nearest resize x2, then a stride-1 convolution with the random 3x3 kernel;
# * FCN's bilinear transposed convolution (kernel 4, stride 2, padding 1).
#
# The "interior" leaves out a 5-pixel frame, and `(max - min) / mean` there measures the stripes.

# %%
def random_kernel(size, seed=0):
    """A positive random kernel, uniform in 0.5..1.5 (tconv.viz draws its kernels the same way)."""
    return np.random.default_rng(seed).uniform(0.5, 1.5, size=(1, 1, size, size))


def interior(image, border=5):
    return image[border:-border, border:-border]


def interior_spread(image):
    """(max - min) / mean of the interior: 0 for a flat result."""
    core = interior(image)
    return float((core.max() - core.min()) / core.mean())


flat = np.ones((1, 1, 8, 8))
k3, k4 = random_kernel(3), random_kernel(4)
outputs = {
    "transposed conv k=3, s=2": tconv.conv_transpose2d(flat, k3, stride=2, padding=1, output_padding=1)[0, 0],
    "transposed conv k=4, s=2": tconv.conv_transpose2d(flat, k4, stride=2, padding=1)[0, 0],
    "nearest resize + conv k=3": tconv.conv2d(tconv.interpolate(flat, scale_factor=2, mode="nearest"), k3,
                                              padding="same")[0, 0],
    "bilinear transposed conv k=4": tconv.conv_transpose2d(flat, init.bilinear_(np.empty((1, 1, 4, 4))),
                                                           stride=2, padding=1)[0, 0],
}
spreads = {name: interior_spread(image) for name, image in outputs.items()}
for name, spread in spreads.items():
    print(f"{name:30s} shape {outputs[name].shape}  interior spread {spread:.3f}")
assert all(image.shape == (16, 16) for image in outputs.values())
assert spreads["transposed conv k=3, s=2"] > 1.0                  # a strong checkerboard
assert 0.1 < spreads["transposed conv k=4, s=2"] < spreads["transposed conv k=3, s=2"] / 2   # weaker
assert spreads["nearest resize + conv k=3"] < 1e-12                # perfectly flat
assert spreads["bilinear transposed conv k=4"] < 1e-12             # perfectly flat

# %% [markdown]
# **Why these numbers: phase sums.** Output pixel `j` of a stride-`s` transposed convolution
# receives tap `t` of input pixel `m` when `j = m*s - p + t`, so, away from the border, it receives
# *every* tap with `t ≡ j + p (mod s)`. On a constant input the interior therefore takes only
# `s*s = 4` values, the kernel's four *phase sums* `K[a::2, b::2].sum()`:
#
# * kernel 3: the phases hold 4, 2, 2 and 1 taps, so the sums differ a lot (the checkerboard);
# * kernel 4: every phase holds 4 taps ("even overlap"), but a random kernel's four sums still
#   differ a little: the remedy weakens the stripes, it does not remove them;
# * bilinear: every phase of `[.25, .75, .75, .25]` sums to 1, so all four sums are 1: flat;
# * resize + stride-1 convolution: every output pixel sees all nine taps: flat (value `K.sum()`).

# %%
for name, kernel_k in [("transposed conv k=3, s=2", k3[0, 0]), ("transposed conv k=4, s=2", k4[0, 0]),
                       ("bilinear transposed conv k=4", init.bilinear_kernel((4, 4)))]:
    core = interior(outputs[name])
    phase_sums = np.array([[kernel_k[(r + 1) % 2::2, (c + 1) % 2::2].sum() for c in range(2)] for r in range(2)])
    print(f"{name}: phase sums\n{phase_sums}")
    for r in range(core.shape[0]):                       # interior pixel (r, c) is output (r + 5, c + 5)
        for c in range(core.shape[1]):
            assert np.isclose(core[r, c], phase_sums[(r + 5) % 2, (c + 5) % 2])
assert np.allclose(interior(outputs["nearest resize + conv k=3"]), k3.sum())

# %% [markdown]
# `tconv.viz.plot_upsampling` draws the same four outputs on **one** colour scale (each divided by
# its interior mean), so a weaker pattern looks weaker. Its titles print the spreads computed
# above; the dashed square is the interior.

# %%
upsampling_figure = tconv.viz.plot_upsampling(3, 2)
for ax, spread in zip(upsampling_figure.axes, spreads.values()):
    assert f"= {spread:.3f}" in ax.get_title(), (ax.get_title(), spread)
upsampling_figure_path = tconv.viz.save(upsampling_figure, OUT / "03_upsampling.png")
upsampling_figure

# %% [markdown]
# Training can even out a kernel-4 layer's phase sums, and the bilinear initialisation starts it
# perfectly even; a kernel-3, stride-2 layer has to learn to cancel a pattern its geometry keeps
# producing. This is why Odena et al. recommend resize + convolution, and why U-Net's
# up-convolution uses kernel 2 and stride 2 (tiles, no overlap at all).
#
# ## Exercises
#
# Each exercise ends with `check("03.k", answer)`, which prints *right*, or *not yet* with a
# hint that does not give the answer away. In a student copy (made by
# `tconv tutorials --student DIR`) every solution is a blank (`...`) for you to fill in; in
# the tutorial itself the solutions are filled in.

# %%
from tconv.exercises import check

# %% [markdown]
# **Exercise 1.** Upsample `[1, 2, 4, 8, 16, 32]` by 3 with a bilinear transposed convolution
# (stride 3). An even kernel `2s = 6` would need padding 1.5; which *odd* kernel size and padding
# give exactly three times the length *and* interpolate? Answer `(kernel_size, padding)`; then
# check that the interior equals `tconv.interpolate(..., mode="linear")`.

# %%
# BEGIN SOLUTION 03.1
# STUDENT: kernel_size, padding = ..., ...
# The tent must be 3 samples wide on each side: f = ceil(k/2) = 3, so k = 5 (odd);
# then (6 - 1)*3 - 2p + 5 = 18 gives p = 1.
kernel_size, padding = 5, 1
# END SOLUTION 03.1
check("03.1", (kernel_size, padding))

# %%
signal = np.array([[[1.0, 2.0, 4.0, 8.0, 16.0, 32.0]]])
up3 = tconv.conv_transpose1d(signal, init.bilinear_(np.empty((1, 1, 5))), stride=3, padding=1)[0, 0]
linear3 = tconv.interpolate(signal, scale_factor=3, mode="linear")[0, 0]
print(init.bilinear_kernel((5,)))
print(up3)
assert up3.shape == (18,)
assert np.allclose(up3[1:-1], linear3[1:-1])

# %% [markdown]
# **Exercise 2.** Phase sums explain the stripes, so they also fix them. Rescale each phase of the
# random 4x4 kernel `k4` of section 3 (multiply all the taps of one phase by one number) so that
# all four phase sums are 1. Then upsample the constant image with it and look at the interior.

# %%
# BEGIN SOLUTION 03.2
# STUDENT: balanced = ...                 # a 4x4 array: k4[0, 0] with each phase rescaled
balanced = k4[0, 0].copy()
for a in range(2):
    for b in range(2):
        balanced[a::2, b::2] /= balanced[a::2, b::2].sum()
# END SOLUTION 03.2
check("03.2", balanced, k4=k4)

# %%
phase_sum_of_tap = np.array([[k4[0, 0, r % 2::2, c % 2::2].sum() for c in range(4)] for r in range(4)])
evened = tconv.conv_transpose2d(flat, k4 / phase_sum_of_tap, stride=2, padding=1)[0, 0]   # the balanced kernel
print(f"spread before {spreads['transposed conv k=4, s=2']:.3f}, after {interior_spread(evened):.2e}")
assert interior_spread(evened) < 1e-12

# %% [markdown]
# **Exercise 3.** For stride 3, which kernel sizes from 1 to 9 give an even overlap in the interior,
# which leave holes, and which paint stripes? Predict from `k mod s` and `k < s` (answer a dict
# `{k: "even" | "holes" | "stripes"}`), then count with `tconv.viz.overlap_counts`.

# %%
# BEGIN SOLUTION 03.3
# STUDENT: kinds = ...                    # {1: "...", 2: "...", ..., 9: "..."}
kinds = {k: "holes" if k < 3 else "even" if k % 3 == 0 else "stripes" for k in range(1, 10)}
# END SOLUTION 03.3
check("03.3", kinds)

# %%
for k in range(1, 10):
    core_counts = tconv.viz.overlap_counts(k, 3, 12)[k:-k]
    print(f"k={k}: interior counts {sorted(set(core_counts.astype(int).tolist()))}")
