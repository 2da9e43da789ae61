"""Exercise checks for notebooks 01–03 (chain rule, output-layer delta, backpropagation).

Each check takes the learner's answer and tests it against a property or a closed form
computed here in NumPy (not against a stored solution), so a wrong answer gets a hint
that says what is wrong. An unanswered exercise (``None``) prints "not answered yet", so
the notebook still runs from top to bottom.
"""

from __future__ import annotations

import math

import numpy as np

__all__ = [
    "check_add_multiply",
    "check_two_paths",
    "check_bce_delta",
    "check_mse_gradient",
    "check_softmax_delta_soft",
    "check_hidden_delta",
    "check_weight_gradient",
    "check_relu_delta",
]


def _unanswered(name: str, answer: object) -> bool:
    if answer is None:
        print(f"{name}: not answered yet — replace None with your answer and run the cell again.")
        return True
    return False


def _as_array(name: str, answer: object, shape: tuple[int, ...]) -> np.ndarray:
    arr = np.asarray(answer, dtype=np.float64)
    if arr.shape != shape:
        raise AssertionError(f"{name}: expected an array of shape {shape}, got shape {arr.shape}")
    return arr


def _sigmoid(u: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-u))


# ----------------------------------------------------------------------------- notebook 01


def check_add_multiply(a: float, b: float, c: float, grads: object) -> None:
    """Exercise 1.1: ``grads`` = (∂f/∂a, ∂f/∂b, ∂f/∂c) of f = (a + b) · c.

    Add node: a and b both receive the upstream gradient c; multiply node: c receives a + b.
    """
    name = "Exercise 1"
    if _unanswered(name, grads):
        return
    got = _as_array(name, grads, (3,))
    want = np.array([c, c, a + b], dtype=np.float64)
    if not np.allclose(got, want, rtol=1e-12, atol=1e-12):
        raise AssertionError(
            f"{name}: (∂f/∂a, ∂f/∂b, ∂f/∂c) = {got.tolist()} is not right — the add node hands "
            "the upstream gradient (the other factor of the product) to a and b unchanged; "
            "the multiply node gives c the other input, a + b"
        )
    print(f"{name}: correct — ∂f/∂a = ∂f/∂b = c = {c:g}, ∂f/∂c = a + b = {a + b:g}.")


def check_two_paths(x: float, path_u: object, path_v: object) -> None:
    """Exercise 1.2: the two path products of y = u·v with u = x, v = e^x, and their sum.

    Path x → u → y: (∂y/∂u)(∂u/∂x) = v · 1 = e^x; path x → v → y: (∂y/∂v)(∂v/∂x) = u · e^x.
    Their sum is the product rule (1 + x) e^x.
    """
    name = "Exercise 2"
    if _unanswered(name, None if path_u is None or path_v is None else path_u):
        return
    want_u, want_v = math.exp(x), x * math.exp(x)
    pu, pv = float(path_u), float(path_v)  # type: ignore[arg-type]
    if math.isclose(pu, want_v, rel_tol=1e-9) and math.isclose(pv, want_u, rel_tol=1e-9):
        raise AssertionError(f"{name}: the two path products are swapped")
    if not math.isclose(pu, want_u, rel_tol=1e-9):
        raise AssertionError(
            f"{name}: path x→u→y is ∂y/∂u · ∂u/∂x = v · 1, i.e. e^x = {want_u:.6f}; got {pu}"
        )
    if not math.isclose(pv, want_v, rel_tol=1e-9):
        raise AssertionError(
            f"{name}: path x→v→y is ∂y/∂v · ∂v/∂x = u · e^x; got {pv}, want {want_v:.6f}"
        )
    print(f"{name}: correct — the paths add up to (1 + x) e^x = {want_u + want_v:.6f}.")


# ----------------------------------------------------------------------------- notebook 02


def check_bce_delta(u: np.ndarray, d: np.ndarray, delta: object) -> None:
    """Exercise 2.1: ∂E/∂u of E = −Σ[d log σ(u) + (1 − d) log(1 − σ(u))], i.e. σ(u) − d."""
    name = "Exercise 1"
    if _unanswered(name, delta):
        return
    u = np.asarray(u, dtype=np.float64)
    got = _as_array(name, delta, u.shape)
    want = _sigmoid(u) - np.asarray(d, dtype=np.float64)
    if np.allclose(got, -want, atol=1e-10):
        raise AssertionError(
            f"{name}: that is d − y, the gradient of the log-likelihood; the error E is its "
            "negative, so δ = y − d (the errata box of section 2)"
        )
    if not np.allclose(got, want, atol=1e-10):
        raise AssertionError(f"{name}: not ∂E/∂u — it is y − d with y = σ(u)")
    print(f"{name}: correct — δ = σ(u) − d.")


