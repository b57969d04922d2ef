"""The checkerboard lab (Odena, Dumoulin & Olah, "Deconvolution and Checkerboard Artifacts", Distill 2016).

A transposed convolution with kernel ``k`` and stride ``s`` paints one ``k``-wide copy of
the kernel per input pixel, ``s`` apart; where ``k mod s != 0`` the copies overlap unevenly.

* :func:`overlap_counts`: how many copies land on each output pixel (ones through a ones
  kernel, computed by :func:`tconv.conv_transpose1d` / ``2d``); in 2-D it is the outer product
  of the 1-D counts;
* :func:`plot_overlap`: the counts in 1-D (with the copies drawn), in 2-D, and through a
  stack of layers;
* :func:`plot_upsampling`: a constant image upsampled by a randomly initialised transposed
  convolution, by resize + convolution, and by a bilinear-initialised transposed convolution
  (:func:`tconv.nn.init.bilinear_`), on ONE shared colour scale, with each interior's spread;
* :func:`plot_gradient_checkerboard`: the input gradient of a strided convolution (its
  backward pass is a transposed convolution) has the same pattern;
* :func:`plot_checkerboard_lab`: all of it in one figure.
"""
from __future__ import annotations

import numpy as np

from .. import conv as _conv
from ..nn.init import bilinear_
from ..resize import interpolate
from .style import FONT_SIZE, OKABE_ITO, SEQUENTIAL, SMALL_SIZE, new_figure, styled

__all__ = ["overlap_counts", "upsampling_outputs", "gradient_maps", "interior_spread", "plot_overlap",
           "plot_upsampling", "plot_gradient_checkerboard", "plot_checkerboard_lab"]

#: Sizes beyond which the lab's pictures stop being readable.
MAX_KERNEL, MAX_STRIDE, MAX_LENGTH = 9, 6, 24


def _check(kernel_size, stride, length=None):
    for name, value, top in (("kernel_size", kernel_size, MAX_KERNEL), ("stride", stride, MAX_STRIDE)) + \
            ((("length", length, MAX_LENGTH),) if length is not None else ()):
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or not 1 <= value <= top:
            raise ValueError(f"{name}={value!r} must be an int from 1 to {top} for the checkerboard lab")


def overlap_counts(kernel_size: int, stride: int, length: int = 8, ndim: int = 1) -> np.ndarray:
    """How many kernel copies a transposed convolution lays on each output pixel.

    The transposed convolution of ``length`` ones (``length`` x ``length`` in 2-D) with a
    kernel of ones, no padding: shape ``(length - 1) * stride + kernel_size`` per axis.

    >>> overlap_counts(3, 2).astype(int).tolist()
    [1, 1, 2, 1, 2, 1, 2, 1, 2, 1, 2, 1, 2, 1, 2, 1, 1]
    >>> sorted(set(overlap_counts(3, 2, 4, ndim=2).ravel().tolist()))
    [1.0, 2.0, 4.0]
    """
    _check(kernel_size, stride, length)
    if ndim not in (1, 2):
        raise ValueError(f"ndim={ndim!r} must be 1 or 2")
    shape = (1, 1) + (length,) * ndim
    weight = np.ones((1, 1) + (kernel_size,) * ndim)
    function = _conv.conv_transpose1d if ndim == 1 else _conv.conv_transpose2d
    return function(np.ones(shape), weight, stride=stride)[0, 0]


def interior_spread(image: np.ndarray, border: int) -> float:
    """``(max - min) / mean`` of ``image`` without a ``border``-pixel frame: 0 for a flat interior.

    >>> interior_spread(np.array([[1., 3.], [1., 3.]]), 0), interior_spread(np.full((5, 5), 2.0), 1)
    (1.0, 0.0)
    """
    core = image[(slice(border, image.shape[0] - border),) * 2] if border else image
    if core.size == 0:
        core = image
    return float((core.max() - core.min()) / core.mean())


def _random_kernel(kernel_size: int, seed: int) -> np.ndarray:
    """A positive random kernel (uniform 0.5..1.5), as a freshly trained-looking layer might hold."""
    return np.random.default_rng(seed).uniform(0.5, 1.5, size=(1, 1, kernel_size, kernel_size))


def _fcn_geometry(stride: int) -> tuple[int, int]:
    """FCN's bilinear upsampler for factor ``s``: kernel ``2s - s mod 2``, padding ``ceil((s - 1) / 2)``."""
    return 2 * stride - stride % 2, (stride - 1 + 1) // 2


