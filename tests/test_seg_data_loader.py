"""DataLoader, Subset and random_split: batching, seeded shuffling, transforms, splits.

References: a toy dataset whose masks carry their own index (so a batch shows which items
it holds), the documented order formula computed here, and PyTorch's ``random_split``
lengths as an optional oracle.
"""
from __future__ import annotations

import math
import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import tconv.random
from tconv.seg.data import DataLoader, Subset, SyntheticShapes, random_split
from tconv.seg.data.split import split_lengths

few = settings(max_examples=30, deadline=None)


class Indexed:
    """Item i: image (2, 3, 4) filled with i / 100, mask (3, 4) filled with i."""

    num_classes, in_channels, class_names, spatial_dims = 1000, 2, ("x",), 2

    def __init__(self, n, sizes=None):
        self.n, self.sizes = n, sizes or {}

    def __len__(self):
        return self.n

    def __getitem__(self, i):
        if not 0 <= i < self.n:
            raise IndexError(i)
        h, w = self.sizes.get(i, (3, 4))
        return np.full((2, h, w), i / 100, np.float32), np.full((h, w), i, np.int64)


def batch_items(masks):
    return masks[:, 0, 0].tolist()


# ---------------------------------------------------------------- batching

@few
@given(st.integers(0, 23), st.integers(1, 9), st.booleans())
def test_batches_cover_the_items_in_order(n, batch_size, drop_last):
    loader = DataLoader(Indexed(n), batch_size=batch_size, drop_last=drop_last)
    batches = list(loader)
    expected_len = n // batch_size if drop_last else math.ceil(n / batch_size)
    assert len(loader) == len(batches) == expected_len
    seen = [i for _, masks in batches for i in batch_items(masks)]
    assert seen == list(range(expected_len * batch_size if drop_last else n))
    for images, masks in batches:
        assert images.dtype == np.float32 and masks.dtype == np.int64
        assert images.shape == (len(masks), 2, 3, 4) and masks.shape == (len(masks), 3, 4)
        np.testing.assert_array_equal(images[:, 0, 0, 0], (masks[:, 0, 0] / 100).astype(np.float32))
    if drop_last:
        assert all(len(masks) == batch_size for _, masks in batches)


def test_synthetic_batches_equal_the_dataset_items():
    ds = SyntheticShapes(5, size=16, seed=2)
    images, masks = next(iter(DataLoader(ds, batch_size=5)))
    for i in range(5):
        np.testing.assert_array_equal(images[i], ds[i][0])
        np.testing.assert_array_equal(masks[i], ds[i][1])


# ---------------------------------------------------------------- shuffling

def test_shuffling_is_seeded_per_epoch():
    n, seed = 17, 11
    loader = DataLoader(Indexed(n), batch_size=4, shuffle=True, seed=seed)
    epochs = [[i for _, masks in loader for i in batch_items(masks)] for _ in range(3)]
    for e, order in enumerate(epochs):
        expected = np.random.default_rng(np.random.SeedSequence([seed, e])).permutation(n)
        assert order == expected.tolist()
        assert sorted(order) == list(range(n))                # every item exactly once
    assert epochs[0] != epochs[1] != epochs[2]
    again = DataLoader(Indexed(n), batch_size=4, shuffle=True, seed=seed)
    assert [i for _, masks in again for i in batch_items(masks)] == epochs[0]
    again.set_epoch(2)
    assert [i for _, masks in again for i in batch_items(masks)] == epochs[2]
    other = DataLoader(Indexed(n), batch_size=4, shuffle=True, seed=seed + 1)
    assert [i for _, masks in other for i in batch_items(masks)] != epochs[0]


def test_the_epoch_advances_when_a_loop_starts():
    loader = DataLoader(Indexed(6), batch_size=2, shuffle=True, seed=0)
    first = iter(loader)
    assert loader.epoch == 1
    next(first)
    second = [i for _, masks in loader for i in batch_items(masks)]
    assert second == loader.epoch_order(1).tolist() and loader.epoch == 2


def test_without_a_seed_the_library_generator_decides():
    tconv.random.manual_seed(3)
    a = DataLoader(Indexed(30), shuffle=True).epoch_order(0)
    tconv.random.manual_seed(3)
    b = DataLoader(Indexed(30), shuffle=True).epoch_order(0)
    np.testing.assert_array_equal(a, b)
    assert DataLoader(Indexed(30)).seed is None


