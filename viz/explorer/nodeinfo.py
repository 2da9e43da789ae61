"""What the explorer knows about one node: the numbers behind its box, as JSON-ready data.

Numbers are kept at full precision (the page rounds for display, the tests compare them
with the engine's): a ``Value`` gives ``data``, ``grad`` and the local derivative
``∂node/∂parent`` of each operand edge; a ``Tensor`` gives shape, dtype, ``min``/``mean``/
``max``/``std`` of data and grad, and a heat map of each -- the array seen as rows x
columns (leading axes flattened into rows), averaged over blocks down to at most
``HEAT`` x ``HEAT`` cells -- and, per operand edge, the derivative rule of its op.
JSON has no NaN or infinity: those are written as the strings ``"nan"``, ``"inf"``,
``"-inf"``.
"""

from __future__ import annotations

import math
import warnings
from typing import Any

import numpy as np

from autograd.tensor import Tensor
from autograd.value import Value

from ..graph.describe import NodeDescription

__all__ = ["node_info", "heat_map", "number", "HEAT"]

#: Largest side of a heat map, in cells.
HEAT = 16


def number(x: float) -> float | str:
    """``x`` as a JSON value: a float, or ``"nan"``/``"inf"``/``"-inf"``."""
    x = float(x)
    if math.isfinite(x):
        return x
    return "nan" if math.isnan(x) else ("inf" if x > 0 else "-inf")


def heat_map(data: np.ndarray) -> dict[str, Any]:
    """A small picture of an array: ``{"r": rows, "c": cols, "v": [row-major cells]}``.

    The array is seen as a matrix (a scalar is 1x1, a vector one row, more axes are
    flattened into rows) and averaged over equal blocks so that neither side exceeds
    ``HEAT``; the block averages of a non-finite input are non-finite.
    """
    a = np.asarray(data)
    if a.dtype.kind == "c":
        a = np.abs(a)
    a = a.astype(np.float64)
    if a.ndim == 0:
        a = a.reshape(1, 1)
    elif a.ndim == 1:
        a = a.reshape(1, -1)
    else:
        a = a.reshape(-1, a.shape[-1])
    rows, cols = a.shape
    br, bc = -(-rows // HEAT), -(-cols // HEAT)  # block sides (ceil)
    r, c = -(-rows // br), -(-cols // bc)
    padded = np.full((r * br, c * bc), np.nan)
    padded[:rows, :cols] = a
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN padding blocks
        blocks = np.nanmean(padded.reshape(r, br, c, bc), axis=(1, 3))
    return {"r": int(r), "c": int(c), "v": [number(float(f"{x:.4g}")) for x in blocks.ravel()]}


def _stats(data: np.ndarray) -> list[float | str]:
    a = np.asarray(data)
    if a.size == 0:
        return []
    a = (np.abs(a) if a.dtype.kind == "c" else a).astype(np.float64)
    with np.errstate(all="ignore"):
        return [number(a.min()), number(a.mean()), number(a.max()), number(a.std())]


def node_info(
    node: Any,
    position: int,
    desc: NodeDescription,
    parents: list[int],
    kind: str,
    group: str,
) -> dict[str, Any]:
    """The JSON record of one node.

    Keys: ``n`` name, ``o`` op ("" for a leaf), ``k`` kind (leaf, constant, computed,
    root), ``m`` module group, ``p`` parent positions, ``e`` one edge text per parent.
    A Value adds ``d`` data, ``g`` grad and ``l`` the local derivatives; a Tensor adds
    ``sh`` shape, ``dt`` dtype, ``ds``/``gs`` statistics ``[min, mean, max, std]`` of
    data/grad (``gs`` is null when no gradient arrived), ``dh``/``gh`` heat maps.
    """
    out: dict[str, Any] = {
        "n": desc.name,
        "o": node.op if node._parents else "",
        "k": kind,
        "m": group,
        "p": parents,
    }
    if isinstance(node, Value):
        out["d"] = number(node.data)
        out["g"] = number(node.grad)
        out["l"] = [number(x) for x in node.local_grads]
        names = desc.parent_names or ("",) * len(parents)
        out["e"] = [
            f"∂/∂{name} = {text}" if name else f"∂ = {text}"
            for name, text in zip(names, desc.local_grads)
        ]
    elif isinstance(node, Tensor):
        out["sh"] = [int(d) for d in node.shape]
        out["dt"] = str(node.data.dtype)
        out["ds"] = _stats(node.data)
        out["dh"] = heat_map(node.data)
        grad = node.grad
        out["gs"] = _stats(grad.data) if grad is not None else None
        out["gh"] = heat_map(grad.data) if grad is not None else None
        out["f"] = list(desc.fields)
        labels = list(desc.edge_labels) + [None] * (len(parents) - len(desc.edge_labels))
        out["e"] = labels[: len(parents)]
    return out
