"""Convolution geometry: output sizes, padding modes, validation.

Everything in this module is integer arithmetic; no arrays of data are involved.
The formulas are those of Dumoulin & Visin (2016), "A guide to convolution
arithmetic for deep learning". Per spatial axis, with input ``i``, kernel ``k``,
stride ``s``, padding ``p`` (``p_before + p_after`` when asymmetric), dilation
``d`` and effective kernel ``k̂ = d(k-1) + 1``:

* convolution:            ``o  = floor((i + 2p - k̂) / s) + 1``
* transposed convolution: ``o' = (i' - 1)s - 2p + k̂ + a``  with ``0 <= a < max(s, d)``

A :class:`ConvGeometry` ties the two sides of one convolution together. Its
``image_size`` is the large side (a conv's input, a transposed conv's output) and
its ``feature_size`` the small side (a conv's output, a transposed conv's input).
Feature position ``m`` and kernel tap ``t`` touch image position
``j = m*s - p_before + t*d`` on every axis; that one relation defines the
convolution matrix, the direct loop and the scatter-add alike.
"""
from __future__ import annotations

import numbers
from dataclasses import dataclass

__all__ = [
    "ConvGeometry",
    "effective_kernel",
    "conv_output_size",
    "conv_transpose_output_size",
    "output_size_range",
    "normalize_padding",
    "conv_geometry",
    "conv_transpose_geometry",
]

PADDING_STRINGS = ("valid", "same", "full")


def effective_kernel(kernel_size: int, dilation: int = 1) -> int:
    """Return the extent ``k̂ = d(k-1) + 1`` a dilated kernel covers.

    >>> effective_kernel(3, dilation=2)
    5
    """
    return dilation * (kernel_size - 1) + 1


def _pair(padding) -> tuple[int, int]:
    """One axis' padding as (before, after)."""
    if isinstance(padding, numbers.Integral):
        return int(padding), int(padding)
    before, after = padding
    return int(before), int(after)


def conv_output_size(i: int, k: int, stride: int = 1, padding=0, dilation: int = 1) -> int:
    """Output length of a convolution along one axis.

    ``o = floor((i + p_before + p_after - k̂) / s) + 1`` (Dumoulin & Visin, 2016).
    ``padding`` is an int or a ``(before, after)`` pair. No validation here:
    :func:`conv_geometry` validates.

    >>> conv_output_size(5, 3, stride=2, padding=1)  # the paper's "padding + strides"
    3
    """
    before, after = _pair(padding)
    return (i + before + after - effective_kernel(k, dilation)) // stride + 1


def conv_transpose_output_size(i: int, k: int, stride: int = 1, padding=0,
                               dilation: int = 1, output_padding: int = 0) -> int:
    """Output length of a transposed convolution along one axis.

    ``o' = (i' - 1)s - p_before - p_after + k̂ + a`` where ``a`` is ``output_padding``.

    >>> conv_transpose_output_size(3, 3, stride=2, padding=1, output_padding=1)
    6
    """
    before, after = _pair(padding)
    return (i - 1) * stride - before - after + effective_kernel(k, dilation) + output_padding


def output_size_range(i: int, k: int, stride: int = 1, padding=0, dilation: int = 1) -> tuple[int, int]:
    """The ``output_size`` values a transposed convolution accepts along one axis.

    PyTorch's rule: any size in ``[o'(a=0), o'(a=0) + s - 1]``.

    >>> output_size_range(4, 3, stride=2, padding=1)
    (7, 8)
    """
    low = conv_transpose_output_size(i, k, stride, padding, dilation, 0)
    return low, low + stride - 1


# --------------------------------------------------------------------------- validation helpers


def _is_int(value) -> bool:
    return isinstance(value, numbers.Integral) and not isinstance(value, bool)


def as_tuple(name: str, value, ndim: int, minimum: int | None = None) -> tuple[int, ...]:
    """Expand an int or check a sequence of ``ndim`` ints, naming ``name`` in errors.

    >>> as_tuple("stride", 2, 3)
    (2, 2, 2)
    """
    if _is_int(value):
        out = (int(value),) * ndim
    else:
        try:
            out = tuple(value)
        except TypeError:
            raise TypeError(f"{name}={value!r} must be an int or a tuple of {ndim} ints") from None
        if len(out) != ndim or not all(_is_int(v) for v in out):
            raise ValueError(f"{name}={value!r} must be an int or a tuple of {ndim} ints "
                             f"(one per spatial axis of a {ndim}-D convolution)")
        out = tuple(int(v) for v in out)
    if minimum is not None and any(v < minimum for v in out):
        rule = "positive" if minimum == 1 else f">= {minimum}"
        raise ValueError(f"{name}={value!r} must be {rule} on every axis")
    return out


