"""``DerivativeRule``: the text of an op's derivative, as drawings show it on edges.

Each op states its rule next to its ``backward`` (``Function.rule``), e.g. for
``y = a @ b``::

    rule = DerivativeRule.of("a b", "gy·{1}ᵀ", "{0}ᵀ·gy")

meaning ∂L/∂a = gy·bᵀ and ∂L/∂b = aᵀ·gy, the vector-Jacobian products the backward
computes. ``viz`` reads ``node.grad_fn.rule`` and fills in the operands' names.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import NamedTuple

__all__ = ["DerivativeRule"]


class DerivativeRule(NamedTuple):
    """How an op sends its output gradient ``gy`` back to each input.

    Attributes
    ----------
    symbols : tuple[str, ...]
        The op's own names for its inputs, by position (``("a", "b")`` for ``a @ b``).
    grads : tuple[str | None, ...]
        One template per input position: the input's gradient contribution in terms of
        ``gy`` (output gradient), ``y`` (output) and ``{0}``, ``{1}``, ... (the inputs,
        replaced by their names in the drawing). Other placeholders: ``{shape}`` and
        ``{dtype}`` of this input, ``{n}`` = input size / output size, ``{i}`` = position,
        ``{scale}`` = ``/N`` when a fused loss averages N terms (``reduction="mean"``).
        ``None``: the op does not differentiate that input.
    broadcasts : bool
        Elementwise op with NumPy broadcasting: an input of a smaller shape receives
        its gradient summed over the broadcast axes (drawn as ``Σ(...)``).
    variadic : bool
        Any number of inputs: the last template applies to all further positions.
    constants : tuple[tuple[str, str], ...]
        ``(symbol, attribute)``: when the op was called without that input, the symbol is
        a constant stored on the ``Function`` (e.g. the exponent of ``x ** 2``).
    """

    symbols: tuple[str, ...]
    grads: tuple[str | None, ...]
    broadcasts: bool = False
    variadic: bool = False
    constants: tuple[tuple[str, str], ...] = ()

    @classmethod
    def of(
        cls,
        symbols: str,
        *grads: str | None,
        broadcasts: bool = False,
        variadic: bool = False,
        constants: Mapping[str, str] | None = None,
    ) -> DerivativeRule:
        """``DerivativeRule.of("a b", "gy", "−gy", broadcasts=True)``: symbols as one
        space-separated string, then one template per input."""
        return cls(
            tuple(symbols.split()), grads, broadcasts, variadic, tuple((constants or {}).items())
        )
