"""Tensor engine benchmark: one training epoch of a 784-256-256-10 ReLU MLP.

10,000 random samples, batch 128, softmax cross-entropy, plain SGD, float32, timed for

* hand-written NumPy forward/backward (the floor: what the math costs in NumPy),
* deltagrad (``nn.MLP`` + ``F.cross_entropy`` + ``optim.SGD``, a bare loop),
* deltagrad's library loop (``nn.train.fit`` over a ``DataLoader``) when available,
* DeZero (bench-only peer, ``pip install dezero``),
* PyTorch CPU with 2 threads (when installed),

plus the per-op overhead of small adds/muls/matmuls against raw NumPy. Contestants run
interleaved in one process and each reports its best run, so ratios compare like with
like on a noisy machine.

Run: ``.venv/bin/python bench/tensor.py [--repeats 5]``
"""

from __future__ import annotations

import argparse
import platform
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from peers import import_dezero  # noqa: E402  (bench/peers.py, beside this script)
from timing import best_times  # noqa: E402  (bench/timing.py, beside this script)

import autograd  # noqa: E402
import nn  # noqa: E402
import nn.functional as F  # noqa: E402

N, D, H, C, BATCH, LR = 10_000, 784, 256, 10, 128, 0.01


def make_data() -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    return rng.standard_normal((N, D)).astype(np.float32), rng.integers(0, C, N)


def initial_weights() -> list[np.ndarray]:
    """The same He-scaled start for every contestant: W1, b1, W2, b2, W3, b3 (W as out x in)."""
    rng = np.random.default_rng(1)
    out = []
    for d_in, d_out in ((D, H), (H, H), (H, C)):
        out.append((rng.standard_normal((d_out, d_in)) * np.sqrt(2.0 / d_in)).astype(np.float32))
        out.append(np.zeros(d_out, np.float32))
    return out


# ---------------------------------------------------------------- contestants
def numpy_epoch(X: np.ndarray, Y: np.ndarray) -> Callable[[], float]:
    W1, b1, W2, b2, W3, b3 = initial_weights()
    params = [W1, b1, W2, b2, W3, b3]

    def run() -> float:
        loss = 0.0
        for i in range(0, N, BATCH):
            x, t = X[i : i + BATCH], Y[i : i + BATCH]
            n = len(t)
            u1 = x @ W1.T + b1
            z1 = np.maximum(u1, 0)
            u2 = z1 @ W2.T + b2
            z2 = np.maximum(u2, 0)
            u3 = z2 @ W3.T + b3
            shifted = u3 - u3.max(axis=1, keepdims=True)
            p = np.exp(shifted)
            p /= p.sum(axis=1, keepdims=True)
            loss = -np.log(p[np.arange(n), t]).mean()
            d3 = p
            d3[np.arange(n), t] -= 1.0
            d3 /= n
            d2 = (d3 @ W3) * (u2 > 0)
            d1 = (d2 @ W2) * (u1 > 0)
            grads = [d1.T @ x, d1.sum(0), d2.T @ z1, d2.sum(0), d3.T @ z2, d3.sum(0)]
            for w, g in zip(params, grads):
                w -= LR * g
        return float(loss)

    return run


def _deltagrad_model() -> nn.MLP:
    model = nn.MLP([D, H, H, C], activation="relu")
    for param, value in zip(model.parameters(), initial_weights()):
        param.data = value
    return model


class _PlainSGD:
    """Stand-in for ``nn.optim.SGD`` while that module is unavailable."""

    def __init__(self, params: list, lr: float) -> None:
        self.params, self.lr = list(params), lr

    def zero_grad(self) -> None:
        for p in self.params:
            p.grad = None

    def step(self) -> None:
        for p in self.params:
            p.data -= self.lr * p.grad.data


def deltagrad_epoch(X: np.ndarray, Y: np.ndarray) -> Callable[[], float]:
    try:
        from nn.optim import SGD
    except ImportError:
        SGD = _PlainSGD  # noqa: N806

    model = _deltagrad_model()
    opt = SGD(model.parameters(), lr=LR)

    def run() -> float:
        loss = None
        for i in range(0, N, BATCH):
            x = autograd.Tensor(X[i : i + BATCH])
            loss = F.cross_entropy(model(x), Y[i : i + BATCH])
            opt.zero_grad()
            loss.backward()
            opt.step()
        return float(loss.item())

    return run


def deltagrad_fit_epoch(X: np.ndarray, Y: np.ndarray) -> Callable[[], float] | None:
    try:
        from nn.data import DataLoader, TensorDataset
        from nn.optim import SGD
        from nn.train import fit
    except ImportError:
        return None
    model = _deltagrad_model()
    opt = SGD(model.parameters(), lr=LR)
    loader = DataLoader(TensorDataset(X, Y), batch_size=BATCH, shuffle=False)

    def run() -> float:
        history = fit(model, F.cross_entropy, opt, loader, epochs=1, progress=False)
        return float(history.train_loss[-1])

    return run


