"""``tconv train``: train a segmentation network and write a run folder.

With no arguments it trains the tiny U-Net on synthetic shapes (about a minute on a laptop's
two cores) and writes ``runs/<timestamp>/``: ``config.json``, ``history.json``, ``model.npz``
(the best epoch by validation mIoU), ``last.npz`` (to resume), ``curves.png`` and
``predictions.png``. The work is :func:`tconv.seg.train.run.train_run`; this module turns the
flags into its configuration and prints.
"""
from __future__ import annotations

import argparse
import os
import shlex
import textwrap

from ..seg.data.mask_format import MASK_FORMATS
from ..seg.models import MODELS, UPSAMPLERS
from ..seg.train.criteria import TRAINING_LOSSES, weighted_losses
from ..seg.train.recipe import DEFAULTS, DIM_DEFAULTS, MODEL_DEFAULTS, SHAPES
from . import UsageError

HELP = "train a segmentation network (default: a tiny U-Net on synthetic shapes, about a minute)"

INTRO = """\
Train a U-Net, FCN or V-Net lite from scratch, in NumPy. Without flags: a tiny U-Net on seeded
synthetic shapes (grey 32x32 images with discs and crosses), with a progress bar, validated on
held-out images after each epoch. Your own data: --data DIR with DIR/images/NAME.png (or .jpg, .tif)
and DIR/masks/NAME.png holding class ids (masks of 0 and 255 are read as 0/1, see --mask-format;
RGB colour masks need --mask-colors); volumes work the same way (.npy, .nii/.nii.gz, multi-page .tif).
--val-fraction of it is held out. The number of classes is read from the data. 'tconv doctor DIR'
checks a folder first and prints the command that fits it; --overfit-batch checks that the network
can memorise one batch (and writes nothing); 'tconv lr-find' suggests a learning rate.

The run folder (--out, default a new runs/<timestamp>) gets config.json, history.json (per epoch:
epoch, train_loss, val_loss, val_miou, val_dice, elapsed_s), model.npz (the best epoch by val_miou:
what 'tconv predict' reads), last.npz (to --resume), curves.png and predictions.png, and the
diagnostics of model.npz on the held-out images: per_class.txt (IoU, Dice, precision, recall),
metrics.json, confusion.png, errors.png (true/false positives and negatives), probability.png (one
class's probability before the argmax) and worst.png (the held-out images of lowest IoU). A folder that
holds another run is never written over unless --overwrite; --resume continues a run in its folder.

Limits, checked before anything is made: --size at most 8192 per side (volumes 512), --batch-size
4096, --base 512, --depth 6, --samples 1,000,000, --lr in (0, 1]; and the memory the run needs (measured on the
model, printed when refused) at most --max-memory (default three quarters of this machine's)."""


def __getattr__(name: str):
    # DESCRIPTION and LOSSES are read from the loss table when the parser is built, so a loss
    # registered after this module was imported is listed too.
    if name == "DESCRIPTION":
        return description()
    if name == "LOSSES":
        return tuple(TRAINING_LOSSES)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def description() -> str:
    """``tconv train --help``'s text: what it does, and every loss of the table with its help line."""
    lines = [INTRO, "", "losses (--loss):"]
    for loss in TRAINING_LOSSES.values():
        lines += textwrap.wrap(loss.help, 92, initial_indent=f"  {loss.name:<11} ", subsequent_indent=" " * 14,
                               break_on_hyphens=False)
    return "\n".join(lines)


EXAMPLES = """\
examples:
  tconv train                                       the default run (synthetic shapes, tiny U-Net)
  tconv train --up resize --out runs/resize         the checkerboard-free decoder
  tconv train --model vnet                          V-Net lite on synthetic 3-D shapes
  tconv train --data my_data --size 128 128 --epochs 30
  tconv train --resume runs/20261201-1200/last.npz --epochs 12
  tconv train --data my_masks_0_255 --mask-format binary --out runs/mine
  tconv train --data my_rgb_masks --mask-colors auto --class-weights auto
  tconv train --data my_volumes --model vnet --size 32 64 64
  tconv train --data my_data --overfit-batch
"""

PROG = "tconv train"


