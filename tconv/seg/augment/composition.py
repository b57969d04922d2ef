"""``Compose`` (a pipeline with its own seeded generator) and ``OneOf`` (pick one transform).

``Compose(transforms, seed=0)`` owns one ``numpy.random.Generator`` made from ``seed``; every
transform inside draws from it, in order. So two Compose objects built with the same seed
produce the same sequence of outputs, call after call, on any machine. With ``seed=None``
the Compose draws from the library's default generator (``tconv.manual_seed`` resets it).

Albumentations seeds each child transform with its own copy of the seed; here all children
share the Compose's one generator, so two identical transforms in a pipeline do not draw
identical parameters.
"""
from __future__ import annotations

import numpy as np

from ..._checks import check_int
from ._checks import check_spatial_dims
from .core import BasicTransform
from .targets import Sample

__all__ = ["Compose", "OneOf"]


def _check_transforms(owner: str, transforms) -> list:
    if not isinstance(transforms, (list, tuple)):
        raise TypeError(f"{owner}: transforms must be a list of transforms, got {type(transforms).__name__}")
    for i, transform in enumerate(transforms):
        if not isinstance(transform, BasicTransform):
            raise TypeError(f"{owner}: transforms[{i}] is a {type(transform).__name__}, not a transform "
                            "(did you pass the class instead of an instance, e.g. HorizontalFlip()?)")
    return list(transforms)


class Compose(BasicTransform):
    """Apply ``transforms`` in order, all drawing from one generator seeded with ``seed``.

    ``aug(image=img, mask=m, masks=[...])`` returns a dict with the same keys; targets are
    checked once (layouts in :mod:`tconv.seg.augment.targets`). ``p`` (default 1.0) is the
    probability of running the whole pipeline. ``spatial_dims`` (2, or 3 for volumes) applies
    to every transform inside; a transform given a different ``spatial_dims`` is an error.

    >>> from tconv.seg.augment import HorizontalFlip, RandomRotate90
    >>> aug = Compose([HorizontalFlip(p=1.0)], seed=0)
    >>> out = aug(image=np.array([[0.0, 1.0]]), mask=np.array([[3, 4]]))
    >>> out["image"], out["mask"]
    (array([[1., 0.]]), array([[4, 3]]))
    >>> a, b = Compose([RandomRotate90()], seed=7), Compose([RandomRotate90()], seed=7)
    >>> img = np.arange(4.0).reshape(2, 2)
    >>> all(np.array_equal(a(image=img)["image"], b(image=img)["image"]) for _ in range(5))
    True
    """

    def __init__(self, transforms, p: float = 1.0, seed: int | None = None, spatial_dims: int = 2):
        super().__init__(p=p, spatial_dims=check_spatial_dims(spatial_dims))
        self.transforms = _check_transforms("Compose", transforms)
        self.seed = None if seed is None else check_int("seed", seed, minimum=0)
        self.rng = None if seed is None else np.random.default_rng(self.seed)
        self.check_spatial_dims(self.spatial_dims)

    def check_spatial_dims(self, spatial_dims: int) -> None:
        super().check_spatial_dims(spatial_dims)
        for transform in self.transforms:
            transform.check_spatial_dims(spatial_dims)

    def run(self, sample: Sample, rng: np.random.Generator, force: bool = False) -> Sample:
        if not force and not self.should_apply(rng):
            return sample
        for transform in self.transforms:
            sample = transform.run(sample, rng)
        return sample



class OneOf(BasicTransform):
    """With probability ``p`` (default 0.5), apply exactly one of ``transforms``.

    The chosen transform is picked with probabilities proportional to the transforms' own
    ``p`` (albumentations' rule: their ``p`` become weights) and then always applied.
    ``spatial_dims`` and ``rng`` as for every transform (inside a Compose, the Compose's apply).

    >>> from tconv.seg.augment import HorizontalFlip, VerticalFlip
    >>> pick = OneOf([HorizontalFlip(p=1.0), VerticalFlip(p=0.0)], p=1.0)
    >>> pick(image=np.array([[0.0, 1.0]]))["image"]      # VerticalFlip has weight 0
    array([[1., 0.]])
    """

    def __init__(self, transforms, p: float = 0.5, *, spatial_dims: int | None = None,
                 rng: np.random.Generator | None = None):
        super().__init__(p=p, spatial_dims=spatial_dims, rng=rng)
        self.transforms = _check_transforms("OneOf", transforms)
        if not self.transforms:
            raise ValueError("OneOf needs at least one transform")
        total = sum(t.p for t in self.transforms)
        if total <= 0:
            raise ValueError("OneOf: every transform has p=0, so none can be chosen; their p are the weights")
        self.weights = np.array([t.p / total for t in self.transforms])
        if self.spatial_dims is not None:
            self.check_spatial_dims(self.spatial_dims)

    def check_spatial_dims(self, spatial_dims: int) -> None:
        super().check_spatial_dims(spatial_dims)
        for transform in self.transforms:
            transform.check_spatial_dims(spatial_dims)

    def run(self, sample: Sample, rng: np.random.Generator, force: bool = False) -> Sample:
        if not force and not self.should_apply(rng):
            return sample
        index = int(rng.choice(len(self.transforms), p=self.weights))
        return self.transforms[index].run(sample, rng, force=True)

