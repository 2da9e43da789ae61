"""Notebooks 04a (optimizers), 04b (training practice) and 05 (regularisation), read as
JSON, and their exercise checks and helpers (notebooks/course/optimization.py).

Notebook 04 was split in two (issue 14: one sitting, ≤ ~40 cells each). Executing the
notebooks is nbmake's job (``make test``); these checks are cheap: the errors issue 14
names are gone (04's "5 times steeper", "pass eps=1e-6" for the textbook's RMSProp),
the errata boxes of CURRICULUM "Errata" sit where the topic comes up and each is followed
by a cell that asserts its number, each notebook opens with what the learner will be able
to do and the textbook sections, and ends with exercises whose checks accept a right
answer and reject a wrong one.
"""

from __future__ import annotations

import re
from pathlib import Path
from types import ModuleType

import numpy as np
import pytest
from notebook_json import cells as _cells
from notebook_json import load_course
from notebook_json import source as _source

ROOT = Path(__file__).resolve().parent.parent
NB04A = ROOT / "notebooks" / "04a_optimizers.ipynb"
NB04B = ROOT / "notebooks" / "04b_training_practice.ipynb"
NB05 = ROOT / "notebooks" / "05_regularization.ipynb"


def _text(path: Path, kind: str) -> str:
    return "\n".join(_source(c) for c in _cells(path) if c["cell_type"] == kind)


def _box_and_next(path: Path, tag: str) -> tuple[str, str]:
    """The errata box whose title contains ``tag``, and the code cell right after it."""
    cells = _cells(path)
    for k, cell in enumerate(cells):
        text = _source(cell)
        if cell["cell_type"] == "markdown" and "> **Errata" in text and tag in text:
            following = [c for c in cells[k + 1 :] if c["cell_type"] == "code"]
            return text, _source(following[0])
    raise AssertionError(f"{path.name} has no errata box for {tag!r}")


# ----------------------------------------------------------------------------- the defects
def test_04a_valley_curvature_ratio_is_25_not_5() -> None:
    md = _text(NB04A, "markdown")
    assert "5 times steeper" not in md
    assert re.search(r"curvature.{0,200}25 times", md, re.S)
    assert "5$ times narrower" in md
    code = _text(NB04A, "code")
    assert "assert valley(0.0, 1.0) == 25 * valley(1.0, 0.0)" in code


def test_04a_rmsprop_textbook_rule_is_eps_inside_not_eps_value() -> None:
    md = _text(NB04A, "markdown")
    # the old claim: passing eps=1e-6 gives the textbook's RMSProp
    assert "pass `eps=1e-6` to use it" not in md
    assert "use\n  `eps=1e-6` for the textbook's value" not in md
    assert "eps_inside_sqrt=True" in md
    box, check = _box_and_next(NB04A, "(4.26)")
    assert r"\sqrt{v + \varepsilon}" in box and r"\sqrt v + \varepsilon" in box
    assert "eps_inside_sqrt=inside" in check
    assert "0.0909" in check and "0.0010" in check


def test_04a_momentum_shows_the_option_and_the_pytorch_mapping() -> None:
    code = _text(NB04A, "code")
    assert 'momentum_form="textbook"' in code
    assert "lr=(1 - mu) * eta, momentum=mu)" in code
    assert "dampening=mu" in code


def test_04_errata_boxes_with_numbers() -> None:
    box, check = _box_and_next(NB04B, "(4.17)")
    assert r"\frac tT\,\eta(0)" in box and r"\bigl(1 - \frac tT\bigr)\,\eta(0)" in box
    assert "slide_eta(0) == 1.0" in check and "lrs[:T + 1]" in check
    box, check = _box_and_next(NB04A, "(4.24)")
    assert r"\mu\, w^{(t-1)}" in box and r"\mu\,\Delta w^{(t-1)}" in box
    assert "slide_nesterov(" in check and "assert valley(*w_slide) > 1e20" in check


def test_05_errata_boxes_with_numbers() -> None:
    box, check = _box_and_next(NB05, "(5.26)")
    assert r"\frac1{M^2}\sum_{l\ne m}" in box and r"\sigma^2/M" in box
    assert "with_1_over_M2" in check and "slide_form > 1000" in check
    box, check = _box_and_next(NB05, "ridge")
    assert "LASSO" in box and "shrinks" in box
    assert "w_ridge" in check


# ----------------------------------------------------------------------------- the frame
@pytest.mark.parametrize("path", [NB04A, NB04B, NB05], ids=["04a", "04b", "05"])
def test_opens_with_goals_and_textbook_sections(path: Path) -> None:
    first = _source(_cells(path)[0])
    assert "What you will be able to do" in first
    for source in ("瀧", "青本", "ゼロから作る"):
        assert source in first, f"{path.name}: the opening does not list the {source} sections"


