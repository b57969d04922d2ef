"""What ``tconv train`` trains, from one configuration dict: data, augmentation, model, loss, optimizer.

A configuration is plain JSON (it is stored in ``config.json`` and inside every checkpoint),
so a run can be repeated, resumed and its model rebuilt by ``tconv predict``. Missing keys
take :data:`DEFAULTS`; :func:`check_config` refuses unknown keys and bad values with a
message naming them.

* data: ``data=None`` trains on :class:`~tconv.seg.data.SyntheticShapes` (``dim=3``:
  :class:`~tconv.seg.data.SyntheticShapes3D`) with ``samples`` training and ``val_samples``
  held-out images (another seed), ``classes - 1`` shape classes from :data:`SHAPES` and the
  difficulty of :data:`SYNTHETIC`; ``data="DIR"`` reads an
  :class:`~tconv.seg.data.ImageMaskFolder` and holds out ``val_fraction`` of it (seeded);
* augmentation (``augment``): flips and 90-degree rotations, drawn per epoch from
  ``(seed, epoch)`` so a resumed run draws the same ones;
* loss: one of :data:`LOSSES`, each taking ``(logits (N, K, *S), masks (N, *S))``.
"""
from __future__ import annotations

import os
import warnings

import numpy as np

from ..._checks import check_bool, check_choice, check_int, check_number
from ...nn import functional as F
from ...optim import Adam
from ...optim.lr_scheduler import CosineAnnealingLR
from .. import augment, losses
from ..data import DataLoader, ImageMaskFolder, SyntheticShapes, SyntheticShapes3D, random_split
from ..data.folder import folder_dims
from ..data.mask_format import MASK_FORMATS
from ..models import MODELS, UPSAMPLERS, build_model
from .options import check_class_weights, check_mask_colors

__all__ = ["DEFAULTS", "LIMITS", "MODEL_DEFAULTS", "DIM_DEFAULTS", "LOSSES", "SHAPES", "SYNTHETIC", "check_config", "make_datasets", "make_loaders", "make_model",
           "make_loss", "make_optimizer", "make_scheduler", "make_augmentation", "data_info", "InMemory", "data_bytes",
           "synthetic_info", "make_folder"]

#: Every configuration key, with its default; ``None`` takes the model's or the dimension's
#: default from :data:`MODEL_DEFAULTS` / :data:`DIM_DEFAULTS` (``size`` is kept for ``--data``).
DEFAULTS = dict(data=None, dim=2, size=None, samples=None, val_samples=200, classes=3, val_fraction=0.2,
                model="unet", up="transpose", base=None, depth=None, batch_norm=True, loss="dicece", augment=None,
                epochs=4, batch_size=8, lr=3e-3, seed=0, mask_format="auto", mask_colors=None, class_weights=None)
#: The largest value of each size-like key, checked before anything is made (a typo such as
#: ``size=100000`` must be a one-line error, not a 74.5 GiB allocation). Memory is checked as
#: well (:func:`tconv.seg.train.run.train_run`): these bound each number alone.
LIMITS = dict(size={2: 8192, 3: 512}, samples=1_000_000, val_samples=1_000_000, batch_size=4096, base=512, depth=6,
              epochs=100_000, seed=2**32 - 1, width=1024, classes=256)
#: The network's size per model: V-Net lite works on volumes, so it is kept small.
MODEL_DEFAULTS = {"unet": dict(base=16, depth=3), "fcn": dict(base=16, depth=3), "vnet": dict(base=4, depth=2)}
#: The synthetic data per number of spatial axes: 32x32 images, 16x16x16 volumes.
DIM_DEFAULTS = {2: dict(size=32, samples=1000), 3: dict(size=16, samples=800)}
LOSSES = ("ce", "dice", "dicece", "focal", "tversky", "fbeta", "hausdorff")
#: The synthetic shape classes in the order ``classes`` takes them (the first ``classes - 1``):
#: distinct outlines first, so the default run (disc and cross) learns in about a minute.
SHAPES = {2: ("disc", "cross", "ring", "square", "triangle"), 3: ("sphere", "torus", "cube", "cylinder")}
#: The synthetic data's difficulty knobs (:class:`~tconv.seg.data.SyntheticShapes`), per number of
#: spatial axes: one or two shapes of radius 0.2-0.35 of the side (volumes: 0.25-0.4), contrast
#: 0.25-0.5 against a ramp, noise 0.04.
SYNTHETIC = {2: dict(count_range=(1, 2), radius_range=(0.2, 0.35), contrast_range=(0.25, 0.5), noise_std=0.04),
             3: dict(count_range=(1, 2), radius_range=(0.25, 0.4), contrast_range=(0.25, 0.5), noise_std=0.04)}


