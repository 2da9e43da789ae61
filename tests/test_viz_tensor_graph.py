"""viz.draw_graph for Tensor graphs: boxes, derivative rules, model names, size guard."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import numpy as np
import pytest

import nn
from autograd import Function, Tensor, Value
from viz import draw_graph
from viz.graph.describe import DERIVATIVE_RULES, NOT_COMPUTED, derivative_rule, summarize
from viz.render import find_dot

SVG_NS = "{http://www.w3.org/2000/svg}"
NODE_RE = re.compile(r'^\t+(\w+) \[label=(?:"((?:[^"\\]|\\.)*)"|([\w.]+))(.*)\]$', re.M)
EDGE_RE = re.compile(r"^\t+(\w+) -> (\w+)(?: \[(.*)\])?$", re.M)


def nodes(source: str) -> dict[str, tuple[str, str]]:
    """node id -> (label, rest of the attribute list)"""
    return {m[1]: (m[2] if m[2] is not None else m[3], m[4]) for m in NODE_RE.finditer(source)}


def boxes(source: str) -> dict[str, list[str]]:
    """value node id -> its record fields (record escapes removed)"""
    out = {}
    for nid, (label, _) in nodes(source).items():
        if nid.startswith("v"):
            body = label[1:-1] if label.startswith("{") else label
            fields = re.split(r"(?<!\\)\|", body)
            out[nid] = [re.sub(r"\\([{}|<>])", r"\1", f) for f in fields]
    return out


def box_named(source: str, name: str) -> list[str]:
    matches = [fields for fields in boxes(source).values() if fields[0] == name]
    assert len(matches) == 1, (name, boxes(source))
    return matches[0]


def edge_labels(source: str) -> list[str]:
    out = []
    for m in EDGE_RE.finditer(source):
        lab = re.search(r'label="((?:[^"\\]|\\.)*)"', m[3] or "")
        if lab:
            out.append(lab[1].replace("\\n", "\n"))
    return out


def ops(source: str) -> list[str]:
    return [label for nid, (label, _) in nodes(source).items() if nid.startswith("op")]


def attr(attrs: str, key: str) -> str | None:
    m = re.search(rf'\b{key}=(?:"([^"]*)"|(\S+))', attrs)
    return None if m is None else (m[1] if m[1] is not None else m[2])


def svg_texts(svg: str) -> list[str]:
    root = ET.fromstring(svg)
    assert root.tag == SVG_NS + "svg"
    return ["".join(t.itertext()) for t in root.iter(SVG_NS + "text")]


def fmt_values(arr: np.ndarray) -> str:
    """What a tiny 1-D or 2-D array should look like, formatted independently."""
    arr = np.asarray(arr, dtype=np.float64)
    if arr.ndim == 1:
        return "[" + ", ".join(format(v, ".4g") for v in arr) + "]"
    return "[" + ", ".join(fmt_values(row) for row in arr) + "]"


@pytest.fixture
def small():
    """y = sum(tanh(a @ b + c)) with a: 6 elements (shown), b: 12 (summarized)."""
    a = Tensor(np.arange(1.0, 7.0).reshape(2, 3) * 0.5, requires_grad=True, label="a")
    b = Tensor(np.arange(12.0).reshape(3, 4) * 0.1, requires_grad=True, label="b")
    c = Tensor(np.array([0.1, -0.2, 0.3, 0.4]), requires_grad=True, label="c")
    h = a @ b + c
    h.label = "h"
    y = h.tanh().sum()
    y.label = "y"
    return a, b, c, h, y


@pytest.fixture
def mlp_loss():
    m = nn.MLP([4, 8, 3], rng=0)
    x = Tensor(np.random.default_rng(1).standard_normal((5, 4)), dtype=np.float32, label="x")
    loss = nn.functional.cross_entropy(m(x), np.array([0, 1, 2, 1, 0]))
    loss.label = "loss"
    return m, loss


# ------------------------------------------------------------------------ boxes
def test_labels_shapes_dtypes_and_ops(small):
    *_, y = small
    src = draw_graph(y).source
    assert box_named(src, "a")[1] == "shape (2, 3)  float64"
    assert box_named(src, "b")[1] == "shape (3, 4)  float64"
    assert box_named(src, "c")[1] == "shape (4,)  float64"
    assert box_named(src, "h")[1] == "shape (2, 4)  float64"
    assert box_named(src, "y")[1] == "shape ()  float64"
    assert sorted(ops(src)) == sorted(["matmul", "+", "tanh", "sum"])
    assert len(boxes(src)) == 7  # a, b, a@b, c, h, tanh(h), y


def test_tiny_tensors_show_values_bigger_ones_statistics(small):
    a, b, c, h, y = small
    src = draw_graph(y).source
    assert box_named(src, "a")[2] == "data: [[0.5, 1, 1.5], [2, 2.5, 3]]"
    assert box_named(src, "c")[2] == "data: [0.1, -0.2, 0.3, 0.4]"
    # b = 0.1 * arange(12): mean 0.55, std 0.1 * sqrt(143 / 12), min 0, max 1.1
    assert box_named(src, "b")[2] == "data: mean 0.55  std 0.3452  min 0  max 1.1"
    assert box_named(src, "y")[2] == f"data: {format(float(y.data), '.4g')}"
    hd = h.data
    assert box_named(src, "h")[2] == (
        f"data: mean {hd.mean():.4g}  std {hd.std():.4g}  min {hd.min():.4g}  max {hd.max():.4g}"
    )


def test_grad_not_computed_before_backward_then_shown(small):
    a, b, c, h, y = small
    before = draw_graph(y).source
    assert before.count(NOT_COMPUTED) == 7
    assert "grad: 0" not in before and "grad: [0" not in before
    y.backward()
    after = draw_graph(y).source
    assert "not computed yet" not in after
    # d y / d c_j = sum_i (1 - tanh(h_ij)^2), computed here with NumPy
    expected_c = (1.0 - np.tanh(a.data @ b.data + c.data) ** 2).sum(axis=0)
    np.testing.assert_allclose(c.grad.data, expected_c, rtol=1e-12)
    assert box_named(after, "c")[3] == f"grad: {fmt_values(expected_c)}"
    assert box_named(after, "a")[3] == f"grad: {fmt_values(a.grad.data)}"
    g = b.grad.data
    assert box_named(after, "b")[3] == (
        f"grad: mean {g.mean():.4g}  std {g.std():.4g}  min {g.min():.4g}  max {g.max():.4g}"
    )
    assert box_named(after, "y")[3] == "grad: 1"


def test_show_grad_false_and_number_format(small):
    *_, y = small
    src = draw_graph(y, show_grad=False).source
    assert "grad" not in src
    src = draw_graph(y, number_format=".2f").source
    assert box_named(src, "a")[2] == "data: [[0.50, 1.00, 1.50], [2.00, 2.50, 3.00]]"
    assert box_named(src, "b")[2] == "data: mean 0.55  std 0.35  min 0.00  max 1.10"


def test_leaves_constants_interior_and_root_look_different():
    x = Tensor(np.ones((2, 2)), label="x")  # constant: requires_grad=False
    w = Tensor(np.ones((2, 2)), requires_grad=True, label="w")
    z = x * w
    z.label = "z"
    y = z.sum()
    y.label = "y"
    src = draw_graph(y).source
    ns = nodes(src)
    by_name = {fields[0]: nid for nid, fields in boxes(src).items()}
    fill = {name: attr(ns[nid][1], "fillcolor") for name, nid in by_name.items()}
    assert len({fill["x"], fill["w"], fill["z"], fill["y"]}) == 4
    assert "dashed" in (attr(ns[by_name["x"]][1], "style") or "")
    assert box_named(src, "x")[3] == "grad: —  (constant)"
    assert box_named(src, "w")[3] == NOT_COMPUTED
    # no gradient flows to the constant: its edge is dashed and unlabelled
    into_mul = [m for m in EDGE_RE.finditer(src) if m[1] == by_name["x"]]
    assert len(into_mul) == 1
    assert "style=dashed" in into_mul[0][3] and "label" not in into_mul[0][3]
    assert "∂/∂w = gy·x" in edge_labels(src)


def test_parameters_without_model_are_called_param(mlp_loss):
    _, loss = mlp_loss
    src = draw_graph(loss).source
    names = [fields[0] for fields in boxes(src).values()]
    assert names.count("param") == 4
    assert "x" in names and "loss" in names
    assert "layers.0.weight" not in src


def test_model_gives_parameter_paths_and_module_boxes(mlp_loss):
    m, loss = mlp_loss
    src = draw_graph(loss, model=m).source
    for name, p in m.named_parameters():
        fields = box_named(src, name)
        assert fields[1] == f"shape {p.shape}  float32"
    assert "param" not in [fields[0] for fields in boxes(src).values()]
    assert "layers.0.weight" in src and "layers.2.bias" in src
    assert "subgraph cluster_module0" in src
    assert 'label="layers.0 (Linear)"' in src and 'label="layers.2 (Linear)"' in src
    labels = edge_labels(src)
    assert "∂/∂W = gyᵀ·x" in labels  # first layer: x is the labelled input
    assert "∂/∂b = Σ gy over the batch" in labels
    assert "∂/∂u = (softmax(u) − t)·gy/5" in labels  # mean over the batch of 5
    assert sorted(ops(src)) == ["cross_entropy", "linear", "linear", "relu"]


def test_label_fn_wins_over_model(mlp_loss):
    m, loss = mlp_loss
    src = draw_graph(loss, model=m, label_fn=lambda t: f"<{t.shape}>").source
    assert "layers.0.weight" not in src
    assert r"\<(8, 4)\>" in src


def test_model_must_have_named_parameters(small):
    with pytest.raises(TypeError, match="named_parameters"):
        draw_graph(small[-1], model=object())


# ------------------------------------------------------------------------ edge rules
def test_matmul_add_tanh_sum_rules(small):
    *_, y = small
    labels = edge_labels(draw_graph(y).source)
    assert "∂/∂a = gy·bᵀ" in labels
    assert "∂/∂b = aᵀ·gy" in labels
    assert "∂/∂c = Σ gy\n(summed over broadcast axes)" in labels  # (4,) added to (2, 4)
    assert "∂/∂h = gy·(1−y²)" in labels
    assert "∂/∂x = broadcast gy to (2, 4)" in labels
    # the unnamed a @ b is the first operand of +: its symbol "a" is taken by a real node
    assert "∂/∂a′ = gy" in labels
    assert len(labels) == 6


def test_show_local_grads_false(small):
    src = draw_graph(small[-1], show_local_grads=False).source
    assert "∂" not in src and "gy" not in src


def x_and_y(shape=(2, 3)):
    x = Tensor(np.linspace(0.5, 2.0, int(np.prod(shape))).reshape(shape), requires_grad=True)
    y = Tensor(np.linspace(1.0, 3.0, int(np.prod(shape))).reshape(shape), requires_grad=True)
    x.label, y.label = "x", "v"
    return x, y


@pytest.mark.parametrize(
    "build, expected",
    [
        (lambda x, v: x * v, ["∂/∂x = gy·v", "∂/∂v = gy·x"]),
        (lambda x, v: x - v, ["∂/∂x = gy", "∂/∂v = −gy"]),
        (lambda x, v: x / v, ["∂/∂x = gy/v", "∂/∂v = −gy·x/v²"]),
        (lambda x, v: x.exp(), ["∂/∂x = gy·y"]),
        (lambda x, v: x.log(), ["∂/∂x = gy/x"]),
        (lambda x, v: x.sigmoid(), ["∂/∂x = gy·y(1−y)"]),
        (lambda x, v: x.relu(), ["∂/∂x = gy·[x>0]"]),
        (lambda x, v: x**2, ["∂/∂x = gy·2·x^(2−1)"]),
        (lambda x, v: x.mean(), ["∂/∂x = gy/n broadcast to (2, 3), n = 6"]),
        (lambda x, v: x.sum(axis=0), ["∂/∂x = broadcast gy to (2, 3)"]),
        (lambda x, v: x.reshape(3, 2), ["∂/∂x = reshape gy to (2, 3)"]),
        (lambda x, v: x.transpose(), ["∂/∂x = transpose gy back"]),
        (lambda x, v: x[0], ["∂/∂x = scatter gy into zeros (2, 3)"]),
        (lambda x, v: x * v[0], ["∂/∂x = gy·b", "∂/∂b = Σ(gy·x)\n(summed over broadcast axes)"]),
        (lambda x, v: x * 2.0, ["∂/∂x = gy·2"]),  # a one-element constant shows its value
    ],
)
def test_rules_per_op(build, expected):
    x, v = x_and_y()
    out = build(x, v)
    labels = [lab for lab in edge_labels(draw_graph(out).source) if "scatter" in lab or "∂" in lab]
    for text in expected:
        assert text in labels, (text, labels)


def test_one_element_tensors_show_numbers_like_values():
    s = Tensor(2.0, requires_grad=True, label="s")
    t = Tensor(3.0, requires_grad=True, label="t")
    y = s * t + s**2
    labels = edge_labels(draw_graph(y).source)
    assert "∂/∂s = 3" in labels and "∂/∂t = 2" in labels  # d(st)/ds = t, d(st)/dt = s
    assert "∂/∂s = 4" in labels  # d(s^2)/ds = 2s
    assert labels.count("∂ = 1") == 2  # unnamed operands of +, as in Value graphs


class Cube(Function):
    def forward(self, x):
        self.save(x)
        return x**3

    def backward(self, gy):
        (x,) = self.saved_tensors
        return gy * 3.0 * x * x


class Blend(Function):
    op = "blend"

    def forward(self, a, b):
        return 0.25 * a + 0.75 * b

    def backward(self, gy):
        return gy * 0.25, gy * 0.75


def test_user_defined_functions_draw_with_the_fallback_label():
    x, v = x_and_y()
    y = Blend.apply(Cube.apply(x), v).sum()
    y.backward()
    src = draw_graph(y).source
    assert {"cube", "blend"} <= set(ops(src))
    labels = edge_labels(src)
    assert "∂(cube)/∂input 0" in labels
    assert "∂(blend)/∂input 0" in labels and "∂(blend)/∂input 1" in labels
    assert "not computed yet" not in src


def test_user_defined_function_of_one_element_shows_its_local_derivative():
    s = Tensor(2.0, requires_grad=True, label="s")
    labels = edge_labels(draw_graph(Cube.apply(s)).source)
    assert labels == ["∂/∂s = 12"]  # 3 s^2


def test_every_engine_and_nn_op_has_a_rule():
    def subclasses(cls):
        for sub in cls.__subclasses__():
            yield sub
            yield from subclasses(sub)

    ours = [
        c
        for c in subclasses(Function)
        if c.__module__.split(".")[0] in ("autograd", "nn")
        and not c.__name__.startswith("_")
        and not (c.__subclasses__() and c.rule is None)  # a base class (UnaryMath) is no op
    ]
    assert len(ours) > 30
    missing = sorted({c.op for c in ours if c.rule is None})
    assert DERIVATIVE_RULES == {}  # viz keeps no table of the ops' rules: each op states it
    assert not missing, f"give these ops a `rule` (autograd.rules.DerivativeRule): {missing}"


def test_engine_ops_carry_their_own_rule_and_the_drawing_reads_it():
    from autograd.ops.elementwise import Exp

    assert Exp.rule is not None and "exp" not in DERIVATIVE_RULES
    x = Tensor([1.0, 2.0], requires_grad=True, label="x")
    assert derivative_rule(x.exp(), 0) == "∂/∂x = gy·y"


def test_derivative_rule_function(small):
    a, b, c, h, y = small
    mm = h.parents[0]
    assert derivative_rule(mm, 0, ["a", "b"]) == "∂/∂a = gy·bᵀ"
    assert derivative_rule(mm, 1) == "∂/∂b = aᵀ·gy"  # the op's own symbols
    assert derivative_rule(mm, 1, ["A", "B"]) == "∂/∂B = Aᵀ·gy"
    with pytest.raises(ValueError, match="leaf"):
        derivative_rule(a, 0)


def test_long_names_use_the_ops_symbols():
    x = Tensor(np.ones((2, 3)), requires_grad=True, label="a_rather_long_name")
    w = Tensor(np.ones((3, 2)), requires_grad=True, label="W")
    labels = edge_labels(draw_graph(x @ w).source)
    assert labels == ["∂/∂a = gy·Wᵀ", "∂/∂W = aᵀ·gy"]


# ------------------------------------------------------------------------ size guard
def test_max_nodes_guard():
    x = Tensor(np.ones(3), requires_grad=True, label="x")
    y = x
    for _ in range(600):
        y = y * 1.0001
    with pytest.raises(ValueError, match=r"max_nodes=500") as info:
        draw_graph(y)
    message = str(info.value)
    assert "1201 nodes" in message
    assert "max_nodes=None" in message and "smaller sub-graph" in message
    src = draw_graph(y, max_nodes=None, show_local_grads=False).source
    assert src.count("shape=circle") == 600
    # x, 2.0, x * 2.0, 1.0, x * 2.0 + 1.0: five nodes
    with pytest.raises(ValueError, match="has 5 nodes, more than max_nodes=4"):
        draw_graph(x * 2.0 + 1.0, max_nodes=4)
    assert draw_graph(x * 2.0 + 1.0, max_nodes=5).source  # exactly at the limit


@pytest.mark.parametrize("bad", [0, -1, 2.5, "many", True])
def test_max_nodes_must_be_positive_int(bad):
    with pytest.raises(ValueError, match="max_nodes must be"):
        draw_graph(Tensor(np.ones(2), requires_grad=True) * 2.0, max_nodes=bad)


def test_max_nodes_applies_to_values_when_given():
    v = Value(1.0)
    for _ in range(10):
        v = v * 1.5  # a product chain: nothing to fold (a sum of alike terms would fold)
    with pytest.raises(ValueError, match="max_nodes=None"):
        draw_graph(v, max_nodes=5)
    assert draw_graph(v).source  # Value graphs have no limit by default


def test_deep_tensor_chain_needs_no_recursion():
    x = Tensor(np.ones(2), requires_grad=True, label="x")
    y = x
    for _ in range(3000):
        y = y + 1.0
    src = draw_graph(y, max_nodes=None).source
    assert src.count("shape=circle") == 3000


# ------------------------------------------------------------------------ rendering
@pytest.fixture(params=["wasm", "system"])
def backend(request, monkeypatch):
    if request.param == "wasm":
        monkeypatch.setenv("DELTAGRAD_NO_SYSTEM_DOT", "1")
        assert find_dot() is None
    else:
        monkeypatch.delenv("DELTAGRAD_NO_SYSTEM_DOT", raising=False)
        if find_dot() is None:
            pytest.skip("system Graphviz dot not installed")
    return request.param


def test_svg_with_and_without_system_dot(backend, small, mlp_loss, tmp_path):
    *_, y = small
    y.backward()
    texts = svg_texts(draw_graph(y).svg())
    # (SVG text collapses the two spaces between shape and dtype)
    assert {"a", "shape (2, 3) float64", "matmul", "∂/∂a = gy·bᵀ", "∂/∂b = aᵀ·gy"} <= set(texts)
    assert "data: [[0.5, 1, 1.5], [2, 2.5, 3]]" in texts
    m, loss = mlp_loss
    loss.backward()
    out = draw_graph(loss, model=m).save(tmp_path / "mlp.svg")
    texts = svg_texts(out.read_text(encoding="utf-8"))
    assert {"layers.0.weight", "layers.2.bias", "cross_entropy", "layers.0 (Linear)"} <= set(texts)
    png = draw_graph(loss, model=m, rankdir="TB").pipe(format="png")
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 5000


def test_weird_tensor_labels_render_literally(backend):
    weird = '<w|{1}> & "q" \\n'
    t = Tensor(np.ones(2), requires_grad=True, label=weird)
    texts = svg_texts(draw_graph(t * 2.0).svg())
    assert weird in texts


def test_rankdir_tb_stacks_tensor_fields_with_braces(small):
    *_, y = small
    lr = nodes(draw_graph(y).source)["v0"][0]
    tb = nodes(draw_graph(y, rankdir="TB").source)["v0"][0]
    assert not lr.startswith("{")  # LR: fields stacked without flipping
    assert tb.startswith("{") and tb.endswith("}")


# ------------------------------------------------------------------------ summarize
@pytest.mark.parametrize(
    "data, expected",
    [
        (np.array(2.5), "2.5"),
        (np.array([1.0, -0.0]), "[1, 0]"),
        (np.zeros((0, 3)), "(empty)"),
        (np.array([True, False]), "[True, False]"),
        (np.array([3, 1, 2], dtype=np.int64), "[3, 1, 2]"),
        (np.arange(10.0), "mean 4.5  std 2.872  min 0  max 9"),
        (np.arange(8) % 2 == 0, "4 of 8 True"),
        (np.array([1.0, np.nan] * 4), "mean nan  std nan  min nan  max nan"),
        (np.ones((1, 1, 1, 1, 1, 1, 1)), "[[[[[[[1]]]]]]]"),
    ],
)
def test_summarize(data, expected):
    assert summarize(data) == expected
