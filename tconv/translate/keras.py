"""Translating one (transposed) convolution between tconv, PyTorch and Keras.

Per spatial axis, with input ``i``, kernel ``k``, stride ``s``, dilation ``d`` and
effective kernel ``k̂ = d(k-1) + 1``, Keras' ``Conv*DTranspose`` produces

* ``padding="valid"``: ``o' = (i-1)s + max(k̂, s)``;
* ``padding="same"``:  ``o' = i*s``.

TensorFlow's "same" transposed convolution is the transpose of a TensorFlow "same"
convolution on an input of size ``i*s``, which pads ``T = max(k̂ - s, 0)`` in total,
``T//2`` before and ``T - T//2`` after. tconv accepts exactly that asymmetric padding, so
``conv_transpose(..., padding=((T//2, T - T//2), ...))`` is Keras' layer, value for value.

PyTorch pads symmetrically (``p`` on both sides) and adds ``output_padding = a`` at the
end only, with ``0 <= a < max(s, d)``. Matching the size ``(i-1)s - 2p + k̂ + a = i*s``
gives, when ``k̂ >= s``, ``p = ceil(T/2)`` and ``a = 2p - T``:

* ``T`` even: ``a = 0`` and the two agree exactly;
* ``T`` odd: ``a = 1``; same size, but PyTorch crops ``ceil(T/2)`` at the start where TF
  crops ``floor(T/2)``, so PyTorch's result is TF's shifted by one pixel towards the start
  (``torch[j] = keras[j+1]``);
* ``a >= max(s, d)`` (an even kernel at stride 1 without dilation): no PyTorch
  ``padding``/``output_padding`` gives this output size at all.

(Keras' own PyTorch backend uses the same formulas and warns about the shift.)

The other direction, spelling any tconv geometry as a PyTorch and a Keras layer, is
:func:`tconv.translate.spelling.framework_calls`.
"""
from __future__ import annotations

from dataclasses import dataclass

from .._checks import is_int
from ..geometry import as_tuple, effective_kernel
from .spelling import KERAS_PADDINGS, collapse, format_call, tconv_call, torch_transpose_call

__all__ = ["KerasTranslation", "keras_conv_transpose", "keras_output_size", "KERAS_PADDINGS"]


def _infer_ndim(ndim, **values) -> int:
    """The number of spatial axes: from ``ndim``, from the tuple arguments, else 2."""
    lengths = {}
    for name, value in values.items():
        if not is_int(value) and not isinstance(value, str):
            try:
                lengths[name] = len(value)
            except TypeError:
                raise TypeError(f"{name}={value!r} must be an int or a tuple of ints") from None
    if ndim is not None:
        if not is_int(ndim) or not 1 <= ndim <= 3:
            raise ValueError(f"ndim={ndim!r} must be 1, 2 or 3 (Conv1DTranspose .. Conv3DTranspose)")
        lengths["ndim"] = ndim
    if len(set(lengths.values())) > 1:
        spelled = ", ".join(f"{name} has {n}" for name, n in lengths.items())
        raise ValueError(f"the arguments disagree on the number of spatial axes: {spelled}")
    found = next(iter(lengths.values()), 2)
    if not 1 <= found <= 3:
        raise ValueError(f"{next(iter(lengths))} has {found} entries; Keras has 1-, 2- and 3-D layers")
    return found


def keras_output_size(padding: str, i: int, k: int, stride: int = 1, dilation: int = 1) -> int:
    """Output length of Keras' ``Conv*DTranspose`` (no ``output_padding``) along one axis.

    ``"valid"``: ``(i-1)s + max(k̂, s)``; ``"same"``: ``i*s``.

    >>> keras_output_size("valid", 4, 3, stride=2), keras_output_size("same", 4, 3, stride=2)
    (9, 8)
    """
    if padding == "same":
        return i * stride
    return (i - 1) * stride + max(effective_kernel(k, dilation), stride)


