"""Graders of tutorial 10, Winograd.

* 10.1: F(2, 3) along a signal of length 10: the outputs (against :func:`numpy.correlate`)
  and the multiplications counted (4 per tile of 2 outputs);
* 10.2: the matrices of F(3, 2) from the points 0, 1, -1, ∞ (against
  :func:`tconv.winograd.toom_cook`);
* 10.3: the smallest ``m`` with fewer than 2 multiplications per output in 2-D,
  ``((m + 2)/m)² < 2``;
* 10.4: the float32 error of F(m x m, 3x3) growing with ``m``, and the points ±1/2 helping
  (graded by the trend: the exact values depend on the machine's rounding).
"""
from __future__ import annotations

import numpy as np

from ..winograd import multiplications_per_output, toom_cook
from .compare import as_array, same_array, same_int, same_items
from .core import exercise, not_yet, right

__all__ = []

SIGNAL = np.array([3.0, 1.0, 4.0, 1.0, 5.0, 9.0, 2.0, 6.0, 5.0, 3.0])
TAPS = np.array([2.0, -1.0, 1.0])


@exercise("10.1", "F(2, 3) along a signal", answer="a pair (the 8 outputs, the number of multiplications)")
def along_signal(answer):
    outputs = np.correlate(SIGNAL, TAPS, mode="valid")
    tiles = len(outputs) // 2
    expected = {"the outputs": outputs, "the count": 4 * tiles}
    if not isinstance(answer, (tuple, list)) or len(answer) != 2:
        return not_yet("Answer with a pair: (the outputs, the number of multiplications).")
    return same_items(dict(zip(expected, answer)), expected, {
        "the outputs": lambda v, e: same_array(v, e, name="your outputs", atol=1e-9, mistakes=[
            (np.convolve(SIGNAL, TAPS, mode="valid"), "those are np.convolve's values, with the kernel flipped; "
                                                      "y_i = sum_k d[i + k] g[k] is a correlation.")]),
        "the count": lambda v, e: same_int(v, e, name="your count", mistakes=[
            (3 * len(outputs), "That is the direct sum's count (3 per output). Count the calls of mul in the "
                               "Winograd loop."),
            (6 * tiles, "Per tile of 2 outputs F(2, 3) multiplies 4 times, not 6.")]),
    }, keys_name="part")


@exercise("10.2", "the matrices of F(3, 2)", answer="a triple (AT, G, BT) of arrays")
def f32(answer):
    reference = toom_cook(3, r=2, points=(0, 1, -1))
    expected = {"AT": reference.AT, "G": reference.G, "BT": reference.BT}
    if not isinstance(answer, (tuple, list)) or len(answer) != 3:
        return not_yet("Answer with three arrays: (AT, G, BT).")
    try:
        AT, G, BT = (as_array(a, name) for a, name in zip(answer, expected))
    except TypeError as error:
        return not_yet(f"{error}.")
    if (AT.shape, G.shape, BT.shape) == ((3, 4), (4, 2), (4, 4)):
        rng = np.random.default_rng(32)
        works = all(np.allclose(AT @ ((G @ g) * (BT @ d)), np.correlate(d, g, "valid"))
                    for d, g in ((rng.standard_normal(4), rng.standard_normal(2)) for _ in range(5)))
        same = all(np.allclose(a, expected[name]) for a, name in zip((AT, G, BT), expected))
        if works and not same:
            return not_yet("Your matrices compute the correlation, but scaled differently from section 2's "
                           "convention: the f_i go into Bᵀ and their inverses into G.")
        if not works and not same:
            return not_yet("Aᵀ [(G g) ⊙ (Bᵀ d)] is not the correlation of d with g for your matrices. "
                           + _first_difference(AT, G, BT, expected))
    return same_items(dict(zip(expected, (AT, G, BT))), expected,
                      {name: (lambda v, e, name=name: same_array(v, e, name=name)) for name in expected},
                      keys_name="matrix")


def _first_difference(AT, G, BT, expected) -> str:
    for name, value in zip(expected, (AT, G, BT)):
        verdict = same_array(value, expected[name], name=name)
        if verdict[0] != "right":
            return f"{name}: {verdict[1]}"
    return ""


@exercise("10.3", "fewer than 2 multiplications per output", answer="the smallest m (an int)")
def smallest_tile(answer):
    expected = next(m for m in range(1, 50) if multiplications_per_output(m) < 2)
    return same_int(answer, expected, name="your m", mistakes=[
        (expected - 1, f"F({expected - 1}x{expected - 1}, 3x3) needs ((m + 2)/m)² = "
                       f"{multiplications_per_output(expected - 1):.3f} per output: not fewer than 2 yet."),
    ])


@exercise("10.4", "float32 error against tile size", answer="a pair ({m: error for m = 2..6}, the error with ±1/2)")
def error_growth(answer):
    if not isinstance(answer, (tuple, list)) or len(answer) != 2 or not isinstance(answer[0], dict):
        return not_yet("Answer with a pair: ({2: error, ..., 6: error}, the error with the points ±1/2).")
    growth, halves = answer
    if sorted(growth) != [2, 3, 4, 5, 6]:
        return not_yet(f"The dict should have the keys 2, 3, 4, 5, 6 (it has {sorted(growth)}).")
    try:
        errors = {m: float(value) for m, value in growth.items()}
        halves = float(halves)
    except (TypeError, ValueError):
        return not_yet("The errors should be numbers (relative_error returns one).")
    if not all(0 < e < 1 for e in list(errors.values()) + [halves]):
        return not_yet("Relative errors of float32 lie between 0 and 1 (about 1e-7 to 1e-3 here): is each one "
                       "relative_error of a float32 result?")
    if errors[2] > 1e-6:
        return not_yet(f"F(2x2, 3x3) should be about as accurate as float32 itself (below 1e-6; yours "
                       f"{errors[2]:.1e}): were the inputs x32 and w32, in float32?")
    if not all(errors[m] < errors[m + 1] for m in range(2, 6)):
        return not_yet("The errors should grow with m (larger tiles, larger interpolation points).")
    if not halves < errors[6]:
        return not_yet("With the points ±1/2 the error of m = 6 should be smaller than with ±3: were they "
                       "the points 0, ±1, ±2, ±1/2?")
    return right()
