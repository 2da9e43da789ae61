"""日本語版ノートブック用の入口: 英語版と同じ補助モジュール (notebooks/course/) をそのまま使う。

Jupyter も nbmake もノートブックのあるフォルダ (notebooks/ja/) から実行するので、
``from course import basics`` がここを見つけ、中身は一つ上の course/ から読み込まれる。
"""

from pathlib import Path

__path__.append(str(Path(__file__).resolve().parents[2] / "course"))  # noqa: F821 (package __path__)
