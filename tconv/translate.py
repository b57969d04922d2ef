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

The other direction, :func:`framework_calls`, spells any tconv geometry as a PyTorch
layer and, when one exists, a Keras layer. The rule behind it: a (transposed) convolution's
values depend only on the amount it crops (or pads) at the start of each axis and on its
output size, so two spellings are the same operator exactly when those agree.
"""
from __future__ import annotations

import numbers
from dataclasses import dataclass

from .geometry import ConvGeometry, as_tuple, effective_kernel

__all__ = ["KerasTranslation", "keras_conv_transpose", "FrameworkCalls", "framework_calls",
           "keras_output_size"]

KERAS_PADDINGS = ("valid", "same")


# --------------------------------------------------------------------------- small helpers


def _is_int(value) -> bool:
    return isinstance(value, numbers.Integral) and not isinstance(value, bool)


def _collapse(values):
    """``(3, 3)`` -> ``3``; ``(3, 4)`` stays a tuple (how PyTorch and Keras accept sizes)."""
    values = tuple(values)
    return values[0] if len(set(values)) == 1 else values


def _pads_spelling(pairs):
    """Per-axis (before, after) pairs as the shortest argument tconv accepts."""
    if all(b == a for b, a in pairs):
        return _collapse(b for b, _ in pairs)
    return tuple(tuple(pair) for pair in pairs)


def _call(name: str, positional, keywords) -> str:
    """``name(pos1, pos2, key=value, ...)`` skipping keywords whose value is ``None``."""
    parts = [str(p) for p in positional]
    parts += [f"{key}={value!r}" for key, value in keywords if value is not None]
    return f"{name}({', '.join(parts)})"


def _infer_ndim(ndim, **values) -> int:
    """The number of spatial axes: from ``ndim``, from the tuple arguments, else 2."""
    lengths = {}
    for name, value in values.items():
        if not _is_int(value) and not isinstance(value, str):
            try:
                lengths[name] = len(value)
            except TypeError:
                raise TypeError(f"{name}={value!r} must be an int or a tuple of ints") from None
    if ndim is not None:
        if not _is_int(ndim) or not 1 <= ndim <= 3:
            raise ValueError(f"ndim={ndim!r} must be 1, 2 or 3 (Conv1DTranspose .. Conv3DTranspose)")
        lengths["ndim"] = ndim
    if len(set(lengths.values())) > 1:
        spelled = ", ".join(f"{name} has {n}" for name, n in lengths.items())
        raise ValueError(f"the arguments disagree on the number of spatial axes: {spelled}")
    found = next(iter(lengths.values()), 2)
    if not 1 <= found <= 3:
        raise ValueError(f"{next(iter(lengths))} has {found} entries; Keras has 1-, 2- and 3-D layers")
    return found


# --------------------------------------------------------------------------- Keras -> PyTorch / tconv


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
        raise ValueError(f"stride={_collapse(stride)!r} with dilation={_collapse(dilation)!r}: Keras' "
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
    keras_call = _call(f"keras.layers.{layer}", ["filters"], [
        ("kernel_size", _collapse(kernel_size)),
        ("strides", None if set(stride) == {1} else _collapse(stride)),
        ("padding", mode),
        ("dilation_rate", None if set(dilation) == {1} else _collapse(dilation))])
    torch_call = None
    if shape_equivalent:
        torch_call = _torch_transpose_call(ndim, "C_in", "C_out", kernel_size, stride, torch_p,
                                           torch_a, dilation, 1)
    tconv_call = _tconv_call(f"conv_transpose{ndim}d", stride, pairs, out_pads, dilation, 1)
    note = _keras_note(mode, status, totals, pairs, out_pads, torch_p, torch_a, stride, dilation)
    return KerasTranslation(
        keras_padding=mode, kernel_size=kernel_size, stride=stride, dilation=dilation,
        effective_kernel=k_hat, total_padding=tuple(totals), tconv_padding=tuple(pairs),
        tconv_output_padding=tuple(out_pads),
        padding=tuple(torch_p) if shape_equivalent else None,
        output_padding=tuple(torch_a) if shape_equivalent else None,
        shape_equivalent=shape_equivalent, exact=exact, shifted_axes=shifted, note=note,
        keras_call=keras_call, torch_call=torch_call, tconv_call=tconv_call)


def _keras_note(mode, status, totals, pairs, out_pads, torch_p, torch_a, stride, dilation) -> str:
    if all(st == "exact" for st in status):
        if mode == "valid":
            return ("exact: Keras' 'valid' is PyTorch's padding=0 with output_padding = max(s - k̂, 0) "
                    "(the zero rows a stride larger than the kernel leaves at the end)")
        return (f"exact: TensorFlow pads its convolution by T = max(k̂ - s, 0) = {_collapse(totals)} in "
                "total; T is even, so its split is symmetric and PyTorch's padding = T/2 is the same")

    def axes(kind):
        found = [axis for axis, st in enumerate(status) if st == kind]
        return found, ("axis " if len(found) == 1 else "axes ") + ", ".join(map(str, found))

    lines = []
    shifted, where = axes("shifted")
    if shifted:
        def pick(values):
            return _collapse(values[axis] for axis in shifted)

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
    lines.append(f"exact alternatives: tconv's asymmetric padding (tconv_call), or PyTorch with padding=0 "
                 f"and output_padding={_collapse(out_pads)}, then crop the output y[..., {crop}]")
    return "; ".join(lines)


# --------------------------------------------------------------------------- any geometry -> PyTorch / Keras


@dataclass(frozen=True)
class FrameworkCalls:
    """How to write one tconv geometry in tconv, PyTorch and Keras.

    ``torch`` and ``keras`` are ``None`` when no single layer of that framework computes
    the same operator; ``torch_note`` and ``keras_note`` then say why and what to do
    instead (and otherwise give the weight-layout facts needed to move weights over).
    """

    tconv: str
    torch: str | None
    keras: str | None
    torch_note: str
    keras_note: str


def framework_calls(geometry: ConvGeometry, in_channels="C_in", out_channels="C_out", groups: int = 1
                    ) -> FrameworkCalls:
    """Spell ``geometry`` as a tconv call, a PyTorch layer and (when one exists) a Keras layer.

    ``in_channels``/``out_channels`` are the operator's own (for a transposed conv: the
    channels of its input and of its result); ints or placeholder names. A spelling is
    given only when it computes exactly the same values: same crop at the start of every
    axis, same output size.

    >>> from tconv.geometry import conv_transpose_geometry
    >>> calls = framework_calls(conv_transpose_geometry((4, 4), (3, 3), stride=2, padding=1,
    ...                                                output_padding=1), 16, 8)
    >>> print(calls.torch)
    nn.ConvTranspose2d(16, 8, kernel_size=3, stride=2, padding=1, output_padding=1)
    >>> calls.keras is None
    True
    >>> keras_same = conv_transpose_geometry((4, 4), (3, 3), stride=2, padding=((0, 1), (0, 1)))
    >>> print(framework_calls(keras_same, 16, 8).keras)
    keras.layers.Conv2DTranspose(8, kernel_size=3, strides=2, padding='same')
    """
    if geometry.transposed:
        torch, torch_note = _torch_transpose(geometry, in_channels, out_channels, groups)
        keras, keras_note = _keras_transpose(geometry, out_channels, groups)
        tconv = _tconv_call(f"conv_transpose{geometry.ndim}d", geometry.stride, geometry.padding,
                            geometry.output_padding, geometry.dilation, groups)
    else:
        torch, torch_note = _torch_conv(geometry, in_channels, out_channels, groups)
        keras, keras_note = _keras_conv(geometry, out_channels, groups)
        tconv = _tconv_call(f"conv{geometry.ndim}d", geometry.stride, geometry.padding, None,
                            geometry.dilation, groups)
    return FrameworkCalls(tconv, torch, keras, torch_note, keras_note)


def _tconv_call(function, stride, pairs, output_padding, dilation, groups) -> str:
    padding = _pads_spelling(pairs)
    return _call(f"tconv.{function}", ["x", "w"], [
        ("stride", None if set(stride) == {1} else _collapse(stride)),
        ("padding", None if padding == 0 else padding),
        ("output_padding", None if not output_padding or set(output_padding) == {0}
         else _collapse(output_padding)),
        ("groups", None if groups == 1 else groups),
        ("dilation", None if set(dilation) == {1} else _collapse(dilation))])


def _torch_transpose_call(ndim, c_in, c_out, kernel_size, stride, padding, output_padding, dilation,
                          groups) -> str:
    return _call(f"nn.ConvTranspose{ndim}d", [c_in, c_out], [
        ("kernel_size", _collapse(kernel_size)),
        ("stride", None if set(stride) == {1} else _collapse(stride)),
        ("padding", None if set(padding) == {0} else _collapse(padding)),
        ("output_padding", None if set(output_padding) == {0} else _collapse(output_padding)),
        ("groups", None if groups == 1 else groups),
        ("dilation", None if set(dilation) == {1} else _collapse(dilation))])


def _layouts(ndim, transposed) -> tuple[str, str]:
    """The weight layouts: (PyTorch's, Keras' with the permutation from PyTorch's)."""
    spatial = ", ".join(("kd", "kh", "kw")[3 - ndim:])
    perm = ", ".join(str(a) for a in list(range(2, ndim + 2)) + [1, 0])
    if transposed:
        torch_shape, keras_shape = f"(C_in, C_out/groups, {spatial})", f"({spatial}, C_out, C_in)"
    else:
        torch_shape, keras_shape = f"(C_out, C_in/groups, {spatial})", f"({spatial}, C_in/groups, C_out)"
    return (f"weight {torch_shape}",
            f"channels-last; kernel {keras_shape} = PyTorch's weight.permute({perm}), not flipped")


def _torch_transpose(g: ConvGeometry, c_in, c_out, groups):
    """PyTorch crops ``p`` at the start, so ``p = padding_before``; ``output_padding`` fixes the size."""
    k_hat = g.effective_kernel
    padding, output_padding = [], []
    for f, o, kh, s, d, (b, _) in zip(g.feature_size, g.image_size, k_hat, g.stride, g.dilation, g.padding):
        a = o - ((f - 1) * s - 2 * b + kh)
        if not 0 <= a < max(s, d):
            return None, (f"no PyTorch padding/output_padding gives this: PyTorch pads symmetrically, so it "
                          f"would need output_padding={a} (valid: 0 <= a < max(stride, dilation)); "
                          + _crop_recipe(g))
        padding.append(b)
        output_padding.append(a)
    call = _torch_transpose_call(g.ndim, c_in, c_out, g.kernel_size, g.stride, padding, output_padding,
                                 g.dilation, groups)
    return call, _layouts(g.ndim, True)[0]


def _crop_recipe(g: ConvGeometry) -> str:
    """PyTorch with padding=0 computes every position; keep the window tconv's padding selects."""
    full = [(f - 1) * s + kh for f, s, kh in zip(g.feature_size, g.stride, g.effective_kernel)]
    keep = ", ".join(f"{b}:{b + o}" for (b, _), o in zip(g.padding, g.image_size))
    recipe = f"use nn.ConvTranspose{g.ndim}d(..., padding=0) and keep y[..., {keep}]"
    short = [max(b + o - n, 0) for (b, _), o, n in zip(g.padding, g.image_size, full)]
    if any(short):
        recipe += f" after zero-padding its end by {_collapse(short)}"
    return recipe


def _torch_conv(g: ConvGeometry, c_in, c_out, groups):
    """A conv's values depend on ``padding_before`` and the output size; PyTorch pads ``p`` both sides."""
    k_hat = g.effective_kernel
    keywords = [("kernel_size", _collapse(g.kernel_size)),
                ("stride", None if set(g.stride) == {1} else _collapse(g.stride)), ("padding", None),
                ("dilation", None if set(g.dilation) == {1} else _collapse(g.dilation)),
                ("groups", None if groups == 1 else groups)]
    befores = [b for b, _ in g.padding]
    if all((i + 2 * b - kh) // s + 1 == o for i, b, kh, s, o in
           zip(g.image_size, befores, k_hat, g.stride, g.feature_size)):
        keywords[2] = ("padding", None if set(befores) == {0} else _collapse(befores))
    elif set(g.stride) == {1} and all(pair == ((kh - 1) // 2, kh - 1 - (kh - 1) // 2)
                                      for pair, kh in zip(g.padding, k_hat)):
        keywords[2] = ("padding", "same")    # PyTorch's "same" puts the odd pixel at the end, too
    else:
        torch_pad = ", ".join(f"{b}, {e}" for b, e in reversed(g.padding))
        return None, (f"PyTorch's padding is symmetric; pad first: F.pad(x, ({torch_pad})) (last axis "
                      f"first), then nn.Conv{g.ndim}d(..., padding=0)")
    return _call(f"nn.Conv{g.ndim}d", [c_in, c_out], keywords), _layouts(g.ndim, False)[0]


def _keras_refusal(g: ConvGeometry, groups, transposed):
    if max(g.stride) > 1 and max(g.dilation) > 1:
        return "Keras refuses strides > 1 together with dilation_rate > 1"
    if transposed and groups != 1:
        return "Keras' Conv*DTranspose has no groups argument"
    return None


def _keras_transpose(g: ConvGeometry, c_out, groups):
    """Keras "valid" crops nothing at the start; "same" crops ``max((i-1)s + k̂ - o', 0) // 2``."""
    refusal = _keras_refusal(g, groups, transposed=True)
    if refusal:
        return None, refusal
    for mode in KERAS_PADDINGS:
        explicit, all_default = [], True
        for f, o, kh, s, (b, _) in zip(g.feature_size, g.image_size, g.effective_kernel, g.stride,
                                       g.padding):
            if mode == "valid":
                fits = b == 0
                default = (f - 1) * s + max(kh, s)
                base = (f - 1) * s + kh                   # Keras: (i-1)s + k̂ + output_padding
            else:
                # TensorFlow transposes a "same" conv of the output size: ceil(o'/s) must be i.
                fits = b == max((f - 1) * s + kh - o, 0) // 2 and -(-o // s) == f
                default = f * s
                base = (f - 1) * s + kh % 2               # Keras: (i-1)s + k̂%2 + output_padding
            all_default &= o == default
            explicit.append(o - base)
            if not fits:
                break
        else:
            if all_default:
                output_padding = None
            elif all(0 <= a < s for a, s in zip(explicit, g.stride)):
                output_padding = _collapse(explicit)
            else:
                continue
            call = _call(f"keras.layers.Conv{g.ndim}DTranspose", [c_out], [
                ("kernel_size", _collapse(g.kernel_size)),
                ("strides", None if set(g.stride) == {1} else _collapse(g.stride)),
                ("padding", mode), ("output_padding", output_padding),
                ("dilation_rate", None if set(g.dilation) == {1} else _collapse(g.dilation))])
            return call, _layouts(g.ndim, True)[1]
    return None, ("no Keras padding places the output like this: 'valid' crops nothing at the start and "
                  "'same' crops max((i-1)s + k̂ - o', 0) // 2")


def _keras_conv(g: ConvGeometry, c_out, groups):
    """Keras "valid" pads nothing; "same" gives ``ceil(i/s)`` and pads ``T//2`` before."""
    refusal = _keras_refusal(g, groups, transposed=False)
    if refusal:
        return None, refusal
    for mode in KERAS_PADDINGS:
        ok = True
        for i, o, kh, s, (b, _) in zip(g.image_size, g.feature_size, g.effective_kernel, g.stride,
                                       g.padding):
            if mode == "valid":
                ok &= b == 0 and o == (i - kh) // s + 1
            else:
                ok &= o == -(-i // s) and b == max((o - 1) * s + kh - i, 0) // 2
        if ok:
            call = _call(f"keras.layers.Conv{g.ndim}D", [c_out], [
                ("kernel_size", _collapse(g.kernel_size)),
                ("strides", None if set(g.stride) == {1} else _collapse(g.stride)),
                ("padding", mode),
                ("dilation_rate", None if set(g.dilation) == {1} else _collapse(g.dilation)),
                ("groups", None if groups == 1 else groups)])
            return call, _layouts(g.ndim, False)[1]
    return None, ("no Keras padding gives this: 'valid' pads nothing and 'same' gives ceil(i/s) outputs "
                  "with T = max((o-1)s + k̂ - i, 0) split T//2 before, the rest after")
