"""Intensity transforms: they change the image's values and leave every mask untouched.

Value range: albumentations treats float images as lying in [0, 1] (1 is the brightest
value, its ``max_value`` for float32) and clips to [0, 1] after brightness/contrast and noise.
tconv does the same and, rather than clipping a wrongly scaled image silently, checks it:
``RandomBrightnessContrast``, ``RandomGamma`` and ``GaussNoise`` raise ``ValueError`` for an
image outside [0, 1] (a tolerance of 1e-5 absorbs interpolation round-off). ``GaussianBlur``
(a weighted average) and ``Normalize`` work on any values; put ``Normalize`` last.
Float32 stays float32, float64 stays float64.
"""
from __future__ import annotations


import numpy as np

from ._checks import check_bool, check_number, per_channel_values, to_range
from .core import ImageOnlyTransform
from .filters import gaussian_smooth

__all__ = ["RandomBrightnessContrast", "RandomGamma", "GaussNoise", "GaussianBlur", "Normalize"]

RANGE_TOLERANCE = 1e-5


def _check_unit_range(owner: str, image: np.ndarray) -> None:
    """Raise ``ValueError`` unless ``image`` lies in [0, 1] (up to ``RANGE_TOLERANCE``)."""
    low, high = float(image.min()), float(image.max())
    if low < -RANGE_TOLERANCE or high > 1 + RANGE_TOLERANCE:
        raise ValueError(f"{owner} expects a float image in [0, 1] (albumentations' convention), got values in "
                         f"[{low:.4g}, {high:.4g}]; scale it first (e.g. image / 255) and put Normalize last")


class RandomBrightnessContrast(ImageOnlyTransform):
    """``out = clip(alpha * x + beta, 0, 1)`` with ``alpha = 1 + c``, ``beta = b * 1``.

    ``c`` uniform in ``contrast_limit``, ``b`` in ``brightness_limit`` (a number ``v`` means
    ``(-v, v)``; defaults ``(-0.2, 0.2)``, ``p=0.5``). With ``brightness_by_max=False`` the
    shift is ``b * mean(x)`` instead of ``b`` times the maximum value 1.

    >>> t = RandomBrightnessContrast(brightness_limit=(0.1, 0.1), contrast_limit=(1.0, 1.0), p=1.0)
    >>> t(image=np.array([[0.0, 0.2, 0.6]]))["image"]          # 2 x + 0.1, clipped
    array([[0.1, 0.5, 1. ]])
    """

    def __init__(self, brightness_limit=(-0.2, 0.2), contrast_limit=(-0.2, 0.2), brightness_by_max: bool = True,
                 p: float = 0.5, *, spatial_dims: int | None = None, rng: np.random.Generator | None = None):
        super().__init__(p=p, spatial_dims=spatial_dims, rng=rng)
        self.brightness_limit = to_range("brightness_limit", brightness_limit)
        self.contrast_limit = to_range("contrast_limit", contrast_limit)
        self.brightness_by_max = check_bool("brightness_by_max", brightness_by_max)

    def get_params(self, sample, rng: np.random.Generator) -> dict:
        _check_unit_range(type(self).__name__, sample.image)
        alpha = 1.0 + rng.uniform(*self.contrast_limit)
        beta = rng.uniform(*self.brightness_limit)
        beta *= 1.0 if self.brightness_by_max else float(sample.image.mean())
        return {"alpha": float(alpha), "beta": float(beta)}

    def apply(self, image: np.ndarray, alpha: float, beta: float) -> np.ndarray:
        return np.clip(alpha * image + beta, 0.0, 1.0)


