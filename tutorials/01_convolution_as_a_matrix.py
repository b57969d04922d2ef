# ---
# jupyter:
#   jupytext:
#     formats: py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
# ---

# %% [markdown]
# # Tutorial 1: convolution as a matrix, transposed convolution as its transpose
#
# **Goal.** A convolution is a linear map, so it is a matrix `C` acting on the flattened image,
# and the *transposed* convolution is, literally, `C.T`: same weights, same geometry, the matrix
# transposed. You will build `C` by hand for the lecture notes' example (a 4x4 image, a 3x3
# kernel; Dumoulin & Visin 2016, section 4.1), then check that the other views of the transposed
# convolution found in books are the same operator:
#
# 1. `C.T @ y` with the explicit matrix,
# 2. scatter-add: each input pixel paints a weighted copy of the kernel (d2l's view),
# 3. zero insertion + padding + a stride-1 convolution with the flipped kernel (the paper's view),
#
# and the identity that makes "transposed" the right word: `<C x, y> = <x, C.T y>`.
#
# **Before you start.** NumPy arrays and matrix products; nothing about tconv. This is the first
# tutorial. **Runtime:** in the [runtime table](README.md#runtimes).
#
# Run it as a script (`python tutorials/01_convolution_as_a_matrix.py`) or open it as a notebook
# with jupytext. Every claim is checked by an `assert`, so the script fails loudly if one is wrong.
# Figures are shown inline in a notebook and saved to `tutorial_figures/` (or to the folder named
# by the environment variable `TCONV_TUTORIAL_OUTPUT`).

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
from tconv import reference

np.set_printoptions(precision=3, suppress=True, linewidth=100)
OUT = Path(os.environ.get("TCONV_TUTORIAL_OUTPUT", "tutorial_figures"))
OUT.mkdir(exist_ok=True)

# %% [markdown]
# ## 1. The image and the kernel
#
# Deep-learning "convolution" is cross-correlation: slide the kernel over the image and take a
# dot product at each position, with no kernel flip. With a 4x4 input, a 3x3 kernel, stride 1
# and no padding, the output is `floor((4 + 2*0 - 3)/1) + 1 = 2` pixels per side.

# %%
M = np.array([[4, 5, 8, 7],
              [1, 8, 8, 8],
              [3, 6, 6, 4],
              [6, 5, 7, 8]], dtype=float)
K = np.array([[1, 4, 1],
              [1, 4, 3],
              [3, 3, 1]], dtype=float)

conv_by_hand = np.zeros((2, 2))
for r in range(2):
    for c in range(2):
        conv_by_hand[r, c] = np.sum(M[r:r + 3, c:c + 3] * K)
print(conv_by_hand)
assert conv_by_hand.tolist() == [[122, 148], [126, 134]]

# %% [markdown]
# ## 2. Stretch the image into a vector
#
# Flatten row by row (NumPy's default, row-major order): the 4x4 image becomes 16 numbers.

# %%
x = M.reshape(-1)
print(x)
assert x.shape == (16,)

# %% [markdown]
# ## 3. The convolution matrix `C`
#
# Each output pixel is a dot product of the kernel with some of the 16 input numbers. Write the
# kernel into a 4x4 canvas of zeros at the window's position and flatten it: that is one row of
# `C`. Four output pixels, four rows: `C` is 4x16. Row 1 is row 0 shifted right by one column
# (the window moved one pixel right); rows 2 and 3 are row 0 shifted by 4 and 5 (one image row
# down is 4 entries further in the flattened vector).

# %%
C_by_hand = np.zeros((4, 16))
for r in range(2):
    for c in range(2):
        canvas = np.zeros((4, 4))
        canvas[r:r + 3, c:c + 3] = K
        C_by_hand[r * 2 + c] = canvas.reshape(-1)
print(C_by_hand.astype(int))

