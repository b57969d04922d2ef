"""Stochastic gradient descent with momentum, dampening, Nesterov momentum and weight decay.

PyTorch's algorithm (``torch.optim.SGD``), per parameter ``p`` with gradient ``g``::

    g = g + weight_decay * p                       (if weight_decay != 0)
    b = g                                          (first step)
    b = momentum * b + (1 - dampening) * g         (later steps)
    g = g + momentum * b   if nesterov   else   b  (if momentum != 0)
    p = p - lr * g

Note that PyTorch's momentum scales the *step*, not the gradient (Sutskever et al. 2013 put
``lr`` inside the buffer); the two agree for a constant learning rate.

>>> import numpy as np
>>> from tconv.nn import Parameter
>>> w = Parameter(np.array([1.0]))
>>> opt = SGD([w], lr=0.1, momentum=0.9)
>>> for _ in range(2):
...     w.grad = np.array([1.0]); opt.step()
>>> w.data                       # 1 - 0.1 * 1 - 0.1 * (0.9 * 1 + 1)
array([0.71])
"""
from __future__ import annotations

from .._checks import check_bool
from ..autograd.profiler import recorded
from .optimizer import Optimizer, check_hyperparameter

__all__ = ["SGD"]


class SGD(Optimizer):
    """``SGD(params, lr=1e-3, momentum=0, dampening=0, weight_decay=0, nesterov=False, *, maximize=False)``.

    >>> import numpy as np
    >>> from tconv.nn import Parameter
    >>> w = Parameter(np.array([1.0, -2.0]))
    >>> opt = SGD([w], lr=0.1, weight_decay=0.5)
    >>> w.grad = np.zeros(2); opt.step()          # p - lr * (g + weight_decay * p) = 0.95 p
    >>> w.data
    array([ 0.95, -1.9 ])
    """

    state_keys = frozenset({"momentum_buffer"})

    def __init__(self, params, lr: float = 1e-3, momentum: float = 0.0, dampening: float = 0.0,
                 weight_decay: float = 0.0, nesterov: bool = False, *, maximize: bool = False):
        defaults = dict(lr=lr, momentum=momentum, dampening=dampening, weight_decay=weight_decay,
                        nesterov=nesterov, maximize=maximize)
        super().__init__(params, defaults)

    def check_group(self, group: dict) -> None:
        """``lr``, ``momentum``, ``dampening``, ``weight_decay`` >= 0; Nesterov needs momentum, no dampening."""
        for name in ("lr", "momentum", "dampening", "weight_decay"):
            check_hyperparameter(name, group[name])
        for name in ("nesterov", "maximize"):
            check_bool(name, group[name])
        if group["nesterov"] and (group["momentum"] <= 0 or group["dampening"] != 0):
            raise ValueError("Nesterov momentum requires a momentum and zero dampening")

    @recorded
    def step(self) -> None:
        """One update of every parameter that has a gradient."""
        for group in self.param_groups:
            lr, momentum, dampening = group["lr"], group["momentum"], group["dampening"]
            for p, data, grad in self._grads(group):
                if group["weight_decay"] != 0:
                    grad = grad + group["weight_decay"] * data
                if momentum != 0:
                    state = self.state.setdefault(p, {})
                    buf = state.get("momentum_buffer")
                    if buf is None:
                        buf = state["momentum_buffer"] = grad.copy()
                    else:
                        buf *= momentum
                        buf += (1 - dampening) * grad
                    grad = grad + momentum * buf if group["nesterov"] else buf
                data -= lr * grad
