"""Small data sets: synthetic generators (NumPy only), scikit-learn's bundled digits and a
bundled text corpus for character-level models.

Every generator takes ``random_state`` (an int seed, a ``np.random.Generator`` or None
for the default stream that ``autograd.manual_seed`` seeds) and returns the same arrays
for the same seed. Inputs are float64 NumPy arrays and class
labels int64 NumPy arrays; ``nn.data.DataLoader`` turns them into batches.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from autograd.random import as_generator

__all__ = [
    "make_moons",
    "make_spiral",
    "make_sine_sequences",
    "load_digits",
    "load_corpus",
    "available_corpora",
    "CharVocab",
]

_CORPUS_DIR = Path(__file__).resolve().parent / "corpus"
_CORPORA = {"shakespeare": "tiny_shakespeare.txt"}


def make_moons(
    n_samples: int = 100, noise: float = 0.0, random_state: int | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Two interleaving half circles, the classic non-linearly separable toy problem.

    Returns ``X`` of shape ``(n_samples, 2)`` (float64) and labels ``y`` of shape
    ``(n_samples,)`` (int64, 0 for the upper moon, 1 for the lower one).
    The upper moon is ``(cos t, sin t)``, the lower ``(1 - cos t, 0.5 - sin t)``,
    ``t`` in ``[0, pi]``; Gaussian noise of std ``noise`` is added to both coordinates.
    """
    if n_samples < 2:
        raise ValueError(f"make_moons: n_samples must be >= 2, got {n_samples}")
    rng = as_generator(random_state)
    n_upper = n_samples // 2
    n_lower = n_samples - n_upper
    t_up = np.linspace(0.0, np.pi, n_upper)
    t_lo = np.linspace(0.0, np.pi, n_lower)
    X = np.concatenate(
        [
            np.stack([np.cos(t_up), np.sin(t_up)], axis=1),
            np.stack([1.0 - np.cos(t_lo), 0.5 - np.sin(t_lo)], axis=1),
        ]
    )
    y = np.concatenate([np.zeros(n_upper, dtype=np.int64), np.ones(n_lower, dtype=np.int64)])
    if noise:
        X = X + rng.normal(scale=noise, size=X.shape)
    perm = rng.permutation(n_samples)
    return X[perm], y[perm]