assert C_by_hand[0].tolist() == [1, 4, 1, 0, 1, 4, 3, 0, 3, 3, 1, 0, 0, 0, 0, 0]
for row, shift in [(1, 1), (2, 4), (3, 5)]:
    assert np.array_equal(C_by_hand[row], np.roll(C_by_hand[0], shift))

# %% [markdown]
# tconv builds the same matrix, sparse, for any geometry, channels and groups, from the weight
# `(C_out, C_in, kh, kw)` and the input's shape `(C_in, H, W)`:

# %%
C = tconv.conv_matrix(K[None, None], (1, 4, 4))
print(C)
assert np.array_equal(C.toarray(), C_by_hand)

# %% [markdown]
# The convolution is now a matrix-vector product, `conv = C @ vec(M)`:

# %%
y = C @ x
print(y, "->", y.reshape(2, 2).tolist())
assert y.reshape(2, 2).tolist() == [[122, 148], [126, 134]]
assert np.array_equal(tconv.conv2d(M[None], K[None, None])[0], y.reshape(2, 2))

# %% [markdown]
# `tconv.viz.draw_matrix` draws the notes' picture of it: the input stretched into `x`, the
# kernel (each tap in its own colour), and `C` with every entry written out. Column `j` of `C`
# multiplies `x[j]`; each row holds the nine taps of one window.

# %%
matrix_figure = tconv.viz.draw_matrix(tconv.conv_geometry((4, 4), (3, 3)), numbers=True)
matrix_figure_path = tconv.viz.save(matrix_figure, OUT / "01_convolution_matrix.png")
matrix_figure

# %% [markdown]
# ## 4. The transposed convolution is `C.T`
#
# `C` maps 16 numbers to 4. Its transpose `C.T` (16x4) maps 4 numbers back to 16: a 2x2 input
# becomes a 4x4 output. The *shape* goes back up, the *values* do not: `C.T` is the transpose of
# `C`, not its inverse (a 4x16 matrix has no inverse).

# %%
y_small = np.array([2.0, 1.0, 4.0, 4.0])
up = (C.T @ y_small).reshape(4, 4)
print(up)
assert up.tolist() == [[2, 9, 6, 1], [6, 29, 30, 7], [10, 29, 33, 13], [12, 24, 16, 4]]

# %% [markdown]
# Going down with `C` and back up with `C.T` does not return the image `M` either:

# %%
back = (C.T @ (C @ x)).reshape(4, 4)
print("M =")
print(M)
print("C.T @ C @ x =")
print(back)
assert back.shape == M.shape and not np.allclose(back, M)

# %% [markdown]
# `tconv.conv_transpose2d` computes exactly `C.T @ y`. Its weight has PyTorch's transposed
# layout `(C_in, C_out, kh, kw)`: for one channel in and out, the same `K[None, None]`.
# In the picture of `C.T` each *column* is the kernel laid into the 4x4 output at one window.

# %%
up_tconv = tconv.conv_transpose2d(y_small.reshape(1, 2, 2), K[None, None])
assert np.array_equal(up_tconv[0], up)

transposed_figure = tconv.viz.draw_matrix(tconv.conv_geometry((4, 4), (3, 3)), numbers=True, transpose=True)
transposed_figure_path = tconv.viz.save(transposed_figure, OUT / "01_transposed_matrix.png")
transposed_figure

# %% [markdown]
# ## 5. The scatter-add view (d2l)
#
# Read `C.T @ y` column by column: column `m` of `C.T` is row `m` of `C`, the kernel placed at
# window `m`. So the transposed convolution lets every input pixel *paint* a copy of the kernel,
# scaled by its value, at its window, and adds up the overlaps.

# %%
def scatter_add(y2d, kernel, stride=1):
    """Each pixel of the square y2d paints kernel * value at its window, `stride` pixels apart."""
    n, k = y2d.shape[0], kernel.shape[0]
    out = np.zeros(((n - 1) * stride + k,) * 2)
    for r in range(n):
        for c in range(n):
            out[r * stride:r * stride + k, c * stride:c * stride + k] += y2d[r, c] * kernel
    return out


