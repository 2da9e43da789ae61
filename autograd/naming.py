"""``name``: DeZero's (ゼロから作る Deep Learning ❸) word for a node's ``label``.

``x.name = "x"`` works on ``Value`` and ``Tensor`` as on DeZero's ``Variable`` and shows
in the drawings; PyTorch has no such attribute. A property on a slot-less base class:
it costs nothing on the nodes' other attributes.
"""

from __future__ import annotations

__all__ = ["NameIsLabel"]


class NameIsLabel:
    __slots__ = ()
    label: str

    @property
    def name(self) -> str:
        """The same as ``label`` (DeZero's name for it)."""
        return self.label

    @name.setter
    def name(self, value: str) -> None:
        # the slot is Value's and Tensor's own: mypy checks this class's empty __slots__
        self.label = value  # type: ignore[misc]
