"""The look of every tconv figure: palette, fonts, sizes, and the text measurements layouts need.

* Categories use the Okabe-Ito palette (safe for the common colour-vision deficiencies),
  always lightened so that black text on top stays readable, and every category also has a
  hatch or a written label, so no meaning is carried by colour alone.
* Values use ``cividis`` (perceptually uniform, colour-blind safe), always with a colorbar.
* Fonts are DejaVu Sans (shipped with matplotlib, so every machine draws the same glyphs) at
  9 pt or larger at the saved size: figures are sized in inches and saved without rescaling.

Figures are plain :class:`matplotlib.figure.Figure` objects made without pyplot, so tconv never
chooses a backend: a notebook keeps its inline display, and a script needs no display at all.
"""
from __future__ import annotations

import contextlib
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

__all__ = ["OKABE_ITO", "SEQUENTIAL", "FONT", "FONT_SIZE", "SMALL_SIZE", "TITLE_SIZE", "MIN_FONT_SIZE",
           "STYLE", "Style", "PAPER", "SLIDE", "STYLE_WORDS", "as_style", "SLIDE_CANVAS", "SLIDE_DPI",
           "SLIDE_MIN_PIXELS", "styled", "new_figure", "tint", "text_size", "wrap_text", "tap_colours"]

#: Okabe & Ito's colour-blind-safe categorical palette, by name.
OKABE_ITO = {
    "black": "#000000", "orange": "#E69F00", "sky blue": "#56B4E9", "bluish green": "#009E73",
    "yellow": "#F0E442", "blue": "#0072B2", "vermillion": "#D55E00", "reddish purple": "#CC79A7",
}
#: The colour map for values (perceptually uniform, readable by colour-blind viewers).
SEQUENTIAL = "cividis"
FONT = "DejaVu Sans"
#: Point sizes at the saved size. Nothing is drawn smaller than MIN_FONT_SIZE.
FONT_SIZE = 10.0
SMALL_SIZE = 9.0
TITLE_SIZE = 12.0
MIN_FONT_SIZE = 9.0

#: rcParams applied while a figure is built: the same look whatever the user's own settings.
STYLE = {
    "font.family": "sans-serif",
    "font.sans-serif": [FONT],
    "font.size": FONT_SIZE,
    "axes.titlesize": FONT_SIZE + 1,
    "axes.labelsize": FONT_SIZE,
    "xtick.labelsize": SMALL_SIZE,
    "ytick.labelsize": SMALL_SIZE,
    "legend.fontsize": SMALL_SIZE,
    "figure.titlesize": TITLE_SIZE,
    "axes.prop_cycle": None,       # filled below (the Okabe-Ito colours)
    "image.cmap": SEQUENTIAL,
    "hatch.linewidth": 0.8,
    "svg.fonttype": "path",
    "svg.hashsalt": "tconv",       # SVG ids are hashes: a fixed salt makes them reproducible
    "path.simplify": True,
    "axes.spines.top": False,
    "axes.spines.right": False,
}


def _prop_cycle():
    from cycler import cycler

    names = ("blue", "vermillion", "bluish green", "orange", "reddish purple", "sky blue", "black")
    return cycler(color=[OKABE_ITO[n] for n in names])


#: A slide: 16:9, 12.8 x 7.2 inches at 150 dpi = 1920 x 1080 pixels (what :func:`tconv.viz.save` writes).
SLIDE_CANVAS = (12.8, 7.2)
SLIDE_DPI = 150
#: The smallest text a slide holds, in pixels at 1920 x 1080 (a text line's rendered height).
SLIDE_MIN_PIXELS = 18
#: The grounds a figure is drawn on: (ground colour, ink colour for text and lines on it).
GROUNDS = {"light": ("#ffffff", "#000000"), "dark": ("#1d2026", "#f0f0f0")}
#: The words ``--style`` is made of: one layout, and optionally a ground and ``transparent``.
STYLE_WORDS = ("paper", "slide", "light", "dark", "transparent")


