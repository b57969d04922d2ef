"""Training segmentation networks: :func:`fit`, :func:`evaluate`, :func:`predict` (:mod:`.loop`)."""
from .loop import TrainingDiverged, evaluate, fit, predict, train_one_epoch

__all__ = ["fit", "evaluate", "predict", "train_one_epoch", "TrainingDiverged"]
