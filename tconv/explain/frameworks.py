"""The part of ``tconv explain --onnx`` that reads an ONNX ``ConvTranspose`` node: its sizes and its spellings.

(``--keras`` is :func:`tconv.explain.report.describe_keras`; the ONNX spelling of any geometry is
one line of :func:`tconv.explain.report.describe_geometry`.)
"""
from __future__ import annotations

from ..translate.onnx import OnnxTranslation

__all__ = ["describe_onnx"]


def _x(sizes) -> str:
    return " x ".join(str(n) for n in sizes)


def describe_onnx(t: OnnxTranslation) -> list[str]:
    """How ONNX's ``ConvTranspose`` node ``t`` places its output, and its tconv / PyTorch / Keras spellings.

    >>> from tconv.translate.onnx import onnx_conv_transpose
    >>> lines = describe_onnx(onnx_conv_transpose((4, 4), 3, stride=2, auto_pad="SAME_LOWER"))
    >>> lines[0]
    "ONNX: ConvTranspose(kernel_shape=[3, 3], strides=[2, 2], auto_pad='SAME_LOWER')"
    >>> lines[2]
    '  exact in tconv: tconv.conv_transpose2d(x, w, stride=2, padding=((1, 0), (1, 0)))'
    """
    lines = [f"ONNX: {t.onnx_call}"]
    full = " x ".join(str((i - 1) * s + kh + a) for i, s, kh, a in
                      zip(t.input_size, t.stride, t.effective_kernel, t.output_padding))
    if t.auto_pad in ("SAME_UPPER", "SAME_LOWER"):
        where = "end" if t.auto_pad == "SAME_UPPER" else "start"
        rule = (f"o' = i*s -> {_x(t.output_size)}; of the full (i-1)*s + k̂ + a = {full} values it crops "
                f"T = {_x(t.total_padding)}, the larger half at the {where}")
    elif t.auto_pad == "VALID":
        rule = f"o' = (i-1)*s + k̂ + a -> {_x(t.output_size)} (nothing cropped)"
    else:
        rule = (f"o' = (i-1)*s + k̂ + a - pad_begin - pad_end -> {_x(t.output_size)}; crops "
                + " x ".join(f"{b},{e}" for b, e in t.tconv_padding) + " (begin,end) of the full " + full)
    lines.append(f"  output size: {rule}")
    if not t.runtime_agrees:
        lines.append(f"  ONNX Runtime computes {_x(t.runtime_output_size)} instead (see the note)")
    lines.append(f"  exact in tconv: {t.tconv_call}")
    lines.append(f"  PyTorch: {t.calls.torch}" if t.calls.torch else "  PyTorch: no single layer")
    lines.append(f"  Keras: {t.calls.keras}" if t.calls.keras else "  Keras: no single layer")
    lines.append(f"  ({t.note})")
    return lines
