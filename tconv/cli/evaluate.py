"""``tconv evaluate MODEL.npz --data DIR``: per-class IoU, Dice and HD95 of a trained model on a folder.

With ``--out DIR`` it also writes the diagnostics a run folder holds (:mod:`tconv.seg.train.diagnostics`).
"""
from __future__ import annotations

from . import UsageError

HELP = "score a trained model on an image/mask folder: per-class IoU, Dice, mIoU, HD95"
DESCRIPTION = """\
Evaluate a checkpoint written by 'tconv train' on DIR/images + DIR/masks (the layout of
'tconv train --data'): per-class IoU and Dice pooled over the folder, their means over the
foreground classes (mIoU, mean Dice), pixel accuracy, and the 95th-percentile Hausdorff distance
(HD95, MONAI's convention, in pixels) averaged over the images where the class is present. A score
that cannot be computed (a class absent from both the masks and the predictions) reads n/a.
Images get the model's channels as in 'tconv predict' (RGB averaged to grey for a grey model, grey
repeated for a colour model); masks are read with the --mask-format and --mask-colors of training.
Volume folders (.npy, NIfTI, multi-page TIFF) are evaluated by models trained on volumes.

--out DIR writes the diagnostics of a run folder for this data: per_class.txt, metrics.json,
confusion.png, errors.png (true/false positives and negatives), probability.png (one class's
probability before the argmax) and worst.png (the images of lowest IoU). DIR may not lie inside
--data, and files already there are replaced only with --overwrite."""
EXAMPLES = """\
examples:
  tconv evaluate runs/20261201-1200/model.npz --data my_data
  tconv evaluate runs/20261201-1200/model.npz --data my_test_data --out my_test_diagnostics
"""
PROG = "tconv evaluate"
#: The library's argument names in messages -> what the user knows them as (tconv.cli.respell).
LIBRARY_NAMES = {"num_classes": "the model's number of classes", "mask_format": "--mask-format"}


def add_arguments(parser) -> None:
    """``MODEL``, ``--data``, ``--no-hd95``, ``--max-memory``, ``--threads``."""
    parser.add_argument("model", metavar="MODEL.npz", help="a checkpoint written by tconv train")
    parser.add_argument("--data", required=True, metavar="DIR", help="a folder with images/ and masks/")
    parser.add_argument("--no-hd95", action="store_true", help="skip the Hausdorff distances (faster)")
    parser.add_argument("--out", metavar="DIR", help="write the diagnostics (tables and figures) into DIR")
    parser.add_argument("--overwrite", action="store_true", help="replace diagnostics already in --out")
    parser.add_argument("--max-memory", type=float, metavar="GIB",
                        help="refuse a folder whose images need more memory than this many GiB (default: 3/4 of "
                        "this machine's)")
    parser.add_argument("--threads", type=int, metavar="N", help="threads for the kernels and BLAS")


def run(args) -> int:
    """Print the table of per-class scores and the means."""
    import math

    from ..seg.train.inference import evaluate_folder, load_model
    from .train import check_data_folder, max_memory, set_threads

    set_threads(args.threads, PROG)
    limit = max_memory(args, PROG)
    out = _check_out(args)
    try:
        model, checkpoint = load_model(args.model)
    except (ValueError, OSError) as error:
        raise UsageError(str(error), PROG) from None
    check_data_folder(args.data, PROG)
    try:
        scores = evaluate_folder(model, checkpoint, args.data, hd95=not args.no_hd95, max_memory=limit)
    except (ValueError, OSError) as error:
        raise UsageError(str(error), PROG) from None
    names = checkpoint["info"]["class_names"]
    width = max(len(n) for n in names)
    print(f"{'class'.ljust(width)}      IoU     Dice" + ("     HD95" if "hd95" in scores else ""))

    def cell(value, digits=3):
        return "      n/a" if value is None or math.isnan(value) else f"{value:9.{digits}f}"
    for k, name in enumerate(names):
        hd = scores["hd95"][k - 1] if "hd95" in scores and k > 0 else None
        print(f"{name.ljust(width)} {cell(scores['iou'][k])}{cell(scores['dice'][k])}"
              + (cell(hd, 2) if "hd95" in scores else ""))
    print(f"mIoU (foreground) {cell(scores['miou']).strip()}, mean Dice {cell(scores['dice_mean']).strip()}, "
          f"pixel accuracy {cell(scores['pixel_accuracy']).strip()}")
    if out is not None:
        _diagnostics(model, checkpoint, args.data, out)
    return 0


def _check_out(args):
    """``--out``: a folder outside ``--data`` whose diagnostics may be replaced only with ``--overwrite``."""
    if args.out is None:
        if args.overwrite:
            raise UsageError("--overwrite replaces diagnostics in --out; give --out DIR", PROG)
        return None
    from pathlib import Path

    from ..seg.train.diagnostics import DIAGNOSTIC_FILES

    out, data = Path(args.out).resolve(), Path(args.data).resolve()
    if out == data or data in out.parents:
        raise UsageError(f"--out {args.out} is inside --data {args.data}; write the diagnostics elsewhere", PROG)
    if out.exists() and not out.is_dir():
        raise UsageError(f"--out {args.out}: exists and is not a folder", PROG)
    taken = [name for name in DIAGNOSTIC_FILES if (out / name).exists()]
    if taken and not args.overwrite:
        raise UsageError(f"--out {args.out} already holds {', '.join(taken)}; add --overwrite to replace them, or "
                         "choose another folder", PROG)
    return Path(args.out)


def _diagnostics(model, checkpoint, data, out) -> None:
    from ..seg.train.diagnostics import diagnose
    from ..seg.train.inference import evaluation_folder
    from ..viz import save_diagnostics

    try:
        folder = evaluation_folder(checkpoint, data)
        out.mkdir(parents=True, exist_ok=True)
        diagnosis = diagnose(model, folder, checkpoint["info"]["num_classes"],
                             class_names=checkpoint["info"]["class_names"])
        save_diagnostics(diagnosis, out)
    except (ValueError, OSError) as error:
        raise UsageError(str(error), PROG) from None
    print(f"diagnostics: {out}/per_class.txt, metrics.json, confusion.png, errors.png, probability.png, worst.png")
