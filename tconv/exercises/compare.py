"""Comparisons that say *how* an answer differs, without saying what the right one is.

Each function returns a grader's verdict, ``(status, message)`` (see :mod:`tconv.exercises.core`).
The hints name the kind of mistake (the shape is the transpose, every entry has the wrong
sign, the values are shifted by one place, two of sixteen entries differ in row 1, off by
one, a swapped pair) and where it is, never the expected values themselves. Typical
mistakes of one exercise come first: ``mistakes`` maps a wrong answer to its own hint.
"""
from __future__ import annotations

import numbers

import numpy as np

from .core import not_yet, right

__all__ = ["as_array", "same_array", "same_number", "same_int", "same_choice", "same_items", "same_set",
           "describe_places"]


def as_array(value, name: str = "your answer"):
    """``value`` as a float array (Tensors give their data), or raise ``TypeError`` saying what it is."""
    data = getattr(value, "data", None)
    if isinstance(data, np.ndarray) and not isinstance(value, np.ndarray):
        value = data
    if isinstance(value, (str, bytes, dict)) or callable(value):
        raise TypeError(f"{name} is a {type(value).__name__}; expected numbers (a NumPy array or a list of lists)")
    try:
        array = np.asarray(value, dtype=float)
    except (TypeError, ValueError):
        raise TypeError(f"{name} cannot be read as an array of numbers (it is a {type(value).__name__}; "
                        "are the rows of equal length?)") from None
    return array


def describe_places(mask: np.ndarray, limit: int = 6) -> str:
    """Where ``mask`` is True, in words: positions (1-D), rows (and columns when few) (2-D), or indices."""
    places = np.argwhere(mask)
    count = len(places)
    if mask.ndim == 0:
        return ""
    if mask.ndim == 1:
        shown = ", ".join(str(int(p[0])) for p in places[:limit])
        return f"at position{'s' if count > 1 else ''} {shown}{', ...' if count > limit else ''}"
    if mask.ndim == 2:
        rows, cols = sorted({int(p[0]) for p in places}), sorted({int(p[1]) for p in places})

        def listed(name, values):
            return f"{name}{'s' if len(values) > 1 else ''} " + ", ".join(map(str, values[:limit])) + \
                (", ..." if len(values) > limit else "")
        if count <= 3:
            return listed("in row", rows) + " (at " + ", ".join(f"[{int(r)}, {int(c)}]" for r, c in places) + ")"
        full_rows = [r for r in rows if mask[r].sum() * 2 >= mask.shape[1]]
        full_cols = [c for c in cols if mask[:, c].sum() * 2 >= mask.shape[0]]
        covered = np.zeros_like(mask)
        covered[full_rows] = True
        covered[:, full_cols] = True
        if full_rows and full_cols and len(full_rows) + len(full_cols) <= 3 and not (mask & ~covered).any():
            return f"{listed('in row', full_rows)} and {listed('column', full_cols)}"
        if len(cols) < len(rows) and len(cols) <= 2:
            return listed("in column", cols)
        return listed("in row", rows)
    shown = ", ".join(str(tuple(int(i) for i in p)) for p in places[:3])
    return f"at index {shown}{', ...' if count > 3 else ''}"


def _close(a, b, atol, rtol) -> bool:
    return a.shape == b.shape and bool(np.allclose(a, b, atol=atol, rtol=rtol))


