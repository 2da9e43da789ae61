"""collapse="modules" and model= for micrograd-style networks (nn.scalar.MLP)."""

from __future__ import annotations

import re

import pytest

from autograd import Value
from nn.scalar import MLP, Neuron
from viz import draw_graph
from viz.graph.model_map import ModelMap, scalar_modules


def _tiny():
    m = MLP(2, [3, 1], seed=0)
    out = m([0.5, -1.0])
    loss = (1.0 - out).relu()
    loss.backward()
    return m, loss


def test_walk_names_modules_and_parameters_like_module_paths():
    m = MLP(2, [3, 1], seed=0)
    walked = scalar_modules(m)
    assert [path for path, _, _ in walked] == [
        "",
        "layers.0",
        "layers.0.neurons.0",
        "layers.0.neurons.1",
        "layers.0.neurons.2",
        "layers.1",
        "layers.1.neurons.0",
    ]
    own = dict((path, names) for path, _, names in walked)
    assert own[""] == [] and own["layers.0"] == []
    n01 = m.layers[0].neurons[1]
    assert own["layers.0.neurons.1"] == [
        ("layers.0.neurons.1.w.0", n01.w[0]),
        ("layers.0.neurons.1.w.1", n01.w[1]),
        ("layers.0.neurons.1.b", n01.b),
    ]


def test_model_map_of_a_scalar_mlp():
    m = MLP(2, [3, 1], seed=0)
    mapping = ModelMap.from_model(m)
    assert [u.title for u in mapping.units] == [
        "layers.0.neurons.0 (Neuron)",
        "layers.0.neurons.1 (Neuron)",
        "layers.0.neurons.2 (Neuron)",
        "layers.1.neurons.0 (Neuron)",
    ]
    assert len(mapping.params) == len(m.parameters()) == 3 * 3 + 4
    assert mapping.params[id(m.layers[1].neurons[0].b)] == "layers.1.neurons.0.b"
    assert mapping.param_unit[id(m.layers[0].neurons[2].w[1])] == 2


def test_collapse_modules_draws_one_box_per_neuron():
    m, loss = _tiny()
    src = draw_graph(loss, model=m, collapse="modules").source
    boxes = dict(re.findall(r'^\t(m\d+) \[label="([^"\\]*(?:\\.[^"\\]*)*)"', src, re.M))
    titles = sorted(label.split("\\n")[0] for label in boxes.values())
    assert titles == [
        "layers.0.neurons.0 (Neuron)",
        "layers.0.neurons.1 (Neuron)",
        "layers.0.neurons.2 (Neuron)",
        "layers.1.neurons.0 (Neuron)",
    ]
    ids = {label.split("\\n")[0]: key for key, label in boxes.items()}
    out_neuron = ids["layers.1.neurons.0 (Neuron)"]
    for j in range(3):
        hidden = ids[f"layers.0.neurons.{j} (Neuron)"]
        assert re.search(rf"^\t{hidden} -> {out_neuron}\b", src, re.M)
    # the loss after the network (1 - out, relu) is drawn node by node
    assert "relu" in src and "shape=circle" in src


def test_expanded_drawing_names_scalar_parameters_by_path():
    m, loss = _tiny()
    src = draw_graph(loss, model=m).source
    assert "{layers.0.neurons.2.w.1|data " in src
    assert "{layers.1.neurons.0.b|data " in src
    assert "subgraph cluster_module" in src and "layers.0.neurons.1 (Neuron)" in src


def test_a_single_neuron_is_a_model_too():
    n = Neuron(2, rng=None)
    y = n([Value(1.0, label="x0"), Value(2.0, label="x1")])
    src = draw_graph(y, model=n, collapse="modules").source
    assert "Neuron" in src


@pytest.mark.parametrize("model", [object(), [1, 2], "mlp"])
def test_other_models_are_still_refused(model):
    with pytest.raises(TypeError, match="nn.scalar"):
        draw_graph(Value(1.0) * 2.0, model=model)
