"""Fused kernels are the compositions they replace: values and gradients, Numba against the NumPy twins,
against the unfused ops, and against PyTorch."""
from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import tconv.nn.functional as F
from tconv import Tensor, gradcheck
from tconv.kernels import normalization as kn


@st.composite
def activations(draw, min_size=2):
    n = draw(st.integers(1, 3))
    c = draw(st.integers(1, 5))
    spatial = tuple(draw(st.lists(st.integers(1, 6), min_size=0, max_size=2)))
    if n * int(np.prod(spatial)) < min_size:
        spatial = spatial + (2,)
    seed = draw(st.integers(0, 2**31 - 1))
    rng = np.random.default_rng(seed)
    shift = draw(st.sampled_from([0.0, 3.0, -50.0]))
    return (rng.standard_normal((n, c) + spatial) + shift), rng


@given(activations())
def test_batch_norm_kernels_equal_their_numpy_twins(case):
    x, rng = case
    x3 = np.ascontiguousarray(x.reshape(x.shape[0], x.shape[1], -1))
    c = x.shape[1]
    stats = [(np.empty(c), np.empty(c)) for _ in range(2)]
    kn.channel_moments(x3, *stats[0])
    kn.channel_moments_numpy(x3, *stats[1])
    np.testing.assert_allclose(stats[0][0], stats[1][0], rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(stats[0][1], stats[1][1], rtol=1e-10, atol=1e-12)
    mean, var = stats[1]
    np.testing.assert_allclose(mean, x.mean(axis=tuple(i for i in range(x.ndim) if i != 1)), atol=1e-12)
    scale, shift = rng.standard_normal(c), rng.standard_normal(c)
    for relu in (False, True):
        outs = [np.empty_like(x3) for _ in range(2)]
        kn.scale_shift(x3, scale, shift, relu, outs[0])
        kn.scale_shift_numpy(x3, scale, shift, relu, outs[1])
        np.testing.assert_allclose(outs[0], outs[1], rtol=1e-12, atol=1e-12)
        grad = rng.standard_normal(x3.shape)
        inv_std = 1 / np.sqrt(var + 1e-5)
        gamma = rng.standard_normal(c)
        for training in (True, False):
            results = []
            for backward in (kn.scale_shift_backward, kn.scale_shift_backward_numpy):
                grad_x, sum_g, sum_gx = np.empty_like(x3), np.empty(c), np.empty(c)
                mask = outs[1] if relu else np.empty((0, 0, 0))
                backward(grad, x3, mean, inv_std, gamma, mask, training, grad_x, sum_g, sum_gx)
                results.append((grad_x, sum_g, sum_gx))
            for a, b in zip(*results):
                np.testing.assert_allclose(a, b, rtol=1e-9, atol=1e-9)


@given(activations(min_size=3), st.booleans(), st.booleans())
def test_batch_norm_relu_is_relu_of_batch_norm(case, training, affine):
    x, rng = case
    c = x.shape[1]
    weight = rng.standard_normal(c) if affine else None
    bias = rng.standard_normal(c) if affine else None
    buffers = [(rng.standard_normal(c), rng.random(c) + 0.5) for _ in range(2)]
    buffers[1] = (buffers[0][0].copy(), buffers[0][1].copy())
    xs = [Tensor(x.copy(), requires_grad=True) for _ in range(2)]
    ws = [None if weight is None else Tensor(weight.copy(), requires_grad=True) for _ in range(2)]
    bs = [None if bias is None else Tensor(bias.copy(), requires_grad=True) for _ in range(2)]
    fused = F.batch_norm_relu(xs[0], *buffers[0], ws[0], bs[0], training=training)
    unfused = F.relu(F.batch_norm(xs[1], *buffers[1], ws[1], bs[1], training=training))
    np.testing.assert_allclose(fused.data, unfused.data, rtol=1e-10, atol=1e-10)
    np.testing.assert_allclose(buffers[0][0], buffers[1][0], rtol=1e-12)
    np.testing.assert_allclose(buffers[0][1], buffers[1][1], rtol=1e-12)
    grad = rng.standard_normal(x.shape)
    fused.backward(grad)
    unfused.backward(grad)
    np.testing.assert_allclose(xs[0].grad, xs[1].grad, rtol=1e-8, atol=1e-8)
    if affine:
        np.testing.assert_allclose(ws[0].grad, ws[1].grad, rtol=1e-8, atol=1e-8)
        np.testing.assert_allclose(bs[0].grad, bs[1].grad, rtol=1e-8, atol=1e-8)


@pytest.mark.parametrize("training", [True, False])
def test_batch_norm_relu_gradcheck(training):
    rng = np.random.default_rng(3)
    x = rng.standard_normal((3, 2, 5)) + 0.3
    mean, var = rng.standard_normal(2), rng.random(2) + 0.5

    def fn(x, w, b):
        return F.batch_norm_relu(x, mean.copy(), var.copy(), w, b, training=training)
    assert gradcheck(fn, Tensor(x, requires_grad=True), Tensor(rng.standard_normal(2), requires_grad=True),
                     Tensor(rng.standard_normal(2), requires_grad=True))


def test_large_batch_norm_takes_the_numba_kernels_and_agrees():
    """Above NUMBA_MIN_SIZE the Numba kernels run; float32 results agree with a float64 computation."""
    from tconv.nn.functional.normalization import NUMBA_MIN_SIZE, _kernels

    assert _kernels(NUMBA_MIN_SIZE)[0] is kn.channel_moments
    rng = np.random.default_rng(0)
    x = (rng.standard_normal((8, 16, 32, 32)) * 3 + 1).astype(np.float32)
    out = F.batch_norm(Tensor(x), None, None, training=True).data
    x64 = x.astype(np.float64)
    mu, var = x64.mean(axis=(0, 2, 3), keepdims=True), x64.var(axis=(0, 2, 3), keepdims=True)
    assert out.dtype == np.float32
    np.testing.assert_allclose(out, (x64 - mu) / np.sqrt(var + 1e-5), rtol=1e-5, atol=1e-5)


@pytest.mark.torch
@pytest.mark.parametrize("training", [True, False])
def test_batch_norm_relu_matches_pytorch(training):
    import torch

    rng = np.random.default_rng(1)
    x = rng.standard_normal((4, 3, 6, 5)).astype(np.float32)
    w, b = rng.standard_normal(3).astype(np.float32), rng.standard_normal(3).astype(np.float32)
    mean, var = rng.standard_normal(3).astype(np.float32), (rng.random(3) + 0.5).astype(np.float32)
    grad = rng.standard_normal(x.shape).astype(np.float32)
    ours = [Tensor(a.copy(), requires_grad=True) for a in (x, w, b)]
    theirs = [torch.tensor(a, requires_grad=True) for a in (x, w, b)]
    our_buffers, their_buffers = (mean.copy(), var.copy()), (torch.tensor(mean), torch.tensor(var))
    out = F.batch_norm_relu(ours[0], *our_buffers, ours[1], ours[2], training=training)
    ref = torch.relu(torch.nn.functional.batch_norm(theirs[0], *their_buffers, theirs[1], theirs[2],
                                                    training=training))
    np.testing.assert_allclose(out.data, ref.detach().numpy(), rtol=1e-5, atol=1e-5)
    out.backward(grad)
    ref.backward(torch.tensor(grad))
    for a, t in zip(ours, theirs):
        np.testing.assert_allclose(a.grad, t.grad.numpy(), rtol=1e-4, atol=1e-4)
    for a, t in zip(our_buffers, their_buffers):
        np.testing.assert_allclose(a, t.numpy(), rtol=1e-5, atol=1e-6)


@given(st.integers(1, 50), st.integers(1, 5), st.floats(0.0, 0.1), st.booleans(), st.booleans(), st.booleans(),
       st.integers(0, 2**31 - 1))
def test_adam_kernel_equals_its_numpy_twin(size, steps, decay, decoupled, amsgrad, maximize, seed):
    from tconv.kernels import optim

    rng = np.random.default_rng(seed)
    states = [[rng.standard_normal(size)] + [np.zeros(size) for _ in range(3)] for _ in range(1)]
    states.append([a.copy() for a in states[0]])
    for step in range(1, steps + 1):
        g = rng.standard_normal(size)
        for kernel, (p, m, v, v_max) in zip((optim.adam_update, optim.adam_update_numpy), states):
            kernel(p, g, m, v, v_max if amsgrad else np.empty(0), step, 1e-2, 0.9, 0.999, 1e-8, decay, decoupled,
                   amsgrad, maximize)
    for a, b in zip(*states):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-12)


