"""Seeded synthetic segmentation data: grey images of shapes and their masks, in 2-D and 3-D.

Item ``i`` of a dataset is drawn from its own generator,
``np.random.default_rng(np.random.SeedSequence([seed, i]))``, so ``ds[i]`` does not depend
on which items were read before, and the same ``seed`` gives the same data on any machine
(the generator is NumPy's PCG64, the rasterisation exact arithmetic on pixel centres, see
:mod:`tconv.seg.data.rasterise`; only the Gaussian noise goes through NumPy's sampler).

How one item is drawn, in this order:

1. the number of shapes, uniform in ``count_range`` (both ends included);
2. the background: a level uniform in ``background_range`` and a linear ramp
   ``level + gradient * (u_y (y/H - 1/2) + u_x (x/W - 1/2))`` with ``gradient`` uniform in
   ``[0, gradient_max]`` and a random unit direction ``u`` (``y, x`` pixel centres);
3. for each shape: its class (uniform over ``1 .. num_classes - 1``), circumradius (uniform
   in ``radius_range`` times the smallest image side), centre (uniform, the whole shape
   inside the image), rotation, and contrast (uniform in ``contrast_range``, negative, i.e.
   darker than the background, with probability ``dark_fraction``);
4. painting: in order, each shape sets its pixels to ``background + contrast`` in the image
   and to its class in the mask, so later shapes cover earlier ones in both;
5. Gaussian noise of standard deviation ``noise_std``; the image is clipped to ``[0, 1]``.

Every class draws its contrast from the same range, and shapes may be darker or brighter
than a background that itself varies, so a pixel's brightness cannot tell its class: a
network has to learn shape (and edges). The keyword arguments are the difficulty knobs.

The class count includes the background (class 0), as MONAI's ``num_classes`` /
``out_channels`` do (MONAI's ``create_test_image_2d(num_seg_classes=...)`` counts only the
foreground classes).
"""
from __future__ import annotations

import numbers
from dataclasses import dataclass

import numpy as np

from . import rasterise
from ._checks import check_int, check_number, check_range, check_spatial_size

__all__ = ["Shape", "SyntheticShapes", "SyntheticShapes3D", "SHAPES_2D", "SHAPES_3D"]

#: The 2-D shape classes in class-id order (class 0 is the background).
SHAPES_2D = {"disc": rasterise.disc, "square": rasterise.square, "triangle": rasterise.triangle,
             "ring": rasterise.ring, "cross": rasterise.cross}
#: The 3-D shape classes in class-id order (class 0 is the background).
SHAPES_3D = {"sphere": rasterise.sphere, "cube": rasterise.cube, "cylinder": rasterise.cylinder,
             "torus": rasterise.torus}


@dataclass(frozen=True)
class Shape:
    """One painted shape: its class, where it is, how big, how it is turned and how bright.

    ``centre`` is in pixel units along the array axes (``(y, x)`` or ``(z, y, x)``);
    ``radius`` is the circumradius in pixels; ``rotation`` the matrix ``R`` (a tuple of
    rows) with local coordinates ``R @ (p - centre)``; ``contrast`` the intensity added to
    the background (negative: darker).

    >>> shape = SyntheticShapes(1, size=32, seed=0, count_range=(1, 1)).shapes(0)[0]
    >>> shape.name in ("disc", "square", "triangle"), 0.08 * 32 <= shape.radius <= 0.2 * 32
    (True, True)
    """

    class_id: int
    name: str
    centre: tuple
    radius: float
    rotation: tuple
    contrast: float


