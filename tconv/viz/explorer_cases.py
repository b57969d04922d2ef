"""What the explorer page is checked against: its parameters, its limits, and golden cases from tconv.

The page (:mod:`tconv.viz.explorer_page`) does its own small arithmetic in JavaScript; this module
computes the same quantities with tconv for a fixed list of geometries and embeds them in the
page, where ``window.tconvExplorer.selfTest()`` compares the two. The page's parameters are the
command line's (``tconv explain``): per-axis lists of ints, the padding per axis an int or a
``[before, after]`` pair, and ``mode`` ``"conv"`` or ``"transposed"``:

>>> from tconv.geometry import conv_transpose_geometry
>>> params = geometry_params(conv_transpose_geometry((3, 3), (3, 3), stride=2, padding=1, output_padding=1))
>>> params["input"], params["padding"], params["output_padding"], params["mode"]
([3, 3], [1, 1], [1, 1], 'transposed')
>>> page_geometry(params).output_size
(6, 6)
"""
from __future__ import annotations

import numpy as np

from ..ops import conv as _conv
from ..geometry import conv_geometry, conv_output_size, conv_transpose_geometry
from ..matrix import conv_matrix, conv_transpose_matrix
from ..translate.spelling import framework_calls
from ..translate import keras_conv_transpose

__all__ = ["LIMITS", "geometry_params", "page_geometry", "check_limits", "seeded_ints", "golden_cases"]

#: The largest geometry the page draws (every cell stays readable); tconv explain has no limit.
LIMITS = {"side": {1: 32, 2: 16}, "kernel_size": 7, "stride": 4, "dilation": 4, "padding": 8}


def geometry_params(g) -> dict:
    """The page's parameters (``window.tconvExplorer.get()``'s geometry part) of a geometry."""
    return {
        "mode": "transposed" if g.transposed else "conv",
        "input": list(g.input_size), "kernel": list(g.kernel_size), "stride": list(g.stride),
        "padding": [b if b == a else [b, a] for b, a in g.padding], "dilation": list(g.dilation),
        "output_padding": list(g.output_padding), "output_size": None,
    }


def _padding_argument(padding) -> tuple:
    """The page's padding as the command line passes it: per axis an int or a (before, after) pair."""
    return tuple(tuple(entry) if isinstance(entry, list) else entry for entry in padding)


def page_geometry(params: dict):
    """The geometry the page shows for ``params``, built the way ``tconv explain`` builds it
    (so a ``ValueError`` here carries the message the page must show)."""
    size, kernel = tuple(params["input"]), tuple(params["kernel"])
    stride, dilation = tuple(params["stride"]), tuple(params["dilation"])
    padding = _padding_argument(params["padding"])
    if params["mode"] == "transposed":
        wanted = params.get("output_size")
        return conv_transpose_geometry(size, kernel, stride, padding, tuple(params["output_padding"]), dilation,
                                       tuple(wanted) if wanted is not None else None)
    return conv_geometry(size, kernel, stride, padding, dilation)


def check_limits(g, padding=None) -> None:
    """``ValueError`` when ``g`` is larger than the page draws (:data:`LIMITS`); the page words it alike.

    >>> from tconv.geometry import conv_geometry
    >>> check_limits(conv_geometry((20, 20), (3, 3)))
    Traceback (most recent call last):
    ...
    ValueError: input_size=(20, 20) is above the explorer's limit of 16 per axis in 2-D (32 in 1-D), which keeps every cell readable; tconv explain describes any size
    """
    if g.ndim not in LIMITS["side"]:
        raise ValueError(f"the geometry has {g.ndim} spatial axes; the explorer draws 1-D and 2-D geometries "
                         "(tconv explain describes 3-D ones)")
    side = LIMITS["side"][g.ndim]
    where = f" in {g.ndim}-D ({LIMITS['side'][3 - g.ndim]} in {3 - g.ndim}-D)"
    pads = [value for pair in g.padding for value in pair]
    padding = _padding_argument(padding) if padding is not None else \
        tuple(b if b == a else (b, a) for b, a in g.padding)
    for what, values, top, tail in (
            (f"input_size={g.input_size!r}", g.input_size, side, where),
            (f"the output size {g.output_size!r}", g.output_size, side, where),
            (f"kernel_size={g.kernel_size!r}", g.kernel_size, LIMITS["kernel_size"], ""),
            (f"stride={g.stride!r}", g.stride, LIMITS["stride"], ""),
            (f"dilation={g.dilation!r}", g.dilation, LIMITS["dilation"], ""),
            (f"padding={padding!r}", pads, LIMITS["padding"], "")):
        if max(values) > top:
            raise ValueError(f"{what} is above the explorer's limit of {top} per axis{tail}, which keeps every "
                             "cell readable; tconv explain describes any size")


