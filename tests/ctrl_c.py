"""A Ctrl-C that arrives in the middle of writing an array, for the tests that check a
step is never left half-applied (tests/test_optim_atomic.py, tests/test_train_safety.py)."""

from __future__ import annotations

import signal
from typing import Any

import numpy as np


class CtrlCOnWrite(np.ndarray):
    """An array that sends this process SIGINT the first time something writes into it
    (``a[...] = x`` or an in-place ufunc such as ``a -= x``) -- a Ctrl-C that arrives in
    the middle of an optimizer's update."""

    fired = False

    def _fire(self) -> None:
        if not CtrlCOnWrite.fired:
            CtrlCOnWrite.fired = True
            signal.raise_signal(signal.SIGINT)

    def __setitem__(self, key: Any, value: Any) -> None:
        self._fire()
        self.view(np.ndarray)[key] = value

    def __array_ufunc__(self, ufunc: Any, method: str, *inputs: Any, **kwargs: Any) -> Any:
        out = kwargs.get("out") or ()
        if any(o is self for o in out):
            self._fire()
        plain = [x.view(np.ndarray) if isinstance(x, CtrlCOnWrite) else x for x in inputs]
        if out:
            kwargs["out"] = tuple(
                o.view(np.ndarray) if isinstance(o, CtrlCOnWrite) else o for o in out
            )
        result = getattr(ufunc, method)(*plain, **kwargs)
        return out[0] if len(out) == 1 else result
