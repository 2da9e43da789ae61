"""Where W3's gap goes: the weight layout, deltagrad's op kernels, and its engine.

Four contestants take the referee's W3 step (784-256-256-10 ReLU MLP, softmax
cross-entropy, plain SGD):

* ``in_out`` -- the hand-written step with its weights stored (in, out), ``x @ W``: the
  referee's floor;
* ``out_in`` -- the same step with the weights stored (out, in), ``x @ W.T``: PyTorch's
  layout and deltagrad's;
* ``ops`` -- deltagrad's own ops (``LinearOp``, ``ReLU``, ``CrossEntropyOp``) with their
  ``forward`` and ``backward`` called one after the other by hand: the kernels without
  the engine (no graph recorded or walked, no Module, no optimizer object);
* ``deltagrad`` -- deltagrad's ``nn`` step, through the referee's own adapter.

So out_in / in_out is the layout's share, ops / out_in the kernels' (their extra passes
and per-call Python), and deltagrad / ops the engine's. They run **one process each**,
in alternating rounds (never two in one process: their BLAS threads would share the
cores), on the referee's data, initial weights and batches
(``../shared/bench/harness.py``; ``REFEREE_DIR`` overrides)::

    .venv/bin/python bench/w3_layout.py               # 8 rounds, the table at the end
    .venv/bin/python bench/w3_layout.py --rounds 4
    OPENBLAS_NUM_THREADS=1 .venv/bin/python bench/w3_layout.py
    .venv/bin/python bench/w3_layout.py --one out_in  # one process: one JSON line

Each process trains 7 epochs and reports the median of epochs 2-7 (ms per epoch). The
table gives each contestant's median over the rounds and the median of its per-round
ratio to the (in, out) step. It measures; it is not a unit test.
"""

from __future__ import annotations

import os
import statistics
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
REFEREE = Path(os.environ.get("REFEREE_DIR", ROOT.parent / "shared" / "bench"))
MODES = ("in_out", "out_in", "ops", "deltagrad")
EPOCHS = 7


def hand_written_step(params: list, layout: str, lr: float):
    """The 784-256-256-10 MLP step by hand: softmax cross-entropy, plain SGD.

    ``params`` = [W1, b1, W2, b2, W3, b3] with each W stored (in, out) or (out, in).
    """
    out_in = layout == "out_in"

    def affine(a, w, b):  # a W + b, whichever way W is stored
        return (a @ w.T if out_in else a @ w) + b

    def back_through(d, w):  # dL/da = d W^T in (in, out) terms
        return d @ w if out_in else d @ w.T

    def weight_grad(a, d):  # dL/dW = a^T d, stored like W
        return d.T @ a if out_in else a.T @ d

    def step(xb, yb):
        w1, b1, w2, b2, w3, b3 = params
        n = len(xb)
        z1 = affine(xb, w1, b1)
        h1 = np.maximum(z1, 0)
        z2 = affine(h1, w2, b2)
        h2 = np.maximum(z2, 0)
        logits = affine(h2, w3, b3)
        # softmax cross-entropy: L = mean(log sum exp(z) - z_y); dL/dz = (softmax - onehot)/n
        shifted = logits - logits.max(axis=1, keepdims=True)
        exps = np.exp(shifted)
        sums = exps.sum(axis=1, keepdims=True)
        picked = np.arange(n)
        loss = float(np.mean(np.log(sums[:, 0]) - shifted[picked, yb]))
        d3 = exps / sums
        d3[picked, yb] -= 1.0
        d3 /= n
        d2 = back_through(d3, w3) * (z2 > 0)
        d1 = back_through(d2, w2) * (z1 > 0)
        grads = (
            weight_grad(xb, d1), d1.sum(0),
            weight_grad(h1, d2), d2.sum(0),
            weight_grad(h2, d3), d3.sum(0),
        )  # fmt: skip
        for p, g in zip(params, grads):
            p -= lr * g
        return loss

    return step


