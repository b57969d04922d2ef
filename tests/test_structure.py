"""The shape of the code: imports point down the layers, no import circle, one home per helper.

The layers are the one table of :mod:`tconv.architecture` (bottom to top: base, geometry,
theory, reference, kernels, methods, ops, autograd, nn, explain, seg, viz, cli). A module may
import its own layer and the layers below, never above, and no set of files may import each
other in a circle, inside a layer or across layers (imports inside functions count: a lazy
import is still a dependency). These tests read the sources (``ast``).
"""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

from tconv.architecture import FRONT_DOOR, LAYERS, layer_index, layer_of, markdown_table

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "tconv"
SOURCES = sorted(p for p in PACKAGE.rglob("*.py") if "__pycache__" not in p.parts)


def _module(path: Path) -> str:
    """``tconv/methods/choice.py`` -> ``methods.choice``; ``tconv/ops/__init__.py`` -> ``ops``."""
    parts = list(path.relative_to(PACKAGE).with_suffix("").parts)
    if parts[-1] == "__init__" and len(parts) > 1:
        parts = parts[:-1]
    return ".".join(parts)


def _file(module: str) -> Path | None:
    """The source file of ``module`` (dotted, relative to tconv), or None if it is not one."""
    base = PACKAGE.joinpath(*module.split(".")) if module else PACKAGE
    if base.with_suffix(".py").is_file():
        return base.with_suffix(".py")
    if (base / "__init__.py").is_file():
        return base / "__init__.py"
    return None


def _imports(path: Path):
    """``(imported module relative to tconv, line)`` for every import in ``path`` (module level or not).

    ``from package import name`` counts as an import of ``package.name`` when that is a module.
    """
    relative = path.relative_to(PACKAGE)
    package = list(relative.parts[:-1])
    tree = ast.parse(path.read_text())
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[:len(package) - (node.level - 1)] if node.level > 1 else list(package)
                target = ".".join(base + ([node.module] if node.module else []))
            elif node.module == "tconv" or (node.module or "").startswith("tconv."):
                target = node.module[len("tconv."):] if node.module != "tconv" else ""
            else:
                continue
            for alias in node.names:
                sub = f"{target}.{alias.name}" if target else alias.name
                yield (sub if _file(sub) is not None else target), node.lineno
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.startswith("tconv."):
                    yield alias.name[len("tconv."):], node.lineno


def _edges() -> dict:
    """``{file: {imported file, ...}}`` over the package."""
    graph = {}
    for path in SOURCES:
        targets = set()
        for imported, _ in _imports(path):
            target = _file(imported)
            if target is not None and target != path:
                targets.add(target)
        graph[path] = targets
    return graph


def _circles(graph: dict) -> list[list[Path]]:
    """The strongly connected components with more than one file (Tarjan's algorithm, iterative)."""
    index, low, on_stack, stack, found, counter = {}, {}, set(), [], [], [0]
    for start in graph:
        if start in index:
            continue
        work = [(start, iter(sorted(graph[start])))]
        index[start] = low[start] = counter[0]
        counter[0] += 1
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            advanced = False
            for child in children:
                if child not in index:
                    index[child] = low[child] = counter[0]
                    counter[0] += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph.get(child, ())))))
                    advanced = True
                    break
                if child in on_stack:
                    low[node] = min(low[node], index[child])
            if advanced:
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    found.append(sorted(component))
    return found


@pytest.mark.parametrize("path", SOURCES, ids=[str(p.relative_to(PACKAGE)) for p in SOURCES])
def test_imports_point_down_the_layers(path):
    module = _module(path)
    if module in FRONT_DOOR or module == "":
        return                                  # the package's front door re-exports everything
    own = layer_of(module)
    assert own is not None, f"{module} is in no layer: add it to tconv.architecture.LAYERS"
    for imported, line in _imports(path):
        theirs = layer_of(imported) if imported else None
        if theirs is None:
            assert imported in FRONT_DOOR + ("",) and imported != "architecture" or imported == "", \
                f"{path.relative_to(ROOT)}:{line} imports {imported!r}, which is in no layer"
            continue
        assert layer_index(theirs) <= layer_index(own), \
            f"{path.relative_to(ROOT)}:{line} imports {imported} (layer {theirs}) from layer {own}"


def test_there_is_no_import_circle():
    circles = _circles(_edges())
    described = [" <-> ".join(str(p.relative_to(PACKAGE)) for p in circle) for circle in circles]
    assert circles == [], f"import circles: {described}"


def test_the_circle_finder_finds_a_circle():
    a, b, c = Path("a.py"), Path("b.py"), Path("c.py")
    assert _circles({a: {b}, b: {c}, c: {a}}) == [[a, b, c]]
    assert _circles({a: {b}, b: {c}, c: set()}) == []


def test_every_module_is_in_the_table_and_every_entry_exists():
    for path in SOURCES:
        module = _module(path)
        assert module in FRONT_DOOR or layer_of(module) is not None, f"{module} is in no layer"
    for layer in LAYERS:
        for module in layer.modules:
            assert _file(module) is not None, f"tconv.architecture lists {module}, which does not exist"


@pytest.mark.parametrize("document", ["docs/map.md", "README.md"])
def test_the_documents_show_the_layer_table(document):
    text = (ROOT / document).read_text()
    assert markdown_table() in text, f"{document}: paste tconv.architecture.markdown_table() (python -c " \
        "'from tconv.architecture import markdown_table; print(markdown_table())')"


def test_the_package_root_holds_about_a_dozen_modules():
    root_modules = sorted(p.name for p in PACKAGE.glob("*.py"))
    assert len(root_modules) <= 14, root_modules


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
    for name in ("unfold", "winograd", "choice", "runtime"):
        names = {imported for imported, _ in _imports(PACKAGE / "methods" / f"{name}.py")}
        assert "reference" not in names and "methods.reference" not in names, name


def test_no_module_imports_another_modules_private_name():
    for path in SOURCES:
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and (node.level or (node.module or "").startswith("tconv")):
                private = [a.name for a in node.names if a.name.startswith("_") and not a.name.startswith("__")]
                private = [n for n in private if n not in ("_moved",)]
                assert not private, f"{path.relative_to(ROOT)}:{node.lineno} imports private {private}"


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
