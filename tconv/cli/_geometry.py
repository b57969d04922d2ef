"""The geometry flags shared by ``tconv explain`` and ``tconv figure``.

``--input``, ``--kernel``, ``--stride``, ``--padding``, ``--dilation``, ``--output-padding``,
``--output-size``, ``--channels``, ``--groups``, ``--transposed`` (and ``--keras`` for
``explain``): per-axis flags take one value for every axis or one value per axis, and the
number of axes (1-3) is the number of ``--input`` values. :func:`build_request` turns them
into a validated :class:`Request`; the library's own errors (which name the argument, the
value and the rule) become one-line usage errors.
"""
from __future__ import annotations

import argparse
from dataclasses import dataclass

from . import UsageError

__all__ = ["add_geometry_arguments", "geometry_given", "build_request", "Request", "GEOMETRY_FLAGS"]

GEOMETRY_FLAGS = ("input", "kernel", "stride", "padding", "dilation", "output_padding", "output_size",
                  "channels", "groups", "transposed", "keras", "onnx")
PADDING_MODES = ("valid", "same", "full")
KERAS_MODES = ("valid", "same")
ONNX_MODES = ("NOTSET", "SAME_UPPER", "SAME_LOWER", "VALID")
#: Larger sizes are refused: nothing about them can be shown (counted, drawn or checked).
MAX_SIZE = 10**12


def _size(token: str) -> int:
    """One size-like value: an int from 0 to :data:`MAX_SIZE` (the library checks the finer rules)."""
    try:
        value = int(token)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{token!r} is not an int") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"{token} is negative; sizes, strides and paddings are >= 0")
    if value > MAX_SIZE:
        raise argparse.ArgumentTypeError(f"{token} is outside 0..{MAX_SIZE:.0e}")
    return value


def _padding_token(token: str):
    """One ``--padding`` value: ``1``, ``before,after`` (e.g. ``0,1``) or a mode name."""
    if token.lower() in PADDING_MODES:
        return token.lower()
    try:
        parts = [_size(part) for part in token.split(",")]
    except argparse.ArgumentTypeError as error:
        if "negative" in str(error):
            raise
        raise argparse.ArgumentTypeError(
            f"{token!r} is not an int, a before,after pair (e.g. 0,1) or one of {', '.join(PADDING_MODES)}"
        ) from None
    if len(parts) == 1:
        return parts[0]
    if len(parts) == 2:
        return tuple(parts)
    raise argparse.ArgumentTypeError(f"{token!r}: a padding pair is before,after (two ints)")


def add_geometry_arguments(parser: argparse.ArgumentParser, keras: bool = True) -> None:
    """Add the geometry flags to ``parser`` (``--keras`` only when ``keras``)."""
    add = parser.add_argument
    add("--input", nargs="+", type=_size, metavar="N",
        help="spatial input size, one int per axis (e.g. --input 4 4); for --transposed, the size of the "
        "transposed convolution's input (the small side)")
    add("--kernel", nargs="+", type=_size, metavar="K", help="kernel size (e.g. --kernel 3, or --kernel 3 5)")
    add("--stride", nargs="+", type=_size, metavar="S", help="stride (default 1; e.g. --stride 2)")
    add("--padding", nargs="+", type=_padding_token, metavar="P",
        help="padding: ints (--padding 1 or --padding 1 2), before,after pairs (--padding 0,1) or one of "
        "valid, same, full (same: stride 1 only; its odd pixel goes after, as in PyTorch). Default 0")
    add("--dilation", nargs="+", type=_size, metavar="D",
        help="dilation: gaps between kernel taps (default 1; e.g. --dilation 2)")
    add("--output-padding", nargs="+", type=_size, metavar="A",
        help="transposed only: extra rows/columns at the bottom/right, 0 <= a < max(stride, dilation) "
        "(e.g. --output-padding 1)")
    add("--output-size", nargs="+", type=_size, metavar="O",
        help="transposed only: the wanted output size instead of --output-padding (e.g. --output-size 8 8)")
    add("--channels", nargs=2, type=_size, metavar=("IN", "OUT"),
        help="input and output channels of the operator (default 1 1; e.g. --channels 4 6)")
    add("--groups", type=_size, help="split the channels into independent groups (e.g. --groups 2)")
    add("--transposed", action="store_true",
        help="the transposed convolution (C.T) instead of the convolution (C) "
        "(e.g. --input 2 2 --kernel 3 --stride 2 --transposed)")
    if keras:
        add("--keras", choices=KERAS_MODES,
            help="Keras' Conv*DTranspose(padding=same|valid) of this input and kernel: implies "
            "--transposed and replaces --padding/--output-padding (e.g. --keras same)")
        add("--onnx", choices=ONNX_MODES, type=str.upper, metavar="AUTO_PAD",
            help="ONNX's ConvTranspose with this auto_pad (NOTSET, SAME_UPPER, SAME_LOWER, VALID): implies "
            "--transposed; with NOTSET, --padding gives its pads (before,after pairs allowed) and --output-size "
            "its output_shape, which ONNX turns into pads (e.g. --onnx SAME_LOWER)")


def geometry_given(args) -> bool:
    """Whether any geometry flag was given."""
    return any(getattr(args, flag, None) not in (None, False) for flag in GEOMETRY_FLAGS)


@dataclass(frozen=True)
class Request:
    """The validated geometry flags: the geometry, the operator's channels, groups, and a Keras translation."""

    geometry: object
    in_channels: int
    out_channels: int
    groups: int
    keras: object = None  # a tconv.translate.KerasTranslation when --keras was given
    onnx: object = None   # a tconv.translate.OnnxTranslation when --onnx was given


