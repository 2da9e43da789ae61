"""用語集 (glossary): ``notebooks/i18n/glossary.toml`` -> ``GLOSSARY.ja.md``.

One entry per Japanese term the Japanese edition uses: the term, its reading where it
helps, the English term, and the deltagrad / PyTorch name a learner types for it, with
the notebooks it appears in. ``make ja`` writes the Markdown table (sorted in あいうえお
order of the reading); ``tests/test_ja_glossary.py`` checks the table is up to date,
that every term really occurs in the notebooks it names, and that every API name in it
exists.

    python notebooks/i18n/glossary.py build     # write GLOSSARY.ja.md
    python notebooks/i18n/glossary.py merge F.toml ...   # fold translators' term lists in
"""

from __future__ import annotations

import json
import sys
import tomllib
import unicodedata
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
DATA = HERE / "glossary.toml"
OUTPUT = ROOT / "GLOSSARY.ja.md"

HEADER = """\
# 用語集 (glossary)

deltagrad の日本語版ノートブックで使う用語の一覧である。教科書 (瀧『これならわかる深層学習入門』、
岡谷『深層学習』、斎藤『ゼロから作るDeep Learning』) の用語に合わせ、英語の用語と、
deltagrad / PyTorch で対応する名前を並べた。「ノートブック」の列は、その用語が出てくる
ノートブックの番号 (`notebooks/ja/`) である。

このファイルは `notebooks/i18n/glossary.toml` から `make ja` で生成される (直接編集しない)。

| 用語 | 読み | English | deltagrad / PyTorch | ノートブック |
|---|---|---|---|---|
"""


def load(path: Path = DATA) -> list[dict]:
    with path.open("rb") as f:
        return tomllib.load(f)["terms"]


def _sort_key(term: dict) -> tuple[int, str]:
    """あいうえお order of the reading (katakana read as hiragana); Latin terms last."""
    text = unicodedata.normalize("NFKC", term.get("reading") or term["ja"])
    kana = "".join(chr(ord(c) - 0x60) if "ァ" <= c <= "ヶ" else c for c in text)
    return (1 if kana[:1].isascii() else 0, kana.lower())


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def render(terms: list[dict]) -> str:
    rows = []
    for t in sorted(terms, key=_sort_key):
        api = f"`{_cell(t['api'])}`" if t.get("api") else ""
        rows.append(f"| {_cell(t['ja'])} | {_cell(t.get('reading', ''))} | {_cell(t['en'])} | "
                    f"{api} | {', '.join(t['notebooks'])} |\n")
    return HEADER + "".join(rows)


def merge(fragments: list[Path], path: Path = DATA) -> list[dict]:
    """Fold term lists into the glossary: one entry per Japanese term, notebooks united;
    the first entry's English and API text are kept (edit the data file to improve them)."""
    merged: dict[str, dict] = {t["ja"]: t for t in (load(path) if path.exists() else [])}
    for fragment in fragments:
        for t in load(fragment):
            have = merged.setdefault(t["ja"], {"ja": t["ja"], "reading": t.get("reading", ""),
                                               "en": t["en"], "api": t.get("api", ""),
                                               "notebooks": []})
            have["reading"] = have["reading"] or t.get("reading", "")
            have["api"] = have["api"] or t.get("api", "")
            have["notebooks"] = sorted(set(have["notebooks"]) | set(t.get("notebooks", [])))
    return sorted(merged.values(), key=_sort_key)


def dumps(terms: list[dict]) -> str:
    out = ["# The glossary (用語集) of the Japanese edition: `make ja` turns it into\n"
           "# GLOSSARY.ja.md. One [[terms]] per Japanese term.\n"]
    for t in terms:
        out.append("\n[[terms]]\n" + "".join(
            f"{key} = {json.dumps(t.get(key, ''), ensure_ascii=False)}\n"
            for key in ("ja", "reading", "en", "api", "notebooks")))
    text = "".join(out)
    tomllib.loads(text)
    return text


def main(argv: list[str]) -> int:
    if len(argv) >= 2 and argv[1] == "build":
        OUTPUT.write_text(render(load()), encoding="utf-8")
        return 0
    if len(argv) >= 3 and argv[1] == "merge":
        DATA.write_text(dumps(merge([Path(p) for p in argv[2:]])), encoding="utf-8")
        return 0
    print(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
