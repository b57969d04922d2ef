"""Adam (Kingma & Ba, 2015) and AdamW (Loshchilov & Hutter, 2019), as ``torch.optim`` computes them.

Per parameter ``p`` with gradient ``g``, at step ``t = 1, 2, ...``::

    p = p * (1 - lr * weight_decay)          AdamW (decoupled weight decay)
    g = g + weight_decay * p                 Adam (L2 penalty in the gradient)
    m = beta1 * m + (1 - beta1) * g
    v = beta2 * v + (1 - beta2) * g**2
    v_hat = max(v_hat, v) if amsgrad else v
    p = p - lr / (1 - beta1**t) * m / (sqrt(v_hat) / sqrt(1 - beta2**t) + eps)

Each parameter is updated in one fused pass (:func:`tconv.kernels.optim.adam_update`, with a
NumPy twin): the parameter, its gradient and both moments are read and written once.

>>> import numpy as np
>>> from tconv.nn import Parameter
>>> w = Parameter(np.array([1.0, -1.0]))
>>> opt = Adam([w], lr=0.1)
>>> w.grad = np.array([3.0, -0.5]); opt.step()
>>> w.data.round(6)              # the first Adam step moves every coordinate by about lr
array([ 0.9, -0.9])
"""
from __future__ import annotations

import numpy as np

from .._checks import check_bool
from ..autograd.profiler import recorded
from .optimizer import Optimizer, check_hyperparameter

__all__ = ["Adam", "AdamW"]


class Adam(Optimizer):
    """``Adam(params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0, amsgrad=False, *, maximize=False)``.

    >>> from tconv.nn import Parameter
    >>> w = Parameter(np.array([2.0, -3.0]))
    >>> opt = Adam([w], lr=0.1)
    >>> for _ in range(200):                      # minimise sum(w**2): the gradient is 2w
    ...     w.grad = 2 * w.data; opt.step()
    >>> bool(np.abs(w.data).max() < 0.05)
    True
    """

    _decoupled = False
    state_keys = frozenset({"step", "exp_avg", "exp_avg_sq", "max_exp_avg_sq"})

    def __init__(self, params, lr: float = 1e-3, betas=(0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 0.0, amsgrad: bool = False, *, maximize: bool = False):
        defaults = dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay, amsgrad=amsgrad,
                        maximize=maximize)
        super().__init__(params, defaults)

    def check_group(self, group: dict) -> None:
        """``lr``, ``eps``, ``weight_decay`` >= 0; ``betas`` a pair in ``[0, 1)``; stores betas as a tuple."""
        for name in ("lr", "eps", "weight_decay"):
            check_hyperparameter(name, group[name])
        betas = group["betas"]
        if not isinstance(betas, (tuple, list)) or len(betas) != 2:
            raise ValueError(f"betas={betas!r} must be a pair (beta1, beta2), e.g. (0.9, 0.999)")
        for i in (0, 1):
            check_hyperparameter(f"betas[{i}]", betas[i], 0.0, 1.0, high_inclusive=False)
        group["betas"] = tuple(betas)
        for name in ("amsgrad", "maximize"):
            check_bool(name, group[name])

    @recorded
    def step(self) -> None:
        """One update of every parameter that has a gradient (one fused pass per parameter)."""
        update = _update_kernel()
        for group in self.param_groups:
            lr, (beta1, beta2), eps, decay = group["lr"], group["betas"], group["eps"], group["weight_decay"]
            amsgrad = bool(group["amsgrad"])
            for p, data, grad in self._grads(group, signed=False):
                state = self.state.setdefault(p, {})
                if not state:
                    state["step"] = 0
                    state["exp_avg"] = np.zeros_like(data)
                    state["exp_avg_sq"] = np.zeros_like(data)
                    if amsgrad:
                        state["max_exp_avg_sq"] = np.zeros_like(data)
                state["step"] += 1
                flat = [_contiguous(a) for a in (data, grad, state["exp_avg"], state["exp_avg_sq"],
                                                 state.get("max_exp_avg_sq", _EMPTY[data.dtype.char]))]
                update(*(a.reshape(-1) for a in flat), state["step"], float(lr), float(beta1), float(beta2),
                       float(eps), float(decay), self._decoupled, amsgrad, bool(group["maximize"]))
                for array, original in zip(flat, (data, None, state["exp_avg"], state["exp_avg_sq"])):
                    if original is not None and array is not original:     # a non-contiguous buffer: copy back
                        original[...] = array


def _contiguous(array: np.ndarray) -> np.ndarray:
    return array if array.flags.c_contiguous else np.ascontiguousarray(array)


_EMPTY = {"f": np.empty(0, np.float32), "d": np.empty(0, np.float64)}


def _update_kernel():
    """:func:`tconv.kernels.optim.adam_update`, or its NumPy twin with ``NUMBA_DISABLE_JIT=1``."""
    import numba

    from ..kernels import optim

    return optim.adam_update_numpy if numba.config.DISABLE_JIT else optim.adam_update


class AdamW(Adam):
    """``AdamW(params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=1e-2, amsgrad=False)``.

    Adam with *decoupled* weight decay: the parameter shrinks by ``lr * weight_decay`` times
    itself before the Adam step, instead of the penalty entering the moments.

    >>> from tconv.nn import Parameter
    >>> w = Parameter(np.array([1.0, -2.0]))
    >>> opt = AdamW([w], lr=0.1, weight_decay=0.5)
    >>> w.grad = np.zeros(2); opt.step()          # zero gradient: only the decay, p * (1 - 0.1 * 0.5)
    >>> w.data
    array([ 0.95, -1.9 ])
    """

    _decoupled = True

    def __init__(self, params, lr: float = 1e-3, betas=(0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 1e-2, amsgrad: bool = False, *, maximize: bool = False):
        super().__init__(params, lr=lr, betas=betas, eps=eps, weight_decay=weight_decay, amsgrad=amsgrad,
                         maximize=maximize)
