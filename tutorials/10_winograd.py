# ---
# jupyter:
#   jupytext:
#     formats: py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
# ---

# %% [markdown]
# # Tutorial 10: Winograd, one more factorization of the same matrix
#
# *Optional: the segmentation path (tutorials 6-9 and 11) does not need this tutorial. Read it
# for a second fast factorization of tutorial 1's matrix `C`, and for what tconv runs inside.*
#
# **Goal.** Tutorial 1 wrote a convolution as one matrix `C` acting on the flattened image.
# Any exact way of computing the convolution is a way of writing `C` as a product of simpler
# matrices: tconv's fast path uses `C = (W ⊗ I)·P` (unfold, then one matrix product). For 3x3
# kernels with stride 1 there is a factorization with fewer multiplications, Winograd's minimal
# filtering (Winograd 1980; Lavin & Gray 2016, "Fast Algorithms for Convolutional Neural
# Networks", CVPR). You will do its smallest case by hand (two outputs of a 3-tap filter with 4
# multiplications instead of 6), derive its matrices from polynomial interpolation, nest it into
# 2-D, check that it *is* `C`, measure what it costs in float32 accuracy, see that its backward is
# a Winograd forward again, and find out which layers of a U-Net tconv runs with it.
#
# **Before you start.** Tutorial 1 (the matrix `C`, `C.T`, the adjoint identity) and tutorial 2
# (the input gradient is `C.T @ dL/dy`). Some linear algebra: a polynomial of degree `n` is fixed
# by its values at `n + 1` points. **Runtime:** in the [runtime table](README.md#runtimes) (tconv's Numba
# kernels are compiled on their first use after an install or update: up to half a minute more,
# once).
#
# Run it as a script (`python tutorials/10_winograd.py`) or open it as a notebook with jupytext.
# Every claim is checked by an `assert`; figures are shown inline in a notebook and saved to
# `tutorial_figures/` (or to the folder named by `TCONV_TUTORIAL_OUTPUT`).

# %%
# %matplotlib inline
import contextlib
import io
import math
import os
import time
from fractions import Fraction
from pathlib import Path

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

import tconv
import tconv.cli
import tconv.viz
from tconv import Tensor
from tconv.methods.choice import factorization, winograd_pays
from tconv.nn import functional as F
from tconv.seg.models import UNet
from tconv.viz.style import OKABE_ITO, new_figure, styled
from tconv.winograd import multiplications_per_output, toom_cook, winograd_tile

np.set_printoptions(precision=3, suppress=True, linewidth=100)
OUT = Path(os.environ.get("TCONV_TUTORIAL_OUTPUT", "tutorial_figures"))
OUT.mkdir(exist_ok=True)
QUICK = os.environ.get("TCONV_QUICK") == "1"            # fewer timing rounds (section 10)
rng = np.random.default_rng(0)

# %% [markdown]
# ## 1. Two outputs of a 3-tap filter with 4 multiplications
#
# Take four input values `d = (d0, d1, d2, d3)` and a 3-tap kernel `g = (g0, g1, g2)`. The valid
# correlation (what `conv1d` computes) has two outputs, 3 multiplications each:
#
#     y0 = d0 g0 + d1 g1 + d2 g2
#     y1 = d1 g0 + d2 g1 + d3 g2
#
# Lavin & Gray's F(2, 3) ("2 outputs, 3 taps") computes the same two numbers as
#
#     m1 = (d0 - d2) g0        m2 = (d1 + d2) (g0 + g1 + g2) / 2
#     m4 = (d1 - d3) g2        m3 = (d2 - d1) (g0 - g1 + g2) / 2
#     y0 = m1 + m2 + m3        y1 = m2 - m3 - m4
#
# The kernel factors `g0`, `(g0 + g1 + g2) / 2`, `(g0 - g1 + g2) / 2`, `g2` depend only on the
# weights: a network computes them once per weight, not once per pixel. What is left per pair of
# outputs is 4 multiplications (and more additions). We count them with a tiny helper that
# multiplies and keeps a tally. The numbers are the first rows of tutorial 1's image `M` and
# kernel `K`.

# %%
tally = {"products": 0}


def mul(a, b):
    """a * b, counted."""
    tally["products"] += 1
    return a * b


d = np.array([4.0, 5.0, 8.0, 7.0])                    # first row of tutorial 1's image M
g = np.array([1.0, 4.0, 1.0])                         # first row of tutorial 1's kernel K

tally["products"] = 0
direct_y = [float(mul(d[0], g[0]) + mul(d[1], g[1]) + mul(d[2], g[2])),
          float(mul(d[1], g[0]) + mul(d[2], g[1]) + mul(d[3], g[2]))]
direct_products = tally["products"]

weight_factors = [g[0], (g[0] + g[1] + g[2]) / 2, (g[0] - g[1] + g[2]) / 2, g[2]]   # once per weight
tally["products"] = 0
m1 = mul(d[0] - d[2], weight_factors[0])
m2 = mul(d[1] + d[2], weight_factors[1])
m3 = mul(d[2] - d[1], weight_factors[2])
m4 = mul(d[1] - d[3], weight_factors[3])
winograd_y = [float(m1 + m2 + m3), float(m2 - m3 - m4)]
winograd_products = tally["products"]

print(f"direct:   y = {direct_y}  with {direct_products} multiplications")
print(f"Winograd: y = {winograd_y}  with {winograd_products} multiplications")
assert direct_y == winograd_y == [32.0, 44.0]
assert (direct_products, winograd_products) == (6, 4)
assert direct_y == np.correlate(d, g, mode="valid").tolist()          # NumPy's correlation agrees

# %% [markdown]
# ## 2. Where the formulas come from: evaluate, multiply, interpolate
#
# Look first at the *linear convolution* of a 2-vector `h` with `g`: it is the product of the
# polynomials `h(x) = h0 + h1 x` and `g(x) = g0 + g1 x + g2 x²`, a polynomial `s(x)` of degree 3.
# A degree-3 polynomial is fixed by its values at 4 points; take `0, 1, -1` and `∞` (the value "at
# infinity" is the leading coefficient). Then
#
# 1. evaluate `h` and `g` at the 4 points: `E₂ h` and `E₃ g`, where `E_k` is the 4 x k matrix with
#    rows `[1, a, ..., a^(k-1)]` (and `[0, ..., 0, 1]` for `∞`);
# 2. multiply the values, point by point: **4 multiplications**, `(E₃ g) ⊙ (E₂ h)`;
# 3. interpolate the coefficients of `s` back from its 4 values: `L = E₄⁻¹`.
#
# So `s = L [(E₃ g) ⊙ (E₂ h)]`. Steps 1 and 3 are fixed matrices of small numbers.

