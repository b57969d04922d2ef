"""The tutorials' graders: right answers pass, blanks and typical wrong answers fail with their hint.

The right answers below are written out by hand or computed here with plain loops (not with
the library the graders use), so a grader that computes the wrong expected value fails. The
marks in the tutorials must parse, and every marked exercise must have a grader (and every
grader an exercise).
"""
from __future__ import annotations

import io
from contextlib import redirect_stdout
from pathlib import Path

import numpy as np
import pytest

from tconv.exercises import EXERCISES, ExerciseNotRight, check, grade, load_all
from tconv.exercises.compare import same_array, same_choice, same_int, same_items, same_number, same_set
from tconv.exercises.marking import (MarkingError, blank_solutions, exercise_ids, lint, parse, solved_source,
                                     student_cells, student_source)
import chapter_answers

ROOT = Path(__file__).resolve().parent.parent
TUTORIALS = sorted((ROOT / "tutorials").glob("[0-9][0-9]_*.py"))
load_all()

K = np.array([[1, 4, 1], [1, 4, 3], [3, 3, 1]], dtype=float)


def _mean_gradient():
    """dL/dx of mean(conv2d(x, K, stride 2, padding 1)) on 7x7, by a loop over the 16 windows."""
    grad = np.zeros((7, 7))
    for r in range(4):
        for c in range(4):
            for a in range(3):
                for b in range(3):
                    i, j = 2 * r - 1 + a, 2 * c - 1 + b
                    if 0 <= i < 7 and 0 <= j < 7:
                        grad[i, j] += K[a, b] / 16
    return grad


def _transposed_weight_gradient(x, w, g, stride=2, padding=1):
    """dL/dw of <conv_transpose2d(x, w), g>: input pixel (r, c) of channel i painted w[i, o] at r*s - p."""
    grad = np.zeros_like(w)
    for i in range(w.shape[0]):
        for o in range(w.shape[1]):
            for a in range(w.shape[2]):
                for b in range(w.shape[3]):
                    for r in range(x.shape[2]):
                        for c in range(x.shape[3]):
                            y, z = r * stride - padding + a, c * stride - padding + b
                            if 0 <= y < g.shape[2] and 0 <= z < g.shape[3]:
                                grad[i, o, a, b] += x[0, i, r, c] * g[0, o, y, z]
    return grad


def _boundary_by_loop(labels):
    """Foreground pixels with a background or out-of-image pixel among their 4 neighbours."""
    out = np.zeros_like(labels)
    h, w = labels.shape
    for r in range(h):
        for c in range(w):
            if labels[r, c] > 0:
                for dr, dc in ((1, 0), (-1, 0), (0, 1), (0, -1)):
                    rr, cc = r + dr, c + dc
                    if not (0 <= rr < h and 0 <= cc < w) or labels[rr, cc] == 0:
                        out[r, c] = 1
    return out


def _softplus():
    from tconv.autograd import defop

    @defop
    def softplus(x):
        def vjp(grad_out):
            return (grad_out * np.exp(x) / (1 + np.exp(x)),)
        return np.log1p(np.exp(x)), vjp
    return softplus


def _winograd_f32():
    points = (0, 1, -1)

    def evaluation(k):
        return np.array([[a ** j for j in range(k)] for a in points] + [[0] * (k - 1) + [1]], dtype=float)
    f = np.array([-1.0, 2.0, 2.0, 1.0])                  # prod_(j != i)(a_i - a_j); 1 for infinity
    return evaluation(3).T, np.diag(1 / f) @ evaluation(2), np.diag(f) @ np.linalg.inv(evaluation(4)).T


