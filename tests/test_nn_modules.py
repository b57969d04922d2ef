"""tconv.nn.Module and the layers: registration and names, modes, state dicts, repr, PyTorch oracle."""
from collections import OrderedDict

import numpy as np
import pytest

import tconv
from tconv import nn
from tconv.autograd import Tensor

RNG = np.random.default_rng


class Block(nn.Module):
    def __init__(self, cin, cout):
        super().__init__()
        self.conv = nn.Conv2d(cin, cout, 3, padding=1, bias=False)
        self.bn = nn.BatchNorm2d(cout)
        self.act = nn.ReLU()

    def forward(self, x):
        return self.act(self.bn(self.conv(x)))


class TinyNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.encoder = nn.Sequential(Block(1, 2), nn.MaxPool2d(2))
        self.scale = nn.Parameter(np.ones(1, np.float32))
        self.decoder = nn.ModuleList([nn.ConvTranspose2d(2, 2, 2, stride=2), nn.Conv2d(2, 3, 1)])
        self.register_buffer("steps", np.zeros((), np.int64))
        self.register_buffer("cache", np.zeros(2), persistent=False)

    def forward(self, x):
        y = self.encoder(x) * self.scale
        for layer in self.decoder:
            y = layer(y)
        return y


def test_parameter_names_follow_registration_order_like_pytorch():
    names = [name for name, _ in TinyNet().named_parameters()]
    assert names == ["scale", "encoder.0.conv.weight", "encoder.0.bn.weight", "encoder.0.bn.bias",
                     "decoder.0.weight", "decoder.0.bias", "decoder.1.weight", "decoder.1.bias"]
    net = TinyNet()
    assert [p is q for p, q in zip(net.parameters(), (p for _, p in net.named_parameters()))] == [True] * 8
    assert all(isinstance(p, nn.Parameter) and p.requires_grad for p in net.parameters())


def test_state_dict_order_buffers_and_copies():
    net = TinyNet()
    state = net.state_dict()
    assert list(state) == [
        "scale", "steps",
        "encoder.0.conv.weight", "encoder.0.bn.weight", "encoder.0.bn.bias", "encoder.0.bn.running_mean",
        "encoder.0.bn.running_var", "encoder.0.bn.num_batches_tracked",
        "decoder.0.weight", "decoder.0.bias", "decoder.1.weight", "decoder.1.bias"]
    assert "cache" not in state and [n for n, _ in net.named_buffers()][:2] == ["steps", "cache"]
    state["scale"][...] = 5                                    # a copy: the model is unchanged
    assert net.scale.data[0] == 1
    assert all(isinstance(v, np.ndarray) for v in state.values())


def test_shared_modules_and_parameters_are_listed_once():
    conv = nn.Conv2d(1, 1, 1)
    net = nn.Sequential(conv, nn.ReLU(), conv)
    assert [n for n, _ in net.named_parameters()] == ["0.weight", "0.bias"]
    assert len(list(net.modules())) == 3                       # Sequential, conv, ReLU
    assert list(net.state_dict()) == ["0.weight", "0.bias", "2.weight", "2.bias"]   # as PyTorch


def test_children_modules_and_apply_order():
    net = TinyNet()
    assert [type(m).__name__ for m in net.children()] == ["Sequential", "ModuleList"]
    assert [n for n, _ in net.named_modules()][:4] == ["", "encoder", "encoder.0", "encoder.0.conv"]
    visited = []
    net.apply(lambda m: visited.append(type(m).__name__))
    assert visited[-1] == "TinyNet" and visited[:4] == ["Conv2d", "BatchNorm2d", "ReLU", "Block"]


