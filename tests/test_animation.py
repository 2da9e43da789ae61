"""viz.animation: one frame per chain-rule step, equal to the engine's backward pass;
the HTML player, GIF and frame-file exports, with the system dot and without it."""

from __future__ import annotations

import html.parser
import math
import random
import re

import numpy as np
import pytest
from lecture import lecture_graph

from autograd import Tensor, Value
from autograd.graph import _steps, topological_order
from nn.scalar import Neuron
from viz.animation import BackwardAnimation, backward_animation
from viz.render import find_dot


# ------------------------------------------------------------------------ graphs
def micrograd():
    """Karpathy's lecture example: L = (a*b + c) * f."""
    return lecture_graph(backward=False)


def square():
    x = Value(3.0, label="x")
    y = x * x
    y.label = "y"
    return y


def diamond():
    """x feeds two branches that meet again: its gradient arrives twice."""
    x = Value(0.5, label="x")
    u = x * 4.0
    u.label = "u"
    v = x.tanh()
    v.label = "v"
    out = u * v
    out.label = "out"
    return out


def neuron():
    n = Neuron(3, "tanh", rng=random.Random(0), name="")
    return n([Value(1.0, label="x0"), Value(-2.0, label="x1"), Value(0.5, label="x2")])


def tensor_graph():
    W = Tensor(np.array([[0.5, -1.0], [2.0, 0.25]]), requires_grad=True, label="W")
    x = Tensor(np.array([1.0, -2.0]), requires_grad=True, label="x")
    b = Tensor(np.array([0.1, 0.2]), requires_grad=True, label="b")
    h = (W @ x + b).tanh()
    h.label = "h"
    return (h * h).sum() * 2.0  # a node used twice, a constant, a reduction


def broadcast_graph():
    x = Tensor(np.array([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]), requires_grad=True, label="x")
    s = Tensor(np.array([0.5, -1.0, 2.0]), requires_grad=True, label="s")
    return (x * s).mean()


GRAPHS = {
    "micrograd": micrograd,
    "square": square,
    "diamond": diamond,
    "neuron": neuron,
    "tensor": tensor_graph,
    "broadcast": broadcast_graph,
}

# 2 + (node, operand) steps, counted by hand from the builders above
EXPECTED_FRAMES = {
    "micrograd": 2 + 6,  # three binary ops
    "square": 2 + 2,  # x*x: x twice
    # x*4 (x and the constant 4), tanh(x), u*v
    "diamond": 2 + 2 + 1 + 2,
    # three w*x products (2 each), three additions (2 each), tanh
    "neuron": 2 + 6 + 6 + 1,
    # matmul (W, x), + (., b), tanh, * (h, h), sum, * by the constant 2 (one operand)
    "tensor": 2 + 2 + 2 + 1 + 2 + 1 + 1,
    # *, mean
    "broadcast": 2 + 2 + 1,
}


def fresh_backward(build):
    """The engine's gradients on an identical, separately built graph."""
    root = build()
    root.backward()
    return root, topological_order(root)


def grad_array(node):
    g = node.grad
    if isinstance(node, Tensor):
        return None if g is None else np.asarray(g.data)
    return g


def same(a, b) -> bool:
    if a is None or b is None:
        return a is None and b is None
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        a, b = np.asarray(a), np.asarray(b)
        return a.shape == b.shape and a.dtype == b.dtype and np.array_equal(a, b)
    return a == b


@pytest.fixture(scope="module")
def animations() -> dict[str, tuple[object, BackwardAnimation]]:
    out = {}
    for name, build in GRAPHS.items():
        root = build()
        out[name] = (root, backward_animation(root))
    return out


# ------------------------------------------------------------------------ frames
@pytest.mark.parametrize("name", GRAPHS)
def test_frame_count_is_two_plus_chain_rule_steps(animations, name):
    root, anim = animations[name]
    assert len(anim) == EXPECTED_FRAMES[name]
    assert [f.kind for f in anim.frames[:2]] == ["forward", "seed"]
    assert all(f.kind == "step" and f.step is not None for f in anim.frames[2:])
    assert [f.index for f in anim.frames] == list(range(len(anim)))


