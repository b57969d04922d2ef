"""How much memory a model needs for an input size, measured before any large array is made.

A fully convolutional network's memory grows with the number of pixels: every feature map,
every unfolded patch matrix, every saved activation is a fixed number of bytes per pixel of
the input. :func:`bytes_per_pixel` measures that number once, on a small probe input,
with :mod:`tracemalloc` (which counts NumPy's allocations), and the estimates scale it:

* inference (``tconv predict``, validation): ``bytes_per_pixel(model, training=False) * H * W * N``;
* one training step: ``bytes_per_pixel(model, training=True) * H * W * N`` (the forward's saved
  activations plus the backward's gradients).

The probe runs on a copy of the model built from its ``config()`` so the model's weights,
running statistics and random state are untouched. :func:`check_memory` compares an estimate
with a limit (by default three quarters of this machine's memory, :func:`default_limit`) and
raises a ``ValueError`` that says how much was asked for and how to ask for less.

>>> from tconv.seg.models import UNet
>>> per_pixel = bytes_per_pixel(UNet(base=4, depth=2), training=False)
>>> 100 < per_pixel < 2000          # a few feature maps of 4-16 float32 channels per pixel
True
"""
from __future__ import annotations

import math
import os
import tracemalloc

import numpy as np

__all__ = ["bytes_per_pixel", "default_limit", "check_memory", "format_bytes", "GIB", "PEAK_FACTOR"]

GIB = 2 ** 30
#: The process's peak, measured (RSS), against the NumPy arrays the probe counts: about 1.7-2.5x
#: on training runs, predictions and evaluations of large images (the interpreter, the libraries,
#: Numba's and BLAS's own buffers, and the previous batch's arrays until they are freed). The
#: estimates multiply by it, so a limit holds for the process and not only for its arrays.
PEAK_FACTOR = 2.5
_CACHE: dict = {}


def format_bytes(count: float) -> str:
    """``count`` bytes in words a user reads at a glance.

    >>> format_bytes(3 * 2**30), format_bytes(50 * 2**20), format_bytes(74.5 * 2**30), format_bytes(2**17)
    ('3.0 GiB', '50 MiB', '74.5 GiB', '0.12 MiB')
    """
    if count >= GIB:
        return f"{count / GIB:.1f} GiB"
    if count >= 10 * 2**20:
        return f"{round(count / 2**20)} MiB"
    return f"{count / 2**20:.2g} MiB"


def default_limit() -> int:
    """Three quarters of this machine's physical memory, in bytes (8 GiB where it cannot be read)."""
    try:
        total = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError, AttributeError):
        total = 0
    return int(0.75 * total) if total > 0 else 8 * GIB


def _probe_side(config: dict, side: int | None = None) -> int:
    """A probe input's side: the input's own ``side`` up to 128 (volumes 24), and >= 4 cells at the deepest level.

    Large enough that every layer runs the method it runs on the real input (the choice of
    factorization depends on the size), small enough to take a fraction of a second and
    little memory: a 32 x 32 run is probed at 32 x 32.
    """
    halvings = config.get("depth", 3)
    largest = 128 if config["dim"] == 2 else 24
    side = max(4 * 2 ** halvings, min(largest, side or largest))
    if config.get("padding") == "valid":          # the paper's U-Net takes only some sizes
        from ..models import valid_input_sizes

        side = valid_input_sizes(halvings, side, side + 64 * 2 ** halvings)[0]
    return side


def bytes_per_pixel(model, training: bool, side: int | None = None) -> float:
    """Peak bytes NumPy allocates per input pixel (voxel) for one image through ``model``.

    ``model`` is a segmentation model or its ``config()`` dict; ``side`` the input's side (the
    probe's size follows it, see :func:`_probe_side`). ``training=True`` measures a
    forward and backward pass in training mode, ``False`` a forward pass in evaluation mode
    without gradients. Measured on a new model built from the configuration
    (:func:`~tconv.seg.models.build_model`, the random state put back afterwards) with a
    seeded probe input, on its second run (the first compiles the kernels); cached per
    configuration. The probe's fixed costs (weights, buffers) are counted as if they grew with
    the input, so large inputs are overestimated a little rather than under.
    """
    from ...autograd import Tensor, no_grad
    from ... import random as tconv_random
    from ..models import build_model

    config = dict(model if isinstance(model, dict) else model.config())
    probe_side = _probe_side(config, side)
    key = (tuple(sorted(config.items())), bool(training), probe_side)
    if key in _CACHE:
        return _CACHE[key]
    generator = tconv_random.default_generator()
    state = generator.bit_generator.state           # the probe's initial weights must not move the seed
    probe = build_model(dict(config))
    generator.bit_generator.state = state
    side = probe_side
    dim = config["dim"]
    shape = (1, config["in_channels"]) + (side,) * dim
    x = np.random.default_rng(0).random(shape, dtype=np.float32)

    def run_probe():
        if training:
            probe.train()
            probe(Tensor(x)).sum().backward()
        else:
            probe.eval()
            with no_grad():
                probe(Tensor(x))

    run_probe()                                      # the first run compiles kernels: not counted
    was_tracing = tracemalloc.is_tracing()
    if not was_tracing:
        tracemalloc.start()
    tracemalloc.reset_peak()
    before = tracemalloc.get_traced_memory()[0]
    try:
        run_probe()
        peak = tracemalloc.get_traced_memory()[1] - before
    finally:
        if not was_tracing:
            tracemalloc.stop()
    _CACHE[key] = PEAK_FACTOR * peak / side ** dim
    return _CACHE[key]


def check_memory(what: str, needed: float, limit: int | None, advice: str, flag: str = "--max-memory") -> None:
    """A ``ValueError`` when ``needed`` bytes exceed ``limit`` (default :func:`default_limit`).

    >>> check_memory("predicting big.png (20000 x 20000)", 80 * GIB, 16 * GIB, "resize it")
    Traceback (most recent call last):
    ...
    ValueError: predicting big.png (20000 x 20000) needs about 80.0 GiB, more than the limit of 16.0 GiB (--max-memory): resize it
    """
    limit = default_limit() if limit is None else limit
    if not math.isfinite(needed) or needed > limit:
        raise ValueError(f"{what} needs about {format_bytes(needed)}, more than the limit of {format_bytes(limit)} "
                         f"({flag}): {advice}")
