"""The benchmark scripts keep working (tiny settings; timings are never asserted)."""
from __future__ import annotations

import importlib.util
import json
import os
from pathlib import Path

import pytest

import tconv

BENCH = Path(__file__).resolve().parent.parent / "benchmarks"


def _load(name):
    spec = importlib.util.spec_from_file_location(name, BENCH / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(autouse=True)
def keep_thread_settings():
    """The scripts set thread counts for the whole process; put them back afterwards."""
    threads, environ = tconv.get_num_threads(), dict(os.environ)
    try:
        import torch
        torch_threads = torch.get_num_threads()
    except ImportError:
        torch = None
    yield
    tconv.set_num_threads(threads)
    os.environ.clear()
    os.environ.update(environ)
    if torch is not None:
        torch.set_num_threads(torch_threads)


def test_conv_benchmark_quick_run_writes_its_results(tmp_path, monkeypatch):
    bench = _load("bench_conv")
    monkeypatch.setattr(bench, "SUITE", [("tiny conv", "conv", 2, 2, 3, (8, 8), 3, 1, 1, 0),
                                          ("tiny convT", "convT", 2, 3, 2, (4, 4), 3, 2, 1, 1)])
    bench.main(["--threads", "1", "--repeats", "1", "--quick", "--out", str(tmp_path)])
    result = json.loads((tmp_path / "results.json").read_text())
    assert [row["layer"] for row in result["rows"]] == ["tiny conv", "tiny convT"]
    assert all(row["fast"][0] > 0 and "loop" in row and "matrix" in row for row in result["rows"])
    assert (tmp_path / "results.png").stat().st_size > 0


def test_train_step_benchmark_runs_and_its_losses_agree(tmp_path):
    bench = _load("bench_train_step")
    bench.main(["--threads", "1", "--steps", "1", "--batch", "2", "--size", "16", "--out", str(tmp_path)])
    result = json.loads((tmp_path / "train_step.json").read_text())
    assert result["tconv_step_ms"] > 0
    assert 0.0 <= result["tconv_overhead_share"] <= 1.0
    if "first_loss" in result:                    # PyTorch installed: the same network, the same loss
        assert abs(result["first_loss"]["tconv"] - result["first_loss"]["torch"]) < 1e-4


@pytest.mark.torch
@pytest.mark.parametrize("mode", [[], ["--eager"]])
def test_recipe_step_benchmark_runs_and_both_frameworks_start_equal(tmp_path, mode):
    bench = _load("bench_recipe_step")
    bench.main(["--threads", "1", "--steps", "2", *mode, "--out", str(tmp_path)])
    result = json.loads((tmp_path / "recipe_step.json").read_text())
    ours, theirs = result["first_losses"]
    assert abs(ours - theirs) < 1e-4 and result["tconv_ms"][1] > 0 and result["torch_ms"][1] > 0
    assert result["tconv_step"] == ("eager" if mode else "planned")


def test_polyphase_benchmark_quick_run_writes_its_results(tmp_path):
    bench = _load("bench_polyphase")
    bench.main(["--threads", "1", "--quick", "--out", str(tmp_path)])
    result = json.loads((tmp_path / "polyphase.json").read_text())
    assert [row["product"] for row in result["rows"]] == list(bench.PRODUCTS)
    assert all(row["unfold_ms"] > 0 and row["polyphase_ms"] > 0 for row in result["rows"])
