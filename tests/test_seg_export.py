"""ONNX export: every model and decoder runs in ONNX Runtime with tconv's numbers (float32 rounding).

The oracle is ONNX Runtime running the written file; the reference is the tconv model's own
forward in evaluation mode, with batch-norm statistics and affine parameters drawn at random so
that a wrong eps, a swapped mean and variance or a missed layer shows. Inputs of other batch
sizes and odd spatial sizes check the dynamic axes and the padding computed inside the graph.
Skipped without onnx or onnxruntime.
"""
from __future__ import annotations

import json

import numpy as np
import pytest
from PIL import Image

from tconv.autograd import Tensor, no_grad
from tconv.cli import main
from tconv.seg.models import FCN, UNet, VNet, export_onnx

from onnx_runtime import require, session

onnx, _ = require()


def _randomise_statistics(model, seed=0):
    rng = np.random.default_rng(seed)
    for module in model.modules():
        if getattr(module, "running_mean", None) is not None:
            module.running_mean[...] = rng.normal(0, 0.5, module.running_mean.shape)
            module.running_var[...] = rng.uniform(0.5, 2.0, module.running_var.shape)
            module.weight.data[...] = rng.uniform(0.5, 1.5, module.weight.data.shape)
            module.bias.data[...] = rng.normal(0, 0.2, module.bias.data.shape)
    return model.eval()


def _tconv_logits(model, x):
    with no_grad():
        return model(Tensor(x)).data


def _assert_same(onnx_logits, logits):
    assert onnx_logits.shape == logits.shape and onnx_logits.dtype == np.float32
    scale = max(1.0, float(np.abs(logits).max()))
    np.testing.assert_allclose(onnx_logits, logits, rtol=0, atol=2e-5 * scale)
    ranked = np.sort(logits, axis=1)
    clear = (ranked[:, -1] - ranked[:, -2]) > 1e-3 * scale           # pixels that are not a near-tie
    assert np.array_equal(onnx_logits.argmax(axis=1)[clear], logits.argmax(axis=1)[clear])


MODELS = [
    ("unet-transpose", lambda: UNet(1, 3, base=4, depth=2, up="transpose", batch_norm=True), (2, 1, 16, 20)),
    ("unet-resize", lambda: UNet(1, 3, base=4, depth=2, up="resize"), (1, 1, 16, 16)),
    ("unet-bilinear", lambda: UNet(3, 4, base=4, depth=3, up="bilinear", batch_norm=True), (1, 3, 24, 16)),
    ("unet-3d", lambda: UNet(1, 2, base=2, depth=1, dim=3, batch_norm=True), (1, 1, 6, 8, 6)),
    ("fcn", lambda: FCN(1, 3, base=4, batch_norm=True), (2, 1, 32, 24)),
    ("vnet", lambda: VNet(1, 3, base=4, depth=2), (1, 1, 8, 12, 8)),
    ("vnet-2ch", lambda: VNet(2, 2, base=4, depth=2, batch_norm=False), (1, 2, 8, 8, 8)),
]


@pytest.mark.parametrize("name, make, shape", MODELS, ids=[m[0] for m in MODELS])
def test_every_model_runs_in_onnx_runtime_with_tconvs_numbers(tmp_path, name, make, shape):
    model = _randomise_statistics(make())
    summary = export_onnx(model, tmp_path / "model.onnx", shape)
    assert summary["input"][1][0] == "batch" and isinstance(summary["input"][1][2], str)
    runtime = session((tmp_path / "model.onnx").read_bytes())
    rng = np.random.default_rng(1)
    odd = (1, shape[1]) + tuple(n + 3 for n in shape[2:])          # another batch, odd sizes: pads in the graph
    for x_shape in (shape, odd):
        x = rng.random(x_shape, dtype=np.float32)
        _assert_same(runtime.run(None, {"image": x})[0], _tconv_logits(model, x))


