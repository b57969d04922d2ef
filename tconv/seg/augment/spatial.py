"""Deprecated name of :mod:`tconv.seg.augment.flips`: import from there (or from ``tconv.seg.augment``).

The module was renamed so that its name says what it holds: flips and quarter turns
(``HorizontalFlip``, ``VerticalFlip``, ``DepthFlip``, ``RandomRotate90``), which only permute
pixels. Its names still work from here, with a ``DeprecationWarning``.
"""
from __future__ import annotations

import importlib
import warnings

__all__ = ["HorizontalFlip", "VerticalFlip", "DepthFlip", "RandomRotate90"]


def __getattr__(name: str):
    if name in __all__:
        warnings.warn(f"tconv.seg.augment.spatial is now tconv.seg.augment.flips: import {name} from there",
                      DeprecationWarning, stacklevel=2)
        return getattr(importlib.import_module("tconv.seg.augment.flips"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
