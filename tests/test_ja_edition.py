"""The Japanese notebooks are generated from the English ones and stay in sync with them.

``notebooks/i18n/edition.py`` builds ``notebooks/ja/NAME.ipynb`` from ``notebooks/NAME.ipynb``
and ``notebooks/i18n/ja/NAME.toml``. These tests check the committed edition against what
the build gives, and that every kind of drift is caught (on small notebooks made here, and
on a copy of the real ones with one code cell changed on purpose).
"""

from __future__ import annotations

import importlib.util
import json
import shutil
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
_spec = importlib.util.spec_from_file_location("edition", ROOT / "notebooks/i18n/edition.py")
edition = importlib.util.module_from_spec(_spec)
sys.modules["edition"] = edition  # dataclasses look their module up while the class is made
_spec.loader.exec_module(edition)


def _notebook(cells: list[tuple[str, str, str]]) -> dict:
    return {
        "nbformat": 4,
        "nbformat_minor": 5,
        "metadata": {},
        "cells": [
            {
                "cell_type": kind,
                "id": cid,
                "metadata": {},
                "source": text,
                **({"outputs": [], "execution_count": None} if kind == "code" else {}),
            }
            for kind, cid, text in cells
        ],
    }


ENGLISH = _notebook(
    [
        ("markdown", "m1", "# The chain rule\n\nMultiply the local derivatives along the path."),
        ("code", "c1", 'x = 2.0  # the input\nprint("gradient:", 3 * x)'),
        ("code", "c2", "y = x + 1"),
    ]
)
TRANSLATION = '''
[[cells]]
id = "m1"
en = """# The chain rule\\n\\nMultiply the local derivatives along the path."""
ja = """# 連鎖律\\n\\n経路に沿って局所微分を掛け合わせる。"""

[[cells]]
id = "c1"
replace = [["# the input", "# 入力"], ['"gradient:"', '"勾配:"']]
'''


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    """A notebooks folder with one English notebook, its translation and the built edition."""
    (tmp_path / "i18n" / "ja").mkdir(parents=True)
    (tmp_path / "one.ipynb").write_text(json.dumps(ENGLISH), encoding="utf-8")
    (tmp_path / "i18n" / "ja" / "one.toml").write_text(TRANSLATION, encoding="utf-8")
    report = edition.build(tmp_path, tmp_path / "i18n" / "ja", tmp_path / "ja")
    assert not report, report.problems
    return tmp_path


def _check(tree: Path) -> list[str]:
    return edition.check(tree, tree / "i18n" / "ja", tree / "ja").problems


def _edit_english(tree: Path, cid: str, new: str) -> None:
    path = tree / "one.ipynb"
    nb = json.loads(path.read_text(encoding="utf-8"))
    next(c for c in nb["cells"] if c["id"] == cid)["source"] = new
    path.write_text(json.dumps(nb), encoding="utf-8")


def _edit_translation(tree: Path, old: str, new: str) -> None:
    path = tree / "i18n" / "ja" / "one.toml"
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new), encoding="utf-8")


def test_the_built_notebook_has_the_english_code_and_the_japanese_words(tree: Path) -> None:
    nb = json.loads((tree / "ja" / "one.ipynb").read_text(encoding="utf-8"))
    sources = ["".join(c["source"]) for c in nb["cells"]]
    assert [c["id"] for c in nb["cells"]] == ["ja-language", "m1", "c1", "c2"]
    assert sources[0] == edition.LANGUAGE_CELL
    assert sources[1] == "# 連鎖律\n\n経路に沿って局所微分を掛け合わせる。"
    assert sources[2] == 'x = 2.0  # 入力\nprint("勾配:", 3 * x)'
    assert sources[3] == "y = x + 1"  # nothing to translate: copied
    assert nb["metadata"]["deltagrad"] == {"edition": "ja", "generated_from": "../one.ipynb"}
    assert _check(tree) == []


