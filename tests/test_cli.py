"""The ``tconv`` command: ``main([...])`` with captured output, and ``python -m tconv``."""
from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest
from hypothesis import given
from test_translate import geometries  # tests/ is on sys.path (conftest.py)

from tconv.cli import main
from tconv.explain import count_nonzeros, operator_matrix


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_default_is_the_lecture_notes_example(capsys):
    code, out, err = run(capsys, "explain")
    assert code == 0 and err == ""
    # M, K, the 4x16 matrix C (row 0, and row 3 = row 0 shifted by 5), conv and transposed conv.
    assert "[[4 5 8 7]" in out and "[[1 4 1]" in out
    assert "[[1 4 1 0 1 4 3 0 3 3 1 0 0 0 0 0]" in out
    assert " [0 0 0 0 0 1 4 1 0 1 4 3 0 3 3 1]]" in out
    assert "[[122 148]\n [126 134]]" in out
    assert "[[ 2  9  6  1]\n [ 6 29 30  7]\n [10 29 33 13]\n [12 24 16  4]]" in out
    assert "o = floor((4 + 2*0 - 3) / 1) + 1 = 2" in out
    assert "shape 4 x 16, nnz 36" in out
    assert "nn.Conv2d(1, 1, kernel_size=3)" in out
    # Both checks ran, over every registered method, and passed.
    assert "FAIL" not in out and out.count("views agree") == 2
    assert "reference.conv_transpose_zero_insertion" in out and "adjoint" in out


def test_transposed_geometry(capsys):
    code, out, _ = run(capsys, "explain", "--input", "4", "4", "--kernel", "3", "--stride", "2",
                       "--padding", "1", "--output-padding", "1", "--transposed", "--channels", "2", "3")
    assert code == 0
    assert "o' = (4 - 1)*2 - 2*1 + 3 + 1 = 8" in out
    assert "Valid output_size: 7..8 x 7..8" in out
    # The paper's equivalent conv: 1 zero between pixels, pad k̂-1-p = 1 before, k̂-1-p+a = 2 after.
    assert "4 x 4 -> 7 x 7" in out and "= 1 before and k̂-1-p_after+a = 2 after" in out
    assert "nn.ConvTranspose2d(2, 3, kernel_size=3, stride=2, padding=1, output_padding=1)" in out
    assert "shape 192 x 32" in out                  # (3 * 8 * 8) x (2 * 4 * 4)
    assert "Check on random" not in out             # no --check, no table


def test_small_matrix_is_printed_densely(capsys):
    code, out, _ = run(capsys, "explain", "--input", "3", "--kernel", "2", "--transposed")
    assert code == 0
    assert "numbered 1..2" in out
    assert "  1 . .\n  2 1 .\n  . 2 1\n  . . 2" in out   # M[j, m] = w[j - m]: each column is K, shifted


def test_keras_same(capsys):
    code, out, _ = run(capsys, "explain", "--input", "4", "4", "--kernel", "3", "--stride", "2",
                       "--keras", "same", "--check")
    assert code == 0
    assert "keras.layers.Conv2DTranspose(filters, kernel_size=3, strides=2, padding='same')" in out
    assert "tconv.conv_transpose2d(x, w, stride=2, padding=((0, 1), (0, 1)))" in out
    assert "padding=1, output_padding=1" in out and "NOT the same values" in out
    assert "shifted by one pixel" in out
    assert "o' = (4 - 1)*2 - (0 + 1) + 3 + 0 = 8" in out
    assert "FAIL" not in out and "views agree" in out


def test_keras_even_kernel_at_stride_1(capsys):
    code, out, _ = run(capsys, "explain", "--input", "5", "--kernel", "2", "--keras", "same")
    assert code == 0
    assert "PyTorch: no padding/output_padding gives this" in out


@pytest.mark.parametrize("argv", [
    ["explain", "--input", "4", "4", "--kernel", "3", "--check"],
    ["explain", "--input", "5", "6", "--kernel", "3", "2", "--stride", "2", "1", "--padding", "0,1", "1",
     "--dilation", "1", "2", "--channels", "4", "6", "--groups", "2", "--check"],
    ["explain", "--input", "3", "--kernel", "2", "--dilation", "2", "--output-padding", "1", "--transposed",
     "--check"],
    ["explain", "--input", "2", "3", "2", "--kernel", "2", "--stride", "2", "--output-size", "5", "6", "5",
     "--transposed", "--check"],
    ["explain", "--input", "6", "--kernel", "4", "--padding", "same", "--check"],
])
def test_check_passes(capsys, argv):
    code, out, _ = run(capsys, *argv)
    assert code == 0, out
    assert "PASS" in out and "FAIL" not in out and "views agree" in out


