"""The lecture pack: the notes' matrix, the paper's eight cases and their transposed twins, the labs, the networks.

:func:`pack_entries` lists every figure in the lecture's order: the notes' matrix; for each
case of Dumoulin & Visin (2016) the convolution and its transposed twin (the transposed
convolution that maps the output back to the input's size, with the ``output_padding`` that
restores it), still and animated, with and without numbers, and the twin in the paper's
zero-insertion view, still and animated; the checkerboard lab; every view of two operators;
the U-Net, FCN and V-Net lite diagrams (and a run's learning curves). Each caption is
generated from the figure's own words (:func:`tconv.viz.kinds.figure_words`).
:func:`make_pack` renders them (on ``jobs`` processes, on paper or on 1920 x 1080 slides)
into a folder with ``index.html``, a page with a table of contents and one card per figure
(its caption and the ``tconv figure`` command that makes it again, byte for byte; an
animation shows its still until the pointer rests on it), ``explorer.html``, the interactive
explorer (:func:`tconv.viz.explorer`), and, for slides, ``lecture.html``, the lecture deck.
Every page is self-contained: relative links, inline CSS and script, nothing fetched.
"""
from __future__ import annotations

import html
import os
import time
from dataclasses import dataclass, field

from ..geometry import conv_geometry, conv_transpose_geometry
from .explorer_page import explorer
from .deck_page import deck_from_folder
from .kinds import figure_words, make_figure
from .saving import save, save_text
from .style import Style, as_style
from .words import Words

__all__ = ["PAPER_CASES", "PackEntry", "pack_entries", "make_pack", "index_html", "check_pack_folder", "MAX_JOBS",
           "EXPLORER", "DECK", "section_id", "render_entry"]

#: The explorer's file name in the pack (made by ``tconv explore -o explorer.html``).
EXPLORER = "explorer.html"
#: The lecture deck's file name in a slide pack (what ``tconv figure deck -o lecture.html`` writes).
DECK = "lecture.html"

#: The paper's figure cases: (slug, title, i, k, s, p, d).
PAPER_CASES = (
    ("no_padding_unit_strides", "No padding, unit strides", 4, 3, 1, 0, 1),
    ("arbitrary_padding", "Arbitrary padding", 5, 4, 1, 2, 1),
    ("half_padding", "Half (same) padding", 5, 3, 1, 1, 1),
    ("full_padding", "Full padding", 5, 3, 1, 2, 1),
    ("strides", "Strides", 5, 3, 2, 0, 1),
    ("padding_strides", "Padding and strides", 5, 3, 2, 1, 1),
    ("padding_strides_odd", "Padding and strides, odd input", 6, 3, 2, 1, 1),
    ("dilation", "Dilation", 7, 3, 1, 0, 2),
)


@dataclass(frozen=True)
class PackEntry:
    """One figure of the pack: its file, where it goes on the page, how to make it, and its words.

    ``caption`` is generated from the figure's :class:`~tconv.viz.words.Words` (what the kind
    says about the geometry it draws) and the entry's place in the pack; ``deck`` marks the
    figures of the lecture deck (an animation stands for its still in a PDF).

    >>> PackEntry("a.gif", "s", "c", "unet", ("unet",)).animated
    True
    """

    filename: str
    section: str
    caption: str
    kind: str
    argv: tuple                 # the tconv figure command's arguments (before -o)
    options: dict = field(default_factory=dict)
    geometry: object = None
    title: str = ""
    notes: tuple = ()
    deck: bool = False

    @property
    def command(self) -> str:
        """The shell command that makes this file."""
        return " ".join(("tconv", "figure") + tuple(self.argv) + ("-o", self.filename))

    @property
    def animated(self) -> bool:
        return self.filename.endswith(".gif")

    @property
    def still(self) -> str:
        """The still picture of an animation (the same command without ``--animate``), or the file itself."""
        return self.filename[:-4] + ".png" if self.animated else self.filename


