# ---
# jupyter:
#   jupytext:
#     formats: py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
# ---

# %% [markdown]
# # Tutorial 2: the gradient of a convolution is a transposed convolution
#
# **Goal.** Tutorial 1 built the convolution as a matrix, `y = C @ x`, and the transposed
# convolution as `C.T`. This one shows why the transposed convolution appears in *every* network
# that trains a convolution, whether or not the network "upsamples":
#
# 1. for a loss `L(y)`, the chain rule gives `dL/dx = C.T @ dL/dy`: the backward pass of a
#    convolution with respect to its input is the transposed convolution of the output's
#    gradient, with the same weights and geometry;
# 2. the gradient with respect to the weights collects, for every kernel tap, the input pixels
#    it multiplied (the unfold product `grad_out @ unfold(x).T`);
# 3. symmetrically, the backward pass of a transposed convolution is a convolution;
# 4. a strided convolution's input gradient therefore has the same checkerboard pattern as a
#    strided transposed convolution's output (Odena, Dumoulin & Olah, 2016).
#
# **Before you start.** Tutorial 1 (the matrix `C`, `C.T`, `output_padding`). Everything below
# uses tconv's small autograd: `tconv.Tensor` records the graph and `backward()` walks it
# (tutorial 5 builds one from scratch). **Runtime:** in the [runtime table](README.md#runtimes).

# %%
# %matplotlib inline
import os
from pathlib import Path

import numpy as np

import tconv
import tconv.viz
from tconv import Tensor
from tconv.nn import functional as F

np.set_printoptions(precision=3, suppress=True, linewidth=100)
OUT = Path(os.environ.get("TCONV_TUTORIAL_OUTPUT", "tutorial_figures"))
OUT.mkdir(exist_ok=True)
rng = np.random.default_rng(0)

# %% [markdown]
# ## 1. The backward pass of a convolution, by the autograd
#
# The lecture notes' image `M` and kernel `K`. We take the loss `L = <conv2d(M, K), g> =
# sum(conv2d(M, K) * g)` for a fixed "upstream gradient" `g`, so that `dL/dy = g` exactly.

# %%
M = np.array([[4, 5, 8, 7], [1, 8, 8, 8], [3, 6, 6, 4], [6, 5, 7, 8]], dtype=float)
K = np.array([[1, 4, 1], [1, 4, 3], [3, 3, 1]], dtype=float)
g = np.array([[2.0, 1.0], [4.0, 4.0]])

x = Tensor(M[None, None], requires_grad=True)            # (N, C, H, W) = (1, 1, 4, 4)
w = Tensor(K[None, None], requires_grad=True)            # (C_out, C_in, kh, kw) = (1, 1, 3, 3)
y = F.conv2d(x, w)
loss = (y * Tensor(g[None, None])).sum()
loss.backward()
print("dL/dx =")
print(x.grad[0, 0])

# %% [markdown]
# The same numbers three more ways: the transposed convolution of `g` with `K`, the matrix
# product `C.T @ vec(g)`, and tutorial 1's printed result. The autograd does not "know" about
# transposed convolutions; the conv op's vector-Jacobian product *is* one
# (`tconv/nn/functional/conv.py` defines the two ops side by side).

# %%
by_transposed_conv = tconv.conv_transpose2d(g[None, None], K[None, None])[0, 0]
C = tconv.conv_matrix(K[None, None], (1, 4, 4))
by_matrix = (C.T @ g.reshape(-1)).reshape(4, 4)
expected = np.array([[2, 9, 6, 1], [6, 29, 30, 7], [10, 29, 33, 13], [12, 24, 16, 4]], dtype=float)
assert np.array_equal(x.grad[0, 0], by_transposed_conv)
assert np.array_equal(x.grad[0, 0], by_matrix)
assert np.array_equal(x.grad[0, 0], expected)

# %% [markdown]
# ## 2. The weight gradient
#
# `K[a, b]` multiplied `M[r + a, c + b]` for each output pixel `(r, c)`, so
# `dL/dK[a, b] = sum_{r,c} g[r, c] * M[r + a, c + b]`: a correlation of the input with the
# output's gradient. In matrix terms every nonzero of `C` that holds `K[a, b]` contributes
# `g[row] * M[col]`; `C.pattern()` tells which nonzeros those are (for each one: its row, its
# column and its tap `(c_out, c_in, a, b)`).

# %%
by_hand = np.zeros((3, 3))
for a in range(3):
    for b in range(3):
        by_hand[a, b] = np.sum(g * M[a:a + 2, b:b + 2])
pattern = C.pattern()
by_pattern = np.zeros(9)
np.add.at(by_pattern, pattern["tap"][:, 2] * 3 + pattern["tap"][:, 3],
          g.reshape(-1)[pattern["row"]] * M.reshape(-1)[pattern["col"]])
print("dL/dK =")
print(w.grad[0, 0])
assert np.allclose(w.grad[0, 0], by_hand)
assert np.allclose(w.grad[0, 0], by_pattern.reshape(3, 3))

