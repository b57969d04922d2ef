"""The training step users actually run, ``tconv train``'s recipe, against PyTorch CPU, side by side.

Usage (after ``pip install .``; PyTorch is needed for the comparison)::

    python benchmarks/bench_recipe_step.py                 # 2 threads, 60 alternated step pairs
    python benchmarks/bench_recipe_step.py --threads 1
    python benchmarks/bench_recipe_step.py --profile       # and tconv's profiler table (tconv.profiler)
    python benchmarks/bench_recipe_step.py --layers        # and each forward convolution alone

The recipe (``tconv.seg.train.recipe``'s defaults): batch 8 of 32x32 grey images, the depth-3,
base-16 U-Net with batch norm and 2x2 transposed-convolution decoders, Dice + cross-entropy
(MONAI's ``DiceCELoss(to_onehot_y=True, softmax=True)``), Adam. Both frameworks start from the
same weights and train on the same batches; steps alternate (one tconv step, one PyTorch step)
so the machine's drift affects both alike. Reported: each framework's median step time with
its interquartile range, and the ratio of the medians of the pairwise ratios, with the load
average. ``--layers`` times each of the 18 forward convolutions of the network at the recipe's
shapes, both frameworks alternated per repetition. tconv's step is the planned one, as ``tconv
train`` runs it (the model's forward recorded once and replayed, ``tconv.compile``);
``--eager`` times the eager graph instead. Results go to ``benchmarks/results/recipe_step.json``.
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


def quartiles(values):
    import numpy as np

    q1, q2, q3 = np.percentile(values, [25, 50, 75])
    return float(q1), float(q2), float(q3)


def recipe(threads: int):
    """``(config, info, batches, model, twin, optimizer, twin_optimizer, loss_fn, twin_loss)`` of the recipe."""
    import torch

    import tconv
    from bench_segmentation import batches_for_epoch, torch_dice_ce
    from tconv.seg.train.recipe import check_config, make_datasets, make_loss, make_model, make_optimizer
    from torch_twins import build_twin

    torch.set_num_threads(threads)
    tconv.set_num_threads(threads)
    config = check_config({})
    tconv.manual_seed(config["seed"])
    train, _, info = make_datasets(config)
    model = make_model(config, info)
    twin = build_twin(model.config())
    twin.load_state_dict({name: torch.from_numpy(v.copy()) for name, v in model.state_dict().items()})
    batches = batches_for_epoch(config, train, info, 0)
    k = info["num_classes"]
    return dict(config=config, batches=batches, model=model, twin=twin,
                optimizer=make_optimizer(config, model),
                twin_optimizer=torch.optim.Adam(twin.parameters(), lr=config["lr"]),
                loss_fn=make_loss(config["loss"], k),
                twin_loss=lambda logits, masks: torch_dice_ce(torch, logits, masks, k))


def tconv_step(r, images, masks):
    from tconv import Tensor

    loss = r["loss_fn"](r["forward"](Tensor(images)), masks)
    r["optimizer"].zero_grad()
    loss.backward()
    r["optimizer"].step()
    return float(loss.item())


def torch_step(r, images, masks):
    import torch

    loss = r["twin_loss"](r["twin"](torch.from_numpy(images)), torch.from_numpy(masks))
    r["twin_optimizer"].zero_grad()
    loss.backward()
    r["twin_optimizer"].step()
    return float(loss.item())


def time_steps(r, steps: int, warmup: int = 3, step=tconv_step):
    """Alternated step pairs: lists of tconv and torch seconds, and the first losses."""
    batches = r["batches"]
    first = (step(r, *batches[0]), torch_step(r, *batches[0]))
    for i in range(1, warmup):
        step(r, *batches[i % len(batches)])
        torch_step(r, *batches[i % len(batches)])
    ours, theirs = [], []
    for i in range(steps):
        images, masks = batches[(warmup + i) % len(batches)]
        start = time.perf_counter()
        step(r, images, masks)
        ours.append(time.perf_counter() - start)
        start = time.perf_counter()
        torch_step(r, images, masks)
        theirs.append(time.perf_counter() - start)
    return ours, theirs, first


def conv_layers(model, batch: int, size: int):
    """``(name, layer, input shape)`` of every convolution of ``model`` at the recipe's input size."""
    import numpy as np

    from tconv import Tensor, nn
    from tconv.autograd import no_grad

    found = []
    hooks = []
    for name, module in model.named_modules():
        if isinstance(module, (nn.Conv2d, nn.ConvTranspose2d)):
            hooks.append(module.register_forward_hook(
                lambda m, inputs, output, name=name: found.append((name, m, inputs[0].shape))))
    with no_grad():
        model.eval()
        model(Tensor(np.zeros((batch, 1, size, size), np.float32)))
        model.train()
    for hook in hooks:
        hook.remove()
    return found


