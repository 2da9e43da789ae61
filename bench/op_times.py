"""Where the time goes: deltagrad alone, one workload at a time, split by op.

The referee's workloads (../shared/bench/README.md) rebuilt with the same sizes:

* W1  micrograd's demo step (2-16-16-1 ``nn.scalar.MLP`` on 100 points): forward,
  backward and update, and the share of the cyclic garbage collector in them;
* W3  one epoch of a 784-256-256-10 ReLU MLP (10,000 samples, batch 128, SGD);
* W4  one step of conv16-pool-conv32-pool-linear on 64 images of 1x28x28;
* W5  one step of ``nn.LSTM(32, 128)`` over 35 steps of 32 sequences, a Linear head, MSE.

For the Tensor workloads every op's ``forward`` and ``backward`` is timed in place (a
``perf_counter`` pair around each call); what is left of the step is the engine's own
Python (recording the graph, ordering it, handing gradients on) and the optimizer.
The timers add about a microsecond per call, so the shares are close, not exact.
Only deltagrad runs in this process: comparisons with other libraries are the
referee's job (one process per library), see ``bench/guard.py``.

    .venv/bin/python bench/op_times.py            # all four
    .venv/bin/python bench/op_times.py W4 --steps 30
"""

from __future__ import annotations

import argparse
import gc
import os
import sys
import time
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import autograd  # noqa: E402
import nn  # noqa: E402
import nn.functional as F  # noqa: E402
from autograd import Tensor, Value  # noqa: E402
from autograd.function import Function  # noqa: E402

# ------------------------------------------------------------------ op timers

_spent: dict[str, float] = defaultdict(float)


def _subclasses(cls: type) -> list[type]:
    out = []
    for sub in cls.__subclasses__():
        out += [sub, *_subclasses(sub)]
    return out


_nested: list[float] = []  # per open timed call: time spent in timed calls inside it


def _timed(name: str, method: Callable) -> Callable:
    """``method`` that adds its own time to ``_spent[name]`` -- exclusive of the timed
    calls it makes (a convolution's backward runs two other ops: each counts once)."""

    def wrapper(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
        _nested.append(0.0)
        start = time.perf_counter()
        try:
            return method(*args, **kwargs)
        finally:
            elapsed = time.perf_counter() - start
            inner = _nested.pop()
            _spent[name] += elapsed - inner
            if _nested:
                _nested[-1] += elapsed

    return wrapper


def instrument() -> None:
    """Time every op's forward and backward (and the optimizer's step / zero_grad)."""
    for cls in _subclasses(Function):
        for kind in ("forward", "backward"):
            if kind in vars(cls):
                setattr(cls, kind, _timed(f"{cls.__name__}.{kind}", vars(cls)[kind]))
    for cls in (nn.optim.SGD,):
        for kind in ("step", "zero_grad"):
            setattr(cls, kind, _timed(f"SGD.{kind}", getattr(cls, kind)))


def report(
    title: str, step: Callable[[], object], steps: int, top: int = 9, unit: str = "step"
) -> None:
    step()  # warm-up: first-call costs (imports, buffers) stay out
    step()
    _spent.clear()
    start = time.perf_counter()
    for _ in range(steps):
        step()
    total = time.perf_counter() - start
    rows = sorted(_spent.items(), key=lambda kv: -kv[1])
    shown, rest = rows[:top], sum(s for _, s in rows[top:])
    print(f"\n{title}: {total / steps * 1e3:.2f} ms per {unit} (mean of {steps})\n")
    print(f"| op (forward or backward, exclusive of ops it runs) | ms / {unit} | share |")
    print("|---|---:|---:|")
    for name, s in shown:
        print(f"| {name} | {s / steps * 1e3:.2f} | {s / total:.0%} |")
    if rest:
        print(f"| other ops | {rest / steps * 1e3:.2f} | {rest / total:.0%} |")
    engine = total - sum(_spent.values())
    print(
        f"| engine and Python around the ops | {engine / steps * 1e3:.2f} | {engine / total:.0%} |"
    )


# ------------------------------------------------------------------ workloads


def w3(rng: np.random.Generator) -> Callable[[], object]:
    x = rng.standard_normal((10_000, 784)).astype(np.float32)
    y = (x @ rng.standard_normal((784, 10)).astype(np.float32)).argmax(axis=1)
    model = nn.Sequential(
        nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 256), nn.ReLU(), nn.Linear(256, 10)
    )
    opt = nn.optim.SGD(model.parameters(), lr=0.1)

    def epoch() -> None:
        for i in range(0, len(x), 128):
            loss = F.cross_entropy(model(Tensor(x[i : i + 128])), y[i : i + 128])
            opt.zero_grad()
            loss.backward()
            opt.step()

    return epoch


