"""Leaving tconv: a trained U-Net, FCN or V-Net lite as a standard ONNX graph.

:func:`export_onnx` writes the model as an ONNX file that ONNX Runtime, OpenCV's DNN module,
TensorRT or a browser (onnxruntime-web) can run without tconv. The graph is the model's
``forward`` in evaluation mode, layer by layer (:mod:`tconv.seg.models.onnx_graph`): one input
``image`` float32 ``(N, C, *spatial)``, one output ``logits`` float32 ``(N, K, *spatial)``;
the class of each pixel is the argmax over axis 1, as in ``tconv predict``. With
``dynamic=True`` (the default) the batch and every spatial axis are named dimensions
(``batch``, ``height``, ``width``; ``depth`` for volumes), because the models take any size of
at least ``2**depth`` (FCN: 8) per side: the padding the decoder needs for odd sizes is
computed inside the graph. The model's configuration, class names and preprocessing are
stored in the file's metadata (``tconv_config``, ``class_names``, ``preprocessing``).

Needs the ``onnx`` package (``pip install "tconv[onnx]"``, which brings ``onnxruntime`` to run
the file too); tests compare every model and decoder with ONNX Runtime.

Usage (the test suite runs it)::

    summary = export_onnx(UNet(base=4, depth=2), "unet.onnx", (1, 1, 16, 16))
    summary["input"]        # ('image', ('batch', 1, 'height', 'width'))

    import onnxruntime                                     # anywhere, without tconv
    session = onnxruntime.InferenceSession("unet.onnx")
    logits = session.run(None, {"image": images})[0]       # images float32 (N, 1, H, W) in [0, 1]
    classes = logits.argmax(axis=1)
"""
from __future__ import annotations

import json
import os
from pathlib import Path

from ...serialization import atomic_write
from .blocks import check_model_input
from .fcn import FCN
from .onnx_graph import OPSET, GraphBuilder
from .unet import UNet
from .vnet import VNet

__all__ = ["export_onnx", "onnx_graph", "minimum_side", "ONNX_MISSING"]

#: What to do when the onnx package is missing (the message of the ImportError).
ONNX_MISSING = "ONNX export needs the onnx package: pip install 'tconv[onnx]' (or pip install onnx)"


def minimum_side(model) -> int:
    """The smallest input side ``model`` takes: ``2**depth`` (the FCN halves 3 times)."""
    return 2 ** (3 if isinstance(model, FCN) else model.depth)


def _unet(b: GraphBuilder, model: UNet, x: str) -> str:
    dim, skips = model.dim, []
    for block in model.encoder:
        x = b.module(block, x, dim)
        skips.append(x)
        x = b.max_pool(x, dim)
    x = b.module(model.bottleneck, x, dim)
    for up, block, skip in zip(model.up, model.decoder, reversed(skips)):
        x = b.module(up, x, dim)
        if model.padding == "valid":                  # copy and crop: the skip, centred, cut to the map's size
            x = b.module(block, b.concat([b.match_size(skip, x), x]), dim)
        else:
            x = b.module(block, b.concat([skip, b.match_size(x, skip)]), dim)
    return b.module(model.head, x, dim)


def _fcn(b: GraphBuilder, model: FCN, x: str) -> str:
    dim, image = model.dim, x
    x = b.max_pool(b.module(model.stages[0], x, dim), dim)
    quarter = b.max_pool(b.module(model.stages[1], x, dim), dim)
    eighth = b.max_pool(b.module(model.stages[2], quarter, dim), dim)
    scores = b.module(model.score, b.module(model.stages[3], eighth, dim), dim)
    skip_scores = b.module(model.score_skip, quarter, dim)
    x = b.add(b.match_size(b.module(model.up2, scores, dim), skip_scores), skip_scores)
    return b.match_size(b.module(model.up4, x, dim), image)


def _residual(b: GraphBuilder, stage, x: str, dim: int) -> str:
    return b.relu(b.add(b.module(stage.convs, x, dim), x))


