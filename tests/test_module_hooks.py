"""``Module.register_forward_hook`` / ``register_forward_pre_hook`` and ``Module.apply``:
arguments, return-value replacement, order and removal, checked against PyTorch."""

from __future__ import annotations

from collections import OrderedDict

import numpy as np
import pytest

import nn
from autograd import Tensor


def _ours() -> nn.Module:
    return nn.Sequential(
        OrderedDict(
            fc1=nn.Linear(4, 5, rng=0),
            act=nn.ReLU(),
            head=nn.Sequential(nn.Linear(5, 3, rng=1), nn.Tanh()),
        )
    )


def _theirs(torch):
    tnn = torch.nn
    return tnn.Sequential(
        OrderedDict(
            fc1=tnn.Linear(4, 5),
            act=tnn.ReLU(),
            head=tnn.Sequential(tnn.Linear(5, 3), tnn.Tanh()),
        )
    )


def _record(model, log: list) -> list:
    """Pre- and post-hooks on every module, logging (event, name, shapes)."""
    handles = []
    for name, module in model.named_modules():

        def pre(m, args, name=name):
            log.append(("pre", name, tuple(tuple(a.shape) for a in args)))

        def post(m, args, out, name=name):
            log.append(("post", name, tuple(tuple(a.shape) for a in args), tuple(out.shape)))

        handles.append(module.register_forward_pre_hook(pre))
        handles.append(module.register_forward_hook(post))
    return handles


def test_hook_order_and_arguments_match_torch() -> None:
    torch = pytest.importorskip("torch")
    ours, theirs = _ours(), _theirs(torch)
    log_ours: list = []
    log_theirs: list = []
    _record(ours, log_ours)
    _record(theirs, log_theirs)
    ours(Tensor(np.ones((2, 4))))
    theirs(torch.ones(2, 4))
    assert log_ours == log_theirs
    assert log_ours[0] == ("pre", "", ((2, 4),))
    assert log_ours[-1] == ("post", "", ((2, 4),), (2, 3))
    assert len(log_ours) == 2 * 6


def test_removed_hooks_stop_firing_and_flag_resets() -> None:
    torch = pytest.importorskip("torch")
    for model, x in ((_ours(), Tensor(np.ones((1, 4)))), (_theirs(torch), torch.ones(1, 4))):
        log: list = []
        handles = _record(model, log)
        for h in handles[::2]:  # remove every pre-hook
            h.remove()
        h.remove()  # a second remove is harmless
        model(x)
        assert [e[0] for e in log] == ["post"] * 6
        for h in handles:
            h.remove()
        log.clear()
        model(x)
        assert log == []
    assert not any(m._has_hooks for m in _ours().modules())
    model = _ours()
    handles = _record(model, [])
    assert all(m._has_hooks for m in model.modules())
    for h in handles:
        h.remove()
    assert not any(m._has_hooks for m in model.modules())


def test_hooks_run_in_registration_order_and_prepend() -> None:
    torch = pytest.importorskip("torch")
    for lin in (nn.Linear(2, 2, rng=0), torch.nn.Linear(2, 2)):
        order: list = []
        note = order.append
        lin.register_forward_hook(lambda m, a, o, note=note: note("first"))
        lin.register_forward_hook(lambda m, a, o, note=note: note("second"))
        lin.register_forward_hook(lambda m, a, o, note=note: note("zeroth"), prepend=True)
        lin.register_forward_pre_hook(lambda m, a, note=note: note("pre-a"))
        lin.register_forward_pre_hook(lambda m, a, note=note: note("pre-b"))
        x = Tensor(np.ones((1, 2))) if isinstance(lin, nn.Module) else torch.ones(1, 2)
        lin(x)
        assert order == ["pre-a", "pre-b", "zeroth", "first", "second"]


def test_hook_return_values_replace_input_and_output() -> None:
    torch = pytest.importorskip("torch")
    for lin, make in (
        (nn.Linear(3, 2, rng=0), lambda a: Tensor(a)),
        (torch.nn.Linear(3, 2), lambda a: torch.tensor(a)),
    ):
        x = np.arange(6.0).reshape(2, 3).astype(np.float32)
        lin.register_forward_pre_hook(lambda m, args: args[0] * 2)  # non-tuple: wrapped
        lin.register_forward_hook(lambda m, args, out: out * 0 + args[0].sum())
        out = lin(make(x))
        arr = out.data if isinstance(out, Tensor) else out.detach().numpy()
        # the post-hook sees the *replaced* input: sum(2x) = 30
        np.testing.assert_allclose(arr, np.full((2, 2), 30.0))


