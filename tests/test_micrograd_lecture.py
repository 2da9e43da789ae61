"""Karpathy's micrograd lecture and demo notebook, run as written on deltagrad's ``Value``.

The lecture ("The spelled-out intro to neural networks and backpropagation") reaches
into a node's internals: ``_prev`` (the set of operands), ``_op`` (the operation's
label) and ``_backward()`` (one node's local chain-rule step). The helpers below
(``trace``, ``draw_dot``, ``build_topo``) are written the way the lecture writes them,
so these tests fail if deltagrad drifts away from that surface.
"""

from __future__ import annotations

import math
import random

import pytest

from autograd import Tensor, Value
from nn.datasets import make_moons
from nn.scalar import MLP, Layer, Module, Neuron
from viz import draw_graph

# The lecture's neuron: o = tanh(x1*w1 + x2*w2 + b), with b chosen so that n = 0.8814
# and o = tanh(n) = 1/sqrt(2), hence do/dn = 1 - o**2 = 0.5 exactly (up to rounding).
B = 6.8813735870195432

# d o / d leaf, worked out by hand in the lecture
LECTURE_GRADS = {"x1": -1.5, "w1": 1.0, "x2": 0.5, "w2": 0.0, "b": 0.5}


def lecture_neuron() -> dict[str, Value]:
    """The lecture's neuron, every node labelled the way the lecture labels it."""
    x1 = Value(2.0, label="x1")
    x2 = Value(0.0, label="x2")
    w1 = Value(-3.0, label="w1")
    w2 = Value(1.0, label="w2")
    b = Value(B, label="b")
    x1w1 = x1 * w1
    x1w1.label = "x1*w1"
    x2w2 = x2 * w2
    x2w2.label = "x2*w2"
    x1w1x2w2 = x1w1 + x2w2
    x1w1x2w2.label = "x1*w1 + x2*w2"
    n = x1w1x2w2 + b
    n.label = "n"
    o = n.tanh()
    o.label = "o"
    return {v.label: v for v in (x1, x2, w1, w2, b, x1w1, x2w2, x1w1x2w2, n, o)}


# ---------------------------------------------------------------- the lecture's helpers
def trace(root: Value) -> tuple[set, set]:
    # builds a set of all nodes and edges in a graph (as in the lecture)
    nodes, edges = set(), set()

    def build(v):
        if v not in nodes:
            nodes.add(v)
            for child in v._prev:
                edges.add((child, v))
                build(child)

    build(root)
    return nodes, edges


def draw_dot(root: Value):
    graphviz = pytest.importorskip("graphviz")
    dot = graphviz.Digraph(format="svg", graph_attr={"rankdir": "LR"})  # LR = left to right

    nodes, edges = trace(root)
    for n in nodes:
        uid = str(id(n))
        # for any value in the graph, create a rectangular ('record') node for it
        # %-formatting kept as the lecture writes it
        label = "{ %s | data %.4f | grad %.4f }" % (n.label, n.data, n.grad)  # noqa: UP031
        dot.node(name=uid, label=label, shape="record")
        if n._op:
            # if this value is a result of some operation, create an op node for it
            dot.node(name=uid + n._op, label=n._op)
            # and connect this node to it
            dot.edge(uid + n._op, uid)

    for n1, n2 in edges:
        # connect n1 to the op node of n2
        dot.edge(str(id(n1)), str(id(n2)) + n2._op)

    return dot


def build_topo(root: Value) -> list[Value]:
    topo = []
    visited = set()

    def build(v):
        if v not in visited:
            visited.add(v)
            for child in v._prev:
                build(child)
            topo.append(v)

    build(root)
    return topo


# ---------------------------------------------------------------- _prev, _op, _backward
def test_prev_is_the_set_of_operands_and_op_is_the_operation() -> None:
    v = lecture_neuron()
    assert v["o"]._prev == {v["n"]} and v["o"]._op == "tanh"
    assert v["n"]._prev == {v["x1*w1 + x2*w2"], v["b"]} and v["n"]._op == "+"
    assert v["x1*w1"]._prev == {v["x1"], v["w1"]} and v["x1*w1"]._op == "*"
    assert v["x1"]._prev == set() and v["x1"]._op == ""
    a = Value(3.0, label="a")
    assert (a * a)._prev == {a}  # a set, as in micrograd: the repeated operand once


