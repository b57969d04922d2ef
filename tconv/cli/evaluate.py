"""``tconv evaluate MODEL.npz --data DIR``: per-class IoU, Dice and HD95 of a trained model on a folder."""
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
repeated for a colour model); masks are read with the --mask-format of training."""
EXAMPLES = """\
examples:
  tconv evaluate runs/20261201-1200/model.npz --data my_data
"""
PROG = "tconv evaluate"
#: The library's argument names in messages -> what the user knows them as (tconv.cli.respell).
LIBRARY_NAMES = {"num_classes": "the model's number of classes", "mask_format": "--mask-format"}


def add_arguments(parser) -> None:
    """``MODEL``, ``--data``, ``--no-hd95``, ``--max-memory``, ``--threads``."""
    parser.add_argument("model", metavar="MODEL.npz", help="a checkpoint written by tconv train")
    parser.add_argument("--data", required=True, metavar="DIR", help="a folder with images/ and masks/")
    parser.add_argument("--no-hd95", action="store_true", help="skip the Hausdorff distances (faster)")
    parser.add_argument("--max-memory", type=float, metavar="GIB",
                        help="refuse a folder whose images need more memory than this many GiB (default: 3/4 of "
                        "this machine's)")
    parser.add_argument("--threads", type=int, metavar="N", help="threads for the kernels and BLAS")


def run(args) -> int:
    """Print the table of per-class scores and the means."""
    import math

    from ..seg.train.inference import evaluate_folder, load_model
    from .train import max_memory, set_threads

    set_threads(args.threads, PROG)
    limit = max_memory(args, PROG)
    try:
        model, checkpoint = load_model(args.model)
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
    return 0
