"""Files of ``BackwardAnimation`` frames: captioned SVG pages (SVG/PNG frames) and the GIF.

``captioned_pages`` puts each rendered frame on a page of one common size with its
caption under the graph, so the pages can be played as a movie; ``gif_bytes`` makes that
movie.
"""

from __future__ import annotations

import io
import re
import textwrap
from html import escape

from .. import render as _render
from ..fonts import JA_FONT, needs_ja_font
from ..graph.dot import INK

__all__ = ["captioned_pages", "gif_bytes"]

_SIZE_RE = re.compile(r'<svg\b[^>]*?\bwidth="([\d.]+)pt"[^>]*?\bheight="([\d.]+)pt"', re.S)
_CAPTION_FONT = 12.0  # pt
_CHAR_WIDTH = 0.56 * _CAPTION_FONT  # a generous average for a sans-serif face
_MIN_WIDTH = 420.0  # pt: room for a readable caption line even under a tiny graph


def _svg_size(svg: str) -> tuple[float, float]:
    m = _SIZE_RE.search(svg)
    if m is None:
        raise _render.RenderError("cannot read the size of a rendered frame")
    return float(m.group(1)), float(m.group(2))


def _svg_body(svg: str) -> str:
    """The ``<svg ...>...</svg>`` element alone (no XML declaration, doctype, comments)."""
    start = svg.find("<svg")
    return re.sub(r"<!--.*?-->", "", svg[start:], flags=re.S).strip()


def captioned_pages(svgs: list[str], captions: list[str]) -> list[str]:
    """Each SVG centred on a common white page, its caption wrapped underneath."""
    sizes = [_svg_size(s) for s in svgs]
    width = max(_MIN_WIDTH, max(w for w, _ in sizes))
    japanese = any(needs_ja_font(c) for c in captions)
    # Japanese characters are a full em wide (not ~0.56 em): fewer fit on a line
    char_width = _CAPTION_FONT if japanese else _CHAR_WIDTH
    per_line = max(20, int((width - 16) / char_width))
    family = f"{JA_FONT},Helvetica,Arial,sans-serif" if japanese else "Helvetica,Arial,sans-serif"
    lines = [textwrap.wrap(c, per_line) or [""] for c in captions]
    graph_h = max(h for _, h in sizes)
    line_h = _CAPTION_FONT * 1.35
    height = graph_h + 10 + line_h * max(len(ls) for ls in lines) + 8
    pages = []
    for svg, (w, h), caption_lines in zip(svgs, sizes, lines):
        inner = _svg_body(svg)
        # the graph's own width/height in pt become user units of the page
        tag_end = inner.index(">")
        tag = re.sub(
            r'\swidth="[\d.]+pt"',
            f' x="{_fmt((width - w) / 2)}" width="{_fmt(w)}"',
            inner[:tag_end],
            count=1,
        )
        tag = re.sub(r'\sheight="[\d.]+pt"', f' y="0" height="{_fmt(h)}"', tag, count=1)
        inner = tag + inner[tag_end:]
        text = "".join(
            f'<text x="8" y="{_fmt(graph_h + 10 + line_h * (k + 0.8))}">{escape(line)}</text>'
            for k, line in enumerate(caption_lines)
        )
        pages.append(
            '<?xml version="1.0" encoding="UTF-8" standalone="no"?>\n'
            f'<svg xmlns="http://www.w3.org/2000/svg" width="{_fmt(width)}pt" '
            f'height="{_fmt(height)}pt" viewBox="0 0 {_fmt(width)} {_fmt(height)}">\n'
            f'<rect width="100%" height="100%" fill="white"/>\n{inner}\n'
            f'<g font-family="{family}" font-size="{_fmt(_CAPTION_FONT)}" '
            f'fill="{INK}">{text}</g>\n</svg>\n'
        )
    return pages


def _fmt(x: float) -> str:
    return f"{x:.2f}".rstrip("0").rstrip(".")


def gif_bytes(pages: list[str], interval_ms: int, scale: float) -> bytes:
    """An animated GIF of SVG pages of one size (``captioned_pages``), looping forever."""
    try:
        from PIL import Image
    except ImportError:
        raise _render.RenderError(
            "saving a GIF needs Pillow; pip install pillow "
            "(part of pip install 'deltagrad[render]')"
        ) from None
    images = [
        Image.open(io.BytesIO(_render.svg_to_png(svg, scale))).convert("RGB") for svg in pages
    ]
    # The pages share one size, but rounding can leave a pixel of difference.
    w = max(im.width for im in images)
    h = max(im.height for im in images)
    padded = []
    for im in images:
        if im.size != (w, h):
            page = Image.new("RGB", (w, h), "white")
            page.paste(im, (0, 0))
            im = page
        padded.append(im)
    durations = [interval_ms] * len(padded)
    durations[-1] = 3 * interval_ms  # linger on the result
    out = io.BytesIO()
    padded[0].save(
        out,
        format="GIF",
        save_all=True,
        append_images=padded[1:],
        duration=durations,
        loop=0,
        disposal=1,
    )
    return out.getvalue()
