"""Scalar (Value-level) convolution and pooling: the numbers against NumPy loops and the
Tensor conv2d, the gradients against their closed forms, and the drawing."""

from __future__ import annotations

import numpy as np
import pytest

from autograd import Value, no_grad
from nn.scalar.conv import as_values, avg_pool2d, conv2d, grads, max_pool2d, to_array

# the classic 5x5 binary image and 3x3 "X" filter; their cross-correlation is known
IMAGE = np.array(
    [
        [1, 1, 1, 0, 0],
        [0, 1, 1, 1, 0],
        [0, 0, 1, 1, 1],
        [0, 0, 1, 1, 0],
        [0, 1, 1, 0, 0],
    ],
    dtype=float,
)
FILTER = np.array([[1, 0, 1], [0, 1, 0], [1, 0, 1]], dtype=float)
EXPECTED = np.array([[4, 3, 4], [2, 4, 3], [2, 3, 4]], dtype=float)


def numpy_conv(z: np.ndarray, h: np.ndarray, stride: int = 1, padding: int = 0) -> np.ndarray:
    """u_ij = Σ_pq z_{S i + p, S j + q} h_pq on the zero-padded image, as a double loop."""
    z = np.pad(z, padding)
    kh, kw = h.shape
    out = np.zeros(((z.shape[0] - kh) // stride + 1, (z.shape[1] - kw) // stride + 1))
    for i in range(out.shape[0]):
        for j in range(out.shape[1]):
            out[i, j] = np.sum(z[i * stride : i * stride + kh, j * stride : j * stride + kw] * h)
    return out


def total(grid: list) -> Value:
    return sum((v for row in grid for v in row), Value(0.0))


def test_textbook_example() -> None:
    u = conv2d(IMAGE, FILTER)
    np.testing.assert_array_equal(to_array(u), EXPECTED)
    np.testing.assert_array_equal(numpy_conv(IMAGE, FILTER), EXPECTED)


@pytest.mark.parametrize("stride,padding", [(1, 0), (2, 0), (1, 1), (2, 1), (3, 2)])
def test_matches_numpy_loop_and_tensor_conv2d(stride: int, padding: int) -> None:
    rng = np.random.default_rng(stride + 10 * padding)
    z, h = rng.normal(size=(6, 5)), rng.normal(size=(3, 2))
    u = to_array(conv2d(z, h, bias=0.5, stride=stride, padding=padding))
    np.testing.assert_allclose(u, numpy_conv(z, h, stride, padding) + 0.5, rtol=1e-12)
    try:
        from nn.functional.conv import conv2d as tensor_conv2d
    except ImportError:
        pytest.skip("nn.functional.conv2d is not available")
    from autograd import Tensor

    ref = tensor_conv2d(
        Tensor(z[None, None]),
        Tensor(h[None, None]),
        Tensor(np.array([0.5])),
        stride=stride,
        padding=padding,
    )
    np.testing.assert_allclose(u, ref.data[0, 0], rtol=1e-12)


def test_gradients_closed_forms() -> None:
    """L = Σ_ij u_ij: ∂L/∂h_pq is the sum of the image patch h_pq slid over, ∂L/∂z_rc
    the sum of the filter entries that landed on pixel (r, c)."""
    rng = np.random.default_rng(0)
    z_np, h_np = rng.normal(size=(5, 6)), rng.normal(size=(3, 3))
    z, h, b = as_values(z_np, "z"), as_values(h_np, "h"), Value(0.1, label="b")
    u = conv2d(z, h, bias=b)
    total(u).backward()
    ho, wo = 3, 4
    patch_sums = np.array(
        [[z_np[p : p + ho, q : q + wo].sum() for q in range(3)] for p in range(3)]
    )
    np.testing.assert_allclose(grads(h), patch_sums, rtol=1e-12)
    touched = np.zeros_like(z_np)
    for p in range(3):
        for q in range(3):
            touched[p : p + ho, q : q + wo] += h_np[p, q]  # h_pq lands on these pixels
    np.testing.assert_allclose(grads(z), touched, rtol=1e-12)
    assert b.grad == ho * wo
    # the textbook image: each filter weight's gradient counts the ones it slid over
    h2 = as_values(FILTER, "h")
    total(conv2d(IMAGE, h2)).backward()
    ones_under = [[IMAGE[p : p + 3, q : q + 3].sum() for q in range(3)] for p in range(3)]
    np.testing.assert_array_equal(grads(h2), ones_under)


def test_weighted_loss_gradient_is_correlation_with_upstream() -> None:
    rng = np.random.default_rng(1)
    z_np, h_np, g = rng.normal(size=(4, 4)), rng.normal(size=(2, 2)), rng.normal(size=(3, 3))
    z, h = as_values(z_np, "z"), as_values(h_np, "h")
    u = conv2d(z, h)
    sum((float(g[i, j]) * u[i][j] for i in range(3) for j in range(3)), Value(0.0)).backward()
    # ∂L/∂h = z ⋆ g (the weight gradient is a correlation of the input with δ)
    np.testing.assert_allclose(grads(h), numpy_conv(z_np, g), rtol=1e-12)


def test_labels_and_given_values_kept() -> None:
    w = Value(2.0, label="w")
    u = conv2d([[1.0, 2.0], [3.0, 4.0]], [[w]])
    assert u[1][0].label == "u[1,0]" and u[1][0].data == 6.0
    node = u[0][1]
    assert {p.label for p in node.parents} == {"z[0,1]", "w"}
    total(u).backward()
    assert w.grad == 10.0


def test_draw_graph_shows_the_nine_weights() -> None:
    viz = pytest.importorskip("viz")
    u = conv2d(IMAGE, FILTER)
    u[1][2].backward()
    source = viz.draw_graph(u[1][2]).source
    for p in range(3):
        for q in range(3):
            assert f"h[{p},{q}]" in source
            assert f"z[{1 + p},{2 + q}]" in source  # the patch under the filter
    assert "z[0,0]" not in source  # pixels outside the receptive field are not drawn


def test_max_pool_routes_gradient_to_argmax() -> None:
    x_np = np.array([[1, 5, 2, 0], [3, 4, 8, 1], [0, 2, 6, 7], [9, 1, 3, 2]], dtype=float)
    x = as_values(x_np, "x")
    m = max_pool2d(x, 2)
    np.testing.assert_array_equal(to_array(m), [[5, 8], [9, 7]])
    upstream = np.array([[10.0, 20.0], [30.0, 40.0]])
    sum(
        (float(upstream[i, j]) * m[i][j] for i in range(2) for j in range(2)), Value(0.0)
    ).backward()
    expected = np.zeros((4, 4))
    expected[0, 1], expected[1, 2], expected[3, 0], expected[2, 3] = 10, 20, 30, 40
    np.testing.assert_array_equal(grads(x), expected)


def test_max_pool_ties_and_strides() -> None:
    x = as_values(np.ones((3, 3)), "x")
    m = max_pool2d(x, 2, stride=1)  # overlapping windows
    assert to_array(m).shape == (2, 2)
    total(m).backward()
    # every window is a tie: the first entry of each window wins
    np.testing.assert_array_equal(grads(x), [[1, 1, 0], [1, 1, 0], [0, 0, 0]])
    single = max_pool2d([[3.0]], 1)
    assert single[0][0].data == 3.0 and single[0][0].op == "max"


def test_avg_pool() -> None:
    x_np = np.arange(16.0).reshape(4, 4)
    x = as_values(x_np, "x")
    a = avg_pool2d(x, 2)
    np.testing.assert_allclose(to_array(a), x_np.reshape(2, 2, 2, 2).mean(axis=(1, 3)))
    total(a).backward()
    np.testing.assert_allclose(grads(x), np.full((4, 4), 0.25))
    assert to_array(avg_pool2d(x_np, (2, 4))).shape == (2, 1)


def test_helpers_and_no_grad() -> None:
    v = as_values(np.zeros((2, 3)), "k")
    assert v[1][2].label == "k[1,2]" and len(v) == 2 and len(v[0]) == 3
    assert as_values([1.0, 2.0], "b")[1].label == "b[1]"
    assert grads(v).shape == (2, 3) and to_array(v).dtype == np.float64
    with no_grad():
        u = conv2d(IMAGE, FILTER)
    assert u[0][0].parents == () and u[0][0].data == 4.0


def test_errors() -> None:
    with pytest.raises(ValueError, match="does not fit"):
        conv2d(np.ones((2, 2)), np.ones((3, 3)))
    with pytest.raises(ValueError, match=r"2-D.*\(5,\)"):
        conv2d(np.ones(5), np.ones((1, 1)))
    with pytest.raises(ValueError, match="rectangular"):
        conv2d([[1.0, 2.0], [3.0]], [[1.0]])
    with pytest.raises(ValueError, match="stride"):
        conv2d(IMAGE, FILTER, stride=0)
    with pytest.raises(ValueError, match="does not fit"):
        max_pool2d(np.ones((1, 3)), 2)
    with pytest.raises(ValueError):
        as_values(3.0, "x")
