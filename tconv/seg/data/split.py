"""Train / validation / test splits: ``Subset`` and ``random_split`` with PyTorch's rules.

``random_split(dataset, lengths, seed)`` shuffles the indices ``0 .. n-1`` with
``np.random.default_rng(seed).permutation(n)`` and cuts the permutation into consecutive
pieces of the given lengths, so the subsets are disjoint and cover the dataset.
``lengths`` are either integers summing to ``n``, or fractions summing to 1; fractions
become ``floor(n * fraction)`` each and the remainder is handed out one item at a time,
round-robin from the first split (PyTorch's rule), e.g. ``n = 10`` and ``[0.35, 0.35, 0.3]``
give ``3 + 3 + 3 = 9``, then one more for the first split: ``[4, 3, 3]``.
"""
from __future__ import annotations

import math
import numbers
import warnings

import numpy as np

from ...random import get_generator
from ._checks import check_dataset, check_int

__all__ = ["Subset", "random_split", "split_lengths"]

#: Attributes a Subset copies from its dataset when present, so training code can read them.
METADATA = ("num_classes", "in_channels", "class_names", "spatial_dims")


class Subset:
    """The items ``dataset[indices[0]], dataset[indices[1]], ...`` as a dataset.

    ``num_classes``, ``in_channels``, ``class_names`` and ``spatial_dims`` are copied
    from ``dataset`` when it has them. Indices must lie in ``0 .. len(dataset) - 1``.

    >>> part = Subset(["a", "b", "c", "d"], [3, 0])
    >>> len(part), part[0], part[1], part.indices
    (2, 'd', 'a', (3, 0))
    """

    def __init__(self, dataset, indices):
        check_dataset(dataset)
        size = len(dataset)
        checked = []
        for position, index in enumerate(indices):
            index = check_int(f"indices[{position}]", index)
            if not 0 <= index < size:
                raise ValueError(f"indices[{position}]={index} is out of range; a dataset of {size} items allows "
                                 f"0..{size - 1}")
            checked.append(index)
        self.dataset = dataset
        self.indices = tuple(checked)
        for name in METADATA:
            if hasattr(dataset, name):
                setattr(self, name, getattr(dataset, name))

    def __len__(self) -> int:
        return len(self.indices)

    def __getitem__(self, index):
        if isinstance(index, bool) or not isinstance(index, numbers.Integral):
            raise TypeError(f"Subset index must be an integer, got {index!r}")
        if not -len(self) <= index < len(self):
            raise IndexError(f"index {index} is out of range for a subset of {len(self)} items")
        return self.dataset[self.indices[index]]

    def __repr__(self) -> str:
        return f"Subset({type(self.dataset).__name__}, {len(self)} of {len(self.dataset)} items)"


def split_lengths(n: int, lengths) -> list:
    """The integer lengths of a split of ``n`` items (module docstring for the rules).

    >>> split_lengths(10, [0.35, 0.35, 0.3]), split_lengths(10, [7, 3])
    ([4, 3, 3], [7, 3])
    """
    lengths = list(lengths)
    if not lengths:
        raise ValueError("lengths is empty; give the sizes of the splits, e.g. [0.8, 0.2]")
    for position, length in enumerate(lengths):
        if isinstance(length, bool) or not isinstance(length, numbers.Real):
            raise TypeError(f"lengths[{position}]={length!r} must be an integer or a fraction")
    if all(isinstance(length, numbers.Integral) for length in lengths):
        counts = [check_int(f"lengths[{position}]", length, minimum=0) for position, length in enumerate(lengths)]
        if sum(counts) != n:
            raise ValueError(f"lengths={counts} sum to {sum(counts)}; integer lengths must sum to len(dataset)={n}")
        return counts
    for position, fraction in enumerate(lengths):
        if not 0 <= fraction <= 1:
            raise ValueError(f"lengths[{position}]={fraction} is not a fraction between 0 and 1")
    if not math.isclose(sum(lengths), 1):
        raise ValueError(f"lengths={lengths} sum to {sum(lengths)}; fractions must sum to 1")
    counts = [math.floor(n * fraction) for fraction in lengths]
    for step in range(n - sum(counts)):
        counts[step % len(counts)] += 1
    for position, count in enumerate(counts):
        if count == 0:
            warnings.warn(f"random_split: split {position} of lengths={lengths} has 0 items", stacklevel=3)
    return counts


def random_split(dataset, lengths, seed=0) -> list:
    """Disjoint random :class:`Subset`\\ s of ``dataset`` with the given ``lengths``.

    ``seed`` is an int, a ``numpy.random.Generator``, or ``None`` for the library's default
    generator (:func:`tconv.random.get_generator`, reset by :func:`tconv.random.manual_seed`);
    the split is ``np.random.default_rng(seed).permutation(len(dataset))`` cut into
    consecutive pieces.

    >>> train, val = random_split(range(10), [0.8, 0.2], seed=0)
    >>> len(train), len(val), sorted(train.indices + val.indices) == list(range(10))
    (8, 2, True)
    """
    check_dataset(dataset)
    counts = split_lengths(len(dataset), lengths)
    if seed is None or isinstance(seed, np.random.Generator):
        rng = get_generator(seed)
    else:
        rng = np.random.default_rng(check_int("seed", seed, minimum=0))
    order = rng.permutation(len(dataset))
    ends = np.cumsum(counts)
    return [Subset(dataset, order[end - count:end].tolist()) for end, count in zip(ends, counts)]
