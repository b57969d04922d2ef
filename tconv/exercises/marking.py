"""Solutions marked in a tutorial's source, and the student copy made from it mechanically.

A tutorial (``tutorials/NN_name.py``, a jupytext percent script) marks each exercise's
solution inside a code cell with two comment lines, and says what the student sees in its
place with ``# STUDENT:`` lines (comments in the solved tutorial, code in the student copy)::

    # %%
    kernel_1d = np.array([1.0, 2.0, 3.0])            # given: stays in both copies
    # BEGIN SOLUTION 01.1
    # STUDENT: C_1d = ...                            # your matrix, one row per output
    n_out = (5 + 2 * 1 - 3) // 2 + 1
    C_1d = ...                                       # the solution's code
    # END SOLUTION 01.1
    check("01.1", C_1d)                              # the grader: stays in both copies

The student copy replaces everything from ``BEGIN`` to ``END`` by the ``STUDENT`` lines
(without ``# STUDENT: ``, at the marker's indentation); the solved copy drops the three kinds
of marker lines. A region may be indented (inside a loop or a function) and a cell may hold
several. The exercise id ``NN.k`` is the tutorial's number and the exercise's; the grader of
each id lives in :mod:`tconv.exercises`, and :func:`lint` checks the marks.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = ["Region", "parse", "blank_solutions", "student_source", "solved_source", "exercise_ids", "cells",
           "student_cells", "lint", "STUDENT_NOTE", "MarkingError"]

BEGIN = re.compile(r"^(?P<indent>[ \t]*)# BEGIN SOLUTION (?P<id>\S+)\s*$")
END = re.compile(r"^(?P<indent>[ \t]*)# END SOLUTION (?P<id>\S+)\s*$")
STUDENT = re.compile(r"^(?P<indent>[ \t]*)# STUDENT:(?: (?P<code>.*))?$")
ID = re.compile(r"^\d\d\.\d+$")
CELL = re.compile(r"^# %%")
CHECK = re.compile(r"""check\(\s*["'](?P<id>\d\d\.\d+)["']""")

#: The cell a student copy gets after the tutorial's title.
STUDENT_NOTE = """\
# %% [markdown]
# > **Student copy.** The exercises at the end have blanks (`...`) where the solutions were.
# > Fill each one in and run its cell: `check(...)` prints *right*, or *not yet* with a hint
# > that does not give the answer away. Each exercise stands alone, so you can do them in any
# > order. This copy was made by `tconv tutorials --student`; the solved tutorial is
# > `{name}` in the repository's `tutorials/` folder.
"""


class MarkingError(ValueError):
    """The solution marks of a tutorial are malformed (named with the line number)."""


@dataclass(frozen=True)
class Region:
    """One marked solution: its exercise id, first and last line (0-based, the markers
    included), the solution's lines and the student's lines (both as they are to be written)."""

    exercise_id: str
    start: int
    end: int
    solution: tuple
    student: tuple


def parse(text: str, where: str = "the tutorial") -> list[Region]:
    """The marked regions of ``text``, in order; raise :class:`MarkingError` for malformed marks.

    >>> source = "a = 1\\n# BEGIN SOLUTION 01.1\\n# STUDENT: b = ...\\nb = a + 1\\n# END SOLUTION 01.1\\n"
    >>> [(r.exercise_id, r.solution, r.student) for r in parse(source)]
    [('01.1', ('b = a + 1',), ('b = ...',))]
    """
    lines = text.splitlines()
    regions, open_at = [], None
    solution, student, indent, current = [], [], "", None
    for number, line in enumerate(lines):
        begin, end = BEGIN.match(line), END.match(line)
        if begin:
            if open_at is not None:
                raise MarkingError(f"{where}, line {number + 1}: BEGIN SOLUTION {begin['id']} inside the region "
                                   f"of {current} (opened at line {open_at + 1}); close it with END SOLUTION {current}")
            if not ID.match(begin["id"]):
                raise MarkingError(f"{where}, line {number + 1}: the exercise id {begin['id']!r} must read NN.k "
                                   "(tutorial number, exercise number), e.g. 03.2")
            open_at, current, indent, solution, student = number, begin["id"], begin["indent"], [], []
        elif end:
            if open_at is None:
                raise MarkingError(f"{where}, line {number + 1}: END SOLUTION {end['id']} without a BEGIN")
            if end["id"] != current:
                raise MarkingError(f"{where}, line {number + 1}: END SOLUTION {end['id']} closes the region of "
                                   f"{current} (opened at line {open_at + 1})")
            if not student:
                raise MarkingError(f"{where}, line {open_at + 1}: the region of {current} has no '# STUDENT:' line "
                                   "(what the student copy shows instead, e.g. '# STUDENT: answer = ...')")
            regions.append(Region(current, open_at, number, tuple(solution), tuple(student)))
            open_at = None
        elif open_at is not None:
            marked = STUDENT.match(line)
            if marked:
                if marked["indent"] != indent:
                    raise MarkingError(f"{where}, line {number + 1}: a '# STUDENT:' line must be indented like "
                                       f"its BEGIN SOLUTION line")
                student.append(indent + (marked["code"] or ""))
            else:
                solution.append(line)
        elif STUDENT.match(line):
            raise MarkingError(f"{where}, line {number + 1}: a '# STUDENT:' line outside a solution region")
    if open_at is not None:
        raise MarkingError(f"{where}, line {open_at + 1}: BEGIN SOLUTION {current} is never closed")
    return regions


def _rewrite(text: str, keep_solution: bool, where: str) -> str:
    lines = text.splitlines()
    out, position = [], 0
    for region in parse(text, where):
        out.extend(lines[position:region.start])
        out.extend(region.solution if keep_solution else region.student)
        position = region.end + 1
    out.extend(lines[position:])
    return "\n".join(out) + ("\n" if text.endswith("\n") else "")


def blank_solutions(text: str, where: str = "the tutorial") -> str:
    """``text`` with every solution region replaced by its ``STUDENT`` lines (nothing else changes).

    >>> marked = "a = 1\\n# BEGIN SOLUTION 01.1\\n# STUDENT: b = ...\\nb = 2\\n# END SOLUTION 01.1\\n"
    >>> print(blank_solutions(marked), end="")
    a = 1
    b = ...
    """
    return _rewrite(text, False, where)


def solved_source(text: str, where: str = "the tutorial") -> str:
    """``text`` with the solution marks removed (the solved copy).

    >>> print(solved_source("# BEGIN SOLUTION 01.1\\n# STUDENT: b = ...\\nb = 2\\n# END SOLUTION 01.1\\n"), end="")
    b = 2
    """
    return _rewrite(text, True, where)


def student_source(text: str, name: str = "the tutorial", where: str | None = None) -> str:
    """``text`` with every solution replaced by its ``STUDENT`` lines, and a note after the title.

    The note (:data:`STUDENT_NOTE`) goes before the second cell of the script (the first is the
    title's markdown cell), naming the solved tutorial ``name``.
    """
    blanked = blank_solutions(text, where or name)
    lines = blanked.splitlines(keepends=True)
    starts = [i for i, line in enumerate(lines) if CELL.match(line)]
    at = starts[1] if len(starts) > 1 else len(lines)
    return "".join(lines[:at]) + STUDENT_NOTE.format(name=name) + "\n" + "".join(lines[at:])


def exercise_ids(text: str) -> list[str]:
    """The ids of the marked exercises, in order (one per region; a repeated id is listed once)."""
    return list(dict.fromkeys(region.exercise_id for region in parse(text)))


def cells(text: str) -> list[str]:
    """The percent-format cells of ``text`` (each starting with its ``# %%`` line), the header dropped."""
    lines = text.splitlines(keepends=True)
    starts = [i for i, line in enumerate(lines) if CELL.match(line)] + [len(lines)]
    return ["".join(lines[a:b]) for a, b in zip(starts, starts[1:])]


def student_cells(text: str) -> list[str]:
    """The student copy of every code cell holding a solution, without its ``# %%`` line.

    Run after the solved tutorial in the same namespace, these are what a student who has
    not answered yet runs: each check must then report "no answer yet".
    """
    found = []
    for cell in cells(text):
        if parse(cell) and not cell.startswith("# %% [markdown]"):
            body = cell.split("\n", 1)[1] if "\n" in cell else ""
            found.append(blank_solutions(body, "a cell").strip("\n") + "\n")
    return found


def lint(text: str, number: int | None = None, known_ids=None) -> list[str]:
    """Problems with the marks of one tutorial (an empty list when all is well).

    Checks that the marks parse, that each id belongs to tutorial ``number``, that each region
    is followed in its cell by ``check("ID", ...)``, that each id is a registered grader
    (``known_ids``), and that no marker sits in a markdown cell.
    """
    try:
        parse(text)
    except MarkingError as error:
        return [str(error)]
    problems = []
    for cell in cells(text):
        regions = parse(cell)
        if not regions:
            continue
        if cell.startswith("# %% [markdown]"):
            problems.append(f"solution marks in a markdown cell: {regions[0].exercise_id}")
            continue
        after = cell.splitlines()[regions[-1].end + 1:]
        called = {match["id"] for match in CHECK.finditer("\n".join(after))}
        for region in regions:
            if number is not None and int(region.exercise_id.split(".")[0]) != number:
                problems.append(f"exercise {region.exercise_id} is marked in tutorial {number:02d}")
            if region.exercise_id not in called:
                problems.append(f"the solution of {region.exercise_id} is not followed in its cell by "
                                f"check({region.exercise_id!r}, ...)")
            if known_ids is not None and region.exercise_id not in known_ids:
                problems.append(f"exercise {region.exercise_id} has no grader in tconv.exercises")
    return problems
