// The report page's only script of its own (run-report.ts inlines it after the Vega runtime).
// Plain browser JavaScript, no build step. It reads the packed ops (reports/page-data.ts) from
// <script type="application/json" id="faultline-data">, fills the latency plot's points, starts
// the Vega views, and draws the per-process timeline on a canvas: one bar per op from invocation
// to completion, coloured by outcome, fault windows across it; wheel to zoom, drag to pan,
// double-click to reset, hover for the op. Every string from the history reaches the DOM through
// textContent or Vega's text marks only, never as markup.
(function () {
  "use strict";
  var dataElement = document.getElementById("faultline-data");
  if (!dataElement) return;
  performance.mark("faultline:script");
  var data = JSON.parse(dataElement.textContent);
  performance.mark("faultline:data");
  var ops = data.ops;
  var count = ops.p.length;
  var endUs = Math.max(1, data.endS * 1e6);
  var OUTCOMES = ["ok", "fail", "info", "open"];
  var OUTCOME_COLORS = ["#1a7f37", "#cf222e", "#d4a72c", "#8c959f"];
  var FAULT_COLORS = data.faultColors;

  // Unpack the delta-coded columns once.
  var start = new Float64Array(count);
  var end = new Float64Array(count);
  var index = new Float64Array(count);
  var rowCounts = new Int32Array(data.procs.length);
  var at = 0;
  var idx = 0;
  for (var i = 0; i < count; i++) {
    at += ops.s[i];
    idx += ops.i[i];
    start[i] = at;
    end[i] = ops.d[i] < 0 ? Math.max(at, endUs) : at + ops.d[i];
    index[i] = idx;
    rowCounts[ops.p[i]]++;
  }
  // The spatial index: per process row, its ops in invocation order (a process runs one op at a
  // time, so its bars do not overlap), and the longest bar of the row for range searches.
  var rows = [];
  var rowMax = new Float64Array(data.procs.length);
  for (var r = 0; r < data.procs.length; r++) rows.push(new Int32Array(rowCounts[r]));
  var fill = new Int32Array(data.procs.length);
  for (i = 0; i < count; i++) {
    var row = ops.p[i];
    rows[row][fill[row]++] = i;
    rowMax[row] = Math.max(rowMax[row], end[i] - start[i]);
  }
  var byIndex = new Map();
  for (i = 0; i < count; i++) byIndex.set(index[i], i);

  function text(k) {
    return k < 0 ? undefined : data.strs[k];
  }

  function seconds(us) {
    if (data.timeless) return "#" + Math.round(us);
    return (us / 1e6).toFixed(us < 1e7 ? 4 : 3) + " s";
  }

  /** The op in words, one fact per line. */
  function describe(i) {
    var lines = [];
    var completion = ops.c[i] < 0 ? "" : " → #" + (index[i] + ops.c[i]);
    lines.push("op #" + index[i] + completion + " · process " + data.procs[ops.p[i]] + (ops.n[i] >= 0 ? " · node " + text(ops.n[i]) : ""));
    var key = ops.k[i] >= 0 ? " key " + text(ops.k[i]) : "";
    lines.push(data.fs[ops.f[i]] + key + " " + text(ops.v[i]) + (ops.r[i] >= 0 ? " → " + text(ops.r[i]) : "") + " : " + OUTCOMES[ops.o[i]]);
    var took = data.timeless ? "" : " (" + (ops.d[i] / 1000).toFixed(2) + " ms)";
    lines.push("invoked " + seconds(start[i]) + (ops.d[i] >= 0 ? ", completed " + seconds(end[i]) + took : ", never completed"));
    if (ops.e[i] >= 0) lines.push("error: " + text(ops.e[i]));
    return lines.join("\n");
  }

  // ---- plots (Vega) ----
  function startPlots() {
    var boxes = document.querySelectorAll("[data-vega-spec]");
    if (boxes.length === 0) return;
    if (!window.vega) {
      console.error("faultline: the Vega runtime is missing; plots not drawn");
      return;
    }
    // Vega draws some 20,000 points in well under a second, 100,000 in several: beyond the
    // budget every fail and info op is kept and the ok ops are sampled evenly (the quantile lines
    // and the timeline still cover every op).
    var nemesisRow = data.procs.indexOf("nemesis");
    var ok = 0;
    var other = 0;
    for (var i = 0; i < count; i++) {
      if (ops.p[i] === nemesisRow || ops.d[i] < 0) continue;
      if (ops.o[i] === 0) ok++;
      else other++;
    }
    var otherStride = Math.max(1, Math.ceil(other / (data.maxPoints / 2)));
    var okStride = Math.max(1, Math.ceil(ok / Math.max(1, data.maxPoints - Math.ceil(other / otherStride))));
    var points = [];
    var seenOk = 0;
    var seenOther = 0;
    for (i = 0; i < count; i++) {
      if (ops.p[i] === nemesisRow || ops.d[i] < 0) continue;
      if (ops.o[i] === 0 ? seenOk++ % okStride !== 0 : seenOther++ % otherStride !== 0) continue;
      points.push({ t: start[i] / 1e6, ms: Math.max(data.minLatencyMs, ops.d[i] / 1000), outcome: OUTCOMES[ops.o[i]], f: data.fs[ops.f[i]], op: "#" + index[i] });
    }
    var note = document.getElementById("plot-latency-note");
    if (note && points.length < ok + other) {
      note.textContent =
        "Showing " + points.length.toLocaleString("en") + " of " + (ok + other).toLocaleString("en") + " completed ops: " +
        (otherStride === 1 ? "every fail and info op" : "every " + otherStride + "th fail or info op") + " and every " + okStride + "th ok op. The quantile lines and the timeline cover every op.";
    }
    boxes.forEach(function (box) {
      var spec = data.plots[box.getAttribute("data-vega-spec")];
      (spec.data || []).forEach(function (set) {
        if (set.name === "points") set.values = points;
      });
      var view = new window.vega.View(window.vega.parse(spec), { renderer: "canvas", container: box, hover: true });
      view
        .runAsync()
        .then(function () {
          performance.mark("faultline:plot-" + box.getAttribute("data-vega-spec"));
          box.setAttribute("data-rendered", "true");
        })
        .catch(function (err) {
          console.error("faultline: plot failed: " + (err && err.message));
        });
    });
  }

  // ---- the timeline (canvas) ----
  var LEFT = 70;
  var AXIS = 26;
  var LABEL_ROW = 13;
  var container = document.getElementById("timeline");
  var canvas = document.getElementById("timeline-canvas");
  var overlay = document.getElementById("timeline-overlay");
  var tip = document.getElementById("timeline-tip");
  var view0 = 0;
  var view1 = endUs;
  var rowHeight = 4;
  var labelRows = 1;
  var bands = [];
  var width = 800;
  var height = 200;
  var hovered = -1;

  function layoutBands() {
    var kinds = [];
    bands = data.faults.map(function (fault) {
      if (kinds.indexOf(fault.kind) < 0) kinds.push(fault.kind);
      return { fault: fault, color: FAULT_COLORS[kinds.indexOf(fault.kind) % FAULT_COLORS.length], row: 0, x0: 0, x1: 0 };
    });
  }

  function x(us) {
    return LEFT + ((us - view0) / (view1 - view0)) * (width - LEFT - 8);
  }

  function us(px) {
    return view0 + ((px - LEFT) / (width - LEFT - 8)) * (view1 - view0);
  }

  function top() {
    return labelRows * LABEL_ROW + 4;
  }

  function resize() {
    width = Math.max(320, container.clientWidth);
    var processRows = data.procs.length;
    rowHeight = Math.max(2, Math.min(16, Math.floor(640 / Math.max(1, processRows))));
    height = top() + processRows * rowHeight + AXIS;
    var ratio = window.devicePixelRatio || 1;
    [canvas, overlay].forEach(function (c) {
      c.width = Math.round(width * ratio);
      c.height = Math.round(height * ratio);
      c.style.width = width + "px";
      c.style.height = height + "px";
      c.getContext("2d").setTransform(ratio, 0, 0, ratio, 0, 0);
    });
    container.style.height = height + "px";
  }

  /** First position in a row whose op may end at or after `us`. */
  function firstFrom(list, fromUs, longest) {
    var lo = 0;
    var hi = list.length;
    var bound = fromUs - longest;
    while (lo < hi) {
      var mid = (lo + hi) >> 1;
      if (start[list[mid]] < bound) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  function draw() {
    var ctx = canvas.getContext("2d");
    ctx.clearRect(0, 0, width, height);
    ctx.font = "10px system-ui, sans-serif";
    var plotTop = top();
    var plotBottom = height - AXIS;
    // Fault windows across every row, their labels in the strip above, each on the first label
    // row where it does not run into the one before.
    var rowEnds = [];
    var neededRows = 1;
    bands.forEach(function (band) {
      var x0 = Math.max(LEFT, x(band.fault.startS * 1e6));
      var x1 = Math.min(width - 8, x(band.fault.endS * 1e6));
      if (x1 < LEFT || x0 > width - 8) return;
      ctx.globalAlpha = 0.13;
      ctx.fillStyle = band.color;
      ctx.fillRect(x0, plotTop, Math.max(1, x1 - x0), plotBottom - plotTop);
      ctx.globalAlpha = 1;
      var labelWidth = ctx.measureText(band.fault.label).width + 6;
      var labelRow = 0;
      while (labelRow < rowEnds.length && rowEnds[labelRow] > x0) labelRow++;
      rowEnds[labelRow] = x0 + labelWidth;
      band.row = labelRow;
      band.x0 = x0;
      band.x1 = x0 + labelWidth;
      neededRows = Math.max(neededRows, labelRow + 1);
      if ((labelRow + 1) * LABEL_ROW + 4 <= plotTop) {
        ctx.fillStyle = band.color;
        ctx.fillText(band.fault.label, x0 + 2, (labelRow + 1) * LABEL_ROW);
      }
    });
    if (Math.min(6, neededRows) !== labelRows) {
      labelRows = Math.min(6, neededRows);
      resize();
      draw();
      return;
    }
    // Bars, one path per outcome colour. Zoomed out, thousands of ops share a pixel column:
    // touching bars of one colour in a row are merged into one rectangle before they reach the
    // path, so a full redraw costs about the number of pixels, not the number of ops.
    var paths = OUTCOMES.map(function () {
      return new Path2D();
    });
    var scale = (width - LEFT - 8) / (view1 - view0);
    var runStart = new Float64Array(OUTCOMES.length);
    var runEnd = new Float64Array(OUTCOMES.length);
    for (var r = 0; r < rows.length; r++) {
      var list = rows[r];
      var y = plotTop + r * rowHeight;
      var barHeight = Math.max(1, rowHeight - (rowHeight > 4 ? 2 : 1));
      runEnd.fill(-Infinity);
      for (var p = firstFrom(list, view0, rowMax[r]); p < list.length; p++) {
        var i = list[p];
        if (start[i] > view1) break;
        if (end[i] < view0) continue;
        var x0 = LEFT + (Math.max(start[i], view0) - view0) * scale;
        var x1 = Math.max(x0 + 1, LEFT + (Math.min(end[i], view1) - view0) * scale);
        var o = ops.o[i];
        if (x0 <= runEnd[o] + 0.5) {
          if (x1 > runEnd[o]) runEnd[o] = x1;
        } else {
          if (runEnd[o] > -Infinity) paths[o].rect(runStart[o], y, runEnd[o] - runStart[o], barHeight);
          runStart[o] = x0;
          runEnd[o] = x1;
        }
      }
      for (o = 0; o < OUTCOMES.length; o++) if (runEnd[o] > -Infinity) paths[o].rect(runStart[o], y, runEnd[o] - runStart[o], barHeight);
    }
    paths.forEach(function (path, o) {
      ctx.fillStyle = OUTCOME_COLORS[o];
      ctx.fill(path);
    });
    // Process labels (every k-th when rows are thin) and the time axis.
    ctx.fillStyle = "#57606a";
    ctx.textAlign = "right";
    var every = Math.ceil(11 / rowHeight);
    for (r = 0; r < rows.length; r += every) ctx.fillText(data.procs[r], LEFT - 6, plotTop + r * rowHeight + Math.min(rowHeight, 10));
    ctx.textAlign = "center";
    ctx.strokeStyle = "#8c959f";
    ctx.beginPath();
    ctx.moveTo(LEFT, plotBottom + 0.5);
    ctx.lineTo(width - 8, plotBottom + 0.5);
    ctx.stroke();
    var step = data.timeless ? Math.max(1, niceStep((view1 - view0) / 10)) : niceStep((view1 - view0) / 10);
    for (var t = Math.ceil(view0 / step) * step; t <= view1; t += step) {
      var tx = x(t);
      ctx.fillText(data.timeless ? "#" + Math.round(t) : +(t / 1e6).toPrecision(6) + " s", tx, plotBottom + 16);
      ctx.beginPath();
      ctx.moveTo(tx + 0.5, plotBottom);
      ctx.lineTo(tx + 0.5, plotBottom + 4);
      ctx.stroke();
    }
    ctx.textAlign = "start";
    drawHover();
  }

  function niceStep(raw) {
    if (!(raw > 0)) return 1;
    var magnitude = Math.pow(10, Math.floor(Math.log10(raw)));
    var steps = [1, 2, 5, 10];
    for (var k = 0; k < steps.length; k++) if (steps[k] * magnitude >= raw) return steps[k] * magnitude;
    return 10 * magnitude;
  }

  function drawHover() {
    var ctx = overlay.getContext("2d");
    ctx.clearRect(0, 0, width, height);
    if (hovered < 0) return;
    var y = top() + ops.p[hovered] * rowHeight;
    var x0 = Math.max(LEFT, x(start[hovered]));
    var x1 = Math.min(width - 8, x(end[hovered]));
    ctx.strokeStyle = "#0969da";
    ctx.lineWidth = 2;
    ctx.strokeRect(x0 - 1, y - 1, Math.max(1, x1 - x0) + 2, Math.max(1, rowHeight - 1) + 2);
  }

  /** The op under a point of the canvas, or -1: its row from y, then a binary search by time. */
  function opAt(px, py) {
    var r = Math.floor((py - top()) / rowHeight);
    if (r < 0 || r >= rows.length || px < LEFT) return -1;
    var list = rows[r];
    var t = us(px);
    var tolerance = (3 * (view1 - view0)) / (width - LEFT - 8);
    var lo = 0;
    var hi = list.length;
    while (lo < hi) {
      var mid = (lo + hi) >> 1;
      if (start[list[mid]] <= t + tolerance) lo = mid + 1;
      else hi = mid;
    }
    var best = -1;
    var bestDistance = Infinity;
    for (var p = lo - 1, seen = 0; p >= 0 && seen < 64; p--, seen++) {
      var i = list[p];
      var distance = t < start[i] ? start[i] - t : t > end[i] ? t - end[i] : 0;
      if (distance <= tolerance && distance < bestDistance) {
        best = i;
        bestDistance = distance;
        if (distance === 0) break;
      }
    }
    return best;
  }

  function bandAt(px, py) {
    if (py > top()) return null;
    var labelRow = Math.floor((py - 2) / LABEL_ROW);
    for (var k = 0; k < bands.length; k++) {
      var band = bands[k];
      if (band.row === labelRow && px >= band.x0 && px <= band.x1) return band;
    }
    return null;
  }

  function showTip(content, clientX, clientY) {
    tip.textContent = content;
    tip.hidden = false;
    var box = container.getBoundingClientRect();
    var left = clientX - box.left + 14;
    if (left + 380 > box.width) left = Math.max(0, clientX - box.left - 394);
    tip.style.left = left + "px";
    tip.style.top = clientY - box.top + 14 + "px";
  }

  var dragging = null;
  var frame = 0;
  function redraw() {
    if (frame) return;
    frame = requestAnimationFrame(function () {
      frame = 0;
      draw();
    });
  }

  function pointer(event) {
    var box = overlay.getBoundingClientRect();
    return { x: event.clientX - box.left, y: event.clientY - box.top };
  }

  function startTimeline() {
    if (!container || !canvas || !overlay || !tip) return;
    layoutBands();
    resize();
    draw();
    overlay.addEventListener("mousemove", function (event) {
      var p = pointer(event);
      if (dragging) {
        var shift = us(dragging.x) - us(p.x);
        var span = view1 - view0;
        view0 = Math.min(Math.max(0, dragging.view0 + shift), endUs - span);
        view1 = view0 + span;
        redraw();
        return;
      }
      var found = opAt(p.x, p.y);
      if (found !== hovered) {
        hovered = found;
        drawHover();
      }
      if (found >= 0) showTip(describe(found), event.clientX, event.clientY);
      else {
        var band = bandAt(p.x, p.y);
        if (band) showTip(band.fault.label + "\n" + band.fault.detail, event.clientX, event.clientY);
        else tip.hidden = true;
      }
    });
    overlay.addEventListener("mouseleave", function () {
      hovered = -1;
      drawHover();
      tip.hidden = true;
    });
    overlay.addEventListener(
      "wheel",
      function (event) {
        event.preventDefault();
        var p = pointer(event);
        var centre = us(Math.max(LEFT, p.x));
        var factor = Math.exp(event.deltaY * 0.0015);
        var span = Math.min(endUs, Math.max(10, (view1 - view0) * factor));
        view0 = Math.max(0, centre - (centre - view0) * (span / (view1 - view0)));
        view1 = Math.min(endUs, view0 + span);
        view0 = Math.max(0, view1 - span);
        redraw();
      },
      { passive: false },
    );
    overlay.addEventListener("mousedown", function (event) {
      dragging = { x: pointer(event).x, view0: view0 };
    });
    window.addEventListener("mouseup", function () {
      dragging = null;
    });
    overlay.addEventListener("dblclick", function () {
      view0 = 0;
      view1 = endUs;
      redraw();
    });
    window.addEventListener("resize", function () {
      resize();
      redraw();
    });
    container.setAttribute("data-rendered", "true");
    performance.mark("faultline:timeline");
  }

  // For tests and for linking: where an op's bar is, in page coordinates.
  window.faultlineTimeline = {
    ops: count,
    locate: function (historyIndex) {
      var i = byIndex.get(historyIndex);
      if (i === undefined) return null;
      var box = overlay.getBoundingClientRect();
      var x0 = Math.max(LEFT, x(start[i]));
      var x1 = Math.min(width - 8, x(end[i]));
      return { x: box.left + (x0 + x1) / 2, y: box.top + top() + ops.p[i] * rowHeight + rowHeight / 2 - 0.5 };
    },
    zoom: function (fromS, toS) {
      view0 = Math.max(0, fromS * 1e6);
      view1 = Math.min(endUs, toS * 1e6);
      draw();
    },
  };

  startTimeline();
  startPlots();
})();
