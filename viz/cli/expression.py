"""Build a ``Value`` graph from a typed arithmetic expression -- safely.

``build_expression("tanh(a*b + c)", {"a": 2, "b": -3, "c": 10})`` parses the text with
:mod:`ast` and then walks the syntax tree itself, turning each whitelisted node into the
matching ``Value`` operation. Nothing is ever executed -- no ``eval``, no ``exec``, no
code object (``ast.parse`` only produces the syntax tree): a construct that is not on
the whitelist below is refused with an :class:`ExprError` that names it and says at
which column it starts.

Allowed
    * numbers: ``2``, ``-3.5``, ``1e-3`` (ints become floats);
    * variable names: each name becomes ONE leaf ``Value`` labelled with the name, so
      ``a*a`` has parents ``(a, a)`` and ``a.grad`` collects both contributions;
    * binary ``+ - * / **``, unary ``-`` and ``+``;
    * calls by bare name of ``tanh relu sigmoid exp log sqrt sin cos abs`` (one
      argument) and ``leaky_relu(x)`` / ``leaky_relu(x, alpha)`` with a constant
      ``alpha``.

The parse and the whitelist check (with the wording of every refusal) live in
:mod:`viz.cli.expression_check`; this module builds the accepted tree out of ``Value`` nodes.

Why this is safe against big inputs too: the text length is capped (which bounds the
parse, the graph and the drawing), nothing here recurses (deep nesting that Python's
own parser accepts is built with an explicit stack), and every number is a Python
``float``, so ``9**9**9`` overflows at once (and is refused) instead of computing an
integer with hundreds of millions of digits.
"""

from __future__ import annotations

import ast
import math
from collections.abc import Callable
from typing import cast

from autograd.value import Value

from .expression_check import (
    _BINARY_OPS,
    FUNCTIONS,
    ExprError,
    _check_whitelist,
    _parse,
    _parseable,
    _refusal,
)

__all__ = ["ExprError", "build_expression", "FUNCTIONS", "MAX_LENGTH"]

#: Longest accepted expression, in characters. Hand-typed formulas are far shorter;
#: the cap bounds parse time, memory and the size of the drawing.
MAX_LENGTH = 1000


def build_expression(text: str, values: dict[str, float]) -> tuple[Value, dict[str, Value]]:
    """Parse ``text`` and build it out of ``Value`` nodes.

    Parameters
    ----------
    text : str
        An arithmetic expression such as ``"tanh(a*b + c)"`` (see the module docstring
        for what is allowed).
    values : dict[str, float]
        A number for every variable the expression uses. Extra entries are ignored.

    Returns
    -------
    root : Value
        The expression's value; call ``root.backward()`` to fill the leaves' gradients.
    leaves : dict[str, Value]
        One leaf per variable, in order of first appearance, labelled with its name.

    Raises
    ------
    ExprError
        For syntax errors, constructs outside the whitelist (the message names the
        construct and its 1-based column), variables without a value, non-finite
        values, and arithmetic that fails (division by zero, log of a negative
        number, overflow).

    Examples
    --------
    >>> root, leaves = build_expression("a*a", {"a": 3})
    >>> root.backward(); leaves["a"].grad
    6.0
    """
    if not isinstance(text, str):
        raise ExprError(f"expression must be a string, got {type(text).__name__}")
    if len(text) > MAX_LENGTH:
        raise ExprError(f"expression is {len(text)} characters long; the limit is {MAX_LENGTH}")
    if not text.strip():
        raise ExprError("empty expression")
    text = _parseable(text)
    tree = _parse(text)
    _check_whitelist(text, tree)
    leaves = _make_leaves(tree, values)
    root = _Builder(text, leaves).build(tree)
    if not isinstance(root, Value):  # a constant such as "3" is still drawn as one node
        root = Value(root)
    return root, leaves


# ---------------------------------------------------------------------------- building
def _make_leaves(tree: ast.AST, values: dict[str, float]) -> dict[str, Value]:
    """One labelled leaf per variable name; all missing names are reported at once."""
    callees = {id(n.func) for n in ast.walk(tree) if isinstance(n, ast.Call)}
    # ast.walk is breadth-first; sort so variables come out in reading order (a, b, c).
    found = [n for n in ast.walk(tree) if isinstance(n, ast.Name) and id(n) not in callees]
    found.sort(key=lambda n: (n.lineno, n.col_offset))
    names = list(dict.fromkeys(n.id for n in found))
    missing = [name for name in names if name not in values]
    if missing:
        raise ExprError(
            f"no value given for {', '.join(missing)}; pass NAME=VALUE for every variable"
        )
    leaves: dict[str, Value] = {}
    for name in names:
        number = values[name]
        if isinstance(number, bool) or not isinstance(number, (int, float)):
            raise ExprError(f"value of {name!r} must be a real number, got {type(number).__name__}")
        if not math.isfinite(number):
            raise ExprError(f"value of {name!r} must be finite, got {number}")
        leaves[name] = Value(float(number), label=name)
    return leaves


