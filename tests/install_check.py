"""``make install-check``: does the built wheel install and work in a fresh environment?

Builds the sdist and the wheel once (the wheel from the unpacked sdist, as in
``tests/test_packaging.py``), runs ``twine check --strict`` on both, then for every Python
found (3.11, 3.12, 3.13, 3.14 on PATH or under ``~/.pyenv/versions``, as ``make test-matrix``
looks) and every install flavour (no extras, ``[render]``, ``[dev]``) makes a fresh virtual
environment, ``pip install``s the WHEEL with that extra and runs a smoke test from an empty
temporary folder (so nothing is imported from the checkout):

* ``import autograd, nn, viz, deltagrad`` from the environment's site-packages, with the
  ``py.typed`` markers and the text corpus installed;
* one backward pass through a ``Value`` and a ``Tensor`` (exact gradients);
* ``deltagrad --version`` prints the version in ``pyproject.toml``;
* ``python -m viz doctor`` without the system ``dot`` on PATH: with no extras it must
  report the missing renderer as a ``FIX`` line with its install command (exit status 1,
  no traceback); with ``[render]``/``[dev]`` every required part must be OK (exit status 0);
* with ``[render]``/``[dev]``: a graph drawn to PNG by the in-process renderer
  (``DELTAGRAD_NO_SYSTEM_DOT=1``); with no extras the same call must fail with a
  ``RenderError`` that names ``deltagrad[render]``.

Prints one table (Python x extra -> ok/FAIL, seconds) and exits 1 when anything failed.
Not part of ``make test``: it installs nine environments and takes several minutes.

Usage: ``python tests/install_check.py [--keep] [PYTHON ...]`` (default: the Pythons found).
"""

from __future__ import annotations

import argparse
import glob
import importlib.util
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import tomllib
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))
from test_packaging import _NOT_SOURCE, _build  # noqa: E402  (one build recipe, not two)

EXTRAS = ("", "render", "dev")
VERSIONS = ("3.11", "3.12", "3.13", "3.14")
VERSION = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["version"]

# Run by each fresh environment's Python, from an empty folder; argv[1] is the extra.
# Every check prints nothing on success and raises (a traceback, exit status 1) otherwise.
SMOKE = r"""
import os, subprocess, sys, sysconfig
from pathlib import Path

extra, version = sys.argv[1], sys.argv[2]
site = Path(sysconfig.get_paths()["purelib"]).resolve()

import autograd, nn, viz, deltagrad
for module in (autograd, nn, viz, deltagrad):
    folder = Path(module.__file__).resolve().parent
    assert folder.parent == site, f"{module.__name__} imported from {folder}, not {site}"
    assert (folder / "py.typed").is_file(), f"{module.__name__}: py.typed not installed"
corpus = site / "nn" / "data" / "corpus" / "tiny_shakespeare.txt"
assert corpus.stat().st_size > 1000, corpus

# d(a*b + a)/da = b + 1, d/db = a
a, b = autograd.Value(2.0), autograd.Value(-3.0)
out = a * b + a
out.backward()
assert (out.data, a.grad, b.grad) == (-4.0, -2.0, 2.0), (out.data, a.grad, b.grad)
# d(sum(x**2))/dx = 2x
x = autograd.Tensor([1.0, -2.0, 3.0], requires_grad=True)
(x * x).sum().backward()
assert x.grad.tolist() == [2.0, -4.0, 6.0], x.grad

bin_dir = Path(sys.executable).parent
done = subprocess.run([str(bin_dir / "deltagrad"), "--version"], capture_output=True,
                      text=True)
assert done.returncode == 0 and done.stdout.strip() == f"deltagrad {version}", done

# The doctor with no system `dot` (PATH holds only this environment's scripts).
env = dict(os.environ, PATH=str(bin_dir))
done = subprocess.run([sys.executable, "-m", "viz", "doctor"], capture_output=True,
                      text=True, env=env)
report = done.stdout + done.stderr
assert "Traceback" not in report, report
if extra:
    assert done.returncode == 0, report
    for name in ("renderer", "drawing", "autograd", "nn", "viz"):
        assert f"OK   {name}" in report, (name, report)
else:
    assert done.returncode == 1, report
    assert "FIX  renderer" in report, report
    assert "-> pip install 'deltagrad[render]'" in report, report

# A PNG from the in-process renderer (the system `dot` is ignored).
os.environ["DELTAGRAD_NO_SYSTEM_DOT"] = "1"
graph = viz.draw_graph(autograd.Value(2.0, label="a") * 3)
if extra:
    path = graph.save(Path.cwd() / "graph.png")
    data = path.read_bytes()
    assert data.startswith(b"\x89PNG\r\n\x1a\n") and len(data) > 500, len(data)
else:
    from viz.render.limits import RenderError
    try:
        graph.save(Path.cwd() / "graph.png")
    except RenderError as err:
        assert "deltagrad[render]" in str(err), str(err)
    else:
        raise AssertionError("drew a PNG without dot and without [render]")
"""


@dataclass
class Result:
    python: str
    extra: str
    ok: bool
    seconds: float
    log: str = ""


def find_pythons() -> list[str]:
    """``python3.X`` on PATH, else the newest ``~/.pyenv/versions/3.X.*``: the Makefile's
    MATRIX_PYTHONS discovery."""
    found = []
    for v in VERSIONS:
        exe = shutil.which(f"python{v}")  # a pyenv shim may exist and still fail: run it
        if exe and subprocess.run([exe, "-V"], capture_output=True).returncode == 0:
            found.append(f"python{v}")
            continue
        pyenv = sorted(glob.glob(os.path.expanduser(f"~/.pyenv/versions/{v}.*/bin/python")))
        if pyenv:
            found.append(pyenv[-1])
    return found


