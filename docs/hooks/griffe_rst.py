"""A griffe extension that lets mkdocstrings render tconv's docstrings, unchanged, as Markdown.

tconv's docstrings are written for ``help()`` and doctest, in reStructuredText habits; three of
them would render wrongly as Markdown, so this extension rewrites the text griffe hands to
mkdocstrings (the source files are not touched):

* doctest blocks (``>>>`` / ``...`` lines and their output) become ``pycon`` code blocks
  (Markdown would read ``>>>`` as nested quotes);
* literal blocks (a paragraph ending in ``::`` and the indented block after it) become code
  blocks, and the ``::`` becomes ``:``;
* a Google-style ``Args:`` entry naming several parameters (``seg_pred, seg_gt: masks ...``)
  becomes one entry per parameter, each with the shared description (griffe's parser would
  read ``seg_pred, seg_gt`` as one unknown parameter);
* a first line that ends inside a ````code```` span is joined with the lines that close it
  (mkdocstrings shows the first line alone in the summary tables, where half a code span
  would show its backticks);
* Sphinx roles (``:func:`name```, ``:class:``, ``:mod:``, ...) become cross-references: the
  name is resolved in the scope of the object that carries the docstring (``:func:`save```
  inside ``tconv.viz`` is ``tconv.viz.save``) and linked when that object is rendered on some
  page, otherwise shown as code (an "optional" autoref, which never warns).
"""
from __future__ import annotations

import re

import griffe

__all__ = ["RestructuredTextToMarkdown", "convert"]

_ROLE = re.compile(r":(?:py:)?(?P<role>func|class|mod|meth|attr|data|exc|obj|const):`(?P<target>[^`]+)`")
_DOCTEST = re.compile(r"^(?P<indent>\s*)>>> ")
_TABLE_RULE = re.compile(r"^\s*=+(?: +=+)+\s*$")
_SECTION = re.compile(r"^(?P<indent>\s*)(?:Args|Arguments|Parameters|Params):\s*$")
_SHARED_ENTRY = re.compile(r"^(?P<indent>\s+)(?P<names>[A-Za-z_]\w*(?:,\s*[A-Za-z_]\w*)+):(?P<rest>.*)$")
_CELL = re.compile(r"\S+(?: \S+)*")          # text between runs of two or more spaces


def _fence(lines: list[str], info: str) -> list[str]:
    return [f"```{info}", *lines, "```"]


def _dedent(lines: list[str]) -> list[str]:
    indents = [len(line) - len(line.lstrip()) for line in lines if line.strip()]
    cut = min(indents, default=0)
    return [line[cut:] for line in lines]


def _table(lines: list[str]) -> list[str]:
    """An RST simple table (``====  ====`` rules) as a Markdown table.

    Each piece of text goes to the column whose rule starts at or before it; a line whose first
    column is empty continues the row above (RST's multi-line rows)."""
    starts = [match.start() for match in re.finditer(r"=+", lines[0])]
    rules = [index for index, line in enumerate(lines) if _TABLE_RULE.match(line)]
    head_end = rules[1] if len(rules) > 2 else None
    rows: list[list[str]] = []
    header: list[list[str]] = []
    for index, line in enumerate(lines):
        if index in rules or not line.strip():
            continue
        cells = [""] * len(starts)
        for match in _CELL.finditer(line):
            column = max(i for i, start in enumerate(starts) if start <= max(match.start(), starts[0]))
            cells[column] = f"{cells[column]} {match[0]}".strip()
        target = header if head_end is not None and index < head_end else rows
        if cells[0] or not target:
            target.append(cells)
        else:
            target[-1] = [f"{old} {new}".strip() for old, new in zip(target[-1], cells)]
    header = header or [[""] * len(starts)]
    def row(cells):
        return "| " + " | ".join(cell.replace("|", "\\|") for cell in cells) + " |"
    return ["", *(row(cells) for cells in header), "|" + "---|" * len(starts), *(row(cells) for cells in rows), ""]


def _split_shared_entries(text: str) -> str:
    """``a, b: description`` in an ``Args:`` section -> ``a: description`` and ``b: description``."""
    lines = text.splitlines()
    out: list[str] = []
    section_indent = None
    i = 0
    while i < len(lines):
        line = lines[i]
        header = _SECTION.match(line)
        if header:
            section_indent = len(header["indent"])
        elif line.strip() and len(line) - len(line.lstrip()) <= (section_indent if section_indent is not None else -1):
            section_indent = None
        entry = _SHARED_ENTRY.match(line) if section_indent is not None else None
        if entry and len(entry["indent"]) > section_indent:
            indent = len(entry["indent"])
            j = i + 1
            while j < len(lines) and lines[j].strip() and len(lines[j]) - len(lines[j].lstrip()) > indent:
                j += 1
            for name in re.split(r",\s*", entry["names"]):
                out.append(f"{entry['indent']}{name}:{entry['rest']}")
                out.extend(lines[i + 1:j])
            i = j
            continue
        out.append(line)
        i += 1
    return "\n".join(out)