def seeded_ints(count: int, seed: int, low: int, high: int) -> list[int]:
    """The page's seeded integers (Park & Miller's minimal standard generator), ``low..high``.

    The page draws its input from 1..4 with ``seed`` and its kernel from 1..3 with ``seed + 1``.

    >>> seeded_ints(5, 0, 1, 4)
    [4, 3, 3, 2, 2]
    """
    state = seed % 2147483646 + 1
    out = []
    for _ in range(count):
        state = state * 48271 % 2147483647
        out.append(low + state % (high - low + 1))
    return out


# --------------------------------------------------------------------------- what tconv says


def _entries(g) -> list[list[int]]:
    """Every nonzero of ``C`` as [feature index, image index, flattened tap], from the library's matrix."""
    weight = np.ones((1, 1) + g.kernel_size)
    if g.transposed:
        pattern = conv_transpose_matrix(weight, (1,) + g.input_size, g.stride, g.padding, g.output_padding,
                                        1, g.dilation).pattern()
        feature, image = pattern["col"], pattern["row"]
    else:
        pattern = conv_matrix(weight, (1,) + g.input_size, g.stride, g.padding, g.dilation).pattern()
        feature, image = pattern["row"], pattern["col"]
    taps = np.ravel_multi_index(tuple(pattern["tap"][:, 2:].T), g.kernel_size)
    return sorted([int(m), int(j), int(t)] for m, j, t in zip(feature, image, taps))


def _transpose_function(ndim):
    return _conv.conv_transpose1d if ndim == 1 else _conv.conv_transpose2d


def _overlap(g) -> list[int]:
    """Kernel copies per image position: the transposed convolution of ones through a kernel of ones."""
    ones = np.ones((1, 1) + g.feature_size)
    counts = _transpose_function(g.ndim)(ones, np.ones((1, 1) + g.kernel_size), stride=g.stride, padding=g.padding,
                                         output_padding=g.restoring_output_padding(), dilation=g.dilation)
    return [int(round(v)) for v in counts.reshape(-1)]


def _input_sizes(g) -> list[list[int]]:
    """Every image size the convolution maps to the feature size, by trying them all."""
    out = []
    for f, k, s, (b, a), d, kh in zip(g.feature_size, g.kernel_size, g.stride, g.padding, g.dilation,
                                      g.effective_kernel):
        out.append([i for i in range(1, (f + 1) * s + kh + 1)
                    if i + b + a >= kh and conv_output_size(i, k, s, (b, a), d) == f])
    return out


def _keras(g) -> dict:
    modes = {}
    for mode in ("same", "valid"):
        try:
            t = keras_conv_transpose(mode, g.kernel_size, g.stride, g.dilation, ndim=g.ndim)
        except ValueError as error:
            modes[mode] = {"error": str(error)}
            continue
        modes[mode] = {
            "keras_call": t.keras_call, "torch_call": t.torch_call, "tconv_call": t.tconv_call, "exact": t.exact,
            "shape_equivalent": t.shape_equivalent,
            "padding": None if t.padding is None else list(t.padding),
            "output_padding": None if t.output_padding is None else list(t.output_padding),
            "tconv_padding": [list(pair) for pair in t.tconv_padding],
            "tconv_output_padding": list(t.tconv_output_padding), "output_size": list(t.output_size(g.input_size))}
    return modes


def _values(g, seed: int) -> dict:
    """The page's seeded input and kernel, and the operator's output computed by tconv's reference loops."""
    n_in, n_k = int(np.prod(g.input_size)), int(np.prod(g.kernel_size))
    x = seeded_ints(n_in, seed, 1, 4)
    w = seeded_ints(n_k, seed + 1, 1, 3)
    xs = np.array(x, float).reshape((1, 1) + g.input_size)
    ws = np.array(w, float).reshape((1, 1) + g.kernel_size)
    if g.transposed:
        y = _transpose_function(g.ndim)(xs, ws, stride=g.stride, padding=g.padding, output_padding=g.output_padding,
                                        dilation=g.dilation, method="reference")
    else:
        function = _conv.conv1d if g.ndim == 1 else _conv.conv2d
        y = function(xs, ws, stride=g.stride, padding=g.padding, dilation=g.dilation, method="reference")
    return {"seed": seed, "expect": {"input": x, "kernel": w, "output": [int(round(v)) for v in y.reshape(-1)]}}