def same_array(answer, expected, *, name: str = "your array", atol: float = 1e-8, rtol: float = 1e-6,
               squeeze: bool = False, reveal_shape: bool = True, mistakes=()):
    """Compare an array answer with ``expected``; the hint names the kind and place of the difference.

    ``squeeze`` accepts the answer with or without axes of length 1 (``(1, 1, 7, 7)`` or
    ``(7, 7)``); ``reveal_shape=False`` keeps the expected shape out of the hint (when the
    shape is part of what is asked). ``mistakes`` is a sequence of ``(wrong_array, hint)``.

    >>> same_array([[1, 2], [3, 4]], np.array([[1, 3], [2, 4]]))
    ('not yet', 'Your array is the transpose of the right one (rows and columns swapped).')
    >>> same_array([[1, 2], [3, 5]], np.array([[1, 2], [3, 4]]))[1]
    'The shape (2, 2) is right, but 1 of the 4 entries differs: in row 1 (at [1, 1]).'
    """
    expected = np.asarray(expected, dtype=float)
    if getattr(answer, "requires_grad", False) and getattr(answer, "grad", None) is not None:
        return not_yet("You passed a Tensor, which holds values, and it has a .grad: did you mean its .grad?")
    try:
        array = as_array(answer, name)
    except TypeError as error:
        return not_yet(f"{str(error)[:1].upper()}{str(error)[1:]}.")
    if squeeze and array.shape != expected.shape and np.squeeze(array).shape == np.squeeze(expected).shape:
        array, expected = np.squeeze(array), np.squeeze(expected)
    for wrong, hint in mistakes:
        wrong = np.asarray(wrong, dtype=float)
        if squeeze:
            wrong = wrong.reshape(array.shape) if wrong.size == array.size else wrong
        if _close(array, wrong, atol, rtol):
            return not_yet(hint)
    if array.shape != expected.shape:
        if array.ndim == 2 and array.shape == expected.shape[::-1]:
            return not_yet(f"The shape {array.shape} is the transpose of the right one: one row per "
                           "what, one column per what?")
        if not reveal_shape:
            return not_yet(f"The shape {array.shape} is not right.")
        if array.ndim == expected.ndim:
            off = [axis for axis in range(array.ndim) if array.shape[axis] != expected.shape[axis]]
            if all(abs(array.shape[a] - expected.shape[a]) == 1 for a in off):
                return not_yet(f"The shape {array.shape} is off by one along axis "
                               f"{', '.join(map(str, off))}: expected {expected.shape}.")
        return not_yet(f"The shape is {array.shape}; expected {expected.shape}.")
    if not np.all(np.isfinite(array)) and np.all(np.isfinite(expected)):
        return not_yet(f"{name[:1].upper()}{name[1:]} holds NaN or infinite values "
                       f"{describe_places(~np.isfinite(array))}.")
    if _close(array, expected, atol, rtol):
        return right()
    if np.any(expected) and _close(-array, expected, atol, rtol):
        return not_yet("Every entry has the wrong sign.")
    if array.ndim == 2 and array.shape[0] == array.shape[1] and _close(array.T, expected, atol, rtol):
        return not_yet("Your array is the transpose of the right one (rows and columns swapped).")
    if array.ndim >= 1 and array.size > 1 and _close(np.flip(array), expected, atol, rtol):
        return not_yet("Your array is the right one reversed along every axis (rotated by 180 degrees, "
                       "a flipped kernel?).")
    if array.ndim >= 2:
        for axis in range(array.ndim):
            if array.shape[axis] > 1 and _close(np.flip(array, axis=axis), expected, atol, rtol):
                return not_yet(f"Your array is the right one reversed along axis {axis} (in the wrong order along "
                               f"{'the rows' if axis == 0 else 'the columns' if axis == 1 else f'axis {axis}'}).")
    nonzero = np.abs(expected) > atol
    if np.any(nonzero) and np.all((np.abs(array) > atol) == nonzero):
        ratios = array[nonzero] / expected[nonzero]
        if np.allclose(ratios, ratios[0], rtol=1e-6) and not np.isclose(ratios[0], 1):
            return not_yet(f"Every entry is {ratios[0]:.4g} times the right value: a missing or extra factor.")
    for axis in range(array.ndim):
        for shift in (1, -1):
            if array.shape[axis] > 2 and _close(np.roll(array, shift, axis=axis), expected, atol, rtol):
                return not_yet(f"The values are right but shifted by one place along axis {axis}.")
    differ = ~np.isclose(array, expected, atol=atol, rtol=rtol)
    count, total = int(differ.sum()), array.size
    if count == total:
        total_given, total_expected = float(array.sum()), float(expected.sum())
        size = "" if np.isclose(total_given, total_expected, rtol=1e-6, atol=atol) else \
            f" Your entries add up to {total_given:.4g}, {'more' if total_given > total_expected else 'less'} " \
            "than the right ones."
        return not_yet(f"The shape {array.shape} is right, but every entry differs.{size}")
    places = describe_places(np.squeeze(differ) if squeeze else differ)
    return not_yet(f"The shape {array.shape} is right, but {count} of the {total} entries "
                   f"differ{'s' if count == 1 else ''}: {places}.")