# %%
points = (0, 1, -1)                                    # ... and ∞


def evaluation(k):
    """E_k: one row [1, a, ..., a^(k-1)] per finite point, [0, ..., 0, 1] for ∞."""
    return np.array([[a ** j for j in range(k)] for a in points] + [[0] * (k - 1) + [1]], dtype=float)


E2, E3, E4 = evaluation(2), evaluation(3), evaluation(4)
L = np.linalg.inv(E4)
print("E4 =")
print(E4)
print("L = inverse of E4 =")
print(L)

h = np.array([2.0, -3.0])
s = L @ ((E3 @ g) * (E2 @ h))
print("h * g by evaluate-multiply-interpolate:", s, " np.convolve:", np.convolve(h, g))
assert np.allclose(s, np.convolve(h, g))

# %% [markdown]
# That map `h -> s` is linear in `h`: `s = T h` with the 4 x 2 matrix `T = L · diag(E₃ g) · E₂`
# (each column of `T` is `g`, shifted down). Its **transpose** is exactly the correlation we
# want: `(Tᵀ d)_i = sum_j g_j d_(i+j)`. Transposing a product reverses it, so
#
#     y = Tᵀ d = E₂ᵀ [(E₃ g) ⊙ (Lᵀ d)],        i.e.   Aᵀ = E₂ᵀ,  G = E₃,  Bᵀ = Lᵀ.
#
# (The same step as in tutorial 1, where the transposed convolution was the transpose of the
# convolution's matrix: here the correlation is the transpose of a convolution.)

# %%
T = L @ np.diag(E3 @ g) @ E2
print("T =")
print(T)
assert np.allclose(T[:, 0], [*g, 0]) and np.allclose(T[:, 1], [0, *g])     # g, shifted down
AT_raw, G_raw, BT_raw = E2.T, E3, L.T
y = AT_raw @ ((G_raw @ g) * (BT_raw @ d))
print("y = E2ᵀ [(E3 g) ⊙ (Lᵀ d)] =", y)
assert np.allclose(y, np.correlate(d, g, mode="valid"))

# %% [markdown]
# `Lᵀ` holds halves, and it multiplies the *data* (every tile of every image). A diagonal scale
# `D` can move between the two factors, since `(D⁻¹ u) ⊙ (D v) = u ⊙ v`: multiply row `i` of
# `Lᵀ` by `f_i = ∏_(j≠i) (a_i - a_j)` and divide row `i` of `G` by it. Then `Bᵀ` has integer
# entries (additions and subtractions only on the data) and the halves sit in `G`, which is
# applied to the weights once. Row `i` of that `Bᵀ` holds the coefficients of `∏_(j≠i) (x - a_j)`
# (the `∞` row: of `∏_j (x - a_j)`), the Lagrange basis without its denominators.
#
# `tconv.winograd.toom_cook(m, r)` does this derivation for `F(m, r)` in exact fractions:

# %%
t2 = toom_cook(2)
f = np.array([(0 - 1) * (0 + 1), (1 - 0) * (1 + 1), (-1 - 0) * (-1 - 1), 1.0])     # f_i, and 1 for ∞
print("points:", t2.points, "+ ∞   f =", f)
print("Bᵀ =")
print(t2.BT)
print("G =")
print(t2.G)
print("Aᵀ =")
print(t2.AT)
assert np.allclose(t2.BT, np.diag(f) @ BT_raw)
assert np.allclose(t2.G, np.diag(1 / f) @ G_raw)
assert np.array_equal(t2.AT, AT_raw)
assert np.array_equal(t2.AT @ ((t2.G @ g) * (t2.BT @ d)), np.array(direct_y))

# %% [markdown]
# **Lavin & Gray's printed matrices.** Their F(2, 3) (section 4.1) is
# `Bᵀ = [[1,0,-1,0],[0,1,1,0],[0,-1,1,0],[0,1,0,-1]]`, `G = [[1,0,0],[1/2,1/2,1/2],[1/2,-1/2,1/2],
# [0,0,1]]`, `Aᵀ = [[1,1,1,0],[0,1,-1,-1]]`. The convention tconv states (in `toom_cook`'s
# docstring): the paper negates the `Bᵀ` row of the point 0 together with its `G` row, and the
# `Bᵀ` row of `∞` together with its `Aᵀ` column. Each sign appears twice and cancels (a diagonal
# of signs moved from one factor to another, like `D` above), so the operator is the same; these
# are exactly the formulas of section 1. Their F(4, 3) (section 4.2, points `0, ±1, ±2, ∞`) is `toom_cook(4)`
# exactly.

# %%
lavin_BT = np.array([[1, 0, -1, 0], [0, 1, 1, 0], [0, -1, 1, 0], [0, 1, 0, -1]], dtype=float)
lavin_G = np.array([[1, 0, 0], [1 / 2, 1 / 2, 1 / 2], [1 / 2, -1 / 2, 1 / 2], [0, 0, 1]])
lavin_AT = np.array([[1, 1, 1, 0], [0, 1, -1, -1]], dtype=float)
assert np.array_equal(np.diag([-1.0, 1, 1, -1]) @ t2.BT, lavin_BT)      # rows of 0 and ∞ negated
assert np.array_equal(np.diag([-1.0, 1, 1, 1]) @ t2.G, lavin_G)         # row of 0 negated
assert np.array_equal(t2.AT @ np.diag([1.0, 1, 1, -1]), lavin_AT)       # column of ∞ negated
for _ in range(5):
    d_random, g_random = rng.standard_normal(4), rng.standard_normal(3)
    assert np.allclose(lavin_AT @ ((lavin_G @ g_random) * (lavin_BT @ d_random)),
                       t2.AT @ ((t2.G @ g_random) * (t2.BT @ d_random)))