def w4(rng: np.random.Generator) -> Callable[[], object]:
    x = Tensor(rng.standard_normal((64, 1, 28, 28)).astype(np.float32))
    t = rng.integers(0, 10, 64)
    model = nn.Sequential(
        nn.Conv2d(1, 16, 3, padding=1),
        nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Conv2d(16, 32, 3, padding=1),
        nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Flatten(),
        nn.Linear(1568, 10),
    )
    opt = nn.optim.SGD(model.parameters(), lr=0.01)

    def step() -> None:
        loss = F.cross_entropy(model(x), t)
        opt.zero_grad()
        loss.backward()
        opt.step()

    return step


def w5(rng: np.random.Generator) -> Callable[[], object]:
    x = Tensor(rng.standard_normal((32, 35, 32)).astype(np.float32))
    target = Tensor(rng.standard_normal((32 * 35, 1)).astype(np.float32))
    lstm, fc = nn.LSTM(32, 128, batch_first=True), nn.Linear(128, 1)
    opt = nn.optim.SGD([*lstm.parameters(), *fc.parameters()], lr=0.0)

    def step() -> None:
        opt.zero_grad()
        out, _ = lstm(x)
        F.mse_loss(fc(out.reshape(32 * 35, 128)), target).backward()

    return step


def w1(steps: int) -> None:
    """Phases of micrograd's demo step, and the collector's share of each."""
    from nn.scalar import MLP

    rng = np.random.default_rng(0)
    X = rng.standard_normal((100, 2))
    Y = np.where(X[:, 0] * X[:, 1] > 0, 1.0, -1.0)
    model = MLP(2, [16, 16, 1], seed=0)
    params = model.parameters()
    in_gc = [0.0]
    started = [0.0]

    def on_gc(phase: str, info: dict) -> None:
        if phase == "start":
            started[0] = time.perf_counter()
        else:
            in_gc[0] += time.perf_counter() - started[0]

    phases = defaultdict(float)
    gcs = defaultdict(float)

    def timed(name: str, fn: Callable[[], object]) -> object:
        before, start = in_gc[0], time.perf_counter()
        out = fn()
        phases[name] += time.perf_counter() - start
        gcs[name] += in_gc[0] - before
        return out

    def forward() -> Value:
        scores = [model([Value(float(a)) for a in x]) for x in X]
        losses = [(1.0 + -y * s).relu() for y, s in zip(Y, scores)]
        return sum(losses) * (1.0 / len(losses)) + 1e-4 * sum(p * p for p in params)

    def update() -> None:
        for p in params:
            p.data -= 0.05 * p.grad

    gc.callbacks.append(on_gc)
    try:
        for k in range(steps + 1):
            if k == 1:
                phases.clear()
                gcs.clear()
            loss = timed("forward", forward)
            timed("zero grads", lambda: [setattr(p, "grad", 0.0) for p in params])
            timed("backward", loss.backward)
            timed("update", update)
    finally:
        gc.callbacks.remove(on_gc)
    total = sum(phases.values())
    print(
        f"\nW1 scalar MLP step: {total / steps * 1e3:.1f} ms per step (mean of {steps}), "
        f"{len(autograd.topological_order(loss))} Values in the graph\n"
    )
    print("| phase | ms / step | share | of which garbage collector |")
    print("|---|---:|---:|---:|")
    for name, s in phases.items():
        print(
            f"| {name} | {s / steps * 1e3:.1f} | {s / total:.0%} | "
            f"{gcs[name] / steps * 1e3:.1f} ms |"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("workloads", nargs="*", default=["W1", "W3", "W4", "W5"])
    parser.add_argument("--steps", type=int, default=20)
    args = parser.parse_args()
    print(
        f"deltagrad alone, NumPy {np.__version__}, OPENBLAS_NUM_THREADS="
        f"{os.environ.get('OPENBLAS_NUM_THREADS', 'unset')}, load average "
        f"{os.getloadavg()[0]:.1f}"
    )
    rng = np.random.default_rng(0)
    if "W1" in args.workloads:
        w1(max(3, args.steps // 4))
    instrument()
    if "W3" in args.workloads:
        report("W3 MLP epoch (79 steps)", w3(rng), max(2, args.steps // 10), unit="epoch")
    if "W4" in args.workloads:
        report("W4 CNN step", w4(rng), args.steps)
    if "W5" in args.workloads:
        report("W5 LSTM step", w5(rng), args.steps)


if __name__ == "__main__":
    main()
