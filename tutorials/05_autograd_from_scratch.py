# ---
# jupyter:
#   jupytext:
#     formats: py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
# ---

# %% [markdown]
# # Tutorial 5: autograd from scratch
#
# **Goal.** Understand what `loss.backward()` does, well enough to write it yourself: the graph a
# `tconv.Tensor` records, the order in which `backward` visits it, the vector-Jacobian product
# (VJP) each op contributes, and the one rule that makes it correct when a value is used twice.
# Then apply it to the convolution: its VJP with respect to the input *is* the transposed
# convolution, and with respect to the weight it is one matrix product of the unfolded input.
# Finally, check gradients the way a library author does (`gradcheck`), see why that needs
# float64, and switch recording off with `no_grad`.
#
# **Before you start.** Tutorial 1 (the matrix `C`) and tutorial 2 (gradients of convolutions).
# Some calculus: the chain rule. **Runtime:** in the [runtime table](README.md#runtimes).

# %%
# %matplotlib inline
import os
from pathlib import Path

import numpy as np

import tconv
import tconv.viz
from tconv import Tensor
from tconv.autograd import GradcheckError, defop, topological_order
from tconv.nn import functional as F
from tconv.viz.style import OKABE_ITO, new_figure, styled

np.set_printoptions(precision=3, suppress=True, linewidth=100)
OUT = Path(os.environ.get("TCONV_TUTORIAL_OUTPUT", "tutorial_figures"))
OUT.mkdir(exist_ok=True)
tconv.manual_seed(0)                                  # the layers' default initialisation (section 7)
rng = np.random.default_rng(0)

# %% [markdown]
# ## 1. The graph
#
# A `Tensor` made with `requires_grad=True` is a *leaf*: a value you want gradients for. Every op
# on it returns a new tensor that remembers which op made it (`grad_fn`), its inputs, and a
# function that turns the gradient of its result into the gradients of its inputs. Together they
# form a directed acyclic graph from the leaves to the loss.

# %%
a = Tensor([1.0, 2.0, 3.0], requires_grad=True)
b = Tensor([4.0, 5.0, 6.0], requires_grad=True)
c = a * b
d = c + a
loss = d.sum()
for name, t in [("a", a), ("b", b), ("c = a * b", c), ("d = c + a", d), ("loss = d.sum()", loss)]:
    print(f"{name:15s} grad_fn={t.grad_fn!s:5s} is_leaf={t.is_leaf}")
assert (a.is_leaf, c.is_leaf, c.grad_fn, d.grad_fn, loss.grad_fn) == (True, False, "mul", "add", "sum")

# %% [markdown]
# `backward` needs an order in which every node comes *after* all the nodes it was computed from
# (a topological order): walked backwards, from the loss to the leaves, each node's gradient is
# complete (every op that used it has passed its contribution on) before it is passed further.
# `tconv.autograd.topological_order` computes it with an iterative depth-first search:

# %%
names = {id(a): "a", id(b): "b", id(c): "c", id(d): "d", id(loss): "loss"}
order = [names[id(t)] for t in topological_order(loss)]
print("topological order:", order)
position = {name: i for i, name in enumerate(order)}
for parent, child in [("a", "c"), ("b", "c"), ("c", "d"), ("a", "d"), ("d", "loss")]:
    assert position[parent] < position[child]

loss.backward()
print("dloss/da =", a.grad, "(= b + 1)")
print("dloss/db =", b.grad, "(= a)")
assert np.array_equal(a.grad, b.data + 1) and np.array_equal(b.grad, a.data)

# %% [markdown]
# ## 2. A vector-Jacobian product by hand: `defop`
#
# An op never builds its Jacobian `J` (for a convolution it would be the whole matrix `C`).
# It only needs the *vector-Jacobian product* `grad_in = J^T grad_out`: given the gradient of the
# loss with respect to its output, the gradient with respect to each input. `tconv.autograd.defop`
# turns a function that returns `(result, vjp)` into an op on Tensors; positional arguments are the
# differentiable inputs, and `vjp` returns one gradient per input, of that input's shape.
#
# For `sin`, elementwise, `J` is diagonal with entries `cos(x)`, so `J^T grad_out = grad_out * cos(x)`:

# %%
@defop
def sin(x):
    def vjp(grad_out):
        return (grad_out * np.cos(x),)
    return np.sin(x), vjp


