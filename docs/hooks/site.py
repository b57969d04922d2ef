"""MkDocs hooks that build the generated parts of the site (mkdocs.yml lists this file under ``hooks:``).

* **Tutorials**: every ``tutorials/NN_*.py`` becomes the page ``tutorials/NN_*.md`` with its
  outputs. The notebook is executed here (``notebooks.execute``), unless the folder named by
  ``TCONV_EXECUTED_TUTORIALS`` holds an executed notebook of exactly this source, run in the
  same ``TCONV_QUICK`` mode (tests/test_tutorials.py leaves its notebooks there, so each
  tutorial runs once per test run; the folder is written back to, so it is a cache: it does
  not notice changes to tconv itself, only to the tutorial). Each exercise's solution is shown
  in a closed "Solution" block, and the page offers the tutorial's student and solved notebooks
  for download (``NN_name_student.ipynb``, ``NN_name_solved.ipynb``, made by
  ``tconv.exercises.copies``). ``tutorials/README.md`` becomes
  the section's index page, and the nav's "Tutorials" section lists every tutorial found, so a
  new tutorial appears without editing mkdocs.yml.
* **Gallery**: every ``tconv figure ... -o NAME`` command in a code block of ``docs/gallery.md``
  is run (in this process, through ``tconv.cli.main``) and its file becomes ``gallery/NAME``, so
  each picture on the page is made by the command printed above it.

* **Explorer**: ``tconv_explorer.html``, the interactive page of ``tconv explore -o explorer.html``
  (:func:`tconv.viz.explorer`), which ``docs/explorer.md`` shows in a frame.

A tutorial that fails (an ``assert``, an error) or a figure command that fails stops the build.
"""
from __future__ import annotations

import contextlib
import importlib.util
import io
import logging
import os
import re
import shlex
import sys
import tempfile
import time
from pathlib import Path

import nbformat
from mkdocs.structure.files import File

# The sibling module, shared with tests/test_tutorials.py (loaded by path: docs/hooks is no package).
_spec = importlib.util.spec_from_file_location("tconv_docs_notebooks", Path(__file__).resolve().parent / "notebooks.py")
notebooks = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(notebooks)

log = logging.getLogger("mkdocs.hooks.tconv")

TUTORIAL_GLOB = "[0-9][0-9]_*.py"
GALLERY_PAGE = "gallery.md"
GALLERY_DIR = "gallery"
EXPLORER_PAGE = "tconv_explorer.html"
_FIGURE_COMMAND = re.compile(r"^\s*(tconv figure .*)$", re.M)
_CODE_BLOCK = re.compile(r"^```.*?^```", re.M | re.S)

_executed: dict[str, object] = {}              # source digest -> notebook, for `mkdocs serve`'s rebuilds


def _root(config) -> Path:
    return Path(config.config_file_path).resolve().parent


def _tutorials(config) -> list[Path]:
    return sorted((_root(config) / "tutorials").glob(TUTORIAL_GLOB))


def _title(path: Path) -> str:
    """``# Tutorial 4: convolution arithmetic`` -> ``4. Convolution arithmetic``."""
    for line in path.read_text(encoding="utf-8").splitlines():
        match = re.match(r"#\s+#\s+(.*)", line)
        if match:
            heading = match[1].strip()
            numbered = re.match(r"Tutorial\s+(\d+)\s*[:.-]\s*(.*)", heading)
            if numbered:
                text = numbered[2]
                return f"{int(numbered[1])}. {text[:1].upper()}{text[1:]}"
            return heading
    return path.stem


# --------------------------------------------------------------------------- nav


def on_config(config):
    """Fill the nav's "Tutorials" section with every tutorial found; import this tree's tconv."""
    if str(_root(config)) not in sys.path:          # the gallery draws with the tconv being documented
        sys.path.insert(0, str(_root(config)))
    entries = [{_title(path): f"tutorials/{path.stem}.md"} for path in _tutorials(config)]
    for section in config.nav or []:
        if isinstance(section, dict) and "Tutorials" in section:
            section["Tutorials"] = [item for item in section["Tutorials"]
                                    if not (isinstance(item, dict) and any(
                                        str(v).startswith("tutorials/") and str(v) != "tutorials/index.md"
                                        for v in item.values()))] + entries
    return config


# --------------------------------------------------------------------------- files


def _add(files, config, uri: str, content) -> None:
    existing = files.get_file_from_path(uri)
    if existing is not None:
        files.remove(existing)
    files.append(File.generated(config, uri, content=content))


