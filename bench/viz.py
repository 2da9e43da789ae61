"""Drawing benchmark: ``draw_graph`` DOT building and SVG rendering at 100 to 10,000 nodes.

Graphs (each after ``backward()``, so every box shows data and gradient):

* ``chain``: y = tanh(1.0001 * y), repeated -- the plainest graph of a given size;
* ``lstm``: a textbook LSTM cell (``LSTMCell(fused=False)``: one node per operation)
  unrolled over T steps, a Linear head and cross-entropy -- a realistic training graph
  whose size grows with T (21 nodes per step);
* ``mlp``: the 784-256-256-10 ReLU MLP training graph (batch 128) of ``bench/tensor.py``.

For each: the time to build the DOT source (``draw_graph(...).source``), expanded and,
for the model graphs, with ``collapse="modules"``; then the time to lay it out as SVG
with the system Graphviz ``dot`` and with the in-process WebAssembly Graphviz
(``DELTAGRAD_NO_SYSTEM_DOT=1``, set per measurement: ``viz.render`` checks it on every
call). The expanded LSTM graphs of ~1,000 and ~10,000 nodes and the 10,000-node chain
are not rendered: Graphviz needs minutes for them (a 640-node LSTM graph exceeds two),
and nobody could read them -- that is what ``collapse="modules"`` is for. Times are the
best of ``--repeats`` runs.

Run: ``.venv/bin/python bench/viz.py [--repeats 3]``
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import nn  # noqa: E402
from autograd import Tensor  # noqa: E402
from autograd.graph import topological_order  # noqa: E402
from nn.layers.rnn_cells import LSTMCell  # noqa: E402
from viz import draw_graph  # noqa: E402
from viz import render as viz_render  # noqa: E402


# ---------------------------------------------------------------- graphs
def chain(nodes: int) -> tuple[Any, None]:
    x = Tensor(np.ones(3), requires_grad=True, label="x")
    y = x
    for _ in range((nodes - 1) // 3):  # each step adds the constant, the product, the tanh
        y = (y * 1.0001).tanh()
    y = y.sum()
    y.backward()
    return y, None


class UnrolledLSTM(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.cell = LSTMCell(8, 16, fused=False, rng=0)
        self.head = nn.Linear(16, 4, rng=0)

    def forward(self, xs: Tensor) -> Tensor:
        h = c = None
        for x in xs:
            h, c = self.cell(x, None if h is None else (h, c))
        return self.head(h)


def lstm(nodes: int) -> tuple[Any, Any]:
    model = UnrolledLSTM()
    steps = max(1, round((nodes - 10) / 21))
    xs = Tensor(np.random.default_rng(0).standard_normal((steps, 4, 8)), dtype=np.float32)
    loss = nn.functional.cross_entropy(model(xs), np.array([0, 1, 2, 3]))
    loss.label = "loss"
    loss.backward()
    return loss, model


def mlp() -> tuple[Any, Any]:
    model = nn.MLP([784, 256, 256, 10], rng=0)
    x = Tensor(np.random.default_rng(0).standard_normal((128, 784)), dtype=np.float32, label="x")
    loss = nn.functional.cross_entropy(model(x), np.arange(128) % 10)
    loss.label = "loss"
    loss.backward()
    return loss, model


# ---------------------------------------------------------------- timing
def best(fn: Callable[[], Any], repeats: int) -> tuple[float, Any]:
    times, out = [], None
    for _ in range(repeats):
        start = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - start)
    return min(times), out


def render_time(source: str, backend: str, repeats: int) -> str:
    """Best SVG layout time with one backend, or why there is none."""
    previous = os.environ.get("DELTAGRAD_NO_SYSTEM_DOT")
    os.environ["DELTAGRAD_NO_SYSTEM_DOT"] = "1" if backend == "wasm" else "0"
    try:
        if backend == "system" and viz_render.find_dot() is None:
            return "n/a (no dot)"
        viz_render.dot_to_svg("digraph { a }")  # warm up (the wasm module loads once)
        seconds, _ = best(lambda: viz_render.dot_to_svg(source), repeats)
        return ms(seconds)
    except viz_render.RenderError as exc:
        return f"n/a ({str(exc).split(';')[0][:40]})"
    finally:
        if previous is None:
            os.environ.pop("DELTAGRAD_NO_SYSTEM_DOT", None)
        else:
            os.environ["DELTAGRAD_NO_SYSTEM_DOT"] = previous


def ms(seconds: float) -> str:
    return f"{seconds * 1000:,.1f} ms" if seconds < 10 else f"{seconds:,.1f} s"


def measure(
    name: str, graph: tuple[Any, Any], render_expanded: bool, repeats: int, rows: list[list[str]]
) -> None:
    root, model = graph
    nodes = len(topological_order(root))
    modes = [("expanded", {})] + ([("collapsed", {"collapse": "modules"})] if model else [])
    for mode, extra in modes:
        seconds, drawing = best(
            lambda extra=extra: draw_graph(root, model=model, max_nodes=None, **extra), repeats
        )
        source = drawing.source
        boxes = sum(
            1 for line in source.splitlines() if "shape=record" in line or "shape=box" in line
        )
        if mode == "collapsed" or render_expanded:
            system, wasm = (render_time(source, b, repeats) for b in ("system", "wasm"))
        else:
            system = wasm = "— (not rendered)"
        rows.append([name, f"{nodes:,}", mode, f"{boxes:,}", ms(seconds), system, wasm])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeats", type=int, default=3, help="runs per timing (best is kept)")
    args = parser.parse_args()
    print(
        f"Python {platform.python_version()}, NumPy {np.__version__}, {platform.machine()}; "
        f"dot: {viz_render.find_dot() or 'not installed'}\n"
    )
    rows: list[list[str]] = []
    for size in (100, 1_000, 10_000):
        measure(f"chain ~{size:,}", chain(size), size <= 1_000, args.repeats, rows)
    for size in (100, 1_000, 10_000):
        measure(f"lstm ~{size:,}", lstm(size), size <= 100, args.repeats, rows)
    measure("mlp 784-256-256-10", mlp(), True, args.repeats, rows)
    header = ["graph", "nodes", "drawing", "boxes", "DOT build", "SVG (system dot)", "SVG (wasm)"]
    print("| " + " | ".join(header) + " |")
    print("|" + "|".join("---" if i < 3 else "---:" for i in range(len(header))) + "|")
    for row in rows:
        print("| " + " | ".join(row) + " |")


if __name__ == "__main__":
    main()
