"""Weight and array layouts shared by the fast path and the reference views.

* :func:`flip_and_swap`: a transposed convolution's weight as the weight of its equivalent
  direct convolution (kernel rotated 180°, in/out channels swapped within each group);
* :func:`grouped`: a conv weight ``(C_f, C_i/g, *k)`` as ``g`` matrices ``(C_f/g, C_i/g * prod(k))``;
* :func:`pack_geometry` / :func:`as_3d`: the 15-int geometry tuple and the 5-D view the Numba
  kernels take (1-D and 2-D problems get leading spatial axes of size 1).
"""
from __future__ import annotations

import numpy as np

__all__ = ["flip_and_swap", "grouped", "pack_geometry", "as_3d"]


def flip_and_swap(weight: np.ndarray, groups: int) -> np.ndarray:
    """A transposed conv weight ``(C_in, C_out/g, *k)`` as the equivalent conv's weight.

    Rotate every kernel 180° and swap in/out channels within each group, giving
    ``(C_out, C_in/g, *k)`` (a C-contiguous copy). Read with the conv layout, the same
    function turns a convolution's weight into that of its transpose's equivalent convolution.

    >>> flip_and_swap(np.arange(6.0).reshape(1, 2, 3), groups=1)
    array([[[2., 1., 0.]],
    <BLANKLINE>
           [[5., 4., 3.]]])
    """
    c_in, c_out_group = weight.shape[:2]
    kernel = weight.shape[2:]
    spatial = tuple(range(2, weight.ndim))
    blocks = weight.reshape((groups, c_in // groups, c_out_group) + kernel)
    swapped = np.swapaxes(blocks, 1, 2).reshape((groups * c_out_group, c_in // groups) + kernel)
    return np.flip(swapped, axis=spatial).copy()


def grouped(weight: np.ndarray, groups: int) -> np.ndarray:
    """Conv weight ``(C_f, C_i/g, *k)`` as ``(g, C_f/g, C_i/g * prod(k))`` (one matrix ``W`` per group).

    >>> grouped(np.zeros((4, 3, 2, 2)), 2).shape
    (2, 2, 12)
    """
    return weight.reshape(groups, weight.shape[0] // groups, -1)


def pack_geometry(kernel, stride, before, dilation, out) -> tuple[int, ...]:
    """The kernels' 15-int tuple ``(kd, kh, kw, sd, sh, sw, pd, ph, pw, dd, dh, dw, od, oh, ow)``.

    Each argument has one int per spatial axis (1 to 3); missing leading axes get kernel 1,
    stride 1, padding 0, dilation 1 and output 1, so one kernel serves 1-, 2- and 3-D.

    >>> pack_geometry((3, 3), (2, 2), (1, 1), (1, 1), (3, 3))
    (1, 3, 3, 1, 2, 2, 0, 1, 1, 1, 1, 1, 1, 3, 3)
    """
    lead = 3 - len(kernel)
    return ((1,) * lead + tuple(kernel) + (1,) * lead + tuple(stride) + (0,) * lead + tuple(before)
            + (1,) * lead + tuple(dilation) + (1,) * lead + tuple(out))


def as_3d(array: np.ndarray) -> np.ndarray:
    """``(N, C, *spatial)`` viewed as ``(N, C, D, H, W)``.

    >>> as_3d(np.zeros((2, 3, 5))).shape
    (2, 3, 1, 1, 5)
    """
    return array.reshape(array.shape[:2] + (1,) * (5 - array.ndim) + array.shape[2:])
