// ImbalanceExplorer view (anywidget ESM).
//
// Renders the widget's traits and writes the input traits (threshold, targets, cost
// ratio, objective); every number comes from Python. No external libraries and no
// markup strings: labels can be arbitrary strings, so all text goes through
// textContent and elements are built with createElement.

const SVG_NS = "http://www.w3.org/2000/svg";
const STATUS_COLORS = {
  pass: "#2e7d32",
  info: "#1565c0",
  warn: "#b26a00",
  fail: "#c62828",
};
const OBJECTIVE_ORDER = ["auc_pr", "auc_roc", "log_loss"];
const SHORT_NAMES = { auc_pr: "AUC-PR", auc_roc: "AUC-ROC", log_loss: "Log loss" };
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
const pct = (x, digits = 1) => (isNum(x) ? `${(100 * x).toFixed(digits)}%` : "–");
const fixed = (x, digits = 3) => (isNum(x) ? x.toFixed(digits) : "–");

function sig(x, precision = 4) {
  if (!isNum(x)) return "–";
  if (x !== 0 && (Math.abs(x) >= 1e6 || Math.abs(x) < 1e-3)) {
    return x.toExponential(precision - 1);
  }
  return String(Number(x.toPrecision(precision)));
}

function count(x) {
  if (!isNum(x)) return "–";
  return Number.isInteger(x) ? intFmt.format(x) : sig(x, 4);
}

function shorten(text, max) {
  const s = String(text);
  return s.length <= max ? s : `${s.slice(0, Math.max(1, max - 1))}…`;
}

function badge(status, prefix = "") {
  const s = String(status || "info");
  return el("span", {
    class: "mlnb-ie-badge",
    style: `background:${STATUS_COLORS[s] || "#616161"}`,
    text: `${prefix}${s.toUpperCase()}`,
  });
}

// -- charts (inline SVG) -----------------------------------------------------------
function frame(opts) {
  const width = opts.width ?? 260;
  const height = opts.height ?? 200;
  const m = { top: 26, right: 12, bottom: 38, left: 44, ...(opts.margin || {}) };
  const [x0, x1] = opts.x ?? [0, 1];
  const [y0, y1] = opts.y ?? [0, 1];
  const pw = width - m.left - m.right;
  const ph = height - m.top - m.bottom;
  const sx = (v) => m.left + ((v - x0) / (x1 - x0 || 1)) * pw;
  const sy = (v) => m.top + ph - ((v - y0) / (y1 - y0 || 1)) * ph;
  const root = svg("svg", {
    class: "mlnb-ie-chart",
    viewBox: `0 0 ${width} ${height}`,
    width,
    height,
    role: "img",
    "aria-label": opts.label,
  });
  if (opts.title) svg("text", { class: "title", x: 4, y: 14 }, root, opts.title);
  const axes = svg("g", { class: "axes" }, root);
  const fmtX = opts.xFmt ?? ((v) => String(v));
  const fmtY = opts.yFmt ?? ((v) => String(v));
  for (const v of opts.yTicks ?? []) {
    svg("line", { class: "grid", x1: m.left, x2: m.left + pw, y1: sy(v), y2: sy(v) }, axes);
    svg(
      "text",
      { class: "tick", x: m.left - 5, y: sy(v) + 3.5, "text-anchor": "end" },
      axes,
      fmtY(v),
    );
  }
  for (const v of opts.xTicks ?? []) {
    svg(
      "text",
      { class: "tick", x: sx(v), y: m.top + ph + 13, "text-anchor": "middle" },
      axes,
      fmtX(v),
    );
  }
  svg("line", { class: "axis", x1: m.left, x2: m.left + pw, y1: m.top + ph, y2: m.top + ph }, axes);
  svg("line", { class: "axis", x1: m.left, x2: m.left, y1: m.top, y2: m.top + ph }, axes);
  if (opts.xLabel) {
    svg(
      "text",
      { class: "axis-label", x: m.left + pw / 2, y: height - 6, "text-anchor": "middle" },
      axes,
      opts.xLabel,
    );
  }
  if (opts.yLabel) {
    const y = m.top + ph / 2;
    svg(
      "text",
      {
        class: "axis-label",
        x: 11,
        y,
        "text-anchor": "middle",
        transform: `rotate(-90 11 ${y})`,
      },
      axes,
      opts.yLabel,
    );
  }
  const plot = svg("g", { class: "plot" }, root);
  return { root, plot, sx, sy, pw, ph, m, width, height };
}

