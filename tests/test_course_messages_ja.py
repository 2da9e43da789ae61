"""The exercise checks of notebooks 00–03 speak Japanese in the Japanese edition.

``notebooks/course/basics.py`` (notebook 00) and ``backprop.py`` (01–03) write every message
twice through ``course.words.say``; after ``viz.set_language("ja")`` (the first cell of every
notebook in notebooks/ja/) the learner reads the Japanese one. The English messages are
checked by tests/test_notebooks_curriculum.py and tests/test_notebooks_backprop.py; here the
same checks run in Japanese, and switching back gives the English text again.
"""

from __future__ import annotations

import re
from types import ModuleType

import matplotlib
import numpy as np
import pytest
from notebook_json import load_course

import viz

matplotlib.use("Agg")

# kana and kanji: a message "in Japanese" has at least a few of them
_JAPANESE = re.compile(r"[\u3040-\u30ff\u3400-\u9fff]")


@pytest.fixture(scope="module")
def basics() -> ModuleType:
    return load_course("basics")


@pytest.fixture(scope="module")
def cbp() -> ModuleType:
    return load_course("backprop")


def _japanese(text: str) -> bool:
    return len(_JAPANESE.findall(text)) >= 5


def test_unanswered_basics_exercises_say_so_in_japanese(
    basics: ModuleType, capsys, japanese
) -> None:
    phi, y = np.eye(3), np.ones(3)
    basics.check_normal_equations(phi, y, None)
    basics.check_ridge(phi, y, 0.1, None)
    basics.check_gate("AND", None, None)
    basics.check_softmax_delta(np.zeros(3), 0, None)
    lines = capsys.readouterr().out.splitlines()
    assert [line.split(":")[0] for line in lines] == [
        "演習問題 1",
        "演習問題 2",
        "演習問題 3 (AND)",
        "演習問題 4",
    ]
    assert all("まだ解答されていない" in line and "None" in line for line in lines)
    assert "not answered" not in "\n".join(lines)


def test_basics_checks_answer_and_hint_in_japanese(basics: ModuleType, capsys, japanese) -> None:
    x, y = basics.sine_data(10, np.random.default_rng(3), grid=True)
    phi = basics.poly_features(x, 3)
    w = np.linalg.solve(phi.T @ phi, phi.T @ y)
    basics.check_normal_equations(phi, y, w)
    assert capsys.readouterr().out == (
        "演習問題 1: 正解 — ∇E(w) = 0 であり、w は正規方程式の解である。\n"
    )
    with pytest.raises(AssertionError, match=r"^演習問題 1: ∇E\(w\) = .* が 0 になっていない") as e:
        basics.check_normal_equations(phi, y, w + 1e-3)
    assert "np.linalg.solve" in str(e.value)
    with pytest.raises(AssertionError, match=r"w の成分は 4 個.*\(3,\)"):
        basics.check_normal_equations(phi, y, w[:3])
    with pytest.raises(AssertionError, match=r"ΦᵀΦ \+ \(Nλ/2\)·I"):
        basics.check_ridge(phi, y, 0.01, w)
    with pytest.raises(AssertionError, match=r"^演習問題 3: .*NAND は \[1.0, 1.0, 1.0, 0.0\]"):
        basics.check_gate("NAND", np.array([1.0, 1.0]), -1.5)
    basics.check_gate("AND", np.array([1.0, 1.0]), -1.5)
    assert capsys.readouterr().out == "演習問題 3: 正解 — step(w·x + b) は AND である。\n"
    with pytest.raises(AssertionError, match="one-hot の目標値"):
        basics.check_softmax_delta(np.zeros(3), 0, np.zeros(3))


def test_plot_regions_legend_says_class_in_the_notebooks_language(basics: ModuleType) -> None:
    import matplotlib.pyplot as plt

    X = np.array([[0.0, 0.0], [1.0, 1.0]])
    y = np.array([0, 1])

    def labels() -> list[str]:
        fig, ax = plt.subplots()
        try:
            basics.plot_regions(ax, lambda p: (p.sum(axis=1) > 1).astype(int), X, y, 2, steps=5)
            return [h.get_label() for h in ax.collections if not h.get_label().startswith("_")]
        finally:
            plt.close(fig)

    assert labels() == ["class 0", "class 1"]
    viz.set_language("ja")
    try:
        assert labels() == ["クラス 0", "クラス 1"]
    finally:
        viz.set_language("en")
    assert labels() == ["class 0", "class 1"]


