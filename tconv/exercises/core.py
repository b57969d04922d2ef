"""The graders' registry, :func:`grade` and :func:`check`.

An exercise is registered with :func:`exercise`: an id ``"NN.k"`` (tutorial ``NN``,
exercise ``k``), a one-line title, what the answer is, the names of the *given* values
its grader needs (passed to :func:`check` as keywords), and a grading function
``grade(answer, **given) -> Result`` that computes the expected answer with the library or
a direct formula and compares.

Three outcomes, each one printed line:

* ``Exercise 01.1: right.``
* ``Exercise 01.1: not yet. <a hint that does not give the answer away>``
* ``Exercise 01.1: no answer yet. Replace the ... with your answer, then run the cell again.``

:func:`check` prints and never raises for a wrong or missing answer, so a notebook run top
to bottom keeps going; with the environment variable ``TCONV_EXERCISES=strict`` (set by the
tests, which run the solved tutorials) a wrong answer raises :class:`ExerciseNotRight`.
"""
from __future__ import annotations

import importlib
import os
from dataclasses import dataclass, field
from typing import Callable

import numpy as np

__all__ = ["Result", "Exercise", "ExerciseNotRight", "exercise", "EXERCISES", "grade", "check", "is_blank",
           "right", "not_yet", "no_answer", "load_all", "TUTORIAL_MODULES", "STRICT_VARIABLE"]

#: ``TCONV_EXERCISES=strict``: :func:`check` raises on an answer that is not right.
STRICT_VARIABLE = "TCONV_EXERCISES"

RIGHT, WRONG, BLANK = "right", "not yet", "no answer yet"


@dataclass(frozen=True)
class Result:
    """The verdict on one answer: ``status`` is ``"right"``, ``"not yet"`` or ``"no answer yet"``.

    ``bool(result)`` is True only when the answer is right; ``str(result)`` is the printed line.

    >>> str(Result("01.1", "not yet", "Row 0 differs."))
    'Exercise 01.1: not yet. Row 0 differs.'
    """

    exercise_id: str
    status: str
    message: str = ""

    def __bool__(self) -> bool:
        return self.status == RIGHT

    def __str__(self) -> str:
        text = f"Exercise {self.exercise_id}: {self.status}."
        return f"{text} {self.message}" if self.message else text


def right(message: str = "") -> tuple[str, str]:
    """A grader's verdict: right (with an optional remark)."""
    return RIGHT, message


def not_yet(hint: str) -> tuple[str, str]:
    """A grader's verdict: not right, with a hint that does not give the answer away."""
    return WRONG, hint


def no_answer(what: str = "") -> tuple[str, str]:
    """A grader's verdict: the blank is still there."""
    return BLANK, (f"Replace the ... with {what}, then run the cell again." if what else
                   "Replace the ... with your answer, then run the cell again.")


class ExerciseNotRight(AssertionError):
    """Raised by :func:`check` in strict mode (``TCONV_EXERCISES=strict``) when an answer is not right."""


@dataclass(frozen=True)
class Exercise:
    """One registered exercise: its id, title, the answer it expects and its grader."""

    exercise_id: str
    title: str
    answer: str
    given: tuple = ()
    grader: Callable = field(default=None, repr=False, compare=False)

    @property
    def tutorial(self) -> int:
        """The tutorial's number (``"06.3"`` -> 6)."""
        return int(self.exercise_id.split(".")[0])


#: Every registered exercise, by id (filled by the modules ``tutorial01`` ... ``tutorial11``).
EXERCISES: dict[str, Exercise] = {}


def exercise(exercise_id: str, title: str, *, answer: str, given: tuple = ()):
    """Register ``grader(answer, **given) -> (status, message)`` as exercise ``exercise_id``.

    ``answer`` says in words what the student passes (shown in hints and in
    ``tconv tutorials``); ``given`` names the keyword arguments :func:`check` must receive.
    """
    def register(grader):
        if exercise_id in EXERCISES:
            raise ValueError(f"exercise {exercise_id!r} is registered twice")
        EXERCISES[exercise_id] = Exercise(exercise_id, title, answer, tuple(given), grader)
        return grader
    return register


