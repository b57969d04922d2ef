"""A planned (recorded and replayed) model is the eager model: same values, gradients, buffers, trajectory."""
from __future__ import annotations

import copy

import numpy as np
import pytest

import tconv
import tconv.nn.functional as F
from tconv import Tensor, nn
from tconv.optim import Adam
from tconv.seg.models import FCN, UNet, VNet


def _pair(build):
    tconv.manual_seed(0)
    model = build()
    return model, copy.deepcopy(model)


def _train(model, forward, batches, steps):
    optimizer = Adam(model.parameters(), lr=1e-2)
    losses = []
    for images, masks in batches[:steps]:
        loss = F.cross_entropy(forward(Tensor(images)), masks)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        losses.append(float(loss.item()))
    return losses


def _batches(shape, classes, n=4, seed=0):
    rng = np.random.default_rng(seed)
    return [(rng.random(shape, dtype=np.float32), rng.integers(0, classes, (shape[0],) + shape[2:]))
            for _ in range(n)]


@pytest.mark.parametrize("build, shape", [
    (lambda: UNet(1, 3, base=4, depth=2, batch_norm=True), (3, 1, 12, 10)),
    (lambda: UNet(1, 3, base=4, depth=2, up="resize", batch_norm=True), (2, 1, 8, 8)),
    (lambda: UNet(1, 3, base=4, depth=2, up="bilinear"), (2, 1, 9, 8)),
    (lambda: FCN(1, 3, base=2, batch_norm=True), (2, 1, 16, 16)),
    (lambda: VNet(1, 3, base=2, depth=2), (2, 1, 8, 8, 8)),
    (lambda: nn.Sequential(nn.Conv2d(1, 3, 3, padding=1), nn.BatchNorm2d(3, momentum=None), nn.ReLU(),
                           nn.Conv2d(3, 3, 1)), (4, 1, 6, 6)),
])
@pytest.mark.parametrize("fuse", [True, False])
def test_planned_training_equals_eager_training(build, shape, fuse):
    eager, planned = _pair(build)
    batches = _batches(shape, 3)
    fast = tconv.compile(planned, fuse=fuse)
    ours = _train(planned, fast, batches, 4)
    reference = _train(eager, eager, batches, 4)
    np.testing.assert_allclose(ours, reference, rtol=1e-6, atol=1e-7)
    assert fast.plans == 1
    for (name, a), b in zip(eager.state_dict().items(), planned.state_dict().values()):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6, err_msg=name)


def test_batch_norm_followed_by_relu_is_fused_and_gives_the_same_numbers():
    model = UNet(1, 3, base=4, depth=2, batch_norm=True)
    fast = tconv.compile(model)
    x = np.random.default_rng(1).random((2, 1, 8, 8), dtype=np.float32)
    fast(Tensor(x))
    plan = fast.plan(Tensor(x))
    assert plan.fused == 10                  # 5 double convs x 2 batch norms, each followed by a ReLU
    names = [node.name for node in plan.nodes]
    assert names.count("batch_norm+relu") == 10 and "relu" not in names
    unfused = tconv.compile(model, fuse=False)
    unfused(Tensor(x))
    a, b = Tensor(x, requires_grad=True), Tensor(x, requires_grad=True)
    out_a, out_b = fast(a), unfused(b)
    np.testing.assert_array_equal(out_a.data, out_b.data)
    grad = np.random.default_rng(2).random(out_a.shape, dtype=np.float32)
    out_a.backward(grad)
    out_b.backward(grad)
    np.testing.assert_allclose(a.grad, b.grad, rtol=1e-6, atol=1e-7)


def test_a_new_shape_or_mode_records_a_new_plan_and_eval_replays_without_a_graph():
    model = UNet(1, 2, base=2, depth=1, batch_norm=True)
    fast = tconv.compile(model)
    for shape in ((1, 1, 8, 8), (2, 1, 8, 8), (1, 1, 8, 8)):
        fast(Tensor(np.ones(shape, np.float32)))
    assert fast.plans == 2
    model.eval()
    x = np.random.default_rng(0).random((2, 1, 8, 8), dtype=np.float32)
    with tconv.no_grad():
        first, second = fast(Tensor(x)), fast(Tensor(x))
    assert fast.plans == 3 and second.is_leaf
    np.testing.assert_array_equal(first.data, second.data)
    np.testing.assert_array_equal(second.data, model(Tensor(x)).data)


def test_the_input_gradient_flows_through_the_plan():
    model = nn.Sequential(nn.Conv2d(2, 3, 3, padding=1), nn.ReLU(), nn.Conv2d(3, 1, 3)).double()
    fast = tconv.compile(model)
    x = np.random.default_rng(3).random((2, 2, 7, 6))
    fast(Tensor(x))
    a, b = Tensor(x, requires_grad=True), Tensor(x, requires_grad=True)
    (fast(a) ** 2).sum().backward()
    (model(b) ** 2).sum().backward()
    np.testing.assert_allclose(a.grad, b.grad, rtol=1e-12)


def test_compile_refuses_what_is_not_a_model():
    with pytest.raises(TypeError, match="must be callable"):
        tconv.compile(3)


def test_replaying_keeps_no_array_from_earlier_steps():
    """A replay's memory is freed with its step: after many steps nothing of the earlier ones is held.

    (Max pooling once handed its indices back through a list setting, which the plan kept and
    every replay appended to: the argmax arrays of every step stayed alive, ~20 MB per epoch.)"""
    import gc
    import tracemalloc

    model = UNet(1, 3, base=4, depth=2, batch_norm=True)
    fast = tconv.compile(model)
    batches = _batches((4, 1, 16, 16), 3, n=2)

    def held_after(steps):
        _train(model, fast, batches * steps, 2 * steps)
        gc.collect()
        return tracemalloc.get_traced_memory()[0]

    tracemalloc.start()
    try:
        held_after(2)                                   # the plan is recorded; the optimizer's state exists
        few = held_after(2)
        many = held_after(20)
    finally:
        tracemalloc.stop()
    pooled = 4 * 4 * 8 * 8 * 8                          # one step's first max-pool indices (int64), 8 KiB
    assert many - few < 4 * pooled, f"{many - few} bytes more held after 40 more steps"


class _UsesIndices(nn.Module):
    """A model that reads max pooling's indices (a side output) in a later op."""

    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(1, 2, 3, padding=1)

    def forward(self, x):
        pooled, indices = F.max_pool2d(self.conv(x), 2, return_indices=True)
        return pooled * Tensor((indices % 2).astype(np.float32))


def test_a_model_reading_pooling_indices_stays_eager_and_right():
    model = _UsesIndices()
    fast = tconv.compile(model)
    rng = np.random.default_rng(5)
    first, second = (rng.random((2, 1, 6, 6), dtype=np.float32) for _ in range(2))
    fast(Tensor(first))
    np.testing.assert_array_equal(fast(Tensor(second)).data, model(Tensor(second)).data)
    assert fast.plans == 0 and fast.plan(Tensor(second)) is None