def test_unanswered_backprop_exercises_say_so_in_japanese(
    cbp: ModuleType, capsys, japanese
) -> None:
    cbp.check_add_multiply(1.0, 2.0, 3.0, None)
    cbp.check_two_paths(0.5, None, 1.0)
    cbp.check_bce_delta(np.zeros(2), np.zeros(2), None)
    cbp.check_mse_gradient(np.zeros(2), np.zeros(2), None)
    cbp.check_softmax_delta_soft(np.zeros(2), np.zeros(2), None)
    cbp.check_hidden_delta(np.eye(2), np.zeros(2), np.zeros(2), None)
    cbp.check_weight_gradient(np.zeros(2), np.zeros(2), None)
    cbp.check_relu_delta(np.zeros(2), np.zeros(2), None)
    lines = capsys.readouterr().out.splitlines()
    assert [line.split(":")[0] for line in lines] == [
        "演習問題 1",
        "演習問題 2",
        "演習問題 1",
        "演習問題 2",
        "演習問題 3",
        "演習問題 1",
        "演習問題 2",
        "演習問題 3",
    ]
    assert all(
        line.endswith(
            "まだ解答されていない — None を自分の答えに置き換えて、セルをもう一度実行せよ。"
        )
        for line in lines
    )


def test_backprop_checks_accept_in_japanese(cbp: ModuleType, capsys, japanese) -> None:
    u, d = np.array([0.3, -1.2]), np.array([1.0, 0.0])
    sig = 1 / (1 + np.exp(-u))
    cbp.check_add_multiply(1.5, -4.0, 2.5, [2.5, 2.5, -2.5])
    cbp.check_two_paths(0.0, 1.0, 0.0)
    cbp.check_bce_delta(u, d, sig - d)
    y3, d3 = np.array([0.3, -1.2, 0.5]), np.array([1.0, 0.0, 0.0])
    cbp.check_mse_gradient(y3, d3, 2 / 3 * (y3 - d3))
    cbp.check_relu_delta(np.array([1.0, 2.0]), np.array([1.0, -1.0]), np.array([1.0, 0.0]))
    out = capsys.readouterr().out.splitlines()
    assert out[0] == "演習問題 1: 正解 — ∂f/∂a = ∂f/∂b = c = 2.5、∂f/∂c = a + b = -2.5 である。"
    assert out[1] == "演習問題 2: 正解 — 経路の和は (1 + x) e^x = 1.000000 になる。"
    assert out[2] == "演習問題 1: 正解 — δ = σ(u) − d である。"
    assert out[3] == "演習問題 2: 正解 — 2(y − d)/3 である。"
    assert out[4].startswith("演習問題 3: 正解 — デルタは u > 0 のところだけを通り")


