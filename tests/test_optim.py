"""tconv.optim: SGD, Adam, AdamW and the schedulers, by hand-computed steps, on quadratics, and vs PyTorch."""
import math

import numpy as np
import pytest

import tconv
from tconv.nn import Parameter
from tconv.optim import SGD, Adam, AdamW
from tconv.optim.lr_scheduler import CosineAnnealingLR, StepLR


def _quadratic_grad(p, centre):
    """Gradient of 0.5 * |p - centre|^2."""
    p.grad = p.data - centre


def _minimise(optimizer, p, centre, steps):
    for _ in range(steps):
        optimizer.zero_grad()
        _quadratic_grad(p, centre)
        optimizer.step()
    return p.data


def test_sgd_plain_step_and_skipping_params_without_grad():
    a, b = Parameter(np.array([1.0, 2.0])), Parameter(np.array([5.0]))
    opt = SGD([a, b], lr=0.5)
    a.grad = np.array([2.0, -2.0])
    opt.step()
    np.testing.assert_array_equal(a.data, [0.0, 3.0])
    np.testing.assert_array_equal(b.data, [5.0])              # grad None: untouched
    opt.zero_grad()
    assert a.grad is None


def test_sgd_momentum_dampening_nesterov_weight_decay_by_hand():
    def run(**kwargs):
        p = Parameter(np.array([1.0]))
        opt = SGD([p], lr=0.1, **kwargs)
        for g in (1.0, 2.0):
            p.grad = np.array([g])
            opt.step()
        return p.data[0]
    # momentum 0.9: buffers 1, 0.9 + 2 = 2.9; steps 0.1 and 0.29
    assert run(momentum=0.9) == pytest.approx(1 - 0.1 - 0.29)
    # dampening 0.5: buffers 1 (first step undamped), 0.9 + 0.5 * 2 = 1.9
    assert run(momentum=0.9, dampening=0.5) == pytest.approx(1 - 0.1 - 0.19)
    # nesterov: g + 0.9 b -> 1 + 0.9 = 1.9, then 2 + 0.9 * 2.9 = 4.61
    assert run(momentum=0.9, nesterov=True) == pytest.approx(1 - 0.19 - 0.461)
    # weight decay 0.1: g1 = 1 + 0.1 * 1 = 1.1 -> p = 0.89; g2 = 2 + 0.089 = 2.089
    assert run(weight_decay=0.1) == pytest.approx(0.89 - 0.2089)


def test_sgd_argument_checks():
    p = Parameter(np.zeros(1))
    with pytest.raises(ValueError, match="Nesterov"):
        SGD([p], lr=0.1, nesterov=True)
    with pytest.raises(ValueError, match="lr=-1"):
        SGD([p], lr=-1)
    with pytest.raises(ValueError, match="empty parameter list"):
        SGD([], lr=0.1)
    with pytest.raises(TypeError, match="single Tensor"):
        SGD(p, lr=0.1)
    with pytest.raises(ValueError, match="more than one parameter group"):
        SGD([{"params": [p]}, {"params": [p]}], lr=0.1)


@pytest.mark.parametrize("make", [
    lambda ps: SGD(ps, lr=0.1, momentum=0.9),
    lambda ps: SGD(ps, lr=0.1, momentum=0.9, nesterov=True),
    lambda ps: Adam(ps, lr=0.1),
    lambda ps: Adam(ps, lr=0.1, amsgrad=True),
    lambda ps: AdamW(ps, lr=0.1, weight_decay=0.0),
])
def test_optimizers_minimise_a_quadratic(make):
    centre = np.array([3.0, -2.0, 0.5])
    p = Parameter(np.zeros(3))
    np.testing.assert_allclose(_minimise(make([p]), p, centre, 300), centre, atol=1e-3)