def test_manual_backward_calls_give_the_lecture_numbers() -> None:
    v = lecture_neuron()
    assert v["o"].data == pytest.approx(math.sqrt(0.5), abs=1e-12)
    v["o"].grad = 1.0
    # the lecture's order: each call pushes one node's gradient into its operands
    for name in ("o", "n", "b", "x1*w1 + x2*w2", "x2*w2", "x1*w1"):
        v[name]._backward()
    assert v["n"].grad == pytest.approx(0.5, abs=1e-12)
    assert v["x1*w1 + x2*w2"].grad == pytest.approx(0.5, abs=1e-12)
    assert v["x1*w1"].grad == pytest.approx(0.5, abs=1e-12)
    assert v["x2*w2"].grad == pytest.approx(0.5, abs=1e-12)
    for name, expected in LECTURE_GRADS.items():
        assert v[name].grad == pytest.approx(expected, abs=1e-12), name


def test_backward_of_a_leaf_does_nothing() -> None:
    x = Value(2.0, label="x")
    x.grad = 3.0
    assert x._backward() is None
    assert x.grad == 3.0


def test_backward_step_accumulates_into_a_repeated_operand() -> None:
    # the lecture's "b = a + a" bug: gradients must be added, not overwritten
    a = Value(3.0, label="a")
    b = a + a
    b.grad = 1.0
    b._backward()
    assert a.grad == 2.0
    c = a * a  # d(a*a)/da = 2a, collected from both operand slots
    a.grad = 0.0
    c.grad = 1.0
    c._backward()
    assert a.grad == 6.0


def test_build_topo_then_backward_in_reverse_order() -> None:
    v = lecture_neuron()
    topo = build_topo(v["o"])
    assert len(topo) == 10 and topo[-1] is v["o"]
    position = {id(node): i for i, node in enumerate(topo)}
    for node in topo:  # every operand comes before the node computed from it
        assert all(position[id(child)] < position[id(node)] for child in node._prev)
    v["o"].grad = 1.0
    for node in reversed(topo):
        node._backward()
    assert {k: v[k].grad for k in LECTURE_GRADS} == pytest.approx(LECTURE_GRADS, abs=1e-12)


def test_backward_gives_the_lecture_numbers() -> None:
    v = lecture_neuron()
    v["o"].backward()
    assert {k: v[k].grad for k in LECTURE_GRADS} == pytest.approx(LECTURE_GRADS, abs=1e-12)


def test_tanh_broken_into_exp_and_division_gives_the_same_gradients() -> None:
    # the lecture's second version: o = (e - 1) / (e + 1) with e = exp(2n)
    v = lecture_neuron()
    n = v["n"]
    e = (2 * n).exp()
    o = (e - 1) / (e + 1)
    assert o.data == pytest.approx(v["o"].data, abs=1e-12)
    o.backward()
    assert {k: v[k].grad for k in LECTURE_GRADS} == pytest.approx(LECTURE_GRADS, abs=1e-12)


def test_draw_dot_as_written_in_the_lecture() -> None:
    v = lecture_neuron()
    v["o"].backward()
    nodes, edges = trace(v["o"])
    assert nodes == set(v.values())
    assert len(edges) == 9  # two operands for each of * * + +, one for tanh
    dot = draw_dot(v["o"])
    source = dot.source
    # 10 value nodes + 5 operation nodes; 9 operand edges + 5 op -> result edges
    assert sum("->" in line for line in dot.body) == 14
    assert sum("->" not in line for line in dot.body) == 15
    assert "{ x1 | data 2.0000 | grad -1.5000 }" in source
    assert "{ w1 | data -3.0000 | grad 1.0000 }" in source
    assert "{ o | data 0.7071 | grad 1.0000 }" in source
    # graphviz quotes the op-node names (they are not plain identifiers)
    assert f'"{id(v["o"])}tanh" -> {id(v["o"])}' in source
    assert f'{id(v["n"])} -> "{id(v["o"])}tanh"' in source


