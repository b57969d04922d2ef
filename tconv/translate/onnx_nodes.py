"""Any tconv geometry as an ONNX ``Conv``/``ConvTranspose`` node, and the ``auto_pad`` that equals it.

The direction from tconv to ONNX (:mod:`tconv.translate.onnx` reads ONNX's nodes into tconv):
ONNX's explicit ``pads`` take any ``(begin, end)`` pair per axis, so every tconv geometry has an
exact node (:func:`onnx_attributes`, :func:`onnx_call`); :func:`onnx_spelling` also says when
``auto_pad="SAME_UPPER"`` or ``"SAME_LOWER"`` computes the same values (the same crop at the
start and the same output size) and when ONNX Runtime would refuse the node.
"""
from __future__ import annotations

from ..geometry import ConvGeometry

__all__ = ["split_total", "onnx_attributes", "onnx_call", "onnx_spelling"]


def split_total(total: int, auto_pad: str) -> tuple[int, int]:
    """``(begin, end)`` of a total crop ``T >= 0``: the larger half at the end for SAME_UPPER, else at the start.

    >>> split_total(3, "SAME_UPPER"), split_total(3, "SAME_LOWER"), split_total(3, "NOTSET")
    ((1, 2), (2, 1), (2, 1))
    """
    begin = total // 2 if auto_pad == "SAME_UPPER" else total - total // 2
    return begin, total - begin


def onnx_attributes(geometry: ConvGeometry, groups: int = 1) -> dict:
    """The ONNX node attributes computing exactly ``geometry`` (``Conv`` or ``ConvTranspose``).

    ``pads`` lists every axis' begin, then every axis' end; explicit padding (``NOTSET``)
    writes any tconv geometry, asymmetric ones included.

    >>> from tconv.geometry import conv_transpose_geometry
    >>> onnx_attributes(conv_transpose_geometry((4, 4), (3, 3), stride=2, padding=((0, 1), (0, 1))))
    {'kernel_shape': [3, 3], 'strides': [2, 2], 'pads': [0, 0, 1, 1], 'dilations': [1, 1], 'group': 1, 'output_padding': [0, 0]}
    """
    attributes = dict(kernel_shape=list(geometry.kernel_size), strides=list(geometry.stride),
                      pads=[b for b, _ in geometry.padding] + [e for _, e in geometry.padding],
                      dilations=list(geometry.dilation), group=int(groups))
    if geometry.transposed:
        attributes["output_padding"] = list(geometry.output_padding)
    return attributes


def onnx_call(geometry: ConvGeometry, groups: int = 1) -> str:
    """``ConvTranspose(kernel_shape=[3, 3], strides=[2, 2], pads=[...], ...)``, defaults left out.

    >>> from tconv.geometry import conv_transpose_geometry
    >>> onnx_call(conv_transpose_geometry((4, 4), (3, 3), stride=2, padding=1, output_padding=1))
    'ConvTranspose(kernel_shape=[3, 3], strides=[2, 2], pads=[1, 1, 1, 1], output_padding=[1, 1])'
    """
    attributes = onnx_attributes(geometry, groups)
    defaults = dict(strides=1, pads=0, dilations=1, group=1, output_padding=0)
    parts = []
    for key, value in attributes.items():
        values = value if isinstance(value, list) else [value]
        if key in defaults and all(v == defaults[key] for v in values):
            continue
        parts.append(f"{key}={value!r}")
    return f"{'ConvTranspose' if geometry.transposed else 'Conv'}({', '.join(parts)})"


def _same_modes(geometry: ConvGeometry) -> list[tuple[str, tuple]]:
    """``(auto_pad, output_padding)`` of the ``SAME_UPPER``/``SAME_LOWER`` nodes that compute ``geometry``.

    Two transposed convolutions compute the same values when they crop as much at the start and
    have the same output size; the search runs over every ``output_padding`` ONNX Runtime takes.
    """
    modes = []
    for mode in ("SAME_UPPER", "SAME_LOWER"):
        chosen = []
        for axis in range(geometry.ndim):
            i, o, s = geometry.input_size[axis], geometry.output_size[axis], geometry.stride[axis]
            kh, begin = geometry.effective_kernel[axis], geometry.padding[axis][0]
            if geometry.transposed:
                fits = [a for a in range(s) if o == i * s and kh + a - s >= 0
                        and split_total(kh + a - s, mode)[0] == begin]      # T = (i-1)s + k̂ + a - i*s
            else:
                out = -(-i // s)
                total = max((out - 1) * s + kh - i, 0)
                fits = [0] if o == out and begin == (total // 2 if mode == "SAME_UPPER" else total - total // 2) \
                    else []
            if not fits:
                break
            chosen.append(geometry.output_padding[axis] if geometry.output_padding[axis] in fits else fits[0])
        else:
            modes.append((mode, tuple(chosen)))
    return modes


def onnx_spelling(geometry: ConvGeometry, groups: int = 1) -> tuple[str, str]:
    """``(call, note)``: ``geometry`` as an ONNX ``Conv``/``ConvTranspose`` node, and the ``auto_pad`` that equals it.

    ONNX's explicit ``pads`` take any ``(begin, end)`` pair, so every tconv geometry has an
    exact ONNX spelling (unlike PyTorch's symmetric ``padding``).

    >>> from tconv.geometry import conv_transpose_geometry
    >>> call, note = onnx_spelling(conv_transpose_geometry((4, 4), (3, 3), stride=2, padding=((0, 1), (0, 1))))
    >>> call
    'ConvTranspose(kernel_shape=[3, 3], strides=[2, 2], pads=[0, 0, 1, 1])'
    >>> note
    "exact with explicit pads: all begins, then all ends; auto_pad='SAME_UPPER' is the same"
    """
    modes = _same_modes(geometry)
    note = "exact with explicit pads: all begins, then all ends"
    if geometry.transposed and any(a >= s for a, s in zip(geometry.output_padding, geometry.stride)):
        note += "; but ONNX Runtime refuses an output_padding of at least the stride"
    if modes:
        spelled = []
        for mode, output_padding in modes:
            same_a = not geometry.transposed or output_padding == geometry.output_padding
            spelled.append(f"auto_pad={mode!r}" + ("" if same_a else f" with output_padding={list(output_padding)}"))
        note += "; " + " and ".join(spelled) + (" are" if len(spelled) > 1 else " is") + " the same"
    return onnx_call(geometry, groups), note