@pytest.mark.parametrize("argv, fragment", [
    (["explain", "--bogus"], "unrecognized arguments: --bogus"),
    (["explain", "--input", "4", "--kernel", "3", "--stride", "0"], "stride"),
    (["explain", "--input", "4", "--kernel", "x"], "--kernel"),
    (["explain", "--input", "3", "--kernel", "5"], "--kernel (5,)"),
    (["explain", "--input", "4", "--kernel", "3", "--padding", "wide"], "--padding"),
    (["explain", "--input", "4", "--kernel", "3", "--output-padding", "1"], "--transposed"),
    (["explain", "--input", "4", "--kernel", "3", "--transposed", "--stride", "2", "--output-padding", "2"],
     "--output-padding (2,)"),
    (["explain", "--input", "4", "--kernel", "3", "--transposed", "--stride", "2", "--output-size", "20"],
     "valid sizes range"),
    (["explain", "--input", "4", "4", "--kernel", "3", "3", "3"], "--kernel has 3 values"),
    (["explain", "--input", "4", "--kernel", "3", "--channels", "3", "4", "--groups", "2"], "--groups"),
    (["explain", "--input", "4", "--kernel", "3", "--keras", "same", "--padding", "1"], "--keras"),
    (["explain", "--input", "4", "--kernel", "3", "--keras", "same", "--stride", "2", "--dilation", "2"],
     "dilation"),
    (["explain", "--stride", "2"], "--input"),
    (["explain", "--keras", "full"], "--keras"),
    (["bogus"], "invalid choice"),
    ([], "choose a command"),
])
def test_usage_errors_are_one_line(capsys, argv, fragment):
    code, out, err = run(capsys, *argv)
    assert code == 2
    assert out == ""
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith(("tconv explain: error: ", "tconv: error: "))
    assert fragment in lines[0]
    assert "Traceback" not in err


def test_help_explains_every_flag(capsys):
    code, out, _ = run(capsys, "explain", "--help")
    assert code == 0
    out = " ".join(out.split())   # argparse wraps to the terminal width
    for flag in ("--input", "--kernel", "--stride", "--padding", "--dilation", "--output-padding",
                 "--output-size", "--channels", "--groups", "--transposed", "--keras", "--check", "--seed"):
        assert flag in out
    assert "examples:" in out and "e.g. --input 4 4" in out


def test_top_level_help_and_version(capsys):
    code, out, _ = run(capsys, "--help")
    assert code == 0 and "explain" in out
    code, out, _ = run(capsys, "--version")
    assert code == 0 and out.startswith("tconv ")


def test_python_dash_m(tmp_path):
    done = subprocess.run([sys.executable, "-m", "tconv", "explain", "--input", "4", "--kernel", "3"],
                          capture_output=True, text=True, cwd=tmp_path, timeout=300)
    assert done.returncode == 0, done.stderr
    assert "o = floor((4 + 2*0 - 3) / 1) + 1 = 2" in done.stdout


def test_a_failing_view_gives_exit_code_1(capsys, monkeypatch):
    import tconv.reference

    def off_by_one(*args, **kwargs):
        return tconv.reference.conv_transpose_scatter(*args, **kwargs) + 1.0

    monkeypatch.setattr(tconv.reference, "conv_transpose_zero_insertion", off_by_one)
    code, out, _ = run(capsys, "explain", "--input", "4", "--kernel", "3", "--check")
    assert code == 1
    assert "reference.conv_transpose_zero_insertion" in out and "FAIL" in out and "disagree" in out


