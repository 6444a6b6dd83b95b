/*
 * optviz's exports made in the browser: a slide (SVG, and PNG at 2x) and an animation of the
 * playback (GIF, WebM, MP4). The server is never asked: the figures are already on the page, and
 * Plotly.toImage draws them, so an export costs the visitor's CPU, not the service's work budget.
 *
 *   window.optvizExport.slide({format: "png" | "svg", views: ["map", "loss", ...]})
 *       -> Promise of {filename, dataUrl, blob, width, height}
 *   window.optvizExport.animation({format: "gif" | "webm" | "mp4", fps, frames, from, to, withLoss,
 *                                  width, height, reveal})
 *       -> Promise of {filename, blob, frames, bytes, seconds}
 *   window.optvizExport.cancel()   stops a running animation (its promise rejects with "cancelled")
 *
 * A frame of a view is built from the graph's own figure (gd.data, gd.layout): each marker where
 * playback puts it at that step (window.optviz.targets, from optviz.js), a path cut at the step
 * when reveal mode is on (the path trace's meta.reveal), the loss plot's cursor at the step.
 * Hidden runs (a click on the legend) stay hidden, and the zoom and the 3-D camera are the page's.
 *
 * A slide composes the chosen views (SVG from Plotly for the 2-D views, kept as vectors; the 3-D
 * view as a PNG at 2x, embedded) with a title (the surface's title and formula as text), the
 * legend (each run's colour, marker, label and f at the step) and the step, in one SVG document;
 * the PNG is that SVG drawn on a canvas at twice its size.
 *
 * An animation draws each frame on a canvas: what does not move (the contours, the axes) is drawn
 * by Plotly once per view, and only the runs' traces are drawn again for each frame (as an SVG
 * with a transparent background and the same plot area); then the title, the legend with f at
 * that step and the step counter. GIF frames are encoded with gifenc (one palette for the whole
 * animation, holding the runs' exact colours; each frame stores only the pixels that changed).
 * WebM uses WebCodecs (VideoEncoder, VP9) and webm-muxer: each frame gets its exact time (i / fps)
 * and encoding runs faster than real time. MP4 (and WebM where there is no VideoEncoder) is
 * recorded by MediaRecorder from canvas.captureStream(0), one requestFrame per frame, held for
 * 1 / fps of real time while recording (and paused while the next frame is drawn).
 *
 * Limits: at most 600 frames, 1920 x 1080 pixels, 20 MB (a GIF whose first frames promise more
 * stops at once and says so; a video's bit rate is chosen to stay under it) and 180 s of work.
 */
