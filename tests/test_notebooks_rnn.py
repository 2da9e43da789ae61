"""Notebooks 07, 07b, 07c (recurrent networks) and 08 (seeing backprop), read as JSON only,
and their helper modules notebooks/course/rnn.py and notebooks/course/graphs.py.

Executing the notebooks is `make test`'s nbmake step; these checks are cheap. They check
that each notebook is one sitting, opens with goals and textbook sections, ends with
exercises, keeps plumbing out of the learner's cells, and no longer makes the false claims
of issue 14 (RTRL's cost, a fixed BPTT time, the peephole "of the textbook", 4⁻⁸ as a bound
on a measured ratio); and that the exercise checks accept a right answer and reject a wrong one.
"""

from __future__ import annotations

import json
import math
import re
from pathlib import Path
from types import ModuleType

import numpy as np
import pytest
from notebook_json import load_course as _load
from notebook_json import source as _source

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = ROOT / "notebooks"
NB07 = ["07_rnn_bptt", "07b_lstm_gru", "07c_sequence_models"]
ALL = NB07 + ["08_seeing_backprop"]


def _cells(name: str) -> list[dict]:
    return json.loads((NOTEBOOKS / f"{name}.ipynb").read_text(encoding="utf-8"))["cells"]


def _text(name: str, kind: str) -> list[str]:
    return [_source(c) for c in _cells(name) if c["cell_type"] == kind]


@pytest.fixture(scope="module")
def rnn() -> ModuleType:
    return _load("rnn")


@pytest.fixture(scope="module")
def graphs() -> ModuleType:
    return _load("graphs")


# ------------------------------------------------------------------ shape of the notebooks


def test_notebook_07_is_split_in_reading_order() -> None:
    assert not (NOTEBOOKS / "07_rnn.ipynb").exists()
    names = sorted(p.stem for p in NOTEBOOKS.glob("07*.ipynb"))
    assert names == NB07


@pytest.mark.parametrize("name", NB07)
def test_each_07_part_is_one_sitting(name: str) -> None:
    cells = _cells(name)
    assert len(cells) <= 40
    assert all(not c.get("outputs") for c in cells if c["cell_type"] == "code")


@pytest.mark.parametrize("name", ALL)
def test_opens_with_goals_and_textbook_sections_and_ends_with_exercises(name: str) -> None:
    cells = _cells(name)
    first = _source(cells[0])
    assert "What you will be able to do" in first
    for book in ("瀧", "青本", "ゼロから作る"):
        assert book in first, f"{name}: the opening cell does not list the {book} sections"
    assert "## Exercises" in _source(cells[-2])
    last = _source(cells[-1])
    assert cells[-1]["cell_type"] == "code" and last.count("= None") >= 2
    assert re.findall(r"\bc[rg]\.check_\w+\(", last), f"{name}: no exercise check in the last cell"


@pytest.mark.parametrize("name", NB07)
def test_07_parts_give_the_textbook_chapters(name: str) -> None:
    first = _source(_cells(name)[0])
    assert "ch. 9" in first and "ch. 7" in first  # 瀧 ch. 9, 青本 ch. 7
    assert "ゼロから作るDeep Learning ❷" in first


@pytest.mark.parametrize("name", ALL)
def test_no_plumbing_in_learner_cells(name: str) -> None:
    code = "\n".join(_text(name, "code"))
    for plumbing in (
        "threadpoolctl",
        "import re\n",
        "re.findall",
        "perf_counter",
        "np.testing",
        "import time",
    ):
        assert plumbing not in code, f"{name}: {plumbing!r} belongs in notebooks/course"


@pytest.mark.parametrize("name", ALL)
def test_assertions_are_one_line(name: str) -> None:
    # a check is one readable line: no loops whose body is an assert, no assert messages
    code = "\n".join(_text(name, "code"))
    assert not re.search(r"^\s*for .*:\n\s+assert ", code, flags=re.M)
    assert not re.search(r"^\s*assert .*, \w+\.label$", code, flags=re.M)


# ------------------------------------------------------------------ the errors of issue 14


def test_07_rtrl_cost_is_h_cubed_entries_times_h() -> None:
    prose = "\n".join(_text("07_rnn_bptt", "markdown"))
    assert "costs $H^2$ per entry" not in prose
    assert "$H^3$ entries" in prose.replace("H \\times H^2 = H^3$ entries", "$H^3$ entries")
    assert "sum of $H$ products" in prose and "$O(H^4)$" in prose


