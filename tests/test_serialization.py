"""Checkpoint files: ``autograd.save``/``autograd.load`` and ``Module.save``/``Module.load``.

Writes are atomic (a failed or interrupted save leaves the previous file intact and no
temporary file behind), the path is used exactly as given, nothing is ever pickled, and
loading a file of the wrong kind says what the file is and what was expected.
"""

from __future__ import annotations

import math
import os
import pickle
import zipfile
from collections import OrderedDict
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import autograd
import nn
from autograd import Tensor
from nn.optim import SGD, Adam
from nn.optim.lr_scheduler import StepLR


def model_arrays(model: nn.Module) -> dict[str, np.ndarray]:
    return {k: v.copy() for k, v in model.state_dict().items()}


def assert_arrays_equal(got: dict[str, np.ndarray], want: dict[str, np.ndarray]) -> None:
    assert list(got) == list(want)
    for key in want:
        assert got[key].dtype == want[key].dtype, key
        np.testing.assert_array_equal(got[key], want[key])


def perturb(model: nn.Module) -> None:
    for p in model.parameters():
        p.data += 1.0


class WriterFails:
    """Stands in for ``np.lib.format.write_array``: writes ``ok`` arrays, then raises."""

    def __init__(self, exc: BaseException, ok: int = 1) -> None:
        self.exc, self.ok, self.calls = exc, ok, 0
        self.real = np.lib.format.write_array

    def __call__(self, fp: Any, array: np.ndarray, *args: Any, **kwargs: Any) -> None:
        self.calls += 1
        if self.calls > self.ok:
            fp.write(b"\0" * 64)  # a partial member, as a full disk would leave
            raise self.exc
        self.real(fp, array, *args, **kwargs)


# ----------------------------------------------------------------------------- paths
@pytest.mark.parametrize("name", ["ckpt", "m.pth", "w.npz", "dir.with.dots/x"])
def test_module_save_uses_the_path_exactly(tmp_path: Path, name: str) -> None:
    path = tmp_path / name
    path.parent.mkdir(exist_ok=True)
    src, dst = nn.MLP([3, 4, 2], rng=0), nn.MLP([3, 4, 2], rng=1)
    returned = src.save(str(path))
    assert returned == path
    assert sorted(os.listdir(path.parent)) == [path.name]  # nothing else, no ".npz" added
    assert dst.load(str(path)) is dst  # the same string works for load
    assert_arrays_equal(model_arrays(dst), model_arrays(src))


def test_save_refuses_a_directory(tmp_path: Path) -> None:
    (tmp_path / "keep").write_text("x")
    with pytest.raises(IsADirectoryError, match=r"is a directory.*file name"):
        nn.Linear(2, 2).save(tmp_path)
    with pytest.raises(IsADirectoryError, match="is a directory"):
        autograd.save({"a": np.zeros(2)}, str(tmp_path) + os.sep)
    with pytest.raises(IsADirectoryError, match="is a directory"):
        nn.Linear(2, 2).load(tmp_path)
    assert sorted(os.listdir(tmp_path)) == ["keep"]


def test_save_into_a_missing_folder_names_the_folder(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="no-such-folder"):
        nn.Linear(2, 2).save(tmp_path / "no-such-folder" / "m.npz")


def test_load_of_a_missing_file_names_it(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="nothing.npz"):
        autograd.load(tmp_path / "nothing.npz")


# ----------------------------------------------------------------------------- atomicity
@pytest.mark.parametrize(
    "exc",
    [OSError(28, "No space left on device"), KeyboardInterrupt()],
    ids=["disk-full", "ctrl-c"],
)
def test_failed_module_save_keeps_the_previous_checkpoint(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, exc: BaseException
) -> None:
    model = nn.MLP([4, 8, 3], rng=0)
    path = tmp_path / "ckpt.npz"
    model.save(path)
    good = model_arrays(model)
    perturb(model)
    writer = WriterFails(exc, ok=2)
    monkeypatch.setattr(np.lib.format, "write_array", writer)
    with pytest.raises(type(exc)):
        model.save(path)
    assert writer.calls == 3  # it really failed midway
    monkeypatch.undo()
    assert os.listdir(tmp_path) == ["ckpt.npz"]  # the temporary file is gone
    fresh = nn.MLP([4, 8, 3], rng=5)
    fresh.load(path)
    assert_arrays_equal(model_arrays(fresh), good)