def test_train_eval_is_recursive_and_changes_behaviour():
    net = nn.Sequential(nn.Sequential(nn.Dropout(0.5)), nn.BatchNorm2d(1))
    assert all(m.training for m in net.modules())
    assert net.eval() is net and not any(m.training for m in net.modules())
    x = np.ones((2, 1, 2, 2), np.float32)
    np.testing.assert_allclose(net(x).data, x / np.sqrt(1 + 1e-5), rtol=1e-6)   # running stats 0 / 1
    net.train()
    assert all(m.training for m in net.modules())
    out = net(Tensor(RNG(0).normal(size=(2, 1, 4, 4))))
    assert abs(out.data.mean()) < 1e-6 and net[1].num_batches_tracked == 1
    with pytest.raises(ValueError, match="boolean"):
        net.train("no")


def test_zero_grad_and_backward_reach_every_parameter():
    net = TinyNet()
    net(Tensor(RNG(0).normal(size=(2, 1, 4, 4)).astype(np.float32))).sum().backward()
    assert all(p.grad is not None and p.grad.shape == p.shape for p in net.parameters())
    net.zero_grad()
    assert all(p.grad is None for p in net.parameters())


def test_load_state_dict_round_trip_gives_identical_outputs():
    a, b = TinyNet(), TinyNet()
    x = RNG(1).normal(size=(2, 1, 4, 4)).astype(np.float32)
    a(x)                                                        # move the running statistics
    result = b.load_state_dict(a.state_dict())
    assert result == nn.IncompatibleKeys([], [])
    a.eval(), b.eval()
    np.testing.assert_array_equal(a(x).data, b(x).data)
    assert b.encoder[0].bn.num_batches_tracked == 1


def test_strict_loading_reports_every_problem_and_copies_nothing():
    net = TinyNet()
    before = net.state_dict()
    state = net.state_dict()
    del state["scale"]
    state["decoder.2.weight"] = np.zeros(1)
    state["decoder.1.weight"] = np.zeros((4, 2, 1, 1))
    state["decoder.0.bias"] = np.full(2, 7.0)
    with pytest.raises(RuntimeError) as error:
        net.load_state_dict(state)
    message = str(error.value)
    assert message.startswith("Error(s) in loading state_dict for TinyNet:")
    assert 'Missing key(s) in state_dict: "scale"' in message
    assert 'Unexpected key(s) in state_dict: "decoder.2.weight"' in message
    assert "size mismatch for decoder.1.weight: copying a param with shape (4, 2, 1, 1)" in message
    np.testing.assert_array_equal(net.decoder[0].bias.data, before["decoder.0.bias"])   # untouched
    del state["decoder.1.weight"]
    missing, unexpected = net.load_state_dict(state, strict=False)
    assert missing == ["scale", "decoder.1.weight"] and unexpected == ["decoder.2.weight"]
    assert np.all(net.decoder[0].bias.data == 7) and net.decoder[0].bias.dtype == np.float32


def test_attribute_rules():
    net = nn.Conv2d(1, 1, 1)
    with pytest.raises(TypeError, match="Parameter or None"):
        net.weight = np.zeros((1, 1, 1, 1))
    net.bias = None
    assert [n for n, _ in net.named_parameters()] == ["weight"] and "bias" not in net.state_dict()
    with pytest.raises(AttributeError, match="no attribute 'nothing'"):
        net.nothing
    with pytest.raises(KeyError, match="contain"):
        net.register_parameter("a.b", None)
    with pytest.raises(NotImplementedError, match="forward"):
        nn.Module()(1)


def test_repr_shows_the_tree():
    net = nn.Sequential(nn.Conv2d(1, 8, 3, padding=1, bias=False), nn.BatchNorm2d(8), nn.ReLU(),
                        nn.ModuleList([nn.Identity(), nn.Identity(), nn.Upsample(scale_factor=2)]))
    assert repr(net) == (
        "Sequential(\n"
        "  (0): Conv2d(1, 8, kernel_size=(3, 3), stride=(1, 1), padding=(1, 1), bias=False)\n"
        "  (1): BatchNorm2d(8, eps=1e-05, momentum=0.1, affine=True, bias=True, track_running_stats=True)\n"
        "  (2): ReLU()\n"
        "  (3): ModuleList(\n"
        "    (0-1): 2 x Identity()\n"
        "    (2): Upsample(scale_factor=2.0, mode='nearest')\n"
        "  )\n"
        ")")


