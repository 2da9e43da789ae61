"""Notebooks 06a–06c (CURRICULUM §4 activations, §7 CNNs) read as JSON, and their helper
module ``notebooks/course/cnn.py``.

Executing the notebooks is nbmake's job (`make test`); these checks are cheap: the split
keeps each notebook one sitting, each opens with its goals and textbook sections and ends
with exercises, the seminar's numbers and errata are asserted in the cells, the
curriculum's CNN and activation topics have headings, and the helper's exercise checks
accept a right answer and reject a wrong one.
"""

from __future__ import annotations

import re
from pathlib import Path
from types import ModuleType

import numpy as np
import pytest
from notebook_json import cells as _cells
from notebook_json import code as _code
from notebook_json import headings as _headings
from notebook_json import load_course
from notebook_json import markdown as _markdown
from notebook_json import source as _source

import nn
import nn.functional as F
from autograd import Tensor

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = ROOT / "notebooks"
NB06 = {
    "6a": NOTEBOOKS / "06a_convolution.ipynb",
    "6b": NOTEBOOKS / "06b_pooling_activations.ipynb",
    "6c": NOTEBOOKS / "06c_cnn_training.ipynb",
}

# CURRICULUM §7 (and the §4 activations that 06b teaches): a pattern one heading must match
TOPICS = {
    "6a": [
        r"convolution is a sliding weighted sum",
        r"seminar's example",
        r"stride 2",
        r"im2col",
        r"gradients of a convolution",
        r"channels",
        r"output size",
        r"transposed convolution",
    ],
    "6b": [
        r"max pooling and average pooling",
        r"L\^p\$? pooling",
        r"activation functions",
        r"PReLU",
        r"maxout",
    ],
    "6c": [
        r"local contrast normalisation",
        r"local response normalisation",
        r"CNN for handwritten digits",
        r"first layer learned",
        r"feature maps",
        r"receptive field",
    ],
}


@pytest.fixture(scope="module")
def cnn() -> ModuleType:
    return load_course("cnn")


# ------------------------------------------------------------------ the notebooks as JSON


def test_the_old_notebook_06_is_replaced_by_three_in_reading_order() -> None:
    assert not (NOTEBOOKS / "06_cnn.ipynb").exists()
    names = sorted(p.name for p in NOTEBOOKS.glob("06*.ipynb"))
    assert names == [p.name for p in NB06.values()]


@pytest.mark.parametrize("key", sorted(NB06))
def test_each_notebook_is_one_sitting_without_stored_outputs(key: str) -> None:
    cells = _cells(NB06[key])
    assert len(cells) <= 40
    assert all(not c.get("outputs") for c in cells if c["cell_type"] == "code")


@pytest.mark.parametrize("key", sorted(NB06))
def test_each_notebook_opens_with_goals_and_sources_and_ends_with_exercises(key: str) -> None:
    cells = _cells(NB06[key])
    first = _source(cells[0])
    assert first.startswith(f"# {key}.")
    assert "What you will be able to do" in first
    for source in ("瀧", "青本", "ゼロから作る"):
        assert source in first, f"notebook {key} does not list the {source} sections"
    assert _headings(NB06[key])[-1] == "Exercises"
    last = _source(cells[-1])
    assert last.count("= None") >= 2 and last.count("cnn.check_") >= 2


@pytest.mark.parametrize("key", sorted(NB06))
def test_each_curriculum_topic_has_a_heading(key: str) -> None:
    headings = _headings(NB06[key])
    for pattern in TOPICS[key]:
        assert any(re.search(pattern, h, re.IGNORECASE) for h in headings), (
            f"notebook {key}: no heading matches {pattern!r}; headings: {headings}"
        )


@pytest.mark.parametrize("key", sorted(NB06))
def test_the_notebooks_use_the_helper_module_not_inline_plumbing(key: str) -> None:
    code = _code(NB06[key])
    assert "from course import cnn" in code
    for plumbing in ("threadpoolctl", "time.perf_counter", "def show_grid", "import re"):
        assert plumbing not in code


