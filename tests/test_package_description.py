"""The package index's page (docs/PACKAGE.md, pyproject's readme) is README.md without a
relative picture or link, and stays in step with README.md.

``docs/package_description.py`` makes it; these tests check the committed file against
what README.md gives today, the conversion rules on a small README made here, and the
description inside the built wheel (the session's one build, ``dists`` in conftest.py).
"""

from __future__ import annotations

import email.parser
import importlib.util
import re
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
_spec = importlib.util.spec_from_file_location(
    "package_description", ROOT / "docs/package_description.py"
)
package_description = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(package_description)

# Written independently of the generator, so a mistake there cannot hide here: the targets
# of Markdown pictures and links (a picture inside a link too), of <img src> and <a href>.
_TARGETS = re.compile(
    r"!?\[(?:[^\[\]]|\[[^\]]*\])*\]\(\s*<?([^)\s>]+)|<img\b[^>]*\bsrc\s*=\s*[\"']?([^\"'\s>]+)"
    r"|<a\b[^>]*\bhref\s*=\s*[\"']?([^\"'\s>]+)",
    re.I,
)

# a fenced block, fence lines included: ``` or ~~~ (3 or more), closed by the same fence
_FENCED = re.compile(r"^[ \t]*(```+|~~~+).*?^[ \t]*\1[ \t]*$", re.M | re.S)


def _without_code(markdown: str) -> str:
    """Markdown with fenced blocks and inline code removed (their text is not a link)."""
    markdown = _FENCED.sub("", markdown)
    return re.sub(r"(`+).+?\1", "", markdown, flags=re.S)


def _targets(markdown: str) -> list[str]:
    return [next(g for g in m.groups() if g) for m in _TARGETS.finditer(_without_code(markdown))]


def _fenced_blocks(markdown: str) -> list[str]:
    return [m[0] for m in _FENCED.finditer(markdown)]


# ---------------------------------------------------------------- the committed file


def test_committed_description_is_what_the_readme_gives() -> None:
    committed = package_description.OUTPUT.read_text(encoding="utf-8")
    assert committed == package_description.render(), (
        "docs/PACKAGE.md is not what README.md gives (README.md changed without "
        f"regenerating it): run {package_description.COMMAND}"
    )


def test_readme_itself_still_has_its_pictures_and_links() -> None:
    # README.md stays the repository's README: the rewrite happens only in docs/PACKAGE.md
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "![backprop graph of tanh(a*b + c)](docs/images/quickstart.png)" in readme
    assert "[CONTRIBUTING.md](CONTRIBUTING.md)" in readme


def test_description_keeps_the_readme_code_and_headings() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    described = package_description.render()
    assert described.startswith(package_description.NOTE)
    blocks = _fenced_blocks(readme)
    assert len(blocks) > 10 and blocks[0].startswith("```bash\n")
    assert _fenced_blocks(described) == blocks
    assert package_description.heading_ids(described) == package_description.heading_ids(readme)
    # one picture line per README picture, none dropped
    pictures = len(re.findall(r"!\[", _without_code(readme)))
    assert pictures > 0 and described.count("*[picture: ") == pictures


def test_description_has_no_relative_target() -> None:
    described = package_description.render()
    ids = package_description.heading_ids(described)
    bad = [
        t
        for t in _targets(described)
        if not re.match(r"[a-z][a-z0-9+.-]*:", t, re.I) and not (t[0] == "#" and t[1:] in ids)
    ]
    assert not bad, f"relative pictures or links left in the package description: {bad}"
    # the README's two in-page links to existing sections stay links
    assert "[Speed](#speed-the-referee-benchmark)" in described


# ------------------------------------------------------------------ the conversion rules

_SMALL_README = """\
# Title

[日本語](README.ja.md) and [CONTRIBUTING.md](CONTRIBUTING.md); the site: [home](https://example.org/x).

| a | b |
|---|---|
| ![a graph](docs/images/g.png) | ![](docs/images/empty.png "no alt") |

See [the section](#the-section), not [a missing one](#nowhere); the `[a](b.md)` stays,
<img src="docs/images/h.png" alt="an HTML picture" width="200"> and
<a href="LICENSE">the licence</a>.
[![badge](docs/images/b.svg)](https://example.org/ci) and ![a*b_c](<docs/images/x y.png>)

```python
x = "![x](y)"  # [link](file.md)
```

  ~~~
  ![inside a tilde fence](z.png)
  ~~~

## The section
"""

