"""Winograd's tile transforms (:mod:`tconv.winograd`): gather tiles and multiply by small matrices per axis.

Both kernels work on the 5-D layout ``(N, C, D, H, W)`` (2-D problems have ``D = 1`` and
the identity ``[[1.]]`` as their z matrix), and on the *transformed* layout
``(αz * αy * αx, C, N * tiles)``: one ``C x tiles`` matrix per point ``ξ = (iz, iy, ix)`` of
the transformed tile, the right-hand side of one of the GEMMs. Column ``t`` of it is tile
``(n, tz, ty, tx)`` in row-major order, with one unused tile column per tile row on the input
side (:func:`padded_tiles`).

* :func:`tile_transform` (input side): ``out[ξ, c, t] = (Tz ⊗ Ty ⊗ Tx) @ d_t`` where ``d_t`` is
  the ``sz x sy x sx`` block of ``image[n, c]`` starting at ``tile * step - before`` (zeros
  outside the image). With ``T = Bᵀ`` and ``s = α`` it is Winograd's input transform
  ``Bᵀ d B``; with ``T = A`` and ``s = m`` (non-overlapping tiles) it is the transform of an
  output gradient, ``A dY Aᵀ``, that the weight gradient needs.
* :func:`output_transform`: ``out[n, c, tile] = (ATz ⊗ ATy ⊗ ATx) @ M[:, c, t] + bias[c]``,
  the ``m``-sized output tiles ``Aᵀ M A``, cropped at the bottom/right edges.

``geom`` is the int array ``(step_z, step_y, step_x, before_z, before_y, before_x,
tiles_z, tiles_y, tiles_x)``. Each kernel has a NumPy twin (``*_numpy``, same signature);
the tests check that they agree.

Threads: the loops are race-free for a ``prange`` over (channel, block of images) (each
iteration writes only its own columns / output planes) but compiled serial
(``PARALLEL = False``): the caller runs parts of the batch in parallel threads instead, each
with its transforms and its GEMMs (:mod:`tconv.methods.runtime` says why).

>>> import numpy as np
>>> from tconv.winograd import toom_cook
>>> t, one = toom_cook(2), np.ones((1, 1))
>>> image = np.arange(16.0).reshape(1, 1, 1, 4, 4)
>>> geom = np.array([1, 2, 2, 0, 0, 0, 1, 1, 1])        # one 4x4 tile, no padding
>>> padded_tiles((1, 1, 1), (1, 4, 4), (1, 2, 2))           # plus one unused column
(1, 1, 2)
>>> V = np.empty((16, 1, 2)); tile_transform(image, one, t.BT, t.BT, geom, V)
>>> M = V * (np.kron(t.G, t.G) @ np.ones(9))[:, None, None]   # times G g Gᵀ for g = ones(3, 3)
>>> wide = np.array([1, 2, 2, 0, 0, 0, 1, 1, 2])
>>> out = np.empty((1, 1, 1, 2, 2)); output_transform(M, one, t.AT, t.AT, wide, np.zeros(1), out)
>>> out[0, 0, 0]                                            # the four 3x3 window sums
array([[45., 54.],
       [81., 90.]])
"""
from __future__ import annotations

import numpy as np

from ._jit import jit, prange

__all__ = ["tile_transform", "output_transform", "padded_tiles", "tile_transform_numpy",
           "output_transform_numpy", "PARALLEL"]

#: Compile the transforms with ``prange`` threads (see the module docstring for why not).
PARALLEL = False


#: Target working set of one kernel iteration (bytes): a few images of one channel, in L2.
BLOCK_BYTES = 128 << 10


