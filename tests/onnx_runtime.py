"""ONNX Runtime as a test oracle: run one node or one exported file (skipped without onnx / onnxruntime).

``onnx`` (the ``.[onnx]`` extra) builds graphs; ``onnxruntime`` (a test extra) runs them. Both are
optional: a test module calls :func:`require` at import and is skipped, with the reason, when
one of them is missing.
"""
from __future__ import annotations

import numpy as np
import pytest

#: Opset of the single-node graphs (ConvTranspose/Conv have had their present form since 11).
OPSET = 17


def require():
    """``(onnx, onnxruntime)``, or skip the calling test module with the reason."""
    onnx = pytest.importorskip("onnx", reason="the onnx package is not installed (pip install 'tconv[onnx]')")
    runtime = pytest.importorskip("onnxruntime", reason="onnxruntime is not installed (the ONNX oracle is "
                                  "optional: pip install onnxruntime)")
    return onnx, runtime


def session(model_bytes):
    """An onnxruntime session on the CPU, quiet (errors only)."""
    import onnxruntime

    options = onnxruntime.SessionOptions()
    options.log_severity_level = 3
    return onnxruntime.InferenceSession(model_bytes, options, providers=["CPUExecutionProvider"])


def run_node(op: str, x: np.ndarray, w: np.ndarray, **attributes) -> np.ndarray:
    """Run one ``Conv``/``ConvTranspose`` node on ``x`` with the weight ``w`` (float32) in ONNX Runtime."""
    from onnx import TensorProto, helper, numpy_helper

    node = helper.make_node(op, ["x", "w"], ["y"], **attributes)
    graph = helper.make_graph([node], "one_node", [helper.make_tensor_value_info("x", TensorProto.FLOAT, x.shape)],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)],
                              initializer=[numpy_helper.from_array(w.astype(np.float32), "w")])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET)])
    model.ir_version = 8
    return session(model.SerializeToString()).run(None, {"x": x.astype(np.float32)})[0]
