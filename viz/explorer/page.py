"""The explorer's HTML: style, toolbar, the embedded data and a small vanilla script.

Everything is inline (no CDN, nothing fetched), so a saved page works offline and the
same fragment works in a notebook cell. The script (``SCRIPT``) shows one view's SVG at a
time and wires it up:

* drag to pan, wheel to zoom (the SVG's ``viewBox`` is moved; "fit" resets it);
* click a box (``b<k>``) to open its view; the breadcrumb leads back up;
* hover or click a node (``n<i>``) for its record in the side panel: data, grad, and
  ``∂node/∂parent`` of every edge into it (for a Tensor: shape, dtype, statistics, heat
  maps); a "from ..." stub (``s<i>``) opens the view where that node lives;
* the search box finds nodes and views by name; "SVG" and "PNG" download the current view
  as drawn; "▶ backward" replays the backward pass on the view: its nodes in reverse
  topological order, each with its gradient in the panel.

For tests and links, a saved page also runs the steps in its URL fragment, in order,
through the same event handlers a user triggers: ``#open=g:layers.1&hover=123&up=1``
(``open=<view>``, ``click=<view>`` (its box in the current view), ``hover=<node>``,
``node=<node>`` (a click on it), ``up=1``, ``sample=<k>``, ``search=<text>``,
``result=<k>``, ``zoom=1``, ``button=<play|export|png|fit>``). The page then records its
state on its root element:
``data-view``, ``data-info`` (the node in the panel),
``data-load-ms`` (time from navigation start until the first view was shown),
``data-drill-ms`` (the slowest view change), ``data-steps`` ("ok" or the failed step),
``data-exported`` (``svg:<bytes>``/``png:<bytes>``), ``data-backward`` (``k/N:<node>``).
"""

from __future__ import annotations

from ..words import current_language, say

__all__ = ["page_html", "SCRIPT", "STYLE_SHEET"]

STYLE_SHEET = """
.dgx{font:13px/1.35 Helvetica,Arial,sans-serif;color:#1f2937;background:#fff;
  border:1px solid #d1d5db;border-radius:6px;padding:6px;max-width:100%}
.dgx-bar{display:flex;flex-wrap:wrap;gap:6px;align-items:center;margin-bottom:4px}
.dgx-crumbs a{color:#1d4ed8;cursor:pointer;text-decoration:underline}
.dgx-crumbs .dgx-here{font-weight:bold}
.dgx-samples button,.dgx-bar>button{font:inherit;padding:1px 6px;cursor:pointer}
.dgx-samples .dgx-on{background:#ede9fe;border-color:#6d28d9}
.dgx-search{font:inherit;width:14em}
.dgx-results{max-height:9em;overflow:auto}
.dgx-results a{display:block;color:#1d4ed8;cursor:pointer}
.dgx-main{display:flex;gap:6px;align-items:stretch}
.dgx-stage{flex:1 1 auto;height:560px;border:1px solid #e5e7eb;overflow:hidden;
  cursor:grab;touch-action:none;background:#fff}
.dgx-stage svg{width:100%;height:100%;display:block}
.dgx-stage g.node{cursor:pointer}
.dgx-hit polygon,.dgx-hit path,.dgx-hit ellipse{stroke:#dc2626;stroke-width:4}
.dgx-step polygon{fill:#fde68a;stroke:#b45309;stroke-width:3}
.dgx-info{flex:0 0 300px;height:560px;overflow:auto;border:1px solid #e5e7eb;padding:6px;
  word-break:break-word}
.dgx-info table{border-collapse:collapse}
.dgx-info td{padding:1px 4px;vertical-align:top}
.dgx-info td:first-child{white-space:nowrap}
.dgx-info h4{margin:2px 0 4px 0}
.dgx-note{color:#6b7280}
"""

