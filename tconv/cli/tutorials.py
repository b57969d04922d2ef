"""``tconv tutorials``: list the tutorials and their exercises, or write student and solved copies.

The copies are made mechanically from the solution marks in the tutorials
(:mod:`tconv.exercises.marking`) by :mod:`tconv.exercises.copies`; this module finds the
tutorials, checks the folders and prints.
"""
from __future__ import annotations

import sys
from pathlib import Path

from . import UsageError

HELP = "list the tutorials' exercises; write student copies (blanks to fill) and solved copies"

DESCRIPTION = """\
Without --student or --solved: list the tutorials and their exercises. With --student DIR: write
each tutorial's student copy into DIR, every solution replaced by a blank (...) followed by the
grader call check("NN.k", answer), which says right, or not yet with a hint. With --solved DIR:
write the solved copies (in the notebooks each solution sits in a collapsed cell).

Each copy is a .py script (jupytext percent format: run it with python, or open it as a notebook
in VS Code or in Jupyter with jupytext) and an .ipynb notebook. The notebooks need jupytext
(python -m pip install ".[tutorials]"); without it only the scripts are written, and the command
says so. Existing files are never replaced unless --overwrite is given, and the tutorials' own
folder is refused. The tutorials are read from the repository tconv was installed from, or from
./tutorials, or from --source."""

EXAMPLES = """\
examples:
  tconv tutorials                                   list the tutorials and their exercises
  tconv tutorials --student my_tutorials            student copies of all eleven (.py and .ipynb)
  tconv tutorials --student my_tutorials --only 1 4 --format py
  tconv tutorials --solved solved --student my_tutorials
  tconv tutorials --student my_tutorials --overwrite   replace copies made before
"""

PROG = "tconv tutorials"


def add_arguments(parser) -> None:
    """--student, --solved, --only, --format, --overwrite, --source."""
    parser.add_argument("--student", metavar="DIR", help="write the student copies (blanks to fill) into DIR "
                        "(e.g. --student my_tutorials)")
    parser.add_argument("--solved", metavar="DIR", help="write the solved copies into DIR (e.g. --solved solved)")
    parser.add_argument("--only", metavar="N", nargs="+", type=int,
                        help="only these tutorials, by number (e.g. --only 1 4; default: all)")
    parser.add_argument("--format", metavar="FMT", nargs="+", choices=("py", "ipynb"), dest="formats",
                        help="py, ipynb or both (default both; ipynb needs jupytext; e.g. --format py)")
    parser.add_argument("--overwrite", action="store_true", help="replace files that exist in DIR")
    parser.add_argument("--source", metavar="DIR",
                        help="the tutorials' folder (default: the repository's tutorials/, or ./tutorials)")


def _tutorials(args):
    from ..exercises.copies import find_tutorials, tutorial_files

    folder = find_tutorials(args.source)
    if folder is None:
        raise UsageError("cannot find the tutorials: run this from a clone of the tconv repository (it reads "
                         "tutorials/NN_*.py), or pass --source DIR", PROG)
    if not folder.is_dir():
        raise UsageError(f"--source {args.source}: no such folder", PROG)
    paths = tutorial_files(folder)
    if not paths:
        raise UsageError(f"--source {folder}: no tutorials (NN_name.py) in it", PROG)
    if args.only:
        numbers = {int(path.name[:2]): path for path in paths}
        unknown = [n for n in args.only if n not in numbers]
        if unknown:
            raise UsageError(f"--only {' '.join(map(str, unknown))}: no such tutorial (there are "
                             f"{min(numbers)} to {max(numbers)})", PROG)
        paths = [numbers[n] for n in sorted(set(args.only))]
    return folder, paths


def _list(folder, paths) -> int:
    from ..exercises import load_all
    from ..exercises.marking import exercise_ids

    exercises = load_all()
    print(f"{len(paths)} tutorials in {folder}; make copies with --student DIR and --solved DIR:")
    for path in paths:
        ids = exercise_ids(path.read_text(encoding="utf-8"))
        print(f"\n{path.name}  ({len(ids)} exercise{'s' if len(ids) != 1 else ''})")
        for exercise_id in ids:
            spec = exercises.get(exercise_id)
            title = spec.title if spec else "(no grader)"
            print(f"  {exercise_id}  {title}")
    return 0


def _target(value: str, folder: Path, flag: str) -> Path:
    target = Path(value)
    if target.exists() and not target.is_dir():
        raise UsageError(f"{flag} {value}: a file of that name exists; give a folder", PROG)
    if target.resolve() == folder.resolve():
        raise UsageError(f"{flag} {value} is the tutorials' own folder: the copies would mix with (or replace) "
                         "the tutorials; choose another folder", PROG)
    return target


def run(args) -> int:
    """List, or write the requested copies; exit 2 on a usage error, 1 if a file cannot be written."""
    from ..exercises.copies import has_jupytext, planned_copies, write_copies

    folder, paths = _tutorials(args)
    if not args.student and not args.solved:
        if args.formats or args.overwrite:
            raise UsageError("--format and --overwrite go with --student DIR or --solved DIR", PROG)
        return _list(folder, paths)
    targets = {kind: _target(value, folder, f"--{kind}") for kind, value in
               (("student", args.student), ("solved", args.solved)) if value}
    if len(targets) == 2 and targets["student"].resolve() == targets["solved"].resolve():
        raise UsageError("--student and --solved name the same folder; the copies have the same file names, so "
                         "give two folders", PROG)
    formats = tuple(dict.fromkeys(args.formats or ("py", "ipynb")))
    if "ipynb" in formats and not has_jupytext():
        if args.formats:
            raise UsageError("--format ipynb needs jupytext, which is not installed: python -m pip install jupytext "
                             "(or the tutorials extra, '.[tutorials]'), or use --format py", PROG)
        formats = tuple(f for f in formats if f != "ipynb")
        print("tconv tutorials: jupytext is not installed, so only the .py scripts are written (they open as "
              "notebooks in VS Code, or in Jupyter with jupytext); python -m pip install jupytext for the "
              ".ipynb notebooks", file=sys.stderr)
    plans = {kind: planned_copies(paths, target, kind, formats) for kind, target in targets.items()}
    for kind, plan in plans.items():          # refuse before writing anything
        existing = [target for _, target, _ in plan if target.exists()]
        if existing and not args.overwrite:
            raise UsageError(f"{existing[0]} exists ({len(existing)} of the {len(plan)} {kind} files do); choose "
                             "another folder, or pass --overwrite to replace them", PROG)
    for kind, plan in plans.items():
        written = write_copies(plan, kind, overwrite=args.overwrite)
        print(f"wrote {len(written)} {kind} file{'s' if len(written) != 1 else ''} "
              f"({' and '.join('.' + f for f in formats)}) to {targets[kind]}")
    if "student" in targets:                  # the first copy just written (not an older file of the folder)
        suffix = ".ipynb" if "ipynb" in formats else ".py"
        example = next((target for _, target, _ in plans["student"] if target.suffix == suffix), None)
        if example is not None:
            print(f"next: open {example} and do the exercises at the end; check(...) says right or not yet")
    return 0
