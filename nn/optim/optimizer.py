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
``_compute(p, grad, group, state) -> (shrink, delta, new_state)``
    Apply the rule to one parameter without modifying ``p.data``, ``grad`` or the
    arrays in ``state``: the commit does ``p.data *= shrink`` (unless it is None; AdamW's
    decoupled decay) and then ``p.data -= delta``; ``new_state`` holds the entries to
    store, computed into ``self._scratch(p, key, like)`` buffers (``out=``), never into
    the stored arrays.
"""

from __future__ import annotations

import copy
import numbers
from collections.abc import Callable, Iterable
from typing import Any

import numpy as np

from autograd import Tensor, enable_grad

from .deferred_interrupt import defer_keyboard_interrupt

__all__ = ["Optimizer", "ParamsT"]

_NO_STATE: dict[str, Any] = {}  # read-only stand-in for a parameter not updated yet

#: What an optimizer accepts: an iterable of Tensors or of param-group dicts.
ParamsT = Iterable[Tensor] | Iterable[dict[str, Any]]


class Optimizer:
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
        # buffers (see _scratch): computing a new state then costs no allocation
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
        groups = param_list if isinstance(param_list[0], dict) else [{"params": param_list}]
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
                f"{type(self).__name__}: invalid learning rate lr={lr!r}; it must be a "
                "number >= 0"
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
                    p.grad = Tensor(np.zeros_like(p.grad._data))

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
        for p, grad, group in self._checked_work():
            data = p._data
            shrink, delta, new_state = self._compute(
                p, grad, group, self.state.get(p, _NO_STATE)
            )
            if delta.dtype != data.dtype and not np.can_cast(delta.dtype, data.dtype, "same_kind"):
                raise TypeError(
                    f"{type(self).__name__}.step: the update of a parameter of dtype "
                    f"{data.dtype} came out as {delta.dtype}, which cannot be stored in it. "
                    "No parameter was changed"
                )
            updates.append((p, data, shrink, delta, new_state))
        with defer_keyboard_interrupt():
            for p, data, shrink, delta, new_state in updates:
                if shrink is not None:
                    data *= shrink
                data -= delta
                state = self.state.setdefault(p, {})
                spares = self._spares.setdefault(p, {})
                for key, value in new_state.items():
                    old = state.get(key)
                    if isinstance(old, np.ndarray) and old is not value:
                        spares[key] = old  # next step's buffer for this entry
                    state[key] = value
        return loss

    def _scratch(self, p: Tensor, key: str, like: np.ndarray) -> np.ndarray:
        """An array like ``like`` to compute the new value of ``state[p][key]`` into.

        It is the array that entry held before the previous step (or a new one), never
        the current entry, so ``np.multiply(v, beta, out=self._scratch(p, key, v))`` is
        PyTorch's in-place ``v *= beta`` without touching ``v`` and without allocating.
        """
        spare = self._spares.get(p, _NO_STATE).get(key)
        if spare is None or spare.shape != like.shape or spare.dtype != like.dtype:
            return np.empty_like(like)
        return spare

    def _checked_work(self) -> list[tuple[Tensor, np.ndarray, dict[str, Any]]]:
        """Phase 1: (parameter, gradient array, group) for every parameter with a
        gradient, after checking everything that could make an update fail halfway."""
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
                if p.grad is None:
                    continue
                grad = p.grad._data if isinstance(p.grad, Tensor) else np.asarray(p.grad)
                where = f"parameter {i} of group {k}"
                if grad.shape != p._data.shape:
                    raise ValueError(
                        f"{name}: {where} has shape {p._data.shape} but its gradient has "
                        f"shape {grad.shape}; they must match. No parameter was changed"
                    )
                if not p._data.flags.writeable:
                    raise ValueError(
                        f"{name}: {where} (shape {p._data.shape}) is read-only (its array "
                        "has writeable=False), so it cannot be updated in place; give it a "
                        "writable copy (p.data = p.data.copy()). No parameter was changed"
                    )
                work.append((p, grad, group))
        return work

    def _compute(
        self, p: Tensor, grad: np.ndarray, group: dict[str, Any], state: dict[str, Any]
    ) -> tuple[float | None, np.ndarray, dict[str, Any]]:
        raise NotImplementedError(f"{type(self).__name__} does not implement _compute")

    @staticmethod
    def _effective_grad(p: Tensor, grad: np.ndarray, group: dict[str, Any]) -> np.ndarray:
        """``±∇E + λ w``: sign flipped for ``maximize``, plus L2 weight decay.

        Returns a new array when anything changes; ``p.grad`` itself is never modified
        (the user may still want to look at it).
        """
        if group.get("maximize", False):
            grad = -grad
        wd = group.get("weight_decay", 0.0)
        if wd != 0:
            # the gradient of (λ/2)‖w‖² is λ w: L2 regularisation folded into the gradient
            grad = grad + wd * p._data
        return grad

    # ------------------------------------------------------------------ checkpoints
    def state_dict(self) -> dict[str, Any]:
        """A snapshot of the optimizer as plain dicts, numbers and NumPy arrays.

        ``{"state": {index: {...}}, "param_groups": [{..., "params": [index, ...]}]}``,
        where parameters are numbered in group order. Arrays are copies, so later steps
        do not change the snapshot.
        """
        index: dict[int, int] = {}
        groups = []
        for group in self.param_groups:
            packed = {k: copy.deepcopy(v) for k, v in group.items() if k != "params"}
            ids = []
            for p in group["params"]:
                index.setdefault(id(p), len(index))
                ids.append(index[id(p)])
            packed["params"] = ids
            groups.append(packed)
        state = {}
        for p, s in self.state.items():
            if s and id(p) in index:
                state[index[id(p)]] = {
                    k: v.copy() if isinstance(v, np.ndarray) else v for k, v in s.items()
                }
        return {"state": state, "param_groups": groups}

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Restore a ``state_dict()``; all-or-nothing.

        The structure must match this optimizer (same number of groups, same number of
        parameters in each, buffers of the parameters' shapes, known state keys, valid
        hyperparameters); otherwise ``ValueError`` is raised and nothing changes.
        """
        name = f"{type(self).__name__}.load_state_dict"
        if not isinstance(state_dict, dict) or set(state_dict) != {"state", "param_groups"}:
            got = sorted(state_dict) if isinstance(state_dict, dict) else type(state_dict).__name__
            raise ValueError(
                f"{name}: expected a dict with exactly the keys 'state' and 'param_groups' "
                f"(from optimizer.state_dict()), got {got}"
            )
        saved_groups, saved_state = state_dict["param_groups"], state_dict["state"]
        if not isinstance(saved_groups, (list, tuple)) or not isinstance(saved_state, dict):
            raise ValueError(f"{name}: 'param_groups' must be a list and 'state' a dict")
        if len(saved_groups) != len(self.param_groups):
            raise ValueError(
                f"{name}: the state dict has {len(saved_groups)} parameter group(s), this "
                f"optimizer has {len(self.param_groups)}"
            )
        new_groups: list[dict[str, Any]] = []
        by_index: dict[Any, Tensor] = {}
        for k, (saved, ours) in enumerate(zip(saved_groups, self.param_groups)):
            if not isinstance(saved, dict) or "params" not in saved:
                raise ValueError(f"{name}: parameter group {k} is not a dict with 'params'")
            if len(saved["params"]) != len(ours["params"]):
                raise ValueError(
                    f"{name}: parameter group {k} has {len(saved['params'])} parameter(s) in "
                    f"the state dict but {len(ours['params'])} in this optimizer"
                )
            group = {}
            for key, value in saved.items():
                if key == "params":
                    continue
                if key in ours and not _same_kind(ours[key], value):
                    raise ValueError(
                        f"{name}: parameter group {k}: '{key}' is {value!r}, expected a "
                        f"value like {ours[key]!r}"
                    )
                group[key] = tuple(value) if isinstance(ours.get(key), tuple) else value
            missing = [key for key in self.defaults if key not in group]
            if missing:
                raise ValueError(f"{name}: parameter group {k} lacks the hyperparameters {missing}")
            try:
                self._validate_group(group)
            except ValueError as err:
                raise ValueError(f"{name}: parameter group {k}: {err}") from None
            for idx, p in zip(saved["params"], ours["params"]):
                if isinstance(idx, bool) or not isinstance(idx, numbers.Integral):
                    raise ValueError(f"{name}: parameter ids must be integers, got {idx!r}")
                if idx in by_index:
                    raise ValueError(f"{name}: parameter id {idx} is listed twice")
                by_index[idx] = p
            group["params"] = ours["params"]
            new_groups.append(group)
        group_of = {id(p): g for g in new_groups for p in g["params"]}
        new_state: dict[Tensor, dict[str, Any]] = {}
        for idx, entry in saved_state.items():
            if idx not in by_index:
                raise ValueError(f"{name}: state for parameter id {idx!r}, which no group lists")
            p = by_index[idx]
            new_state[p] = self._load_param_state(name, idx, p, entry, group_of[id(p)])
        # every check passed: commit, with Ctrl-C held back until it is complete
        with defer_keyboard_interrupt():
            for ours, group in zip(self.param_groups, new_groups):
                ours.clear()
                ours.update(group)
            self.state = new_state

    def _load_param_state(
        self, name: str, idx: Any, p: Tensor, entry: Any, group: dict[str, Any]
    ) -> dict[str, Any]:
        if not isinstance(entry, dict):
            raise ValueError(f"{name}: the state of parameter {idx} is not a dict")
        out: dict[str, Any] = {}
        for key, value in entry.items():
            if key not in self._state_keys:
                raise ValueError(
                    f"{name}: the state of parameter {idx} has the key {key!r}, which "
                    f"{type(self).__name__} does not use (it keeps {list(self._state_keys)}); "
                    "was it saved from another optimizer?"
                )
            if isinstance(value, np.ndarray):
                if value.shape != p._data.shape:
                    raise ValueError(
                        f"{name}: state {key!r} of parameter {idx} has shape {value.shape}, "
                        f"but the parameter has shape {p._data.shape}"
                    )
                if value.dtype.kind not in "fiu":
                    raise ValueError(f"{name}: state {key!r} of parameter {idx} is not numeric")
                out[key] = value.astype(p._data.dtype, copy=True)
            elif _is_real(value):
                out[key] = value
            else:
                raise ValueError(
                    f"{name}: state {key!r} of parameter {idx} must be a NumPy array or a "
                    f"number, got {type(value).__name__}"
                )
        if out:
            missing = [key for key in self._required_state_keys(group) if key not in out]
            if missing:
                raise ValueError(f"{name}: the state of parameter {idx} lacks {missing}")
        return out

    def _required_state_keys(self, group: dict[str, Any]) -> tuple[str, ...]:
        return ()

    def __repr__(self) -> str:
        lines = [f"{type(self).__name__} ("]
        for k, group in enumerate(self.param_groups):
            lines.append(f"Parameter Group {k}")
            for key in sorted(group):
                if key != "params":
                    lines.append(f"    {key}: {group[key]}")
        lines.append(")")
        return "\n".join(lines)


def _is_real(x: Any) -> bool:
    return isinstance(x, numbers.Real) and not isinstance(x, bool)


def _same_kind(ours: Any, theirs: Any) -> bool:
    """Whether a loaded hyperparameter has the type of the current one."""
    if isinstance(ours, (bool, np.bool_)):
        return isinstance(theirs, (bool, np.bool_))
    if _is_real(ours):
        return _is_real(theirs)
    if isinstance(ours, tuple):
        return (
            isinstance(theirs, (tuple, list))
            and len(theirs) == len(ours)
            and all(_is_real(t) for t in theirs)
        )
    return True
