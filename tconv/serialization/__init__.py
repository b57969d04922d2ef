"""Saving and loading: the ``.npz`` format of weights and checkpoints, and atomic file writing.

* :mod:`.npz`: :func:`save` and :func:`load` (``tconv.save`` / ``tconv.load``): a flat
  ``state_dict`` as an ordinary ``.npz`` with PyTorch's names, a nested checkpoint flattened
  with its structure as JSON; never pickle;
* :mod:`.atomic`: :func:`atomic_write`, the temporary-file-then-rename scheme every file tconv
  writes goes through, so a crash never leaves half a file.

>>> import os, tempfile, numpy as np
>>> with tempfile.TemporaryDirectory() as folder:
...     path = os.path.join(folder, "ckpt.npz")
...     save({"model": {"0.weight": np.ones((2, 3))}, "epoch": 3}, path)
...     load(path)["epoch"]
3
"""
from .atomic import atomic_write
from .npz import SEPARATOR, STRUCTURE_KEY, load, save

__all__ = ["save", "load", "atomic_write", "SEPARATOR", "STRUCTURE_KEY"]
