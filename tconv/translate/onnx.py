"""ONNX's ``ConvTranspose`` spelled in tconv, PyTorch and Keras, and tconv's geometry spelled in ONNX.

An ONNX ``ConvTranspose`` node says where its output starts and ends in its own words. Per
spatial axis, with input ``i``, kernel ``k`` (``kernel_shape``), stride ``s`` (``strides``),
dilation ``d`` (``dilations``), ``k̂ = d(k-1) + 1`` and ``a`` (``output_padding``):

* ``pads = [b_1, ..., b_n, e_1, ..., e_n]`` (all begins, then all ends; never negative) crop
  ``b`` values at the start and ``e`` at the end of the full result:
  ``o' = (i-1)s + k̂ + a - b - e``. Any pair ``(b, e)`` is allowed, so ONNX can write every
  tconv geometry, asymmetric ones included; PyTorch only symmetric ones.
* ``output_shape = [o_1, ...]`` replaces ``pads``: the total ``T = (i-1)s + k̂ + a - o'`` is
  split with the larger half at the **start** (``b = T - T//2``) unless ``auto_pad`` is
  ``SAME_UPPER``, which puts it at the **end** (``b = T//2``). A negative ``T`` (at most
  ``s - 1`` below zero) adds zeros at the end.
* ``auto_pad = "SAME_UPPER"`` or ``"SAME_LOWER"``: ``o' = i*s``, with ``T = k̂ + a - s`` split
  with the larger half at the end (UPPER, TensorFlow's and Keras' "same") or at the start
  (LOWER). ``"VALID"``: no padding. ``"NOTSET"`` (the default): ``pads``.

Where the frameworks part (an odd total ``T``: one side crops one more than the other):

* ``SAME_UPPER`` is TensorFlow's and Keras' "same" (the extra crop at the end). PyTorch crops
  symmetrically and can only *add* at the end (``output_padding``), so it has no single layer for
  it; its nearest spelling, ``padding=ceil(T/2), output_padding=1``, is one pixel over.
* ``SAME_LOWER`` (the extra crop at the start) is exactly that PyTorch spelling, and Keras has
  no layer for it. With an even kernel at stride 1 neither PyTorch nor Keras has one.
* ``SAME_*`` with ``k̂ + a < s`` (a kernel shorter than the stride): the ONNX operator text says
  ``o' = i*s`` (the full result with ``s - k̂ - a`` zeros appended), but ONNX Runtime (checked with
  1.32) treats the negative ``T`` as 0 and returns the full ``(i-1)s + k̂ + a`` values. A graph
  that must mean the same everywhere spells it with ``pads`` and ``output_padding`` instead.
* ``output_padding >= stride`` (legal when it is below the dilation, as in PyTorch and tconv):
  ONNX Runtime refuses the node ("output_padding may be too large for stride").

tconv writes all of them exactly, with ``padding=((begin, end), ...)`` pairs.

(Checked against ONNX Runtime running real ``ConvTranspose`` nodes in ``tests/test_translate_onnx.py``.)

>>> t = onnx_conv_transpose((4, 4), 3, stride=2, auto_pad="SAME_UPPER")
>>> t.tconv_padding, t.output_size
(((0, 1), (0, 1)), (8, 8))
>>> print(t.tconv_call)
tconv.conv_transpose2d(x, w, stride=2, padding=((0, 1), (0, 1)))
"""
from __future__ import annotations

from dataclasses import dataclass

from .._checks import is_int
from ..geometry import ConvGeometry, as_tuple, conv_transpose_geometry, effective_kernel
from .onnx_nodes import onnx_attributes, onnx_call, onnx_spelling, split_total
from .spelling import FrameworkCalls, collapse, framework_calls

__all__ = ["ONNX_AUTO_PADS", "OnnxTranslation", "onnx_conv_transpose", "onnx_attributes", "onnx_call", "onnx_spelling"]

