"""Recurrent benchmark: one forward + backward step of a 1-layer LSTM language-model-like
network.

Batch 32, sequence 35, input 32, hidden 128, float32; a Linear(128 -> 128) head on
every step and softmax cross-entropy over 128 classes, summed over the steps (the
mean over the batch at each step, added up over time). Timed for

* deltagrad ``nn.LSTM`` (fused recurrence: one node per layer and direction),
* deltagrad ``nn.LSTMCell`` in a Python loop over the steps (one fused node per step),
* deltagrad ``nn.LSTM(fused=False)`` (the textbook cell unrolled with Tensor ops),
* DeZero 0.0.13 ``dezero.layers.LSTM`` (its per-step API; bench-only peer),
* PyTorch ``nn.LSTM`` and an ``nn.LSTMCell`` loop, CPU (when installed).

Threads: PyTorch gets ``torch.set_num_threads(N)`` and NumPy's BLAS the same N through
threadpoolctl when that is installed (``--threads``, default 2).

Every contestant starts from the same weights and sees the same data; the losses are
printed so you can see they compute the same thing. Contestants run interleaved in
one process and each reports its best run, so ratios compare like with like on a
noisy machine.

Run: ``.venv/bin/python bench/rnn.py [--repeats 10] [--threads 2] [--skip-slow]``
"""

from __future__ import annotations

import argparse
import contextlib
import platform
import sys
from collections.abc import Callable
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from peers import import_dezero  # noqa: E402  (bench/peers.py, beside this script)
from timing import best_times  # noqa: E402  (bench/timing.py, beside this script)

import nn.functional as F  # noqa: E402
from autograd import Tensor  # noqa: E402
from nn.layers.linear import Linear  # noqa: E402
from nn.layers.rnn import LSTM  # noqa: E402
from nn.layers.rnn_cells import LSTMCell  # noqa: E402

T, B, I, H, C = 35, 32, 32, 128, 128
THREADS = 2

Step = Callable[[], float]


def make_data() -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    return rng.standard_normal((T, B, I)).astype(np.float32), rng.integers(0, C, (T, B))


def initial_weights() -> dict[str, np.ndarray]:
    """PyTorch-named weights shared by every contestant (LSTM: i, f, g, o row blocks)."""
    lstm = LSTM(I, H, rng=1)
    head = Linear(H, C, rng=2)
    weights = dict(lstm.state_dict())
    weights.update({f"head.{k}": v for k, v in head.state_dict().items()})
    return weights


