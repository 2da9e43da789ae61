"""``bench/rounds.py``: the alternating-rounds runner of the split benchmarks."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pytest
from conftest import load_bench


@pytest.fixture(scope="module")
def rounds() -> Any:
    return load_bench("rounds")


def test_ratio_summary_is_the_median_of_per_round_ratios(rounds) -> None:
    # per-round ratios 2, 3, 2 -- not the ratio of the medians (3 / 1 = 3)
    assert rounds.ratio_summary([2.0, 3.0, 4.0], [1.0, 1.0, 2.0]) == "2.000 (2.000-3.000)"


def test_alternate_runs_each_mode_in_its_own_process_round_by_round(
    rounds, tmp_path, monkeypatch, capsys
) -> None:
    script = tmp_path / "contestant.py"
    log = tmp_path / "order.txt"
    script.write_text(
        "import json, os, sys\n"
        "mode = sys.argv[sys.argv.index('--one') + 1]\n"
        f"open({str(log)!r}, 'a').write(f'{{mode}} {{os.getpid()}}\\n')\n"
        "print(json.dumps({'ms': {'a': 1.0, 'b': 3.0}[mode]}))\n"
    )
    monkeypatch.setattr(sys, "argv", ["x"])
    rows = rounds.alternate(str(script), ("a", "b"), 2, "ms")
    assert rows == {"a": [1.0, 1.0], "b": [3.0, 3.0]}
    order = [line.split() for line in log.read_text().splitlines()]
    assert [mode for mode, _ in order] == ["a", "b", "a", "b"]
    assert len({pid for _, pid in order}) == 4  # a fresh process every time
    assert "round 2: a 1.00  b 3.00" in capsys.readouterr().out


@pytest.mark.parametrize("name", ["w3_layout", "w5_floor", "rounds"])
def test_importing_a_bench_script_leaves_sys_path_alone(name) -> None:
    """With bench/ on sys.path its modules shadow same-named ones for the rest of the
    session: a bench/profile.py once hid the standard library's profile, and cProfile
    (which PyTorch's optimizers import) failed in every later test."""
    before = list(sys.path)
    load_bench(name)
    assert sys.path == before


def test_no_bench_script_is_named_like_a_standard_library_module() -> None:
    """Run as ``python bench/X.py``, bench/ is sys.path[0]: a bench/profile.py would then
    be what ``import profile`` finds, for the script and everything it imports."""
    names = {p.stem for p in (Path(__file__).resolve().parents[1] / "bench").glob("*.py")}
    assert names, "bench/ holds the benchmark scripts"
    assert not names & set(sys.stdlib_module_names)
