"""``Optimizer``: parameter groups, per-parameter state, ``zero_grad``, ``step``, state dicts.

An optimizer holds ``param_groups``, a list of dicts each with a ``"params"`` list and that
group's hyper-parameters (``lr``, ``momentum``, ...; missing ones come from ``defaults``), and
``state``, a dict parameter -> that parameter's buffers (momentum, Adam's moments, ...).
``step()`` reads each parameter's ``.grad`` (parameters whose ``.grad`` is ``None`` are
skipped) and updates ``.data`` in place, outside the autograd graph. The layout of
``state_dict()`` is PyTorch's: ``{"state": {index: {...}}, "param_groups": [{..., "params":
[index, ...]}]}`` with parameters numbered in order across groups.

>>> import numpy as np
>>> from tconv.nn import Parameter
>>> from tconv.optim import SGD
>>> w = Parameter(np.array([1.0, 2.0]))
>>> opt = SGD([w], lr=0.1)
>>> w.grad = np.array([1.0, -1.0])
>>> opt.step(); w.data
array([0.9, 2.1])
>>> opt.zero_grad(); w.grad is None
True
"""
from __future__ import annotations

import copy
from collections.abc import Mapping

import numpy as np

from .._checks import check_bool, check_number
from ..autograd.profiler import recorded

__all__ = ["Optimizer", "required", "check_hyperparameter"]


def check_hyperparameter(name: str, value, low: float = 0.0, high: float | None = None,
                         high_inclusive: bool = True) -> float:
    """A finite real number in ``[low, high]`` (or ``[low, high)``), else ``ValueError``/``TypeError`` naming it.

    NaN and infinities are refused, so ``lr=float("nan")`` fails here instead of silently
    turning every parameter into NaN at the first step; ``lr="0.1"`` is a ``TypeError``.

    >>> check_hyperparameter("lr", 0.1)
    0.1
    >>> check_hyperparameter("lr", float("nan"))
    Traceback (most recent call last):
    ...
    ValueError: lr=nan must be a finite number >= 0.0
    """
    return check_number(name, value, low, high, maximum_open=not high_inclusive)


class _Required:
    def __repr__(self):
        return "<required parameter>"


required = _Required()


def _check_param(p):
    if not isinstance(getattr(p, "data", None), np.ndarray) or not hasattr(p, "grad"):
        raise TypeError(f"optimizers update Tensors/Parameters (with .data and .grad), got {type(p).__name__}")
    if not getattr(p, "is_leaf", True):
        raise ValueError("can't optimize a non-leaf Tensor")
    return p