t4 = toom_cook(4)
lavin_F43 = {
    "BT": [[4, 0, -5, 0, 1, 0], [0, -4, -4, 1, 1, 0], [0, 4, -4, -1, 1, 0], [0, -2, -1, 2, 1, 0],
           [0, 2, -1, -2, 1, 0], [0, 4, 0, -5, 0, 1]],
    "G": [[1 / 4, 0, 0], [-1 / 6, -1 / 6, -1 / 6], [-1 / 6, 1 / 6, -1 / 6], [1 / 24, 1 / 12, 1 / 6],
          [1 / 24, -1 / 12, 1 / 6], [0, 0, 1]],
    "AT": [[1, 1, 1, 1, 1, 0], [0, 1, -1, 2, -2, 0], [0, 1, 1, 4, 4, 0], [0, 1, -1, 8, -8, 1]],
}
print("F(4, 3): points", t4.points, "+ ∞; Bᵀ =")
print(t4.BT)
for name, printed in lavin_F43.items():
    assert np.allclose(getattr(t4, name), printed, rtol=0, atol=1e-15), name

# %% [markdown]
# ## 3. The matrix view in 1-D
#
# `y = Aᵀ [(G g) ⊙ (Bᵀ d)]` is a product of three matrices applied to `d`:
# `y = Aᵀ · diag(G g) · Bᵀ · d`. So the 2 x 4 matrix of this correlation, the `C` of tutorial 1
# for a length-4 input, factors as `C = Aᵀ · diag(G g) · Bᵀ`: the weights sit on a diagonal,
# between two fixed matrices of small integers.

# %%
C_1d = tconv.conv_matrix(g[None, None], (1, 4)).toarray()
factors_1d = [t2.AT, np.diag(t2.G @ g), t2.BT]
print("C =")
print(C_1d)
print("Aᵀ · diag(G g) · Bᵀ =")
print(factors_1d[0] @ factors_1d[1] @ factors_1d[2])
assert np.array_equal(factors_1d[0] @ factors_1d[1] @ factors_1d[2], C_1d)

# %% [markdown]
# A picture of the factorization, one shared colour scale for all four matrices (white is 0).


# %%
def draw_product(matrices, titles, numbers, cell, title):
    """Matrices side by side on one diverging colour scale: matrices[0] = matrices[1] @ matrices[2] @ ..."""
    from matplotlib.colors import Normalize

    limit = max(np.abs(a).max() for a in matrices)
    norm = Normalize(-limit, limit)
    tallest = max(a.shape[0] for a in matrices)
    with styled():
        fig = new_figure(cell * sum(a.shape[1] for a in matrices) + 0.9 * len(matrices) + 1.2,
                         cell * tallest + 1.3, layout="constrained")
        axes = fig.subplots(1, len(matrices), width_ratios=[a.shape[1] for a in matrices])
        for i, (ax, a, name) in enumerate(zip(axes, matrices, titles)):
            image = ax.imshow(a, cmap="PuOr_r", norm=norm)
            ax.set_title(("= " if i == 1 else "· " if i > 1 else "") + name)
            ax.set_xticks([])
            ax.set_yticks([])
            ax.set_xlabel(f"{a.shape[0]} x {a.shape[1]}")
            for spine in ax.spines.values():
                spine.set_visible(True)
            ax.set_xticks(np.arange(-0.5, a.shape[1], 1), minor=True)
            ax.set_yticks(np.arange(-0.5, a.shape[0], 1), minor=True)
            ax.grid(which="minor", color="0.85", linewidth=0.5)
            ax.tick_params(which="minor", length=0)
            if numbers:
                for (r, c), value in np.ndenumerate(a):
                    if value != 0:
                        ax.text(c, r, f"{value:g}", ha="center", va="center", fontsize=9)
        fig.colorbar(image, ax=list(axes), shrink=0.9, label="entry value")
        fig.suptitle(title)
    return fig


factorization_1d_figure = draw_product([C_1d] + factors_1d, ["C", "Aᵀ", "diag(G g)", "Bᵀ"], numbers=True,
                                       cell=0.42, title="F(2, 3): the 2 x 4 correlation matrix C, factored")
factorization_1d_path = tconv.viz.save(factorization_1d_figure, OUT / "10_factorization_1d.png")
factorization_1d_figure

# %% [markdown]
# ## 4. Two dimensions: nest the 1-D algorithm
#
# For a 3x3 kernel `g` and a 4x4 input tile `d`, F(2x2, 3x3) computes the 2x2 output tile as
#
#     Y = Aᵀ [(G g Gᵀ) ⊙ (Bᵀ d B)] A.
#
# Why: for a kernel of rank one, `g = u vᵀ`, the 2-D correlation is a 1-D correlation along the
# columns (`C_u`) and one along the rows (`C_v`): `Y = C_u d C_vᵀ`. Insert
# `C_u = Aᵀ diag(G u) Bᵀ`, and use `diag(p) X diag(q) = (p qᵀ) ⊙ X` with
# `(G u)(G v)ᵀ = G g Gᵀ`. Every kernel is a sum of rank-one kernels and both sides are linear in
# `g`, so the formula holds for every 3x3 kernel. Per tile: 16 multiplications (the `⊙` of two 4x4
# arrays) for 4 outputs, where the direct sum needs 4 x 9 = 36.
#
# First the rank-one step, checked on a random tile (`C_u` is the 2 x 4 matrix of section 3 for
# the kernel `u`):

# %%
u, v, tile = rng.standard_normal(3), rng.standard_normal(3), rng.standard_normal((4, 4))
C_u, C_v = (tconv.conv_matrix(k[None, None], (1, 4)).toarray() for k in (u, v))
rank_one = tconv.conv2d(tile[None], np.outer(u, v)[None, None])[0]
assert np.allclose(C_u @ tile @ C_v.T, rank_one)                                      # Y = C_u d C_vᵀ
assert np.allclose(t2.AT @ ((t2.G @ np.outer(u, v) @ t2.G.T) * (t2.BT @ tile @ t2.BT.T)) @ t2.AT.T, rank_one)

# %% [markdown]
# Now tutorial 1's image and kernel (one 4x4 tile, output 2x2). F(2, 3)'s matrices hold only
# halves, so in float64 every step is exact:

# %%
M = np.array([[4, 5, 8, 7], [1, 8, 8, 8], [3, 6, 6, 4], [6, 5, 7, 8]], dtype=float)
K = np.array([[1, 4, 1], [1, 4, 3], [3, 3, 1]], dtype=float)
U = t2.G @ K @ t2.G.T                                    # the transformed kernel, 4x4
V = t2.BT @ M @ t2.BT.T                                  # the transformed tile, 4x4
Y = t2.AT @ (U * V) @ t2.AT.T
print("G K Gᵀ =")
print(U)
print("Bᵀ M B =")
print(V)
print("Y =")
print(Y)
assert Y.tolist() == [[122, 148], [126, 134]]            # tutorial 1's result, exactly
assert np.array_equal(Y, winograd_tile(K, M, m=2))       # tconv's one-tile function

