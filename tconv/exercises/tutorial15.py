"""Graders of tutorial 15, the original U-Net.

* 15.1: the output side of a valid U-Net of depth 3 for a 188-pixel tile;
* 15.2: how many tiles a padded depth-3 U-Net runs on a 1000 x 1000 image in tiles of 256;
* 15.3: one pixel's border weight, ``w_c + w0·exp(-(d1 + d2)²/2σ²)``.
"""
from __future__ import annotations

import math

from ..seg.models import UNet, valid_output_size
from ..seg.train.tiling import tiles
from .compare import same_int, same_number
from .core import exercise

__all__ = []


@exercise("15.1", "a valid U-Net's output side", answer="an int (pixels)")
def valid_side(answer):
    expected = valid_output_size(188, 3)
    return same_int(answer, expected, name="your side", mistakes=[
        (188 - 2 * 4 * 7, "Subtracting 4 per level at the input's scale forgets that deeper levels work at half, "
                          "a quarter, an eighth of the size: follow the sizes level by level."),
        (188, "Valid convolutions shrink the map: the output is smaller than the tile."),
    ])


@exercise("15.2", "the tiles of a 1000 x 1000 image", answer="an int (tiles)")
def tile_count(answer):
    expected = len(tiles(UNet(base=1, depth=3), (1000, 1000), 256))
    return same_int(answer, expected, name="your count", mistakes=[
        (math.ceil(1000 / 256) ** 2, "Tiles overlap: each keeps 256 minus both margins, and that is the step."),
        (math.ceil(1000 / (256 - 56)) ** 2, "Each tile keeps 256 minus *both* margins (one on each side)."),
        (math.ceil(1000 / 144), "That is the count along one axis; the image is tiled along two."),
    ])


@exercise("15.3", "one pixel's border weight", answer="a number")
def border_weight(answer):
    expected = 1 + 10 * math.exp(-(2 + 3) ** 2 / (2 * 5 ** 2))
    return same_number(answer, expected, name="your weight", atol=1e-4, mistakes=[
        (10 * math.exp(-(2 + 3) ** 2 / (2 * 5 ** 2)), "That is the border term alone; add the class weight w_c."),
        (1 + 10 * math.exp(-(2 ** 2 + 3 ** 2) / (2 * 5 ** 2)), "The exponent squares the sum d1 + d2, not each "
                                                               "distance."),
        (1 + 10 * math.exp(-(2 + 3) ** 2 / (2 * 5)), "σ is squared in 2σ²."),
    ])
