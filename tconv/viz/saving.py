"""Saving figures and animations: the format follows the file name, the bytes follow the arguments.

* ``.png`` (``dpi`` 150 by default), ``.svg`` and ``.pdf`` for a :class:`~matplotlib.figure.Figure`;
* ``.gif`` (written with Pillow) and ``.mp4`` (needs ``ffmpeg`` on the PATH) for a
  :class:`~tconv.viz.frames.FrameAnimation`.

Reproducible: matplotlib's version string and the date are left out of the files' metadata,
SVG ids use a fixed salt, and GIF frames are encoded by Pillow from the rendered pixels, so
the same figure saved twice gives the same bytes. Atomic: the file is written to a temporary
name next to the target and renamed only when complete, so an error never leaves a
half-written file (the same scheme as :func:`tconv.save`).
"""
from __future__ import annotations

import os
import shutil
import struct

import numpy as np

from ..serialization import atomic_write
from .frames import FrameAnimation
from .style import styled

__all__ = ["made_by", "check_pixels", "MAX_FIGURE_PIXELS", "MAX_ANIMATION_PIXELS", "save", "save_text", "check_target", "STATIC_FORMATS", "ANIMATION_FORMATS", "output_format"]

STATIC_FORMATS = ("png", "svg", "pdf")
ANIMATION_FORMATS = ("gif", "mp4")
#: Metadata that would change from run to run or from version to version, left out.
_METADATA = {
    "png": {"Software": None},
    "svg": {"Date": None, "Creator": None},
    "pdf": {"Creator": None, "Producer": None, "CreationDate": None, "ModDate": None},
}
#: Where each format keeps the ``creator`` mark (a constant, so the bytes stay reproducible).
_CREATOR_KEY = {"png": "Software", "svg": "Creator", "pdf": "Creator"}


def made_by(path, creator: str) -> bool:
    """Whether the file at ``path`` carries the mark ``creator`` that :func:`save` writes (e.g. an earlier run).

    >>> import tempfile
    >>> from tconv.viz.style import new_figure, styled
    >>> with styled():
    ...     fig = new_figure(2, 1)
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     path = save(fig, os.path.join(folder, "a.png"))
    ...     made_by(path, "tconv"), made_by(path, "tconv train")
    (True, False)
    """
    try:
        with open(path, "rb") as file:
            head = file.read(1 << 16)
    except OSError:
        return False
    mark = creator.encode()
    text = b"Software\x00" + mark
    return any(pattern in head for pattern in (
        struct.pack(">I", len(text)) + b"tEXt" + text,             # PNG: a tEXt chunk
        b"<dc:title>" + mark + b"</dc:title>", b"<dc:creator><cc:Agent><dc:title>" + mark,   # SVG
        b"/Creator (" + mark + b")",                               # PDF: the document information
        b"\x21\xfe" + bytes([len(mark)]) + mark + b"\x00",          # GIF: a comment extension
    ))


def output_format(path, animated: bool) -> str:
    """The format of ``path`` from its suffix, or a ``ValueError`` naming the allowed ones.

    >>> output_format("figure.SVG", animated=False), output_format("steps.gif", animated=True)
    ('svg', 'gif')
    >>> output_format("steps.gif", animated=False)
    Traceback (most recent call last):
    ...
    ValueError: 'steps.gif' is an animation format; a figure saves as .png, .svg or .pdf (animations as .gif or .mp4)
    """
    name = os.fspath(path)
    suffix = os.path.splitext(name)[1].lower().lstrip(".")
    allowed, other = (ANIMATION_FORMATS, STATIC_FORMATS) if animated else (STATIC_FORMATS, ANIMATION_FORMATS)
    if suffix in allowed:
        if suffix == "mp4" and shutil.which("ffmpeg") is None:
            raise ValueError(f"{name!r}: writing .mp4 needs ffmpeg on the PATH, which was not found; "
                             "save the animation as .gif instead")
        return suffix
    what = "an animation" if animated else "a figure"
    if suffix in other:
        kind = "a figure" if animated else "an animation"
        raise ValueError(f"{name!r} is {kind} format; {what} saves as {_spell(allowed)} "
                         f"({'figures' if animated else 'animations'} as {_spell(other)})")
    raise ValueError(f"{name!r} has {'no suffix' if not suffix else 'the unknown suffix .' + suffix}; "
                     f"{what} saves as {_spell(allowed)}")


