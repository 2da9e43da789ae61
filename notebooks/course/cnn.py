"""Helpers for the convolutional-network notebooks 06a–06c (CURRICULUM §4 and §7).

The plumbing lives here so the notebook cells show only the topic: drawing a grid of
numbers, a derivative read off ``backward()``, a timer, PyTorch when it is installed, a
receptive field measured by backprop, and the exercise checks (each checks a property of
the learner's answer, not a stored solution).

The seminar's worked examples are kept here as data (``SEMINAR_*``): the printed results
of its convolution and pooling slides. Its 5×5 image, 3×3 filter and 4×4 pooling input are
*not* in this repository; ``check_seminar_convolution`` lets a learner who has the slide
type them in and see the corrected value.

Every message is written in English and Japanese (``say``): the Japanese notebooks
(notebooks/ja/, which call ``viz.set_language("ja")``) print the Japanese one.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import numpy as np

from course.words import say

__all__ = [
    "SEMINAR_CONV",
    "SEMINAR_CONV_SLIDE",
    "SEMINAR_POOL_MAX",
    "SEMINAR_POOL_AVG",
    "single_thread",
    "timed",
    "torch_or_none",
    "conv_by_hand",
    "show_grid",
    "derivative",
    "receptive_field",
    "check_seminar_convolution",
    "check_output_size",
    "check_pool_backward",
    "check_sigmoid_derivative",
    "check_conv_params",
    "check_receptive_field",
]

# ----------------------------------------------------------------- the seminar's numbers

#: the seminar's 5×5 image ⊛ 3×3 filter, as deltagrad (and PyTorch, and the hand sum) give it
SEMINAR_CONV = np.array([[26.0, 6.0, -6.0], [0.0, -4.0, 8.0], [24.0, -8.0, -4.0]])
#: the same result as printed on the slide: row 3, column 2 (index [2, 1]) reads −14
SEMINAR_CONV_SLIDE = np.array([[26.0, 6.0, -6.0], [0.0, -4.0, 8.0], [24.0, -14.0, -4.0]])
#: the seminar's 2×2 max pooling and average pooling (stride 2) of a 4×4 map
SEMINAR_POOL_MAX = np.array([[6.0, 7.0], [8.0, 6.0]])
SEMINAR_POOL_AVG = np.array([[3.25, 2.25], [3.5, 2.5]])

# ----------------------------------------------------------------------------- plumbing


def single_thread() -> None:
    """Pin BLAS to one thread (the course machines share a few cores between learners).

    Uses threadpoolctl when it is installed; otherwise the environment variables only
    reach libraries loaded after this call.
    """
    for var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ.setdefault(var, "1")
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:  # optional: the notebooks run without it
        return
    threadpool_limits(1)


class _Timer:
    seconds: float = 0.0


@contextmanager
def timed() -> Iterator[_Timer]:
    """``with timed() as t: ...`` then ``t.seconds`` is the wall-clock time of the block."""
    t = _Timer()
    start = time.perf_counter()
    try:
        yield t
    finally:
        t.seconds = time.perf_counter() - start


def torch_or_none() -> Any:
    """PyTorch if it is installed, else None (the notebooks run without it)."""
    try:
        import torch
    except ImportError:
        return None
    return torch


def conv_by_hand(z: np.ndarray, h: np.ndarray, stride: int = 1) -> np.ndarray:
    """u_ij = Σ_pq z[S·i + p, S·j + q] h[p, q], as two plain loops (the textbook's formula)."""
    z, h = np.asarray(z, dtype=np.float64), np.asarray(h, dtype=np.float64)
    kh, kw = h.shape
    rows, cols = (z.shape[0] - kh) // stride + 1, (z.shape[1] - kw) // stride + 1
    u = np.zeros((rows, cols))
    for i in range(rows):
        for j in range(cols):
            u[i, j] = np.sum(z[stride * i : stride * i + kh, stride * j : stride * j + kw] * h)
    return u


# ----------------------------------------------------------------------------- pictures


def show_grid(ax, a, title: str, box=None, fmt: str = "{:g}", cmap: str = "Blues",
              centred: bool = False) -> None:
    """Draw the 2-D array ``a`` as coloured cells with their numbers.

    ``box`` = (row, column, height, width) draws a red frame around a block of cells (a
    list of such tuples draws several);
    ``centred`` uses a diverging colour map with 0 white.
    """
    from matplotlib.patches import Rectangle  # only the notebooks draw

    a = np.asarray(a, dtype=float)
    if centred:
        top = max(np.abs(a).max(), 1e-9)
        ax.imshow(a, cmap=cmap, vmin=-top, vmax=top)
        dark = np.abs(a) > 0.6 * top
    else:
        ax.imshow(a, cmap=cmap, vmin=min(a.min(), 0), vmax=max(a.max(), 1e-9))
        dark = a > a.min() + 0.6 * (a.max() - a.min())
    for (i, j), v in np.ndenumerate(a):
        ax.text(j, i, fmt.format(v), ha="center", va="center", fontsize=10,
                color="white" if dark[i, j] else "black")
    boxes = [] if box is None else [box] if np.ndim(box) == 1 else box
    for r, c, hh, ww in boxes:
        ax.add_patch(Rectangle((c - 0.5, r - 0.5), ww, hh, fill=False, ec="red", lw=2.5))
    ax.set_title(title, fontsize=10)
    ax.set_xticks([])
    ax.set_yticks([])


# ----------------------------------------------------------------------------- autograd helpers


def derivative(f: Callable[[Any], Any], u: np.ndarray) -> np.ndarray:
    """f'(u) elementwise, read off ``backward()``: for L = Σ_i f(u_i), ∂L/∂u_i = f'(u_i).

    ``f`` maps a Tensor to a Tensor of the same shape (an activation).
    """
    from autograd import Tensor

    x = Tensor(np.asarray(u, dtype=np.float64), requires_grad=True)
    f(x).sum().backward()
    return x.grad.data.copy()


def receptive_field(layers: Callable[[Any], Any], size: int, row: int, col: int) -> np.ndarray:
    """Which pixels of a blank size×size input output pixel (row, col) depends on.

    Backprop from that one position (all channels) and keep the input pixels whose
    gradient is not 0. Returns a boolean (size, size) mask.
    """
    import autograd
    from autograd import Tensor

    probe = Tensor(np.zeros((1, 1, size, size), dtype=np.float32), requires_grad=True)
    out = layers(probe)
    upstream = np.zeros(out.shape, dtype=np.float32)
    upstream[0, :, row, col] = 1
    (grad_in,) = autograd.grad(out, probe, upstream)
    return grad_in.data[0, 0] != 0


# ----------------------------------------------------------------------------- exercise checks
# Each check prints "not answered yet" for None (so the notebook still runs from top to
# bottom) and raises AssertionError with a hint for a wrong answer. ``name`` is the
# exercise's name, already in the notebook's language.


def _unanswered(name: str, *answers: object) -> bool:
    if any(a is None for a in answers):
        print(say(f"{name}: not answered yet — replace None with your answer and run the cell "
                  "again.",
                  f"{name}: まだ解答されていない — None を自分の答えで置き換えて、"
                  "セルをもう一度実行せよ。"))
        return True
    return False


def check_seminar_convolution(image: Any, kernel: Any) -> None:
    """The seminar's slide, typed in: ``image`` (5×5) ⊛ ``kernel`` (3×3) by hand, by
    deltagrad and (if installed) by PyTorch must give SEMINAR_CONV — and so −8, not the
    slide's −14, at row 3, column 2."""
    if _unanswered(say("The seminar's slide", "ゼミのスライド"), image, kernel):
        return
    import nn.functional as F
    from autograd import Tensor

    z, h = np.asarray(image, dtype=np.float64), np.asarray(kernel, dtype=np.float64)
    if z.shape != (5, 5) or h.shape != (3, 3):
        raise AssertionError(say(
            f"the slide's image is 5×5 and its filter 3×3, got {z.shape} and {h.shape}",
            f"スライドの画像は 5×5、フィルタは 3×3 であるが、{z.shape} と {h.shape} が渡された"
        ))
    by_hand = conv_by_hand(z, h)
    ours = F.conv2d(Tensor(z[None, None]), Tensor(h[None, None])).data[0, 0]
    assert np.array_equal(ours, by_hand), say("deltagrad and the hand sum disagree",
                                              "deltagrad と手計算の和が一致しない")
    torch = torch_or_none()
    if torch is not None:
        zt, ht = torch.tensor(z[None, None]), torch.tensor(h[None, None])
        theirs = torch.nn.functional.conv2d(zt, ht)
        assert np.array_equal(theirs.numpy()[0, 0], by_hand), say(
            "PyTorch and the hand sum disagree", "PyTorch と手計算の和が一致しない")
    off = np.argwhere(by_hand != SEMINAR_CONV)
    if len(off):
        where = [(int(i) + 1, int(j) + 1) for i, j in off]
        raise AssertionError(say(
            f"your image and filter give\n{by_hand}\nwhich differs from the seminar's result at "
            f"(row, column) {where} (counting from 1) — check the numbers you typed",
            f"入力した画像とフィルタからは\n{by_hand}\nが得られ、ゼミの結果と (行, 列) "
            f"{where} (1 から数える) で異なる — 入力した数値を確かめよ"
        ))
    row3col2, slide = f"{by_hand[2, 1]:g}", f"{SEMINAR_CONV_SLIDE[2, 1]:g}"
    print(say(f"The seminar's slide: correct — row 3, column 2 is {row3col2} (the slide "
              f"prints {slide}); checked by hand, by deltagrad"
              + (" and by PyTorch." if torch is not None else " (PyTorch is not installed)."),
              f"ゼミのスライド: 正解 — 3 行 2 列は {row3col2} である (スライドでは "
              f"{slide})。手計算、deltagrad"
              + ("、PyTorch で確かめた。" if torch is not None
                 else " で確かめた (PyTorch はインストールされていない)。")))


def check_output_size(sizes: Any) -> None:
    """Output sizes: the output sizes of a 32×32 input for (H, P, S) = (5, 0, 1), (3, 1, 1),
    (3, 1, 2), (4, 0, 2), (7, 3, 2) — compared with ``nn.Conv2d``."""
    if _unanswered(say("Output sizes", "出力サイズ"), sizes):
        return
    import nn
    from autograd import Tensor

    cases = [(5, 0, 1), (3, 1, 1), (3, 1, 2), (4, 0, 2), (7, 3, 2)]
    sizes = list(sizes)
    if len(sizes) != len(cases):
        raise AssertionError(say(
            f"Output sizes: give {len(cases)} sizes, one per case, got {len(sizes)}",
            f"出力サイズ: 場合ごとに 1 つずつ {len(cases)} 個のサイズを答えよ "
            f"({len(sizes)} 個が渡された)"
        ))
    x = Tensor(np.zeros((1, 1, 32, 32), dtype=np.float32))
    for (hk, p, s), got in zip(cases, sizes):
        want = nn.Conv2d(1, 1, hk, stride=s, padding=p, rng=0)(x).shape[-1]
        if got != want:
            raise AssertionError(say(
                f"Output sizes: for H={hk}, P={p}, S={s} the output is {want} wide, "
                f"you wrote {got} — use ⌊(W − H + 2P)/S⌋ + 1",
                f"出力サイズ: H={hk}, P={p}, S={s} では出力の幅は {want} であるが、"
                f"答えは {got} — ⌊(W − H + 2P)/S⌋ + 1 を使え"
            ))
    print(say("Output sizes: correct — every size agrees with nn.Conv2d.",
              "出力サイズ: 正解 — どのサイズも nn.Conv2d と一致する。"))


def check_pool_backward(z: np.ndarray, upstream: np.ndarray, grad: Any) -> None:
    """``grad`` = ∂L/∂z of L = Σ upstream ⊙ maxpool2×2(z), worked out without backward()."""
    if _unanswered(say("Max-pooling backward", "最大プーリングの逆伝播"), grad):
        return
    import nn.functional as F
    from autograd import Tensor

    x = Tensor(np.asarray(z, dtype=np.float64)[None, None], requires_grad=True)
    F.max_pool2d(x, 2).backward(np.asarray(upstream, dtype=np.float64)[None, None])
    want = x.grad.data[0, 0]
    grad = np.asarray(grad, dtype=np.float64)
    if grad.shape != want.shape or not np.array_equal(grad, want):
        raise AssertionError(say(
            "Max-pooling backward: not the max-pooling gradient — each window's upstream "
            "value goes to its largest entry only, every other entry gets 0",
            "最大プーリングの逆伝播: 最大プーリングの勾配になっていない — 各窓の上流から来る"
            "勾配はその窓の最大値の位置だけに渡り、ほかの要素はすべて 0 を受け取る"
        ))
    print(say("Max-pooling backward: correct — the gradient went to the arg-max of each window.",
              "最大プーリングの逆伝播: 正解 — 勾配は各窓の最大値の位置 (arg-max) に渡った。"))


def check_sigmoid_derivative(fprime: Callable[[np.ndarray], np.ndarray] | None) -> None:
    """σ'(u): ``fprime(u)`` = σ'(u) written with σ only, checked against backward()."""
    if _unanswered("σ'(u)", fprime):
        return
    u = np.linspace(-6, 6, 49)
    want = derivative(lambda t: t.sigmoid(), u)
    got = np.asarray(fprime(u), dtype=np.float64)
    if got.shape != want.shape or not np.allclose(got, want, rtol=1e-10, atol=1e-12):
        raise AssertionError(say("σ'(u): not σ'(u) — differentiate 1/(1 + e^(−u)) and write "
                                 "the result with σ(u) itself",
                                 "σ'(u): σ'(u) になっていない — 1/(1 + e^(−u)) を微分し、"
                                 "結果を σ(u) 自身を使って書け"))
    print(say("σ'(u): correct — σ'(u) = σ(u)(1 − σ(u)) agrees with backward().",
              "σ'(u): 正解 — σ'(u) = σ(u)(1 − σ(u)) は backward() と一致する。"))


def check_conv_params(n_params: int | None) -> None:
    """The number of parameters of ``nn.Conv2d(3, 16, 5)``: M·K·H² + M."""
    if _unanswered(say("Parameters of Conv2d(3, 16, 5)", "Conv2d(3, 16, 5) のパラメータ数"),
                   n_params):
        return
    import nn

    want = sum(p.numel() for p in nn.Conv2d(3, 16, 5, rng=0).parameters())
    if n_params != want:
        raise AssertionError(say(
            f"Parameters of Conv2d(3, 16, 5): not {n_params} — count M·K·H·H weights "
            "(16 filters, each spanning 3 channels of 5×5) plus one bias per filter",
            f"Conv2d(3, 16, 5) のパラメータ数: {n_params} ではない — M·K·H·H 個の重み "
            "(16 個のフィルタがそれぞれ 5×5 の 3 チャネルにまたがる) に、フィルタごとに 1 つの"
            "バイアスを加えて数えよ"
        ))
    print(say(f"Parameters of Conv2d(3, 16, 5): correct — {want}.",
              f"Conv2d(3, 16, 5) のパラメータ数: 正解 — {want}。"))


def check_receptive_field(side: int | None) -> None:
    """The receptive field of two stacked 3×3 convolutions (stride 1, no pooling) is
    ``side`` × ``side`` pixels — measured by backprop with ``receptive_field``."""
    if _unanswered(say("Receptive field", "受容野"), side):
        return
    import nn

    rng = np.random.default_rng(0)
    stack = nn.Sequential(nn.Conv2d(1, 4, 3, rng=rng), nn.Conv2d(4, 4, 3, rng=rng))
    field = receptive_field(stack, 16, 6, 6)
    rows, cols = np.nonzero(field)
    want = int(rows.max() - rows.min() + 1)
    if side != want or int(cols.max() - cols.min() + 1) != want:
        raise AssertionError(say(
            f"Receptive field: not {side}×{side} — each 3×3 layer adds one pixel on every side "
            "of the field of the layer above",
            f"受容野: {side}×{side} ではない — 3×3 の層を 1 つ重ねるごとに、上の層の受容野の"
            "四方に 1 画素ずつ加わる"
        ))
    print(say(f"Receptive field: correct — {want}×{want}, as backprop measures it.",
              f"受容野: 正解 — 逆伝播で測ったとおり {want}×{want} である。"))
