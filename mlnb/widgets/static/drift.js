// DriftChart view (anywidget ESM).
//
// Draws the widget's traits — a heatmap of features × windows, line charts of the
// selected features, the two distributions of the selected cell — and writes the
// two input traits (selected_features, selected_cell); every number comes from
// Python. No external libraries and no markup strings: feature names and category
// labels can be arbitrary strings, so all text goes through textContent and
// elements are built with createElement / createElementNS.

const SVG_NS = "http://www.w3.org/2000/svg";
const STATUS_COLORS = {
  pass: "#2e7d32",
  info: "#1565c0",
  warn: "#b26a00",
  fail: "#c62828",
};
// Line colours (Tableau 10 without its red, which means "drifted" here).
const LINE_COLORS = ["#4e79a7", "#f28e2b", "#59a14f", "#b07aa1", "#76b7b2", "#edc948", "#9c755f", "#ff9da7"];
const OK = 0;
const DRIFTED = 1;
const NOT_COMPARED = 2;
const TOO_SMALL = 3;
let widgetCount = 0;

// -- DOM helpers -------------------------------------------------------------------
function el(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(props)) {
    if (value === undefined || value === null || value === false) continue;
    if (key === "class") node.className = value;
    else if (key === "text") node.textContent = String(value);
    else node.setAttribute(key, value === true ? "" : String(value));
  }
  for (const child of children.flat()) {
    if (child === undefined || child === null || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

function svg(tag, attrs = {}, parent = null, text = null) {
  const node = document.createElementNS(SVG_NS, tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value !== undefined && value !== null) node.setAttribute(key, String(value));
  }
  if (text !== null) node.textContent = String(text);
  if (parent) parent.append(node);
  return node;
}

// -- number formatting -------------------------------------------------------------
const isNum = (x) => typeof x === "number" && Number.isFinite(x);
const intFmt = new Intl.NumberFormat("en-US", { maximumFractionDigits: 0 });

function sig(x, precision = 3) {
  if (!isNum(x)) return "–";
  if (x !== 0 && (Math.abs(x) >= 1e6 || Math.abs(x) < 1e-3)) {
    return x.toExponential(precision - 1);
  }
  return String(Number(x.toPrecision(precision)));
}

function num(x) {
  if (!isNum(x)) return "–";
  if (x !== 0 && (Math.abs(x) >= 1e5 || Math.abs(x) < 1e-3)) return x.toExponential(2);
  return x.toFixed(3);
}

function count(x) {
  return isNum(x) ? intFmt.format(x) : "–";
}

function pct(x) {
  if (!isNum(x)) return "–";
  if (x > 0 && x < 0.001) return "<0.1%";
  return `${(x * 100).toFixed(1)}%`;
}

function niceStep(span, target) {
  const raw = span / Math.max(target, 1);
  const mag = 10 ** Math.floor(Math.log10(raw));
  const f = raw / mag;
  return (f >= 5 ? 10 : f >= 2 ? 5 : f >= 1 ? 2 : 1) * mag;
}

function niceDomain(lo, hi, target) {
  if (!(hi > lo)) hi = lo + 1;
  const step = niceStep(hi - lo, target);
  const a = Math.floor(lo / step + 1e-9) * step;
  const b = Math.ceil(hi / step - 1e-9) * step;
  const ticks = [];
  for (let v = a; v <= b + step / 2; v += step) ticks.push(Number(v.toPrecision(12)));
  return { lo: a, hi: b, ticks };
}

function badge(status) {
  const s = String(status || "info");
  return el("span", {
    class: "mlnb-dc-badge",
    style: `background:${STATUS_COLORS[s] || "#616161"}`,
    text: s.toUpperCase(),
  });
}

// Text widths for fitting labels, measured with the font the charts use.
let measureCtx = null;
function textWidth(text, font) {
  measureCtx ??= document.createElement("canvas").getContext("2d");
  if (!measureCtx) return String(text).length * 6.5;
  measureCtx.font = font;
  return measureCtx.measureText(String(text)).width;
}

function fitText(text, maxWidth, font) {
  const s = String(text);
  if (textWidth(s, font) <= maxWidth) return s;
  let lo = 0;
  let hi = s.length;
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2);
    if (textWidth(`${s.slice(0, mid)}…`, font) <= maxWidth) lo = mid;
    else hi = mid - 1;
  }
  return `${s.slice(0, Math.max(1, lo))}…`;
}

// Which of n evenly spaced x labels to draw so that none overlap.
function labelStep(labels, spacing, font) {
  const widest = Math.max(10, ...labels.map((l) => textWidth(l, font)));
  return Math.max(1, Math.ceil((widest + 10) / Math.max(spacing, 1)));
}

// Keep a centred label inside [lo, hi].
function clampCentre(x, w, lo, hi) {
  return Math.min(Math.max(x, lo + w / 2), hi - w / 2);
}

// x labels from the newest backwards, every ``step``-th, kept inside [0, width]
// and never overlapping the one placed before: [{j, x, text}].
function placeTicks(labels, step, xOf, font, width) {
  const out = [];
  let leftEdge = Infinity;
  for (let j = labels.length - 1; j >= 0; j -= step) {
    const text = labels[j];
    const tw = textWidth(text, font);
    const x = clampCentre(xOf(j), tw, 0, width);
    if (x + tw / 2 > leftEdge - 6) continue;
    out.push({ j, x, text });
    leftEdge = x - tw / 2;
  }
  return out;
}

