"""Whitelist check for :mod:`viz.cli.expression`: parse the typed text, refuse what is not allowed.

Everything that decides *whether* an expression may be built lives here: the list of
callable functions, the parse (with a clear refusal for statements instead of Python's
"invalid syntax"), the walk that refuses the first construct outside the whitelist, and
the wording of every refusal (what, quoted, at which column). Nothing here builds a
``Value``; :mod:`viz.cli.expression` does that, once this module has accepted the tree, and holds
the public ``build_expression`` (``ExprError`` and ``FUNCTIONS`` are re-exported there).
"""

from __future__ import annotations

import ast
import math

__all__ = ["ExprError", "FUNCTIONS"]

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


# ---------------------------------------------------------------------------- parsing
def _parseable(text: str) -> str:
    """``text``, changed only so that leading blanks do not cause "unexpected indent".

    The first blank becomes ``(`` and a ``)`` is added on a line of its own (after any
    trailing comment): every node keeps its line and column, so error messages still
    point at the right place in what the user typed.
    """
    return "(" + text[1:] + "\n)" if text[:1].isspace() else text


def undecodable(text: str) -> str | None:
    """Describe the first character of ``text`` that is not real text, or ``None``.

    Command-line bytes that are not valid UTF-8 reach Python as lone surrogates
    (``b"\\xff"`` becomes ``"\\udcff"``, the *surrogateescape* convention); they cannot
    be encoded, parsed or printed, so they are reported with the byte they stand for.
    """
    for i, ch in enumerate(text):
        code = ord(ch)
        if 0xDC80 <= code <= 0xDCFF:  # surrogateescape: byte 0x80..0xFF
            return f"byte 0x{code - 0xDC00:02x} at column {i + 1} is not valid UTF-8"
        if 0xD800 <= code <= 0xDFFF:
            return f"character U+{code:04X} at column {i + 1} is a lone surrogate, not text"
    return None


def _parse(text: str) -> ast.expr:
    """Parse one expression; statements get a clear refusal instead of "invalid syntax"."""
    if "\0" in text:
        raise ExprError("expression contains a null character")
    problem = undecodable(text)
    if problem is not None:
        raise ExprError(
            f"expression is not valid text: {problem}; retype it (is the terminal set to UTF-8?)"
        )
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
    lineno = err.lineno or 0  # 0: Python did not say
    if 1 <= lineno <= len(lines) and err.offset and 1 <= err.offset <= len(lines[lineno - 1]):
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


# ---------------------------------------------------------------------------- refusals
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
