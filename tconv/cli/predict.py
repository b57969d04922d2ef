"""``tconv predict MODEL.npz INPUT... --out DIR``: segment image files with a trained model.

For each image ``NAME.ext`` it writes ``DIR/NAME.png`` (the predicted class ids as 8-bit pixel
values, at the input's size) and ``DIR/NAME_overlay.png`` (the prediction coloured over the
image). The architecture and preprocessing come from the checkpoint, so no other flag is needed.
"""
from __future__ import annotations

from . import UsageError

HELP = "segment image files with a model trained by tconv train"
DESCRIPTION = """\
Segment images with a checkpoint written by 'tconv train' (model.npz, or last.npz). INPUT is image
files (PNG, JPEG, TIFF) or folders of them. For each NAME.ext, DIR/NAME.png holds the class ids
(pixel value = class) at the image's size and DIR/NAME_overlay.png shows them over the image."""
EXAMPLES = """\
examples:
  tconv predict runs/20261201-1200/model.npz photo.png --out predictions
  tconv predict runs/20261201-1200/model.npz my_data/images --out predictions
"""
PROG = "tconv predict"


def add_arguments(parser) -> None:
    """``MODEL``, ``INPUT...``, ``--out``."""
    parser.add_argument("model", metavar="MODEL.npz", help="a checkpoint written by tconv train")
    parser.add_argument("inputs", nargs="+", metavar="INPUT", help="image files or folders of images")
    parser.add_argument("--out", required=True, metavar="DIR", help="where the predictions go (created if needed)")
    parser.add_argument("--threads", type=int, metavar="N", help="threads for the kernels and BLAS")


def run(args) -> int:
    """Predict every input and write the two PNGs per image."""
    from pathlib import Path

    import numpy as np
    from PIL import Image

    from ..seg.train.inference import image_files, load_model, predict_file
    from ..viz import overlay
    from .train import set_threads

    set_threads(args.threads, PROG)
    try:
        model, checkpoint = load_model(args.model)
        files = image_files(args.inputs)
    except (ValueError, OSError) as error:
        raise UsageError(str(error), PROG) from None
    if checkpoint["info"]["num_classes"] > 256:
        raise UsageError(f"{args.model}: {checkpoint['info']['num_classes']} classes do not fit 8-bit PNGs", PROG)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    names = checkpoint["info"]["class_names"]
    for path in files:
        try:
            image, labels = predict_file(model, checkpoint, path)
        except ValueError as error:
            raise UsageError(str(error), PROG) from None
        Image.fromarray(labels.astype(np.uint8)).save(out / f"{path.stem}.png")
        Image.fromarray(overlay(image, labels)).save(out / f"{path.stem}_overlay.png")
        counts = np.bincount(labels.ravel(), minlength=len(names))
        share = ", ".join(f"{names[k]} {100 * counts[k] / labels.size:.0f}%" for k in range(len(names)) if counts[k])
        print(f"{path} -> {out / (path.stem + '.png')}  ({share})")
    return 0
