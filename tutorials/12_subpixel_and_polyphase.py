# ---
# jupyter:
#   jupytext:
#     formats: py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
# ---

# %% [markdown]
# # Tutorial 12: sub-pixel convolution and the polyphase view
#
# **Goal.** A transposed convolution with stride `s` looks like one operation, but every output
# pixel belongs to one of `s^d` *phases* (its position modulo `s`), and each phase is written
# by its own small *sub-kernel*: the transposed convolution is `s^d` stride-1 convolutions whose
# outputs are interleaved. You will read the sub-kernels off the matrix `C`, compute a transposed
# convolution phase by phase (tconv's `method="polyphase"`), meet the *sub-pixel convolution*
# of Shi et al. (2016), which computes the phases as channels and interleaves them with a
# *pixel shuffle*, and see why its ICNR initialisation (Aitken et al. 2017) starts free of
# checkerboards. This ties together tutorial 3's phase sums, the checkerboard and the fast path.
#
# **Before you start.** Tutorial 1 (the matrix `C`, the scatter-add view) and tutorial 3 (phase
# sums and checkerboards). **Runtime:** in the [runtime table](README.md#runtimes).

# %%
# %matplotlib inline
import os
from pathlib import Path

import numpy as np

import tconv
import tconv.viz
from tconv import Tensor, nn
from tconv.nn import functional as F
from tconv.polyphase import axis_phases, matrix_sub_kernels, phases, sub_kernel, sub_pixel_weight
from tconv.seg.metrics import phase_spread

np.set_printoptions(precision=4, suppress=True, linewidth=100)
OUT = Path(os.environ.get("TCONV_TUTORIAL_OUTPUT", "tutorial_figures"))
OUT.mkdir(exist_ok=True)

# %% [markdown]
# ## 1. Phases, read off the matrix
#
# Feature position `m` and kernel tap `t` touch output pixel `j = m·s − p + t·d` (tutorial 1).
# Write the output positions as `j = c + s·q`: the *phase* `c = j mod s` and the position `q`
# within it. Tap `t` lands on phase `c` exactly when `t·d − p ≡ c (mod s)`, whatever `m` is. So
# each output pixel receives only the taps of its phase: its *sub-kernel*.
#
# Take the 1-D transposed convolution of kernel 4, stride 2, padding 1 (FCN's and the bilinear
# U-Net's up-by-2), weights `[1, 2, 3, 4]`, on 5 inputs. Row `j` of `C.T` lists the taps that write
# output `j`: the rows alternate between two patterns.

# %%
w1 = np.array([[[1.0, 2.0, 3.0, 4.0]]])
C_T = tconv.conv_transpose_matrix(w1, (1, 5), stride=2, padding=1)
print("C.T (10 x 5): one row per output pixel")
print(C_T.toarray())
even_rows, odd_rows = C_T.toarray()[2:8:2], C_T.toarray()[3:8:2]
assert all(sorted(row[row > 0].tolist()) == [2.0, 4.0] for row in even_rows)      # phase 0: taps 1 and 3
assert all(sorted(row[row > 0].tolist()) == [1.0, 3.0] for row in odd_rows)       # phase 1: taps 0 and 2

# %% [markdown]
# `tconv.polyphase.matrix_sub_kernels` reads each phase's sub-kernel off the matrix (from the
# interior row of that phase holding the most taps); `tconv.polyphase.phases` derives the same
# from the geometry alone, and `sub_kernel` picks the taps out of the weight.

# %%
geometry_1d = tconv.conv_transpose_geometry((5,), (4,), stride=2, padding=1)
read = matrix_sub_kernels(C_T)
derived = {p.phase: sub_kernel(w1, p)[0, 0] for p in phases(geometry_1d)}
print("read off C.T:", {c: k.tolist() for c, k in read.items()})
print("from the geometry:", {c: k.tolist() for c, k in derived.items()})
assert {c: k.tolist() for c, k in read.items()} == {c: k.tolist() for c, k in derived.items()}
assert [a.taps for a in axis_phases(10, 5, 4, 2, 1)] == [(1, 3), (0, 2)]

# %% [markdown]
# ## 2. Each phase is a stride-1 convolution
#
# On phase `c`, output `q` gets tap `t` from input `m = q − f_t` with the fixed offset
# `f_t = (t·d − p − c)/s`: as `m` runs over the inputs, the phase slides its sub-kernel one input
# at a time. That is a stride-1 (transposed) convolution of the whole input with the
# sub-kernel. No output of a phase is skipped and no product with a zero is computed: the zeros
# that the paper's view inserts between the inputs (tutorial 1) never appear.
#
# Compute the two phases of the 1-D example separately, each as a stride-1 transposed
# convolution with the padding `tconv.polyphase` gives it, interleave them, and compare.

