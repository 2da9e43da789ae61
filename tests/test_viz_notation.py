"""draw_graph(..., notation="textbook"): the textbook's symbols for an nn.scalar network."""

from __future__ import annotations

import math

import pytest

from autograd import Value
from nn.scalar import MLP
from viz import draw_graph
from viz.graph.notation import textbook_symbol

X = [0.5, -1.0]
D = 0.25


def two_three_one():
    """A 2-3-1 network, sigmoid hidden units, identity output, E = ½ (y - d)²."""
    m = MLP(2, [3, 1], activation="sigmoid", seed=0)
    y = m(X)
    E = 0.5 * (y - D) ** 2
    E.backward()
    return m, y, E


def by_hand(m):
    """Forward pass and deltas on floats, as a learner writes them (layers 1, 2, 3)."""
    hidden = m.layers[0].neurons
    u2 = [n.b.data + sum(w.data * x for w, x in zip(n.w, X)) for n in hidden]
    z2 = [1.0 / (1.0 + math.exp(-u)) for u in u2]
    out = m.layers[1].neurons[0]
    u3 = out.b.data + sum(w.data * z for w, z in zip(out.w, z2))
    y = u3  # identity output: z^(3) = u^(3)
    delta3 = y - D  # ∂E/∂u^(3) for E = ½ (y - d)²
    # δ_j^(2) = f'(u_j^(2)) · w_1j^(3) · δ_1^(3),  f' = σ (1 - σ)
    delta2 = [z * (1.0 - z) * out.w[j].data * delta3 for j, z in enumerate(z2)]
    return u2, z2, u3, delta2, delta3


def fmt(x: float) -> str:
    return format(x, ".4g")


def test_symbols():
    assert textbook_symbol("w", 2, 2, 1) == "w₂₁⁽²⁾"
    assert textbook_symbol("u", 3, 1) == "u₁⁽³⁾"
    assert textbook_symbol("w", 2, 12, 3) == "w₁₂,₃⁽²⁾".replace(",", "‚")
    assert textbook_symbol("δ", 10, 4) == "δ₄⁽¹⁰⁾"


def test_output_and_hidden_deltas_equal_the_hand_computed_ones():
    m, y, E = two_three_one()
    u2, z2, u3, delta2, delta3 = by_hand(m)
    assert y.data == pytest.approx(u3, abs=1e-12)
    src = draw_graph(E, model=m, notation="textbook").source
    # δ at the output: y - d
    assert f"{{u₁⁽³⁾|data {fmt(u3)}|δ₁⁽³⁾ {fmt(delta3)}}}" in src
    # one hidden δ (unit 2 of layer 2), and every hidden unit's u and z
    assert f"{{u₂⁽²⁾|data {fmt(u2[1])}|δ₂⁽²⁾ {fmt(delta2[1])}}}" in src
    for j in range(3):
        assert f"u{'₁₂₃'[j]}⁽²⁾|data {fmt(u2[j])}|δ{'₁₂₃'[j]}⁽²⁾ {fmt(delta2[j])}" in src
        assert f"z{'₁₂₃'[j]}⁽²⁾|data {fmt(z2[j])}|grad " in src
    # w_ji^(2): from input i to hidden unit j; its gradient is δ_j^(2) · x_i
    w21 = m.layers[0].neurons[1].w[0]
    assert f"{{w₂₁⁽²⁾|data {fmt(w21.data)}|grad {fmt(delta2[1] * X[0])}}}" in src
    assert w21.grad == pytest.approx(delta2[1] * X[0], rel=1e-12)
    # w_1j^(3) and b^(3): gradients δ^(3) z_j^(2) and δ^(3)
    w13 = m.layers[1].neurons[0].w[2]
    assert f"{{w₁₃⁽³⁾|data {fmt(w13.data)}|grad {fmt(delta3 * z2[2])}}}" in src
    assert f"{{b₁⁽³⁾|data 0|grad {fmt(delta3)}}}" in src
    # inputs are layer 1, the loss is E
    assert "{z₁⁽¹⁾|data 0.5|" in src and "{z₂⁽¹⁾|data -1|" in src
    assert f"{{E|data {fmt(E.data)}|grad 1}}" in src
    assert "the input is layer 1" in src


def test_without_model_the_labels_of_nn_scalar_suffice():
    m, _, E = two_three_one()
    with_model = draw_graph(E, model=m, notation="textbook").source
    alone = draw_graph(E, notation="textbook").source
    for name in ("w₂₁⁽²⁾", "b₃⁽²⁾", "u₁⁽³⁾", "δ₂⁽²⁾", "z₃⁽²⁾", "z₂⁽¹⁾"):
        assert name in with_model and name in alone


def test_edges_use_the_symbols():
    m, _, E = two_three_one()
    src = draw_graph(E, model=m, notation="textbook").source
    u2 = m.layers[0].neurons[0]
    assert f'label="∂/∂w₁₁⁽²⁾ = {fmt(X[0])}"' in src  # d(w·x)/dw = x
    assert f'label="∂/∂z₁⁽¹⁾ = {fmt(u2.w[0].data)}"' in src  # d(w·x)/dx = w


def test_a_folded_batch_keeps_the_notation_on_the_shown_sample():
    m = MLP(2, [3, 1], activation="tanh", seed=1)
    points = [[0.1 * k, -0.2 * k] for k in range(5)]
    E = sum(0.5 * (m(x) - D) ** 2 for x in points)
    E.backward()
    src = draw_graph(E, model=m, notation="textbook", fold=True, sample=2).source
    y2 = m(points[2]).data
    assert f"u₁⁽³⁾|data {fmt(y2)}|δ₁⁽³⁾ " in src
    assert "a sum of 5 alike terms" in src and "the input is layer 1" in src


def test_notation_needs_an_nn_scalar_network():
    a, b = Value(2.0, label="a"), Value(3.0, label="b")
    with pytest.raises(ValueError, match="nn.scalar network.*model=your_mlp"):
        draw_graph(a * b, notation="textbook")
    with pytest.raises(ValueError, match="notation must be None or 'textbook'"):
        draw_graph(a * b, notation="book")
