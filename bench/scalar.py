"""Benchmark of the scalar engine (``autograd.Value``), printed as markdown tables.

Run with ``.venv/bin/python bench/scalar.py`` (about a minute).

1. One training step of micrograd's demo -- forward over 100 two-moons points through a
   2-16-16-1 ReLU MLP, SVM max-margin loss + L2, backward, SGD update -- for

   * deltagrad's ``nn.scalar.MLP``,
   * micrograd's ``micrograd.nn.MLP`` (skipped if micrograd is not installed),
   * the *floor*: the same network and loss with forward and backward written by hand
     on lists of Python floats -- no graph at all, the least a pure-Python
     implementation can do.

   All three start from the same weights and must compute the same loss, so they do
   the same arithmetic; the table reports the median time per step.

2. A deep chain ``y = y * c`` repeated N times (build + backward), checking
   ``x.grad = c**N`` against the closed form, for N = 10^4, 10^5, 10^6: time per node
   stays flat if the engine is linear (and backward must not recurse).

The garbage collector keeps its default settings for every contestant: collecting
micrograd's reference cycles (each node's closure refers to its output) is part of
what it costs to use it.
"""

from __future__ import annotations

import gc
import importlib.metadata
import math
import os
import platform
import random
import statistics
import sys
import time
from collections.abc import Callable

import numpy as np

from autograd import Value
from nn.datasets import make_moons
from nn.scalar import MLP

SEED = 1337
N_SAMPLES = 100
ALPHA = 1e-4  # L2 strength, as in micrograd's demo
LR = 0.05  # small and fixed: the step's cost must not depend on where training is
SIZES = (2, 16, 16, 1)

Weights = list[list[list[float]]]  # [layer][neuron][input]
Biases = list[list[float]]  # [layer][neuron]


# ---------------------------------------------------------------------------- workload
def load_data() -> tuple[list[list[float]], list[float]]:
    """100 two-moons points (noise 0.1) as Python floats, labels in {-1, +1}."""
    X, y = make_moons(N_SAMPLES, noise=0.1, random_state=SEED)
    return X.tolist(), [2.0 * float(t) - 1.0 for t in y]


def graph_step(model, params: list, inputs: list, targets: list[float]) -> float:
    """One step for any micrograd-style engine (deltagrad and micrograd run this code).

    The graph is built, used and dropped inside this call, so freeing it is timed too.
    """
    scores = [model(x) for x in inputs]
    losses = [(1.0 - y * s).relu() for y, s in zip(targets, scores)]
    loss = sum(losses) * (1.0 / len(losses)) + ALPHA * sum(p * p for p in params)
    for p in params:
        p.grad = 0.0
    loss.backward()
    for p in params:
        p.data -= LR * p.grad
    return loss.data


def floor_step(W: Weights, B: Biases, inputs: list[list[float]], targets: list[float]) -> float:
    """The same step by hand: forward, backprop of the deltas, SGD, all on floats.

    Forward per layer ``u_j = b_j + sum_i w_ji a_i``, ``a = relu(u)`` (linear output s).
    Backward: ``dL/ds = -y/N`` where the margin ``1 - y s`` is positive (else 0), then
    ``delta_prev_i = relu'(u_i) * sum_j w_ji delta_j``, ``dL/dw_ji = delta_j a_i``.
    The operations run in the same order as in the graph engines, so the loss matches.
    """
    n = len(inputs)
    last = len(W) - 1
    gW = [[[0.0] * len(row) for row in Wl] for Wl in W]
    gB = [[0.0] * len(Bl) for Bl in B]
    data_loss = 0.0
    for x, y in zip(inputs, targets):
        acts = [x]  # the input of each layer
        pres = []  # pre-activations, for relu'
        a = x
        for layer, (Wl, Bl) in enumerate(zip(W, B)):
            u = []
            for row, b in zip(Wl, Bl):
                s = b
                for w, ai in zip(row, a):
                    s = s + w * ai
                u.append(s)
            pres.append(u)
            a = u if layer == last else [v if v > 0.0 else 0.0 for v in u]
            acts.append(a)
        margin = 1.0 - y * a[0]
        data_loss = data_loss + (margin if margin > 0.0 else 0.0)
        delta = [-y / n if margin > 0.0 else 0.0]
        for layer in range(last, -1, -1):
            Wl, a_in = W[layer], acts[layer]
            for j, d in enumerate(delta):
                gB[layer][j] += d
                grow = gW[layer][j]
                for i, ai in enumerate(a_in):
                    grow[i] += d * ai
            if layer:
                u_prev = pres[layer - 1]
                delta = [
                    sum(Wl[j][i] * d for j, d in enumerate(delta)) if u_prev[i] > 0.0 else 0.0
                    for i in range(len(u_prev))
                ]
    reg = 0.0
    for Wl, Bl in zip(W, B):  # parameter order: each neuron's w..., then b
        for row, b in zip(Wl, Bl):
            for w in row:
                reg = reg + w * w
            reg = reg + b * b
    # d(alpha sum p^2)/dp = 2 alpha p, then SGD
    for Wl, Bl, gWl, gBl in zip(W, B, gW, gB):
        for j, row in enumerate(Wl):
            grow = gWl[j]
            for i, w in enumerate(row):
                row[i] = w - LR * (grow[i] + 2.0 * ALPHA * w)
            Bl[j] -= LR * (gBl[j] + 2.0 * ALPHA * Bl[j])
    return data_loss * (1.0 / n) + ALPHA * reg