def check_config(config: dict, spell=None) -> dict:
    """``config`` completed with :data:`DEFAULTS` and checked; raises ``ValueError``/``TypeError`` naming the key.

    Messages name a key as ``spell(key)`` (default: the key itself; ``tconv train`` passes
    its flags, so an error reads ``--batch-size=0 must be an integer >= 1``). Sizes are
    bounded by :data:`LIMITS`.

    >>> check_config({"epochs": 2})["loss"]
    'dicece'
    >>> check_config({"epoch": 2})
    Traceback (most recent call last):
    ...
    ValueError: unknown configuration key(s) ['epoch']; known: augment, base, batch_norm, batch_size, class_weights, classes, data, depth, dim, epochs, loss, lr, mask_colors, mask_format, model, samples, seed, size, up, val_fraction, val_samples
    >>> check_config({"size": 100000}, spell=lambda key: "--" + key.replace("_", "-"))
    Traceback (most recent call last):
    ...
    ValueError: --size=100000 must be an integer <= 8192
    """
    name = spell or (lambda key: key)
    unknown = sorted(set(config) - set(DEFAULTS))
    if unknown:
        raise ValueError(f"unknown configuration key(s) {unknown}; known: {', '.join(sorted(DEFAULTS))}")
    c = {**DEFAULTS, **config}
    check_choice(name("model"), c["model"], tuple(MODELS))
    for key, value in MODEL_DEFAULTS[c["model"]].items():
        c[key] = value if c[key] is None else c[key]
    if c["samples"] is None:
        c["samples"] = DIM_DEFAULTS[3 if c["model"] == "vnet" else c["dim"]]["samples"]
    if c["data"] is not None and not isinstance(c["data"], str):
        raise TypeError(f"{name('data')}={c['data']!r} must be a folder path or None (synthetic shapes)")
    if c["data"] is not None:
        c["data"] = os.path.abspath(c["data"])         # stored absolute: a resumed run may start elsewhere
    check_choice(name("dim"), c["dim"], (2, 3))
    if c["model"] == "vnet" and c["data"] is None:
        c["dim"] = 3
    elif c["data"] is not None:
        c["dim"] = folder_dims(c["data"])                 # images or volumes: the files say
    if c["size"] is not None:
        sizes = list(c["size"]) if isinstance(c["size"], (list, tuple)) else [c["size"]]
        sizes = [check_int(name("size"), s, minimum=4, maximum=LIMITS["size"][c["dim"]]) for s in sizes]
        if len(sizes) not in (1, c["dim"]):
            raise ValueError(f"{name('size')}={c['size']!r} must be one side or {c['dim']} sides")
        if c["data"] is None and len(set(sizes)) > 1:
            raise ValueError(f"{name('size')}={c['size']!r}: synthetic shapes are square; give one side")
        c["size"] = sizes * c["dim"] if len(sizes) == 1 else sizes
    for key, low in (("samples", 1), ("val_samples", 1), ("classes", 2), ("base", 1), ("depth", 1),
                     ("epochs", 1), ("batch_size", 1), ("seed", 0)):
        check_int(name(key), c[key], minimum=low, maximum=LIMITS.get(key))
    check_number(name("val_fraction"), c["val_fraction"], 0, 1, minimum_open=True, maximum_open=True)
    check_number(name("lr"), c["lr"], 0, minimum_open=True)
    check_choice(name("up"), c["up"], UPSAMPLERS)
    check_choice(name("loss"), c["loss"], LOSSES)
    check_choice(name("mask_format"), c["mask_format"], MASK_FORMATS)
    c["mask_colors"] = check_mask_colors(name("mask_colors"), c["mask_colors"])
    c["class_weights"] = check_class_weights(name("class_weights"), c["class_weights"], c["loss"])
    check_bool(name("batch_norm"), c["batch_norm"])
    if c["augment"] is not None:
        check_bool(name("augment"), c["augment"])
    if c["data"] is None and c["classes"] - 1 > len(SHAPES[c["dim"]]):
        shapes = SHAPES[c["dim"]]
        raise ValueError(f"{name('classes')}={c['classes']}: synthetic {c['dim']}-D data has {len(shapes)} shape "
                         f"classes ({', '.join(shapes)}) plus the background, so classes can be 2..{len(shapes) + 1}")
    deepest = 5 if c["model"] == "vnet" else LIMITS["depth"]
    if c["depth"] > deepest:
        raise ValueError(f"{name('depth')}={c['depth']}: {c['model']} goes at most {deepest} levels deep")
    halvings = 3 if c["model"] == "fcn" else c["depth"]
    widest = c["base"] * (8 if c["model"] == "fcn" else 2 ** c["depth"])
    if widest > LIMITS["width"]:
        raise ValueError(f"{name('base')}={c['base']} with {name('depth')}={c['depth']} gives {widest} channels at the "
                         f"bottom of the {c['model']}; at most {LIMITS['width']} (lower {name('base')} or "
                         f"{name('depth')})")
    side = min(c["size"]) if c["size"] else (DIM_DEFAULTS[c["dim"]]["size"] if c["data"] is None else None)
    if side is not None and side < 2 ** halvings:
        raise ValueError(f"{name('size')} {side}: the {c['model']} halves the size {halvings} times, so images need "
                         f"at least {2 ** halvings} pixels per side; raise {name('size')} to {2 ** halvings} or lower "
                         f"{name('depth')}")
    return c