def test_pre_hook_tuple_return_and_kwargs() -> None:
    lin = nn.Linear(2, 2, rng=0)
    lin.register_forward_pre_hook(lambda m, args: (Tensor(np.zeros((1, 2))),))
    np.testing.assert_allclose(lin(Tensor(np.ones((1, 2)))).data, lin.bias.data[None])

    class Scale(nn.Module):
        def forward(self, x, factor=1.0):
            return x * factor

    m = Scale()
    seen = []
    m.register_forward_pre_hook(lambda mod, args, kwargs: (args, {"factor": 3.0}), with_kwargs=True)
    m.register_forward_hook(lambda mod, args, kwargs, out: seen.append(kwargs), with_kwargs=True)
    assert m(Tensor(np.ones(2)), factor=2.0).data.tolist() == [3.0, 3.0]
    assert seen == [{"factor": 3.0}]


def test_bad_pre_hook_with_kwargs_return_and_non_callable() -> None:
    lin = nn.Linear(2, 2, rng=0)
    with pytest.raises(TypeError, match="callable"):
        lin.register_forward_hook("not a function")
    assert not lin._has_hooks
    lin.register_forward_pre_hook(lambda m, a, k: "oops", with_kwargs=True)
    with pytest.raises(RuntimeError, match=r"\(args, kwargs\)"):
        lin(Tensor(np.ones((1, 2))))
    with pytest.raises(NotImplementedError, match="always_call"):
        lin.register_forward_hook(lambda m, a, o: None, always_call=True)


def test_handle_is_a_context_manager_and_hooks_are_per_instance() -> None:
    a, b = nn.ReLU(), nn.ReLU()
    calls = []
    with a.register_forward_hook(lambda m, args, out: calls.append(m)):
        a(Tensor(np.ones(1)))
        b(Tensor(np.ones(1)))  # another instance of the same class: no hook
    a(Tensor(np.ones(1)))
    assert calls == [a]
    assert not a._has_hooks and "_forward_hooks" not in b.__dict__


def test_hooks_see_gradients_flow() -> None:
    lin = nn.Linear(2, 1, rng=0)
    lin.register_forward_hook(lambda m, args, out: out * 2.0)
    lin(Tensor(np.ones((1, 2)))).sum().backward()
    np.testing.assert_allclose(lin.weight.grad.data, np.full((1, 2), 2.0))


# ----------------------------------------------------------------------------- apply
def test_apply_visits_children_first_then_self_like_torch() -> None:
    torch = pytest.importorskip("torch")
    ours, theirs = _ours(), _theirs(torch)
    names_ours = {id(m): n for n, m in ours.named_modules()}
    names_theirs = {id(m): n for n, m in theirs.named_modules()}
    seen_ours: list = []
    seen_theirs: list = []
    assert ours.apply(lambda m: seen_ours.append(names_ours[id(m)])) is ours
    assert theirs.apply(lambda m: seen_theirs.append(names_theirs[id(m)])) is theirs
    assert seen_ours == seen_theirs == ["fc1", "act", "head.0", "head.1", "head", ""]


def test_apply_shared_child_and_init() -> None:
    torch = pytest.importorskip("torch")
    lin, tlin = nn.Linear(2, 2, rng=0), torch.nn.Linear(2, 2)
    ours, theirs = nn.Sequential(lin, lin), torch.nn.Sequential(tlin, tlin)
    count_ours, count_theirs = [], []
    ours.apply(count_ours.append)
    theirs.apply(count_theirs.append)
    assert len(count_ours) == len(count_theirs)

    def init(m):
        if isinstance(m, nn.Linear):
            nn.init.zeros_(m.bias)
            m.weight.data = np.full(m.weight.shape, 0.5)

    model = _ours().apply(init)
    for m in model.modules():
        if isinstance(m, nn.Linear):
            assert np.all(m.bias.data == 0) and np.all(m.weight.data == 0.5)
