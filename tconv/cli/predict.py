"""``tconv predict MODEL.npz INPUT... --out DIR``: segment image files with a trained model.

For each image ``NAME.ext`` it writes ``DIR/NAME.png`` (the predicted class ids as 8-bit pixel
values, at the input's size) and ``DIR/NAME_overlay.png`` (the prediction coloured over the
image). The architecture and preprocessing come from the checkpoint, so no other flag is needed.
Every input is checked and every output path planned before anything is written: no output
replaces an input, two inputs never share an output, and earlier predictions are replaced only
with ``--overwrite``.
"""
from __future__ import annotations

from . import UsageError

HELP = "segment image files with a model trained by tconv train"
DESCRIPTION = """\
Segment images with a checkpoint written by 'tconv train' (model.npz, or last.npz). INPUT is image
files (PNG, JPEG, TIFF) or folders of them. For each NAME.ext, DIR/NAME.png holds the class ids
(pixel value = class) at the image's size and DIR/NAME_overlay.png shows them over the image.
Images get the model's channels: an RGB image is averaged to grey for a model trained on grey
images, a grey image repeated for a colour model (tconv evaluate does the same).

An image too large for --max-memory (default: three quarters of this machine's; the estimate is
measured on the model) is segmented tile by tile with the overlap-tile strategy of the U-Net paper:
tiles overlap by the network's reach and start on its pooling grid, so the result is the same as
predicting the whole image at once, without seams. --tile N chooses the tile side.

Nothing is written until every input has been checked: an output may never replace an input
(choose another --out), two inputs with the same NAME (a.png and a.jpg, x/a.png and y/a.png) are
refused, existing predictions are replaced only with --overwrite, and an image whose smallest
seamless tile would not fit in --max-memory is refused with the estimate."""
EXAMPLES = """\
examples:
  tconv predict runs/20261201-1200/model.npz photo.png --out predictions
  tconv predict runs/20261201-1200/model.npz my_data/images --out predictions
  tconv predict runs/20261201-1200/model.npz my_data/images --out predictions --overwrite
  tconv predict runs/20261201-1200/model.npz large_scan.png --out predictions --tile 256
"""
PROG = "tconv predict"
#: The library's names for what this command's flags set (its messages are respelled with them).
LIBRARY_NAMES = {"tile": "--tile"}


def add_arguments(parser) -> None:
    """``MODEL``, ``INPUT...``, ``--out``, ``--overwrite``, ``--max-memory``, ``--threads``."""
    parser.add_argument("model", metavar="MODEL.npz", help="a checkpoint written by tconv train")
    parser.add_argument("inputs", nargs="+", metavar="INPUT", help="image files or folders of images")
    parser.add_argument("--out", required=True, metavar="DIR", help="where the predictions go (created if needed)")
    parser.add_argument("--overwrite", action="store_true", help="replace predictions already in DIR (never an input)")
    parser.add_argument("--max-memory", type=float, metavar="GIB",
                        help="refuse images that need more memory than this many GiB (default: 3/4 of this machine's)")
    parser.add_argument("--threads", type=int, metavar="N", help="threads for the kernels and BLAS")
    parser.add_argument("--tile", type=int, metavar="N",
                        help="segment in tiles of N x N pixels (overlap-tile: the same result as the whole image; "
                        "default: only when the image does not fit in --max-memory, in the largest tiles that fit)")


def run(args) -> int:
    """Check every input and output path, then predict each input and write its two PNGs."""
    from pathlib import Path

    import numpy as np
    from PIL import Image

    from ..seg.data.imageio import read_image
    from ..seg.train.inference import check_predictable, image_files, load_model, predict_file, prediction_paths
    from ..serialization import atomic_write
    from ..viz import overlay
    from .train import max_memory, set_threads

    set_threads(args.threads, PROG)
    limit = max_memory(args, PROG)
    out = Path(args.out)
    if out.exists() and not out.is_dir():
        raise UsageError(f"--out {out}: exists and is not a folder", PROG)
    try:
        model, checkpoint = load_model(args.model)
        files = image_files(args.inputs)
        plan = prediction_paths(files, out)
        if checkpoint["info"]["num_classes"] > 256:
            raise ValueError(f"{args.model}: {checkpoint['info']['num_classes']} classes do not fit 8-bit PNGs")
        if not args.overwrite:
            existing = [p for _, mask, lay in plan for p in (mask, lay) if p.exists()]
            if existing:
                more = f" (and {len(existing) - 1} more)" if len(existing) > 1 else ""
                raise ValueError(f"{existing[0]} exists{more}; add --overwrite to replace earlier predictions, or "
                                 "choose another --out")
        for path in files:                               # every image, decoded, before anything is written
            check_predictable(model, checkpoint, path, limit, args.tile)
            read_image(path)
    except (ValueError, OSError) as error:
        raise UsageError(str(error), PROG) from None
    out.mkdir(parents=True, exist_ok=True)
    names = checkpoint["info"]["class_names"]
    for path, mask_path, overlay_path in plan:
        try:
            image, labels = predict_file(model, checkpoint, path, limit, args.tile)
        except ValueError as error:
            raise UsageError(str(error), PROG) from None
        atomic_write(mask_path, lambda tmp: Image.fromarray(labels.astype(np.uint8)).save(tmp, format="PNG"))
        atomic_write(overlay_path, lambda tmp: Image.fromarray(overlay(image, labels)).save(tmp, format="PNG"))
        counts = np.bincount(labels.ravel(), minlength=len(names))
        share = ", ".join(f"{names[k]} {100 * counts[k] / labels.size:.0f}%" for k in range(len(names)) if counts[k])
        print(f"{path} -> {mask_path}  ({share})")
    return 0
