"""Batches for training: ``DataLoader`` stacks ``(image, mask)`` samples into NumPy arrays.

PyTorch's ``DataLoader`` names and rules (``batch_size``, ``shuffle``, ``drop_last``,
``len(loader)``), with NumPy batches and no worker processes. Shuffling is seeded per
epoch: epoch ``e`` visits the items in the order
``np.random.default_rng(np.random.SeedSequence([seed, e])).permutation(len(dataset))``,
a different order every epoch, the same for the same ``(seed, e)`` on any machine. The
epoch counter starts at 0 and advances each time a loop over the loader begins;
``set_epoch(e)`` sets it, as PyTorch's ``DistributedSampler.set_epoch`` does.

``transform`` follows albumentations' calling convention, per sample:
``transform(image=image, mask=mask)`` returns a dict with ``"image"`` and ``"mask"``. It
receives the dataset's arrays as they are: the image channel-first ``(C, *spatial)``,
the mask ``(*spatial)``.
"""
from __future__ import annotations

import numpy as np

from ...random import get_generator
from ._checks import check_bool, check_dataset, check_int

__all__ = ["DataLoader"]


class DataLoader:
    """Yield ``(images (N, C, *spatial) float32, masks (N, *spatial) int64)`` batches.

    Batch ``b`` holds the items ``order[b * batch_size : (b + 1) * batch_size]`` of the
    epoch's order (``0, 1, 2, ...`` without ``shuffle``; a seeded permutation with it,
    module docstring); the last batch is smaller when ``batch_size`` does not divide
    ``len(dataset)``, unless ``drop_last`` drops it. So ``len(loader)`` is
    ``ceil(n / batch_size)``, or ``floor(n / batch_size)`` with ``drop_last``.

    Each sample (after ``transform``) must be an image with one more axis than its mask
    (the channel axis first) and the same spatial size; images must be floats (in [0, 1]:
    an integer image such as uint8 is refused, not cast as it is) and are cast to float32
    (the model's dtype), masks to int64 (they must hold whole numbers). All samples in a batch
    must have the same size, else a ``ValueError`` says which items differ. ``seed=None``
    with ``shuffle=True`` draws a seed from :func:`tconv.random.get_generator` once, at
    construction (so :func:`tconv.random.manual_seed` makes it reproducible).

    >>> from tconv.seg.data.shapes import SyntheticShapes
    >>> loader = DataLoader(SyntheticShapes(10, size=16), batch_size=4, shuffle=True, seed=0)
    >>> len(loader), [images.shape for images, masks in loader]
    (3, [(4, 1, 16, 16), (4, 1, 16, 16), (2, 1, 16, 16)])
    >>> images, masks = next(iter(loader))
    >>> images.dtype, masks.dtype, masks.shape
    (dtype('float32'), dtype('int64'), (4, 16, 16))
    >>> loader.epoch_order(0).tolist() == loader.epoch_order(0).tolist() != loader.epoch_order(1).tolist()
    True
    """

    def __init__(self, dataset, batch_size=1, shuffle=False, seed=None, drop_last=False, transform=None):
        check_dataset(dataset)
        self.dataset = dataset
        self.batch_size = check_int("batch_size", batch_size, minimum=1)
        self.shuffle = check_bool("shuffle", shuffle)
        self.drop_last = check_bool("drop_last", drop_last)
        if transform is not None and not callable(transform):
            raise TypeError(f"transform must be a callable transform(image=..., mask=...) -> dict or None, got "
                            f"{type(transform).__name__}")
        self.transform = transform
        if seed is None and shuffle:
            seed = int(get_generator().integers(2**63))
        self.seed = None if seed is None else check_int("seed", seed, minimum=0)
        self.epoch = 0

    def __len__(self) -> int:
        n = len(self.dataset)
        return n // self.batch_size if self.drop_last else -(-n // self.batch_size)

    def __repr__(self) -> str:
        return (f"DataLoader({type(self.dataset).__name__} of {len(self.dataset)}, batch_size={self.batch_size}, "
                f"shuffle={self.shuffle}, seed={self.seed}, drop_last={self.drop_last}, epoch={self.epoch})")

    def set_epoch(self, epoch: int) -> None:
        """Make the next loop over the loader epoch ``epoch`` (its shuffle order).

        >>> loader = DataLoader(list(zip(np.zeros((4, 1, 2)), np.zeros((4, 2), int))), shuffle=True, seed=0)
        >>> loader.set_epoch(5); loader.epoch
        5
        """
        self.epoch = check_int("epoch", epoch, minimum=0)

    def epoch_order(self, epoch: int) -> np.ndarray:
        """The item indices of epoch ``epoch`` in the order they are batched (int64, all of them).

        ``arange(n)`` without shuffling, else
        ``np.random.default_rng(np.random.SeedSequence([seed, epoch])).permutation(n)``.

        >>> data = list(zip(np.zeros((4, 1, 2)), np.zeros((4, 2), int)))
        >>> DataLoader(data).epoch_order(3).tolist()
        [0, 1, 2, 3]
        >>> order = DataLoader(data, shuffle=True, seed=7).epoch_order(3)
        >>> order.tolist() == np.random.default_rng(np.random.SeedSequence([7, 3])).permutation(4).tolist()
        True
        """
        epoch = check_int("epoch", epoch, minimum=0)
        n = len(self.dataset)
        if not self.shuffle:
            return np.arange(n, dtype=np.int64)
        return np.random.default_rng(np.random.SeedSequence([self.seed, epoch])).permutation(n)

    def __iter__(self):
        order = self.epoch_order(self.epoch)
        self.epoch += 1
        return self._batches(order)

    def _batches(self, order):
        for number in range(len(self)):
            indices = order[number * self.batch_size:(number + 1) * self.batch_size]
            yield self._collate(number, indices)

    def _sample(self, index: int):
        """Item ``index``, transformed, as (float32 image, int64 mask), checked."""
        image, mask = self.dataset[index]
        if self.transform is not None:
            result = self.transform(image=image, mask=mask)
            if not isinstance(result, dict) or "image" not in result or "mask" not in result:
                raise TypeError(f"transform returned {type(result).__name__}; albumentations' convention is a dict "
                                "with 'image' and 'mask'")
            image, mask = result["image"], result["mask"]
        image, mask = np.asarray(image), np.asarray(mask)
        if image.dtype.kind != "f":
            raise TypeError(f"item {index}: the image has dtype {image.dtype}; images are float32/float64 in [0, 1] "
                            "(convert integer images once, e.g. image.astype(np.float32) / 255)")
        if image.ndim != mask.ndim + 1 or image.shape[1:] != mask.shape:
            raise ValueError(f"item {index}: image shape {image.shape} and mask shape {mask.shape} do not match; the "
                             "rule is image (C, *spatial) with mask (*spatial)")
        if mask.dtype.kind == "f" and np.all(np.isfinite(mask)) and np.all(mask == np.round(mask)):
            mask = mask.astype(np.int64)
        if mask.dtype.kind not in "biu":
            raise ValueError(f"item {index}: the mask has dtype {mask.dtype} with values that are not whole "
                             "numbers; masks hold integer class ids")
        return image.astype(np.float32, copy=False), mask.astype(np.int64, copy=False)

    def _collate(self, number: int, indices):
        images, masks = [], []
        for index in indices:
            image, mask = self._sample(int(index))
            if images and image.shape != images[0].shape:
                raise ValueError(f"batch {number}: item {int(indices[0])} has an image of shape {images[0].shape} but "
                                 f"item {int(index)} has {image.shape}; samples in a batch must have the same size "
                                 "(pass size= to ImageMaskFolder, add a crop or pad transform, or use batch_size=1)")
            images.append(image)
            masks.append(mask)
        return np.stack(images), np.stack(masks)
