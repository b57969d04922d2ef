"""``Affine`` and ``ElasticTransform``: warps that move pixels by fractions of a pixel.

Both compute, once per call, the source point of every output pixel centre (see
:mod:`tconv.seg.augment.sampler` for the pixel-centre convention and the inverse mapping),
then sample the image there bilinearly and every mask by nearest neighbour, so the image and
its masks move together and a mask never gains a class id (except ``fill_mask`` where the
source point falls outside the input).

Volumes (``spatial_dims=3``): the warp is in the H-W plane and the same for every depth
slice (as albumentations applies its 2-D warps to volumes); nothing moves along depth.
Borders are constant only (``fill`` / ``fill_mask``); albumentations' other ``border_mode``
values are not copied. (This module was ``tconv.seg.augment.geometric``; that name still works,
deprecated: ``tconv._moved``.)
"""
from __future__ import annotations

import math
import numbers

import numpy as np

from ._checks import check_bool, check_choice, check_fill, check_mask_fill, check_number, to_range
from .core import DualTransform
from .filters import gaussian_smooth
from .sampler import INTERPOLATIONS, affine_source_points, pixel_centres, sample_nearest, warp

__all__ = ["Affine", "ElasticTransform", "affine_matrix"]


def _cos_sin(degrees: float) -> tuple[float, float]:
    """cos and sin of an angle in degrees, exact for multiples of 90 (so rotate=90 is a pure permutation)."""
    quarter, rest = divmod(degrees % 360, 90)
    if rest == 0:                  # (quarter % 4: a tiny negative angle % 360 rounds to 360.0)
        return [(1.0, 0.0), (0.0, 1.0), (-1.0, 0.0), (0.0, -1.0)][int(quarter) % 4]
    radians = math.radians(degrees)
    return math.cos(radians), math.sin(radians)


def affine_matrix(height: int, width: int, translate=(0.0, 0.0), shear=(0.0, 0.0), scale=(1.0, 1.0),
                  rotate: float = 0.0) -> np.ndarray:
    """The 3x3 forward map on ``(x, y, 1)``, about the image centre ``(W/2, H/2)``; pairs are ``(x, y)``.

    ``M = C T Sh R S C^-1`` (right to left: move the centre to the origin, scale, rotate, shear,
    translate, move back), albumentations' ``create_affine_transformation_matrix``:
    ``S = diag(sx, sy)``, ``R = [[cos r, sin r], [-sin r, cos r]]`` (with ``y`` pointing down,
    a positive ``r`` turns the picture counter-clockwise), ``Sh = [[1, tan hx], [tan hy, 1]]``,
    ``T`` adds ``(tx, ty)`` pixels.

    >>> affine_matrix(4, 4, rotate=90)                 # about (2, 2): (x, y) -> (y, 4 - x)
    array([[ 0.,  1.,  0.],
           [-1.,  0.,  4.],
           [ 0.,  0.,  1.]])
    """
    cos, sin = _cos_sin(rotate)
    centre = np.array([[1.0, 0.0, width / 2], [0.0, 1.0, height / 2], [0.0, 0.0, 1.0]])
    to_origin = np.array([[1.0, 0.0, -width / 2], [0.0, 1.0, -height / 2], [0.0, 0.0, 1.0]])
    scaling = np.diag([scale[0], scale[1], 1.0])
    rotation = np.array([[cos, sin, 0.0], [-sin, cos, 0.0], [0.0, 0.0, 1.0]])
    shearing = np.array([[1.0, math.tan(math.radians(shear[0])), 0.0],
                         [math.tan(math.radians(shear[1])), 1.0, 0.0], [0.0, 0.0, 1.0]])
    translation = np.array([[1.0, 0.0, translate[0]], [0.0, 1.0, translate[1]], [0.0, 0.0, 1.0]])
    return centre @ translation @ shearing @ rotation @ scaling @ to_origin


def _fixed_or_range(name: str, value, **bounds) -> tuple[float, float]:
    """albumentations' rule for Affine: a number is a fixed value ``(v, v)``, a pair a range."""
    return to_range(name, value, low=value if isinstance(value, numbers.Real) else None, **bounds)


def _per_axis(name: str, value, default: float, **bounds) -> dict:
    """A number or ``(a, b)`` for both axes, or ``{"x": ..., "y": ...}`` (a missing key: ``default``)."""
    if isinstance(value, dict):
        if not value or set(value) - {"x", "y"}:
            raise ValueError(f"{name}={value!r}: a dict takes the keys 'x' and/or 'y'")
        return {axis: _fixed_or_range(f"{name}[{axis!r}]", value.get(axis, default), **bounds)
                for axis in ("x", "y")}
    pair = _fixed_or_range(name, value, **bounds)
    return {"x": pair, "y": pair}


def _check_mask_interpolation(value) -> str:
    if value != "nearest":
        raise ValueError(f"mask_interpolation={value!r}: masks hold class ids and must use 'nearest' "
                         "(any other interpolation would invent ids between classes)")
    return value


