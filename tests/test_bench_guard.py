"""``bench/guard.py``: the speed guard judges the median of alternating process pairs.

The referee's processes are replaced by scripted records, so this checks the guard's own
logic (order of the processes, which ratio is judged, the exit code), not any speed."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture()
def guard(monkeypatch: pytest.MonkeyPatch) -> Any:
    spec = importlib.util.spec_from_file_location("bench_guard", ROOT / "bench" / "guard.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    monkeypatch.setitem(sys.modules, "bench_guard", module)  # (its dataclass looks it up)
    spec.loader.exec_module(module)
    # the referee's runner.py is never started here: every test replaces ``run``
    monkeypatch.setattr(module.Path, "exists", lambda self: True)
    return module


def _record(workload: str, seconds: float, rss: float = 80.0) -> dict:
    return {
        "workload": workload,
        "seconds": {"median": seconds},
        "peak_rss_mb": rss,
        "env": {"loadavg_1m_at_start": 0.1},
    }


def test_pairs_alternate_and_the_median_is_judged(guard, monkeypatch, capsys) -> None:
    # W4: ours / torch in three pairs = 1.2, 1.8, 1.4 -> median 1.4 (target <= 1.5): ok,
    # although one pair alone would have flagged it
    times = {"torch": iter([1.0, 1.0, 1.0]), "ours": iter([1.2, 1.8, 1.4])}
    calls: list[str] = []

    def fake_run(workload: str, args: tuple[str, ...]) -> dict:
        calls.append(args[0])
        return _record(workload, next(times[args[0]]))

    monkeypatch.setattr(guard, "run", fake_run)
    assert guard.main(["--only", "W4", "--pairs", "3"]) == 0
    assert calls == ["torch", "ours"] * 3  # the peer's process first, then ours
    out = capsys.readouterr().out
    assert "| 1.40 (1.20–1.80) | <= 1.5 | ok" in out


def test_a_median_above_target_exits_1(guard, monkeypatch, capsys) -> None:
    times = {"torch": iter([1.0, 1.0, 1.0]), "ours": iter([1.6, 1.4, 1.7])}
    monkeypatch.setattr(guard, "run", lambda w, a: _record(w, next(times[a[0]])))
    assert guard.main(["--only", "W5", "--pairs", "3"]) == 1
    assert "1.60 (1.40–1.70) | <= 1.5 | ABOVE TARGET" in capsys.readouterr().out


def test_time_and_memory_ratios_share_their_processes(guard, monkeypatch, capsys) -> None:
    started: list[tuple[str, ...]] = []

    def fake_run(workload: str, args: tuple[str, ...]) -> dict:
        started.append(args)
        return _record(workload, 1.0 if args[0] == "numpy" else 1.05, rss=90.0)

    monkeypatch.setattr(guard, "run", fake_run)
    assert guard.main(["--only", "W3", "--pairs", "2"]) == 0
    assert started == [("numpy",), ("ours",)] * 2  # 4 processes for both W3 ratios
    out = capsys.readouterr().out
    assert out.count("ok") == 2 and "| 1.05 (1.05–1.05) | <= 1.1 |" in out