def test_07_bptt_time_is_read_from_the_measurement() -> None:
    prose = "\n".join(_text("07_rnn_bptt", "markdown"))
    assert not re.search(r"\d+\s*µs", prose), "a fixed time in the prose: derive it from the output"
    code = "\n".join(_text("07_rnn_bptt", "code"))
    assert "bptt_us[-1] / bptt_us[0]" in code


def test_07b_peephole_errata_box() -> None:
    cells = _cells("07b_lstm_gru")
    boxes = [
        i
        for i, c in enumerate(cells)
        if c["cell_type"] == "markdown" and "> **Errata**" in _source(c)
    ]
    assert len(boxes) == 1
    box = _source(cells[boxes[0]])
    assert "s^{t-1}" in box and "variant" in box and "seminar" in box
    shown = _source(cells[boxes[0] + 1])
    assert "np.abs(h_p.data - z_seminar).max() > 1e-3" in shown
    peephole_prose = [t for t in _text("07b_lstm_gru", "markdown") if "eephole" in t]
    assert peephole_prose and not any("The textbook's LSTM" in t for t in peephole_prose)


def test_readme_peephole_line_names_the_variant() -> None:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "the textbook's cell-to-gate peephole" not in text
    line = text[text.index("`LSTM(..., peephole=True)`") :][:400]
    assert "seminar" in line and "c_{t−1}" in line.split("(Gers et al.)")[1]


def test_08_four_to_the_minus_eight_is_not_a_bound_on_the_ratio() -> None:
    prose = "\n".join(_text("08_seeing_backprop", "markdown"))
    assert "about the ratio we measured" not in prose
    assert "not a bound" in prose
    code = "\n".join(_text("08_seeing_backprop", "code"))
    assert "assert ratio_sigmoid > 0.25**8" in code and "assert shrink <= 0.25**8" in code


def test_08_errata_box_delta_uses_f_prime_at_u() -> None:
    cells = _cells("08_seeing_backprop")
    boxes = [
        i
        for i, c in enumerate(cells)
        if c["cell_type"] == "markdown" and "> **Errata**" in _source(c)
    ]
    assert len(boxes) == 1
    box = _source(cells[boxes[0]])
    assert "6.16" in box and "seed 001" in box and "f'(u_j)" in box
    assert "not math.isclose(hidden[j].b.grad, delta_at_z[j])" in _source(cells[boxes[0] + 1])


# ------------------------------------------------------------------ course.rnn


def test_multiply_adds_per_step(rnn: ModuleType) -> None:
    # RTRL: H * H * (HI + H^2 + H); BPTT: 3H^2 + 2HI + 3HO
    assert rnn.multiply_adds_per_step(32) == (32 * 32 * (32 + 1024 + 32), 3 * 1024 + 64 + 96)
    assert rnn.multiply_adds_per_step(4, 3, 2) == (16 * (12 + 16 + 4), 48 + 24 + 24)


def test_real_word_fraction(rnn: ModuleType) -> None:
    corpus = "First Citizen: we are accounted poor citizens, the patricians good."
    assert rnn.real_word_fraction("we are poor zqx", corpus) == 0.75
    assert rnn.real_word_fraction("??", corpus) == 0.0


def test_stopwatch_measures_the_block(rnn: ModuleType) -> None:
    with rnn.stopwatch() as clock:
        assert math.isnan(clock.seconds)  # not known inside the block
    assert clock.seconds >= 0 and f"{clock:.1f}" == f"{clock.seconds:.1f}"


def _elman_problem() -> tuple[dict, np.ndarray, np.ndarray]:
    from nn.textbook import rtrl

    P = rtrl.init_elman_params(3, 4, 2, random_state=0)
    rng = np.random.default_rng(1)
    return P, rng.standard_normal((6, 3)), rng.standard_normal((6, 2))


def test_check_last_delta(rnn: ModuleType, capsys: pytest.CaptureFixture[str]) -> None:
    P, xs, ds = _elman_problem()
    z = np.zeros(4)
    for x in xs:
        z = np.tanh(P["W_in"] @ x + P["W"] @ z + P["b"])
    right = (P["W_out"].T @ (P["W_out"] @ z - ds[-1])) * (1 - z**2)
    rnn.check_last_delta(P, xs, ds, right)
    assert "correct" in capsys.readouterr().out
    with pytest.raises(AssertionError, match="δ\\^T"):
        rnn.check_last_delta(P, xs, ds, P["W_out"].T @ (P["W_out"] @ z - ds[-1]))  # f' forgotten
    rnn.check_last_delta(P, xs, ds, None)
    assert "not answered yet" in capsys.readouterr().out