@dataclass(frozen=True)
class Style:
    """How a figure looks: its layout (``paper`` or ``slide``), its ground, and whether it has text.

    * ``paper`` (the default): the figure is as large as its content, with the formula and the
      sentences in the picture; 10 pt text at 150 dpi;
    * ``slide``: a 16:9 canvas of 1920 x 1080 pixels (:data:`SLIDE_CANVAS` at :data:`SLIDE_DPI`),
      the same for every figure, text of at least :data:`SLIDE_MIN_PIXELS` pixels, a short
      title only: the formula and the sentences go into the caption and the speaker notes;
    * ``ground``: ``light`` (black ink on white) or ``dark`` (light ink on a dark grey);
    * ``transparent``: no ground is painted (PNG, SVG, PDF), the ink is the ground's;
    * ``text=False``: grids and colours only, as the GIFs of conv_arithmetic (no title, no
      labels, no legend).

    Written on the command line as words joined by commas (``--style slide,dark``);
    :func:`as_style` reads them.

    >>> as_style("slide,dark").name, as_style(None) == PAPER
    ('slide,dark', True)
    >>> SLIDE.font_size * SLIDE_DPI / 72 >= SLIDE_MIN_PIXELS
    True
    """

    layout: str = "paper"
    ground: str = "light"
    transparent: bool = False
    text: bool = True

    def __post_init__(self):
        if self.layout not in ("paper", "slide"):
            raise ValueError(f"style layout={self.layout!r} must be 'paper' or 'slide'")
        if self.ground not in GROUNDS:
            raise ValueError(f"style ground={self.ground!r} must be one of {tuple(GROUNDS)}")

    @property
    def name(self) -> str:
        """The words that make this style (``text`` aside: that is ``--no-text``)."""
        words = [self.layout] + ([self.ground] if self.ground != "light" else [])
        return ",".join(words + (["transparent"] if self.transparent else []))

    @property
    def slide(self) -> bool:
        return self.layout == "slide"

    @property
    def font_size(self) -> float:
        return 13.0 if self.slide else FONT_SIZE

    @property
    def small_size(self) -> float:
        return 11.0 if self.slide else SMALL_SIZE

    @property
    def corner_size(self) -> float:
        """The small numbers in a cell's corner (what one tap adds)."""
        return 10.0 if self.slide else SMALL_SIZE

    @property
    def title_size(self) -> float:
        return 20.0 if self.slide else TITLE_SIZE

    @property
    def panel_size(self) -> float:
        """Panel titles (bold)."""
        return 15.0 if self.slide else FONT_SIZE + 1

    @property
    def ink(self) -> str:
        """The colour of text and lines on the ground."""
        return GROUNDS[self.ground][1]

    @property
    def face(self):
        """The figure's ground (``"none"`` when transparent)."""
        return "none" if self.transparent else GROUNDS[self.ground][0]

    @property
    def muted(self) -> str:
        """A quieter ink, for slice titles and notes in the picture."""
        return "#b8b8b8" if self.ground == "dark" else "#333333"

    @property
    def lines(self) -> tuple:
        """Okabe-Ito colours for curves, in order, each readable on this ground (checked in colour_vision)."""
        names = ("sky blue", "vermillion", "bluish green", "yellow") if self.ground == "dark" else \
            ("blue", "vermillion", "bluish green", "black")
        return tuple(OKABE_ITO[n] for n in names)

    def size(self, paper: tuple, slide: tuple = SLIDE_CANVAS) -> tuple:
        """The figure's size in inches: ``paper`` for the paper layout, the slide canvas otherwise."""
        return tuple(slide) if self.slide else tuple(paper)

    def rc(self) -> dict:
        """rcParams for matplotlib's own artists (axes, ticks, legends, colorbars) in this style."""
        from cycler import cycler

        rc = dict(STYLE)
        rc.update({"font.size": self.font_size, "axes.titlesize": self.font_size + 1,
                   "axes.labelsize": self.font_size, "xtick.labelsize": self.small_size,
                   "ytick.labelsize": self.small_size, "legend.fontsize": self.small_size,
                   "figure.titlesize": self.title_size if self.slide else TITLE_SIZE,
                   "axes.prop_cycle": cycler(color=list(self.lines))})
        ink, face = self.ink, self.face
        rc.update({"text.color": ink, "axes.labelcolor": ink, "axes.edgecolor": ink, "xtick.color": ink,
                   "ytick.color": ink, "axes.titlecolor": ink, "figure.facecolor": face, "axes.facecolor": face,
                   "savefig.facecolor": "auto", "legend.facecolor": face, "legend.edgecolor": self.muted,
                   "legend.labelcolor": ink, "grid.color": self.muted, "patch.edgecolor": ink})
        if self.slide:
            rc.update({"lines.linewidth": 2.5, "lines.markersize": 8, "axes.linewidth": 1.2})
        return rc


