"""Time to quality: the default ``tconv train`` network trained in tconv and in PyTorch, side by side.

Usage (after ``pip install .``; PyTorch is needed for the comparison)::

    python benchmarks/bench_segmentation.py                  # 2 threads, target val mIoU 0.90
    python benchmarks/bench_segmentation.py --threads 1 --eager
    python benchmarks/bench_segmentation.py --decoders       # tconv only: transpose / resize / bilinear

Both frameworks train the identical network (``tconv.seg.models.UNet`` and its PyTorch twin
from ``tests/torch_twins.py``, loaded with the same initial weights), on the identical batches
(the default configuration of ``tconv.seg.train.recipe``: its data, its per-epoch augmentation
and its shuffling, computed once and fed to both), with the same loss (Dice + cross-entropy,
MONAI's ``DiceCELoss(to_onehot_y=True, softmax=True)``, written with torch ops for PyTorch) and
the same optimizer (Adam) and learning-rate schedule. Steps alternate between the two
frameworks (one tconv step, one PyTorch step), so the machine's drift affects both alike.

After every ``--eval-every`` steps both are evaluated on the held-out set (foreground mIoU, as
``tconv train`` reports it). The reported time to the target is the sum of the *training step*
times until the first evaluation at or above ``--target`` (evaluation time is not counted, for
either). tconv's step is the one ``tconv train`` runs: the model planned (``tconv.compile``) and the
fused Dice + cross-entropy; ``--eager`` times the eager graph and the composed loss instead.
Results go to ``benchmarks/results/segmentation.json``.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent / "tests"))        # torch_twins.py


def batches_for_epoch(config, train, info, epoch):
    """The epoch's batches as ``tconv train`` makes them (shuffle and augmentation from (seed, epoch))."""
    from tconv.seg.train.recipe import make_augmentation, make_loaders

    loader, _ = make_loaders(config, train, train)
    loader.set_epoch(epoch)
    loader.transform = make_augmentation(config, info, epoch)
    return list(loader)


def foreground_miou(pred, masks, num_classes):
    import numpy as np

    ious = []
    for c in range(1, num_classes):
        union = np.sum((pred == c) | (masks == c))
        if union:
            ious.append(np.sum((pred == c) & (masks == c)) / union)
    return float(np.mean(ious)) if ious else float("nan")


def torch_dice_ce(torch, logits, masks, num_classes):
    """MONAI's DiceCELoss(to_onehot_y=True, softmax=True) in plain torch ops (mean CE + mean soft Dice loss)."""
    F = torch.nn.functional
    ce = F.cross_entropy(logits, masks)
    p = logits.softmax(1)
    g = F.one_hot(masks, num_classes).movedim(-1, 1).to(p.dtype)
    axes = tuple(range(2, logits.ndim))
    dice = 1 - (2 * (p * g).sum(axes) + 1e-5) / (p.sum(axes) + g.sum(axes) + 1e-5)
    return ce + dice.mean()


