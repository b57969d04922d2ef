"""Warping by inverse mapping: for each output pixel, find where it comes from and sample there.

**Pixel-centre convention.** Pixel ``(i, j)`` covers the square ``[i, i+1) x [j, j+1)`` of the
continuous plane; its centre is ``(i + 0.5, j + 0.5)``. Points are written ``(y, x)`` = (row,
column) in these units, so an ``H x W`` image covers ``[0, H) x [0, W)`` and its centre is
``(H/2, W/2)``.

**Inverse mapping.** A warp is a map ``T`` from input points to output points. To fill output
pixel ``(i, j)`` we take its centre, map it *back* through ``T^-1`` to a source point
``(y_s, x_s)``, and sample the input there. (Mapping input pixels forward would leave holes.)

**Sampling.**

* ``"bilinear"`` (images): the input's values live at the pixel centres, so with
  ``u = y_s - 0.5``, ``v = x_s - 0.5``, ``i0 = floor(u)``, ``a = u - i0`` (and ``j0``, ``b``
  likewise)::

      out = (1-a)(1-b) x[i0, j0] + (1-a) b x[i0, j0+1] + a (1-b) x[i0+1, j0] + a b x[i0+1, j0+1]

  where a neighbour outside the input counts as ``fill`` (so the border fades into the fill
  over half a pixel, as OpenCV's ``BORDER_CONSTANT``). A source point on a pixel centre has
  ``a = b = 0`` and returns that pixel exactly.
* ``"nearest"`` (masks): the pixel whose square contains the source point,
  ``(floor(y_s), floor(x_s))`` (a point on an edge goes to the pixel below/right of it), or
  ``fill`` if that pixel is outside. The output holds only values the input had, plus
  ``fill``: a mask never gains a class id.

Arrays are sampled on their last two axes; leading axes (channels, depth slices) all move
the same way.
"""
from __future__ import annotations

import numpy as np

__all__ = ["pixel_centres", "affine_source_points", "sample_bilinear", "sample_nearest", "warp"]

INTERPOLATIONS = ("bilinear", "nearest")


def pixel_centres(height: int, width: int) -> tuple[np.ndarray, np.ndarray]:
    """``(y, x)`` grids of shape ``(height, width)`` holding every pixel's centre.

    >>> y, x = pixel_centres(2, 3)
    >>> y[:, 0], x[0]
    (array([0.5, 1.5]), array([0.5, 1.5, 2.5]))
    """
    rows = np.arange(height) + 0.5
    columns = np.arange(width) + 0.5
    return np.meshgrid(rows, columns, indexing="ij")


def affine_source_points(matrix: np.ndarray, height: int, width: int) -> tuple[np.ndarray, np.ndarray]:
    """Source points ``(y_s, x_s)`` of every output pixel centre under the affine ``matrix``.

    ``matrix`` is the 3x3 forward map on homogeneous ``(x, y, 1)`` (column first, as
    OpenCV and albumentations write it). Its inverse is written out:
    ``[A t; 0 1]^-1 = [A^-1, -A^-1 t; 0 1]`` with the 2x2 ``A^-1 = [[d, -b], [-c, a]] / (ad - bc)``.

    >>> shift_right = np.array([[1.0, 0, 1], [0, 1, 0], [0, 0, 1]])   # x' = x + 1
    >>> ys, xs = affine_source_points(shift_right, 1, 3)
    >>> xs                                # output centre 1.5 comes from input centre 0.5
    array([[-0.5,  0.5,  1.5]])
    """
    (a, b, tx), (c, d, ty) = matrix[0], matrix[1]
    determinant = a * d - b * c
    if determinant == 0:
        raise ValueError("the affine matrix is singular (e.g. a scale of 0); it has no inverse")
    inv_a, inv_b, inv_c, inv_d = d / determinant, -b / determinant, -c / determinant, a / determinant
    y = (np.arange(height) + 0.5)[:, None] - ty        # pixel centres as a column and a row,
    x = (np.arange(width) + 0.5)[None, :] - tx         # broadcast to (height, width) below
    xs = inv_a * x + inv_b * y
    ys = inv_c * x + inv_d * y
    return ys, xs


