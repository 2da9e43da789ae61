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
