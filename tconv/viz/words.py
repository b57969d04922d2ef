"""The words that go with a figure: its slide title, its caption, and the speaker notes.

A figure on a slide keeps a short title and its labels; the sentences that a page figure
holds (the size formula with its numbers, the paper's recipe, what each frame shows) move out
of the picture into :attr:`Words.notes`, which the lecture deck shows as speaker notes, and
:attr:`Words.caption` is the sentence the pack's page prints under the figure. Each kind of
figure says its words from the same arguments it draws from (:attr:`FigureKind.words
<tconv.viz.kinds.FigureKind>`), so the words cannot disagree with the picture.
"""
from __future__ import annotations

from dataclasses import dataclass

__all__ = ["Words"]


@dataclass(frozen=True)
class Words:
    """``title`` (one line, the slide's), ``caption`` (one or two sentences), ``notes`` (sentences).

    >>> Words("U-Net", "A U-Net of depth 3.", ("Every bar is a feature map.",)).notes[0]
    'Every bar is a feature map.'
    """

    title: str
    caption: str
    notes: tuple = ()

    def __post_init__(self):
        # Figures keep sizes together with no-break spaces; words for a page or a deck use plain ones.
        for name in ("title", "caption"):
            if isinstance(getattr(self, name), str):
                object.__setattr__(self, name, getattr(self, name).replace("\u00a0", " "))
        if isinstance(self.notes, (tuple, list)):
            object.__setattr__(self, "notes", tuple(n.replace("\u00a0", " ") if isinstance(n, str) else n
                                                    for n in self.notes))
        for name in ("title", "caption"):
            if not isinstance(getattr(self, name), str) or not getattr(self, name).strip():
                raise ValueError(f"Words.{name} must be a non-empty string, got {getattr(self, name)!r}")
        if isinstance(self.notes, str) or not all(isinstance(n, str) for n in self.notes):
            raise TypeError("Words.notes must be a tuple of sentences (strings)")
