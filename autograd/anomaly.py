"""``detect_anomaly()``: stop at the first op whose forward or backward makes NaN/Inf.

The error names the op, the shapes of its inputs and the line of *user* code that
created it (recorded at forward time, only while anomaly mode is on, because capturing
the stack costs time).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import numpy as np

__all__ = ["detect_anomaly", "AnomalyError"]

_PACKAGE_DIR = os.path.dirname(os.path.abspath(__file__))


class AnomalyError(FloatingPointError):
    """NaN or Inf produced by an op under ``detect_anomaly()``."""


class _Anomaly:
    enabled = False
    backward_of = None  # the Function whose backward is running, while one is


@contextmanager
def detect_anomaly() -> Iterator[None]:
    """Within this context, the first non-finite forward result or gradient raises."""
    previous = _Anomaly.enabled
    _Anomaly.enabled = True
    try:
        with np.errstate(all="ignore"):  # we report the op ourselves, with context
            yield
    finally:
        _Anomaly.enabled = previous


def user_frame() -> str:
    """``file:line: code`` of the innermost frame outside the engine packages."""
    frame: Any = sys._getframe(1)
    engine_dirs = (_PACKAGE_DIR, os.path.join(os.path.dirname(_PACKAGE_DIR), "nn"))
    while frame is not None:
        filename = os.path.abspath(frame.f_code.co_filename)
        if not filename.startswith(engine_dirs) and "contextlib" not in filename:
            import linecache

            code = linecache.getline(filename, frame.f_lineno).strip()
            return f"{filename}:{frame.f_lineno}: {code}"
        frame = frame.f_back
    return "<unknown>"


def _nonfinite(array: Any) -> bool:
    a = np.asarray(array)
    return a.dtype.kind in "fc" and not np.isfinite(a).all()


def check_forward(fn: Any, data: Any) -> None:
    if _nonfinite(data):
        shapes = ", ".join(str(t.shape) for t in fn.inputs)
        raise AnomalyError(
            f"detect_anomaly: forward of '{fn.op}' produced NaN/Inf\n"
            f"  input shapes: {shapes}\n  created at: {fn.created_at}"
        )


def check_backward(fn: Any, grads: tuple) -> None:
    for i, g in enumerate(grads):
        if g is not None and _nonfinite(g.data):
            shapes = ", ".join(str(t.shape) for t in fn.inputs)
            raise AnomalyError(
                f"detect_anomaly: backward of '{fn.op}' produced NaN/Inf in the gradient "
                f"of input {i}\n  input shapes: {shapes}\n  created at: {fn.created_at}"
            )
