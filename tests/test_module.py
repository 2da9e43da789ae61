"""``nn.Module``, ``nn.Parameter``, ``Sequential`` and ``ModuleList``: registration,
traversal order, modes, gradients, state dicts (all-or-nothing loading), ``.npz``
files, in-place ``Parameter.data`` assignment and the PyTorch-like ``repr``."""

from __future__ import annotations

import pickle
import re
from collections import OrderedDict
from pathlib import Path

import numpy as np
import pytest

import nn
from autograd import Tensor


# ----------------------------------------------------------------------------- helpers
class Block(nn.Module):
    """A parameter of its own declared *after* a sub-module, plus a buffer."""

    def __init__(self, d: int = 3) -> None:
        super().__init__()
        self.fc = nn.Linear(d, d, rng=0)
        self.scale = nn.Parameter(np.ones(d))
        self.register_buffer("steps", np.zeros(d))

    def forward(self, x: Tensor) -> Tensor:
        return self.fc(x) * self.scale


class Net(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.layers = nn.Sequential(nn.Linear(4, 5, rng=1), nn.ReLU(), nn.Linear(5, 3, rng=2))
        self.head = Block(3)
        self.blocks = nn.ModuleList([nn.Linear(3, 3, rng=3), nn.Tanh()])

    def forward(self, x: Tensor) -> Tensor:
        h = self.head(self.layers(x))
        for m in self.blocks:
            h = m(h)
        return h


def snapshot(model: nn.Module) -> dict[str, np.ndarray]:
    """Independent copies of every parameter and buffer, read directly (not via state_dict)."""
    out = {f"p:{k}": np.array(p.data, copy=True) for k, p in model.named_parameters()}
    out.update({f"b:{k}": np.array(b, copy=True) for k, b in model.named_buffers()})
    return out


def assert_bitwise_equal(a: dict[str, np.ndarray], b: dict[str, np.ndarray]) -> None:
    assert a.keys() == b.keys()
    for k in a:
        assert a[k].dtype == b[k].dtype, k
        assert a[k].tobytes() == b[k].tobytes(), f"{k} changed"


NET_PARAMS = [
    "layers.0.weight",
    "layers.0.bias",
    "layers.2.weight",
    "layers.2.bias",
    "head.scale",
    "head.fc.weight",
    "head.fc.bias",
    "blocks.0.weight",
    "blocks.0.bias",
]


# ----------------------------------------------------------------------------- registration
def test_parameters_and_modules_register_on_assignment() -> None:
    b = Block()
    assert list(b._parameters) == ["scale"]
    assert list(b._modules) == ["fc"]
    assert [n for n, _ in b.named_parameters()] == ["scale", "fc.weight", "fc.bias"]
    assert b.scale.requires_grad and isinstance(b.scale, nn.Parameter)


def test_plain_tensors_and_arrays_are_not_registered() -> None:
    m = nn.Module()
    m.t = Tensor(np.ones(3), requires_grad=True)
    m.a = np.ones(3)
    m.n = 5
    assert list(m.named_parameters()) == []
    assert list(m.named_buffers()) == []
    assert list(m.state_dict()) == []


def test_register_buffer_is_in_state_dict_but_not_parameters() -> None:
    b = Block()
    assert [n for n, _ in b.named_buffers()] == ["steps"]
    assert "steps" in b.state_dict()
    assert all(p is not b.steps for p in b.parameters())
    # reassigning a buffer attribute updates the registered buffer
    b.steps = np.full(3, 7.0)
    np.testing.assert_array_equal(b.state_dict()["steps"], np.full(3, 7.0))


def test_reassigning_a_registered_name_with_another_kind_moves_it() -> None:
    m = nn.Module()
    m.x = nn.Linear(2, 2)
    m.x = nn.Parameter(np.zeros(2))
    assert list(m._modules) == [] and list(m._parameters) == ["x"]
    m.x = nn.Linear(2, 2)
    assert list(m._parameters) == [] and list(m._modules) == ["x"]
    m.x = 3  # a plain value unregisters the module
    assert list(m._modules) == [] and [n for n, _ in m.named_parameters()] == []


def test_delattr_unregisters() -> None:
    b = Block()
    del b.fc
    assert [n for n, _ in b.named_parameters()] == ["scale"]
    assert not hasattr(b, "fc")


def test_assigning_non_parameter_to_parameter_attribute_raises_typeerror() -> None:
    lin = nn.Linear(3, 2)
    before = lin.weight
    with pytest.raises(TypeError, match="weight"):
        lin.weight = Tensor(np.zeros((2, 3)))
    with pytest.raises(TypeError):
        lin.weight = np.zeros((2, 3))
    assert lin.weight is before
    assert [n for n, _ in lin.named_parameters()] == ["weight", "bias"]


def test_assigning_none_to_parameter_removes_it_from_parameters() -> None:
    lin = nn.Linear(3, 2)
    lin.bias = None
    assert [n for n, _ in lin.named_parameters()] == ["weight"]
    assert lin(Tensor(np.ones((1, 3)))).shape == (1, 2)


def test_attribute_assignment_before_super_init_is_a_clear_error() -> None:
    class Bad(nn.Module):
        def __init__(self) -> None:
            self.fc = nn.Linear(2, 2)

    with pytest.raises(AttributeError, match="super"):
        Bad()


# ----------------------------------------------------------------------------- traversal
def test_named_parameters_dotted_names_in_pytorch_order() -> None:
    net = Net()
    assert [n for n, _ in net.named_parameters()] == NET_PARAMS
    assert [p for _, p in net.named_parameters()] == list(net.parameters())
    assert net.layers[0].weight is dict(net.named_parameters())["layers.0.weight"]


def test_named_parameters_prefix_and_recurse() -> None:
    b = Block()
    assert [n for n, _ in b.named_parameters(prefix="m")] == ["m.scale", "m.fc.weight", "m.fc.bias"]
    assert [n for n, _ in b.named_parameters(recurse=False)] == ["scale"]


def test_shared_parameters_and_modules_listed_once() -> None:
    m = nn.Module()
    shared = nn.Linear(3, 3)
    m.a = shared
    m.b = shared
    m.c = nn.Linear(3, 1)
    m.c.weight = nn.Parameter(np.ones((1, 3)))
    m.tied = m.c.weight  # the same Parameter registered under two names
    names = [n for n, _ in m.named_parameters()]
    assert names == ["tied", "a.weight", "a.bias", "c.bias"]
    assert len(list(m.parameters())) == 4
    assert m.parameter_count() == 3 * 3 + 3 + 3 + 1
    assert [n for n, _ in m.named_modules()] == ["", "a", "c"]


def test_modules_and_children() -> None:
    net = Net()
    names = [n for n, _ in net.named_modules()]
    assert names == [
        "",
        "layers",
        "layers.0",
        "layers.1",
        "layers.2",
        "head",
        "head.fc",
        "blocks",
        "blocks.0",
        "blocks.1",
    ]
    assert list(net.modules())[0] is net
    assert [n for n, _ in net.named_children()] == ["layers", "head", "blocks"]
    assert list(net.children()) == [net.layers, net.head, net.blocks]
    assert list(nn.ReLU().children()) == []


# ----------------------------------------------------------------------------- modes, grads
def test_train_eval_propagate_and_return_self() -> None:
    net = Net()
    assert all(m.training for m in net.modules())
    assert net.eval() is net
    assert not any(m.training for m in net.modules())
    assert net.train() is net
    assert all(m.training for m in net.modules())
    assert net.train(False) is net
    assert not any(m.training for m in net.modules())
    # a sub-tree only
    net.train()
    net.head.eval()
    assert [m.training for _, m in net.named_modules()] == [
        True,
        True,
        True,
        True,
        True,
        False,
        False,
        True,
        True,
        True,
    ]


def test_eval_changes_dropout_behaviour() -> None:
    model = nn.Sequential(nn.Dropout(0.5, rng=0))
    x = Tensor(np.ones((50, 50)))
    assert (model(x).data == 0).any()
    model.eval()
    np.testing.assert_array_equal(model(x).data, x.data)


def _backward(net: Net) -> None:
    x = Tensor(np.random.default_rng(0).normal(size=(6, 4)))
    net(x).sum().backward()


def test_zero_grad() -> None:
    net = Net()
    _backward(net)
    assert all(p.grad is not None for p in net.parameters())
    assert any(np.abs(p.grad.data).sum() > 0 for p in net.parameters())
    net.zero_grad()
    assert all(p.grad is None for p in net.parameters())
    _backward(net)
    net.zero_grad(set_to_none=False)
    for p in net.parameters():
        assert p.grad is not None and p.grad.shape == p.shape
        assert not p.grad.data.any()


def test_gradients_accumulate_until_zero_grad() -> None:
    net = Net()
    _backward(net)
    first = {n: p.grad.data.copy() for n, p in net.named_parameters()}
    _backward(net)
    for n, p in net.named_parameters():
        np.testing.assert_allclose(p.grad.data, 2 * first[n], rtol=1e-6)


# ----------------------------------------------------------------------------- state dict
def test_state_dict_keys_and_values() -> None:
    net = Net()
    sd = net.state_dict()
    assert set(sd) == set(NET_PARAMS) | {"head.steps"}
    assert [k for k in sd if k != "head.steps"] == NET_PARAMS  # parameters in PyTorch order
    for name, p in net.named_parameters():
        np.testing.assert_array_equal(sd[name], p.data)
        assert isinstance(sd[name], np.ndarray)


def test_state_dict_returns_copies() -> None:
    net = Net()
    before = snapshot(net)
    sd = net.state_dict()
    for arr in sd.values():
        arr[...] = 123.0
    assert_bitwise_equal(snapshot(net), before)
    for name, p in net.named_parameters():
        assert not np.shares_memory(sd[name], p.data)


def test_state_dict_is_not_changed_by_later_training() -> None:
    lin = nn.Linear(3, 2)
    sd = lin.state_dict()
    saved = sd["weight"].copy()
    lin.weight.data -= 1.0
    np.testing.assert_array_equal(sd["weight"], saved)


def test_load_state_dict_roundtrip_writes_in_place() -> None:
    src, dst = Net(), Net()
    for p in src.parameters():
        p.data = np.random.default_rng(p.numel()).normal(size=p.shape)
    src.head.steps[...] = 5.0
    weight_obj, array_obj = dst.layers[0].weight, dst.layers[0].weight._data
    assert dst.load_state_dict(src.state_dict()) == ([], [])
    assert dst.layers[0].weight is weight_obj and dst.layers[0].weight._data is array_obj
    assert_bitwise_equal(snapshot(dst), snapshot(src))


def test_load_state_dict_accepts_tensors_and_lists() -> None:
    lin = nn.Linear(2, 2)
    lin.load_state_dict({"weight": Tensor(np.eye(2)), "bias": [1.0, 2.0]})
    np.testing.assert_array_equal(lin.weight.data, np.eye(2))
    np.testing.assert_array_equal(lin.bias.data, [1.0, 2.0])
    assert lin.weight.dtype == np.float32  # the parameter keeps its dtype


def test_load_state_dict_strict_reports_every_problem_and_changes_nothing() -> None:
    net = Net()
    before = snapshot(net)
    good = net.state_dict()
    bad = OrderedDict(good)
    # one correct entry with new values: must NOT be written either
    bad["layers.0.weight"] = np.full_like(good["layers.0.weight"], 9.0)
    del bad["head.scale"], bad["blocks.0.bias"]  # missing
    bad["extra.weight"] = np.zeros(2)  # unexpected
    bad["surplus"] = np.zeros(1)  # unexpected
    bad["layers.2.weight"] = np.zeros((5, 3))  # transposed shape
    bad["head.steps"] = np.zeros(4)  # wrong buffer shape
    with pytest.raises(ValueError) as info:
        net.load_state_dict(bad)
    msg = str(info.value)
    for key in (
        "head.scale",
        "blocks.0.bias",
        "extra.weight",
        "surplus",
        "layers.2.weight",
        "head.steps",
    ):
        assert key in msg, f"{key} not named in:\n{msg}"
    assert "missing" in msg and "unexpected" in msg
    assert "(5, 3)" in msg and "(3, 5)" in msg and "(4,)" in msg
    assert_bitwise_equal(snapshot(net), before)


@pytest.mark.parametrize("problem", ["missing", "unexpected", "shape", "non-numeric"])
def test_load_state_dict_single_problem_raises_and_changes_nothing(problem: str) -> None:
    net = Net()
    before = snapshot(net)
    sd = {k: v + 1.0 for k, v in net.state_dict().items()}
    if problem == "missing":
        del sd["layers.2.bias"]
    elif problem == "unexpected":
        sd["layers.9.weight"] = np.zeros(3)
    elif problem == "shape":
        sd["layers.2.bias"] = np.zeros((1, 3))
    else:
        sd["layers.2.bias"] = np.array(["a", "b", "c"])
    with pytest.raises(ValueError, match=r"layers\.[29]\.(bias|weight)"):
        net.load_state_dict(sd)
    assert_bitwise_equal(snapshot(net), before)


def test_load_state_dict_non_strict_returns_missing_and_unexpected() -> None:
    net = Net()
    sd = net.state_dict()
    new_w = np.full_like(sd["layers.0.weight"], 0.5)
    partial = {"layers.0.weight": new_w, "bogus.weight": np.zeros(3)}
    missing, unexpected = net.load_state_dict(partial, strict=False)
    assert unexpected == ["bogus.weight"]
    assert set(missing) == set(sd) - {"layers.0.weight"}
    np.testing.assert_array_equal(net.layers[0].weight.data, new_w)
    np.testing.assert_array_equal(net.layers[2].weight.data, sd["layers.2.weight"])


def test_load_state_dict_non_strict_still_rejects_wrong_shapes() -> None:
    net = Net()
    before = snapshot(net)
    sd = {"layers.0.weight": np.zeros((4, 5)), "layers.0.bias": np.ones(5)}
    with pytest.raises(ValueError, match="layers.0.weight"):
        net.load_state_dict(sd, strict=False)
    assert_bitwise_equal(snapshot(net), before)


# ----------------------------------------------------------------------------- save / load
def test_save_load_npz_roundtrip(tmp_path: Path) -> None:
    src = Net()
    src.head.steps[...] = 3.0
    path = src.save(tmp_path / "model")
    assert path == tmp_path / "model" and path.exists()  # the path exactly as given
    with np.load(path, allow_pickle=False) as archive:
        assert sorted(archive.files) == sorted(src.state_dict())
    dst = Net()
    for p in dst.parameters():
        p.data = np.zeros(p.shape)
    assert dst.load(path) is dst
    assert_bitwise_equal(snapshot(dst), snapshot(src))
    x = Tensor(np.random.default_rng(1).normal(size=(2, 4)))
    np.testing.assert_array_equal(dst(x).data, src(x).data)


def test_save_keeps_the_npz_suffix_it_is_given(tmp_path: Path) -> None:
    path = nn.Linear(2, 2).save(tmp_path / "w.npz")
    assert path == tmp_path / "w.npz" and path.exists()


def test_load_refuses_pickled_object_arrays(tmp_path: Path) -> None:
    lin = nn.Linear(2, 2)
    before = snapshot(lin)
    path = tmp_path / "evil.npz"
    evil = np.empty(2, dtype=object)
    evil[:] = [{"a": 1}, [2]]
    np.savez(path, weight=evil, bias=np.zeros(2))  # savez pickles object arrays
    with pytest.raises(ValueError, match="pickle"):
        lin.load(path)
    assert_bitwise_equal(snapshot(lin), before)


def test_load_refuses_a_plain_pickle_file(tmp_path: Path) -> None:
    lin = nn.Linear(2, 2)
    path = tmp_path / "evil.npz"
    path.write_bytes(pickle.dumps({"weight": np.zeros((2, 2)), "bias": np.zeros(2)}))
    with pytest.raises(ValueError, match="pickle"):
        lin.load(path)


def test_load_file_with_wrong_keys_raises_and_changes_nothing(tmp_path: Path) -> None:
    path = nn.Linear(2, 3).save(tmp_path / "other")
    lin = nn.Linear(2, 2)
    before = snapshot(lin)
    with pytest.raises(ValueError, match="weight"):
        lin.load(path)
    assert_bitwise_equal(snapshot(lin), before)


# ----------------------------------------------------------------------------- Parameter
def test_parameter_is_a_leaf_requiring_grad() -> None:
    p = nn.Parameter(np.ones(3))
    assert p.requires_grad and p.is_leaf and isinstance(p, Tensor)
    assert nn.Parameter(np.ones(3), requires_grad=False).requires_grad is False
    assert repr(p).startswith("Parameter containing:")


def test_parameter_data_assignment_writes_in_place() -> None:
    lin = nn.Linear(3, 2)
    param, array = lin.weight, lin.weight._data
    new = np.arange(6, dtype=np.float64).reshape(2, 3)
    lin.weight.data = new
    assert lin.weight is param and lin.weight._data is array
    np.testing.assert_array_equal(array, new)
    assert array.dtype == np.float32  # cast to the parameter's dtype
    new[0, 0] = 100.0  # no aliasing with the assigned array
    assert array[0, 0] == 0.0
    lin.weight.data = lin.weight.data * 2  # a computed array also goes in place
    assert lin.weight._data is array
    np.testing.assert_array_equal(array, np.arange(6).reshape(2, 3) * 2)


def test_parameter_data_in_place_ops_keep_array() -> None:
    p = nn.Parameter(np.ones(3))
    arr = p._data
    p.data -= 0.5
    assert p._data is arr
    np.testing.assert_array_equal(arr, [0.5, 0.5, 0.5])


@pytest.mark.parametrize("shape", [(3, 2), (6,), (2, 3, 1), ()])
def test_parameter_data_wrong_shape_raises_and_keeps_value(shape: tuple) -> None:
    lin = nn.Linear(3, 2)
    before = lin.weight.data.copy()
    with pytest.raises(ValueError, match=re.escape(str((2, 3)))):
        lin.weight.data = np.zeros(shape)
    np.testing.assert_array_equal(lin.weight.data, before)


# ----------------------------------------------------------------------------- repr
def strip_counts(text: str) -> str:
    return re.sub(r"  # [\d,]+ parameters", "", text)


def test_repr_layout_and_parameter_counts() -> None:
    model = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 3, bias=False))
    text = repr(model)
    assert strip_counts(text) == (
        "Sequential(\n"
        "  (0): Linear(in_features=4, out_features=8, bias=True)\n"
        "  (1): ReLU()\n"
        "  (2): Linear(in_features=8, out_features=3, bias=False)\n"
        ")"
    )
    lines = text.splitlines()
    assert "# 64 parameters" in lines[0]
    assert "# 40 parameters" in lines[1]
    assert "parameters" not in lines[2]
    assert "# 24 parameters" in lines[3]