def _embed(message: str) -> str:
    """A hint inside a sentence: its first letter lowered (unless it starts an acronym)."""
    if len(message) > 1 and message[0].isupper() and not message[1].isupper():
        return message[0].lower() + message[1:]
    return message


def _as_number(answer, name):
    data = getattr(answer, "data", None)
    if isinstance(data, np.ndarray) and not isinstance(answer, np.ndarray):
        answer = data
    if isinstance(answer, np.ndarray) and answer.size == 1:
        answer = answer.reshape(())[()]
    if isinstance(answer, bool) or isinstance(answer, np.bool_) or not isinstance(answer, numbers.Real):
        raise TypeError(f"{name} is a {type(answer).__name__}; expected one number")
    return float(answer)


def same_number(answer, expected: float, *, name: str = "your number", atol: float = 1e-6, rtol: float = 1e-6,
                mistakes=()):
    """Compare a number; hints: wrong sign, off by one, a factor, too large or too small.

    >>> same_number(8, 7)
    ('not yet', 'Off by one (too large by 1).')
    >>> same_number(-0.5, 0.5)
    ('not yet', 'The sign is wrong.')
    """
    try:
        value = _as_number(answer, name)
    except TypeError as error:
        return not_yet(f"{str(error)[:1].upper()}{str(error)[1:]}.")
    expected = float(expected)
    for wrong, hint in mistakes:
        if np.isclose(value, wrong, atol=atol, rtol=rtol):
            return not_yet(hint)
    if np.isclose(value, expected, atol=atol, rtol=rtol):
        return right()
    if expected != 0 and np.isclose(-value, expected, atol=atol, rtol=rtol):
        return not_yet("The sign is wrong.")
    if float(expected).is_integer() and float(value).is_integer() and abs(value - expected) == 1:
        return not_yet(f"Off by one (too {'large' if value > expected else 'small'} by 1).")
    if expected != 0 and value != 0:
        ratio = value / expected
        for factor, words in ((ratio, "too large"), (1 / ratio, "too small")):
            if factor > 1.5 and np.isclose(factor, round(factor), rtol=1e-9) and round(factor) <= 1000:
                return not_yet(f"{round(factor)} times {words}: a missing or extra factor.")
    return not_yet(f"Too {'large' if value > expected else 'small'}.")


def same_int(answer, expected: int, *, name: str = "your number", mistakes=()):
    """Compare an integer answer (``7`` or ``7.0``, not ``7.5``) with :func:`same_number`'s hints."""
    try:
        value = _as_number(answer, name)
    except TypeError as error:
        return not_yet(f"{str(error)[:1].upper()}{str(error)[1:]}.")
    if not value.is_integer():
        return not_yet(f"{name[:1].upper()}{name[1:]} should be a whole number, not {value:g}.")
    return same_number(value, expected, name=name, atol=0, rtol=0, mistakes=mistakes)


def same_choice(answer, expected: str, choices, *, name: str = "your answer", mistakes=()):
    """Compare one word out of ``choices`` (case and spaces ignored).

    >>> same_choice("Even", "even", ("even", "holes", "stripes"))
    ('right', '')
    >>> same_choice("odd", "even", ("even", "holes", "stripes"))[1]
    "Answer one of 'even', 'holes', 'stripes' (not 'odd')."
    """
    if not isinstance(answer, str):
        return not_yet(f"{name[:1].upper()}{name[1:]} is a {type(answer).__name__}; answer one of "
                       + ", ".join(repr(c) for c in choices) + ".")
    word = answer.strip().lower()
    if word not in choices:
        return not_yet("Answer one of " + ", ".join(repr(c) for c in choices) + f" (not {answer!r}).")
    for wrong, hint in mistakes:
        if word == wrong:
            return not_yet(hint)
    return right() if word == expected else not_yet(f"{answer!r} is not right.")


