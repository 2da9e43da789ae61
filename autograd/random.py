"""One default random stream for all of deltagrad, seeded by ``manual_seed``.

Every random draw that is not given its own generator -- ``randn``/``rand``/``randint``/
``randperm``, ``nn.init``, layer initialisers, dropout masks, ``DataLoader`` shuffling --
comes from :func:`default_generator`. So, as in PyTorch, ``autograd.manual_seed(0)``
at the top of a script makes the whole run reproducible. An explicit ``generator=``/
``rng=`` (a seed or a ``np.random.Generator``) always wins and leaves the default
stream untouched.

The default stream is one ``np.random.Generator`` object that ``manual_seed`` re-seeds
in place, so a layer or loader that kept a reference to it follows the new seed.
"""

from __future__ import annotations

from typing import Any, cast

import numpy as np

from .devices import check_device
from .devices import device as _device

__all__ = [
    "Generator",
    "manual_seed",
    "seed",
    "default_generator",
    "get_rng_state",
    "set_rng_state",
    "as_generator",
    "uniform_values",
    "normal_values",
]

_DEFAULT = np.random.Generator(np.random.PCG64())  # fresh OS entropy until seeded


def _fresh_seed() -> int:
    """A seed from OS entropy, below 2**63 (PyTorch's seeds are int64)."""
    # SeedSequence() without arguments draws its entropy as one int (typed more widely)
    return cast(int, np.random.SeedSequence().entropy) % (2**63)


class Generator(np.random.Generator):
    """``torch.Generator``: a random stream of its own, for ``generator=`` arguments.

    It *is* a ``np.random.Generator`` (so everything that takes one takes it), with
    PyTorch's ``manual_seed`` (re-seeds it, returns it: ``Generator().manual_seed(0)``),
    ``seed``, ``initial_seed``, ``get_state``/``set_state`` and ``device``. Only the CPU
    exists here; any other ``device`` raises ``ValueError``.
    """

    def __init__(self, device: Any = "cpu") -> None:
        check_device("Generator", device)
        self._initial_seed = _fresh_seed()
        super().__init__(np.random.PCG64(self._initial_seed))

    @property
    def device(self) -> Any:
        return _device("cpu")

    def manual_seed(self, seed: int) -> Generator:
        if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
            raise ValueError(f"Generator.manual_seed: the seed must be an int >= 0, got {seed!r}")
        self.bit_generator.state = np.random.PCG64(int(seed)).state
        self._initial_seed = int(seed)
        return self

    def seed(self) -> int:
        s = _fresh_seed()
        self.manual_seed(s)
        return s

    def initial_seed(self) -> int:
        return self._initial_seed

    def get_state(self) -> dict[str, Any]:
        return dict(self.bit_generator.state)

    def set_state(self, state: dict[str, Any]) -> Generator:
        self.bit_generator.state = state
        return self


def manual_seed(seed: int) -> np.random.Generator:
    """Seed the default random stream (``torch.manual_seed``); returns the generator."""
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)):
        raise TypeError(f"manual_seed: the seed must be an int, got {seed!r}")
    if seed < 0:
        raise ValueError(f"manual_seed: the seed must be >= 0, got {seed}")
    _DEFAULT.bit_generator.state = np.random.PCG64(int(seed)).state
    return _DEFAULT


def seed() -> int:
    """Re-seed the default stream from OS entropy; returns the seed used."""
    s = _fresh_seed()
    manual_seed(s)
    return s


def default_generator() -> np.random.Generator:
    """The generator behind every draw that is not given its own."""
    return _DEFAULT


def get_rng_state() -> dict[str, Any]:
    """A snapshot of the default stream (pass it to :func:`set_rng_state` to replay)."""
    return dict(_DEFAULT.bit_generator.state)


def set_rng_state(state: dict[str, Any]) -> None:
    """Restore a snapshot taken with :func:`get_rng_state`."""
    _DEFAULT.bit_generator.state = state


def as_generator(generator: Any = None) -> np.random.Generator:
    """``None`` -> the default stream; an int -> a new generator seeded with it; a
    ``np.random.Generator`` -> itself."""
    if generator is None:
        return _DEFAULT
    if isinstance(generator, np.random.Generator):
        return generator
    if isinstance(generator, (bool, float, str)):
        raise TypeError(f"expected a seed (int), a np.random.Generator or None, got {generator!r}")
    return np.random.default_rng(generator)  # an int seed (or a SeedSequence)


def uniform_values(
    name: str, shape: tuple, dtype: Any, low: float, high: float, generator: Any = None
) -> np.ndarray:
    """Draws from U[low, high) for ``uniform_`` (PyTorch refuses ``low > high``)."""
    low, high = float(low), float(high)
    if not low <= high:
        raise ValueError(
            f"{name}: expects from <= to (a range [from, to)), got from={low} > to={high}"
        )
    return as_generator(generator).uniform(low, high, shape).astype(dtype, copy=False)


def normal_values(
    name: str, shape: tuple, dtype: Any, mean: float, std: float, generator: Any = None
) -> np.ndarray:
    """Draws from N(mean, std^2) for ``normal_`` (PyTorch refuses ``std < 0``)."""
    mean, std = float(mean), float(std)
    if not std >= 0:
        raise ValueError(f"{name}: expects std >= 0, got std={std}")
    return as_generator(generator).normal(mean, std, shape).astype(dtype, copy=False)
