// DriftChart view (anywidget ESM).
//
// Draws the widget's traits — a heatmap of features × windows, line charts of the
// selected features, the two distributions of the selected cell — and writes the
// two input traits (selected_features, selected_cell); every number comes from
// Python. The helpers named mlnb* (DOM builders that set text with textContent
// only, number formats, the view's plumbing) are in common.js, which
// mlnb/widgets/assets.py puts in front of this file.

// Line colours (Tableau 10 without its red, which means "drifted" here).
const LINE_COLORS = ["#4e79a7", "#f28e2b", "#59a14f", "#b07aa1", "#76b7b2", "#edc948", "#9c755f", "#ff9da7"];
const OK = 0;
const DRIFTED = 1;
const NOT_COMPARED = 2;
const TOO_SMALL = 3;

// -- number formatting (mlnbSig, mlnbNum, ... come from common.js) -----------------
// row counts: whole numbers
const count = (x) => (mlnbIsNum(x) ? mlnbIntFmt.format(x) : "–");
// shares: "<0.1%" rather than "0.0%" for a bin that is not empty
const pct = (x) => (mlnbIsNum(x) && x > 0 && x < 0.001 ? "<0.1%" : mlnbPct(x));

// Which of n evenly spaced x labels to draw so that none overlap.
function labelStep(labels, spacing, font) {
  const widest = Math.max(10, ...labels.map((l) => mlnbTextWidth(l, font)));
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
    const tw = mlnbTextWidth(text, font);
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
  return `${head}: ${method} ${mlnbNum(hm.distance[f][j])}, threshold ${mlnbSig(thresholdAt(hm, f, j), 3)} — ${verdict}`;
}

