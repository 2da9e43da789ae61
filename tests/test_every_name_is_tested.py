"""Every public layer, functional form and Tensor op is named by at least one test.

Cheap and blunt on purpose: a name that no test file mentions is a name nothing checks.
(The tests that do name it check values and gradients against PyTorch or central
differences; tests/test_tensor_cases.py derives the ops from ``autograd.__all__``.)
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import autograd
import nn
import nn.functional as F

HERE = Path(__file__).resolve()
TEXT = "\n".join(p.read_text() for p in HERE.parent.glob("test_*.py") if p != HERE)


def _public(names: list[str]) -> list[str]:
    return sorted(n for n in names if not n.startswith("_"))


@pytest.mark.parametrize("name", _public(nn.layers.__all__))
def test_each_layer_is_named_by_a_test(name: str) -> None:
    assert re.search(rf"\b{re.escape(name)}\b", TEXT), f"no test names nn.{name}"


@pytest.mark.parametrize("name", _public(F.__all__))
def test_each_functional_form_is_named_by_a_test(name: str) -> None:
    assert re.search(rf"\b{re.escape(name)}\b", TEXT), f"no test names F.{name}"


@pytest.mark.parametrize(
    "name", [n for n in _public(autograd.__all__) if callable(getattr(autograd, n))]
)
def test_each_autograd_function_is_named_by_a_test(name: str) -> None:
    assert re.search(rf"\b{re.escape(name)}\b", TEXT), f"no test names autograd.{name}"
