"""The HTML player in a real browser: headless Chromium (Debian's package).

Chromium is installed by the session fixture when it is missing and the tests run as
root on a machine with ``apt-get`` (every developer machine and CI here); otherwise the
tests are skipped with the reason. A browser cannot be driven without a driver, so the
player's ``#frame=N`` URL fragment does the "stepping": the same page opened at
``#frame=0`` and ``#frame=3`` must look different, and ``--dump-dom`` shows what the
script did (which frame is visible, the counter, the slider).
"""

from __future__ import annotations

import contextlib
import fcntl
import html.parser
import os
import pathlib
import shutil
import subprocess
import tempfile

import pytest

from autograd import Value
from viz.animation import backward_animation

PIL = pytest.importorskip("PIL", reason="Pillow compares the screenshots")
from lecture import lecture_graph  # noqa: E402
from PIL import Image, ImageChops  # noqa: E402

_APT_TIMEOUT = 900  # s, per apt-get call: a slow mirror, never a hang
_BROWSER_TIMEOUT = 90  # s, per Chromium run
_INSTALL_LOCK = pathlib.Path(tempfile.gettempdir(), "deltagrad-chromium-install.lock")


def _find_chromium() -> str | None:
    for name in ("chromium", "chromium-browser"):
        path = shutil.which(name)
        if path:
            return path
    return None


def _install_chromium() -> str:
    """Install Debian's chromium with apt-get; return its path or skip with the reason."""
    if not hasattr(os, "geteuid") or os.geteuid() != 0:
        pytest.skip("Chromium is not installed and the tests do not run as root to apt-get it")
    apt = shutil.which("apt-get")
    if apt is None:
        pytest.skip("Chromium is not installed and this machine has no apt-get")
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    # pytest-xdist workers share the machine: one installs, the others wait for it.
    with open(_INSTALL_LOCK, "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            found = _find_chromium()
            if found:
                return found
            for args in (
                [apt, "update"],
                [apt, "install", "-y", "--no-install-recommends", "chromium"],
            ):
                try:
                    proc = subprocess.run(
                        args, env=env, capture_output=True, text=True, timeout=_APT_TIMEOUT
                    )
                except subprocess.TimeoutExpired:
                    pytest.skip(f"Chromium could not be installed: {' '.join(args)} timed out")
                if proc.returncode != 0:
                    tail = (proc.stderr or proc.stdout).strip().splitlines()[-3:]
                    pytest.skip(
                        f"Chromium could not be installed ({' '.join(args[1:])} failed: "
                        f"{' / '.join(tail)})"
                    )
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)
    found = _find_chromium()
    if found is None:
        pytest.skip("apt-get installed chromium but no chromium program is on PATH")
    return found


@pytest.fixture(scope="session")
def chromium() -> str:
    return _find_chromium() or _install_chromium()


def _browser(
    chromium: str, url: str, workdir: pathlib.Path, *extra: str, window: str = "1100,760"
) -> subprocess.CompletedProcess:
    profile = tempfile.mkdtemp(prefix="chromium-profile-", dir=workdir)
    args = [
        chromium,
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-dev-shm-usage",
        "--hide-scrollbars",
        f"--user-data-dir={profile}",
        f"--window-size={window}",
        *extra,
        url,
    ]
    try:
        proc = subprocess.run(args, capture_output=True, text=True, timeout=_BROWSER_TIMEOUT)
    except subprocess.TimeoutExpired:
        pytest.fail(f"Chromium did not finish within {_BROWSER_TIMEOUT} s: {' '.join(args)}")
    finally:
        with contextlib.suppress(OSError):
            shutil.rmtree(profile, ignore_errors=True)
    return proc


def _screenshot(chromium: str, url: str, out: pathlib.Path, window: str = "1100,760") -> Image:
    # The virtual-time budget lets the page's script run to completion before the shot.
    proc = _browser(
        chromium,
        url,
        out.parent,
        f"--screenshot={out}",
        "--virtual-time-budget=2000",
        window=window,
    )
    assert out.exists(), f"no screenshot written; Chromium said:\n{proc.stderr[-2000:]}"
    return Image.open(out).convert("RGB")


def _dom(chromium: str, url: str, workdir: pathlib.Path, budget_ms: int = 2000) -> str:
    proc = _browser(chromium, url, workdir, "--dump-dom", f"--virtual-time-budget={budget_ms}")
    assert "<html" in proc.stdout, f"no DOM dumped; Chromium said:\n{proc.stderr[-2000:]}"
    return proc.stdout


