"""Rendering many frames fast: draw what they share once, then repaint only what changes.

An animation's frames differ in a few cells (the kernel's window, the output written so far,
the caption). :func:`split_frames` finds the pieces most frames share (the background) and,
for every frame, the boxes that must be repainted; :func:`render_frames` draws the background
once with matplotlib, then per frame clears those boxes, redraws their rectangles with
matplotlib (clipped to the boxes) and pastes their text from a cache of pre-rendered text
images. The result is the full drawing of each frame, up to one-pixel rounding of glyph
positions, at a fraction of the cost (drawing text is matplotlib's slowest step).

The frames are :class:`~tconv.viz.board.Board` objects; the boards made here (the background,
the repaint layers) are empty copies of the first frame (``_empty``), so this module needs no
import of the board module, which imports it (:func:`~tconv.viz.board.board_figure`).
"""
from __future__ import annotations

import dataclasses

import numpy as np

from .style import FONT

__all__ = ["split_frames", "render_frames", "TextSprites"]


def _empty(like: "Board") -> "Board":
    """A board with no pieces and ``like``'s cell size."""
    return dataclasses.replace(like, rects=[], texts=[])


def _keyed(board: "Board") -> dict:
    """Every rectangle and text of ``board`` under a hashable key (equal pieces, equal keys)."""
    items = {}
    for kind, pieces in (("rect", board.rects), ("text", board.texts)):
        for piece in pieces:
            # Board.rect / Board.text always fill the same keys in the same order: the values suffice.
            items[(kind,) + tuple(piece.values())] = (kind, piece)
    return items


def _box(board: "Board", kind: str, piece: dict):
    if kind == "rect":
        pad = 0.08
        return piece["x"] - pad, piece["y"] - pad, piece["x"] + piece["w"] + pad, piece["y"] + piece["h"] + pad
    x0, y0, x1, y1 = board.text_box(piece)
    return x0 - 0.1, y0 - 0.1, x1 + 0.1, y1 + 0.1


def _merge(boxes) -> list:
    """Union boxes until none overlap (so that no region is redrawn twice)."""
    boxes = [list(b) for b in boxes]
    merged = True
    while merged:
        merged = False
        out = []
        for box in boxes:
            for other in out:
                if box[0] < other[2] and box[2] > other[0] and box[1] < other[3] and box[3] > other[1]:
                    other[:] = [min(box[0], other[0]), min(box[1], other[1]), max(box[2], other[2]),
                                max(box[3], other[3])]
                    merged = True
                    break
            else:
                out.append(box)
        boxes = out
    return [tuple(b) for b in boxes]


def split_frames(frames):
    """A background (the pieces most frames share) and, per frame, the boxes to repaint.

    Returns ``(background, repaints)``; ``repaints[i]`` is a list of ``(box, board)``: clear
    ``box`` and draw ``board`` (frame ``i``'s pieces that touch it) clipped to it. The boxes
    cover every piece frame ``i`` adds to the background or drops from it, and do not overlap,
    so the result is the full drawing of frame ``i``.

    >>> from tconv.viz.board import Board
    >>> frames = [Board(), Board(), Board()]
    >>> for n, board in enumerate(frames):
    ...     board.text(0, 0, "title"); board.text(0, 5, f"frame {n}")
    >>> background, repaints = split_frames(frames)
    >>> [t["s"] for t in background.texts], [[t["s"] for _, b in r for t in b.texts] for r in repaints]
    (['title'], [['frame 0'], ['frame 1'], ['frame 2']])
    """
    keyed = [_keyed(b) for b in frames]
    counts: dict = {}
    order: dict = {}
    for items in keyed:
        for key, value in items.items():
            counts[key] = counts.get(key, 0) + 1
            order.setdefault(key, (len(order), value))
    common = {key for key, n in counts.items() if 2 * n > len(frames)}
    background = _empty(frames[0])
    for key in sorted(common, key=lambda k: (order[k][1][1]["z"], order[k][0])):
        kind, piece = order[key][1]
        (background.rects if kind == "rect" else background.texts).append(piece)
    boxes = {key: _box(frames[0], *value) for key, (_, value) in order.items()}
    repaints = []
    for items in keyed:
        # In first-seen order, never a set's: the boxes' order decides which of two equal-z rectangles
        # is drawn last, so a set's hash order made the same command give other pixels run to run.
        damaged = [boxes[key] for key in order if key in common and key not in items]
        damaged += [boxes[key] for key in items if key not in common]
        merged = _merge(damaged)
        pieces = sorted(items, key=lambda k: (order[k][1][1]["z"], order[k][0]))
        corners = np.array([boxes[key] for key in pieces], dtype=float).reshape(-1, 4)
        frame_repaints = []
        for box in merged:
            touch = (corners[:, 0] < box[2]) & (corners[:, 2] > box[0]) & (corners[:, 1] < box[3]) & \
                (corners[:, 3] > box[1])
            layer = _empty(frames[0])
            for n in np.flatnonzero(touch):
                kind, piece = order[pieces[n]][1]
                (layer.rects if kind == "rect" else layer.texts).append(piece)
            frame_repaints.append((box, layer))
        repaints.append(frame_repaints)
    return background, repaints




