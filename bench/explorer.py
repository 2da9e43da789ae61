"""The explorer's budgets on the full W1 graph (micrograd's demo: 65,814 Values).

W1 is one training step of ``bench/scalar.py``: a 2-16-16-1 ReLU ``nn.scalar.MLP`` on 100
two-moons points, SVM max-margin loss + L2, after ``backward()``. Measured:

* build: ``viz.explore(loss, model=model)`` (walk, ownership, views, every Graphviz
  layout, node records), wall time, best of ``--repeats``;
* file: size of ``Explorer.save(...)``;
* open: headless Chromium loads the saved page; ``data-load-ms`` is the page's own
  ``performance.now()`` when the first view is on screen (from navigation start: reading
  the file, parsing, inflating the top view). The wall time of the whole Chromium run
  (browser start-up included) is printed too;
* drill-down: the page opens ``layers.1`` › ``layers.1.neurons.3`` › copy 2 › back up, by
  its own click handlers (URL-fragment steps, ``viz.explorer.page``); ``data-drill-ms`` is
  the slowest of those view changes (inflate + insert the SVG + wire it up).

Budgets (issue 12): build <= 10 s, file <= 5 MB, open <= 3 s, each drill-down <= 1 s.

Run: ``.venv/bin/python bench/explorer.py [--repeats 3]`` (needs ``chromium`` for the
browser half; skipped with a note otherwise).
"""

from __future__ import annotations

import argparse
import random
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import viz  # noqa: E402  (before bench/ is on the path: bench/viz.py would shadow it)
from autograd import Value  # noqa: E402
from autograd.graph import topological_order  # noqa: E402
from nn.scalar import MLP  # noqa: E402

sys.path.append(str(Path(__file__).resolve().parent))
from scalar import ALPHA, SEED, SIZES, load_data  # noqa: E402


def w1_graph() -> tuple[Value, MLP]:
    """The W1 loss after backward, and its model."""
    random.seed(SEED)
    model = MLP(SIZES[0], list(SIZES[1:]), seed=SEED)
    inputs, targets = load_data()
    scores = [model([Value(a) for a in x]) for x in inputs]
    losses = [(1.0 - y * s).relu() for y, s in zip(targets, scores)]
    loss = sum(losses) * (1.0 / len(losses)) + ALPHA * sum(p * p for p in model.parameters())
    loss.backward()
    return loss, model


def browser_run(page: Path, steps: str) -> tuple[dict[str, str], float]:
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        return {}, float("nan")
    with tempfile.TemporaryDirectory() as profile:
        start = time.perf_counter()
        out = subprocess.run(
            [
                chromium,
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--no-first-run",
                f"--user-data-dir={profile}",
                "--window-size=1300,800",
                "--dump-dom",
                "--virtual-time-budget=5000",
                page.as_uri() + "#" + steps,
            ],
            capture_output=True,
            text=True,
            timeout=120,
        ).stdout
        wall = time.perf_counter() - start
    tag = re.search(r'<div class="dgx"[^>]*>', out)
    attrs = dict(re.findall(r'([\w-]+)="([^"]*)"', tag.group(0))) if tag else {}
    return attrs, wall


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    loss, model = w1_graph()
    n = len(topological_order(loss))
    best = float("inf")
    for _ in range(args.repeats):
        start = time.perf_counter()
        ex = viz.explore(loss, model=model)
        best = min(best, time.perf_counter() - start)
    with tempfile.TemporaryDirectory() as tmp:
        page = ex.save(Path(tmp) / "w1.html")
        size = page.stat().st_size
        opened, wall_open = browser_run(page, "")
        drilled, _ = browser_run(
            page, "click=g:layers.1&click=g:layers.1.neurons.3&sample=1&up=1&up=1"
        )
    print(f"| W1 explorer ({n:,} Values, {len(ex.data['views'])} views) | measured | budget |")
    print("|---|---|---|")
    print(f"| build `viz.explore(loss, model=model)` | {best:.2f} s | ≤ 10 s |")
    print(f"| file size | {size / 1e6:.2f} MB | ≤ 5 MB |")
    if opened:
        load = float(opened["data-load-ms"]) / 1000
        print(
            f"| open in headless Chromium (page: first view shown) | {load:.2f} s "
            f"(whole Chromium run {wall_open:.1f} s) | ≤ 3 s |"
        )
        print(
            f"| slowest drill-down (5 view changes) | {float(drilled['data-drill-ms']):.0f} ms "
            f"(steps: {drilled.get('data-steps')}) | ≤ 1 s |"
        )
    else:
        print("| open / drill-down | chromium not installed: not measured | |")


if __name__ == "__main__":
    main()