def add_arguments(parser) -> None:
    """The data, model, loss and optimisation flags, ``--out``, ``--resume``, ``--threads``."""
    add = parser.add_argument
    add("--data", metavar="DIR", help="a folder with images/ and masks/ (default: synthetic shapes)")
    add("--val-fraction", type=float, metavar="F", help=f"held-out part of --data (default {DEFAULTS['val_fraction']})")
    add("--size", type=int, nargs="+", metavar="N",
        help=f"resize --data images to this size (H W); for synthetic data, the side (default "
        f"{DIM_DEFAULTS[2]['size']}; vnet {DIM_DEFAULTS[3]['size']})")
    add("--samples", type=int, metavar="N", help=f"synthetic training images (default {DIM_DEFAULTS[2]['samples']}; "
        f"vnet {DIM_DEFAULTS[3]['samples']} volumes)")
    add("--val-samples", type=int, metavar="N", help=f"synthetic held-out images (default {DEFAULTS['val_samples']})")
    add("--classes", type=int, metavar="K", help=f"synthetic classes incl. background: {', '.join(SHAPES[2])} "
        f"in that order (default {DEFAULTS['classes']})")
    add("--model", choices=tuple(MODELS), help=f"the network (default {DEFAULTS['model']}; vnet trains on 3-D shapes)")
    add("--up", choices=UPSAMPLERS,
        help="U-Net decoder upsampling: learned 2x2 transposed conv, nearest resize + conv, or a transposed "
        f"conv initialised bilinear (default {DEFAULTS['up']})")
    unet, vnet = MODEL_DEFAULTS["unet"], MODEL_DEFAULTS["vnet"]
    add("--base", type=int, metavar="C", help=f"channels at full resolution (default {unet['base']}; vnet {vnet['base']})")
    add("--depth", type=int, metavar="D", help=f"number of 2x2 poolings (default {unet['depth']}; vnet {vnet['depth']})")
    add("--batch-norm", action=argparse.BooleanOptionalAction, default=None,
        help=f"batch normalisation after each convolution (default {'on' if DEFAULTS['batch_norm'] else 'off'})")
    add("--loss", choices=tuple(TRAINING_LOSSES), help=f"the loss (default {DEFAULTS['loss']}; see the list above)")
    add("--augment", action=argparse.BooleanOptionalAction, default=None,
        help="random flips and 90-degree rotations of image and mask together (default: on for synthetic "
        "shapes, off for --data)")
    add("--epochs", type=int, metavar="N", help=f"epochs (default {DEFAULTS['epochs']})")
    add("--batch-size", type=int, metavar="N", help=f"images per step (default {DEFAULTS['batch_size']})")
    add("--lr", type=float, metavar="LR", help=f"Adam's learning rate, in (0, 1] (default {DEFAULTS['lr']})")
    add("--seed", type=int, metavar="S", help="seed of the data, the initial weights, shuffling and augmentation "
        "(default 0)")
    add("--mask-format", choices=MASK_FORMATS,
        help="--data masks: ids (pixel value = class id), binary (0/255 read as 0/1), void (class ids with VOC's "
        "255 'void' read as background); auto (default) chooses from the values and says so")
    add("--mask-colors", metavar="TABLE",
        help="--data masks in RGB colours: 'auto' (the colours found, sorted so black is class 0) or a colour table, "
        "class 0 first: '#000000,#ff0000,#00ff00', a .json list or a .txt file, one colour a line; the table used "
        "is stored in config.json")
    add("--class-weights", metavar="W",
        help="'auto' (median-frequency weights of the training data: rare classes weigh more) or one number per "
        f"class, '0.1,1,3'; for the losses {', '.join(weighted_losses())}")
    add("--overfit-batch", nargs="?", type=int, const=300, metavar="STEPS",
        help="a sanity check: train on one batch for up to STEPS steps (default 300) until it is memorised; prints "
        "PASS or FAIL with what to check; writes nothing")
    add("--out", metavar="DIR", help="the run folder (default: a new runs/<timestamp>); a folder holding another run "
        "is refused unless --overwrite")
    add("--overwrite", action="store_true", help="replace the run already in --out (its model.npz, last.npz, history)")
    add("--resume", metavar="LAST_NPZ", help="continue the run of this last.npz (its configuration; --epochs "
        "may raise the number of epochs)")
    add("--max-memory", type=float, metavar="GIB", help="refuse a run that needs more memory than this many GiB "
        "(default: three quarters of this machine's memory)")
    add("--threads", type=int, metavar="N", help="threads for the kernels and BLAS (default: all cores)")
    add("--no-progress", action="store_true", help="no progress bar (one line per epoch)")
    add("--eager", action="store_true", help="train on the eager graph instead of the planned replay of the model "
        "(tconv.compile); the numbers are the same, the planned step is faster")
    add("--profile", action="store_true", help="print where a training step's time goes (tconv.profiler, 10 steps) "
        "and stop")


