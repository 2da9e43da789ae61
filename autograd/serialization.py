"""Saving and loading: ``save(obj, path)`` / ``load(path)``, in NumPy's ``.npz`` format.

What ``torch.save``/``torch.load`` do for state dicts, without pickle::

    autograd.save(model.state_dict(), "m.pth")
    model.load_state_dict(autograd.load("m.pth"))
    autograd.save({"model": model.state_dict(), "optimizer": opt.state_dict(),
                   "epoch": epoch}, "ckpt.npz")

**Format.** A file is a zip archive of ``.npy`` members (exactly what ``np.savez``
writes). A flat dict of NumPy arrays with string keys -- a module's state dict -- is
stored as one member per key, so ``np.load(path)`` reads it without deltagrad. Anything
else (nested dicts, lists, tuples, Tensors, numbers, strings, None) is stored as its
arrays plus one member ``__deltagrad__``: a UTF-8 JSON description of the structure,
kept as a ``uint8`` array. Nothing is ever pickled, and files are read with
``allow_pickle=False``, so loading a file cannot run code.

**Atomic writes.** ``atomic_write`` writes into a temporary file in the target's folder,
flushes and fsyncs it, then renames it over the target with ``os.replace`` (atomic on
POSIX and Windows). A full disk, an exception or Ctrl-C during the write leaves the
previous file untouched and removes the temporary file.

**Paths** are used exactly as given (no ``.npz`` is appended); the same string works
for ``save`` and ``load``. A directory is refused.
"""

from __future__ import annotations

import json
import os
import zipfile
from collections import OrderedDict
from pathlib import Path
from typing import IO, Any

import numpy as np

from .atomic_file import atomic_write, checked_target
from .tensor import Tensor

__all__ = ["save", "load", "atomic_write", "save_file", "load_file"]

#: name of the archive member that describes a nested object
MANIFEST = "__deltagrad__"
_FORMAT = "deltagrad.save/1"
_NPY_MAGIC = b"\x93NUMPY"
_ZIP_MAGICS = (b"PK\x03\x04", b"PK\x05\x06")  # a zip with members / an empty zip


# ----------------------------------------------------------------------------- writing
def _write_npz(f: IO[bytes], members: list[tuple[str, np.ndarray]]) -> None:
    """An uncompressed ``.npz`` (what ``np.savez`` writes), written through ``f``.

    ``np.savez(name)`` would append ``.npz`` to a name and treats the keys ``file`` and
    ``allow_pickle`` as its own arguments, hence this small writer.
    """
    with zipfile.ZipFile(f, mode="w", compression=zipfile.ZIP_STORED, allowZip64=True) as zf:
        for name, array in members:
            with zf.open(name + ".npy", mode="w", force_zip64=True) as member:
                np.lib.format.write_array(member, array, allow_pickle=False)


def _as_array(value: Any) -> np.ndarray | None:
    """A NumPy array for ndarrays and torch tensors (duck-typed: autograd does not import
    torch); None for anything else."""
    if isinstance(value, np.ndarray):
        return value
    if not isinstance(value, Tensor) and hasattr(value, "detach") and hasattr(value, "numpy"):
        return np.asarray(value.detach().cpu().numpy())
    return None


def _is_flat_state(obj: Any) -> bool:
    if not isinstance(obj, dict):
        return False
    return all(
        isinstance(k, str) and k != MANIFEST and _plain_member_name(k) and _as_array(v) is not None
        for k, v in obj.items()
    )


def _plain_member_name(key: str) -> bool:
    """Whether ``key`` survives as a zip member name (zipfile cuts names at a NUL and,
    on Windows, turns backslashes into slashes); other keys go through the manifest."""
    return "\x00" not in key and (os.sep == "/" or os.sep not in key)


def _check_array(array: np.ndarray, where: str) -> np.ndarray:
    if array.dtype.hasobject:
        raise TypeError(
            f"save: {where} is a NumPy array of dtype object, which could only be stored "
            "with pickle; convert it to a numeric array (or a list)"
        )
    return array


