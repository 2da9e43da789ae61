"""Derivative rules: how each Tensor op sends the output gradient ``gy`` back to its inputs.

``draw_graph`` writes one of these on every operand edge of a Tensor graph, e.g.
``∂/∂a = gy·bᵀ`` for ``a @ b`` (the vector-Jacobian product of the op). Each op states
its rule beside its ``backward`` (``Function.rule``, an ``autograd.rules.DerivativeRule``);
this module reads it from the node's op and fills in the operands' names. Every op of
autograd and nn states one; ``DERIVATIVE_RULES`` (empty, keyed by ``Function.op``) lets a
user give one to a ``Function`` of their own from outside. Ops with neither are drawn
with the neutral ``∂(op)/∂input i``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from autograd.rules import DerivativeRule
from autograd.tensor import Tensor

from ..words import say

__all__ = ["DERIVATIVE_RULES", "DerivativeRule", "derivative_rule", "rule_of"]

# A name longer than this makes edge labels wider than the boxes they connect; the
# rule then uses the op's own symbol for that operand (``W`` rather than
# ``layers.0.weight``), which the edge itself ties to the box.
_MAX_NAME_IN_RULE = 12


# -------------------------------------------------------------------- rule table
#: Rules for ops that do not carry their own ``rule`` (a user's ``Function`` subclass
#: may be given one here, by op label). Every op of autograd and nn states its rule on its
#: class; an op's own ``Function.rule`` wins over an entry here.
DERIVATIVE_RULES: dict[str, DerivativeRule] = {}


def derivative_rule(
    node: Tensor,
    position: int,
    names: Sequence[str] | None = None,
    *,
    taken: frozenset[str] = frozenset(),
    number_format: str = ".4g",
) -> str:
    """The edge text for input ``position`` of the op that made ``node``.

    Parameters
    ----------
    node : Tensor
        An interior node (made by an op).
    position : int
        Which input of the op.
    names : sequence of str, optional
        Display names of the op's inputs ("" for unnamed); a named input appears under
        its name, an unnamed one under the op's own symbol (``a``, ``b``, ``x``, ...).
    taken : frozenset of str
        Names used elsewhere in the drawing: an unnamed input's symbol gets primes
        (``a′``) rather than read as a different, named node.
    number_format : str
        Format of constants that appear in a rule (the exponent of ``x ** 2``).

    Returns
    -------
    str
        E.g. ``"∂/∂a = gy·bᵀ"``; ``"∂(op)/∂input i"`` for an op without a rule.

    Examples
    --------
    >>> import numpy as np
    >>> from autograd import Tensor
    >>> a = Tensor(np.ones((2, 3)), requires_grad=True, label="a")
    >>> b = Tensor(np.ones((3, 4)), requires_grad=True, label="b")
    >>> derivative_rule(a @ b, 1, ["a", "b"])
    '∂/∂b = aᵀ·gy'
    """
    fn = node.grad_fn
    if fn is None:
        raise ValueError("derivative_rule: this Tensor is a leaf; it was not made by an op")
    parents = node.parents
    rule = rule_of(fn)
    if rule is None or not rule.grads or (position >= len(rule.grads) and not rule.variadic):
        return say("rule_unknown", op=fn.op, i=position)
    template = rule.grads[min(position, len(rule.grads) - 1)]
    if template is None:
        return say("rule_none")
    syms = _operand_symbols(rule, fn, parents, names or (), taken, number_format)
    parent = parents[position]
    try:
        body = template.format(
            *syms,
            i=position,
            n=parent.numel() // max(node.numel(), 1),
            shape=_shape(parent.shape),
            dtype=parent.dtype,
            scale=_mean_scale(fn),
        )
    except (IndexError, KeyError, ValueError):
        body = template  # a user-added template with other braces: show it verbatim
    if rule.broadcasts and parent.shape != node.shape:
        body = (f"Σ {body}" if body == "gy" else f"Σ({body})") + say("rule_summed")
    return f"∂/∂{syms[position]} = {body}"


def rule_of(fn: Any) -> DerivativeRule | None:
    """The derivative rule of op ``fn``: its own ``rule``, else the table's entry."""
    rule = getattr(fn, "rule", None)
    return rule if rule is not None else DERIVATIVE_RULES.get(fn.op)


def _mean_scale(fn: Any) -> str:
    """``/N`` for a fused loss averaged over N terms (``reduction="mean"``), else ''."""
    scale = getattr(fn, "scale", 1.0)
    if getattr(fn, "reduction", None) != "mean" or not scale or scale == 1.0:
        return ""
    return f"/{round(1.0 / scale)}"


def _operand_symbols(
    rule: DerivativeRule,
    fn: Any,
    parents: Sequence[Any],
    names: Sequence[str],
    taken: frozenset[str],
    number_format: str,
) -> list[str]:
    """What each input is called in the rule text, for every symbol the rule knows."""
    real = [
        names[k] if k < len(names) and len(names[k]) <= _MAX_NAME_IN_RULE else ""
        for k in range(len(parents))
    ]
    constants = dict(rule.constants)
    out: list[str] = []
    for k in range(max(len(parents), len(rule.symbols))):
        if k < len(parents) and real[k]:
            out.append(real[k])
            continue
        if rule.variadic and k >= len(rule.symbols) - 1 and len(parents) > 1:
            sym = f"{rule.symbols[-1]}{k}"  # inputs of concat: x0, x1, ...
        elif k < len(rule.symbols):
            sym = rule.symbols[k]
        else:
            sym = f"x{k}"
        if k >= len(parents):
            # Called without this input: a constant of the op, e.g. the 2 of x ** 2.
            value = getattr(fn, constants[sym], None) if sym in constants else None
            if isinstance(value, (int, float, np.number)):
                sym = _number(float(value), number_format)
        else:
            # An unnamed operand must not borrow a name that a drawn node really has.
            while sym in taken or sym in real:
                sym += "′"
        out.append(sym)
    return out


# -------------------------------------------------------------------- numbers
def _number(x: float, fmt: str) -> str:
    # -0.0 (e.g. 0 * -0.3) prints as "-0", which only puzzles a learner.
    return format(x + 0.0 if x == 0 else x, fmt)


def _element(x: Any, fmt: str) -> str:
    if isinstance(x, (bool, np.bool_)):
        return str(bool(x))
    if isinstance(x, (int, np.integer)):
        return str(int(x))
    if isinstance(x, (complex, np.complexfloating)):
        return format(complex(x), fmt)
    return _number(float(x), fmt)


def _shape(shape: tuple[int, ...]) -> str:
    return str(tuple(int(n) for n in shape))