# %% [markdown]
# **The matrix view.** Flatten `d` and `Y` row by row (as tutorial 1 flattens the image): the
# input transform `Bᵀ d B` becomes the Kronecker product `(Bᵀ ⊗ Bᵀ) vec(d)`, the output transform
# `(Aᵀ ⊗ Aᵀ)`, and the product `⊙` with `G g Gᵀ` a diagonal matrix. So the 4 x 16 matrix of
# tutorial 1 factors as
#
#     C = (Aᵀ ⊗ Aᵀ) · diag(vec(G g Gᵀ)) · (Bᵀ ⊗ Bᵀ).
#
# It is the same `C`, as `(W ⊗ I)·P` (unfold + GEMM) is: one more way of writing `C @ x`.

# %%
C = tconv.conv_matrix(K[None, None], (1, 4, 4)).toarray()
factors_2d = [np.kron(t2.AT, t2.AT), np.diag(U.ravel()), np.kron(t2.BT, t2.BT)]
product = factors_2d[0] @ factors_2d[1] @ factors_2d[2]
print("(Aᵀ ⊗ Aᵀ) · diag(vec(G K Gᵀ)) · (Bᵀ ⊗ Bᵀ), row 0:", product[0])
print("tutorial 1's C, row 0:                           ", C[0])
assert np.array_equal(product, C)
assert np.array_equal(product @ M.ravel(), C @ M.ravel())

factorization_2d_figure = draw_product([C] + factors_2d, ["C", "Aᵀ ⊗ Aᵀ", "diag(vec(G K Gᵀ))", "Bᵀ ⊗ Bᵀ"],
                                       numbers=False, cell=0.16,
                                       title="F(2x2, 3x3): tutorial 1's 4 x 16 matrix C, factored")
factorization_2d_path = tconv.viz.save(factorization_2d_figure, OUT / "10_factorization_2d.png")
factorization_2d_figure

# %% [markdown]
# ## 5. Counting multiplications
#
# F(m x m, 3x3) turns an `(m+2) x (m+2)` input tile into an `m x m` output tile with `(m+2)²`
# multiplications, `((m+2)/m)²` per output, against 9 for the direct sum (the value for `m = 1`).
# In 3-D the exponent is 3 (27 direct). `tconv.winograd.multiplications_per_output` gives these.

# %%
print(" m   per output, 2-D   per output, 3-D")
for m in (1, 2, 4):
    two_d, three_d = multiplications_per_output(m), multiplications_per_output(m, ndim=3)
    print(f" {m}   {two_d:15.4g}   {three_d:15.4g}")
    assert two_d == (m + 2) ** 2 / m ** 2 and three_d == (m + 2) ** 3 / m ** 3
assert [multiplications_per_output(m) for m in (1, 2, 4)] == [9.0, 4.0, 2.25]
assert U.size / Y.size == 4.0                            # 16 products for 4 outputs, as counted above

# %% [markdown]
# Two caveats keep this from being a 4x speed-up:
#
# * the transforms cost additions. With channels, `G g Gᵀ` is computed once per weight, `Bᵀ d B`
#   once per input channel and tile (shared by all output channels), `Aᵀ [.] A` once per output
#   channel and tile (after the sum over input channels). What remains per point `ξ` of the
#   transformed tile is one matrix product `(C_out x C_in) @ (C_in x tiles)`: `(m+2)²` GEMMs.
#   With few channels the GEMMs are small and the transforms dominate;
# * larger tiles need larger interpolation points (F(4, 3) uses `±2`), and their entries amplify
#   float32 rounding (section 7).

# %% [markdown]
# ## 6. The whole method
#
# A layer is cut into output tiles of `m x m` (the last one may stick out past the edge: its
# extra outputs are computed and thrown away). Here is the whole 2-D method in NumPy, readable
# and vectorised over tiles: pad, cut the overlapping `(m+2)`-tiles (`m` apart), transform, one
# sum over input channels per point, transform back. (tconv's own version, below, does the same
# with Numba transforms and one batched `np.matmul`.)


# %%
def winograd_conv2d(x, w, m, points=None, padding=1):
    """F(m x m, 3x3) correlation of x (N, C_in, H, W) with w (C_out, C_in, 3, 3), stride 1.

    Computed in x's dtype, except the weight transform G w Gᵀ: in float64, rounded once (as
    tconv does: it is computed once per weight).
    """
    t = toom_cook(m, 3, points)
    n, c_in, height, width = x.shape
    out_size = (height + 2 * padding - 2, width + 2 * padding - 2)
    tiles = [math.ceil(o / m) for o in out_size]
    padded = np.zeros((n, c_in, tiles[0] * m + 2, tiles[1] * m + 2), x.dtype)
    padded[:, :, padding:padding + height, padding:padding + width] = x
    d = sliding_window_view(padded, (m + 2, m + 2), axis=(2, 3))[:, :, ::m, ::m]   # (N, C_in, ty, tx, α, α)
    BT, AT = t.BT.astype(x.dtype), t.AT.astype(x.dtype)
    V = BT @ d @ BT.T                                                               # input transform
    U = (t.G @ w.astype(np.float64) @ t.G.T).astype(x.dtype)                        # (C_out, C_in, α, α)
    M = np.einsum("oixy,nitsxy->notsxy", U, V)                                      # sum over C_in per point
    Y = AT @ M @ AT.T                                                               # (N, C_out, ty, tx, m, m)
    Y = Y.transpose(0, 1, 2, 4, 3, 5).reshape(n, w.shape[0], tiles[0] * m, tiles[1] * m)
    return Y[:, :, :out_size[0], :out_size[1]]                                      # drop what stuck out


x = rng.standard_normal((2, 4, 13, 10))                  # odd sizes: the last tiles stick out
w = rng.standard_normal((6, 4, 3, 3))
expected = tconv.conv2d(x, w, padding=1, method="matrix")    # C @ x with the explicit sparse C
for m in (2, 4):
    assert np.allclose(winograd_conv2d(x, w, m), expected, rtol=0, atol=1e-12)
print("the NumPy Winograd (m = 2 and 4) equals C @ x; output", expected.shape)

# %% [markdown]
# tconv's `method="winograd"` uses Winograd wherever it applies (stride 1, dilation 1, 3x3 or
# 3x3x3, any padding, any groups) and unfold + GEMM elsewhere; it picks `m = 4` on axes with at
# least 8 outputs and `m = 2` on shorter ones. On a layer with odd sizes, groups and every kind
# of padding (none, symmetric, asymmetric) it computes the same numbers as the explicit matrix (float64):