def _expect(g, seed) -> dict:
    calls = framework_calls(g, "C_in", "C_out")
    expect = {
        "output_size": list(g.output_size), "entries": _entries(g), "overlap": _overlap(g),
        "input_sizes": _input_sizes(g),
        "spellings": {"tconv": calls.tconv, "torch": calls.torch, "keras": calls.keras,
                      "torch_note": calls.torch_note, "keras_note": calls.keras_note},
    }
    if g.transposed:
        e = g.equivalent_conv()
        expect["equivalent"] = {"zeros_between": list(e["zeros_between"]), "stuffed_size": list(e["stuffed_size"]),
                                "padding": [list(pair) for pair in e["padding"]],
                                "output_size": list(e["output_size"])}
        expect["keras"] = _keras(g)
    if seed is not None:
        expect["values"] = _values(g, seed)
    return expect


# --------------------------------------------------------------------------- the cases


def _params(mode, input, kernel, stride=1, padding=0, dilation=1, output_padding=0, output_size=None) -> dict:
    ndim = len(input)

    def per_axis(value):
        return list(value) if isinstance(value, (tuple, list)) else [value] * ndim

    pads = [list(p) if isinstance(p, tuple) else p for p in padding] if isinstance(padding, list) else \
        per_axis(padding)
    return {"mode": mode, "input": list(input), "kernel": per_axis(kernel), "stride": per_axis(stride),
            "padding": pads, "dilation": per_axis(dilation), "output_padding": per_axis(output_padding),
            "output_size": None if output_size is None else per_axis(output_size)}


