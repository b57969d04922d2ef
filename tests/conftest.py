"""Test configuration: Hypothesis profiles, the ``torch`` marker and the ``method`` parameter.

Profiles (``HYPOTHESIS_PROFILE=<name>`` picks one explicitly):

* ``dev`` (default): about 100 examples per property, no deadline (Numba compiles on first use);
* ``ci`` (default when ``CI`` is set): fewer examples, derandomized, failure blobs printed.

Tests marked ``@pytest.mark.torch`` compare against PyTorch and are skipped when torch
cannot be imported. A test taking a ``method`` argument runs once per name in
``tconv.available_methods()``, so a method registered later is covered automatically.
"""
from __future__ import annotations

import importlib
import os
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

# Make ``import strategies`` work whatever the rootdir / import mode.
sys.path.insert(0, str(Path(__file__).parent))

import tconv  # noqa: E402

settings.register_profile("dev", deadline=None, max_examples=100,
                          suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("ci", deadline=None, max_examples=40, derandomize=True, print_blob=True,
                          suppress_health_check=[HealthCheck.too_slow])
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE") or ("ci" if os.environ.get("CI") else "dev"))


def _torch_available() -> bool:
    try:
        importlib.import_module("torch")
    except Exception:  # ImportError, or a broken install (e.g. missing shared library)
        return False
    return True


_TORCH: dict[str, bool] = {}


def pytest_runtest_setup(item):
    if item.get_closest_marker("torch") is not None:
        if "ok" not in _TORCH:
            _TORCH["ok"] = _torch_available()
        if not _TORCH["ok"]:
            pytest.skip("torch is not installed (the PyTorch oracle tests are optional)")


def _parametrizes(metafunc, name: str) -> bool:
    for mark in metafunc.definition.iter_markers("parametrize"):
        names = mark.args[0]
        if isinstance(names, str):
            names = [n.strip() for n in names.split(",")]
        if name in names:
            return True
    return False


def pytest_generate_tests(metafunc):
    # A test that parametrizes ``method`` itself (e.g. to mark one method xfail) is left alone.
    if "method" in metafunc.fixturenames and not _parametrizes(metafunc, "method"):
        metafunc.parametrize("method", tconv.available_methods())


@pytest.fixture
def restore_default_method():
    """Put the default method back after a test that changes it."""
    previous = tconv.get_default_method()
    yield previous
    tconv.set_default_method(previous)