@pytest.mark.parametrize(
    "case",
    [
        "bce_sign",
        "shape",
        "mse_half",
        "soft_sum",
        "hidden_output",
        "hidden_missing",
        "weight_transposed",
        "weight_entry",
        "relu_value",
        "two_paths_swapped",
        "add_multiply",
    ],
)
def test_backprop_hints_are_japanese(cbp: ModuleType, japanese, case: str) -> None:
    u, d = np.array([0.3, -1.2]), np.array([1.0, 0.0])
    sig = 1 / (1 + np.exp(-u))
    u2, W3 = np.array([0.4, -0.7]), np.array([[1.0, 2.0], [0.5, -1.0]])
    delta3 = np.array([0.2, -0.1])
    back = W3.T @ delta3
    calls = {
        "bce_sign": (cbp.check_bce_delta, (u, d, d - sig), "対数尤度"),
        "shape": (
            cbp.check_bce_delta,
            (u, d, np.zeros(3)),
            r"形状 \(2,\) の配列が必要だが、形状が \(3,\)",
        ),
        "mse_half": (cbp.check_mse_gradient, (np.ones(3), np.zeros(3), np.ones(3)), "½ が付かない"),
        "soft_sum": (
            cbp.check_softmax_delta_soft,
            (u, np.array([1.0, 1.0]), np.exp(u) / np.exp(u).sum() - 1),
            "和は 2 である",
        ),
        "hidden_output": (
            cbp.check_hidden_delta,
            (W3, delta3, u2, back * (1 - np.tanh(np.tanh(u2)) ** 2)),
            "入力 u で評価する",
        ),
        "hidden_missing": (cbp.check_hidden_delta, (W3, delta3, u2, back), "が抜けている"),
        "weight_transposed": (
            cbp.check_weight_gradient,
            (np.zeros(2), np.zeros(3), np.zeros((3, 2))),
            r"\(out, in\) = \(2, 3\)",
        ),
        "weight_entry": (
            cbp.check_weight_gradient,
            (np.ones(2), np.ones(3), np.zeros((2, 3))),
            "成分は δ_j z_i",
        ),
        "relu_value": (
            cbp.check_relu_delta,
            (np.ones(2), np.array([2.0, -1.0]), np.array([2.0, 0.0])),
            "ReLU′\\(u\\) である",
        ),
        "two_paths_swapped": (cbp.check_two_paths, (1.0, np.e, np.e), None),
        "add_multiply": (cbp.check_add_multiply, (1.0, 2.0, 3.0, [1.0, 2.0, 3.0]), "加算ノード"),
    }
    check, args, pattern = calls[case]
    with pytest.raises(AssertionError) as e:
        check(*args)
    message = str(e.value)
    assert message.startswith("演習問題 ")
    assert _japanese(message), message
    if pattern is not None:
        assert re.search(pattern, message), message


def test_switching_back_gives_the_english_messages(cbp: ModuleType, capsys) -> None:
    viz.set_language("ja")
    try:
        cbp.check_relu_delta(np.zeros(1), np.zeros(1), None)
    finally:
        viz.set_language("en")
    cbp.check_relu_delta(np.zeros(1), np.zeros(1), None)
    ja_line, en_line = capsys.readouterr().out.splitlines()
    assert ja_line.startswith("演習問題 3: まだ解答されていない")
    assert en_line == (
        "Exercise 3: not answered yet — replace None with your answer and run the cell again."
    )


def test_mse_check_accepts_the_right_answer_for_two_entries(cbp: ModuleType, capsys) -> None:
    # for two entries 2(y − d)/2 equals y − d, the answer the "without the ½" hint is for;
    # the right answer must still be accepted
    y, d = np.array([0.3, -1.2]), np.array([1.0, 0.0])
    cbp.check_mse_gradient(y, d, y - d)
    assert capsys.readouterr().out == "Exercise 2: correct — 2(y − d)/2.\n"
    with pytest.raises(AssertionError, match="without the ½"):
        cbp.check_mse_gradient(np.ones(4), np.zeros(4), np.ones(4))


def test_relu_check_accepts_the_right_answer_when_relu_u_equals_relu_prime(
    cbp: ModuleType, capsys
) -> None:
    # where every positive u is exactly 1, back ⊙ ReLU(u) equals back ⊙ ReLU′(u): that is
    # the right answer, not the "multiplies by ReLU(u)" mistake
    cbp.check_relu_delta(np.array([1.0, 2.0]), np.array([1.0, -1.0]), np.array([1.0, 0.0]))
    assert capsys.readouterr().out.startswith("Exercise 3: correct")
    with pytest.raises(AssertionError, match="multiplies by ReLU"):
        cbp.check_relu_delta(np.array([1.0, 2.0]), np.array([3.0, -1.0]), np.array([3.0, 0.0]))


def test_hidden_delta_check_accepts_the_right_answer_at_u_zero(cbp: ModuleType, capsys) -> None:
    # at u = 0, tanh′(u) = 1 and tanh′(tanh u) = 1: the right answer equals both hinted mistakes
    W3, delta3 = np.array([[1.0, 2.0], [0.5, -1.0]]), np.array([0.2, -0.1])
    cbp.check_hidden_delta(W3, delta3, np.zeros(2), W3.T @ delta3)
    assert capsys.readouterr().out.startswith("Exercise 1: correct")
