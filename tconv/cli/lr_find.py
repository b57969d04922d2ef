"""``tconv lr-find``: the learning-rate range test (Smith 2017) on the data and network ``tconv train`` would use.

The data, model and loss flags are ``tconv train``'s own (the same defaults); the work is
:func:`tconv.seg.train.sanity.lr_find_run`, the figure :func:`tconv.viz.plot_lr_find`.
"""
from __future__ import annotations

import argparse

from . import UsageError
from .train import LIBRARY_NAMES as TRAIN_NAMES

HELP = "find a learning rate: the range test (Smith 2017), with its plot and a suggested rate"
DESCRIPTION = """\
The learning-rate range test (Smith 2017, 'Cyclical Learning Rates for Training Neural Networks'):
a fresh network trains one batch per step while the learning rate rises exponentially from --start
to --end; the loss is smoothed and the test stops when it diverges. Where the loss turns ragged
(its scatter from step to step grows to five times that at the smaller rates) the rate is too
high to train with; the suggested rate is a tenth of that (a tenth of the rate at the smoothed
minimum if it never turns ragged). Pass it to 'tconv train --lr', and look at the plot. The data, model and loss flags are tconv train's (the same defaults): on the
default synthetic data it takes well under a minute. The plot goes to --figure (default lr_find.png;
an existing file is replaced only with --overwrite)."""
EXAMPLES = """\
examples:
  tconv lr-find
  tconv lr-find --data my_data --size 128 128 --figure my_lr.png
  tconv lr-find --model fcn --loss ce --start 1e-5 --end 0.1 --steps 60
"""
PROG = "tconv lr-find"
#: The library's argument names in messages -> the flags that set them (tconv.cli.respell): tconv train's.
LIBRARY_NAMES = TRAIN_NAMES
#: ``tconv train``'s flags that ``tconv lr-find`` takes too (the data, the network, the loss).
SHARED = ("data", "val_fraction", "size", "samples", "classes", "model", "up", "base", "depth", "batch_norm", "loss",
          "batch_size", "seed", "mask_format", "mask_colors", "class_weights", "max_memory", "threads")


def add_arguments(parser) -> None:
    """tconv train's data, model and loss flags, then ``--start``, ``--end``, ``--steps``, ``--figure``."""
    from . import train

    source = argparse.ArgumentParser(add_help=False)
    train.add_arguments(source)
    for action in source._actions:                 # argparse's own list, as parents= copies it
        if action.dest in SHARED:
            parser._add_action(action)
    parser.add_argument("--start", type=float, default=1e-6, metavar="LR", help="the first rate (default 1e-6)")
    parser.add_argument("--end", type=float, default=1.0, metavar="LR", help="the last rate (default 1)")
    parser.add_argument("--steps", type=int, default=100, metavar="N", help="steps, one batch each (default 100)")
    parser.add_argument("--figure", default="lr_find.png", metavar="FILE.png", help="the plot (default lr_find.png)")
    parser.add_argument("--overwrite", action="store_true", help="replace the plot file if it exists")


def train_command(args, lr: float) -> str:
    """The ``tconv train`` command with the data, model and loss flags given to lr-find, and ``--lr lr``.

    >>> import argparse
    >>> args = argparse.Namespace(**{**dict.fromkeys(SHARED), "data": "my data", "size": [64, 96], "batch_norm": False})
    >>> train_command(args, 0.0027)
    "tconv train --data 'my data' --size 64 96 --no-batch-norm --lr 0.0027"
    """
    import shlex

    from .train import flag

    words = ["tconv", "train"]
    for key in SHARED:
        value = getattr(args, key)
        if value is None or key in ("max_memory", "threads"):
            continue
        if isinstance(value, bool):
            words.append(flag(key) if value else "--no-" + flag(key)[2:])
        else:
            words += [flag(key), *map(str, value if isinstance(value, (list, tuple)) else [value])]
    return shlex.join(words + ["--lr", f"{lr:.2g}"])


def _check(args):
    from pathlib import Path

    if not (0 < args.start < args.end <= 100):
        raise UsageError(f"--start {args.start:g} and --end {args.end:g} must satisfy 0 < start < end <= 100", PROG)
    if not 3 <= args.steps <= 10_000:
        raise UsageError(f"--steps {args.steps} must be from 3 to 10000", PROG)
    figure = Path(args.figure)
    if figure.suffix.lower() not in (".png", ".svg", ".pdf"):
        raise UsageError(f"--figure {figure}: the plot is saved as .png, .svg or .pdf", PROG)
    if figure.is_dir():
        raise UsageError(f"--figure {figure} is a folder; give a file name such as lr_find.png", PROG)
    if figure.exists() and not args.overwrite:
        raise UsageError(f"--figure {figure} exists; add --overwrite to replace it, or choose another name", PROG)
    if not figure.parent.is_dir():
        raise UsageError(f"--figure {figure}: the folder {figure.parent} does not exist", PROG)
    return figure


def run(args) -> int:
    """Run the range test, print the suggestion, save the plot."""
    from .train import (
        DEFAULTS,
        check_data_folder,
        data_options,
        flag,
        max_memory,
        set_threads,
    )

    check_data_folder(args.data, PROG)
    figure = _check(args)
    config = {key: getattr(args, key) for key in SHARED if key not in ("max_memory", "threads")
              and getattr(args, key) is not None}
    config.update(data_options(args, PROG))
    limit = max_memory(args, PROG)
    set_threads(args.threads, PROG)
    from ..seg.train.sanity import lr_find_run
    from ..viz import plot_lr_find, save

    try:
        result, _ = lr_find_run(config, args.start, args.end, args.steps, max_memory=limit, spell=flag, log=print)
    except (ValueError, TypeError) as error:
        raise UsageError(str(error), PROG) from None
    save(plot_lr_find(result, current_lr=DEFAULTS["lr"]), figure)
    if result["stopped"]:
        print(f"stopped after {len(result['lrs'])} steps: {result['stopped']}")
    print(f"suggested learning rate: {result['suggested']:.2g} ({result['rule']}"
          + (f", {result['unstable']:.2g}" if result["unstable"] is not None else "")
          + f"). tconv train's default is {DEFAULTS['lr']:g}.")
    print(f"figure: {figure}")
    print(f"next: {train_command(args, result['suggested'])}")
    return 0