def is_blank(answer) -> bool:
    """True for the blanks of a student copy: ``...``, ``None``, or a list/tuple/dict holding ``...``.

    >>> is_blank(...), is_blank(None), is_blank([1, ...]), is_blank({"a": ...}), is_blank(0)
    (True, True, True, True, False)
    """
    if answer is Ellipsis or answer is None:
        return True
    if isinstance(answer, dict):
        return any(is_blank(value) for value in answer.values()) or any(key is Ellipsis for key in answer)
    if isinstance(answer, (list, tuple, set, frozenset)):
        return any(value is Ellipsis for value in answer) or any(is_blank(v) for v in answer
                                                               if isinstance(v, (list, tuple, dict)))
    if isinstance(answer, np.ndarray) and answer.dtype == object:
        return any(value is Ellipsis for value in answer.ravel())
    return False


#: The grader modules, one per tutorial.
TUTORIAL_MODULES = tuple(f"tutorial{n:02d}" for n in range(1, 17))


def load_all() -> dict:
    """Import every grader module (registering its exercises); return :data:`EXERCISES`."""
    for name in TUTORIAL_MODULES:
        importlib.import_module(f"{__package__}.{name}")
    return EXERCISES


def _lookup(exercise_id) -> Exercise:
    load_all()
    if not isinstance(exercise_id, str) or exercise_id not in EXERCISES:
        known = ", ".join(sorted(EXERCISES))
        raise ValueError(f"exercise_id={exercise_id!r} is not an exercise of the tutorials; known: {known}")
    return EXERCISES[exercise_id]


def grade(exercise_id: str, answer, **given) -> Result:
    """Grade ``answer`` for exercise ``exercise_id`` and return the :class:`Result` (prints nothing).

    ``given`` are the values the exercise hands the student (e.g. the arrays it is computed
    from), by the names the exercise lists. A missing given is the author's mistake:
    ``TypeError``. Anything else the student's answer does (a wrong type, a function that
    raises) is a "not yet" with a hint, never an exception.

    >>> grade("04.1", {12: 0, 13: 1, 14: 2}).status
    'right'
    >>> print(grade("04.1", ...))
    Exercise 04.1: no answer yet. Replace the ... with a dict {input size: output_padding}, then run the cell again.
    """
    spec = _lookup(exercise_id)
    missing = [name for name in spec.given if name not in given]
    unknown = [name for name in given if name not in spec.given]
    if missing or unknown:
        raise TypeError(f"check({exercise_id!r}, answer, ...) needs the given values "
                        f"{', '.join(spec.given) or '(none)'} as keywords; missing {missing or 'none'}, "
                        f"unexpected {unknown or 'none'}")
    if is_blank(answer):
        status, message = no_answer(spec.answer)
    else:
        try:
            status, message = spec.grader(answer, **given)
        except Exception as error:          # the student's value broke the comparison: say so, do not raise
            status, message = not_yet(f"Your answer could not be used ({type(error).__name__}: {error}). "
                                      f"Expected {spec.answer}.")
    return Result(exercise_id, status, message)


def check(exercise_id: str, answer, **given) -> None:
    """Grade ``answer`` and print one line: right, not yet (with a hint), or no answer yet.

    Never raises for a wrong or missing answer (a notebook run top to bottom keeps going),
    unless the environment variable ``TCONV_EXERCISES`` is ``strict``: then an answer that is
    not right raises :class:`ExerciseNotRight` (the tests run the solved tutorials so).
    Returns None; :func:`grade` returns the :class:`Result` instead.

    >>> check("04.3", (15, 0, 1))
    Exercise 04.3: right.
    """
    result = grade(exercise_id, answer, **given)
    print(result)
    if not result and os.environ.get(STRICT_VARIABLE, "").lower() == "strict":
        raise ExerciseNotRight(str(result))