def _blocks(text: str) -> str:
    """Fence doctest and literal blocks."""
    lines = text.splitlines()
    out: list[str] = []
    i = 0
    in_fence = False
    while i < len(lines):
        line = lines[i]
        if line.lstrip().startswith("```"):
            in_fence = not in_fence
            out.append(line)
            i += 1
            continue
        if in_fence:
            out.append(line)
            i += 1
            continue
        if _TABLE_RULE.match(line):
            rules, j = 0, i
            while j < len(lines) and lines[j].strip():
                rules += bool(_TABLE_RULE.match(lines[j]))
                j += 1
            if rules >= 2:
                indent = line[:len(line) - len(line.lstrip())]
                out.extend(indent + table_line for table_line in _table([l[len(indent):] for l in lines[i:j]]))
                i = j
                continue
        if _DOCTEST.match(line):
            indent = _DOCTEST.match(line)["indent"]
            block = []
            while i < len(lines) and lines[i].strip():   # a doctest block ends at a blank line
                block.append(lines[i][len(indent):] if lines[i].startswith(indent) else lines[i].lstrip())
                i += 1
            if out and out[-1].strip():
                out.append("")
            out.extend(indent + fenced for fenced in _fence(block, "pycon"))
            continue
        if line.rstrip().endswith("::"):
            stripped = line.rstrip()
            head = stripped[:-2].rstrip()
            indent = len(line) - len(line.lstrip())
            # the literal block: the indented lines after a blank line
            j = i + 1
            while j < len(lines) and not lines[j].strip():
                j += 1
            block = []
            while j < len(lines) and (not lines[j].strip() or len(lines[j]) - len(lines[j].lstrip()) > indent):
                block.append(lines[j])
                j += 1
            while block and not block[-1].strip():
                block.pop()
            if block:
                if head.strip():
                    out.append(head + ":")
                out.append("")
                out.extend(" " * indent + fenced for fenced in _fence(_dedent(block), "text"))
                out.append("")
                i = j
                continue
        out.append(line)
        i += 1
    return "\n".join(out)


def _resolve(obj: griffe.Object, target: str) -> str:
    """The full path of ``target`` seen from ``obj`` (its module, its class), or ``target`` itself."""
    name = target.lstrip("~").rstrip("()")
    if name.startswith("."):                        # relative to the object's package
        package = obj.module if obj.module.is_package else obj.module.parent
        return f"{package.path}{name}" if package else name
    scope = obj
    while scope is not None:
        try:
            return scope.resolve(name)
        except (griffe.NameResolutionError, AttributeError, KeyError, ValueError):
            pass
        head, _, rest = name.partition(".")
        if rest:                                    # "module.member": resolve the head, keep the rest
            try:
                return f"{scope.resolve(head)}.{rest}"
            except (griffe.NameResolutionError, AttributeError, KeyError, ValueError):
                pass
        scope = scope.parent
    return name


def _roles(obj: griffe.Object, text: str) -> str:
    def link(match: re.Match) -> str:
        target = match["target"]
        title, _, explicit = target.partition(" <")
        if explicit:                                # :func:`title <path>`
            target, shown = explicit.rstrip(">"), title
        else:
            shown = target.lstrip("~")
            if target.startswith("~"):
                shown = shown.rsplit(".", 1)[-1]
        identifier = _resolve(obj, target)
        return f'<autoref identifier="{identifier}" optional><code>{shown}</code></autoref>'
    return _ROLE.sub(link, text)


def _whole_first_line(text: str) -> str:
    lines = text.split("\n")
    joined = 0
    while lines[0].count("``") % 2 and joined + 1 < len(lines) and lines[1].strip():
        lines[0:2] = [f"{lines[0].rstrip()} {lines[1].strip()}"]
        joined += 1
    return "\n".join(lines)


def convert(obj: griffe.Object, text: str) -> str:
    """The Markdown that ``text``, the docstring of ``obj``, means."""
    text = _whole_first_line(text)
    # Roles first, outside code blocks only: a doctest never contains a role.
    converted = _blocks(_split_shared_entries(text))
    pieces = re.split(r"(^\s*```.*?^\s*```$)", converted, flags=re.M | re.S)
    return "".join(piece if piece.lstrip().startswith("```") else _roles(obj, piece) for piece in pieces)


class RestructuredTextToMarkdown(griffe.Extension):
    """Rewrite every docstring of the package once it is loaded (see the module docstring)."""

    def on_package(self, *, pkg: griffe.Module, **kwargs) -> None:
        self._walk(pkg, seen=set())

    def _walk(self, obj: griffe.Object, seen: set[int]) -> None:
        if id(obj) in seen:
            return
        seen.add(id(obj))
        if obj.docstring is not None:
            obj.docstring.value = convert(obj, obj.docstring.value)
        for member in obj.members.values():
            if not member.is_alias:
                self._walk(member, seen)
