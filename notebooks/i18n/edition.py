"""Build the Japanese notebooks from the English ones and their translations, and check sync.

One source of truth for code: a Japanese notebook (``notebooks/ja/NAME.ipynb``) is *generated*
from the English notebook (``notebooks/NAME.ipynb``) and a translation file
(``notebooks/i18n/ja/NAME.toml``). The translation holds, per cell id:

* a markdown cell: ``en`` (the English text it translates, verbatim) and ``ja`` (its
  translation). When the English text changes, ``en`` no longer matches and the check fails,
  naming the cell: the translation is stale until someone updates both fields.
* a code cell: ``replace``, a list of ``[english, japanese]`` pairs applied to the English
  code (comments, printed messages, plot titles). Each English part must occur in the cell,
  and the result must parse to the same program as the English cell apart from its string
  constants (the abstract syntax trees are compared with strings blanked): a translation can
  change what a cell says, never what it computes. Cells with nothing to translate need no
  entry and are copied as they are.

The generated notebook starts with one extra code cell, the same in every notebook, that
switches the pictures and the course helpers' messages to Japanese (``LANGUAGE_CELL``).

Command line (``make ja`` runs ``build``)::

    python notebooks/i18n/edition.py build            # write notebooks/ja/*.ipynb
    python notebooks/i18n/edition.py check            # exit 1 and list every drift
    python notebooks/i18n/edition.py skeleton NAME    # start/refresh NAME.toml (keeps what exists)
"""

from __future__ import annotations

import ast
import copy
import json
import re
import sys
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from autograd.atomic_file import atomic_write

NOTEBOOKS = Path(__file__).resolve().parents[1]
TRANSLATIONS = NOTEBOOKS / "i18n" / "ja"
JA_DIR = NOTEBOOKS / "ja"

LANGUAGE_CELL_ID = "ja-language"
LANGUAGE_CELL = (
    "# 日本語版だけにあるセル: 図の文字と補助関数のメッセージを日本語にする。\n"
    "# これ以降のコードは英語版のノートブックとまったく同じである。\n"
    "import viz\n"
    "\n"
    'viz.set_language("ja")'
)

# A translated markdown cell must be mostly Japanese prose: at least this many kana/kanji
# characters unless its English text has almost no words (an equation, an image).
_JAPANESE = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uff00-\uffef]")
_WORD = re.compile(r"[A-Za-z]{3,}")


OUT_OF_DATE = ("the Japanese notebook is not what the English notebook and its translation "
               "give: run `make ja` (never edit notebooks/ja/ by hand)")


@dataclass
class Report:
    """Every way a Japanese notebook differs from what its sources say it should be."""

    problems: list[str] = field(default_factory=list)

    def add(self, notebook: str, cell: str, message: str) -> None:
        self.problems.append(f"{notebook} cell {cell}: {message}")

    def __bool__(self) -> bool:  # true when there is something to fix
        return bool(self.problems)


def english_notebooks() -> list[Path]:
    return sorted(NOTEBOOKS.glob("*.ipynb"))


def source(cell: dict) -> str:
    src = cell["source"]
    return src if isinstance(src, str) else "".join(src)


def _lines(text: str) -> list[str]:
    # nbformat stores a source as lines that keep their "\n" (the last one without).
    return text.splitlines(keepends=True)


def load_translation(name: str, directory: Path = TRANSLATIONS) -> dict[str, dict]:
    """``{cell id: entry}`` from ``NAME.toml`` (empty when there is no file yet)."""
    path = directory / f"{name}.toml"
    if not path.exists():
        return {}
    with path.open("rb") as f:
        data = tomllib.load(f)
    return {entry["id"]: entry for entry in data.get("cells", [])}


def _blank_strings(tree: ast.AST) -> str:
    """The tree's dump with every string constant and f-string replaced by ``''``."""

    class Blank(ast.NodeTransformer):
        def visit_JoinedStr(self, node: ast.JoinedStr) -> ast.AST:
            return ast.copy_location(ast.Constant(""), node)

        def visit_Constant(self, node: ast.Constant) -> ast.AST:
            if isinstance(node.value, str):
                return ast.copy_location(ast.Constant(""), node)
            return node

    return ast.dump(Blank().visit(copy.deepcopy(tree)), annotate_fields=False)


