"""Run a tutorial as a notebook, and turn the executed notebook into a page of the site.

A tutorial is a jupytext percent-format script (``tutorials/NN_name.py``). :func:`execute`
opens it as a notebook (jupytext) and runs it in a fresh Jupyter kernel (nbclient, ipykernel),
in a new working folder with ``TCONV_TUTORIAL_OUTPUT`` pointing there, exactly as a student's
Jupyter or VS Code would: a failing ``assert`` fails the run, and a figure shows up as an image
output only if it would show inline for the student too. The notebook comes back with its
outputs and, in ``metadata["tconv"]``, the digest of the script it ran, the run time, and the
files its ``*_path`` variables name (the figures it saved, embedded).

:func:`to_markdown` writes an executed notebook as Markdown for MkDocs: markdown cells as they
are, code cells as Python blocks (an exercise's cell as the student sees it, with the solution
in a closed "Solution" block below), printed text as output blocks, images as files next to
the page. Both the site's build hook (``docs/hooks/site.py``) and ``tests/test_tutorials.py`` use
this module, so the tests' executed notebooks can be the site's pages (each tutorial runs once).
"""
from __future__ import annotations

import base64
import hashlib
import html
import json
import os
import re
import sys
import tempfile
import time
from pathlib import Path

__all__ = ["REQUIREMENTS", "missing_requirements", "source_digest", "execute", "load_cached",
           "to_markdown", "page_links", "TutorialFailed"]

#: The modules a notebook run needs (the ``docs`` extra of setup.cfg installs them).
REQUIREMENTS = ("jupytext", "nbclient", "nbformat", "ipykernel", "jupyter_client")

IMAGE_TYPES = {".png": "image/png", ".gif": "image/gif", ".jpg": "image/jpeg", ".jpeg": "image/jpeg",
               ".svg": "image/svg+xml"}

# Appended to the notebook before it runs, removed after: reports every ``*_path`` variable.
_PROBE = """\
import json as _tconv_json, os as _tconv_os
print(_tconv_json.dumps({_name: (_tconv_os.fspath(_value) if isinstance(_value, (str, _tconv_os.PathLike))
                                 else repr(_value))
                         for _name, _value in dict(globals()).items() if _name.endswith("_path")}))"""


_ANSI = re.compile(r"\x1b\[[0-9;]*m")


class TutorialFailed(RuntimeError):
    """A tutorial raised (an ``assert`` or an error) while it ran as a notebook."""


def missing_requirements() -> list[str]:
    """The modules of :data:`REQUIREMENTS` that cannot be imported here."""
    import importlib.util
    return [name for name in REQUIREMENTS if importlib.util.find_spec(name) is None]


def source_digest(path: Path) -> str:
    """SHA-256 of the script's bytes: an executed notebook belongs to exactly this source."""
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def _kernel_manager():
    """A kernel of *this* Python (the one that imports this tconv), whatever kernels are installed."""
    from jupyter_client.kernelspec import KernelSpecManager
    from jupyter_client.manager import KernelManager
    # No kernel folders: only ipykernel's own "python3" spec, which runs sys.executable.
    specs = KernelSpecManager(kernel_dirs=[], ensure_native_kernel=True)
    return KernelManager(kernel_name="python3", kernel_spec_manager=specs)


