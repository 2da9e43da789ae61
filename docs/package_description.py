"""The package-index edition of README.md: ``README.md`` -> ``docs/PACKAGE.md``.

pyproject.toml's ``readme`` is ``docs/PACKAGE.md``: the long description a package index
(PyPI) shows from the wheel's and the sdist's METADATA. README.md is written for a checkout,
where its pictures (``docs/images/...``) and its links to other files (``CONTRIBUTING.md``,
``README.ja.md``, ...) are relative paths; on an index page every one of them would be a
broken picture or a link to nowhere, and the project has no public host for absolute URLs
yet. This module rewrites them into text that says where the file is:

* a picture ``![alt](docs/images/x.png)`` (also in a table cell, also an HTML ``<img>``)
  becomes ``*[picture: alt — `docs/images/x.png`]*``;
* a link to a file ``[text](CONTRIBUTING.md)`` becomes ``text (`CONTRIBUTING.md`)``, or just
  ``CONTRIBUTING.md`` in code when the text is the path itself;
* an in-page link ``[text](#slug)`` stays when a heading of the page has that id (the
  index's renderer gives headings GitHub's ids), else it becomes its text;
* absolute links (``https://...``, ``mailto:...``) stay, and code -- fenced blocks and
  inline code spans -- is never touched.

``make package-description`` runs ``build``; ``tests/test_package_description.py`` fails when
the committed file is not what README.md gives.

    python docs/package_description.py build    # write docs/PACKAGE.md
    python docs/package_description.py check    # exit 1 when docs/PACKAGE.md is out of date
"""

from __future__ import annotations

import re
import sys
import unicodedata
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
OUTPUT = ROOT / "docs" / "PACKAGE.md"
COMMAND = "make package-description (or: python docs/package_description.py build)"

NOTE = (
    "*This is the package-index edition of deltagrad's README.md, generated from it by "
    "`docs/package_description.py`: pictures and links to the project's files are written "
    "out as paths in its source tree; the source distribution (sdist) holds the pictures, "
    "under `docs/images/`.*\n\n"
)

# A fence opens with 3+ backticks or tildes (any indent: fences inside list items count)
# and closes with the same character, at least as many, and nothing else on the line.
_FENCE = re.compile(r"^\s*(`{3,}|~{3,})")
# An inline code span: a run of n backticks, then anything up to the next run of exactly n.
_CODE_SPAN = re.compile(r"(?<!`)(`+)(?!`).+?(?<!`)\1(?!`)", re.S)
# ![alt](target "title") or [text](target "title"); the text may hold one level of brackets
# (a picture inside a link). The target may be written <in angle brackets>.
_LINK = re.compile(
    r"(?P<bang>!?)\[(?P<text>(?:[^\[\]]|\[[^\[\]]*\])*)\]"
    r"\(\s*(?:<(?P<angled>[^>]*)>|(?P<target>[^)\s]*))"
    r"(?:\s+(?:\"[^\"]*\"|'[^']*'|\([^)]*\)))?\s*\)"
)
_IMG_TAG = re.compile(r"<img\b[^>]*>", re.I)
_A_TAG = re.compile(r"<a\b(?P<attrs>[^>]*)>(?P<text>.*?)</a\s*>", re.I | re.S)
_REFERENCE = re.compile(r"^ {0,3}\[[^\]]+\]:\s*<?(?P<target>[^\s>]+)", re.M)
_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:|^//")
_HEADING = re.compile(r"^ {0,3}(#{1,6})[ \t]+(.*?)(?:[ \t]+#+)?[ \t]*$")
_PLACEHOLDER = "\x00{}\x00"


def _attribute(tag: str, name: str) -> str | None:
    """The value of ``name="..."`` (or single-quoted, or bare) in an HTML tag."""
    found = re.search(rf"\b{name}\s*=\s*(?:\"([^\"]*)\"|'([^']*)'|([^\s>]+))", tag, re.I)
    if found is None:
        return None
    return next(g for g in found.groups() if g is not None)


def is_relative(target: str) -> bool:
    """A path inside the project: no scheme (``https:``, ``mailto:``), not ``//host``, and
    not an in-page anchor (``#...``)."""
    return bool(target) and not target.startswith("#") and not _SCHEME.match(target)


def _picture(alt: str, path: str) -> str:
    # the alt text is shown literally: escape what would start emphasis or a link,
    # and a table cell's separator
    plain = re.sub(r"([\\*_\[\]|<>`])", r"\\\1", " ".join(alt.split()))
    return f"*[picture: {plain} — `{path}`]*" if plain else f"*[picture: `{path}`]*"


def _file_link(text: str, path: str) -> str:
    return f"`{path}`" if text.strip() in (path, f"`{path}`") else f"{text} (`{path}`)"


def slug(heading: str) -> str:
    """The id a heading gets on GitHub and on the package index (comrak's anchorizer):
    the heading's plain text, lower case, with every character that is not a letter, a
    mark, a digit, ``_``, ``-`` or a space removed and each space turned into ``-``."""
    text = _LINK.sub(lambda m: m["text"], heading).replace("`", "").replace("*", "")
    kept = (
        c
        for c in text.lower()
        if c in " -" or unicodedata.category(c)[0] in "LMN" or unicodedata.category(c) == "Pc"
    )
    return "".join(kept).replace(" ", "-")


