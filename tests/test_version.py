"""``autograd.__version__``: the version of the code that runs, from pyproject.toml."""

from __future__ import annotations

import importlib.metadata
import subprocess
import sys
import tomllib
from importlib.metadata import PackageNotFoundError
from pathlib import Path

import pytest

import autograd
import deltagrad
from autograd import version as version_module

ROOT = Path(__file__).resolve().parent.parent


def test_both_names_give_the_checkouts_pyproject_version() -> None:
    with open(ROOT / "pyproject.toml", "rb") as f:
        written = tomllib.load(f)["project"]["version"]
    assert autograd.__version__ == written
    assert deltagrad.__version__ == written
    assert version_module.read_version() == written


def test_a_checkout_reports_its_own_pyproject_not_an_installed_copy(tmp_path, monkeypatch) -> None:
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "deltagrad"\nversion = "9.8.7"\n')
    monkeypatch.setattr(importlib.metadata, "version", lambda name: "0.0.1")  # an installed copy
    assert version_module.read_version(tmp_path) == "9.8.7"


@pytest.mark.parametrize(
    "pyproject",
    [
        None,  # an installed wheel: no pyproject.toml beside the packages
        '[project]\nname = "someone-else"\nversion = "3.0"\n',  # not ours
        "[project\nname = ",  # unreadable
    ],
)
def test_else_the_installed_metadata_answers(tmp_path, monkeypatch, pyproject) -> None:
    if pyproject is not None:
        (tmp_path / "pyproject.toml").write_text(pyproject)
    asked = []
    monkeypatch.setattr(importlib.metadata, "version", lambda name: asked.append(name) or "1.2.3")
    assert version_module.read_version(tmp_path) == "1.2.3"
    assert asked == ["deltagrad"]


def test_neither_gives_a_valid_version_that_sorts_first(tmp_path, monkeypatch) -> None:
    def missing(name: str) -> str:
        raise PackageNotFoundError(name)

    monkeypatch.setattr(importlib.metadata, "version", missing)
    assert version_module.read_version(tmp_path) == "0+unknown"


def test_importing_the_packages_reads_no_version() -> None:
    # The version is looked up on first use: importing importlib.metadata at import time
    # added ~2,800 objects that every full garbage collection scans (and ~15 ms).
    code = (
        "import sys, autograd, nn, viz, deltagrad\n"
        "print(sorted(m for m in ('tomllib', 'importlib.metadata') if m in sys.modules))\n"
        "print(autograd.__version__ == deltagrad.__version__)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT
    ).stdout.split("\n")
    assert out[0] == "[]"
    assert out[1] == "True"


def test_type_checkers_know_the_version_and_still_catch_misspelled_names(tmp_path) -> None:
    # A module-level __getattr__ seen by a type checker makes every attribute of the module
    # valid (PEP 562), so ``autograd.tensr`` would pass unnoticed; the lazy lookup is
    # hidden from checkers behind TYPE_CHECKING, which see ``__version__: str`` instead.
    pytest.importorskip("mypy")
    code = tmp_path / "uses_version.py"
    code.write_text(
        "import autograd\nimport deltagrad\n"
        "a: str = autograd.__version__\nb: str = deltagrad.__version__\n"
        "autograd.tensr\ndeltagrad.tensr\n"
    )
    result = subprocess.run(
        [sys.executable, "-m", "mypy", "--cache-dir", str(tmp_path / "cache"), str(code)],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    errors = [line for line in result.stdout.splitlines() if ": error:" in line]
    assert [line.split(":")[1] for line in errors] == ["5", "6"], result.stdout
    assert all('has no attribute "tensr"' in line for line in errors)
