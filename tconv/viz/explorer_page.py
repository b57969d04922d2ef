"""The explorer: one (transposed) convolution as an interactive web page, in one self-contained file.

:func:`explorer` writes a page (inline CSS and vanilla JavaScript, its data as embedded JSON,
SVG drawings; nothing is fetched, so it opens from disk and works offline) on which a student
sets input size, kernel, stride, padding (symmetric or before/after), dilation, output_padding
or the wanted output size, 1-D or 2-D, convolution or transposed convolution, and sees, linked
by hover and click: the grids (the transposed convolution as kernel copies painted into the
output, with the cropped border and the output_padding rows, or as the paper's equivalent direct
convolution), the matrix ``C`` or ``C.T`` with its tap pattern, the overlap of the kernel copies
(the checkerboard), the output-size formula with the numbers filled in, every input size that
gives this output (why output_padding exists), and the tconv / PyTorch / Keras spellings.

The page is written from the files of ``web/``: a template, a style sheet and eight small scripts
(:data:`SCRIPTS`). Its own arithmetic is small (``web/arithmetic.js``) and is checked, in the page, against
golden cases that tconv computes here (:mod:`tconv.viz.explorer_cases`):
``window.tconvExplorer.selfTest()``. The page's state lives in its address
(``explorer.html#input=3,3&kernel=3,3&stride=2,2&padding=1,1&dilation=1,1&output_padding=1,1&mode=transposed``),
so a lecturer can link any configuration.

>>> from tconv.geometry import conv_transpose_geometry
>>> page = explorer(conv_transpose_geometry((4,), (3,), stride=2))
>>> page.params["input"], page.params["mode"]
([4], 'transposed')
>>> page.html.startswith("<!DOCTYPE html>") and "window.tconvExplorer" in page.html
True
"""
from __future__ import annotations

import html
import json
import numbers
import re
from dataclasses import dataclass
from pathlib import Path

from ..geometry import ConvGeometry, conv_geometry, conv_transpose_geometry
from ..translate.spelling import COMMAND_LINE_NAMES
from .explorer_cases import LIMITS, check_limits, geometry_params, golden_cases

__all__ = ["Explorer", "explorer", "PRESETS", "DEFAULT_GEOMETRY"]

WEB = Path(__file__).resolve().parent / "web"
#: The page's scripts, in the order they run: the arithmetic (checked by selfTest), the settings,
#: the drawing helpers, the grids, the matrix, the highlight, the panels in words, the page.
SCRIPTS = ("arithmetic.js", "settings.js", "svg.js", "grids.js", "matrix.js", "highlight.js", "panels.js", "page.js")

#: What the page shows first: stride 2, kernel 3 (the checkerboard), padding 1 and output_padding 1.
DEFAULT_GEOMETRY = conv_transpose_geometry((3, 3), (3, 3), stride=2, padding=1, output_padding=1)

#: The page's "Example" menu: (name, geometry).
PRESETS = (
    ("Lecture notes: 4×4 input, 3×3 kernel (convolution)", conv_geometry((4, 4), (3, 3))),
    ("Its transpose: 2×2 → 4×4", conv_transpose_geometry((2, 2), (3, 3))),
    ("Checkerboard: kernel 3, stride 2 (transposed)", conv_transpose_geometry((4, 4), (3, 3), stride=2)),
    ("No checkerboard: kernel 4, stride 2, padding 1", conv_transpose_geometry((4, 4), (4, 4), stride=2, padding=1)),
    ("output_padding: 3×3 → 6×6 (k 3, s 2, p 1, a 1)", DEFAULT_GEOMETRY),
    ("Strided convolution 6×6 → 3×3 (k 3, s 2, p 1)", conv_geometry((6, 6), (3, 3), stride=2, padding=1)),
    ("Keras 'same', kernel 3, stride 2 (padding 0 before, 1 after)",
     conv_transpose_geometry((3, 3), (3, 3), stride=2, padding=((0, 1), (0, 1)))),
    ("Dilation 2 (convolution)", conv_geometry((7, 7), (3, 3), dilation=2)),
    ("1-D: kernel 3, stride 2 (transposed)", conv_transpose_geometry((6,), (3,), stride=2)),
    ("1-D: kernel 4, stride 2 (transposed)", conv_transpose_geometry((6,), (4,), stride=2)),
    ("1-D: strided convolution with padding", conv_geometry((9,), (3,), stride=2, padding=1)),
    ("1-D: stride 3 > kernel 2 (gaps)", conv_transpose_geometry((4,), (2,), stride=3)),
)

#: The notebook frame's height in pixels.
NOTEBOOK_HEIGHT = 980


