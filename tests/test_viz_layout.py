"""viz's layout: old module paths still import (with a DeprecationWarning) for one release,
and the HTML player is given frames, not the animation."""

from __future__ import annotations

import importlib
import subprocess
import sys

import pytest

import viz
from autograd import Value
from viz._moved import MOVED
from viz.animation.player import player_fragment


@pytest.mark.parametrize("old", sorted(MOVED))
def test_old_module_path_warns_and_hands_out_the_new_names(old, monkeypatch):
    monkeypatch.delitem(sys.modules, old, raising=False)
    with pytest.warns(DeprecationWarning, match=rf"{old} moved to {MOVED[old][0]}") as caught:
        __import__(old)  # as an import statement does
    module = sys.modules[old]
    assert caught[0].filename == __file__  # the warning points at the import, not importlib
    names = 0
    for new in MOVED[old]:
        target = importlib.import_module(new)
        for name in getattr(target, "__all__", ()):
            assert getattr(module, name) is getattr(target, name)
            names += 1
    assert names > 0 or old == "viz._mpl"
    with pytest.raises(AttributeError, match="no attribute 'not_a_name'"):
        module.not_a_name  # noqa: B018


def test_old_from_import_in_a_fresh_interpreter():
    code = (
        "import warnings; warnings.simplefilter('error')\n"
        "try:\n"
        "    from viz.describe import summarize\n"
        "except DeprecationWarning as exc:\n"
        "    print('warned:', exc)\n"
        "warnings.simplefilter('ignore')\n"
        "from viz.describe import summarize\n"
        "from viz.collapse import ModelMap, assign_owners\n"
        "import viz.graph.describe, viz.graph.model_map\n"
        "print(summarize is viz.graph.describe.summarize, "
        "ModelMap is viz.graph.model_map.ModelMap)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.splitlines() == [
        "warned: viz.describe moved to viz.graph.describe; import from there (or from viz) -- "
        "the old path goes away in the next release",
        "True True",
    ]


def test_public_api_is_unchanged():
    assert set(viz.__all__) == {
        "draw_graph",
        "Drawing",
        "save",
        "RenderError",
        "GraphTooLargeError",
        "LayoutTimeoutError",
        "backward_animation",
        "BackwardAnimation",
        "plot_history",
        "plot_decision_boundary",
        "plot_optimizer_trajectories",
        "plot_gradient_flow",
        "plot_histograms",
        "plot_filters",
        "plot_feature_maps",
        "plot_sequence_predictions",
        "explore",
        "Explorer",  # added with the graph explorer (issue 12)
        "set_language",
        "get_language",  # the words in pictures (issue 15)
    }
    for name in viz.__all__:
        assert getattr(viz, name) is not None
    a = Value(2.0, label="a")
    assert "∂/∂a = 2" in viz.draw_graph(a * a).source


def test_player_is_given_frames_not_the_animation():
    svg = '<svg width="10pt" height="10pt" viewBox="0 0 10 10"><g id="node1"></g></svg>'
    html = player_fragment([svg, svg], ["first < step", "second"], autoplay=False, interval_ms=50)
    assert html.count('<figure class="dg-frame"') == 2
    assert "first &lt; step" in html and 'data-frames="2"' in html
    with pytest.raises(ValueError, match="2 frames but 1 captions"):
        player_fragment([svg, svg], ["only one"], autoplay=False, interval_ms=50)
