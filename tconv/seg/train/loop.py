"""Training a segmentation network, in one sitting: ``fit``, ``evaluate``, ``predict``.

One training step is the five lines every framework has::

    logits = model(Tensor(images))          # (N, K, *S): one score per class and pixel
    loss = loss_fn(logits, masks)           # masks (N, *S): class ids
    optimizer.zero_grad()
    loss.backward()                         # the convolutions' gradients are transposed convolutions
    optimizer.step()

:func:`fit` repeats it over the batches of ``train_data`` for some epochs, measures the
validation set after each epoch (:func:`evaluate`), and returns the history: one dict per
epoch with ``epoch``, ``train_loss``, ``val_loss``, ``val_miou``, ``val_dice`` and
``elapsed_s``. The mean IoU and Dice are over the foreground classes (class 0, the background,
is left out), each class's IoU pooled over the whole validation set (a confusion matrix).

A loss that is not finite stops training with :class:`TrainingDiverged` *before* the
optimizer step, so the weights stay finite.
"""
from __future__ import annotations

import math
import time

import numpy as np

from ..._checks import check_bool, check_int
from ...autograd import Tensor, no_grad
from ...autograd.plan import compile as compile_model
from ..metrics import ConfusionMatrix, compute_hausdorff_distance
from ..labels import one_hot

__all__ = ["fit", "evaluate", "predict", "train_one_epoch", "TrainingDiverged"]


class TrainingDiverged(ArithmeticError):
    """The loss became NaN or infinite; the weights are those before the failed step."""


def _progress(iterable, total, description, enabled):
    """A tqdm bar over one pass of ``iterable`` (or that pass itself when ``enabled`` is False).

    The bar gets an iterator, made here once: ``tqdm.auto``'s bar calls ``iter()`` on what it
    is given and then loops over it again, and every ``iter()`` of a :class:`DataLoader` starts
    a new epoch (a new shuffle), so a bar over the loader itself would train on another order
    than the same run without a bar.
    """
    batches = iter(iterable)
    if not enabled:
        return batches
    from tqdm.auto import tqdm

    return tqdm(batches, total=total, desc=description, unit="batch", leave=False, dynamic_ncols=True)


def train_one_epoch(model, data, loss_fn, optimizer, num_classes: int, *, scheduler=None, progress: bool = True,
                    description: str = "train", forward=None) -> dict:
    """One pass over ``data``: a step per batch. Returns ``{"loss", "miou", "images", "seconds"}``.

    ``loss`` is the mean over batches; ``miou`` the running mean IoU (foreground) of the
    training predictions, as the progress bar shows it. ``scheduler`` (a :mod:`tconv.optim`
    learning-rate schedule) steps once per batch. ``forward`` computes the logits instead of
    ``model`` (e.g. ``tconv.compile(model)``, the planned replay of the same model).
    """
    model.train()
    confusion = ConfusionMatrix(num_classes)
    total, count, images_seen, start = 0.0, 0, 0, time.perf_counter()
    bar = _progress(data, len(data) if hasattr(data, "__len__") else None, description, progress)
    forward = model if forward is None else forward
    for images, masks in bar:
        logits = forward(Tensor(images))
        _check_logits(logits, num_classes)
        loss = loss_fn(logits, masks)
        value = float(loss.item())
        if not math.isfinite(value):
            raise TrainingDiverged(f"the loss became {value} at batch {count + 1}; the weights were left as they "
                                   "were before this step. Try a smaller learning rate (--lr) or batch norm")
        optimizer.zero_grad()
        loss.backward()
        _check_gradients(model, count + 1)
        optimizer.step()
        if scheduler is not None:
            scheduler.step()
        confusion.update(logits.data.argmax(axis=1), masks)
        total, count, images_seen = total + value, count + 1, images_seen + len(images)
        if progress:
            rate = images_seen / max(time.perf_counter() - start, 1e-9)
            bar.set_postfix(loss=f"{total / count:.4f}", miou=f"{_foreground(confusion.iou()):.3f}",
                            img_s=f"{rate:.0f}")
    if count == 0:
        raise ValueError("train_data yielded no batch: the training set is empty (or smaller than the batch "
                         "size with drop_last)")
    return dict(loss=total / count, miou=_foreground(confusion.iou()), images=images_seen,
                seconds=time.perf_counter() - start)