def test_repr_counts_use_thousands_separator_and_nest() -> None:
    model = nn.MLP([100, 200, 10])
    text = repr(model)
    assert "# 22,210 parameters" in text.splitlines()[0]
    assert "    (0): Linear(in_features=100, out_features=200, bias=True)" in text
    assert strip_counts(repr(nn.Linear(2, 2))) == "Linear(in_features=2, out_features=2, bias=True)"


def test_repr_matches_pytorch_without_counts() -> None:
    torch = pytest.importorskip("torch")
    ours = nn.Sequential(
        nn.Linear(4, 8),
        nn.LeakyReLU(0.2),
        nn.Flatten(),
        nn.Sequential(nn.Tanh(), nn.Sigmoid(), nn.Identity()),
        nn.Linear(8, 3),
        nn.Softmax(dim=1),
        nn.LogSoftmax(dim=0),
        nn.ReLU(),
    )
    tnn = torch.nn
    theirs = tnn.Sequential(
        tnn.Linear(4, 8),
        tnn.LeakyReLU(0.2),
        tnn.Flatten(),
        tnn.Sequential(tnn.Tanh(), tnn.Sigmoid(), tnn.Identity()),
        tnn.Linear(8, 3),
        tnn.Softmax(dim=1),
        tnn.LogSoftmax(dim=0),
        tnn.ReLU(),
    )
    assert strip_counts(repr(ours)) == repr(theirs)


