"""Two checks to run before a long training: memorise one batch, and find a learning rate.

* :func:`overfit_batch`: train on one batch, again and again, until the network has memorised
  it (its mIoU on the batch reaches ``target``). A network that cannot memorise eight images
  will not learn a thousand: the labels do not match the images, the masks are not class ids,
  the learning rate is far off, or the network is too small (Karpathy's "overfit one batch",
  and Pytorch-UNet's users' most common sanity question). :func:`overfit_verdict` says which.
* :func:`lr_range_test`: the learning-rate range test (Smith 2017, "Cyclical Learning Rates for
  Training Neural Networks", section 3.3): from a fresh network, raise the learning rate
  exponentially from ``start`` to ``end``, one batch per step, and record the loss, smoothed
  (an exponential moving average with bias correction, as fastai's ``lr_find``, over about a
  tenth of the steps so the curve does not lag the rate); stop when the loss diverges
  (``diverge`` times its lowest). With Adam and batch norm the loss seldom diverges, and it
  keeps falling to large rates because the network trains while the rate rises, so the rules
  that read the smoothed curve alone (its steepest point, its minimum's tenth) land too high.
  What marks the top of the usable range here is the loss turning *ragged*
  (:func:`instability`): the suggested rate is a tenth of the rate where that starts (Smith's
  "maximum bound", divided by 10); when the loss never turns ragged, a tenth of the rate at
  the smoothed minimum. On tconv train's default data this gives 2.7e-3, beside the recipe's
  3e-3 (val mIoU 0.91 in 4 epochs, where 1e-2 reaches 0.68 and 3e-2 0.46).

Both use the training recipe of :mod:`.recipe` (``tconv train --overfit-batch``, ``tconv
lr-find``); the functions take any model, loss and optimizer.
"""
from __future__ import annotations

import math

import numpy as np

from ...autograd import Tensor
from ..metrics import ConfusionMatrix

__all__ = ["overfit_batch", "overfit_verdict", "lr_range_test", "instability", "overfit_run", "lr_find_run"]


def _foreground_miou(logits: np.ndarray, masks: np.ndarray, num_classes: int) -> float:
    confusion = ConfusionMatrix(num_classes)
    confusion.update(logits.argmax(axis=1), masks)
    iou = confusion.iou()[1:]
    iou = iou[~np.isnan(iou)]
    return float(iou.mean()) if iou.size else float("nan")


def overfit_batch(model, images, masks, loss_fn, optimizer, num_classes: int, *, steps: int = 300,
                  target: float = 0.95, log=None, every: int = 25) -> dict:
    """Train ``model`` on the one batch ``(images, masks)`` until its mIoU on it reaches ``target``.

    Each step is the usual forward, loss, backward and optimizer step; the mIoU (foreground
    classes) is measured on that step's own predictions (the network in training mode, as it
    sees the batch). Stops at ``target`` or after ``steps``, or when the loss is not finite.
    ``log(line)`` is called every ``every`` steps. Returns ``{"passed", "steps", "loss",
    "miou", "best_miou", "history"}`` (``history``: ``(step, loss, miou)`` rows).

    >>> from tconv.seg.data import SyntheticShapes
    >>> from tconv.seg.models import UNet
    >>> from tconv.optim import Adam
    >>> import tconv.nn.functional as F
    >>> data = SyntheticShapes(4, size=16, num_classes=2, seed=0)
    >>> images = np.stack([data[i][0] for i in range(4)]); masks = np.stack([data[i][1] for i in range(4)])
    >>> model = UNet(base=4, depth=2, batch_norm=True)
    >>> result = overfit_batch(model, images, masks, F.cross_entropy, Adam(model.parameters(), lr=1e-2), 2, steps=150)
    >>> result["passed"]
    True
    """
    model.train()
    history, best = [], float("nan")
    loss_value, miou = float("nan"), float("nan")
    for step in range(1, steps + 1):
        logits = model(Tensor(images))
        loss = loss_fn(logits, masks)
        loss_value = float(loss.item())
        miou = _foreground_miou(logits.data, masks, num_classes)
        best = miou if math.isnan(best) else max(best, miou)
        history.append((step, loss_value, miou))
        if log is not None and (step == 1 or step % every == 0):
            log(f"step {step}: loss {loss_value:.4f}, mIoU on the batch {miou:.3f}")
        if not math.isfinite(loss_value) or miou >= target:
            break
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    passed = math.isfinite(loss_value) and miou >= target
    return dict(passed=passed, steps=len(history), loss=loss_value, miou=miou, best_miou=best, history=history,
                target=target)


