"""What every segmentation loss shares: its settings, checked once, and the steps before its formula.

Each loss is a :class:`~tconv.nn.Module` whose constructor checks its settings and keeps them
as attributes under MONAI's names (weights as buffers); ``forward`` computes. The settings and
steps they share live here, in two base classes:

* :class:`SegmentationLoss`: ``include_background``, ``to_onehot_y`` and ``reduction``, which
  every loss has;
* :class:`ProbabilityLoss`: adds the activation (``sigmoid``, ``softmax`` or ``other_act``) of
  the losses that work on probabilities (Dice, Tversky, F-beta, Hausdorff), and
  :meth:`ProbabilityLoss.prepare`, MONAI's order (monai/losses/dice.py, ``DiceLoss.forward``):

  1. **activation** on the input ``(B, C, *spatial)``: ``sigmoid`` (per channel), ``softmax``
     (over the channel axis) or ``other_act`` (any callable on Tensors), at most one of them;
  2. **to_onehot_y**: class ids ``(B, 1, *spatial)`` become a one-hot target ``(B, C, *spatial)``;
  3. **include_background=False**: channel 0 of both is dropped;
  4. the target must now have the input's shape.

The focal and cross-entropy terms take logits, so they have no activation flags.

Then the overlap losses sum over the *reduction axes*: the spatial axes (one score per image
and class), plus the batch axis when ``batch=True`` (one score per class, pooled over the batch).

The target is a constant (an ndarray or a Tensor whose data is used; no gradient flows to it);
it is cast to the input's dtype, so a float32 input gives a float32 loss.

Where MONAI only warns, tconv refuses (``ValueError``), because the result would silently be
something else than asked for: ``to_onehot_y=True`` or ``softmax=True`` with a one-channel input.
With one channel and ``include_background=False`` there is no background channel to drop: the
channel is kept, as MONAI does (MONAI also warns).

>>> import numpy as np
>>> from tconv import Tensor
>>> steps = ProbabilityLoss(include_background=False, to_onehot_y=True, sigmoid=False, softmax=True,
...                         other_act=None, reduction="mean", batch=False)
>>> p, g = steps.prepare(Tensor(np.zeros((1, 3, 2))), np.array([[[0, 2]]]))
>>> p.shape, g.tolist()                   # background dropped: classes 1 and 2 remain
((1, 2, 2), [[[0.0, 0.0], [0.0, 1.0]]])
>>> reduction_axes(4, batch=False), reduction_axes(4, batch=True)
((2, 3), (0, 2, 3))
"""
from __future__ import annotations

import numpy as np

from ..._checks import check_bool, check_choice
from ...autograd.function import as_tensor
from ...autograd.tensor import Tensor
from ...nn import functional as F
from ...nn.module import Module
from ..labels import check_class_ids, one_hot

__all__ = ["REDUCTIONS", "SegmentationLoss", "ProbabilityLoss", "check_activation", "check_weight", "as_input",
           "as_target", "reduction_axes", "class_weights", "reduce"]

REDUCTIONS = ("none", "mean", "sum")


class SegmentationLoss(Module):
    """The settings every segmentation loss has: ``include_background``, ``to_onehot_y``, ``reduction``.

    Checked here, once, and kept under MONAI's names. A subclass keeps its own settings the
    same way (``self.gamma = check_number("gamma", gamma, minimum=0.0)``), its class weights
    as the buffer ``class_weight``, and computes in ``forward``. ``reductions`` lists the
    reductions a loss accepts.

    >>> SegmentationLoss(include_background=True, to_onehot_y=False, reduction="avg")
    Traceback (most recent call last):
    ...
    ValueError: reduction='avg' must be one of ('none', 'mean', 'sum')
    """

    reductions = REDUCTIONS

    def __init__(self, *, include_background: bool, to_onehot_y: bool, reduction: str):
        super().__init__()
        self.include_background = check_bool("include_background", include_background)
        self.to_onehot_y = check_bool("to_onehot_y", to_onehot_y)
        self.reduction = check_choice("reduction", reduction, self.reductions)