class TextSprites:
    """Each distinct text (string, size, weight, colour, alignment) rendered once by Agg at ``dpi``.

    :meth:`paste` composites a text into an RGB image at an anchor pixel, clipped to a box.

    >>> image = np.full((40, 80, 3), 255, np.uint8)
    >>> text = dict(s="12", size=10, weight="normal", colour="black", ha="center", va="center")
    >>> TextSprites(100).paste(image, text, 40, 20, (0, 0, 80, 40))
    >>> int(image.min()) < 100, int(image[:, :20].min())     # dark glyphs near the anchor, white elsewhere
    (True, 255)
    """

    def __init__(self, dpi: float):
        self.dpi = dpi
        self._cache: dict = {}
        self._figure = self._renderer = None

    def _canvas(self, width_px: int, height_px: int):
        """A transparent Agg renderer at least this large (made once, grown when needed)."""
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure

        if self._renderer is None or self._renderer.width < width_px or self._renderer.height < height_px:
            w = max(width_px, self._renderer.width if self._renderer else 0, 400)
            h = max(height_px, self._renderer.height if self._renderer else 0, 100)
            self._figure = Figure(figsize=(w / self.dpi, h / self.dpi), dpi=self.dpi)
            self._renderer = FigureCanvasAgg(self._figure).get_renderer()
        return self._figure, self._renderer

    def _sprite(self, t: dict):
        key = (t["s"], t["size"], t["weight"], t["colour"], t["ha"], t["va"])
        if key not in self._cache:
            from matplotlib.text import Text
            from matplotlib.transforms import IdentityTransform

            from .style import text_size

            width, height = text_size(t["s"], t["size"], t["weight"])
            # Hinting makes rendered text a little wider or narrower than measured: draw with a wide
            # margin, then keep only the pixels that have ink.
            pad = 8 + int(0.15 * width * self.dpi)
            w_px = int(np.ceil(width * self.dpi)) + 2 * pad
            h_px = int(np.ceil(height * self.dpi)) + 2 * pad
            figure, renderer = self._canvas(w_px, h_px)
            ax_x = {"left": pad, "center": w_px / 2, "right": w_px - pad}[t["ha"]]
            ax_y = {"top": pad, "center": h_px / 2, "bottom": h_px - pad}[t["va"]]   # from the top
            renderer.clear()
            text = Text(ax_x, renderer.height - ax_y, t["s"], fontsize=t["size"], fontweight=t["weight"],
                        color=t["colour"], ha=t["ha"], va=t["va"], fontfamily=FONT, transform=IdentityTransform())
            text.set_figure(figure)
            text.draw(renderer)
            rgba = np.asarray(renderer.buffer_rgba())[:h_px, :w_px]
            rows, cols = np.nonzero(rgba[..., 3])
            if rows.size == 0:                           # only spaces: nothing to paste
                rgba, top, left = np.zeros((1, 1, 4), np.uint8), 0, 0
            else:
                top, left = rows.min(), cols.min()
                rgba = rgba[top:rows.max() + 1, left:cols.max() + 1]
            self._cache[key] = (rgba.astype(np.float32) / 255.0, ax_x - left, ax_y - top)
        return self._cache[key]

    def paste(self, image: np.ndarray, t: dict, x: float, y: float, clip) -> None:
        """Composite text ``t`` into ``image`` (RGB or RGBA ``uint8``, rows from the top) at pixel ``(x, y)``."""
        rgba, ax_x, ax_y = self._sprite(t)
        left, top = int(round(x - ax_x)), int(round(y - ax_y))
        c0, r0, c1, r1 = clip
        h, w = rgba.shape[:2]
        r_start, r_stop = max(top, r0, 0), min(top + h, r1, image.shape[0])
        c_start, c_stop = max(left, c0, 0), min(left + w, c1, image.shape[1])
        if r_start >= r_stop or c_start >= c_stop:
            return
        piece = rgba[r_start - top:r_stop - top, c_start - left:c_stop - left]
        alpha = piece[..., 3:4]
        region = image[r_start:r_stop, c_start:c_stop, :3]
        blended = alpha * piece[..., :3] + (1 - alpha) * (region / np.float32(255))
        region[...] = np.round(blended * 255).astype(np.uint8)