def run_comparison(args):
    import numpy as np
    import torch

    import tconv
    from tconv import Tensor
    from tconv.seg.train import predict
    from tconv.seg.train.recipe import check_config, make_datasets, make_loss, make_model, make_optimizer
    from torch_twins import build_twin

    torch.set_num_threads(args.threads)
    tconv.set_num_threads(args.threads)
    config = check_config(dict(epochs=args.epochs))
    tconv.manual_seed(config["seed"])
    train, val, info = make_datasets(config)
    k = info["num_classes"]
    model = make_model(config, info)
    twin = build_twin(model.config())
    twin.load_state_dict({name: torch.from_numpy(v.copy()) for name, v in model.state_dict().items()})
    optimizer = make_optimizer(config, model)
    twin_optimizer = torch.optim.Adam(twin.parameters(), lr=config["lr"])
    loss_fn = make_loss(config["loss"], k, fused=not args.eager)   # as tconv train runs it (eager: unfused)
    forward = model if args.eager else tconv.compile(model)
    val_images = np.stack([val[i][0] for i in range(len(val))])
    val_masks = np.stack([val[i][1] for i in range(len(val))])
    clocks = {"tconv": 0.0, "torch": 0.0}
    reached = {"tconv": None, "torch": None}
    curve = []
    step = 0
    for epoch in range(config["epochs"]):
        for images, masks in batches_for_epoch(config, train, info, epoch):
            start = time.perf_counter()
            loss = loss_fn(forward(Tensor(images)), masks)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            clocks["tconv"] += time.perf_counter() - start
            start = time.perf_counter()
            twin_loss = torch_dice_ce(torch, twin(torch.from_numpy(images)), torch.from_numpy(masks), k)
            twin_optimizer.zero_grad()
            twin_loss.backward()
            twin_optimizer.step()
            clocks["torch"] += time.perf_counter() - start
            step += 1
            if step == 1:
                print(f"first losses: tconv {float(loss.item()):.6f}, torch {float(twin_loss.item()):.6f}")
            if step % args.eval_every:
                continue
            ours = foreground_miou(predict(model, val_images), val_masks, k)
            twin.eval()
            with torch.no_grad():
                theirs_pred = twin(torch.from_numpy(val_images)).argmax(1).numpy()
            twin.train()
            theirs = foreground_miou(theirs_pred, val_masks, k)
            curve.append(dict(step=step, tconv_s=clocks["tconv"], torch_s=clocks["torch"], tconv_miou=ours,
                              torch_miou=theirs))
            print(f"step {step:4d}  tconv {clocks['tconv']:6.1f} s mIoU {ours:.3f}   "
                  f"torch {clocks['torch']:6.1f} s mIoU {theirs:.3f}", flush=True)
            for name, score in (("tconv", ours), ("torch", theirs)):
                if reached[name] is None and score >= args.target:
                    reached[name] = dict(step=step, seconds=clocks[name])
            if all(reached.values()):
                break
        if all(reached.values()):
            break
    return dict(config=config, threads=args.threads, target=args.target, reached=reached, curve=curve,
                planned=not args.eager, load_average=os.getloadavg()[0],
                step_ratio=clocks["tconv"] / clocks["torch"])


def run_decoders(args):
    """tconv only: the default run with each decoder (final and best mIoU, training time)."""
    import tconv
    from tconv.seg.train.run import train_run

    tconv.set_num_threads(args.threads)
    rows = []
    for up in ("transpose", "resize", "bilinear"):
        start = time.perf_counter()
        result = train_run(dict(up=up, epochs=args.epochs), HERE / "results" / f"decoder-{up}", progress=False,
                           log=lambda *a: None)
        seconds = time.perf_counter() - start
        history = result["history"]
        rows.append(dict(up=up, final_miou=history[-1]["val_miou"], best_miou=result["best_miou"],
                         seconds=seconds, epochs=len(history)))
        print(f"{up:9s}  final mIoU {rows[-1]['final_miou']:.3f}  best {rows[-1]['best_miou']:.3f}  "
              f"{seconds:.0f} s", flush=True)
    return dict(decoders=rows, threads=args.threads)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--target", type=float, default=0.90)
    parser.add_argument("--epochs", type=int, default=None, help="default: the recipe's")
    parser.add_argument("--eval-every", type=int, default=25, help="steps between evaluations")
    parser.add_argument("--decoders", action="store_true", help="tconv only: compare the three decoders")
    parser.add_argument("--eager", action="store_true", help="tconv's eager graph and unfused loss instead of "
                        "the planned step tconv train runs")
    parser.add_argument("--out", type=Path, default=HERE / "results")
    args = parser.parse_args(argv)
    from bench_conv import set_threads_env

    set_threads_env(args.threads)
    if args.epochs is None:
        from tconv.seg.train.recipe import DEFAULTS

        args.epochs = DEFAULTS["epochs"]
    result = run_decoders(args) if args.decoders else run_comparison(args)
    if not args.decoders:
        r = result["reached"]
        if r["tconv"] and r["torch"]:
            print(f"time to mIoU {args.target}: tconv {r['tconv']['seconds']:.1f} s, torch {r['torch']['seconds']:.1f} s, "
                  f"ratio {r['tconv']['seconds'] / r['torch']['seconds']:.2f} ({args.threads} threads); "
                  f"step-time ratio {result['step_ratio']:.2f}")
        else:
            print(f"target not reached by both: {r}")
    args.out.mkdir(parents=True, exist_ok=True)
    name = "segmentation-decoders.json" if args.decoders else "segmentation.json"
    (args.out / name).write_text(json.dumps(result, indent=2, default=float))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
