"""Invalid arguments raise ``ValueError`` (bad values) or ``TypeError`` (bad types) naming the argument.

Validation happens once at the public boundary, before any method runs, so every check is
exercised for every ``method=``.
"""
from __future__ import annotations

import numpy as np
import pytest

import tconv
from tconv import (conv1d, conv2d, conv3d, conv_matrix, conv_transpose1d, conv_transpose2d,
                   conv_transpose3d, conv_transpose_matrix)
from tconv.geometry import conv_geometry, conv_transpose_geometry

X2 = np.ones((1, 2, 5, 5))
W2 = np.ones((3, 2, 3, 3))        # conv: (C_out=3, C_in=2, 3, 3)
WT2 = np.ones((2, 3, 3, 3))       # transposed: (C_in=2, C_out=3, 3, 3)


def conv_call(method, **kwargs):
    args = dict(x=X2, weight=W2)
    args.update(kwargs)
    return conv2d(args.pop("x"), args.pop("weight"), method=method, **args)


def tconv_call(method, **kwargs):
    args = dict(x=X2, weight=WT2)
    args.update(kwargs)
    return conv_transpose2d(args.pop("x"), args.pop("weight"), method=method, **args)


# --------------------------------------------------------------------------- stride, dilation, padding


@pytest.mark.parametrize("name", ["stride", "dilation"])
@pytest.mark.parametrize("value", [0, -1, (1, 0), (2, -3)])
def test_non_positive_stride_or_dilation(method, name, value):
    with pytest.raises(ValueError, match=rf"{name}=.*must be positive"):
        conv_call(method, **{name: value})
    with pytest.raises(ValueError, match=rf"{name}=.*must be positive"):
        tconv_call(method, **{name: value})


@pytest.mark.parametrize("name", ["stride", "dilation"])
def test_stride_or_dilation_of_the_wrong_length_or_type(method, name):
    with pytest.raises(ValueError, match=rf"{name}=\(1, 1, 1\) must be an int or a tuple of 2 ints"):
        conv_call(method, **{name: (1, 1, 1)})
    with pytest.raises(ValueError, match=name):
        conv_call(method, **{name: (1, 1.5)})
    with pytest.raises(TypeError, match=name):
        conv_call(method, **{name: 1.5})
    with pytest.raises(TypeError, match=name):
        conv_call(method, **{name: True})  # a bool is not a stride


@pytest.mark.parametrize("padding", [-1, (1, -1), ((0, -1), 0), ((1, 1), (-2, 0))])
def test_negative_padding(method, padding):
    with pytest.raises(ValueError, match=r"padding=.*must be non-negative"):
        conv_call(method, padding=padding)
    with pytest.raises(ValueError, match=r"padding=.*must be non-negative"):
        tconv_call(method, padding=padding)


def test_unknown_padding_string(method):
    with pytest.raises(ValueError, match=r"padding='half' is not a padding mode.*'valid', 'same', 'full'"):
        conv_call(method, padding="half")
    with pytest.raises(ValueError, match=r"padding='half'"):
        tconv_call(method, padding="half")


def test_malformed_padding(method):
    with pytest.raises(ValueError, match=r"padding=\(1, 1, 1\) has 3 entries"):
        conv_call(method, padding=(1, 1, 1))
    with pytest.raises(ValueError, match=r"padding=.*\(before, after\) pair"):
        conv_call(method, padding=((1, 2, 3), 0))
    with pytest.raises(ValueError, match=r"padding=.*must be ints"):
        conv_call(method, padding=((1.0, 2), 0))
    with pytest.raises(TypeError, match="padding"):
        conv_call(method, padding=1.5)


def test_same_padding_needs_stride_one(method):
    with pytest.raises(ValueError, match=r"padding='same' needs stride 1.*stride=\(1, 2\)"):
        conv_call(method, padding="same", stride=(1, 2))
    assert conv_call(method, padding="same", stride=1).shape == (1, 3, 5, 5)


