"""Every word viz puts in a picture, in each language: one table, ``key -> {en, ja}``.

Drawings, animations, the explorer and the plots never spell a visible word themselves;
they ask ``say("grad")`` (or ``say("step_head", k=3, n=9, ...)`` for a sentence with
numbers) and get it in the language of the picture being made:

* inside ``speaking(language)`` (``draw_graph(..., language="ja")`` and friends wrap
  their work in it): that language, for this thread / task only (a ``ContextVar``,
  so a drawing in one thread never changes the words of another);
* otherwise the process-wide ``viz.set_language(...)`` (default ``"en"``).

The English entries are the texts viz has always written, so English pictures are
unchanged byte for byte. Numbers, names and formulas (``∂/∂a = -3``) are not words:
they are the same in every language.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from contextvars import ContextVar

from .language import LANGUAGES, get_language, resolve_language

__all__ = ["WORDS", "say", "words", "speaking", "current_language"]

#: key -> {language -> text}. A text may hold ``{name}`` fields, filled by ``say``.
WORDS: dict[str, dict[str, str]] = {
    # ---------------------------------------------------------------- boxes of a graph
    "data": {"en": "data", "ja": "データ"},
    "grad": {"en": "grad", "ja": "勾配"},
    "shape": {"en": "shape", "ja": "形状"},
    "not_computed": {"en": "grad: —  (not computed yet)", "ja": "勾配: —  (まだ計算されていない)"},
    "no_grad": {"en": "grad: —  (constant)", "ja": "勾配: —  (定数)"},
    "stats": {
        "en": "mean {mean}  std {std}  min {lo}  max {hi}",
        "ja": "平均 {mean}  標準偏差 {std}  最小 {lo}  最大 {hi}",
    },
    "empty": {"en": "(empty)", "ja": "(空)"},
    "true_count": {"en": "{k} of {n} True", "ja": "{n} 個中 {k} 個が True"},
    "same_node": {"en": "(same node)", "ja": "(同じノード)"},
    "inputs_like_this": {"en": "{count} inputs like this", "ja": "同様の入力 {count} 個"},
    "scalar": {"en": "scalar", "ja": "スカラー"},
    # derivative rules of Tensor ops (the rule templates themselves are formulas)
    "rule_unknown": {"en": "∂({op})/∂input {i}", "ja": "∂({op})/∂入力 {i}"},
    "rule_none": {"en": "not differentiated", "ja": "微分されない"},
    "rule_summed": {
        "en": "\n(summed over broadcast axes)",
        "ja": "\n(ブロードキャストした軸で和をとる)",
    },
    # ---------------------------------------------------------------- titles of a graph
    "not_computed_title": {
        "en": "grad: —  not computed yet (every grad shows 0 until {call} runs)",
        "ja": "勾配: —  まだ計算されていない ({call} を実行するまで、勾配はすべて 0 と表示される)",
    },
    "backward_on_root": {"en": "backward() on the root", "ja": "出力ノードの backward()"},
    "summary_head": {
        "en": "Summary of a graph of {total} nodes (too many to draw in full):",
        "ja": "ノード数 {total} の計算グラフの要約 (すべて描くには多すぎる):",
    },
    "summary_fold": {
        "en": "· a sum of {count} alike terms ({size} {nodes} each) is drawn once, "
        "×{count}: term {shown} of {count} is shown",
        "ja": "· 同形の項 {count} 個 (各 {size} {nodes}) の和は 1 回だけ描く (×{count}): "
        "{count} 項中の項 {shown} を表示",
    },
    "node_one": {"en": "node", "ja": "ノード"},
    "node_many": {"en": "nodes", "ja": "ノード"},
    "summary_modules": {
        "en": "· {count} modules ({kinds}) are drawn as one box each",
        "ja": "· モジュール {count} 個 ({kinds}) はそれぞれ 1 つの箱で描く",
    },
    "expand_fold": {
        "en": "sample=k draws term k; fold=False draws every term",
        "ja": "sample=k で項 k を描き、fold=False ですべての項を描く",
    },
    "expand_modules": {
        "en": "collapse=None draws inside the modules",
        "ja": "collapse=None でモジュールの中を描く",
    },
    "expand": {
        "en": "Expand: {how} (with max_nodes=None past the size limit)",
        "ja": "展開するには: {how} (大きさの上限を超えるときは max_nodes=None も渡す)",
    },
    "expand_sep": {"en": "; ", "ja": "。"},
    "textbook_title": {
        "en": "Textbook notation: the input is layer 1; u = Σ w·z + b, z = f(u); "
        "δ = ∂E/∂u is the gradient of u",
        "ja": "教科書の記法: 入力層を第 1 層とする。u = Σ w·z + b, z = f(u)。"
        "δ = ∂E/∂u は u の勾配 (デルタ)",
    },
    # ---------------------------------------------------------------- folded sums
    "alike_terms": {
        "en": "×{count} alike terms, term {shown} shown",
        "ja": "×{count} 個の同形の項 (項 {shown} を表示)",
    },
    "term_of": {"en": "term {shown} of {count}", "ja": "{count} 項中の項 {shown}"},
    "one_of_alike": {
        "en": "1 of {count} alike, ×{count}",
        "ja": "同形 {count} 個中の 1 個, ×{count}",
    },
    # ---------------------------------------------------------------- NaN / Inf notes
    "first_nonfinite": {
        "en": "first non-finite: '{op}' gives {kinds}\nfrom finite inputs",
        "ja": "最初の非有限値: '{op}' が有限の入力から\n{kinds} を出す",
    },
    "nonfinite_input": {
        "en": "non-finite input: {kinds} in a leaf",
        "ja": "非有限の入力: 葉ノードに {kinds}",
    },
    "first_nonfinite_grad": {
        "en": "first non-finite gradient: backward of '{op}'\n"
        "sends non-finite values to input {j}\nthough its own gradient is finite",
        "ja": "最初の非有限の勾配: '{op}' の逆伝播が\n"
        "入力 {j} に非有限値を送る\n(自身の勾配は有限)",
    },
    "nonfinite_seed": {
        "en": "non-finite seed gradient\n(the root's grad)",
        "ja": "非有限の初期勾配\n(出力ノードの勾配)",
    },
    "anomaly_hint": {
        "en": "\n(autograd.detect_anomaly() stops at this op\nand names the line that made it)",
        "ja": "\n(autograd.detect_anomaly() はこの演算で止まり、\nそれを作った行を示す)",
    },
    "created_at": {"en": "\ncreated at {where}", "ja": "\n作成場所 {where}"},
    # ---------------------------------------------------------------- backward animation
    "anim_no_grad": {"en": "grad —", "ja": "勾配 —"},
    "anim_forward": {
        "en": "Forward pass done: every box shows its data; no gradient has been computed "
        "yet. Backward starts at {root} and walks the graph back to its inputs.",
        "ja": "順伝播が終わった: 各ノードの箱にはデータが表示され、勾配はまだ計算されていない。"
        "逆伝播は {root} から始まり、計算グラフを入力までさかのぼる。",
    },
    "anim_seed": {
        "en": "Seed: grad[{root}] = ∂{root}/∂{root} = {seed}. Now each node, from the output "
        "back, sends local derivative × its grad into each operand (+=).",
        "ja": "初期値: grad[{root}] = ∂{root}/∂{root} = {seed}。ここから各ノードが出力側から順に、"
        "局所微分 × 自身の勾配 を各オペランドへ送る (+=)。",
    },
    "ones_of_shape": {"en": "ones of shape {shape}", "ja": "形状 {shape} の 1 の配列"},
    "operand_of": {
        "en": " (operand {k} of {n})",
        "ja": " (オペランド {n} 個中の {k} 番目)",
    },
    "step_head": {
        "en": "Step {k}/{n} · {expr}{operand}: ",
        "ja": "ステップ {k}/{n} · {expr}{operand}: ",
    },
    "with_gy": {"en": "with gy", "ja": "ただし gy"},
    "anim_done": {
        "en": "  — done: every grad is now ∂{root}/∂node",
        "ja": "  — 完了: 各ノードの勾配は ∂{root}/∂(ノード) になった",
    },
    "player_prev": {"en": "\u25c0 Prev", "ja": "\u25c0 前へ"},
    "player_next": {"en": "Next \u25b6", "ja": "次へ \u25b6"},
    "player_play": {"en": "\u25b6 Play", "ja": "\u25b6 再生"},
    # the player's script sets these texts: JavaScript string contents, escapes kept
    "player_play_js": {"en": "\\u25B6 Play", "ja": "\\u25B6 再生"},
    "player_pause_js": {"en": "\\u275A\\u275A Pause", "ja": "\\u275A\\u275A 一時停止"},
    "player_prev_title": {"en": "Previous step (←)", "ja": "前のステップ (←)"},
    "player_next_title": {"en": "Next step (→)", "ja": "次のステップ (→)"},
    "player_frame": {"en": "Frame", "ja": "フレーム"},
    "player_nojs": {
        "en": "Showing the first frame only: stepping through the frames needs "
        "JavaScript (in Jupyter: trust the notebook, or re-run the cell; or save the "
        "animation as .html or .gif).",
        "ja": "最初のフレームだけを表示している: フレームを進めるには JavaScript が必要である "
        "(Jupyter ではノートブックを信頼するか、セルを再実行する。"
        "または .html か .gif として保存する)。",
    },
    "player_title": {"en": "Backpropagation, step by step", "ja": "誤差逆伝播法を一歩ずつ"},
    # ---------------------------------------------------------------- explorer
    "x_search": {"en": "search names", "ja": "名前を検索"},
    "x_fit": {"en": "fit", "ja": "全体表示"},
    "x_fit_title": {"en": "reset pan and zoom", "ja": "移動と拡大をリセット"},
    "x_play": {"en": "▶ backward", "ja": "▶ 逆伝播"},
    "x_play_title": {"en": "replay backward() on this view", "ja": "この表示で backward() を再生"},
    "x_download": {"en": "download the current view", "ja": "現在の表示をダウンロード"},
    "x_hint": {
        "en": "Hover or click a node for its numbers; click a purple box to open it; "
        "drag to pan, wheel to zoom.",
        "ja": "ノードにカーソルを置くかクリックすると数値を表示する。紫の箱をクリックすると開く。"
        "ドラッグで移動、ホイールで拡大縮小。",
    },
    "x_title": {"en": "deltagrad graph explorer", "ja": "deltagrad 計算グラフ・エクスプローラ"},
    "x_training_graph": {"en": "training graph", "ja": "学習の計算グラフ"},
    "x_too_many": {
        "en": "This view has {nodes} nodes: too many to lay out quickly.\n"
        "Pass model=your_model to split it into modules, or explore a smaller part.",
        "ja": "この表示のノード数は {nodes}: すばやく配置するには多すぎる。\n"
        "model=your_model を渡してモジュールに分けるか、より小さな部分を探索する。",
    },
    # words the explorer's script shows (sent to the page as data)
    "x_folded": {
        "en": "folded: {count} alike copies, showing copy {k}",
        "ja": "折りたたみ: 同形のコピー {count} 個、コピー {k} を表示",
    },
    "x_copy": {"en": "copy {k}", "ja": "コピー {k}"},
    "x_no_gradient": {"en": "—  (no gradient)", "ja": "—  (勾配なし)"},
    "x_stats": {
        "en": "min {min}  mean {mean}  max {max}  std {std}",
        "ja": "最小 {min}  平均 {mean}  最大 {max}  標準偏差 {std}",
    },
    "x_node": {"en": "node", "ja": "ノード"},
    "x_leaf": {"en": "leaf", "ja": "葉"},
    "x_kind": {"en": "kind", "ja": "種類"},
    "x_op": {"en": "op", "ja": "演算"},
    "x_module": {"en": "module", "ja": "モジュール"},
    "x_inputs": {"en": "inputs and local derivatives:", "ja": "入力と局所微分:"},
    "x_view": {"en": "(view)", "ja": "(表示)"},
    "x_kind_leaf": {"en": "leaf", "ja": "葉 (入力・パラメータ)"},
    "x_kind_constant": {"en": "constant", "ja": "定数"},
    "x_kind_computed": {"en": "computed", "ja": "計算結果"},
    "x_kind_root": {"en": "root", "ja": "出力 (根)"},
    "x_box": {
        "en": "{title}\n{count} {what}\nclick to open",
        "ja": "{title}\n{what} {count} 個\nクリックで開く",
    },
    "x_values": {"en": "Values", "ja": "Value"},
    "x_copies_too_large": {
        "en": "{copies} alike copies of a {nodes}-node subgraph:\n"
        "too large to draw here; pass model=your_model to split it into modules",
        "ja": "ノード数 {nodes} の同形の部分グラフのコピー {copies} 個:\n"
        "ここに描くには大きすぎる。model=your_model を渡してモジュールに分ける",
    },
    "x_copy_of": {
        "en": "copy {k} of {copies} alike (folded: {copies} × this subgraph)",
        "ja": "同形 {copies} 個中のコピー {k} (折りたたみ: この部分グラフ × {copies})",
    },
    "x_click_to_open": {"en": "click to open", "ja": "クリックで開く"},
    "x_the_training_graph": {"en": "the training graph", "ja": "学習の計算グラフ"},
    "x_from": {"en": "from {where}\n{name}", "ja": "{where} から\n{name}"},
    "x_value_count": {"en": "{c} value", "ja": "値 {c} 個"},
    "x_values_count": {"en": "{c} values", "ja": "値 {c} 個"},
    "x_nodes": {"en": "nodes", "ja": "ノード"},
    "x_in": {"en": "in", "ja": "場所:"},
    # ---------------------------------------------------------------- plots
    "p_loss": {"en": "loss", "ja": "損失"},
    "p_epoch": {"en": "epoch", "ja": "エポック"},
    "p_train": {"en": "train_{name}", "ja": "訓練 {name}"},
    "p_val": {"en": "val_{name}", "ja": "検証 {name}"},
    "p_best_epoch": {"en": "best epoch {epoch}", "ja": "最良のエポック {epoch}"},
    "p_stopped": {"en": "stopped after epoch {epoch}", "ja": "エポック {epoch} で打ち切り"},
    "p_decision": {"en": "decision regions ({n} classes)", "ja": "決定領域 ({n} クラス)"},
    "p_steps": {"en": "{name} ({n} steps)", "ja": "{name} ({n} ステップ)"},
    "p_time_step": {"en": "time step t", "ja": "時刻 t"},
    "p_target": {"en": "target", "ja": "目標値"},
    "p_prediction": {"en": "prediction", "ja": "予測値"},
    "p_mean_std": {"en": "mean {mean}, std {std}", "ja": "平均 {mean}, 標準偏差 {std}"},
    "p_empty": {"en": "empty", "ja": "空"},
    "p_max_grad": {"en": "max |grad|", "ja": "最大 |勾配|"},
    "p_mean_grad": {"en": "mean |grad|", "ja": "平均 |勾配|"},
    "p_gradient_abs": {"en": "|gradient|", "ja": "|勾配|"},
    "p_gradient_flow": {
        "en": "gradient flow (input layer on the left)",
        "ja": "勾配の流れ (左が入力層)",
    },
    "p_channel": {"en": "ch {k}", "ja": "チャネル {k}"},
}


# The language of the picture being made now (None: the process-wide setting). A
# ContextVar, not a global: each thread (and asyncio task) has its own.
_speaking: ContextVar[str | None] = ContextVar("viz_speaking", default=None)


def current_language() -> str:
    """The language words are given in here: ``speaking``'s, else ``viz.get_language()``."""
    return _speaking.get() or get_language()


@contextlib.contextmanager
def speaking(language: str | None, where: str = "viz") -> Iterator[str]:
    """Give every word in ``language`` inside the block.

    ``None`` keeps the language already in force: an enclosing ``speaking`` block's,
    else the global setting. ``where`` names the caller in the ``ValueError`` for an
    unknown language.
    """
    chosen = current_language() if language is None else resolve_language(language, where)
    token = _speaking.set(chosen)
    try:
        yield chosen
    finally:
        _speaking.reset(token)


def words(language: str | None = None) -> dict[str, str]:
    """All words in one language (default: ``current_language()``), for hot loops."""
    lang = language or current_language()
    return {key: texts[lang] for key, texts in WORDS.items()}


def say(key: str, **values: object) -> str:
    """The word ``key`` in the current language, its ``{fields}`` filled from ``values``."""
    text = WORDS[key][current_language()]
    return text.format(**values) if values else text


assert all(set(texts) == set(LANGUAGES) for texts in WORDS.values())
