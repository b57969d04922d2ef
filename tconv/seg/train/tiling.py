"""The overlap-tile strategy (Ronneberger et al. 2015): segment an image larger than memory, tile by tile.

An output pixel depends only on the input pixels within its reach
(:func:`tconv.seg.models.model_reach`). So cut the image into tiles that overlap by that much,
predict each tile, and keep from each only the pixels whose whole reach lay inside it: the
result is *exactly* the whole-image prediction, with no seams, provided every tile starts on
the pooling grid (a multiple of :func:`~tconv.seg.models.model_alignment`, ``2**depth``).

* A padded ("same") network: tiles are windows of the image itself; at the image's border a
  tile ends where the image ends, so it sees the same zero padding as the whole image does.
  (The FCN pads its upsampled scores to a ragged image's size partly *before* the first pixel,
  shifting its whole-image prediction by up to a pixel; its tiles agree with the whole image
  on sizes that are multiples of 8.)
* The paper's valid network (``UNet(padding="valid")``): its output is the centre of its input,
  smaller by a border ``b`` on each side; the image is extended by mirroring (the paper's
  figure 2) so the border pixels get context, and each tile's output is the centre of its input.
  The result equals the network run on the whole mirrored image.

:func:`tile_plan` is the arithmetic along one axis; :func:`predict_tiled` runs it.

>>> import numpy as np
>>> from tconv.seg.models import UNet
>>> model = UNet(base=2, depth=2).eval()
>>> x = np.random.default_rng(0).standard_normal((1, 1, 70, 52)).astype(np.float32)
>>> whole = model(x).data
>>> tiled = predict_tiled(model, x, tile=64)          # margins 24 + 24: each tile keeps 16 x 16
>>> float(np.abs(tiled - whole).max()) < 1e-5
True
"""
from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np

from ..._checks import check_int
from ...autograd import Tensor, no_grad
from ..models import model_alignment, model_reach, valid_input_sizes, valid_output_size

__all__ = ["Tile", "tile_plan", "tiles", "predict_tiled", "margins", "valid_border", "choose_tile", "smallest_tile"]


class Tile(NamedTuple):
    """One tile along one axis: the input window ``[start, stop)`` it reads and the output ``[keep_start, keep_stop)`` it keeps.

    Output positions are the image's; for a valid network the input window is in the
    coordinates of the mirrored image (``b`` pixels of mirror before position 0).
    """

    start: int
    stop: int
    keep_start: int
    keep_stop: int


