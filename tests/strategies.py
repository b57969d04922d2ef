"""Shared Hypothesis strategies: valid convolution geometries, drawn directly.

:func:`conv_geometry` never relies on ``assume()`` or filtering: every parameter is drawn
from a range that is already known to be valid given the parameters drawn before it, so
each example is used. The validity rules (Dumoulin & Visin 2016), per spatial axis with
``k̂ = d(k-1) + 1``:

* convolution:            ``i + p_before + p_after >= k̂``
* transposed convolution: ``o' = (i'-1)s - p_before - p_after + k̂ + a >= 1`` with
  ``0 <= a < max(s, d)``.

The drawn :class:`ConvCase` carries everything a test needs, and computes its expected
output size with the paper's formulas itself (not through tconv), so tests can check tconv's
geometry against it.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from hypothesis import strategies as st

__all__ = [
    "ConvCase", "conv_geometry", "either_geometry", "conv_case_arrays", "seeds", "rng_from", "PADDING_MODES",
    "reduction_length", "assert_close",
]

#: How padding is spelled: an int for every axis, one int per axis, per-axis
#: (before, after) pairs, or a string mode.
PADDING_MODES = ("int", "tuple", "pairs", "valid", "same", "full")

# Size caps per number of spatial axes, chosen so the reference loops stay fast.
_MAX_IMAGE = {1: 7, 2: 7, 3: 4}       # a convolution's input size
_MAX_FEATURE = {1: 5, 2: 4, 3: 3}     # a transposed convolution's input size
_MAX_KERNEL = {1: 5, 2: 4, 3: 3}
_MAX_DILATION = {1: 3, 2: 3, 3: 2}
_MAX_STRIDE = {1: 3, 2: 3, 3: 2}
_MAX_PAD = 2

seeds = st.integers(min_value=0, max_value=2**32 - 1)


def rng_from(seed: int) -> np.random.Generator:
    return np.random.default_rng(seed)


def _k_hat(k: int, d: int) -> int:
    return d * (k - 1) + 1


@dataclass(frozen=True)
class ConvCase:
    """One drawn (transposed) convolution: shapes, arguments and the expected output size.

    ``c_in``/``c_out`` and ``input_size``/``output_size`` are the operator's own input and
    output (for a transposed convolution: its ``x`` and its result). ``padding`` is the
    spelling passed to tconv; ``pads`` the same as per-axis ``(before, after)`` pairs.
    ``output_size_arg`` is what to pass as ``output_size=`` (``None``: pass
    ``output_padding`` instead).
    """

    ndim: int
    transposed: bool
    batch: int
    c_in: int
    c_out: int
    groups: int
    input_size: tuple
    kernel_size: tuple
    stride: tuple
    padding: object
    pads: tuple
    dilation: tuple
    output_padding: tuple
    output_size_arg: object = None
    padding_mode: str = "int"
    output_size: tuple = field(init=False)

    def __post_init__(self):
        if self.transposed:
            out = tuple((i - 1) * s - b - a + _k_hat(k, d) + op for i, k, s, (b, a), d, op in
                        zip(self.input_size, self.kernel_size, self.stride, self.pads,
                            self.dilation, self.output_padding))
        else:
            out = tuple((i + b + a - _k_hat(k, d)) // s + 1 for i, k, s, (b, a), d in
                        zip(self.input_size, self.kernel_size, self.stride, self.pads, self.dilation))
        object.__setattr__(self, "output_size", out)

    # -- shapes
    @property
    def x_shape(self) -> tuple:
        return (self.batch, self.c_in) + self.input_size

    @property
    def out_shape(self) -> tuple:
        return (self.batch, self.c_out) + self.output_size

    @property
    def weight_shape(self) -> tuple:
        """PyTorch's layout: conv ``(C_out, C_in/g, *k)``, transposed ``(C_in, C_out/g, *k)``."""
        if self.transposed:
            return (self.c_in, self.c_out // self.groups) + self.kernel_size
        return (self.c_out, self.c_in // self.groups) + self.kernel_size

    @property
    def image_size(self) -> tuple:
        return self.output_size if self.transposed else self.input_size

    @property
    def feature_size(self) -> tuple:
        return self.input_size if self.transposed else self.output_size

    @property
    def restorable(self) -> bool:
        """True when the convolution of the transposed output gives back ``input_size``.

        For a transposed conv that needs ``output_padding < stride`` on every axis (it may
        reach up to ``dilation - 1`` when dilation > stride); a convolution always is.
        """
        return all(a < s for a, s in zip(self.output_padding, self.stride))

    # -- calls
    @property
    def name(self) -> str:
        return f"conv_transpose{self.ndim}d" if self.transposed else f"conv{self.ndim}d"

    def kwargs(self) -> dict:
        """Keyword arguments for tconv's ``conv{n}d`` / ``conv_transpose{n}d``."""
        kw = dict(stride=self.stride, padding=self.padding, dilation=self.dilation, groups=self.groups)
        if self.transposed:
            if self.output_size_arg is not None:
                kw["output_size"] = self.output_size_arg
            else:
                kw["output_padding"] = self.output_padding
        return kw

    def reference_kwargs(self) -> dict:
        """Arguments for :mod:`tconv.reference` (output_padding always explicit)."""
        kw = dict(stride=self.stride, padding=self.pads, dilation=self.dilation, groups=self.groups)
        if self.transposed:
            kw["output_padding"] = self.output_padding
        return kw

    def torch_padding(self):
        """The padding spelled as PyTorch accepts it (only for torch-compatible cases)."""
        if not self.transposed and self.padding in ("same", "valid"):
            return self.padding
        if any(b != a for b, a in self.pads):
            raise ValueError(f"asymmetric padding {self.pads} has no PyTorch spelling")
        return tuple(b for b, _ in self.pads)

    def geometry(self):
        """tconv's :class:`~tconv.geometry.ConvGeometry` for this case."""
        import tconv

        if self.transposed:
            return tconv.conv_transpose_geometry(self.input_size, self.kernel_size, self.stride,
                                                 self.padding, self.output_padding, self.dilation)
        return tconv.conv_geometry(self.input_size, self.kernel_size, self.stride, self.padding,
                                   self.dilation)

    def function(self):
        import tconv

        return getattr(tconv, self.name)

    # -- data
    def arrays(self, rng: np.random.Generator, dtype=np.float64, integer: bool = False):
        """``(x, weight, bias)`` drawn from ``rng``.

        ``integer=True`` draws small integers (stored as floats) so that every sum of
        products is exact in float64 and different summation orders agree bit for bit.
        """
        def draw(shape):
            if integer:
                return rng.integers(-3, 4, size=shape).astype(dtype)
            return rng.standard_normal(shape).astype(dtype)

        return draw(self.x_shape), draw(self.weight_shape), draw((self.c_out,))

    def __repr__(self) -> str:  # a one-line summary for assertion messages and debugging
        kind = "T" if self.transposed else "C"
        extra = ""
        if self.transposed:
            extra = (f", output_size={self.output_size_arg}" if self.output_size_arg is not None
                     else f", output_padding={self.output_padding}")
        return (f"ConvCase[{kind}{self.ndim}d](x={self.x_shape}, w={self.weight_shape}, "
                f"stride={self.stride}, padding={self.padding!r}, dilation={self.dilation}, "
                f"groups={self.groups}{extra} -> {self.out_shape})")


def reduction_length(case: ConvCase) -> int:
    """An upper bound on the number of products summed into one output value."""
    return max(1, (case.c_in // case.groups) * int(np.prod(case.kernel_size)))


def assert_close(actual, expected, dtype=np.float64, terms: int = 1, scale: float = 1.0):
    """``assert_allclose`` with a tolerance scaled by the number of terms of each sum."""
    eps = np.finfo(dtype).eps
    np.testing.assert_allclose(actual, expected, rtol=8 * eps * terms,
                               atol=8 * eps * terms * max(scale, 1.0))


def _conv_axis(draw, mode, ndim, max_k, max_d, max_s, pad_int):
    """(i, k, s, d, (before, after), a=0) of one valid convolution axis."""
    limit = _MAX_IMAGE[ndim]
    s = draw(st.integers(1, max_s))
    d = draw(st.integers(1, max_d))
    if mode in ("same", "full"):
        # The padding grows with the kernel: every input size i >= 1 is valid.
        k = draw(st.integers(1, max_k))
        total = _k_hat(k, d) - 1
        pads = (total // 2, total - total // 2) if mode == "same" else (total, total)
    else:
        if mode == "int":
            pads = (pad_int, pad_int)
        elif mode == "tuple":
            p = draw(st.integers(0, _MAX_PAD))
            pads = (p, p)
        elif mode == "pairs":
            pads = (draw(st.integers(0, _MAX_PAD)), draw(st.integers(0, _MAX_PAD)))
        else:  # "valid"
            pads = (0, 0)
        # Keep k̂ <= limit + before + after so that some i <= limit is valid.
        k = draw(st.integers(1, max(1, min(max_k, (limit + sum(pads) - 1) // d + 1))))
    i = draw(st.integers(max(1, _k_hat(k, d) - sum(pads)), limit))
    return i, k, s, d, pads, 0


def _transposed_axis(draw, mode, ndim, max_k, max_d, max_s, a_below_stride):
    """(i', k, s, d, (before, after) or None, a, budget) of one valid transposed axis.

    ``budget`` is the largest ``p_before + p_after`` keeping the output size >= 1;
    padding is ``None`` for the "int" mode, whose one value is drawn once all axes are known.
    """
    i = draw(st.integers(1, _MAX_FEATURE[ndim]))
    s = draw(st.integers(1, max_s))
    d = draw(st.integers(1, max_d))
    a = draw(st.integers(0, (s if a_below_stride else max(s, d)) - 1))
    if mode == "full":
        # o' = (i-1)s - (k̂-1) + 1 + a >= 1  <=>  d(k-1) <= (i-1)s + a
        k = draw(st.integers(1, min(max_k, ((i - 1) * s + a) // d + 1)))
    else:
        k = draw(st.integers(1, max_k))
    k_hat = _k_hat(k, d)
    budget = (i - 1) * s + k_hat + a - 1
    if mode == "full":
        pads = (k_hat - 1, k_hat - 1)
    elif mode == "same":
        pads = ((k_hat - 1) // 2, (k_hat - 1) - (k_hat - 1) // 2)
    elif mode == "valid":
        pads = (0, 0)
    elif mode == "tuple":
        p = draw(st.integers(0, min(_MAX_PAD, budget // 2)))
        pads = (p, p)
    elif mode == "pairs":
        before = draw(st.integers(0, min(_MAX_PAD, budget)))
        pads = (before, draw(st.integers(0, min(_MAX_PAD, budget - before))))
    else:  # "int"
        pads = None
    return i, k, s, d, pads, a, budget


@st.composite
def conv_geometry(draw, ndim=None, transposed=False, torch_compatible=False, padding_modes=None,
                  max_groups=3, allow_output_size=True, restorable=False, batch=None):
    """Draw a valid :class:`ConvCase`.

    * ``ndim``: 1, 2 or 3 spatial axes (drawn when ``None``);
    * ``transposed``: a transposed convolution instead of a convolution;
    * ``torch_compatible``: only paddings PyTorch can express (no (before, after) pairs;
      for transposed convs no strings: "valid"/"full" are passed as ints);
    * ``padding_modes``: restrict the padding spellings (subset of :data:`PADDING_MODES`);
    * ``allow_output_size``: let transposed cases pass ``output_size=`` instead of
      ``output_padding``;
    * ``restorable``: transposed cases keep ``output_padding < stride``, so the convolution
      from the output back has exactly the input's size.
    """
    if ndim is None:
        ndim = draw(st.sampled_from([1, 2, 3]))
    modes = list(padding_modes or PADDING_MODES)
    if torch_compatible:
        modes = [m for m in modes if m != "pairs" and not (transposed and m == "same")]
    mode = draw(st.sampled_from(modes))
    max_k, max_d = _MAX_KERNEL[ndim], _MAX_DILATION[ndim]
    max_s = 1 if mode == "same" else _MAX_STRIDE[ndim]
    use_output_size = transposed and allow_output_size and draw(st.booleans())

    if transposed:
        axes = [_transposed_axis(draw, mode, ndim, max_k, max_d, max_s, restorable or use_output_size)
                for _ in range(ndim)]
        if mode == "int":
            p = draw(st.integers(0, min(_MAX_PAD, min(axis[-1] for axis in axes) // 2)))
            axes = [axis[:4] + ((p, p),) + axis[5:] for axis in axes]
        axes = [axis[:6] for axis in axes]
    else:
        pad_int = draw(st.integers(0, _MAX_PAD)) if mode == "int" else None
        axes = [_conv_axis(draw, mode, ndim, max_k, max_d, max_s, pad_int) for _ in range(ndim)]
    sizes, kernel, stride, dilation, pads, out_pad = (tuple(column) for column in zip(*axes))

    if mode == "int":
        padding = pads[0][0]
    elif mode == "tuple" or (torch_compatible and transposed and mode in ("valid", "full")):
        padding = tuple(b for b, _ in pads)
    elif mode == "pairs":
        # Spell a symmetric axis sometimes as a bare int, as tconv allows.
        padding = tuple(b if (b == a and draw(st.booleans())) else (b, a) for b, a in pads)
    else:
        padding = mode

    groups = draw(st.integers(1, max_groups if ndim < 3 else min(max_groups, 2)))
    per_group_max = 3 if groups == 1 else 2
    c_in = groups * draw(st.integers(1, per_group_max))
    c_out = groups * draw(st.integers(1, per_group_max))
    n = batch if batch is not None else draw(st.integers(1, 2))

    case = ConvCase(ndim=ndim, transposed=transposed, batch=n, c_in=c_in, c_out=c_out, groups=groups,
                    input_size=sizes, kernel_size=kernel, stride=stride, padding=padding, pads=pads,
                    dilation=dilation, output_padding=out_pad, padding_mode=mode)
    if use_output_size:
        spellings = ["spatial", "full"] + (["int"] if ndim == 1 else [])
        spelling = draw(st.sampled_from(spellings))
        arg = {"spatial": case.output_size, "full": case.out_shape,
               "int": case.output_size[0]}[spelling]
        case = ConvCase(**{**_fields(case), "output_size_arg": arg})
    return case


def either_geometry(**kwargs):
    """A convolution or a transposed convolution (half each): :func:`conv_geometry` with
    ``transposed`` drawn."""
    return st.booleans().flatmap(lambda transposed: conv_geometry(transposed=transposed, **kwargs))


def _fields(case: ConvCase) -> dict:
    names = ("ndim", "transposed", "batch", "c_in", "c_out", "groups", "input_size", "kernel_size",
             "stride", "padding", "pads", "dilation", "output_padding", "output_size_arg", "padding_mode")
    return {name: getattr(case, name) for name in names}


def conv_case_arrays(case: ConvCase, dtype=np.float64, integer: bool = False):
    """A strategy for ``(x, weight, bias)`` of ``case`` (seeded NumPy draws)."""
    return seeds.map(lambda seed: case.arrays(rng_from(seed), dtype=dtype, integer=integer))
