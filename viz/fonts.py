"""The font Japanese pictures are drawn with, found without any system font.

``matplotlib-fontja`` (in the ``plots`` extra) ships IPAexGothic as a plain ``.ttf``
file. viz only *locates* that file -- it never imports ``matplotlib_fontja``, whose
import permanently switches matplotlib's global font -- and hands it to each renderer:

* Graphviz drawings name the family ``IPAexGothic`` (``graph_font("ja")``); the SVG is
  rasterised by resvg with the file loaded (``viz.render.formats``), and the system
  ``dot`` finds it through a private fontconfig file that adds the font's folder
  (``fontconfig_env``), so its layout measures the real glyphs;
* matplotlib: the file is registered with matplotlib's font manager on first use
  (``matplotlib_font``); viz's own plots draw their text with it inside
  ``matplotlib.rc_context`` (``ja_rc``), and ``viz.set_language("ja")`` adds it as a
  fallback family so the reader's own figures show Japanese too (``matplotlib_fallback``).

English pictures keep their fonts (Helvetica in drawings, matplotlib's default in
plots); nothing here runs unless a Japanese picture is made.
"""

from __future__ import annotations

import functools
import importlib.util
import os
import pathlib
import tempfile
from typing import Any

__all__ = [
    "GRAPH_FONT",
    "JA_FONT",
    "JA_FONT_HINT",
    "ja_font_file",
    "graph_font",
    "needs_ja_font",
    "fontconfig_env",
    "matplotlib_font",
    "matplotlib_fallback",
    "ja_rc",
]

#: The font family of English drawings: metrics known to both Graphviz builds; resvg
#: maps it to the system's sans-serif.
GRAPH_FONT = "Helvetica"

#: The family name inside ``ipaexg.ttf`` (what DOT's ``fontname`` and SVG's
#: ``font-family`` must say for resvg / fontconfig / matplotlib to pick the file).
JA_FONT = "IPAexGothic"

JA_FONT_HINT = (
    "Japanese labels need the IPAexGothic font from matplotlib-fontja: "
    "pip install matplotlib-fontja (part of pip install 'deltagrad[plots]')"
)


@functools.lru_cache(maxsize=1)
def ja_font_file() -> pathlib.Path | None:
    """Path of ``ipaexg.ttf`` inside the installed ``matplotlib_fontja``, or ``None``.

    Found from the package's location (``importlib.util.find_spec``), without importing
    it: its ``__init__`` would change matplotlib's rcParams for the whole process.
    """
    try:
        spec = importlib.util.find_spec("matplotlib_fontja")
    except (ImportError, ValueError):
        return None
    if spec is None or not spec.submodule_search_locations:
        return None
    for folder in spec.submodule_search_locations:
        path = pathlib.Path(folder) / "fonts" / "ipaexg.ttf"
        if path.is_file():
            return path
    return None


def graph_font(language: str) -> str:
    """The DOT ``fontname`` for a drawing in ``language``."""
    if language == "ja" and ja_font_file() is not None:
        return JA_FONT
    return GRAPH_FONT


def needs_ja_font(text: str) -> bool:
    """Whether ``text`` (DOT or SVG) asks for the Japanese font or holds CJK characters.

    Kana, CJK ideographs and full-width forms: a user's own Japanese node labels in an
    English drawing get the font too.
    """
    if JA_FONT in text:
        return True
    return any(
        "\u3000" <= ch <= "\u30ff" or "\u3400" <= ch <= "\u9fff" or "\uff00" <= ch <= "\uffef"
        for ch in text
        if ord(ch) > 0x2FFF
    )


@functools.lru_cache(maxsize=1)
def _fontconfig_file() -> str | None:
    font = ja_font_file()
    if font is None:
        return None
    # The user's (or the system's) configuration, plus the font's folder. Written once
    # per process into a private temporary folder, with a private cache beside it.
    base = os.environ.get("FONTCONFIG_FILE") or "/etc/fonts/fonts.conf"
    folder = pathlib.Path(tempfile.mkdtemp(prefix="deltagrad-fonts-"))
    text = (
        '<?xml version="1.0"?>\n<!DOCTYPE fontconfig SYSTEM "fonts.dtd">\n<fontconfig>\n'
        f'  <include ignore_missing="yes">{_xml(base)}</include>\n'
        f"  <dir>{_xml(str(font.parent))}</dir>\n"
        f"  <cachedir>{_xml(str(folder / 'cache'))}</cachedir>\n"
        "</fontconfig>\n"
    )
    path = folder / "fonts.conf"
    path.write_text(text, encoding="utf-8")
    return str(path)


def _xml(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def fontconfig_env() -> dict[str, str] | None:
    """Environment for a system ``dot`` that must find IPAexGothic; ``None`` if not installed."""
    conf = _fontconfig_file()
    if conf is None:
        return None
    return dict(os.environ, FONTCONFIG_FILE=conf)


_registered = False


def matplotlib_font() -> str:
    """Register IPAexGothic with matplotlib's font manager (once); its family name.

    Raises
    ------
    ImportError
        If matplotlib-fontja is not installed (the message says what to install).
    """
    global _registered
    font = ja_font_file()
    if font is None:
        raise ImportError(JA_FONT_HINT)
    if not _registered:
        from matplotlib import font_manager

        font_manager.fontManager.addfont(str(font))
        _registered = True
    return JA_FONT


def matplotlib_fallback(language: str) -> None:
    """``viz.set_language``'s one global change: IPAexGothic as matplotlib's fallback font.

    For ``"ja"`` the family is appended to ``rcParams["font.family"]`` (when matplotlib
    is installed and the font is found), so the reader's *own* figures in a Japanese
    notebook -- ``ax.set_title("勾配消失")`` -- draw their Japanese characters while
    Latin text keeps its font (matplotlib falls back glyph by glyph along the family
    list). For ``"en"`` it is removed again, which restores the setting it changed.
    """
    if ja_font_file() is None:
        return
    try:
        import matplotlib
    except ImportError:
        return
    family = matplotlib.rcParams["font.family"]
    family = [family] if isinstance(family, str) else list(family)
    if language == "ja" and JA_FONT not in family:
        matplotlib_font()
        matplotlib.rcParams["font.family"] = [*family, JA_FONT]
    elif language != "ja" and JA_FONT in family:
        matplotlib.rcParams["font.family"] = [f for f in family if f != JA_FONT]


def ja_rc() -> dict[Any, Any]:
    """rcParams that make matplotlib draw text with IPAexGothic (for ``rc_context``)."""
    family = matplotlib_font()
    return {"font.family": [family, "sans-serif"], "axes.unicode_minus": False}