def test_containers_index_slice_and_mutate():
    layers = [nn.ReLU(), nn.Tanh(), nn.Sigmoid()]
    seq = nn.Sequential(*layers)
    assert len(seq) == 3 and list(seq) == layers and seq[-1] is layers[2]
    assert isinstance(seq[1:], nn.Sequential) and list(seq[1:]) == layers[1:]
    named = nn.Sequential(OrderedDict(first=nn.Conv2d(1, 1, 1), act=nn.ReLU()))
    assert [n for n, _ in named.named_parameters()] == ["first.weight", "first.bias"]
    with pytest.raises(IndexError):
        seq[3]
    mlist = nn.ModuleList([nn.Conv2d(1, 1, 1)])
    mlist.append(nn.Conv2d(1, 2, 1)).extend([nn.Conv2d(2, 2, 1)])
    mlist.insert(0, nn.Identity())
    assert [n for n, _ in mlist.named_parameters()][:2] == ["1.weight", "1.bias"] and len(mlist) == 4
    np.testing.assert_allclose(seq(Tensor([0.0])).data, [0.5])          # sigmoid(tanh(relu(0)))


@pytest.mark.parametrize("layer,shape,expected", [
    (nn.Conv1d(2, 3, 3, stride=2), (1, 2, 9), (1, 3, 4)),
    (nn.Conv2d(2, 4, 3, padding="same", groups=2), (1, 2, 5, 6), (1, 4, 5, 6)),
    (nn.Conv3d(2, 3, 2), (1, 2, 3, 3, 3), (1, 3, 2, 2, 2)),
    (nn.ConvTranspose1d(2, 3, 3, stride=2, output_padding=1), (1, 2, 4), (1, 3, 10)),
    (nn.ConvTranspose2d(10, 20, 5, stride=3, padding=2), (1, 10, 6, 6), (1, 20, 16, 16)),
    (nn.ConvTranspose3d(2, 2, 2, stride=2, groups=2), (1, 2, 2, 3, 1), (1, 2, 4, 6, 2)),
    (nn.AvgPool2d(2), (1, 1, 4, 5), (1, 1, 2, 2)),
    (nn.MaxPool3d(2, stride=1), (1, 1, 3, 3, 3), (1, 1, 2, 2, 2)),
    (nn.Upsample(size=(3, 7), mode="bilinear", align_corners=True), (1, 1, 2, 2), (1, 1, 3, 7)),
    (nn.BatchNorm3d(2), (2, 2, 2, 2, 2), (2, 2, 2, 2, 2)),
])
def test_layer_output_shapes(layer, shape, expected):
    assert layer(np.ones(shape, np.float32)).shape == expected


def test_conv_transpose_output_size_and_constructor_errors():
    up = nn.ConvTranspose2d(1, 1, 3, stride=2, padding=1)
    x = np.ones((1, 1, 4, 4), np.float32)
    assert up(x).shape == (1, 1, 7, 7) and up(x, output_size=(8, 8)).shape == (1, 1, 8, 8)
    assert up(x, output_size=(1, 1, 8, 7)).shape == (1, 1, 8, 7)
    with pytest.raises(ValueError, match="valid sizes range from"):
        up(x, output_size=(9, 9))
    with pytest.raises(ValueError, match="divisible by groups"):
        nn.Conv2d(3, 4, 3, groups=2)
    with pytest.raises(ValueError, match="in_channels"):
        nn.Conv2d(0, 4, 3)
    with pytest.raises(ValueError, match="4D input"):
        nn.BatchNorm2d(2)(np.ones((2, 2)))


def test_to_double_casts_parameters_and_float_buffers():
    net = TinyNet().double()
    assert all(p.dtype == np.float64 for p in net.parameters())
    assert net.encoder[0].bn.running_var.dtype == np.float64
    assert net.encoder[0].bn.num_batches_tracked.dtype == np.int64
    assert net(np.ones((1, 1, 2, 2))).dtype == np.float64


