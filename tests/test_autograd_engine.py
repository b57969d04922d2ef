"""The engine: Tensor basics, micrograd's traps, accumulation semantics, grad mode, bad input."""
from __future__ import annotations

import sys

import numpy as np
import pytest

import tconv
from tconv import Tensor, enable_grad, is_grad_enabled, no_grad
from tconv.autograd import topological_order


# ---------------------------------------------------------------- construction and description

def test_dtype_rule_follows_checks():
    assert Tensor([1, 2]).dtype == np.float64                      # ints -> float64
    assert Tensor(np.ones(2, np.float32)).dtype == np.float32      # float32 kept
    assert Tensor(True).dtype == np.float64
    with pytest.raises(TypeError, match="complex"):
        Tensor(np.ones(2, np.complex128))
    with pytest.raises(TypeError, match="requires_grad"):
        Tensor([1.0], requires_grad="yes")


def test_wraps_float_arrays_without_copy_and_describes_itself():
    a = np.arange(6.0).reshape(2, 3)
    t = Tensor(a, requires_grad=True)
    assert t.data is a and t.numpy() is a
    assert (t.shape, t.ndim, t.size, t.dtype, len(t)) == ((2, 3), 2, 6, np.float64, 2)
    assert t.grad is None and t.is_leaf and t.grad_fn is None
    assert repr(t).startswith("Tensor([[0., 1., 2.]") and "requires_grad=True" in repr(t)
    y = t * 2
    assert not y.is_leaf and y.grad_fn == "mul" and "grad_fn=<mul>" in repr(y)
    assert "dtype=float32" in repr(Tensor(np.zeros(1, np.float32)))
    assert Tensor([[3.5]]).item() == 3.5 and float(Tensor(2.0)) == 2.0
    with pytest.raises(ValueError, match="one element"):
        Tensor([1.0, 2.0]).item()
    np.testing.assert_array_equal(np.asarray(t), a)


def test_detach_shares_data_and_cuts_the_graph():
    x = Tensor([1.0, 2.0], requires_grad=True)
    d = (x * 3).detach()
    assert not d.requires_grad and d.is_leaf
    (d * x).sum().backward()
    np.testing.assert_array_equal(x.grad, [3.0, 6.0])      # d is a constant


def test_comparisons_are_plain_bool_arrays_and_tensors_stay_hashable():
    a = Tensor([1.0, 2.0, 3.0], requires_grad=True)
    for result, expected in [(a < 2, [True, False, False]), (a >= Tensor([1.0, 3.0, 3.0]), [True, False, True]),
                             (a == 2.0, [False, True, False]), (a != 2.0, [True, False, True]),
                             (a > 1, [False, True, True]), (a <= 1, [True, False, False]),
                             (np.array([2.0, 2.0, 2.0]) > a, [True, False, False])]:
        assert isinstance(result, np.ndarray) and result.dtype == bool
        np.testing.assert_array_equal(result, expected)
    assert len({a, a, Tensor(1.0)}) == 2


def test_ndarray_on_the_left_defers_to_the_tensor():
    x = Tensor([1.0, 2.0], requires_grad=True)
    y = np.array([10.0, 20.0]) * x + np.array([1.0, 1.0])
    assert isinstance(y, Tensor)
    y.sum().backward()
    np.testing.assert_array_equal(x.grad, [10.0, 20.0])


# ---------------------------------------------------------------- micrograd's traps

def test_b_equals_a_plus_a_twice_gives_four():
    a = Tensor(-4.0, requires_grad=True)
    b = a + a
    c = b + b
    c.backward()
    assert a.grad == 4.0


def test_reused_non_leaf_nodes_accumulate_every_path():
    x = Tensor(2.0, requires_grad=True)
    h = x * x            # used three times below
    y = h * h + h * 3 + h.exp()
    y.backward()
    # dy/dx = (2h + 3 + e^h) * 2x with h = 4
    assert np.isclose(x.grad, (2 * 4 + 3 + np.exp(4.0)) * 4)


def test_micrograd_reference_expression():
    # micrograd's README example; its known gradient is a.grad = 138.8338, b.grad = 645.5773
    a, b = Tensor(-4.0, requires_grad=True), Tensor(2.0, requires_grad=True)
    c = a + b
    d = a * b + b ** 3
    c = c + c + 1
    c = c + 1 + c + (-a)
    d = d + d * 2 + (b + a).clip(0.0)
    d = d + 3 * d + (b - a).clip(0.0)
    e = c - d
    f = e ** 2
    g = f / 2.0
    g = g + 10.0 / f
    g.backward()
    assert np.isclose(g.item(), 24.7041, atol=1e-4)
    assert np.isclose(a.grad, 138.8338, atol=1e-4) and np.isclose(b.grad, 645.5773, atol=1e-4)


def test_5000_op_chain_needs_no_recursion():
    limit = sys.getrecursionlimit()
    x = Tensor(1.0, requires_grad=True)
    y = x
    for _ in range(5000):
        y = y * 1.0001 + 0.0
    sys.setrecursionlimit(1000)          # would overflow a recursive topological sort
    try:
        y.backward()
    finally:
        sys.setrecursionlimit(limit)
    assert np.isclose(x.grad, 1.0001 ** 5000)
    assert len(topological_order(y)) == 10001


