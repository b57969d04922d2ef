"""The shape of the code: imports point down the layers, one home per helper, self-contained sources.

The layers, from the bottom (README, "Layout of the repository"): geometry, matrix,
reference, kernels, ops, autograd, nn/optim, seg, viz, cli. A module may import its own
layer and the layers below, never above; these tests read the sources (``ast``), so they
need nothing installed.
"""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "tconv"

# module (dotted, relative to tconv) -> layer number; a package entry covers its submodules.
LAYERS = {
    "_checks": 0, "geometry": 0, "layout": 0, "random": 0, "receptive_field": 0,
    "matrix": 1, "spelling": 1, "translate": 1,
    "reference": 2,
    "kernels": 3,
    "methods": 4, "fast": 4, "fast_methods": 4, "winograd": 4, "winograd_batch": 4, "conv": 4, "pool": 4, "resize": 4, "serialization": 4, "views": 4, "explain": 4,
    "autograd": 5,
    "nn": 6, "optim": 6,
    "seg": 7,
    "viz": 8, "exercises": 8,
    "cli": 9,
}
# Imports allowed upwards, each with its reason.
EXCEPTIONS = {
    ("views", "autograd"),      # the fifth view: the autograd's input gradient (imported inside a function)
    ("views", "nn"),
}


def _layer(module: str) -> int | None:
    parts = module.split(".")
    for n in range(len(parts), 0, -1):
        if ".".join(parts[:n]) in LAYERS:
            return LAYERS[".".join(parts[:n])]
    return None


def _top(module: str) -> str:
    return module.split(".")[0]


def _imports(path: Path):
    """(imported tconv module relative to tconv, line) for every import in ``path``."""
    relative = path.relative_to(PACKAGE).with_suffix("")
    package = list(relative.parts[:-1]) if relative.name != "__init__" else list(relative.parts[:-1])
    tree = ast.parse(path.read_text())
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[:len(package) - (node.level - 1)] if node.level > 1 else package
                target = ".".join(base + ([node.module] if node.module else []))
                names = [target] if node.module else [".".join(base + [a.name]) for a in node.names]
                for name in names:
                    yield name, node.lineno
            elif node.module and node.module.startswith("tconv"):
                yield node.module[len("tconv."):] if node.module != "tconv" else "", node.lineno
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.startswith("tconv."):
                    yield alias.name[len("tconv."):], node.lineno


SOURCES = sorted(p for p in PACKAGE.rglob("*.py") if p.name != "__main__.py")


@pytest.mark.parametrize("path", SOURCES, ids=[str(p.relative_to(PACKAGE)) for p in SOURCES])
def test_imports_point_down_the_layers(path):
    module = ".".join(path.relative_to(PACKAGE).with_suffix("").parts).replace(".__init__", "")
    if module in ("__init__", ""):
        return                                  # the package's front door re-exports everything
    own = _layer(module)
    assert own is not None, f"{module} is in no layer: add it to LAYERS"
    for imported, line in _imports(path):
        if not imported:
            continue
        theirs = _layer(imported)
        if theirs is None or theirs <= own:
            continue
        assert (_top(module), _top(imported)) in EXCEPTIONS, \
            f"{path.relative_to(ROOT)}:{line} imports {imported} (layer {theirs}) from layer {own}"


def test_matplotlib_is_imported_only_by_viz_and_inside_cli_commands():
    for path in SOURCES:
        relative = path.relative_to(PACKAGE)
        if relative.parts[0] == "viz":
            continue
        tree = ast.parse(path.read_text())
        for node in tree.body:                 # module level only: commands import it inside run()
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else \
                [node.module or ""] if isinstance(node, ast.ImportFrom) else []
            assert not any(n.startswith("matplotlib") for n in names), f"{relative} imports matplotlib"


def test_the_autograd_engine_does_not_import_the_tensor_at_run_time():
    tree = ast.parse((PACKAGE / "autograd" / "engine.py").read_text())
    runtime = [node for node in tree.body if isinstance(node, ast.ImportFrom) and node.module == "tensor"]
    assert runtime == [], "engine.py imports tensor.py at module level (the tensor imports the engine)"


def test_the_fast_path_does_not_depend_on_the_teaching_module():
    names = {name for name, _ in _imports(PACKAGE / "fast.py")}
    assert "reference" not in names


def test_small_helpers_have_one_home():
    for helper in ("def _is_int(", "def _check_groups(", "def kernel_geometry(", "def flip_and_swap("):
        homes = [p.relative_to(PACKAGE) for p in SOURCES if helper in p.read_text()]
        assert len(homes) <= 1, f"{helper} is defined in {homes}"


def test_sources_cite_only_what_is_in_the_repository():
    texts = list(SOURCES) + sorted((ROOT / "tests").glob("*.py")) + sorted((ROOT / "tutorials").glob("*.py")) \
        + sorted((ROOT / "docs").rglob("*.md")) + [ROOT / "README.md"]
    for path in texts:
        if path == Path(__file__).resolve():
            continue
        text = path.read_text()
        for outside in ("DESIGN.md", "REFERENCES.md", "/work/", "../shared"):
            assert outside not in text, f"{path.relative_to(ROOT)} cites {outside!r}, which is not in the repository"