# %%
x = rng.standard_normal((2, 6, 13, 10))
w = rng.standard_normal((4, 3, 3, 3))                    # groups=2: 6 -> 4 channels
for padding in (0, 1, ((1, 2), (0, 1))):                 # the last: (before, after) per axis
    by_winograd = tconv.conv2d(x, w, padding=padding, groups=2, method="winograd")
    by_matrix = tconv.conv2d(x, w, padding=padding, groups=2, method="matrix")
    assert by_winograd.shape == by_matrix.shape
    assert np.allclose(by_winograd, by_matrix, rtol=0, atol=1e-12), padding
layer = tconv.conv_geometry((13, 10), (3, 3), padding=1)
print("method='winograd' on this layer:", factorization(layer, 6, 4, groups=2, method="winograd")["forward"])
assert factorization(layer, 6, 4, groups=2, method="winograd")["forward"].startswith("Winograd F(2x2, 3x3)")

# %% [markdown]
# ## 7. The price: float32 rounding
#
# Every factorization is exact in real numbers; in float32 each rounds differently. We measure
# `max |error| / max |exact|` of one 16 -> 16 layer on realistic inputs: the ReLU activations of
# two random He-initialised 3x3 layers (a U-Net's first level), 64x64, against the same
# computation in float64. (docs/benchmarks.md reports the same measurement over 3 seeds, also for
# the backward and in 3-D.)

# %%
def relu_activations(seed, size=64):
    """ReLU outputs of two random He-initialised 3x3 layers (1 -> 16 -> 16 channels), as float32."""
    gen = np.random.default_rng(seed)
    a = gen.standard_normal((2, 1, size, size))
    for c_in in (1, 16):
        weight = gen.standard_normal((16, c_in, 3, 3)) * np.sqrt(2 / (9 * c_in))
        a = np.maximum(tconv.conv2d(a, weight, padding=1, method="unfold"), 0)
    return a.astype(np.float32)


x32 = relu_activations(seed=1)
w32 = (rng.standard_normal((16, 16, 3, 3)) * np.sqrt(2 / (9 * 16))).astype(np.float32)
exact = tconv.conv2d(x32.astype(np.float64), w32.astype(np.float64), padding=1, method="unfold")


def relative_error(y):
    assert y.dtype == np.float32                         # float32 in, float32 out: no silent upcast
    return float(np.abs(y - exact).max() / np.abs(exact).max())


errors = {
    "unfold + GEMM (method='unfold')": relative_error(tconv.conv2d(x32, w32, padding=1, method="unfold")),
    "F(2x2, 3x3), the NumPy version": relative_error(winograd_conv2d(x32, w32, 2)),
    "F(4x4, 3x3), the NumPy version": relative_error(winograd_conv2d(x32, w32, 4)),
    "F(4x4, 3x3) (method='winograd')": relative_error(tconv.conv2d(x32, w32, padding=1, method="winograd")),
}
print(f"{'float32, 16 -> 16 channels, 64x64':34s}   max|error| / max|exact|")
for name, error in errors.items():
    print(f"{name:34s}   {error:.1e}")
e_unfold, e_f2, e_f4, e_tconv = errors.values()
assert e_unfold < 1e-6 and e_f2 < 1e-6                   # a few float32 roundings (2^-24 = 6e-8)
assert 1e-6 < e_f4 < 1e-5 and 1e-6 < e_tconv < 1e-5      # about 10x more
assert e_f4 > 3 * e_f2

# %% [markdown]
# F(2, 3) is as accurate as unfold + GEMM; F(4, 3) loses about one decimal digit. The reason is
# in the matrices: each output is a sum of many products whose terms are scaled up by the
# transforms' entries before they cancel again, and float32 keeps a relative error of `2^-24` of
# the *terms*, not of the result. A rough measure is the largest row sum `sum |entry|` of each
# transform (how much it can amplify its input):

# %%
print(" m   Bᵀ   G      Aᵀ   (largest sum of |entries| in a row)")
for m, t in ((2, t2), (4, t4)):
    print(f" {m}   {np.abs(t.BT).sum(1).max():<4g} {np.abs(t.G).sum(1).max():<6.3g} {np.abs(t.AT).sum(1).max():g}")
assert np.abs(t4.BT).sum(1).max() > 4 * np.abs(t2.BT).sum(1).max()
assert np.abs(t4.AT).sum(1).max() > 4 * np.abs(t2.AT).sum(1).max()

# %% [markdown]
# This is one reason tconv stops at F(4, 3) (exercise 3 goes further). On axes with fewer than 8
# outputs it uses F(2, 3), which there needs no more transformed points and rounds less
# (`tconv.winograd.tile_sizes`); the fast methods also use F(2, 3) on maps up to 32 x 32, where
# its GEMMs (more columns each) measured faster than F(4, 3)'s (`tconv.methods.choice.winograd_tiles`).
#
# ## 8. The backward pass is a Winograd forward again
#
# Tutorial 2: the input gradient of `y = C x` is `C.T @ dL/dy`. With stride 1, `C.T` is itself a
# stride-1 convolution: pad `dL/dy` by `k - 1 - p` and correlate with the kernel rotated by 180°,
# input and output channels swapped (tutorial 1's zero-insertion view, with nothing to insert).
# So the backward of a Winograd layer runs the same Winograd forward on the flipped kernel. The
# weight gradient reuses the forward's transformed tiles: `dW = Gᵀ [Σ_tiles (A dY Aᵀ) ⊙ V] G`.

# %%
x = rng.standard_normal((2, 4, 12, 10))
w = rng.standard_normal((6, 4, 3, 3))
upstream = rng.standard_normal((2, 6, 12, 10))           # dL/dy

x_t, w_t = Tensor(x, requires_grad=True), Tensor(w, requires_grad=True)
(F.conv2d(x_t, w_t, padding=1, method="winograd") * Tensor(upstream)).sum().backward()

flipped = w[:, :, ::-1, ::-1].transpose(1, 0, 2, 3)       # rotate 180°, swap in/out: (4, 6, 3, 3)
as_forward = tconv.conv2d(upstream, flipped, padding=3 - 1 - 1, method="winograd")
as_transpose = tconv.conv_transpose2d(upstream, w, padding=1, method="matrix")     # C.T @ dL/dy
assert np.allclose(x_t.grad, as_forward, rtol=0, atol=1e-12)
assert np.allclose(x_t.grad, as_transpose, rtol=0, atol=1e-12)