# ------------------------------------------------------------------ PyTorch oracle

def _pair(torch):
    """The same small 2-D network in tconv and in PyTorch (layers chosen to cover every module)."""
    ours = nn.Sequential(
        nn.Conv2d(2, 4, 3, padding=1), nn.BatchNorm2d(4), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(4, 6, 3, stride=2, padding=1, groups=2, bias=False), nn.LeakyReLU(0.1),
        nn.ConvTranspose2d(6, 4, 3, stride=2, padding=1, output_padding=1, groups=2), nn.Tanh(),
        nn.ConvTranspose2d(4, 3, 4, stride=2, padding=1, dilation=1), nn.Upsample(scale_factor=2, mode="bilinear"),
        nn.AvgPool2d(2), nn.Sigmoid())
    T = torch.nn
    theirs = T.Sequential(
        T.Conv2d(2, 4, 3, padding=1), T.BatchNorm2d(4), T.ReLU(), T.MaxPool2d(2),
        T.Conv2d(4, 6, 3, stride=2, padding=1, groups=2, bias=False), T.LeakyReLU(0.1),
        T.ConvTranspose2d(6, 4, 3, stride=2, padding=1, output_padding=1, groups=2), T.Tanh(),
        T.ConvTranspose2d(4, 3, 4, stride=2, padding=1, dilation=1), T.Upsample(scale_factor=2, mode="bilinear"),
        T.AvgPool2d(2), T.Sigmoid())
    return ours, theirs


@pytest.mark.torch
def test_repr_equals_torch():
    torch = pytest.importorskip("torch")
    ours, theirs = _pair(torch)
    assert repr(ours) == repr(theirs)
    assert repr(nn.ModuleList([nn.Dropout(), nn.Dropout(), nn.ReLU()])) == \
        repr(torch.nn.ModuleList([torch.nn.Dropout(), torch.nn.Dropout(), torch.nn.ReLU()]))


def _check_same_as_torch(torch, ours, theirs, x, weights):
    theirs.load_state_dict({k: torch.from_numpy(v) for k, v in ours.state_dict().items()})
    xt = torch.tensor(x, requires_grad=True)
    xo = Tensor(x.copy(), requires_grad=True)
    out_t, out_o = theirs(xt), ours(xo)
    np.testing.assert_allclose(out_o.data, out_t.detach().numpy(), rtol=1e-10, atol=1e-12)
    (out_t * torch.from_numpy(weights)).sum().backward()
    (out_o * Tensor(weights)).sum().backward()
    np.testing.assert_allclose(xo.grad, xt.grad.numpy(), rtol=1e-9, atol=1e-12)
    torch_params = dict(theirs.named_parameters())
    for name, param in ours.named_parameters():
        np.testing.assert_allclose(param.grad, torch_params[name].grad.numpy(), rtol=1e-9, atol=1e-12,
                                   err_msg=name)
    for name, value in theirs.state_dict().items():           # running statistics moved identically
        np.testing.assert_allclose(ours.state_dict()[name], value.numpy(), rtol=1e-12, err_msg=name)


@pytest.mark.torch
def test_state_dict_loaded_into_torch_gives_same_outputs_and_gradients():
    torch = pytest.importorskip("torch")
    tconv.manual_seed(0)
    ours, theirs = _pair(torch)
    ours.double(), theirs.double()
    x = RNG(0).normal(size=(2, 2, 12, 12))
    weights = RNG(1).normal(size=(2, 3, 12, 12))
    _check_same_as_torch(torch, ours, theirs, x, weights)                  # training mode: batch statistics
    ours.eval(), theirs.eval()
    ours.zero_grad(), theirs.zero_grad()
    _check_same_as_torch(torch, ours, theirs, x, weights)                  # eval mode: running statistics