def _parse(code: str) -> ast.AST | None:
    # IPython magics (%timeit, !pip) are not Python: compare them as text instead.
    lines = [("pass  # " + ln) if ln.lstrip().startswith(("%", "!")) else ln
             for ln in code.split("\n")]
    try:
        return ast.parse("\n".join(lines))
    except SyntaxError:
        return None


def translate_code(code: str, pairs: list, where: tuple[str, str], report: Report) -> str:
    """``code`` with each ``[english, japanese]`` pair replaced; drift goes to ``report``."""
    out = code
    for pair in pairs:
        if not (isinstance(pair, list) and len(pair) == 2
                and all(isinstance(p, str) for p in pair)):
            report.add(*where, f"replace entries are [english, japanese] pairs, got {pair!r}")
            continue
        english, japanese = pair
        if english not in out:
            report.add(*where, "stale replacement: the English code no longer contains "
                               f"{english!r}")
            continue
        out = out.replace(english, japanese)
    if out != code:
        before, after = _parse(code), _parse(out)
        if before is None or after is None:
            report.add(*where, "the translated code does not parse (a replacement broke a string?)")
        elif _blank_strings(before) != _blank_strings(after):
            report.add(*where, "a replacement changed the program, not only its words: "
                               "translate comments and string literals only")
    return out


def build_notebook(english: dict, entries: dict[str, dict], name: str, report: Report) -> dict:
    """The Japanese notebook for ``english`` (a notebook dict) from its translation entries."""
    nb = copy.deepcopy(english)
    cells = []
    seen = set()
    for cell in nb["cells"]:
        cid = cell.get("id")
        entry = entries.get(cid) if cid else None
        if cid:
            seen.add(cid)
        text = source(cell)
        if cell["cell_type"] == "markdown":
            if entry is None or not str(entry.get("ja", "")).strip():
                report.add(name, str(cid), "markdown cell has no Japanese translation")
            elif entry.get("en") != text:
                report.add(name, str(cid), "stale translation: the English text changed "
                                           "(update `en` and `ja` in the .toml)")
            else:
                ja = entry["ja"]
                if len(_WORD.findall(text)) >= 3 and len(_JAPANESE.findall(ja)) < 5:
                    report.add(name, str(cid), "translation has (almost) no Japanese in it")
                text = ja
        elif cell["cell_type"] == "code" and entry is not None:
            text = translate_code(text, entry.get("replace", []), (name, str(cid)), report)
        cell["source"] = _lines(text)
        cells.append(cell)
    for cid in entries:
        if cid not in seen:
            report.add(name, cid, "translation for a cell the English notebook no longer has")
    language = {"cell_type": "code", "execution_count": None, "id": LANGUAGE_CELL_ID,
                "metadata": {}, "outputs": [], "source": _lines(LANGUAGE_CELL)}
    nb["cells"] = [language, *cells]
    nb["metadata"] = {**nb.get("metadata", {}), "language_info": {"name": "python"},
                      "deltagrad": {"edition": "ja", "generated_from": f"../{name}.ipynb"}}
    return nb


def dumps(nb: dict) -> str:
    return json.dumps(nb, ensure_ascii=False, indent=1) + "\n"


def build_all(english_dir: Path = NOTEBOOKS, translations: Path = TRANSLATIONS
              ) -> tuple[dict[str, str], Report]:
    """``{name: generated notebook text}`` for every English notebook, and the drift report."""
    report = Report()
    built = {}
    # The edition holds the notebooks that have a translation file (all of them, once done:
    # tests/test_ja_edition.py says which must exist).
    for path in sorted(english_dir.glob("*.ipynb")):
        if not (translations / f"{path.stem}.toml").exists():
            continue
        english = json.loads(path.read_text(encoding="utf-8"))
        built[path.stem] = dumps(build_notebook(english, load_translation(path.stem, translations),
                                                path.stem, report))
    return built, report