def _learned(ones, kernel_size, stride, seed):
    """A transposed convolution with random positive weights, padded so that it magnifies by ``stride``."""
    pad = max(0, -(-(kernel_size - stride) // 2))
    extra = 2 * pad - (kernel_size - stride)
    return _conv.conv_transpose2d(ones, _random_kernel(kernel_size, seed), stride=stride, padding=pad,
                                  output_padding=extra)[0, 0]


def upsampling_outputs(kernel_size: int = 3, stride: int = 2, size: int = 8, seed: int = 0) -> list[dict]:
    """A constant ``size`` x ``size`` image upsampled by ``stride``, every common way.

    Each entry: ``name``, ``image`` (the output, ``size * stride`` square), ``border`` (the
    frame that zero padding darkens, the same for every entry) and ``spread``
    (:func:`interior_spread`). In order:

    1. a transposed convolution (``kernel_size``, ``stride``) with random positive weights;
    2. when ``kernel_size`` is not a multiple of ``stride``: the same with the next kernel size
       that is (the first remedy: even overlap, but a random kernel's phases still differ);
    3. nearest resize by ``stride``, then a stride-1 convolution with random weights;
    4. a transposed convolution initialised by :func:`tconv.nn.init.bilinear_` (FCN).

    >>> [round(e["spread"], 3) for e in upsampling_outputs(3, 2)]
    [1.109, 0.442, 0.0, 0.0]
    """
    _check(kernel_size, stride)
    if stride < 2:
        raise ValueError(f"stride={stride} must be at least 2: the lab compares ways to upsample")
    ones = np.ones((1, 1, size, size))
    k_fcn, p_fcn = _fcn_geometry(stride)
    entries = [(f"transposed conv, random weights\nkernel {kernel_size}, stride {stride}",
                _learned(ones, kernel_size, stride, seed))]
    if kernel_size % stride:
        divisible = kernel_size + stride - kernel_size % stride
        entries.append((f"transposed conv, random weights\nkernel {divisible} (a multiple of the stride)",
                        _learned(ones, divisible, stride, seed)))
    resized = interpolate(ones, scale_factor=stride, mode="nearest")
    entries.append((f"nearest resize ×{stride} + conv\nkernel {kernel_size}, stride 1",
                    _conv.conv2d(resized, _random_kernel(kernel_size, seed), padding="same")[0, 0]))
    bilinear = bilinear_(np.empty((1, 1, k_fcn, k_fcn)))
    entries.append((f"transposed conv, bilinear init\nkernel {k_fcn}, stride {stride}, padding {p_fcn}",
                    _conv.conv_transpose2d(ones, bilinear, stride=stride, padding=p_fcn)[0, 0]))
    border = max(kernel_size + stride, k_fcn)
    border = min(border, (size * stride - 2) // 2)
    return [{"name": name, "image": image, "border": border, "spread": interior_spread(image, border)}
            for name, image in entries]


def gradient_maps(kernel_size: int = 3, stride: int = 2, size: int = 16, seed: int = 0) -> list[dict]:
    """The input gradient of ``sum(conv2d(x, w, stride))`` for the strided and the stride-1 convolution.

    Computed by the autograd; it equals ``conv_transpose2d(ones, w, stride)`` (``C.T @ 1``),
    so it shows the transposed convolution's overlap pattern. Entries as :func:`upsampling_outputs`.

    >>> [e["spread"] > 0.1 for e in gradient_maps()]
    [True, False]
    """
    from ..autograd import Tensor
    from ..nn import functional

    _check(kernel_size, stride)
    w = _random_kernel(kernel_size, seed)
    entries = []
    for s in (stride, 1):
        x = Tensor(np.random.default_rng(seed + 1).random((1, 1, size, size)), requires_grad=True)
        functional.conv2d(x, Tensor(w), stride=s).sum().backward()
        entries.append({"name": f"stride {s}: d sum(conv(x)) / dx", "image": x.grad[0, 0], "border": kernel_size,
                        "spread": interior_spread(x.grad[0, 0], kernel_size)})
    return entries


def _shared_images(fig, axes, entries, label):
    """Images on one colour scale (value / interior mean, 1 ± 0.5), each titled with its spread; one colorbar."""
    from matplotlib.colors import Normalize

    scaled = []
    for entry in entries:
        b = entry["border"]
        core = entry["image"][b:-b, b:-b] if entry["image"].shape[0] > 2 * b else entry["image"]
        scaled.append((entry["image"] / core.mean(), core / core.mean()))
    # One scale for every panel, and the same in every figure: mean ± 0.5 (wider only when a panel's
    # interior needs it), so a remedy never looks as striped as the checkerboard it removes.
    reach = max(float(np.abs(c - 1).max()) for _, c in scaled)
    reach = max(0.5, float(np.ceil(reach / 0.25)) * 0.25)
    norm = Normalize(1 - reach, 1 + reach)
    for ax, entry, (image, _) in zip(axes, entries, scaled):
        shown = ax.imshow(image, cmap=SEQUENTIAL, norm=norm, interpolation="nearest")
        ax.set_title(f"{entry['name']}\ninterior spread (max − min)/mean = {entry['spread']:.3f}",
                     fontsize=SMALL_SIZE + 0.5)
        ax.set_xticks([])
        ax.set_yticks([])
        b = entry["border"]
        n = image.shape[0]
        ax.add_patch(_frame(b, n))
    bar = fig.colorbar(shown, ax=axes, extend="both", shrink=0.9)
    bar.set_label(label, fontsize=SMALL_SIZE)
    bar.ax.tick_params(labelsize=SMALL_SIZE)


def _frame(border: int, n: int):
    from matplotlib.patches import Rectangle

    return Rectangle((border - 0.5, border - 0.5), n - 2 * border, n - 2 * border, fill=False,
                     edgecolor=OKABE_ITO["vermillion"], linestyle="--", linewidth=1.2)


def _draw_upsampling(fig, kernel_size, stride, size, seed):
    entries = upsampling_outputs(kernel_size, stride, size, seed)
    axes = fig.subplots(1, len(entries))
    _shared_images(fig, axes, entries, "output / interior mean (one scale for every panel)")
    fig.suptitle(f"A constant {size} × {size} image upsampled ×{stride}: one colour scale; the dashed square is "
                 "the interior (outside it, zero padding darkens the border)", fontsize=FONT_SIZE + 1)
    return entries


def _draw_gradient(fig, kernel_size, stride, size, seed):
    entries = gradient_maps(kernel_size, stride, size, seed)
    axes = fig.subplots(1, 2)
    _shared_images(fig, axes, entries, "gradient / interior mean")
    fig.suptitle(f"The input gradient of a strided convolution (kernel {kernel_size}) is a transposed convolution: "
                 "the same checkerboard", fontsize=FONT_SIZE + 1)
    return entries


def _draw_counts(fig, kernel_size, stride, length, layers):
    from matplotlib.colors import Normalize

    one = overlap_counts(kernel_size, stride, length)
    two = overlap_counts(kernel_size, stride, max(2, length // 2), ndim=2)
    ax1, ax2, ax3 = fig.subplots(1, 3, width_ratios=[1.6, 1.0, 1.2])
    norm = Normalize(0, two.max())
    # 1-D: each input pixel's kernel copy as a bar, then the counts.
    levels = max(1, -(-kernel_size // stride))
    for i in range(length):
        ax1.add_patch(_bar(i * stride - 0.5, 1.2 + i % levels, kernel_size))
    shown = ax1.imshow(one[None, :], cmap=SEQUENTIAL, norm=norm, extent=(-0.5, one.size - 0.5, 0.5, -0.5),
                       interpolation="nearest")
    for j, value in enumerate(one):
        ax1.text(j, 0, str(int(value)), ha="center", va="center", fontsize=SMALL_SIZE,
                 color="white" if value < two.max() / 2 else "black")
    ax1.set_xlim(-0.7, one.size - 0.3)
    ax1.set_ylim(levels + 0.8, -0.7)
    ax1.set_yticks([0] + [1.2 + lv for lv in range(levels)],
                   ["count"] + [f"copies of pixels {lv}, {lv + levels}, ..." for lv in range(levels)],
                   fontsize=SMALL_SIZE)
    ax1.set_xlabel("output position")
    ax1.set_title(f"1-D: {length} input pixels, kernel {kernel_size}, stride {stride}\n"
                  f"each bar is one kernel copy; counts below", fontsize=SMALL_SIZE + 0.5)
    ax1.set_aspect("auto")
    # 2-D: the outer product of the 1-D counts.
    side = two.shape[0]
    ax2.imshow(two, cmap=SEQUENTIAL, norm=norm, interpolation="nearest")
    if side <= 16:
        for (r, c), value in np.ndenumerate(two):
            ax2.text(c, r, str(int(value)), ha="center", va="center", fontsize=SMALL_SIZE,
                     color="white" if value < two.max() / 2 else "black")
    ax2.set_xticks([])
    ax2.set_yticks([])
    n2 = max(2, length // 2)
    ax2.set_title(f"2-D: {n2} × {n2} ones → {side} × {side}\n(the outer product of the 1-D counts)",
                  fontsize=SMALL_SIZE + 0.5)
    bar = fig.colorbar(shown, ax=[ax1, ax2], shrink=0.9)
    bar.set_label("kernel copies overlapping", fontsize=SMALL_SIZE)
    bar.ax.tick_params(labelsize=SMALL_SIZE)
    # A stack of layers: the pattern compounds.
    counts = np.ones(length)
    for layer in range(1, layers + 1):
        counts = _conv.conv_transpose1d(counts[None, None], np.ones((1, 1, kernel_size)), stride=stride)[0, 0]
        position = (np.arange(counts.size) + 0.5) / counts.size
        ax3.step(position, counts / counts.max() + 1.15 * (layers - layer), where="mid", linewidth=1.4,
                 color=OKABE_ITO["blue"])
        ax3.text(1.02, 1.15 * (layers - layer) + 0.5, f"layer {layer}\n{counts.size} px", fontsize=SMALL_SIZE,
                 va="center", transform=ax3.get_yaxis_transform())
    ax3.set_yticks([])
    ax3.set_xlabel("output position (fraction of the width)")
    ax3.set_title(f"{layers} stacked layers (each: kernel {kernel_size}, stride {stride})\n"
                  "count / largest count, per layer", fontsize=SMALL_SIZE + 0.5)
    ax3.spines["left"].set_visible(False)
    fig.suptitle(f"Overlap of kernel copies: uneven when kernel mod stride = {kernel_size % stride} ≠ 0"
                 if kernel_size % stride else
                 f"Overlap of kernel copies: even inside when kernel mod stride = 0", fontsize=FONT_SIZE + 1)
    return one, two


def _bar(start, y, length):
    from matplotlib.patches import Rectangle

    return Rectangle((start, y - 0.35), length, 0.7, facecolor=OKABE_ITO["orange"], edgecolor="#333333",
                     linewidth=0.8, alpha=0.85)


def plot_overlap(kernel_size: int = 3, stride: int = 2, length: int = 8, layers: int = 3):
    """Overlap counts of a transposed convolution: 1-D (with the copies), 2-D, and a stack of layers.

    >>> fig = plot_overlap(3, 2)
    >>> len(fig.axes)          # 1-D, 2-D, the stack, and the colorbar
    4
    """
    _check(kernel_size, stride, length)
    if not 1 <= layers <= 4:
        raise ValueError(f"layers={layers!r} must be from 1 to 4")
    with styled():
        fig = new_figure(13, 4.4, layout="constrained")
        _draw_counts(fig, kernel_size, stride, length, layers)
    return fig


def plot_upsampling(kernel_size: int = 3, stride: int = 2, size: int = 8, seed: int = 0):
    """A constant image upsampled every way on one colour scale (see :func:`upsampling_outputs`).

    >>> fig = plot_upsampling(4, 2)
    >>> [ax.get_title().splitlines()[1] for ax in fig.axes[:3]]
    ['kernel 4, stride 2', 'kernel 4, stride 1', 'kernel 4, stride 2, padding 1']
    """
    with styled():
        fig = new_figure(15, 4.8, layout="constrained")
        _draw_upsampling(fig, kernel_size, stride, size, seed)
    return fig


def plot_gradient_checkerboard(kernel_size: int = 3, stride: int = 2, size: int = 16, seed: int = 0):
    """The input gradient of a strided and of a stride-1 convolution, on one colour scale.

    >>> fig = plot_gradient_checkerboard(3, 2)
    >>> [ax.get_title().splitlines()[0] for ax in fig.axes[:2]]
    ['stride 2: d sum(conv(x)) / dx', 'stride 1: d sum(conv(x)) / dx']
    """
    with styled():
        fig = new_figure(10, 5.0, layout="constrained")
        _draw_gradient(fig, kernel_size, stride, size, seed)
    return fig


def plot_checkerboard_lab(kernel_size: int = 3, stride: int = 2, length: int = 8, seed: int = 0):
    """The whole lab in one figure: counts, upsampling three ways, the gradient of a strided conv.

    >>> fig = plot_checkerboard_lab()
    >>> len(fig.subfigs)
    3
    """
    _check(kernel_size, stride, length)
    with styled():
        fig = new_figure(15, 15.0, layout="constrained")
        top, middle, bottom = fig.subfigures(3, 1, height_ratios=[4.4, 5.0, 5.4])
        _draw_counts(top, kernel_size, stride, length, 3)
        _draw_upsampling(middle, kernel_size, stride, length, seed)
        _draw_gradient(bottom, kernel_size, stride, 2 * length, seed)
    return fig
