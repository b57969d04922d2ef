"""Seeded questions with their answer key, for lecturers: ``tconv exercise``.

Each topic draws its numbers from a generator seeded by ``(seed, question number)``, so the same
seed, topics and count give the same questions on any machine, and the first ``K`` questions
of a longer sheet are the ``K`` questions of a shorter one. Every answer is computed by the
library (the tests check them against PyTorch, NumPy and direct formulas):

==================== ======================================================== ===============================
topic                asks for                                                 computed with
==================== ======================================================== ===============================
``conv-size``        a convolution's output size (padding pairs, dilation)   :func:`tconv.conv_output_size`
``transposed-size``  a transposed convolution's output size                   :func:`tconv.conv_transpose_output_size`
``output-padding``   the ``output_padding`` that reaches a size, or none      :func:`tconv.output_size_range`
``keras``            Keras ``Conv2DTranspose(padding=...)`` in PyTorch, or    :func:`tconv.translate.keras_conv_transpose`
                     none
``matrix``           the shape and number of nonzeros of ``C``                :func:`tconv.conv_matrix`
``tap``              which kernel tap sits at ``C[r, c]``                     ``ConvMatrix.pattern()``
``receptive-field``  the receptive field of a stack of layers                 :func:`tconv.receptive_field.receptive_field`
``dice-iou``         Dice and IoU of two small masks                          :mod:`tconv.seg.metrics`
==================== ======================================================== ===============================

>>> [q.topic for q in make_questions(seed=1, count=3)]
['conv-size', 'transposed-size', 'output-padding']
>>> make_questions(seed=1, count=3) == make_questions(seed=1, count=3)
True
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from fractions import Fraction

import numpy as np

from ..geometry import (conv_geometry, conv_output_size, conv_transpose_output_size, effective_kernel,
                        output_size_range)
from ..matrix import conv_matrix
from ..receptive_field import receptive_field
from ..translate import keras_conv_transpose

__all__ = ["Question", "TOPICS", "make_questions", "grade_answer", "grade_answers", "parse_topics"]


@dataclass(frozen=True)
class Question:
    """One question: ``id`` (``"Q1"``, ...), ``topic``, the ``question`` text (with how to answer),
    ``params`` (its numbers, JSON-ready) and ``answer`` (the key, JSON-ready)."""

    id: str
    topic: str
    question: str
    params: dict = field(compare=True)
    answer: object = None

    def to_dict(self) -> dict:
        """The JSON object ``tconv exercise --json`` writes."""
        return {"id": self.id, "topic": self.topic, "question": self.question, "params": self.params,
                "answer": self.answer}


def _pad_text(padding) -> str:
    if isinstance(padding, int):
        return f"padding {padding} on each side"
    return f"padding {padding[0]} before and {padding[1]} after"


def _draw_padding(rng, low=0, high=3):
    if rng.random() < 0.3:
        before, after = (int(v) for v in rng.integers(low, high + 1, size=2))
        if before != after:
            return [before, after]
    return int(rng.integers(low, high + 1))


def _as_pair(padding):
    return tuple(padding) if isinstance(padding, list) else (padding, padding)


# --------------------------------------------------------------------------- the topics


def _conv_size(rng):
    while True:
        i, k = int(rng.integers(5, 41)), int(rng.choice([1, 2, 3, 4, 5, 7]))
        s, d = int(rng.choice([1, 1, 2, 2, 3])), int(rng.choice([1, 1, 1, 2, 3]))
        padding = _draw_padding(rng)
        if i + sum(_as_pair(padding)) >= effective_kernel(k, d):
            break
    answer = conv_output_size(i, k, s, _as_pair(padding), d)
    text = (f"A convolution along one axis: input size {i}, kernel size {k}, stride {s}, {_pad_text(padding)}, "
            f"dilation {d}. What is the output size? Answer with one integer.")
    return text, dict(input=i, kernel=k, stride=s, padding=padding, dilation=d), answer


def _transposed_size(rng):
    while True:
        i, k = int(rng.integers(2, 21)), int(rng.choice([1, 2, 3, 4, 5]))
        s, d = int(rng.choice([1, 2, 2, 3])), int(rng.choice([1, 1, 1, 2]))
        padding = _draw_padding(rng, 0, 2)
        a = int(rng.integers(0, max(s, d)))
        answer = conv_transpose_output_size(i, k, s, _as_pair(padding), d, a)
        if answer >= 1 and max(_as_pair(padding)) < effective_kernel(k, d):
            break
    text = (f"A transposed convolution along one axis: input size {i}, kernel size {k}, stride {s}, "
            f"{_pad_text(padding)}, dilation {d}, output_padding {a}. What is the output size? Answer with one "
            "integer.")
    return text, dict(input=i, kernel=k, stride=s, padding=padding, dilation=d, output_padding=a), answer


def _output_padding(rng):
    while True:
        i, k = int(rng.integers(2, 17)), int(rng.choice([2, 3, 4, 5]))
        s, p = int(rng.choice([2, 2, 3, 4])), int(rng.integers(0, 3))
        low, high = output_size_range(i, k, s, p)
        if low >= 1 and p < k:
            break
    if rng.random() < 0.25:
        target = int(rng.choice([low - 1, high + 1])) if low > 1 else high + 1
        answer = "none"
    else:
        target = int(rng.integers(low, high + 1))
        answer = target - low
    text = (f"A transposed convolution along one axis with kernel size {k}, stride {s} and padding {p} (dilation 1) "
            f"gets an input of size {i}. Which output_padding makes its output {target} long? Answer with one "
            "integer, or 'none' if no valid output_padding (0 <= output_padding < stride) does.")
    return text, dict(input=i, kernel=k, stride=s, padding=p, target=target), answer


def _keras(rng):
    mode = str(rng.choice(["same", "same", "valid"]))
    s = int(rng.choice([1, 2, 2, 3]))
    k = int(rng.integers(1, 8))
    d = int(rng.choice([1, 1, 2])) if s == 1 else 1
    translation = keras_conv_transpose(mode, k, stride=s, dilation=d, ndim=2)
    answer = [translation.padding[0], translation.output_padding[0]] if translation.shape_equivalent else "none"
    dilation = f", dilation_rate={d}" if d > 1 else ""
    text = (f"Keras' Conv2DTranspose(filters, kernel_size={k}, strides={s}, padding='{mode}'{dilation}): which "
            "PyTorch ConvTranspose2d padding and output_padding give the same output size for every input size? "
            "Answer 'padding, output_padding' (two integers), or 'none' if no such pair exists.")
    return text, dict(keras_padding=mode, kernel=k, stride=s, dilation=d), answer


def _matrix(rng):
    c_in, c_out = int(rng.integers(1, 4)), int(rng.integers(1, 4))
    h, w = int(rng.integers(3, 7)), int(rng.integers(3, 7))
    k, s, p = int(rng.choice([2, 3])), int(rng.choice([1, 2])), int(rng.integers(0, 2))
    matrix = conv_matrix(np.ones((c_out, c_in, k, k)), (c_in, h, w), stride=s, padding=p)
    answer = [int(matrix.shape[0]), int(matrix.shape[1]), int(matrix.nnz)]
    channels = f"{c_in} input channel{'s' if c_in > 1 else ''} and {c_out} output channel{'s' if c_out > 1 else ''}"
    text = (f"conv2d with {channels}, a {h}x{w} input, a {k}x{k} kernel, stride {s} and padding {p} is y = C x, with x and y flattened (channels, rows, columns). How many rows and columns "
            "does C have, and how many of its entries are not structurally zero (kernel taps that meet an input "
            "pixel, not the padding)? Answer 'rows, columns, nonzeros'.")
    return text, dict(in_channels=c_in, out_channels=c_out, height=h, width=w, kernel=k, stride=s, padding=p), answer


def _tap(rng):
    h, w = int(rng.integers(3, 6)), int(rng.integers(3, 6))
    k, s, p = int(rng.choice([2, 3])), int(rng.choice([1, 2])), int(rng.integers(0, 2))
    matrix = conv_matrix(np.ones((1, 1, k, k)), (1, h, w), stride=s, padding=p)
    pattern = matrix.pattern()
    if rng.random() < 0.7:
        pick = int(rng.integers(len(pattern["row"])))
        row, col = int(pattern["row"][pick]), int(pattern["col"][pick])
    else:
        row, col = int(rng.integers(matrix.shape[0])), int(rng.integers(matrix.shape[1]))
    hits = [i for i in range(len(pattern["row"])) if pattern["row"][i] == row and pattern["col"][i] == col]
    answer = f"w{int(pattern['tap'][hits[0]][2])}{int(pattern['tap'][hits[0]][3])}" if hits else "0"
    text = (f"The convolution matrix C of a single-channel conv2d with a {h}x{w} input, a {k}x{k} kernel w, stride {s} "
            f"and padding {p} (rows: output pixels, columns: input pixels, both numbered row by row from 0). "
            f"Which kernel tap w[a, b] sits at C[{row}, {col}]? Answer like 'w12' (a = 1, b = 2), or '0' if that "
            "entry is always zero.")
    return text, dict(height=h, width=w, kernel=k, stride=s, padding=p, row=row, col=col), answer


def _receptive_field(rng):
    layers = []
    for _ in range(int(rng.integers(2, 6))):
        if layers and rng.random() < 0.25:
            k = int(rng.choice([2, 3]))
            layers.append({"kind": "max-pool", "kernel": k, "stride": 2, "dilation": 1})
        else:
            s = int(rng.choice([1, 1, 2]))
            d = int(rng.choice([1, 1, 2, 3])) if s == 1 else 1
            layers.append({"kind": "conv", "kernel": int(rng.choice([3, 3, 5, 7])), "stride": s, "dilation": d})
    answer = receptive_field([(layer["kernel"], layer["stride"], layer["dilation"]) for layer in layers])
    described = "; ".join(f"{layer['kind']} kernel {layer['kernel']}, stride {layer['stride']}"
                          + (f", dilation {layer['dilation']}" if layer["dilation"] > 1 else "") for layer in layers)
    text = (f"A stack of layers along one axis, input first: {described}. How many input pixels does one output "
            "pixel of the last layer see (its receptive field)? Answer with one integer.")
    return text, dict(layers=layers), answer


def _dice_iou(rng):
    from ..seg.metrics import compute_dice, compute_iou

    side = int(rng.choice([4, 5]))
    while True:
        a, b = (rng.random((side, side)) < 0.4 for _ in range(2))
        if (a & b).any():                         # overlapping, so neither score is 0
            break
    dice = float(compute_dice(a[None, None], b[None, None])[0, 0])
    iou = float(compute_iou(a[None, None], b[None, None])[0, 0])
    rows = "\n".join(f"    {''.join('#' if v else '.' for v in ra)}    {''.join('#' if v else '.' for v in rb)}"
                     for ra, rb in zip(a, b))
    text = (f"Two {side}x{side} masks, P (left) and G (right), '#' for 1 and '.' for 0:\n{rows}\n"
            "What are their Dice score 2|P and G| / (|P| + |G|) and IoU |P and G| / |P or G|? Answer "
            "'dice, iou' as fractions or decimals (3 places).")
    params = dict(P=a.astype(int).tolist(), G=b.astype(int).tolist())
    return text, params, [round(dice, 4), round(iou, 4)]


#: topic name -> (what it asks, the function drawing one question from a generator)
TOPICS = {
    "conv-size": ("output size of a convolution", _conv_size),
    "transposed-size": ("output size of a transposed convolution", _transposed_size),
    "output-padding": ("the output_padding that reaches a given size", _output_padding),
    "keras": ("Keras Conv2DTranspose(padding=...) in PyTorch", _keras),
    "matrix": ("shape and nonzeros of the convolution matrix C", _matrix),
    "tap": ("which kernel tap sits at C[r, c]", _tap),
    "receptive-field": ("receptive field of a stack of layers", _receptive_field),
    "dice-iou": ("Dice and IoU of two small masks", _dice_iou),
}


def parse_topics(topics) -> list[str]:
    """``topics`` (None for all, a name, or names; commas allowed) as a list of known topic names."""
    if topics is None:
        return list(TOPICS)
    names = [topics] if isinstance(topics, str) else list(topics)
    names = [name.strip() for text in names for name in str(text).split(",") if name.strip()]
    unknown = [name for name in names if name not in TOPICS]
    if unknown or not names:
        raise ValueError(f"topics={topics!r}: {', '.join(map(repr, unknown)) or 'none given'}; the topics are "
                         + ", ".join(TOPICS))
    return list(dict.fromkeys(names))


def make_questions(topics=None, seed: int = 0, count: int | None = None) -> list[Question]:
    """``count`` questions (default: one per topic) cycling through ``topics`` (default: all), seeded.

    Question ``n`` (from 1) has the topic ``topics[(n - 1) % len(topics)]`` and draws its numbers
    from ``numpy.random.default_rng((seed, n))``.
    """
    names = parse_topics(topics)
    count = len(names) if count is None else count
    if not isinstance(count, int) or isinstance(count, bool) or not 1 <= count <= 1000:
        raise ValueError(f"count={count!r} must be an int from 1 to 1000")
    if not isinstance(seed, int) or isinstance(seed, bool) or seed < 0:
        raise ValueError(f"seed={seed!r} must be a non-negative int")
    questions = []
    for number in range(1, count + 1):
        topic = names[(number - 1) % len(names)]
        text, params, answer = TOPICS[topic][1](np.random.default_rng((seed, number)))
        questions.append(Question(f"Q{number}", topic, text, params, answer))
    return questions


# --------------------------------------------------------------------------- grading


def _number(value) -> float:
    """A number from an int, a float, or a string such as "7", "0.667" or "2/3"."""
    if isinstance(value, bool):
        raise ValueError("not a number")
    if isinstance(value, (int, float)):
        return float(value)
    text = str(value).strip()
    return float(Fraction(text)) if "/" in text else float(text)


def _numbers(value, count: int) -> list[float]:
    """``count`` numbers from a list, a dict's values or a string like "1, 1" / "(4, 16) 36" / "4x16, 36"."""
    if isinstance(value, dict):
        value = list(value.values())
    if isinstance(value, str):
        value = re.findall(r"-?\d+(?:\.\d+)?(?:/\d+)?", value)
    flat = []
    for item in value if isinstance(value, (list, tuple)) else [value]:
        flat.extend(item if isinstance(item, (list, tuple)) else [item])
    if len(flat) != count:
        raise ValueError(f"expected {count} numbers")
    return [_number(v) for v in flat]


