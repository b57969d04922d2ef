"""``Module``: the base class of layers and networks, with PyTorch's registration rules.

Assigning a :class:`~tconv.nn.Parameter` or a ``Module`` to an attribute registers it, in
assignment order; :meth:`Module.register_buffer` registers non-trainable state (BatchNorm's
running statistics, stored as plain ndarrays). Registration gives

* dotted names, exactly as PyTorch's: ``encoder.0.weight``, ``bn.running_mean``;
* ``parameters()`` for the optimizer, ``zero_grad()``, ``train()``/``eval()`` (recursive);
* ``state_dict()``: an ``OrderedDict`` name -> ndarray copy (each module's parameters, then its
  buffers, then its children), which :func:`tconv.save` writes and which loads into the same
  network written in PyTorch; ``load_state_dict`` checks names and shapes before copying.

>>> import numpy as np
>>> from tconv.nn import Parameter
>>> class Affine(Module):
...     def __init__(self):
...         super().__init__()
...         self.scale = Parameter(np.ones(3))
...         self.register_buffer("count", np.zeros((), np.int64))
...     def forward(self, x):
...         return x * self.scale
>>> class Net(Module):
...     def __init__(self):
...         super().__init__()
...         self.first = Affine()
...         self.second = Affine()
>>> [name for name, _ in Net().named_parameters()]
['first.scale', 'second.scale']
>>> list(Net().state_dict())
['first.scale', 'first.count', 'second.scale', 'second.count']
"""
from __future__ import annotations

import os
from collections import OrderedDict
from collections.abc import Mapping
from typing import Iterator, NamedTuple

import numpy as np

from ..autograd import Tensor
from .parameter import Parameter

__all__ = ["Module", "IncompatibleKeys", "RemovableHandle", "indent_lines"]


class IncompatibleKeys(NamedTuple):
    """What :meth:`Module.load_state_dict` could not match (empty lists when everything matched).

    >>> class Scale(Module):
    ...     def __init__(self):
    ...         super().__init__()
    ...         self.weight = Parameter(np.ones(2))
    >>> Scale().load_state_dict({"weight": np.zeros(2), "extra": np.zeros(1)}, strict=False)
    IncompatibleKeys(missing_keys=[], unexpected_keys=['extra'])
    """

    missing_keys: list
    unexpected_keys: list


class RemovableHandle:
    """What :meth:`Module.register_forward_hook` returns: ``remove()`` unregisters the hook.

    >>> hooks = {}
    >>> handle = RemovableHandle(hooks); hooks[handle.id] = print
    >>> handle.remove(); hooks
    {}
    """

    _next_id = 0

    def __init__(self, table: dict):
        self._table = table
        self.id = RemovableHandle._next_id
        RemovableHandle._next_id += 1

    def remove(self) -> None:
        self._table.pop(self.id, None)

    def __enter__(self) -> "RemovableHandle":
        return self

    def __exit__(self, *exc) -> None:
        self.remove()


def indent_lines(text: str, spaces: int) -> str:
    """``text`` with every line but the first indented by ``spaces`` (a child's repr inside its parent's).

    >>> indent_lines("Conv2d(\\n  1, 2)", 2)
    'Conv2d(\\n    1, 2)'
    """
    first, *rest = text.split("\n")
    return "\n".join([first] + [" " * spaces + line for line in rest])