def data_bytes(c: dict) -> int:
    """Bytes the synthetic data of ``c`` holds in memory (0 for a folder: it is read batch by batch).

    Every image is float32 and every mask int64: ``(samples + val_samples) * pixels * (4 + 8)``.

    >>> data_bytes(check_config({}))              # 1200 images of 32 x 32
    14745600
    """
    if c["data"] is not None:
        return 0
    side = c["size"][0] if c["size"] else DIM_DEFAULTS[c["dim"]]["size"]
    return (c["samples"] + c["val_samples"]) * side ** c["dim"] * (4 + 8)


class InMemory:
    """A dataset read once into memory (synthetic shapes are drawn once, not every epoch).

    >>> ds = InMemory(SyntheticShapes(3, size=16))
    >>> len(ds), ds[0][0].shape, ds.num_classes
    (3, (1, 16, 16), 4)
    """

    def __init__(self, dataset):
        self.items = [dataset[i] for i in range(len(dataset))]
        for key in ("num_classes", "in_channels", "class_names", "spatial_dims"):
            setattr(self, key, getattr(dataset, key, None))

    def __len__(self) -> int:
        return len(self.items)

    def __getitem__(self, index):
        return self.items[index]


def data_info(dataset) -> dict:
    """What the model and ``tconv predict`` need to know about the data."""
    return dict(num_classes=int(dataset.num_classes), in_channels=int(dataset.in_channels),
                class_names=list(dataset.class_names), spatial_dims=int(dataset.spatial_dims))


def _synthetic(c: dict):
    """The two synthetic data sets of ``c`` (lazy: each item is drawn when read)."""
    kind = SyntheticShapes3D if c["dim"] == 3 else SyntheticShapes
    size = c["size"][0] if c["size"] else DIM_DEFAULTS[c["dim"]]["size"]
    knobs = dict(SYNTHETIC[c["dim"]], shapes=SHAPES[c["dim"]][:c["classes"] - 1])
    return (kind(c["samples"], size=size, seed=c["seed"], **knobs),
            kind(c["val_samples"], size=size, seed=c["seed"] + 1, **knobs))


