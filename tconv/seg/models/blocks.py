"""Building blocks shared by the segmentation models: convolution blocks and upsamplers.

Every block is written for 2-D or 3-D (``dim``) with the layers of :mod:`tconv.nn`, so a
model's ``state_dict`` has the names and shapes of the same network written with
``torch.nn`` (the tests load it into such a twin).

* :class:`DoubleConv`: (conv 3x3 -> [batch norm] -> ReLU) twice, "same" padding
  (U-Net's level block, Ronneberger et al. 2015, padded as most modern variants);
* :func:`upsampler`: the decoder's x2 upsampling, three ways (the checkerboard discussion of
  Odena et al. 2016): a learned 2x2 stride-2 transposed convolution, nearest resize + 3x3
  convolution, or a 4x4 stride-2 transposed convolution initialised to bilinear interpolation
  (FCN, Long et al. 2015);
* :func:`match_size`: pad (or crop) a feature map to a reference's spatial size, as
  milesial/Pytorch-UNet pads the upsampled map to its skip connection when sizes are odd.
"""
from __future__ import annotations

from ... import nn
from ..._checks import check_bool, check_choice, check_int
from ...nn import functional as F
from ...nn import init

__all__ = ["UPSAMPLERS", "PADDINGS", "layers", "DoubleConv", "upsampler", "match_size", "check_dim", "check_model_input",
           "check_width", "MAX_WIDTH"]

UPSAMPLERS = ("transpose", "resize", "bilinear")
#: "same": padded 3x3 convolutions (the output has the input's size); "valid": unpadded, as the original U-Net.
PADDINGS = ("same", "valid")


#: The most channels a model's widest layer may have: beyond, one 3x3 layer alone holds more than
#: 600 million weights (2.4 GB), which no CPU trains; a typo such as ``base=10**6`` is refused.
MAX_WIDTH = 8192


def check_width(model: str, widest: int, base: int, depth: int | None = None) -> None:
    """Refuse a model whose widest layer has more than :data:`MAX_WIDTH` channels (before any weight is made).

    >>> check_width("UNet", 10**6 * 8, 10**6, 3)
    Traceback (most recent call last):
    ...
    ValueError: UNet(base=1000000, depth=3) would have 8000000 channels at its widest layer; at most 8192
    """
    if widest > MAX_WIDTH:
        arguments = f"base={base}" + (f", depth={depth}" if depth is not None else "")
        raise ValueError(f"{model}({arguments}) would have {widest} channels at its widest layer; at most {MAX_WIDTH}")


def check_dim(dim) -> int:
    """2 (images) or 3 (volumes)."""
    check_choice("dim", check_int("dim", dim), (2, 3))
    return int(dim)


def check_model_input(model, x, halvings: int) -> None:
    """Refuse an input ``model`` cannot take, with a message naming the model, the rule and the fix.

    ``x`` must be a batch ``(N, in_channels, *spatial)`` with ``model.dim`` spatial axes, each
    at least ``2**halvings`` pixels (a U-Net of depth ``d`` halves the size ``d`` times, the
    FCN 3 times). Checked before any layer runs, so the error is not one of a pooling layer
    deep inside.

    >>> import numpy as np
    >>> from tconv.seg.models import UNet
    >>> UNet(base=4, depth=3)(np.zeros((1, 1, 4, 4), np.float32))
    Traceback (most recent call last):
    ...
    ValueError: UNet(depth=3) needs inputs of at least 8 pixels per side (it halves the size 3 times); got spatial size (4, 4): resize or pad the image to at least 8 x 8
    """
    name = type(model).__name__ + (f"(depth={model.depth})" if hasattr(model, "depth") else "")
    minimum = 2 ** halvings
    shape = tuple(getattr(x, "shape", ()))
    dim = model.dim
    if len(shape) != dim + 2:
        kind = "images" if dim == 2 else "volumes"
        axes = "H, W" if dim == 2 else "D, H, W"
        hint = ""
        if len(shape) == dim + 1:
            hint = f"; for one {kind[:-1]} add the batch axis (x[None])" + ("; a batch of 2-D images needs a 2-D "
                                                                             "model" if dim == 3 else "")
        elif len(shape) >= 3:
            hint = f"; a {len(shape) - 2}-D input does not fit a {dim}-D model"
        raise ValueError(f"{name} segments {kind}: the input must be (N, {model.in_channels}, {axes}), "
                         f"got shape {shape}{hint}")
    if shape[1] != model.in_channels:
        raise ValueError(f"{name} was built for in_channels={model.in_channels}; the input has {shape[1]} "
                         f"channel(s) (shape {shape})")
    if min(shape[2:]) < minimum:
        raise ValueError(f"{name} needs inputs of at least {minimum} pixels per side (it halves the size "
                         f"{halvings} times); got spatial size "
                         f"{shape[2:]}: resize or pad the image to at least {' x '.join([str(minimum)] * dim)}")


