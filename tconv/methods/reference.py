"""The method ``"reference"``: the readable loops of :mod:`tconv.reference` (direct sum, scatter-add).

``C @ x`` is the direct loop of the definition, ``C.T @ y`` the scatter-add (each input pixel
paints a weighted copy of the kernel), the weight gradient the direct loop of its sum. The
geometry's bookkeeping is here: a transposed geometry with ``output_padding >= stride`` has an
image whose plain convolution has one more row than ``C`` keeps.

>>> from tconv.geometry import conv_geometry
>>> adjoint(np.ones((1, 1, 2)), np.ones((1, 1, 3)), conv_geometry((4,), (3,)), 1)
array([[[1., 2., 2., 1.]]])
"""
from __future__ import annotations

import numpy as np

from .. import reference as readable
from ..geometry import ConvGeometry, conv_geometry

__all__ = ["forward", "adjoint", "weight_grad"]


def forward(image, weight, geometry: ConvGeometry, groups):
    """``C @ image`` by the direct loop (:func:`tconv.reference.conv_direct`)."""
    out = readable.conv_direct(image, weight, None, geometry.stride, geometry.padding, geometry.dilation, groups)
    # A transposed geometry with output_padding >= stride has an image whose plain convolution
    # has one more row than the geometry's feature map; C keeps only the feature rows.
    return out[(slice(None), slice(None)) + tuple(slice(0, f) for f in geometry.feature_size)]


def adjoint(feature, weight, geometry: ConvGeometry, groups):
    """``C.T @ feature`` by scatter-add (:func:`tconv.reference.conv_transpose_scatter`)."""
    return readable.conv_transpose_scatter(feature, weight, None, geometry.stride, geometry.padding,
                                           geometry.restoring_output_padding(), groups, geometry.dilation)


def weight_grad(image, feature, geometry: ConvGeometry, groups):
    """The weight gradient by the direct loop (:func:`tconv.reference.conv_weight_grad`)."""
    full = conv_geometry(image.shape[2:], geometry.kernel_size, geometry.stride, geometry.padding,
                         geometry.dilation).feature_size
    if full != geometry.feature_size:       # rows C does not have contribute nothing: pad with zeros
        grow = [(0, 0), (0, 0)] + [(0, n - f) for n, f in zip(full, geometry.feature_size)]
        feature = np.pad(feature, grow)
    return readable.conv_weight_grad(image, feature, geometry.kernel_size, geometry.stride, geometry.padding,
                                     geometry.dilation, groups)
