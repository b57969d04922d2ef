"""``tconv figure``: draw any configuration (or the whole lecture pack) to a file.

The pictures come from :mod:`tconv.viz` (imported inside :func:`run`, with matplotlib);
this module parses the flags, refuses the ones a kind does not use, checks the output file
before drawing, and reports every problem as one line.
"""
from __future__ import annotations

import os

from . import UsageError, respell
from ._geometry import add_geometry_arguments, build_request, geometry_given

HELP = "draw a (transposed) convolution, its matrix, the checkerboard lab, ... (PNG, SVG, PDF, GIF, MP4)"

DESCRIPTION = """\
Draw a figure from the real geometry and the real convolution matrix, so that it cannot
disagree with the arithmetic. The format follows the output's name: .png, .svg or .pdf for a
figure; .gif (or .mp4, with ffmpeg) for an animation. The same arguments give the same bytes.

kinds:
  conv        input, padding, the kernel's window, output (--numbers, --animate)
  transposed  each input pixel paints its scaled kernel; cropped border, output_padding
              (--numbers, --animate, --view equivalent: zeros inserted, kernel rotated 180°)
  matrix      the stretched input, the kernel and the sparse matrix C (--numbers, --transpose)
  overlap     the checkerboard lab for --kernel K --stride S (--part counts|upsampling|gradient)
  views       one transposed convolution computed five ways, side by side
  unet        a U-Net's architecture (--depth, --base, --size, --in-channels, --classes, --up)
  training    learning curves of a tconv train run: tconv figure training RUN_DIR -o FILE
  pack        the lecture pack: every figure and DIR/index.html (-o DIR)

Geometry flags are those of tconv explain; without them, conv, matrix and views draw the
lecture notes' 4x4 input and 3x3 kernel, and transposed its twin (2x2 -> 4x4)."""

EXAMPLES = """\
examples:
  tconv figure conv --input 5 5 --kernel 3 --stride 2 --padding 1 -o conv.png
  tconv figure conv --input 5 5 --kernel 3 --stride 2 --padding 1 --numbers --animate -o conv.gif
  tconv figure transposed --input 3 3 --kernel 3 --stride 2 --padding 1 --output-padding 1 -o t.svg
  tconv figure transposed --input 3 3 --kernel 3 --stride 2 --view equivalent -o paper.png
  tconv figure conv --input 8 --kernel 3 --dilation 2 -o dilated_1d.png
  tconv figure matrix --input 4 4 --kernel 3 --numbers -o matrix.png
  tconv figure overlap --kernel 3 --stride 2 -o checkerboard.png
  tconv figure unet --depth 3 --base 8 --size 64 --up bilinear -o unet.pdf
  tconv figure training runs/shapes -o curves.png
  tconv figure pack -o lecture_pack
"""

PROG = "tconv figure"
GEOMETRY_KINDS = ("conv", "transposed", "matrix", "views")   # their errors keep PyTorch's names (kernel_size=...)
#: The library's argument names of the other kinds -> the flags that set them, for error messages.
LIBRARY_NAMES = {"kernel_size": "--kernel", "stride": "--stride", "length": "--input", "depth": "--depth",
                 "base": "--base", "size": "--size", "in_channels": "--in-channels", "classes": "--classes"}
KIND_CHOICES = ("conv", "transposed", "matrix", "overlap", "views", "unet", "training", "pack")
UNET_FLAGS = ("depth", "base", "size", "in_channels", "classes", "up")
#: flag (attribute) -> the kinds that use it
FLAG_KINDS = {
    "numbers": ("conv", "transposed", "matrix"),
    "animate": ("conv", "transposed"),
    "view": ("transposed",),
    "transpose": ("matrix",),
    "part": ("overlap",),
    "fps": ("conv", "transposed"),
    "jobs": ("pack",),
    "overwrite": ("pack",),
    **{flag: ("unet",) for flag in UNET_FLAGS},
}