def heading_ids(markdown: str) -> set[str]:
    """Every heading id of a page (outside code), repeated headings numbered ``-1``, ``-2``."""
    ids: set[str] = set()
    for kind, chunk in _split_fences(markdown):
        if kind == "code":
            continue
        for line in chunk.splitlines():
            found = _HEADING.match(line)
            if found is None:
                continue
            base = slug(found[2])
            name, n = base, 0
            while name in ids:
                n += 1
                name = f"{base}-{n}"
            ids.add(name)
    return ids


def _split_fences(markdown: str) -> list[tuple[str, str]]:
    """``[("text", ...), ("code", ...), ...]``: fenced blocks (fence lines included) apart
    from the rest, so that joining the pieces gives the input back."""
    pieces: list[tuple[str, str]] = []
    current: list[str] = []
    fence: str | None = None
    for line in markdown.splitlines(keepends=True):
        opened = _FENCE.match(line)
        if fence is None and opened:
            pieces.append(("text", "".join(current)))
            current, fence = [line], opened[1]
        elif fence is not None:
            current.append(line)
            stripped = line.strip()
            if stripped.startswith(fence) and set(stripped) == {fence[0]}:
                pieces.append(("code", "".join(current)))
                current, fence = [], None
        else:
            current.append(line)
    pieces.append(("code" if fence is not None else "text", "".join(current)))
    return [(kind, text) for kind, text in pieces if text]


def _convert_text(text: str, anchors: set[str]) -> str:
    """Rewrite the pictures and links of Markdown text that holds no fenced code."""
    for found in _REFERENCE.finditer(text):
        if is_relative(found["target"]):
            raise ValueError(
                f"package description: the reference definition {found[0].strip()!r} points "
                "at a file of the project; write it as an inline link [text](path) in "
                "README.md so that docs/package_description.py can rewrite it"
            )
    # Inline code is left as written: set it aside, rewrite the rest, put it back.
    spans: list[str] = []

    def hide(found: re.Match[str]) -> str:
        spans.append(found[0])
        return _PLACEHOLDER.format(len(spans) - 1)

    # a paragraph break ends any code span, so spans are looked for per paragraph
    paragraphs = re.split(r"(\n[ \t]*\n)", text)
    hidden = "".join(_CODE_SPAN.sub(hide, p) for p in paragraphs)

    def link(found: re.Match[str]) -> str:
        target = found["angled"] if found["angled"] is not None else found["target"]
        inner = found["text"]
        if found["bang"]:
            return _picture(_restore(inner, spans), target) if is_relative(target) else found[0]
        inner = _LINK.sub(link, inner)  # a picture inside the link's text
        if is_relative(target):
            return _file_link(_restore(inner, spans), target)
        if target.startswith("#") and target[1:] not in anchors:
            return inner
        # an absolute link, or an anchor the page has: kept, with its text rewritten
        return f"[{inner}]" + found[0][found.end("text") + 1 - found.start() :]

    def img(found: re.Match[str]) -> str:
        src = _attribute(found[0], "src") or ""
        return _picture(_attribute(found[0], "alt") or "", src) if is_relative(src) else found[0]

    def anchor(found: re.Match[str]) -> str:
        href = _attribute(found["attrs"], "href") or ""
        if href.startswith("#"):
            return found[0] if href[1:] in anchors else found["text"]
        return _file_link(found["text"], href) if is_relative(href) else found[0]

    hidden = _IMG_TAG.sub(img, hidden)
    hidden = _A_TAG.sub(anchor, hidden)
    hidden = _LINK.sub(link, hidden)
    return _restore(hidden, spans)


def _restore(text: str, spans: list[str]) -> str:
    return re.sub("\x00(\\d+)\x00", lambda m: spans[int(m[1])], text)


def convert(markdown: str) -> str:
    """README Markdown -> the same Markdown with no relative picture or link left.

    Fenced code blocks and inline code come out exactly as they went in.
    """
    anchors = heading_ids(markdown)
    return "".join(
        chunk if kind == "code" else _convert_text(chunk, anchors)
        for kind, chunk in _split_fences(markdown)
    )


def render(readme: Path = README) -> str:
    """The text of ``docs/PACKAGE.md``: the note, then the converted README."""
    return NOTE + convert(readme.read_text(encoding="utf-8"))


def build(readme: Path = README, output: Path = OUTPUT) -> bool:
    """Write ``output`` (in one step: whole or not at all); True when it changed."""
    # imported here, not at the top: `python docs/package_description.py` first puts the
    # checkout on sys.path (see the end of the file)
    from autograd.atomic_file import atomic_write

    text = render(readme)
    if output.exists() and output.read_text(encoding="utf-8") == text:
        return False
    data = text.encode("utf-8")
    atomic_write(output, lambda f: f.write(data), "package description")
    return True


def main(argv: list[str]) -> int:
    command = argv[1] if len(argv) > 1 else "build"
    if command == "build":
        changed = build()
        print(f"{OUTPUT.relative_to(ROOT)} {'written' if changed else 'already up to date'}")
        return 0
    if command == "check":
        if OUTPUT.exists() and OUTPUT.read_text(encoding="utf-8") == render():
            return 0
        print(f"{OUTPUT.relative_to(ROOT)} is not what README.md gives: run {COMMAND}")
        return 1
    print(__doc__)
    return 2


if __name__ == "__main__":
    if str(ROOT) not in sys.path:  # run as a file from a checkout: autograd is next door
        sys.path.insert(0, str(ROOT))
    sys.exit(main(sys.argv))