def _executed_notebook(path: Path):
    digest = notebooks.source_digest(path)
    if digest in _executed:
        return _executed[digest]
    cache = os.environ.get("TCONV_EXECUTED_TUTORIALS")
    notebook = notebooks.load_cached(cache, path, quick=os.environ.get("TCONV_QUICK") == "1")
    if notebook is not None:
        log.info("tutorial %s: using the executed notebook in %s", path.name, cache)
    else:
        start = time.perf_counter()
        with tempfile.TemporaryDirectory(prefix=f"tconv_{path.stem}_") as workdir:
            notebook = notebooks.execute(path, Path(workdir), env={"TCONV_EXERCISES": "strict"})
        log.info("tutorial %s: executed in %.1f s", path.name, time.perf_counter() - start)
        if cache:
            Path(cache).mkdir(parents=True, exist_ok=True)
            nbformat.write(notebook, Path(cache) / f"{path.stem}.ipynb")
    _executed[digest] = notebook
    return notebook


def _tutorial_header(path: Path, meta: dict, downloads: dict) -> str:
    quick = ", with `TCONV_QUICK=1` (shorter training)" if meta.get("quick") else ""
    links = ""
    if downloads:
        links = ("\n\n    Download it as a notebook: [the student copy]"
                 f"({downloads['student']}){{: download }} (the exercises' solutions are blanks for you to fill; "
                 f"`check(...)` grades them) or [the solved one]({downloads['solved']}){{: download }} (solutions "
                 "in collapsed cells). `tconv tutorials --student DIR` writes all of them, as notebooks and scripts.")
    return (f'!!! info "Run it yourself"\n'
            f"    This page is `tutorials/{path.name}`, executed as a notebook when the site was built "
            f"({meta.get('seconds', '?')} s{quick}). Run it with `python tutorials/{path.name}`, or "
            f"[open it as a notebook](index.md#open-a-tutorial-as-a-notebook).{links}\n\n")


def _downloads(files, config, path: Path) -> dict:
    """The student and solved notebooks of ``path``, added to the site next to its page: {kind: file name}."""
    from tconv.exercises.copies import notebook
    from tconv.exercises.marking import parse

    if not parse(path.read_text(encoding="utf-8"), path.name):
        return {}
    names = {}
    for kind in ("student", "solved"):
        name = f"{path.stem}_{kind}.ipynb"
        _add(files, config, f"tutorials/{name}", nbformat.writes(notebook(path, kind)) + "\n")
        names[kind] = name
    return names


def _add_tutorials(files, config) -> None:
    paths = _tutorials(config)
    pages = {path.stem for path in paths}
    readme = _root(config) / "tutorials" / "README.md"
    if readme.is_file():
        _add(files, config, "tutorials/index.md", notebooks.page_links(readme.read_text(encoding="utf-8"), pages))
    for path in paths:
        notebook = _executed_notebook(path)
        markdown, assets = notebooks.to_markdown(notebook, path.stem, pages)
        meta = notebook.metadata.get("tconv", {})
        # the header goes after the tutorial's title (the first "# " line of its first cell), or first
        title = re.match(r"\A(# [^\n]*)\n", markdown)
        head, body = (title[1] + "\n\n", markdown[title.end():]) if title else ("", markdown)
        downloads = _downloads(files, config, path)
        _add(files, config, f"tutorials/{path.stem}.md", f"{head}{_tutorial_header(path, meta, downloads)}{body}")
        for name, content in assets.items():
            _add(files, config, f"tutorials/{name}", content)


def _add_gallery(files, config) -> None:
    from tconv.cli import main as tconv_main

    page = Path(config.docs_dir) / GALLERY_PAGE
    if not page.is_file():
        return
    commands = [command for block in _CODE_BLOCK.findall(page.read_text(encoding="utf-8"))
                for command in _FIGURE_COMMAND.findall(block)]
    with tempfile.TemporaryDirectory(prefix="tconv_gallery_") as folder:
        for command in commands:
            words = shlex.split(command)
            out = words.index("-o")
            name = words[out + 1]
            target = Path(folder) / name
            words[out + 1] = str(target)
            start = time.perf_counter()
            with contextlib.redirect_stdout(io.StringIO()):       # "wrote FILE"
                status = tconv_main(words[1:])
            if status not in (0, None) or not target.is_file():
                raise RuntimeError(f"docs/{GALLERY_PAGE}: `{command}` failed (exit status {status})")
            log.info("gallery: %s (%.1f s)", command, time.perf_counter() - start)
            _add(files, config, f"{GALLERY_DIR}/{name}", target.read_bytes())


def _add_explorer(files, config) -> None:
    from tconv.viz.explorer_page import explorer

    _add(files, config, EXPLORER_PAGE, explorer().html)


def on_files(files, config):
    _add_tutorials(files, config)
    _add_gallery(files, config)
    _add_explorer(files, config)
    return files
