"""The ``.npz`` format of weights and checkpoints: :func:`save` and :func:`load`, no pickle.

``save(state, path)`` takes a dict. A *flat* dict of arrays, such as ``model.state_dict()``,
is stored one array per key under exactly that key, so the file is an ordinary ``.npz`` that
``numpy.load`` opens and whose keys are PyTorch's ``state_dict`` names::

    sd = {k: torch.from_numpy(v) for k, v in np.load("model.npz").items()}
    torch_model.load_state_dict(sd)

A *nested* checkpoint such as ``{"model": model.state_dict(), "optimizer": opt.state_dict(),
"epoch": 3}`` is flattened: each array is stored under its path joined with ``SEPARATOR``
(``"/"``, e.g. ``model/encoder.0.weight``), and the rest of the structure (dicts, lists,
tuples, ints, floats, bools, strings, ``None``) goes into one JSON string stored as the array
``STRUCTURE_KEY``; :func:`load` rebuilds the same object. Tensors are stored as their arrays.

Safety: arrays are read with ``allow_pickle=False`` and object arrays are refused when saving,
so loading a file can never run code. Keys round-trip exactly (each array is the zip member
``KEY.npy``, read back by that exact name); a key containing NUL is refused. Saving is atomic
(:func:`~tconv.serialization.atomic.atomic_write`: written and fsynced next to the target, then
renamed over it), so a crash mid-save leaves the previous file intact. Every load error names
the path and what is wrong with the file.

>>> import os, tempfile, numpy as np
>>> folder = tempfile.TemporaryDirectory()
>>> path = os.path.join(folder.name, "ckpt.npz")
>>> save({"model": {"0.weight": np.ones((2, 3))}, "epoch": 3}, path)
>>> ckpt = load(path)
>>> ckpt["epoch"], ckpt["model"]["0.weight"].shape
(3, (2, 3))
>>> with np.load(path, allow_pickle=False) as archive:
...     sorted(archive.files)
['__tconv_structure__', 'model/0.weight']
>>> folder.cleanup()
"""
from __future__ import annotations

import json
import os
import zipfile
import zlib
from collections import OrderedDict
from collections.abc import Mapping

import numpy as np

from .atomic import atomic_write

__all__ = ["save", "load", "SEPARATOR", "STRUCTURE_KEY"]

SEPARATOR = "/"
STRUCTURE_KEY = "__tconv_structure__"
_FORMAT = 1


def _as_array(value, where: str):
    """``value`` as an ndarray if it is array-like data (ndarray, NumPy scalar, Tensor), else None."""
    if isinstance(value, (np.ndarray, np.generic)):
        array = np.asarray(value)
    elif isinstance(getattr(value, "data", None), np.ndarray):       # tconv Tensor / Parameter
        array = value.data
    elif type(value).__module__.startswith("torch"):                 # a torch.Tensor, without importing torch
        array = value.detach().cpu().numpy()
    else:
        return None
    if array.dtype.hasobject:
        raise TypeError(f"{where} is an object array (dtype {array.dtype}); tconv.save stores numeric "
                        "arrays only, because loading object arrays would need pickle")
    return array


def _check_key(key, where: str) -> None:
    if isinstance(key, str) and "\x00" in key:
        raise ValueError(f"{where}: key {key!r} contains a NUL character, which a zip member name cannot hold")


def _is_flat(state: Mapping) -> bool:
    return all(isinstance(k, str) and k != STRUCTURE_KEY for k in state) and all(
        _as_array(v, repr(k)) is not None for k, v in state.items())


def _flatten(node, path: list, arrays: dict):
    """JSON skeleton of ``node``; arrays are moved into ``arrays`` under their joined path."""
    where = SEPARATOR.join(map(str, path)) or "state"
    array = _as_array(node, where)
    if array is not None:
        if where in arrays or where == STRUCTURE_KEY:
            raise ValueError(f"two entries are both stored as {where!r}; keys must not contain {SEPARATOR!r} "
                             "in a way that makes flattened names collide")
        arrays[where] = array
        return {"__array__": where}
    if isinstance(node, Mapping):
        items = []
        for key, value in node.items():
            if isinstance(key, bool) or not isinstance(key, (str, int)):
                raise TypeError(f"{where}: dict keys must be str or int, got {key!r}")
            _check_key(key, where)
            items.append([key, _flatten(value, path + [key], arrays)])
        return {"__dict__": items}
    if isinstance(node, (list, tuple)):
        items = [_flatten(value, path + [i], arrays) for i, value in enumerate(node)]
        return {"__tuple__": items} if isinstance(node, tuple) else items
    if node is None or isinstance(node, (bool, int, float, str)):
        return node
    raise TypeError(f"{where} has type {type(node).__name__}; tconv.save stores arrays, dicts, lists, "
                    "tuples, numbers, strings and None")


def _unflatten(node, arrays: Mapping):
    if isinstance(node, list):
        return [_unflatten(value, arrays) for value in node]
    if isinstance(node, dict):
        if "__array__" in node:
            return arrays[node["__array__"]]
        if "__tuple__" in node:
            return tuple(_unflatten(value, arrays) for value in node["__tuple__"])
        return OrderedDict((key, _unflatten(value, arrays)) for key, value in node["__dict__"])
    return node


def _write_npz(file, arrays: Mapping, compress: bool) -> None:
    """Write ``arrays`` as an ``.npz`` zip into the open binary ``file`` (never pickles)."""
    mode = zipfile.ZIP_DEFLATED if compress else zipfile.ZIP_STORED
    with zipfile.ZipFile(file, mode="w", compression=mode, allowZip64=True) as archive:
        for name, array in arrays.items():
            with archive.open(name + ".npy", mode="w", force_zip64=True) as member:
                np.lib.format.write_array(member, np.asanyarray(array), allow_pickle=False)


