"""Helpers for reading drawings (notebooks 07c and 08): the DOT text of ``viz.draw_graph``.

``draw_graph(..., collapse="modules")`` names each module box ``m<k>`` in its DOT source
(Graphviz's text format). The notebooks ask questions of the drawing — which boxes are
there, which box feeds which — and this module answers them, so the cells show the
question and not the regular expressions. The exercise checks of notebook 08 are here too.
"""

from __future__ import annotations

import math
import re

from course.words import say

__all__ = [
    "module_boxes",
    "module_links",
    "links_between",
    "check_frame_count",
    "check_sigmoid_peak",
]

_BOX = re.compile(r'^\s*(m\d+) \[label="([^"\\]+)', re.MULTILINE)
_LINK = re.compile(r"^\s*(m\d+) -> (m\d+)", re.MULTILINE)


def _source(drawing: object) -> str:
    return drawing if isinstance(drawing, str) else drawing.source


def module_boxes(drawing: object) -> dict[str, str]:
    """Module boxes of a collapsed drawing (or its DOT source): box id -> first label line.

    The first line of a box's label is ``"<name> (<class>)"``, e.g. ``"conv (Conv2d)"``.
    """
    return dict(_BOX.findall(_source(drawing)))


def module_links(drawing: object) -> list[tuple[str, str]]:
    """Arrows between module boxes, as (label of the source box, label of the target box)."""
    boxes = module_boxes(drawing)
    return [(boxes[a], boxes[b]) for a, b in _LINK.findall(_source(drawing))
            if a in boxes and b in boxes]


def links_between(
    drawing: object, source_prefix: str, target_prefix: str
) -> list[tuple[str, str]]:
    """Arrows from a box labelled ``source_prefix…`` to a box labelled ``target_prefix…``."""
    return [(a, b) for a, b in module_links(drawing)
            if a.startswith(source_prefix) and b.startswith(target_prefix)]


# ----------------------------------------------------------------------------- exercise checks


def _unanswered(name: str, answer: object) -> bool:
    if answer is None:
        print(say(
            f"{name}: not answered yet — replace None with your answer and run the cell again.",
            f"{_number(name)}: まだ解答されていない — "
            "None を答えに置き換えて、セルをもう一度実行する。",
        ))
        return True
    return False


def check_frame_count(root: object, answer: object) -> None:
    """08 exercise 1: frames of ``backward_animation(root)``: 2 + one per (node, operand) pair."""
    if _unanswered("Exercise 1", answer):
        return
    import autograd

    want = 2 + sum(len(v.parents) for v in autograd.topological_order(root))
    if int(answer) != want:
        raise AssertionError(say(
            f"Exercise 1: {answer} is not it — count the operands of every node (a * a has two), "
            "then add the forward frame and the seed frame",
            f"演習問題 1: {answer} ではない — 各ノードのオペランドを数え (a * a は 2 つ)、"
            "順伝播のフレームと初期値 (seed) のフレームを足す",
        ))
    print(say(f"Exercise 1: correct — {want} frames.", f"演習問題 1: 正解 — {want} フレーム。"))


def check_sigmoid_peak(u_max: object, value: object) -> None:
    """08 exercise 2: σ'(u) = σ(u)(1 − σ(u)) is largest at u = 0, where it is 1/4."""
    if _unanswered("Exercise 2", None if u_max is None or value is None else u_max):
        return
    if not (math.isclose(float(u_max), 0.0, abs_tol=1e-9) and math.isclose(float(value), 0.25)):
        raise AssertionError(say(
            "Exercise 2: not right — σ(1 − σ) is a parabola in σ ∈ (0, 1) with its top at σ = 1/2",
            "演習問題 2: 正しくない — σ(1 − σ) は σ ∈ (0, 1) の放物線で、頂点は σ = 1/2 にある",
        ))
    print(say(
        "Exercise 2: correct — at most 1/4: each sigmoid layer shrinks the delta 4-fold or more.",
        "演習問題 2: 正解 — 最大でも 1/4。シグモイドの層を通るたびに、デルタは 1/4 以下に縮む。",
    ))


def _number(name: str) -> str:
    """``"Exercise 2"`` -> ``"演習問題 2"``."""
    return name.replace("Exercise", "演習問題")
