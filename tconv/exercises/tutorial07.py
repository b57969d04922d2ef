"""Graders of tutorial 7, losses, metrics and paired augmentation.

* 07.1: the Tversky weights equal to F-β with β = 3, ``α = 1/(1+β²)``, ``β_T = β²/(1+β²)``,
  and the error they punish most;
* 07.2: ``DiceMetric().aggregate()`` over a perfect image, a Dice-0.5 image and an
  empty-on-empty image, with ``ignore_empty`` True and False (MONAI's conventions);
* 07.3: ``boundary_of(labels)``, the foreground minus its erosion, tested on label maps
  against :func:`scipy.ndimage.binary_erosion`.
"""
from __future__ import annotations

import numpy as np

from .compare import same_choice, same_items, same_number
from .core import exercise, not_yet, right

__all__ = []


@exercise("07.1", "F-beta as a Tversky loss",
          answer='a tuple (alpha, beta, "false positives" or "false negatives")')
def tversky_weights(answer):
    if not isinstance(answer, (tuple, list)) or len(answer) != 3:
        return not_yet('Answer with three things: (alpha, beta, "false positives" or "false negatives").')
    beta = 3.0
    expected = {"alpha": 1 / (1 + beta ** 2), "beta": beta ** 2 / (1 + beta ** 2), "the error": "false negatives"}
    choices = ("false positives", "false negatives")
    given = dict(zip(expected, answer))
    if isinstance(given["alpha"], (int, float)) and np.isclose(given["alpha"], expected["beta"]) and \
            isinstance(given["beta"], (int, float)) and np.isclose(given["beta"], expected["alpha"]):
        return not_yet("Alpha and beta are swapped: Tversky's alpha weighs the false positives, beta the false "
                       "negatives.")
    return same_items(given, expected, {"alpha": same_number, "beta": same_number,
                                        "the error": lambda v, e: same_choice(v, e, choices, mistakes=[
                                            ("false positives", "with these weights, which kind of error is "
                                                                "multiplied by the larger one?")])},
                      keys_name="part")


@exercise("07.2", "DiceMetric with and without ignore_empty",
          answer="a pair (aggregate with ignore_empty=True, with ignore_empty=False)")
def empty_means(answer):
    from ..seg.metrics import DiceMetric

    empty = np.zeros((1, 1, 8, 8))
    square = empty.copy()
    square[0, 0, 2:5, 2:5] = 1.0
    half = empty.copy()
    half[0, 0, 2, 2:5] = 1.0                                  # Dice 2*3 / (3 + 9) = 0.5
    expected = {}
    for ignore_empty in (True, False):
        metric = DiceMetric(ignore_empty=ignore_empty)
        for prediction, truth in ((square, square), (half, square), (empty, empty)):
            metric(prediction, truth)
        expected[f"the mean with ignore_empty={ignore_empty}"] = float(metric.aggregate())
    if not isinstance(answer, (tuple, list)) or len(answer) != 2:
        return not_yet("Answer with a pair: (the mean with ignore_empty=True, the mean with ignore_empty=False).")
    given = dict(zip(expected, answer))
    first = given["the mean with ignore_empty=True"]
    if isinstance(first, (int, float)) and np.isclose(first, 0.5):
        return not_yet("With ignore_empty=True image C is not scored 0: an empty truth gives NaN, and the mean "
                       "skips it.")
    return same_items(given, expected, {key: lambda v, e: same_number(v, e, atol=5e-4) for key in expected},
                      keys_name="part")


def _cases():
    """Label maps to test a boundary function on: shapes touching the edge, holes, two classes, nothing."""
    cases = []
    a = np.zeros((9, 10), np.int64)
    a[2:7, 3:8] = 1
    cases.append(a)
    b = np.zeros((8, 8), np.int64)
    b[0:4, 0:5] = 2                                             # touches the image's edge
    b[5:8, 4:8] = 1
    cases.append(b)
    c = np.zeros((9, 9), np.int64)
    c[1:8, 1:8] = 3
    c[4, 4] = 0                                                 # a hole: its neighbours are boundary too
    cases.append(c)
    d = np.zeros((6, 7), np.int64)
    d[2, 1:6] = 1                                               # a one-pixel line: all boundary
    d[4, 3] = 2
    cases.append(d)
    cases.append(np.zeros((5, 5), np.int64))
    return cases


@exercise("07.3", "the boundary of a mask", answer="your function boundary_of(labels)")
def boundary(answer):
    from scipy.ndimage import binary_erosion

    if not callable(answer):
        return not_yet(f"Pass the function itself (boundary_of), not a {type(answer).__name__}.")
    for number, labels in enumerate(_cases()):
        foreground = labels > 0
        expected = foreground & ~binary_erosion(foreground)
        try:
            result = np.asarray(answer(labels.copy()))
        except Exception as error:
            return not_yet(f"boundary_of raised {type(error).__name__}: {error}.")
        if result.shape != labels.shape:
            return not_yet(f"boundary_of returned the shape {result.shape} for a {labels.shape} mask: keep the "
                           "mask's shape.")
        if result.dtype == object:
            return not_yet("boundary_of still returns ... : fill it in.")
        if not np.isin(result, (0, 1)).all():
            return not_yet("boundary_of should return 0/1 values (1 on the boundary).")
        got = result.astype(bool)
        if np.array_equal(got, expected):
            continue
        if np.array_equal(got, foreground & ~binary_erosion(foreground, structure=np.ones((3, 3)))):
            return not_yet("Your boundary also counts pixels whose only background neighbour is diagonal: the "
                           "erosion uses the 4 direct neighbours (scipy's default).")
        if np.array_equal(got, foreground & ~binary_erosion(foreground, border_value=1)):
            return not_yet("Pixels on the image's edge belong to the boundary too (outside the image counts as "
                           "background).")
        if np.array_equal(got, ~foreground & ~binary_erosion(~foreground)) or \
                np.array_equal(got, binary_erosion(foreground)):
            return not_yet("That marks the wrong side: the boundary is the foreground pixels that touch the "
                           "background.")
        wrong = int(np.sum(got != expected))
        return not_yet(f"On test mask {number + 1} ({labels.shape[0]}x{labels.shape[1]}) {wrong} pixel"
                       f"{'s are' if wrong > 1 else ' is'} wrong.")
    return right()