@pytest.mark.parametrize("name", GRAPHS)
def test_last_frame_equals_backward(animations, name):
    _, anim = animations[name]
    engine_root, order = fresh_backward(GRAPHS[name])
    assert len(order) == len(anim.nodes)
    last = anim.frames[-1].grads
    for name, fresh in zip(anim.names, order):
        assert same(last[name], grad_array(fresh)), name


@pytest.mark.parametrize("name", GRAPHS)
def test_frames_match_the_engine_node_by_node(animations, name):
    """Drive the real engine one node at a time (what run_backward does) on a twin graph
    and compare its gradients with the frame after that node's last step."""
    _, anim = animations[name]
    twin = GRAPHS[name]()
    order = topological_order(twin)
    for node in order:
        if node.parents:
            node.grad = node._GRAD_UNSET
    seed, send = _steps(twin)  # the driver's two steps for this node kind
    seed(twin, None)
    seed = anim.frames[1].grads
    for i, node in enumerate(order):
        assert same(seed[anim.names[i]], grad_array(node) if node is twin else None)

    last_frame_of = {}  # node index -> index of the frame of its last step
    for frame in anim.frames[2:]:
        last_frame_of[frame.step.node] = frame.index
    for i in range(len(order) - 1, -1, -1):
        if not order[i].parents or i not in last_frame_of:
            continue
        send(order[i])
        frame = anim.frames[last_frame_of[i]]
        for j, node in enumerate(order):
            engine = grad_array(node)
            shown = frame.grads[anim.names[j]]
            if shown is None:  # not arrived yet: the engine holds its cleared value
                assert engine is None or engine == 0.0
            else:
                assert same(shown, engine), (frame.caption, anim.names[j])


@pytest.mark.parametrize("name", GRAPHS)
def test_each_step_changes_only_its_parent_by_local_times_upstream(animations, name):
    _, anim = animations[name]
    for before, frame in zip(anim.frames[1:], anim.frames[2:]):
        step = frame.step
        node = anim.nodes[step.node]
        assert node.parents[step.position] is anim.nodes[step.parent]
        changed = [k for k in frame.grads if not same(frame.grads[k], before.grads[k])]
        assert changed in ([anim.names[step.parent]], [])  # [] when adding exactly 0
        assert same(step.upstream, before.grads[anim.names[step.node]])
        if isinstance(node, Value):
            assert step.local == node.local_grads[step.position]
            assert step.contribution == step.local * step.upstream
        previous = before.grads[anim.names[step.parent]]
        expected = step.contribution if previous is None else previous + step.contribution
        if isinstance(node, Value) and previous is None:
            expected = 0.0 + step.contribution
        assert same(frame.grads[anim.names[step.parent]], expected)
        assert same(step.total, expected)


def test_micrograd_frames_by_hand(animations):
    _, anim = animations["micrograd"]
    # dL/dnode worked out on paper: L = d*f, d = e + c, e = a*b
    expected = [
        {},
        {"L": 1.0},
        {"L": 1.0, "d": -2.0},
        {"L": 1.0, "d": -2.0, "f": 4.0},
        {"L": 1.0, "d": -2.0, "f": 4.0, "e": -2.0},
        {"L": 1.0, "d": -2.0, "f": 4.0, "e": -2.0, "c": -2.0},
        {"L": 1.0, "d": -2.0, "f": 4.0, "e": -2.0, "c": -2.0, "a": 6.0},
        {"L": 1.0, "d": -2.0, "f": 4.0, "e": -2.0, "c": -2.0, "a": 6.0, "b": -4.0},
    ]
    for frame, grads in zip(anim.frames, expected, strict=True):
        assert {k: v for k, v in frame.grads.items() if v is not None} == grads
    assert anim.frames[6].caption.endswith("grad[a] += ∂e/∂a × grad[e] = -3 × -2 = 6")
    assert "grad —" in anim.frames[0].dot and "grad —" not in anim.frames[-1].dot


def test_a_node_used_twice_shows_its_grad_growing(animations):
    _, anim = animations["square"]
    assert [f.grads["x"] for f in anim.frames] == [None, None, 3.0, 6.0]
    assert "(operand 2 of 2)" in anim.frames[3].caption
    assert "grad[x] = 3 + 3 = 6" in anim.frames[3].caption
    assert "grad 3" in anim.frames[2].dot and "grad 6" in anim.frames[3].dot