def add_arguments(parser) -> None:
    """KIND, RUN_DIR, the geometry flags, the drawing options and ``-o``."""
    parser.add_argument("kind", choices=KIND_CHOICES, metavar="KIND",
                        help=f"what to draw: {', '.join(KIND_CHOICES)} (see the list above)")
    parser.add_argument("run_dir", nargs="?", metavar="RUN_DIR",
                        help="training only: the run folder holding history.json (e.g. runs/shapes)")
    parser.add_argument("-o", "--output", metavar="FILE",
                        help="the file to write (.png, .svg, .pdf; .gif or .mp4 with --animate); for pack, a folder")
    add_geometry_arguments(parser, keras=False)
    add = parser.add_argument
    add("--numbers", action="store_true", help="seeded values in the cells and the products being summed")
    add("--seed", type=int, default=0, help="seed of the --numbers values and random weights (default 0)")
    add("--animate", action="store_true",
        help="one frame per output position (conv) or per input pixel (transposed); save as .gif or .mp4")
    add("--view", choices=("direct", "equivalent"), default=None,
        help="transposed only: direct (scatter-add, default) or equivalent (the paper's zero-insertion picture)")
    add("--transpose", action="store_true", help="matrix only: draw C.T and the output vector C.T y")
    add("--part", choices=("all", "counts", "upsampling", "gradient"), default=None,
        help="overlap only: one part of the checkerboard lab (default all)")
    add("--depth", type=int, help="unet: number of poolings, 1 to 6 (default 3)")
    add("--base", type=int, help="unet: channels at full resolution (default 16; base * 2**depth at most 1024)")
    add("--size", type=int, help="unet: input side in pixels, divisible by 2**depth, at most 4096 (default 64)")
    add("--in-channels", type=int, help="unet: input channels (default 1)")
    add("--classes", type=int, help="unet: number of classes (default 2)")
    add("--up", choices=("transpose", "resize", "bilinear"), help="unet: how the decoder upsamples (default transpose)")
    add("--dpi", type=float, help="resolution, 20 to 1200 (default 150 for figures, 100 for animations)")
    add("--fps", type=float, help="animation frames per second, 0.1 to 50 (default about 1.1)")
    add("--jobs", type=int, help="pack: processes rendering the figures (default 2, at most 32)")
    add("--overwrite", action="store_true", help="pack: write into a folder whose files are not an earlier pack's")


def _given(args, flag: str) -> bool:
    value = getattr(args, flag, None)
    return value not in (None, False)


def _refuse_unused(args) -> None:
    for flag, kinds in FLAG_KINDS.items():
        if _given(args, flag) and args.kind not in kinds:
            raise UsageError(f"--{flag.replace('_', '-')} does not apply to {args.kind} (it is for "
                             f"{', '.join(kinds)})", PROG)
    if args.run_dir is not None and args.kind != "training":
        raise UsageError(f"{args.kind} takes no folder argument ({args.run_dir!r}); only training reads a run "
                         "folder", PROG)
    if args.kind in ("unet", "training", "pack") and geometry_given(args):
        raise UsageError(f"{args.kind} takes no geometry flags (--input, --kernel, ...)", PROG)
    if args.kind == "overlap":
        extra = [f"--{f.replace('_', '-')}" for f in ("padding", "dilation", "output_padding", "output_size",
                                                       "channels", "groups", "transposed") if _given(args, f)]
        if extra:
            raise UsageError(f"overlap uses --kernel, --stride and --input only; drop {' '.join(extra)}", PROG)
    if args.kind in ("conv", "transposed", "matrix", "views") and (args.channels or args.groups):
        if tuple(args.channels or (1, 1)) != (1, 1) or (args.groups or 1) != 1:
            raise UsageError("tconv figure draws one input and one output channel; drop --channels and --groups "
                             "(tconv explain describes channels and groups)", PROG)
    if args.kind == "conv" and args.transposed:
        raise UsageError("conv draws a convolution; for a transposed convolution use "
                         "'tconv figure transposed' with the same flags (without --transposed)", PROG)


