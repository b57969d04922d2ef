"""Resizing: the separable matrix path equals the gather twin, PyTorch, and its adjoint."""
from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from strategies import rng_from, seeds

from tconv.ops import resize

LINEAR = {1: "linear", 2: "bilinear", 3: "trilinear"}


@st.composite
def resize_case(draw):
    ndim = draw(st.integers(1, 3))
    size = tuple(draw(st.integers(1, 6)) for _ in range(ndim))
    mode = draw(st.sampled_from(["nearest", LINEAR[ndim]]))
    align = None if mode == "nearest" else draw(st.booleans())
    if draw(st.booleans()):
        target = dict(size=tuple(draw(st.integers(1, 11)) for _ in range(ndim)))
    else:
        factor = draw(st.sampled_from([1.0, 1.5, 2.0, 3.0, 2.5]))
        target = dict(scale_factor=factor)
    return ndim, size, mode, align, target


@given(case=resize_case(), seed=seeds)
def test_matrix_path_equals_gather_twin_and_backward_is_adjoint(case, seed):
    ndim, size, mode, align, target = case
    rng = rng_from(seed)
    x = rng.standard_normal((2, 3) + size)
    out = resize.interpolate(x, mode=mode, align_corners=align, **target)
    np.testing.assert_allclose(out, resize.interpolate_reference(x, mode=mode, align_corners=align, **target),
                               rtol=1e-12, atol=1e-12)
    grad = rng.standard_normal(out.shape)
    back = resize.interpolate_backward(grad, x.shape, mode=mode, align_corners=align, **target)
    assert back.shape == x.shape
    np.testing.assert_allclose(np.vdot(out, grad), np.vdot(x, back), rtol=1e-10, atol=1e-10)


def test_known_values():
    x = np.array([[[1., 2.]]])
    np.testing.assert_allclose(resize.interpolate(x, scale_factor=2, mode="linear"), [[[1, 1.25, 1.75, 2]]])
    np.testing.assert_allclose(resize.interpolate(x, scale_factor=2, mode="linear", align_corners=True),
                               [[[1, 4 / 3, 5 / 3, 2]]])
    np.testing.assert_array_equal(resize.interpolate(x, size=4), [[[1, 1, 2, 2]]])
    np.testing.assert_array_equal(resize.resize_matrix(3, 6).sum(axis=1), np.ones(6))   # rows are averages
    img = np.arange(4.0).reshape(1, 1, 2, 2)
    assert resize.interpolate(img, scale_factor=2, mode="bilinear").dtype == np.float64
    assert resize.interpolate(img.astype(np.float32), size=(3, 5), mode="bilinear").dtype == np.float32


@pytest.mark.parametrize("kwargs, match", [
    (dict(), "exactly one"),
    (dict(size=4, scale_factor=2), "exactly one"),
    (dict(size=(0, 2)), "size"),
    (dict(scale_factor=-1), "scale_factor"),
    (dict(size=4, mode="bicubic"), "mode"),
    (dict(size=4, mode="linear"), "linear"),
    (dict(size=4, align_corners=True), "align_corners"),
])
def test_bad_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        resize.interpolate(np.ones((1, 1, 2, 2)), **kwargs)


@pytest.mark.torch
@given(case=resize_case(), seed=seeds)
def test_matches_torch_values_and_gradients(case, seed):
    import torch
    import torch.nn.functional as F

    ndim, size, mode, align, target = case
    rng = rng_from(seed)
    x = rng.standard_normal((2, 3) + size)
    tx = torch.from_numpy(x).requires_grad_(True)
    t_out = F.interpolate(tx, mode=mode, align_corners=align, **target)
    out = resize.interpolate(x, mode=mode, align_corners=align, **target)
    np.testing.assert_allclose(out, t_out.detach().numpy(), rtol=1e-12, atol=1e-12)
    grad = rng.standard_normal(out.shape)
    t_out.backward(torch.from_numpy(grad))
    np.testing.assert_allclose(resize.interpolate_backward(grad, x.shape, mode=mode, align_corners=align, **target),
                               tx.grad.numpy(), rtol=1e-10, atol=1e-10)