def normalize_padding(padding, kernel_size, dilation, stride, ndim: int) -> tuple[tuple[int, int], ...]:
    """Turn any accepted padding spelling into per-axis ``(before, after)`` pairs.

    Accepted: an int; a tuple of ``ndim`` ints; a tuple of ``ndim`` ``(before, after)``
    pairs; ``"valid"`` (no padding); ``"same"`` (stride 1 only: the output keeps the
    input size, total ``k̂-1`` split with the extra pixel after, as PyTorch does);
    ``"full"`` (``k̂-1`` on both sides: every partial overlap).

    >>> normalize_padding("same", (4,), (1,), (1,), 1)
    ((1, 2),)
    >>> normalize_padding(((0, 1), 2), (3, 3), (1, 1), (1, 1), 2)
    ((0, 1), (2, 2))
    """
    if isinstance(padding, str):
        mode = padding.lower()
        if mode not in PADDING_STRINGS:
            raise ValueError(f"padding={padding!r} is not a padding mode; use an int, a tuple, "
                             f"per-axis (before, after) pairs or one of {PADDING_STRINGS}")
        totals = [effective_kernel(k, d) - 1 for k, d in zip(kernel_size, dilation)]
        if mode == "valid":
            return tuple((0, 0) for _ in range(ndim))
        if mode == "full":
            return tuple((t, t) for t in totals)
        if any(s != 1 for s in stride):
            raise ValueError(f"padding='same' needs stride 1 on every axis, got stride={tuple(stride)}; "
                             "a strided 'same' output size is not defined by padding alone")
        return tuple((t // 2, t - t // 2) for t in totals)
    if _is_int(padding):
        pairs = [(int(padding), int(padding))] * ndim
    else:
        try:
            entries = tuple(padding)
        except TypeError:
            raise TypeError(f"padding={padding!r} must be an int, a tuple, (before, after) pairs "
                            f"or one of {PADDING_STRINGS}") from None
        if len(entries) != ndim:
            raise ValueError(f"padding={padding!r} has {len(entries)} entries; a {ndim}-D convolution "
                             f"needs an int or {ndim} entries (ints or (before, after) pairs)")
        pairs = []
        for entry in entries:
            if _is_int(entry):
                pairs.append((int(entry), int(entry)))
            else:
                try:
                    before, after = entry
                except (TypeError, ValueError):
                    raise ValueError(f"padding={padding!r}: each entry must be an int or a "
                                     f"(before, after) pair, got {entry!r}") from None
                if not (_is_int(before) and _is_int(after)):
                    raise ValueError(f"padding={padding!r}: (before, after) must be ints, got {entry!r}")
                pairs.append((int(before), int(after)))
    if any(b < 0 or a < 0 for b, a in pairs):
        raise ValueError(f"padding={padding!r} must be non-negative on every axis "
                         "(crop the input instead of padding it negatively)")
    return tuple(pairs)


# --------------------------------------------------------------------------- the geometry object


@dataclass(frozen=True)
class ConvGeometry:
    """Both sides of one convolution (or transposed convolution) over N spatial axes.

    Attributes (tuples with one entry per spatial axis):

    * ``image_size``: the large side, a conv's input or a transposed conv's output;
    * ``feature_size``: the small side, a conv's output or a transposed conv's input;
    * ``kernel_size``, ``stride``, ``dilation``;
    * ``padding``: ``(before, after)`` pairs;
    * ``output_padding``: extra rows/columns on the bottom/right of a transposed conv's
      output (always 0 for a plain conv);
    * ``transposed``: which direction this geometry is used in.

    Feature position ``m`` and kernel tap ``t`` touch image position
    ``j = m*stride - padding_before + t*dilation``.

    >>> g = conv_geometry((4, 4), (3, 3))
    >>> g.input_size, g.output_size
    ((4, 4), (2, 2))
    """

    image_size: tuple[int, ...]
    feature_size: tuple[int, ...]
    kernel_size: tuple[int, ...]
    stride: tuple[int, ...]
    padding: tuple[tuple[int, int], ...]
    dilation: tuple[int, ...]
    output_padding: tuple[int, ...]
    transposed: bool = False

    @property
    def ndim(self) -> int:
        """Number of spatial axes."""
        return len(self.kernel_size)

    @property
    def input_size(self) -> tuple[int, ...]:
        """Spatial size of the operator's input."""
        return self.feature_size if self.transposed else self.image_size

    @property
    def output_size(self) -> tuple[int, ...]:
        """Spatial size of the operator's output."""
        return self.image_size if self.transposed else self.feature_size

    @property
    def effective_kernel(self) -> tuple[int, ...]:
        """``k̂ = d(k-1)+1`` per axis."""
        return tuple(effective_kernel(k, d) for k, d in zip(self.kernel_size, self.dilation))

    @property
    def is_symmetric(self) -> bool:
        """True when every axis pads the same amount on both sides (PyTorch's only kind)."""
        return all(b == a for b, a in self.padding)

    def transpose(self) -> "ConvGeometry":
        """The same matrix used in the other direction (conv <-> transposed conv)."""
        return ConvGeometry(self.image_size, self.feature_size, self.kernel_size, self.stride,
                            self.padding, self.dilation, self.output_padding, not self.transposed)

    def restoring_output_padding(self) -> tuple[int, ...]:
        """The ``output_padding`` with which the transposed conv yields exactly ``image_size``.

        For a convolution this is ``a = (i + p_before + p_after - k̂) mod s`` (the rows the
        convolution's stride skipped); for a transposed convolution, its own ``output_padding``.

        >>> conv_geometry((6,), (3,), stride=2, padding=1).restoring_output_padding()
        (1,)
        """
        return tuple(i - conv_transpose_output_size(f, k, s, p, d) for i, f, k, s, p, d in
                     zip(self.image_size, self.feature_size, self.kernel_size, self.stride,
                         self.padding, self.dilation))

    def equivalent_conv(self) -> dict:
        """The paper's direct convolution equivalent to the transposed convolution.

        Insert ``s-1`` zeros between input units, pad ``k̂-1-p_before`` before and
        ``k̂-1-p_after+a`` after (negative means crop), then convolve with stride 1,
        the same dilation and the kernel rotated 180° with in/out channels swapped.
        These are the paper's "primed" parameters, not framework arguments.

        >>> e = conv_transpose_geometry((3,), (3,), stride=2, padding=1, output_padding=1).equivalent_conv()
        >>> e["zeros_between"], e["padding"], e["stuffed_size"], e["output_size"]
        ((1,), ((1, 2),), (5,), (6,))
        """
        k_hat = self.effective_kernel
        pads = tuple((kh - 1 - b, kh - 1 - a + op) for kh, (b, a), op in
                     zip(k_hat, self.padding, self.output_padding))
        stuffed = tuple((i - 1) * s + 1 for i, s in zip(self.feature_size, self.stride))
        return {
            "zeros_between": tuple(s - 1 for s in self.stride),
            "stuffed_size": stuffed,
            "padding": pads,
            "stride": (1,) * self.ndim,
            "dilation": self.dilation,
            "kernel": "rotated 180 degrees, in/out channels swapped",
            "output_size": tuple(n + b + a - kh + 1 for n, (b, a), kh in zip(stuffed, pads, k_hat)),
        }


def conv_geometry(input_size, kernel_size, stride=1, padding=0, dilation=1) -> ConvGeometry:
    """Validate a convolution's arguments and return its :class:`ConvGeometry`.

    ``input_size`` and ``kernel_size`` are spatial sizes (one int per axis); the
    number of axes is ``len(kernel_size)``. Raises ``ValueError`` naming the argument,
    the value and the rule when the geometry is invalid.

    >>> conv_geometry((5, 5), (3, 3), stride=2).output_size
    (2, 2)
    >>> conv_geometry((3,), (5,))
    Traceback (most recent call last):
    ...
    ValueError: kernel_size=(5,) with dilation=(1,) (effective kernel 5) is larger than the padded input on axis 0: input 3 + padding 0 + 0 = 3
    """
    kernel_size = _sizes("kernel_size", kernel_size)
    ndim = len(kernel_size)
    input_size = as_tuple("input_size", input_size, ndim, minimum=1)
    stride = as_tuple("stride", stride, ndim, minimum=1)
    dilation = as_tuple("dilation", dilation, ndim, minimum=1)
    pads = normalize_padding(padding, kernel_size, dilation, stride, ndim)
    for axis, (i, k, d, (b, a)) in enumerate(zip(input_size, kernel_size, dilation, pads)):
        if i + b + a < effective_kernel(k, d):
            raise ValueError(
                f"kernel_size={kernel_size} with dilation={dilation} (effective kernel "
                f"{effective_kernel(k, d)}) is larger than the padded input on axis {axis}: "
                f"input {i} + padding {b} + {a} = {i + b + a}")
    out = tuple(conv_output_size(i, k, s, p, d) for i, k, s, p, d in
                zip(input_size, kernel_size, stride, pads, dilation))
    return ConvGeometry(input_size, out, kernel_size, stride, pads, dilation, (0,) * ndim, False)


def conv_transpose_geometry(input_size, kernel_size, stride=1, padding=0, output_padding=0,
                            dilation=1, output_size=None) -> ConvGeometry:
    """Validate a transposed convolution's arguments and return its :class:`ConvGeometry`.

    ``output_size`` (spatial sizes, or a full ``(N, C, *spatial)`` shape as PyTorch
    allows) replaces ``output_padding``: each entry must lie in
    ``[o'(a=0), o'(a=0) + s - 1]`` and ``output_padding`` is derived from it.

    >>> conv_transpose_geometry((4, 4), (3, 3), stride=2, padding=1, output_size=(8, 8)).output_padding
    (1, 1)
    >>> conv_transpose_geometry((2,), (3,), stride=2, output_padding=2)
    Traceback (most recent call last):
    ...
    ValueError: output_padding=2 must be smaller than stride or dilation on every axis; axis 0 has output_padding 2, stride 2, dilation 1
    """
    kernel_size = _sizes("kernel_size", kernel_size)
    ndim = len(kernel_size)
    input_size = as_tuple("input_size", input_size, ndim, minimum=1)
    stride = as_tuple("stride", stride, ndim, minimum=1)
    dilation = as_tuple("dilation", dilation, ndim, minimum=1)
    pads = normalize_padding(padding, kernel_size, dilation, stride, ndim)
    if output_size is not None:
        output_padding = _output_padding_from_size(output_size, input_size, kernel_size, stride,
                                                   pads, dilation)
    out_pad = as_tuple("output_padding", output_padding, ndim, minimum=0)
    for axis, (a, s, d) in enumerate(zip(out_pad, stride, dilation)):
        if a >= s and a >= d:
            raise ValueError(f"output_padding={output_padding!r} must be smaller than stride or dilation "
                             f"on every axis; axis {axis} has output_padding {a}, stride {s}, dilation {d}")
    out = tuple(conv_transpose_output_size(i, k, s, p, d, a) for i, k, s, p, d, a in
                zip(input_size, kernel_size, stride, pads, dilation, out_pad))
    for axis, o in enumerate(out):
        if o < 1:
            raise ValueError(f"padding={padding!r} is too large: the transposed convolution's output on "
                             f"axis {axis} would have size (i-1)s - p_before - p_after + k̂ + a = {o}; "
                             "it must be at least 1")
    return ConvGeometry(out, input_size, kernel_size, stride, pads, dilation, out_pad, True)


def _sizes(name: str, value) -> tuple[int, ...]:
    """A tuple of positive ints with 1 to 3 entries (the spatial axes)."""
    if _is_int(value):
        value = (value,)
    try:
        out = tuple(value)
    except TypeError:
        raise TypeError(f"{name}={value!r} must be a tuple of 1, 2 or 3 positive ints") from None
    if not 1 <= len(out) <= 3 or not all(_is_int(v) and v >= 1 for v in out):
        raise ValueError(f"{name}={value!r} must be a tuple of 1, 2 or 3 positive ints")
    return tuple(int(v) for v in out)


def _output_padding_from_size(output_size, input_size, kernel_size, stride, pads, dilation):
    ndim = len(kernel_size)
    try:
        requested = tuple(output_size)
    except TypeError:
        requested = (output_size,)
    if len(requested) == ndim + 2:
        requested = requested[2:]
    elif len(requested) == ndim + 1:
        requested = requested[1:]
    requested = as_tuple("output_size", requested, ndim, minimum=1)
    ranges = [output_size_range(i, k, s, p, d) for i, k, s, p, d in
              zip(input_size, kernel_size, stride, pads, dilation)]
    for axis, (size, (low, high)) in enumerate(zip(requested, ranges)):
        if not low <= size <= high:
            lows = tuple(r[0] for r in ranges)
            highs = tuple(r[1] for r in ranges)
            raise ValueError(f"output_size={output_size!r}: requested an output size of "
                             f"{requested}, but valid sizes range from {lows} to {highs} "
                             f"(for an input of {input_size}); axis {axis} asks for {size}")
    return tuple(size - low for size, (low, _) in zip(requested, ranges))
