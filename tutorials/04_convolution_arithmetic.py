# ---
# jupyter:
#   jupytext:
#     formats: py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
# ---

# %% [markdown]
# # Tutorial 4: convolution arithmetic, and translating between the paper, PyTorch and Keras
#
# **Goal.** Predict the size of every convolution and transposed convolution before running it:
# the formulas of Dumoulin & Visin (2016) on each case of their figures, the padding modes
# (`'valid'`, `'same'`, `'full'`, asymmetric pairs), what `output_padding` and `output_size` are
# for and which values are allowed, and how to translate a Keras `Conv2DTranspose` into PyTorch's
# arguments, including the cases where the two frameworks place the result one pixel apart and
# the one where PyTorch has no equivalent at all. `tconv explain` does all of this arithmetic for
# you; the last section shows how to read it.
#
# **Before you start.** Tutorial 1 (the matrix `C`, zero insertion, `output_padding`).
# **Runtime:** in the [runtime table](README.md#runtimes).

# %%
# %matplotlib inline
import contextlib
import io
import os
from pathlib import Path

import numpy as np

import tconv
import tconv.cli
import tconv.viz
from tconv.translate.spelling import framework_calls
from tconv.translate import keras_conv_transpose
from tconv.viz.style import OKABE_ITO, new_figure, styled

np.set_printoptions(precision=3, suppress=True, linewidth=100)
OUT = Path(os.environ.get("TCONV_TUTORIAL_OUTPUT", "tutorial_figures"))
OUT.mkdir(exist_ok=True)
rng = np.random.default_rng(0)

# %% [markdown]
# ## 1. One formula for every case
#
# Per spatial axis, with input `i`, kernel `k`, stride `s`, padding `p` on each side and dilation
# `d`, the kernel covers `k̂ = d(k - 1) + 1` pixels and the convolution's output has
#
#     o = floor((i + 2p - k̂) / s) + 1
#
# pixels: the number of window positions, `s` apart, that fit in the padded input. The paper
# draws one figure per case; here are their numbers `(i, k, s, p, d) -> o`, each checked three
# ways: the formula by hand, `tconv.conv_output_size`, and the shape of a real `tconv.conv2d`.

# %%
PAPER_CASES = [                       # (name, (i, k, s, p, d), o)
    ("no padding, unit strides", (4, 3, 1, 0, 1), 2),
    ("arbitrary padding", (5, 4, 1, 2, 1), 6),
    ("half (same) padding", (5, 3, 1, 1, 1), 5),
    ("full padding", (5, 3, 1, 2, 1), 7),
    ("strides, no padding", (5, 3, 2, 0, 1), 2),
    ("padding and strides", (5, 3, 2, 1, 1), 3),
    ("padding and strides, odd", (6, 3, 2, 1, 1), 3),
    ("dilation", (7, 3, 1, 0, 2), 3),
]

print(f"{'case':26s} {'(i, k, s, p, d)':16s} {'k̂':>2s}  o = floor((i + 2p - k̂)/s) + 1")
for name, (i, k, s, p, d), o in PAPER_CASES:
    k_hat = d * (k - 1) + 1
    by_hand = (i + 2 * p - k_hat) // s + 1
    image = rng.standard_normal((1, 1, i, i))
    out = tconv.conv2d(image, rng.standard_normal((1, 1, k, k)), stride=s, padding=p, dilation=d)
    print(f"{name:26s} {str((i, k, s, p, d)):16s} {k_hat:2d}  floor(({i} + {2 * p} - {k_hat})/{s}) + 1 = {by_hand}")
    assert by_hand == o == tconv.conv_output_size(i, k, s, p, d)
    assert out.shape[2:] == (o, o)

# %% [markdown]
# ## 2. The transposed twin of each case
#
# The transposed convolution with the same `k, s, p, d` goes from `o` back to
#
#     o' = (o - 1)s - 2p + k̂ + a
#
# where `a` is PyTorch's `output_padding`. With `a = 0` this is `i` in every case but one: in the
# *odd* case, `(i + 2p - k̂) = 5` is not a multiple of `s = 2`, the floor threw one pixel away,
# and `a = (i + 2p - k̂) mod s = 1` puts it back. A 5x5 and a 6x6 input both give 3x3; only
# `output_padding` says which one to return to.