# %% [markdown]
# ## 3. Any geometry: strides, padding, dilation, groups, 3-D
#
# The identity holds for every geometry, with the `output_padding` that makes the transposed
# convolution land exactly on the input's size: `a = (i + 2p - k̂) mod s`
# (`ConvGeometry.restoring_output_padding()`). Here a 3-D convolution with stride 2, padding 1,
# dilation 2 on the first axis and two groups.

# %%
x3 = rng.standard_normal((2, 4, 7, 6, 5))
w3 = rng.standard_normal((6, 2, 3, 2, 2))                 # (C_out, C_in/groups, *k)
kwargs = dict(stride=2, padding=1, dilation=(2, 1, 1), groups=2)
geometry = tconv.conv_geometry(x3.shape[2:], w3.shape[2:], 2, 1, (2, 1, 1))
g3 = rng.standard_normal((2, 6) + geometry.output_size)

x3_t = Tensor(x3, requires_grad=True)
(F.conv3d(x3_t, Tensor(w3), **kwargs) * Tensor(g3)).sum().backward()
transposed = tconv.conv_transpose3d(g3, w3, output_padding=geometry.restoring_output_padding(), **kwargs)
print("input", x3.shape[2:], "-> output", geometry.output_size)
print("output_padding that restores the input:", geometry.restoring_output_padding())
assert transposed.shape == x3.shape
assert np.allclose(x3_t.grad, transposed, atol=1e-12)

# %% [markdown]
# ## 4. ...and the backward pass of a transposed convolution is a convolution
#
# `y = C.T @ x`, so `dL/dx = (C.T).T @ dL/dy = C @ dL/dy`: the convolution with the same weights.

# %%
small = Tensor(rng.standard_normal((1, 3, 4, 4)), requires_grad=True)
wt = rng.standard_normal((3, 2, 3, 3))                    # transposed layout (C_in, C_out/groups, *k)
up = F.conv_transpose2d(small, Tensor(wt), stride=2, padding=1, output_padding=1)
g_up = rng.standard_normal(up.shape)
(up * Tensor(g_up)).sum().backward()
assert up.shape == (1, 2, 8, 8)
assert np.allclose(small.grad, tconv.conv2d(g_up, wt, stride=2, padding=1), atol=1e-12)
print("transposed conv 4x4 -> 8x8; its input gradient is conv2d(grad, w, stride=2, padding=1)")

# %% [markdown]
# ## 5. Checkerboards in gradients
#
# A stride-2 transposed convolution with a 3x3 kernel paints overlapping windows unevenly
# (`k mod s != 0`): on a field of ones the overlap counts are 1, 2 and 4 in a checkerboard.
# Since a strided convolution's input gradient *is* such a transposed convolution, its gradient
# shows the same pattern, even though the forward pass never upsampled anything.

# %%
ones_k = np.ones((1, 1, 3, 3))
painted = tconv.conv_transpose2d(np.ones((1, 1, 4, 4)), ones_k, stride=2)[0, 0]
print("transposed conv of ones (k=3, s=2):")
print(painted)
assert set(np.unique(painted)) == {1.0, 2.0, 4.0}

image = Tensor(np.ones((1, 1, 9, 9)), requires_grad=True)
F.conv2d(image, Tensor(ones_k), stride=2).sum().backward()
print("input gradient of sum(conv2d(x, ones, stride=2)) on a 9x9 image:")
print(image.grad[0, 0])
assert np.array_equal(image.grad[0, 0], painted)

# With k divisible by s the overlap is even, and so is the gradient.
even = Tensor(np.ones((1, 1, 8, 8)), requires_grad=True)
F.conv2d(even, Tensor(np.ones((1, 1, 2, 2))), stride=2).sum().backward()
assert np.all(even.grad == 1.0)

# %% [markdown]
# `tconv.viz.plot_gradient_checkerboard` draws the input gradient of `sum(conv2d(x, w))` for a
# random positive 3x3 kernel, with stride 2 and with stride 1, on one shared colour scale
# (gradient divided by its interior mean). The stride-2 gradient is striped; the stride-1 one
# is flat away from the border, where fewer windows reach. (The stride-2 gradient's last row and
# column are zero: 7 windows, 2 apart, cover rows 0..14 of the 16, so row 15 is never used.)

# %%
assert tconv.conv_geometry((16, 16), (3, 3), stride=2).output_size == (7, 7) and (7 - 1) * 2 + 3 == 15
gradient_figure = tconv.viz.plot_gradient_checkerboard(3, 2)
gradient_figure_path = tconv.viz.save(gradient_figure, OUT / "02_gradient_checkerboard.png")
gradient_figure

