"""``tconv exercise``: the answer key is right (checked against PyTorch, NumPy and direct formulas),
the questions are seeded, and the command prints, writes and grades as documented.

The library computes each answer with its own geometry, matrix, translation and metrics code;
here each one is computed another way: by running PyTorch's layers (``torch`` marker), by
building the arrays of the paper's zero-insertion recipe, by counting with loops.
"""
from __future__ import annotations

import json
from fractions import Fraction

import numpy as np
import pytest

from tconv.cli import main
from tconv.exercises.questions import TOPICS, grade_answer, grade_answers, make_questions, parse_topics
from tconv.receptive_field import receptive_field, receptive_field_steps

SEEDS = range(40)


def questions(topic):
    return [q for seed in SEEDS for q in make_questions(topic, seed=seed, count=2)]


def _pads(padding):
    return tuple(padding) if isinstance(padding, list) else (padding, padding)


# --------------------------------------------------------------------------- independent answers


def test_conv_size_by_sliding_the_window():
    for q in questions("conv-size"):
        p = q.params
        before, after = _pads(p["padding"])
        padded = p["input"] + before + after
        span = p["dilation"] * (p["kernel"] - 1) + 1
        positions = [start for start in range(0, padded, p["stride"]) if start + span <= padded]
        assert q.answer == len(positions), q


def test_transposed_size_by_zero_insertion():
    """The paper's recipe with arrays: insert s - 1 zeros, pad k̂ - 1 - p (+ a after), correlate."""
    for q in questions("transposed-size"):
        p = q.params
        before, after = _pads(p["padding"])
        span = p["dilation"] * (p["kernel"] - 1) + 1
        stuffed = np.zeros((p["input"] - 1) * p["stride"] + 1)
        stuffed[::p["stride"]] = 1
        pad_before, pad_after = span - 1 - before, span - 1 - after + p["output_padding"]
        line = np.pad(stuffed, (max(pad_before, 0), max(pad_after, 0)))
        line = line[max(-pad_before, 0):len(line) - max(-pad_after, 0)]
        kernel = np.zeros(span)
        kernel[::p["dilation"]] = 1
        assert q.answer == len(np.correlate(line, kernel, mode="valid")), q


def test_output_padding_by_trying_every_value():
    for q in questions("output-padding"):
        p = q.params
        fits = [a for a in range(p["stride"])
                if (p["input"] - 1) * p["stride"] - 2 * p["padding"] + p["kernel"] + a == p["target"]]
        assert q.answer == (fits[0] if fits else "none"), q


def _keras_size(mode, i, k, s, d):
    span = d * (k - 1) + 1
    return i * s if mode == "same" else (i - 1) * s + max(span, s)


def test_keras_translation_by_searching_pytorch_arguments():
    """The smallest (padding, output_padding) PyTorch accepts that gives Keras' size for inputs 1..12."""
    for q in questions("keras"):
        p = q.params
        k, s, d = p["kernel"], p["stride"], p["dilation"]
        span = d * (k - 1) + 1
        found = [[pad, a] for pad in range(0, k + 1) for a in range(max(s, d))
                 if all((i - 1) * s - 2 * pad + span + a == _keras_size(p["keras_padding"], i, k, s, d)
                        for i in range(1, 13))]
        assert q.answer == (found[0] if found else "none"), q


