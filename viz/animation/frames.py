"""The frames of ``BackwardAnimation``: the ``Frame`` record and how the replay becomes frames.

``FrameBuilder`` writes each frame's caption (the chain-rule step in words and numbers)
and has ``viz.animation.frame_drawer.FrameDrawer`` draw its picture; both read the one
``Scene`` (nodes, names, options) of the animation.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from ..graph.describe import _number, summarize
from ..words import say
from .frame_drawer import FrameDrawer
from .replay import GradValue, Step
from .scene import Scene, named_in_box

__all__ = ["Frame", "FrameBuilder"]

_INFIX = frozenset({"+", "-", "*", "/", "**"})


@dataclass(frozen=True)
class Frame:
    """One picture of the animation.

    Attributes
    ----------
    index : int
        Position in ``BackwardAnimation.frames``.
    kind : str
        ``"forward"`` (frame 0), ``"seed"`` (frame 1) or ``"step"``.
    caption : str
        One line saying what happens in this frame.
    dot : str
        Graphviz DOT source of the picture (``viz.render.dot_to_svg(frame.dot)``); the
        caption is not drawn in it (``BackwardAnimation.captioned_svgs`` adds it).
    grads : dict[str, float | numpy.ndarray | None]
        Every node's gradient *as of this frame*, keyed by the node's name in the
        drawing (``BackwardAnimation.names``); ``None``: nothing has arrived yet.
        Arrays are read-only (frames share unchanged ones).
    step : Step or None
        The chain-rule step of a ``"step"`` frame.
    """

    index: int
    kind: str
    caption: str
    dot: str
    grads: dict[str, GradValue]
    step: Step | None = None


class FrameBuilder:
    """Turns the replay into frames: captions here, pictures by ``FrameDrawer``."""

    def __init__(self, scene: Scene) -> None:
        self.scene = scene
        self.drawer = FrameDrawer(scene)

    # ---------------------------------------------------------------- texts
    def number(self, x: float) -> str:
        return _number(x, self.scene.number_format)

    def array(self, a: np.ndarray) -> str:
        return summarize(a, self.scene.number_format)

    def show(self, g: float | np.ndarray) -> str:
        return self.array(g) if isinstance(g, np.ndarray) else self.number(g)

    def token(self, node: Any) -> str:
        """How a node is referred to in a formula: its name, or a constant's value."""
        if not named_in_box(node) and node.numel() == 1:
            return self.array(node.data)
        return self.scene.name_of(node)

    def expression(self, i: int) -> str:
        """``e = a * b``, ``o = tanh(n)``: how the node was computed, by name."""
        node = self.scene.order[i]
        args = [self.token(p) for p in node.parents]
        op = node.op or "?"
        if len(args) == 2 and op in _INFIX:
            body = f"{args[0]} {op} {args[1]}"
        elif len(args) == 1 and op.startswith("**"):
            body = f"{args[0]}{op}"
        elif len(args) == 1 and op == "neg":
            body = f"−{args[0]}"
        else:
            body = f"{op}({', '.join(args)})"
        return f"{self.scene.names[i]} = {body}"

    def step_caption(self, k: int, total_steps: int, step: Step, previous: GradValue) -> str:
        n, p = self.scene.names[step.node], self.scene.names[step.parent]
        node = self.scene.order[step.node]
        operand = (
            say("operand_of", k=step.position + 1, n=len(node.parents))
            if sum(q is node.parents[step.position] for q in node.parents) > 1
            else ""
        )
        expr = self.expression(step.node)
        head = say("step_head", k=k, n=total_steps, expr=expr, operand=operand)
        if isinstance(step.contribution, np.ndarray):
            rule = (self.drawer.edge_text(step.node, step.position) or "").replace("\n", " ")
            text = (
                f"grad[{p}] += {rule}  {say('with_gy')} = grad[{n}] = {self.show(step.upstream)}"
                f"  → {self.show(step.contribution)}"
            )
        else:
            text = (
                f"grad[{p}] += ∂{n}/∂{p} × grad[{n}] = {self.number(float(step.local))} × "
                f"{self.number(float(step.upstream))} = {self.number(float(step.contribution))}"
            )
        if previous is not None:
            text += (
                f";  grad[{p}] = {self.show(previous)} + {self.show(step.contribution)}"
                f" = {self.show(step.total)}"
            )
        if k == total_steps:
            text += say("anim_done", root=self.scene.name_of(self.scene.root))
        return head + text

    # ---------------------------------------------------------------- frames
    def frames(
        self, seed: list[GradValue], steps: list[tuple[Step, list[GradValue]]]
    ) -> list[Frame]:
        r = self.scene.index[self.scene.root]
        L = self.scene.names[r]
        empty: list[GradValue] = [None] * len(self.scene.order)
        seed_value = seed[r]
        seed_text = (
            say("ones_of_shape", shape=self.scene.root.shape)
            if isinstance(seed_value, np.ndarray) and seed_value.ndim
            else "1"
        )
        plan: list[tuple[str, str, list[GradValue], Step | None]] = [
            (
                "forward",
                say("anim_forward", root=L),
                empty,
                None,
            ),
            (
                "seed",
                say("anim_seed", root=L, seed=seed_text),
                seed,
                None,
            ),
        ]
        before = seed
        for k, (step, grads) in enumerate(steps, start=1):
            if isinstance(step.contribution, np.ndarray):
                # the replay knows numbers; the rule text is the drawing's business
                step = replace(step, local=self.drawer.edge_text(step.node, step.position) or "")
            caption = self.step_caption(k, len(steps), step, before[step.parent])
            plan.append(("step", caption, grads, step))
            before = grads

        # Every text a box will show, to size it once for all frames.
        every_text: list[set[str]] = [set() for _ in self.scene.order]
        for _, _, grads, _ in plan:
            for i, g in enumerate(grads):
                every_text[i].add(self.drawer.grad_text(i, g))
        sizes = self.drawer.box_sizes(every_text)

        frames = []
        for index, (kind, caption, grads, shown_step) in enumerate(plan):
            texts = [self.drawer.grad_text(i, g) for i, g in enumerate(grads)]
            dot = self.drawer.dot(texts, kind, shown_step, sizes)
            named = {self.scene.names[i]: g for i, g in enumerate(grads)}
            frames.append(Frame(index, kind, caption, dot, named, shown_step))
        return frames
