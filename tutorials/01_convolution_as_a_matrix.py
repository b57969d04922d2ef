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
# A convolution is a linear map, so it is a matrix `C` acting on the flattened image. The
# *transposed* convolution is, literally, `C.T`: same weights, same geometry, the matrix
# transposed. This tutorial builds `C` by hand for the lecture notes' example (a 4x4 image,
# a 3x3 kernel; Dumoulin & Visin 2016, section 4.1), then meets the other views of the
# transposed convolution students find in books and checks that they are all the same thing:
#
# 1. `C.T @ y` with the explicit matrix,
# 2. scatter-add: each input pixel paints a weighted copy of the kernel (d2l's view),
# 3. zero insertion + padding + a stride-1 convolution with the flipped kernel (the paper's view),
#
# and the identity that makes "transposed" the right word: `<C x, y> = <x, C.T y>`.
#
# Run it as a script (`python tutorials/01_convolution_as_a_matrix.py`) or open it as a
# notebook with jupytext. Every known value is asserted, so the script fails loudly if
# anything is wrong.

# %%
import os
import tempfile

import numpy as np

import tconv
from tconv import reference

np.set_printoptions(linewidth=120)

# %% [markdown]
# ## 1. The image and the kernel
#
# Deep-learning "convolution" is cross-correlation: slide the kernel over the image and take
# a dot product at each position. No kernel flip. With a 4x4 input, a 3x3 kernel, stride 1
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
# Each output pixel is a dot product of the kernel with some of the 16 input numbers. Write
# the kernel into a 4x4 canvas of zeros at the window's position and flatten it: that is one
# row of `C`. Four output pixels, four rows: `C` is 4x16. Row 1 is row 0 shifted right by one
# column (the window moved one pixel right), rows 2 and 3 are row 0 shifted by 4 and 5 (one
# image row down is 4 entries in the flattened vector).

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

# tconv builds the same matrix, sparse, for any geometry, channels and groups:
# weight (C_out, C_in, kh, kw) and input shape (C_in, H, W).
C = tconv.conv_matrix(K[None, None], (1, 4, 4))
print(C)
assert np.array_equal(C.toarray(), C_by_hand)

# %% [markdown]
# The convolution is now a matrix-vector product: `conv = C @ vec(M)`.

# %%
y = C @ x
print(y, "->", y.reshape(2, 2).tolist())
assert y.reshape(2, 2).tolist() == [[122, 148], [126, 134]]
assert np.array_equal(tconv.conv2d(M[None], K[None, None])[0], y.reshape(2, 2))

# %% [markdown]
# ## 4. The transposed convolution is `C.T`
#
# `C` maps 16 numbers to 4. Its transpose `C.T` (16x4) maps 4 numbers back to 16: a 2x2
# input becomes a 4x4 output. The *shape* goes back up, the *values* do not: `C.T` is the
# transpose of `C`, not its inverse (a 4x16 matrix has no inverse).

# %%
y_small = np.array([2.0, 1.0, 4.0, 4.0])
up = (C.T @ y_small).reshape(4, 4)
print(up)
assert up.tolist() == [[2, 9, 6, 1], [6, 29, 30, 7], [10, 29, 33, 13], [12, 24, 16, 4]]

back = (C.T @ (C @ x)).reshape(4, 4)
print("C.T @ C @ x =\n", back)
assert back.shape == M.shape and not np.allclose(back, M)

# %% [markdown]
# `tconv.conv_transpose2d` computes exactly this. Its weight has PyTorch's transposed layout
# `(C_in, C_out, kh, kw)`: for one channel in and out, the same `K[None, None]`.

# %%
up_tconv = tconv.conv_transpose2d(y_small.reshape(1, 2, 2), K[None, None])
assert np.array_equal(up_tconv[0], up)

# %% [markdown]
# ## 5. The scatter-add view (d2l)
#
# Read `C.T @ y` column by column: column `m` of `C.T` is row `m` of `C`, the kernel placed at
# window `m`. So the transposed convolution lets every input pixel *paint* a copy of the
# kernel, scaled by its value, at its window, and adds up the overlaps.

# %%
def scatter_add(y2d, kernel, stride=1):
    n, k = y2d.shape[0], kernel.shape[0]
    out = np.zeros(((n - 1) * stride + k,) * 2)
    for r in range(n):
        for c in range(n):
            out[r * stride:r * stride + k, c * stride:c * stride + k] += y2d[r, c] * kernel
    return out


assert np.array_equal(scatter_add(y_small.reshape(2, 2), K), up)

# d2l's small example, X = K = [[0, 1], [2, 3]]:
X2 = np.array([[0.0, 1.0], [2.0, 3.0]])
print(scatter_add(X2, X2))
assert scatter_add(X2, X2).tolist() == [[0, 0, 1], [0, 4, 6], [4, 12, 9]]
assert np.array_equal(reference.conv_transpose_scatter(X2[None, None], X2[None, None])[0, 0],
                      scatter_add(X2, X2))

# %% [markdown]
# ## 6. The zero-insertion view (the paper's)
#
# The same result comes from an ordinary stride-1 convolution: pad the 2x2 input with
# `k - 1 - p = 2` zeros on every side (a 6x6 array) and convolve with the kernel rotated by
# 180 degrees. (With stride `s`, first insert `s - 1` zeros between the input pixels; see
# section 7.) These "primed" numbers are the paper's, not arguments of any framework.

