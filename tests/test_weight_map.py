"""U-Net's border weight map against its definition (distances by brute force), and the weighted loss.

``w(x) = w_c(x) + w0·exp(-(d1 + d2)²/2σ²)`` on the background, ``d1``/``d2`` the Euclidean
distances to the nearest and second-nearest object (8-connected components), computed here
by looping over every pixel pair; ``w_c = N / (K·n_c)``.
"""
from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import tconv
import tconv.nn.functional as F
from tconv import Tensor
from tconv.seg.losses import class_balance_weights, unet_weight_map, weighted_cross_entropy


def _components(mask):
    """8-connected components by flood fill (labels 1..n)."""
    out = np.zeros(mask.shape, int)
    n = 0
    for start in zip(*np.nonzero(mask)):
        if out[start]:
            continue
        n += 1
        stack = [start]
        out[start] = n
        while stack:
            r, c = stack.pop()
            for dr in (-1, 0, 1):
                for dc in (-1, 0, 1):
                    rr, cc = r + dr, c + dc
                    if 0 <= rr < mask.shape[0] and 0 <= cc < mask.shape[1] and mask[rr, cc] and not out[rr, cc]:
                        out[rr, cc] = n
                        stack.append((rr, cc))
    return out


def _by_definition(labels, w0, sigma):
    objects = _components(labels != 0)
    n = objects.max()
    counts = np.bincount(labels.ravel())
    present = (counts > 0).sum()
    weight = np.array([[labels.size / (present * counts[v]) for v in row] for row in labels])
    if n < 2:
        return weight
    points = [np.argwhere(objects == i) for i in range(1, n + 1)]
    for r in range(labels.shape[0]):
        for c in range(labels.shape[1]):
            if objects[r, c]:
                continue
            d = sorted(np.sqrt(((p - (r, c)) ** 2).sum(axis=1)).min() for p in points)
            weight[r, c] += w0 * np.exp(-((d[0] + d[1]) ** 2) / (2 * sigma ** 2))
    return weight


@given(st.integers(0, 2**32 - 1), st.floats(0.5, 8), st.floats(0, 12))
def test_weight_map_is_the_papers_formula(seed, sigma, w0):
    rng = np.random.default_rng(seed)
    labels = (rng.random((9, 11)) < 0.25).astype(np.int64) * rng.integers(1, 3, (9, 11))
    np.testing.assert_allclose(unet_weight_map(labels, w0, sigma), _by_definition(labels, w0, sigma), atol=1e-12)


def test_the_gap_between_touching_objects_weighs_most():
    labels = np.zeros((20, 30), np.int64)
    labels[5:15, 3:14] = 1
    labels[5:15, 16:27] = 1                              # a gap of two columns
    w = unet_weight_map(labels, w0=10, sigma=5, class_weights=None)
    gap = w[5:15, 14:16]
    assert gap.min() > 1 + 10 * np.exp(-9 / 50) - 1e-9   # d1 + d2 <= 3 in the gap
    assert w[0, 0] < gap.min() and w[labels == 1].max() == 1.0
    assert np.array_equal(unet_weight_map(labels, w0=0, class_weights=None), np.ones(labels.shape))
    one = np.zeros((6, 6), np.int64)
    one[2:4, 2:4] = 1
    np.testing.assert_allclose(unet_weight_map(one), class_balance_weights(one)[one])   # one object: no border term


def test_instances_separate_objects_that_touch():
    labels = np.zeros((5, 8), np.int64)
    labels[1:4, 1:7] = 1
    instances = np.zeros_like(labels)
    instances[1:4, 1:4], instances[1:4, 4:7] = 1, 2
    assert unet_weight_map(labels, class_weights=None).max() == 1.0           # one component
    assert unet_weight_map(labels, class_weights=None, instances=instances).max() > 1.0
    with pytest.raises(ValueError, match="labels' shape"):
        unet_weight_map(labels, instances=instances[:, :4])
    with pytest.raises(ValueError, match="sigma"):
        unet_weight_map(labels, sigma=0)
    with pytest.raises(ValueError, match="class ids"):
        unet_weight_map(labels.astype(float))


def test_weighted_cross_entropy_with_class_weights_is_pytorchs_weighted_mean():
    rng = np.random.default_rng(0)
    logits = rng.standard_normal((2, 3, 4, 5))
    target = rng.integers(0, 3, (2, 4, 5))
    classes = np.array([0.5, 2.0, 1.5])
    ours = weighted_cross_entropy(Tensor(logits), target, classes[target])
    np.testing.assert_allclose(ours.item(), F.cross_entropy(Tensor(logits), target, weight=classes).item())
    w = rng.random((2, 4, 5))
    assert tconv.gradcheck(lambda x: weighted_cross_entropy(x, target, w), logits)
    manual = (F.cross_entropy(Tensor(logits), target, reduction="none").data * w).sum()
    np.testing.assert_allclose(weighted_cross_entropy(Tensor(logits), target, w, reduction="sum").item(), manual)
    with pytest.raises(ValueError, match="target's shape"):
        weighted_cross_entropy(Tensor(logits), target, w[:, :2])


@pytest.mark.torch
def test_weighted_cross_entropy_matches_torch():
    import torch

    rng = np.random.default_rng(1)
    logits, target, w = rng.standard_normal((2, 3, 4, 4)), rng.integers(0, 3, (2, 4, 4)), rng.random((2, 4, 4))
    x = torch.tensor(logits, requires_grad=True)
    ref = (torch.nn.functional.cross_entropy(x, torch.tensor(target), reduction="none") * torch.tensor(w)).sum() / w.sum()
    ref.backward()
    mine = Tensor(logits, requires_grad=True)
    loss = weighted_cross_entropy(mine, target, w)
    loss.backward()
    np.testing.assert_allclose(loss.item(), ref.item(), atol=1e-12)
    np.testing.assert_allclose(mine.grad, x.grad.numpy(), atol=1e-12)
