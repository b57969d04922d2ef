"""Figures for lecturers: every picture drawn from the real geometry and the real matrix.

Functions return matplotlib figures (or :class:`FrameAnimation` objects); :func:`save` writes
them reproducibly (PNG, SVG, PDF; GIF, MP4). This is the only package of tconv that imports
matplotlib, and it never chooses a backend (figures are made without pyplot), so a notebook
keeps its inline display and a script needs no display at all.

* grids: :func:`draw_convolution`, :func:`animate_convolution` (conv, transposed, the paper's view);
* the matrix: :func:`draw_matrix`;
* the checkerboard lab: :func:`plot_overlap`, :func:`plot_upsampling`,
  :func:`plot_gradient_checkerboard`, :func:`plot_checkerboard_lab`, :func:`overlap_counts`;
* every view of one operator: :func:`plot_views`;
* a U-Net: :func:`draw_unet`, :func:`unet_levels`, :func:`model_levels` (a built model), :class:`UNetLevel`;
* a training run: :func:`plot_history`, :func:`plot_predictions`, :func:`overlay`;
* the chapters of issue 21: :func:`plot_phases` (each output pixel coloured by its sub-kernel),
  :func:`plot_gridding` (receptive-field footprints of stacks), :func:`plot_unpooling`,
  :func:`plot_overlap_tile`, :func:`plot_weight_map`, :func:`plot_decoder_study` and
  :func:`animate_decoder_study` (checkerboards in trained decoders);
* the lecture pack: :func:`make_pack`, :func:`pack_entries` (what ``tconv figure pack`` writes);
* the interactive explorer: :func:`explorer`, one self-contained web page (what ``tconv explore`` writes);
* every kind of figure by name: :data:`FIGURE_KINDS`, :func:`make_figure`, :func:`register_kind`
  (what ``tconv figure KIND`` draws; :mod:`tconv.viz.kinds`).

Importing :mod:`tconv.viz` does not import matplotlib: it is imported when the first figure is drawn.

>>> from tconv.geometry import conv_geometry
>>> fig = draw_matrix(conv_geometry((4, 4), (3, 3)))
>>> type(fig).__name__
'Figure'
"""
from .explorer_page import Explorer, explorer
from .frames import FrameAnimation
from .grids import animate_convolution, draw_convolution
from .kinds import FIGURE_KINDS, FigureKind, Option, make_figure, register_kind, unregister_kind
from .matrix import draw_matrix, matrix_data
from .overlap import overlap_counts
from .overlap_plots import plot_checkerboard_lab, plot_gradient_checkerboard, plot_overlap, plot_upsampling
from .pack import make_pack, pack_entries
from .saving import save
from .checkerboards import animate_decoder_study, plot_decoder_study
from .phases import plot_phases
from .receptive import plot_gridding
from .tiling import plot_overlap_tile
from .training import overlay, plot_history, plot_predictions
from .unpooling import plot_unpooling
from .weight_map import plot_weight_map
from .unet import UNetLevel, describe_unet, draw_unet, model_levels, unet_levels
from .views import plot_views, views_data

__all__ = [
    "FrameAnimation", "save",
    "draw_convolution", "animate_convolution",
    "draw_matrix", "matrix_data",
    "overlap_counts", "plot_overlap", "plot_upsampling", "plot_gradient_checkerboard", "plot_checkerboard_lab",
    "plot_views", "views_data",
    "UNetLevel", "unet_levels", "model_levels", "describe_unet", "draw_unet",
    "plot_history", "plot_predictions", "overlay",
    "make_pack", "pack_entries",
    "FIGURE_KINDS", "FigureKind", "Option", "make_figure", "register_kind", "unregister_kind",
    "Explorer", "explorer",
    "plot_phases", "plot_gridding", "plot_unpooling", "plot_overlap_tile", "plot_weight_map",
    "plot_decoder_study", "animate_decoder_study",
]
