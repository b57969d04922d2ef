"""The text behind ``tconv explain``: a geometry's arithmetic, spellings, matrix and checks.

Every function here returns lines of text (a list of ``str``) and prints nothing, so the
command line (:mod:`tconv.cli`) stays a thin layer and the reports can be tested.

* :func:`describe_geometry`: output size with the formula filled in per axis, the valid
  ``output_size`` range, the paper's equivalent direct convolution of a transposed one,
  the tconv / PyTorch / Keras spellings and the convolution matrix's shape and sparsity;
* :func:`describe_keras`: how a Keras ``Conv*DTranspose(padding=...)`` maps to tconv and
  PyTorch;
* :func:`format_checks`: the table of :func:`tconv.explain.five_views.check_views` (every way tconv can
  compute the operator, on random data, compared);
* :func:`lecture_example`: the lecture notes' 4x4 image and 3x3 kernel, step by step.
"""
from __future__ import annotations

import math

import numpy as np

from ..geometry import ConvGeometry, output_size_range
from ..matrix import LECTURE_K, LECTURE_M, LECTURE_Y, conv_matrix, conv_transpose_matrix
from ..matrix import count_nonzeros as _count_nonzeros
from ..ops import conv as _conv
from ..translate.keras import KerasTranslation
from ..translate.onnx import onnx_spelling
from ..translate.spelling import framework_calls
from .five_views import ViewCheck, check_views, lecture_checks

__all__ = ["ViewCheck", "describe_geometry", "describe_keras", "check_views", "format_checks",
           "lecture_example", "lecture_checks", "LECTURE_M", "LECTURE_K"]

#: Print the dense matrix when it has at most this many rows, columns and entries (a column is
#: two or three characters wide, a row one line: tall matrices fit a terminal better than wide ones).
DENSE_MAX_ROWS, DENSE_MAX_COLS, DENSE_MAX_ENTRIES = 64, 32, 64 * 32
#: Build the explicit matrix (and allow --check) only up to this many nonzeros.
MAX_NNZ = 2_000_000


def _x(sizes) -> str:
    return " x ".join(str(n) for n in sizes)


def _axes(values) -> str:
    """Per-axis parameters: ``2`` when every axis agrees, else ``2 x 1``."""
    values = tuple(values)
    return str(values[0]) if len(set(values)) == 1 else _x(values)


def _pad_text(pairs) -> str:
    """``1``, ``1 x 2`` (symmetric per axis) or ``0,1 x 1,1 (before,after)`` (asymmetric), as ``--padding`` reads."""
    if all(b == a for b, a in pairs):
        return _axes(b for b, _ in pairs)
    return " x ".join(f"{b},{a}" for b, a in pairs) + " (before,after)"


def _ints(array) -> str:
    """An array printed without ``.0`` when all its values are whole numbers."""
    array = np.asarray(array)
    if np.all(array == np.round(array)):
        array = array.astype(np.int64)
    return np.array2string(array, max_line_width=120)


def dense_lines(matrix: np.ndarray, zero: str = ".") -> list[str]:
    """Rows of a small matrix, right-aligned, zeros shown as ``zero``."""
    cells = [[zero if v == 0 else f"{v:g}" for v in row] for row in matrix]
    width = max(len(c) for row in cells for c in row)
    return ["  " + " ".join(c.rjust(width) for c in row) for row in cells]


# --------------------------------------------------------------------------- geometry report


