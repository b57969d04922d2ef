"""Benchmark tconv's convolution paths against PyTorch CPU, side by side in one process.

Usage (after ``pip install .``; PyTorch is optional)::

    python benchmarks/bench_conv.py                 # 2 threads, writes benchmarks/results/
    python benchmarks/bench_conv.py --threads 1 --quick

The suite is the tiny U-Net's layers at batch 16 (plus a 3-D layer). For each layer and
for ``forward`` and ``forward+backward`` (input and weight gradients) it times:

* ``fast``: tconv's default method (per layer unfold + GEMM or Winograd, see
  ``tconv.methods.choice.factorization``; the table's last column says which);
* ``torch``: ``torch.nn.functional`` on the CPU with the same thread count;
* ``unfold``: tconv's unfold + GEMM everywhere (``method="unfold"``), forward + backward;
* ``matrix``: tconv's explicit sparse matrix ``C`` (skipped where ``C`` is too large);
* ``loop``: the readable reference loops, timed at batch 1 and scaled to the batch
  (marked ``*`` in the table: an extrapolation, the loops are linear in the batch).

``fast`` and ``torch`` are timed alternately (A B A B ...), ``--repeats`` pairs; a layer's
time is the median and its ratio the median of the pairs' ratios, with the spread
(min-max) of those ratios: on a shared machine timings drift, ratios within one process
drift less. It prints a table (ms, GFLOP/s, ratio to PyTorch), writes ``results.json`` and
a bar chart ``results.png``, and measures in fresh processes the peak memory of the fast
suite and the cold-start cost (import + first call) with and without the Numba cache.
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def set_threads_env(threads: int) -> None:
    """Fix every thread pool before NumPy, Numba or PyTorch start theirs.

    Only in a fresh process: once NumPy is imported its BLAS pool is sized, and changing
    NUMBA_NUM_THREADS after Numba launched its threads is an error (``tconv.set_num_threads``
    and ``torch.set_num_threads`` still apply at run time).
    """
    if "numpy" in sys.modules:
        return
    for name in ("NUMBA_NUM_THREADS", "OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[name] = str(threads)


# (name, kind, batch, C_in, C_out, spatial size, kernel, stride, padding, output_padding)
SUITE = [
    ("conv3x3 64x64 1->16", "conv", 16, 1, 16, (64, 64), 3, 1, 1, 0),
    ("conv3x3 64x64 16->16", "conv", 16, 16, 16, (64, 64), 3, 1, 1, 0),
    ("conv3x3 32x32 16->32", "conv", 16, 16, 32, (32, 32), 3, 1, 1, 0),
    ("conv3x3 32x32 32->32", "conv", 16, 32, 32, (32, 32), 3, 1, 1, 0),
    ("conv3x3 16x16 32->64", "conv", 16, 32, 64, (16, 16), 3, 1, 1, 0),
    ("conv3x3 16x16 64->64", "conv", 16, 64, 64, (16, 16), 3, 1, 1, 0),
    ("convT2x2 s2 16->32px 64->32", "convT", 16, 64, 32, (16, 16), 2, 2, 0, 0),
    ("convT2x2 s2 32->64px 32->16", "convT", 16, 32, 16, (32, 32), 2, 2, 0, 0),
    ("convT3x3 s2 p1 op1 32->16", "convT", 16, 32, 16, (32, 32), 3, 2, 1, 1),
    ("conv3d 3x3x3 32^3 16->16", "conv", 2, 16, 16, (32, 32, 32), 3, 1, 1, 0),
]

MATRIX_LIMIT_NNZ = 40_000_000   # the explicit matrix path is skipped beyond this many nonzeros


def make_case(case, rng, np):
    name, kind, n, c_in, c_out, size, k, s, p, op = case
    ndim = len(size)
    x = rng.standard_normal((n, c_in) + size).astype(np.float32)
    if kind == "conv":
        w = rng.standard_normal((c_out, c_in) + (k,) * ndim).astype(np.float32) * 0.1
    else:
        w = rng.standard_normal((c_in, c_out) + (k,) * ndim).astype(np.float32) * 0.1
    return x, w


def flops(case, out_shape):
    """Multiply-adds x 2 of the forward pass; the backward costs twice that."""
    name, kind, n, c_in, c_out, size, k, s, p, op = case
    taps = k ** len(size)
    if kind == "conv":
        return 2.0 * taps * c_in * out_shape[1] * int(_prod(out_shape[2:])) * n
    return 2.0 * taps * c_in * c_out * int(_prod(size)) * n


def _prod(values):
    out = 1
    for v in values:
        out *= v
    return out


def alternating(fns, repeats, budget_s=6.0):
    """Median wall time (ms) of each function, called in turn (A B A B ...) after one warm-up each.

    Returns ``(medians, ratios)``: ``ratios[k]`` are the per-round ratios ``fns[k] / fns[-1]``
    (the last function is the reference), so a slow phase of the machine hits both sides.
    """
    for fn in fns:
        fn()
    times, start = [[] for _ in fns], time.perf_counter()
    for _ in range(repeats):
        for fn, store in zip(fns, times):
            t = time.perf_counter()
            fn()
            store.append(time.perf_counter() - t)
        if time.perf_counter() - start > budget_s and len(times[0]) >= 3:
            break
    medians = [1e3 * _median(store) for store in times]
    ratios = [[a / b for a, b in zip(store, times[-1])] for store in times[:-1]]
    return medians, ratios


def _median(values):
    ordered = sorted(values)
    middle = len(ordered) // 2
    return ordered[middle] if len(ordered) % 2 else 0.5 * (ordered[middle - 1] + ordered[middle])


def best_of(fn, repeats, budget_s=3.0):
    """Minimum wall time (ms) of ``repeats`` calls after one warm-up; stops early past the budget."""
    fn()
    times, start = [], time.perf_counter()
    for _ in range(repeats):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
        if time.perf_counter() - start > budget_s:
            break
    return 1e3 * min(times)


def tconv_runner(case, x, w, method):
    """forward and forward+backward closures running one tconv method's three products."""
    import numpy as np

    from tconv.methods import get_method
    from tconv.ops.conv import prepare_conv, prepare_conv_transpose

    name, kind, n, c_in, c_out, size, k, s, p, op = case
    ndim = len(size)
    impl = get_method(method)
    if kind == "conv":
        x, w, _, geom, groups, _ = prepare_conv(x, w, None, s, p, 1, 1, ndim)
        out = impl.forward(x, w, geom, groups)
        grad = np.ones_like(out)

        def fwd():
            return impl.forward(x, w, geom, groups)

        def fwd_bwd():          # as the autograd runs it: the forward keeps its columns/tiles
            kept = {"keep_cols": []} if impl.keeps_columns else {}
            impl.forward(x, w, geom, groups, **kept)
            impl.adjoint(grad, w, geom, groups)
            impl.weight_grad(x, grad, geom, groups, **({"cols": kept["keep_cols"]} if kept else {}))
    else:
        x, w, _, geom, groups, _ = prepare_conv_transpose(x, w, None, s, p, op, 1, 1, None, ndim)
        out = impl.adjoint(x, w, geom, groups)
        grad = np.ones_like(out)

        def fwd():
            return impl.adjoint(x, w, geom, groups)

        def fwd_bwd():
            impl.adjoint(x, w, geom, groups)
            impl.forward(grad, w, geom, groups)
            impl.weight_grad(grad, x, geom, groups)
    return fwd, fwd_bwd, out.shape


