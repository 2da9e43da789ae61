"""The textbook's forms of the optimizers (issue 14, item 3), next to PyTorch's.

* ``RMSProp(eps_inside_sqrt=True)`` / ``AdaGrad(eps_inside_sqrt=True)``: the seminar's
  (4.26) divides by √(v + ε); PyTorch's default (kept) divides by √v + ε.
* ``SGD(momentum_form="textbook")``: Δw(t) = μ Δw(t−1) − (1 − μ) η ∇E, first step
  included; with ``nesterov=True`` the gradient is taken at w(t) + μ Δw(t−1) (4.24).

Each is checked against a hand-written NumPy loop of the formula over several steps,
and the defaults against ``torch.optim``.
"""

from __future__ import annotations

import numpy as np
import pytest

from autograd import Tensor
from nn.optim import SGD, AdaGrad, Adagrad, RMSProp, RMSprop

# E(w) = ½ wᵀ A w − cᵀ w: an anisotropic quadratic, gradient A w − c
A = np.array([[3.0, 0.5, 0.0], [0.5, 1.0, 0.2], [0.0, 0.2, 0.05]])
C = np.array([1.0, -2.0, 0.5])
W0 = np.array([0.7, -0.3, 2.0])
STEPS = 12


def grad(w: np.ndarray) -> np.ndarray:
    return A @ w - C


def run(opt_cls, steps: int = STEPS, w0: np.ndarray = W0, **kw) -> list[np.ndarray]:
    """The parameter after each of ``steps`` steps of ``opt_cls`` on the quadratic."""
    w = Tensor(w0.copy(), requires_grad=True)
    opt = opt_cls([w], **kw)
    out = []
    for _ in range(steps):
        w.grad = Tensor(grad(w.data))
        opt.step()
        out.append(w.data.copy())
    return out


# ----------------------------------------------------------------------------- RMSProp
def rmsprop_by_hand(lr, alpha, eps, inside, centered=False, steps=STEPS, w0=W0):
    w, v, gbar, out = w0.copy(), np.zeros(3), np.zeros(3), []
    for _ in range(steps):
        g = grad(w)
        v = alpha * v + (1 - alpha) * g * g
        gbar = alpha * gbar + (1 - alpha) * g
        m = v - gbar * gbar if centered else v
        w = w - lr * g / (np.sqrt(m + eps) if inside else np.sqrt(m) + eps)
        out.append(w.copy())
    return out


@pytest.mark.parametrize("inside", [False, True])
@pytest.mark.parametrize("centered", [False, True])
@pytest.mark.parametrize("eps", [1e-6, 0.5])
def test_rmsprop_both_eps_placements_match_the_formula(inside, centered, eps) -> None:
    got = run(RMSProp, lr=0.05, alpha=0.9, eps=eps, centered=centered, eps_inside_sqrt=inside)
    want = rmsprop_by_hand(0.05, 0.9, eps, inside, centered)
    np.testing.assert_allclose(got, want, rtol=1e-13, atol=1e-15)


def test_rmsprop_placements_differ_on_a_flat_start() -> None:
    # the notebook's numbers: g = 1e-3 on the first step, η = 0.01, ρ = 0.9, ε = 1e-6.
    # v = 0.1·g² = 1e-7; outside: g/(√v + ε) ≈ 3.15, inside: g/√(v + ε) ≈ 0.953
    w_out = Tensor(np.zeros(1), requires_grad=True)
    w_in = Tensor(np.zeros(1), requires_grad=True)
    for w, inside in ((w_out, False), (w_in, True)):
        opt = RMSProp([w], lr=0.01, alpha=0.9, eps=1e-6, eps_inside_sqrt=inside)
        w.grad = Tensor(np.array([1e-3]))
        opt.step()
    v = 0.1 * 1e-6
    assert w_out.data[0] == pytest.approx(-0.01 * 1e-3 / (np.sqrt(v) + 1e-6), rel=1e-14)
    assert w_in.data[0] == pytest.approx(-0.01 * 1e-3 / np.sqrt(v + 1e-6), rel=1e-14)
    assert abs(w_out.data[0]) > 3 * abs(w_in.data[0])


def test_rmsprop_with_momentum_and_eps_inside() -> None:
    got = run(RMSProp, lr=0.02, alpha=0.95, eps=1e-2, momentum=0.8, eps_inside_sqrt=True)
    w, v, b, want = W0.copy(), np.zeros(3), np.zeros(3), []
    for _ in range(STEPS):
        g = grad(w)
        v = 0.95 * v + 0.05 * g * g
        b = 0.8 * b + g / np.sqrt(v + 1e-2)
        w = w - 0.02 * b
        want.append(w.copy())
    np.testing.assert_allclose(got, want, rtol=1e-13, atol=1e-15)


def test_rmsprop_default_is_eps_outside_and_the_option_is_in_the_group() -> None:
    w = Tensor(W0.copy(), requires_grad=True)
    opt = RMSprop([w])
    assert opt.param_groups[0]["eps_inside_sqrt"] is False
    np.testing.assert_array_equal(
        run(RMSprop, lr=0.05), run(RMSProp, lr=0.05, eps_inside_sqrt=False)
    )


