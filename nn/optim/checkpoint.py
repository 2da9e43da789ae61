"""Optimizer checkpoints: ``state_dict()`` and an all-or-nothing ``load_state_dict()``.

A mixin of :class:`~nn.optim.optimizer.Optimizer`: it reads and writes the optimizer's
``param_groups`` and ``state`` and checks a loaded state against the subclass's
``_state_keys``, ``_required_state_keys`` and ``_validate_group``.
"""

from __future__ import annotations

import copy
import numbers
from typing import Any

import numpy as np

from autograd import Tensor

from .deferred_interrupt import defer_keyboard_interrupt

__all__ = ["Checkpointing"]


class Checkpointing:
    """``state_dict`` / ``load_state_dict`` for an optimizer (mixed into ``Optimizer``)."""

    param_groups: list[dict[str, Any]]
    state: dict[Tensor, dict[str, Any]]
    defaults: dict[str, Any]
    _state_keys: tuple[str, ...]
    _validate_group: Any  # Optimizer's check of one group's hyperparameters
    # Hyperparameters added after checkpoints were already being written (PyTorch's
    # setdefault in __setstate__), each with the value that reproduces the rule an older
    # checkpoint was written with: a saved group without the key gets that value, so the
    # checkpoint still loads and behaves as it did.
    _added_defaults: dict[str, Any] = {}

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
            for key, old_rule in self._added_defaults.items():
                group.setdefault(key, old_rule)
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
                if value.shape != p.data.shape:
                    raise ValueError(
                        f"{name}: state {key!r} of parameter {idx} has shape {value.shape}, "
                        f"but the parameter has shape {p.data.shape}"
                    )
                if value.dtype.kind not in "fiu":
                    raise ValueError(f"{name}: state {key!r} of parameter {idx} is not numeric")
                out[key] = value.astype(p.data.dtype, copy=True)
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
