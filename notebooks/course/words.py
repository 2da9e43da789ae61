"""The course helpers' messages in the notebook's language (English, or Japanese in notebooks/ja/).

The Japanese notebooks start with ``viz.set_language("ja")``; a helper that prints or draws
words writes both versions once, ``say("not answered yet", "まだ解答されていない")``, and the
reader sees the one that matches the notebook they run.
"""

from __future__ import annotations

from viz import get_language


def say(en: str, ja: str) -> str:
    """``ja`` when viz's language is Japanese, else ``en``."""
    return ja if get_language() == "ja" else en
