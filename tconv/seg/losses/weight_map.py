"""U-Net's border weight map (Ronneberger et al. 2015, equation 2) and a pixel-weighted cross-entropy.

Touching objects of one class are separated only by a thin gap of background; a network that
misses the gap merges them. U-Net weights each pixel's loss by

``w(x) = w_c(x) + w0 · exp(-(d1(x) + d2(x))² / (2σ²))``

where ``w_c`` balances the class frequencies, ``d1(x)`` is the distance to the nearest object
and ``d2(x)`` to the second nearest. Between two objects that nearly touch, ``d1 + d2`` is
the gap's width, small, so the weight is about ``w_c + w0``; far from any pair it falls to
``w_c``. The paper uses ``w0 = 10`` and ``σ ≈ 5`` pixels. Objects are the connected components
of the foreground (8-connected), or the instance labels given. As in most implementations the
border term is put on the background (inside an object ``d1 = 0`` and the term would only mark
the object's own edge).

:func:`weighted_cross_entropy` uses it: ``Σ w(x)·CE(x) / Σ w(x)`` (with ``w(x) = weight[t(x)]``
that is exactly ``cross_entropy(..., weight=weight)``, PyTorch's class-weighted mean).

>>> labels = np.zeros((1, 9), np.int64)
>>> labels[0, [1, 2, 6, 7]] = 1                     # two objects, a gap of 3 pixels between them
>>> w = unet_weight_map(labels, w0=10, sigma=5, class_weights=None)
>>> w.round(2)                                       # in the gap d1 + d2 = 4: 1 + 10·exp(-16/50)
array([[4.75, 1.  , 1.  , 8.26, 8.26, 8.26, 1.  , 1.  , 4.75]])
"""
from __future__ import annotations

import numpy as np

from ..._checks import check_number
from ...autograd import Tensor
from ...nn import functional as F

__all__ = ["unet_weight_map", "class_balance_weights", "weighted_cross_entropy"]


def class_balance_weights(labels, num_classes: int | None = None) -> np.ndarray:
    """``w_c``: the weight of each class, ``N / (K · n_c)`` (pixels over classes times the class's count).

    A class absent from ``labels`` gets weight 0 (no pixel carries it).

    >>> class_balance_weights(np.array([[0, 0, 0, 1]]))
    array([0.66666667, 2.        ])
    """
    labels = np.asarray(labels)
    k = int(labels.max()) + 1 if num_classes is None else int(num_classes)
    counts = np.bincount(labels.ravel(), minlength=k).astype(float)
    present = counts > 0
    weights = np.zeros(k)
    weights[present] = labels.size / (present.sum() * counts[present])
    return weights


def _distances_to_objects(instances: np.ndarray) -> np.ndarray:
    """``(n, *shape)``: each pixel's Euclidean distance to each of the ``n`` objects (labels 1..n)."""
    from scipy.ndimage import distance_transform_edt

    n = int(instances.max())
    return np.stack([distance_transform_edt(instances != i) for i in range(1, n + 1)])


def unet_weight_map(labels, w0: float = 10.0, sigma: float = 5.0, class_weights="balanced", instances=None,
                    background: int = 0) -> np.ndarray:
    """The weight of each pixel, ``w_c(x) + w0·exp(-(d1 + d2)²/2σ²)`` on the background (module docstring).

    ``labels``: class ids ``(H, W)`` (or ``(D, H, W)``). ``class_weights``: ``"balanced"``
    (:func:`class_balance_weights`), an array of one weight per class, or None (all 1).
    ``instances``: object labels (0 = none, 1..n) when touching objects share a class; by
    default the 8-connected (in 3-D 26-connected) components of ``labels != background``.
    With fewer than two objects there is no second distance and the border term is 0.
    Returns float64 of ``labels``' shape.
    """
    from scipy.ndimage import label as connected_components

    labels = np.asarray(labels)
    if labels.dtype.kind not in "iub" or labels.ndim not in (2, 3):
        raise ValueError(f"labels must be a 2-D or 3-D array of class ids, got dtype {labels.dtype} and shape "
                         f"{labels.shape}")
    w0 = check_number("w0", w0, minimum=0)
    sigma = check_number("sigma", sigma, minimum=0, minimum_open=True)
    if isinstance(class_weights, str):
        if class_weights != "balanced":
            raise ValueError(f"class_weights={class_weights!r} must be 'balanced', an array of weights or None")
        w_c = class_balance_weights(labels)[labels]
    elif class_weights is None:
        w_c = np.ones(labels.shape)
    else:
        table = np.asarray(class_weights, dtype=float)
        if table.ndim != 1 or table.size <= labels.max():
            raise ValueError(f"class_weights has {table.size} entries; labels hold classes up to {labels.max()}")
        w_c = table[labels]
    if instances is None:
        instances, _ = connected_components(labels != background, structure=np.ones((3,) * labels.ndim))
    instances = np.asarray(instances)
    if instances.shape != labels.shape:
        raise ValueError(f"instances has shape {instances.shape}; it must have labels' shape {labels.shape}")
    weight = w_c.astype(float)
    if instances.max() >= 2:
        distances = np.sort(_distances_to_objects(instances), axis=0)
        d1, d2 = distances[0], distances[1]
        border = w0 * np.exp(-((d1 + d2) ** 2) / (2 * sigma ** 2))
        outside = instances == 0
        weight[outside] += border[outside]
    return weight


def weighted_cross_entropy(logits, target, weight, reduction: str = "mean"):
    """Cross-entropy with a weight per pixel: ``Σ w·CE / Σ w`` (``"mean"``), ``Σ w·CE`` (``"sum"``) or ``w·CE``.

    ``logits (N, C, *S)``, ``target (N, *S)`` class ids, ``weight`` of ``target``'s shape (e.g.
    :func:`unet_weight_map` of each mask, stacked). With ``weight = class_weights[target]`` the
    mean equals ``cross_entropy(logits, target, weight=class_weights)``.

    >>> import numpy as np
    >>> logits = Tensor(np.zeros((1, 2, 2, 2)), requires_grad=True)
    >>> loss = weighted_cross_entropy(logits, np.zeros((1, 2, 2), np.int64), np.array([[[1.0, 3.0], [0.0, 0.0]]]))
    >>> round(loss.item(), 6), round(float(np.log(2)), 6)
    (0.693147, 0.693147)
    """
    if reduction not in ("mean", "sum", "none"):
        raise ValueError(f"reduction={reduction!r} must be one of ('none', 'mean', 'sum')")
    weight = np.asarray(weight.data if isinstance(weight, Tensor) else weight, dtype=float)
    per_pixel = F.cross_entropy(logits, target, reduction="none")
    if weight.shape != tuple(per_pixel.shape):
        raise ValueError(f"weight has shape {weight.shape}; it must have the target's shape {tuple(per_pixel.shape)}")
    weighted = per_pixel * weight.astype(per_pixel.dtype)
    if reduction == "none":
        return weighted
    total = weighted.sum()
    return total if reduction == "sum" else total / float(weight.sum())
