"""Using a trained model on files: what ``tconv predict`` and ``tconv evaluate`` do.

A checkpoint (``model.npz``) stores the weights and the configuration they were trained with
(:mod:`.run`), so nothing has to be repeated on the command line: :func:`load_model` rebuilds
the network, and :func:`predict_file` prepares an image as training did (the same channels,
the same size if training resized its images), predicts, and brings the class ids back to
the image's own size (nearest neighbour). A model trained on volumes reads volume files
(``.npy``, NIfTI, multi-page TIFF; :mod:`tconv.seg.data.volumeio`) the same way, and its
predictions are written in the input's own format.
"""
from __future__ import annotations

import math
import os
from pathlib import Path

import numpy as np

from ..data import ImageMaskFolder
from ..data.folder import FOLDER_IMAGE_EXTENSIONS, file_dims, folder_dims
from ..data.imageio import match_channels, open_image, read_image, resize_image, resize_mask
from ..data.volumeio import read_volume, resize_volume, resize_volume_mask, stem, suffix, volume_header
from ..models import build_model
from .loop import evaluate, predict
from .memory import bytes_per_pixel, check_memory, default_limit, format_bytes
from .run import load_checkpoint
from .tiling import choose_tile, predict_tiled

__all__ = ["load_model", "predict_file", "image_files", "evaluate_folder", "evaluation_folder", "prediction_paths",
           "check_predictable", "prediction_tile"]


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
            found = sorted(p for p in path.iterdir() if suffix(p) in FOLDER_IMAGE_EXTENSIONS
                           and not p.name.startswith(".") and p.is_file())
            if not found:
                raise ValueError(f"{path}: the folder has no image or volume files "
                                 f"({', '.join(FOLDER_IMAGE_EXTENSIONS)})")
            files += found
        elif path.is_file():
            files.append(path)
        else:
            raise ValueError(f"{path}: no such file or folder")
    return files


def prediction_paths(files, out_dir) -> list[tuple[Path, Path, Path]]:
    """``(image, mask file, overlay file)`` for each input: ``OUT/NAME.png`` and ``OUT/NAME_overlay.png``.

    A volume ``NAME.nii.gz`` (``.npy``, multi-page ``.tif``) is predicted into ``OUT/NAME.nii.gz``
    (the same format) and ``OUT/NAME_overlay.png`` (a few slices).

    Refuses (``ValueError`` naming both paths), before anything is written, a plan in which
    an output would replace one of the inputs (``--out`` the inputs' own folder, a symlink or
    hard link to an input), an output is a symbolic link (it would be written through), or two
    inputs would write the same output (``a.png`` and ``a.jpg``, ``x/a.png`` and ``y/a.png``).

    >>> prediction_paths(["x/a.png", "y/b.jpg"], "out")[1]
    (PosixPath('y/b.jpg'), PosixPath('out/b.png'), PosixPath('out/b_overlay.png'))
    >>> prediction_paths(["x/a.png", "y/a.png"], "out")
    Traceback (most recent call last):
    ...
    ValueError: x/a.png and y/a.png would both be written to out/a.png; predict them into separate --out folders (or rename one)
    """
    out_dir = Path(out_dir)
    inputs = [Path(f) for f in files]
    identities = {}
    for path in inputs:
        identities[_identity(path)] = path
    writers: dict = {}
    plan = []
    for path in inputs:
        kind = suffix(path) if file_dims(path) == 3 else ".png"
        outputs = (out_dir / f"{stem(path)}{kind}", out_dir / f"{stem(path)}_overlay.png")
        for output in outputs:
            key = os.path.normcase(os.path.abspath(output))
            if key in writers and writers[key] != path:
                raise ValueError(f"{writers[key]} and {path} would both be written to {output}; predict them into "
                                 "separate --out folders (or rename one)")
            writers[key] = path
            if output.is_symlink():
                raise ValueError(f"{output} is a symbolic link; the prediction of {path} would be written through "
                                 f"it to {os.path.realpath(output)}: remove the link or choose another --out folder")
            source = identities.get(_identity(output))
            if source is not None:
                same = "" if output == source else f" ({output} is the same file)"
                raise ValueError(f"the prediction of {path} would be written over the input {source}{same}; choose "
                                 "another --out folder")
        plan.append((path, *outputs))
    return plan


