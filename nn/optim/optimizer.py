"""``Optimizer``: the base class shared by every update rule in ``nn.optim``.

An optimizer owns *parameter groups* (lists of Tensors with their own hyperparameters,
``optimizer.param_groups``) and per-parameter *state* (``optimizer.state[p]``: momentum
buffers, running averages, step counts).

``step()`` is all-or-nothing, in three phases:

1. **check** every group's learning rate and every gradient (shape, a writable
   parameter array); a problem raises before anything changes;
2. **compute** every parameter's update Δ and its new state (the subclass's
   ``_compute``, which reads the stored state but never writes it: new state values go
   into spare buffers, the arrays that the previous step replaced);
3. **commit**: ``p.data -= Δ`` (in place, so a module keeps the very same arrays; the
   same floating-point operation as an in-place rule) and store the new state, with
   Ctrl-C held back until all are written.

A failed step therefore changes nothing, and an interrupted one is either complete or
not begun: the model is always after a whole number of steps.

Subclasses implement three hooks:

``_validate_group(group)``
    Raise ``ValueError`` for a bad hyperparameter (negative ``lr``, ...). It runs for
    every group (constructor, ``add_param_group``, ``load_state_dict``), so an invalid
    value never reaches an update; ``step()`` re-checks ``lr``, which schedulers and
    hand edits change between steps.
``_required_state_keys(group)``
    The state entries a parameter has once it has been updated; ``load_state_dict``
    checks them.
``_compute(w, g, group, state, spare) -> (shrink, delta, new_state)``
    Apply the rule to one parameter, given as arrays: ``w`` its values, ``g`` the
    gradient with the sign flipped for ``maximize`` and the L2 term ``λ w`` added
    (unless the group's ``decoupled_weight_decay`` is true, as in AdamW), ``state`` its
    stored state, ``spare`` its spare buffers. Modify none of them: the commit does
    ``w *= shrink`` (unless it is None; AdamW's decoupled decay) and then ``w -= delta``;
    ``delta`` may be a :class:`Scaled` ``(factor, array)``, meaning ``factor * array``
    (plain SGD's ``lr * g``), formed only at the commit in a reused buffer;
    ``new_state`` holds the entries to store, each computed into
    ``buffer(spare, key, like)`` (``out=``: an array like ``like``, the entry it replaces),
    never into the stored arrays.

The step works on the arrays themselves (``p._data``, ``p.grad._data``): one pass over the
parameters, no property call per parameter, and the rule's file is the only other one
it enters.
"""

from __future__ import annotations

import copy
import threading
from collections.abc import Callable, Iterable
from typing import Any, NamedTuple

import numpy as np

from autograd import Tensor, enable_grad

from .checkpoint import Checkpointing, _is_real
from .deferred_interrupt import defer_keyboard_interrupt

__all__ = ["Optimizer", "ParamsT", "Scaled", "buffer"]


class Scaled(NamedTuple):
    """An update ``factor * array`` not yet multiplied out (see :meth:`subtract_from`).

    Why: plain SGD's update ``lr * g`` is a new array as large as the parameter. All of a
    step's updates exist at once (phase 2 computes them all before phase 3 writes any),
    so for an MLP that is ~1 MB of fresh memory per step, which the C allocator hands
    back to the system and then takes again page by page (a page fault per 4 KB). The
    commit instead forms each product in one buffer of this thread, reused by every
    parameter and every step.
    """

    factor: Any
    array: np.ndarray

    @property
    def dtype(self) -> np.dtype:
        """The dtype of ``factor * array`` (what ``lr * g`` would have had)."""
        dtype = self.array.dtype
        if type(self.factor) is float and dtype.kind == "f":
            return dtype  # a Python float keeps a float array's dtype (NumPy 1 and 2 alike)
        return np.result_type(self.array, self.factor)

    def subtract_from(self, w: np.ndarray) -> None:
        """``w -= factor * array``: the same two roundings as with a temporary product."""
        shape = self.array.shape
        if w.flags.f_contiguous and not w.flags.c_contiguous:
            # a column-major parameter: the product in the same order, so both passes
            # run through memory in sequence
            product = _commit_buffer(shape[::-1], self.dtype).T
        else:
            product = _commit_buffer(shape, self.dtype)
        np.multiply(self.array, self.factor, out=product)
        w -= product


