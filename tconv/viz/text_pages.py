"""Plain text as printable pages: an exam sheet or its key as a PDF, with matplotlib alone.

:func:`text_pages` lays text out on A4 pages in a monospaced font (long lines wrapped, Markdown's
``**`` and fences dropped) and returns the figures; :func:`save_pdf` writes them as one PDF
(``PdfPages``), atomically and without a date in its metadata, so the same text gives the
same bytes.
"""
from __future__ import annotations

import os
import textwrap

from ..serialization import atomic_write
from .style import new_figure, styled

__all__ = ["text_pages", "save_pdf", "LINES_PER_PAGE", "COLUMNS"]

#: A4 portrait at 9 pt: lines per page and characters per line.
LINES_PER_PAGE = 64
COLUMNS = 84


def _lines(text: str) -> list[str]:
    out, fenced = [], False
    for line in text.splitlines():
        if line.strip().startswith("```"):
            fenced = not fenced
            continue
        line = "    " + line if fenced else line.replace("**", "").removeprefix("# ")
        indent = len(line) - len(line.lstrip())
        wrapped = textwrap.wrap(line, COLUMNS, subsequent_indent=" " * (indent + 2), break_long_words=True,
                                replace_whitespace=False) or [""]
        out.extend(wrapped)
    return out


def text_pages(text: str) -> list:
    """``text`` on A4 pages (matplotlib Figures), monospaced, with a page number at the foot.

    >>> len(text_pages("one line")), len(text_pages("\\n".join(["x"] * 100)))
    (1, 2)
    """
    lines = _lines(text)
    pages = [lines[i:i + LINES_PER_PAGE] for i in range(0, max(len(lines), 1), LINES_PER_PAGE)]
    figures = []
    with styled():
        for number, page in enumerate(pages, start=1):
            fig = new_figure(8.27, 11.69)
            fig.text(0.08, 0.95, "\n".join(page), family="monospace", fontsize=9, va="top", ha="left",
                     linespacing=1.25)
            fig.text(0.5, 0.03, f"{number} / {len(pages)}", family="monospace", fontsize=8, ha="center")
            figures.append(fig)
    return figures


def save_pdf(figures, path) -> str:
    """Write ``figures`` as the pages of one PDF at ``path`` (atomically); return the path."""
    from matplotlib.backends.backend_pdf import PdfPages

    def write(temporary):
        with PdfPages(temporary, metadata={"Creator": None, "Producer": None, "CreationDate": None}) as pdf:
            for figure in figures:
                pdf.savefig(figure)

    return atomic_write(os.fspath(path), write)