def time_layers(r, repeats: int):
    import numpy as np
    import torch

    import tconv.nn.functional as F
    from tconv import Tensor
    from tconv.autograd import no_grad

    config = r["config"]
    rows = []
    twin_modules = dict(r["twin"].named_modules())
    for name, layer, shape in conv_layers(r["model"], config["batch_size"], 32):
        x = np.random.default_rng(0).random(shape, dtype=np.float32)
        twin_layer = twin_modules[name]
        tx = torch.from_numpy(x)
        ours, theirs = [], []
        for _ in range(repeats):
            with no_grad():
                start = time.perf_counter()
                layer(Tensor(x))
                ours.append(time.perf_counter() - start)
            with torch.no_grad():
                start = time.perf_counter()
                twin_layer(tx)
                theirs.append(time.perf_counter() - start)
        a, b = float(np.median(ours)), float(np.median(theirs))
        rows.append(dict(layer=name, input=list(shape), kind=type(layer).__name__, tconv_ms=1000 * a,
                         torch_ms=1000 * b, ratio=a / b))
        print(f"  {name:22s} {str(tuple(shape)):18s} tconv {1000 * a:7.3f} ms  torch {1000 * b:7.3f} ms  "
              f"ratio {a / b:5.2f}", flush=True)
    del F
    return rows


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--steps", type=int, default=60, help="timed step pairs (after 3 warm-up pairs)")
    parser.add_argument("--profile", action="store_true", help="print tconv's profiler table over 10 steps")
    parser.add_argument("--layers", action="store_true", help="time each forward convolution alone")
    parser.add_argument("--repeats", type=int, default=15, help="repetitions per layer with --layers")
    parser.add_argument("--eager", action="store_true", help="tconv's eager graph instead of the planned step")
    parser.add_argument("--out", type=Path, default=HERE / "results")
    args = parser.parse_args(argv)
    from bench_conv import set_threads_env

    set_threads_env(args.threads)
    import numpy as np

    import tconv

    r = recipe(args.threads)
    r["forward"] = r["model"] if args.eager else tconv.compile(r["model"])
    if not args.eager:                                 # as tconv train's planned step: the fused loss
        from tconv.seg.train.recipe import make_loss

        r["loss_fn"] = make_loss(r["config"]["loss"], 3, fused=True)
    result = dict(threads=args.threads, steps=args.steps, load_average=os.getloadavg(),
                  tconv_step="eager" if args.eager else "planned")
    ours, theirs, first = time_steps(r, args.steps)
    ratios = [a / b for a, b in zip(ours, theirs)]
    result.update(first_losses=first, tconv_ms=[1000 * q for q in quartiles(ours)],
                  torch_ms=[1000 * q for q in quartiles(theirs)], ratio=quartiles(ratios))
    print(f"recipe step ({result['tconv_step']}, {args.threads} threads, load {result['load_average'][0]:.2f}): "
          f"tconv {result['tconv_ms'][1]:.1f} ms [{result['tconv_ms'][0]:.1f}-{result['tconv_ms'][2]:.1f}], "
          f"torch {result['torch_ms'][1]:.1f} ms [{result['torch_ms'][0]:.1f}-{result['torch_ms'][2]:.1f}], "
          f"ratio {result['ratio'][1]:.2f} [{result['ratio'][0]:.2f}-{result['ratio'][2]:.2f}]; "
          f"first losses {first[0]:.6f} / {first[1]:.6f}", flush=True)
    if args.profile:
        with tconv.profiler.profile(steps=10) as prof:
            for i in range(10):
                tconv_step(r, *r["batches"][i])
        print(prof.table(limit=30))
        result["profile"] = [dict(name=row.name, calls=row.calls / 10, ms=1000 * row.seconds / 10)
                             for row in prof.rows()]
    if args.layers:
        print("forward convolutions at the recipe's shapes (median of alternated repetitions):")
        rows = time_layers(r, args.repeats)
        result["layers"] = rows
        total_ours, total_theirs = sum(x["tconv_ms"] for x in rows), sum(x["torch_ms"] for x in rows)
        print(f"  all {len(rows)} forward convolutions: tconv {total_ours:.2f} ms, torch {total_theirs:.2f} ms, "
              f"ratio {total_ours / total_theirs:.2f}; worst layer {max(x['ratio'] for x in rows):.2f}")
    del np
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "recipe_step.json").write_text(json.dumps(result, indent=2, default=float))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