assert np.array_equal(scatter_add(y_small.reshape(2, 2), K), up)

# d2l's small example, X = K = [[0, 1], [2, 3]]:
X2 = np.array([[0.0, 1.0], [2.0, 3.0]])
print("d2l's example, stride 1:")
print(scatter_add(X2, X2))
assert scatter_add(X2, X2).tolist() == [[0, 0, 1], [0, 4, 6], [4, 12, 9]]
assert np.array_equal(reference.conv_transpose_scatter(X2[None, None], X2[None, None])[0, 0],
                      scatter_add(X2, X2))

# %% [markdown]
# ## 6. The zero-insertion view (the paper's)
#
# The same result comes from an ordinary stride-1 convolution: pad the 2x2 input with
# `k - 1 - p = 3 - 1 - 0 = 2` zeros on every side (a 6x6 array) and slide the kernel *rotated by
# 180 degrees* over it. (With stride `s`, first insert `s - 1` zeros between the input pixels;
# see section 7.) These "primed" numbers are the paper's, not arguments of any framework.

# %%
padded = np.pad(y_small.reshape(2, 2), 2)
flipped = K[::-1, ::-1]
print("the 2x2 input padded with 2 zeros on every side:")
print(padded)
print("the kernel rotated by 180 degrees:")
print(flipped)
zero_insertion = np.array([[np.sum(padded[r:r + 3, c:c + 3] * flipped) for c in range(4)]
                           for r in range(4)])
print("stride-1 convolution of the two:")
print(zero_insertion)
assert padded.shape == (6, 6)
assert np.array_equal(zero_insertion, up)
assert np.array_equal(reference.conv_transpose_zero_insertion(y_small.reshape(1, 1, 2, 2),
                                                              K[None, None])[0, 0], up)

# %% [markdown]
# Every view, and the autograd's gradient (tutorial 2), side by side on one colour scale:
# `tconv.viz.views_data` computes them and `tconv.viz.plot_views` draws them.

# %%
views = tconv.viz.views_data(tconv.conv_geometry((4, 4), (3, 3)))
for name, image in views["views"]:
    assert np.array_equal(image, up), name
views_figure = tconv.viz.plot_views(tconv.conv_geometry((4, 4), (3, 3)))
views_figure_path = tconv.viz.save(views_figure, OUT / "01_views.png")
views_figure

# %% [markdown]
# ## 7. Stride 2, and why `output_padding` exists
#
# With stride 2, padding 1 and a 3x3 kernel, a 5x5 image and a 6x6 image both give a 3x3
# output: `floor((5 + 2 - 3)/2) + 1 = floor((6 + 2 - 3)/2) + 1 = 3`. Going back, the transposed
# convolution has to be told which one was meant: `o' = (3 - 1)*2 - 2*1 + 3 + a = 5 + a`, and
# `output_padding = a = (i + 2p - k) mod s` picks 6 (it adds the missing row and column at the
# bottom/right). In both cases the transposed convolution is the transpose of that convolution's
# matrix.

# %%
y3 = np.arange(1.0, 10.0).reshape(1, 3, 3)           # a 3x3 input with readable values
results = {}
for size, a in [(5, 0), (6, 1)]:
    assert tconv.conv_geometry((size, size), (3, 3), stride=2, padding=1).output_size == (3, 3)
    assert (size + 2 * 1 - 3) % 2 == a
    C_strided = tconv.conv_matrix(K[None, None], (1, size, size), stride=2, padding=1)
    via_matrix = (C_strided.T @ y3.reshape(-1)).reshape(size, size)
    via_tconv = tconv.conv_transpose2d(y3, K[None, None], stride=2, padding=1, output_padding=a)[0]
    assert via_tconv.shape == (size, size)
    assert np.array_equal(via_tconv, via_matrix)
    results[size] = via_tconv
    print(f"3x3 -> {size}x{size} with output_padding {a}:")
    print(via_tconv)