class _ShapesDataset:
    """The generator shared by :class:`SyntheticShapes` and :class:`SyntheticShapes3D`."""

    _shapes: dict = {}
    spatial_dims = 0

    def __init__(self, n, size, num_classes, seed, *, shapes, count_range, radius_range, contrast_range,
                 dark_fraction, background_range, gradient_max, noise_std):
        self.n = check_int("n", n, minimum=0)
        self.size = check_spatial_size("size", size, self.spatial_dims, minimum=2)
        if shapes is not None:
            shapes = tuple(shapes) if not isinstance(shapes, str) else (shapes,)
            unknown = [name for name in shapes if name not in self._shapes]
            if unknown or not shapes or len(set(shapes)) != len(shapes):
                raise ValueError(f"shapes={shapes!r} must name distinct shapes among {tuple(self._shapes)}")
            if num_classes is not None and num_classes != len(shapes) + 1:
                raise ValueError(f"num_classes={num_classes} disagrees with shapes={shapes!r}: {len(shapes)} shape "
                                 f"classes and the background make {len(shapes) + 1} (leave num_classes=None)")
            num_classes = len(shapes) + 1
        elif num_classes is None:
            raise ValueError("give num_classes or shapes")
        self.num_classes = check_int("num_classes", num_classes, minimum=2, maximum=len(self._shapes) + 1)
        self.seed = check_int("seed", seed, minimum=0)
        self.count_range = check_range("count_range", count_range, 0, 1000, integer=True)
        self.radius_range = check_range("radius_range", radius_range, 0.0, 0.5)
        self.contrast_range = check_range("contrast_range", contrast_range, 0.0, 1.0)
        self.dark_fraction = check_number("dark_fraction", dark_fraction, 0.0, 1.0)
        self.background_range = check_range("background_range", background_range, 0.0, 1.0)
        self.gradient_max = check_number("gradient_max", gradient_max, 0.0, 1.0)
        self.noise_std = check_number("noise_std", noise_std, 0.0)
        smallest_radius = self.radius_range[0] * min(self.size)
        if smallest_radius < 1.0:
            raise ValueError(f"radius_range={self.radius_range} times the smallest side {min(self.size)} gives "
                             f"shapes of radius {smallest_radius:g} pixels; the rule is at least 1 pixel "
                             "(raise radius_range[0] or size)")
        self.in_channels = 1
        names = shapes if shapes is not None else tuple(self._shapes)[: self.num_classes - 1]
        self.class_names = ("background", *names)

    def __len__(self) -> int:
        return self.n

    def __repr__(self) -> str:
        return (f"{type(self).__name__}(n={self.n}, size={self.size}, num_classes={self.num_classes}, "
                f"seed={self.seed})")

    def _index(self, index) -> int:
        if isinstance(index, bool) or not isinstance(index, numbers.Integral):
            raise TypeError(f"{type(self).__name__} index must be an integer, got {index!r}")
        if not -self.n <= index < self.n:
            raise IndexError(f"index {index} is out of range for a dataset of {self.n} items")
        return int(index) % self.n

    def _generator(self, index: int) -> np.random.Generator:
        return np.random.default_rng(np.random.SeedSequence([self.seed, index]))

    def _draw_rotation(self, rng) -> np.ndarray:
        """A random rotation for one shape (the 2-D and the 3-D generator each define it)."""
        raise NotImplementedError

    def _draw(self, rng):
        """Draw the background (level, gradient, direction) and the shapes, in the documented order."""
        count = int(rng.integers(self.count_range[0], self.count_range[1] + 1))
        level = rng.uniform(*self.background_range)
        gradient = rng.uniform(0.0, self.gradient_max)
        direction = rng.standard_normal(self.spatial_dims)
        direction = direction / max(np.sqrt(np.sum(direction * direction)), 1e-12)
        names = self.class_names
        shapes = []
        for _ in range(count):
            class_id = int(rng.integers(1, self.num_classes))
            radius = rng.uniform(*self.radius_range) * min(self.size)
            centre = tuple(float(rng.uniform(radius, side - radius)) for side in self.size)
            rotation = self._draw_rotation(rng)
            contrast = rng.uniform(*self.contrast_range)
            if rng.random() < self.dark_fraction:
                contrast = -contrast
            rows = tuple(tuple(row) for row in rotation.tolist())
            shapes.append(Shape(class_id, names[class_id], centre, float(radius), rows, float(contrast)))
        return (level, gradient, direction), shapes

    def shapes(self, index) -> list:
        """The :class:`Shape` records painted in item ``index``, in painting order.

        They are the same draws that ``ds[index]`` paints (without rendering any pixels).

        >>> ds = SyntheticShapes(4, size=32, seed=0, count_range=(1, 1))
        >>> (shape,) = ds.shapes(2)
        >>> np.unique(ds[2][1]).tolist() == [0, shape.class_id]
        True
        """
        return self._draw(self._generator(self._index(index)))[1]

    def _background(self, level, gradient, direction) -> np.ndarray:
        ramp = np.full(self.size, level)
        for axis, side in enumerate(self.size):
            view = [1] * self.spatial_dims
            view[axis] = side
            position = ((np.arange(side) + 0.5) / side - 0.5).reshape(view)
            ramp = ramp + gradient * direction[axis] * position
        return ramp

    def __getitem__(self, index):
        rng = self._generator(self._index(index))
        background_parameters, shapes = self._draw(rng)
        background = self._background(*background_parameters)
        image = background.copy()
        mask = np.zeros(self.size, dtype=np.int64)
        for shape in shapes:
            local = rasterise.local_coordinates(self.size, shape.centre, shape.rotation)
            inside = self._shapes[shape.name](*local, shape.radius)
            image[inside] = background[inside] + shape.contrast
            mask[inside] = shape.class_id
        if self.noise_std > 0:
            image = image + self.noise_std * rng.standard_normal(self.size)
        image = np.clip(image, 0.0, 1.0).astype(np.float32)
        return image[None], mask