class Affine(DualTransform):
    """Scale, rotate, shear and translate about the image centre, one draw for all targets.

    Albumentations' arguments, defaults and sampling (``p=0.5``):

    * ``scale`` (1.0 = unchanged): a number (fixed), a range ``(a, b)`` sampled independently
      for x and y (``keep_ratio=True``: one sample for both), or ``{"x": ..., "y": ...}``;
    * ``translate_percent`` (fraction of the width/height) or ``translate_px`` (whole pixels,
      drawn from ``a..b`` inclusive), same spellings; at most one of the two;
    * ``rotate`` in degrees, counter-clockwise on screen: a number (fixed) or a range;
    * ``shear`` in degrees: a number or range for both axes, or a dict per axis. As in
      albumentations the drawn angle ``h`` enters the matrix as ``tan(-h)``, so ``shear={"x": h}``
      with ``h > 0`` moves the rows below the centre to the left. A missing dict key means 0
      (albumentations' code puts 1 degree there);
    * ``interpolation="bilinear"`` (or ``"nearest"``) for the image,
      ``mask_interpolation="nearest"`` (the only choice: masks hold ids), ``fill`` and
      ``fill_mask`` for points that come from outside the input.

    Pixel-centre convention: pixel ``(i, j)`` covers ``[i, i+1) x [j, j+1)``, its centre is
    ``(i + 0.5, j + 0.5)`` and the image centre ``(H/2, W/2)``. The forward map is
    :func:`affine_matrix`; each output pixel centre is mapped back through its inverse and
    sampled there (bilinearly for the image, the containing pixel for masks; see
    :mod:`tconv.seg.augment.sampler`). So the identity is exact and ``rotate=90`` on a square
    image is exactly ``np.rot90``. The output keeps the input's size. Volumes get the same
    in-plane warp on every depth slice. Not copied: ``fit_output``, ``balanced_scale``,
    ``border_mode``, and the rounding of ``translate_percent`` to whole pixels (here it may
    move by fractions of a pixel).

    >>> img = np.arange(9.0).reshape(3, 3)
    >>> out = Affine(rotate=90, p=1.0)(image=img, mask=img.astype(int))
    >>> bool(np.array_equal(out["image"], np.rot90(img))), bool(np.array_equal(out["mask"], np.rot90(img)))
    (True, True)
    >>> Affine(translate_px={"x": 1}, p=1.0)(image=np.ones((1, 3)))["image"]
    array([[0., 1., 1.]])
    """

    def __init__(self, scale=(1.0, 1.0), translate_percent=None, translate_px=None, rotate=0.0,
                 shear=(0.0, 0.0), interpolation: str = "bilinear", mask_interpolation: str = "nearest",
                 fill: float = 0, fill_mask: int = 0, keep_ratio: bool = False, p: float = 0.5, *,
                 spatial_dims: int | None = None, rng: np.random.Generator | None = None):
        super().__init__(p=p, spatial_dims=spatial_dims, rng=rng)
        self.scale = _per_axis("scale", scale, 1.0, minimum=0.0)
        if min(self.scale["x"][0], self.scale["y"][0]) <= 0:
            raise ValueError(f"scale={scale!r} must be > 0 (a scale of 0 collapses the image to a point)")
        if translate_percent is not None and translate_px is not None:
            raise ValueError("Affine: give translate_percent or translate_px, not both")
        self.translate_percent = (None if translate_percent is None
                                  else _per_axis("translate_percent", translate_percent, 0.0))
        self.translate_px = _per_axis("translate_px", 0 if translate_px is None else translate_px, 0.0)
        for low, high in self.translate_px.values():
            if low != int(low) or high != int(high):
                raise ValueError(f"translate_px={translate_px!r} must be whole pixels (use translate_percent "
                                 "for fractions)")
        self.rotate = _fixed_or_range("rotate", rotate)
        self.shear = _per_axis("shear", shear, 0.0)
        if max(abs(v) for pair in self.shear.values() for v in pair) >= 90:
            raise ValueError(f"shear={shear!r} must lie strictly between -90 and 90 degrees")
        self.interpolation = check_choice("interpolation", interpolation, INTERPOLATIONS)
        self.mask_interpolation = _check_mask_interpolation(mask_interpolation)
        self.fill = check_fill("fill", fill)
        self.fill_mask = check_fill("fill_mask", fill_mask)
        self.keep_ratio = check_bool("keep_ratio", keep_ratio)
        if self.keep_ratio and self.scale["x"] != self.scale["y"]:
            raise ValueError(f"keep_ratio=True needs the same x and y scale range, got {self.scale}")

    def init_arguments(self) -> dict:
        arguments = super().init_arguments()
        if self.translate_percent is not None:          # translate_px holds zeros then; it was not given
            arguments["translate_px"] = None
        return arguments

    def get_params(self, sample, rng: np.random.Generator) -> dict:
        height, width = sample.spatial_shape[-2:]
        if self.translate_percent is not None:
            translate = (rng.uniform(*self.translate_percent["x"]) * width,
                         rng.uniform(*self.translate_percent["y"]) * height)
        else:
            translate = tuple(float(rng.integers(int(low), int(high), endpoint=True))
                              for low, high in (self.translate_px["x"], self.translate_px["y"]))
        shear = (-rng.uniform(*self.shear["x"]), -rng.uniform(*self.shear["y"]))
        scale = [rng.uniform(*self.scale["x"]), rng.uniform(*self.scale["y"])]
        if self.keep_ratio:
            scale[1] = scale[0]
        rotate = rng.uniform(*self.rotate)
        matrix = affine_matrix(height, width, translate, shear, scale, rotate)
        ys, xs = affine_source_points(matrix, height, width)
        return {"ys": ys, "xs": xs}

    def apply(self, image: np.ndarray, ys: np.ndarray, xs: np.ndarray) -> np.ndarray:
        return warp(image, ys, xs, self.interpolation, image.dtype.type(self.fill))

    def apply_to_mask(self, mask: np.ndarray, ys: np.ndarray, xs: np.ndarray) -> np.ndarray:
        return sample_nearest(mask, ys, xs, check_mask_fill(self.fill_mask, mask.dtype))