def test_user_code_attributes_need_a_subclass() -> None:
    # A Value keeps its fields in slots (no per-node __dict__: that made every node
    # bigger and slower); the lecture's own attributes all have one (and DeZero's
    # ``name``, the same as ``label``), anything else raises instead of being silently
    # kept, and a subclass may carry its own.
    a = Value(2.0)
    a.label = "a"
    with pytest.raises(AttributeError, match="'color'"):
        a.color = "red"

    class Tagged(Value):
        pass

    n = Tagged(2.0)
    n.color = "red"
    b = n * 3
    assert (n.color, n.label) == ("red", "")
    assert b.data == 6.0 and n in b._prev and len(b._prev) == 2


def test_dezero_name_is_the_label() -> None:
    # ゼロから作る ❸ names its variables with ``x.name = "x"``; the drawings show labels.
    x, t = Value(3.0), Tensor([1.0, 2.0])
    x.name, t.name = "x", "t"
    assert (x.label, x.name, t.label, t.name) == ("x", "x", "t", "t")
    y = x * 2
    y.label = "y"
    assert y.name == "y"
    source = draw_graph(x * 2).source
    assert 'label="{x|data 3|' in source and "∂/∂x = 2" in source  # drawn by its name


# ---------------------------------------------------------------- operator coverage
def test_sum_of_values_and_reflected_operators() -> None:
    a, b = Value(2.0), Value(-4.0)
    s = sum([a, b, a])  # starts from the int 0: 0 + a needs __radd__
    assert isinstance(s, Value) and s.data == 0.0
    s.backward()
    assert (a.grad, b.grad) == (2.0, 1.0)
    a.grad = 0.0
    q = 1 / a  # __rtruediv__
    q.backward()
    assert q.data == 0.5 and a.grad == -0.25
    m = -b
    m.backward()
    assert m.data == 4.0 and b.grad == 1.0 - 1.0  # b.grad had 1.0 from the sum


def test_value_exponent_is_supported_with_both_gradients() -> None:
    # micrograd only takes int/float exponents; deltagrad also takes a Value
    a, p = Value(2.0), Value(3.0)
    y = a**p
    y.backward()
    assert y.data == 8.0
    assert a.grad == pytest.approx(3.0 * 2.0**2)  # p a^(p-1)
    assert p.grad == pytest.approx(8.0 * math.log(2.0))  # a^p log a
    with pytest.raises(TypeError, match="unsupported operand"):
        a ** "2"  # noqa: B018


# ---------------------------------------------------------------- nn: the lecture's MLP
XS = [[2.0, 3.0, -1.0], [3.0, -1.0, 0.5], [0.5, 1.0, 1.0], [1.0, 1.0, -1.0]]
YS = [1.0, -1.0, -1.0, 1.0]


@pytest.mark.parametrize(
    ("seed", "kwargs"),
    [(12, {}), (0, {"activation": "tanh", "output_activation": "tanh"})],
    ids=["micrograd-relu", "lecture-tanh"],
)
def test_lecture_training_loop(seed: int, kwargs: dict) -> None:
    random.seed(seed)  # the lecture draws the initial weights from the global generator
    n = MLP(3, [4, 4, 1], **kwargs)
    losses = []
    for _ in range(100):
        # forward pass
        ypred = [n(x) for x in XS]
        loss = sum((yout - ygt) ** 2 for ygt, yout in zip(YS, ypred))
        losses.append(loss.data)
        if loss.data < 0.05:
            break
        # backward pass
        n.zero_grad()
        loss.backward()
        # update
        for p in n.parameters():
            p.data += -0.05 * p.grad
    assert losses[-1] < 0.05 < losses[0]
    assert all(isinstance(y, Value) for y in ypred)  # a width-1 output is a bare Value