# %%
y1 = np.array([[[1.0, -2.0, 0.5, 3.0, 1.0]]])
whole = tconv.conv_transpose1d(y1, w1, stride=2, padding=1)[0, 0]
interleaved = np.zeros_like(whole)
for phase in phases(geometry_1d):
    (axis,) = phase.axes
    part = y1[:, :, axis.feature[0]:axis.feature[1]]
    values = tconv.conv_transpose1d(part, sub_kernel(w1, phase), stride=1, padding=phase.geometry.padding,
                                    dilation=axis.dilation)[0, 0]
    interleaved[phase.image_index[0]] = values
    print(f"phase {axis.phase}: taps {axis.taps}, a stride-1 transposed convolution ->", values)
print("interleaved:", interleaved)
print("conv_transpose1d:", whole)
assert np.allclose(interleaved, whole)

# %% [markdown]
# In 2-D the phases are pairs `(a, b)`. The figure colours each tap of a kernel-3, stride-2
# kernel by the phase it writes, shows the four sub-kernels (1, 2, 2 and 4 taps) and numbers
# every output pixel with the taps that write it: exactly tutorial 3's overlap counts, and the
# reason for its checkerboard (`tconv figure phases` draws it for any geometry).

# %%
g_k3 = tconv.conv_transpose_geometry((4, 4), (3, 3), stride=2, padding=1, output_padding=1)
phases_figure = tconv.viz.plot_phases(g_k3)
phases_k3_path = tconv.viz.save(phases_figure, OUT / "12_phases_k3.png")
taps_per_phase = {p.phase: len(p.taps[0]) * len(p.taps[1]) for p in phases(g_k3)}
print("taps per phase, kernel 3:", taps_per_phase)
assert taps_per_phase == {(0, 0): 1, (0, 1): 2, (1, 0): 2, (1, 1): 4}
g_k4 = tconv.conv_transpose_geometry((4, 4), (4, 4), stride=2, padding=1)
assert all(len(p.taps[0]) * len(p.taps[1]) == 4 for p in phases(g_k4))   # kernel 4: even overlap
phases_figure

# %% [markdown]
# **Phase sums.** On a constant input every interior output pixel of phase `c` is the input
# value times the sum of its sub-kernel: the *phase sums* of tutorial 3. Different sums,
# different phases: a checkerboard. The polyphase view says which taps each sum holds.

# %%
rng = np.random.default_rng(0)
k4 = rng.uniform(0.5, 1.5, (1, 1, 4, 4))
flat_out = tconv.conv_transpose2d(np.ones((1, 1, 8, 8)), k4, stride=2, padding=1)[0, 0]
for phase in phases(g_k4):
    a, b = phase.phase
    interior = flat_out[4 + a:-4:2, 4 + b:-4:2]
    assert np.allclose(interior, sub_kernel(k4, phase).sum())
    print(f"phase {a},{b}: sub-kernel sum {sub_kernel(k4, phase).sum():.4f}, interior value {interior[0, 0]:.4f}")

# %% [markdown]
# ## 3. The polyphase method
#
# `method="polyphase"` computes every convolution this way: `C @ x` as the sum over the input's
# phases of stride-1 convolutions, `C.T @ y` as `s^d` stride-1 convolutions interleaved, and the
# weight gradient sub-kernel by sub-kernel. Like every method it is held to the explicit matrix
# by the tests (`tests/test_views.py` runs every registered method on drawn geometries).

# %%
y2 = rng.standard_normal((2, 3, 5, 4))
w2 = rng.standard_normal((3, 2, 4, 4))
results = {m: tconv.conv_transpose2d(y2, w2, stride=2, padding=1, method=m) for m in ("matrix", "unfold", "polyphase")}
for m, out in results.items():
    print(f"{m:9s} max |difference from the matrix| = {np.abs(out - results['matrix']).max():.1e}")
assert np.allclose(results["polyphase"], results["matrix"], atol=1e-12)
assert "polyphase" in tconv.available_methods()

# %% [markdown]
# **What zero insertion costs.** The paper's view inserts `s − 1` zeros between inputs and runs a
# stride-1 convolution over the stuffed image: per output pixel all `k^2` taps multiply, most of
# them zeros. The polyphase view multiplies only what `C` holds: its nonzeros.