RNG = np.random.default_rng(5)
X2, W2, G2 = RNG.standard_normal((1, 2, 3, 3)), RNG.standard_normal((2, 3, 3, 3)), RNG.standard_normal((1, 3, 5, 5))
K4 = RNG.uniform(0.5, 1.5, (1, 1, 4, 4))
CONFUSION = np.array([[50, 2, 3], [4, 30, 1], [2, 5, 20]])
painted = np.zeros((4, 4))
painted[1:, :3] = K
C_NOTES = np.zeros((4, 16))
for m in range(4):
    canvas = np.zeros((4, 4))
    canvas[m // 2:m // 2 + 3, m % 2:m % 2 + 3] = K
    C_NOTES[m] = canvas.ravel()
balanced = np.array([[K4[0, 0, r, c] / K4[0, 0, r % 2::2, c % 2::2].sum() for c in range(4)] for r in range(4)])
counts_1d = np.array([1, 2, 1, 2, 1, 2, 1, 1])
iou = np.diag(CONFUSION) / (CONFUSION.sum(0) + CONFUSION.sum(1) - np.diag(CONFUSION))

#: exercise -> (a right answer worked out here, the given values)
RIGHT = {
    "01.1": ([[2, 3, 0, 0, 0], [0, 1, 2, 3, 0], [0, 0, 0, 1, 2]], {}),
    "01.2": (painted, {}),
    "01.3": ({7: 0, 8: 1}, {}),
    "02.1": (_mean_gradient()[None, None], {}),
    "02.2": (_transposed_weight_gradient(X2, W2, G2), dict(x=X2, w=W2, g=G2)),
    "02.3": ((4, [9]), {}),
    "03.1": ((5, 1), {}),
    "03.2": (balanced, dict(k4=K4)),
    "03.3": ({1: "holes", 2: "holes", 3: "even", 4: "stripes", 5: "stripes", 6: "even", 7: "stripes", 8: "stripes",
              9: "even"}, {}),
    "04.1": ({12: 0, 13: 1, 14: 2}, {}),
    "04.2": ({2: (0, 0), 3: (1, 1), 4: (1, 0), 5: (2, 1)}, {}),
    "04.3": ((15, 0, 1), {}),
    "05.1": (_softplus(), {}),
    "05.2": (C_NOTES.T, {}),
    "05.3": ([4.0, -8.0], {}),
    "06.1": (4 * (32 * 16 + 64 * 32 + 128 * 64) + 16 + 32 + 64, {}),
    "06.2": (np.outer(counts_1d, counts_1d), {}),
    "06.3": (iou, dict(confusion=CONFUSION)),
    "07.1": ((0.1, 0.9, "false negatives"), {}),
    "07.2": ((0.75, 2.5 / 3), {}),
    "07.3": (_boundary_by_loop, {}),
    "08.1": ((0.625, 0.875), {}),
    "08.2": ([[9, 6], [6, 4]], {}),
    "08.3": ("input", {}),
    "09.1": (((12, 32, 32), (0, 1, 1)), {}),
    "09.2": ((16 ** 3 * 16 * 16 * 27, 64 ** 2 * 16 * 16 * 9), {}),
    "09.3": (np.full((1, 1, 2, 2, 2), 0.125), {}),
    "10.1": (([9, -1, 12, 6, 3, 22, 3, 10], 16), {}),
    "10.2": (_winograd_f32(), {}),
    "10.3": (5, {}),
    "10.4": (({2: 1.8e-7, 3: 1.4e-6, 4: 2.9e-6, 5: 9.8e-5, 6: 3.8e-4}, 5.4e-6), {}),
    "11.1": (((1, 1), 9, 36), {}),
    "11.2": ((1, 2), {}),
    "11.3": ({(1, 3), (1, 4), (2, 3), (2, 4), (3, 3), (3, 4)}, {}),
}

#: (exercise, a typical wrong answer, a piece of the hint it must get)
WRONG = [
    ("01.1", [[2, 1, 0, 0, 0], [0, 3, 2, 1, 0], [0, 0, 0, 3, 2]], "reverse order"),
    ("01.1", np.zeros((3, 7)), "padding is not an input"),
    ("01.1", [[2, 3, 0, 0, 0], [0, 1, 2, 3, 0], [0, 0, 0, 1, 3]], "in row 2"),
    ("01.2", np.pad(K[::-1, ::-1], ((1, 0), (0, 1))), "rotated by 180"),
    ("01.3", {7: 1, 8: 0}, "swapped"),
    ("01.3", {7: 0, 8: 2}, "smaller than the stride"),
    ("02.1", 16 * _mean_gradient(), "16 times"),
    ("02.1", np.ones((8, 8)), "one row and column too many"),
    ("02.2", _transposed_weight_gradient(X2, W2, G2).transpose(1, 0, 2, 3), "shape"),
    ("02.3", (5, [9]), "off by one"),
    ("02.3", (4, [8, 9]), "2 rows given"),
    ("03.1", (3, 0), "falls to 0 after f = ceil(3/2) = 2"),
    ("03.1", (5, 2), "16 values"),
    ("03.1", (6, 1), "even"),
    ("03.2", K4[0, 0], "sums to"),
    ("03.3", {k: "even" for k in range(1, 10)}, "kernel sizes 1, 2, 4, 5, 7, 8"),
    ("04.1", {12: 0, 13: 1}, "more sizes"),
    ("04.1", {11: 0, 12: 0, 13: 1}, "gives 3 outputs"),
    ("04.2", {2: (0, 0), 3: (1, 0), 4: (1, 0), 5: (2, 1)}, "The value for 3 is not right: these arguments turn 3 into 5"),
    ("04.3", (14, 0, 0), "2 of 3"),
    ("05.2", C_NOTES, "transpose"),
    ("05.3", [2.0, -4.0], "one call"),
    ("06.1", 4 * (32 * 16 + 64 * 32 + 128 * 64), "one bias per output channel"),
    ("06.2", np.outer(counts_1d, counts_1d)[::-1, ::-1], "mirrored"),
    ("06.2", np.ones((9, 9)), "uncropped canvas"),
    ("06.3", np.diag(CONFUSION) / CONFUSION.sum(1), "recall"),
    ("06.3", 2 * np.diag(CONFUSION) / (CONFUSION.sum(0) + CONFUSION.sum(1)), "Dice"),
    ("07.1", (0.9, 0.1, "false negatives"), "swapped"),
    ("07.1", (0.1, 0.9, "false positives"), "The error: with these weights"),
    ("07.2", (0.5, 2.5 / 3), "skips it"),
    ("07.3", lambda labels: (labels > 0).astype(labels.dtype), "wrong"),
    ("08.1", (0.375, 0.125), "missing parts"),
    ("08.2", [[4, 6], [6, 9]], "Phase 0"),
    ("08.3", "both", "still gets a gradient"),
    ("08.3", "sideways", "Answer one of"),
    ("09.1", ((12, 32, 32), (1, 1, 1)), "output_padding"),
    ("09.2", (16 ** 3 * 16 * 27, 64 ** 2 * 16 * 9), "16 times too small"),
    ("09.3", np.ones((1, 1, 2, 2, 2)), "add up to 8"),
    ("10.1", ([9, -1, 12, 6, 3, 22, 3, 10], 24), "direct sum"),
    ("10.2", tuple(np.array(m) * s for m, s in zip(_winograd_f32(), (1, 2, 0.5))), "scaled differently"),
    ("10.3", 4, "not fewer than 2"),
    ("10.4", ({2: 3e-4, 3: 1e-4, 4: 1e-5, 5: 1e-6, 6: 1e-7}, 1e-8), "below 1e-6"),
    ("11.1", (1, 36, 9), "swapped"),
    ("11.2", (3, 4), "other direction"),
    ("11.3", {(r, c) for r in (1, 2, 3) for c in (3, 4, 5)}, "padding cells"),
]


RIGHT.update(chapter_answers.RIGHT)          # tutorials 12-16 and 08.4
WRONG += chapter_answers.WRONG


def test_every_exercise_has_a_right_answer_here():
    assert sorted(RIGHT) == sorted(EXERCISES)


@pytest.mark.parametrize("exercise_id", sorted(RIGHT))
def test_the_right_answer_passes(exercise_id):
    answer, given = RIGHT[exercise_id]
    result = grade(exercise_id, answer, **given)
    assert result.status == "right", str(result)


@pytest.mark.parametrize("blank", [..., None], ids=["ellipsis", "None"])
@pytest.mark.parametrize("exercise_id", sorted(RIGHT))
def test_the_blank_fails_and_says_what_to_fill_in(exercise_id, blank):
    result = grade(exercise_id, blank, **RIGHT[exercise_id][1])
    assert result.status == "no answer yet" and not result
    assert "Replace the ..." in result.message and EXERCISES[exercise_id].answer in result.message


@pytest.mark.parametrize("exercise_id, answer, hint", WRONG, ids=[f"{w[0]}-{i}" for i, w in enumerate(WRONG)])
def test_a_typical_mistake_gets_its_hint(exercise_id, answer, hint):
    result = grade(exercise_id, answer, **RIGHT[exercise_id][1])
    assert result.status == "not yet", str(result)
    assert hint in result.message, result.message


@pytest.mark.parametrize("exercise_id", sorted(RIGHT))
def test_nonsense_answers_are_not_yet_never_an_error(exercise_id):
    for answer in ("seven", 3.5, [1, 2, 3], {"a": 1}, (lambda: 1), object()):
        result = grade(exercise_id, answer, **RIGHT[exercise_id][1])
        assert result.status == "not yet", (answer, str(result))
        assert result.message


def test_hints_do_not_print_the_expected_values():
    result = grade("01.1", np.ones((3, 5)))
    assert "2.0" not in result.message and "[[" not in result.message and "[2" not in result.message
    result = grade("06.1", 43_000)
    assert "43120" not in result.message and "43,120" not in result.message


def test_softplus_that_forgets_grad_out_is_caught():
    from tconv.autograd import defop

    @defop
    def lazy(x):
        def vjp(grad_out):
            return (1 / (1 + np.exp(-x)),)
        return np.logaddexp(0, x), vjp

    assert "grad_out" in grade("05.1", lazy).message


def test_a_stub_that_raises_is_reported():
    def softplus(x):
        raise RuntimeError("not written yet")

    result = grade("05.1", softplus)
    assert result.status == "not yet" and "RuntimeError: not written yet" in result.message


def test_check_prints_one_line_and_raises_only_when_strict(monkeypatch):
    monkeypatch.delenv("TCONV_EXERCISES", raising=False)
    printed = io.StringIO()
    with redirect_stdout(printed):
        assert check("08.3", "weight") is None
        check("08.3", ...)
        check("08.3", "input")
    lines = printed.getvalue().splitlines()
    assert lines[0].startswith("Exercise 08.3: not yet. ") and lines[1].startswith("Exercise 08.3: no answer yet.")
    assert lines[2] == "Exercise 08.3: right."
    monkeypatch.setenv("TCONV_EXERCISES", "strict")
    with redirect_stdout(io.StringIO()), pytest.raises(ExerciseNotRight, match="08.3: not yet"):
        check("08.3", "weight")
    with redirect_stdout(io.StringIO()):
        check("08.3", "input")                       # right: no error even when strict


def test_author_mistakes_raise():
    with pytest.raises(ValueError, match="not an exercise"):
        grade("99.1", 1)
    with pytest.raises(TypeError, match="needs the given values x, w, g"):
        grade("02.2", np.zeros((2, 3, 3, 3)))
    with pytest.raises(TypeError, match="unexpected"):
        grade("01.1", np.zeros((3, 5)), x=1)


# --------------------------------------------------------------------------- the comparisons


def test_same_array_hints():
    e = np.array([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0], [7.0, 8.0, 9.0]])
    assert "transpose" in same_array(e.T, e)[1]
    assert "wrong sign" in same_array(-e, e)[1]
    assert "shifted by one place along axis 1" in same_array(np.roll(e, 1, axis=1), e)[1]
    assert "2 times the right value" in same_array(2 * e, e)[1]
    assert "rotated by 180" in same_array(e[::-1, ::-1], e)[1]
    assert "off by one along axis 0" in same_array(np.ones((4, 3)), e)[1]
    assert same_array(e[None, None], e, squeeze=True)[0] == "right"
    assert same_array(e[None, None], e)[0] == "not yet"
    assert "NaN" in same_array(np.where(e > 8, np.nan, e), e)[1]
    assert "The shape (2, 2) is not right." == same_array(np.ones((2, 2)), e, reveal_shape=False)[1]


