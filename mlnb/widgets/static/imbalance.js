// ImbalanceExplorer view (anywidget ESM).
//
// Renders the widget's traits and writes the input traits (threshold, targets, cost
// ratio, objective); every number comes from Python. The helpers named mlnb* (DOM
// builders that set text with textContent only, number formats, the view's
// plumbing) are in common.js, which mlnb/widgets/assets.py puts in front of this
// file.

const OBJECTIVE_ORDER = ["auc_pr", "auc_roc", "log_loss"];
const SHORT_NAMES = { auc_pr: "AUC-PR", auc_roc: "AUC-ROC", log_loss: "Log loss" };

// -- number formatting (mlnbSig, mlnbPct, mlnbCount, ... come from common.js) ------
const fixed = (x, digits = 3) => (mlnbIsNum(x) ? x.toFixed(digits) : "–");

function shorten(text, max) {
  const s = String(text);
  return s.length <= max ? s : `${s.slice(0, Math.max(1, max - 1))}…`;
}

// -- charts (inline SVG: mlnbChartFrame and mlnbPath from common.js) -------------
const CHART_CLASS = "mlnb-ie-chart";
// the charts' size, margins and x tick labels' offset, unless a chart says otherwise
const FRAME = { width: 260, height: 200, margin: { top: 26, right: 12, bottom: 38, left: 44 }, xTickDy: 13 };

function marker(f, x, y, text) {
  if (!mlnbIsNum(x) || !mlnbIsNum(y)) return;
  const c = mlnbSvg("circle", { class: "op", cx: f.sx(x), cy: f.sy(y), r: 5 }, f.plot);
  mlnbSvg("title", {}, c, text);
}

function distributionChart(ds) {
  const classes = ds.classes ?? [];
  const n = classes.length;
  const trap = ds.majority_accuracy;
  const described = classes
    .slice(0, 12)
    .map((c) => `${c.label}: ${mlnbPct(c.share)}`)
    .join(", ");
  const f = mlnbChartFrame(CHART_CLASS, {
    ...FRAME,
    width: 270,
    height: 210,
    y: [0, 1.12],
    yTicks: [0, 0.25, 0.5, 0.75, 1],
    yFmt: (v) => mlnbPct(v, 0),
    title: "Class distribution",
    yLabel: "share of rows",
    margin: { ...FRAME.margin, bottom: n > 6 ? 30 : 38 },
    label:
      `Class distribution: ${described}${n > 12 ? ", …" : ""}. Always predicting ` +
      `${ds.majority_label} gives ${mlnbPct(trap)} accuracy (the accuracy trap).`,
  });
  const band = f.pw / Math.max(n, 1);
  const barWidth = Math.min(60, band * 0.72);
  const showText = n <= 8;
  classes.forEach((c, i) => {
    const cx = f.m.left + band * (i + 0.5);
    const top = f.sy(c.share);
    const base = f.sy(0);
    const cls = c.minority ? "bar minority" : c.majority ? "bar majority" : "bar";
    const rect = mlnbSvg(
      "rect",
      { class: cls, x: cx - barWidth / 2, y: top, width: barWidth, height: Math.max(base - top, 1) },
      f.plot,
    );
    mlnbSvg("title", {}, rect, `${c.label}: ${mlnbCount(c.count)} rows (${mlnbPct(c.share)})`);
    if (showText) {
      const inside = base - top > 34;
      mlnbSvg(
        "text",
        {
          class: inside ? "bar-value inside" : "bar-value",
          x: cx,
          y: inside ? top + 26 : top - 4,
          "text-anchor": "middle",
        },
        f.plot,
        mlnbPct(c.share),
      );
      mlnbSvg(
        "text",
        { class: "bar-count", x: cx, y: inside ? top + 38 : top - 16, "text-anchor": "middle" },
        f.plot,
        inside ? mlnbCount(c.count) : "",
      );
      const maxChars = Math.max(3, Math.floor(band / 6.2));
      const tick = mlnbSvg(
        "text",
        { class: "tick", x: cx, y: base + 13, "text-anchor": "middle" },
        f.plot,
        shorten(c.label, maxChars),
      );
      mlnbSvg("title", {}, tick, c.label);
      if (!inside) {
        // the small bar's row count goes under its label
        mlnbSvg(
          "text",
          { class: "tick faint", x: cx, y: base + 25, "text-anchor": "middle" },
          f.plot,
          `${mlnbCount(c.count)} rows`,
        );
      }
    }
  });
  if (mlnbIsNum(trap)) {
    const y = f.sy(trap);
    mlnbSvg("line", { class: "trap", x1: f.m.left, x2: f.m.left + f.pw, y1: y, y2: y }, f.plot);
    mlnbSvg(
      "text",
      { class: "trap-label", x: f.m.left + f.pw, y: y - 5, "text-anchor": "end" },
      f.plot,
      `accuracy trap ${mlnbPct(trap)}`,
    );
  }
  return f.root;
}