class Module:
    """Base class: set parameters and sub-modules in ``__init__``, compute in ``forward``.

    >>> class Scale(Module):
    ...     def __init__(self):
    ...         super().__init__()
    ...         self.weight = Parameter(np.full(3, 2.0))
    ...     def forward(self, x):
    ...         return x * self.weight
    >>> m = Scale()
    >>> m(Tensor(np.ones(3)))
    Tensor([2., 2., 2.], grad_fn=<mul>)
    >>> [name for name, _ in m.named_parameters()], m.training
    (['weight'], True)
    >>> m.eval().training
    False
    """

    def __init__(self):
        object.__setattr__(self, "training", True)
        object.__setattr__(self, "_parameters", OrderedDict())
        object.__setattr__(self, "_buffers", OrderedDict())
        object.__setattr__(self, "_non_persistent_buffers", set())
        object.__setattr__(self, "_modules", OrderedDict())
        object.__setattr__(self, "_forward_hooks", OrderedDict())

    def forward(self, *args, **kwargs):
        """The computation; subclasses override it. Call the module, not ``forward``."""
        raise NotImplementedError(f'Module [{type(self).__name__}] is missing the required "forward" function')

    def __call__(self, *args, **kwargs):
        out = self.forward(*args, **kwargs)
        for hook in tuple(self._forward_hooks.values()):
            result = hook(self, args, out)
            if result is not None:
                out = result
        return out

    def register_forward_hook(self, hook) -> "RemovableHandle":
        """Call ``hook(module, inputs, output)`` after every forward; a non-None result replaces the output.

        As PyTorch's: returns a handle whose ``remove()`` unregisters the hook (used by
        :func:`tconv.nn.summary` to record each layer's output shape).

        >>> from tconv.nn import ReLU
        >>> seen = []
        >>> handle = ReLU().register_forward_hook(lambda m, inputs, out: seen.append(out.shape))
        """
        if not callable(hook):
            raise TypeError(f"hook must be callable, got {type(hook).__name__}")
        handle = RemovableHandle(self._forward_hooks)
        self._forward_hooks[handle.id] = hook
        return handle

    # ------------------------------------------------------------------ registration
    def _check_name(self, name, kind: str) -> None:
        if "_parameters" not in self.__dict__:
            raise AttributeError(f"cannot assign {kind} before Module.__init__() call")
        if not isinstance(name, str):
            raise TypeError(f"{kind} name should be a string, got {type(name).__name__}")
        if name == "" or "." in name:
            raise KeyError(f'{kind} name can\'t be empty or contain ".", got {name!r}')

    def register_parameter(self, name: str, param: Parameter | None) -> None:
        """Register ``param`` (or ``None``, e.g. ``bias=False``: then it is neither listed nor saved)."""
        self._check_name(name, "parameter")
        if param is not None and not isinstance(param, Parameter):
            raise TypeError(f"cannot assign '{type(param).__name__}' object to parameter '{name}' "
                            "(tconv.nn.Parameter or None required)")
        self._forget(name)
        self._parameters[name] = param

    def register_buffer(self, name: str, array, persistent: bool = True) -> None:
        """Register non-trainable state (an ndarray, or ``None``); ``persistent`` ones go into ``state_dict``."""
        self._check_name(name, "buffer")
        if array is not None:
            array = array.data if isinstance(array, Tensor) else np.asarray(array)
        self._forget(name)
        self._buffers[name] = array
        if persistent:
            self._non_persistent_buffers.discard(name)
        else:
            self._non_persistent_buffers.add(name)

    def add_module(self, name: str, module: "Module | None") -> None:
        """Register ``module`` as a child called ``name``."""
        self._check_name(name, "module")
        if module is not None and not isinstance(module, Module):
            raise TypeError(f"{type(module).__name__} is not a Module subclass")
        self._forget(name)
        self._modules[name] = module

    register_module = add_module

    def _forget(self, name: str) -> None:
        for table in (self.__dict__, self._parameters, self._buffers, self._modules):
            table.pop(name, None)

    def __setattr__(self, name: str, value) -> None:
        parameters, buffers, modules = (self.__dict__.get(k) for k in ("_parameters", "_buffers", "_modules"))
        if isinstance(value, Parameter):
            self.register_parameter(name, value)
        elif parameters is not None and name in parameters:
            if value is not None:
                raise TypeError(f"cannot assign '{type(value).__name__}' as parameter '{name}' "
                                "(tconv.nn.Parameter or None expected)")
            parameters[name] = None
        elif isinstance(value, Module):
            self.add_module(name, value)
        elif modules is not None and name in modules:
            if value is not None:
                raise TypeError(f"cannot assign '{type(value).__name__}' as child module '{name}' "
                                "(tconv.nn.Module or None expected)")
            modules[name] = None
        elif buffers is not None and name in buffers:
            buffers[name] = None if value is None else np.asarray(value)
        else:
            object.__setattr__(self, name, value)

    def __getattr__(self, name: str):
        for table in ("_parameters", "_buffers", "_modules"):
            entries = self.__dict__.get(table)
            if entries is not None and name in entries:
                return entries[name]
        raise AttributeError(f"'{type(self).__name__}' object has no attribute '{name}'")

    def __delattr__(self, name: str) -> None:
        for table in (self._parameters, self._buffers, self._modules):
            if name in table:
                del table[name]
                return
        object.__delattr__(self, name)

    # ------------------------------------------------------------------ traversal
    def named_children(self) -> Iterator[tuple[str, "Module"]]:
        """``(name, child)`` for the direct sub-modules, in registration order."""
        seen = set()
        for name, module in self._modules.items():
            if module is not None and id(module) not in seen:
                seen.add(id(module))
                yield name, module

    def children(self) -> Iterator["Module"]:
        """The direct sub-modules."""
        for _, module in self.named_children():
            yield module

    def named_modules(self, memo: set | None = None, prefix: str = "", remove_duplicate: bool = True):
        """``(dotted name, module)`` for this module (name ``""``) and all descendants, depth first."""
        memo = set() if memo is None else memo
        if remove_duplicate:
            if id(self) in memo:
                return
            memo.add(id(self))
        yield prefix, self
        for name, module in self._modules.items():
            if module is not None:
                yield from module.named_modules(memo, prefix + ("." if prefix else "") + name, remove_duplicate)

    def modules(self) -> Iterator["Module"]:
        """This module and all its descendants."""
        for _, module in self.named_modules():
            yield module

    def _named_members(self, table: str, prefix: str, recurse: bool, remove_duplicate: bool = True):
        seen = set()
        modules = self.named_modules(prefix=prefix, remove_duplicate=remove_duplicate) if recurse else [(prefix, self)]
        for module_prefix, module in modules:
            for name, value in getattr(module, table).items():
                if value is None or (remove_duplicate and id(value) in seen):
                    continue
                seen.add(id(value))
                yield module_prefix + ("." if module_prefix else "") + name, value

    def named_parameters(self, prefix: str = "", recurse: bool = True, remove_duplicate: bool = True):
        """``(dotted name, Parameter)``, each shared parameter once (under its first name)."""
        yield from self._named_members("_parameters", prefix, recurse, remove_duplicate)

    def parameters(self, recurse: bool = True) -> Iterator[Parameter]:
        """The parameters, in registration order: what an optimizer takes."""
        for _, param in self.named_parameters(recurse=recurse):
            yield param

    def named_buffers(self, prefix: str = "", recurse: bool = True, remove_duplicate: bool = True):
        """``(dotted name, ndarray)`` for the buffers (e.g. ``bn.running_mean``)."""
        yield from self._named_members("_buffers", prefix, recurse, remove_duplicate)

    def buffers(self, recurse: bool = True) -> Iterator[np.ndarray]:
        """The buffers' arrays."""
        for _, array in self.named_buffers(recurse=recurse):
            yield array

    # ------------------------------------------------------------------ modes and gradients
    def train(self, mode: bool = True) -> "Module":
        """Set ``training`` on this module and all descendants (dropout, batch norm care); returns self."""
        if not isinstance(mode, bool):
            raise ValueError("training mode is expected to be boolean")
        for module in self.modules():
            object.__setattr__(module, "training", mode)
        return self

    def eval(self) -> "Module":
        """``train(False)``: dropout off, batch norm uses its running statistics."""
        return self.train(False)

    def requires_grad_(self, requires_grad: bool = True) -> "Module":
        """Freeze (``False``) or unfreeze every parameter; returns self."""
        for param in self.parameters():
            param.requires_grad_(requires_grad)
        return self

    def zero_grad(self, set_to_none: bool = True) -> None:
        """Forget every parameter's gradient (``None``; zeros with ``set_to_none=False``)."""
        for param in self.parameters():
            param.grad = None if set_to_none or param.grad is None else np.zeros_like(param.data)

    def apply(self, fn) -> "Module":
        """Call ``fn(module)`` on every descendant, children first, then on self; returns self."""
        for module in self.children():
            module.apply(fn)
        fn(self)
        return self

    def to(self, dtype) -> "Module":
        """Cast floating-point parameters, gradients and buffers to ``dtype`` in place; returns self."""
        dtype = np.dtype(dtype)
        if dtype not in (np.float32, np.float64):
            raise TypeError(f"modules compute in float32 or float64, got {dtype}")
        for module in self.modules():
            for param in module._parameters.values():
                if param is not None:
                    param.data = param.data.astype(dtype)
                    param.grad = None if param.grad is None else param.grad.astype(dtype)
            for name, array in module._buffers.items():
                if array is not None and array.dtype.kind == "f":
                    module._buffers[name] = array.astype(dtype)
        return self

    def float(self) -> "Module":
        """``to(np.float32)``."""
        return self.to(np.float32)

    def double(self) -> "Module":
        """``to(np.float64)`` (for gradient checks)."""
        return self.to(np.float64)

    # ------------------------------------------------------------------ state dicts
    def _state_entries(self, prefix: str = "") -> "OrderedDict[str, tuple]":
        """name -> (module, table, attribute) in PyTorch's state_dict order."""
        entries = OrderedDict()
        for name, param in self._parameters.items():
            if param is not None:
                entries[prefix + name] = (self, "_parameters", name)
        for name, array in self._buffers.items():
            if array is not None and name not in self._non_persistent_buffers:
                entries[prefix + name] = (self, "_buffers", name)
        for name, module in self._modules.items():
            if module is not None:
                entries.update(module._state_entries(prefix + name + "."))
        return entries

    def state_dict(self, prefix: str = "") -> "OrderedDict[str, np.ndarray]":
        """Copies of every parameter and persistent buffer, under PyTorch's dotted names.

        Shared parameters appear under each name that reaches them, as in PyTorch.
        """
        state = OrderedDict()
        for name, (module, table, attr) in self._state_entries(prefix).items():
            value = getattr(module, table)[attr]
            state[name] = np.array(value.data if isinstance(value, Tensor) else value, copy=True)
        return state

    def load_state_dict(self, state_dict, strict: bool = True) -> IncompatibleKeys:
        """Copy values from ``state_dict`` (name -> array) into the parameters and buffers, in place.

        Shapes must match (always checked). With ``strict=True`` the names must match exactly;
        otherwise missing and unexpected names are returned. Nothing is copied unless the whole
        check passes; one ``RuntimeError`` lists every problem. Values are cast to each
        parameter's dtype, so a float64 checkpoint loads into a float32 model (and PyTorch
        tensors are accepted as values).
        """
        if not isinstance(state_dict, Mapping):
            hint = (" (a file name: read it first, model.load_state_dict(tconv.load(path)))"
                    if isinstance(state_dict, (str, bytes, os.PathLike)) else "")
            raise TypeError(f"load_state_dict expects a mapping name -> array, got {type(state_dict).__name__}"
                            f"{hint}")
        entries = self._state_entries()
        missing = [name for name in entries if name not in state_dict]
        unexpected = [name for name in state_dict if name not in entries]
        mismatched, values = [], {}
        for name, (module, table, attr) in entries.items():
            if name not in state_dict:
                continue
            current = getattr(module, table)[attr]
            target = current.data if isinstance(current, Tensor) else current
            value = state_dict[name]
            if isinstance(value, Tensor):
                value = value.data
            elif type(value).__module__.startswith("torch"):      # a torch.Tensor (torch not imported)
                value = value.detach().cpu().numpy()
            value = np.asarray(value)
            if value.shape != target.shape:
                mismatched.append(f"size mismatch for {name}: copying a param with shape {value.shape} from "
                                  f"checkpoint, the shape in current model is {target.shape}.")
            # only real numbers, and no float -> int truncation (e.g. num_batches_tracked = 2.7)
            allowed = "biuf" if target.dtype.kind == "f" else "biu" if target.dtype.kind in "iu" else "b"
            if value.dtype.kind not in allowed:
                mismatched.append(f"dtype mismatch for {name}: copying a value of dtype {value.dtype} from "
                                  f"checkpoint into {target.dtype}; expected "
                                  f"{'real numbers' if target.dtype.kind == 'f' else 'integers'}.")
            values[name] = (target, value)
        problems = []
        if strict and unexpected:
            problems.append("Unexpected key(s) in state_dict: " + ", ".join(f'"{k}"' for k in unexpected) + ". ")
        if strict and missing:
            problems.append("Missing key(s) in state_dict: " + ", ".join(f'"{k}"' for k in missing) + ". ")
        problems += mismatched
        if problems:
            raise RuntimeError(f"Error(s) in loading state_dict for {type(self).__name__}:\n\t" + "\n\t".join(problems))
        for target, value in values.values():
            target[...] = value
        return IncompatibleKeys(missing, unexpected)

    # ------------------------------------------------------------------ printing
    def extra_repr(self) -> str:
        """The text inside the parentheses of this module's repr (override in layers)."""
        return ""

    def __repr__(self) -> str:
        extra = self.extra_repr()
        extra_lines = extra.split("\n") if extra else []
        child_lines = [f"({name}): " + indent_lines(repr(module), 2) for name, module in self._modules.items()]
        lines = extra_lines + child_lines
        text = type(self).__name__ + "("
        if lines:
            if len(extra_lines) == 1 and not child_lines:
                text += extra_lines[0]
            else:
                text += "\n  " + "\n  ".join(lines) + "\n"
        return text + ")"
