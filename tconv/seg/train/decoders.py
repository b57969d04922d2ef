"""Checkerboards in a trained network: five small decoders trained side by side, the artifact measured as they learn.

The evidence Distill's article (Odena, Dumoulin & Olah 2016) rests on, in miniature. Each
network is the same two-layer encoder followed by one x2 upsampler that writes the output:

* ``"k3s2"``: a transposed convolution, kernel 3, stride 2 (uneven overlap: phases of 4, 2, 2, 1 taps);
* ``"k4s2"``: kernel 4, stride 2 (even overlap, but four independent sub-kernels);
* ``"resize"``: nearest resize x2, then a 3x3 convolution (every phase sees every tap);
* ``"shuffle"``: a 3x3 convolution to 4 channels, then a pixel shuffle (Shi et al. 2016): four
  independent sub-kernels, like ``k4s2``;
* ``"shuffle_icnr"``: the same, initialised with ICNR (Aitken et al. 2017; the bias repeated
  per phase too), so it starts as nearest upsampling of a convolution.

The task: super-resolution x2 of smooth images (random Gaussian blobs, 32 x 32, from their
2x2 averages), with the mean squared error. After each of a few steps the study records, per
decoder, the test loss, :func:`~tconv.seg.metrics.checkerboard_energy` of its outputs on the
test images, and :func:`~tconv.seg.metrics.phase_spread` of its output for a *flat* input
(a constant image, where the ideal output is flat too: the artifact shows there first,
hidden elsewhere under the image's own detail), with the outputs themselves for the pictures
and the animation (:mod:`tconv.viz.checkerboards`).

>>> study = train_decoders(["resize", "shuffle_icnr"], steps=4, snapshots=(0, 4))
>>> study.runs["shuffle_icnr"].spread[0]                  # ICNR starts flat: every phase equal
0.0
>>> [len(run.flat) for run in study.runs.values()]
[2, 2]
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from ..._checks import check_choice, check_int, check_number
from ...autograd import Tensor, no_grad
from ... import nn
from ...ops import avg_pool2d
from ...optim import Adam
from ..metrics.checkerboard import checkerboard_energy, phase_spread

__all__ = ["DECODERS", "LABELS", "DecoderRun", "DecoderStudy", "decoder_network", "smooth_images",
           "train_decoders", "default_snapshots"]

#: The decoders, in the order the figures show them.
DECODERS = ("k3s2", "k4s2", "resize", "shuffle", "shuffle_icnr")
#: What the figures call them.
LABELS = {"k3s2": "transposed conv k=3, s=2", "k4s2": "transposed conv k=4, s=2", "resize": "nearest resize + conv",
          "shuffle": "conv + pixel shuffle", "shuffle_icnr": "conv + pixel shuffle, ICNR"}
#: The value of the flat test input.
FLAT_VALUE = 0.25
#: Pixels left out on each side when measuring the flat output (zero padding darkens the border).
BORDER = 6


def smooth_images(n: int, size: int = 32, seed: int = 0, blobs: int = 4) -> np.ndarray:
    """``(n, 1, size, size)`` float32 images, each a sum of ``blobs`` Gaussian blobs (width 2-6 pixels, height -1..1).

    >>> smooth_images(2, 16).shape
    (2, 1, 16, 16)
    """
    n, size = check_int("n", n, minimum=1), check_int("size", size, minimum=2)
    rng = np.random.default_rng(seed)
    rows, columns = np.mgrid[0:size, 0:size]
    out = np.zeros((n, 1, size, size), np.float32)
    for image in out:
        for _ in range(blobs):
            r, c = rng.uniform(0, size, 2)
            width, height = rng.uniform(2, 6), rng.uniform(-1, 1)
            image[0] += height * np.exp(-((rows - r) ** 2 + (columns - c) ** 2) / (2 * width ** 2))
    return out


def decoder_network(kind: str, channels: int = 8, seed: int = 0) -> nn.Sequential:
    """The encoder ``conv 3x3 -> ReLU -> conv 3x3 -> ReLU`` (``channels`` wide) and the x2 upsampler ``kind``.

    ``(N, 1, H, W) -> (N, 1, 2H, 2W)``. The encoder's weights depend only on ``seed``, so
    every decoder starts from the same encoder.

    >>> decoder_network("k3s2", channels=4)(np.zeros((1, 1, 5, 5), np.float32)).shape
    (1, 1, 10, 10)
    """
    check_choice("kind", kind, DECODERS)
    channels = check_int("channels", channels, minimum=1)
    encoder_rng, decoder_rng = np.random.default_rng(seed), np.random.default_rng(seed + 1)
    encoder = [nn.Conv2d(1, channels, 3, padding=1, rng=encoder_rng), nn.ReLU(),
               nn.Conv2d(channels, channels, 3, padding=1, rng=encoder_rng), nn.ReLU()]
    if kind == "k3s2":
        decoder = [nn.ConvTranspose2d(channels, 1, 3, stride=2, padding=1, output_padding=1, rng=decoder_rng)]
    elif kind == "k4s2":
        decoder = [nn.ConvTranspose2d(channels, 1, 4, stride=2, padding=1, rng=decoder_rng)]
    elif kind == "resize":
        decoder = [nn.Upsample(scale_factor=2, mode="nearest"), nn.Conv2d(channels, 1, 3, padding=1, rng=decoder_rng)]
    else:
        conv = nn.Conv2d(channels, 4, 3, padding=1, rng=decoder_rng)
        if kind == "shuffle_icnr":
            nn.init.icnr_(conv.weight, 2, rng=decoder_rng,
                          initializer=lambda t, rng=None: nn.init.kaiming_uniform_(t, a=math.sqrt(5), rng=rng))
            conv.bias.data[...] = np.repeat(conv.bias.data[::4], 4)      # one bias per output channel, four times
        decoder = [conv, nn.PixelShuffle(2)]
    return nn.Sequential(*encoder, *decoder)


def default_snapshots(steps: int) -> tuple[int, ...]:
    """About fourteen steps from 0 to ``steps``, denser at the start (where the artifact changes fastest).

    >>> default_snapshots(100)
    (0, 2, 4, 8, 12, 18, 25, 35, 45, 55, 65, 75, 85, 100)
    """
    points = {0, steps}
    for fraction in (0.02, 0.04, 0.08, 0.12, 0.18, 0.25, 0.35, 0.45, 0.55, 0.65, 0.75, 0.85):
        points.add(int(round(fraction * steps)))
    return tuple(sorted(points))


@dataclass
class DecoderRun:
    """One decoder's record: at each of ``steps``, the test loss, the mean ``energy`` at the stride's
    frequencies, the flat input's ``spread`` (interior phase range), and the outputs ``flat`` and ``test``."""

    kind: str
    steps: list = field(default_factory=list)
    loss: list = field(default_factory=list)
    energy: list = field(default_factory=list)
    spread: list = field(default_factory=list)
    flat: list = field(default_factory=list)
    test: list = field(default_factory=list)

    @property
    def label(self) -> str:
        return LABELS[self.kind]


