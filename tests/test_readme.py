"""The README's Python examples run as written (in order, in one namespace)."""

from __future__ import annotations

import re
import textwrap
from pathlib import Path

import pytest

README = Path(__file__).resolve().parents[1] / "README.md"


def _python_blocks() -> list[str]:
    blocks = re.findall(r"```python\n(.*?)```", README.read_text(encoding="utf-8"), re.S)
    return [textwrap.dedent(b) for b in blocks]  # blocks inside list items are indented


def test_readme_has_examples() -> None:
    assert len(_python_blocks()) >= 6


def test_readme_examples_run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    pytest.importorskip("torch")  # the saving section moves a state dict into PyTorch
    pytest.importorskip("sklearn")  # the training section uses the digits
    monkeypatch.chdir(tmp_path)  # model.save("mlp.npz") and friends write here
    monkeypatch.setenv("MPLBACKEND", "Agg")
    namespace: dict = {"__name__": "readme"}
    for i, block in enumerate(_python_blocks()):
        try:
            exec(compile(block, f"README.md python block {i}", "exec"), namespace)
        except Exception as err:  # pragma: no cover - the message is the point
            raise AssertionError(f"README python block {i} failed: {err!r}\n{block}") from err
    # spot-check the numbers the README promises
    assert abs(namespace["a"].grad - (-0.0040228520490775965)) < 1e-12
    assert abs(namespace["d2"].item() - 4.2) < 1e-12
    assert namespace["history"].metrics["val_acc"][-1] > 0.95
    assert namespace["out"].shape == (8, 35, 128)


# ------------------------------------------------------------ "Coming from ..." mappings
_MAPPING_HEADING = "## Coming from micrograd, ゼロから作る / DeZero, or PyTorch"


def _mapping_tables() -> dict[str, list[list[str]]]:
    """Rows (cells) of each table in the "Coming from" section, by subsection title."""
    text = README.read_text(encoding="utf-8")
    start = text.index(_MAPPING_HEADING)
    end = text.index("\n## ", start + 1)
    tables: dict[str, list[list[str]]] = {}
    title = ""
    for line in text[start:end].splitlines():
        if line.startswith("### "):
            title = line[4:].strip()
        elif line.startswith("|") and not set(line) <= set("|-: "):
            tables.setdefault(title, []).append([c.strip() for c in line.strip("|").split("|")])
    return {t: rows[1:] for t, rows in tables.items()}  # drop the header rows


def _resolve(expr: str, roots: dict) -> object:
    """The object a README name like ``nn.Module.to`` or ``import nn`` refers to."""
    import importlib

    if expr.startswith("import "):
        return importlib.import_module(expr.removeprefix("import ").strip())
    head, *rest = expr.split("(")[0].strip().split(".")
    obj = roots[head]
    for part in rest:
        try:
            obj = getattr(obj, part)
        except AttributeError:  # a submodule not imported yet (nn.functional, ...)
            obj = importlib.import_module(f"{obj.__name__}.{part}")
    return obj


def test_coming_from_section_sits_before_notebooks() -> None:
    text = README.read_text(encoding="utf-8")
    assert text.index(_MAPPING_HEADING) < text.index("## Notebooks")
    titles = {"micrograd", "ゼロから作る Deep Learning ❸ / DeZero", "PyTorch"}
    assert set(_mapping_tables()) == titles


def test_coming_from_tables_name_only_existing_deltagrad_objects() -> None:
    import autograd
    import nn
    import viz

    roots = {
        "autograd": autograd,
        "nn": nn,
        "viz": viz,
        "Tensor": autograd.Tensor,
        "Value": autograd.Value,
    }
    checked = []
    for title, rows in _mapping_tables().items():
        for row in rows:
            names = re.findall(r"`([^`]+)`", row[1])
            assert names, f"{title}: row {row} names nothing in the deltagrad column"
            for name in names:
                try:
                    _resolve(name, roots)
                except (AttributeError, ImportError, KeyError) as err:
                    raise AssertionError(f"README ({title}): {name!r} does not exist") from err
                checked.append(name)
    assert len(checked) >= 60


