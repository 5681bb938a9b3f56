// SlicedMetricsView view (anywidget ESM).
//
// Renders the widget's traits — one page of the table, at most 40 bars — and writes
// the input traits (metric, goal, slicing, threshold, filter, sort, page); every
// number comes from Python. No external libraries and no markup strings: slice
// values can be arbitrary strings, so all text goes through textContent and
// elements are built with createElement.

const SVG_NS = "http://www.w3.org/2000/svg";
const STATUS_COLORS = {
  pass: "#2e7d32",
  info: "#1565c0",
  warn: "#b26a00",
  fail: "#c62828",
};
const PAGE_SIZES = [10, 25, 50, 100, 200];
const THRESHOLD_DEBOUNCE_MS = 150;
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

function sig(x, precision = 4) {
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

function signed(x) {
  if (!isNum(x)) return "–";
  const s = num(Math.abs(x));
  if (s === "0.000") return s;
  return `${x < 0 ? "−" : "+"}${s}`;
}

function pValue(p) {
  if (!isNum(p)) return "–";
  if (p < 0.001) return "<0.001";
  return p.toFixed(3);
}

function count(x) {
  if (!isNum(x)) return "–";
  return Number.isInteger(x) ? intFmt.format(x) : sig(x, 4);
}

function niceStep(span, target) {
  const raw = span / Math.max(target, 1);
  const mag = 10 ** Math.floor(Math.log10(raw));
  const f = raw / mag;
  return (f >= 5 ? 10 : f >= 2 ? 5 : f >= 1 ? 2 : 1) * mag;
}

function niceDomain(lo, hi, target) {
  if (!(hi > lo)) {
    lo -= 0.5;
    hi += 0.5;
  }
  const step = niceStep(hi - lo, target);
  const a = Math.floor(lo / step + 1e-9) * step;
  const b = Math.ceil(hi / step - 1e-9) * step;
  const ticks = [];
  for (let v = a; v <= b + step / 2; v += step) ticks.push(Number(v.toPrecision(12)));
  return { lo: a, hi: b, ticks, step };
}

function badge(status) {
  const s = String(status || "info");
  return el("span", {
    class: "mlnb-sm-badge",
    style: `background:${STATUS_COLORS[s] || "#616161"}`,
    text: s.toUpperCase(),
  });
}

// Text widths for fitting labels, measured with the font the chart uses.
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

const sliceLabel = (r, all) => (all ? `${r.slice} = ${r.value}` : String(r.value));

// -- the bar chart (inline SVG) ----------------------------------------------------
function barChart(chart, opts) {
  const bars = chart.bars ?? [];
  const metric = chart.metric ?? "";
  const width = Math.max(240, Math.floor(opts.width));
  const font = (size, bold = false) => `${bold ? "600 " : ""}${size}px ${opts.fontFamily}`;
  const rowH = bars.length <= 12 ? 22 : bars.length <= 25 ? 18 : 15;
  const top = 30;
  const bottom = 34;
  const height = top + Math.max(bars.length, 1) * rowH + bottom;
  const labelW = Math.round(Math.min(250, Math.max(90, width * (width < 480 ? 0.42 : 0.32))));
  const valueW = 44;
  const x0 = labelW + 10;
  const x1 = width - valueW - 10;
  const ends = [0];
  for (const b of bars) {
    for (const v of [b.metric, b.ci_low, b.ci_high]) if (isNum(v)) ends.push(v);
  }
  if (isNum(chart.overall)) ends.push(chart.overall);
  const d = niceDomain(Math.min(...ends), Math.max(...ends), width > 600 ? 8 : 5);
  const sx = (v) => x0 + ((v - d.lo) / (d.hi - d.lo || 1)) * (x1 - x0);
  const conf = isNum(chart.confidence) ? `${Math.round(chart.confidence * 100)}%` : "";
  const described = bars
    .slice(0, 10)
    .map((b) => `${sliceLabel(b, opts.all)}: ${num(b.metric)}`)
    .join(", ");
  const root = svg("svg", {
    class: "mlnb-sm-chart",
    viewBox: `0 0 ${width} ${height}`,
    width,
    height,
    role: "img",
    "aria-label":
      `${metric} per slice with ${conf} intervals; overall ${num(chart.overall)}. ` +
      `${described}${bars.length > 10 ? ", …" : ""}`,
  });
  svg(
    "text",
    { class: "title", x: 2, y: 14 },
    root,
    `${metric} per slice${conf ? ` · ${conf} intervals` : ""}`,
  );
  const plotBottom = top + bars.length * rowH;
  const axes = svg("g", { class: "axes" }, root);
  for (const v of d.ticks) {
    const x = sx(v);
    svg("line", { class: "grid", x1: x, x2: x, y1: top - 4, y2: plotBottom }, axes);
    svg("text", { class: "tick", x, y: plotBottom + 13, "text-anchor": "middle" }, axes, sig(v, 3));
  }
  svg("line", { class: "axis", x1: x0, x2: x1, y1: plotBottom, y2: plotBottom }, axes);
  svg(
    "text",
    { class: "axis-label", x: (x0 + x1) / 2, y: height - 4, "text-anchor": "middle" },
    axes,
    chart.higher_is_better === true
      ? `${metric} (higher is better)`
      : chart.higher_is_better === false
        ? `${metric} (lower is better)`
        : metric,
  );

  const plot = svg("g", { class: "plot" }, root);
  const zero = sx(0);
  bars.forEach((b, i) => {
    const cy = top + i * rowH + rowH / 2;
    const cls = b.flagged ? "bar flagged" : b.too_small ? "bar small" : "bar";
    const g = svg("g", { class: cls, "data-id": b.id }, plot);
    const label = sliceLabel(b, opts.all);
    const state = b.flagged
      ? `significantly worse on ${chart.goal_metric}`
      : b.too_small
        ? "too small to judge"
        : "";
    svg(
      "title",
      {},
      g,
      `${label}: ${metric} ${num(b.metric)} [${num(b.ci_low)}, ${num(b.ci_high)}], ` +
        `${count(b.count)} rows${state ? `; ${state}` : ""}`,
    );
    const shownLabel = `${b.flagged ? "▼ " : ""}${label}`;
    svg(
      "text",
      { class: "label", x: labelW, y: cy + 3.5, "text-anchor": "end" },
      g,
      fitText(shownLabel, labelW - 2, font(11, b.flagged)),
    );
    const v = b.metric;
    const bh = Math.max(6, rowH * 0.6);
    const xa = Math.min(zero, sx(v));
    svg("rect", { class: "fill", x: xa, y: cy - bh / 2, width: Math.max(1, Math.abs(sx(v) - zero)), height: bh }, g);
    if (isNum(b.ci_low) && isNum(b.ci_high)) {
      const lo = sx(b.ci_low);
      const hi = sx(b.ci_high);
      svg("line", { class: "ci", x1: lo, x2: hi, y1: cy, y2: cy }, g);
      svg("line", { class: "ci", x1: lo, x2: lo, y1: cy - 4, y2: cy + 4 }, g);
      svg("line", { class: "ci", x1: hi, x2: hi, y1: cy - 4, y2: cy + 4 }, g);
    }
    svg("text", { class: "value", x: width - 2, y: cy + 3.5, "text-anchor": "end" }, g, num(v));
  });
  if (isNum(chart.overall)) {
    const x = sx(chart.overall);
    svg("line", { class: "overall", x1: x, x2: x, y1: top - 6, y2: plotBottom }, plot);
    const text = `overall ${num(chart.overall)}`;
    const tw = textWidth(text, font(10, true));
    // beside the line, on the side with room; centred on it when neither has
    let tx = x + 4;
    let anchor = "start";
    if (tx + tw > width - 2) {
      tx = x - 4;
      anchor = "end";
      if (tx - tw < 2) {
        tx = Math.min(Math.max(x, 2 + tw / 2), width - 2 - tw / 2);
        anchor = "middle";
      }
    }
    svg("text", { class: "overall-label", x: tx, y: top - 8, "text-anchor": anchor }, plot, text);
  }
  return root;
}

// -- the view ------------------------------------------------------------------------
function render({ model, el: host }) {
  widgetCount += 1;
  const uid = `mlnb-sm-${widgetCount}-${Math.random().toString(36).slice(2, 8)}`;
  const get = (name) => model.get(name);
  const save = (changes) => {
    for (const [k, v] of Object.entries(changes)) model.set(k, v);
    model.save_changes();
  };

  const root = el("div", { class: "mlnb-sm", role: "group", "aria-label": "Sliced metrics" });
  const head = el("div", { class: "mlnb-sm-head" });

  // -- controls (persistent elements, so they keep focus) --
  const metricSelect = el("select", { id: `${uid}-metric`, class: "mlnb-sm-select" });
  const goalSelect = el("select", { id: `${uid}-goal`, class: "mlnb-sm-select" });
  const sliceSelect = el("select", { id: `${uid}-slicing`, class: "mlnb-sm-select" });
  const slider = el("input", {
    id: `${uid}-threshold`,
    type: "range",
    class: "mlnb-sm-range",
  });
  const thresholdOut = el("output", { class: "mlnb-sm-out", for: `${uid}-threshold` });
  const thresholdHint = el("span", { class: "mlnb-sm-faint" });
  const onlySig = el("input", { id: `${uid}-only`, type: "checkbox" });
  const onlySigLabel = el("label", { for: `${uid}-only`, class: "mlnb-sm-check" });
  const errorBox = el("div", { class: "mlnb-sm-error", role: "alert" });

  metricSelect.addEventListener("change", () => save({ metric: metricSelect.value }));
  goalSelect.addEventListener("change", () => save({ goal_metric: goalSelect.value }));
  sliceSelect.addEventListener("change", () => save({ slice_column: sliceSelect.value }));
  onlySig.addEventListener("change", () => save({ only_significant: onlySig.checked }));

  // The threshold goes to Python when the slider is let go (change) or after a
  // pause while dragging: each value re-thresholds every slice.
  let thresholdTimer = null;
  let dragging = false;
  const sendThreshold = () => {
    clearTimeout(thresholdTimer);
    thresholdTimer = null;
    const v = Number(slider.value);
    if (Number.isFinite(v) && v !== get("threshold")) save({ threshold: v });
  };
  slider.addEventListener("input", () => {
    dragging = true;
    thresholdOut.textContent = sig(Number(slider.value), 3);
    slider.setAttribute("aria-valuetext", sig(Number(slider.value), 3));
    clearTimeout(thresholdTimer);
    thresholdTimer = setTimeout(sendThreshold, THRESHOLD_DEBOUNCE_MS);
  });
  slider.addEventListener("change", () => {
    dragging = false;
    sendThreshold();
  });

  const field = (id, text, control, extra = null) =>
    el("span", { class: "mlnb-sm-field" }, el("label", { for: id, text }), control, extra);
  const thresholdField = el(
    "span",
    { class: "mlnb-sm-field mlnb-sm-threshold" },
    el("label", { for: `${uid}-threshold`, text: "Threshold" }),
    slider,
    thresholdOut,
    thresholdHint,
  );
  const controls = el(
    "div",
    { class: "mlnb-sm-controls" },
    field(`${uid}-metric`, "Metric", metricSelect),
    field(`${uid}-goal`, "Judged on", goalSelect),
    field(`${uid}-slicing`, "Slices", sliceSelect),
    thresholdField,
    el("span", { class: "mlnb-sm-field" }, onlySig, onlySigLabel),
  );

  const chartHead = el("div", { class: "mlnb-sm-legend" });
  const chartBox = el("div", { class: "mlnb-sm-chartbox" });
  const chartNote = el("div", { class: "mlnb-sm-note", "aria-live": "polite" });
  const chartCard = el("div", { class: "mlnb-sm-card mlnb-sm-chartcard" }, chartHead, chartBox, chartNote);

  const tableCaption = el("div", { class: "mlnb-sm-caption", "aria-live": "polite" });
  const tableWrap = el("div", { class: "mlnb-sm-tablewrap", tabindex: "0", role: "region" });
  tableWrap.setAttribute("aria-label", "Slices table");
  const pager = el("div", { class: "mlnb-sm-pager" });
  const pageButton = (text, label, target) => {
    const b = el("button", { type: "button", class: "mlnb-sm-button", "aria-label": label, text });
    b.addEventListener("click", () => {
      const n = get("n_pages");
      const p = Math.min(Math.max(target(get("page"), n), 0), n - 1);
      if (p !== get("page")) save({ page: p });
    });
    return b;
  };
  const firstB = pageButton("«", "First page", () => 0);
  const prevB = pageButton("‹", "Previous page", (p) => p - 1);
  const nextB = pageButton("›", "Next page", (p) => p + 1);
  const lastB = pageButton("»", "Last page", (p, n) => n - 1);
  const pageText = el("span", { class: "mlnb-sm-pagetext" });
  const sizeSelect = el("select", { id: `${uid}-pagesize`, class: "mlnb-sm-select" });
  sizeSelect.addEventListener("change", () => save({ page_size: Number(sizeSelect.value) }));
  pager.append(
    el("span", { class: "mlnb-sm-pagebuttons" }, firstB, prevB, pageText, nextB, lastB),
    field(`${uid}-pagesize`, "Rows per page", sizeSelect),
  );
  const tableCard = el("div", { class: "mlnb-sm-card mlnb-sm-tablecard" }, tableCaption, tableWrap, pager);

  root.append(head, controls, errorBox, chartCard, tableCard);
  // Keys typed into the widget belong to it: the notebook's shortcuts (Enter, A, B,
  // digits, ...) must not act on them, as with ipywidgets' own inputs.
  const keepKeys = (e) => e.stopPropagation();
  root.addEventListener("keydown", keepKeys);
  root.addEventListener("keypress", keepKeys);
  host.append(root);

  // -- refreshers --
  function refreshHead() {
    const ctx = get("context") ?? {};
    const bits = [];
    if (isNum(ctx.n_rows)) bits.push(`${count(ctx.n_rows)} rows`);
    const cols = get("slice_columns") ?? [];
    bits.push(`${cols.length} slicing${cols.length === 1 ? "" : "s"}`);
    if (ctx.positive_label !== null && ctx.positive_label !== undefined) {
      bits.push(`positive class ${ctx.positive_label}`);
    }
    if (ctx.n_dropped) bits.push(`${count(ctx.n_dropped)} rows left out`);
    head.replaceChildren(
      el(
        "div",
        { class: "mlnb-sm-title" },
        el("strong", { text: "Sliced metrics" }),
        el("span", { class: "mlnb-sm-faint", text: bits.join(" · "), title: ctx.dropped_reason || null }),
        el("span", { class: "mlnb-sm-badges" }, badge(get("status"))),
      ),
      el("div", { class: "mlnb-sm-summary", text: get("summary") ?? "" }),
    );
  }

  function fillSelect(select, options, current) {
    const stamp = JSON.stringify(options);
    if (select.dataset.stamp !== stamp) {
      select.replaceChildren(...options.map(([value, text]) => el("option", { value, text })));
      select.dataset.stamp = stamp;
    }
    if (select.value !== String(current)) select.value = String(current);
  }

  function syncControls() {
    const hib = get("higher_is_better") ?? {};
    const arrow = (m) => (hib[m] === true ? " ↑" : hib[m] === false ? " ↓" : "");
    fillSelect(
      metricSelect,
      (get("metrics_available") ?? []).map((m) => [m, `${m}${arrow(m)}`]),
      get("metric"),
    );
    fillSelect(goalSelect, (get("goal_metrics") ?? []).map((m) => [m, m]), get("goal_metric"));
    goalSelect.disabled = (get("goal_metrics") ?? []).length < 2;
    const cols = get("slice_columns") ?? [];
    fillSelect(
      sliceSelect,
      [["all", cols.length > 1 ? "All slicings" : "All"], ...cols.map((c) => [c, c])],
      get("slice_column"),
    );
    const sizes = [...new Set([...PAGE_SIZES, get("page_size")])].sort((a, b) => a - b);
    fillSelect(sizeSelect, sizes.map((s) => [String(s), String(s)]), get("page_size"));

    const enabled = get("threshold_enabled");
    slider.disabled = !enabled;
    const lo = get("threshold_min");
    const hi = get("threshold_max");
    slider.min = String(lo);
    slider.max = String(hi);
    slider.step = String((hi - lo) / 100 || 0.01);
    const t = get("threshold");
    if (enabled && isNum(t)) {
      if (!dragging && thresholdTimer === null) {
        slider.value = String(t);
        thresholdOut.textContent = sig(t, 3);
        slider.setAttribute("aria-valuetext", sig(t, 3));
      }
      const pos = (get("context") ?? {}).positive_label;
      thresholdHint.textContent = "";
      slider.title = `score ≥ threshold predicts ${pos ?? "positive"}`;
    } else {
      thresholdOut.textContent = "–";
      thresholdHint.textContent = "binary models with scores only";
      slider.title = "The threshold applies to a binary model with scores";
    }
    thresholdField.classList.toggle("disabled", !enabled);
    onlySig.checked = Boolean(get("only_significant"));
    onlySigLabel.textContent = `Only significantly worse (${count(get("n_flagged"))})`;
    const err = get("error") ?? "";
    errorBox.textContent = err;
    errorBox.hidden = !err;
  }

  function refreshChart() {
    const chart = get("chart") ?? {};
    const all = get("slice_column") === "all";
    const goal = chart.goal_metric ?? get("goal_metric");
    const minSize = (get("context") ?? {}).min_slice_size;
    chartHead.replaceChildren(
      el("span", { class: "mlnb-sm-key" }, el("i", { class: "sw bar" }), "slice"),
      el("span", { class: "mlnb-sm-key" }, el("i", { class: "sw flagged" }), `significantly worse on ${goal}`),
      el(
        "span",
        { class: "mlnb-sm-key" },
        el("i", { class: "sw small" }),
        isNum(minSize) ? `too small (< ${count(minSize)} rows)` : "too small",
      ),
      el("span", { class: "mlnb-sm-key" }, el("i", { class: "sw overall" }), "overall"),
    );
    const bars = chart.bars ?? [];
    if (!bars.length) {
      chartBox.replaceChildren(
        el("div", { class: "mlnb-sm-empty", text: `No slice to draw for ${chart.metric ?? "this metric"}.` }),
      );
    } else {
      const width = chartBox.clientWidth || 880;
      const fontFamily = getComputedStyle(root).fontFamily || "sans-serif";
      chartBox.replaceChildren(barChart(chart, { width, all, fontFamily }));
    }
    chartNote.textContent = chart.note ?? "";
    chartNote.hidden = !chart.note;
  }

  function defaultAscending(key) {
    const hib = get("higher_is_better") ?? {};
    if (key === "metric" || key === "difference") return hib[get("metric")] !== false;
    if (key === "goal") return hib[get("goal_metric")] !== false;
    if (key === "count" || key === "flagged") return false;
    return true; // slice, p_value
  }

  function refreshTable() {
    const rows = get("rows") ?? [];
    const metric = get("metric");
    const goal = get("goal_metric");
    const all = get("slice_column") === "all";
    const ctx = get("context") ?? {};
    const conf = isNum(ctx.confidence) ? `${Math.round(ctx.confidence * 100)}% CI` : "CI";
    const sortBy = get("sort_by");
    const asc = get("sort_ascending");
    const overall = get("overall") ?? {};
    const columns = [
      { key: "slice", label: "Slice", sort: "slice", cls: "slice" },
      { key: "count", label: "Rows", sort: "count" },
      { key: "metric", label: metric, sort: "metric", title: `${metric} in the slice` },
      { key: "ci", label: conf, title: `${conf} interval of ${metric}` },
      { key: "difference", label: "vs overall", sort: "difference", title: `${metric} minus overall ${num(overall[metric])}` },
      goal !== metric ? { key: "goal", label: goal, sort: "goal", title: `${goal}: the goal metric slices are judged on` } : null,
      { key: "p_value", label: "p-value", sort: "p_value", title: `two-sided test of ${goal} against the rest of the data` },
      { key: "flagged", label: "Flag", sort: "flagged", cls: "flag", title: `significantly worse than the rest on ${goal}` },
    ].filter(Boolean);

    const focused = document.activeElement;
    const refocus = focused && tableWrap.contains(focused) ? focused.dataset?.sort : null;
    const headRow = el(
      "tr",
      {},
      columns.map((c) => {
        const th = el("th", { scope: "col", class: c.cls ?? "num", title: c.title });
        if (!c.sort) {
          th.textContent = c.label;
          return th;
        }
        const active = sortBy === c.sort;
        if (active) th.setAttribute("aria-sort", asc ? "ascending" : "descending");
        const b = el(
          "button",
          { type: "button", class: "mlnb-sm-sort", "data-sort": c.sort },
          el("span", { text: c.label }),
          el("span", { class: "arrow", "aria-hidden": "true", text: active ? (asc ? "▲" : "▼") : "↕" }),
        );
        b.addEventListener("click", () => {
          if (sortBy === c.sort) save({ sort_ascending: !asc });
          else save({ sort_by: c.sort, sort_ascending: defaultAscending(c.sort) });
        });
        th.append(b);
        return th;
      }),
    );
    const undefinedTitle = (r) => r.notes || "undefined for this slice";
    const cell = (value, text, r, cls = "num") =>
      el("td", { class: cls, text, title: isNum(value) ? null : undefinedTitle(r) });
    const body = rows.map((r) => {
      const cls = [r.flagged ? "flagged" : "", r.too_small ? "small" : ""].filter(Boolean).join(" ");
      const name = el(
        "th",
        { scope: "row", class: "slice", title: `${r.slice} = ${r.value}${r.notes ? `\n${r.notes}` : ""}` },
        el(
          "div",
          { class: "mlnb-sm-slicecell" },
          all ? el("span", { class: "mlnb-sm-slicing", text: r.slice }) : null,
          el("span", { class: "mlnb-sm-value", text: r.value }),
          r.notes ? el("span", { class: "mlnb-sm-info", "aria-label": `note: ${r.notes}`, text: "i" }) : null,
        ),
      );
      const flag = el("td", { class: "flag" });
      if (r.flagged) flag.append(el("span", { class: "mlnb-sm-flag", text: "worse" }));
      else if (r.too_small) {
        flag.append(
          el("span", {
            class: "mlnb-sm-small",
            text: "too small",
            title: `fewer than ${ctx.min_slice_size ?? "the minimum"} rows: not judged`,
          }),
        );
      }
      const countCell = el("td", {
        class: "num",
        text: count(r.count),
        title: r.weighted_count !== r.count ? `weighted count ${sig(r.weighted_count, 6)}` : null,
      });
      const ci =
        isNum(r.ci_low) && isNum(r.ci_high) ? `[${num(r.ci_low)}, ${num(r.ci_high)}]` : "–";
      return el(
        "tr",
        { class: cls || null, "data-id": r.id },
        name,
        countCell,
        cell(r.metric, num(r.metric), r, "num strong"),
        cell(r.ci_low, ci, r, "num faint"),
        cell(r.difference, signed(r.difference), r),
        goal !== metric ? cell(r.goal, num(r.goal), r) : null,
        cell(r.p_value, pValue(r.p_value), r),
        flag,
      );
    });
    if (!rows.length) {
      const why = get("only_significant")
        ? `No slice is significantly worse than the rest on ${goal}.`
        : "No slice to show.";
      body.push(el("tr", {}, el("td", { class: "mlnb-sm-empty", colspan: columns.length, text: why })));
    }
    const table = el(
      "table",
      { class: "mlnb-sm-table" },
      el("thead", {}, headRow),
      el("tbody", {}, body),
    );
    tableWrap.replaceChildren(table);
    if (refocus) tableWrap.querySelector(`button[data-sort="${refocus}"]`)?.focus();

    const n = get("n_total");
    const page = get("page");
    const size = get("page_size");
    const nPages = get("n_pages");
    const first = n ? page * size + 1 : 0;
    const last = Math.min(n, (page + 1) * size);
    const sortCol = columns.find((c) => c.sort === sortBy);
    const what = get("only_significant") ? "significantly worse slices" : "slices";
    tableCaption.textContent =
      `${count(n)} ${what}${all ? "" : ` of ${get("slice_column")}`} · sorted by ` +
      `${sortCol ? sortCol.label : sortBy} ${asc ? "ascending" : "descending"} · ` +
      `overall ${metric} ${num(overall[metric])} (${count(overall.count)} rows)`;
    pageText.textContent = `${count(first)}–${count(last)} of ${count(n)} · page ${page + 1} of ${nPages}`;
    firstB.disabled = prevB.disabled = page <= 0;
    nextB.disabled = lastB.disabled = page >= nPages - 1;
    pager.classList.toggle("single", nPages <= 1);
  }

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
      if (parts.has("controls")) syncControls();
      if (parts.has("chart")) refreshChart();
      if (parts.has("table")) refreshTable();
    });
  }

  const listeners = [
    ["change:status change:summary change:context change:slice_columns", ["head"]],
    [
      "change:metric change:goal_metric change:slice_column change:threshold " +
        "change:threshold_enabled change:threshold_min change:threshold_max " +
        "change:only_significant change:n_flagged change:error change:page_size " +
        "change:metrics_available change:goal_metrics change:higher_is_better",
      ["controls"],
    ],
    ["change:chart", ["chart"]],
    [
      "change:rows change:sort_by change:sort_ascending change:page change:n_pages " +
        "change:n_total change:overall",
      ["table"],
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

  // The chart is drawn at the card's width.
  let lastWidth = 0;
  const resizer =
    typeof ResizeObserver === "undefined"
      ? null
      : new ResizeObserver(() => {
          const w = Math.floor(chartBox.clientWidth);
          if (w && w !== lastWidth) {
            lastWidth = w;
            schedule("chart");
          }
        });
  resizer?.observe(chartBox);

  refreshHead();
  syncControls();
  refreshChart();
  refreshTable();

  return () => {
    for (const [event, cb] of callbacks) model.off(event, cb);
    resizer?.disconnect();
    clearTimeout(thresholdTimer);
  };
}

export default { render };