PAPER = Style()
SLIDE = Style("slide")


def as_style(style=None) -> Style:
    """A :class:`Style` from a Style, ``None`` (paper) or words joined by commas (``"slide,dark"``).

    One layout word at most (``paper``, the default, or ``slide``), one ground (``light``, the
    default, or ``dark``) and ``transparent``.

    >>> as_style("dark,slide") == Style("slide", "dark")
    True
    >>> as_style("slide,paper")
    Traceback (most recent call last):
    ...
    ValueError: style='slide,paper' names two layouts; use one of paper or slide, with dark and/or transparent (e.g. 'slide,dark')
    """
    if style is None:
        return PAPER
    if isinstance(style, Style):
        return style
    if not isinstance(style, str):
        raise TypeError(f"style must be a Style or words such as 'slide,dark', got {type(style).__name__}")
    words = [w.strip().lower() for w in style.split(",") if w.strip()]
    unknown = [w for w in words if w not in STYLE_WORDS]
    rule = "use one of paper or slide, with dark and/or transparent (e.g. 'slide,dark')"
    if not words or unknown:
        raise ValueError(f"style={style!r}: {', '.join(map(repr, unknown)) or 'no words'} "
                         f"{'is not a style word' if len(unknown) < 2 else 'are not style words'} "
                         f"({', '.join(STYLE_WORDS)}); {rule}")
    layouts = [w for w in words if w in ("paper", "slide")]
    grounds = [w for w in words if w in GROUNDS]
    if len(set(layouts)) > 1:
        raise ValueError(f"style={style!r} names two layouts; {rule}")
    if len(set(grounds)) > 1:
        raise ValueError(f"style={style!r} names two grounds (light and dark); {rule}")
    return Style(layouts[0] if layouts else "paper", grounds[0] if grounds else "light", "transparent" in words)


@contextlib.contextmanager
def styled(style=None):
    """A context in which matplotlib uses :data:`STYLE` (and the user's settings come back after).

    With a ``style`` (:class:`Style` or its words) the sizes and colours are that style's.

    >>> import matplotlib
    >>> with styled():
    ...     matplotlib.rcParams["svg.hashsalt"]
    'tconv'
    >>> with styled("slide,dark"):
    ...     matplotlib.rcParams["text.color"]
    '#f0f0f0'
    """
    import matplotlib

    rc = as_style(style).rc() if style is not None else dict(STYLE, **{"axes.prop_cycle": _prop_cycle()})
    with matplotlib.rc_context(rc):
        yield


def new_figure(width: float, height: float, layout: str | None = None, style=None):
    """A pyplot-free :class:`~matplotlib.figure.Figure` of ``width`` x ``height`` inches.

    Call inside :func:`styled`. ``layout="constrained"`` lets matplotlib keep labels apart.
    ``style`` (a :class:`Style` or its words) paints its ground (or none, when transparent).

    >>> with styled():
    ...     fig = new_figure(4, 3, layout="constrained")
    >>> fig.get_size_inches().tolist()
    [4.0, 3.0]
    """
    from matplotlib.figure import Figure

    if not (0 < width <= 200 and 0 < height <= 200):
        raise ValueError(f"a figure of {width:.3g} x {height:.3g} inches is not drawable (limit 200 x 200)")
    if style is None:
        return Figure(figsize=(width, height), layout=layout)
    return Figure(figsize=(width, height), layout=layout, facecolor=as_style(style).face)


def tint(colour: str, amount: float) -> tuple:
    """``colour`` mixed with white: ``amount`` 1 keeps it, 0 gives white (an RGB tuple).

    >>> tint("#000000", 0.5)
    (0.5, 0.5, 0.5)
    """
    rgb = np.asarray(_rgb(colour))
    return tuple(float(v) for v in 1 - amount * (1 - rgb))