def test_adam_first_step_moves_every_coordinate_by_lr():
    p = Parameter(np.array([0.0, 0.0, 0.0], np.float32))
    opt = Adam([p], lr=0.01)
    p.grad = np.array([1e-3, -50.0, 2.0], np.float32)
    opt.step()
    np.testing.assert_allclose(p.data, [-0.01, 0.01, -0.01], rtol=1e-4)
    assert p.dtype == np.float32 and opt.state[p]["step"] == 1


def test_adamw_decouples_weight_decay_from_the_moments():
    p, q = Parameter(np.array([2.0])), Parameter(np.array([2.0]))
    adam, adamw = Adam([p], lr=0.1, weight_decay=0.5), AdamW([q], lr=0.1, weight_decay=0.5)
    p.grad, q.grad = np.zeros(1), np.zeros(1)
    adam.step(), adamw.step()
    assert p.data[0] == pytest.approx(2.0 - 0.1)               # the penalty is a gradient: a full Adam step
    assert q.data[0] == pytest.approx(2.0 * (1 - 0.1 * 0.5))   # only the shrinkage; m = 0


def test_param_groups_take_their_own_hyper_parameters():
    a, b = Parameter(np.ones(1)), Parameter(np.ones(1))
    opt = SGD([{"params": [a]}, {"params": [b], "lr": 0.5}], lr=0.1)
    a.grad, b.grad = np.ones(1), np.ones(1)
    opt.step()
    assert a.data[0] == pytest.approx(0.9) and b.data[0] == pytest.approx(0.5)
    assert opt.param_groups[1]["momentum"] == 0


@pytest.mark.parametrize("make", [lambda ps: SGD(ps, lr=0.05, momentum=0.9, nesterov=True, weight_decay=0.01),
                                  lambda ps: Adam(ps, lr=0.05, amsgrad=True)])
def test_optimizer_state_dict_resumes_the_same_trajectory(make, tmp_path):
    centre = np.array([1.0, -1.0])
    p = Parameter(np.zeros(2))
    opt = make([p])
    _minimise(opt, p, centre, 5)
    tconv.save({"param": p.data, "optimizer": opt.state_dict()}, tmp_path / "ckpt.npz")
    expected = _minimise(opt, p, centre, 5).copy()             # uninterrupted run

    checkpoint = tconv.load(tmp_path / "ckpt.npz")
    q = Parameter(checkpoint["param"].copy())
    resumed = make([q])
    resumed.load_state_dict(checkpoint["optimizer"])
    np.testing.assert_array_equal(_minimise(resumed, q, centre, 5), expected)


def test_load_state_dict_checks_group_sizes():
    opt = SGD([Parameter(np.zeros(1))], lr=0.1)
    other = SGD([Parameter(np.zeros(1)), Parameter(np.zeros(1))], lr=0.1)
    with pytest.raises(ValueError, match="doesn't match"):
        opt.load_state_dict(other.state_dict())


def test_step_lr_and_cosine_sequences():
    opt = SGD([Parameter(np.zeros(1))], lr=1.0)
    step = StepLR(opt, step_size=3, gamma=0.5)
    seen = []
    for _ in range(7):
        seen.append(step.get_last_lr()[0])
        assert step.get_last_lr() == pytest.approx(step.closed_form_lr())
        step.step()
    assert seen == [1, 1, 1, 0.5, 0.5, 0.5, 0.25]

    opt = SGD([Parameter(np.zeros(1))], lr=0.1)
    cosine = CosineAnnealingLR(opt, T_max=10, eta_min=0.001)
    for epoch in range(1, 11):
        cosine.step()
        assert opt.param_groups[0]["lr"] == pytest.approx(cosine.closed_form_lr()[0])
        assert cosine.get_last_lr()[0] == pytest.approx(0.001 + 0.099 * (1 + math.cos(math.pi * epoch / 10)) / 2)
    assert cosine.get_last_lr()[0] == pytest.approx(0.001)


# ------------------------------------------------------------------ PyTorch oracle

