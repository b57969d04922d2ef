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
* loss: one of :data:`LOSSES`, the names of :data:`~tconv.seg.train.criteria.TRAINING_LOSSES`, each
  taking ``(logits (N, K, *S), masks (N, *S))``.

Each builder takes the part of the configuration it uses, as keyword arguments named after
the keys (``make_optimizer(model, lr=c["lr"])``); :func:`part` picks that part out of a whole
configuration (``make_datasets(**part(c, make_datasets))``). Given the whole configuration
first instead (``make_optimizer(c, model)``, ``make_datasets(c)``), a builder reads its part
from it.
"""
from __future__ import annotations

import functools
import inspect
import os
import warnings
from collections.abc import Mapping

import numpy as np

from ..._checks import check_bool, check_choice, check_int, check_number
from ...optim import Adam
from ...optim.lr_scheduler import CosineAnnealingLR
from .. import augment as augment_module
from ..data import DataLoader, ImageMaskFolder, SyntheticShapes, SyntheticShapes3D, random_split
from ..data.mask_format import MASK_FORMATS
from ..models import MODELS, UPSAMPLERS, build_model
from .criteria import TRAINING_LOSSES

__all__ = ["DEFAULTS", "LIMITS", "MODEL_DEFAULTS", "DIM_DEFAULTS", "LOSSES", "SHAPES", "SYNTHETIC", "check_config",
           "part", "make_datasets", "synthetic_datasets", "make_loaders", "make_model", "model_config", "make_loss",
           "make_optimizer", "make_scheduler", "make_augmentation", "data_info", "InMemory", "data_bytes",
           "synthetic_info", "make_folder"]

#: Every configuration key, with its default; ``None`` takes the model's or the dimension's
#: default from :data:`MODEL_DEFAULTS` / :data:`DIM_DEFAULTS` (``size`` is kept for ``--data``).
DEFAULTS = dict(data=None, dim=2, size=None, samples=None, val_samples=200, classes=3, val_fraction=0.2,
                model="unet", up="transpose", base=None, depth=None, batch_norm=True, loss="dicece", augment=None,
                epochs=4, batch_size=8, lr=3e-3, seed=0, mask_format="auto")
#: The largest value of each size-like key, checked before anything is made (a typo such as
#: ``size=100000`` must be a one-line error, not a 74.5 GiB allocation). Memory is checked as
#: well (:func:`tconv.seg.train.run.train_run`): these bound each number alone.
LIMITS = dict(size={2: 8192, 3: 512}, samples=1_000_000, val_samples=1_000_000, batch_size=4096, base=512, depth=6,
              epochs=100_000, seed=2**32 - 1, width=1024, classes=256, lr=1.0)
#: The network's size per model: V-Net lite works on volumes, so it is kept small.
MODEL_DEFAULTS = {"unet": dict(base=16, depth=3), "fcn": dict(base=16, depth=3), "vnet": dict(base=4, depth=2)}
#: The synthetic data per number of spatial axes: 32x32 images, 16x16x16 volumes.
DIM_DEFAULTS = {2: dict(size=32, samples=1000), 3: dict(size=16, samples=800)}
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
    ValueError: unknown configuration key(s) ['epoch']; known: augment, base, batch_norm, batch_size, classes, data, depth, dim, epochs, loss, lr, mask_format, model, samples, seed, size, up, val_fraction, val_samples
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
    check_number(name("lr"), c["lr"], 0, LIMITS["lr"], minimum_open=True)   # Adam moves each weight ~lr a step
    check_choice(name("up"), c["up"], UPSAMPLERS)
    check_choice(name("loss"), c["loss"], tuple(TRAINING_LOSSES))
    check_choice(name("mask_format"), c["mask_format"], MASK_FORMATS)
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


def __getattr__(name: str):
    if name == "LOSSES":             # the loss names, read from the table when asked (a registered loss is one)
        return tuple(TRAINING_LOSSES)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def part(c: Mapping, builder) -> dict:
    """The part of the configuration ``c`` that ``builder`` uses: its keyword-only arguments, by key.

    >>> part(check_config({"lr": 0.01}), make_optimizer)
    {'lr': 0.01}
    """
    return {name: c[name] for name in _part_keys(builder)}


def _part_keys(builder) -> tuple:
    parameters = inspect.signature(inspect.unwrap(builder)).parameters.values()
    return tuple(p.name for p in parameters if p.kind is p.KEYWORD_ONLY)


def _whole_config_form(builder):
    """Let ``builder(c, *rest)`` read its part from a whole configuration ``c`` given first.

    When the first argument is a configuration (a mapping) and no part is given by keyword,
    the part is read from it (:func:`part`): the form the tutorials and benchmarks use, which
    ``tconv train`` (:mod:`.run`) does not need.
    """
    keys = _part_keys(builder)

    @functools.wraps(builder)
    def call(*args, **kwargs):
        if args and isinstance(args[0], Mapping) and not any(key in kwargs for key in keys):
            config, args = args[0], args[1:]
            kwargs = {**kwargs, **{key: config[key] for key in keys}}
        return builder(*args, **kwargs)
    return call


def _side(size, dim: int) -> int:
    """The synthetic data's side: ``size`` (checked, one side per axis) or the dimension's default."""
    return size[0] if size else DIM_DEFAULTS[dim]["size"]


@_whole_config_form
def data_bytes(*, data, dim, size, samples, val_samples) -> int:
    """Bytes the synthetic data holds in memory (0 for a folder, ``data``: it is read batch by batch).

    Every image is float32 and every mask int64: ``(samples + val_samples) * pixels * (4 + 8)``.

    >>> data_bytes(**part(check_config({}), data_bytes))              # 1200 images of 32 x 32
    14745600
    """
    if data is not None:
        return 0
    return (samples + val_samples) * _side(size, dim) ** dim * (4 + 8)


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


def synthetic_datasets(*, dim, size, samples, val_samples, classes, seed) -> tuple:
    """The training and validation synthetic sets (lazy: each item is drawn when read; validation: ``seed + 1``).

    >>> train, val = synthetic_datasets(dim=2, size=None, samples=4, val_samples=2, classes=3, seed=0)
    >>> len(train), len(val), train.class_names
    (4, 2, ('background', 'disc', 'cross'))
    """
    kind = SyntheticShapes3D if dim == 3 else SyntheticShapes
    knobs = dict(SYNTHETIC[dim], shapes=SHAPES[dim][:classes - 1], size=_side(size, dim))
    return kind(samples, seed=seed, **knobs), kind(val_samples, seed=seed + 1, **knobs)


@_whole_config_form
def synthetic_info(*, dim, size, samples, val_samples, classes, seed) -> dict:
    """:func:`data_info` of the synthetic data, without drawing any of it.

    >>> synthetic_info(**part(check_config({}), synthetic_info))["class_names"]
    ['background', 'disc', 'cross']
    """
    return data_info(synthetic_datasets(dim=dim, size=size, samples=samples, val_samples=val_samples,
                                        classes=classes, seed=seed)[0])


@_whole_config_form
def make_folder(*, data, size, mask_format, batch_size, model, depth) -> ImageMaskFolder:
    """The :class:`~tconv.seg.data.ImageMaskFolder` ``data``, checked for training (``size``: resize to it).

    Without ``size`` the images must share one size when ``batch_size > 1``, and each must survive
    the ``model``'s halvings (``depth``; FCN: 3).
    """
    folder = ImageMaskFolder(data, size=None if size is None else tuple(size[:2]), mask_format=mask_format)
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
    if size is None and len(set(folder.image_sizes)) > 1 and batch_size > 1:
        first, other = folder.image_sizes[0], next(s for s in folder.image_sizes if s != folder.image_sizes[0])
        raise ValueError(f"{data}: the images have different sizes ({first[0]} x {first[1]} and {other[0]} x "
                         f"{other[1]}), so they cannot share a batch; resize them all with size=(H, W) (tconv train "
                         "--size H W), or train with batch_size=1")
    if size is None:
        halvings = 3 if model == "fcn" else depth
        small = [(h, w) for h, w in folder.image_sizes if min(h, w) < 2 ** halvings]
        if small:
            raise ValueError(f"{data}: an image of {small[0][0]} x {small[0][1]} pixels is too small for the "
                             f"{model}, which halves the size {halvings} times (at least {2 ** halvings} per side); "
                             "give --size, or lower --depth")
    if len(folder) < 2:
        raise ValueError(f"{data}: {len(folder)} image/mask pair; training needs at least 2 (one to hold out)")
    return folder


@_whole_config_form
def make_datasets(folder: ImageMaskFolder | None = None, *, data, dim, size, samples, val_samples, classes,
                  val_fraction, mask_format, seed):
    """``(train, val, info)``: the synthetic sets drawn into memory, or ``data`` split (``val_fraction`` held out).

    ``folder`` is ``data`` already read by :func:`make_folder` (it is read here if not).
    """
    if data is None:
        train, val = synthetic_datasets(dim=dim, size=size, samples=samples, val_samples=val_samples,
                                        classes=classes, seed=seed)
        return InMemory(train), InMemory(val), data_info(train)
    if folder is None:
        raise ValueError(f"data={data!r}: pass the folder read by make_folder (it checks the images against the model)")
    n_val = max(1, round(val_fraction * len(folder)))
    if n_val >= len(folder):
        raise ValueError(f"val_fraction={val_fraction} holds out {n_val} of the {len(folder)} image/mask pairs "
                         "and leaves none to train on; lower it")
    train, val = random_split(folder, [len(folder) - n_val, n_val], seed=seed)
    return train, val, data_info(folder)


@_whole_config_form
def make_augmentation(info: dict, epoch: int, *, augment, data, seed):
    """Epoch ``epoch``'s paired augmentation (or None): flips and 90-degree rotations, seeded by (seed, epoch).

    ``augment``: on, off, or None (on for synthetic data, ``data=None``); ``info["spatial_dims"]``
    adds the depth flip for volumes.
    """
    enabled = augment if augment is not None else data is None
    if not enabled:
        return None
    draw_seed = int(np.random.SeedSequence([seed, epoch, 1]).generate_state(1)[0])
    dims = info["spatial_dims"]
    flips = [augment_module.HorizontalFlip(), augment_module.VerticalFlip()]
    flips += [augment_module.DepthFlip()] if dims == 3 else []
    return augment_module.Compose(flips + [augment_module.RandomRotate90()], seed=draw_seed, spatial_dims=dims)


@_whole_config_form
def make_loaders(train, val, *, batch_size, seed):
    """The training loader (shuffled, seeded) and the validation loader (batches of at least 16)."""
    return (DataLoader(train, batch_size=batch_size, shuffle=True, seed=seed),
            DataLoader(val, batch_size=max(batch_size, 16)))


@_whole_config_form
def model_config(info: dict, *, model, base, depth, up, batch_norm) -> dict:
    """The model's constructor arguments for the data ``info`` (what a checkpoint stores to rebuild it)."""
    common = dict(in_channels=info["in_channels"], num_classes=info["num_classes"], base=base,
                  dim=info["spatial_dims"])
    if model == "unet":
        return dict(model="unet", depth=depth, up=up, batch_norm=batch_norm, **common)
    if model == "fcn":
        return dict(model="fcn", batch_norm=batch_norm, **common)
    return dict(model="vnet", depth=depth, batch_norm=batch_norm, **common)