def ops_step(params: list, lr: float):
    """The same step from deltagrad's op kernels, called by hand.

    ``params`` = [W1, b1, W2, b2, W3, b3], each W stored (out, in) as ``nn.Linear`` keeps
    it. Each op object gets its inputs and ``needs_input_grad`` as ``Function.apply``
    would give them, then its ``forward`` on arrays and, with recording off, its
    ``backward`` -- the code deltagrad's own step runs, minus the engine around it.
    """
    if str(ROOT) not in sys.path:  # (run as a script; the tests have it already)
        sys.path.insert(0, str(ROOT))
    from autograd import Tensor, no_grad
    from autograd.ops.elementwise import ReLU
    from nn.functional.linear import LinearOp
    from nn.functional.loss import CrossEntropyOp

    def op(cls: type, *arrays: np.ndarray, needs: tuple) -> object:
        fn = object.__new__(cls)
        fn.inputs = tuple(Tensor._constant(a) for a in arrays)
        fn.needs_input_grad = needs
        fn._stamp = 0
        return fn

    def step(xb, yb):
        w1, b1, w2, b2, w3, b3 = params
        first = op(LinearOp, xb, w1, b1, needs=(False, True, True))  # x needs no gradient
        z1 = first.forward(xb, w1, b1)
        relu1 = op(ReLU, z1, needs=(True,))
        h1 = relu1.forward(z1)
        second = op(LinearOp, h1, w2, b2, needs=(True, True, True))
        z2 = second.forward(h1, w2, b2)
        relu2 = op(ReLU, z2, needs=(True,))
        h2 = relu2.forward(z2)
        third = op(LinearOp, h2, w3, b3, needs=(True, True, True))
        logits = third.forward(h2, w3, b3)
        loss_op = op(CrossEntropyOp, logits, needs=(True,))
        loss = float(loss_op.forward(logits, indices=yb, in_range=True))
        with no_grad():
            g = loss_op.backward(Tensor._constant(np.ones((), logits.dtype)))
            g, g_w3, g_b3 = third.backward(g)
            g, g_w2, g_b2 = second.backward(relu2.backward(g))
            _, g_w1, g_b1 = first.backward(relu1.backward(g))
        for p, g in zip(params, (g_w1, g_b1, g_w2, g_b2, g_w3, g_b3)):
            p -= lr * g._data
        return loss

    return step


def one(mode: str) -> dict:
    """Train EPOCHS epochs in this process; the median epoch time after the first."""
    sys.path.insert(0, str(REFEREE))
    import harness  # the referee's data, weights and batches

    x, y = harness.w3_data()
    init = harness.w3_init()  # W stored (in, out)
    lr = harness.W3_LR
    if mode == "deltagrad":
        os.environ.setdefault("PROJECT_DIR", str(ROOT))
        sys.path.insert(0, str(REFEREE / "adapters"))
        import ours  # the referee's adapter: the step the referee times

        ours.load()
        step, _ = ours.w3_setup(x, y, init, lr)
    else:
        params = []
        for w, b in init:
            params += [w.copy() if mode == "in_out" else np.ascontiguousarray(w.T), b.copy()]
        step = ops_step(params, lr) if mode == "ops" else hand_written_step(params, mode, lr)
    times = []
    for _ in range(EPOCHS):
        start = time.perf_counter()
        for lo, hi in harness.w3_batches():
            step(x[lo:hi], y[lo:hi])
        times.append(time.perf_counter() - start)
    return {"mode": mode, "epoch_ms": 1e3 * statistics.median(times[1:])}


def main() -> int:
    # (run as a script, this file's folder is sys.path[0]; importing rounds here and not
    # at the top keeps an import of this file -- the tests' -- from touching sys.path:
    # bench/ is not a package, and its module names must not shadow anyone else's)
    from rounds import alternate, arguments, print_table, ratio_summary

    args = arguments(__doc__ or "", MODES, 8, one)
    if args is None:
        return 0
    rows = alternate(__file__, MODES, args.rounds, "epoch_ms")
    threads = os.environ.get("OPENBLAS_NUM_THREADS", "default")
    title = f"W3 epoch, ms (median of {args.rounds} rounds; OPENBLAS_NUM_THREADS={threads})"
    print_table(title, rows, "in_out")
    print("each step of the way, per-round ratio, median (range):")
    for share, (mode, base) in zip(("layout", "kernels", "engine"), zip(MODES[1:], MODES[:-1])):
        print(f"  {share:8s} {mode} / {base}: {ratio_summary(rows[mode], rows[base])}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
