"""Segmentation data: a seeded synthetic generator, your own image/mask folders, a loader.

* :class:`SyntheticShapes`, :class:`SyntheticShapes3D` (:mod:`.shapes`): seeded grey images
  (volumes) of shapes whose brightness does not reveal their class;
* :class:`ImageMaskFolder` (:mod:`.folder`): ``root/images/NAME.*`` paired with
  ``root/masks/NAME.*``;
* :class:`DataLoader` (:mod:`.loader`): seeded, per-epoch shuffled NumPy batches with
  albumentations-style transforms; :class:`Subset` and :func:`random_split` (:mod:`.split`);
* :func:`inspect` (:mod:`.doctor`): the data doctor, what a folder holds and what to fix
  (``tconv doctor``); colour tables for RGB masks (:mod:`.colours`), volumes (:mod:`.volumeio`),
  class weights (:mod:`.balance`); :func:`imbalanced_shapes`, the synthetic shapes made rare.

Every dataset returns ``(image float32 (C, *spatial) in [0, 1], mask int64 (*spatial))``
and has ``num_classes`` (including the background), ``in_channels``, ``class_names`` and
``spatial_dims``.

>>> from tconv.seg.data import SyntheticShapes, DataLoader, random_split
>>> train, val = random_split(SyntheticShapes(20, size=32), [0.8, 0.2], seed=0)
>>> images, masks = next(iter(DataLoader(train, batch_size=8, shuffle=True, seed=0)))
>>> images.shape, masks.shape, train.num_classes
((8, 1, 32, 32), (8, 32, 32), 4)
"""
from .doctor import DataReport, inspect
from .folder import ImageMaskFolder
from .imbalanced import imbalanced_shapes
from .loader import DataLoader
from .shapes import SyntheticShapes, SyntheticShapes3D
from .split import Subset, random_split

__all__ = ["SyntheticShapes", "SyntheticShapes3D", "ImageMaskFolder", "DataLoader", "Subset", "random_split", "inspect",
           "DataReport", "imbalanced_shapes"]
