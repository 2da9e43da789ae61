"""Metrics: plain functions ``metric(output, target) -> float``."""

from __future__ import annotations

from typing import Any

import numpy as np

__all__ = ["accuracy"]


def _array(x: Any) -> np.ndarray:
    x = getattr(x, "data", x)
    return x if isinstance(x, np.ndarray) else np.asarray(x)


def accuracy(output: Any, target: Any, threshold: float = 0.0) -> float:
    """Fraction of correctly classified samples.

    Parameters
    ----------
    output : Tensor or array
        * shape (N, C) with C >= 2 (or (N, C, d1, ...)): class scores (logits or
          probabilities); the prediction is the arg-max over axis 1.
        * shape (N,) or (N, 1): one binary score per sample; the prediction is
          ``output > threshold``. The default threshold 0 is right for **logits**
          (sigma(u) > 0.5 exactly when u > 0); pass ``threshold=0.5`` for
          probabilities (after a sigmoid).
    target : integer class indices of shape (N,) / (N, d1, ...); or one-hot /
        probability targets with the output's shape (their arg-max is the class); for
        binary outputs, 0/1 labels (int or float) of shape (N,) or (N, 1).

    Returns
    -------
    float in [0, 1]
    """
    out = _array(output)
    t = _array(target)
    if out.size == 0:
        raise ValueError("accuracy: empty output")
    if out.ndim >= 2 and out.shape[1] > 1:
        pred = out.argmax(axis=1)
        if t.shape == out.shape:
            t = t.argmax(axis=1)
    else:
        scores = out.reshape(out.shape[:1] + out.shape[2:]) if out.ndim >= 2 else out
        pred = scores > threshold
        if t.shape == out.shape:
            t = t.reshape(scores.shape)
        t = t > 0.5  # 0/1 labels, integer or float
    if pred.shape != t.shape:
        raise ValueError(
            f"accuracy: output of shape {out.shape} gives predictions of shape {pred.shape}, "
            f"but target has shape {_array(target).shape}"
        )
    # count_nonzero rather than np.mean: several times faster on small batches, and
    # fit may call this once per training batch
    return np.count_nonzero(pred == t) / pred.size