function rocChart(curve, ms, op) {
  const ticks = [0, 0.25, 0.5, 0.75, 1];
  const f = mlnbChartFrame(CHART_CLASS, {
    ...FRAME,
    title: `ROC · AUC ${fixed(ms.roc_auc)}`,
    xLabel: "false positive rate",
    yLabel: "recall (true positive rate)",
    xTicks: [0, 0.5, 1],
    yTicks: ticks,
    label:
      `ROC curve, area ${fixed(ms.roc_auc)}; operating point at false positive ` +
      `rate ${mlnbPct(op.fpr)} and recall ${mlnbPct(op.recall)}`,
  });
  mlnbSvg("line", { class: "chance", x1: f.sx(0), y1: f.sy(0), x2: f.sx(1), y2: f.sy(1) }, f.plot);
  const pts = (curve.fpr ?? []).map((x, i) => [x, curve.recall[i]]);
  pts.push([0, 0]);
  pts.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  mlnbSvg("path", { class: "curve", d: mlnbPath(pts, f.sx, f.sy) }, f.plot);
  marker(f, op.fpr, op.recall, `threshold ${mlnbSig(op.threshold)}: FPR ${mlnbPct(op.fpr)}, recall ${mlnbPct(op.recall)}`);
  return f.root;
}

function prChart(curve, ms, op) {
  const f = mlnbChartFrame(CHART_CLASS, {
    ...FRAME,
    title: `Precision–recall · AUC-PR ${fixed(ms.average_precision)}`,
    xLabel: "recall",
    yLabel: "precision",
    xTicks: [0, 0.5, 1],
    yTicks: [0, 0.25, 0.5, 0.75, 1],
    label:
      `Precision-recall curve, average precision ${fixed(ms.average_precision)}, no-skill ` +
      `level ${fixed(ms.prevalence)}; operating point at recall ${mlnbPct(op.recall)} and ` +
      `precision ${mlnbPct(op.precision)}`,
  });
  if (mlnbIsNum(ms.prevalence)) {
    const y = f.sy(ms.prevalence);
    mlnbSvg("line", { class: "chance", x1: f.sx(0), x2: f.sx(1), y1: y, y2: y }, f.plot);
    mlnbSvg(
      "text",
      { class: "note", x: f.sx(1), y: y - 4, "text-anchor": "end" },
      f.plot,
      `no skill ${mlnbPct(ms.prevalence)}`,
    );
  }
  const recall = curve.recall ?? [];
  const pts = [];
  for (let i = recall.length - 1; i >= 0; i -= 1) pts.push([recall[i], curve.precision[i]]);
  mlnbSvg("path", { class: "curve", d: mlnbPath(pts, f.sx, f.sy) }, f.plot);
  marker(
    f,
    op.recall,
    op.precision,
    `threshold ${mlnbSig(op.threshold)}: recall ${mlnbPct(op.recall)}, precision ${mlnbPct(op.precision)}`,
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
  const f = mlnbChartFrame(CHART_CLASS, {
    ...FRAME,
    width,
    height: 150,
    margin: { top: 32, left: HIST_LEFT, right: HIST_RIGHT, bottom: 34 },
    x: [x0, x1],
    y: [0, top],
    xTicks: [x0, mid, x1],
    xFmt: (v) => mlnbSig(v, 3),
    yTicks: [0, top / 2.24, top / 1.12].map((v) => Number(v.toPrecision(2))),
    yFmt: (v) => mlnbPct(v, 0),
    title: "Scores by class",
    xLabel: `model score (score ≥ threshold predicts ${ms.positive_label})`,
    yLabel: "share of class",
    label:
      `Histogram of scores for ${ms.negative_label} and ${ms.positive_label}, each as a ` +
      `share of its class, with the threshold at ${mlnbSig(threshold)}`,
  });
  const area = (values, cls) => {
    let d = `M${f.sx(edges[0]).toFixed(1)},${f.sy(0).toFixed(1)}`;
    values.forEach((v, i) => {
      d += `L${f.sx(edges[i]).toFixed(1)},${f.sy(v).toFixed(1)}`;
      d += `L${f.sx(edges[i + 1]).toFixed(1)},${f.sy(v).toFixed(1)}`;
    });
    d += `L${f.sx(edges[edges.length - 1]).toFixed(1)},${f.sy(0).toFixed(1)}Z`;
    mlnbSvg("path", { class: cls, d }, f.plot);
  };
  if (edges.length > 1) {
    area(neg, "hist negative");
    area(pos, "hist positive");
  }
  if (mlnbIsNum(threshold)) {
    const x = f.sx(Math.min(Math.max(threshold, x0), x1));
    mlnbSvg("line", { class: "thr", x1: x, x2: x, y1: f.m.top - 8, y2: f.m.top + f.ph }, f.plot);
    mlnbSvg(
      "text",
      {
        class: "thr-label",
        x: x + (x > f.m.left + f.pw * 0.75 ? -4 : 4),
        y: f.m.top + 2,
        "text-anchor": x > f.m.left + f.pw * 0.75 ? "end" : "start",
      },
      f.plot,
      `threshold ${mlnbSig(threshold)}`,
    );
  }
  // legend, top right
  const legend = mlnbSvg("g", { class: "legend" }, f.root);
  const items = [
    ["negative", `actual ${ms.negative_label}`],
    ["positive", `actual ${ms.positive_label}`],
  ];
  let lx = f.width - f.m.right;
  for (const [cls, name] of items.reverse()) {
    const text = shorten(name, 18);
    const w = 14 + text.length * 6.2;
    lx -= w + 8;
    mlnbSvg("rect", { class: `hist ${cls}`, x: lx, y: 6, width: 10, height: 10 }, legend);
    mlnbSvg("text", { class: "tick", x: lx + 14, y: 15 }, legend, text);
  }
  return f.root;
}

// -- the view ------------------------------------------------------------------------
function render({ model, el: host }) {
  const uid = mlnbUid("mlnb-ie");
  const { get, save } = mlnbTraits(model);

  const root = mlnbEl("div", { class: "mlnb-ie", role: "group", "aria-label": "Imbalance explorer" });
  const head = mlnbEl("div", { class: "mlnb-ie-head" });
  const banner = mlnbEl("div", { class: "mlnb-ie-banner", role: "status" });
  const dataRow = mlnbEl("div", { class: "mlnb-ie-row" });
  const modelBox = mlnbEl("div", { class: "mlnb-ie-model" });
  const remedies = mlnbEl("div", { class: "mlnb-ie-remedies" });

  // objective selector (persistent element so it keeps focus)
  const objectiveSelect = mlnbEl("select", { id: `${uid}-objective`, class: "mlnb-ie-select" });
  const objectiveNote = mlnbEl("p", { class: "mlnb-ie-note", "aria-live": "polite" });
  objectiveSelect.addEventListener("change", () => save({ objective: objectiveSelect.value }));

  // threshold controls (persistent)
  const slider = mlnbEl("input", {
    id: `${uid}-threshold`,
    type: "range",
    class: "mlnb-ie-range",
    "aria-describedby": `${uid}-source`,
  });
  const thresholdNumber = mlnbEl("input", {
    type: "number",
    class: "mlnb-ie-num",
    step: "any",
    "aria-label": "threshold value",
  });
  const recallInput = mlnbEl("input", {
    id: `${uid}-recall`,
    type: "number",
    class: "mlnb-ie-num",
    min: 0,
    max: 1,
    step: 0.01,
    placeholder: "e.g. 0.8",
  });
  const precisionInput = mlnbEl("input", {
    id: `${uid}-precision`,
    type: "number",
    class: "mlnb-ie-num",
    min: 0,
    max: 1,
    step: 0.01,
    placeholder: "e.g. 0.5",
  });
  const costInput = mlnbEl("input", {
    id: `${uid}-cost`,
    type: "number",
    class: "mlnb-ie-num",
    min: 0,
    step: "any",
    value: 10,
    title: "how many false alarms one missed positive is worth",
  });
  const bestButton = mlnbEl("button", {
    type: "button",
    class: "mlnb-ie-button",
    text: "Best threshold",
    "aria-label": "Move the threshold to the lowest expected cost for this cost ratio",
  });
  const source = mlnbEl("div", { id: `${uid}-source`, class: "mlnb-ie-source" });
  const errorBox = mlnbEl("div", { class: "mlnb-ie-error", role: "alert" });

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
    thresholdNumber.value = mlnbSig(v, 4);
    slider.setAttribute("aria-valuetext", mlnbSig(v, 4));
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

  const histBox = mlnbEl("div", { class: "mlnb-ie-hist" });
  const controls = mlnbEl(
    "div",
    { class: "mlnb-ie-card mlnb-ie-controls" },
    mlnbEl(
      "div",
      { class: "mlnb-ie-line" },
      mlnbEl("label", { for: `${uid}-threshold`, class: "mlnb-ie-strong", text: "Threshold" }),
      thresholdNumber,
      source,
    ),
    mlnbEl("div", { class: "mlnb-ie-track", style: `margin: 0 ${HIST_RIGHT - 8}px 0 ${HIST_LEFT - 8}px` }, slider),
    histBox,
    mlnbEl(
      "div",
      { class: "mlnb-ie-line wrap" },
      mlnbEl(
        "span",
        { class: "mlnb-ie-pair" },
        mlnbEl("label", { for: `${uid}-recall`, text: "Target recall" }),
        recallInput,
      ),
      mlnbEl(
        "span",
        { class: "mlnb-ie-pair" },
        mlnbEl("label", { for: `${uid}-precision`, text: "Target precision" }),
        precisionInput,
      ),
      mlnbEl(
        "span",
        { class: "mlnb-ie-pair" },
        mlnbEl("label", { for: `${uid}-cost`, text: "A missed positive costs" }),
        costInput,
        mlnbEl("span", { text: "false alarms" }),
      ),
      bestButton,
    ),
    errorBox,
  );
  const cmBox = mlnbEl("div", { class: "mlnb-ie-card mlnb-ie-cm" });
  const rocBox = mlnbEl("div", { class: "mlnb-ie-card mlnb-ie-chartbox" });
  const prBox = mlnbEl("div", { class: "mlnb-ie-card mlnb-ie-chartbox" });
  const objectiveBox = mlnbEl("div", { class: "mlnb-ie-card mlnb-ie-objective" });
  modelBox.append(controls, mlnbEl("div", { class: "mlnb-ie-row" }, cmBox, rocBox, prBox));
  root.append(head, banner, dataRow, modelBox, remedies);
  mlnbKeepKeys(root);
  host.append(root);

  // A side's status badge; hovering it tells which condition decided the status.
  function decidedBadge(side, prefix) {
    const badge = mlnbBadge("mlnb-ie-badge", side.status, prefix);
    if (side.decided_by) badge.title = `Status decided by: ${side.decided_by}`;
    return badge;
  }

  function refreshHead() {
    const ds = get("data_summary") ?? {};
    const ms = get("model_summary") ?? {};
    const hasModel = get("has_model");
    const bits = [];
    if (ds.label_name) bits.push(`label ${ds.label_name}`);
    if (mlnbIsNum(ds.n_samples)) bits.push(`${mlnbCount(ds.n_samples)} rows`);
    if (ds.positive_label !== null && ds.positive_label !== undefined) {
      bits.push(`positive class ${ds.positive_label}`);
    }
    head.replaceChildren(
      ...mlnbHead(
        "mlnb-ie",
        "Imbalance explorer",
        bits,
        [
          decidedBadge(ds, "data "),
          hasModel ? decidedBadge(ms, "model ") : null,
        ],
        [`Data: ${ds.summary ?? ""}`, ...(hasModel ? [`Model: ${ms.summary ?? ""}`] : [])],
      ),
    );
    const trap = ds.trap ?? "";
    banner.replaceChildren();
    banner.hidden = !trap;
    banner.className = `mlnb-ie-banner ${ds.status === "fail" ? "fail" : "warn"}`;
    if (trap) {
      banner.append(mlnbEl("span", { class: "mlnb-ie-icon", "aria-hidden": "true", text: "⚠" }), trap);
    }
  }

  function refreshData() {
    const ds = get("data_summary") ?? {};
    const classes = ds.classes ?? [];
    const shown = classes.slice(0, 8);
    const table = mlnbEl(
      "table",
      { class: "mlnb-ie-table" },
      mlnbEl(
        "caption",
        { text: "Classes and balanced weights" },
      ),
      mlnbEl(
        "thead",
        {},
        mlnbEl("tr", {}, ["class", "rows", "share", "weight"].map((h) => mlnbEl("th", { scope: "col", text: h }))),
      ),
      mlnbEl(
        "tbody",
        {},
        shown.map((c) =>
          mlnbEl(
            "tr",
            {},
            mlnbEl("th", { scope: "row", text: shorten(c.label, 24), title: c.label }),
            mlnbEl("td", { text: mlnbCount(c.count) }),
            mlnbEl("td", { text: mlnbPct(c.share) }),
            mlnbEl("td", { text: mlnbSig(c.class_weight, 3) }),
          ),
        ),
        classes.length > shown.length
          ? mlnbEl("tr", {}, mlnbEl("td", { colspan: 4, text: `… ${classes.length - shown.length} more classes` }))
          : null,
      ),
    );
    const facts = mlnbEl("dl", { class: "mlnb-ie-facts" });
    const fact = (k, v) => facts.append(mlnbEl("dt", { text: k }), mlnbEl("dd", { text: v }));
    if (mlnbIsNum(ds.imbalance_ratio)) fact("majority : minority", `${mlnbSig(ds.imbalance_ratio, 4)} : 1`);
    if (ds.degree) fact("imbalance", ds.degree);
    if (mlnbIsNum(ds.initial_bias)) {
      fact("initial output bias", fixed(ds.initial_bias, 4));
      fact("initial loss", `${fixed(ds.initial_loss, 3)} (not ${fixed(ds.naive_initial_loss, 3)})`);
    }
    const dataCard = mlnbEl("div", { class: "mlnb-ie-card mlnb-ie-data" }, table, facts);
    dataRow.replaceChildren(
      mlnbEl("div", { class: "mlnb-ie-card mlnb-ie-chartbox" }, distributionChart(ds)),
      dataCard,
      objectiveBox,
    );

    const items = [...(ds.remedies ?? [])];
    if (ds.objective_reason) items.unshift(`Objective: ${ds.objective_reason}`);
    const details = mlnbEl(
      "details",
      { class: "mlnb-ie-card", open: !get("has_model") },
      mlnbEl("summary", { text: `What to do (${items.length})` }),
      mlnbEl("ul", {}, items.map((r) => mlnbEl("li", { text: r }))),
    );
    const wasOpen = remedies.querySelector("details")?.open;
    if (wasOpen !== undefined) details.open = wasOpen;
    remedies.replaceChildren(details);
  }

  const objectiveModelLine = mlnbEl("p", { class: "mlnb-ie-note strong" });
  objectiveBox.append(
    mlnbEl("label", { for: `${uid}-objective`, class: "mlnb-ie-strong", text: "Objective to optimise" }),
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
          mlnbEl("option", {
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
      mlnbEl("span", {
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
        text = mlnbIsNum(ms.log_loss)
          ? `This model: log loss ${fixed(ms.log_loss, 4)} (the base rate alone: ${fixed(ds.initial_loss, 4)}).`
          : "This model: log loss n/a — the scores are not probabilities.";
      }
    }
    mlnbShowText(objectiveModelLine, text);
  }

  function syncControls() {
    const lo = get("threshold_min");
    const hi = get("threshold_max");
    slider.min = String(lo);
    slider.max = String(hi);
    slider.step = String((hi - lo) / 1000 || 0.001);
    const t = get("threshold");
    if (document.activeElement !== slider) slider.value = String(t);
    slider.setAttribute("aria-valuetext", mlnbSig(t, 4));
    if (document.activeElement !== thresholdNumber) thresholdNumber.value = mlnbSig(t, 4);
    const setIf = (input, value) => {
      if (document.activeElement === input) return;
      input.value = mlnbIsNum(value) ? String(value) : "";
    };
    setIf(recallInput, get("target_recall"));
    setIf(precisionInput, get("target_precision"));
    const cost = get("cost_ratio");
    if (mlnbIsNum(cost) && document.activeElement !== costInput) costInput.value = String(cost);
    const ms = get("model_summary") ?? {};
    const src = get("threshold_source");
    const says = {
      initial: "initial threshold",
      manual: "set by hand",
      recall: `best precision with recall ≥ ${mlnbSig(get("target_recall"), 4)}`,
      precision: `best recall with precision ≥ ${mlnbSig(get("target_precision"), 4)}`,
      cost: `lowest expected cost when a missed positive costs ${mlnbSig(cost, 4)}× a false alarm`,
    };
    source.textContent =
      `score ≥ ${mlnbSig(t, 4)} predicts ${ms.positive_label ?? "positive"} · ${says[src] ?? src}`;
    mlnbShowText(errorBox, get("error") ?? "");
  }

  function confusion(op, ms) {
    const neg = String(ms.negative_label);
    const pos = String(ms.positive_label);
    const cell = (value, name, ok, actual, predicted) =>
      mlnbEl(
        "td",
        {
          class: ok ? "ok" : "bad",
          "aria-label": `actual ${actual}, predicted ${predicted}: ${mlnbCount(value)} ${name}`,
        },
        mlnbEl("span", { class: "mlnb-ie-count", text: mlnbCount(value) }),
        mlnbEl("span", { class: "mlnb-ie-cellname", text: name }),
      );
    const table = mlnbEl(
      "table",
      { class: "mlnb-ie-cmgrid" },
      mlnbEl("caption", { text: `Confusion matrix at threshold ${mlnbSig(op.threshold, 4)}` }),
      mlnbEl(
        "thead",
        {},
        mlnbEl(
          "tr",
          {},
          mlnbEl("td", {}),
          mlnbEl("th", { scope: "col", text: `predicted ${shorten(neg, 16)}`, title: neg }),
          mlnbEl("th", { scope: "col", text: `predicted ${shorten(pos, 16)}`, title: pos }),
        ),
      ),
      mlnbEl(
        "tbody",
        {},
        mlnbEl(
          "tr",
          {},
          mlnbEl("th", { scope: "row", text: `actual ${shorten(neg, 16)}`, title: neg }),
          cell(op.tn, "true negatives", true, neg, neg),
          cell(op.fp, "false alarms", false, neg, pos),
        ),
        mlnbEl(
          "tr",
          {},
          mlnbEl("th", { scope: "row", text: `actual ${shorten(pos, 16)}`, title: pos }),
          cell(op.fn, "missed", false, pos, neg),
          cell(op.tp, "true positives", true, pos, pos),
        ),
      ),
    );
    const ds = get("data_summary") ?? {};
    const rates = mlnbEl("dl", { class: "mlnb-ie-rates" });
    const rate = (name, value, hint) =>
      rates.append(mlnbEl("dt", { text: name, title: hint }), mlnbEl("dd", { text: value }));
    rate("precision", mlnbPct(op.precision), "share of flagged rows that are positive");
    rate("recall", mlnbPct(op.recall), "share of positives that are flagged");
    rate("F1", fixed(op.f1), "harmonic mean of precision and recall");
    rate("FPR", mlnbPct(op.fpr, 2), "false positive rate: share of negatives that are flagged");
    rate(
      "accuracy",
      `${mlnbPct(op.accuracy)} (trap ${mlnbPct(ds.majority_accuracy)})`,
      `accuracy hides a rare class: always predicting ${ds.majority_label ?? ""} scores ` +
        `${mlnbPct(ds.majority_accuracy)}`,
    );
    rate("flagged", mlnbPct(op.predicted_positive_rate, 2), "share of rows predicted positive");
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

  const schedule = mlnbScheduler((parts) => {
    if (parts.has("head")) refreshHead();
    if (parts.has("data")) refreshData();
    if (parts.has("data") || parts.has("objective")) refreshObjective();
    if (parts.has("model")) {
      localThreshold = null;
      refreshModel();
    }
    if (parts.has("controls")) syncControls();
  });

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
  const unlisten = mlnbListen(model, listeners, schedule);

  // The histogram is drawn at the card's width (so it lines up with the slider).
  const resizer = mlnbWatchWidths([histBox], () => schedule("model"));

  refreshHead();
  refreshData();
  refreshObjective();
  refreshModel();
  syncControls();

  return () => {
    unlisten();
    resizer?.disconnect();
  };
}

export default { render };