class _Encoder:
    """Turns a nested object into JSON-able nodes plus a list of arrays.

    Nodes are small lists: ``["none"]``, ``["bool", b]``, ``["int", "123"]`` (a string,
    so ints of any size survive JSON), ``["float", float.hex(x)]`` (exact, inf and nan
    included), ``["str", s]``, ``["array", i]``, ``["tensor", i, requires_grad]``,
    ``["scalar", i]`` (a NumPy scalar), ``["list"|"tuple", [nodes]]`` and
    ``["dict"|"odict", [[key node, value node], ...]]`` (keys keep their type).
    """

    def __init__(self) -> None:
        self.arrays: list[tuple[str, np.ndarray]] = []
        self._open: set[int] = set()

    def _array(self, array: np.ndarray, where: str) -> int:
        self.arrays.append((str(len(self.arrays)), _check_array(array, where)))
        return len(self.arrays) - 1

    def key(self, k: Any, where: str) -> list[Any]:
        if k is None or isinstance(k, (bool, int, float, str)):
            return self.node(k, where)
        raise TypeError(
            f"save: {where} has the key {k!r} of type {type(k).__name__}; dict keys must "
            "be str, int, float, bool or None"
        )

    def node(self, obj: Any, where: str) -> list[Any]:
        if obj is None:
            return ["none"]
        if isinstance(obj, bool):
            return ["bool", obj]
        if isinstance(obj, int):
            return ["int", str(int(obj))]
        if isinstance(obj, float):
            return ["float", float.hex(float(obj))]
        if isinstance(obj, str):
            return ["str", str(obj)]
        if isinstance(obj, Tensor):
            return ["tensor", self._array(obj._data, where), bool(obj.requires_grad)]
        if isinstance(obj, np.generic):
            return ["scalar", self._array(np.asarray(obj), where)]
        array = _as_array(obj)
        if array is not None:
            return ["array", self._array(array, where)]
        if isinstance(obj, (dict, list, tuple)):
            if id(obj) in self._open:
                raise TypeError(f"save: {where} contains itself; cannot store a cycle")
            self._open.add(id(obj))
            try:
                if isinstance(obj, dict):
                    kind = "odict" if isinstance(obj, OrderedDict) else "dict"
                    items = [
                        [self.key(k, where), self.node(v, f"{where}[{k!r}]")]
                        for k, v in obj.items()
                    ]
                    return [kind, items]
                kind = "tuple" if isinstance(obj, tuple) else "list"
                return [kind, [self.node(v, f"{where}[{i}]") for i, v in enumerate(obj)]]
            finally:
                self._open.discard(id(obj))
        raise TypeError(
            f"save: {where} is a {type(obj).__name__}; save() stores dicts, lists and "
            "tuples of arrays, Tensors, numbers (int, float, bool), strings and None"
        )


def _members(obj: Any) -> list[tuple[str, np.ndarray]]:
    """Every archive member of ``obj``; raises TypeError before anything is written."""
    if _is_flat_state(obj):
        # (_is_flat_state checked that every value gives an array, never None)
        return [
            (key, _check_array(_as_array(value), f"obj[{key!r}]"))  # type: ignore[arg-type]
            for key, value in obj.items()
        ]
    encoder = _Encoder()
    root = encoder.node(obj, "obj")
    text = json.dumps({"format": _FORMAT, "root": root}, separators=(",", ":"))
    manifest = np.frombuffer(text.encode("utf-8"), dtype=np.uint8)
    return [*encoder.arrays, (MANIFEST, manifest)]


def save_file(obj: Any, path: str | os.PathLike[str], what: str = "save") -> Path:
    """:func:`save`, returning the path written (for ``Module.save``)."""
    members = _members(obj)
    return atomic_write(path, lambda f: _write_npz(f, members), what)


