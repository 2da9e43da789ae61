"""Summaries of big Value graphs: alike terms of a sum folded with a count (viz.graph.fold)."""

from __future__ import annotations

import re

import pytest

from autograd import Value
from autograd.graph import topological_order
from nn.scalar import MLP
from viz import GraphTooLargeError, draw_graph
from viz.graph.fold import FoldNode, fold_repeats
from viz.graph.model_map import ModelMap

POINTS = [(0.5, -1.0), (1.5, 0.25), (-0.75, 0.5), (0.1, 0.9), (-1.2, -0.3), (0.8, 0.4)]
TARGETS = [1.0, -1.0, 1.0, -1.0, 1.0, -1.0]


def batch_loss(points=POINTS, targets=TARGETS, sizes=(3, 1)):
    """micrograd's demo loss on a few points: SVM margins + L2, each margin labelled."""
    model = MLP(2, list(sizes), seed=0)
    scores = [model(list(x)) for x in points]
    margins = [(1.0 - y * s).relu() for y, s in zip(targets, scores)]
    for k, m in enumerate(margins):
        m.label = f"m{k}"
    data_loss = sum(margins) * (1.0 / len(margins))
    loss = data_loss + 1e-4 * sum(p * p for p in model.parameters())
    loss.backward()
    return model, loss, scores, margins


def box(name: str, node: Value) -> str:
    head = f"{name}|" if name else ""
    return f"{{{head}data {node.data:.4g}|grad {node.grad:.4g}}}"


def sum_edges(source: str) -> list[str]:
    return re.findall(r'-> op\d+ \[label="([^"]*alike terms[^"]*)"', source)


# ---------------------------------------------------------------- what is folded
def test_counts_of_the_folded_groups():
    model, loss, _, margins = batch_loss()
    order = topological_order(loss)
    folding = fold_repeats(order)
    counts = sorted((g.count, g.size) for g in folding.groups)
    # 6 samples; 13 squares p·p of the L2 term; in the shown sample, the 3 hidden
    # neurons feeding the output neuron (w_i · relu(b + w·x)): 3 alike terms
    assert [c for c, _ in counts] == [3, 6, 13]
    assert dict((c, s) for c, s in counts)[13] == 1  # p·p: one node each
    # the drawing is the graph without 5 samples, 12 squares, 2 hidden neurons
    per_sample = next(g.size for g in folding.groups if g.count == 6)
    per_neuron = next(g.size for g in folding.groups if g.count == 3)
    # (and the 8 parameters only those left-out terms used: the two hidden neurons'
    # w0, w1, b, and the output neuron's weights for them)
    hidden = 5 * per_sample + 12 * 1 + 2 * per_neuron + 8
    links = (6 + 1 - 1) + (13 + 1 - 1) + (3 + 1 - 1)  # each chain of + becomes one Σ
    assert len(folding.order) == len(order) - hidden - links + 3
    assert all(isinstance(node, FoldNode) for node in folding.order)
    assert folding.order[-1].original is loss


def test_the_edge_into_the_sum_says_how_many_and_which():
    _, loss, _, _ = batch_loss()
    src = draw_graph(loss, fold=True).source
    labels = sum_edges(src)
    assert sorted(lab.split("  ")[-1] for lab in labels) == [
        "×13 alike terms, term 0 shown",
        "×3 alike terms, term 0 shown",
        "×6 alike terms, term 0 shown",
    ]
    assert "∂/∂m0 (term 0 of 6) = 1  ×6 alike terms, term 0 shown" in labels
    assert "a sum of 6 alike terms" in src and "term 0 of 6 is shown" in src
    assert "sample=k draws term k; fold=False draws every term" in src


@pytest.mark.parametrize("k", [0, 4])
def test_the_shown_sample_has_the_engines_numbers(k):
    _, loss, scores, margins = batch_loss()
    src = draw_graph(loss, fold=True, sample=k).source
    assert box(f"m{k} (term {k} of 6)", margins[k]) in src
    others = [j for j in range(6) if j != k]
    assert all(f"m{j}|" not in src and f"m{j} (" not in src for j in others)
    # the sample's score (the network's output) and every stand-in: the engine's numbers
    folding = fold_repeats(topological_order(loss), sample=k)
    originals = {id(node.original): node for node in folding.order}
    assert id(scores[k]) in originals and id(margins[k]) in originals
    assert not any(id(scores[j]) in originals for j in others)
    for node in folding.order:
        if node.op != "Σ":
            assert (node.data, node.grad) == (node.original.data, node.original.grad)
            assert node.local_grads == node.original.local_grads
    assert box("", scores[k]) in src


def test_the_sum_keeps_the_total_and_its_gradient():
    _, loss, _, margins = batch_loss()
    folding = fold_repeats(topological_order(loss))
    (i,) = [i for i, g in folding.sums.items() if any(x.count == 6 for x in g)]
    sigma = folding.order[i]
    assert sigma.data == pytest.approx(sum(m.data for m in margins), abs=1e-15)
    assert sigma.grad == pytest.approx(1.0 / 6)  # d loss / d (m0 + ... + m5)
    assert sigma.local_grads == (1.0,) * len(sigma._parents)


