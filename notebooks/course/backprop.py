"""Exercise checks for notebooks 01–03 (chain rule, output-layer delta, backpropagation).

Each check takes the learner's answer and tests it against a property or a closed form
computed here in NumPy (not against a stored solution), so a wrong answer gets a hint
that says what is wrong. An unanswered exercise (``None``) prints "not answered yet", so
the notebook still runs from top to bottom. Every message is written in English and in
Japanese (``say``); the Japanese notebooks (notebooks/ja/) see the Japanese one.
"""

from __future__ import annotations

import math

import numpy as np

from course.words import say

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
        print(say(f"{name}: not answered yet — replace None with your answer and run the "
                  "cell again.",
                  f"{name}: まだ解答されていない — None を自分の答えに置き換えて、"
                  "セルをもう一度実行せよ。"))
        return True
    return False


def _as_array(name: str, answer: object, shape: tuple[int, ...]) -> np.ndarray:
    arr = np.asarray(answer, dtype=np.float64)
    if arr.shape != shape:
        raise AssertionError(say(
            f"{name}: expected an array of shape {shape}, got shape {arr.shape}",
            f"{name}: 形状 {shape} の配列が必要だが、形状が {arr.shape} である",
        ))
    return arr


def _exercise(k: int) -> str:
    return say(f"Exercise {k}", f"演習問題 {k}")


def _sigmoid(u: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-u))


# ----------------------------------------------------------------------------- notebook 01


def check_add_multiply(a: float, b: float, c: float, grads: object) -> None:
    """Exercise 1.1: ``grads`` = (∂f/∂a, ∂f/∂b, ∂f/∂c) of f = (a + b) · c.

    Add node: a and b both receive the upstream gradient c; multiply node: c receives a + b.
    """
    name = _exercise(1)
    if _unanswered(name, grads):
        return
    got = _as_array(name, grads, (3,))
    want = np.array([c, c, a + b], dtype=np.float64)
    if not np.allclose(got, want, rtol=1e-12, atol=1e-12):
        raise AssertionError(say(
            f"{name}: (∂f/∂a, ∂f/∂b, ∂f/∂c) = {got.tolist()} is not right — the add node hands "
            "the upstream gradient (the other factor of the product) to a and b unchanged; "
            "the multiply node gives c the other input, a + b",
            f"{name}: (∂f/∂a, ∂f/∂b, ∂f/∂c) = {got.tolist()} は正しくない — 加算ノードは"
            "上流から来る勾配 (積のもう一方の因子) をそのまま a と b に渡し、"
            "乗算ノードは c にもう一方の入力 a + b を渡す",
        ))
    print(say(f"{name}: correct — ∂f/∂a = ∂f/∂b = c = {c:g}, ∂f/∂c = a + b = {a + b:g}.",
              f"{name}: 正解 — ∂f/∂a = ∂f/∂b = c = {c:g}、∂f/∂c = a + b = {a + b:g} である。"))


def check_two_paths(x: float, path_u: object, path_v: object) -> None:
    """Exercise 1.2: the two path products of y = u·v with u = x, v = e^x, and their sum.

    Path x → u → y: (∂y/∂u)(∂u/∂x) = v · 1 = e^x; path x → v → y: (∂y/∂v)(∂v/∂x) = u · e^x.
    Their sum is the product rule (1 + x) e^x.
    """
    name = _exercise(2)
    if _unanswered(name, None if path_u is None or path_v is None else path_u):
        return
    want_u, want_v = math.exp(x), x * math.exp(x)
    pu, pv = float(path_u), float(path_v)  # type: ignore[arg-type]
    if math.isclose(pu, want_v, rel_tol=1e-9) and math.isclose(pv, want_u, rel_tol=1e-9):
        raise AssertionError(say(f"{name}: the two path products are swapped",
                                 f"{name}: 二つの経路の積が入れ替わっている"))
    if not math.isclose(pu, want_u, rel_tol=1e-9):
        raise AssertionError(say(
            f"{name}: path x→u→y is ∂y/∂u · ∂u/∂x = v · 1, i.e. e^x = {want_u:.6f}; got {pu}",
            f"{name}: 経路 x→u→y の積は ∂y/∂u · ∂u/∂x = v · 1、つまり e^x = {want_u:.6f} である"
            f"が、答えは {pu} である",
        ))
    if not math.isclose(pv, want_v, rel_tol=1e-9):
        raise AssertionError(say(
            f"{name}: path x→v→y is ∂y/∂v · ∂v/∂x = u · e^x; got {pv}, want {want_v:.6f}",
            f"{name}: 経路 x→v→y の積は ∂y/∂v · ∂v/∂x = u · e^x である。答えは {pv} だが、"
            f"正しくは {want_v:.6f} である",
        ))
    print(say(f"{name}: correct — the paths add up to (1 + x) e^x = {want_u + want_v:.6f}.",
              f"{name}: 正解 — 経路の和は (1 + x) e^x = {want_u + want_v:.6f} になる。"))