#: The library's argument names in messages -> the flags that set them (tconv.cli.respell).
LIBRARY_NAMES = {"mask_format": "--mask-format", "batch_size": "--batch-size", "size": "--size",
                 "val_fraction": "--val-fraction", "palette": "--mask-colors"}

#: flag -> configuration key, for the flags that set the training configuration.
CONFIG_FLAGS = {"data": "data", "val_fraction": "val_fraction", "size": "size", "samples": "samples",
                "val_samples": "val_samples",
                "classes": "classes", "model": "model", "up": "up", "base": "base", "depth": "depth",
                "batch_norm": "batch_norm", "loss": "loss", "augment": "augment", "epochs": "epochs",
                "batch_size": "batch_size", "lr": "lr", "seed": "seed", "mask_format": "mask_format",
                "mask_colors": "mask_colors", "class_weights": "class_weights"}


def flag(key: str) -> str:
    """The flag that sets a configuration key, for messages: ``batch_size`` -> ``--batch-size``.

    >>> flag("batch_size"), flag("dim")
    ('--batch-size', '--model')
    """
    return "--model" if key == "dim" else "--" + key.replace("_", "-")


#: Flags that only some configurations read: (flag, the configurations it is for, when it is not read).
UNREAD_FLAGS = (
    ("samples", "synthetic data", lambda a: a.data is not None),
    ("val_samples", "synthetic data", lambda a: a.data is not None),
    ("classes", "synthetic data (with --data the masks say how many classes)", lambda a: a.data is not None),
    ("mask_format", "--data", lambda a: a.data is None),
    ("mask_colors", "--data", lambda a: a.data is None),
    ("val_fraction", "--data", lambda a: a.data is None),
    ("depth", "unet and vnet", lambda a: a.model == "fcn"),
    ("up", "unet", lambda a: a.model in ("fcn", "vnet")),
)


def _config(args) -> dict:
    config = {key: getattr(args, flag) for flag, key in CONFIG_FLAGS.items() if getattr(args, flag) is not None}
    config.update(data_options(args, PROG))
    if args.resume is not None:
        extra = sorted(f"--{flag.replace('_', '-')}" for flag in config if flag != "epochs")
        if extra:
            raise UsageError(f"--resume continues the stored configuration; drop {', '.join(extra)} (only --epochs "
                             "may change)", PROG)
        return config
    for name, meant_for, unread in UNREAD_FLAGS:
        if getattr(args, name) is not None and unread(args):
            raise UsageError(f"{flag(name)} is for {meant_for}; this run would ignore it: drop it", PROG)
    if args.out is not None and not str(args.out).strip():
        raise UsageError("--out is empty; give the run folder's path", PROG)
    check_data_folder(args.data, PROG)
    return config


def check_data_folder(data, prog: str) -> None:
    """``--data``: a folder (the library's messages name the rest of the layout), or a usage error."""
    if data is not None and not os.path.isdir(data):
        what = "is a file, not a folder" if os.path.isfile(data) else "no such folder"
        raise UsageError(f"--data {data}: {what} (--data needs DIR/images/ and DIR/masks/)", prog)


def data_options(args, prog: str) -> dict:
    """``--mask-colors`` and ``--class-weights`` as configuration values (``"auto"`` or lists), or usage errors."""
    from ..seg.data.colours import parse_colour_table

    options = {}
    if getattr(args, "mask_colors", None) is not None:
        try:
            table = parse_colour_table(args.mask_colors)
        except (ValueError, TypeError) as error:
            raise UsageError(f"--mask-colors: {error}", prog) from None
        options["mask_colors"] = table if table == "auto" else [list(colour) for colour in table]
    if getattr(args, "class_weights", None) is not None:
        text = args.class_weights.strip()
        if text == "auto":
            options["class_weights"] = "auto"
        else:
            try:
                options["class_weights"] = [float(part) for part in text.split(",")]
            except ValueError:
                raise UsageError(f"--class-weights {text}: give 'auto' or numbers separated by commas (one per class, "
                                 "e.g. 0.1,1,3)", prog) from None
    return options


def set_threads(threads, prog: str) -> None:
    """Apply ``--threads`` (Numba's and BLAS's pools), or a usage error."""
    if threads is None:
        return
    import tconv

    import numba

    most = numba.config.NUMBA_NUM_THREADS
    if not 1 <= threads <= most:
        raise UsageError(f"--threads {threads} must be an int from 1 to {most} (the threads this machine allows; "
                         "NUMBA_NUM_THREADS)", prog)
    tconv.set_num_threads(threads)