@pytest.mark.parametrize(
    "path, checks",
    [
        (NB04A, ("check_rmsprop_step", "check_textbook_momentum_lr", "check_valley_limits")),
        (
            NB04B,
            (
                "check_updates_per_epoch",
                "check_clipped_gradient",
                "check_linear_decay",
                "check_init_variances",
            ),
        ),
        (
            NB05,
            (
                "check_bagging_variance",
                "check_decay_factor",
                "check_dropout_scale",
                "check_early_stopping",
            ),
        ),
    ],
    ids=["04a", "04b", "05"],
)
def test_ends_with_exercises(path: Path, checks: tuple[str, ...]) -> None:
    cells = _cells(path)
    assert _source(cells[-2]).startswith("## Exercises")
    last = _source(cells[-1])
    for check in checks:
        assert f"co.{check}(" in last
    assert last.count("None") >= 4
    assert "from course import optimization as co" in _source(cells[1])


@pytest.mark.parametrize("path", [NB04A, NB04B, NB05], ids=["04a", "04b", "05"])
def test_no_stored_outputs_and_new_import_paths(path: Path) -> None:
    cells = _cells(path)
    assert all(not c.get("outputs") for c in cells if c["cell_type"] == "code")
    # the notebooks use the new import paths: no module that nn/_moved.py forwards
    from nn._moved import MOVED

    code = "\n".join(_source(c) for c in cells if c["cell_type"] == "code")
    imported = set(re.findall(r"^\s*(?:from|import)\s+([\w.]+)", code, re.M))
    assert imported and not imported & set(MOVED), imported & set(MOVED)


# ----------------------------------------------------------------------------- exercise checks
@pytest.fixture(scope="module")
def co() -> ModuleType:
    return load_course("optimization")


def _unanswered(capsys: pytest.CaptureFixture[str]) -> None:
    assert "not answered yet" in capsys.readouterr().out


def test_check_rmsprop_step(co: ModuleType, capsys: pytest.CaptureFixture[str]) -> None:
    g, lr, alpha, eps = 1e-3, 0.01, 0.9, 1e-6
    v = (1 - alpha) * g * g
    inside, outside = lr * g / np.sqrt(v + eps), lr * g / (np.sqrt(v) + eps)
    co.check_rmsprop_step(g, lr, alpha, eps, inside, outside)
    assert "correct" in capsys.readouterr().out
    with pytest.raises(AssertionError, match="swapped"):
        co.check_rmsprop_step(g, lr, alpha, eps, outside, inside)
    with pytest.raises(AssertionError, match="inside"):
        co.check_rmsprop_step(g, lr, alpha, eps, lr * g / np.sqrt(g * g + eps), outside)
    co.check_rmsprop_step(g, lr, alpha, eps, None, outside)
    _unanswered(capsys)


def test_check_textbook_momentum_lr(co: ModuleType, capsys: pytest.CaptureFixture[str]) -> None:
    co.check_textbook_momentum_lr(0.5, 0.8, (1 - 0.8) * 0.5)
    assert "correct" in capsys.readouterr().out
    with pytest.raises(AssertionError, match=r"\(1 − μ\)"):
        co.check_textbook_momentum_lr(0.5, 0.8, 0.5)
    co.check_textbook_momentum_lr(0.5, 0.8, None)
    _unanswered(capsys)


def test_check_linear_decay(co: ModuleType, capsys: pytest.CaptureFixture[str]) -> None:
    co.check_linear_decay(0.2, 0.002, 100, 40, 0.4 * 0.002 + 0.6 * 0.2)
    co.check_linear_decay(0.2, 0.002, 100, 140, 0.002)
    assert capsys.readouterr().out.count("correct") == 2
    with pytest.raises(AssertionError, match="misprint"):
        co.check_linear_decay(0.2, 0.002, 100, 40, 0.4 * 0.002 + (1 - 0.4 * 0.2))
    with pytest.raises(AssertionError, match="t/T"):
        co.check_linear_decay(0.2, 0.002, 100, 40, 0.1)
    co.check_linear_decay(0.2, 0.002, 100, 40, None)
    _unanswered(capsys)


def test_check_valley_limits(co: ModuleType, capsys: pytest.CaptureFixture[str]) -> None:
    co.check_valley_limits(25, 5, 0.08)
    assert "correct" in capsys.readouterr().out
    with pytest.raises(AssertionError, match="curvature ratio"):
        co.check_valley_limits(5, 5, 0.08)  # the old notebook's "5 times steeper"
    with pytest.raises(AssertionError, match="axis ratio"):
        co.check_valley_limits(25, 25, 0.08)
    with pytest.raises(AssertionError, match="largest η"):
        co.check_valley_limits(25, 5, 0.04)
    co.check_valley_limits(25, None, 0.08)
    _unanswered(capsys)


