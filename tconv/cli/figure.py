"""``tconv figure``: draw any configuration (or the whole lecture pack) to a file.

The kinds, their help lines and their options come from the registry of :mod:`tconv.viz.kinds`
(:data:`~tconv.viz.kinds.FIGURE_KINDS`): this module turns it into flags, refuses the flags a
kind does not take, checks the output file before drawing, and reports every problem as one
line. The pictures are drawn by :func:`tconv.viz.kinds.make_figure` (matplotlib is imported
only when one is drawn); ``pack`` is the command's own: every kind, the lecture pack.
"""
from __future__ import annotations

import os
import textwrap

from . import UsageError, describe_os_error, respell
from ._geometry import GEOMETRY_FLAGS, add_geometry_arguments, build_request, geometry_given

HELP = "draw a (transposed) convolution, its matrix, the checkerboard lab, ... (PNG, SVG, PDF, GIF, MP4)"

INTRO = """\
Draw a figure from the real geometry and the real convolution matrix, so that it cannot
disagree with the arithmetic. The format follows the output's name: .png, .svg or .pdf for a
figure; .gif (or .mp4, with ffmpeg) for an animation. The same arguments give the same bytes."""

GEOMETRY_NOTE = """\
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
  tconv figure conv --input 5 5 --kernel 3 --padding 2 --animate --style slide,dark -o full.gif
  tconv figure transposed --input 2 2 --kernel 3 --stride 2 --view equivalent --animate --no-text -o t.gif
  tconv figure pack -o lecture_pack
  tconv figure pack --style slide -o slide_pack
  tconv figure deck runs/shapes -o lecture.pdf
  tconv figure deck --style slide,dark -o lecture.html
"""

PROG = "tconv figure"
#: The command's own kinds, and the flags they take.
PACK = ("pack", "the lecture pack: every figure, DIR/index.html and DIR/explorer.html; with --style slide every "
        "figure is 1920 x 1080 and DIR/lecture.html is the deck", ("-o DIR", "RUN_DIR", "--style", "--jobs",
                                                                   "--overwrite"))
DECK = ("deck", "the lecture as about 35 slides (1920 x 1080), each with its title and speaker notes: a PDF or one "
        "offline HTML file; RUN_DIR adds the run's learning curves", ("-o FILE.pdf|.html", "RUN_DIR", "--style",
                                                                      "--overwrite"))
OWN = {"pack": PACK, "deck": DECK}


def __getattr__(name: str):
    # DESCRIPTION lists the registry's kinds as they are when the parser is built, so a kind
    # registered after this module was imported is listed too.
    if name == "DESCRIPTION":
        return description()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def _kinds() -> dict:
    from ..viz.kinds import FIGURE_KINDS

    return FIGURE_KINDS


def description() -> str:
    """``tconv figure --help``'s text: what it does, every kind of the registry with its options, and ``pack``."""
    lines = [INTRO, "", "kinds:"]
    entries = [(kind.name, kind.help, kind.flags) for kind in _kinds().values()] + [PACK, DECK]
    for name, text, flags in entries:
        line = f"{text} ({', '.join(flags)})" if flags else text
        lines += textwrap.wrap(line, 92, initial_indent=f"  {name:<11} ", subsequent_indent=" " * 14,
                               break_on_hyphens=False)
    return "\n".join(lines + ["", GEOMETRY_NOTE])


def options_by_flag() -> dict:
    """flag -> ``(Option, the kinds that take it)``, for every option of the registry, in order."""
    table: dict = {}
    for kind in _kinds().values():
        for option in kind.options:
            table.setdefault(option.flag, (option, []))[1].append(kind.name)
    return {flag: (option, tuple(kinds)) for flag, (option, kinds) in table.items()}


def _command_flags() -> dict:
    """The command's own flags (not a kind's option) -> the kinds they apply to."""
    animated = tuple(kind.name for kind in _kinds().values() if kind.animated)
    return {"--fps": animated, "--jobs": ("pack",), "--overwrite": tuple(_kinds()) + tuple(OWN)}


def _dest(flag: str) -> str:
    return flag.lstrip("-").replace("-", "_")