(function () {
  "use strict";

  var GRAPHS = {map: "contour-graph", surface3d: "surface3d-graph", loss: "loss-graph", distance: "distance-graph"};
  var CAPTIONS = {map: "Map", surface3d: "Surface in 3-D", loss: "Loss", distance: "Distance to the nearest minimum"};
  var NOTES = {loss: "loss-note", distance: "distance-note"};
  var FONT = "Lato, system-ui, -apple-system, 'Segoe UI', Roboto, Helvetica, Arial, sans-serif";
  var INK = "#1f2d3d", MUTED = "#5b6b7b", RULE = "#d5dde6";
  var SVG_NS = "http://www.w3.org/2000/svg", XLINK_NS = "http://www.w3.org/1999/xlink";
  var SLIDE = {width: 1600, height: 900, scale: 2};
  var LIMITS = {bytes: 20 * 1024 * 1024, frames: 600, width: 1920, height: 1080, seconds: 180};
  var MB = 1024 * 1024;

  var state = {running: false, cancelled: false, abort: null};

  /* -- the page ------------------------------------------------------------------------------ */
  function graphDiv(id) {
    return document.querySelector("#" + id + " .js-plotly-plot");
  }

  function setProps(id, props) {
    if (window.dash_clientside && window.dash_clientside.set_props) window.dash_clientside.set_props(id, props);
  }

  /* A drawn path read as optviz.js reads it: its point count, a coordinate, the last drawn point at
     or before a step, and a trace's meta (window.optviz; looked up when called, since Dash loads
     this file first). */
  function pointCount(trace) { return window.optviz.pointCount(trace); }
  function coord(trace, axis, k) { return window.optviz.coord(trace, axis, k); }
  function indexAt(trace, step) { return window.optviz.indexAt(trace, step); }
  function metaOf(gd, i) { return window.optviz.metaOf(gd, i); }

  function fmt(n) {
    return Number(n).toLocaleString("en-US");
  }

  /* The step every view shows now, and the last step. */
  function currentStep() {
    var shown = (window.optviz && window.optviz.shown) || {};
    var text = (document.getElementById("step-readout") || {}).textContent || "";
    var m = /step\s+([\d,]+)\s*\/\s*([\d,]+)/.exec(text);
    var step = shown.step !== null && shown.step !== undefined ? shown.step : (m ? Number(m[1].replace(/,/g, "")) : 0);
    var max = shown.max || (m ? Number(m[2].replace(/,/g, "")) : step);
    return {step: Math.max(0, Math.round(step)), max: Math.max(0, Math.round(max))};
  }

  /* The surface's id, its title (with its parameters) and formula as text. */
  function sceneInfo() {
    var all = {};
    try { all = JSON.parse(document.getElementById("export-scene").getAttribute("data-surfaces")); } catch (err) { all = {}; }
    var select = document.getElementById("surface-select");
    var given = (new URLSearchParams(window.location.search).get("surface") || "").split(":");
    var name = (select && select.value) || given[0] || "surface";
    var info = all[name] || {title: name, formula: "", params: {}};
    var values = Object.assign({}, info.params || {});
    if (given[0] === name && given.length > 1) {
      given.slice(1).join(":").split(",").forEach(function (kv) {
        var p = kv.split("=");
        if (p.length === 2 && p[0] in values && isFinite(Number(p[1]))) values[p[0]] = Number(p[1]);
      });
    }
    var params = Object.keys(values).map(function (k) { return k + " " + fmt(values[k]); });
    return {name: name.replace(/[^\w-]/g, "_"), title: info.title + (params.length ? " (" + params.join(", ") + ")" : ""),
            formula: info.formula || ""};
  }

  /* The runs shown (legend order, hidden ones left out): id, label, colour, marker symbol, the
     loss plot's path (for f at a step) and the legend's status element. */
  function shownRuns() {
    var map = graphDiv(GRAPHS.map), loss = graphDiv(GRAPHS.loss);
    var markers = {}, paths = {};
    if (map && map._fullData) {
      map._fullData.forEach(function (t, i) {
        var m = metaOf(map, i);
        if (m && m.role === "marker") markers[m.run] = t.marker || {};
      });
    }
    if (loss && loss._fullData) {
      loss._fullData.forEach(function (t, i) {
        var m = metaOf(loss, i);
        if (m && m.role === "path") paths[m.run] = t;
      });
    }
    var logAxis = !!(loss && loss._fullLayout && loss._fullLayout.yaxis && loss._fullLayout.yaxis.type === "log");
    var items = document.querySelectorAll("#legend-bar .legend-item[data-run]");
    var out = [];
    for (var j = 0; j < items.length; j++) {
      var item = items[j], uid = item.getAttribute("data-run");
      if (item.classList.contains("legend-hidden")) continue;
      var swatch = item.querySelector(".legend-swatch");
      var marker = markers[uid] || {};
      out.push({uid: uid, label: ((item.querySelector(".legend-label") || {}).textContent || uid).trim(),
                color: typeof marker.color === "string" ? marker.color : (swatch ? swatch.style.color : INK),
                symbol: typeof marker.symbol === "string" ? marker.symbol : "circle",
                path: paths[uid] || null, status: item.querySelector(".legend-status"), logAxis: logAxis});
    }
    return out;
  }

  /* What the legend says of a run at a step: f there, or how it ended once the step reaches its
     end (as optviz.js's legend does during playback). */
  function valueAt(run, step) {
    var status = run.status;
    var title = (status && status.getAttribute("data-title")) || "f";
    var final = status ? (status.getAttribute("data-final") || status.textContent || "") : "";
    if (!run.path) return final;
    var n = pointCount(run.path), k = indexAt(run.path, step);
    if (k >= n - 1) return final;
    var v = coord(run.path, "y", k);
    if (run.logAxis && v <= 1e-15) return title + " < 1e-15";   // the plot's floor (1e-16) stands for 0
    return title + " = " + (isFinite(v) ? String(Number(v.toPrecision(3))) : "—");
  }

  function widestValue(runs) {
    var texts = runs.map(function (r) { return valueAt(r, Infinity); });
    texts.push("f − f* = −8.88e-188");
    return texts;
  }

  /* -- a view's figure at a step ------------------------------------------------------------- */
  function sliceTrace(t, full, upto) {
    ["x", "y", "z", "customdata", "text"].forEach(function (a) {
      var arr = full[a];
      if (arr && arr.length !== undefined && typeof arr.slice === "function" && arr.length >= upto) t[a] = arr.slice(0, upto);
    });
  }

  /* A deep copy (typed arrays included): Plotly may write into the traces it is given, and the
     page's own figure must stay as it is. */
  function copy(value) {
    try {
      return window.structuredClone(value);
    } catch (err) {
      return JSON.parse(JSON.stringify(value));
    }
  }

  /* The figure of graph `gd` at `step`: {data, layout}. `o.runs` / `o.statics`: include the runs'
     traces / the others (default both); `o.reveal`: cut paths at the step (default: each path's
     meta.reveal, the page's reveal mode); `o.overlays`: keep the map's inspector overlays (shapes,
     annotations), which belong to the page's current step. */
  function figureAt(gd, step, o) {
    o = o || {};
    var withRuns = o.runs !== false, withStatics = o.statics !== false;
    var moved = {};
    (window.optviz && window.optviz.targets ? window.optviz.targets(gd, step) : []).forEach(function (t) { moved[t.i] = t; });
    var ends = {}, data = [], roles = [];
    for (var i = 0; i < gd.data.length; i++) {
      var meta = metaOf(gd, i);
      var isRun = !!(meta && meta.run);
      if (isRun ? !withRuns : !withStatics) continue;
      var t = copy(gd.data[i]);
      var full = gd._fullData[i] || {};
      if (meta && meta.role === "path") {
        var reveal = o.reveal === undefined || o.reveal === null ? !!meta.reveal : !!o.reveal;
        var n = pointCount(full), k = reveal ? indexAt(full, step) : n - 1;
        ends[meta.run] = k >= n - 1;
        if (k < n - 1) sliceTrace(t, full, k + 1);
      }
      if (moved[i]) {
        t.x = moved[i].x; t.y = moved[i].y;
        if (moved[i].z) t.z = moved[i].z;
      }
      data.push(t);
      roles.push(meta);
    }
    data.forEach(function (t, j) {   // a divergence mark (and 3-D stubs) show once the path has reached its end
      var m = roles[j];
      if (m && (m.role === "diverged" || m.role === "edge") && ends[m.run] === false) t.visible = false;
    });
    var layout = copy(gd.layout || {});
    var fl = gd._fullLayout || {};
    Object.keys(fl).forEach(function (key) {   // the page's zoom, and ranges that no longer depend on the data
      if (/^[xy]axis\d*$/.test(key) && fl[key] && fl[key].range) {
        layout[key] = Object.assign({}, layout[key], {range: fl[key].range.slice(), autorange: false});
      }
    });
    var isMap = !!(gd.closest && gd.closest("#" + GRAPHS.map));
    layout.shapes = (layout.shapes || []).filter(function (s) { return s && (s.name === "cursor" || (o.overlays && isMap)); })
      .map(function (s) { return s.name === "cursor" ? Object.assign({}, s, {x0: step, x1: step}) : s; });
    if (isMap && !o.overlays) layout.annotations = [];
    delete layout.width; delete layout.height;
    layout.autosize = false;
    return {data: data, layout: layout};
  }

  /* -- drawing helpers ----------------------------------------------------------------------- */
  var measurer = null;
  function textWidth(text, px, weight) {
    if (!measurer) measurer = document.createElement("canvas").getContext("2d");
    measurer.font = (weight || "normal") + " " + px + "px " + FONT;
    return measurer.measureText(text).width;
  }

  function fitText(text, px, weight, width) {
    if (textWidth(text, px, weight) <= width) return text;
    var lo = 0, hi = text.length;
    while (lo < hi) {
      var mid = (lo + hi + 1) >> 1;
      if (textWidth(text.slice(0, mid) + "…", px, weight) <= width) lo = mid; else hi = mid - 1;
    }
    return text.slice(0, lo) + "…";
  }

  /* An SVG path of a marker symbol of radius r centred on (0, 0), as Plotly draws it. */
  function symbolPath(symbol, r) {
    var s = String(symbol || "circle").replace(/-open$/, "");
    function poly(points) {
      return "M" + points.map(function (p) { return p[0].toFixed(2) + "," + p[1].toFixed(2); }).join("L") + "Z";
    }
    function ring(count, radius, start) {
      var pts = [];
      for (var k = 0; k < count; k++) {
        var a = start + 2 * Math.PI * k / count;
        pts.push([radius * Math.cos(a), radius * Math.sin(a)]);
      }
      return pts;
    }
    var up = -Math.PI / 2;
    switch (s) {
      case "square": return poly([[r, r], [-r, r], [-r, -r], [r, -r]]);
      case "diamond": return poly([[1.3 * r, 0], [0, 1.3 * r], [-1.3 * r, 0], [0, -1.3 * r]]);
      case "triangle-up": return poly(ring(3, 1.25 * r, up));
      case "triangle-down": return poly(ring(3, 1.25 * r, -up));
      case "pentagon": return poly(ring(5, 1.1 * r, up));
      case "hexagon": return poly(ring(6, 1.1 * r, up));
      case "star-diamond": {
        var a = 1.35 * r, b = 0.38 * r;
        return poly([[a, 0], [b, b], [0, a], [-b, b], [-a, 0], [-b, -b], [0, -a], [b, -b]]);
      }
      case "x": {
        var w = 0.35 * r, e = 1.1 * r;
        return poly([[w, 0], [e, e - w], [e - w, e], [0, w], [w - e, e], [-e, e - w], [-w, 0], [-e, w - e],
                     [w - e, -e], [0, -w], [e - w, -e], [e, w - e]]);
      }
      default: return "M" + r + ",0A" + r + "," + r + " 0 1,1 0,-" + r + "A" + r + "," + r + " 0 0,1 " + r + ",0Z";
    }
  }

  /* The map's width for its height: its window's aspect (equal scales) and room for the axis labels
     and the colour bar (u: the unit); null when the map is not drawn. */
  function mapWidth(h, u) {
    var gd = graphDiv(GRAPHS.map), fl = gd && gd._fullLayout;
    if (!fl || !fl.xaxis || !fl.yaxis || !fl.xaxis.range || !fl.yaxis.range) return null;
    var dx = Math.abs(fl.xaxis.range[1] - fl.xaxis.range[0]), dy = Math.abs(fl.yaxis.range[1] - fl.yaxis.range[0]);
    if (!(dx > 0 && dy > 0)) return null;
    return Math.round((h - 70 * u) * dx / dy / (fl.yaxis.scaleratio || 1) + 190 * u);
  }

  /* Where everything goes on a slide or a frame of W x H: a title band (title, formula, step), the
     views in a grid (one row of up to three, or two by two), the legend in columns below. The map
     takes only the width its equal scales need; the other views of its row share the rest.
     `base`: the size at which the unit u is 1. */
  function composition(W, H, views, runs, values, opts) {
    var base = opts.base || [1600, 900];
    var u = Math.min(W / base[0], H / base[1]);
    var pad = Math.round(18 * u);
    var font = {title: 30 * u, formula: 19 * u, step: 24 * u, legend: 17 * u, caption: 16 * u};
    var header = {title: pad + font.title, formula: pad + font.title + 1.45 * font.formula,
                  bottom: pad + font.title + 1.45 * font.formula + 12 * u};
    var sym = font.legend * 0.55, gap = 0.6 * font.legend;
    var valueW = Math.max.apply(null, values.map(function (v) { return textWidth(v, font.legend); }).concat([0]));
    var labelW = Math.max.apply(null, runs.map(function (r) { return textWidth(r.label, font.legend, "bold"); }).concat([0]));
    var entryW = 2 * sym + gap + labelW + gap + valueW + 3 * gap;
    var inner = W - 2 * pad;
    var cols = Math.max(1, Math.min(runs.length || 1, Math.floor(inner / entryW) || 1, 4));
    var rowH = 1.7 * font.legend;
    var rows = Math.ceil(runs.length / cols);
    var legendH = runs.length ? rows * rowH + 10 * u : 0;
    var legend = {x: pad, y: H - pad / 2 - legendH, w: inner, h: legendH, cols: cols, colW: inner / cols, rowH: rowH,
                  sym: sym, gap: gap, valueW: valueW};
    var top = header.bottom + 6 * u, bottom = legend.y - 8 * u;
    var n = views.length, gridCols = n <= 3 ? Math.max(n, 1) : 2, gridRows = Math.ceil(n / gridCols) || 1;
    var cgap = Math.round(14 * u), captionH = opts.captions ? Math.round(1.6 * font.caption) : 0;
    var cells = [];
    var cellH = Math.floor((bottom - top - cgap * (gridRows - 1)) / gridRows);
    for (var r = 0; r < gridRows; r++) {
      var rowViews = views.slice(r * gridCols, (r + 1) * gridCols);
      var avail = inner - cgap * (rowViews.length - 1);
      var widths = rowViews.map(function () { return Math.floor(avail / rowViews.length); });
      var m = rowViews.indexOf("map"), need = m >= 0 ? mapWidth(cellH - captionH, u) : null;
      if (need !== null && need < widths[m]) {
        var spare = widths[m] - need;
        widths[m] = need;
        if (rowViews.length > 1) {
          widths = widths.map(function (w, c) { return c === m ? w : w + Math.floor(spare / (rowViews.length - 1)); });
        }
      }
      var used = widths.reduce(function (a, b) { return a + b; }, 0) + cgap * (rowViews.length - 1);
      var x = pad + Math.max(0, Math.floor((inner - used) / 2));
      var y = Math.round(top + r * (cellH + cgap));
      rowViews.forEach(function (v, c) {
        cells.push({view: v, x: x, y: y, w: widths[c], h: cellH,
                    plot: {x: x, y: y + captionH, w: widths[c], h: cellH - captionH}});
        x += widths[c] + cgap;
      });
    }
    return {W: W, H: H, u: u, pad: pad, font: font, header: header, legend: legend, cells: cells};
  }

  function legendSlots(c, count) {
    var L = c.legend, out = [];
    for (var j = 0; j < count; j++) {
      var col = j % L.cols, row = Math.floor(j / L.cols);
      out.push({x: L.x + col * L.colW, y: L.y + 5 * c.u + row * L.rowH + L.rowH / 2});
    }
    return out;
  }

  function stepText(step, max) {
    return "step " + fmt(step) + " / " + fmt(max);
  }

  /* -- the slide ----------------------------------------------------------------------------- */
  function svgEl(name, attrs, text) {
    var e = document.createElementNS(SVG_NS, name);
    Object.keys(attrs || {}).forEach(function (k) { e.setAttribute(k, attrs[k]); });
    if (text !== undefined) e.textContent = text;
    return e;
  }

  function parseSvgDataUrl(url) {
    var comma = url.indexOf(",");
    var head = url.slice(0, comma), body = url.slice(comma + 1);
    var text = /;base64$/.test(head) ? decodeURIComponent(escape(atob(body))) : decodeURIComponent(body);
    return new DOMParser().parseFromString(text, "image/svg+xml").documentElement;
  }

  function loadImage(src) {
    return new Promise(function (resolve, reject) {
      var img = new Image();
      img.onload = function () { resolve(img); };
      img.onerror = function () { reject(new Error("an image of the export could not be drawn")); };
      img.src = src;
    });
  }

  function blobToDataUrl(blob) {
    return new Promise(function (resolve, reject) {
      var reader = new FileReader();
      reader.onload = function () { resolve(reader.result); };
      reader.onerror = function () { reject(reader.error); };
      reader.readAsDataURL(blob);
    });
  }

  function chosenViews(views) {
    var list = (Array.isArray(views) && views.length ? views : ["map", "loss"]).filter(function (v) { return GRAPHS[v]; });
    var order = ["map", "surface3d", "loss", "distance"];
    list = order.filter(function (v) { return list.indexOf(v) >= 0; });
    if (!list.length) throw new Error("choose at least one view: map, surface3d, loss or distance");
    return list;
  }

  /* The slide as an SVG document (text), and its size. */
  async function composeSlide(views) {
    views = chosenViews(views);
    var at = currentStep(), scene = sceneInfo(), runs = shownRuns();
    var values = runs.map(function (r) { return valueAt(r, at.step); });
    var c = composition(SLIDE.width, SLIDE.height, views, runs, values, {captions: true});
    var root = svgEl("svg", {xmlns: SVG_NS, width: c.W, height: c.H, viewBox: "0 0 " + c.W + " " + c.H,
                             "font-family": FONT});
    root.setAttributeNS("http://www.w3.org/2000/xmlns/", "xmlns:xlink", XLINK_NS);
    root.appendChild(svgEl("title", {}, scene.title + ": " + stepText(at.step, at.max)));
    root.appendChild(svgEl("rect", {x: 0, y: 0, width: c.W, height: c.H, fill: "#ffffff"}));
    var head = svgEl("g", {"class": "slide-title"});
    head.appendChild(svgEl("text", {x: c.pad, y: c.header.title, "font-size": c.font.title, "font-weight": "bold", fill: INK}, scene.title));
    head.appendChild(svgEl("text", {x: c.pad, y: c.header.formula, "font-size": c.font.formula, fill: MUTED}, scene.formula));
    head.appendChild(svgEl("text", {x: c.W - c.pad, y: c.header.title, "font-size": c.font.step, "font-weight": "bold",
                                    fill: INK, "text-anchor": "end", "class": "slide-step"}, stepText(at.step, at.max)));
    root.appendChild(head);
    root.appendChild(svgEl("line", {x1: c.pad, x2: c.W - c.pad, y1: c.header.bottom, y2: c.header.bottom, stroke: RULE}));
    for (var i = 0; i < c.cells.length; i++) {
      var cell = c.cells[i], gd = graphDiv(GRAPHS[cell.view]);
      var g = svgEl("g", {"class": "slide-view", "data-view": cell.view});
      var note = NOTES[cell.view] && document.getElementById(NOTES[cell.view]);
      var caption = CAPTIONS[cell.view] + (note && note.textContent.trim() ? ": " + note.textContent.trim() : "");
      g.appendChild(svgEl("text", {x: cell.x + 4 * c.u, y: cell.y + c.font.caption, "font-size": c.font.caption,
                                   "font-weight": "bold", fill: MUTED}, fitText(caption, c.font.caption, "bold", cell.w)));
      if (!gd || !gd._fullData) throw new Error("the " + CAPTIONS[cell.view] + " view has not been drawn yet");
      var fig = figureAt(gd, at.step, {overlays: true});
      var p = cell.plot;
      if (cell.view === "surface3d") {
        var png = await window.Plotly.toImage(fig, {format: "png", width: p.w, height: p.h, scale: SLIDE.scale});
        var img = svgEl("image", {x: p.x, y: p.y, width: p.w, height: p.h, preserveAspectRatio: "none", href: png});
        img.setAttributeNS(XLINK_NS, "xlink:href", png);
        g.appendChild(img);
      } else {
        var svg = parseSvgDataUrl(await window.Plotly.toImage(fig, {format: "svg", width: p.w, height: p.h}));
        var nested = document.importNode(svg, true);
        nested.setAttribute("x", p.x);
        nested.setAttribute("y", p.y);
        nested.setAttribute("width", p.w);
        nested.setAttribute("height", p.h);
        nested.setAttribute("viewBox", "0 0 " + p.w + " " + p.h);
        g.appendChild(nested);
      }
      root.appendChild(g);
    }
    var legend = svgEl("g", {"class": "slide-legend"});
    legendSlots(c, runs.length).forEach(function (slot, j) {
      var run = runs[j], L = c.legend;
      var entry = svgEl("g", {"class": "legend-entry", "data-run": run.uid});
      entry.appendChild(svgEl("path", {d: symbolPath(run.symbol, L.sym), fill: run.color, stroke: "#ffffff", "stroke-width": 1,
                                       transform: "translate(" + (slot.x + L.sym) + "," + slot.y + ")"}));
      var labelX = slot.x + 2 * L.sym + L.gap, room = L.colW - (2 * L.sym + 4 * L.gap + L.valueW);
      var line = svgEl("text", {x: labelX, y: slot.y + 0.35 * c.font.legend, "font-size": c.font.legend, fill: INK});
      line.appendChild(svgEl("tspan", {"font-weight": "bold", "class": "legend-label"}, fitText(run.label, c.font.legend, "bold", room)));
      line.appendChild(svgEl("tspan", {dx: L.gap, fill: MUTED, "class": "legend-value"}, values[j]));
      entry.appendChild(line);
      legend.appendChild(entry);
    });
    root.appendChild(legend);
    var text = '<?xml version="1.0" encoding="UTF-8"?>\n' + new XMLSerializer().serializeToString(root);
    var name = "optviz-" + scene.name + "-" + runs.length + "runs-step" + at.step;
    return {svg: text, width: c.W, height: c.H, name: name};
  }

  async function rasterize(svgText, width, height, scale) {
    var url = URL.createObjectURL(new Blob([svgText], {type: "image/svg+xml"}));
    try {
      var img = await loadImage(url);
      var canvas = document.createElement("canvas");
      canvas.width = width * scale;
      canvas.height = height * scale;
      var ctx = canvas.getContext("2d");
      ctx.fillStyle = "#ffffff";
      ctx.fillRect(0, 0, canvas.width, canvas.height);
      ctx.drawImage(img, 0, 0, canvas.width, canvas.height);
      return await new Promise(function (resolve, reject) {
        canvas.toBlob(function (b) { if (b) resolve(b); else reject(new Error("the PNG could not be made")); }, "image/png");
      });
    } finally {
      URL.revokeObjectURL(url);
    }
  }

  /* Both files of a slide from one composition: [{filename, blob, dataUrl, width, height}]. */
  async function slides(options) {
    options = options || {};
    var formats = (Array.isArray(options.formats) ? options.formats : [options.format || "png"])
      .filter(function (f) { return f === "png" || f === "svg"; });
    if (!formats.length) throw new Error("a slide is a PNG or an SVG");
    var slide = await composeSlide(options.views);
    var out = [];
    for (var i = 0; i < formats.length; i++) {
      var blob = formats[i] === "svg" ? new Blob([slide.svg], {type: "image/svg+xml"})
        : await rasterize(slide.svg, slide.width, slide.height, SLIDE.scale);
      var scale = formats[i] === "svg" ? 1 : SLIDE.scale;
      out.push({filename: slide.name + "." + formats[i], blob: blob, dataUrl: await blobToDataUrl(blob),
                width: slide.width * scale, height: slide.height * scale});
    }
    return out;
  }

  function slide(options) {
    options = options || {};
    return slides({formats: [options.format || "png"], views: options.views}).then(function (files) { return files[0]; });
  }

  /* -- animation frames ---------------------------------------------------------------------- */
  function offscreen(w, h) {
    var div = document.createElement("div");
    div.setAttribute("aria-hidden", "true");
    div.style.cssText = "position:fixed;left:-20000px;top:0;width:" + w + "px;height:" + h + "px;overflow:hidden;";
    document.body.appendChild(div);
    return div;
  }

  function hideAxes(layout) {
    Object.keys(layout).forEach(function (key) {
      if (/^[xy]axis\d*$/.test(key)) {
        layout[key] = Object.assign({}, layout[key], {showticklabels: false, showline: false, showgrid: false,
                                                        zeroline: false, ticks: "", automargin: false,
                                                        title: {text: ""}});
      }
    });
    return layout;
  }

  /* One view of the animation: its still part (drawn once) and a function that draws the runs'
     part at a step, with the same plot area (the still part's margins, fixed). */
  async function viewLayer(id, rect, reveal) {
    var gd = graphDiv(id);
    if (!gd || !gd._fullData) throw new Error("the view " + id + " has not been drawn yet");
    var still = figureAt(gd, 0, {runs: false, overlays: false});
    still.layout.shapes = [];   // the loss plot's cursor moves: it is drawn with the runs
    var div = offscreen(rect.w, rect.h);
    var size;
    try {
      await window.Plotly.newPlot(div, still.data, Object.assign({}, still.layout, {width: rect.w, height: rect.h}),
                                  {staticPlot: true, displayModeBar: false});
      size = Object.assign({}, div._fullLayout._size);
      var back = await loadImage(await window.Plotly.toImage(div, {format: "png", width: rect.w, height: rect.h}));
    } finally {
      window.Plotly.purge(div);
      div.remove();
    }
    return {
      back: back,
      draw: async function (ctx, step) {
        var fig = figureAt(gd, step, {statics: false, overlays: false, reveal: reveal});
        var layout = hideAxes(fig.layout);
        layout.margin = {l: size.l, r: size.r, t: size.t, b: size.b, pad: 0, autoexpand: false};
        layout.paper_bgcolor = "rgba(0,0,0,0)";
        layout.plot_bgcolor = "rgba(0,0,0,0)";
        layout.annotations = [];
        layout.width = rect.w;
        layout.height = rect.h;
        ctx.drawImage(back, rect.x, rect.y, rect.w, rect.h);
        if (fig.data.length || layout.shapes.length) {
          var url = await window.Plotly.toImage({data: fig.data, layout: layout}, {format: "svg", width: rect.w, height: rect.h});
          ctx.drawImage(await loadImage(url), rect.x, rect.y, rect.w, rect.h);
        }
      }
    };
  }

  /* A canvas, and a function that draws frame `step` on it. */
  async function frameRenderer(o) {
    var canvas = document.createElement("canvas");
    canvas.width = o.width;
    canvas.height = o.height;
    var ctx = canvas.getContext("2d", {willReadFrequently: o.format === "gif"});
    var scene = sceneInfo(), runs = shownRuns();
    var views = o.withLoss ? ["map", "loss"] : ["map"];
    var c = composition(o.width, o.height, views, runs, widestValue(runs), {base: [1280, 800]});
    var layers = [];
    for (var i = 0; i < c.cells.length; i++) {
      layers.push(await viewLayer(GRAPHS[c.cells[i].view], c.cells[i].plot, o.reveal));
    }
    var slots = legendSlots(c, runs.length);
    var symbols = runs.map(function (r) { return new Path2D(symbolPath(r.symbol, c.legend.sym)); });
    var labels = runs.map(function (r) {
      return fitText(r.label, c.font.legend, "bold", c.legend.colW - (2 * c.legend.sym + 4 * c.legend.gap + c.legend.valueW));
    });
    function font(px, weight) { return (weight || "normal") + " " + px + "px " + FONT; }
    return {
      canvas: canvas, ctx: ctx, runs: runs, scene: scene,
      draw: async function (step, max) {
        ctx.fillStyle = "#ffffff";
        ctx.fillRect(0, 0, c.W, c.H);
        ctx.textBaseline = "alphabetic";
        ctx.fillStyle = INK;
        ctx.textAlign = "left";
        ctx.font = font(c.font.title, "bold");
        ctx.fillText(scene.title, c.pad, c.header.title);
        ctx.fillStyle = MUTED;
        ctx.font = font(c.font.formula);
        ctx.fillText(scene.formula, c.pad, c.header.formula);
        ctx.fillStyle = INK;
        ctx.textAlign = "right";
        ctx.font = font(c.font.step, "bold");
        ctx.fillText(stepText(step, max), c.W - c.pad, c.header.title);
        ctx.strokeStyle = RULE;
        ctx.lineWidth = 1;
        ctx.beginPath();
        ctx.moveTo(c.pad, c.header.bottom + 0.5);
        ctx.lineTo(c.W - c.pad, c.header.bottom + 0.5);
        ctx.stroke();
        for (var i = 0; i < layers.length; i++) await layers[i].draw(ctx, step);
        ctx.font = font(c.font.legend, "bold");
        slots.forEach(function (slot, j) {
          var L = c.legend;
          ctx.save();
          ctx.translate(slot.x + L.sym, slot.y);
          ctx.fillStyle = runs[j].color;
          ctx.fill(symbols[j]);
          ctx.restore();
          var x = slot.x + 2 * L.sym + L.gap, y = slot.y + 0.35 * c.font.legend;
          ctx.textAlign = "left";
          ctx.fillStyle = INK;
          ctx.font = font(c.font.legend, "bold");
          ctx.fillText(labels[j], x, y);
          x += ctx.measureText(labels[j]).width + L.gap;
          ctx.fillStyle = MUTED;
          ctx.font = font(c.font.legend);
          ctx.fillText(valueAt(runs[j], step), x, y);
        });
      }
    };
  }

  /* -- encoders ------------------------------------------------------------------------------ */
  function hexRgb(color) {
    var m = /^#([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})$/i.exec(String(color).trim());
    if (m) return [parseInt(m[1], 16), parseInt(m[2], 16), parseInt(m[3], 16)];
    m = /^rgba?\((\d+),\s*(\d+),\s*(\d+)/.exec(String(color));
    return m ? [Number(m[1]), Number(m[2]), Number(m[3])] : null;
  }

  /* GIF: one palette for the whole animation (the runs' colours and the ink exactly, the rest
     quantized from the last frame, which shows the most), and each frame after the first stores
     only the pixels that changed (the others are transparent, over the frame before). */
  function gifEncoder(width, height, fps, exact) {
    var lib = window.gifenc;
    if (!lib || !lib.GIFEncoder) throw new Error("the GIF encoder (assets/vendor/gifenc.js) is not loaded");
    var enc = lib.GIFEncoder();
    var palette = null, lookup = null, previous = null, transparent = 0, count = 0;
    function indexOf(rgba) {
      var data = new Uint32Array(rgba.buffer, rgba.byteOffset, rgba.length >> 2);
      var out = new Uint8Array(data.length);
      for (var p = 0; p < data.length; p++) {
        var key = data[p] & 0xffffff, hit = lookup[key];
        if (hit === 0xffff) {
          var r = key & 255, g = (key >> 8) & 255, b = (key >> 16) & 255, best = 0, dist = 1e9;
          for (var q = 0; q < transparent; q++) {
            var e = palette[q], d = (e[0] - r) * (e[0] - r) + (e[1] - g) * (e[1] - g) + (e[2] - b) * (e[2] - b);
            if (d < dist) { dist = d; best = q; if (!d) break; }
          }
          hit = lookup[key] = best;
        }
        out[p] = hit;
      }
      return out;
    }
    return {
      palette: function (rgba) {
        var fixed = [];
        exact.forEach(function (c) {
          var rgb = hexRgb(c);
          if (rgb && !fixed.some(function (f) { return f[0] === rgb[0] && f[1] === rgb[1] && f[2] === rgb[2]; })) fixed.push(rgb);
        });
        var rest = lib.quantize(rgba, 255 - fixed.length, {format: "rgb565"});
        palette = fixed.concat(rest).slice(0, 255);
        transparent = palette.length;
        lookup = new Uint16Array(1 << 24).fill(0xffff);
      },
      add: function (rgba, i) {
        var index = indexOf(rgba);
        var delay = 10 * (Math.round((i + 1) * 100 / fps) - Math.round(i * 100 / fps));   // exact on average
        var table = palette.concat([[0, 0, 0]]);
        if (previous) {
          for (var p = 0; p < index.length; p++) {
            if (index[p] === previous[p]) index[p] = transparent; else previous[p] = index[p];
          }
          enc.writeFrame(index, width, height, {delay: delay, transparent: true, transparentIndex: transparent, dispose: 1});
        } else {
          previous = index.slice();
          enc.writeFrame(index, width, height, {palette: table, delay: delay, repeat: 0, dispose: 1});
        }
        count += 1;
      },
      bytes: function () { return enc.bytesView().length; },
      finish: function () {
        enc.finish();
        return new Blob([enc.bytes()], {type: "image/gif"});
      },
      close: function () {}
    };
  }

  function bitrateFor(seconds) {
    return Math.max(250e3, Math.min(6e6, Math.floor(0.8 * LIMITS.bytes * 8 / Math.max(seconds, 0.1))));
  }

  /* WebM with WebCodecs: VP9 (VP8 where VP9 is missing), each frame at exactly i / fps. */
  async function webCodecsEncoder(width, height, fps, seconds) {
    var lib = window.WebMMuxer;
    if (!lib || !lib.Muxer) throw new Error("the WebM muxer (assets/vendor/webm-muxer.js) is not loaded");
    var bitrate = bitrateFor(seconds);
    var choices = [{codec: "vp09.00.10.08", mux: "V_VP9"}, {codec: "vp8", mux: "V_VP8"}];
    var chosen = null;
    for (var k = 0; k < choices.length && !chosen; k++) {
      var config = {codec: choices[k].codec, width: width, height: height, bitrate: bitrate, framerate: fps};
      try {
        if ((await window.VideoEncoder.isConfigSupported(config)).supported) chosen = {config: config, mux: choices[k].mux};
      } catch (err) { /* try the next */ }
    }
    if (!chosen) throw new Error("this browser cannot encode VP9 or VP8 video");
    var target = new lib.ArrayBufferTarget();
    var muxer = new lib.Muxer({target: target, video: {codec: chosen.mux, width: width, height: height, frameRate: fps}});
    var bytes = 0, failure = null;
    var encoder = new window.VideoEncoder({
      output: function (chunk, meta) { bytes += chunk.byteLength; muxer.addVideoChunk(chunk, meta); },
      error: function (err) { failure = err; }
    });
    encoder.configure(chosen.config);
    var frameUs = 1e6 / fps;
    return {
      add: async function (canvas, i) {
        if (failure) throw failure;
        var frame = new window.VideoFrame(canvas, {timestamp: Math.round(i * frameUs), duration: Math.round(frameUs)});
        encoder.encode(frame, {keyFrame: i % Math.max(1, Math.round(fps * 4)) === 0});
        frame.close();
        while (encoder.encodeQueueSize > 2 && !failure) await new Promise(function (r) { setTimeout(r, 5); });
      },
      bytes: function () { return bytes; },
      finish: async function () {
        await encoder.flush();
        if (failure) throw failure;
        encoder.close();
        muxer.finalize();
        return new Blob([target.buffer], {type: "video/webm"});
      },
      close: function () { try { encoder.close(); } catch (err) { /* closed */ } }
    };
  }

  /* MediaRecorder from canvas.captureStream(0): each frame is drawn while the recorder is paused,
     then recorded for 1 / fps of real time (so its length in the video is exact up to the timer). */
  function recorderEncoder(canvas, fps, mime, seconds) {
    if (!window.MediaRecorder || !canvas.captureStream) throw new Error("this browser cannot record video");
    var stream = canvas.captureStream(0), track = stream.getVideoTracks()[0];
    var recorder = new window.MediaRecorder(stream, {mimeType: mime, videoBitsPerSecond: bitrateFor(seconds)});
    var parts = [], bytes = 0, failure = null;
    recorder.ondataavailable = function (ev) { if (ev.data && ev.data.size) { parts.push(ev.data); bytes += ev.data.size; } };
    recorder.onerror = function (ev) { failure = ev.error || new Error("recording failed"); };
    var started = false;
    function wait(ms) { return new Promise(function (r) { setTimeout(r, ms); }); }
    return {
      add: async function (canvas, i) {
        if (failure) throw failure;
        if (!started) {
          recorder.start(1000);   // a capture track delivers the canvas as it is when recording starts
          started = true;
        } else {
          recorder.resume();
          track.requestFrame();
        }
        await wait(1000 / fps);
        recorder.pause();
      },
      bytes: function () { return bytes; },
      finish: function () {
        return new Promise(function (resolve, reject) {
          recorder.onstop = function () {
            track.stop();
            if (failure) reject(failure); else resolve(new Blob(parts, {type: mime.split(";")[0]}));
          };
          recorder.stop();
        });
      },
      close: function () { try { if (recorder.state !== "inactive") recorder.stop(); track.stop(); } catch (err) { /* stopped */ } }
    };
  }

  function recorderType(format) {
    var types = format === "mp4" ? ["video/mp4;codecs=avc1.42E01E", "video/mp4;codecs=avc1", "video/mp4;codecs=vp9", "video/mp4"]
      : ["video/webm;codecs=vp9", "video/webm;codecs=vp8", "video/webm"];
    if (!window.MediaRecorder) return null;
    return types.filter(function (t) { return window.MediaRecorder.isTypeSupported(t); })[0] || null;
  }

  /* -- the animation ------------------------------------------------------------------------- */
  function checked(o) {
    var at = currentStep();
    var format = String(o.format || "gif").toLowerCase();
    if (["gif", "webm", "mp4"].indexOf(format) < 0) throw new Error("an animation is a GIF, a WebM or an MP4");
    var fps = Math.round(Number(o.fps || 15));
    if (!(fps >= 1 && fps <= 60)) throw new Error("the frame rate must be 1 to 60 frames per second");
    var frames = Math.round(Number(o.frames || 100));
    if (!(frames >= 2 && frames <= LIMITS.frames)) throw new Error("an animation has 2 to " + LIMITS.frames + " frames");
    var width = Math.round(Number(o.width || 1280) / 2) * 2, height = Math.round(Number(o.height || 800) / 2) * 2;
    if (!(width >= 320 && height >= 200 && width <= LIMITS.width && height <= LIMITS.height)) {
      throw new Error("an animation is 320 x 200 to " + LIMITS.width + " x " + LIMITS.height + " pixels");
    }
    var from = o.from === undefined || o.from === null || o.from === "" ? 0 : Math.round(Number(o.from));
    var to = o.to === undefined || o.to === null || o.to === "" ? at.max : Math.round(Number(o.to));
    if (!isFinite(from) || !isFinite(to)) throw new Error("the steps must be numbers");
    from = Math.min(Math.max(from, 0), at.max);
    to = Math.min(Math.max(to, from), at.max);
    return {format: format, fps: fps, frames: frames, width: width, height: height, from: from, to: to, max: at.max,
            withLoss: !!o.withLoss, reveal: o.reveal === undefined ? undefined : o.reveal,
            onProgress: typeof o.onProgress === "function" ? o.onProgress : null};
  }

  function sizeText(bytes) {
    return (bytes / MB).toFixed(bytes < 10 * MB ? 1 : 0) + " MB";
  }

  async function animation(options) {
    if (state.running) throw new Error("an export is already running");
    var o = checked(options || {});
    state.running = true;
    state.cancelled = false;
    var began = performance.now(), encoder = null;
    function progress(done, text) {
      if (o.onProgress) o.onProgress(done, text);
      report(done, text);
    }
    try {
      progress(0, "preparing the views…");
      var renderer = await frameRenderer(o);
      var seconds = o.frames / o.fps;
      var kind = o.format;
      if (kind === "gif") {
        encoder = gifEncoder(o.width, o.height, o.fps, renderer.runs.map(function (r) { return r.color; }).concat([INK, MUTED, "#ffffff"]));
        await renderer.draw(o.to, o.max);   // the palette from the frame that shows the most
        encoder.palette(renderer.ctx.getImageData(0, 0, o.width, o.height).data);
      } else if (kind === "webm" && window.VideoEncoder && window.VideoFrame) {
        encoder = await webCodecsEncoder(o.width, o.height, o.fps, seconds);
      } else {
        var mime = recorderType(kind);
        if (!mime) throw new Error("this browser cannot record " + kind.toUpperCase() + " video; choose WebM or GIF");
        encoder = recorderEncoder(renderer.canvas, o.fps, mime, seconds);
        kind = mime.indexOf("mp4") >= 0 ? "mp4" : "webm";
      }
      var first = 0, setup = (performance.now() - began) / 1000;
      for (var i = 0; i < o.frames; i++) {
        if (state.cancelled) throw new Error("cancelled");
        var step = Math.round(o.from + (o.to - o.from) * i / (o.frames - 1));
        await renderer.draw(step, o.max);
        if (kind === "gif") encoder.add(renderer.ctx.getImageData(0, 0, o.width, o.height).data, i);
        else await encoder.add(renderer.canvas, i);
        var bytes = encoder.bytes(), elapsed = (performance.now() - began) / 1000;
        if (i === 0) first = bytes;
        var expected = i >= 3 ? first + (bytes - first) * (o.frames - 1) / i : bytes;
        if (bytes > LIMITS.bytes || (kind === "gif" && i >= 3 && expected > LIMITS.bytes)) {
          throw new Error("this animation would be about " + sizeText(Math.max(bytes, expected)) + ", more than the limit of " +
                          sizeText(LIMITS.bytes) + ": choose fewer frames or a smaller size");
        }
        var eta = setup + (elapsed - setup) * o.frames / (i + 1);   // the first frames show the pace
        if (elapsed > LIMITS.seconds || (i >= 5 && eta > LIMITS.seconds)) {
          throw new Error("this animation would take about " + Math.round(eta) + " s to make, more than the limit of " +
                          LIMITS.seconds + " s: choose fewer frames or a smaller size");
        }
        progress((i + 1) / o.frames, "frame " + (i + 1) + " of " + o.frames + " (" + stepText(step, o.max) + ")");
      }
      progress(1, "finishing the file…");
      var blob = await encoder.finish();
      encoder = null;
      if (blob.size > LIMITS.bytes) {
        throw new Error("the animation is " + sizeText(blob.size) + ", more than the limit of " + sizeText(LIMITS.bytes) +
                        ": choose fewer frames or a smaller size");
      }
      var ext = kind === "gif" ? "gif" : kind;
      var filename = "optviz-" + renderer.scene.name + "-" + renderer.runs.length + "runs-steps" + o.from + "-" + o.to + "." + ext;
      return {filename: filename, blob: blob, frames: o.frames, bytes: blob.size,
              seconds: (performance.now() - began) / 1000, width: o.width, height: o.height, fps: o.fps};
    } finally {
      if (encoder) encoder.close();
      state.running = false;
    }
  }

  function cancel() {
    if (state.running) state.cancelled = true;
    return state.running;
  }

  /* -- the dialog ---------------------------------------------------------------------------- */
  function report(done, text) {
    setProps("export-progress", {value: String(Math.round(100 * Math.min(Math.max(done, 0), 1)))});
    if (text !== undefined) setProps("export-status", {children: text});
  }

  function busy(on) {
    setProps("export-start", {disabled: on});
    setProps("export-cancel", {disabled: !on});
  }

  function save(blob, filename) {
    var url = URL.createObjectURL(blob);
    var a = document.createElement("a");
    a.href = url;
    a.download = filename;
    a.style.display = "none";
    document.body.appendChild(a);
    a.click();
    a.remove();
    setTimeout(function () { URL.revokeObjectURL(url); }, 60000);
  }

  async function runFromDialog(mode, settings) {
    busy(true);
    var began = performance.now();
    try {
      if (mode === "slide") {
        report(0.1, "drawing the slide…");
        var files = await slides({formats: settings.formats, views: settings.views});
        files.forEach(function (f) { save(f.blob, f.filename); });
        report(1, "saved " + files.map(function (f) { return f.filename + " (" + sizeText(f.blob.size) + ")"; }).join(" and ") +
               " in " + ((performance.now() - began) / 1000).toFixed(1) + " s.");
      } else {
        var result = await animation(settings);
        save(result.blob, result.filename);
        report(1, "saved " + result.filename + " (" + sizeText(result.bytes) + ", " + result.frames + " frames) in " +
               result.seconds.toFixed(1) + " s.");
      }
    } catch (err) {
      report(0, err && err.message === "cancelled" ? "Cancelled." : "Not exported: " + ((err && err.message) || err));
    } finally {
      busy(false);
    }
  }

  window.optvizExport = {slide: slide, slides: slides, animation: animation, cancel: cancel, figureAt: figureAt,
                         limits: LIMITS};

  window.dash_clientside = Object.assign({}, window.dash_clientside, {
    optvizExport: {
      /* The data links follow the view (the query string the page writes to its address bar). */
      dataLinks: function (search) {
        var nc = window.dash_clientside.no_update;
        if (typeof search !== "string" || search.charAt(0) !== "?") return [nc, nc];
        return ["/export/data.csv" + search, "/export/data.json" + search];
      },

      /* A menu item opens the dialog on its part (slide, or animation in a format). */
      open: function (nSlide, nGif, nVideo, format) {
        var trig = ((window.dash_clientside.callback_context.triggered[0] || {}).prop_id || "").split(".")[0];
        if (!state.running) report(0, "");   // a new dialog: no word from the last export
        if (trig === "export-item-slide") return [true, "Export a slide", "slide", false, true, format];
        var next = trig === "export-item-gif" ? "gif" : (format === "gif" ? "webm" : format);
        return [true, "Export an animation", "animation", true, false, next];
      },

      start: function (n, mode, views, formats, format, fps, frames, from, to, size, withLoss) {
        if (state.running) return window.dash_clientside.no_update;
        var wh = String(size || "1280x800").split("x");
        var settings = mode === "slide" ? {formats: formats || [], views: views || []}
          : {format: format, fps: Number(fps), frames: Number(frames), from: from, to: to, withLoss: !!withLoss,
             width: Number(wh[0]), height: Number(wh[1])};
        if (mode === "slide" && !settings.formats.length) return "Tick PNG, SVG or both.";
        setTimeout(function () { runFromDialog(mode, settings); }, 0);
        return "starting…";
      },

      /* The cancel button, or the dialog closing while an export runs. */
      cancel: function (n, isOpen) {
        var trig = ((window.dash_clientside.callback_context.triggered[0] || {}).prop_id || "");
        if (trig.indexOf("export-cancel") === 0 || (trig.indexOf("export-dialog") === 0 && !isOpen)) cancel();
        return !state.running || state.cancelled;
      }
    }
  });
})();
