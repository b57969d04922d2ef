"""The polyphase view: a stride-``s`` (transposed) convolution as ``s^d`` stride-1 convolutions.

Feature position ``m`` and kernel tap ``t`` touch image position ``j = m*s - p + t*d`` (per
axis, ``p`` the padding before). Split the image positions by their *phase* ``c = j mod s``,
``j = c + s*q``. Tap ``t`` reaches phase ``c`` exactly when ``t*d - p ≡ c (mod s)``, and
then at ``q = m + f_t`` with the integer offset ``f_t = (t*d - p - c) / s``. The taps of one
phase, ``t_0 < t_1 < ...``, are ``s / gcd(s, d)`` apart and their offsets ``d' = d / gcd(s, d)``
apart, so on phase ``c`` the operator is a **stride-1 convolution** with the *sub-kernel*
``w[t_0], w[t_1], ...`` and dilation ``d'``:

* convolution (``C @ x``):  ``y = Σ_c conv_1(x_c, w_c)``, the phases ``x_c = x[c::s]`` of the
  input each convolved with their sub-kernel at stride 1 and summed;
* transposed convolution (``C.T @ y``): ``x_c = conv_1ᵀ(y, w_c)``, each output phase a stride-1
  transposed convolution (a stride-1 convolution with the flipped sub-kernel) of the whole
  input, and the ``s^d`` results interleaved. No product with an inserted zero is computed
  (zero insertion, the paper's view, spends ``1 - 1/s^d`` of its products on zeros).

In the matrix: column ``j`` of ``C`` (row ``j`` of ``C.T``) holds the taps that write output
pixel ``j`` of the transposed convolution, and away from the border those are exactly the taps
of ``j``'s phase (:func:`matrix_sub_kernels` reads them off ``C``). A kernel whose size is not
a multiple of the stride gives phases of different sizes (kernel 3, stride 2: 2 taps and 1
tap): the uneven overlap of the checkerboard. Sub-pixel convolution (Shi et al. 2016) computes
the ``s^d`` phases as the ``s^d`` channel groups of one stride-1 convolution and interleaves
them with a pixel shuffle; section 2.2 of their paper is this equivalence.

>>> from tconv.geometry import conv_transpose_geometry
>>> [(p.phase, p.taps) for p in phases(conv_transpose_geometry((4,), (4,), stride=2, padding=1))]
[((0,), ((1, 3),)), ((1,), ((0, 2),))]
"""
from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np

from .geometry import ConvGeometry, conv_geometry

__all__ = ["AxisPhase", "Phase", "axis_phases", "phases", "sub_kernel", "phase_of_tap", "matrix_sub_kernels",
           "sub_pixel_weight"]


class AxisPhase(NamedTuple):
    """One phase of one axis: the image positions ``j ≡ phase (mod s)`` and the taps that write them.

    * ``phase``: ``c``; image positions ``c + s*q`` for ``q`` in ``image`` (a ``(start, stop)`` pair of
      phase coordinates, only those some tap reaches);
    * ``taps``: the kernel taps ``t`` with ``t*d - p ≡ c (mod s)``, ascending (the sub-kernel);
    * ``dilation``: ``d' = d / gcd(s, d)``, the spacing of the sub-kernel's reads in the phase;
    * ``feature``: the ``(start, stop)`` of the feature positions ``m`` that reach the phase;
    * ``padding``: ``(before, after)`` of the stride-1 convolution between the two ranges.
    """

    phase: int
    taps: tuple
    dilation: int
    image: tuple
    feature: tuple
    padding: tuple


def axis_phases(image: int, feature: int, kernel_size: int, stride: int, padding: int = 0,
                dilation: int = 1) -> list[AxisPhase]:
    """The phases of one axis that some tap writes (``padding`` is the padding before).

    Image positions of a phase no tap reaches (a kernel shorter than the stride leaves holes),
    and a phase with no in-range position, are left out: the transposed convolution is zero there.

    >>> [(a.phase, a.taps, a.dilation) for a in axis_phases(8, 4, 3, 2, 1)]     # kernel 3, stride 2
    [(0, (1,), 1), (1, (0, 2), 1)]
    >>> [a.taps for a in axis_phases(9, 3, 3, 3, 0, dilation=2)]                 # 3 taps, one per phase
    [(0,), (2,), (1,)]
    """
    s, d, p = stride, dilation, padding
    d_phase = d // math.gcd(s, d)
    found = []
    for c in range(min(s, image)):
        taps = tuple(t for t in range(kernel_size) if (t * d - p - c) % s == 0)
        if not taps:
            continue
        n_c = len(range(c, image, s))
        f0 = (taps[0] * d - p - c) // s                 # offset of the first tap (exact)
        reach = (len(taps) - 1) * d_phase               # the sub-kernel's extent minus one
        m_lo = max(0, -(f0 + reach))                    # some tap lands at q >= 0
        m_hi = min(feature - 1, n_c - 1 - f0)           # some tap lands at q < n_c
        if m_lo > m_hi:
            continue
        q_lo = max(0, m_lo + f0)
        q_hi = min(n_c - 1, m_hi + f0 + reach)
        before = max(0, -(m_lo + f0))
        after = max(0, m_hi + f0 + reach - (n_c - 1))
        found.append(AxisPhase(c, taps, d_phase, (q_lo, q_hi + 1), (m_lo, m_hi + 1), (before, after)))
    return found


