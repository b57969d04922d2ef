"""Every tutorial runs as a plain script and its own assertions hold."""
from __future__ import annotations

import runpy
from pathlib import Path

import numpy as np
import pytest

TUTORIALS = sorted((Path(__file__).resolve().parent.parent / "tutorials").glob("*.py"))


def test_there_is_a_tutorial():
    assert TUTORIALS, "tutorials/*.py is empty"


@pytest.mark.parametrize("path", TUTORIALS, ids=[p.stem for p in TUTORIALS])
def test_tutorial_runs(path, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)                              # nothing lands in the repository
    monkeypatch.setenv("MPLBACKEND", "Agg")
    monkeypatch.setenv("TCONV_TUTORIAL_OUTPUT", str(tmp_path))
    with np.printoptions():                                  # a tutorial's print settings stay in it
        namespace = runpy.run_path(str(path), run_name="__main__")   # the tutorial asserts its own values
    figures = [value for name, value in namespace.items() if name.endswith("_path")]
    assert all(Path(f).is_file() for f in figures), figures      # every figure it announced exists
