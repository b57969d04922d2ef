"""Time every tutorial as a student runs it, and write the one runtime table the docs quote.

Each tutorial runs as a plain script (``python tutorials/NN_name.py``) in a fresh process and a
fresh folder, once in full (``TCONV_QUICK=0``) and once in the tests' quick mode
(``TCONV_QUICK=1``), ``--repeats`` times each (the median is kept). Wall time and the process'
CPU time (user + system) are recorded, with the conditions: cores, threads, the load average
before and after (other work on the machine lengthens the wall time), Python and the date.

The results go to ``tutorials/runtimes.json``; with ``--readme`` the table between the
``<!-- runtimes ... -->`` marks of ``tutorials/README.md`` is rewritten from them. That README is
also the tutorials' page of the documentation site, and the tutorials point to it instead of
quoting their own times, so there is one measured table.

    python benchmarks/time_tutorials.py --readme              # all eleven, full and quick (~6 min)
    python benchmarks/time_tutorials.py --only 1 4 --repeats 3

A run's first tutorial pays for Numba's compilation when the cache is cold; run the script twice
after an install, or read the first row with that in mind.
"""
from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import re
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TUTORIALS = ROOT / "tutorials"
BEGIN = "<!-- runtimes: begin (written by benchmarks/time_tutorials.py --readme; do not edit by hand) -->"
END = "<!-- runtimes: end -->"


def measure(path: Path, quick: bool, env: dict | None = None, timeout: float = 1800) -> dict:
    """Run the tutorial at ``path`` as a script in a fresh process and folder: wall and CPU seconds."""
    with tempfile.TemporaryDirectory(prefix=f"time_{path.stem}_") as folder:
        environment = dict(os.environ, MPLBACKEND="Agg", TCONV_TUTORIAL_OUTPUT=folder,
                           TCONV_QUICK="1" if quick else "0", **(env or {}))
        environment["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), environment.get("PYTHONPATH")]))
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        done = subprocess.run([sys.executable, str(path)], cwd=folder, env=environment, capture_output=True,
                              text=True, timeout=timeout)
        wall = time.perf_counter() - start
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        raise RuntimeError(f"{path.name} failed (exit {done.returncode}):\n{done.stderr[-2000:]}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return {"wall_s": round(wall, 1), "cpu_s": round(cpu, 1)}


def time_tutorials(paths, repeats: int = 1, modes=("full", "quick")) -> dict:
    """Median wall and CPU seconds of each tutorial in each mode, with the conditions of the run."""
    load_before = os.getloadavg()
    rows = []
    for path in paths:
        row = {"tutorial": path.name}
        for mode in modes:
            runs = [measure(path, quick=mode == "quick") for _ in range(repeats)]
            row[mode] = {key: statistics.median(run[key] for run in runs) for key in ("wall_s", "cpu_s")}
            print(f"{path.name:48s} {mode:5s} wall {row[mode]['wall_s']:6.1f} s  cpu {row[mode]['cpu_s']:6.1f} s",
                  flush=True)
        rows.append(row)
    return {
        "conditions": {
            "date": datetime.date.today().isoformat(), "cores": os.cpu_count(),
            "threads": os.environ.get("NUMBA_NUM_THREADS", "default (one per core)"),
            "load_average_before": round(load_before[0], 2), "load_average_after": round(os.getloadavg()[0], 2),
            "python": platform.python_version(), "machine": platform.machine(), "repeats": repeats,
        },
        "rows": rows,
    }


def table_markdown(data: dict) -> str:
    """The runtime table (Markdown) of ``data``, with a sentence on how it was measured."""
    c = data["conditions"]
    lines = ["| tutorial | full run: wall | full run: CPU | `TCONV_QUICK=1`: wall |", "|---|---:|---:|---:|"]
    for row in data["rows"]:
        number = int(row["tutorial"][:2])
        lines.append(f"| {number} [{row['tutorial']}]({row['tutorial']}) | {row['full']['wall_s']:.0f} s | "
                     f"{row['full']['cpu_s']:.0f} s | {row['quick']['wall_s']:.0f} s |")
    total = {mode: sum(row[mode]["wall_s"] for row in data["rows"]) for mode in ("full", "quick")}
    lines.append(f"| all {len(data['rows'])} | {total['full']:.0f} s | "
                 f"{sum(row['full']['cpu_s'] for row in data['rows']):.0f} s | {total['quick']:.0f} s |")
    lines += ["", f"Measured on {c['date']} with `python benchmarks/time_tutorials.py` ({c['repeats']} run(s) per "
              f"tutorial and mode, the median): each tutorial as a script in a fresh process, on {c['cores']} cores "
              f"shared with other work (load average {c['load_average_before']} at the start, "
              f"{c['load_average_after']} at the end), Python {c['python']}, Numba's cache warm. Wall time is "
              "what you wait; CPU time (all threads) is the steadier measure on a busy machine. As a notebook "
              "add a few seconds for the kernel."]
    return "\n".join(lines)


def update_readme(data: dict, readme: Path = TUTORIALS / "README.md") -> None:
    """Rewrite the table between :data:`BEGIN` and :data:`END` in ``readme``."""
    text = readme.read_text(encoding="utf-8")
    pattern = re.compile(re.escape(BEGIN) + r".*?" + re.escape(END), re.S)
    if not pattern.search(text):
        raise ValueError(f"{readme} has no runtime marks ({BEGIN} ... {END})")
    readme.write_text(pattern.sub(lambda _: f"{BEGIN}\n{table_markdown(data)}\n{END}", text), encoding="utf-8")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--only", type=int, nargs="+", help="tutorial numbers (default: all)")
    parser.add_argument("--repeats", type=int, default=1, help="runs per tutorial and mode (the median is kept)")
    parser.add_argument("--out", type=Path, default=TUTORIALS / "runtimes.json", help="the JSON results")
    parser.add_argument("--readme", action="store_true", help="rewrite the table in tutorials/README.md")
    args = parser.parse_args(argv)
    paths = sorted(TUTORIALS.glob("[0-9][0-9]_*.py"))
    if args.only:
        paths = [p for p in paths if int(p.name[:2]) in args.only]
    data = time_tutorials(paths, repeats=args.repeats)
    args.out.write_text(json.dumps(data, indent=1) + "\n", encoding="utf-8")
    print(f"wrote {args.out}")
    if args.readme:
        update_readme(data)
        print(f"updated {TUTORIALS / 'README.md'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
