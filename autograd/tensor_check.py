"""Gradient checks for functions of Tensors (first and second order).

A non-scalar output ``y`` is reduced with a fixed random weighting, ``L = sum(w * y)``,
so one backward pass checks the vector-Jacobian product ``w^T J`` against central
differences of ``L`` -- every input element is perturbed, every output is involved.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from .graph import grad as _grad
from .tensor import Tensor

__all__ = ["GradcheckError", "numerical_grad_tensors", "gradcheck_tensors", "gradgradcheck"]


class GradcheckError(AssertionError):
    """Raised by the gradient checks (``gradcheck``, ``gradgradcheck``, also for Values);
    the message is the readable comparison table."""


def _check_inputs(inputs: Sequence[Any], who: str) -> list[Tensor]:
    tensors = list(inputs)
    for i, t in enumerate(tensors):
        if not isinstance(t, Tensor):
            raise TypeError(f"{who}: input {i} is a {type(t).__name__}, expected a Tensor")
        if t.requires_grad and t.dtype != np.float64:
            raise TypeError(
                f"{who}: input {i} has dtype {t.dtype}; central differences need float64 "
                "(make it with Tensor(x, dtype=np.float64, requires_grad=True))"
            )
    if not any(t.requires_grad for t in tensors):
        raise ValueError(f"{who}: no input has requires_grad=True, nothing to check")
    return tensors


def _weights(y: Tensor, seed: int) -> np.ndarray:
    return np.random.default_rng(seed).uniform(0.5, 1.5, size=y.shape).astype(y.dtype)


def _scalarize(fn: Callable, w_seed: int) -> Callable:
    """L(x) = sum(w * fn(x)) with w fixed at the first call."""
    weights: dict[str, np.ndarray] = {}

    def scalar_fn(*xs: Tensor) -> Tensor:
        y = fn(*xs)
        if not isinstance(y, Tensor):
            raise TypeError(f"gradcheck: fn must return a Tensor, got {type(y).__name__}")
        if "w" not in weights:
            weights["w"] = _weights(y, w_seed)
        return (y * weights["w"]).sum()

    return scalar_fn


def numerical_grad_tensors(fn: Callable, inputs: Sequence[Tensor], eps: float = 1e-6) -> list:
    """Central differences of the scalar ``fn(*inputs)`` for every element of every input
    that requires grad (``None`` for the others)."""
    result: list = []
    for t in inputs:
        if not (isinstance(t, Tensor) and t.requires_grad):
            result.append(None)
            continue
        g = np.zeros(t.shape, dtype=np.float64)
        if not t.data.flags.writeable:  # read-only memory cannot be nudged: a copy
            t.data = np.array(t.data)
        # Element by element through the Tensor's own array, whatever its memory order: a
        # flat reshape(-1) would copy a column-major or strided array (a Parameter made
        # from a transposed array, a transposed view), and the nudges would never reach
        # the function.
        data = t.data
        for index in np.ndindex(data.shape):
            original = data[index]
            data[index] = original + eps
            plus = float(fn(*inputs).data)
            data[index] = original - eps
            minus = float(fn(*inputs).data)
            data[index] = original
            g[index] = (plus - minus) / (2.0 * eps)
        result.append(g)
    return result


def _report(names: list[str], analytic: list, numeric: list, atol: float, rtol: float) -> tuple:
    ok = True
    lines = [f"{'input':<12}{'shape':<16}{'max |err|':>12}  worst element: analytic vs numeric"]
    for name, a, n in zip(names, analytic, numeric):
        if n is None:
            continue
        err = np.abs(a - n)
        bad = err > atol + rtol * np.abs(n)
        ok &= not bad.any()
        worst = np.unravel_index(np.argmax(err), err.shape) if err.size else ()
        a_w = a[worst] if err.size else 0.0
        n_w = n[worst] if err.size else 0.0
        flag = "" if not bad.any() else f"   <-- {int(bad.sum())} of {bad.size} elements differ"
        lines.append(
            f"{name:<12}{str(a.shape):<16}{(err.max() if err.size else 0.0):>12.3g}  "
            f"at {tuple(int(i) for i in worst)}: {a_w:.8g} vs {n_w:.8g}{flag}"
        )
    return ok, "\n".join(lines)


def gradcheck_tensors(
    fn: Callable,
    inputs: Sequence[Any],
    eps: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-3,
    seed: int = 0,
) -> bool:
    """Check ``fn``'s backward against central differences (see module docstring)."""
    tensors = _check_inputs(inputs, "gradcheck")
    scalar_fn = _scalarize(fn, seed)
    loss = scalar_fn(*tensors)
    wanted = [t for t in tensors if t.requires_grad]
    if loss.requires_grad:
        grads = iter(_grad(loss, wanted, allow_unused=True))
    else:  # output does not depend on the inputs at all
        grads = iter([None] * len(wanted))
    analytic: list[np.ndarray | None] = []
    for t in tensors:
        if t.requires_grad:
            g = next(grads)
            analytic.append(np.zeros(t.shape) if g is None else np.asarray(g.data, np.float64))
        else:
            analytic.append(None)
    numeric = numerical_grad_tensors(scalar_fn, tensors, eps=eps)
    names = [t.label or f"input {i}" for i, t in enumerate(tensors)]
    ok, table = _report(names, analytic, numeric, atol, rtol)
    if ok:
        return True
    raise GradcheckError("gradcheck failed: analytic and numeric gradients differ\n" + table)


def gradgradcheck(
    fn: Callable,
    *inputs: Any,
    eps: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-3,
    seed: int = 0,
) -> bool:
    """Check second derivatives: gradcheck of x -> sum(v * dL/dx), where L = sum(w * fn(x))
    and dL/dx is computed with ``create_graph=True``."""
    if len(inputs) == 1 and isinstance(inputs[0], (list, tuple)):
        inputs = tuple(inputs[0])
    tensors = _check_inputs(inputs, "gradgradcheck")
    scalar_fn = _scalarize(fn, seed)
    rng = np.random.default_rng(seed + 1)
    directions = [rng.uniform(0.5, 1.5, size=t.shape) for t in tensors]

    def first_derivative(*xs: Tensor) -> Tensor:
        loss = scalar_fn(*xs)
        wanted = [x for x in xs if x.requires_grad]
        total = Tensor(np.zeros((), dtype=np.float64))
        if not loss.requires_grad:
            return total
        grads = iter(_grad(loss, wanted, create_graph=True, allow_unused=True))
        for x, v in zip(xs, directions):
            if x.requires_grad:
                g = next(grads)
                if g is not None:
                    total = total + (g * v).sum()
        return total

    return gradcheck_tensors(first_derivative, tensors, eps=eps, atol=atol, rtol=rtol, seed=seed)