function pathOf(points, sx, sy) {
  return points
    .map(([x, y], i) => `${i ? "L" : "M"}${sx(x).toFixed(1)},${sy(y).toFixed(1)}`)
    .join("");
}

function marker(f, x, y, text) {
  if (!isNum(x) || !isNum(y)) return;
  const c = svg("circle", { class: "op", cx: f.sx(x), cy: f.sy(y), r: 5 }, f.plot);
  svg("title", {}, c, text);
}

function distributionChart(ds) {
  const classes = ds.classes ?? [];
  const n = classes.length;
  const trap = ds.majority_accuracy;
  const described = classes
    .slice(0, 12)
    .map((c) => `${c.label}: ${pct(c.share)}`)
    .join(", ");
  const f = frame({
    width: 270,
    height: 210,
    y: [0, 1.12],
    yTicks: [0, 0.25, 0.5, 0.75, 1],
    yFmt: (v) => pct(v, 0),
    title: "Class distribution",
    yLabel: "share of rows",
    margin: { bottom: n > 6 ? 30 : 38 },
    label:
      `Class distribution: ${described}${n > 12 ? ", …" : ""}. Always predicting ` +
      `${ds.majority_label} gives ${pct(trap)} accuracy (the accuracy trap).`,
  });
  const band = f.pw / Math.max(n, 1);
  const barWidth = Math.min(60, band * 0.72);
  const showText = n <= 8;
  classes.forEach((c, i) => {
    const cx = f.m.left + band * (i + 0.5);
    const top = f.sy(c.share);
    const base = f.sy(0);
    const cls = c.minority ? "bar minority" : c.majority ? "bar majority" : "bar";
    const rect = svg(
      "rect",
      { class: cls, x: cx - barWidth / 2, y: top, width: barWidth, height: Math.max(base - top, 1) },
      f.plot,
    );
    svg("title", {}, rect, `${c.label}: ${count(c.count)} rows (${pct(c.share)})`);
    if (showText) {
      const inside = base - top > 34;
      svg(
        "text",
        {
          class: inside ? "bar-value inside" : "bar-value",
          x: cx,
          y: inside ? top + 26 : top - 4,
          "text-anchor": "middle",
        },
        f.plot,
        pct(c.share),
      );
      svg(
        "text",
        { class: "bar-count", x: cx, y: inside ? top + 38 : top - 16, "text-anchor": "middle" },
        f.plot,
        inside ? count(c.count) : "",
      );
      const maxChars = Math.max(3, Math.floor(band / 6.2));
      const tick = svg(
        "text",
        { class: "tick", x: cx, y: base + 13, "text-anchor": "middle" },
        f.plot,
        shorten(c.label, maxChars),
      );
      svg("title", {}, tick, c.label);
      if (!inside) {
        // the small bar's row count goes under its label
        svg(
          "text",
          { class: "tick faint", x: cx, y: base + 25, "text-anchor": "middle" },
          f.plot,
          `${count(c.count)} rows`,
        );
      }
    }
  });
  if (isNum(trap)) {
    const y = f.sy(trap);
    svg("line", { class: "trap", x1: f.m.left, x2: f.m.left + f.pw, y1: y, y2: y }, f.plot);
    svg(
      "text",
      { class: "trap-label", x: f.m.left + f.pw, y: y - 5, "text-anchor": "end" },
      f.plot,
      `accuracy trap ${pct(trap)}`,
    );
  }
  return f.root;
}