# output_padding only appends a row and a column: the first 5x5 are the same numbers.
assert np.array_equal(results[6][:5, :5], results[5])

# %% [markdown]
# The zero-insertion view of the same thing, step by step. Insert `s - 1 = 1` zero between the
# input pixels (3x3 becomes 5x5), pad `k - 1 - p = 1` zero before and `k - 1 - p + a` after, and
# slide the rotated kernel with stride 1:

# %%
stuffed = np.zeros((5, 5))
stuffed[::2, ::2] = y3[0]
print("zeros inserted (3x3 -> 5x5):")
print(stuffed)
for size, a in [(5, 0), (6, 1)]:
    padded = np.pad(stuffed, ((1, 1 + a), (1, 1 + a)))
    print(f"padded 1 before and {1 + a} after ({padded.shape[0]}x{padded.shape[1]}), for output_padding {a}:")
    print(padded)
    by_hand = np.array([[np.sum(padded[r:r + 3, c:c + 3] * flipped) for c in range(size)]
                        for r in range(size)])
    assert np.array_equal(by_hand, results[size])

# %% [markdown]
# `tconv.viz.draw_convolution(..., view="equivalent")` draws this view for any geometry: the
# inserted zeros dotted, the padding hatched, the `output_padding` row and column marked, and
# the rotated kernel's first window, each cell labelled with the tap it meets. Only one input
# pixel falls in that window: with `k - 1 - p = 1` row and column of padding before it, the first
# input pixel sits at (1, 1) of the padded array and meets the rotated kernel's centre, tap
# `w11`. With padding 0 there would be two rows and columns of padding, and the corner tap `w00`
# would meet it.

# %%
stride2_geometry = tconv.conv_transpose_geometry((3, 3), (3, 3), stride=2, padding=1, output_padding=1)
zeros_figure = tconv.viz.draw_convolution(stride2_geometry, view="equivalent")
zeros_figure_path = tconv.viz.save(zeros_figure, OUT / "01_zero_insertion.png")
first_window = {t.get_gid(): t.get_text() for ax in zeros_figure.axes for t in ax.texts if t.get_gid()}
assert first_window["input[1,1]"] == "w11"                 # padding 1: the centre tap
no_padding = tconv.viz.draw_convolution(tconv.conv_transpose_geometry((3, 3), (3, 3), stride=2), view="equivalent")
assert {t.get_gid(): t.get_text() for ax in no_padding.axes for t in ax.texts}["input[2,2]"] == "w00"
zeros_figure

# %% [markdown]
# d2l's stride-2 example: each pixel paints its kernel copy 2 pixels further.

# %%
print("d2l's example, stride 2:")
print(scatter_add(X2, X2, stride=2))
assert scatter_add(X2, X2, stride=2).tolist() == [[0, 0, 0, 1], [0, 0, 2, 3], [0, 2, 0, 3], [4, 6, 6, 9]]
assert np.array_equal(tconv.conv_transpose2d(X2[None], X2[None, None], stride=2)[0],
                      scatter_add(X2, X2, stride=2))

# %% [markdown]
# ## 8. The adjoint identity
#
# "Transposed" means `<C x, y> = <x, C.T y>` for every `x` and `y`: the transposed convolution
# is the adjoint of the convolution. This is also why it is the convolution's gradient: if `L`
# depends on `conv(x)`, then `dL/dx = C.T @ dL/dy` (tutorial 2). In float64 the two sides agree
# to about 1e-15, with no finite-difference noise.

