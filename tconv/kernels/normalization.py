"""Batch normalisation in two passes over the data, optionally with the ReLU that follows it.

Arrays are seen as ``(N, C, S)`` (``S`` the flattened spatial size); every statistic is per
channel ``c``, over the ``n = N * S`` values of that channel.

* :func:`channel_moments`: the batch mean and the biased variance, in float64 (two passes:
  the mean, then the centred squares, which is exact where ``E[x²] - E[x]²`` cancels);
* :func:`scale_shift`: ``out = x * scale[c] + shift[c]``, then ``max(out, 0)`` when ``relu``.
  Batch norm's ``γ (x - μ)/σ + β`` is this with ``scale = γ/σ`` and ``shift = β - μ γ/σ``;
* :func:`scale_shift_backward`: the VJP of batch norm (and of the ReLU after it, when
  ``out`` is given: the gradient flows where ``out > 0``). With ``g`` the incoming
  gradient (masked by the ReLU) and ``x̂ = (x - μ)/σ``::

      grad_β = Σ g          grad_γ = Σ g x̂
      grad_x = (γ/σ) (g - Σg/n - x̂ Σ(g x̂)/n)      (training: μ, σ depend on x)
      grad_x = (γ/σ) g                              (evaluation: μ, σ are constants)

  One pass reduces ``Σ g`` and ``Σ g (x - μ)`` per channel, a second writes ``grad_x``.

The unfused composition these replace is NumPy's ``x.mean``, ``x.var``, ``(x - μ) * inv_std *
γ + β`` and, for the backward, four more full-size temporaries; the kernels read the input
twice and write the output once. Each has a NumPy twin (``*_numpy``) with the same signature.

Parallel contract: the passes run ``prange`` over channels (statistics) or over ``(n, c)``
planes (the elementwise passes): each writes only its own channel's sums or its own plane.

>>> x = np.arange(8.0).reshape(2, 2, 2)                    # (N=2, C=2, S=2)
>>> mean, var = np.empty(2), np.empty(2)
>>> channel_moments(x, mean, var); mean, var
(array([2.5, 4.5]), array([4.25, 4.25]))
"""
from __future__ import annotations

import numpy as np

from ._jit import jit, prange

__all__ = ["channel_moments", "scale_shift", "scale_shift_backward", "channel_moments_numpy", "scale_shift_numpy",
           "scale_shift_backward_numpy"]


@jit(parallel=True)
def channel_moments(x, mean, var):
    """``mean[c]``, ``var[c]`` (biased) of ``x (N, C, S)`` over ``N`` and ``S``, accumulated in float64."""
    n_batch, channels, size = x.shape
    count = n_batch * size
    for c in prange(channels):
        total = 0.0
        for n in range(n_batch):
            row = x[n, c]
            for i in range(size):
                total += row[i]
        mu = total / count
        squares = 0.0
        for n in range(n_batch):
            row = x[n, c]
            for i in range(size):
                d = row[i] - mu
                squares += d * d
        mean[c] = mu
        var[c] = squares / count


@jit(parallel=True)
def scale_shift(x, scale, shift, relu, out):
    """``out = x * scale[c] + shift[c]`` (then ``max(out, 0)`` when ``relu``), per ``(n, c)`` plane."""
    n_batch, channels, size = x.shape
    zero = out.dtype.type(0)
    for nc in prange(n_batch * channels):
        n = nc // channels
        c = nc - n * channels
        a, b = scale[c], shift[c]
        src, dst = x[n, c], out[n, c]
        if relu:
            for i in range(size):
                v = src[i] * a + b
                dst[i] = v if v > zero else zero
        else:
            for i in range(size):
                dst[i] = src[i] * a + b


@jit(parallel=True)
def scale_shift_backward(grad, x, mean, inv_std, gamma, out, training, grad_x, sum_g, sum_gx):
    """The VJP above: ``grad_x``; ``sum_g[c] = Σ g``, ``sum_gx[c] = Σ g x̂`` (float64).

    ``out`` (the forward's output) masks the gradient when its first dimension is not 0
    (the ReLU was fused); pass an empty ``(0, 0, 0)`` array otherwise.
    """
    n_batch, channels, size = x.shape
    masked = out.shape[0] > 0
    count = n_batch * size
    for c in prange(channels):
        sg = 0.0
        sgx = 0.0
        mu = mean[c]
        for n in range(n_batch):
            g_row, x_row = grad[n, c], x[n, c]
            for i in range(size):
                g = g_row[i]
                if masked and out[n, c, i] <= 0:
                    g = 0.0
                sg += g
                sgx += g * (x_row[i] - mu)
        sum_g[c] = sg
        sum_gx[c] = sgx * inv_std[c]
    for nc in prange(n_batch * channels):
        n = nc // channels
        c = nc - n * channels
        k = gamma[c] * inv_std[c]
        mu, s = mean[c], inv_std[c]
        mean_g = sum_g[c] / count
        mean_gx = sum_gx[c] / count
        g_row, x_row, dst = grad[n, c], x[n, c], grad_x[n, c]
        for i in range(size):
            g = g_row[i]
            if masked and out[n, c, i] <= 0:
                g = 0.0
            if training:
                dst[i] = k * (g - mean_g - (x_row[i] - mu) * s * mean_gx)
            else:
                dst[i] = k * g


# --------------------------------------------------------------------------- NumPy twins


def channel_moments_numpy(x, mean, var):
    """NumPy twin of :func:`channel_moments`."""
    x64 = x.astype(np.float64)
    mean[...] = x64.mean(axis=(0, 2))
    var[...] = ((x64 - mean[None, :, None]) ** 2).mean(axis=(0, 2))


def scale_shift_numpy(x, scale, shift, relu, out):
    """NumPy twin of :func:`scale_shift`."""
    np.multiply(x, scale[None, :, None].astype(x.dtype), out=out)
    out += shift[None, :, None].astype(x.dtype)
    if relu:
        np.maximum(out, 0, out=out)


def scale_shift_backward_numpy(grad, x, mean, inv_std, gamma, out, training, grad_x, sum_g, sum_gx):
    """NumPy twin of :func:`scale_shift_backward`."""
    g = grad.astype(np.float64)
    if out.shape[0] > 0:
        g = g * (out > 0)
    x_hat = (x - mean[None, :, None]) * inv_std[None, :, None]
    sum_g[...] = g.sum(axis=(0, 2))
    sum_gx[...] = (g * x_hat).sum(axis=(0, 2))
    k = (gamma * inv_std)[None, :, None]
    if training:
        count = x.shape[0] * x.shape[2]
        grad_x[...] = k * (g - sum_g[None, :, None] / count - x_hat * sum_gx[None, :, None] / count)
    else:
        grad_x[...] = k * g
