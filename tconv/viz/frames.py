"""Animations as a figure plus a function that draws frame ``i`` into it.

:class:`FrameAnimation` is what the ``animate_*`` functions return. It is deliberately small:
``draw(i)`` draws one frame (so a test, or a lecturer, can look at frame 7 alone),
``n_frames`` says how many there are, :func:`tconv.viz.save` writes them to a GIF (with Pillow)
or an MP4 (with ffmpeg), and ``to_matplotlib()`` hands the same frames to
:class:`matplotlib.animation.FuncAnimation` for anything else matplotlib can do with them. In
a notebook the animation shows itself (as matplotlib's JavaScript player).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

import numpy as np

__all__ = ["FrameAnimation"]


@dataclass
class FrameAnimation:
    """``n_frames`` frames drawn into one ``figure`` by ``draw_frame(i)``.

    ``interval_ms`` is the time each frame stays on screen; ``captions[i]`` says in words what
    frame ``i`` shows (the same words drawn in the frame). ``render(dpi)``, when given, yields
    every frame as an RGBA array faster than drawing them one by one (used to write GIFs).
    ``dpi`` is the resolution :func:`tconv.viz.save` writes it at when none is asked (None:
    100; a slide's animation says 150, its 1920 x 1080).

    >>> from tconv.viz.style import new_figure, styled
    >>> with styled():
    ...     fig = new_figure(2, 1)
    >>> ax = fig.add_axes([0, 0, 1, 1])
    >>> anim = FrameAnimation(fig, lambda i: ax.set_title(f"frame {i}"), 3, captions=["a", "b", "c"])
    >>> anim.n_frames, anim.draw(2) is fig, ax.get_title()
    (3, True, 'frame 2')
    """

    figure: object
    draw_frame: Callable[[int], object]
    n_frames: int
    interval_ms: int = 900
    captions: list = field(default_factory=list)
    render: Callable | None = None
    dpi: float | None = None

    def __post_init__(self):
        if self.n_frames < 1:
            raise ValueError(f"an animation needs at least one frame, got n_frames={self.n_frames}")

    def draw(self, index: int):
        """Draw frame ``index`` (0-based) and return the figure."""
        if not 0 <= index < self.n_frames:
            raise IndexError(f"frame {index} does not exist; this animation has frames 0..{self.n_frames - 1}")
        self.draw_frame(index)
        return self.figure

    def frames_rgb(self, dpi: float = 100):
        """Every frame as an RGB ``uint8`` array ``(height, width, 3)`` at ``dpi``."""
        if self.render is not None:
            from PIL import Image

            for rgba in self.render(dpi):                 # RGBA from the fast renderer: drop alpha in C
                yield np.asarray(Image.fromarray(rgba, "RGBA").convert("RGB"))
            return
        from matplotlib.backends.backend_agg import FigureCanvasAgg

        previous = self.figure.dpi
        self.figure.set_dpi(dpi)
        try:
            canvas = FigureCanvasAgg(self.figure)
            for index in range(self.n_frames):
                self.draw(index)
                canvas.draw()
                yield np.asarray(canvas.buffer_rgba())[..., :3].copy()
        finally:
            self.figure.set_dpi(previous)

    def to_matplotlib(self):
        """The same frames as a :class:`matplotlib.animation.FuncAnimation`."""
        from matplotlib.animation import FuncAnimation

        return FuncAnimation(self.figure, lambda i: self.draw_frame(i), frames=self.n_frames,
                             interval=self.interval_ms, blit=False, repeat=True)

    def _repr_html_(self):
        """Notebook display: matplotlib's JavaScript player (every frame, embedded)."""
        return self.to_matplotlib().to_jshtml()
