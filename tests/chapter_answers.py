"""Right answers and typical mistakes of the exercises of tutorials 12-16 and 08.4, worked out here.

Written by hand or with plain loops (not with the graders' library calls), so a grader that
computes the wrong expected value fails; tests/test_exercises.py adds them to its tables.
"""
from __future__ import annotations

import numpy as np

W0 = np.array([[1.0, 2.0], [3.0, 4.0]])
KRON = np.array([[1, 1, 2, 2], [1, 1, 2, 2], [3, 3, 4, 4], [3, 3, 4, 4]], dtype=float)

#: exercise -> (a right answer, the given values)
RIGHT = {
    "12.1": ({0: [1, 3], 1: [0, 2, 4]}, {}),
    "12.2": (KRON, dict(w0=W0)),
    "12.3": ((0, 5, 7), {}),
}

#: (exercise, a typical wrong answer, a piece of its hint)
WRONG = [
    ("12.1", {0: [0, 2, 4], 1: [1, 3]}, "shifts them by one"),
    ("12.1", {0: [3, 1], 1: [0, 2, 4]}, "increasing order"),
    ("12.2", np.tile(W0, (2, 2)), "not all equal"),
    ("12.2", np.kron(W0[::-1, ::-1], np.ones((2, 2))), "another order"),
    ("12.3", (0, 7, 5), "swapped"),
    ("12.3", (2, 5, 7), "divided by r²"),
]

RIGHT.update({
    "13.1": (35, {}),                                   # 1 + 6·1 + 2·2 + 2·4 + 2·2·4
    "13.2": ((1, 1, 4), {}),                            # {0,1,2} + {0,1,2} + {0,4,8} covers 0..12
    "13.3": ([1, 0, 0, 2, 0, 0, 3], {}),
})
WRONG += [
    ("13.1", 1 + 6 + 2 + 2 + 4, "the jump"),
    ("13.1", 27, "dilated"),
    ("13.2", (2, 2, 2), "never reached"),
    ("13.2", (1, 2, 4), "not 13"),
    ("13.2", (1, 2, 3), "tutorial's own"),
    ("13.3", [1, 0, 2, 0, 3], "not one"),
]

IMAGE_14 = np.array([[7, 1, 2, 3], [0, 2, 8, 1], [4, 4, 0, 0], [1, 5, 6, 9]], dtype=float)
UNPOOLED_14 = np.array([[7, 0, 0, 0], [0, 0, 8, 0], [0, 0, 0, 0], [0, 5, 0, 9]], dtype=float)
GRAD_14 = np.array([[0, 0, 0, 0], [0, 1, 2, 0], [0, 0, 0, 0], [0, 3, 0, 4]], dtype=float)   # argmax 4, 9, 6, 8
RIGHT.update({
    "14.1": (UNPOOLED_14, dict(image=IMAGE_14)),
    "14.2": ((6, (5, 7)), {}),                         # (3 - 1)·2 + 2, strictly between 4 and 8
    "14.3": (GRAD_14, {}),
})
WRONG += [
    ("14.1", np.kron([[7, 8], [5, 9]], np.ones((2, 2))), "nearest resize"),
    ("14.1", IMAGE_14, "input itself"),
    ("14.2", (3, (5, 7)), "pooled map's size"),
    ("14.2", (6, (4, 8)), "range is open"),
    ("14.3", np.kron([[1, 2], [3, 4]], np.ones((2, 2))), "not to the whole"),
]

RIGHT.update({
    "15.1": (100, {}),                  # 188 -> 184 -> 92 -> 88 -> 44 -> 40 -> 20 -> 16 -> 28 -> 52 -> 100
    "15.2": (49, {}),                   # each tile keeps 256 - 2·56 = 144: ceil(1000 / 144) = 7 per axis
    "15.3": (1 + 10 * np.exp(-0.5), {}),
})
WRONG += [
    ("15.1", 188 - 56, "level by level"),
    ("15.2", 16, "Tiles overlap"),
    ("15.2", 25, "both"),
    ("15.2", 7, "two"),
    ("15.3", 10 * np.exp(-0.5), "add the class weight"),
    ("15.3", 1 + 10 * np.exp(-13 / 50), "squares the sum"),
]

_IMAGE_16 = np.add.outer(np.arange(4.0), np.arange(4.0)) + np.array([[0.0, 1.0] * 2, [1.0, 0.0] * 2] * 2)


def _energy_by_loops(image):
    """Sum |DFT|² over the stride frequencies / over all, the DFT written as a double loop."""
    centred = image - image.mean()
    n = image.shape[0]
    power = np.zeros((n, n))
    for u in range(n):
        for v in range(n):
            power[u, v] = abs(sum(centred[r, c] * np.exp(-2j * np.pi * (u * r + v * c) / n)
                                  for r in range(n) for c in range(n))) ** 2
    return (power[0, n // 2] + power[n // 2, 0] + power[n // 2, n // 2]) / power.sum()


W_16 = np.random.default_rng(16).standard_normal((4, 8, 3, 3))
B_16 = np.array([0.1, -0.2, 0.3, 0.0])
PHASES_16 = np.array([[0.5 * W_16[2 * i + j].sum() + B_16[2 * i + j] for j in range(2)] for i in range(2)])
RIGHT.update({
    "16.1": ({"k3s2", "k4s2", "shuffle", "shuffle_icnr"}, {}),
    "16.2": (_energy_by_loops(_IMAGE_16), {}),
    "16.3": (PHASES_16, dict(w=W_16, b=B_16, v=0.5)),
})
WRONG += [
    ("16.1", {"k3s2", "k4s2", "shuffle", "shuffle_icnr", "resize"}, "all nine taps"),
    ("16.1", {"k3s2", "k4s2", "shuffle"}, "ICNR only"),
    ("16.1", {"k3s2", "shuffle", "shuffle_icnr"}, "missing"),
    ("16.2", 1.0, "ramp"),
    ("16.3", PHASES_16.T, "Transposed"),
    ("16.3", PHASES_16 - B_16.reshape(2, 2), "bias"),
]

RIGHT.update({"08.4": (((5, 5), (8, 5)), {})})
WRONG += [
    ("08.4", ((1, 1), (12, 9)), "becomes 1x1"),
    ("08.4", ((5, 5), (12, 9)), "shrinks by 4"),
    ("08.4", ((5, 5), (5, 8)), "swapped"),
]
