"""Modules and names that moved, kept importable under their old names with a ``DeprecationWarning``.

When the operator core became one package (``tconv.methods``) and the operators another
(``tconv.ops``), a few modules moved (and two of paired augmentation were renamed after what
they hold: ``flips`` and ``warps``). Code written for the old layout keeps working: ``import
tconv.fast`` gives a module that forwards every attribute to ``tconv.methods.unfold`` and warns
once per name. The table below is the one place that says what moved where; it goes away in
a later release.

>>> import warnings
>>> with warnings.catch_warnings(record=True) as caught:
...     warnings.simplefilter("always")
...     from tconv.fast import is_pointwise
>>> is_pointwise.__module__, caught[0].category.__name__
('tconv.methods.unfold', 'DeprecationWarning')
"""
from __future__ import annotations

import importlib
import importlib.abc
import importlib.util
import sys
import types
import warnings

__all__ = ["MOVED_MODULES", "MOVED_NAMES", "install"]

#: old module -> (new module, {old attribute: new attribute} for the names that were renamed too).
MOVED_MODULES = {
    "tconv.fast": ("tconv.methods.unfold", {}),
    "tconv.fast_methods": ("tconv.methods.choice", {"method": "fast_method"}),
    "tconv.winograd_batch": ("tconv.methods.winograd", {}),
    "tconv.kernels.batch_split": ("tconv.methods.runtime", {}),
    "tconv.conv": ("tconv.ops.conv", {}),
    "tconv.pool": ("tconv.ops.pool", {}),
    "tconv.resize": ("tconv.ops.resize", {}),
    "tconv.views": ("tconv.explain.five_views", {}),
    "tconv.spelling": ("tconv.translate.spelling", {}),
    "tconv.seg.augment.spatial": ("tconv.seg.augment.flips", {}),
    "tconv.seg.augment.geometric": ("tconv.seg.augment.warps", {}),
}
#: (module, attribute) -> the module that holds it now (the module itself still exists).
MOVED_NAMES = {
    ("tconv.kernels", name): "tconv.methods.runtime"
    for name in ("set_num_threads", "get_num_threads", "set_blas_threads", "get_blas_threads")
}


def _warn(old: str, new: str) -> None:
    warnings.warn(f"{old} moved to {new}; the old name will be removed in a later release", DeprecationWarning,
                  stacklevel=3)


class _Forwarding(types.ModuleType):
    """A module standing for one that moved: every attribute is looked up in the new module."""

    def __init__(self, old: str, new: str, renamed: dict):
        super().__init__(old, f"Moved to {new} (deprecated alias).")
        self.__dict__["_target"] = (new, renamed)

    def __getattr__(self, name: str):
        new, renamed = self.__dict__["_target"]
        if name.startswith("__"):
            raise AttributeError(name)
        module = importlib.import_module(new)
        attribute = renamed.get(name, name)
        value = getattr(module, attribute)
        _warn(f"{self.__name__}.{name}", f"{new}.{attribute}")
        return value

    def __dir__(self):
        return dir(importlib.import_module(self.__dict__["_target"][0]))


class _Finder(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """Finds the old module names of :data:`MOVED_MODULES` and makes their forwarding modules."""

    def find_spec(self, fullname, path=None, target=None):
        if fullname in MOVED_MODULES:
            return importlib.util.spec_from_loader(fullname, self)
        return None

    def create_module(self, spec):
        new, renamed = MOVED_MODULES[spec.name]
        return _Forwarding(spec.name, new, renamed)

    def exec_module(self, module):
        pass


def _module_getattr(module_name: str):
    def __getattr__(name: str):
        new = MOVED_NAMES.get((module_name, name))
        if new is None:
            raise AttributeError(f"module {module_name!r} has no attribute {name!r}")
        _warn(f"{module_name}.{name}", f"{new}.{name}")
        return getattr(importlib.import_module(new), name)
    return __getattr__


def install() -> None:
    """Put the finder on ``sys.meta_path`` and the moved names on their old modules (once)."""
    if not any(isinstance(finder, _Finder) for finder in sys.meta_path):
        sys.meta_path.append(_Finder())
    for module_name in {module for module, _ in MOVED_NAMES}:
        module = importlib.import_module(module_name)
        module.__dict__.setdefault("__getattr__", _module_getattr(module_name))