def _check_gradients(model, batch: int) -> None:
    """Refuse a step with a NaN or infinite gradient (it would make the weights NaN)."""
    for name, p in model.named_parameters():
        if p.grad is not None and not np.all(np.isfinite(p.grad)):
            raise TrainingDiverged(f"the gradient of {name} is not finite at batch {batch} (the loss was finite); "
                                   "the weights were left as they were before this step. Try a smaller learning "
                                   "rate (--lr) or batch norm")


def _foreground(scores: np.ndarray) -> float:
    """The mean over the classes other than 0 that have a score (NaN: absent everywhere)."""
    present = scores[1:][~np.isnan(scores[1:])]
    return float(present.mean()) if present.size else float("nan")


def _check_logits(logits, num_classes: int) -> None:
    """The model must score exactly ``num_classes`` classes (else argmax and the confusion matrix disagree)."""
    if logits.shape[1] != num_classes:
        raise ValueError(f"num_classes={num_classes}, but the model outputs {logits.shape[1]} channels (one logit "
                         "per class); give the model's number of classes")


def evaluate(model, data, num_classes: int, loss_fn=None, *, hd95: bool = False) -> dict:
    """Metrics of ``model`` over the batches of ``data`` (no gradients, eval mode).

    Returns ``iou`` and ``dice`` per class (``(num_classes,)``, NaN for a class absent from both
    the predictions and the masks), ``miou`` and ``dice_mean`` over the foreground classes,
    ``pixel_accuracy``, ``loss`` (the mean over batches, when ``loss_fn`` is given) and, with
    ``hd95``, ``hd95`` per foreground class (MONAI's 95th-percentile Hausdorff distance,
    averaged over the images where both masks have the class).
    """
    num_classes = check_int("num_classes", num_classes, minimum=2)
    check_bool("hd95", hd95)
    was_training = model.training
    model.eval()
    confusion = ConfusionMatrix(num_classes)
    losses, distances = [], []
    try:
        with no_grad():
            for images, masks in data:
                logits = model(Tensor(images))
                _check_logits(logits, num_classes)
                if loss_fn is not None:
                    losses.append(float(loss_fn(logits, masks).item()))
                pred = logits.data.argmax(axis=1)
                confusion.update(pred, masks)
                if hd95:
                    distances.append(compute_hausdorff_distance(one_hot(pred[:, None], num_classes),
                                                                one_hot(masks[:, None], num_classes),
                                                                percentile=95))
    finally:
        model.train(was_training)
    iou, dice = confusion.iou(), confusion.dice()
    result = dict(iou=iou, dice=dice, miou=_foreground(iou), dice_mean=_foreground(dice),
                  pixel_accuracy=confusion.pixel_accuracy())
    if loss_fn is not None:
        result["loss"] = float(np.mean(losses)) if losses else float("nan")
    if hd95:
        table = np.concatenate(distances) if distances else np.full((0, num_classes - 1), np.nan)
        finite = np.where(np.isfinite(table), table, np.nan)
        with np.errstate(all="ignore"):
            result["hd95"] = np.array([np.nanmean(finite[:, c]) if np.any(~np.isnan(finite[:, c])) else np.nan
                                       for c in range(table.shape[1])])
    return result