class ProbabilityLoss(SegmentationLoss):
    """A loss on probabilities: adds the activation (``sigmoid``, ``softmax`` or ``other_act``), :meth:`prepare`,
    and ``batch`` (sum over the batch axis too: one score per class, :func:`reduction_axes`).

    >>> ProbabilityLoss(include_background=True, to_onehot_y=False, sigmoid=True, softmax=True, other_act=None,
    ...                 reduction="mean", batch=False)
    Traceback (most recent call last):
    ...
    ValueError: sigmoid=True and softmax=True: choose at most one activation (sigmoid, softmax, other_act)
    """

    def __init__(self, *, include_background: bool, to_onehot_y: bool, sigmoid: bool, softmax: bool, other_act,
                 reduction: str, batch: bool):
        super().__init__(include_background=include_background, to_onehot_y=to_onehot_y, reduction=reduction)
        check_activation(sigmoid, softmax, other_act)
        self.sigmoid = bool(sigmoid)
        self.softmax = bool(softmax)
        self.other_act = other_act
        self.batch = check_bool("batch", batch)

    def prepare(self, input, target) -> tuple[Tensor, np.ndarray]:
        """Steps 1-4 of the module docstring: ``(probabilities Tensor, target ndarray)`` of equal shapes.

        >>> steps = ProbabilityLoss(include_background=True, to_onehot_y=False, sigmoid=True, softmax=False,
        ...                         other_act=None, reduction="mean", batch=False)
        >>> steps.prepare(Tensor(np.zeros((1, 1, 2))), np.array([[[0.0, 1.0]]]))[0]
        Tensor([[[0.5, 0.5]]])
        """
        input = as_input(input)
        target = as_target(target, input.shape, input.dtype, self.to_onehot_y)
        input = self._activate(input)
        if not self.include_background and input.shape[1] > 1:
            input, target = input[:, 1:], target[:, 1:]
        return input, target

    def _activate(self, input: Tensor) -> Tensor:
        if self.sigmoid:
            input = F.sigmoid(input)
        if self.softmax:
            if input.shape[1] == 1:
                raise ValueError("softmax=True needs C >= 2 channels (a softmax over one channel is always 1); "
                                 "the input has C=1: use sigmoid=True for a one-channel binary prediction "
                                 "(MONAI only warns and ignores softmax here; tconv refuses)")
            input = F.softmax(input, dim=1)
        if self.other_act is not None:
            shape = input.shape
            input = self.other_act(input)
            if not isinstance(input, Tensor) or input.shape != shape:
                raise TypeError(f"other_act must return a Tensor of the input's shape {shape}")
        return input


def check_activation(sigmoid, softmax, other_act) -> None:
    """At most one of ``sigmoid``, ``softmax``, ``other_act`` (as MONAI), and ``other_act`` callable.

    >>> check_activation(True, True, None)
    Traceback (most recent call last):
    ...
    ValueError: sigmoid=True and softmax=True: choose at most one activation (sigmoid, softmax, other_act)
    """
    check_bool("sigmoid", sigmoid)
    check_bool("softmax", softmax)
    if other_act is not None and not callable(other_act):
        raise TypeError(f"other_act must be None or callable, got {type(other_act).__name__}")
    chosen = [name for name, on in (("sigmoid=True", sigmoid), ("softmax=True", softmax),
                                    ("other_act", other_act is not None)) if on]
    if len(chosen) > 1:
        raise ValueError(f"{' and '.join(chosen)}: choose at most one activation (sigmoid, softmax, other_act)")


def check_weight(weight) -> np.ndarray | None:
    """Class weights as a 0-d or 1-d float64 array of finite values >= 0 (or None).

    >>> check_weight([1.0, -2.0])
    Traceback (most recent call last):
    ...
    ValueError: weight=[1.0, -2.0] must hold finite values >= 0
    """
    if weight is None:
        return None
    array = np.asarray(weight.data if isinstance(weight, Tensor) else weight)
    if array.dtype.kind not in "biuf":
        raise TypeError(f"weight has dtype {array.dtype}; it must hold real numbers")
    if array.ndim > 1:
        raise ValueError(f"weight has shape {array.shape}; give one number, or one per class")
    array = array.astype(np.float64)
    if not np.all(np.isfinite(array)) or np.any(array < 0):
        raise ValueError(f"weight={array.tolist()} must hold finite values >= 0")
    return array


def as_input(input) -> Tensor:
    """The prediction as a Tensor of shape ``(B, C, *spatial)`` with at least one spatial axis."""
    input = as_tensor(input)
    if input.ndim < 3 or input.size == 0:
        raise ValueError(f"input has shape {input.shape}; segmentation losses take a non-empty "
                         "(B, C, *spatial) array with at least one spatial axis")
    return input


