"""The 用語集 (GLOSSARY.ja.md): up to date, every term where it says, every API name real."""

from __future__ import annotations

import importlib
import importlib.util
import json
import re
import sys
from pathlib import Path

import pytest

import autograd
import nn

ROOT = Path(__file__).resolve().parents[1]
_spec = importlib.util.spec_from_file_location("glossary", ROOT / "notebooks/i18n/glossary.py")
glossary = importlib.util.module_from_spec(_spec)
sys.modules["glossary"] = glossary
_spec.loader.exec_module(glossary)

TERMS = glossary.load()


def _japanese_text(number: str) -> str:
    """Every cell of the Japanese notebook ``number`` (e.g. "04a") as one text."""
    (path,) = (ROOT / "notebooks" / "ja").glob(f"{number}_*.ipynb")
    cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
    return "\n".join("".join(c["source"]) for c in cells)


def test_glossary_markdown_is_generated_from_the_data() -> None:
    assert (ROOT / "GLOSSARY.ja.md").read_text(encoding="utf-8") == glossary.render(TERMS), (
        "run `make ja` (GLOSSARY.ja.md is generated from notebooks/i18n/glossary.toml)"
    )


def test_entries_are_complete_and_unique() -> None:
    assert len(TERMS) >= 150
    assert len({t["ja"] for t in TERMS}) == len(TERMS)
    for t in TERMS:
        assert t["ja"] and t["en"] and t["notebooks"], t


@pytest.mark.parametrize("term", TERMS, ids=lambda t: t["ja"])
def test_each_term_occurs_in_the_notebooks_it_names(term: dict) -> None:
    # "重み / 重み行列" names two spellings; "過学習 (過適合)" is found as 過学習
    parts = [re.sub(r"\s*\(.*?\)$", "", p).strip() for p in term["ja"].split(" / ")]
    for number in term["notebooks"]:
        text = _japanese_text(number)
        assert all(p in text for p in parts), f"{term['ja']} is not in notebook {number}"


# instances for attributes that exist only once a layer is built (nn.Linear.weight)
_INSTANCES = {nn.Linear: lambda: nn.Linear(2, 3), nn.Conv2d: lambda: nn.Conv2d(1, 1, 1)}
_ALIASES = {"F": "nn.functional", "optim": "nn.optim"}
_API = re.compile(r"(?<![\w.])(nn|F|autograd|Tensor|viz|optim)((?:\.[A-Za-z_]\w*)+)")


def _resolve(dotted: str) -> object:
    root, _, rest = dotted.partition(".")
    path = (_ALIASES.get(root, root) + "." + rest).split(".")
    if path[0] == "Tensor":
        obj, names = autograd.Tensor, path[1:]
    else:
        for i in range(len(path), 0, -1):
            try:
                obj, names = importlib.import_module(".".join(path[:i])), path[i:]
                break
            except ImportError:
                continue
    for name in names:
        if not hasattr(obj, name) and obj in _INSTANCES:
            obj = _INSTANCES[obj]()
        obj = getattr(obj, name)
    return obj


def test_every_api_name_in_the_glossary_exists() -> None:
    names = [m.group(0) for t in TERMS for m in _API.finditer(t["api"])]
    assert len(names) >= 50
    missing = []
    for name in names:
        try:
            _resolve(name)
        except AttributeError:
            missing.append(name)
    assert missing == []


def test_the_api_check_catches_a_made_up_name() -> None:
    with pytest.raises(AttributeError):
        _resolve("nn.functional.sum_of_everything")
    with pytest.raises(AttributeError):
        _resolve("nn.Linear.weights")
