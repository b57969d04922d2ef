"""``RandomCrop`` and ``PadIfNeeded``: cut a window out, or grow the border, of image and masks.

Both act on the trailing spatial axes, so volumes ``(C, D, H, W)`` work too: ``RandomCrop``
takes an optional ``depth`` (``None`` keeps every slice) and ``PadIfNeeded`` an optional
``min_depth`` / ``pad_depth_divisor`` (albumentations spells these ``RandomCrop3D(size)`` and
``PadIfNeeded3D(min_zyx)``).
"""
from __future__ import annotations

import numpy as np

from ._checks import check_choice, check_fill, check_mask_fill, check_size
from .core import DualTransform

__all__ = ["RandomCrop", "PadIfNeeded"]

POSITIONS = ("center", "top_left", "top_right", "bottom_left", "bottom_right", "random")
BORDER_MODES = ("constant", "reflect")


class RandomCrop(DualTransform):
    """Crop a random ``height x width`` (x ``depth``) window, the same window from every target.

    Each corner offset is uniform over the valid positions: ``top`` in ``0..H-height``,
    ``left`` in ``0..W-width`` (and ``front`` in ``0..D-depth``), so
    ``out[..., i, j] = x[..., top + i, left + j]``. A crop larger than the input is an error
    (albumentations' ``pad_if_needed`` is not copied: put ``PadIfNeeded`` first). Default
    ``p=1.0``.

    >>> out = RandomCrop(2, 2, rng=np.random.default_rng(0))(image=np.zeros((1, 5, 4)), mask=np.zeros((5, 4), int))
    >>> out["image"].shape, out["mask"].shape
    ((1, 2, 2), (2, 2))
    """

    def __init__(self, height: int, width: int, depth: int | None = None, p: float = 1.0, *,
                 spatial_dims: int | None = None, rng: np.random.Generator | None = None):
        super().__init__(p=p, spatial_dims=spatial_dims, rng=rng)
        self.height = check_size("height", height)
        self.width = check_size("width", width)
        self.depth = check_size("depth", depth, allow_none=True)

    def check_spatial_dims(self, spatial_dims: int) -> None:
        super().check_spatial_dims(spatial_dims)
        if self.depth is not None and spatial_dims != 3:
            raise ValueError(f"RandomCrop: depth={self.depth} crops volumes; it needs spatial_dims=3, "
                             f"got spatial_dims={spatial_dims}")

    def get_params(self, sample, rng: np.random.Generator) -> dict:
        spatial = sample.spatial_shape
        sizes = (self.height, self.width)
        names = "(height, width)"
        if sample.spatial_dims == 3:
            sizes = (spatial[0] if self.depth is None else self.depth,) + sizes
            names = "(depth, height, width)"
        if any(size > available for size, available in zip(sizes, spatial)):
            raise ValueError(f"RandomCrop: the crop {names} = {sizes} is larger than the input's spatial "
                             f"shape {spatial}; pad first (PadIfNeeded) or crop smaller")
        starts = tuple(int(rng.integers(0, available - size, endpoint=True))
                       for size, available in zip(sizes, spatial))
        return {"starts": starts, "sizes": sizes}

    def apply(self, image: np.ndarray, starts: tuple, sizes: tuple) -> np.ndarray:
        window = tuple(slice(start, start + size) for start, size in zip(starts, sizes))
        return image[(Ellipsis,) + window]


def _padding_for_axis(size: int, minimum: int | None, divisor: int | None) -> tuple[int, int]:
    """(before, after) to reach ``minimum`` or a multiple of ``divisor``, split evenly (after gets the odd one)."""
    if minimum is not None:
        total = max(minimum - size, 0)
    elif divisor is not None:
        total = (divisor - size % divisor) % divisor
    else:
        total = 0
    return total // 2, total - total // 2


