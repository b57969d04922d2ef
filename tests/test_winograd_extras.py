"""The kernels written for the Winograd issue besides the transforms: tilings and ReLU's backward.

Each Numba kernel is compared with its NumPy twin and with an independent definition
(the tiling as explicit index arithmetic; ReLU's derivative as ``x > 0``).
"""
from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from strategies import rng_from, seeds

import tconv
import tconv.nn.functional as F
from tconv import Tensor
from tconv.kernels import elementwise, tiling


@given(kernel=st.tuples(st.integers(1, 3), st.integers(1, 3), st.integers(1, 3)),
       tiles=st.tuples(st.integers(1, 3), st.integers(1, 3), st.integers(1, 4)),
       n=st.integers(1, 2), c=st.integers(1, 3), seed=seeds)
def test_interleave_and_deinterleave_match_their_definition(kernel, tiles, n, c, seed):
    kd, kh, kw = kernel
    image = rng_from(seed).integers(-9, 10, (n, c) + tuple(t * k for t, k in zip(tiles, kernel))).astype(float)
    expected = np.empty((n, c * kd * kh * kw, int(np.prod(tiles))))
    for index in np.ndindex(n, c, kd, kh, kw, *tiles):          # the definition, one entry at a time
        b, ch, a, e, f, z, y, x = index
        row, col = ((ch * kd + a) * kh + e) * kw + f, (z * tiles[1] + y) * tiles[2] + x
        expected[b, row, col] = image[b, ch, z * kd + a, y * kh + e, x * kw + f]
    for deinterleave in (tiling.deinterleave, tiling.deinterleave_numpy):
        cols = np.full_like(expected, np.nan)
        deinterleave(image, kd, kh, kw, cols)
        np.testing.assert_array_equal(cols, expected)
    for interleave in (tiling.interleave, tiling.interleave_numpy):
        back = np.full_like(image, np.nan)
        interleave(expected, kd, kh, kw, back)
        np.testing.assert_array_equal(back, image)


def test_up_convolution_with_output_padding_is_the_matrix(method):
    rng = np.random.default_rng(0)
    x, w = rng.standard_normal((2, 3, 4, 5)), rng.standard_normal((3, 2, 2, 2))
    for output_padding in (0, 1):
        got = tconv.conv_transpose2d(x, w, stride=2, output_padding=output_padding, method=method)
        expected = tconv.conv_transpose2d(x, w, stride=2, output_padding=output_padding, method="matrix")
        np.testing.assert_allclose(got, expected, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@given(seed=seeds, size=st.integers(1, 300))
def test_relu_backward_kernel_equals_its_twin_and_the_definition(dtype, seed, size):
    rng = rng_from(seed)
    x = rng.standard_normal(size).astype(dtype)
    x[rng.random(size) < 0.2] = 0                                   # exact zeros: gradient 0 there
    grad = rng.standard_normal(size).astype(dtype)
    out = np.maximum(x, 0)
    expected = np.where(x > 0, grad, 0).astype(dtype)
    for kernel in (elementwise.relu_backward, elementwise.relu_backward_numpy):
        result = np.full(size, np.nan, dtype=dtype)
        kernel(out, grad, result)
        np.testing.assert_array_equal(result, expected)


def test_relu_gradient_on_a_large_array_takes_the_fused_path(monkeypatch):
    monkeypatch.setattr(tconv.nn.functional.activation, "FUSED_RELU_MIN_SIZE", 1)
    x = Tensor(np.array([[-1.0, 0.0, 3.0], [2.0, -0.5, 0.0]], dtype=np.float32), requires_grad=True)
    (F.relu(x) * Tensor(np.arange(6.0, dtype=np.float32).reshape(2, 3))).sum().backward()
    np.testing.assert_array_equal(x.grad, [[0, 0, 2], [3, 0, 0]])
    assert x.grad.dtype == np.float32


def test_keep_freed_memory_is_set_once_and_can_be_refused():
    """The fast methods ask glibc to keep freed big blocks; TCONV_KEEP_FREED_MEMORY=0 opts out."""
    import os
    import subprocess
    import sys

    code = ("import numpy as np, tconv\n"
            "from tconv.methods import runtime\n"
            "tconv.conv2d(np.ones((1, 1, 4, 4)), np.ones((1, 1, 3, 3)))\n"
            "print(runtime.keep_freed_memory(), runtime.keep_freed_memory())\n")
    results = {}
    for setting in ("1", "0"):
        env = dict(os.environ, TCONV_KEEP_FREED_MEMORY=setting)
        done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=120)
        assert done.returncode == 0, done.stderr
        results[setting] = done.stdout.split()
    assert results["0"] == ["False", "False"]
    if sys.platform.startswith("linux"):
        assert results["1"] == ["True", "True"]
