"""Plan a model's forward once, replay it: the same ops and VJPs, without building the graph each step.

At fixed input shapes a network runs the same ops every step. :func:`compile` wraps a model:
the first call for an input shape (and training mode) runs the model eagerly while a tracer
records every op (:func:`~tconv.autograd.function.defop`) with its inputs and settings; later
calls replay that list. A replayed forward returns one Tensor whose parents are the model's
parameters (and the input, when it requires grad) and whose VJP runs the recorded VJPs in
reverse order, so ``loss.backward()`` and the optimizer work unchanged::

    fast = tconv.compile(model)
    loss = loss_fn(fast(images), masks)      # the loss stays eager
    optimizer.zero_grad()
    loss.backward()                          # the model's part is one node: the replayed VJPs
    optimizer.step()

A plan is an optimisation of the eager graph, never a second semantics: the replay calls the
same forwards and VJPs in the same order, so values and gradients equal the eager ones (the
tests hold them equal). On the way it fuses patterns registered beside their fused op
(:func:`register_fusion`; e.g. batch norm followed by ReLU runs as
:func:`tconv.nn.functional.batch_norm_relu`, which computes the same numbers in fewer passes).
What replay saves is the per-op bookkeeping of the eager graph (Tensor objects, dtype
resolution, the topological sort, the gradient dictionary) and the fused passes.

The arrays a replayed forward saves for its VJPs are freed by its backward (as PyTorch frees
a graph after ``backward``), so a second ``backward`` through the same planned forward is an
error, where the eager graph adds the gradients again.

A new input shape, dtype or training mode records a new plan (the call itself runs eagerly);
``plan=False`` (or calling the model itself) is the eager model, for reading the graph.
What a plan cannot see is code that computes on the input outside any op (``x.data`` in
Python); such a model must not be compiled (tconv's U-Net, FCN and V-Net lite are pure). An
op that hands back a second output through a setting (max pooling with ``return_indices=True``)
keeps that model eager: a replay could not feed those outputs to the ops that read them.

>>> import numpy as np
>>> from tconv import Tensor
>>> from tconv.seg.models import UNet
>>> model = UNet(base=2, depth=1, batch_norm=True)
>>> fast = compile(model)
>>> x = np.random.default_rng(0).random((2, 1, 8, 8), dtype=np.float32)
>>> eager = model(Tensor(x)).data
>>> _ = fast(Tensor(x)); replayed = fast(Tensor(x))          # the second call replays
>>> fast.plans, bool(np.allclose(replayed.data, eager))
(1, True)
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np

from . import profiler
from .grad_mode import is_grad_enabled
from .tensor import Tensor

__all__ = ["compile", "Compiled", "Plan", "register_fusion", "FUSIONS", "tracing"]

#: ``(op name, op name, ...) -> fused op``: a chain of single-consumer ops and the op that replaces it.
FUSIONS: dict = {}
_STATE: dict = {"tracer": None}
_EAGER = object()                                    # a plan's place for an input the model runs eagerly


def register_fusion(chain: tuple, fused_op) -> None:
    """Replay the ops named ``chain`` (each the only consumer of the one before) as ``fused_op``.

    ``fused_op`` is a :func:`~tconv.autograd.function.defop` op taking the first op's inputs and
    settings and computing what the chain computes (its VJP the chain's).
    """
    FUSIONS[tuple(chain)] = fused_op


def tracing():
    """The active :class:`_Tracer`, or None (:func:`~tconv.autograd.function.defop` asks)."""
    return _STATE["tracer"]


@dataclass
class _Node:
    """One recorded op: its name, raw forward, input references, settings and output slot."""

    name: str
    forward: object
    inputs: tuple            # ("slot", i) | ("leaf", Tensor) | ("const", ndarray or None)
    settings: dict
    output: int


@dataclass
class Plan:
    """The recorded ops of one forward, ready to replay (see the module docstring)."""

    nodes: list
    input_slot: int
    output_slot: int
    slots: int
    leaves: list = field(default_factory=list)      # the Tensors (parameters) the ops read
    fused: int = 0                                   # how many chains were fused


class _Tracer:
    """Records every defop call of the traced forward (called by defop after its forward)."""

    def __init__(self, x: Tensor):
        self.nodes: list[_Node] = []
        self.slot_of: dict[int, int] = {id(x): 0}
        self.keep = [x]                 # the recorded tensors stay alive (ids stay unique)
        self.slots = 1
        self.replayable = True          # False when an op hands back a second output through a setting

    def record(self, name, forward, inputs, arrays, settings, out: Tensor) -> None:
        if any(isinstance(value, (list, dict, set)) for value in settings.values()):
            # a container setting receives a side output (max pooling's indices): a replay would keep
            # appending to the traced container and later ops would read its stale arrays as constants
            self.replayable = False
        self._record(name, forward, inputs, arrays, settings, out)

    def _record(self, name, forward, inputs, arrays, settings, out: Tensor) -> None:
        refs = []
        for value, array in zip(inputs, arrays):
            if isinstance(value, Tensor) and id(value) in self.slot_of:
                refs.append(("slot", self.slot_of[id(value)]))
            elif isinstance(value, Tensor) and value.requires_grad and value.is_leaf:
                refs.append(("leaf", value))
            else:
                refs.append(("const", array))
        self.slot_of[id(out)] = self.slots
        self.keep.append(out)
        self.nodes.append(_Node(name, forward, tuple(refs), dict(settings), self.slots))
        self.slots += 1


def _fuse(nodes: list) -> tuple[list, int]:
    """Replace registered chains of single-consumer ops by their fused ops."""
    consumers: dict[int, int] = {}
    for node in nodes:
        for kind, ref in node.inputs:
            if kind == "slot":
                consumers[ref] = consumers.get(ref, 0) + 1
    fused_count, replaced, result = 0, set(), []
    for node in nodes:
        if id(node) in replaced:
            continue
        for chain, fused_op in FUSIONS.items():
            if node.name != chain[0]:
                continue
            links, current = [node], node
            for name in chain[1:]:
                following = [n for n in nodes if any(k == "slot" and r == current.output for k, r in n.inputs)]
                if (consumers.get(current.output) != 1 or len(following) != 1 or following[0].name != name
                        or len(following[0].inputs) != 1):
                    break
                current = following[0]
                links.append(current)
            if len(links) == len(chain):
                result.append(_Node("+".join(chain), fused_op.forward, node.inputs, node.settings,
                                    links[-1].output))
                replaced.update(id(n) for n in links)
                fused_count += 1
                break
        else:
            result.append(node)
    return result, fused_count


def _resolve(ref, values):
    kind, value = ref
    if kind == "slot":
        return values[value]
    if kind == "leaf":
        return value.data
    return value


def _replay_forward(plan: Plan, x: np.ndarray):
    values = [None] * plan.slots
    values[plan.input_slot] = x
    vjps = []
    prof = profiler.active()
    for node in plan.nodes:
        start = time.perf_counter() if prof is not None else 0.0
        out, vjp = node.forward(*(_resolve(ref, values) for ref in node.inputs), **node.settings)
        values[node.output] = np.asarray(out)
        vjps.append(vjp)
        if prof is not None:
            prof.add(node.name, time.perf_counter() - start, values[node.output].nbytes)
    return values[plan.output_slot], vjps


def _replay_backward(plan: Plan, vjps: list, grad_out: np.ndarray, parents: list):
    """The recorded VJPs in reverse order; returns one gradient per entry of ``parents`` (input, leaves)."""
    grads = [None] * plan.slots
    grads[plan.output_slot] = grad_out
    by_leaf: dict[int, np.ndarray] = {}
    for node, vjp in zip(reversed(plan.nodes), reversed(vjps)):
        g = grads[node.output]
        if g is None:
            continue
        grads[node.output] = None                      # free it: each slot has one producer
        prof = profiler.active()
        start = time.perf_counter() if prof is not None else 0.0
        node_grads = vjp(g)
        if prof is not None:
            seconds = time.perf_counter() - start
            prof.add(f"{node.name} (backward)", seconds, profiler.nbytes(node_grads))
            prof.vjp_seconds += seconds
        for (kind, ref), gi in zip(node.inputs, node_grads):
            if gi is None or kind == "const":
                continue
            if kind == "slot":
                grads[ref] = gi if grads[ref] is None else grads[ref] + gi
            else:
                by_leaf[id(ref)] = gi if id(ref) not in by_leaf else by_leaf[id(ref)] + gi
    result = [grads[plan.input_slot]] + [by_leaf.get(id(leaf)) for leaf in parents[1:]]
    return tuple(result)


class Compiled:
    """A model and its plans, one per input shape, dtype and training mode (see :func:`compile`)."""

    def __init__(self, model, fuse: bool = True):
        if not callable(model):
            raise TypeError(f"compile(model): model must be callable (a tconv.nn.Module), got {type(model).__name__}")
        self.model = model
        self.fuse = bool(fuse)
        self._plans: dict = {}

    @property
    def plans(self) -> int:
        """How many plans were recorded (one per input shape, dtype and training mode)."""
        return sum(plan is not _EAGER for plan in self._plans.values())

    def _key(self, x: Tensor):
        modules = getattr(self.model, "modules", None)
        modes = tuple(m.training for m in modules()) if modules is not None else ()
        return x.shape, x.dtype, x.requires_grad, is_grad_enabled(), modes

    def __call__(self, x):
        x = x if isinstance(x, Tensor) else Tensor(x)
        key = self._key(x)
        plan = self._plans.get(key)
        if plan is None:
            return self._trace(x, key)
        if plan is _EAGER:
            return self.model(x)
        out, vjps = _replay_forward(plan, x.data)
        parents = [x if x.requires_grad else None] + plan.leaves
        if not is_grad_enabled() or not any(p is not None and p.requires_grad for p in parents):
            return Tensor(out)

        def vjp(grad_out):
            if not vjps:
                raise RuntimeError("a planned forward's saved arrays are freed by its first backward (as PyTorch "
                                   "frees a graph); run the forward again, or call the model itself (eager)")
            grads = _replay_backward(plan, vjps, grad_out, parents)
            vjps.clear()                   # the activations the VJPs kept: free them now, not at the next step
            return grads
        return Tensor._from_op(out, tuple(parents), vjp, f"planned {type(self.model).__name__}")

    def _trace(self, x: Tensor, key) -> Tensor:
        if _STATE["tracer"] is not None:
            return self.model(x)                       # nested: the outer trace records these ops
        tracer = _Tracer(x)
        _STATE["tracer"] = tracer
        try:
            out = self.model(x)
        finally:
            _STATE["tracer"] = None
        if not isinstance(out, Tensor) or id(out) not in tracer.slot_of:
            return out                                  # nothing recorded to replay: stay eager
        if not tracer.replayable:
            self._plans[key] = _EAGER                   # e.g. max pooling with return_indices: always eager
            return out
        nodes, fused = _fuse(tracer.nodes) if self.fuse else (tracer.nodes, 0)
        leaves, seen = [], set()
        for node in nodes:
            for kind, ref in node.inputs:
                if kind == "leaf" and id(ref) not in seen:
                    seen.add(id(ref))
                    leaves.append(ref)
        self._plans[key] = Plan(nodes, 0, tracer.slot_of[id(out)], tracer.slots, leaves, fused)
        return out

    def plan(self, x) -> Plan | None:
        """The plan recorded for an input like ``x`` (None before the first call with it, or when it runs eagerly)."""
        plan = self._plans.get(self._key(x if isinstance(x, Tensor) else Tensor(x)))
        return None if plan is _EAGER else plan


def compile(model, fuse: bool = True) -> Compiled:
    """``model`` planned once per input shape and replayed (module docstring); ``fuse`` applies :data:`FUSIONS`."""
    return Compiled(model, fuse)