def test_diamond_accumulates_both_branches(animations):
    _, anim = animations["diamond"]
    x = 0.5
    t = math.tanh(x)
    via_u = 4.0 * t  # d(out)/du * du/dx = v * 4
    via_v = 4.0 * x * (1.0 - t * t)  # d(out)/dv * dv/dx = u * tanh'(x)
    xs = [f.grads["x"] for f in anim.frames if f.step and anim.names[f.step.parent] == "x"]
    assert len(xs) == 2
    assert xs[-1] == pytest.approx(via_u + via_v)
    assert sorted([xs[0], xs[-1] - xs[0]]) == pytest.approx(sorted([via_u, via_v]))


def test_tensor_frames_show_rules_and_arrays(animations):
    _, anim = animations["tensor"]
    captions = "\n".join(f.caption for f in anim.frames)
    assert "∂/∂W = gy·xᵀ" in captions and "∂/∂x = Wᵀ·gy" in captions
    assert "gy·(1−y²)" in captions
    assert "out = n4 * 2" in captions  # the constant 2 by its value
    matmul_steps = [s for s in anim.steps if anim.nodes[s.node].op == "matmul"]
    assert {s.local for s in matmul_steps} == {"∂/∂W = gy·xᵀ", "∂/∂x = Wᵀ·gy"}
    h_steps = [s for s in anim.steps if anim.names[s.parent] == "h"]
    assert len(h_steps) == 2  # h * h
    np.testing.assert_array_equal(h_steps[1].total, 2 * h_steps[0].contribution)
    # the constant 2 never receives a gradient
    assert all(
        anim.frames[-1].grads[n] is None
        for n, node in zip(anim.names, anim.nodes)
        if isinstance(node, Tensor) and not node.requires_grad
    )
    assert "grad: —  (not computed yet)" in anim.frames[0].dot
    assert "grad: —  (constant)" in anim.frames[-1].dot


def test_broadcast_gradient_is_summed_back(animations):
    _, anim = animations["broadcast"]
    x = np.array([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
    np.testing.assert_allclose(anim.frames[-1].grads["s"], x.sum(axis=0) / 6)
    np.testing.assert_allclose(anim.frames[-1].grads["x"], np.tile([0.5, -1.0, 2.0], (2, 1)) / 6)
    assert "summed over broadcast axes" in anim.frames[-1].caption + anim.frames[-2].caption


def test_grads_are_read_only_snapshots(animations):
    _, anim = animations["tensor"]
    arr = anim.frames[-1].grads["W"]
    with pytest.raises(ValueError):
        arr[0, 0] = 1.0


# ------------------------------------------------------------------------ no side effects
@pytest.mark.parametrize("name", GRAPHS)
def test_building_does_not_touch_the_graph(name):
    root = GRAPHS[name]()
    order = topological_order(root)
    before = [grad_array(n) for n in order]
    anim = backward_animation(root)
    assert all(same(grad_array(n), b) for n, b in zip(order, before))
    assert same(grad_array(root), 0.0 if isinstance(root, Value) else None)
    # after a real backward(), a second animation still shows one pass from zero
    root.backward()
    after = [grad_array(n) for n in order]
    again = backward_animation(root)
    assert all(same(grad_array(n), b) for n, b in zip(order, after))
    for a, b in zip(anim.frames, again.frames, strict=True):
        assert a.grads.keys() == b.grads.keys()
        assert all(same(a.grads[k], b.grads[k]) for k in a.grads)
        assert a.dot == b.dot and a.caption == b.caption


def test_grads_of_and_names(animations):
    root, anim = animations["micrograd"]
    assert anim.grads_of(root) == 1.0
    assert anim.grads_of(root, 0) is None
    assert anim.names == ("a", "b", "e", "c", "d", "f", "L")
    with pytest.raises(ValueError, match="not part"):
        anim.grads_of(Value(1.0))
    unlabelled = Value(2.0) * Value(3.0)
    assert backward_animation(unlabelled).names == ("n1", "n2", "out")
    twins = Value(1.0, label="w") + Value(2.0, label="w")
    names = backward_animation(twins).names
    assert len(set(names)) == 3 and names[0] == "w"


# ------------------------------------------------------------------------ errors
def test_refuses_large_graphs_with_advice():
    x = Value(0.1, label="x")
    y = x
    for _ in range(100):
        y = y * 1.01 + 0.0
    with pytest.raises(ValueError, match=r"needs 402 frames.*max_frames=400"):
        backward_animation(y)
    with pytest.raises(ValueError, match=r"needs 402 frames.*max_frames=401"):
        backward_animation(y, max_frames=401)
    assert len(backward_animation(y.parents[0])) == 400  # exactly the limit is fine


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"rankdir": "XY"}, "rankdir"),
        ({"number_format": "%q"}, "number_format"),
        ({"max_frames": 1}, "max_frames"),
        ({"max_frames": True}, "max_frames"),
    ],
)
def test_invalid_options(kwargs, message):
    with pytest.raises(ValueError, match=message):
        backward_animation(square(), **kwargs)


