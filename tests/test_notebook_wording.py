"""Wording defects the Japanese translators found in the English notebooks (round 2), each
checked in the English notebook and in the generated Japanese one (notebooks/ja/).

* 04b printed "within 1% of the best loss after None steps" for the run that never gets
  there; it must say that the run did not get within 1% in its 500 steps.
* 08b numbered the samples from 1 in the prose ("copy 2, copy 3 show samples 2 and 3") but
  from 0 in the code (``X[1]`` is the sample behind the button "copy 2").
* 06b called PReLU's learned slope alpha in the table and ``a`` in the text and code.
* 05 said every step shrinks each weight by 1 - eta*lambda, which holds for plain SGD only.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
from notebook_json import NOTEBOOKS, cells, markdown, source


def _cell(path: Path, cell_id: str) -> str:
    (cell,) = [c for c in cells(path) if c.get("id") == cell_id]
    return source(cell)


def _both(name: str) -> tuple[Path, Path]:
    return NOTEBOOKS / f"{name}.ipynb", NOTEBOOKS / "ja" / f"{name}.ipynb"


# ----------------------------------------------------------------------------- 04b
def _progress_from_cell(path: Path):
    """``first_within`` and ``progress`` as the cell 8faeee09 defines them."""
    text = _cell(path, "8faeee09")
    start = text.index("def first_within")
    end = text.index("\nprint(", start)
    namespace: dict = {"np": np}
    exec(text[start:end], namespace)  # the two helper functions only: no training run
    return namespace["progress"]


def test_04b_says_not_within_instead_of_after_none_steps() -> None:
    english, japanese = _both("04b_training_practice")
    never, soon = np.full(500, 2.0), np.r_[3.0, 2.0, 1.5, 1.005, 1.0]
    progress = _progress_from_cell(english)
    assert progress(never, 1.0) == "not within 1% of the best loss after 500 steps"
    assert progress(soon, 1.0) == "within 1% of the best loss after 3 steps"
    progress_ja = _progress_from_cell(japanese)
    assert progress_ja(never, 1.0) == "500 ステップたっても最良の損失の 1% 以内に入らない"
    assert progress_ja(soon, 1.0) == "3 ステップで最良の損失の 1% 以内に入る"
    for path in (english, japanese):
        assert "{first_within(loss_raw, best_raw)} steps" not in _cell(path, "8faeee09")


# ----------------------------------------------------------------------------- 08b
def test_08b_numbers_samples_from_0_as_the_code_does() -> None:
    english, japanese = _both("08b_graph_explorer")
    prose, code = _cell(english, "94e3e7b0"), _cell(english, "cb892947")
    assert "samples 2 and 3" not in prose and "work on sample 1 " not in prose
    assert "sample 0, `X[0]`" in prose and "show samples 1 and 2" in prose
    assert "numbered from 0" in prose
    # the comment names the sample the code then rebuilds by hand
    shown = re.search(r'"copy 2" \(the view "\.\.\.@1"\) shows sample (\d), X\[(\d)\]', code)
    assert shown is not None and shown[1] == shown[2] == "1"
    assert "for a in X[1]]" in code
    prose_ja, code_ja = _cell(japanese, "94e3e7b0"), _cell(japanese, "cb892947")
    assert "サンプル 2 と 3" not in prose_ja
    assert "サンプル 0" in prose_ja and "サンプル 1 と 2" in prose_ja and "0 から数え" in prose_ja
    assert "はサンプル 1、つまり X[1]" in code_ja


# ----------------------------------------------------------------------------- 06b
def test_06b_prelu_slope_is_a_everywhere() -> None:
    for path in _both("06b_pooling_activations"):
        text = "\n".join(markdown(path))
        prelu_rows = [ln for ln in text.splitlines() if ln.startswith("| PReLU")]
        assert len(prelu_rows) == 1
        assert "\\alpha" not in prelu_rows[0] and "$a$" in prelu_rows[0]
        assert "`nn.PReLU`" in prelu_rows[0] and "`weight`" in prelu_rows[0]
        # alpha stays leaky ReLU's fixed slope; PReLU's derivative is always w.r.t. a
        assert not re.search(r"\\partial f/\\partial\s*\\alpha", text)
        assert "\\partial f/\\partial a = \\min(0, u)" in _cell(path, "1464227e")


# ----------------------------------------------------------------------------- 05
def test_05_shrink_factor_is_for_plain_sgd_and_adam_rescales_it() -> None:
    english, japanese = _both("05_regularization")
    decay, errata = _cell(english, "8f845349"), _cell(english, "55e3675e")
    assert re.search(
        r"plain SGD \(no momentum\) each step shrinks every weight by the factor "
        r"\$1 - \\eta\\lambda\$",
        decay,
    )
    assert "Adam divides" in decay and "no longer" in decay
    assert re.search(
        r"with plain SGD every weight by the same factor \$1 - \\eta\\lambda\$", errata
    )
    assert "with Adam by amounts rescaled by its adaptive step" in errata
    decay_ja, errata_ja = _cell(japanese, "8f845349"), _cell(japanese, "55e3675e")
    assert "モメンタムなし" in decay_ja and "Adam はそれを適応的なスケール" in decay_ja
    assert "素朴な SGD では" in errata_ja and "Adam では適応的なステップで" in errata_ja