def save(obj: Any, path: str | os.PathLike[str]) -> None:
    """Write ``obj`` to ``path`` atomically, in NumPy's ``.npz`` format (never pickle).

    Parameters
    ----------
    obj : dict, list, tuple, array, Tensor, number, str or None, nested
        E.g. ``model.state_dict()``, ``optimizer.state_dict()``, or a checkpoint dict
        holding both. Dict keys must be str, int, float, bool or None. Tensors keep
        their dtype and ``requires_grad``; torch tensors are stored as NumPy arrays.
    path : str or os.PathLike
        Used exactly as given (``"m.pth"`` writes ``m.pth``). The folder must exist.

    Raises
    ------
    TypeError
        For an object that cannot be stored (a function, a set, an object array, ...),
        naming where it sits (``obj['optimizer']['state'][0]``); nothing is written.
    IsADirectoryError
        If ``path`` is a directory.
    """
    save_file(obj, path)


# ----------------------------------------------------------------------------- reading
def _describe_start(head: bytes) -> str:
    try:
        text = head.decode("utf-8")
    except UnicodeDecodeError:
        return f"an unknown binary file (it starts with the bytes {head[:8]!r})"
    if text.isprintable() or all(c.isprintable() or c in "\r\n\t" for c in text):
        return f"a text file (it starts with {text[:40]!r})"
    return f"an unknown binary file (it starts with the bytes {head[:8]!r})"


def _open_archive(target: Path, what: str) -> Any:
    """``np.load`` of a checked ``.npz``; a clear ValueError for every other kind of file."""
    expected = "expected an .npz archive written by Module.save / autograd.save (or np.savez)"
    with open(target, "rb") as f:
        head = f.read(64)
    if not head:
        raise ValueError(
            f"{what}: {str(target)!r} is empty (0 bytes) -- a save that was cut short by an "
            f"older version, or not a checkpoint; {expected}"
        )
    if head.startswith(_NPY_MAGIC):
        raise ValueError(
            f"{what}: {str(target)!r} holds a single NumPy array (.npy, written by np.save), "
            f"not a dict of arrays; {expected}. Read it with np.load(path)"
        )
    if head[:1] == b"\x80":
        raise ValueError(
            f"{what}: {str(target)!r} is a Python pickle; loading pickles can run arbitrary "
            f"code, so it is refused (allow_pickle=False); {expected}"
        )
    if not head.startswith(_ZIP_MAGICS):
        raise ValueError(f"{what}: {str(target)!r} is {_describe_start(head)}; {expected}")
    try:
        archive = np.load(target, allow_pickle=False)
    except (zipfile.BadZipFile, EOFError, ValueError, OSError) as err:
        raise ValueError(
            f"{what}: {str(target)!r} is truncated or corrupted ({err}); {expected}"
        ) from None
    foreign = [name for name in archive.zip.namelist() if not name.endswith(".npy")]
    if foreign:
        archive.close()
        if any(name.endswith("data.pkl") for name in foreign):
            raise ValueError(
                f"{what}: {str(target)!r} was written by torch.save (it holds a pickle, "
                f"{foreign[0]!r}), which is refused; in PyTorch write it as NumPy instead: "
                "autograd.save({k: v.numpy() for k, v in torch_model.state_dict().items()}, "
                "path)"
            )
        raise ValueError(
            f"{what}: {str(target)!r} is a zip archive but not NumPy's .npz (it holds "
            f"{foreign[:3]}); {expected}"
        )
    return archive


def _read_members(archive: Any, target: Path, what: str) -> dict[str, np.ndarray]:
    out: dict[str, np.ndarray] = {}
    for name in archive.files:
        try:
            out[name] = archive[name]
        except ValueError as err:
            if "pickle" in str(err):
                raise ValueError(
                    f"{what}: member {name!r} of {str(target)!r} is a NumPy object array, "
                    "which can only be read by unpickling; refused (allow_pickle=False)"
                ) from None
            raise ValueError(
                f"{what}: member {name!r} of {str(target)!r} is truncated or corrupted ({err})"
            ) from None
        except (zipfile.BadZipFile, EOFError, OSError) as err:
            raise ValueError(
                f"{what}: member {name!r} of {str(target)!r} is truncated or corrupted ({err})"
            ) from None
    return out