def floor_weights(model: MLP) -> tuple[Weights, Biases]:
    """Copy a deltagrad MLP's weights into nested float lists."""
    W = [[[w.data for w in nrn.w] for nrn in layer.neurons] for layer in model.layers]
    B = [[nrn.b.data for nrn in layer.neurons] for layer in model.layers]
    return W, B


def micrograd_model(model: MLP):
    """micrograd's MLP with deltagrad's initial weights (same parameter order)."""
    from micrograd.nn import MLP as MicroMLP

    twin = MicroMLP(SIZES[0], list(SIZES[1:]))
    theirs, ours = twin.parameters(), model.parameters()
    if len(theirs) != len(ours):
        raise RuntimeError("micrograd's MLP has a different number of parameters")
    for p, q in zip(theirs, ours):
        p.data = q.data
    return twin


# ---------------------------------------------------------------------------- timing
def median_ms(step: Callable[[], float], repeats: int) -> tuple[float, list[float]]:
    """Median wall time of ``step()`` in ms over ``repeats`` timed calls (after a warm-up).

    Returns the median and the loss of every call (warm-up included).
    """
    gc.collect()  # start clean: don't charge a contestant for the previous one's garbage
    losses = [step()]
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        losses.append(step())
        times.append(time.perf_counter() - t0)
    return 1e3 * statistics.median(times), losses


def training_table() -> None:
    inputs, targets = load_data()
    model = MLP(SIZES[0], list(SIZES[1:]), seed=SEED)
    # Snapshot the start so every contestant trains from the same weights.
    W, B = floor_weights(model)
    try:
        twin = micrograd_model(model)
    except ImportError:
        twin = None
    micro_version = _version("micrograd")

    # Timed steps per contestant: fewer for the slow one, enough for a stable median.
    repeats = {"floor": 51, "deltagrad": 21, "micrograd": 7}
    params = model.parameters()
    ours_ms, ours_losses = median_ms(
        lambda: graph_step(model, params, inputs, targets), repeats["deltagrad"]
    )
    floor_ms, floor_losses = median_ms(lambda: floor_step(W, B, inputs, targets), repeats["floor"])
    rows = [
        ("floor: hand-written backprop on Python floats", floor_ms, repeats["floor"]),
        ("deltagrad `nn.scalar.MLP`", ours_ms, repeats["deltagrad"]),
    ]
    checks = [("floor", floor_losses)]
    if twin is not None:
        micro_params = twin.parameters()
        micro_ms, micro_losses = median_ms(
            lambda: graph_step(twin, micro_params, inputs, targets), repeats["micrograd"]
        )
        name = f"micrograd {micro_version} `micrograd.nn.MLP`"
        rows.append((name, micro_ms, repeats["micrograd"]))
        checks.append(("micrograd", micro_losses))

    print(
        f"## Training step: {'-'.join(map(str, SIZES))} ReLU MLP, {N_SAMPLES} two-moons "
        "points, max-margin loss + L2, backward, SGD\n"
    )
    print("| engine | ms / step (median) | timed steps | time vs deltagrad |")
    print("|---|---:|---:|---:|")
    for name, ms, repeats in rows:
        print(f"| {name} | {ms:.1f} | {repeats} | {ms / ours_ms:.2f}x |")
    print()
    if twin is not None:
        print(f"- micrograd / deltagrad: **{micro_ms / ours_ms:.1f}x**")
    else:
        print("- micrograd: not installed, skipped (pip install micrograd==0.1.0)")
    print(f"- deltagrad / floor: **{ours_ms / floor_ms:.1f}x**")
    # Same start, same arithmetic: the losses must agree step by step (up to the
    # order in which backward sums gradients, which moves the last bits).
    for name, losses in checks:
        steps = min(len(losses), len(ours_losses))
        worst = max(abs(a - b) / abs(b) for a, b in zip(losses[:steps], ours_losses[:steps]))
        status = "ok" if worst < 1e-9 else "MISMATCH"
        print(
            f"- same losses as deltagrad, {name}: {status} over {steps} steps "
            f"(max relative difference {worst:.1e}; first loss {ours_losses[0]:.6f})"
        )
    print()