@given(geometries())
def test_counted_nonzeros_match_the_matrix(case):
    g, c_in, c_out, groups, _ = case
    shape = (c_in, c_out // groups) if g.transposed else (c_out, c_in // groups)
    matrix = operator_matrix(np.ones(shape + g.kernel_size), g, c_in, groups)
    assert matrix.nnz == count_nonzeros(g, c_in, c_out, groups)
    image, feature = (c_out, c_in) if g.transposed else (c_in, c_out)
    big, small = image * int(np.prod(g.image_size)), feature * int(np.prod(g.feature_size))
    assert matrix.shape == ((big, small) if g.transposed else (small, big))


def test_huge_geometry_is_counted_not_built(capsys):
    code, out, _ = run(capsys, "explain", "--input", "256", "256", "--kernel", "3", "--padding", "1",
                       "--channels", "64", "64")
    assert code == 0 and "nnz 2403352576" in out and "not built" in out
    code, _, err = run(capsys, "explain", "--input", "256", "256", "--kernel", "3", "--padding", "1",
                       "--channels", "64", "64", "--check")
    assert code == 2 and "--check" in err and len(err.strip().splitlines()) == 1


# --------------------------------------------------------------------------- the command line as a package


def _tconv(*argv, env=None, timeout=120):
    """Run ``python -m tconv ARGV`` in a fresh process (stdout/stderr as bytes)."""
    import os

    return subprocess.run([sys.executable, "-m", "tconv", *argv], capture_output=True, timeout=timeout,
                          env={**os.environ, **(env or {})})


def test_every_command_is_a_module_with_the_same_interface():
    import importlib

    from tconv.cli import COMMANDS

    for name, module_name in COMMANDS.items():
        module = importlib.import_module(f"tconv.cli.{module_name}")
        for attribute in ("HELP", "DESCRIPTION", "EXAMPLES", "add_arguments", "run"):
            assert hasattr(module, attribute), (name, attribute)


def test_help_does_not_load_the_heavy_libraries():
    code = ("import sys; from tconv.cli import main; main(['--help']); "
            "print(sorted(m for m in ('numba', 'matplotlib', 'scipy', 'PIL', 'tqdm') if m in sys.modules))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.stdout.strip().splitlines()[-1] == "[]"


def test_a_closed_pipe_ends_quietly():
    done = subprocess.run(f"{sys.executable} -m tconv explain | head -1", shell=True, capture_output=True,
                          text=True, timeout=120)
    assert done.stdout.startswith("The lecture notes' example")
    assert "Traceback" not in done.stderr and "BrokenPipe" not in done.stderr


def test_a_terminal_without_unicode_gets_ascii():
    done = _tconv("explain", "--input", "4", "--kernel", "3", "--stride", "2", "--transposed",
                  env={"PYTHONIOENCODING": "cp1252"})
    assert done.returncode == 0, done.stderr
    text = done.stdout.decode("cp1252")
    assert "k^ = d*(k - 1) + 1" in text and "k̂" not in text
    done = _tconv("explain", env={"PYTHONIOENCODING": "ascii"})
    assert done.returncode == 0 and b"Traceback" not in done.stderr


def test_a_billion_pixels_are_counted_in_closed_form():
    done = _tconv("explain", "--input", "1000000000", "--kernel", "3", timeout=60)
    assert done.returncode == 0, done.stderr
    assert b"nnz 2999999994" in done.stdout and b"sparsity 99.9999997%" in done.stdout


@pytest.mark.parametrize("argv, fragment", [
    (["--input", str(10**30), "--kernel", "3"], "--input"),
    (["--input", "470", "470", "--kernel", "3", "--check"], "reference loops"),
    (["--input", "5000000", "--kernel", "5000000", "--padding", "full"], "too large"),
])
def test_sizes_that_cannot_be_shown_are_refused_in_one_line(capsys, argv, fragment):
    code, out, err = run(capsys, "explain", *argv)
    assert code == 2 and out == ""
    assert len(err.strip().splitlines()) == 1 and fragment in err


def test_asymmetric_padding_is_printed_as_the_flag_reads(capsys):
    code, out, _ = run(capsys, "explain", "--input", "4", "--kernel", "3", "--padding", "0,1")
    assert code == 0
    assert "padding 0,1 (before,after)" in out and "((0, 1),)" not in out.splitlines()[0]


def test_keras_note_spells_the_exact_call(capsys):
    code, out, _ = run(capsys, "explain", "--input", "4", "4", "--kernel", "3", "--stride", "2", "--keras", "same")
    assert code == 0
    assert "(tconv_call)" not in out
    assert "exact alternatives: tconv.conv_transpose2d(x, w, stride=2, padding=((0, 1), (0, 1)))" in out


def test_sparsity_is_never_rounded_to_100_percent(capsys):
    code, out, _ = run(capsys, "explain", "--input", "300", "300", "--kernel", "3", "--channels", "1", "8")
    assert code == 0
    line = next(row for row in out.splitlines() if "sparsity" in row)
    assert "sparsity 100%" not in line and "density 0%" not in line


@pytest.mark.parametrize("argv, fragment", [
    (["--input", "64", "64", "--kernel", "3", "--padding", "1", "--channels", "16", "16"], "Winograd F(4x4, 3x3)"),
    (["--input", "64", "64", "--kernel", "3", "--stride", "2", "--padding", "1", "--channels", "16", "16"],
     "unfold + GEMM"),
    (["--input", "8", "8", "--kernel", "2", "--stride", "2", "--transposed"], "kernel == stride"),
])
def test_explain_says_which_factorization_runs(capsys, argv, fragment):
    code, out, _ = run(capsys, "explain", *argv)
    assert code == 0
    section = out[out.index("How tconv computes it"):]
    assert fragment in section.splitlines()[1]