t = Tensor(np.linspace(0.0, 3.0, 4), requires_grad=True)
y = sin(t)
print(y)
y.sum().backward()
print("d sum(sin t)/dt =", t.grad, " cos t =", np.cos(t.data))
assert y.grad_fn == "sin" and np.allclose(t.grad, np.cos(t.data))

# %% [markdown]
# Ops compose: the engine multiplies the VJPs along every path (the chain rule), for example
# `d/dt sum(sin(t) * t) = cos(t) * t + sin(t)`.

# %%
t.zero_grad()
(sin(t) * t).sum().backward()
assert np.allclose(t.grad, np.cos(t.data) * t.data + np.sin(t.data))

# %% [markdown]
# ## 3. An engine in thirty lines, and micrograd's trap
#
# Here is the whole idea on scalars, as in Karpathy's micrograd: a value, its parents, and a VJP
# closure; `backward` walks the topological order in reverse and *adds* each contribution to the
# parent's gradient. The flag `accumulate=False` writes `=` instead of `+=`, the classic bug.

# %%
class Scalar:
    """A number that remembers how it was computed (a one-element, scalar-only Tensor)."""

    def __init__(self, value, parents=(), vjp=None):
        self.value, self.parents, self.vjp, self.grad = value, parents, vjp, 0.0

    def __add__(self, other):
        return Scalar(self.value + other.value, (self, other), lambda g: (g, g))

    def __mul__(self, other):
        return Scalar(self.value * other.value, (self, other), lambda g: (g * other.value, g * self.value))

    def backward(self, accumulate=True):
        order, seen = [], set()

        def visit(node):                                  # depth-first: parents before the node
            if id(node) not in seen:
                seen.add(id(node))
                for parent in node.parents:
                    visit(parent)
                order.append(node)

        visit(self)
        self.grad = 1.0
        for node in reversed(order):
            if node.vjp is None:                          # a leaf
                continue
            for parent, g in zip(node.parents, node.vjp(node.grad)):
                parent.grad = parent.grad + g if accumulate else g


x_s, w_s = Scalar(3.0), Scalar(-2.0)
z_s = x_s * w_s + x_s                                     # dz/dx = w + 1 = -1, dz/dw = x = 3
z_s.backward()
assert (x_s.grad, w_s.grad) == (-1.0, 3.0)

# %% [markdown]
# **The trap.** `b = a + a; c = b + b` is `c = 4a`, so `dc/da = 4`. But `a` is used twice by one
# op, and `b` twice by the next: each use contributes its own gradient, and they must be *summed*.
# Overwriting keeps only the last contribution at every step and gets 1.

# %%
for accumulate in (True, False):
    a_s = Scalar(3.0)
    b_s = a_s + a_s
    c_s = b_s + b_s
    c_s.backward(accumulate=accumulate)
    print(f"accumulate={accumulate}: dc/da = {a_s.grad}")
    assert a_s.grad == (4.0 if accumulate else 1.0)

a_t = Tensor(3.0, requires_grad=True)                     # tconv's engine accumulates
b_t = a_t + a_t
c_t = b_t + b_t
c_t.backward()
assert a_t.grad == 4.0
print("tconv: dc/da =", a_t.grad)

# %% [markdown]
# ## 4. Why the backward pass of a convolution is a transposed convolution
#
# A convolution is linear in its input, `y = C x` (tutorial 1), so its Jacobian *is* `C` and its
# VJP is `C.T @ grad_out`: the transposed convolution of the output's gradient. You can watch the
# autograd reveal `C` row by row: `backward` with a one-hot upstream gradient `e_m` returns
# `J^T e_m`, which is row `m` of `J`.

# %%
M = np.array([[4, 5, 8, 7], [1, 8, 8, 8], [3, 6, 6, 4], [6, 5, 7, 8]], dtype=float)
K = np.array([[1, 4, 1], [1, 4, 3], [3, 3, 1]], dtype=float)
rows = []
for m in range(4):
    x_notes = Tensor(M[None, None], requires_grad=True)
    out = F.conv2d(x_notes, Tensor(K[None, None]))
    one_hot = np.zeros(out.shape)
    one_hot.reshape(-1)[m] = 1.0
    out.backward(one_hot)                                 # backward(grad) starts from grad, not from 1
    rows.append(x_notes.grad.reshape(-1))
jacobian = np.array(rows)
print(jacobian.astype(int))
assert np.array_equal(jacobian, tconv.conv_matrix(K[None, None], (1, 4, 4)).toarray())

