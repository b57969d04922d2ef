"""One convolution in every framework's words: tconv, PyTorch, Keras and ONNX.

* :mod:`.keras`: a Keras ``Conv*DTranspose(padding="same"|"valid")`` in tconv and PyTorch
  (:func:`keras_conv_transpose`), with the one-pixel shift and the cases with no PyTorch
  equivalent;
* :mod:`.spelling`: any tconv geometry written as a tconv call, a PyTorch layer and (when one
  exists) a Keras layer (:func:`framework_calls`);
* :mod:`.onnx`: an ONNX ``ConvTranspose`` node (``pads``, ``output_padding``, ``auto_pad``
  SAME_UPPER/SAME_LOWER, ``output_shape``) in tconv, PyTorch and Keras
  (:func:`onnx_conv_transpose`), and any tconv geometry as an ONNX node (:func:`onnx_spelling`).

>>> t = keras_conv_transpose("same", kernel_size=3, stride=2)
>>> t.padding, t.output_padding
((1, 1), (1, 1))
"""
from .keras import KERAS_PADDINGS, KerasTranslation, keras_conv_transpose, keras_output_size
from .onnx import ONNX_AUTO_PADS, OnnxTranslation, onnx_conv_transpose, onnx_spelling
from .spelling import FrameworkCalls, framework_calls

__all__ = ["KerasTranslation", "keras_conv_transpose", "keras_output_size", "KERAS_PADDINGS", "FrameworkCalls",
           "framework_calls", "OnnxTranslation", "onnx_conv_transpose", "onnx_spelling", "ONNX_AUTO_PADS"]
