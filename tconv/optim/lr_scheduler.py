"""Learning-rate schedules that step once per epoch, with PyTorch's exact sequences.

A scheduler remembers each group's starting ``lr`` (``base_lrs``, stored as ``"initial_lr"``
in the group) and sets ``group["lr"]`` each time :meth:`LRScheduler.step` is called (once per
epoch, after the optimizer's steps). Creating it counts as the first call: ``last_epoch``
becomes 0 and the learning rate stays ``base_lr``. As in PyTorch the updates are *recursive*
(each lr computed from the previous one, so changes made to ``group["lr"]`` by other code
carry through); ``closed_form_lr()`` gives the textbook formula for comparison.

* :class:`StepLR`: ``lr = base_lr * gamma ** (epoch // step_size)``.
* :class:`CosineAnnealingLR`: ``lr = eta_min + (base_lr - eta_min) * (1 + cos(pi * epoch / T_max)) / 2``
  (SGDR without restarts, Loshchilov & Hutter 2017); past ``T_max`` it climbs back, as PyTorch's does.

>>> import numpy as np
>>> from tconv.nn import Parameter
>>> from tconv.optim import SGD
>>> opt = SGD([Parameter(np.zeros(1))], lr=1.0)
>>> sched = StepLR(opt, step_size=2, gamma=0.5)
>>> lrs = []
>>> for epoch in range(5):
...     lrs.append(sched.get_last_lr()[0]); sched.step()
>>> lrs
[1.0, 1.0, 0.5, 0.5, 0.25]
"""
from __future__ import annotations

import math

from .optimizer import Optimizer

__all__ = ["LRScheduler", "StepLR", "CosineAnnealingLR"]


class LRScheduler:
    """Base class: subclasses implement :meth:`get_lr` (recursive) and :meth:`closed_form_lr`.

    >>> import numpy as np
    >>> from tconv.nn import Parameter
    >>> from tconv.optim import SGD
    >>> class Halve(LRScheduler):                 # halve every epoch
    ...     def get_lr(self):
    ...         lrs = [group["lr"] for group in self.optimizer.param_groups]
    ...         return lrs if self.last_epoch == 0 else [lr / 2 for lr in lrs]
    >>> sched = Halve(SGD([Parameter(np.zeros(1))], lr=1.0))
    >>> sched.step(); sched.step(); sched.get_last_lr()
    [0.25]
    """

    def __init__(self, optimizer: Optimizer, last_epoch: int = -1):
        if not isinstance(optimizer, Optimizer):
            raise TypeError(f"{type(optimizer).__name__} is not an Optimizer")
        self.optimizer = optimizer
        if last_epoch == -1:
            for group in optimizer.param_groups:
                group.setdefault("initial_lr", group["lr"])
        else:
            for i, group in enumerate(optimizer.param_groups):
                if "initial_lr" not in group:
                    raise KeyError(f"param 'initial_lr' is not specified in param_groups[{i}] when resuming "
                                   "a scheduler with last_epoch >= 0 (load the optimizer's state first)")
        self.base_lrs = [group["initial_lr"] for group in optimizer.param_groups]
        self.last_epoch = last_epoch
        self._step_count = 0
        self._is_initial = True
        self.step()
        self._is_initial = False

    def get_lr(self) -> list[float]:
        """The learning rates for epoch ``last_epoch``, from the current ones (recursive form)."""
        raise NotImplementedError

    def closed_form_lr(self) -> list[float]:
        """The learning rates for epoch ``last_epoch`` from ``base_lrs`` (textbook formula)."""
        raise NotImplementedError

    def step(self) -> None:
        """Advance one epoch and set every group's ``lr``."""
        self._step_count += 1
        self.last_epoch += 1
        for group, lr in zip(self.optimizer.param_groups, self.get_lr()):
            group["lr"] = lr
        self._last_lr = [group["lr"] for group in self.optimizer.param_groups]

    def get_last_lr(self) -> list[float]:
        """The learning rates set by the last :meth:`step` (one per parameter group)."""
        return list(self._last_lr)

    def state_dict(self) -> dict:
        """Every attribute except the optimizer (PyTorch's convention)."""
        return {key: value for key, value in self.__dict__.items() if key != "optimizer"}

    def load_state_dict(self, state_dict: dict) -> None:
        """Restore attributes saved by :meth:`state_dict`."""
        self.__dict__.update(state_dict)

    def _lrs(self) -> list[float]:
        return [group["lr"] for group in self.optimizer.param_groups]


class StepLR(LRScheduler):
    """Multiply the learning rate by ``gamma`` every ``step_size`` epochs.

    >>> import numpy as np
    >>> from tconv.nn import Parameter
    >>> from tconv.optim import SGD
    >>> opt = SGD([Parameter(np.zeros(1))], lr=0.1)
    >>> sched = StepLR(opt, step_size=10, gamma=0.1)
    >>> for epoch in range(25):
    ...     sched.step()
    >>> sched.last_epoch, round(opt.param_groups[0]["lr"], 6), round(sched.closed_form_lr()[0], 6)
    (25, 0.001, 0.001)
    """

    def __init__(self, optimizer: Optimizer, step_size: int, gamma: float = 0.1, last_epoch: int = -1):
        if int(step_size) != step_size or step_size < 1:
            raise ValueError(f"step_size must be a positive integer, got {step_size!r}")
        self.step_size = int(step_size)
        self.gamma = gamma
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        if self.last_epoch == 0 or self.last_epoch % self.step_size != 0:
            return self._lrs()
        return [lr * self.gamma for lr in self._lrs()]

    def closed_form_lr(self) -> list[float]:
        return [base * self.gamma ** (self.last_epoch // self.step_size) for base in self.base_lrs]


class CosineAnnealingLR(LRScheduler):
    """Anneal from ``base_lr`` to ``eta_min`` along half a cosine over ``T_max`` epochs.

    >>> import numpy as np
    >>> from tconv.nn import Parameter
    >>> from tconv.optim import SGD
    >>> sched = CosineAnnealingLR(SGD([Parameter(np.zeros(1))], lr=1.0), T_max=2)
    >>> lrs = []
    >>> for epoch in range(1, 5):
    ...     sched.step(); lrs.append(round(sched.get_last_lr()[0], 6))
    >>> lrs
    [0.5, 0.0, 0.5, 1.0]
    """

    def __init__(self, optimizer: Optimizer, T_max: int, eta_min: float = 0.0, last_epoch: int = -1):
        if T_max <= 0:
            raise ValueError(f"T_max must be positive, got {T_max!r}")
        self.T_max = T_max
        self.eta_min = eta_min
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        epoch, T, low = self.last_epoch, self.T_max, self.eta_min
        if self._is_initial:
            return self._lrs()
        if self._step_count == 1 and epoch > 0:
            return [low + (base - low) * (1 + math.cos(epoch * math.pi / T)) / 2 for base in self.base_lrs]
        if (epoch - 1 - T) % (2 * T) == 0:
            return [lr + (base - low) * (1 - math.cos(math.pi / T)) / 2
                    for base, lr in zip(self.base_lrs, self._lrs())]
        return [(1 + math.cos(math.pi * epoch / T)) / (1 + math.cos(math.pi * (epoch - 1) / T)) * (lr - low) + low
                for lr in self._lrs()]

    def closed_form_lr(self) -> list[float]:
        return [self.eta_min + (base - self.eta_min) * (1 + math.cos(math.pi * self.last_epoch / self.T_max)) / 2
                for base in self.base_lrs]
