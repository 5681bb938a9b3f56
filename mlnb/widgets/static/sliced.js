// SlicedMetricsView view (anywidget ESM).
//
// Renders the widget's traits — one page of the table, at most 40 bars — and writes
// the input traits (metric, goal, slicing, threshold, filter, sort, page); every
// number comes from Python. The helpers named mlnb* (DOM builders that set text with
// textContent only, number formats, the view's plumbing) are in common.js, which
// mlnb/widgets/assets.py puts in front of this file.

const PAGE_SIZES = [10, 25, 50, 100, 200];
const THRESHOLD_DEBOUNCE_MS = 150;

function signed(x) {
  if (!mlnbIsNum(x)) return "–";
  const s = mlnbNum(Math.abs(x));
  if (s === "0.000") return s;
  return `${x < 0 ? "−" : "+"}${s}`;
}

function pValue(p) {
  if (!mlnbIsNum(p)) return "–";
  if (p < 0.001) return "<0.001";
  return p.toFixed(3);
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
    for (const v of [b.metric, b.ci_low, b.ci_high]) if (mlnbIsNum(v)) ends.push(v);
  }
  if (mlnbIsNum(chart.overall)) ends.push(chart.overall);
  const d = mlnbNiceDomain(Math.min(...ends), Math.max(...ends), width > 600 ? 8 : 5);
  const sx = (v) => x0 + ((v - d.lo) / (d.hi - d.lo || 1)) * (x1 - x0);
  const conf = mlnbIsNum(chart.confidence) ? `${Math.round(chart.confidence * 100)}%` : "";
  const described = bars
    .slice(0, 10)
    .map((b) => `${sliceLabel(b, opts.all)}: ${mlnbNum(b.metric)}`)
    .join(", ");
  const root = mlnbSvgRoot(
    "mlnb-sm-chart",
    width,
    height,
    `${metric} per slice with ${conf} intervals; overall ${mlnbNum(chart.overall)}. ` +
      `${described}${bars.length > 10 ? ", …" : ""}`,
  );
  mlnbSvg(
    "text",
    { class: "title", x: 2, y: 14 },
    root,
    `${metric} per slice${conf ? ` · ${conf} intervals` : ""}`,
  );
  const plotBottom = top + bars.length * rowH;
  const axes = mlnbSvg("g", { class: "axes" }, root);
  for (const v of d.ticks) {
    const x = sx(v);
    mlnbSvg("line", { class: "grid", x1: x, x2: x, y1: top - 4, y2: plotBottom }, axes);
    mlnbSvg("text", { class: "tick", x, y: plotBottom + 13, "text-anchor": "middle" }, axes, mlnbSig(v, 3));
  }
  mlnbSvg("line", { class: "axis", x1: x0, x2: x1, y1: plotBottom, y2: plotBottom }, axes);
  mlnbSvg(
    "text",
    { class: "axis-label", x: (x0 + x1) / 2, y: height - 4, "text-anchor": "middle" },
    axes,
    chart.higher_is_better === true
      ? `${metric} (higher is better)`
      : chart.higher_is_better === false
        ? `${metric} (lower is better)`
        : metric,
  );

  const plot = mlnbSvg("g", { class: "plot" }, root);
  const zero = sx(0);
  bars.forEach((b, i) => {
    const cy = top + i * rowH + rowH / 2;
    const cls = b.flagged ? "bar flagged" : b.too_small ? "bar small" : "bar";
    const g = mlnbSvg("g", { class: cls, "data-id": b.id }, plot);
    const label = sliceLabel(b, opts.all);
    const state = b.flagged
      ? `significantly worse on ${chart.goal_metric}`
      : b.too_small
        ? "too small to judge"
        : "";
    mlnbSvg(
      "title",
      {},
      g,
      `${label}: ${metric} ${mlnbNum(b.metric)} [${mlnbNum(b.ci_low)}, ${mlnbNum(b.ci_high)}], ` +
        `${mlnbCount(b.count)} rows${state ? `; ${state}` : ""}`,
    );
    const shownLabel = `${b.flagged ? "▼ " : ""}${label}`;
    mlnbSvg(
      "text",
      { class: "label", x: labelW, y: cy + 3.5, "text-anchor": "end" },
      g,
      mlnbFitText(shownLabel, labelW - 2, font(11, b.flagged)),
    );
    const v = b.metric;
    const bh = Math.max(6, rowH * 0.6);
    const xa = Math.min(zero, sx(v));
    mlnbSvg("rect", { class: "fill", x: xa, y: cy - bh / 2, width: Math.max(1, Math.abs(sx(v) - zero)), height: bh }, g);
    if (mlnbIsNum(b.ci_low) && mlnbIsNum(b.ci_high)) {
      const lo = sx(b.ci_low);
      const hi = sx(b.ci_high);
      mlnbSvg("line", { class: "ci", x1: lo, x2: hi, y1: cy, y2: cy }, g);
      mlnbSvg("line", { class: "ci", x1: lo, x2: lo, y1: cy - 4, y2: cy + 4 }, g);
      mlnbSvg("line", { class: "ci", x1: hi, x2: hi, y1: cy - 4, y2: cy + 4 }, g);
    }
    mlnbSvg("text", { class: "value", x: width - 2, y: cy + 3.5, "text-anchor": "end" }, g, mlnbNum(v));
  });
  if (mlnbIsNum(chart.overall)) {
    const x = sx(chart.overall);
    mlnbSvg("line", { class: "overall", x1: x, x2: x, y1: top - 6, y2: plotBottom }, plot);
    const text = `overall ${mlnbNum(chart.overall)}`;
    const tw = mlnbTextWidth(text, font(10, true));
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
    mlnbSvg("text", { class: "overall-label", x: tx, y: top - 8, "text-anchor": anchor }, plot, text);
  }
  return root;
}

