"""The exercise checks of notebooks/course/optimization.py (notebooks 04a, 04b, 05) speak
Japanese in the Japanese edition (issue 15): after ``viz.set_language("ja")`` every message
they print or raise is the Japanese one, and switching back gives the English one again.

The module is imported the way the notebooks import it (``course.optimization``, with
``notebooks/`` on ``sys.path``) and also loaded from its file as the other tests load it.
"""

from __future__ import annotations

import importlib
import re
import sys
from collections.abc import Iterator
from types import ModuleType

import numpy as np
import pytest
from notebook_json import NOTEBOOKS, load_course

import viz

UNANSWERED = "まだ解答されていない — None を自分の答えに置き換えて、セルをもう一度実行せよ。"


@pytest.fixture
def co(monkeypatch: pytest.MonkeyPatch) -> Iterator[ModuleType]:
    """``course.optimization`` imported as a notebook imports it; forgotten afterwards."""
    monkeypatch.syspath_prepend(str(NOTEBOOKS))
    before = set(sys.modules)
    try:
        yield importlib.import_module("course.optimization")
    finally:
        for name in set(sys.modules) - before:
            if name == "course" or name.startswith("course."):
                del sys.modules[name]


# every check with its answers left as None: (function name, arguments, exercise number)
UNANSWERED_CALLS = [
    ("check_rmsprop_step", (1e-3, 0.01, 0.9, 1e-6, None, None), 1),
    ("check_textbook_momentum_lr", (0.5, 0.8, None), 2),
    ("check_valley_limits", (None, None, None), 3),
    ("check_updates_per_epoch", (250, 16, 3, None), 1),
    ("check_clipped_gradient", ([30.0, -40.0], 5.0, None), 2),
    ("check_linear_decay", (0.1, 0.01, 100, 40, None), 3),
    ("check_init_variances", (300, 100, None, None, None), 4),
    ("check_bagging_variance", (1.0, 10, 0.5, None, None), 1),
    ("check_decay_factor", (0.1, 0.01, None), 2),
    ("check_dropout_scale", (0.5, None), 3),
    ("check_early_stopping", ([1.0, 0.8, 0.9, 0.95], 2, None, None), 4),
]


@pytest.mark.parametrize(
    ("check", "args", "number"), UNANSWERED_CALLS, ids=[c[0] for c in UNANSWERED_CALLS]
)
def test_an_unanswered_exercise_says_so_in_japanese(
    co: ModuleType,
    japanese: None,
    capsys: pytest.CaptureFixture[str],
    check: str,
    args: tuple,
    number: int,
) -> None:
    getattr(co, check)(*args)
    assert capsys.readouterr().out == f"演習問題 {number}: {UNANSWERED}\n"


def test_right_answers_are_confirmed_in_japanese(
    co: ModuleType, japanese: None, capsys: pytest.CaptureFixture[str]
) -> None:
    g, lr, alpha, eps = 1e-3, 0.01, 0.9, 1e-6
    v = (1 - alpha) * g * g
    co.check_rmsprop_step(g, lr, alpha, eps, lr * g / np.sqrt(v + eps), lr * g / (np.sqrt(v) + eps))
    co.check_textbook_momentum_lr(0.5, 0.8, (1 - 0.8) * 0.5)
    co.check_valley_limits(25, 5, 0.08)
    co.check_updates_per_epoch(250, 16, 3, 48)
    co.check_clipped_gradient([30.0, -40.0], 5.0, [3.0, -4.0])
    co.check_linear_decay(0.1, 0.01, 100, 40, 0.4 * 0.01 + 0.6 * 0.1)
    co.check_init_variances(300, 100, 1 / 300, 2 / 400, 2 / 300)
    co.check_bagging_variance(1.0, 10, 0.5, 0.1, 0.55)
    co.check_decay_factor(0.1, 0.01, 0.999)
    co.check_dropout_scale(0.5, 2.0)
    co.check_early_stopping([1.0, 0.8, 0.9, 0.95], 2, 1, 3)
    assert capsys.readouterr().out.splitlines() == [
        "演習問題 1: 正解 — 教科書の規則では一歩 0.00953、PyTorch の規則では 0.0315 (3 倍大きい)。",
        "演習問題 2: 正解 — SGD(lr=0.1, momentum=0.8) は η = 0.5 の教科書の形である。",
        "演習問題 3: 正解 — 曲率の比は 25、等高線は谷を横切る方向に 5 倍細く、"
        "η < 2/25 = 0.08 である。",
        "演習問題 1: 正解 — 更新は 48 回で、各サンプルは 3 回ずつ使われる。",
        "演習問題 2: 正解 — [ 3. -4.] (ノルム 5、向きは同じ)。",
        "演習問題 3: 正解 — η(40) = 0.064。",
        "演習問題 4: 正解 — LeCun 0.003333、Glorot 0.005、He 0.006667。",
        "演習問題 1: 正解 — 独立なら 0.1、ρ = 0.5 なら 0.55。",
        "演習問題 2: 正解 — 一歩ごとに重みは 1 − ηλ = 0.999 倍になる。",
        "演習問題 3: 正解 — 残したユニットは 1/(1 − p) = 2 倍される。",
        "演習問題 4: 正解 — エポック 1 の重みを残し、エポック 3 の後で止まる。",
    ]


