"""Helpers for notebook 00 (machine-learning basics, CURRICULUM §0).

Data generators and drawing code live here so the notebook's cells show only the
mathematics; the exercise checks at the end of the notebook are here too, so that a
learner's answer is checked by a property (a gradient that vanishes, a truth table)
rather than compared with a stored solution.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

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


def poly_features(x: np.ndarray, degree: int) -> np.ndarray:
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
        ax.scatter(*X[y == k].T, s=12, color=f"C{k}", edgecolor="k", lw=0.3, label=f"class {k}")
    ax.set_xlabel("$x_1$")
    ax.set_ylabel("$x_2$")
    return xx, yy, zz


# ----------------------------------------------------------------------------- exercise checks
# Each check prints "not answered yet" for None (so the notebook still runs from top to
# bottom) and raises AssertionError with a hint for a wrong answer.


def _unanswered(name: str, answer: object) -> bool:
    if answer is None:
        print(f"{name}: not answered yet — replace None with your answer and run the cell again.")
        return True
    return False


def check_normal_equations(Phi: np.ndarray, y: np.ndarray, w: np.ndarray | None) -> None:
    """Exercise 1: ``w`` minimises E(w) = (1/N)‖Φw − y‖², i.e. ∇E(w) = (2/N)Φᵀ(Φw − y) = 0."""
    if _unanswered("Exercise 1", w):
        return
    w = np.asarray(w, dtype=np.float64).ravel()
    if w.shape != (Phi.shape[1],):
        raise AssertionError(
            f"Exercise 1: w needs {Phi.shape[1]} entries (one per column of Φ), got {w.shape}"
        )
    grad = 2 / len(y) * Phi.T @ (Phi @ w - y)
    if not np.allclose(grad, 0, atol=1e-8):
        raise AssertionError(
            f"Exercise 1: ∇E(w) = {np.round(grad, 6)} is not 0 — solve (ΦᵀΦ) w = Φᵀy "
            "with np.linalg.solve"
        )
    print("Exercise 1: correct — ∇E(w) = 0, w solves the normal equations.")


def check_ridge(Phi: np.ndarray, y: np.ndarray, lam: float, w: np.ndarray | None) -> None:
    """Exercise 2: ``w`` minimises (1/N)‖Φw − y‖² + (λ/2)‖w‖², SGD(weight_decay=λ)'s limit."""
    if _unanswered("Exercise 2", w):
        return
    w = np.asarray(w, dtype=np.float64).ravel()
    if w.shape != (Phi.shape[1],):
        raise AssertionError(f"Exercise 2: w needs {Phi.shape[1]} entries, got {w.shape}")
    grad = 2 / len(y) * Phi.T @ (Phi @ w - y) + lam * w
    if not np.allclose(grad, 0, atol=1e-8):
        raise AssertionError(
            "Exercise 2: the gradient of E + (λ/2)‖w‖² is not 0 at your w — the matrix is "
            "ΦᵀΦ + (Nλ/2)·I (the 1/N of the mean and the 1/2 of the penalty both count)"
        )
    print("Exercise 2: correct — the penalised gradient vanishes.")


_GATES = {
    "AND": np.array([0.0, 0.0, 0.0, 1.0]),
    "OR": np.array([0.0, 1.0, 1.0, 1.0]),
    "NAND": np.array([1.0, 1.0, 1.0, 0.0]),
}


def check_gate(gate: str, w: np.ndarray | None, b: float | None) -> None:
    """Exercise 3: the formal neuron step(w·x + b) reproduces ``gate``'s truth table on XOR_X."""
    if _unanswered(f"Exercise 3 ({gate})", None if w is None or b is None else w):
        return
    out = (XOR_X @ np.asarray(w, dtype=np.float64) + b > 0).astype(np.float64)
    want = _GATES[gate]
    if not np.array_equal(out, want):
        raise AssertionError(
            f"Exercise 3: for inputs {XOR_X.tolist()} your neuron gives {out.tolist()}, "
            f"{gate} is {want.tolist()}"
        )
    print(f"Exercise 3: correct — step(w·x + b) is {gate}.")


def check_softmax_delta(u: np.ndarray, label: int, delta: np.ndarray | None) -> None:
    """Exercise 4: ``delta`` = ∂E/∂u of E = −log softmax(u)[label], i.e. P − t."""
    if _unanswered("Exercise 4", delta):
        return
    u = np.asarray(u, dtype=np.float64)
    p = np.exp(u - u.max())
    p /= p.sum()
    want = p - np.eye(len(u))[label]
    delta = np.asarray(delta, dtype=np.float64)
    if delta.shape != want.shape or not np.allclose(delta, want, atol=1e-10):
        raise AssertionError("Exercise 4: not ∂E/∂u — it is softmax(u) minus the one-hot target")
    print("Exercise 4: correct — δ = P − t.")