@pytest.mark.parametrize(
    "exc",
    [OSError(28, "No space left on device"), KeyboardInterrupt()],
    ids=["disk-full", "ctrl-c"],
)
def test_failed_autograd_save_keeps_the_previous_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, exc: BaseException
) -> None:
    path = tmp_path / "state.pth"
    first = {"w": np.arange(6.0).reshape(2, 3), "nested": {"b": np.ones(3, np.float32)}}
    autograd.save(first, path)
    monkeypatch.setattr(np.lib.format, "write_array", WriterFails(exc, ok=1))
    with pytest.raises(type(exc)):
        autograd.save({"w": np.zeros((2, 3)), "nested": {"b": np.zeros(3)}}, path)
    monkeypatch.undo()
    assert os.listdir(tmp_path) == ["state.pth"]
    back = autograd.load(path)
    np.testing.assert_array_equal(back["w"], first["w"])
    np.testing.assert_array_equal(back["nested"]["b"], first["nested"]["b"])


def test_failing_fsync_leaves_no_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def broken_fsync(fd: int) -> None:
        raise OSError(5, "Input/output error")

    monkeypatch.setattr(os, "fsync", broken_fsync)
    with pytest.raises(OSError, match="Input/output"):
        nn.Linear(2, 2).save(tmp_path / "m.npz")
    assert os.listdir(tmp_path) == []


def test_save_replaces_a_read_only_old_file_only_when_complete(tmp_path: Path) -> None:
    path = tmp_path / "m.npz"
    a, b = nn.Linear(3, 2, rng=0), nn.Linear(3, 2, rng=1)
    a.save(path)
    b.save(path)  # os.replace over the old file
    c = nn.Linear(3, 2, rng=2).load(path)
    assert_arrays_equal(model_arrays(c), model_arrays(b))


# ----------------------------------------------------------------------------- wrong files
def test_loading_an_npy_file_says_what_it_is(tmp_path: Path) -> None:
    path = tmp_path / "w.npy"
    np.save(path, np.zeros((2, 2)))
    with pytest.raises(ValueError, match=r"single NumPy array \(\.npy.*\.npz archive"):
        nn.Linear(2, 2).load(path)
    with pytest.raises(ValueError, match=r"single NumPy array \(\.npy"):
        autograd.load(path)


def test_loading_a_text_file_says_what_it_is(tmp_path: Path) -> None:
    path = tmp_path / "notes.txt"
    path.write_text("epoch 3: loss 0.25\n")
    with pytest.raises(ValueError, match=r"text file.*expected.*\.npz") as info:
        nn.Linear(2, 2).load(path)
    assert "pickle" not in str(info.value)  # NumPy's own message blames pickling