def test_expanding_draws_every_term_with_its_numbers():
    _, loss, _, margins = batch_loss()
    full = draw_graph(loss, fold=False).source
    for k, m in enumerate(margins):
        assert box(f"m{k}", m) in full
    assert not sum_edges(full) and "Summary" not in full
    # what the folded drawing shows of sample 3 is in the full drawing, number for number
    folded = draw_graph(loss, fold=True, sample=3).source
    boxes = set(re.findall(r'label="(\{[^"]*data [^"]*\})"', folded))
    boxes = {b.replace("m3 (term 3 of 6)", "m3") for b in boxes if "term" not in b or "m3" in b}
    # (a Σ box shows the chain's last partial sum, which the full drawing has too)
    assert len(boxes) > 20
    assert [b for b in boxes if b not in full] == []


def test_small_graphs_are_not_summarised_by_default():
    _, loss, _, _ = batch_loss(sizes=(2, 1))
    assert len(topological_order(loss)) < 350
    assert draw_graph(loss).source == draw_graph(loss, fold=False).source


def test_sample_out_of_range_names_the_range():
    _, loss, _, _ = batch_loss()
    with pytest.raises(ValueError, match=r"sample=13 is out of range.*13 alike terms.*0 \.\.\. 12"):
        draw_graph(loss, fold=True, sample=13)
    with pytest.raises(ValueError, match="sample must be an int >= 0"):
        draw_graph(loss, sample=-1)
    with pytest.raises(ValueError, match="fold must be"):
        draw_graph(loss, fold="yes")


def test_sample_past_a_smaller_group_shows_its_first_term():
    _, loss, _, _ = batch_loss()
    folding = fold_repeats(topological_order(loss), sample=5)
    shown = {g.count: g.shown for g in folding.groups}
    assert shown == {6: 5, 13: 5, 3: 0}


# ---------------------------------------------------------------- alike or not
def test_terms_are_grouped_by_their_structure():
    w = Value(0.5, label="w")
    terms = [Value(float(i)) * w for i in range(5)] + [Value(float(i)).tanh() for i in range(4)]
    total = terms[0]
    for t in terms[1:]:
        total = total + t
    folding = fold_repeats(topological_order(total))
    assert sorted(g.count for g in folding.groups) == [4, 5]
    assert sorted(g.size for g in folding.groups) == [2, 2]  # constant·w, tanh(constant)


def test_terms_using_different_shared_results_are_not_alike():
    # w_i · h_i over hidden results h_i that are used elsewhere too: a neuron's own sum
    x = Value(0.3, label="x")
    hs = [(x * float(i)).tanh() for i in range(5)]
    u = hs[0] * Value(1.0)
    for h in hs[1:]:
        u = u + h * Value(1.0)
    root = u + sum(hs)  # each h is also used here: shared
    assert fold_repeats(topological_order(root)) is None


def test_a_power_chain_or_product_has_nothing_to_fold():
    a = Value(1.01, label="a")
    y = a
    for _ in range(59):
        y = y * a
    assert fold_repeats(topological_order(y)) is None


# ---------------------------------------------------------------- with module boxes
def test_still_too_big_after_folding_draws_neuron_boxes_found_from_labels():
    model, loss, _, _ = batch_loss(sizes=(4, 4, 1))
    src = draw_graph(loss, max_nodes=40).source  # no model=: nn.scalar labels suffice
    titles = re.findall(r'label="(layers\.\d\.neurons\.\d \(Neuron\))\\n', src)
    assert "layers.0.neurons.0 (Neuron)" in titles and "layers.2.neurons.0 (Neuron)" in titles
    assert "modules (Neuron) are drawn as one box each" in src
    assert "collapse=None draws inside the modules" in src
    # the 4 alike hidden neurons of layer 1 (each feeding the output neuron's sum, which
    # is inside its box): one is drawn, and its box says so
    assert "layers.1.neurons.0 (Neuron)" in titles and "layers.1.neurons.1 (Neuron)" not in titles
    assert re.search(r'label="layers\.1\.neurons\.0 \(Neuron\)\\n[^"]*\\n1 of 4 alike, ×4"', src)
    # each neuron box shows its output's numbers: the output neuron's is the score
    inferred = ModelMap.from_scalar_labels(topological_order(loss))
    given = ModelMap.from_model(model)
    assert [u.path for u in inferred.units] == [u.path for u in given.units]
    assert sorted(inferred.params.values()) == sorted(given.params.values())


def test_a_summary_over_the_limit_is_refused_with_both_sizes():
    _, loss, _, _ = batch_loss(sizes=(4, 4, 1))
    total = len(topological_order(loss))
    with pytest.raises(GraphTooLargeError, match=rf"graph has {total} nodes, and its summary"):
        draw_graph(loss, max_nodes=5)