def test_invalid_roots():
    with pytest.raises(TypeError, match="Value or autograd.Tensor"):
        backward_animation(3.0)
    v = Tensor(np.ones(3), requires_grad=True) * 2.0
    with pytest.raises(ValueError, match=r"shape \(3,\).*sum"):
        backward_animation(v)
    with pytest.raises(ValueError, match="does not require grad"):
        backward_animation(Tensor(np.ones(1)) * 2.0)


def test_a_leaf_root_has_only_forward_and_seed():
    anim = backward_animation(Value(4.0, label="w"))
    assert len(anim) == 2 and anim.frames[-1].grads == {"w": 1.0}


# ------------------------------------------------------------------------ rendering
@pytest.fixture(params=["system", "wasm"])
def backend(request, monkeypatch):
    """Every rendering test runs with the system dot and with WebAssembly Graphviz."""
    if request.param == "wasm":
        monkeypatch.setenv("DELTAGRAD_NO_SYSTEM_DOT", "1")
        assert find_dot() is None
    elif find_dot() is None:
        pytest.skip("system Graphviz dot not installed")
    else:
        monkeypatch.delenv("DELTAGRAD_NO_SYSTEM_DOT", raising=False)
    return request.param


BOX = re.compile(
    r'class="node">\s*(?:<title>[^<]*</title>\s*)?<(?:polygon|ellipse) [^>]*?'
    r'(?:points="([^"]*)"|cx="([^"]*)" cy="([^"]*)")'
)
SVG_SIZE = re.compile(r'<svg\b[^>]*?width="([\d.]+)pt"[^>]*?height="([\d.]+)pt"', re.S)


@pytest.mark.parametrize("name", ["micrograd", "tensor"])
def test_every_frame_has_the_same_layout(backend, name):
    anim = backward_animation(GRAPHS[name]())
    sizes = {SVG_SIZE.search(svg).groups() for svg in anim.svgs()}
    assert len(sizes) == 1, sizes
    # Every box keeps its place and outline. (The separators inside a box may move a
    # little as its gradient text changes width, and newer Graphviz versions end the
    # edges at the highlighted, thicker outlines a point earlier.)
    assert len({tuple(BOX.findall(svg)) for svg in anim.svgs()}) == 1


