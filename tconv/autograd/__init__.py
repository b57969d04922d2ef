"""A minimal reverse-mode autograd on NumPy arrays.

* :mod:`.tensor`: ``Tensor`` (data, grad, requires_grad, backward);
* :mod:`.engine`: the topological order and the gradient accumulation;
* :mod:`.function`: ``defop``, which defines an op's forward and VJP side by side;
* op files: :mod:`.arithmetic`, :mod:`.reductions`, :mod:`.shaping`, :mod:`.elementwise`
  (importing them puts their ops into ``Tensor``'s table :data:`~.tensor.OPS`, behind ``+``,
  ``.sum()``, ``[...]``, ``.exp()``, ...);
* :mod:`.grad_mode`: ``no_grad``, ``enable_grad``; :mod:`.gradcheck`;
* :mod:`.profiler`: per-op time, calls and bytes, forward and backward apart (``tconv.profiler``);
* :mod:`.plan`: ``compile(model)``, a model's forward recorded once and replayed (fused where registered).

The differentiable neural-network ops (convolutions, losses, ...) are in
:mod:`tconv.nn.functional`.
"""
from . import arithmetic, elementwise, reductions, shaping  # noqa: F401  (they fill Tensor's OPS)
from . import plan, profiler
from .plan import compile
from .engine import backward, topological_order
from .function import as_tensor, defop, unbroadcast
from .grad_mode import enable_grad, is_grad_enabled, no_grad, set_grad_enabled
from .gradcheck import GradcheckError, gradcheck
from .tensor import Tensor

__all__ = [
    "Tensor", "backward", "topological_order", "defop", "unbroadcast", "as_tensor",
    "no_grad", "enable_grad", "set_grad_enabled", "is_grad_enabled",
    "gradcheck", "GradcheckError", "profiler", "compile",
]
