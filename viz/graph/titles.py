"""The titles a drawing carries: what a summary left out and how to expand it, and the
note that gradients have not been computed yet."""

from __future__ import annotations

from typing import Any

from autograd.value import Value

from .collapse import Collapsed
from .dot import escape
from .fold import Folding
from .model_map import Unit

__all__ = ["not_computed_title", "summary_title"]


def not_computed_title(root: Any) -> dict[str, str]:
    if not isinstance(root, Value) or root.grad != 0.0:
        return {}
    call = f"{root.label}.backward()" if root.label else "backward() on the root"
    text = f"grad: —  not computed yet (every grad shows 0 until {call} runs)"
    return {"label": escape(text), "labelloc": "t", "labeljust": "l", "fontsize": "11"}


def summary_title(
    total: int,
    folding: Folding | None,
    plan: Collapsed | None,
    units: list[Unit],
    title: dict[str, str],
) -> dict[str, str]:
    """What the summary left out, and the arguments that draw it (the drawing's title)."""
    lines = [f"Summary of a graph of {total:,} nodes (too many to draw in full):"]
    if folding is not None:
        for g in folding.groups:
            lines.append(
                f"· a sum of {g.count} alike terms ({g.size} node{'s' if g.size > 1 else ''} "
                f"each) is drawn once, ×{g.count}: term {g.shown} of {g.count} is shown"
            )
    if plan is not None:
        kinds = sorted({units[k].type_name for k in plan.units})
        lines.append(
            f"· {len(plan.units)} modules ({', '.join(kinds)}) are drawn as one box each"
        )
    expand = []
    if folding is not None:
        expand.append("sample=k draws term k; fold=False draws every term")
    if plan is not None:
        expand.append("collapse=None draws inside the modules")
    lines.append(
        "Expand: " + "; ".join(expand) + " (with max_nodes=None past the size limit)"
    )
    if "label" in title:
        lines.append(title["label"])
    text = "\\l".join(escape(line) for line in lines) + "\\l"
    return {"label": text, "labelloc": "t", "labeljust": "l", "fontsize": "11"}
