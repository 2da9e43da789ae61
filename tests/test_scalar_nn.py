"""``nn.scalar``: micrograd-style Neuron / Layer / MLP built from ``Value`` nodes."""

from __future__ import annotations

import random
from collections.abc import Callable

import pytest

from autograd import Value, gradcheck
from nn.scalar import MLP, Layer, Neuron, ScalarModule


def n_params(nin: int, sizes: list[int]) -> int:
    """Weights plus biases of a fully connected stack: sum (fan_in + 1) * fan_out."""
    total, fan_in = 0, nin
    for fan_out in sizes:
        total += (fan_in + 1) * fan_out
        fan_in = fan_out
    return total


# ----------------------------------------------------------------------------- shapes


def test_neuron_shape_and_parameters() -> None:
    n = Neuron(3)
    assert len(n.w) == 3 and len(n.parameters()) == 4
    out = n([1.0, -2.0, 0.5])
    assert isinstance(out, Value)
    assert out.data >= 0.0  # relu by default


@pytest.mark.parametrize("activation", ["relu", "tanh", "sigmoid", "leaky_relu", "linear"])
def test_neuron_computes_activation_of_affine_map(activation: str) -> None:
    n = Neuron(2, activation, rng=random.Random(0))
    n.w[0].data, n.w[1].data, n.b.data = 0.5, -2.0, 0.25
    u = 0.5 * 1.0 + (-2.0) * 0.75 + 0.25  # = -0.75
    expected = {
        "relu": 0.0,
        "tanh": Value(u).tanh().data,
        "sigmoid": Value(u).sigmoid().data,
        "leaky_relu": 0.01 * u,
        "linear": u,
    }[activation]
    assert n([1.0, 0.75]).data == pytest.approx(expected)


def test_neuron_nonlin_spelling_and_bad_activation() -> None:
    assert Neuron(2, nonlin=False).activation == "linear"
    assert Neuron(2, nonlin=True).activation == "relu"
    with pytest.raises(ValueError, match="activation"):
        Neuron(2, "swish")


def test_layer_shapes() -> None:
    layer = Layer(3, 4)
    out = layer([0.1, 0.2, 0.3])
    assert isinstance(out, list) and len(out) == 4
    assert len(layer.parameters()) == 4 * (3 + 1)
    single = Layer(3, 1)([0.1, 0.2, 0.3])
    assert isinstance(single, Value)  # micrograd unwraps a one-unit layer


@pytest.mark.parametrize(("nin", "sizes"), [(2, [16, 16, 1]), (3, [4, 4, 1]), (5, [2])])
def test_mlp_parameter_count(nin: int, sizes: list[int]) -> None:
    model = MLP(nin, sizes)
    params = model.parameters()
    assert len(params) == n_params(nin, sizes)
    assert len({id(p) for p in params}) == len(params)  # no parameter listed twice


def test_two_sixteen_sixteen_one_has_337_parameters() -> None:
    assert len(MLP(2, [16, 16, 1]).parameters()) == 337


def test_mlp_output_shapes() -> None:
    assert isinstance(MLP(2, [3, 1])([1.0, 2.0]), Value)
    out = MLP(2, [3, 2])([1.0, 2.0])
    assert isinstance(out, list) and len(out) == 2


def test_last_layer_is_linear_by_default() -> None:
    model = MLP(2, [3, 1], seed=0)
    assert [layer.neurons[0].activation for layer in model.layers] == ["relu", "linear"]
    model = MLP(2, [3, 1], activation="tanh", output_activation="sigmoid", seed=0)
    assert [layer.neurons[0].activation for layer in model.layers] == ["tanh", "sigmoid"]


def test_parameters_carry_readable_labels() -> None:
    labels = [p.label for p in MLP(2, [2, 1], seed=0).parameters()]
    assert len(set(labels)) == len(labels) and all(labels)


@pytest.mark.parametrize(
    "make",
    [lambda: Neuron(3), lambda: Layer(3, 2), lambda: MLP(3, [2, 1])],
    ids=["Neuron", "Layer", "MLP"],
)
def test_wrong_input_length_raises_value_error(make: Callable[[], ScalarModule]) -> None:
    module = make()
    with pytest.raises(ValueError, match="inputs"):
        module([1.0, 2.0])


