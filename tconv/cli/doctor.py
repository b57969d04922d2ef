"""``tconv doctor DATA``: what a folder of images and masks holds, what to fix, and how to train on it.

The work is :func:`tconv.seg.data.inspect` (the report) and :func:`tconv.viz.plot_data_report`
(the figure); this module parses the flags, prints the report and saves the figure.
"""
from __future__ import annotations

from . import UsageError

HELP = "check a folder of images and masks before training: formats, classes, sizes, the command to run"
DESCRIPTION = """\
Read DATA/images and DATA/masks as 'tconv train --data' would, and report in plain words what is there
and what is wrong, without stopping at the first problem: image sizes and channels, the masks' modes
and values, the mask format it detects (class ids, 0/255 binary masks, VOC's 255 'void', palette PNGs,
RGB colour masks with their colour table), each class's pixels and masks with an imbalance warning and
median-frequency class weights, sizes a U-Net of --depth cannot take (and the --size that fixes them),
images without masks and masks without images, pairs of different sizes, JPEG masks. It ends with the
'tconv train' command that fits the data, and draws the findings to --figure (default doctor.png; a
figure an earlier tconv doctor drew is replaced, any other existing file is kept unless --overwrite).
Volumes (.npy, NIfTI, multi-page TIFF) are read too.

Exit codes: 0 ready to train, 1 problems to fix first, 2 a usage error."""
EXAMPLES = """\
examples:
  tconv doctor my_data
  tconv doctor my_data --mask-colors auto --figure my_data_doctor.png
  tconv doctor my_volumes --depth 2 --no-figure
"""
PROG = "tconv doctor"
#: The mark the figure carries: a figure tconv doctor drew earlier is replaced, any other file kept.
CREATOR = "tconv doctor"
DEFAULT_FIGURE = "doctor.png"


def add_arguments(parser) -> None:
    """``DATA``, ``--depth``, ``--mask-format``, ``--mask-colors``, ``--figure``, ``--no-figure``, ``--overwrite``."""
    parser.add_argument("data", metavar="DATA", help="a folder with images/ and masks/")
    parser.add_argument("--depth", type=int, default=3, metavar="D",
                        help="the U-Net depth the sizes are checked against (2**D pixels per side; default 3)")
    parser.add_argument("--mask-format", choices=("auto", "ids", "binary", "void"), default="auto",
                        help="how to read grey mask values, as tconv train reads them (default auto)")
    parser.add_argument("--mask-colors", metavar="TABLE",
                        help="RGB masks: 'auto' or a colour table ('#000000,#ff0000,...', a .json or .txt file); "
                        "default: the table the colours found make (black first)")
    parser.add_argument("--figure", metavar="FILE.png", help=f"where the figure goes (default {DEFAULT_FIGURE})")
    parser.add_argument("--no-figure", action="store_true", help="print the report only")
    parser.add_argument("--overwrite", action="store_true", help="replace the figure file if it exists")


def _figure_target(args):
    """The figure's path, or None (``--no-figure``, or the default name taken); refuses what must be refused."""
    from pathlib import Path

    if args.no_figure:
        if args.figure:
            raise UsageError("--figure and --no-figure contradict each other; give one", PROG)
        return None, ""
    path = Path(args.figure or DEFAULT_FIGURE)
    if path.suffix.lower() not in (".png", ".svg", ".pdf"):
        raise UsageError(f"--figure {path}: the figure is saved as .png, .svg or .pdf", PROG)
    data = Path(args.data).resolve()
    if any(folder in path.resolve().parents for folder in (data / "images", data / "masks")):
        raise UsageError(f"--figure {path} is inside {args.data}'s images/ or masks/; write it elsewhere", PROG)
    if path.is_dir():
        raise UsageError(f"--figure {path} is a folder; give a file name such as {DEFAULT_FIGURE}", PROG)
    from ..viz.saving import made_by

    if path.exists() and not args.overwrite and not made_by(path, CREATOR):
        if args.figure:
            raise UsageError(f"--figure {path} exists; add --overwrite to replace it, or choose another name", PROG)
        return None, f"{path} exists and was kept (--overwrite replaces it, --figure chooses another name)"
    if not path.parent.is_dir():
        raise UsageError(f"--figure {path}: the folder {path.parent} does not exist", PROG)
    return path, ""


def run(args) -> int:
    """Print the report, save the figure; 0 when ready to train, 1 when there are problems."""
    if not 1 <= args.depth <= 6:
        raise UsageError(f"--depth {args.depth} must be from 1 to 6", PROG)
    target, skipped = _figure_target(args)
    from ..seg.data.colours import parse_colour_table
    from ..seg.data.doctor import inspect
    from ..seg.data.doctor_text import report_lines

    palette = None
    if args.mask_colors is not None:
        try:
            palette = parse_colour_table(args.mask_colors)
        except (ValueError, TypeError) as error:
            raise UsageError(f"--mask-colors: {error}", PROG) from None
    try:
        report = inspect(args.data, depth=args.depth, mask_format=args.mask_format, palette=palette)
    except ValueError as error:
        raise UsageError(str(error), PROG) from None
    print("\n".join(report_lines(report)))
    if target is not None:
        from ..viz import plot_data_report, save

        save(plot_data_report(report), target, creator=CREATOR)
        print(f"figure: {target}")
    elif skipped:
        print(f"figure: not drawn: {skipped}")
    return 0 if report.ready else 1