def test_check_bagging_variance(co: ModuleType, capsys: pytest.CaptureFixture[str]) -> None:
    s2, M, rho = 0.5, 8, 0.2
    co.check_bagging_variance(np.sqrt(s2), M, rho, s2 / M, rho * s2 + (1 - rho) * s2 / M)
    assert "correct" in capsys.readouterr().out
    with pytest.raises(AssertionError, match="M²"):  # the slide's cross terms without 1/M²
        co.check_bagging_variance(np.sqrt(s2), M, rho, s2 / M, s2 / M + M * (M - 1) * rho * s2)
    with pytest.raises(AssertionError, match="σ²/M"):
        co.check_bagging_variance(np.sqrt(s2), M, rho, s2, rho * s2 + (1 - rho) * s2 / M)
    co.check_bagging_variance(np.sqrt(s2), M, rho, None, None)
    _unanswered(capsys)


def test_check_decay_dropout_early_stopping(
    co: ModuleType, capsys: pytest.CaptureFixture[str]
) -> None:
    co.check_decay_factor(0.05, 0.01, 1 - 0.05 * 0.01)
    co.check_dropout_scale(0.2, 1 / 0.8)
    losses = [0.9, 0.7, 0.6, 0.62, 0.58, 0.59, 0.61, 0.6, 0.63]
    co.check_early_stopping(losses, 3, 4, 7)
    assert capsys.readouterr().out.count("correct") == 3
    with pytest.raises(AssertionError):
        co.check_decay_factor(0.05, 0.01, 1 - 0.01)
    with pytest.raises(AssertionError):
        co.check_dropout_scale(0.2, 0.8)
    with pytest.raises(AssertionError, match="lowest"):
        co.check_early_stopping(losses, 3, 2, 7)
    with pytest.raises(AssertionError, match="patience"):
        co.check_early_stopping(losses, 3, 4, 8)
    for call in (
        lambda: co.check_decay_factor(0.05, 0.01, None),
        lambda: co.check_dropout_scale(0.2, None),
        lambda: co.check_early_stopping(losses, 3, None, 7),
    ):
        call()
        _unanswered(capsys)


def test_early_stopping_check_agrees_with_the_callback(
    co: ModuleType, capsys: pytest.CaptureFixture[str]
) -> None:
    # the rule the check teaches is EarlyStopping's: run the callback on the same losses
    import nn
    from nn.train import EarlyStopping

    losses = [0.9, 0.7, 0.6, 0.62, 0.58, 0.59, 0.61, 0.6, 0.63]
    stopper = EarlyStopping(monitor="val_loss", patience=3, restore_best=False)
    model = nn.Linear(1, 1)
    stopper.on_train_begin(model)
    for epoch, loss in enumerate(losses):
        if stopper.on_epoch_end(epoch, {"val_loss": loss}, model):
            break
    assert (stopper.best_epoch, stopper.stopped_epoch) == (4, 7)
    co.check_early_stopping(losses, 3, stopper.best_epoch, stopper.stopped_epoch)
    assert "correct" in capsys.readouterr().out


# ----------------------------------------------------------------------------- the 04 split
def test_04_is_split_into_two_sittings_in_reading_order() -> None:
    names = sorted(p.name for p in (ROOT / "notebooks").glob("*.ipynb"))
    assert "04_gradient_descent.ipynb" not in names
    i = names.index(NB04A.name)
    assert names[i - 1].startswith("03_") and names[i + 1] == NB04B.name
    assert names[i + 2] == NB05.name
    for path in (NB04A, NB04B):
        assert len(_cells(path)) <= 40, f"{path.name}: {len(_cells(path))} cells"


def test_04_split_seam() -> None:
    # 04a: the update rules on 2-D surfaces; 04b: what decides whether a real run works
    a = _text(NB04A, "markdown")
    b = _text(NB04B, "markdown")
    for heading in (
        "### 1.1 A narrow valley",
        "### 1.2 Momentum",
        "### 1.3 Nesterov momentum",
        "### 1.4 Adaptive learning rates: AdaGrad, RMSProp, Adam",
        "### 1.5 The Rosenbrock function",
    ):
        assert heading in a
    for heading in (
        "## 1. Batch, mini-batch and stochastic gradient descent",
        "## 2. A saddle point and its plateau",
        "## 3. A cliff and gradient clipping",
        "## 4. A learning-rate schedule: linear decay",
        "## 5. Initialisation",
        "## 6. Input standardisation",
    ):
        assert heading in b
    # each of the seminar's errata boxes sits in the half where its topic is taught
    assert "(4.24)" in a and "(4.26)" in a and "> **Errata — the seminar, (4.17)" in b
    # 04b uses 04a's surface helpers from the course module, not a copy
    assert "from course.optimization import contour, descend, show_path" in _source(
        _cells(NB04B)[1]
    )
    assert "def descend" not in _text(NB04A, "code") + _text(NB04B, "code")


