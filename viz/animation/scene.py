"""The graph an animation shows: its nodes in the driver's order and the name of each.

Both halves of frame building read it -- ``viz.animation.frames`` for the captions and
``viz.animation.frame_drawer`` for the pictures -- so it is made once per animation.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from autograd.tensor import Tensor

__all__ = ["Scene", "unique_names", "named_in_box"]


@dataclass(frozen=True)
class Scene:
    """The animated graph and how it is drawn.

    Attributes
    ----------
    order : list
        The nodes in topological order (parents first), as the backward driver orders
        them; a node's position in it is its number in frames and steps.
    root : Value or Tensor
        The output whose backward pass is shown.
    names : tuple[str, ...]
        The unique name of each node in captions and boxes (``unique_names``).
    rankdir : str
        Direction of the data flow in the drawings.
    number_format : str
        ``format()`` spec of every number.
    index : dict
        node -> position in ``order``.
    """

    order: list
    root: Any
    names: tuple[str, ...]
    rankdir: str
    number_format: str
    #: the drawing's font (``viz.fonts.graph_font``: Helvetica, or IPAexGothic for "ja")
    font: str = "Helvetica"
    index: dict[Any, int] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "index", {node: i for i, node in enumerate(self.order)})

    def name_of(self, node: Any) -> str:
        """The name of a node of the graph."""
        return self.names[self.index[node]]


def unique_names(order: list, root: Any) -> tuple[str, ...]:
    """Label of each node, made unique; ``n1, n2, ...`` (``out`` for the root) if none."""
    labels = [str(getattr(node, "label", "") or "") for node in order]
    taken = set(labels)
    names: list[str] = []
    used: set[str] = set()
    counter = 0
    for node, label in zip(order, labels):
        name = label
        if not name and node is root and "out" not in taken:
            name = "out"
        if not name or name in used:
            base = label
            while True:
                counter += 1
                name = f"{base}#{counter}" if base else f"n{counter}"
                if name not in taken and name not in used:
                    break
        used.add(name)
        names.append(name)
    return tuple(names)


def named_in_box(node: Any) -> bool:
    """False for a one-element constant Tensor: it shows its value, not a made-up name."""
    return not (isinstance(node, Tensor) and node.is_leaf and not node.requires_grad)