def torch_runner(case, x, w, torch):
    import torch.nn.functional as F

    name, kind, n, c_in, c_out, size, k, s, p, op = case
    ndim = len(size)
    tx = torch.from_numpy(x).requires_grad_(True)
    tw = torch.from_numpy(w).requires_grad_(True)
    if kind == "conv":
        op_fn = [None, F.conv1d, F.conv2d, F.conv3d][ndim]
        call = lambda: op_fn(tx, tw, None, s, p)  # noqa: E731
    else:
        op_fn = [None, F.conv_transpose1d, F.conv_transpose2d, F.conv_transpose3d][ndim]
        call = lambda: op_fn(tx, tw, None, s, p, op)  # noqa: E731
    grad = torch.ones_like(call())

    def fwd():
        with torch.no_grad():
            return call()

    def fwd_bwd():
        torch.autograd.grad(call(), (tx, tw), grad)
    return fwd, fwd_bwd


def loop_runner(case, x, w):
    """The reference loops at batch 1 (scaled by the batch size afterwards)."""
    import numpy as np

    from tconv import reference
    from tconv.geometry import conv_geometry

    name, kind, n, c_in, c_out, size, k, s, p, op = case
    x1 = x[:1]
    if kind == "conv":
        grad = np.ones_like(reference.conv_direct(x1, w, None, s, p))
        a = conv_geometry(size, w.shape[2:], s, p).restoring_output_padding()

        def fwd():
            reference.conv_direct(x1, w, None, s, p)

        def fwd_bwd():
            reference.conv_direct(x1, w, None, s, p)
            reference.conv_transpose_scatter(grad, w, None, s, p, a)
            reference.conv_weight_grad(x1, grad, w.shape[2:], s, p)
    else:
        grad = np.ones_like(reference.conv_transpose_scatter(x1, w, None, s, p, op))

        def fwd():
            reference.conv_transpose_scatter(x1, w, None, s, p, op)

        def fwd_bwd():
            reference.conv_transpose_scatter(x1, w, None, s, p, op)
            reference.conv_direct(grad, w, None, s, p)
            reference.conv_weight_grad(grad, x1, w.shape[2:], s, p)
    return fwd, fwd_bwd


