"""The palette is told apart by every viewer: the perceptual distance, the simulation, and the check itself.

References: CIEDE2000 test pairs of Sharma, Wu & Dalal (2005, table 1); sRGB red in CIELAB (D65);
Machado, Oliveira & Fernandes (2009) dichromacy matrices (white stays white, red and green
collapse for a deuteranope).
"""
from __future__ import annotations

import numpy as np
import pytest

from tconv.viz import colour_vision as cv
from tconv.viz.cells import KERNEL, ROLE_STYLE
from tconv.viz.style import OKABE_ITO, Style, as_style, tint

SHARMA = [  # (L1, a1, b1), (L2, a2, b2), ΔE00
    ((50.0, 2.6772, -79.7751), (50.0, 0.0, -82.7485), 2.0425),
    ((50.0, 0.0, 0.0), (50.0, -1.0, 2.0), 2.3669),
    ((50.0, 2.5, 0.0), (73.0, 25.0, -18.0), 27.1492),
    ((50.0, 2.5, 0.0), (61.0, -5.0, 29.0), 22.8977),
    ((50.0, 2.5, 0.0), (56.0, -27.0, -3.0), 31.9030),
    ((50.0, 2.5, 0.0), (58.0, 24.0, 15.0), 19.4535),
    ((60.2574, -34.0099, 36.2677), (60.4626, -34.1751, 39.4387), 1.2644),
]


@pytest.mark.parametrize("lab1, lab2, expected", SHARMA)
def test_ciede2000_gives_sharmas_published_differences(lab1, lab2, expected):
    assert cv.delta_e(lab1, lab2) == pytest.approx(expected, abs=1e-4)
    assert cv.delta_e(lab2, lab1) == pytest.approx(expected, abs=1e-4)


def test_srgb_to_lab_known_values():
    assert cv.srgb_to_lab("#ffffff") == pytest.approx((100.0, 0.0, 0.0), abs=0.01)
    assert cv.srgb_to_lab("#ff0000") == pytest.approx((53.24, 80.09, 67.20), abs=0.01)
    assert cv.srgb_to_lab("#000000") == pytest.approx((0.0, 0.0, 0.0), abs=1e-9)


def test_the_simulation_keeps_white_and_confuses_red_with_green():
    for vision in cv.VISIONS:
        assert cv.simulate("#ffffff", vision) == pytest.approx((1.0, 1.0, 1.0), abs=1e-3)
        assert cv.simulate("#808080", vision) == pytest.approx(cv.simulate("#808080", "normal"), abs=2e-3)
    def far(vision):
        return cv.delta_e(cv.srgb_to_lab(cv.simulate("#ff0000", vision)), cv.srgb_to_lab(cv.simulate("#00ff00", vision)))
    assert far("normal") > 80 and far("deuteranopia") < 25 and far("protanopia") < 45
    with pytest.raises(ValueError, match="vision='achromat' must be one of"):
        cv.simulate("#ffffff", "achromat")


def test_every_pair_of_roles_is_told_apart_by_every_viewer():
    assert cv.check_roles() == []
    # the output_padding fill shares no hue with any tap of a kernel of up to four rows
    taps = {name for name in cv.role_colours() if name.startswith("kernel tap")}
    assert len(taps) == 12


def test_the_check_finds_the_old_clashes():
    old = {"output": (tint(OKABE_ITO["bluish green"], 0.35), ""),
           "kernel tap w22": (tint(OKABE_ITO["bluish green"], 0.30), ""),
           "output_padding": (tint(OKABE_ITO["orange"], 0.5), ""),
           "kernel tap w10": (tint(OKABE_ITO["orange"], 0.65), "")}
    pairs = {(a, b) for a, b, _, _ in cv.check_roles(old)}
    assert ("output", "kernel tap w22") in pairs and ("output_padding", "kernel tap w10") in pairs
    old["output_padding"] = (old["output_padding"][0], "x")          # a hatch tells them apart
    assert ("output_padding", "kernel tap w10") not in {(a, b) for a, b, _, _ in cv.check_roles(old)}


def test_black_cell_text_stays_readable_on_every_fill():
    fills = [fill for fill, _ in cv.role_colours().values()]
    assert min(cv.contrast("#000000", fill) for fill in fills) >= 4.4
    cells = [role for role in ROLE_STYLE if role != KERNEL]          # the kernel's cells are its taps' colours
    assert len({(str(ROLE_STYLE[role][1]), ROLE_STYLE[role][2]) for role in cells}) == len(cells)


def test_curves_stand_out_on_both_grounds():
    assert cv.check_lines() == []
    dark = as_style("slide,dark")
    assert cv.contrast(dark.ink, dark.face) > 12 and cv.contrast(Style().ink, Style().face) == pytest.approx(21)
    assert np.isfinite(cv.contrast(OKABE_ITO["orange"], "#ffffff"))
    assert cv.check_lines(minimum=25)                    # a bar no colour reaches: the check can fail