_commit_local = threading.local()
# the largest buffer kept between steps; a larger parameter gets a fresh product each
# step (as before), so a huge embedding table does not pin its size in memory for good
_KEEP_BYTES = 64 * 2**20


def _commit_buffer(shape: tuple[int, ...], dtype: np.dtype) -> np.ndarray:
    """An uninitialised array of ``shape``: a view of one flat buffer per thread and
    dtype, grown to the largest parameter seen up to ``_KEEP_BYTES`` (so at most one
    parameter's worth of memory is kept). Only for a product that dies before the next
    call."""
    buffers = getattr(_commit_local, "buffers", None)
    if buffers is None:
        buffers = _commit_local.buffers = {}
    size = 1
    for n in shape:
        size *= n
    if size * dtype.itemsize > _KEEP_BYTES:
        return np.empty(shape, dtype=dtype)
    flat = buffers.get(dtype)
    if flat is None or flat.size < size:
        flat = buffers[dtype] = np.empty(size, dtype=dtype)
    return flat[:size].reshape(shape)


_NO_STATE: dict[str, Any] = {}  # read-only stand-in for a parameter not updated yet

#: What an optimizer accepts: an iterable of Tensors or of param-group dicts.
ParamsT = Iterable[Tensor] | Iterable[dict[str, Any]]


