"""How far a segmentation model looks: its layers as receptive-field stacks, and its reach.

A segmentation network is a few paths from the input to the output (through each skip
connection, and through the bottom). :func:`receptive_field_paths` lists them as stacks of
layers (:mod:`tconv.receptive_field`'s dicts, with paddings); :func:`model_reach` is how far,
in input pixels, any output pixel looks to each side (the largest reach of the paths), and
:func:`model_alignment` the step a tile's origin must keep (``2**depth``: the pooling grid).
A tile that extends this far beyond the pixels it keeps predicts them exactly as the whole
image does (:mod:`tconv.seg.train.tiling`).

>>> from tconv.seg.models import UNet
>>> model_reach(UNet(base=2, depth=3)), model_alignment(UNet(base=2, depth=3))
((51, 51), 8)
"""
from __future__ import annotations

from ...receptive_field import receptive_field, receptive_field_reach
from .fcn import FCN
from .unet import ASPP_RATES, UNet, valid_input_sizes
from .vnet import VNet

__all__ = ["receptive_field_paths", "model_reach", "model_receptive_field", "model_alignment"]


def _conv(k=3, padding=None, dilation=1):
    return {"kernel_size": k, "dilation": dilation, "padding": dilation * (k - 1) // 2 if padding is None else padding}


_POOL = {"kernel_size": 2, "stride": 2}


def _up(kind: str) -> list:
    """The decoder's x2 upsampler (:func:`tconv.seg.models.blocks.upsampler`) as layers."""
    if kind == "transpose":
        return [{"kernel_size": 2, "stride": 2, "transposed": True}]
    if kind == "resize":            # nearest x2 reads input floor(j/2): a 2-tap, stride-2 transposed layer; then a conv
        return [{"kernel_size": 2, "stride": 2, "transposed": True}, _conv()]
    return [{"kernel_size": 4, "stride": 2, "padding": 1, "transposed": True}]


def _valid_crops(model: UNet) -> list[int]:
    """The crop of each level's skip in a valid U-Net (level 0 first): the same for every input size."""
    size = valid_input_sizes(model.depth, 1, 64 * 2 ** model.depth)[0]
    encoder = []
    for _ in range(model.depth):
        size -= 4
        encoder.append(size)
        size //= 2
    size -= 4                                       # the bottleneck
    crops = [0] * model.depth
    for level in reversed(range(model.depth)):
        up = 2 * size
        crops[level] = (encoder[level] - up) // 2
        size = up - 4
    return crops


def _unet_paths(model: UNet) -> list:
    pad = None if model.padding == "same" else 0
    block = [_conv(padding=pad), _conv(padding=pad)]
    crops = _valid_crops(model) if model.padding == "valid" else [0] * model.depth
    if model.bottleneck_kind == "aspp":
        bottom = [_conv(3, dilation=max(ASPP_RATES))]       # the widest branch; the 1x1s add nothing
    else:
        bottom = block
    paths = []
    for level in range(model.depth + 1):            # down to `level`, across (skip or bottom), back up
        down = (block + [_POOL]) * level
        # encoder block, the skip (cropped in a valid U-Net: decoder pixel j is encoder pixel j + crop), decoder block
        across = bottom if level == model.depth else block + [{"kernel_size": 1, "padding": -crops[level]}] + block
        up = (_up(model.up_kind) + block) * level
        paths.append(down + across + up)
    return paths


def _fcn_paths(model: FCN) -> list:
    block = [_conv(), _conv()]
    deep = block + [_POOL] + block + [_POOL] + block + [_POOL] + block + [_conv(1)]
    deep += [{"kernel_size": 4, "stride": 2, "padding": 1, "transposed": True},
             {"kernel_size": 8, "stride": 4, "padding": 2, "transposed": True}]
    skip = block + [_POOL] + block + [_POOL] + [_conv(1), {"kernel_size": 8, "stride": 4, "padding": 2,
                                                           "transposed": True}]
    return [deep, skip]


def _vnet_paths(model: VNet) -> list:
    stage = [_conv(model.kernel_size)] * model.convs
    down, up = {"kernel_size": 2, "stride": 2}, {"kernel_size": 2, "stride": 2, "transposed": True}
    paths = []
    for level in range(model.depth + 1):
        path = [_conv(model.kernel_size)]
        for n in range(level):
            path += [down] + stage
        for n in range(level):
            path += [up] + stage
        paths.append(path + [_conv(1)])
    return paths


def receptive_field_paths(model) -> list[list[dict]]:
    """Every path from ``model``'s input to its output, as a stack of layers (one axis).

    >>> from tconv.seg.models import UNet
    >>> [len(path) for path in receptive_field_paths(UNet(base=2, depth=1))]      # the skip's path, the bottom's
    [5, 8]
    """
    if isinstance(model, UNet):
        return _unet_paths(model)
    if isinstance(model, FCN):
        return _fcn_paths(model)
    if isinstance(model, VNet):
        return _vnet_paths(model)
    raise TypeError(f"receptive_field_paths knows UNet, FCN and VNet, not {type(model).__name__}")


def model_reach(model) -> tuple[int, int]:
    """``(left, right)``: how many input pixels beyond its own position an output pixel looks, per axis.

    For ``UNet(padding="valid")`` output pixel ``o`` is counted at input pixel ``o`` (the tile's
    corner), so the reach is mostly to the right.
    """
    reaches = [receptive_field_reach(path) for path in receptive_field_paths(model)]
    return max(r[0] for r in reaches), max(r[1] for r in reaches)


def model_receptive_field(model) -> int:
    """The receptive field of ``model``: the largest of its paths' (:func:`tconv.receptive_field.receptive_field`).

    >>> from tconv.seg.models import UNet
    >>> model_receptive_field(UNet(base=2, depth=3)), model_receptive_field(UNet(base=2, depth=4, padding="valid"))
    (100, 204)
    """
    return max(receptive_field(path) for path in receptive_field_paths(model))


def model_alignment(model) -> int:
    """The step of the pooling grid: a tile must start at a multiple of it (``2**depth``; 8 for the FCN)."""
    if isinstance(model, (UNet, VNet)):
        return 2 ** model.depth
    if isinstance(model, FCN):
        return 8
    raise TypeError(f"model_alignment knows UNet, FCN and VNet, not {type(model).__name__}")
