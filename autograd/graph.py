"""The backward driver shared by every node kind, and grad mode.

A *node* is anything with

* ``_parents`` -- tuple of the nodes it was computed from (repeats allowed; public
  read-only as ``parents``),
* ``grad`` -- its gradient (a float for ``Value``, a ``Tensor`` or ``None`` for ``Tensor``),
* ``_GRAD_UNSET`` -- class constant: the ``grad`` of a node that has received nothing,
* hashing by identity (``__hash__ = object.__hash__``).

The driver owns the two steps of a pass, *seed* (the root's ``dL/dL``, or the caller's
seed) and *send* (push ``local derivative x node.grad`` into each parent's ``grad``):
for a Tensor both are written here (``seed_grad``/``send_grad`` below: the op's
``backward`` gives the local step); a ``Value`` keeps its own two-line float versions
(``Value._seed_grad``/``_send_grad``, micrograd's ``_backward``), chosen once per pass.
Nothing here recurses, so a chain of a million nodes backpropagates under the default
recursion limit.
"""

from __future__ import annotations

import gc
import itertools
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import numpy as np

from . import anomaly, hooks
from .anomaly import _Anomaly
from .hooks import _LeafHooks

__all__ = [
    "topological_order",
    "run_backward",
    "grad",
    "no_grad",
    "enable_grad",
    "set_grad_enabled",
    "is_grad_enabled",
]


# ---------------------------------------------------------------------------- grad mode
class _ThreadGradMode(threading.local):
    """This thread's recording switch (class attribute = the default of a new thread)."""

    enabled: bool = True


_local = _ThreadGradMode()


class _GradMode:
    """Grad mode is per thread, as in PyTorch; this class keeps the hot path cheap.

    Every op asks "is recording on?". A ``threading.local`` attribute costs about twice a
    class attribute, so ops first read ``all_on``: True while *no* thread has recording
    switched off, which is the whole of an ordinary training step. Only while some thread
    is inside ``no_grad()`` (or a ``backward()``, which records nothing unless
    ``create_graph=True``) do ops fall back to reading their own thread's switch::

        recording = _GradMode.all_on or _local.enabled
    """

    all_on: bool = True
    off_count: int = 0  # threads whose switch is currently off
    lock = threading.Lock()


def _set_mode(mode: bool) -> None:
    if _local.enabled == mode:
        return
    with _GradMode.lock:
        _GradMode.off_count += -1 if mode else 1
        _local.enabled = mode
        _GradMode.all_on = _GradMode.off_count == 0


class _Mutations:
    """Stamps of in-place changes (``autograd/inplace.py``).

    Every in-place op takes the next stamp from one process-wide counter and writes it
    into the version counter of the tensor it changes; ``latest`` is the newest stamp.
    A recorded op remembers ``latest`` as its own ``_stamp``, so "was this tensor
    changed after that op ran?" is one comparison, ``counter[2] > fn._stamp``, with no
    per-op bookkeeping. ``latest == 0`` (no in-place op yet) keeps the hot path untouched.
    """

    latest: int = 0
    lock = threading.Lock()


def _new_version_counter() -> list:
    """``[version, has_views, stamp of the last change, stamps of the last few]``."""
    return [0, False, 0, []]


_stamps = itertools.count(1)


def bump_version(vc: list) -> int:
    """Count one in-place change in the version counter ``vc``; return its stamp."""
    with _Mutations.lock:  # stamps must reach ``latest`` in order
        stamp = next(_stamps)
        vc[0] += 1
        vc[2] = stamp
        recent = vc[3]
        recent.append(stamp)
        if len(recent) > 8:  # enough to name the saved version in an error message
            del recent[0]
        _Mutations.latest = stamp
    return stamp


def is_grad_enabled() -> bool:
    """True when operations in *this thread* record the graph (the default)."""
    return _local.enabled


@contextmanager
def set_grad_enabled(mode: bool) -> Iterator[None]:
    """Context manager that turns graph recording on or off and restores the old mode.

    The mode belongs to the calling thread: other threads keep recording (or not) as
    they were, exactly as with PyTorch's thread-local grad mode.
    """
    previous = _local.enabled
    _set_mode(bool(mode))
    try:
        yield
    finally:
        _set_mode(previous)


def no_grad() -> Any:
    """``with no_grad():`` -- results are plain leaves; nothing is recorded."""
    return set_grad_enabled(False)


