"""A training run on disk: ``config.json``, ``history.json``, ``model.npz`` (best), ``last.npz``.

:func:`train_run` trains the configuration of :mod:`.recipe` into a folder and keeps it
consistent at every moment: after each epoch it writes ``last.npz`` (model, optimizer,
history: everything :func:`train_run` needs to resume) and ``history.json``, and, when the
validation mIoU improved, ``model.npz`` (the model and its configuration, what ``tconv
predict`` reads). Every file is written atomically, so an interrupted run (Ctrl-C, a crash)
leaves the last good epoch intact; weights that are not finite are never written.

Resuming from ``last.npz`` continues with the same configuration; shuffling and augmentation
are drawn from ``(seed, epoch)``, the model from ``seed``, and the optimizer and learning-rate
schedule are restored, so the final weights equal those of a run that was never interrupted.
(Resuming with more epochs stretches the cosine schedule over the new total.)
"""
from __future__ import annotations

import json
import math
import os
import shutil
import time
from pathlib import Path

import numpy as np

from ... import random as tconv_random
from ...serialization import atomic_write, load, save
from ..models import build_model
from .loop import TrainingDiverged, fit
from .memory import bytes_per_pixel, check_memory, format_bytes
from .recipe import (DIM_DEFAULTS, check_config, data_bytes, data_info, make_augmentation, make_datasets, make_folder,
                     make_loaders, make_loss, make_optimizer, make_scheduler, model_config, part, synthetic_info)

__all__ = ["train_run", "load_checkpoint", "CHECKPOINT_FORMAT", "write_json", "new_run_folder", "RUN_FILES"]

#: The files :func:`train_run` writes into a run folder (``tconv train`` adds the two figures).
RUN_FILES = ("config.json", "history.json", "model.npz", "last.npz", "curves.png", "predictions.png")

#: The ``format`` entry of a tconv segmentation checkpoint (``model.npz`` / ``last.npz``).
CHECKPOINT_FORMAT = "tconv.seg/1"


def write_json(path, value) -> None:
    """Write ``value`` as indented JSON to ``path`` atomically (:func:`tconv.serialization.atomic_write`)."""
    text = json.dumps(value, indent=2, allow_nan=True) + "\n"
    atomic_write(path, lambda temporary: Path(temporary).write_text(text))


def _finite(model) -> bool:
    return all(np.all(np.isfinite(p.data)) for p in model.parameters())


def load_checkpoint(path) -> dict:
    """A checkpoint written by :func:`train_run`, checked; ``ValueError`` naming the file otherwise.

    Returns the dict with ``config`` (training), ``model_config``, ``info`` (data), ``model``
    (state dict), ``epoch`` and, in ``last.npz``, ``optimizer`` and ``history``.
    """
    checkpoint = load(path)
    if not isinstance(checkpoint, dict) or checkpoint.get("format") != CHECKPOINT_FORMAT:
        found = checkpoint.get("format") if isinstance(checkpoint, dict) else None
        raise ValueError(f"{os.fspath(path)}: not a tconv segmentation checkpoint (format {found!r}, expected "
                         f"{CHECKPOINT_FORMAT!r}); checkpoints are written by tconv train (model.npz, last.npz)")
    for key in ("config", "model_config", "info", "model", "epoch"):
        if key not in checkpoint:
            raise ValueError(f"{os.fspath(path)}: the checkpoint has no {key!r} entry (damaged or foreign)")
    return checkpoint


def new_run_folder(parent="runs") -> Path:
    """Create and return a new, empty run folder ``parent/<YYYYmmdd-HHMMSS>`` (``-2``, ``-3``, ... if taken).

    The folder is made with ``os.mkdir`` (which fails if it exists), so two runs started in
    the same second get two folders: a run folder is never shared.

    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as parent:
    ...     a, b = new_run_folder(parent), new_run_folder(parent)
    ...     a != b and a.is_dir() and b.is_dir()
    True
    """
    parent = Path(parent)
    parent.mkdir(parents=True, exist_ok=True)
    stamp = time.strftime("%Y%m%d-%H%M%S")
    for attempt in range(1, 10_000):
        folder = parent / (stamp if attempt == 1 else f"{stamp}-{attempt}")
        try:
            folder.mkdir()
            return folder
        except FileExistsError:
            continue
    raise FileExistsError(f"{parent}: could not create a new run folder for {stamp}")


def _claim(out: Path, overwrite: bool, spell) -> list:
    """The run files already in ``out``; refused unless ``overwrite`` (they are deleted later, by :func:`_clear`).

    Nothing is deleted here: a run that is refused afterwards (bad data, too much memory)
    must leave the old run as it was.
    """
    if out.exists() and not out.is_dir():
        raise ValueError(f"{spell('out')} {out}: exists and is not a folder")
    found = [name for name in RUN_FILES if (out / name).exists()]
    if found and not overwrite:
        resume = (f"continue it with {spell('resume')} {out / 'last.npz'}, " if (out / "last.npz").exists()
                  else "")
        raise ValueError(f"{spell('out')} {out} already holds files of a run ({', '.join(found)}); {resume}replace "
                         f"them with {spell('overwrite')}, or choose another folder")
    return found


