"""The explorer page in a real browser: headless Chromium (Debian's package).

Chromium is found or installed, or the tests skipped, exactly as for the animation
player (``test_player_browser``). A headless browser cannot be clicked from outside
without a driver, so the saved page runs the steps in its URL fragment through its own
event handlers (``#click=g:layers.1&hover=123&up=1``: see ``viz.explorer.page``), and
``--dump-dom`` shows the result: the open view, the breadcrumb, the numbers in the side
panel. Screenshots are written under ``tmp_path``.
"""

from __future__ import annotations

import html.parser
import random
import re

import numpy as np
import pytest
import test_player_browser as player
from lecture import lecture_graph

import nn
from autograd import Tensor, Value
from autograd.graph import topological_order
from nn import functional as F
from nn.scalar import MLP
from viz import explore
from viz.explorer.build import unpack


@pytest.fixture(scope="session")
def browser() -> str:
    """Chromium's path: found, else installed, else the test is skipped (as for the player)."""
    return player._find_chromium() or player._install_chromium()


class _Page(html.parser.HTMLParser):
    """From a dumped DOM: the explorer's state attributes, breadcrumb and side panel."""

    def __init__(self) -> None:
        super().__init__()
        self.state: dict[str, str] = {}
        self.crumbs = ""
        self.panel: dict[str, str] = {}
        self.heat_cells = 0
        self.results: list[str] = []
        self._where: list[str] = []
        self._key: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        classes = a.get("class", "").split()
        if tag == "div" and "dgx" in classes:
            self.state = a
        if "dgx-crumbs" in classes:
            self._where.append("crumbs")
        if "data-key" in a:
            self._key = a["data-key"]
            self.panel[self._key] = ""
        if tag == "rect" and self._where == [] and self._key in ("dh", "gh"):
            self.heat_cells += 1

    def handle_endtag(self, tag: str) -> None:
        if tag == "nav" and self._where:
            self._where.pop()
        if tag in ("td", "span"):
            self._key = None

    def handle_data(self, data: str) -> None:
        if self._where:
            self.crumbs += data
        if self._key is not None:
            self.panel[self._key] += data


def _page(browser: str, path, steps: str, tmp_path) -> _Page:
    parser = _Page()
    parser.feed(player._dom(browser, path.as_uri() + "#" + steps, tmp_path, budget_ms=5000))
    assert parser.state.get("data-steps") == "ok", parser.state
    return parser


@pytest.fixture(scope="module")
def w1(tmp_path_factory):
    """micrograd's demo at a fifth of its batch (20 two-moons points, 2-16-16-1, SVM + L2)."""
    random.seed(1337)
    X, y = nn.datasets.make_moons(20, noise=0.1, random_state=1337)
    model = MLP(2, [16, 16, 1])
    scores = [model([Value(float(a)) for a in x]) for x in X.tolist()]
    losses = [(1.0 - (2.0 * float(t) - 1.0) * s).relu() for t, s in zip(y, scores)]
    loss = sum(losses) * (1.0 / len(losses)) + 1e-4 * sum(p * p for p in model.parameters())
    loss.backward()
    ex = explore(loss, model=model)
    path = ex.save(tmp_path_factory.mktemp("explorer") / "w1.html")
    return path, ex, loss, model, X


def _position(order: list, node) -> int:
    return next(i for i, n in enumerate(order) if n is node)


def test_click_into_a_module_and_back(browser, w1, tmp_path):
    path, *_ = w1
    page = _page(browser, path, "click=g:layers.1&click=g:layers.1.neurons.3", tmp_path)
    assert page.state["data-view"] == "g:layers.1.neurons.3"
    assert page.crumbs.split() == "training graph › layers.1 › layers.1.neurons.3 (Neuron)".split()
    page = _page(browser, path, "click=g:layers.1&click=g:layers.1.neurons.3&up=1", tmp_path)
    assert page.state["data-view"] == "g:layers.1"
    page = _page(browser, path, "click=g:layers.1&click=g:layers.1.neurons.3&up=1&up=1", tmp_path)
    assert page.state["data-view"] == "top"
    assert page.crumbs.strip() == "training graph"