def test_kernel_larger_than_the_padded_input(method):
    with pytest.raises(ValueError, match=r"kernel_size=\(3, 3\).*larger than the padded input on axis 1"):
        conv_call(method, x=np.ones((1, 2, 5, 2)))
    with pytest.raises(ValueError, match=r"kernel_size=\(3, 3\) with dilation=\(1, 3\) \(effective kernel 7\)"):
        conv_call(method, dilation=(1, 3))
    # Padding can make it fit.
    assert conv_call(method, x=np.ones((1, 2, 5, 2)), padding=(0, 1)).shape == (1, 3, 3, 2)
    with pytest.raises(ValueError, match="kernel_size"):
        conv_geometry((2,), (2,), padding=((0, 0),), dilation=2)


def test_transposed_padding_too_large(method):
    with pytest.raises(ValueError, match=r"padding=3 is too large.*at least 1"):
        tconv_call(method, x=np.ones((1, 2, 1, 1)), padding=3)
    with pytest.raises(ValueError, match=r"padding=.*too large"):
        conv_transpose_geometry((1,), (3,), padding=((2, 1),))


def test_invalid_kernel_and_input_sizes():
    with pytest.raises(ValueError, match="kernel_size"):
        conv_geometry((5,), (0,))
    with pytest.raises(ValueError, match="kernel_size"):
        conv_geometry((5, 5, 5, 5), (1, 1, 1, 1))
    with pytest.raises(TypeError, match="kernel_size"):
        conv_geometry((5,), 2.5)
    with pytest.raises(ValueError, match="input_size"):
        conv_geometry((0, 5), (1, 1))
    with pytest.raises(ValueError, match="input_size"):
        conv_transpose_geometry((3,), (3, 3))


# --------------------------------------------------------------------------- output_padding, output_size


@pytest.mark.parametrize("stride, dilation, output_padding", [
    (1, 1, 1), (2, 1, 2), (2, 2, 2), ((2, 1), 1, (1, 1)), (1, (1, 3), (0, 3)),
])
def test_output_padding_not_smaller_than_stride_or_dilation(method, stride, dilation, output_padding):
    with pytest.raises(ValueError, match=r"output_padding=.*must be smaller than stride or dilation.*axis"):
        tconv_call(method, stride=stride, dilation=dilation, output_padding=output_padding)


def test_negative_output_padding(method):
    with pytest.raises(ValueError, match=r"output_padding=-1 must be >= 0"):
        tconv_call(method, stride=2, output_padding=-1)


@pytest.mark.parametrize("size", [(10, 10), (9, 13), (8, 11), [1, 3, 13, 12]])
def test_output_size_outside_the_range(method, size):
    """5x5 input, k=3, s=2, p=0: valid sizes 11 or 12 on each axis."""
    with pytest.raises(ValueError, match=r"output_size=.*requested an output size of .*"
                                         r"valid sizes range from \(11, 11\) to \(12, 12\)"):
        tconv_call(method, stride=2, output_size=size)


def test_output_size_of_the_wrong_length(method):
    with pytest.raises(ValueError, match=r"output_size"):
        tconv_call(method, stride=2, output_size=(11, 11, 11, 11, 11))


def test_int_output_size_outside_the_range():
    """(Regression: a bare int once hit tuple(output_size) while formatting the message.)"""
    with pytest.raises(ValueError, match=r"valid sizes range from \(7,\) to \(8,\)"):
        conv_transpose1d(np.ones((1, 1, 4)), np.ones((1, 1, 3)), stride=2, padding=1, output_size=9)


# --------------------------------------------------------------------------- channels, groups, shapes


def test_channels_not_divisible_by_groups(method):
    with pytest.raises(ValueError, match=r"groups=2 must divide the output channels"):
        conv_call(method, weight=np.ones((3, 1, 3, 3)), groups=2)
    with pytest.raises(ValueError, match=r"groups=2.*expects weight.shape\[1\] \* groups = 4"):
        conv_call(method, x=np.ones((1, 3, 5, 5)), weight=np.ones((4, 2, 3, 3)), groups=2)
    with pytest.raises(ValueError, match=r"groups=2 must divide the input channels"):
        tconv_call(method, x=np.ones((1, 3, 5, 5)), weight=np.ones((3, 1, 3, 3)), groups=2)


