"""Exam sheets and answer keys from :mod:`tconv.exercises.questions`, as Markdown.

:func:`sheet` is the students' sheet (the questions, room for the answers, no seed);
:func:`key` is the lecturer's key (each answer, with the seed and the command that makes the
same sheet again and grades a file of answers). ``tconv exercise --handout FILE.md`` writes
both; with ``FILE.pdf`` the same text goes through :func:`tconv.viz.text_pdf`.
"""
from __future__ import annotations

from fractions import Fraction

import numpy as np

from .questions import TOPICS, Question

__all__ = ["answer_text", "sheet", "key", "command"]


def answer_text(question: Question) -> str:
    """The answer of ``question`` as a person writes it (``"1, 1"``, ``"none"``, ``"w12"``, ``"6/11 = 0.545"``).

    >>> from tconv.exercises.questions import make_questions
    >>> question = make_questions("keras", seed=1)[0]
    >>> question.params["keras_padding"], question.params["kernel"], question.params["stride"]
    ('same', 3, 2)
    >>> answer_text(question)
    'padding 1, output_padding 1'
    """
    answer = question.answer
    if question.topic == "dice-iou":
        p, g = (np.array(question.params[name], bool) for name in ("P", "G"))
        both, either = int((p & g).sum()), int((p | g).sum())
        dice, iou = Fraction(2 * both, int(p.sum() + g.sum())), Fraction(both, either)
        return f"Dice {dice} = {float(dice):.3f}, IoU {iou} = {float(iou):.3f}"
    if question.topic == "keras" and answer != "none":
        return f"padding {answer[0]}, output_padding {answer[1]}"
    if question.topic == "matrix":
        return f"{answer[0]} x {answer[1]}, {answer[2]} nonzeros"
    return str(answer)


def command(seed: int, topics, count: int) -> str:
    """The ``tconv exercise`` flags that make these questions again."""
    chosen = "" if list(topics) == list(TOPICS) else " --topic " + " ".join(topics)
    return f"tconv exercise --seed {seed} --count {count}{chosen}"


def _question_markdown(question: Question) -> list[str]:
    """The question's text as Markdown: indented lines (masks) in a fenced block."""
    lines, fenced = [], False
    for line in question.question.splitlines():
        if line.startswith("    ") != fenced:
            lines.append("```text" if not fenced else "```")
            fenced = not fenced
        lines.append(line[4:] if fenced else line)
    if fenced:
        lines.append("```")
    return lines


def sheet(questions, title: str = "Exercises: convolution arithmetic and segmentation") -> str:
    """The students' sheet: numbered questions with an answer line each."""
    out = [f"# {title}", "", f"{len(questions)} questions. Sizes are per axis; layers and arguments are PyTorch's "
           "unless a question says otherwise.", ""]
    for question in questions:
        body = _question_markdown(question)
        out += [f"**{question.id}.** " + body[0]] + body[1:] + ["", "Answer: ______________________________", ""]
    return "\n".join(out).rstrip() + "\n"


def key(questions, seed: int, topics, title: str = "Exercises: answer key") -> str:
    """The lecturer's key: every answer, and the commands that remake and grade the sheet."""
    again = command(seed, topics, len(questions))
    out = [f"# {title}", "", f"Seed {seed}, {len(questions)} questions. The same sheet and key again: `{again} "
           "--handout FILE.md`. Grade a student's answers (a JSON object mapping each question id to an answer, "
           f"e.g. `{{\"Q1\": 7, \"Q2\": \"1, 1\"}}`): `{again} --check ANSWERS.json`.", "",
           "| question | topic | answer |", "|---|---|---|"]
    out += [f"| {q.id} | {q.topic} | {answer_text(q)} |" for q in questions]
    return "\n".join(out) + "\n"