def test_number_and_item_hints():
    assert same_int(7.0, 7)[0] == "right" and "whole number" in same_int(7.5, 7)[1]
    assert "Off by one" in same_int(6, 7)[1] and "sign" in same_number(-3, 3)[1]
    assert "3 times too large" in same_number(9, 3)[1] and "Too small" in same_number(2, 7)[1]
    assert "one number" in same_number("7", 7)[1] and "one number" in same_number(True, 1)[1]
    assert same_choice(" Holes ", "holes", ("holes", "even"))[0] == "right"
    assert "missing" in same_items({1: 2}, {1: 2, 3: 4})[1].lower()
    assert "should not be there" in same_items({1: 2, 3: 4, 5: 6}, {1: 2, 3: 4})[1]
    assert "1 item is missing" in same_set([1, 2], [1, 2, 3])[1]


# --------------------------------------------------------------------------- the marks


MARKED = """\
# %% [markdown]
# # Title

# %%
x = 1

# %%
given = 2
# BEGIN SOLUTION 01.1
# STUDENT: answer = ...          # fill in
answer = given + 1
# END SOLUTION 01.1
check("01.1", answer)

# %%
for i in range(2):
    # BEGIN SOLUTION 01.2
    # STUDENT: total = ...
    total = i * 2
    # END SOLUTION 01.2
check("01.2", total)
"""