def _flags(i, k, s, p, d, output_padding=0):
    flags = ["--input", str(i), str(i), "--kernel", str(k)]
    for name, value, default in (("--stride", s, 1), ("--padding", p, 0), ("--dilation", d, 1),
                                 ("--output-padding", output_padding, 0)):
        if value != default:
            flags += [name, str(value)]
    return flags


def section_id(section: str) -> str:
    """The anchor of a section on the page: its words in lower case, joined by hyphens.

    >>> section_id("3. Half (same) padding: i = 5, k = 3, s = 1, p = 1, d = 1")
    '3-half-same-padding'
    """
    head = section.split(":")[0]
    return "-".join("".join(c if c.isalnum() else " " for c in head.lower()).split())


class _Entries:
    """Collects the entries of one section; the caption and notes of each come from its kind's words."""

    def __init__(self, style: Style):
        self.style, self.entries = style, []
        self.extra = ["--style", style.name] if style.name != "paper" else []

    def add(self, filename, section, kind, argv, options=None, geometry=None, *, lead="", tail="", deck=False,
            caption=None):
        """One entry, captioned by its kind's words (after ``lead``; ``tail`` replaces the last character)
        or by ``caption``."""
        options = dict(options or {})
        words = figure_words(kind, geometry, **{k: v for k, v in options.items() if k != "animate"})
        if caption is not None:
            words = Words(words.title, caption, words.notes or (caption,))
        caption = words.caption if not lead else lead + words.caption[0].lower() + words.caption[1:]
        if tail:
            caption = caption[:-1] + tail
        if self.style.name != "paper":
            options["style"] = self.style
        self.entries.append(PackEntry(filename, section, caption, kind, tuple(argv) + tuple(self.extra), options,
                                      geometry, words.title, words.notes, deck))