def max_memory(args, prog: str):
    """``--max-memory`` in bytes (None: the default limit), or a usage error."""
    if args.max_memory is None:
        return None
    if not args.max_memory > 0 or args.max_memory > 2 ** 20:
        raise UsageError(f"--max-memory {args.max_memory:g} must be a positive number of GiB", prog)
    return int(args.max_memory * 2 ** 30)


def run(args) -> int:
    """Train, print one line per epoch (and a bar), write the run folder."""
    import time
    from pathlib import Path

    config = _config(args)
    limit = max_memory(args, PROG)
    set_threads(args.threads, PROG)
    if args.overfit_batch is not None:
        return _overfit(config, args, limit)
    from ..seg.train.recipe import check_config
    from ..seg.train.run import TrainingDiverged, new_run_folder, train_run

    if args.resume is None:
        try:
            check_config(config, flag)
        except (ValueError, TypeError) as error:
            raise UsageError(str(error), PROG) from None
    elif not os.path.isfile(args.resume):
        raise UsageError(f"--resume {args.resume}: no such file (give a run's last.npz)", PROG)
    if args.out:
        out = Path(args.out)
    elif args.resume:
        out = Path(args.resume).parent
    else:
        out = new_run_folder("runs")          # exclusively: a run started in the same second gets another
    if args.data and args.out and _inside(out, Path(args.data)):
        raise UsageError(f"--out {out} is inside --data {args.data}; write the run folder elsewhere", PROG)
    started = time.perf_counter()
    figures = _Figures(out)
    try:
        if args.profile:
            return _profile(config, not args.eager)
        result = train_run(config, out, resume=args.resume, overwrite=args.overwrite, max_memory=limit, spell=flag,
                           progress=not args.no_progress, on_epoch_end=figures.update, planned=not args.eager)
    except TrainingDiverged as error:
        kept = (f"The run folder {out} keeps the last good epoch." if (out / "last.npz").exists()
                else f"No epoch finished, so nothing was saved in {out}.")
        print(f"{PROG}: stopped: {error}. {kept}")
        return 1
    except KeyboardInterrupt:
        last = out / "last.npz"
        hint = f"; resume with: tconv train --resume {shlex.quote(str(last))}" if last.exists() else ""
        print(f"\n{PROG}: interrupted. {out} keeps the last finished epoch{hint}")
        return 130
    except (ValueError, TypeError) as error:       # bad data folders, foreign checkpoints: one line
        _remove_if_empty(out, args)
        raise UsageError(str(error), PROG) from None
    except MemoryError:
        _remove_if_empty(out, args)
        raise UsageError("ran out of memory; lower --batch-size, --size or --base (or --samples)", PROG) from None
    if result["finished"]:
        epochs = result["config"]["epochs"]
        print(f"{PROG}: nothing to do: {args.resume} has finished its {epochs} epoch{'s' * (epochs != 1)} "
              f"(best val mIoU {_score(result)}); give a larger --epochs to train on. No file was changed.")
        return 0
    figures.finish(result)
    took = f"{time.perf_counter() - started:.0f} s in all"
    if result["best_epoch"] is None:
        print(f"no epoch reached a finite validation mIoU, so no model.npz was written; {took}. Run folder: {out} "
              f"(last.npz holds the last weights)")
        return 1
    print(f"best val mIoU {_score(result)} at epoch {result['best_epoch']}; {took}. Run folder: {out}")
    model = shlex.quote(str(out / "model.npz"))            # a path with spaces pastes as one word
    if result["config"]["dim"] == 2:
        print(f"next: tconv predict {model} IMAGE.png --out predictions   (images: .png, .jpg, .tif; "
              f"or tconv export {model} -o model.onnx)")
    else:
        print(f"next: tconv predict {model} VOLUME.nii.gz --out predictions   (this model segments "
              f"volumes: .npy, .nii/.nii.gz or multi-page .tif; or tconv export {model} -o model.onnx)")
    return 0


