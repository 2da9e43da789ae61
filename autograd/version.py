"""deltagrad's version, as ``autograd.__version__`` and ``deltagrad.__version__`` (both
read on first use, so importing the packages reads no file).

``pyproject.toml`` is the only place the version is written. Which copy of it counts:

* running from a checkout (its root on ``sys.path``, nothing installed, as the benchmark
  referee and ``python -m pytest`` do): the checkout's own ``pyproject.toml``, so a report
  names the code that was measured -- not a different copy installed elsewhere;
* an installed wheel (no ``pyproject.toml`` beside the package): the installed
  distribution's metadata;
* neither (a copied folder): ``"0+unknown"``, a valid version that sorts before every
  release, rather than an error at import.
"""

from __future__ import annotations

from pathlib import Path

__all__ = ["read_version"]

UNKNOWN = "0+unknown"


def read_version(root: Path | None = None) -> str:
    """The version of the deltagrad whose packages sit in ``root`` (default: this
    checkout or installation)."""
    import tomllib  # (here, not at the top: only a version lookup needs it)

    root = Path(__file__).resolve().parent.parent if root is None else root
    try:
        with open(root / "pyproject.toml", "rb") as f:
            project = tomllib.load(f).get("project", {})
        if project.get("name") == "deltagrad" and isinstance(project.get("version"), str):
            return project["version"]
    except (OSError, tomllib.TOMLDecodeError):
        pass  # not a checkout (or not ours): ask the installed metadata
    return _installed_version()


def _installed_version() -> str:
    """The installed distribution's version, or ``UNKNOWN``. (``importlib.metadata`` is
    imported here, not at the top: importing it takes 20-30 ms, and a checkout never needs
    it.)"""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("deltagrad")
    except PackageNotFoundError:
        return UNKNOWN
