"""``tconv exercise``: seeded questions with their answer key, a handout, and grading a file of answers.

The questions and answers come from :mod:`tconv.exercises.questions`, the handout's text from
:mod:`tconv.exercises.handout` (and its PDF from :mod:`tconv.viz.text_pages`); this module
parses the flags, reads and writes the files, and prints.
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

from . import UsageError

HELP = "randomised, seeded questions with their answer key (sizes, Keras, C, taps, receptive field, Dice)"

DESCRIPTION = """\
Print randomised questions on transposed convolution and segmentation, drawn from a seed so that
the same seed, topics and count give the same questions; every answer is computed by the library.
Topics (--topic, default all, cycled in this order):

  conv-size         output size of a convolution (padding pairs, dilation)
  transposed-size   output size of a transposed convolution (padding pairs, dilation, output_padding)
  output-padding    the output_padding that gives a size, or none
  keras             Keras Conv2DTranspose(padding=...) in PyTorch, or none
  matrix            shape and number of nonzeros of the convolution matrix C
  tap               which kernel tap sits at C[r, c]
  receptive-field   receptive field of a stack of layers
  dice-iou          Dice and IoU of two small masks

--answers prints the key under each question; --json prints a JSON list of objects with the keys
id, topic, question, params and answer. --handout FILE.md writes the students' sheet and, next to
it, FILE_key.md (FILE.pdf: the same as PDF pages). --check ANSWERS.json grades a JSON object that
maps question ids to answers ({"Q1": 7, "Q2": "1, 1", "Q3": "none"}) against the questions of the
same --seed, --topic and --count, and prints the score."""

EXAMPLES = """\
examples:
  tconv exercise                                     one question per topic (seed 0)
  tconv exercise --topic keras tap --count 6 --seed 4 --answers
  tconv exercise --seed 7 --count 10 --json > questions.json
  tconv exercise --seed 7 --count 10 --handout exam.md      exam.md and exam_key.md
  tconv exercise --seed 7 --count 10 --check answers.json   grade a student's answers
"""

PROG = "tconv exercise"


def add_arguments(parser) -> None:
    """--topic, --seed, --count, --answers, --json, --handout, --check, --overwrite."""
    parser.add_argument("--topic", nargs="+", metavar="T", help="one or more topics (default: all; e.g. --topic "
                        "conv-size keras)")
    parser.add_argument("--seed", type=int, default=0, help="seed of the questions (default 0; e.g. --seed 7)")
    parser.add_argument("--count", type=int, help="number of questions (default: one per topic; e.g. --count 10)")
    parser.add_argument("--answers", action="store_true", help="print the answer under each question")
    parser.add_argument("--json", action="store_true", help="print the questions and answers as a JSON list")
    parser.add_argument("--handout", metavar="FILE", help="write the sheet to FILE (.md or .pdf) and the key to "
                        "FILE_key.md (or .pdf) (e.g. --handout exam.md)")
    parser.add_argument("--check", metavar="ANSWERS", help="grade a JSON file mapping question ids to answers "
                        "(e.g. --check answers.json)")
    parser.add_argument("--overwrite", action="store_true", help="let --handout replace existing files")


def _questions(args):
    from ..exercises.questions import make_questions, parse_topics

    if args.seed < 0:
        raise UsageError(f"--seed {args.seed} must be a non-negative int", PROG)
    if args.count is not None and not 1 <= args.count <= 1000:
        raise UsageError(f"--count {args.count} must be between 1 and 1000", PROG)
    try:
        topics = parse_topics(args.topic)
    except ValueError:
        from ..exercises.questions import TOPICS
        unknown = [t for t in args.topic if t not in TOPICS]
        raise UsageError(f"--topic {' '.join(unknown)}: unknown; the topics are {', '.join(TOPICS)}", PROG) from None
    return topics, make_questions(topics, seed=args.seed, count=args.count)


def _print_text(questions, answers: bool) -> None:
    from ..exercises.handout import answer_text

    for question in questions:
        print(f"{question.id} ({question.topic}). {question.question}")
        if answers:
            print(f"    answer: {answer_text(question)}")
        print()


def _check(path: str, questions) -> int:
    from ..exercises.handout import answer_text
    from ..exercises.questions import grade_answers

    try:
        answers = json.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise UsageError(f"--check {path}: no such file", PROG) from None
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise UsageError(f"--check {path}: not valid JSON ({error})", PROG) from None
    if not isinstance(answers, dict):
        raise UsageError(f"--check {path}: expected a JSON object mapping question ids to answers, e.g. "
                         '{"Q1": 7, "Q2": "1, 1"}', PROG)
    rows = grade_answers(questions, answers)
    by_id = {q.id: q for q in questions}
    for row in rows:
        given = "(no answer)" if row["given"] is None and row["id"] not in answers else json.dumps(row["given"])
        verdict = "right" if row["right"] else "wrong"
        key = "" if row["right"] else f"   key: {answer_text(by_id[row['id']])}"
        print(f"{row['id']:>4}  {row['topic']:16s} {verdict:5s}  your answer: {given}{key}")
    unknown = sorted(set(answers) - set(by_id))
    if unknown:
        print(f"(not questions of this sheet, ignored: {', '.join(map(str, unknown))}; same --seed, --topic and "
              "--count as the sheet?)")
    right = sum(row["right"] for row in rows)
    print(f"score: {right}/{len(rows)}")
    return 0


def _handout(path: str, questions, args, topics) -> int:
    from ..exercises.handout import key, sheet

    target = Path(path)
    suffix = target.suffix.lower()
    if suffix not in (".md", ".pdf"):
        raise UsageError(f"--handout {path}: the file name must end in .md or .pdf", PROG)
    key_path = target.with_name(f"{target.stem}_key{target.suffix}")
    for file in (target, key_path):
        if file.exists() and not args.overwrite:
            raise UsageError(f"{file} exists; choose another name, or pass --overwrite to replace it", PROG)
        if not file.parent.is_dir():
            raise UsageError(f"--handout {path}: the folder {file.parent} does not exist", PROG)
    texts = {target: sheet(questions), key_path: key(questions, args.seed, topics)}
    for file, text in texts.items():
        if suffix == ".pdf":
            from ..viz.text_pages import save_pdf, text_pages
            save_pdf(text_pages(text), file)
        else:
            from ..serialization import atomic_write
            atomic_write(file, lambda temporary, text=text: Path(temporary).write_text(text, encoding="utf-8"))
        print(f"wrote {file}")
    return 0


def run(args) -> int:
    """Print, write or grade the questions of this seed; exit 2 on a usage error."""
    chosen = [flag for flag, on in (("--json", args.json), ("--handout", args.handout), ("--check", args.check))
              if on]
    if len(chosen) > 1:
        raise UsageError(f"{' and '.join(chosen)}: choose one", PROG)
    if args.overwrite and not args.handout:
        raise UsageError("--overwrite goes with --handout FILE", PROG)
    topics, questions = _questions(args)
    if args.check:
        return _check(args.check, questions)
    if args.handout:
        return _handout(args.handout, questions, args, topics)
    if args.json:
        json.dump([q.to_dict() for q in questions], sys.stdout, indent=1, ensure_ascii=False)
        print()
        return 0
    _print_text(questions, args.answers)
    return 0