ONNX_AUTO_PADS = ("NOTSET", "SAME_UPPER", "SAME_LOWER", "VALID")


@dataclass(frozen=True)
class OnnxTranslation:
    """An ONNX ``ConvTranspose`` of one input size, spelled for tconv, PyTorch and Keras.

    Per-axis tuples: ``input_size``, ``kernel_size``, ``stride``, ``dilation``,
    ``effective_kernel`` (``k̂``), ``output_padding`` (ONNX's ``a``), ``total_padding``
    (``T = (i-1)s + k̂ + a - o'``), ``tconv_padding`` (``(begin, end)`` pairs) and
    ``tconv_output_padding``: the exact tconv spelling; ``output_size`` is the operator text's
    ``o'`` and ``runtime_output_size`` what ONNX Runtime computes (they differ only for
    ``SAME_*`` with ``k̂ + a < s``, see the module docstring); ``runtime_accepts`` is False when
    ONNX Runtime refuses the node (an ``output_padding`` of at least the stride). ``geometry`` is the tconv
    geometry, ``calls`` its :class:`~tconv.translate.spelling.FrameworkCalls` (PyTorch and Keras
    spellings, or ``None`` with the reason); ``onnx_call`` the node as given and ``note`` what
    is worth knowing about it.
    """

    auto_pad: str
    input_size: tuple
    kernel_size: tuple
    stride: tuple
    dilation: tuple
    effective_kernel: tuple
    output_padding: tuple
    total_padding: tuple
    tconv_padding: tuple
    tconv_output_padding: tuple
    output_size: tuple
    runtime_output_size: tuple
    runtime_accepts: bool
    geometry: ConvGeometry
    calls: FrameworkCalls
    onnx_call: str
    note: str

    @property
    def ndim(self) -> int:
        """Number of spatial axes."""
        return len(self.kernel_size)

    @property
    def tconv_call(self) -> str:
        """The exact tconv call (``tconv.conv_transpose2d(x, w, ...)``)."""
        return self.calls.tconv

    @property
    def runtime_agrees(self) -> bool:
        """Whether ONNX Runtime computes the operator text's output size on every axis."""
        return self.runtime_output_size == self.output_size


def _check_auto_pad(auto_pad) -> str:
    if not isinstance(auto_pad, str) or auto_pad.upper() not in ONNX_AUTO_PADS:
        raise ValueError(f"auto_pad={auto_pad!r} must be one of {ONNX_AUTO_PADS} (ONNX's ConvTranspose)")
    return auto_pad.upper()


def _pads(pads, ndim: int):
    """ONNX's ``pads`` (begins then ends, or one int) as ``(begin, end)`` pairs, never negative."""
    if pads is None:
        return ((0, 0),) * ndim
    values = (pads,) * (2 * ndim) if is_int(pads) else tuple(pads)
    if len(values) != 2 * ndim or not all(is_int(v) for v in values):
        raise ValueError(f"pads={pads!r} must list {2 * ndim} ints: every axis' begin, then every axis' end "
                         f"([x1_begin, x2_begin, ..., x1_end, x2_end, ...])")
    if min(values) < 0:
        raise ValueError(f"pads={list(values)} must be >= 0 on every axis (ONNX refuses negative pads)")
    return tuple((int(values[axis]), int(values[axis + ndim])) for axis in range(ndim))