# ----------------------------------------------------------------------------- notebook 02


def check_bce_delta(u: np.ndarray, d: np.ndarray, delta: object) -> None:
    """Exercise 2.1: ∂E/∂u of E = −Σ[d log σ(u) + (1 − d) log(1 − σ(u))], i.e. σ(u) − d."""
    name = _exercise(1)
    if _unanswered(name, delta):
        return
    u = np.asarray(u, dtype=np.float64)
    got = _as_array(name, delta, u.shape)
    want = _sigmoid(u) - np.asarray(d, dtype=np.float64)
    # the right answer first: where it coincides with a known mistake it is still right
    if np.allclose(got, want, atol=1e-10):
        print(say(f"{name}: correct — δ = σ(u) − d.", f"{name}: 正解 — δ = σ(u) − d である。"))
        return
    if np.allclose(got, -want, atol=1e-10):
        raise AssertionError(say(
            f"{name}: that is d − y, the gradient of the log-likelihood; the error E is its "
            "negative, so δ = y − d (the errata box of section 2)",
            f"{name}: それは対数尤度 (log-likelihood) の勾配 d − y である。誤差関数 E はその"
            "符号を反転したものなので δ = y − d となる (2 節の正誤の囲みを参照)",
        ))
    raise AssertionError(say(
        f"{name}: not ∂E/∂u — it is y − d with y = σ(u)",
        f"{name}: ∂E/∂u になっていない — 正しくは y = σ(u) として y − d である",
    ))


def check_mse_gradient(y: np.ndarray, d: np.ndarray, grad: object) -> None:
    """Exercise 2.2: ∂/∂y of PyTorch's mse_loss(y, d) = mean((y − d)²), i.e. 2(y − d)/size."""
    name = _exercise(2)
    if _unanswered(name, grad):
        return
    y = np.asarray(y, dtype=np.float64)
    got = _as_array(name, grad, y.shape)
    want = 2.0 / y.size * (y - np.asarray(d, dtype=np.float64))
    # the right answer first: for two entries 2(y − d)/2 is y − d, the hinted mistake
    if np.allclose(got, want, atol=1e-12):
        print(say(f"{name}: correct — 2(y − d)/{y.size}.",
                  f"{name}: 正解 — 2(y − d)/{y.size} である。"))
        return
    if np.allclose(got, y - d, atol=1e-12):
        raise AssertionError(say(
            f"{name}: y − d is the delta of the textbook's ½Σ(y − d)²; mse_loss is the mean "
            "of the squares, without the ½",
            f"{name}: y − d は教科書の ½Σ(y − d)² のデルタである。mse_loss は二乗の平均で、"
            "½ が付かない",
        ))
    raise AssertionError(say(
        f"{name}: not the gradient of mean((y − d)²) — mind the 2 and the 1/size",
        f"{name}: mean((y − d)²) の勾配になっていない — 係数 2 と 1/size に注意せよ",
    ))


def check_softmax_delta_soft(u: np.ndarray, d: np.ndarray, delta: object) -> None:
    """Exercise 2.3: ∂E/∂u of E = −Σ_k d_k log softmax(u)_k for any d: y·Σd − d."""
    name = _exercise(3)
    if _unanswered(name, delta):
        return
    u = np.asarray(u, dtype=np.float64)
    d = np.asarray(d, dtype=np.float64)
    got = _as_array(name, delta, u.shape)
    y = np.exp(u - u.max())
    y /= y.sum()
    want = y * d.sum() - d
    if not math.isclose(d.sum(), 1.0) and np.allclose(got, y - d, atol=1e-10):
        raise AssertionError(say(
            f"{name}: y − d needs Σ_k d_k = 1; these targets sum to {d.sum():g}",
            f"{name}: y − d となるのは Σ_k d_k = 1 のときだけである。この目標値の和は {d.sum():g} "
            "である",
        ))
    if not np.allclose(got, want, atol=1e-10):
        raise AssertionError(say(
            f"{name}: not ∂E/∂u — redo the sum over j with Σ_j d_j ≠ 1",
            f"{name}: ∂E/∂u になっていない — Σ_j d_j ≠ 1 として j についての和を計算し直せ",
        ))
    print(say(f"{name}: correct — δ = y Σ_k d_k − d.",
              f"{name}: 正解 — δ = y Σ_k d_k − d である。"))


# ----------------------------------------------------------------------------- notebook 03