class SyntheticShapes(_ShapesDataset):
    """``n`` seeded grey images of discs, squares, triangles, rings and crosses, with masks.

    ``ds[i]`` is ``(image, mask)``: ``image`` float32 ``(1, H, W)`` in ``[0, 1]``, ``mask``
    int64 ``(H, W)`` with class ids ``0 .. num_classes - 1`` (0 the background). The classes
    are the first ``num_classes - 1`` of ``disc, square, triangle, ring, cross`` (so
    ``num_classes`` is 2..6), or the ones named by ``shapes`` (e.g. ``("disc", "ring", "cross")``:
    class 1 is the disc, and so on; ``num_classes`` then follows); squares, triangles and crosses
    are turned by a random angle.
    How an item is drawn, and why brightness alone cannot tell the class, is in the module
    docstring. ``ds.shapes(i)`` lists what item ``i`` holds (:class:`Shape` records).

    Args (the keyword arguments are the difficulty knobs; defaults in brackets):
        n: number of items; size: ``H = W`` (an int) or ``(H, W)`` [64];
        num_classes: classes including the background [4]; seed: [0];
        shapes: the shape classes by name, in class-id order [the first ``num_classes - 1``];
        count_range: shapes per image, both ends included [(1, 4)];
        radius_range: circumradius as a fraction of the smallest side, below 0.5 [(0.08, 0.2)];
        contrast_range: ``|shape - background|`` intensity [(0.15, 0.4)];
        dark_fraction: probability that a shape is darker than the background [0.5];
        background_range: background level at the image centre [(0.3, 0.7)];
        gradient_max: largest background ramp across the image [0.2];
        noise_std: standard deviation of the Gaussian noise [0.06].

    >>> ds = SyntheticShapes(8, size=32, num_classes=3, seed=0)
    >>> image, mask = ds[5]
    >>> image.shape, image.dtype, mask.shape, mask.dtype
    ((1, 32, 32), dtype('float32'), (32, 32), dtype('int64'))
    >>> ds.class_names, ds.in_channels, ds.spatial_dims, len(ds)
    (('background', 'disc', 'square'), 1, 2, 8)
    >>> SyntheticShapes(2, size=32, shapes=("ring", "cross")).class_names
    ('background', 'ring', 'cross')
    >>> bool(np.array_equal(mask, SyntheticShapes(8, 32, 3, seed=0)[5][1]))   # same seed, same data
    True
    >>> [(s.name, s.class_id) for s in ds.shapes(5)] == [(s.name, s.class_id) for s in ds.shapes(5)]
    True
    """

    _shapes = SHAPES_2D
    spatial_dims = 2

    def __init__(self, n, size=64, num_classes=None, seed=0, *, shapes=None, count_range=(1, 4),
                 radius_range=(0.08, 0.2), contrast_range=(0.15, 0.4), dark_fraction=0.5, background_range=(0.3, 0.7),
                 gradient_max=0.2, noise_std=0.06):
        if num_classes is None and shapes is None:
            num_classes = 4
        super().__init__(n, size, num_classes, seed, shapes=shapes, count_range=count_range, radius_range=radius_range,
                         contrast_range=contrast_range, dark_fraction=dark_fraction,
                         background_range=background_range, gradient_max=gradient_max, noise_std=noise_std)

    def _draw_rotation(self, rng) -> np.ndarray:
        return rasterise.rotation_2d(rng.uniform(-1.0, 1.0))


class SyntheticShapes3D(_ShapesDataset):
    """``n`` seeded grey volumes of spheres, cubes, cylinders and tori, with masks.

    ``ds[i]`` is ``(image float32 (1, D, H, W) in [0, 1], mask int64 (D, H, W))``; the classes
    are the first ``num_classes - 1`` of ``sphere, cube, cylinder, torus`` (``num_classes``
    2..5); cubes, cylinders and tori are turned by a random rotation (a quaternion with
    entries uniform in ``[-1, 1]``: every orientation occurs, not exactly uniformly). The
    drawing and the knobs are those of :class:`SyntheticShapes` (module docstring), with
    defaults ``size=32``, ``num_classes=3`` and ``radius_range=(0.15, 0.3)``.

    >>> ds = SyntheticShapes3D(4, size=16, seed=1)
    >>> image, mask = ds[0]
    >>> image.shape, mask.shape, ds.class_names
    ((1, 16, 16, 16), (16, 16, 16), ('background', 'sphere', 'cube'))
    """

    _shapes = SHAPES_3D
    spatial_dims = 3

    def __init__(self, n, size=32, num_classes=None, seed=0, *, shapes=None, count_range=(1, 4),
                 radius_range=(0.15, 0.3), contrast_range=(0.15, 0.4), dark_fraction=0.5, background_range=(0.3, 0.7),
                 gradient_max=0.2, noise_std=0.06):
        if num_classes is None and shapes is None:
            num_classes = 3
        super().__init__(n, size, num_classes, seed, shapes=shapes, count_range=count_range, radius_range=radius_range,
                         contrast_range=contrast_range, dark_fraction=dark_fraction,
                         background_range=background_range, gradient_max=gradient_max, noise_std=noise_std)

    def _draw_rotation(self, rng) -> np.ndarray:
        quaternion = rng.uniform(-1.0, 1.0, size=4)
        if np.sum(quaternion * quaternion) < 1e-12:   # (practically never) no rotation
            quaternion = np.array([1.0, 0.0, 0.0, 0.0])
        return rasterise.rotation_3d(quaternion)