def matrix_nnz(case):
    name, kind, n, c_in, c_out, size, k, s, p, op = case
    return c_in * c_out * k ** len(size) * _prod(size) // (s ** len(size))


def run_suite(args, np):
    try:
        import torch
        torch.set_num_threads(args.threads)
    except ImportError:
        torch = None
    rng = np.random.default_rng(0)
    rows = []
    suite = SUITE[:3] + SUITE[6:7] if args.quick else SUITE
    for case in suite:
        x, w = make_case(case, rng, np)
        row = {"layer": case[0], "batch": case[2], "factorization": factorization_of(case)}
        fwd, fwd_bwd, out_shape = tconv_runner(case, x, w, "numba")
        work = flops(case, out_shape)
        row["gflop_forward"] = work / 1e9
        if torch is not None:
            t_fwd, t_fwd_bwd = torch_runner(case, x, w, torch)
            (fast_f, torch_f), (ratio_f,) = alternating([fwd, t_fwd], args.repeats)
            (fast_fb, torch_fb), (ratio_fb,) = alternating([fwd_bwd, t_fwd_bwd], args.repeats)
            row["fast"], row["torch"] = (fast_f, fast_fb), (torch_f, torch_fb)
            row["ratio"] = {"forward": _spread(ratio_f), "forward_backward": _spread(ratio_fb)}
        else:
            row["fast"] = (best_of(fwd, args.repeats), best_of(fwd_bwd, args.repeats))
        u_fwd, u_fwd_bwd, _ = tconv_runner(case, x, w, "unfold")
        row["unfold"] = (float("nan"), best_of(u_fwd_bwd, 3))
        if not args.skip_slow and matrix_nnz(case) <= MATRIX_LIMIT_NNZ:
            m_fwd, m_fwd_bwd, _ = tconv_runner(case, x, w, "matrix")
            row["matrix"] = (best_of(m_fwd, 1, 0), best_of(m_fwd_bwd, 1, 0))
        if not args.skip_slow:
            l_fwd, l_fwd_bwd = loop_runner(case, x, w)
            scale = case[2]
            row["loop"] = (scale * best_of(l_fwd, 1, 0), scale * best_of(l_fwd_bwd, 1, 0))
        rows.append(row)
        print(format_row(row), flush=True)
    return rows


def _spread(ratios):
    """``{"median", "min", "max"}`` of one layer's per-round ratios."""
    return {"median": _median(ratios), "min": min(ratios), "max": max(ratios)}


def factorization_of(case) -> str:
    """Which factorization tconv's default runs for the layer's forward (``tconv.methods.choice.factorization``)."""
    from tconv.methods import choice
    from tconv.geometry import conv_geometry, conv_transpose_geometry

    name, kind, n, c_in, c_out, size, k, s, p, op = case
    ndim = len(size)
    if kind == "conv":
        geometry = conv_geometry(size, (k,) * ndim, s, p)
        return choice.factorization(geometry, c_in, c_out)["forward"].split(":")[0]
    geometry = conv_transpose_geometry(size, (k,) * ndim, s, p, op)
    return choice.factorization(geometry, c_out, c_in)["adjoint"].split(":")[0]


HEADER = (f"{'layer':30s} {'fast fwd':>9s} {'GF/s':>6s} {'torch':>8s} {'ratio':>6s} | "
          f"{'fast f+b':>9s} {'torch':>8s} {'ratio (spread)':>17s} | {'unfold f+b':>10s} {'matrix f+b':>10s} "
          f"{'loop f+b*':>10s} | factorization")


def format_row(row):
    fast_f, fast_fb = row["fast"]
    torch_f, torch_fb = row.get("torch", (float("nan"),) * 2)
    nan = {"median": float("nan"), "min": float("nan"), "max": float("nan")}
    ratio = row.get("ratio", {"forward": nan, "forward_backward": nan})
    rf, rfb = ratio["forward"], ratio["forward_backward"]
    unfold_fb = row.get("unfold", (float("nan"),) * 2)[1]
    matrix_fb = row.get("matrix", (float("nan"),) * 2)[1]
    loop_fb = row.get("loop", (float("nan"),) * 2)[1]
    gflops = row["gflop_forward"] / (fast_f / 1e3)
    return (f"{row['layer']:30s} {fast_f:9.2f} {gflops:6.1f} {torch_f:8.2f} {rf['median']:6.2f} | "
            f"{fast_fb:9.2f} {torch_fb:8.2f} {rfb['median']:5.2f} ({rfb['min']:.2f}-{rfb['max']:.2f}) | "
            f"{unfold_fb:10.2f} {matrix_fb:10.1f} {loop_fb:10.0f} | {row['factorization']}")