# ----------------------------------------------------------------------------- AdaGrad
def adagrad_by_hand(lr, eps, inside, h0=0.0, lr_decay=0.0, steps=STEPS, w0=W0):
    w, h, out = w0.copy(), np.full(3, h0), []
    for t in range(1, steps + 1):
        g = grad(w)
        h = h + g * g
        clr = lr / (1 + (t - 1) * lr_decay)
        w = w - clr * g / (np.sqrt(h + eps) if inside else np.sqrt(h) + eps)
        out.append(w.copy())
    return out


@pytest.mark.parametrize("inside", [False, True])
@pytest.mark.parametrize("eps", [1e-6, 0.3])
def test_adagrad_both_eps_placements_match_the_formula(inside, eps) -> None:
    got = run(
        AdaGrad,
        lr=0.3,
        eps=eps,
        lr_decay=0.01,
        initial_accumulator_value=0.1,
        eps_inside_sqrt=inside,
    )
    want = adagrad_by_hand(0.3, eps, inside, h0=0.1, lr_decay=0.01)
    np.testing.assert_allclose(got, want, rtol=1e-13, atol=1e-15)
    # the alias takes the same option
    np.testing.assert_array_equal(
        got,
        run(
            Adagrad,
            lr=0.3,
            eps=eps,
            lr_decay=0.01,
            initial_accumulator_value=0.1,
            eps_inside_sqrt=inside,
        ),
    )


@pytest.mark.parametrize("cls", [RMSProp, AdaGrad])
@pytest.mark.parametrize("bad", [1, "yes", None])
def test_eps_inside_sqrt_must_be_a_bool(cls, bad) -> None:
    w = Tensor(W0.copy(), requires_grad=True)
    with pytest.raises(TypeError, match=rf"{cls.__name__}.*eps_inside_sqrt.*True or False"):
        cls([w], eps_inside_sqrt=bad)


@pytest.mark.parametrize("cls", [RMSProp, AdaGrad])
def test_eps_inside_sqrt_survives_a_checkpoint(cls) -> None:
    w = Tensor(W0.copy(), requires_grad=True)
    opt = cls([w], lr=0.1, eps=0.5, eps_inside_sqrt=True)
    w.grad = Tensor(grad(w.data))
    opt.step()
    sd = opt.state_dict()
    w2 = Tensor(w.data.copy(), requires_grad=True)
    opt2 = cls([w2], lr=0.1, eps=0.5)
    opt2.load_state_dict(sd)
    assert opt2.param_groups[0]["eps_inside_sqrt"] is True
    for p, o in ((w, opt), (w2, opt2)):
        p.grad = Tensor(grad(p.data))
        o.step()
    np.testing.assert_array_equal(w.data, w2.data)


# ----------------------------------------------------------------------------- SGD momentum
def textbook_momentum_by_hand(eta, mu, nesterov=False, steps=STEPS, w0=W0):
    """Δw(t) = μ Δw(t−1) − (1 − μ) η ∇E(·), Δw(0) = 0, with ∇E at w(t) or, for Nesterov,
    at w(t) + μ Δw(t−1). Returns w(t) — or, for Nesterov, the look-ahead point
    w(t) + μ Δw(t−1) that the optimizer stores (as PyTorch's Nesterov does)."""
    w, dw, out = w0.copy(), np.zeros(3), []
    for _ in range(steps):
        g = grad(w + mu * dw) if nesterov else grad(w)
        dw = mu * dw - (1 - mu) * eta * g
        w = w + dw
        out.append((w + mu * dw) if nesterov else w.copy())
    return out


@pytest.mark.parametrize("mu", [0.5, 0.9])
def test_sgd_textbook_momentum_form_matches_the_formula(mu) -> None:
    got = run(SGD, lr=0.2, momentum=mu, momentum_form="textbook")
    np.testing.assert_allclose(got, textbook_momentum_by_hand(0.2, mu), rtol=1e-13, atol=1e-15)


@pytest.mark.parametrize("mu", [0.5, 0.9])
def test_sgd_textbook_nesterov_matches_the_lookahead_formula(mu) -> None:
    got = run(SGD, lr=0.2, momentum=mu, nesterov=True, momentum_form="textbook")
    want = textbook_momentum_by_hand(0.2, mu, nesterov=True)
    np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-14)


def test_pytorch_dampening_differs_from_the_textbook_form_only_in_the_first_step() -> None:
    # PyTorch's dampening=μ has the same recursion, but its buffer starts at g₁, undamped
    mu, eta = 0.9, 0.2
    damp = run(SGD, lr=eta, momentum=mu, dampening=mu, steps=1)[0]
    book = run(SGD, lr=eta, momentum=mu, momentum_form="textbook", steps=1)[0]
    np.testing.assert_allclose(W0 - damp, eta * grad(W0), rtol=1e-12)
    np.testing.assert_allclose(W0 - book, (1 - mu) * eta * grad(W0), rtol=1e-12)
    # and the textbook form is exactly PyTorch's with lr = (1 − μ) η
    np.testing.assert_allclose(
        run(SGD, lr=(1 - mu) * eta, momentum=mu),
        run(SGD, lr=eta, momentum=mu, momentum_form="textbook"),
        rtol=1e-12,
        atol=1e-14,
    )