@dataclass(frozen=True)
class KerasTranslation:
    """Keras' ``Conv*DTranspose(padding=...)`` spelled for tconv and for PyTorch.

    Per-axis tuples:

    * ``kernel_size``, ``stride``, ``dilation``, ``effective_kernel`` (``k̂``);
    * ``total_padding``: ``T`` of the TensorFlow convolution this layer transposes
      (``max(k̂ - s, 0)`` for "same", 0 for "valid");
    * ``tconv_padding`` (``(T//2, T - T//2)`` pairs) and ``tconv_output_padding``
      (``max(s - k̂, 0)``): the exact spelling for ``tconv.conv_transpose*d``;
    * ``padding``, ``output_padding``: PyTorch's arguments giving the same output size,
      or ``None`` when there are none.

    ``shape_equivalent`` says PyTorch's arguments exist; ``exact`` that they also give
    the same values; ``note`` explains any difference. ``keras_call``, ``torch_call``
    (``None`` without an equivalent) and ``tconv_call`` spell the three calls.
    """

    keras_padding: str
    kernel_size: tuple
    stride: tuple
    dilation: tuple
    effective_kernel: tuple
    total_padding: tuple
    tconv_padding: tuple
    tconv_output_padding: tuple
    padding: tuple | None
    output_padding: tuple | None
    shape_equivalent: bool
    exact: bool
    shifted_axes: tuple
    note: str
    keras_call: str
    torch_call: str | None
    tconv_call: str

    @property
    def ndim(self) -> int:
        """Number of spatial axes."""
        return len(self.kernel_size)

    def output_size(self, input_size) -> tuple:
        """Keras' output size for a spatial ``input_size`` (one int per axis).

        >>> keras_conv_transpose("valid", 3, stride=2).output_size((4, 5))
        (9, 11)
        """
        input_size = as_tuple("input_size", input_size, self.ndim, minimum=1)
        return tuple(keras_output_size(self.keras_padding, i, k, s, d) for i, k, s, d in
                     zip(input_size, self.kernel_size, self.stride, self.dilation))