def dezero_epoch(X: np.ndarray, Y: np.ndarray) -> Callable[[], float] | None:
    peers = import_dezero()
    if peers is None:
        return None
    dezero, DF, DL = peers

    class Net(dezero.Model):
        def __init__(self) -> None:
            super().__init__()
            self.l1, self.l2, self.l3 = DL.Linear(H), DL.Linear(H), DL.Linear(C)

        def forward(self, x):  # type: ignore[no-untyped-def]
            return self.l3(DF.relu(self.l2(DF.relu(self.l1(x)))))

    net = Net()
    weights = initial_weights()
    for layer, (w, b) in zip((net.l1, net.l2, net.l3), zip(weights[::2], weights[1::2])):
        layer.W = dezero.Parameter(w.T.copy(), name="W")  # DeZero stores W as in x out
        layer.b = dezero.Parameter(b.copy(), name="b")
    opt = dezero.optimizers.SGD(LR).setup(net)

    def run() -> float:
        loss = None
        for i in range(0, N, BATCH):
            loss = DF.softmax_cross_entropy(net(X[i : i + BATCH]), Y[i : i + BATCH])
            net.cleargrads()
            loss.backward()
            opt.update()
        return float(loss.data)

    return run


def torch_epoch(X: np.ndarray, Y: np.ndarray) -> Callable[[], float] | None:
    try:
        import torch
    except ImportError:
        return None
    torch.set_num_threads(2)
    model = torch.nn.Sequential(
        torch.nn.Linear(D, H), torch.nn.ReLU(), torch.nn.Linear(H, H), torch.nn.ReLU(),
        torch.nn.Linear(H, C),
    )
    with torch.no_grad():
        for param, value in zip(model.parameters(), initial_weights()):
            param.copy_(torch.from_numpy(value))
    opt = torch.optim.SGD(model.parameters(), lr=LR)
    Xt, Yt = torch.from_numpy(X), torch.from_numpy(Y)
    loss_fn = torch.nn.functional.cross_entropy

    def run() -> float:
        loss = None
        for i in range(0, N, BATCH):
            loss = loss_fn(model(Xt[i : i + BATCH]), Yt[i : i + BATCH])
            opt.zero_grad()
            loss.backward()
            opt.step()
        return float(loss.item())

    return run


# ---------------------------------------------------------------- timing

def per_op_overhead() -> list[tuple[str, float, float]]:
    rows = []
    a_np = np.ones((4, 4), np.float32)
    a = autograd.Tensor(a_np, requires_grad=True)
    b = autograd.Tensor(a_np)
    cases = [
        ("add", lambda: a + b, lambda: a_np + a_np),
        ("mul", lambda: a * b, lambda: a_np * a_np),
        ("matmul", lambda: a @ b, lambda: a_np @ a_np),
    ]
    k = 20_000
    for name, ours, raw in cases:
        us = []
        for fn in (ours, raw):
            fn()
            start = time.perf_counter()
            for _ in range(k):
                fn()
            us.append((time.perf_counter() - start) / k * 1e6)
        rows.append((name, us[0], us[1]))
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()

    print(f"Python {platform.python_version()}, NumPy {np.__version__}, {platform.machine()}")
    X, Y = make_data()
    contestants: list[tuple[str, Callable[[], float] | None]] = [
        ("hand-written NumPy", numpy_epoch(X, Y)),
        ("deltagrad (bare loop)", deltagrad_epoch(X, Y)),
        ("deltagrad (fit + DataLoader)", deltagrad_fit_epoch(X, Y)),
        ("DeZero 0.0.13", dezero_epoch(X, Y)),
        ("PyTorch CPU, 2 threads", torch_epoch(X, Y)),
    ]
    for name, fn in contestants:
        if fn is None:
            print(f"  ({name}: not available, skipped)")
    results, _ = best_times({n: fn for n, fn in contestants if fn is not None}, args.repeats)

    floor = results["hand-written NumPy"]
    print(f"\nOne epoch: {N} samples, batch {BATCH}, MLP {D}-{H}-{H}-{C}, float32, SGD\n")
    print("| contestant | ms / epoch | vs NumPy |")
    print("|---|---:|---:|")
    for name, seconds in results.items():
        print(f"| {name} | {seconds * 1e3:.1f} | {seconds / floor:.2f}x |")
    ours = results["deltagrad (bare loop)"]
    if "deltagrad (fit + DataLoader)" in results:
        extra = results["deltagrad (fit + DataLoader)"] / ours - 1
        print(f"\nfit + DataLoader adds {extra * 100:+.1f}% over the bare loop")
    if "DeZero 0.0.13" in results:
        print(f"DeZero / deltagrad: {results['DeZero 0.0.13'] / ours:.2f}x")
    if "PyTorch CPU, 2 threads" in results:
        print(f"deltagrad / PyTorch: {ours / results['PyTorch CPU, 2 threads']:.2f}x")

    print("\nPer-op overhead, 4x4 float32 (us per call):\n")
    print("| op | deltagrad | NumPy | overhead |")
    print("|---|---:|---:|---:|")
    for name, ours_us, raw_us in per_op_overhead():
        print(f"| {name} | {ours_us:.2f} | {raw_us:.2f} | +{ours_us - raw_us:.2f} |")


if __name__ == "__main__":
    main()
