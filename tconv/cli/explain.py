"""``tconv explain``: sizes, spellings, the matrix and the all-views check of one geometry.

The text comes from :mod:`tconv.explain` (which returns lines and prints nothing); this
module parses the flags, applies the limits and prints.
"""
from __future__ import annotations

from . import UsageError
from ._geometry import add_geometry_arguments, build_request, geometry_given

HELP = "explain a (transposed) convolution: sizes, spellings, matrix, checks"

DESCRIPTION = """\
Explain a (transposed) convolution: its output size with the formula filled in, the paper's
equivalent direct convolution, the tconv / PyTorch / Keras spellings, the valid output_size range
and the convolution matrix (shape, nonzeros, sparsity; printed when small).

Per-axis flags take one value for every axis or one value per axis; the number of axes (1-3) is
the number of --input values. Without geometry flags: the lecture notes' 4x4 input and 3x3 kernel,
step by step, with every view checked.

--stack explains a stack of layers instead: its receptive field layer by layer, and the footprint
that shows the gridding of stacked equal dilations. One word per layer, K[sS][dD][pP][t]: kernel K,
stride S, dilation D, padding P (for the reach), t for a transposed (upsampling) layer."""

EXAMPLES = """\
examples:
  tconv explain                                   the lecture notes' 4x4 / 3x3 example, all views checked
  tconv explain --input 4 4 --kernel 3            a 2-D convolution
  tconv explain --input 4 4 --kernel 3 --stride 2 --padding 1 --output-padding 1 --transposed --check
  tconv explain --input 8 --kernel 5 --padding same
  tconv explain --input 4 4 --kernel 4 --stride 2 --keras same
  tconv explain --input 5 --kernel 3 --padding 0,1 --channels 4 6 --groups 2 --check
  tconv explain --stack 3 3 2s2 3 3                the receptive field of a U-Net's first two levels
  tconv explain --stack 3d2 3d2 3d2                gridding: stacked equal dilations skip pixels
"""

PROG = "tconv explain"
#: --check runs the reference loops; refuse geometries that would make them run for long.
MAX_CHECK_STEPS = 200_000


def add_arguments(parser) -> None:
    """The geometry flags, ``--check`` and ``--seed``."""
    add_geometry_arguments(parser)
    parser.add_argument(
        "--check", action="store_true",
        help="draw random float64 data and verify that every view agrees (all methods, the reference "
        "loops, the matrix and its transpose, the adjoint identity); exit code 1 on a failure (e.g. --check)")
    parser.add_argument("--seed", type=int, default=0, help="seed of the --check data (default 0; e.g. --seed 3)")
    parser.add_argument("--stack", nargs="+", metavar="LAYER",
                        help="explain the receptive field of a stack of layers instead of one geometry: one word per "
                        "layer, K[sS][dD][pP][t] (kernel, stride, dilation, padding, t = transposed), e.g. --stack 3 3 2s2 3d2")


def _print(lines) -> None:
    print("\n".join(lines))


def _lecture(seed: int) -> int:
    """No geometry flags: the lecture notes' example, then both checks."""
    from ..explain import check_views, describe_geometry, format_checks, lecture_checks, lecture_example
    from ..geometry import conv_geometry

    _print(lecture_example())
    print()
    geometry = conv_geometry((4, 4), (3, 3))
    _print(describe_geometry(geometry, show_dense=False))
    print()
    known = lecture_checks()
    _print(format_checks(known, title="Check against the notes' numbers ([[122, 148], [126, 134]] "
                         "and the 4 x 4 transposed result):"))
    print()
    checks = check_views(geometry, seed=seed)
    _print(format_checks(checks, seed=seed))
    print()
    print("Next: tconv explain --input 2 2 --kernel 3 --stride 2 --padding 1 --output-padding 1 "
          "--transposed --check   (prints its 16 x 4 matrix C.T; tconv explain --help for every flag)")
    return 0 if all(c.passed for c in known + checks) else 1


def _stack(args) -> int:
    """``--stack``: the receptive field of a stack of layers (no geometry flags, no --check)."""
    from ..explain.stack import describe_stack
    from ..receptive_field import parse_stack

    if geometry_given(args) or args.check:
        raise UsageError("--stack explains a stack of layers; it takes no geometry flags and no --check "
                         "(explain one layer with --input/--kernel/...)", PROG)
    try:
        layers = parse_stack(args.stack)
    except ValueError as error:
        raise UsageError(f"--stack: {error}", PROG) from None
    if len(layers) > 1000 or any(layer["kernel_size"] > 10**6 or layer["stride"] > 10**6 or layer["dilation"] > 10**6
                                 for layer in layers):
        raise UsageError("--stack: at most 1000 layers, each with kernel, stride and dilation up to 10**6", PROG)
    _print(describe_stack(layers))
    return 0


def run(args) -> int:
    """Print the report of the requested geometry (or the lecture notes' example)."""
    if args.seed < 0:
        raise UsageError(f"--seed {args.seed} must be a non-negative int", PROG)
    if args.stack is not None:
        return _stack(args)
    if not geometry_given(args):
        return _lecture(args.seed)
    request = build_request(args, PROG)
    from ..explain import (MAX_NNZ, check_steps, check_views, count_nonzeros, describe_geometry, describe_keras,
                           format_checks)

    g = request.geometry
    try:
        nnz = count_nonzeros(g, request.in_channels, request.out_channels, request.groups)
    except ValueError as error:
        raise UsageError(f"this geometry is too large to explain: {error}", PROG) from None
    if args.check:
        steps = check_steps(g, request.in_channels, request.out_channels)
        if nnz > MAX_NNZ or steps > MAX_CHECK_STEPS:
            raise UsageError(f"--check builds the explicit matrix ({nnz:,} nonzeros, limit {MAX_NNZ:,}) and runs "
                             f"the reference loops ({steps:,} steps, limit {MAX_CHECK_STEPS:,}, about 5 s): try a "
                             "smaller --input or fewer --channels", PROG)
    if request.keras is not None:
        _print(describe_keras(request.keras, g.input_size))
        print()
    _print(describe_geometry(g, request.in_channels, request.out_channels, request.groups))
    if not args.check:
        return 0
    print()
    checks = check_views(g, request.in_channels, request.out_channels, request.groups, args.seed)
    _print(format_checks(checks, seed=args.seed))
    return 0 if all(check.passed for check in checks) else 1