def render_frames(frames, figure, ax, clear, dpi: float):
    """Yield every frame of ``frames`` (boards sharing ``ax``'s limits) as RGBA ``uint8`` arrays (alpha 255).

    ``clear()`` resets ``ax`` (limits, no axis); :func:`~tconv.viz.board.board_figure` calls this
    as its ``render(dpi)``, which is the place to use it.
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.collections import PatchCollection
    from matplotlib.patches import Rectangle
    from matplotlib.path import Path

    background, repaints = split_frames(frames)
    ground = figure.get_facecolor()
    if ground[3] < 1:
        raise ValueError("an animation needs a ground: a GIF or MP4 frame has no partial transparency (draw it "
                         "without 'transparent', or save a still as PNG)")
    figure.set_dpi(dpi)
    canvas = FigureCanvasAgg(figure)
    clear()
    background.draw(ax, texts=False)
    canvas.draw()
    height = int(round(figure.bbox.height))
    sprites = TextSprites(dpi)
    whole = np.asarray(canvas.buffer_rgba())          # the canvas's own pixels: paste the shared text into it
    for t in background.texts:
        px, py = ax.transData.transform((t["x"], t["y"]))
        sprites.paste(whole, t, px, height - py, (0, 0, whole.shape[1], whole.shape[0]))
    saved = canvas.copy_from_bbox(figure.bbox)

    def pixel(x, y):
        px, py = ax.transData.transform((x, y))
        return px, height - py

    for frame_repaints in repaints:
        canvas.restore_region(saved)
        if frame_repaints:
            # One pass for all of this frame's boxes: clear them, then redraw their rectangles,
            # clipped to the union of the boxes (they do not overlap).
            boxes = [box for box, _ in frame_repaints]
            clip = Path.make_compound_path(*[Path([(x0, y0), (x1, y0), (x1, y1), (x0, y1), (x0, y0)], closed=True)
                                             for x0, y0, x1, y1 in boxes])
            layer = _empty(frames[0])
            seen = set()
            for _, part in frame_repaints:
                for r in part.rects:
                    if id(r) not in seen:
                        seen.add(id(r))
                        layer.rects.append(r)
            layer.rects.sort(key=lambda r: r["z"])
            blank = PatchCollection([Rectangle((x0, y0), x1 - x0, y1 - y0) for x0, y0, x1, y1 in boxes],
                                    facecolors=[ground], edgecolors="none", zorder=-1)
            for artist in [ax.add_artist(blank)] + layer.draw(ax, texts=False):
                artist.set_clip_path(clip, ax.transData)
                ax.draw_artist(artist)
                artist.remove()
        image = np.array(canvas.buffer_rgba())       # RGBA, contiguous (a fast copy); alpha stays 255
        for (bx0, by0, bx1, by1), layer in frame_repaints:
            (c0, r0), (c1, r1) = pixel(bx0, by0), pixel(bx1, by1)
            box = (int(round(min(c0, c1))), int(round(min(r0, r1))), int(round(max(c0, c1))),
                   int(round(max(r0, r1))))
            for t in layer.texts:
                sprites.paste(image, t, *pixel(t["x"], t["y"]), box)
        yield image