class Phase(NamedTuple):
    """One phase of a geometry: a tuple of :class:`AxisPhase`, one per spatial axis.

    ``geometry`` is the stride-1 convolution between the phase's image positions and its
    feature positions, with the sub-kernel (:func:`sub_kernel`) as its kernel.
    """

    axes: tuple
    stride: tuple
    geometry: ConvGeometry

    @property
    def phase(self) -> tuple:
        """``c`` per axis: the image positions ``j ≡ c (mod s)``."""
        return tuple(a.phase for a in self.axes)

    @property
    def taps(self) -> tuple:
        """The sub-kernel's taps, per axis."""
        return tuple(a.taps for a in self.axes)

    @property
    def image_index(self) -> tuple:
        """Slices selecting the phase's image positions from the spatial axes (``x[(..., *image_index)]``)."""
        return tuple(slice(a.phase + s * a.image[0], a.phase + s * (a.image[1] - 1) + 1, s)
                     for a, s in zip(self.axes, self.stride))

    @property
    def feature_index(self) -> tuple:
        """Slices selecting the feature positions that reach the phase."""
        return tuple(slice(*a.feature) for a in self.axes)


def phases(geometry: ConvGeometry) -> list[Phase]:
    """The ``prod(s)`` (at most) phases of ``geometry``, each with its stride-1 geometry.

    >>> from tconv.geometry import conv_transpose_geometry
    >>> g = conv_transpose_geometry((3, 3), (3, 3), stride=2, padding=1, output_padding=1)   # 3x3 -> 6x6
    >>> [(p.phase, [len(t) for t in p.taps], p.geometry.feature_size) for p in phases(g)]
    [((0, 0), [1, 1], (3, 3)), ((0, 1), [1, 2], (3, 3)), ((1, 0), [2, 1], (3, 3)), ((1, 1), [2, 2], (3, 3))]
    """
    per_axis = [axis_phases(i, f, k, s, b, d) for i, f, k, s, (b, _), d in
                zip(geometry.image_size, geometry.feature_size, geometry.kernel_size, geometry.stride,
                    geometry.padding, geometry.dilation)]
    found = []
    for combination in _product(per_axis):
        g = conv_geometry(tuple(a.image[1] - a.image[0] for a in combination),
                          tuple(len(a.taps) for a in combination), 1,
                          tuple(a.padding for a in combination), tuple(a.dilation for a in combination))
        found.append(Phase(tuple(combination), geometry.stride, g))
    return found


def _product(lists):
    if not lists:
        return [()]
    return [(first,) + rest for first in lists[0] for rest in _product(lists[1:])]


def sub_kernel(weight: np.ndarray, phase: Phase) -> np.ndarray:
    """The taps of ``phase`` picked out of ``weight (C_a, C_b, *k)``: ``(C_a, C_b, *len(taps))``.

    >>> from tconv.geometry import conv_transpose_geometry
    >>> w = np.arange(4.0).reshape(1, 1, 4)
    >>> [sub_kernel(w, p)[0, 0].tolist() for p in phases(conv_transpose_geometry((4,), (4,), stride=2, padding=1))]
    [[1.0, 3.0], [0.0, 2.0]]
    """
    index = np.ix_(*[np.asarray(t) for t in phase.taps])
    return np.ascontiguousarray(weight[(slice(None), slice(None)) + index])


def phase_of_tap(tap, geometry: ConvGeometry) -> tuple:
    """The image phase that kernel tap ``tap`` (one int per axis) writes: ``(t*d - p) mod s`` per axis.

    >>> from tconv.geometry import conv_transpose_geometry
    >>> phase_of_tap((0, 3), conv_transpose_geometry((4, 4), (4, 4), stride=2, padding=1))
    (1, 0)
    """
    return tuple((t * d - b) % s for t, d, (b, _), s in
                 zip(tap, geometry.dilation, geometry.padding, geometry.stride))