function windowText(w, ctx) {
  if (!w) return "";
  if (ctx.source === "single") return "the current data";
  return w.end_label ? `${w.label} – ${w.end_label}` : w.label;
}

function thresholdAt(hm, f, j) {
  const t = hm.thresholds[f];
  return Array.isArray(t) ? t[j] : t;
}

function cellText(hm, ctx, f, j) {
  const name = hm.features[f];
  const w = hm.windows[j];
  const when = ctx.source === "single" ? "current data" : `window ${windowText(w, ctx)}`;
  const head = `${name} · ${when} (${count(w.rows)} rows)`;
  const state = hm.state[f][j];
  if (state === TOO_SMALL) {
    return `${head}: too few rows to judge (fewer than ${count(ctx.min_rows)})`;
  }
  if (state === NOT_COMPARED) {
    const s = hm.skipped.find((x) => x[0] === f && x[1] === j);
    return `${head}: not compared${s ? ` — ${hm.reasons[s[2]]}` : ""}`;
  }
  const method = (ctx.method_names ?? {})[hm.methods[f]] ?? hm.methods[f];
  const verdict = state === DRIFTED ? "drifted" : "no drift";
  return `${head}: ${method} ${num(hm.distance[f][j])}, threshold ${sig(thresholdAt(hm, f, j))} — ${verdict}`;
}

// -- the heatmap (inline SVG) ------------------------------------------------------
function heatmapSvg(hm, opts) {
  const F = hm.features.length;
  const W = hm.windows.length;
  const font = `11px ${opts.fontFamily}`;
  const selected = new Set(opts.selectedFeatures);
  const colorOf = new Map(opts.selectedFeatures.map((f, i) => [f, LINE_COLORS[i % LINE_COLORS.length]]));
  const widest = Math.max(40, ...hm.features.map((f) => textWidth(f, `600 ${font}`)));
  const labelW = Math.round(Math.min(Math.max(70, widest + 18), Math.max(110, opts.width * 0.3)));
  const gx = labelW + 6;
  const cellW = Math.max(3, Math.min(80, Math.floor((opts.width - gx - 10) / Math.max(W, 1))));
  const cellH = F <= 15 ? 22 : F <= 30 ? 18 : 14;
  const top = 4;
  const gridH = F * cellH;
  const xLabels = hm.windows.map((w) => (opts.ctx.source === "single" ? "current" : w.label));
  const step = labelStep(xLabels, cellW, `10px ${opts.fontFamily}`);
  const width = Math.max(Math.floor(opts.width), gx + cellW * W + 10);
  const height = top + gridH + 34;
  const root = svg("svg", {
    class: "mlnb-dc-heat",
    viewBox: `0 0 ${width} ${height}`,
    width,
    height,
    role: "group",
    "aria-label":
      `Drift heatmap: ${F} features by ${W} window${W === 1 ? "" : "s"}. ` +
      "Arrow keys move between cells, Enter shows a cell's distributions.",
  });
  const defs = svg("defs", {}, root);
  const pattern = svg(
    "pattern",
    { id: opts.hatchId, patternUnits: "userSpaceOnUse", width: 5, height: 5, patternTransform: "rotate(45)" },
    defs,
  );
  svg("line", { class: "hatch", x1: 0, y1: 0, x2: 0, y2: 5 }, pattern);

  // feature names: buttons that add or remove the feature's line
  const labels = svg("g", { class: "flabels" }, root);
  hm.features.forEach((name, i) => {
    const y = top + i * cellH + cellH / 2;
    const on = selected.has(name);
    const g = svg(
      "g",
      {
        class: `flabel${on ? " on" : ""}`,
        tabindex: 0,
        role: "button",
        "aria-pressed": on ? "true" : "false",
        "aria-label": `${name}: ${on ? "remove from" : "add to"} the line chart`,
        "data-feature": i,
      },
      labels,
    );
    svg("title", {}, g, `${name} (${hm.kinds[i]}) — click to ${on ? "remove it from" : "add it to"} the line chart`);
    svg("rect", { class: "hit", x: 0, y: y - cellH / 2, width: labelW, height: cellH }, g);
    if (on) {
      svg("rect", { class: "swatch", x: 2, y: y - 4, width: 8, height: 8, rx: 2, style: `fill:${colorOf.get(name)}` }, g);
    }
    const nameFont = on ? `600 ${font}` : font;
    svg("text", { class: "name", x: labelW, y: y + 3.5, "text-anchor": "end" }, g, fitText(name, labelW - 16, nameFont));
  });

  const cells = svg("g", { class: "cells" }, root);
  const valueFont = `10px ${opts.fontFamily}`;
  const showValues = cellW >= 40 && cellH >= 18;
  const pad = cellW >= 10 ? 1 : cellW >= 5 ? 0.5 : 0;
  for (let i = 0; i < F; i++) {
    for (let j = 0; j < W; j++) {
      const x = gx + j * cellW;
      const y = top + i * cellH;
      const state = hm.state[i][j];
      const ratio = hm.ratio[i][j];
      let cls = "cell";
      let style = null;
      let fill = null;
      if (state === TOO_SMALL) {
        cls += " small";
        fill = `url(#${opts.hatchId})`;
      } else if (state === NOT_COMPARED) {
        cls += " skipped";
      } else if (state === DRIFTED) {
        cls += " drifted";
        const r = isNum(ratio) ? ratio : 2;
        style = `fill-opacity:${(0.6 + 0.4 * Math.min(Math.max(r - 1, 0), 1)).toFixed(3)}`;
      } else {
        cls += " ok";
        const r = isNum(ratio) ? ratio : 0;
        style = `fill-opacity:${(0.08 + 0.5 * Math.min(Math.max(r, 0), 1)).toFixed(3)}`;
      }
      const isSel = opts.cell && opts.cell.f === i && opts.cell.j === j;
      const rect = svg(
        "rect",
        {
          class: cls,
          x: x + pad,
          y: y + pad,
          width: cellW - 2 * pad,
          height: cellH - 2 * pad,
          rx: cellW >= 10 ? 2 : 0,
          fill,
          style,
          tabindex: opts.focus.f === i && opts.focus.j === j ? 0 : -1,
          role: "button",
          "aria-pressed": isSel ? "true" : "false",
          "aria-label": cellText(hm, opts.ctx, i, j),
          "data-f": i,
          "data-j": j,
        },
        cells,
      );
      svg("title", {}, rect, cellText(hm, opts.ctx, i, j));
      if (state === DRIFTED && cellW >= 6) {
        // (narrower cells: the colour alone; each cell's label still says it)
        const rr = Math.max(1.5, Math.min(cellW, cellH) * 0.16);
        if (showValues) {
          svg("circle", { class: "mark", cx: x + 8, cy: y + cellH / 2, r: Math.min(rr, 3) }, cells);
        } else {
          svg("circle", { class: "mark", cx: x + cellW / 2, cy: y + cellH / 2, r: rr }, cells);
        }
      } else if (state === NOT_COMPARED && cellW >= 8) {
        svg("line", { class: "dash", x1: x + cellW * 0.3, x2: x + cellW * 0.7, y1: y + cellH / 2, y2: y + cellH / 2 }, cells);
      }
      if (showValues && (state === OK || state === DRIFTED)) {
        svg(
          "text",
          { class: `val${state === DRIFTED ? " on-dark" : ""}`, x: x + cellW - 5, y: y + cellH / 2 + 3.5, "text-anchor": "end" },
          cells,
          fitText(num(hm.distance[i][j]), cellW - 14, valueFont),
        );
      }
    }
  }
  const geom = { gx, top, cellW, cellH };
  placeSelection(root, geom, opts.cell);
  // window labels under the grid
  const axis = svg("g", { class: "xaxis" }, root);
  const ly = top + gridH + 13;
  const tickFont = `10px ${opts.fontFamily}`;
  // from the latest window backwards: the newest always has its label
  for (const t of placeTicks(xLabels, step, (j) => gx + (j + 0.5) * cellW, tickFont, width)) {
    svg("text", { class: "tick", x: t.x, y: ly, "text-anchor": "middle" }, axis, t.text);
  }
  const caption =
    opts.ctx.source === "single"
      ? `${count(hm.windows[0]?.rows)} current rows vs ${count(opts.ctx.n_reference)} reference rows`
      : `window start (${opts.ctx.time_column}, every ${opts.ctx.freq})`;
  svg(
    "text",
    { class: "axis-label", x: gx, y: ly + 16, "text-anchor": "start" },
    axis,
    caption,
  );
  return { node: root, geom };
}

