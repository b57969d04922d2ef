"""Writing tconv layers as ONNX nodes: one method per layer, the same arithmetic as the layer's forward.

:class:`GraphBuilder` collects the nodes and the weights (initializers) of one ONNX graph. Each
method takes the name of the tensor flowing in and returns the name of the tensor flowing out,
so a model's export reads like its ``forward`` (see :mod:`tconv.seg.models.export`):

* ``Conv``/``ConvTranspose`` with the layer's ``kernel_shape``, ``strides``, ``pads`` (every
  axis' begin, then every end: :func:`tconv.translate.onnx.onnx_attributes`), ``dilations``,
  ``group`` and, transposed, ``output_padding``; weights in PyTorch's layout, which is ONNX's;
* ``BatchNormalization`` with the running statistics (the layer in evaluation mode);
* ``Relu``, ``MaxPool`` (kernel 2, stride 2, floor), ``Concat``, ``Add``;
* nearest upsampling by 2 as ``Resize`` (``asymmetric`` coordinates, ``floor``: PyTorch's and
  tconv's nearest);
* :meth:`GraphBuilder.match_size`: tconv's ``match_size`` with the pads computed in the graph
  from the two tensors' shapes (``Shape``, ``Slice``, ``Sub``, ``Div``, ``Concat``, ``Pad``), so
  the graph takes any input size the model takes.

The ``onnx`` package is needed only to turn the collected nodes into a model
(:meth:`GraphBuilder.build`); it is imported there.
"""
from __future__ import annotations

import numpy as np

from ... import nn
from ...geometry import normalize_padding

__all__ = ["GraphBuilder", "OPSET"]

#: The ONNX opset the graphs use (ONNX Runtime has run it since 1.11).
OPSET = 17


