"""viz.cli.expression: expressions become Value graphs; everything off the whitelist is refused."""

from __future__ import annotations

import builtins
import math
import time

import pytest

from autograd import Value
from viz.cli.expression import FUNCTIONS, MAX_LENGTH, ExprError, build_expression


def test_tanh_neuron_matches_closed_form() -> None:
    a, b, c = 2.0, -3.0, 10.0
    root, leaves = build_expression("tanh(a*b + c)", {"a": a, "b": b, "c": c})
    root.backward()
    t = math.tanh(a * b + c)
    # d tanh(u)/du = 1 - tanh(u)^2, u = ab + c
    dt = 1.0 - t * t
    assert root.data == pytest.approx(t, rel=1e-15)
    assert root.op == "tanh"
    assert list(leaves) == ["a", "b", "c"]
    assert leaves["a"].grad == pytest.approx(dt * b, rel=1e-12)
    assert leaves["b"].grad == pytest.approx(dt * a, rel=1e-12)
    assert leaves["c"].grad == pytest.approx(dt, rel=1e-12)


def test_repeated_variable_is_one_leaf() -> None:
    root, leaves = build_expression("a*a", {"a": 3.5})
    a = leaves["a"]
    assert root.parents == (a, a)
    assert a.label == "a" and a.parents == ()
    root.backward()
    assert a.grad == pytest.approx(2 * 3.5)


def test_leaves_in_reading_order_and_extra_values_ignored() -> None:
    root, leaves = build_expression("y * (x + y) - x", {"x": 2, "y": 5, "unused": 1})
    assert list(leaves) == ["y", "x"]
    assert all(isinstance(v, Value) for v in leaves.values())
    root.backward()
    # f = xy + y^2 - x:  df/dx = y - 1,  df/dy = x + 2y
    assert root.data == pytest.approx(5 * 7 - 2)
    assert leaves["x"].grad == pytest.approx(4.0)
    assert leaves["y"].grad == pytest.approx(12.0)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("a + b", 2.5 + -1.5),
        ("a - b", 2.5 - -1.5),
        ("a * b", 2.5 * -1.5),
        ("a / b", 2.5 / -1.5),
        ("a ** 2", 2.5**2),
        ("2 ** a", 2**2.5),
        ("a ** -b", 2.5**1.5),
        ("-a + +b", -2.5 + -1.5),
        ("3 * (a - 1) / 2", 3 * 1.5 / 2),
        ("1e-3 * a", 1e-3 * 2.5),
        ("7", 7.0),
    ],
)
def test_arithmetic(text: str, expected: float) -> None:
    root, _ = build_expression(text, {"a": 2.5, "b": -1.5})
    assert isinstance(root, Value)
    assert root.data == pytest.approx(expected, rel=1e-15)


def test_constant_exponent_is_a_single_pow_node() -> None:
    root, leaves = build_expression("a**2", {"a": 3})
    assert root.op == "**2"
    assert root.parents == (leaves["a"],)


def test_negative_literal_is_folded_but_negated_variable_is_a_node() -> None:
    root, leaves = build_expression("-3 * a", {"a": 2})
    assert [p.data for p in root.parents] == [-3.0, 2.0]
    root, leaves = build_expression("-a", {"a": 2})
    assert root.op == "neg" and root.parents == (leaves["a"],)


@pytest.mark.parametrize("name", sorted(FUNCTIONS))
def test_every_function_matches_its_value_method_and_derivative(name: str) -> None:
    x0 = 0.7
    root, leaves = build_expression(f"{name}(x)", {"x": x0})
    root.backward()
    expected = getattr(Value(x0), name)()
    assert root.op == expected.op
    assert root.data == pytest.approx(expected.data, rel=1e-15)
    # central difference in float64
    h = 1e-6
    up = getattr(Value(x0 + h), name)().data
    down = getattr(Value(x0 - h), name)().data
    assert leaves["x"].grad == pytest.approx((up - down) / (2 * h), rel=1e-6)


def test_leaky_relu_takes_a_constant_alpha() -> None:
    root, leaves = build_expression("leaky_relu(x, 0.2)", {"x": -2.0})
    root.backward()
    assert root.data == pytest.approx(-0.4)
    assert leaves["x"].grad == pytest.approx(0.2)
    with pytest.raises(ExprError, match="alpha"):
        build_expression("leaky_relu(x, y)", {"x": 1.0, "y": 0.1})


@pytest.mark.parametrize(
    ("text", "construct", "column"),
    [
        ("__import__('os').system('x')", "attribute", 1),
        ("a.data", "attribute access", 1),
        ("(lambda: 1)()", "lambda", 1),
        ("[x for x in y]", "list comprehension", 1),
        ("open('f')", "call of 'open'", 1),
        ("a[0]", "subscript", 1),
        ('"s"', "string", 1),
        ("a if b else c", "conditional expression", 1),
        ("a + b.real", "attribute access", 5),
        ("tanh(a, b=1)", "keyword argument", 9),
        ("tanh(*a)", "starred", 6),
        ("(y := 2) * a", "walrus", 2),
        ("f'{a}'", "f-string", 1),
        ("a < b", "comparison", 1),
        ("a and b", "boolean operator", 1),
        ("a // b", "'//'", 1),
        ("a % b", "'%'", 1),
        ("not a", "'not'", 1),
        ("{a: 1}", "dict", 1),
        ("(a, b)", "tuple", 1),
        ("True", "True", 1),
        ("None", "None", 1),
        ("1j", "complex", 1),
        ("b'x'", "bytes", 1),
        ("eval('1')", "call of 'eval'", 1),
        ("exec('1')", "call of 'exec'", 1),
        ("a = 1", "assignment", 1),
        ("import os", "import", 1),
        ("1 + tanh(a).conjugate()", "attribute", 5),
    ],
)
def test_refuses_constructs_off_the_whitelist(text: str, construct: str, column: int) -> None:
    with pytest.raises(ExprError) as info:
        build_expression(text, {"a": 1.0, "b": 2.0, "c": 3.0, "y": 1.0})
    message = str(info.value)
    assert construct in message
    assert f"column {column}" in message
    assert "not allowed" in message