def check_hidden_delta(W3: np.ndarray, delta3: np.ndarray, u2: np.ndarray, delta2: object) -> None:
    """Exercise 3.1: δ^(2) = (W^(3)ᵀ δ^(3)) ⊙ tanh′(u^(2)) for one sample (column vectors)."""
    name = _exercise(1)
    if _unanswered(name, delta2):
        return
    u2 = np.asarray(u2, dtype=np.float64)
    got = _as_array(name, delta2, u2.shape)
    back = np.asarray(W3, dtype=np.float64).T @ np.asarray(delta3, dtype=np.float64)
    want = back * (1 - np.tanh(u2) ** 2)
    # the right answer first: at u = 0 it equals both hinted mistakes
    if np.allclose(got, want, atol=1e-12):
        print(say(f"{name}: correct — δ^(2) = (W^(3)ᵀ δ^(3)) ⊙ f′(u^(2)).",
                  f"{name}: 正解 — δ^(2) = (W^(3)ᵀ δ^(3)) ⊙ f′(u^(2)) である。"))
        return
    if np.allclose(got, back * (1 - np.tanh(np.tanh(u2)) ** 2), atol=1e-12):
        raise AssertionError(say(
            f"{name}: f′ is taken at the unit's input u, not at its output z = f(u)",
            f"{name}: f′ はユニットの出力 z = f(u) ではなく入力 u で評価する",
        ))
    if np.allclose(got, back, atol=1e-12):
        raise AssertionError(say(
            f"{name}: the factor f′(u^(2)) = 1 − tanh²(u^(2)) is missing",
            f"{name}: 因子 f′(u^(2)) = 1 − tanh²(u^(2)) が抜けている",
        ))
    raise AssertionError(say(
        f"{name}: not the delta recursion — δ_j = (Σ_k δ_k w_kj) f′(u_j), i.e. "
        "(W3.T @ delta3) * (1 - np.tanh(u2)**2)",
        f"{name}: デルタの漸化式になっていない — δ_j = (Σ_k δ_k w_kj) f′(u_j)、つまり "
        "(W3.T @ delta3) * (1 - np.tanh(u2)**2) である",
    ))


def check_weight_gradient(delta: np.ndarray, z_prev: np.ndarray, grad: object) -> None:
    """Exercise 3.2: ∂E/∂W = δ z_prevᵀ for one sample: entry (j, i) is δ_j z_i."""
    name = _exercise(2)
    if _unanswered(name, grad):
        return
    delta = np.asarray(delta, dtype=np.float64)
    z_prev = np.asarray(z_prev, dtype=np.float64)
    want = np.outer(delta, z_prev)
    got = np.asarray(grad, dtype=np.float64)
    if got.shape == want.T.shape and got.shape != want.shape:
        raise AssertionError(say(
            f"{name}: shape {got.shape} is (in, out); W is stored (out, in) = {want.shape} — δ zᵀ",
            f"{name}: 形状 {got.shape} は (in, out) である。W は (out, in) = {want.shape} の形で"
            "保持されている — δ zᵀ",
        ))
    got = _as_array(name, grad, want.shape)
    if not np.allclose(got, want, atol=1e-12):
        raise AssertionError(say(
            f"{name}: entry (j, i) of ∂E/∂W is δ_j z_i (np.outer(delta, z))",
            f"{name}: ∂E/∂W の (j, i) 成分は δ_j z_i である (np.outer(delta, z))",
        ))
    print(say(f"{name}: correct — ∂E/∂w_ji = δ_j z_i.",
              f"{name}: 正解 — ∂E/∂w_ji = δ_j z_i である。"))


def check_relu_delta(back: np.ndarray, u: np.ndarray, delta: object) -> None:
    """Exercise 3.3: δ = back ⊙ ReLU′(u) with ReLU′(u) = 1 for u > 0, else 0."""
    name = _exercise(3)
    if _unanswered(name, delta):
        return
    u = np.asarray(u, dtype=np.float64)
    got = _as_array(name, delta, u.shape)
    want = np.asarray(back, dtype=np.float64) * (u > 0)
    # the right answer first: where every positive u is 1, ReLU(u) = ReLU′(u)
    if np.allclose(got, want, atol=1e-12):
        print(say(f"{name}: correct — the delta passes where u > 0 and stops elsewhere.",
                  f"{name}: 正解 — デルタは u > 0 のところだけを通り、それ以外では止まる。"))
        return
    if np.allclose(got, np.asarray(back) * np.maximum(u, 0), atol=1e-12):
        raise AssertionError(say(
            f"{name}: that multiplies by ReLU(u); the recursion needs ReLU′(u)",
            f"{name}: それは ReLU(u) を掛けている。漸化式に必要なのは ReLU′(u) である",
        ))
    raise AssertionError(say(f"{name}: ReLU′(u) is 1 where u > 0 and 0 elsewhere",
                             f"{name}: ReLU′(u) は u > 0 で 1、それ以外で 0 である"))
