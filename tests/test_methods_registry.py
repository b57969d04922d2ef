"""The method registry, as a contributor uses it: register, reach, unregister (the steps of docs/map.md)."""
from __future__ import annotations

import numpy as np
import pytest

import tconv
import tconv.nn.functional as F
from tconv import methods
from tconv.methods import get_method, register_method, registered, unregister_method


def _counting(calls):
    """The matrix method's products, each noting its name in ``calls`` when it runs."""
    m = get_method("matrix")

    def wrap(name, function):
        def run(*args, **kwargs):
            calls.append(name)
            return function(*args, **kwargs)
        return run
    return wrap("forward", m.forward), wrap("adjoint", m.adjoint), wrap("weight_grad", m.weight_grad)


def test_a_registered_method_is_reached_by_every_op_and_gone_after():
    calls = []
    x = np.random.default_rng(0).random((2, 3, 6, 5))
    w = np.random.default_rng(1).random((4, 3, 3, 3))
    with registered("counting", *_counting(calls)) as method:
        assert "counting" in tconv.available_methods() and method.keeps_columns is False
        expected = tconv.conv2d(x, w, padding=1, method="matrix")
        np.testing.assert_allclose(tconv.conv2d(x, w, padding=1, method="counting"), expected, rtol=1e-12)
        with tconv.use_method("counting"):
            y = tconv.conv_transpose2d(expected, w, padding=1)
            t = tconv.Tensor(x, requires_grad=True)
            weight = tconv.Tensor(w, requires_grad=True)
            F.conv2d(t, weight, padding=1).sum().backward()
    assert calls.count("forward") == 2 and "adjoint" in calls and "weight_grad" in calls
    np.testing.assert_allclose(y, tconv.conv_transpose2d(expected, w, padding=1, method="reference"), rtol=1e-12)
    assert "counting" not in tconv.available_methods()
    with pytest.raises(ValueError, match="'counting' is not one of"):
        tconv.conv2d(x, w, method="counting")


def test_register_refuses_a_taken_name_and_unregister_keeps_the_default():
    m = get_method("matrix")
    with pytest.raises(ValueError, match="already registered"):
        register_method("matrix", m.forward, m.adjoint, m.weight_grad)
    with pytest.raises(ValueError, match="is the default method"):
        unregister_method(tconv.get_default_method())
    with pytest.raises(ValueError, match="resize='bicubic'"):
        register_method("odd", m.forward, m.adjoint, m.weight_grad, resize="bicubic")
    assert "odd" not in tconv.available_methods()


def test_flags_are_keywords_only():
    m = get_method("matrix")
    with pytest.raises(TypeError):
        register_method("positional", m.forward, m.adjoint, m.weight_grad, True)   # noqa: FBT003


def test_the_registry_keeps_its_table_private():
    public = [name for name in dir(methods) if not name.startswith("_")]
    assert "METHODS" not in public and all(not isinstance(getattr(methods, name), dict) for name in public)
