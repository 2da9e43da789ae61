"""The explorer's views: which nodes each page of the explorer shows, and how they nest.

A training graph is far too big to lay out at once (micrograd's demo: 65,814 Values),
so the explorer cuts it into small *views*, each laid out on its own:

* **groups** -- every node belongs to the module that computed it (``model=``, inferred by
  ``viz.graph.collapse.assign_owners``); module paths nest by their dotted names
  (``layers.1`` holds ``layers.1.neurons.3``). Nodes of no module are the ``inputs``
  (leaves feeding the model) and the ``loss`` (everything else), or sit directly in the
  top view when there are few of them;
* **folds** -- inside one group, a subgraph repeated many times (the same neuron run on
  each of 100 samples) is shown once, for one chosen copy, with a count; copies are found
  by a structural hash: ``h(node) = hash(op, h(parent) for each parent)``, where a parent
  in another group counts as "an input", an anonymous leaf (a sample's data, a constant)
  as "a constant", and a named leaf (a weight) as itself. A repeated node none of whose
  consumers repeats as often is the top of a copy; the copy is its in-group ancestry,
  the largest structures claiming their copies first. The copies are numbered in forward
  order -- for a batch of Values computed sample by sample, copy *k* is sample *k*;
* **pages** -- the rest of a group, if it has more than ``PAGE`` nodes (the 100 adds of
  ``sum(losses)``), is split into pages of consecutive nodes, each a view of its own.

A view shows its child groups and pages as boxes, its nodes in full, and the nodes
from elsewhere that feed them as small "from ..." stubs that lead to their own view.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field

from ..words import say

__all__ = ["View", "ViewTree", "build_views", "PAGE", "SAMPLE_CHOICES", "TOP"]

#: Most nodes drawn in one view before the rest is split into pages.
PAGE = 60
#: How many copies of a folded subgraph get their own precomputed view (copy 0, 1, ...).
SAMPLE_CHOICES = 3
#: Id of the top view.
TOP = "top"
#: Fewest copies that count as repeated structure.
MIN_COPIES = 2
#: Unowned nodes up to this many are drawn directly in the top view.
FEW_OUTSIDE = 40


@dataclass
class View:
    """One page of the explorer.

    Attributes
    ----------
    id : str
        Unique id (``"top"``, ``"g:layers.1"``, ``"g:layers.1.neurons.3@2"``, ``"p:loss:1"``).
    title : str
        Breadcrumb text.
    parent : str or None
        Id of the view one level up (the breadcrumb).
    boxes : list of (view id, label)
        Child views drawn as one box each (groups, pages).
    nodes : list of int
        Positions (in the topological order) of the nodes drawn in full.
    folds : list of (first position, copy, copies, positions)
        Folded repeated structure shown for one copy: its positions, which copy
        (0-based) of how many.
    variants : list of str
        Ids of the same view showing another copy of its folds (the sample choice).
    box_members : dict
        Child view id -> positions of every node inside it (for edges into boxes).
    """

    id: str
    title: str
    parent: str | None
    boxes: list[tuple[str, str]] = field(default_factory=list)
    nodes: list[int] = field(default_factory=list)
    folds: list[tuple[int, int, int, list[int]]] = field(default_factory=list)
    variants: list[str] = field(default_factory=list)
    box_members: dict[str, list[int]] = field(default_factory=dict)


@dataclass
class ViewTree:
    """All views, and where each node is shown in full."""

    views: dict[str, View]
    home: dict[int, str]  # position -> id of the view that shows it in full
    group_of: list[str]  # position -> group path of the node


def _group_paths(par: list[tuple[int, ...]], owners: list[int] | None, units: list) -> list[str]:
    """Group path of every node: its unit's path, ``"inputs"`` or ``"loss"``, or ``""``."""
    n = len(par)
    if owners is None:
        return [""] * n
    paths = [units[k].path or units[k].type_name if k >= 0 else "" for k in owners]
    outside = [i for i, k in enumerate(owners) if k < 0]
    if len(outside) <= FEW_OUTSIDE:
        return paths  # a few loss ops and inputs: drawn in the top view itself
    feeds_model: dict[int, bool] = {}
    for i, ps in enumerate(par):
        for j in ps:
            if owners[j] < 0 and not par[j]:
                feeds_model[j] = feeds_model.get(j, True) and owners[i] >= 0
    for i in outside:
        paths[i] = "inputs" if feeds_model.get(i, False) else "loss"
    return paths


