"""``detect_anomaly()``: stop at the first op whose forward or backward makes NaN/Inf.

The error names the op, the shapes of its inputs and the line of *user* code that
created it (recorded at forward time, only while anomaly mode is on, because capturing
the stack costs time).
"""

from __future__ import annotations

import os
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import numpy as np

__all__ = ["detect_anomaly", "AnomalyError"]

_PACKAGE_DIR = os.path.dirname(os.path.abspath(__file__))


class AnomalyError(FloatingPointError):
    """NaN or Inf produced by an op under ``detect_anomaly()``."""


class _ThreadAnomaly(threading.local):
    """This thread's anomaly mode (class attributes = the defaults of a new thread)."""

    enabled: bool = False
    backward_of: Any = None  # the Function whose backward is running, while one is


_local = _ThreadAnomaly()


class _Anomaly:
    """Anomaly mode is per thread; ``any_on`` lets ops skip the thread-local read.

    ``any_on`` is True while at least one thread is inside ``detect_anomaly()``; only then
    do ops look at their own thread's ``_local.enabled``.
    """

    any_on: bool = False
    on_count: int = 0
    lock = threading.Lock()


def is_anomaly_enabled() -> bool:
    """True inside ``detect_anomaly()`` in *this thread*."""
    return _Anomaly.any_on and _local.enabled


def _set_mode(mode: bool) -> None:
    if _local.enabled == mode:
        return
    with _Anomaly.lock:
        _Anomaly.on_count += 1 if mode else -1
        _local.enabled = mode
        _Anomaly.any_on = _Anomaly.on_count > 0


@contextmanager
def detect_anomaly() -> Iterator[None]:
    """Within this context, the first non-finite forward result or gradient raises.

    The mode belongs to the calling thread (as in PyTorch); other threads are unaffected.
    """
    previous = _local.enabled
    _set_mode(True)
    try:
        with np.errstate(all="ignore"):  # we report the op ourselves, with context
            yield
    finally:
        _set_mode(previous)


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
        if g is not None and _nonfinite(getattr(g, "_data", g)):
            shapes = ", ".join(str(t.shape) for t in fn.inputs)
            raise AnomalyError(
                f"detect_anomaly: backward of '{fn.op}' produced NaN/Inf in the gradient "
                f"of input {i}\n  input shapes: {shapes}\n  created at: {fn.created_at}"
            )