function rocChart(curve, ms, op) {
  const ticks = [0, 0.25, 0.5, 0.75, 1];
  const f = frame({
    title: `ROC · AUC ${fixed(ms.roc_auc)}`,
    xLabel: "false positive rate",
    yLabel: "recall (true positive rate)",
    xTicks: [0, 0.5, 1],
    yTicks: ticks,
    label:
      `ROC curve, area ${fixed(ms.roc_auc)}; operating point at false positive ` +
      `rate ${pct(op.fpr)} and recall ${pct(op.recall)}`,
  });
  svg("line", { class: "chance", x1: f.sx(0), y1: f.sy(0), x2: f.sx(1), y2: f.sy(1) }, f.plot);
  const pts = (curve.fpr ?? []).map((x, i) => [x, curve.recall[i]]);
  pts.push([0, 0]);
  pts.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  svg("path", { class: "curve", d: pathOf(pts, f.sx, f.sy) }, f.plot);
  marker(f, op.fpr, op.recall, `threshold ${sig(op.threshold)}: FPR ${pct(op.fpr)}, recall ${pct(op.recall)}`);
  return f.root;
}

function prChart(curve, ms, op) {
  const f = frame({
    title: `Precision–recall · AUC-PR ${fixed(ms.average_precision)}`,
    xLabel: "recall",
    yLabel: "precision",
    xTicks: [0, 0.5, 1],
    yTicks: [0, 0.25, 0.5, 0.75, 1],
    label:
      `Precision-recall curve, average precision ${fixed(ms.average_precision)}, no-skill ` +
      `level ${fixed(ms.prevalence)}; operating point at recall ${pct(op.recall)} and ` +
      `precision ${pct(op.precision)}`,
  });
  if (isNum(ms.prevalence)) {
    const y = f.sy(ms.prevalence);
    svg("line", { class: "chance", x1: f.sx(0), x2: f.sx(1), y1: y, y2: y }, f.plot);
    svg(
      "text",
      { class: "note", x: f.sx(1), y: y - 4, "text-anchor": "end" },
      f.plot,
      `no skill ${pct(ms.prevalence)}`,
    );
  }
  const recall = curve.recall ?? [];
  const pts = [];
  for (let i = recall.length - 1; i >= 0; i -= 1) pts.push([recall[i], curve.precision[i]]);
  svg("path", { class: "curve", d: pathOf(pts, f.sx, f.sy) }, f.plot);
  marker(
    f,
    op.recall,
    op.precision,
    `threshold ${sig(op.threshold)}: recall ${pct(op.recall)}, precision ${pct(op.precision)}`,
  );
  return f.root;
}

// The histogram sits under the threshold slider: its plot area spans the slider's
// track (HIST_LEFT .. width - HIST_RIGHT), so the threshold line is under the thumb.
const HIST_LEFT = 52;
const HIST_RIGHT = 20;

function histogramChart(hist, ms, threshold, lo, hi, width) {
  const edges = hist.edges ?? [];
  const shares = (values) => {
    const total = values.reduce((a, b) => a + b, 0) || 1;
    return values.map((v) => v / total);
  };
  const pos = shares(hist.positive ?? []);
  const neg = shares(hist.negative ?? []);
  const top = Math.max(0.01, ...pos, ...neg) * 1.12;
  const x0 = edges.length ? edges[0] : lo;
  const x1 = edges.length ? edges[edges.length - 1] : hi;
  const mid = (x0 + x1) / 2;
  const f = frame({
    width,
    height: 150,
    margin: { top: 32, left: HIST_LEFT, right: HIST_RIGHT, bottom: 34 },
    x: [x0, x1],
    y: [0, top],
    xTicks: [x0, mid, x1],
    xFmt: (v) => sig(v, 3),
    yTicks: [0, top / 2.24, top / 1.12].map((v) => Number(v.toPrecision(2))),
    yFmt: (v) => pct(v, 0),
    title: "Scores by class",
    xLabel: `model score (score ≥ threshold predicts ${ms.positive_label})`,
    yLabel: "share of class",
    label:
      `Histogram of scores for ${ms.negative_label} and ${ms.positive_label}, each as a ` +
      `share of its class, with the threshold at ${sig(threshold)}`,
  });
  const area = (values, cls) => {
    let d = `M${f.sx(edges[0]).toFixed(1)},${f.sy(0).toFixed(1)}`;
    values.forEach((v, i) => {
      d += `L${f.sx(edges[i]).toFixed(1)},${f.sy(v).toFixed(1)}`;
      d += `L${f.sx(edges[i + 1]).toFixed(1)},${f.sy(v).toFixed(1)}`;
    });
    d += `L${f.sx(edges[edges.length - 1]).toFixed(1)},${f.sy(0).toFixed(1)}Z`;
    svg("path", { class: cls, d }, f.plot);
  };
  if (edges.length > 1) {
    area(neg, "hist negative");
    area(pos, "hist positive");
  }
  if (isNum(threshold)) {
    const x = f.sx(Math.min(Math.max(threshold, x0), x1));
    svg("line", { class: "thr", x1: x, x2: x, y1: f.m.top - 8, y2: f.m.top + f.ph }, f.plot);
    svg(
      "text",
      {
        class: "thr-label",
        x: x + (x > f.m.left + f.pw * 0.75 ? -4 : 4),
        y: f.m.top + 2,
        "text-anchor": x > f.m.left + f.pw * 0.75 ? "end" : "start",
      },
      f.plot,
      `threshold ${sig(threshold)}`,
    );
  }
  // legend, top right
  const legend = svg("g", { class: "legend" }, f.root);
  const items = [
    ["negative", `actual ${ms.negative_label}`],
    ["positive", `actual ${ms.positive_label}`],
  ];
  let lx = f.width - f.m.right;
  for (const [cls, name] of items.reverse()) {
    const text = shorten(name, 18);
    const w = 14 + text.length * 6.2;
    lx -= w + 8;
    svg("rect", { class: `hist ${cls}`, x: lx, y: 6, width: 10, height: 10 }, legend);
    svg("text", { class: "tick", x: lx + 14, y: 15 }, legend, text);
  }
  return f.root;
}