def predict(model, images, batch_size: int = 16) -> np.ndarray:
    """Class ids ``(N, *spatial)`` (int64): the argmax of ``model``'s logits for ``images (N, C, *spatial)``.

    >>> from tconv.seg.models import UNet
    >>> predict(UNet(base=2, depth=1), np.zeros((3, 1, 8, 8), np.float32)).shape
    (3, 8, 8)
    """
    batch_size = check_int("batch_size", batch_size, minimum=1)
    images = np.asarray(images)
    was_training = model.training
    model.eval()
    try:
        with no_grad():
            parts = [model(Tensor(images[i:i + batch_size])).data.argmax(axis=1)
                     for i in range(0, len(images), batch_size)]
    finally:
        model.train(was_training)
    return np.concatenate(parts).astype(np.int64) if parts else np.zeros((0,) + images.shape[2:], np.int64)


def fit(model, train_data, val_data=None, *, loss, optimizer, epochs: int, num_classes: int, scheduler=None,
        start_epoch: int = 0, history=None, progress: bool = True, on_epoch_start=None, on_epoch_end=None,
        planned: bool = False) -> list:
    """Train ``model`` for epochs ``start_epoch + 1 .. epochs``; return the history (a list of dicts).

    ``train_data`` / ``val_data``: re-iterable batches ``(images (N, C, *S), masks (N, *S))``
    (a :class:`tconv.seg.data.DataLoader`); ``loss(logits, masks)`` returns a scalar Tensor;
    ``optimizer``: a :mod:`tconv.optim` optimizer of ``model.parameters()``; ``scheduler``: a
    learning-rate schedule stepped after every batch (or None). ``history``: the
    rows of earlier epochs (when resuming). ``on_epoch_start(epoch)`` is called before each
    epoch (epochs count from 0 there, as the loader's), ``on_epoch_end(row)`` after each epoch's
    row is appended (to save checkpoints, write figures, ...); if it returns ``True``, training
    stops there. ``progress`` shows a tqdm bar per epoch. ``planned=True`` trains with the
    model's forward recorded once and replayed (:func:`tconv.compile`: the same numbers, fused
    batch norm + ReLU, less bookkeeping per step); the default is the eager graph.

    >>> from tconv.seg.data import DataLoader, SyntheticShapes
    >>> from tconv.seg.models import UNet
    >>> from tconv.optim import Adam
    >>> import tconv.nn.functional as F
    >>> data = DataLoader(SyntheticShapes(4, size=16, num_classes=2), batch_size=2)
    >>> model = UNet(base=2, depth=1)
    >>> rows = fit(model, data, data, loss=F.cross_entropy, optimizer=Adam(model.parameters()), epochs=2,
    ...            num_classes=2, progress=False)
    >>> [sorted(row) for row in rows][0]
    ['elapsed_s', 'epoch', 'train_loss', 'val_dice', 'val_loss', 'val_miou']
    """
    epochs = check_int("epochs", epochs, minimum=0)
    start_epoch = check_int("start_epoch", start_epoch, minimum=0)
    num_classes = check_int("num_classes", num_classes, minimum=2)
    history = list(history or [])
    forward = compile_model(model) if planned else model
    elapsed = history[-1]["elapsed_s"] if history else 0.0
    for epoch in range(start_epoch + 1, epochs + 1):
        if hasattr(train_data, "set_epoch"):
            train_data.set_epoch(epoch - 1)          # epoch e shuffles the same way, resumed or not
        if on_epoch_start is not None:
            on_epoch_start(epoch - 1)
        start = time.perf_counter()
        trained = train_one_epoch(model, train_data, loss, optimizer, num_classes, scheduler=scheduler,
                                  progress=progress, description=f"epoch {epoch}/{epochs}", forward=forward)
        row = dict(epoch=epoch, train_loss=trained["loss"], val_loss=float("nan"), val_miou=float("nan"),
                   val_dice=float("nan"))
        if val_data is not None:
            scores = evaluate(model, val_data, num_classes, loss)
            row.update(val_loss=scores["loss"], val_miou=scores["miou"], val_dice=scores["dice_mean"])
        elapsed += time.perf_counter() - start
        row["elapsed_s"] = elapsed
        history.append(row)
        if on_epoch_end is not None and on_epoch_end(row):
            break
    return history
