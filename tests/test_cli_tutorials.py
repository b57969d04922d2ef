"""``tconv tutorials``: every student and solved copy is written, right, and never over a file.

The student copies' blanks are run against their graders in tests/test_tutorials.py (after each
solved tutorial, in the same session); here one whole student script also runs as a student
would run it, in a fresh process.
"""
from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tconv.cli import main
from tconv.exercises import EXERCISES, load_all
from tconv.exercises.copies import has_jupytext
from tconv.exercises.marking import exercise_ids

ROOT = Path(__file__).resolve().parent.parent
TUTORIALS = sorted((ROOT / "tutorials").glob("[0-9][0-9]_*.py"))
load_all()


@pytest.fixture(scope="module")
def copies(tmp_path_factory):
    folder = tmp_path_factory.mktemp("copies")
    formats = ["py", "ipynb"] if has_jupytext() else ["py"]
    assert main(["tutorials", "--student", str(folder / "student"), "--solved", str(folder / "solved"),
                 "--source", str(ROOT / "tutorials"), "--format", *formats]) == 0
    return folder


def test_every_copy_is_written(copies):
    for kind in ("student", "solved"):
        names = sorted(p.name for p in (copies / kind).iterdir())
        expected = sorted(f"{p.stem}.{fmt}" for p in TUTORIALS
                          for fmt in (("py", "ipynb") if has_jupytext() else ("py",)))
        assert names == expected, kind


@pytest.mark.parametrize("path", TUTORIALS, ids=[p.stem for p in TUTORIALS])
def test_student_script_has_blanks_and_graders(copies, path):
    student = (copies / "student" / path.name).read_text(encoding="utf-8")
    compile(student, path.name, "exec")
    assert "SOLUTION" not in student and "# STUDENT:" not in student and "Student copy" in student
    for exercise_id in exercise_ids(path.read_text(encoding="utf-8")):
        assert re.search(rf'check\("{re.escape(exercise_id)}", ', student), exercise_id
    solved = (copies / "solved" / path.name).read_text(encoding="utf-8")
    assert "SOLUTION" not in solved and "# STUDENT:" not in solved
    compile(solved, path.name, "exec")


@pytest.mark.skipif(not has_jupytext(), reason="notebooks need jupytext (the docs and tutorials extras)")
@pytest.mark.parametrize("path", TUTORIALS, ids=[p.stem for p in TUTORIALS])
def test_notebooks_tag_exercises_and_collapse_solutions(copies, path):
    import nbformat

    ids = exercise_ids(path.read_text(encoding="utf-8"))
    student = nbformat.read(copies / "student" / f"{path.stem}.ipynb", as_version=4)
    solved = nbformat.read(copies / "solved" / f"{path.stem}.ipynb", as_version=4)
    nbformat.validate(student)
    nbformat.validate(solved)
    exercise_cells = [c for c in student.cells if "exercise" in c.metadata.get("tags", [])]
    solution_cells = [c for c in solved.cells if "solution" in c.metadata.get("tags", [])]
    assert len(exercise_cells) >= len(ids) and len(solution_cells) >= len(ids)
    assert all(c.metadata["jupyter"]["source_hidden"] for c in solution_cells)
    assert all("check(" not in c.source for c in solution_cells)           # the check stays visible
    assert "%matplotlib inline" in student.cells[2].source                 # jupytext made the magic
    assert "formats" not in student.metadata.get("jupytext", {})           # saving writes no .py beside it
    assert student.metadata["kernelspec"]["name"] == "python3"
    text = json.dumps(student.cells and [c.source for c in student.cells])
    assert "BEGIN SOLUTION" not in text and "BEGIN SOLUTION" not in json.dumps([c.source for c in solved.cells])


def test_a_student_script_runs_and_reports_no_answer(copies, tmp_path):
    """What a student sees who runs the untouched copy: every check says 'no answer yet', no error."""
    script = copies / "student" / "04_convolution_arithmetic.py"
    env = dict(os.environ, MPLBACKEND="Agg", TCONV_TUTORIAL_OUTPUT=str(tmp_path), TCONV_QUICK="1",
               PYTHONPATH=os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])))
    env.pop("TCONV_EXERCISES", None)
    done = subprocess.run([sys.executable, str(script)], cwd=tmp_path, env=env, capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    verdicts = re.findall(r"^Exercise (04\.\d): (.*?)\.", done.stdout, re.M)
    assert verdicts == [(e, "no answer yet") for e in ("04.1", "04.2", "04.3")]


def test_listing_names_every_exercise(capsys):
    assert main(["tutorials", "--source", str(ROOT / "tutorials")]) == 0
    out = capsys.readouterr().out
    for exercise_id, spec in EXERCISES.items():
        assert f"{exercise_id}  {spec.title}" in out


def test_existing_files_are_never_replaced_without_overwrite(tmp_path, capsys):
    target = tmp_path / "mine"
    assert main(["tutorials", "--student", str(target), "--only", "1", "--format", "py",
                 "--source", str(ROOT / "tutorials")]) == 0
    copy = target / TUTORIALS[0].name
    copy.write_text("my answers", encoding="utf-8")
    capsys.readouterr()
    assert main(["tutorials", "--student", str(target), "--only", "1", "--format", "py",
                 "--source", str(ROOT / "tutorials")]) == 2
    assert "exists" in capsys.readouterr().err and copy.read_text(encoding="utf-8") == "my answers"
    assert main(["tutorials", "--student", str(target), "--only", "1", "--format", "py", "--overwrite",
                 "--source", str(ROOT / "tutorials")]) == 0
    assert "Student copy" in copy.read_text(encoding="utf-8")


@pytest.mark.parametrize("argv, fragment", [
    (["--student", str(ROOT / "tutorials")], "the tutorials' own folder"),
    (["--student", "same", "--solved", "same"], "name the same folder"),
    (["--only", "99"], "no such tutorial"),
    (["--overwrite"], "go with --student DIR"),
    (["--student", "x", "--format", "pdf"], "invalid choice"),
])
def test_usage_errors(argv, fragment, capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert main(["tutorials", "--source", str(ROOT / "tutorials"), *argv]) == 2
    err = capsys.readouterr().err
    assert err.startswith("tconv tutorials: error:") and fragment in err and "Traceback" not in err


def test_a_file_in_place_of_the_folder_is_refused(tmp_path, capsys):
    (tmp_path / "taken").write_text("", encoding="utf-8")
    assert main(["tutorials", "--student", str(tmp_path / "taken"), "--source", str(ROOT / "tutorials")]) == 2
    assert "a file of that name exists" in capsys.readouterr().err


def test_without_jupytext_the_scripts_are_written_and_it_says_so(tmp_path, capsys, monkeypatch):
    import tconv.exercises.copies as copies_module

    monkeypatch.setattr(copies_module, "has_jupytext", lambda: False)
    assert main(["tutorials", "--student", str(tmp_path / "s"), "--only", "2",
                 "--source", str(ROOT / "tutorials")]) == 0
    assert sorted(p.suffix for p in (tmp_path / "s").iterdir()) == [".py"]
    assert "jupytext is not installed" in capsys.readouterr().err
    assert main(["tutorials", "--student", str(tmp_path / "t"), "--format", "ipynb",
                 "--source", str(ROOT / "tutorials")]) == 2
    assert "needs jupytext" in capsys.readouterr().err


def test_a_folder_without_tutorials_is_refused(tmp_path, capsys):
    assert main(["tutorials", "--source", str(tmp_path)]) == 2
    assert "no tutorials" in capsys.readouterr().err
