"""One training step of a tiny U-Net in tconv and in PyTorch CPU, side by side in one process.

Usage (after ``pip install .``; PyTorch is optional)::

    python benchmarks/bench_train_step.py            # 2 threads
    python benchmarks/bench_train_step.py --threads 1 --steps 5

The network (depth 3, base width 16, 64x64 inputs, batch 16, 2 classes) is built from
``tconv.nn`` modules: two 3x3 convolutions + ReLU per level, 2x2 max pooling down, 2x2
stride-2 transposed convolutions up, concatenation with the skip, a 1x1 head; Adam and
pixel-wise cross-entropy. The PyTorch twin is loaded with the same weights, and the two
losses of the first step are compared before anything is timed.

The two steps alternate (tconv, PyTorch, tconv, ...). Reported: the median step time of
each, the median and spread (min-max) of the per-round ratios, tconv's Adam step alone,
and tconv's autograd overhead: the share of the step spent outside the convolution
backends (unfold/fold or the Winograd transforms, and the GEMMs). Pooling, ReLU,
concatenation, bias, the loss, the graph walk and Adam all count as overhead.
"""
from __future__ import annotations

import argparse
import contextlib
import json
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))


def build_unet(nn, cat, in_channels=1, classes=2, width=16):
    """The tiny U-Net, written once: ``nn`` is ``tconv.nn`` or ``torch.nn`` (same names, same layouts)."""

    def block(c_in, c_out):
        return nn.Sequential(nn.Conv2d(c_in, c_out, 3, padding=1), nn.ReLU(),
                             nn.Conv2d(c_out, c_out, 3, padding=1), nn.ReLU())

    class TinyUNet(nn.Module):
        def __init__(self):
            super().__init__()
            self.enc1 = block(in_channels, width)
            self.enc2 = block(width, 2 * width)
            self.bottom = block(2 * width, 4 * width)
            self.pool = nn.MaxPool2d(2)
            self.up2 = nn.ConvTranspose2d(4 * width, 2 * width, 2, stride=2)
            self.dec2 = block(4 * width, 2 * width)
            self.up1 = nn.ConvTranspose2d(2 * width, width, 2, stride=2)
            self.dec1 = block(2 * width, width)
            self.head = nn.Conv2d(width, classes, 1)

        def forward(self, x):
            s1 = self.enc1(x)
            s2 = self.enc2(self.pool(s1))
            b = self.bottom(self.pool(s2))
            d2 = self.dec2(cat([self.up2(b), s2], dim=1))
            d1 = self.dec1(cat([self.up1(d2), s1], dim=1))
            return self.head(d1)

    return TinyUNet()


def build_tconv_unet(seed=0):
    import tconv
    from tconv import nn
    from tconv.nn import functional as F

    tconv.manual_seed(seed)
    return build_unet(nn, F.cat)


def build_torch_unet(torch):
    return build_unet(torch.nn, torch.cat)


class KernelTimer:
    """Runs the default method, timed: a copy registered as ``"<default>-timed"`` and used for the block."""

    def __init__(self):
        from tconv import methods

        self.methods = methods
        self.name = methods.get_default_method()
        self.original = methods.get_method(self.name)
        self.seconds = 0.0

    def _timed(self, fn):
        def run(*args, **kwargs):
            start = time.perf_counter()
            try:
                return fn(*args, **kwargs)
            finally:
                self.seconds += time.perf_counter() - start
        return run

    def __enter__(self):
        b = self.original
        self._stack = contextlib.ExitStack()
        self._stack.enter_context(self.methods.registered(
            f"{self.name}-timed", self._timed(b.forward), self._timed(b.adjoint), self._timed(b.weight_grad),
            keeps_columns=b.keeps_columns, pool=b.pool, resize=b.resize))
        self._stack.enter_context(self.methods.use_method(f"{self.name}-timed"))
        return self

    def __exit__(self, *exc):
        self._stack.close()


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--steps", type=int, default=10, help="timed steps (after 2 warm-up steps)")
    parser.add_argument("--batch", type=int, default=16)
    parser.add_argument("--size", type=int, default=64)
    parser.add_argument("--out", type=Path, default=HERE / "results")
    args = parser.parse_args(argv)
    from bench_conv import set_threads_env

    set_threads_env(args.threads)
    import numpy as np

    import tconv
    from tconv import optim
    from tconv.nn import functional as F

    tconv.set_num_threads(args.threads)
    rng = np.random.default_rng(0)
    x = rng.standard_normal((args.batch, 1, args.size, args.size)).astype(np.float32)
    target = (rng.random((args.batch, args.size, args.size)) > 0.5).astype(np.int64)

    model = build_tconv_unet()
    opt = optim.Adam(model.parameters(), lr=1e-3)
    adam_seconds = []

    def tconv_step():
        opt.zero_grad()
        loss = F.cross_entropy(model(x), target)
        loss.backward()
        start = time.perf_counter()
        opt.step()
        adam_seconds.append(time.perf_counter() - start)
        return float(loss.item())

    try:
        import torch
        torch.set_num_threads(args.threads)
    except ImportError:
        torch = None
    result = {"threads": args.threads, "batch": args.batch, "size": args.size}
    torch_step = None
    if torch is not None:
        twin = build_torch_unet(torch)
        twin.load_state_dict({k: torch.from_numpy(v) for k, v in model.state_dict().items()})
        t_opt = torch.optim.Adam(twin.parameters(), lr=1e-3)
        tx, tt = torch.from_numpy(x), torch.from_numpy(target)

        def torch_step():
            t_opt.zero_grad()
            loss = torch.nn.functional.cross_entropy(twin(tx), tt)
            loss.backward()
            t_opt.step()
            return float(loss.item())

        first_tconv, first_torch = tconv_step(), torch_step()
        result["first_loss"] = {"tconv": first_tconv, "torch": first_torch}
        assert abs(first_tconv - first_torch) < 1e-4, (first_tconv, first_torch)
    times, t_times, kernel_share = [], [], []
    for step in range(args.steps + 2):                 # alternate: a slow phase hits both
        with KernelTimer() as timer:
            start = time.perf_counter()
            tconv_step()
            elapsed = time.perf_counter() - start
        if torch_step is not None:
            start = time.perf_counter()
            torch_step()
            torch_elapsed = time.perf_counter() - start
        if step >= 2:
            times.append(elapsed)
            kernel_share.append(timer.seconds / elapsed)
            if torch_step is not None:
                t_times.append(torch_elapsed)
    result["tconv_step_ms"] = 1e3 * float(np.median(times))
    result["tconv_adam_ms"] = 1e3 * float(np.median(adam_seconds[-len(times):]))
    result["tconv_overhead_share"] = 1.0 - float(np.median(kernel_share))
    if torch_step is not None:
        ratios = [a / b for a, b in zip(times, t_times)]
        result["torch_step_ms"] = 1e3 * float(np.median(t_times))
        result["ratio"] = float(np.median(ratios))
        result["ratio_spread"] = [float(min(ratios)), float(max(ratios))]
    print(json.dumps(result, indent=2))
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "train_step.json").write_text(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