class PadIfNeeded(DualTransform):
    """Pad image and masks up to ``min_height x min_width`` (or to multiples of the divisors).

    Albumentations' arguments and defaults (``min_height=1024``, ``min_width=1024``, ``p=1.0``).
    Per axis, set either the minimum or the divisor, not both (pass ``min_height=None`` with
    ``pad_height_divisor=32``, e.g. to make sizes a U-Net can halve 5 times). The padding is
    split evenly (``before = total // 2``); ``position`` moves the input to a corner instead
    (``"top_left"`` puts all the padding after it) or to a random place (``"random"``: the
    before-part is uniform in ``0..total``). For volumes, ``min_depth`` / ``pad_depth_divisor``
    pad the depth axis, centred unless ``position="random"``.

    ``border_mode="constant"`` writes ``fill`` into the image and ``fill_mask`` into the masks;
    ``"reflect"`` mirrors the input without repeating the edge (``dcb|abcd|cba``: NumPy's
    ``"reflect"``, OpenCV's ``BORDER_REFLECT_101``), for image and masks alike.

    >>> out = PadIfNeeded(3, 4, fill_mask=9)(image=np.ones((1, 2)), mask=np.zeros((1, 2), int))
    >>> out["image"]
    array([[0., 0., 0., 0.],
           [0., 1., 1., 0.],
           [0., 0., 0., 0.]])
    >>> out["mask"][1]
    array([9, 0, 0, 9])
    """

    def __init__(self, min_height: int | None = 1024, min_width: int | None = 1024,
                 pad_height_divisor: int | None = None, pad_width_divisor: int | None = None,
                 position: str = "center", border_mode: str = "constant", fill: float = 0,
                 fill_mask: int = 0, p: float = 1.0, *, min_depth: int | None = None,
                 pad_depth_divisor: int | None = None, spatial_dims: int | None = None,
                 rng: np.random.Generator | None = None):
        super().__init__(p=p, spatial_dims=spatial_dims, rng=rng)
        self.min_height = check_size("min_height", min_height, allow_none=True)
        self.min_width = check_size("min_width", min_width, allow_none=True)
        self.min_depth = check_size("min_depth", min_depth, allow_none=True)
        self.pad_height_divisor = check_size("pad_height_divisor", pad_height_divisor, allow_none=True)
        self.pad_width_divisor = check_size("pad_width_divisor", pad_width_divisor, allow_none=True)
        self.pad_depth_divisor = check_size("pad_depth_divisor", pad_depth_divisor, allow_none=True)
        for axis in ("height", "width"):
            minimum, divisor = getattr(self, f"min_{axis}"), getattr(self, f"pad_{axis}_divisor")
            if (minimum is None) == (divisor is None):
                raise ValueError(f"PadIfNeeded: set exactly one of min_{axis} (got {minimum}) and "
                                 f"pad_{axis}_divisor (got {divisor})")
        if self.min_depth is not None and self.pad_depth_divisor is not None:
            raise ValueError("PadIfNeeded: set at most one of min_depth and pad_depth_divisor")
        self.position = check_choice("position", position, POSITIONS)
        self.border_mode = check_choice("border_mode", border_mode, BORDER_MODES)
        self.fill = check_fill("fill", fill)
        self.fill_mask = check_fill("fill_mask", fill_mask)

    def check_spatial_dims(self, spatial_dims: int) -> None:
        super().check_spatial_dims(spatial_dims)
        if spatial_dims != 3 and (self.min_depth is not None or self.pad_depth_divisor is not None):
            raise ValueError("PadIfNeeded: min_depth / pad_depth_divisor pad volumes; they need spatial_dims=3, "
                             f"got spatial_dims={spatial_dims}")

    def get_params(self, sample, rng: np.random.Generator) -> dict:
        *depth, height, width = sample.spatial_shape
        pad_h = _padding_for_axis(height, self.min_height, self.pad_height_divisor)
        pad_w = _padding_for_axis(width, self.min_width, self.pad_width_divisor)
        pads = [pad_h, pad_w]
        if depth:
            pads.insert(0, _padding_for_axis(depth[0], self.min_depth, self.pad_depth_divisor))
        if self.position == "random":
            totals = [before + after for before, after in pads]
            befores = [int(rng.integers(0, total, endpoint=True)) for total in totals]
            pads = [(before, total - before) for before, total in zip(befores, totals)]
        elif self.position != "center":
            vertical, horizontal = self.position.split("_")
            total_h, total_w = sum(pad_h), sum(pad_w)
            pads[-2] = (0, total_h) if vertical == "top" else (total_h, 0)
            pads[-1] = (0, total_w) if horizontal == "left" else (total_w, 0)
        return {"pads": tuple(pads)}

    def _pad(self, array: np.ndarray, pads: tuple, fill) -> np.ndarray:
        if not any(before or after for before, after in pads):
            return array
        widths = [(0, 0)] * (array.ndim - len(pads)) + list(pads)
        if self.border_mode == "reflect":
            return np.pad(array, widths, mode="reflect")
        return np.pad(array, widths, mode="constant", constant_values=fill)

    def apply(self, image: np.ndarray, pads: tuple) -> np.ndarray:
        return self._pad(image, pads, image.dtype.type(self.fill))

    def apply_to_mask(self, mask: np.ndarray, pads: tuple) -> np.ndarray:
        return self._pad(mask, pads, check_mask_fill(self.fill_mask, mask.dtype))