class Optimizer(Checkpointing):
    """Base class: parameter groups, per-parameter state, ``zero_grad`` and checkpoints.

    Parameters
    ----------
    params : iterable of Tensor or iterable of dict
        The Tensors to optimise (e.g. ``model.parameters()``), or a list of parameter
        groups ``[{"params": [...], "lr": 0.1}, {"params": [...]}]``; keys missing from a
        group are filled from ``defaults``.
    defaults : dict
        The hyperparameters of the subclass's constructor.

    Attributes
    ----------
    param_groups : list of dict
        One dict per group: ``"params"`` (list of Tensor) and the hyperparameters.
        Change ``group["lr"]`` to change the learning rate (schedulers do this).
    state : dict
        ``state[p]`` is a dict of this parameter's buffers (NumPy arrays) and counters.
    defaults : dict
    """

    # Every state key a subclass may store; load_state_dict rejects any other.
    _state_keys: tuple[str, ...] = ()

    def __init__(self, params: ParamsT, defaults: dict[str, Any]) -> None:
        self.defaults = dict(defaults)
        self.state: dict[Tensor, dict[str, Any]] = {}
        # state arrays replaced by the last step, reused as the next step's output
        # buffers (the `spare` of _compute): computing a new state then costs no allocation
        self._spares: dict[Tensor, dict[str, np.ndarray]] = {}
        self.param_groups: list[dict[str, Any]] = []
        name = type(self).__name__
        if isinstance(params, Tensor):
            raise TypeError(
                f"{name}: params must be an iterable of Tensors or of param-group dicts, "
                f"got a single Tensor; wrap it in a list: {name}([p], ...)"
            )
        if isinstance(params, (set, frozenset)):
            raise TypeError(
                f"{name}: params must be an ordered iterable (list, model.parameters()), not "
                "a set: the order ties state_dict() entries to parameters"
            )
        param_list = list(params)
        if not param_list:
            raise ValueError(
                f"{name}: got an empty parameter list (a model without parameters, or a "
                "generator such as model.parameters() that was already consumed?)"
            )
        groups: list[Any] = (
            param_list if isinstance(param_list[0], dict) else [{"params": param_list}]
        )
        for group in groups:
            self.add_param_group(group)

    # ------------------------------------------------------------------ groups
    def add_param_group(self, param_group: dict[str, Any]) -> None:
        """Add a group of parameters, e.g. a layer unfrozen during fine-tuning.

        Missing hyperparameters are taken from ``defaults``. Raises ``ValueError`` (and
        leaves the optimizer unchanged) when the group is empty, lists a parameter twice,
        shares a parameter with an existing group, or has an invalid hyperparameter.
        """
        name = type(self).__name__
        if not isinstance(param_group, dict):
            raise TypeError(
                f"{name}.add_param_group: expected a dict with a 'params' entry, got "
                f"{type(param_group).__name__}"
            )
        if "params" not in param_group:
            raise ValueError(f"{name}.add_param_group: the group has no 'params' entry")
        params = param_group["params"]
        if isinstance(params, Tensor):
            params = [params]
        elif isinstance(params, (set, frozenset)):
            raise TypeError(
                f"{name}.add_param_group: 'params' must be an ordered sequence, not a set"
            )
        params = list(params)
        if not params:
            raise ValueError(f"{name}.add_param_group: the group's 'params' list is empty")
        seen: dict[int, int] = {}
        for i, p in enumerate(params):
            if not isinstance(p, Tensor):
                raise TypeError(
                    f"{name}: can only optimise Tensors, but parameter {i} of the group is "
                    f"a {type(p).__name__}"
                )
            if not p.is_leaf:
                raise ValueError(
                    f"{name}: parameter {i} of the group was computed by '{p.op}'; only "
                    "leaf Tensors can be optimised (did you mean p.detach()?)"
                )
            if id(p) in seen:  # ids, because Tensor.__eq__ compares elementwise
                raise ValueError(
                    f"{name}: the same parameter appears twice in one group (positions "
                    f"{seen[id(p)]} and {i}); it would be updated twice per step"
                )
            seen[id(p)] = i
        for k, other in enumerate(self.param_groups):
            if any(id(q) in seen for q in other["params"]):
                raise ValueError(
                    f"{name}: some parameters of the new group are already in parameter "
                    f"group {k}; a parameter may belong to only one group"
                )
        group = {key: copy.deepcopy(value) for key, value in param_group.items() if key != "params"}
        for key, default in self.defaults.items():
            group.setdefault(key, copy.deepcopy(default))
        self._validate_group(group)
        group["params"] = params
        self.param_groups.append(group)

    def _validate_group(self, group: dict[str, Any]) -> None:
        """Raise ``ValueError`` for an invalid hyperparameter. Base: ``lr >= 0``."""
        lr = group.get("lr", 0.0)
        if not _is_real(lr) or not lr >= 0.0:
            raise ValueError(
                f"{type(self).__name__}: invalid learning rate lr={lr!r}; it must be a number >= 0"
            )

    def _check_nonneg(self, group: dict[str, Any], *keys: str) -> None:
        for key in keys:
            value = group[key]
            if not _is_real(value) or not value >= 0.0:
                raise ValueError(
                    f"{type(self).__name__}: invalid {key}={value!r}; it must be a number >= 0"
                )

    def _check_unit_interval(self, key: str, value: Any) -> None:
        if not _is_real(value) or not 0.0 <= value < 1.0:
            raise ValueError(
                f"{type(self).__name__}: invalid {key}={value!r}; it must lie in [0, 1)"
            )

    # ------------------------------------------------------------------ stepping
    def zero_grad(self, set_to_none: bool = True) -> None:
        """Forget the gradients of every parameter before the next ``backward()``.

        Gradients *accumulate* across ``backward()`` calls, so call this once per step.
        ``set_to_none=True`` (the default, as in PyTorch) sets ``p.grad = None``; ``False``
        sets a zero gradient of the parameter's shape and dtype instead.
        """
        for group in self.param_groups:
            for p in group["params"]:
                if p.grad is None:
                    continue
                if set_to_none:
                    p.grad = None
                else:
                    # a fresh array: the old one may be saved in a create_graph=True graph
                    p.grad = Tensor(np.zeros_like(p.grad.data))

    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        """Update every parameter that has a gradient; parameters with ``grad None`` are
        skipped (their state is untouched).

        All or nothing: every hyperparameter and gradient is checked and every new value
        computed before the first parameter is written, so an error leaves parameters
        and state as they were; a Ctrl-C during the writes takes effect right after the
        last one.

        Parameters
        ----------
        closure : callable, optional
            Re-evaluates the model and returns the loss (called with gradients enabled,
            before the update). Its return value is returned.

        Raises
        ------
        ValueError
            For a negative or non-numeric ``group["lr"]`` (set by hand), a gradient
            whose shape differs from its parameter's, or a read-only parameter array.
            Nothing is changed.
        """
        loss = None
        if closure is not None:
            with enable_grad():
                loss = closure()
        updates = []
        state_of, spares_of, compute = self.state, self._spares, self._compute
        for p, w, grad, group in self._checked_work():
            if group.get("maximize", False):
                grad = -grad
            wd = group.get("weight_decay", 0.0)
            if wd != 0 and not group.get("decoupled_weight_decay", False):
                # the gradient of (λ/2)‖w‖² is λ w: L2 regularisation folded into the
                # gradient (a new array: p.grad itself is never modified)
                grad = grad + wd * w
            shrink, delta, new_state = compute(
                w, grad, group, state_of.get(p, _NO_STATE), spares_of.get(p, _NO_STATE)
            )
            if delta.dtype != w.dtype:
                self._check_storable(delta.dtype, w.dtype)
            updates.append((p, w, shrink, delta, new_state))
        with defer_keyboard_interrupt():
            for p, w, shrink, delta, new_state in updates:
                if shrink is not None:
                    w *= shrink
                if type(delta) is Scaled:
                    delta.subtract_from(w)
                else:
                    w -= delta
                self._store(p, new_state)
        return loss

    def _check_storable(self, update: np.dtype, param: np.dtype) -> None:
        """TypeError (before anything is written) for an update that cannot be stored
        in its parameter's array, e.g. complex into float."""
        if not np.can_cast(update, param, "same_kind"):
            raise TypeError(
                f"{type(self).__name__}.step: the update of a parameter of dtype {param} "
                f"came out as {update}, which cannot be stored in it. No parameter was "
                "changed"
            )

    def _store(self, p: Tensor, new_state: dict[str, Any]) -> None:
        """Commit ``p``'s new state; each array it replaces becomes next step's buffer
        for that entry (see :func:`buffer`)."""
        state = self.state.setdefault(p, {})
        spares = self._spares.setdefault(p, {})
        for key, value in new_state.items():
            old = state.get(key)
            if isinstance(old, np.ndarray) and old is not value:
                spares[key] = old
            state[key] = value

    def _checked_work(self) -> list[tuple[Tensor, np.ndarray, np.ndarray, dict[str, Any]]]:
        """Phase 1: (parameter, its array, gradient array, group) for every parameter
        with a gradient, after checking everything that could make an update fail
        halfway."""
        name = f"{type(self).__name__}.step"
        work = []
        for k, group in enumerate(self.param_groups):
            # the other hyperparameters were checked when the group was added or loaded;
            # lr is the one that schedulers and hand edits change between steps
            lr = group["lr"]
            if not (type(lr) is float and lr >= 0.0) and not (_is_real(lr) and lr >= 0.0):
                raise ValueError(
                    f"{name}: parameter group {k} has the invalid learning rate lr={lr!r}; "
                    "it must be a number >= 0. No parameter was changed"
                )
            for i, p in enumerate(group["params"]):
                g = p.grad
                if g is None:
                    continue
                grad = g._data if isinstance(g, Tensor) else np.asarray(g)
                w = p._data
                if grad.shape != w.shape:
                    raise ValueError(
                        f"{name}: parameter {i} of group {k} has shape {w.shape} but its "
                        f"gradient has shape {grad.shape}; they must match. No parameter "
                        "was changed"
                    )
                if not w.flags.writeable:
                    raise ValueError(
                        f"{name}: parameter {i} of group {k} (shape {w.shape}) is read-only "
                        "(its array has writeable=False), so it cannot be updated in place; "
                        "give it a writable copy (p.data = p.data.copy()). No parameter was "
                        "changed"
                    )
                work.append((p, w, grad, group))
        return work

    def _compute(
        self,
        w: np.ndarray,
        g: np.ndarray,
        group: dict[str, Any],
        state: dict[str, Any],
        spare: dict[str, np.ndarray],
    ) -> tuple[float | None, np.ndarray | Scaled, dict[str, Any]]:
        raise NotImplementedError(f"{type(self).__name__} does not implement _compute")

    def __repr__(self) -> str:
        lines = [f"{type(self).__name__} ("]
        for k, group in enumerate(self.param_groups):
            lines.append(f"Parameter Group {k}")
            for key in sorted(group):
                if key != "params":
                    lines.append(f"    {key}: {group[key]}")
        lines.append(")")
        return "\n".join(lines)


def buffer(spare: dict[str, np.ndarray], key: str, like: np.ndarray) -> np.ndarray:
    """An array like ``like`` to compute the new value of state entry ``key`` into.

    It is the array that entry held before the previous step (``spare``; kept by
    ``Optimizer.step``), or a new one, never the current entry, so
    ``np.multiply(v, beta, out=buffer(spare, key, v))`` is PyTorch's in-place
    ``v *= beta`` without touching ``v`` and, after the first steps, without allocating.
    The result keeps ``like``'s dtype whatever the gradient's.
    """
    old = spare.get(key)
    if old is None or old.shape != like.shape or old.dtype != like.dtype:
        return np.empty_like(like)
    return old
