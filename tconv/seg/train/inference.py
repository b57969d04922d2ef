"""Using a trained model on files: what ``tconv predict`` and ``tconv evaluate`` do.

A checkpoint (``model.npz``) stores the weights and the configuration they were trained with
(:mod:`.run`), so nothing has to be repeated on the command line: :func:`load_model` rebuilds
the network, and :func:`predict_file` prepares an image as training did (the same channels,
the same size if training resized its images), predicts, and brings the class ids back to
the image's own size (nearest neighbour).
"""
from __future__ import annotations

from pathlib import Path

import numpy as np

from ..data import ImageMaskFolder
from ..data.folder import IMAGE_EXTENSIONS
from ..data.imageio import match_channels, read_image, resize_image, resize_mask
from ..models import build_model
from .loop import evaluate, predict
from .run import load_checkpoint

__all__ = ["load_model", "predict_file", "image_files", "evaluate_folder"]


def load_model(path):
    """``(model, checkpoint)`` from a checkpoint written by ``tconv train`` (eval mode, its dtype float32)."""
    checkpoint = load_checkpoint(path)
    try:
        model = build_model(dict(checkpoint["model_config"]))
        model.load_state_dict(checkpoint["model"])
    except (RuntimeError, TypeError) as error:
        raise ValueError(f"{path}: the weights do not fit the stored model configuration ({error})") from None
    return model.eval(), checkpoint


def image_files(inputs) -> list[Path]:
    """The image files named by ``inputs`` (files, or folders: their image files, sorted; not recursive)."""
    files = []
    for name in inputs:
        path = Path(name)
        if path.is_dir():
            found = sorted(p for p in path.iterdir() if p.suffix.lower() in IMAGE_EXTENSIONS
                           and not p.name.startswith("."))
            if not found:
                raise ValueError(f"{path}: the folder has no image files ({', '.join(IMAGE_EXTENSIONS)})")
            files += found
        elif path.is_file():
            files.append(path)
        else:
            raise ValueError(f"{path}: no such file or folder")
    return files


def predict_file(model, checkpoint: dict, path) -> tuple[np.ndarray, np.ndarray]:
    """``(image (C, H, W) as read, class ids (H, W) int64 at the image's size)`` for one image file."""
    path = Path(path)
    if checkpoint["info"]["spatial_dims"] != 2:
        raise ValueError(f"{path}: this model segments volumes; tconv predict reads 2-D image files")
    image = read_image(path)
    x = match_channels(image, checkpoint["info"]["in_channels"], path)
    size = checkpoint["config"].get("size") if checkpoint["config"].get("data") is not None else None
    if size:
        x = resize_image(x, tuple(size[:2]))
    labels = predict(model, x[None])[0]
    if labels.shape != image.shape[1:]:
        labels = resize_mask(labels, image.shape[1:])
    return image, labels


def evaluate_folder(model, checkpoint: dict, folder, batch_size: int = 8, hd95: bool = True) -> dict:
    """:func:`~tconv.seg.train.loop.evaluate` of ``model`` on an image/mask folder (resized as in training)."""
    from ..data import DataLoader

    config = checkpoint["config"]
    size = config.get("size") if config.get("data") is not None else None
    data = ImageMaskFolder(folder, size=None if not size else tuple(size),
                           num_classes=checkpoint["info"]["num_classes"])
    if data.in_channels != checkpoint["info"]["in_channels"]:
        raise ValueError(f"{folder}: the images have {data.in_channels} channel(s); the model was trained on "
                         f"{checkpoint['info']['in_channels']}")
    batch = batch_size if size else 1              # images of different sizes: one at a time
    return evaluate(model, DataLoader(data, batch_size=batch), checkpoint["info"]["num_classes"], hd95=hd95)