def summary(rows):
    total = {key: sum(r[key][1] for r in rows if key in r) for key in ("fast", "torch")}
    out = {"total_fast_fwd_bwd_ms": total["fast"]}
    if all("torch" in r for r in rows):
        forward = {key: sum(r[key][0] for r in rows) for key in ("fast", "torch")}
        out["total_fast_fwd_ms"], out["total_torch_fwd_ms"] = forward["fast"], forward["torch"]
        out["ratio_total_fwd"] = forward["fast"] / forward["torch"]
        out["total_torch_fwd_bwd_ms"] = total["torch"]
        out["ratio_total_fwd_bwd"] = total["fast"] / total["torch"]
        for key in ("forward", "forward_backward"):
            worst = max(rows, key=lambda r: r["ratio"][key]["median"])
            out[f"worst_layer_ratio_{key}"] = worst["ratio"][key]["median"]
            out[f"worst_layer_{key}"] = worst["layer"]
    looped = [r for r in rows if "loop" in r]
    if looped:
        out["speedup_vs_loop"] = sum(r["loop"][1] for r in looped) / sum(r["fast"][1] for r in looped)
    return out


def child_peak_memory(threads):
    """Run the fast suite alone in a fresh process and report its peak RSS (MiB)."""
    code = (
        "import sys, resource; sys.path.insert(0, %r)\n"
        "import numpy as np, bench_conv as b\n"
        "rng = np.random.default_rng(0)\n"
        "for case in b.SUITE:\n"
        "    x, w = b.make_case(case, rng, np)\n"
        "    f, fb, _ = b.tconv_runner(case, x, w, 'numba'); fb()\n"
        "print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)\n" % str(HERE))
    env = dict(os.environ)
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True)
    return float(result.stdout.strip().splitlines()[-1])


def cold_start(threads):
    """Seconds for ``import tconv`` plus a first conv2d call in a fresh process."""
    code = ("import time; t = time.perf_counter(); import numpy as np, tconv\n"
            "tconv.conv2d(np.ones((1, 3, 16, 16), np.float32), np.ones((4, 3, 3, 3), np.float32), padding=1)\n"
            "print(time.perf_counter() - t)\n")
    out = {}
    with tempfile.TemporaryDirectory() as cache:
        env = dict(os.environ, NUMBA_CACHE_DIR=cache)
        for label in ("cold_cache_s", "warm_cache_s"):
            result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env,
                                    check=True)
            out[label] = float(result.stdout.strip().splitlines()[-1])
    return out


def bar_chart(rows, path):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np

    labels = [r["layer"] for r in rows]
    series = [("fast", "tconv fast"), ("torch", "PyTorch CPU"), ("matrix", "tconv matrix")]
    fig, ax = plt.subplots(figsize=(11, 5))
    width = 0.27
    for i, (key, label) in enumerate(series):
        values = [r[key][1] if key in r else np.nan for r in rows]
        ax.bar(np.arange(len(rows)) + (i - 1) * width, values, width, label=label)
    ax.set_yscale("log")
    ax.set_ylabel("forward + backward time (ms, log scale)")
    ax.set_xticks(np.arange(len(rows)), labels, rotation=30, ha="right", fontsize=8)
    ax.legend()
    ax.set_title("tconv vs PyTorch CPU, batch 16 (3-D layer: batch 2), float32")
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--threads", type=int, default=2, help="threads for Numba, BLAS and PyTorch (default 2)")
    parser.add_argument("--repeats", type=int, default=9,
                        help="alternating rounds per measurement (medians are kept; default 9)")
    parser.add_argument("--quick", action="store_true", help="a few layers only")
    parser.add_argument("--skip-slow", action="store_true", help="skip the matrix and loop paths")
    parser.add_argument("--out", type=Path, default=HERE / "results", help="output folder")
    args = parser.parse_args(argv)
    set_threads_env(args.threads)
    import numpy as np

    import tconv
    tconv.set_num_threads(args.threads)
    print(f"tconv {tconv.__version__}, {args.threads} thread(s), float32\n{HEADER}")
    rows = run_suite(args, np)
    result = {"threads": args.threads, "rows": rows, "summary": summary(rows)}
    if not args.quick:
        result["peak_memory_fast_suite_mib"] = child_peak_memory(args.threads)
        result["cold_start"] = cold_start(args.threads)
    print(json.dumps({k: v for k, v in result.items() if k != "rows"}, indent=2))
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "results.json").write_text(json.dumps(result, indent=2))
    bar_chart(rows, args.out / "results.png")
    print(f"wrote {args.out / 'results.json'} and {args.out / 'results.png'}")


if __name__ == "__main__":
    main()
