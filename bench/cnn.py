"""CNN benchmark: one training step of a small MNIST-sized convolutional network.

    Conv(1->16, 3, pad 1) - ReLU - MaxPool 2 - Conv(16->32, 3, pad 1) - ReLU - MaxPool 2
    - Flatten - Linear(1568 -> 10), softmax cross-entropy, plain SGD

on a batch of 64 random 1x28x28 float32 images, timed (forward + backward + SGD update) for

* deltagrad (``nn.Conv2d``, ``nn.MaxPool2d``, ``nn.Linear``, ``F.cross_entropy``,
  ``nn.optim.SGD``),
* DeZero 0.0.13 (bench-only peer: ``dezero.layers.Conv2d``, ``dezero.functions.pooling``),
* PyTorch CPU with 2 threads (when installed),

all from the same initial weights. Contestants run interleaved in one process and each
reports its best run, so ratios compare like with like on a noisy machine. Also reports
the peak memory (tracemalloc, which sees NumPy's buffers) of one deltagrad step.

``--single-thread`` reruns everything with one BLAS/OpenMP thread per library (NumPy's
OpenBLAS and PyTorch alike). On a loaded 2-core machine, multi-threaded BLAS calls can
wait milliseconds for a descheduled worker thread; the single-thread table is the
load-robust comparison of the work each library does.

Run: ``.venv/bin/python bench/cnn.py [--repeats 5] [--steps 10] [--single-thread]``
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import tracemalloc
from collections.abc import Callable
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from peers import import_dezero  # noqa: E402  (bench/peers.py, beside this script)
from timing import best_times  # noqa: E402  (bench/timing.py, beside this script)

import autograd  # noqa: E402
import nn  # noqa: E402
import nn.functional as F  # noqa: E402
from nn.layers.conv import Conv2d  # noqa: E402
from nn.layers.pooling import MaxPool2d  # noqa: E402

BATCH, CLASSES, LR = 64, 10, 0.01
THREAD_VARIABLES = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")
TORCH_THREADS = 1 if os.environ.get("OPENBLAS_NUM_THREADS") == "1" else 2
TORCH = f"PyTorch CPU, {TORCH_THREADS} thread{'s' if TORCH_THREADS > 1 else ''}"


def make_batch() -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    images = rng.standard_normal((BATCH, 1, 28, 28)).astype(np.float32)
    return images, rng.integers(0, CLASSES, BATCH)


def initial_weights() -> list[np.ndarray]:
    """He-scaled start shared by every contestant: conv1 W, b, conv2 W, b, fc W (out x in), b."""
    rng = np.random.default_rng(1)
    out = []
    for shape in ((16, 1, 3, 3), (32, 16, 3, 3), (CLASSES, 32 * 7 * 7)):
        fan_in = int(np.prod(shape[1:]))
        out.append((rng.standard_normal(shape) * np.sqrt(2.0 / fan_in)).astype(np.float32))
        out.append(np.zeros(shape[0], np.float32))
    return out


# ---------------------------------------------------------------- contestants
def deltagrad_steps(x: np.ndarray, t: np.ndarray, steps: int) -> Callable[[], float]:
    from nn.optim import SGD

    model = nn.Sequential(
        Conv2d(1, 16, 3, padding=1), nn.ReLU(), MaxPool2d(2),
        Conv2d(16, 32, 3, padding=1), nn.ReLU(), MaxPool2d(2),
        nn.Flatten(), nn.Linear(32 * 7 * 7, CLASSES),
    )
    for param, value in zip(model.parameters(), initial_weights()):
        param.data = value
    opt = SGD(model.parameters(), lr=LR)
    xt = autograd.Tensor(x)

    def run() -> float:
        loss = None
        for _ in range(steps):
            loss = F.cross_entropy(model(xt), t)
            opt.zero_grad()
            loss.backward()
            opt.step()
        return float(loss.item())

    return run


def dezero_steps(x: np.ndarray, t: np.ndarray, steps: int) -> Callable[[], float] | None:
    peers = import_dezero()
    if peers is None:
        return None
    dezero, DF, DL = peers

    class Net(dezero.Model):
        def __init__(self) -> None:
            super().__init__()
            self.c1 = DL.Conv2d(16, 3, pad=1, in_channels=1)
            self.c2 = DL.Conv2d(32, 3, pad=1, in_channels=16)
            self.fc = DL.Linear(CLASSES, in_size=32 * 7 * 7)

        def forward(self, x):  # type: ignore[no-untyped-def]
            h = DF.pooling(DF.relu(self.c1(x)), 2, stride=2)
            h = DF.pooling(DF.relu(self.c2(h)), 2, stride=2)
            return self.fc(DF.reshape(h, (len(h), -1)))

    net = Net()
    w1, b1, w2, b2, w3, b3 = initial_weights()
    for layer, w, b in ((net.c1, w1, b1), (net.c2, w2, b2), (net.fc, w3.T.copy(), b3)):
        layer.W = dezero.Parameter(w.copy(), name="W")  # DeZero's Linear stores W as in x out
        layer.b = dezero.Parameter(b.copy(), name="b")
    opt = dezero.optimizers.SGD(LR).setup(net)

    def run() -> float:
        loss = None
        for _ in range(steps):
            loss = DF.softmax_cross_entropy(net(x), t)
            net.cleargrads()
            loss.backward()
            opt.update()
        return float(loss.data)

    return run


def torch_steps(x: np.ndarray, t: np.ndarray, steps: int) -> Callable[[], float] | None:
    try:
        import torch
    except ImportError:
        return None
    torch.set_num_threads(TORCH_THREADS)
    tn = torch.nn
    model = tn.Sequential(
        tn.Conv2d(1, 16, 3, padding=1), tn.ReLU(), tn.MaxPool2d(2),
        tn.Conv2d(16, 32, 3, padding=1), tn.ReLU(), tn.MaxPool2d(2),
        tn.Flatten(), tn.Linear(32 * 7 * 7, CLASSES),
    )
    with torch.no_grad():
        for param, value in zip(model.parameters(), initial_weights()):
            param.copy_(torch.from_numpy(value))
    opt = torch.optim.SGD(model.parameters(), lr=LR)
    xt, tt = torch.from_numpy(x), torch.from_numpy(t)

    def run() -> float:
        loss = None
        for _ in range(steps):
            loss = torch.nn.functional.cross_entropy(model(xt), tt)
            opt.zero_grad()
            loss.backward()
            opt.step()
        return float(loss.item())

    return run


# ---------------------------------------------------------------- measuring

def peak_memory(fn: Callable[[], object]) -> int:
    """Peak bytes allocated while ``fn`` runs (NumPy reports its buffers to tracemalloc)."""
    fn()  # the first step allocates lasting state (optimizer buffers): leave it out
    tracemalloc.start()
    try:
        fn()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--steps", type=int, default=10, help="training steps per timed run")
    parser.add_argument("--single-thread", action="store_true",
                        help="one BLAS/OpenMP thread for every library (re-executes itself)")
    args = parser.parse_args()
    if args.single_thread and os.environ.get("OPENBLAS_NUM_THREADS") != "1":
        # thread pools are sized when NumPy/PyTorch load: set the variables, start afresh
        env = {**os.environ, **{name: "1" for name in THREAD_VARIABLES}}
        os.execve(sys.executable, [sys.executable, *sys.argv], env)

    threads = ", one thread per library" if TORCH_THREADS == 1 else ""
    print(f"Python {platform.python_version()}, NumPy {np.__version__}, {platform.machine()}, "
          f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f}{threads}")
    x, t = make_batch()
    makers = [("deltagrad", deltagrad_steps), ("DeZero 0.0.13", dezero_steps),
              (TORCH, torch_steps)]
    # the same computation: every contestant's first step gives the same loss
    first = {name: make(x, t, 1) for name, make in makers}
    for name, fn in first.items():
        print(f"  {name}: " + ("not available, skipped" if fn is None
                               else f"first-step loss {fn():.5f}"))
    contestants = [(name, make(x, t, args.steps)) for name, make in makers]
    results, _ = best_times({n: fn for n, fn in contestants if fn is not None}, args.repeats)

    ours = results["deltagrad"]
    print(f"\nOne training step: batch {BATCH} x 1x28x28, conv16-pool-conv32-pool-linear, "
          f"float32, SGD (best of {args.repeats} x {args.steps} steps)\n")
    print("| contestant | ms / step | time / deltagrad's |")
    print("|---|---:|---:|")
    for name, seconds in results.items():
        print(f"| {name} | {seconds / args.steps * 1e3:.2f} | {seconds / ours:.2f}x |")
    if "DeZero 0.0.13" in results:
        print(f"\nDeZero / deltagrad: {results['DeZero 0.0.13'] / ours:.2f}x")
    if TORCH in results:
        print(f"deltagrad / PyTorch: {ours / results[TORCH]:.2f}x")
    one_step = deltagrad_steps(x, t, 1)
    print(f"peak memory of one deltagrad step: {peak_memory(one_step) / 2**20:.1f} MiB "
          f"(input batch {x.nbytes / 2**20:.2f} MiB)")


if __name__ == "__main__":
    main()