def onnx_conv_transpose(input_size, kernel_size, stride=1, pads=None, output_padding=0, dilation=1,
                        auto_pad: str = "NOTSET", output_shape=None, group: int = 1) -> OnnxTranslation:
    """Translate ONNX's ``ConvTranspose`` on an input of spatial size ``input_size``.

    The arguments are the node's attributes: ``kernel_size`` (``kernel_shape``), ``stride``
    (``strides``), ``pads`` (``[begins..., ends...]`` or one int), ``output_padding``,
    ``dilation`` (``dilations``), ``auto_pad`` (one of :data:`ONNX_AUTO_PADS`), ``output_shape``
    (spatial sizes; it replaces ``pads``) and ``group``; sizes are ints (every axis) or one
    per axis. Raises ``ValueError`` naming the argument for what ONNX itself refuses (negative
    pads, ``output_padding >= max(stride, dilation)``, an ``output_shape`` out of reach).

    >>> t = onnx_conv_transpose(4, 3, stride=2, output_shape=8)                 # NOTSET: more at the start
    >>> t.tconv_padding, t.calls.torch                      # PyTorch: crop 1 on both sides, output_padding 1
    (((1, 0),), 'nn.ConvTranspose1d(C_in, C_out, kernel_size=3, stride=2, padding=1, output_padding=1)')
    >>> onnx_conv_transpose(4, 3, stride=2, pads=[1, 1], output_padding=1).calls.torch
    'nn.ConvTranspose1d(C_in, C_out, kernel_size=3, stride=2, padding=1, output_padding=1)'
    >>> onnx_conv_transpose(4, 2, stride=3, auto_pad="SAME_UPPER").runtime_output_size   # spec: 12
    (11,)
    """
    auto_pad = _check_auto_pad(auto_pad)
    ndim = _ndim(input_size, kernel_size, stride, dilation, output_padding, output_shape)
    input_size = as_tuple("input_size", input_size, ndim, minimum=1)
    kernel_size = as_tuple("kernel_size", kernel_size, ndim, minimum=1)
    stride = as_tuple("stride", stride, ndim, minimum=1)
    dilation = as_tuple("dilation", dilation, ndim, minimum=1)
    output_padding = as_tuple("output_padding", output_padding, ndim, minimum=0)
    for axis, (a, s, d) in enumerate(zip(output_padding, stride, dilation)):
        if a >= max(s, d):
            raise ValueError(f"output_padding={collapse(output_padding)!r} must be smaller than max(stride, "
                             f"dilation) on every axis (ONNX's rule, as PyTorch's); axis {axis} has {a}, stride "
                             f"{s}, dilation {d}")
    if pads is not None and auto_pad != "NOTSET":
        raise ValueError(f"pads={pads!r} with auto_pad={auto_pad!r}: ONNX uses one or the other (auto_pad "
                         "NOTSET means explicit pads)")
    if output_shape is not None and auto_pad == "VALID":
        raise ValueError("output_shape with auto_pad='VALID': VALID means no padding, output_shape computes it")
    pairs = _pads(pads, ndim)
    k_hat = tuple(effective_kernel(k, d) for k, d in zip(kernel_size, dilation))
    full = tuple((i - 1) * s + kh + a for i, s, kh, a in zip(input_size, stride, k_hat, output_padding))
    if output_shape is not None:
        wanted = as_tuple("output_shape", output_shape, ndim, minimum=1)
    elif auto_pad in ("SAME_UPPER", "SAME_LOWER"):
        wanted = tuple(i * s for i, s in zip(input_size, stride))
    else:
        wanted = tuple(n - b - e for n, (b, e) in zip(full, pairs))
    totals, tconv_pairs, tconv_a, runtime = [], [], [], []
    for axis, (n, o, a, s) in enumerate(zip(full, wanted, output_padding, stride)):
        total = n - o
        totals.append(total)
        if output_shape is None and auto_pad == "NOTSET":
            pair = pairs[axis]
        elif total >= 0:
            pair = split_total(total, auto_pad)
        else:                                          # zeros appended at the end: a larger output_padding
            pair = (0, 0)
        tconv_pairs.append(pair)
        tconv_a.append(a if total >= 0 or output_shape is None and auto_pad == "NOTSET" else a - total)
        clamped = output_shape is None and auto_pad in ("SAME_UPPER", "SAME_LOWER") and total < 0
        runtime.append(n if clamped else o)
        if o < 1:
            raise ValueError(f"the output would have size {o} on axis {axis} ((i-1)s + k̂ + a - pads = {n} - "
                             f"{total}); it must be at least 1")
    try:
        geometry = conv_transpose_geometry(input_size, kernel_size, stride, tuple(tconv_pairs), tuple(tconv_a),
                                           dilation)
    except ValueError:
        reach = collapse(n + max(s, d) - 1 - a for n, s, d, a in zip(full, stride, dilation, output_padding))
        raise ValueError(f"output_shape={collapse(wanted)!r} is out of reach: with these attributes ONNX can "
                         f"make at most {reach} (the full result plus fewer than max(stride, dilation) zeros)"
                         ) from None
    calls = framework_calls(geometry, "C_in", "C_out", group)
    node = _node_call(kernel_size, stride, pads, output_padding, dilation, auto_pad, output_shape, group)
    translation = dict(auto_pad=auto_pad, input_size=input_size, kernel_size=kernel_size, stride=stride,
                       dilation=dilation, effective_kernel=k_hat, output_padding=output_padding,
                       total_padding=tuple(totals), tconv_padding=tuple(tconv_pairs),
                       tconv_output_padding=tuple(tconv_a), output_size=geometry.output_size,
                       runtime_output_size=tuple(runtime),
                       runtime_accepts=all(a < s for a, s in zip(tconv_a, stride)), geometry=geometry, calls=calls,
                       onnx_call=node)
    return OnnxTranslation(**translation, note=_note(translation, calls))


