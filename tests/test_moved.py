"""The old import paths of nn's modules (before nn.data/models/textbook/scalar) keep
working for one release: the same objects, and a DeprecationWarning naming the new path."""

from __future__ import annotations

import importlib
import subprocess
import sys
import warnings

import pytest

import nn
from nn._moved import KEPT, MOVED

WHOLE = {old: new for old, new in MOVED.items() if isinstance(new, str)}


def _forget(monkeypatch: pytest.MonkeyPatch, old: str) -> None:
    """As if ``old`` had never been imported (restored after the test)."""
    monkeypatch.delitem(sys.modules, old, raising=False)
    if old.split(".")[1] in vars(nn):  # vars: a plain getattr would import the old path
        monkeypatch.delattr(nn, old.split(".")[1])


def _fresh_import(monkeypatch: pytest.MonkeyPatch, old: str) -> object:
    _forget(monkeypatch, old)
    return importlib.import_module(old)


@pytest.mark.parametrize("old,new", sorted(WHOLE.items()))
def test_moved_module_is_the_new_one_and_warns_with_its_path(
    monkeypatch: pytest.MonkeyPatch, old: str, new: str
) -> None:
    with pytest.warns(DeprecationWarning, match=rf"^{old} has moved: import {new} instead") as rec:
        module = _fresh_import(monkeypatch, old)
    assert module is importlib.import_module(new)
    assert module.__name__ == new and module.__spec__.name == new  # its own identity kept
    assert rec[0].filename == __file__  # the warning points at the importing line


def test_split_module_gives_each_old_name_from_its_new_home(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    with pytest.warns(DeprecationWarning) as rec:
        old = _fresh_import(monkeypatch, "nn.sequence")
    message = str(rec[0].message)
    for home in (
        "nn.data.sequence",
        "nn.functional.loss",
        "nn.train.truncated_bptt",
        "nn.models.char_rnn",
    ):
        assert home in message
    for name, home in MOVED["nn.sequence"].items():
        assert getattr(old, name) is getattr(importlib.import_module(home), name)
    assert "CharRNN" in old.__all__ and "fit_truncated_bptt" in old.__all__


def test_old_names_resolve_from_nn_itself(monkeypatch: pytest.MonkeyPatch) -> None:
    _forget(monkeypatch, "nn.rtrl")
    with pytest.warns(DeprecationWarning, match="nn.textbook.rtrl"):
        from nn import rtrl
    assert rtrl is importlib.import_module("nn.textbook.rtrl")
    with pytest.raises(AttributeError, match="no attribute 'not_a_module'"):
        nn.not_a_module  # noqa: B018


@pytest.mark.parametrize("old,new", sorted(KEPT.items()))
def test_kept_paths_do_not_warn(monkeypatch: pytest.MonkeyPatch, old: str, new: str) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert _fresh_import(monkeypatch, old) is importlib.import_module(new)


def test_top_level_names_stay() -> None:
    from nn.data import SequenceLoader, detach_state
    from nn.models import Bagging, CharRNN, Decoder, Encoder, Seq2Seq

    assert (nn.CharRNN, nn.Seq2Seq, nn.Encoder, nn.Decoder, nn.Bagging) == (
        CharRNN,
        Seq2Seq,
        Encoder,
        Decoder,
        Bagging,
    )
    assert (nn.SequenceLoader, nn.detach_state) == (SequenceLoader, detach_state)


def test_importing_nn_imports_no_old_path_and_warns_nothing() -> None:
    code = (
        "import sys, warnings\n"
        "warnings.simplefilter('error')\n"
        "import nn, nn.data, nn.datasets, nn.models, nn.textbook, nn.scalar, nn.train\n"
        f"old = {sorted(MOVED)!r}\n"
        "assert not [m for m in old if m in sys.modules], 'an old path was imported'\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