_SMALL_PACKAGE = """\
# Title

日本語 (`README.ja.md`) and `CONTRIBUTING.md`; the site: [home](https://example.org/x).

| a | b |
|---|---|
| *[picture: a graph — `docs/images/g.png`]* | *[picture: `docs/images/empty.png`]* |

See [the section](#the-section), not a missing one; the `[a](b.md)` stays,
*[picture: an HTML picture — `docs/images/h.png`]* and
the licence (`LICENSE`).
[*[picture: badge — `docs/images/b.svg`]*](https://example.org/ci) and \
*[picture: a\\*b\\_c — `docs/images/x y.png`]*

```python
x = "![x](y)"  # [link](file.md)
```

  ~~~
  ![inside a tilde fence](z.png)
  ~~~

## The section
"""


def test_conversion_rules_on_a_small_readme() -> None:
    assert package_description.convert(_SMALL_README) == _SMALL_PACKAGE
    assert _targets(_SMALL_PACKAGE) == [
        "https://example.org/x",
        "#the-section",
        "https://example.org/ci",
    ]


def test_text_after_an_unclosed_fence_is_code() -> None:
    text = "[a](a.md)\n```\n[b](b.md)\n"
    assert package_description.convert(text) == "a (`a.md`)\n```\n[b](b.md)\n"


def test_heading_ids_follow_githubs_rule() -> None:
    text = "# `Value`: the engine\n## Speed\n### Speed\n## ゼロから作る / DeZero\n```\n# no\n```\n"
    ids = package_description.heading_ids(text)
    assert ids == {"value-the-engine", "speed", "speed-1", "ゼロから作る--dezero"}


def test_reference_definition_to_a_file_is_refused() -> None:
    with pytest.raises(ValueError, match=r"\[guide\]: CONTRIBUTING.md.*inline link"):
        package_description.convert("See [the guide][guide].\n\n[guide]: CONTRIBUTING.md\n")
    kept = "See [the site][s].\n\n[s]: https://example.org\n"
    assert package_description.convert(kept) == kept


def test_build_writes_once_and_check_reports_drift(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    readme, output = tmp_path / "README.md", tmp_path / "PACKAGE.md"
    readme.write_text("![p](docs/images/p.png)\n", encoding="utf-8")
    assert package_description.build(readme, output) is True
    assert output.read_text(encoding="utf-8") == (
        package_description.NOTE + "*[picture: p — `docs/images/p.png`]*\n"
    )
    assert package_description.build(readme, output) is False  # already up to date
    assert sorted(p.name for p in tmp_path.iterdir()) == ["PACKAGE.md", "README.md"]

    monkeypatch.setattr(package_description, "ROOT", tmp_path)
    monkeypatch.setattr(package_description, "README", readme)
    monkeypatch.setattr(package_description, "OUTPUT", output)
    monkeypatch.setattr(package_description, "render", lambda: package_description.NOTE)
    assert package_description.main(["package_description.py", "check"]) == 1
    assert "make package-description" in capsys.readouterr().out


# ------------------------------------------------------------------ the built wheel


@pytest.mark.packaging
@pytest.mark.xdist_group("packaging")
def test_wheel_description_has_no_relative_picture_or_link(dists: dict[str, Path]) -> None:
    with zipfile.ZipFile(dists["wheel"]) as whl:
        (name,) = [n for n in whl.namelist() if n.endswith(".dist-info/METADATA")]
        meta = email.parser.Parser().parsestr(whl.read(name).decode("utf-8"))
    assert meta["Description-Content-Type"] == "text/markdown"
    description = meta.get_payload()
    assert description.startswith(package_description.NOTE)
    assert "*[picture: backprop graph of tanh(a\\*b + c) — `docs/images/quickstart.png`]*" in (
        description
    )
    ids = package_description.heading_ids(description)
    targets = _targets(description)
    assert "#speed-the-referee-benchmark" in targets
    relative = [
        t
        for t in targets
        if not re.match(r"[a-z][a-z0-9+.-]*:", t, re.I) and not (t[0] == "#" and t[1:] in ids)
    ]
    assert not relative, f"the wheel's description links to files the index cannot show: {relative}"