def test_sgd_default_form_is_pytorch() -> None:
    w = Tensor(W0.copy(), requires_grad=True)
    assert SGD([w], lr=0.1, momentum=0.9).param_groups[0]["momentum_form"] == "pytorch"


@pytest.mark.parametrize(
    "kw, msg",
    [
        (dict(momentum=0.9, momentum_form="seminar"), r"momentum_form='seminar'.*'pytorch'"),
        (dict(momentum=0.9, momentum_form="textbook", dampening=0.9), r"dampening"),
        (dict(momentum=0.0, momentum_form="textbook"), r"momentum > 0"),
    ],
)
def test_sgd_momentum_form_errors(kw, msg) -> None:
    w = Tensor(W0.copy(), requires_grad=True)
    with pytest.raises(ValueError, match=msg):
        SGD([w], lr=0.1, **kw)


# ----------------------------------------------------------------------------- PyTorch
def _torch_run(torch, cls_name, steps=STEPS, **kw):
    w = torch.tensor(W0.copy(), dtype=torch.float64, requires_grad=True)
    opt = getattr(torch.optim, cls_name)([w], **kw)
    out = []
    for _ in range(steps):
        w.grad = torch.tensor(grad(w.detach().numpy()), dtype=torch.float64)
        opt.step()
        out.append(w.detach().numpy().copy())
    return out


@pytest.mark.parametrize(
    "ours, theirs, kw",
    [
        (RMSProp, "RMSprop", dict(lr=0.05, alpha=0.9, eps=0.5)),
        (RMSProp, "RMSprop", dict(lr=0.05, alpha=0.9, eps=0.5, centered=True, momentum=0.5)),
        (AdaGrad, "Adagrad", dict(lr=0.3, eps=0.3, lr_decay=0.01)),
        (SGD, "SGD", dict(lr=0.2, momentum=0.9, dampening=0.9)),
        (SGD, "SGD", dict(lr=0.2, momentum=0.9, nesterov=True)),
    ],
)
def test_the_defaults_are_pytorch(ours, theirs, kw) -> None:
    torch = pytest.importorskip("torch")
    flag = {} if ours is SGD else dict(eps_inside_sqrt=False)
    np.testing.assert_allclose(
        run(ours, **kw, **flag), _torch_run(torch, theirs, **kw), rtol=1e-12, atol=1e-14
    )
    if ours is SGD:
        np.testing.assert_allclose(
            run(ours, **kw, momentum_form="pytorch"),
            _torch_run(torch, theirs, **kw),
            rtol=1e-12,
            atol=1e-14,
        )


def test_textbook_form_is_torch_sgd_with_lr_scaled() -> None:
    torch = pytest.importorskip("torch")
    mu, eta = 0.8, 0.3
    np.testing.assert_allclose(
        run(SGD, lr=eta, momentum=mu, momentum_form="textbook"),
        _torch_run(torch, "SGD", lr=(1 - mu) * eta, momentum=mu),
        rtol=1e-12,
        atol=1e-14,
    )


def test_eps_inside_is_not_torch() -> None:
    # the option changes the rule: it must not reproduce torch with ε moved outside
    torch = pytest.importorskip("torch")
    kw = dict(lr=0.05, alpha=0.9, eps=0.5)
    diff = np.abs(
        np.array(run(RMSProp, eps_inside_sqrt=True, **kw))
        - np.array(_torch_run(torch, "RMSprop", **kw))
    )
    assert diff.max() > 1e-3


@pytest.mark.parametrize(
    "cls, key, kw",
    [
        (RMSProp, "eps_inside_sqrt", {}),
        (AdaGrad, "eps_inside_sqrt", {}),
        (SGD, "momentum_form", dict(momentum=0.9)),
    ],
)
def test_a_checkpoint_written_before_the_option_loads_with_the_old_rule(cls, key, kw) -> None:
    # a state dict without the new key (as written by the previous version) keeps the rule
    # it was written with, whatever the loading optimizer was built with
    w = Tensor(W0.copy(), requires_grad=True)
    opt = cls([w], lr=0.1, **kw)
    w.grad = Tensor(grad(w.data))
    opt.step()
    sd = opt.state_dict()
    del sd["param_groups"][0][key]
    other = {"eps_inside_sqrt": True} if key == "eps_inside_sqrt" else {"momentum_form": "textbook"}
    w2 = Tensor(w.data.copy(), requires_grad=True)
    opt2 = cls([w2], lr=0.1, **kw, **other)
    opt2.load_state_dict(sd)
    assert opt2.param_groups[0][key] == opt.param_groups[0][key]