def test_repr_batchnorm() -> None:
    text = strip_counts(repr(nn.BatchNorm1d(8)))
    assert text == "BatchNorm1d(8, eps=1e-05, momentum=0.1, affine=True, track_running_stats=True)"
    assert "# 16 parameters" in repr(nn.BatchNorm1d(8))


@pytest.mark.parametrize("n", [1, 3])
def test_repr_prelu(n: int) -> None:
    assert strip_counts(repr(nn.PReLU(n))) == f"PReLU(num_parameters={n})"
    assert "PReLU(num_parameters=1)" in repr(nn.Sequential(nn.Linear(2, 2), nn.PReLU()))


# ----------------------------------------------------------------------------- containers
def test_sequential_indexing_len_iteration() -> None:
    a, b, c = nn.Linear(4, 5), nn.ReLU(), nn.Linear(5, 2)
    seq = nn.Sequential(a, b, c)
    assert len(seq) == 3
    assert seq[0] is a and seq[1] is b and seq[-1] is c
    assert list(seq) == [a, b, c]
    with pytest.raises(IndexError):
        seq[3]
    tail = seq[1:]
    assert isinstance(tail, nn.Sequential) and list(tail) == [b, c]
    assert list(seq[::2]) == [a, c]
    x = Tensor(np.random.default_rng(0).normal(size=(3, 4)))
    np.testing.assert_array_equal(seq(x).data, c(b(a(x))).data)
    np.testing.assert_array_equal(seq[1:](a(x)).data, seq(x).data)