def _clear(out: Path, names: list) -> None:
    """Delete the earlier run's files (``overwrite``), now that the new run is about to write its own."""
    for name in names:
        try:
            (out / name).unlink()
        except FileNotFoundError:
            pass


def _item_pixels(c: dict, folder) -> int:
    """Pixels (voxels) of the largest training image of ``c`` (``folder``: its ImageMaskFolder, or None)."""
    if c["size"]:
        return math.prod(c["size"])
    if folder is None:
        return DIM_DEFAULTS[c["dim"]]["size"] ** c["dim"]
    return max(h * w for h, w in folder.image_sizes)


def _check_run_memory(c: dict, network: dict, held: int, folder, max_memory, spell) -> None:
    """The data held in memory (``held`` bytes) alone, then with one training step or one validation batch of
    ``network``, within ``max_memory`` (before either is made)."""
    if held:
        check_memory("the synthetic data", held, max_memory, f"lower {spell('samples')} or {spell('size')}",
                     flag=spell("max_memory"))
    pixels = _item_pixels(c, folder)
    side = round(pixels ** (1 / c["dim"]))            # the probe runs at the images' own side (up to 128)
    step = bytes_per_pixel(network, training=True, side=side) * c["batch_size"] * pixels
    validation = bytes_per_pixel(network, training=False, side=side) * max(c["batch_size"], 16) * pixels
    parts = [f"one step {format_bytes(step)}"] + ([f"the data {format_bytes(held)}"] if held else [])
    check_memory(f"training ({', '.join(parts)})", held + max(step, validation), max_memory,
                 f"lower {spell('batch_size')}, {spell('size')}, {spell('base')}"
                 + (f" or {spell('samples')}" if held else ""), flag=spell("max_memory"))


