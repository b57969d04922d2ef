"""The ``tconv`` command.

``tconv explain`` prints what a (transposed) convolution does to sizes, how PyTorch and
Keras spell it, its convolution matrix, and (with ``--check``) verifies that every way tconv
computes it agrees. Without geometry flags it walks through the lecture notes' example and
runs the check: the quickest way to see the library's one idea, ``conv = C @ x`` and
``transposed conv = C.T @ y``.

Exit codes: 0 success, 1 a check failed, 2 a usage error (one line on stderr, no traceback).
"""
from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass

from . import __version__
from .explain import (MAX_NNZ, check_views, count_nonzeros, describe_geometry, describe_keras,
                      format_checks, lecture_checks, lecture_example)
from .geometry import PADDING_STRINGS, conv_geometry, conv_transpose_geometry
from .translate import KERAS_PADDINGS, keras_conv_transpose

__all__ = ["main", "build_parser"]

EXAMPLES = """\
examples:
  tconv explain                                   the lecture notes' 4x4 / 3x3 example, all views checked
  tconv explain --input 4 4 --kernel 3            a 2-D convolution
  tconv explain --input 4 4 --kernel 3 --stride 2 --padding 1 --output-padding 1 --transposed --check
  tconv explain --input 8 --kernel 5 --padding same
  tconv explain --input 4 4 --kernel 4 --stride 2 --keras same
  tconv explain --input 5 --kernel 3 --padding 0,1 --channels 4 6 --groups 2 --check
"""

DESCRIPTION = """\
Explain a (transposed) convolution: its output size with the formula filled in, the paper's
equivalent direct convolution, the tconv / PyTorch / Keras spellings, the valid output_size range
and the convolution matrix (shape, nonzeros, sparsity; printed when small).

Per-axis flags take one value for every axis or one value per axis; the number of axes (1-3) is
the number of --input values. Without geometry flags: the lecture notes' 4x4 input and 3x3 kernel,
step by step, with every view checked."""

GEOMETRY_FLAGS = ("input", "kernel", "stride", "padding", "dilation", "output_padding", "output_size",
                  "channels", "groups", "transposed", "keras")


class UsageError(Exception):
    """A bad combination of flags, reported as one line."""


class _Parser(argparse.ArgumentParser):
    """argparse, but a usage error is one line on stderr (and exit code 2)."""

    def error(self, message):
        raise UsageError(message)


# --------------------------------------------------------------------------- parsing


def _padding_token(token: str):
    """One ``--padding`` value: ``1``, ``before,after`` (e.g. ``0,1``) or a mode name."""
    if token.lower() in PADDING_STRINGS:
        return token.lower()
    try:
        parts = [int(part) for part in token.split(",")]
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{token!r} is not an int, a before,after pair (e.g. 0,1) or one of {', '.join(PADDING_STRINGS)}"
        ) from None
    if len(parts) == 1:
        return parts[0]
    if len(parts) == 2:
        return tuple(parts)
    raise argparse.ArgumentTypeError(f"{token!r}: a padding pair is before,after (two ints)")


def build_parser() -> argparse.ArgumentParser:
    """The ``tconv`` parser with its ``explain`` subcommand."""
    parser = _Parser(prog="tconv", description="Transposed convolution from scratch: explain a geometry, "
                     "its PyTorch/Keras spelling and its convolution matrix.")
    parser.add_argument("--version", action="version", version=f"tconv {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    explain = commands.add_parser(
        "explain", help="explain a (transposed) convolution: sizes, spellings, matrix, checks",
        description=DESCRIPTION,
        epilog=EXAMPLES, formatter_class=argparse.RawDescriptionHelpFormatter)
    add = explain.add_argument
    add("--input", nargs="+", type=int, metavar="N",
        help="spatial input size, one int per axis (e.g. --input 4 4); for --transposed, the size of the "
        "transposed convolution's input (the small side)")
    add("--kernel", nargs="+", type=int, metavar="K", help="kernel size (e.g. --kernel 3, or --kernel 3 5)")
    add("--stride", nargs="+", type=int, metavar="S", help="stride (default 1; e.g. --stride 2)")
    add("--padding", nargs="+", type=_padding_token, metavar="P",
        help="padding: ints (--padding 1 or --padding 1 2), before,after pairs (--padding 0,1) or one of "
        "valid, same, full (same: stride 1 only; its odd pixel goes after, as in PyTorch). Default 0")
    add("--dilation", nargs="+", type=int, metavar="D",
        help="dilation: gaps between kernel taps (default 1; e.g. --dilation 2)")
    add("--output-padding", nargs="+", type=int, metavar="A",
        help="transposed only: extra rows/columns at the bottom/right, 0 <= a < max(stride, dilation) "
        "(e.g. --output-padding 1)")
    add("--output-size", nargs="+", type=int, metavar="O",
        help="transposed only: the wanted output size instead of --output-padding (e.g. --output-size 8 8)")
    add("--channels", nargs=2, type=int, metavar=("IN", "OUT"),
        help="input and output channels of the operator (default 1 1; e.g. --channels 4 6)")
    add("--groups", type=int, help="split the channels into independent groups (e.g. --groups 2)")
    add("--transposed", action="store_true",
        help="explain the transposed convolution (C.T) instead of the convolution (C) "
        "(e.g. --input 2 2 --kernel 3 --stride 2 --transposed)")
    add("--keras", choices=KERAS_PADDINGS,
        help="explain Keras' Conv*DTranspose(padding=same|valid) of this input and kernel: implies "
        "--transposed and replaces --padding/--output-padding (e.g. --keras same)")
    add("--check", action="store_true",
        help="draw random float64 data and verify that every view agrees (all methods, the reference "
        "loops, the matrix and its transpose, the adjoint identity); exit code 1 on a failure (e.g. --check)")
    add("--seed", type=int, default=0, help="seed of the --check data (default 0; e.g. --seed 3)")
    return parser


