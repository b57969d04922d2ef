"""Semantic segmentation on top of tconv: data, paired augmentation, losses and metrics.

The application layer: it may import anything in ``tconv`` below it; nothing below imports it.
"""
