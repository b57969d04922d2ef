"""One transposed convolution computed every way tconv knows, side by side.

The same seeded input and kernel go through

1. the explicit matrix: ``conv_transpose_matrix(w, ...) @ y`` (that is ``C.T @ y``);
2. :func:`tconv.reference.conv_transpose_scatter` (each input pixel paints its scaled kernel);
3. :func:`tconv.reference.conv_transpose_zero_insertion` (the paper's direct convolution);
4. the autograd: the gradient of ``<conv(x), y>`` with respect to ``x``;
5. the fast path, :func:`tconv.conv_transpose2d` (or ``1d`` / ``3d``) with the default method,

and the figure shows the five results on one colour scale, with the largest difference from
the scatter-add printed over each. With small integer inputs every view is exact, so the
differences are 0.
"""
from __future__ import annotations

import numpy as np

from ..ops import conv as _conv
from .. import reference
from ..geometry import ConvGeometry, conv_geometry, conv_transpose_geometry
from ..matrix import conv_transpose_matrix
from .scenes import NBSP, example_values, format_value, spell_axes, spell_size
from .style import FONT_SIZE, SEQUENTIAL, SMALL_SIZE, as_style, new_figure, styled, text_size, wrap_text
from .words import Words

__all__ = ["views_data", "plot_views", "views_words", "MAX_VIEW_SIDE"]

#: Outputs larger than this along a side are refused (values are written in the cells up to 12).
MAX_VIEW_SIDE = 32


def _transposed(g: ConvGeometry) -> ConvGeometry:
    if g.transposed:
        return g
    return conv_transpose_geometry(g.feature_size, g.kernel_size, g.stride, g.padding, g.restoring_output_padding(),
                                   g.dilation)


def views_data(geometry: ConvGeometry, seed: int = 0) -> dict:
    """The transposed convolution of ``geometry`` by every view (a convolution geometry: its ``C.T``).

    Returns ``{"geometry", "input", "kernel", "views": [(name, array), ...], "differences": [...]}``
    where ``differences[i]`` is ``max |views[i] - scatter|``.

    >>> d = views_data(conv_transpose_geometry((2, 2), (3, 3), stride=2))
    >>> [name for name, _ in d["views"]][:2], max(d["differences"])
    (['conv_transpose_matrix(w, ...) @ y', 'reference.conv_transpose_scatter'], 0.0)
    """
    if not isinstance(geometry, ConvGeometry):
        raise TypeError(f"geometry must be a tconv ConvGeometry, got {type(geometry).__name__}")
    g = _transposed(geometry)
    if max(g.image_size) > MAX_VIEW_SIDE:
        raise ValueError(f"the output is {spell_size(g.image_size)}, too large to compare by eye (at most "
                         f"{MAX_VIEW_SIDE} per side); draw a smaller input")
    y, w = example_values(g, seed)
    y4, w4 = y[None, None], w[None, None]
    a = g.restoring_output_padding()
    kw = dict(stride=g.stride, padding=g.padding, dilation=g.dilation)
    n = g.ndim
    scatter = reference.conv_transpose_scatter(y4, w4, output_padding=a, **kw)[0, 0]
    matrix = conv_transpose_matrix(w4, (1,) + g.feature_size, g.stride, g.padding, a, 1, g.dilation)
    views = [("conv_transpose_matrix(w, ...) @ y", (matrix @ y.reshape(-1)).reshape(g.image_size)),
             ("reference.conv_transpose_scatter", scatter),
             ("reference.conv_transpose_zero_insertion",
              reference.conv_transpose_zero_insertion(y4, w4, output_padding=a, **kw)[0, 0])]
    plain = conv_geometry(g.image_size, g.kernel_size, g.stride, g.padding, g.dilation)
    if plain.feature_size == g.feature_size:
        views.append((f"autograd: d<conv{n}d(x), y> / dx", _input_gradient(g, y4, w4)))
    fast = getattr(_conv, f"conv_transpose{n}d")(y4, w4, output_padding=a, **kw)[0, 0]
    views.append((f"tconv.conv_transpose{n}d (method={_conv.get_default_method()!r})", fast))
    differences = [float(np.max(np.abs(v - scatter))) for _, v in views]
    return {"geometry": g, "input": y, "kernel": w, "views": views, "differences": differences}


def _input_gradient(g: ConvGeometry, y4, w4) -> np.ndarray:
    from ..autograd import Tensor
    from ..nn import functional

    x = Tensor(np.zeros((1, 1) + g.image_size), requires_grad=True)
    out = getattr(functional, f"conv{g.ndim}d")(x, Tensor(w4), stride=g.stride, padding=g.padding,
                                                dilation=g.dilation)
    (out * Tensor(y4)).sum().backward()
    return x.grad[0, 0]


def _as_image(array: np.ndarray) -> tuple[np.ndarray, str]:
    if array.ndim == 1:
        return array[None, :], ""
    if array.ndim == 3:
        middle = array.shape[0] // 2
        return array[middle], f" (depth slice {middle} of {array.shape[0]})"
    return array, ""