def as_target(target, input_shape: tuple, dtype, to_onehot_y: bool) -> np.ndarray:
    """The target as an ndarray of ``input_shape`` and ``dtype`` (one-hot encoded when ``to_onehot_y``).

    * ``to_onehot_y=True``: ``target`` holds class ids, shape ``(B, 1, *spatial)``; channel ``c``
      of the result is 1 where the id is ``c`` (MONAI's ``one_hot``). The input needs C >= 2.
    * ``to_onehot_y=False``: ``target`` has the input's shape and values in [0, 1] (a one-hot
      mask, a binary mask for C = 1, or soft labels).

    >>> as_target(np.array([[[0, 1, 1]]]), (1, 2, 3), np.float32, to_onehot_y=True)
    array([[[1., 0., 0.],
            [0., 1., 1.]]], dtype=float32)
    >>> as_target(np.array([[[0, 7]]]), (1, 3, 2), np.float64, to_onehot_y=True)
    Traceback (most recent call last):
    ...
    ValueError: target has values {7}; num_classes=3 allows 0..2 (the input has C=3 channels)
    """
    labels = np.asarray(target.data if isinstance(target, Tensor) else target)
    if labels.dtype.kind not in "biuf":
        raise TypeError(f"target has dtype {labels.dtype}; it must hold numbers")
    batch, channels, *spatial = input_shape
    ids_shape = (batch, 1, *spatial)
    no_channel = labels.shape == (batch, *spatial)       # e.g. a DataLoader's masks (N, H, W)
    if to_onehot_y:
        if channels == 1:
            raise ValueError("to_onehot_y=True needs an input with one channel per class (C >= 2); the input "
                             "has C=1. Pass a binary mask (B, 1, *spatial) with to_onehot_y=False (MONAI only "
                             "warns and ignores to_onehot_y here; tconv refuses)")
        if labels.shape != ids_shape:
            hint = " (add the channel axis: target[:, None])" if no_channel else ""
            raise ValueError(f"target has shape {labels.shape}; with to_onehot_y=True an input of shape "
                             f"{tuple(input_shape)} needs class ids of shape {ids_shape}{hint}")
        check_class_ids("target", labels, channels, extra=f" (the input has C={channels} channels)")
        return one_hot(labels, channels, dtype=dtype)
    if labels.shape != tuple(input_shape):
        hint = ""
        if channels > 1 and labels.shape in (ids_shape, (batch, *spatial)):
            hint = " (class ids? pass to_onehot_y=True" + (" and add the channel axis: target[:, None])"
                                                          if no_channel else ")")
        elif no_channel:
            hint = " (add the channel axis: target[:, None])"
        raise ValueError(f"target has shape {labels.shape} but the input has shape {tuple(input_shape)}; "
                         f"without to_onehot_y they must be equal{hint}")
    if labels.size and not (np.all(labels >= 0) and np.all(labels <= 1)):
        raise ValueError(f"target has values in [{labels.min()}, {labels.max()}]; without to_onehot_y it "
                         "must be a mask or soft labels in [0, 1] (class ids? pass to_onehot_y=True)")
    return labels.astype(dtype, copy=False)


def reduction_axes(ndim: int, batch: bool) -> tuple[int, ...]:
    """The axes an overlap loss sums over: the spatial ones, and the batch axis 0 when ``batch``."""
    spatial = tuple(range(2, ndim))
    return (0,) + spatial if batch else spatial


def class_weights(weight: np.ndarray | None, num_classes: int, dtype, skip_one_class: bool = True
                  ) -> np.ndarray | None:
    """Checked ``weight`` as ``num_classes`` values of ``dtype``; None when there is one class.

    A single number applies to every class. With one class (C = 1, or C = 2 and
    ``include_background=False``) MONAI applies no class weight, and neither does tconv
    (a per-class weight would only rescale the loss), unless ``skip_one_class=False``.

    >>> class_weights(np.array(2.0), 3, np.float32)
    array([2., 2., 2.], dtype=float32)
    >>> class_weights(np.array([1.0, 2.0]), 3, np.float64)
    Traceback (most recent call last):
    ...
    ValueError: weight has 2 values but 3 classes remain (with include_background=False, leave out class 0)
    """
    if weight is None:
        return None
    if weight.ndim == 1 and weight.shape[0] != num_classes:
        raise ValueError(f"weight has {weight.shape[0]} values but {num_classes} classes remain "
                         "(with include_background=False, leave out class 0)")
    if num_classes == 1 and skip_one_class:
        return None
    return np.broadcast_to(weight, (num_classes,)).astype(dtype)


def reduce(f: Tensor, reduction: str, none_ndim: int | None = None) -> Tensor:
    """``mean`` or ``sum`` of all of ``f``, or ``f`` itself for ``"none"``.

    With ``none_ndim`` (MONAI's Dice family), ``"none"`` reshapes ``f`` to
    ``f.shape[:2] + (1,) * (none_ndim - 2)`` so that it broadcasts against the input.
    """
    if reduction == "mean":
        return f.mean()
    if reduction == "sum":
        return f.sum()
    if none_ndim is not None:
        return f.reshape(f.shape[:2] + (1,) * (none_ndim - 2))
    return f