# (name, parameters, seed of the numbers to check, or None)
_CASES = [
    # Dumoulin & Visin's eight cases (i, k, s, p, d) as 2-D convolutions and their transposed twins
    ("paper: no padding, unit strides", _params("conv", (4, 4), 3), 0),
    ("paper: no padding, unit strides, twin", _params("transposed", (2, 2), 3), 0),
    ("paper: arbitrary padding", _params("conv", (5, 5), 4, padding=2), None),
    ("paper: arbitrary padding, twin", _params("transposed", (6, 6), 4, padding=2), None),
    ("paper: half padding", _params("conv", (5, 5), 3, padding=1), None),
    ("paper: full padding, twin", _params("transposed", (7, 7), 3, padding=2), None),
    ("paper: strides", _params("conv", (5, 5), 3, stride=2), None),
    ("paper: strides, twin", _params("transposed", (2, 2), 3, stride=2), 3),
    ("paper: padding and strides", _params("conv", (5, 5), 3, stride=2, padding=1), 1),
    ("paper: padding and strides, odd", _params("conv", (6, 6), 3, stride=2, padding=1), None),
    ("paper: padding and strides, odd, twin", _params("transposed", (3, 3), 3, stride=2, padding=1, output_padding=1), 2),
    ("paper: dilation", _params("conv", (7, 7), 3, dilation=2), None),
    ("paper: dilation, twin", _params("transposed", (3, 3), 3, dilation=2), None),
    # one dimension, the checkerboard, kernels divisible by the stride, gaps, non-square
    ("1-D checkerboard k=3 s=2", _params("transposed", (8,), 3, stride=2), 0),
    ("1-D k=4 s=2", _params("transposed", (8,), 4, stride=2), None),
    ("1-D k=2 s=3 (gaps)", _params("transposed", (4,), 2, stride=3), 5),
    ("1-D strided conv", _params("conv", (9,), 3, stride=2, padding=1), 4),
    ("1-D dilated transposed", _params("transposed", (4,), 3, stride=2, dilation=2), None),
    ("non-square", _params("conv", (5, 7), (2, 3), stride=(1, 2), padding=(0, 1)), 7),
    ("non-square transposed", _params("transposed", (3, 2), (3, 2), stride=(2, 3), padding=(1, 0),
                                      output_padding=(1, 2)), 6),
    ("d2l: X = K = 2x2", _params("transposed", (2, 2), 2), None),
    ("d2l: padding 1", _params("transposed", (2, 2), 2, padding=1), None),
    ("d2l: stride 2", _params("transposed", (2, 2), 2, stride=2), None),
    ("output_padding below dilation", _params("transposed", (3,), 2, dilation=2, output_padding=1), None),
    # Keras' "same" at stride 2 and 1, tconv's exact (asymmetric) spellings, the PyTorch twins
    ("keras same k=3 s=2 exact", _params("transposed", (3, 3), 3, stride=2, padding=[(0, 1), (0, 1)]), 8),
    ("keras same k=4 s=2", _params("transposed", (3, 3), 4, stride=2, padding=1), None),
    ("keras same k=2 s=2", _params("transposed", (3, 3), 2, stride=2), None),
    ("keras same k=5 s=2 exact", _params("transposed", (3,), 5, stride=2, padding=[(1, 2)]), None),
    ("keras same k=2 s=1 (no PyTorch)", _params("transposed", (4,), 2, padding=[(0, 1)]), None),
    ("keras valid k=2 s=3", _params("transposed", (5,), 2, stride=3, output_padding=1), None),
    ("asymmetric conv", _params("conv", (6, 5), 3, stride=2, padding=[(0, 1), 1]), None),
    ("conv same, even kernel", _params("conv", (6,), 4, padding=[(1, 2)]), None),
    ("keras dilation refused", _params("transposed", (3, 3), 3, stride=2, dilation=2), None),
    ("output_size 8 of 7..8", _params("transposed", (4, 4), 3, stride=2, padding=1, output_size=8), None),
    # what tconv refuses, in its words
    ("kernel 0", _params("conv", (4, 4), (0, 3)), None),
    ("input 0", _params("transposed", (0, 3), 3), None),
    ("stride 0", _params("conv", (4,), 3, stride=0), None),
    ("dilation 0", _params("conv", (4, 4), 3, dilation=(1, 0)), None),
    ("negative padding", _params("conv", (4, 4), 3, padding=-1), None),
    ("kernel larger than the input", _params("conv", (3, 3), 5), None),
    ("output_padding not below the stride", _params("transposed", (2,), 3, stride=2, output_padding=2), None),
    ("negative output_padding", _params("transposed", (2, 2), 3, stride=2, output_padding=-1), None),
    ("output_size out of range", _params("transposed", (4, 4), 3, stride=2, padding=1, output_size=9), None),
    ("output_size 0", _params("transposed", (4,), 3, stride=2, output_size=0), None),
    ("padding too large", _params("transposed", (2, 2), 3, padding=[(3, 3), 1]), None),
    ("kernel larger than the padded input", _params("conv", (1,), 3, padding=[(0, 1)]), None),
    # the explorer's own limits
    ("limit: input", _params("conv", (20, 20), 3), None),
    ("limit: output", _params("transposed", (8, 8), 3, stride=2), None),
    ("limit: 1-D output", _params("transposed", (16,), 4, stride=2), None),
    ("limit: kernel", _params("conv", (12,), 9), None),
    ("limit: stride", _params("conv", (12,), 3, stride=5), None),
    ("limit: dilation", _params("conv", (30,), 2, dilation=5), None),
    ("limit: padding", _params("conv", (5,), 3, padding=[(9, 0)]), None),
]


def golden_cases() -> list[dict]:
    """Every case with tconv's answer: ``{"name", "params", "expect"}`` or ``{"name", "params", "error"}``.

    ``expect`` holds the operator's output size, the nonzeros of ``C`` (``[feature, image, tap]``),
    the overlap counts, the image sizes that share the feature size, the tconv / PyTorch / Keras
    spellings, for a transposed convolution the paper's equivalent convolution and Keras'
    ``same``/``valid`` translations, and for some cases the seeded numbers and their output.

    >>> cases = golden_cases()
    >>> [c["error"] for c in cases if c["name"] == "output_padding not below the stride"]
    ['output_padding=(2,) must be smaller than stride or dilation on every axis; axis 0 has output_padding 2, stride 2, dilation 1']
    """
    cases = []
    for name, params, seed in _CASES:
        case = {"name": name, "params": params}
        try:
            g = page_geometry(params)
            check_limits(g, params["padding"])
        except ValueError as error:
            case["error"] = str(error)
        else:
            case["expect"] = _expect(g, seed)
        cases.append(case)
    return cases
