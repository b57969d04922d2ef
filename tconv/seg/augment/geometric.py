"""Deprecated name of :mod:`tconv.seg.augment.warps`: import from there (or from ``tconv.seg.augment``).

The module was renamed so that its name says what it holds: warps (``Affine``,
``ElasticTransform``), which move pixels by fractions of a pixel and resample. Its names still
work from here, with a ``DeprecationWarning``.
"""
from __future__ import annotations

import importlib
import warnings

__all__ = ["Affine", "ElasticTransform", "affine_matrix"]


def __getattr__(name: str):
    if name in __all__:
        warnings.warn(f"tconv.seg.augment.geometric is now tconv.seg.augment.warps: import {name} from there",
                      DeprecationWarning, stacklevel=2)
        return getattr(importlib.import_module("tconv.seg.augment.warps"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
