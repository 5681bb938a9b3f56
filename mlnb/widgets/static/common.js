// Helpers every mlnb widget view shares (anywidget ESM).
//
// mlnb/widgets/assets.py puts this file in front of each widget's own file, so the two
// make one module: the names below are visible to the widget's code, and all carry the
// prefix "mlnb" / "MLNB_" so that no widget can define one of them again. No external
// libraries and no markup strings: labels can be arbitrary strings, so all text goes
// through textContent and elements are built with createElement / createElementNS.

const MLNB_SVG_NS = "http://www.w3.org/2000/svg";
const MLNB_STATUS_COLORS = {
  pass: "#2e7d32",
  info: "#1565c0",
  warn: "#b26a00",
  fail: "#c62828",
};

// -- DOM helpers -------------------------------------------------------------------
// An HTML element: props "class" and "text" set className and textContent, any other
// prop an attribute (skipped when undefined, null or false; true gives ""); children
// are nodes or strings (as text nodes), nested arrays flattened, empty ones skipped.
function mlnbEl(tag, props = {}, ...children) {
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

// An SVG element with the given attributes (undefined and null skipped), appended to
// parent when there is one, with text as its textContent when given.
function mlnbSvg(tag, attrs = {}, parent = null, text = null) {
  const node = document.createElementNS(MLNB_SVG_NS, tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value !== undefined && value !== null) node.setAttribute(key, String(value));
  }
  if (text !== null) node.textContent = String(text);
  if (parent) parent.append(node);
  return node;
}

// The <svg> root of a chart, drawn at width × height.
function mlnbSvgRoot(cls, width, height, label, role = "img") {
  return mlnbSvg("svg", {
    class: cls,
    viewBox: `0 0 ${width} ${height}`,
    width,
    height,
    role,
    "aria-label": label,
  });
}

// A status badge ("PASS", "WARN", ...; prefix goes in front) in the status's colour.
function mlnbBadge(cls, status, prefix = "") {
  const s = String(status || "info");
  return mlnbEl("span", {
    class: cls,
    style: `background:${MLNB_STATUS_COLORS[s] || "#616161"}`,
    text: `${prefix}${s.toUpperCase()}`,
  });
}

// The head of a widget (p: its class prefix): the title, the facts line, the
// badges, then one line per summary.
function mlnbHead(p, title, facts, badges, summaries, factsTitle = null) {
  return [
    mlnbEl(
      "div",
      { class: `${p}-title` },
      mlnbEl("strong", { text: title }),
      mlnbEl("span", { class: `${p}-faint`, text: facts.join(" · "), title: factsTitle }),
      mlnbEl("span", { class: `${p}-badges` }, badges),
    ),
    ...summaries.map((s) => mlnbEl("div", { class: `${p}-summary`, text: s })),
  ];
}

// Text in a box that is hidden while the text is empty (error lines, notes).
function mlnbShowText(node, text) {
  node.textContent = text;
  node.hidden = !text;
}

// -- number formatting -------------------------------------------------------------
const mlnbIsNum = (x) => typeof x === "number" && Number.isFinite(x);
const mlnbIntFmt = new Intl.NumberFormat("en-US", { maximumFractionDigits: 0 });
const mlnbPct = (x, digits = 1) => (mlnbIsNum(x) ? `${(100 * x).toFixed(digits)}%` : "–");

// precision significant digits; exponent notation for very large or small values
function mlnbSig(x, precision = 4) {
  if (!mlnbIsNum(x)) return "–";
  if (x !== 0 && (Math.abs(x) >= 1e6 || Math.abs(x) < 1e-3)) {
    return x.toExponential(precision - 1);
  }
  return String(Number(x.toPrecision(precision)));
}

// a metric or distance: three decimals
function mlnbNum(x) {
  if (!mlnbIsNum(x)) return "–";
  if (x !== 0 && (Math.abs(x) >= 1e5 || Math.abs(x) < 1e-3)) return x.toExponential(2);
  return x.toFixed(3);
}

// a row count (weighted counts keep four significant digits)
function mlnbCount(x) {
  if (!mlnbIsNum(x)) return "–";
  return Number.isInteger(x) ? mlnbIntFmt.format(x) : mlnbSig(x, 4);
}

