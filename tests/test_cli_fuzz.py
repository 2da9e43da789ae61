"""``python -m viz expr`` under hostile input: exit 0 or 2 with a message, never a traceback.

Most cases run in-process through ``viz.cli.main(argv)`` writing DOT source (no layout,
so each case is quick); a few run as real subprocesses, the only way to pass argv
bytes that are not UTF-8 (Python hands them over as lone surrogates, surrogateescape).
"""

from __future__ import annotations

import contextlib
import io
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from viz import cli

# subprocess runs only: a hang guard, not a speed assertion
HANG_GUARD = 300


def run_main(argv: list[str]) -> tuple[int, str, str]:
    """``main(argv)`` with stdout/stderr captured; any exception propagates (a failure)."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        status = cli.main(argv)
    return status, out.getvalue(), err.getvalue()


def check_expr(tmp_path: Path, expression: str, *assignments: str) -> tuple[int, str, str]:
    status, out, err = run_main(["expr", expression, *assignments, "-o", str(tmp_path / "g.dot")])
    assert status in (0, 2), (status, err)
    assert "Traceback" not in err
    if status == 2:
        assert "error: " in err  # a message, argparse-style
    return status, out, err


def run_module(*args: str | bytes, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "viz", *args],
        cwd=cwd,
        capture_output=True,
        timeout=HANG_GUARD,
    )


# ---------------------------------------------------------------------------- row 9 defects
def test_undecodable_expression_exits_2_in_process(tmp_path: Path) -> None:
    # what Python makes of the argv bytes b"a\xff"
    status, _, err = check_expr(tmp_path, "a\udcff", "a=2")
    assert status == 2
    assert "byte 0xff at column 2 is not valid UTF-8" in err


def test_lone_surrogate_expression_exits_2(tmp_path: Path) -> None:
    status, _, err = check_expr(tmp_path, "\ud800 + a", "a=2")
    assert status == 2 and "U+D800 at column 1" in err


def test_undecodable_assignment_exits_2(tmp_path: Path) -> None:
    status, _, err = check_expr(tmp_path, "a", "a\udcff=2")
    assert status == 2 and "byte 0xff at column 2 is not valid UTF-8" in err
    status, _, err = check_expr(tmp_path, "a", "a=2\udce9")
    assert status == 2 and "byte 0xe9 at column 4" in err


@pytest.mark.parametrize(
    ("expression", "assignment"),
    [("𝐚*b", "𝐚=3"), ("a*b", "𝐚=3"), ("𝐚*b", "a=3"), ("ａ*b", "𝒂=3")],
)
def test_names_are_compared_after_nfkc(tmp_path: Path, expression: str, assignment: str) -> None:
    # Python reads the identifier 𝐚 (MATHEMATICAL BOLD SMALL A) as a, fullwidth ａ too
    status, out, err = check_expr(tmp_path, expression, assignment, "b=2")
    assert status == 0, err
    rows = {line.split()[0]: line.split()[1:] for line in out.splitlines()[3:5]}
    assert rows == {"a": ["3", "2"], "b": ["2", "3"]}
    assert "not used" not in err


def test_same_name_after_nfkc_is_a_duplicate(tmp_path: Path) -> None:
    status, _, err = check_expr(tmp_path, "a", "a=1", "𝐚=2")
    assert status == 2
    assert "'a' is given more than once ('a' and '𝐚' are the same name" in err


def test_non_utf8_argv_through_the_module(tmp_path: Path) -> None:
    proc = run_module("expr", b"a\xff", "a=2", cwd=tmp_path)
    stderr = proc.stderr.decode("utf-8", "backslashreplace")
    assert proc.returncode == 2, stderr
    assert "Traceback" not in stderr
    assert "byte 0xff at column 2 is not valid UTF-8" in stderr
    proc = run_module("expr", "a", b"\xe9=2", cwd=tmp_path)
    stderr = proc.stderr.decode("utf-8", "backslashreplace")
    assert proc.returncode == 2 and "Traceback" not in stderr, stderr
    assert "byte 0xe9 at column 1" in stderr


def test_non_utf8_output_path_and_ascii_terminal(tmp_path: Path) -> None:
    # the path is fine for the file system; printing it (and 𝐚) must not crash
    proc = subprocess.run(
        [sys.executable, "-m", "viz", "expr", "𝐚*2", "𝐚=3", "-o", b"g\xff.dot"],
        cwd=tmp_path,
        capture_output=True,
        timeout=HANG_GUARD,
        env={**_env(), "PYTHONIOENCODING": "ascii"},
    )
    assert proc.returncode == 0, proc.stderr
    assert b"Traceback" not in proc.stderr
    assert (tmp_path / "g\udcff.dot").exists()
    assert proc.stdout.startswith(b"\\U0001d41a*2 = 6\n")


def _env() -> dict[str, str]:
    import os

    return dict(os.environ)


# ---------------------------------------------------------------------------- hostile input
HOSTILE = [
    "",
    " ",
    "   \t ",
    "\n",
    "#",
    "a#",
    "\\",
    "'''",
    "a;a",
    "a\n+a",
    "a=1",
    "a:=1",
    "9**9**9",
    "10**400",
    "1e999999",
    "2**-1075",
    "exp(1000)",
    "exp(exp(exp(a)))",
    "1e308*10",
    "a**a**a**a**a",
    "log(0)",
    "1/0",
    "a/0",
    "sqrt(-1)",
    "(-8)**(1/3)",
    "0**-1",
    "a*" * 499 + "a",
    "+".join(["a"] * 500),
    "-" * 999 + "a",
    "+-" * 499 + "a",
    "(" * 100 + "a" + ")" * 100,
    "(" * 300 + "a" + ")" * 300,
    "tanh(" * 200 + "a" + ")" * 200,
    "a" * 10**6,
    "1" * 999,
    "0x" + "f" * 997,
    "a" + "\u0301" * 500,
    "lambda: 0",
    "(lambda: 1)()",
    "a.__class__",
    "().__class__.__bases__",
    "__import__('os').system('echo pwned')",
    "open('x')",
    "print",
    "exec('1')",
    "a()",
    "tanh(a)(a)",
    "a.b.c",
    "a[0]",
    "a[:]",
    "f'{a}'",
    "b'x'",
    "a if a else a",
    "[a]*9**9",
    "{a}",
    "{a: a}",
    "[x for x in a]",
    "*a",
    "**a",
    "yield a",
    "await a",
    "a@a",
    "a//a",
    "~a",
    "not a",
    "a<a",
    "a,",
    "()",
    "...",
    "None",
    "True",
    "tanh()",
    "tanh(a, a)",
    "tanh(a=a)",
    "leaky_relu(a, a)",
    "leaky_relu(a, 1e400)",
    "ｅｘｐ(a)",
    "\ufeffa",
    "\u202ea",
    "a\x00",
    "\x1b[31ma",
    "١٢٣",
    "ª",
]


@pytest.mark.parametrize("expression", HOSTILE, ids=range(len(HOSTILE)))
def test_hostile_expressions_exit_0_or_2(expression: str, tmp_path: Path) -> None:
    for assignments in ([], ["a=2"], ["a=1e308"]):
        check_expr(tmp_path, expression, *assignments)


def test_long_chain_is_refused_for_pictures_but_written_as_dot(tmp_path: Path) -> None:
    # 400 Values: over draw_graph's default limit for a Value graph (viz.graph)
    chain = "*".join(["a"] * 400)
    status, _, err = run_main(["expr", chain, "a=1.001", "-o", str(tmp_path / "g.svg")])
    assert status == 2
    assert "400 nodes" in err and "shorten the expression" in err
    assert not (tmp_path / "g.svg").exists()
    status, out, _ = check_expr(tmp_path, chain, "a=1.001")
    assert status == 0 and (tmp_path / "g.dot").read_text().count("->") > 399


@pytest.mark.parametrize("spec", [".1000000000f", "1000000000", "=^999999999.3", ".101g"])
def test_huge_format_fields_are_refused(spec: str, tmp_path: Path) -> None:
    status, _, err = check_expr(tmp_path, "a", "a=1", "--format", spec)
    assert status == 2 and "not a valid number format" in err


def test_hostile_expressions_through_the_module(tmp_path: Path) -> None:
    # a real interpreter, real rendering (SVG) where the graph is small enough
    for expression in ("9**9**9", "a*" * 499 + "a", "lambda: __import__('os')", "   "):
        proc = run_module("expr", expression, "a=2", "-o", "g.svg", cwd=tmp_path)
        stderr = proc.stderr.decode("utf-8", "backslashreplace")
        assert proc.returncode == 2, stderr
        assert "Traceback" not in stderr and "error: " in stderr


# ---------------------------------------------------------------------------- random input
NAMES = st.sampled_from(["a", "b", "x1", "𝐚", "ｂ", "_", "tanh", "a\udcff", "", "1a", "é"])
NUMBERS = st.sampled_from(["2", "-3.5", "0", "1e308", "nan", "inf", "1_0", "x", "", "\udcff"])
TOKENS = st.sampled_from(
    [
        "a",
        "b",
        "x1",
        "2",
        "0",
        "1e308",
        "9",
        "+",
        "-",
        "*",
        "/",
        "**",
        "(",
        ")",
        ",",
        " ",
        "tanh",
        "relu",
        "exp",
        "log",
        "sqrt",
        "leaky_relu",
        ".",
        "lambda",
        ":",
        "[",
        "]",
        "__class__",
        "'",
        "\\",
        "\n",
        "#",
        "\udcff",
        "𝐚",
        "\x00",
    ]
)
EXPRESSIONS = st.one_of(
    st.text(max_size=60),
    st.lists(TOKENS, max_size=40).map("".join),
)


@settings(
    max_examples=100,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    expression=EXPRESSIONS,
    assignments=st.lists(st.tuples(NAMES, NUMBERS).map("=".join), max_size=3),
)
def test_random_input_exits_0_or_2(tmp_path: Path, expression: str, assignments: list[str]) -> None:
    check_expr(tmp_path, expression, *assignments)
