"""Convolution and pooling on small grids of scalar ``Value`` nodes, for drawing.

Every multiply of a convolution is a node here, so a learner can draw one output pixel
and see the nine weights ``h[p,q]`` that fed it, and check by hand where backprop sends
the gradient. Slow by design; ``nn.functional.conv2d`` is the Tensor version.

The convolution is the cross-correlation that deep-learning libraries (and the textbook)
call convolution, with stride S and zero padding P::

    u_ij = Σ_{p,q} z_{S·i + p − P, S·j + q − P} h_pq  (+ b),   output ⌊(W − K + 2P)/S⌋ + 1

Backward then gives (for a loss L)::

    ∂L/∂h_pq = Σ_ij ∂L/∂u_ij · z_{S·i + p − P, S·j + q − P}    (the input patch h_pq touched)
    ∂L/∂z_rc = Σ_ij Σ_pq [r, c = S·i + p − P, S·j + q − P] ∂L/∂u_ij · h_pq

Grids are lists of rows (``grid[i][j]``); NumPy arrays and nested lists of floats or
``Value``s are accepted as inputs. Floats become leaves labelled ``z[i,j]`` (image),
``h[p,q]`` (filter) and ``b`` (bias) so drawings are readable; ``Value``s are used as
they are (their labels kept, their gradients accumulated).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from autograd.value import Value

from ..functional._inputs import IntPair, pair

__all__ = ["as_values", "grads", "to_array", "conv2d", "max_pool2d", "avg_pool2d"]

Grid = list[list[Value]]


# ---------------------------------------------------------------- grids
def as_values(array: Any, name: str = "z") -> list:
    """A nested list of leaf ``Value``s labelled ``name[i,j]`` (``name[i]`` for 1-D, any
    rank works), from a NumPy array or nested list of numbers.

    >>> z = as_values([[1, 2], [3, 4]], "z");  z[1][0]
    Value(data=3, grad=0, label='z[1,0]')
    """
    arr = np.asarray(array, dtype=np.float64)
    if arr.ndim == 0:
        raise ValueError(f"as_values: expected an array of at least 1 dimension, got {array!r}")
    out = np.empty(arr.shape, dtype=object)
    for index in np.ndindex(arr.shape):
        out[index] = Value(float(arr[index]), label=f"{name}[{','.join(map(str, index))}]")
    return out.tolist()


def _object_array(grid: Any, who: str) -> np.ndarray:
    arr = np.empty(np.shape(grid) if not isinstance(grid, Value) else (), dtype=object)
    try:
        arr[...] = grid
    except ValueError:
        raise ValueError(f"{who}: expected a rectangular grid of Values") from None
    return arr


def grads(grid: Any) -> np.ndarray:
    """NumPy array of the ``.grad`` of every Value in a (nested-list) grid."""
    arr = _object_array(grid, "grads")
    return np.vectorize(lambda v: float(v.grad), otypes=[np.float64])(arr)


def to_array(grid: Any) -> np.ndarray:
    """NumPy array of the ``.data`` of every entry (Value or number) of a grid."""
    arr = _object_array(grid, "to_array")
    return np.vectorize(
        lambda v: float(v.data if isinstance(v, Value) else v), otypes=[np.float64]
    )(arr)


def _grid(array: Any, name: str, who: str) -> Grid:
    """A 2-D grid of Values: Values kept as they are, numbers made labelled leaves."""
    try:
        shape = np.shape(array)
    except ValueError:  # ragged rows
        raise ValueError(
            f"{who}: {name} must be a rectangular 2-D grid (rows of equal length)"
        ) from None
    if len(shape) != 2 or 0 in shape:
        raise ValueError(f"{who}: {name} must be a non-empty 2-D grid, got shape {shape}")
    return [
        [
            v if isinstance(v, Value) else Value(float(v), label=f"{name}[{i},{j}]")
            for j, v in enumerate(row)
        ]
        for i, row in enumerate(array)
    ]


def _add_all(terms: list[Value]) -> Value:
    """t0 + t1 + ... as a chain of '+' nodes (Python's sum would start with a constant 0)."""
    total = terms[0]
    for t in terms[1:]:
        total = total + t
    return total


# ---------------------------------------------------------------- convolution
def conv2d(
    image: Any,
    kernel: Any,
    bias: Value | float | None = None,
    stride: IntPair = 1,
    padding: IntPair = 0,
    *,
    name: str = "u",
) -> Grid:
    """2-D cross-correlation of a single-channel ``image`` with a ``kernel``, one Value
    node per multiply and add.

    Parameters
    ----------
    image : (H, W) grid of numbers or Values (numbers become leaves ``z[i,j]``)
    kernel : (K_H, K_W) grid of numbers or Values (numbers become leaves ``h[p,q]``)
    bias : number or Value, optional (a number becomes the leaf ``b``)
    stride : int or (int, int)
    padding : int or (int, int), zero padding. A padded pixel would only add 0 · h_pq,
        so those terms are left out of the graph (same values and gradients, less to draw).
    name : label prefix of the outputs (``u[i,j]``)

    Returns
    -------
    list of rows of Values, ``⌊(H − K_H + 2P)/S⌋ + 1`` by ``⌊(W − K_W + 2P)/S⌋ + 1``.
    """
    z = _grid(image, "z", "scalar conv2d")
    h = _grid(kernel, "h", "scalar conv2d")
    (sh, sw), (ph, pw) = pair(stride, "conv2d: stride", 1), pair(padding, "conv2d: padding", 0)
    height, width, kh, kw = len(z), len(z[0]), len(h), len(h[0])
    out_h, out_w = (height - kh + 2 * ph) // sh + 1, (width - kw + 2 * pw) // sw + 1
    if out_h < 1 or out_w < 1:
        raise ValueError(
            f"scalar conv2d: kernel {kh}x{kw} does not fit the image {height}x{width} with "
            f"padding ({ph}, {pw})"
        )
    b = bias if bias is None or isinstance(bias, Value) else Value(float(bias), label="b")
    out: Grid = []
    for i in range(out_h):
        row = []
        for j in range(out_w):
            terms = [
                z[r][c] * h[p][q]
                for p in range(kh)
                for q in range(kw)
                if 0 <= (r := i * sh + p - ph) < height and 0 <= (c := j * sw + q - pw) < width
            ]
            u = _add_all(terms) if terms else Value(0.0)
            if b is not None:
                u = u + b
            u.label = f"{name}[{i},{j}]"
            row.append(u)
        out.append(row)
    return out


# ---------------------------------------------------------------- pooling
def _windows(grid: Any, kernel_size: IntPair, stride: IntPair | None, who: str) -> tuple:
    g = _grid(grid, "z", who)
    kh, kw = pair(kernel_size, f"{who}: kernel_size", 1)
    sh, sw = pair(stride if stride is not None else (kh, kw), f"{who}: stride", 1)
    out_h, out_w = (len(g) - kh) // sh + 1, (len(g[0]) - kw) // sw + 1
    if out_h < 1 or out_w < 1:
        raise ValueError(f"{who}: window {kh}x{kw} does not fit the grid {len(g)}x{len(g[0])}")

    def window(i: int, j: int) -> list[Value]:
        return [g[i * sh + p][j * sw + q] for p in range(kh) for q in range(kw)]

    return window, out_h, out_w


def _max2(a: Value, b: Value) -> Value:
    """max(a, b) as a node whose local derivatives are 1 for the winner and 0 for the
    loser: the gradient goes to the arg-max only. On a tie the first operand wins
    (PyTorch's max pooling also keeps the first maximum of a window)."""
    if a.data >= b.data:
        return Value(a.data, _parents=(a, b), _local=(1.0, 0.0), _op="max")
    return Value(b.data, _parents=(a, b), _local=(0.0, 1.0), _op="max")


def max_pool2d(
    grid: Any, kernel_size: IntPair = 2, stride: IntPair | None = None, *, name: str = "p"
) -> Grid:
    """Max pooling: p_ij = max over the window, built from pairwise ``max`` nodes.

    Backward routes each output's gradient to the arg-max of its window only (the other
    entries' local derivative is 0). ``stride`` defaults to ``kernel_size``.
    """
    window, out_h, out_w = _windows(grid, kernel_size, stride, "scalar max_pool2d")
    out: Grid = []
    for i in range(out_h):
        row = []
        for j in range(out_w):
            cells = window(i, j)
            m = cells[0]
            for v in cells[1:]:
                m = _max2(m, v)
            if m is cells[0]:  # a 1x1 window: still a node of its own, so labelling is safe
                m = Value(m.data, _parents=(m,), _local=(1.0,), _op="max")
            m.label = f"{name}[{i},{j}]"
            row.append(m)
        out.append(row)
    return out


def avg_pool2d(
    grid: Any, kernel_size: IntPair = 2, stride: IntPair | None = None, *, name: str = "p"
) -> Grid:
    """Average pooling: p_ij = (1/|window|) Σ window, so every entry of a window gets
    1/|window| of the output's gradient. ``stride`` defaults to ``kernel_size``."""
    window, out_h, out_w = _windows(grid, kernel_size, stride, "scalar avg_pool2d")
    out: Grid = []
    for i in range(out_h):
        row = []
        for j in range(out_w):
            cells = window(i, j)
            a = _add_all(cells) * (1.0 / len(cells))
            a.label = f"{name}[{i},{j}]"
            row.append(a)
        out.append(row)
    return out