SCRIPT = r"""
(function (root) {
  if (!root || root.getAttribute('data-ready')) return;
  root.setAttribute('data-ready', '1');
  var D = JSON.parse(root.querySelector('.dgx-data').textContent);
  // the page's words: D.w (key -> text) for a language other than English
  function w(key, en, fill) {
    var text = (D.w && D.w[key]) || en;
    Object.keys(fill || {}).forEach(function (k) {
      text = text.split('{' + k + '}').join(fill[k]);
    });
    return text;
  }
  var $ = function (cls) { return root.querySelector('.' + cls); };
  var stage = $('dgx-stage'), info = $('dgx-info'), crumbs = $('dgx-crumbs');
  var samples = $('dgx-samples'), search = $('dgx-search'), results = $('dgx-results');
  var stepping = false;
  var cur = null, svg = null, vb = null, base = null, slowest = 0, dragged = false;

  function esc(s) {
    return String(s).replace(/[&<>"]/g, function (c) {
      return {'&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;'}[c];
    });
  }
  function num(x) { return typeof x === 'string' ? x : String(x); }
  function short(x) { return typeof x === 'string' ? x : Number(x.toPrecision(4)).toString(); }

  // ------------------------------------------------------------- pan and zoom
  function apply() { if (svg) svg.setAttribute('viewBox', vb.join(' ')); }
  function fit() { if (base) { vb = base.slice(); apply(); } }
  // The first look at a view: all of it if that stays readable (scale >= 0.6), else its
  // left end (where the inputs come in) at a readable scale; "fit" shows everything.
  function start(focus) {
    var sw = stage.clientWidth || 800, sh = stage.clientHeight || 560;
    var s = Math.min(sw / base[2], sh / base[3]);
    if (s >= 0.6) { fit(); return; }
    s = Math.min(0.8, Math.max(s, sh / base[3]));
    var w = sw / s, h = sh / s, cx = base[0] + w / 2, cy = base[1] + base[3] / 2;
    if (focus) { cx = focus.x + focus.width / 2; cy = focus.y + focus.height / 2; }
    vb = [cx - w / 2, cy - h / 2, w, h]; apply();
  }
  var drag = null;
  stage.addEventListener('pointerdown', function (e) {
    drag = {x: e.clientX, y: e.clientY, vb: vb ? vb.slice() : null}; dragged = false;
  });
  window.addEventListener('pointermove', function (e) {
    if (!drag || !drag.vb) return;
    var k = vb[2] / stage.clientWidth, dx = e.clientX - drag.x, dy = e.clientY - drag.y;
    if (Math.abs(dx) + Math.abs(dy) > 3) dragged = true;
    vb[0] = drag.vb[0] - dx * k; vb[1] = drag.vb[1] - dy * k; apply();
  });
  window.addEventListener('pointerup', function () { drag = null; });
  stage.addEventListener('wheel', function (e) {
    if (!vb) return;
    e.preventDefault();
    var r = stage.getBoundingClientRect(), f = e.deltaY > 0 ? 1.2 : 1 / 1.2;
    var px = vb[0] + (e.clientX - r.left) / r.width * vb[2];
    var py = vb[1] + (e.clientY - r.top) / r.height * vb[3];
    vb = [px - (px - vb[0]) * f, py - (py - vb[1]) * f, vb[2] * f, vb[3] * f]; apply();
    root.setAttribute('data-zoom', (base[2] / vb[2]).toFixed(3));
  }, {passive: false});

  // ------------------------------------------------------------- one view
  function chain(vid) {
    var out = [];
    while (vid) { out.unshift(vid); vid = D.views[vid] ? D.views[vid].u : null; }
    return out;
  }
  // Each view's SVG is embedded gzip-compressed (base64): inflated on first use, kept.
  var cache = {};
  function inflate(vid) {
    if (cache[vid]) return cache[vid];
    var bin = atob(D.views[vid].svg), bytes = new Uint8Array(bin.length);
    for (var k = 0; k < bin.length; k++) bytes[k] = bin.charCodeAt(k);
    var stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream('gzip'));
    cache[vid] = new Response(stream).text();
    return cache[vid];
  }
  function show(vid, focus) {
    var v = D.views[vid];
    if (!v) return Promise.reject(new Error('no view ' + vid));
    var t = performance.now();
    return inflate(vid).then(function (text) {
      draw(vid, v, text, focus);
      var ms = performance.now() - t;
      slowest = Math.max(slowest, ms);
      root.setAttribute('data-view', vid);
      root.setAttribute('data-drill-ms', slowest.toFixed(1));
      v.b.concat(v.v).forEach(inflate);  // the views one click away, ahead of the click
    });
  }
  function draw(vid, v, text, focus) {
    stopBackward();
    cur = vid;
    stage.innerHTML = text;
    svg = stage.querySelector('svg');
    svg.removeAttribute('width'); svg.removeAttribute('height');
    base = svg.getAttribute('viewBox').split(/[ ,]+/).map(Number);
    start();
    var nodes = svg.querySelectorAll('g.node');
    for (var k = 0; k < nodes.length; k++) wire(nodes[k], v);
    crumbs.innerHTML = chain(vid).map(function (id, k, all) {
      var title = esc(D.views[id].t);
      return k === all.length - 1 ? '<span class="dgx-here">' + title + '</span>'
        : '<a class="dgx-crumb" data-view="' + esc(id) + '">' + title + '</a>';
    }).join(' › ');
    var links = crumbs.querySelectorAll('a');
    for (k = 0; k < links.length; k++) links[k].addEventListener('click', function () {
      show(this.getAttribute('data-view'));
    });
    samples.innerHTML = '';
    if (v.f.length) {
      var f = v.f[0];
      var note = document.createElement('span');
      note.className = 'dgx-note';
      note.textContent = w('x_folded', 'folded: {count} alike copies, showing copy {k}',
        {count: f[2], k: f[1] + 1});
      samples.appendChild(note);
      v.v.forEach(function (id, k) {
        var b = document.createElement('button');
        b.textContent = w('x_copy', 'copy {k}', {k: k + 1});
        b.className = 'dgx-sample' + (id === vid ? ' dgx-on' : '');
        b.addEventListener('click', function () { show(id); });
        samples.appendChild(b);
      });
    }
    if (focus != null) highlight(focus);
  }
  function wire(g, v) {
    var id = g.id;
    if (/^b\d+$/.test(id)) {
      g.addEventListener('click', function () { if (!dragged) show(v.b[+id.slice(1)]); });
    } else if (/^([ns]\d+|u\d+_\d+)$/.test(id)) {
      var i = id.slice(1).split('_')[0];
      g.addEventListener('mouseover', function () { details(i); });
      g.addEventListener('click', function () {
        if (dragged) return;
        if (id[0] !== 'n' && D.nodes[i] && D.nodes[i].h !== cur) show(D.nodes[i].h, i);
        else details(i);
      });
    }
  }
  function highlight(i) {
    var g = svg.querySelector('#n' + i) || svg.querySelector('#s' + i);
    if (!g) return;
    g.classList.add('dgx-hit');
    var box = g.getBBox(), m = g.getCTM && svg.getCTM ? g.getCTM() : null;
    if (m) {  // the node's box in viewBox units (the graph group is translated)
      var inv = svg.getCTM().inverse().multiply(m);
      box = {x: box.x * inv.a + inv.e, y: box.y * inv.d + inv.f, width: box.width * inv.a,
        height: box.height * inv.d};
    }
    start(box);
    details(i);
  }

  // ------------------------------------------------------------- the side panel
  function heat(h) {
    if (!h) return '';
    var vals = h.v.filter(function (x) { return typeof x === 'number'; });
    var m = Math.max.apply(null, vals.map(Math.abs).concat([1e-300]));
    var s = Math.max(6, Math.min(24, Math.floor(160 / Math.max(h.r, h.c))));
    var out = '<svg class="dgx-heat" width="' + (h.c * s) + '" height="' + (h.r * s) + '">';
    for (var r = 0; r < h.r; r++) for (var c = 0; c < h.c; c++) {
      var x = h.v[r * h.c + c], fill;
      if (typeof x !== 'number') fill = '#000';
      else {
        var a = Math.round(255 * (1 - Math.abs(x) / m));
        fill = x >= 0 ? 'rgb(255,' + a + ',' + a + ')' : 'rgb(' + a + ',' + a + ',255)';
      }
      out += '<rect x="' + c * s + '" y="' + r * s + '" width="' + s + '" height="' + s +
        '" fill="' + fill + '"><title>' + num(x) + '</title></rect>';
    }
    return out + '</svg>';
  }
  function row(key, label, value, cls) {
    return '<tr><td>' + label + '</td><td class="' + (cls || '') + '" data-key="' + key + '">' +
      value + '</td></tr>';
  }
  function stats(s) {
    if (!s) return w('x_no_gradient', '—  (no gradient)');
    return w('x_stats', 'min {min}  mean {mean}  max {max}  std {std}',
      {min: short(s[0]), mean: short(s[1]), max: short(s[2]), std: short(s[3])});
  }
  function details(i) {
    var n = D.nodes[i];
    if (!n) return;
    var h = '<h4>' + esc(n.n || (n.o ? '(' + n.o + ')' : w('x_node', 'node'))) + '</h4><table>';
    h += row('k', w('x_kind', 'kind'), esc(w('x_kind_' + n.k, n.k)) +
      (n.o ? ' — ' + w('x_op', 'op') + ' ' + esc(n.o) : ''));
    h += row('m', w('x_module', 'module'), esc(n.m || '—'));
    var data = w('data', 'data'), grad = w('grad', 'grad');
    if ('d' in n) {
      h += row('d', data, num(n.d), 'dgx-num');
      h += row('g', grad, num(n.g), 'dgx-num');
    } else {
      h += row('sh', w('shape', 'shape'), '(' + n.sh.join(', ') + ')  ' + esc(n.dt));
      h += row('ds', data, stats(n.ds)); h += row('dh', '', heat(n.dh));
      h += row('gs', grad, stats(n.gs)); h += row('gh', '', heat(n.gh));
    }
    h += '</table>';
    if (n.p.length) {
      h += '<div>' + w('x_inputs', 'inputs and local derivatives:') + '</div><table>';
      n.p.forEach(function (p, j) {
        var pn = D.nodes[p];
        var name = pn ? (pn.n || (pn.o ? '(' + pn.o + ')' : w('x_leaf', 'leaf'))) : p;
        var d = n.l ? '<span class="dgx-num" data-key="l' + j + '">' + num(n.l[j]) + '</span>' : '';
        h += '<tr><td>' + esc(name) + '</td><td>' + esc(n.e[j] || '') + (d ? ' (' + d + ')' : '') +
          '</td></tr>';
      });
      h += '</table>';
    }
    info.innerHTML = h;
    root.setAttribute('data-info', i);
  }

  // ------------------------------------------------------------- search, export
  var index = [];
  Object.keys(D.nodes).forEach(function (i) {
    var n = D.nodes[i];
    if (n.n) index.push([n.n.toLowerCase(), n.n, n.h, i]);
  });
  Object.keys(D.views).forEach(function (id) {
    if (id.indexOf('@') < 0) index.push([D.views[id].t.toLowerCase(), D.views[id].t, id, null]);
  });
  search.addEventListener('input', function () {
    var q = search.value.trim().toLowerCase();
    results.innerHTML = '';
    if (!q) return;
    index.filter(function (e) { return e[0].indexOf(q) >= 0; }).slice(0, 30).forEach(function (e) {
      var a = document.createElement('a');
      a.className = 'dgx-result';
      a.textContent = e[1] + (e[3] === null ? '  ' + w('x_view', '(view)')
        : '  ' + w('x_in', 'in') + ' ' + D.views[e[2]].t);
      a.addEventListener('click', function () { show(e[2], e[3]); });
      results.appendChild(a);
    });
  });
  $('dgx-fit').addEventListener('click', fit);
  function download(blob, ext) {
    var a = document.createElement('a');
    a.href = URL.createObjectURL(blob);
    a.download = cur.replace(/[^\w.@-]+/g, '_') + '.' + ext;
    // URL steps only record the export: a headless browser may wait on a download
    if (!stepping) { root.appendChild(a); a.click(); root.removeChild(a); }
    root.setAttribute('data-exported', ext + ':' + blob.size);
  }
  function svgText() {
    // the view as drawn now (pan and zoom included), with its size, as a file
    var copy = svg.cloneNode(true);
    copy.setAttribute('width', stage.clientWidth); copy.setAttribute('height', stage.clientHeight);
    return new XMLSerializer().serializeToString(copy);
  }
  $('dgx-export').addEventListener('click', function () {
    download(new Blob([svgText()], {type: 'image/svg+xml'}), 'svg');
  });
  $('dgx-png').addEventListener('click', function () {
    var img = new Image(), scale = 2;
    img.onload = function () {
      var c = document.createElement('canvas');
      c.width = stage.clientWidth * scale; c.height = stage.clientHeight * scale;
      var ctx = c.getContext('2d');
      ctx.fillStyle = '#fff'; ctx.fillRect(0, 0, c.width, c.height);
      ctx.drawImage(img, 0, 0, c.width, c.height);
      c.toBlob(function (blob) { download(blob, 'png'); }, 'image/png');
    };
    img.src = 'data:image/svg+xml;charset=utf-8,' + encodeURIComponent(svgText());
  });

  // The backward pass of the current view: its nodes in reverse topological order (the
  // order backward() visits them), one step every 600 ms; each step marks the node whose
  // gradient is being sent to its inputs and shows its numbers in the panel.
  var timer = null;
  function stopBackward() {
    if (timer) clearInterval(timer);
    timer = null;
    $('dgx-play').textContent = '▶ backward';
  }
  $('dgx-play').addEventListener('click', function () {
    if (timer) { stopBackward(); return; }
    var ids = [].slice.call(svg.querySelectorAll('g.node')).map(function (g) { return g.id; })
      .filter(function (id) { return /^n\d+$/.test(id); })
      .map(function (id) { return +id.slice(1); }).sort(function (a, b) { return b - a; });
    var k = 0, prev = null;
    $('dgx-play').textContent = '■ stop';
    var step = function () {
      if (prev) prev.classList.remove('dgx-step');
      if (k === ids.length) { stopBackward(); return; }
      prev = svg.querySelector('#n' + ids[k]);
      prev.classList.add('dgx-step');
      details(ids[k]);
      root.setAttribute('data-backward', (k + 1) + '/' + ids.length + ':' + ids[k]);
      k += 1;
    };
    step();
    timer = setInterval(step, 600);
  });

  // ------------------------------------------------------------- start, and URL steps
  // A click that changes the view returns at once; its drawing follows when the view is
  // inflated. Steps from the URL therefore wait for the view in hand before the next.
  var pending = null;
  var showNow = show;
  show = function (vid, focus) { pending = showNow(vid, focus); return pending; };
  show(D.top).then(function () {
    root.setAttribute('data-load-ms', performance.now().toFixed(1));
    if (!root.hasAttribute('data-page') || !location.hash) return;
    var click = function (el) { el.dispatchEvent(new MouseEvent('click', {bubbles: true})); };
    var steps = location.hash.slice(1).split('&');
    stepping = true;
    var run = function (k) {
      if (k === steps.length) { root.setAttribute('data-steps', 'ok'); return; }
      var step = steps[k], kv = step.split('='), key = kv[0];
      var val = decodeURIComponent(kv.slice(1).join('=')), el = null;
      pending = null;
      if (key === 'open') { show(val); }
      else if (key === 'hover') {
        el = svg.querySelector('#n' + val) || svg.querySelector('#s' + val);
        if (!el) throw new Error(step);
        el.dispatchEvent(new MouseEvent('mouseover', {bubbles: true}));
      } else if (key === 'search') {
        search.value = val; search.dispatchEvent(new Event('input'));
      } else if (key === 'zoom') {
        var r = stage.getBoundingClientRect();
        stage.dispatchEvent(new WheelEvent('wheel', {deltaY: -100, bubbles: true,
          cancelable: true, clientX: r.left + r.width / 2, clientY: r.top + r.height / 2}));
      } else {
        if (key === 'click') {
          var b = D.views[cur].b.indexOf(val);
          el = b >= 0 ? svg.querySelector('#b' + b) : null;
        } else if (key === 'button') {
          el = $('dgx-' + val);
        } else if (key === 'node') {
          el = svg.querySelector('#n' + val) || svg.querySelector('#s' + val);
        } else if (key === 'up') {
          var links = crumbs.querySelectorAll('a'); el = links[links.length - 1];
        } else if (key === 'sample') {
          el = samples.querySelectorAll('button')[+val];
        } else if (key === 'result') {
          el = results.querySelectorAll('a')[+val];
        }
        if (!el) throw new Error(step);
        click(el);
      }
      return Promise.resolve(pending).then(function () { return run(k + 1); });
    };
    return Promise.resolve().then(function () { return run(0); });
  }).catch(function (err) {
    root.setAttribute('data-steps', 'failed: ' + err.message);
  });
})(document.currentScript ? document.currentScript.parentElement
   : [].slice.call(document.querySelectorAll('.dgx:not([data-ready])')).pop());
"""


