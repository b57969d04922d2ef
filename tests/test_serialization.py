"""tconv.save / tconv.load: pickle-free .npz, flat and nested states, atomic writes."""
import os
import subprocess
import sys

import numpy as np
import pytest

import tconv
from tconv import serialization
from tconv.autograd import Tensor


def _listing(directory):
    return sorted(os.listdir(directory))


def test_flat_state_round_trip_keeps_names_order_dtypes_and_values(tmp_path):
    state = {"encoder.0.weight": np.arange(6, dtype=np.float32).reshape(2, 3),
             "encoder.0.bias": np.array([0.5, -1.0], np.float64),
             "bn.num_batches_tracked": np.array(7, np.int64)}
    path = tmp_path / "model.npz"
    tconv.save(state, path)
    loaded = tconv.load(path)
    assert list(loaded) == list(state)
    for name, value in state.items():
        assert loaded[name].dtype == value.dtype
        np.testing.assert_array_equal(loaded[name], value)
    with np.load(path, allow_pickle=False) as plain:          # an ordinary npz, PyTorch's names
        assert plain.files == list(state)


def test_tensors_are_stored_as_their_arrays(tmp_path):
    path = tmp_path / "t.npz"
    tconv.save({"w": Tensor(np.ones(3), requires_grad=True)}, path)
    loaded = tconv.load(path)["w"]
    assert isinstance(loaded, np.ndarray)
    np.testing.assert_array_equal(loaded, np.ones(3))


def test_nested_checkpoint_round_trip(tmp_path):
    checkpoint = {
        "model": {"0.weight": np.ones((2, 2), np.float32)},
        "optimizer": {"state": {0: {"step": 3, "exp_avg": np.full(2, 0.5)}},
                      "param_groups": [{"lr": 1e-3, "betas": (0.9, 0.999), "params": [0], "amsgrad": False}]},
        "epoch": 3, "note": "best", "best": None, "history": [0.5, 0.25],
    }
    path = tmp_path / "ckpt.npz"
    tconv.save(checkpoint, path)
    loaded = tconv.load(path)
    assert loaded["epoch"] == 3 and loaded["note"] == "best" and loaded["best"] is None
    assert loaded["history"] == [0.5, 0.25]
    group = loaded["optimizer"]["param_groups"][0]
    assert group == {"lr": 1e-3, "betas": (0.9, 0.999), "params": [0], "amsgrad": False}
    assert isinstance(group["betas"], tuple)
    state = loaded["optimizer"]["state"]
    assert list(state) == [0] and state[0]["step"] == 3                     # int keys survive
    np.testing.assert_array_equal(state[0]["exp_avg"], np.full(2, 0.5))
    np.testing.assert_array_equal(loaded["model"]["0.weight"], np.ones((2, 2)))
    with np.load(path, allow_pickle=False) as plain:                        # documented flat names
        assert "model/0.weight" in plain.files and "optimizer/state/0/exp_avg" in plain.files


def test_object_arrays_are_refused_and_leave_no_file(tmp_path):
    path = tmp_path / "bad.npz"
    with pytest.raises(TypeError, match="object array"):
        tconv.save({"w": np.array([1, "a"], dtype=object)}, path)
    with pytest.raises(TypeError, match="tconv.save stores"):
        tconv.save({"w": np.ones(2), "f": open}, path)
    assert _listing(tmp_path) == []


def test_load_never_unpickles(tmp_path):
    path = tmp_path / "pickled.npz"
    np.savez(path, w=np.array([{"a": 1}], dtype=object))
    with pytest.raises(ValueError, match="pickle; tconv never unpickles"):
        tconv.load(path)


def test_colliding_flattened_names_are_an_error(tmp_path):
    with pytest.raises(ValueError, match="collide"):
        tconv.save({"a": {"b": np.ones(1)}, "a/b": np.ones(1), "n": 1}, tmp_path / "c.npz")


def test_path_is_written_exactly_as_given(tmp_path):
    path = tmp_path / "weights.bin"
    tconv.save({"w": np.zeros(2)}, path)
    assert _listing(tmp_path) == ["weights.bin"]
    np.testing.assert_array_equal(tconv.load(path)["w"], np.zeros(2))


