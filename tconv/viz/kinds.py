"""Every kind of figure by name: the one place that turns ``tconv figure KIND ...`` into a picture.

The command line and the lecture pack both call :func:`make_figure`, so a command printed in
the pack's index makes exactly the file next to it.
"""
from __future__ import annotations

from ..geometry import ConvGeometry, conv_geometry, conv_transpose_geometry

__all__ = ["KINDS", "GEOMETRY_KINDS", "OVERLAP_PARTS", "make_figure", "default_geometry"]

#: Every kind, in the order ``tconv figure --help`` lists them (``pack`` is the command's own).
KINDS = ("conv", "transposed", "matrix", "overlap", "views", "unet", "training")
#: The kinds drawn from a geometry given by the geometry flags.
GEOMETRY_KINDS = ("conv", "transposed", "matrix", "views")
OVERLAP_PARTS = ("all", "counts", "upsampling", "gradient")


def default_geometry(kind: str) -> ConvGeometry:
    """The lecture notes' example: a 4x4 input and a 3x3 kernel (its transposed twin for ``transposed``).

    >>> default_geometry("transposed").output_size
    (4, 4)
    """
    if kind in ("transposed", "views"):
        return conv_transpose_geometry((2, 2), (3, 3))
    return conv_geometry((4, 4), (3, 3))


def make_figure(kind: str, geometry: ConvGeometry | None = None, *, numbers: bool = False, seed: int = 0,
                animate: bool = False, view: str = "direct", transpose: bool = False, part: str = "all",
                kernel_size: int = 3, stride: int = 2, length: int = 8, unet: dict | None = None,
                history=None):
    """The figure (or :class:`~tconv.viz.frames.FrameAnimation`) of ``kind``.

    * ``conv``, ``transposed``: :func:`~tconv.viz.grids.draw_convolution` or, with ``animate``,
      :func:`~tconv.viz.grids.animate_convolution` (``numbers``, ``seed``, ``view``);
    * ``matrix``: :func:`~tconv.viz.matrix.draw_matrix` (``numbers``, ``seed``, ``transpose``);
    * ``views``: :func:`~tconv.viz.views.plot_views` (``seed``);
    * ``overlap``: the checkerboard lab, or one ``part`` of it (``kernel_size``, ``stride``, ``length``);
    * ``unet``: :func:`~tconv.viz.unet.draw_unet` of a built :class:`tconv.seg.models.UNet`
      (:func:`~tconv.viz.unet.model_levels`: its real shapes and parameter counts);
    * ``training``: :func:`~tconv.viz.training.plot_history` of ``history``.

    >>> make_figure("matrix").axes[0].texts[0].get_text()[:28]
    'Convolution as a matrix: y ='
    """
    if kind not in KINDS:
        raise ValueError(f"kind={kind!r} is not one of {KINDS}")
    if kind in GEOMETRY_KINDS:
        geometry = geometry if geometry is not None else default_geometry(kind)
        if kind == "conv" and geometry.transposed:
            raise ValueError("kind 'conv' draws a convolution; this geometry is transposed (use kind 'transposed')")
        if kind == "transposed" and not geometry.transposed:
            raise ValueError("kind 'transposed' draws a transposed convolution; this geometry is a convolution")
    if kind in ("conv", "transposed"):
        from .grids import animate_convolution, draw_convolution

        if animate:
            return animate_convolution(geometry, numbers=numbers, seed=seed, view=view)
        return draw_convolution(geometry, numbers=numbers, seed=seed, view=view)
    if kind == "matrix":
        from .matrix import draw_matrix

        return draw_matrix(geometry, numbers=numbers, seed=seed, transpose=transpose)
    if kind == "views":
        from .views import plot_views

        return plot_views(geometry, seed=seed)
    if kind == "overlap":
        from . import overlap_plots as overlap

        if part not in OVERLAP_PARTS:
            raise ValueError(f"part={part!r} is not one of {OVERLAP_PARTS}")
        if part == "counts":
            return overlap.plot_overlap(kernel_size, stride, length)
        if part == "upsampling":
            return overlap.plot_upsampling(kernel_size, stride, length, seed)
        if part == "gradient":
            return overlap.plot_gradient_checkerboard(kernel_size, stride, 2 * length, seed)
        return overlap.plot_checkerboard_lab(kernel_size, stride, length, seed)
    if kind == "unet":
        from ..seg.models import UNet
        from .unet import describe_unet, draw_unet, model_levels, unet_levels

        options = dict(depth=3, base=16, size=64, in_channels=1, classes=2, up="transpose")
        options.update(unet or {})
        unet_levels(**options)                       # checks the arguments (size divisible by 2**depth, ...)
        model = UNet(options["in_channels"], options["classes"], options["base"], options["depth"], options["up"])
        return draw_unet(model_levels(model, options["size"]), describe_unet(**options), up=options["up"])
    from .training import plot_history

    if history is None:
        raise ValueError("kind 'training' draws a run's history: pass history (the list in RUN/history.json)")
    return plot_history(history)
