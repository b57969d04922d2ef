"""Are the figures' colours told apart by every viewer? Colour-vision simulation and perceptual distances.

The palette is Okabe & Ito's (:data:`tconv.viz.style.OKABE_ITO`), lightened for cell fills so
that black text stays readable on them. Lightening brings colours closer together, so the
roles that sit next to each other in a figure (input, padding, output, ``output_padding``, the
kernel's taps, ...) are checked here, as a viewer with each common colour-vision deficiency
sees them:

1. :func:`simulate` maps an sRGB colour to what a protanope, deuteranope or tritanope sees
   (Machado, Oliveira & Fernandes 2009, severity 1: a 3x3 matrix on linear RGB);
2. :func:`srgb_to_lab` converts to CIELAB (D65), a space built so that distances follow
   perceived differences, and :func:`delta_e` is the CIEDE2000 distance in it
   (Sharma, Wu & Dalal 2005 give the formula and the test pairs the tests use);
3. :func:`check_roles` finds every pair of roles whose fills come closer than
   :data:`MIN_DELTA_E` for some viewer *and* are not told apart by a hatch either.

A ΔE00 of about 2 is the smallest difference most people notice side by side; cells are
compared across a grid, so the bar is set at :data:`MIN_DELTA_E` = 8. :func:`contrast` is the
WCAG contrast ratio, used for the curves drawn on a dark or light ground (at least 3:1 for
graphics).

>>> round(delta_e(srgb_to_lab("#ffffff"), srgb_to_lab("#000000")), 1)
100.0
>>> check_roles()
[]
"""
from __future__ import annotations

import math

import numpy as np

__all__ = ["VISIONS", "MIN_DELTA_E", "MIN_CONTRAST", "simulate", "srgb_to_lab", "delta_e", "contrast",
           "role_colours", "check_roles", "check_lines", "palette_table"]

#: Machado, Oliveira & Fernandes (2009), severity 1.0: linear-RGB matrices of each dichromacy.
VISIONS = {
    "normal": np.eye(3),
    "protanopia": np.array([[0.152286, 1.052583, -0.204868],
                            [0.114503, 0.786281, 0.099216],
                            [-0.003882, -0.048116, 1.051998]]),
    "deuteranopia": np.array([[0.367322, 0.860646, -0.227968],
                              [0.280085, 0.672501, 0.047413],
                              [-0.011820, 0.042940, 0.968881]]),
    "tritanopia": np.array([[1.255528, -0.076749, -0.178779],
                            [-0.078411, 0.930809, 0.147602],
                            [0.004733, 0.691367, 0.303900]]),
}
#: The smallest CIEDE2000 distance two roles' fills may have, for every viewer, unless a hatch tells them apart.
MIN_DELTA_E = 8.0
#: The smallest WCAG contrast of a curve against its ground.
MIN_CONTRAST = 3.0


def _rgb(colour) -> np.ndarray:
    if isinstance(colour, (tuple, list, np.ndarray)):
        return np.asarray(colour, float)[:3]
    from matplotlib.colors import to_rgb

    return np.asarray(to_rgb(colour), float)


def _linear(rgb: np.ndarray) -> np.ndarray:
    """sRGB (0..1) to linear light (IEC 61966-2-1)."""
    return np.where(rgb <= 0.04045, rgb / 12.92, ((rgb + 0.055) / 1.055) ** 2.4)


def _encode(linear: np.ndarray) -> np.ndarray:
    linear = np.clip(linear, 0, 1)
    return np.where(linear <= 0.0031308, 12.92 * linear, 1.055 * linear ** (1 / 2.4) - 0.055)


def simulate(colour, vision: str) -> tuple:
    """``colour`` as a viewer with ``vision`` (a key of :data:`VISIONS`) sees it, as sRGB in 0..1.

    >>> [round(v, 3) for v in simulate("#ffffff", "deuteranopia")]      # white stays white
    [1.0, 1.0, 1.0]
    """
    if vision not in VISIONS:
        raise ValueError(f"vision={vision!r} must be one of {tuple(VISIONS)}")
    return tuple(float(v) for v in _encode(VISIONS[vision] @ _linear(_rgb(colour))))