def same_set(answer, expected, *, name: str = "your set", normalize=lambda item: item):
    """Compare collections whose order does not matter; hints count the missing and extra items."""
    if isinstance(answer, (str, bytes, dict)) or not hasattr(answer, "__iter__"):
        return not_yet(f"{name[:1].upper()}{name[1:]} is a {type(answer).__name__}; expected a set (or list).")
    try:
        given = {normalize(item) for item in answer}
    except (TypeError, ValueError) as error:
        return not_yet(f"An item of {name} cannot be read ({error}).")
    expected = {normalize(item) for item in expected}
    if given == expected:
        return right()
    missing, extra = len(expected - given), len(given - expected)
    parts = []
    if missing:
        parts.append(f"{missing} item{'s are' if missing > 1 else ' is'} missing")
    if extra:
        parts.append(f"{extra} item{'s do' if extra > 1 else ' does'} not belong")
    return not_yet(f"{len(given)} item{'s' if len(given) != 1 else ''} given: " + " and ".join(parts) + ".")


def same_items(answer, expected: dict, compare: dict | None = None, *, keys_name: str = "key"):
    """Compare a dict (or a tuple of named parts, when ``expected`` maps part names in order).

    ``compare`` maps a key to a function ``(value, expected_value) -> verdict`` (default:
    :func:`same_number`). The hint lists the keys whose values are not right, and, when two
    values are swapped, says so.

    >>> same_items({7: 1, 8: 0}, {7: 0, 8: 1})
    ('not yet', 'The values for 7 and 8 are swapped.')
    """
    compare = compare or {}
    if not isinstance(answer, dict):
        return not_yet(f"Expected a dict with the {keys_name}s {', '.join(map(repr, expected))}; "
                       f"got a {type(answer).__name__}.")
    missing = [key for key in expected if key not in answer]
    extra = [key for key in answer if key not in expected]
    if missing or extra:
        text = []
        if missing:
            text.append(f"missing {keys_name}{'s' if len(missing) > 1 else ''} {', '.join(map(repr, missing))}")
        if extra:
            text.append(f"{keys_name}{'s' if len(extra) > 1 else ''} {', '.join(map(repr, extra))} "
                        "should not be there")
        return not_yet(f"{'; '.join(text)[:1].upper()}{'; '.join(text)[1:]}.")
    verdicts = {key: compare.get(key, same_number)(answer[key], expected[key]) for key in expected}
    wrong = [key for key, (status, _) in verdicts.items() if status != "right"]
    if not wrong:
        return right()
    if len(wrong) == 2:
        a, b = wrong
        swapped = compare.get(a, same_number)(answer[b], expected[a])[0] == "right" and \
            compare.get(b, same_number)(answer[a], expected[b])[0] == "right"
        if swapped:
            return not_yet(f"The values for {a!r} and {b!r} are swapped." if isinstance(a, str) else
                           f"The values for {a} and {b} are swapped.")
    if len(wrong) == 1:
        key = wrong[0]
        hint = _embed(verdicts[key][1])
        return not_yet(f"{key[:1].upper()}{key[1:]}: {hint}" if isinstance(key, str)
                       else f"The value for {key} is not right: {hint}")
    first = wrong[0]
    return not_yet(f"{len(wrong)} of {len(expected)} values are not right: for {keys_name}s "
                   + ", ".join(map(repr if isinstance(first, str) else str, wrong))
                   + f" ({first if isinstance(first, str) else f'{keys_name} {first}'}: "
                   + f"{_embed(verdicts[first][1]).rstrip('.')}).")
