"""Every kind of figure by name, in one registry: what ``tconv figure KIND`` draws and the pack renders.

A :class:`FigureKind` declares its name, a help line, its options (each an :class:`Option`: a
keyword of its draw function and the flag of ``tconv figure`` that sets it), whether it is drawn
from a geometry (the geometry flags), and how it draws. :data:`FIGURE_KINDS` holds them in the
order ``tconv figure --help`` lists them; the command line derives its choices, its help and
which flags it refuses for which kind from it, and the docs' table of kinds is
:func:`kinds_table`. :func:`make_figure` draws any kind by name: the command line and the
lecture pack both call it, so a command printed in the pack's index makes exactly the file next
to it.

A new kind is one :func:`register_kind` call (docs/contributing.md has the steps):

>>> def draw_kernel(geometry, *, seed=0):
...     return draw_matrix(geometry, seed=seed)
>>> toy = register_kind(FigureKind("kernel", "the kernel alone", draw_kernel, options=(SEED,), geometry="any",
...                                example=lambda: conv_geometry((4, 4), (3, 3))))
>>> type(make_figure("kernel", seed=1)).__name__, toy.flags
('Figure', ('--seed',))
>>> unregister_kind("kernel").name
'kernel'
"""
from __future__ import annotations

import inspect
import warnings
from dataclasses import dataclass
from typing import Callable

from .._checks import check_choice
from ..geometry import ConvGeometry, conv_geometry, conv_transpose_geometry
from .grids import animate_convolution, draw_convolution, grid_words
from .matrix import draw_matrix, matrix_words
from .style import as_style
from .views import plot_views, views_words
from .words import Words

__all__ = ["Option", "FigureKind", "FIGURE_KINDS", "register_kind", "unregister_kind", "make_figure",
           "figure_words", "kinds_table", "default_geometry", "NUMBERS", "SEED", "ANIMATE", "STYLE", "NO_TEXT",
           "OVERLAP_PARTS", "RESERVED"]

#: The ways a kind can be drawn from a geometry: only a convolution, only a transposed one, either.
GEOMETRIES = ("conv", "transposed", "any")
OVERLAP_PARTS = ("all", "counts", "upsampling", "gradient")
#: Names ``tconv figure`` uses for its own work (the lecture pack, the lecture deck): no kind may take them.
RESERVED = ("pack", "deck")


@dataclass(frozen=True)
class Option:
    """A keyword of a kind's draw function and the ``tconv figure`` flag that sets it.

    ``flag`` is ``--name`` (or a positional such as ``RUN_DIR``); ``help`` says what it does
    (``tconv figure --help`` prefixes the kinds that take it). Without ``type`` and
    ``choices`` the flag is a switch. ``read`` turns the command line's value into the
    keyword's (a run folder into its history). Options whose flag is a geometry flag
    (``--input``, ``--kernel``, ``--stride``) take one value for every axis and leave the
    help to the geometry flags.

    >>> Option("numbers", "--numbers", "seeded values in the cells").switch
    True
    """

    name: str
    flag: str
    help: str = ""
    type: type | None = None
    choices: tuple = ()
    metavar: str | None = None
    read: Callable | None = None

    @property
    def switch(self) -> bool:
        """Whether the flag is given or not, with no value (``--numbers``)."""
        return self.type is None and not self.choices and self.flag.startswith("--")

    @property
    def positional(self) -> bool:
        return not self.flag.startswith("-")


@dataclass(frozen=True)
class FigureKind:
    """One kind of figure: ``draw(**options)``, or ``draw(geometry, **options)`` when ``geometry`` is set.

    ``geometry``: None (not drawn from a geometry), ``"conv"`` or ``"transposed"`` (only that
    operator) or ``"any"``; ``example()`` is the geometry drawn when none is given. ``help``
    is the line ``tconv figure --help`` and the docs show. ``words``, when given, takes the
    same arguments as ``draw`` and returns the figure's :class:`~tconv.viz.words.Words` (slide
    title, caption, speaker notes: what the pack prints and the deck says); a kind that takes
    :data:`STYLE` draws on paper or on a slide.
    """

    name: str
    help: str
    draw: Callable
    options: tuple = ()
    geometry: str | None = None
    example: Callable[[], ConvGeometry] | None = None
    words: Callable | None = None

    @property
    def flags(self) -> tuple[str, ...]:
        """The flags of this kind's options, in order."""
        return tuple(option.flag for option in self.options)

    @property
    def animated(self) -> bool:
        """Whether it can be an animation (it takes ``animate``)."""
        return any(option.name == "animate" for option in self.options)

    def option(self, name: str) -> Option | None:
        return next((option for option in self.options if option.name == name), None)