def _rgb(colour) -> tuple:
    """``colour`` as RGB in [0, 1]: ``#rrggbb`` read here (as matplotlib reads it), any other spelling by matplotlib.

    Reading the palette's hex colours without matplotlib keeps ``import tconv.viz`` light: matplotlib
    is imported when the first figure is drawn.
    """
    if isinstance(colour, str) and len(colour) == 7 and colour[0] == "#":
        try:
            return tuple(int(colour[i:i + 2], 16) / 255 for i in (1, 3, 5))
        except ValueError:
            pass
    from matplotlib.colors import to_rgb

    return to_rgb(colour)


@lru_cache(maxsize=None)
def _advance(character: str, weight: str) -> float:
    """The width in points of one ``character`` set at 1 pt (from its outline; cached)."""
    from matplotlib.font_manager import FontProperties
    from matplotlib.textpath import TextToPath

    prop = FontProperties(family=FONT, size=1.0, weight=weight)
    return TextToPath().get_text_width_height_descent(character, prop, ismath=False)[0]


def text_size(text: str, size: float = FONT_SIZE, weight: str = "normal") -> tuple[float, float]:
    """Width and height in inches of ``text`` set in :data:`FONT` at ``size`` points.

    The width is the sum of the characters' advances (measured once per character from the
    glyph outlines, no renderer needed), so layouts can place text before any figure exists;
    kerning is ignored, which can only make the estimate a little wider. The height covers
    the font's ascent and descent (1.2 em per line), not the string's own ink.

    >>> w, h = text_size("input", 10)
    >>> 0.3 < w < 0.5 and 0.1 < h < 0.2
    True
    """
    lines = text.split("\n")
    width = max(sum(_advance(ch, weight) for ch in line) for line in lines) * size
    return width / 72.0, len(lines) * 1.2 * size / 72.0


def wrap_text(text: str, width: float, size: float = FONT_SIZE, weight: str = "normal") -> list[str]:
    """Split ``text`` into lines no wider than ``width`` inches (at ``size`` points), between words.

    Explicit newlines are kept; a single word wider than ``width`` gets a line of its own.

    >>> wrap_text("one two three", width=0.6, size=10)
    ['one two', 'three']
    """
    lines = []
    for paragraph in text.split("\n"):
        line = ""
        for word in paragraph.split(" "):
            candidate = f"{line} {word}" if line else word
            if line and text_size(candidate, size, weight)[0] > width:
                lines.append(line)
                line = word
            else:
                line = candidate
        lines.append(line)
    return lines


#: Hues of the kernel taps, one per kernel row (2-D) or tap (1-D), with the tint of the first and last column.
#: No tap shares a hue with the input (sky blue), the output (bluish green) or output_padding (orange), so a
#: kernel copy stands out on every grid; :mod:`tconv.viz.colour_vision` checks it for every viewer.
_TAP_HUES = (("blue", 0.85, 0.55), ("yellow", 0.85, 0.55), ("vermillion", 0.85, 0.55), ("black", 0.52, 0.40))


def tap_colours(kernel_size) -> np.ndarray:
    """One light colour per kernel tap, so that every copy of a tap can be recognised.

    Returns an RGB array of shape ``(*kernel_size, 3)``. The hue follows every axis but the
    last (a kernel row in 2-D) through blue, yellow, vermillion and grey (then again); the
    lightness follows the last axis. The colour only helps: every tap is also labelled
    (``w01``) or numbered.

    >>> tap_colours((3, 3)).shape
    (3, 3, 3)
    >>> bool(np.all(tap_colours((2,)) > 0.1))
    True
    """
    kernel_size = tuple(int(k) for k in kernel_size)
    colours = np.empty(kernel_size + (3,))
    last = kernel_size[-1]
    for tap in np.ndindex(*kernel_size):
        if len(kernel_size) == 1:
            hue, shade = tap[0], 0.5
        else:
            hue = int(np.ravel_multi_index(tap[:-1], kernel_size[:-1]))
            shade = tap[-1] / max(last - 1, 1)
        name, first, final = _TAP_HUES[hue % len(_TAP_HUES)]
        colours[tap] = tint(OKABE_ITO[name], first + (final - first) * shade)
    return colours