# ---------------------------------------------------------------------------- deep chain
def deep_chain(n: int, c: float = 1.000001, pause_gc: bool = False) -> tuple[float, float, bool]:
    """Build ``y = x * c * c * ... * c`` (n multiplications), backward; times in seconds.

    ``c`` is close to 1 so that ``c**n`` neither overflows nor underflows; the closed
    forms are ``dy/dx = c**n`` and ``dy/dc = n x c**(n-1)``. ``pause_gc`` turns the
    cyclic collector off while building (``backward`` pauses it by itself).
    """
    x, cv = Value(1.5, label="x"), Value(c, label="c")
    collecting = gc.isenabled()
    if pause_gc:
        gc.disable()
    try:
        t0 = time.perf_counter()
        y = x
        for _ in range(n):
            y = y * cv
        t1 = time.perf_counter()
        y.backward()
        t2 = time.perf_counter()
    finally:
        if collecting:
            gc.enable()
    ok = math.isclose(x.grad, c**n, rel_tol=1e-9) and math.isclose(
        cv.grad, n * 1.5 * c ** (n - 1), rel_tol=1e-6
    )
    return t1 - t0, t2 - t1, ok  # the chain is freed on return, outside the timing


def chain_table() -> None:
    print("## Deep chain: y = y * c repeated N times, build + backward (deltagrad `Value`)\n")
    print(
        "| N | build (ms) | backward (ms) | total (ms) | total / N (µs) "
        "| total / N, gc paused (µs) | x.grad = c^N |"
    )
    print("|---:|---:|---:|---:|---:|---:|---|")
    for n, repeats in ((10_000, 7), (100_000, 5), (1_000_000, 3)):
        gc.collect()
        runs = [deep_chain(n) for _ in range(repeats)]
        paused = [deep_chain(n, pause_gc=True) for _ in range(repeats)]
        build = statistics.median(r[0] for r in runs)
        backward = statistics.median(r[1] for r in runs)
        total = statistics.median(r[0] + r[1] for r in runs)
        total_paused = statistics.median(r[0] + r[1] for r in paused)
        ok = all(r[2] for r in runs + paused)
        print(
            f"| 10^{round(math.log10(n))} | {1e3 * build:.1f} | {1e3 * backward:.1f} | "
            f"{1e3 * total:.1f} | {1e6 * total / n:.2f} | {1e6 * total_paused / n:.2f} | "
            f"{'ok' if ok else 'WRONG'} |"
        )
    print()
    print(
        "- with default settings the collector re-scans the growing chain while it is "
        "built; the gc-paused column is the engine alone"
    )
    print(f"- micrograd on the same chain (N = 10^4): {_micrograd_chain(10_000)}")
    print()


def _micrograd_chain(n: int) -> str:
    try:
        from micrograd.engine import Value as MicroValue
    except ImportError:
        return "not installed"
    x, c = MicroValue(1.5), MicroValue(1.000001)
    y = x
    for _ in range(n):
        y = y * c
    try:
        y.backward()
    except RecursionError:
        return (
            "RecursionError -- its topological sort recurses once per node "
            f"(recursion limit {sys.getrecursionlimit()})"
        )
    return "ok" if math.isclose(x.grad, 1.000001**n, rel_tol=1e-9) else "wrong gradient"


# ---------------------------------------------------------------------------- main
def _version(dist: str) -> str:
    try:
        return importlib.metadata.version(dist)
    except importlib.metadata.PackageNotFoundError:
        return "not installed"


def main() -> None:
    """Print the environment and both tables."""
    print("# deltagrad scalar-engine benchmark\n")
    print(
        f"Python {platform.python_version()} ({platform.python_implementation()}), "
        f"NumPy {np.__version__}, micrograd {_version('micrograd')}, "
        f"{platform.machine()} with {os.cpu_count()} CPUs, "
        f"gc thresholds {gc.get_threshold()} (defaults, enabled: {gc.isenabled()})\n"
    )
    random.seed(SEED)  # micrograd's MLP draws from the global generator
    start = time.perf_counter()
    training_table()
    chain_table()
    print(f"_total bench time {time.perf_counter() - start:.0f} s_")


if __name__ == "__main__":
    main()
