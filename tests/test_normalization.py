"""Local response normalisation (against PyTorch) and local contrast normalisation
(against a pixel-by-pixel NumPy transcription of the formulas, and its invariances);
first- and second-order gradient checks for both."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import autograd as ag
from autograd import Tensor
from nn.functional.normalization import (
    gaussian_window,
    local_contrast_norm,
    local_response_norm,
)
from nn.layers.normalization import LocalContrastNorm, LocalResponseNorm

F64 = np.float64


def t64(a: Any, requires_grad: bool = True) -> Tensor:
    return Tensor(np.array(a, dtype=F64), requires_grad=requires_grad)


# ---------------------------------------------------------------- local response norm
@pytest.mark.parametrize("shape", [(2, 7, 4, 3), (3, 6, 5), (2, 5, 3, 2, 2), (1, 3, 2, 2)])
@pytest.mark.parametrize("size", [1, 2, 3, 4, 5, 8])
def test_lrn_matches_torch(torch: Any, shape: tuple, size: int) -> None:
    rng = np.random.default_rng(size)
    x = rng.normal(scale=3.0, size=shape)
    w = rng.normal(size=shape)  # a random weighting of the output: checks w^T J
    params = dict(alpha=0.3, beta=0.6, k=1.5)
    ours = t64(x)
    y = local_response_norm(ours, size, **params)
    (y * w).sum().backward()
    theirs = torch.tensor(x, requires_grad=True)
    ty = torch.nn.functional.local_response_norm(theirs, size, **params)
    (ty * torch.tensor(w)).sum().backward()
    np.testing.assert_allclose(y.data, ty.detach().numpy(), rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(ours.grad.data, theirs.grad.numpy(), rtol=1e-10, atol=1e-13)


def test_lrn_defaults_and_module_match_torch(torch: Any) -> None:
    x = np.random.default_rng(0).normal(scale=20.0, size=(2, 6, 3, 3))
    layer, ref = LocalResponseNorm(3), torch.nn.LocalResponseNorm(3)
    np.testing.assert_allclose(
        layer(t64(x)).data, ref(torch.tensor(x)).numpy(), rtol=1e-12, atol=1e-14
    )
    assert repr(layer) == repr(ref)
    assert list(layer.parameters()) == [] and len(layer.state_dict()) == 0


def test_lrn_formula_by_hand() -> None:
    """b_c = a_c (k + α/n Σ_{c' in window} a_c'²)^-β with zeros beyond the channels."""
    x = np.arange(1.0, 5.0).reshape(1, 4, 1, 1)  # channels 1, 2, 3, 4
    size, alpha, beta, k = 3, 0.5, 0.75, 2.0
    y = local_response_norm(t64(x, False), size, alpha, beta, k).data.ravel()
    squares = np.array([0.0, 1, 4, 9, 16, 0.0])  # one zero channel on each side
    sums = np.array([squares[c : c + 3].sum() for c in range(4)])
    np.testing.assert_allclose(y, x.ravel() * (k + alpha / size * sums) ** -beta)


def test_lrn_gradcheck_and_gradgradcheck() -> None:
    x = t64(np.random.default_rng(1).normal(size=(2, 5, 2, 3)))
    for size in (2, 3):

        def fn(x: Tensor, size: int = size) -> Tensor:
            return local_response_norm(x, size, alpha=0.5, beta=0.75, k=1.0)

        assert ag.gradcheck(fn, x)
        assert ag.gradgradcheck(fn, x)


def test_lrn_errors() -> None:
    with pytest.raises(ValueError, match=r"local_response_norm.*\(4, 5\)"):
        local_response_norm(t64(np.ones((4, 5))), 3)
    with pytest.raises(ValueError, match="size"):
        local_response_norm(t64(np.ones((1, 4, 5))), 0)
    with pytest.raises(TypeError, match="size must be an int"):  # as every int argument
        LocalResponseNorm(2.5)  # type: ignore[arg-type]


# ---------------------------------------------------------------- local contrast norm
def _reference_lcn(
    x: np.ndarray, size: int, sigma: float | None, eps: float, subtractive_only: bool, variance: str
) -> np.ndarray:
    """The formulas pixel by pixel for one (C, H, W) image, reflect padding, channels
    pooled (Jarrett et al.)."""
    w = gaussian_window(size, sigma)
    r = size // 2
    channels, height, width = x.shape

    def local(a: np.ndarray) -> np.ndarray:  # Σ_pq w_pq a_{i+p, j+q}, a of shape (H, W)
        padded = np.pad(a, r, mode="reflect")
        out = np.zeros_like(a)
        for i in range(height):
            for j in range(width):
                out[i, j] = np.sum(w * padded[i : i + size, j : j + size])
        return out

    mean = local(x.mean(axis=0))
    v = x - mean
    if subtractive_only:
        return v
    if variance == "jarrett":
        var = local((v**2).mean(axis=0))
    else:
        var = local((x**2).mean(axis=0)) - mean**2
    sigma_map = np.sqrt(np.maximum(var, eps**2))
    c = sigma_map.mean()
    return v / np.maximum(c, sigma_map)


@pytest.mark.parametrize("variance", ["jarrett", "local"])
@pytest.mark.parametrize("subtractive_only", [False, True])
def test_lcn_matches_pixelwise_formulas(variance: str, subtractive_only: bool) -> None:
    x = np.random.default_rng(2).normal(size=(2, 3, 7, 6))
    y = local_contrast_norm(
        t64(x, False), size=5, sigma=1.3, variance=variance, subtractive_only=subtractive_only
    )
    for n in range(2):
        ref = _reference_lcn(x[n], 5, 1.3, 1e-4, subtractive_only, variance)
        np.testing.assert_allclose(y.data[n], ref, rtol=1e-12, atol=1e-12)


def test_gaussian_window() -> None:
    w = gaussian_window(9)
    assert w.shape == (9, 9) and np.isclose(w.sum(), 1.0)
    np.testing.assert_allclose(w, w.T)
    np.testing.assert_allclose(w, w[::-1, ::-1])
    assert w[4, 4] == w.max()
    # default sigma = (size - 1)/4: the edge weight is e^{-2} of the centre's along an axis
    np.testing.assert_allclose(w[4, 0] / w[4, 4], np.exp(-2.0))


def _smooth_image(shape: tuple, offset: float) -> np.ndarray:
    """offset + a slow sinusoidal pattern, the same in every channel."""
    channels, height, width = shape
    i, j = np.meshgrid(np.arange(height), np.arange(width), indexing="ij")
    img = offset + np.sin(2 * np.pi * i / 80) * np.cos(2 * np.pi * j / 100)
    return np.broadcast_to(img, shape).copy()


def test_subtractive_removes_the_local_mean() -> None:
    """On a smooth image the output's own local mean is ~0: what is left is of the order
    of (σω)² times the pattern's amplitude, far below the input's local mean of ~5."""
    x = _smooth_image((2, 32, 32), offset=5.0)

    def local_mean(a: np.ndarray) -> np.ndarray:  # z̄ = a − v
        return a - local_contrast_norm(t64(a, False), size=9, subtractive_only=True).data

    y = local_contrast_norm(t64(x, False), size=9, subtractive_only=True).data
    assert np.abs(local_mean(x)).min() > 4.0
    assert np.abs(local_mean(y)).max() < 0.01 * np.abs(local_mean(x)).min()


def test_subtractive_is_exactly_zero_on_a_plane() -> None:
    """A Gaussian average of a linear ramp is the ramp itself (the window is symmetric):
    z̄ = x away from the border, so v = 0 there."""
    i, j = np.meshgrid(np.arange(12.0), np.arange(11.0), indexing="ij")
    x = np.stack([3.0 + 0.5 * i - 0.2 * j] * 2)
    y = local_contrast_norm(t64(x, False), size=5, subtractive_only=True).data
    np.testing.assert_allclose(y[:, 2:-2, 2:-2], 0.0, atol=1e-12)


@pytest.mark.parametrize("padding_mode", ["reflect", "replicate"])
@pytest.mark.parametrize(
    "kwargs", [{}, {"subtractive_only": True}, {"variance": "local"}, {"across_channels": False}]
)
def test_lcn_invariant_to_adding_a_constant(padding_mode: str, kwargs: dict) -> None:
    x = np.random.default_rng(3).normal(size=(2, 3, 10, 9))
    y = local_contrast_norm(t64(x, False), size=5, padding_mode=padding_mode, **kwargs)
    y_shift = local_contrast_norm(t64(x + 7.5, False), size=5, padding_mode=padding_mode, **kwargs)
    np.testing.assert_allclose(y_shift.data, y.data, atol=1e-10)


def test_lcn_zero_padding_invariant_only_inside() -> None:
    x = np.random.default_rng(4).normal(size=(1, 2, 12, 12))
    y = local_contrast_norm(t64(x, False), 5, padding_mode="zeros", subtractive_only=True)
    y_shift = local_contrast_norm(
        t64(x + 3.0, False), 5, padding_mode="zeros", subtractive_only=True
    )
    np.testing.assert_allclose(y_shift.data[..., 2:-2, 2:-2], y.data[..., 2:-2, 2:-2], atol=1e-12)
    assert np.abs(y_shift.data - y.data).max() > 0.1  # the border sees the zeros


@pytest.mark.parametrize("scale", [0.2, 3.7])
def test_divisive_invariant_to_scaling(scale: float) -> None:
    """v, σ and c all scale by a > 0, so v / max(c, σ) does not change -- both where
    σ > c and where the floor c takes over."""
    x = np.random.default_rng(5).normal(size=(2, 3, 10, 10))
    x[:, :, :4, :4] *= 0.05  # a low-contrast corner: there σ < c
    y = local_contrast_norm(t64(x, False), size=5)
    y_scaled = local_contrast_norm(t64(scale * x, False), size=5)
    np.testing.assert_allclose(y_scaled.data, y.data, rtol=1e-10, atol=1e-12)


def test_divisive_does_not_amplify_flat_regions() -> None:
    """Where σ < c the output is v / c: a faint region stays faint, a contrasty one is
    normalised to unit spread."""
    rng = np.random.default_rng(6)
    x = rng.normal(size=(1, 1, 16, 32))
    x[..., :16] *= 0.01  # left half nearly flat
    y = local_contrast_norm(t64(x, False), size=5).data
    left, right = y[..., 3:-3, 3:13], y[..., 3:-3, 19:-3]
    assert left.std() < 0.05 and 0.5 < right.std() < 2.0


def test_lcn_constant_image_is_finite() -> None:
    x = t64(np.full((1, 2, 6, 6), 4.0))
    y = local_contrast_norm(x, size=3)
    y.sum().backward()
    # (v is round-off, ~1e-16, divided by the floor c = eps)
    np.testing.assert_allclose(y.data, 0.0, atol=1e-9)
    assert np.all(np.isfinite(x.grad.data))


@pytest.mark.parametrize(
    "kwargs",
    [
        {},
        {"subtractive_only": True},
        {"variance": "local"},
        {"across_channels": False, "padding_mode": "zeros"},
        {"padding_mode": "replicate"},
    ],
)
def test_lcn_gradcheck_and_gradgradcheck(kwargs: dict) -> None:
    x = t64(np.random.default_rng(7).normal(size=(2, 2, 5, 6)))

    def fn(x: Tensor) -> Tensor:
        return local_contrast_norm(x, size=3, sigma=1.0, **kwargs)

    assert ag.gradcheck(fn, x)
    assert ag.gradgradcheck(fn, x)


def test_lcn_unbatched_layer_and_dtype() -> None:
    x = np.random.default_rng(8).normal(size=(3, 8, 8)).astype(np.float32)
    layer = LocalContrastNorm(size=5, sigma=1.5)
    y = layer(Tensor(x))
    assert y.shape == (3, 8, 8) and y.dtype == np.float32
    np.testing.assert_allclose(y.data, layer(Tensor(x[None])).data[0], rtol=1e-6)
    assert list(layer.parameters()) == []
    assert repr(layer) == "LocalContrastNorm(5, sigma=1.5, eps=0.0001)"
    assert "subtractive_only=True" in repr(LocalContrastNorm(subtractive_only=True))


def test_lcn_errors() -> None:
    with pytest.raises(ValueError, match=r"local_contrast_norm.*\(8, 8\)"):
        local_contrast_norm(t64(np.ones((8, 8))))
    with pytest.raises(ValueError, match=r"\(1, 1, 1, 8, 8\)"):
        local_contrast_norm(t64(np.ones((1, 1, 1, 8, 8))))
    with pytest.raises(ValueError, match="odd"):
        local_contrast_norm(t64(np.ones((1, 8, 8))), size=4)
    with pytest.raises(ValueError, match="sigma"):
        LocalContrastNorm(sigma=0.0)
    with pytest.raises(ValueError, match="padding_mode"):
        LocalContrastNorm(padding_mode="circular")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="variance"):
        LocalContrastNorm(variance="std")
