"""The text of ``tconv explain --stack``: the receptive field of a stack of layers, step by step.

:func:`describe_stack` returns lines (prints nothing): one row per layer with its jump and
the field after it (``r_L = r_(L-1) + (k_L - 1)·d_L·jump``, Araujo et al. 2019), the
receptive field, and for a stack without upsampling layers the footprint (how many paths
reach each input offset) with the offsets no path reaches: the gridding of stacked equal
dilations (Yu & Koltun 2016; Wang et al. 2018).
"""
from __future__ import annotations

from fractions import Fraction

from ..receptive_field import format_layer, receptive_field_footprint, receptive_field_reach, receptive_field_steps

__all__ = ["describe_stack", "MAX_FOOTPRINT"]

#: The footprint is printed for fields up to this many pixels.
MAX_FOOTPRINT = 121


def _number(value) -> str:
    if isinstance(value, Fraction) and value.denominator != 1:
        return f"{value.numerator}/{value.denominator}"
    return str(int(value))


def describe_stack(layers) -> list[str]:
    """Lines explaining the receptive field of ``layers`` (as :func:`tconv.receptive_field.receptive_field_steps`).

    >>> print("\\n".join(describe_stack([(3, 1, 2), (3, 1, 2)])[-5:]))
    One output pixel sees 9 input pixels along each axis (9 x 9 in 2-D).
    With the paddings given (pP; default 0), it reaches 0 pixels before and 8 after its own position: a tile with that margin predicts it exactly.
    Footprint (paths reaching each input offset, left to right):
      1 0 2 0 3 0 2 0 1
    Gridding: 4 of the 9 offsets are never reached (offsets 1, 3, 5, 7): equal dilations sample a sub-grid.
    """
    steps = receptive_field_steps(layers)
    if not steps:
        return ["An empty stack sees one pixel."]
    words = " ".join(format_layer(layer) for layer in layers)
    lines = [f"Receptive field of the stack {words} ({len(steps)} layer{'s' if len(steps) > 1 else ''}, one axis; "
             "Araujo, Norris & Sim 2019):",
             "  r_0 = 1;  r_L = r_(L-1) + (k_L - 1)·d_L·jump_L;  jump_L = product of the strides before layer L",
             "  (a transposed layer of stride s divides the jump by s; from the first one on, the field is found by",
             "  following every output's windows back: an upsampling layer's outputs read inputs by phase)",
             "",
             "  layer  word    kernel  stride  dilation  jump   field  step"]
    previous = Fraction(1)
    for n, (layer, step) in enumerate(zip(layers, steps), start=1):
        k, s, d, jump = step["kernel_size"], step["stride"], step["dilation"], step["jump"]
        field = step["receptive_field"]
        if step["followed"]:
            how = "followed back"
        else:
            how = f"{_number(previous)} + ({k} - 1)·{d}·{_number(jump)} = {_number(field)}"
        lines.append(f"  {n:<5}  {format_layer(layer):<6}  {k:<6}  {s:<6}  {d:<8}  {_number(jump):<5}  "
                     f"{_number(field):<5}  {how}")
        previous = Fraction(field)
    field = steps[-1]["receptive_field"]
    lines += ["", f"One output pixel sees {_number(field)} input pixels along each axis "
                  f"({_number(field)} x {_number(field)} in 2-D)."]
    try:
        left, right = receptive_field_reach(layers)
    except ValueError:
        pass                                  # the stack changes the resolution: no reach relative to the pixel
    else:
        lines.append(f"With the paddings given (pP; default 0), it reaches {left} pixels before and {right} after "
                     "its own position: a tile with that margin predicts it exactly.")
    if any(step["transposed"] for step in steps):
        lines.append("(No footprint: an upsampling layer's outputs see different inputs by phase.)")
        return lines
    footprint = receptive_field_footprint(layers)
    if len(footprint) <= MAX_FOOTPRINT:
        lines += ["Footprint (paths reaching each input offset, left to right):", "  " + " ".join(map(str, footprint))]
    holes = [i for i, count in enumerate(footprint) if count == 0]
    if holes:
        shown = ", ".join(map(str, holes[:12])) + (", ..." if len(holes) > 12 else "")
        lines.append(f"Gridding: {len(holes)} of the {len(footprint)} offsets are never reached (offsets {shown}): "
                     "equal dilations sample a sub-grid.")
    else:
        lines.append("Every offset of the field is reached (no gridding).")
    return lines
