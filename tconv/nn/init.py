"""Weight initialisation, in place, with PyTorch's names, formulas and defaults.

Every function takes a :class:`tconv.autograd.Tensor` (a :class:`~tconv.nn.Parameter`) or a
plain ``ndarray``, overwrites its values in place (keeping its dtype), and returns it. Random
initialisers take an optional ``rng`` (a :class:`numpy.random.Generator`); without one they
draw from the default generator that :func:`tconv.manual_seed` resets.

Fans follow ``torch.nn.init._calculate_fan_in_and_fan_out``: for a weight of shape
``(a, b, *k)``, ``fan_in = b * prod(k)`` and ``fan_out = a * prod(k)``. For a *transposed*
convolution (layout ``(C_in, C_out/groups, *k)``) that makes ``fan_in = C_out/groups * prod(k)``,
which is what PyTorch uses too.

:func:`bilinear_` is the FCN initialisation (Long et al., 2015) that makes a transposed
convolution with ``kernel_size = 2s``, ``stride = s``, ``padding = s/2`` a bilinear upsampler;
:func:`icnr_` (Aitken et al., 2017) starts a sub-pixel convolution as nearest upsampling of a
convolution, free of checkerboards.

>>> import numpy as np
>>> w = np.empty((1, 1, 4, 4))
>>> bilinear_(w)[0, 0, 0]
array([0.0625, 0.1875, 0.1875, 0.0625])
"""
from __future__ import annotations

import math

import numpy as np

from ..random import get_generator

__all__ = [
    "calculate_gain", "calculate_fan_in_and_fan_out",
    "uniform_", "normal_", "zeros_", "ones_", "constant_",
    "kaiming_uniform_", "kaiming_normal_", "xavier_uniform_", "xavier_normal_",
    "bilinear_kernel", "bilinear_", "icnr_",
]

_LINEAR = ("linear", "identity", "conv1d", "conv2d", "conv3d",
           "conv_transpose1d", "conv_transpose2d", "conv_transpose3d", "sigmoid")


def _array(tensor) -> np.ndarray:
    """The ndarray whose values an initialiser overwrites."""
    array = tensor if isinstance(tensor, np.ndarray) else getattr(tensor, "data", None)
    if not isinstance(array, np.ndarray):
        raise TypeError(f"expected a Tensor, Parameter or ndarray, got {type(tensor).__name__}")
    if array.dtype.kind != "f":
        raise TypeError(f"can only initialise floating-point arrays, got dtype {array.dtype}")
    return array


def _fill(tensor, values):
    _array(tensor)[...] = values
    return tensor


def calculate_gain(nonlinearity: str, param=None) -> float:
    """The recommended gain for ``nonlinearity`` (PyTorch's table).

    linear, conv, sigmoid: 1; tanh: 5/3; relu: sqrt(2); leaky_relu: sqrt(2 / (1 + slope^2))
    (slope ``param``, default 0.01); selu: 3/4.

    >>> round(calculate_gain("relu"), 6), calculate_gain("leaky_relu", math.sqrt(5)) ** 2
    (1.414214, 0.3333333333333333)
    """
    if nonlinearity in _LINEAR:
        return 1.0
    if nonlinearity == "tanh":
        return 5.0 / 3
    if nonlinearity == "relu":
        return math.sqrt(2.0)
    if nonlinearity == "leaky_relu":
        if param is None:
            slope = 0.01
        elif isinstance(param, (int, float)) and not isinstance(param, bool):
            slope = param
        else:
            raise ValueError(f"negative_slope {param} not a valid number")
        return math.sqrt(2.0 / (1 + slope ** 2))
    if nonlinearity == "selu":
        return 3.0 / 4
    raise ValueError(f"Unsupported nonlinearity {nonlinearity!r}; use one of {_LINEAR + ('tanh', 'relu', 'leaky_relu', 'selu')}")


def calculate_fan_in_and_fan_out(tensor) -> tuple[int, int]:
    """``(fan_in, fan_out) = (shape[1] * prod(shape[2:]), shape[0] * prod(shape[2:]))``.

    >>> calculate_fan_in_and_fan_out(np.empty((8, 3, 5, 5)))     # Conv2d(3, 8, 5)
    (75, 200)
    >>> calculate_fan_in_and_fan_out(np.empty((3, 8, 5, 5)))     # ConvTranspose2d(3, 8, 5)
    (200, 75)
    """
    shape = _array(tensor).shape
    if len(shape) < 2:
        raise ValueError("Fan in and fan out can not be computed for tensor with fewer than 2 dimensions "
                         f"(got shape {shape})")
    receptive = int(np.prod(shape[2:], dtype=np.int64))
    return shape[1] * receptive, shape[0] * receptive