def synthetic_info(c: dict) -> dict:
    """:func:`data_info` of the synthetic data of ``c``, without drawing any of it.

    >>> synthetic_info(check_config({}))["class_names"]
    ['background', 'disc', 'cross']
    """
    return data_info(_synthetic(c)[0])


def make_folder(c: dict) -> ImageMaskFolder:
    """The :class:`~tconv.seg.data.ImageMaskFolder` of ``c["data"]``, checked for training."""
    folder = ImageMaskFolder(c["data"], size=None if c["size"] is None else tuple(c["size"][:c["dim"]]),
                             mask_format=c["mask_format"], palette=c["mask_colors"])
    if folder.num_classes < 2:
        raise ValueError(f"every mask in {folder.root / 'masks'} is class 0 (the background): there is nothing to "
                         "segment; masks hold class ids, 0 for the background and 1, 2, ... for the objects")
    if folder.num_classes > LIMITS["classes"]:
        raise ValueError(f"{folder.root / 'masks'}: the largest class id is {folder.num_classes - 1}, so the model "
                         f"would score {folder.num_classes} classes (at most {LIMITS['classes']}, the ids an 8-bit "
                         "prediction can hold); masks hold class ids 0, 1, 2, ..., not grey levels")
    absent = [k for k in range(1, folder.num_classes) if not folder.class_pixels.get(k)]
    if absent:
        shown = ", ".join(map(str, absent[:8])) + (" ..." if len(absent) > 8 else "")
        warnings.warn(f"{folder.root / 'masks'}: class ids {shown} never occur ({len(absent)} of "
                      f"{folder.num_classes - 1} object classes are empty; the masks hold "
                      f"{sorted(folder.class_pixels)[:8]}): the model scores them anyway; if the values are grey "
                      "levels, save the masks as class ids 0, 1, 2, ...", stacklevel=2)
    if c["size"] is None and len(set(folder.image_sizes)) > 1 and c["batch_size"] > 1:
        first, other = folder.image_sizes[0], next(s for s in folder.image_sizes if s != folder.image_sizes[0])
        axes = "H W" if len(first) == 2 else "D H W"
        raise ValueError(f"{c['data']}: the images have different sizes ({' x '.join(map(str, first))} and "
                         f"{' x '.join(map(str, other))}), so they cannot share a batch; resize them all with size=(...) "
                         f"(tconv train --size {axes}), or train with batch_size=1")
    if c["size"] is None:
        halvings = 3 if c["model"] == "fcn" else c["depth"]
        small = [size for size in folder.image_sizes if min(size) < 2 ** halvings]
        if small:
            raise ValueError(f"{c['data']}: an image of {' x '.join(map(str, small[0]))} pixels is too small for the "
                             f"{c['model']}, which halves the size {halvings} times (at least {2 ** halvings} per side); "
                             "give --size, or lower --depth")
    if len(folder) < 2:
        raise ValueError(f"{c['data']}: {len(folder)} image/mask pair; training needs at least 2 (one to hold out)")
    return folder


def make_datasets(c: dict, folder: ImageMaskFolder | None = None):
    """``(train, val, info)`` for the configuration ``c`` (see the module docstring).

    ``folder`` is ``c["data"]`` already read by :func:`make_folder` (it is read here if not).
    """
    if c["data"] is None:
        train, val = _synthetic(c)
        return InMemory(train), InMemory(val), data_info(train)
    folder = folder if folder is not None else make_folder(c)
    n_val = max(1, round(c["val_fraction"] * len(folder)))
    if n_val >= len(folder):
        raise ValueError(f"val_fraction={c['val_fraction']} holds out {n_val} of the {len(folder)} image/mask pairs "
                         "and leaves none to train on; lower it")
    train, val = random_split(folder, [len(folder) - n_val, n_val], seed=c["seed"])
    return train, val, data_info(folder)


