"""The lecture deck and the pack's words: slides in the lecture's order, their notes, a PDF and an offline page,
files tconv did not make kept, and every caption of the pack read.

Captions are checked against the paper's arithmetic, not against the code that writes them: each
case's sizes come from o = ⌊(i + 2p − d(k − 1) − 1) / s⌋ + 1 (Dumoulin & Visin 2016, relationship 15),
and the U-Net caption's depth is compared with the resolutions the drawing labels.
"""
from __future__ import annotations

import os
import re

os.environ.setdefault("MPLBACKEND", "Agg")

import pytest  # noqa: E402

from tconv.cli import main  # noqa: E402
from tconv.viz import deck as deck_module  # noqa: E402
from tconv.viz.deck import deck_entries, is_deck, save_deck  # noqa: E402
from tconv.viz.kinds import make_figure  # noqa: E402
from tconv.viz.pack import PAPER_CASES, index_html, pack_entries, section_id  # noqa: E402

HISTORY = [{"epoch": e, "train_loss": 1.0 / e, "val_miou": 0.2 * e} for e in (1, 2, 3)]


def run(capsys, *argv):
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


# ---------------------------------------------------------------- captions


def _size(n: int) -> str:
    return f"{n} × {n}"


@pytest.mark.parametrize("style", ["paper", "slide"])
def test_every_caption_of_the_pack_is_a_sentence_with_the_papers_sizes(style):
    entries = pack_entries(style)
    for entry in entries:
        caption = entry.caption.replace("\u00a0", " ")
        assert caption[0].isupper() and caption.endswith("."), caption
        assert "The its" not in caption and " its transposed twin" not in caption, caption
        assert "  " not in caption and ".." not in caption and ") Animated" not in caption, caption
        assert entry.title and entry.notes, entry.filename
        if entry.kind in ("conv", "transposed"):
            assert ("Animated:" in caption) == entry.animated, caption
    for n, (slug, _, i, k, s, p, d) in enumerate(PAPER_CASES, start=1):
        o = (i + 2 * p - d * (k - 1) - 1) // s + 1
        for entry in (e for e in entries if e.filename.startswith(f"{n:02d}_{slug}_")):
            caption = entry.caption.replace("\u00a0", " ")
            if entry.kind == "conv":
                assert f"a {_size(i)} input" in caption and f"a {_size(o)} output" in caption, caption
            else:
                assert caption.startswith("The transposed twin"), caption
                assert f"a {_size(o)} input" in caption and f"a {_size(i)} output" in caption, caption
            for word, value, plain in (("stride", s, 1), ("padding", p, 0), ("dilation", d, 1)):
                assert (f"{word} {value}" in caption) == (value != plain), caption


def test_the_network_captions_say_what_is_drawn():
    entries = {entry.filename: entry for entry in pack_entries()}
    figure = make_figure("unet")
    sides = sorted({int(t.get_text()[:-1]) for ax in figure.axes for t in ax.texts
                    if re.fullmatch(r"\d+²", t.get_text())}, reverse=True)
    assert sides == [64, 32, 16, 8]                      # the drawing: three halvings of 64
    depth = len(sides) - 1
    caption = entries["unet.png"].caption
    assert f"U-Net of depth {depth} (its {depth} poolings" in caption
    assert re.search(r"depth (\d+)", caption).group(1) == str(depth)
    assert "FCN" in entries["fcn.png"].caption and "V-Net lite in 3-D" in entries["vnet.png"].caption


def test_section_anchors_are_distinct_and_linked():
    entries = pack_entries()
    sections = list(dict.fromkeys(entry.section for entry in entries))
    anchors = [section_id(section) for section in sections]
    assert len(set(anchors)) == len(anchors) == 1 + 8 + 4  # matrix, 8 cases, lab, views, nets, chapters
    page = index_html(entries, deck="lecture.html")
    for anchor in anchors:
        assert re.fullmatch(r"[a-z0-9-]+", anchor)
        assert page.count(f'href="#{anchor}"') == 2 and f'<section id="{anchor}">' in page      # the contents and the #
    assert page.index('href="lecture.html"') < page.index('href="explorer.html"') < page.index('class="toc"')


# ---------------------------------------------------------------- the deck's slides


def test_the_deck_follows_the_lecture():
    slides = deck_entries()
    files = [slide.filename for slide in slides]
    assert 30 <= len(slides) <= 40
    assert files[0] == "matrix_notes.png" and files[-3:] == ["unet.png", "fcn.png", "vnet.png"]
    cases = [f"{n:02d}_{slug}" for n, (slug, *_) in enumerate(PAPER_CASES, start=1)]
    for case in cases:                                   # each case: the conv, its twin, the zero-insertion view
        assert [f for f in files if f.startswith(case)] == [f"{case}_conv.gif", f"{case}_transposed.gif",
                                                             f"{case}_transposed_equivalent.gif"]
    order = [files.index(f"{case}_conv.gif") for case in cases]
    assert order == sorted(order)
    assert files.index("matrix_notes_transposed.png") < order[0] < files.index("overlap_k3_s2_counts.png") \
        < files.index("views_notes.png") < files.index("unet.png")
    for slide in slides:
        assert slide.title and slide.notes and all(note.strip() for note in slide.notes)
    views = [slide.title for slide in slides if slide.kind == "views"]
    assert len(views) == 2 and views[0] != views[1] and "output_padding 1" in views[1]
    with_run = deck_entries("slide", ("runs/x", HISTORY))
    assert [s.filename for s in with_run] == files + ["training.png"]
    assert with_run[-1].command.startswith("tconv figure training runs/x --style slide")


