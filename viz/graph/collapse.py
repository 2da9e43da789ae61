"""Which module computed each node of a graph, and the one-box-per-module view.

A computation graph records ops, not the modules that called them: ``nn.Module`` has no
forward hooks, and the forward has already run when ``draw_graph`` sees the loss. The
owner of every op is therefore *inferred* from the graph and the model alone:

1. **Parameters.** A parameter belongs to the module that registered it; an op with a
   parameter (or a view of one, such as ``weight.reshape(...)``) among its inputs
   belongs to that parameter's module (``linear`` with ``layers.0.weight`` ->
   ``layers.0``).
2. **Parameter-free ops** (activations, reshapes, normalisation arithmetic, ...) start
   from the latest-registered module among their inputs' owners, the *current* module,
   and are placed by the first rule that applies:

   a. the op still feeds a parameterised op of the current module (the gates of a
      recurrent cell, the statistics inside BatchNorm): the current module;
   b. a module registered after the current one, up to and including the next module
      that has parameters, is known to produce this op (each layer declares its
      ``op_labels``: ``ReLU`` makes ``relu``, ``BatchNorm1d`` makes ``mean``, ...):
      that module -- this is how an activation layer of a ``Sequential`` gets its own
      ``relu``;
   c. the current module is known to produce this op: the current module;
   d. the next parameterised op downstream belongs to a module known to produce it: that
      module;
   e. the op lies between two parameterised ops (it feeds a later one): the current
      module, i.e. ownership propagates through parameter-free ops until the next
      parameterised op;
   f. otherwise (ops after the model, such as the loss, or before it): no module.
3. **Constants** without a name (a dropout mask, the ``eps`` of a normalisation, the zero
   initial state of an LSTM) go with the module of the ops that use them, when that is a
   single module -- except the first operand of a parameterised op (``linear(x, W, b)``,
   ``conv2d(x, W, b)``), which is the module's input: the batch.

The model's modules and parameters are read by ``viz.graph.model_map``.

The heuristic is exact for ``Sequential`` stacks of the library's layers and reasonable
elsewhere; its known limits: an op on parameters outside the forward (an L2 penalty
``(w ** 2).sum()``) is owned by the parameter's module, and modules called in another
order than they were registered can swap parameter-free ops between neighbours.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from ..words import say
from .model_map import ModelMap, Unit

__all__ = ["assign_owners", "Collapsed", "collapse_modules", "shape_text", "shapes_text"]

#: One-input ops that only re-present a parameter (see ``assign_owners``).
_VIEW_OPS = frozenset({"reshape", "transpose", "astype", "broadcast_to", "clone"})


# -------------------------------------------------------------------- ownership
def assign_owners(order: list, model: ModelMap, has_name: Callable[[Any], bool]) -> list[int]:
    """The owning unit (index into ``model.units``) of every node of ``order``, or -1.

    ``order`` is a topological order (parents first). Two linear passes; see the module
    docstring for the rules. ``has_name(node)`` tells named constants (inputs such as
    ``x``), which stay outside every module, from anonymous ones.
    """
    units, param_unit = model.units, model.param_unit
    pos = {node: i for i, node in enumerate(order)}
    n = len(order)
    owner = [-1] * n
    direct = [-1] * n  # unit of a parameterised op: rule 1
    # A view of a parameter (``weight.reshape(...)``, ``weight.T``) counts as the
    # parameter itself, so the op using the view is parameterised. (Only shape ops: an
    # embedding lookup is also a one-input op of a parameter, but it is the layer's work.)
    view = [-1] * n
    parents = [tuple(pos[p] for p in node._parents) for node in order]
    for i, node in enumerate(order):
        ps = parents[i]
        if not ps:
            view[i] = owner[i] = param_unit.get(id(node), -1)
            continue
        found = [view[j] for j in ps if view[j] >= 0]
        if found:
            direct[i] = found[0]
            if len(ps) == 1 and node.op in _VIEW_OPS:
                view[i] = found[0]
    # down[i]: unit of the nearest parameterised op that (transitively) consumes node i,
    # through parameter-free ops only. Children come after parents in `order`, so one
    # backwards pass sees every consumer before the node itself; the last write is the
    # consumer earliest in the order, i.e. the nearest.
    down = [-1] * n
    for i in range(n - 1, -1, -1):
        value = direct[i] if direct[i] >= 0 else down[i]
        if value >= 0:
            for j in parents[i]:
                down[j] = value
    next_param = _next_parameterised(units)
    for i, node in enumerate(order):
        if not parents[i]:
            continue
        if direct[i] >= 0:
            owner[i] = direct[i]
            continue
        current = max((owner[j] for j in parents[i]), default=-1)
        owner[i] = _place(node.op, current, down[i], units, next_param)
    # parameterised ops that do the module's work (not mere views of a parameter)
    entry = [d if d >= 0 and view[i] < 0 else -1 for i, d in enumerate(direct)]
    _adopt_constants(order, parents, owner, entry, has_name)
    return owner


def _next_parameterised(units: list[Unit]) -> list[int]:
    """For each start index k (and k = len), the first unit at or after k with parameters."""
    out = [len(units)] * (len(units) + 1)
    for k in range(len(units) - 1, -1, -1):
        out[k] = k if units[k].has_params else out[k + 1]
    return out


def _place(op: str, current: int, down: int, units: list[Unit], next_param: list[int]) -> int:
    """Rules 2a-2f for one parameter-free op."""
    if current >= 0 and down == current:
        return current  # (a) still inside the current module
    start = current + 1
    stop = min(next_param[start], len(units) - 1)
    for k in range(start, stop + 1):
        if op in units[k].ops:
            return k  # (b) the next module known to make this op
    if current >= 0 and op in units[current].ops:
        return current  # (c)
    if down >= 0 and op in units[down].ops:
        return down  # (d)
    if current >= 0 and down >= 0:
        return current  # (e) propagate until the next parameterised op
    return -1  # (f)


def _adopt_constants(
    order: list,
    parents: list[tuple[int, ...]],
    owner: list[int],
    entry: list[int],
    has_name: Callable[[Any], bool],
) -> None:
    users: dict[int, int] = {}  # constant position -> its users' common owner (-2: several)
    for i, ps in enumerate(parents):
        for operand, j in enumerate(ps):
            if parents[j] or owner[j] >= 0:
                continue
            seen = users.get(j)
            # The first operand of a parameterised op (the batch entering a Linear, Conv2d
            # or LSTM, each x_t of a cell unrolled over time) is the module's input, drawn
            # outside it; other constants (a dropout mask, an eps, the zero initial state
            # of a fused LSTM) are its own.
            mine = -2 if operand == 0 and entry[i] >= 0 else owner[i]
            users[j] = mine if seen is None or seen == mine else -2
    for j, unit in users.items():
        node = order[j]
        if unit >= 0 and not getattr(node, "requires_grad", False) and not has_name(node):
            owner[j] = unit


# -------------------------------------------------------------------- collapsed view
@dataclass
class Collapsed:
    """The graph with each module's nodes merged into one box.

    Attributes
    ----------
    units : dict
        unit index -> ``(inputs, outputs, members)``: positions of the tensors entering
        and leaving the module, and of the nodes it owns.
    singles : list of int
        Positions of the nodes drawn as themselves (owned by no module).
    edges : list
        ``(tail, head, position, j)``: ``tail``/``head`` are ``("unit", k)`` or
        ``("node", i)``; ``position`` is the node whose value flows; ``j`` is the operand
        index when the head is a single node's op (else -1).
    stacks : dict
        position -> positions: single nodes drawn as one box for many alike inputs (the
        x_t of a cell unrolled over time), keyed by the one that is drawn.
    """

    units: dict[int, tuple[list[int], list[int], list[int]]]
    singles: list[int]
    edges: list[tuple[tuple[str, int], tuple[str, int], int, int]]
    stacks: dict[int, list[int]] = field(default_factory=dict)

    @property
    def size(self) -> int:
        """Boxes in the drawing (modules plus single nodes)."""
        return len(self.units) + len(self.singles)


def collapse_modules(
    order: list, owner: list[int], root_position: int, stackable: list[bool] | None = None
) -> Collapsed:
    """Merge the nodes owned by each unit; keep the edges that cross a unit boundary.

    ``stackable[i]`` marks single nodes (anonymous constant inputs) that may share one
    box with others of the same shape and dtype feeding the same module only.
    """
    pos = {node: i for i, node in enumerate(order)}
    units: dict[int, tuple[list[int], list[int], list[int]]] = {}
    singles: list[int] = []
    for i, k in enumerate(owner):
        if k >= 0:
            units.setdefault(k, ([], [], []))[2].append(i)
        else:
            singles.append(i)
    edges: list[tuple[tuple[str, int], tuple[str, int], int, int]] = []
    seen_in: set[tuple[int, int]] = set()
    seen_out: set[int] = set()
    for i, node in enumerate(order):
        k = owner[i]
        for j, parent in enumerate(node._parents):
            p = pos[parent]
            kp = owner[p]
            if k >= 0 and kp == k:
                continue  # inside one module
            tail = ("unit", kp) if kp >= 0 else ("node", p)
            if kp >= 0 and p not in seen_out:
                seen_out.add(p)
                units[kp][1].append(p)
            if k >= 0:
                if (k, p) in seen_in:
                    continue  # the same tensor used twice by one module: one edge
                seen_in.add((k, p))
                units[k][0].append(p)
                edges.append((tail, ("unit", k), p, -1))
            else:
                edges.append((tail, ("node", i), p, j))
    k = owner[root_position]
    if k >= 0 and root_position not in seen_out:
        units[k][1].append(root_position)
    plan = Collapsed(units, singles, edges)
    if stackable is not None:
        _stack_inputs(plan, order, stackable)
    return plan


def _stack_inputs(plan: Collapsed, order: list, stackable: list[bool]) -> None:
    """One box for many alike anonymous inputs of one module (e.g. 500 time steps)."""
    heads: dict[int, set[tuple[str, int]]] = {}
    for tail, head, p, _ in plan.edges:
        if tail[0] == "node" and stackable[p]:
            heads.setdefault(p, set()).add(head)
    groups: dict[tuple, list[int]] = {}
    target: tuple[str | None, int]  # the one module all of p's uses are in, if there is one
    for p, targets in heads.items():
        (target,) = targets if len(targets) == 1 else ((None, -1),)
        if target[0] == "unit":
            node = order[p]
            key = (target, tuple(node.shape), str(node.data.dtype))
            groups.setdefault(key, []).append(p)
    drawn: dict[int, int] = {}  # stacked input -> the stack's first input
    for members in groups.values():
        if len(members) > 1:
            plan.stacks[members[0]] = members
            drawn.update((p, members[0]) for p in members)
    if drawn:
        plan.singles = [i for i in plan.singles if drawn.get(i, i) == i]
        plan.edges = [
            (("node", drawn.get(t[1], t[1])) if t[0] == "node" else t, h, p, j)
            for t, h, p, j in plan.edges
        ]


def shape_text(shape: tuple[int, ...]) -> str:
    """``(128, 784)`` -> ``"128×784"``; ``()`` -> ``"scalar"``."""
    return "×".join(str(int(d)) for d in shape) if shape else say("scalar")


def shapes_text(shapes: list[tuple[int, ...]], limit: int = 3) -> str:
    """Distinct shapes in first-seen order, repeated ones counted: ``"32×10 (×20)"``."""
    if not shapes:
        return "—"
    counts: dict[tuple[int, ...], int] = {}
    for s in shapes:
        counts[s] = counts.get(s, 0) + 1
    parts = [shape_text(s) + (f" (×{c})" if c > 1 else "") for s, c in counts.items()]
    if len(parts) > limit:
        parts = parts[:limit] + [f"+{len(parts) - limit} more"]
    return ", ".join(parts)