def _spell(formats) -> str:
    names = [f".{f}" for f in formats]
    return ", ".join(names[:-1]) + " or " + names[-1]


def save(item, path, *, dpi: float | None = None, fps: float | None = None, creator: str = "tconv") -> str:
    """Write a figure or an animation to ``path`` and return the path written.

    ``dpi`` defaults to 150 for a figure and to the animation's own (100 unless it says, as
    a slide's 150 does: a GIF frame of 8 inches is 800 pixels wide at 100); ``fps`` defaults to one frame per ``item.interval_ms``. ``creator``
    (default ``"tconv"``) is written into the file's metadata (PNG ``Software``, SVG and PDF
    ``Creator``, a GIF comment), a constant, so the bytes stay reproducible and ``tconv figure``
    can tell a figure tconv drew from a file it must not replace (:func:`made_by`). Raises
    ``ValueError`` for a suffix that does not fit (``.gif`` for a figure, ``.txt``, ``.mp4``
    without ffmpeg) and ``OSError`` for a folder that cannot be written; in both cases no
    file is left behind.

    >>> import tempfile, os
    >>> from tconv.viz.style import new_figure, styled
    >>> with styled():
    ...     fig = new_figure(2, 1)
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     path = save(fig, os.path.join(folder, "empty.png"))
    ...     open(path, "rb").read(4)
    b'\\x89PNG'
    """
    animated = isinstance(item, FrameAnimation)
    if not animated and not hasattr(item, "savefig"):
        raise TypeError(f"save expects a matplotlib Figure or a tconv.viz FrameAnimation, got {type(item).__name__}")
    fmt = output_format(path, animated)
    if dpi is None:
        dpi = (item.dpi or 100) if animated else 150
    if not (isinstance(dpi, (int, float)) and 20 <= dpi <= 1200):
        raise ValueError(f"dpi={dpi} must lie between 20 and 1200")
    if fps is None and animated:
        fps = 1000.0 / item.interval_ms
    if fps is not None and not (isinstance(fps, (int, float)) and 0.1 <= fps <= 50):
        raise ValueError(f"fps={fps} must lie between 0.1 and 50 frames per second")
    check_pixels(item, dpi)
    metadata = dict(_METADATA.get(fmt, {}))
    if creator and fmt in _CREATOR_KEY:
        metadata[_CREATOR_KEY[fmt]] = creator

    def write(temporary):
        with styled():
            if animated:
                _write_animation(item, temporary, fmt, dpi, fps, creator)
            else:
                with open(temporary, "wb") as file:
                    item.savefig(file, format=fmt, dpi=dpi, metadata=metadata)

    _atomic_write(path, write, f"figure.{fmt}")
    return os.fspath(path)


def check_target(path, example: str = "figure.png") -> str:
    """The real path ``path`` will be written to, or an ``OSError`` saying why it cannot be.

    Checks what can be known before drawing: the folder exists and is writable, and ``path``
    is not a folder or a read-only file.

    >>> check_target("/no/such/folder/figure.png")
    Traceback (most recent call last):
    ...
    FileNotFoundError: cannot write '/no/such/folder/figure.png': the folder '/no/such/folder' does not exist
    """
    target = os.path.realpath(os.fspath(path))
    folder = os.path.dirname(target)
    if os.path.isdir(target):
        raise IsADirectoryError(f"{os.fspath(path)!r} is a folder; give a file name such as {example}")
    if not os.path.isdir(folder):
        raise FileNotFoundError(f"cannot write {os.fspath(path)!r}: the folder {folder!r} does not exist")
    if not os.access(folder, os.W_OK):
        raise PermissionError(f"cannot write {os.fspath(path)!r}: the folder {folder!r} is not writable")
    if os.path.exists(target) and not os.access(target, os.W_OK):
        raise PermissionError(f"cannot write {os.fspath(path)!r}: the file is read-only")
    return target