class RandomGamma(ImageOnlyTransform):
    """``out = x ** gamma`` with ``gamma = g / 100``, ``g`` uniform in ``gamma_limit`` (default (80, 120)).

    A number ``v`` means ``(1, v)`` (albumentations' rule); ``gamma > 1`` darkens, ``< 1``
    brightens, 0 and 1 stay fixed. Default ``p=0.5``.

    >>> RandomGamma(gamma_limit=(200, 200), p=1.0)(image=np.array([[0.0, 0.5, 1.0]]))["image"]
    array([[0.  , 0.25, 1.  ]])
    """

    def __init__(self, gamma_limit=(80, 120), p: float = 0.5, *, spatial_dims: int | None = None,
                 rng: np.random.Generator | None = None):
        super().__init__(p=p, spatial_dims=spatial_dims, rng=rng)
        self.gamma_limit = to_range("gamma_limit", gamma_limit, low=1, minimum=1)

    def get_params(self, sample, rng: np.random.Generator) -> dict:
        _check_unit_range(type(self).__name__, sample.image)
        return {"gamma": float(rng.uniform(*self.gamma_limit) / 100.0)}

    def apply(self, image: np.ndarray, gamma: float) -> np.ndarray:
        return np.power(np.clip(image, 0.0, 1.0), gamma)


class GaussNoise(ImageOnlyTransform):
    """``out = clip(x + noise, 0, 1)``, noise normal with mean ``m`` and standard deviation ``s``.

    ``s`` uniform in ``std_range`` (default (0.2, 0.44)), ``m`` in ``mean_range`` (default
    (0, 0)), both fractions of the maximum value 1 (albumentations 2.x). ``per_channel=True``
    draws independent noise for every channel; ``False`` adds the same noise to all channels.
    Default ``p=0.5``.

    >>> out = GaussNoise(std_range=(0.1, 0.1), p=1.0, rng=np.random.default_rng(0))(image=np.full((64, 64), 0.5))
    >>> round(float(out["image"].std()), 2)
    0.1
    """

    def __init__(self, std_range=(0.2, 0.44), mean_range=(0.0, 0.0), per_channel: bool = True, p: float = 0.5, *,
                 spatial_dims: int | None = None, rng: np.random.Generator | None = None):
        super().__init__(p=p, spatial_dims=spatial_dims, rng=rng)
        self.std_range = to_range("std_range", std_range, low=0, minimum=0, maximum=1)
        self.mean_range = to_range("mean_range", mean_range, minimum=-1, maximum=1)
        self.per_channel = check_bool("per_channel", per_channel)

    def get_params(self, sample, rng: np.random.Generator) -> dict:
        _check_unit_range(type(self).__name__, sample.image)
        std = float(rng.uniform(*self.std_range))
        mean = float(rng.uniform(*self.mean_range))
        shape = sample.image.shape if self.per_channel else sample.spatial_shape
        noise = rng.standard_normal(shape, dtype=sample.image.dtype) * std + mean
        return {"noise": noise}

    def apply(self, image: np.ndarray, noise: np.ndarray) -> np.ndarray:
        return np.clip(image + noise, 0.0, 1.0)


def _blur_kernel_size(size: int, sigma: float) -> tuple[int, float]:
    """albumentations 2.x: size 0 means ``int(3.5 sigma) * 2 + 1`` (PIL's rule); an even size grows by 1.

    A sigma of 0 takes OpenCV's rule for the given size, ``0.3 ((size - 1) / 2 - 1) + 0.8``.
    """
    if size == 0:
        size = int(sigma * 3.5) * 2 + 1
    if size % 2 == 0:
        size += 1
    if sigma == 0:
        sigma = 0.3 * ((size - 1) * 0.5 - 1) + 0.8
    return size, sigma


