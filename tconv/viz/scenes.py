"""What the grid figures show, computed from the geometry: one :class:`Frame` per step.

Pure NumPy, no drawing. The frames themselves are made in :mod:`tconv.viz.scenes_conv`
(a convolution, one frame per output position) and :mod:`tconv.viz.scenes_transposed` (a
transposed convolution, in the scatter-add and in the paper's view); the helpers here (the
seeded values, names of taps and cells, the kernel panel, roles from per-axis kinds) serve both.

The values (with ``numbers=True``) are small seeded integers, and the results come from
:mod:`tconv.reference` (the library's own definitions), so a picture cannot disagree with the
arithmetic. The lecture notes' geometry (4x4 input, 3x3 kernel) uses the notes' ``M``, ``K`` and
``y = [[2, 1], [4, 4]]``.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ..geometry import ConvGeometry
from ..matrix import LECTURE_K, LECTURE_M, LECTURE_Y
from .cells import KERNEL, Panel
from .style import tap_colours

__all__ = ["Frame", "NBSP", "example_values", "kernel_panel", "tap_name", "tap_labels",
           "format_value", "spell_size", "spell_axes", "index_text", "empty_text", "nan_faces", "equation", "spans",
           "combine_roles", "outer_all"]

#: Equations with more products than this are shortened ("... 27 products").
MAX_TERMS = 12


@dataclass
class Frame:
    """The panels of one picture, the sentence under them, and the outline kinds to explain.

    >>> Frame([], "output[0] = 3").caption
    'output[0] = 3'
    """

    panels: list
    caption: str
    marks: list = field(default_factory=list)


def tap_name(tap) -> str:
    """The symbolic name of kernel tap ``tap``: ``w01`` (``w1_10`` when an index has two digits).

    >>> tap_name((0, 1)), tap_name((2,)), tap_name((1, 10))
    ('w01', 'w2', 'w1_10')
    """
    tap = tuple(int(t) for t in tap)
    joiner = "" if all(t < 10 for t in tap) else "_"
    return "w" + joiner.join(str(t) for t in tap)


def format_value(value: float) -> str:
    """A cell's number: an integer without ``.0``, otherwise 3 significant digits.

    >>> format_value(12.0), format_value(0.125), format_value(-0.0)
    ('12', '0.125', '0')
    """
    value = float(value)
    if value == int(value) and abs(value) < 1e9:
        return str(int(value))
    return f"{value:.3g}"


#: A space that text wrapping never breaks at (sizes and formulas stay on one line).
NBSP = "\u00a0"


def spell_size(size) -> str:
    """``(5, 5)`` -> ``'5 × 5'`` (with spaces that wrapping keeps together).

    >>> spell_size((5, 5)).replace(NBSP, " ")
    '5 × 5'
    """
    return f"{NBSP}×{NBSP}".join(str(int(n)) for n in size)


def spell_axes(values) -> str:
    """One value for every axis, or the tuple when the axes differ.

    >>> spell_axes((2, 2)), spell_axes((2, 1))
    ('2', '(2, 1)')
    """
    values = tuple(values)
    return str(values[0]) if len(set(values)) == 1 else "(" + ", ".join(str(v) for v in values) + ")"


def _along(arrays) -> list[np.ndarray]:
    """Per-axis 1-D arrays reshaped to broadcast against each other (axis n along dimension n)."""
    n = len(arrays)
    return [np.asarray(a).reshape([-1 if i == axis else 1 for i in range(n)]) for axis, a in enumerate(arrays)]


def outer_all(masks) -> np.ndarray:
    """N-D mask true where every axis' 1-D mask is true.

    >>> outer_all([np.array([True, False]), np.array([True, True, False])]).tolist()
    [[True, True, False], [False, False, False]]
    """
    grids = _along(masks)
    out = np.ones(tuple(m.size for m in masks), bool)
    for grid in grids:
        out = out & grid
    return out


def index_text(index) -> str:
    """A cell index as it is written in captions.

    >>> index_text((1, 2))
    '[1,2]'
    """
    return "[" + ",".join(str(int(i)) for i in index) + "]"


def _is_lecture(g: ConvGeometry) -> bool:
    return (g.image_size, g.feature_size, g.kernel_size) == ((4, 4), (2, 2), (3, 3)) and \
        g.stride == (1, 1) and g.padding == ((0, 0), (0, 0)) and g.dilation == (1, 1)


def example_values(g: ConvGeometry, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """The operator's input and kernel for the ``numbers`` pictures: small integers, seeded.

    Input values are drawn from 1..4 (so a zero in a picture is always padding or an inserted
    zero), kernel values from 1..3; every sum is an exact integer. The lecture notes' geometry
    gets the notes' ``M`` (or ``y``) and ``K``.

    >>> from tconv.geometry import conv_geometry
    >>> x, w = example_values(conv_geometry((4, 4), (3, 3)))
    >>> int(x[0, 0]), w[0].tolist()
    (4, [1.0, 4.0, 1.0])
    >>> x, w = example_values(conv_geometry((5,), (3,)), seed=1)
    >>> x.tolist(), w.tolist()
    ([2.0, 3.0, 4.0, 4.0, 1.0], [1.0, 3.0, 3.0])
    """
    if _is_lecture(g):
        return (LECTURE_Y.reshape(2, 2).copy() if g.transposed else LECTURE_M.copy()), LECTURE_K.copy()
    rng = np.random.default_rng(seed)
    x = rng.integers(1, 5, size=g.input_size).astype(float)
    w = rng.integers(1, 4, size=g.kernel_size).astype(float)
    return x, w


def tap_labels(w: np.ndarray | None, kernel_size, numbers: bool) -> np.ndarray:
    """Each kernel tap's label: its value (``numbers``) or its name; an object array of ``kernel_size``.

    >>> w = np.array([2.0, 5.0])
    >>> tap_labels(w, (2,), numbers=False).tolist(), tap_labels(w, (2,), numbers=True).tolist()
    (['w0', 'w1'], ['2', '5'])
    """
    labels = np.empty(kernel_size, dtype=object)
    for tap in np.ndindex(*kernel_size):
        labels[tap] = format_value(w[tap]) if numbers else tap_name(tap)
    return labels


def kernel_panel(g: ConvGeometry, w, numbers: bool, flipped: bool = False) -> Panel:
    """The kernel, each tap in its colour, labelled ``w01`` or by its value; or rotated 180°.

    >>> from tconv.geometry import conv_geometry
    >>> kernel_panel(conv_geometry((4,), (3,)), None, numbers=False, flipped=True).text.tolist()
    ['w2', 'w1', 'w0']
    """
    k = g.kernel_size
    labels = tap_labels(w, k, numbers)
    colours = tap_colours(k)
    title = f"kernel {spell_size(k)}"
    if flipped:
        flip = tuple(slice(None, None, -1) for _ in k)
        labels, colours = labels[flip], colours[flip]
        title = "kernel rotated 180°"
    return Panel(title, np.full(k, KERNEL), text=labels, face=colours, gid="kernel_rotated" if flipped else "kernel")


def empty_text(shape) -> np.ndarray:
    """An object array of ``shape`` holding empty strings (cells without text).

    >>> empty_text((1, 2)).tolist()
    [['', '']]
    """
    text = np.empty(shape, dtype=object)
    text[...] = ""
    return text


def nan_faces(shape) -> np.ndarray:
    """RGB fills ``(*shape, 3)`` all NaN: every cell keeps its role's colour until one is set.

    >>> nan_faces((2,)).shape
    (2, 3)
    """
    return np.full(tuple(shape) + (3,), np.nan)


def equation(target: str, pairs, total) -> str:
    """The sum of products written out, shortened beyond :data:`MAX_TERMS` products.

    >>> equation("y[0]", [(1, 2), (3, 4)], 14)
    'y[0] = 1·2 + 3·4 = 14'
    """
    terms = [f"{format_value(a)}·{format_value(b)}" for a, b in pairs]
    if len(terms) > MAX_TERMS:
        terms = terms[:MAX_TERMS - 2] + [f"... ({len(terms)} products)"]
    return f"{target} = {' + '.join(terms)} = {format_value(total)}"


def spans(starts, k_hat) -> str:
    """The rows/columns a window of extent ``k_hat`` covers from ``starts``, in words.

    >>> spans((0, 2), (3, 3))
    'rows 0..2, columns 2..4'
    """
    names = ("rows", "columns") if len(starts) == 2 else ("depths", "rows", "columns") if len(starts) == 3 \
        else ("positions",)
    return ", ".join(f"{name} {s}..{s + kh - 1}" for name, s, kh in zip(names, starts, k_hat))


def combine_roles(kinds, table) -> np.ndarray:
    """N-D roles from per-axis kind codes: the first code in ``table`` present on any axis wins.

    ``kinds`` holds one 1-D int array per axis; ``table`` is ``[(code, role), ..., (None, default)]``.

    >>> combine_roles([np.array([0, 1]), np.array([1, 1, 0])], [(0, 7), (None, 3)]).tolist()
    [[7, 7, 7], [3, 3, 7]]
    """
    grids = _along(kinds)
    shape = tuple(k.size for k in kinds)
    roles = np.full(shape, table[-1][1])
    decided = np.zeros(shape, bool)
    for code, role in table[:-1]:
        hit = np.zeros(shape, bool)
        for grid in grids:
            hit = hit | (grid == code)
        hit &= ~decided
        roles[hit] = role
        decided |= hit
    return roles
