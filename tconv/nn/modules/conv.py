"""Convolution and transposed-convolution layers: ``Conv1d/2d/3d``, ``ConvTranspose1d/2d/3d``.

Same constructor arguments, attribute names, weight layouts and default initialisation as
PyTorch, so a ``state_dict`` moves between the two unchanged:

* ``Conv{n}d``: weight ``(out_channels, in_channels / groups, *kernel_size)``;
* ``ConvTranspose{n}d``: weight ``(in_channels, out_channels / groups, *kernel_size)``: the same
  matrix ``C`` as the convolution that maps ``out_channels`` back to ``in_channels``, used transposed;
* ``bias``: ``(out_channels,)``, or ``None`` with ``bias=False``.

Default initialisation (``reset_parameters``): ``kaiming_uniform_(weight, a=sqrt(5))``, i.e.
U(-1/sqrt(fan_in), 1/sqrt(fan_in)), and the bias from the same range, with
``fan_in = weight.shape[1] * prod(kernel_size)``. For a transposed convolution that is
``out_channels / groups * prod(kernel_size)``, PyTorch's (layout-driven) choice.
``rng=`` (a :class:`numpy.random.Generator`) makes one layer reproducible; otherwise the
default generator of :func:`tconv.manual_seed` is used. ``dtype`` is float32 unless given.

>>> import numpy as np
>>> up = ConvTranspose2d(8, 4, kernel_size=4, stride=2, padding=1)
>>> up
ConvTranspose2d(8, 4, kernel_size=(4, 4), stride=(2, 2), padding=(1, 1))
>>> up.weight.shape, up.bias.shape
((8, 4, 4, 4), (4,))
>>> up(np.zeros((1, 8, 5, 5), np.float32)).shape
(1, 4, 10, 10)
"""
from __future__ import annotations

import math

import numpy as np

from ..._checks import check_int, is_int
from ...geometry import as_tuple, conv_transpose_geometry, normalize_padding
from .. import functional as F
from .. import init
from ..module import Module
from ..parameter import Parameter

__all__ = ["Conv1d", "Conv2d", "Conv3d", "ConvTranspose1d", "ConvTranspose2d", "ConvTranspose3d"]


class _ConvNd(Module):
    """Shared constructor, initialisation and repr of the six layers.

    Each layer names its number of spatial axes (``_ndim``) and its function of
    :mod:`tconv.nn.functional` (``_function``, e.g. ``F.conv2d``), which ``forward`` calls.
    """

    _ndim = 2
    _transposed = False
    _function = None

    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0, dilation=1, groups=1,
                 bias=True, padding_mode="zeros", output_padding=0, *, dtype=None, rng=None):
        super().__init__()
        n = self._ndim
        self.in_channels = check_int("in_channels", in_channels, minimum=1)
        self.out_channels = check_int("out_channels", out_channels, minimum=1)
        self.groups = check_int("groups", groups, minimum=1)
        if self.in_channels % self.groups:
            raise ValueError(f"in_channels={in_channels} must be divisible by groups={groups}")
        if self.out_channels % self.groups:
            raise ValueError(f"out_channels={out_channels} must be divisible by groups={groups}")
        if padding_mode != "zeros":
            raise ValueError(f"padding_mode={padding_mode!r}: only 'zeros' is supported "
                             "(pad the input with tconv.nn.functional.pad for other modes)")
        self.kernel_size = as_tuple("kernel_size", kernel_size, n, minimum=1)
        self.stride = as_tuple("stride", stride, n, minimum=1)
        self.dilation = as_tuple("dilation", dilation, n, minimum=1)
        self.padding = padding if isinstance(padding, str) else self._padding_tuple(padding)
        # Refuse a bad padding now, as PyTorch does, not at the first forward.
        normalize_padding(self.padding, self.kernel_size, self.dilation, self.stride, n)
        self.output_padding = as_tuple("output_padding", output_padding, n, minimum=0)
        self.transposed = self._transposed
        self.padding_mode = padding_mode
        dtype = np.dtype(np.float32 if dtype is None else dtype)
        if dtype not in (np.float32, np.float64):
            raise TypeError(f"dtype must be float32 or float64, got {dtype}")
        if self._transposed:
            shape = (self.in_channels, self.out_channels // self.groups) + self.kernel_size
        else:
            shape = (self.out_channels, self.in_channels // self.groups) + self.kernel_size
        self.weight = Parameter(np.empty(shape, dtype))
        self.bias = Parameter(np.empty(self.out_channels, dtype)) if bias else None
        self.reset_parameters(rng)

    def _padding_tuple(self, padding):
        if is_int(padding):
            return as_tuple("padding", padding, self._ndim, minimum=0)
        try:
            padding = tuple(padding)                # per-axis ints, or per-axis (before, after) pairs
        except TypeError:
            raise TypeError(f"padding={padding!r} must be an int, a tuple, (before, after) pairs or one of "
                            "'valid', 'same', 'full'") from None
        if all(is_int(p) for p in padding):
            return as_tuple("padding", padding, self._ndim, minimum=0)
        return padding                              # (before, after) pairs: checked by normalize_padding

    def reset_parameters(self, rng=None) -> None:
        """PyTorch's default initialisation (see the module docstring)."""
        init.kaiming_uniform_(self.weight, a=math.sqrt(5), rng=rng)
        if self.bias is not None:
            fan_in, _ = init.calculate_fan_in_and_fan_out(self.weight)
            bound = 1 / math.sqrt(fan_in) if fan_in > 0 else 0.0
            init.uniform_(self.bias, -bound, bound, rng=rng)

    def extra_repr(self) -> str:
        text = f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, stride={self.stride}"
        if self.padding != (0,) * self._ndim:
            text += f", padding={self.padding}"
        if self.dilation != (1,) * self._ndim:
            text += f", dilation={self.dilation}"
        if self.output_padding != (0,) * self._ndim:
            text += f", output_padding={self.output_padding}"
        if self.groups != 1:
            text += f", groups={self.groups}"
        if self.bias is None:
            text += ", bias=False"
        return text


class _Conv(_ConvNd):
    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0, dilation=1, groups=1,
                 bias=True, padding_mode="zeros", *, dtype=None, rng=None):
        super().__init__(in_channels, out_channels, kernel_size, stride, padding, dilation, groups, bias,
                         padding_mode, dtype=dtype, rng=rng)

    def forward(self, input):
        return self._function(input, self.weight, self.bias, self.stride, self.padding, self.dilation, self.groups)


class _ConvTranspose(_ConvNd):
    _transposed = True

    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0, output_padding=0, groups=1,
                 bias=True, dilation=1, padding_mode="zeros", *, dtype=None, rng=None):
        super().__init__(in_channels, out_channels, kernel_size, stride, padding, dilation, groups, bias,
                         padding_mode, output_padding, dtype=dtype, rng=rng)

    def forward(self, input, output_size=None):
        """``output_size`` (spatial, or the full ``(N, C, *spatial)``) picks ``output_padding`` per call."""
        output_padding = self.output_padding
        if output_size is not None:
            spatial = tuple(input.shape[-self._ndim:])
            output_padding = conv_transpose_geometry(spatial, self.kernel_size, self.stride, self.padding, 0,
                                                     self.dilation, output_size=output_size).output_padding
        return self._function(input, self.weight, self.bias, self.stride, self.padding, output_padding, self.groups,
                              self.dilation)