# %%
padded = np.pad(y_small.reshape(2, 2), 2)
flipped = K[::-1, ::-1]
zero_insertion = np.array([[np.sum(padded[r:r + 3, c:c + 3] * flipped) for c in range(4)]
                           for r in range(4)])
assert np.array_equal(zero_insertion, up)
assert np.array_equal(reference.conv_transpose_zero_insertion(y_small.reshape(1, 1, 2, 2),
                                                              K[None, None])[0, 0], up)

# %% [markdown]
# ## 7. Stride 2, and why `output_padding` exists
#
# With stride 2, padding 1 and a 3x3 kernel, a 5x5 image and a 6x6 image both give a 3x3
# output: `floor((5 + 2 - 3)/2) + 1 = floor((6 + 2 - 3)/2) + 1 = 3`. Going back, the transposed
# convolution has to be told which one was meant: `o' = (3 - 1)*2 - 2*1 + 3 + a = 5 + a`, and
# `output_padding = a = (i + 2p - k) mod s` picks 6 (it adds the missing row and column at the
# bottom/right). The matrix of the 6x6 convolution, transposed, is exactly that.

# %%
rng = np.random.default_rng(0)
w = rng.standard_normal((1, 1, 3, 3))
for size, a in [(5, 0), (6, 1)]:
    assert tconv.conv_geometry((size, size), (3, 3), stride=2, padding=1).output_size == (3, 3)
    C6 = tconv.conv_matrix(w, (1, size, size), stride=2, padding=1)
    y3 = rng.standard_normal((1, 3, 3))
    via_matrix = (C6.T @ y3.reshape(-1)).reshape(size, size)
    via_tconv = tconv.conv_transpose2d(y3, w, stride=2, padding=1, output_padding=a)[0]
    assert via_tconv.shape == (size, size)
    np.testing.assert_allclose(via_tconv, via_matrix, atol=1e-12)
    # Zero insertion: 1 zero between pixels (3x3 -> 5x5), pad k-1-p = 1 before and 1 + a after.
    stuffed = np.zeros((5, 5))
    stuffed[::2, ::2] = y3[0]
    padded = np.pad(stuffed, ((1, 1 + a), (1, 1 + a)))
    flipped = w[0, 0, ::-1, ::-1]
    by_hand = np.array([[np.sum(padded[r:r + 3, c:c + 3] * flipped) for c in range(size)]
                        for r in range(size)])
    np.testing.assert_allclose(by_hand, via_tconv, atol=1e-12)
print("stride 2: 3x3 -> 5x5 with output_padding 0, 3x3 -> 6x6 with output_padding 1")

# d2l's stride-2 example: each pixel paints its kernel copy 2 pixels further.
assert scatter_add(X2, X2, stride=2).tolist() == [[0, 0, 0, 1], [0, 0, 2, 3], [0, 2, 0, 3], [4, 6, 6, 9]]
assert np.array_equal(tconv.conv_transpose2d(X2[None], X2[None, None], stride=2)[0],
                      scatter_add(X2, X2, stride=2))

# %% [markdown]
# ## 8. The adjoint identity
#
# "Transposed" means `<C x, y> = <x, C.T y>` for every `x` and `y`: the transposed
# convolution is the adjoint of the convolution. This is also why it is the convolution's
# gradient: if `L` depends on `conv(x)`, then `dL/dx = C.T @ dL/dy`. In float64 the two
# sides agree to about 1e-15, with no finite-difference noise.

# %%
x6 = rng.standard_normal((2, 3, 6, 7))            # batch 2, 3 channels, 6x7 image
w6 = rng.standard_normal((4, 3, 3, 3))            # 3 -> 4 channels
y6 = rng.standard_normal((2, 4, 3, 4))            # the convolution's output shape
lhs = np.vdot(tconv.conv2d(x6, w6, stride=2, padding=1), y6)
rhs = np.vdot(x6, tconv.conv_transpose2d(y6, w6, stride=2, padding=1, output_padding=(1, 0)))
print(f"<C x, y> = {lhs:.12f}\n<x, C.T y> = {rhs:.12f}")
assert abs(lhs - rhs) < 1e-10 * abs(lhs)

# %% [markdown]
# ## 9. A picture of `C`
#
# Each row of `C` is the kernel, laid out in the stretched image: a band of diagonals. The
# figure is saved to a temporary folder (set `TCONV_TUTORIAL_OUTPUT` to choose another).

# %%
import matplotlib  # noqa: E402

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

out_dir = os.environ.get("TCONV_TUTORIAL_OUTPUT") or tempfile.mkdtemp(prefix="tconv_tutorial_")
fig, (left, right) = plt.subplots(1, 2, figsize=(9, 3), gridspec_kw={"width_ratios": [4, 1.3]})
left.imshow(C.toarray(), cmap="viridis")
left.set_title("C (4 x 16): conv = C @ vec(M)")
right.imshow(C.T.toarray(), cmap="viridis")
right.set_title("C.T (16 x 4)")
right.set_xticks(range(4))
fig.tight_layout()
figure_path = os.path.join(out_dir, "convolution_matrix.png")
fig.savefig(figure_path, dpi=80)
plt.close(fig)
print("saved", figure_path)

# %% [markdown]
# ## What next
#
# * `tconv explain` prints all of this for any geometry (`tconv explain --help`).
# * Try `tconv explain --input 4 4 --kernel 3 --stride 2 --padding 1 --output-padding 1
#   --transposed --check`, and compare the printed matrix with section 7.
