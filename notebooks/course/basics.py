"""Helpers for notebook 00 (machine-learning basics, CURRICULUM §0).

Data generators and drawing code live here so the notebook's cells show only the
mathematics; the exercise checks at the end of the notebook are here too, so that a
learner's answer is checked by a property (a gradient that vanishes, a truth table)
rather than compared with a stored solution.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from course.words import say

__all__ = [
    "line_data",
    "sine_data",
    "poly_features",
    "blobs",
    "separable_data",
    "XOR_X",
    "XOR_T",
    "plot_regions",
    "check_normal_equations",
    "check_ridge",
    "check_gate",
    "check_softmax_delta",
]

# ----------------------------------------------------------------------------- data


def line_data(
    n: int, rng: np.random.Generator, noise: float = 0.3
) -> tuple[np.ndarray, np.ndarray]:
    """``n`` points of y = 1.5 x − 0.5 + ε, x ~ U(−1, 1), ε ~ N(0, noise²). Shapes (n,), (n,)."""
    x = rng.uniform(-1, 1, n)
    return x, 1.5 * x - 0.5 + noise * rng.normal(size=n)


def sine_data(
    n: int, rng: np.random.Generator, noise: float = 0.2, grid: bool = False
) -> tuple[np.ndarray, np.ndarray]:
    """y = sin(πx) + ε on [−1, 1]: ``n`` evenly spaced x when ``grid``, else uniform draws."""
    x = np.linspace(-1, 1, n) if grid else rng.uniform(-1, 1, n)
    return x, np.sin(np.pi * x) + noise * rng.normal(size=n)


def poly_features(x: np.ndarray, degree: int | np.integer) -> np.ndarray:
    """The design matrix Φ with Φ[n, j] = x_n**j for j = 0..degree. Shape (N, degree + 1)."""
    return np.asarray(x, dtype=np.float64)[:, None] ** np.arange(degree + 1)


def blobs(
    means: list[list[float]], n: int, rng: np.random.Generator, scale: float = 0.8
) -> tuple[np.ndarray, np.ndarray]:
    """``n`` Gaussian points around each mean (class k around means[k]), shuffled.

    Returns X of shape (K·n, 2) and integer labels y of shape (K·n,).
    """
    means_a = np.asarray(means, dtype=np.float64)
    X = np.concatenate([m + scale * rng.normal(size=(n, 2)) for m in means_a])
    y = np.repeat(np.arange(len(means_a)), n)
    order = rng.permutation(len(y))
    return X[order], y[order]


def separable_data(
    n: int, rng: np.random.Generator, margin: float = 0.15
) -> tuple[np.ndarray, np.ndarray]:
    """``n`` points in [−1, 1]² labelled by the line x₂ = 0.5 x₁ + 0.1, none near it.

    No point lies within ``margin`` of the line.

    The gap guarantees the perceptron converges (Novikoff: at most (R/margin)² mistakes).
    Returns X (n, 2) and targets t (n,) in {0, 1}.
    """
    X = np.empty((0, 2))
    while len(X) < n:
        cand = rng.uniform(-1, 1, (2 * n, 2))
        dist = (cand[:, 1] - 0.5 * cand[:, 0] - 0.1) / np.hypot(0.5, 1.0)
        X = np.concatenate([X, cand[np.abs(dist) > margin]])
    X = X[:n]
    t = (X[:, 1] - 0.5 * X[:, 0] - 0.1 > 0).astype(np.float64)
    return X, t


XOR_X = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
XOR_T = np.array([0.0, 1.0, 1.0, 0.0])

# ----------------------------------------------------------------------------- plots


def plot_regions(
    ax,
    predict: Callable[[np.ndarray], np.ndarray],
    X: np.ndarray,
    y: np.ndarray,
    n_classes: int,
    steps: int = 200,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Colour the plane by ``predict`` (points (M, 2) -> class ids (M,)) and scatter ``X``.

    Returns the grid (xx, yy) and the predicted classes on it, shape (steps, steps).
    """
    pad = 0.5
    xs = np.linspace(X[:, 0].min() - pad, X[:, 0].max() + pad, steps)
    ys = np.linspace(X[:, 1].min() - pad, X[:, 1].max() + pad, steps)
    xx, yy = np.meshgrid(xs, ys)
    zz = predict(np.column_stack([xx.ravel(), yy.ravel()])).reshape(xx.shape)
    from matplotlib.colors import ListedColormap  # only the notebooks draw; keep the import local

    # region k in the colour of class k's points (matplotlib's cycle C0, C1, ...), faded
    levels = np.arange(n_classes + 1) - 0.5
    cmap = ListedColormap([f"C{k}" for k in range(n_classes)])
    ax.contourf(xx, yy, zz, levels=levels, cmap=cmap, alpha=0.2)
    for k in range(n_classes):
        label = say(f"class {k}", f"クラス {k}")
        ax.scatter(*X[y == k].T, s=12, color=f"C{k}", edgecolor="k", lw=0.3, label=label)
    ax.set_xlabel("$x_1$")
    ax.set_ylabel("$x_2$")
    return xx, yy, zz


# ----------------------------------------------------------------------------- exercise checks
# Each check prints "not answered yet" for None (so the notebook still runs from top to
# bottom) and raises AssertionError with a hint for a wrong answer. Every message is written
# in English and Japanese (``say``); the Japanese notebooks see the Japanese one.


def _exercise(k: int) -> str:
    return say(f"Exercise {k}", f"演習問題 {k}")