def layers(dim: int) -> dict:
    """The layer classes of a ``dim``-D network: conv, transposed conv, batch norm, max pool.

    >>> layers(3)["conv"].__name__
    'Conv3d'
    """
    if dim == 2:
        return dict(conv=nn.Conv2d, up=nn.ConvTranspose2d, norm=nn.BatchNorm2d, pool=F.max_pool2d)
    return dict(conv=nn.Conv3d, up=nn.ConvTranspose3d, norm=nn.BatchNorm3d, pool=F.max_pool3d)


class DoubleConv(nn.Sequential):
    """``(conv k x k, padding k//2 -> [BatchNorm] -> ReLU) x 2``: ``(N, C_in, *S) -> (N, C_out, *S)``.

    With ``padding="valid"`` the convolutions are unpadded, as in the original U-Net, and each
    side shrinks by ``2(k - 1)``. With batch norm the convolutions have no bias (the norm's
    shift replaces it), as usual.
    Children: ``0`` conv, ``1`` ReLU, ``2`` conv, ``3`` ReLU; with batch norm ``0`` conv,
    ``1`` norm, ``2`` ReLU, ``3`` conv, ``4`` norm, ``5`` ReLU.

    >>> import numpy as np
    >>> block = DoubleConv(1, 4)
    >>> block(np.zeros((2, 1, 9, 7), np.float32)).shape                 # same size, 4 channels
    (2, 4, 9, 7)
    >>> [name for name, _ in DoubleConv(1, 4, batch_norm=True).named_parameters()][:3]
    ['0.weight', '1.weight', '1.bias']
    """

    def __init__(self, in_channels: int, out_channels: int, batch_norm: bool = False, dim: int = 2,
                 kernel_size: int = 3, padding: str = "same"):
        kinds = layers(check_dim(dim))
        check_bool("batch_norm", batch_norm)
        check_choice("padding", padding, PADDINGS)
        pad = kernel_size // 2 if padding == "same" else 0
        parts = []
        for n_in in (in_channels, out_channels):
            parts.append(kinds["conv"](n_in, out_channels, kernel_size, padding=pad, bias=not batch_norm))
            if batch_norm:
                parts.append(kinds["norm"](out_channels))
            parts.append(nn.ReLU())
        super().__init__(*parts)


def upsampler(kind: str, in_channels: int, out_channels: int, dim: int = 2) -> nn.Module:
    """A x2 upsampler ``(N, C_in, *S) -> (N, C_out, *2S)`` of one of the :data:`UPSAMPLERS`.

    * ``"transpose"``: ``ConvTranspose(C_in, C_out, 2, stride=2)``, PyTorch's default init
      (U-Net's up-convolution; kernel = stride, so every output pixel sees one input pixel:
      no uneven overlap, no checkerboard from the geometry);
    * ``"resize"``: ``Sequential(Upsample(scale_factor=2, mode="nearest"), Conv(C_in, C_out, 3, padding=1))``;
    * ``"bilinear"``: ``ConvTranspose(C_in, C_out, 4, stride=2, padding=1)`` initialised so that
      output channel ``j`` is the bilinear upsampling of the mean of the input channels
      ``j, j + C_out, ...`` (:func:`tconv.nn.init.bilinear_`, FCN); it is learned afterwards.

    >>> import numpy as np
    >>> up = upsampler("bilinear", 2, 1)
    >>> up(np.ones((1, 2, 3, 3), np.float32)).data[0, 0, 2:4, 2:4]       # interior: the mean, upsampled
    array([[1., 1.],
           [1., 1.]], dtype=float32)
    """
    check_choice("up", kind, UPSAMPLERS)
    kinds = layers(check_dim(dim))
    if kind == "transpose":
        return kinds["up"](in_channels, out_channels, 2, stride=2)
    if kind == "resize":
        return nn.Sequential(nn.Upsample(scale_factor=2, mode="nearest"),
                             kinds["conv"](in_channels, out_channels, 3, padding=1))
    if in_channels % out_channels:
        raise ValueError(f"up='bilinear' averages groups of input channels: in_channels={in_channels} must be a "
                         f"multiple of out_channels={out_channels}")
    layer = kinds["up"](in_channels, out_channels, 4, stride=2, padding=1)
    init.bilinear_(layer.weight)                       # weight[i, i % C_out] = kernel: a sum of C_in/C_out channels
    layer.weight.data *= out_channels / in_channels    # ... made a mean
    init.zeros_(layer.bias)
    return layer


def match_size(x, reference):
    """``x`` padded with zeros (or cropped) so its spatial size equals ``reference``'s.

    The difference is split as milesial/Pytorch-UNet splits it: ``d // 2`` before and the
    rest after, on every spatial axis. ``x`` and ``reference`` are ``(N, C, *spatial)``.

    >>> import numpy as np
    >>> from tconv import Tensor
    >>> match_size(Tensor(np.ones((1, 1, 2, 2))), np.zeros((1, 3, 3, 5))).shape
    (1, 1, 3, 5)
    """
    target = reference.shape[2:]
    if tuple(x.shape[2:]) == tuple(target):
        return x
    pad = []
    for have, want in reversed(list(zip(x.shape[2:], target))):    # F.pad lists the last axis first
        diff = want - have
        pad += [diff // 2, diff - diff // 2]
    return F.pad(x, tuple(pad))
