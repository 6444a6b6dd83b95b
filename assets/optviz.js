/*
 * optviz in the browser: playback, markers, slider/number sync, share link, keyboard shortcuts.
 *
 * Playback never asks the server: each figure already holds every run's whole path (thinned by
 * shape: the step of each drawn point is the path trace's customdata), and each marker trace
 * names its path trace in `meta.path` (see optviz/ui/figures.py). Showing step k puts every
 * marker on the last drawn point at or before step k. On the 2-D graphs the marker's SVG is
 * moved directly (Plotly.restyle would recompute and redraw every trace, contours included); on
 * the 3-D scene only the marker traces are updated before one redraw.
 *
 * While playing, a requestAnimationFrame loop drives the markers and the step readout directly
 * and tells Dash the step (the slider's position) only a few times a second: going through Dash's
 * renderer on every frame costs far more than drawing the frame.
 *
 * Reveal mode (a path trace's `meta.reveal`): each path is drawn only up to the current step, so
 * playing builds the paths as a class watches. On the 2-D graphs the path's SVG line is rewritten
 * from its first k + 1 points; on the 3-D scene the path trace is given its first k + 1 points;
 * a run's divergence mark (and the 3-D stubs to the window's edge) appear when the step reaches
 * the run's end. After Plotly redraws a graph (new
 * figures, zoom) the current step is applied again.
 */