# %%
e = g_k4.equivalent_conv()
zero_insertion_products = int(np.prod(g_k4.image_size) * np.prod(g_k4.kernel_size))   # every output: all 16 taps
nonzeros = tconv.conv_transpose_matrix(np.ones((1, 1, 4, 4)), (1, 4, 4), stride=2, padding=1).nnz
polyphase_products = sum(int(np.prod(p.geometry.feature_size)) * len(p.taps[0]) * len(p.taps[1])
                         for p in phases(g_k4))
print(f"stuffed input {e['stuffed_size']}, padded {e['padding']}: zero insertion multiplies "
      f"{zero_insertion_products} times; C has {nonzeros} nonzeros; polyphase multiplies {polyphase_products} times "
      f"(counting border taps that fall on padding)")
assert nonzeros <= polyphase_products < zero_insertion_products
assert nonzeros < zero_insertion_products / 2

# %% [markdown]
# Is it faster than unfold + GEMM? No: unfold's fold also multiplies only the nonzeros, and
# polyphase pays four calls and four gathers of the input. `benchmarks/bench_polyphase.py`
# measured polyphase 1.2-2 times slower on the U-Net's kernel-4 layers (the
# docs/benchmarks.md has the table). The default stays unfold; polyphase is
# there to show the view, and is checked like the others.
#
# ## 4. Sub-pixel convolution: the phases as channels
#
# Shi et al. compute the `s^2` phases as `s^2` groups of channels of one stride-1 convolution, and
# move them into space with a **pixel shuffle**:
# `out[c, h·r + i, w·r + j] = x[c·r² + i·r + j, h, w]` (`torch.nn.functional.pixel_shuffle`, and
# `tconv.pixel_shuffle`). Its inverse is `pixel_unshuffle`; both only move numbers.

# %%
x8 = np.arange(8.0).reshape(1, 8, 1, 1)
print(tconv.pixel_shuffle(x8, 2)[0])
assert tconv.pixel_shuffle(x8, 2)[0, 1].tolist() == [[4.0, 5.0], [6.0, 7.0]]
assert np.array_equal(tconv.pixel_unshuffle(tconv.pixel_shuffle(x8, 2), 2), x8)

# %% [markdown]
# A pixel shuffle is a permutation matrix `P`, so its gradient is `P.T = P⁻¹`: the gradient of a
# shuffle is an unshuffle (for once, the transpose *is* the inverse).

# %%
t = Tensor(rng.standard_normal((1, 8, 3, 3)), requires_grad=True)
g = rng.standard_normal((1, 2, 6, 6))
F.pixel_shuffle(t, 2).backward(g)
assert np.array_equal(t.grad, tconv.pixel_unshuffle(g, 2))

# %% [markdown]
# Section 2.2 of Shi et al.: a transposed convolution whose output is `s` times its input *is* a
# sub-pixel convolution. `tconv.polyphase.sub_pixel_weight` rewrites its weight: each phase's
# sub-kernel, padded with zeros to one window covering every phase's offsets, becomes one group of
# `s^2` output channels. For kernel 4, stride 2 the window is 3 x 3.

# %%
conv_weight, conv_padding = sub_pixel_weight(w2, tconv.conv_transpose_geometry((5, 4), (4, 4), stride=2, padding=1))
print("transposed weight", w2.shape, "-> conv weight", conv_weight.shape, "padding", conv_padding)
sub_pixel = tconv.pixel_shuffle(tconv.conv2d(y2, conv_weight, padding=conv_padding), 2)
print("max |sub-pixel - transposed|:", np.abs(sub_pixel - results["matrix"]).max())
assert conv_weight.shape == (2 * 4, 3, 3, 3) and np.allclose(sub_pixel, results["matrix"], atol=1e-12)

# %% [markdown]
# The same family, three spellings: zero insertion + convolution (the paper's view), `s^2`
# stride-1 convolutions interleaved (polyphase), one convolution with `s^2·C` channels + pixel
# shuffle (sub-pixel). What differs is what is *learned*: a sub-pixel layer with a `3 x 3` kernel
# has `9` free taps per phase, a kernel-4 transposed layer `4` per phase.
#
# ## 5. ICNR: start without a checkerboard
#
# A freshly initialised sub-pixel layer has `s^2` independent random sub-kernels: their sums
# differ, and a flat input comes out striped. ICNR (Aitken et al. 2017; `tconv.nn.init.icnr_`)
# draws one kernel per output channel and repeats it `s^2` times, so every phase gets the same
# sub-kernel: the layer starts as *nearest-neighbour upsampling of a convolution*, and all phase
# sums agree. (Repeat the bias per phase too, or zero it: a bias per phase is a sub-kernel sum
# too.)