// -- the view ------------------------------------------------------------------------
function render({ model, el: host }) {
  widgetCount += 1;
  const uid = `mlnb-ie-${widgetCount}-${Math.random().toString(36).slice(2, 8)}`;
  const get = (name) => model.get(name);
  const save = (changes) => {
    for (const [k, v] of Object.entries(changes)) model.set(k, v);
    model.save_changes();
  };

  const root = el("div", { class: "mlnb-ie", role: "group", "aria-label": "Imbalance explorer" });
  const head = el("div", { class: "mlnb-ie-head" });
  const banner = el("div", { class: "mlnb-ie-banner", role: "status" });
  const dataRow = el("div", { class: "mlnb-ie-row" });
  const modelBox = el("div", { class: "mlnb-ie-model" });
  const remedies = el("div", { class: "mlnb-ie-remedies" });

  // objective selector (persistent element so it keeps focus)
  const objectiveSelect = el("select", { id: `${uid}-objective`, class: "mlnb-ie-select" });
  const objectiveNote = el("p", { class: "mlnb-ie-note", "aria-live": "polite" });
  objectiveSelect.addEventListener("change", () => save({ objective: objectiveSelect.value }));

  // threshold controls (persistent)
  const slider = el("input", {
    id: `${uid}-threshold`,
    type: "range",
    class: "mlnb-ie-range",
    "aria-describedby": `${uid}-source`,
  });
  const thresholdNumber = el("input", {
    type: "number",
    class: "mlnb-ie-num",
    step: "any",
    "aria-label": "threshold value",
  });
  const recallInput = el("input", {
    id: `${uid}-recall`,
    type: "number",
    class: "mlnb-ie-num",
    min: 0,
    max: 1,
    step: 0.01,
    placeholder: "e.g. 0.8",
  });
  const precisionInput = el("input", {
    id: `${uid}-precision`,
    type: "number",
    class: "mlnb-ie-num",
    min: 0,
    max: 1,
    step: 0.01,
    placeholder: "e.g. 0.5",
  });
  const costInput = el("input", {
    id: `${uid}-cost`,
    type: "number",
    class: "mlnb-ie-num",
    min: 0,
    step: "any",
    value: 10,
    title: "how many false alarms one missed positive is worth",
  });
  const bestButton = el("button", {
    type: "button",
    class: "mlnb-ie-button",
    text: "Best threshold",
    "aria-label": "Move the threshold to the lowest expected cost for this cost ratio",
  });
  const source = el("div", { id: `${uid}-source`, class: "mlnb-ie-source" });
  const errorBox = el("div", { class: "mlnb-ie-error", role: "alert" });

  const parse = (text) => {
    if (String(text).trim() === "") return null;
    const v = Number(text);
    return Number.isFinite(v) ? v : null;
  };

  let localThreshold = null; // the slider's value while the user drags it
  let pendingThreshold = null;
  let sendScheduled = false;
  const sendThreshold = (value) => {
    pendingThreshold = value;
    if (sendScheduled) return;
    sendScheduled = true;
    requestAnimationFrame(() => {
      sendScheduled = false;
      if (pendingThreshold !== null) save({ threshold: pendingThreshold });
      pendingThreshold = null;
    });
  };
  slider.addEventListener("input", () => {
    const v = Number(slider.value);
    thresholdNumber.value = sig(v, 4);
    slider.setAttribute("aria-valuetext", sig(v, 4));
    localThreshold = v;
    sendThreshold(v);
    refreshModel();
  });
  thresholdNumber.addEventListener("change", () => {
    const v = parse(thresholdNumber.value);
    if (v !== null) save({ threshold: v });
  });
  const applyRecall = () => save({ target_recall: parse(recallInput.value) });
  const applyPrecision = () => save({ target_precision: parse(precisionInput.value) });
  const applyCost = () => save({ cost_ratio: parse(costInput.value) });
  recallInput.addEventListener("change", applyRecall);
  precisionInput.addEventListener("change", applyPrecision);
  bestButton.addEventListener("click", applyCost);
  const onEnter = (input, apply) =>
    input.addEventListener("keydown", (e) => {
      if (e.key === "Enter") apply();
    });
  onEnter(recallInput, applyRecall);
  onEnter(precisionInput, applyPrecision);
  onEnter(costInput, applyCost);
  onEnter(thresholdNumber, () => {
    const v = parse(thresholdNumber.value);
    if (v !== null) save({ threshold: v });
  });

  const histBox = el("div", { class: "mlnb-ie-hist" });
  const controls = el(
    "div",
    { class: "mlnb-ie-card mlnb-ie-controls" },
    el(
      "div",
      { class: "mlnb-ie-line" },
      el("label", { for: `${uid}-threshold`, class: "mlnb-ie-strong", text: "Threshold" }),
      thresholdNumber,
      source,
    ),
    el("div", { class: "mlnb-ie-track", style: `margin: 0 ${HIST_RIGHT - 8}px 0 ${HIST_LEFT - 8}px` }, slider),
    histBox,
    el(
      "div",
      { class: "mlnb-ie-line wrap" },
      el(
        "span",
        { class: "mlnb-ie-pair" },
        el("label", { for: `${uid}-recall`, text: "Target recall" }),
        recallInput,
      ),
      el(
        "span",
        { class: "mlnb-ie-pair" },
        el("label", { for: `${uid}-precision`, text: "Target precision" }),
        precisionInput,
      ),
      el(
        "span",
        { class: "mlnb-ie-pair" },
        el("label", { for: `${uid}-cost`, text: "A missed positive costs" }),
        costInput,
        el("span", { text: "false alarms" }),
      ),
      bestButton,
    ),
    errorBox,
  );
  const cmBox = el("div", { class: "mlnb-ie-card mlnb-ie-cm" });
  const rocBox = el("div", { class: "mlnb-ie-card mlnb-ie-chartbox" });
  const prBox = el("div", { class: "mlnb-ie-card mlnb-ie-chartbox" });
  const objectiveBox = el("div", { class: "mlnb-ie-card mlnb-ie-objective" });
  modelBox.append(controls, el("div", { class: "mlnb-ie-row" }, cmBox, rocBox, prBox));
  root.append(head, banner, dataRow, modelBox, remedies);
  // Keys typed into the widget belong to it: the notebook's shortcuts (Enter, A, B,
  // digits, ...) must not act on them, as with ipywidgets' own inputs.
  const keepKeys = (e) => e.stopPropagation();
  root.addEventListener("keydown", keepKeys);
  root.addEventListener("keypress", keepKeys);
  host.append(root);

  function refreshHead() {
    const ds = get("data_summary") ?? {};
    const ms = get("model_summary") ?? {};
    const hasModel = get("has_model");
    const bits = [];
    if (ds.label_name) bits.push(`label ${ds.label_name}`);
    if (isNum(ds.n_samples)) bits.push(`${count(ds.n_samples)} rows`);
    if (ds.positive_label !== null && ds.positive_label !== undefined) {
      bits.push(`positive class ${ds.positive_label}`);
    }
    head.replaceChildren(
      el(
        "div",
        { class: "mlnb-ie-title" },
        el("strong", { text: "Imbalance explorer" }),
        el("span", { class: "mlnb-ie-faint", text: bits.join(" · ") }),
        el(
          "span",
          { class: "mlnb-ie-badges" },
          badge(ds.status, "data "),
          hasModel ? badge(ms.status, "model ") : null,
        ),
      ),
      ...[
        el("div", { class: "mlnb-ie-summary", text: `Data: ${ds.summary ?? ""}` }),
        hasModel ? el("div", { class: "mlnb-ie-summary", text: `Model: ${ms.summary ?? ""}` }) : null,
      ].filter(Boolean),
    );
    const trap = ds.trap ?? "";
    banner.replaceChildren();
    banner.hidden = !trap;
    banner.className = `mlnb-ie-banner ${ds.status === "fail" ? "fail" : "warn"}`;
    if (trap) {
      banner.append(el("span", { class: "mlnb-ie-icon", "aria-hidden": "true", text: "⚠" }), trap);
    }
  }

  function refreshData() {
    const ds = get("data_summary") ?? {};
    const classes = ds.classes ?? [];
    const shown = classes.slice(0, 8);
    const table = el(
      "table",
      { class: "mlnb-ie-table" },
      el(
        "caption",
        { text: "Classes and balanced weights" },
      ),
      el(
        "thead",
        {},
        el("tr", {}, ["class", "rows", "share", "weight"].map((h) => el("th", { scope: "col", text: h }))),
      ),
      el(
        "tbody",
        {},
        shown.map((c) =>
          el(
            "tr",
            {},
            el("th", { scope: "row", text: shorten(c.label, 24), title: c.label }),
            el("td", { text: count(c.count) }),
            el("td", { text: pct(c.share) }),
            el("td", { text: sig(c.class_weight, 3) }),
          ),
        ),
        classes.length > shown.length
          ? el("tr", {}, el("td", { colspan: 4, text: `… ${classes.length - shown.length} more classes` }))
          : null,
      ),
    );
    const facts = el("dl", { class: "mlnb-ie-facts" });
    const fact = (k, v) => facts.append(el("dt", { text: k }), el("dd", { text: v }));
    if (isNum(ds.imbalance_ratio)) fact("majority : minority", `${sig(ds.imbalance_ratio, 4)} : 1`);
    if (ds.degree) fact("imbalance", ds.degree);
    if (isNum(ds.initial_bias)) {
      fact("initial output bias", fixed(ds.initial_bias, 4));
      fact("initial loss", `${fixed(ds.initial_loss, 3)} (not ${fixed(ds.naive_initial_loss, 3)})`);
    }
    const dataCard = el("div", { class: "mlnb-ie-card mlnb-ie-data" }, table, facts);
    dataRow.replaceChildren(
      el("div", { class: "mlnb-ie-card mlnb-ie-chartbox" }, distributionChart(ds)),
      dataCard,
      objectiveBox,
    );

    const items = [...(ds.remedies ?? [])];
    if (ds.objective_reason) items.unshift(`Objective: ${ds.objective_reason}`);
    const details = el(
      "details",
      { class: "mlnb-ie-card", open: !get("has_model") },
      el("summary", { text: `What to do (${items.length})` }),
      el("ul", {}, items.map((r) => el("li", { text: r }))),
    );
    const wasOpen = remedies.querySelector("details")?.open;
    if (wasOpen !== undefined) details.open = wasOpen;
    remedies.replaceChildren(details);
  }

  const objectiveModelLine = el("p", { class: "mlnb-ie-note strong" });
  objectiveBox.append(
    el("label", { for: `${uid}-objective`, class: "mlnb-ie-strong", text: "Objective to optimise" }),
    objectiveSelect,
    objectiveNote,
    objectiveModelLine,
  );

  function refreshObjective() {
    const ds = get("data_summary") ?? {};
    const objectives = ds.objectives ?? {};
    const current = get("objective");
    const stamp = JSON.stringify(OBJECTIVE_ORDER.map((k) => objectives[k]?.fits));
    if (objectiveSelect.dataset.stamp !== stamp) {
      objectiveSelect.replaceChildren(
        ...OBJECTIVE_ORDER.filter((k) => objectives[k]).map((k) =>
          el("option", {
            value: k,
            text: `${SHORT_NAMES[k] ?? objectives[k].name}${objectives[k].fits ? " (recommended)" : ""}`,
          }),
        ),
      );
      objectiveSelect.dataset.stamp = stamp;
    }
    if (objectiveSelect.value !== current) objectiveSelect.value = current;
    const chosen = objectives[current] ?? {};
    objectiveNote.replaceChildren(
      el("span", {
        class: chosen.fits ? "mlnb-ie-fits" : "mlnb-ie-nofit",
        "aria-hidden": "true",
        text: chosen.fits ? "✓ " : "✗ ",
      }),
      `${chosen.explanation ?? ""} ${chosen.verdict ?? ""}`,
    );
    const ms = get("model_summary") ?? {};
    let text = "";
    if (get("has_model")) {
      if (current === "auc_pr") {
        text = `This model: AUC-PR ${fixed(ms.average_precision)} (no skill ${fixed(ms.prevalence)}).`;
      } else if (current === "auc_roc") {
        text = `This model: AUC-ROC ${fixed(ms.roc_auc)} (no skill 0.500).`;
      } else {
        text = isNum(ms.log_loss)
          ? `This model: log loss ${fixed(ms.log_loss, 4)} (the base rate alone: ${fixed(ds.initial_loss, 4)}).`
          : "This model: log loss n/a — the scores are not probabilities.";
      }
    }
    objectiveModelLine.textContent = text;
    objectiveModelLine.hidden = !text;
  }

  function syncControls() {
    const lo = get("threshold_min");
    const hi = get("threshold_max");
    slider.min = String(lo);
    slider.max = String(hi);
    slider.step = String((hi - lo) / 1000 || 0.001);
    const t = get("threshold");
    if (document.activeElement !== slider) slider.value = String(t);
    slider.setAttribute("aria-valuetext", sig(t, 4));
    if (document.activeElement !== thresholdNumber) thresholdNumber.value = sig(t, 4);
    const setIf = (input, value) => {
      if (document.activeElement === input) return;
      input.value = isNum(value) ? String(value) : "";
    };
    setIf(recallInput, get("target_recall"));
    setIf(precisionInput, get("target_precision"));
    const cost = get("cost_ratio");
    if (isNum(cost) && document.activeElement !== costInput) costInput.value = String(cost);
    const ms = get("model_summary") ?? {};
    const src = get("threshold_source");
    const says = {
      initial: "initial threshold",
      manual: "set by hand",
      recall: `best precision with recall ≥ ${sig(get("target_recall"), 4)}`,
      precision: `best recall with precision ≥ ${sig(get("target_precision"), 4)}`,
      cost: `lowest expected cost when a missed positive costs ${sig(cost, 4)}× a false alarm`,
    };
    source.textContent =
      `score ≥ ${sig(t, 4)} predicts ${ms.positive_label ?? "positive"} · ${says[src] ?? src}`;
    const err = get("error") ?? "";
    errorBox.textContent = err;
    errorBox.hidden = !err;
  }

  function confusion(op, ms) {
    const neg = String(ms.negative_label);
    const pos = String(ms.positive_label);
    const cell = (value, name, ok, actual, predicted) =>
      el(
        "td",
        {
          class: ok ? "ok" : "bad",
          "aria-label": `actual ${actual}, predicted ${predicted}: ${count(value)} ${name}`,
        },
        el("span", { class: "mlnb-ie-count", text: count(value) }),
        el("span", { class: "mlnb-ie-cellname", text: name }),
      );
    const table = el(
      "table",
      { class: "mlnb-ie-cmgrid" },
      el("caption", { text: `Confusion matrix at threshold ${sig(op.threshold, 4)}` }),
      el(
        "thead",
        {},
        el(
          "tr",
          {},
          el("td", {}),
          el("th", { scope: "col", text: `predicted ${shorten(neg, 16)}`, title: neg }),
          el("th", { scope: "col", text: `predicted ${shorten(pos, 16)}`, title: pos }),
        ),
      ),
      el(
        "tbody",
        {},
        el(
          "tr",
          {},
          el("th", { scope: "row", text: `actual ${shorten(neg, 16)}`, title: neg }),
          cell(op.tn, "true negatives", true, neg, neg),
          cell(op.fp, "false alarms", false, neg, pos),
        ),
        el(
          "tr",
          {},
          el("th", { scope: "row", text: `actual ${shorten(pos, 16)}`, title: pos }),
          cell(op.fn, "missed", false, pos, neg),
          cell(op.tp, "true positives", true, pos, pos),
        ),
      ),
    );
    const ds = get("data_summary") ?? {};
    const rates = el("dl", { class: "mlnb-ie-rates" });
    const rate = (name, value, hint) =>
      rates.append(el("dt", { text: name, title: hint }), el("dd", { text: value }));
    rate("precision", pct(op.precision), "share of flagged rows that are positive");
    rate("recall", pct(op.recall), "share of positives that are flagged");
    rate("F1", fixed(op.f1), "harmonic mean of precision and recall");
    rate("FPR", pct(op.fpr, 2), "false positive rate: share of negatives that are flagged");
    rate(
      "accuracy",
      `${pct(op.accuracy)} (trap ${pct(ds.majority_accuracy)})`,
      `accuracy hides a rare class: always predicting ${ds.majority_label ?? ""} scores ` +
        `${pct(ds.majority_accuracy)}`,
    );
    rate("flagged", pct(op.predicted_positive_rate, 2), "share of rows predicted positive");
    return [table, rates];
  }

  function refreshModel() {
    const hasModel = get("has_model");
    modelBox.hidden = !hasModel;
    if (!hasModel) return;
    const ms = get("model_summary") ?? {};
    const op = get("operating_point") ?? {};
    const curve = get("curve") ?? {};
    const threshold = localThreshold ?? get("threshold");
    cmBox.replaceChildren(...confusion(op, ms));
    rocBox.replaceChildren(rocChart(curve, ms, op));
    prBox.replaceChildren(prChart(curve, ms, op));
    const width = Math.max(300, Math.floor(histBox.clientWidth || 880));
    histBox.replaceChildren(
      histogramChart(
        get("histogram") ?? {},
        ms,
        threshold,
        get("threshold_min"),
        get("threshold_max"),
        width,
      ),
    );
  }

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
      if (parts.has("data")) refreshData();
      if (parts.has("data") || parts.has("objective")) refreshObjective();
      if (parts.has("model")) {
        localThreshold = null;
        refreshModel();
      }
      if (parts.has("controls")) syncControls();
    });
  }

  const listeners = [
    ["change:data_summary change:model_summary change:status change:summary change:has_model", ["head", "data", "model"]],
    ["change:objective", ["objective"]],
    ["change:operating_point change:curve change:histogram change:threshold", ["model", "controls"]],
    [
      "change:target_recall change:target_precision change:cost_ratio change:threshold_source " +
        "change:error change:threshold_min change:threshold_max",
      ["controls"],
    ],
  ];
  const callbacks = [];
  for (const [events, parts] of listeners) {
    for (const event of events.split(" ")) {
      const cb = () => parts.forEach(schedule);
      model.on(event, cb);
      callbacks.push([event, cb]);
    }
  }

  // The histogram is drawn at the card's width (so it lines up with the slider).
  let lastWidth = 0;
  const resizer =
    typeof ResizeObserver === "undefined"
      ? null
      : new ResizeObserver(() => {
          const w = Math.floor(histBox.clientWidth);
          if (w && w !== lastWidth) {
            lastWidth = w;
            schedule("model");
          }
        });
  resizer?.observe(histBox);

  refreshHead();
  refreshData();
  refreshObjective();
  refreshModel();
  syncControls();

  return () => {
    for (const [event, cb] of callbacks) model.off(event, cb);
    resizer?.disconnect();
  };
}

export default { render };