// -- the view ------------------------------------------------------------------------
function render({ model, el: host }) {
  const uid = mlnbUid("mlnb-sm");
  const { get, save } = mlnbTraits(model);

  const root = mlnbEl("div", { class: "mlnb-sm", role: "group", "aria-label": "Sliced metrics" });
  const head = mlnbEl("div", { class: "mlnb-sm-head" });

  // -- controls (persistent elements, so they keep focus) --
  const metricSelect = mlnbEl("select", { id: `${uid}-metric`, class: "mlnb-sm-select" });
  const goalSelect = mlnbEl("select", { id: `${uid}-goal`, class: "mlnb-sm-select" });
  const sliceSelect = mlnbEl("select", { id: `${uid}-slicing`, class: "mlnb-sm-select" });
  const slider = mlnbEl("input", {
    id: `${uid}-threshold`,
    type: "range",
    class: "mlnb-sm-range",
  });
  const thresholdOut = mlnbEl("output", { class: "mlnb-sm-out", for: `${uid}-threshold` });
  const thresholdHint = mlnbEl("span", { class: "mlnb-sm-faint" });
  const onlySig = mlnbEl("input", { id: `${uid}-only`, type: "checkbox" });
  const onlySigLabel = mlnbEl("label", { for: `${uid}-only`, class: "mlnb-sm-check" });
  const errorBox = mlnbEl("div", { class: "mlnb-sm-error", role: "alert" });

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
    thresholdOut.textContent = mlnbSig(Number(slider.value), 3);
    slider.setAttribute("aria-valuetext", mlnbSig(Number(slider.value), 3));
    clearTimeout(thresholdTimer);
    thresholdTimer = setTimeout(sendThreshold, THRESHOLD_DEBOUNCE_MS);
  });
  slider.addEventListener("change", () => {
    dragging = false;
    sendThreshold();
  });

  const field = (id, text, control, extra = null) =>
    mlnbEl("span", { class: "mlnb-sm-field" }, mlnbEl("label", { for: id, text }), control, extra);
  const thresholdField = mlnbEl(
    "span",
    { class: "mlnb-sm-field mlnb-sm-threshold" },
    mlnbEl("label", { for: `${uid}-threshold`, text: "Threshold" }),
    slider,
    thresholdOut,
    thresholdHint,
  );
  const controls = mlnbEl(
    "div",
    { class: "mlnb-sm-controls" },
    field(`${uid}-metric`, "Metric", metricSelect),
    field(`${uid}-goal`, "Judged on", goalSelect),
    field(`${uid}-slicing`, "Slices", sliceSelect),
    thresholdField,
    mlnbEl("span", { class: "mlnb-sm-field" }, onlySig, onlySigLabel),
  );

  const chartHead = mlnbEl("div", { class: "mlnb-sm-legend" });
  const chartBox = mlnbEl("div", { class: "mlnb-sm-chartbox" });
  const chartNote = mlnbEl("div", { class: "mlnb-sm-note", "aria-live": "polite" });
  const chartCard = mlnbEl("div", { class: "mlnb-sm-card mlnb-sm-chartcard" }, chartHead, chartBox, chartNote);

  const tableCaption = mlnbEl("div", { class: "mlnb-sm-caption", "aria-live": "polite" });
  const tableWrap = mlnbEl("div", { class: "mlnb-sm-tablewrap", tabindex: "0", role: "region" });
  tableWrap.setAttribute("aria-label", "Slices table");
  const pager = mlnbEl("div", { class: "mlnb-sm-pager" });
  const pageButton = (text, label, target) => {
    const b = mlnbEl("button", { type: "button", class: "mlnb-sm-button", "aria-label": label, text });
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
  const pageText = mlnbEl("span", { class: "mlnb-sm-pagetext" });
  const sizeSelect = mlnbEl("select", { id: `${uid}-pagesize`, class: "mlnb-sm-select" });
  sizeSelect.addEventListener("change", () => save({ page_size: Number(sizeSelect.value) }));
  pager.append(
    mlnbEl("span", { class: "mlnb-sm-pagebuttons" }, firstB, prevB, pageText, nextB, lastB),
    field(`${uid}-pagesize`, "Rows per page", sizeSelect),
  );
  const tableCard = mlnbEl("div", { class: "mlnb-sm-card mlnb-sm-tablecard" }, tableCaption, tableWrap, pager);

  root.append(head, controls, errorBox, chartCard, tableCard);
  mlnbKeepKeys(root);
  host.append(root);

  // -- refreshers --
  function refreshHead() {
    const ctx = get("context") ?? {};
    const bits = [];
    if (mlnbIsNum(ctx.n_rows)) bits.push(`${mlnbCount(ctx.n_rows)} rows`);
    const cols = get("slice_columns") ?? [];
    bits.push(`${cols.length} slicing${cols.length === 1 ? "" : "s"}`);
    if (ctx.positive_label !== null && ctx.positive_label !== undefined) {
      bits.push(`positive class ${ctx.positive_label}`);
    }
    if (ctx.n_dropped) bits.push(`${mlnbCount(ctx.n_dropped)} rows left out`);
    head.replaceChildren(
      ...mlnbHead(
        "mlnb-sm",
        "Sliced metrics",
        bits,
        [mlnbBadge("mlnb-sm-badge", get("status"))],
        [get("summary") ?? ""],
        ctx.dropped_reason || null,
      ),
    );
  }

  function fillSelect(select, options, current) {
    const stamp = JSON.stringify(options);
    if (select.dataset.stamp !== stamp) {
      select.replaceChildren(...options.map(([value, text]) => mlnbEl("option", { value, text })));
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
    if (enabled && mlnbIsNum(t)) {
      if (!dragging && thresholdTimer === null) {
        slider.value = String(t);
        thresholdOut.textContent = mlnbSig(t, 3);
        slider.setAttribute("aria-valuetext", mlnbSig(t, 3));
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
    onlySigLabel.textContent = `Only significantly worse (${mlnbCount(get("n_flagged"))})`;
    mlnbShowText(errorBox, get("error") ?? "");
  }

  function refreshChart() {
    const chart = get("chart") ?? {};
    const all = get("slice_column") === "all";
    const goal = chart.goal_metric ?? get("goal_metric");
    const minSize = (get("context") ?? {}).min_slice_size;
    chartHead.replaceChildren(
      mlnbEl("span", { class: "mlnb-sm-key" }, mlnbEl("i", { class: "sw bar" }), "slice"),
      mlnbEl("span", { class: "mlnb-sm-key" }, mlnbEl("i", { class: "sw flagged" }), `significantly worse on ${goal}`),
      mlnbEl(
        "span",
        { class: "mlnb-sm-key" },
        mlnbEl("i", { class: "sw small" }),
        mlnbIsNum(minSize) ? `too small (< ${mlnbCount(minSize)} rows)` : "too small",
      ),
      mlnbEl("span", { class: "mlnb-sm-key" }, mlnbEl("i", { class: "sw overall" }), "overall"),
    );
    const bars = chart.bars ?? [];
    if (!bars.length) {
      chartBox.replaceChildren(
        mlnbEl("div", { class: "mlnb-sm-empty", text: `No slice to draw for ${chart.metric ?? "this metric"}.` }),
      );
    } else {
      const width = chartBox.clientWidth || 880;
      const fontFamily = getComputedStyle(root).fontFamily || "sans-serif";
      chartBox.replaceChildren(barChart(chart, { width, all, fontFamily }));
    }
    mlnbShowText(chartNote, chart.note ?? "");
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
    const conf = mlnbIsNum(ctx.confidence) ? `${Math.round(ctx.confidence * 100)}% CI` : "CI";
    const sortBy = get("sort_by");
    const asc = get("sort_ascending");
    const overall = get("overall") ?? {};
    const columns = [
      { key: "slice", label: "Slice", sort: "slice", cls: "slice" },
      { key: "count", label: "Rows", sort: "count" },
      { key: "metric", label: metric, sort: "metric", title: `${metric} in the slice` },
      { key: "ci", label: conf, title: `${conf} interval of ${metric}` },
      { key: "difference", label: "vs overall", sort: "difference", title: `${metric} minus overall ${mlnbNum(overall[metric])}` },
      goal !== metric ? { key: "goal", label: goal, sort: "goal", title: `${goal}: the goal metric slices are judged on` } : null,
      { key: "p_value", label: "p-value", sort: "p_value", title: `two-sided test of ${goal} against the rest of the data` },
      { key: "flagged", label: "Flag", sort: "flagged", cls: "flag", title: `significantly worse than the rest on ${goal}` },
    ].filter(Boolean);

    const focused = document.activeElement;
    const refocus = focused && tableWrap.contains(focused) ? focused.dataset?.sort : null;
    const headRow = mlnbEl(
      "tr",
      {},
      columns.map((c) => {
        const th = mlnbEl("th", { scope: "col", class: c.cls ?? "num", title: c.title });
        if (!c.sort) {
          th.textContent = c.label;
          return th;
        }
        const active = sortBy === c.sort;
        if (active) th.setAttribute("aria-sort", asc ? "ascending" : "descending");
        const b = mlnbEl(
          "button",
          { type: "button", class: "mlnb-sm-sort", "data-sort": c.sort },
          mlnbEl("span", { text: c.label }),
          mlnbEl("span", { class: "arrow", "aria-hidden": "true", text: active ? (asc ? "▲" : "▼") : "↕" }),
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
      mlnbEl("td", { class: cls, text, title: mlnbIsNum(value) ? null : undefinedTitle(r) });
    const body = rows.map((r) => {
      const cls = [r.flagged ? "flagged" : "", r.too_small ? "small" : ""].filter(Boolean).join(" ");
      const name = mlnbEl(
        "th",
        { scope: "row", class: "slice", title: `${r.slice} = ${r.value}${r.notes ? `\n${r.notes}` : ""}` },
        mlnbEl(
          "div",
          { class: "mlnb-sm-slicecell" },
          all ? mlnbEl("span", { class: "mlnb-sm-slicing", text: r.slice }) : null,
          mlnbEl("span", { class: "mlnb-sm-value", text: r.value }),
          r.notes ? mlnbEl("span", { class: "mlnb-sm-info", "aria-label": `note: ${r.notes}`, text: "i" }) : null,
        ),
      );
      const flag = mlnbEl("td", { class: "flag" });
      if (r.flagged) flag.append(mlnbEl("span", { class: "mlnb-sm-flag", text: "worse" }));
      else if (r.too_small) {
        flag.append(
          mlnbEl("span", {
            class: "mlnb-sm-small",
            text: "too small",
            title: `fewer than ${ctx.min_slice_size ?? "the minimum"} rows: not judged`,
          }),
        );
      }
      const countCell = mlnbEl("td", {
        class: "num",
        text: mlnbCount(r.count),
        title: r.weighted_count !== r.count ? `weighted count ${mlnbSig(r.weighted_count, 6)}` : null,
      });
      const ci =
        mlnbIsNum(r.ci_low) && mlnbIsNum(r.ci_high) ? `[${mlnbNum(r.ci_low)}, ${mlnbNum(r.ci_high)}]` : "–";
      return mlnbEl(
        "tr",
        { class: cls || null, "data-id": r.id },
        name,
        countCell,
        cell(r.metric, mlnbNum(r.metric), r, "num strong"),
        cell(r.ci_low, ci, r, "num faint"),
        cell(r.difference, signed(r.difference), r),
        goal !== metric ? cell(r.goal, mlnbNum(r.goal), r) : null,
        cell(r.p_value, pValue(r.p_value), r),
        flag,
      );
    });
    if (!rows.length) {
      const why = get("only_significant")
        ? `No slice is significantly worse than the rest on ${goal}.`
        : "No slice to show.";
      body.push(mlnbEl("tr", {}, mlnbEl("td", { class: "mlnb-sm-empty", colspan: columns.length, text: why })));
    }
    const table = mlnbEl(
      "table",
      { class: "mlnb-sm-table" },
      mlnbEl("thead", {}, headRow),
      mlnbEl("tbody", {}, body),
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
      `${mlnbCount(n)} ${what}${all ? "" : ` of ${get("slice_column")}`} · sorted by ` +
      `${sortCol ? sortCol.label : sortBy} ${asc ? "ascending" : "descending"} · ` +
      `overall ${metric} ${mlnbNum(overall[metric])} (${mlnbCount(overall.count)} rows)`;
    pageText.textContent = `${mlnbCount(first)}–${mlnbCount(last)} of ${mlnbCount(n)} · page ${page + 1} of ${nPages}`;
    firstB.disabled = prevB.disabled = page <= 0;
    nextB.disabled = lastB.disabled = page >= nPages - 1;
    pager.classList.toggle("single", nPages <= 1);
  }

  // -- scheduling: one redraw per animation frame --
  const schedule = mlnbScheduler((parts) => {
    if (parts.has("head")) refreshHead();
    if (parts.has("controls")) syncControls();
    if (parts.has("chart")) refreshChart();
    if (parts.has("table")) refreshTable();
  });

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
  const unlisten = mlnbListen(model, listeners, schedule);

  // The chart is drawn at the card's width.
  const resizer = mlnbWatchWidths([chartBox], () => schedule("chart"));

  refreshHead();
  syncControls();
  refreshChart();
  refreshTable();

  return () => {
    unlisten();
    resizer?.disconnect();
    clearTimeout(thresholdTimer);
  };
}

export default { render };