class Optimizer:
    """Base class: subclasses set ``defaults`` and implement :meth:`step` and :meth:`check_group`.

    Every parameter group's hyper-parameters are checked by :meth:`check_group`: the defaults,
    each group given to the constructor or to :meth:`add_param_group`, and the groups of a
    loaded state dict. ``state_keys`` names the per-parameter buffers :meth:`step` keeps, so a
    state dict saved by another optimizer is refused when loaded.

    ``params`` is an iterable of parameters, or of dicts ``{"params": [...], **overrides}``
    (parameter groups, e.g. a smaller ``lr`` for a pretrained encoder).

    >>> from tconv.nn import Parameter
    >>> from tconv.optim import SGD
    >>> encoder, decoder = Parameter(np.zeros(2)), Parameter(np.zeros(2))
    >>> opt = SGD([{"params": [encoder], "lr": 1e-4}, {"params": [decoder]}], lr=1e-2)
    >>> [group["lr"] for group in opt.param_groups]
    [0.0001, 0.01]
    """

    #: The per-parameter buffers this optimizer keeps in ``state`` (checked by :meth:`load_state_dict`).
    state_keys: frozenset = frozenset()

    def __init__(self, params, defaults: dict):
        self.check_group(defaults)
        self.defaults = dict(defaults)
        self.state: dict = {}
        self.param_groups: list[dict] = []
        if hasattr(params, "data") and hasattr(params, "grad"):
            raise TypeError("params argument given to the optimizer should be an iterable of Tensors or dicts, "
                            "but got a single Tensor; wrap it in a list")
        groups = list(params)
        if not groups:
            raise ValueError("optimizer got an empty parameter list")
        if not isinstance(groups[0], dict):
            groups = [{"params": groups}]
        for group in groups:
            self.add_param_group(group)

    def add_param_group(self, param_group: dict) -> None:
        """Add a group; its missing hyper-parameters are filled from ``defaults``."""
        if not isinstance(param_group, dict):
            raise TypeError(f"param_group must be a dict, got {type(param_group).__name__}")
        group = dict(param_group)
        params = group["params"]
        group["params"] = [params] if hasattr(params, "grad") else [_check_param(p) for p in params]
        for name, default in self.defaults.items():
            if default is required and name not in group:
                raise ValueError(f"parameter group didn't specify a value of required optimization parameter {name}")
            group.setdefault(name, default)
        self.check_group(group)
        seen = {id(p) for g in self.param_groups for p in g["params"]}
        if len({id(p) for p in group["params"]}) != len(group["params"]) or seen & {id(p) for p in group["params"]}:
            raise ValueError("some parameters appear in more than one parameter group (or twice in one)")
        self.param_groups.append(group)

    @recorded
    def zero_grad(self, set_to_none: bool = True) -> None:
        """Forget every parameter's gradient (``None``, or zeros with ``set_to_none=False``)."""
        for group in self.param_groups:
            for p in group["params"]:
                if set_to_none or p.grad is None:
                    p.grad = None
                else:
                    p.grad = np.zeros_like(p.data)

    def step(self) -> None:
        """Update every parameter that has a gradient (implemented by subclasses)."""
        raise NotImplementedError

    def check_group(self, group: dict) -> None:
        """Validate one group's hyper-parameters (subclasses: each with :func:`check_hyperparameter`)."""

    def _grads(self, group, signed: bool = True):
        """``(param, data, grad)`` for the group's parameters that have a gradient; grad cast to data's dtype.

        ``signed``: the gradient negated when the group has ``maximize`` (``False``: as it is).
        """
        for p in group["params"]:
            if p.grad is None:
                continue
            grad = np.asarray(p.grad)
            if grad.shape != p.data.shape:
                raise ValueError(f"a parameter of shape {p.data.shape} has a gradient of shape {grad.shape}")
            grad = grad.astype(p.data.dtype, copy=False)
            yield p, p.data, (-grad if signed and group.get("maximize") else grad)

    # ------------------------------------------------------------------ state dicts
    def state_dict(self) -> dict:
        """``{"state": {index: {name: value}}, "param_groups": [{..., "params": [index, ...]}]}`` (copies)."""
        index = {}
        groups = []
        for group in self.param_groups:
            packed = {k: v for k, v in group.items() if k != "params"}
            packed["params"] = [index.setdefault(id(p), len(index)) for p in group["params"]]
            groups.append(packed)
        state = {index[id(p)]: copy.deepcopy(s) for p, s in self.state.items() if id(p) in index}
        return {"state": state, "param_groups": groups}

    def load_state_dict(self, state_dict: dict) -> None:
        """Restore hyper-parameters and buffers saved by :meth:`state_dict` (also after ``tconv.load``).

        Everything is checked before anything is replaced: the layout (``state`` and
        ``param_groups``), the group sizes, the hyper-parameters (:meth:`check_group`), and
        that the buffers are this optimizer's (:attr:`state_keys`, e.g. SGD's state does not
        load into Adam).
        """
        name = type(self).__name__
        if not isinstance(state_dict, Mapping) or not {"state", "param_groups"} <= set(state_dict):
            found = sorted(state_dict) if isinstance(state_dict, Mapping) else type(state_dict).__name__
            raise ValueError(f"{name}.load_state_dict expects the dict of optimizer.state_dict(), with keys "
                             f"'state' and 'param_groups'; got {found}")
        groups = state_dict["param_groups"]
        if not isinstance(groups, (list, tuple)) or not all(isinstance(g, Mapping) and "params" in g for g in groups):
            raise ValueError(f"{name}.load_state_dict: 'param_groups' must be a list of dicts with 'params'")
        if len(groups) != len(self.param_groups):
            raise ValueError(f"loaded state dict has {len(groups)} parameter groups; this optimizer has "
                             f"{len(self.param_groups)}")
        restored = []
        for i, (saved, group) in enumerate(zip(groups, self.param_groups)):
            if len(saved["params"]) != len(group["params"]):
                raise ValueError(f"loaded state dict has a parameter group ({i}) of size {len(saved['params'])} "
                                 f"that doesn't match the size of the optimizer's group ({len(group['params'])})")
            hyper = {k: (tuple(v) if isinstance(v, list) else v) for k, v in saved.items() if k != "params"}
            missing = sorted(set(self.defaults) - set(hyper))
            if missing:
                raise ValueError(f"loaded parameter group {i} lacks {missing}: it was not saved by {name}")
            merged = {**group, **{k: v for k, v in hyper.items() if k in self.defaults}}
            try:
                self.check_group(merged)
            except (TypeError, ValueError) as error:
                raise ValueError(f"loaded parameter group {i}: {error}") from None
            restored.append(merged)
        by_index = {}
        for saved, group in zip(groups, self.param_groups):
            by_index.update({int(k): p for k, p in zip(saved["params"], group["params"])})
        if not isinstance(state_dict["state"], Mapping):
            raise ValueError(f"{name}.load_state_dict: 'state' must be a dict index -> buffers")
        state = {}
        for key, buffers in state_dict["state"].items():
            if int(key) not in by_index:
                raise ValueError(f"loaded state dict has state for parameter index {key}, but the optimizer "
                                 f"has parameters 0..{len(by_index) - 1}")
            foreign = sorted(set(buffers) - self.state_keys)
            if foreign:
                raise ValueError(f"loaded state of parameter {key} has buffers {foreign} that {name} does not keep "
                                 f"(it keeps {sorted(self.state_keys)}): was it saved by another optimizer?")
            p = by_index[int(key)]
            state[p] = {k: self._cast_state(k, value, p, int(key)) for k, value in buffers.items()}
        self.state = state
        for group, merged in zip(self.param_groups, restored):
            group.update(merged)

    @staticmethod
    def _cast_state(name, value, p, index):
        """One saved buffer, checked: real numbers of the parameter's shape (``step``: an int)."""
        if value is None:                                  # torch saves momentum_buffer=None
            return None
        if type(value).__module__.startswith("torch"):     # a torch.optim state dict loads too
            value = value.detach().cpu().numpy()
        if name == "step":
            return int(np.asarray(value))
        array = np.array(value, copy=True)
        if array.dtype.kind not in "biuf":
            raise TypeError(f"loaded optimizer state {name!r} of parameter {index} has dtype {array.dtype}; "
                            "it must hold real numbers")
        if array.shape != p.data.shape:
            raise ValueError(f"loaded optimizer state {name!r} of parameter {index} has shape {array.shape}, "
                             f"but the parameter has shape {p.data.shape}")
        return array.astype(p.data.dtype)

    def __repr__(self) -> str:
        lines = [type(self).__name__ + " ("]
        for i, group in enumerate(self.param_groups):
            lines.append(f"Parameter Group {i}")
            lines += [f"    {k}: {v}" for k, v in sorted(group.items()) if k != "params"]
        return "\n".join(lines + [")"])
