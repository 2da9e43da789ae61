"""Speed regression guard: the referee's ratios against the targets of issue 13.

Runs the referee benchmark (``../shared/bench``; ``REFEREE_DIR`` overrides) for deltagrad
and for the peer each target is stated against, **one process per (workload, library)**
-- never two libraries in one process, whose BLAS/OpenMP threads would compete for the
same cores -- then prints each ratio beside its target and flags every ratio that misses.

    .venv/bin/python bench/guard.py            # exit 1 when a ratio misses its target
    .venv/bin/python bench/guard.py --only W4,W5
    .venv/bin/python bench/guard.py --pairs 5  # the median of 5 alternating pairs

It measures; it is not a unit test. A machine's own speed can move by 2x from one process
to the next, whichever library runs in it, so one pair of processes is a sample:
``--pairs N`` runs N alternating (peer, deltagrad) pairs per ratio and judges their
median, printing the range beside it (each row also shows the 1-minute load average at
the start of its first deltagrad process).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
REFEREE = Path(os.environ.get("REFEREE_DIR", ROOT.parent / "shared" / "bench"))


@dataclass(frozen=True)
class Target:
    workload: str
    what: str
    ours: tuple[str, ...]  # runner.py arguments after the workload id, for deltagrad
    peer: tuple[str, ...]  # ... for the peer the ratio is taken against
    limit: float
    higher_is_better: bool = False  # W1: "at least 15x faster than micrograd"

    def ratio(self, ours: float, peer: float) -> float:
        return peer / ours if self.higher_is_better else ours / peer

    def met(self, ratio: float) -> bool:
        return ratio >= self.limit if self.higher_is_better else ratio <= self.limit


TARGETS = [
    Target(
        "W1",
        "scalar MLP step: micrograd's time / ours",
        ("ours",),
        ("micrograd",),
        15.0,
        higher_is_better=True,
    ),
    Target(
        "W2",
        "chain of 10^6: ours / PyTorch",
        ("ours", "--n", "1000000"),
        ("torch", "--n", "1000000"),
        0.5,
    ),
    Target(
        "W2",
        "chain: ours at 10^6 / ours at 10^5",
        ("ours", "--n", "1000000"),
        ("ours", "--n", "100000"),
        11.0,
    ),
    Target("W3", "MLP epoch: ours / hand-written NumPy", ("ours",), ("numpy",), 1.10),
    Target("W3", "MLP epoch peak RSS: ours / hand-written NumPy", ("ours",), ("numpy",), 1.20),
    Target("W4", "CNN step: ours / PyTorch", ("ours",), ("torch",), 1.5),
    Target("W5", "LSTM step: ours / PyTorch nn.LSTM", ("ours",), ("torch",), 1.5),
]


def run(workload: str, args: tuple[str, ...]) -> dict:
    """One runner.py process: its JSON record."""
    env = {**os.environ, "PROJECT_DIR": str(ROOT)}
    out = subprocess.run(
        [sys.executable, str(REFEREE / "runner.py"), workload, *args],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    lines = [ln for ln in out.stdout.splitlines() if ln.startswith("{")]
    if not lines:
        raise RuntimeError(
            f"runner.py {workload} {' '.join(args)} printed no result:\n" + out.stderr[-2000:]
        )
    record = json.loads(lines[-1])
    if record.get("status") != "ok":
        raise RuntimeError(
            f"runner.py {workload} {' '.join(args)}: {record.get('status')} "
            f"{record.get('message', '')}"
        )
    return record


def seconds(record: dict) -> float:
    """The median time of a record (W2: of its single chain length)."""
    if record["workload"] == "W2":
        (entry,) = record["metrics"]["per_n"]
        return entry["total"]["median"]
    return record["seconds"]["median"]


def measure(target: Target, record: Any, pairs: int) -> tuple[list[float], float, float, dict]:
    """The ratio of ``target`` in each of ``pairs`` alternating process pairs (the peer's
    process first, then deltagrad's), and the first pair's two values and ours record.
    ``record(workload, args, k)`` runs (or recalls) process ``k`` of that kind."""
    ratios = []
    first: tuple[float, float, dict] | None = None
    for k in range(pairs):
        peer = record(target.workload, target.peer, k)
        ours = record(target.workload, target.ours, k)
        if "RSS" in target.what:
            a, b = ours["peak_rss_mb"], peer["peak_rss_mb"]
        else:
            a, b = seconds(ours), seconds(peer)
        ratios.append(target.ratio(a, b))
        if first is None:
            first = (a, b, ours)
    assert first is not None
    return ratios, *first


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", default="", help="workloads, e.g. W4,W5")
    parser.add_argument(
        "--pairs",
        type=int,
        default=1,
        help="alternating (peer, deltagrad) process pairs per ratio; the median is judged",
    )
    options = parser.parse_args(argv)
    if options.pairs < 1:
        parser.error(f"--pairs must be at least 1, got {options.pairs}")
    if not (REFEREE / "runner.py").exists():
        print(
            f"bench/guard.py: no referee benchmark at {REFEREE} (set REFEREE_DIR to its "
            "folder); nothing was measured",
            file=sys.stderr,
        )
        return 2
    wanted = {w.strip() for w in options.only.split(",") if w.strip()}
    # one process per (workload, arguments, pair): the W3 time and memory ratios share
    # their processes, and so do the two W2 ratios their 10^6 run
    cache: dict[tuple[str, tuple[str, ...], int], dict] = {}

    def record(workload: str, args: tuple[str, ...], k: int) -> dict:
        if (workload, args, k) not in cache:
            cache[workload, args, k] = run(workload, args)
        return cache[workload, args, k]

    value_head = "median (range)" if options.pairs > 1 else "value"
    print(f"| workload | ratio | deltagrad | peer | {value_head} | target | |")
    print("|---|---|---:|---:|---:|---:|---|")
    missed = 0
    for target in TARGETS:
        if wanted and target.workload not in wanted:
            continue
        ratios, a, b, ours = measure(target, record, options.pairs)
        unit = "MB" if "RSS" in target.what else "s"
        value = statistics.median(ratios)
        ok = target.met(value)
        missed += not ok
        sign = ">=" if target.higher_is_better else "<="
        load = ours.get("env", {}).get("loadavg_1m_at_start", float("nan"))
        shown = f"{value:.2f}"
        if len(ratios) > 1:
            shown += f" ({min(ratios):.2f}–{max(ratios):.2f})"
        print(
            f"| {target.workload} | {target.what} | {a:.4g} {unit} | {b:.4g} {unit} | "
            f"{shown} | {sign} {target.limit:g} | "
            f"{'ok' if ok else 'ABOVE TARGET'} (load {load:.1f}) |"
        )
    print(f"\n{missed} ratio(s) miss their target" if missed else "\nevery ratio meets its target")
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
