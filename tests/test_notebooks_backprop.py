"""Notebooks 01–03 (chain rule, output-layer delta, backprop) against issue 14, read as JSON.

Executing them is nbmake's job (`make test`); these checks are cheap. They check that each
notebook opens with its goals and textbook sections and ends with exercises whose checks
come from notebooks/course/backprop.py; that the errata boxes of CURRICULUM "Errata" sit
where their topic comes up, each followed by a cell that asserts it; that notebook 03
numbers its layers as the slides and the blue book do (input = layer 1); that tanh and
ReLU are defined where they are first used; and that the exercise checks accept a right
answer and reject a wrong one with a hint.
"""

from __future__ import annotations

import re
from pathlib import Path
from types import ModuleType

import numpy as np
import pytest
from notebook_json import cells as _cells
from notebook_json import headings as _headings
from notebook_json import load_course
from notebook_json import markdown as _markdown
from notebook_json import source as _source

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = ROOT / "notebooks"
NB = {
    "01": NOTEBOOKS / "01_chain_rule.ipynb",
    "02": NOTEBOOKS / "02_output_layer_delta.ipynb",
    "03": NOTEBOOKS / "03_backprop_mlp.ipynb",
}


def _box_and_check(path: Path, marker: str) -> tuple[str, str]:
    """The errata box whose first line contains ``marker``, and the code cell after it."""
    cells = _cells(path)
    for k, cell in enumerate(cells):
        text = _source(cell)
        if (
            cell["cell_type"] == "markdown"
            and text.startswith("> **Errata")
            and marker in (text.splitlines()[0])
        ):
            follower = cells[k + 1]
            assert follower["cell_type"] == "code", f"no code cell after the {marker} box"
            return text, _source(follower)
    raise AssertionError(f"{path.name} has no errata box naming {marker!r}")


# ------------------------------------------------------------------ frame of each notebook


@pytest.mark.parametrize("key", sorted(NB))
def test_opens_with_goals_and_textbook_sections(key: str) -> None:
    first = _source(_cells(NB[key])[0])
    assert first.startswith(f"# {int(key)}.")
    assert "What you will be able to do" in first
    for source in ("瀧", "青本", "ゼロから作る"):
        assert source in first, f"notebook {key}'s opening does not list the {source} sections"


@pytest.mark.parametrize("key", sorted(NB))
def test_ends_with_exercises_checked_by_the_course_module(key: str) -> None:
    cells = _cells(NB[key])
    assert _headings(NB[key])[-1] == "Exercises"
    last = _source(cells[-1])
    assert cells[-1]["cell_type"] == "code"
    checks = re.findall(r"cbp\.(check_\w+)\(", last)
    assert len(checks) >= 2 and last.count("= None") >= len(checks)
    assert "from course import backprop as cbp" in _source(cells[1])


@pytest.mark.parametrize("key", sorted(NB))
def test_is_one_sitting_without_stored_outputs(key: str) -> None:
    cells = _cells(NB[key])
    assert len(cells) <= 40
    assert all(not c.get("outputs") for c in cells if c["cell_type"] == "code")


# ------------------------------------------------------------------ errata boxes


def test_seed_002_box_in_notebook_01() -> None:
    box, check = _box_and_check(NB["01"], "seed 002")
    assert "equation (3)" in box and r"\partial" in box
    assert "assert" in check and "x.grad" in check


def test_seed_000_box_in_notebook_02() -> None:
    box, check = _box_and_check(NB["02"], "seed 000")
    assert "§4.4.1" in box and "d - y" in box and "y - d" in box and "e^{-u}" in box
    # both claims asserted: the likelihood's gradient d − y vs the error's y − d, σ′'s numerator
    assert "d - yv" in check and "yv - d" in check and "np.exp(-grid)" in check


def test_missing_log_box_in_notebook_02() -> None:
    box, check = _box_and_check(NB["02"], "softmax regression and the sigmoid unit")
    assert r"\log" in box and "log-odds" in box
    assert "np.log(y.data)" in check and "np.log(yv / (1 - yv))" in check