def _fan(tensor, mode: str) -> int:
    if mode not in ("fan_in", "fan_out"):
        raise ValueError(f"mode must be 'fan_in' or 'fan_out', got {mode!r}")
    fan_in, fan_out = calculate_fan_in_and_fan_out(tensor)
    return fan_in if mode == "fan_in" else fan_out


def uniform_(tensor, a: float = 0.0, b: float = 1.0, rng=None):
    """Fill with draws from U(a, b).

    >>> w = uniform_(np.empty(1000), -2, 2, rng=np.random.default_rng(0))
    >>> bool(w.min() >= -2 and w.max() < 2)
    True
    """
    shape = _array(tensor).shape
    return _fill(tensor, get_generator(rng).uniform(a, b, size=shape))


def normal_(tensor, mean: float = 0.0, std: float = 1.0, rng=None):
    """Fill with draws from N(mean, std^2).

    >>> w = normal_(np.empty(10000), 3.0, 0.5, rng=np.random.default_rng(0))
    >>> bool(abs(w.mean() - 3) < 0.05 and abs(w.std() - 0.5) < 0.05)
    True
    """
    shape = _array(tensor).shape
    return _fill(tensor, get_generator(rng).normal(mean, std, size=shape))


def constant_(tensor, val: float):
    """Fill with ``val``.

    >>> constant_(np.empty(3), 0.5)
    array([0.5, 0.5, 0.5])
    """
    return _fill(tensor, val)


def zeros_(tensor):
    """Fill with zeros.

    >>> zeros_(np.ones(3))
    array([0., 0., 0.])
    """
    return _fill(tensor, 0.0)


def ones_(tensor):
    """Fill with ones.

    >>> ones_(np.zeros((2, 2), np.float32))
    array([[1., 1.],
           [1., 1.]], dtype=float32)
    """
    return _fill(tensor, 1.0)


def kaiming_uniform_(tensor, a: float = 0.0, mode: str = "fan_in", nonlinearity: str = "leaky_relu", rng=None):
    """He et al. (2015): U(-bound, bound), ``bound = gain * sqrt(3 / fan)``.

    With PyTorch's layer default ``a = sqrt(5)`` the gain is ``sqrt(1/3)`` and the bound is
    ``1 / sqrt(fan_in)``.

    >>> w = kaiming_uniform_(np.empty((16, 4, 3, 3)), a=math.sqrt(5), rng=np.random.default_rng(0))
    >>> bool(np.abs(w).max() <= 1 / 6)                       # fan_in = 4 * 3 * 3 = 36
    True
    """
    bound = math.sqrt(3.0) * calculate_gain(nonlinearity, a) / math.sqrt(_fan(tensor, mode))
    return uniform_(tensor, -bound, bound, rng=rng)


def kaiming_normal_(tensor, a: float = 0.0, mode: str = "fan_in", nonlinearity: str = "leaky_relu", rng=None):
    """He et al. (2015): N(0, std^2), ``std = gain / sqrt(fan)``.

    >>> w = kaiming_normal_(np.empty((64, 64, 3, 3)), nonlinearity="relu", rng=np.random.default_rng(0))
    >>> round(float(w.std() * math.sqrt(64 * 9 / 2)), 1)
    1.0
    """
    std = calculate_gain(nonlinearity, a) / math.sqrt(_fan(tensor, mode))
    return normal_(tensor, 0.0, std, rng=rng)


def xavier_uniform_(tensor, gain: float = 1.0, rng=None):
    """Glorot & Bengio (2010): U(-a, a), ``a = gain * sqrt(6 / (fan_in + fan_out))``.

    >>> w = xavier_uniform_(np.empty((3, 5)), rng=np.random.default_rng(0))
    >>> bool(np.abs(w).max() <= math.sqrt(6 / 8))
    True
    """
    fan_in, fan_out = calculate_fan_in_and_fan_out(tensor)
    bound = gain * math.sqrt(6.0 / (fan_in + fan_out))
    return uniform_(tensor, -bound, bound, rng=rng)


def xavier_normal_(tensor, gain: float = 1.0, rng=None):
    """Glorot & Bengio (2010): N(0, std^2), ``std = gain * sqrt(2 / (fan_in + fan_out))``.

    >>> w = xavier_normal_(np.empty((100, 200)), rng=np.random.default_rng(0))
    >>> round(float(w.std() / math.sqrt(2 / (200 + 100))), 1)
    1.0
    """
    fan_in, fan_out = calculate_fan_in_and_fan_out(tensor)
    return normal_(tensor, 0.0, gain * math.sqrt(2.0 / (fan_in + fan_out)), rng=rng)


def _bilinear_profile(k: int) -> np.ndarray:
    factor = (k + 1) // 2                       # ceil(k / 2)
    centre = factor - 1 if k % 2 == 1 else factor - 0.5
    return 1 - np.abs(np.arange(k) - centre) / factor


