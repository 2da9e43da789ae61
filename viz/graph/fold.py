"""Folding repeated structure: the summary of a ``Value`` graph too big to draw in full.

A training loss over a batch of Values is a sum with one term per sample::

    loss = (m_0 + m_1 + ... + m_99) * (1/100) + 1e-4 * (p_0·p_0 + ... + p_336·p_336)

and the 100 terms ``m_k`` (each a forward pass through the network, ~650 Values) are the
same computation on different numbers. ``fold_repeats`` finds such sums and draws one
term of each group of alike terms, with a count:

1. **Sum chains.** Python's ``sum`` and ``u = u + w·x`` build chains of ``+`` nodes in
   which each partial sum is used once, by the next ``+``. A chain with at least
   ``FOLD_MIN_TERMS`` terms is a candidate.
2. **A term's own subgraph** (its *region*): the term and every node all of whose uses
   lie inside the region -- the nodes only this term needs (a sample's inputs, its hidden
   activations), but not what it shares with others (the parameters). Walking the
   term's ancestors in reverse topological order decides each node once: it is inside
   when the count of its uses from inside equals its count of uses.
3. **Alike terms** have equal *canonical forms*: the region's nodes in topological
   order, each written as ``(op, operands)``, an operand being the position of a node
   inside the region, the first-use rank of a leaf outside it (a parameter: which
   parameter does not matter, so ``p·p`` over all parameters is one group), or the
   node itself for a shared intermediate result (so ``w_i·h_i`` over different hidden
   units ``h_i`` of one neuron stay apart). Data and gradients are not part of the form.
4. A group of at least ``FOLD_MIN_TERMS`` alike terms is drawn as one of them -- term
   ``sample`` (default 0: for a batch, the first sample) -- with every number of the
   engine; the others are left out, and the chain of ``+`` becomes one ``Σ`` node whose
   edge from the shown term says ``×100``.

The result is a new, small graph of stand-in nodes (``FoldNode``, a ``Value`` with the
original's data, grad, label, op and local derivatives) that ``draw_graph`` draws like
any other graph.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

from autograd.value import Value

from ..words import say
from .describe import NodeDescription

__all__ = ["FOLD_MIN_TERMS", "FoldNode", "FoldGroup", "Folding", "fold_repeats"]

#: Alike terms needed to fold a group (fewer are drawn as they are).
FOLD_MIN_TERMS = 3

#: Ancestor visits allowed per node of the graph while looking for regions: the search
#: stays linear even for a chain whose terms share deep ancestors.
_VISIT_BUDGET = 8


class FoldNode(Value):
    """A stand-in for one drawn node of a folded graph (any number of parents).

    ``data``, ``grad``, ``label``, ``op`` and the local derivatives are the original's
    (for a folded ``Σ``: the chain's sum, its gradient, and 1 per operand); ``original``
    is the node it stands for (the top ``+`` of a folded chain).
    """

    def __init__(self, original: Any, parents: tuple, local: tuple, op: str, label: str) -> None:
        super().__init__(original.data, label=label)
        self.grad = original.grad
        self.original = original
        self._fold_parents = parents
        self._fold_local = local
        self._fold_op = op

    @property
    def _parents(self) -> tuple:
        return self._fold_parents

    parents = _parents

    @property
    def local_grads(self) -> tuple:
        return self._fold_local

    @property
    def op(self) -> str:
        return self._fold_op


@dataclass
class FoldGroup:
    """One group of alike terms of a sum, drawn once.

    Attributes
    ----------
    top : int
        Position (in the original topological order) of the sum's last ``+``.
    terms : list of int
        Positions of the alike terms, in the order they were added.
    shown : int
        Index into ``terms`` of the term that is drawn.
    size : int
        Nodes in one term's own subgraph.
    region : list of int
        Positions of the shown term's own subgraph.
    """

    top: int
    terms: list[int]
    shown: int
    size: int
    region: list[int] = field(default_factory=list)

    @property
    def count(self) -> int:
        return len(self.terms)


@dataclass
class Folding:
    """The folded graph: stand-in nodes in topological order, and what was folded.

    Attributes
    ----------
    order : list of FoldNode
        The drawn nodes, parents first; the root is last.
    original : list of int
        For each drawn node, its position in the original order.
    groups : list of FoldGroup
        The folded groups, the sum nearest the root first.
    total : int
        Nodes of the original graph.
    sums : dict
        Drawn position of each ``Σ`` node -> the groups folded into it.
    """

    order: list
    original: list[int]
    groups: list[FoldGroup]
    total: int
    sums: dict[int, list[FoldGroup]] = field(default_factory=dict)

    def unit_notes(self, owners: list[int]) -> dict[int, str]:
        """``unit -> "1 of 16 alike, ×16"`` for modules drawn once for a folded group.

        In a drawing by modules, the edge into a ``Σ`` inside a module (a neuron's sum
        over 16 alike hidden neurons) is not drawn, so the module boxes of the shown
        term say it instead: every module whose ops all lie in the shown term's own
        subgraph (the innermost such group).
        """
        drawn = {orig: i for i, orig in enumerate(self.original)}
        sigma_owner = {self.original[i]: owners[i] for i in self.sums}
        ops: dict[int, list[int]] = {}
        for i, k in enumerate(owners):
            if k >= 0 and self.order[i]._parents:
                ops.setdefault(k, []).append(self.original[i])
        notes: dict[int, str] = {}
        for g in sorted(self.groups, key=lambda g: g.size):  # innermost first
            if sigma_owner.get(g.top, -1) < 0:
                continue  # the Σ is drawn: its edge carries the count
            region = set(g.region)
            for k, members in ops.items():
                if k not in notes and all(m in region for m in members):
                    if any(m in drawn for m in members):
                        notes[k] = say("one_of_alike", count=g.count)
        return notes

    def original_ids(self) -> dict[int, int]:
        """``id(original node) -> id(stand-in)`` for every drawn node."""
        return {id(node.original): id(node) for node in self.order}


def fold_edge_labels(
    folding: Folding, descs: list[NodeDescription], opts: Any
) -> list[NodeDescription]:
    """Label the edge from each shown term into its ``Σ`` with the group's count.

    ``∂/∂<term> = 1`` (a sum passes its gradient on unchanged) followed by
    ``×100 alike terms, term 0 shown``.
    """
    out = list(descs)
    for i, groups in folding.sums.items():
        node, desc = folding.order[i], descs[i]
        shown = {id(folding_term(folding, g)): g for g in groups}
        labels = []
        for j, parent in enumerate(node._parents):
            wrt = f"∂/∂{desc.parent_names[j]}" if desc.parent_names[j] else "∂"
            text = f"{wrt} = {desc.local_grads[j]}" if desc.local_grads else None
            g = shown.get(id(parent))
            if g is not None:
                note = say("alike_terms", count=g.count, shown=g.shown)
                text = f"{text}  {note}" if text else note
            labels.append(text)
        out[i] = replace(desc, edge_labels=tuple(labels))
    return out


def folding_term(folding: Folding, group: FoldGroup) -> Any:
    """The stand-in of the term of ``group`` that is drawn."""
    wanted = group.terms[group.shown]
    return folding.order[folding.original.index(wanted)]


def _chain_terms(i: int, ops: list[str], par: list[tuple[int, ...]], uses: list[int]) -> list[int]:
    """The terms of the chain of ``+`` whose last link is ``i``, in the order added."""
    terms: list[int] = []
    link = i
    while True:
        a, b = par[link]
        terms.append(b)
        if ops[a] == "+" and len(par[a]) == 2 and uses[a] == 1:
            link = a
            continue
        terms.append(a)
        return terms[::-1]


def _region(t: int, par: list[tuple[int, ...]], uses: list[int]) -> list[int] | None:
    """Positions of the nodes only term ``t`` needs (``t`` included), parents first."""
    if uses[t] != 1:
        return None  # a shared node is not a term of its own
    seen = {t}
    stack = [t]
    while stack:
        for j in par[stack.pop()]:
            if j not in seen:
                seen.add(j)
                stack.append(j)
    inside = []
    hits: dict[int, int] = {}
    for v in sorted(seen, reverse=True):
        if v != t and hits.get(v, 0) != uses[v]:
            continue
        inside.append(v)
        for j in par[v]:
            hits[j] = hits.get(j, 0) + 1
    inside.reverse()
    return inside


def _canonical(region: list[int], ops: list[str], par: list[tuple[int, ...]]) -> tuple:
    local = {v: k for k, v in enumerate(region)}
    leaves: dict[int, int] = {}
    out = []
    for v in region:
        refs: list[Any] = []
        for j in par[v]:
            k = local.get(j)
            if k is not None:
                refs.append(k)
            elif not par[j]:  # a leaf from outside: which one does not matter
                refs.append(("leaf", leaves.setdefault(j, len(leaves))))
            else:  # a shared intermediate result: this very one
                refs.append(("shared", j))
        out.append((ops[v], tuple(refs)))
    return tuple(out)


def fold_repeats(order: list, sample: int = 0) -> Folding | None:
    """Fold the groups of alike terms of every long sum of a Value graph.

    Parameters
    ----------
    order : list of Value
        The graph, parents first (``topological_order``); the root is last.
    sample : int
        Which term of each group to draw (0: the first added; for a batch, sample 0).

    Returns
    -------
    Folding or None
        ``None`` when nothing repeats.

    Raises
    ------
    ValueError
        If ``sample`` is not a valid term index of every folded group.
    """
    n = len(order)
    pos = {node: i for i, node in enumerate(order)}
    par = [tuple([pos[p] for p in node._parents]) for node in order]
    ops = [node.op for node in order]
    uses = [0] * n
    for ps in par:
        for j in ps:
            uses[j] += 1
    hidden: set[int] = set()
    groups: list[FoldGroup] = []
    chains: dict[int, list[int]] = {}
    budget = _VISIT_BUDGET * n
    # Last links first: a sum's terms come before it in the order, so the outer sum
    # (over samples) is folded before the sums inside its terms, and the sums inside
    # terms left out are never looked at.
    inner = set()  # links whose sum goes on in the next link (not a chain's last)
    for i in range(n):
        if ops[i] == "+" and len(par[i]) == 2:
            a = par[i][0]
            if ops[a] == "+" and len(par[a]) == 2 and uses[a] == 1:
                inner.add(a)
    for top in range(n - 1, -1, -1):
        if ops[top] != "+" or len(par[top]) != 2 or top in hidden or top in inner:
            continue
        terms = _chain_terms(top, ops, par, uses)
        if len(terms) < FOLD_MIN_TERMS or budget <= 0:
            continue
        forms: dict[tuple, list[tuple[int, list[int]]]] = {}
        for t in terms:
            region = _region(t, par, uses)
            if region is None:
                continue
            budget -= len(region)
            forms.setdefault(_canonical(region, ops, par), []).append((t, region))
        for members in forms.values():
            if len(members) < FOLD_MIN_TERMS:
                continue
            # a group with fewer terms (the 16 neurons of a layer inside the shown
            # sample) shows its first
            shown = sample if sample < len(members) else 0
            for k, (_, region) in enumerate(members):
                if k != shown:
                    hidden.update(region)
            terms_ = [t for t, _ in members]
            groups.append(FoldGroup(top, terms_, shown, len(members[0][1]), members[shown][1]))
            chains[top] = terms
    if not groups:
        return None
    largest = max(g.count for g in groups)
    if sample >= largest:
        raise ValueError(
            f"draw_graph: sample={sample} is out of range: the largest folded sum has "
            f"{largest} alike terms; pass sample=0 ... {largest - 1}"
        )
    groups.sort(key=lambda g: -g.size * g.count)  # the biggest saving first
    return _stand_ins(order, chains, groups, hidden)


def _stand_ins(
    order: list, chains: dict[int, list[int]], groups: list[FoldGroup], hidden: set[int]
) -> Folding:
    pos = {node: i for i, node in enumerate(order)}
    by_top: dict[int, list[FoldGroup]] = {}
    for g in groups:
        by_top.setdefault(g.top, []).append(g)
    # the operands of each folded chain's Σ: every term not hidden
    sigma = {top: [t for t in chains[top] if t not in hidden] for top in by_top}

    def operands(i: int) -> list[int]:
        return sigma[i] if i in sigma else [pos[p] for p in order[i]._parents]

    root = len(order) - 1
    drawn = {root}
    stack = [root]
    while stack:
        for j in operands(stack.pop()):
            if j not in drawn:
                drawn.add(j)
                stack.append(j)
    kept = sorted(drawn)
    shown = {g.terms[g.shown]: g for g in groups}
    proxy: dict[int, FoldNode] = {}
    out: list[FoldNode] = []
    sums: dict[int, list[FoldGroup]] = {}
    for i in kept:
        node = order[i]
        label = node.label
        group = shown.get(i)
        if group is not None:
            where = say("term_of", shown=group.shown, count=group.count)
            label = f"{label} ({where})" if label else where
        if i in sigma:
            ps = tuple(proxy[j] for j in sigma[i])
            stand_in = FoldNode(node, ps, (1.0,) * len(ps), "Σ", label)
            sums[len(out)] = by_top[i]
        else:
            ps = tuple(proxy[pos[p]] for p in node._parents)
            stand_in = FoldNode(node, ps, tuple(node.local_grads), node.op, label)
        proxy[i] = stand_in
        out.append(stand_in)
    return Folding(out, kept, groups, len(order), sums)