def test_seed_001_box_in_notebook_03() -> None:
    box, check = _box_and_check(NB["03"], "seed 001")
    assert "(y_j - d_j)" in box and "z1ᵀ · delta2" in box and "d_sigmoid(u1)" in box
    assert "(Y[n, j] - Dt[n, j]) * Z2[n, i]" in check
    assert "d_sigmoid(U2)" in check and "not np.allclose(back * d_sigmoid(z2_sig.data)" in check


def test_seminar_6_16_box_in_notebook_03() -> None:
    box, check = _box_and_check(NB["03"], "(6.16)")
    assert "f'(u^{(l)}_j)" in box
    assert "np.tanh(U2)" in check and "not np.allclose" in check


def test_seed_003_relu_box_in_notebook_03() -> None:
    box, check = _box_and_check(NB["03"], "seed 003")
    assert "[0, \\infty)" in box
    assert ".relu()" in check and "> 1" in check


# ------------------------------------------------------------------ numbering and definitions


def test_notebook_03_numbers_the_input_as_layer_1() -> None:
    cells = _cells(NB["03"])
    text = "\n".join(_source(c) for c in cells)
    for symbol in ("z^{(1)} = x", "W^{(2)}", "W^{(3)}", r"\delta^{(3)} = y - d"):
        assert symbol in text, symbol
    # nothing left of the old numbering (input = layer 0, first weight W^(1), output δ^(2))
    for old in ("z^{(0)}", "W^{(1)}", "l=0", "δ^(1)", r"\delta^{(1)}"):
        assert old not in text, old
    assert "input is layer 1" in _source(cells[0])


def test_tanh_is_defined_before_its_first_use_in_notebook_01() -> None:
    cells = _cells(NB["01"])
    first_use = next(
        k for k, c in enumerate(cells) if c["cell_type"] == "code" and "tanh" in _source(c)
    )
    before = "\n".join(_source(c) for c in cells[:first_use] if c["cell_type"] == "markdown")
    assert r"\tanh u = \frac{e^{u} - e^{-u}}{e^{u} + e^{-u}}" in before


def test_tanh_and_relu_are_defined_in_notebook_03_before_the_network() -> None:
    headings = _headings(NB["03"])
    act = next(k for k, h in enumerate(headings) if "tanh and ReLU" in h)
    net = next(k for k, h in enumerate(headings) if h.endswith("The network"))
    assert act < net
    text = "\n".join(_markdown(NB["03"]))
    assert r"\mathrm{ReLU}(u) = \max(0, u)" in text and r"\tanh' u = 1 - \tanh^2 u" in text


# ------------------------------------------------------------------ exercise checks


@pytest.fixture(scope="module")
def cbp() -> ModuleType:
    return load_course("backprop")


def _accepts(capsys: pytest.CaptureFixture[str], check, *args) -> None:
    check(*args)
    assert "correct" in capsys.readouterr().out


def test_unanswered_exercises_only_print(cbp: ModuleType, capsys) -> None:
    cbp.check_add_multiply(1.0, 2.0, 3.0, None)
    cbp.check_two_paths(0.5, None, 1.0)
    cbp.check_bce_delta(np.zeros(2), np.zeros(2), None)
    cbp.check_mse_gradient(np.zeros(2), np.zeros(2), None)
    cbp.check_softmax_delta_soft(np.zeros(2), np.ones(2), None)
    cbp.check_hidden_delta(np.eye(2), np.ones(2), np.zeros(2), None)
    cbp.check_weight_gradient(np.ones(2), np.ones(3), None)
    cbp.check_relu_delta(np.ones(2), np.ones(2), None)
    assert capsys.readouterr().out.count("not answered yet") == 8


def test_check_add_multiply_against_autograd(cbp: ModuleType, capsys) -> None:
    from autograd import Value

    a, b, c = Value(1.5), Value(-4.0), Value(2.5)
    ((a + b) * c).backward()
    _accepts(capsys, cbp.check_add_multiply, 1.5, -4.0, 2.5, [a.grad, b.grad, c.grad])
    with pytest.raises(AssertionError, match="add node"):
        cbp.check_add_multiply(1.5, -4.0, 2.5, [1.0, 1.0, -2.5])