@dataclass(frozen=True)
class Explorer:
    """The explorer page: ``html`` (the whole file) and ``params`` (the state it opens with).

    ``save(path)`` writes the file (atomically; the same arguments give the same bytes);
    in a notebook the page shows inline (``_repr_html_``: the page in a frame of its own).
    """

    html: str
    params: dict

    def save(self, path) -> str:
        """Write the page to ``path`` (``.html``) atomically and return the path.

        >>> import os, tempfile
        >>> with tempfile.TemporaryDirectory() as folder:
        ...     path = explorer().save(os.path.join(folder, "explorer.html"))
        ...     os.path.getsize(path) < 500_000
        True
        """
        from .saving import save_text

        return save_text(self.html, path)

    def _repr_html_(self) -> str:
        """The page in a sandboxed frame (its scripts and styles stay inside it)."""
        return (f'<iframe srcdoc="{html.escape(self.html, quote=True)}" title="tconv explorer" '
                f'style="width: 100%; height: {NOTEBOOK_HEIGHT}px; border: 1px solid #ddd; border-radius: 6px" '
                'sandbox="allow-scripts allow-downloads"></iframe>')

    def __repr__(self) -> str:
        p = self.params
        return (f"Explorer(mode={p['mode']!r}, input={p['input']}, kernel={p['kernel']}, stride={p['stride']}, "
                f"padding={p['padding']}, dilation={p['dilation']}, output_padding={p['output_padding']}, "
                f"{len(self.html):,} bytes)")


def _check_options(view, numbers_, seed) -> None:
    if view not in ("direct", "equivalent"):
        raise ValueError(f"view={view!r} must be 'direct' (scatter-add) or 'equivalent' (the paper's picture)")
    if not isinstance(numbers_, bool):
        raise TypeError(f"numbers={numbers_!r} must be True or False")
    if isinstance(seed, bool) or not isinstance(seed, numbers.Integral) or seed < 0:
        raise ValueError(f"seed={seed!r} must be a non-negative int")


def explorer(geometry: ConvGeometry | None = None, *, view: str = "direct", numbers: bool = False,
             seed: int = 0) -> Explorer:
    """The explorer page, opening on ``geometry`` (default :data:`DEFAULT_GEOMETRY`).

    ``geometry`` is a 1-D or 2-D :class:`~tconv.geometry.ConvGeometry` (from
    :func:`tconv.conv_geometry` or :func:`tconv.conv_transpose_geometry`), one channel in and
    out; the page draws up to 16 cells per axis in 2-D (32 in 1-D), kernels up to 7, stride and
    dilation up to 4, padding up to 8 (``ValueError`` above that, as the page itself says).
    ``view="equivalent"`` opens a transposed convolution in the paper's view (zeros inserted,
    kernel rotated); ``numbers`` shows seeded values (input 1..4, kernel 1..3, from ``seed``)
    and the products being summed.

    >>> page = explorer(conv_geometry((4, 4), (3, 3)), numbers=True)
    >>> page.params["mode"], page.params["padding"], len(page.html) < 500_000
    ('conv', [0, 0], True)
    >>> explorer(conv_geometry((4, 4, 4), (3, 3, 3)))
    Traceback (most recent call last):
    ...
    ValueError: the geometry has 3 spatial axes; the explorer draws 1-D and 2-D geometries (tconv explain describes 3-D ones)
    """
    if geometry is None:
        geometry = DEFAULT_GEOMETRY
    if not isinstance(geometry, ConvGeometry):
        raise TypeError(f"geometry={geometry!r} must be a tconv.ConvGeometry (from tconv.conv_geometry or "
                        "tconv.conv_transpose_geometry)")
    _check_options(view, numbers, seed)
    if view == "equivalent" and not geometry.transposed:
        raise ValueError("view='equivalent' is the paper's picture of a transposed convolution; this geometry is "
                         "a convolution (use tconv.conv_transpose_geometry)")
    check_limits(geometry)
    params = geometry_params(geometry)
    data = {
        "initial": {"params": params, "view": view, "numbers": numbers, "seed": int(seed)},
        "limits": {"side": {str(n): side for n, side in LIMITS["side"].items()},
                   **{key: value for key, value in LIMITS.items() if key != "side"}},
        "presets": [{"name": name, "params": geometry_params(g)} for name, g in PRESETS],
        "cases": golden_cases(),
        "flags": COMMAND_LINE_NAMES,          # the library's argument names -> tconv explain's flags
    }
    return Explorer(_page(data), params)


def _read(name: str) -> str:
    text = (WEB / name).read_text(encoding="utf-8")
    if not name.endswith(".html") and "</script" in text.lower():
        raise RuntimeError(f"web/{name} contains '</script', which would end the page's script early")
    return text


def _page(data: dict) -> str:
    """Fill the template: the style, the data (JSON; ``</`` escaped), the two scripts."""
    from .. import __version__

    payload = json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":")).replace("</", "<\\/")
    scripts = "\n".join(f"<script>\n{_read(name)}</script>" for name in SCRIPTS)
    parts = {"STYLE": _read("explorer.css"), "VERSION": html.escape(__version__), "DATA": payload, "SCRIPTS": scripts}
    template = _read("explorer.html")
    for name in parts:
        if template.count(f"/*{name}*/") != 1:
            raise RuntimeError(f"web/explorer.html should hold /*{name}*/ once")
    return re.sub(r"/\*(STYLE|VERSION|DATA|SCRIPTS)\*/", lambda match: parts[match[1]], template)