class _PlayerState(html.parser.HTMLParser):
    """From a dumped DOM: the visible frames, the counter text, the slider value."""

    def __init__(self) -> None:
        super().__init__()
        self.visible: list[int] = []
        self.hidden: list[int] = []
        self.slider: str | None = None
        self.counter = ""
        self.current: str | None = None
        self._in_counter = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        classes = (a.get("class") or "").split()
        if tag == "figure" and "dg-frame" in classes:
            (self.hidden if "hidden" in a else self.visible).append(int(a["data-frame"]))
        elif tag == "input" and "dg-slider" in classes:
            self.slider = a.get("value")
        elif tag == "span" and "dg-counter" in classes:
            self._in_counter = True
        elif tag == "div" and "dg-anim" in classes:
            self.current = a.get("data-frame")

    def handle_endtag(self, tag: str) -> None:
        if tag == "span":
            self._in_counter = False

    def handle_data(self, data: str) -> None:
        if self._in_counter:
            self.counter += data


def _state(dom: str) -> _PlayerState:
    parser = _PlayerState()
    parser.feed(dom)
    return parser


@pytest.fixture(scope="module")
def player(tmp_path_factory) -> tuple[pathlib.Path, int]:
    """micrograd's lecture example as a saved player (8 frames)."""
    L = lecture_graph(backward=False)
    anim = backward_animation(L)
    path = tmp_path_factory.mktemp("player") / "player.html"
    anim.save(path)
    return path, len(anim)


def test_frame_fragment_changes_the_screenshot(chromium, player, tmp_path):
    path, n = player
    shot0 = _screenshot(chromium, path.as_uri() + "#frame=0", tmp_path / "frame0.png")
    shot3 = _screenshot(chromium, path.as_uri() + "#frame=3", tmp_path / "frame3.png")
    assert shot0.size == shot3.size
    for shot in (shot0, shot3):
        # non-blank: a white page has one colour; a drawn graph has hundreds
        colours = shot.getcolors(maxcolors=1 << 16)
        assert colours is None or len(colours) > 20
        assert ImageChops.difference(shot, Image.new("RGB", shot.size, "white")).getbbox()
    assert ImageChops.difference(shot0, shot3).getbbox() is not None, "frames 0 and 3 look alike"


def test_script_shows_exactly_the_requested_frame(chromium, player, tmp_path):
    path, n = player
    for requested, expected in ((0, 0), (3, 3), (n - 1, n - 1), (999, n - 1)):
        state = _state(_dom(chromium, path.as_uri() + f"#frame={requested}", tmp_path))
        assert state.visible == [expected], (requested, state.visible)
        assert sorted(state.hidden + state.visible) == list(range(n))
        assert state.slider == str(expected)
        assert state.current == str(expected)
        assert state.counter.strip() == f"Frame {expected + 1} / {n}"


def test_autoplay_runs_to_the_last_frame(chromium, tmp_path):
    x = Value(3.0, label="x")
    y = x * x + x
    y.label = "y"
    anim = backward_animation(y)
    path = anim.save(tmp_path / "auto.html")
    path.write_text(anim.to_html(autoplay=True, interval_ms=50), encoding="utf-8")
    state = _state(_dom(chromium, path.as_uri(), tmp_path, budget_ms=5000))
    assert state.visible == [len(anim) - 1]
    assert state.counter.strip() == f"Frame {len(anim)} / {len(anim)}"


def test_narrow_window_scales_the_drawing(chromium, player, tmp_path):
    """At a phone's width the SVG shrinks to fit: the right edge of the page stays white
    padding of the player, not a clipped drawing."""
    path, _ = player
    shot = _screenshot(chromium, path.as_uri() + "#frame=5", tmp_path / "narrow.png", "420,900")
    assert shot.width == 420
    bbox = ImageChops.difference(shot, Image.new("RGB", shot.size, "white")).getbbox()
    assert bbox is not None
    # The player has a 12 px body margin on both sides: nothing is drawn into the
    # rightmost few pixels, as it would be if the drawing overflowed and was cut off.
    right = shot.crop((shot.width - 8, 0, shot.width, shot.height))
    assert ImageChops.difference(right, Image.new("RGB", right.size, "white")).getbbox() is None