def pack_entries(style=None, history=None) -> list[PackEntry]:
    """Every figure of the lecture pack in ``style`` (default paper), in the lecture's order.

    The notes' matrix; each case of Dumoulin & Visin (2016) with its transposed twin and the
    twin's zero-insertion view, still and animated; the checkerboard lab (on slides, one part
    per figure); every view of two transposed convolutions; the U-Net, FCN and V-Net lite
    diagrams; with a run's ``history`` (``RUN/history.json``), its learning curves; and, in the
    plain paper pack, the figures of tutorials 12-16 (phases, gridding, unpooling, tiling, the
    weight map, trained decoders: their kinds have no slide style yet).

    >>> entries = pack_entries()
    >>> len(entries), sum(e.animated for e in entries), entries[4].command
    (99, 41, 'tconv figure conv --input 4 4 --kernel 3 -o 01_no_padding_unit_strides_conv.png')
    """
    style = as_style(style)
    pack = _Entries(style)
    notes = conv_geometry((4, 4), (3, 3))
    section = "Convolution as a matrix (the lecture notes' example)"
    flags = ("matrix", "--input", "4", "4", "--kernel", "3")
    pack.add("matrix_notes.png", section, "matrix", flags, {}, notes, deck=True)
    pack.add("matrix_notes_numbers.png", section, "matrix", flags + ("--numbers",), {"numbers": True}, notes,
             deck=True)
    pack.add("matrix_notes_transposed.png", section, "matrix", flags + ("--numbers", "--transpose"),
             {"numbers": True, "transpose": True}, notes, deck=True)
    pack.add("matrix_padding_strides.png", section, "matrix", ("matrix",) + tuple(_flags(5, 3, 2, 1, 1)), {},
             conv_geometry((5, 5), (3, 3), 2, 1))
    for n, (slug, title, i, k, s, p, d) in enumerate(PAPER_CASES, start=1):
        conv = conv_geometry((i, i), (k, k), s, p, d)
        o, a = conv.feature_size[0], conv.restoring_output_padding()[0]
        twin = conv_transpose_geometry((o, o), (k, k), s, p, a, d)
        section = f"{n}. {title}: i = {i}, k = {k}, s = {s}, p = {p}, d = {d}"
        twin_lead = "The transposed twin, back to the input's size: "
        for name, kind, geometry, flags, lead in (("conv", "conv", conv, _flags(i, k, s, p, d), ""),
                                                   ("transposed", "transposed", twin, _flags(o, k, s, p, d, a),
                                                    twin_lead)):
            base = f"{n:02d}_{slug}_{name}"
            steps = " Animated: one frame per output position." if kind == "conv" else \
                " Animated: one frame per input pixel, each painting its scaled kernel."
            for numbers in (False, True):
                tail = "_numbers" if numbers else ""
                extra = ["--numbers"] if numbers else []
                words = ", with the values and the products being summed." if numbers else "."
                pack.add(f"{base}{tail}.png", section, kind, (kind,) + tuple(flags + extra), {"numbers": numbers},
                         geometry, lead=lead, tail=words)
                pack.add(f"{base}{tail}.gif", section, kind, (kind,) + tuple(flags + extra + ["--animate"]),
                         {"numbers": numbers, "animate": True}, geometry, lead=lead, tail=words + steps,
                         deck=not numbers)
        equivalent = ("transposed",) + tuple(_flags(o, k, s, p, d, a) + ["--view", "equivalent"])
        lead = "The transposed twin as the paper draws it: "
        pack.add(f"{n:02d}_{slug}_transposed_equivalent.png", section, "transposed", equivalent,
                 {"view": "equivalent"}, twin, lead=lead)
        pack.add(f"{n:02d}_{slug}_transposed_equivalent.gif", section, "transposed", equivalent + ("--animate",),
                 {"view": "equivalent", "animate": True}, twin, lead=lead,
                 tail=". Animated: one frame per output position, zeros inserted between the input pixels.",
                 deck=True)
    section = "The checkerboard lab (Odena, Dumoulin & Olah 2016)"
    parts = (("counts", "upsampling", "gradient"), ("counts", "upsampling")) if style.slide else (("all",), ("all",))
    for k, chosen in zip((3, 4), parts):
        for part in chosen:
            name = f"overlap_k{k}_s2.png" if part == "all" else f"overlap_k{k}_s2_{part}.png"
            argv = ("overlap", "--kernel", str(k), "--stride", "2") + (("--part", part) if part != "all" else ())
            options = {"kernel_size": k, "stride": 2} | ({"part": part} if part != "all" else {})
            pack.add(name, section, "overlap", argv, options, deck=k == 3 and part != "all")
    section = "One operator, every view"
    for slug, geometry, flags in (("notes", conv_transpose_geometry((2, 2), (3, 3)), _flags(2, 3, 1, 0, 1)),
                                  ("padding_strides_odd", conv_transpose_geometry((2, 2), (3, 3), 2, 1, 1),
                                   _flags(2, 3, 2, 1, 1, 1))):
        pack.add(f"views_{slug}.png", section, "views", ("views", "--transposed") + tuple(flags), {}, geometry,
                 deck=True)
    section = "Segmentation networks, drawn from built models"
    pack.add("unet.png", section, "unet", ("unet",), {}, deck=True)
    pack.add("fcn.png", section, "fcn", ("fcn",), {}, deck=True)
    pack.add("vnet.png", section, "vnet", ("vnet", "--base", "8", "--size", "32"), {"base": 8, "size": 32},
             deck=True)
    if history is not None:
        run_dir, records = history
        pack.add("training.png", "A training run", "training", ("training", os.fspath(run_dir)),
                 {"history": records}, deck=True)
    if style.name == "paper":                        # the chapters' kinds have no --style yet: the plain pack only
        _chapter_entries(pack)
    return pack.entries


