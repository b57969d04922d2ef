"""Exercises that grade themselves: the tutorials' graders and the lecturers' question generator.

**Graders.** Every exercise of the tutorials ends with ``check("NN.k", answer)``, which prints
one line: *right*, *not yet* with a hint that does not give the answer away (the shape is
right but row 1 differs, off by one, transposed, the wrong sign, swapped values, ...), or *no
answer yet* while the blank ``...`` is still there. The graders live in one module per
tutorial (:mod:`tconv.exercises.tutorial01` ... ``tutorial11``) and compute the expected
answer with the library or a direct formula. :func:`check` never raises for a wrong answer,
so a notebook runs on; :func:`grade` returns the :class:`Result` instead of printing it.

**Student copies.** The tutorials mark their solutions (:mod:`tconv.exercises.marking`);
``tconv tutorials --student DIR`` writes the copies with blanks, ``--solved DIR`` the solved
ones (:mod:`tconv.exercises.copies`).

**Questions for lecturers.** ``tconv exercise`` draws seeded questions with their answer key
(:mod:`tconv.exercises.questions`): output sizes, ``output_padding``, Keras to PyTorch, the
matrix ``C``, kernel taps, receptive fields, Dice and IoU.

>>> from tconv.exercises import check, grade
>>> check("04.2", {2: (0, 0), 3: (1, 1), 4: (1, 0), 5: (2, 1)})
Exercise 04.2: right.
>>> bool(grade("04.2", {2: (0, 0), 3: (1, 0), 4: (1, 0), 5: (2, 1)}))
False
"""
from __future__ import annotations

from .core import (EXERCISES, TUTORIAL_MODULES, Exercise, ExerciseNotRight, Result, check, exercise, grade, is_blank,
                   load_all)

__all__ = ["check", "grade", "Result", "Exercise", "ExerciseNotRight", "EXERCISES", "exercise", "is_blank",
           "load_all", "TUTORIAL_MODULES"]