def test_a_pdf_deck_has_one_page_and_one_note_per_slide_and_the_same_bytes_twice(tmp_path):
    chosen = [s for s in deck_entries() if s.filename in ("matrix_notes_numbers.png", "05_strides_transposed.gif",
                                                          "fcn.png")]
    first, second = tmp_path / "a.pdf", tmp_path / "b.pdf"
    save_deck(first, entries=chosen)
    save_deck(second, entries=chosen)
    data = first.read_bytes()
    assert data == second.read_bytes() and data.startswith(b"%PDF")
    assert len(re.findall(rb"/Type /Page\b(?!s)", data)) == 3
    assert len(re.findall(rb"/Subtype /Text\b", data)) == 3                  # one speaker note per page
    for slide in chosen:                                 # the notes: UTF-16 text strings (PDF 1.7, 7.9.2.2)
        for words in (slide.title, slide.notes[-1]):
            assert words.encode("utf-16-be").replace(b"(", b"\\(").replace(b")", b"\\)") in data, words
    assert is_deck(first)


def test_an_html_deck_is_one_offline_file_with_every_slide_and_note(tmp_path):
    chosen = [s for s in deck_entries() if s.filename in ("matrix_notes.png", "01_no_padding_unit_strides_conv.gif")]
    path = tmp_path / "talk.html"
    save_deck(path, entries=chosen)
    page = path.read_text()
    assert page.count('<section class="slide"') == 2 and is_deck(path)
    assert "http" not in page.replace("http-equiv", "") and "<script src" not in page
    assert page.count("data:image/png;base64,") == 2 and page.count('data-animation="data:image/') == 1
    for slide in chosen:
        assert slide.title.replace("×", "×") in page.replace("&#x27;", "'")
        assert all(f"<li>{note}</li>" in page.replace("&#x27;", "'").replace("&gt;", ">").replace("&lt;", "<")
                   for note in slide.notes)


# ---------------------------------------------------------------- the command


@pytest.fixture
def small_deck(monkeypatch):
    """The deck cut to two slides, so the command runs in a second."""
    chosen = [s for s in deck_entries() if s.filename in ("matrix_notes.png", "unet.png")]
    monkeypatch.setattr(deck_module, "deck_entries", lambda style="slide", history=None: list(chosen))
    return chosen


def test_the_deck_command_writes_rewrites_its_own_deck_and_keeps_other_files(capsys, tmp_path, small_deck):
    target = tmp_path / "lecture.pdf"
    code, out, err = run(capsys, "figure", "deck", "-o", target)
    assert (code, err) == (0, "") and out.startswith(f"wrote {target}: 2 slides")
    assert run(capsys, "figure", "deck", "--style", "slide,dark", "-o", target)[0] == 0      # its own: rewritten
    other = tmp_path / "talk.pdf"
    other.write_bytes(b"%PDF-1.4 a talk someone wrote\n%%EOF\n")
    figure = tmp_path / "unet.pdf"
    assert run(capsys, "figure", "unet", "--depth", "2", "-o", figure)[0] == 0                 # a figure, not a deck
    for kept in (other, figure):
        before = kept.read_bytes()
        code, out, err = run(capsys, "figure", "deck", "-o", kept)
        assert code == 2 and out == "" and err.count("\n") == 1 and "is not a deck tconv figure wrote" in err
        assert kept.read_bytes() == before
    assert run(capsys, "figure", "deck", "-o", other, "--overwrite")[0] == 0 and is_deck(other)
    assert sorted(os.listdir(tmp_path)) == ["lecture.pdf", "talk.pdf", "unet.pdf"]    # no temporary file left


@pytest.mark.parametrize("argv, message", [
    ([], "-o FILE"),
    (["-o", "{tmp}/a.pptx"], "written as .pdf or .html"),
    (["-o", "{tmp}/a.pdf", "--style", "slide,transparent"], "need a ground"),
    (["-o", "{tmp}/a.pdf", "--style", "poster"], "'poster' is not a style word"),
    (["-o", "{tmp}/a.pdf", "--style", "paper,dark"], "a deck is slides"),
    (["-o", "{tmp}/a.pdf", "--numbers"], "--numbers does not apply to deck"),
    (["-o", "{tmp}/no/such/a.pdf"], "does not exist"),
    (["{tmp}/no-run", "-o", "{tmp}/a.pdf"], "no-run' is not a folder"),
])
def test_deck_usage_errors_are_one_line_and_write_nothing(capsys, tmp_path, argv, message):
    argv = [a.replace("{tmp}", str(tmp_path)) for a in argv]
    code, out, err = run(capsys, "figure", "deck", *argv)
    assert code == 2 and out == "" and err.startswith("tconv figure: error: ") and err.count("\n") == 1
    assert re.search(re.escape(message), err), err
    assert os.listdir(tmp_path) == []