def _single(flag: str, values, default: int) -> int:
    if values is None:
        return default
    if len(set(values)) != 1:
        raise UsageError(f"overlap takes one {flag} for every axis, got {' '.join(map(str, values))}", PROG)
    return values[0]


def _options(args) -> dict:
    """The keyword arguments of :func:`tconv.viz.kinds.make_figure` for ``args``."""
    if args.kind in ("conv", "transposed", "matrix", "views"):
        geometry = None
        if geometry_given(args):
            if args.kind == "transposed":
                args.transposed = True
            geometry = build_request(args, PROG).geometry
        return dict(geometry=geometry, numbers=args.numbers, seed=args.seed, animate=args.animate,
                    view=args.view or "direct", transpose=args.transpose)
    if args.kind == "overlap":
        return dict(kernel_size=_single("--kernel", args.kernel, 3), stride=_single("--stride", args.stride, 2),
                    length=_single("--input", args.input, 8), seed=args.seed, part=args.part or "all")
    if args.kind == "unet":
        chosen = {flag: getattr(args, flag) for flag in UNET_FLAGS if getattr(args, flag) is not None}
        return dict(unet=chosen)
    from ..viz.training import load_history

    if args.run_dir is None:
        raise UsageError("training needs the run folder: tconv figure training RUN_DIR -o FILE", PROG)
    return dict(history=load_history(args.run_dir))


def _check_output(args, animated: bool) -> None:
    from ..viz.saving import check_target, output_format

    if not args.output:
        raise UsageError("give the file to write with -o FILE (e.g. -o figure.png)", PROG)
    output_format(args.output, animated)
    check_target(args.output)


def _pack(args) -> int:
    import time

    from ..viz.pack import MAX_JOBS, make_pack

    if not args.output:
        raise UsageError("give the folder to write the pack into with -o DIR (e.g. -o lecture_pack)", PROG)
    folder = args.output
    if os.path.exists(folder) and not os.path.isdir(folder):
        raise UsageError(f"-o {folder!r} is a file; the pack needs a folder", PROG)
    parent = os.path.dirname(os.path.abspath(folder))
    if not os.path.isdir(parent):
        raise UsageError(f"cannot create {folder!r}: the folder {parent!r} does not exist", PROG)
    if args.jobs is not None and not 1 <= args.jobs <= MAX_JOBS:
        raise UsageError(f"--jobs {args.jobs} must be an int from 1 to {MAX_JOBS}", PROG)
    start = time.perf_counter()
    timings = make_pack(folder, jobs=args.jobs, overwrite=args.overwrite)
    print(f"wrote {len(timings)} figures and {os.path.join(folder, 'index.html')} in "
          f"{time.perf_counter() - start:.1f} s")
    return 0


def run(args) -> int:
    """Draw the requested figure and write it (nothing is written when anything is wrong)."""
    if args.seed < 0:
        raise UsageError(f"--seed {args.seed} must be a non-negative int", PROG)
    for name, value, low, high in (("--dpi", args.dpi, 20, 1200), ("--fps", args.fps, 0.1, 50)):
        if value is not None and not low <= value <= high:
            raise UsageError(f"{name} {value:g} must lie between {low:g} and {high:g}", PROG)
    _refuse_unused(args)
    try:
        if args.kind == "pack":
            return _pack(args)
        _check_output(args, animated=args.animate)
        options = _options(args)
        from ..viz import save
        from ..viz.kinds import make_figure

        item = make_figure(args.kind, **options)
        save(item, args.output, dpi=args.dpi, fps=args.fps)
    except UsageError:
        raise
    except (ValueError, TypeError) as error:       # the library names the argument, the value and the rule
        message = str(error) if args.kind in GEOMETRY_KINDS else respell(str(error), LIBRARY_NAMES)
        raise UsageError(message, PROG) from None
    except OSError as error:
        raise UsageError(str(error), PROG) from None
    print(f"wrote {args.output}")
    return 0