def plot_views(geometry: ConvGeometry, seed: int = 0, style=None):
    """The transposed convolution of ``geometry`` by every view: how each computes, and the equal results.

    A 2-D geometry draws one column per view (:mod:`tconv.viz.views_board`): how the view
    computes one output pixel (the row of ``Cᵀ``, the scatter's copies, the zero-inserted
    input, the gradient's windows, the unfold + GEMM columns) above its full result, the same
    pixel outlined everywhere. A 1-D or 3-D geometry (its middle depth slice) shows the results
    side by side on one colour scale, each titled with its largest difference from the
    scatter-add. ``style`` as for :func:`tconv.viz.draw_convolution`. Returns a matplotlib Figure.

    >>> fig = plot_views(conv_geometry((4, 4), (3, 3)))
    >>> sorted(t.get_gid() for t in fig.axes[0].texts if (t.get_gid() or "").startswith("views.result"))[:2]
    ['views.result.autograd[0,0]', 'views.result.autograd[0,1]']
    """
    data = views_data(geometry, seed)
    style = as_style(style)
    if data["geometry"].ndim == 2:
        from .views_board import draw_views

        return draw_views(data, style, seed)
    return _heat_maps(data, style)


def _heat_maps(data: dict, style):
    """The results of every view side by side on one colour scale (1-D and 3-D geometries)."""
    from matplotlib.colors import Normalize

    g, views = data["geometry"], data["views"]
    images = [_as_image(v) for _, v in views]
    rows, cols = images[0][0].shape
    with_text = max(rows, cols) <= 12
    low = min(float(im.min()) for im, _ in images)
    high = max(float(im.max()) for im, _ in images)
    norm = Normalize(low, high if high > low else low + 1)
    titles = [f"{name}{note}\nmax |difference from the scatter-add| = {diff:.3g}"
              for (name, _), (_, note), diff in zip(views, images, data["differences"])]
    widest = max(text_size(line, SMALL_SIZE)[0] for title in titles for line in title.split("\n"))
    side = max(widest + 0.3, 0.36 * cols)
    stacked = g.ndim == 1
    with styled(style):
        if stacked:
            size = style.size((max(7.0, 0.5 * cols + 1.0), 1.0 * len(views) + 1.6))
            fig = new_figure(*size, layout="constrained", style=style)
            axes = fig.subplots(len(views), 1)
        else:
            size = style.size((len(views) * (side + 0.15) + 1.4, min(side, 0.36 * cols) * rows / cols + 2.2))
            fig = new_figure(*size, layout="constrained", style=style)
            axes = fig.subplots(1, len(views))
        for ax, (image, _), title in zip(axes, images, titles):
            shown = ax.imshow(image, cmap=SEQUENTIAL, norm=norm, interpolation="nearest")
            ax.set_title(title, fontsize=SMALL_SIZE)
            ax.set_xticks([])
            ax.set_yticks([])
            if with_text:
                for (r, c), value in np.ndenumerate(image):
                    ax.text(c, r, format_value(value), ha="center", va="center", fontsize=SMALL_SIZE,
                            color="white" if norm(value) < 0.5 else "black")
        bar = fig.colorbar(shown, ax=axes, shrink=0.9, location="bottom" if stacked else "right")
        bar.set_label("output value (one scale for every view)", fontsize=SMALL_SIZE)
        bar.ax.tick_params(labelsize=SMALL_SIZE)
        worst = max(data["differences"])
        verdict = "they agree exactly" if worst == 0 else f"largest difference {worst:.3g}"
        stride = f", stride {spell_axes(g.stride)}" if any(s != 1 for s in g.stride) else ""
        title = (f"One transposed convolution ({spell_size(g.feature_size)} → {spell_size(g.image_size)}, kernel "
                 f"{spell_size(g.kernel_size)}{stride}), computed {len(views)} ways: {verdict}")
        width = fig.get_size_inches()[0] - 0.4
        fig.suptitle("\n".join(wrap_text(title, width, FONT_SIZE + 1)), fontsize=FONT_SIZE + 1)
    return fig


def views_words(geometry: ConvGeometry, *, seed: int = 0, **_ignored) -> Words:
    """The views figure's words: its title, a caption, and the notes a slide leaves out.

    >>> views_words(conv_transpose_geometry((2, 2), (3, 3))).title
    'One transposed convolution, 5 ways: 2 × 2 → 4 × 4'
    >>> views_words(conv_transpose_geometry((2, 2), (3, 3), 2, 1, 1)).title
    'One transposed convolution, 5 ways: 2 × 2 → 4 × 4, stride 2, padding 1, output_padding 1'
    """
    data = views_data(geometry, seed)
    g = data["geometry"]
    sizes = f"{spell_size(g.feature_size)} → {spell_size(g.image_size)}".replace(NBSP, " ")
    worst = max(data["differences"])
    verdict = "they agree exactly" if worst == 0 else f"the largest difference is {worst:.3g}"
    settings = "".join(f", {name} {spell_axes(value)}" for name, value, plain in (
        ("stride", g.stride, 1), ("padding", tuple(b for b, _ in g.padding), 0),
        ("output_padding", g.restoring_output_padding(), 0), ("dilation", g.dilation, 1)) if any(v != plain for v in value))
    caption = (f"The transposed convolution {sizes} with a {spell_size(g.kernel_size)} kernel{settings}, computed "
               f"{len(data['views'])} ways: how each one computes an output pixel, and the results: {verdict}.")
    notes = tuple(f"{name}: max |difference from the scatter-add| = {diff:.3g}."
                  for (name, _), diff in zip(data["views"], data["differences"]))
    return Words(f"One transposed convolution, {len(data['views'])} ways: {sizes}{settings}", caption, notes)
