# ---
# jupyter:
#   jupytext:
#     formats: py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
# ---

# %% [markdown]
# # Tutorial 14: max unpooling, the transpose of max pooling
#
# **Goal.** SegNet (Badrinarayanan, Kendall & Cipolla 2017) upsamples without learning how:
# max pooling remembers *where* each maximum came from, and the decoder puts each value back
# there, zeros elsewhere (*max unpooling*). You will use `F.max_unpool2d` / `nn.MaxUnpool2d`
# with PyTorch's semantics (indices from `max_pool2d(..., return_indices=True)`, `output_size`),
# write max pooling as a 0/1 *selection matrix* `S` and find that unpooling is `Sᵀ`: the
# transpose, not the inverse, the same lesson as the transposed convolution `Cᵀ`. Then you will
# compare it with resizing and the transposed convolution as decoders, with the best linear
# filter each can learn.
#
# **Before you start.** Tutorial 1 (`C` and `Cᵀ`) and tutorial 2 (gradients are transposes).
# **Runtime:** in the [runtime table](README.md#runtimes).

# %%
# %matplotlib inline
import os
from pathlib import Path

import numpy as np

import tconv
import tconv.viz
from tconv import Tensor, nn
from tconv.nn import functional as F
from tconv.ops.unpool import selection_matrix
from tconv.seg.data import SyntheticShapes

np.set_printoptions(precision=4, suppress=True, linewidth=100)
OUT = Path(os.environ.get("TCONV_TUTORIAL_OUTPUT", "tutorial_figures"))
OUT.mkdir(exist_ok=True)

# %% [markdown]
# ## 1. Pooling with indices, and unpooling
#
# `max_pool2d(x, 2, return_indices=True)` returns the maxima and, for each, its flat position
# `h·W + w` in its input plane. `max_unpool2d(y, indices, 2)` writes each value at its position.

# %%
x = np.array([[1, 2, 0, 1], [3, 4, 9, 2], [5, 0, 1, 1], [2, 6, 1, 8]], dtype=float)[None, None]
y, indices = tconv.max_pool2d(x, 2, return_indices=True)
unpooled = tconv.max_unpool2d(y, indices, 2)
print("pooled:\n", y[0, 0], "\nindices:\n", indices[0, 0], "\nunpooled:\n", unpooled[0, 0])
assert indices[0, 0].tolist() == [[5, 6], [13, 15]]
assert np.array_equal(unpooled[0, 0], np.where(np.isin(np.arange(16), indices).reshape(4, 4), x[0, 0], 0))

# %% [markdown]
# **`output_size`.** Pooling a 5 x 5 map by 2 gives 2 x 2 and forgets the fifth row and column;
# unpooling by default makes `(i − 1)·s − 2p + k = 4`. But the indices are positions in the
# *5 x 5* plane (`h·5 + w`), and one of them (18, row 3, column 3) does not exist in a 4 x 4
# plane: PyTorch refuses, and so does tconv. Pass the size pooling started from: any size
# strictly between the default minus and plus the stride is accepted.

# %%
x5 = np.arange(25.0).reshape(1, 1, 5, 5)
y5, i5 = tconv.max_pool2d(x5, 2, return_indices=True)
print("indices in the 5 x 5 plane:", i5.ravel())
try:
    tconv.max_unpool2d(y5, i5, 2)
except ValueError as error:
    print("without output_size:", error)
else:
    raise AssertionError("index 18 does not fit a 4 x 4 plane")
back = tconv.max_unpool2d(y5, i5, 2, output_size=(5, 5))
print("with output_size=(5, 5):\n", back[0, 0])
assert back.shape[2:] == (5, 5) and back[0, 0, 3, 3] == 18.0
try:
    tconv.max_unpool2d(y5, i5, 2, output_size=(6, 6))
except ValueError as error:
    print("output_size=(6, 6):", error)
else:
    raise AssertionError("6 is not strictly between 2 and 6")

# %% [markdown]
# The layers are `nn.MaxPool2d(2, return_indices=True)` and `nn.MaxUnpool2d(2)`, as in PyTorch,
# and the differentiable `F.max_unpool2d` records its gradient.

# %%
pool, unpool = nn.MaxPool2d(2, return_indices=True), nn.MaxUnpool2d(2)
print(unpool)
t_y, t_idx = pool(Tensor(x))
assert np.array_equal(unpool(t_y, t_idx).data, unpooled)

