"""Helpers and exercise checks for notebooks 04a (optimizers), 04b (training practice)
and 05 (regularisation).

The 2-D surface helpers (``descend``, ``contour``, ``show_path``) are shared by 04a and
04b, so they live here rather than in a notebook cell. Each check prints "not answered
yet" for ``None`` (so the notebook still runs from top to bottom), prints a confirmation
for a right answer and raises ``AssertionError`` with a hint for a wrong one. Answers are
checked against the formula they should come from (computed here), or by running the
library, never against a stored number alone. Every message comes in English and Japanese
(``say``): the Japanese notebooks set ``viz.set_language("ja")`` and read the second.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, NamedTuple

import numpy as np

from course.words import say

__all__ = [
    "Run",
    "descend",
    "contour",
    "show_path",
    "check_rmsprop_step",
    "check_textbook_momentum_lr",
    "check_valley_limits",
    "check_updates_per_epoch",
    "check_clipped_gradient",
    "check_linear_decay",
    "check_init_variances",
    "check_bagging_variance",
    "check_decay_factor",
    "check_dropout_scale",
    "check_early_stopping",
]


def _unanswered(name: str, *answers: object) -> bool:
    if any(a is None for a in answers):
        print(f"{name}: " + say("not answered yet — replace None with your answer and run the "
                                "cell again.",
                                "まだ解答されていない — None を自分の答えに置き換えて、"
                                "セルをもう一度実行せよ。"))
        return True
    return False


def _number(name: str, answer: object) -> float:
    try:
        value = float(np.asarray(answer, dtype=np.float64).reshape(()))
    except (TypeError, ValueError):
        raise AssertionError(say(f"{name}: expected one number, got {answer!r}",
                                 f"{name}: 数を一つ与えよ。与えられたのは {answer!r}")) from None
    return value


# ----------------------------------------------------------------------------- 2-D surfaces


class Run(NamedTuple):
    """One optimizer run on a 2-D surface: ``path[t]`` is w after t steps (shape (T + 1, 2)),
    ``loss[t]`` is E(path[t]) (shape (T + 1,))."""

    path: np.ndarray
    loss: np.ndarray


def descend(make_optimizer: Callable[[list], Any], f: Callable, start: tuple[float, float],
            steps: int, clip: float | None = None) -> Run:
    """Minimise ``f(w1, w2)`` from ``start`` with the optimizer ``make_optimizer([w])``.

    The loop every training run has: zero_grad, forward, backward, (clip), step. ``w`` is
    one Tensor of shape (2,); the optimizers are the real ones from ``nn.optim`` and update
    it exactly as they would update a network's weights. ``clip`` is the ``max_norm`` of
    ``nn.clip_grad_norm_`` between ``backward()`` and ``step()``.
    """
    import nn
    from autograd import Tensor

    w = Tensor(np.array(start, dtype=np.float64), requires_grad=True, label="w")
    opt = make_optimizer([w])
    path, loss = [w.data.copy()], []
    for _ in range(steps):
        opt.zero_grad()
        E = f(w[0], w[1])
        E.backward()
        loss.append(E.item())
        if clip is not None:
            nn.clip_grad_norm_([w], max_norm=clip)
        opt.step()
        path.append(w.data.copy())
    loss.append(float(f(*path[-1])))
    return Run(np.array(path), np.array(loss))


def contour(ax: Any, f: Callable, xlim: tuple[float, float], ylim: tuple[float, float],
            levels: Any, title: str = "") -> None:
    """Draw the contour lines of ``f(w1, w2)`` (evaluated on NumPy grids) on ``ax``."""
    xs, ys = np.linspace(*xlim, 300), np.linspace(*ylim, 300)
    XX, YY = np.meshgrid(xs, ys)
    ax.contour(XX, YY, f(XX, YY), levels=levels, cmap="viridis", linewidths=0.7)
    ax.set_xlim(*xlim)
    ax.set_ylim(*ylim)
    ax.set_xlabel("$w_1$")
    ax.set_ylabel("$w_2$")
    ax.set_title(title, fontsize=10)


def show_path(ax: Any, run: Run, label: str, color: str, every: int = 1) -> None:
    """Draw every ``every``-th point of ``run.path`` on ``ax``; a black square marks the start."""
    p = run.path[::every]
    ax.plot(p[:, 0], p[:, 1], "o-", color=color, ms=2.5, lw=1, label=label)
    ax.plot(*run.path[0], "s", color="black", ms=5)


# ----------------------------------------------------------------------------- notebook 04a


def check_rmsprop_step(g: float, lr: float, alpha: float, eps: float,
                       inside: float | None, outside: float | None) -> None:
    """Exercise 1 (04a): the first RMSProp step from v = 0 for a gradient ``g``, both rules.

    inside = η g / √(v + ε) (the textbook's (4.26)), outside = η g / (√v + ε) (PyTorch),
    with v = (1 − α) g².
    """
    name = say("Exercise 1", "演習問題 1")
    if _unanswered(name, inside, outside):
        return
    v = (1 - alpha) * g * g
    want_in, want_out = lr * g / np.sqrt(v + eps), lr * g / (np.sqrt(v) + eps)
    got_in, got_out = _number(name, inside), _number(name, outside)
    if np.isclose(got_in, want_out, rtol=1e-6) and np.isclose(got_out, want_in, rtol=1e-6):
        raise AssertionError(say(f"{name}: the two answers are swapped — inside means √(v + ε)",
                                 f"{name}: 二つの答えが入れ替わっている — 内側とは √(v + ε) "
                                 "のことである"))
    if not np.isclose(abs(got_in), want_in, rtol=1e-6):
        raise AssertionError(say(
            f"{name}: ε inside: {got_in:.6g} is not η·g/√(v + ε) with v = (1 − α)·g² "
            f"= {v:.3g} (the step is {want_in:.3g})",
            f"{name}: ε が内側: {got_in:.6g} は v = (1 − α)·g² = {v:.3g} としたときの "
            f"η·g/√(v + ε) ではない (一歩は {want_in:.3g})",
        ))
    if not np.isclose(abs(got_out), want_out, rtol=1e-6):
        raise AssertionError(say(f"{name}: ε outside: {got_out:.6g} is not η·g/(√v + ε)",
                                 f"{name}: ε が外側: {got_out:.6g} は η·g/(√v + ε) ではない"))
    print(say(f"{name}: correct — the textbook's rule steps {want_in:.3g}, PyTorch's "
              f"{want_out:.3g} ({want_out / want_in:.0f}× larger).",
              f"{name}: 正解 — 教科書の規則では一歩 {want_in:.3g}、PyTorch の規則では "
              f"{want_out:.3g} ({want_out / want_in:.0f} 倍大きい)。"))


def check_textbook_momentum_lr(eta: float, mu: float, lr: float | None) -> None:
    """Exercise 2 (04a): the ``lr`` of PyTorch's ``SGD(momentum=μ)`` that reproduces the
    textbook's Δw = μΔw − (1 − μ)η∇E exactly; checked by running both on a quadratic."""
    name = say("Exercise 2", "演習問題 2")
    if _unanswered(name, lr):
        return
    from autograd import Tensor
    from nn import optim

    lr = _number(name, lr)
    paths = []
    for kw in (dict(lr=lr, momentum=mu), dict(lr=eta, momentum=mu, momentum_form="textbook")):
        w = Tensor(np.array([-4.0, 1.0]), requires_grad=True)
        opt = optim.SGD([w], **kw)
        for _ in range(20):
            w.grad = Tensor(w.data * np.array([1.0, 25.0]))
            opt.step()
        paths.append(w.data.copy())
    if lr < 0 or not np.allclose(paths[0], paths[1], rtol=1e-9, atol=1e-12):
        raise AssertionError(say(
            f"{name}: SGD(lr={lr:g}, momentum={mu}) ends at {paths[0]}, the textbook form at "
            f"{paths[1]} — the textbook damps each gradient by (1 − μ)",
            f"{name}: SGD(lr={lr:g}, momentum={mu}) の行き着く先は {paths[0]}、教科書の形では "
            f"{paths[1]} — 教科書は各勾配を (1 − μ) 倍に減衰させる",
        ))
    print(say(f"{name}: correct — SGD(lr={lr:g}, momentum={mu}) is the textbook form with "
              f"η = {eta}.",
              f"{name}: 正解 — SGD(lr={lr:g}, momentum={mu}) は η = {eta} の教科書の形である。"))


def check_valley_limits(curvature_ratio: float | None, width_ratio: float | None,
                        max_lr: float | None) -> None:
    """Exercise 3 (04a): for E = ½(w₁² + 25 w₂²): the curvature ratio λ_max/λ_min, the
    ratio of the contour ellipse's axes, and the largest η for which plain gradient
    descent does not diverge."""
    name = say("Exercise 3", "演習問題 3")
    if _unanswered(name, curvature_ratio, width_ratio, max_lr):
        return
    hess = np.diag([1.0, 25.0])
    lam = np.linalg.eigvalsh(hess)
    # the contour E = c is w₁²/(2c) + w₂²/(2c/25) = 1: semi-axes √(2c) and √(2c/25)
    axes = np.sqrt(2.0 / lam)
    wants = {("curvature ratio", "曲率の比"): lam.max() / lam.min(),
             ("axis ratio", "軸の比"): axes.max() / axes.min(),
             ("largest η", "最大の η"): 2 / lam.max()}
    for ((what, what_ja), want), got in zip(wants.items(), (curvature_ratio, width_ratio, max_lr)):
        if not np.isclose(_number(name, got), want, rtol=1e-9):
            raise AssertionError(say(f"{name}: the {what} is not {_number(name, got):g}",
                                     f"{name}: {what_ja}: {_number(name, got):g} は正しくない"))
    print(say(f"{name}: correct — curvature ratio 25, contours 5× narrower across, "
              "η < 2/25 = 0.08.",
              f"{name}: 正解 — 曲率の比は 25、等高線は谷を横切る方向に 5 倍細く、"
              "η < 2/25 = 0.08 である。"))


# ----------------------------------------------------------------------------- notebook 04b


def check_updates_per_epoch(N: int, batch_size: int, epochs: int,
                            updates: int | None) -> None:
    """Exercise 1 (04b): how many ``step()`` calls ``epochs`` epochs of mini-batch SGD make
    on ``N`` shuffled samples with batches of ``batch_size`` (the last batch may be short);
    checked by counting the batches of ``nn.data.DataLoader``."""
    name = say("Exercise 1", "演習問題 1")
    if _unanswered(name, updates):
        return
    from nn.data import DataLoader, TensorDataset

    loader = DataLoader(TensorDataset(np.arange(N, dtype=np.float64)[:, None]),
                        batch_size=batch_size, shuffle=True, generator=0)
    want = epochs * sum(1 for _ in loader)
    got = _number(name, updates)
    if np.isclose(got, epochs * N / batch_size) and not np.isclose(got, want):
        raise AssertionError(say(f"{name}: {N}/{batch_size} is not whole — the last, shorter "
                                 "batch is one more update",
                                 f"{name}: {N}/{batch_size} は割り切れない — 最後の短いバッチで"
                                 "もう 1 回更新される"))
    if not np.isclose(got, want):
        raise AssertionError(say(f"{name}: {got:g} — one epoch is ⌈N/|B|⌉ updates, and there "
                                 f"are {epochs} epochs",
                                 f"{name}: {got:g} — 1 エポックは ⌈N/|B|⌉ 回の更新であり、"
                                 f"エポックは {epochs} 回ある"))
    print(say(f"{name}: correct — {want} updates, each sample seen {epochs} times.",
              f"{name}: 正解 — 更新は {want} 回で、各サンプルは {epochs} 回ずつ使われる。"))


def check_clipped_gradient(grad: list[float], g0: float, clipped: list[float] | None) -> None:
    """Exercise 2 (04b): the gradient after ``nn.clip_grad_norm_(max_norm=g0)``; checked
    by running it."""
    name = say("Exercise 2", "演習問題 2")
    if _unanswered(name, clipped):
        return
    import nn
    from autograd import Tensor

    w = Tensor(np.zeros(len(grad)), requires_grad=True)
    w.grad = Tensor(np.array(grad, dtype=np.float64))
    nn.clip_grad_norm_([w], max_norm=g0)
    want = w.grad.data
    try:
        got = np.asarray(clipped, dtype=np.float64).reshape(want.shape)
    except (TypeError, ValueError):
        raise AssertionError(say(f"{name}: expected {len(grad)} numbers, got {clipped!r}",
                                 f"{name}: {len(grad)} 個の数を与えよ。与えられたのは {clipped!r}")
                             ) from None
    per_component = np.clip(grad, -g0, g0)
    if np.allclose(got, per_component, rtol=1e-6) and not np.allclose(got, want, rtol=1e-6):
        raise AssertionError(say(f"{name}: that clips each component; clipping by the norm "
                                 "keeps the direction and scales the whole vector by g0/‖∇E‖",
                                 f"{name}: それは成分ごとのクリッピングである。ノルムによる"
                                 "クリッピングは向きを保ち、ベクトル全体を g0/‖∇E‖ 倍する"))
    if not np.allclose(got, want, rtol=1e-6):
        raise AssertionError(say(f"{name}: {got} — if ‖∇E‖ ≥ g0, scale ∇E by g0/‖∇E‖",
                                 f"{name}: {got} — ‖∇E‖ ≥ g0 なら ∇E を g0/‖∇E‖ 倍する"))
    print(say(f"{name}: correct — {np.round(want, 4)} "
              f"(norm {np.linalg.norm(want):.4g}, same direction).",
              f"{name}: 正解 — {np.round(want, 4)} "
              f"(ノルム {np.linalg.norm(want):.4g}、向きは同じ)。"))


def check_linear_decay(eta0: float, eta_T: float, T: int, t: int, eta_t: float | None) -> None:
    """Exercise 3 (04b): η(t) of the linear decay (4.17), as corrected, for t ≤ T or t > T."""
    name = say("Exercise 3", "演習問題 3")
    if _unanswered(name, eta_t):
        return
    got = _number(name, eta_t)
    s = min(t, T) / T
    want = s * eta_T + (1 - s) * eta0
    slide = s * eta_T + (1 - s * eta0)
    if np.isclose(got, slide, rtol=1e-9) and not np.isclose(slide, want):
        raise AssertionError(say(
            f"{name}: that is the slide's misprint — η(0) belongs outside the bracket",
            f"{name}: それはスライドの誤植である — η(0) は括弧の外に掛ける",
        ))
    if not np.isclose(got, want, rtol=1e-9):
        raise AssertionError(say(
            f"{name}: {got:g} is not (t/T)·η_T + (1 − t/T)·η_0 (and η_T for t > T)",
            f"{name}: {got:g} は (t/T)·η_T + (1 − t/T)·η_0 ではない (t > T では η_T)",
        ))
    print(say(f"{name}: correct — η({t}) = {want:g}.", f"{name}: 正解 — η({t}) = {want:g}。"))


def check_init_variances(d_in: int, d_out: int, lecun: float | None, glorot: float | None,
                         he: float | None) -> None:
    """Exercise 4 (04b): Var[w] of LeCun, Glorot and He initialisation for a layer with
    ``d_in`` inputs and ``d_out`` outputs — the formulas, checked against ``nn.init`` (the
    variance of a large drawn matrix)."""
    name = say("Exercise 4", "演習問題 4")
    if _unanswered(name, lecun, glorot, he):
        return
    from autograd import Tensor
    from nn import init

    # the formula, and the library drawing it: the variance of a large matrix of that shape
    rules = {
        "LeCun": ("1/d_in", 1 / d_in, init.lecun_normal_),
        "Glorot": ("2/(d_in + d_out)", 2 / (d_in + d_out), init.xavier_normal_),
        "He": ("2/d_in", 2 / d_in, lambda t, rng: init.kaiming_normal_(t, nonlinearity="relu",
                                                                        rng=rng)),
    }
    wants = {}
    for (rule, (formula, want, fill)), got in zip(rules.items(), (lecun, glorot, he)):
        W = Tensor(np.empty((d_out, d_in)))
        fill(W, rng=0)
        assert np.isclose(W.data.var(), want, rtol=0.2), (rule, W.data.var(), want)
        if not np.isclose(_number(name, got), want, rtol=1e-9):
            raise AssertionError(say(f"{name}: {rule}: {_number(name, got):g} is not Var[w] = "
                                     f"{formula} = {want:.4g}",
                                     f"{name}: {rule}: {_number(name, got):g} は Var[w] = "
                                     f"{formula} = {want:.4g} ではない"))
        wants[rule] = want
    print(say(f"{name}: correct — LeCun {wants['LeCun']:.4g}, Glorot {wants['Glorot']:.4g}, "
              f"He {wants['He']:.4g}.",
              f"{name}: 正解 — LeCun {wants['LeCun']:.4g}、Glorot {wants['Glorot']:.4g}、"
              f"He {wants['He']:.4g}。"))


# ----------------------------------------------------------------------------- notebook 05


def check_bagging_variance(sigma: float, M: int, rho: float,
                           independent: float | None, correlated: float | None) -> None:
    """Exercise 1 (05): the variance of the mean of M errors of variance σ², independent
    and with pairwise correlation ρ (the (5.26) expansion with its 1/M²)."""
    name = say("Exercise 1", "演習問題 1")
    if _unanswered(name, independent, correlated):
        return
    cov = sigma**2 * (rho * np.ones((M, M)) + (1 - rho) * np.eye(M))
    want_c = cov.sum() / M**2                          # Var[(1/M) Σ e_m] = (1/M²) Σ_l Σ_m Cov
    want_i = sigma**2 / M
    got_i, got_c = _number(name, independent), _number(name, correlated)
    if not np.isclose(got_i, want_i, rtol=1e-9):
        raise AssertionError(say(f"{name}: independent: {got_i:g} is not σ²/M",
                                 f"{name}: 独立な場合: {got_i:g} は σ²/M ではない"))
    if not np.isclose(got_c, want_c, rtol=1e-9):
        raise AssertionError(say(
            f"{name}: correlated: {got_c:g} — expand (1/M²) Σ_l Σ_m Cov[e_l, e_m]: M diagonal "
            "terms σ² and M(M − 1) cross terms ρσ², all divided by M²",
            f"{name}: 相関がある場合: {got_c:g} — (1/M²) Σ_l Σ_m Cov[e_l, e_m] を展開せよ: "
            "対角項 σ² が M 個、交差項 ρσ² が M(M − 1) 個あり、すべてを M² で割る",
        ))
    print(say(f"{name}: correct — {want_i:g} independent, {want_c:g} with ρ = {rho}.",
              f"{name}: 正解 — 独立なら {want_i:g}、ρ = {rho} なら {want_c:g}。"))


def check_decay_factor(lr: float, lam: float, factor: float | None) -> None:
    """Exercise 2 (05): the factor by which ``SGD(lr, weight_decay=λ)`` multiplies a
    weight whose loss gradient is 0 — checked by running the optimizer."""
    name = say("Exercise 2", "演習問題 2")
    if _unanswered(name, factor):
        return
    from autograd import Tensor
    from nn import optim

    w = Tensor(np.array([3.0]), requires_grad=True)
    opt = optim.SGD([w], lr=lr, weight_decay=lam)
    w.grad = Tensor(np.zeros(1))
    opt.step()
    want = w.data[0] / 3.0
    if not np.isclose(_number(name, factor), want, rtol=1e-12):
        raise AssertionError(say(f"{name}: one step of weight decay alone is w ← w − η(λw)",
                                 f"{name}: 荷重減衰だけの一歩は w ← w − η(λw) である"))
    print(say(f"{name}: correct — each step multiplies the weight by 1 − ηλ = {want:g}.",
              f"{name}: 正解 — 一歩ごとに重みは 1 − ηλ = {want:g} 倍になる。"))


def check_dropout_scale(p: float, scale: float | None) -> None:
    """Exercise 3 (05): the factor inverted dropout applies to a kept unit in training."""
    name = say("Exercise 3", "演習問題 3")
    if _unanswered(name, scale):
        return
    from autograd import Tensor
    from nn import Dropout

    drop = Dropout(p, rng=0)
    drop.train()
    kept = drop(Tensor(np.ones(1000))).data
    want = kept[kept != 0][0]
    if not np.isclose(_number(name, scale), want, rtol=1e-12):
        raise AssertionError(say(
            f"{name}: the kept units must keep the expectation: (1 − p)·scale = 1",
            f"{name}: 残したユニットで期待値を保たなければならない: (1 − p)·scale = 1",
        ))
    print(say(f"{name}: correct — kept units are multiplied by 1/(1 − p) = {want:g}.",
              f"{name}: 正解 — 残したユニットは 1/(1 − p) = {want:g} 倍される。"))


def check_early_stopping(val_losses: list[float], patience: int,
                         best_epoch: int | None, stop_epoch: int | None) -> None:
    """Exercise 4 (05): the epoch whose weights early stopping keeps and the epoch after
    which it stops (epochs counted from 0; stop once ``patience`` epochs in a row have
    not improved on the best)."""
    name = say("Exercise 4", "演習問題 4")
    if _unanswered(name, best_epoch, stop_epoch):
        return
    best, want_best, want_stop = np.inf, None, None
    for epoch, loss in enumerate(val_losses):
        if loss < best:
            best, want_best = loss, epoch
        elif epoch - want_best >= patience:
            want_stop = epoch
            break
    if int(_number(name, best_epoch)) != want_best:
        raise AssertionError(say(
            f"{name}: the kept weights are those of the lowest validation loss",
            f"{name}: 残す重みは検証損失が最も小さいエポックのものである",
        ))
    if int(_number(name, stop_epoch)) != want_stop:
        raise AssertionError(say(
            f"{name}: it stops at the first epoch that is `patience` = {patience} epochs past "
            "the best one",
            f"{name}: 最良のエポックから `patience` = {patience} エポック後の最初のエポックで"
            "止まる",
        ))
    print(say(f"{name}: correct — keeps epoch {want_best}, stops after epoch {want_stop}.",
              f"{name}: 正解 — エポック {want_best} の重みを残し、エポック {want_stop} の後で"
              "止まる。"))
