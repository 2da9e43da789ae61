"""The ``python -m viz`` command line and the micrograd-style demo."""

from __future__ import annotations

import math
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from viz import cli

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
SVG_NS = "{http://www.w3.org/2000/svg}"


def run_module(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    """``python -m viz ARGS`` in a fresh interpreter, as a user would run it."""
    return subprocess.run(
        [sys.executable, "-m", "viz", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
    )


def svg_texts(path: Path) -> list[str]:
    """All text shown in an SVG drawing (raises if the file is not well-formed XML)."""
    root = ET.parse(path).getroot()
    assert root.tag == f"{SVG_NS}svg"
    return [el.text for el in root.iter(f"{SVG_NS}text") if el.text]


# ---------------------------------------------------------------------------- expr
def test_expr_writes_svg_and_prints_gradients(tmp_path: Path) -> None:
    out = tmp_path / "graph.svg"
    proc = run_module("expr", "tanh(a*b + c)", "a=2", "b=-3", "c=10", "-o", str(out), cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    t = math.tanh(2 * -3 + 10)
    dt = 1 - t * t
    lines = proc.stdout.splitlines()
    assert lines[0] == f"tanh(a*b + c) = {t:.4g}"
    rows = {
        line.split()[0]: line.split()[1:] for line in lines[1:] if line[:2] in ("a ", "b ", "c ")
    }
    assert rows == {
        "a": ["2", f"{dt * -3:.4g}"],
        "b": ["-3", f"{dt * 2:.4g}"],
        "c": ["10", f"{dt:.4g}"],
    }
    assert str(out) in proc.stdout
    texts = " ".join(svg_texts(out))
    for shown in ("tanh", "a", "b", "c", f"{t:.4g}", f"{dt * -3:.4g}"):
        assert shown in texts


def test_expr_default_output_is_graph_svg(tmp_path: Path) -> None:
    proc = run_module("expr", "a*a", "a=3", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert "6" in proc.stdout.splitlines()[-2]  # d(a*a)/da = 2a
    assert svg_texts(tmp_path / "graph.svg")


def test_expr_png_top_to_bottom_without_grad(tmp_path: Path, capsys) -> None:
    out = tmp_path / "sub" / "g.png"
    status = cli.main(
        ["expr", "a*b", "a=1.5", "b=4", "-o", str(out), "--rankdir", "TB", "--no-grad"]
    )
    assert status == 0
    assert out.read_bytes().startswith(PNG_MAGIC)
    stdout = capsys.readouterr().out
    assert "grad" not in stdout  # forward only: no gradient column
    assert "a*b = 6" in stdout


def test_expr_number_format(tmp_path: Path, capsys) -> None:
    out = tmp_path / "g.dot"
    assert cli.main(["expr", "a/b", "a=1", "b=3", "--format", ".3f", "-o", str(out)]) == 0
    assert "a/b = 0.333" in capsys.readouterr().out
    assert "0.333" in out.read_text()


@pytest.mark.parametrize(
    "expression",
    [
        "__import__('os').system('x')",
        "a.data",
        "(lambda: 1)()",
        "[x for x in y]",
        "open('f')",
        "a[0]",
        '"s"',
        "a if b else c",
    ],
)
def test_expr_refusals_exit_2_with_a_message(expression: str, tmp_path: Path, capsys) -> None:
    out = tmp_path / "graph.svg"
    status = cli.main(["expr", expression, "a=1", "b=2", "c=3", "-o", str(out)])
    captured = capsys.readouterr()
    assert status == 2
    assert "error:" in captured.err and "not allowed" in captured.err
    assert "column" in captured.err
    assert "Traceback" not in captured.err
    assert captured.out == ""
    assert not out.exists()


def test_refusal_through_the_module_has_no_traceback(tmp_path: Path) -> None:
    marker = tmp_path / "pwned"
    proc = run_module("expr", f"__import__('os').system('touch {marker}')", cwd=tmp_path)
    assert proc.returncode == 2
    assert "error:" in proc.stderr and "not allowed" in proc.stderr
    assert "Traceback" not in proc.stderr
    assert not marker.exists()
    assert not (tmp_path / "graph.svg").exists()


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (["a*b", "a=1"], "no value given for b"),
        (["a*b", "a=1", "b"], "NAME=VALUE"),
        (["a*b", "a=1", "b=two"], "not a number"),
        (["a*b", "a=1", "b=nan"], "finite"),
        (["a*b", "a=1", "1b=2"], "NAME=VALUE"),
        (["a*b", "a=1", "b=2", "a=3"], "more than once"),
        (["a*b", "a=1", "b=2", "-o", "g.txt"], "cannot tell the format"),
        (["a*b", "a=1", "b=2", "--format", "q"], "--format"),
        (["a/b", "a=1", "b=0"], "division"),
        (["log(a)", "a=-1"], "log"),
        (["a +", "a=1"], "invalid syntax"),
    ],
)
def test_expr_usage_errors_exit_2(args: list[str], fragment: str, tmp_path: Path, capsys) -> None:
    if "-o" not in args:
        args = [*args, "-o", str(tmp_path / "graph.svg")]
    status = cli.main(["expr", *args])
    err = capsys.readouterr().err
    assert status == 2
    assert fragment in err
    assert "usage:" in err and "Traceback" not in err


def test_argparse_errors_return_2(capsys) -> None:
    assert cli.main([]) == 2
    assert cli.main(["expr"]) == 2
    assert cli.main(["frobnicate"]) == 2
    assert cli.main(["demo", "--steps", "0"]) == 2
    assert "usage:" in capsys.readouterr().err
    assert cli.main(["--help"]) == 0


def test_unused_values_are_noted(tmp_path: Path, capsys) -> None:
    assert cli.main(["expr", "a", "a=1", "zz=2", "-o", str(tmp_path / "g.dot")]) == 0
    assert "zz" in capsys.readouterr().err


def test_demo_command_delegates(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    calls = []

    def fake_run_demo(**kwargs):
        calls.append(kwargs)
        return {"accuracy": 1.0}

    monkeypatch.setattr("viz.cli.demo.run_demo", fake_run_demo)
    assert cli.main(["demo", "--out", str(tmp_path), "--steps", "7", "--seed", "3"]) == 0
    assert calls == [{"out_dir": str(tmp_path), "steps": 7, "seed": 3, "verbose": True}]


# ---------------------------------------------------------------------------- demo
def test_demo_reaches_full_accuracy_and_writes_images(tmp_path: Path, capsys) -> None:
    from viz.cli.demo import run_demo

    # (no wall-clock assertion: speed is measured by the benchmarks, not by unit tests)
    result = run_demo(out_dir=tmp_path, verbose=True)

    assert result["accuracy"] == 1.0
    assert result["steps"] == 100
    assert result["first_perfect_step"] is not None and result["first_perfect_step"] <= 100
    assert 0.0 < result["loss"] < 0.1
    history = result["history"]
    assert len(history["loss"]) == 100 and history["loss"][-1] < history["loss"][0] / 10

    paths = result["paths"]
    assert {p.name for p in paths.values()} == {
        "neuron.svg",
        "neuron.png",
        "training.png",
        "boundary.png",
    }
    for path in paths.values():
        assert path.parent == tmp_path and path.stat().st_size > 0
        if path.suffix == ".png":
            assert path.read_bytes().startswith(PNG_MAGIC)
    texts = " ".join(svg_texts(tmp_path / "neuron.svg"))
    assert "relu" in texts and "x0" in texts and "w0" in texts  # one neuron, labelled

    printed = capsys.readouterr().out
    for path in paths.values():
        assert str(path) in printed


def test_demo_without_renderer_or_matplotlib(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys
) -> None:
    import viz.render.formats
    from viz.cli.demo import run_demo

    def no_backend(*args, **kwargs):
        raise viz.render.RenderError("no Graphviz here")

    # save() renders through viz.render.formats.pipe
    monkeypatch.setattr(viz.render.formats, "pipe", no_backend)
    # A None entry in sys.modules makes the import fail, as if matplotlib were missing.
    monkeypatch.setitem(sys.modules, "matplotlib.figure", None)
    result = run_demo(out_dir=tmp_path, steps=2, verbose=True)
    assert list(result["paths"].values()) == [tmp_path / "neuron.dot"]
    assert "digraph" in (tmp_path / "neuron.dot").read_text()
    printed = capsys.readouterr().out
    assert "no Graphviz here" in printed
    assert "matplotlib is not installed" in printed
    assert result["steps"] == 2 and len(result["history"]["loss"]) == 2


def test_version_is_the_installed_distributions(capsys) -> None:
    from importlib.metadata import version

    import deltagrad
    from viz.cli import main

    assert main(["--version"]) == 0
    assert capsys.readouterr().out.strip().endswith(f" {version('deltagrad')}")
    assert deltagrad.__version__ == version("deltagrad")