x_m, w_m = Tensor(x), Tensor(w, requires_grad=True)
(F.conv2d(x_m, w_m, padding=1, method="matrix") * Tensor(upstream)).sum().backward()
assert np.allclose(w_t.grad, w_m.grad, rtol=0, atol=1e-11)
print("input gradient = Winograd forward of the flipped kernel = C.T @ dL/dy; weight gradients agree")
print("which factorization each product runs (forward: C @ x; adjoint: C.T @ y, the input gradient):")
for product_name, text in factorization(tconv.conv_geometry((12, 10), (3, 3), padding=1), 4, 6,
                                        method="winograd").items():
    print(f"  {product_name:12s} {text}")

# %% [markdown]
# And the identity that makes the backward the *transpose*: `<C x, y> = <x, C.T y>` (tutorial
# 1, section 8), with both sides computed by the Winograd method, in float64:

# %%
x = rng.standard_normal((2, 3, 9, 11))
w = rng.standard_normal((5, 3, 3, 3))
y_side = rng.standard_normal((2, 5, 9, 11))
lhs = np.vdot(tconv.conv2d(x, w, padding=1, method="winograd"), y_side)
rhs = np.vdot(x, tconv.conv_transpose2d(y_side, w, padding=1, method="winograd"))
print(f"<C x, y>   = {lhs:.12f}")
print(f"<x, C.T y> = {rhs:.12f}")
assert abs(lhs - rhs) < 1e-10 * abs(lhs)

# %% [markdown]
# ## 9. Which factorization tconv picks, layer by layer
#
# The default method (`"numba"`) chooses per layer (`tconv.methods.choice.winograd_pays`):
# Winograd when it applies (stride 1, dilation 1, 3x3), each group has at least 4 input and 4
# output channels, and the output has at least 256 points (16 x 16) per image, with F(2x2, 3x3)
# tiles up to 32 x 32 and F(4x4, 3x3) beyond; otherwise unfold + GEMM
# (or a plain GEMM for 1x1 kernels and for the U-Net's 2x2 stride-2 up-convolutions, whose
# `P` is a permutation). The rule comes from timing both on the benchmark layers
# (docs/benchmarks.md). `tconv.methods.choice.factorization` says what runs; here for every
# convolution of a U-Net (Ronneberger et al. 2015) on a 64x64 image, with forward hooks recording
# each layer's input:

# %%
def short(text):
    """'Winograd F(4x4, 3x3): C = ...' -> 'Winograd F(4x4, 3x3)'."""
    name = text.split(":")[0]
    return name + " (flipped kernel)" if "flipped" in text else name


def recorder(name):
    """A forward hook that notes the layer's name, the layer and its input's shape in `seen`."""
    def hook(module, inputs, output):
        seen.append((name, module, inputs[0].shape))
    return hook


unet = UNet(in_channels=1, num_classes=2, base=16, depth=3)
seen = []
handles = [module.register_forward_hook(recorder(name)) for name, module in unet.named_modules()
           if isinstance(module, (tconv.nn.Conv2d, tconv.nn.ConvTranspose2d))]
with tconv.no_grad():
    unet(np.zeros((1, 1, 64, 64), np.float32))
for handle in handles:
    handle.remove()

print(f"{'layer':13s} {'kind':16s} {'channels':>9s} {'input':>6s}  {'forward':22s} input gradient")
choices = {}
for name, module, shape in seen:
    if module.transposed:                                # its forward is C.T, its input gradient C
        geometry = tconv.conv_transpose_geometry(shape[2:], module.kernel_size, module.stride, module.padding,
                                                 module.output_padding)
        ways = factorization(geometry, module.out_channels, module.in_channels)
        forward, backward = ways["adjoint"], ways["forward"]
    else:
        geometry = tconv.conv_geometry(shape[2:], module.kernel_size, module.stride, module.padding)
        ways = factorization(geometry, module.in_channels, module.out_channels)
        forward, backward = ways["forward"], ways["adjoint"]
    choices[name] = short(forward)
    channels = f"{module.in_channels}->{module.out_channels}"
    size = f"{shape[2]}x{shape[3]}"
    print(f"{name:13s} {type(module).__name__:16s} {channels:>9s} {size:>6s}  {short(forward):22s} {short(backward)}")
print("(encoder.0.0's input gradient is never computed in training: the image needs no gradient)")

assert choices["encoder.0.0"] == "unfold + GEMM"          # 1 input channel: too few for Winograd
assert choices["encoder.0.2"] == choices["decoder.2.2"] == "Winograd F(4x4, 3x3)"       # 64x64, 16 -> 16
assert choices["encoder.1.0"] == choices["encoder.2.0"] == "Winograd F(2x2, 3x3)"      # 32x32, 16x16
assert choices["bottleneck.0"] == "unfold + GEMM"          # 8x8: too small for Winograd to pay
assert choices["up.0"].startswith("GEMM + reshape") and choices["head"].startswith("GEMM")
geometry_64 = tconv.conv_geometry((64, 64), (3, 3), padding=1)
assert winograd_pays(geometry_64, 16, 16, 1) and not winograd_pays(geometry_64, 1, 16, 1)

# %% [markdown]
# The command line says the same for one layer. In a terminal:
#
#     tconv explain --input 64 64 --kernel 3 --padding 1 --channels 16 16
#
# Here we run the same command from Python (`tconv.cli.main` takes the words you would type) and
# print its "How tconv computes it" paragraph:

# %%
printed = io.StringIO()
with contextlib.redirect_stdout(printed):
    exit_code = tconv.cli.main(["explain", "--input", "64", "64", "--kernel", "3", "--padding", "1",
                                "--channels", "16", "16"])
report = printed.getvalue()
paragraph = report[report.index("How tconv computes it"):report.index("The matrix")]
print(paragraph)
assert exit_code == 0
assert "this operator (C @ x):  Winograd F(4x4, 3x3)" in paragraph
assert "the flipped, channel-swapped kernel" in paragraph

# %% [markdown]
# ## 10. Is it faster? A small timing
#
# One 16 -> 16 layer on a batch of 8 float32 64x64 maps, unfold + GEMM against Winograd,
# forward only. The two are timed alternately (A B A B ..., as docs/benchmarks.md does) with
# `time.perf_counter`, after a warm-up call each, and we report the medians.
#
# **Timings depend on the machine** (cores, BLAS, cache, what else is running) and move by tens
# of percent from run to run on a shared machine. Nothing below is asserted except that both
# compute the same numbers. docs/benchmarks.md measured Winograd 10-25% faster than unfold + GEMM
# on such layers at one thread, and tied at 16x16.

