"""The built distributions hold what a user installs: build the sdist, then the wheel from
that sdist (as ``python -m build`` does), and look inside both.

Marked ``packaging`` (a few seconds: one build, the session fixture ``dists`` in conftest.py,
shared with test_package_description.py); deselect with
``-m "not packaging"``. The build runs on a copy of the checkout, so it leaves nothing in it.
"""

from __future__ import annotations

import email.parser
import importlib.util
import re
import shutil
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path

import pytest

pytestmark = [pytest.mark.packaging, pytest.mark.xdist_group("packaging")]

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("autograd", "nn", "viz", "deltagrad")
# Everything a checkout may hold that is not source: never copied into the build tree.
_NOT_SOURCE = shutil.ignore_patterns(
    ".git",
    ".venv",
    ".matrix",
    "build",
    "dist",
    "site",
    "*.egg-info",
    "__pycache__",
    ".pytest_cache",
    ".ruff_cache",
    ".hypothesis",
    "demo_out",
    "out",
    ".ipynb_checkpoints",
)


def _build(src: Path, out: Path) -> None:
    """sdist, then the wheel built from the unpacked sdist: a file missing from the sdist
    then also goes missing from the wheel, as it would for anyone installing the sdist."""
    if importlib.util.find_spec("build") is not None:
        cmd = [sys.executable, "-m", "build", "--no-isolation", "--outdir", str(out), str(src)]
        subprocess.run(cmd, check=True, capture_output=True, text=True)
        return
    # Without `build`: the same PEP 517 hooks, called directly (setuptools is the backend).
    hook = "from setuptools import build_meta as b; import sys; print(b.{}(sys.argv[1]))"
    subprocess.run(
        [sys.executable, "-c", hook.format("build_sdist"), str(out)],
        cwd=src,
        check=True,
        capture_output=True,
    )
    (sdist,) = out.glob("*.tar.gz")
    with tarfile.open(sdist) as tar:
        tar.extractall(out / "unpacked", filter="data")
    (tree,) = (out / "unpacked").iterdir()
    subprocess.run(
        [sys.executable, "-c", hook.format("build_wheel"), str(out)],
        cwd=tree,
        check=True,
        capture_output=True,
    )


def build_dists(tmp: Path) -> dict[str, Path]:
    """Build from a copy of the checkout into ``tmp``: ``{"wheel": path, "sdist": path}``.
    The ``dists`` fixture (tests/conftest.py, one build per session) calls it."""
    if importlib.util.find_spec("setuptools") is None:
        pytest.skip("setuptools (the build backend) is not installed: pip install setuptools")
    src = tmp / "src"
    shutil.copytree(ROOT, src, ignore=_NOT_SOURCE)
    out = tmp / "out"
    out.mkdir()
    try:
        _build(src, out)
    except subprocess.CalledProcessError as exc:  # show the build log, not just the status
        pytest.fail(f"build failed:\n{exc.stdout}\n{exc.stderr}")
    (wheel,) = out.glob("deltagrad-*.whl")
    (sdist,) = out.glob("deltagrad-*.tar.gz")
    return {"wheel": wheel, "sdist": sdist}


@pytest.fixture(scope="module")
def wheel_names(dists: dict[str, Path]) -> list[str]:
    with zipfile.ZipFile(dists["wheel"]) as whl:
        return whl.namelist()


@pytest.fixture(scope="module")
def sdist_names(dists: dict[str, Path]) -> list[str]:
    with tarfile.open(dists["sdist"]) as tar:
        # "deltagrad-0.1.0/autograd/tensor.py" -> "autograd/tensor.py"
        return [name.split("/", 1)[1] for name in tar.getnames() if "/" in name]


def _corpus_files() -> list[str]:
    corpus = ROOT / "nn" / "data" / "corpus"
    return sorted(f"nn/data/corpus/{p.name}" for p in corpus.iterdir() if p.is_file())


def test_wheel_holds_license_markers_and_corpus(wheel_names: list[str]) -> None:
    assert any(re.fullmatch(r"deltagrad-[^/]+\.dist-info/licenses/LICENSE", n) for n in wheel_names)
    for package in PACKAGES:
        assert f"{package}/py.typed" in wheel_names, package
        assert f"{package}/__init__.py" in wheel_names, package
    corpus = _corpus_files()
    assert "nn/data/corpus/tiny_shakespeare.txt" in corpus
    assert set(corpus) <= set(wheel_names)


def test_wheel_holds_only_the_four_packages(wheel_names: list[str]) -> None:
    tops = {n.split("/", 1)[0] for n in wheel_names}
    tops = {t for t in tops if not t.endswith(".dist-info")}
    assert tops == set(PACKAGES)  # no notebooks/, tests/, bench/, docs/
    assert not [n for n in wheel_names if n.endswith(".ipynb")]


def test_wheel_metadata(dists: dict[str, Path], wheel_names: list[str]) -> None:
    (meta_name,) = [n for n in wheel_names if n.endswith(".dist-info/METADATA")]
    with zipfile.ZipFile(dists["wheel"]) as whl:
        meta = email.parser.Parser().parsestr(whl.read(meta_name).decode())
    assert meta["Name"] == "deltagrad"
    assert meta["License-Expression"] == "MIT"
    assert meta["Requires-Python"] == ">=3.11"
    assert meta["Author"] == "deltagrad developers"
    classifiers = meta.get_all("Classifier")
    assert "Typing :: Typed" in classifiers
    assert "Programming Language :: Python :: 3.11" in classifiers
    assert not [c for c in classifiers if c.startswith("License ::")]  # SPDX replaces them
    assert meta["Description-Content-Type"] == "text/markdown"
    (entry_name,) = [n for n in wheel_names if n.endswith(".dist-info/entry_points.txt")]
    with zipfile.ZipFile(dists["wheel"]) as whl:
        assert "deltagrad = viz.cli:main" in whl.read(entry_name).decode()


def test_sdist_holds_license_markers_corpus_and_readme_images(sdist_names: list[str]) -> None:
    for name in (
        "LICENSE",
        "README.md",
        "README.ja.md",
        "GLOSSARY.ja.md",
        "pyproject.toml",
        "CHANGELOG.md",
        "CONTRIBUTING.md",
    ):
        assert name in sdist_names, name
    for package in PACKAGES:
        assert f"{package}/py.typed" in sdist_names, package
    assert set(_corpus_files()) <= set(sdist_names)
    # The README's pictures are relative links (no public host yet): each must travel along.
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    images = set(re.findall(r"!\[[^\]]*\]\(([^)\s]+)\)", readme))
    assert images, "the README shows pictures"
    relative = {i for i in images if "://" not in i}
    assert relative <= set(sdist_names), sorted(relative - set(sdist_names))
    assert not [n for n in sdist_names if n.endswith(".ipynb")]


def test_twine_check_is_clean(dists: dict[str, Path]) -> None:
    pytest.importorskip("twine", reason="pip install twine")
    cmd = [
        sys.executable,
        "-m",
        "twine",
        "check",
        "--strict",
        str(dists["wheel"]),
        str(dists["sdist"]),
    ]
    done = subprocess.run(cmd, capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.count("PASSED") == 2, done.stdout
