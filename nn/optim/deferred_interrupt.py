"""``defer_keyboard_interrupt``: hold Ctrl-C back while a few arrays are being written.

An optimizer step writes one parameter after another. A ``KeyboardInterrupt`` raised
between two writes would leave a model whose first layers took the step and whose last
layers did not (and, for Adam, step counts that differ between parameters). Inside
``with defer_keyboard_interrupt():`` a SIGINT is only recorded; when the block ends the
previous handler is put back and the signal is sent again, so the ``KeyboardInterrupt``
(or whatever the previous handler does) happens right *after* the block, with every
array written.

Signals are delivered to the main thread only, so in other threads (and when SIGINT is
handled outside Python) the block runs unchanged. Blocks nest: only the outermost one
installs the handler.
"""

from __future__ import annotations

import signal
import threading

# the C functions behind signal.signal/getsignal: the public wrappers convert to and
# from enums, which costs more than the rest of a small optimizer step
try:
    from _signal import getsignal as _getsignal  # pyright: ignore[reportMissingImports]
    from _signal import signal as _setsignal  # pyright: ignore[reportMissingImports]
except ImportError:  # pragma: no cover - other Python implementations
    _getsignal, _setsignal = signal.getsignal, signal.signal
from types import FrameType, TracebackType

__all__ = ["defer_keyboard_interrupt"]

_MAIN_THREAD = threading.main_thread()
_installed = False  # a deferring handler is active (main thread only, so a plain flag)


class defer_keyboard_interrupt:  # noqa: N801  (used like a function: with defer_...():)
    """Context manager: a SIGINT during the block is re-sent when the block ends."""

    __slots__ = ("_previous", "_received", "_owner")

    def __enter__(self) -> defer_keyboard_interrupt:
        global _installed
        self._owner = False
        self._received = False
        if _installed or threading.current_thread() is not _MAIN_THREAD:
            return self
        previous = _getsignal(signal.SIGINT)
        if previous is None:  # installed from C, not by Python: leave it alone
            return self
        try:
            _setsignal(signal.SIGINT, self._record)
        except (ValueError, OSError):  # e.g. an interpreter without signal support
            return self
        self._previous = previous
        self._owner = True
        _installed = True
        return self

    def _record(self, signum: int, frame: FrameType | None) -> None:
        self._received = True

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        global _installed
        if not self._owner:
            return
        _setsignal(signal.SIGINT, self._previous)
        _installed = False
        self._owner = False
        if self._received:
            # replay it with the original handler: by default that raises
            # KeyboardInterrupt here, after the block has done all its writes
            signal.raise_signal(signal.SIGINT)