def _grid(geometry, *, numbers=False, seed=0, animate=False, view="direct", style=None, no_text=False):
    """A (transposed) convolution's grids, or their animation."""
    if animate:
        return animate_convolution(geometry, numbers=numbers, seed=seed, view=view, style=style, no_text=no_text)
    return draw_convolution(geometry, numbers=numbers, seed=seed, view=view, style=style, no_text=no_text)


def _overlap(*, kernel_size=3, stride=2, length=8, seed=0, part="all", style=None):
    """The checkerboard lab, or one ``part`` of it."""
    from . import overlap_plots as overlap

    check_choice("part", part, OVERLAP_PARTS)
    if part == "counts":
        return overlap.plot_overlap(kernel_size, stride, length, style=style)
    if part == "upsampling":
        return overlap.plot_upsampling(kernel_size, stride, length, seed, style=style)
    if part == "gradient":
        return overlap.plot_gradient_checkerboard(kernel_size, stride, 2 * length, seed, style=style)
    return overlap.plot_checkerboard_lab(kernel_size, stride, length, seed, style=style)


def _overlap_words(*, kernel_size=3, stride=2, length=8, part="all", **_ignored) -> Words:
    from .overlap_plots import overlap_words

    check_choice("part", part, OVERLAP_PARTS)
    return overlap_words(kernel_size, stride, length, part)


def _network(name):
    """The draw function of a network kind: the diagram of a built model of :data:`tconv.seg.models.MODELS`."""
    def draw(*, depth=3, base=16, size=64, in_channels=1, classes=2, up="transpose", style=None):
        from .network_plot import network_figure

        return network_figure(name, depth=depth, base=base, size=size, in_channels=in_channels, classes=classes,
                              up=up, style=style)

    def words(*, depth=3, base=16, size=64, in_channels=1, classes=2, up="transpose", **_ignored) -> Words:
        from .networks import network_words

        return network_words(name, depth=depth, base=base, size=size, in_channels=in_channels, classes=classes,
                             up=up)

    draw.__name__, words.__name__ = f"draw_{name}", f"{name}_words"
    return draw, words


def _training(*, history=None, style=None):
    """A run's learning curves."""
    from .training import plot_history

    if history is None:
        raise ValueError("kind 'training' draws a run's history: pass history (the list in RUN/history.json)")
    return plot_history(history, style=style)


def _training_words(*, history=None, **_ignored) -> Words:
    from .training import history_words

    return history_words(history)


def _read_history(run_dir):
    from .training import load_history

    return load_history(run_dir)


def _phases(geometry):
    """Each output pixel of a transposed convolution coloured by the sub-kernel that writes it."""
    from .phases import plot_phases

    return plot_phases(geometry)


def _phases_example() -> ConvGeometry:
    return conv_transpose_geometry((4, 4), (3, 3), stride=2, padding=1, output_padding=1)


def _gridding(*, stacks=None):
    """Receptive-field footprints of stacks of layers, separated by '/'."""
    from .receptive import DEFAULT_STACKS, plot_gridding

    if stacks is None:
        return plot_gridding(DEFAULT_STACKS)
    return plot_gridding([part.strip() for part in str(stacks).split("/") if part.strip()])


def _unpool():
    """Max unpooling as the transpose of max pooling's selection matrix, beside resize and a transposed conv."""
    from .unpooling import plot_unpooling

    return plot_unpooling()


def _tiling(*, tile=256):
    """The overlap-tile plan of a padded U-Net (tiles of ``tile``) and of the paper's valid U-Net."""
    from .tiling import plot_overlap_tile

    return plot_overlap_tile(tile=tile)


def _weightmap(*, w0=10.0, sigma=5.0):
    """U-Net's border weight map of touching cells."""
    from .weight_map import plot_weight_map

    return plot_weight_map(w0=w0, sigma=sigma)


def _decoders(*, steps=300, seed=0, animate=False):
    """Five x2 decoders trained side by side: the checkerboard over training (trains first: about 5 s per 100 steps)."""
    from ..seg.train.decoders import train_decoders
    from .checkerboards import animate_decoder_study, plot_decoder_study

    if isinstance(steps, bool) or not isinstance(steps, int) or not 1 <= steps <= 5000:
        raise ValueError(f"steps={steps!r} must be an int from 1 to 5000")
    study = train_decoders(steps=steps, seed=seed)
    return animate_decoder_study(study) if animate else plot_decoder_study(study)