def save(state: Mapping, path, *, compress: bool = False) -> None:
    """Write ``state`` (a dict, flat or nested; see the module docstring) to ``path`` atomically.

    The file is written to exactly ``path`` (no suffix is added; ``.npz`` is the convention).
    ``compress=True`` deflates the arrays. Raises ``TypeError`` for object arrays and other
    values that cannot be stored without pickle, ``ValueError`` for keys that cannot round-trip,
    and ``PermissionError`` for a read-only target.

    >>> import os, tempfile
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     path = os.path.join(folder, "weights.npz")
    ...     save({"0.weight": np.ones((4, 1, 3, 3)), "0.bias": np.zeros(4)}, path)   # flat: one array per key
    ...     with np.load(path) as archive:
    ...         print(archive.files)
    ['0.weight', '0.bias']
    """
    if not isinstance(state, Mapping):
        raise TypeError(f"tconv.save expects a dict (e.g. model.state_dict()), got {type(state).__name__}")
    if _is_flat(state):
        for key in state:
            _check_key(key, "tconv.save")
        arrays = OrderedDict((key, _as_array(value, repr(key))) for key, value in state.items())
    else:
        arrays = OrderedDict()
        skeleton = _flatten(state, [], arrays)
        structure = json.dumps({"format": _FORMAT, "separator": SEPARATOR, "root": skeleton})
        arrays[STRUCTURE_KEY] = np.array(structure)
    def write(temporary: str) -> None:
        with open(temporary, "wb") as file:
            _write_npz(file, arrays, compress)
            file.flush()
            os.fsync(file.fileno())

    atomic_write(path, write)


_ZIP_MAGIC = (b"PK\x03\x04", b"PK\x05\x06")
_NPY_MAGIC = b"\x93NUMPY"


def _read_arrays(path: str, shown: str) -> "OrderedDict[str, np.ndarray]":
    """Every member ``KEY.npy`` of the archive at ``path`` under its exact key (never unpickles)."""
    with open(path, "rb") as file:
        head = file.read(6)
    if not head:
        raise ValueError(f"tconv.load({shown}): the file is empty (0 bytes), not a checkpoint")
    if head.startswith(_NPY_MAGIC):
        raise ValueError(f"tconv.load({shown}): the file holds one .npy array, not an .npz archive "
                         "written by tconv.save; read it with numpy.load")
    if not head.startswith(_ZIP_MAGIC):
        raise ValueError(f"tconv.load({shown}): not an .npz archive (it starts with {head!r}, an .npz file "
                         "starts with b'PK'); tconv checkpoints are written by tconv.save")
    arrays = OrderedDict()
    try:
        with zipfile.ZipFile(path) as archive:
            for info in archive.infolist():
                if not info.filename.endswith(".npy"):
                    raise ValueError(f"tconv.load({shown}): member {info.filename!r} is not a .npy array; "
                                     "the file is a zip archive but not an .npz written by tconv.save or numpy")
                with archive.open(info) as member:
                    try:
                        arrays[info.filename[:-4]] = np.lib.format.read_array(member, allow_pickle=False)
                    except ValueError as error:
                        if "allow_pickle" in str(error) or "Object arrays" in str(error):
                            raise ValueError(f"tconv.load({shown}): entry {info.filename[:-4]!r} holds Python "
                                             "objects that can only be read with pickle; tconv never unpickles") from None
                        raise
    except (zipfile.BadZipFile, EOFError, zlib.error, OSError, ValueError) as error:
        if isinstance(error, ValueError) and str(error).startswith("tconv.load("):
            raise
        raise ValueError(f"tconv.load({shown}): the archive is damaged or truncated ({type(error).__name__}: "
                         f"{error})") from None
    return arrays


def load(path):
    """Read a file written by :func:`save` (or any pickle-free ``.npz``).

    Returns an ``OrderedDict`` name -> ndarray for a flat file, or the nested object that was
    saved. A missing file raises ``FileNotFoundError``; anything that is not an intact,
    pickle-free ``.npz`` archive raises ``ValueError`` naming the path and the problem.

    >>> import os, tempfile
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     path = os.path.join(folder, "ckpt.npz")
    ...     save({"model": {"w": np.arange(3.0)}, "epoch": 7, "betas": (0.9, 0.999)}, path)
    ...     ckpt = load(path)
    >>> ckpt["epoch"], ckpt["betas"], ckpt["model"]["w"]
    (7, (0.9, 0.999), array([0., 1., 2.]))
    """
    shown = repr(os.fspath(path))
    if os.path.isdir(path):
        raise IsADirectoryError(f"tconv.load({shown}): this is a directory, not a checkpoint file")
    if not os.path.exists(path):
        raise FileNotFoundError(f"tconv.load({shown}): no such file")
    arrays = _read_arrays(os.fspath(path), shown)
    if STRUCTURE_KEY not in arrays:
        return arrays
    try:
        structure = json.loads(str(arrays.pop(STRUCTURE_KEY)))
        if structure.get("format") != _FORMAT:
            raise ValueError(f"unknown tconv checkpoint format {structure.get('format')!r}")
        return _unflatten(structure["root"], arrays)
    except (ValueError, KeyError, TypeError, AttributeError) as error:
        raise ValueError(f"tconv.load({shown}): the checkpoint's structure is not readable ({error})") from None