def bilinear_kernel(kernel_size) -> np.ndarray:
    """The FCN bilinear kernel: the outer product of ``1 - |r - c| / f`` over the axes.

    ``f = ceil(k / 2)``; ``c = f - 1`` for odd ``k`` and ``f - 0.5`` for even ``k``.

    >>> bilinear_kernel(3)
    array([0.5, 1. , 0.5])
    >>> bilinear_kernel((3, 3))
    array([[0.25, 0.5 , 0.25],
           [0.5 , 1.  , 0.5 ],
           [0.25, 0.5 , 0.25]])
    """
    sizes = (kernel_size,) if isinstance(kernel_size, (int, np.integer)) else tuple(kernel_size)
    if not sizes or any(int(k) < 1 for k in sizes):
        raise ValueError(f"kernel_size must be positive, got {kernel_size!r}")
    kernel = np.ones(())
    for k in sizes:
        kernel = np.multiply.outer(kernel, _bilinear_profile(int(k)))
    return kernel


def bilinear_(weight):
    """FCN initialisation: each channel upsamples itself bilinearly, channels do not mix.

    ``weight`` is a 1-D/2-D/3-D transposed-convolution weight ``(C, C/groups, *k)`` whose layer
    maps C channels to C channels. Channel ``i`` gets :func:`bilinear_kernel` at
    ``weight[i, i % (C/groups)]`` (``weight[i, i]`` for ``groups=1``, ``weight[i, 0]`` for a
    depthwise layer) and zeros elsewhere. With ``kernel_size = 2s``, ``stride = s`` and
    ``padding = s/2`` the layer magnifies by ``s``; its interior equals bilinear upsampling.

    >>> w = bilinear_(np.empty((2, 2, 4)))
    >>> w[0]
    array([[0.25, 0.75, 0.75, 0.25],
           [0.  , 0.  , 0.  , 0.  ]])
    """
    array = _array(weight)
    if array.ndim < 3:
        raise ValueError(f"bilinear_ needs a weight of shape (C, C/groups, *kernel), got shape {array.shape}")
    channels, per_group = array.shape[:2]
    if channels % per_group:
        raise ValueError(f"bilinear_ needs as many output as input channels: weight shape {array.shape} "
                         f"cannot be (C, C/groups, *kernel) since {channels} is not a multiple of {per_group}")
    kernel = bilinear_kernel(array.shape[2:])
    array[...] = 0
    for i in range(channels):
        array[i, i % per_group] = kernel
    return weight


def icnr_(tensor, upscale_factor: int = 2, initializer=None, rng=None):
    """ICNR (Aitken et al. 2017): a sub-pixel convolution that starts as nearest upsampling of a convolution.

    ``tensor`` is the weight ``(C·r², C_in, *k)`` of the stride-1 convolution that a
    ``PixelShuffle(r)`` follows (``r = upscale_factor``). A weight ``W0`` of shape
    ``(C, C_in, *k)`` is drawn with ``initializer`` (default :func:`kaiming_normal_`, called
    as ``initializer(W0, rng=rng)``) and repeated ``r²`` times per output channel:
    ``weight[c·r² + i] = W0[c]`` for every ``i < r²``. The pixel shuffle puts channel
    ``c·r² + i·r + j`` at phase ``(i, j)`` of output channel ``c``, so every phase gets the
    same sub-kernel: the output is the nearest-neighbour upsampling of ``conv(x, W0)``. All
    ``r²`` phase sums are equal, so a constant input gives a constant output: no checkerboard
    at the start of training (with a random init the ``r²`` phases differ from the first step).

    >>> import numpy as np
    >>> w = icnr_(np.empty((8, 3, 3, 3)), 2, rng=np.random.default_rng(0))       # C = 2, r = 2
    >>> bool(np.array_equal(w[0], w[3]) and np.array_equal(w[4], w[7]) and not np.array_equal(w[0], w[4]))
    True
    """
    array = _array(tensor)
    if not isinstance(upscale_factor, (int, np.integer)) or isinstance(upscale_factor, bool) or upscale_factor < 1:
        raise ValueError(f"upscale_factor={upscale_factor!r} must be a positive int")
    r2 = int(upscale_factor) ** 2
    if array.ndim < 3 or array.shape[0] % r2:
        raise ValueError(f"icnr_ needs a convolution weight (C * upscale_factor**2, C_in, *kernel); shape "
                         f"{array.shape} has {array.shape[0] if array.ndim else 0} output channels, not a multiple "
                         f"of {r2}")
    initializer = kaiming_normal_ if initializer is None else initializer
    base = np.empty((array.shape[0] // r2,) + array.shape[1:], dtype=array.dtype)
    initializer(base, rng=rng)
    array[...] = np.repeat(base, r2, axis=0)
    return tensor