class ElasticTransform(DualTransform):
    """Elastic deformation: every pixel is displaced by a smooth random field (Simard et al. 2003).

    Albumentations' recipe and defaults (``alpha=1``, ``sigma=50``, ``p=0.5``): draw noise
    ``n`` of shape ``(2, H, W)`` (standard normal divided by its largest magnitude, or uniform
    in [-1, 1] for ``noise_distribution="uniform"``; one field for both axes if
    ``same_dxdy``), smooth each field with a Gaussian of ``sigma`` (radius ``round(4 sigma)``,
    reflect padding: :func:`~tconv.seg.augment.filters.gaussian_smooth`), multiply by ``alpha``.
    Output pixel ``(i, j)`` samples the input at its centre plus the displacement,
    ``(i + 0.5 + dy[i, j], j + 0.5 + dx[i, j])`` (pixel ``(i, j)`` covers ``[i, i+1) x [j, j+1)``;
    bilinear for the image, the containing pixel for masks). Volumes get the same in-plane
    field on every depth slice. Smoothing is an average and ``|n| <= 1``, so
    no pixel moves by more than ``alpha`` along either axis. Large ``sigma`` makes the field
    smoother and, after normalising, smaller: the popular ``alpha=34, sigma=4`` gives visible
    warps on 64x64 images, the defaults barely any. (Albumentations pads the fields by
    replicating the edge; here they share the blur's reflect padding.)

    >>> img = np.random.default_rng(0).random((1, 8, 8))
    >>> still = ElasticTransform(alpha=0.0, p=1.0)(image=img)["image"]     # no displacement
    >>> bool(np.array_equal(still, img))
    True
    """

    def __init__(self, alpha: float = 1, sigma: float = 50, interpolation: str = "bilinear",
                 same_dxdy: bool = False, mask_interpolation: str = "nearest",
                 noise_distribution: str = "gaussian", fill: float = 0, fill_mask: int = 0,
                 p: float = 0.5, *, spatial_dims: int | None = None, rng: np.random.Generator | None = None):
        super().__init__(p=p, spatial_dims=spatial_dims, rng=rng)
        self.alpha = check_number("alpha", alpha, minimum=0)
        self.sigma = check_number("sigma", sigma, minimum=1)
        self.interpolation = check_choice("interpolation", interpolation, INTERPOLATIONS)
        self.mask_interpolation = _check_mask_interpolation(mask_interpolation)
        self.same_dxdy = check_bool("same_dxdy", same_dxdy)
        self.noise_distribution = check_choice("noise_distribution", noise_distribution, ("gaussian", "uniform"))
        self.fill = check_fill("fill", fill)
        self.fill_mask = check_fill("fill_mask", fill_mask)

    def displacement(self, height: int, width: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
        """The displacement fields ``(dy, dx)``, each ``(height, width)``, in pixels."""
        shape = (1 if self.same_dxdy else 2, height, width)
        if self.noise_distribution == "gaussian":
            fields = rng.standard_normal(shape)
            largest = np.abs(fields).max()
            if largest > 1e-6:
                fields /= largest
        else:
            fields = rng.uniform(-1.0, 1.0, shape)
        fields = gaussian_smooth(fields, self.sigma, int(4 * self.sigma + 0.5)) * self.alpha
        return fields[-1], fields[0]

    def get_params(self, sample, rng: np.random.Generator) -> dict:
        height, width = sample.spatial_shape[-2:]
        dy, dx = self.displacement(height, width, rng)
        y, x = pixel_centres(height, width)
        return {"ys": y + dy, "xs": x + dx}

    def apply(self, image: np.ndarray, ys: np.ndarray, xs: np.ndarray) -> np.ndarray:
        return warp(image, ys, xs, self.interpolation, image.dtype.type(self.fill))

    def apply_to_mask(self, mask: np.ndarray, ys: np.ndarray, xs: np.ndarray) -> np.ndarray:
        return sample_nearest(mask, ys, xs, check_mask_fill(self.fill_mask, mask.dtype))
