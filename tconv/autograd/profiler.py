"""Where the time of a step goes: per-op self time, calls and bytes, forward and backward apart.

In the spirit of ``torch.profiler``: wrap the code in :func:`profile` and print the table::

    with tconv.profiler.profile() as prof:
        loss = loss_fn(model(x), y)
        loss.backward()
        optimizer.step()
    print(prof.table())

Every differentiable op (everything made with :func:`~tconv.autograd.function.defop`) is
timed twice: its forward when it runs, and its VJP when ``backward`` reaches it, recorded as
``"<op> (backward)"``. The graph walk around the VJPs is ``"autograd engine"``; code you want
to see as one row goes in :func:`record` (the optimizers record ``"Adam.step"``,
``"zero_grad"``, ...). Bytes are those of the arrays an op returns (its output, or its
gradients), a lower bound of what it allocated. Times are wall-clock (``time.perf_counter``):
with several threads they overlap, so a row's time is the time the step waited for it.

While no profile is active the cost is one dictionary look-up per op.

>>> import numpy as np
>>> from tconv import Tensor
>>> x = Tensor(np.ones((4, 4)), requires_grad=True)
>>> with profile() as prof:
...     (x * x).sum().backward()
>>> sorted(row.name for row in prof.rows())
['autograd engine', 'mul', 'mul (backward)', 'sum', 'sum (backward)']
>>> prof.row("mul").calls, prof.row("mul").bytes
(1, 128)
"""
from __future__ import annotations

import contextlib
import time
from dataclasses import dataclass

import numpy as np

__all__ = ["profile", "record", "recorded", "Profile", "ProfileRow", "active"]

_STATE: dict = {"profile": None}


@dataclass
class ProfileRow:
    """One row of the table: a name, its calls, its total seconds and the bytes of what it returned."""

    name: str
    calls: int = 0
    seconds: float = 0.0
    bytes: int = 0

    @property
    def milliseconds_per_call(self) -> float:
        return 1000.0 * self.seconds / max(self.calls, 1)


class Profile:
    """The rows recorded by one :func:`profile` block (and the block's own wall time)."""

    def __init__(self):
        self._rows: dict[str, ProfileRow] = {}
        self.wall_seconds = 0.0
        self.steps = 1
        self.vjp_seconds = 0.0          # the VJPs' time so far (the engine's row is the rest of backward)

    def add(self, name: str, seconds: float, nbytes: int = 0) -> None:
        """Count one call of ``name`` that took ``seconds`` and returned ``nbytes``."""
        row = self._rows.get(name)
        if row is None:
            row = self._rows[name] = ProfileRow(name)
        row.calls += 1
        row.seconds += seconds
        row.bytes += int(nbytes)

    def rows(self) -> list[ProfileRow]:
        """Every row, the most time first."""
        return sorted(self._rows.values(), key=lambda row: -row.seconds)

    def row(self, name: str) -> ProfileRow:
        """The row called ``name`` (a ``KeyError`` names the rows there are)."""
        if name not in self._rows:
            raise KeyError(f"no row {name!r}; the rows are {sorted(self._rows)}")
        return self._rows[name]

    def total(self, part: str = "all") -> float:
        """Seconds in the rows of ``part``: ``"forward"``, ``"backward"`` (the VJPs and the engine) or ``"all"``."""
        def in_part(name):
            backward = name.endswith("(backward)") or name == "autograd engine"
            return part == "all" or (part == "backward") == backward
        return sum(row.seconds for row in self._rows.values() if in_part(row.name))

    def table(self, limit: int = 25, per: str = "step") -> str:
        """The rows as a text table (``limit`` rows, the most time first), times per ``self.steps``."""
        steps = max(self.steps, 1)
        lines = [f"{'name':34s} {'calls':>7s} {'ms/' + per:>9s} {'share':>6s} {'ms/call':>8s} {'MB/' + per:>8s}"]
        recorded = self.total()
        for row in self.rows()[:limit]:
            share = 100.0 * row.seconds / recorded if recorded else 0.0
            lines.append(f"{row.name[:34]:34s} {row.calls / steps:7.1f} {1000 * row.seconds / steps:9.2f} "
                         f"{share:5.1f}% {row.milliseconds_per_call:8.3f} {row.bytes / steps / 2**20:8.2f}")
        lines.append(f"{'forward ops':34s} {'':7s} {1000 * self.total('forward') / steps:9.2f}")
        lines.append(f"{'backward (VJPs + engine)':34s} {'':7s} {1000 * self.total('backward') / steps:9.2f}")
        lines.append(f"{'wall time of the block':34s} {'':7s} {1000 * self.wall_seconds / steps:9.2f}")
        return "\n".join(lines)


def active() -> Profile | None:
    """The profile being recorded, or ``None``."""
    return _STATE["profile"]


@contextlib.contextmanager
def profile(steps: int = 1):
    """Record every op (and every :func:`record` region) of the block; yields the :class:`Profile`.

    ``steps``: how many steps the block runs, so that :meth:`Profile.table` prints per step.
    Profiles do not nest: an inner ``profile()`` records into the outer one.
    """
    outer = _STATE["profile"]
    prof = outer if outer is not None else Profile()
    if outer is None:
        prof.steps = steps
    _STATE["profile"] = prof
    start = time.perf_counter()
    try:
        yield prof
    finally:
        if outer is None:
            prof.wall_seconds += time.perf_counter() - start
        _STATE["profile"] = outer


@contextlib.contextmanager
def record(name: str):
    """Time the block as one row ``name`` of the active profile (nothing when none is active).

    >>> with profile() as prof:
    ...     with record("my step"):
    ...         pass
    >>> prof.row("my step").calls
    1
    """
    prof = _STATE["profile"]
    if prof is None:
        yield
        return
    start = time.perf_counter()
    try:
        yield
    finally:
        prof.add(name, time.perf_counter() - start)


def recorded(method):
    """Decorator: time every call of ``method`` as the row ``"ClassName.method"`` (e.g. ``"Adam.step"``).

    >>> class Job:
    ...     @recorded
    ...     def run(self):
    ...         return 1
    >>> with profile() as prof:
    ...     Job().run()
    1
    >>> prof.row("Job.run").calls
    1
    """
    def timed(self, *args, **kwargs):
        if _STATE["profile"] is None:
            return method(self, *args, **kwargs)
        with record(f"{type(self).__name__}.{method.__name__}"):
            return method(self, *args, **kwargs)
    timed.__name__, timed.__doc__, timed.__wrapped__ = method.__name__, method.__doc__, method
    return timed


def nbytes(value) -> int:
    """Bytes of an array, or of the arrays in a tuple (``None`` counts 0)."""
    if isinstance(value, np.ndarray):
        return value.nbytes
    if isinstance(value, (tuple, list)):
        return sum(nbytes(v) for v in value)
    return 0
