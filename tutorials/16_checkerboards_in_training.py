# ---
# jupyter:
#   jupytext:
#     formats: py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
# ---

# %% [markdown]
# # Tutorial 16: checkerboards in a trained network
#
# **Goal.** Tutorial 3 found checkerboards in a constant image pushed through freshly initialised
# upsamplers. Do they survive training? Odena, Dumoulin & Olah's article (Distill 2016) says they
# often do, and that resize-then-convolve avoids them. Here you train five small decoders side
# by side on the same task (a transposed convolution with kernel 3 and with kernel 4, nearest
# resize + convolution, a pixel shuffle with and without ICNR), measure the artifact as they
# learn, with two measures that turn out to be one, and animate it.
#
# **Before you start.** Tutorial 3 (phase sums) and tutorial 12 (phases, pixel shuffle, ICNR).
# **Runtime:** in the [runtime table](README.md#runtimes); most of it is training.
# `TCONV_QUICK=1` trains 150 steps instead of 1000; the claims below hold in both.

# %%
# %matplotlib inline
import os
from pathlib import Path

import numpy as np

import tconv
import tconv.viz
from tconv.seg.metrics import checkerboard_energy, phase_means, phase_spread
from tconv.seg.train.decoders import BORDER, LABELS, decoder_network, train_decoders

np.set_printoptions(precision=4, suppress=True, linewidth=100)
TCONV_QUICK = os.environ.get("TCONV_QUICK") == "1"
STEPS = 150 if TCONV_QUICK else 1000
OUT = Path(os.environ.get("TCONV_TUTORIAL_OUTPUT", "tutorial_figures"))
OUT.mkdir(exist_ok=True)

# %% [markdown]
# ## 1. Measuring a checkerboard
#
# A stride-2 upsampler writes each output phase `(a, b)` with its own sub-kernel (tutorial 12),
# so its artifact is a difference between the phases. Two measures:
#
# * the **phase spread**: the range of the four phase means of the interior (tutorial 3's phase
#   sums, on any image), `tconv.seg.metrics.phase_spread`;
# * the **energy at the stride's frequencies**: the share of the image's spectral energy (mean
#   removed) at the frequencies of period 2, `(H/2, 0)`, `(0, W/2)`, `(H/2, W/2)`,
#   `tconv.seg.metrics.checkerboard_energy` (Distill's picture of the artifact in the spectrum).
#
# They are one measure: the image's DFT at those frequencies *is* the 2 x 2 DFT of its phase sums.

# %%
rng = np.random.default_rng(0)
sample = rng.standard_normal((8, 8))
spectrum = np.fft.fft2(sample)
sums = np.array([[sample[a::2, b::2].sum() for b in range(2)] for a in range(2)])
print("DFT at the stride's frequencies:\n", spectrum[::4, ::4].real.round(4))
print("2 x 2 DFT of the phase sums:\n", np.fft.fft2(sums).real.round(4))
assert np.allclose(spectrum[::4, ::4], np.fft.fft2(sums))
board = np.indices((8, 8)).sum(axis=0) % 2 * 1.0
nearest = np.kron(rng.standard_normal((4, 4)), np.ones((2, 2)))
print(f"energy share: checkerboard {float(checkerboard_energy(board, 2)):.2f}, nearest upsampling "
      f"{float(checkerboard_energy(nearest, 2)):.2g}, noise {float(checkerboard_energy(sample, 2)):.3f}")
assert checkerboard_energy(board, 2) == 1.0 and checkerboard_energy(nearest, 2) < 1e-20

# %% [markdown]
# ## 2. Five decoders, one task
#
# `tconv.seg.train.decoders` builds the same two-layer encoder (3x3 convolutions, 8 channels)
# followed by one of five x2 upsamplers that writes the output. The task is super-resolution:
# 32 x 32 images of smooth blobs, from their 2 x 2 averages, with the mean squared error. We
# watch two things: the outputs on test images, and the output for a **flat** input (a constant
# image), where the ideal output is flat too. Before any training:

# %%
flat = np.full((1, 1, 16, 16), 0.25, np.float32)
print(f"{'decoder':28s} {'flat spread':>12s}   phase means of the flat output")
start = {}
for kind, label in LABELS.items():
    out = decoder_network(kind)(flat).data[0, 0]
    start[kind] = float(phase_spread(out, 2, border=BORDER))
    print(f"{label:28s} {start[kind]:12.4f}   {phase_means(out, 2, border=BORDER).ravel().round(4)}")
assert start["resize"] == 0.0 and start["shuffle_icnr"] == 0.0
assert min(start["k3s2"], start["k4s2"], start["shuffle"]) > 0.01

# %% [markdown]
# Resize + convolution is flat because every output pixel sees all nine taps (one sub-kernel for
# all phases); ICNR is flat because its four sub-kernels are equal. The others start striped.
#
# ## 3. Training
#
# `train_decoders` trains all five on the same batches in the same order (Adam, learning rate
# 0.01, batches of 16) and records them at about fourteen steps, denser at the start.

# %%
study = train_decoders(steps=STEPS)
print(f"step {'':25s}" + "".join(f"{s:>8d}" for s in study.steps))
for name, values in (("test loss", "loss"), ("energy share", "energy"), ("flat spread", "spread")):
    print(name)
    for kind, run in study.runs.items():
        print(f"  {run.label:28s}" + "".join(f"{v:8.1e}" if v else f"{0:8d}" for v in getattr(run, values)))
