"""Colour masks: RGB masks whose colours stand for classes, turned into class ids by a colour table.

Many annotation tools and data sets (CamVid, Cityscapes' colour images, Pytorch-UNet's carvana
variants, masks painted in an image editor) save masks as RGB pictures: black for the
background, one colour per class. A network needs class ids. A *colour table* lists the colours
in class-id order: colour ``table[k]`` is class ``k``.

* ``palette="auto"`` (``tconv train --mask-colors auto``) makes the table from the colours the
  masks hold, **sorted by (r, g, b)**, so black ``(0, 0, 0)`` is class 0 whenever it occurs and
  the table does not depend on the order in which files are read. The table is stored with the
  run (``config.json``), so evaluation reads new masks with the same ids.
* An explicit table (``--mask-colors "#000000,#ff0000,#00ff00"``, a ``.json`` list, or a ``.txt``
  file with one colour a line) fixes the ids yourself.

More than :data:`MAX_COLOURS` colours usually means the masks were blurred (saved as JPEG once,
resized bilinearly or antialiased when painted): their edges hold mixtures of class colours
that are no class. :func:`find_colours` refuses them with that explanation.

>>> colour_table({(255, 0, 0): 10, (0, 0, 0): 90})
[(0, 0, 0), (255, 0, 0)]
>>> parse_colour_table("#000000, red")
[(0, 0, 0), (255, 0, 0)]
"""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np

__all__ = ["MAX_COLOURS", "find_colours", "colour_table", "parse_colour_table", "describe_colour_table",
           "colour_codes", "hex_list"]

#: The most colours an automatic table takes (a table is one colour per class).
MAX_COLOURS = 64


def colour_codes(rgb: np.ndarray) -> np.ndarray:
    """``r * 65536 + g * 256 + b`` for each pixel of ``rgb (..., 3)`` (uint8), int64.

    >>> colour_codes(np.array([[1, 2, 3]], np.uint8)).tolist()
    [66051]
    """
    rgb = np.asarray(rgb)
    return (rgb[..., 0].astype(np.int64) << 16) | (rgb[..., 1].astype(np.int64) << 8) | rgb[..., 2]


def _rgb(code: int) -> tuple:
    return (code >> 16) & 255, (code >> 8) & 255, code & 255


def find_colours(rgb: np.ndarray, counts: dict | None = None, path="mask", limit: int = MAX_COLOURS) -> dict:
    """Add the pixel count of each colour of ``rgb (H, W, 3)`` to ``counts`` (a dict colour -> pixels).

    Raises ``ValueError`` naming ``path`` when the colours found so far exceed ``limit``.

    >>> find_colours(np.array([[[0, 0, 0], [255, 0, 0]], [[0, 0, 0], [0, 0, 0]]], np.uint8))
    {(0, 0, 0): 3, (255, 0, 0): 1}
    """
    counts = {} if counts is None else counts
    codes, times = np.unique(colour_codes(rgb), return_counts=True)
    for code, n in zip(codes.tolist(), times.tolist()):
        colour = _rgb(code)
        counts[colour] = counts.get(colour, 0) + n
    if len(counts) > limit:
        raise ValueError(f"{path}: the RGB masks hold more than {limit} colours ({len(counts)} so far); a colour "
                         "table has one colour per class. Masks with many colours were usually blurred (saved as "
                         "JPEG, resized bilinearly, or painted with antialiasing): save them again with flat colours "
                         "(nearest-neighbour resizing, PNG)")
    return counts


def colour_table(counts: dict) -> list[tuple]:
    """The automatic colour table: the colours of ``counts`` sorted by ``(r, g, b)`` (black first)."""
    return sorted(colour for colour, n in counts.items() if n)


def parse_colour_table(text) -> list | str:
    """``"auto"``, or a list of ``(r, g, b)`` colours from a comma-separated string or a file.

    A string is colours separated by commas (``"#000000,#ff0000"``, Pillow's names such as
    ``"red"``, or ``"0 0 0"`` triples); a path ending in ``.json`` holds a list of colours
    (strings or ``[r, g, b]`` lists), one ending in ``.txt`` one colour a line. Raises
    ``ValueError`` naming the value and the rule.

    >>> parse_colour_table("auto")
    'auto'
    >>> parse_colour_table("0 0 0, 255 255 255")
    [(0, 0, 0), (255, 255, 255)]
    """
    from PIL import ImageColor

    if not isinstance(text, str):
        raise TypeError(f"a colour table is 'auto', colours separated by commas, or a .json/.txt file; got "
                        f"{type(text).__name__}")
    if text.strip().lower() == "auto":
        return "auto"
    path = Path(text)
    if path.suffix.lower() in (".json", ".txt"):
        if not path.is_file():
            raise ValueError(f"{text}: no such colour-table file")
        if path.suffix.lower() == ".json":
            try:
                entries = json.loads(path.read_text(encoding="utf-8"))
            except (json.JSONDecodeError, UnicodeDecodeError) as error:
                raise ValueError(f"{text}: not valid JSON ({error})") from None
            if not isinstance(entries, list):
                raise ValueError(f"{text}: a JSON colour table is a list of colours, class 0 first")
        else:
            entries = [line.strip() for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    else:
        entries = [part.strip() for part in text.split(",") if part.strip()]
    table = []
    for entry in entries:
        if isinstance(entry, list) or (isinstance(entry, str) and len(entry.split()) == 3):
            values = entry if isinstance(entry, list) else entry.split()
            try:
                colour = tuple(int(v) for v in values)
            except (TypeError, ValueError):
                colour = ()
            if len(colour) != 3 or not all(0 <= v <= 255 for v in colour):
                raise ValueError(f"colour {entry!r} must be three ints 0..255")
        else:
            try:
                colour = tuple(ImageColor.getrgb(str(entry))[:3])
            except ValueError:
                raise ValueError(f"colour {entry!r} is not a colour ('#ff0000', 'red' or '255 0 0')") from None
        if colour in table:
            raise ValueError(f"colour {colour} is listed twice (classes {table.index(colour)} and {len(table)})")
        table.append(colour)
    if len(table) < 2:
        raise ValueError(f"the colour table {text!r} lists {len(table)} colour(s); it needs one per class, at least "
                         "2 (the background and one object)")
    return table


def describe_colour_table(table) -> str:
    """``0 = #000000 (0, 0, 0), 1 = #ff0000 (255, 0, 0)``.

    >>> describe_colour_table([(0, 0, 0), (255, 0, 0)])
    '0 = #000000 (0, 0, 0), 1 = #ff0000 (255, 0, 0)'
    """
    return ", ".join(f"{k} = #{r:02x}{g:02x}{b:02x} ({r}, {g}, {b})" for k, (r, g, b) in enumerate(table))


def hex_list(table) -> str:
    """The table as the ``--mask-colors`` value that fixes it: ``#000000,#ff0000``."""
    return ",".join(f"#{r:02x}{g:02x}{b:02x}" for r, g, b in table)