// -- the heatmap (inline SVG) ------------------------------------------------------
function heatmapSvg(hm, opts) {
  const F = hm.features.length;
  const W = hm.windows.length;
  const font = `11px ${opts.fontFamily}`;
  const selected = new Set(opts.selectedFeatures);
  const colorOf = new Map(opts.selectedFeatures.map((f, i) => [f, LINE_COLORS[i % LINE_COLORS.length]]));
  const widest = Math.max(40, ...hm.features.map((f) => mlnbTextWidth(f, `600 ${font}`)));
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
  const root = mlnbSvgRoot(
    "mlnb-dc-heat",
    width,
    height,
    `Drift heatmap: ${F} features by ${W} window${W === 1 ? "" : "s"}. ` +
      "Arrow keys move between cells, Enter shows a cell's distributions.",
    "group",
  );
  const defs = mlnbSvg("defs", {}, root);
  const pattern = mlnbSvg(
    "pattern",
    { id: opts.hatchId, patternUnits: "userSpaceOnUse", width: 5, height: 5, patternTransform: "rotate(45)" },
    defs,
  );
  mlnbSvg("line", { class: "hatch", x1: 0, y1: 0, x2: 0, y2: 5 }, pattern);

  // feature names: buttons that add or remove the feature's line
  const labels = mlnbSvg("g", { class: "flabels" }, root);
  hm.features.forEach((name, i) => {
    const y = top + i * cellH + cellH / 2;
    const on = selected.has(name);
    const g = mlnbSvg(
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
    mlnbSvg("title", {}, g, `${name} (${hm.kinds[i]}) — click to ${on ? "remove it from" : "add it to"} the line chart`);
    mlnbSvg("rect", { class: "hit", x: 0, y: y - cellH / 2, width: labelW, height: cellH }, g);
    if (on) {
      mlnbSvg("rect", { class: "swatch", x: 2, y: y - 4, width: 8, height: 8, rx: 2, style: `fill:${colorOf.get(name)}` }, g);
    }
    const nameFont = on ? `600 ${font}` : font;
    mlnbSvg("text", { class: "name", x: labelW, y: y + 3.5, "text-anchor": "end" }, g, mlnbFitText(name, labelW - 16, nameFont));
  });

  const cells = mlnbSvg("g", { class: "cells" }, root);
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
        const r = mlnbIsNum(ratio) ? ratio : 2;
        style = `fill-opacity:${(0.6 + 0.4 * Math.min(Math.max(r - 1, 0), 1)).toFixed(3)}`;
      } else {
        cls += " ok";
        const r = mlnbIsNum(ratio) ? ratio : 0;
        style = `fill-opacity:${(0.08 + 0.5 * Math.min(Math.max(r, 0), 1)).toFixed(3)}`;
      }
      const isSel = opts.cell && opts.cell.f === i && opts.cell.j === j;
      const rect = mlnbSvg(
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
      mlnbSvg("title", {}, rect, cellText(hm, opts.ctx, i, j));
      if (state === DRIFTED && cellW >= 6) {
        // (narrower cells: the colour alone; each cell's label still says it)
        const rr = Math.max(1.5, Math.min(cellW, cellH) * 0.16);
        if (showValues) {
          mlnbSvg("circle", { class: "mark", cx: x + 8, cy: y + cellH / 2, r: Math.min(rr, 3) }, cells);
        } else {
          mlnbSvg("circle", { class: "mark", cx: x + cellW / 2, cy: y + cellH / 2, r: rr }, cells);
        }
      } else if (state === NOT_COMPARED && cellW >= 8) {
        mlnbSvg("line", { class: "dash", x1: x + cellW * 0.3, x2: x + cellW * 0.7, y1: y + cellH / 2, y2: y + cellH / 2 }, cells);
      }
      if (showValues && (state === OK || state === DRIFTED)) {
        mlnbSvg(
          "text",
          { class: `val${state === DRIFTED ? " on-dark" : ""}`, x: x + cellW - 5, y: y + cellH / 2 + 3.5, "text-anchor": "end" },
          cells,
          mlnbFitText(mlnbNum(hm.distance[i][j]), cellW - 14, valueFont),
        );
      }
    }
  }
  const geom = { gx, top, cellW, cellH };
  placeSelection(root, geom, opts.cell);
  // window labels under the grid
  const axis = mlnbSvg("g", { class: "xaxis" }, root);
  const ly = top + gridH + 13;
  const tickFont = `10px ${opts.fontFamily}`;
  // from the latest window backwards: the newest always has its label
  for (const t of placeTicks(xLabels, step, (j) => gx + (j + 0.5) * cellW, tickFont, width)) {
    mlnbSvg("text", { class: "tick", x: t.x, y: ly, "text-anchor": "middle" }, axis, t.text);
  }
  const caption =
    opts.ctx.source === "single"
      ? `${count(hm.windows[0]?.rows)} current rows vs ${count(opts.ctx.n_reference)} reference rows`
      : `window start (${opts.ctx.time_column}, every ${opts.ctx.freq})`;
  mlnbSvg(
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
  sel ??= mlnbSvg("rect", { class: "sel", rx: 2 }, root);
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
  const distinct = [...new Set(lines.map((l) => l.threshold).filter(mlnbIsNum))];
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
    for (const v of l.distance) if (mlnbIsNum(v)) hi = Math.max(hi, v);
    for (const v of l.thresholds) if (mlnbIsNum(v)) hi = Math.max(hi, v);
  }
  const d = mlnbNiceDomain(0, hi * 1.08 || 1, 5);
  const slot = (x1 - x0) / Math.max(W, 1);
  const pv = lines.some((l) => l.p_value);
  // the axes: a window j sits in the middle of its slot, x = j in [-0.5, W - 0.5]
  const f = mlnbChartFrame("mlnb-dc-lines", {
    width,
    height,
    margin: { top, right, bottom, left },
    x: [-0.5, W - 0.5],
    y: [d.lo, d.hi],
    yTicks: d.ticks,
    yFmt: (v) => mlnbSig(v, 3),
    yAxis: false,
    yLabelX: 12,
    xLabel: `window start (${opts.ctx.time_column ?? "time"})`,
    yLabel: pv ? "distance (p-value for tests)" : "distance",
    label:
      `Distance per window of ${lines.map((l) => l.feature).join(", ")}, with thresholds. ` +
      lines
        .map((l) => {
          const n = l.drifted.filter((x) => x === true).length;
          return `${l.feature}: drifted in ${n} window${n === 1 ? "" : "s"}`;
        })
        .join("; "),
  });
  const { root, sx, sy } = f;
  // the selected window, under the axes
  if (opts.cellWindow !== null && opts.cellWindow >= 0) {
    const band = mlnbSvg("rect", { class: "band", x: sx(opts.cellWindow) - slot / 2, y: y0, width: slot, height: y1 - y0 });
    root.insertBefore(band, f.axes);
  }
  // x labels: placed from the newest backwards so that none overlap
  const xLabels = hm.windows.map((w) => w.label);
  const step = labelStep(xLabels, slot, font);
  for (const t of placeTicks(xLabels, step, sx, font, width)) {
    mlnbSvg("text", { class: "tick", x: t.x, y: y1 + 14, "text-anchor": "middle" }, f.axes, t.text);
  }

  // thresholds: one neutral line when all are equal, else one per feature
  const plot = f.plot;
  const thrLabels = [];
  if (distinct.length === 1) {
    const y = sy(distinct[0]);
    mlnbSvg("line", { class: "thr", x1: x0, x2: x1, y1: y, y2: y }, plot);
    thrLabels.push({ y, text: `threshold ${mlnbSig(distinct[0], 3)}`, color: null, inside: true });
  } else {
    lines.forEach((l, i) => {
      if (!mlnbIsNum(l.threshold)) return;
      const y = sy(l.threshold);
      const color = LINE_COLORS[i % LINE_COLORS.length];
      mlnbSvg("line", { class: "thr own", x1: x0, x2: x1, y1: y, y2: y, style: `stroke:${color}` }, plot);
      thrLabels.push({ y, text: `${mlnbSig(l.threshold, 3)} ${l.feature}`, color });
    });
  }
  lines.forEach((l, i) => {
    const color = LINE_COLORS[i % LINE_COLORS.length];
    const path = mlnbPath(
      l.distance.map((v, j) => [j, v]),
      sx,
      sy,
    );
    const g = mlnbSvg("g", { class: "series", "data-feature": l.feature }, plot);
    mlnbSvg("path", { class: "line", d: path, style: `stroke:${color}` }, g);
    const dense = slot < 6;
    l.distance.forEach((v, j) => {
      if (!mlnbIsNum(v)) return;
      const drifted = l.drifted[j] === true;
      if (dense && !drifted) return; // the line alone, where points would crowd
      const c = mlnbSvg(
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
      mlnbSvg("title", {}, c, `${l.feature} · ${hm.windows[j].label}: ${mlnbNum(v)}${drifted ? " — drifted" : ""}`);
    });
  });
  // threshold labels last, over the lines: one inside the plot above its line, or
  // several in the right margin, pushed apart so they never overlap
  thrLabels.sort((a, b) => a.y - b.y);
  let prev = -Infinity;
  for (const t of thrLabels) {
    if (t.inside) {
      mlnbSvg(
        "text",
        { class: "thr-label", x: x1 - 2, y: Math.max(t.y - 4, y0 + 9), "text-anchor": "end" },
        plot,
        t.text,
      );
      continue;
    }
    const y = Math.max(t.y + 3.5, prev + 12);
    prev = y;
    mlnbSvg(
      "text",
      { class: "thr-label", x: x1 + 4, y, style: t.color ? `fill:${t.color}` : null },
      plot,
      mlnbFitText(t.text, right - 6, `600 ${font}`),
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
  const widest = Math.max(30, ...labels.map((l) => mlnbTextWidth(l, font)));
  const labelW = Math.round(Math.min(Math.max(50, widest + 6), width * 0.4));
  const x0 = labelW + 8;
  const x1 = width - 14;
  let hi = 0;
  for (const v of [...dist.reference, ...dist.current]) if (mlnbIsNum(v)) hi = Math.max(hi, v);
  const d = mlnbNiceDomain(0, hi || 1, width > 380 ? 5 : 3);
  const sx = (v) => x0 + ((v - d.lo) / (d.hi - d.lo || 1)) * (x1 - x0);
  const height = top + n * rowH + bottom;
  const root = mlnbSvgRoot(
    "mlnb-dc-dist",
    width,
    height,
    `Shares of ${dist.feature} per bin, reference then current: ` +
      labels
        .slice(0, 12)
        .map((l, i) => `${l}: ${pct(dist.reference[i])} vs ${pct(dist.current[i])}`)
        .join("; ") +
      (n > 12 ? "; …" : ""),
  );
  const axes = mlnbSvg("g", { class: "axes" }, root);
  const plotBottom = top + n * rowH;
  for (const v of d.ticks) {
    const x = sx(v);
    mlnbSvg("line", { class: "grid", x1: x, x2: x, y1: top, y2: plotBottom }, axes);
    mlnbSvg("text", { class: "tick", x, y: plotBottom + 13, "text-anchor": "middle" }, axes, `${Number((v * 100).toPrecision(3))}%`);
  }
  mlnbSvg("line", { class: "axis", x1: x0, x2: x0, y1: top, y2: plotBottom }, axes);
  mlnbSvg(
    "text",
    { class: "axis-label", x: (x0 + x1) / 2, y: height - 3, "text-anchor": "middle" },
    axes,
    "share of rows",
  );
  const plot = mlnbSvg("g", { class: "plot" }, root);
  labels.forEach((label, i) => {
    const y = top + i * rowH + 3;
    const g = mlnbSvg("g", { class: "bin" }, plot);
    mlnbSvg(
      "title",
      {},
      g,
      `${label}: reference ${pct(dist.reference[i])}, ${opts.currentName} ${pct(dist.current[i])}`,
    );
    mlnbSvg("text", { class: "label", x: labelW, y: y + barH + 3, "text-anchor": "end" }, g, mlnbFitText(label, labelW - 2, font));
    const r = mlnbIsNum(dist.reference[i]) ? dist.reference[i] : 0;
    const c = mlnbIsNum(dist.current[i]) ? dist.current[i] : 0;
    mlnbSvg("rect", { class: "ref", x: x0, y, width: Math.max(r > 0 ? 1 : 0, sx(r) - x0), height: barH }, g);
    mlnbSvg(
      "rect",
      { class: `cur${dist.drifted ? " drifted" : ""}`, x: x0, y: y + barH, width: Math.max(c > 0 ? 1 : 0, sx(c) - x0), height: barH },
      g,
    );
  });
  return root;
}

// -- the view ------------------------------------------------------------------------
function render({ model, el: host }) {
  const uid = mlnbUid("mlnb-dc");
  const { get, save } = mlnbTraits(model);

  const root = mlnbEl("div", { class: "mlnb-dc", role: "group", "aria-label": "Feature drift" });
  const head = mlnbEl("div", { class: "mlnb-dc-head" });
  const errorBox = mlnbEl("div", { class: "mlnb-dc-error", role: "alert" });

  const heatLegend = mlnbEl("div", { class: "mlnb-dc-legend" });
  const heatBox = mlnbEl("div", { class: "mlnb-dc-heatbox" });
  const heatNote = mlnbEl("div", { class: "mlnb-dc-note", "aria-live": "polite" });
  const heatCard = mlnbEl(
    "div",
    { class: "mlnb-dc-card mlnb-dc-heatcard" },
    mlnbEl("div", { class: "mlnb-dc-cardtitle", text: "Distance / threshold per feature and window" }),
    heatLegend,
    heatBox,
    heatNote,
  );

  const lineLegend = mlnbEl("div", { class: "mlnb-dc-legend mlnb-dc-chips" });
  const lineBox = mlnbEl("div", { class: "mlnb-dc-linebox" });
  const lineNote = mlnbEl("div", { class: "mlnb-dc-note" });
  const lineCard = mlnbEl(
    "div",
    { class: "mlnb-dc-card mlnb-dc-linecard" },
    mlnbEl("div", { class: "mlnb-dc-cardtitle", text: "Distance over time" }),
    lineLegend,
    lineBox,
    lineNote,
  );

  const distHead = mlnbEl("div", { class: "mlnb-dc-disthead", "aria-live": "polite" });
  const distLegend = mlnbEl("div", { class: "mlnb-dc-legend" });
  const distBox = mlnbEl("div", { class: "mlnb-dc-distbox" });
  const distNote = mlnbEl("div", { class: "mlnb-dc-note" });
  const distCard = mlnbEl(
    "div",
    { class: "mlnb-dc-card mlnb-dc-distcard" },
    mlnbEl("div", { class: "mlnb-dc-cardtitle", text: "Reference vs window" }),
    distHead,
    distLegend,
    distBox,
    distNote,
  );

  const lower = mlnbEl("div", { class: "mlnb-dc-lower" }, lineCard, distCard);
  root.append(head, errorBox, heatCard, lower);
  mlnbKeepKeys(root);
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
      ...mlnbHead(
        "mlnb-dc",
        c.source === "over_time" ? "Feature drift over time" : "Feature drift",
        bits,
        [mlnbBadge("mlnb-dc-badge", get("status"))],
        [get("summary") ?? ""],
      ),
    );
  }

  function refreshError() {
    mlnbShowText(errorBox, get("error") ?? "");
  }

  function refreshHeatmap() {
    const hm = get("heatmap") ?? {};
    const c = ctx();
    heatLegend.replaceChildren(
      mlnbEl("span", { class: "mlnb-dc-key" }, mlnbEl("i", { class: "sw scale" }), "below threshold (darker: closer)"),
      mlnbEl("span", { class: "mlnb-dc-key" }, mlnbEl("i", { class: "sw drifted" }, mlnbEl("b", { class: "dot" })), "drifted (distance ≥ threshold)"),
      c.source === "over_time"
        ? mlnbEl("span", { class: "mlnb-dc-key" }, mlnbEl("i", { class: "sw small" }), `too few rows (< ${count(c.min_rows)})`)
        : null,
      mlnbEl("span", { class: "mlnb-dc-key" }, mlnbEl("i", { class: "sw skipped" }), "not compared"),
    );
    const F = (hm.features ?? []).length;
    const W = (hm.windows ?? []).length;
    if (!F || !W) {
      heatBox.replaceChildren(mlnbEl("div", { class: "mlnb-dc-empty", text: "No feature was compared." }));
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
        const remove = mlnbEl("button", {
          type: "button",
          class: "mlnb-dc-chipx",
          "aria-label": `Remove ${l.feature} from the line chart`,
          title: `Remove ${l.feature}`,
          text: "×",
        });
        remove.addEventListener("click", () => toggleFeature(l.feature));
        return mlnbEl(
          "span",
          { class: "mlnb-dc-chip", title: `${l.feature}: ${l.method_name}` },
          mlnbEl("i", { class: "sw", style: `background:${LINE_COLORS[i % LINE_COLORS.length]}` }),
          mlnbEl("span", { class: "mlnb-dc-chipname", text: l.feature }),
          remove,
        );
      }),
    );
    lineNote.hidden = c.source === "single" || !lines.length;
    lineNote.textContent =
      "Points ringed in red drifted; dashed: the threshold; shaded: the selected cell's window.";
    if (c.source === "single") {
      lineBox.replaceChildren(
        mlnbEl("div", {
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
        mlnbEl("div", { class: "mlnb-dc-empty", text: "Click a feature name in the heatmap to draw its distance over time." }),
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
      distHead.replaceChildren(mlnbEl("div", { class: "mlnb-dc-empty", text: "Click a heatmap cell to compare its distributions." }));
      distLegend.replaceChildren();
      distBox.replaceChildren();
      mlnbShowText(distNote, "");
      return;
    }
    const hm = get("heatmap") ?? {};
    const win = (hm.windows ?? []).find((w) => w.index === d.window) ?? {
      label: d.window_label,
      end_label: d.window_end_label,
    };
    const where = c.source === "single" ? "current data" : `window ${windowText(win, c)}`;
    const verdict = !d.judged
      ? mlnbEl("span", { class: "mlnb-dc-tag muted", text: "not judged" })
      : !d.compared
        ? mlnbEl("span", { class: "mlnb-dc-tag muted", text: "not compared" })
        : d.drifted
          ? mlnbEl("span", { class: "mlnb-dc-tag drift", text: "drift" })
          : mlnbEl("span", { class: "mlnb-dc-tag ok", text: "no drift" });
    const lines = [
      mlnbEl(
        "div",
        { class: "mlnb-dc-distwhat" },
        mlnbEl("strong", { class: "mlnb-dc-feature", text: d.feature }),
        mlnbEl("span", { class: "mlnb-dc-where", text: `${where} · ${count(d.rows)} rows` }),
        verdict,
      ),
    ];
    if (d.judged && d.compared) {
      const rel = d.p_value ? "drift below" : "drift at or above";
      lines.push(
        mlnbEl("div", {
          class: "mlnb-dc-faint",
          text: `${d.method_name} ${mlnbNum(d.distance)} · threshold ${mlnbSig(d.threshold, 3)} (${rel})`,
        }),
      );
    }
    distHead.replaceChildren(...lines);
    if (!d.judged || !d.compared) {
      const why = !d.judged
        ? `This window has ${count(d.rows)} rows, fewer than min_rows=${count(c.min_rows)}: it was not judged.`
        : `Not compared: ${d.reason || "no distributions"}.`;
      distLegend.replaceChildren();
      distBox.replaceChildren(mlnbEl("div", { class: "mlnb-dc-empty", text: why }));
      mlnbShowText(distNote, "");
      return;
    }
    const currentName = c.source === "single" ? "current" : "window";
    distLegend.replaceChildren(
      mlnbEl("span", { class: "mlnb-dc-key" }, mlnbEl("i", { class: "sw ref" }), `reference (${count(d.n_reference)} rows)`),
      mlnbEl(
        "span",
        { class: "mlnb-dc-key" },
        mlnbEl("i", { class: `sw cur${d.drifted ? " drifted" : ""}` }),
        `${currentName} (${count(d.rows)} rows)`,
      ),
    );
    distBox.replaceChildren(
      distributionSvg(d, { width: distBox.clientWidth || 440, fontFamily: fontFamily(), currentName }),
    );
    const notes = [];
    if (d.truncated) notes.push(`Showing the ${d.labels.length} largest of ${count(d.n_bins)} bins.`);
    if (d.note) notes.push(d.note);
    mlnbShowText(distNote, notes.join(" "));
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
  const schedule = mlnbScheduler((parts) => {
    if (parts.has("head")) refreshHead();
    if (parts.has("error")) refreshError();
    if (parts.has("heatmap")) refreshHeatmap();
    else if (parts.has("selection")) refreshSelection();
    if (parts.has("lines")) refreshLines();
    if (parts.has("dist")) refreshDistribution();
  });
  const listeners = [
    ["change:status change:summary change:context", ["head", "heatmap"]],
    ["change:error", ["error"]],
    ["change:heatmap", ["head", "heatmap", "lines", "dist"]],
    ["change:selected_features", ["heatmap"]],
    ["change:series", ["lines"]],
    ["change:selected_cell", ["selection", "lines"]],
    ["change:distribution", ["dist"]],
  ];
  const unlisten = mlnbListen(model, listeners, schedule);

  // The charts are drawn at their boxes' widths.
  const resizer = mlnbWatchWidths([heatBox, lineBox, distBox], (box) => {
    if (box === heatBox) schedule("heatmap");
    if (box === lineBox) schedule("lines");
    if (box === distBox) schedule("dist");
  });

  const start = cellPosition();
  if (start) focus = start;
  refreshHead();
  refreshError();
  refreshHeatmap();
  refreshLines();
  refreshDistribution();

  return () => {
    unlisten();
    resizer?.disconnect();
  };
}

export default { render };