# ---------------------------------------------------------------- transforms

def test_transforms_use_albumentations_calling_convention():
    calls = []

    def flip(*args, image, mask):
        assert not args                                          # named arguments only
        calls.append((image.shape, mask.shape))
        return {"image": image[:, :, ::-1] * 2, "mask": mask[:, ::-1] + 1, "extra": None}

    ds = SyntheticShapes(3, size=16, seed=1)
    images, masks = next(iter(DataLoader(ds, batch_size=3, transform=flip)))
    assert calls == [((1, 16, 16), (16, 16))] * 3
    for i in range(3):
        np.testing.assert_array_equal(images[i], ds[i][0][:, :, ::-1] * 2)
        np.testing.assert_array_equal(masks[i], ds[i][1][:, ::-1] + 1)


def test_transforms_may_return_float64_images_and_whole_float_masks():
    def as_float64(image, mask):
        return {"image": image.astype(np.float64), "mask": mask.astype(np.float32)}

    images, masks = next(iter(DataLoader(Indexed(2), batch_size=2, transform=as_float64)))
    assert images.dtype == np.float32 and masks.dtype == np.int64 and batch_items(masks) == [0, 1]


@pytest.mark.parametrize("transform, error, words", [
    (lambda image, mask: (image, mask), TypeError, "albumentations' convention is a dict"),
    (lambda image, mask: {"image": image}, TypeError, "with 'image' and 'mask'"),
    (lambda image, mask: {"image": image, "mask": mask + 0.5}, ValueError, "item 0: the mask has dtype float64"),
    (lambda image, mask: {"image": image[0], "mask": mask}, ValueError, r"item 0: image shape \(3, 4\) and mask"),
    (lambda image, mask: {"image": image.astype(str), "mask": mask}, TypeError, "item 0: the image has dtype <U"),
    # An integer image used to be cast to float32 as it was: values 0..255 where the model expects [0, 1].
    (lambda image, mask: {"image": (image * 255).astype(np.uint8), "mask": mask}, TypeError,
     r"item 0: the image has dtype uint8; images are float32/float64 in \[0, 1\].*astype\(np.float32\) / 255"),
])
def test_bad_transform_results(transform, error, words):
    with pytest.raises(error, match=words):
        next(iter(DataLoader(Indexed(2), transform=transform)))


def test_samples_of_different_sizes_in_one_batch():
    loader = DataLoader(Indexed(4, sizes={2: (5, 4)}), batch_size=2)
    batches = iter(loader)
    next(batches)
    with pytest.raises(ValueError, match=r"batch 1: item 2 has an image of shape \(2, 5, 4\) but item 3 has "
                                         r"\(2, 3, 4\).*size=.*crop or pad transform"):
        next(batches)
    assert len(list(DataLoader(Indexed(4, sizes={2: (5, 4)}), batch_size=1))) == 4


@pytest.mark.parametrize("kwargs, error, words", [
    (dict(batch_size=0), ValueError, "batch_size=0 must be an integer >= 1"),
    (dict(batch_size=2.0), TypeError, "batch_size=.* must be an integer"),
    (dict(batch_size=True), TypeError, "batch_size=.* must be an integer"),
    (dict(shuffle="yes"), TypeError, "shuffle=.* must be True or False"),
    (dict(drop_last=1), TypeError, "drop_last=.* must be True or False"),
    (dict(seed=-1), ValueError, "seed=-1"),
    (dict(transform=5), TypeError, "transform must be a callable"),
])
def test_bad_loader_arguments(kwargs, error, words):
    with pytest.raises(error, match=words):
        DataLoader(Indexed(3), **kwargs)
    with pytest.raises(TypeError, match="dataset must have __len__ and __getitem__"):
        DataLoader(5)


# ---------------------------------------------------------------- Subset and random_split