def test_06a_asserts_the_seminar_convolution_and_shows_the_erratum() -> None:
    boxes = [t for t in _markdown(NB06["6a"]) if "**Errata**" in t]
    assert len(boxes) == 1
    assert "$-14$" in boxes[0] and "$-8$" in boxes[0] and "row 3, column 2" in boxes[0]
    code = _code(NB06["6a"])
    for needle in (
        "np.argwhere(cnn.SEMINAR_CONV != cnn.SEMINAR_CONV_SLIDE).tolist() == [[2, 1]]",
        "cnn.SEMINAR_CONV[2, 1] == -8",
        "cnn.SEMINAR_CONV[::2, ::2], [[26, -6], [24, -4]]",  # the stride-2 case
        "np.array_equal(u_s2, u_loop[::2, ::2])",  # stride 2 = stride 1 at even positions
        "cnn.check_seminar_convolution(",
    ):
        assert needle in code, needle


def test_06b_asserts_the_seminar_pooling_and_its_backward() -> None:
    code = _code(NB06["6b"])
    for needle in (
        "np.array_equal(pooled_max.data[0, 0], cnn.SEMINAR_POOL_MAX)",
        "np.array_equal(pooled_avg.data[0, 0], cnn.SEMINAR_POOL_AVG)",
        "[grad_max[ij] for ij in winners] == [10, 20, 30, 40]",
        "np.kron(g, np.ones((2, 2))) / 4",
    ):
        assert needle in code, needle


def test_06b_defines_every_activation_and_checks_its_derivative() -> None:
    text = "\n".join(_markdown(NB06["6b"]))
    for name in ("sigmoid", "tanh", "ReLU", "leaky ReLU", "PReLU", "maxout"):
        assert name in text, name
    code = _code(NB06["6b"])
    assert "cnn.derivative(" in code
    assert "np.testing.assert_allclose(derivs[name], formula(u)" in code
    assert "torch_or_none()" in code and "import torch" not in code  # runs without PyTorch
    boxes = [t for t in _markdown(NB06["6b"]) if "**Errata**" in t]
    assert any("seed 000" in b and "e^{-u}" in b for b in boxes)
    assert any("seed 003" in b and r"[0, \infty)" in b for b in boxes)


# ------------------------------------------------------------------ the helper module


def test_the_seminar_numbers(cnn: ModuleType) -> None:
    assert cnn.SEMINAR_CONV.tolist() == [[26, 6, -6], [0, -4, 8], [24, -8, -4]]
    assert cnn.SEMINAR_CONV_SLIDE[2, 1] == -14
    assert cnn.SEMINAR_POOL_MAX.tolist() == [[6, 7], [8, 6]]
    assert cnn.SEMINAR_POOL_AVG.tolist() == [[3.25, 2.25], [3.5, 2.5]]


def test_conv_by_hand_is_f_conv2d(cnn: ModuleType) -> None:
    rng = np.random.default_rng(0)
    z, h = rng.normal(size=(7, 6)), rng.normal(size=(3, 2))
    for stride in (1, 2, 3):
        ours = F.conv2d(Tensor(z[None, None]), Tensor(h[None, None]), stride=stride).data[0, 0]
        np.testing.assert_allclose(cnn.conv_by_hand(z, h, stride), ours, rtol=1e-12)


