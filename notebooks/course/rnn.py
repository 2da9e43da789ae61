"""Helpers for the recurrent-network notebooks 07, 07b and 07c (CURRICULUM §8).

The plumbing the notebooks need but a learner does not come for: the BLAS thread setting,
stopwatch and cost-table printing for the RTRL/BPTT comparison, counting real words in
generated text, and the exercise checks. An exercise check accepts a right answer by a
property (it equals autograd's gradient, it matches the formula) and prints
"not answered yet" for ``None``, so the notebook still runs from top to bottom.

Every printed word comes in English and Japanese (``course.words.say``): the Japanese
notebooks (``notebooks/ja/``) call ``viz.set_language("ja")`` first.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from unicodedata import east_asian_width

import numpy as np

from course.words import say

__all__ = [
    "one_blas_thread",
    "stopwatch",
    "multiply_adds_per_step",
    "print_cost_table",
    "print_cost_by_size",
    "real_word_fraction",
    "check_last_delta",
    "check_rtrl_cost",
    "check_cell_gradient",
    "check_gru_update",
    "check_perplexity",
    "check_context_size",
]


# ----------------------------------------------------------------------------- plumbing


def one_blas_thread() -> int:
    """Limit NumPy's BLAS to one thread; return the number of thread pools limited.

    The matrices in these notebooks are small, so one thread is faster (and fair to other
    jobs on the machine). threadpoolctl can only limit a BLAS that is already loaded, which
    is why this imports NumPy first.
    """
    from threadpoolctl import threadpool_info, threadpool_limits

    threadpool_limits(1)
    pools = threadpool_info()
    if any(pool["num_threads"] != 1 for pool in pools):
        raise RuntimeError(f"one_blas_thread: could not limit every BLAS pool to 1: {pools}")
    return len(pools)


class _Elapsed:
    seconds: float = float("nan")

    def __format__(self, spec: str) -> str:
        return format(self.seconds, spec)


@contextmanager
def stopwatch() -> Iterator[_Elapsed]:
    """``with stopwatch() as clock: ...`` then ``clock.seconds`` (wall clock, perf_counter)."""
    clock = _Elapsed()
    start = time.perf_counter()
    try:
        yield clock
    finally:
        clock.seconds = time.perf_counter() - start


def multiply_adds_per_step(h: int, i: int = 1, o: int = 1) -> tuple[int, int]:
    """Multiply-adds per time step of RTRL's sensitivity update and of BPTT, hidden size ``h``.

    RTRL: W p^(t−1) multiplies the (H × H) matrix W by the (H × n) sensitivities, n = HI + H²
    + H recurrent weights — H multiply-adds for each of the H·n entries: H²·n ~ H⁴.
    BPTT: the forward product W z, the backward Wᵀδ, the outer product δ zᵀ (3H²), plus the
    input (2HI) and output (3HO) products.
    """
    n_recurrent = h * i + h * h + h
    return h * h * n_recurrent, 3 * h * h + 2 * h * i + 3 * h * o


def _right(text: str, width: int) -> str:
    # str.rjust counts characters; a kanji or kana takes two columns in a terminal or notebook.
    columns = sum(2 if east_asian_width(c) in "WF" else 1 for c in text)
    return " " * max(0, width - columns) + text


def print_cost_table(rows: list[dict[str, float]]) -> None:
    """Print ``nn.textbook.rtrl.cost_table``'s rows: time (ms), peak memory (kB), floats kept."""
    head = [("T", "T", 5), ("RTRL ms", "RTRL ms", 8), ("BPTT ms", "BPTT ms", 8),
            ("RTRL peak kB", "RTRL ピークkB", 13), ("BPTT peak kB", "BPTT ピークkB", 13),
            ("RTRL keeps", "RTRL 保持数", 11), ("BPTT keeps", "BPTT 保持数", 11)]
    print(" ".join(_right(say(en, ja), width) for en, ja, width in head))
    for r in rows:
        print(f"{r['T']:>5} {1e3 * r['rtrl_seconds']:>8.2f} {1e3 * r['bptt_seconds']:>8.2f} "
              f"{r['rtrl_peak_bytes'] / 1e3:>13.1f} {r['bptt_peak_bytes'] / 1e3:>13.1f} "
              f"{r['rtrl_state_floats']:>11} {r['bptt_state_floats']:>11}")


def print_cost_by_size(sizes: Iterable[int], rows: list[dict[str, float]], steps: int) -> None:
    """Print µs per step of RTRL and BPTT beside their multiply-add counts, one line per H."""
    for h, r in zip(sizes, rows):
        rtrl_count, bptt_count = multiply_adds_per_step(h)
        per_step = say("µs/step", "µs/ステップ")
        print(f"H = {h:>2}: RTRL {1e6 * r['rtrl_seconds'] / steps:7.1f} {per_step}, "
              f"BPTT {1e6 * r['bptt_seconds'] / steps:5.1f} {per_step} "
              f"(x{r['rtrl_seconds'] / r['bptt_seconds']:4.1f});  "
              + say("multiply-adds per step", "1 ステップあたりの積和演算")
              + f" {rtrl_count:>9,} vs {bptt_count:>5,} (x{rtrl_count / bptt_count:.0f})")


_WORD = re.compile(r"[A-Za-z']+")


def real_word_fraction(generated: str, corpus: str) -> float:
    """Fraction of the words of ``generated`` (runs of letters and ') that occur in ``corpus``."""
    known = set(_WORD.findall(corpus))
    words = _WORD.findall(generated)
    return float(np.mean([w in known for w in words])) if words else 0.0


# ----------------------------------------------------------------------------- exercise checks


