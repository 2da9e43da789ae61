"""The language of the words viz puts in pictures: ``"en"`` (default) or ``"ja"``.

``viz.set_language("ja")`` switches every later drawing and plot to Japanese labels
(データ / 勾配 / 局所微分, plot titles) for the whole process; ``draw_graph(...,
language="ja")`` does it for one picture. Only the words change: numbers, shapes and
the graph itself are the same in both languages.

Japanese text is drawn with IPAexGothic from the ``matplotlib-fontja`` package (part
of ``deltagrad[plots]``), located by ``viz.fonts`` without any system font. viz's own
Japanese plots set their font inside ``matplotlib.rc_context``; the only global change
is ``set_language("ja")`` appending the font to matplotlib's ``font.family`` as a
fallback for the reader's own figures (``set_language("en")`` takes it out again).
The words themselves live in ``viz.words``.
"""

from __future__ import annotations

import threading
from typing import Literal

__all__ = ["LANGUAGES", "get_language", "set_language", "resolve_language"]

Language = Literal["en", "ja"]
LANGUAGES: tuple[str, ...] = ("en", "ja")

# One process-wide setting, like matplotlib's rcParams; the lock keeps a set from one
# thread and a read from another consistent (a str assignment is atomic anyway, the lock
# documents the intent and guards future compound state).
_lock = threading.Lock()
_current: str = "en"


def _check(language: object, where: str) -> str:
    if not isinstance(language, str) or language not in LANGUAGES:
        raise ValueError(
            f"{where}: language must be one of {', '.join(map(repr, LANGUAGES))}, "
            f"got {language!r}; e.g. viz.set_language('ja') for Japanese labels"
        )
    return language


def set_language(language: Language) -> None:
    """Use ``language`` ("en" or "ja") for the words in every later drawing and plot.

    The one global side effect beyond viz: with ``"ja"``, IPAexGothic is appended to
    matplotlib's ``rcParams["font.family"]`` as a fallback (Japanese characters in any
    figure then render; Latin text keeps its font); ``"en"`` removes it again.
    """
    global _current
    checked = _check(language, "viz.set_language")
    with _lock:
        _current = checked
        from .fonts import matplotlib_fallback

        matplotlib_fallback(checked)


def get_language() -> str:
    """The language set by :func:`set_language` ("en" unless changed)."""
    return _current


def resolve_language(language: str | None, where: str) -> str:
    """``language`` if given (checked), else the process-wide setting."""
    return _current if language is None else _check(language, where)
