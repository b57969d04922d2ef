"""gradcheck itself: it passes correct gradients and catches wrong ones with a useful report."""
from __future__ import annotations

import numpy as np
import pytest

from tconv import Tensor, gradcheck
from tconv.autograd import GradcheckError, defop


def make_scaled_square(factor):
    """``x**2`` whose VJP is off by ``factor`` (1 is correct)."""
    @defop
    def square(x):
        return x * x, lambda g: (factor * 2 * x * g,)
    return square


def test_passes_a_correct_gradient():
    assert gradcheck(make_scaled_square(1.0), np.arange(6.0).reshape(2, 3)) is True


def test_catches_a_wrong_gradient_and_names_input_and_element():
    x = np.arange(1.0, 7.0).reshape(2, 3)
    with pytest.raises(GradcheckError) as info:
        gradcheck(lambda c, x: c * make_scaled_square(1.01)(x), np.ones(1), x)
    message = str(info.value)
    assert "input 1 (shape (2, 3)) at element" in message
    assert "backward gives" in message and "finite differences give" in message and "max abs error" in message


def test_random_projection_catches_errors_on_large_inputs():
    x = np.random.default_rng(0).standard_normal(50)
    with pytest.raises(GradcheckError, match=r"random projection 0 \(<J\^T v, u> vs <v, J u>\)"):
        gradcheck(make_scaled_square(1.01), x, max_elements=10)
    assert gradcheck(make_scaled_square(1.0), x, max_elements=10)


def test_a_gradient_error_on_one_element_only_is_found():
    @defop
    def almost_identity(x):
        def vjp(g):
            wrong = g.copy()
            wrong.flat[3] *= 1.5
            return (wrong,)
        return x.copy(), vjp
    with pytest.raises(GradcheckError, match=r"at element \(1, 0\)"):
        gradcheck(almost_identity, np.ones((2, 3)))


def test_constant_tensor_inputs_are_not_checked():
    @defop
    def mul_bad_b(a, b):
        return a * b, lambda g: (g * b, g * 0.0)        # wrong for b, right for a
    a, b = np.ones(3), np.arange(3.0)
    assert gradcheck(mul_bad_b, a, Tensor(b))            # b constant: not checked
    with pytest.raises(GradcheckError, match="input 1"):
        gradcheck(mul_bad_b, a, b)


def test_float32_inputs_are_checked_in_float64():
    assert gradcheck(lambda x: (x * x).exp(), np.linspace(-1, 1, 5).astype(np.float32))


def test_nondeterministic_functions_are_refused():
    rng = np.random.default_rng(0)
    with pytest.raises(GradcheckError, match="different outputs"):
        gradcheck(lambda x: x * rng.standard_normal(), np.ones(2))


def test_bad_usage_is_explained():
    with pytest.raises(TypeError, match="must return a Tensor"):
        gradcheck(lambda x: x.data, np.ones(2))
    with pytest.raises(ValueError, match="no input to check"):
        gradcheck(lambda x: x * 2, Tensor(np.ones(2)))
    with pytest.raises(GradcheckError, match="downcasts"):
        gradcheck(lambda x: x.astype(np.float32), np.ones(2))


def test_outputs_not_depending_on_inputs_have_zero_gradient():
    assert gradcheck(lambda x, y: x * 2, np.ones(2), np.ones(3))