def keras_conv_transpose(padding: str, kernel_size, stride=1, dilation=1, ndim: int | None = None
                         ) -> KerasTranslation:
    """Translate Keras' ``Conv{ndim}DTranspose(kernel_size, strides, padding, dilation_rate)``.

    ``kernel_size``, ``stride`` (Keras' ``strides``) and ``dilation`` (``dilation_rate``)
    are ints or tuples with one entry per spatial axis; ``ndim`` defaults to their length,
    or 2 when they are all ints. Keras' output size is ``i*s`` ("same") or
    ``(i-1)s + max(k̂, s)`` ("valid"). Returns a :class:`KerasTranslation`; raises
    ``ValueError`` naming the argument for anything Keras itself would refuse.

    The four stride-2 "same" cases (PyTorch ``padding``, ``output_padding``):

    >>> [keras_conv_transpose("same", k, stride=2).padding[0] for k in (3, 4, 2, 5)]
    [1, 1, 0, 2]
    >>> [keras_conv_transpose("same", k, stride=2).output_padding[0] for k in (3, 4, 2, 5)]
    [1, 0, 0, 1]
    >>> t = keras_conv_transpose("same", 3, stride=2)
    >>> print(t.torch_call)
    nn.ConvTranspose2d(C_in, C_out, kernel_size=3, stride=2, padding=1, output_padding=1)
    >>> t.exact, t.tconv_padding
    (False, ((0, 1), (0, 1)))
    >>> print(t.tconv_call)
    tconv.conv_transpose2d(x, w, stride=2, padding=((0, 1), (0, 1)))
    >>> keras_conv_transpose("same", 2, stride=1).torch_call is None  # even kernel, stride 1
    True
    """
    if not isinstance(padding, str) or padding.lower() not in KERAS_PADDINGS:
        raise ValueError(f"padding={padding!r} must be one of {KERAS_PADDINGS} (Keras' padding modes)")
    mode = padding.lower()
    ndim = _infer_ndim(ndim, kernel_size=kernel_size, stride=stride, dilation=dilation)
    kernel_size = as_tuple("kernel_size", kernel_size, ndim, minimum=1)
    stride = as_tuple("stride", stride, ndim, minimum=1)
    dilation = as_tuple("dilation", dilation, ndim, minimum=1)
    if max(stride) > 1 and max(dilation) > 1:
        raise ValueError(f"stride={collapse(stride)!r} with dilation={collapse(dilation)!r}: Keras' "
                         "Conv*DTranspose refuses strides > 1 together with dilation_rate > 1")

    k_hat = tuple(effective_kernel(k, d) for k, d in zip(kernel_size, dilation))
    totals, pairs, out_pads, torch_p, torch_a, status = [], [], [], [], [], []
    for kh, s, d in zip(k_hat, stride, dilation):
        total = max(kh - s, 0) if mode == "same" else 0
        totals.append(total)
        pairs.append((total // 2, total - total // 2))
        out_pads.append(max(s - kh, 0))
        if total == 0:                       # "valid", or "same" with k̂ <= s: no cropping at all
            p, a = 0, max(s - kh, 0)
        else:
            p = (total + 1) // 2             # ceil(T/2) on both sides ...
            a = 2 * p - total                # ... and the surplus back at the end (0 or 1)
        torch_p.append(p)
        torch_a.append(a)
        status.append("none" if a >= max(s, d) else "exact" if a == 0 or total == 0 else "shifted")

    shape_equivalent = "none" not in status
    exact = all(st == "exact" for st in status)
    shifted = tuple(axis for axis, st in enumerate(status) if st == "shifted")
    layer = f"Conv{ndim}DTranspose"
    keras_call = format_call(f"keras.layers.{layer}", ["filters"], [
        ("kernel_size", collapse(kernel_size)),
        ("strides", None if set(stride) == {1} else collapse(stride)),
        ("padding", mode),
        ("dilation_rate", None if set(dilation) == {1} else collapse(dilation))])
    torch_call = None
    if shape_equivalent:
        torch_call = torch_transpose_call(ndim, "C_in", "C_out", kernel_size, stride, torch_p,
                                           torch_a, dilation, 1)
    exact_call = tconv_call(f"conv_transpose{ndim}d", stride, pairs, out_pads, dilation, 1)
    note = _keras_note(mode, status, totals, pairs, out_pads, torch_p, torch_a, exact_call)
    return KerasTranslation(
        keras_padding=mode, kernel_size=kernel_size, stride=stride, dilation=dilation,
        effective_kernel=k_hat, total_padding=tuple(totals), tconv_padding=tuple(pairs),
        tconv_output_padding=tuple(out_pads),
        padding=tuple(torch_p) if shape_equivalent else None,
        output_padding=tuple(torch_a) if shape_equivalent else None,
        shape_equivalent=shape_equivalent, exact=exact, shifted_axes=shifted, note=note,
        keras_call=keras_call, torch_call=torch_call, tconv_call=exact_call)


def _keras_note(mode, status, totals, pairs, out_pads, torch_p, torch_a, exact_call) -> str:
    if all(st == "exact" for st in status):
        if mode == "valid":
            return ("exact: Keras' 'valid' is PyTorch's padding=0 with output_padding = max(s - k̂, 0) "
                    "(the zero rows a stride larger than the kernel leaves at the end)")
        return (f"exact: TensorFlow pads its convolution by T = max(k̂ - s, 0) = {collapse(totals)} in "
                "total; T is even, so its split is symmetric and PyTorch's padding = T/2 is the same")

    def axes(kind):
        found = [axis for axis, st in enumerate(status) if st == kind]
        return found, ("axis " if len(found) == 1 else "axes ") + ", ".join(map(str, found))

    lines = []
    shifted, where = axes("shifted")
    if shifted:
        def pick(values):
            return collapse(values[axis] for axis in shifted)

        lines.append(
            f"{where}: same size, different values: TensorFlow splits the odd total padding "
            f"T = {pick(totals)} as T//2 = {pick([b for b, _ in pairs])} before and the rest after, while "
            f"PyTorch crops padding={pick(torch_p)} on both sides and adds output_padding=1 at the end, so "
            "PyTorch's result is Keras' shifted by one pixel towards the start (torch[j] = keras[j+1])")
    impossible, where = axes("none")
    if impossible:
        lines.append(
            f"{where}: no PyTorch equivalent: matching the size needs output_padding="
            f"{torch_a[impossible[0]]}, but PyTorch requires output_padding < max(stride, dilation) "
            "(here an even effective kernel at stride 1)")
    crop = ", ".join(f"{b}:-{e}" if e else f"{b}:" for b, e in pairs)
    lines.append(f"exact alternatives: {exact_call}, or PyTorch with padding=0 "
                 f"and output_padding={collapse(out_pads)}, then crop the output y[..., {crop}]")
    return "; ".join(lines)