def execute(path: Path, workdir: Path | None = None, *, timeout: int = 900, env: dict | None = None,
            extra_cells=()):
    """Run the tutorial at ``path`` as a notebook in ``workdir``; return the executed notebook.

    ``workdir`` (default: a new temporary folder) is the kernel's working folder and
    ``TCONV_TUTORIAL_OUTPUT``. ``env`` adds to (or overrides) this process' environment.
    ``extra_cells`` (code sources) run after the tutorial in the same kernel and are removed
    again; what they print is ``metadata["tconv"]["extra_output"]``, one string per cell (the
    tests run the student copies of the exercise cells so). Raises :class:`TutorialFailed`
    naming the tutorial and the cell when a cell raises.
    """
    import jupytext
    import nbformat
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError

    path = Path(path).resolve()
    workdir = Path(workdir) if workdir is not None else Path(tempfile.mkdtemp(prefix=f"tconv_{path.stem}_"))
    workdir.mkdir(parents=True, exist_ok=True)
    notebook = jupytext.read(path)
    extra_cells = list(extra_cells)
    notebook.cells.extend(nbformat.v4.new_code_cell(source) for source in extra_cells)
    notebook.cells.append(nbformat.v4.new_code_cell(_PROBE))
    kernel_env = dict(os.environ)
    kernel_env.pop("MPLBACKEND", None)              # the notebook's own inline display, as a student has it
    kernel_env.update(env or {})
    kernel_env["TCONV_TUTORIAL_OUTPUT"] = str(workdir)
    repository = path.parent.parent                 # tutorials/ sits in the repository: run its tconv
    if (repository / "tconv" / "__init__.py").is_file():
        kernel_env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(repository), kernel_env.get("PYTHONPATH")]))
    client = NotebookClient(notebook, km=_kernel_manager(), timeout=timeout, allow_errors=False,
                            resources={"metadata": {"path": str(workdir)}})
    start = time.perf_counter()
    log = workdir / "kernel.log"                    # the kernel process' own messages (not the cells')
    try:
        with open(log, "w") as kernel_stderr:
            client.execute(env=kernel_env, cwd=str(workdir), stderr=kernel_stderr)
    except CellExecutionError as error:
        message = _ANSI.sub("", str(error))          # the traceback without its terminal colours
        raise TutorialFailed(f"{path.name} failed when run as a notebook:\n{message}") from None
    except Exception as error:                      # the kernel died or did not start
        raise TutorialFailed(f"{path.name}: the notebook kernel failed ({error!r}); its log:\n"
                             f"{log.read_text()[-3000:]}") from error
    seconds = time.perf_counter() - start

    probe = notebook.cells.pop()
    printed = "".join(output.get("text", "") for output in probe.outputs if output.output_type == "stream")
    extra = [notebook.cells.pop() for _ in extra_cells][::-1]
    extra_output = ["".join(output.get("text", "") for output in cell.outputs if output.output_type == "stream")
                    for cell in extra]
    announced = json.loads(printed.strip().splitlines()[-1])
    files = {name: workdir / value for name, value in announced.items()}   # an absolute value stays itself
    saved = {name: {"file": file.name, "data": base64.b64encode(file.read_bytes()).decode()}
             for name, file in files.items() if file.is_file() and file.suffix.lower() in IMAGE_TYPES}
    notebook.metadata["tconv"] = {
        "source": path.name,
        "source_sha256": source_digest(path),
        "quick": kernel_env.get("TCONV_QUICK") == "1",
        "seconds": round(seconds, 1),
        "paths": announced,                       # every *_path variable, as the tutorial left it
        "missing": sorted(name for name, file in files.items() if not file.is_file()),
        "saved_figures": saved,
        "extra_output": extra_output,
    }
    return notebook


def load_cached(folder: Path | None, path: Path, quick: bool):
    """The executed notebook of ``path`` saved in ``folder``, if it ran exactly this source in the
    same mode (``TCONV_QUICK``); else None."""
    if not folder:
        return None
    candidate = Path(folder) / f"{Path(path).stem}.ipynb"
    if not candidate.is_file():
        return None
    import nbformat
    notebook = nbformat.read(candidate, as_version=4)
    meta = notebook.metadata.get("tconv", {})
    if meta.get("source_sha256") != source_digest(path) or meta.get("quick") != quick:
        return None
    return notebook


# --------------------------------------------------------------------------- to Markdown

_TUTORIAL_LINK = re.compile(r"\]\((?:\./)?(?:\.\./tutorials/)?(\d\d_[A-Za-z0-9_]+)\.py(#[^)]*)?\)")
_DOCS_LINK = re.compile(r"\]\(\.\./docs/([^)]+)\)")
_README_LINK = re.compile(r"\]\((?:\./)?README\.md(#[^)]*)?\)")


def page_links(markdown: str, pages: set[str]) -> str:
    """Point links at the site's pages: ``NN_name.py`` -> ``NN_name.md`` (when it is a page),
    ``README.md`` -> ``index.md``, ``../docs/page.md`` -> ``../page.md``, for Markdown written inside
    ``tutorials/``."""
    def tutorial(match):
        stem, anchor = match[1], match[2] or ""
        return f"]({stem}.md{anchor})" if stem in pages else match[0]
    markdown = _README_LINK.sub(lambda m: f"](index.md{m[1] or ''})", markdown)       # the README is the index
    return _DOCS_LINK.sub(r"](../\1)", _TUTORIAL_LINK.sub(tutorial, markdown))


def _fence(text: str, info: str) -> str:
    ticks = "`" * max(3, 1 + max((len(run) for run in re.findall(r"`+", text)), default=0))
    return f"{ticks} {info}\n{text.rstrip()}\n{ticks}\n"


def _output_block(text: str) -> str:
    return _fence(text, "{ .text .tconv-output }")


def _html_block(markup: str) -> str:
    # Raw HTML (a FrameAnimation's player): kept verbatim by Python-Markdown inside one <div>.
    return f'<div class="tconv-html-output">\n{markup.strip()}\n</div>\n'