NUMBERS = Option("numbers", "--numbers", "seeded values in the cells and the products being summed")
SEED = Option("seed", "--seed", "seed of the --numbers values and random weights (default 0)", type=int)
ANIMATE = Option("animate", "--animate", "one frame per output position (conv) or per input pixel "
                 "(transposed); save as .gif or .mp4")
STYLE = Option("style", "--style", "paper (default: as large as its content, the sentences in the picture) or "
               "slide (1920 x 1080, large type, a short title; the sentences go to the pack's captions and the "
               "deck's notes), with dark and/or transparent, joined by commas: e.g. slide,dark",
               type=str, metavar="WORDS", read=as_style)
NO_TEXT = Option("no_text", "--no-text", "grids and colours only: no title, labels or legend (as conv_arithmetic)")


def _notes() -> ConvGeometry:
    return conv_geometry((4, 4), (3, 3))


def _notes_transposed() -> ConvGeometry:
    return conv_transpose_geometry((2, 2), (3, 3))


#: Every kind by name, in the order ``tconv figure --help`` lists them.
FIGURE_KINDS: dict[str, FigureKind] = {}


def register_kind(kind: FigureKind) -> FigureKind:
    """Add ``kind`` to :data:`FIGURE_KINDS` (``tconv figure`` and the docs pick it up); returns it.

    Refused with a ``ValueError``: a name already taken, a ``geometry`` not in
    :data:`GEOMETRIES`, an option that is no keyword of ``draw``, or a flag that another kind
    uses with another meaning (one flag, one meaning: share the :class:`Option` instead).
    """
    if not isinstance(kind, FigureKind):
        raise TypeError(f"register_kind takes a FigureKind, got {type(kind).__name__}")
    if not kind.name.isidentifier() or kind.name in FIGURE_KINDS or kind.name in RESERVED:
        raise ValueError(f"figure kind {kind.name!r} is taken or not a name (taken: {', '.join(FIGURE_KINDS)}, "
                         f"{', '.join(RESERVED)})")
    if kind.geometry is not None:
        check_choice("geometry", kind.geometry, GEOMETRIES)
        if kind.example is None:
            raise ValueError(f"figure kind {kind.name!r} is drawn from a geometry: give example, the geometry "
                             "drawn when none is given")
    keywords = inspect.signature(kind.draw).parameters
    for option in kind.options:
        if option.name not in keywords:
            raise ValueError(f"figure kind {kind.name!r}: option {option.name!r} is not a keyword of its draw "
                             f"function {kind.draw.__name__}{inspect.signature(kind.draw)}")
        for other in FIGURE_KINDS.values():
            same = next((o for o in other.options if o.flag == option.flag), None)
            if same is not None and same != option:
                raise ValueError(f"figure kind {kind.name!r}: {option.flag} already means {same.name!r} for "
                                 f"{other.name!r}; share that Option or choose another flag")
    FIGURE_KINDS[kind.name] = kind
    return kind


def unregister_kind(name: str) -> FigureKind:
    """Remove the kind ``name`` from :data:`FIGURE_KINDS` and return it."""
    return FIGURE_KINDS.pop(_kind(name).name)


_NETWORK_OPTIONS = (
    Option("depth", "--depth", "number of poolings (unet 1 to 6, vnet 1 to 5; default 3)", type=int),
    Option("base", "--base", "channels at full resolution (default 16; base * 2**depth at most 1024)", type=int),
    Option("size", "--size", "input side in pixels, divisible by 2**depth (fcn: 8), at most 4096 (default 64)",
           type=int),
    Option("in_channels", "--in-channels", "input channels (default 1)", type=int),
    Option("classes", "--classes", "number of classes (default 2)", type=int),
)
_UP = Option("up", "--up", "how the decoder upsamples (default transpose)", choices=("transpose", "resize", "bilinear"))

