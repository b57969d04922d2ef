"""Save and load weights and checkpoints as ``.npz`` files: no pickle, written atomically.

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

Safety: files are read with ``np.load(..., allow_pickle=False)`` and object arrays are refused
when saving, so loading a file can never run code. Saving writes a temporary file in the
target's directory, flushes and fsyncs it, then ``os.replace``-s it over the target, so a
crash mid-save leaves the previous file intact (and the temporary file is removed).

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
import tempfile
import zipfile
from collections import OrderedDict
from collections.abc import Mapping

import numpy as np

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


def _fsync_directory(directory: str) -> None:
    try:                                   # make the rename itself durable (POSIX); best effort
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def save(state: Mapping, path, *, compress: bool = False) -> None:
    """Write ``state`` (a dict, flat or nested; see the module docstring) to ``path`` atomically.

    The file is written to exactly ``path`` (no suffix is added; ``.npz`` is the convention).
    ``compress=True`` deflates the arrays. Raises ``TypeError`` for object arrays and other
    values that cannot be stored without pickle.

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
        arrays = OrderedDict((key, _as_array(value, repr(key))) for key, value in state.items())
    else:
        arrays = OrderedDict()
        skeleton = _flatten(state, [], arrays)
        structure = json.dumps({"format": _FORMAT, "separator": SEPARATOR, "root": skeleton})
        arrays[STRUCTURE_KEY] = np.array(structure)
    path = os.fspath(path)
    directory = os.path.dirname(os.path.abspath(path))
    fd, temporary = tempfile.mkstemp(dir=directory, prefix="." + os.path.basename(path) + ".", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as file:
            _write_npz(file, arrays, compress)
            file.flush()
            os.fsync(file.fileno())
        # mkstemp creates the file 0600; give it the old file's mode, or the usual 0644
        os.chmod(temporary, os.stat(path).st_mode & 0o777 if os.path.exists(path) else 0o644)
        os.replace(temporary, path)
    except BaseException:
        try:
            os.unlink(temporary)
        except FileNotFoundError:
            pass
        raise
    _fsync_directory(directory)


def load(path):
    """Read a file written by :func:`save` (or any pickle-free ``.npz``).

    Returns an ``OrderedDict`` name -> ndarray for a flat file, or the nested object that was
    saved. Object arrays are refused by ``np.load(allow_pickle=False)`` with a ``ValueError``.

    >>> import os, tempfile
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     path = os.path.join(folder, "ckpt.npz")
    ...     save({"model": {"w": np.arange(3.0)}, "epoch": 7, "betas": (0.9, 0.999)}, path)
    ...     ckpt = load(path)
    >>> ckpt["epoch"], ckpt["betas"], ckpt["model"]["w"]
    (7, (0.9, 0.999), array([0., 1., 2.]))
    """
    archive = np.load(os.fspath(path), allow_pickle=False)
    if not isinstance(archive, np.lib.npyio.NpzFile):     # a single .npy array, not a checkpoint
        raise ValueError(f"tconv.load({path!r}): the file holds one .npy array, not an .npz archive "
                         "written by tconv.save; read it with numpy.load")
    arrays = OrderedDict()
    with archive:
        for name in archive.files:
            try:
                arrays[name] = archive[name]
            except ValueError as error:                    # an object (pickled) array
                raise ValueError(f"tconv.load({path!r}): entry {name!r} cannot be read without pickle "
                                 f"({error}); tconv never unpickles") from None
    if STRUCTURE_KEY not in arrays:
        return arrays
    structure = json.loads(str(arrays.pop(STRUCTURE_KEY)))
    if structure.get("format") != _FORMAT:
        raise ValueError(f"{path}: unknown tconv checkpoint format {structure.get('format')!r}")
    return _unflatten(structure["root"], arrays)