def _per_axis(flag: str, values, ndim: int):
    if values is None:
        return None
    if len(values) == 1:
        return tuple(values) * ndim
    if len(values) != ndim:
        raise UsageError(f"{flag} has {len(values)} values but --input has {ndim}: give one value for "
                         "every axis or one per axis")
    return tuple(values)


def _padding(values, ndim: int):
    modes = [v for v in values if isinstance(v, str)]
    if modes:
        if len(values) != 1:
            raise UsageError(f"--padding {modes[0]} is a mode for every axis; give it alone")
        return modes[0]
    return _per_axis("--padding", values, ndim)


def build_request(args, prog: str) -> Request:
    """Turn the flags into a validated geometry; the library's errors become usage errors of ``prog``.

    The library names PyTorch's arguments (``kernel_size=(0,)``); the message names the flags
    the user typed (``--kernel (0,)``).
    """
    from ..translate.spelling import COMMAND_LINE_NAMES, respell

    try:
        return _build(args)
    except UsageError as error:
        raise UsageError(str(error), prog) from None
    except (ValueError, TypeError) as error:   # tconv names the argument, the value and the rule
        raise UsageError(respell(str(error), COMMAND_LINE_NAMES), prog) from None


def _build(args) -> Request:
    from ..geometry import conv_geometry, conv_transpose_geometry
    from ..translate import keras_conv_transpose

    if args.input is None or args.kernel is None:
        raise UsageError("--input and --kernel are both needed to describe a geometry "
                         "(e.g. --input 4 4 --kernel 3)")
    ndim = len(args.input)
    if not 1 <= ndim <= 3:
        raise UsageError(f"--input has {ndim} values; tconv handles 1, 2 or 3 spatial axes")
    keras_mode = getattr(args, "keras", None)
    onnx_mode = getattr(args, "onnx", None)
    if keras_mode is not None and onnx_mode is not None:
        raise UsageError("--keras and --onnx each describe one layer; give one of them")
    transposed = args.transposed or keras_mode is not None or onnx_mode is not None
    c_in, c_out = args.channels or (1, 1)
    groups = 1 if args.groups is None else args.groups
    if min(c_in, c_out, groups) < 1:
        raise UsageError(f"--channels {c_in} {c_out} and --groups {groups} must be positive")
    if c_in % groups or c_out % groups:
        raise UsageError(f"--groups {groups} must divide both --channels {c_in} {c_out}")
    if not transposed and (args.output_padding is not None or args.output_size is not None):
        raise UsageError("--output-padding and --output-size only apply to a transposed convolution "
                         "(add --transposed)")
    size = _per_axis("--input", args.input, ndim)
    kernel = _per_axis("--kernel", args.kernel, ndim)
    stride = _per_axis("--stride", args.stride or [1], ndim)
    dilation = _per_axis("--dilation", args.dilation or [1], ndim)
    if keras_mode is not None:
        explicit = [flag for flag, value in (("--padding", args.padding), ("--output-padding",
                    args.output_padding), ("--output-size", args.output_size)) if value is not None]
        if explicit:
            raise UsageError(f"--keras {keras_mode} sets the padding itself; drop {' and '.join(explicit)}")
        keras = keras_conv_transpose(keras_mode, kernel, stride, dilation, ndim=ndim)
        geometry = conv_transpose_geometry(size, kernel, stride, keras.tconv_padding,
                                           keras.tconv_output_padding, dilation)
        return Request(geometry, c_in, c_out, groups, keras)
    if onnx_mode is not None:
        return _onnx_request(args, onnx_mode, size, kernel, stride, dilation, ndim, c_in, c_out, groups)
    padding = _padding(args.padding or [0], ndim)
    if transposed:
        output_padding = _per_axis("--output-padding", args.output_padding or [0], ndim)
        output_size = _per_axis("--output-size", args.output_size, ndim)
        geometry = conv_transpose_geometry(size, kernel, stride, padding, output_padding, dilation,
                                           output_size)
    else:
        geometry = conv_geometry(size, kernel, stride, padding, dilation)
    return Request(geometry, c_in, c_out, groups)


def _onnx_request(args, mode, size, kernel, stride, dilation, ndim, c_in, c_out, groups) -> Request:
    """``--onnx AUTO_PAD``: the node's pads (``--padding``), output_padding and output_shape (``--output-size``)."""
    from ..translate import onnx_conv_transpose
    from ..translate.spelling import COMMAND_LINE_NAMES, respell

    pads = None
    if args.padding is not None:
        if mode != "NOTSET":
            raise UsageError(f"--onnx {mode} computes the padding itself; drop --padding (it is for --onnx NOTSET)")
        values = _padding(args.padding, ndim)
        if isinstance(values, str):
            raise UsageError(f"--padding {values} is not an ONNX pads value; ONNX's modes are --onnx SAME_UPPER, "
                             "SAME_LOWER or VALID")
        pairs = [v if isinstance(v, tuple) else (v, v) for v in values]
        pads = [b for b, _ in pairs] + [e for _, e in pairs]
    output_shape = _per_axis("--output-size", args.output_size, ndim)
    output_padding = _per_axis("--output-padding", args.output_padding or [0], ndim)
    try:
        onnx = onnx_conv_transpose(size, kernel, stride, pads, output_padding, dilation, mode, output_shape, groups)
    except ValueError as error:
        flags = dict(COMMAND_LINE_NAMES, output_shape="--output-size", pads="--padding", auto_pad="--onnx")
        raise UsageError(respell(str(error), flags)) from None
    return Request(onnx.geometry, c_in, c_out, groups, onnx=onnx)