// -- chart helpers -----------------------------------------------------------------
function mlnbNiceStep(span, target) {
  const raw = span / Math.max(target, 1);
  const mag = 10 ** Math.floor(Math.log10(raw));
  const f = raw / mag;
  return (f >= 5 ? 10 : f >= 2 ? 5 : f >= 1 ? 2 : 1) * mag;
}

// An axis range around [lo, hi] that starts and ends on round ticks (about target).
function mlnbNiceDomain(lo, hi, target) {
  if (!(hi > lo)) {
    lo -= 0.5;
    hi += 0.5;
  }
  const step = mlnbNiceStep(hi - lo, target);
  const a = Math.floor(lo / step + 1e-9) * step;
  const b = Math.ceil(hi / step - 1e-9) * step;
  const ticks = [];
  for (let v = a; v <= b + step / 2; v += step) ticks.push(Number(v.toPrecision(12)));
  return { lo: a, hi: b, ticks, step };
}

// An SVG chart with axes (cls: the <svg>'s class): a title at the top left, a grid
// line and a label per y tick, a label per x tick, the x and y axis lines, the axis
// titles, then an empty "plot" group to draw in. Options (all optional):
//   width, height      the chart's size in px (300 × 220)
//   margin             {top, right, bottom, left}, over {24, 12, 40, 48}
//   x, y               the domains [lo, hi] (both [0, 1])
//   xTicks             values, or [value, text] pairs; yTicks: values
//   xFmt, yFmt         a tick value's text (String)
//   xTickDy            the x tick labels' baseline below the x axis (13 px)
//   yLabelX            the rotated y title's centre from the left edge (11 px)
//   yAxis              draw the y axis line (true)
//   title, xLabel, yLabel, label (the aria-label)
// Returns {root, axes, plot, sx, sy, pw, ph, m, width, height}: sx and sy map data
// to px (linear over the domains).
function mlnbChartFrame(cls, opts = {}) {
  const width = opts.width ?? 300;
  const height = opts.height ?? 220;
  const m = { top: 24, right: 12, bottom: 40, left: 48, ...(opts.margin || {}) };
  const [x0, x1] = opts.x ?? [0, 1];
  const [y0, y1] = opts.y ?? [0, 1];
  const pw = width - m.left - m.right;
  const ph = height - m.top - m.bottom;
  const sx = (v) => m.left + ((v - x0) / (x1 - x0 || 1)) * pw;
  const sy = (v) => m.top + ph - ((v - y0) / (y1 - y0 || 1)) * ph;
  const fmtX = opts.xFmt ?? String;
  const fmtY = opts.yFmt ?? String;
  const root = mlnbSvgRoot(cls, width, height, opts.label);
  if (opts.title) mlnbSvg("text", { class: "title", x: 4, y: 14 }, root, opts.title);
  const axes = mlnbSvg("g", { class: "axes" }, root);
  for (const v of opts.yTicks ?? []) {
    mlnbSvg("line", { class: "grid", x1: m.left, x2: m.left + pw, y1: sy(v), y2: sy(v) }, axes);
    mlnbSvg("text", { class: "tick", x: m.left - 5, y: sy(v) + 3.5, "text-anchor": "end" }, axes, fmtY(v));
  }
  const dy = opts.xTickDy ?? 13;
  for (const t of opts.xTicks ?? []) {
    const [v, text] = Array.isArray(t) ? t : [t, fmtX(t)];
    mlnbSvg("text", { class: "tick", x: sx(v), y: m.top + ph + dy, "text-anchor": "middle" }, axes, text);
  }
  mlnbSvg("line", { class: "axis", x1: m.left, x2: m.left + pw, y1: m.top + ph, y2: m.top + ph }, axes);
  if (opts.yAxis ?? true) {
    mlnbSvg("line", { class: "axis", x1: m.left, x2: m.left, y1: m.top, y2: m.top + ph }, axes);
  }
  if (opts.xLabel) {
    mlnbSvg(
      "text",
      { class: "axis-label", x: m.left + pw / 2, y: height - 6, "text-anchor": "middle" },
      axes,
      opts.xLabel,
    );
  }
  if (opts.yLabel) {
    const x = opts.yLabelX ?? 11;
    const y = m.top + ph / 2;
    mlnbSvg(
      "text",
      { class: "axis-label", x, y, "text-anchor": "middle", transform: `rotate(-90 ${x} ${y})` },
      axes,
      opts.yLabel,
    );
  }
  const plot = mlnbSvg("g", { class: "plot" }, root);
  return { root, axes, plot, sx, sy, pw, ph, m, width, height };
}