// The outline of the selected cell (moved without redrawing the heatmap).
function placeSelection(root, geom, cell) {
  let sel = root.querySelector("rect.sel");
  for (const r of root.querySelectorAll('rect.cell[aria-pressed="true"]')) {
    r.setAttribute("aria-pressed", "false");
  }
  if (!cell) {
    sel?.remove();
    return;
  }
  sel ??= svg("rect", { class: "sel", rx: 2 }, root);
  sel.setAttribute("x", geom.gx + cell.j * geom.cellW + 0.5);
  sel.setAttribute("y", geom.top + cell.f * geom.cellH + 0.5);
  sel.setAttribute("width", Math.max(1, geom.cellW - 1));
  sel.setAttribute("height", geom.cellH - 1);
  root.append(sel); // above the cells and marks
  root
    .querySelector(`rect.cell[data-f="${cell.f}"][data-j="${cell.j}"]`)
    ?.setAttribute("aria-pressed", "true");
}

// -- the line chart ------------------------------------------------------------------
function lineChartSvg(series, hm, opts) {
  const lines = series.lines ?? [];
  const W = hm.windows.length;
  const width = Math.max(240, Math.floor(opts.width));
  const height = 230;
  const font = `10px ${opts.fontFamily}`;
  const distinct = [...new Set(lines.map((l) => l.threshold).filter(isNum))];
  const left = 44;
  // one threshold: labelled inside the plot; several: labelled in the margin
  const right = distinct.length > 1 ? 76 : 12;
  const top = 10;
  const bottom = 38;
  const x0 = left;
  const x1 = width - right;
  const y0 = top;
  const y1 = height - bottom;
  let hi = 0;
  for (const l of lines) {
    for (const v of l.distance) if (isNum(v)) hi = Math.max(hi, v);
    for (const v of l.thresholds) if (isNum(v)) hi = Math.max(hi, v);
  }
  const d = niceDomain(0, hi * 1.08 || 1, 5);
  const sy = (v) => y1 - ((v - d.lo) / (d.hi - d.lo || 1)) * (y1 - y0);
  const slot = (x1 - x0) / Math.max(W, 1);
  const sx = (j) => x0 + (j + 0.5) * slot;
  const pv = lines.some((l) => l.p_value);
  const root = svg("svg", {
    class: "mlnb-dc-lines",
    viewBox: `0 0 ${width} ${height}`,
    width,
    height,
    role: "img",
    "aria-label":
      `Distance per window of ${lines.map((l) => l.feature).join(", ")}, with thresholds. ` +
      lines
        .map((l) => {
          const n = l.drifted.filter((x) => x === true).length;
          return `${l.feature}: drifted in ${n} window${n === 1 ? "" : "s"}`;
        })
        .join("; "),
  });
  // the selected window
  if (opts.cellWindow !== null && opts.cellWindow >= 0) {
    svg("rect", { class: "band", x: sx(opts.cellWindow) - slot / 2, y: y0, width: slot, height: y1 - y0 }, root);
  }
  const axes = svg("g", { class: "axes" }, root);
  for (const v of d.ticks) {
    const y = sy(v);
    svg("line", { class: "grid", x1: x0, x2: x1, y1: y, y2: y }, axes);
    svg("text", { class: "tick", x: x0 - 5, y: y + 3.5, "text-anchor": "end" }, axes, sig(v, 3));
  }
  svg("line", { class: "axis", x1: x0, x2: x1, y1: y1, y2: y1 }, axes);
  const xLabels = hm.windows.map((w) => w.label);
  const step = labelStep(xLabels, slot, font);
  for (const t of placeTicks(xLabels, step, sx, font, width)) {
    svg("text", { class: "tick", x: t.x, y: y1 + 14, "text-anchor": "middle" }, axes, t.text);
  }
  svg(
    "text",
    { class: "axis-label", x: (x0 + x1) / 2, y: height - 6, "text-anchor": "middle" },
    axes,
    `window start (${opts.ctx.time_column ?? "time"})`,
  );
  svg(
    "text",
    { class: "axis-label", x: 12, y: (y0 + y1) / 2, "text-anchor": "middle", transform: `rotate(-90 12 ${(y0 + y1) / 2})` },
    axes,
    pv ? "distance (p-value for tests)" : "distance",
  );

  // thresholds: one neutral line when all are equal, else one per feature
  const plot = svg("g", { class: "plot" }, root);
  const thrLabels = [];
  if (distinct.length === 1) {
    const y = sy(distinct[0]);
    svg("line", { class: "thr", x1: x0, x2: x1, y1: y, y2: y }, plot);
    thrLabels.push({ y, text: `threshold ${sig(distinct[0])}`, color: null, inside: true });
  } else {
    lines.forEach((l, i) => {
      if (!isNum(l.threshold)) return;
      const y = sy(l.threshold);
      const color = LINE_COLORS[i % LINE_COLORS.length];
      svg("line", { class: "thr own", x1: x0, x2: x1, y1: y, y2: y, style: `stroke:${color}` }, plot);
      thrLabels.push({ y, text: `${sig(l.threshold)} ${l.feature}`, color });
    });
  }
  lines.forEach((l, i) => {
    const color = LINE_COLORS[i % LINE_COLORS.length];
    let path = "";
    let pen = false;
    l.distance.forEach((v, j) => {
      if (!isNum(v)) {
        pen = false;
        return;
      }
      path += `${pen ? "L" : "M"}${sx(j).toFixed(1)},${sy(v).toFixed(1)}`;
      pen = true;
    });
    const g = svg("g", { class: "series", "data-feature": l.feature }, plot);
    svg("path", { class: "line", d: path, style: `stroke:${color}` }, g);
    const dense = slot < 6;
    l.distance.forEach((v, j) => {
      if (!isNum(v)) return;
      const drifted = l.drifted[j] === true;
      if (dense && !drifted) return; // the line alone, where points would crowd
      const c = svg(
        "circle",
        {
          class: `pt${drifted ? " drifted" : ""}${dense ? " dense" : ""}`,
          cx: sx(j),
          cy: sy(v),
          r: dense ? 2 : drifted ? 4 : 2.5,
          style: `fill:${color}`,
          "data-feature": l.feature,
          "data-j": j,
        },
        g,
      );
      svg("title", {}, c, `${l.feature} · ${hm.windows[j].label}: ${num(v)}${drifted ? " — drifted" : ""}`);
    });
  });
  // threshold labels last, over the lines: one inside the plot above its line, or
  // several in the right margin, pushed apart so they never overlap
  thrLabels.sort((a, b) => a.y - b.y);
  let prev = -Infinity;
  for (const t of thrLabels) {
    if (t.inside) {
      svg(
        "text",
        { class: "thr-label", x: x1 - 2, y: Math.max(t.y - 4, y0 + 9), "text-anchor": "end" },
        plot,
        t.text,
      );
      continue;
    }
    const y = Math.max(t.y + 3.5, prev + 12);
    prev = y;
    svg(
      "text",
      { class: "thr-label", x: x1 + 4, y, style: t.color ? `fill:${t.color}` : null },
      plot,
      fitText(t.text, right - 6, `600 ${font}`),
    );
  }
  return root;
}

