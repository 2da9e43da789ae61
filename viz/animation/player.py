"""The HTML player of ``BackwardAnimation``: plain HTML, CSS and a few lines of JavaScript.

``player_fragment`` makes the player for a notebook cell or a page, ``player_document``
a standalone page; both are given the frames (SVG documents and captions), not the
animation. (The frames' pictures come from ``viz.animation.frame_drawer``, the GIF and
frame files from ``viz.animation.frame_export``.)

Design constraints of the player, and how they are met:

* **self-contained** -- every frame's SVG is inlined; no external script, style sheet,
  font or URL (the SVGs lose their XML namespace declarations, which HTML does not
  need), so the page works offline, from a file, and inside a notebook;
* **readable without JavaScript** -- notebooks may strip or sandbox scripts (an
  untrusted notebook, a static viewer): the first frame and its caption are plain
  markup, the others carry the ``hidden`` attribute, and a note says what is missing;
* **several players per page** -- all ids (the player's and the SVGs' own) get a prefix
  unique to each call, and the script only looks inside its own player;
* **dark themes** -- the player paints its own light background and text colours;
* **any width** -- the SVGs scale down to the available width (never up) without
  clipping.

``page.html#frame=N`` opens the player at frame ``N`` (0-based), so a headless browser
or a link in a text can point at one step.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Sequence
from html import escape

from ..words import current_language, say

__all__ = ["player_fragment", "player_document", "inline_svg", "check_interval"]


def check_interval(interval_ms: int) -> None:
    """Validate the time per frame (ms) of the player, and of the GIF (``save``)."""
    if isinstance(interval_ms, bool) or not isinstance(interval_ms, int) or interval_ms < 20:
        raise ValueError(f"interval_ms must be an int >= 20 (milliseconds), got {interval_ms!r}")


_CSS = """
#{uid} {{ background:#ffffff; color:#1f2937; color-scheme:light; border:1px solid #d1d5db;
  border-radius:8px; padding:10px 12px; margin:6px 0; max-width:100%; box-sizing:border-box;
  font-family:Helvetica,Arial,sans-serif; font-size:14px; line-height:1.35; }}
#{uid} [hidden] {{ display:none !important; }}
#{uid} .dg-frame {{ margin:0; }}
#{uid} .dg-frame svg {{ display:block; max-width:100%; height:auto; margin:0 auto; }}
#{uid} .dg-frame figcaption {{ margin-top:6px; min-height:2.7em; white-space:pre-wrap;
  overflow-wrap:anywhere; }}
#{uid} .dg-controls {{ display:flex; flex-wrap:wrap; align-items:center; gap:6px;
  margin-top:8px; }}
#{uid} .dg-controls button {{ background:#f3f4f6; color:#1f2937; border:1px solid #9ca3af;
  border-radius:4px; padding:2px 10px; font:inherit; cursor:pointer; }}
#{uid} .dg-controls button:disabled {{ opacity:0.45; cursor:default; }}
#{uid} .dg-controls input[type=range] {{ flex:1 1 160px; min-width:120px;
  accent-color:#b45309; }}
