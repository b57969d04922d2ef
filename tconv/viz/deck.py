"""The lecture deck: the pack's lecture figures as slides, each with its title and speaker notes.

:func:`deck_entries` picks the slides from the slide-style pack (:func:`tconv.viz.pack.pack_entries`),
in the lecture's order: the notes' matrix, each case of Dumoulin & Visin (2016) with its
transposed twin and its zero-insertion view, the checkerboard lab, the views, the U-Net, FCN
and V-Net diagrams, and a run's learning curves when one is given. Every figure is a 1920 x
1080 slide whose short title is the slide's title; the sentences the slide style keeps out
of the picture (formulas, the paper's recipe, parameter counts) are the speaker notes.
:func:`save_deck` writes

* ``.pdf``: one page per slide, drawn as vectors (an animation as its still), the notes
  attached to each page as a PDF text note (shown by presenter tools such as pdfpc, and by
  viewers as a comment);
* ``.html``: one self-contained file that works offline: the slides as embedded images (an
  animation as a lossless animated WebP that starts when its slide is shown), arrow keys or
  space to move, ``N`` for the notes, ``F`` for full screen, the slide number in the address.

The same arguments give the same bytes.
"""
from __future__ import annotations

import os
import tempfile
from dataclasses import replace

from ..serialization import atomic_write
from .deck_page import DECK_TITLE, deck_from_folder, deck_html
from .kinds import make_figure
from .pack import PackEntry, pack_entries, render_entry
from .saving import check_target, save_text
from .style import as_style, styled

__all__ = ["DECK_FORMATS", "deck_entries", "save_deck", "deck_html", "deck_from_folder", "is_deck"]

DECK_FORMATS = ("pdf", "html")


def deck_entries(style="slide", history=None) -> list[PackEntry]:
    """The deck's slides in lecture order (``style`` is made a slide style: a deck is slides).

    >>> entries = deck_entries()
    >>> len(entries), entries[0].title
    (35, 'Convolution as a matrix: y = C x')
    """
    style = as_style(style)
    if not style.slide:
        style = replace(style, layout="slide")
    return [entry for entry in pack_entries(style, history) if entry.deck]


def _still_options(entry: PackEntry) -> dict:
    return {key: value for key, value in entry.options.items() if key != "animate"}


def is_deck(path) -> bool:
    """Whether the file at ``path`` is a deck :func:`save_deck` wrote (so it may be written again).

    A PDF deck carries ``/Title (tconv lecture)`` and ``/Creator (tconv)`` in its document
    information, which matplotlib writes at the end of the file; an HTML deck has the title
    ``tconv lecture`` in its head.

    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     mine = os.path.join(folder, "talk.pdf")
    ...     with open(mine, "wb") as file:
    ...         _ = file.write(b"%PDF-1.4 someone else's talk")
    ...     is_deck(mine), is_deck(os.path.join(folder, "missing.pdf"))
    (False, False)
    """
    try:
        with open(path, "rb") as file:
            head = file.read(4096)
            file.seek(max(0, os.fstat(file.fileno()).st_size - (1 << 16)))
            tail = file.read()
    except OSError:
        return False
    if head.startswith(b"%PDF"):
        return f"/Title ({DECK_TITLE})".encode() in tail and b"/Creator (tconv)" in tail
    return f"<title>{DECK_TITLE}</title>".encode() in head


def save_deck(path, style="slide", history=None, *, entries=None) -> str:
    """Write the lecture deck to ``path`` (``.pdf`` or ``.html``, atomically) and return the path.

    ``style``: a slide style (``"slide"``, ``"slide,dark"``; ``transparent`` is refused: a slide
    needs a ground); ``history``: ``(run_dir, records)`` of a run, for its learning curves;
    ``entries``: a part of :func:`deck_entries` (default all).
    """
    name = os.fspath(path)
    suffix = os.path.splitext(name)[1].lower().lstrip(".")
    if suffix not in DECK_FORMATS:
        raise ValueError(f"{name!r}: a deck is written as .pdf or .html")
    style = as_style(style)
    if style.transparent:
        raise ValueError("a deck's slides need a ground: use 'slide' or 'slide,dark', without 'transparent'")
    chosen = deck_entries(style, history) if entries is None else list(entries)
    check_target(name, "lecture.pdf")
    if suffix == "pdf":
        def write(temporary):
            from matplotlib.backends.backend_pdf import PdfPages

            metadata = {"Title": DECK_TITLE, "Creator": "tconv", "Producer": None, "CreationDate": None,
                        "ModDate": None}
            with styled(style), PdfPages(temporary, metadata=metadata) as pdf:
                for entry in chosen:
                    figure = make_figure(entry.kind, entry.geometry, **_still_options(entry))
                    pdf.attach_note("\n".join([entry.title, entry.caption, *entry.notes]))
                    pdf.savefig(figure)

        atomic_write(os.path.realpath(name), write)
        return name
    with tempfile.TemporaryDirectory() as folder:
        for entry in chosen:
            if entry.animated:
                render_entry(replace(entry, filename=entry.still, options=_still_options(entry)), folder)
            render_entry(entry, folder)
        page = deck_from_folder(folder, chosen, style)
    return save_text(page, name)