def test_a_fixed_size_graph_takes_only_that_size(tmp_path):
    model = _randomise_statistics(UNet(1, 2, base=2, depth=1))
    summary = export_onnx(model, tmp_path / "fixed.onnx", (1, 1, 8, 10), dynamic=False)
    assert summary["input"] == ("image", (1, 1, 8, 10)) and summary["output"] == ("logits", (1, 2, 8, 10))
    runtime = session((tmp_path / "fixed.onnx").read_bytes())
    x = np.random.default_rng(0).random((1, 1, 8, 10), dtype=np.float32)
    _assert_same(runtime.run(None, {"image": x})[0], _tconv_logits(model, x))
    with pytest.raises(Exception):
        runtime.run(None, {"image": np.zeros((1, 1, 8, 12), np.float32)})


def test_the_file_carries_the_class_names_and_the_configuration(tmp_path):
    model = UNet(1, 3, base=2, depth=1)
    export_onnx(model, tmp_path / "m.onnx", (1, 1, 8, 8), class_names=["bg", "disc", "cross"],
                preprocessing="grey, divided by 255")
    proto = onnx.load(tmp_path / "m.onnx")
    meta = {entry.key: entry.value for entry in proto.metadata_props}
    assert json.loads(meta["class_names"]) == ["bg", "disc", "cross"]
    assert json.loads(meta["tconv_config"]) == model.config()
    assert meta["preprocessing"] == "grey, divided by 255"
    assert [i.name for i in proto.graph.input] == ["image"] and [o.name for o in proto.graph.output] == ["logits"]


def test_export_refuses_what_it_cannot_do(tmp_path):
    model = UNet(1, 2, base=2, depth=2)
    with pytest.raises(ValueError, match="at least 4 pixels per side"):
        export_onnx(model, tmp_path / "a.onnx", (1, 1, 2, 8))
    with pytest.raises(ValueError, match="in_channels=1"):
        export_onnx(model, tmp_path / "a.onnx", (1, 3, 8, 8))
    (tmp_path / "taken.onnx").write_bytes(b"mine")
    with pytest.raises(FileExistsError, match="overwrite=True"):
        export_onnx(model, tmp_path / "taken.onnx", (1, 1, 8, 8))
    assert (tmp_path / "taken.onnx").read_bytes() == b"mine"
    with pytest.raises(TypeError, match="UNet, FCN and VNet"):
        export_onnx(object(), tmp_path / "b.onnx", (1, 1, 8, 8))
    assert not (tmp_path / "a.onnx").exists() and not (tmp_path / "b.onnx").exists()


# --------------------------------------------------------------------------- tconv export, as a user runs it


def _checkpoint(path, model, class_names):
    """A model.npz as tconv train writes it (trained weights are not needed: the statistics are random)."""
    from tconv.serialization import save
    from tconv.seg.train.recipe import check_config
    from tconv.seg.train.run import CHECKPOINT_FORMAT

    config = model.config()
    info = dict(num_classes=config["num_classes"], in_channels=config["in_channels"], class_names=class_names,
                spatial_dims=config["dim"])
    save(dict(format=CHECKPOINT_FORMAT, config=check_config({"model": config["model"]}), model_config=config,
              info=info, model=model.state_dict(), epoch=1), path)


def test_tconv_export_matches_tconv_predict(tmp_path, capsys):
    model = _randomise_statistics(UNet(1, 3, base=4, depth=2, batch_norm=True))
    _checkpoint(tmp_path / "model.npz", model, ["background", "disc", "cross"])
    rng = np.random.default_rng(3)
    inputs = tmp_path / "images"
    inputs.mkdir()
    for i, (h, w) in enumerate([(16, 16), (21, 13)]):
        Image.fromarray(rng.integers(0, 256, (h, w), dtype=np.uint8)).save(inputs / f"im{i}.png")
    assert main(["export", str(tmp_path / "model.npz"), "-o", str(tmp_path / "model.onnx")]) == 0
    printed = capsys.readouterr().out
    assert "checked with ONNX Runtime" in printed and "100.0% of pixels get the same class" in printed
    assert main(["predict", str(tmp_path / "model.npz"), str(inputs), "--out", str(tmp_path / "pred")]) == 0
    runtime = session((tmp_path / "model.onnx").read_bytes())
    for i in range(2):
        image = np.asarray(Image.open(inputs / f"im{i}.png"), np.float32)[None, None] / 255
        predicted = np.asarray(Image.open(tmp_path / "pred" / f"im{i}.png"))
        logits = runtime.run(None, {"image": image})[0]
        clear = np.diff(np.sort(logits, axis=1)[:, -2:], axis=1)[:, 0] > 1e-4
        assert np.array_equal(logits.argmax(axis=1)[0][clear[0]], predicted[clear[0]])


