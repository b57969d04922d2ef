"""The engine: reverse-mode differentiation over the recorded graph.

Every op returns its *local* gradients (its VJP); the engine only chains and accumulates:

1. order the graph so that every tensor comes after the tensors it was computed from
   (an *iterative* depth-first post-order, as tinygrad's ``_deepwalk``: a chain of
   100,000 ops needs no recursion);
2. walk that order backwards, from the output to the leaves, holding this call's
   gradients in a dict keyed by node. When the walk reaches a node, every op that used
   it has already passed its contribution on, so its gradient is complete; the node's
   VJP turns it into its parents' contributions, which are *added* to theirs;
3. write ``.grad`` only on leaves that require grad (and on tensors that called
   ``retain_grad()``), adding to what they already hold.

The graph is not freed by ``backward``: calling it twice adds the gradients twice (as
PyTorch with ``retain_graph=True``). The graph lives as long as the output tensor does;
it has no reference cycles, so dropping the output frees it.

The micrograd trap: ``b = a + a; c = b + b`` uses ``a`` twice and ``b`` twice, so
``dc/da = 4``; accumulating contributions (not overwriting them) gets it right.

>>> from tconv import Tensor
>>> a = Tensor(3.0, requires_grad=True)
>>> b = a + a
>>> c = b + b
>>> c.backward()
>>> a.grad
array(4.)
"""
from __future__ import annotations

import time

import numpy as np

from .._checks import is_tensor
from . import profiler

__all__ = ["backward", "topological_order"]


def topological_order(root: "Tensor") -> list["Tensor"]:
    """Every node that requires grad and leads to ``root``, each after all of its parents.

    Iterative depth-first search: a node is emitted once all of its parents are emitted.
    A DAG has no cycles, so a visited parent that is not yet emitted cannot occur.

    >>> from tconv import Tensor
    >>> a = Tensor(2.0, requires_grad=True)
    >>> b = a * 3
    >>> c = b + a
    >>> [t.grad_fn for t in topological_order(c)]    # the leaf a, then b = a * 3, then c
    [None, 'mul', 'add']
    """
    order: list = []
    visited: set[int] = set()
    stack: list = [(root, False)]
    while stack:
        node, parents_done = stack.pop()
        if parents_done:
            order.append(node)
            continue
        if id(node) in visited:
            continue
        visited.add(id(node))
        stack.append((node, True))
        for parent in node._parents:
            if parent is not None and parent.requires_grad and id(parent) not in visited:
                stack.append((parent, False))
    return order


def _seed(root: "Tensor", grad) -> np.ndarray:
    """The gradient ``backward`` starts from, checked against ``root``."""
    if not root.requires_grad:
        raise RuntimeError("backward() on a tensor that does not require grad: none of the tensors "
                           "it was computed from has requires_grad=True, or it was computed under "
                           "no_grad()")
    if grad is None:
        if root.size != 1:
            raise RuntimeError(f"backward() without a grad argument needs a scalar (one-element) "
                               f"output, but this tensor has shape {root.shape}; reduce it first "
                               f"(e.g. .sum() or .mean()) or pass grad= of shape {root.shape}")
        return np.ones(root.shape, dtype=root.dtype)
    grad = np.asarray(grad.data if is_tensor(grad) else grad)
    if grad.dtype.kind not in "biuf":
        raise TypeError(f"backward(grad=...) has dtype {grad.dtype}; it must be real")
    if grad.shape != root.shape:
        raise ValueError(f"backward(grad=...) has shape {grad.shape} but the tensor has shape "
                         f"{root.shape}; the gradient must have the same shape")
    return grad.astype(root.dtype, copy=False)


def backward(root: "Tensor", grad=None) -> None:
    """Add ``grad`` pulled back through the graph into ``.grad`` of the leaves of ``root``.

    ``grad`` defaults to 1 for a one-element ``root``. See the module docstring.

    >>> from tconv import Tensor
    >>> x = Tensor([1.0, 2.0], requires_grad=True)
    >>> backward(x * x, np.ones(2))              # what (x * x).backward(np.ones(2)) calls
    >>> x.grad
    array([2., 4.])
    """
    prof = profiler.active()
    if prof is not None:
        start, vjps_before = time.perf_counter(), prof.vjp_seconds
        try:
            _backward(root, grad)
        finally:
            prof.add("autograd engine", time.perf_counter() - start - (prof.vjp_seconds - vjps_before))
        return
    _backward(root, grad)


def _backward(root: "Tensor", grad) -> None:
    grads: dict[int, np.ndarray] = {id(root): _seed(root, grad)}
    for node in reversed(topological_order(root)):
        grad_node = grads.pop(id(node), None)
        if grad_node is None:          # nothing reached this node (e.g. every VJP returned None)
            continue
        if node.is_leaf or node._retain_grad:
            _accumulate(node, grad_node)
        if node.is_leaf:
            continue
        parent_grads = node._vjp(grad_node)
        if len(parent_grads) != len(node._parents):
            raise RuntimeError(f"the VJP of {node._op} returned {len(parent_grads)} gradients for "
                               f"{len(node._parents)} inputs")
        for parent, g in zip(node._parents, parent_grads):
            if parent is None or g is None or not parent.requires_grad:
                continue
            g = np.asarray(g)
            if g.shape != parent.shape:
                raise RuntimeError(f"the VJP of {node._op} returned a gradient of shape {g.shape} for an "
                                   f"input of shape {parent.shape} (a missing unbroadcast?)")
            g = g.astype(parent.dtype, copy=False)
            previous = grads.get(id(parent))
            # never add in place: a VJP may hand the same array to several parents
            grads[id(parent)] = g if previous is None else previous + g


def _accumulate(node: "Tensor", grad: np.ndarray) -> None:
    """``node.grad += grad``, starting from a fresh writable copy the first time."""
    if node.grad is None:
        node.grad = np.array(grad, dtype=node.dtype, copy=True)
    else:
        node.grad = node.grad + grad
