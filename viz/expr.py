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

from autograd.value import Value

__all__ = ["ExprError", "build_expression", "FUNCTIONS", "MAX_LENGTH"]

#: Function name -> ``Value`` method name. Only these may be called.
FUNCTIONS: dict[str, str] = {
    name: name
    for name in (
        "tanh",
        "relu",
        "sigmoid",
        "exp",
        "log",
        "sqrt",
        "sin",
        "cos",
        "abs",
        "leaky_relu",
    )
}

#: Longest accepted expression, in characters. Hand-typed formulas are far shorter;
#: the cap bounds parse time, memory and the size of the drawing.
MAX_LENGTH = 1000

_BINARY_OPS: dict[type, str] = {
    ast.Add: "+",
    ast.Sub: "-",
    ast.Mult: "*",
    ast.Div: "/",
    ast.Pow: "**",
}

# Friendly names for the constructs people most often try; anything else falls back to
# the ast class name.
_CONSTRUCT_NAMES: dict[type, str] = {
    ast.Attribute: "attribute access",
    ast.Subscript: "subscript",
    ast.Lambda: "lambda",
    ast.ListComp: "list comprehension",
    ast.SetComp: "set comprehension",
    ast.DictComp: "dict comprehension",
    ast.GeneratorExp: "generator expression",
    ast.List: "list",
    ast.Tuple: "tuple",
    ast.Set: "set",
    ast.Dict: "dict",
    ast.Compare: "comparison",
    ast.BoolOp: "boolean operator",
    ast.IfExp: "conditional expression",
    ast.Starred: "starred argument",
    ast.NamedExpr: "assignment expression (walrus)",
    ast.JoinedStr: "f-string",
    ast.FormattedValue: "f-string",
    ast.Await: "await",
    ast.Yield: "yield",
    ast.YieldFrom: "yield",
    ast.Slice: "slice",
    ast.Assign: "assignment",
    ast.AugAssign: "augmented assignment",
    ast.AnnAssign: "annotated assignment",
    ast.Import: "import statement",
    ast.ImportFrom: "import statement",
    ast.FunctionDef: "function definition",
    ast.ClassDef: "class definition",
    ast.Delete: "del statement",
    ast.Pass: "pass statement",
}

_OPERATOR_NAMES: dict[type, str] = {
    ast.FloorDiv: "'//'",
    ast.Mod: "'%'",
    ast.MatMult: "'@'",
    ast.LShift: "'<<'",
    ast.RShift: "'>>'",
    ast.BitOr: "'|'",
    ast.BitAnd: "'&'",
    ast.BitXor: "'^'",
    ast.Invert: "'~'",
    ast.Not: "'not'",
}

_ALLOWED = (
    "allowed: numbers, variable names, + - * / **, unary - and +, "
    f"and calls of {', '.join(FUNCTIONS)}"
)


class ExprError(ValueError):
    """The expression is not valid, uses a construct outside the whitelist, or cannot be
    evaluated with the given values (unknown names, division by zero, overflow, ...)."""


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


# ---------------------------------------------------------------------------- parsing
def _parseable(text: str) -> str:
    """``text``, changed only so that leading blanks do not cause "unexpected indent".

    The first blank becomes ``(`` and a ``)`` is added on a line of its own (after any
    trailing comment): every node keeps its line and column, so error messages still
    point at the right place in what the user typed.
    """
    return "(" + text[1:] + "\n)" if text[:1].isspace() else text


def _parse(text: str) -> ast.expr:
    """Parse one expression; statements get a clear refusal instead of "invalid syntax"."""
    if "\0" in text:
        raise ExprError("expression contains a null character")
    try:
        return ast.parse(text, mode="eval").body
    except SyntaxError as err:
        syntax_error = err
    except (RecursionError, MemoryError):
        raise ExprError("expression is nested too deeply") from None
    # Not an expression. Parsed as a module it may be statements ("x = 1", "a; b"),
    # which deserve a better message than the expression parser's error.
    try:
        module = ast.parse(text, mode="exec")
    except (SyntaxError, RecursionError, MemoryError, ValueError):
        raise ExprError(_syntax_message(syntax_error, text)) from None
    body = module.body
    if len(body) != 1:
        raise ExprError(
            f"expected one expression, got {len(body)} statements; "
            "write a single expression without ';' or newlines"
        )
    statement = body[0]
    if not isinstance(statement, ast.Expr):
        raise _refusal(text, statement)
    return statement.value


