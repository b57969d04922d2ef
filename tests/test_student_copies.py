"""What a student sees in the chapters' exercises (tutorials 12-16) before answering, and what they may answer.

A student copy must not show an exercise's answer before the student has given one: the cells
that follow an exercise (up to the next text cell) may only work on the student's own answer,
so they name it, and with every blank still in place the exercises print nothing but their
verdicts. The graders take a right answer in its other reasonable forms (an array for a tuple,
a value rounded as the text's precision asks).

The leak rule was broken by cells that printed the library's answer right below the blank
(exercises 12.1, 13.1, 13.2, 15.2, 16.2); run against those copies, both leak tests fail.
"""
from __future__ import annotations

import contextlib
import io
import re
from pathlib import Path

import numpy as np
import pytest

from tconv.exercises import grade
from tconv.exercises.marking import cells, parse, student_source

ROOT = Path(__file__).resolve().parent.parent
CHAPTERS = [path for path in sorted((ROOT / "tutorials").glob("[0-9][0-9]_*.py")) if int(path.name[:2]) >= 12]
VERDICT = re.compile(r"^Exercise \d\d\.\d+: (no answer yet|not yet)\.", re.M)


def _code(cell: str) -> bool:
    return not cell.startswith("# %% [markdown]")


def _followers(text: str):
    """(exercise cell, the answer names its blanks assign, the code cells after it before the next text cell)."""
    found = []
    parts = cells(text)
    for index, cell in enumerate(parts):
        regions = parse(cell)
        if not regions or not _code(cell):
            continue
        names = set()
        for region in regions:
            for line in region.student:
                match = re.match(r"\s*([A-Za-z_]\w*)\s*=", line)
                if match:
                    names.add(match.group(1))
        after = []
        for following in parts[index + 1:]:
            if not _code(following):
                break
            after.append(following)
        found.append((cell, names, after))
    return found


def test_the_chapters_have_exercises():
    assert [path.name[:2] for path in CHAPTERS] == ["12", "13", "14", "15", "16"]
    assert all(_followers(path.read_text(encoding="utf-8")) for path in CHAPTERS)


def _leaks(text: str) -> list[str]:
    """The code cells that follow an exercise without using its answer (they can only show the library's)."""
    return [following for _, names, after in _followers(text) for following in after
            if not any(re.search(rf"\b{name}\b", following) for name in names)]


@pytest.mark.parametrize("path", CHAPTERS, ids=[p.stem for p in CHAPTERS])
def test_cells_after_an_exercise_work_on_the_students_answer(path):
    text = path.read_text(encoding="utf-8")
    assert all(names for _, names, _ in _followers(text)), f"{path.name}: an exercise's blank assigns no name"
    assert not _leaks(text), f"{path.name}: cells after an exercise that do not use its answer: {_leaks(text)}"


def test_the_leak_rule_sees_a_leak():
    """A made-up exercise whose next cell prints the answer is caught; one whose next cell uses the answer is not."""
    exercise = ("# %%\n# BEGIN SOLUTION 13.1\n# STUDENT: field = ...\nfield = 35\n# END SOLUTION 13.1\n"
                "check('13.1', field)\n\n")
    assert _leaks(exercise + "# %%\nprint(35)\n") == ["# %%\nprint(35)\n"]
    assert _leaks(exercise + "# %%\nif field is not ...:\n    print(field)\n") == []
    assert _leaks(exercise + "# %% [markdown]\n# text\n\n# %%\nprint(35)\n") == []


@pytest.mark.parametrize("path", CHAPTERS, ids=[p.stem for p in CHAPTERS])
def test_the_blank_exercises_print_only_their_verdicts(path, tmp_path, monkeypatch):
    """The student copy's first code cell (the imports), then every code cell of its exercises, blanks in."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("MPLBACKEND", "Agg")
    monkeypatch.setenv("TCONV_TUTORIAL_OUTPUT", str(tmp_path))
    monkeypatch.delenv("TCONV_EXERCISES", raising=False)
    student = cells(student_source(path.read_text(encoding="utf-8"), name=path.name))
    start = next(i for i, cell in enumerate(student) if not _code(cell) and "## Exercises" in cell)
    code = [next(cell for cell in student if _code(cell))] + [cell for cell in student[start:] if _code(cell)]
    namespace = {"__name__": "__main__"}
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed), np.printoptions():
        for cell in code:
            exec(compile(cell, f"{path.name} (student copy)", "exec"), namespace)
    lines = [line for line in printed.getvalue().splitlines() if line.strip()]
    others = [line for line in lines if not VERDICT.match(line)]
    assert lines and not others, f"{path.name}: with its blanks in, the exercises printed {others}"


#: Right answers in another reasonable form than the tests' main table (tests/chapter_answers.py).
OTHER_FORMS = [
    ("13.2", np.array([1, 1, 4]), {}),                        # a NumPy array for the tuple
    ("13.2", [4, 1, 1], {}),
    ("13.3", np.array([[1, 0, 2], [0, 0, 0], [3, 0, 4]]), {}),   # ints
    ("14.1", [[7, 0, 0, 0], [0, 0, 8, 0], [0, 0, 0, 0], [0, 5, 0, 9]],
     dict(image=np.array([[7, 1, 2, 3], [0, 2, 8, 1], [4, 4, 0, 0], [1, 5, 6, 9]], dtype=float))),
    ("14.2", [6, [5, 7]], {}),
    ("15.3", 7.07, {}),                                       # 1 + 10·exp(−0.5) = 7.0653 to two decimals
    ("15.3", 7.065, {}),
    ("16.1", ["k3s2", "k4s2", "shuffle", "shuffle_icnr"], {}),
    ("16.2", 0.2727, {}),                                     # 3/11: 3·8² over 16·44
    ("16.2", 0.273, {}),
]


@pytest.mark.parametrize("exercise_id, answer, given", OTHER_FORMS, ids=[f"{e}-{i}" for i, (e, _, _) in
                                                                           enumerate(OTHER_FORMS)])
def test_a_right_answer_in_another_form_passes(exercise_id, answer, given):
    result = grade(exercise_id, answer, **given)
    assert result.status == "right", str(result)


@pytest.mark.parametrize("exercise_id, answer", [("15.3", 7.2), ("15.3", 7.0), ("16.2", 0.26), ("16.2", 0.3)])
def test_a_wrongly_rounded_answer_is_not_right(exercise_id, answer):
    assert grade(exercise_id, answer).status == "not yet"