class _HTMLStructure(html.parser.HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.svgs = 0
        self.ranges: list[dict[str, str | None]] = []
        self.ids: list[str] = []
        self.figures: list[dict[str, str | None]] = []
        self.doctype = ""
        self.text = []
        self.scripts = 0

    def handle_decl(self, decl: str) -> None:
        self.doctype = decl

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        self.tags.append(tag)
        if tag == "svg":
            self.svgs += 1
        if tag == "input" and a.get("type") == "range":
            self.ranges.append(a)
        if tag == "figure":
            self.figures.append(a)
        if tag == "script":
            self.scripts += 1
            assert "src" not in a
        if tag == "link":
            raise AssertionError("the player must not link external resources")
        if "id" in a:
            self.ids.append(a["id"])

    def handle_data(self, data):
        self.text.append(data)


def parse(text: str) -> _HTMLStructure:
    p = _HTMLStructure()
    p.feed(text)
    p.close()
    return p


def test_html_player_is_standalone_and_holds_every_frame(backend, animations):
    _, anim = animations["micrograd"]
    page = anim.to_html()
    p = parse(page)
    n = len(anim)
    assert p.doctype.lower() == "doctype html"
    assert p.tags[:2] == ["html", "head"] and "body" in p.tags
    assert p.svgs == n
    assert len(p.ranges) == 1
    assert p.ranges[0]["min"] == "0" and p.ranges[0]["max"] == str(n - 1)
    assert "http://" not in page and "https://" not in page
    assert len(p.ids) == len(set(p.ids))  # frames' SVG ids were made unique
    text = "".join(p.text)
    for frame in anim.frames:
        assert frame.caption in text
    # without JavaScript the first frame shows, the others are hidden
    assert [("hidden" in f) for f in p.figures] == [False] + [True] * (n - 1)
    assert p.scripts == 1
    # text colours survive a dark theme's `svg text { fill: ... }` rule
    texts = re.findall(r"<text\b[^>]*>", page)
    assert texts and all('style="fill:' in t for t in texts)
    assert "background:#ffffff" in page  # readable on a dark notebook theme
    assert "max-width:100%" in page and "height:auto" in page  # scales, never clips


def test_two_players_on_one_page_have_distinct_ids(animations):
    _, anim = animations["square"]
    one, two = anim._repr_html_(), anim._repr_html_()
    assert "<html" not in one and one.lstrip().startswith("<div")
    ids_one, ids_two = set(parse(one).ids), set(parse(two).ids)
    assert ids_one and not ids_one & ids_two
    root_id = re.search(r'<div class="dg-anim" id="([^"]+)"', one).group(1)
    assert f'getElementById("{root_id}")' in one


def test_html_options(animations):
    _, anim = animations["square"]
    assert "if (true &&" in anim.to_html(autoplay=True, interval_ms=250)
    assert "interval = 250" in anim.to_html(interval_ms=250)
    with pytest.raises(ValueError, match="interval_ms"):
        anim.to_html(interval_ms=0)


def test_gif_export(backend, animations, tmp_path):
    from PIL import Image

    _, anim = animations["micrograd"]
    path = anim.save(tmp_path / "backprop.gif", interval_ms=300)
    with Image.open(path) as im:
        assert im.format == "GIF"
        assert im.n_frames == len(anim)
        assert im.info.get("loop") == 0
        im.seek(1)
        assert im.info["duration"] == 300


@pytest.mark.parametrize("fmt", ["png", "svg"])
def test_frame_folder_export(backend, animations, tmp_path, fmt):
    _, anim = animations["square"]
    out = anim.save(tmp_path / "frames", format=fmt)
    files = sorted(out.iterdir())
    assert [f.name for f in files] == [f"frame_{i:03d}.{fmt}" for i in range(len(anim))]
    if fmt == "png":
        from PIL import Image

        sizes = {Image.open(f).size for f in files}
        assert len(sizes) == 1  # one page size: the frames play as a movie
    else:
        text = files[-1].read_text(encoding="utf-8")
        assert text.count("<svg") == 2  # the page and the graph inside it
        assert "grad[x] = 3 + 3 = 6" in text


def test_save_picks_the_format_from_the_path(animations, tmp_path):
    _, anim = animations["square"]
    assert anim.save(tmp_path / "p.html").read_text(encoding="utf-8").startswith("<!DOCTYPE")
    folder = anim.save(str(tmp_path / "as_dir") + "/")
    assert len(list(folder.glob("frame_*.png"))) == len(anim)
    (tmp_path / "existing").mkdir()
    anim.save(tmp_path / "existing", format="svg")
    assert len(list((tmp_path / "existing").glob("frame_*.svg"))) == len(anim)
    with pytest.raises(ValueError, match="cannot tell"):
        anim.save(tmp_path / "frames.png")
    with pytest.raises(ValueError, match="unknown format"):
        anim.save(tmp_path / "x", format="mp4")


def test_repr(animations):
    _, anim = animations["micrograd"]
    assert repr(anim) == "<BackwardAnimation: 8 frames, 7 nodes>"
    assert anim[0] is anim.frames[0] and list(anim) == anim.frames