@pytest.mark.parametrize("groups", [0, -2, True, 1.0, "2"])
def test_groups_must_be_a_positive_int(method, groups):
    with pytest.raises((ValueError, TypeError), match="groups"):
        conv_call(method, groups=groups)
    with pytest.raises((ValueError, TypeError), match="groups"):
        tconv_call(method, groups=groups)


def test_weight_not_matching_the_input_channels(method):
    with pytest.raises(ValueError, match=r"x has 2 channels but weight of shape \(3, 3, 3, 3\)"):
        conv_call(method, weight=np.ones((3, 3, 3, 3)))
    with pytest.raises(ValueError, match=r"x has 2 channels but the transposed conv weight.*weight.shape\[0\] = 4"):
        tconv_call(method, weight=np.ones((4, 3, 3, 3)))


def test_weight_of_the_wrong_rank(method):
    with pytest.raises(ValueError, match=r"weight with 4 non-empty axes.*got shape \(3, 2, 3\)"):
        conv_call(method, weight=np.ones((3, 2, 3)))
    with pytest.raises(ValueError, match=r"weight"):
        tconv_call(method, weight=np.ones((2, 3, 3, 3, 3)))
    with pytest.raises(ValueError, match=r"weight"):
        conv_call(method, weight=np.ones((3, 2, 0, 3)))


@pytest.mark.parametrize("bias", [np.ones(2), np.ones(4), np.ones((3, 1)), np.ones((1, 3))])
def test_bias_of_the_wrong_shape(method, bias):
    with pytest.raises(ValueError, match=r"bias has shape .* expected \(3,\)"):
        conv_call(method, bias=bias)
    with pytest.raises(ValueError, match=r"bias has shape .* expected \(3,\)"):
        tconv_call(method, bias=bias)


@pytest.mark.parametrize("fn, ndim", [(conv1d, 1), (conv2d, 2), (conv3d, 3), (conv_transpose1d, 1),
                                      (conv_transpose2d, 2), (conv_transpose3d, 3)])
@pytest.mark.parametrize("extra", [-2, 2])
def test_x_of_the_wrong_rank(method, fn, ndim, extra):
    x = np.ones((2,) * (ndim + 2 + extra) if ndim + 2 + extra > 0 else ())
    w = np.ones((2, 2) + (1,) * ndim)
    with pytest.raises(ValueError, match=r"expects x of shape"):
        fn(x, w, method=method)


def test_empty_x(method):
    with pytest.raises(ValueError, match="empty"):
        conv_call(method, x=np.ones((1, 2, 0, 5)))
    with pytest.raises(ValueError, match="empty"):
        tconv_call(method, x=np.ones((1, 0, 5, 5)))


# --------------------------------------------------------------------------- dtypes


@pytest.mark.parametrize("argument", ["x", "weight", "bias"])
@pytest.mark.parametrize("dtype", [np.complex128, np.complex64, object, "U1"])
def test_non_real_dtypes_raise_type_error(method, argument, dtype):
    arrays = dict(x=X2, weight=W2, bias=np.ones(3))
    arrays[argument] = arrays[argument].astype(dtype)
    with pytest.raises(TypeError, match=rf"{argument} has dtype"):
        conv2d(arrays["x"], arrays["weight"], arrays["bias"], method=method)
    arrays = dict(x=X2, weight=WT2, bias=np.ones(3))
    arrays[argument] = arrays[argument].astype(dtype)
    with pytest.raises(TypeError, match=rf"{argument} has dtype"):
        conv_transpose2d(arrays["x"], arrays["weight"], arrays["bias"], method=method)


def test_integers_and_bools_become_float64(method):
    out = conv2d(X2.astype(np.int8), W2.astype(bool), np.arange(3), method=method)
    assert out.dtype == np.float64
    np.testing.assert_array_equal(out, conv2d(X2, W2, np.arange(3.0), method=method))
    out = conv_transpose2d(X2.tolist(), WT2.astype(np.uint8), method=method)  # nested lists too
    assert out.dtype == np.float64