def _torch_and_ours(torch, make_ours, make_theirs, steps=3, dtype=np.float32):
    rng = np.random.default_rng(0)
    start = [rng.normal(size=(3, 2)).astype(dtype), rng.normal(size=4).astype(dtype)]
    grads = [[rng.normal(size=s.shape).astype(dtype) for s in start] for _ in range(steps)]
    ours = [Parameter(s.copy()) for s in start]
    theirs = [torch.nn.Parameter(torch.from_numpy(s.copy())) for s in start]
    opt_o, opt_t = make_ours(ours), make_theirs(theirs)
    for step_grads in grads:
        for p, q, g in zip(ours, theirs, step_grads):
            p.grad, q.grad = g.copy(), torch.from_numpy(g.copy())
        opt_o.step(), opt_t.step()
    return ours, theirs


@pytest.mark.torch
@pytest.mark.parametrize("name,kwargs", [
    ("SGD", dict(lr=0.1, momentum=0.9, nesterov=True, weight_decay=0.01)),
    ("SGD", dict(lr=0.1, momentum=0.8, dampening=0.3, weight_decay=0.1)),
    ("Adam", dict(lr=0.01, betas=(0.8, 0.99), eps=1e-6, weight_decay=0.01)),
    ("Adam", dict(lr=0.01, amsgrad=True)),
    ("AdamW", dict(lr=0.01, weight_decay=0.1)),
    ("AdamW", dict(lr=0.01, weight_decay=0.1, amsgrad=True, maximize=True)),
])
def test_steps_equal_torch_optim(name, kwargs):
    torch = pytest.importorskip("torch")
    ours, theirs = _torch_and_ours(torch, lambda ps: getattr(tconv.optim, name)(ps, **kwargs),
                                   lambda ps: getattr(torch.optim, name)(ps, **kwargs))
    for p, q in zip(ours, theirs):
        np.testing.assert_allclose(p.data, q.detach().numpy(), rtol=2e-6, atol=1e-7)
        assert p.dtype == np.float32


@pytest.mark.torch
def test_optimizer_state_dict_layout_matches_torch():
    torch = pytest.importorskip("torch")
    ours, theirs = _torch_and_ours(torch, lambda ps: Adam(ps, lr=0.01), lambda ps: torch.optim.Adam(ps, lr=0.01))
    state_o = Adam(ours, lr=0.01)
    reference = torch.optim.Adam(theirs, lr=0.01)
    for p, q in zip(ours, theirs):
        p.grad, q.grad = np.ones(p.shape, np.float32), torch.ones(q.shape)
    state_o.step(), reference.step()
    sd_o, sd_t = state_o.state_dict(), reference.state_dict()
    assert list(sd_o["state"]) == list(sd_t["state"]) == [0, 1]
    assert set(sd_o["state"][0]) == set(sd_t["state"][0])
    assert sd_o["param_groups"][0]["params"] == sd_t["param_groups"][0]["params"]
    state_o.load_state_dict(sd_t)                              # PyTorch's own state dict loads
    np.testing.assert_allclose(state_o.state[ours[0]]["exp_avg_sq"], sd_t["state"][0]["exp_avg_sq"].numpy())


@pytest.mark.torch
@pytest.mark.parametrize("make", [
    lambda lib, opt: lib.StepLR(opt, step_size=3, gamma=0.3),
    lambda lib, opt: lib.CosineAnnealingLR(opt, T_max=5),
    lambda lib, opt: lib.CosineAnnealingLR(opt, T_max=4, eta_min=0.01),
])
def test_scheduler_sequences_equal_torch(make):
    torch = pytest.importorskip("torch")
    ours_opt = SGD([Parameter(np.zeros(1))], lr=0.2)
    theirs_opt = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=0.2)
    ours, theirs = make(tconv.optim.lr_scheduler, ours_opt), make(torch.optim.lr_scheduler, theirs_opt)
    for epoch in range(17):                                    # past T_max: the cosine climbs back
        assert ours.get_last_lr() == pytest.approx(theirs.get_last_lr(), rel=1e-12, abs=1e-15), epoch
        ours_opt.step(), theirs_opt.step()
        ours.step(), theirs.step()