@dataclass
class DecoderStudy:
    """What :func:`train_decoders` returns: one :class:`DecoderRun` per decoder and the test data."""

    runs: dict
    test_input: np.ndarray
    test_target: np.ndarray
    target_energy: float
    flat_value: float = FLAT_VALUE

    @property
    def steps(self) -> list:
        return next(iter(self.runs.values())).steps


def _record(run: DecoderRun, model, step, test_input, test_target, flat):
    with no_grad():
        out = model(Tensor(test_input)).data
        flat_out = model(Tensor(flat)).data[0, 0]
    run.steps.append(step)
    run.loss.append(float(((out - test_target) ** 2).mean()))
    run.energy.append(float(checkerboard_energy(out[:, 0], 2).mean()))
    run.spread.append(float(phase_spread(flat_out, 2, border=BORDER)))
    run.flat.append(flat_out.copy())
    run.test.append(out[0, 0].copy())


def train_decoders(kinds=DECODERS, steps: int = 1000, snapshots=None, *, seed: int = 0, channels: int = 8,
                   size: int = 32, batch_size: int = 16, lr: float = 0.01, train_images: int = 64,
                   test_images: int = 8) -> DecoderStudy:
    """Train each decoder of ``kinds`` for ``steps`` Adam steps on the same batches; record them at ``snapshots``.

    Every network sees the same data in the same order (``seed``), so the decoders differ only
    in how they upsample. ``snapshots`` defaults to :func:`default_snapshots`. Returns a
    :class:`DecoderStudy`.
    """
    kinds = tuple(check_choice("kinds", kind, DECODERS) for kind in kinds)
    steps = check_int("steps", steps, minimum=0, maximum=100_000)
    size = check_int("size", size, minimum=4)
    if size % 2:
        raise ValueError(f"size={size} must be even (the input is the 2x2 average of the target)")
    batch_size = check_int("batch_size", batch_size, minimum=1)
    lr = check_number("lr", lr, minimum=0, minimum_open=True)
    snapshots = default_snapshots(steps) if snapshots is None else tuple(sorted(set(int(s) for s in snapshots)))
    if not snapshots or snapshots[0] < 0 or snapshots[-1] > steps:
        raise ValueError(f"snapshots={snapshots!r} must be steps between 0 and steps={steps}")
    train_target = smooth_images(train_images, size, seed)
    test_target = smooth_images(test_images, size, seed + 1000)
    train_input, test_input = avg_pool2d(train_target, 2), avg_pool2d(test_target, 2)
    flat = np.full((1, 1, size // 2, size // 2), FLAT_VALUE, np.float32)
    order = np.random.default_rng(seed + 1).integers(0, train_images, (steps, batch_size))
    runs = {}
    for kind in kinds:
        model = decoder_network(kind, channels, seed)
        optimizer = Adam(model.parameters(), lr=lr)
        run = runs[kind] = DecoderRun(kind)
        for step in range(steps + 1):
            if step in snapshots:
                _record(run, model, step, test_input, test_target, flat)
            if step == steps:
                break
            batch = order[step]
            out = model(Tensor(train_input[batch]))
            loss = ((out - Tensor(train_target[batch])) ** 2).mean()
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
    return DecoderStudy(runs, test_input, test_target, float(checkerboard_energy(test_target[:, 0], 2).mean()))