def _identity(path: Path):
    """What makes two paths one file: the inode of an existing file, else the absolute real path."""
    try:
        info = os.stat(path)
        return ("inode", info.st_dev, info.st_ino)
    except OSError:
        return ("path", os.path.normcase(os.path.realpath(path)))


def _model_input_size(checkpoint: dict, image_size: tuple) -> tuple:
    size = checkpoint["config"].get("size") if checkpoint["config"].get("data") is not None else None
    return tuple(size[:len(image_size)]) if size else tuple(image_size)


def check_predictable(model, checkpoint: dict, path, max_memory: int | None = None, tile: int | None = None) -> tuple:
    """Check ``path`` before decoding it: an image (or volume) file the model can take, within ``max_memory`` bytes.

    Reads only the header. The memory needed is the decoded image and the network's feature
    maps for it (:func:`~tconv.seg.train.memory.bytes_per_pixel`, measured on this model), or for
    a tile of it when the whole image does not fit (:func:`prediction_tile`); ``max_memory``
    defaults to three quarters of this machine's memory. Returns the image's ``(H, W)`` (a
    volume's ``(D, H, W)``); raises ``ValueError`` naming the file and the rule (an image for a
    volume model, or a volume for an image model, included).
    """
    path = Path(path)
    dims = checkpoint["info"]["spatial_dims"]
    if file_dims(path) != dims:
        if dims == 3:
            raise ValueError(f"{path}: a 2-D image, but this model segments volumes; give volume files (.npy (D, H, W), "
                             ".nii or .nii.gz, a multi-page .tif)")
        raise ValueError(f"{path}: a volume, but this model segments 2-D images; give image files (.png, .jpg, .tif) "
                         "or a model trained on volumes (tconv train --data VOLUMES)")
    if dims == 3:
        shape, _ = volume_header(path)
    else:
        with open_image(path) as picture:
            shape = (picture.height, picture.width)
    size = _model_input_size(checkpoint, shape)
    halvings = getattr(model, "depth", 3)
    if min(size) < 2 ** halvings:
        raise ValueError(f"{path}: {' x '.join(map(str, shape))} pixels is too small for this model "
                         f"({type(model).__name__} halves the size {halvings} times, so it needs at least "
                         f"{2 ** halvings} pixels per side)")
    prediction_tile(model, checkpoint, path, size, shape, max_memory, tile)
    return tuple(shape)


def prediction_tile(model, checkpoint: dict, path, size, image_size, max_memory: int | None = None,
                    tile: int | None = None) -> int | None:
    """The tile side :func:`predict_file` uses for ``path`` (None: the whole image at once).

    The image (decoded, and its class scores) must fit in ``max_memory`` (default: three
    quarters of this machine's); the network's feature maps get the rest, for the whole
    image if they fit, else tile by tile (:func:`~tconv.seg.train.tiling.choose_tile`, the
    overlap-tile strategy: the same prediction). ``ValueError`` naming the file when even
    the smallest tile does not fit, or ``tile`` is not one the model takes.
    """
    channels = max(3, checkpoint["info"]["in_channels"])
    pixels = math.prod(image_size)
    fixed = 16 * channels * pixels + 8 * checkpoint["info"]["num_classes"] * math.prod(size)
    limit = default_limit() if max_memory is None else max_memory
    shown = " x ".join(str(n) for n in reversed(tuple(image_size)))
    check_memory(f"{path}: reading {shown} pixels and holding their class scores", fixed, limit,
                 "resize the image first")
    try:
        per_pixel = bytes_per_pixel(model, training=False, side=min(size))
        return choose_tile(model, size, limit - fixed, per_pixel, tile)
    except ValueError as error:
        memory = f" (--max-memory {format_bytes(limit)})" if "memory" in str(error) else ""
        raise ValueError(f"{path}: {error}{memory}") from None


