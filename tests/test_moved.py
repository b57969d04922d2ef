"""Modules that moved keep working under their old names, with a DeprecationWarning (tconv._moved)."""
from __future__ import annotations

import importlib

import pytest

from tconv._moved import MOVED_MODULES, MOVED_NAMES


@pytest.mark.parametrize("old", sorted(MOVED_MODULES))
def test_every_public_name_of_a_moved_module_is_reachable_with_a_warning(old):
    new, renamed = MOVED_MODULES[old]
    target = importlib.import_module(new)
    alias = importlib.import_module(old)
    names = list(getattr(target, "__all__", ())) + list(renamed)
    assert names, f"{new} has no __all__"
    for name in names:
        with pytest.warns(DeprecationWarning, match=f"{old}.{name} moved to {new}"):
            value = getattr(alias, name)
        assert value is getattr(target, renamed.get(name, name))


@pytest.mark.parametrize("module, name", sorted(MOVED_NAMES))
def test_moved_names_are_reachable_from_their_old_module(module, name):
    old = importlib.import_module(module)
    with pytest.warns(DeprecationWarning, match=f"{module}.{name} moved"):
        value = getattr(old, name)
    assert value is getattr(importlib.import_module(MOVED_NAMES[(module, name)]), name)


def test_an_unknown_name_is_still_an_attribute_error():
    import tconv.kernels

    with pytest.raises(AttributeError):
        tconv.kernels.no_such_name    # noqa: B018