def enable_grad() -> Any:
    """``with enable_grad():`` -- record the graph even inside ``no_grad``."""
    return set_grad_enabled(True)


# ---------------------------------------------------------------------------- traversal
def topological_order(roots: Any) -> list:
    """Every node reachable from ``roots``, each one after all of its parents.

    Iterative depth-first post-order: the stack holds ``(node, iterator over its
    parents)``; a node is emitted once its iterator is exhausted, i.e. after every
    parent (and so every ancestor) has been emitted. No recursion anywhere.
    """
    if not isinstance(roots, (list, tuple)):
        roots = (roots,)
    order: list = []
    seen: set = set()
    add, emit = seen.add, order.append
    for root in roots:
        if root in seen:
            continue
        add(root)
        stack = [(root, iter(root._parents))]
        push, pop = stack.append, stack.pop
        while stack:
            node, parents = stack[-1]
            for parent in parents:
                if parent not in seen:
                    add(parent)
                    push((parent, iter(parent._parents)))
                    break
            else:
                pop()
                emit(node)
    return order


def run_backward(
    roots: Sequence[Any],
    seeds: Sequence[Any],
    *,
    create_graph: bool = False,
    keep: Sequence[Any] = (),
) -> list:
    """Apply the chain rule from ``roots`` back to the leaves; return the node order.

    1. order the graph (parents before children);
    2. interior nodes start from "no gradient yet", so their ``grad`` shows exactly this
       pass; leaves keep what they have, so leaf gradients accumulate across calls;
    3. seed each root;
    4. visit nodes children-first; each pushes ``local x grad`` into its parents.

    With ``create_graph=True`` the pushes are themselves recorded (Tensor only), which
    is what makes higher-order derivatives possible.
    """
    # The walk allocates only short-lived, acyclic objects, so the cyclic garbage
    # collector has nothing to find here; pausing it keeps it from re-scanning the
    # whole (alive, cycle-free) graph many times during one pass.
    collecting = gc.isenabled()
    gc.disable()
    try:
        return _run(roots, seeds, create_graph, keep)
    finally:
        if collecting:
            gc.enable()


def _run(
    roots: Sequence[Any], seeds: Sequence[Any], create_graph: bool, keep: Sequence[Any]
) -> list:
    if not create_graph and not _LeafHooks.count and all(hasattr(r, "_fn") for r in roots):
        # the usual Tensor pass: only interior nodes take part (leaves push nothing)
        interior = _interior_tensors(roots)
        with set_grad_enabled(False):
            for root, seed_value in zip(roots, seeds):
                seed_grad(root, seed_value)
            _send_all(interior)
        return interior
    order = topological_order(list(roots))
    for node in order:
        if node._parents:
            node.grad = node._GRAD_UNSET
    hooked: dict = {}
    if _LeafHooks.count:
        # A leaf's hooks see the gradient of this pass alone (then it is accumulated),
        # so the leaf collects this pass from zero and adds the old .grad back after.
        for node in order:
            if not node._parents and getattr(node, "_hooks", None):
                hooked[id(node)] = (node, node.grad)
                node.grad = node._GRAD_UNSET
    seed: Any
    send: Any
    seed, send = _steps(order[-1]) if order else (None, None)
    try:
        for root, seed_value in zip(roots, seeds):
            seed(root, seed_value)
        with set_grad_enabled(create_graph):
            for node in reversed(order):
                if node._parents:
                    send(node)
                elif hooked and id(node) in hooked:
                    hooks.finish_leaf_grad(node, hooked[id(node)][1])
                    del hooked[id(node)]  # only once its hooks have run without error
    finally:  # a failed pass leaves the hooked leaves' gradients as they were
        for node, previous in hooked.values():
            node.grad = previous
    if create_graph:
        # A recorded interior gradient refers back to its own node; drop those (except
        # the roots' and what the caller asked for) so no reference cycles remain.
        kept = {id(n) for n in roots} | {id(n) for n in keep}
        for node in order:
            if node._parents and id(node) not in kept:
                node.grad = node._GRAD_UNSET
    return order


class _Visiting:
    """The mark ``_interior_tensors`` leaves in ``grad`` of a node it has reached."""

    __slots__ = ()


