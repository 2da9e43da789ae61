"""The Japanese explorer page and animation player in a real browser (headless Chromium,
found or installed or skipped as in ``test_player_browser``): the page's script shows
its words in Japanese -- the side panel, the player's counter -- and the numbers are the
engine's."""

from __future__ import annotations

import pytest
import test_explorer_browser as explorer_browser
import test_player_browser as player
from lecture import lecture_graph

import viz
from autograd.graph import topological_order


@pytest.fixture(scope="module")
def browser() -> str:
    return player._find_chromium() or player._install_chromium()


def test_japanese_explorer_side_panel(browser, tmp_path):
    L = lecture_graph()
    ex = viz.explore(L, language="ja")
    path = ex.save(tmp_path / "ja.html")
    order = topological_order(L)
    i = next(k for k, node in enumerate(order) if node.label == "e")
    page = explorer_browser._page(browser, path, f"hover={i}", tmp_path)
    assert page.state["data-info"] == str(i)
    assert page.panel["k"] == "計算結果 — 演算 *"
    assert float(page.panel["d"]) == order[i].data == -6.0
    assert float(page.panel["g"]) == order[i].grad == -2.0
    assert float(page.panel["l0"]) == -3.0  # ∂e/∂a = b
    assert page.crumbs.strip() == "学習の計算グラフ"
    dom = player._dom(browser, path.as_uri() + f"#hover={i}", tmp_path, budget_ms=5000)
    assert "<div>入力と局所微分:</div>" in dom  # the side panel, made by the script
    assert "<div>inputs and local derivatives:</div>" not in dom


def test_japanese_player_counter(browser, tmp_path):
    anim = viz.backward_animation(lecture_graph(), language="ja")
    path = anim.save(tmp_path / "ja_player.html")
    state = player._state(player._dom(browser, path.as_uri() + "#frame=3", tmp_path))
    assert state.visible == [3]
    assert state.counter == f"フレーム 4 / {len(anim)}"