class GaussianBlur(ImageOnlyTransform):
    """Blur with a Gaussian of random ``sigma`` and kernel size, separably, with reflect padding.

    albumentations 2.x defaults: ``sigma_limit=(0.5, 3.0)``, ``blur_limit=0`` (kernel size
    from sigma, ``int(3.5 sigma) * 2 + 1``), ``p=0.5``. A size drawn from ``blur_limit`` that is
    even grows by 1; ``sigma_limit=0`` with ``blur_limit=(3, 7)`` (albumentations 1.x's
    defaults) derives sigma from the size as OpenCV does. Smoothing is in the H-W plane (every
    slice of a volume alike) by :func:`~tconv.seg.augment.filters.gaussian_smooth`, the same
    code that smooths ElasticTransform's fields.

    >>> x = np.zeros((1, 5)); x[0, 2] = 1.0
    >>> GaussianBlur(blur_limit=(3, 3), sigma_limit=(1.0, 1.0), p=1.0)(image=x)["image"].round(4)
    array([[0.    , 0.2741, 0.4519, 0.2741, 0.    ]])
    """

    def __init__(self, blur_limit=0, sigma_limit=(0.5, 3.0), p: float = 0.5, *, spatial_dims: int | None = None,
                 rng: np.random.Generator | None = None):
        super().__init__(p=p, spatial_dims=spatial_dims, rng=rng)
        self.blur_limit = to_range("blur_limit", blur_limit, low=0, minimum=0)
        if any(v != int(v) for v in self.blur_limit):
            raise ValueError(f"blur_limit={blur_limit!r} must hold whole kernel sizes")
        self.sigma_limit = to_range("sigma_limit", sigma_limit, low=0, minimum=0)
        if self.blur_limit[1] == 0 and self.sigma_limit[1] == 0:
            raise ValueError("GaussianBlur: blur_limit and sigma_limit are both 0; one must give the kernel's size")

    def get_params(self, sample, rng: np.random.Generator) -> dict:
        sigma = float(rng.uniform(*self.sigma_limit))
        size = int(rng.integers(int(self.blur_limit[0]), int(self.blur_limit[1]), endpoint=True))
        if size == 0 and sigma == 0:          # neither gives a size: use the largest allowed one
            size = int(self.blur_limit[1])
        size, sigma = _blur_kernel_size(size, sigma)
        return {"sigma": sigma, "radius": size // 2}

    def apply(self, image: np.ndarray, sigma: float, radius: int) -> np.ndarray:
        return gaussian_smooth(image, sigma, radius, axes=(-2, -1))


class Normalize(ImageOnlyTransform):
    """``out = (x - mean * max_pixel_value) / (std * max_pixel_value)``, per channel.

    ``mean`` and ``std`` are numbers or one value per channel (axis 0 of a channel-first
    image); albumentations' ImageNet defaults ``(0.485, 0.456, 0.406)`` / ``(0.229, 0.224,
    0.225)``, ``p=1.0``. **Deliberate difference:** ``max_pixel_value`` defaults to 1.0, not
    255, because tconv's images are floats in [0, 1] (pass 255 for images in [0, 255]).

    >>> Normalize(mean=0.5, std=0.25)(image=np.array([[0.0, 0.5, 1.0]]))["image"]
    array([[-2.,  0.,  2.]])
    """

    def __init__(self, mean=(0.485, 0.456, 0.406), std=(0.229, 0.224, 0.225), max_pixel_value: float = 1.0,
                 p: float = 1.0, *, spatial_dims: int | None = None, rng: np.random.Generator | None = None):
        super().__init__(p=p, spatial_dims=spatial_dims, rng=rng)
        self.mean = per_channel_values("mean", mean)
        self.std = per_channel_values("std", std)
        if not np.all(self.std > 0):
            raise ValueError(f"std={std!r} must be > 0")
        self.max_pixel_value = check_number("max_pixel_value", max_pixel_value, minimum=0, minimum_open=True)

    @staticmethod
    def _per_channel(name: str, values: np.ndarray, sample) -> np.ndarray:
        """``values`` shaped to broadcast along the channel axis (a scalar for one value)."""
        image = sample.image
        channels = image.shape[0] if image.ndim > sample.spatial_dims else 1
        if values.size == 1:
            return values.reshape(())
        if values.size != channels:
            raise ValueError(f"Normalize: {name} has {values.size} values (one per channel) but the image "
                             f"{image.shape} has {channels} channel(s); pass one number or {channels} values")
        return values.reshape((channels,) + (1,) * sample.spatial_dims)

    def get_params(self, sample, rng: np.random.Generator) -> dict:
        return {"shift": self._per_channel("mean", self.mean * self.max_pixel_value, sample),
                "scale": self._per_channel("std", self.std * self.max_pixel_value, sample)}

    def apply(self, image: np.ndarray, shift: np.ndarray, scale: np.ndarray) -> np.ndarray:
        return (image - shift.astype(image.dtype)) / scale.astype(image.dtype)