# ----------------------------------------------------------------------------- gradients


def test_zero_grad_clears_every_parameter() -> None:
    model = MLP(2, [4, 1], activation="tanh", seed=1)
    model([0.5, -1.0]).backward()
    assert any(p.grad != 0.0 for p in model.parameters())
    model.zero_grad()
    assert all(p.grad == 0.0 for p in model.parameters())


def test_mlp_gradients_pass_gradcheck() -> None:
    model = MLP(2, [3, 1], activation="tanh", seed=3)
    params = model.parameters()
    x = [Value(0.4, label="x0"), Value(-0.9, label="x1")]

    def loss(*leaves: Value) -> Value:
        return (model(list(leaves[:2])) - 0.5) ** 2

    assert gradcheck(loss, *x, *params)


def test_mlp_matches_torch() -> None:
    torch = pytest.importorskip("torch")
    model = MLP(3, [4, 1], activation="tanh", seed=7)
    x = [0.3, -0.8, 1.1]
    out = model(x)
    out.backward()

    # the same network in torch, weights copied neuron by neuron
    hidden, last = model.layers
    W1 = torch.tensor(
        [[w.data for w in n.w] for n in hidden.neurons], dtype=torch.float64, requires_grad=True
    )
    b1 = torch.tensor([n.b.data for n in hidden.neurons], dtype=torch.float64, requires_grad=True)
    W2 = torch.tensor(
        [[w.data for w in n.w] for n in last.neurons], dtype=torch.float64, requires_grad=True
    )
    b2 = torch.tensor([n.b.data for n in last.neurons], dtype=torch.float64, requires_grad=True)
    t_out = W2 @ torch.tanh(W1 @ torch.tensor(x, dtype=torch.float64) + b1) + b2
    t_out.sum().backward()

    assert out.data == pytest.approx(t_out.item(), rel=1e-12)
    for j, n in enumerate(hidden.neurons):
        assert [w.grad for w in n.w] == pytest.approx(W1.grad[j].tolist(), rel=1e-12)
        assert n.b.grad == pytest.approx(b1.grad[j].item(), rel=1e-12)
    assert [w.grad for w in last.neurons[0].w] == pytest.approx(W2.grad[0].tolist(), rel=1e-12)
    assert last.neurons[0].b.grad == pytest.approx(b2.grad[0].item(), rel=1e-12)


# ----------------------------------------------------------------------------- reproducibility


def test_seeded_mlp_is_reproducible() -> None:
    a, b = MLP(2, [5, 1], seed=42), MLP(2, [5, 1], seed=42)
    assert [p.data for p in a.parameters()] == [p.data for p in b.parameters()]
    assert a([0.3, 0.7]).data == b([0.3, 0.7]).data
    c = MLP(2, [5, 1], seed=43)
    assert [p.data for p in a.parameters()] != [p.data for p in c.parameters()]


def test_seeded_mlp_leaves_the_global_random_state_alone() -> None:
    # a private random.Random per model: seeding one model must not reseed the world
    state = random.getstate()
    MLP(2, [5, 1], seed=0)
    assert random.getstate() == state


def test_initial_weights_are_uniform_in_minus_one_one_and_biases_zero() -> None:
    model = MLP(4, [8, 1], seed=5)
    for layer in model.layers:
        for n in layer.neurons:
            assert all(-1.0 <= w.data <= 1.0 for w in n.w)
            assert n.b.data == 0.0


# ----------------------------------------------------------------------------- learning


def test_tiny_training_loop_lowers_the_loss() -> None:
    # fit y = x0 - 2 x1 on four points with plain gradient descent
    xs = [[1.0, 0.0], [0.0, 1.0], [1.0, 1.0], [-1.0, 0.5]]
    ys = [x0 - 2 * x1 for x0, x1 in xs]
    model = MLP(2, [6, 1], activation="tanh", seed=0)

    def mse() -> Value:
        total = Value(0.0)
        for x, y in zip(xs, ys, strict=True):
            total = total + (model(x) - y) ** 2
        return total / len(xs)

    start = mse().data
    for _ in range(60):
        loss = mse()
        model.zero_grad()
        loss.backward()
        for p in model.parameters():
            p.data -= 0.05 * p.grad
    end = mse().data
    assert end < 0.2 * start, (start, end)