def test_subset():
    part = Subset(Indexed(10), [7, 2, 2])
    assert len(part) == 3 and part.num_classes == 1000 and part.in_channels == 2 and part.spatial_dims == 2
    assert [int(part[i][1][0, 0]) for i in range(3)] == [7, 2, 2] and int(part[-1][1][0, 0]) == 2
    with pytest.raises(IndexError):
        part[3]
    with pytest.raises(ValueError, match=r"indices\[1\]=10 is out of range; a dataset of 10 items allows 0..9"):
        Subset(Indexed(10), [0, 10])
    assert not hasattr(Subset([1, 2], [0]), "num_classes")


@pytest.mark.parametrize("n, lengths, expected", [
    (10, [0.35, 0.35, 0.3], [4, 3, 3]),
    (7, [0.5, 0.5], [4, 3]),
    (10, [0.8, 0.2], [8, 2]),
    (3, [1 / 3] * 3, [1, 1, 1]),
    (11, [0.1] * 10, [2] + [1] * 9),
    (10, [3, 7], [3, 7]),
])
def test_split_lengths_known_values(n, lengths, expected):
    assert split_lengths(n, lengths) == expected


@pytest.mark.torch
@few
@given(st.integers(0, 50), st.lists(st.integers(1, 20), min_size=1, max_size=5))
def test_split_lengths_match_pytorch(n, weights):
    import torch
    fractions = [w / sum(weights) for w in weights]
    if not math.isclose(sum(fractions), 1) or sum(fractions) > 1:
        fractions[-1] = 1 - sum(fractions[:-1])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ours = split_lengths(n, fractions)
        theirs = [len(s) for s in torch.utils.data.random_split(range(n), fractions)]
    assert ours == theirs


@pytest.mark.filterwarnings("ignore:random_split")       # small n leave some splits empty
@few
@given(st.integers(1, 40), st.integers(0, 2**32 - 1))
def test_random_split_is_disjoint_complete_and_seeded(n, seed):
    parts = random_split(Indexed(n), [0.6, 0.25, 0.15], seed=seed)
    indices = [i for part in parts for i in part.indices]
    assert sorted(indices) == list(range(n))
    assert [len(p) for p in parts] == split_lengths(n, [0.6, 0.25, 0.15])
    assert indices == np.random.default_rng(seed).permutation(n).tolist()
    again = random_split(Indexed(n), [0.6, 0.25, 0.15], seed=np.random.default_rng(seed))
    assert [p.indices for p in again] == [p.indices for p in parts]


def test_random_split_differs_between_seeds_and_carries_metadata():
    a = random_split(SyntheticShapes(20, size=16), [10, 10], seed=0)
    b = random_split(SyntheticShapes(20, size=16), [10, 10], seed=1)
    assert a[0].indices != b[0].indices and a[0].num_classes == 4 and a[1].class_names[1] == "disc"


@pytest.mark.parametrize("lengths, error, words", [
    ([3, 3], ValueError, r"sum to 6; integer lengths must sum to len\(dataset\)=5"),
    ([0.5, 0.4], ValueError, "fractions must sum to 1"),
    ([1.5, -0.5], ValueError, "not a fraction between 0 and 1"),
    ([6, -1], ValueError, r"lengths\[1\]=-1 must be an integer >= 0"),
    ([], ValueError, "lengths is empty"),
    (["a"], TypeError, "must be an integer or a fraction"),
])
def test_bad_split_lengths(lengths, error, words):
    with pytest.raises(error, match=words):
        random_split(Indexed(5), lengths)


def test_empty_fraction_split_warns():
    with pytest.warns(UserWarning, match="split 1 .* has 0 items"):
        parts = random_split(Indexed(1), [0.5, 0.5])
    assert [len(p) for p in parts] == [1, 0]


def test_random_split_without_a_seed_uses_the_library_generator():
    # House rule (as DataLoader(seed=None)): no seed means tconv's default generator, reset by manual_seed.
    tconv.random.manual_seed(5)
    first = [p.indices for p in random_split(Indexed(12), [6, 6], seed=None)]
    tconv.random.manual_seed(5)
    assert [p.indices for p in random_split(Indexed(12), [6, 6], seed=None)] == first
    assert first[0] + first[1] == tuple(np.random.default_rng(5).permutation(12).tolist())
    with pytest.raises(TypeError, match="seed=1.5 must be an integer"):
        random_split(Indexed(12), [6, 6], seed=1.5)