def sample_bilinear(array: np.ndarray, ys: np.ndarray, xs: np.ndarray, fill=0.0) -> np.ndarray:
    """Bilinear samples of ``array`` (``(..., H, W)``, float) at the points ``(ys, xs)``.

    The result has shape ``(..., *ys.shape)`` and ``array``'s dtype.

    >>> x = np.array([[0.0, 10.0]])
    >>> sample_bilinear(x, np.array([0.5, 0.5, 0.5]), np.array([0.5, 1.0, 2.0]))
    array([0., 5., 5.])
    """
    height, width = array.shape[-2:]
    # One ring of ``fill`` around the input: every neighbour index can then be clipped into
    # the padded array, and a neighbour outside the input reads ``fill``.
    padded = np.full(array.shape[:-2] + (height + 2, width + 2), fill, dtype=array.dtype)
    padded[..., 1:-1, 1:-1] = array
    # Row/column coordinates in the padded array; a point beyond the ring is moved onto it
    # (where every neighbour is ``fill`` anyway).
    u = np.clip(ys - 0.5 + 1.0, 0, height + 1)
    v = np.clip(xs - 0.5 + 1.0, 0, width + 1)
    row0, col0 = np.floor(u), np.floor(v)
    a = (u - row0).astype(array.dtype)      # weight of the lower row
    b = (v - col0).astype(array.dtype)      # weight of the right column
    row0, col0 = row0.astype(np.intp), col0.astype(np.intp)
    row1 = np.minimum(row0 + 1, height + 1)
    col1 = np.minimum(col0 + 1, width + 1)
    # Gather the four neighbours through flat indices into each (padded) plane.
    planes = padded.reshape(array.shape[:-2] + (-1,))
    stride = width + 2

    def neighbour(rows, columns):
        return np.take(planes, rows * stride + columns, axis=-1)

    top = (1 - b) * neighbour(row0, col0) + b * neighbour(row0, col1)
    bottom = (1 - b) * neighbour(row1, col0) + b * neighbour(row1, col1)
    return (1 - a) * top + a * bottom


def sample_nearest(array: np.ndarray, ys: np.ndarray, xs: np.ndarray, fill=0) -> np.ndarray:
    """Nearest-neighbour samples: the value of the pixel whose square holds each point, or ``fill``.

    Any dtype (masks keep theirs); ``fill`` must fit it.

    >>> sample_nearest(np.array([[1, 2]]), np.array([0.5, 0.5, 0.5]), np.array([0.9, 1.0, 2.0]), fill=7)
    array([1, 2, 7])
    """
    height, width = array.shape[-2:]
    rows, columns = np.floor(ys), np.floor(xs)
    inside = (rows >= 0) & (rows < height) & (columns >= 0) & (columns < width)
    rows = np.clip(rows, 0, height - 1).astype(np.intp)
    columns = np.clip(columns, 0, width - 1).astype(np.intp)
    planes = array.reshape(array.shape[:-2] + (-1,))
    values = np.take(planes, rows * width + columns, axis=-1)
    return np.where(inside, values, np.asarray(fill, dtype=array.dtype))


def warp(array: np.ndarray, ys: np.ndarray, xs: np.ndarray, interpolation: str, fill) -> np.ndarray:
    """``sample_bilinear`` or ``sample_nearest``, by name (``"bilinear"`` / ``"nearest"``).

    >>> warp(np.array([[0.0, 10.0]]), np.array([[0.5]]), np.array([[1.25]]), "nearest", 0.0)
    array([[10.]])
    """
    if interpolation == "bilinear":
        return sample_bilinear(array, ys, xs, fill)
    return sample_nearest(array, ys, xs, fill)