def _run(cmd: list[str], **kwargs) -> subprocess.CompletedProcess[str]:
    return subprocess.run(cmd, capture_output=True, text=True, **kwargs)


def _clean_env() -> dict[str, str]:
    """The caller's environment minus what would leak the checkout or the caller's venv."""
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("PYTHONPATH", "VIRTUAL_ENV", "PYTHONHOME", "DELTAGRAD_NO_SYSTEM_DOT")
    }
    env["MPLBACKEND"] = "Agg"
    return env


def build(tmp: Path) -> tuple[Path, Path]:
    """The sdist and the wheel, built from a copy of the checkout (which stays untouched)."""
    src, out = tmp / "src", tmp / "dist"
    shutil.copytree(ROOT, src, ignore=_NOT_SOURCE)
    out.mkdir()
    try:
        _build(src, out)
    except subprocess.CalledProcessError as exc:
        raise SystemExit(f"install-check: the build failed\n{exc.stdout}\n{exc.stderr}") from None
    (wheel,) = out.glob("deltagrad-*.whl")
    (sdist,) = out.glob("deltagrad-*.tar.gz")
    return wheel, sdist


def twine_check(tmp: Path, dists: tuple[Path, Path]) -> Result:
    """``twine check --strict``, with twine from this Python or a throwaway venv."""
    start = time.perf_counter()
    python = sys.executable
    if importlib.util.find_spec("twine") is None:
        venv = tmp / "venv-twine"
        done = _run([sys.executable, "-m", "venv", str(venv)])
        python = str(venv / "bin" / "python")
        if done.returncode == 0:
            done = _run([python, "-m", "pip", "install", "-q", "twine"], env=_clean_env())
        if done.returncode != 0:
            return Result(
                "twine", "check", False, time.perf_counter() - start, done.stdout + done.stderr
            )
    done = _run([python, "-m", "twine", "check", "--strict", *map(str, dists)])
    log = done.stdout + done.stderr
    ok = done.returncode == 0 and done.stdout.count("PASSED") == len(dists)
    return Result("twine", "check", ok, time.perf_counter() - start, log)


def install_and_smoke(python: str, extra: str, wheel: Path, tmp: Path) -> Result:
    """A fresh venv, the wheel with ``extra``, then SMOKE from an empty folder."""
    start = time.perf_counter()
    version = _run([python, "-c", "import sys; print('%d.%d' % sys.version_info[:2])"])
    label = version.stdout.strip() or python
    name = f"py{label}-{extra or 'none'}"
    venv, work = tmp / f"venv-{name}", tmp / f"run-{name}"
    work.mkdir()
    env = _clean_env()
    requirement = f"deltagrad{f'[{extra}]' if extra else ''} @ {wheel.as_uri()}"
    steps = [
        [python, "-m", "venv", str(venv)],
        [str(venv / "bin" / "python"), "-m", "pip", "install", "-q", requirement],
        [str(venv / "bin" / "python"), "-c", SMOKE, extra, VERSION],
    ]
    log = []
    for cmd in steps:
        done = _run(cmd, cwd=work, env=env)
        log.append(
            f"$ {' '.join(cmd[:4])}{' ...' if len(cmd) > 4 else ''}\n{done.stdout}{done.stderr}"
        )
        if done.returncode != 0:
            return Result(label, extra, False, time.perf_counter() - start, "\n".join(log))
    return Result(label, extra, True, time.perf_counter() - start)


def table(results: list[Result]) -> str:
    lines = [f"{'python':<8} {'extra':<8} {'result':<6} {'seconds':>8}"]
    for r in results:
        extra = r.extra if r.extra else "(none)"
        lines.append(f"{r.python:<8} {extra:<8} {'ok' if r.ok else 'FAIL':<6} {r.seconds:>8.1f}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("pythons", nargs="*", help="interpreters to check (default: found)")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder")
    args = parser.parse_args(argv)
    pythons = args.pythons or find_pythons()
    if not pythons:
        print("install-check: no Python 3.11+ found (python3.11 ... or ~/.pyenv/versions)")
        return 1
    tmp = Path(tempfile.mkdtemp(prefix="deltagrad-install-check-"))
    try:
        start = time.perf_counter()
        wheel, sdist = build(tmp)
        print(
            f"built {wheel.name} and {sdist.name} in {time.perf_counter() - start:.1f} s",
            flush=True,
        )
        results = [twine_check(tmp, (wheel, sdist))]
        for python in pythons:
            for extra in EXTRAS:
                results.append(install_and_smoke(python, extra, wheel, tmp))
                r = results[-1]
                print(
                    f"  {r.python} [{r.extra}]: {'ok' if r.ok else 'FAIL'} ({r.seconds:.1f} s)",
                    flush=True,
                )
        failed = [r for r in results if not r.ok]
        for r in failed:
            print(f"\n--- {r.python} {r.extra or '(none)'} failed:\n{_tail(r.log)}")
        print()
        print(table(results))
        print(
            f"\ninstall-check: {len(failed)} of {len(results)} failed"
            if failed
            else f"\ninstall-check: all {len(results)} passed"
        )
        return 1 if failed else 0
    finally:
        if args.keep:
            print(f"(kept {tmp})")
        else:
            shutil.rmtree(tmp, ignore_errors=True)


def _tail(log: str, lines: int = 40) -> str:
    return "\n".join(re.sub(r"\s+$", "", log).splitlines()[-lines:])


if __name__ == "__main__":
    raise SystemExit(main())
