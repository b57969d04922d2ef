"""Segmentation networks: U-Net, FCN and V-Net lite, in 2-D and 3-D, written with :mod:`tconv.nn`.

Every model's ``state_dict`` has the names and shapes of the same network written with
``torch.nn`` (the tests load it into such a twin and compare outputs and gradients), and
``config()`` returns the constructor's arguments, which checkpoints store so that
:func:`build_model` can rebuild the network for ``tconv predict``.

>>> model = build_model(dict(model="unet", in_channels=1, num_classes=3, base=4, depth=2))
>>> type(model).__name__, model.config()["num_classes"]
('UNet', 3)
"""
from __future__ import annotations

from .aspp import ASPP
from .blocks import UPSAMPLERS, DoubleConv, match_size, upsampler
from .fcn import FCN
from .reach import model_alignment, model_reach, model_receptive_field, receptive_field_paths
from .unet import UNet, valid_input_sizes, valid_output_size
from .vnet import VNet, ResidualStage

__all__ = ["UNet", "FCN", "VNet", "DoubleConv", "ResidualStage", "upsampler", "match_size", "UPSAMPLERS",
           "MODELS", "build_model", "ASPP", "valid_output_size", "valid_input_sizes", "receptive_field_paths",
           "model_reach", "model_receptive_field", "model_alignment"]

#: Model name (as in ``config()["model"]`` and ``tconv train --model``) -> class.
MODELS = {"unet": UNet, "fcn": FCN, "vnet": VNet}


def build_model(config: dict):
    """The model described by ``config`` (a model's ``config()``): ``{"model": name, **arguments}``.

    Unknown names and arguments raise ``ValueError`` naming them (a checkpoint from another
    program, or from a newer tconv).
    """
    if not isinstance(config, dict) or config.get("model") not in MODELS:
        found = config.get("model") if isinstance(config, dict) else type(config).__name__
        raise ValueError(f"model configuration names model {found!r}; tconv knows {tuple(MODELS)}")
    cls = MODELS[config["model"]]
    arguments = {k: v for k, v in config.items() if k != "model"}
    try:
        return cls(**arguments)
    except TypeError as error:
        raise ValueError(f"model configuration {config!r} does not fit {cls.__name__}: {error}") from None