def srgb_to_lab(colour) -> tuple:
    """CIELAB ``(L, a, b)`` of an sRGB colour (D65 white), e.g. ``"#ff0000"`` or an RGB tuple in 0..1.

    >>> [round(v, 2) for v in srgb_to_lab("#ff0000")]
    [53.24, 80.09, 67.2]
    """
    r, g, b = _linear(_rgb(colour))
    x = 0.4124564 * r + 0.3575761 * g + 0.1804375 * b
    y = 0.2126729 * r + 0.7151522 * g + 0.0721750 * b
    z = 0.0193339 * r + 0.1191920 * g + 0.9503041 * b
    white = (0.95047, 1.0, 1.08883)

    def f(t):
        return t ** (1 / 3) if t > (6 / 29) ** 3 else t / (3 * (6 / 29) ** 2) + 4 / 29

    fx, fy, fz = (f(v / w) for v, w in zip((x, y, z), white))
    return float(116 * fy - 16), float(500 * (fx - fy)), float(200 * (fy - fz))


def delta_e(lab1, lab2) -> float:
    """The CIEDE2000 colour difference of two CIELAB colours (Sharma, Wu & Dalal 2005).

    >>> round(delta_e((50, 2.6772, -79.7751), (50, 0, -82.7485)), 4)
    2.0425
    """
    L1, a1, b1 = lab1
    L2, a2, b2 = lab2
    c_mean = (math.hypot(a1, b1) + math.hypot(a2, b2)) / 2
    g = 0.5 * (1 - math.sqrt(c_mean ** 7 / (c_mean ** 7 + 25 ** 7)))
    a1p, a2p = (1 + g) * a1, (1 + g) * a2
    c1p, c2p = math.hypot(a1p, b1), math.hypot(a2p, b2)
    h1p = math.degrees(math.atan2(b1, a1p)) % 360 if c1p else 0.0
    h2p = math.degrees(math.atan2(b2, a2p)) % 360 if c2p else 0.0
    dL, dC = L2 - L1, c2p - c1p
    if c1p * c2p == 0:
        dh = 0.0
    elif abs(h2p - h1p) <= 180:
        dh = h2p - h1p
    else:
        dh = h2p - h1p - 360 if h2p > h1p else h2p - h1p + 360
    dH = 2 * math.sqrt(c1p * c2p) * math.sin(math.radians(dh / 2))
    L_mean, cp_mean = (L1 + L2) / 2, (c1p + c2p) / 2
    if c1p * c2p == 0:
        h_mean = h1p + h2p
    elif abs(h1p - h2p) <= 180:
        h_mean = (h1p + h2p) / 2
    else:
        h_mean = (h1p + h2p + 360) / 2 if h1p + h2p < 360 else (h1p + h2p - 360) / 2
    t = (1 - 0.17 * math.cos(math.radians(h_mean - 30)) + 0.24 * math.cos(math.radians(2 * h_mean))
         + 0.32 * math.cos(math.radians(3 * h_mean + 6)) - 0.20 * math.cos(math.radians(4 * h_mean - 63)))
    d_theta = 30 * math.exp(-(((h_mean - 275) / 25) ** 2))
    r_c = 2 * math.sqrt(cp_mean ** 7 / (cp_mean ** 7 + 25 ** 7))
    s_l = 1 + 0.015 * (L_mean - 50) ** 2 / math.sqrt(20 + (L_mean - 50) ** 2)
    s_c = 1 + 0.045 * cp_mean
    s_h = 1 + 0.015 * cp_mean * t
    r_t = -math.sin(math.radians(2 * d_theta)) * r_c
    return math.sqrt((dL / s_l) ** 2 + (dC / s_c) ** 2 + (dH / s_h) ** 2 + r_t * (dC / s_c) * (dH / s_h))


