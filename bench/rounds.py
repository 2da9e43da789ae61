"""Alternating rounds of one-contestant processes, for the benchmarks that split a gap
into its parts (``w3_layout.py``, ``w5_floor.py``).

Each contestant runs in a process of its own (two in one process would share the cores
between their thread pools), and the contestants take turns, round after round, so a
slow spell of the machine hits every contestant of a round alike. A contestant's
process is the calling script run as ``SCRIPT --one MODE``; it prints one JSON line
holding its time under ``key``.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
from collections.abc import Callable, Sequence


def arguments(
    doc: str, modes: Sequence[str], rounds: int, one: Callable[[str], dict]
) -> argparse.Namespace | None:
    """Parse ``--rounds N`` and ``--one MODE``; with ``--one``, run ``one(MODE)`` here,
    print its JSON line and return None (the process was a contestant)."""
    parser = argparse.ArgumentParser(description=doc.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=rounds)
    parser.add_argument("--one", choices=modes, help="run one contestant in this process")
    args = parser.parse_args()
    if args.one:
        print(json.dumps(one(args.one)))
        return None
    return args


def alternate(script: str, modes: Sequence[str], rounds: int, key: str) -> dict[str, list[float]]:
    """Run ``rounds`` rounds of every mode in turn; each mode's times, round by round.
    Prints each round as it ends."""
    rows: dict[str, list[float]] = {m: [] for m in modes}
    for r in range(rounds):
        for mode in modes:
            cmd = [sys.executable, script, "--one", mode]
            line = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
            rows[mode].append(json.loads(line)[key])
        print(f"round {r + 1}: " + "  ".join(f"{m} {rows[m][-1]:.2f}" for m in modes))
    return rows


def ratio_summary(times: list[float], base: list[float]) -> str:
    """The median of the per-round ratios times / base, with their range."""
    ratios = [t / b for t, b in zip(times, base)]
    return f"{statistics.median(ratios):.3f} ({min(ratios):.3f}-{max(ratios):.3f})"


def print_table(title: str, rows: dict[str, list[float]], base: str) -> None:
    """Each mode's median time and its per-round ratio to ``base``."""
    print(f"\n{title}")
    for mode, times in rows.items():
        print(
            f"  {mode:9s} {statistics.median(times):7.2f}   per-round ratio to {base}: "
            f"median (range) {ratio_summary(times, rows[base])}"
        )
