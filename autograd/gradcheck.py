"""Numerical differentiation by central differences, and the gradient check built on it.

    df/dx_i ~ (f(x + eps e_i) - f(x - eps e_i)) / (2 eps)      error O(eps^2)

One evaluation pair per input element: that is why backpropagation, which gets every
derivative for the price of about one extra forward pass, is what we train with.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .graph import grad as _grad
from .tensor_check import GradcheckError, gradcheck_tensors, numerical_grad_tensors
from .value import Value

__all__ = ["GradcheckError", "numerical_grad", "gradcheck"]


def _inputs(args: tuple) -> list:
    if len(args) == 1 and isinstance(args[0], (list, tuple)):
        return list(args[0])
    return list(args)


def _as_float(out: Any, fn: Callable) -> float:
    if isinstance(out, Value):
        return out.data
    raise TypeError(
        f"gradcheck: {getattr(fn, '__name__', 'fn')} must return a Value, got {type(out).__name__}"
    )


def numerical_grad(fn: Callable[..., Any], *inputs: Any, eps: float = 1e-6) -> list[Any]:
    """Central-difference gradient of the scalar ``fn(*inputs)`` w.r.t. each input.

    ``inputs`` may be given as separate arguments or as one list, all Values (one float
    per input is returned) or all Tensors (one array of the input's shape per input).
    Each input's data is nudged by ``+-eps`` and restored; nothing else changes.
    """
    values = _inputs(inputs)
    if any(isinstance(v, Value) for v in values) and not all(isinstance(v, Value) for v in values):
        raise TypeError("numerical_grad: inputs must all be Values")
    if not all(isinstance(v, Value) for v in values):  # Tensors: one array per input
        return numerical_grad_tensors(fn, values, eps=eps)
    result = []
    for v in values:
        original = v.data
        try:
            v.data = original + eps
            f_plus = _as_float(fn(*values), fn)
            v.data = original - eps
            f_minus = _as_float(fn(*values), fn)
        finally:
            v.data = original
        result.append((f_plus - f_minus) / (2.0 * eps))
    return result


def _report(rows: list[tuple[str, float, float, float, bool]]) -> str:
    header = f"{'input':<16}{'analytic':>16}{'numeric':>16}{'abs err':>12}  ok"
    lines = [header, "-" * len(header)]
    for name, a, n, err, ok in rows:
        lines.append(f"{name:<16}{a:>16.8g}{n:>16.8g}{err:>12.3g}  {'yes' if ok else 'NO'}")
    return "\n".join(lines)


def gradcheck(
    fn: Callable,
    *inputs: Any,
    eps: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-3,
) -> bool:
    """Compare backpropagated gradients with central differences.

    ``fn(*inputs)`` must return a scalar ``Value`` (or, for Tensor inputs, a ``Tensor``).
    Returns ``True`` when every ``|analytic - numeric| <= atol + rtol |numeric|``;
    otherwise raises :class:`GradcheckError` whose message is a table of analytic vs
    numeric gradients per input. No ``.grad`` attribute is modified.
    """
    values = _inputs(inputs)
    if not values:
        raise ValueError("gradcheck: pass at least one input")
    if not all(isinstance(v, Value) for v in values):
        return gradcheck_tensors(fn, values, eps=eps, atol=atol, rtol=rtol)
    out = fn(*values)
    _as_float(out, fn)
    analytic = _grad(out, values, allow_unused=True)
    numeric = numerical_grad(fn, values, eps=eps)
    rows = []
    for i, (v, a, n) in enumerate(zip(values, analytic, numeric)):
        a = 0.0 if a is None else a
        err = abs(a - n)
        rows.append((v.label or f"input {i}", a, n, err, err <= atol + rtol * abs(n)))
    if all(r[-1] for r in rows):
        return True
    raise GradcheckError(
        "gradcheck failed: analytic and numeric gradients differ\n" + _report(rows)
    )
