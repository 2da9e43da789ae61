"""The textbook's notation for ``nn.scalar`` networks (``draw_graph(..., notation="textbook")``)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

__all__ = ["textbook_names"]


def textbook_names(
    order: list, model: Any, label_fn: Callable[[Any], str] | None
) -> Callable[[Any], str] | None:
    raise NotImplementedError
