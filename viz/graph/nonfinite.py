"""Find the nodes of a graph that hold NaN or Inf, and the op where it started.

Used by ``draw_graph(..., highlight="nonfinite")``. Once one op produces NaN/Inf, every
node computed from it inherits the poison, so a drawing of a diverged training step is
red from that op to the loss -- the useful information is the *first* op whose output is
non-finite although its inputs are finite. To stop a run right there, with the line of
code that created the op, use ``autograd.detect_anomaly()``; its record
(``Function.created_at``) is shown here when it is available.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Any

import numpy as np

from autograd.graph import no_grad

from ..words import say

__all__ = ["NonFinite", "find_nonfinite", "nonfinite_kinds"]


@dataclass(frozen=True)
class NonFinite:
    """Result of ``find_nonfinite``.

    Attributes
    ----------
    bad : frozenset of int
        Positions (in the topological order) of nodes whose data or grad holds NaN/Inf.
    origin : int or None
        Position of the node where the poison starts (see ``find_nonfinite``).
    note : str
        What to write next to the origin ("" when nothing is non-finite).
    """

    bad: frozenset[int]
    origin: int | None
    note: str


def _array(x: Any) -> np.ndarray | None:
    if x is None:
        return None
    return np.asarray(getattr(x, "data", x))


def _finite(x: Any) -> bool:
    """True for finite numbers/arrays, integer and bool arrays, and ``None``."""
    if x is None:
        return True
    if isinstance(x, float):
        return math.isfinite(x)
    a = np.asarray(getattr(x, "data", x))  # (x is not None here)
    return a.dtype.kind not in "fc" or bool(np.isfinite(a).all())


def nonfinite_kinds(x: Any) -> str:
    """Which non-finite values ``x`` holds: e.g. ``"-inf"`` or ``"nan, +inf"``."""
    a = _array(x)
    if a is None or a.dtype.kind not in "fc":
        return ""
    kinds = []
    if np.isnan(a).any():
        kinds.append("nan")
    if a.dtype.kind == "c":
        if np.isinf(a).any():
            kinds.append("inf")
    else:
        if np.isposinf(a).any():
            kinds.append("+inf")
        if np.isneginf(a).any():
            kinds.append("-inf")
    return ", ".join(kinds)


def find_nonfinite(order: list) -> NonFinite:
    """Mark every node whose data or grad holds NaN/Inf, and find the origin.

    The origin is, in this order of preference:

    1. forward: the first op (in topological order, i.e. the order the forward pass ran
       in) whose output data is non-finite while all its inputs' data are finite;
    2. a leaf (input or parameter) whose data is non-finite (nothing computed it);
    3. backward: the first op in backward order whose own gradient is finite but whose
       backward sends a non-finite gradient to an input (its local derivative is
       infinite there, e.g. ``sqrt`` at 0), found by re-running that op's backward.

    Parameters
    ----------
    order : list
        The graph's nodes in topological order (``autograd.graph.topological_order``).
    """
    data_ok = [_finite(node.data) for node in order]
    grad_ok = [_finite(node.grad) for node in order]
    bad = frozenset(i for i in range(len(order)) if not (data_ok[i] and grad_ok[i]))
    if not bad:
        return NonFinite(bad, None, "")
    pos = {node: i for i, node in enumerate(order)}
    for i, node in enumerate(order):
        if not data_ok[i] and node._parents and all(data_ok[pos[p]] for p in node._parents):
            kinds = nonfinite_kinds(node.data)
            note = say("first_nonfinite", op=node.op, kinds=kinds)
            return NonFinite(bad, i, note + _created_at(node))
    for i, node in enumerate(order):
        if not data_ok[i] and not node._parents:
            note = say("nonfinite_input", kinds=nonfinite_kinds(node.data))
            return NonFinite(bad, i, note)
    for i in range(len(order) - 1, -1, -1):
        node = order[i]
        if not node._parents or not grad_ok[i] or node.grad is None:
            continue
        if all(grad_ok[pos[p]] for p in node._parents):
            continue
        j = _bad_backward_input(node)
        if j is not None:
            note = say("first_nonfinite_grad", op=node.op, j=j)
            return NonFinite(bad, i, note + _created_at(node))
    if not grad_ok[-1]:
        return NonFinite(bad, len(order) - 1, say("nonfinite_seed"))
    return NonFinite(bad, None, "")


def _bad_backward_input(node: Any) -> int | None:
    """Input index that receives a non-finite gradient from ``node``'s op, or None."""
    local = getattr(node, "local_grads", None)
    if local is not None and not hasattr(node, "grad_fn"):  # Value: numbers at hand
        for j, g in enumerate(local):
            if not math.isfinite(g * node.grad):
                return j
        return None
    fn = getattr(node, "grad_fn", None)
    if fn is None:
        return None
    try:
        with no_grad(), np.errstate(all="ignore"):
            grads = fn.backward(node.grad)
    except Exception:  # a user Function's backward may fail outside backward(): skip it
        return None
    if not isinstance(grads, tuple):
        grads = (grads,)
    for j, g in enumerate(grads):
        if g is not None and not _finite(g):
            return j
    return None


def _created_at(node: Any) -> str:
    fn = getattr(node, "grad_fn", None)
    where = getattr(fn, "created_at", None)
    if not where:
        if fn is None:
            return ""
        # Under detect_anomaly this op raises AnomalyError naming the line of code.
        return say("anomaly_hint")
    # "/long/path/train.py:12: y = x.log()" -> "train.py:12: y = x.log()"
    m = re.match(r"^(.*?):(\d+): (.*)$", str(where))
    if m:
        filename = re.split(r"[\\/]", m[1])[-1]
        where = f"{filename}:{m[2]}: {m[3]}"
    return say("created_at", where=where)
