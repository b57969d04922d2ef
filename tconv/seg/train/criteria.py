"""The losses ``tconv train`` can train with, in one table: :data:`TRAINING_LOSSES`.

Each :class:`TrainingLoss` has the name ``--loss`` takes, one help line, and how to build the
criterion (a loss layer of :mod:`tconv.seg.losses` with the recipe's arguments, or a function).
The command line's choices and help, the recipe (:func:`~tconv.seg.train.recipe.make_loss`,
:func:`~tconv.seg.train.recipe.check_config`) and the docs' table (:func:`losses_table`) are
derived from it, so a loss added with :func:`register_loss` is a choice of ``tconv train
--loss`` at once (docs/contributing.md has the steps).

Every criterion is called as ``loss(logits (N, K, *S), masks (N, *S))`` with the class ids a
:class:`~tconv.seg.data.DataLoader` yields: the MONAI-style layers take them with a channel
axis, ``masks[:, None]``, and one-hot encode them inside (``to_onehot_y=True``) after a softmax
over the logits.

>>> import numpy as np
>>> from tconv.seg.losses import TverskyLoss
>>> toy = register_loss(TrainingLoss("recall", "Tversky weighing false negatives 9:1",
...                                  lambda: TverskyLoss(to_onehot_y=True, softmax=True, alpha=0.1, beta=0.9)))
>>> criterion = toy.criterion()
>>> loss = criterion(np.zeros((2, 3, 4, 4)), np.zeros((2, 4, 4), np.int64))
>>> loss.shape, criterion.__name__
((), 'recall')
>>> unregister_loss("recall").name
'recall'
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from ...nn import functional as F
from .. import losses

__all__ = ["TrainingLoss", "TRAINING_LOSSES", "register_loss", "unregister_loss", "losses_table", "weighted_losses"]


@dataclass(frozen=True)
class TrainingLoss:
    """One ``--loss`` choice: ``build()`` makes the criterion; ``class_ids=True`` when it takes the masks
    ``(N, *S)`` as they are (``cross_entropy``), False when it takes ``(N, 1, *S)`` (MONAI's layers).

    ``fused``, if given, is the same loss as one op taking the masks ``(N, *S)`` (the planned
    training step uses it; a test holds it equal to the composed loss). ``weighted``, if given,
    builds the loss with one weight per class, ``weighted(weight)`` (``tconv train --class-weights``).
    """

    name: str
    help: str
    build: Callable[[], Callable]
    class_ids: bool = False
    fused: Callable | None = None
    weighted: Callable | None = None

    def criterion(self, fused: bool = False, weight=None) -> Callable:
        """``loss(logits (N, K, *S), masks (N, *S)) -> scalar Tensor``: what ``build()`` made, taking the
        masks as they are (``class_ids``), or wrapped to add their channel axis and named after this choice;
        with ``fused``, the fused op where there is one; with ``weight`` (one per class), ``weighted(weight)``."""
        if weight is not None:
            if self.weighted is None:
                raise ValueError(f"the {self.name} loss takes no class weights; "
                                 f"{', '.join(weighted_losses())} do")
            made = self.weighted(weight)
        elif fused and self.fused is not None:
            return self.fused
        else:
            made = self.build()
        if self.class_ids:
            return made

        def loss(logits, masks):
            return made(logits, masks[:, None])
        loss.__name__ = self.name
        return loss


#: Every ``--loss`` choice by name, in the order ``tconv train --help`` lists them.
TRAINING_LOSSES: dict[str, TrainingLoss] = {}


def register_loss(loss: TrainingLoss) -> TrainingLoss:
    """Add ``loss`` to :data:`TRAINING_LOSSES` (``ValueError`` if its name is taken); returns it."""
    if not isinstance(loss, TrainingLoss):
        raise TypeError(f"register_loss takes a TrainingLoss, got {type(loss).__name__}")
    if not loss.name.isidentifier() or loss.name in TRAINING_LOSSES:
        raise ValueError(f"loss {loss.name!r} is taken or not a name (taken: {', '.join(TRAINING_LOSSES)})")
    TRAINING_LOSSES[loss.name] = loss
    return loss


def weighted_losses() -> tuple:
    """The names of the losses that take class weights (``tconv train --class-weights``).

    >>> weighted_losses()
    ('ce', 'dice', 'dicece', 'focal', 'fbeta')
    """
    return tuple(name for name, loss in TRAINING_LOSSES.items() if loss.weighted is not None)


def unregister_loss(name: str) -> TrainingLoss:
    """Remove the loss ``name`` from :data:`TRAINING_LOSSES` and return it."""
    if name not in TRAINING_LOSSES:
        raise ValueError(f"loss={name!r} is not one of {tuple(TRAINING_LOSSES)}")
    return TRAINING_LOSSES.pop(name)


_ONEHOT = dict(to_onehot_y=True, softmax=True)

for _builtin in (
    TrainingLoss("ce", "cross-entropy of the logits against the class ids (nn.functional.cross_entropy)",
                 lambda: F.cross_entropy, class_ids=True,
                 weighted=lambda w: lambda logits, masks: F.cross_entropy(logits, masks, weight=w)),
    TrainingLoss("dice", "soft Dice of the softmax, one score per image and class (DiceLoss)",
                 lambda: losses.DiceLoss(**_ONEHOT), weighted=lambda w: losses.DiceLoss(**_ONEHOT, weight=w)),
    TrainingLoss("dicece", "Dice + cross-entropy, the default (DiceCELoss)", lambda: losses.DiceCELoss(**_ONEHOT),
                 fused=losses.dice_ce_with_logits, weighted=lambda w: losses.DiceCELoss(**_ONEHOT, weight=w)),
    TrainingLoss("focal", "focal loss of the softmax: easy pixels count less (FocalLoss, use_softmax=True)",
                 lambda: losses.FocalLoss(to_onehot_y=True, use_softmax=True),
                 weighted=lambda w: losses.FocalLoss(to_onehot_y=True, use_softmax=True, weight=w)),
    TrainingLoss("tversky", "Tversky, alpha=0.3 and beta=0.7: a missed pixel costs more than a false one "
                 "(TverskyLoss)", lambda: losses.TverskyLoss(**_ONEHOT, alpha=0.3, beta=0.7)),
    TrainingLoss("fbeta", "F-beta with beta=2: recall weighs four times precision (FBetaLoss)",
                 lambda: losses.FBetaLoss(**_ONEHOT, beta=2.0),
                 weighted=lambda w: losses.FBetaLoss(**_ONEHOT, beta=2.0, weight=w)),
    TrainingLoss("hausdorff", "Hausdorff distance-transform loss: errors far from the outline cost more "
                 "(HausdorffDTLoss)", lambda: losses.HausdorffDTLoss(**_ONEHOT)),
):
    register_loss(_builtin)


def losses_table() -> str:
    """The Markdown table of :data:`TRAINING_LOSSES` (docs/cli.md holds it; a test keeps the two equal).

    >>> print(losses_table().splitlines()[4])
    | `dicece` | Dice + cross-entropy, the default (DiceCELoss) |
    """
    rows = ["| `--loss` | what it trains with |", "|---|---|"]
    rows += [f"| `{loss.name}` | {loss.help} |" for loss in TRAINING_LOSSES.values()]
    return "\n".join(rows) + "\n"
