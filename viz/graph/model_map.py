"""What ``draw_graph(..., model=)`` learns from a model: its modules, parameters and ops.

A model is an ``nn.Module`` (``named_parameters()``/``named_modules()``), or a
micrograd-style network of ``Value`` parameters such as ``nn.scalar.MLP``, found by
walking its ``layers``, ``neurons``, ``w`` and ``b`` attributes (``scalar_modules``):
each ``Neuron`` becomes a module named like ``layers.1.neurons.3``, its weights
``layers.1.neurons.3.w.0`` ... and its bias ``layers.1.neurons.3.b``.

Each module that can own ops becomes a ``Unit``, with the op labels it declares
(``op_labels`` on the layer class, read by ``ops_of``); ``viz.graph.collapse`` then
decides which unit computed each node.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

__all__ = ["ops_of", "Unit", "ModelMap", "scalar_modules"]

#: Labels ``nn.scalar.MLP`` gives its parameters: ``L1.n3.w0`` .. and ``L1.n3.b``.
_SCALAR_LABEL = re.compile(r"^L(?P<layer>\d+)\.n(?P<neuron>\d+)\.(?:w(?P<w>\d+)|b)$")


def ops_of(module: Any) -> frozenset[str]:
    """The op labels ``module`` declares (``op_labels``), else those named after its class.

    A layer states what it records (``nn.ReLU.op_labels == {"relu"}``), so a new layer
    needs no entry here; one that states nothing is assumed to make ops named after it
    (``Conv2d`` -> ``conv2d``, ``MaxPool2d`` -> ``max_pool2d`` or ``maxpool2d``).
    """
    declared = getattr(type(module), "op_labels", None)
    if declared is not None:
        return frozenset(declared)
    type_name = type(module).__name__
    snake = re.sub(r"(?<=[a-z0-9])([A-Z])", r"_\1", type_name).lower()
    return frozenset({snake, type_name.lower()})


@dataclass(frozen=True)
class Unit:
    """A module that can own ops: one with parameters of its own, or a leaf module.

    Attributes
    ----------
    path : str
        Dotted path in the model (``"layers.0"``; ``""`` for the model itself).
    type_name : str
        Class name (``"Linear"``).
    has_params : bool
        Whether it registered parameters itself.
    ops : frozenset of str
        Op labels it is known to produce (``ops_of``: the layer's ``op_labels``).
    """

    path: str
    type_name: str
    has_params: bool
    ops: frozenset[str]

    @property
    def title(self) -> str:
        """``"layers.0 (Linear)"``; the class name alone for the model itself."""
        return f"{self.path} ({self.type_name})" if self.path else self.type_name


@dataclass
class ModelMap:
    """What ``draw_graph(..., model=)`` learns from the model.

    Attributes
    ----------
    params : dict
        ``id(parameter) -> "layers.0.weight"``. The model keeps its parameters alive, so
        an id cannot be reused while drawing.
    units : list of Unit
        Owning modules in registration (``named_modules()``) order.
    param_unit : dict
        ``id(parameter) -> index into units``.
    """

    params: dict[int, str] = field(default_factory=dict)
    units: list[Unit] = field(default_factory=list)
    param_unit: dict[int, int] = field(default_factory=dict)

    @classmethod
    def from_model(cls, model: Any) -> ModelMap:
        """Read ``named_parameters()`` and ``named_modules()`` of an ``nn.Module``, or
        walk a micrograd-style network (``scalar_modules``)."""
        named = _method(model, "named_parameters")
        if named is None:
            walked = scalar_modules(model)
            if walked is None:
                raise TypeError(
                    "draw_graph: model= needs an nn.Module (with named_parameters()) or an "
                    "nn.scalar network (Neuron, Layer, MLP: layers/neurons/w/b attributes), "
                    f"got {type(model).__name__}"
                )
            return cls._from_scalar(walked)
        out = cls(params={id(p): str(name) for name, p in named()})
        modules = _method(model, "named_modules")
        pairs = list(modules()) if modules is not None else [("", model)]
        index: dict[str, int] = {}
        for path, module in pairs:
            own = _own_parameters(module)
            children = _method(module, "children")
            leaf = children is None or next(iter(children()), None) is None
            if own or leaf:
                index[str(path)] = len(out.units)
                kind = type(module).__name__
                out.units.append(Unit(str(path), kind, bool(own), ops_of(module)))
        for pid, name in out.params.items():
            unit = index.get(name.rpartition(".")[0])
            if unit is not None:
                out.param_unit[pid] = unit
        return out

    def remapped(self, ids: dict[int, int]) -> ModelMap:
        """The same map for stand-in nodes: ``ids`` maps ``id(original) -> id(stand-in)``
        (parameters that are not drawn are left out)."""
        return ModelMap(
            params={ids[k]: name for k, name in self.params.items() if k in ids},
            units=self.units,
            param_unit={ids[k]: u for k, u in self.param_unit.items() if k in ids},
        )

    @classmethod
    def from_scalar_labels(cls, order: list) -> ModelMap:
        """Modules of an ``nn.scalar.MLP`` recognised from its parameters' labels alone.

        ``nn.scalar.MLP`` labels the weights of neuron ``j`` of layer ``l`` ``Ll.nj.wi``
        and its bias ``Ll.nj.b``; each such neuron becomes the module
        ``layers.l.neurons.j`` (the path ``model=`` would give), so a drawing can put
        every neuron in a box without being given the model. Empty if no leaf of
        ``order`` is labelled so.
        """
        found: dict[tuple[int, int], list[tuple[str, Any]]] = {}
        for node in order:
            if node._parents:
                continue
            m = _SCALAR_LABEL.match(getattr(node, "label", "") or "")
            if m is None:
                continue
            key = (int(m["layer"]), int(m["neuron"]))
            path = f"layers.{key[0]}.neurons.{key[1]}"
            name = f"{path}.w.{m['w']}" if m["w"] is not None else f"{path}.b"
            found.setdefault(key, []).append((name, node))
        out = cls()
        for key in sorted(found):
            unit = len(out.units)
            out.units.append(Unit(f"layers.{key[0]}.neurons.{key[1]}", "Neuron", True, frozenset()))
            for name, p in found[key]:
                out.params[id(p)] = name
                out.param_unit[id(p)] = unit
        return out

    @classmethod
    def _from_scalar(cls, modules: list[tuple[str, Any, list[tuple[str, Any]]]]) -> ModelMap:
        out = cls()
        for path, module, own in modules:
            if not own:
                continue  # a Layer or MLP: its neurons own everything
            unit = len(out.units)
            kind = type(module).__name__
            out.units.append(Unit(path, kind, True, ops_of(module)))
            for name, p in own:
                out.params[id(p)] = name
                out.param_unit[id(p)] = unit
        return out


def scalar_modules(model: Any) -> list[tuple[str, Any, list[tuple[str, Any]]]] | None:
    """The modules of a micrograd-style network, or ``None`` if ``model`` is not one.

    Walks the attributes ``layers`` and ``neurons`` (lists of sub-modules) and ``w``
    (a list of ``Value``) and ``b`` (a ``Value``) -- the shape of ``nn.scalar``'s
    ``MLP``, ``Layer`` and ``Neuron`` and of micrograd's own classes -- depth first,
    in list order.

    Returns
    -------
    list of (path, module, own parameters) or None
        ``path`` is dotted (``"layers.1.neurons.3"``, ``""`` for ``model``); own
        parameters are ``(name, Value)`` pairs (``"layers.1.neurons.3.w.0"``).
    """
    from autograd.value import Value

    out: list[tuple[str, Any, list[tuple[str, Any]]]] = []
    stack: list[tuple[str, Any]] = [("", model)]
    seen: set[int] = set()
    while stack:
        path, module = stack.pop()
        if id(module) in seen:
            continue
        seen.add(id(module))
        prefix = f"{path}." if path else ""
        own: list[tuple[str, Any]] = []
        w = getattr(module, "w", None)
        if isinstance(w, (list, tuple)) and all(isinstance(p, Value) for p in w):
            own += [(f"{prefix}w.{i}", p) for i, p in enumerate(w)]
        b = getattr(module, "b", None)
        if isinstance(b, Value):
            own.append((f"{prefix}b", b))
        children: list[tuple[str, Any]] = []
        for attr in ("layers", "neurons"):
            items = getattr(module, attr, None)
            if isinstance(items, (list, tuple)):
                children += [(f"{prefix}{attr}.{i}", c) for i, c in enumerate(items)]
        out.append((path, module, own))
        stack.extend(reversed(children))
    if not any(own for _, _, own in out):
        return None
    return out


def _own_parameters(module: Any) -> list:
    named = _method(module, "named_parameters")
    if named is None:
        return []
    try:
        return [p for _, p in named(recurse=False)]
    except TypeError:  # a duck-typed module without recurse=
        return []


def _method(obj: Any, name: str) -> Callable[..., Any] | None:
    """``obj.name`` if it is callable (a module's ``named_parameters``...), else None."""
    method = getattr(obj, name, None)
    return method if callable(method) else None