def overfit_verdict(result: dict, lr_flag: str = "--lr") -> list[str]:
    """The verdict of :func:`overfit_batch` in words, with what to check when it failed.

    >>> overfit_verdict(dict(passed=True, steps=80, miou=0.97, loss=0.05, target=0.95, history=[]))[0]
    'PASS: the network memorised the batch in 80 steps (mIoU 0.970 >= 0.95, loss 0.0500): it can learn from these masks'
    """
    if result["passed"]:
        return [f"PASS: the network memorised the batch in {result['steps']} steps (mIoU {result['miou']:.3f} >= "
                f"{result['target']}, loss {result['loss']:.4f}): it can learn from these masks"]
    first, last = result["history"][0][1], result["loss"]
    lines = [f"FAIL: after {result['steps']} steps the network has not memorised one batch (best mIoU "
             f"{result['best_miou']:.3f}, target {result['target']}; loss {first:.4f} -> {last:.4f}). What to check:"]
    if not math.isfinite(last):
        lines.append(f"  - the loss became {last}: the learning rate is too high (lower {lr_flag}, or run tconv lr-find)")
    elif last > 0.8 * first:
        lines.append("  - the loss barely moved: the learning rate may be far too low or too high (tconv lr-find "
                     "suggests one), or the masks do not match the images")
    lines += ["  - the masks are class ids that match their images: tconv doctor DATA shows a sample of each, "
              "and reads 0/255 masks (--mask-format) and colour masks (--mask-colors) as ids",
              "  - the objects survive the resizing (--size) and the network is large enough (--base, --depth)",
              "  - a rare class: --class-weights auto, or the dicece loss"]
    return lines