def add_arguments(parser) -> None:
    """KIND, the geometry flags, every kind's options (from the registry), the drawing options and ``-o``."""
    choices = tuple(_kinds()) + tuple(OWN)
    parser.add_argument("kind", choices=choices, metavar="KIND",
                        help=f"what to draw: {', '.join(choices)} (see the list above)")
    table = options_by_flag()
    for flag, (option, kinds) in table.items():
        if option.positional:
            kinds = tuple(kinds) + tuple(name for name, (_, _, flags) in OWN.items() if flag in flags)
            parser.add_argument(option.name, nargs="?", metavar=flag, help=f"{', '.join(kinds)}: {option.help}")
    parser.add_argument("-o", "--output", metavar="FILE",
                        help="the file to write (.png, .svg, .pdf; .gif or .mp4 with --animate); for pack, a folder; "
                        "for deck, .pdf or .html")
    add_geometry_arguments(parser, keras=False)
    for flag, (option, kinds) in table.items():
        if option.positional or _dest(flag) in GEOMETRY_FLAGS:
            continue
        text = f"{', '.join(kinds)}: {option.help}" if len(kinds) < len(_kinds()) else option.help
        if option.switch:
            parser.add_argument(flag, dest=option.name, action="store_true", help=text)
        else:
            parser.add_argument(flag, dest=option.name, type=option.type, choices=option.choices or None,
                                metavar=option.metavar, help=text)
    add = parser.add_argument
    add("--dpi", type=float, help="resolution, 20 to 1200 (default 150 for figures, 100 for animations)")
    animated = ", ".join(_command_flags()["--fps"])
    add("--fps", type=float, help=f"{animated}: animation frames per second, 0.1 to 50 (default about 1.1)")
    add("--jobs", type=int, help="pack: processes rendering the figures (default 2, at most 32)")
    add("--overwrite", action="store_true", help="replace an existing -o file that tconv figure did not draw "
        "(pack: write into a folder whose files are not an earlier pack's)")


def _given(value) -> bool:
    return value is not None and value is not False          # 0 is given (``0 in (None, False)`` is True)


def _spell(flags) -> str:
    return ", ".join(flags[:-1]) + " and " + flags[-1] if len(flags) > 1 else flags[0]


def _refuse_unused(args) -> None:
    kind = _kinds().get(args.kind)                       # None for pack and deck
    for flag, (option, kinds) in options_by_flag().items():
        value = getattr(args, option.name, None)
        if args.kind in OWN and flag in OWN[args.kind][2]:
            continue
        if option.positional and _given(value) and args.kind not in kinds:
            raise UsageError(f"{args.kind} takes no {flag} argument ({value!r}); only {_spell(kinds)} takes one",
                             PROG)
        if not option.positional and _dest(flag) not in GEOMETRY_FLAGS and _given(value) and args.kind not in kinds:
            raise UsageError(f"{flag} does not apply to {args.kind} (it is for {', '.join(kinds)})", PROG)
    for flag, kinds in _command_flags().items():
        if _given(getattr(args, _dest(flag))) and args.kind not in kinds:
            raise UsageError(f"{flag} does not apply to {args.kind} (it is for {', '.join(kinds)})", PROG)
    _refuse_geometry_flags(args, kind)


def _refuse_geometry_flags(args, kind) -> None:
    """The geometry flags a kind does not read: all of them, or all but the ones its options read."""
    if kind is None or kind.geometry is None:
        read = [flag for flag in (kind.flags if kind else ()) if _dest(flag) in GEOMETRY_FLAGS]
        if not read and geometry_given(args):
            raise UsageError(f"{args.kind} takes no geometry flags (--input, --kernel, ...)", PROG)
        extra = [f"--{flag.replace('_', '-')}" for flag in GEOMETRY_FLAGS
                 if f"--{flag.replace('_', '-')}" not in read and _given(getattr(args, flag, None))]
        if read and extra:
            raise UsageError(f"{args.kind} uses {_spell(read)} only; drop {' '.join(extra)}", PROG)
        return
    if args.channels or args.groups:
        if tuple(args.channels or (1, 1)) != (1, 1) or (args.groups or 1) != 1:
            raise UsageError("tconv figure draws one input and one output channel; drop --channels and --groups "
                             "(tconv explain describes channels and groups)", PROG)
    if kind.geometry == "conv" and args.transposed:
        raise UsageError(f"{kind.name} draws a convolution; for a transposed convolution use "
                         "'tconv figure transposed' with the same flags (without --transposed)", PROG)


def _single(flag: str, values, kind: str):
    if len(set(values)) != 1:
        raise UsageError(f"{kind} takes one {flag} for every axis, got {' '.join(map(str, values))}", PROG)
    return values[0]


