"""Student and solved copies of the tutorials, as scripts and notebooks.

From a tutorial's marked source (:mod:`tconv.exercises.marking`):

* the **student** copy replaces every solution by its blank (``...``) and adds a note after
  the title; its notebook tags each exercise cell ``exercise``;
* the **solved** copy keeps the solutions and drops the marks; its notebook puts each
  solution in a cell of its own, tagged ``solution`` and collapsed (``source_hidden``:
  JupyterLab and Notebook 7 show it closed until clicked), between the exercise's given code
  and its ``check``.

Scripts (``.py``) need nothing; notebooks (``.ipynb``) are written with jupytext (the
``tutorials`` and ``docs`` extras install it, the library itself does not need it):
:func:`notebook` raises ``ModuleNotFoundError`` without it, and ``tconv tutorials`` then writes
the scripts only and says so. Files are written atomically and never over an existing file
unless asked (:func:`write_copies`).
"""
from __future__ import annotations

import importlib.util
import json
import re
from pathlib import Path

from ..serialization import atomic_write
from .marking import STUDENT_NOTE, blank_solutions, parse, solved_source, student_source

__all__ = ["KINDS", "FORMATS", "tutorial_files", "find_tutorials", "copy_text", "notebook", "planned_copies",
           "write_copies", "has_jupytext", "SOLVED_NOTE"]

KINDS = ("student", "solved")
FORMATS = ("py", "ipynb")
TUTORIAL_GLOB = "[0-9][0-9]_*.py"

#: The cell a solved notebook gets after the tutorial's title.
SOLVED_NOTE = """\
> **Solved copy.** Each exercise's solution is in a collapsed cell (tagged `solution`) between
> the exercise and its `check(...)`: click it to open. The student copy, with blanks instead,
> is made by `tconv tutorials --student DIR`.
"""


def has_jupytext() -> bool:
    """Whether jupytext (needed for ``.ipynb`` copies) can be imported."""
    return importlib.util.find_spec("jupytext") is not None


def tutorial_files(folder) -> list[Path]:
    """The tutorials ``NN_name.py`` of ``folder``, in order."""
    return sorted(Path(folder).glob(TUTORIAL_GLOB))


def find_tutorials(source=None, cwd=None) -> Path | None:
    """The tutorials' folder: ``source`` if given, else the ``tutorials/`` of the repository this
    tconv was installed from (an editable install or a source checkout), else ``./tutorials``.
    Returns None when none of them holds a tutorial."""
    if source is not None:
        return Path(source)
    candidates = [Path(__file__).resolve().parents[2] / "tutorials", Path(cwd or Path.cwd()) / "tutorials"]
    return next((folder for folder in candidates if tutorial_files(folder)), None)


def copy_text(path, kind: str) -> str:
    """The ``.py`` text of the ``kind`` (``"student"`` or ``"solved"``) copy of the tutorial at ``path``."""
    path = Path(path)
    text = path.read_text(encoding="utf-8")
    if kind == "student":
        return student_source(text, name=path.name, where=path.name)
    if kind == "solved":
        return solved_source(text, where=path.name)
    raise ValueError(f"kind={kind!r} must be one of {KINDS}")


def _split(source: str, kind: str) -> list[tuple[str, str]]:
    """A code cell's source as (role, code) parts: "code", "exercise" (student) or "solution" (solved)."""
    lines = source.split("\n")
    regions = parse(source)
    if kind == "student":
        return [("exercise", blank_solutions(source))]
    parts, position = [], 0
    for region in regions:
        parts.append(("code", "\n".join(lines[position:region.start])))
        parts.append(("solution", "\n".join(region.solution)))
        position = region.end + 1
    parts.append(("code", "\n".join(lines[position:])))
    return [(role, code.strip("\n")) for role, code in parts if code.strip()]


def _note(kind: str, name: str) -> str:
    """The Markdown of the note a copy gets after its title."""
    if kind == "solved":
        return SOLVED_NOTE.strip()
    lines = STUDENT_NOTE.format(name=name).splitlines()[1:]          # without its "# %% [markdown]" line
    return "\n".join(re.sub(r"^# ?", "", line) for line in lines).strip()


def notebook(path, kind: str):
    """The ``kind`` copy of the tutorial at ``path`` as an nbformat notebook (needs jupytext).

    Solution cells of a solved copy carry ``tags: ["solution"]`` and ``jupyter.source_hidden``;
    exercise cells of a student copy ``tags: ["exercise"]``. The jupytext pairing of the source
    (``formats: py:percent``) is dropped, so saving the notebook writes no ``.py`` beside it.
    """
    import jupytext
    import nbformat

    if kind not in KINDS:
        raise ValueError(f"kind={kind!r} must be one of {KINDS}")
    path = Path(path)
    nb = jupytext.reads(path.read_text(encoding="utf-8"), fmt="py:percent")
    cells = []
    for index, cell in enumerate(nb.cells):
        if cell.cell_type == "code" and parse(cell.source, path.name):
            for role, code in _split(cell.source, kind):
                new = nbformat.v4.new_code_cell(code)
                if role != "code":
                    new.metadata["tags"] = [role]
                if role == "solution":
                    new.metadata["jupyter"] = {"source_hidden": True}
                cells.append(new)
        else:
            cells.append(cell)
        if index == 0:                              # after the title: what kind of copy this is
            cells.append(nbformat.v4.new_markdown_cell(_note(kind, path.name)))
    nb.cells = cells
    nb.metadata.get("jupytext", {}).pop("formats", None)
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.metadata["tconv"] = {"source": path.name, "copy": kind}
    return nb


def planned_copies(paths, folder, kind: str, formats=FORMATS) -> list[tuple[Path, Path, str]]:
    """``(tutorial, target, format)`` for every copy to write into ``folder``."""
    return [(Path(path), Path(folder) / f"{Path(path).stem}.{fmt}", fmt) for path in paths for fmt in formats]


def write_copies(plan, kind: str, overwrite: bool = False) -> list[Path]:
    """Write the copies of ``plan`` (from :func:`planned_copies`); return the files written.

    Refuses (``FileExistsError``, before writing anything) when a target exists and
    ``overwrite`` is False. Each file is written atomically.
    """
    existing = [target for _, target, _ in plan if target.exists()]
    if existing and not overwrite:
        raise FileExistsError(f"{existing[0]} exists ({len(existing)} of the {len(plan)} files to write do); "
                              "choose another folder, or pass --overwrite to replace them")
    written = []
    for path, target, fmt in plan:
        target.parent.mkdir(parents=True, exist_ok=True)
        if fmt == "py":
            text = copy_text(path, kind)
        else:
            import nbformat
            text = nbformat.writes(notebook(path, kind)) + "\n"
        json.loads(text) if fmt == "ipynb" else compile(text, str(target), "exec")   # never write a broken copy

        def write(temporary, text=text):
            Path(temporary).write_text(text, encoding="utf-8")
        written.append(Path(atomic_write(target, write)))
    return written