def test_sequential_from_ordered_dict_and_append() -> None:
    seq = nn.Sequential(OrderedDict([("fc", nn.Linear(2, 3)), ("act", nn.Tanh())]))
    assert [n for n, _ in seq.named_parameters()] == ["fc.weight", "fc.bias"]
    seq.append(nn.Linear(3, 1))
    assert len(seq) == 3
    assert [n for n, _ in seq.named_parameters()][-2:] == ["2.weight", "2.bias"]


def test_sequential_rejects_non_modules() -> None:
    with pytest.raises(TypeError):
        nn.Sequential(nn.ReLU(), lambda x: x)


def test_module_list() -> None:
    ml = nn.ModuleList([nn.Linear(2, 2), nn.Tanh()])
    ml.append(nn.Linear(2, 1))
    ml.extend([nn.Sigmoid()])
    assert len(ml) == 4
    assert isinstance(ml[2], nn.Linear) and isinstance(ml[-1], nn.Sigmoid)
    assert [type(m).__name__ for m in ml] == ["Linear", "Tanh", "Linear", "Sigmoid"]
    assert [n for n, _ in ml.named_parameters()] == ["0.weight", "0.bias", "2.weight", "2.bias"]
    with pytest.raises(TypeError):
        ml.append(np.zeros(2))
    with pytest.raises(NotImplementedError):
        ml(Tensor(np.zeros(2)))


def test_module_list_registers_in_parent() -> None:
    class Stack(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.hidden = nn.ModuleList([nn.Linear(2, 2) for _ in range(3)])

    s = Stack()
    assert [n for n, _ in s.named_parameters()] == [
        f"hidden.{i}.{w}" for i in range(3) for w in ("weight", "bias")
    ]


def test_forward_not_written_raises() -> None:
    with pytest.raises(NotImplementedError):
        nn.Module()(1)


def test_module_list_slice_is_a_module_list() -> None:
    ml = nn.ModuleList([nn.Linear(2, 2), nn.Tanh(), nn.Linear(2, 1)])
    tail = ml[1:]
    assert isinstance(tail, nn.ModuleList)
    assert len(list(tail.parameters())) == 2