def test_micrograd_demo_svm_loss_on_moons() -> None:
    # demo.ipynb: max-margin loss with relu, L2 via sum(), labels in {-1, 1} from numpy
    X, y = make_moons(n_samples=40, noise=0.1, random_state=1)
    y = y * 2 - 1
    random.seed(1337)
    model = MLP(2, [16, 16, 1])  # 2-layer neural network

    def loss():
        inputs = [list(map(Value, xrow)) for xrow in X]
        scores = list(map(model, inputs))
        losses = [(1 + -yi * scorei).relu() for yi, scorei in zip(y, scores)]
        data_loss = sum(losses) * (1.0 / len(losses))
        alpha = 1e-4
        reg_loss = alpha * sum(p * p for p in model.parameters())
        total_loss = data_loss + reg_loss
        accuracy = [(yi > 0) == (scorei.data > 0) for yi, scorei in zip(y, scores)]
        return total_loss, sum(accuracy) / len(accuracy)

    first, _ = loss()
    for k in range(15):
        total_loss, acc = loss()
        model.zero_grad()
        total_loss.backward()
        learning_rate = 1.0 - 0.9 * k / 100
        for p in model.parameters():
            p.data -= learning_rate * p.grad
    last, acc = loss()
    assert isinstance(first, Value)
    assert last.data < 0.5 * first.data
    assert acc >= 0.85


# ---------------------------------------------------------------- nn: micrograd's API
def test_module_is_the_base_of_neuron_layer_and_mlp() -> None:
    for module in (Neuron(2), Layer(2, 3), MLP(2, [3, 1])):
        assert isinstance(module, Module)
    model = MLP(2, [3, 1])
    model([1.0, -1.0]).backward()
    model.zero_grad()
    assert len(model.parameters()) == 13 and all(p.grad == 0.0 for p in model.parameters())


def test_neuron_nonlin_as_in_micrograd() -> None:
    assert Neuron(3).nonlin is True and Neuron(3, nonlin=True).nonlin is True
    assert Neuron(3, nonlin=False).nonlin is False
    assert Neuron(3, False).nonlin is False  # micrograd's positional Neuron(nin, nonlin)
    assert Neuron(3, True).activation == "relu"
    assert Neuron(3, "tanh").nonlin is True
    assert Layer(3, 2, nonlin=False).neurons[1].nonlin is False
    model = MLP(3, [4, 4, 1])
    assert [layer.neurons[0].nonlin for layer in model.layers] == [True, True, False]
    n = Neuron(2, rng=random.Random(0))
    n.nonlin = False  # settable, like micrograd's plain attribute
    assert n.activation == "linear"
    n.w[0].data, n.w[1].data = 1.0, 1.0
    assert n([-2.0, -1.0]).data == -3.0  # linear: no relu clipping


@pytest.mark.parametrize("sizes", [[1, 3], [3, 1, 3], [1, 1], [2, 1, 1]])
def test_width_one_layer_feeds_the_next_layer(sizes: list[int]) -> None:
    random.seed(3)
    model = MLP(2, sizes, activation="tanh")
    out = model([0.5, -1.0])
    if sizes[-1] == 1:
        assert isinstance(out, Value)
    else:
        assert isinstance(out, list) and len(out) == sizes[-1]


def test_neuron_and_layer_take_a_single_value_as_one_input() -> None:
    n = Neuron(1, "linear", rng=random.Random(0))
    n.w[0].data, n.b.data = 2.0, 0.5
    x = Value(3.0)
    assert n(x).data == 6.5 and n([x]).data == 6.5
    assert n(3.0).data == 6.5
    layer = Layer(1, 2, "linear", rng=random.Random(0))
    assert [o.data for o in layer(x)] == [o.data for o in layer([x])]
    with pytest.raises(ValueError, match="got 1 inputs but the neuron has 2 weights"):
        Neuron(2)(x)


@pytest.mark.parametrize("sizes", [[1, 3], [3, 1, 3]])
def test_mlp_with_a_width_one_hidden_layer_trains(sizes: list[int]) -> None:
    xs = [[1.0, 0.0], [0.0, 1.0], [1.0, 1.0], [-1.0, 0.5]]
    targets = [[0.5, -0.5, 0.25], [-0.5, 0.5, 0.0], [0.25, 0.0, -0.25], [0.0, 0.25, 0.5]]
    model = MLP(2, sizes, activation="tanh", seed=0)

    def mse() -> Value:
        return sum((o - t) ** 2 for x, ts in zip(xs, targets) for o, t in zip(model(x), ts)) / 12

    start = mse().data
    for _ in range(40):
        loss = mse()
        model.zero_grad()
        loss.backward()
        for p in model.parameters():
            p.data -= 0.2 * p.grad
    assert mse().data < 0.8 * start
