"""The lecture pack: the paper's eight configurations and their transposed twins, and the labs.

:func:`pack_entries` lists every figure: for each case of Dumoulin & Visin (2016) the
convolution and its transposed twin (the transposed convolution that maps the output back to
the input's size, with the ``output_padding`` that restores it), still and animated, with and
without numbers, plus the twin in the paper's equivalent view; then the matrix pictures, the
checkerboard lab, every view of one operator and a U-Net. :func:`make_pack` renders them
(on ``jobs`` processes) into a folder with ``index.html``, a gallery page that shows each
figure with its caption and the ``tconv figure`` command that makes it again, byte for byte,
and ``explorer.html``, the interactive explorer (:func:`tconv.viz.explorer`) it links to.
The gallery page is self-contained: relative links, no scripts, no external resources.
"""
from __future__ import annotations

import html
import os
import time
from dataclasses import dataclass, field

from ..geometry import conv_geometry, conv_transpose_geometry
from .explorer_page import explorer
from .kinds import make_figure
from .saving import save, save_text

__all__ = ["PAPER_CASES", "PackEntry", "pack_entries", "make_pack", "index_html", "check_pack_folder", "MAX_JOBS",
           "EXPLORER"]

#: The explorer's file name in the pack (made by ``tconv explore -o explorer.html``).
EXPLORER = "explorer.html"

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
    """One figure of the pack: its file, where it goes on the page, and how to make it.

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

    @property
    def command(self) -> str:
        """The shell command that makes this file."""
        return " ".join(("tconv", "figure") + tuple(self.argv) + ("-o", self.filename))

    @property
    def animated(self) -> bool:
        return self.filename.endswith(".gif")


def _flags(i, k, s, p, d, output_padding=0):
    flags = ["--input", str(i), str(i), "--kernel", str(k)]
    for name, value, default in (("--stride", s, 1), ("--padding", p, 0), ("--dilation", d, 1),
                                 ("--output-padding", output_padding, 0)):
        if value != default:
            flags += [name, str(value)]
    return flags


def pack_entries() -> list[PackEntry]:
    """Every figure of the lecture pack, in the order of the page.

    >>> entries = pack_entries()
    >>> len(entries), entries[0].command
    (89, 'tconv figure conv --input 4 4 --kernel 3 -o 01_no_padding_unit_strides_conv.png')
    """
    entries = []
    for n, (slug, title, i, k, s, p, d) in enumerate(PAPER_CASES, start=1):
        conv = conv_geometry((i, i), (k, k), s, p, d)
        o, a = conv.feature_size[0], conv.restoring_output_padding()[0]
        twin = conv_transpose_geometry((o, o), (k, k), s, p, a, d)
        section = f"{n}. {title}: i = {i}, k = {k}, s = {s}, p = {p}, d = {d}"
        for name, kind, geometry, flags, what in (
                ("conv", "conv", conv, _flags(i, k, s, p, d), f"convolution {i} × {i} → {o} × {o}"),
                ("transposed", "transposed", twin, _flags(o, k, s, p, d, a),
                 f"its transposed twin {o} × {o} → {i} × {i}" + (f" (output_padding {a})" if a else ""))):
            base = f"{n:02d}_{slug}_{name}"
            steps = "one frame per output position" if kind == "conv" else \
                "one frame per input pixel, each painting its scaled kernel"
            for numbers in (False, True):
                tail = "_numbers" if numbers else ""
                extra = ["--numbers"] if numbers else []
                words = ", with numbers: the products being summed" if numbers else ""
                entries.append(PackEntry(f"{base}{tail}.png", section, f"The {what}{words}.", kind,
                                         (kind,) + tuple(flags + extra), {"numbers": numbers}, geometry))
                entries.append(PackEntry(f"{base}{tail}.gif", section, f"The {what}, animated: {steps}{words}.",
                                         kind, (kind,) + tuple(flags + extra + ["--animate"]),
                                         {"numbers": numbers, "animate": True}, geometry))
        entries.append(PackEntry(f"{n:02d}_{slug}_transposed_equivalent.png", section,
                                 f"The transposed twin as the paper draws it: zeros inserted, padding k̂ − 1 − p, "
                                 "the kernel rotated 180°, stride 1.", "transposed",
                                 ("transposed",) + tuple(_flags(o, k, s, p, d, a) + ["--view", "equivalent"]),
                                 {"view": "equivalent"}, twin))
    notes = conv_geometry((4, 4), (3, 3))
    section = "Convolution as a matrix (the lecture notes' example)"
    entries += [
        PackEntry("matrix_notes.png", section,
                  "The 4 × 16 matrix C of a 4 × 4 input and a 3 × 3 kernel, tap by tap.",
                  "matrix", ("matrix", "--input", "4", "4", "--kernel", "3"), {}, notes),
        PackEntry("matrix_notes_numbers.png", section,
                  "The same with the notes' numbers: y = C x = [122, 148, 126, 134].",
                  "matrix", ("matrix", "--input", "4", "4", "--kernel", "3", "--numbers"), {"numbers": True}, notes),
        PackEntry("matrix_notes_transposed.png", section, "Cᵀ: the transposed convolution of y = [2, 1, 4, 4].",
                  "matrix", ("matrix", "--input", "4", "4", "--kernel", "3", "--numbers", "--transpose"),
                  {"numbers": True, "transpose": True}, notes),
        PackEntry("matrix_padding_strides.png", section, "With stride 2 and padding 1, padding cuts taps off rows.",
                  "matrix", ("matrix",) + tuple(_flags(5, 3, 2, 1, 1)), {}, conv_geometry((5, 5), (3, 3), 2, 1)),
    ]
    section = "The checkerboard lab (Odena, Dumoulin & Olah 2016)"
    for k in (3, 4):
        entries.append(PackEntry(f"overlap_k{k}_s2.png", section,
                                 f"Kernel {k}, stride 2: overlap counts, upsampling a constant image (one colour "
                                 "scale), and the gradient of a strided convolution.", "overlap",
                                 ("overlap", "--kernel", str(k), "--stride", "2"),
                                 {"kernel_size": k, "stride": 2}))
    section = "One operator, every view"
    for slug, title, i, k, s, p, d in (PAPER_CASES[0], PAPER_CASES[6]):
        conv = conv_geometry((i, i), (k, k), s, p, d)
        o, a = conv.feature_size[0], conv.restoring_output_padding()[0]
        entries.append(PackEntry(f"views_{slug}.png", section,
                                 f"The transposed convolution {o} × {o} → {i} × {i} ({title.lower()}) five ways.",
                                 "views", ("views", "--transposed") + tuple(_flags(o, k, s, p, d, a)), {},
                                 conv_transpose_geometry((o, o), (k, k), s, p, a, d)))
    entries.append(PackEntry("unet.png", "A U-Net", "A U-Net of depth 4 with transposed-convolution upsampling.",
                             "unet", ("unet",), {}))
    entries += _chapter_entries()
    return entries


def _chapter_entries() -> list[PackEntry]:
    """Sub-pixel and polyphase, dilation, unpooling, the original U-Net, checkerboards in training."""
    section = "Sub-pixel, dilation, unpooling, the original U-Net, checkerboards in training"
    k3 = conv_transpose_geometry((4, 4), (3, 3), 2, 1, 1)
    k4 = conv_transpose_geometry((4, 4), (4, 4), 2, 1, 0)
    return [
        PackEntry("phases_k3_s2.png", section, "Kernel 3, stride 2: four phases of 1, 2, 2 and 4 taps, each a stride-1 "
                  "convolution with its sub-kernel; the uneven counts are the checkerboard.", "phases",
                  ("phases",) + tuple(_flags(4, 3, 2, 1, 1, 1)), {}, k3),
        PackEntry("phases_k4_s2.png", section, "Kernel 4, stride 2: four phases of four taps each (even overlap, but "
                  "four independent sub-kernels).", "phases", ("phases",) + tuple(_flags(4, 4, 2, 1, 1)), {}, k4),
        PackEntry("gridding.png", section, "Receptive-field footprints: three 3x3 layers plain, with equal dilations 2 "
                  "(gridding: pixels never seen) and with dilations 1, 2, 3.", "gridding", ("gridding",), {}),
        PackEntry("unpool.png", section, "Max unpooling (SegNet) is Sᵀ, the transpose of max pooling's selection "
                  "matrix, not its inverse; beside a nearest resize and a 2x2 transposed convolution.", "unpool",
                  ("unpool",), {}),
        PackEntry("tiling.png", section, "The overlap-tile strategy: tiles overlapping by the network's reach (padded "
                  "U-Net), and the paper's valid U-Net on a mirrored image (572 -> 388).", "tiling", ("tiling",), {}),
        PackEntry("weightmap.png", section, "U-Net's border weight map: class balance plus w0·exp(−(d1 + d2)²/2σ²) "
                  "in the gaps between touching cells.", "weightmap", ("weightmap",), {}),
        PackEntry("decoders.png", section, "Five ×2 decoders after 300 training steps: the flat input's output and the "
                  "checkerboard measures over training.", "decoders", ("decoders",), {}),
        PackEntry("decoders.gif", section, "The same decoders, animated over training: where the checkerboard lives and "
                  "how long it lasts.", "decoders", ("decoders", "--animate"), {"animate": True}),
    ]


def _render(entry: PackEntry, folder: str) -> float:
    start = time.perf_counter()
    item = make_figure(entry.kind, entry.geometry, **entry.options)
    save(item, os.path.join(folder, entry.filename))
    return time.perf_counter() - start


def _render_index(args) -> tuple[str, float]:
    index, folder = args
    entry = pack_entries()[index]
    return entry.filename, _render(entry, folder)


def index_html(entries) -> str:
    """The gallery page: every figure with its caption and command (escaped, relative links).

    >>> page = index_html([PackEntry("a<b>.png", "S", "x & y", "unet", ("unet",))])
    >>> '<img src="a&lt;b&gt;.png"' in page, "x &amp; y" in page
    (True, True)
    """
    esc = html.escape
    parts = ["<!DOCTYPE html>", '<html lang="en">', "<head>", '<meta charset="utf-8">',
             "<title>tconv lecture pack</title>",
             "<style>body{font-family:sans-serif;max-width:1200px;margin:2em auto;padding:0 1em;color:#222}"
             "figure{display:inline-block;vertical-align:top;width:46%;margin:1em 1%}"
             "img{max-width:100%;border:1px solid #ccc}code{display:block;background:#f4f4f4;padding:.4em;"
             "margin-top:.4em;white-space:pre-wrap;word-break:break-all;font-size:.9em}</style>",
             "</head>", "<body>", "<h1>tconv lecture pack</h1>",
             "<p>Every figure was drawn by tconv from the geometry and the convolution matrix, so it cannot "
             "disagree with the arithmetic. The command under each figure makes the same file again, byte for "
             "byte. Sizes: i input, k kernel, s stride, p padding, d dilation (Dumoulin &amp; Visin 2016).</p>",
             f'<p><a href="{EXPLORER}"><b>The interactive explorer</b></a>: set any geometry, hover a cell to see '
             "its window, its painted region and its row and column of the matrix. One file, no network "
             f"(<code style=\"display:inline\">tconv explore -o {EXPLORER}</code>).</p>"]
    section = None
    for entry in entries:
        if entry.section != section:
            section = entry.section
            parts.append(f"<h2>{esc(section)}</h2>")
        name = esc(entry.filename, quote=True)
        parts.append(f'<figure><a href="{name}"><img src="{name}" alt="{esc(entry.caption, quote=True)}" '
                     f'loading="lazy"></a><figcaption>{esc(entry.caption)}<code>{esc(entry.command)}</code>'
                     "</figcaption></figure>")
    parts += ["</body>", "</html>", ""]
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


def make_pack(folder, jobs: int | None = None, entries=None, overwrite: bool = False) -> dict:
    """Render the pack into ``folder`` (created if missing) and write ``folder/index.html``.

    ``jobs`` processes render the figures (default: 2, or 1 on a one-core machine; at most
    :data:`MAX_JOBS`); ``entries`` renders only those (in this process). The explorer page
    (:data:`EXPLORER`) is written too. A folder holding files with the pack's names that are
    not an earlier pack's is refused (:func:`check_pack_folder`) unless ``overwrite``. Returns
    ``{filename: seconds}`` for every figure written.

    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     timings = make_pack(folder, entries=[e for e in pack_entries() if e.kind == "unet"])
    ...     sorted(os.listdir(folder))
    ['explorer.html', 'index.html', 'unet.png']
    """
    folder = os.fspath(folder)
    all_entries = pack_entries()
    chosen = all_entries if entries is None else list(entries)
    jobs = jobs if jobs is not None else min(2, os.cpu_count() or 1)
    if isinstance(jobs, bool) or not isinstance(jobs, int) or not 1 <= jobs <= MAX_JOBS:
        raise ValueError(f"jobs={jobs!r} must be an int from 1 to {MAX_JOBS}")
    check_pack_folder(folder, [entry.filename for entry in chosen] + [EXPLORER], overwrite)
    os.makedirs(folder, exist_ok=True)
    # The animations take longest: start them first so that the processes finish together.
    order = sorted(range(len(chosen)), key=lambda n: not chosen[n].animated)
    timings = {}
    if jobs == 1 or len(chosen) == 1 or entries is not None:
        for n in order:
            timings[chosen[n].filename] = _render(chosen[n], folder)
    else:
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor

        import matplotlib.backends.backend_agg  # noqa: F401  (imported once, before the workers fork)
        import matplotlib.figure  # noqa: F401

        method = "fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn"
        with ProcessPoolExecutor(jobs, mp_context=multiprocessing.get_context(method)) as pool:
            for name, seconds in pool.map(_render_index, [(n, folder) for n in order]):
                timings[name] = seconds
    explorer().save(os.path.join(folder, EXPLORER))
    save_text(index_html(chosen), os.path.join(folder, "index.html"))
    return timings