def test_descend_is_the_plain_training_loop(co: ModuleType) -> None:
    from nn import optim

    def valley(w1, w2):
        return 0.5 * (w1**2 + 25 * w2**2)

    run = co.descend(lambda p: optim.SGD(p, lr=0.05), valley, (-4.0, 1.0), 10)
    w, path = np.array([-4.0, 1.0]), [np.array([-4.0, 1.0])]
    for _ in range(10):  # w ← w − η ∇E, ∇E = (w₁, 25 w₂)
        w = w - 0.05 * np.array([w[0], 25 * w[1]])
        path.append(w)
    np.testing.assert_allclose(run.path, np.array(path), rtol=1e-12)
    np.testing.assert_allclose(run.loss, [valley(*p) for p in path], rtol=1e-12)
    assert run.path.shape == (11, 2) and run.loss.shape == (11,)


def test_descend_clips_each_step_to_eta_g0(co: ModuleType) -> None:
    from nn import optim

    def bowl(w1, w2):
        return 50.0 * (w1**2 + w2**2)

    run = co.descend(lambda p: optim.SGD(p, lr=0.1), bowl, (3.0, 4.0), 5, clip=1.0)
    steps = np.linalg.norm(np.diff(run.path, axis=0), axis=1)
    np.testing.assert_allclose(steps, 0.1, rtol=1e-5)  # ‖∇E‖ ≫ 1: every step is η·g0
    np.testing.assert_allclose(run.path[1], [3.0 - 0.06, 4.0 - 0.08], rtol=1e-5)  # direction kept


def test_check_updates_per_epoch(co: ModuleType, capsys: pytest.CaptureFixture[str]) -> None:
    co.check_updates_per_epoch(250, 16, 3, 48)  # ⌈250/16⌉ = 16 per epoch
    co.check_updates_per_epoch(256, 16, 10, 160)
    assert capsys.readouterr().out.count("correct") == 2
    with pytest.raises(AssertionError, match="shorter batch"):
        co.check_updates_per_epoch(250, 16, 3, 3 * 250 / 16)
    with pytest.raises(AssertionError, match=re.escape("⌈N/|B|⌉")):
        co.check_updates_per_epoch(250, 16, 3, 16)  # one epoch only
    co.check_updates_per_epoch(250, 16, 3, None)
    _unanswered(capsys)


def test_check_clipped_gradient(co: ModuleType, capsys: pytest.CaptureFixture[str]) -> None:
    co.check_clipped_gradient([30.0, -40.0], 5.0, [3.0, -4.0])
    co.check_clipped_gradient([0.3, -0.4], 5.0, [0.3, -0.4])  # below g0: unchanged
    assert capsys.readouterr().out.count("correct") == 2
    with pytest.raises(AssertionError, match="each component"):
        co.check_clipped_gradient([30.0, -40.0], 5.0, [5.0, -5.0])
    with pytest.raises(AssertionError, match="g0/‖∇E‖"):
        co.check_clipped_gradient([30.0, -40.0], 5.0, [0.6, -0.8])  # the unit vector
    with pytest.raises(AssertionError, match="2 numbers"):
        co.check_clipped_gradient([30.0, -40.0], 5.0, [3.0])
    co.check_clipped_gradient([30.0, -40.0], 5.0, None)
    _unanswered(capsys)


def test_check_init_variances(co: ModuleType, capsys: pytest.CaptureFixture[str]) -> None:
    co.check_init_variances(300, 100, 1 / 300, 2 / 400, 2 / 300)
    assert "correct" in capsys.readouterr().out
    with pytest.raises(AssertionError, match="LeCun"):
        co.check_init_variances(300, 100, 1 / 100, 2 / 400, 2 / 300)  # d_out, not d_in
    with pytest.raises(AssertionError, match="Glorot"):
        co.check_init_variances(300, 100, 1 / 300, 1 / 400, 2 / 300)
    with pytest.raises(AssertionError, match="He"):
        co.check_init_variances(300, 100, 1 / 300, 2 / 400, 1 / 300)  # ReLU's factor 2
    co.check_init_variances(300, 100, None, 2 / 400, 2 / 300)
    _unanswered(capsys)
