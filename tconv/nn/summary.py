"""``summary``: every layer's output shape and parameter count, from one forward pass.

Like ``torchinfo.summary`` for PyTorch: a forward hook on every module records the shape of
what it returns while a zero input of ``input_shape`` runs through the network (under
``no_grad``, in eval mode, so nothing is learned and batch-norm statistics do not move).

>>> from tconv.nn import Conv2d, ReLU, Sequential
>>> rows = summary(Sequential(Conv2d(1, 4, 3, padding=1), ReLU()), (1, 1, 8, 8), show=False)
>>> [(row.name, row.output_shape, row.parameters) for row in rows]
[('0', (1, 4, 8, 8), 40), ('1', (1, 4, 8, 8), 0)]
"""
from __future__ import annotations

from typing import NamedTuple

import numpy as np

from .._checks import check_bool, check_int
from ..autograd import Tensor, no_grad
from .module import Module

__all__ = ["summary", "LayerSummary", "format_summary"]


class LayerSummary(NamedTuple):
    """One row of :func:`summary`: the module's dotted name, type, depth, output shape and parameters."""

    name: str
    kind: str
    depth: int
    output_shape: tuple
    parameters: int


def _shape_of(output):
    if isinstance(output, (tuple, list)):
        return tuple(_shape_of(o) for o in output)
    return tuple(getattr(output, "shape", ()))


def summary(model: Module, input_shape, *, dtype=None, show: bool = True) -> list[LayerSummary]:
    """Run a zero input of ``input_shape`` ``(N, C, *spatial)`` through ``model``; one row per sub-module.

    Rows follow the order of ``named_modules()`` (the order the layers were defined); a
    module's ``parameters`` counts its own and its children's. A module the forward pass
    never calls has output shape ``()``. ``dtype`` defaults to the model's parameters' dtype.
    ``show=True`` also prints the table (:func:`format_summary`). The model's training mode
    is restored afterwards.
    """
    if not isinstance(model, Module):
        raise TypeError(f"summary needs a tconv.nn.Module, got {type(model).__name__}")
    check_bool("show", show)
    shape = tuple(check_int(f"input_shape[{i}]", n, minimum=1) for i, n in enumerate(input_shape))
    if dtype is None:
        dtype = next((p.dtype for p in model.parameters()), np.dtype(np.float32))
    outputs: dict[int, tuple] = {}
    handles = [m.register_forward_hook(lambda m, inputs, out: outputs.__setitem__(id(m), _shape_of(out)))
               for _, m in model.named_modules()]
    was_training = model.training
    model.eval()
    try:
        with no_grad():
            model(Tensor(np.zeros(shape, dtype)))
    finally:
        model.train(was_training)
        for handle in handles:
            handle.remove()
    rows = [LayerSummary(name, type(m).__name__, name.count(".") + 1, outputs.get(id(m), ()),
                         sum(p.size for p in m.parameters()))
            for name, m in model.named_modules() if name]
    if show:
        print(format_summary(rows, sum(p.size for p in model.parameters())))
    return rows


def format_summary(rows: list[LayerSummary], total: int) -> str:
    """The rows as a table (names indented by depth), ending with the total parameter count.

    >>> print(format_summary([LayerSummary("conv", "Conv2d", 1, (1, 4, 8, 8), 40)], 40))
    layer    type     output shape   parameters
    conv     Conv2d   (1, 4, 8, 8)           40
    total parameters: 40
    """
    table = [("layer", "type", "output shape", "parameters")]
    table += [("  " * (r.depth - 1) + r.name.rsplit(".", 1)[-1] if r.depth > 1 else r.name, r.kind,
               str(r.output_shape) if r.output_shape else "(not called)", f"{r.parameters:,}") for r in rows]
    widths = [max(len(line[i]) for line in table) for i in range(4)]
    lines = [f"{a.ljust(widths[0])}   {b.ljust(widths[1])}   {c.ljust(widths[2])}   {d.rjust(widths[3])}"
             for a, b, c, d in table]
    return "\n".join(line.rstrip() for line in lines) + f"\ntotal parameters: {total:,}"