class _Decoder:
    def __init__(self, arrays: dict[str, np.ndarray], where: str) -> None:
        self.arrays, self.where = arrays, where

    def _array(self, index: Any) -> np.ndarray:
        try:
            return self.arrays[str(index)]
        except KeyError:
            raise ValueError(
                f"{self.where}: the file's description refers to array {index!r}, which the "
                "archive lacks; the file is corrupted"
            ) from None

    def node(self, node: Any) -> Any:
        try:
            kind = node[0]
        except (TypeError, IndexError, KeyError):
            kind = None
        if kind == "none":
            return None
        if kind == "bool":
            return bool(node[1])
        if kind == "int":
            return int(node[1])
        if kind == "float":
            return float.fromhex(node[1])
        if kind == "str":
            return str(node[1])
        if kind == "array":
            return self._array(node[1])
        if kind == "scalar":
            return self._array(node[1])[()]
        if kind == "tensor":
            data = self._array(node[1])
            return Tensor(data, requires_grad=bool(node[2]), dtype=data.dtype)
        if kind in ("list", "tuple"):
            items = [self.node(v) for v in node[1]]
            return tuple(items) if kind == "tuple" else items
        if kind in ("dict", "odict"):
            pairs = ((self.node(k), self.node(v)) for k, v in node[1])
            return OrderedDict(pairs) if kind == "odict" else dict(pairs)
        raise ValueError(
            f"{self.where}: the file's description has an unknown entry {str(node)[:60]!r}; "
            "the file is corrupted or from a newer deltagrad"
        )


def load_file(path: str | os.PathLike[str], what: str = "load") -> Any:
    """:func:`load` with the caller's name in error messages."""
    target = checked_target(path, what)
    if not target.exists():
        raise FileNotFoundError(f"{what}: no such file {str(target)!r}")
    with _open_archive(target, what) as archive:
        arrays = _read_members(archive, target, what)
    if MANIFEST not in arrays:
        return OrderedDict(arrays)
    manifest = arrays.pop(MANIFEST)
    try:
        description = json.loads(manifest.tobytes().decode("utf-8"))
        root = description["root"]
        ok = description.get("format") == _FORMAT
    except (ValueError, KeyError, TypeError, AttributeError):
        ok = False
    if not ok:
        raise ValueError(
            f"{what}: {str(target)!r} has a {MANIFEST!r} member that is not a valid "
            "description; the file is corrupted or from a newer deltagrad"
        )
    return _Decoder(arrays, f"{what}: {str(target)!r}").node(root)


def load(
    path: str | os.PathLike[str],
    map_location: Any = None,
    *,
    weights_only: bool = True,
    mmap: Any = None,
) -> Any:
    """Read what :func:`save` wrote (or any ``.npz`` of numeric arrays), without pickle.

    ``torch.load``'s keywords are accepted so ported code runs: ``map_location`` must
    name the CPU (anything else raises ``ValueError``), and ``weights_only`` changes
    nothing -- loading here never runs pickled code, so it is always "weights only".

    Returns
    -------
    object
        The saved structure: dicts (``OrderedDict`` where one was saved), lists,
        tuples, NumPy arrays, Tensors, numbers, strings, None. A plain ``.npz`` -- such
        as a state dict or a file from ``np.savez`` -- comes back as an ``OrderedDict``
        of arrays in file order, ready for ``model.load_state_dict``.

    Raises
    ------
    FileNotFoundError, IsADirectoryError
    ValueError
        If the file is not such an archive, saying what it is instead: a single
        ``.npy`` array, a text file, a pickle, a ``torch.save`` file, an empty or
        truncated file.
    """
    if (
        map_location is not None
        and not callable(map_location)
        and not isinstance(map_location, dict)
    ):
        from .devices import check_device

        check_device("load: map_location", map_location)
    return load_file(path)
