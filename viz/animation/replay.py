"""The backward pass replayed on the side, one chain-rule ``Step`` at a time.

``replay(order, root)`` mirrors ``autograd.graph._run`` operation for operation and
records every gradient after each step, without touching the graph's own ``.grad``
fields; ``viz.animation.frames`` turns the record into the animation's frames.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from autograd.graph import input_grads, no_grad
from autograd.tensor import Tensor
from autograd.value import Value

__all__ = ["Step", "GradValue", "replay", "planned_steps"]

GradValue = float | np.ndarray | None


@dataclass(frozen=True)
class Step:
    """One application of the chain rule: ``grad[parent] += local × grad[node]``.

    Attributes
    ----------
    node : int
        Index (in ``BackwardAnimation.nodes``) of the node sending its gradient back.
    parent : int
        Index of the operand receiving the contribution.
    position : int
        Which operand of the node's op the parent is (``a * a`` has positions 0 and 1,
        both the same parent).
    local : float or str
        ``∂node/∂parent`` as a number (``Value``), or the op's derivative rule as text
        (``Tensor``, e.g. ``"∂/∂W = gyᵀ·x"``).
    upstream : float or numpy.ndarray
        ``grad[node]`` -- the gradient arriving from the output side.
    contribution : float or numpy.ndarray
        What this step adds to ``grad[parent]``.
    total : float or numpy.ndarray
        ``grad[parent]`` after the step.
    """

    node: int
    parent: int
    position: int
    local: float | str
    upstream: float | np.ndarray
    contribution: float | np.ndarray
    total: float | np.ndarray


def planned_steps(node: Any) -> int:
    """Upper bound on the steps a node contributes (exact for ``Value``)."""
    parents = node.parents
    if not parents:
        return 0
    if isinstance(node, Tensor):
        return sum(1 for needed in node.grad_fn.needs_input_grad if needed)
    return len(parents)


def replay(order: list, root: Any) -> tuple[list[GradValue], list[tuple[Step, list[GradValue]]]]:
    """Run the chain rule on the side; return the seeded grads and each step's grads.

    Mirrors ``autograd.graph._run`` operation for operation (same order, same ``+=``,
    Tensor ops' own ``backward``), so the last grads equal what ``backward()`` writes.
    """
    index = {node: i for i, node in enumerate(order)}
    grads: list[GradValue] = [None] * len(order)
    r = index[root]
    if isinstance(root, Tensor):
        grads[r] = _frozen(np.ones_like(root.data))  # the driver's seed_grad with no seed
    else:
        grads[r] = 0.0 + 1.0  # Value._seed_grad on a cleared grad
    seeded = list(grads)
    steps: list[tuple[Step, list[GradValue]]] = []
    for i in range(len(order) - 1, -1, -1):
        node = order[i]
        if not node.parents:
            continue
        # (position, local derivative, contribution): text and an array for a Tensor,
        # two numbers for a Value
        events: Sequence[tuple[int, float | str, float | np.ndarray]]
        if isinstance(node, Tensor):
            events = _tensor_contributions(node, grads[i])
        else:
            events = _value_contributions(node, grads[i])
        for position, local, contribution in events:
            p = index[node.parents[position]]
            previous = grads[p]
            if isinstance(node, Tensor):
                total = contribution if previous is None else _frozen(previous + contribution)
            else:
                # the driver adds into a grad cleared to 0.0: keep its exact arithmetic
                total = (0.0 if previous is None else previous) + contribution
            grads[p] = total
            upstream = grads[i]
            step = Step(
                i, p, position, local, 0.0 if upstream is None else upstream, contribution, total
            )
            steps.append((step, list(grads)))
    return seeded, steps


def _value_contributions(node: Value, g: GradValue) -> list[tuple[int, float, float]]:
    # Value._send_grad: parent.grad += local * g, for every parent (repeats included).
    # Every interior node of the order is an ancestor of the root, so g has arrived.
    g = 0.0 if g is None else g
    return [(j, local, local * g) for j, local in enumerate(node.local_grads)]


def _tensor_contributions(node: Tensor, gy: GradValue) -> list[tuple[int, str, np.ndarray]]:
    if gy is None:
        return []  # the driver's send_grad: nothing arrived, nothing to send
    with no_grad():
        gy = np.asarray(gy)
        grads = input_grads(node, Tensor(gy, dtype=gy.dtype))  # the driver's own step
    out: list[tuple[int, str, np.ndarray]] = []
    for j, g in grads:
        # Copied: a backward may hand back an array it shares with the graph.
        out.append((j, "", _frozen(np.array(getattr(g, "data", g), copy=True))))
    return out


def _frozen(a: np.ndarray | float) -> np.ndarray:
    a = np.asarray(a)
    a.setflags(write=False)
    return a
