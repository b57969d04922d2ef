"""Rasterising shapes: which pixel centres lie inside a disc, a square, a triangle, ...

A pixel ``(i, j)`` covers the unit square ``[i, i+1) x [j, j+1)`` and its centre is
``(i + 0.5, j + 0.5)`` (row first, as the array is indexed). A shape is painted on exactly
the pixels whose centre lies inside it. Every test below uses only ``+ - * /``, ``abs``,
``sqrt`` and comparisons, which IEEE 754 defines exactly, so the same parameters give the
same pixels on any machine (no ``sin``/``cos``, whose last bits differ between libraries).

Each shape is centred on the origin of its own *local* frame and has one size, its
circumradius ``r``: the shape fits in the ball of radius ``r``. A shape placed at ``centre``
with rotation ``R`` (an orthonormal matrix) covers the point ``p`` when its local
coordinates ``R @ (p - centre)`` are inside; :func:`local_coordinates` computes them for
every pixel centre at once. The 2-D shapes take local ``(y, x)`` arrays, the 3-D shapes
local ``(z, y, x)`` arrays, and return a boolean array of their broadcast shape.

Rotations come from rational formulas, again without ``sin``/``cos``: in 2-D the
tangent half-angle ``t = tan(theta / 2)`` gives ``cos(theta) = (1 - t^2) / (1 + t^2)`` and
``sin(theta) = 2t / (1 + t^2)``; in 3-D any non-zero quaternion ``(w, x, y, z)`` gives a
rotation matrix whose entries are its products divided by ``w^2 + x^2 + y^2 + z^2``.

>>> y, x = local_coordinates((5, 5), centre=(2.5, 2.5), rotation=np.eye(2))
>>> disc(y, x, 1.6).astype(int)
array([[0, 0, 0, 0, 0],
       [0, 1, 1, 1, 0],
       [0, 1, 1, 1, 0],
       [0, 1, 1, 1, 0],
       [0, 0, 0, 0, 0]])
"""
from __future__ import annotations

import numpy as np

__all__ = [
    "local_coordinates", "rotation_2d", "rotation_3d",
    "disc", "square", "triangle", "ring", "cross",
    "sphere", "cube", "cylinder", "torus",
    "RING_INNER_RATIO", "CROSS_WIDTH_RATIO", "TORUS_TUBE_RATIO",
]

RING_INNER_RATIO = 0.55     # a ring's inner radius over its outer radius
CROSS_WIDTH_RATIO = 1 / 3   # a cross's arm half-width over its arm half-length
TORUS_TUBE_RATIO = 1 / 3    # a torus' tube radius over its circumradius


def local_coordinates(shape, centre, rotation) -> list:
    """Local coordinates ``R @ (p - centre)`` of every pixel centre ``p`` of a grid.

    ``shape`` is the grid's size ``(H, W)`` or ``(D, H, W)``; ``p`` runs over the pixel
    centres ``(i + 0.5, j + 0.5, ...)``. Returns one array per axis, broadcastable to
    ``shape`` (each has the grid's shape).

    >>> y, x = local_coordinates((2, 3), centre=(1.0, 1.5), rotation=np.eye(2))
    >>> y.tolist(), x.tolist()
    ([[-0.5, -0.5, -0.5], [0.5, 0.5, 0.5]], [[-1.0, 0.0, 1.0], [-1.0, 0.0, 1.0]])
    """
    ndim = len(shape)
    offsets = []
    for axis, (side, middle) in enumerate(zip(shape, centre)):
        view = [1] * ndim
        view[axis] = side
        offsets.append((np.arange(side) + 0.5 - middle).reshape(view))
    rotation = np.asarray(rotation, dtype=np.float64)
    local = []
    for row in rotation:
        total = np.zeros(shape)
        for weight, offset in zip(row, offsets):
            total = total + weight * offset
        local.append(total)
    return local


def rotation_2d(t: float) -> np.ndarray:
    """The 2x2 rotation by ``theta = 2 atan(t)`` from the tangent half-angle ``t``.

    ``R = [[c, -s], [s, c]]`` with ``c = (1 - t^2) / (1 + t^2)``, ``s = 2t / (1 + t^2)``,
    acting on ``(y, x)``; ``t`` in ``[-1, 1]`` covers ``theta`` in ``[-90, 90]`` degrees.

    >>> rotation_2d(0.0).tolist()
    [[1.0, -0.0], [0.0, 1.0]]
    >>> rotation_2d(1.0).round(12).tolist()                 # a quarter turn
    [[0.0, -1.0], [1.0, 0.0]]
    """
    c = (1.0 - t * t) / (1.0 + t * t)
    s = 2.0 * t / (1.0 + t * t)
    return np.array([[c, -s], [s, c]])


def rotation_3d(quaternion) -> np.ndarray:
    """The 3x3 rotation matrix of the quaternion ``q = (w, x, y, z)`` (need not be unit).

    With ``n = w^2 + x^2 + y^2 + z^2`` (the usual formula, divided by ``n``)::

        [[w2+x2-y2-z2, 2(xy-wz),    2(xz+wy)   ],
         [2(xy+wz),    w2-x2+y2-z2, 2(yz-wx)   ],
         [2(xz-wy),    2(yz+wx),    w2-x2-y2+z2]] / n

    >>> rotation_3d((1.0, 0.0, 0.0, 0.0)).tolist()
    [[1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0]]
    >>> rotation_3d((1.0, 1.0, 0.0, 0.0)).round(12).tolist()   # a quarter turn about the first axis
    [[1.0, 0.0, 0.0], [0.0, 0.0, -1.0], [0.0, 1.0, 0.0]]
    """
    w, x, y, z = (float(q) for q in quaternion)
    n = w * w + x * x + y * y + z * z
    if n == 0.0:
        raise ValueError("rotation_3d: the quaternion (0, 0, 0, 0) has no rotation")
    return np.array([
        [w * w + x * x - y * y - z * z, 2 * (x * y - w * z), 2 * (x * z + w * y)],
        [2 * (x * y + w * z), w * w - x * x + y * y - z * z, 2 * (y * z - w * x)],
        [2 * (x * z - w * y), 2 * (y * z + w * x), w * w - x * x - y * y + z * z],
    ]) / n