def instability(losses, factor: float = 5.0) -> int | None:
    """The first step from which ``losses`` turn ragged, or None.

    A step's scatter is its distance from the midpoint of its two neighbours, relative to the
    loss, ``|l[i] - (l[i-1] + l[i+1]) / 2| / l[i]`` (a steady rise or fall has none). The loss is
    ragged where the scatter of five steps in a row averages more than ``factor`` times the
    median scatter of the first half of the steps (the batch-to-batch noise at the smaller
    rates, at least 0.1%); the answer is the first of those five steps whose own scatter exceeds
    that level. (On a steady fall with 1% noise followed by 30% noise, checked over 300 seeds,
    this finds the change within eight steps 98% of the time and raises a false alarm 1% of
    the time.)

    >>> calm = 2.0 + 0.01 * np.cos(np.arange(40))
    >>> instability(calm) is None, instability(np.concatenate([calm, [1.0, 2.5, 0.8, 2.2, 0.9, 2.4]]))
    (True, 39)
    """
    losses = np.asarray(losses, np.float64)
    n = len(losses)
    if n < 8:
        return None
    middle = (losses[:-2] + losses[2:]) / 2
    scatter = np.concatenate([[0.0], np.abs(losses[1:-1] - middle) / np.maximum(np.abs(losses[1:-1]), 1e-12), [0.0]])
    baseline = max(float(np.median(scatter[1:max(n // 2, 2)])), 1e-3)
    level = factor * baseline
    for i in range(max(n // 4, 5), n - 1):
        run = scatter[i - 4:i + 1]
        if run.mean() > level:
            return i - 4 + int(np.argmax(run > level))
    return None


def lr_range_test(model, batches, loss_fn, optimizer, *, start: float = 1e-6, end: float = 1.0, steps: int = 100,
                  beta: float | None = None, diverge: float = 4.0, log=None) -> dict:
    """Smith's learning-rate range test; returns ``{"lrs", "losses", "smoothed", "suggested", "unstable", "rule",
    "stopped"}`` (``unstable``: the rate from which the loss is ragged, or None; ``rule``: how ``suggested``
    was chosen).

    ``batches`` yields ``(images, masks)`` (a loader is cycled); the learning rate of every
    parameter group is set to ``start * (end / start) ** (i / (steps - 1))`` before step ``i``.
    ``beta`` (the moving average's decay) defaults to ``1 - 10 / steps`` within ``[0.8, 0.98]``
    (0.9 for 100 steps). The test changes ``model``'s weights: run it on a fresh model.
    """
    if not 0 < start < end:
        raise ValueError(f"start={start} and end={end} must satisfy 0 < start < end")
    beta = min(0.98, max(0.8, 1 - 10 / steps)) if beta is None else beta
    lrs = np.geomspace(start, end, steps)
    source = iter(batches)
    losses, smoothed, average = [], [], 0.0
    stopped = None
    model.train()
    for i, lr in enumerate(lrs):
        try:
            images, masks = next(source)
        except StopIteration:
            source = iter(batches)
            images, masks = next(source)
        for group in optimizer.param_groups:
            group["lr"] = float(lr)
        loss = loss_fn(model(Tensor(images)), masks)
        value = float(loss.item())
        if not math.isfinite(value):
            stopped = f"the loss became {value} at lr {lr:.2g}"
            break
        average = beta * average + (1 - beta) * value
        losses.append(value)
        smoothed.append(average / (1 - beta ** (i + 1)))
        if log is not None and i % 20 == 0:
            log(f"lr {lr:.2g}: loss {value:.4f}")
        if smoothed[-1] > diverge * min(smoothed):
            stopped = f"the loss diverged ({smoothed[-1]:.3g} > {diverge:g} x its lowest) at lr {lr:.2g}"
            break
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    done = len(smoothed)
    if done < 3:
        raise ValueError(f"the range test stopped after {done} step(s) ({stopped}); lower start")
    ragged = instability(losses)
    if ragged is not None:
        unstable, rule = float(lrs[ragged]), "a tenth of the rate where the loss turns ragged"
        suggested = unstable / 10
    else:
        unstable, rule = None, "a tenth of the rate at the smoothed loss's minimum (it never turned ragged)"
        suggested = float(lrs[int(np.argmin(smoothed))]) / 10
    return dict(lrs=lrs[:done], losses=np.array(losses), smoothed=np.array(smoothed), suggested=suggested,
                unstable=unstable, rule=rule, stopped=stopped)


def _prepared(config: dict, max_memory, spell):
    """The checked configuration, its data, a fresh model, the loss and the optimizer (constant rate)."""
    from ..models import build_model
    from .recipe import check_config, make_loaders, make_loss, make_optimizer
    from .run import prepare_data

    c = check_config(config, spell)
    data = prepare_data(c, max_memory, spell)
    train_loader, _ = make_loaders(data["train"], data["val"], batch_size=c["batch_size"], seed=c["seed"])
    model = build_model(data["network"])
    loss = make_loss(c["loss"], data["info"]["num_classes"], weight=c["class_weights"])
    return c, data, train_loader, model, loss, make_optimizer(model, lr=c["lr"])


def overfit_run(config: dict, steps: int = 300, target: float = 0.95, *, max_memory=None, spell=None, log=None):
    """:func:`overfit_batch` on the first training batch of a ``tconv train`` configuration: ``(result, c)``.

    No augmentation and no schedule (the learning rate stays ``c["lr"]``); nothing is written.
    Synthetic data draws one batch's worth of images unless ``samples`` is given.
    """
    if config.get("data") is None:
        batch = config.get("batch_size", 8)
        config = {"samples": batch, "val_samples": 1, **config}
    c, data, loader, model, loss, optimizer = _prepared(config, max_memory, spell)
    images, masks = next(iter(loader))
    result = overfit_batch(model, images, masks, loss, optimizer, data["info"]["num_classes"], steps=steps,
                           target=target, log=log)
    result["batch"] = len(images)
    return result, c


def lr_find_run(config: dict, start: float = 1e-6, end: float = 1.0, steps: int = 100, *, max_memory=None,
                spell=None, log=None):
    """:func:`lr_range_test` of a fresh network of a ``tconv train`` configuration: ``(result, c)``."""
    c, data, loader, model, loss, optimizer = _prepared(config, max_memory, spell)
    return lr_range_test(model, loader, loss, optimizer, start=start, end=end, steps=steps, log=log), c
