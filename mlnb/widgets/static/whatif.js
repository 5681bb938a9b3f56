// WhatIf view (anywidget ESM).
//
// Renders the widget's traits and writes the input traits (tab, selected point, axes,
// threshold, strategy, ...) and one-shot actions (edit, undo, revert, duplicate,
// delete, cancel); every number comes from Python. The helpers named mlnb* (DOM
// builders that set text with textContent only, number formats, the view's plumbing)
// are in common.js, which mlnb/widgets/assets.py puts in front of this file.

const P = "mlnb-wi";
const TAB_NAMES = {
  datapoints: "Datapoints",
  editor: "Datapoint editor",
  counterfactual: "Nearest counterfactual",
  pdp: "Partial dependence",
  performance: "Performance & fairness",
  attributions: "Attributions",
};
const STRATEGY_NAMES = {
  manual: "Manual (the slider)",
  single: "Single threshold, lowest cost",
  demographic_parity: "Demographic parity",
  equal_opportunity: "Equal opportunity",
  equal_accuracy: "Equal accuracy",
  lowest_cost: "Lowest cost",
};
const PALETTE = [
  "#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd",
  "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf",
];
const MAX_FACETS = 6;

const fixed = (x, d = 3) => (mlnbIsNum(x) ? x.toFixed(d) : "–");

function shorten(text, max) {
  const s = String(text ?? "");
  return s.length <= max ? s : `${s.slice(0, Math.max(1, max - 1))}…`;
}

// a value as the editor shows it
function shown(v) {
  if (v === null || v === undefined) return "missing";
  if (typeof v === "number") return mlnbSig(v, 6);
  return String(v);
}

// viridis-like ramp for numeric colours (t in 0..1)
const RAMP = ["#440154", "#3b528b", "#21918c", "#5ec962", "#fde725"];
function ramp(t) {
  if (!mlnbIsNum(t)) return "#9e9e9e";
  const x = Math.min(Math.max(t, 0), 1) * (RAMP.length - 1);
  const i = Math.min(Math.floor(x), RAMP.length - 2);
  const f = x - i;
  const a = RAMP[i];
  const b = RAMP[i + 1];
  const ch = (k) => {
    const va = parseInt(a.slice(k, k + 2), 16);
    const vb = parseInt(b.slice(k, k + 2), 16);
    return Math.round(va + (vb - va) * f).toString(16).padStart(2, "0");
  };
  return `#${ch(1)}${ch(3)}${ch(5)}`;
}

// deterministic jitter in [-0.3, 0.3] for categorical axes (by row id)
function jitter(id, salt) {
  let h = (id * 2654435761 + salt * 40503) >>> 0;
  h ^= h >>> 15;
  h = Math.imul(h, 2246822519) >>> 0;
  h ^= h >>> 13;
  return ((h % 10000) / 10000 - 0.5) * 0.6;
}

// The points' compact arrays arrive as binary buffers (DataView): row ids int32,
// coordinates and category codes float32 (NaN = missing). Copied, so the offset
// need not be aligned.
function typed(value, Kind) {
  if (!value) return new Kind(0);
  if (Array.isArray(value)) return Kind.from(value, (v) => (v === null ? NaN : v));
  const view = ArrayBuffer.isView(value) ? value : new DataView(value);
  return new Kind(view.buffer.slice(view.byteOffset, view.byteOffset + view.byteLength));
}

function extent(values) {
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of values) {
    if (v === null || !Number.isFinite(v)) continue;
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  return lo <= hi ? [lo, hi] : [0, 1];
}

// The two models' names when a second one is compared (null otherwise): the view
// names each model wherever both are shown, in its own colour (class "a" / "compare").
function modelNames(info) {
  return info?.has_compare ? [info.model_name ?? "model 1", info.compare_name ?? "model 2"] : null;
}

// A line key (a short stroke in a series' style) and its text, for HTML legends.
function lineKey(cls, text, title = null) {
  return mlnbEl("span", { class: `${P}-key`, title }, mlnbEl("span", { class: `${P}-linekey ${cls}` }), text);
}

// SVG charts (PDP, ROC, PR): mlnbChartFrame and mlnbPath from common.js, with the
// x tick labels this far below the axis.
const X_TICK_DY = 17;