print(f"the targets' own energy share: {study.target_energy:.1e}")

# %% [markdown]
# What the numbers say (they are asserted below):
#
# 1. **On the test images the checkerboard fades fast.** Every decoder's energy share falls from
#    up to 0.9 to the level of the targets themselves: in textured output, the loss sees the
#    stripes and training removes them.
# 2. **On a flat input it stays.** The two transposed convolutions and the random pixel shuffle
#    keep a phase spread of a few thousandths at the end; resize + convolution stays at exactly 0
#    at every step: on a constant input it *cannot* make stripes, whatever its weights.
# 3. **ICNR only starts flat.** Its four sub-kernels are free parameters; training moves them
#    apart, and its flat spread grows from 0 to the others' level.

# %%
runs = study.runs
final = {kind: run.spread[-1] for kind, run in runs.items()}
late = {kind: max(run.spread[len(run.spread) // 2:]) for kind, run in runs.items()}
assert all(run.energy[-1] < 5 * study.target_energy for run in runs.values())               # 1
assert max(run.energy[0] for run in runs.values()) > 0.3
assert all(spread == 0.0 for spread in runs["resize"].spread)                               # 2
assert min(late["k3s2"], late["k4s2"], late["shuffle"]) > 1e-3
assert runs["shuffle_icnr"].spread[0] == 0.0 and late["shuffle_icnr"] > 1e-3                 # 3
print("flat spread at the end:", {kind: round(v, 4) for kind, v in final.items()})

# %% [markdown]
# ## 4. Pictures
#
# The flat input's output at the last step, each decoder's mean removed (one colour scale), and
# both measures over training on log scales:

# %%
study_figure = tconv.viz.plot_decoder_study(study)
study_path = tconv.viz.save(study_figure, OUT / "16_decoders.png")
study_figure

# %% [markdown]
# The animation steps through the recorded steps: the flat outputs, a test image's outputs beside
# the target, and the curves so far (`tconv figure decoders --animate` makes it from the command
# line). Watch the kernel-3 decoder's test output early on: its stripes are visible before they
# fade.

# %%
animation = tconv.viz.animate_decoder_study(study)
animation_path = tconv.viz.save(animation, OUT / "16_decoders.gif", dpi=80)
assert animation.n_frames == len(study.steps)
animation.draw(len(study.steps) // 2)

# %% [markdown]
# **What to take away.** A checkerboard is a disagreement between phases. A loss on textured
# targets removes most of it from the outputs it sees, but a strided upsampler keeps the
# *capacity* to paint it, and it shows in flat regions, which natural images have plenty of.
# Resize + convolution gives all phases one kernel, so flat stays flat (Distill's
# recommendation); ICNR gives them one kernel *at the start* and lets training decide. U-Net's
# kernel-2, stride-2 up-convolution has one tap per phase: it stripes exactly when those taps
# differ.
#
# ## Exercises

# %%
from tconv.exercises import check

# %% [markdown]
# **Exercise 1.** Which of the five decoders can, with *some* weights, paint a checkerboard on a
# flat input? Answer a set of their names (`"k3s2"`, `"k4s2"`, `"resize"`, `"shuffle"`,
# `"shuffle_icnr"`).

# %%
# BEGIN SOLUTION 16.1
# STUDENT: can_stripe = ...                 # a set of names
can_stripe = {"k3s2", "k4s2", "shuffle", "shuffle_icnr"}
# END SOLUTION 16.1
check("16.1", can_stripe)

# %% [markdown]
# **Exercise 2.** The 4 x 4 image below: compute its checkerboard energy share by hand from its
# phase sums (the DFT identity of section 1), without `checkerboard_energy`.

# %%
image_16 = np.add.outer(np.arange(4.0), np.arange(4.0)) + np.array([[0.0, 1.0] * 2, [1.0, 0.0] * 2] * 2)   # a ramp + stripes
# BEGIN SOLUTION 16.2
# STUDENT: share = ...
centred = image_16 - image_16.mean()
phase_sums = np.array([[centred[a::2, b::2].sum() for b in range(2)] for a in range(2)])
share = float((np.abs(np.fft.fft2(phase_sums)) ** 2).sum() / (np.abs(np.fft.fft2(centred)) ** 2).sum())
# END SOLUTION 16.2
check("16.2", share)

# %%
print(float(checkerboard_energy(image_16, 2)))

# %% [markdown]
# **Exercise 3.** A pixel-shuffle decoder's convolution has 4 output channels (one per phase) with
# weights `w` (shape `(4, 8, 3, 3)`) and bias `b`. For a flat input of value `v` on all 8 input
# channels, what value does each output phase `(i, j)` take in the interior? Answer a 2 x 2 array.

# %%
w_16 = np.random.default_rng(16).standard_normal((4, 8, 3, 3))
b_16 = np.array([0.1, -0.2, 0.3, 0.0])
v_16 = 0.5
# BEGIN SOLUTION 16.3
# STUDENT: phase_values = ...               # 2 x 2: phase (i, j) at [i, j]
phase_values = (v_16 * w_16.sum(axis=(1, 2, 3)) + b_16).reshape(2, 2)      # channel i·2 + j -> phase (i, j)
# END SOLUTION 16.3
check("16.3", phase_values, w=w_16, b=b_16, v=v_16)