def test_check_two_paths(cbp: ModuleType, capsys) -> None:
    from autograd import Value

    x = Value(0.5)
    (x * x.exp()).backward()
    e = np.exp(0.5)
    _accepts(capsys, cbp.check_two_paths, 0.5, e, 0.5 * e)
    assert np.isclose(e + 0.5 * e, x.grad)  # the two paths add up to backprop's answer
    with pytest.raises(AssertionError, match="swapped"):
        cbp.check_two_paths(0.5, 0.5 * e, e)


def test_check_bce_delta_rejects_the_likelihood_sign(cbp: ModuleType, capsys) -> None:
    u, d = np.array([-1.0, 0.5, 2.0]), np.array([1.0, 0.0, 1.0])
    y = 1 / (1 + np.exp(-u))
    _accepts(capsys, cbp.check_bce_delta, u, d, y - d)
    with pytest.raises(AssertionError, match="log-likelihood"):
        cbp.check_bce_delta(u, d, d - y)
    with pytest.raises(AssertionError, match="shape"):
        cbp.check_bce_delta(u, d, (y - d)[:2])


def test_check_mse_gradient_against_autograd(cbp: ModuleType, capsys) -> None:
    import nn.functional as F
    from autograd import Tensor

    y = np.array([[1.0, 2.0], [0.5, -1.0]])
    d = np.array([[0.0, 2.5], [1.0, 1.0]])
    t = Tensor(y, requires_grad=True)
    F.mse_loss(t, d).backward()
    _accepts(capsys, cbp.check_mse_gradient, y, d, t.grad.data)
    with pytest.raises(AssertionError, match="without the ½"):
        cbp.check_mse_gradient(y, d, y - d)


def test_check_softmax_delta_soft_against_autograd(cbp: ModuleType, capsys) -> None:
    import nn.functional as F
    from autograd import Tensor

    u, d = np.array([1.0, 2.0, 0.5]), np.array([0.5, 0.5, 1.0])
    t = Tensor(u, requires_grad=True)
    (-(Tensor(d) * F.log_softmax(t)).sum()).backward()
    _accepts(capsys, cbp.check_softmax_delta_soft, u, d, t.grad.data)
    y = np.exp(u) / np.exp(u).sum()
    with pytest.raises(AssertionError, match="sum to 2"):
        cbp.check_softmax_delta_soft(u, d, y - d)


def test_check_hidden_delta_against_autograd(cbp: ModuleType, capsys) -> None:
    import autograd
    from autograd import Tensor

    W3 = np.array([[0.5, -1.0, 2.0], [1.5, 0.25, -0.5]])
    delta3 = np.array([0.2, -0.4])
    u2 = np.array([0.3, -1.2, 0.8])
    # the delta of E = delta3 · (W3 tanh(u2)) at u2 is what the recursion gives
    t = Tensor(u2, requires_grad=True)
    (want,) = autograd.grad((Tensor(delta3) * (Tensor(W3) @ t.tanh())).sum(), [t])
    _accepts(capsys, cbp.check_hidden_delta, W3, delta3, u2, want.data)
    back = W3.T @ delta3
    with pytest.raises(AssertionError, match="not at its output"):
        cbp.check_hidden_delta(W3, delta3, u2, back * (1 - np.tanh(np.tanh(u2)) ** 2))
    with pytest.raises(AssertionError, match="missing"):
        cbp.check_hidden_delta(W3, delta3, u2, back)


def test_check_weight_gradient(cbp: ModuleType, capsys) -> None:
    delta, x = np.array([0.1, -0.3, 0.05]), np.array([1.0, -2.0])
    _accepts(capsys, cbp.check_weight_gradient, delta, x, np.outer(delta, x))
    with pytest.raises(AssertionError, match=r"\(in, out\)"):
        cbp.check_weight_gradient(delta, x, np.outer(x, delta))
    with pytest.raises(AssertionError, match="δ_j z_i"):
        cbp.check_weight_gradient(delta, x, np.outer(delta, x) + 1e-3)


def test_check_relu_delta(cbp: ModuleType, capsys) -> None:
    back, u = np.array([0.5, -1.0, 2.0]), np.array([0.3, -1.2, 0.8])
    _accepts(capsys, cbp.check_relu_delta, back, u, np.array([0.5, 0.0, 2.0]))
    with pytest.raises(AssertionError, match="ReLU′"):
        cbp.check_relu_delta(back, u, back * np.maximum(u, 0))