// -- the two distributions of one cell -----------------------------------------------
function distributionSvg(dist, opts) {
  const labels = dist.labels ?? [];
  const n = labels.length;
  const width = Math.max(240, Math.floor(opts.width));
  const font = `10px ${opts.fontFamily}`;
  const barH = n <= 12 ? 8 : n <= 24 ? 6 : 4;
  const rowH = 2 * barH + 6;
  const top = 6;
  const bottom = 30;
  const widest = Math.max(30, ...labels.map((l) => textWidth(l, font)));
  const labelW = Math.round(Math.min(Math.max(50, widest + 6), width * 0.4));
  const x0 = labelW + 8;
  const x1 = width - 14;
  let hi = 0;
  for (const v of [...dist.reference, ...dist.current]) if (isNum(v)) hi = Math.max(hi, v);
  const d = niceDomain(0, hi || 1, width > 380 ? 5 : 3);
  const sx = (v) => x0 + ((v - d.lo) / (d.hi - d.lo || 1)) * (x1 - x0);
  const height = top + n * rowH + bottom;
  const root = svg("svg", {
    class: "mlnb-dc-dist",
    viewBox: `0 0 ${width} ${height}`,
    width,
    height,
    role: "img",
    "aria-label":
      `Shares of ${dist.feature} per bin, reference then current: ` +
      labels
        .slice(0, 12)
        .map((l, i) => `${l}: ${pct(dist.reference[i])} vs ${pct(dist.current[i])}`)
        .join("; ") +
      (n > 12 ? "; …" : ""),
  });
  const axes = svg("g", { class: "axes" }, root);
  const plotBottom = top + n * rowH;
  for (const v of d.ticks) {
    const x = sx(v);
    svg("line", { class: "grid", x1: x, x2: x, y1: top, y2: plotBottom }, axes);
    svg("text", { class: "tick", x, y: plotBottom + 13, "text-anchor": "middle" }, axes, `${Number((v * 100).toPrecision(3))}%`);
  }
  svg("line", { class: "axis", x1: x0, x2: x0, y1: top, y2: plotBottom }, axes);
  svg(
    "text",
    { class: "axis-label", x: (x0 + x1) / 2, y: height - 3, "text-anchor": "middle" },
    axes,
    "share of rows",
  );
  const plot = svg("g", { class: "plot" }, root);
  labels.forEach((label, i) => {
    const y = top + i * rowH + 3;
    const g = svg("g", { class: "bin" }, plot);
    svg(
      "title",
      {},
      g,
      `${label}: reference ${pct(dist.reference[i])}, ${opts.currentName} ${pct(dist.current[i])}`,
    );
    svg("text", { class: "label", x: labelW, y: y + barH + 3, "text-anchor": "end" }, g, fitText(label, labelW - 2, font));
    const r = isNum(dist.reference[i]) ? dist.reference[i] : 0;
    const c = isNum(dist.current[i]) ? dist.current[i] : 0;
    svg("rect", { class: "ref", x: x0, y, width: Math.max(r > 0 ? 1 : 0, sx(r) - x0), height: barH }, g);
    svg(
      "rect",
      { class: `cur${dist.drifted ? " drifted" : ""}`, x: x0, y: y + barH, width: Math.max(c > 0 ? 1 : 0, sx(c) - x0), height: barH },
      g,
    );
  });
  return root;
}