def _is_none(value) -> bool:
    return value is None or (isinstance(value, str) and value.strip().lower() in ("none", "no", "-", "n/a"))


def _tap_answer(given) -> str:
    """A tap as ``"w12"`` from ``"w12"``, ``"w[1, 2]"``, ``[1, 2]`` or ``"(1, 2)"``; ``"0"`` for a zero."""
    if _is_none(given) or str(given).strip().lower() in ("0", "zero"):
        return "0"
    if isinstance(given, (list, tuple)) and len(given) == 2:
        return f"w{int(given[0])}{int(given[1])}"
    digits = re.findall(r"\d+", str(given))
    if len(digits) == 1 and len(digits[0]) == 2:
        digits = list(digits[0])
    if len(digits) != 2:
        raise ValueError("not a tap")
    return f"w{int(digits[0])}{int(digits[1])}"


def grade_answer(question: Question, given) -> bool:
    """Whether ``given`` (as a student would write it in JSON) is the answer to ``question``.

    Integers accept ``7``, ``7.0`` or ``"7"``; pairs ``[1, 1]`` or ``"1, 1"``; "none" answers
    ``"none"`` or ``null``; taps ``"w12"``, ``"w[1, 2]"`` or ``[1, 2]``, and ``"0"`` for a zero;
    Dice and IoU decimals within 0.005 or fractions such as ``"2/3"``.
    """
    expected = question.answer
    try:
        if question.topic == "tap":
            return _tap_answer(given) == expected
        if expected == "none":
            return _is_none(given)
        if _is_none(given):
            return False
        if question.topic == "dice-iou":
            return all(abs(a - b) <= 0.005 for a, b in zip(_numbers(given, 2), expected))
        if isinstance(expected, list):
            return _numbers(given, len(expected)) == [float(v) for v in expected]
        return _number(given) == float(expected)
    except (TypeError, ValueError, ZeroDivisionError):
        return False


def grade_answers(questions, answers: dict) -> list[dict]:
    """One row per question: ``id``, ``topic``, ``given`` (None if unanswered), ``right``, ``answer``."""
    if not isinstance(answers, dict):
        raise TypeError(f"answers must map question ids to answers (a JSON object), got {type(answers).__name__}")
    rows = []
    for question in questions:
        given = answers.get(question.id)
        rows.append({"id": question.id, "topic": question.topic, "given": given,
                     "right": question.id in answers and grade_answer(question, given), "answer": question.answer})
    return rows