def predict_file(model, checkpoint: dict, path, max_memory: int | None = None,
                 tile: int | None = None) -> tuple[np.ndarray, np.ndarray]:
    """``(image (C, H, W) as read, class ids (H, W) int64 at the image's size)`` for one image file
    (a volume: ``(C, D, H, W)`` and ``(D, H, W)``).

    The image is checked first (:func:`check_predictable`), then read, given the model's
    number of channels (:func:`~tconv.seg.data.imageio.match_channels`: an RGB image is
    averaged to grey for a grey model, a grey image repeated for a colour one; the same rule
    as :func:`evaluate_folder`) and resized as in training. An image whose feature maps do not
    fit in ``max_memory`` is segmented tile by tile (``tile``: the side, else the largest that
    fits; :mod:`tconv.seg.train.tiling`), which gives the same prediction.
    """
    path = Path(path)
    check_predictable(model, checkpoint, path, max_memory, tile)
    volume = checkpoint["info"]["spatial_dims"] == 3
    image = read_volume(path) if volume else read_image(path)
    x = match_channels(image, checkpoint["info"]["in_channels"], path)
    size = checkpoint["config"].get("size") if checkpoint["config"].get("data") is not None else None
    if size:
        x = (resize_volume if volume else resize_image)(x, tuple(size[:image.ndim - 1]))
    chosen = prediction_tile(model, checkpoint, path, x.shape[1:], image.shape[1:], max_memory, tile)
    if chosen is None:
        labels = predict(model, x[None])[0]
    else:
        labels = predict_tiled(model, x[None], chosen).argmax(axis=1)[0].astype(np.int64)
    if labels.shape != image.shape[1:]:
        labels = (resize_volume_mask if volume else resize_mask)(labels, image.shape[1:])
    return image, labels


def evaluation_folder(checkpoint: dict, folder) -> ImageMaskFolder:
    """``folder`` read as the checkpoint's training read its data: size, classes, channels, mask format and colours.

    Refuses a folder of volumes for an image model and a folder of images for a volume model.
    """
    config, info = checkpoint["config"], checkpoint["info"]
    size = config.get("size") if config.get("data") is not None else None
    kinds = {2: "2-D images", 3: "volumes"}
    if Path(folder).is_dir() and folder_dims(folder) != info["spatial_dims"]:
        raise ValueError(f"{folder} holds {kinds[folder_dims(folder)]}, but this model segments "
                         f"{kinds[info['spatial_dims']]}")
    data = ImageMaskFolder(folder, num_classes=info["num_classes"], in_channels=info["in_channels"],
                           mask_format=config.get("mask_format", "auto"), palette=config.get("mask_colors"))
    if data.spatial_dims != info["spatial_dims"]:
        raise ValueError(f"{folder} holds {kinds[data.spatial_dims]}, but this model segments "
                         f"{kinds[info['spatial_dims']]}")
    if size:
        data.size = tuple(size)
    return data


def evaluate_folder(model, checkpoint: dict, folder, batch_size: int = 8, hd95: bool = True,
                    max_memory: int | None = None) -> dict:
    """:func:`~tconv.seg.train.loop.evaluate` of ``model`` on an image/mask folder (resized as in training).

    Images get the model's number of channels by the rule of :func:`predict_file` (RGB averaged
    to grey for a grey model, grey repeated for a colour model). The memory a batch needs is
    checked against ``max_memory`` bytes first (default: three quarters of this machine's).
    """
    from ..data import DataLoader

    config = checkpoint["config"]
    size = config.get("size") if config.get("data") is not None else None
    data = evaluation_folder(checkpoint, folder)
    batch = batch_size if size else 1              # images of different sizes: one at a time
    pixels = math.prod(size) if size else max(math.prod(s) for s in data.image_sizes)
    side = round(pixels ** (1 / data.spatial_dims))          # the probe's side: an image (volume) of that many pixels
    check_memory(f"{folder}: evaluating batches of {batch} image(s) of up to {pixels:,} pixels",
                 bytes_per_pixel(model, training=False, side=side) * batch * pixels, max_memory,
                 "resize the images (or evaluate a folder of smaller ones)")
    return evaluate(model, DataLoader(data, batch_size=batch), checkpoint["info"]["num_classes"], hd95=hd95)