def test_loading_an_empty_or_truncated_file_says_so(tmp_path: Path) -> None:
    empty = tmp_path / "empty.npz"
    empty.write_bytes(b"")
    with pytest.raises(ValueError, match="empty"):
        autograd.load(empty)
    whole = tmp_path / "whole.npz"
    nn.Linear(8, 8).save(whole)
    cut = tmp_path / "cut.npz"
    cut.write_bytes(whole.read_bytes()[: whole.stat().st_size // 2])
    with pytest.raises(ValueError, match="truncated or corrupted"):
        nn.Linear(8, 8).load(cut)


def test_loading_a_pickle_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "evil.pkl"
    path.write_bytes(pickle.dumps({"weight": np.zeros((2, 2))}))
    with pytest.raises(ValueError, match="pickle"):
        autograd.load(path)


def test_loading_a_torch_save_file_explains_the_conversion(tmp_path: Path) -> None:
    torch = pytest.importorskip("torch")
    path = tmp_path / "t.pth"
    torch.save(torch.nn.Linear(2, 2).state_dict(), path)
    with pytest.raises(ValueError, match=r"torch\.save.*numpy\(\)"):
        nn.Linear(2, 2).load(path)


def test_module_load_of_a_nested_checkpoint_points_to_autograd_load(tmp_path: Path) -> None:
    model = nn.Linear(2, 2)
    path = tmp_path / "all.npz"
    autograd.save({"model": model.state_dict(), "epoch": 3}, path)
    before = model_arrays(model)
    with pytest.raises(ValueError, match=r"'epoch', 'model'.*autograd\.load"):
        model.load(path)
    assert_arrays_equal(model_arrays(model), before)


# ----------------------------------------------------------------------------- autograd.save
def test_state_dict_round_trip_like_torch_save(tmp_path: Path) -> None:
    src, dst = nn.MLP([4, 6, 2], rng=0), nn.MLP([4, 6, 2], rng=9)
    autograd.save(src.state_dict(), tmp_path / "m.pth")
    loaded = autograd.load(tmp_path / "m.pth")
    assert isinstance(loaded, OrderedDict) and list(loaded) == list(src.state_dict())
    dst.load_state_dict(loaded)
    assert_arrays_equal(model_arrays(dst), model_arrays(src))
    # a plain NumPy archive: readable without deltagrad, without pickle
    with np.load(tmp_path / "m.pth", allow_pickle=False) as archive:
        assert archive.files == list(src.state_dict())
    # and Module.save writes the very same format
    src.save(tmp_path / "m2.pth")
    assert_arrays_equal(autograd.load(tmp_path / "m2.pth"), model_arrays(src))


def test_nested_structures_round_trip_with_their_types(tmp_path: Path) -> None:
    obj = {
        "name": "run-1",
        "epoch": 7,
        "big": 2**70,
        "lr": 0.1,
        "best": math.inf,
        "worst": -math.inf,
        "flag": True,
        "nothing": None,
        "np_scalar": np.float32(1.5),
        "ints": np.arange(5, dtype=np.int64),
        "mask": np.array([True, False]),
        "half": np.ones((2, 2), np.float16),
        "tensor": Tensor(np.arange(3.0), requires_grad=True),
        "int_tensor": Tensor(np.arange(3), dtype=np.int64),
        "pair": (0.9, 0.999),
        "list": [1, "two", [3.0, np.zeros(1)]],
        "ordered": OrderedDict([("b", 1), ("a", 2)]),
        3: {"int keys": "kept"},
        "slash/key": np.ones(1),
        "": "empty key",
        "nul\x00key": np.arange(2),
    }
    path = tmp_path / "obj.bin"
    autograd.save(obj, path)
    back = autograd.load(path)
    assert list(back) == list(obj)
    for key in ("name", "epoch", "big", "lr", "best", "worst", "flag", "nothing", "pair", 3, ""):
        assert back[key] == obj[key] and type(back[key]) is type(obj[key]), key
    assert type(back["np_scalar"]) is np.float32 and back["np_scalar"] == 1.5
    for key in ("ints", "mask", "half", "slash/key", "nul\x00key"):
        assert back[key].dtype == obj[key].dtype
        np.testing.assert_array_equal(back[key], obj[key])
    assert isinstance(back["tensor"], Tensor) and back["tensor"].requires_grad
    assert back["tensor"].dtype == np.float64
    np.testing.assert_array_equal(back["tensor"].data, [0.0, 1.0, 2.0])
    assert back["int_tensor"].dtype == np.int64 and not back["int_tensor"].requires_grad
    assert back["list"][:2] == [1, "two"] and back["list"][2][0] == 3.0
    np.testing.assert_array_equal(back["list"][2][1], np.zeros(1))
    assert type(back["ordered"]) is OrderedDict and list(back["ordered"]) == ["b", "a"]
    nan_back = autograd.load(_saved(tmp_path, {"x": math.nan}))
    assert math.isnan(nan_back["x"])
    # every member is a .npy array: np.load without pickle reads all of it
    with zipfile.ZipFile(path) as zf:
        assert all(name.endswith(".npy") for name in zf.namelist())
    with np.load(path, allow_pickle=False) as archive:
        for name in archive.files:
            archive[name]


def test_flat_dict_with_unusual_keys_round_trips(tmp_path: Path) -> None:
    obj = {"a/b": np.ones(2), "c\x00d": np.zeros(1), "e.npy": np.arange(3), "": np.ones(1)}
    back = autograd.load(_saved(tmp_path, obj))
    assert list(back) == list(obj)
    for key in obj:
        np.testing.assert_array_equal(back[key], obj[key])


def _saved(tmp_path: Path, obj: Any) -> Path:
    path = tmp_path / "tmp.npz"
    autograd.save(obj, path)
    return path


def test_optimizer_and_scheduler_checkpoint_resumes_identically(tmp_path: Path) -> None:
    rng = np.random.default_rng(0)
    X = rng.normal(size=(16, 3))

    def run(model: nn.Module, opt: Any, sched: Any, steps: int) -> None:
        for _ in range(steps):
            opt.zero_grad()
            ((model(Tensor(X)) ** 2).mean()).backward()
            opt.step()
            sched.step()

    model = nn.MLP([3, 5, 1], rng=1)
    opt = Adam(model.parameters(), lr=0.05, amsgrad=True)
    sched = StepLR(opt, step_size=2, gamma=0.5)
    run(model, opt, sched, 3)
    path = tmp_path / "ckpt.pth"
    autograd.save(
        {
            "model": model.state_dict(),
            "optimizer": opt.state_dict(),
            "scheduler": sched.state_dict(),
            "epoch": 3,
        },
        path,
    )
    run(model, opt, sched, 4)
    want = model_arrays(model)

    model2 = nn.MLP([3, 5, 1], rng=7)
    opt2 = Adam(model2.parameters(), lr=1.0)
    sched2 = StepLR(opt2, step_size=2, gamma=0.5)
    ckpt = autograd.load(path)
    model2.load_state_dict(ckpt["model"])
    opt2.load_state_dict(ckpt["optimizer"])
    sched2.load_state_dict(ckpt["scheduler"])
    assert ckpt["epoch"] == 3
    run(model2, opt2, sched2, 4)
    assert_arrays_equal(model_arrays(model2), want)


def test_sgd_state_dict_structure_survives_the_file(tmp_path: Path) -> None:
    params = [Tensor(np.ones((2, 2)), requires_grad=True)]
    opt = SGD(params, lr=0.1, momentum=0.9)
    params[0].grad = Tensor(np.full((2, 2), 0.5))
    opt.step()
    sd = autograd.load(_saved(tmp_path, opt.state_dict()))
    assert set(sd) == {"state", "param_groups"} and list(sd["state"]) == [0]
    assert sd["param_groups"][0]["params"] == [0]
    np.testing.assert_array_equal(sd["state"][0]["momentum_buffer"], np.full((2, 2), 0.5))


def test_torch_tensors_are_saved_as_arrays(tmp_path: Path) -> None:
    torch = pytest.importorskip("torch")
    torch.manual_seed(0)
    theirs = torch.nn.Linear(3, 2)
    ours = nn.Linear(3, 2)
    ours.load_state_dict(autograd.load(_saved(tmp_path, theirs.state_dict())))
    np.testing.assert_array_equal(ours.weight.data, theirs.weight.detach().numpy())


@pytest.mark.parametrize(
    "obj, pattern",
    [
        ({"f": print}, r"\['f'\].*builtin_function_or_method"),
        ({"a": [1, {2}]}, r"\['a'\]\[1\].*set"),
        ({"o": np.array([{}, []], dtype=object)}, r"\['o'\].*object.*pickle"),
        ({(1, 2): 3}, "dict keys"),
        ({"c": 1 + 2j}, r"\['c'\].*complex"),
    ],
    ids=["function", "set", "object-array", "tuple-key", "complex"],
)
def test_unsupported_objects_are_refused_before_writing(
    tmp_path: Path, obj: Any, pattern: str
) -> None:
    path = tmp_path / "x.npz"
    with pytest.raises(TypeError, match=pattern):
        autograd.save(obj, path)
    assert os.listdir(tmp_path) == []


# ----------------------------------------------------------------------------- Ctrl-C
@pytest.fixture
def sigint_raises() -> Any:
    import signal
    import threading

    if threading.current_thread() is not threading.main_thread():
        pytest.skip("signals are only delivered to the main thread")
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    yield
    signal.signal(signal.SIGINT, previous)


def test_ctrl_c_during_load_state_dict_loads_everything(
    monkeypatch: pytest.MonkeyPatch, sigint_raises: None
) -> None:
    import signal

    src, dst = nn.MLP([4, 8, 3], rng=0), nn.MLP([4, 8, 3], rng=1)
    real_copyto = np.copyto
    calls = {"n": 0}

    def copyto(*args: Any, **kwargs: Any) -> None:
        calls["n"] += 1
        if calls["n"] == 2:  # Ctrl-C while the second array is copied
            signal.raise_signal(signal.SIGINT)
        real_copyto(*args, **kwargs)

    monkeypatch.setattr(np, "copyto", copyto)
    with pytest.raises(KeyboardInterrupt):
        dst.load_state_dict(src.state_dict())
    monkeypatch.undo()
    assert calls["n"] == 4  # every array was copied before the interrupt took effect
    assert_arrays_equal(model_arrays(dst), model_arrays(src))