def _steps(path: str) -> list[str]:
    """Nesting levels of a dotted path: ``layers.1.neurons.3`` -> ``layers.1``, itself.

    A name followed by a number (a list index) is one level.
    """
    if not path:
        return []
    parts = path.split(".")
    out: list[str] = []
    i = 0
    while i < len(parts):
        j = i + 2 if i + 1 < len(parts) and parts[i + 1].isdigit() else i + 1
        out.append(".".join(parts[:j]))
        i = j
    return out


def _copies(
    members: list[int],
    order: list,
    par: list[tuple[int, ...]],
    group_of: list[str],
    named: list[bool],
) -> list[list[list[int]]]:
    """The fold classes of one group: for each, its copies (lists of positions, in order).

    Leaves with a name (a weight, ``x``) are themselves in the structural hash; anonymous
    ones (the data of one sample, a constant such as the 1 of ``1 - y*s``) are all alike.
    An anonymous leaf belongs to the copy that holds all of its uses.
    """
    group = group_of[members[0]]
    in_group = set(members)
    h: dict[int, int] = {}
    leaf_users: dict[int, list[int]] = {}
    for i in members:  # members are in topological order
        if not par[i]:
            continue
        key = [order[i].op]
        for j in par[i]:
            if j in h:
                key.append(h[j])
            elif group_of[j] != group or par[j]:
                key.append(-1)  # an input from another group
            elif not named[j]:
                key.append(-2)  # anonymous data or constant
                leaf_users.setdefault(j, []).append(i)
            else:
                key.append(hash(("leaf", j)))  # a named leaf: a weight
        h[i] = hash(tuple(key))
    count: dict[int, int] = {}
    for value in h.values():
        count[value] = count.get(value, 0) + 1
    # consumers inside the group, to find the tops of the copies
    repeated_consumer: set[int] = set()
    for i in members:
        if i not in h:
            continue
        for j in par[i]:
            if j in h and count[h[i]] == count[h[j]]:
                repeated_consumer.add(j)
    tops: dict[int, list[int]] = {}
    for i in members:
        if i in h and count[h[i]] >= MIN_COPIES and i not in repeated_consumer:
            tops.setdefault(h[i], []).append(i)

    # Largest structure first: a class of whole samples claims its copies before a class
    # of small pieces inside them (one w*x), measured by the first copy's ancestry.
    def ancestry(r: int) -> int:
        stack, seen = [r], {r}
        while stack:
            for j in par[stack.pop()]:
                if j in h and j in in_group and j not in seen:
                    seen.add(j)
                    stack.append(j)
        return len(seen)

    claimed: set[int] = set()
    classes: list[list[list[int]]] = []
    for roots in sorted(tops.values(), key=lambda roots: -ancestry(roots[0])):
        copies = []
        taken: set[int] = set()
        for r in roots:
            if r in claimed or r in taken:
                continue
            stack, seen = [r], {r}
            while stack:
                i = stack.pop()
                for j in par[i]:
                    if j in h and j in in_group and j not in seen and j not in claimed:
                        seen.add(j)
                        stack.append(j)
            seen -= taken
            leaves = {
                j
                for i in seen
                for j in par[i]
                if j in leaf_users
                and j not in claimed
                and j not in taken
                and all(u in seen for u in leaf_users[j])
            }
            seen |= leaves
            taken |= seen
            copies.append(sorted(seen))
        sizes = [len(c) for c in copies]
        # Copies must be alike in size too: along a recurrence (an RNN unrolled in time)
        # the first top's ancestry swallows every earlier step, and such a "fold" would
        # hide the graph rather than summarise it; those nodes are paged instead.
        if len(copies) >= MIN_COPIES and 2 * min(sizes) >= max(sizes):
            claimed |= taken
            classes.append(copies)
    classes.sort(key=lambda copies: copies[0][0])  # in forward order
    return classes