#{uid} .dg-counter {{ font-variant-numeric:tabular-nums; white-space:nowrap; }}
#{uid} .dg-nojs {{ color:#6b7280; font-size:12px; margin:6px 0 0 0; }}
"""

# ES5 only, no modules: it must run in whatever a notebook front end embeds.
_JS = """
(function () {{
  var root = document.getElementById("{uid}");
  if (!root) return;
  var frames = root.querySelectorAll(".dg-frame");
  var n = frames.length, cur = 0, timer = null, interval = {interval};
  var slider = root.querySelector(".dg-slider");
  var counter = root.querySelector(".dg-counter");
  var prev = root.querySelector(".dg-prev"), next = root.querySelector(".dg-next");
  var play = root.querySelector(".dg-play");
  function show(i) {{
    i = Math.max(0, Math.min(n - 1, Math.floor(Number(i) || 0)));
    frames[cur].hidden = true;
    frames[i].hidden = false;
    cur = i;
    slider.value = String(i);
    slider.setAttribute("value", String(i));  /* so a saved or dumped page shows it too */
    counter.textContent = "{frame} " + (i + 1) + " / " + n;
    prev.disabled = i === 0;
    next.disabled = i === n - 1;
    root.setAttribute("data-frame", String(i));
  }}
  function stop() {{
    if (timer !== null) clearInterval(timer);
    timer = null;
    play.textContent = "{play}";
    play.setAttribute("aria-pressed", "false");
  }}
  function start() {{
    if (cur >= n - 1) show(0);
    stop();
    play.textContent = "{pause}";
    play.setAttribute("aria-pressed", "true");
    timer = setInterval(function () {{
      if (cur >= n - 1) {{ stop(); return; }}
      show(cur + 1);
    }}, interval);
  }}
  prev.addEventListener("click", function () {{ stop(); show(cur - 1); }});
  next.addEventListener("click", function () {{ stop(); show(cur + 1); }});
  play.addEventListener("click", function () {{ if (timer === null) start(); else stop(); }});
  slider.addEventListener("input", function () {{ stop(); show(slider.value); }});
  root.addEventListener("keydown", function (e) {{
    if (e.target === slider) return;  /* the slider handles its own arrow keys */
    if (e.key === "ArrowLeft") {{ stop(); show(cur - 1); e.preventDefault(); }}
    else if (e.key === "ArrowRight") {{ stop(); show(cur + 1); e.preventDefault(); }}
  }});
  function fromHash() {{
    var m = /(?:^#|&)frame=(\\d+)/.exec(window.location.hash || "");
    if (m) {{ stop(); show(parseInt(m[1], 10)); }}
  }}
  window.addEventListener("hashchange", fromHash);
  var note = root.querySelector(".dg-nojs");
  if (note) note.hidden = true;
  show(0);
  fromHash();
  if ({autoplay} && !/(?:^#|&)frame=/.test(window.location.hash || "")) start();
}})();
"""

_PROLOGUE = re.compile(r"^.*?(?=<svg\b)", re.S)
_COMMENT = re.compile(r"<!--.*?-->", re.S)
_XMLNS = re.compile(r'\s+xmlns(?::\w+)?="[^"]*"')
_ID = re.compile(r'(\sid=")([^"]*")')
_TITLE = re.compile(r"<title>.*?</title>\s*", re.S)
_TEXT_FILL = re.compile(r'<text\b([^>]*?)\sfill="([^"]*)"')


def inline_svg(svg: str, prefix: str) -> str:
    """Make a Graphviz SVG document fit for inlining into HTML.

    Drops the XML declaration, doctype, comments and namespace declarations (HTML's
    parser puts ``<svg>`` in the SVG namespace by itself); prefixes every ``id`` so
    several frames and players can share a page; drops ``<title>`` elements, whose
    internal names (``v3``, ``op3``) would pop up as tooltips. Text colours become
    inline styles: a dark notebook theme's ``svg text { fill: ... }`` rule outranks
    SVG presentation attributes and would paint light text on the light boxes.
    """
    svg = _PROLOGUE.sub("", svg, count=1)
    svg = _COMMENT.sub("", svg)
    svg = _XMLNS.sub("", svg)
    svg = _TITLE.sub("", svg)
    svg = _ID.sub(lambda m: f"{m.group(1)}{prefix}{m.group(2)}", svg)
    svg = _TEXT_FILL.sub(r'<text\1 fill="\2" style="fill:\2"', svg)
    return svg.strip()


def player_fragment(
    svgs: Sequence[str], captions: Sequence[str], *, autoplay: bool, interval_ms: int
) -> str:
    """The player of the frames ``svgs`` as an HTML fragment (a ``<div>``).

    Parameters
    ----------
    svgs : sequence of str
        One SVG document per frame, as Graphviz writes them.
    captions : sequence of str
        One caption per frame, shown under its picture.
    autoplay : bool
        Start playing when the page is loaded.
    interval_ms : int
        Time per frame when playing, in milliseconds (>= 20).

    Each call makes new ids, so the same frames can be shown twice on one page.
    """
    check_interval(interval_ms)
    if len(svgs) != len(captions):
        raise ValueError(
            f"player_fragment: {len(svgs)} frames but {len(captions)} captions; give one "
            "caption per frame"
        )
    uid = f"dg-anim-{uuid.uuid4().hex[:12]}"
    n = len(svgs)
    figures = []
    for i, (svg, caption) in enumerate(zip(svgs, captions)):
        hidden = "" if i == 0 else " hidden"
        figures.append(
            f'<figure class="dg-frame" data-frame="{i}"{hidden}>\n'
            f"{inline_svg(svg, f'{uid}-f{i}-')}\n"
            f"<figcaption>{escape(caption)}</figcaption>\n</figure>"
        )
    controls = (
        '<div class="dg-controls">'
        f'<button type="button" class="dg-prev" title="{say("player_prev_title")}" disabled>'
        f"{say('player_prev')}</button>"
        f'<button type="button" class="dg-play" aria-pressed="false">{say("player_play")}</button>'
        f'<button type="button" class="dg-next" title="{say("player_next_title")}">'
        f"{say('player_next')}</button>"
        f'<input type="range" class="dg-slider" min="0" max="{n - 1}" step="1" value="0" '
        f'aria-label="{say("player_frame")}">'
        f'<span class="dg-counter" aria-live="polite">{say("player_frame")} 1 / {n}</span>'
        "</div>"
    )
    note = f'<p class="dg-nojs">{say("player_nojs")}</p>'
    css = _CSS.format(uid=uid)
    js = _JS.format(
        uid=uid,
        interval=int(interval_ms),
        autoplay="true" if autoplay else "false",
        frame=say("player_frame"),
        play=say("player_play_js"),
        pause=say("player_pause_js"),
    )
    return (
        f'<div class="dg-anim" id="{uid}" tabindex="0" data-frames="{n}">\n'
        f"<style>{css}</style>\n"
        + "\n".join(figures)
        + f"\n{controls}\n{note}\n<script>{js}</script>\n</div>"
    )


def player_document(
    svgs: Sequence[str], captions: Sequence[str], *, autoplay: bool, interval_ms: int
) -> str:
    """The player as a complete, standalone HTML document (see ``player_fragment``)."""
    body = player_fragment(svgs, captions, autoplay=autoplay, interval_ms=interval_ms)
    return (
        "<!DOCTYPE html>\n"
        f'<html lang="{current_language()}">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{say('player_title')}</title>\n"
        "<style>body { background:#ffffff; margin:12px; }</style>\n"
        f"</head>\n<body>\n{body}\n</body>\n</html>\n"
    )