class _Builder:
    """Turns an already whitelisted tree into Values, children before parents.

    The walk uses an explicit stack rather than recursion, so a long flat sum such as
    ``a + a + ... + a`` (a left-nested tree hundreds of levels deep) is fine.
    Sub-expressions made only of numbers stay Python floats, so ``a**2`` becomes the
    single node ``**2`` (as in micrograd) rather than ``a ** Value(2)``.
    """

    def __init__(self, text: str, leaves: dict[str, Value]) -> None:
        self.text = text
        self.leaves = leaves

    def build(self, tree: ast.expr) -> Value | float:
        built: dict[int, Value | float] = {}  # id(ast node) -> its Value or number
        stack: list[tuple[ast.AST, bool]] = [(tree, False)]
        while stack:
            node, operands_done = stack.pop()
            operands = _operands(node)
            if operands and not operands_done:
                stack.append((node, True))
                # reversed: the leftmost operand is popped, and so built, first
                stack.extend((child, False) for child in reversed(operands))
                continue
            built[id(node)] = self._make(node, [built.pop(id(c)) for c in operands])
        return built[id(tree)]

    def _make(self, node: ast.AST, operands: list[Value | float]) -> Value | float:
        if isinstance(node, ast.Constant):
            return float(cast(float, node.value))  # a number: checked by the whitelist
        if isinstance(node, ast.Name):
            return self.leaves[node.id]
        if isinstance(node, ast.BinOp):
            return self._binary(node, *operands)
        if isinstance(node, ast.UnaryOp):
            (operand,) = operands
            # "-3" is a literal, not an operation worth a node; "-a" is a "neg" node.
            return -operand if isinstance(node.op, ast.USub) else operand
        if isinstance(node, ast.Call):
            return self._call(node, *operands)
        raise _refusal(self.text, node)  # unreachable after _check_whitelist

    def _binary(self, node: ast.BinOp, left: Value | float, right: Value | float) -> Value:
        symbol = _BINARY_OPS[type(node.op)]
        if not isinstance(left, Value) and not isinstance(right, Value):
            # Both sides are numbers: make the left one a node so the operation is
            # still computed (and drawn) by Value, with its overflow checks.
            left = Value(left)
        return self._checked(node, symbol, lambda: _apply_binary(symbol, left, right))

    def _call(self, node: ast.Call, x: Value | float, *alpha: Value | float) -> Value:
        name = node.func.id  # type: ignore[attr-defined]  # checked to be a bare name
        if not isinstance(x, Value):
            x = Value(x)
        if alpha and isinstance(alpha[0], Value):  # leaky_relu(x, alpha)
            raise _refusal(
                self.text, node.args[1], "a variable as leaky_relu's alpha (use a number)"
            )
        method = getattr(x, FUNCTIONS[name])
        return self._checked(node, f"{name}()", lambda: method(*alpha))

    def _checked(self, node: ast.AST, what: str, compute: Callable[[], Value]) -> Value:
        """Run one Value operation; turn its arithmetic errors into ExprError."""
        source = ast.get_source_segment(self.text, node)
        where = f"{what} at column {getattr(node, 'col_offset', 0) + 1} ({source!r})"
        try:
            out = compute()
        except OverflowError:
            # float ** raises a bare errno tuple ("(34, 'Numerical result out of range')")
            raise ExprError(f"{where} overflows a float") from None
        except (ZeroDivisionError, ValueError) as err:
            raise ExprError(f"{where} failed: {err}") from None
        if not math.isfinite(out.data):
            # float * and + overflow silently to inf; a drawing full of inf/nan teaches
            # nothing, so refuse like the operations that raise.
            raise ExprError(f"{where} overflows to {out.data}")
        return out


def _operands(node: ast.AST) -> list[ast.AST]:
    """The sub-expressions a whitelisted node is computed from, left to right."""
    if isinstance(node, ast.BinOp):
        return [node.left, node.right]
    if isinstance(node, ast.UnaryOp):
        return [node.operand]
    if isinstance(node, ast.Call):
        return list(node.args)
    return []


def _apply_binary(symbol: str, left: Value | float, right: Value | float) -> Value:
    # one side at least is a Value (the caller made sure), so the result is a Value
    left, right = cast(Value, left), cast(Value, right)
    if symbol == "+":
        return left + right
    if symbol == "-":
        return left - right
    if symbol == "*":
        return left * right
    if symbol == "/":
        return left / right
    return left**right