def _lstm_part(weights: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    return {k: v for k, v in weights.items() if not k.startswith("head.")}


# ---------------------------------------------------------------- contestants
def deltagrad_lstm(X: np.ndarray, Y: np.ndarray, weights: dict, fused: bool = True) -> Step:
    lstm, head = LSTM(I, H, fused=fused), Linear(H, C)
    lstm.load_state_dict(_lstm_part(weights))
    head.weight.data, head.bias.data = weights["head.weight"], weights["head.bias"]
    params = [*lstm.parameters(), *head.parameters()]
    x, targets = Tensor(X), Y.reshape(-1)

    def run() -> float:
        for p in params:
            p.grad = None
        out, _ = lstm(x)  # (T, B, H)
        logits = head(out).reshape(T * B, C)  # the head on every step, as one product
        loss = F.cross_entropy(logits, targets) * float(T)  # = sum over steps of the means
        loss.backward()
        return loss.item()

    return run


def deltagrad_cell_loop(X: np.ndarray, Y: np.ndarray, weights: dict) -> Step:
    cell, head = LSTMCell(I, H), Linear(H, C)
    cell.load_state_dict({k.removesuffix("_l0"): v for k, v in _lstm_part(weights).items()})
    head.weight.data, head.bias.data = weights["head.weight"], weights["head.bias"]
    params = [*cell.parameters(), *head.parameters()]
    from autograd import stack

    def run() -> float:
        for p in params:
            p.grad = None
        state, outputs = None, []
        for t in range(T):
            state = cell(Tensor(X[t]), state)
            outputs.append(state[0])
        logits = head(stack(outputs)).reshape(T * B, C)
        loss = F.cross_entropy(logits, Y.reshape(-1)) * float(T)
        loss.backward()
        return loss.item()

    return run


def dezero_lstm(X: np.ndarray, Y: np.ndarray, weights: dict) -> Step | None:
    peers = import_dezero()
    if peers is None:
        return None
    _, DF, DL = peers

    lstm, head = DL.LSTM(H, in_size=I), DL.Linear(C, in_size=H)
    # DeZero keeps one Linear per gate, W stored (in, out); its u gate is PyTorch's g.
    w_ih, w_hh = weights["weight_ih_l0"], weights["weight_hh_l0"]
    bias = weights["bias_ih_l0"] + weights["bias_hh_l0"]
    for k, gate in enumerate("ifuo"):
        rows = slice(k * H, (k + 1) * H)
        getattr(lstm, f"x2{gate}").W.data = w_ih[rows].T.copy()
        getattr(lstm, f"x2{gate}").b.data = bias[rows].copy()
        getattr(lstm, f"h2{gate}").W.data = w_hh[rows].T.copy()
    head.W.data = weights["head.weight"].T.copy()
    head.b.data = weights["head.bias"].copy()
    layers = (lstm, head)

    def run() -> float:
        for layer in layers:
            layer.cleargrads()
        lstm.reset_state()
        loss = 0
        for t in range(T):
            loss = loss + DF.softmax_cross_entropy(head(lstm(X[t])), Y[t])
        loss.backward()
        return float(loss.data)

    return run


def _torch() -> object | None:
    try:
        import torch
    except ImportError:
        return None
    torch.set_num_threads(THREADS)
    return torch


def _torch_modules(torch: object, weights: dict, cell: bool) -> tuple:
    nn_ = torch.nn  # type: ignore[attr-defined]
    rnn = nn_.LSTMCell(I, H) if cell else nn_.LSTM(I, H)
    state = {k.removesuffix("_l0") if cell else k: torch.from_numpy(v)  # type: ignore[attr-defined]
             for k, v in _lstm_part(weights).items()}
    rnn.load_state_dict(state)
    head = nn_.Linear(H, C)
    head.load_state_dict({"weight": torch.from_numpy(weights["head.weight"]),  # type: ignore[attr-defined]
                          "bias": torch.from_numpy(weights["head.bias"])})  # type: ignore[attr-defined]
    return rnn, head


def torch_lstm(X: np.ndarray, Y: np.ndarray, weights: dict) -> Step | None:
    torch = _torch()
    if torch is None:
        return None
    lstm, head = _torch_modules(torch, weights, cell=False)
    params = [*lstm.parameters(), *head.parameters()]
    x, y = torch.from_numpy(X), torch.from_numpy(Y.reshape(-1))  # type: ignore[attr-defined]
    ce = torch.nn.functional.cross_entropy  # type: ignore[attr-defined]

    def run() -> float:
        for p in params:
            p.grad = None
        out, _ = lstm(x)
        loss = ce(head(out).reshape(T * B, C), y) * T
        loss.backward()
        return loss.item()

    return run


def torch_cell_loop(X: np.ndarray, Y: np.ndarray, weights: dict) -> Step | None:
    torch = _torch()
    if torch is None:
        return None
    cell, head = _torch_modules(torch, weights, cell=True)
    params = [*cell.parameters(), *head.parameters()]
    x, y = torch.from_numpy(X), torch.from_numpy(Y.reshape(-1))  # type: ignore[attr-defined]
    ce = torch.nn.functional.cross_entropy  # type: ignore[attr-defined]

    def run() -> float:
        for p in params:
            p.grad = None
        state, outputs = None, []
        for t in range(T):
            state = cell(x[t], state)
            outputs.append(state[0])
        loss = ce(head(torch.stack(outputs)).reshape(T * B, C), y) * T  # type: ignore[attr-defined]
        loss.backward()
        return loss.item()

    return run


# ---------------------------------------------------------------- timing

def blas_threads(n: int) -> contextlib.AbstractContextManager:
    """Limit NumPy's BLAS to n threads (a no-op without threadpoolctl)."""
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:
        print("  (threadpoolctl not installed: NumPy's BLAS keeps its default thread count)")
        return contextlib.nullcontext()
    return threadpool_limits(limits=n, user_api="blas")


def main() -> None:
    global THREADS
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=10)
    parser.add_argument("--threads", type=int, default=2,
                        help="threads for PyTorch and for NumPy's BLAS (default 2)")
    parser.add_argument("--skip-slow", action="store_true",
                        help="leave out the unrolled reference and DeZero")
    args = parser.parse_args()
    THREADS = args.threads
    with blas_threads(args.threads):
        run(args)


def run(args: argparse.Namespace) -> None:
    print(f"Python {platform.python_version()}, NumPy {np.__version__}, {platform.machine()}")
    X, Y = make_data()
    weights = initial_weights()
    contestants: list[tuple[str, Step | None]] = [
        ("deltagrad nn.LSTM (fused)", deltagrad_lstm(X, Y, weights)),
        ("deltagrad nn.LSTMCell loop", deltagrad_cell_loop(X, Y, weights)),
        ("PyTorch nn.LSTM", torch_lstm(X, Y, weights)),
        ("PyTorch nn.LSTMCell loop", torch_cell_loop(X, Y, weights)),
    ]
    if not args.skip_slow:
        contestants += [
            ("deltagrad nn.LSTM(fused=False)", deltagrad_lstm(X, Y, weights, fused=False)),
            ("DeZero 0.0.13 LSTM loop", dezero_lstm(X, Y, weights)),
        ]
    for name, fn in contestants:
        if fn is None:
            print(f"  ({name}: not available, skipped)")
    results, losses = best_times({n: fn for n, fn in contestants if fn is not None},
                                 args.repeats)

    ours = results["deltagrad nn.LSTM (fused)"]
    reference = results.get("PyTorch nn.LSTMCell loop")
    print(f"\nForward + backward: LSTM {I}->{H}, batch {B}, {T} steps, Linear({H}->{C}) head "
          f"and cross-entropy on every step, float32, {args.threads} thread(s), best of "
          f"{args.repeats}\n")
    print("| contestant | ms / step | vs deltagrad nn.LSTM | vs PyTorch LSTMCell loop | loss |")
    print("|---|---:|---:|---:|---:|")
    for name, seconds in results.items():
        vs_cell = f"{seconds / reference:.2f}x" if reference else "-"
        print(f"| {name} | {seconds * 1e3:.2f} | {seconds / ours:.2f}x | {vs_cell} | "
              f"{losses[name]:.4f} |")


if __name__ == "__main__":
    main()