def test_expr_error_is_a_value_error() -> None:
    assert issubclass(ExprError, ValueError)


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("a; b", "2 statements"),
        ("a\nb", "2 statements"),
        ("", "empty"),
        ("   ", "empty"),
        ("a +", "invalid syntax"),
        ("tanh()", "takes 1 argument"),
        ("exp(a, b)", "takes 1 argument"),
        ("leaky_relu(a, 0.1, 2)", "1 or 2 arguments"),
    ],
)
def test_refuses_malformed_input(text: str, fragment: str) -> None:
    with pytest.raises(ExprError, match=fragment):
        build_expression(text, {"a": 1.0, "b": 2.0})


def test_missing_variables_are_all_listed() -> None:
    with pytest.raises(ExprError) as info:
        build_expression("a*b + zz - q", {"a": 1.0, "b": 2.0})
    message = str(info.value)
    assert "zz" in message and "q" in message
    assert "'a'" not in message


def test_refusal_comes_before_missing_names() -> None:
    # [x for x in y] must be refused as a comprehension, not for lacking x and y
    with pytest.raises(ExprError, match="comprehension"):
        build_expression("[x for x in y]", {})


@pytest.mark.parametrize("bad", [math.nan, math.inf, "2", None, True])
def test_values_must_be_finite_real_numbers(bad: object) -> None:
    with pytest.raises(ExprError, match="'a'"):
        build_expression("a + 1", {"a": bad})  # type: ignore[dict-item]


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("a / 0", "division"),
        ("log(-a)", "log"),
        ("sqrt(-a)", "sqrt"),
        ("(-a) ** 0.5", "not real"),
        ("exp(1000 * a)", "overflow"),
        ("a ** 1e9", "overflows"),
        ("1e200 * 1e200 * a", "overflows"),
        ("1e400", "too large"),
        ("1" + "0" * 400, "too large"),
    ],
)
def test_arithmetic_failures_become_expr_errors(text: str, fragment: str) -> None:
    with pytest.raises(ExprError, match=fragment):
        build_expression(text, {"a": 2.0})


def test_huge_exponents_fail_fast() -> None:
    # With Python ints, 9**9**9 would be an integer of ~370 million digits.
    start = time.perf_counter()
    for text in ("9**9**9", "9**9**9**9", "a**a**a**a", "2**(10**10)"):
        with pytest.raises(ExprError, match="overflows"):
            build_expression(text, {"a": 9.0})
    assert time.perf_counter() - start < 1.0


def test_length_limit() -> None:
    with pytest.raises(ExprError, match="characters long"):
        build_expression("a+" * MAX_LENGTH + "a", {"a": 1.0})
    with pytest.raises(ExprError, match="nested"):
        build_expression("(" * 300 + "a" + ")" * 300, {"a": 1.0})


@pytest.mark.parametrize(
    ("text", "value", "grad"),
    [
        # up to the length limit, deep trees are built without recursion
        ("+".join(["a"] * 500), 500.0, 500.0),  # left-nested, 499 levels
        ("-" * 998 + "a", 1.0, 1.0),  # an even number of negations
        ("tanh(" * 160 + "a" + ")" * 160, None, None),
    ],
)
def test_deep_but_short_expressions_build(
    text: str, value: float | None, grad: float | None
) -> None:
    assert len(text) <= MAX_LENGTH
    root, leaves = build_expression(text, {"a": 1.0})
    root.backward()
    if value is not None:
        assert root.data == value and leaves["a"].grad == grad
    else:  # tanh iterated: value and slope shrink but stay positive
        assert 0.0 < root.data < 1.0 and 0.0 < leaves["a"].grad < 1.0


def test_never_evaluates_code(monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:
    def forbidden(*args: object, **kwargs: object) -> None:
        raise AssertionError("eval/exec must not be called")

    monkeypatch.setattr(builtins, "eval", forbidden)
    monkeypatch.setattr(builtins, "exec", forbidden)
    root, _ = build_expression("sigmoid(a) * 2", {"a": 0.0})
    assert root.data == pytest.approx(1.0)

    marker = tmp_path / "pwned"
    for text in (
        f"__import__('os').system('touch {marker}')",
        f"open('{marker}', 'w')",
        f"tanh(__import__('pathlib').Path('{marker}').touch())",
    ):
        with pytest.raises(ExprError):
            build_expression(text, {"a": 1.0})
    assert not marker.exists()


@pytest.mark.parametrize("text", ["  a * b", "\ta*b", "\n    a * b  # product\n", "a*b\n"])
def test_surrounding_blanks_and_comments_are_fine(text: str) -> None:
    root, _ = build_expression(text, {"a": 2.0, "b": 3.0})
    assert root.data == 6.0


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("  a.b", "column 3"),  # columns count in the text as typed, blanks included
        ("a b", "column 3"),
        ("a +", "end of the expression"),
        ("  a +", "end of the expression"),
        ("tanh(a", "never closed"),
        ("a\0", "null"),
    ],
)
def test_error_positions(text: str, fragment: str) -> None:
    with pytest.raises(ExprError, match=fragment):
        build_expression(text, {"a": 1.0, "b": 1.0})