def _exercise(number: int) -> str:
    return say(f"Exercise {number}", f"演習問題 {number}")


def _unanswered(number: int, answer: object) -> bool:
    if answer is None:
        print(say(f"{_exercise(number)}: not answered yet — replace None with your answer and "
                  "run the cell again.",
                  f"{_exercise(number)}: まだ解答されていない — None を自分の答えに置き換えて、"
                  "セルをもう一度実行せよ。"))
        return True
    return False


def _close(number: int, answer: object, want: np.ndarray, hint: tuple[str, str]) -> None:
    """Accept ``answer`` if it is ``want`` to rounding; ``hint`` = (English, Japanese)."""
    name = _exercise(number)
    got = np.asarray(answer, dtype=np.float64)
    if got.shape != np.shape(want):
        raise AssertionError(say(f"{name}: expected shape {np.shape(want)}, got {got.shape}",
                                 f"{name}: 形は {np.shape(want)} のはずだが、{got.shape} である"))
    if not np.allclose(got, want, rtol=1e-8, atol=1e-12):
        raise AssertionError(say(f"{name}: not right — {hint[0]}",
                                 f"{name}: 正しくない — {hint[1]}"))
    print(say(f"{name}: correct.", f"{name}: 正解。"))


def check_last_delta(P: dict, xs: np.ndarray, ds: np.ndarray, delta: object) -> None:
    """07 exercise 1: δ^T of the Elman net, checked against autograd's ∂E/∂u^T."""
    if _unanswered(1, delta):
        return
    from autograd import Tensor, grad, stack

    params = {k: Tensor(np.asarray(v, dtype=np.float64), requires_grad=True) for k, v in P.items()}
    z = Tensor(np.zeros(len(P["b"])))
    errors, u = [], None
    for x, d in zip(xs, ds):
        u = params["W_in"] @ Tensor(x) + params["W"] @ z + params["b"]
        z = u.tanh()
        errors.append(0.5 * ((params["W_out"] @ z - Tensor(d)) ** 2).sum())
    (want,) = grad(stack(errors).sum(), [u])
    _close(1, delta, want.data,
           ("at t = T there is no δ^(T+1): δ^T = (W_outᵀ (v^T − d^T)) ⊙ (1 − (z^T)²)",
            "t = T には δ^(T+1) がない: δ^T = (W_outᵀ (v^T − d^T)) ⊙ (1 − (z^T)²)"))


def check_rtrl_cost(h: int, i: int, answer: object) -> None:
    """07 exercise 2: multiply-adds of RTRL's W p^(t−1) for the weight W alone (H³ entries)."""
    if _unanswered(2, answer):
        return
    want = h * h**3             # H multiply-adds for each of p_W's H·H² = H³ entries
    if int(answer) != want:
        raise AssertionError(say(
            f"Exercise 2: {answer} is not it — p_W has H·H² = {h ** 3} entries and each entry "
            "of W p_W is a sum over H products",
            f"演習問題 2: {answer} ではない — p_W の成分は H·H² = {h ** 3} 個あり、"
            "W p_W の各成分は H 個の積の和である"))
    print(say(f"Exercise 2: correct — H⁴ = {want:,} multiply-adds for W alone "
              f"(I = {i} plays no part).",
              f"演習問題 2: 正解 — W だけで H⁴ = {want:,} 回の積和演算 (I = {i} は関係しない)。"))


def check_cell_gradient(g_F: np.ndarray, answer: object) -> None:
    """07b exercise 1: ∂s^T/∂s^0 along one unit's cell with the gates fixed: Π_t g_F^t."""
    if _unanswered(1, answer):
        return
    _close(1, answer, np.prod(np.asarray(g_F, dtype=np.float64), axis=0),
           ("each step multiplies by diag(g_F^t), so over T steps it is the product of the gates",
            "各ステップで diag(g_F^t) が掛かるので、T ステップではゲートの値の積になる"))


def check_gru_update(h_prev: np.ndarray, h_tilde: np.ndarray, z: np.ndarray,
                     answer: object) -> None:
    """07b exercise 2: the GRU state h^t = z ⊙ h^(t−1) + (1 − z) ⊙ h̃^t."""
    if _unanswered(2, answer):
        return
    z = np.asarray(z, dtype=np.float64)
    _close(2, answer, z * h_prev + (1 - z) * h_tilde,
           ("the update gate z keeps the old state, 1 − z lets the candidate in",
            "更新ゲート z が古い状態を残し、1 − z が候補を入れる"))


def check_perplexity(loss_nats: float, answer: object) -> None:
    """07c exercise 1: perplexity = e^(cross-entropy in nats)."""
    if _unanswered(1, answer):
        return
    _close(1, answer, np.exp(loss_nats),
           ("the perplexity is exp of the mean cross-entropy (in nats): the effective "
            "number of equally likely next characters",
            "パープレキシティは平均交差エントロピー (ナット単位) の exp であり、実質的に"
            "等しい確率で選ばれる次の文字の数である"))


def check_context_size(model: object, answer: object) -> None:
    """07c exercise 2: the number of floats in one string's context (the encoder's final state)."""
    if _unanswered(2, answer):
        return
    import numpy as _np

    from autograd import no_grad

    with no_grad():
        context = model.encode(_np.zeros((1, 5), dtype=_np.int64))
    want = int(context.data.size)
    if int(answer) != want:
        raise AssertionError(say(
            f"Exercise 2: {answer} is not it — count num_layers × hidden_size",
            f"演習問題 2: {answer} ではない — num_layers × hidden_size を数えよ"))
    print(say(f"Exercise 2: correct — {want} numbers, whatever the length of the string.",
              f"演習問題 2: 正解 — 文字列の長さによらず {want} 個の数。"))