(function () {
  "use strict";

  var GRAPHS = ["contour-graph", "surface3d-graph", "loss-graph", "distance-graph"];
  var SYNC_MS = 500;  // how often playback tells Dash where the slider is
  var busy = {};
  var costs = {};  // how long each graph's last update took, drawing included (ms)
  var pending = {};
  var drawnData = {};   /* the gd.data each graph's last update worked on */
  var player = {playing: false, pos: 0, step: 0, max: 0, speed: 60, last: 0, lastSync: 0, raf: null,
                synced: null};
  var shown = {step: null, max: 0};  // the step every view shows now
  var history = {written: false};    // has this page written its address yet?

  function graphDiv(id) {
    return document.querySelector("#" + id + " .js-plotly-plot");
  }

  function pointCount(trace) {
    if (typeof trace._length === "number") return trace._length;
    if (trace.x && trace.x.length !== undefined) return trace.x.length;
    if (trace.y && trace.y.length !== undefined) return trace.y.length;
    return 0;
  }

  function coord(trace, axis, k) {
    var arr = trace[axis];
    if (arr && arr.length !== undefined) return Number(arr[k]);
    var start = trace[axis + "0"] || 0;
    var delta = trace["d" + axis] === undefined ? 1 : trace["d" + axis];
    return start + k * delta;
  }

  /* The index of the last drawn point of `trace` at or before `step` (its customdata holds the
     step of each point, in order); figures.py's _at does the same. */
  function indexAt(trace, step) {
    var steps = trace.customdata, n = pointCount(trace);
    if (!steps || steps.length === undefined || !steps.length) return Math.min(Math.max(Math.round(step), 0), n - 1);
    var lo = 0, hi = Math.min(steps.length, n) - 1;
    if (step < Number(steps[0])) return 0;
    while (lo < hi) {
      var mid = (lo + hi + 1) >> 1;
      if (Number(steps[mid]) <= step) lo = mid; else hi = mid - 1;
    }
    return lo;
  }

  function metaOf(gd, i) {
    var full = gd._fullData && gd._fullData[i];
    var meta = (full && full.meta) || (gd.data[i] && gd.data[i].meta);
    return meta && typeof meta === "object" ? meta : null;
  }

  /* On the map (both axes linear), a run that is outside the visible window keeps its marker on
     the window's edge, on the side where it went, instead of vanishing (figures.py places the
     first marker the same way). */
  function pinToEdge(gd) {
    var fl = gd._fullLayout;
    return fl && fl.xaxis && fl.yaxis && fl.xaxis.type === "linear" && fl.yaxis.type === "linear" &&
      !!gd.closest && gd.closest("#contour-graph") !== null;
  }

  function pin(v, axis) {
    var r = axis.range, lo = Math.min(r[0], r[1]), hi = Math.max(r[0], r[1]);
    return isFinite(v) ? Math.min(Math.max(v, lo), hi) : v;
  }

  /* The positions every marker (and simplex) of one graph should have at `step`. */
  function targets(gd, step) {
    var out = [];
    for (var i = 0; i < gd._fullData.length; i++) {
      var meta = metaOf(gd, i);
      if (!meta) continue;
      var path = meta.path !== undefined ? gd._fullData[meta.path] : null;
      if (meta.role === "marker") {
        if (!path) continue;
        var n = pointCount(path);
        if (!n) continue;
        var k = indexAt(path, step);
        var t = {i: i, x: [coord(path, "x", k)], y: [coord(path, "y", k)]};
        if (path.z) t.z = [coord(path, "z", k)];
        else if (pinToEdge(gd)) { t.x = [pin(t.x[0], gd._fullLayout.xaxis)]; t.y = [pin(t.y[0], gd._fullLayout.yaxis)]; }
        out.push(t);
      } else if (meta.role === "simplex" && meta.simplex && meta.simplex.length && path) {
        var s = meta.simplex[Math.min(indexAt(path, step), meta.simplex.length - 1)];
        out.push({i: i, x: [s[0], s[2], s[4], s[0]], y: [s[1], s[3], s[5], s[1]], closed: true});
      }
    }
    return out;
  }

  function remember(gd, t) {
    /* Keep Plotly's own copies in step, so zooming, hovering and later updates agree. */
    var full = gd._fullData[t.i];
    gd.data[t.i].x = t.x; gd.data[t.i].y = t.y; full.x = t.x; full.y = t.y;
    if (t.z) { gd.data[t.i].z = t.z; full.z = t.z; }
    var cd = gd.calcdata && gd.calcdata[t.i];
    if (cd) {
      for (var j = 0; j < cd.length && j < t.x.length; j++) { cd[j].x = t.x[j]; cd[j].y = t.y[j]; }
    }
  }

  /* 2-D graphs: move the SVG of the marker traces directly (a Plotly.restyle would recompute and
     redraw every trace, contours included: a hundred times slower). */
  function traceGroups(gd) {
    var groups = {};
    var nodes = gd.querySelectorAll("g.trace.scatter");
    for (var g = 0; g < nodes.length; g++) {
      var d = nodes[g].__data__;
      if (d && d[0] && d[0].trace) groups[d[0].trace.index] = nodes[g];
    }
    return groups;
  }

  function redraw3d(gd) {
    try { gd._fullLayout.scene._scene.glplot.redraw(); } catch (err) { /* nothing to redraw */ }
    return Promise.resolve();
  }

  function move2d(gd, todo, step) {
    var groups = traceGroups(gd);
    var fallback = [];
    todo.forEach(function (t) {
      var full = gd._fullData[t.i];
      var plot = (gd._fullLayout._plots || {})[(full.xaxis || "x") + (full.yaxis || "y")];
      var node = groups[t.i];
      if (!plot || !node) { fallback.push(t); return; }
      var xa = plot.xaxis, ya = plot.yaxis;
      var px = t.x.map(function (v) { return xa.c2p(v); });
      var py = t.y.map(function (v) { return ya.c2p(v); });
      if (!px.concat(py).every(isFinite)) { fallback.push(t); return; }
      if (t.closed) {
        var pts = px.map(function (x, j) { return x + "," + py[j]; });
        var line = node.querySelector("path.js-line");
        var fill = node.querySelector("path.js-fill");
        if (line) line.setAttribute("d", "M" + pts.join("L"));
        if (fill) fill.setAttribute("d", "M" + pts.join("L") + "Z");
        if (!line && !fill) { fallback.push(t); return; }
      } else {
        var points = node.querySelectorAll("path.point");
        if (points.length !== 1) { fallback.push(t); return; }
        points[0].setAttribute("transform", "translate(" + px[0] + "," + py[0] + ")");
      }
      remember(gd, t);
    });
    moveCursor(gd, step);
    if (fallback.length) {
      return window.Plotly.restyle(gd, {x: fallback.map(function (t) { return t.x; }),
                                        y: fallback.map(function (t) { return t.y; })},
                                   fallback.map(function (t) { return t.i; }));
    }
    return Promise.resolve();
  }

  function moveCursor(gd, step) {
    var shapes = (gd.layout && gd.layout.shapes) || [];
    for (var j = 0; j < shapes.length; j++) {
      if (!shapes[j] || shapes[j].name !== "cursor" || shapes[j].x0 === step) continue;
      var full = gd._fullLayout.shapes && gd._fullLayout.shapes[j];
      var xa = gd._fullLayout.xaxis;
      var node = gd.querySelector('.shapelayer path[data-index="' + j + '"]');
      shapes[j].x0 = shapes[j].x1 = step;
      if (full) full.x0 = full.x1 = step;
      if (node && xa) {
        var px = xa._offset + xa.r2p(step);
        var d = node.getAttribute("d") || "";
        var m = /^M([^,]+),([^L]+)L([^,]+),(.+)$/.exec(d);
        if (m && isFinite(px)) { node.setAttribute("d", "M" + px + "," + m[2] + "L" + px + "," + m[4]); continue; }
      }
      window.Plotly.relayout(gd, (function () {
        var u = {}; u["shapes[" + j + "].x0"] = step; u["shapes[" + j + "].x1"] = step; return u;
      })());
    }
  }

  /* The 3-D scene: update only the marker traces and redraw the scene (no recalculation of the
     mesh); Plotly.restyle if Plotly's internals ever change shape. */
  function move3d(gd, todo) {
    var scene = gd._fullLayout.scene && gd._fullLayout.scene._scene;
    try {
      todo.forEach(function (t) {
        var full = gd._fullData[t.i];
        var obj = scene.traces[full.uid];
        remember(gd, t);
        obj.update(full);
      });
      scene.glplot.redraw();
      return Promise.resolve();
    } catch (err) {
      return window.Plotly.restyle(gd, {x: todo.map(function (t) { return t.x; }),
                                        y: todo.map(function (t) { return t.y; }),
                                        z: todo.map(function (t) { return t.z || [0]; })},
                                   todo.map(function (t) { return t.i; }));
    }
  }

  /* Reveal mode: how many points of each revealed trace to draw at `step` (-1: none), and which
     divergence marks to show (a run's mark shows once the step reaches the run's last point). */
  function revealTargets(gd, step) {
    var out = [], ends = {};
    for (var i = 0; i < gd._fullData.length; i++) {
      var meta = metaOf(gd, i);
      if (!meta || meta.role !== "path") continue;
      var n = pointCount(gd._fullData[i]);
      if (!meta.reveal) { out.push({i: i, k: n - 1, n: n, whole: true}); continue; }
      var k = indexAt(gd._fullData[i], step);
      out.push({i: i, k: k, n: n});
      ends[meta.run] = k >= n - 1;
    }
    for (var j = 0; j < gd._fullData.length; j++) {
      var m = metaOf(gd, j);
      if (m && (m.role === "diverged" || m.role === "edge")) {
        out.push({i: j, show: ends[m.run] === undefined ? true : ends[m.run]});
      }
    }
    return out;
  }

  /* A trace drawn whole (reveal off) is left to Plotly, unless reveal mode had cut it: then it
     is drawn whole once more. */
  function revealed2d(gd, todo, groups) {
    todo.forEach(function (t) {
      var node = groups[t.i];
      if (!node) return;
      if (t.show !== undefined) { node.style.visibility = t.show ? "" : "hidden"; return; }
      if (t.whole && !node.hasAttribute("data-revealed")) return;
      if (t.whole) node.removeAttribute("data-revealed"); else node.setAttribute("data-revealed", "");
      var full = gd._fullData[t.i];
      var plot = (gd._fullLayout._plots || {})[(full.xaxis || "x") + (full.yaxis || "y")];
      var line = node.querySelector("path.js-line");
      if (plot && line) {
        var d = "", pen = false;
        for (var j = 0; j <= t.k; j++) {
          var px = plot.xaxis.c2p(coord(full, "x", j)), py = plot.yaxis.c2p(coord(full, "y", j));
          if (!isFinite(px) || !isFinite(py)) { pen = false; continue; }
          d += (pen ? "L" : "M") + px + "," + py;
          pen = true;
        }
        line.setAttribute("d", d || "M0,0");
      }
      var points = node.querySelectorAll("path.point");
      for (var q = 0; q < points.length; q++) points[q].style.display = q <= t.k ? "" : "none";
    });
  }

  function revealed3d(gd, todo, scene) {
    todo.forEach(function (t) {
      var full = gd._fullData[t.i];
      var obj = scene.traces[full.uid];
      if (!obj || (t.whole && !full._revealSource)) return;
      var src = full._revealSource;
      if (!src || src.x.length < pointCount(full)) {
        src = full._revealSource = {x: full.x, y: full.y, z: full.z, text: full.text};
      }
      var upto = t.show !== undefined ? (t.show ? src.x.length : 0) : t.k + 1;
      if (t.whole) full._revealSource = null;
      var view = Object.create(full);
      ["x", "y", "z", "text"].forEach(function (a) {
        if (src[a] && src[a].slice) view[a] = src[a].slice(0, upto);
      });
      view._length = upto;
      obj.update(view);
    });
  }

  /* On a touch screen a swipe over a graph scrolls the page: no drag mode (zoom, pan, turn). */
  function touchable(gd) {
    if (!(window.optvizTouch && window.optvizTouch.coarse) || !gd._fullLayout) return;
    var scene = gd._fullLayout.scene;
    if (scene ? scene.dragmode !== false : gd._fullLayout.dragmode !== false) {
      window.Plotly.relayout(gd, scene ? {"scene.dragmode": false} : {dragmode: false});
    }
  }

  /* On a narrow screen the map has no colour bar, so the (square) map gets the screen's whole
     width (the contours' shading still shows high and low; the loss plot gives the values). */
  var NARROW = 576;
  function narrowMap(gd) {
    if (window.innerWidth >= NARROW || !gd._fullData || !gd._fullData.length) return;
    if (gd._fullData[0].showscale === false || gd._fullData[0].type !== "contour") return;
    window.Plotly.restyle(gd, {showscale: false}, [0]);
  }

  /* Redraw the current step after Plotly redraws a graph (new figures, zoom, resize); on the
     map, a click sets the start at the point under the pointer (Plotly's own clickData would
     give the nearest point of a trace: a star or a path). */
  var clicks = 0;
  function hook(id, gd) {
    if (gd._optvizHooked || !gd.on) return;
    gd._optvizHooked = true;
    gd.on("plotly_afterplot", function () {
      /* our own restyles redraw too: only a new figure (Plotly.react swaps gd.data) or a
         redraw while idle needs the step again; a new figure mid-update queues it */
      if (shown.step !== null && (!busy[id] || gd.data !== drawnData[id])) schedule(id, shown.step);
      applyHidden(gd);
      touchable(gd);
      if (id === "contour-graph") narrowMap(gd);
    });
    touchable(gd);
    if (id === "contour-graph") narrowMap(gd);
    if (id === "contour-graph") {
      gd.addEventListener("click", function (ev) {
        var target = ev.target;
        if (!target || !target.classList || !target.classList.contains("nsewdrag")) return;
        if (window.optvizTouch && window.optvizTouch.coarse && !window.optvizTouch.setStart.on) return;
        var fl = gd._fullLayout, rect = target.getBoundingClientRect();
        if (!fl || !fl.xaxis || !fl.yaxis) return;
        var x = fl.xaxis.p2c(ev.clientX - rect.left), y = fl.yaxis.p2c(ev.clientY - rect.top);
        if (isFinite(x) && isFinite(y)) setProps("map-click", {data: {x: x, y: y, n: ++clicks}});
      });
    }
  }

  /* Put every marker (and simplex) of one graph at `step`; returns a promise. */
  function moveMarkers(id, step) {
    var gd = graphDiv(id);
    if (!gd || !gd._fullData || !gd.data || !gd._fullLayout || !window.Plotly) return Promise.resolve();
    hook(id, gd);
    drawnData[id] = gd.data;
    var todo = targets(gd, step);
    var reveal = revealTargets(gd, step);
    if (!reveal.some(function (t) { return !t.whole && t.show === undefined; }) &&
        !gd.querySelector("[data-revealed]") && !(gd._fullData || []).some(function (f) { return f._revealSource; })) {
      reveal = [];   // nothing revealed, now or before: leave every trace to Plotly
    }
    if (gd._fullLayout.scene) {
      if (reveal.length) {
        try { revealed3d(gd, reveal, gd._fullLayout.scene._scene); } catch (err) { /* drawn in full */ }
      }
      return todo.length ? move3d(gd, todo) : (reveal.length ? redraw3d(gd) : Promise.resolve());
    }
    if (reveal.length) revealed2d(gd, reveal, traceGroups(gd));
    return move2d(gd, todo, step);
  }

  /* At most one update in flight per graph; the latest requested step wins. A slow graph (the
     3-D scene without a GPU) waits as long as its last update took before the next one, so it
     never starves the others. */
  function schedule(id, step) {
    if (busy[id]) { pending[id] = step; return; }
    busy[id] = true;
    var begin = performance.now();
    var done = function () {
      busy[id] = false;
      if (pending[id] !== undefined && pending[id] !== null) {
        var next = pending[id];
        pending[id] = null;
        schedule(id, next);
      }
    };
    var finish = function () {
      /* the cost includes drawing: measured when the frame that shows the update is done */
      window.requestAnimationFrame(function () {
        window.requestAnimationFrame(function () {
          var cost = performance.now() - begin;
          costs[id] = cost;
          /* WebGL without a GPU takes a quarter of a second per redraw: then the 3-D view waits
             three times as long before its next update, so the 2-D views stay smooth */
          if (id === "surface3d-graph" && cost > 50) setTimeout(done, 3 * cost); else done();
        });
      });
    };
    try {
      moveMarkers(id, step).then(finish, finish);
    } catch (err) {
      finish();
    }
  }

  /* The legend during playback: each run's f at the current step (from the loss plot's path),
     and how it ended once the step reaches its end (the text the server wrote). */
  function legendAt(step) {
    var gd = graphDiv("loss-graph");
    if (!gd || !gd._fullData) return;
    var paths = {};
    for (var i = 0; i < gd._fullData.length; i++) {
      var meta = metaOf(gd, i);
      if (meta && meta.role === "path") paths[meta.run] = gd._fullData[i];
    }
    var items = document.querySelectorAll("#legend-bar .legend-item");
    for (var j = 0; j < items.length; j++) {
      var status = items[j].querySelector(".legend-status");
      var path = paths[items[j].getAttribute("data-run")];
      if (!status || !path) continue;
      if (status.getAttribute("data-final") === null) status.setAttribute("data-final", status.textContent);
      var n = pointCount(path);
      var k = indexAt(path, step);
      if (k >= n - 1) { status.textContent = status.getAttribute("data-final"); continue; }
      var v = coord(path, "y", k);
      /* a log plot floors a loss of 0 at its lowest value: written as the final text writes it */
      var tiny = gd._fullLayout.yaxis && gd._fullLayout.yaxis.type === "log" && v <= 1e-15;
      status.textContent = (status.getAttribute("data-title") || "f") +
        (tiny ? " < 1e-15" : " = " + (isFinite(v) ? String(Number(v.toPrecision(3))) : "—"));
    }
  }

  /* A click on a legend entry hides or shows that run in every view. */
  var hiddenRuns = {};

  function applyHidden(gd) {
    if (!gd || !gd._fullData || !window.Plotly) return;
    var idx = [], vis = [];
    for (var i = 0; i < gd._fullData.length; i++) {
      var meta = metaOf(gd, i);
      if (!meta || !meta.run) continue;
      var want = hiddenRuns[meta.run] ? false : true;
      if ((gd._fullData[i].visible !== false) !== want) { idx.push(i); vis.push(want); }
    }
    if (idx.length) window.Plotly.restyle(gd, {visible: vis}, idx);
  }

  function toggleRun(item) {
    var uid = item.getAttribute("data-run");
    if (!uid) return;
    hiddenRuns[uid] = !hiddenRuns[uid];
    item.setAttribute("aria-pressed", hiddenRuns[uid] ? "false" : "true");
    item.classList.toggle("legend-hidden", !!hiddenRuns[uid]);
    for (var g = 0; g < GRAPHS.length; g++) applyHidden(graphDiv(GRAPHS[g]));
  }

  document.addEventListener("click", function (ev) {
    var item = ev.target && ev.target.closest && ev.target.closest("#legend-bar .legend-item");
    if (item) toggleRun(item);
  });

  function readout(step, max) {
    var el = document.getElementById("step-readout");
    if (el) el.textContent = "step " + step.toLocaleString("en-US") + " / " + max.toLocaleString("en-US");
  }

  /* Show step `step` on every view. */
  function show(step, max) {
    shown.step = step;
    shown.max = max;
    for (var i = 0; i < GRAPHS.length; i++) schedule(GRAPHS[i], step);
    readout(step, max);
    legendAt(step);
  }

  function setProps(id, props) {
    if (window.dash_clientside && window.dash_clientside.set_props) window.dash_clientside.set_props(id, props);
  }

  function reportStep(step) {
    player.synced = step;
    setProps("step-slider", {value: step});
  }

  function frame(now) {
    if (!player.playing) return;
    var dt = Math.min((now - player.last) / 1000, 0.25);
    player.last = now;
    player.pos = Math.min(player.pos + player.speed * dt, player.max);
    var step = Math.floor(player.pos);
    if (step !== player.step) {
      player.step = step;
      show(step, player.max);
    }
    if (step >= player.max) {
      stop();
      return;
    }
    if (now - player.lastSync > SYNC_MS) {
      player.lastSync = now;
      reportStep(step);
    }
    player.raf = window.requestAnimationFrame(frame);
  }

  function start(from, max, speed) {
    player.playing = true;
    player.max = max;
    player.pos = player.step = from;
    player.speed = speed;
    player.last = player.lastSync = performance.now();
    player.raf = window.requestAnimationFrame(frame);
  }

  function stop() {
    if (!player.playing) return;
    player.playing = false;
    if (player.raf) window.cancelAnimationFrame(player.raf);
    player.raf = null;
    reportStep(player.step);
    setProps("play-button", {children: playFace(false)});
  }

  function playFace(playing) {
    return [{type: "Span", namespace: "dash_html_components",
             props: {className: "ov-icon ov-icon-" + (playing ? "pause" : "play")}},
            playing ? " pause" : " play"];
  }

  function clamp(v, lo, hi) { return Math.min(Math.max(v, lo), hi); }

  function copyText(text) {
    if (navigator.clipboard && window.isSecureContext) {
      return navigator.clipboard.writeText(text).then(function () { return true; }, function () { return false; });
    }
    var area = document.createElement("textarea");
    area.value = text;
    area.setAttribute("readonly", "");
    area.style.position = "fixed";
    area.style.opacity = "0";
    document.body.appendChild(area);
    area.select();
    var ok = false;
    try { ok = document.execCommand("copy"); } catch (err) { ok = false; }
    document.body.removeChild(area);
    return Promise.resolve(ok);
  }

  window.dash_clientside = Object.assign({}, window.dash_clientside, {
    optviz: {
      /* Play/pause, step back/forward, first/last and speed: returns the play button's face and
         the slider's value; while playing, the animation loop above moves everything. */
      transport: function (play, back, fwd, first, last, speed, value, max) {
        var nc = window.dash_clientside.no_update;
        var trig = (window.dash_clientside.callback_context.triggered[0] || {}).prop_id || "";
        var end = Number(max) || 0;
        var current = player.playing ? player.step : Math.round(Number(value) || 0);
        var perSecond = Math.max(Number(speed) || 60, 1);
        if (trig.indexOf("speed-select") === 0) {
          player.speed = perSecond;
          return [nc, nc];
        }
        if (trig.indexOf("play-button") === 0) {
          if (player.playing) {
            stop();
            return [playFace(false), nc];
          }
          var from = current >= end ? 0 : current;
          start(from, end, perSecond);
          show(from, end);
          return [playFace(true), nc];
        }
        var target = current;
        if (trig.indexOf("step-back-button") === 0) target = current - 1;
        else if (trig.indexOf("step-forward-button") === 0) target = current + 1;
        else if (trig.indexOf("step-first-button") === 0) target = 0;
        else if (trig.indexOf("step-last-button") === 0) target = end;
        target = clamp(target, 0, end);
        if (player.playing) { player.step = target; stop(); }
        player.synced = null;
        return [playFace(false), target];
      },

      /* The slider moved (dragged, stepped, or the server drew new figures). */
      showStep: function (value, max) {
        var step = Math.round(Number(value) || 0);
        var end = Number(max) || 0;
        if (player.playing) {
          player.max = end;
          if (step === player.synced) return step;  // our own report of where playback is
          player.pos = player.step = Math.min(step, end);  // dragged while playing: jump there
        }
        show(Math.min(step, end), end);
        return step;
      },

      /* A parameter's slider and its number box show the same value (the slider is over
         log10 of the value when its class says log-slider). */
      syncSlider: function (sliderValue, inputValue, className, min, max, step) {
        var nc = window.dash_clientside.no_update;
        var log = (className || "").indexOf("log-slider") >= 0;
        var trig = (window.dash_clientside.callback_context.triggered[0] || {}).prop_id || "";
        if (trig.indexOf('"hp-slider"') >= 0) {
          if (sliderValue === null || sliderValue === undefined) return [nc, nc];
          var v;
          if (log) {
            v = Number(Math.pow(10, sliderValue).toPrecision(2));  // 0.05, not 0.0501187
          } else {
            var decimals = Math.max(0, -Math.floor(Math.log10(Number(step) || 1)));
            v = Number(Number(sliderValue).toFixed(Math.min(decimals, 12)));
          }
          return [nc, v];
        }
        /* a decimal comma reads as a point, as on the server (optviz.config.read_text) */
        var text = typeof inputValue === "string" ? inputValue.trim() : inputValue;
        if (typeof text === "string" && /^[+-]?\d+,\d+$/.test(text)) text = text.replace(",", ".");
        var x = Number(text);
        if (text === null || text === undefined || text === "" || !isFinite(x)) return [nc, nc];
        if (log) {
          if (x <= 0) return [nc, nc];
          x = Math.log10(x);
        }
        return [clamp(x, min, max), nc];
      },

      /* Keep the address bar equal to the view. Each change of the configuration is a new
         history entry, so the browser's Back and Forward undo and redo within the app (optviz's
         callbacks load the configuration of the address they go back to); the first address a
         page writes (the link it opened, written out in full) replaces the one it came with. */
      /* The address reproduces the view: the configuration's query string, then the explore
         panel's part (explore=..., empty when it is closed). */
      writeUrl: function (search, explore) {
        var drawn = typeof search === "string" && search.charAt(0) === "?";
        if (!drawn) {
          // the panel changed before the figures were first drawn: keep the address's own part,
          // and leave the history to the first figures (their address replaces the one opened)
          search = "?" + window.location.search.slice(1).split("&").filter(function (kv) {
            return kv && kv.indexOf("explore=") !== 0;
          }).join("&");
        }
        if (typeof explore === "string" && explore) search += (search === "?" ? "" : "&") + explore;
        if (search === "?") return window.dash_clientside.no_update;
        if (!drawn) {
          if (search !== window.location.search) {
            window.history.replaceState(window.history.state, "", window.location.pathname + search + window.location.hash);
          }
          return window.dash_clientside.no_update;
        }
        if (search !== window.location.search) {
          var url = window.location.pathname + search + window.location.hash;
          if (history.written) window.history.pushState({optviz: true}, "", url);
          else window.history.replaceState(window.history.state, "", url);
        }
        history.written = true;
        return search;
      },

      /* Presentation mode (the configuration's `present`) is a class on the page. */
      presenting: function (data, className) {
        var cls = (className || "").replace(/\s*presenting/g, "");
        var on = !!(data && data.present);
        var next = on ? (cls + " presenting").trim() : cls;
        if (next !== className) setTimeout(resizeAll, 50);
        return next === className ? window.dash_clientside.no_update : next;
      },

      /* A switch that opens a panel (the explore panel's "show"). */
      opened: function (value) { return !!value; },

      /* The explore panel shows the pane of the view chosen (sweep, basins, fan: explore.TABS). */
      panes: function (value) {
        return ["sweep", "basins", "fan"].map(function (tab) { return tab !== value; });
      },

      /* Open or close a collapsible body (collapsed by CSS, so MathJax can measure it). */
      toggle: function (n, className) {
        var cls = className || "";
        return cls.indexOf("collapsed") >= 0 ? cls.replace(/\s*collapsed/, "") : cls + " collapsed";
      },

      shareLink: function (n) {
        var face = function (text) {
          return [{type: "Span", namespace: "dash_html_components", props: {className: "ov-icon ov-icon-link"}}, text];
        };
        copyText(window.location.href).then(function (ok) {
          setProps("share-button", {children: face(ok ? " link copied" : " copy the address bar")});
          setTimeout(function () { setProps("share-button", {children: face(" copy link to this view")}); }, 2500);
        });
        return window.dash_clientside.no_update;
      }
    }
  });

  window.optviz = {moveMarkers: moveMarkers, targets: targets, player: player, costs: costs, shown: shown,
                   pointCount: pointCount, coord: coord, indexAt: indexAt, metaOf: metaOf};

  /* The graphs follow their boxes' new size (a filled view, presentation mode, the drawer). */
  function resizeAll() {
    if (!window.Plotly) return;
    GRAPHS.forEach(function (id) {
      var gd = graphDiv(id);
      if (gd && gd.offsetParent !== null) window.Plotly.Plots.resize(gd);
    });
  }

  /* One view fills the window; its button again (or Escape) shows all four. */
  function fillView(view) {
    var page = document.getElementById("page-root");
    if (!page) return;
    var current = page.getAttribute("data-filled");
    if (!view || current === view) page.removeAttribute("data-filled");
    else page.setAttribute("data-filled", view);
    var buttons = document.querySelectorAll(".fill-button");
    for (var i = 0; i < buttons.length; i++) {
      buttons[i].setAttribute("aria-pressed", page.getAttribute("data-filled") === buttons[i].getAttribute("data-view") ? "true" : "false");
    }
    setTimeout(function () {
      resizeAll();
      /* the filled view's top at the window's top (presenting, it is already under the playback bar) */
      var filled = page.getAttribute("data-filled") && document.querySelector(".view-" + page.getAttribute("data-filled"));
      if (filled && !page.classList.contains("presenting")) {
        var bar = document.querySelector(".transport-card");
        var under = bar ? bar.getBoundingClientRect().height + 10 : 0;   /* the playback bar stays in view */
        window.scrollBy({top: filled.getBoundingClientRect().top - under, behavior: "instant"});
      }
    }, 50);
  }

  /* On a phone the control panel is a drawer over the views. */
  function toggleDrawer(open) {
    var page = document.getElementById("page-root");
    var button = document.getElementById("controls-button");
    if (!page) return;
    var was = page.classList.contains("controls-open");
    var now = open === undefined ? !was : open;
    page.classList.toggle("controls-open", now);
    if (button) button.setAttribute("aria-expanded", now ? "true" : "false");
    /* the keyboard's focus goes into the drawer, and back to its button when it closes */
    var close = document.querySelector(".drawer-close");
    var sidebar = document.getElementById("sidebar");
    if (now && !was && close && close.offsetParent !== null) close.focus();
    else if (!now && was && button && sidebar && sidebar.contains(document.activeElement)) button.focus();
  }

  /* Touch screens: a swipe over a graph scrolls the page (no drag-to-zoom or turn), and a tap on
     the map sets the start only in "set start" mode. */
  var coarse = window.matchMedia && window.matchMedia("(pointer: coarse)").matches;
  var setStart = {on: false};

  document.addEventListener("click", function (ev) {
    var t = ev.target;
    if (!t || !t.closest) return;
    if (t.closest(".skip-link")) {
      var play = document.getElementById("play-button");
      if (play) { ev.preventDefault(); play.focus(); play.scrollIntoView({block: "nearest"}); }
      return;
    }
    var fill = t.closest(".fill-button");
    if (fill) { fillView(fill.getAttribute("data-view")); return; }
    if (t.closest("#controls-button")) { toggleDrawer(); return; }
    if (t.closest(".drawer-backdrop") || t.closest(".drawer-close")) { toggleDrawer(false); return; }
    var set = t.closest("#set-start-button");
    if (set) {
      setStart.on = !setStart.on;
      set.setAttribute("aria-pressed", setStart.on ? "true" : "false");
      set.classList.toggle("active", setStart.on);
    }
  });
  document.addEventListener("keydown", function (ev) {
    if (ev.key === "Escape") {
      var page = document.getElementById("page-root");
      if (page && page.hasAttribute("data-filled")) fillView(null);
      toggleDrawer(false);
    }
  });
  window.optvizTouch = {coarse: coarse, setStart: setStart};

  /* Screen readers: dcc.Slider takes no aria-label, so each slider's handle gets the name its
     box gives in data-slider-label (optviz/ui/layout.py); a log-scale slider also says its value
     as the number box shows it (aria-valuetext 0.01, not its position -2). Run again whenever
     elements are added (new run cards, a new surface's parameters) or a handle moves. */
  function nameSliders() {
    var thumbs = document.querySelectorAll("[data-slider-label] [role=slider]");
    for (var i = 0; i < thumbs.length; i++) {
      var thumb = thumbs[i];
      var label = thumb.closest("[data-slider-label]").getAttribute("data-slider-label");
      if (thumb.getAttribute("aria-label") !== label) thumb.setAttribute("aria-label", label);
      if (thumb.closest(".log-slider")) {
        var now = Number(thumb.getAttribute("aria-valuenow"));
        var text = isFinite(now) ? String(Number(Math.pow(10, now).toPrecision(2))) : "";
        if (thumb.getAttribute("aria-valuetext") !== text) thumb.setAttribute("aria-valuetext", text);
      }
    }
  }
  var naming = null;
  function nameSoon() {
    if (naming === null) naming = window.requestAnimationFrame(function () { naming = null; nameSliders(); });
  }
  new MutationObserver(function (records) {
    for (var r = 0; r < records.length; r++) {
      var rec = records[r];
      if (rec.type === "attributes") { nameSoon(); return; }
      for (var n = 0; n < rec.addedNodes.length; n++) {
        if (rec.addedNodes[n].nodeType === 1) { nameSoon(); return; }   /* elements, not the readout's text */
      }
    }
  }).observe(document.documentElement, {childList: true, subtree: true, attributes: true,
                                        attributeFilter: ["aria-valuenow"]});
  nameSoon();

  /* Keyboard: space plays/pauses, arrows step, Home/End jump (not while typing). */
  document.addEventListener("keydown", function (ev) {
    var t = ev.target;
    var tag = (t && t.tagName) || "";
    if (t && t.classList && t.classList.contains("legend-item") && (ev.key === "Enter" || ev.key === " ")) {
      ev.preventDefault();
      toggleRun(t);
      return;
    }
    if (/^(INPUT|SELECT|TEXTAREA|BUTTON)$/.test(tag) || (t && t.isContentEditable)) return;
    if (t && t.getAttribute && t.getAttribute("role") === "slider") return;
    var ids = {" ": "play-button", "ArrowLeft": "step-back-button", "ArrowRight": "step-forward-button",
               "Home": "step-first-button", "End": "step-last-button"};
    var id = ids[ev.key];
    if (!id || ev.ctrlKey || ev.metaKey || ev.altKey) return;
    var button = document.getElementById(id);
    if (button) { ev.preventDefault(); button.click(); }
  });
})();