@pytest.mark.torch
def test_3d_network_matches_torch():
    torch = pytest.importorskip("torch")
    ours = nn.Sequential(nn.Conv3d(1, 2, 3, padding=1), nn.BatchNorm3d(2, momentum=None), nn.ReLU(),
                         nn.AvgPool3d(2), nn.ConvTranspose3d(2, 2, 2, stride=2), nn.MaxPool3d(2),
                         nn.Upsample(scale_factor=2, mode="trilinear", align_corners=True)).double()
    T = torch.nn
    theirs = T.Sequential(T.Conv3d(1, 2, 3, padding=1), T.BatchNorm3d(2, momentum=None), T.ReLU(),
                          T.AvgPool3d(2), T.ConvTranspose3d(2, 2, 2, stride=2), T.MaxPool3d(2),
                          T.Upsample(scale_factor=2, mode="trilinear", align_corners=True)).double()
    x = RNG(2).normal(size=(2, 1, 4, 4, 4))
    _check_same_as_torch(torch, ours, theirs, x, RNG(3).normal(size=(2, 2, 4, 4, 4)))


@pytest.mark.torch
def test_loss_layers_equal_torch_and_register_weights_as_buffers():
    torch = pytest.importorskip("torch")
    rng = RNG(4)
    logits, target = rng.normal(size=(2, 3, 4, 4)), rng.integers(0, 3, size=(2, 4, 4))
    weight = np.array([0.2, 1.0, 3.0])
    loss = nn.CrossEntropyLoss(weight=weight, ignore_index=1)
    assert list(loss.state_dict()) == list(torch.nn.CrossEntropyLoss(weight=torch.tensor(weight)).state_dict())
    expected = torch.nn.CrossEntropyLoss(weight=torch.tensor(weight), ignore_index=1)(
        torch.tensor(logits), torch.tensor(target))
    assert float(loss(Tensor(logits), target).data) == pytest.approx(expected.item(), rel=1e-12)
    probs, pos_weight = rng.random(size=(2, 1, 3, 3)), np.array([2.0])
    bce = nn.BCEWithLogitsLoss(pos_weight=pos_weight)
    assert list(bce.state_dict()) == ["pos_weight"]
    expected = torch.nn.BCEWithLogitsLoss(pos_weight=torch.tensor(pos_weight))(torch.tensor(logits[:, :1, :3, :3]),
                                                                               torch.tensor(probs))
    assert float(bce(Tensor(logits[:, :1, :3, :3]), probs).data) == pytest.approx(expected.item(), rel=1e-12)


def test_sequential_delete_renumbers_so_append_keeps_every_module():
    a, b, c, d = nn.ReLU(), nn.Sigmoid(), nn.Identity(), nn.Tanh()
    seq = nn.Sequential(a, b, c)
    del seq[0]
    seq.append(d)
    assert list(seq) == [b, c, d] and list(seq._modules) == ["0", "1", "2"]
    del seq[0:2]
    assert list(seq) == [d] and list(seq._modules) == ["0"]


def test_load_state_dict_refuses_non_numeric_and_truncating_values_and_copies_nothing():
    net = nn.Sequential(nn.Conv2d(1, 2, 3), nn.BatchNorm2d(2))
    before = net.state_dict()
    for name, bad in [("0.weight", before["0.weight"] + 1j),
                      ("0.bias", np.array(["a", "b"])),
                      ("1.running_var", np.array([1.0, 2.0], dtype=object)),
                      ("1.num_batches_tracked", np.array(2.7))]:
        state = net.state_dict()
        state["0.weight"] = np.zeros_like(state["0.weight"])     # a valid entry that must not be copied
        state[name] = bad
        with pytest.raises(RuntimeError, match=f"dtype mismatch for {name}"):
            net.load_state_dict(state)
        for key, value in net.state_dict().items():
            np.testing.assert_array_equal(value, before[key])


def test_batch_norm_rejects_non_float_dtype_at_construction():
    with pytest.raises(TypeError, match="float32 or float64"):
        nn.BatchNorm2d(3, dtype=np.int64)