def _round_up(value: int, step: int) -> int:
    return -(-value // step) * step


def margins(model) -> tuple[int, int]:
    """The context a tile needs on each side of the pixels it keeps: the reach, rounded up to the pooling grid.

    >>> from tconv.seg.models import UNet
    >>> margins(UNet(base=2, depth=3))                 # reach 51 each side, grid 8
    (56, 56)
    """
    left, right = model_reach(model)
    step = model_alignment(model)
    return _round_up(left, step), _round_up(right, step)


def valid_border(model) -> int:
    """The pixels a valid network loses on each side: ``(input - output) / 2`` (92 for the paper's depth 4).

    >>> from tconv.seg.models import UNet
    >>> valid_border(UNet(base=1, depth=4, padding="valid"))
    92
    """
    n = valid_input_sizes(model.depth, 1, 64 * 2 ** model.depth)[0]
    return (n - valid_output_size(n, model.depth)) // 2


def tile_plan(length: int, tile: int, before: int, after: int, step: int) -> list[Tile]:
    """The tiles of one axis of ``length`` pixels for a padded ("same") network.

    Each tile keeps ``core = tile - before - after`` pixels (the last may keep fewer) and reads
    ``before``/``after`` more on each side, clipped to the image. ``tile``, ``before`` and
    ``after`` must be multiples of ``step`` (the pooling grid), so every tile starts on it.
    One tile covers the whole axis when ``length <= tile``.

    >>> tile_plan(100, 48, 16, 16, 8)
    [Tile(start=0, stop=32, keep_start=0, keep_stop=16), Tile(start=0, stop=48, keep_start=16, keep_stop=32), Tile(start=16, stop=64, keep_start=32, keep_stop=48), Tile(start=32, stop=80, keep_start=48, keep_stop=64), Tile(start=48, stop=96, keep_start=64, keep_stop=80), Tile(start=64, stop=100, keep_start=80, keep_stop=96), Tile(start=80, stop=100, keep_start=96, keep_stop=100)]
    """
    for name, value in (("tile", tile), ("before", before), ("after", after)):
        if value % step:
            raise ValueError(f"{name}={value} must be a multiple of {step} (the pooling grid) so that tiles start on it")
    if length <= tile:
        return [Tile(0, length, 0, length)]
    core = tile - before - after
    if core < step:
        raise ValueError(f"tile={tile} leaves no room to keep: it needs the margins {before} + {after} and at least "
                         f"{step} pixels to keep; use a tile of at least {before + after + step}")
    plan = []
    for keep_start in range(0, length, core):
        keep_stop = min(keep_start + core, length)
        plan.append(Tile(max(0, keep_start - before), min(length, keep_stop + after), keep_start, keep_stop))
    return plan


def _valid_plan(length: int, tile: int, border: int, depth: int) -> tuple[list[Tile], int]:
    """The tiles of one axis for a valid network, and the mirrored length they read.

    ``tile`` is the output tile (a valid output size); tiles step by the largest multiple of
    ``2**depth`` not above it, and each reads ``tile + 2·border`` mirrored pixels.
    """
    step = 2 ** depth
    if valid_input_sizes(depth, tile + 2 * border, tile + 2 * border) == []:
        raise ValueError(f"tile={tile} is no output size of this valid U-Net (depth {depth}); output sizes step by "
                         f"{step}, e.g. {valid_output_size(valid_input_sizes(depth, 1, 64 * step)[0], depth)}")
    stride = (tile // step) * step
    if stride < step:
        raise ValueError(f"tile={tile} is smaller than the pooling grid {step}")
    plan = []
    for keep_start in range(0, length, stride):
        keep_stop = min(keep_start + stride, length) if keep_start + tile < length else length
        plan.append(Tile(keep_start, keep_start + tile + 2 * border, keep_start, keep_stop))
        if keep_stop == length:
            break
    return plan, plan[-1].stop


def tiles(model, size, tile: int) -> list[tuple[Tile, ...]]:
    """Every tile of an image of spatial ``size`` for ``model``: one :class:`Tile` per axis, axes combined.

    >>> from tconv.seg.models import UNet
    >>> len(tiles(UNet(base=2, depth=3), (300, 200), 256))         # keeps 144 of 256 per axis: 3 x 1 tiles
    3
    """
    tile = check_int("tile", tile, minimum=1)
    if getattr(model, "padding", "same") == "valid":
        border = valid_border(model)
        per_axis = [_valid_plan(n, tile, border, model.depth)[0] for n in size]
    else:
        before, after = margins(model)
        per_axis = [tile_plan(n, tile, before, after, model_alignment(model)) for n in size]
    combined = [()]
    for axis in per_axis:
        combined = [done + (t,) for done in combined for t in axis]
    return combined


def _mirror(x: np.ndarray, border: int, after: tuple) -> np.ndarray:
    """``x`` extended by mirroring: ``border`` pixels before every spatial axis, ``after[i]`` after axis ``i``."""
    pads = [(0, 0), (0, 0)] + [(border, a) for a in after]
    return np.pad(x, pads, mode="reflect" if min(x.shape[2:]) > 1 else "edge")


def predict_tiled(model, x, tile: int, *, progress=None) -> np.ndarray:
    """The logits of ``model`` on ``x (N, C, *spatial)``, computed tile by tile (the overlap-tile strategy).

    ``tile`` is the tile's side: for a padded network the input window (a multiple of
    ``model_alignment(model)``; each keeps ``tile`` minus the two :func:`margins`); for a
    valid network the output tile (a size the network makes, e.g. 388 for the paper's 572).
    Returns ``(N, num_classes, *spatial)``, equal to ``model(x)`` for a padded network (to
    float rounding) and to the network on the mirrored image for a valid one. ``progress``
    (optional) is called with ``(done, total)`` after each tile. The model runs in eval
    mode without recording a graph.
    """
    x = np.asarray(x.data if isinstance(x, Tensor) else x)
    if x.ndim != model.dim + 2:
        raise ValueError(f"predict_tiled: x must be (N, C, *spatial) with {model.dim} spatial axes; got {x.shape}")
    size = x.shape[2:]
    valid = getattr(model, "padding", "same") == "valid"
    plan = tiles(model, size, tile)
    if valid:
        border = valid_border(model)
        lengths = [_valid_plan(n, tile, border, model.depth)[1] for n in size]
        source = _mirror(x, border, tuple(length - n - border for length, n in zip(lengths, size)))
    else:
        source = x
    out = None
    was_training = model.training
    model.eval()
    try:
        with no_grad():
            for done, combination in enumerate(plan, start=1):
                window = (slice(None), slice(None)) + tuple(slice(t.start, t.stop) for t in combination)
                logits = model(Tensor(np.ascontiguousarray(source[window]))).data
                if out is None:
                    out = np.empty((x.shape[0], logits.shape[1]) + tuple(size), dtype=logits.dtype)
                # a padded network's tile output is its window; a valid one's starts at the kept pixels
                origin = [t.keep_start if valid else t.start for t in combination]
                keep = tuple(slice(t.keep_start - o, t.keep_stop - o) for t, o in zip(combination, origin))
                target = (slice(None), slice(None)) + tuple(slice(t.keep_start, t.keep_stop) for t in combination)
                out[target] = logits[(slice(None), slice(None)) + keep]
                if progress is not None:
                    progress(done, len(plan))
    finally:
        model.train(was_training)
    return out



def smallest_tile(model) -> int:
    """The smallest ``tile`` :func:`predict_tiled` takes for ``model``: both margins and one step of the grid
    (for a valid network, its smallest output).

    >>> from tconv.seg.models import UNet
    >>> smallest_tile(UNet(base=2, depth=3)), smallest_tile(UNet(base=2, depth=2, padding="valid"))
    (120, 4)
    """
    if getattr(model, "padding", "same") == "valid":
        return valid_output_size(valid_input_sizes(model.depth, 1, 64 * 2 ** model.depth)[0], model.depth)
    before, after = margins(model)
    return before + after + model_alignment(model)


def _tile_pixels(model, size, tile: int) -> int:
    """The input pixels of the largest tile of ``tile`` (clipped to the image for a padded network)."""
    if getattr(model, "padding", "same") == "valid":
        return (tile + 2 * valid_border(model)) ** len(size)
    return math.prod(min(tile, n) for n in size)


def choose_tile(model, size, budget: float, bytes_per_pixel: float, tile: int | None = None) -> int | None:
    """The tile side for predicting an image of spatial ``size`` within ``budget`` bytes, or None: all at once.

    ``bytes_per_pixel``: the network's memory per input pixel
    (:func:`tconv.seg.train.memory.bytes_per_pixel`). A padded network runs the whole image
    when it fits, else the largest tile (a multiple of the grid) that fits; a valid network
    always runs in tiles (its output is smaller than its input), the largest output tile that
    fits, up to one covering the image. ``tile`` (a user's choice) is checked and returned.
    ``ValueError`` when even the smallest tile does not fit, or ``tile`` is not one the model takes.

    >>> from tconv.seg.models import UNet
    >>> model = UNet(base=2, depth=3)
    >>> choose_tile(model, (1000, 1000), budget=10**9, bytes_per_pixel=500) is None      # 0.5 GB: at once
    True
    >>> choose_tile(model, (1000, 1000), budget=10**8, bytes_per_pixel=500)              # 100 MB: 440 x 440 tiles
    440
    """
    valid = getattr(model, "padding", "same") == "valid"
    step = 2 ** model.depth if valid else model_alignment(model)
    low = smallest_tile(model)
    if tile is not None:
        tile = check_int("tile", tile, minimum=1)
        if valid:
            if valid_input_sizes(model.depth, tile + 2 * valid_border(model), tile + 2 * valid_border(model)) == []:
                raise ValueError(f"tile={tile} is no output size of this valid U-Net; it makes {low}, {low + step}, "
                                 f"{low + 2 * step}, ... (a step of {step})")
        elif tile % step or tile < low:
            raise ValueError(f"tile={tile} must be a multiple of {step} (the pooling grid) and at least {low} (the "
                             f"margins {' + '.join(map(str, margins(model)))} that make tiles seamless, plus {step})")
        return tile
    if not valid and bytes_per_pixel * math.prod(size) <= budget:
        return None
    high = max(size) + step if valid else _round_up(max(size), step)
    best = None
    for candidate in range(low, high + 1, step):
        if bytes_per_pixel * _tile_pixels(model, size, candidate) > budget:
            break
        best = candidate
        if not valid and candidate >= max(size):
            break
    if best is None:
        raise ValueError(f"even the smallest seamless tile ({low} pixels, margins included) needs more memory than "
                         "allowed")
    return best
