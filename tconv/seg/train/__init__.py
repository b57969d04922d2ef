"""Training segmentation networks: :func:`fit`, :func:`evaluate`, :func:`predict` (:mod:`.loop`);
:func:`predict_tiled`, the overlap-tile strategy for images larger than memory (:mod:`.tiling`)."""
from .loop import TrainingDiverged, evaluate, fit, predict, train_one_epoch
from .tiling import predict_tiled

__all__ = ["fit", "evaluate", "predict", "train_one_epoch", "TrainingDiverged", "predict_tiled"]