# %% [markdown]
# Now any geometry: several channels, stride 2, padding 1. Three computations of `dL/dx` for
# `L = <conv2d(x, w), g>`: the autograd, `tconv.conv_transpose2d(g, w)` with the `output_padding`
# that restores the input size (tutorial 4), and the explicit `conv_matrix(...).T @ g`.

# %%
x = rng.standard_normal((1, 2, 6, 5))                    # (N, C_in, H, W)
w = rng.standard_normal((3, 2, 3, 3))                    # (C_out, C_in, kh, kw)
geometry = tconv.conv_geometry((6, 5), (3, 3), stride=2, padding=1)
g = rng.standard_normal((1, 3) + geometry.output_size)  # dL/dy

x_t = Tensor(x, requires_grad=True)
w_t = Tensor(w, requires_grad=True)
y_t = F.conv2d(x_t, w_t, stride=2, padding=1)
y_t.backward(g)

by_transposed = tconv.conv_transpose2d(g, w, stride=2, padding=1, output_padding=geometry.restoring_output_padding())
C = tconv.conv_matrix(w, (2, 6, 5), stride=2, padding=1)
by_matrix = (C.T @ g.reshape(-1)).reshape(x.shape)
print("output", geometry.output_size, "output_padding", geometry.restoring_output_padding(), "C", C.shape)
assert np.allclose(x_t.grad, by_transposed, atol=1e-12)
assert np.allclose(x_t.grad, by_matrix, atol=1e-12)

# %% [markdown]
# ## 5. The weight gradient is one matrix product of the unfolded input
#
# *Unfold* (im2col) copies, for every output position, the `C_in * kh * kw` input pixels its
# window covers into one column. The convolution is then a single matrix product,
# `y = W @ cols` with `W` the weight reshaped to `(C_out, C_in*kh*kw)`, and, since `y` is linear in
# `W`, its weight gradient is `dL/dW = g @ cols.T` (every tap collects the input pixels it
# multiplied, weighted by the output's gradient). This is how the fast path computes it.

# %%
def unfold(image, kernel_size, stride, padding):
    """Columns of the windows of one image (C, H, W): shape (C * kh * kw, number of windows)."""
    channels = image.shape[0]
    kh, kw = kernel_size
    padded = np.pad(image, ((0, 0), (padding, padding), (padding, padding)))
    out_h = (padded.shape[1] - kh) // stride + 1
    out_w = (padded.shape[2] - kw) // stride + 1
    cols = np.empty((channels * kh * kw, out_h * out_w))
    for r in range(out_h):
        for c in range(out_w):
            window = padded[:, r * stride:r * stride + kh, c * stride:c * stride + kw]
            cols[:, r * out_w + c] = window.reshape(-1)
    return cols


cols = unfold(x[0], (3, 3), stride=2, padding=1)
W = w.reshape(3, -1)                                     # (C_out, C_in*kh*kw) = (3, 18)
g_flat = g[0].reshape(3, -1)                             # (C_out, windows) = (3, 9)
print("cols", cols.shape, " W", W.shape, " g", g_flat.shape)
assert np.allclose((W @ cols).reshape(y_t.shape), y_t.data)              # the forward pass
assert np.allclose((g_flat @ cols.T).reshape(w.shape), w_t.grad)         # the weight gradient

# %% [markdown]
# ## 6. Trust, but verify: `gradcheck`
#
# `tconv.gradcheck(fn, *inputs)` compares what `backward` computes with central differences
# `(f(x + eps e_j) - f(x - eps e_j)) / 2eps`, entry by entry, and along random directions. It
# returns `True`, or raises a `GradcheckError` naming the input, the entry, and both values.

# %%
assert tconv.gradcheck(lambda v: sin(v) * v, rng.standard_normal(5))
assert tconv.gradcheck(lambda xx, ww: F.conv2d(xx, ww, stride=2, padding=1), x, w)
print("gradcheck passed for sin and for conv2d (input and weight)")

# %% [markdown]
# The most common VJP bug is forgetting to multiply by `grad_out` (returning the local derivative
# alone). On `sum(sin(x))` it goes unnoticed, because there `grad_out` is all ones; `gradcheck`
# uses random upstream gradients, so it catches it:

# %%
@defop
def broken_sin(x):
    def vjp(grad_out):
        return (np.cos(x),)                                  # BUG: should be grad_out * np.cos(x)
    return np.sin(x), vjp