def test_a_changed_english_code_cell_makes_the_edition_out_of_date(tree: Path) -> None:
    _edit_english(tree, "c2", "y = x + 2")
    assert _check(tree) == [f"one cell -: {edition.OUT_OF_DATE}"]
    edition.build(tree, tree / "i18n" / "ja", tree / "ja")  # rebuilding brings the code over
    assert _check(tree) == []
    nb = json.loads((tree / "ja" / "one.ipynb").read_text(encoding="utf-8"))
    assert "".join(nb["cells"][3]["source"]) == "y = x + 2"


def test_a_hand_edited_japanese_notebook_is_caught(tree: Path) -> None:
    path = tree / "ja" / "one.ipynb"
    path.write_text(path.read_text(encoding="utf-8").replace("3 * x", "4 * x"), encoding="utf-8")
    assert len(_check(tree)) == 1 and "not what the English notebook" in _check(tree)[0]


def test_a_changed_english_text_makes_its_translation_stale(tree: Path) -> None:
    _edit_english(tree, "m1", "# The chain rule\n\nMultiply local derivatives.")
    problems = _check(tree)
    assert problems[0] == (
        "one cell m1: stale translation: the English text changed "
        "(update `en` and `ja` in the .toml)"
    )


def test_a_replacement_whose_english_is_gone_is_stale(tree: Path) -> None:
    _edit_english(tree, "c1", 'x = 2.0  # the value\nprint("gradient:", 3 * x)')
    assert (
        "one cell c1: stale replacement: the English code no longer contains '# the input'"
        in _check(tree)
    )


def test_a_replacement_may_not_change_the_program(tree: Path) -> None:
    _edit_translation(tree, '["# the input", "# 入力"]', '["3 * x", "4 * x"]')
    assert (
        "one cell c1: a replacement changed the program, not only its words: translate "
        "comments and string literals only"
    ) in _check(tree)


def test_missing_untranslated_and_orphaned_translations_are_named(tree: Path) -> None:
    _edit_translation(
        tree,
        'ja = """# 連鎖律\\n\\n経路に沿って局所微分を掛け合わせる。"""',
        'ja = """# The chain rule\\n\\nMultiply the local derivatives along it."""',
    )
    assert "one cell m1: translation has (almost) no Japanese in it" in _check(tree)
    _edit_translation(tree, 'id = "m1"', 'id = "gone"')
    problems = _check(tree)
    assert "one cell m1: markdown cell has no Japanese translation" in problems
    assert "one cell gone: translation for a cell the English notebook no longer has" in problems


def test_the_edition_in_the_repository_is_in_sync() -> None:
    report = edition.check()
    assert not report, "\n".join(report.problems)


def test_a_real_notebook_with_a_changed_code_cell_fails_the_check(tmp_path: Path) -> None:
    """The repository's own edition, copied, with one English code cell changed on purpose."""
    name = sorted(p.stem for p in edition.TRANSLATIONS.glob("*.toml"))[0]
    shutil.copytree(edition.NOTEBOOKS, tmp_path / "nb", ignore=shutil.ignore_patterns("*.png"))
    nb_dir = tmp_path / "nb"
    assert not edition.check(nb_dir, nb_dir / "i18n" / "ja", nb_dir / "ja")
    path = nb_dir / f"{name}.ipynb"
    nb = json.loads(path.read_text(encoding="utf-8"))
    code = next(c for c in nb["cells"] if c["cell_type"] == "code")
    code["source"] = "".join(code["source"]) + "\nassert True  # a change made on purpose"
    path.write_text(json.dumps(nb), encoding="utf-8")
    problems = edition.check(nb_dir, nb_dir / "i18n" / "ja", nb_dir / "ja").problems
    assert problems == [f"{name} cell -: {edition.OUT_OF_DATE}"]


def test_every_english_notebook_has_its_japanese_edition() -> None:
    english = {p.stem for p in edition.english_notebooks()}
    assert english == {p.stem for p in edition.TRANSLATIONS.glob("*.toml")}
    assert english == {p.stem for p in edition.JA_DIR.glob("*.ipynb")}
