"""The base transforms: one draw of the random parameters, applied to every target.

A transform is called as in albumentations, with the targets by name::

    out = HorizontalFlip(p=1.0)(image=img, mask=m)      # {"image": ..., "mask": ...}

and does three things, in this order:

1. **decide** whether to apply: never for ``p = 0``, always for ``p = 1``, otherwise when
   ``rng.random() < p`` (one draw);
2. **draw** its random parameters *once* (``get_params(sample, rng)``: a flip has none, a
   rotation by 90 degrees draws ``k``, an affine transform draws its angle, scale, ...);
3. **apply** those same parameters to the image (``apply``) and to every mask
   (``apply_to_mask``). Image-only transforms (brightness, noise, ...) leave masks alone.

So image and mask can never drift apart: there is one generator and one draw per call,
never two generators kept in lockstep by a shared seed (the Keras recipe, which breaks as
soon as the two pipelines draw a different number of times). The number of draws does not
depend on which targets are passed, so ``aug(image=x)`` and ``aug(image=x, mask=m)`` give
the same image.

Randomness: inside a :class:`~tconv.seg.augment.composition.Compose` every transform
draws from the Compose's generator. Used on its own, a transform draws from ``rng`` if given
at construction, else from the library's default generator
(``tconv.random.get_generator(None)``, reset by ``tconv.manual_seed``).

>>> import tconv
>>> class AddOne(ImageOnlyTransform):
...     def apply(self, image):
...         return image + 1
>>> AddOne(p=1.0)(image=np.zeros((2, 2)))["image"]
array([[1., 1.],
       [1., 1.]])
"""
from __future__ import annotations

import inspect

import numpy as np

from ...random import get_generator
from ._checks import check_probability, check_spatial_dims
from .targets import Sample, read_targets, write_targets

__all__ = ["BasicTransform", "DualTransform", "ImageOnlyTransform"]


class BasicTransform:
    """Base class: probability ``p``, one parameter draw per call, targets by name.

    Arguments shared by every transform:

    * ``p``: probability of applying (albumentations' default differs per transform);
    * ``spatial_dims``: 2 (images) or 3 (volumes). ``None`` means "whatever the enclosing
      Compose says", or 2 when the transform is called on its own;
    * ``rng``: a ``numpy.random.Generator`` used when the transform is called on its own
      (``None``: the library's default generator). Ignored inside a Compose.

    Subclasses override ``get_params(sample, rng) -> dict`` (the one draw) and ``apply``
    / ``apply_to_mask`` (the same parameters as keyword arguments).

    >>> from tconv.seg.augment import VerticalFlip
    >>> flip = VerticalFlip(p=0.5, rng=np.random.default_rng(0))
    >>> flip.p, flip.should_apply(np.random.default_rng(0))       # default_rng(0).random() = 0.64 >= 0.5
    (0.5, False)
    """

    def __init__(self, p: float = 0.5, *, spatial_dims: int | None = None,
                 rng: np.random.Generator | None = None):
        self.p = check_probability("p", p)
        self.spatial_dims = None if spatial_dims is None else check_spatial_dims(spatial_dims)
        self.rng = None if rng is None else get_generator(rng)

    def __call__(self, *args, **data) -> dict:
        """Augment the targets given by name; returns a dict with the same keys."""
        if args:
            raise TypeError(f"{type(self).__name__} takes the targets by name: aug(image=img, mask=m)")
        spatial_dims = self.spatial_dims or 2
        self.check_spatial_dims(spatial_dims)
        sample = read_targets(data, spatial_dims)
        return write_targets(data, self.run(sample, get_generator(self.rng)))

    def check_spatial_dims(self, spatial_dims: int) -> None:
        """Raise ``ValueError`` unless this transform works with ``spatial_dims``."""
        if self.spatial_dims is not None and self.spatial_dims != spatial_dims:
            raise ValueError(f"{type(self).__name__} has spatial_dims={self.spatial_dims} but is used with "
                             f"spatial_dims={spatial_dims}; give both the same value")

    def should_apply(self, rng: np.random.Generator) -> bool:
        """Whether to apply this time: no draw when ``p`` is 0 or 1, else ``rng.random() < p``."""
        if self.p <= 0.0:
            return False
        if self.p >= 1.0:
            return True
        return bool(rng.random() < self.p)

    def run(self, sample: Sample, rng: np.random.Generator, force: bool = False) -> Sample:
        """Apply to a checked :class:`Sample` with the given generator (``force``: skip the coin)."""
        if not force and not self.should_apply(rng):
            return sample
        params = self.get_params(sample, rng)
        return self.apply_with_params(sample, params)

    def get_params(self, sample: Sample, rng: np.random.Generator) -> dict:
        """The random parameters of one call, drawn once for all targets (none by default)."""
        return {}

    def apply_with_params(self, sample: Sample, params: dict) -> Sample:
        """Apply the drawn ``params`` to every target of ``sample`` (each transform defines it)."""
        raise NotImplementedError

    def init_arguments(self) -> dict:
        """The arguments that build this transform again: every parameter of ``__init__`` but ``rng``.

        Read from the attribute of the same name (the checked value, e.g. ``rotate=(-15.0, 15.0)``
        for ``rotate=15``) as plain Python values (arrays as lists), so that ``repr`` can be
        pasted back. ``rng`` is left out: a generator's state has no literal (a Compose's
        ``seed`` is the reproducible spelling). A transform whose attribute differs from what
        its constructor takes overrides this.

        >>> from tconv.seg.augment import RandomCrop
        >>> RandomCrop(4, 6).init_arguments()
        {'height': 4, 'width': 6, 'depth': None, 'p': 1.0, 'spatial_dims': None}
        """
        names = [name for name, parameter in inspect.signature(type(self).__init__).parameters.items()
                 if name not in ("self", "rng") and parameter.kind not in (parameter.VAR_POSITIONAL,
                                                                            parameter.VAR_KEYWORD)]
        return {name: _plain(getattr(self, name)) for name in names}

    def __repr__(self) -> str:
        """``Name(argument=value, ...)`` with every argument (albumentations' convention): pasted back, it
        builds an equal transform.

        >>> from tconv.seg.augment import Compose, HorizontalFlip
        >>> Compose([HorizontalFlip()], seed=3)
        Compose(transforms=[HorizontalFlip(p=0.5, spatial_dims=None)], p=1.0, seed=3, spatial_dims=2)
        """
        arguments = ", ".join(f"{name}={value!r}" for name, value in self.init_arguments().items())
        return f"{type(self).__name__}({arguments})"