class Conv1d(_Conv):
    """``Conv1d(in_channels, out_channels, kernel_size, stride=1, padding=0, dilation=1, groups=1, bias=True)``: input ``(N, C, L)``.

    >>> conv = Conv1d(2, 4, kernel_size=3, padding=1)
    >>> conv.weight.shape, conv(np.zeros((1, 2, 10), np.float32)).shape   # (C_out, C_in, k); (N, C_out, L)
    ((4, 2, 3), (1, 4, 10))
    """

    _ndim = 1
    _function = staticmethod(F.conv1d)


class Conv2d(_Conv):
    """2-D convolution, input ``(N, C, H, W)``.

    >>> Conv2d(3, 16, 3, padding=1, bias=False)
    Conv2d(3, 16, kernel_size=(3, 3), stride=(1, 1), padding=(1, 1), bias=False)
    """

    _ndim = 2
    _function = staticmethod(F.conv2d)


class Conv3d(_Conv):
    """3-D convolution, input ``(N, C, D, H, W)``.

    >>> Conv3d(1, 2, 3)(np.zeros((1, 1, 5, 5, 5), np.float32)).shape      # 5 - 3 + 1 = 3 per axis
    (1, 2, 3, 3, 3)
    """

    _ndim = 3
    _function = staticmethod(F.conv3d)


class ConvTranspose1d(_ConvTranspose):
    """``ConvTranspose1d(in_channels, out_channels, kernel_size, stride=1, padding=0, output_padding=0, groups=1, bias=True, dilation=1)``.

    Input ``(N, C_in, L)``, weight ``(C_in, C_out / groups, k)``; output length
    ``(L - 1) * stride - 2 * padding + dilation * (k - 1) + 1 + output_padding``.

    >>> up = ConvTranspose1d(4, 2, kernel_size=4, stride=2, padding=1)
    >>> up.weight.shape, up(np.zeros((1, 4, 5), np.float32)).shape   # (C_in, C_out, k); (5-1)*2 - 2 + 3 + 1 = 10
    ((4, 2, 4), (1, 2, 10))
    """

    _ndim = 1
    _function = staticmethod(F.conv_transpose1d)


class ConvTranspose2d(_ConvTranspose):
    """2-D transposed convolution, input ``(N, C, H, W)``; ``forward(x, output_size=None)``.

    Output size per axis: ``(i - 1) * stride - 2 * padding + dilation * (k - 1) + 1 + output_padding``.

    >>> up = ConvTranspose2d(1, 1, kernel_size=3, stride=2)
    >>> x = np.zeros((1, 1, 4, 4), np.float32)
    >>> up(x).shape, up(x, output_size=(10, 10)).shape   # (4-1)*2 + 3 = 9; output_size=10 sets output_padding=1
    ((1, 1, 9, 9), (1, 1, 10, 10))
    """

    _ndim = 2
    _function = staticmethod(F.conv_transpose2d)


class ConvTranspose3d(_ConvTranspose):
    """3-D transposed convolution, input ``(N, C, D, H, W)``; ``forward(x, output_size=None)``.

    >>> ConvTranspose3d(2, 1, kernel_size=2, stride=2)(np.zeros((1, 2, 2, 3, 4), np.float32)).shape
    (1, 1, 4, 6, 8)
    """

    _ndim = 3
    _function = staticmethod(F.conv_transpose3d)
