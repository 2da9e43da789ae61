"""The titles a drawing carries: what a summary left out and how to expand it, and the
note that gradients have not been computed yet."""

from __future__ import annotations

from typing import Any

from autograd.value import Value

from ..words import say
from .collapse import Collapsed
from .dot import escape
from .fold import Folding
from .model_map import Unit

__all__ = ["not_computed_title", "summary_title"]


def not_computed_title(root: Any) -> dict[str, str]:
    if not isinstance(root, Value) or root.grad != 0.0:
        return {}
    call = f"{root.label}.backward()" if root.label else say("backward_on_root")
    text = say("not_computed_title", call=call)
    return {"label": escape(text), "labelloc": "t", "labeljust": "l", "fontsize": "11"}


def summary_title(
    total: int,
    folding: Folding | None,
    plan: Collapsed | None,
    units: list[Unit],
    title: dict[str, str],
) -> dict[str, str]:
    """What the summary left out, and the arguments that draw it (the drawing's title)."""
    lines = [say("summary_head", total=f"{total:,}")]
    if folding is not None:
        for g in folding.groups:
            nodes = say("node_many" if g.size > 1 else "node_one")
            lines.append(
                say("summary_fold", count=g.count, size=g.size, nodes=nodes, shown=g.shown)
            )
    if plan is not None:
        kinds = sorted({units[k].type_name for k in plan.units})
        lines.append(say("summary_modules", count=len(plan.units), kinds=", ".join(kinds)))
    expand = []
    if folding is not None:
        expand.append(say("expand_fold"))
    if plan is not None:
        expand.append(say("expand_modules"))
    lines.append(say("expand", how=say("expand_sep").join(expand)))
    if "label" in title:
        lines.append(title["label"])
    text = "\\l".join(escape(line) for line in lines) + "\\l"
    return {"label": text, "labelloc": "t", "labeljust": "l", "fontsize": "11"}
