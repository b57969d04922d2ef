"""Polyphase against unfold + GEMM on the decoders' kernel-4, stride-2 layers.

Usage (after ``pip install .``)::

    python benchmarks/bench_polyphase.py              # 2 threads, writes benchmarks/results/polyphase.json
    python benchmarks/bench_polyphase.py --threads 1 --quick

The layers are the transposed convolutions ``ConvTranspose2d(C_in, C_out, 4, stride=2, padding=1)``
of the U-Net's ``up="bilinear"`` decoder (base 16, depth 3: 128 -> 64, 64 -> 32, 32 -> 16
channels, at the recipe's 32 x 32 images and at 128 x 128) and the FCN's ``up2`` (3 classes),
at batch 8. For each, the three products a training step runs:

* ``C.T @ y``: the layer's forward, a transposed convolution (``conv_transpose2d``);
* ``C @ x``: its input gradient, a stride-2 convolution (``conv2d``);
* the weight gradient.

``method="unfold"`` computes ``C.T @ y`` as one GEMM with ``Wᵀ`` followed by a fold (a
scatter-add of 16 taps); ``method="polyphase"`` as four stride-1 convolutions (unfold + GEMM of
2 x 2 sub-kernels) written into the four output phases. Both multiply exactly the nonzeros of
``C`` (neither multiplies inserted zeros, as the paper's zero-insertion view does: that one
spends three quarters of its products on zeros). The two methods are timed alternately, the
median of ``--repeats`` pairs reported with the ratio ``polyphase / unfold``.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent

# (name, batch, C_in, C_out, input side)
SUITE = [
    ("U-Net up 128->64, 4->8px", 8, 128, 64, 4),
    ("U-Net up 64->32, 8->16px", 8, 64, 32, 8),
    ("U-Net up 32->16, 16->32px", 8, 32, 16, 16),
    ("U-Net up 64->32, 32->64px", 8, 64, 32, 32),
    ("U-Net up 32->16, 64->128px", 8, 32, 16, 64),
    ("FCN up2 3->3, 16->32px", 8, 3, 3, 16),
]
QUICK = [("tiny up 8->4, 4->8px", 2, 8, 4, 4)]
PRODUCTS = ("C.T @ y (forward)", "C @ x (input grad)", "weight grad")


def _products(method, y, x, w):
    import tconv
    from tconv.geometry import conv_transpose_geometry
    from tconv.methods import get_method

    geometry = conv_transpose_geometry(y.shape[2:], (4, 4), stride=2, padding=1)
    impl = get_method(method)
    return (lambda: tconv.conv_transpose2d(y, w, stride=2, padding=1, method=method),
            lambda: tconv.conv2d(x, w, stride=2, padding=1, method=method),
            lambda: impl.weight_grad(x, y, geometry, 1))


def run(suite, threads: int, repeats: int) -> list[dict]:
    import numpy as np
    import tconv

    tconv.set_num_threads(threads)
    rows = []
    for name, batch, c_in, c_out, side in suite:
        rng = np.random.default_rng(0)
        y = rng.standard_normal((batch, c_in, side, side)).astype(np.float32)
        x = rng.standard_normal((batch, c_out, 2 * side, 2 * side)).astype(np.float32)
        w = rng.standard_normal((c_in, c_out, 4, 4)).astype(np.float32)
        calls = {m: _products(m, y, x, w) for m in ("unfold", "polyphase")}
        for m in calls:                                   # compile and check once
            for call in calls[m]:
                call()
        np.testing.assert_allclose(calls["polyphase"][0](), calls["unfold"][0](), rtol=1e-4, atol=1e-3)
        for p, product in enumerate(PRODUCTS):
            times = {"unfold": [], "polyphase": []}
            ratios = []
            for _ in range(repeats):
                pair = {}
                for m in ("unfold", "polyphase"):
                    start = time.perf_counter()
                    calls[m][p]()
                    pair[m] = time.perf_counter() - start
                    times[m].append(pair[m])
                ratios.append(pair["polyphase"] / pair["unfold"])
            rows.append({"layer": name, "product": product, "threads": threads,
                         "unfold_ms": 1e3 * float(np.median(times["unfold"])),
                         "polyphase_ms": 1e3 * float(np.median(times["polyphase"])),
                         "ratio": float(np.median(ratios)), "ratio_min": float(min(ratios)),
                         "ratio_max": float(max(ratios))})
    return rows


def table(rows) -> str:
    lines = [f"{'layer':30s} {'product':20s} {'unfold ms':>10s} {'polyphase ms':>13s} {'poly/unfold':>12s}"]
    for r in rows:
        lines.append(f"{r['layer']:30s} {r['product']:20s} {r['unfold_ms']:10.2f} {r['polyphase_ms']:13.2f} "
                     f"{r['ratio']:6.2f} ({r['ratio_min']:.2f}-{r['ratio_max']:.2f})")
    return "\n".join(lines)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--repeats", type=int, default=15)
    parser.add_argument("--quick", action="store_true", help="one tiny layer, 2 repeats (for the tests)")
    parser.add_argument("--out", default=str(HERE / "results"), help="folder for polyphase.json")
    args = parser.parse_args(argv)
    if "numpy" not in sys.modules:
        for name in ("NUMBA_NUM_THREADS", "OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
            os.environ[name] = str(args.threads)
    rows = run(QUICK if args.quick else SUITE, args.threads, 2 if args.quick else args.repeats)
    print(table(rows))
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else None
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    (out / "polyphase.json").write_text(json.dumps({"rows": rows, "threads": args.threads, "load_average": load,
                                                    "python": platform.python_version()}, indent=1))
    print(f"load average {load}; wrote {out / 'polyphase.json'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
