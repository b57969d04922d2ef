"""The receptive field of a stack of layers: how many input pixels one output pixel sees.

Per spatial axis, a layer with kernel ``k``, stride ``s`` and dilation ``d`` (a convolution
or a pooling window) widens the receptive field by ``(k - 1)·d`` of *its* input pixels, and
one pixel of its input is ``s_1·s_2···s_(L-1)`` pixels of the network's input (the *jump*,
the product of the strides before it). So, starting from ``r_0 = 1`` (one input pixel sees
itself),

    r_L = r_(L-1) + (k_L - 1)·d_L·(s_1·s_2···s_(L-1))

(Araujo, Norris & Sim, "Computing receptive fields of convolutional neural networks",
Distill 2019; the same arithmetic as Dumoulin & Visin 2016's effective kernel
``k̂ = d(k - 1) + 1`` for one layer). Padding moves the field, it does not change its size.
Everything here is integer arithmetic on one axis; for several axes apply it per axis.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence

from ._checks import is_int

__all__ = ["receptive_field", "receptive_field_steps"]


def _layer(index: int, layer) -> tuple[int, int, int]:
    """``layer`` as ``(kernel_size, stride, dilation)``, from a tuple, a dict or an int."""
    if is_int(layer):
        values = (layer, 1, 1)
    elif isinstance(layer, Mapping):
        unknown = set(layer) - {"kernel_size", "stride", "dilation"}
        if unknown or "kernel_size" not in layer:
            raise ValueError(f"layers[{index}]={dict(layer)!r} must have the key 'kernel_size' and optionally "
                             "'stride' and 'dilation' (and no others)")
        values = (layer["kernel_size"], layer.get("stride", 1), layer.get("dilation", 1))
    elif isinstance(layer, Sequence) and not isinstance(layer, str) and 1 <= len(layer) <= 3:
        values = tuple(layer) + (1,) * (3 - len(layer))
    else:
        raise TypeError(f"layers[{index}]={layer!r} must be a kernel size, a (kernel_size, stride, dilation) "
                        "tuple or a dict with those keys")
    for name, value in zip(("kernel_size", "stride", "dilation"), values):
        if not is_int(value) or value < 1:
            raise ValueError(f"layers[{index}]: {name}={value!r} must be a positive int")
    return tuple(int(v) for v in values)


def receptive_field_steps(layers) -> list[dict]:
    """The receptive field after each layer, with the jump (input pixels per step) it works at.

    ``layers`` is a sequence of layers along one axis, each a kernel size, a
    ``(kernel_size, stride, dilation)`` tuple (stride and dilation default to 1) or a dict
    with those keys. Returns one dict per layer: ``kernel_size``, ``stride``, ``dilation``,
    ``jump`` (the product of the strides *before* this layer) and ``receptive_field``
    (``r_L = r_(L-1) + (k_L - 1)·d_L·jump``).

    >>> [step["receptive_field"] for step in receptive_field_steps([3, (2, 2), 3])]
    [3, 4, 8]
    >>> [step["jump"] for step in receptive_field_steps([3, (2, 2), 3])]
    [1, 1, 2]
    """
    if isinstance(layers, (str, bytes)) or not isinstance(layers, Sequence):
        raise TypeError(f"layers={layers!r} must be a sequence of layers, e.g. [(3, 1, 1), (2, 2, 1)]")
    field, jump, steps = 1, 1, []
    for index, layer in enumerate(layers):
        k, s, d = _layer(index, layer)
        field += (k - 1) * d * jump
        steps.append({"kernel_size": k, "stride": s, "dilation": d, "jump": jump, "receptive_field": field})
        jump *= s
    return steps


def receptive_field(layers) -> int:
    """The receptive field (in input pixels, along one axis) of one output of a stack of layers.

    ``r_0 = 1`` and ``r_L = r_(L-1) + (k_L - 1)·d_L·prod(strides before layer L)``, for
    convolutions and pooling windows alike (``layers`` as in :func:`receptive_field_steps`).
    An empty stack sees one pixel.

    Two 3x3 convolutions see 5 pixels per axis, three see 7 (VGG's argument for small
    kernels); a 2x2 stride-2 pooling in between doubles what every later tap is worth:

    >>> receptive_field([3, 3]), receptive_field([3, 3, 3])
    (5, 7)
    >>> receptive_field([3, 3, (2, 2), 3, 3])      # a U-Net's first two levels
    14
    >>> receptive_field([(3, 1, 2), (3, 1, 4)])    # dilated: 1 + 2*2 + 2*4
    13
    """
    steps = receptive_field_steps(layers)
    return steps[-1]["receptive_field"] if steps else 1
