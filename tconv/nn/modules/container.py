"""Containers: ``Sequential`` (a pipeline) and ``ModuleList`` (a list that registers its modules).

Children are named ``"0"``, ``"1"``, ... so parameter names read ``encoder.0.weight``, exactly
as in PyTorch (a plain Python list of modules would hide them from ``parameters()``).

>>> from tconv.nn import Conv2d, ReLU
>>> net = Sequential(Conv2d(1, 2, 3), ReLU())
>>> len(net), [name for name, _ in net.named_parameters()]
(2, ['0.weight', '0.bias'])
>>> net[-1]
ReLU()
"""
from __future__ import annotations

import operator
from collections import OrderedDict

from ..module import Module, indent_lines

__all__ = ["Sequential", "ModuleList"]


def _index(index, length: int) -> int:
    index = operator.index(index)
    if not -length <= index < length:
        raise IndexError(f"index {index} is out of range for a container of {length} modules")
    return index % length


class Sequential(Module):
    """``Sequential(m0, m1, ...)`` or ``Sequential(OrderedDict(name=module))``: ``forward`` chains them.

    >>> import numpy as np
    >>> from tconv.nn import Conv2d, ReLU
    >>> net = Sequential(OrderedDict(conv=Conv2d(1, 4, 3, padding=1), act=ReLU()))
    >>> list(net.state_dict())
    ['conv.weight', 'conv.bias']
    >>> net(np.zeros((2, 1, 8, 8), np.float32)).shape       # (N, 1, H, W) -> (N, 4, H, W)
    (2, 4, 8, 8)
    """

    def __init__(self, *modules):
        super().__init__()
        if len(modules) == 1 and isinstance(modules[0], OrderedDict):
            for name, module in modules[0].items():
                self.add_module(name, module)
        else:
            for i, module in enumerate(modules):
                self.add_module(str(i), module)

    def forward(self, input):
        for module in self._modules.values():
            input = module(input)
        return input

    def __len__(self) -> int:
        return len(self._modules)

    def __iter__(self):
        return iter(self._modules.values())

    def __getitem__(self, index):
        if isinstance(index, slice):
            return type(self)(OrderedDict(list(self._modules.items())[index]))
        return list(self._modules.values())[_index(index, len(self))]

    def __setitem__(self, index, module: Module) -> None:
        self.add_module(list(self._modules)[_index(index, len(self))], module)

    def __delitem__(self, index) -> None:
        """Remove modules, then renumber the rest ``0, 1, ...`` (as PyTorch), so a later
        :meth:`append` (named ``str(len(self))``) cannot overwrite a surviving module."""
        keys = list(self._modules)
        for key in (keys[index] if isinstance(index, slice) else [keys[_index(index, len(self))]]):
            del self._modules[key]
        modules = list(self._modules.values())
        self._modules.clear()
        for i, module in enumerate(modules):
            self._modules[str(i)] = module

    def append(self, module: Module) -> "Sequential":
        """Add ``module`` at the end (named ``str(len(self))``); returns self."""
        self.add_module(str(len(self)), module)
        return self


class ModuleList(Module):
    """A list of modules, each registered (``parameters()`` sees them); no ``forward`` of its own.

    >>> blocks = ModuleList([Sequential(), Sequential()])
    >>> _ = blocks.append(Sequential())
    >>> len(blocks)
    3
    >>> blocks
    ModuleList(
      (0-2): 3 x Sequential()
    )
    """

    def __init__(self, modules=None):
        super().__init__()
        if modules is not None:
            self.extend(modules)

    def __len__(self) -> int:
        return len(self._modules)

    def __iter__(self):
        return iter(self._modules.values())

    def __getitem__(self, index):
        if isinstance(index, slice):
            return type(self)(list(self._modules.values())[index])
        return self._modules[str(_index(index, len(self)))]

    def __setitem__(self, index, module: Module) -> None:
        self.add_module(str(_index(index, len(self))), module)

    def __delitem__(self, index) -> None:
        modules = list(self._modules.values())
        del modules[index if isinstance(index, slice) else _index(index, len(self))]
        self._modules.clear()
        self.extend(modules)

    def append(self, module: Module) -> "ModuleList":
        """Add ``module`` at the end; returns self."""
        self.add_module(str(len(self)), module)
        return self

    def extend(self, modules) -> "ModuleList":
        """Append every module of an iterable; returns self."""
        for module in modules:
            self.append(module)
        return self

    def insert(self, index: int, module: Module) -> None:
        """Insert ``module`` before position ``index``."""
        modules = list(self._modules.values())
        modules.insert(index, module)
        self._modules.clear()
        self.extend(modules)

    def __repr__(self) -> str:
        """PyTorch's compressed form: repeated identical children print once as ``(i-j): n x ...``."""
        reprs = [repr(module) for module in self]
        if not reprs:
            return "ModuleList()"
        blocks = []                                     # [start, end, text]
        for i, text in enumerate(reprs):
            if blocks and blocks[-1][2] == text:
                blocks[-1][1] = i
            else:
                blocks.append([i, i, text])
        lines = [indent_lines(f"({a}): {text}" if a == b else f"({a}-{b}): {b - a + 1} x {text}", 2)
                 for a, b, text in blocks]
        return "ModuleList(\n  " + "\n  ".join(lines) + "\n)"
