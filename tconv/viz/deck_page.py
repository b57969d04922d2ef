"""The lecture deck's page: one self-contained HTML file of slides, each with its title and speaker notes.

:func:`deck_html` writes the page from a list of slides (title, caption, notes, the picture and
an animation as data URIs, the command that draws it); :func:`deck_from_folder` reads the
pictures from a folder of rendered figures (an animation becomes a lossless animated WebP,
about four times smaller than its GIF, that plays while its slide is shown).
:mod:`tconv.viz.deck` chooses the slides and renders them. On the page: the arrow keys, space,
Page Up/Down, Home and End move, a click on the right (left) third goes forward (back), ``N``
shows the notes, ``F`` goes full screen, and the address (``#7``) names the slide. Nothing is
fetched: the page works offline.
"""
from __future__ import annotations

import base64
import html
import io
import json
import os

from .style import as_style

__all__ = ["deck_html", "deck_from_folder", "DECK_TITLE"]

#: The page's title: how ``tconv figure deck`` recognises a deck it wrote (:func:`tconv.viz.deck.is_deck`).
DECK_TITLE = "tconv lecture"


def _uri(data: bytes, mime: str) -> str:
    return f"data:{mime};base64,{base64.b64encode(data).decode('ascii')}"


def _webp(gif_path: str) -> tuple[bytes, str]:
    """The GIF at ``gif_path`` as a lossless animated WebP (about 4x smaller; the GIF itself if Pillow has no WebP)."""
    from PIL import Image, features

    with open(gif_path, "rb") as file:
        gif = file.read()
    if not features.check("webp"):
        return gif, "image/gif"
    frames, durations = [], []
    with Image.open(io.BytesIO(gif)) as image:
        for index in range(getattr(image, "n_frames", 1)):
            image.seek(index)
            frames.append(image.convert("RGB"))
            durations.append(image.info.get("duration", 900))
    out = io.BytesIO()
    frames[0].save(out, format="WEBP", save_all=True, append_images=frames[1:], duration=durations, loop=0,
                   lossless=True, method=4)
    return out.getvalue(), "image/webp"


def deck_from_folder(folder, entries, style) -> str:
    """The HTML deck of ``entries`` whose files (each still, and each animation) are in ``folder``."""
    slides = []
    for entry in entries:
        with open(os.path.join(folder, entry.still), "rb") as file:
            picture = _uri(file.read(), "image/png")
        animation = _uri(*_webp(os.path.join(folder, entry.filename))) if entry.animated else None
        slides.append({"title": entry.title, "notes": list(entry.notes), "caption": entry.caption,
                       "picture": picture, "animation": animation, "command": entry.command})
    return deck_html(slides, style)


def deck_html(slides, style) -> str:
    """A self-contained HTML slide deck of ``slides`` (dicts: title, notes, caption, picture and animation data URIs).

    >>> page = deck_html([{"title": "A", "notes": ["n"], "caption": "c", "picture": "data:,", "animation": None,
    ...                    "command": "tconv figure unet -o unet.png"}], "slide")
    >>> "<title>tconv lecture</title>" in page, "http" in page.replace("http-equiv", "")
    (True, False)
    """
    style = as_style(style)
    esc = html.escape
    ground = "transparent" if style.transparent else style.face
    parts = []
    for n, slide in enumerate(slides, start=1):
        notes = "".join(f"<li>{esc(note)}</li>" for note in slide["notes"])
        moving = f' data-animation="{slide["animation"]}"' if slide["animation"] else ""
        parts.append(f'<section class="slide" id="s{n}" aria-label="{esc(slide["title"], quote=True)}">'
                     f'<img src="{slide["picture"]}"{moving} alt="{esc(slide["caption"], quote=True)}">'
                     f'<aside class="notes"><h2>{n}. {esc(slide["title"])}</h2><p>{esc(slide["caption"])}</p>'
                     f'<ul>{notes}</ul><code>{esc(slide["command"])}</code></aside></section>')
    count = json.dumps(len(slides))
    return "\n".join([
        "<!DOCTYPE html>", '<html lang="en">', "<head>", '<meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">', f"<title>{DECK_TITLE}</title>",
        "<style>html,body{margin:0;height:100%;background:" + ground + ";overflow:hidden;font-family:sans-serif}"
        ".slide{display:none;position:fixed;inset:0}.slide.on{display:block}"
        ".slide img{width:100vw;height:100vh;object-fit:contain}"
        ".notes{display:none;position:fixed;left:0;right:0;bottom:0;max-height:45vh;overflow:auto;"
        "background:rgba(20,20,20,.92);color:#f0f0f0;padding:.6em 1.2em;font-size:18px;line-height:1.4}"
        "body.shownotes .slide.on .notes{display:block}.notes h2{margin:.2em 0;font-size:20px}"
        ".notes code{color:#cfe8ff}#help{position:fixed;right:.6em;bottom:.4em;color:#888;font-size:14px}"
        "body.shownotes #help{display:none}</style>",
        "</head>", "<body>", *parts,
        '<div id="help">→ / space: next · ←: back · N: notes · F: full screen · <span id="where"></span></div>',
        "<script>",
        "var slides = document.querySelectorAll('.slide'), count = " + count + ", current = 0;",
        "function show(n) {",
        "  n = Math.max(0, Math.min(count - 1, n));",
        "  slides[current].classList.remove('on');",
        "  var old = slides[current].querySelector('img[data-animation]');",
        "  if (old) { old.src = old.getAttribute('data-still'); }",
        "  current = n; slides[n].classList.add('on');",
        "  var img = slides[n].querySelector('img[data-animation]');",
        "  if (img) { img.src = img.getAttribute('data-animation'); }",
        "  document.getElementById('where').textContent = (n + 1) + ' / ' + count;",
        "  if (location.hash !== '#' + (n + 1)) { history.replaceState(null, '', '#' + (n + 1)); }",
        "}",
        "document.querySelectorAll('img[data-animation]').forEach(function (img) {",
        "  img.setAttribute('data-still', img.getAttribute('src')); });",
        "document.addEventListener('keydown', function (event) {",
        "  var key = event.key;",
        "  if (key === 'ArrowRight' || key === ' ' || key === 'PageDown') { show(current + 1); }",
        "  else if (key === 'ArrowLeft' || key === 'PageUp' || key === 'Backspace') { show(current - 1); }",
        "  else if (key === 'Home') { show(0); } else if (key === 'End') { show(count - 1); }",
        "  else if (key === 'n' || key === 'N') { document.body.classList.toggle('shownotes'); }",
        "  else if ((key === 'f' || key === 'F') && document.documentElement.requestFullscreen) {",
        "    document.documentElement.requestFullscreen(); }",
        "  else { return; }",
        "  event.preventDefault();",
        "});",
        "document.addEventListener('click', function (event) {",
        "  if (event.target.closest('.notes')) { return; }",
        "  show(event.clientX < window.innerWidth / 3 ? current - 1 : current + 1); });",
        "show((parseInt(location.hash.slice(1), 10) || 1) - 1);",
        "</script>", "</body>", "</html>", ""])