for _builtin in (
    FigureKind("conv", "input, padding, the kernel's window, output", _grid, (NUMBERS, SEED, ANIMATE, STYLE, NO_TEXT),
               geometry="conv", example=_notes, words=grid_words),
    FigureKind("transposed", "each input pixel paints its scaled kernel; cropped border, output_padding", _grid,
               (NUMBERS, SEED, ANIMATE, Option("view", "--view", "direct (scatter-add, default) or equivalent (the "
                                               "paper's picture: zeros inserted, kernel rotated 180°)",
                                               choices=("direct", "equivalent")), STYLE, NO_TEXT),
               geometry="transposed", example=_notes_transposed, words=grid_words),
    FigureKind("matrix", "the stretched input, the kernel and the sparse matrix C", draw_matrix,
               (NUMBERS, SEED, Option("transpose", "--transpose", "draw C.T and the output vector C.T y"), STYLE,
                NO_TEXT), geometry="any", example=_notes, words=matrix_words),
    FigureKind("overlap", "the checkerboard lab (overlap counts, upsampling, the gradient of a strided conv)",
               _overlap, (Option("kernel_size", "--kernel"), Option("stride", "--stride"),
                          Option("length", "--input"), SEED,
                          Option("part", "--part", "one part of the checkerboard lab (default all; a slide holds "
                                 "one part)", choices=OVERLAP_PARTS), STYLE), words=_overlap_words),
    FigureKind("views", "one transposed convolution computed five ways: how each computes, and their equal results",
               plot_views, (SEED, STYLE), geometry="any", example=_notes_transposed, words=views_words),
    FigureKind("unet", "a U-Net (Ronneberger's bars: height ~ resolution, width ~ channels), from a built model",
               _network("unet")[0], _NETWORK_OPTIONS + (_UP, STYLE), words=_network("unet")[1]),
    FigureKind("fcn", "an FCN with its skip fusion (class scores at 1/8, fused at 1/4), from a built model",
               _network("fcn")[0], _NETWORK_OPTIONS[1:] + (STYLE,), words=_network("fcn")[1]),
    FigureKind("vnet", "a V-Net lite (residual stages, strided convolutions down and up), from a built model",
               _network("vnet")[0], _NETWORK_OPTIONS + (STYLE,), words=_network("vnet")[1]),
    FigureKind("training", "the learning curves of a tconv train run", _training, (
        Option("history", "RUN_DIR", "the run folder holding history.json (e.g. runs/shapes)", read=_read_history),
        STYLE), words=_training_words),
    FigureKind("phases", "a strided transposed convolution's phases: each output pixel coloured by its sub-kernel",
               _phases, (), geometry="transposed", example=_phases_example),
    FigureKind("gridding", "receptive-field footprints of stacks of layers (the gridding of equal dilations)",
               _gridding, (Option("stacks", "--stacks", "stacks of layers K[sS][dD] separated by / (default "
                                  "'3 3 3 / 3d2 3d2 3d2 / 3 3d2 3d3')", type=str, metavar="STACKS"),)),
    FigureKind("unpool", "max unpooling as the transpose of max pooling's selection matrix", _unpool, ()),
    FigureKind("tiling", "the overlap-tile strategy: which pixels each tile reads and keeps", _tiling,
               (Option("tile", "--tile", "the padded U-Net's tile side, a multiple of 8 and at least 120 (default "
                       "256)", type=int),)),
    FigureKind("weightmap", "U-Net's border weight map w_c + w0 exp(-(d1 + d2)^2 / 2 sigma^2)", _weightmap,
               (Option("w0", "--w0", "the border weight w0 (default 10)", type=float),
                Option("sigma", "--sigma", "the border width sigma in pixels (default 5)", type=float))),
    FigureKind("decoders", "checkerboards in five trained x2 decoders (trains them first)", _decoders,
               (Option("steps", "--steps", "training steps, 1 to 5000 (default 300)", type=int), SEED, ANIMATE)),
):
    register_kind(_builtin)


def _kind(name: str) -> FigureKind:
    if not isinstance(name, str) or name not in FIGURE_KINDS:
        raise ValueError(f"kind={name!r} is not one of {tuple(FIGURE_KINDS)}")
    return FIGURE_KINDS[name]


def default_geometry(kind: str) -> ConvGeometry:
    """The geometry ``kind`` draws when none is given: the lecture notes' 4x4 input and 3x3 kernel (or its
    transposed twin, 2x2 -> 4x4).

    >>> default_geometry("transposed").output_size
    (4, 4)
    """
    spec = _kind(kind)
    if spec.example is None:
        raise ValueError(f"kind {kind!r} is not drawn from a geometry")
    return spec.example()