def _ndim(*values) -> int:
    lengths = {len(v) for v in values if v is not None and not is_int(v)}
    if len(lengths) > 1:
        raise ValueError(f"the arguments disagree on the number of spatial axes: {sorted(lengths)}")
    ndim = lengths.pop() if lengths else 1
    if not 1 <= ndim <= 3:
        raise ValueError(f"{ndim} spatial axes: ONNX's ConvTranspose here takes 1, 2 or 3")
    return ndim


def _node_call(kernel_size, stride, pads, output_padding, dilation, auto_pad, output_shape, group) -> str:
    parts = [f"kernel_shape={list(kernel_size)}"]
    if set(stride) != {1}:
        parts.append(f"strides={list(stride)}")
    if auto_pad != "NOTSET":
        parts.append(f"auto_pad={auto_pad!r}")
    if pads is not None:
        parts.append(f"pads={[pads] * (2 * len(kernel_size)) if is_int(pads) else list(pads)}")
    if set(output_padding) != {0}:
        parts.append(f"output_padding={list(output_padding)}")
    if output_shape is not None:
        parts.append(f"output_shape={[output_shape] * len(kernel_size) if is_int(output_shape) else list(output_shape)}")
    if set(dilation) != {1}:
        parts.append(f"dilations={list(dilation)}")
    if group != 1:
        parts.append(f"group={group}")
    return f"ConvTranspose({', '.join(parts)})"


def _note(t: dict, calls: FrameworkCalls) -> str:
    """What differs between ONNX's spelling and the others, in a sentence or three."""
    lines = []
    if not t["runtime_accepts"]:
        lines.append(f"ONNX Runtime refuses this node: its output_padding {collapse(t['tconv_output_padding'])} is "
                     f"not below the stride {collapse(t['stride'])} (the operator text allows it below the dilation)")
    if t["runtime_output_size"] != t["output_size"]:
        lines.append(f"{t['auto_pad']} with a kernel shorter than the stride (k̂ + a < s): the ONNX operator "
                     f"text gives o' = i*s = {collapse(t['output_size'])} (zeros appended), ONNX Runtime gives "
                     f"(i-1)s + k̂ + a = {collapse(t['runtime_output_size'])}; write pads and output_padding "
                     f"explicitly ({onnx_call(t['geometry'])}) to mean one thing everywhere")
    if calls.torch is None:
        lines.append(f"no single PyTorch layer: {calls.torch_note}")
    else:
        lines.append("PyTorch's layer computes exactly the tconv spelling")
    return "; ".join(lines)
