"""The same arguments give the same bytes, also across processes (each with its own hash seed).

A test inside one process can pass while two runs of the command differ: set and dict orders of
strings change with Python's hash seed, so each run here is a new process with another seed.
"""
from __future__ import annotations

import hashlib
import os
import subprocess
import sys

import pytest

COMMANDS = [
    ["transposed", "--input", "3", "3", "--kernel", "3", "--stride", "2", "--padding", "1", "--animate"],
    ["conv", "--input", "4", "4", "--kernel", "3", "--numbers"],
    ["transposed", "--input", "2", "2", "--kernel", "3", "--stride", "2", "--view", "equivalent", "--animate",
     "--style", "slide,dark"],
]


@pytest.mark.parametrize("argv", COMMANDS, ids=["transposed-gif", "conv-png", "slide-dark-gif"])
def test_a_figure_command_gives_the_same_bytes_in_new_processes(tmp_path, argv):
    suffix = ".gif" if "--animate" in argv else ".png"
    digests = set()
    for seed in ("0", "1", "2"):
        out = tmp_path / f"run{seed}{suffix}"
        env = dict(os.environ, PYTHONHASHSEED=seed)
        done = subprocess.run([sys.executable, "-m", "tconv", "figure", *argv, "--dpi", "40", "-o", str(out)],
                              capture_output=True, text=True, env=env, timeout=300)
        assert done.returncode == 0, done.stderr
        digests.add(hashlib.sha256(out.read_bytes()).hexdigest())
    assert len(digests) == 1, "the same command wrote different files in different processes"