#: The keywords of the old ``make_figure`` signature, accepted (and ignored, with a warning) by kinds that
#: do not take them, as that signature accepted them.
_OLD_KEYWORDS = ("numbers", "seed", "animate", "view", "transpose", "part", "kernel_size", "stride", "length",
                 "unet", "history")


def _arguments(spec: FigureKind, options: dict) -> dict:
    if spec.name == "unet" and "unet" in options:
        warnings.warn("make_figure('unet', unet={...}) is deprecated: pass the options as keywords, "
                      "make_figure('unet', depth=3, ...)", DeprecationWarning, stacklevel=3)
        options = {**(options.pop("unet") or {}), **options}
    taken = {option.name for option in spec.options}
    arguments = {}
    for name, value in options.items():
        if name in taken:
            arguments[name] = value
        elif name in _OLD_KEYWORDS:
            warnings.warn(f"make_figure({spec.name!r}, {name}=...): {spec.name} does not take {name!r}; it is "
                          "ignored now and will be an error", DeprecationWarning, stacklevel=3)
        else:
            raise TypeError(f"make_figure({spec.name!r}) got the option {name!r}; {spec.name} takes "
                            f"{', '.join(sorted(taken)) or 'no options'}")
    return arguments


def make_figure(kind: str, geometry: ConvGeometry | None = None, **options):
    """The figure (or :class:`~tconv.viz.frames.FrameAnimation`) of ``kind`` with its ``options``.

    ``geometry`` (for the kinds drawn from one; default: the kind's example) and the
    keywords of the kind's options (:data:`FIGURE_KINDS`), e.g. ``make_figure("matrix",
    numbers=True)`` or ``make_figure("overlap", kernel_size=4, part="counts")``.

    >>> make_figure("matrix").axes[0].texts[0].get_text()[:28]
    'Convolution as a matrix: y ='
    """
    spec = _kind(kind)
    arguments = _arguments(spec, options)
    if spec.geometry is None:
        if geometry is not None:
            raise TypeError(f"kind {kind!r} is not drawn from a geometry; pass its options only")
        return spec.draw(**arguments)
    geometry = geometry if geometry is not None else spec.example()
    if spec.geometry == "conv" and geometry.transposed:
        raise ValueError(f"kind {kind!r} draws a convolution; this geometry is transposed (use kind 'transposed')")
    if spec.geometry == "transposed" and not geometry.transposed:
        raise ValueError(f"kind {kind!r} draws a transposed convolution; this geometry is a convolution")
    return spec.draw(geometry, **arguments)


def figure_words(kind: str, geometry: ConvGeometry | None = None, **options) -> Words:
    """The :class:`~tconv.viz.words.Words` of the figure ``make_figure(kind, geometry, **options)`` draws.

    A kind without a ``words`` function gets its help line as title and caption.

    >>> figure_words("conv").caption
    'A convolution of a 4 × 4 input with a 3 × 3 kernel: a 2 × 2 output.'
    """
    spec = _kind(kind)
    arguments = _arguments(spec, options)
    if spec.words is None:
        return Words(spec.help[:1].upper() + spec.help[1:], spec.help[:1].upper() + spec.help[1:] + ".")
    if spec.geometry is None:
        return spec.words(**arguments)
    return spec.words(geometry if geometry is not None else spec.example(), **arguments)


def kinds_table() -> str:
    """The Markdown table of :data:`FIGURE_KINDS` (docs/figures.md holds it; a test keeps the two equal).

    >>> print(kinds_table().splitlines()[2])
    | `conv` | input, padding, the kernel's window, output | `--numbers`, `--seed`, `--animate`, `--style`, `--no-text` |
    """
    rows = ["| kind | what it draws | options |", "|---|---|---|"]
    for kind in FIGURE_KINDS.values():
        flags = ", ".join(f"`{flag}`" for flag in kind.flags)
        rows.append(f"| `{kind.name}` | {kind.help} | {flags} |")
    return "\n".join(rows) + "\n"


def __getattr__(name: str):
    if name in ("KINDS", "GEOMETRY_KINDS"):          # the hand-kept lists the registry replaced
        warnings.warn(f"tconv.viz.kinds.{name} is deprecated: read tconv.viz.kinds.FIGURE_KINDS",
                      DeprecationWarning, stacklevel=2)
        if name == "KINDS":
            return tuple(FIGURE_KINDS)
        return tuple(k.name for k in FIGURE_KINDS.values() if k.geometry is not None)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