def test_adam_matches_the_formula_of_the_paper_over_steps():
    """Independent reference: Kingma & Ba's update written out in float64."""
    from tconv.nn import Parameter
    from tconv.optim import Adam

    rng = np.random.default_rng(0)
    start = rng.standard_normal(7)
    w = Parameter(start.copy())
    opt = Adam([w], lr=0.05, betas=(0.8, 0.99), eps=1e-6, weight_decay=0.01)
    p, m, v = start.copy(), np.zeros(7), np.zeros(7)
    for t in range(1, 6):
        g = rng.standard_normal(7)
        w.grad = g.copy()
        opt.step()
        g = g + 0.01 * p
        m = 0.8 * m + 0.2 * g
        v = 0.99 * v + 0.01 * g * g
        p = p - 0.05 * (m / (1 - 0.8 ** t)) / (np.sqrt(v / (1 - 0.99 ** t)) + 1e-6)
    np.testing.assert_allclose(w.data, p, rtol=1e-10)


@given(st.integers(1, 3), st.integers(2, 5), st.lists(st.integers(1, 6), min_size=1, max_size=3),
       st.integers(0, 2**31 - 1), st.sampled_from([1.0, 10.0]))
def test_fused_dice_ce_is_the_composed_loss(n, k, spatial, seed, spread):
    from tconv.kernels import losses as kl
    from tconv.seg.losses import DiceCELoss, dice_ce_with_logits

    rng = np.random.default_rng(seed)
    z = rng.standard_normal((n, k) + tuple(spatial)) * spread
    labels = rng.integers(0, k, (n,) + tuple(spatial))
    a, b = Tensor(z.copy(), requires_grad=True), Tensor(z.copy(), requires_grad=True)
    fused = dice_ce_with_logits(a, labels)
    composed = DiceCELoss(to_onehot_y=True, softmax=True)(b, labels[:, None])
    np.testing.assert_allclose(fused.item(), composed.item(), rtol=1e-10, atol=1e-12)
    fused.backward(np.asarray(2.0))
    composed.backward(np.asarray(2.0))
    np.testing.assert_allclose(a.grad, b.grad, rtol=1e-8, atol=1e-12)
    grads = [np.empty((n, k, int(np.prod(spatial)))) for _ in range(2)]
    z3, t2 = z.reshape(n, k, -1), labels.reshape(n, -1)
    losses = [f(z3, t2, 1e-5, 1e-5, g) for f, g in zip((kl.dice_ce_forward, kl.dice_ce_forward_numpy), grads)]
    np.testing.assert_allclose(losses[0], losses[1], rtol=1e-12)
    np.testing.assert_allclose(grads[0], grads[1], rtol=1e-9, atol=1e-14)