def contrast(colour1, colour2) -> float:
    """The WCAG 2 contrast ratio of two colours (1 to 21).

    >>> round(contrast("#000000", "#ffffff"), 1)
    21.0
    """
    def luminance(colour):
        r, g, b = _linear(_rgb(colour))
        return 0.2126 * r + 0.7152 * g + 0.0722 * b

    high, low = sorted((luminance(colour1), luminance(colour2)), reverse=True)
    return float((high + 0.05) / (low + 0.05))


def role_colours(kernel_rows: int = 4) -> dict:
    """Every fill a grid figure can put side by side: ``name -> (fill, hatch)``.

    The cell roles of :data:`tconv.viz.cells.ROLE_STYLE` and the taps of a kernel with up to
    ``kernel_rows`` rows (:func:`tconv.viz.style.tap_colours`, three columns: from the darkest to
    the lightest shade of each row's hue).
    """
    from .cells import KERNEL, ROLE_STYLE
    from .style import tap_colours

    fills = {ROLE_STYLE[role][0]: (ROLE_STYLE[role][1], ROLE_STYLE[role][2] or "") for role in ROLE_STYLE
             if role != KERNEL}
    taps = tap_colours((kernel_rows, 3))
    for row in range(kernel_rows):
        for column in range(3):
            fills[f"kernel tap w{row}{column}"] = (tuple(taps[row, column]), "")
    return fills


def check_roles(fills: dict | None = None, minimum: float = MIN_DELTA_E) -> list:
    """The pairs of fills that some viewer cannot tell apart: ``[(name1, name2, vision, ΔE00), ...]``.

    Two fills pass when their CIEDE2000 distance is at least ``minimum`` for every vision of
    :data:`VISIONS`, or when they carry different hatches (the pattern tells them apart). Two
    taps of the same kernel row are not compared: they share a hue on purpose and are
    labelled (``w01``) in every picture.
    """
    fills = role_colours() if fills is None else fills
    names = list(fills)
    failures = []
    for n, first in enumerate(names):
        for second in names[n + 1:]:
            (c1, h1), (c2, h2) = fills[first], fills[second]
            if h1 != h2 or _same_row(first, second):
                continue
            for vision in VISIONS:
                distance = delta_e(srgb_to_lab(simulate(c1, vision)), srgb_to_lab(simulate(c2, vision)))
                if distance < minimum:
                    failures.append((first, second, vision, round(distance, 2)))
    return failures


def _same_row(first: str, second: str) -> bool:
    return first.startswith("kernel tap w") and second.startswith("kernel tap w") and first[12] == second[12]


def check_lines(minimum: float = MIN_CONTRAST) -> list:
    """Curve colours of each ground (:attr:`tconv.viz.style.Style.lines`) below ``minimum`` contrast, for every vision.

    >>> check_lines()
    []
    """
    from .style import Style

    failures = []
    for ground in ("light", "dark"):
        style = Style(ground=ground)
        for colour in style.lines:
            for vision in VISIONS:
                ratio = contrast(simulate(colour, vision), simulate(style.face, vision))
                if ratio < minimum:
                    failures.append((ground, colour, vision, round(ratio, 2)))
    return failures


def palette_table() -> str:
    """A Markdown table of the closest unhatched pair of fills for each vision (the docs print it)."""
    fills = role_colours()
    rows = ["| vision | closest pair of unhatched fills | ΔE00 |", "|---|---|---|"]
    for vision in VISIONS:
        best = None
        names = list(fills)
        for n, first in enumerate(names):
            for second in names[n + 1:]:
                (c1, h1), (c2, h2) = fills[first], fills[second]
                if h1 != h2 or _same_row(first, second):
                    continue
                d = delta_e(srgb_to_lab(simulate(c1, vision)), srgb_to_lab(simulate(c2, vision)))
                if best is None or d < best[0]:
                    best = (d, first, second)
        rows.append(f"| {vision} | {best[1]} / {best[2]} | {best[0]:.1f} |")
    return "\n".join(rows) + "\n"
