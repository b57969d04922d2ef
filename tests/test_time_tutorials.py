"""The tutorials' runtime table is the measured one, and the timing script works (nothing is timed here
against a bound: the tests never assert timings)."""
from __future__ import annotations

import importlib.util
import json
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TUTORIALS = sorted((ROOT / "tutorials").glob("[0-9][0-9]_*.py"))

_spec = importlib.util.spec_from_file_location("time_tutorials", ROOT / "benchmarks" / "time_tutorials.py")
timer = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(timer)


def test_the_readme_table_is_the_measured_one():
    data = json.loads((ROOT / "tutorials" / "runtimes.json").read_text(encoding="utf-8"))
    assert [row["tutorial"] for row in data["rows"]] == [p.name for p in TUTORIALS], \
        "tutorials/runtimes.json does not list every tutorial: python benchmarks/time_tutorials.py --readme"
    readme = (ROOT / "tutorials" / "README.md").read_text(encoding="utf-8")
    block = readme[readme.index(timer.BEGIN) + len(timer.BEGIN):readme.index(timer.END)].strip()
    assert block == timer.table_markdown(data), "the README's runtime table was edited by hand or is stale"
    assert all(row[mode]["wall_s"] > 0 and row[mode]["cpu_s"] > 0 for row in data["rows"] for mode in ("full", "quick"))


def test_no_tutorial_quotes_its_own_runtime():
    """Runtimes are quoted once, in the generated table; a tutorial points to it."""
    for path in TUTORIALS:
        text = path.read_text(encoding="utf-8")
        assert "README.md#runtimes" in text, f"{path.name} does not point to the runtime table"
        assert not re.search(r"Runtime:\*?\*? about \d+ ?s", text), f"{path.name} quotes its own runtime"


def test_the_script_measures_and_writes_the_table(tmp_path):
    script = tmp_path / "01_demo.py"
    script.write_text("import os\nassert os.environ['TCONV_QUICK'] in '01'\nprint(sum(range(10 ** 5)))\n")
    data = timer.time_tutorials([script], repeats=1)
    assert data["rows"][0]["tutorial"] == "01_demo.py" and data["conditions"]["cores"] >= 1
    assert set(data["rows"][0]) == {"tutorial", "full", "quick"}
    readme = tmp_path / "README.md"
    readme.write_text(f"before\n{timer.BEGIN}\nold\n{timer.END}\nafter\n", encoding="utf-8")
    timer.update_readme(data, readme)
    text = readme.read_text(encoding="utf-8")
    assert "old" not in text and "| 1 [01_demo.py](01_demo.py) |" in text and text.endswith("after\n")