def test_hover_shows_the_engines_numbers(browser, w1, tmp_path):
    path, ex, loss, model, X = w1
    order = topological_order(loss)
    w = model.layers[1].neurons[3].w[0]
    i = _position(order, w)
    page = _page(browser, path, f"click=g:layers.1&click=g:layers.1.neurons.3&hover={i}", tmp_path)
    assert page.state["data-info"] == str(i)
    assert float(page.panel["d"]) == w.data and float(page.panel["g"]) == w.grad
    # a computed node of the sample shown, with the local derivative on each input edge:
    # the neuron's relu for sample 1 (copy 2)
    ref = model.layers[1].neurons[3](model.layers[0]([Value(float(a)) for a in X[1]])).data
    home = "g:layers.1.neurons.3@1"
    relu = [
        int(k) for k, rec in ex.data["nodes"].items() if rec["h"] == home and rec["o"] == "relu"
    ]
    assert len(relu) == 1 and order[relu[0]].data == ref
    r = relu[0]
    steps = f"click=g:layers.1&click=g:layers.1.neurons.3&sample=1&hover={r}"
    page = _page(browser, path, steps, tmp_path)
    assert page.state["data-view"] == home
    assert float(page.panel["d"]) == order[r].data and float(page.panel["g"]) == order[r].grad
    assert float(page.panel["l0"]) == order[r].local_grads[0]


def test_a_stub_leads_to_the_view_of_its_node(browser, w1, tmp_path):
    path, ex, loss, model, _ = w1
    svg = re.findall(r'id="s(\d+)"', unpack(ex.data["views"]["g:layers.1.neurons.3"]["svg"]))
    assert svg  # the inputs from layers.0 come in as stubs
    s = svg[0]
    page = _page(browser, path, f"click=g:layers.1&click=g:layers.1.neurons.3&node={s}", tmp_path)
    assert page.state["data-view"] == ex.data["nodes"][s]["h"]
    assert page.state["data-view"].startswith("g:layers.0.neurons.")
    assert page.state["data-info"] == s


def test_search_finds_a_weight(browser, w1, tmp_path):
    path, ex, loss, model, _ = w1
    i = _position(topological_order(loss), model.layers[2].neurons[0].b)
    page = _page(browser, path, "search=layers.2.neurons.0.b&result=0", tmp_path)
    assert page.state["data-view"] == "g:layers.2.neurons.0" and page.state["data-info"] == str(i)


def test_screenshots_of_the_top_and_a_neuron_differ(browser, w1, tmp_path):
    path, *_ = w1
    top = player._screenshot(browser, path.as_uri(), tmp_path / "top.png")
    neuron = player._screenshot(
        browser,
        path.as_uri() + "#click=g:layers.1&click=g:layers.1.neurons.3",
        tmp_path / "neuron.png",
    )
    for shot in (top, neuron):
        colours = shot.getcolors(maxcolors=1 << 16)
        assert colours is None or len(colours) > 20  # drawn, not a blank page
    assert player.ImageChops.difference(top, neuron).getbbox() is not None


def test_tensor_node_shows_shape_statistics_and_heat_map(browser, tmp_path):
    class Small(nn.Module):
        def __init__(self):
            super().__init__()
            self.conv = nn.Conv2d(1, 2, kernel_size=3, rng=0)
            self.flatten = nn.Flatten()
            self.fc = nn.Linear(2 * 4 * 4, 3, rng=0)

        def forward(self, x):
            return self.fc(self.flatten(self.conv(x)))

    model = Small()
    x = Tensor(np.random.default_rng(0).normal(size=(4, 1, 6, 6)).astype(np.float32), label="x")
    loss = F.cross_entropy(model(x), np.array([0, 1, 2, 1]))
    loss.backward()
    path = explore(loss, model=model).save(tmp_path / "cnn.html")
    i = _position(topological_order(loss), model.fc.weight)
    page = _page(browser, path, f"click=g:fc&hover={i}", tmp_path)
    assert page.panel["sh"].split() == ["(3,", "32)", "float32"]
    w = model.fc.weight.data.astype(np.float64)
    numbers = [float(t) for t in re.findall(r"-?\d[\d.e+-]*", page.panel["ds"])]
    assert numbers == pytest.approx([w.min(), w.mean(), w.max(), w.std()], rel=1e-3)
    assert page.heat_cells == 2 * 3 * 16  # data and grad maps: 3 rows x 16 column blocks


def test_backward_replay_and_exports(browser, tmp_path):
    L = lecture_graph()
    path = explore(L).save(tmp_path / "lecture.html")
    # 7 nodes, one step each every 600 ms: within the 5 s budget the replay ends at the
    # first node of the topological order (backward visits the root first)
    page = _page(browser, path, "button=play", tmp_path)
    assert page.state["data-backward"] == "7/7:0"
    assert page.state["data-info"] == "0" and float(page.panel["g"]) == 6.0  # a.grad = b·f
    page = _page(browser, path, "zoom=1&button=export&button=png", tmp_path)
    exported = page.state["data-exported"]
    assert re.fullmatch(r"(svg|png):\d+", exported) and int(exported.split(":")[1]) > 1000
    assert float(page.state["data-zoom"]) == pytest.approx(1.2)