def check_mse_gradient(y: np.ndarray, d: np.ndarray, grad: object) -> None:
    """Exercise 2.2: ∂/∂y of PyTorch's mse_loss(y, d) = mean((y − d)²), i.e. 2(y − d)/size."""
    name = "Exercise 2"
    if _unanswered(name, grad):
        return
    y = np.asarray(y, dtype=np.float64)
    got = _as_array(name, grad, y.shape)
    want = 2.0 / y.size * (y - np.asarray(d, dtype=np.float64))
    if np.allclose(got, y - d, atol=1e-12):
        raise AssertionError(
            f"{name}: y − d is the delta of the textbook's ½Σ(y − d)²; mse_loss is the mean "
            "of the squares, without the ½"
        )
    if not np.allclose(got, want, atol=1e-12):
        raise AssertionError(
            f"{name}: not the gradient of mean((y − d)²) — mind the 2 and the 1/size"
        )
    print(f"{name}: correct — 2(y − d)/{y.size}.")


def check_softmax_delta_soft(u: np.ndarray, d: np.ndarray, delta: object) -> None:
    """Exercise 2.3: ∂E/∂u of E = −Σ_k d_k log softmax(u)_k for any d: y·Σd − d."""
    name = "Exercise 3"
    if _unanswered(name, delta):
        return
    u = np.asarray(u, dtype=np.float64)
    d = np.asarray(d, dtype=np.float64)
    got = _as_array(name, delta, u.shape)
    y = np.exp(u - u.max())
    y /= y.sum()
    want = y * d.sum() - d
    if not math.isclose(d.sum(), 1.0) and np.allclose(got, y - d, atol=1e-10):
        raise AssertionError(f"{name}: y − d needs Σ_k d_k = 1; these targets sum to {d.sum():g}")
    if not np.allclose(got, want, atol=1e-10):
        raise AssertionError(f"{name}: not ∂E/∂u — redo the sum over j with Σ_j d_j ≠ 1")
    print(f"{name}: correct — δ = y Σ_k d_k − d.")


# ----------------------------------------------------------------------------- notebook 03


def check_hidden_delta(W3: np.ndarray, delta3: np.ndarray, u2: np.ndarray, delta2: object) -> None:
    """Exercise 3.1: δ^(2) = (W^(3)ᵀ δ^(3)) ⊙ tanh′(u^(2)) for one sample (column vectors)."""
    name = "Exercise 1"
    if _unanswered(name, delta2):
        return
    u2 = np.asarray(u2, dtype=np.float64)
    got = _as_array(name, delta2, u2.shape)
    back = np.asarray(W3, dtype=np.float64).T @ np.asarray(delta3, dtype=np.float64)
    want = back * (1 - np.tanh(u2) ** 2)
    if np.allclose(got, back * (1 - np.tanh(np.tanh(u2)) ** 2), atol=1e-12):
        raise AssertionError(
            f"{name}: f′ is taken at the unit's input u, not at its output z = f(u)"
        )
    if np.allclose(got, back, atol=1e-12):
        raise AssertionError(f"{name}: the factor f′(u^(2)) = 1 − tanh²(u^(2)) is missing")
    if not np.allclose(got, want, atol=1e-12):
        raise AssertionError(
            f"{name}: not the delta recursion — δ_j = (Σ_k δ_k w_kj) f′(u_j), i.e. "
            "(W3.T @ delta3) * (1 - np.tanh(u2)**2)"
        )
    print(f"{name}: correct — δ^(2) = (W^(3)ᵀ δ^(3)) ⊙ f′(u^(2)).")


def check_weight_gradient(delta: np.ndarray, z_prev: np.ndarray, grad: object) -> None:
    """Exercise 3.2: ∂E/∂W = δ z_prevᵀ for one sample: entry (j, i) is δ_j z_i."""
    name = "Exercise 2"
    if _unanswered(name, grad):
        return
    delta = np.asarray(delta, dtype=np.float64)
    z_prev = np.asarray(z_prev, dtype=np.float64)
    want = np.outer(delta, z_prev)
    got = np.asarray(grad, dtype=np.float64)
    if got.shape == want.T.shape and got.shape != want.shape:
        raise AssertionError(
            f"{name}: shape {got.shape} is (in, out); W is stored (out, in) = {want.shape} — δ zᵀ"
        )
    got = _as_array(name, grad, want.shape)
    if not np.allclose(got, want, atol=1e-12):
        raise AssertionError(f"{name}: entry (j, i) of ∂E/∂W is δ_j z_i (np.outer(delta, z))")
    print(f"{name}: correct — ∂E/∂w_ji = δ_j z_i.")


def check_relu_delta(back: np.ndarray, u: np.ndarray, delta: object) -> None:
    """Exercise 3.3: δ = back ⊙ ReLU′(u) with ReLU′(u) = 1 for u > 0, else 0."""
    name = "Exercise 3"
    if _unanswered(name, delta):
        return
    u = np.asarray(u, dtype=np.float64)
    got = _as_array(name, delta, u.shape)
    want = np.asarray(back, dtype=np.float64) * (u > 0)
    if np.allclose(got, np.asarray(back) * np.maximum(u, 0), atol=1e-12):
        raise AssertionError(f"{name}: that multiplies by ReLU(u); the recursion needs ReLU′(u)")
    if not np.allclose(got, want, atol=1e-12):
        raise AssertionError(f"{name}: ReLU′(u) is 1 where u > 0 and 0 elsewhere")
    print(f"{name}: correct — the delta passes where u > 0 and stops elsewhere.")
