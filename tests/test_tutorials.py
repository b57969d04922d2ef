"""Every tutorial runs top to bottom, its own assertions hold, and the site that shows them builds.

Each ``tutorials/NN_*.py`` runs in a fresh temporary folder with ``TCONV_TUTORIAL_OUTPUT``
pointing there and ``TCONV_QUICK=1`` (shorter training; set ``TCONV_QUICK=0`` to run the full
tutorials), and every file its ``*_path`` variables name must exist afterwards.

How a tutorial runs depends on what is installed:

* with the ``docs`` extra (jupytext, nbclient, ipykernel; CI installs it): as a **notebook**, in
  a Jupyter kernel, as a student opening it would (``docs/hooks/notebooks.py``). The executed
  notebooks are kept for :func:`test_site_builds_strict`, the last test of this file, which
  builds the documentation site with ``mkdocs build --strict`` from them, so in CI each tutorial
  runs once and the site shows exactly what the test ran;
* without it: as a plain **script** (``runpy``, ``MPLBACKEND=Agg``), and the site test skips.

Either way the script must also be plain Python (no IPython-only names), so
``python tutorials/NN_name.py`` works.

**Exercises.** The solved tutorial runs with ``TCONV_EXERCISES=strict``, so a reference solution
that its grader does not accept fails the run. Then, in the same session, the *student* copy of
every exercise cell runs (the solution replaced by its blank, tconv.exercises.marking): each
must run without an error and its ``check`` must report "no answer yet" (or "not yet"), never
"right". That is what a student who has not started sees, at the cost of re-running the
exercise cells only.
"""
from __future__ import annotations

import ast
import contextlib
import importlib.util
import io
import json
import os
import re
import runpy
import subprocess
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parent.parent
TUTORIALS = sorted((ROOT / "tutorials").glob("[0-9][0-9]_*.py"))
QUICK = os.environ.get("TCONV_QUICK", "1")

_spec = importlib.util.spec_from_file_location("tconv_docs_notebooks", ROOT / "docs" / "hooks" / "notebooks.py")
notebooks = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(notebooks)

NOTEBOOK_MODE = not notebooks.missing_requirements()
SITE_REQUIREMENTS = ("mkdocs", "material", "mkdocstrings", "mkdocstrings_handlers.python")


def _missing_site_requirements() -> list[str]:
    missing = list(notebooks.missing_requirements())
    for name in SITE_REQUIREMENTS:
        try:
            found = importlib.util.find_spec(name) is not None
        except ModuleNotFoundError:
            found = False
        if not found:
            missing.append(name)
    return missing


@pytest.fixture(scope="module")
def executed_folder(tmp_path_factory):
    """Where the executed notebooks go, for the site build at the end of this file."""
    return tmp_path_factory.mktemp("executed_tutorials")


def test_there_is_a_tutorial():
    assert TUTORIALS, "tutorials/NN_*.py is empty"


def test_readme_lists_every_tutorial():
    readme = (ROOT / "tutorials" / "README.md").read_text(encoding="utf-8")
    unlisted = [path.name for path in TUTORIALS if f"]({path.name})" not in readme]
    assert not unlisted, f"tutorials/README.md has no link to {unlisted}: add a row to its table"


IPYTHON_ONLY = {"display", "get_ipython"}


