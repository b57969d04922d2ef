"""Reproducible randomness: one default NumPy generator for the whole library.

Every function that draws random numbers (the initialisers in :mod:`tconv.nn.init`,
the layers' default initialisation, dropout, data augmentation) takes an optional
``rng`` (a :class:`numpy.random.Generator`). When ``rng`` is ``None`` they draw from the
module-level default generator, which :func:`manual_seed` resets, as ``torch.manual_seed``
does. Like PyTorch, the default generator starts from a fixed seed, so a fresh process is
reproducible even without calling :func:`manual_seed`.

>>> _ = manual_seed(0)
>>> a = default_generator().random()
>>> _ = manual_seed(0)
>>> a == default_generator().random()
True
"""
from __future__ import annotations

import numpy as np

__all__ = ["manual_seed", "initial_seed", "default_generator", "get_generator", "DEFAULT_SEED"]

DEFAULT_SEED = 0

_state = {"seed": DEFAULT_SEED, "generator": np.random.default_rng(DEFAULT_SEED)}


def manual_seed(seed: int) -> np.random.Generator:
    """Reset the default generator to ``seed`` and return it.

    >>> int(manual_seed(3).integers(10)) == int(manual_seed(3).integers(10))
    True
    """
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ValueError(f"seed must be a non-negative integer, got {seed!r}")
    _state["seed"] = int(seed)
    _state["generator"] = np.random.default_rng(int(seed))
    return _state["generator"]


def initial_seed() -> int:
    """The seed the default generator was last reset to (``DEFAULT_SEED`` at start-up).

    >>> _ = manual_seed(7); initial_seed()
    7
    """
    return _state["seed"]


def default_generator() -> np.random.Generator:
    """The library's default :class:`numpy.random.Generator`.

    >>> g = manual_seed(0)
    >>> default_generator() is g
    True
    >>> default_generator().random() == np.random.default_rng(0).random()
    True
    """
    return _state["generator"]


def get_generator(rng: np.random.Generator | None = None) -> np.random.Generator:
    """``rng`` itself, or the default generator when ``rng`` is ``None``.

    >>> g = np.random.default_rng(1)
    >>> get_generator(g) is g, get_generator() is default_generator()
    (True, True)
    """
    if rng is None:
        return _state["generator"]
    if not isinstance(rng, np.random.Generator):
        raise TypeError(f"rng must be a numpy.random.Generator (np.random.default_rng(seed)), "
                        f"got {type(rng).__name__}")
    return rng