def _chapter_entries(pack: _Entries) -> None:
    """Sub-pixel and polyphase, dilation, unpooling, the original U-Net, checkerboards in training."""
    section = "Sub-pixel, dilation, unpooling, the original U-Net, checkerboards in training"
    k3 = conv_transpose_geometry((4, 4), (3, 3), 2, 1, 1)
    k4 = conv_transpose_geometry((4, 4), (4, 4), 2, 1, 0)
    for filename, kind, argv, options, geometry, caption in (
            ("phases_k3_s2.png", "phases", ("phases",) + tuple(_flags(4, 3, 2, 1, 1, 1)), {}, k3,
             "Kernel 3, stride 2: four phases of 1, 2, 2 and 4 taps, each a stride-1 convolution with its "
             "sub-kernel; the uneven counts are the checkerboard."),
            ("phases_k4_s2.png", "phases", ("phases",) + tuple(_flags(4, 4, 2, 1, 1)), {}, k4,
             "Kernel 4, stride 2: four phases of four taps each (even overlap, but four independent sub-kernels)."),
            ("gridding.png", "gridding", ("gridding",), {}, None,
             "Receptive-field footprints: three 3x3 layers plain, with equal dilations 2 (gridding: pixels never "
             "seen) and with dilations 1, 2, 3."),
            ("unpool.png", "unpool", ("unpool",), {}, None,
             "Max unpooling (SegNet) is Sᵀ, the transpose of max pooling's selection matrix, not its inverse; "
             "beside a nearest resize and a 2x2 transposed convolution."),
            ("tiling.png", "tiling", ("tiling",), {}, None,
             "The overlap-tile strategy: tiles overlapping by the network's reach (padded U-Net), and the paper's "
             "valid U-Net on a mirrored image (572 -> 388)."),
            ("weightmap.png", "weightmap", ("weightmap",), {}, None,
             "U-Net's border weight map: class balance plus w0·exp(−(d1 + d2)²/2σ²) in the gaps between touching "
             "cells."),
            ("decoders.png", "decoders", ("decoders",), {}, None,
             "Five ×2 decoders after 300 training steps: the flat input's output and the checkerboard measures over "
             "training."),
            ("decoders.gif", "decoders", ("decoders", "--animate"), {"animate": True}, None,
             "The same decoders, animated over training: where the checkerboard lives and how long it lasts.")):
        pack.add(filename, section, kind, argv, options, geometry, caption=caption)


def render_entry(entry: PackEntry, folder: str) -> float:
    """Draw ``entry`` and write it as ``folder/entry.filename``; return the seconds it took."""
    start = time.perf_counter()
    item = make_figure(entry.kind, entry.geometry, **entry.options)
    save(item, os.path.join(folder, entry.filename))
    return time.perf_counter() - start


def _render_in_worker(args) -> tuple[str, float]:
    entry, folder = args
    return entry.filename, render_entry(entry, folder)


_CSS = """body{font-family:sans-serif;max-width:1400px;margin:1.5em auto;padding:0 1em;color:#222;line-height:1.4}
header{display:flex;flex-wrap:wrap;align-items:baseline;gap:0 2em}
nav.top a{font-weight:bold;margin-right:1.5em}
nav.toc ol{columns:2;margin:.3em 0 1em}
.cards{display:grid;grid-template-columns:repeat(auto-fill,minmax(330px,1fr));gap:1.2em}
figure{margin:0;border:1px solid #ddd;border-radius:6px;padding:.6em;background:#fff}
figure img{width:100%;height:auto;display:block;border:1px solid #eee}
figcaption{font-size:.92em;margin-top:.4em}
code{display:block;background:#f4f4f4;padding:.3em .4em;margin-top:.3em;white-space:pre-wrap;word-break:break-all;
font-size:.85em}
button.play{margin:.3em .5em .3em 0;font-size:.9em;cursor:pointer}
h2 a.anchor{color:#999;text-decoration:none;font-size:.8em;margin-left:.3em}"""

# Animations start as their still picture and play while the pointer is over them (or after a tap on
# the play button); the link of every thumbnail opens the full-size file.
_SCRIPT = """document.querySelectorAll("img[data-animation]").forEach(function (img) {
  var still = img.getAttribute("src"), moving = img.getAttribute("data-animation");
  var button = img.closest("figure").querySelector("button.play");
  function play() { img.src = moving; button.textContent = "\u25A0 stop"; }
  function stop() { img.src = still; button.textContent = "\u25B6 play"; }
  img.addEventListener("mouseenter", play);
  img.addEventListener("mouseleave", stop);
  button.addEventListener("click", function () { img.getAttribute("src") === still ? play() : stop(); });
});"""