def make_augmentation(c: dict, info: dict, epoch: int):
    """Epoch ``epoch``'s paired augmentation (or None): flips and 90-degree rotations, seeded by (seed, epoch)."""
    enabled = c["augment"] if c["augment"] is not None else c["data"] is None
    if not enabled:
        return None
    seed = int(np.random.SeedSequence([c["seed"], epoch, 1]).generate_state(1)[0])
    dims = info["spatial_dims"]
    flips = [augment.HorizontalFlip(), augment.VerticalFlip()] + ([augment.DepthFlip()] if dims == 3 else [])
    return augment.Compose(flips + [augment.RandomRotate90()], seed=seed, spatial_dims=dims)


def make_loaders(c: dict, train, val):
    """The training loader (shuffled, seeded) and the validation loader."""
    return (DataLoader(train, batch_size=c["batch_size"], shuffle=True, seed=c["seed"]),
            DataLoader(val, batch_size=max(c["batch_size"], 16)))


def make_model(c: dict, info: dict):
    """The network of ``c`` for the data described by ``info``."""
    return build_model(model_config(c, info))


def model_config(c: dict, info: dict) -> dict:
    """The model's constructor arguments (what a checkpoint stores to rebuild it)."""
    common = dict(in_channels=info["in_channels"], num_classes=info["num_classes"], base=c["base"],
                  dim=info["spatial_dims"])
    if c["model"] == "unet":
        return dict(model="unet", depth=c["depth"], up=c["up"], batch_norm=c["batch_norm"], **common)
    if c["model"] == "fcn":
        return dict(model="fcn", batch_norm=c["batch_norm"], **common)
    return dict(model="vnet", depth=c["depth"], batch_norm=c["batch_norm"], **common)


def make_loss(name: str, num_classes: int, fused: bool = False, weight=None):
    """``loss(logits (N, K, *S), masks (N, *S)) -> scalar Tensor`` for one of :data:`LOSSES`.

    The MONAI-style losses take class ids with a channel axis, ``masks[:, None]``, one-hot
    encoded inside (``to_onehot_y=True``) after a softmax over the logits. ``fused=True`` gives
    ``"dicece"`` as one op (:func:`tconv.seg.losses.dice_ce_with_logits`: the same numbers,
    softmax, both losses and the gradient in two passes), as the planned training step uses it.
    ``weight``: one class weight per class, for the losses of :data:`~.options.WEIGHTED_LOSSES`
    (the fused op takes none, so a weighted ``"dicece"`` is the composed loss).
    """
    check_choice("loss", name, LOSSES)
    check_class_weights("weight", None if weight is None else list(weight), name)
    weight = None if weight is None else np.asarray(weight, np.float32)
    if name == "ce":
        return F.cross_entropy if weight is None else (lambda logits, masks: F.cross_entropy(logits, masks, weight))
    if name == "dicece" and fused and weight is None:
        return losses.dice_ce_with_logits
    onehot = dict(to_onehot_y=True, softmax=True)
    weighted = {} if weight is None else dict(weight=weight)
    criterion = {
        "dice": lambda: losses.DiceLoss(**onehot, **weighted),
        "dicece": lambda: losses.DiceCELoss(**onehot, **weighted),
        "focal": lambda: losses.FocalLoss(to_onehot_y=True, use_softmax=True, **weighted),
        "tversky": lambda: losses.TverskyLoss(**onehot, alpha=0.3, beta=0.7),
        "fbeta": lambda: losses.FBetaLoss(**onehot, beta=2.0, **weighted),
        "hausdorff": lambda: losses.HausdorffDTLoss(**onehot),
    }[name]()

    def loss(logits, masks):
        return criterion(logits, masks[:, None])
    loss.__name__ = name
    return loss


def make_optimizer(c: dict, model):
    """Adam with the configured learning rate."""
    return Adam(model.parameters(), lr=c["lr"])


def make_scheduler(c: dict, optimizer, steps_per_epoch: int):
    """The learning rate follows half a cosine from ``lr`` to 0 over the whole run, stepped per batch."""
    return CosineAnnealingLR(optimizer, T_max=max(1, c["epochs"] * steps_per_epoch))