def build_views(
    order: list,
    par: list[tuple[int, ...]],
    named: list[bool],
    owners: list[int] | None,
    units: list,
    box_label: Callable[[str, list[int]], str],
) -> ViewTree:
    """Cut the graph into views (see the module docstring).

    Parameters
    ----------
    order : list
        Nodes in topological order (root last).
    par : list of tuple of int
        Positions of each node's parents (repeats kept: ``x * x`` has ``(j, j)``).
    named : list of bool
        Whether each node has a name (a label, or a parameter's module path).
    owners : list of int or None
        Unit index of each node (``assign_owners``), or None without a model.
    units : list of Unit
        The model's units (``ModelMap.units``).
    box_label : callable
        ``box_label(title, positions)`` -> the text of a box standing for those nodes.
    """
    group_of = _group_paths(par, owners, units)
    members: dict[str, list[int]] = {}
    for i, g in enumerate(group_of):
        members.setdefault(g, []).append(i)
    # the nesting of groups: every prefix level is a view
    children: dict[str, list[str]] = {"": []}
    for g in members:
        levels = _steps(g) if g not in ("inputs", "loss") else [g]
        parent = ""
        for level in levels:
            if level not in children:
                children[level] = []
                children[parent].append(level)
            parent = level
    # boxes in the order data flows: inputs, the modules as registered, the loss
    rank = {"inputs": -1.0, "loss": math.inf}
    for k, u in enumerate(units):
        for level in _steps(u.path):
            rank.setdefault(level, k)
    for kids in children.values():
        kids.sort(key=lambda c: rank.get(c, math.inf))
    titles = {u.path: u.title for u in units if u.path}
    views: dict[str, View] = {}
    home: dict[int, str] = {}

    def below(g: str) -> list[int]:
        out = list(members.get(g, []))
        for c in children.get(g, []):
            out += below(c)
        return out

    def make(g: str, parent: str | None) -> None:
        base = TOP if g == "" else f"g:{g}"
        title = say("x_training_graph") if g == "" else titles.get(g, g)
        own = members.get(g, [])
        classes = _copies(own, order, par, group_of, named) if own else []
        in_copies = {i for copies in classes for c in copies for i in c}
        rest = [i for i in own if i not in in_copies]
        boxes: list[tuple[str, str]] = []
        box_members: dict[str, list[int]] = {}
        for c in children.get(g, []):
            inside = sorted(below(c))
            vid = f"g:{c}"
            boxes.append((vid, box_label(titles.get(c, c), inside)))
            box_members[vid] = inside
            make(c, base)
        if len(rest) > PAGE:
            pages = [rest[k : k + PAGE] for k in range(0, len(rest), PAGE)]
            for number, chunk in enumerate(pages):
                vid = f"p:{g}:{number}"
                label = f"{title}: nodes {number * PAGE + 1}–{number * PAGE + len(chunk)}"
                boxes.append((vid, box_label(label, chunk)))
                box_members[vid] = chunk
                views[vid] = View(vid, f"part {number + 1}/{len(pages)}", base, nodes=chunk)
                for i in chunk:
                    home.setdefault(i, vid)
            rest = []
        choices = max((len(c) for c in classes), default=1)
        ids = [base if k == 0 else f"{base}@{k}" for k in range(min(choices, SAMPLE_CHOICES))]
        for k, vid in enumerate(ids):
            folds = []
            for copies in classes:
                shown = min(k, len(copies) - 1)
                folds.append((copies[shown][0], shown, len(copies), copies[shown]))
            views[vid] = View(
                vid,
                title,
                parent,
                boxes,
                list(rest),
                folds,
                ids if len(ids) > 1 else [],
                box_members,
            )
        for i in rest:
            home[i] = base
        for copies in classes:
            for k, copy in enumerate(copies):
                for i in copy:
                    home[i] = ids[k] if k < len(ids) else base

    make("", None)
    return ViewTree(views, home, group_of)
