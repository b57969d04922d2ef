"""Spelling one (transposed) convolution geometry in tconv, PyTorch and Keras.

:func:`framework_calls` writes any tconv geometry as a tconv call, a PyTorch layer and (when
one exists) a Keras layer. The rule behind it: a (transposed) convolution's values depend only
on the amount it crops (or pads) at the start of each axis and on its output size, so two
spellings are the same operator exactly when those agree. (Per axis, with input ``i``, kernel
``k``, stride ``s``, dilation ``d`` and ``k̂ = d(k-1) + 1``: PyTorch pads ``p`` on both sides and
adds ``output_padding`` at the end; Keras "valid" pads nothing and "same" pads
``T = max((o-1)s + k̂ - i, 0)`` in total, ``T//2`` before.)

The translation in the other direction, a Keras ``Conv*DTranspose`` into PyTorch and tconv, is
:mod:`tconv.translate.keras`; the call-building helpers here are shared by both.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from ..geometry import ConvGeometry

__all__ = ["FrameworkCalls", "framework_calls", "tconv_call", "torch_transpose_call", "format_call", "collapse",
           "KERAS_PADDINGS", "respell", "COMMAND_LINE_NAMES"]

#: The geometry's argument names (PyTorch's, in the library's messages) -> the flags of ``tconv explain``,
#: ``tconv figure`` and ``tconv explore`` that set them, and the explorer page's link names.
COMMAND_LINE_NAMES = {"input_size": "--input", "kernel_size": "--kernel", "stride": "--stride", "padding": "--padding",
                      "dilation": "--dilation", "output_padding": "--output-padding", "output_size": "--output-size",
                      "groups": "--groups"}


def respell(message: str, names: dict) -> str:
    """``message`` with the library's argument names (``length=24``) as a command's flags (``--input 24``).

    The library names arguments as Python does; on the command line the same rule is told in
    the flags the user typed.

    >>> respell("length=100000 must be an int from 1 to 24", {"length": "--input"})
    '--input 100000 must be an int from 1 to 24'
    >>> respell("kernel_size=(5,) with dilation=(1,) is too large", COMMAND_LINE_NAMES)
    '--kernel (5,) with --dilation (1,) is too large'
    """
    for name, flag in names.items():
        message = re.sub(rf"(?<![\w-]){re.escape(name)}=(\S+)", lambda m, f=flag: f"{f} {m.group(1)}", message)
    return message

KERAS_PADDINGS = ("valid", "same")


def collapse(values):
    """``(3, 3)`` -> ``3``; ``(3, 4)`` stays a tuple (how PyTorch and Keras accept sizes)."""
    values = tuple(values)
    return values[0] if len(set(values)) == 1 else values


def _pads_spelling(pairs):
    """Per-axis (before, after) pairs as the shortest argument tconv accepts."""
    if all(b == a for b, a in pairs):
        return collapse(b for b, _ in pairs)
    return tuple(tuple(pair) for pair in pairs)


def format_call(name: str, positional, keywords) -> str:
    """``name(pos1, pos2, key=value, ...)`` skipping keywords whose value is ``None``."""
    parts = [str(p) for p in positional]
    parts += [f"{key}={value!r}" for key, value in keywords if value is not None]
    return f"{name}({', '.join(parts)})"


@dataclass(frozen=True)
class FrameworkCalls:
    """How to write one tconv geometry in tconv, PyTorch and Keras.

    ``torch`` and ``keras`` are ``None`` when no single layer of that framework computes
    the same operator; ``torch_note`` and ``keras_note`` then say why and what to do
    instead (and otherwise give the weight-layout facts needed to move weights over).
    """

    tconv: str
    torch: str | None
    keras: str | None
    torch_note: str
    keras_note: str


def framework_calls(geometry: ConvGeometry, in_channels="C_in", out_channels="C_out", groups: int = 1
                    ) -> FrameworkCalls:
    """Spell ``geometry`` as a tconv call, a PyTorch layer and (when one exists) a Keras layer.

    ``in_channels``/``out_channels`` are the operator's own (for a transposed conv: the
    channels of its input and of its result); ints or placeholder names. A spelling is
    given only when it computes exactly the same values: same crop at the start of every
    axis, same output size.

    >>> from tconv.geometry import conv_transpose_geometry
    >>> calls = framework_calls(conv_transpose_geometry((4, 4), (3, 3), stride=2, padding=1,
    ...                                                output_padding=1), 16, 8)
    >>> print(calls.torch)
    nn.ConvTranspose2d(16, 8, kernel_size=3, stride=2, padding=1, output_padding=1)
    >>> calls.keras is None
    True
    >>> keras_same = conv_transpose_geometry((4, 4), (3, 3), stride=2, padding=((0, 1), (0, 1)))
    >>> print(framework_calls(keras_same, 16, 8).keras)
    keras.layers.Conv2DTranspose(8, kernel_size=3, strides=2, padding='same')
    """
    if geometry.transposed:
        torch, torch_note = _torch_transpose(geometry, in_channels, out_channels, groups)
        keras, keras_note = _keras_transpose(geometry, out_channels, groups)
        tconv = tconv_call(f"conv_transpose{geometry.ndim}d", geometry.stride, geometry.padding,
                            geometry.output_padding, geometry.dilation, groups)
    else:
        torch, torch_note = _torch_conv(geometry, in_channels, out_channels, groups)
        keras, keras_note = _keras_conv(geometry, out_channels, groups)
        tconv = tconv_call(f"conv{geometry.ndim}d", geometry.stride, geometry.padding, None,
                            geometry.dilation, groups)
    return FrameworkCalls(tconv, torch, keras, torch_note, keras_note)


def tconv_call(function, stride, pairs, output_padding, dilation, groups) -> str:
    padding = _pads_spelling(pairs)
    return format_call(f"tconv.{function}", ["x", "w"], [
        ("stride", None if set(stride) == {1} else collapse(stride)),
        ("padding", None if padding == 0 else padding),
        ("output_padding", None if not output_padding or set(output_padding) == {0}
         else collapse(output_padding)),
        ("groups", None if groups == 1 else groups),
        ("dilation", None if set(dilation) == {1} else collapse(dilation))])


def torch_transpose_call(ndim, c_in, c_out, kernel_size, stride, padding, output_padding, dilation,
                          groups) -> str:
    return format_call(f"nn.ConvTranspose{ndim}d", [c_in, c_out], [
        ("kernel_size", collapse(kernel_size)),
        ("stride", None if set(stride) == {1} else collapse(stride)),
        ("padding", None if set(padding) == {0} else collapse(padding)),
        ("output_padding", None if set(output_padding) == {0} else collapse(output_padding)),
        ("groups", None if groups == 1 else groups),
        ("dilation", None if set(dilation) == {1} else collapse(dilation))])


def _layouts(ndim, transposed) -> tuple[str, str]:
    """The weight layouts: (PyTorch's, Keras' with the permutation from PyTorch's)."""
    spatial = ", ".join(("kd", "kh", "kw")[3 - ndim:])
    perm = ", ".join(str(a) for a in list(range(2, ndim + 2)) + [1, 0])
    if transposed:
        torch_shape, keras_shape = f"(C_in, C_out/groups, {spatial})", f"({spatial}, C_out, C_in)"
    else:
        torch_shape, keras_shape = f"(C_out, C_in/groups, {spatial})", f"({spatial}, C_in/groups, C_out)"
    return (f"weight {torch_shape}",
            f"channels-last; kernel {keras_shape} = PyTorch's weight.permute({perm}), not flipped")


def _torch_transpose(g: ConvGeometry, c_in, c_out, groups):
    """PyTorch crops ``p`` at the start, so ``p = padding_before``; ``output_padding`` fixes the size."""
    k_hat = g.effective_kernel
    padding, output_padding = [], []
    for f, o, kh, s, d, (b, _) in zip(g.feature_size, g.image_size, k_hat, g.stride, g.dilation, g.padding):
        a = o - ((f - 1) * s - 2 * b + kh)
        if not 0 <= a < max(s, d):
            return None, (f"no PyTorch padding/output_padding gives this: PyTorch pads symmetrically, so it "
                          f"would need output_padding={a} (valid: 0 <= a < max(stride, dilation)); "
                          + _crop_recipe(g))
        padding.append(b)
        output_padding.append(a)
    call = torch_transpose_call(g.ndim, c_in, c_out, g.kernel_size, g.stride, padding, output_padding,
                                 g.dilation, groups)
    return call, _layouts(g.ndim, True)[0]


def _crop_recipe(g: ConvGeometry) -> str:
    """PyTorch with padding=0 computes every position; keep the window tconv's padding selects."""
    full = [(f - 1) * s + kh for f, s, kh in zip(g.feature_size, g.stride, g.effective_kernel)]
    keep = ", ".join(f"{b}:{b + o}" for (b, _), o in zip(g.padding, g.image_size))
    recipe = f"use nn.ConvTranspose{g.ndim}d(..., padding=0) and keep y[..., {keep}]"
    short = [max(b + o - n, 0) for (b, _), o, n in zip(g.padding, g.image_size, full)]
    if any(short):
        recipe += f" after zero-padding its end by {collapse(short)}"
    return recipe


def _torch_conv(g: ConvGeometry, c_in, c_out, groups):
    """A conv's values depend on ``padding_before`` and the output size; PyTorch pads ``p`` both sides."""
    k_hat = g.effective_kernel
    keywords = [("kernel_size", collapse(g.kernel_size)),
                ("stride", None if set(g.stride) == {1} else collapse(g.stride)), ("padding", None),
                ("dilation", None if set(g.dilation) == {1} else collapse(g.dilation)),
                ("groups", None if groups == 1 else groups)]
    befores = [b for b, _ in g.padding]
    if all((i + 2 * b - kh) // s + 1 == o for i, b, kh, s, o in
           zip(g.image_size, befores, k_hat, g.stride, g.feature_size)):
        keywords[2] = ("padding", None if set(befores) == {0} else collapse(befores))
    elif set(g.stride) == {1} and all(pair == ((kh - 1) // 2, kh - 1 - (kh - 1) // 2)
                                      for pair, kh in zip(g.padding, k_hat)):
        keywords[2] = ("padding", "same")    # PyTorch's "same" puts the odd pixel at the end, too
    else:
        torch_pad = ", ".join(f"{b}, {e}" for b, e in reversed(g.padding))
        return None, (f"PyTorch's padding is symmetric; pad first: F.pad(x, ({torch_pad})) (last axis "
                      f"first), then nn.Conv{g.ndim}d(..., padding=0)")
    return format_call(f"nn.Conv{g.ndim}d", [c_in, c_out], keywords), _layouts(g.ndim, False)[0]


def _keras_refusal(g: ConvGeometry, groups, transposed):
    if max(g.stride) > 1 and max(g.dilation) > 1:
        return "Keras refuses strides > 1 together with dilation_rate > 1"
    if transposed and groups != 1:
        return "Keras' Conv*DTranspose has no groups argument"
    return None


def _keras_transpose(g: ConvGeometry, c_out, groups):
    """Keras "valid" crops nothing at the start; "same" crops ``max((i-1)s + k̂ - o', 0) // 2``."""
    refusal = _keras_refusal(g, groups, transposed=True)
    if refusal:
        return None, refusal
    for mode in KERAS_PADDINGS:
        explicit, all_default = [], True
        for f, o, kh, s, (b, _) in zip(g.feature_size, g.image_size, g.effective_kernel, g.stride,
                                       g.padding):
            if mode == "valid":
                fits = b == 0
                default = (f - 1) * s + max(kh, s)
                base = (f - 1) * s + kh                   # Keras: (i-1)s + k̂ + output_padding
            else:
                # TensorFlow transposes a "same" conv of the output size: ceil(o'/s) must be i.
                fits = b == max((f - 1) * s + kh - o, 0) // 2 and -(-o // s) == f
                default = f * s
                base = (f - 1) * s + kh % 2               # Keras: (i-1)s + k̂%2 + output_padding
            all_default &= o == default
            explicit.append(o - base)
            if not fits:
                break
        else:
            if all_default:
                output_padding = None
            elif all(0 <= a < s for a, s in zip(explicit, g.stride)):
                output_padding = collapse(explicit)
            else:
                continue
            call = format_call(f"keras.layers.Conv{g.ndim}DTranspose", [c_out], [
                ("kernel_size", collapse(g.kernel_size)),
                ("strides", None if set(g.stride) == {1} else collapse(g.stride)),
                ("padding", mode), ("output_padding", output_padding),
                ("dilation_rate", None if set(g.dilation) == {1} else collapse(g.dilation))])
            return call, _layouts(g.ndim, True)[1]
    return None, ("no Keras padding places the output like this: 'valid' crops nothing at the start and "
                  "'same' crops max((i-1)s + k̂ - o', 0) // 2")


def _keras_conv(g: ConvGeometry, c_out, groups):
    """Keras "valid" pads nothing; "same" gives ``ceil(i/s)`` and pads ``T//2`` before."""
    refusal = _keras_refusal(g, groups, transposed=False)
    if refusal:
        return None, refusal
    for mode in KERAS_PADDINGS:
        ok = True
        for i, o, kh, s, (b, _) in zip(g.image_size, g.feature_size, g.effective_kernel, g.stride,
                                       g.padding):
            if mode == "valid":
                ok &= b == 0 and o == (i - kh) // s + 1
            else:
                ok &= o == -(-i // s) and b == max((o - 1) * s + kh - i, 0) // 2
        if ok:
            call = format_call(f"keras.layers.Conv{g.ndim}D", [c_out], [
                ("kernel_size", collapse(g.kernel_size)),
                ("strides", None if set(g.stride) == {1} else collapse(g.stride)),
                ("padding", mode),
                ("dilation_rate", None if set(g.dilation) == {1} else collapse(g.dilation)),
                ("groups", None if groups == 1 else groups)])
            return call, _layouts(g.ndim, False)[1]
    return None, ("no Keras padding gives this: 'valid' pads nothing and 'same' gives ceil(i/s) outputs "
                  "with T = max((o-1)s + k̂ - i, 0) split T//2 before, the rest after")