def _interior_tensors(roots: Sequence[Any]) -> list:
    """The interior Tensors reachable from ``roots`` (those made by an op), each after
    its interior parents, with their ``grad`` cleared to None -- ``topological_order``
    for the usual pass, which has no use for the leaves.

    The same depth-first walk, but a node reached in this walk is marked in the slot
    the pass is about to clear anyway (its ``grad`` holds a mark made for this call)
    instead of in a set, and leaves are never pushed.
    """
    mark = _Visiting()
    order: list = []
    emit = order.append
    stack: list = []
    push, pop = stack.append, stack.pop
    try:
        for root in roots:
            if root._fn is None or root.grad is mark:
                continue
            root.grad = mark
            push(root)
            while stack:
                for parent in stack[-1]._parents:
                    if parent._fn is not None and parent.grad is not mark:
                        parent.grad = mark
                        push(parent)
                        break
                else:
                    emit(pop())
    finally:  # (also after a Ctrl-C mid-walk: no mark is left behind)
        for node in order:
            node.grad = None
        for node in stack:
            node.grad = None
    return order


# ---------------------------------------------------------------------------- the steps
def _steps(node: Any) -> tuple[Any, Any]:
    """``(seed, send)`` for the kind of ``node``: Tensor's here, Value's on Value."""
    if hasattr(node, "_fn"):
        return seed_grad, send_grad
    kind = type(node)
    return kind._seed_grad, kind._send_grad


def seed_grad(t: Any, seed: Any) -> None:
    """Add the starting gradient to root Tensor ``t``: ``seed``, or 1 for one element."""
    Tensor = type(t)
    if seed is None:
        if t._data.size != 1:
            raise ValueError(
                f"backward: the output has shape {t.shape}, not a scalar; pass "
                f"grad= of that shape (e.g. y.backward(autograd.ones_like(y))) or "
                f"reduce it first (y.sum().backward())"
            )
        seed_t = Tensor._constant(np.ones_like(t._data))
    else:
        seed_t = seed if isinstance(seed, Tensor) else Tensor._constant(np.asarray(seed))
        if seed_t.dtype != t.dtype:
            seed_t = seed_t.astype(t.dtype)
        elif t._fn is None:  # a leaf keeps its seed as .grad: never the caller's array
            seed_t = seed_t.clone()
        if seed_t.shape != t.shape:
            raise ValueError(
                f"backward: grad has shape {seed_t.shape} but the output has shape "
                f"{t.shape}; they must match"
            )
    t.grad = seed_t if t.grad is None else t.grad + seed_t


def send_grad(t: Any) -> None:
    """The chain rule at interior Tensor ``t``: each input that wants a gradient gets
    ``t.grad`` through the op's ``backward`` (the vector-Jacobian product), added to its
    ``.grad``."""
    gy = t.grad
    if gy is None:
        return
    if t._hooks:
        gy = t.grad = hooks.run_hooks(t, gy)
    fn = t._fn
    parents = t._parents
    if fn._stamp < _Mutations.latest:
        # an input was changed in place (and given a new history) after this op
        # used it: the gradient belongs to the snapshot of the version we used
        parents = fn.inputs_as_used()
    if _Anomaly.any_on and anomaly._local.enabled:
        grads = _checked_backward(fn, gy)
    else:
        grads = fn.backward(gy)
    _deliver(fn, parents, grads, gy)


def _send_all(order: list) -> None:
    """``send_grad`` for every interior Tensor of ``order``, children first, in one
    loop: the usual pass (no leaf hooks, nothing recorded). A node with hooks, an input
    changed in place since its op ran, or anomaly mode on takes ``send_grad`` itself;
    the others go straight from the op's ``backward`` to ``_deliver``."""
    checked = _Anomaly.any_on and anomaly._local.enabled
    for t in reversed(order):
        fn = t._fn
        if fn is None:
            continue  # a leaf: it pushes nothing
        gy = t.grad
        if gy is None:
            continue
        if checked or t._hooks or fn._stamp < _Mutations.latest:
            send_grad(t)
        else:
            _deliver(fn, t._parents, fn.backward(gy), gy)


def _deliver(fn: Any, parents: tuple, grads: Any, gy: Any) -> None:
    """Add each gradient ``fn.backward`` returned (one, or a tuple with one per input;
    None for an input that gets none) to its input's ``.grad``, the shape checked."""
    if not isinstance(grads, tuple):
        grads = (grads,)
    for parent, g, needed in zip(parents, grads, fn.needs_input_grad):
        if g is None or not needed:
            continue
        if g._data.shape != parent._data.shape:  # (the arrays' shapes: no property calls)
            raise _wrong_shape(fn, g, parent)
        held = parent.grad
        if held is None:
            # A leaf's .grad must not share memory with another node's gradient
            # (optimizers and clipping update it in place), so views are copied.
            if parent._fn is None and (g is gy or g._data.base is not None):
                g = g.clone()
            parent.grad = g
        else:
            parent.grad = held + g