def test_fused_dice_ce_refuses_bad_labels():
    from tconv.seg.losses import dice_ce_with_logits

    with pytest.raises(ValueError, match="labels have shape"):
        dice_ce_with_logits(Tensor(np.zeros((2, 3, 4, 4))), np.zeros((2, 1, 4, 4), np.int64))
    with pytest.raises(ValueError, match="labels"):
        dice_ce_with_logits(Tensor(np.zeros((1, 3, 2, 2))), np.full((1, 2, 2), 3))


@pytest.mark.torch
def test_fused_dice_ce_matches_monai():
    monai = pytest.importorskip("monai.losses", reason="MONAI is an optional oracle")
    import torch

    from tconv.seg.losses import dice_ce_with_logits

    rng = np.random.default_rng(5)
    z = rng.standard_normal((2, 3, 6, 5)).astype(np.float32)
    labels = rng.integers(0, 3, (2, 6, 5))
    ours = Tensor(z.copy(), requires_grad=True)
    loss = dice_ce_with_logits(ours, labels)
    loss.backward()
    theirs = torch.tensor(z, requires_grad=True)
    ref = monai.DiceCELoss(to_onehot_y=True, softmax=True)(theirs, torch.tensor(labels[:, None]))
    ref.backward()
    np.testing.assert_allclose(loss.item(), ref.item(), rtol=1e-5)
    np.testing.assert_allclose(ours.grad, theirs.grad.numpy(), rtol=1e-4, atol=1e-6)