def _atomic_write(path, write, example: str) -> None:
    """Check ``path`` (:func:`check_target`), then :func:`tconv.serialization.atomic_write` it."""
    atomic_write(check_target(path, example), write)


def save_text(text: str, path) -> str:
    """Write ``text`` (UTF-8) to ``path`` atomically, as :func:`save` writes figures; returns the path.

    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     path = save_text("<p>hi</p>", os.path.join(folder, "index.html"))
    ...     open(path).read()
    '<p>hi</p>'
    """
    def write(temporary):
        with open(temporary, "w", encoding="utf-8", newline="\n") as file:
            file.write(text)

    _atomic_write(path, write, "index.html")
    return os.fspath(path)


#: The most pixels :func:`save` renders: a figure's canvas, and an animation's frames together
#: (each pixel takes about 12 bytes on the way: RGBA canvas, RGB copy, palette image).
MAX_FIGURE_PIXELS = 100_000_000
MAX_ANIMATION_PIXELS = 200_000_000


def check_pixels(item, dpi: float) -> None:
    """Refuse (``ValueError``, before drawing) a figure or animation too large to render at ``dpi``.

    >>> from tconv.viz.style import new_figure, styled
    >>> with styled():
    ...     fig = new_figure(20, 10)
    >>> check_pixels(fig, 1200)
    Traceback (most recent call last):
    ...
    ValueError: at dpi=1200 this figure is 24000 x 12000 pixels (288 megapixels); at most 100 megapixels: lower the dpi (e.g. dpi=700)
    """
    animated = isinstance(item, FrameAnimation)
    figure = item.figure if animated else item
    width, height = (int(round(v * dpi)) for v in figure.get_size_inches())
    frames = item.n_frames if animated else 1
    limit = MAX_ANIMATION_PIXELS if animated else MAX_FIGURE_PIXELS
    total = width * height * frames
    if total > limit:
        fits = int(dpi * (limit / total) ** 0.5)
        what = f"its {frames} frames of {width} x {height} pixels" if animated else f"{width} x {height} pixels"
        raise ValueError(f"at dpi={dpi:g} this {'animation has' if animated else 'figure is'} {what} "
                         f"({total / 1e6:.0f} megapixels); at most {limit // 1_000_000} megapixels: lower the dpi "
                         f"(e.g. dpi={max(20, fits // 10 * 10)})")


def _write_animation(animation: FrameAnimation, temporary: str, fmt: str, dpi: float, fps: float,
                     creator: str | None = None) -> None:
    if fmt == "gif":
        from PIL import Image

        rgb = [np.ascontiguousarray(frame) for frame in animation.frames_rgb(dpi)]
        # One palette for every frame (median cut over the first, middle and last frames): the
        # figures use few flat colours, and a shared palette is faster and smaller than one per frame.
        sample = np.concatenate([rgb[0], rgb[len(rgb) // 2], rgb[-1]], axis=0)
        palette = Image.fromarray(sample).quantize(colors=255, method=Image.Quantize.MEDIANCUT,
                                                   dither=Image.Dither.NONE)
        frames = [Image.fromarray(frame).quantize(palette=palette, dither=Image.Dither.NONE) for frame in rgb]
        with open(temporary, "wb") as file:
            extra = {"comment": creator.encode()} if creator else {}
            frames[0].save(file, format="GIF", save_all=True, append_images=frames[1:],
                           duration=int(round(1000 / fps)), loop=0, optimize=False, disposal=1, **extra)
        return
    from matplotlib.animation import FFMpegWriter

    writer = FFMpegWriter(fps=fps, extra_args=["-pix_fmt", "yuv420p", "-f", "mp4"])
    animation.to_matplotlib().save(temporary, writer=writer, dpi=dpi)