def input_grads(t: Any, gy: Any) -> list[tuple[int, Any]]:
    """``(position, gradient)`` for each input of ``t``'s op that wants one: the op's
    local step of the chain rule, with the gradient's shape checked against the input's
    (what ``send_grad`` delivers; the backward animation replays it step by step)."""
    fn = t._fn
    if _Anomaly.any_on and anomaly._local.enabled:
        grads = _checked_backward(fn, gy)
    else:
        grads = fn.backward(gy)
    if not isinstance(grads, tuple):
        grads = (grads,)
    out = []
    for j, (parent, g, needed) in enumerate(zip(t._parents, grads, fn.needs_input_grad)):
        if not needed or g is None:
            continue
        if g._data.shape != parent._data.shape:
            raise _wrong_shape(fn, g, parent)
        out.append((j, g))
    return out


def _wrong_shape(fn: Any, g: Any, parent: Any) -> RuntimeError:
    return RuntimeError(
        f"{fn.op}.backward returned a gradient of shape {g.shape} for an input of shape "
        f"{parent.shape}"
    )


def _checked_backward(fn: Any, gy: Any) -> Any:
    """``fn.backward(gy)`` under anomaly mode: ops it runs know whose backward they are
    in, and non-finite gradients raise naming the op."""
    local = anomaly._local
    previous = local.backward_of
    local.backward_of = fn
    try:
        grads = fn.backward(gy)
    finally:
        local.backward_of = previous
    anomaly.check_backward(fn, grads if isinstance(grads, tuple) else (grads,))
    return grads


def grad(
    outputs: Any,
    inputs: Any,
    grad_outputs: Any = None,
    create_graph: bool = False,
    allow_unused: bool = False,
) -> tuple:
    """Gradients of ``outputs`` with respect to ``inputs``, like ``torch.autograd.grad``.

    Returns a tuple with one gradient per input. No node's ``.grad`` is changed: the
    driver runs on cleared gradients and the previous ones are put back afterwards.

    Parameters
    ----------
    outputs : node or sequence of nodes
        The differentiated quantities. Non-scalar Tensor outputs need ``grad_outputs``.
    inputs : node or sequence of nodes
    grad_outputs : seed gradient(s) for ``outputs``; ``None`` means 1 for scalars.
    create_graph : record the backward pass so the result can be differentiated again.
    allow_unused : return ``None`` for inputs that ``outputs`` does not depend on instead
        of raising ``ValueError``.
    """
    single_input = not isinstance(inputs, (list, tuple))
    outputs = list(outputs) if isinstance(outputs, (list, tuple)) else [outputs]
    inputs = [inputs] if single_input else list(inputs)
    if grad_outputs is None:
        seeds: list = [None] * len(outputs)
    elif isinstance(grad_outputs, (list, tuple)) and len(outputs) > 1:
        seeds = list(grad_outputs)
    else:
        seeds = [grad_outputs] if len(outputs) == 1 else list(grad_outputs)
    if len(seeds) != len(outputs):
        raise ValueError(
            f"grad: got {len(outputs)} outputs but {len(seeds)} grad_outputs; "
            "pass one seed gradient per output"
        )

    order = topological_order(outputs)
    in_graph = {id(n) for n in order}
    for i, x in enumerate(inputs):
        if getattr(x, "requires_grad", True) is False:
            raise ValueError(
                f"grad: input {i} does not require grad, so it has no gradient; create it "
                "with requires_grad=True"
            )
        if id(x) not in in_graph and not allow_unused:
            raise ValueError(
                f"grad: input {i} is not part of the graph of the outputs; "
                "pass allow_unused=True to get None for it"
            )
    # Inputs that are not in the graph still need clearing/restoring around the pass.
    saved = [(n, n.grad) for n in order] + [(x, x.grad) for x in inputs if id(x) not in in_graph]
    try:
        for node, _ in saved:
            node.grad = node._GRAD_UNSET
        run_backward(outputs, seeds, create_graph=create_graph, keep=inputs)
        result = tuple(x.grad if id(x) in in_graph else None for x in inputs)
    finally:
        for node, old in saved:
            node.grad = old
    return result
