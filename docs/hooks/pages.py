"""MkDocs hook: the site's pages that live outside docs/.

The README (the home page), its Japanese edition README.ja.md, CONTRIBUTING.md,
CHANGELOG.md and the notebooks (English, and the generated Japanese ones in
notebooks/ja/) are written
for the repository, where they sit at the top level; copying them into docs/ would leave
two copies to keep in step. This hook adds them to the site as generated files instead,
rewriting the few repository-relative links (``docs/images/x.png`` -> ``images/x.png``)
so the same Markdown works on GitHub, on a package index page and here.
"""

from __future__ import annotations

import re
from pathlib import Path

from mkdocs.config.defaults import MkDocsConfig
from mkdocs.plugins import event_priority
from mkdocs.structure.files import File, Files

ROOT = Path(__file__).resolve().parents[2]

# repository file -> page in the site
PAGES = {
    "README.md": "index.md",
    "README.ja.md": "ja.md",
    "GLOSSARY.ja.md": "glossary-ja.md",
    "CONTRIBUTING.md": "contributing.md",
    "CHANGELOG.md": "changelog.md",
}

# repository-relative link prefixes -> site-relative (from a top-level page)
_LINKS = [("docs/images/", "images/"), ("docs/", "")]


def _rewrite(markdown: str) -> str:
    """Point repository-relative links at their place in the site."""

    def fix(match: re.Match[str]) -> str:
        target = match.group(2)
        for name, page in PAGES.items():
            if target == name or target.startswith(name + "#"):
                return f"{match.group(1)}({page}{target[len(name) :]})"
        for old, new in _LINKS:
            if target.startswith(old):
                return f"{match.group(1)}({new}{target[len(old) :]})"
        return match.group(0)

    return re.sub(r"(\]\s*)\(([^)\s]+)\)", fix, markdown)


# Runs before mkdocs-jupyter's on_files (priority 0), so the notebooks added here are
# picked up and converted by it.
@event_priority(100)
def on_files(files: Files, config: MkDocsConfig) -> Files:
    for name, page in PAGES.items():
        text = (ROOT / name).read_text(encoding="utf-8")
        files.append(File.generated(config, page, content=_rewrite(text)))
    for path in _notebooks() + _notebooks("ja"):
        # a real File with the top level as its source dir (mkdocs-jupyter re-reads it)
        files.append(File(path, str(ROOT), config.site_dir, config.use_directory_urls))
    return files


def _notebooks(language: str = "") -> list[str]:
    """``notebooks/NAME.ipynb`` (English) or ``notebooks/ja/NAME.ipynb``, sorted."""
    folder = ROOT / "notebooks" / language
    return [
        (Path("notebooks") / language / p.name).as_posix() for p in sorted(folder.glob("*.ipynb"))
    ]


def on_config(config: MkDocsConfig) -> MkDocsConfig:
    """The nav's "Notebooks" section lists every notebook -- the Japanese ones under
    "日本語" -- so adding one needs no edit here."""
    notebooks: list = _notebooks()
    japanese = _notebooks("ja")
    if japanese:
        notebooks.append({"日本語": japanese})
    for entry in config.nav or []:
        if isinstance(entry, dict) and "Notebooks" in entry:
            entry["Notebooks"] = notebooks
    return config