// -- the view ------------------------------------------------------------------------
function render({ model, el: host }) {
  widgetCount += 1;
  const uid = `mlnb-dc-${widgetCount}-${Math.random().toString(36).slice(2, 8)}`;
  const get = (name) => model.get(name);
  const save = (changes) => {
    for (const [k, v] of Object.entries(changes)) model.set(k, v);
    model.save_changes();
  };

  const root = el("div", { class: "mlnb-dc", role: "group", "aria-label": "Feature drift" });
  const head = el("div", { class: "mlnb-dc-head" });
  const errorBox = el("div", { class: "mlnb-dc-error", role: "alert" });

  const heatLegend = el("div", { class: "mlnb-dc-legend" });
  const heatBox = el("div", { class: "mlnb-dc-heatbox" });
  const heatNote = el("div", { class: "mlnb-dc-note", "aria-live": "polite" });
  const heatCard = el(
    "div",
    { class: "mlnb-dc-card mlnb-dc-heatcard" },
    el("div", { class: "mlnb-dc-cardtitle", text: "Distance / threshold per feature and window" }),
    heatLegend,
    heatBox,
    heatNote,
  );

  const lineLegend = el("div", { class: "mlnb-dc-legend mlnb-dc-chips" });
  const lineBox = el("div", { class: "mlnb-dc-linebox" });
  const lineNote = el("div", { class: "mlnb-dc-note" });
  const lineCard = el(
    "div",
    { class: "mlnb-dc-card mlnb-dc-linecard" },
    el("div", { class: "mlnb-dc-cardtitle", text: "Distance over time" }),
    lineLegend,
    lineBox,
    lineNote,
  );

  const distHead = el("div", { class: "mlnb-dc-disthead", "aria-live": "polite" });
  const distLegend = el("div", { class: "mlnb-dc-legend" });
  const distBox = el("div", { class: "mlnb-dc-distbox" });
  const distNote = el("div", { class: "mlnb-dc-note" });
  const distCard = el(
    "div",
    { class: "mlnb-dc-card mlnb-dc-distcard" },
    el("div", { class: "mlnb-dc-cardtitle", text: "Reference vs window" }),
    distHead,
    distLegend,
    distBox,
    distNote,
  );

  const lower = el("div", { class: "mlnb-dc-lower" }, lineCard, distCard);
  root.append(head, errorBox, heatCard, lower);
  // Keys typed into the widget belong to it: the notebook's shortcuts (Enter, A, B,
  // arrows, ...) must not act on them, as with ipywidgets' own inputs.
  const keepKeys = (e) => e.stopPropagation();
  root.addEventListener("keydown", keepKeys);
  root.addEventListener("keypress", keepKeys);
  host.append(root);

  const fontFamily = () => getComputedStyle(root).fontFamily || "sans-serif";
  const ctx = () => get("context") ?? {};

  // -- selection helpers --
  let focus = { f: 0, j: 0 };
  function cellPosition() {
    const hm = get("heatmap") ?? {};
    const cell = get("selected_cell") ?? {};
    if (cell.feature === undefined) return null;
    const f = (hm.features ?? []).indexOf(cell.feature);
    const j = (hm.windows ?? []).findIndex((w) => w.index === cell.window);
    return f >= 0 && j >= 0 ? { f, j } : null;
  }
  function selectCell(f, j) {
    const hm = get("heatmap");
    focus = { f, j };
    // roving tabindex: the chosen cell is the heatmap's one tab stop
    for (const r of heatBox.querySelectorAll('rect.cell[tabindex="0"]')) r.setAttribute("tabindex", "-1");
    heatBox.querySelector(`rect.cell[data-f="${f}"][data-j="${j}"]`)?.setAttribute("tabindex", "0");
    save({ selected_cell: { feature: hm.features[f], window: hm.windows[j].index } });
  }
  function toggleFeature(name) {
    const now = [...(get("selected_features") ?? [])];
    const i = now.indexOf(name);
    if (i >= 0) now.splice(i, 1);
    else now.push(name);
    save({ selected_features: now });
  }

  // -- refreshers --
  let heatGeom = null;
  function refreshSelection() {
    const node = heatBox.querySelector("svg.mlnb-dc-heat");
    if (!node || !heatGeom) return;
    placeSelection(node, heatGeom, cellPosition());
  }

  function refreshHead() {
    const c = ctx();
    const hm = get("heatmap") ?? {};
    const bits = [];
    if (c.source === "over_time") {
      bits.push(`${count(hm.n_windows)} windows of ${c.freq} on ${c.time_column}`);
      bits.push(`${count(c.n_current)} rows`);
      if (c.n_missing_time) bits.push(`${count(c.n_missing_time)} without a time`);
    } else {
      bits.push(`${count(c.n_current)} current rows`);
    }
    bits.push(`reference ${count(c.n_reference)} rows`);
    bits.push(`method ${c.method}`);
    head.replaceChildren(
      el(
        "div",
        { class: "mlnb-dc-title" },
        el("strong", { text: c.source === "over_time" ? "Feature drift over time" : "Feature drift" }),
        el("span", { class: "mlnb-dc-faint", text: bits.join(" · ") }),
        el("span", { class: "mlnb-dc-badges" }, badge(get("status"))),
      ),
      el("div", { class: "mlnb-dc-summary", text: get("summary") ?? "" }),
    );
  }

  function refreshError() {
    const err = get("error") ?? "";
    errorBox.textContent = err;
    errorBox.hidden = !err;
  }

  function refreshHeatmap() {
    const hm = get("heatmap") ?? {};
    const c = ctx();
    heatLegend.replaceChildren(
      el("span", { class: "mlnb-dc-key" }, el("i", { class: "sw scale" }), "below threshold (darker: closer)"),
      el("span", { class: "mlnb-dc-key" }, el("i", { class: "sw drifted" }, el("b", { class: "dot" })), "drifted (distance ≥ threshold)"),
      c.source === "over_time"
        ? el("span", { class: "mlnb-dc-key" }, el("i", { class: "sw small" }), `too few rows (< ${count(c.min_rows)})`)
        : null,
      el("span", { class: "mlnb-dc-key" }, el("i", { class: "sw skipped" }), "not compared"),
    );
    const F = (hm.features ?? []).length;
    const W = (hm.windows ?? []).length;
    if (!F || !W) {
      heatBox.replaceChildren(el("div", { class: "mlnb-dc-empty", text: "No feature was compared." }));
    } else {
      const pos = cellPosition();
      focus = { f: Math.min(focus.f, F - 1), j: Math.min(focus.j, W - 1) };
      const hadFocus = heatBox.contains(document.activeElement);
      const focusedLabel = hadFocus ? document.activeElement.closest?.(".flabel")?.dataset.feature : undefined;
      const { node, geom } = heatmapSvg(hm, {
        width: heatBox.clientWidth || 880,
        fontFamily: fontFamily(),
        selectedFeatures: get("selected_features") ?? [],
        cell: pos,
        focus,
        ctx: c,
        hatchId: `${uid}-hatch`,
      });
      heatBox.replaceChildren(node);
      heatGeom = geom;
      if (hadFocus) {
        const target =
          focusedLabel !== undefined
            ? node.querySelector(`.flabel[data-feature="${focusedLabel}"]`)
            : node.querySelector(`rect.cell[data-f="${focus.f}"][data-j="${focus.j}"]`);
        target?.focus();
      }
    }
    const hints = [
      "Click a cell (or move with the arrow keys and press Enter) to compare its distributions; " +
        `click a feature name to add it to the line chart (up to ${c.max_selected ?? 8}).`,
    ];
    if (hm.note) hints.unshift(`${hm.note[0].toUpperCase()}${hm.note.slice(1)}.`);
    heatNote.textContent = hints.join(" ");
  }

  function refreshLines() {
    const c = ctx();
    const hm = get("heatmap") ?? {};
    const series = get("series") ?? {};
    const lines = series.lines ?? [];
    lineLegend.replaceChildren(
      ...lines.map((l, i) => {
        const remove = el("button", {
          type: "button",
          class: "mlnb-dc-chipx",
          "aria-label": `Remove ${l.feature} from the line chart`,
          title: `Remove ${l.feature}`,
          text: "×",
        });
        remove.addEventListener("click", () => toggleFeature(l.feature));
        return el(
          "span",
          { class: "mlnb-dc-chip", title: `${l.feature}: ${l.method_name}` },
          el("i", { class: "sw", style: `background:${LINE_COLORS[i % LINE_COLORS.length]}` }),
          el("span", { class: "mlnb-dc-chipname", text: l.feature }),
          remove,
        );
      }),
    );
    lineNote.hidden = c.source === "single" || !lines.length;
    lineNote.textContent =
      "Points ringed in red drifted; dashed: the threshold; shaded: the selected cell's window.";
    if (c.source === "single") {
      lineBox.replaceChildren(
        el("div", {
          class: "mlnb-dc-empty",
          text:
            "One comparison: there is no time axis. mlnb.drift_over_time(..., time_column=...) " +
            "follows the distances window by window.",
        }),
      );
      return;
    }
    if (!lines.length) {
      lineBox.replaceChildren(
        el("div", { class: "mlnb-dc-empty", text: "Click a feature name in the heatmap to draw its distance over time." }),
      );
      return;
    }
    const pos = cellPosition();
    lineBox.replaceChildren(
      lineChartSvg(series, hm, {
        width: lineBox.clientWidth || 440,
        fontFamily: fontFamily(),
        ctx: c,
        cellWindow: pos ? pos.j : null,
      }),
    );
  }

  function refreshDistribution() {
    const d = get("distribution") ?? {};
    const c = ctx();
    if (d.feature === undefined) {
      distHead.replaceChildren(el("div", { class: "mlnb-dc-empty", text: "Click a heatmap cell to compare its distributions." }));
      distLegend.replaceChildren();
      distBox.replaceChildren();
      distNote.textContent = "";
      distNote.hidden = true;
      return;
    }
    const hm = get("heatmap") ?? {};
    const win = (hm.windows ?? []).find((w) => w.index === d.window) ?? {
      label: d.window_label,
      end_label: d.window_end_label,
    };
    const where = c.source === "single" ? "current data" : `window ${windowText(win, c)}`;
    const verdict = !d.judged
      ? el("span", { class: "mlnb-dc-tag muted", text: "not judged" })
      : !d.compared
        ? el("span", { class: "mlnb-dc-tag muted", text: "not compared" })
        : d.drifted
          ? el("span", { class: "mlnb-dc-tag drift", text: "drift" })
          : el("span", { class: "mlnb-dc-tag ok", text: "no drift" });
    const lines = [
      el(
        "div",
        { class: "mlnb-dc-distwhat" },
        el("strong", { class: "mlnb-dc-feature", text: d.feature }),
        el("span", { class: "mlnb-dc-where", text: `${where} · ${count(d.rows)} rows` }),
        verdict,
      ),
    ];
    if (d.judged && d.compared) {
      const rel = d.p_value ? "drift below" : "drift at or above";
      lines.push(
        el("div", {
          class: "mlnb-dc-faint",
          text: `${d.method_name} ${num(d.distance)} · threshold ${sig(d.threshold)} (${rel})`,
        }),
      );
    }
    distHead.replaceChildren(...lines);
    if (!d.judged || !d.compared) {
      const why = !d.judged
        ? `This window has ${count(d.rows)} rows, fewer than min_rows=${count(c.min_rows)}: it was not judged.`
        : `Not compared: ${d.reason || "no distributions"}.`;
      distLegend.replaceChildren();
      distBox.replaceChildren(el("div", { class: "mlnb-dc-empty", text: why }));
      distNote.textContent = "";
      distNote.hidden = true;
      return;
    }
    const currentName = c.source === "single" ? "current" : "window";
    distLegend.replaceChildren(
      el("span", { class: "mlnb-dc-key" }, el("i", { class: "sw ref" }), `reference (${count(d.n_reference)} rows)`),
      el(
        "span",
        { class: "mlnb-dc-key" },
        el("i", { class: `sw cur${d.drifted ? " drifted" : ""}` }),
        `${currentName} (${count(d.rows)} rows)`,
      ),
    );
    distBox.replaceChildren(
      distributionSvg(d, { width: distBox.clientWidth || 440, fontFamily: fontFamily(), currentName }),
    );
    const notes = [];
    if (d.truncated) notes.push(`Showing the ${d.labels.length} largest of ${count(d.n_bins)} bins.`);
    if (d.note) notes.push(d.note);
    distNote.textContent = notes.join(" ");
    distNote.hidden = !notes.length;
  }

  // -- events: heatmap clicks and keys, line chart points --
  heatBox.addEventListener("click", (e) => {
    const label = e.target.closest?.(".flabel");
    if (label) {
      const hm = get("heatmap");
      toggleFeature(hm.features[Number(label.dataset.feature)]);
      return;
    }
    const cell = e.target.closest?.("rect.cell");
    if (cell) selectCell(Number(cell.dataset.f), Number(cell.dataset.j));
  });
  heatBox.addEventListener("keydown", (e) => {
    const label = e.target.closest?.(".flabel");
    if (label && (e.key === "Enter" || e.key === " ")) {
      e.preventDefault();
      const hm = get("heatmap");
      toggleFeature(hm.features[Number(label.dataset.feature)]);
      return;
    }
    const cell = e.target.closest?.("rect.cell");
    if (!cell) return;
    const hm = get("heatmap");
    const F = hm.features.length;
    const W = hm.windows.length;
    let f = Number(cell.dataset.f);
    let j = Number(cell.dataset.j);
    if (e.key === "Enter" || e.key === " ") {
      e.preventDefault();
      selectCell(f, j);
      return;
    }
    const moves = {
      ArrowLeft: [0, -1],
      ArrowRight: [0, 1],
      ArrowUp: [-1, 0],
      ArrowDown: [1, 0],
    };
    if (moves[e.key]) {
      f = Math.min(Math.max(f + moves[e.key][0], 0), F - 1);
      j = Math.min(Math.max(j + moves[e.key][1], 0), W - 1);
    } else if (e.key === "Home") {
      j = 0;
    } else if (e.key === "End") {
      j = W - 1;
    } else {
      return;
    }
    e.preventDefault();
    const next = heatBox.querySelector(`rect.cell[data-f="${f}"][data-j="${j}"]`);
    if (next) {
      cell.setAttribute("tabindex", "-1");
      next.setAttribute("tabindex", "0");
      next.focus();
      focus = { f, j };
    }
  });
  lineBox.addEventListener("click", (e) => {
    const pt = e.target.closest?.("circle.pt");
    if (!pt) return;
    const hm = get("heatmap");
    const f = hm.features.indexOf(pt.dataset.feature);
    const j = Number(pt.dataset.j);
    if (f >= 0) selectCell(f, j);
    else save({ selected_cell: { feature: pt.dataset.feature, window: hm.windows[j].index } });
  });

  // -- scheduling: one redraw per animation frame --
  let frameRequested = false;
  const dirty = new Set();
  function schedule(part) {
    dirty.add(part);
    if (frameRequested) return;
    frameRequested = true;
    requestAnimationFrame(() => {
      frameRequested = false;
      const parts = new Set(dirty);
      dirty.clear();
      if (parts.has("head")) refreshHead();
      if (parts.has("error")) refreshError();
      if (parts.has("heatmap")) refreshHeatmap();
      else if (parts.has("selection")) refreshSelection();
      if (parts.has("lines")) refreshLines();
      if (parts.has("dist")) refreshDistribution();
    });
  }
  const listeners = [
    ["change:status change:summary change:context", ["head", "heatmap"]],
    ["change:error", ["error"]],
    ["change:heatmap", ["head", "heatmap", "lines", "dist"]],
    ["change:selected_features", ["heatmap"]],
    ["change:series", ["lines"]],
    ["change:selected_cell", ["selection", "lines"]],
    ["change:distribution", ["dist"]],
  ];
  const callbacks = [];
  for (const [events, parts] of listeners) {
    for (const event of events.split(" ")) {
      const cb = () => parts.forEach(schedule);
      model.on(event, cb);
      callbacks.push([event, cb]);
    }
  }

  // The charts are drawn at their boxes' widths.
  const widths = new Map();
  const resizer =
    typeof ResizeObserver === "undefined"
      ? null
      : new ResizeObserver((entries) => {
          for (const entry of entries) {
            const w = Math.floor(entry.target.clientWidth);
            if (!w || widths.get(entry.target) === w) continue;
            widths.set(entry.target, w);
            if (entry.target === heatBox) schedule("heatmap");
            if (entry.target === lineBox) schedule("lines");
            if (entry.target === distBox) schedule("dist");
          }
        });
  for (const box of [heatBox, lineBox, distBox]) resizer?.observe(box);

  const start = cellPosition();
  if (start) focus = start;
  refreshHead();
  refreshError();
  refreshHeatmap();
  refreshLines();
  refreshDistribution();

  return () => {
    for (const [event, cb] of callbacks) model.off(event, cb);
    resizer?.disconnect();
  };
}

export default { render };