@pytest.mark.parametrize("failure", ["during_write", "at_rename"])
def test_a_failed_save_keeps_the_old_file_and_leaves_no_temporary(tmp_path, monkeypatch, failure):
    path = tmp_path / "model.npz"
    tconv.save({"w": np.ones(3)}, path)
    before = path.read_bytes()

    if failure == "during_write":
        def crash(file, arrays, compress):
            file.write(b"PK\x03\x04 half a zip")                             # partial bytes on disk
            raise OSError("disk full")
        monkeypatch.setattr(serialization.npz, "_write_npz", crash)
    else:
        def crash(src, dst):
            raise OSError("power cut")
        monkeypatch.setattr(os, "replace", crash)
    with pytest.raises(OSError):
        tconv.save({"w": np.zeros(3)}, path)
    assert path.read_bytes() == before
    assert _listing(tmp_path) == ["model.npz"]
    np.testing.assert_array_equal(tconv.load(path)["w"], np.ones(3))


def test_save_replaces_and_keeps_permissions(tmp_path):
    path = tmp_path / "m.npz"
    tconv.save({"w": np.ones(1)}, path)
    assert os.stat(path).st_mode & 0o777 == 0o644
    os.chmod(path, 0o640)
    tconv.save({"w": np.full(1, 2.0)}, path, compress=True)
    assert os.stat(path).st_mode & 0o777 == 0o640
    assert tconv.load(path)["w"][0] == 2.0


def test_model_state_dict_round_trip_through_a_file(tmp_path):
    from tconv import nn
    model = nn.Sequential(nn.Conv2d(1, 2, 3, rng=np.random.default_rng(0)), nn.BatchNorm2d(2))
    model[1].running_mean[...] = [0.5, -0.5]
    tconv.save(model.state_dict(), tmp_path / "m.npz")
    fresh = nn.Sequential(nn.Conv2d(1, 2, 3, rng=np.random.default_rng(1)), nn.BatchNorm2d(2))
    fresh.load_state_dict(tconv.load(tmp_path / "m.npz"))
    for (name, a), b in zip(model.state_dict().items(), fresh.state_dict().values()):
        np.testing.assert_array_equal(a, b, err_msg=name)


@pytest.mark.torch
def test_saved_weights_load_into_the_same_torch_network(tmp_path):
    torch = pytest.importorskip("torch")
    from tconv import nn
    model = nn.Sequential(nn.Conv2d(2, 3, 3, padding=1), nn.BatchNorm2d(3), nn.ConvTranspose2d(3, 1, 4, 2, 1))
    tconv.save(model.state_dict(), tmp_path / "m.npz")
    reference = torch.nn.Sequential(torch.nn.Conv2d(2, 3, 3, padding=1), torch.nn.BatchNorm2d(3),
                                    torch.nn.ConvTranspose2d(3, 1, 4, 2, 1))
    arrays = np.load(tmp_path / "m.npz", allow_pickle=False)
    reference.load_state_dict({k: torch.from_numpy(arrays[k]) for k in arrays.files})   # strict
    np.testing.assert_array_equal(reference[2].weight.detach().numpy(), model[2].weight.data)


def test_load_refuses_a_bare_npy_file_with_a_clear_error(tmp_path):
    path = tmp_path / "x.npy"
    np.save(path, np.ones(3))
    with pytest.raises(ValueError, match="not an .npz archive"):
        tconv.load(path)


def test_load_names_the_object_array_entry_it_refuses(tmp_path):
    path = tmp_path / "evil.npz"
    np.savez(path, fine=np.ones(2), evil=np.array([1, None], dtype=object))
    with pytest.raises(ValueError, match="'evil'.*never unpickles"):
        tconv.load(path)


# --------------------------------------------------------------------------- keys round-trip exactly


@pytest.mark.parametrize("nested", [False, True])
def test_keys_that_differ_by_a_npy_suffix_round_trip(tmp_path, nested):
    state = {"x.npy": np.ones(2), "x": np.zeros(3), "": np.full(1, 7.0), "a.npy.npy": np.arange(4.0)}
    if nested:
        state = {"model": state, "epoch": 1}
    path = tmp_path / "k.npz"
    tconv.save(state, path)
    loaded = tconv.load(path)
    flat = loaded["model"] if nested else loaded
    original = state["model"] if nested else state
    assert list(flat) == list(original)
    for key, value in original.items():
        np.testing.assert_array_equal(flat[key], value)