probe = Tensor(np.linspace(0.0, 3.0, 4), requires_grad=True)
broken_sin(probe).sum().backward()
assert np.allclose(probe.grad, np.cos(probe.data))           # looks right on this one loss
try:
    tconv.gradcheck(broken_sin, rng.standard_normal(4))
    raise AssertionError("gradcheck should have caught the bug")
except GradcheckError as error:
    print("GradcheckError:", error)
    assert "input 0" in str(error) and "finite differences give" in str(error)

# %% [markdown]
# ## 7. float64 for checking, float32 for training
#
# Central differences have two errors: truncation (about `eps**2`, smaller for small `eps`) and
# rounding (about `machine epsilon / eps`, larger for small `eps`). In float32 (machine epsilon
# `1.2e-7`) the best achievable agreement is about `1e-5`, at `eps` near `1e-4`, and `gradcheck`'s
# `eps = 1e-6` would be hopeless; in float64 (`2.2e-16`) it reaches `1e-10`. Measured for
# `f(x) = <tanh(conv2d(x, w)), g>` along a random direction `u`, against the autograd's exact
# `<df/dx, u>`:

# %%
x_c = rng.standard_normal((1, 2, 6, 6))
w_c = 0.3 * rng.standard_normal((3, 2, 3, 3))
g_c = rng.standard_normal((1, 3, 4, 4))
u_c = rng.standard_normal(x_c.shape)
x_exact = Tensor(x_c, requires_grad=True)
(F.tanh(F.conv2d(x_exact, Tensor(w_c))) * Tensor(g_c)).sum().backward()
exact = float(np.vdot(x_exact.grad, u_c))


def f(values, dtype):
    """The loss computed entirely in `dtype` (conv2d keeps float32 as float32)."""
    out = np.tanh(tconv.conv2d(values.astype(dtype), w_c.astype(dtype))) * g_c.astype(dtype)
    return out.sum(dtype=dtype)


steps = 10.0 ** -np.arange(1, 11)
errors = {}
for dtype in (np.float32, np.float64):
    errors[dtype.__name__] = np.array([
        abs(float(f(x_c + eps * u_c, dtype) - f(x_c - eps * u_c, dtype)) / (2 * eps) - exact) / abs(exact)
        for eps in steps])
    best = int(np.argmin(errors[dtype.__name__]))
    print(f"{dtype.__name__}: best relative error {errors[dtype.__name__][best]:.1e} at eps = {steps[best]:.0e}")
assert errors["float64"].min() < 1e-8 and errors["float32"].min() > 1e-6
assert int(np.argmin(errors["float32"])) in (2, 3)          # the best float32 step: eps = 1e-3 or 1e-4
assert errors["float32"][5] > 1e-3                           # eps = 1e-6 in float32: useless

# %%
with styled():
    eps_figure = new_figure(7, 4.2, layout="constrained")
    ax = eps_figure.subplots()
    for name, colour, marker in [("float32", OKABE_ITO["vermillion"], "s"), ("float64", OKABE_ITO["blue"], "o")]:
        ax.loglog(steps, np.maximum(errors[name], 1e-16), marker=marker, color=colour, label=name)
    ax.axvline(1e-6, color="#888888", linestyle=":", label="gradcheck's eps = 1e-6")
    ax.set_xlabel("step eps of the central difference")
    ax.set_ylabel("relative error against the autograd")
    ax.set_title("Central differences: rounding error (small eps) vs truncation error (large eps)")
    ax.legend()
eps_figure_path = tconv.viz.save(eps_figure, OUT / "05_finite_differences.png")
eps_figure

# %% [markdown]
# So `gradcheck` converts its inputs to float64 and insists that `fn` computes in float64. The
# layers of `tconv.nn` are float32 by default, as in PyTorch (training does not need float64 and
# runs faster without it), and tconv never mixes the two silently: a float32 layer refuses a float64
# input, and `gradcheck` says what to do, `model.double()`. Gradients keep their tensor's dtype.

# %%
layer = tconv.nn.Conv2d(2, 3, 3)
print("layer weight dtype:", layer.weight.dtype)
try:
    tconv.gradcheck(lambda v: layer(v), x_c)
    raise AssertionError("a float32 layer should be refused")
except TypeError as error:
    print("TypeError:", error)
    assert "model.double()" in str(error)
layer.double()
assert tconv.gradcheck(lambda v: layer(v), x_c)

