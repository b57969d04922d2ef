"""Optimizers and learning-rate schedules, with ``torch.optim``'s names and update formulas.

>>> import numpy as np
>>> from tconv.nn import Parameter
>>> w = Parameter(np.array([3.0]))
>>> opt = SGD([w], lr=0.25)
>>> for _ in range(20):                  # minimise w**2: the gradient is 2w
...     w.grad = 2 * w.data; opt.step()
>>> bool(abs(w.data[0]) < 1e-5)
True
"""
from . import lr_scheduler
from .adam import Adam, AdamW
from .optimizer import Optimizer
from .sgd import SGD

__all__ = ["Optimizer", "SGD", "Adam", "AdamW", "lr_scheduler"]
