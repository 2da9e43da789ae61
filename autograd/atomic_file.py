"""``atomic_write(path, write)``: a file appears whole or not at all.

The bytes go into a temporary file in the target's folder, which is flushed and fsynced,
then renamed over the target with ``os.replace`` (atomic on POSIX and Windows) and the
folder fsynced. A full disk, an exception or Ctrl-C during the write leaves the previous
file untouched and removes the temporary file. Used by ``autograd.save`` and by every
other writer of files here.

Paths are used exactly as given; a directory is refused.
"""

from __future__ import annotations

import contextlib
import os
import secrets
from collections.abc import Callable
from pathlib import Path
from typing import IO

__all__ = ["atomic_write", "checked_target"]


def checked_target(path: str | os.PathLike[str], what: str) -> Path:
    """The path exactly as given; a directory (or a name ending in a separator) is refused."""
    text = os.fspath(path)
    if not isinstance(text, str):
        text = os.fsdecode(text)
    target = Path(text)
    if text.endswith(("/", os.sep)) or target.is_dir():
        raise IsADirectoryError(
            f"{what}: {text!r} is a directory; give a file name inside it, e.g. "
            f"{str(target / 'model.npz')!r}"
        )
    return target


def atomic_write(
    path: str | os.PathLike[str], write: Callable[[IO[bytes]], None], what: str = "save"
) -> Path:
    """Call ``write(file)`` on a temporary file, then move it to ``path`` in one step.

    The temporary file sits in the same folder (``os.replace`` is only atomic within one
    file system), is flushed and fsynced before the rename, and is removed if anything
    -- including ``KeyboardInterrupt`` -- goes wrong. Returns ``Path(path)``.
    """
    target = checked_target(path, what)
    folder = target.parent
    if not folder.is_dir():
        raise FileNotFoundError(
            f"{what}: the folder {str(folder)!r} of {str(target)!r} does not exist; create "
            "it first (os.makedirs(folder, exist_ok=True))"
        )
    # a dot-file with a random part: never collides, and opening with "xb" guarantees it
    # (unlike tempfile.mkstemp it keeps the usual permissions, umask applied)
    tmp = folder / f".{target.name}.{secrets.token_hex(6)}.tmp"
    try:
        with open(tmp, "xb") as f:
            write(f)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    _fsync_folder(folder)
    return target


def _fsync_folder(folder: Path) -> None:
    """Make the rename durable too (POSIX); a no-op where folders cannot be opened."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