def page_html(data_json: str, *, full_page: bool = True) -> str:
    """The explorer for ``data_json`` (``Explorer.to_json``): a document or a fragment."""
    body = (
        f'<div class="dgx"{" data-page" if full_page else ""}>'
        f"<style>{STYLE_SHEET}</style>"
        '<div class="dgx-bar"><nav class="dgx-crumbs"></nav><span class="dgx-samples"></span>'
        f'<input class="dgx-search" type="search" placeholder="{say("x_search")}">'
        f'<button class="dgx-fit" title="{say("x_fit_title")}">{say("x_fit")}</button>'
        f'<button class="dgx-play" title="{say("x_play_title")}">{say("x_play")}</button>'
        f'<button class="dgx-export" title="{say("x_download")}">SVG</button>'
        f'<button class="dgx-png" title="{say("x_download")}">PNG</button></div>'
        '<div class="dgx-results"></div>'
        '<div class="dgx-main"><div class="dgx-stage"></div>'
        f'<aside class="dgx-info"><span class="dgx-note">{say("x_hint")}</span></aside>'
        "</div>"
        f'<script type="application/json" class="dgx-data">{data_json}</script>'
        f"<script>{SCRIPT}</script></div>"
    )
    if not full_page:
        return body
    return (
        f'<!DOCTYPE html>\n<html lang="{current_language()}"><head><meta charset="utf-8">'
        f"<title>{say('x_title')}</title></head><body>" + body + "</body></html>\n"
    )