@pytest.mark.parametrize("argv, fragment", [
    (["-o", "{tmp}/m.npz"], "must end in .onnx"),
    (["-o", "{tmp}/taken.onnx"], "exists; add --overwrite"),
    (["-o", "{tmp}/nowhere/m.onnx"], "does not exist"),
    (["-o", "{tmp}/s.onnx", "--size", "2"], "--size 2"),
    (["-o", "{tmp}/s.onnx", "--size", "8", "8", "8"], "one side or 2 sides"),
])
def test_tconv_export_usage_errors_are_one_line(tmp_path, capsys, argv, fragment):
    _checkpoint(tmp_path / "model.npz", UNet(1, 2, base=2, depth=2), ["background", "thing"])
    (tmp_path / "taken.onnx").write_bytes(b"mine")
    code = main(["export", str(tmp_path / "model.npz"), *[a.format(tmp=tmp_path) for a in argv]])
    err = capsys.readouterr().err
    assert code == 2 and fragment in err and len(err.strip().splitlines()) == 1
    assert (tmp_path / "taken.onnx").read_bytes() == b"mine"


def test_without_the_onnx_package_the_command_says_how_to_install_it(tmp_path, capsys, monkeypatch):
    _checkpoint(tmp_path / "model.npz", UNet(1, 2, base=2, depth=1), ["background", "thing"])
    monkeypatch.setitem(__import__("sys").modules, "onnx", None)
    code = main(["export", str(tmp_path / "model.npz"), "-o", str(tmp_path / "m.onnx")])
    err = capsys.readouterr().err
    assert code == 2 and "pip install 'tconv[onnx]'" in err and not (tmp_path / "m.onnx").exists()


def test_a_valid_unet_crops_its_skips_in_the_graph_and_names_its_smaller_output(tmp_path):
    from tconv.seg.models import valid_input_sizes

    model = _randomise_statistics(UNet(1, 3, base=4, depth=2, padding="valid", batch_norm=True), seed=3)
    sizes = valid_input_sizes(2, 40, 80)
    summary = export_onnx(model, tmp_path / "valid.onnx", (1, 1, sizes[0], sizes[0]))
    assert summary["output"][1][2:] == ("out_height", "out_width")     # not the input's names: it is smaller
    runtime = session((tmp_path / "valid.onnx").read_bytes())
    rng = np.random.default_rng(2)
    for x_shape in ((1, 1, sizes[0], sizes[0]), (2, 1, sizes[3], sizes[-1])):
        x = rng.random(x_shape, dtype=np.float32)
        logits = _tconv_logits(model, x)
        assert logits.shape[2:] == model.output_size(x_shape[2:]) and logits.shape[2] < x_shape[2]
        _assert_same(runtime.run(None, {"image": x})[0], logits)
    fixed = export_onnx(model, tmp_path / "fixed.onnx", (1, 1, sizes[1], sizes[2]), dynamic=False)
    assert fixed["output"][1] == (1, 3, *model.output_size((sizes[1], sizes[2])))
    with pytest.raises(ValueError, match="cannot take a side of 45"):
        export_onnx(model, tmp_path / "odd.onnx", (1, 1, 45, 45))
    assert not (tmp_path / "odd.onnx").exists()


def test_a_unet_with_an_aspp_bottleneck_is_refused_by_name(tmp_path):
    with pytest.raises(ValueError, match="ASPP has no ONNX export"):
        export_onnx(UNet(1, 2, base=4, depth=2, bottleneck="aspp"), tmp_path / "aspp.onnx", (1, 1, 16, 16))
    assert not (tmp_path / "aspp.onnx").exists()