# ---------------------------------------------------------------- 2-D shapes, local (y, x)

def disc(y, x, r):
    """The disc of radius ``r``: ``y^2 + x^2 <= r^2`` (area ``pi r^2``).

    >>> disc(np.array([0.0, 1.0]), np.array([1.0, 1.0]), 1.0).tolist()
    [True, False]
    """
    return y * y + x * x <= r * r


def square(y, x, r):
    """The square with circumradius ``r``: ``|y|, |x| <= r / sqrt(2)`` (area ``2 r^2``).

    >>> square(np.array([0.7, 0.72]), np.array([0.7, 0.0]), 1.0).tolist()
    [True, False]
    """
    half = r / np.sqrt(2.0)
    return (np.abs(y) <= half) & (np.abs(x) <= half)


def triangle(y, x, r):
    """The equilateral triangle with circumradius ``r``, apex at local ``(-r, 0)`` (up).

    Its three edges lie at distance ``r / 2`` from the centre, with outward normals
    ``(1, 0)``, ``(-1/2, sqrt(3)/2)`` and ``(-1/2, -sqrt(3)/2)`` in ``(y, x)``; the
    inside is where all three ``normal . (y, x) <= r / 2`` (area ``3 sqrt(3) / 4 r^2``).

    >>> triangle(np.array([-0.9, 0.45, 0.55]), np.array([0.0, 0.0, 0.0]), 1.0).tolist()
    [True, True, False]
    """
    half_root3 = np.sqrt(3.0) / 2.0
    return ((y <= r / 2) & (-y / 2 + half_root3 * x <= r / 2)
            & (-y / 2 - half_root3 * x <= r / 2))


def ring(y, x, r):
    """The annulus ``(RING_INNER_RATIO r)^2 <= y^2 + x^2 <= r^2`` (area ``pi r^2 (1 - 0.55^2)``).

    >>> ring(np.array([0.0, 0.0]), np.array([0.5, 0.8]), 1.0).tolist()
    [False, True]
    """
    squared = y * y + x * x
    inner = RING_INNER_RATIO * r
    return (squared >= inner * inner) & (squared <= r * r)


def cross(y, x, r):
    """A plus sign with circumradius ``r``: two bars of half-length ``L`` and half-width ``L/3``.

    ``L^2 + (L/3)^2 = r^2`` gives ``L = 3 r / sqrt(10)``; the area is ``20 L^2 / 9 = 2 r^2``.

    >>> cross(np.array([0.0, 0.9, 0.5]), np.array([0.9, 0.0, 0.5]), 1.0).tolist()
    [True, True, False]
    """
    length = 3.0 * r / np.sqrt(10.0)
    width = CROSS_WIDTH_RATIO * length
    ay, ax = np.abs(y), np.abs(x)
    return ((ay <= length) & (ax <= width)) | ((ay <= width) & (ax <= length))


# ---------------------------------------------------------------- 3-D shapes, local (z, y, x)

def sphere(z, y, x, r):
    """The ball ``z^2 + y^2 + x^2 <= r^2`` (volume ``4/3 pi r^3``).

    >>> sphere(np.array([0.5, 0.6]), np.array([0.5, 0.6]), np.array([0.5, 0.6]), 1.0).tolist()
    [True, False]
    """
    return z * z + y * y + x * x <= r * r


def cube(z, y, x, r):
    """The cube with circumradius ``r``: ``|z|, |y|, |x| <= r / sqrt(3)`` (volume ``(2r/sqrt(3))^3``).

    >>> cube(np.array([0.5, 0.6]), np.array([0.5, 0.0]), np.array([0.5, 0.0]), 1.0).tolist()
    [True, False]
    """
    half = r / np.sqrt(3.0)
    return (np.abs(z) <= half) & (np.abs(y) <= half) & (np.abs(x) <= half)


def cylinder(z, y, x, r):
    """The cylinder along local ``z`` with radius and half-height ``r / sqrt(2)`` (volume ``pi r^3 / sqrt(2)``).

    >>> cylinder(np.array([0.7, 0.0]), np.array([0.0, 0.5]), np.array([0.0, 0.5]), 1.0).tolist()
    [True, False]
    """
    half = r / np.sqrt(2.0)
    return (y * y + x * x <= half * half) & (np.abs(z) <= half)


def torus(z, y, x, r):
    """The torus around local ``z``: ``(sqrt(y^2 + x^2) - R)^2 + z^2 <= a^2``.

    Tube radius ``a = r / 3`` and ring radius ``R = r - a`` (so it fits in radius ``r``);
    volume ``2 pi^2 R a^2``.

    >>> torus(np.array([0.0, 0.0]), np.array([0.0, 0.0]), np.array([0.6, 0.0]), 1.0).tolist()
    [True, False]
    """
    tube = TORUS_TUBE_RATIO * r
    from_ring = np.sqrt(y * y + x * x) - (r - tube)
    return from_ring * from_ring + z * z <= tube * tube