# %% [markdown]
# ## 6. Trust, but verify: `gradcheck`
#
# `tconv.gradcheck` compares the autograd's gradients with central differences
# `(f(x + eps) - f(x - eps)) / 2eps`, entry by entry and along random directions (`<v, J u>`
# against `<J^T v, u>`), here for a dilated, grouped, strided transposed convolution. It returns
# `True` or raises an error naming the input and the entry that disagree (tutorial 5 shows one).

# %%
xg = Tensor(rng.standard_normal((1, 4, 3, 3)), requires_grad=True)
wg = Tensor(rng.standard_normal((4, 1, 2, 3)), requires_grad=True)
assert tconv.gradcheck(lambda a, b: F.conv_transpose2d(a, b, stride=(2, 1), dilation=2, groups=2), xg, wg)
print("gradcheck passed")

# %% [markdown]
# ## Exercises
#
# Each exercise ends with `check("02.k", answer)`, which prints *right*, or *not yet* with a
# hint that does not give the answer away. In a student copy (made by
# `tconv tutorials --student DIR`) every solution is a blank (`...`) for you to fill in; in
# the tutorial itself the solutions are filled in.

# %%
from tconv.exercises import check

# %% [markdown]
# **Exercise 1.** The loss is now the *mean* of a stride-2, padding-1 convolution's output over a
# 7x7 image (kernel `K`). Predict `dL/dx` with one call of `tconv.conv_transpose2d`: what is
# `dL/dy`, and which `output_padding` lands on 7x7? (The check compares with the autograd.)

# %%
# BEGIN SOLUTION 02.1
# STUDENT: predicted = ...                # dL/dx, shape (1, 1, 7, 7), from one conv_transpose2d call
out_size = tconv.conv_output_size(7, 3, stride=2, padding=1)          # 4: the output is 4x4
grad_y = np.full((1, 1, out_size, out_size), 1.0 / out_size ** 2)    # d mean / d y = 1/N everywhere
a7 = tconv.conv_geometry((7, 7), (3, 3), stride=2, padding=1).restoring_output_padding()
predicted = tconv.conv_transpose2d(grad_y, K[None, None], stride=2, padding=1, output_padding=a7)
# END SOLUTION 02.1
check("02.1", predicted)

# %% [markdown]
# The autograd's answer, for comparison:

# %%
x7 = Tensor(rng.standard_normal((1, 1, 7, 7)), requires_grad=True)
F.conv2d(x7, Tensor(K[None, None]), stride=2, padding=1).mean().backward()
print(x7.grad[0, 0])

# %% [markdown]
# **Exercise 2.** The *weight* gradient of a transposed convolution `y = conv_transpose2d(x, w)`
# with upstream gradient `g` is the weight gradient of the convolution `conv2d(g, w)` with
# upstream gradient `x`: the two roles swap. Compute `dL/dw` of the transposed convolution below
# using only `F.conv2d` and `backward` (no `conv_transpose2d`); the check compares with the
# transposed convolution's own gradient.

# %%
x_small = rng.standard_normal((1, 2, 3, 3))
w_shared = rng.standard_normal((2, 3, 3, 3))               # conv_transpose: (C_in=2, C_out=3, 3, 3)
g_t = rng.standard_normal((1, 3, 5, 5))                    # dL/dy for y = conv_transpose2d(x_small, w, 2, 1)
# BEGIN SOLUTION 02.2
# STUDENT: grad_w = ...                   # dL/dw, the shape of w_shared
w_c = Tensor(w_shared.copy(), requires_grad=True)          # conv2d reads it as (C_out=2, C_in=3, 3, 3)
(F.conv2d(Tensor(g_t), w_c, stride=2, padding=1) * Tensor(x_small)).sum().backward()
grad_w = w_c.grad
# END SOLUTION 02.2
check("02.2", grad_w, x=x_small, w=w_shared, g=g_t)

# %% [markdown]
# **Exercise 3.** A stride-2 convolution with a 3x3 kernel and no padding runs over a 10x10 image.
# How many output pixels does it have per side, and which rows of the input never get any
# gradient, whatever the loss? Predict both (answer `(outputs per side, [rows])`), then look
# at the autograd's gradient of `sum(conv2d(x, ones, stride=2))`.

# %%
# BEGIN SOLUTION 02.3
# STUDENT: prediction = ...               # (outputs per side, [the rows that get no gradient])
outputs = (10 - 3) // 2 + 1                                # 4 windows, at rows 0, 2, 4, 6
last_row_used = (outputs - 1) * 2 + 3 - 1                  # the last window covers rows 6, 7, 8
prediction = (outputs, list(range(last_row_used + 1, 10)))
# END SOLUTION 02.3
check("02.3", prediction)

# %%
field = Tensor(np.ones((1, 1, 10, 10)), requires_grad=True)
F.conv2d(field, Tensor(np.ones((1, 1, 3, 3))), stride=2).sum().backward()
print(field.grad[0, 0])

# %% [markdown]
# (The last row and column are the pixels a stride-2 convolution rounds away, the ones that
# `output_padding` gives back to its transposed twin: this is the picture of section 5's
# remark.)
