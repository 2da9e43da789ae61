"""``notebooks/course/rnn.py`` speaks Japanese in the Japanese notebooks (issue 15).

The exercise checks and cost tables of notebooks 07, 07b and 07c print and raise in the
language viz is set to: Japanese after ``viz.set_language("ja")`` (the first cell of every
notebooks/ja/ notebook), and exactly the old English otherwise.
"""

from __future__ import annotations

import math
from types import ModuleType

import numpy as np
import pytest
from notebook_json import load_course

ROWS = [
    {
        "T": 10,
        "rtrl_seconds": 0.0125,
        "bptt_seconds": 0.0005,
        "rtrl_peak_bytes": 12345.0,
        "bptt_peak_bytes": 2345.0,
        "rtrl_state_floats": 1088,
        "bptt_state_floats": 320,
    }
]


@pytest.fixture(scope="module")
def rnn() -> ModuleType:
    return load_course("rnn")


def test_english_cost_table_is_unchanged(
    rnn: ModuleType, capsys: pytest.CaptureFixture[str]
) -> None:
    rnn.print_cost_table(ROWS)
    assert capsys.readouterr().out == (
        "    T  RTRL ms  BPTT ms  RTRL peak kB  BPTT peak kB  RTRL keeps  BPTT keeps\n"
        "   10    12.50     0.50          12.3           2.3        1088         320\n"
    )
    rnn.print_cost_by_size([2], ROWS, steps=10)
    assert capsys.readouterr().out == (
        "H =  2: RTRL  1250.0 µs/step, BPTT  50.0 µs/step (x25.0);  multiply-adds per step "
        "       32 vs    22 (x1)\n"
    )


def test_japanese_cost_table_keeps_its_columns(
    rnn: ModuleType, japanese: None, capsys: pytest.CaptureFixture[str]
) -> None:
    rnn.print_cost_table(ROWS)
    head, row = capsys.readouterr().out.splitlines()
    assert head == "    T  RTRL ms  BPTT ms RTRL ピークkB BPTT ピークkB RTRL 保持数 BPTT 保持数"
    assert row == "   10    12.50     0.50          12.3           2.3        1088         320"
    # each header ends in the column of its numbers (a kanji or kana is two columns wide)
    width = sum(2 if ord(c) > 0x2E80 else 1 for c in head)
    assert width == len(row)
    rnn.print_cost_by_size([2], ROWS, steps=10)
    out = capsys.readouterr().out
    assert "1250.0 µs/ステップ" in out and "1 ステップあたりの積和演算" in out and "(x1)" in out


def test_japanese_exercise_messages(
    rnn: ModuleType, japanese: None, capsys: pytest.CaptureFixture[str]
) -> None:
    rnn.check_perplexity(1.863, None)
    assert capsys.readouterr().out == (
        "演習問題 1: まだ解答されていない — "
        "None を自分の答えに置き換えて、セルをもう一度実行せよ。\n"
    )
    rnn.check_perplexity(1.863, math.exp(1.863))
    assert capsys.readouterr().out == "演習問題 1: 正解。\n"
    with pytest.raises(AssertionError, match="演習問題 1: 正しくない — パープレキシティは"):
        rnn.check_perplexity(1.863, 2**1.863)
    with pytest.raises(AssertionError, match=r"演習問題 1: 形は \(2,\) のはずだが、\(3,\) である"):
        rnn.check_cell_gradient(np.full((3, 2), 0.5), [1.0, 2.0, 3.0])
    with pytest.raises(AssertionError, match="演習問題 2: 正しくない — 更新ゲート z"):
        rnn.check_gru_update(np.ones(2), np.zeros(2), np.full(2, 0.9), [0.0, 0.0])
    rnn.check_rtrl_cost(16, 3, 16**4)
    assert capsys.readouterr().out == (
        "演習問題 2: 正解 — W だけで H⁴ = 65,536 回の積和演算 (I = 3 は関係しない)。\n"
    )
    with pytest.raises(AssertionError, match="演習問題 2: 4096 ではない — p_W の成分は"):
        rnn.check_rtrl_cost(16, 3, 16**3)


def test_english_exercise_messages_are_unchanged(
    rnn: ModuleType, capsys: pytest.CaptureFixture[str]
) -> None:
    rnn.check_perplexity(1.863, None)
    assert capsys.readouterr().out == (
        "Exercise 1: not answered yet — replace None with your answer and run the cell again.\n"
    )
    rnn.check_perplexity(1.863, math.exp(1.863))
    assert capsys.readouterr().out == "Exercise 1: correct.\n"
    with pytest.raises(AssertionError, match="^Exercise 1: not right — the perplexity is exp"):
        rnn.check_perplexity(1.863, 2**1.863)
    with pytest.raises(AssertionError, match=r"^Exercise 1: expected shape \(2,\), got \(3,\)$"):
        rnn.check_cell_gradient(np.full((3, 2), 0.5), [1.0, 2.0, 3.0])
    rnn.check_rtrl_cost(16, 3, 16**4)
    assert capsys.readouterr().out == (
        "Exercise 2: correct — H⁴ = 65,536 multiply-adds for W alone (I = 3 plays no part).\n"
    )
