"""Loss modules (``nn.CrossEntropyLoss``, ``NLLLoss``, ``MSELoss``, ``L1Loss``, ``BCELoss``,
``BCEWithLogitsLoss``): every constructor argument against PyTorch -- values and
gradients (input and, where differentiable, target) in float64 -- plus central
differences and second derivatives for the composed weighted forms."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import nn
from autograd import Tensor, gradcheck, gradgradcheck

torch = pytest.importorskip("torch")

REDUCTIONS = ["mean", "sum", "none"]
RNG = np.random.default_rng(0)


def _compare(ours_cls, theirs_cls, kwargs, x, target, *, target_grad=False, to_torch=None):
    """Same loss in both libraries: value, d/dinput (and d/dtarget) for a random
    upstream gradient g (so "none" is checked per element)."""
    to_torch = to_torch or (lambda v: torch.tensor(v) if isinstance(v, np.ndarray) else v)
    t_kwargs = {k: to_torch(v) for k, v in kwargs.items()}
    ours, theirs = ours_cls(**kwargs), theirs_cls(**t_kwargs)
    xi = Tensor(x, requires_grad=True)
    xt = torch.tensor(x, requires_grad=True)
    if target_grad:
        ti = Tensor(target, requires_grad=True)
        tt = torch.tensor(target, requires_grad=True)
    else:
        ti, tt = target, torch.tensor(target)
    out, expected = ours(xi, ti), theirs(xt, tt)
    np.testing.assert_allclose(out.data, expected.detach().numpy(), rtol=1e-10, atol=1e-12)
    g = RNG.normal(size=expected.shape)
    (out * Tensor(g)).sum().backward()
    (expected * torch.tensor(g)).sum().backward()
    np.testing.assert_allclose(xi.grad.data, xt.grad.numpy(), rtol=1e-9, atol=1e-12)
    if target_grad:
        np.testing.assert_allclose(ti.grad.data, tt.grad.numpy(), rtol=1e-9, atol=1e-12)
    return out


def _indices(shape, n_classes, ignore=None):
    t = RNG.integers(0, n_classes, size=shape)
    if ignore is not None:
        t.flat[::3] = ignore
    return t.astype(np.int64)


# ----------------------------------------------------------------------------- CE / NLL
CE_OPTIONS = [
    {},
    {"weight": np.array([0.2, 1.0, 3.0, 0.5])},
    {"label_smoothing": 0.1},
    {"weight": np.array([0.2, 1.0, 3.0, 0.5]), "label_smoothing": 0.3},
    {"ignore_index": 2},
    {"weight": np.array([0.2, 1.0, 3.0, 0.5]), "ignore_index": -100, "label_smoothing": 0.2},
]


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("options", CE_OPTIONS)
@pytest.mark.parametrize("shape", [(5, 4), (3, 4, 2, 3), (4,)])
def test_cross_entropy_loss_class_indices_match_torch(shape, options, reduction) -> None:
    x = RNG.normal(size=shape)
    target_shape = (shape[0],) + shape[2:] if len(shape) > 1 else ()
    ignore = options.get("ignore_index", -100)
    target = _indices(target_shape, 4, ignore=ignore if target_shape else None)
    if (target == ignore).all():  # every target ignored: see the test below
        target.flat[0] = 1 if ignore != 1 else 0
    _compare(
        nn.CrossEntropyLoss,
        torch.nn.CrossEntropyLoss,
        {**options, "reduction": reduction},
        x,
        target,
    )


@pytest.mark.parametrize("shape", [(4,), (3, 4)])
def test_cross_entropy_of_only_ignored_targets_is_zero_not_nan(shape) -> None:
    # The one deliberate difference from PyTorch (README): nothing to average gives 0 and
    # zero gradients, where torch divides 0 by 0 (nan) for reduction="mean".
    x = RNG.normal(size=shape)
    target = np.full(shape[:1] if len(shape) > 1 else (), 2, dtype=np.int64)
    xi = Tensor(x, requires_grad=True)
    loss = nn.CrossEntropyLoss(ignore_index=2)(xi, target)
    loss.backward()
    assert loss.item() == 0.0 and np.all(xi.grad.data == 0)
    theirs = torch.nn.CrossEntropyLoss(ignore_index=2)(torch.tensor(x), torch.tensor(target))
    assert torch.isnan(theirs)
    for reduction in ("sum", "none"):  # these agree with PyTorch: zeros
        ours = nn.CrossEntropyLoss(ignore_index=2, reduction=reduction)(Tensor(x), target)
        assert np.all(ours.data == 0)


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("options", [o for o in CE_OPTIONS if "ignore_index" not in o])
@pytest.mark.parametrize("shape", [(5, 4), (2, 4, 3)])
def test_cross_entropy_loss_probability_targets_match_torch(shape, options, reduction) -> None:
    x = RNG.normal(size=shape)
    p = RNG.random(size=shape)
    target = p / p.sum(axis=1, keepdims=True)
    _compare(
        nn.CrossEntropyLoss,
        torch.nn.CrossEntropyLoss,
        {**options, "reduction": reduction},
        x,
        target,
        target_grad=True,
    )


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize(
    "options",
    [
        {},
        {"weight": np.array([0.2, 1.0, 3.0, 0.5])},
        {"ignore_index": 1},
        {"weight": np.array([0.2, 1.0, 3.0, 0.5]), "ignore_index": 0},
    ],
)
@pytest.mark.parametrize("shape", [(6, 4), (3, 4, 2, 2)])
def test_nll_loss_matches_torch(shape, options, reduction) -> None:
    x = np.log(RNG.dirichlet(np.ones(4), size=(shape[0],) + shape[2:]))
    x = np.ascontiguousarray(np.moveaxis(x, -1, 1))  # log-probabilities along axis 1
    target = _indices((shape[0],) + shape[2:], 4)
    target.flat[0] = options.get("ignore_index", 3)
    _compare(nn.NLLLoss, torch.nn.NLLLoss, {**options, "reduction": reduction}, x, target)


def test_weighted_cross_entropy_central_differences_and_second_order() -> None:
    loss = nn.CrossEntropyLoss(
        weight=np.array([0.5, 2.0, 1.0]), label_smoothing=0.2, ignore_index=0
    )
    x = Tensor(RNG.normal(size=(4, 3)), requires_grad=True)
    target = np.array([1, 0, 2, 1])
    assert gradcheck(lambda u: loss(u, target), x)
    assert gradgradcheck(lambda u: loss(u, target), x)
    soft = Tensor(RNG.dirichlet(np.ones(3), size=4), requires_grad=True)
    assert gradcheck(lambda u, t: nn.CrossEntropyLoss(label_smoothing=0.1)(u, t), x, soft)


def test_weighted_cross_entropy_second_derivative_matches_torch() -> None:
    w = np.array([0.5, 2.0, 1.0])
    x = RNG.normal(size=(4, 3))
    target = np.array([1, 0, 2, 1])
    xi = Tensor(x, requires_grad=True)
    xt = torch.tensor(x, requires_grad=True)
    (gi,) = __import__("autograd").grad(
        nn.CrossEntropyLoss(weight=w, label_smoothing=0.3)(xi, target), [xi], create_graph=True
    )
    (gt,) = torch.autograd.grad(
        torch.nn.CrossEntropyLoss(weight=torch.tensor(w), label_smoothing=0.3)(
            xt, torch.tensor(target)
        ),
        [xt],
        create_graph=True,
    )
    (gi * gi).sum().backward()
    (gt * gt).sum().backward()
    np.testing.assert_allclose(xi.grad.data, xt.grad.numpy(), rtol=1e-9, atol=1e-12)


def test_cross_entropy_all_weight_on_ignored_is_nan_like_torch() -> None:
    x = RNG.normal(size=(2, 3))
    target = np.array([-100, -100])
    ours = nn.CrossEntropyLoss(weight=np.ones(3))(Tensor(x), target)
    theirs = torch.nn.CrossEntropyLoss(weight=torch.ones(3, dtype=torch.float64))(
        torch.tensor(x), torch.tensor(target)
    )
    assert np.isnan(ours.item()) and torch.isnan(theirs)


# ----------------------------------------------------------------------------- regression
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("pair", [(nn.MSELoss, torch.nn.MSELoss), (nn.L1Loss, torch.nn.L1Loss)])
def test_regression_losses_match_torch(pair, reduction) -> None:
    x, target = RNG.normal(size=(4, 3)), RNG.normal(size=(4, 3))
    _compare(*pair, {"reduction": reduction}, x, target, target_grad=True)


# ----------------------------------------------------------------------------- BCE
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize(
    "weight", [None, np.array([0.5, 2.0, 1.5]), np.array([[2.0], [0.0], [1.0], [3.0]])]
)
def test_bce_loss_matches_torch(weight, reduction) -> None:
    x = RNG.uniform(0.05, 0.95, size=(4, 3))
    target = (RNG.random(size=(4, 3)) > 0.5).astype(np.float64)
    kwargs = (
        {"reduction": reduction} if weight is None else {"weight": weight, "reduction": reduction}
    )
    _compare(nn.BCELoss, torch.nn.BCELoss, kwargs, x, target, target_grad=True)


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize(
    "options",
    [
        {},
        {"weight": np.array([0.5, 2.0, 1.5])},
        {"pos_weight": np.array([3.0, 0.5, 1.0])},
        {"weight": np.array([[2.0], [0.0], [1.0], [3.0]]), "pos_weight": np.array([3.0, 0.5, 1.0])},
        {"pos_weight": np.array(2.5)},
    ],
)
def test_bce_with_logits_loss_matches_torch(options, reduction) -> None:
    x = RNG.normal(scale=3.0, size=(4, 3))
    x[0, 0], x[1, 1] = 0.0, 40.0  # the kink-free point u = 0 and a saturated logit
    target = RNG.random(size=(4, 3))  # soft targets: d/dtarget is checked too
    target[0, 1] = 1.0
    _compare(
        nn.BCEWithLogitsLoss,
        torch.nn.BCEWithLogitsLoss,
        {**options, "reduction": reduction},
        x,
        target,
        target_grad=True,
    )


def test_bce_with_logits_pos_weight_central_differences() -> None:
    loss = nn.BCEWithLogitsLoss(pos_weight=np.array([3.0, 0.5]), weight=np.array([1.0, 2.0]))
    x = Tensor(RNG.normal(size=(3, 2)), requires_grad=True)
    d = Tensor(RNG.random(size=(3, 2)), requires_grad=True)
    assert gradcheck(loss, x, d)
    assert gradgradcheck(lambda u: loss(u, d.detach()), x)


# ----------------------------------------------------------------------------- module API
def test_weights_are_buffers_with_torch_state_dict_keys() -> None:
    w = np.array([1.0, 2.0, 3.0])
    pairs = [
        (nn.CrossEntropyLoss(weight=w), torch.nn.CrossEntropyLoss(weight=torch.tensor(w))),
        (nn.NLLLoss(weight=w), torch.nn.NLLLoss(weight=torch.tensor(w))),
        (nn.BCELoss(weight=w), torch.nn.BCELoss(weight=torch.tensor(w))),
        (
            nn.BCEWithLogitsLoss(pos_weight=w),
            torch.nn.BCEWithLogitsLoss(pos_weight=torch.tensor(w)),
        ),
        (nn.CrossEntropyLoss(), torch.nn.CrossEntropyLoss()),
        (nn.MSELoss(), torch.nn.MSELoss()),
    ]
    for ours, theirs in pairs:
        assert list(ours.state_dict()) == list(theirs.state_dict())
        for k, v in ours.state_dict().items():
            np.testing.assert_array_equal(v, theirs.state_dict()[k].numpy())
    ours = nn.CrossEntropyLoss(weight=torch.tensor(w))  # a torch tensor is accepted
    np.testing.assert_array_equal(ours.weight, w)


def test_loss_modules_positional_order_matches_torch() -> None:
    # CrossEntropyLoss(weight, size_average, ignore_index, reduce, reduction, label_smoothing)
    ours = nn.CrossEntropyLoss(None, None, 7, None, "sum", 0.25)
    theirs = torch.nn.CrossEntropyLoss(None, None, 7, None, "sum", 0.25)
    assert (ours.ignore_index, ours.reduction, ours.label_smoothing) == (
        theirs.ignore_index,
        theirs.reduction,
        theirs.label_smoothing,
    )
    assert nn.BCEWithLogitsLoss(None, None, None, "none").reduction == "none"


@pytest.mark.parametrize(
    "size_average,reduce", [(False, None), (None, False), (True, True), (False, True)]
)
def test_legacy_size_average_and_reduce_translate_like_torch(size_average, reduce) -> None:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        theirs = torch.nn.MSELoss(size_average=size_average, reduce=reduce).reduction
    assert caught
    with pytest.warns(UserWarning, match="deprecated.*reduction="):
        ours = nn.MSELoss(size_average=size_average, reduce=reduce).reduction
    assert ours == theirs


def test_loss_module_argument_errors() -> None:
    with pytest.raises(ValueError, match="label_smoothing must be in"):
        nn.CrossEntropyLoss(label_smoothing=1.5)
    with pytest.raises(ValueError, match="reduction must be one of"):
        nn.MSELoss(reduction="avg")
    x = Tensor(RNG.normal(size=(2, 3)))
    with pytest.raises(ValueError, match=r"one entry per class, shape \(3,\)"):
        nn.CrossEntropyLoss(weight=np.ones(4))(x, np.array([0, 1]))
    with pytest.raises(ValueError, match=r"one entry per class"):
        nn.NLLLoss(weight=np.ones(2))(x, np.array([0, 1]))
    with pytest.raises(ValueError, match="ignore_index=3 only applies to class-index"):
        nn.CrossEntropyLoss(ignore_index=3)(x, np.full((2, 3), 1 / 3))
    with pytest.raises(ValueError, match="ignore_index=3 only applies to class-index"):
        nn.CrossEntropyLoss(ignore_index=3, label_smoothing=0.1)(x, np.full((2, 3), 1 / 3))
    with pytest.raises(ValueError, match="pos_weight of shape \\(2,\\) does not broadcast"):
        nn.BCEWithLogitsLoss(pos_weight=np.ones(2))(x, np.zeros((2, 3)))
    with pytest.raises(ValueError, match="weight of shape \\(4,\\) does not broadcast"):
        nn.BCELoss(weight=np.ones(4))(x.sigmoid(), np.zeros((2, 3)))
    with pytest.raises(TypeError, match="weight must be numeric"):
        nn.CrossEntropyLoss(weight=np.array(["a", "b"]))


def test_loss_module_repr_and_in_a_training_step() -> None:
    assert repr(nn.CrossEntropyLoss()) == "CrossEntropyLoss()"
    assert repr(nn.MSELoss(reduction="sum")) == "MSELoss(reduction='sum')"
    model = nn.Linear(3, 2, rng=0)
    criterion = nn.CrossEntropyLoss(label_smoothing=0.1)
    x, y = Tensor(RNG.normal(size=(8, 3)).astype(np.float32)), RNG.integers(0, 2, size=8)
    loss = criterion(model(x), y)
    assert loss.dtype == np.float32
    loss.backward()
    assert model.weight.grad.dtype == np.float32 and np.abs(model.weight.grad.data).sum() > 0
