"""The ``tconv`` command: one module per subcommand.

Each subcommand module (``explain``, ...) defines ``HELP`` (one line for ``tconv --help``),
``DESCRIPTION``, ``EXAMPLES``, ``add_arguments(parser)`` and ``run(args) -> int`` (and, if the
library's messages name arguments its flags set, ``LIBRARY_NAMES``, e.g. ``{"batch_size":
"--batch-size"}``: errors and warnings are respelled with it), and imports
the library (NumPy, Numba, matplotlib) only inside ``run``, so ``tconv --help`` lists every
command without loading them. Argument parsing and terminal output live here; the work is
done by the library below.

Exit codes: 0 success, 1 a check failed, 2 a usage error, invalid input or a file that cannot
be read or written (one line on stderr, never a traceback), 130 interrupted. Output that does not fit the terminal's
encoding falls back to ASCII (``k̂`` becomes ``k^``); a closed pipe (``tconv explain | head``)
ends the command quietly.
"""
from __future__ import annotations

import argparse
import codecs
import importlib
import os
import sys
import warnings

from ..translate.spelling import respell

__all__ = ["main", "build_parser", "UsageError", "COMMANDS", "describe_os_error", "respell"]

#: Subcommand name -> module of :mod:`tconv.cli`, in the order ``tconv --help`` lists them.
COMMANDS = {"explain": "explain", "figure": "figure", "explore": "explore", "train": "train", "predict": "predict",
            "evaluate": "evaluate", "tutorials": "tutorials", "exercise": "exercise"}
COMMANDS.update({"doctor": "doctor", "lr-find": "lr_find", "export": "export"})


class UsageError(Exception):
    """A bad command line or bad input, reported as one line: ``tconv CMD: error: ...``."""

    def __init__(self, message: str, prog: str = "tconv"):
        super().__init__(message)
        self.prog = prog


class _Parser(argparse.ArgumentParser):
    """argparse, but a usage error is one line on stderr (and exit code 2), and no abbreviated flags.

    (``--ov`` is not taken for ``--overwrite``: a flag that writes over files is typed in full.)
    """

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("allow_abbrev", False)
        super().__init__(*args, **kwargs)

    def error(self, message):
        raise UsageError(message, self.prog)


def build_parser() -> argparse.ArgumentParser:
    """The ``tconv`` parser with one subparser per entry of :data:`COMMANDS`."""
    from .. import __version__

    parser = _Parser(prog="tconv", description="Transposed convolution and semantic segmentation from "
                     "scratch in NumPy. Run 'tconv COMMAND --help' for a command's flags and examples.")
    parser.add_argument("--version", action="version", version=f"tconv {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", title="commands")
    for name, module_name in COMMANDS.items():
        module = importlib.import_module(f"{__name__}.{module_name}")
        sub = commands.add_parser(name, help=module.HELP, description=module.DESCRIPTION,
                                  epilog=module.EXAMPLES, formatter_class=argparse.RawDescriptionHelpFormatter)
        module.add_arguments(sub)
        sub.set_defaults(run=module.run)
    return parser


# --------------------------------------------------------------------------- terminal output

#: How characters outside ASCII are written to a terminal that cannot show them.
ASCII_FALLBACK = {"\u0302": "^", "°": " deg", "⊗": "(x)", "·": "*", "×": "x", "—": "-", "–": "-", "…": "...",
                  "≤": "<=", "≥": ">=", "→": "->", "←": "<-", "²": "^2", "≈": "~", "Σ": "sum", "∑": "sum",
                  "ᵀ": "^T", "⊙": "(.)", "λ": "lambda", "α": "alpha", "β": "beta", "γ": "gamma"}


def _ascii_fallback(error: UnicodeError):
    """Codec error handler: transliterate what :data:`ASCII_FALLBACK` knows, ``?`` for the rest."""
    if not isinstance(error, UnicodeEncodeError):
        raise error
    text = error.object[error.start:error.end]
    return "".join(ASCII_FALLBACK.get(ch, "?") for ch in text), error.end


codecs.register_error("tconv-ascii", _ascii_fallback)


def _prepare_streams() -> None:
    """Make stdout/stderr fall back to ASCII instead of failing on characters they cannot encode."""
    for stream in (sys.stdout, sys.stderr):
        if hasattr(stream, "reconfigure"):
            try:
                stream.reconfigure(errors="tconv-ascii")
            except (ValueError, OSError):       # a stream already closed, or one that cannot be changed
                pass


def _report(error: UsageError) -> int:
    message = " ".join(str(error).split())
    print(f"{error.prog}: error: {message}", file=sys.stderr)
    return 2


def describe_os_error(error: OSError) -> str:
    """One line for a file-system error: ``PATH: reason`` (Python's ``[Errno 13] ...`` made readable).

    >>> describe_os_error(PermissionError(13, "Permission denied", "runs/model.npz"))
    'runs/model.npz: permission denied'
    >>> describe_os_error(OSError("cannot write 'a.png': the folder 'x' does not exist"))
    "cannot write 'a.png': the folder 'x' does not exist"
    """
    if error.strerror and error.filename is not None:
        reason = error.strerror[0].lower() + error.strerror[1:]
        return f"{os.fspath(error.filename)}: {reason}"
    return str(error)


def _show_warning(prog: str, names: dict):
    """``warnings.showwarning`` for the command line: ``tconv CMD: warning: ...`` on one line, no source."""
    def show(message, category, filename, lineno, file=None, line=None):
        print(f"{prog}: warning: {respell(' '.join(str(message).split()), names)}", file=sys.stderr)
    return show


def main(argv=None) -> int:
    """Run the ``tconv`` command with ``argv`` (default ``sys.argv[1:]``); return the exit code.

    Every way a command can fail on its input (a usage error, a file or folder it cannot read
    or write) ends the same way: one line ``tconv CMD: error: ...`` and exit code 2. Warnings
    of the library (e.g. masks saved as 0/255) are printed as ``tconv CMD: warning: ...``.
    """
    _prepare_streams()
    prog, names = "tconv", {}
    try:
        argv = list(sys.argv[1:] if argv is None else argv)
        if argv and argv[0] in COMMANDS:             # an error of the top-level parser is still the command's
            prog = f"tconv {argv[0]}"
        args = build_parser().parse_args(argv)
        if args.command is None:
            raise UsageError(f"choose a command: {', '.join(COMMANDS)} (see tconv --help)")
        prog = f"tconv {args.command}"
        names = getattr(importlib.import_module(f"{__name__}.{COMMANDS[args.command]}"), "LIBRARY_NAMES", {})
        with warnings.catch_warnings():
            warnings.showwarning = _show_warning(prog, names)
            return args.run(args)
    except SystemExit as done:          # --help, --version
        return int(done.code or 0)
    except UsageError as error:
        if error.prog == "tconv" and prog != "tconv":
            error.prog = prog
        return _report(UsageError(respell(str(error), names), error.prog))
    except KeyboardInterrupt:
        print(f"{prog}: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # The reader went away (e.g. `tconv explain | head -1`): stop quietly, and point stdout at
        # /dev/null so that Python's own flush at exit does not raise again.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 0
    except OSError as error:            # a file or folder the command could not read or write
        return _report(UsageError(describe_os_error(error), prog))
    except MemoryError:                 # the commands check sizes first; this is the last line of defence
        return _report(UsageError("ran out of memory; ask for less (smaller sizes, batches or models)", prog))