@jit()
def _stage(T, source, s_base, s_stride, step, shift, target, t_base, t_stride, length):
    """One axis of a transform, on flat contiguous runs (the only vectorised loops here).

    ``target[t_base + e*t_stride + j] = sum_l T[e, l] * source[s_base + (l % step)*s_stride
    + (l // step)*shift + j]`` for ``j < length``: tap ``l`` reads phase ``l % step``, shifted
    by ``l // step`` tiles. Zero entries of ``T`` are skipped.
    """
    for e in range(T.shape[0]):
        t0 = t_base + e * t_stride
        out = target[t0:t0 + length]             # 0-based views: LLVM vectorises these loops
        written = False
        for l in range(T.shape[1]):
            coefficient = T[e, l]
            if coefficient != 0:
                s0 = s_base + (l % step) * s_stride + (l // step) * shift
                run = source[s0:s0 + length]
                if written:
                    for j in range(length):
                        out[j] += coefficient * run[j]
                else:                            # the first tap writes: no zeroing pass
                    for j in range(length):
                        out[j] = coefficient * run[j]
                    written = True
        if not written:
            for j in range(length):
                out[j] = 0


@jit()
def _gather_row(row, phases, base, stride, mx, bx, qx):
    """Split one input row by x phase: ``phases[base + p*stride + q] = row[q*mx + p - bx]`` (inside the row).

    For ``mx`` 4 and 2 the interior is one loop reading ``mx`` neighbours per step (2x faster
    than a strided loop per phase, measured); the edges, and other ``mx``, go value by value.
    """
    width = row.shape[0]
    q0 = min(qx, max(0, (bx + mx - 1) // mx))          # first q whose mx reads are all inside
    q1 = max(q0, min(qx, (width + bx) // mx))          # q < q1: q*mx + mx - 1 - bx < width
    count = q1 - q0
    if count > 0 and mx == 4:
        src = row[q0 * 4 - bx:]
        d0 = phases[base + q0:]
        d1 = phases[base + stride + q0:]
        d2 = phases[base + 2 * stride + q0:]
        d3 = phases[base + 3 * stride + q0:]
        for j in range(count):
            d0[j] = src[4 * j]
            d1[j] = src[4 * j + 1]
            d2[j] = src[4 * j + 2]
            d3[j] = src[4 * j + 3]
    elif count > 0 and mx == 2:
        src = row[q0 * 2 - bx:]
        d0 = phases[base + q0:]
        d1 = phases[base + stride + q0:]
        for j in range(count):
            d0[j] = src[2 * j]
            d1[j] = src[2 * j + 1]
    else:
        q0 = q1 = qx
    for q in range(qx):                                # the edges (or everything, for other mx)
        if q0 <= q < q1:
            continue
        for p in range(mx):
            x = q * mx + p - bx
            if 0 <= x < width:
                phases[base + p * stride + q] = row[x]


@jit()
def _is_identity(T):
    return T.shape[0] == 1 and T.shape[1] == 1 and T[0, 0] == 1


def padded_tiles(tiles, sizes, steps) -> tuple[int, int, int]:
    """The tile counts of :func:`tile_transform`'s output: ``tx`` grows by ``(sx - 1) // mx`` columns.

    The x stage runs over whole rows of phase positions, one more than there are tiles when
    a tile reaches into the next one's phase (``sx > mx``); those extra columns are kept in
    ``out`` (finite values nobody reads: the output transform crops them, and the output
    gradient's transform, with ``sx = mx``, puts zeros there).

    >>> padded_tiles((1, 16, 16), (1, 6, 6), (1, 4, 4)), padded_tiles((1, 16, 16), (1, 4, 4), (1, 4, 4))
    ((1, 16, 17), (1, 16, 16))
    """
    return tiles[0], tiles[1], tiles[2] + (sizes[2] - 1) // steps[2]


@jit(parallel=PARALLEL)
def tile_transform(image, Tz, Ty, Tx, geom, out):
    """``out[ξ, c, t] = (Tz ⊗ Ty ⊗ Tx) @ block_t`` for every tile ``t`` of every ``image[n, c]``.

    Shapes: ``image (N, C, D, H, W)``; ``T* (α*, s*)``; ``out (αz*αy*αx, C, N*tz*ty*tx')``
    (C-contiguous) with ``tx' = tx + (sx - 1) // mx`` columns per tile row (:func:`padded_tiles`).

    One iteration takes one channel ``c`` of a block of images. It gathers their padded
    input once, split by phase on every axis (``image[z, y, x]`` with ``x = q*mx + p - bx``
    goes to phase ``p``, position ``q``), so that tap ``l`` of *every* tile is the same
    contiguous run of phase ``l % m`` shifted by ``l // m``. ``Tx`` and ``Tz`` are then a few
    long ``axpy`` loops over the whole block, and ``Ty`` writes each tile row straight into
    ``out`` (the ``tx' - tx`` extra columns hold finite garbage).

    Parallel contract: iteration ``(c, block)`` writes only the columns of its own images in
    row ``c`` of every ``ξ``: race-free for a ``prange``.
    """
    n_batch, channels, depth, height, width = image.shape
    az, sz = Tz.shape
    ay, sy = Ty.shape
    ax, sx = Tx.shape
    mz, my, mx, bz, by, bx, tz, ty, tx = geom
    qz, qy, qx = tz + (sz - 1) // mz, ty + (sy - 1) // my, tx + (sx - 1) // mx   # phase lengths
    plane = qz * qy * qx
    tiles = tz * ty * qx                                # out's columns per image
    per_image = plane * (mx * mz * my + 2 * ax * mz * my + ax * my * az) * out.itemsize
    block = max(1, min(n_batch, BLOCK_BYTES // per_image))
    blocks = (n_batch + block - 1) // block
    margin = max((sx - 1) // mx, (sy - 1) // my * qx, (sz - 1) // mz * qy * qx)   # the largest shift
    if out.shape[0] != az * ay * ax or out.shape[1] != channels or out.shape[2] != n_batch * tiles:
        raise ValueError("tile_transform: out must have shape (αz*αy*αx, C, N*tz*ty*tx') (see padded_tiles)")
    flat = out.reshape(-1)
    point_stride = channels * n_batch * tiles           # from one point ξ to the next in out
    for task in prange(channels * blocks):
        c = task // blocks
        n0 = (task - c * blocks) * block
        nb = min(block, n_batch - n0)
        run = nb * plane + margin                       # one phase of the block, padded
        phases = np.zeros(mx * mz * my * run, dtype=out.dtype)           # [px][pz][py][run]
        for n in range(nb):                             # gather, split by phase
            for z_pad in range(qz * mz):
                iz, pz = z_pad // mz, z_pad % mz
                z = z_pad - bz
                if z < 0 or z >= depth:
                    continue
                for y_pad in range(qy * my):
                    iy, py = y_pad // my, y_pad % my
                    y = y_pad - by
                    if y < 0 or y >= height:
                        continue
                    base = (pz * my + py) * run + ((n * qz + iz) * qy + iy) * qx
                    _gather_row(image[n0 + n, c, z, y], phases, base, mz * my * run, mx, bx, qx)
        along_x = np.empty(mz * my * ax * run, dtype=out.dtype)           # [pz][py][e][run]
        for pzy in range(mz * my):
            _stage(Tx, phases, pzy * run, mz * my * run, mx, 1, along_x, pzy * ax * run, run, run - margin)
        along_z = along_x                                                 # [i][py][e][run]
        if not _is_identity(Tz):
            along_z = np.empty(az * my * ax * run, dtype=out.dtype)
            _stage(Tz, along_x, 0, my * ax * run, mz, qy * qx, along_z, 0, my * ax * run, my * ax * run - margin)
        for i in range(az):                             # Ty, one tile row block per (n, tz) into out
            for e in range(ax):
                for n in range(nb):
                    for iz in range(tz):
                        source = (i * my * ax + e) * run + (n * qz + iz) * qy * qx
                        target = ((i * ay * ax + e) * channels + c) * n_batch * tiles + (n0 + n) * tiles + iz * ty * qx
                        _stage(Ty, along_z, source, ax * run, my, qx, flat, target, ax * point_stride, ty * qx)


@jit(parallel=PARALLEL)
def output_transform(M, ATz, ATy, ATx, geom, bias, out):
    """``out[n, c, tile] = (ATz ⊗ ATy ⊗ ATx) @ M[:, c, t] + bias[c]``, cropped to ``out``'s size.

    Shapes: ``M (αz*αy*αx, C, N*tiles)``; ``AT* (m*, α*)``; ``bias (C,)``; ``out (N, C, D, H, W)``.
    Only ``geom``'s tile counts are used. One iteration takes one channel of a block of
    images: ``ATy``, ``ATz`` and ``ATx`` as long ``axpy`` loops over all their tiles at once,
    then one interleaving copy (plus the bias) into the output planes. Parallel contract:
    iteration ``(c, block)`` writes only ``out[n, c]`` of its own images: race-free.
    """
    n_batch, channels, depth, height, width = out.shape
    mz, az = ATz.shape
    my, ay = ATy.shape
    mx, ax = ATx.shape
    tz, ty, tx = geom[6], geom[7], geom[8]
    tiles = tz * ty * tx
    if M.shape[0] != az * ay * ax or M.shape[1] != channels or M.shape[2] != n_batch * tiles:
        raise ValueError("output_transform: M must have shape (αz*αy*αx, C, N*tz*ty*tx)")
    if tz * mz < depth or ty * my < height or tx * mx < width:
        raise ValueError("output_transform: the tiles do not cover out")
    per_image = tiles * (az * ay * ax + az * ax * my + mz * ax * my + 1) * out.itemsize
    block = max(1, min(n_batch, BLOCK_BYTES // per_image))
    blocks = (n_batch + block - 1) // block
    flat = M.reshape(-1)
    row_stride = channels * n_batch * tiles                 # from one point ξ to the next in M
    for task in prange(channels * blocks):
        c = task // blocks
        n0 = (task - c * blocks) * block
        nb = min(block, n_batch - n0)
        run = nb * tiles
        first = c * n_batch * tiles + n0 * tiles
        shift = bias[c]
        along_y = np.empty(az * ax * my * run, dtype=out.dtype)           # [i][e][r][run]
        for i in range(az):
            for e in range(ax):
                _stage(ATy, flat, first + (i * ay * ax + e) * row_stride, ax * row_stride, ay, 0,
                       along_y, (i * ax + e) * my * run, run, run)
        result = along_y                                                  # [rz][e][r][run]
        if not _is_identity(ATz):
            result = np.empty(mz * ax * my * run, dtype=out.dtype)
            for er in range(ax * my):
                _stage(ATz, along_y, er * run, ax * my * run, az, 0, result, er * run, ax * my * run, run)
        values = np.empty(mx * run, dtype=out.dtype)
        for rz in range(mz):
            for r in range(my):
                _stage(ATx, result, (rz * ax * my + r) * run, my * run, ax, 0, values, 0, run, run)
                for p in range(mx):
                    x_stop = min(tx, (width - 1 - p) // mx + 1)      # tiles whose column p is inside
                    for n in range(nb):
                        for iz in range(tz):
                            z = iz * mz + rz
                            if z >= depth:
                                continue
                            for iy in range(ty):
                                y = iy * my + r
                                if y >= height:
                                    continue
                                dst = out[n0 + n, c, z, y, p::mx]
                                src = values[p * run + n * tiles + (iz * ty + iy) * tx:]
                                for t in range(x_stop):
                                    dst[t] = src[t] + shift


# --------------------------------------------------------------------------- NumPy twins


def _tiles_view(padded, steps, sizes, tiles):
    """``(N, C, tz, ty, tx, sz, sy, sx)``: the overlapping tiles of a padded array (a view)."""
    s = padded.strides
    shape = padded.shape[:2] + tuple(tiles) + tuple(sizes)
    strides = s[:2] + tuple(si * st for si, st in zip(s[2:], steps)) + s[2:]
    return np.lib.stride_tricks.as_strided(padded, shape, strides, writeable=False)


def tile_transform_numpy(image, Tz, Ty, Tx, geom, out):
    """NumPy twin of :func:`tile_transform`: pad/crop, a strided tile view, one ``einsum`` (extra columns: 0)."""
    steps, before, tiles = geom[0:3], geom[3:6], geom[6:9]
    sizes = (Tz.shape[1], Ty.shape[1], Tx.shape[1])
    needed = [(t - 1) * st + s for t, st, s in zip(tiles, steps, sizes)]
    padded = np.zeros(image.shape[:2] + tuple(needed), dtype=out.dtype)
    src, dst = [], []
    for axis in range(3):                    # the part of the image inside the padded block
        lo, hi = max(0, -before[axis]), min(image.shape[2 + axis], needed[axis] - before[axis])
        src.append(slice(lo, max(lo, hi)))
        dst.append(slice(lo + before[axis], max(lo, hi) + before[axis]))
    padded[(slice(None), slice(None)) + tuple(dst)] = image[(slice(None), slice(None)) + tuple(src)]
    blocks = _tiles_view(padded, steps, sizes, tiles)
    transformed = np.einsum("ia,kb,ec,nxzyvabc->ikexnzyv", Tz, Ty, Tx, blocks, optimize=True)
    wide = out.reshape(transformed.shape[:5] + padded_tiles(tuple(tiles), sizes, tuple(steps)))
    wide[...] = 0
    wide[..., :tiles[2]] = transformed


def output_transform_numpy(M, ATz, ATy, ATx, geom, bias, out):
    """NumPy twin of :func:`output_transform`: one ``einsum``, an interleaving reshape, a crop."""
    tiles = tuple(int(t) for t in geom[6:9])
    m = (ATz.shape[0], ATy.shape[0], ATx.shape[0])
    alphas = (ATz.shape[1], ATy.shape[1], ATx.shape[1])
    n, c = out.shape[:2]
    blocks = M.reshape(alphas + (c, n) + tiles)
    y = np.einsum("ri,qk,pe,ikecnzyv->nczryqvp", ATz, ATy, ATx, blocks, optimize=True)
    full = y.reshape((n, c) + tuple(t * mi for t, mi in zip(tiles, m)))
    out[...] = full[(slice(None), slice(None)) + tuple(slice(0, s) for s in out.shape[2:])]
    out += bias.reshape(1, -1, 1, 1, 1)