@pytest.mark.parametrize("argument", ["weight", "bias"])
def test_mismatched_float_dtypes(method, argument):
    arrays = dict(x=X2.astype(np.float32), weight=W2.astype(np.float32), bias=np.ones(3, np.float32))
    arrays[argument] = arrays[argument].astype(np.float64)
    with pytest.raises(TypeError, match=rf"x has dtype float32 but {argument} has dtype float64"):
        conv2d(arrays["x"], arrays["weight"], arrays["bias"], method=method)
    with pytest.raises(TypeError, match=rf"x has dtype float32 but {argument} has dtype float64"):
        conv_transpose2d(arrays["x"], WT2.astype(arrays["weight"].dtype), arrays["bias"], method=method)


def test_float16_is_not_computed():
    with pytest.raises(TypeError, match="float16"):
        conv2d(X2.astype(np.float16), W2.astype(np.float16))


# --------------------------------------------------------------------------- the matrix


def test_toarray_refuses_a_huge_matrix():
    n = 100_000
    C = conv_matrix(np.ones((1, 1, 1)), (1, n))       # nnz = n, dense would be 80 GB
    assert C.nnz == n
    with pytest.raises(ValueError, match=r"toarray\(\).*max_bytes=1073741824"):
        C.toarray()
    with pytest.raises(ValueError, match="max_bytes=100"):
        conv_matrix(np.ones((1, 1, 3, 3)), (1, 4, 4)).toarray(max_bytes=100)
    assert conv_matrix(np.ones((1, 1, 3, 3)), (1, 4, 4)).toarray(max_bytes=4 * 16 * 8).shape == (4, 16)


def test_conv_matrix_argument_errors():
    with pytest.raises(ValueError, match=r"input_shape=\(4, 4\) must be \(C_in, \*spatial\)"):
        conv_matrix(np.ones((1, 1, 3, 3)), (4, 4))
    with pytest.raises(ValueError, match=r"input_shape=\(2, 4, 4\) has 2 channels"):
        conv_matrix(np.ones((1, 1, 3, 3)), (2, 4, 4))
    with pytest.raises(ValueError, match=r"groups=2"):
        conv_matrix(np.ones((3, 1, 3, 3)), (2, 4, 4), groups=2)
    with pytest.raises(ValueError, match=r"groups=0"):
        conv_matrix(np.ones((2, 1, 3, 3)), (2, 4, 4), groups=0)
    with pytest.raises(ValueError, match=r"weight must have shape"):
        conv_matrix(np.ones((3, 3)), (1, 3))
    with pytest.raises(TypeError, match=r"weight has dtype complex128"):
        conv_matrix(np.ones((1, 1, 3), complex), (1, 4))
    with pytest.raises(ValueError, match=r"kernel_size"):
        conv_matrix(np.ones((1, 1, 5)), (1, 4))
    with pytest.raises(ValueError, match=r"input_shape=\(3, 4\) has 3 channels but a transposed conv weight"):
        conv_transpose_matrix(np.ones((1, 1, 3)), (3, 4))
    with pytest.raises(ValueError, match=r"output_padding"):
        conv_transpose_matrix(np.ones((1, 1, 3)), (1, 4), stride=2, output_padding=2)
    with pytest.raises(ValueError, match=r"output_size.*valid sizes range"):
        conv_transpose_matrix(np.ones((1, 1, 3)), (1, 4), stride=2, output_size=(5,))


# --------------------------------------------------------------------------- methods


def test_unknown_method(restore_default_method):
    with pytest.raises(ValueError, match=r"method='fft' is not one of \("):
        conv2d(X2, W2, method="fft")
    with pytest.raises(ValueError, match=r"method='fft'"):
        conv_transpose2d(X2, WT2, method="fft")
    before = tconv.get_default_method()
    with pytest.raises(ValueError, match=r"method='fft'"):
        tconv.set_default_method("fft")
    with pytest.raises(ValueError, match=r"method='fft'"):
        with tconv.use_method("fft"):
            pass  # pragma: no cover
    assert tconv.get_default_method() == before
