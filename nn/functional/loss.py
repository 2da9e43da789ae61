"""Loss functions. Each fused loss keeps the textbook delta next to its forward:

    softmax + cross-entropy      dE/du = softmax(u) - t
    sigmoid + binary cross-entr. dE/du = sigma(u) - d
    identity + squared error     dE/dy = y - d

``reduction`` is ``"mean"`` (default), ``"sum"`` or ``"none"``, as in PyTorch.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from autograd.function import Function
from autograd.graph import is_grad_enabled
from autograd.ops.elementwise import where
from autograd.rules import DerivativeRule
from autograd.tensor import Tensor

from ._inputs import as_tensor, class_scores
from .activation import log_softmax, softmax

_REDUCTIONS = ("mean", "sum", "none")


def _check_reduction(name: str, reduction: str) -> None:
    if reduction not in _REDUCTIONS:
        raise ValueError(f"{name}: reduction must be one of {_REDUCTIONS}, got {reduction!r}")


def _reduce(losses: Any, reduction: str) -> Any:
    if reduction == "mean":
        return losses.mean()
    if reduction == "sum":
        return losses.sum()
    return losses


def _same_shape(name: str, input: Tensor, target: Any) -> Any:
    shape = np.shape(getattr(target, "data", target))
    if input.shape != shape:
        raise ValueError(
            f"{name}: input shape {input.shape} and target shape {shape} differ; reshape "
            "one of them (e.g. target.reshape(input.shape)) so elements pair up"
        )
    if np.asarray(getattr(target, "data", target)).dtype.kind not in "fbiu":
        raise TypeError(f"{name}: target must be numeric")
    if isinstance(target, Tensor):
        return target
    # plain arrays take the input's dtype (no silent float32 -> float64 promotion)
    return Tensor._constant(np.asarray(target, dtype=input.dtype))


# ---------------------------------------------------------------- regression
def mse_loss(input: Tensor, target: Any, reduction: str = "mean") -> Tensor:
    """Mean squared error (y - d)^2 averaged over every element (PyTorch's definition)."""
    _check_reduction("mse_loss", reduction)
    input = as_tensor(input, "mse_loss")
    d = input - _same_shape("mse_loss", input, target)
    return _reduce(d * d, reduction)


def sum_squared_error(input: Tensor, target: Any) -> Tensor:
    """The textbook's E = 1/2 sum (y - d)^2, whose gradient is exactly y - d."""
    input = as_tensor(input, "sum_squared_error")
    d = input - _same_shape("sum_squared_error", input, target)
    return 0.5 * (d * d).sum()


def l1_loss(input: Tensor, target: Any, reduction: str = "mean") -> Tensor:
    """Mean absolute error |y - d| (subgradient 0 where y == d)."""
    _check_reduction("l1_loss", reduction)
    input = as_tensor(input, "l1_loss")
    return _reduce((input - _same_shape("l1_loss", input, target)).abs(), reduction)


# ---------------------------------------------------------------- classification
def _class_indices(
    name: str, input: Tensor, target: Any, ignore_index: int
) -> tuple[np.ndarray, bool]:
    """The class-index targets as an integer array, checked, and whether every one of
    them names a class (0 <= t < C; False when some are ``ignore_index`` outside that)."""
    t = np.asarray(getattr(target, "data", target))
    if t.dtype.kind not in "iu":
        raise TypeError(
            f"{name}: class-index targets must be integers, got dtype {t.dtype}; use "
            "target.astype(np.int64), or pass probabilities with the input's shape"
        )
    expected = input.shape[:1] + input.shape[2:] if input.ndim > 1 else ()
    if t.shape != expected:
        raise ValueError(
            f"{name}: input of shape {input.shape} needs class indices of shape {expected}, "
            f"got {t.shape}"
        )
    n_classes = input.shape[1] if input.ndim > 1 else input.shape[0]
    # the usual case, one reduction: read as unsigned, a negative index is a huge number,
    # so max < C holds exactly when 0 <= t < C everywhere
    unsigned = t.view(t.dtype.str.replace("i", "u")) if t.dtype.kind == "i" else t
    if t.size and unsigned.max() < n_classes:
        return t, True
    bad = (t != ignore_index) & ((t < 0) | (t >= n_classes))
    if bad.any():
        raise ValueError(
            f"{name}: target index {int(t[bad].flat[0])} is out of range for {n_classes} "
            f"classes (valid: 0..{n_classes - 1})"
        )
    return t, False


class CrossEntropyOp(Function):
    """E = -sum_k t_k log softmax(u)_k, fused and stable; dE/du = softmax(u) - t.

    Inputs: logits u (N, C, *) or (C,); targets as class indices (N, *) or as
    probabilities with u's shape (then a Tensor input, differentiable: dE/dt = -log p).

    Exact at the extremes: with class indices the loss is -log p[target], gathered, not
    summed as sum_k t_k log p_k, so a logit of -inf in another class (log p = -inf
    there) costs nothing instead of 0 * (-inf) = nan. Probability targets use
    0 log 0 = 0 for the same reason (PyTorch returns nan there; see the tests).
    """

    op = "cross_entropy"
    rule = DerivativeRule.of("u t", "(softmax({0}) − {1})·gy{scale}", "−log softmax({0})·gy{scale}")

    def forward(
        self,
        u: np.ndarray,
        *probs: np.ndarray,
        indices: np.ndarray | None = None,
        reduction: str = "mean",
        ignore_index: int = -100,
        in_range: bool = False,
    ) -> np.ndarray:
        # ``in_range``: the caller has checked 0 <= indices < C (``_class_indices``)
        axis = 1 if u.ndim > 1 else 0
        # log p = (u - max) - log s and p = e^(u - max) / s, with s = sum e^(u - max):
        # both from the same exponentials, p exact to an ulp or two (as ``softmax``).
        # p itself is formed in backward, from e and s kept here (``_softmax``).
        shifted = u - u.max(axis=axis, keepdims=True)
        e = np.exp(shifted)
        total = e.sum(axis=axis, keepdims=True)
        self.e, self.total = e, total
        if indices is not None:
            if in_range and not 0 <= ignore_index < u.shape[axis]:
                all_valid = True  # every index names a class, none the ignored one
            else:
                valid = indices != ignore_index
                all_valid = bool(valid.all())
            # E = -log p[target] = -((u - max)[target] - log s): only the targets' own
            # log-probabilities, gathered (the same two roundings as log p, then a gather)
            safe = indices if all_valid else np.where(valid, indices, 0)
            picked = self._at_targets(shifted, safe, axis)
            losses = -(picked - np.log(total).squeeze(axis))
            if not all_valid:
                losses = np.where(valid, losses, 0.0).astype(u.dtype, copy=False)
            count = max(indices.size if all_valid else int(valid.sum()), 1)
            self.safe = safe
            self.valid = None if all_valid else np.expand_dims(valid, axis).astype(u.dtype)
        else:
            logp = shifted - np.log(total)
            target = probs[0]
            if np.isfinite(logp).all():
                terms = target * logp
            else:  # 0 log 0 = 0: a class with t_k = 0 adds nothing, even where log p = -inf
                with np.errstate(invalid="ignore"):
                    terms = np.where(target == 0, 0.0, target * logp).astype(u.dtype, copy=False)
            losses = -terms.sum(axis=axis)
            count = max(losses.size, 1)
            self.valid = None
            self.logp = logp
        self.axis, self.reduction = axis, reduction
        # a scalar of the losses' dtype: NumPy 1.x turns float32 * Python float into float64
        self.scale = losses.dtype.type(1.0 / count if reduction == "mean" else 1.0)
        if reduction == "none":
            return losses
        total_loss = losses.sum()
        return total_loss * self.scale if reduction == "mean" else total_loss

    def _softmax(self) -> np.ndarray:
        """p = e^(u - max) / s, a new array."""
        return self.e / self.total

    @staticmethod
    def _at_targets(a: np.ndarray, targets: np.ndarray, axis: int) -> np.ndarray:
        """a[n, target_n, ...]: the entry of each sample's target class (``targets`` has
        the shape of a without its class axis)."""
        if a.ndim == 2:  # (N, C): a plain fancy index (take_along_axis builds one anyway)
            return a[np.arange(a.shape[0]), targets]
        return np.take_along_axis(a, np.expand_dims(targets, axis), axis).squeeze(axis)

    def _spread(self, gy: Tensor) -> Tensor:
        """The upstream gradient per sample, shaped to broadcast over the class axis."""
        if self.reduction == "none":
            return gy.unsqueeze(self.axis)
        return gy * self.scale

    def _one_hot(self) -> np.ndarray:
        target = np.zeros_like(self.e)
        np.put_along_axis(target, np.expand_dims(self.safe, self.axis), 1.0, self.axis)
        return target

    def backward(self, gy: Tensor) -> tuple | Tensor:
        u = self.inputs[0]
        soft_targets = len(self.inputs) > 1
        if not soft_targets and not is_grad_enabled():
            return self._backward_indices(gy._data)
        # dE/du = softmax(u) * sum_k t_k - t, which is the textbook softmax(u) - t
        # whenever the targets are a probability vector (one-hot or soft)
        if is_grad_enabled():  # create_graph: the softmax itself must stay differentiable
            p = softmax(u, dim=self.axis)
            if soft_targets:
                t = self.inputs[1]
                delta = p * t.sum(axis=self.axis, keepdims=True) - t
            else:
                delta = p - Tensor._constant(self._one_hot())
        elif soft_targets:
            t = self.inputs[1]
            probs = self._softmax()
            mass = t._data.sum(axis=self.axis, keepdims=True)
            if not np.allclose(mass, 1.0, rtol=0.0, atol=1e-12):  # keep exact y - d if sum 1
                probs = probs * mass
            delta = Tensor._constant(probs) - t
        else:
            delta = Tensor._constant(self._softmax() - self._one_hot())
        if self.valid is not None:  # ignored samples send nothing back
            delta = delta * self.valid
        g = self._spread(gy)
        if not soft_targets:
            return delta * g
        gt = None
        if self.needs_input_grad[1]:  # dE/dt = -log softmax(u)
            logp = log_softmax(u, dim=self.axis) if is_grad_enabled() else self.logp
            gt = -logp * g
        return delta * g, gt

    def _backward_indices(self, gy: np.ndarray) -> Tensor:
        """Class-index targets, nothing recorded: (softmax(u) - one_hot(t)) * gy on plain
        arrays -- p with 1 taken off at each target, in place in a copy of p."""
        axis = self.axis
        delta = self._softmax()
        if delta.ndim == 2:  # (N, C): one fancy index, cheaper than the *_along_axis pair
            rows = np.arange(delta.shape[0])
            delta[rows, self.safe] -= 1
        else:
            safe = np.expand_dims(self.safe, axis)
            at_target = np.take_along_axis(delta, safe, axis)
            np.put_along_axis(delta, safe, at_target - 1, axis)
        if self.valid is not None:  # ignored samples send nothing back
            delta *= self.valid
        if self.reduction == "none":
            delta *= np.expand_dims(gy, axis)
        else:
            delta *= gy * self.scale
        return Tensor._constant(delta)


def cross_entropy(
    input: Tensor,
    target: Any,
    reduction: str = "mean",
    ignore_index: int = -100,
) -> Tensor:
    """Softmax cross-entropy from logits, as one stable op (PyTorch's ``F.cross_entropy``).

    Parameters
    ----------
    input : Tensor, logits of shape (N, C), (N, C, d1, ...) or (C,)
    target : integer class indices of shape (N,) / (N, d1, ...) / () -- a NumPy array or an
        integer Tensor -- or a float Tensor/array of probabilities (one-hot or soft) with
        the input's shape.
    ignore_index : class-index targets equal to this contribute nothing (and are not
        counted in the mean).
    """
    _check_reduction("cross_entropy", reduction)
    input = class_scores("cross_entropy", input)
    # (an ndarray's own .data is a memoryview: take the array itself)
    t_arr = (
        target
        if isinstance(target, np.ndarray)
        else np.asarray(
            target._data if isinstance(target, Tensor) else getattr(target, "data", target)
        )
    )
    if t_arr.dtype.kind == "f":
        index_shape = input.shape[:1] + input.shape[2:] if input.ndim > 1 else ()
        if t_arr.shape == index_shape and t_arr.shape != input.shape:
            raise TypeError(
                f"cross_entropy: class-index targets must be integers, got dtype {t_arr.dtype};"
                " use target.astype(np.int64), or pass probabilities with the input's shape"
            )
        if t_arr.shape != input.shape:
            raise ValueError(
                f"cross_entropy: probability targets need the input's shape {input.shape}, "
                f"got {t_arr.shape} (class indices must be an integer array)"
            )
        if not isinstance(target, Tensor):
            target = Tensor._constant(t_arr.astype(input.dtype))
        return CrossEntropyOp.apply(input, target, reduction=reduction, ignore_index=ignore_index)
    indices, in_range = _class_indices("cross_entropy", input, t_arr, ignore_index)
    return CrossEntropyOp.apply(
        input, indices=indices, reduction=reduction, ignore_index=ignore_index, in_range=in_range
    )


def nll_loss(
    input: Tensor, target: Any, reduction: str = "mean", ignore_index: int = -100
) -> Tensor:
    """Negative log-likelihood of log-probabilities: E = -log p[target].

    input (N, C) or (N, C, d1, ...) holds log-probabilities (e.g. from ``log_softmax``);
    target holds class indices. Gradient: -1 at the target class (per sample, /N for mean).
    """
    _check_reduction("nll_loss", reduction)
    input = class_scores("nll_loss", input)
    t, _ = _class_indices("nll_loss", input, target, ignore_index)
    if input.ndim == 1:
        if t != ignore_index:
            return -input[int(t)]
        return where(np.zeros(input.shape, dtype=bool), input, np.zeros((), input.dtype)).sum()
    n_classes = input.shape[1]
    if input.ndim > 2:  # (N, C, d1, ...) -> (N, d1, ..., C): classes last, then flatten
        order = (0, *range(2, input.ndim), 1)
        flat = input.permute(*order).reshape(-1, n_classes)
    else:
        flat = input
    flat_t = t.reshape(-1)
    valid = flat_t != ignore_index
    picked = -flat[np.arange(flat_t.size), np.where(valid, flat_t, 0)]
    if not valid.all():  # ignored samples add exactly 0 (a 0/1 mask would give -inf * 0)
        picked = where(valid, picked, np.zeros((), dtype=input.dtype))
    if reduction == "none":
        return picked.reshape(t.shape)
    total = picked.sum()
    return total * (1.0 / max(int(valid.sum()), 1)) if reduction == "mean" else total


# PyTorch's BCE backward divides by max(y (1 - y), EPSILON) with EPSILON = 1e-12 held as
# a float32 (9.99999996e-13), in float64 too; the same number here gives the same gradient
_BCE_EPSILON = float(np.float32(1e-12))


class BinaryCrossEntropyOp(Function):
    """E = -[d log y + (1-d) log(1-y)], logs clamped at -100 (PyTorch's rule) so y = 0 or 1
    stays finite; dE/dy = (y - d) / max(y (1 - y), 1e-12), finite and non-zero there too."""

    op = "binary_cross_entropy"
    rule = DerivativeRule.of("p d", "gy{scale}·({0} − {1})/({0}(1 − {0}))", None)

    def forward(self, y: np.ndarray, d: np.ndarray, reduction: str = "mean") -> np.ndarray:
        self.save(y, d)
        self.reduction = reduction
        with np.errstate(divide="ignore"):
            log_y = np.maximum(np.log(y), -100.0)
            log_1my = np.maximum(np.log1p(-y), -100.0)
        self.log_odds = log_y - log_1my  # dE/dd = -(log y - log(1-y))
        losses = -(d * log_y + (1.0 - d) * log_1my)
        self.scale = losses.dtype.type(1.0 / max(losses.size, 1) if reduction == "mean" else 1.0)
        if reduction == "none":
            return losses
        return losses.sum() * self.scale

    def backward(self, gy: Tensor) -> tuple:
        y, d = self.saved_tensors
        from autograd import clip

        delta = (y - d) / clip(y * (1.0 - y), _BCE_EPSILON, None)
        g = gy if self.reduction == "none" else gy * self.scale
        gd = -Tensor._constant(self.log_odds) * g if self.needs_input_grad[1] else None
        return delta * g, gd


def binary_cross_entropy(input: Tensor, target: Any, reduction: str = "mean") -> Tensor:
    """BCE on probabilities y in [0, 1] (e.g. after ``sigmoid``). Prefer the logits
    version: it is exact where this one has to clamp."""
    _check_reduction("binary_cross_entropy", reduction)
    input = as_tensor(input, "binary_cross_entropy")
    target = _same_shape("binary_cross_entropy", input, target)
    y = input._data
    if y.size and (y.min() < 0.0 or y.max() > 1.0):
        raise ValueError("binary_cross_entropy: input must hold probabilities in [0, 1]")
    return BinaryCrossEntropyOp.apply(input, target, reduction=reduction)


class BCEWithLogitsOp(Function):
    """E = max(u,0) - u d + log(1 + exp(-|u|))  (= BCE(sigma(u), d) without overflow);
    dE/du = sigma(u) - d.

    At u = +-inf only the linear part max(u, 0) - u d is left: (1 - d) u for u > 0 and
    -d u for u < 0, which is 0 when its coefficient is 0 (u = inf, d = 1 is a perfect
    prediction) rather than inf - inf = nan.
    """

    op = "bce_with_logits"
    rule = DerivativeRule.of("u d", "(σ({0}) − {1})·gy{scale}", "−{0}·gy{scale}")

    def forward(self, u: np.ndarray, d: np.ndarray, reduction: str = "mean") -> np.ndarray:
        self.save(u, d)
        self.reduction = reduction
        # max(u, 0) - u d, as (1 - d) max(u, 0) - d min(u, 0): one of the two terms is 0,
        # so there is no cancellation (u = 5e16, d = 0.9375 lost 4 ulps in u - u d)
        losses = np.maximum(u, 0.0, out=np.empty_like(u))
        losses *= 1.0 - d
        losses -= np.minimum(u, 0.0) * d
        if np.isinf(u).any():
            with np.errstate(invalid="ignore"):
                coef = np.where(u > 0, 1.0 - d, -d)
                at_inf = np.where(coef == 0, 0.0, coef * u)
            losses = np.where(np.isinf(u), at_inf, losses).astype(u.dtype, copy=False)
        tail = np.abs(u, out=np.empty_like(u))  # log(1 + e^-|u|), in place
        np.negative(tail, out=tail)
        np.exp(tail, out=tail)
        np.log1p(tail, out=tail)
        losses += tail
        self.scale = losses.dtype.type(1.0 / max(losses.size, 1) if reduction == "mean" else 1.0)
        if reduction == "none":
            return losses
        return losses.sum() * self.scale

    def backward(self, gy: Tensor) -> tuple:
        u, d = self.saved_tensors
        g = gy if self.reduction == "none" else gy * self.scale
        gd = -u * g if self.needs_input_grad[1] else None
        return (u.sigmoid() - d) * g, gd


def binary_cross_entropy_with_logits(input: Tensor, target: Any, reduction: str = "mean") -> Tensor:
    """Sigmoid + binary cross-entropy in one stable op; the delta is sigma(u) - d."""
    _check_reduction("binary_cross_entropy_with_logits", reduction)
    input = as_tensor(input, "binary_cross_entropy_with_logits")
    target = _same_shape("binary_cross_entropy_with_logits", input, target)
    return BCEWithLogitsOp.apply(input, target, reduction=reduction)


def sequence_cross_entropy(logits: Any, targets: Any) -> Tensor:
    """Mean cross-entropy over every step of every sequence.

    Parameters
    ----------
    logits : Tensor (B, T, V) (or (T, B, V): any layout, as long as targets match)
    targets : int array (B, T)

    Returns
    -------
    Tensor, scalar: -1/(B T) sum_(b,t) log softmax(u_bt)[d_bt]; its delta is
    (softmax(u_bt) - onehot(d_bt)) / (B T).
    """
    logits = as_tensor(logits, "sequence_cross_entropy")
    t = np.asarray(getattr(targets, "data", targets))
    if logits.ndim < 2 or logits.shape[:-1] != t.shape:
        raise ValueError(
            f"sequence_cross_entropy: logits of shape {logits.shape} need targets of shape "
            f"{logits.shape[:-1]}, got {t.shape}"
        )
    return cross_entropy(logits.reshape(-1, logits.shape[-1]), t.reshape(-1))