def test_student_and_solved_sources():
    student = student_source(MARKED, name="01_demo.py")
    assert "answer = ...          # fill in" in student and "answer = given + 1" not in student
    assert "    total = ..." in student and "total = i * 2" not in student
    assert "Student copy" in student and "`01_demo.py`" in student
    assert student.index("Student copy") < student.index("x = 1")            # right after the title
    solved = solved_source(MARKED)
    assert "SOLUTION" not in solved and "STUDENT" not in solved and "answer = given + 1" in solved
    compile(student, "student", "exec")
    compile(solved, "solved", "exec")
    assert exercise_ids(MARKED) == ["01.1", "01.2"]
    assert student_cells(MARKED) == [blank_solutions("given = 2\n" + MARKED.split("given = 2\n")[1]
                                                     .split("\n\n# %%")[0] + "\n"),
                                     "for i in range(2):\n    total = ...\ncheck(\"01.2\", total)\n"]
    assert lint(MARKED, 1, known_ids={"01.1", "01.2"}) == []


@pytest.mark.parametrize("text, message", [
    ("# BEGIN SOLUTION 01.1\n# STUDENT: a = ...\na = 1\n", "line 1: BEGIN SOLUTION 01.1 is never closed"),
    ("# END SOLUTION 01.1\n", "line 1: END SOLUTION 01.1 without a BEGIN"),
    ("# BEGIN SOLUTION 01.1\na = 1\n# END SOLUTION 01.1\n", "has no '# STUDENT:' line"),
    ("# BEGIN SOLUTION 01.1\n# STUDENT: a = ...\n# END SOLUTION 01.2\n", "closes the region of 01.1"),
    ("# BEGIN SOLUTION 1.1\n", "must read NN.k"),
    ("# STUDENT: a = ...\n", "outside a solution region"),
    ("# BEGIN SOLUTION 01.1\n# BEGIN SOLUTION 01.2\n", "inside the region of 01.1"),
])
def test_malformed_marks_are_named_with_their_line(text, message):
    with pytest.raises(MarkingError, match=message.replace("(", r"\(").replace(")", r"\)")):
        parse(text)


def test_lint_finds_a_missing_check_and_a_foreign_id():
    text = MARKED.replace('check("01.1", answer)', "print(answer)")
    assert any("not followed in its cell by check('01.1'" in p for p in lint(text, 1))
    assert any("is marked in tutorial 02" in p for p in lint(MARKED, 2))
    assert any("no grader" in p for p in lint(MARKED, 1, known_ids={"01.1"}))


@pytest.mark.parametrize("path", TUTORIALS, ids=[p.stem for p in TUTORIALS])
def test_every_tutorial_marks_its_exercises(path):
    text = path.read_text(encoding="utf-8")
    assert lint(text, int(path.name[:2]), known_ids=set(EXERCISES)) == []
    ids = exercise_ids(text)
    assert ids and ids == sorted(e for e in EXERCISES if e.startswith(path.name[:2] + "."))
    student = student_source(text, name=path.name)
    compile(student, path.name, "exec")
    for region in parse(text):
        code = [line.strip() for line in region.solution if line.strip() and not line.strip().startswith("#")]
        assert any(line not in student for line in code), f"{region.exercise_id}: the solution is still there"