// -- the view ------------------------------------------------------------------------
function render({ model, el: host }) {
  const uid = mlnbUid(P);
  // A table under its title; the title stays in view when the table scrolls
  // sideways, and names the table for screen readers.
  let tables = 0;
  const titledTable = (title, table) => {
    tables += 1;
    const id = `${uid}-table-${tables}`;
    table.setAttribute("aria-labelledby", id);
    return [mlnbEl("div", { class: `${P}-tabletitle`, id, text: title }), mlnbEl("div", { class: `${P}-tablewrap` }, table)];
  };
  const { get, save } = mlnbTraits(model);
  let actionCount = 0;
  const act = (op, extra = {}) => {
    actionCount += 1;
    save({ action: { op, n: `${Date.now()}-${actionCount}`, ...extra } });
  };

  const root = mlnbEl("div", { class: P, role: "group", "aria-label": "What-If tool" });
  const head = mlnbEl("div", { class: `${P}-head` });
  const tabBar = mlnbEl("div", { class: `${P}-tabs`, role: "tablist", "aria-label": "What-If views" });
  const errorBox = mlnbEl("div", { class: `${P}-error`, role: "alert" });
  const progressBox = mlnbEl("div", { class: `${P}-progress`, role: "status" });
  const panels = {};
  const tabButtons = {};
  for (const [id, name] of Object.entries(TAB_NAMES)) {
    const button = mlnbEl("button", {
      type: "button",
      role: "tab",
      class: `${P}-tab`,
      id: `${uid}-tab-${id}`,
      "aria-controls": `${uid}-panel-${id}`,
      text: name,
    });
    button.addEventListener("click", () => save({ tab: id }));
    tabButtons[id] = button;
    tabBar.append(button);
    panels[id] = mlnbEl("div", {
      class: `${P}-panel ${P}-panel-${id}`,
      role: "tabpanel",
      id: `${uid}-panel-${id}`,
      "aria-labelledby": `${uid}-tab-${id}`,
    });
  }
  // arrow keys move between tabs
  tabBar.addEventListener("keydown", (e) => {
    const ids = Object.keys(TAB_NAMES);
    const i = ids.indexOf(get("tab"));
    if (e.key === "ArrowRight" || e.key === "ArrowLeft") {
      const j = (i + (e.key === "ArrowRight" ? 1 : ids.length - 1)) % ids.length;
      save({ tab: ids[j] });
      tabButtons[ids[j]].focus();
      e.preventDefault();
    }
  });
  root.append(head, tabBar, progressBox, errorBox, ...Object.values(panels));
  mlnbKeepKeys(root);
  host.append(root);

  // -- head ------------------------------------------------------------------------
  function refreshHead() {
    const info = get("info") ?? {};
    const bits = [`${mlnbCount(get("sample")?.n_rows ?? info.n_rows)} rows`];
    bits.push(
      { binary: "binary classifier", multiclass: "multiclass classifier", regression: "regression" }[
        info.kind
      ] ?? "",
    );
    if (info.label_name) bits.push(`label ${info.label_name}`);
    if (info.sensitive_name) bits.push(`sensitive ${info.sensitive_name}`);
    const names = modelNames(info);
    if (names) bits.push(`comparing ${names[0]} with ${names[1]}`);
    head.replaceChildren(
      ...mlnbHead(P, "What-If", bits.filter(Boolean), [mlnbBadge(`${P}-badge`, get("status"))], [
        get("summary") ?? "",
      ]),
    );
  }

  function refreshTabs() {
    const tab = get("tab");
    for (const [id, button] of Object.entries(tabButtons)) {
      const on = id === tab;
      button.setAttribute("aria-selected", on ? "true" : "false");
      button.tabIndex = on ? 0 : -1;
      button.classList.toggle("active", on);
      panels[id].hidden = !on;
    }
  }

  function refreshProgress() {
    const p = get("progress") ?? {};
    progressBox.replaceChildren();
    progressBox.hidden = !p.running;
    if (!p.running) return;
    const bar = mlnbEl("progress", {
      class: `${P}-progressbar`,
      max: p.total || 1,
      value: p.done || 0,
      "aria-label": p.task ?? "progress",
    });
    const cancel = mlnbEl("button", { type: "button", class: `${P}-button`, text: "Cancel" });
    cancel.addEventListener("click", () => act("cancel"));
    progressBox.append(
      mlnbEl("span", { text: `${p.task ?? "working"}: ${p.done ?? 0} of ${p.total ?? "?"} batches` }),
      bar,
      cancel,
    );
  }

  // -- datapoints ------------------------------------------------------------------
  const axisSelects = {};
  const axisRow = mlnbEl("div", { class: `${P}-controls` });
  for (const [trait, name] of [
    ["x_axis", "X axis"],
    ["y_axis", "Y axis"],
    ["color_by", "Colour"],
    ["facet_by", "Facet"],
  ]) {
    const select = mlnbEl("select", { id: `${uid}-${trait}`, class: `${P}-select` });
    select.addEventListener("change", () => save({ [trait]: select.value }));
    axisSelects[trait] = select;
    axisRow.append(
      mlnbEl(
        "span",
        { class: `${P}-field` },
        mlnbEl("label", { for: `${uid}-${trait}`, text: name }),
        select,
      ),
    );
  }
  const sampleLine = mlnbEl("div", { class: `${P}-sample`, "aria-live": "polite" });
  const canvasBox = mlnbEl("div", { class: `${P}-card ${P}-canvasbox` });
  const canvas = mlnbEl("canvas", {
    class: `${P}-canvas`,
    role: "img",
    tabindex: 0,
    "aria-label": "Scatter of the data; click a point (or use the arrow keys) to select it",
  });
  canvasBox.append(canvas);
  const legend = mlnbEl("div", { class: `${P}-legend` });
  const pointCard = mlnbEl("div", { class: `${P}-card ${P}-pointcard`, "aria-live": "polite" });
  panels.datapoints.append(
    axisRow,
    sampleLine,
    mlnbEl("div", { class: `${P}-row` }, mlnbEl("div", { class: `${P}-grow` }, canvasBox, legend), pointCard),
  );

  let layout = null; // where each point went: {ids, px, py}
  function refreshAxisSelects() {
    const opts = get("axis_options") ?? [];
    const stamp = JSON.stringify(opts);
    for (const [trait, select] of Object.entries(axisSelects)) {
      if (select.dataset.stamp !== stamp) {
        const allowed = trait === "x_axis" || trait === "y_axis" ? opts.filter((o) => o.id !== "none") : opts;
        select.replaceChildren(...allowed.map((o) => mlnbEl("option", { value: o.id, text: o.name })));
        select.dataset.stamp = stamp;
      }
      if (select.value !== get(trait)) select.value = get(trait);
    }
  }

  function themeColors() {
    const cs = getComputedStyle(root);
    return {
      fg: cs.getPropertyValue("--mlnb-fg").trim() || "#1f1f1f",
      fg2: cs.getPropertyValue("--mlnb-fg2").trim() || "#5f5f5f",
      border: cs.getPropertyValue("--mlnb-border").trim() || "#e0e0e0",
      bg: cs.getPropertyValue("--mlnb-bg").trim() || "#fff",
      font: `11px ${cs.fontFamily}`,
    };
  }

  function drawScatter() {
    const pts = get("points") ?? {};
    const opts = get("axis_options") ?? [];
    const nameOf = (id) => opts.find((o) => o.id === id)?.name ?? id;
    const ids = typed(pts.row, Int32Array);
    const n = ids.length;
    // a hidden tab (or notebook) has no width: keep the last drawing until shown
    if (!canvasBox.clientWidth) return;
    const width = Math.max(280, Math.floor(canvasBox.clientWidth - 18));
    const facetCats = pts.facet_kind === "categorical" ? pts.facet_categories ?? [] : [];
    const facetCodes = typed(pts.facet, Float32Array);
    // facets: the most common categories, up to MAX_FACETS
    let facets = [null];
    if (facetCats.length) {
      const counts = new Array(facetCats.length).fill(0);
      for (const c of facetCodes) counts[c] += 1;
      facets = counts
        .map((c, i) => [c, i])
        .filter(([c]) => c > 0)
        .sort((a, b) => b[0] - a[0] || a[1] - b[1])
        .slice(0, MAX_FACETS)
        .map(([, i]) => i)
        .sort((a, b) => a - b);
    }
    const cols = facets.length === 1 ? 1 : Math.min(facets.length, width >= 720 ? 3 : 2);
    const rows = Math.ceil(facets.length / cols);
    const cellW = Math.floor(width / cols);
    const cellH = facets.length === 1 ? 360 : 240;
    const height = cellH * rows;
    const dpr = window.devicePixelRatio || 1;
    canvas.width = Math.round(width * dpr);
    canvas.height = Math.round(height * dpr);
    canvas.style.width = `${width}px`;
    canvas.style.height = `${height}px`;
    const ctx = canvas.getContext("2d");
    if (!ctx) return;
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.clearRect(0, 0, width, height);
    const th = themeColors();
    ctx.font = th.font;

    const xs = typed(pts.x, Float32Array);
    const ys = typed(pts.y, Float32Array);
    const xCat = pts.x_kind === "categorical";
    const yCat = pts.y_kind === "categorical";
    const xr = xCat ? [-0.5, (pts.x_categories?.length ?? 1) - 0.5] : extent(xs);
    const yr = yCat ? [-0.5, (pts.y_categories?.length ?? 1) - 0.5] : extent(ys);
    const xd = xCat ? { lo: xr[0], hi: xr[1], ticks: [] } : mlnbNiceDomain(xr[0], xr[1], 5);
    const yd = yCat ? { lo: yr[0], hi: yr[1], ticks: [] } : mlnbNiceDomain(yr[0], yr[1], 5);
    const colorKind = pts.color_kind;
    const cvals = typed(pts.color, Float32Array);
    const cr = colorKind === "numeric" ? extent(cvals) : [0, 1];
    const colorOf = (i) => {
      if (colorKind === "categorical") return PALETTE[Math.max(0, cvals[i]) % PALETTE.length];
      if (colorKind === "numeric") return ramp((cvals[i] - cr[0]) / (cr[1] - cr[0] || 1));
      return PALETTE[0];
    };
    const px = new Float32Array(n).fill(NaN);
    const py = new Float32Array(n).fill(NaN);
    const edited = new Set(pts.edited ?? []);
    const selected = get("selected");
    const m = { left: 52, right: 10, top: facets.length > 1 ? 20 : 10, bottom: 34 };
    facets.forEach((facet, k) => {
      const ox = (k % cols) * cellW;
      const oy = Math.floor(k / cols) * cellH;
      const pw = cellW - m.left - m.right;
      const ph = cellH - m.top - m.bottom;
      const sx = (v) => ox + m.left + ((v - xd.lo) / (xd.hi - xd.lo || 1)) * pw;
      const sy = (v) => oy + m.top + ph - ((v - yd.lo) / (yd.hi - yd.lo || 1)) * ph;
      // grid and ticks
      ctx.strokeStyle = th.border;
      ctx.fillStyle = th.fg2;
      ctx.lineWidth = 1;
      ctx.textAlign = "right";
      const yTicks = yCat ? (pts.y_categories ?? []).map((c, i) => [i, c]) : yd.ticks.map((v) => [v, mlnbSig(v, 3)]);
      const yEvery = Math.max(1, Math.ceil(yTicks.length / Math.max(2, Math.floor(ph / 16))));
      yTicks.forEach(([v, text], i) => {
        const y = sy(v);
        ctx.beginPath();
        ctx.moveTo(ox + m.left, y);
        ctx.lineTo(ox + m.left + pw, y);
        ctx.stroke();
        if (i % yEvery === 0) ctx.fillText(mlnbFitText(text, m.left - 8, th.font), ox + m.left - 5, y + 3.5);
      });
      ctx.textAlign = "center";
      const xTicks = xCat ? (pts.x_categories ?? []).map((c, i) => [i, c]) : xd.ticks.map((v) => [v, mlnbSig(v, 3)]);
      const slot = pw / Math.max(xTicks.length, 1);
      const xEvery = Math.max(1, Math.ceil(60 / Math.max(slot, 1)));
      xTicks.forEach(([v, text], i) => {
        if (i % xEvery) return;
        ctx.fillText(mlnbFitText(text, Math.max(slot * xEvery - 4, 20), th.font), sx(v), oy + m.top + ph + 14);
      });
      ctx.strokeStyle = th.fg2;
      ctx.beginPath();
      ctx.moveTo(ox + m.left, oy + m.top);
      ctx.lineTo(ox + m.left, oy + m.top + ph);
      ctx.lineTo(ox + m.left + pw, oy + m.top + ph);
      ctx.stroke();
      if (facet !== null) {
        ctx.fillStyle = th.fg;
        ctx.textAlign = "left";
        ctx.fillText(
          mlnbFitText(`${nameOf(get("facet_by"))} = ${facetCats[facet]}`, cellW - m.left, th.font),
          ox + m.left,
          oy + 12,
        );
      }
      // points
      ctx.globalAlpha = n > 2000 ? 0.55 : 0.75;
      const r = n > 2000 ? 2 : 3;
      for (let i = 0; i < n; i += 1) {
        if (facet !== null && facetCodes[i] !== facet) continue;
        let xv = xs[i];
        let yv = ys[i];
        if (!Number.isFinite(xv) || !Number.isFinite(yv)) continue;
        if (xCat) xv += jitter(ids[i], 1);
        if (yCat) yv += jitter(ids[i], 2);
        const X = sx(xv);
        const Y = sy(yv);
        px[i] = X;
        py[i] = Y;
        ctx.fillStyle = colorOf(i);
        ctx.fillRect(X - r, Y - r, 2 * r, 2 * r);
      }
      ctx.globalAlpha = 1;
      // edited points: outlined; the selected one: a ring
      for (let i = 0; i < n; i += 1) {
        if (!Number.isFinite(px[i])) continue;
        if (ids[i] === selected || edited.has(ids[i])) {
          const big = ids[i] === selected;
          ctx.beginPath();
          ctx.arc(px[i], py[i], big ? 7 : 5, 0, 2 * Math.PI);
          ctx.strokeStyle = big ? th.fg : "#d62728";
          ctx.lineWidth = big ? 2.5 : 1.5;
          ctx.stroke();
        }
      }
      ctx.lineWidth = 1;
    });
    // axis titles
    ctx.fillStyle = th.fg2;
    ctx.textAlign = "center";
    ctx.fillText(mlnbFitText(nameOf(get("x_axis")), width - 60, th.font), width / 2, height - 6);
    ctx.save();
    ctx.translate(11, height / 2);
    ctx.rotate(-Math.PI / 2);
    ctx.fillText(mlnbFitText(nameOf(get("y_axis")), height - 20, th.font), 0, 0);
    ctx.restore();
    layout = { ids, px, py };
    canvas.setAttribute(
      "aria-label",
      `Scatter of ${mlnbCount(n)} points: ${nameOf(get("x_axis"))} against ${nameOf(get("y_axis"))}` +
        `${colorKind !== "none" ? `, coloured by ${nameOf(get("color_by"))}` : ""}; click a point ` +
        "(or use the arrow keys) to select it",
    );
    // legend
    legend.replaceChildren();
    if (colorKind === "categorical") {
      legend.append(mlnbEl("span", { class: `${P}-legend-title`, text: `${nameOf(get("color_by"))}:` }));
      (pts.color_categories ?? []).slice(0, 20).forEach((c, i) => {
        legend.append(
          mlnbEl(
            "span",
            { class: `${P}-key` },
            mlnbEl("span", { class: `${P}-swatch`, style: `background:${PALETTE[i % PALETTE.length]}` }),
            shorten(c, 30),
          ),
        );
      });
    } else if (colorKind === "numeric") {
      legend.append(
        mlnbEl("span", { class: `${P}-legend-title`, text: `${nameOf(get("color_by"))}:` }),
        mlnbEl("span", { text: mlnbSig(cr[0], 3) }),
        mlnbEl("span", {
          class: `${P}-rampbar`,
          style: `background:linear-gradient(to right, ${RAMP.join(", ")})`,
        }),
        mlnbEl("span", { text: mlnbSig(cr[1], 3) }),
      );
    }
    if (edited.size) {
      legend.append(
        mlnbEl(
          "span",
          { class: `${P}-key` },
          mlnbEl("span", { class: `${P}-swatch ring` }),
          "edited or added",
        ),
      );
    }
  }

  canvas.addEventListener("click", (e) => {
    if (!layout) return;
    const rect = canvas.getBoundingClientRect();
    const x = e.clientX - rect.left;
    const y = e.clientY - rect.top;
    let best = -1;
    let bestD = 100; // within 10 px
    for (let i = 0; i < layout.ids.length; i += 1) {
      const dx = layout.px[i] - x;
      const dy = layout.py[i] - y;
      const d = dx * dx + dy * dy;
      if (d < bestD) {
        bestD = d;
        best = i;
      }
    }
    if (best >= 0) save({ selected: layout.ids[best] });
  });

  // the keyboard: arrows step through the drawn points, Escape clears
  canvas.addEventListener("keydown", (e) => {
    if (!layout || !layout.ids.length) return;
    const ids = layout.ids;
    const i = ids.indexOf(get("selected"));
    let j = null;
    if (e.key === "ArrowRight" || e.key === "ArrowDown") j = i < 0 ? 0 : Math.min(i + 1, ids.length - 1);
    else if (e.key === "ArrowLeft" || e.key === "ArrowUp") j = i < 0 ? 0 : Math.max(i - 1, 0);
    else if (e.key === "Escape") {
      save({ selected: -1 });
      e.preventDefault();
      return;
    }
    if (j === null) return;
    e.preventDefault();
    save({ selected: ids[j] });
  });

  function refreshPointCard() {
    const row = get("row") ?? {};
    pointCard.replaceChildren();
    if (row.id === undefined) {
      pointCard.append(mlnbEl("div", { class: `${P}-empty`, text: "Click a point to select it." }));
      return;
    }
    const edit = mlnbEl("button", { type: "button", class: `${P}-button`, text: "Edit this point" });
    edit.addEventListener("click", () => save({ tab: "editor" }));
    const parts = [
      mlnbEl("div", { class: `${P}-strong`, text: `Row ${row.index_label}${row.edited ? " (edited)" : ""}` }),
      ...predictionLines(row, false),
      row.label !== undefined ? mlnbEl("div", { text: `Label: ${row.label}` }) : null,
      edit,
    ];
    pointCard.append(...parts.filter(Boolean));
  }

  // -- editor ----------------------------------------------------------------------
  const form = mlnbEl("div", { class: `${P}-card ${P}-form` });
  const predBox = mlnbEl("div", { class: `${P}-card ${P}-pred`, "aria-live": "polite" });
  const historyBox = mlnbEl("div", { class: `${P}-card ${P}-history` });
  const attrSide = mlnbEl("div", { class: `${P}-card ${P}-attrside` });
  panels.editor.append(
    mlnbEl("div", { class: `${P}-row` }, form, mlnbEl("div", { class: `${P}-col` }, predBox, attrSide, historyBox)),
  );

  // The prediction of the model (and of the compared one, each under its name, with
  // a bar in its colour at the left); withBefore: the change since the row's
  // original values.
  function predictionLines(row, withBefore) {
    const names = modelNames(get("info"));
    if (!names) return [predictionLine("Prediction", row.prediction, withBefore ? row.original_prediction : null)];
    return [
      predictionLine(names[0], row.prediction, withBefore ? row.original_prediction : null, "a"),
      predictionLine(
        names[1],
        row.compare_prediction,
        withBefore ? row.compare_original_prediction : null,
        "compare",
      ),
    ];
  }

  function predictionLine(title, now, before, model = null) {
    const line = mlnbEl(
      "div",
      { class: `${P}-predline${model ? ` ${P}-model-${model}` : ""}` },
      mlnbEl("span", { class: `${P}-strong`, text: `${title}: ` }),
    );
    if (!now || now.text === undefined) {
      line.append("–");
      return line;
    }
    line.append(mlnbEl("span", { class: `${P}-predtext`, text: now.text }));
    if (before && before.text !== undefined && mlnbIsNum(before.score) && before.score !== now.score) {
      const delta = now.score - before.score;
      line.append(
        mlnbEl("span", {
          class: `${P}-delta ${delta > 0 ? "up" : "down"}`,
          text: ` (${delta > 0 ? "+" : "−"}${mlnbSig(Math.abs(delta), 3)}; was ${before.text})`,
        }),
      );
    }
    return line;
  }

  function refreshEditor() {
    const row = get("row") ?? {};
    form.replaceChildren();
    predBox.replaceChildren();
    if (row.id === undefined) {
      form.append(
        mlnbEl("div", { class: `${P}-empty`, text: "No point selected: click a point in the Datapoints tab." }),
      );
      return;
    }
    form.append(
      mlnbEl("div", { class: `${P}-strong`, text: `Row ${row.index_label}${row.edited ? " (edited)" : ""}` }),
    );
    const grid = mlnbEl("div", { class: `${P}-fields` });
    for (const f of row.features ?? []) {
      const id = `${uid}-feat-${f.id}`;
      let input;
      if (f.kind === "numeric") {
        input = mlnbEl("input", {
          id,
          type: "text",
          inputmode: "decimal",
          class: `${P}-num`,
          value: shown(f.value),
          "data-feature": f.id,
        });
        input.addEventListener("change", () => act("edit", { feature: f.id, value: input.value }));
        input.addEventListener("keydown", (e) => {
          if (e.key === "Enter") input.blur();
        });
      } else {
        input = mlnbEl("select", { id, class: `${P}-select`, "data-feature": f.id });
        for (const o of f.options ?? []) input.append(mlnbEl("option", { value: o, text: o }));
        input.value = String(f.value);
        input.addEventListener("change", () => act("edit", { feature: f.id, value: input.value }));
      }
      const changed = f.original !== undefined;
      grid.append(
        mlnbEl("label", { for: id, class: changed ? "changed" : "", text: f.name, title: f.name }),
        mlnbEl(
          "span",
          { class: `${P}-inputcell` },
          input,
          changed ? mlnbEl("span", { class: `${P}-was`, text: `was ${shown(f.original)}` }) : null,
        ),
      );
    }
    const buttons = mlnbEl("div", { class: `${P}-buttons` });
    const button = (text, op, enabled = true, label = null) => {
      const b = mlnbEl("button", { type: "button", class: `${P}-button`, text, "aria-label": label });
      b.disabled = !enabled;
      b.addEventListener("click", () => act(op));
      buttons.append(b);
    };
    button("Undo", "undo", row.can_undo, "Undo the latest change");
    button("Revert point", "revert", row.can_revert, "Put this point back to its original values");
    button("Duplicate", "duplicate", true, "Duplicate this point");
    button("Delete", "delete", true, "Delete this point from the widget's data");
    form.append(grid, buttons);

    predBox.append(...predictionLines(row, true));
    for (const p of row.prediction?.probs ?? []) {
      predBox.append(mlnbEl("div", { class: `${P}-faint`, text: `${p.label}: ${mlnbPct(p.p)}` }));
    }
    if (row.label !== undefined) predBox.append(mlnbEl("div", { text: `Label: ${row.label}` }));
    if (row.group !== undefined) {
      predBox.append(mlnbEl("div", { text: `${get("info")?.sensitive_name ?? "group"}: ${row.group}` }));
    }
  }

  function refreshHistory() {
    const items = get("history") ?? [];
    historyBox.replaceChildren(mlnbEl("div", { class: `${P}-strong`, text: `Edit history (${items.length})` }));
    if (!items.length) {
      historyBox.append(mlnbEl("div", { class: `${P}-empty`, text: "No edits yet." }));
      return;
    }
    const list = mlnbEl("ol", { class: `${P}-historylist`, reversed: true });
    for (const h of items.slice(0, 12)) {
      let text;
      if (h.op === "edit") {
        text = `row ${h.row}: ${h.feature} ${shown(h.old)} → ${shown(h.new)}; ${h.after ?? ""}`;
        const names = modelNames(get("info"));
        if (names && h.compare_after) text += ` (${names[0]}); ${h.compare_after} (${names[1]})`;
      } else if (h.op === "duplicate") {
        text = `row ${h.row} added as a copy of row ${h.source}`;
      } else if (h.op === "delete") {
        text = `row ${h.row} deleted`;
      } else {
        text = `row ${h.row} reverted`;
      }
      list.append(mlnbEl("li", { text }));
    }
    historyBox.append(list);
  }

  // -- counterfactual --------------------------------------------------------------
  const cfControls = mlnbEl("div", { class: `${P}-controls` });
  const cfDistance = mlnbEl("select", { id: `${uid}-cfdist`, class: `${P}-select` });
  cfDistance.append(
    mlnbEl("option", { value: "l1", text: "L1 (normalised features)" }),
    mlnbEl("option", { value: "l2", text: "L2 (normalised features)" }),
  );
  cfDistance.addEventListener("change", () => save({ cf_distance: cfDistance.value }));
  const cfGo = mlnbEl("button", { type: "button", class: `${P}-button`, text: "Select the counterfactual" });
  cfGo.addEventListener("click", () => act("select_counterfactual"));
  cfControls.append(
    mlnbEl("span", { class: `${P}-field` }, mlnbEl("label", { for: `${uid}-cfdist`, text: "Distance" }), cfDistance),
    cfGo,
  );
  const cfBody = mlnbEl("div", { class: `${P}-card` });
  panels.counterfactual.append(cfControls, cfBody);

  function refreshCounterfactual() {
    const cf = get("counterfactual") ?? {};
    const dist = get("cf_distance");
    if (dist === "custom" && !cfDistance.querySelector('option[value="custom"]')) {
      cfDistance.append(mlnbEl("option", { value: "custom", text: "your distance" }));
    }
    cfDistance.value = dist;
    cfGo.disabled = cf.other === undefined;
    cfBody.replaceChildren();
    if (cf.row === undefined) {
      cfBody.append(mlnbEl("div", { class: `${P}-empty`, text: "No point selected: click a point in the Datapoints tab." }));
      return;
    }
    if (cf.error) {
      cfBody.append(mlnbEl("div", { class: `${P}-error`, text: cf.error }));
      return;
    }
    cfBody.append(
      mlnbEl("div", {
        class: `${P}-summary`,
        text:
          `Nearest point with a different prediction: row ${cf.other_label}, ${cf.metric.toUpperCase()} ` +
          `distance ${mlnbSig(cf.distance, 4)}; ${cf.n_changed} feature${cf.n_changed === 1 ? "" : "s"} differ.`,
      }),
    );
    const th = cf.thresholds;
    if (th) {
      const side = (g, t) => `${g} (threshold ${fixed(t, 3)})`;
      cfBody.append(
        mlnbEl("div", {
          class: `${P}-faint ${P}-cfnote`,
          text:
            `Each prediction at its group's threshold (${STRATEGY_NAMES[th.strategy] ?? th.strategy}): ` +
            (th.group === th.other_group && th.threshold === th.other_threshold
              ? side(th.group, th.threshold)
              : `selected ${side(th.group, th.threshold)}, counterfactual ${side(th.other_group, th.other_threshold)}`),
        }),
      );
    }
    const table = mlnbEl(
      "table",
      { class: `${P}-table` },
      mlnbEl(
        "thead",
        {},
        mlnbEl(
          "tr",
          {},
          mlnbEl("th", { scope: "col", text: "feature" }),
          mlnbEl("th", { scope: "col", text: `selected (row ${cf.row})` }),
          mlnbEl("th", { scope: "col", text: `counterfactual (row ${cf.other_label})` }),
        ),
      ),
      mlnbEl(
        "tbody",
        {},
        mlnbEl(
          "tr",
          { class: `${P}-predrow` },
          mlnbEl("th", {
            scope: "row",
            text: modelNames(get("info")) ? `prediction of ${modelNames(get("info"))[0]}` : "prediction",
          }),
          mlnbEl("td", { text: cf.prediction?.text ?? "–" }),
          mlnbEl("td", { class: "differs", text: cf.other_prediction?.text ?? "–" }),
        ),
        cf.compare_prediction
          ? mlnbEl(
              "tr",
              {},
              mlnbEl("th", { scope: "row", text: `prediction of ${modelNames(get("info"))?.[1] ?? "model 2"}` }),
              mlnbEl("td", { text: cf.compare_prediction.text ?? "–" }),
              mlnbEl("td", { text: cf.other_compare_prediction?.text ?? "–" }),
            )
          : null,
        cf.label !== null && cf.label !== undefined
          ? mlnbEl(
              "tr",
              {},
              mlnbEl("th", { scope: "row", text: "label" }),
              mlnbEl("td", { text: cf.label }),
              mlnbEl("td", { text: cf.other_true_label }),
            )
          : null,
        (cf.table ?? []).map((r) =>
          mlnbEl(
            "tr",
            { class: r.differs ? "differs" : "" },
            mlnbEl("th", { scope: "row", text: r.feature }),
            mlnbEl("td", { text: shown(r.selected) }),
            mlnbEl("td", {
              text: shown(r.counterfactual),
              "aria-label": r.differs ? `${shown(r.counterfactual)} (differs)` : null,
            }),
          ),
        ),
      ),
    );
    cfBody.append(...titledTable("Selected point and its nearest counterfactual", table));
  }

  // -- partial dependence ----------------------------------------------------------
  const pdpSelect = mlnbEl("select", { id: `${uid}-pdpfeat`, class: `${P}-select` });
  pdpSelect.addEventListener("change", () => save({ pdp_feature: pdpSelect.value }));
  const pdpNote = mlnbEl("div", { class: `${P}-sample` });
  const pdpBox = mlnbEl("div", { class: `${P}-card ${P}-pdpbox` });
  panels.pdp.append(
    mlnbEl(
      "div",
      { class: `${P}-controls` },
      mlnbEl("span", { class: `${P}-field` }, mlnbEl("label", { for: `${uid}-pdpfeat`, text: "Feature" }), pdpSelect),
    ),
    pdpNote,
    pdpBox,
  );

  function refreshPdp() {
    const info = get("info") ?? {};
    const feats = info.features ?? [];
    const stamp = JSON.stringify(feats);
    if (pdpSelect.dataset.stamp !== stamp) {
      pdpSelect.replaceChildren(...feats.map((f) => mlnbEl("option", { value: f.id, text: f.name })));
      pdpSelect.dataset.stamp = stamp;
    }
    pdpSelect.value = get("pdp_feature");
    const pdp = get("pdp") ?? {};
    pdpBox.replaceChildren();
    const scope = pdp.sampled
      ? `averaged over ${mlnbCount(pdp.n_rows)} of ${mlnbCount(pdp.n_total)} rows, random sample, seed ${pdp.seed}`
      : mlnbIsNum(pdp.n_rows)
        ? `averaged over all ${mlnbCount(pdp.n_rows)} rows`
        : "";
    pdpNote.textContent = scope;
    if (pdp.error) {
      pdpBox.append(mlnbEl("div", { class: `${P}-error`, text: pdp.error }));
      return;
    }
    if (!pdp.grid_values) {
      pdpBox.append(mlnbEl("div", { class: `${P}-empty`, text: "Choose a feature." }));
      return;
    }
    if (pdp.pending && !pdp.average) {
      pdpBox.append(mlnbEl("div", { class: `${P}-empty`, text: "Computing…" }));
    }
    const width = pdpBox.clientWidth ? Math.max(320, Math.min(760, Math.floor(pdpBox.clientWidth - 18))) : 640;
    pdpBox.append(pdpChart(pdp, width));
  }

  function pdpChart(pdp, width) {
    const info = get("info") ?? {};
    const grid = pdp.grid_values;
    const cat = pdp.categorical;
    const xs = cat ? grid.map((_, i) => i) : grid.map(Number);
    const series = [];
    const add = (values, name, cls) => {
      if (!Array.isArray(values)) return;
      const v = values.map((y) => (Array.isArray(y) ? Math.max(...y) : y));
      series.push({ name, cls, pts: xs.map((x, i) => [x, v[i]]) });
    };
    const names = modelNames(info);
    if (!names) {
      add(pdp.average, "PDP: average over the data", "pdp");
      add(pdp.ice, `ICE: row ${pdp.ice_row}`, "ice");
    } else {
      // colour: the model; solid: the average (PDP), dashed: the selected row (ICE)
      add(pdp.average, `PDP of ${names[0]}`, "pdp a");
      add(pdp.compare_average, `PDP of ${names[1]}`, "pdp compare");
      add(pdp.ice, `ICE of row ${pdp.ice_row}, ${names[0]}`, "ice a");
      add(pdp.compare_ice, `ICE of row ${pdp.ice_row}, ${names[1]}`, "ice compare");
    }
    const allY = series.flatMap((s) => s.pts.map((p) => p[1]));
    let [lo, hi] = extent(allY);
    if (info.kind === "binary") {
      lo = Math.min(lo, 0);
      hi = Math.max(hi, 1);
    }
    const yd = mlnbNiceDomain(lo, hi, 5);
    const xr = cat ? [-0.5, grid.length - 0.5] : extent(xs);
    const xd = cat ? null : mlnbNiceDomain(xr[0], xr[1], 6);
    const maxChars = Math.max(3, Math.floor((width - 80) / Math.max(grid.length, 1) / 6.2));
    const f = mlnbChartFrame(`${P}-chart`, {
      xTickDy: X_TICK_DY,
      width,
      height: 260,
      x: cat ? xr : [xd.lo, xd.hi],
      y: [yd.lo, yd.hi],
      yTicks: yd.ticks,
      yFmt: (v) => mlnbSig(v, 3),
      xTicks: cat ? grid.map((g, i) => [i, shorten(g, maxChars)]) : xd.ticks.map((v) => [v, mlnbSig(v, 3)]),
      title: `Partial dependence of the prediction on ${pdp.feature}`,
      xLabel: pdp.feature,
      yLabel: info.kind === "binary" ? `P(${info.positive_label})` : "prediction",
      label: `Partial dependence of the prediction on ${pdp.feature}` + (pdp.ice ? " with the selected point's ICE curve" : ""),
    });
    for (const s of series) {
      if (cat) {
        for (const [x, y] of s.pts) {
          if (!mlnbIsNum(y)) continue;
          const c = mlnbSvg("circle", { class: `dot ${s.cls}`, cx: f.sx(x), cy: f.sy(y), r: 4 }, f.plot);
          mlnbSvg("title", {}, c, `${s.name}: ${grid[x]} → ${mlnbSig(y, 4)}`);
        }
        mlnbSvg("path", { class: `line ${s.cls} faint`, d: mlnbPath(s.pts, f.sx, f.sy) }, f.plot);
      } else {
        mlnbSvg("path", { class: `line ${s.cls}`, d: mlnbPath(s.pts, f.sx, f.sy) }, f.plot);
      }
    }
    // the selected point's own value
    const row = get("row") ?? {};
    const feat = (row.features ?? []).find((x) => x.name === pdp.feature);
    if (feat && !cat && mlnbIsNum(feat.value) && feat.value >= xd.lo && feat.value <= xd.hi) {
      const x = f.sx(feat.value);
      mlnbSvg("line", { class: "marker", x1: x, x2: x, y1: f.m.top, y2: f.m.top + f.ph }, f.plot);
    }
    const wrap = mlnbEl("div", {}, f.root);
    const leg = mlnbEl("div", { class: `${P}-legend` });
    for (const s of series) leg.append(lineKey(s.cls, s.name));
    if (!pdp.ice) leg.append(mlnbEl("span", { class: `${P}-faint`, text: "select a point for its ICE curve" }));
    wrap.append(leg);
    return wrap;
  }

  // -- performance & fairness ------------------------------------------------------
  const perfMissing = mlnbEl("div", { class: `${P}-card ${P}-missing`, role: "note" });
  const slider = mlnbEl("input", { id: `${uid}-threshold`, type: "range", class: `${P}-range`, min: 0, max: 1, step: 0.01 });
  const thresholdOut = mlnbEl("output", { class: `${P}-out`, for: `${uid}-threshold` });
  const costInput = mlnbEl("input", {
    id: `${uid}-cost`,
    type: "number",
    class: `${P}-num short`,
    min: 0,
    step: "any",
    title: "cost of a false positive relative to a false negative",
  });
  const strategySelect = mlnbEl("select", { id: `${uid}-strategy`, class: `${P}-select` });
  for (const [k, v] of Object.entries(STRATEGY_NAMES)) strategySelect.append(mlnbEl("option", { value: k, text: v }));
  let sendPending = null;
  slider.addEventListener("input", () => {
    thresholdOut.textContent = Number(slider.value).toFixed(2);
    if (sendPending === null) {
      requestAnimationFrame(() => {
        save({ threshold: sendPending });
        sendPending = null;
      });
    }
    sendPending = Number(slider.value);
  });
  costInput.addEventListener("change", () => {
    const v = Number(costInput.value);
    if (Number.isFinite(v) && v > 0) save({ cost_ratio: v });
  });
  strategySelect.addEventListener("change", () => save({ strategy: strategySelect.value }));
  const thresholdField = mlnbEl(
    "span",
    { class: `${P}-field`, title: "one threshold for every group; moving it sets the thresholds by hand" },
    mlnbEl("label", { for: `${uid}-threshold`, text: "Threshold" }),
    slider,
    thresholdOut,
  );
  const perfControls = mlnbEl(
    "div",
    { class: `${P}-controls` },
    thresholdField,
    mlnbEl(
      "span",
      { class: `${P}-field` },
      mlnbEl("label", { for: `${uid}-cost`, text: "Cost ratio (FP/FN)" }),
      costInput,
    ),
    mlnbEl(
      "span",
      { class: `${P}-field` },
      mlnbEl("label", { for: `${uid}-strategy`, text: "Thresholds" }),
      strategySelect,
    ),
  );
  const perfNote = mlnbEl("div", { class: `${P}-sample` });
  const perfRow = mlnbEl("div", { class: `${P}-row` });
  const groupBox = mlnbEl("div", { class: `${P}-card ${P}-groups` });
  const compareBox = mlnbEl("div", { class: `${P}-card ${P}-comparebox` });
  const perfBody = mlnbEl("div", {}, perfControls, perfNote, compareBox, perfRow, groupBox);
  panels.performance.append(perfMissing, perfBody);

  function confusion(op, pos, modelName = null) {
    const cell = (v, name, ok) =>
      mlnbEl(
        "td",
        { class: ok ? "ok" : "bad", "aria-label": `${name}: ${mlnbCount(v)}` },
        mlnbEl("span", { class: `${P}-count`, text: mlnbCount(v) }),
        mlnbEl("span", { class: `${P}-cellname`, text: name }),
      );
    const table = mlnbEl(
      "table",
      { class: `${P}-cm` },
      mlnbEl("caption", {
        text:
          `Confusion matrix${modelName ? ` of ${modelName}` : ""} ` +
          (mlnbIsNum(op.threshold) ? `at threshold ${fixed(op.threshold, 2)}` : "at the per-group thresholds"),
      }),
      mlnbEl(
        "thead",
        {},
        mlnbEl(
          "tr",
          {},
          mlnbEl("td", {}),
          mlnbEl("th", { scope: "col", text: `predicted not ${shorten(pos, 12)}` }),
          mlnbEl("th", { scope: "col", text: `predicted ${shorten(pos, 12)}` }),
        ),
      ),
      mlnbEl(
        "tbody",
        {},
        mlnbEl(
          "tr",
          {},
          mlnbEl("th", { scope: "row", text: `actual not ${shorten(pos, 12)}` }),
          cell(op.tn, "true negatives", true),
          cell(op.fp, "false positives", false),
        ),
        mlnbEl(
          "tr",
          {},
          mlnbEl("th", { scope: "row", text: `actual ${shorten(pos, 12)}` }),
          cell(op.fn, "false negatives", false),
          cell(op.tp, "true positives", true),
        ),
      ),
    );
    const rates = mlnbEl("dl", { class: `${P}-rates` });
    for (const [k, v] of [
      ["accuracy", mlnbPct(op.accuracy)],
      ["precision", mlnbPct(op.precision)],
      ["recall", mlnbPct(op.recall)],
      ["F1", fixed(op.f1)],
      ["FPR", mlnbPct(op.fpr)],
    ]) {
      rates.append(mlnbEl("dt", { text: k }), mlnbEl("dd", { text: v }));
    }
    return [table, rates];
  }

  // ROC or precision-recall curve; with a compared model, both curves (each in its
  // model's colour, with its operating point) and a legend naming them.
  function curveChart(perf, which) {
    const ticks = [0, 0.25, 0.5, 0.75, 1];
    const roc = which === "roc";
    const names = modelNames(get("info"));
    const area = (p) => (roc ? p?.roc_auc : p?.average_precision);
    const areaName = roc ? "AUC" : "AP";
    const two = names && perf.compare?.curve;
    const f = mlnbChartFrame(`${P}-chart`, {
      xTickDy: X_TICK_DY,
      width: 250,
      height: 220,
      x: [0, 1],
      y: [0, 1],
      xTicks: [0, 0.5, 1].map((v) => [v, String(v)]),
      yTicks: ticks,
      title: two ? (roc ? "ROC" : "Precision–recall") : roc ? `ROC · AUC ${fixed(perf.roc_auc)}` : `Precision–recall · AP ${fixed(perf.average_precision)}`,
      xLabel: roc ? "false positive rate" : "recall",
      yLabel: roc ? "true positive rate" : "precision",
      label:
        (roc ? "ROC curve" : "Precision-recall curve") +
        (two
          ? ` of ${names[0]} (${roc ? "area" : "average precision"} ${fixed(area(perf))}) and ${names[1]} (${fixed(area(perf.compare))})`
          : `, ${roc ? "area" : "average precision"} ${fixed(area(perf))}`),
    });
    const pts = (c) => {
      const out = roc
        ? (c.fpr ?? []).map((x, i) => [x, c.recall[i]])
        : (c.recall ?? []).map((x, i) => [x, c.precision[i]]);
      if (roc) out.push([0, 0], [1, 1]);
      out.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
      return out;
    };
    if (roc) mlnbSvg("line", { class: "chance", x1: f.sx(0), y1: f.sy(0), x2: f.sx(1), y2: f.sy(1) }, f.plot);
    if (perf.compare?.curve) mlnbSvg("path", { class: "line compare", d: mlnbPath(pts(perf.compare.curve), f.sx, f.sy) }, f.plot);
    mlnbSvg("path", { class: `line pdp${two ? " a" : ""}`, d: mlnbPath(pts(perf.curve ?? {}), f.sx, f.sy) }, f.plot);
    const opAt = (op, cls, name) => {
      const x = roc ? op?.fpr : op?.recall;
      const y = roc ? op?.recall : op?.precision;
      if (!mlnbIsNum(x) || !mlnbIsNum(y)) return;
      const c = mlnbSvg("circle", { class: cls, cx: f.sx(x), cy: f.sy(y), r: 5 }, f.plot);
      mlnbSvg("title", {}, c, name ? `operating point of ${name}` : "operating point");
    };
    if (two) opAt(perf.compare_at, "op compare", names[1]);
    opAt(perf.overall, two ? "op a" : "op", two ? names[0] : null);
    if (!two) return f.root;
    const leg = mlnbEl(
      "div",
      { class: `${P}-legend ${P}-curvelegend` },
      lineKey("pdp a", `${shorten(names[0], 22)} · ${areaName} ${fixed(area(perf))}`, names[0]),
      lineKey("compare", `${shorten(names[1], 22)} · ${areaName} ${fixed(area(perf.compare))}`, names[1]),
    );
    return mlnbEl("div", {}, f.root, leg);
  }

  // A model's name after its colour's key, that may wrap where its words meet
  // (camelCase, _ and .) but never between the key and the first word.
  function keyedName(name, cls) {
    const parts = String(name).split(/(?<=[a-z0-9])(?=[A-Z])|(?<=[_.])/);
    const key = mlnbEl("span", { class: `${P}-linekey pdp ${cls}`, "aria-hidden": "true" });
    return [mlnbEl("span", { class: `${P}-nowrap` }, key, parts[0]), ...parts.slice(1).flatMap((p) => [mlnbEl("wbr"), p])];
  }

  // The metrics of both models side by side (at the same thresholds): a row per
  // model, under its colour's key.
  function compareTable(perf, names) {
    const cols = [
      ["accuracy", (p) => mlnbPct(p.at?.accuracy)],
      ["precision", (p) => mlnbPct(p.at?.precision)],
      ["recall", (p) => mlnbPct(p.at?.recall)],
      ["F1", (p) => fixed(p.at?.f1)],
      ["FPR", (p) => mlnbPct(p.at?.fpr)],
      ["ROC AUC", (p) => fixed(p.curves?.roc_auc)],
      ["AP", (p) => fixed(p.curves?.average_precision)],
    ];
    const models = [
      { name: names[0], cls: "a", at: perf.overall, curves: perf },
      { name: names[1], cls: "compare", at: perf.compare_at, curves: perf.compare },
    ];
    const at = perf.overall?.threshold;
    const title = mlnbIsNum(at) ? `Both models at threshold ${fixed(at, 2)}` : "Both models at the same per-group thresholds";
    const table = mlnbEl(
      "table",
      { class: `${P}-table ${P}-comparetable` },
      mlnbEl(
        "thead",
        {},
        mlnbEl("tr", {}, mlnbEl("th", { scope: "col", text: "model" }), cols.map(([h]) => mlnbEl("th", { scope: "col", text: h }))),
      ),
      mlnbEl(
        "tbody",
        {},
        models.map((m) =>
          mlnbEl(
            "tr",
            { class: `${P}-model-${m.cls}` },
            mlnbEl(
              "th",
              { scope: "row", title: m.name },
              keyedName(m.name, m.cls),
            ),
            cols.map(([, fn]) => mlnbEl("td", { text: fn(m) })),
          ),
        ),
      ),
    );
    return titledTable(title, table);
  }

  function refreshPerformance() {
    const perf = get("performance") ?? {};
    const info = get("info") ?? {};
    perfMissing.hidden = !!perf.available;
    perfBody.hidden = !perf.available;
    if (!perf.available) {
      perfMissing.textContent = perf.missing ?? "";
      return;
    }
    const t = get("threshold");
    if (document.activeElement !== slider) slider.value = String(t);
    thresholdOut.textContent = fixed(t, 2);
    if (document.activeElement !== costInput) costInput.value = String(get("cost_ratio"));
    strategySelect.value = get("strategy");
    // the slider is one threshold for all; per-group thresholds leave it aside
    thresholdField.classList.toggle("inactive", perf.overall_threshold === null);
    const groupsOk = (perf.groups ?? []).length >= 2;
    for (const o of strategySelect.options) {
      o.disabled = !groupsOk && !["manual", "single", "lowest_cost"].includes(o.value);
    }
    const notes = [];
    if (perf.group_note) notes.push(perf.group_note);
    if (perf.fair_error) notes.push(perf.fair_error);
    if (get("strategy") !== "manual" && !perf.fair_error) {
      let text = `thresholds chosen by ${STRATEGY_NAMES[get("strategy")]}`;
      if (perf.constraint && mlnbIsNum(perf.gap)) text += ` (gap in ${perf.constraint} ${fixed(perf.gap, 3)})`;
      notes.push(text);
    }
    perfNote.textContent = notes.join(" · ");
    const op = perf.overall ?? {};
    const names = modelNames(info);
    const [cmTable, rates] = confusion(op, perf.positive_label, names?.[0]);
    const cm = mlnbEl("div", { class: `${P}-card ${P}-cmbox` }, cmTable);
    // one model: its rates under the matrix; two: both models' metrics above
    const two = names && perf.compare_at;
    if (!two) cm.append(rates);
    compareBox.hidden = !two;
    compareBox.replaceChildren(...(two ? compareTable(perf, names) : []));
    perfRow.replaceChildren(
      cm,
      mlnbEl("div", { class: `${P}-card` }, curveChart(perf, "roc")),
      mlnbEl("div", { class: `${P}-card` }, curveChart(perf, "pr")),
    );
    groupBox.replaceChildren();
    const groups = perf.groups ?? [];
    groupBox.hidden = !groups.length;
    if (!groups.length) return;
    const cols = [
      ["threshold", (g) => fixed(g.threshold, 3)],
      ["rows", (g) => mlnbCount(g.n)],
      ["positive rate", (g) => mlnbPct(g.positive_rate)],
      ["recall (TPR)", (g) => mlnbPct(g.recall)],
      ["FPR", (g) => mlnbPct(g.fpr)],
      ["precision", (g) => mlnbPct(g.precision)],
      ["accuracy", (g) => mlnbPct(g.accuracy)],
    ];
    const table = mlnbEl(
      "table",
      { class: `${P}-table` },
      mlnbEl(
        "thead",
        {},
        mlnbEl("tr", {}, mlnbEl("th", { scope: "col", text: "group" }), cols.map(([h]) => mlnbEl("th", { scope: "col", text: h }))),
      ),
      mlnbEl(
        "tbody",
        {},
        groups.map((g) =>
          mlnbEl(
            "tr",
            {},
            mlnbEl("th", { scope: "row", text: shorten(g.group, 30), title: g.group }),
            cols.map(([, fn]) => mlnbEl("td", { text: fn(g) })),
          ),
        ),
      ),
    );
    groupBox.append(...titledTable(`Per group of ${info.sensitive_name ?? "the sensitive feature"}`, table));
  }

  // -- attributions ----------------------------------------------------------------
  const attrBox = mlnbEl("div", { class: `${P}-card` });
  panels.attributions.append(attrBox);

  function attributionBars(a, max = 30) {
    const out = mlnbEl("div", {});
    if (a.row === undefined) {
      out.append(mlnbEl("div", { class: `${P}-empty`, text: "No point selected: click a point in the Datapoints tab." }));
      return out;
    }
    if (a.error) {
      out.append(mlnbEl("div", { class: `${P}-error`, text: a.error }));
      return out;
    }
    if (a.pending) {
      out.append(mlnbEl("div", { class: `${P}-empty`, text: "Computing attributions…" }));
      return out;
    }
    const bars = (a.bars ?? []).slice(0, max);
    const top = Math.max(1e-12, ...bars.map((b) => Math.abs(b.value)));
    out.append(
      mlnbEl("div", {
        class: `${P}-faint`,
        text:
          `Row ${a.row}${a.method ? `, ${a.method}` : ""}${a.output ? ` of the ${a.output}` : ""}` +
          `${mlnbIsNum(a.output_value) ? `: ${mlnbSig(a.output_value, 4)}` : ""}` +
          `${mlnbIsNum(a.baseline) ? ` = baseline ${mlnbSig(a.baseline, 4)} + the bars` : ""}`,
      }),
    );
    const list = mlnbEl("div", { class: `${P}-bars`, role: "list" });
    for (const b of bars) {
      const share = (Math.abs(b.value) / top) * 50;
      list.append(
        mlnbEl(
          "div",
          { class: `${P}-barrow`, role: "listitem", "aria-label": `${b.feature}: ${mlnbSig(b.value, 3)}` },
          mlnbEl("span", { class: `${P}-barname`, text: shorten(b.feature, 24), title: b.feature }),
          mlnbEl(
            "span",
            { class: `${P}-bartrack` },
            mlnbEl("span", {
              class: `${P}-bar ${b.value >= 0 ? "pos" : "neg"}`,
              style: b.value >= 0 ? `left:50%;width:${share}%` : `left:${50 - share}%;width:${share}%`,
            }),
          ),
          mlnbEl("span", { class: `${P}-barval`, text: mlnbSig(b.value, 3) }),
        ),
      );
    }
    out.append(list);
    if ((a.n_features ?? 0) > bars.length) {
      out.append(mlnbEl("div", { class: `${P}-faint`, text: `… ${a.n_features - bars.length} more features` }));
    }
    return out;
  }

  function refreshAttributions() {
    const a = get("attributions") ?? {};
    // with two models, the attributions are the first one's: say whose
    const names = modelNames(get("info"));
    const of = names ? ` of ${names[0]}` : "";
    attrBox.replaceChildren(mlnbEl("div", { class: `${P}-strong`, text: `Feature attributions${of}` }), attributionBars(a));
    attrSide.replaceChildren(mlnbEl("div", { class: `${P}-strong`, text: `Attributions${of}` }), attributionBars(a, 8));
  }

  // -- wiring ----------------------------------------------------------------------
  const schedule = mlnbScheduler((parts) => {
    if (parts.has("head")) refreshHead();
    if (parts.has("tabs")) refreshTabs();
    if (parts.has("progress")) refreshProgress();
    if (parts.has("error")) mlnbShowText(errorBox, get("error") ?? "");
    if (parts.has("axes")) refreshAxisSelects();
    if (parts.has("scatter")) {
      sampleLine.textContent = get("sample")?.text ?? "";
      drawScatter();
    }
    if (parts.has("row")) {
      refreshPointCard();
      refreshEditor();
    }
    if (parts.has("history")) refreshHistory();
    if (parts.has("cf")) refreshCounterfactual();
    if (parts.has("pdp")) refreshPdp();
    if (parts.has("perf")) refreshPerformance();
    if (parts.has("attr")) refreshAttributions();
  });
  const all = ["head", "tabs", "progress", "error", "axes", "scatter", "row", "history", "cf", "pdp", "perf", "attr"];
  const unlisten = mlnbListen(
    model,
    [
      ["change:status change:summary change:info change:sample", ["head"]],
      ["change:tab", ["tabs", "scatter", "pdp", "perf"]],
      ["change:progress", ["progress"]],
      ["change:error", ["error"]],
      ["change:axis_options change:x_axis change:y_axis change:color_by change:facet_by", ["axes", "scatter"]],
      ["change:points change:selected change:sample", ["scatter"]],
      ["change:row", ["row", "pdp"]],
      ["change:history", ["history"]],
      ["change:counterfactual change:cf_distance", ["cf"]],
      ["change:pdp change:pdp_feature", ["pdp"]],
      ["change:performance change:threshold change:cost_ratio change:strategy", ["perf"]],
      ["change:attributions", ["attr"]],
    ],
    schedule,
  );
  // charts follow their boxes' widths; the canvas follows the theme
  const resizer = mlnbWatchWidths([canvasBox, pdpBox], () => {
    schedule("scatter");
    schedule("pdp");
  });
  const themeWatch =
    typeof MutationObserver === "undefined"
      ? null
      : new MutationObserver(() => schedule("scatter"));
  themeWatch?.observe(document.body, { attributes: true, attributeFilter: ["data-jp-theme-name", "data-jp-theme-light"] });
  for (const part of all) schedule(part);
  refreshHead();
  refreshTabs();

  return () => {
    unlisten();
    resizer?.disconnect();
    themeWatch?.disconnect();
  };
}

export default { render };
