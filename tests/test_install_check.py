"""``tests/install_check.py`` (``make install-check``) finds the same Pythons as the Makefile.

The check itself installs nine environments (minutes): run it with ``make install-check``.
Here only what can drift cheaply: the script's own discovery, used when it runs without
arguments, must agree with ``MATRIX_PYTHONS``, which ``make install-check`` passes it.
"""

from __future__ import annotations

import importlib.util
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _install_check():
    spec = importlib.util.spec_from_file_location(
        "install_check", ROOT / "tests" / "install_check.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


def _make_pythons() -> list[str]:
    make = shutil.which("make")
    if make is None:
        pytest.skip("no `make` here")
    rule = "print-matrix-pythons: ; @echo $(MATRIX_PYTHONS)"
    done = subprocess.run(
        [make, "-s", "-C", str(ROOT), "--eval", rule, "print-matrix-pythons"],
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout.split()


def test_discovery_matches_the_makefile() -> None:
    assert _install_check().find_pythons() == _make_pythons()


def test_make_test_does_not_run_it() -> None:
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    recipe = makefile.split("\ntest: $(STAMP)", 1)[1].split("\n\n", 1)[0]
    assert "install_check" not in recipe and "install-check" not in recipe
    assert "$(BIN)/python tests/install_check.py $(MATRIX_PYTHONS)" in makefile