# %%
rng = np.random.default_rng(0)
x6 = rng.standard_normal((2, 3, 6, 7))            # batch 2, 3 channels, 6x7 image
w6 = rng.standard_normal((4, 3, 3, 3))            # 3 -> 4 channels
y6 = rng.standard_normal((2, 4, 3, 4))            # the convolution's output shape
lhs = np.vdot(tconv.conv2d(x6, w6, stride=2, padding=1), y6)
rhs = np.vdot(x6, tconv.conv_transpose2d(y6, w6, stride=2, padding=1, output_padding=(1, 0)))
print(f"<C x, y>   = {lhs:.12f}")
print(f"<x, C.T y> = {rhs:.12f}")
assert abs(lhs - rhs) < 1e-10 * abs(lhs)

# %% [markdown]
# ## 9. `tconv explain` prints the matrix for you
#
# The command `tconv explain` prints, for any geometry, the output size with the formula filled
# in, the zero-insertion recipe, the PyTorch and Keras spellings, and the matrix: its shape and
# sparsity always, every entry when the matrix is small (at most 32 rows and columns and 512
# entries), with the kernel's taps numbered 1..9 in row-major order. In a terminal:
#
#     tconv explain --input 4 4 --kernel 3                  # C, 4 x 16 (section 3)
#     tconv explain --input 2 2 --kernel 3 --transposed     # C.T, 16 x 4 (section 4)
#
# Here we run the same command from Python (`tconv.cli.main` takes the words you would type)
# and check that the printed pattern is the matrix of section 3.

# %%
def run_tconv(*words):
    """Run the `tconv` command with these words and return what it prints."""
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        exit_code = tconv.cli.main(list(words))
    assert exit_code == 0, exit_code
    return printed.getvalue()


def printed_matrix(text):
    """The dense matrix `tconv explain` prints after '(. = 0):', as tap numbers (0 for '.')."""
    lines = text.splitlines()
    start = next(i for i, line in enumerate(lines) if line.rstrip().endswith("(. = 0):")) + 1
    rows = []
    for line in lines[start:]:
        if not line.strip():
            break
        rows.append([0 if entry == "." else int(entry) for entry in line.split()])
    return np.array(rows)


report = run_tconv("explain", "--input", "4", "4", "--kernel", "3")
print(report)
taps = printed_matrix(report)
tap_numbers = np.arange(1, 10).reshape(3, 3)             # K[0, 0] is tap 1, K[2, 2] is tap 9
assert taps.shape == (4, 16)
assert np.array_equal(taps != 0, C_by_hand != 0)           # the same nonzero pattern
assert taps[0].tolist() == [1, 2, 3, 0, 4, 5, 6, 0, 7, 8, 9, 0, 0, 0, 0, 0]
assert np.array_equal(np.where(taps[0] > 0, K.reshape(-1)[taps[0] - 1], 0), C_by_hand[0])

report_T = run_tconv("explain", "--input", "2", "2", "--kernel", "3", "--transposed")
taps_T = printed_matrix(report_T)
print(report_T[report_T.index("The matrix"):])
assert np.array_equal(taps_T, taps.T)                     # C.T, as promised

# %% [markdown]
# Larger matrices are summarised, not printed: the stride-2 example of section 7 as a 2-D
# transposed convolution is 36 x 9, so `tconv explain --input 3 3 --kernel 3 --stride 2
# --padding 1 --output-padding 1 --transposed` prints only its shape and sparsity. Its 1-D
# version (`--input 3`) is 6 x 3 and printed in full; `--check` adds the all-views check.

# %%
report_1d = run_tconv("explain", "--input", "3", "--kernel", "3", "--stride", "2", "--padding", "1",
                      "--output-padding", "1", "--transposed", "--check")
print(report_1d)
assert "output: 6" in report_1d and "views agree" in report_1d
assert printed_matrix(report_1d).shape == (6, 3)

# %% [markdown]
# ## Exercises
#
# Each exercise ends with `check("01.k", answer)`, which prints *right*, or *not yet* with a
# hint that does not give the answer away. In a student copy (made by
# `tconv tutorials --student DIR`) every solution is a blank (`...`) for you to fill in; in
# the tutorial itself the solutions are filled in.

