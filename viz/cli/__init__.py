"""``python -m viz`` / ``deltagrad``: draw an expression's graph, run micrograd's demo."""

from .commands import build_parser, main

__all__ = ["main", "build_parser"]