# %%
random_up = nn.Sequential(nn.Conv2d(4, 3 * 4, 3, padding=1, rng=np.random.default_rng(1)), nn.PixelShuffle(2))
icnr_up = nn.Sequential(nn.Conv2d(4, 3 * 4, 3, padding=1, rng=np.random.default_rng(1)), nn.PixelShuffle(2))
nn.init.icnr_(icnr_up[0].weight, 2, rng=np.random.default_rng(2))
icnr_up[0].bias.data[...] = np.repeat(icnr_up[0].bias.data[::4], 4)
flat = np.full((1, 4, 8, 8), 0.5, np.float32)
spreads = {name: float(phase_spread(layer(flat).data[0, 0], 2, border=2))
           for name, layer in (("random init", random_up), ("ICNR", icnr_up))}
print("phase spread of the output for a flat input:", spreads)
assert spreads["ICNR"] == 0.0 and spreads["random init"] > 0.01
base = icnr_up[0].weight.data[::4]                          # W0: one kernel per output channel
x_test = rng.standard_normal((1, 4, 6, 6)).astype(np.float32)
nearest = np.repeat(np.repeat(tconv.conv2d(x_test, base, icnr_up[0].bias.data[::4], padding=1), 2, 2), 2, 3)
assert np.allclose(icnr_up(x_test).data, nearest, atol=1e-5)    # ICNR = nearest upsampling of conv(x, W0)

# %% [markdown]
# ICNR only *starts* flat: training moves the four sub-kernels apart again, and tutorial 16
# measures how far. Tutorial 16 also trains all these decoders side by side.
#
# ## Exercises

# %%
from tconv.exercises import check

# %% [markdown]
# **Exercise 1.** A 1-D transposed convolution with kernel 5, stride 2 and padding 1 (dilation 1).
# Which taps write output phase 0 and which phase 1? Answer a dict `{0: [...], 1: [...]}` of tap
# lists in increasing order, from `t·d − p ≡ c (mod s)`; then check with `axis_phases`.

# %%
# BEGIN SOLUTION 12.1
# STUDENT: taps = ...                       # {0: [..], 1: [..]}
taps = {c: [t for t in range(5) if (t - 1) % 2 == c] for c in (0, 1)}
# END SOLUTION 12.1
check("12.1", taps)

# %%
print([a.taps for a in axis_phases(13, 6, 5, 2, 1)])       # output 13 = (6 - 1)·2 − 2 + 5

# %% [markdown]
# **Exercise 2.** ICNR for a *transposed* convolution. Build the 4 x 4 kernel of a stride-2,
# padding-1 transposed convolution whose four sub-kernels are all equal to the 2 x 2 kernel `w0`
# below (so the layer starts as nearest upsampling followed by a 2 x 2 convolution, free of
# checkerboards). Check: a flat input gives a flat interior.

# %%
w0 = np.array([[1.0, 2.0], [3.0, 4.0]])
# BEGIN SOLUTION 12.2
# STUDENT: kernel = ...                     # a 4 x 4 array
kernel = np.kron(w0, np.ones((2, 2)))      # every tap repeated: each phase takes one copy of w0
# END SOLUTION 12.2
check("12.2", kernel, w0=w0)

# %%
if kernel is not ...:                        # your kernel on a flat input: is the interior flat?
    flat_check = tconv.conv_transpose2d(np.ones((1, 1, 6, 6)), np.asarray(kernel, dtype=float)[None, None],
                                        stride=2, padding=1)[0, 0]
    print(flat_check[3:-3, 3:-3])
    print("flat interior:", np.ptp(flat_check[3:-3, 3:-3]) == 0)

# %% [markdown]
# **Exercise 3.** In `pixel_shuffle(x, 3)` with 2 output channels (`x` has 18 channels), input
# channel 7 at `(h, w) = (1, 2)` lands at which output position `(channel, row, column)`?

# %%
# BEGIN SOLUTION 12.3
# STUDENT: position = ...                   # (channel, row, column)
c, rest = divmod(7, 9)
i, j = divmod(rest, 3)
position = (c, 1 * 3 + i, 2 * 3 + j)
# END SOLUTION 12.3
check("12.3", position)