def test_topological_order_puts_parents_first_on_a_diamond():
    a = Tensor(1.0, requires_grad=True)
    b = a * 2
    c = b + a            # c's parents: b (which depends on a) and a
    order = topological_order(c)
    assert [id(t) for t in order].index(id(a)) < [id(t) for t in order].index(id(b)) < len(order) - 1
    c.backward()
    assert a.grad == 3.0


# ---------------------------------------------------------------- accumulation semantics

def test_grad_accumulates_across_backward_calls_until_zeroed():
    x = Tensor([1.0, 2.0], requires_grad=True)
    (x * x).sum().backward()
    (x * 3).sum().backward()
    np.testing.assert_array_equal(x.grad, [2.0 + 3, 4.0 + 3])
    x.zero_grad()
    assert x.grad is None
    (x * x).sum().backward()
    np.testing.assert_array_equal(x.grad, [2.0, 4.0])


def test_backward_twice_on_the_same_graph_adds_twice():
    x = Tensor([1.0, -2.0], requires_grad=True)
    y = (x * x * x).sum()
    y.backward()
    y.backward()                        # the graph is kept (documented), so this adds again
    np.testing.assert_array_equal(x.grad, 2 * 3 * x.data ** 2)


def test_only_leaves_get_grad_unless_retained():
    x = Tensor([1.0, 2.0], requires_grad=True)
    h = x * 2
    k = (x * 3).retain_grad()
    (h * k).sum().backward()
    assert h.grad is None
    np.testing.assert_array_equal(k.grad, h.data)
    np.testing.assert_array_equal(x.grad, 2 * 3 * x.data * 2)


def test_grad_is_a_fresh_writable_array_of_the_leaf_dtype():
    x = Tensor(np.ones((2, 3), np.float32), requires_grad=True)
    x.sum().backward()                   # sum's VJP is a read-only broadcast view
    assert x.grad.dtype == np.float32 and x.grad.flags.writeable
    x.grad[0, 0] = 5.0                   # must not corrupt anything else


def test_float32_stays_float32_with_python_scalars():
    x = Tensor(np.ones(3, np.float32), requires_grad=True)
    y = ((2.0 * x - 1) / 3.0) ** 2 + np.float64(1.0)
    assert y.dtype == np.float32
    y.sum().backward()
    assert x.grad.dtype == np.float32


def test_mixed_float32_float64_promotes_and_grads_keep_each_dtype():
    a = Tensor(np.ones(2, np.float32), requires_grad=True)
    b = Tensor(np.ones(2, np.float64), requires_grad=True)
    y = a * b
    assert y.dtype == np.float64
    y.sum().backward()
    assert a.grad.dtype == np.float32 and b.grad.dtype == np.float64


# ---------------------------------------------------------------- grad mode

def test_no_grad_records_nothing_and_enable_grad_reenables():
    w = Tensor([1.0, 2.0], requires_grad=True)
    with no_grad():
        assert not is_grad_enabled()
        y = w * 2
        with enable_grad():
            z = w * 2
    assert is_grad_enabled()
    assert not y.requires_grad and y.is_leaf and y._parents == ()
    assert z.requires_grad and not z.is_leaf
    with pytest.raises(RuntimeError, match="does not require grad"):
        y.sum().backward()


def test_no_grad_as_decorator_restores_on_exceptions():
    @no_grad()
    def broken():
        raise KeyError("boom")
    with pytest.raises(KeyError):
        broken()
    assert is_grad_enabled()


def test_results_of_constants_do_not_require_grad():
    y = Tensor([1.0]) * 2 + 1
    assert not y.requires_grad and y.is_leaf


def test_requires_grad_can_only_be_set_on_leaves():
    x = Tensor([1.0]).requires_grad_()
    assert x.requires_grad
    with pytest.raises(RuntimeError, match="leaf"):
        (x * 2).requires_grad = False


# ---------------------------------------------------------------- bad input

def test_backward_on_non_scalar_without_grad_is_a_clear_error():
    x = Tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(RuntimeError, match=r"scalar .* shape \(2,\)"):
        (x * 2).backward()
    (x * 2).backward(np.array([1.0, 10.0]))
    np.testing.assert_array_equal(x.grad, [2.0, 20.0])


def test_backward_grad_must_match_shape_and_be_real():
    x = Tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(ValueError, match="same shape"):
        (x * 2).backward(np.ones(3))
    with pytest.raises(TypeError, match="real"):
        (x * 2).backward(np.ones(2, complex))


def test_shape_mismatch_raises_numpy_broadcast_error():
    with pytest.raises(ValueError, match="broadcast"):
        Tensor(np.ones(3)) + Tensor(np.ones(4))
    with pytest.raises(ValueError):
        Tensor(np.ones((2, 3))) @ Tensor(np.ones((2, 3)))


def test_a_vjp_with_a_wrong_shape_is_reported():
    from tconv.autograd import defop

    @defop
    def bad(x):
        return x.sum(), lambda g: (np.asarray(g),)       # forgot to broadcast back
    x = Tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(RuntimeError, match="VJP of bad returned a gradient of shape"):
        bad(x).backward()


def test_exports():
    for name in ("Tensor", "no_grad", "enable_grad", "is_grad_enabled", "gradcheck"):
        assert name in tconv.__all__ and hasattr(tconv, name)
