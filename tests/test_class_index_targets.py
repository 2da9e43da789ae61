"""Class-index targets of cross_entropy / nll_loss: the range check (one reduction,
negatives read as unsigned) must refuse every index outside 0..C-1 whatever the
integer dtype, and let ignore_index through."""

from __future__ import annotations

import numpy as np
import pytest

import nn.functional as F
from autograd import Tensor

LOGITS = np.array([[1.0, 2.0, 0.5], [0.1, -1.0, 3.0], [2.0, 2.0, 2.0]])


@pytest.mark.parametrize("dtype", [np.int8, np.int16, np.int32, np.int64, ">i8"])
@pytest.mark.parametrize("bad", [-1, -128, 3, 100])
@pytest.mark.parametrize("loss", [F.cross_entropy, F.nll_loss])
def test_an_index_outside_the_classes_is_refused(loss, dtype, bad) -> None:
    target = np.array([0, bad, 2], dtype=dtype)
    with pytest.raises(ValueError, match=rf"target index {bad} is out of range for 3 classes"):
        loss(Tensor(LOGITS, requires_grad=True), target)


@pytest.mark.parametrize("dtype", [np.uint8, np.uint64, np.int64])
def test_unsigned_and_signed_indices_give_the_same_loss(dtype) -> None:
    ref = F.cross_entropy(Tensor(LOGITS), np.array([2, 0, 1])).item()
    got = F.cross_entropy(Tensor(LOGITS), np.array([2, 0, 1], dtype=dtype)).item()
    assert got == ref


def test_a_strided_target_is_read_correctly() -> None:
    both = np.array([[2, -5], [0, -5], [1, -5]])
    ref = F.cross_entropy(Tensor(LOGITS), np.array([2, 0, 1])).item()
    assert F.cross_entropy(Tensor(LOGITS), both[:, 0]).item() == ref


@pytest.mark.parametrize("ignore", [-1, 1])
def test_ignore_index_passes_the_check_and_counts_nothing(ignore) -> None:
    target = np.array([0, ignore, 2])
    x = Tensor(LOGITS, requires_grad=True)
    loss = F.cross_entropy(x, target, ignore_index=ignore)
    kept = [0, 2]
    shifted = LOGITS - LOGITS.max(axis=1, keepdims=True)
    logp = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    expected = -np.mean([logp[i, target[i]] for i in kept])
    assert loss.item() == pytest.approx(expected, rel=1e-15)
    loss.backward()
    np.testing.assert_array_equal(x.grad.data[1], 0.0)  # the ignored sample sends nothing
