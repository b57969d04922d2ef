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
# A segmentation network shrinks the image to see context, then must give one label per
# pixel, so it has to *upsample*. Three ways are common:
#
# 1. a transposed convolution with learned weights (U-Net's "up-convolution");
# 2. a transposed convolution initialised as bilinear interpolation (FCN, Long et al. 2015);
# 3. a fixed resize (nearest or bilinear) followed by an ordinary stride-1 convolution.
#
# This tutorial shows that (2) really is bilinear interpolation in the interior, why (1) can
# paint a checkerboard (Odena, Dumoulin & Olah, 2016), and why (3) and kernels divisible by the
# stride cannot. Every claim is asserted; the figure is saved to a temporary folder.

# %%
import os
import tempfile

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

import tconv  # noqa: E402
from tconv.nn import init  # noqa: E402

np.set_printoptions(linewidth=120, precision=4, suppress=True)

# %% [markdown]
# ## 1. FCN's bilinear kernel
#
# For an upsampling factor `s`, FCN uses a transposed convolution with kernel `k = 2s`,
# stride `s` and padding `s/2`, whose kernel is the outer product of a triangle
# `1 - |r - c| / f` with `f = ceil(k/2)` and centre `c = f - 0.5` for even `k`.
# For `k = 4` the triangle is `[.25, .75, .75, .25]`.

# %%
kernel = init.bilinear_kernel((4, 4))
print(kernel)
assert np.allclose(kernel, np.outer([.25, .75, .75, .25], [.25, .75, .75, .25]))

# %% [markdown]
# Upsampling `[[1, 2], [3, 4]]` by 2 with it gives the values listed in docs/references.md. The
# interior equals bilinear interpolation (`align_corners=False`); the border is darker because
# the transposed convolution sees zeros beyond the edge where interpolation repeats the edge.

# %%
x = np.array([[[[1.0, 2.0], [3.0, 4.0]]]])
w = init.bilinear_(np.empty((1, 1, 4, 4)))
up = tconv.conv_transpose2d(x, w, stride=2, padding=1)[0, 0]
print(up)
expected = np.array([[.5625, .9375, 1.3125, 1.125],
                     [1.125, 1.75, 2.25, 1.875],
                     [1.875, 2.75, 3.25, 2.625],
                     [1.6875, 2.4375, 2.8125, 2.25]])
assert np.allclose(up, expected)
resized = tconv.interpolate(x, scale_factor=2, mode="bilinear")[0, 0]
assert np.allclose(up[1:-1, 1:-1], resized[1:-1, 1:-1])      # same in the interior
print("interior equals bilinear interpolation; border differs:", up[0, 0], "vs", resized[0, 0])

# %% [markdown]
# The 1-D version, from the notes: `[1, 2, 4, 8]` becomes `[.75, 1.25, 1.75, 2.5, 3.5, 5, 7, 6]`.

# %%
line = tconv.conv_transpose1d(np.array([[[1.0, 2.0, 4.0, 8.0]]]), init.bilinear_(np.empty((1, 1, 4))),
                              stride=2, padding=1)[0, 0]
assert np.allclose(line, [.75, 1.25, 1.75, 2.5, 3.5, 5, 7, 6])

# %% [markdown]
# ## 2. Checkerboards: uneven overlap
#
# Each input pixel paints a `k`-wide copy of the kernel at spacing `s`. When `k mod s != 0`
# the copies overlap unevenly: feed ones through a ones kernel and count.

# %%
ones8 = np.ones((1, 1, 8))
for k in (3, 4, 2):
    counts = tconv.conv_transpose1d(ones8, np.ones((1, 1, k)), stride=2)[0, 0]
    print(f"k={k}, s=2:", counts.astype(int))
counts3 = tconv.conv_transpose1d(ones8, np.ones((1, 1, 3)), stride=2)[0, 0]
assert len(counts3) == 17 and set(counts3[1:-1]) == {1.0, 2.0}
counts4 = tconv.conv_transpose1d(ones8, np.ones((1, 1, 4)), stride=2)[0, 0]
assert np.all(counts4[2:-2] == 2.0)                            # even in the interior
counts2 = tconv.conv_transpose1d(ones8, np.ones((1, 1, 2)), stride=2)[0, 0]
assert np.all(counts2 == 1.0)

# %% [markdown]
# In 2-D the pattern is the outer product, so the unevenness squares: 1, 2 and 4.

# %%
grid = tconv.conv_transpose2d(np.ones((1, 1, 4, 4)), np.ones((1, 1, 3, 3)), stride=2)[0, 0]
assert grid.shape == (9, 9) and set(np.unique(grid)) == {1.0, 2.0, 4.0}

# %% [markdown]
# ## 3. The remedies
#
# * a kernel divisible by the stride (`k = 4, s = 2`, as FCN's bilinear layer): even overlap;
# * resize, then convolve with stride 1: every output pixel sees the same number of inputs.
#
# A random learned-looking kernel makes the difference visible: upsample a constant image.

# %%
rng = np.random.default_rng(0)
flat = np.ones((1, 1, 8, 8))
k3 = np.abs(rng.normal(size=(1, 1, 3, 3))) + 0.5
k4 = np.abs(rng.normal(size=(1, 1, 4, 4))) + 0.5
by_k3 = tconv.conv_transpose2d(flat, k3, stride=2, padding=1, output_padding=1)[0, 0]
by_k4 = tconv.conv_transpose2d(flat, k4, stride=2, padding=1)[0, 0]
by_resize = tconv.conv2d(tconv.interpolate(flat, scale_factor=2, mode="nearest"), k3, padding=1)[0, 0]


def interior_spread(image):
    """Relative spread of the values away from the border: 0 for a flat result."""
    core = image[2:-2, 2:-2]
    return float((core.max() - core.min()) / core.mean())


spreads = {name: interior_spread(img) for name, img in
           [("transposed conv k=3, s=2", by_k3), ("transposed conv k=4, s=2", by_k4),
            ("nearest resize + conv k=3", by_resize)]}
for name, spread in spreads.items():
    print(f"{name:28s} interior spread {spread:.3f}")
assert spreads["transposed conv k=3, s=2"] > 0.2                # a visible checkerboard
assert spreads["nearest resize + conv k=3"] < 1e-12             # perfectly flat
assert spreads["transposed conv k=4, s=2"] < spreads["transposed conv k=3, s=2"]

# %% [markdown]
# The k=4 result is not flat either (the four phases of a random 4x4 kernel sum differently),
# but every output pixel now gets exactly four contributions; training can even it out, and
# the bilinear initialisation starts it perfectly even.

# %%
out_dir = os.environ.get("TCONV_TUTORIAL_OUTPUT") or tempfile.mkdtemp(prefix="tconv_tutorial_")
fig, axes = plt.subplots(1, 3, figsize=(10, 3.4))
for ax, (name, image) in zip(axes, [("transposed conv k=3, s=2", by_k3),
                                    ("transposed conv k=4, s=2", by_k4),
                                    ("nearest resize + conv k=3", by_resize)]):
    ax.imshow(image, cmap="magma")
    ax.set_title(name, fontsize=9)
    ax.set_xticks([])
    ax.set_yticks([])
fig.suptitle("Upsampling a constant image (Odena, Dumoulin & Olah 2016)")
fig.tight_layout()
figure_path = os.path.join(out_dir, "checkerboard.png")
fig.savefig(figure_path, dpi=80)
plt.close(fig)
print("saved", figure_path)