# wrong answers: (function name, arguments, a piece of the Japanese hint)
WRONG_CALLS = [
    ("check_rmsprop_step", (1e-3, 0.01, 0.9, 1e-6, "a", 1.0), "演習問題 1: 数を一つ与えよ"),
    (
        "check_rmsprop_step",
        (
            1e-3,
            0.01,
            0.9,
            1e-6,
            0.01 * 1e-3 / (np.sqrt(1e-7) + 1e-6),
            0.01 * 1e-3 / np.sqrt(1e-7 + 1e-6),
        ),
        "二つの答えが入れ替わっている",
    ),
    ("check_rmsprop_step", (1e-3, 0.01, 0.9, 1e-6, 1.0, 1.0), "ε が内側: 1 は"),
    ("check_textbook_momentum_lr", (0.5, 0.8, 0.5), "教科書は各勾配を (1 − μ) 倍に減衰させる"),
    ("check_valley_limits", (5, 5, 0.08), "演習問題 3: 曲率の比: 5 は正しくない"),
    ("check_valley_limits", (25, 25, 0.08), "軸の比: 25 は正しくない"),
    ("check_valley_limits", (25, 5, 0.04), "最大の η: 0.04 は正しくない"),
    ("check_updates_per_epoch", (250, 16, 3, 3 * 250 / 16), "最後の短いバッチでもう 1 回"),
    ("check_updates_per_epoch", (250, 16, 3, 16), "1 エポックは ⌈N/|B|⌉ 回の更新"),
    ("check_clipped_gradient", ([30.0, -40.0], 5.0, [5.0, -5.0]), "成分ごとのクリッピング"),
    ("check_clipped_gradient", ([30.0, -40.0], 5.0, [0.6, -0.8]), "g0/‖∇E‖ 倍する"),
    ("check_clipped_gradient", ([30.0, -40.0], 5.0, [3.0]), "2 個の数を与えよ"),
    ("check_linear_decay", (0.1, 0.01, 100, 40, 0.4 * 0.01 + (1 - 0.4 * 0.1)), "スライドの誤植"),
    ("check_linear_decay", (0.1, 0.01, 100, 40, 0.05), "ではない (t > T では η_T)"),
    (
        "check_init_variances",
        (300, 100, 1 / 100, 2 / 400, 2 / 300),
        "LeCun: 0.01 は Var[w] = 1/d_in =",
    ),
    ("check_bagging_variance", (1.0, 10, 0.5, 0.2, 0.55), "独立な場合: 0.2 は σ²/M ではない"),
    ("check_bagging_variance", (1.0, 10, 0.5, 0.1, 0.5), "交差項 ρσ² が M(M − 1) 個"),
    ("check_decay_factor", (0.1, 0.01, 0.99), "荷重減衰だけの一歩"),
    ("check_dropout_scale", (0.5, 0.5), "期待値を保たなければならない"),
    ("check_early_stopping", ([1.0, 0.8, 0.9, 0.95], 2, 0, 3), "検証損失が最も小さい"),
    ("check_early_stopping", ([1.0, 0.8, 0.9, 0.95], 2, 1, 2), "`patience` = 2 エポック後"),
]


@pytest.mark.parametrize(
    ("check", "args", "hint"), WRONG_CALLS, ids=[f"{c[0]}-{i}" for i, c in enumerate(WRONG_CALLS)]
)
def test_a_wrong_answer_is_explained_in_japanese(
    co: ModuleType, japanese: None, check: str, args: tuple, hint: str
) -> None:
    with pytest.raises(AssertionError, match=re.escape(hint)):
        getattr(co, check)(*args)


def test_back_in_english_the_messages_are_english_again(
    co: ModuleType, capsys: pytest.CaptureFixture[str]
) -> None:
    viz.set_language("ja")
    try:
        co.check_decay_factor(0.1, 0.01, None)
    finally:
        viz.set_language("en")
    co.check_decay_factor(0.1, 0.01, None)
    co.check_decay_factor(0.1, 0.01, 0.999)
    assert capsys.readouterr().out.splitlines() == [
        f"演習問題 2: {UNANSWERED}",
        "Exercise 2: not answered yet — replace None with your answer and run the cell again.",
        "Exercise 2: correct — each step multiplies the weight by 1 − ηλ = 0.999.",
    ]


def test_loaded_from_its_file_it_speaks_japanese_too(
    japanese: None, capsys: pytest.CaptureFixture[str]
) -> None:
    """The other tests load the module from its file, without a ``course`` package."""
    load_course("optimization").check_dropout_scale(0.5, None)
    assert capsys.readouterr().out == f"演習問題 3: {UNANSWERED}\n"