def _delta_filter_image(target: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    # a filter that picks its top-left pixel: the output is the image's top-left 3×3 block
    # (a test input only — the seminar's own image is not in the repository)
    image = np.zeros((5, 5))
    image[:3, :3] = target
    kernel = np.zeros((3, 3))
    kernel[0, 0] = 1.0
    return image, kernel


def test_check_seminar_convolution(cnn: ModuleType, capsys: pytest.CaptureFixture[str]) -> None:
    cnn.check_seminar_convolution(*_delta_filter_image(cnn.SEMINAR_CONV))
    assert "row 3, column 2 is -8" in capsys.readouterr().out
    with pytest.raises(AssertionError, match=r"\(3, 2\)"):
        cnn.check_seminar_convolution(*_delta_filter_image(cnn.SEMINAR_CONV_SLIDE))
    with pytest.raises(AssertionError, match="5×5"):
        cnn.check_seminar_convolution(np.zeros((4, 4)), np.zeros((3, 3)))
    cnn.check_seminar_convolution(None, None)
    assert "not answered yet" in capsys.readouterr().out


def test_check_output_size(cnn: ModuleType, capsys: pytest.CaptureFixture[str]) -> None:
    right = [
        (32 - hk + 2 * p) // s + 1
        for hk, p, s in [(5, 0, 1), (3, 1, 1), (3, 1, 2), (4, 0, 2), (7, 3, 2)]
    ]
    assert right == [28, 32, 16, 15, 16]
    cnn.check_output_size(right)
    assert "correct" in capsys.readouterr().out
    with pytest.raises(AssertionError, match="H=4, P=0, S=2"):
        cnn.check_output_size([28, 32, 16, 14.5, 16])  # no floor
    with pytest.raises(AssertionError, match="give 5 sizes"):
        cnn.check_output_size(right[:4])


def test_check_pool_backward(cnn: ModuleType, capsys: pytest.CaptureFixture[str]) -> None:
    z = np.array([[3, 1, 0, 2], [0, 2, 5, 1], [1, 1, 0, 0], [4, 0, 3, 9]], dtype=float)
    g = np.array([[1.0, -2.0], [0.5, 3.0]])
    right = np.zeros((4, 4))
    right[0, 0], right[1, 2], right[3, 0], right[3, 3] = 1.0, -2.0, 0.5, 3.0
    cnn.check_pool_backward(z, g, right)
    assert "correct" in capsys.readouterr().out
    with pytest.raises(AssertionError, match="arg-max|largest entry"):
        cnn.check_pool_backward(z, g, np.kron(g, np.ones((2, 2))) / 4)  # the average's gradient


def test_check_sigmoid_derivative(cnn: ModuleType, capsys: pytest.CaptureFixture[str]) -> None:
    def sigmoid(u):
        return 1 / (1 + np.exp(-u))

    cnn.check_sigmoid_derivative(lambda u: sigmoid(u) * (1 - sigmoid(u)))
    assert "correct" in capsys.readouterr().out
    with pytest.raises(AssertionError, match="σ'"):
        cnn.check_sigmoid_derivative(lambda u: np.exp(u) / (1 + np.exp(-u)) ** 2)  # seed 000's slip


def test_check_conv_params_and_receptive_field(
    cnn: ModuleType, capsys: pytest.CaptureFixture[str]
) -> None:
    cnn.check_conv_params(16 * 3 * 5 * 5 + 16)
    cnn.check_receptive_field(5)
    assert capsys.readouterr().out.count("correct") == 2
    with pytest.raises(AssertionError, match="bias"):
        cnn.check_conv_params(16 * 3 * 5 * 5)
    with pytest.raises(AssertionError, match="one pixel on every side"):
        cnn.check_receptive_field(6)


def test_derivative_reads_backward(cnn: ModuleType) -> None:
    u = np.linspace(-3, 3, 13)
    np.testing.assert_allclose(
        cnn.derivative(lambda t: t.tanh(), u), 1 - np.tanh(u) ** 2, rtol=1e-12
    )
    np.testing.assert_array_equal(cnn.derivative(F.relu, u), (u > 0).astype(float))


def test_receptive_field_of_one_and_two_layers(cnn: ModuleType) -> None:
    rng = np.random.default_rng(1)
    one = nn.Conv2d(1, 2, 3, rng=rng)
    field = cnn.receptive_field(one, 10, 4, 4)
    assert field.sum() == 9 and field[4:7, 4:7].all()
    two = nn.Sequential(one, nn.Conv2d(2, 2, 3, rng=rng))
    assert cnn.receptive_field(two, 10, 3, 3).sum() == 25


def test_timed_measures_the_block(cnn: ModuleType) -> None:
    with cnn.timed() as clock:
        sum(range(1000))
    assert 0 < clock.seconds < 60


def test_torch_or_none_finds_pytorch_when_installed(cnn: ModuleType) -> None:
    torch = pytest.importorskip("torch")
    assert cnn.torch_or_none() is torch