def train_run(config: dict, out_dir, *, resume=None, overwrite: bool = False, max_memory: int | None = None,
              spell=None, progress: bool = True, on_epoch_end=None, log=print, planned: bool = True) -> dict:
    """Train ``config`` (see :mod:`.recipe`) into ``out_dir``; resume from the ``last.npz`` ``resume``.

    ``out_dir`` must not hold another run's files (:data:`RUN_FILES`) unless it is the folder
    being resumed or ``overwrite`` is True (then they are deleted once every check has passed,
    just before training starts); a new folder is best made with :func:`new_run_folder`.
    ``config.json`` is written with the first saved epoch, so a run refused or stopped before
    it leaves no half-made folder; a run continued in another folder copies the best
    ``model.npz`` there. Resuming continues to ``config["epochs"]`` (default: the
    stored number); fewer epochs than the run has trained is a ``ValueError``, and as many is
    nothing to do: the result has ``finished=True`` and no file changes. Before any data or
    model is made, the sizes are checked against :data:`~.recipe.LIMITS` and the memory the
    run needs against ``max_memory`` bytes (default three quarters of this machine's;
    :mod:`.memory`). ``spell(key)`` names configuration keys in messages (``tconv train``: its
    flags). ``planned`` (default) trains with the model's forward recorded once and replayed
    (:func:`tconv.compile`: the same numbers as the eager graph, fewer passes); ``False`` is eager.

    ``on_epoch_end(row, run)`` runs after each epoch's files are written (``run`` holds the
    model, the data and the folder: figures are drawn there); returning ``True`` stops. ``log``
    prints one-line messages. Returns ``{"out_dir", "history", "best_miou", "best_epoch",
    "config", "finished"}`` (``best_epoch`` is None when no epoch had a finite validation mIoU:
    then no ``model.npz`` is written). Raises :class:`TrainingDiverged` when the loss or the
    gradients stop being finite (the files keep the last good epoch).
    """
    spell = spell or (lambda key: key)
    out = Path(out_dir)
    if resume is not None:
        checkpoint = load_checkpoint(resume)
        if not {"optimizer", "scheduler", "history"} <= set(checkpoint):
            raise ValueError(f"{os.fspath(resume)}: this checkpoint holds the model only (model.npz); resume from "
                             "last.npz, which also holds the optimizer and the history")
        stored = dict(checkpoint["config"])
        c = check_config({**stored, "epochs": config.get("epochs", stored["epochs"])}, spell)
        done = int(checkpoint["epoch"])
        if c["epochs"] < done:
            raise ValueError(f"{os.fspath(resume)} has trained {done} epochs; {spell('epochs')}={c['epochs']} is "
                             f"fewer, and a run cannot be shortened (its files stay as they are)")
        history = [dict(row) for row in checkpoint["history"]]
        if c["epochs"] == done:
            best = max((row["val_miou"] for row in history if math.isfinite(row["val_miou"])), default=None)
            best_epoch = next((row["epoch"] for row in history if row["val_miou"] == best), None)
            return dict(out_dir=Path(resume).parent, history=history, best_miou=best, best_epoch=best_epoch,
                        config=c, finished=True)
        replaced = [] if _same_folder(out, Path(resume).parent) else _claim(out, overwrite, spell)
    else:
        checkpoint = None
        c = check_config(config, spell)
        replaced = _claim(out, overwrite, spell)
    if c["data"] is None:
        folder, info = None, synthetic_info(**part(c, synthetic_info))     # nothing drawn yet
    else:
        folder = make_folder(**part(c, make_folder))         # reads the headers and masks, not the images
        info = data_info(folder)
    network = model_config(info, **part(c, model_config))
    _check_run_memory(c, network, data_bytes(**part(c, data_bytes)), folder, max_memory, spell)
    out.mkdir(parents=True, exist_ok=True)
    tconv_random.manual_seed(c["seed"])                      # the model's initial weights
    train, val, info = make_datasets(folder, **part(c, make_datasets))
    train_loader, val_loader = make_loaders(train, val, batch_size=c["batch_size"], seed=c["seed"])
    model = build_model(network)
    optimizer = make_optimizer(model, lr=c["lr"])
    scheduler = make_scheduler(optimizer, len(train_loader), epochs=c["epochs"])
    loss = make_loss(c["loss"], info["num_classes"], fused=planned)
    history, start = [], 0
    if checkpoint is not None:
        model.load_state_dict(checkpoint["model"])
        optimizer.load_state_dict(checkpoint["optimizer"])
        scheduler.load_state_dict(dict(checkpoint["scheduler"]))
        scheduler.T_max = max(1, c["epochs"] * len(train_loader))     # more --epochs: the cosine is re-planned
        history = [dict(row) for row in checkpoint["history"]]
        start = int(checkpoint["epoch"])
    _clear(out, replaced)
    if resume is not None and not (out / "model.npz").exists() and (Path(resume).parent / "model.npz").exists():
        # a run continued in another folder keeps its best model until a better epoch replaces it
        atomic_write(out / "model.npz", lambda tmp: shutil.copyfile(Path(resume).parent / "model.npz", tmp))
    best = max((row["val_miou"] for row in history if math.isfinite(row["val_miou"])), default=-1.0)
    best_epoch = next((row["epoch"] for row in history if row["val_miou"] == best), None)
    header = dict(format=CHECKPOINT_FORMAT, config=c, model_config=network, info=info)
    run = dict(model=model, val=val, info=info, config=c, out_dir=out)

    def end_of_epoch(row):
        nonlocal best, best_epoch
        if row["epoch"] == start + 1:           # with the first saved epoch: a run refused or killed before
            write_json(out / "config.json", c)  # it leaves no half-made run folder behind
        if not _finite(model):
            raise TrainingDiverged(f"the weights stopped being finite in epoch {row['epoch']}; the files keep "
                                   f"epoch {row['epoch'] - 1}")
        save({**header, "model": model.state_dict(), "epoch": row["epoch"], "optimizer": optimizer.state_dict(),
              "scheduler": scheduler.state_dict(), "history": history}, out / "last.npz")
        if math.isfinite(row["val_miou"]) and row["val_miou"] > best:
            best, best_epoch = row["val_miou"], row["epoch"]
            save({**header, "model": model.state_dict(), "epoch": row["epoch"], "val_miou": best}, out / "model.npz")
        write_json(out / "history.json", history)
        log(f"epoch {row['epoch']}/{c['epochs']}: train loss {_number(row['train_loss'], 4)}, val loss "
            f"{_number(row['val_loss'], 4)}, val mIoU {_number(row['val_miou'])}, val Dice {_number(row['val_dice'])} "
            f"({row['elapsed_s']:.0f} s)")
        return bool(on_epoch_end(row, run)) if on_epoch_end is not None else False

    def start_of_epoch(epoch):                              # epoch e's augmentation, whether resumed or not
        train_loader.transform = make_augmentation(info, epoch, augment=c["augment"], data=c["data"], seed=c["seed"])

    history = fit(model, train_loader, val_loader, loss=loss, optimizer=optimizer, scheduler=scheduler,
                  epochs=c["epochs"], planned=planned,
                  num_classes=info["num_classes"], start_epoch=start, history=history, progress=progress,
                  on_epoch_start=start_of_epoch, on_epoch_end=_appending(history, end_of_epoch))
    return dict(out_dir=out, history=history, best_miou=best if best_epoch is not None else None,
                best_epoch=best_epoch, config=c, finished=False)


def _number(value: float, digits: int = 3) -> str:
    """``value`` with ``digits`` decimals, or ``n/a`` for a score that could not be computed (as tconv evaluate)."""
    return f"{value:.{digits}f}" if math.isfinite(value) else "n/a"


def _same_folder(a: Path, b: Path) -> bool:
    try:
        return a.exists() and b.exists() and os.path.samefile(a, b)
    except OSError:
        return False


def _appending(history: list, callback):
    """``fit`` appends rows to its own copy of the history; keep ``history`` (what is saved) in step."""
    def on_epoch_end(row):
        history.append(row)
        return callback(row)
    return on_epoch_end