def _cards(entries) -> list:
    """``(section, picture, animation or None, [entries])``: an animation and its still share one card."""
    by_name = {entry.filename: entry for entry in entries}
    paired = {entry.still for entry in entries if entry.animated and entry.still in by_name}
    cards = []
    for entry in entries:
        if entry.filename in paired:
            continue
        if entry.animated and entry.still in by_name:
            cards.append((entry.section, entry.still, entry.filename, [by_name[entry.still], entry]))
        else:
            cards.append((entry.section, entry.filename, None, [entry]))
    return cards


def index_html(entries, deck: str | None = None) -> str:
    """The pack's page: links to the deck (``deck``, when given) and the explorer, a table of contents,
    then per section one card per figure (an animation shows its still until the pointer is over it),
    each with its caption and the commands that make it again (escaped, relative links only).

    >>> page = index_html([PackEntry("a<b>.png", "S", "x & y", "unet", ("unet",))])
    >>> '<img src="a&lt;b&gt;.png"' in page, "x &amp; y" in page, '<a href="#s">S</a>' in page
    (True, True, True)
    """
    esc = html.escape
    cards = _cards(entries)
    sections = list(dict.fromkeys(entry.section for entry in entries))
    links = ([f'<a href="{esc(deck, quote=True)}">The lecture deck</a>'] if deck else []) + \
        [f'<a href="{EXPLORER}">The interactive explorer</a>']
    parts = ["<!DOCTYPE html>", '<html lang="en">', "<head>", '<meta charset="utf-8">',
             '<meta name="viewport" content="width=device-width, initial-scale=1">', _TITLE,
             f"<style>{_CSS}</style>", "</head>", "<body>",
             f'<header><h1>tconv lecture pack</h1><nav class="top">{"".join(links)}</nav></header>',
             "<p>Every figure was drawn by tconv from the geometry and the convolution matrix, so it cannot "
             "disagree with the arithmetic. The command under each figure makes the same file again, byte for "
             "byte. An animation shows its first picture until the pointer rests on it (or after a tap on "
             "<i>play</i>); every picture links to its full-size file. Sizes: i input, k kernel, s stride, "
             "p padding, d dilation (Dumoulin &amp; Visin 2016). The explorer sets any geometry and shows, "
             f"cell by cell, its window, its painted region and its row and column of the matrix "
             f"(<code style=\"display:inline\">tconv explore -o {EXPLORER}</code>).</p>",
             '<nav class="toc"><h2>Contents</h2><ol>']
    for section in sections:
        count = sum(1 for card in cards if card[0] == section)
        parts.append(f'<li><a href="#{section_id(section)}">{esc(section)}</a> ({count})</li>')
    parts.append("</ol></nav>")
    for section in sections:
        anchor = section_id(section)
        parts.append(f'<section id="{anchor}"><h2>{esc(section)}<a class="anchor" href="#{anchor}">#</a></h2>'
                     '<div class="cards">')
        for card_section, picture, animation, members in cards:
            if card_section != section:
                continue
            main = members[-1]
            full = esc(animation or picture, quote=True)
            moving = f' data-animation="{esc(animation, quote=True)}"' if animation else ""
            button = '<button class="play" type="button">\u25B6 play</button>' if animation else ""
            commands = "".join(f"<code>{esc(member.command)}</code>" for member in members)
            parts.append(f'<figure id="{esc(os.path.splitext(main.filename)[0], quote=True)}"><a href="{full}">'
                         f'<img src="{esc(picture, quote=True)}"{moving} alt="{esc(main.caption, quote=True)}" '
                         f'loading="lazy"></a><figcaption>{button}{esc(main.caption)}{commands}</figcaption>'
                         "</figure>")
        parts.append("</div></section>")
    parts += [f"<script>{_SCRIPT}</script>", "</body>", "</html>", ""]
    return "\n".join(parts)


#: The most processes :func:`make_pack` starts.
MAX_JOBS = 32
_TITLE = "<title>tconv lecture pack</title>"