# %%
x_layer = rng.standard_normal((8, 16, 64, 64)).astype(np.float32)
w_layer = (rng.standard_normal((16, 16, 3, 3)) * np.sqrt(2 / (9 * 16))).astype(np.float32)
results = {name: tconv.conv2d(x_layer, w_layer, padding=1, method=name) for name in ("unfold", "winograd")}
assert np.allclose(results["unfold"], results["winograd"], rtol=0, atol=1e-5 * np.abs(results["unfold"]).max())

seconds = {"unfold": [], "winograd": []}
for _ in range(3 if QUICK else 9):
    for name in seconds:
        start = time.perf_counter()
        tconv.conv2d(x_layer, w_layer, padding=1, method=name)
        seconds[name].append(time.perf_counter() - start)
median_ms = {name: 1000 * float(np.median(values)) for name, values in seconds.items()}
print(f"batch 8, 16 -> 16, 64x64, float32, {tconv.get_num_threads()} thread(s), {len(seconds['unfold'])} rounds:")
for name, value in median_ms.items():
    print(f"  {name:8s} median {value:6.2f} ms   (min {1000 * min(seconds[name]):.2f}, "
          f"max {1000 * max(seconds[name]):.2f})")
print(f"  unfold / winograd: {median_ms['unfold'] / median_ms['winograd']:.2f}x on this machine, this run")

# %% [markdown]
# ## Summary
#
# * F(2, 3) computes 2 outputs of a 3-tap filter with 4 multiplications: evaluate at `0, 1, -1,
#   ∞`, multiply, interpolate, and transpose (the correlation is the transpose of a convolution).
# * In 2-D, `Y = Aᵀ [(G g Gᵀ) ⊙ (Bᵀ d B)] A` per tile, i.e.
#   `C = (Aᵀ ⊗ Aᵀ) · diag(vec(G g Gᵀ)) · (Bᵀ ⊗ Bᵀ)`: one more exact factorization of tutorial 1's
#   matrix, with 4 (F(2x2, 3x3)) or 2.25 (F(4x4, 3x3)) multiplications per output instead of 9.
# * Larger tiles need larger interpolation points, and float32 pays for them: F(4, 3) is about
#   10x less accurate than F(2, 3) or unfold + GEMM (still about 3e-6).
# * The backward of a stride-1 convolution is a stride-1 convolution of the flipped kernel, so it
#   runs as a Winograd forward; tconv picks Winograd for the layers where it measured it faster.
#
# ## Exercises
#
# Each exercise ends with `check("10.k", answer)`, which prints *right*, or *not yet* with a
# hint that does not give the answer away. In a student copy (made by
# `tconv tutorials --student DIR`) every solution is a blank (`...`) for you to fill in; in
# the tutorial itself the solutions are filled in.

# %%
from tconv.exercises import check

# %% [markdown]
# **Exercise 1.** Run F(2, 3) along a whole 1-D signal of length 10 (tiles of 4 inputs, 2 apart,
# as in section 6) with the counting `mul` of section 1, using Lavin & Gray's matrices. Answer
# `(outputs, number of multiplications)`; the check compares the outputs with `np.correlate`.
# How many multiplications does the direct sum use?

# %%
signal = np.array([3.0, 1.0, 4.0, 1.0, 5.0, 9.0, 2.0, 6.0, 5.0, 3.0])
taps = np.array([2.0, -1.0, 1.0])
# BEGIN SOLUTION 10.1
# STUDENT: along_signal = ...             # (the 8 outputs, the number of multiplications counted)
kernel_factors = lavin_G @ taps                          # once per weight, not counted
tally["products"] = 0
outputs = []
for start in range(0, len(signal) - 2, 2):               # each tile: 4 inputs -> 2 outputs
    transformed = lavin_BT @ signal[start:start + 4]     # Bᵀ holds 0 and ±1: additions only
    products = [mul(a, b) for a, b in zip(kernel_factors, transformed)]
    outputs.extend(lavin_AT @ np.array(products))       # additions only
along_signal = (np.array(outputs), tally["products"])
# END SOLUTION 10.1
check("10.1", along_signal)

# %%
print("np.correlate:", np.correlate(signal, taps, mode="valid"))
print(f"the direct sum: 3 multiplications for each of the {len(signal) - 2} outputs = {3 * (len(signal) - 2)}")

# %% [markdown]
# **Exercise 2.** Derive F(3, 2), three outputs of a 2-tap filter, from the same points
# `0, 1, -1, ∞` as in section 2: which evaluation matrices, which `f_i`? Build `Aᵀ`, `G` and
# `Bᵀ` with section 2's convention (the `f_i` in `Bᵀ`, their inverses in `G`) and answer the
# triple `(AT, G, BT)`; then compare with `toom_cook(3, r=2, points=(0, 1, -1))` and check it
# on a 1-D signal. What do you notice about its `Bᵀ`?

# %%
# BEGIN SOLUTION 10.2
# STUDENT: f32_matrices = ...             # (AT, G, BT): 3 x 4, 4 x 2, 4 x 4
# α = m + r - 1 = 4 again: the same points, the same f.
#     Aᵀ = E₃ᵀ (3 x 4), G = diag(1/f) E₂ (4 x 2), Bᵀ = diag(f) (E₄⁻¹)ᵀ (4 x 4).
f32_matrices = (evaluation(3).T, np.diag(1 / f) @ evaluation(2), np.diag(f) @ np.linalg.inv(evaluation(4)).T)
# END SOLUTION 10.2
check("10.2", f32_matrices)

# %%
t32 = toom_cook(3, r=2, points=(0, 1, -1))
two_taps = np.array([1.5, -2.0])
for start in (0, 3):
    chunk = signal[start:start + 4]
    assert np.allclose(t32.AT @ ((t32.G @ two_taps) * (t32.BT @ chunk)), np.correlate(chunk, two_taps, "valid"))
print("F(3, 2): Aᵀ =")
print(t32.AT)
assert np.array_equal(t32.BT, t2.BT)
print("its Bᵀ is F(2, 3)'s: both interpolate a degree-3 product at 0, 1, -1, ∞")

