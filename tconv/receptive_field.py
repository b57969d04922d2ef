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

A *transposed* (upsampling) layer of stride ``s`` divides the jump by ``s``, and from there on
the formula no longer holds: which inputs an output of an upsampling layer reads depends on its
phase (the uneven overlap of tutorial 3), and the phases of several such layers add up. After
the first transposed layer the field is therefore found by following the windows back, from
every output position of one period (the product of the strides), and taking the widest:
exact, and how the decoder of a U-Net is counted.

The *footprint* (:func:`receptive_field_footprint`) says how many paths through the stack
reach each input offset: stacking equal dilations leaves offsets no path reaches (the
*gridding* artifact, Yu & Koltun 2016, Wang et al. 2018). :func:`parse_stack` reads a stack
written as text, as ``tconv explain --stack`` takes it.
"""
from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from fractions import Fraction

import numpy as np

from ._checks import is_int

__all__ = ["receptive_field", "receptive_field_steps", "receptive_field_footprint", "receptive_field_reach",
           "parse_stack", "format_layer"]

_KEYS = ("kernel_size", "stride", "dilation", "transposed", "padding")


def _layer(index: int, layer) -> tuple[int, int, int, bool]:
    """``layer`` as ``(kernel_size, stride, dilation, transposed)``, from a tuple, a dict or an int."""
    if is_int(layer):
        values = (layer, 1, 1)
        transposed = False
    elif isinstance(layer, Mapping):
        unknown = set(layer) - set(_KEYS)
        if unknown or "kernel_size" not in layer:
            raise ValueError(f"layers[{index}]={dict(layer)!r} must have the key 'kernel_size' and optionally "
                             "'stride', 'dilation', 'padding' and 'transposed' (and no others)")
        values = (layer["kernel_size"], layer.get("stride", 1), layer.get("dilation", 1))
        transposed = layer.get("transposed", False)
        if not isinstance(transposed, bool):
            raise TypeError(f"layers[{index}]: transposed={transposed!r} must be True or False")
    elif isinstance(layer, Sequence) and not isinstance(layer, str) and 1 <= len(layer) <= 3:
        values = tuple(layer) + (1,) * (3 - len(layer))
        transposed = False
    else:
        raise TypeError(f"layers[{index}]={layer!r} must be a kernel size, a (kernel_size, stride, dilation) "
                        "tuple or a dict with those keys (and 'transposed')")
    for name, value in zip(("kernel_size", "stride", "dilation"), values):
        if not is_int(value) or value < 1:
            raise ValueError(f"layers[{index}]: {name}={value!r} must be a positive int")
    return tuple(int(v) for v in values) + (transposed,)


def _plain(value):
    """A Fraction that is a whole number as an int."""
    return int(value) if isinstance(value, Fraction) and value.denominator == 1 else value


def receptive_field_steps(layers) -> list[dict]:
    """The receptive field after each layer, with the jump (input pixels per step) it works at.

    ``layers`` is a sequence of layers along one axis, each a kernel size, a
    ``(kernel_size, stride, dilation)`` tuple (stride and dilation default to 1) or a dict
    with those keys and ``transposed`` (an upsampling layer). Returns one dict per layer:
    ``kernel_size``, ``stride``, ``dilation``, ``transposed``, ``jump`` (the input pixels
    between two of this layer's inputs: the product of the strides before it, divided by the
    transposed ones), ``receptive_field`` and ``followed`` (False while
    ``r_L = r_(L-1) + (k_L - 1)·d_L·jump`` gives the field, True from the first transposed layer
    on, where the windows are followed back: the widest field over one period of positions).
    A jump below one pixel is a :class:`~fractions.Fraction`.

    >>> [step["receptive_field"] for step in receptive_field_steps([3, (2, 2), 3])]
    [3, 4, 8]
    >>> [step["jump"] for step in receptive_field_steps([3, (2, 2), 3])]
    [1, 1, 2]
    >>> [s["receptive_field"] for s in receptive_field_steps([(2, 2), {"kernel_size": 4, "stride": 2, "transposed": True}, 3])]
    [2, 4, 6]
    """
    if isinstance(layers, (str, bytes)) or not isinstance(layers, Sequence):
        raise TypeError(f"layers={layers!r} must be a sequence of layers, e.g. [(3, 1, 1), (2, 2, 1)]")
    parsed = [_layer(index, layer) for index, layer in enumerate(layers)]
    field, jump, steps, followed = Fraction(1), Fraction(1), [], False
    for index, (k, s, d, transposed) in enumerate(parsed):
        followed = followed or transposed
        if followed:
            field = Fraction(_widest_span(parsed[:index + 1]))
        else:
            field += (k - 1) * d * jump
        steps.append({"kernel_size": k, "stride": s, "dilation": d, "transposed": transposed, "jump": _plain(jump),
                      "receptive_field": _plain(field), "followed": followed})
        jump = jump / s if transposed else jump * s
    return steps


#: Following windows back visits every output position of one period: at most this many.
MAX_PERIOD = 1 << 16


def _period(parsed) -> int:
    period = math.prod(s for _, s, _, _ in parsed) if parsed else 1
    if period > MAX_PERIOD:
        raise ValueError(f"the strides of this stack multiply to {period}; following its windows back visits that many "
                         f"positions, at most {MAX_PERIOD}")
    return period


def _back(parsed, pads, lo: int, hi: int) -> tuple[int, int]:
    """The input positions ``[lo, hi]`` that the stack's outputs ``[lo, hi]`` read (windows followed back)."""
    for (k, s, d, transposed), p in zip(reversed(parsed), reversed(pads)):
        if transposed:          # output j reads inputs m with m*s - p + t*d = j
            lo, hi = -((-(lo + p - d * (k - 1))) // s), (hi + p) // s
        else:                   # output m reads inputs m*s - p + t*d
            lo, hi = lo * s - p, hi * s - p + d * (k - 1)
    return lo, hi


def _widest_span(parsed) -> int:
    """The most input pixels one output of the stack reads, over one period of output positions."""
    widest = 0
    pads = [0] * len(parsed)
    for x in range(_period(parsed)):
        lo, hi = _back(parsed, pads, x, x)
        widest = max(widest, hi - lo + 1)
    return widest


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


def receptive_field_footprint(layers) -> np.ndarray:
    """How many paths through the stack reach each input offset of one output's field (one axis).

    Layer ``L`` reads offsets ``t·d_L·jump_L`` (``t < k_L``); the footprint is the
    convolution of those tap combs, of length :func:`receptive_field`. A zero is an input
    pixel inside the field that no path reaches: three 3-tap layers with dilation 2 see only
    every other pixel (the gridding artifact); dilations 1, 2, 5 (Wang et al. 2018, hybrid
    dilated convolution) reach all. Transposed layers are refused: which inputs an
    upsampling layer's output sees depends on its phase.

    >>> receptive_field_footprint([(3, 1, 2), (3, 1, 2), (3, 1, 2)])
    array([1, 0, 3, 0, 6, 0, 7, 0, 6, 0, 3, 0, 1])
    >>> bool(receptive_field_footprint([(3, 1, 1), (3, 1, 2), (3, 1, 5)]).all())
    True
    """
    footprint = np.ones(1, dtype=np.int64)
    for step in receptive_field_steps(layers):
        if step["transposed"]:
            raise ValueError("receptive_field_footprint: a transposed layer's outputs see different inputs by "
                             "phase; give a stack of convolutions and poolings")
        comb = np.zeros((step["kernel_size"] - 1) * step["dilation"] * step["jump"] + 1, dtype=np.int64)
        comb[::step["dilation"] * step["jump"]] = 1
        footprint = np.convolve(footprint, comb)
    return footprint


_TOKEN = re.compile(r"^(\d+)(?:s(\d+))?(?:d(\d+))?(?:p(\d+))?(t)?$")


def parse_stack(text) -> list[dict]:
    """A stack written as text: one layer per word, ``K[sS][dD][pP][t]`` (kernel, stride, dilation, padding, transposed).

    ``3`` is a 3-tap convolution, ``2s2`` a 2x2 pooling of stride 2, ``3d2`` a 3-tap layer of
    dilation 2, ``3p1`` one padded by 1 before (and after), ``4s2p1t`` a transposed (upsampling)
    layer of kernel 4, stride 2 and padding 1. Padding only matters to
    :func:`receptive_field_reach` (it moves the field). Words are separated by spaces or
    commas; a list of words is read the same.

    >>> [format_layer(layer) for layer in parse_stack("3, 3 2s2 3d2p2 4s2p1t")]
    ['3', '3', '2s2', '3d2p2', '4s2p1t']
    >>> parse_stack("2s2")
    [{'kernel_size': 2, 'stride': 2, 'dilation': 1, 'transposed': False}]
    >>> parse_stack("3x3")
    Traceback (most recent call last):
    ...
    ValueError: layer '3x3' is not K[sS][dD][pP][t] (e.g. 3, 2s2, 3d2, 3p1, 4s2p1t: kernel, stride, dilation, padding, transposed)
    """
    words = text if isinstance(text, (list, tuple)) else str(text).replace(",", " ").split()
    words = [w for word in words for w in str(word).replace(",", " ").split()]
    if not words:
        raise ValueError("the stack is empty: give one layer per word, e.g. '3 3 2s2 3d2'")
    layers = []
    for word in words:
        match = _TOKEN.match(word.strip().lower())
        if not match or int(match[1]) < 1 or (match[2] and int(match[2]) < 1) or (match[3] and int(match[3]) < 1):
            raise ValueError(f"layer {word!r} is not K[sS][dD][pP][t] (e.g. 3, 2s2, 3d2, 3p1, 4s2p1t: kernel, stride, "
                             "dilation, padding, transposed)")
        layer = {"kernel_size": int(match[1]), "stride": int(match[2] or 1), "dilation": int(match[3] or 1),
                 "transposed": bool(match[5])}
        if match[4]:
            layer["padding"] = int(match[4])
        layers.append(layer)
    return layers


def format_layer(layer) -> str:
    """A layer in :func:`parse_stack`'s words.

    >>> format_layer({"kernel_size": 4, "stride": 2, "transposed": True}), format_layer((3, 1, 2))
    ('4s2t', '3d2')
    """
    k, s, d, transposed = _layer(0, layer)
    p = _padding(0, layer)
    return (f"{k}" + (f"s{s}" if s != 1 else "") + (f"d{d}" if d != 1 else "") + (f"p{p}" if p else "")
            + ("t" if transposed else ""))


def _padding(index: int, layer) -> int:
    """The padding before of ``layer`` (0 unless a dict gives ``padding``; negative: a crop)."""
    if not isinstance(layer, Mapping) or "padding" not in layer:
        return 0
    value = layer["padding"]
    if not is_int(value):
        raise ValueError(f"layers[{index}]: padding={value!r} must be an int (the padding before; negative crops)")
    return int(value)


def receptive_field_reach(layers) -> tuple[int, int]:
    """How far, in input pixels, an output pixel of the stack looks to each side: ``(left, right)``.

    Follows the inputs each output reads back through the layers, with their padding (a
    dict's ``padding``, the padding before; default 0; negative for a crop, e.g. U-Net's
    copy-and-crop as ``{"kernel_size": 1, "padding": -c}``): a convolution's outputs ``[a, b]`` read
    inputs ``[a·s - p, b·s - p + d(k-1)]``, a transposed convolution's read
    ``[ceil((a + p - d(k-1))/s), floor((b + p)/s)]``. The maximum over one period of output
    positions (the product of the strides) is returned. The stack must end at the input's
    resolution (as many times up as down), as a segmentation network does. A tile of the
    input that extends this far beyond each output pixel gives that pixel exactly the
    value it has in the whole image (:mod:`tconv.seg.train.tiling`).

    >>> receptive_field_reach([{"kernel_size": 3, "padding": 1}, {"kernel_size": 3, "padding": 1}])
    (2, 2)
    >>> receptive_field_reach([{"kernel_size": 2, "stride": 2}, {"kernel_size": 2, "stride": 2, "transposed": True}])
    (1, 1)
    >>> receptive_field_reach([(3, 1, 1)])                     # unpadded: the field starts at the pixel itself
    (0, 2)
    """
    if isinstance(layers, (str, bytes)) or not isinstance(layers, Sequence):
        raise TypeError(f"layers={layers!r} must be a sequence of layers, e.g. [(3, 1, 1), (2, 2, 1)]")
    parsed = [_layer(index, layer) for index, layer in enumerate(layers)]
    pads = [_padding(index, layer) for index, layer in enumerate(layers)]
    scale = Fraction(1)
    for _, s, _, transposed in parsed:
        scale = scale / s if transposed else scale * s
    if scale != 1:
        raise ValueError(f"receptive_field_reach needs a stack that ends at the input's resolution; this one changes "
                         f"it by a factor {scale}")
    left = right = 0
    for x in range(_period(parsed)):
        lo, hi = _back(parsed, pads, x, x)
        left, right = max(left, x - lo), max(right, hi - x)
    return left, right