def _joined(value) -> str:
    return "".join(value) if isinstance(value, list) else str(value)


_VERDICT = re.compile(r"^Exercise \d\d\.\d+: ")


def _indented(markdown: str) -> str:
    return "\n".join(("    " + line) if line else "" for line in markdown.splitlines())


def _exercise_blocks(source: str, regions, inner: list[str], verdicts: list[str]) -> list[str]:
    """An exercise's cell: the student's view (the blank and the ``check``), each solution in a
    closed "Solution" block (with what the solution printed or drew), then the grader's verdict."""
    from tconv.exercises.marking import blank_solutions

    blocks = [_fence(blank_solutions(source).strip("\n"), "python")]
    for number, region in enumerate(regions):
        body = [_fence("\n".join(region.solution).strip("\n"), "python")]
        if number == len(regions) - 1:
            body += inner                               # outputs before the verdict belong to the solution
        blocks.append(f'??? success "Solution of exercise {region.exercise_id}"\n\n'
                      + "\n\n".join(_indented(block) for block in body) + "\n")
    if verdicts:
        blocks.append(_output_block("".join(verdicts)))
    return blocks


def to_markdown(notebook, stem: str, pages: set[str] = frozenset()) -> tuple[str, dict[str, bytes]]:
    """The page (Markdown) and its files (``{relative path: bytes}``) for an executed notebook.

    Image outputs become ``stem/cellK_J.png`` next to the page. When the tutorial saved figures
    (its ``*_path`` variables) but showed none inline, they are appended at the end, so the
    page never loses a figure. A cell with an exercise's solution (its ``# BEGIN SOLUTION`` marks,
    tconv.exercises.marking) is shown as the student sees it, with the solution and what it
    printed in a closed "Solution" block, and the grader's verdict below.
    """
    from tconv.exercises.marking import parse

    meta = notebook.metadata.get("tconv", {})
    parts: list[str] = []
    files: dict[str, bytes] = {}
    inline_images = 0
    for index, cell in enumerate(notebook.cells):
        source = _joined(cell.source).strip("\n")
        if cell.cell_type == "markdown":
            parts.append(page_links(source, pages) + "\n")
            continue
        if cell.cell_type != "code" or not source.strip():
            continue
        regions = parse(source)
        target = [] if regions else parts               # a solution's outputs go into its block
        verdicts: list[str] = []
        if not regions:
            parts.append(_fence(source, "python"))
        stream: list[str] = []

        def flush():
            if stream:
                target.append(_output_block("".join(stream)))
                stream.clear()

        for number, output in enumerate(cell.get("outputs", [])):
            if output.output_type == "stream":
                if output.get("name") == "stderr" and not _joined(output.text).strip():
                    continue
                for line in _joined(output.text).splitlines(keepends=True):
                    (verdicts if regions and _VERDICT.match(line) else stream).append(line)
                continue
            flush()
            data = output.get("data", {})
            image = next((kind for kind in ("image/png", "image/svg+xml", "image/gif", "image/jpeg")
                          if kind in data), None)
            if image:
                suffix = {"image/png": "png", "image/svg+xml": "svg", "image/gif": "gif", "image/jpeg": "jpg"}[image]
                name = f"{stem}/cell{index}_{number}.{suffix}"
                raw = _joined(data[image])
                files[name] = raw.encode() if suffix == "svg" else base64.b64decode(raw)
                target.append(f"![output of the cell above]({name})\n")
                inline_images += 1
            elif "text/html" in data:
                target.append(_html_block(_joined(data["text/html"])))
            elif "text/plain" in data:
                target.append(_output_block(_joined(data["text/plain"])))
        flush()
        if regions:
            parts.extend(_exercise_blocks(source, regions, target, verdicts))

    saved = meta.get("saved_figures", {})
    if saved and not inline_images:
        parts.append("## Figures saved by this tutorial\n\n"
                     "This tutorial saves its figures to files and shows none inline; here they are.\n")
        for name, figure in saved.items():
            target = f"{stem}/{figure['file']}"
            files[target] = base64.b64decode(figure["data"])
            parts.append(f"![{html.escape(name)}: {figure['file']}]({target})\n")
    return "\n".join(parts), files


if __name__ == "__main__":                     # python docs/hooks/notebooks.py tutorials/01_....py
    for argument in sys.argv[1:]:
        executed = execute(Path(argument))
        print(f"{argument}: {executed.metadata['tconv']['seconds']} s, "
              f"{sum(len(c.get('outputs', [])) for c in executed.cells)} outputs")