def _arguments(args, kind) -> tuple:
    """``(geometry, options)``: what :func:`tconv.viz.kinds.make_figure` draws for ``args``."""
    geometry = None
    if kind.geometry is not None and geometry_given(args):
        if kind.geometry == "transposed":
            args.transposed = True
        geometry = build_request(args, PROG).geometry
    options = {}
    for option in kind.options:
        value = getattr(args, _dest(option.flag) if _dest(option.flag) in GEOMETRY_FLAGS else option.name, None)
        if option.positional and value is None:
            raise UsageError(f"{kind.name} needs {option.help}: tconv figure {kind.name} {option.flag} -o FILE", PROG)
        if not _given(value):
            continue
        if _dest(option.flag) in GEOMETRY_FLAGS:
            value = _single(option.flag, value, kind.name)
        options[option.name] = option.read(value) if option.read else value
    return geometry, options


def _check_output(args, animated: bool) -> None:
    from ..viz.saving import check_target, made_by, output_format

    if not args.output:
        raise UsageError("give the file to write with -o FILE (e.g. -o figure.png)", PROG)
    output_format(args.output, animated)
    check_target(args.output)
    if os.path.exists(args.output) and not args.overwrite and not made_by(args.output, "tconv"):
        raise UsageError(f"-o {args.output} exists and is not a figure tconv figure drew (a run folder's figures "
                         "and other files are kept); add --overwrite to replace it, or choose another name", PROG)


def _history(args):
    """``(run_dir, records)`` of the RUN_DIR given to pack or deck, or None."""
    if getattr(args, "history", None) is None:
        return None
    from ..viz.training import load_history

    return args.history, load_history(args.history)


def _style(args):
    from ..viz.style import as_style

    return as_style(getattr(args, "style", None))


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
    style, history = _style(args), _history(args)
    start = time.perf_counter()
    timings = make_pack(folder, jobs=args.jobs, overwrite=args.overwrite, style=style, history=history)
    deck = " and lecture.html" if style.slide else ""
    print(f"wrote {len(timings)} figures, {os.path.join(folder, 'index.html')}{deck} in "
          f"{time.perf_counter() - start:.1f} s")
    return 0


def _deck(args) -> int:
    import time

    from ..viz.deck import deck_entries, is_deck, save_deck
    from ..viz.saving import check_target

    if not args.output:
        raise UsageError("give the file to write with -o FILE (lecture.pdf or lecture.html)", PROG)
    if "paper" in {word.strip().lower() for word in str(getattr(args, "style", None) or "").split(",")}:
        raise UsageError(f"--style {args.style}: a deck is slides; use --style slide or slide,dark", PROG)
    style, history = _style(args), _history(args)
    if os.path.splitext(args.output)[1].lower() not in (".pdf", ".html"):
        raise UsageError(f"-o {args.output}: a deck is written as .pdf or .html", PROG)
    check_target(args.output, "lecture.pdf")
    if os.path.exists(args.output) and not args.overwrite and not is_deck(args.output):
        raise UsageError(f"-o {args.output} exists and is not a deck tconv figure wrote; add --overwrite to replace "
                         "it, or choose another name", PROG)
    start = time.perf_counter()
    slides = len(deck_entries(style, history))
    save_deck(args.output, style, history)
    print(f"wrote {args.output}: {slides} slides in {time.perf_counter() - start:.1f} s")
    return 0


def run(args) -> int:
    """Draw the requested figure and write it (nothing is written when anything is wrong)."""
    seed = getattr(args, "seed", None)
    if seed is not None and seed < 0:
        raise UsageError(f"--seed {seed} must be a non-negative int", PROG)
    for name, value, low, high in (("--dpi", args.dpi, 20, 1200), ("--fps", args.fps, 0.1, 50)):
        if value is not None and not low <= value <= high:
            raise UsageError(f"{name} {value:g} must lie between {low:g} and {high:g}", PROG)
    _refuse_unused(args)
    kind = _kinds().get(args.kind)
    try:
        if kind is None:
            return _pack(args) if args.kind == "pack" else _deck(args)
        _check_output(args, animated=bool(getattr(args, "animate", False)))
        geometry, options = _arguments(args, kind)
        from ..viz import save
        from ..viz.kinds import make_figure

        item = make_figure(kind.name, geometry, **options)
        save(item, args.output, dpi=args.dpi, fps=args.fps)
    except UsageError:
        raise
    except (ValueError, TypeError) as error:       # the library names the argument, the value and the rule
        options = kind.options if kind is not None else tuple(options_by_flag()[flag][0] for flag in
                                                                ("--style", "RUN_DIR") if flag in options_by_flag())
        flags = {option.name: option.flag for option in options if not option.positional}
        message = str(error) if kind is not None and kind.geometry is not None else respell(str(error), flags)
        raise UsageError(message, PROG) from None
    except OSError as error:                        # one readable line: 'PATH: reason', not '[Errno 1] ...'
        raise UsageError(describe_os_error(error), PROG) from None
    print(f"wrote {args.output}")
    return 0
