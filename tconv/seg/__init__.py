"""Semantic segmentation on top of tconv: data, paired augmentation, losses and metrics.

The application layer: it may import anything in ``tconv`` below it; nothing below imports it.

* :mod:`tconv.seg.data`: ``SyntheticShapes`` / ``SyntheticShapes3D`` (seeded shapes with integer
  masks), ``ImageMaskFolder`` (your own ``images/`` + ``masks/``), ``DataLoader``, ``random_split``;
* :mod:`tconv.seg.augment`: paired augmentation with albumentations' calling convention
  (``Compose([...], seed=0)(image=img, mask=m)``), one parameter draw per call for every target;
* :mod:`tconv.seg.losses`: MONAI's ``DiceLoss``, ``DiceCELoss``, ``FocalLoss``, ``TverskyLoss``,
  ``HausdorffDTLoss``, ... (and ``FBetaLoss``), differentiable, built from Tensor ops;
* :mod:`tconv.seg.metrics`: MONAI's ``compute_dice``, ``compute_iou``,
  ``compute_hausdorff_distance``, ``DiceMetric``, ... and a ``ConfusionMatrix``, in NumPy;
* :mod:`tconv.seg.labels`: class-id checks and ``one_hot``, shared by all of them.

>>> from tconv.seg import data, losses, metrics
>>> image, mask = data.SyntheticShapes(1, size=32, seed=0)[0]
>>> image.shape, mask.shape, mask.dtype
((1, 32, 32), (32, 32), dtype('int64'))
"""
from . import augment, data, labels, losses, metrics

__all__ = ["augment", "data", "labels", "losses", "metrics"]
