"""Hausdorff distance-transform loss (Karimi & Salcudean 2019), as MONAI's ``HausdorffDTLoss``.

The Hausdorff distance is large when some predicted pixel lies far from the true boundary (or
the reverse). It is not differentiable, so Karimi & Salcudean weight the squared error of each
pixel by how far it is from the boundaries:

    loss = mean over pixels of (p - q)^2 (d_p^alpha + d_q^alpha)

``p`` the prediction, ``q`` the target, and ``d_p``, ``d_q`` their *distance fields*: for the
mask ``m = (x > 0.5)``, each pixel's Euclidean distance to the nearest pixel on the other side
of the mask's boundary (the EDT of the foreground plus the EDT of the background,
``scipy.ndimage.distance_transform_edt``). The distance fields are constants (no gradient
flows through the threshold), so only ``(p - q)^2`` is differentiated. A mask that is all
background or all foreground has no boundary; its field is left 0.

Followed: monai/losses/hausdorff_loss.py (``HausdorffDTLoss.distance_field``, ``forward``) and
monai/transforms/utils.py (``distance_transform_edt``: one EDT per image and channel, over the
spatial axes only). Differences: 1-D images are accepted too (MONAI takes 2-D and 3-D), and
the distance fields keep the input's dtype (MONAI rounds them to float32).

>>> import numpy as np
>>> q = np.array([[[0.0, 1.0, 1.0, 0.0, 0.0]]])          # (B, C, W) target
>>> p = np.array([[[0.0, 0.2, 0.9, 0.7, 0.0]]])          # prediction (probabilities)
>>> distance_field(q)[0, 0], distance_field(p)[0, 0]
(array([1., 1., 1., 1., 2.]), array([2., 1., 1., 1., 1.]))
>>> round(hausdorff_dt_loss(p, q).item(), 6)             # mean([0, .64*2, .01*2, .49*2, 0])
0.456
"""
from __future__ import annotations

import numpy as np

from ..._checks import check_number
from ._common import ProbabilityLoss, reduce, reduction_axes

__all__ = ["HausdorffDTLoss", "hausdorff_dt_loss", "distance_field"]


def distance_field(image) -> np.ndarray:
    """Unsigned distance to the boundary of ``image > 0.5``, one field per image and channel.

    ``image``: an array ``(B, C, *spatial)``. For each ``(b, c)``: with ``m`` the mask
    ``image[b, c] > 0.5`` over the spatial axes, ``edt(m) + edt(~m)`` (a foreground pixel's
    distance to the nearest background pixel, and the reverse), or 0 where ``m`` is all True
    or all False. Returned in ``image``'s float dtype.

    >>> import numpy as np
    >>> distance_field(np.array([[[[0, 0, 0], [0, 1, 0], [0, 0, 0]]]]))[0, 0].round(4)
    array([[1.4142, 1.    , 1.4142],
           [1.    , 1.    , 1.    ],
           [1.4142, 1.    , 1.4142]])
    >>> distance_field(np.ones((1, 1, 3)))                   # no boundary: 0
    array([[[0., 0., 0.]]])
    """
    from scipy.ndimage import distance_transform_edt

    image = np.asarray(image)
    dtype = image.dtype if image.dtype in (np.float32, np.float64) else np.float64
    field = np.zeros(image.shape, dtype)
    for b in range(image.shape[0]):
        for c in range(image.shape[1]):
            foreground = image[b, c] > 0.5
            if foreground.any() and not foreground.all():
                field[b, c] = distance_transform_edt(foreground) + distance_transform_edt(~foreground)
    return field


class HausdorffDTLoss(ProbabilityLoss):
    """``HausdorffDTLoss(alpha=2.0, include_background=False, to_onehot_y=False, sigmoid=False, softmax=False,
    other_act=None, reduction="mean", batch=False)``: MONAI's Hausdorff DT loss layer; see
    :func:`hausdorff_dt_loss`.

    >>> import numpy as np
    >>> criterion = HausdorffDTLoss(sigmoid=True, reduction="none")
    >>> criterion(np.zeros((2, 1, 3, 3)), np.ones((2, 1, 3, 3))).shape
    (2, 1, 1, 1)
    """

    def __init__(self, alpha=2.0, include_background=False, to_onehot_y=False, sigmoid=False, softmax=False,
                 other_act=None, reduction="mean", batch=False):
        super().__init__(include_background=include_background, to_onehot_y=to_onehot_y, sigmoid=sigmoid,
                         softmax=softmax, other_act=other_act, reduction=reduction, batch=batch)
        self.alpha = check_number("alpha", alpha, minimum=0.0)

    def forward(self, input, target):
        p, q = self.prepare(input, target)
        distance = distance_field(p.data) ** self.alpha + distance_field(q) ** self.alpha
        error = (p - q) ** 2
        f = (error * distance).mean(axis=reduction_axes(p.ndim, self.batch), keepdims=True)
        return reduce(f, self.reduction, none_ndim=p.ndim)


def hausdorff_dt_loss(input, target, alpha=2.0, include_background=False, to_onehot_y=False, sigmoid=False,
                      softmax=False, other_act=None, reduction="mean", batch=False):
    """``mean((p - q)^2 (d_p^alpha + d_q^alpha))`` per image and class (per class with ``batch=True``).

    ``input (B, C, *spatial)`` probabilities, or logits with an activation flag; ``target`` as
    :func:`~tconv.seg.losses.dice.dice_loss`'s. ``alpha >= 0``. Note MONAI's default
    ``include_background=False`` (with one channel, that channel is kept). ``reduction="none"``:
    ``(B, C', 1, ..., 1)`` (``(1, C', 1, ..., 1)`` with ``batch=True``). The distance fields
    are computed per image and channel whatever ``batch`` says; ``batch`` only pools the mean. The same as ``HausdorffDTLoss(...)(input, target)``.

    >>> import numpy as np
    >>> q = np.array([[[[0.0, 1.0], [1.0, 1.0]]]])           # (B, 1, H, W)
    >>> float(hausdorff_dt_loss(q, q).item())                # perfect prediction
    0.0
    """
    return HausdorffDTLoss(alpha=alpha, include_background=include_background, to_onehot_y=to_onehot_y,
                           sigmoid=sigmoid, softmax=softmax, other_act=other_act, reduction=reduction,
                           batch=batch)(input, target)