def make_spiral(
    n_per_class: int = 100,
    n_classes: int = 3,
    noise: float = 0.2,
    random_state: Any = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Interleaved spiral arms, one per class (the CS231n toy problem).

    Arm k has points at radius r = linspace(0, 1) and angle
    theta = 4 k + 4 r + noise * N(0, 1), i.e. (r sin theta, r cos theta); each arm turns
    through 4 radians, so neighbouring arms wind around each other and no linear
    classifier can separate them.

    Parameters
    ----------
    n_per_class : int
    n_classes : int
    noise : float
        Standard deviation of the Gaussian noise on the angle (radians).
    random_state : int, Generator or None

    Returns
    -------
    X : np.ndarray, float64, shape (n_per_class * n_classes, 2)
    y : np.ndarray, int64, shape (n_per_class * n_classes,)
        Class k = arm k. Samples are shuffled.
    """
    if n_per_class < 1 or n_classes < 1:
        raise ValueError(
            f"make_spiral: n_per_class and n_classes must be >= 1, got {n_per_class}, {n_classes}"
        )
    rng = as_generator(random_state)
    r = np.tile(np.linspace(0.0, 1.0, n_per_class), n_classes)
    y = np.repeat(np.arange(n_classes, dtype=np.int64), n_per_class)
    theta = 4.0 * y + 4.0 * r + noise * rng.standard_normal(r.shape)
    X = np.stack([r * np.sin(theta), r * np.cos(theta)], axis=1)
    perm = rng.permutation(len(y))
    return X[perm], y[perm]


def make_sine_sequences(
    n_sequences: int = 100,
    seq_len: int = 50,
    noise: float = 0.05,
    freq_range: tuple[float, float] = (0.02, 0.1),
    amplitude: float = 1.0,
    random_state: Any = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Noisy sine waves for next-step prediction with a recurrent network.

    Sequence i is s_t = amplitude * sin(2 pi f_i t + phi_i) + noise * N(0, 1) for
    t = 0 .. seq_len, with frequency f_i ~ U(freq_range) (cycles per time step; the
    default gives periods of 10 to 50 steps) and phase phi_i ~ U(0, 2 pi). The input at
    step t is s_t and the target is the next value s_(t+1), so
    ``inputs[:, 1:] == targets[:, :-1]``.

    Returns
    -------
    inputs : np.ndarray, float64, shape (n_sequences, seq_len, 1)
        (N, T, features): the ``batch_first=True`` layout of ``nn.RNN``.
    targets : np.ndarray, float64, shape (n_sequences, seq_len, 1)
    """
    if n_sequences < 1 or seq_len < 1:
        raise ValueError(
            f"make_sine_sequences: n_sequences and seq_len must be >= 1, got "
            f"{n_sequences}, {seq_len}"
        )
    lo, hi = freq_range
    if not 0 < lo <= hi:
        raise ValueError(
            f"make_sine_sequences: need 0 < freq_range[0] <= freq_range[1], got {freq_range}"
        )
    rng = as_generator(random_state)
    freq = rng.uniform(lo, hi, size=(n_sequences, 1))
    phase = rng.uniform(0.0, 2.0 * np.pi, size=(n_sequences, 1))
    t = np.arange(seq_len + 1)
    series = amplitude * np.sin(2.0 * np.pi * freq * t + phase)
    if noise:
        series = series + noise * rng.standard_normal(series.shape)
    series = series[:, :, None]
    return series[:, :-1].copy(), series[:, 1:].copy()


def load_digits(return_X_y: bool = True) -> Any:
    """scikit-learn's bundled 8x8 handwritten digits (1797 images, no download).

    Parameters
    ----------
    return_X_y : bool
        True: return ``(X, y)``. False: return scikit-learn's ``Bunch`` with ``data``,
        ``target``, ``images`` (1797, 8, 8), ``target_names`` and ``DESCR``.

    Returns
    -------
    X : np.ndarray, float64, shape (1797, 64)
        Pixel intensities 0..16, row by row.
    y : np.ndarray, int64, shape (1797,)
        Digit 0..9.

    Raises
    ------
    ImportError
        If scikit-learn is not installed (``pip install 'deltagrad[data]'``).
    """
    try:
        from sklearn.datasets import (  # pyright: ignore[reportMissingImports] (optional)
            load_digits as _sk_load_digits,
        )
    except ImportError as exc:
        raise ImportError(
            "load_digits needs scikit-learn, an optional dependency: pip install 'deltagrad[data]'"
        ) from exc
    bunch: Any = _sk_load_digits()  # a scikit-learn Bunch
    bunch.data = np.asarray(bunch.data, dtype=np.float64)
    bunch.target = np.asarray(bunch.target, dtype=np.int64)
    if return_X_y:
        return bunch.data, bunch.target
    return bunch


def available_corpora() -> list[str]:
    """Names accepted by :func:`load_corpus`."""
    return sorted(_CORPORA)


def load_corpus(name: str = "shakespeare") -> str:
    """A small bundled English text for character-level language models.

    ``"shakespeare"``: the opening of *Coriolanus* (31,742 characters, 58 distinct),
    from the start of the "tiny Shakespeare" file used by char-rnn; Shakespeare's text
    is in the public domain. Source and status: ``nn/corpus/README.md``.
    """
    if name not in _CORPORA:
        raise ValueError(f"load_corpus: unknown corpus {name!r}; available: {available_corpora()}")
    return (_CORPUS_DIR / _CORPORA[name]).read_text(encoding="utf-8")


class CharVocab:
    """Character vocabulary: maps each distinct character of a text to an integer id.

    Ids are assigned in sorted character order, so the same text always gives the same
    vocabulary.

    Parameters
    ----------
    text : str
        Every character that may later be encoded must occur here.

    Attributes
    ----------
    itos : list[str]
        id -> character.
    stoi : dict[str, int]
        character -> id.

    Examples
    --------
    >>> vocab = CharVocab("hello")
    >>> vocab.encode("hole").tolist()
    [1, 3, 2, 0]
    >>> vocab.decode([1, 0, 2, 2, 3])
    'hello'
    """

    def __init__(self, text: str) -> None:
        if not isinstance(text, str):
            raise TypeError(f"CharVocab: expected a str, got {type(text).__name__}")
        if not text:
            raise ValueError("CharVocab: the text is empty, so there is no character to index")
        self.itos: list[str] = sorted(set(text))
        self.stoi: dict[str, int] = {ch: i for i, ch in enumerate(self.itos)}
        # code point -> id lookup table: encoding is one vectorised gather, not a dict
        # lookup per character
        self._table = np.full(max(map(ord, self.itos)) + 1, -1, dtype=np.int64)
        self._table[[ord(ch) for ch in self.itos]] = np.arange(len(self.itos))
        self._chars = np.array(self.itos)

    def __len__(self) -> int:
        return len(self.itos)

    @property
    def vocab_size(self) -> int:
        return len(self.itos)

    def __contains__(self, ch: object) -> bool:
        return ch in self.stoi

    def encode(self, text: str) -> np.ndarray:
        """Character ids of ``text``: an int64 array of shape (len(text),)."""
        codes = np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32).astype(np.int64)
        ids = np.full(codes.shape, -1, dtype=np.int64)
        known = codes < len(self._table)
        ids[known] = self._table[codes[known]]
        if (ids < 0).any():
            unknown = sorted({text[i] for i in np.flatnonzero(ids < 0)[:20]})
            raise ValueError(f"CharVocab.encode: characters not in the vocabulary: {unknown}")
        return ids

    def decode(self, ids: Any) -> str:
        """The text for a 1-D sequence of ids (array, list or Tensor)."""
        arr = np.asarray(getattr(ids, "data", ids))
        if arr.ndim != 1:
            raise ValueError(
                f"CharVocab.decode: expected a 1-D sequence of ids, got shape {arr.shape}"
            )
        if arr.size == 0:
            return ""
        if arr.dtype.kind not in "iu":
            raise TypeError(f"CharVocab.decode: ids must be integers, got dtype {arr.dtype}")
        if arr.min() < 0 or arr.max() >= len(self.itos):
            raise ValueError(
                f"CharVocab.decode: ids must be in 0..{len(self.itos) - 1}, got "
                f"{int(arr.min())}..{int(arr.max())}"
            )
        return "".join(self._chars[arr].tolist())

    def __repr__(self) -> str:
        return f"CharVocab(size={len(self.itos)})"