def matrix_sub_kernels(matrix) -> dict:
    """Read each phase's sub-kernel off a one-channel convolution matrix (``C`` or ``C.T``).

    Column ``j`` of ``C`` lists the taps that the transposed convolution adds into output
    pixel ``j``. For each phase this takes the column of that phase holding the most taps
    (an interior pixel, where no tap falls off the border) and arranges its taps, in kernel
    order, into an array: ``{phase: sub-kernel}``. The result equals :func:`sub_kernel` of
    the weight for every phase whose interior pixel sees all its taps.

    >>> from tconv import conv_transpose_matrix
    >>> C_T = conv_transpose_matrix(np.array([[[1.0, 2.0, 3.0, 4.0]]]), (1, 4), stride=2, padding=1)
    >>> {phase: kernel.tolist() for phase, kernel in matrix_sub_kernels(C_T).items()}
    {(0,): [2.0, 4.0], (1,): [1.0, 3.0]}
    """
    if matrix.weight.shape[:2] != (1, 1):
        raise ValueError(f"matrix_sub_kernels reads one-channel matrices; the weight has shape {matrix.weight.shape}")
    geometry = matrix.geometry
    pattern = matrix.pattern()
    image_axis = "row" if geometry.transposed else "col"   # the image side of C is its columns
    positions = pattern[image_axis]
    taps = pattern["tap"][:, 2:]
    counts = np.bincount(positions, minlength=math.prod(geometry.image_size))
    best: dict = {}
    for flat in np.argsort(-counts, kind="stable"):
        if counts[flat] == 0:
            break
        phase = tuple(int(v) % s for v, s in zip(np.unravel_index(flat, geometry.image_size), geometry.stride))
        best.setdefault(phase, int(flat))
    kernels = {}
    for phase, flat in sorted(best.items()):
        held = taps[positions == flat]
        per_axis = [np.unique(held[:, axis]) for axis in range(taps.shape[1])]
        kernel = np.zeros(tuple(len(a) for a in per_axis))
        values = matrix.values[positions == flat]
        for tap, value in zip(held, values):
            kernel[tuple(int(np.searchsorted(a, v)) for a, v in zip(per_axis, tap))] = value
        kernels[phase] = kernel
    return kernels


def sub_pixel_weight(weight: np.ndarray, geometry: ConvGeometry) -> tuple[np.ndarray, tuple]:
    """The transposed convolution of ``geometry`` as a sub-pixel convolution: ``(conv weight, padding)``.

    Shi et al. (2016), section 2.2: a stride-``s`` transposed convolution whose output is
    exactly ``s`` times its input on every axis equals a stride-1 convolution with ``s^d``
    times the output channels followed by a pixel shuffle. Output phase ``c`` (per axis) of
    the transposed convolution reads input ``q + o_t`` with tap ``t`` (``o_t = -(t·d - p - c)/s``),
    so one window covering every phase's offsets holds all the sub-kernels, each padded with
    zeros to that window. ``weight`` is the transposed convolution's ``(C_in, C_out, *k)``
    (groups 1); the result has the conv layout ``(C_out·s^d, C_in, *K)`` with channel
    ``c_out·s^d + phase`` (phases flattened row-major, the order of ``pixel_shuffle``) and
    ``padding`` is the ``(before, after)`` pair per axis of the stride-1 convolution.

    >>> from tconv.geometry import conv_transpose_geometry
    >>> w = np.arange(1.0, 5.0).reshape(1, 1, 4)                     # kernel 4, stride 2, padding 1
    >>> conv_w, padding = sub_pixel_weight(w, conv_transpose_geometry((5,), (4,), stride=2, padding=1))
    >>> conv_w[:, 0], padding                                         # phase 0: taps 4, 2; phase 1: taps 3, 1
    (array([[4., 2., 0.],
           [0., 3., 1.]]), ((1, 1),))
    """
    if not geometry.transposed:
        raise ValueError("sub_pixel_weight rewrites a transposed convolution; pass its geometry "
                         "(conv_transpose_geometry(...))")
    weight = np.asarray(weight)
    if weight.ndim != geometry.ndim + 2 or weight.shape[2:] != geometry.kernel_size:
        raise ValueError(f"weight of shape {weight.shape} does not fit the geometry's kernel {geometry.kernel_size}")
    if any(i != s * f for i, s, f in zip(geometry.image_size, geometry.stride, geometry.feature_size)):
        raise ValueError(f"a sub-pixel convolution makes exactly stride x the input size; this geometry maps "
                         f"{geometry.feature_size} to {geometry.image_size} with stride {geometry.stride} (choose "
                         "padding and output_padding so that output = stride * input)")
    offsets = []                                      # per axis: {tap: (phase, offset o)}
    for k, s, d, (p, _) in zip(geometry.kernel_size, geometry.stride, geometry.dilation, geometry.padding):
        offsets.append({t: ((t * d - p) % s, -((t * d - p - (t * d - p) % s) // s)) for t in range(k)})
    low = [min(0, min(o for _, o in axis.values())) for axis in offsets]
    high = [max(0, max(o for _, o in axis.values())) for axis in offsets]
    size = tuple(h - lo + 1 for lo, h in zip(low, high))
    phases_count = math.prod(geometry.stride)
    c_in, c_out = weight.shape[:2]
    out = np.zeros((c_out * phases_count, c_in) + size, dtype=weight.dtype)
    for tap in np.ndindex(*geometry.kernel_size):
        phase = tuple(axis[t][0] for axis, t in zip(offsets, tap))
        where = tuple(axis[t][1] - lo for axis, t, lo in zip(offsets, tap, low))
        flat_phase = int(np.ravel_multi_index(phase, geometry.stride))
        for o in range(c_out):
            out[(o * phases_count + flat_phase, slice(None)) + where] = weight[(slice(None), o) + tap]
    return out, tuple((-lo, h) for lo, h in zip(low, high))
