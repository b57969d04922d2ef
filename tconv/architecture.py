"""The layers of tconv, from the bottom up: the one table the map of the docs and the structure test read.

A module may import modules of its own layer and of the layers below, never above, and no
import circle is allowed anywhere (``tests/test_structure.py`` checks both by reading the
sources). ``docs/map.md`` and the README print :func:`markdown_table`; a test keeps them equal.

>>> layer_of("methods.choice"), layer_of("seg.train.run")
('methods', 'seg')
>>> [layer.name for layer in LAYERS][:4]
['base', 'geometry', 'theory', 'reference']
"""
from __future__ import annotations

from typing import NamedTuple

__all__ = ["Layer", "LAYERS", "FRONT_DOOR", "layer_of", "layer_index", "markdown_table"]


class Layer(NamedTuple):
    """One floor of the house: its name, its modules (relative to ``tconv``; a package covers its files), and what it holds."""

    name: str
    modules: tuple
    holds: str


#: Bottom to top.
LAYERS = (
    Layer("base", ("_checks", "random", "serialization"),
          "the shared input checks (dtypes, ints, choices), the seeded random generator, `.npz` checkpoints "
          "read without pickle and files written atomically"),
    Layer("geometry", ("geometry", "layout", "receptive_field"),
          "per-axis output sizes of convolution and transposed convolution, padding modes, validation that "
          "states the rule, the paper's equivalent convolution; the weight and kernel layouts; receptive fields"),
    Layer("theory", ("matrix", "winograd", "polyphase", "translate"),
          "the sparse matrix `C` (its pattern, `.T`, `@`) and the lecture notes' example; Winograd's Toom-Cook "
          "derivation; the phases of a strided geometry and their sub-kernels; one geometry spelled in tconv, "
          "PyTorch and Keras"),
    Layer("reference", ("reference",),
          "the slow definitions, written to be read: direct loop, scatter-add, zero insertion"),
    Layer("kernels", ("kernels",),
          "Numba hot paths (unfold, fold, tiling, Winograd transforms, pooling), each with a NumPy twin"),
    Layer("methods", ("methods",),
          "the operator core: the `Method` interface, the registry, one module per way of computing `C @ x` "
          "(matrix, reference, unfold + GEMM, Winograd, polyphase), the per-layer choice, and the runtime (threads, "
          "BLAS, scratch buffers)"),
    Layer("ops", ("ops",),
          "`conv1d/2d/3d`, `conv_transpose1d/2d/3d`, pooling, `interpolate` on NumPy arrays: validate once, "
          "then run a method"),
    Layer("autograd", ("autograd",),
          "`Tensor` (every operator in `tensor.py`), the engine, `defop` (an op and its VJP side by side), "
          "grad mode, `gradcheck`"),
    Layer("nn", ("nn", "optim"),
          "differentiable functional ops (the convolution's input VJP is the transposed convolution), modules, "
          "initialisation, losses; SGD, Adam, AdamW and schedulers"),
    Layer("explain", ("explain",),
          "the text of `tconv explain` and the check that computes one operator every way and compares"),
    Layer("seg", ("seg",),
          "semantic segmentation: data, paired augmentation, MONAI-style losses and metrics, U-Net / FCN / "
          "V-Net lite, training and inference"),
    Layer("viz", ("viz",),
          "figures for lecturers and tutorials (the only package that imports matplotlib)"),
    Layer("exercises", ("exercises",),
          "the tutorials' graders (`check(\"NN.k\", answer)`), the solution marks and the student copies made "
          "from them, `tconv exercise`'s seeded questions and handouts"),
    Layer("cli", ("cli",),
          "the `tconv` command: one module per subcommand, argument parsing and terminal output"),
)

#: The package's front door and its bookkeeping: they may import any layer.
FRONT_DOOR = ("__init__", "__main__", "_moved", "architecture")


def layer_of(module: str) -> str | None:
    """The name of the layer holding ``module`` (dotted, relative to ``tconv``), or None.

    >>> layer_of("ops.conv"), layer_of("nowhere")
    ('ops', None)
    """
    parts = module.split(".")
    for n in range(len(parts), 0, -1):
        prefix = ".".join(parts[:n])
        for layer in LAYERS:
            if prefix in layer.modules:
                return layer.name
    return None


def layer_index(name: str) -> int:
    """The height of the layer called ``name`` (0 at the bottom)."""
    return [layer.name for layer in LAYERS].index(name)


def markdown_table() -> str:
    """The layers as a Markdown table, top layer first (as ``docs/map.md`` and the README show them).

    >>> markdown_table().splitlines()[2].startswith("| cli |")
    True
    """
    rows = ["| layer | modules | what it holds |", "|---|---|---|"]
    for layer in reversed(LAYERS):
        modules = ", ".join(f"`tconv/{m.replace('.', '/')}{'.py' if _is_file(m) else '/'}`" for m in layer.modules)
        rows.append(f"| {layer.name} | {modules} | {layer.holds} |")
    return "\n".join(rows)


def _is_file(module: str) -> bool:
    from pathlib import Path

    return (Path(__file__).parent / f"{module.replace('.', '/')}.py").is_file()