@dataclass(frozen=True)
class Request:
    """The validated flags of ``tconv explain`` for one geometry."""

    geometry: object
    in_channels: int
    out_channels: int
    groups: int
    keras: object = None  # a KerasTranslation when --keras was given


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


def _request(args) -> Request:
    """Turn the flags into a validated geometry; tconv's own errors become usage errors."""
    try:
        return _build_request(args)
    except (ValueError, TypeError) as error:   # tconv names the argument, the value and the rule
        raise UsageError(str(error)) from None


def _build_request(args) -> Request:
    if args.input is None or args.kernel is None:
        raise UsageError("--input and --kernel are both needed to explain a geometry "
                         "(e.g. --input 4 4 --kernel 3)")
    ndim = len(args.input)
    if not 1 <= ndim <= 3:
        raise UsageError(f"--input has {ndim} values; tconv handles 1, 2 or 3 spatial axes")
    transposed = args.transposed or args.keras is not None
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
    if args.keras is not None:
        explicit = [flag for flag, value in (("--padding", args.padding), ("--output-padding",
                    args.output_padding), ("--output-size", args.output_size)) if value is not None]
        if explicit:
            raise UsageError(f"--keras {args.keras} sets the padding itself; drop {' and '.join(explicit)}")
        keras = keras_conv_transpose(args.keras, kernel, stride, dilation, ndim=ndim)
        geometry = conv_transpose_geometry(size, kernel, stride, keras.tconv_padding,
                                           keras.tconv_output_padding, dilation)
        return Request(geometry, c_in, c_out, groups, keras)
    padding = _padding(args.padding or [0], ndim)
    if transposed:
        output_padding = _per_axis("--output-padding", args.output_padding or [0], ndim)
        output_size = _per_axis("--output-size", args.output_size, ndim)
        geometry = conv_transpose_geometry(size, kernel, stride, padding, output_padding, dilation,
                                           output_size)
    else:
        geometry = conv_geometry(size, kernel, stride, padding, dilation)
    return Request(geometry, c_in, c_out, groups)


# --------------------------------------------------------------------------- running


def _print(lines) -> None:
    print("\n".join(lines))


def _run_check(request: Request, seed: int) -> bool:
    checks = check_views(request.geometry, request.in_channels, request.out_channels, request.groups, seed)
    _print(format_checks(checks, seed=seed))
    return all(check.passed for check in checks)


def _explain(args) -> int:
    if args.seed < 0:
        raise UsageError(f"--seed {args.seed} must be a non-negative int")
    if not any(getattr(args, flag) not in (None, False) for flag in GEOMETRY_FLAGS):
        _print(lecture_example())
        print()
        request = Request(conv_geometry((4, 4), (3, 3)), 1, 1, 1)
        _print(describe_geometry(request.geometry, show_dense=False))
        print()
        known = lecture_checks()
        _print(format_checks(known, title="Check against the notes' numbers ([[122, 148], [126, 134]] "
                             "and the 4 x 4 transposed result):"))
        print()
        ok = _run_check(request, args.seed) and all(check.passed for check in known)
        print()
        print("Next: tconv explain --input 4 4 --kernel 3 --stride 2 --padding 1 --output-padding 1 "
              "--transposed --check   (tconv explain --help for every flag)")
        return 0 if ok else 1
    request = _request(args)
    nnz = count_nonzeros(request.geometry, request.in_channels, request.out_channels, request.groups)
    if args.check and nnz > MAX_NNZ:
        raise UsageError(f"--check builds the explicit matrix and runs the reference loops; this geometry's "
                         f"matrix has {nnz:,} nonzeros (limit {MAX_NNZ:,}): try a smaller --input or fewer "
                         "--channels")
    if request.keras is not None:
        _print(describe_keras(request.keras, request.geometry.input_size))
        print()
    _print(describe_geometry(request.geometry, request.in_channels, request.out_channels, request.groups))
    if args.check:
        print()
        return 0 if _run_check(request, args.seed) else 1
    return 0


def main(argv=None) -> int:
    """Run the ``tconv`` command with ``argv`` (default ``sys.argv[1:]``); return the exit code."""
    parser = build_parser()
    prog = "tconv"
    try:
        argv = list(sys.argv[1:] if argv is None else argv)
        if argv[:1] == ["explain"]:
            prog = "tconv explain"
        args = parser.parse_args(argv)
        if args.command is None:
            raise UsageError("choose a command: tconv explain (see tconv --help)")
        return _explain(args)
    except SystemExit as done:          # --help, --version
        return int(done.code or 0)
    except UsageError as error:
        message = " ".join(str(error).split())
        print(f"{prog}: error: {message}", file=sys.stderr)
        return 2