def test_coming_from_pytorch_table_names_exist_in_torch() -> None:
    torch = pytest.importorskip("torch")
    rows = _mapping_tables()["PyTorch"]
    names = [n for row in rows for n in re.findall(r"`([^`]+)`", row[0])]
    for name in names:
        _resolve(name, {"torch": torch})
    assert len(names) == len(rows)


# ------------------------------------------------------------ sections that run on their own
def _section_blocks(heading: str) -> list[str]:
    text = README.read_text(encoding="utf-8")
    start = text.index(f"\n{heading}\n")
    end = text.index("\n## ", start + 1)
    blocks = re.findall(r"```python\n(.*?)```", text[start:end], re.S)
    return [textwrap.dedent(b) for b in blocks]


def test_training_section_runs_on_its_own(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A reader copies the "Training" example into a fresh session: it must carry its own
    imports (it once failed with ``NameError: nn``) and use no deprecated import path."""
    import warnings

    pytest.importorskip("sklearn")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("MPLBACKEND", "Agg")
    blocks = _section_blocks("## Training")
    assert blocks
    namespace: dict = {"__name__": "readme_training"}
    with warnings.catch_warnings():
        warnings.simplefilter("error", DeprecationWarning)
        for i, block in enumerate(blocks):
            exec(compile(block, f"README Training block {i}", "exec"), namespace)
    assert namespace["history"].metrics["val_acc"][-1] > 0.95
    assert namespace["total"] > 0.0


# ------------------------------------------------------------ README.ja.md (issue 15)
README_JA = README.with_name("README.ja.md")


def test_readme_links_the_japanese_edition_from_its_top_line() -> None:
    first = README.read_text(encoding="utf-8").splitlines()[0:3]
    assert any("(README.ja.md)" in line for line in first)
    assert "(README.md)" in README_JA.read_text(encoding="utf-8").splitlines()[2]


def test_readme_ja_examples_run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every Python block of README.ja.md runs as written, in order, in one namespace,
    and prints what its comments say."""
    import contextlib
    import io

    import viz

    pytest.importorskip("matplotlib")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("MPLBACKEND", "Agg")
    blocks = re.findall(r"```python\n(.*?)```", README_JA.read_text(encoding="utf-8"), re.S)
    assert len(blocks) >= 5
    namespace: dict = {"__name__": "readme_ja"}
    printed = []
    try:
        for i, block in enumerate(blocks):
            out = io.StringIO()
            with contextlib.redirect_stdout(out):
                exec(compile(textwrap.dedent(block), f"README.ja.md block {i}", "exec"), namespace)
            printed.append(out.getvalue())
            # each print(...)  # <expected> comment matches what was printed
            expected = [
                m.group(1).split("(")[0].strip()
                for m in re.finditer(r"^print\(.*?\)\s+# (.+)$", block, re.M)
            ]
            assert out.getvalue().split("\n")[: len(expected)] == expected, (i, block)
    finally:
        viz.set_language("en")
    assert namespace["a"].grad == 6.0 and namespace["b"].grad == -4.0
    assert "データ 2" in namespace["g"].source


def test_readme_ja_mapping_table_names_existing_objects() -> None:
    import autograd
    import nn
    import viz

    roots = {
        "autograd": autograd,
        "nn": nn,
        "viz": viz,
        "Tensor": autograd.Tensor,
        "Value": autograd.Value,
    }
    text = README_JA.read_text(encoding="utf-8")
    start = text.index("## ゼロから作る / DeZero から来た人へ")
    rows = [
        [c.strip() for c in line.strip("|").split("|")]
        for line in text[start:].splitlines()
        if line.startswith("|") and not set(line) <= set("|-: ")
    ][1:]
    assert len(rows) >= 12
    names = [n for row in rows for n in re.findall(r"`([^`]+)`", row[1])]
    for name in names:
        _resolve(name, roots)
    assert {"nn.Linear", "nn.CrossEntropyLoss", "autograd.Function"} <= set(names)