def test_check_rtrl_cost(rnn: ModuleType, capsys: pytest.CaptureFixture[str]) -> None:
    rnn.check_rtrl_cost(16, 3, 16**4)
    assert "correct" in capsys.readouterr().out
    with pytest.raises(AssertionError, match="H·H²"):
        rnn.check_rtrl_cost(16, 3, 16**3)


def test_check_cell_gradient_and_gru_update(rnn: ModuleType) -> None:
    g_F = np.array([[0.9, 0.5], [0.8, 0.5], [0.95, 0.5]])
    rnn.check_cell_gradient(g_F, [0.9 * 0.8 * 0.95, 0.125])
    with pytest.raises(AssertionError, match="product"):
        rnn.check_cell_gradient(g_F, g_F.mean(axis=0))
    h, h_tilde, z = np.array([1.0, -0.5]), np.array([0.2, 0.4]), np.array([0.9, 0.1])
    rnn.check_gru_update(h, h_tilde, z, [0.9 + 0.1 * 0.2, -0.05 + 0.9 * 0.4])
    with pytest.raises(AssertionError, match="update gate"):
        rnn.check_gru_update(h, h_tilde, z, (1 - z) * h + z * h_tilde)  # roles swapped


def test_check_perplexity_and_context_size(rnn: ModuleType) -> None:
    import nn

    rnn.check_perplexity(1.863, math.exp(1.863))
    with pytest.raises(AssertionError, match="exp"):
        rnn.check_perplexity(1.863, 2**1.863)
    s2s = nn.Seq2Seq(vocab_size=11, embed_dim=4, hidden_size=6, cell="gru", rng=0)
    rnn.check_context_size(s2s, 6)
    with pytest.raises(AssertionError, match="hidden_size"):
        rnn.check_context_size(s2s, 5 * 6)


# ------------------------------------------------------------------ course.graphs


DOT = """digraph {
  m0 [label="conv (Conv2d)\\n16×1×8×8 → 16×4×6×6", shape=box]
  m1 [label="relu (ReLU)", shape=box]
  x [label="images"]
  x -> m0
  m0 -> m1
}"""


def test_module_boxes_and_links(graphs: ModuleType) -> None:
    assert graphs.module_boxes(DOT) == {"m0": "conv (Conv2d)", "m1": "relu (ReLU)"}
    # x -> m0 is no link between modules
    assert graphs.module_links(DOT) == [("conv (Conv2d)", "relu (ReLU)")]
    assert graphs.links_between(DOT, "conv", "relu") == [("conv (Conv2d)", "relu (ReLU)")]
    assert graphs.links_between(DOT, "relu", "conv") == []


def test_module_boxes_of_a_real_drawing(graphs: ModuleType) -> None:
    import nn
    import nn.functional as F
    from autograd import Tensor
    from viz import draw_graph

    model = nn.Sequential(nn.Linear(3, 4, rng=0), nn.Tanh(), nn.Linear(4, 2, rng=0))
    loss = F.mse_loss(model(Tensor(np.ones((5, 3), np.float32))), np.zeros((5, 2), np.float32))
    loss.backward()
    drawing = draw_graph(loss, model=model, collapse="modules")
    boxes = graphs.module_boxes(drawing)
    assert sorted(boxes.values()) == ["0 (Linear)", "1 (Tanh)", "2 (Linear)"]
    assert graphs.module_links(drawing) == [("0 (Linear)", "1 (Tanh)"), ("1 (Tanh)", "2 (Linear)")]


def test_check_frame_count_and_sigmoid_peak(
    graphs: ModuleType, capsys: pytest.CaptureFixture[str]
) -> None:
    from autograd import Value

    a, b = Value(1.5), Value(-2.0)
    q = (a * a + b) * b  # * (a, a), + (a*a, b), * (.., b): 6 operand pairs
    graphs.check_frame_count(q, 8)
    assert "correct" in capsys.readouterr().out
    with pytest.raises(AssertionError, match="operands"):
        graphs.check_frame_count(q, 7)
    graphs.check_sigmoid_peak(0.0, 0.25)
    with pytest.raises(AssertionError):
        graphs.check_sigmoid_peak(0.0, 0.5)
    graphs.check_sigmoid_peak(None, 0.25)
    assert "not answered yet" in capsys.readouterr().out