# %% [markdown]
# ## 2. The selection matrix: unpooling is `Sᵀ`
#
# For one plane, max pooling picks one input per output: it is a matrix `S` with one 1 per row,
# at the argmax (`tconv.ops.unpool.selection_matrix`), and `pool(x) = S x`. Unpooling with the
# same indices is `Sᵀ y`.

# %%
S = selection_matrix(indices[0, 0], (4, 4))
print("S (4 x 16):\n", S.astype(int))
assert np.array_equal(S @ x.ravel(), y.ravel())                     # pooling
assert np.array_equal(S.T @ y.ravel(), unpooled.ravel())            # unpooling

# %% [markdown]
# **Transpose, not inverse.** `S Sᵀ = I`: pooling undoes unpooling. But `Sᵀ S` is not `I`: it
# keeps the maxima and zeroes the other twelve pixels; what pooling threw away does not come
# back. The transposed convolution is the same story: `Cᵀ` has the shape of an inverse of `C`
# and is none.

# %%
assert np.array_equal(S @ S.T, np.eye(4))
print("S.T S x:\n", (S.T @ S @ x.ravel()).reshape(4, 4))
assert not np.array_equal(S.T @ S, np.eye(16))
assert np.array_equal(tconv.max_pool2d(unpooled, 2), y)              # pooling after unpooling: y again

# %% [markdown]
# **Each is the other's gradient.** The VJP of max pooling sends each output's gradient to its
# argmax: `Sᵀ g`, an unpooling. The VJP of unpooling reads the gradient at those places: `S h`.

# %%
xt = Tensor(x, requires_grad=True)
g = np.arange(1.0, 5.0).reshape(1, 1, 2, 2)
F.max_pool2d(xt, 2).backward(g)
assert np.array_equal(xt.grad.ravel(), S.T @ g.ravel())
yt = Tensor(y, requires_grad=True)
h = np.arange(16.0).reshape(1, 1, 4, 4)
F.max_unpool2d(yt, indices, 2).backward(h)
assert np.array_equal(yt.grad.ravel(), S @ h.ravel())
unpool_figure = tconv.viz.plot_unpooling(x[0, 0])
unpool_path = tconv.viz.save(unpool_figure, OUT / "14_unpooling.png")
unpool_figure

# %% [markdown]
# **Overlapping windows.** With stride 1 two windows can pick the same pixel. `Sᵀ` would add
# the two copies; unpooling writes the pixel once (PyTorch keeps the later write; the values are
# equal when they came from max pooling). So with overlaps unpooling is `Sᵀ` with the repeated
# columns merged, and the gradient of max pooling (which adds) is no longer an unpooling.

# %%
row = np.array([[[0.0, 9.0, 0.0, 1.0]]])
y1, i1 = tconv.max_pool1d(row, 2, stride=1, return_indices=True)
S1 = selection_matrix(i1[0, 0], (4,))
print("indices", i1[0, 0], " unpool:", tconv.max_unpool1d(y1, i1, 2, stride=1)[0, 0], " S.T y:", S1.T @ y1.ravel())
assert tconv.max_unpool1d(y1, i1, 2, stride=1)[0, 0, 1] == 9.0 and (S1.T @ y1.ravel())[1] == 18.0

# %% [markdown]
# ## 3. Unpooling, resizing and the transposed convolution as decoders
#
# A decoder must bring a pooled map back to full size. Unpooling keeps *where* each maximum was
# and nothing else (three pixels in four become 0); a nearest resize keeps the value everywhere
# but not the place; a transposed convolution learns a kernel for each output phase. Which is
# best depends on the content. Compare them fairly: pool images by 2, upsample each way, and fit
# the best linear filter each decoder can learn (a 3 x 3 convolution after unpooling or resizing,
# the 4 x 4 stride-2 kernel of a transposed convolution) by least squares: no training noise.

# %%
def best_linear_error(columns, target):
    """Mean squared error of the best affine combination of ``columns`` (least squares)."""
    A = np.stack(columns + [np.ones_like(columns[0])], axis=-1)
    weights, *_ = np.linalg.lstsq(A, target, rcond=None)
    return float(np.mean((A @ weights - target) ** 2))


