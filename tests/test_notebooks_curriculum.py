"""The teaching notebooks against the curriculum (CURRICULUM.md), read as JSON only.

Executing the notebooks is `make test`'s second step (nbmake); these checks are cheap:
they read the cells and check that notebook 00 covers every topic of CURRICULUM §0 under
a heading of its own, opens and ends the way every notebook should, gives the Japanese
terms, carries the §0 errata boxes, and that its exercise checks accept a right answer
and reject a wrong one.
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
NB00 = NOTEBOOKS / "00_ml_basics.ipynb"

# CURRICULUM §0, one entry per bullet: a pattern that one heading of notebook 00 must match.
SECTION0_TOPICS = {
    "supervised learning: regression and classification": (
        r"supervised learning.*regression.*classification"
    ),
    "least squares and the normal equations": r"least squares.*normal equations",
    "the probabilistic view (maximum likelihood)": r"probabilistic view.*maximum likelihood",
    "the optimal predictor E[y|x]": r"conditional mean",
    "over-fitting with polynomial models": r"over-fitting.*polynomial",
    "regularisation: ridge and LASSO": r"ridge.*lasso",
    "logistic regression": r"logistic regression",
    "softmax regression": r"softmax regression",
    "the formal neuron and the perceptron": r"formal neuron.*perceptron",
    "why accuracy cannot be minimised by gradient methods": r"accuracy.*cannot be minimised",
}

# The terms the brief asks for, each given once in Japanese.
JAPANESE_TERMS = [
    "教師あり学習",
    "回帰",
    "クラス分類",
    "訓練誤差",
    "汎化誤差",
    "最小二乗法",
    "最尤推定",
    "過適合",
    "リッジ回帰",
    "重み減衰",
    "LASSO",
    "ロジスティック回帰",
    "ソフトマックス回帰",
    "形式ニューロン",
    "パーセプトロン",
]


def _basics() -> ModuleType:
    return load_course("basics")


@pytest.mark.parametrize("topic", sorted(SECTION0_TOPICS))
def test_notebook_00_has_a_heading_for_each_section0_topic(topic: str) -> None:
    pattern = re.compile(SECTION0_TOPICS[topic], re.IGNORECASE)
    headings = _headings(NB00)
    assert any(pattern.search(h) for h in headings), (
        f"notebook 00 has no heading for CURRICULUM §0 topic {topic!r}; headings: {headings}"
    )


def test_notebook_00_is_first_in_the_reading_order() -> None:
    names = sorted(p.name for p in NOTEBOOKS.glob("*.ipynb"))
    assert names[0] == NB00.name


def test_notebook_00_opens_with_goals_and_textbook_sections_and_ends_with_exercises() -> None:
    cells = _cells(NB00)
    first = _source(cells[0])
    assert first.startswith("# 0.")
    assert "What you will be able to do" in first
    for source in ("瀧", "青本", "ゼロから作る"):
        assert source in first, f"the opening cell does not list the {source} sections"
    headings = _headings(NB00)
    assert headings[-1] == "Exercises"
    # one cell per exercise check pair, and the checks are the helper's, with None to fill in
    code = [_source(c) for c in cells if c["cell_type"] == "code"]
    tail = "\n".join(code[-2:])
    for check in ("check_normal_equations", "check_ridge", "check_gate", "check_softmax_delta"):
        assert f"cb.{check}(" in tail
    assert tail.count("= None") >= 4


def test_notebook_00_is_one_sitting() -> None:
    cells = _cells(NB00)
    assert len(cells) <= 40
    # no stored outputs: the notebooks are executed by make test, not committed executed
    assert all(not c.get("outputs") for c in cells if c["cell_type"] == "code")


@pytest.mark.parametrize("term", JAPANESE_TERMS)
def test_notebook_00_gives_the_japanese_terms(term: str) -> None:
    assert any(term in text for text in _markdown(NB00)), f"{term} is missing from notebook 00"


def test_notebook_00_has_the_section0_errata_boxes() -> None:
    boxes = [t for t in _markdown(NB00) if "> **Errata" in t]
    ridge = [b for b in boxes if "ridge" in b.lower()]
    log = [b for b in boxes if "log-odds" in b and "cross-entropy" in b]
    assert ridge and "LASSO" in ridge[0] and "shrinks" in ridge[0]
    assert log and r"\log" in log[0]
    # where gradient descent first appears: seed 003 calls "derivative × (−1)" the gradient
    seed003 = [b for b in boxes if "seed 003" in b]
    assert seed003 and "partial derivatives" in seed003[0] and "against" in seed003[0]


def test_notebook_00_asserts_what_the_brief_asks() -> None:
    code = "\n".join(_source(c) for c in _cells(NB00) if c["cell_type"] == "code")
    for needle in (
        "np.linalg.solve(X.T @ X, X.T @ y_train)",  # the normal equations
        "optim.SGD(line.parameters()",  # the same w by gradient descent
        "atol=1e-6",
        "weight_decay=lam",  # ridge == SGD weight_decay
        "F.binary_cross_entropy(P, t_cls",  # hand NLL == library BCE
        "F.cross_entropy(u3, y3",  # hand CE == library CE
        "F.softmax(u3, dim=1).data - T",  # ∂E/∂u = P − t
        "np.eye(K)[y3]",  # 1-of-K coding
        "perceptron(cb.XOR_X",  # the non-separable set
    ):
        assert needle in code, needle


def test_readme_lists_notebook_00_first() -> None:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text[text.index("## Notebooks") :]
    rows = re.findall(r"^\| `(\d\d\w*)` \|", section, flags=re.MULTILINE)
    assert rows[0] == "00_ml_basics"
    assert rows == sorted(rows)
    assert {f"{r}.ipynb" for r in rows} == {p.name for p in NOTEBOOKS.glob("*.ipynb")}


# ------------------------------------------------------------------ exercise checks


@pytest.fixture(scope="module")
def basics() -> ModuleType:
    return _basics()


def _poly_problem(basics: ModuleType, degree: int) -> tuple[np.ndarray, np.ndarray]:
    x, y = basics.sine_data(10, np.random.default_rng(3), grid=True)
    return basics.poly_features(x, degree), y


def test_check_normal_equations(basics: ModuleType, capsys: pytest.CaptureFixture[str]) -> None:
    Phi, y = _poly_problem(basics, 3)
    w = np.linalg.solve(Phi.T @ Phi, Phi.T @ y)
    basics.check_normal_equations(Phi, y, w)
    assert "correct" in capsys.readouterr().out
    with pytest.raises(AssertionError, match="not 0"):
        basics.check_normal_equations(Phi, y, w + 1e-3)
    with pytest.raises(AssertionError, match="4 entries"):
        basics.check_normal_equations(Phi, y, w[:3])
    basics.check_normal_equations(Phi, y, None)
    assert "not answered yet" in capsys.readouterr().out


def test_check_ridge_matches_sgd_weight_decay(basics: ModuleType) -> None:
    # the answer the check accepts is what SGD(weight_decay=λ) on the mean squared error
    # converges to: (ΦᵀΦ + (Nλ/2) I) w = Φᵀy — and plain least squares is rejected
    Phi, y = _poly_problem(basics, 9)
    lam = 0.01
    w = np.linalg.solve(Phi.T @ Phi + len(y) * lam / 2 * np.eye(10), Phi.T @ y)
    basics.check_ridge(Phi, y, lam, w)
    with pytest.raises(AssertionError, match="Nλ/2"):
        basics.check_ridge(Phi, y, lam, np.linalg.solve(Phi.T @ Phi + lam * np.eye(10), Phi.T @ y))
    # and that is the fixed point of the NumPy gradient-descent loop with the decay term
    v = np.zeros(10)
    for _ in range(20000):
        v -= 0.2 * (2 / len(y) * Phi.T @ (Phi @ v - y) + lam * v)
    np.testing.assert_allclose(v, w, atol=1e-8)


def test_check_gate(basics: ModuleType) -> None:
    basics.check_gate("NAND", np.array([-1.0, -1.0]), 1.5)
    basics.check_gate("AND", np.array([1.0, 1.0]), -1.5)
    with pytest.raises(AssertionError, match="NAND"):
        basics.check_gate("NAND", np.array([1.0, 1.0]), -1.5)


def test_check_softmax_delta(basics: ModuleType) -> None:
    u = np.array([2.0, -1.0, 0.5])
    p = np.exp(u) / np.exp(u).sum()
    basics.check_softmax_delta(u, 2, p - np.array([0.0, 0.0, 1.0]))
    with pytest.raises(AssertionError, match="one-hot"):
        basics.check_softmax_delta(u, 2, p)


def test_separable_data_keeps_its_margin(basics: ModuleType) -> None:
    X, t = basics.separable_data(200, np.random.default_rng(1), margin=0.15)
    signed = (X[:, 1] - 0.5 * X[:, 0] - 0.1) / np.hypot(0.5, 1.0)
    assert X.shape == (200, 2) and np.all(np.abs(signed) > 0.15)
    np.testing.assert_array_equal(t, (signed > 0).astype(float))