# %%
print(f"{'case':26s} {'o':>2s}  a  o' = (o - 1)s - 2p + k̂ + a")
for name, (i, k, s, p, d), o in PAPER_CASES:
    k_hat = d * (k - 1) + 1
    a = (i + 2 * p - k_hat) % s
    back = (o - 1) * s - 2 * p + k_hat + a
    feature = rng.standard_normal((1, 1, o, o))
    up = tconv.conv_transpose2d(feature, rng.standard_normal((1, 1, k, k)), stride=s, padding=p,
                                output_padding=a, dilation=d)
    print(f"{name:26s} {o:2d}  {a}  ({o} - 1)*{s} - {2 * p} + {k_hat} + {a} = {back}")
    assert back == i == tconv.conv_transpose_output_size(o, k, s, p, d, a)
    assert up.shape[2:] == (i, i)
    assert tconv.conv_geometry((i, i), (k, k), s, p, d).restoring_output_padding() == (a, a)
    assert (a == 1) == (name == "padding and strides, odd")

# %% [markdown]
# The picture of the odd case: the last window (outlined) starts at row and column 4 of the
# padded 8x8 input, so the bottom row and the right column of the padding are never covered by
# the kernel (the paper makes the same remark). Drop the input's last row and column (a 5x5 input,
# padded to 7x7) and three windows per axis still fit: both sizes give 3x3.

# %%
odd_figure = tconv.viz.draw_convolution(tconv.conv_geometry((6, 6), (3, 3), stride=2, padding=1),
                                        position=(2, 2))
odd_figure_path = tconv.viz.save(odd_figure, OUT / "04_odd_case.png")
odd_figure

# %% [markdown]
# **The paper's view of the twins.** Each transposed convolution is also a direct, stride-1
# convolution of a stretched input (tutorial 1, section 7): insert `s - 1` zeros between the
# input pixels, pad `k̂ - 1 - p` before and `k̂ - 1 - p + a` after, and slide the kernel rotated
# by 180 degrees. These "primed" numbers are the paper's, not arguments of any framework.
# `ConvGeometry.equivalent_conv()` computes them:

# %%
print(f"{'case':26s} zeros  stuffed  pad (before, after)  output")
for name, (i, k, s, p, d), o in PAPER_CASES:
    a = (i + 2 * p - (d * (k - 1) + 1)) % s
    twin = tconv.conv_transpose_geometry((o, o), (k, k), s, p, a, d).equivalent_conv()
    print(f"{name:26s} {twin['zeros_between'][0]:5d}  {twin['stuffed_size'][0]:7d}  "
          f"{str(twin['padding'][0]):19s}  {twin['output_size'][0]}")
    assert twin["output_size"] == (i, i)

# no padding <-> full padding: the twin of a 'valid' convolution pads k - 1 = 2 on each side,
no_padding = tconv.conv_transpose_geometry((2, 2), (3, 3)).equivalent_conv()
assert no_padding["padding"] == ((2, 2), (2, 2))
# ...and the twin of a 'full' convolution pads nothing; 'same' stays 'same'.
assert tconv.conv_transpose_geometry((7, 7), (3, 3), padding=2).equivalent_conv()["padding"] == ((0, 0), (0, 0))
assert tconv.conv_transpose_geometry((5, 5), (3, 3), padding=1).equivalent_conv()["padding"] == ((1, 1), (1, 1))

# %% [markdown]
# ## 3. Padding modes: `'valid'`, `'same'`, `'full'` and asymmetric pairs
#
# Besides an int, tconv's `padding` accepts PyTorch's strings `'valid'` and `'same'`, the paper's
# `'full'`, and per-axis `(before, after)` pairs:
#
# * `'valid'`: no padding, `o = i - k̂ + 1`;
# * `'same'` (stride 1 only): `o = i`; the total `k̂ - 1` is split `floor` before and the rest
#   after, so an even kernel pads one more pixel at the end (PyTorch does the same);
# * `'full'`: `k̂ - 1` on both sides, every partial overlap, `o = i + k̂ - 1`;
# * `((before, after), ...)`: anything else, for example TensorFlow's asymmetric `'same'`.
#
# On a 1-D signal of length 6 with kernels of size 3 and 4:

# %%
signal = np.arange(1.0, 7.0)[None, None]                        # [[[1, 2, 3, 4, 5, 6]]]
for k in (3, 4):
    weight = np.ones((1, 1, k))
    for mode in ("valid", "same", "full"):
        pads = tconv.conv_geometry((6,), (k,), padding=mode).padding[0]
        out = tconv.conv1d(signal, weight, padding=mode)[0, 0]
        print(f"k={k} {mode!r:8s} pads {pads}  output length {len(out)}: {out}")
        assert len(out) == {"valid": 6 - k + 1, "same": 6, "full": 6 + k - 1}[mode]
    assert tconv.conv_geometry((6,), (k,), padding="same").padding == (((k - 1) // 2, k // 2),)

# An asymmetric pair is the same as padding the array yourself, then a 'valid' convolution:
w3 = rng.standard_normal((1, 1, 3))
assert np.allclose(tconv.conv1d(signal, w3, padding=((0, 1),)),
                   tconv.conv1d(np.pad(signal, ((0, 0), (0, 0), (0, 1))), w3))

# 'full' correlation is the transposed convolution (padding 0) with the kernel reversed:
assert np.allclose(tconv.conv1d(signal, w3, padding="full"), tconv.conv_transpose1d(signal, w3[..., ::-1]))

# %% [markdown]
# `'same'` is refused at stride 2, as in PyTorch: how much to pad depends on the input size, so
# the string alone does not define the result. The error says so:

# %%
try:
    tconv.conv2d(np.ones((1, 1, 6, 6)), np.ones((1, 1, 3, 3)), stride=2, padding="same")
    raise AssertionError("padding='same' with stride 2 should be refused")
except ValueError as error:
    print("ValueError:", error)
    assert "stride" in str(error)

# %% [markdown]
# ## 4. `output_padding` and `output_size`
#
# A stride-`s` convolution maps `s` consecutive input sizes to the same output size, so its
# transposed twin can return to any of `s` sizes: `o'(a)` for `a = 0, ..., s - 1`. PyTorch offers
# two ways to choose:
#
# * `output_padding=a`, with `0 <= a < max(s, d)`: `a` extra rows and columns at the bottom/right;
# * `output_size=(H, W)`, which must lie in `[o'(a=0), o'(a=0) + s - 1]` on each axis
#   (`tconv.output_size_range`); the library derives `a` from it.
#
# For a 4x4 input, `k = 3, s = 2, p = 1`: sizes 7 and 8.

# %%
x4 = rng.standard_normal((1, 1, 4, 4))
w33 = rng.standard_normal((1, 1, 3, 3))
low, high = tconv.output_size_range(4, 3, stride=2, padding=1)
print("valid output sizes:", low, "to", high)
assert (low, high) == (7, 8)
for size in (7, 8):
    by_size = tconv.conv_transpose2d(x4, w33, stride=2, padding=1, output_size=(size, size))
    by_padding = tconv.conv_transpose2d(x4, w33, stride=2, padding=1, output_padding=size - 7)
    assert by_size.shape[2:] == (size, size) and np.array_equal(by_size, by_padding)

# %% [markdown]
# Anything else is an error. PyTorch's message for `output_size=(9, 9)` reads
# `requested an output size of (9, 9), but valid sizes range from [7, 7] to [8, 8] (for an input of
# torch.Size([4, 4]))`, and for `output_padding=2` at stride 2 `output padding must be smaller than
# either stride or dilation, ...`. tconv's messages use the same words and add which axis is wrong:

# %%
try:
    tconv.conv_transpose2d(x4, w33, stride=2, padding=1, output_size=(9, 9))
    raise AssertionError("output_size=(9, 9) should be refused")
except ValueError as error:
    print("ValueError:", error)
    assert "requested an output size of (9, 9), but valid sizes range from (7, 7) to (8, 8)" in str(error)

try:
    tconv.conv_transpose2d(x4, w33, stride=2, padding=1, output_padding=2)
    raise AssertionError("output_padding=2 at stride 2 should be refused")
except ValueError as error:
    print("ValueError:", error)
    assert "must be smaller than stride or dilation" in str(error)

# ...but a dilated transposed convolution may pad its output even at stride 1 (a < d):
dilated = tconv.conv_transpose2d(x4, w33, dilation=2, output_padding=1)
assert dilated.shape[2:] == (4 - 1 + 5 + 1,) * 2

# %% [markdown]
# ## 5. Keras' `Conv2DTranspose` in PyTorch
#
# Keras has two paddings for its transposed convolutions, and they are *sizes*, not pixel counts:
#
# * `padding="valid"`: `o' = (i - 1)s + max(k̂, s)`;
# * `padding="same"`:  `o' = i * s` (exactly s times larger).
#
# TensorFlow computes `"same"` as the transpose of its `"same"` convolution of an `i*s` input,
# which pads `T = max(k̂ - s, 0)` in total: `T//2` before and the rest after. The transposed
# convolution crops the same amounts. PyTorch can only crop `p` on *both* sides and then append
# `a` at the end, so it matches the size with `p = ceil(T/2)` and `a = 2p - T`.
# `tconv.translate.keras_conv_transpose` does this translation. At stride 2:

# %%
print("k   T  PyTorch (p, output_padding)  same values?")
for k, expected in [(3, (1, 1)), (4, (1, 0)), (2, (0, 0)), (5, (2, 1))]:
    keras = keras_conv_transpose("same", k, stride=2)
    p, a = keras.padding[0], keras.output_padding[0]
    print(f"{k}   {keras.total_padding[0]}  ({p}, {a}){'':22s}{keras.exact}")
    assert (p, a) == expected
    assert keras.exact == (keras.total_padding[0] % 2 == 0)       # exact when T is even
    out = tconv.conv_transpose2d(x4, rng.standard_normal((1, 1, k, k)), stride=2, padding=p, output_padding=a)
    assert out.shape[2:] == (8, 8) == keras.output_size((4, 4))
print(keras_conv_transpose("same", 3, stride=2).torch_call)

# %% [markdown]
# **The one-pixel shift.** When `T` is odd (k = 3 and k = 5 above), the sizes agree but the
# values do not: TensorFlow crops `T//2` pixels at the start, PyTorch `ceil(T/2)`, one more. On a
# 1-D example, `x = [1, 2, 3, 4]` with the kernel `[1, 10, 100]` (so each product is readable),
# the uncropped transposed convolution has `(4 - 1)*2 + 3 = 9` values; Keras keeps the first 8,
# PyTorch the last 8. tconv spells Keras' exact result with an asymmetric padding pair,
# `keras.tconv_padding`:

# %%
x_line = np.array([[[1.0, 2.0, 3.0, 4.0]]])
w_line = np.array([[[1.0, 10.0, 100.0]]])
keras3 = keras_conv_transpose("same", 3, stride=2, ndim=1)
uncropped = tconv.conv_transpose1d(x_line, w_line, stride=2)[0, 0]
keras_values = tconv.conv_transpose1d(x_line, w_line, stride=2, padding=keras3.tconv_padding,
                                      output_padding=keras3.tconv_output_padding)[0, 0]
torch_values = tconv.conv_transpose1d(x_line, w_line, stride=2, padding=keras3.padding,
                                      output_padding=keras3.output_padding)[0, 0]
print("tconv padding for Keras:", keras3.tconv_padding, " PyTorch:", keras3.padding, keras3.output_padding)
print("uncropped :", uncropped)
print("Keras     :", keras_values)
print("PyTorch   :", "      ", torch_values)
assert keras3.tconv_padding == ((0, 1),) and keras3.shifted_axes == (0,)
assert np.array_equal(keras_values, uncropped[:8]) and np.array_equal(torch_values, uncropped[1:])
assert np.array_equal(torch_values[:-1], keras_values[1:])      # torch[j] = keras[j + 1]
print(keras3.note)

# %%
with styled():
    shift_figure = new_figure(10, 5.6, layout="constrained")
    top, bottom = shift_figure.subplots(2, 1, sharey=True)
    top.plot(np.arange(9), uncropped, color="#888888", linewidth=7, alpha=0.35, label="uncropped (9 values)")
    top.plot(np.arange(8), keras_values, "o-", color=OKABE_ITO["blue"], markersize=11, markerfacecolor="none",
             label="Keras 'same' keeps 0..7")
    top.plot(np.arange(1, 9), torch_values, "s--", color=OKABE_ITO["vermillion"],
             label="PyTorch padding=1, output_padding=1 keeps 1..8")
    top.set_xlabel("position in the uncropped result")
    top.set_title("Where each framework's 8 values come from")
    bottom.plot(np.arange(8), keras_values, "o-", color=OKABE_ITO["blue"], label="Keras")
    bottom.plot(np.arange(8), torch_values, "s--", color=OKABE_ITO["vermillion"], label="PyTorch")
    bottom.set_xlabel("output position j (both outputs have 8 values)")
    bottom.set_title("What you get: the same size, shifted by one pixel (torch[j] = keras[j + 1])")
    for ax, positions in ((top, 9), (bottom, 8)):
        ax.set_ylabel("value")
        ax.set_xticks(range(positions))
        ax.legend(loc="upper left")
    shift_figure.suptitle("Keras Conv1DTranspose(kernel_size=3, strides=2, padding='same') vs PyTorch, "
                          "x = [1, 2, 3, 4], kernel [1, 10, 100]")
shift_figure_path = tconv.viz.save(shift_figure, OUT / "04_keras_shift.png")
shift_figure

# %% [markdown]
# In 2-D the shift happens on both axes; PyTorch's result is Keras' moved one pixel up and left.

# %%
w_square = rng.standard_normal((1, 1, 3, 3))
keras_2d = keras_conv_transpose("same", 3, stride=2)
keras_image = tconv.conv_transpose2d(x4, w_square, stride=2, padding=keras_2d.tconv_padding)
torch_image = tconv.conv_transpose2d(x4, w_square, stride=2, padding=1, output_padding=1)
assert keras_image.shape == torch_image.shape == (1, 1, 8, 8)
assert np.allclose(torch_image[..., :-1, :-1], keras_image[..., 1:, 1:])
assert not np.allclose(torch_image, keras_image)

# %% [markdown]
# **No equivalent at all.** An even kernel with `"same"` at stride 1 (say `k = 2`) pads `T = 1`:
# PyTorch would need `p = 1, output_padding = 1`, but `output_padding` must be smaller than the
# stride (1). tconv's asymmetric padding `((0, 1),)` is exact; in PyTorch, use `padding=0` and
# crop the last pixel.

# %%
even = keras_conv_transpose("same", 2, stride=1, ndim=1)
print("PyTorch call:", even.torch_call)
print(even.note)
assert even.torch_call is None and not even.shape_equivalent
exact = tconv.conv_transpose1d(x_line, np.ones((1, 1, 2)), padding=even.tconv_padding)[0, 0]
cropped = tconv.conv_transpose1d(x_line, np.ones((1, 1, 2)))[0, 0][:-1]
assert exact.shape == (4,) and np.array_equal(exact, cropped)

# %% [markdown]
# The same holds for ordinary convolutions: a Keras `Conv2D(strides=2, padding="same")` pads
# asymmetrically too, so PyTorch spells it as an explicit pad then a convolution.
# `tconv.translate.spelling.framework_calls` spells any tconv geometry in both frameworks, or says why it
# cannot:

# %%
tf_same = tconv.conv_geometry((6, 6), (3, 3), stride=2, padding=((0, 1), (0, 1)))
calls = framework_calls(tf_same)
print("tconv:  ", calls.tconv)
print("Keras:  ", calls.keras)
print("PyTorch:", calls.torch, "-", calls.torch_note)
assert calls.torch is None and "padding='same'" in calls.keras

# %% [markdown]
# ## 6. `tconv explain`: the arithmetic, done for you
#
# All of the above for any geometry, from the command line. Try in a terminal:
#
#     tconv explain --input 6 6 --kernel 3 --stride 2 --padding 1
#     tconv explain --input 4 4 --kernel 3 --stride 2 --keras same
#     tconv explain --help
#
# Here we run the same commands from Python and check what they print.

# %%
def run_tconv(*words):
    """Run the `tconv` command with these words and return what it prints."""
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        exit_code = tconv.cli.main(list(words))
    assert exit_code == 0, exit_code
    return printed.getvalue()


odd_report = run_tconv("explain", "--input", "6", "6", "--kernel", "3", "--stride", "2", "--padding", "1")
print(odd_report)
assert "o = floor((6 + 2*1 - 3) / 2) + 1 = 3" in odd_report
assert "output_padding = (i + p_before + p_after - k̂) mod s = 1" in odd_report

# %% [markdown]
# With `--keras same` it first translates the Keras layer, then explains tconv's exact spelling
# of it (note the asymmetric `padding 0,1`):

# %%
keras_report = run_tconv("explain", "--input", "4", "4", "--kernel", "3", "--stride", "2", "--keras", "same")
print(keras_report)
assert "padding=((0, 1), (0, 1))" in keras_report
assert "padding=1, output_padding=1" in keras_report and "NOT the same values" in keras_report

# %% [markdown]
# **The same, interactively.** `tconv explore -o explorer.html` (or `tconv.viz.explorer(geometry)`,
# which also shows inline in a notebook) writes one web page that needs no network: move the
# sliders of any geometry and hover a cell to see its window, the kernel copy it paints, its row
# and column of `C`, the overlap of the copies, every input size that gives the same output (the
# buttons switch `output_padding`), and the Keras table of section 5 with buttons that show tconv's
# exact spelling and PyTorch's one-pixel-shifted twin. Here, the odd case's transposed twin:

# %%
twin = tconv.conv_transpose_geometry((3, 3), (3, 3), stride=2, padding=1, output_padding=1)
explorer_path = tconv.viz.explorer(twin).save(OUT / "04_explorer.html")
print(f"open {explorer_path} in a browser; its address keeps the settings, e.g. #input=3,3&kernel=3,3&stride=2,2&"
      "padding=1,1&dilation=1,1&output_padding=1,1&mode=transposed")
assert os.path.getsize(explorer_path) < 500_000

# %% [markdown]
# ## Exercises
#
# Each exercise ends with `check("04.k", answer)`, which prints *right*, or *not yet* with a
# hint that does not give the answer away. In a student copy (made by
# `tconv tutorials --student DIR`) every solution is a blank (`...`) for you to fill in; in
# the tutorial itself the solutions are filled in. Work each one out with the formulas first;
# `tconv explain` is there to check you afterwards.

# %%
from tconv.exercises import check

# %% [markdown]
# **Exercise 1.** Which input sizes does a convolution with `k = 5, s = 3, p = 1` map to an
# output of 4 pixels, and which `output_padding` brings its transposed twin back to each?
# Answer a dict `{input size: output_padding}`.

# %%
# BEGIN SOLUTION 04.1
# STUDENT: back_to = ...                  # {input size: output_padding, ...}
# floor((i + 2 - 5)/3) + 1 = 4  <=>  9 <= i - 3 <= 11; then a = (i + 2p - k) mod s
back_to = {i: (i + 2 * 1 - 5) % 3 for i in range(12, 15)}
# END SOLUTION 04.1
check("04.1", back_to)

# %%
sizes = [i for i in range(1, 30) if tconv.conv_output_size(i, 5, 3, 1) == 4]
print("input sizes with 4 outputs:", sizes)
for i in sizes:
    a = tconv.conv_geometry((i,), (5,), 3, 1).restoring_output_padding()[0]
    assert tconv.conv_transpose_output_size(4, 5, 3, 1, 1, a) == i
    print(f"  {i}: output_padding {a}")

# %% [markdown]
# **Exercise 2.** A decoder must double a feature map exactly (`o' = 2i` for every `i`) with a
# stride-2 transposed convolution. For kernels 2, 3, 4 and 5, which PyTorch `padding` and
# `output_padding` do it? Answer a dict `{k: (padding, output_padding)}`, then compare with the
# Keras `"same"` translation of section 5: which of them also give Keras' values?

# %%
# BEGIN SOLUTION 04.2
# STUDENT: doubling = ...                 # {2: (padding, output_padding), 3: ..., 4: ..., 5: ...}
# (i - 1)*2 - 2p + k + a = 2i  <=>  2p - a = k - 2, with 0 <= a < 2
doubling = {}
for k in (2, 3, 4, 5):
    p = (k - 2 + 1) // 2
    doubling[k] = (p, 2 * p - (k - 2))
# END SOLUTION 04.2
check("04.2", doubling)

# %%
for k in (2, 3, 4, 5):
    keras = keras_conv_transpose("same", k, stride=2, ndim=1)
    print(f"k={k}: PyTorch padding={keras.padding[0]}, output_padding={keras.output_padding[0]}; "
          f"the same values as Keras: {keras.exact}")

# %% [markdown]
# (Every one doubles the size; for the odd kernels PyTorch's result is Keras' shifted by one
# pixel, section 5.)
#
# **Exercise 3.** Keras' `Conv1DTranspose(kernel_size=2, strides=3, padding="valid")`: what is its
# output size for an input of 5, and which PyTorch `padding` and `output_padding` give the same
# values? (A stride larger than the kernel leaves gaps; Keras keeps the trailing gap.) Answer
# `(output size, padding, output_padding)`.

# %%
# BEGIN SOLUTION 04.3
# STUDENT: keras_valid = ...              # (output size, padding, output_padding)
size = (5 - 1) * 3 + max(2, 3)                              # Keras 'valid': (i - 1)s + max(k, s)
keras_valid = (size, 0, size - ((5 - 1) * 3 + 2))           # PyTorch: no padding, the gap as output_padding
# END SOLUTION 04.3
check("04.3", keras_valid)

# %%
valid = keras_conv_transpose("valid", 2, stride=3, ndim=1)
print(valid.torch_call, "->", valid.output_size((5,)))
out = tconv.conv_transpose1d(rng.standard_normal((1, 1, 5)), np.ones((1, 1, 2)), stride=3, output_padding=1)
assert out.shape == (1, 1, 15) and out[0, 0, -1] == 0.0          # the last pixel is the trailing gap