# %% [markdown]
# **Exercise 3.** F(m x m, 3x3) uses `((m + 2)/m)²` multiplications per output in 2-D. Which is the
# smallest `m` with fewer than 2? Predict it, then compare the total for one 64x64, 16 -> 16
# layer (all tiles, including those sticking out past the edge) for the direct sum, F(4x4, 3x3)
# and F(6x6, 3x3).

# %%
# BEGIN SOLUTION 10.3
# STUDENT: smallest_m = ...               # an int
# ((m + 2)/m)² < 2  <=>  (m + 2)/m < √2  <=>  m > 2/(√2 - 1) = 4.83
smallest_m = math.floor(2 / (math.sqrt(2) - 1)) + 1
# END SOLUTION 10.3
check("10.3", smallest_m)

# %%
for ndim in (1, 2, 3):
    print(f"F(6, 3) in {ndim}-D: {multiplications_per_output(6, ndim=ndim):.3f} per output "
          f"(direct {3 ** ndim}, F(4, 3) {multiplications_per_output(4, ndim=ndim):.3f})")
pairs = 16 * 16                                          # (input, output) channel pairs
totals = {"direct": 9 * 64 * 64 * pairs}
for m in (4, 6):
    tiles = math.ceil(64 / m) ** 2                       # 6 does not divide 64: 11 x 11 tiles, 66 x 66 outputs
    totals[f"F({m}x{m}, 3x3)"] = tiles * (m + 2) ** 2 * pairs
for name, total in totals.items():
    print(f"  one 64x64 image, 16 -> 16: {name:13s} {total / 1e6:6.2f} million multiplications")
assert totals["F(6x6, 3x3)"] < totals["F(4x4, 3x3)"] < totals["direct"] / 3

# %% [markdown]
# **Exercise 4.** Show the float32 error growth with `m`: measure the error of section 7 (with
# `winograd_conv2d` and `relative_error` on `x32`, `w32`) for `m = 2 ... 6` with integer points
# `0, ±1, ±2, 3, ...`, and for `m = 6` with the points `0, ±1, ±2, ±1/2` instead. Answer
# `(errors, error_with_halves)`, `errors` a dict `{m: error}`; the check looks at the trend, as
# the exact numbers depend on your machine's rounding. Why do the halves help?

# %%
integer_points = {2: (0, 1, -1), 3: (0, 1, -1, 2), 4: (0, 1, -1, 2, -2), 5: (0, 1, -1, 2, -2, 3),
                  6: (0, 1, -1, 2, -2, 3, -3)}
halves = (0, 1, -1, 2, -2, Fraction(1, 2), Fraction(-1, 2))
# BEGIN SOLUTION 10.4
# STUDENT: error_growth = ...             # ({2: error, ..., 6: error}, the error of m = 6 with the halves)
growth = {m: relative_error(winograd_conv2d(x32, w32, m, pts)) for m, pts in integer_points.items()}
growth_halves = relative_error(winograd_conv2d(x32, w32, 6, halves))
error_growth = (growth, growth_halves)
# END SOLUTION 10.4
check("10.4", error_growth)

# %%
growth = {m: relative_error(winograd_conv2d(x32, w32, m, pts)) for m, pts in integer_points.items()}
growth_halves = relative_error(winograd_conv2d(x32, w32, 6, halves))
print(" m   per output   float32 error (integer points)")
for m, error in growth.items():
    print(f" {m}   {multiplications_per_output(m):10.3f}   {error:.1e}")
print(f" 6 with 0, ±1, ±2, ±1/2: {growth_halves:.1e}")
assert all(growth[m] < growth[m + 1] for m in range(2, 6))        # more outputs per tile, more error
assert growth_halves < growth[6] / 10

with styled():
    tradeoff_figure = new_figure(6.4, 3.8, layout="constrained")
    ax = tradeoff_figure.subplots()
    ms = list(growth)
    ax.plot([multiplications_per_output(m) for m in ms], [growth[m] for m in ms], "o-",
            color=OKABE_ITO["blue"], label="F(m x m, 3x3), points 0, ±1, ±2, 3, ...")
    for m in ms:
        ax.annotate(f"m = {m}", (multiplications_per_output(m), growth[m]), textcoords="offset points",
                    xytext=(6, -3), fontsize=9)
    ax.plot([multiplications_per_output(6)], [growth_halves], "s", color=OKABE_ITO["vermillion"],
            label="F(6x6, 3x3), points 0, ±1, ±2, ±1/2")
    ax.axhline(e_unfold, color=OKABE_ITO["black"], linestyle="--", linewidth=1, label="unfold + GEMM (9 per output)")
    ax.set_yscale("log")
    ax.set_xlabel("multiplications per output (2-D, per channel pair)")
    ax.set_ylabel("float32 max |error| / max |exact|")
    ax.set_title("Winograd: fewer multiplications, more rounding")
    ax.legend(loc="upper right")
tradeoff_path = tconv.viz.save(tradeoff_figure, OUT / "10_winograd_tradeoff.png")
tradeoff_figure

# %% [markdown]
# The row sums of section 7 tell why. With `±3`, `Aᵀ` holds powers of 3 up to `3⁵ = 243` (its
# last row is `a^(m-1)` at every point) and `Bᵀ` entries up to 49: every output is a sum of
# large terms that cancel, and float32 keeps about 7 digits of the *terms*. With `±1/2` the
# powers shrink instead of growing. The choice of points matters as much as `m`. tconv stops at
# F(4, 3): the next step buys 21% fewer multiplications (2.25 -> 1.78 per output) for more
# rounding and larger transforms.

# %%
print(" m = 6, points        Bᵀ    G      Aᵀ   (largest sum of |entries| in a row)")
row_sums = {}
for label, pts in (("0, ±1, ±2, ±3  ", integer_points[6]), ("0, ±1, ±2, ±1/2", halves)):
    t = toom_cook(6, points=pts)
    row_sums[label] = [float(np.abs(getattr(t, name)).sum(1).max()) for name in ("BT", "G", "AT")]
    print(f" {label}     {row_sums[label][0]:<5g} {row_sums[label][1]:<6.3g} {row_sums[label][2]:g}")
assert np.abs(toom_cook(6, points=integer_points[6]).AT).max() == 3 ** 5
assert row_sums["0, ±1, ±2, ±3  "][0] > 5 * row_sums["0, ±1, ±2, ±1/2"][0]
assert row_sums["0, ±1, ±2, ±3  "][2] > 5 * row_sums["0, ±1, ±2, ±1/2"][2]