# %%
from tconv.exercises import check

# %% [markdown]
# **Exercise 1.** Build by hand the matrix `C_1d` of a 1-D convolution of a length-5 input with
# the kernel `[1, 2, 3]`, stride 2 and padding 1 (so the input is padded to 7). How many rows
# does it have, and why does row 0 hold only two of the three taps? Build it with a loop (or on
# paper), not with `tconv.conv_matrix`; the check compares it with the library's matrix.

# %%
kernel_1d = np.array([1.0, 2.0, 3.0])
length, stride, pad = 5, 2, 1
# BEGIN SOLUTION 01.1
# STUDENT: C_1d = ...                     # one row per output, one column per input pixel
n_out = (length + 2 * pad - 3) // stride + 1
C_1d = np.zeros((n_out, length))
for m in range(n_out):
    for t in range(3):
        j = m * stride - pad + t                          # input position tap t touches
        if 0 <= j < length:                               # taps on the padding multiply zeros
            C_1d[m, j] = kernel_1d[t]
print(C_1d)
# END SOLUTION 01.1
check("01.1", C_1d)

# %% [markdown]
# (Three rows: `floor((5 + 2 - 3)/2) + 1 = 3` windows. The first window starts on the padding,
# so its tap 0 multiplies a zero that is not an input pixel: `C` has no column for it.)
#
# **Exercise 2.** Predict, without running anything, what `tconv.conv_transpose2d` paints from
# the "one-hot" 2x2 input `[[0, 0], [1, 0]]` with the notes' kernel `K`: write the 4x4 result
# as an array. Which column of `C.T` is it?

# %%
one_hot = np.array([[0.0, 0.0], [1.0, 0.0]])
# BEGIN SOLUTION 01.2
# STUDENT: painted = ...                  # a 4x4 array
r, c = 1, 0                                               # the 1 sits at pixel m = 2: row 1, column 0
painted = np.zeros((4, 4))
painted[r:r + 3, c:c + 3] = K                             # the kernel, as it is, at window m
# END SOLUTION 01.2
check("01.2", painted)

# %% [markdown]
# Now run it: the one-hot pixel `m` paints the kernel at window `m`, which is column `m` of `C.T`
# (row `m` of `C`).

# %%
by_tconv = tconv.conv_transpose2d(one_hot[None], K[None, None])[0]
print(by_tconv)
assert np.array_equal(by_tconv.reshape(-1), C.T.toarray()[:, 2])          # column 2 of C.T

# %% [markdown]
# **Exercise 3.** A 7x7 image and an 8x8 image both give a 4x4 output with `k = 3, s = 2, p = 1`.
# Which `output_padding` brings a 4x4 map back to each size? Answer with a dict
# `{7: ..., 8: ...}`; then check that the transposed convolution with it is the transpose of
# that image's convolution matrix.

# %%
# BEGIN SOLUTION 01.3
# STUDENT: restoring = ...                # {7: output_padding, 8: output_padding}
restoring = {size: (size + 2 * 1 - 3) % 2 for size in (7, 8)}     # (i + 2p - k) mod s
# END SOLUTION 01.3
check("01.3", restoring)

# %%
w_random = rng.standard_normal((1, 1, 3, 3))
y4 = rng.standard_normal((1, 4, 4))
for size in (7, 8):
    a = (size + 2 * 1 - 3) % 2
    C_size = tconv.conv_matrix(w_random, (1, size, size), stride=2, padding=1)
    out = tconv.conv_transpose2d(y4, w_random, stride=2, padding=1, output_padding=a)[0]
    np.testing.assert_allclose(out, (C_size.T @ y4.reshape(-1)).reshape(size, size), atol=1e-12)
    print(f"{size}x{size}: output_padding {a}, the transpose of the {C_size.shape[0]} x {C_size.shape[1]} matrix")