// The "d" of a line through points [[x, y], ...] (mapped by sx, sy); a point with
// a missing or non-finite coordinate breaks the line there.
function mlnbPath(points, sx, sy) {
  let d = "";
  let pen = false;
  for (const [x, y] of points) {
    if (!mlnbIsNum(x) || !mlnbIsNum(y)) {
      pen = false;
      continue;
    }
    d += `${pen ? "L" : "M"}${sx(x).toFixed(1)},${sy(y).toFixed(1)}`;
    pen = true;
  }
  return d;
}

// Text widths for fitting labels, measured with the font the charts use.
let mlnbMeasureCtx = null;
function mlnbTextWidth(text, font) {
  mlnbMeasureCtx ??= document.createElement("canvas").getContext("2d");
  if (!mlnbMeasureCtx) return String(text).length * 6.5;
  mlnbMeasureCtx.font = font;
  return mlnbMeasureCtx.measureText(String(text)).width;
}

// text, cut with "…" where it is wider than maxWidth
function mlnbFitText(text, maxWidth, font) {
  const s = String(text);
  if (mlnbTextWidth(s, font) <= maxWidth) return s;
  let lo = 0;
  let hi = s.length;
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2);
    if (mlnbTextWidth(`${s.slice(0, mid)}…`, font) <= maxWidth) lo = mid;
    else hi = mid - 1;
  }
  return `${s.slice(0, Math.max(1, lo))}…`;
}

// -- the view's plumbing -----------------------------------------------------------
let mlnbViewCount = 0;

// An id prefix unique to one view (p: the widget's class prefix), for label "for"s.
function mlnbUid(p) {
  mlnbViewCount += 1;
  return `${p}-${mlnbViewCount}-${Math.random().toString(36).slice(2, 8)}`;
}

// get(name) reads a trait; save({name: value, ...}) writes traits to Python.
function mlnbTraits(model) {
  return {
    get: (name) => model.get(name),
    save: (changes) => {
      for (const [k, v] of Object.entries(changes)) model.set(k, v);
      model.save_changes();
    },
  };
}

// Keys typed into the widget belong to it: the notebook's shortcuts (Enter, A, B,
// digits, arrows, ...) must not act on them, as with ipywidgets' own inputs.
function mlnbKeepKeys(root) {
  const keepKeys = (e) => e.stopPropagation();
  root.addEventListener("keydown", keepKeys);
  root.addEventListener("keypress", keepKeys);
}

// One redraw per animation frame: schedule(part) marks a part dirty; at the next
// frame redraw(parts) gets the set of parts marked since the last one.
function mlnbScheduler(redraw) {
  let frameRequested = false;
  const dirty = new Set();
  return (part) => {
    dirty.add(part);
    if (frameRequested) return;
    frameRequested = true;
    requestAnimationFrame(() => {
      frameRequested = false;
      const parts = new Set(dirty);
      dirty.clear();
      redraw(parts);
    });
  };
}

// listeners: [["change:a change:b", ["part", ...]], ...]; each event schedules its
// parts. Returns the function that removes the listeners.
function mlnbListen(model, listeners, schedule) {
  const callbacks = [];
  for (const [events, parts] of listeners) {
    for (const event of events.split(" ")) {
      const cb = () => parts.forEach(schedule);
      model.on(event, cb);
      callbacks.push([event, cb]);
    }
  }
  return () => {
    for (const [event, cb] of callbacks) model.off(event, cb);
  };
}

// Charts are drawn at their boxes' widths: onResize(box) runs when a box's width
// (whole pixels, not 0) changes. Returns the observer (null without ResizeObserver).
function mlnbWatchWidths(boxes, onResize) {
  if (typeof ResizeObserver === "undefined") return null;
  const widths = new Map();
  const resizer = new ResizeObserver((entries) => {
    for (const entry of entries) {
      const w = Math.floor(entry.target.clientWidth);
      if (!w || widths.get(entry.target) === w) continue;
      widths.set(entry.target, w);
      onResize(entry.target);
    }
  });
  for (const box of boxes) resizer.observe(box);
  return resizer;
}