def test_matrix_shape_and_nonzeros_by_counting_taps():
    for q in questions("matrix"):
        p = q.params
        size = [(n + 2 * p["padding"] - p["kernel"]) // p["stride"] + 1 for n in (p["height"], p["width"])]
        taps = 0
        for r in range(size[0]):
            for c in range(size[1]):
                for a in range(p["kernel"]):
                    for b in range(p["kernel"]):
                        y, x = r * p["stride"] - p["padding"] + a, c * p["stride"] - p["padding"] + b
                        taps += 0 <= y < p["height"] and 0 <= x < p["width"]
        rows = p["out_channels"] * size[0] * size[1]
        assert q.answer == [rows, p["in_channels"] * p["height"] * p["width"],
                            taps * p["in_channels"] * p["out_channels"]], q


def test_tap_by_the_window_formula():
    for q in questions("tap"):
        p = q.params
        out_w = (p["width"] + 2 * p["padding"] - p["kernel"]) // p["stride"] + 1
        (r, c), (y, x) = divmod(p["row"], out_w), divmod(p["col"], p["width"])
        a, b = y - (r * p["stride"] - p["padding"]), x - (c * p["stride"] - p["padding"])
        expected = f"w{a}{b}" if 0 <= a < p["kernel"] and 0 <= b < p["kernel"] else "0"
        assert q.answer == expected, q


def _support(layers):
    """The input positions one output of the stack reads, following each layer's window backwards."""
    reached = {0}
    for layer in reversed(layers):
        reached = {position * layer["stride"] + tap * layer["dilation"] for position in reached
                   for tap in range(layer["kernel"])}
    return max(reached) - min(reached) + 1


def test_receptive_field_by_following_windows_back():
    for q in questions("receptive-field"):
        assert q.answer == _support(q.params["layers"]), q


def test_dice_and_iou_by_counting_pixels():
    for q in questions("dice-iou"):
        p, g = (np.array(q.params[name], bool) for name in ("P", "G"))
        dice = 2 * (p & g).sum() / (p.sum() + g.sum())
        iou = (p & g).sum() / (p | g).sum()
        assert q.answer == [round(float(dice), 4), round(float(iou), 4)], q
        assert 0 < q.answer[1] <= q.answer[0] <= 1


# --------------------------------------------------------------------------- PyTorch, when installed


@pytest.mark.torch
def test_sizes_against_pytorch_layers():
    torch = pytest.importorskip("torch")
    for q in questions("conv-size"):
        p = q.params
        before, after = _pads(p["padding"])
        x = torch.nn.functional.pad(torch.zeros(1, 1, p["input"]), (before, after))
        y = torch.nn.Conv1d(1, 1, p["kernel"], stride=p["stride"], dilation=p["dilation"])(x)
        assert q.answer == y.shape[-1], q
    for q in questions("transposed-size"):
        p = q.params
        before, after = _pads(p["padding"])
        layer = torch.nn.ConvTranspose1d(1, 1, p["kernel"], stride=p["stride"], dilation=p["dilation"],
                                         output_padding=p["output_padding"], padding=min(before, after))
        y = layer(torch.zeros(1, 1, p["input"]))
        extra = max(before, after) - min(before, after)            # PyTorch pads symmetrically: crop the rest
        assert q.answer == y.shape[-1] - extra, q
    for q in questions("output-padding"):
        p = q.params
        sizes = set()
        for a in range(p["stride"]):
            layer = torch.nn.ConvTranspose1d(1, 1, p["kernel"], stride=p["stride"], padding=p["padding"],
                                             output_padding=a)
            if layer(torch.zeros(1, 1, p["input"])).shape[-1] == p["target"]:
                sizes.add(a)
        assert q.answer == (min(sizes) if sizes else "none"), q


@pytest.mark.torch
def test_keras_and_matrix_against_pytorch():
    torch = pytest.importorskip("torch")
    for q in questions("keras"):
        if q.answer == "none":
            continue
        p = q.params
        layer = torch.nn.ConvTranspose2d(1, 1, p["kernel"], stride=p["stride"], dilation=p["dilation"],
                                         padding=q.answer[0], output_padding=q.answer[1])
        for i in (3, 5):
            size = _keras_size(p["keras_padding"], i, p["kernel"], p["stride"], p["dilation"])
            assert layer(torch.zeros(1, 1, i, i)).shape[-2:] == (size, size), q
    for q in questions("matrix")[:20]:
        p = q.params
        layer = torch.nn.Conv2d(p["in_channels"], p["out_channels"], p["kernel"], stride=p["stride"],
                                padding=p["padding"], bias=False)
        torch.nn.init.constant_(layer.weight, 1.0)
        x = torch.zeros(1, p["in_channels"], p["height"], p["width"])
        jacobian = torch.autograd.functional.jacobian(lambda v: layer(v).reshape(-1), x).reshape(
            -1, x.numel())
        assert q.answer == [jacobian.shape[0], jacobian.shape[1], int((jacobian != 0).sum())], q


@pytest.mark.torch
def test_receptive_field_against_pytorch_gradients():
    torch = pytest.importorskip("torch")
    for q in questions("receptive-field")[:30]:
        layers = q.params["layers"]
        size = 4 * q.answer + 8
        x = torch.zeros(1, 1, size, requires_grad=True)
        y = x
        for layer in layers:
            conv = torch.nn.Conv1d(1, 1, layer["kernel"], stride=layer["stride"], dilation=layer["dilation"],
                                   bias=False)
            torch.nn.init.constant_(conv.weight, 1.0)
            y = conv(y)
        y[0, 0, y.shape[-1] // 2].backward()
        touched = torch.nonzero(x.grad[0, 0]).flatten()
        assert q.answer == int(touched.max() - touched.min()) + 1, q


# --------------------------------------------------------------------------- seeds and grading


def test_same_seed_same_questions_and_prefixes():
    assert make_questions(seed=3, count=12) == make_questions(seed=3, count=12)
    assert make_questions(seed=3, count=12)[:5] == make_questions(seed=3, count=5)
    assert make_questions(seed=3, count=8) != make_questions(seed=4, count=8)
    assert [q.topic for q in make_questions(seed=0)] == list(TOPICS)
    assert [q.id for q in make_questions(["tap", "keras"], seed=0, count=3)] == ["Q1", "Q2", "Q3"]
    assert [q.topic for q in make_questions("tap,keras", seed=0, count=3)] == ["tap", "keras", "tap"]


def test_json_objects_have_the_documented_keys():
    for q in make_questions(seed=9, count=16):
        d = q.to_dict()
        assert list(d) == ["id", "topic", "question", "params", "answer"]
        assert json.loads(json.dumps(d)) == d


@pytest.mark.parametrize("topic, given, right", [
    ("conv-size", "7", True), ("conv-size", 7.0, True), ("conv-size", "seven", False), ("conv-size", True, False),
    ("keras", "1, 1", True), ("keras", [1, 1], True), ("keras", "(1, 1)", True), ("keras", "1", False),
    ("tap", "w12", True), ("tap", "w[1, 2]", True), ("tap", [1, 2], True), ("tap", "12", True), ("tap", "w21", False),
    ("dice-iou", "2/3, 1/2", True), ("dice-iou", [0.667, 0.5], True), ("dice-iou", [0.6, 0.5], False),
    ("matrix", "4x16, 36", True), ("matrix", {"shape": [4, 16], "nnz": 36}, True), ("matrix", [4, 16, 35], False),
])
def test_answers_are_read_leniently_and_judged_strictly(topic, given, right):
    from tconv.exercises.questions import Question

    answers = {"conv-size": 7, "keras": [1, 1], "tap": "w12", "dice-iou": [0.6667, 0.5], "matrix": [4, 16, 36]}
    assert grade_answer(Question("Q1", topic, "", {}, answers[topic]), given) is right


def test_none_and_zero_answers():
    from tconv.exercises.questions import Question

    assert grade_answer(Question("Q1", "keras", "", {}, "none"), "None")
    assert grade_answer(Question("Q1", "keras", "", {}, "none"), None)
    assert not grade_answer(Question("Q1", "keras", "", {}, [0, 0]), "none")
    assert grade_answer(Question("Q1", "tap", "", {}, "0"), "0") and not grade_answer(Question("Q1", "tap", "", {}, "0"),
                                                                                     "w00")


def test_grade_answers_scores_a_file():
    qs = make_questions(seed=2, count=8)
    answers = {q.id: q.answer for q in qs[:6]}
    answers["Q2"] = "999"
    rows = grade_answers(qs, answers)
    assert [row["right"] for row in rows] == [True, False, True, True, True, True, False, False]
    with pytest.raises(TypeError):
        grade_answers(qs, [1, 2])


def test_bad_arguments():
    with pytest.raises(ValueError, match="the topics are"):
        parse_topics("nope")
    with pytest.raises(ValueError, match="count"):
        make_questions(count=0)
    with pytest.raises(ValueError, match="seed"):
        make_questions(seed=-1)


# --------------------------------------------------------------------------- the receptive field


def test_receptive_field_known_values():
    assert receptive_field([]) == 1 and receptive_field([3]) == 3
    assert receptive_field([3, 3, 3]) == 7                                         # VGG: three 3x3 = one 7x7
    assert receptive_field([(7, 2), (3, 2), 3, 3]) == 7 + 2 * 2 + 2 * 4 + 2 * 4   # stem with pooling, then 3x3s
    assert receptive_field([{"kernel_size": 3, "dilation": 2}]) == 5
    assert [s["jump"] for s in receptive_field_steps([(3, 2), (3, 2), 3])] == [1, 2, 4]
    for layers in ([(2, 2)] * 3, [(3, 1, 2), (3, 1, 4), (3, 1, 8)]):
        assert receptive_field(layers) == _support([{"kernel": k, "stride": s, "dilation": d}
                                                    for k, s, *rest in [tuple(layer) for layer in layers]
                                                    for d in [rest[0] if rest else 1]])


@pytest.mark.parametrize("layers, error", [
    ("33", TypeError), ([0], ValueError), ([(3, 0)], ValueError), ([{"kernel": 3}], ValueError),
    ([(3, 1, 1, 1)], TypeError), ([3.0], TypeError),
])
def test_receptive_field_refuses_bad_layers(layers, error):
    with pytest.raises(error, match="layers"):
        receptive_field(layers)


# --------------------------------------------------------------------------- the command


def test_command_prints_questions_and_answers(capsys):
    assert main(["exercise", "--seed", "4", "--answers"]) == 0
    out = capsys.readouterr().out
    assert out.count("    answer: ") == len(TOPICS) and "Q8 (dice-iou)" in out
    assert main(["exercise", "--seed", "4"]) == 0
    assert "answer:" not in capsys.readouterr().out


def test_command_json_and_check_round_trip(tmp_path, capsys):
    assert main(["exercise", "--seed", "11", "--count", "10", "--json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert [d["id"] for d in listed] == [f"Q{i}" for i in range(1, 11)]
    answers = {d["id"]: d["answer"] for d in listed}
    answers["Q3"] = "none" if answers["Q3"] != "none" else 0
    dice = next(d for d in listed if d["topic"] == "dice-iou")
    p, g = (np.array(dice["params"][n], bool) for n in ("P", "G"))
    answers[dice["id"]] = f"{Fraction(2 * int((p & g).sum()), int(p.sum() + g.sum()))}, " \
                          f"{Fraction(int((p & g).sum()), int((p | g).sum()))}"   # fractions are fine
    (tmp_path / "answers.json").write_text(json.dumps(answers), encoding="utf-8")
    assert main(["exercise", "--seed", "11", "--count", "10", "--check", str(tmp_path / "answers.json")]) == 0
    out = capsys.readouterr().out
    assert "score: 9/10" in out and "Q3  output-padding   wrong" in out


def test_command_handout_markdown_and_pdf(tmp_path, capsys):
    sheet = tmp_path / "exam.md"
    assert main(["exercise", "--seed", "1", "--count", "9", "--handout", str(sheet)]) == 0
    text, key = sheet.read_text(encoding="utf-8"), (tmp_path / "exam_key.md").read_text(encoding="utf-8")
    assert text.count("Answer: ____") == 9 and "seed" not in text.lower()
    assert key.count("| Q") == 9 and "tconv exercise --seed 1 --count 9 --check ANSWERS.json" in key
    capsys.readouterr()
    assert main(["exercise", "--seed", "1", "--count", "9", "--handout", str(sheet)]) == 2
    assert "exists" in capsys.readouterr().err
    assert main(["exercise", "--seed", "1", "--handout", str(tmp_path / "exam.pdf")]) == 0
    assert (tmp_path / "exam.pdf").read_bytes()[:5] == b"%PDF-" and (tmp_path / "exam_key.pdf").is_file()


@pytest.mark.parametrize("argv, fragment", [
    (["--topic", "sizes"], "unknown; the topics are"),
    (["--count", "0"], "between 1 and 1000"),
    (["--seed", "-2"], "non-negative"),
    (["--json", "--handout", "x.md"], "choose one"),
    (["--handout", "x.txt"], "must end in .md or .pdf"),
    (["--check", "missing.json"], "no such file"),
    (["--overwrite"], "goes with --handout"),
])
def test_command_usage_errors(argv, fragment, capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert main(["exercise", *argv]) == 2
    err = capsys.readouterr().err
    assert err.startswith("tconv exercise: error:") and fragment in err


def test_command_check_refuses_bad_json(tmp_path, capsys):
    (tmp_path / "a.json").write_text("{not json", encoding="utf-8")
    assert main(["exercise", "--check", str(tmp_path / "a.json")]) == 2
    assert "not valid JSON" in capsys.readouterr().err