def _overfit(config, args, limit) -> int:
    """``--overfit-batch``: memorise one batch, print the verdict; nothing is written."""
    refused = [name for name, value in (("--resume", args.resume), ("--out", args.out),
                                        ("--overwrite", args.overwrite)) if value]
    if refused:
        raise UsageError(f"--overfit-batch writes nothing; drop {', '.join(refused)}", PROG)
    if not 1 <= args.overfit_batch <= 100_000:
        raise UsageError(f"--overfit-batch {args.overfit_batch}: the number of steps must be from 1 to 100000", PROG)
    from ..seg.train.sanity import overfit_run, overfit_verdict

    try:
        result, c = overfit_run(config, steps=args.overfit_batch, max_memory=limit, spell=flag, log=print)
    except (ValueError, TypeError) as error:
        raise UsageError(str(error), PROG) from None
    print(f"one batch of {result['batch']} images, {c['model']} with lr {c['lr']:g}, loss {c['loss']}:")
    print("\n".join(overfit_verdict(result)))
    return 0 if result["passed"] else 1


def _profile(config: dict, planned: bool) -> int:
    """``--profile``: ten training steps of the configuration under :func:`tconv.profiler.profile`, as a table."""
    import tconv
    from tconv import Tensor

    from ..seg.train.recipe import check_config, make_datasets, make_loaders, make_loss, make_model, make_optimizer

    c = check_config(dict(config, samples=min(config.get("samples") or 96, 96)), flag)
    tconv.manual_seed(c["seed"])
    train, val, info = make_datasets(c)
    loader, _ = make_loaders(c, train, val)
    model, loss_fn = make_model(c, info), make_loss(c["loss"], info["num_classes"], fused=planned)
    optimizer = make_optimizer(c, model)
    forward = tconv.compile(model) if planned else model
    batches = list(loader)
    steps = min(10, len(batches) - 2)

    def step(images, masks):
        loss = loss_fn(forward(Tensor(images)), masks)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    for images, masks in batches[:2]:                  # warm up: compile the kernels, record the plan
        step(images, masks)
    with tconv.profiler.profile(steps=steps) as prof:
        for images, masks in batches[2:2 + steps]:
            step(images, masks)
    print(f"{PROG} --profile: {steps} steps of batch {c['batch_size']}, {'planned' if planned else 'eager'} "
          f"({tconv.get_num_threads()} threads); per step:")
    print(prof.table(limit=20))
    return 0


def _score(result) -> str:
    return "n/a" if result["best_miou"] is None else f"{result['best_miou']:.3f}"


def _inside(path: Path, folder: Path) -> bool:
    """Whether ``path`` is ``folder`` or lies below it."""
    path, folder = path.resolve(), folder.resolve()
    return path == folder or folder in path.parents


def _remove_if_empty(out, args) -> None:
    """A run folder made by this command that stayed empty (the run was refused) is removed again."""
    if args.out is None and args.resume is None:
        for folder in (out, out.parent):            # runs/<timestamp>, then runs/ if this made it and it is empty
            try:
                folder.rmdir()
            except OSError:
                return


class _Figures:
    """Draw the learning curves and the validation predictions into the run folder (via tconv.viz)."""

    def __init__(self, out):
        self.out = out
        self.run = None

    def update(self, row, run) -> bool:
        self.run = run
        return False

    def finish(self, result) -> None:
        if self.run is None:
            return
        import numpy as np

        from ..seg.train import predict
        from ..viz import plot_history, plot_predictions, save

        save(plot_history(result["history"]), self.out / "curves.png", creator="tconv train")
        val, info = self.run["val"], self.run["info"]
        self.diagnostics(result)
        if info["spatial_dims"] != 2:
            return
        items = [val[i] for i in range(min(6, len(val)))]
        images = np.stack([image for image, _ in items])
        masks = np.stack([mask for _, mask in items])
        predictions = predict(self.run["model"], images)
        save(plot_predictions(images, masks, predictions, class_names=info["class_names"]),
             self.out / "predictions.png", creator="tconv train")

    def diagnostics(self, result) -> None:
        """The diagnostics of model.npz (the best epoch) on the held-out data, into the run folder."""
        if result["best_epoch"] is None:
            return
        from ..seg.train.diagnostics import diagnose, format_table
        from ..seg.train.inference import load_model
        from ..viz import save_diagnostics

        model, _ = load_model(self.out / "model.npz")
        info = self.run["info"]
        diagnosis = diagnose(model, self.run["val"], info["num_classes"], class_names=info["class_names"])
        save_diagnostics(diagnosis, self.out)
        print(f"model.npz (epoch {result['best_epoch']}) on the held-out data:")
        print(format_table(diagnosis))
        print(f"diagnostics: {self.out}/per_class.txt, confusion.png, errors.png, probability.png, worst.png")
