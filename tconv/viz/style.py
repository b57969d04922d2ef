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
from functools import lru_cache

import numpy as np

__all__ = ["OKABE_ITO", "SEQUENTIAL", "FONT", "FONT_SIZE", "SMALL_SIZE", "TITLE_SIZE", "MIN_FONT_SIZE",
           "STYLE", "styled", "new_figure", "tint", "text_size", "wrap_text", "tap_colours"]

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


@contextlib.contextmanager
def styled():
    """A context in which matplotlib uses :data:`STYLE` (and the user's settings come back after).

    >>> import matplotlib
    >>> with styled():
    ...     matplotlib.rcParams["svg.hashsalt"]
    'tconv'
    """
    import matplotlib

    rc = dict(STYLE, **{"axes.prop_cycle": _prop_cycle()})
    with matplotlib.rc_context(rc):
        yield


def new_figure(width: float, height: float, layout: str | None = None):
    """A pyplot-free :class:`~matplotlib.figure.Figure` of ``width`` x ``height`` inches.

    Call inside :func:`styled`. ``layout="constrained"`` lets matplotlib keep labels apart.

    >>> with styled():
    ...     fig = new_figure(4, 3, layout="constrained")
    >>> fig.get_size_inches().tolist()
    [4.0, 3.0]
    """
    from matplotlib.figure import Figure

    if not (0 < width <= 200 and 0 < height <= 200):
        raise ValueError(f"a figure of {width:.3g} x {height:.3g} inches is not drawable (limit 200 x 200)")
    return Figure(figsize=(width, height), layout=layout)


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


#: Hues of the kernel taps: one per kernel row (2-D) or tap (1-D); the column sets the lightness.
_TAP_HUES = ("sky blue", "orange", "bluish green", "reddish purple", "yellow", "blue", "vermillion")


def tap_colours(kernel_size) -> np.ndarray:
    """One light colour per kernel tap, so that every copy of a tap can be recognised.

    Returns an RGB array of shape ``(*kernel_size, 3)``. The hue follows every axis but the
    last (a kernel row in 2-D) through the Okabe-Ito palette; the lightness follows the last
    axis. The colour only helps: every tap is also labelled (``w01``) or numbered.

    >>> tap_colours((3, 3)).shape
    (3, 3, 3)
    >>> bool(np.all(tap_colours((2,)) > 0.4))        # light enough for black text
    True
    """
    kernel_size = tuple(int(k) for k in kernel_size)
    colours = np.empty(kernel_size + (3,))
    last = kernel_size[-1]
    for tap in np.ndindex(*kernel_size):
        if len(kernel_size) == 1:
            hue, shade = tap[0], 0
        else:
            hue = int(np.ravel_multi_index(tap[:-1], kernel_size[:-1])) if len(tap) > 1 else 0
            shade = tap[-1]
        amount = 0.65 - 0.35 * (shade / max(last - 1, 1)) if len(kernel_size) > 1 else 0.55
        colours[tap] = tint(OKABE_ITO[_TAP_HUES[hue % len(_TAP_HUES)]], amount)
    return colours