def _write_atomic(path: Path, text: str) -> None:
    # temp file + rename (autograd.atomic_file): a failed build never leaves half a notebook
    data = text.encode("utf-8")
    atomic_write(path, lambda f: f.write(data), "make ja")


def check(english_dir: Path = NOTEBOOKS, translations: Path = TRANSLATIONS,
          ja_dir: Path = JA_DIR) -> Report:
    """Drift between the English notebooks, the translations and the committed Japanese ones."""
    built, report = build_all(english_dir, translations)
    for name, text in built.items():
        target = ja_dir / f"{name}.ipynb"
        if not target.exists():
            report.add(name, "-", f"{target.name} is missing from {ja_dir}: run `make ja`")
        elif target.read_text(encoding="utf-8") != text:
            report.add(name, "-", OUT_OF_DATE)
    for extra in sorted(ja_dir.glob("*.ipynb")):
        if extra.stem not in built:
            report.add(extra.stem, "-", "Japanese notebook without an English one")
    return report


def build(english_dir: Path = NOTEBOOKS, translations: Path = TRANSLATIONS,
          ja_dir: Path = JA_DIR) -> Report:
    built, report = build_all(english_dir, translations)
    ja_dir.mkdir(exist_ok=True)
    for name, text in built.items():
        target = ja_dir / f"{name}.ipynb"
        if not target.exists() or target.read_text(encoding="utf-8") != text:
            _write_atomic(target, text)
    return report


# --- skeleton: the translator's starting file -------------------------------------------

def _toml_string(text: str) -> str:
    """A TOML multi-line string holding ``text`` exactly (literal if possible)."""
    literal = "'''\n" + text + "'''"
    if "'''" not in text and not text.endswith("'") and "\r" not in text:
        return literal
    return json.dumps(text, ensure_ascii=False)  # a JSON string is a valid TOML basic string


def skeleton(name: str) -> str:
    """``NAME.toml`` text: every markdown cell (with any translation already there) and a
    ``replace`` list for every code cell that has comments or strings to translate."""
    english = json.loads((NOTEBOOKS / f"{name}.ipynb").read_text(encoding="utf-8"))
    entries = load_translation(name)
    out = [f"# Japanese translation of notebooks/{name}.ipynb (see notebooks/i18n/edition.py).\n"
           "# Markdown: `en` is the English cell verbatim, `ja` its translation.\n"
           "# Code: `replace` = [[english, japanese], ...] for comments and strings only.\n"]
    for cell in english["cells"]:
        cid, text = cell["id"], source(cell)
        entry = entries.get(cid, {})
        if cell["cell_type"] == "markdown":
            ja = entry.get("ja", "") if entry.get("en") == text else ""
            out.append(f'\n[[cells]]\nid = "{cid}"\nen = {_toml_string(text)}\n'
                       f"ja = {_toml_string(ja)}\n")
        elif cell["cell_type"] == "code":
            pairs = entry.get("replace", [])
            if not pairs and not re.search(r"#|[\"']", text):
                continue
            body = "".join(f"  [{_toml_string(a)}, {_toml_string(b)}],\n" for a, b in pairs)
            hint = "".join(f"#   {ln}\n" for ln in text.split("\n"))
            out.append(f'\n[[cells]]\nid = "{cid}"\n# code:\n{hint}replace = [\n{body}]\n')
    text = "".join(out)
    tomllib.loads(text)  # never write a file the build cannot read
    return text


def main(argv: list[str]) -> int:
    command = argv[1] if len(argv) > 1 else "check"
    if command == "build":
        report = build()
    elif command == "check":
        report = check()
    elif command == "skeleton" and len(argv) == 3:
        TRANSLATIONS.mkdir(parents=True, exist_ok=True)
        _write_atomic(TRANSLATIONS / f"{argv[2]}.toml", skeleton(argv[2]))
        return 0
    else:
        print(__doc__)
        return 2
    for problem in report.problems:
        print(problem)
    if report:
        print(f"{len(report.problems)} problem(s) in the Japanese edition", file=sys.stderr)
    return 1 if report else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