def _weight_shape(g: ConvGeometry, c_in: int, c_out: int, groups: int) -> tuple:
    """The operator's weight: conv ``(C_out, C_in/g, *k)``, transposed ``(C_in, C_out/g, *k)``."""
    if g.transposed:
        return (c_in, c_out // groups) + g.kernel_size
    return (c_out, c_in // groups) + g.kernel_size


def operator_matrix(weight: np.ndarray, g: ConvGeometry, c_in: int, groups: int):
    """The operator's own matrix: ``conv_matrix`` for a conv, ``conv_transpose_matrix`` (= C.T) else."""
    if g.transposed:
        return conv_transpose_matrix(weight, (c_in,) + g.input_size, g.stride, g.padding, g.output_padding,
                                     groups, g.dilation)
    return conv_matrix(weight, (c_in,) + g.input_size, g.stride, g.padding, g.dilation, groups)


def _size_lines(g: ConvGeometry) -> list[str]:
    if g.transposed:
        formula = "o' = (i' - 1)*s - (p_before + p_after) + k̂ + a"
    else:
        formula = "o = floor((i + p_before + p_after - k̂) / s) + 1"
    lines = [f"Output size per axis: {formula},  k̂ = d*(k - 1) + 1"]
    for axis in range(g.ndim):
        k, d, s, kh = g.kernel_size[axis], g.dilation[axis], g.stride[axis], g.effective_kernel[axis]
        (b, e), i = g.padding[axis], g.input_size[axis]
        pads = f"2*{b}" if b == e else f"({b} + {e})"
        if g.transposed:
            a = g.output_padding[axis]
            filled = f"o' = ({i} - 1)*{s} - {pads} + {kh} + {a} = {g.output_size[axis]}"
        else:
            filled = f"o = floor(({i} + {pads} - {kh}) / {s}) + 1 = {g.output_size[axis]}"
        lines.append(f"  axis {axis}: k̂ = {d}*({k} - 1) + 1 = {kh};  {filled}")
    lines.append(f"  output: {_x(g.output_size)}")
    return lines


def _range_lines(g: ConvGeometry) -> list[str]:
    """output_size= range of the transposed direction (of this conv, or of this transposed conv)."""
    ranges = [output_size_range(f, k, s, p, d) for f, k, s, p, d in
              zip(g.feature_size, g.kernel_size, g.stride, g.padding, g.dilation)]
    spelled = " x ".join(f"{lo}" if lo == hi else f"{lo}..{hi}" for lo, hi in ranges)
    restoring = g.restoring_output_padding()
    if g.transposed:
        lines = [f"Valid output_size: {spelled} (PyTorch's rule: [o'(a=0), o'(a=0) + s - 1] per axis); "
                 f"this output_padding = {_axes(restoring)}"]
        if any(a >= s for a, s in zip(restoring, g.stride)):
            lines.append("  (output_padding >= stride is legal because it is < dilation, but PyTorch's "
                         "output_size= only reaches o'(a=0) + s - 1: pass output_padding instead)")
        return lines
    return [f"Its transposed convolution (C.T) maps {_x(g.feature_size)} back to {_x(g.image_size)} "
            f"with output_padding = (i + p_before + p_after - k̂) mod s = {_axes(restoring)};",
            f"  valid output_size for that transposed convolution: {spelled}"]


def _equivalent_lines(g: ConvGeometry) -> list[str]:
    e = g.equivalent_conv()
    between = _axes(e["zeros_between"])
    padded = tuple(n + b + a for n, (b, a) in zip(e["stuffed_size"], e["padding"]))
    befores = _axes(b for b, _ in e["padding"])
    afters = _axes(a for _, a in e["padding"])
    return [
        "The same transposed convolution as a direct convolution (Dumoulin & Visin 2016, section 4):",
        f"  1. insert s - 1 = {between} zero(s) between input pixels: "
        f"{_x(g.input_size)} -> {_x(e['stuffed_size'])}",
        f"  2. pad k̂-1-p_before = {befores} before and k̂-1-p_after+a = {afters} after "
        f"(negative = crop): -> {_x(padded)}",
        f"  3. convolve with stride 1, dilation {_axes(g.dilation)} and the kernel rotated 180 degrees, "
        f"in/out channels swapped: -> {_x(e['output_size'])}",
    ]


def _spelling_lines(g: ConvGeometry, c_in, c_out, groups) -> list[str]:
    calls = framework_calls(g, c_in, c_out, groups)
    lines = ["Spellings:", f"  tconv:   {calls.tconv}"]
    lines.append(f"  PyTorch: {calls.torch}" if calls.torch else "  PyTorch: no single layer")
    lines.append(f"           ({calls.torch_note})")
    lines.append(f"  Keras:   {calls.keras}" if calls.keras else "  Keras:   no single layer")
    lines.append(f"           ({calls.keras_note})")
    onnx, onnx_note = onnx_spelling(g, groups)
    lines += [f"  ONNX:    {onnx}", f"           ({onnx_note})"]
    return lines


def count_nonzeros(g: ConvGeometry, in_channels: int, out_channels: int, groups: int) -> int:
    """The operator's nonzeros without building its matrix (exact, any size; see
    :func:`tconv.matrix.count_nonzeros`). Channels are the operator's own input and output.

    >>> from tconv.geometry import conv_geometry
    >>> count_nonzeros(conv_geometry((4, 4), (3, 3)), 1, 1, 1)
    36
    """
    c_image, c_feature = (out_channels, in_channels) if g.transposed else (in_channels, out_channels)
    return _count_nonzeros(g, c_feature, c_image, groups)


def _percentages(nnz: int, entries: int) -> str:
    """Density and sparsity, never rounded to 0% or 100% when the matrix is neither empty nor full."""
    density = nnz / entries
    if nnz == entries:
        return "density 100%, sparsity 0%"
    digits = 4
    while digits < 20 and (f"{100 * (1 - density):.{digits}g}" == "100" or f"{100 * density:.{digits}g}" == "0"):
        digits += 2
    return f"density {100 * density:.{digits}g}%, sparsity {100 * (1 - density):.{digits}g}%"


def _matrix_lines(g: ConvGeometry, c_in, c_out, groups, show_dense: bool) -> list[str]:
    c_image, c_feature = (c_out, c_in) if g.transposed else (c_in, c_out)
    rows, cols = c_feature * math.prod(g.feature_size), c_image * math.prod(g.image_size)
    if g.transposed:
        rows, cols = cols, rows
    nnz = count_nonzeros(g, c_in, c_out, groups)
    name = "tconv.conv_transpose_matrix(w, ...)  (= C.T)" if g.transposed else "tconv.conv_matrix(w, ...)"
    lines = [f"The matrix {name}:",
             f"  shape {rows} x {cols}, nnz {nnz}, {_percentages(nnz, rows * cols)}"]
    if nnz > MAX_NNZ:
        lines.append(f"  (nonzeros counted per axis; the matrix is not built above {MAX_NNZ:,} nonzeros)")
        return lines
    shape = _weight_shape(g, c_in, c_out, groups)
    numbered = np.arange(1, math.prod(shape) + 1, dtype=float).reshape(shape)
    matrix = operator_matrix(numbered, g, c_in, groups)
    if show_dense and rows <= DENSE_MAX_ROWS and cols <= DENSE_MAX_COLS and rows * cols <= DENSE_MAX_ENTRIES:
        lines.append(f"  with the weight entries numbered 1..{numbered.size} (row-major), "
                     "so you can see where each tap lands (. = 0):")
        lines += dense_lines(matrix.toarray())
    return lines


def describe_geometry(g: ConvGeometry, in_channels: int = 1, out_channels: int = 1, groups: int = 1,
                      show_dense: bool = True) -> list[str]:
    """The report for one (transposed) convolution geometry, as lines of text.

    >>> from tconv.geometry import conv_geometry
    >>> lines = describe_geometry(conv_geometry((4, 4), (3, 3)))
    >>> lines[3]
    '  axis 0: k̂ = 1*(3 - 1) + 1 = 3;  o = floor((4 + 2*0 - 3) / 1) + 1 = 2'
    """
    kind = "Transposed convolution" if g.transposed else "Convolution"
    header = (f"{kind}, {g.ndim}-D: input {_x(g.input_size)}, kernel {_x(g.kernel_size)}, "
              f"stride {_axes(g.stride)}, padding {_pad_text(g.padding)}, dilation {_axes(g.dilation)}")
    if g.transposed:
        header += f", output_padding {_axes(g.output_padding)}"
    header += f", channels {in_channels} -> {out_channels}, groups {groups}"
    lines = [header, ""] + _size_lines(g) + _range_lines(g) + [""]
    if g.transposed:
        lines += _equivalent_lines(g) + [""]
    lines += _spelling_lines(g, in_channels, out_channels, groups) + [""]
    lines += _fast_path_lines(g, in_channels, out_channels, groups) + [""]
    lines += _matrix_lines(g, in_channels, out_channels, groups, show_dense)
    return lines


def _fast_path_lines(g: ConvGeometry, in_channels: int, out_channels: int, groups: int) -> list[str]:
    """Which factorization of ``C`` the default method runs for each product (all are ``C`` exactly)."""
    from ..methods.choice import factorization

    c_image, c_feature = (out_channels, in_channels) if g.transposed else (in_channels, out_channels)
    ways = factorization(g, c_image, c_feature, groups)
    first, second = ("adjoint", "forward") if g.transposed else ("forward", "adjoint")
    return ["How tconv computes it (the default method 'numba'; every factorization is the same matrix C):",
            f"  this operator ({'C.T @ y' if g.transposed else 'C @ x'}):  {ways[first]}",
            f"  its gradient w.r.t. the input ({'C @ y' if g.transposed else 'C.T @ y'}):  {ways[second]}",
            f"  its gradient w.r.t. the weight:  " + (ways["weight_grad"] if not g.transposed else
                                                    "dW = Σ_n x[n] @ unfold(dL/dout)[n].T (the output plays the image of C)")]


def describe_keras(t: KerasTranslation, input_size) -> list[str]:
    """How Keras' ``Conv*DTranspose(padding=...)`` of ``input_size`` maps to tconv and PyTorch."""
    out = t.output_size(input_size)
    rule = "i*s" if t.keras_padding == "same" else "(i-1)*s + max(k̂, s)"
    lines = [f"Keras: {t.keras_call}",
             f"  Keras' output size: o' = {rule} -> {_x(out)}"]
    if t.keras_padding == "same":
        lines.append(f"  TensorFlow transposes its 'same' convolution of an input of size {_x(out)}, "
                     f"which pads T = max(k̂ - s, 0) = {_axes(t.total_padding)} in total, T//2 before and the rest "
                     "after")
    lines.append(f"  exact in tconv: {t.tconv_call}")
    if t.torch_call:
        verdict = "exact" if t.exact else "same size, NOT the same values"
        lines.append(f"  PyTorch ({verdict}): {t.torch_call}")
    else:
        lines.append("  PyTorch: no padding/output_padding gives this")
    lines.append(f"  ({t.note})")
    return lines


def format_checks(checks: list[ViewCheck], seed: int | None = None, title: str | None = None) -> list[str]:
    """The checks as a table (name, max abs difference, PASS/FAIL), ending with the verdict."""
    if title is None:
        title = (f"Check on random float64 data (seed {seed}): x is the large side, y the small side; "
                 "C @ x is compared with reference.conv_direct, C.T @ y with reference.conv_transpose_scatter.")
    lines = [title]
    width = max(len(c.name) for c in checks)
    for c in checks:
        verdict = "PASS" if c.passed else "FAIL"
        note = f"  ({c.note})" if c.note else ""
        lines.append(f"  {c.name.ljust(width)}  max |diff| {c.max_abs_diff:.1e}  {verdict}{note}")
    failed = [c.name for c in checks if not c.passed]
    lines.append(f"All {len(checks)} views agree." if not failed else
                 f"{len(failed)} of {len(checks)} views disagree: {', '.join(failed)}")
    return lines


# --------------------------------------------------------------------------- the lecture notes' example


def lecture_example() -> list[str]:
    """The lecture notes' 4x4 image M and 3x3 kernel K, through the convolution matrix.

    >>> text = "\\n".join(lecture_example())
    >>> "[[122 148]" in text and "[10 29 33 13]" in text
    True
    """
    C = conv_matrix(LECTURE_K[None, None], (1, 4, 4))
    x = LECTURE_M.reshape(-1)
    y = C @ x
    back = C.T @ LECTURE_Y
    via_tconv = _conv.conv_transpose2d(LECTURE_Y.reshape(1, 1, 2, 2), LECTURE_K[None, None], method="matrix")
    return [
        "The lecture notes' example (Dumoulin & Visin 2016, section 4.1): a 4 x 4 input M, a 3 x 3 kernel K.",
        "", "M =", _ints(LECTURE_M), "K =", _ints(LECTURE_K), "",
        "Stretch M row by row into a vector of 16 entries: x = M.reshape(-1) =", _ints(x), "",
        "The convolution matrix C = tconv.conv_matrix(K[None, None], (1, 4, 4)), 4 x 16: one row per",
        "output pixel, each row is K rearranged into the stretched image (rows 1, 2, 3 are row 0",
        "shifted right by 1, 4 and 5 columns):", _ints(C.toarray()), "",
        "Convolution: C @ x =", _ints(y), "reshaped 2 x 2 =", _ints(y.reshape(2, 2)), "",
        f"Transposed convolution with the same K: C.T @ {_ints(LECTURE_Y)} reshaped 4 x 4 =",
        _ints(back.reshape(4, 4)),
        "The shape goes back up (2 x 2 -> 4 x 4); the values are not M: C.T is the transpose, not the inverse.",
        "tconv.conv_transpose2d(y, K) computes the same thing:", _ints(via_tconv[0, 0]),
    ]