def test_training_a_tiny_segmentation_net_reduces_the_loss():
    import copy
    import tconv.nn.functional as F
    from tconv import nn
    from tconv.autograd import Tensor
    tconv.manual_seed(0)
    net = nn.Sequential(nn.Conv2d(1, 8, 3, padding=1), nn.BatchNorm2d(8), nn.ReLU(), nn.MaxPool2d(2),
                        nn.ConvTranspose2d(8, 2, 2, stride=2))
    start = copy.deepcopy(net)
    rng = np.random.default_rng(0)
    x = rng.random((8, 1, 16, 16)).astype(np.float32)
    target = (x[:, 0] > 0.5).astype(np.int64)
    opt = AdamW(net.parameters(), lr=0.05, weight_decay=1e-4)
    schedule = CosineAnnealingLR(opt, T_max=30)
    losses = []
    for _ in range(30):
        opt.zero_grad()
        loss = F.cross_entropy(net(Tensor(x)), target)
        loss.backward()
        opt.step()
        schedule.step()
        losses.append(float(loss.data))
    assert losses[-1] < 0.75 * losses[0]
    assert not np.array_equal(start[0].weight.data, net[0].weight.data)        # deepcopy is independent


def test_load_state_dict_checks_buffers_and_indices_before_replacing_state():
    w = Parameter(np.ones((2, 3), np.float32))
    opt = Adam([w], lr=0.1)
    w.grad = np.ones((2, 3), np.float32)
    opt.step()
    good = opt.state_dict()
    exp_avg = opt.state[w]["exp_avg"].copy()
    for bad_state, error, match in [({0: {**good["state"][0], "exp_avg": np.zeros(7)}}, ValueError, "shape"),
                                    ({0: {**good["state"][0], "exp_avg": np.full((2, 3), 1j)}}, TypeError, "dtype"),
                                    ({5: good["state"][0]}, ValueError, "index 5")]:
        with pytest.raises(error, match=match):
            opt.load_state_dict({"state": bad_state, "param_groups": good["param_groups"]})
        np.testing.assert_array_equal(opt.state[w]["exp_avg"], exp_avg)       # old state kept
    opt.load_state_dict(good)
    assert opt.state[w]["exp_avg"].dtype == np.float32 and opt.state[w]["step"] == 1


def test_sgd_loads_a_none_momentum_buffer_as_torch_saves_it():
    w = Parameter(np.ones(2))
    opt = SGD([w], lr=0.1, momentum=0.9)
    opt.load_state_dict({"state": {0: {"momentum_buffer": None}}, "param_groups": opt.state_dict()["param_groups"]})
    w.grad = np.ones(2)
    opt.step()
    np.testing.assert_allclose(w.data, [0.9, 0.9])


@pytest.mark.parametrize("make, match", [
    (lambda p: SGD(p, lr=float("nan")), "lr=nan"),
    (lambda p: SGD(p, lr=-0.1), "lr=-0.1"),
    (lambda p: SGD(p, lr=0.1, momentum=float("inf")), "momentum=inf"),
    (lambda p: SGD(p, lr=0.1, dampening=-1), "dampening=-1"),
    (lambda p: Adam(p, eps=float("nan")), "eps=nan"),
    (lambda p: Adam(p, betas=(0.9, 1.0)), r"betas\[1\]=1.0"),
    (lambda p: AdamW(p, weight_decay=-1e-2), "weight_decay"),
])
def test_hyperparameters_must_be_finite_and_in_range(make, match):
    """A NaN learning rate would turn every parameter into NaN at the first step: refuse it."""
    with pytest.raises(ValueError, match=match):
        make([Parameter(np.ones(2))])
    with pytest.raises(TypeError, match="lr"):
        SGD([Parameter(np.ones(2))], lr="fast")