@pytest.mark.parametrize("state", [{"a\x00b": np.ones(1)}, {"m": {"a\x00b": np.ones(1)}, "n": 1}])
def test_a_key_with_nul_is_refused(tmp_path, state):
    with pytest.raises(ValueError, match="NUL"):
        tconv.save(state, tmp_path / "nul.npz")
    assert _listing(tmp_path) == []


# --------------------------------------------------------------------------- the file system


def test_a_read_only_file_is_not_replaced(tmp_path):
    path = tmp_path / "frozen.npz"
    tconv.save({"w": np.ones(2)}, path)
    os.chmod(path, 0o444)
    try:
        with pytest.raises(PermissionError, match="read-only"):
            tconv.save({"w": np.zeros(2)}, path)
        np.testing.assert_array_equal(tconv.load(path)["w"], np.ones(2))
    finally:
        os.chmod(path, 0o644)
    assert _listing(tmp_path) == ["frozen.npz"]


def test_a_temporary_file_left_by_a_killed_save_is_cleaned_up(tmp_path):
    path = tmp_path / "model.npz"
    # A save that was killed leaves .model.npz.<pid>.<random>.tmp behind; that pid is gone.
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True,
                          text=True, check=True).stdout.strip()
    stale = tmp_path / f".model.npz.{dead}.0123abcd.tmp"
    stale.write_bytes(b"half a zip")
    tconv.save({"w": np.ones(2)}, path)
    assert _listing(tmp_path) == ["model.npz"]


def test_a_temporary_file_of_a_live_process_is_left_alone(tmp_path):
    live = tmp_path / f".model.npz.{os.getppid()}.0123abcd.tmp"
    live.write_bytes(b"in progress")
    tconv.save({"w": np.ones(2)}, tmp_path / "model.npz")
    assert live.exists()


def test_new_files_follow_the_umask(tmp_path):
    old = os.umask(0o077)
    try:
        tconv.save({"w": np.ones(2)}, tmp_path / "private.npz")
    finally:
        os.umask(old)
    assert os.stat(tmp_path / "private.npz").st_mode & 0o777 == 0o600
    old = os.umask(0o022)
    try:
        tconv.save({"w": np.ones(2)}, tmp_path / "shared.npz")
    finally:
        os.umask(old)
    assert os.stat(tmp_path / "shared.npz").st_mode & 0o777 == 0o644


def test_saving_to_a_symlink_writes_through_it(tmp_path):
    target = tmp_path / "real.npz"
    tconv.save({"w": np.ones(2)}, target)
    link = tmp_path / "link.npz"
    link.symlink_to(target)
    tconv.save({"w": np.zeros(2)}, link)
    assert link.is_symlink()
    np.testing.assert_array_equal(tconv.load(target)["w"], np.zeros(2))


@pytest.mark.parametrize("content, match", [
    (b"", "empty"),
    (b"epoch,loss\n1,0.5\n", "not an .npz archive"),
    (bytes(range(256)) * 4, "not an .npz archive"),
    ("TRUNCATED", "damaged or truncated"),
])
def test_every_load_error_names_the_path_and_the_problem(tmp_path, content, match):
    path = tmp_path / "bad.npz"
    if content == "TRUNCATED":
        tconv.save({"w": np.ones(1000)}, tmp_path / "good.npz")
        content = (tmp_path / "good.npz").read_bytes()[:300]
    path.write_bytes(content)
    with pytest.raises(ValueError, match=match) as error:
        tconv.load(path)
    assert str(path) in str(error.value)


def test_loading_a_folder_or_a_missing_file_names_it(tmp_path):
    with pytest.raises(IsADirectoryError, match=str(tmp_path)):
        tconv.load(tmp_path)
    with pytest.raises(FileNotFoundError, match="nope.npz"):
        tconv.load(tmp_path / "nope.npz")