def _unanswered(name: str, answer: object) -> bool:
    if answer is None:
        print(say(f"{name}: not answered yet — replace None with your answer and run the "
                  "cell again.",
                  f"{name}: まだ解答されていない — None を自分の答えに置き換えて、"
                  "セルをもう一度実行せよ。"))
        return True
    return False


def check_normal_equations(Phi: np.ndarray, y: np.ndarray, w: np.ndarray | None) -> None:
    """Exercise 1: ``w`` minimises E(w) = (1/N)‖Φw − y‖², i.e. ∇E(w) = (2/N)Φᵀ(Φw − y) = 0."""
    name = _exercise(1)
    if _unanswered(name, w):
        return
    w = np.asarray(w, dtype=np.float64).ravel()
    if w.shape != (Phi.shape[1],):
        raise AssertionError(say(
            f"{name}: w needs {Phi.shape[1]} entries (one per column of Φ), got {w.shape}",
            f"{name}: w の成分は {Phi.shape[1]} 個 (Φ の列ごとに 1 個) 必要だが、"
            f"形状が {w.shape} である",
        ))
    grad = 2 / len(y) * Phi.T @ (Phi @ w - y)
    if not np.allclose(grad, 0, atol=1e-8):
        raise AssertionError(say(
            f"{name}: ∇E(w) = {np.round(grad, 6)} is not 0 — solve (ΦᵀΦ) w = Φᵀy "
            "with np.linalg.solve",
            f"{name}: ∇E(w) = {np.round(grad, 6)} が 0 になっていない — (ΦᵀΦ) w = Φᵀy を "
            "np.linalg.solve で解くこと",
        ))
    print(say(f"{name}: correct — ∇E(w) = 0, w solves the normal equations.",
              f"{name}: 正解 — ∇E(w) = 0 であり、w は正規方程式の解である。"))


def check_ridge(Phi: np.ndarray, y: np.ndarray, lam: float, w: np.ndarray | None) -> None:
    """Exercise 2: ``w`` minimises (1/N)‖Φw − y‖² + (λ/2)‖w‖², SGD(weight_decay=λ)'s limit."""
    name = _exercise(2)
    if _unanswered(name, w):
        return
    w = np.asarray(w, dtype=np.float64).ravel()
    if w.shape != (Phi.shape[1],):
        raise AssertionError(say(
            f"{name}: w needs {Phi.shape[1]} entries, got {w.shape}",
            f"{name}: w の成分は {Phi.shape[1]} 個必要だが、形状が {w.shape} である",
        ))
    grad = 2 / len(y) * Phi.T @ (Phi @ w - y) + lam * w
    if not np.allclose(grad, 0, atol=1e-8):
        raise AssertionError(say(
            f"{name}: the gradient of E + (λ/2)‖w‖² is not 0 at your w — the matrix is "
            "ΦᵀΦ + (Nλ/2)·I (the 1/N of the mean and the 1/2 of the penalty both count)",
            f"{name}: あなたの w で E + (λ/2)‖w‖² の勾配が 0 になっていない — 係数行列は "
            "ΦᵀΦ + (Nλ/2)·I である (平均の 1/N と正則化項の 1/2 の両方が効く)",
        ))
    print(say(f"{name}: correct — the penalised gradient vanishes.",
              f"{name}: 正解 — 正則化項を加えた勾配が 0 になる。"))


_GATES = {
    "AND": np.array([0.0, 0.0, 0.0, 1.0]),
    "OR": np.array([0.0, 1.0, 1.0, 1.0]),
    "NAND": np.array([1.0, 1.0, 1.0, 0.0]),
}


def check_gate(gate: str, w: np.ndarray | None, b: float | None) -> None:
    """Exercise 3: the formal neuron step(w·x + b) reproduces ``gate``'s truth table on XOR_X."""
    name = _exercise(3)
    if _unanswered(f"{name} ({gate})", None if w is None or b is None else w):
        return
    out = (XOR_X @ np.asarray(w, dtype=np.float64) + b > 0).astype(np.float64)
    want = _GATES[gate]
    if not np.array_equal(out, want):
        raise AssertionError(say(
            f"{name}: for inputs {XOR_X.tolist()} your neuron gives {out.tolist()}, "
            f"{gate} is {want.tolist()}",
            f"{name}: 入力 {XOR_X.tolist()} に対してあなたのニューロンの出力は "
            f"{out.tolist()} だが、{gate} は {want.tolist()} である",
        ))
    print(say(f"{name}: correct — step(w·x + b) is {gate}.",
              f"{name}: 正解 — step(w·x + b) は {gate} である。"))


def check_softmax_delta(u: np.ndarray, label: int, delta: np.ndarray | None) -> None:
    """Exercise 4: ``delta`` = ∂E/∂u of E = −log softmax(u)[label], i.e. P − t."""
    name = _exercise(4)
    if _unanswered(name, delta):
        return
    u = np.asarray(u, dtype=np.float64)
    p = np.exp(u - u.max())
    p /= p.sum()
    want = p - np.eye(len(u))[label]
    delta = np.asarray(delta, dtype=np.float64)
    if delta.shape != want.shape or not np.allclose(delta, want, atol=1e-10):
        raise AssertionError(say(
            f"{name}: not ∂E/∂u — it is softmax(u) minus the one-hot target",
            f"{name}: ∂E/∂u になっていない — 正しくは softmax(u) から one-hot の目標値を"
            "引いたものである",
        ))
    print(say(f"{name}: correct — δ = P − t.", f"{name}: 正解 — δ = P − t である。"))
