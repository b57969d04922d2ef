"""``tconv explore``: write the interactive explorer page for one geometry.

The page comes from :func:`tconv.viz.explorer`; this module parses ``tconv explain``'s
geometry flags (and ``--view``, ``--numbers``, ``--seed``), refuses what the page cannot show,
and writes the file atomically.
"""
from __future__ import annotations

import os

from . import UsageError
from ._geometry import add_geometry_arguments, build_request, geometry_given

HELP = "write the interactive explorer: one self-contained HTML page (works offline)"

DESCRIPTION = """\
Write the tconv explorer: one self-contained HTML file (no network, opens from disk in any
current browser) on which you set input size, kernel, stride, padding, dilation, output_padding
(or the output size), 1-D or 2-D, convolution or transposed convolution, and see, linked by hover
and click, the grids (the transposed convolution painting kernel copies, the cropped border, the
output_padding rows, or the paper's equivalent direct convolution), the matrix C or C.T, the
overlap of kernel copies (the checkerboard), the output-size formula, every input size that gives
this output, and the PyTorch and Keras spellings. The page's address keeps its settings
(explorer.html#input=3,3&kernel=3,3&stride=2,2&...), so a configuration can be linked.

The geometry flags are those of tconv explain and set the page's first view; without them it
opens on a 3x3 -> 6x6 transposed convolution (kernel 3, stride 2, padding 1, output_padding 1)."""

EXAMPLES = """\
examples:
  tconv explore -o explorer.html
  tconv explore --input 4 4 --kernel 3 -o notes.html                   the lecture notes' convolution
  tconv explore --input 4 4 --kernel 3 --stride 2 --transposed -o checkerboard.html
  tconv explore --input 3 3 --kernel 3 --stride 2 --padding 1 --output-padding 1 --transposed --view equivalent -o paper.html
  tconv explore --input 8 --kernel 4 --stride 2 --transposed --numbers -o one_d.html
  tconv explore --input 4 4 --kernel 3 --stride 2 --keras same -o keras_same.html
"""

PROG = "tconv explore"


def add_arguments(parser) -> None:
    """``-o``, the geometry flags, ``--view``, ``--numbers`` and ``--seed``."""
    parser.add_argument("-o", "--output", metavar="FILE", help="the page to write (e.g. -o explorer.html)")
    add_geometry_arguments(parser)
    parser.add_argument("--view", choices=("direct", "equivalent"), default="direct",
                        help="transposed only: open on the scatter view (direct, default) or the paper's "
                        "equivalent direct convolution (e.g. --view equivalent)")
    parser.add_argument("--numbers", action="store_true",
                        help="open with seeded values in the cells and the products being summed")
    parser.add_argument("--seed", type=int, default=0, help="seed of the --numbers values (default 0; e.g. --seed 3)")


def _geometry(args):
    if not geometry_given(args):
        return None
    if args.channels is not None and tuple(args.channels) != (1, 1) or args.groups not in (None, 1):
        raise UsageError("the explorer shows one input and one output channel; drop --channels and --groups "
                         "(tconv explain describes channels and groups)", PROG)
    return build_request(args, PROG).geometry


def run(args) -> int:
    """Write the page (nothing is written when anything is wrong)."""
    if not args.output:
        raise UsageError("give the file to write with -o FILE (e.g. -o explorer.html)", PROG)
    if os.path.splitext(args.output)[1].lower() not in (".html", ".htm"):
        raise UsageError(f"-o {args.output!r}: the explorer is a web page; give a name ending in .html "
                         "(e.g. -o explorer.html)", PROG)
    if args.seed < 0:
        raise UsageError(f"--seed {args.seed} must be a non-negative int", PROG)
    geometry = _geometry(args)
    if args.view == "equivalent" and geometry is not None and not geometry.transposed:
        raise UsageError("--view equivalent is the paper's picture of a transposed convolution; add --transposed", PROG)
    from ..viz.explorer_page import explorer
    from ..viz.saving import check_target

    try:
        check_target(args.output, "explorer.html")
        page = explorer(geometry, view=args.view, numbers=args.numbers, seed=args.seed)
        page.save(args.output)
    except (ValueError, TypeError, OSError) as error:     # the library names the argument, the value and the rule
        raise UsageError(str(error), PROG) from None
    print(f"wrote {args.output} ({len(page.html.encode('utf-8')) / 1024:.0f} KB); open it in a browser")
    return 0