def check_pack_folder(folder, filenames, overwrite: bool = False) -> None:
    """Refuse to write the pack's ``filenames`` into ``folder`` over files that are not an earlier pack's.

    An earlier pack (its ``index.html`` is a tconv lecture pack page) is replaced; any other
    file with a name the pack uses is left alone and named in a ``FileExistsError`` unless
    ``overwrite``.
    """
    folder = os.fspath(folder)
    if not os.path.isdir(folder) or overwrite:
        return
    index = os.path.join(folder, "index.html")
    if os.path.isfile(index):
        with open(index, encoding="utf-8", errors="replace") as page:
            if _TITLE in page.read(4096):
                return
    taken = [name for name in ("index.html", *filenames) if os.path.exists(os.path.join(folder, name))]
    if taken:
        more = f" (and {len(taken) - 1} more)" if len(taken) > 1 else ""
        raise FileExistsError(f"{os.path.join(folder, taken[0])} exists{more} and is not part of an earlier tconv "
                              "lecture pack; write the pack into a new or empty folder (or pass --overwrite)")


def make_pack(folder, jobs: int | None = None, entries=None, overwrite: bool = False, style=None,
              history=None) -> dict:
    """Render the pack into ``folder`` (created if missing) and write ``folder/index.html``.

    ``style`` (default paper; ``"slide"`` for a slide-ready pack: every figure 1920 x 1080)
    and ``history`` (``(run_dir, records)`` of a run, for its learning curves) choose the
    entries (:func:`pack_entries`). ``jobs`` processes render the figures (default: 2, or 1 on
    a one-core machine; at most :data:`MAX_JOBS`; fresh processes, not forks); ``entries``
    renders only those. The explorer page (:data:`EXPLORER`) is written too, and a slide pack writes the
    lecture deck (:data:`DECK`, :func:`tconv.viz.deck_page.deck_html`) from its own figures. A folder
    holding files with the pack's names that are not an earlier pack's is refused
    (:func:`check_pack_folder`) unless ``overwrite``. Returns ``{filename: seconds}`` for every
    figure written.

    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     timings = make_pack(folder, entries=[e for e in pack_entries() if e.kind == "unet"])
    ...     sorted(os.listdir(folder))
    ['explorer.html', 'index.html', 'unet.png']
    """
    folder = os.fspath(folder)
    style = as_style(style)
    all_entries = pack_entries(style, history)
    chosen = all_entries if entries is None else list(entries)
    jobs = jobs if jobs is not None else min(2, os.cpu_count() or 1)
    if isinstance(jobs, bool) or not isinstance(jobs, int) or not 1 <= jobs <= MAX_JOBS:
        raise ValueError(f"jobs={jobs!r} must be an int from 1 to {MAX_JOBS}")
    if style.transparent:
        raise ValueError("a pack's animations need a ground (a GIF has no partial transparency): draw the pack "
                         "without 'transparent', and single stills with it")
    deck = DECK if style.slide and any(entry.deck for entry in chosen) else None
    check_pack_folder(folder, [entry.filename for entry in chosen] + [EXPLORER] + ([deck] if deck else []),
                      overwrite)
    os.makedirs(folder, exist_ok=True)
    # The animations take longest: start them first so that the processes finish together.
    order = sorted(range(len(chosen)), key=lambda n: not chosen[n].animated)
    timings = {}
    if jobs == 1 or len(chosen) == 1:
        for n in order:
            timings[chosen[n].filename] = render_entry(chosen[n], folder)
    else:
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor

        # Fresh processes, not forks: the captions ran the library's compiled kernels, whose OpenMP threads
        # make a fork of this process unsafe (the child can be killed). Each worker gets its entries whole.
        with ProcessPoolExecutor(jobs, mp_context=multiprocessing.get_context("spawn")) as pool:
            for name, seconds in pool.map(_render_in_worker, [(chosen[n], folder) for n in order]):
                timings[name] = seconds
    explorer().save(os.path.join(folder, EXPLORER))
    if deck:
        slides = [entry for entry in chosen if entry.deck]
        save_text(deck_from_folder(folder, slides, style), os.path.join(folder, deck))
    save_text(index_html(chosen, deck), os.path.join(folder, "index.html"))
    return timings