@_whole_config_form
def make_model(info: dict, *, model, base, depth, up, batch_norm):
    """The network for the data described by ``info`` (:func:`model_config`, then ``build_model``)."""
    return build_model(model_config(info, model=model, base=base, depth=depth, up=up, batch_norm=batch_norm))


def make_loss(name: str, num_classes: int, fused: bool = False):
    """``loss(logits (N, K, *S), masks (N, *S)) -> scalar Tensor`` for ``name``, one of :data:`LOSSES`.

    The criterion of :data:`~tconv.seg.train.criteria.TRAINING_LOSSES` (``num_classes`` is not
    needed by any of them; it stays for losses that weigh the classes). ``fused=True`` gives the
    loss's fused op where it has one (``"dicece"``: :func:`tconv.seg.losses.dice_ce_with_logits`,
    the same numbers, softmax, both losses and the gradient in two passes), as the planned training
    step uses it.
    """
    check_choice("loss", name, tuple(TRAINING_LOSSES))
    return TRAINING_LOSSES[name].criterion(fused=fused)


@_whole_config_form
def make_optimizer(model, *, lr):
    """Adam over ``model``'s parameters with learning rate ``lr``."""
    return Adam(model.parameters(), lr=lr)


@_whole_config_form
def make_scheduler(optimizer, steps_per_epoch: int, *, epochs):
    """The learning rate follows half a cosine from its start to 0 over ``epochs``, stepped per batch."""
    return CosineAnnealingLR(optimizer, T_max=max(1, epochs * steps_per_epoch))