@pytest.mark.parametrize("path", TUTORIALS, ids=[p.stem for p in TUTORIALS])
def test_tutorial_is_plain_python(path):
    """A notebook kernel knows ``display`` and ``get_ipython``; ``python tutorial.py`` does not."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    bound = {alias.asname or alias.name.split(".")[0] for node in ast.walk(tree)
             if isinstance(node, (ast.Import, ast.ImportFrom)) for alias in node.names}
    bound |= {node.id for node in ast.walk(tree) if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store)}
    used = {node.id for node in ast.walk(tree) if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load)}
    assert not (used & IPYTHON_ONLY) - bound, f"{path.name} uses {sorted((used & IPYTHON_ONLY) - bound)}, " \
                                               "which exist only in IPython: the script would fail"


#: Run first among the student cells: a blank must report "no answer yet", not raise.
_LENIENT = "import os as _tconv_os\n_tconv_os.environ.pop('TCONV_EXERCISES', None)\n"
_VERDICT = re.compile(r"^Exercise (\d\d\.\d+): (right|not yet|no answer yet)\.", re.M)


def _student_cells(path):
    from tconv.exercises.marking import student_cells

    return student_cells(path.read_text(encoding="utf-8"))


def _check_blanks(path, outputs):
    """Every student cell printed a verdict for its exercises, and none of them is "right"."""
    from tconv.exercises.marking import exercise_ids

    verdicts = {}
    for text in outputs:
        for exercise_id, status in _VERDICT.findall(text):
            verdicts.setdefault(exercise_id, []).append(status)
    expected = exercise_ids(path.read_text(encoding="utf-8"))
    assert sorted(verdicts) == sorted(expected), \
        f"{path.name}: the student copy's checks reported {sorted(verdicts)}, expected {expected}"
    passed = [exercise_id for exercise_id, statuses in verdicts.items() if "right" in statuses]
    assert not passed, f"{path.name}: the blank of {passed} passes its grader (the solution leaks into the check)"


def _run_as_script(path, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)                              # nothing lands in the repository
    monkeypatch.setenv("MPLBACKEND", "Agg")
    monkeypatch.setenv("TCONV_TUTORIAL_OUTPUT", str(tmp_path))
    monkeypatch.setenv("TCONV_QUICK", QUICK)
    monkeypatch.setenv("TCONV_EXERCISES", "strict")
    with np.printoptions():                                  # a tutorial's print settings stay in it
        namespace = runpy.run_path(str(path), run_name="__main__")   # the tutorial asserts its own values
        monkeypatch.delenv("TCONV_EXERCISES")
        outputs = []
        for source in _student_cells(path):
            printed = io.StringIO()
            with contextlib.redirect_stdout(printed):
                exec(compile(source, f"{path.name} (student copy)", "exec"), namespace)
            outputs.append(printed.getvalue())
    _check_blanks(path, outputs)
    return {name: value for name, value in namespace.items() if name.endswith("_path")}


@pytest.mark.parametrize("path", TUTORIALS, ids=[p.stem for p in TUTORIALS])
def test_tutorial_runs(path, tmp_path, monkeypatch, executed_folder):
    start = time.perf_counter()
    if NOTEBOOK_MODE:
        notebook = notebooks.execute(path, tmp_path, env={"TCONV_QUICK": QUICK, "TCONV_EXERCISES": "strict"},
                                     extra_cells=[_LENIENT] + _student_cells(path))
        _check_blanks(path, notebook.metadata["tconv"]["extra_output"])
        import nbformat
        nbformat.write(notebook, executed_folder / f"{path.stem}.ipynb")
        announced = notebook.metadata["tconv"]["paths"]
        figures = {name: tmp_path / value for name, value in announced.items()}
        inline = sum("image/png" in output.get("data", {}) or "image/svg+xml" in output.get("data", {})
                     for cell in notebook.cells for output in cell.get("outputs", []))
        if notebook.metadata["tconv"]["saved_figures"] and not inline:
            warnings.warn(f"{path.name} saves figures but shows none inline when opened as a notebook: "
                          "force no backend, end the figure's cell with the figure, and start the tutorial "
                          "with `# %matplotlib inline` (a magic in the notebook, a comment in the script; "
                          "without it Jupyter shows a Figure made without pyplot as text)", UserWarning)
    else:
        figures = _run_as_script(path, tmp_path, monkeypatch)
    seconds = time.perf_counter() - start
    missing = {name: str(value) for name, value in figures.items() if not Path(value).is_file()}
    assert not missing, f"{path.name} announced files that do not exist: {missing}"
    print(f"{path.name}: {seconds:.1f} s as a {'notebook' if NOTEBOOK_MODE else 'script'}, "
          f"{len(figures)} figure(s)")


def test_site_builds_strict(tmp_path, executed_folder):
    """``mkdocs build --strict``: every page, link, anchor, API reference, tutorial and gallery figure."""
    missing = _missing_site_requirements()
    if missing:
        message = (f"the docs extra is not installed (missing {', '.join(missing)}); "
                   "python -m pip install '.[docs]' to build the site in the tests")
        if os.environ.get("CI"):
            pytest.fail("CI must build the documentation site, but " + message +
                        " (README.md's test command should install '.[test,docs]')")
        pytest.skip(message)
    env = dict(os.environ, TCONV_EXECUTED_TUTORIALS=str(executed_folder), NO_MKDOCS_2_WARNING="1")
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    env.setdefault("TCONV_QUICK", QUICK)
    start = time.perf_counter()
    result = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(tmp_path / "site")],
                            cwd=ROOT, env=env, capture_output=True, text=True, timeout=1800)
    seconds = time.perf_counter() - start
    log = result.stdout + result.stderr
    assert result.returncode == 0, f"mkdocs build --strict failed:\n{log[-6000:]}"
    site = tmp_path / "site"
    for tutorial in TUTORIALS:
        page = site / "tutorials" / f"{tutorial.stem}.html"
        assert page.is_file(), f"no page for {tutorial.name}"
        executed = json.loads((executed_folder / f"{tutorial.stem}.ipynb").read_text(encoding="utf-8"))
        if executed["metadata"]["tconv"]["saved_figures"]:
            assert re.search(r'<img[^>]+src="[^"]+\.(png|gif|svg)"', page.read_text(encoding="utf-8")), \
                f"{tutorial.name} saves figures but its page shows none"
    assert (site / "api" / "seg.losses.html").is_file()
    gallery = (site / "gallery.html").read_text(encoding="utf-8")
    assert gallery.count("<img") >= 5
    print(f"site built in {seconds:.1f} s")
