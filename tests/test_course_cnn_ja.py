"""``notebooks/course/cnn.py`` speaks Japanese in the Japanese notebooks (issue 15).

The exercise checks of notebooks 06a–06c print and raise in the language viz is set to:
Japanese after ``viz.set_language("ja")`` (the first cell of every notebooks/ja/ notebook),
and exactly the old English otherwise (tests/test_notebook_06.py checks the English).
"""

from __future__ import annotations

from types import ModuleType

import numpy as np
import pytest
from notebook_json import load_course


@pytest.fixture(scope="module")
def cnn() -> ModuleType:
    return load_course("cnn")


def _seminar(target: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    # the top-left 3×3 block of the image, picked out by a filter with one 1 in its corner
    image, kernel = np.zeros((5, 5)), np.zeros((3, 3))
    image[:3, :3], kernel[0, 0] = target, 1.0
    return image, kernel


def test_english_unanswered_message_is_unchanged(
    cnn: ModuleType, capsys: pytest.CaptureFixture[str]
) -> None:
    cnn.check_output_size(None)
    assert capsys.readouterr().out == (
        "Output sizes: not answered yet — replace None with your answer and run the cell again.\n"
    )


def test_unanswered_checks_say_so_in_japanese(
    cnn: ModuleType, japanese: None, capsys: pytest.CaptureFixture[str]
) -> None:
    cnn.check_seminar_convolution(None, None)
    cnn.check_output_size(None)
    cnn.check_pool_backward(np.zeros((4, 4)), np.zeros((2, 2)), None)
    cnn.check_sigmoid_derivative(None)
    cnn.check_conv_params(None)
    cnn.check_receptive_field(None)
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 6
    assert all("まだ解答されていない" in line and "None" in line for line in lines)
    assert lines[1] == (
        "出力サイズ: まだ解答されていない — None を自分の答えで置き換えて、セルをもう一度実行せよ。"
    )


def test_right_answers_are_confirmed_in_japanese(
    cnn: ModuleType, japanese: None, capsys: pytest.CaptureFixture[str]
) -> None:
    cnn.check_seminar_convolution(*_seminar(cnn.SEMINAR_CONV))
    out = capsys.readouterr().out
    assert "3 行 2 列は -8" in out and "スライドでは -14" in out
    cnn.check_output_size([28, 32, 16, 15, 16])
    z = np.array([[3, 1, 0, 2], [0, 2, 5, 1], [1, 1, 0, 0], [4, 0, 3, 9]], dtype=float)
    g = np.array([[1.0, -2.0], [0.5, 3.0]])
    right = np.zeros((4, 4))
    right[0, 0], right[1, 2], right[3, 0], right[3, 3] = 1.0, -2.0, 0.5, 3.0
    cnn.check_pool_backward(z, g, right)
    cnn.check_sigmoid_derivative(lambda u: np.exp(-u) / (1 + np.exp(-u)) ** 2)
    cnn.check_conv_params(16 * 3 * 5 * 5 + 16)
    cnn.check_receptive_field(5)
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 5 and all("正解" in line for line in lines)
    assert lines[3] == "Conv2d(3, 16, 5) のパラメータ数: 正解 — 1216。"
    assert lines[4] == "受容野: 正解 — 逆伝播で測ったとおり 5×5 である。"


def test_wrong_answers_get_japanese_hints(cnn: ModuleType, japanese: None) -> None:
    with pytest.raises(AssertionError, match=r"\(3, 2\).*入力した数値"):
        cnn.check_seminar_convolution(*_seminar(cnn.SEMINAR_CONV_SLIDE))
    with pytest.raises(AssertionError, match="5×5.*3×3.*(4, 4)"):
        cnn.check_seminar_convolution(np.zeros((4, 4)), np.zeros((3, 3)))
    with pytest.raises(AssertionError, match="5 個"):
        cnn.check_output_size([28, 32, 16, 15])
    with pytest.raises(AssertionError, match=r"H=4, P=0, S=2 .*15.*14\.5"):
        cnn.check_output_size([28, 32, 16, 14.5, 16])
    with pytest.raises(AssertionError, match="最大値の位置"):
        cnn.check_pool_backward(np.eye(4), np.ones((2, 2)), np.full((4, 4), 0.25))
    with pytest.raises(AssertionError, match="σ'.*σ\\(u\\) 自身"):
        cnn.check_sigmoid_derivative(lambda u: np.exp(u) / (1 + np.exp(-u)) ** 2)
    with pytest.raises(AssertionError, match="1200 ではない.*バイアス"):
        cnn.check_conv_params(16 * 3 * 5 * 5)
    with pytest.raises(AssertionError, match="6×6 ではない.*1 画素"):
        cnn.check_receptive_field(6)