def _syntax_message(err: SyntaxError, text: str) -> str:
    lines = text.splitlines()
    if text.startswith("(") and lines[-1] == ")":  # the line _parseable may have added
        lines.pop()
    detail = "" if err.msg == "invalid syntax" else f": {err.msg}"
    inside = err.lineno is not None and 1 <= err.lineno <= len(lines)
    if inside and err.offset and 1 <= err.offset <= len(lines[err.lineno - 1]):
        line = f"line {err.lineno}, " if len(lines) > 1 else ""
        return f"invalid syntax at {line}column {err.offset}{detail}"
    # Python points past the last character: the expression stops too early.
    return f"invalid syntax at the end of the expression{detail} (is something missing?)"


def _check_whitelist(text: str, tree: ast.expr) -> None:
    """Refuse the first construct outside the whitelist, outermost first.

    This runs before anything is built or any variable is looked up, so
    ``[x for x in y]`` is refused as a comprehension, not for lacking ``x`` and ``y``.
    """
    stack: list[ast.AST] = [tree]
    while stack:
        node = stack.pop()
        children: list[ast.AST] = []
        if isinstance(node, ast.Constant):
            _check_constant(text, node)
        elif isinstance(node, ast.Name):
            pass
        elif isinstance(node, ast.BinOp):
            if type(node.op) not in _BINARY_OPS:
                raise _refusal(text, node, f"operator {_OPERATOR_NAMES[type(node.op)]}")
            children = [node.left, node.right]
        elif isinstance(node, ast.UnaryOp):
            if not isinstance(node.op, (ast.USub, ast.UAdd)):
                raise _refusal(text, node, f"operator {_OPERATOR_NAMES[type(node.op)]}")
            children = [node.operand]
        elif isinstance(node, ast.Call):
            _check_call(text, node)
            children = list(node.args)  # not node.func: it is a whitelisted bare name
        else:
            raise _refusal(text, node)
        stack.extend(reversed(children))  # pop left before right: report in reading order


def _check_constant(text: str, node: ast.Constant) -> None:
    value = node.value
    # bool is an int subclass: refuse True/False explicitly.
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        kind = {str: "string", bytes: "bytes", complex: "complex number"}.get(
            type(value), f"constant {value!r}"
        )
        raise _refusal(text, node, kind)
    try:
        finite = math.isfinite(float(value))
    except OverflowError:  # an int literal with hundreds of digits
        finite = False
    if not finite:
        raise _refusal(text, node, "number too large for a float")


def _check_call(text: str, node: ast.Call) -> None:
    func = node.func
    if not isinstance(func, ast.Name):
        raise _refusal(text, node, f"call of {_describe_callee(func)}")
    name = func.id
    if name not in FUNCTIONS:
        raise _refusal(text, node, f"call of {name!r}")
    if node.keywords:
        raise _refusal(text, node.keywords[0], "keyword argument")
    for arg in node.args:
        if isinstance(arg, ast.Starred):
            raise _refusal(text, arg)
    max_args = 2 if name == "leaky_relu" else 1
    if not 1 <= len(node.args) <= max_args:
        expected = "1 or 2 arguments" if max_args == 2 else "1 argument"
        raise ExprError(
            f"{name}() at column {node.col_offset + 1} takes {expected}, got {len(node.args)}"
        )


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


def _refusal(text: str, node: ast.AST, what: str | None = None) -> ExprError:
    """An ExprError naming the construct, quoting its source and giving its column."""
    what = what or _CONSTRUCT_NAMES.get(type(node)) or _OPERATOR_NAMES.get(type(node))
    what = what or type(node).__name__
    snippet = ast.get_source_segment(text, node) if hasattr(node, "col_offset") else None
    quoted = f" {snippet!r}" if snippet and len(snippet) <= 60 else ""
    column = getattr(node, "col_offset", None)
    where = f" at column {column + 1}" if column is not None else ""
    return ExprError(f"{what}{quoted}{where} is not allowed; {_ALLOWED}")


def _describe_callee(func: ast.AST) -> str:
    if isinstance(func, ast.Attribute):
        return f"method {func.attr!r} (attribute access)"
    if isinstance(func, ast.Call):
        return "the result of a call"
    return _CONSTRUCT_NAMES.get(type(func), type(func).__name__)


# ---------------------------------------------------------------------------- building
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
            return float(node.value)
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
        where = f"{what} at column {node.col_offset + 1} ({source!r})"
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
    if symbol == "+":
        return left + right
    if symbol == "-":
        return left - right
    if symbol == "*":
        return left * right
    if symbol == "/":
        return left / right
    return left**right