def shifted_taps(upsampled, k=3):
    """The k x k neighbourhood of every pixel as columns (what a k x k convolution combines)."""
    padded = np.pad(upsampled, ((0, 0), (0, 0), (k // 2, k // 2), (k // 2, k // 2)))
    side = upsampled.shape[-1]
    return [padded[:, 0, i:i + side, j:j + side].ravel() for i in range(k) for j in range(k)]


def decoder_errors(images):
    pooled, where = tconv.max_pool2d(images, 2, return_indices=True)
    target = images.ravel()
    transposed_taps = []
    for tap in range(16):                               # the transposed convolution, one tap at a time
        kernel = np.zeros((1, 1, 4, 4))
        kernel.flat[tap] = 1.0
        transposed_taps.append(tconv.conv_transpose2d(pooled, kernel, stride=2, padding=1).ravel())
    return {"unpool + conv 3x3": best_linear_error(shifted_taps(tconv.max_unpool2d(pooled, where, 2)), target),
            "nearest + conv 3x3": best_linear_error(shifted_taps(tconv.interpolate(pooled, scale_factor=2)), target),
            "transposed conv k4 s2": best_linear_error(transposed_taps, target)}


rng = np.random.default_rng(0)
thin = np.zeros((48, 1, 32, 32))                 # sparse bright points and one-pixel lines on black
for image in thin:
    rows, cols = rng.integers(0, 32, (2, 6))
    image[0, rows, cols] = rng.uniform(0.5, 1.0, 6)
    row, column = rng.integers(0, 32, 2)
    image[0, row, :] = np.maximum(image[0, row, :], 0.7)
    image[0, :, column] = np.maximum(image[0, :, column], 0.7)
shapes = SyntheticShapes(48, size=32, num_classes=2, seed=0, noise_std=0.0)
blobs = np.stack([shapes[i][0] for i in range(48)]).astype(float)
errors = {"thin lines and points": decoder_errors(thin), "filled shapes": decoder_errors(blobs)}
for content, by_decoder in errors.items():
    print(content)
    for name, error in by_decoder.items():
        print(f"    {name:22s} mean squared error {error:.5f}")
assert errors["thin lines and points"]["unpool + conv 3x3"] < 0.5 * errors["thin lines and points"]["nearest + conv 3x3"]
assert errors["filled shapes"]["unpool + conv 3x3"] > 1.5 * errors["filled shapes"]["nearest + conv 3x3"]

# %% [markdown]
# Thin structures: unpooling wins by far, because the maximum *is* the structure and it goes back
# to the exact pixel, where a resize smears it over the whole window. Filled shapes: resizing and
# the transposed convolution win, because unpooling zeroes three pixels in four that the filter
# must then fill in. SegNet's decoder follows each unpooling by several learned convolutions
# that densify the sparse map, and it carries only the indices from encoder to decoder (one
# small integer per pooled pixel), where a U-Net copies whole feature maps across (tutorial 6):
# cheaper in memory, less in information.
#
# ## Exercises

# %%
from tconv.exercises import check

# %% [markdown]
# **Exercise 1.** Max-pool the 4 x 4 image below by 2 and unpool it with the indices. Write the
# 4 x 4 result (by hand, then check with `tconv`).

# %%
image_14 = np.array([[7, 1, 2, 3], [0, 2, 8, 1], [4, 4, 0, 0], [1, 5, 6, 9]], dtype=float)
# BEGIN SOLUTION 14.1
# STUDENT: result = ...                     # a 4 x 4 array
result = np.zeros((4, 4))
for r in (0, 2):
    for c in (0, 2):
        window = image_14[r:r + 2, c:c + 2]
        i, j = np.unravel_index(np.argmax(window), (2, 2))
        result[r + i, c + j] = window[i, j]
# END SOLUTION 14.1
check("14.1", result, image=image_14)

# %% [markdown]
# **Exercise 2.** Max pooling with kernel 2 and stride 2 made a 3 x 3 map. What size does
# unpooling that map make by default, and which `output_size` values (per axis) does it accept?
# Answer `(default, (smallest, largest))`.

# %%
# BEGIN SOLUTION 14.2
# STUDENT: sizes = ...                      # (default, (smallest, largest))
default = (3 - 1) * 2 - 2 * 0 + 2
sizes = (default, (default - 2 + 1, default + 2 - 1))
# END SOLUTION 14.2
check("14.2", sizes)

# %% [markdown]
# **Exercise 3.** The gradient of `L = sum(max_pool2d(x, 2) * g)` with respect to `x`, for the
# tutorial's `x` and `g = [[1, 2], [3, 4]]`: a 4 x 4 array. Which of this tutorial's operations
# computes it?

# %%
g_14 = np.array([[1.0, 2.0], [3.0, 4.0]])
# BEGIN SOLUTION 14.3
# STUDENT: grad = ...                       # a 4 x 4 array
grad = tconv.max_unpool2d(g_14[None, None], indices, 2)[0, 0]        # Sᵀ g
# END SOLUTION 14.3
check("14.3", grad)