def _vnet(b: GraphBuilder, model: VNet, x: str) -> str:
    dim = model.dim
    start = b.module(model.input, x, dim)
    if model.base % model.in_channels == 0:
        start = b.add(start, b.concat([x] * (model.base // model.in_channels)))
    x = b.relu(start)
    skips = [x]
    for down, stage in zip(model.down, model.encoder):
        x = _residual(b, stage, b.relu(b.module(down, x, dim)), dim)
        skips.append(x)
    skips.pop()
    for up, stage, skip in zip(model.up, model.decoder, reversed(skips)):
        x = _residual(b, stage, b.concat([skip, b.match_size(b.relu(b.module(up, x, dim)), skip)]), dim)
    return b.module(model.head, x, dim)


_GRAPHS = {UNet: _unet, FCN: _fcn, VNet: _vnet}


def onnx_graph(model) -> GraphBuilder:
    """The nodes and weights of ``model``'s evaluation-mode forward (no onnx package needed).

    >>> from tconv.seg.models import UNet
    >>> ops = [node[0] for node in onnx_graph(UNet(base=2, depth=1)).nodes]
    >>> ops.count("Conv"), ops.count("ConvTranspose"), ops.count("MaxPool"), ops.count("Pad")   # 3 blocks of 2, the head
    (7, 1, 1, 1)
    """
    kind = next((cls for cls in _GRAPHS if isinstance(model, cls)), None)
    if kind is None:
        raise TypeError(f"export_onnx writes tconv's UNet, FCN and VNet; got {type(model).__name__}")
    builder = GraphBuilder()
    builder.output = _GRAPHS[kind](builder, model, "image")
    return builder


def _valid(model) -> bool:
    return getattr(model, "padding", "same") == "valid"


def _shapes(model, example_shape, dynamic: bool):
    names = ("depth", "height", "width")[3 - model.dim:]
    if not dynamic:
        out = model.output_size(tuple(example_shape[2:])) if _valid(model) else tuple(example_shape[2:])
        return tuple(example_shape), (example_shape[0], model.num_classes, *out)
    spatial = tuple(names)
    out = tuple(f"out_{name}" for name in names) if _valid(model) else spatial   # a valid U-Net's output is smaller
    return ("batch", model.in_channels, *spatial), ("batch", model.num_classes, *out)


def export_onnx(model, path, example_shape, *, dynamic: bool = True, overwrite: bool = False,
                class_names=None, preprocessing: str | None = None) -> dict:
    """Write ``model`` (a :class:`UNet`, :class:`FCN` or :class:`VNet`) to ``path`` as an ONNX graph.

    ``example_shape`` ``(N, C, *spatial)`` is an input the model takes (checked as the model
    checks its inputs); with ``dynamic=False`` it is the graph's fixed input shape, otherwise the
    batch and spatial axes are named dimensions (a valid U-Net's smaller output has its own,
    ``out_height``, ...; its inputs must be sizes it takes). The weights are written in float32, the model
    in evaluation mode (batch norm uses its running statistics). ``class_names`` and
    ``preprocessing`` (what a caller must do to an image first) go into the file's metadata.
    An existing ``path`` is replaced only with ``overwrite=True``; the file is written
    atomically. Raises ``ImportError`` (:data:`ONNX_MISSING`) without the onnx package.

    Returns ``{"path", "input", "output", "nodes", "opset", "minimum_side"}`` where ``input``
    and ``output`` are ``(name, shape)`` and ``nodes`` counts the nodes per op type.
    """
    builder = onnx_graph(model)
    example_shape = tuple(int(n) for n in example_shape)
    check_model_input(model, _Shape(example_shape), 3 if isinstance(model, FCN) else model.depth)
    if _valid(model):
        model.output_size(example_shape[2:])          # refuses sizes a valid U-Net cannot take, naming the ones it can
    target = Path(path)
    if target.is_dir():
        raise IsADirectoryError(f"{os.fspath(path)} is a folder; give a file name such as model.onnx")
    if target.exists() and not overwrite:
        raise FileExistsError(f"{os.fspath(path)} exists; pass overwrite=True to replace it")
    try:
        import onnx
    except ImportError:
        raise ImportError(ONNX_MISSING) from None
    input_shape, output_shape = _shapes(model, example_shape, dynamic)
    config = model.config()
    names = list(class_names) if class_names is not None else [f"class {k}" for k in range(model.num_classes)]
    doc = (f"tconv {type(model).__name__}: image float32 {input_shape} -> logits {output_shape}; the class of a "
           "pixel is the argmax over axis 1")
    metadata = {"tconv_config": json.dumps(config), "class_names": json.dumps(names)}
    if preprocessing:
        metadata["preprocessing"] = preprocessing
    proto = builder.build("image", input_shape, builder.output, output_shape, name=f"tconv_{config['model']}",
                          doc=doc, metadata=metadata)
    atomic_write(target, lambda temporary: onnx.save(proto, temporary))
    counts = {}
    for op, *_ in builder.nodes:
        counts[op] = counts.get(op, 0) + 1
    return dict(path=target, input=("image", input_shape), output=("logits", output_shape), nodes=counts,
                opset=OPSET, minimum_side=minimum_side(model))


class _Shape:
    """Something with a ``shape``, for :func:`check_model_input` (no array is made)."""

    def __init__(self, shape):
        self.shape = shape