x32 = Tensor(x_c.astype(np.float32), requires_grad=True)
F.conv2d(x32, Tensor(w_c.astype(np.float32))).sum().backward()
assert x32.grad.dtype == np.float32

# %% [markdown]
# ## 8. `no_grad`: compute without recording
#
# Recording the graph costs memory (every intermediate result is kept for the backward pass) and
# is useless when you only evaluate a model or update its weights. Inside `with tconv.no_grad():`
# ops return plain leaves: no `grad_fn`, nothing to call `backward` on.

# %%
with tconv.no_grad():
    assert not tconv.is_grad_enabled()
    evaluated = F.conv2d(x_t, w_t, stride=2, padding=1)
print("under no_grad: requires_grad =", evaluated.requires_grad, " grad_fn =", evaluated.grad_fn)
assert not evaluated.requires_grad and evaluated.grad_fn is None and tconv.is_grad_enabled()
try:
    evaluated.sum().backward()
    raise AssertionError("backward through a no_grad result should fail")
except RuntimeError as error:
    print("RuntimeError:", error)

# The same values as with recording on:
assert np.array_equal(evaluated.data, y_t.data)

# %% [markdown]
# ## Exercises
#
# Each exercise ends with `check("05.k", answer)`, which prints *right*, or *not yet* with a
# hint that does not give the answer away. In a student copy (made by
# `tconv tutorials --student DIR`) every solution is a blank (`...`) for you to fill in; in
# the tutorial itself the solutions are filled in.

# %%
from tconv.exercises import check

# %% [markdown]
# **Exercise 1.** Write `softplus(x) = log(1 + exp(x))` as a `defop` with its VJP (its derivative
# is the logistic sigmoid `1 / (1 + exp(-x))`). The check runs it on random inputs with a random
# upstream gradient and compares the values and the gradient; `gradcheck` would tell you the same.

# %%
# BEGIN SOLUTION 05.1
# STUDENT: @defop
# STUDENT: def softplus(x):
# STUDENT:     def vjp(grad_out):
# STUDENT:         return (...,)                        # the gradient with respect to x
# STUDENT:     return ..., vjp                          # the value, and the vjp
@defop
def softplus(x):
    def vjp(grad_out):
        return (grad_out / (1.0 + np.exp(-x)),)
    return np.logaddexp(0.0, x), vjp                      # log(1 + e^x), without overflow
# END SOLUTION 05.1
check("05.1", softplus)

# %% [markdown]
# **Exercise 2.** Recover the Jacobian of the transposed convolution `conv_transpose2d(·, K)`
# (2x2 -> 4x4) with one-hot upstream gradients, as in section 4: one `backward` per output
# pixel, each giving one row. Which matrix is it?

# %%
# BEGIN SOLUTION 05.2
# STUDENT: jacobian_T = ...               # one row per output pixel, one column per input pixel
rows_T = []
for m in range(16):
    y_small = Tensor(np.zeros((1, 1, 2, 2)), requires_grad=True)
    up = F.conv_transpose2d(y_small, Tensor(K[None, None]))
    one_hot = np.zeros(up.shape)
    one_hot.reshape(-1)[m] = 1.0
    up.backward(one_hot)
    rows_T.append(y_small.grad.reshape(-1))
jacobian_T = np.array(rows_T)                            # 16 x 4: C.T, the transpose of section 4's C
# END SOLUTION 05.2
check("05.2", jacobian_T)

# %% [markdown]
# **Exercise 3.** The accumulation that fixes micrograd's trap also means that calling `backward`
# twice *adds* the gradients. For `p = [1, -2]` and `L = sum(p * p)`, predict `p.grad` after two
# calls of `L.backward()` (recomputing `L` each time) without `zero_grad` in between. Then run
# it, and see how `zero_grad` starts from nothing again (this is why every training step calls
# `optimizer.zero_grad()`).

# %%
# BEGIN SOLUTION 05.3
# STUDENT: after_two_calls = ...          # p.grad after the second backward, as an array
after_two_calls = 2 * (2 * np.array([1.0, -2.0]))          # dL/dp = 2p, added twice
# END SOLUTION 05.3
check("05.3", after_two_calls)

# %%
p = Tensor([1.0, -2.0], requires_grad=True)
(p * p).sum().backward()
(p * p).sum().backward()
print("after two backward calls:", p.grad)
p.zero_grad()
assert p.grad is None
(p * p).sum().backward()
print("after zero_grad and one call:", p.grad)
