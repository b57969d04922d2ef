"""The documentation's examples are true, and its pages link to what exists.

Every ```` ```pycon ```` block of ``docs/**/*.md`` is a doctest: the blocks of one page run in
order, in one namespace, and each printed value must match the page. (The site build in
tests/test_tutorials.py checks the links, the API reference and the tutorials' pages.)
"""
from __future__ import annotations

import doctest
import re
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parent.parent
PAGES = sorted(path for path in (ROOT / "docs").rglob("*.md"))
PYCON = re.compile(r"^(?P<indent>[ \t]*)```pycon[^\n]*\n(?P<body>.*?)^(?P=indent)```", re.M | re.S)


def examples(page: Path) -> str:
    """The page's pycon blocks, dedented, as one doctest text; every other line is blank, so a
    failure's line number is the page's."""
    text = page.read_text(encoding="utf-8")
    lines = [""] * (text.count("\n") + 1)
    for match in PYCON.finditer(text):
        first = text.count("\n", 0, match.start("body"))
        indent = len(match["indent"])
        for offset, line in enumerate(match["body"].splitlines()):
            lines[first + offset] = line[indent:]
    return "\n".join(lines)


PAGES_WITH_EXAMPLES = [page for page in PAGES if examples(page).strip()]


def test_pages_have_examples():
    names = {page.relative_to(ROOT / "docs").as_posix() for page in PAGES_WITH_EXAMPLES}
    assert {"getting-started.md", "concepts/matrix.md", "concepts/views.md", "concepts/arithmetic.md",
            "concepts/checkerboards.md", "concepts/autograd.md", "concepts/segmentation.md"} <= names


@pytest.mark.parametrize("page", PAGES_WITH_EXAMPLES, ids=[p.relative_to(ROOT / "docs").as_posix()
                                                           for p in PAGES_WITH_EXAMPLES])
def test_page_examples(page, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)                     # an example that writes a file writes it here
    parser = doctest.DocTestParser()
    test = parser.get_doctest(examples(page), {}, page.name, str(page), 0)
    runner = doctest.DocTestRunner(optionflags=doctest.NORMALIZE_WHITESPACE | doctest.ELLIPSIS)
    report: list[str] = []
    with np.printoptions():                         # a page's print settings stay in it
        runner.run(test, out=report.append)
    assert test.examples, f"{page} has an empty pycon block"
    assert runner.failures == 0, "".join(report)
