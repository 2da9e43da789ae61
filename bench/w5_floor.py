"""How much of W5's gap to PyTorch is deltagrad's engine, and how much its NumPy LSTM.

Three contestants on the referee's W5 step (``nn.LSTM(32, 128)`` over 35 steps of 32
sequences, a Linear(128, 1) head on every step, MSE; forward and backward):

* ``kernels`` -- deltagrad's fused LSTM op alone: its forward and backward called
  directly (one ``LSTMCellOp``, no graph walk, no other op), the head and the loss
  written by hand in NumPy. What the step would cost if the engine were free;
* ``deltagrad`` -- deltagrad's ``nn`` step, through the referee's own adapter;
* ``torch`` -- ``torch.nn.LSTM``, through the referee's own adapter (two threads).

They run **one process each**, in alternating rounds (never two in one process: their
thread pools would share the cores), on the referee's data and initial weights
(``../shared/bench/harness.py``; ``REFEREE_DIR`` overrides)::

    .venv/bin/python bench/w5_floor.py               # 6 rounds, the table at the end
    .venv/bin/python bench/w5_floor.py --rounds 3
    .venv/bin/python bench/w5_floor.py --one kernels # one process: one JSON line

Each process warms up for 5 steps, then times 9 repetitions of 10 steps and reports
the median (ms per step). The table gives each contestant's median over the rounds and
the median of its per-round ratio to PyTorch. It measures; it is not a unit test.
"""

from __future__ import annotations

import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
REFEREE = Path(os.environ.get("REFEREE_DIR", ROOT.parent / "shared" / "bench"))
MODES = ("kernels", "deltagrad", "torch")


def kernels_step(x: np.ndarray, target: np.ndarray, init: dict) -> Callable[[], tuple]:
    """The W5 step with deltagrad's LSTM op run on its own.

    x (B, T, I) and target (B, T, 1) batch-first, ``init`` in PyTorch's layout (W_ih
    (4H, I), W_hh (4H, H), b_ih, b_hh (4H,), fc_W (H, 1) stored (in, out), fc_b (1,)).
    Returns ``step() -> (loss, grads)`` with grads = dL/dW_ih, dL/dW_hh, dL/db_ih,
    dL/db_hh, dL/dfc_W (1, H), dL/dfc_b as arrays.
    """
    if str(ROOT) not in sys.path:  # (run as a script; the tests have it already)
        sys.path.insert(0, str(ROOT))
    from autograd import Tensor, no_grad
    from nn.functional.recurrent import LSTMCellOp

    batch, steps, _ = x.shape
    hidden = init["W_hh"].shape[1]
    xs = Tensor._constant(np.ascontiguousarray(x.transpose(1, 0, 2)))  # (T, B, I)
    ts = np.ascontiguousarray(target.transpose(1, 0, 2)).reshape(-1, 1)  # (T B, 1)
    zeros = Tensor._constant(np.zeros((batch, hidden), x.dtype))
    weights = [Tensor(init[k].copy(), requires_grad=True) for k in ("W_ih", "W_hh", "b_ih", "b_hh")]
    fc_w = np.ascontiguousarray(init["fc_W"].T)  # (1, H), as nn.Linear stores it
    fc_b = init["fc_b"].copy()

    def step() -> tuple:
        packed = LSTMCellOp.apply(xs, zeros, zeros, *weights, bias=True)  # (T + 1, B, H)
        hs = packed._data[:steps].reshape(-1, hidden)  # h_1..h_T, (T B, H)
        diff = hs @ fc_w.T + fc_b - ts  # prediction - target, (T B, 1)
        loss = float(np.mean(diff * diff))
        g_pred = (2.0 / diff.size) * diff  # dL/dprediction
        g_packed = np.zeros(packed.shape, packed.dtype)  # dL/dc_T = 0
        g_packed[:steps] = (g_pred @ fc_w).reshape(steps, batch, hidden)
        with no_grad():  # the op's own backward, called directly: no graph walk
            grads = packed._fn.backward(Tensor._constant(g_packed))
        lstm_grads = [g._data for g in grads[3:7]]
        return loss, [*lstm_grads, g_pred.T @ hs, g_pred.sum(axis=0)]

    return step


def one(mode: str) -> dict:
    """Time the W5 step of ``mode`` in this process: median ms per step."""
    sys.path.insert(0, str(REFEREE))
    import harness  # the referee's data and weights

    x, target = harness.w5_data()
    init = harness.w5_init()
    sys.path.insert(0, str(REFEREE / "adapters"))
    if mode == "kernels":
        step = kernels_step(x, target, init)
    elif mode == "deltagrad":
        os.environ.setdefault("PROJECT_DIR", str(ROOT))
        import ours  # the referee's adapter: the step the referee times

        ours.load()
        step, _ = ours.w5_setup(x, target, init)
    else:
        import torch_peer

        torch_peer.load()  # (sets PyTorch's two threads, as the referee does)
        step, _ = torch_peer.w5_setup(x, target, init, variant="lstm")
    for _ in range(5):
        step()
    times = []
    for _ in range(9):
        start = time.perf_counter()
        for _ in range(10):
            step()
        times.append((time.perf_counter() - start) / 10)
    return {"mode": mode, "step_ms": 1e3 * statistics.median(times)}


def main() -> int:
    # (run as a script, this file's folder is sys.path[0]; importing rounds here and not
    # at the top keeps an import of this file -- the tests' -- from touching sys.path:
    # bench/ is not a package, and its module names must not shadow anyone else's)
    from rounds import alternate, arguments, print_table

    args = arguments(__doc__ or "", MODES, 6, one)
    if args is None:
        return 0
    rows = alternate(__file__, MODES, args.rounds, "step_ms")
    print_table(f"W5 step, ms (median of {args.rounds} rounds)", rows, "torch")
    return 0


if __name__ == "__main__":
    sys.exit(main())