def _plain(value):
    """``value`` with NumPy arrays and scalars as Python lists and numbers (their ``repr`` pastes back)."""
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, tuple):
        return tuple(_plain(v) for v in value)
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {key: _plain(v) for key, v in value.items()}
    return value


class DualTransform(BasicTransform):
    """A transform that moves pixels: the same parameters go to the image and every mask.

    >>> class Transpose(DualTransform):                # (..., H, W) -> (..., W, H)
    ...     def apply(self, image):
    ...         return np.swapaxes(image, -1, -2)
    >>> out = Transpose(p=1.0)(image=np.zeros((1, 2, 3)), mask=np.zeros((2, 3), int))
    >>> out["image"].shape, out["mask"].shape
    ((1, 3, 2), (3, 2))
    """

    def apply(self, image: np.ndarray, **params) -> np.ndarray:
        """The transform of one image with the drawn ``params`` (each subclass defines it)."""
        raise NotImplementedError

    def apply_to_mask(self, mask: np.ndarray, **params) -> np.ndarray:
        """By default the image's operation (right for flips, rotations, crops)."""
        return self.apply(mask, **params)

    def apply_with_params(self, sample: Sample, params: dict) -> Sample:
        image = self.apply(sample.image, **params)
        masks = [self.apply_to_mask(mask, **params) for mask in sample.masks]
        return Sample(image, masks, sample.spatial_dims)


class ImageOnlyTransform(BasicTransform):
    """A transform that changes pixel values only: masks pass through untouched.

    >>> class Invert(ImageOnlyTransform):              # out = 1 - x
    ...     def apply(self, image):
    ...         return 1 - image
    >>> out = Invert(p=1.0)(image=np.array([[0.25]]), mask=np.array([[3]]))
    >>> out["image"], out["mask"]
    (array([[0.75]]), array([[3]]))
    """

    def apply(self, image: np.ndarray, **params) -> np.ndarray:
        """The transform of one image with the drawn ``params`` (each subclass defines it)."""
        raise NotImplementedError

    def apply_with_params(self, sample: Sample, params: dict) -> Sample:
        return Sample(self.apply(sample.image, **params), sample.masks, sample.spatial_dims)