class GraphBuilder:
    """Nodes and initializers of one ONNX graph, added layer by layer.

    >>> builder = GraphBuilder()
    >>> builder.relu(builder.add("x", "x"))
    'relu_1'
    >>> [node[0] for node in builder.nodes]
    ['Add', 'Relu']
    """

    def __init__(self):
        self.nodes = []                 # (op, inputs, outputs, attributes)
        self.initializers = {}          # name -> float32 / int64 array
        self.output = None              # the name of the graph's result, once a model is written
        self._count = {}

    def _name(self, stem: str) -> str:
        self._count[stem] = self._count.get(stem, 0) + 1
        return f"{stem}_{self._count[stem]}"

    def node(self, op: str, inputs, stem: str | None = None, **attributes) -> str:
        """Add one node with a single output; return the output's name."""
        output = self._name(stem or op.lower())
        self.nodes.append((op, list(inputs), [output], attributes))
        return output

    def constant(self, array, stem: str) -> str:
        """A weight or constant (float arrays stored as float32, integer arrays as int64)."""
        array = np.asarray(array)
        array = array.astype(np.int64) if array.dtype.kind in "iub" else array.astype(np.float32)
        name = self._name(stem)
        self.initializers[name] = np.ascontiguousarray(array)
        return name

    # ------------------------------------------------------------------ layers

    def conv(self, layer, x: str) -> str:
        """``Conv`` or ``ConvTranspose`` of a :mod:`tconv.nn` convolution layer."""
        n = len(layer.kernel_size)
        pairs = normalize_padding(layer.padding, layer.kernel_size, layer.dilation, layer.stride, n)
        attributes = dict(kernel_shape=list(layer.kernel_size), strides=list(layer.stride),
                          pads=[b for b, _ in pairs] + [e for _, e in pairs], dilations=list(layer.dilation),
                          group=int(layer.groups))
        inputs = [x, self.constant(layer.weight.data, "weight")]
        if layer.bias is not None:
            inputs.append(self.constant(layer.bias.data, "bias"))
        if layer.transposed:
            attributes["output_padding"] = list(layer.output_padding)
            return self.node("ConvTranspose", inputs, **attributes)
        return self.node("Conv", inputs, **attributes)

    def batch_norm(self, layer, x: str) -> str:
        """``BatchNormalization`` with the running statistics (evaluation mode)."""
        if layer.running_mean is None:
            raise ValueError(f"{type(layer).__name__} without running statistics normalises each batch by its "
                             "own statistics; ONNX's BatchNormalization needs the running ones")
        c = layer.num_features
        scale = layer.weight.data if layer.weight is not None else np.ones(c)
        shift = layer.bias.data if layer.bias is not None else np.zeros(c)
        inputs = [x, self.constant(scale, "bn_scale"), self.constant(shift, "bn_shift"),
                  self.constant(layer.running_mean, "bn_mean"), self.constant(layer.running_var, "bn_var")]
        return self.node("BatchNormalization", inputs, stem="batchnorm", epsilon=float(layer.eps))

    def relu(self, x: str) -> str:
        return self.node("Relu", [x])

    def add(self, a: str, b: str) -> str:
        return self.node("Add", [a, b])

    def concat(self, inputs, axis: int = 1) -> str:
        return self.node("Concat", list(inputs), axis=axis)

    def max_pool(self, x: str, dim: int) -> str:
        """2x2 (2x2x2) max pooling with stride 2, rounding down: ``F.max_pool2d(x, 2)``."""
        return self.node("MaxPool", [x], stem="maxpool", kernel_shape=[2] * dim, strides=[2] * dim)

    def upsample(self, layer, x: str, dim: int) -> str:
        """``Upsample(scale_factor=s, mode="nearest")`` as ``Resize`` (PyTorch's nearest: floor(out / s))."""
        if layer.mode != "nearest" or layer.scale_factor is None:
            raise ValueError(f"Upsample(mode={layer.mode!r}, size={layer.size!r}) has no ONNX export here; "
                             "tconv's models use nearest upsampling by a scale factor")
        factors = layer.scale_factor if isinstance(layer.scale_factor, tuple) else (layer.scale_factor,) * dim
        scales = self.constant(np.array([1.0, 1.0, *factors]), "scales")
        return self.node("Resize", [x, "", scales], mode="nearest", coordinate_transformation_mode="asymmetric",
                         nearest_mode="floor")

    def module(self, layer, x: str, dim: int) -> str:
        """Any layer tconv's models are made of: convolutions, batch norm, ReLU, upsampling, containers."""
        if isinstance(layer, nn.Sequential):
            for child in layer:
                x = self.module(child, x, dim)
            return x
        if hasattr(layer, "kernel_size") and hasattr(layer, "transposed"):
            return self.conv(layer, x)
        if isinstance(layer, (nn.BatchNorm2d, nn.BatchNorm3d)):
            return self.batch_norm(layer, x)
        if isinstance(layer, nn.ReLU):
            return self.relu(x)
        if isinstance(layer, nn.Upsample):
            return self.upsample(layer, x, dim)
        raise ValueError(f"{type(layer).__name__} has no ONNX export in tconv (its models use convolutions, batch "
                         "norm, ReLU, nearest upsampling and containers of them)")

    def match_size(self, x: str, reference: str) -> str:
        """``match_size(x, reference)``: pad ``x``'s spatial axes to ``reference``'s, ``d // 2`` before.

        The pads are computed in the graph from the two shapes, so any input size works. A
        decoder map of a padded model is never larger than its skip (sizes are halved rounding
        down and doubled back), so its pads are never negative; a valid U-Net crops its skip
        to the map (negative pads, which ONNX's ``Pad`` reads as cropping). The difference is
        even there, so ONNX's integer ``Div`` (which truncates) and Python's ``//`` agree.
        """
        big = np.iinfo(np.int64).max
        spatial = [self.node("Slice", [self.node("Shape", [t]), self.constant([2], "start"),
                                       self.constant([big], "end")]) for t in (reference, x)]
        difference = self.node("Sub", spatial)
        before = self.node("Div", [difference, self.constant(2, "two")])
        after = self.node("Sub", [difference, before])
        zeros = self.constant([0, 0], "zeros")
        pads = self.concat([zeros, before, zeros, after], axis=0)
        return self.node("Pad", [x, pads], mode="constant")

    # ------------------------------------------------------------------ the model

    def build(self, input_name: str, input_shape, output: str, output_shape, *, name: str, doc: str,
              metadata: dict):
        """The ``onnx.ModelProto``: the nodes, the weights, one float32 input and one output.

        Shapes list ints (fixed) or strings (ONNX's named dynamic dimensions).
        """
        import onnx
        from onnx import TensorProto, helper, numpy_helper

        nodes = [helper.make_node(op, inputs, outputs, **attributes) for op, inputs, outputs, attributes in self.nodes]
        nodes.append(helper.make_node("Identity", [output], ["logits"]))
        graph = helper.make_graph(
            nodes, name, [helper.make_tensor_value_info(input_name, TensorProto.FLOAT, list(input_shape))],
            [helper.make_tensor_value_info("logits", TensorProto.FLOAT, list(output_shape))],
            initializer=[numpy_helper.from_array(array, key) for key, array in self.initializers.items()])
        model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET)], producer_name="tconv",
                                  doc_string=doc)
        model.ir_version = 8                            # readable by ONNX Runtime 1.11 and later
        for key, value in metadata.items():
            entry = model.metadata_props.add()
            entry.key, entry.value = key, value
        onnx.checker.check_model(model, full_check=True)
        return model
