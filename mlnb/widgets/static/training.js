// TrainingLauncher view (anywidget ESM).
//
// A form (target, backend, machine and accelerators — only the combinations in the
// "options" trait —, hyperparameter rows, metric and goal, trials) whose values go to
// the "form" trait; Launch and Cancel are messages to Python, which launches in the
// kernel. Below it, the live view of the job: the status timeline, the metric chart
// per trial with the best highlighted, the trials table and the log tail. Every
// number and every line of log comes from Python; log lines are untrusted text and
// are only ever set with textContent (common.js builds all elements that way).

const P = "mlnb-tl";
const LINE_COLORS = ["#4e79a7", "#f28e2b", "#59a14f", "#b07aa1", "#76b7b2", "#edc948", "#9c755f", "#ff9da7"];
const STATE_STATUS = {
  queued: "neutral",
  running: "info",
  cancelling: "warn",
  cancelled: "warn",
  succeeded: "pass",
  failed: "fail",
};
const ACTIVE = new Set(["queued", "running", "cancelling"]);
const MAX_GANTT = 40;

function stateBadge(state) {
  const s = String(state || "queued");
  const status = STATE_STATUS[s] || "neutral";
  return mlnbEl("span", {
    class: `${P}-badge ${P}-state-${status}`,
    style: `background:${MLNB_STATUS_COLORS[status] || "#757575"}`,
    text: s.toUpperCase(),
  });
}

function stateColor(state) {
  return MLNB_STATUS_COLORS[STATE_STATUS[state]] || "#757575";
}

// seconds as "4.2 s", "3 min 05 s"
function seconds(x) {
  if (!mlnbIsNum(x)) return "–";
  if (x < 60) return `${x.toFixed(x < 10 ? 1 : 0)} s`;
  const m = Math.floor(x / 60);
  const s = Math.round(x - 60 * m);
  return `${m} min ${String(s).padStart(2, "0")} s`;
}

function clock(t) {
  if (!mlnbIsNum(t)) return "";
  return new Date(t * 1000).toLocaleTimeString([], { hour12: false });
}

function paramsText(params) {
  return Object.entries(params || {})
    .map(([k, v]) => `${k}=${typeof v === "number" ? mlnbSig(v, 4) : String(v)}`)
    .join(", ");
}

function option(value, text, selected) {
  return mlnbEl("option", { value, text, selected: selected || undefined });
}

// Fill a <select> with [value, text] pairs (keeps the node, so focus stays).
function fillSelect(select, pairs, current) {
  const key = JSON.stringify(pairs);
  if (select.dataset.key !== key) {
    select.replaceChildren(...pairs.map(([v, t]) => option(v, t, String(v) === String(current))));
    select.dataset.key = key;
  }
  select.value = String(current);
}

function field(label, control, cls = "") {
  return mlnbEl("label", { class: `${P}-field ${cls}` }, mlnbEl("span", { class: `${P}-flabel`, text: label }), control);
}

function render({ model, el: host }) {
  const { get, save } = mlnbTraits(model);
  const root = mlnbEl("div", { class: P, role: "group", "aria-label": "Training launcher" });
  const head = mlnbEl("div", { class: `${P}-head` });
  const errorBox = mlnbEl("div", { class: `${P}-error`, role: "alert" });

  // -- the form ---------------------------------------------------------------------
  const input = (cls, attrs = {}) => mlnbEl("input", { class: `${P}-num ${cls}`, ...attrs });
  const select = (cls, attrs = {}) => mlnbEl("select", { class: `${P}-select ${cls}`, ...attrs });
  const c = {
    target: input(`${P}-target`, { type: "text", placeholder: "train.py", spellcheck: "false" }),
    backend: select(`${P}-backend`),
    machine_type: select(`${P}-machine`),
    accelerator_type: select(`${P}-accel`),
    accelerator_count: select(`${P}-count`),
    project: input(`${P}-project`, { type: "text", placeholder: "from aiplatform.init" }),
    location: input(`${P}-location`, { type: "text", placeholder: "from aiplatform.init" }),
    staging_bucket: input(`${P}-bucket`, { type: "text", placeholder: "gs://…" }),
    image: input(`${P}-image`, { type: "text", placeholder: "a training container image URI", spellcheck: "false" }),
    metric: input(`${P}-metric`, { type: "text", placeholder: "accuracy", spellcheck: "false" }),
    goal: select(`${P}-goal`),
    max_trials: input(`${P}-maxtrials`, { type: "number", min: 1, step: 1 }),
    parallel_trials: input(`${P}-parallel`, { type: "number", min: 1, step: 1 }),
  };
  const launchButton = mlnbEl("button", { class: `${P}-button ${P}-launch`, type: "button", text: "Launch" });
  const cancelButton = mlnbEl("button", { class: `${P}-button ${P}-cancel`, type: "button", text: "Cancel" });
  const addRow = mlnbEl("button", { class: `${P}-button ${P}-addrow`, type: "button", text: "+ parameter" });
  const hpBody = mlnbEl("tbody");
  const hpTable = mlnbEl(
    "table",
    { class: `${P}-hp` },
    mlnbEl(
      "thead",
      {},
      mlnbEl("tr", {}, ["name", "kind", "low", "high", "log", "values (choice)", ""].map((h) => mlnbEl("th", { text: h }))),
    ),
    hpBody,
  );
  const localNote = mlnbEl("span", { class: `${P}-faint ${P}-localnote` });
  const vertexBox = mlnbEl(
    "div",
    { class: `${P}-row ${P}-vertex` },
    field("project", c.project),
    field("region", c.location),
    field("staging bucket", c.staging_bucket, `${P}-wide`),
    field("container image", c.image, `${P}-wide`),
  );
  const deviceRow = mlnbEl(
    "div",
    { class: `${P}-row` },
    field("machine type", c.machine_type, `${P}-machinefield`),
    field("accelerator", c.accelerator_type),
    field("count", c.accelerator_count),
    localNote,
  );
  const formCard = mlnbEl(
    "div",
    { class: `${P}-card ${P}-form` },
    mlnbEl("div", { class: `${P}-row` }, field("target", c.target, `${P}-wide`), field("backend", c.backend)),
    deviceRow,
    vertexBox,
    mlnbEl("div", { class: `${P}-cardtitle`, text: "Hyperparameters" }),
    mlnbEl("div", { class: `${P}-scroll` }, hpTable),
    addRow,
    mlnbEl(
      "div",
      { class: `${P}-row` },
      field("metric", c.metric),
      field("goal", c.goal),
      field("trials", c.max_trials, `${P}-short`),
      field("parallel", c.parallel_trials, `${P}-short`),
      mlnbEl("span", { class: `${P}-actions` }, launchButton, cancelButton),
    ),
  );

  // -- the live view ----------------------------------------------------------------
  const timelineChips = mlnbEl("div", { class: `${P}-chips`, "aria-live": "polite" });
  const ganttBox = mlnbEl("div", { class: `${P}-gantt` });
  const timelineCard = mlnbEl(
    "div",
    { class: `${P}-card ${P}-timeline` },
    mlnbEl("div", { class: `${P}-cardtitle`, text: "Status timeline" }),
    timelineChips,
    ganttBox,
  );
  const metricSelect = select(`${P}-metricsel`, { "aria-label": "metric charted" });
  const chartLegend = mlnbEl("div", { class: `${P}-legend` });
  const chartBox = mlnbEl("div", { class: `${P}-chartbox` });
  const chartCard = mlnbEl(
    "div",
    { class: `${P}-card ${P}-chart` },
    mlnbEl("div", { class: `${P}-cardhead` }, mlnbEl("span", { class: `${P}-cardtitle`, text: "Metric per trial" }), metricSelect),
    chartBox,
    chartLegend,
  );
  const trialsBody = mlnbEl("tbody");
  const trialsCard = mlnbEl(
    "div",
    { class: `${P}-card ${P}-trials` },
    mlnbEl("div", { class: `${P}-cardtitle`, text: "Trials" }),
    mlnbEl(
      "div",
      { class: `${P}-scroll` },
      mlnbEl(
        "table",
        { class: `${P}-table` },
        mlnbEl(
          "thead",
          {},
          mlnbEl("tr", {}, ["trial", "state", "parameters", "value", "time", "log"].map((h) => mlnbEl("th", { text: h }))),
        ),
        trialsBody,
      ),
    ),
  );
  const logSelect = select(`${P}-logsel`, { "aria-label": "whose log" });
  const logNote = mlnbEl("span", { class: `${P}-faint ${P}-lognote` });
  const logPre = mlnbEl("pre", { class: `${P}-log`, tabindex: 0, "aria-label": "log tail" });
  const logCard = mlnbEl(
    "div",
    { class: `${P}-card ${P}-logcard` },
    mlnbEl("div", { class: `${P}-cardhead` }, mlnbEl("span", { class: `${P}-cardtitle`, text: "Log tail" }), logSelect, logNote),
    logPre,
  );
  const live = mlnbEl(
    "div",
    { class: `${P}-live` },
    timelineCard,
    mlnbEl("div", { class: `${P}-lower` }, chartCard, trialsCard),
    logCard,
  );
  root.append(head, errorBox, formCard, live);
  mlnbKeepKeys(root);
  host.append(root);

  const pending = new Set();
  const jobState = () => get("state") || "";
  const running = () => ACTIVE.has(jobState());

  // -- the form: values out of the trait, edits into it --------------------------
  let draft = { ...(get("form") || {}) };
  function commit(changes) {
    draft = { ...draft, ...changes };
    save({ form: draft });
  }

  function deviceChoices() {
    const opts = get("options") || {};
    if (draft.backend === "vertex") {
      const machines = opts.vertex?.machines || {};
      const names = Object.keys(machines);
      const machine = names.includes(draft.machine_type) ? draft.machine_type : names[0];
      const offered = machines[machine] || {};
      const accels = Object.keys(offered);
      const bundled = (opts.vertex?.bundled || []).includes(machine);
      const accel = accels.includes(draft.accelerator_type) ? draft.accelerator_type : bundled ? accels[0] : "";
      const counts = accel ? offered[accel] : [0];
      const count = counts.includes(draft.accelerator_count) ? draft.accelerator_count : counts[0];
      return { machine, names, accels, bundled, accel, counts, count, opts };
    }
    const local = opts.local || { gpus: [], counts: [0] };
    const counts = local.counts.length > 1 ? local.counts.slice(1) : [0];
    const accel = draft.accelerator_count > 0 && local.gpus.length ? "gpu" : "";
    const count = accel ? Math.min(draft.accelerator_count, local.gpus.length) : 0;
    return { local, counts, accel, count, opts };
  }

  function fillForm() {
    const f = (draft = { ...(get("form") || {}) });
    const opts = get("options") || {};
    const focused = root.ownerDocument.activeElement;
    const setValue = (node, value) => {
      if (node !== focused) node.value = value ?? "";
    };
    setValue(c.target, f.target);
    fillSelect(c.backend, (opts.backends || ["local"]).map((b) => [b, b === "vertex" ? "Vertex AI" : "local"]), f.backend);
    fillSelect(c.goal, (opts.goals || ["maximize", "minimize"]).map((g) => [g, g]), f.goal);
    for (const key of ["project", "location", "staging_bucket", "image", "metric", "max_trials", "parallel_trials"]) {
      setValue(c[key], f[key]);
    }
    const d = deviceChoices();
    const vertex = f.backend === "vertex";
    vertexBox.hidden = !vertex;
    c.machine_type.closest("label").hidden = !vertex;
    if (vertex) {
      fillSelect(c.machine_type, d.names.map((m) => [m, m]), d.machine);
      const names = d.opts.vertex?.accelerator_names || {};
      const accelPairs = d.accels.map((a) => [a, `${a} · ${names[a] || a}`]);
      fillSelect(c.accelerator_type, d.bundled ? accelPairs : [["", "none (CPU only)"], ...accelPairs], d.accel);
      fillSelect(c.accelerator_count, d.counts.map((n) => [n, String(n)]), d.count);
      c.accelerator_count.disabled = !d.accel || d.counts.length < 2;
      mlnbShowText(localNote, "");
    } else {
      const gpus = d.local.gpus;
      const label = gpus.length ? `GPU · ${gpus[0].name}${gpus.length > 1 ? ` (${gpus.length} here)` : ""}` : "";
      fillSelect(c.accelerator_type, gpus.length ? [["", "CPU only"], ["gpu", label]] : [["", "CPU only"]], d.accel);
      fillSelect(c.accelerator_count, d.counts.map((n) => [n, String(n)]), d.accel ? d.count : d.counts[0]);
      c.accelerator_count.disabled = !d.accel;
      mlnbShowText(localNote, gpus.length ? "" : "no CUDA GPU on this machine");
    }
    // the form keeps to a valid combination
    const fixed = vertex
      ? { machine_type: d.machine, accelerator_type: d.accel, accelerator_count: d.accel ? d.count : 0 }
      : { accelerator_count: d.accel ? d.count : 0 };
    if (Object.entries(fixed).some(([k, v]) => f[k] !== v)) commit(fixed);
    fillRows(f.hyperparameters || []);
    refreshButtons();
  }

  function hpRow(row, i) {
    const name = input(`${P}-hpname`, { type: "text", value: row.name ?? "", "aria-label": "name", spellcheck: "false" });
    const kind = select(`${P}-hpkind`, { "aria-label": "kind" });
    fillSelect(kind, ["float", "int", "choice"].map((k) => [k, k]), row.kind || "float");
    const low = input(`${P}-hplow`, { type: "text", value: row.low ?? "", "aria-label": "low" });
    const high = input(`${P}-hphigh`, { type: "text", value: row.high ?? "", "aria-label": "high" });
    const log = mlnbEl("input", { type: "checkbox", class: `${P}-hplog`, "aria-label": "log scale" });
    log.checked = Boolean(row.log);
    const values = input(`${P}-hpvalues`, { type: "text", value: row.values ?? "", "aria-label": "values", placeholder: "a, b, c" });
    const remove = mlnbEl("button", { class: `${P}-button ${P}-hpremove`, type: "button", text: "×", "aria-label": "remove parameter" });
    const choice = (row.kind || "float") === "choice";
    low.disabled = high.disabled = log.disabled = choice;
    values.disabled = !choice;
    const update = (key, value) => {
      const rows = [...(draft.hyperparameters || [])];
      rows[i] = { ...rows[i], [key]: value };
      commit({ hyperparameters: rows });
    };
    name.addEventListener("change", () => update("name", name.value.trim()));
    kind.addEventListener("change", () => update("kind", kind.value));
    low.addEventListener("change", () => update("low", low.value.trim()));
    high.addEventListener("change", () => update("high", high.value.trim()));
    log.addEventListener("change", () => update("log", log.checked));
    values.addEventListener("change", () => update("values", values.value));
    remove.addEventListener("click", () => {
      const rows = [...(draft.hyperparameters || [])];
      rows.splice(i, 1);
      commit({ hyperparameters: rows });
    });
    return mlnbEl("tr", {}, [name, kind, low, high, log, values, remove].map((n) => mlnbEl("td", {}, n)));
  }

  function fillRows(rows) {
    const key = JSON.stringify(rows);
    if (hpBody.dataset.key === key) return;
    hpBody.dataset.key = key;
    const focused = root.ownerDocument.activeElement;
    const focusAt = hpBody.contains(focused)
      ? [[...hpBody.rows].indexOf(focused.closest("tr")), [...focused.closest("tr").cells].indexOf(focused.closest("td"))]
      : null;
    hpBody.replaceChildren(...rows.map(hpRow));
    if (!rows.length) {
      hpBody.append(mlnbEl("tr", {}, mlnbEl("td", { colspan: 7, class: `${P}-empty`, text: "none — one run with the script's defaults" })));
    }
    if (focusAt && hpBody.rows[focusAt[0]]) hpBody.rows[focusAt[0]].cells[focusAt[1]]?.firstChild?.focus();
  }

  for (const key of ["target", "project", "location", "staging_bucket", "image", "metric"]) {
    c[key].addEventListener("change", () => commit({ [key]: c[key].value.trim() }));
  }
  for (const key of ["max_trials", "parallel_trials"]) {
    c[key].addEventListener("change", () => {
      const n = Math.max(1, Math.round(Number(c[key].value) || 1));
      commit({ [key]: n });
    });
  }
  c.goal.addEventListener("change", () => commit({ goal: c.goal.value }));
  c.backend.addEventListener("change", () => {
    draft = { ...draft, backend: c.backend.value, accelerator_type: "", accelerator_count: 0 };
    if (draft.backend === "vertex" && !draft.machine_type) draft.machine_type = "n1-standard-4";
    save({ form: draft });
  });
  c.machine_type.addEventListener("change", () => {
    draft = { ...draft, machine_type: c.machine_type.value, accelerator_type: "", accelerator_count: 0 };
    const d = deviceChoices();
    commit({ accelerator_type: d.accel, accelerator_count: d.accel ? d.count : 0 });
  });
  c.accelerator_type.addEventListener("change", () => {
    const accel = c.accelerator_type.value;
    if (draft.backend === "vertex") {
      draft = { ...draft, accelerator_type: accel, accelerator_count: -1 };
      const d = deviceChoices();
      commit({ accelerator_type: accel, accelerator_count: accel ? d.count : 0 });
    } else {
      commit({ accelerator_count: accel ? 1 : 0 });
    }
  });
  c.accelerator_count.addEventListener("change", () => commit({ accelerator_count: Number(c.accelerator_count.value) }));
  addRow.addEventListener("click", () => {
    const rows = [...(draft.hyperparameters || [])];
    rows.push({ name: "", kind: "float", low: "", high: "", log: false, values: "" });
    commit({ hyperparameters: rows });
  });
  launchButton.addEventListener("click", () => {
    // an edit still in a focused field is committed first
    root.ownerDocument.activeElement?.blur?.();
    model.send({ action: "launch" });
  });
  cancelButton.addEventListener("click", () => model.send({ action: "cancel" }));

  function refreshButtons() {
    const busy = running() || get("launching");
    launchButton.disabled = busy;
    cancelButton.disabled = !running() || jobState() === "cancelling";
    for (const node of formCard.querySelectorAll("input, select, button")) {
      if (node === launchButton || node === cancelButton) continue;
      node.disabled = busy || node.dataset.off === "1";
    }
    if (!busy) {
      // restore what the form itself disables
      const d = deviceChoices();
      c.accelerator_count.disabled = draft.backend === "vertex" ? !d.accel || d.counts.length < 2 : !d.accel;
      for (const tr of hpBody.rows) {
        const kind = tr.querySelector(`.${P}-hpkind`);
        if (!kind) continue;
        const choice = kind.value === "choice";
        for (const cls of ["hplow", "hphigh", "hplog"]) tr.querySelector(`.${P}-${cls}`).disabled = choice;
        tr.querySelector(`.${P}-hpvalues`).disabled = !choice;
      }
    }
  }

  // -- head -------------------------------------------------------------------------
  function refreshHead() {
    const info = get("job_info") || {};
    const state = jobState();
    const trials = get("trials") || [];
    const facts = [];
    if (info.name) facts.push(info.name);
    if (info.backend) facts.push(info.backend === "vertex" ? "Vertex AI" : "local");
    if (trials.length) facts.push(`${trials.length} of ${info.max_trials ?? trials.length} trial(s)`);
    const started = get("started");
    const ends = get("timeline") || [];
    if (mlnbIsNum(started)) {
      const last = ACTIVE.has(state) ? Date.now() / 1000 : ends.length ? ends[ends.length - 1].time : started;
      facts.push(seconds(last - started));
    }
    const series = get("series") || {};
    const best = trials.find((t) => t.number === series.best);
    const summaries = [];
    if (get("job_error")) summaries.push(`${state}: ${get("job_error")}`);
    if (best && mlnbIsNum(best.value)) {
      summaries.push(`best so far: trial ${best.number} — ${series.objective || "value"} ${mlnbSig(best.value, 5)} (${paramsText(best.params)})`);
    }
    head.replaceChildren(...mlnbHead(P, "Training launcher", facts, state ? [stateBadge(state)] : [], summaries));
    root.dataset.state = state;
  }

  function refreshError() {
    mlnbShowText(errorBox, get("error") || "");
  }

  // -- timeline -----------------------------------------------------------------------
  function refreshTimeline() {
    const events = get("timeline") || [];
    const started = get("started");
    live.hidden = !jobState() && !events.length && !(get("trials") || []).length;
    const jobEvents = events.filter((e) => e.trial === null || e.trial === undefined);
    timelineChips.replaceChildren(
      ...jobEvents.map((e, i) =>
        mlnbEl(
          "span",
          { class: `${P}-chip`, title: clock(e.time), "data-state": e.state },
          i ? mlnbEl("span", { class: `${P}-arrow`, text: "→" }) : null,
          stateBadge(e.state),
          mlnbEl("span", { class: `${P}-faint`, text: mlnbIsNum(started) ? `+${seconds(Math.max(0, e.time - started))}` : clock(e.time) }),
        ),
      ),
    );
    drawGantt();
  }

  function drawGantt() {
    const trials = (get("trials") || []).filter((t) => mlnbIsNum(t.started));
    const started = get("started");
    const width = Math.floor(ganttBox.clientWidth);
    if (!width) {
      pending.add(ganttBox); // hidden: drawn when it shows
      return;
    }
    if (!trials.length || !mlnbIsNum(started)) {
      ganttBox.replaceChildren();
      return;
    }
    const shown = trials.slice(-MAX_GANTT);
    const now = Date.now() / 1000;
    const ends = shown.map((t) => (mlnbIsNum(t.ended) ? t.ended : now));
    const span = Math.max(1e-3, Math.max(...ends) - started);
    const dom = mlnbNiceDomain(0, span, Math.max(2, Math.floor(width / 90)));
    const rowH = 14;
    const frame = mlnbChartFrame(`${P}-ganttsvg`, {
      width,
      height: 30 + rowH * shown.length,
      margin: { top: 4, right: 24, bottom: 24, left: 58 },
      x: [0, dom.hi],
      y: [0, shown.length],
      xTicks: dom.ticks.map((v) => [v, `${mlnbSig(v, 3)} s`]),
      yAxis: false,
      label: "When each trial ran",
    });
    shown.forEach((t, i) => {
      const y = frame.m.top + i * rowH + 2;
      const x0 = frame.sx(Math.max(0, t.started - started));
      const x1 = frame.sx((mlnbIsNum(t.ended) ? t.ended : now) - started);
      mlnbSvg("text", { class: "tick", x: frame.m.left - 6, y: y + 9, "text-anchor": "end" }, frame.plot, `trial ${t.number}`);
      const bar = mlnbSvg(
        "rect",
        { class: `bar ${t.state}`, x: x0, y, width: Math.max(2, x1 - x0), height: rowH - 4, rx: 2, fill: stateColor(t.state) },
        frame.plot,
      );
      mlnbSvg("title", {}, bar, `trial ${t.number}: ${t.state}, ${seconds((mlnbIsNum(t.ended) ? t.ended : now) - t.started)}`);
    });
    ganttBox.replaceChildren(frame.root);
  }

  // -- chart -----------------------------------------------------------------------------
  function refreshChart() {
    const series = get("series") || {};
    const metrics = series.metrics || [];
    fillSelect(metricSelect, metrics.length ? metrics.map((m) => [m, m]) : [["", "no metric yet"]], series.metric || "");
    metricSelect.disabled = metrics.length < 2;
    const lines = series.lines || [];
    const width = Math.floor(chartBox.clientWidth);
    if (!width) {
      pending.add(chartBox);
      return;
    }
    if (!lines.length) {
      chartBox.replaceChildren(mlnbEl("div", { class: `${P}-empty`, text: "No metric reported yet (mlnb.train.report(step=…, name=value))." }));
      chartLegend.replaceChildren();
      return;
    }
    let x0 = Infinity;
    let x1 = -Infinity;
    let y0 = Infinity;
    let y1 = -Infinity;
    for (const l of lines) {
      for (const [x, y] of l.points) {
        x0 = Math.min(x0, x);
        x1 = Math.max(x1, x);
        y0 = Math.min(y0, y);
        y1 = Math.max(y1, y);
      }
    }
    const ticks = Math.max(3, Math.floor(width / 80));
    const xd = mlnbNiceDomain(x0, x1, ticks);
    const yd = mlnbNiceDomain(y0, y1, 5);
    const frame = mlnbChartFrame(`${P}-chartsvg`, {
      width,
      height: 230,
      margin: { top: 12, right: 14, bottom: 36, left: 56 },
      x: [xd.lo, xd.hi],
      y: [yd.lo, yd.hi],
      xTicks: xd.ticks,
      yTicks: yd.ticks,
      xFmt: (v) => mlnbSig(v, 4),
      yFmt: (v) => mlnbSig(v, 4),
      xLabel: "step",
      yLabel: series.metric,
      label: `${series.metric} per trial`,
    });
    const ordered = [...lines].sort((a, b) => (a.trial === series.best) - (b.trial === series.best));
    for (const l of ordered) {
      const best = l.trial === series.best;
      const color = best ? "var(--mlnb-best)" : LINE_COLORS[l.trial % LINE_COLORS.length];
      const path = mlnbSvg(
        "path",
        { class: `line${best ? " best" : ""}`, d: mlnbPath(l.points, frame.sx, frame.sy), stroke: color, "data-trial": l.trial },
        frame.plot,
      );
      mlnbSvg("title", {}, path, `trial ${l.trial}${best ? " (best so far)" : ""}: ${l.n} point(s)`);
      const [lx, ly] = l.points[l.points.length - 1];
      mlnbSvg("circle", { class: `end${best ? " best" : ""}`, cx: frame.sx(lx), cy: frame.sy(ly), r: best ? 4 : 2.5, fill: color }, frame.plot);
    }
    chartBox.replaceChildren(frame.root);
    const more = (series.n_trials ?? lines.length) - lines.length;
    chartLegend.replaceChildren(
      ...(more > 0
        ? [mlnbEl("span", { class: `${P}-faint`, text: `showing ${lines.length} of ${series.n_trials} trials (the best, the running, the latest)` })]
        : []),
      ...lines.map((l) => {
        const best = l.trial === series.best;
        return mlnbEl(
          "span",
          { class: `${P}-key${best ? ` ${P}-bestkey` : ""}` },
          mlnbEl("span", { class: "sw", style: `background:${best ? "var(--mlnb-best)" : LINE_COLORS[l.trial % LINE_COLORS.length]}` }),
          `trial ${l.trial}${best ? " ★ best" : ""}`,
        );
      }),
    );
  }
  metricSelect.addEventListener("change", () => save({ chart_metric: metricSelect.value }));

  // -- trials table ------------------------------------------------------------------
  function refreshTrials() {
    const trials = get("trials") || [];
    const best = (get("series") || {}).best;
    const selected = get("log_trial");
    const counts = get("line_counts") || {};
    const now = Date.now() / 1000;
    trialsBody.replaceChildren(
      ...trials.map((t) => {
        const end = mlnbIsNum(t.ended) ? t.ended : ACTIVE.has(t.state) ? now : null;
        const tr = mlnbEl(
          "tr",
          {
            class: `${t.number === best ? `${P}-best` : ""}${t.number === selected ? ` ${P}-selected` : ""}`,
            tabindex: 0,
            "data-trial": t.number,
            title: "show this trial's log",
          },
          mlnbEl("td", { text: `${t.number}${t.number === best ? " ★" : ""}` }),
          mlnbEl(
            "td",
            { class: `${P}-statecell`, title: t.error || undefined },
            stateBadge(t.state),
            t.state === "failed" && t.exit_code !== null && t.exit_code !== undefined
              ? mlnbEl("span", { class: `${P}-exit`, text: ` exit ${t.exit_code}` })
              : null,
          ),
          mlnbEl("td", { class: `${P}-params`, text: paramsText(t.params) || "–" }),
          mlnbEl("td", { class: `${P}-numcell`, text: mlnbSig(t.value, 5) }),
          mlnbEl("td", {
            class: `${P}-numcell${ACTIVE.has(t.state) && mlnbIsNum(t.started) ? ` ${P}-ticking` : ""}`,
            "data-started": t.started ?? undefined,
            text: mlnbIsNum(t.started) && end ? seconds(end - t.started) : "–",
          }),
          mlnbEl("td", { class: `${P}-numcell ${P}-lines`, "data-trial": t.number, text: mlnbCount(counts[t.number] ?? 0) }),
        );
        const pick = () => save({ log_trial: t.number === selected ? -1 : t.number });
        tr.addEventListener("click", pick);
        tr.addEventListener("keydown", (e) => {
          if (e.key === "Enter" || e.key === " ") {
            e.preventDefault();
            pick();
          }
        });
        return tr;
      }),
    );
    if (!trials.length) {
      trialsBody.append(mlnbEl("tr", {}, mlnbEl("td", { colspan: 6, class: `${P}-empty`, text: "No trial yet." })));
    }
    fillSelect(logSelect, [[-1, "all trials"], ...trials.map((t) => [t.number, `trial ${t.number}`])], selected);
  }
  logSelect.addEventListener("change", () => save({ log_trial: Number(logSelect.value) }));

  function refreshTimes() {
    const now = Date.now() / 1000;
    for (const td of trialsBody.querySelectorAll(`.${P}-ticking`)) {
      td.textContent = seconds(now - Number(td.dataset.started));
    }
  }

  function refreshCounts() {
    const counts = get("line_counts") || {};
    for (const td of trialsBody.querySelectorAll(`.${P}-lines`)) {
      td.textContent = mlnbCount(counts[td.dataset.trial] ?? 0);
    }
  }

  // -- log tail ---------------------------------------------------------------------------
  function refreshLog() {
    const atBottom = logPre.scrollTop + logPre.clientHeight >= logPre.scrollHeight - 4;
    const lines = get("log_lines") || [];
    logPre.textContent = lines.length ? lines.join("\n") : "";
    logPre.dataset.empty = lines.length ? "" : "1";
    logNote.textContent = get("log_note") || "";
    if (atBottom) logPre.scrollTop = logPre.scrollHeight;
  }

  const schedule = mlnbScheduler((parts) => {
    if (parts.has("form")) fillForm();
    if (parts.has("head")) refreshHead();
    if (parts.has("error")) refreshError();
    if (parts.has("timeline")) refreshTimeline();
    if (parts.has("chart")) refreshChart();
    if (parts.has("trials")) refreshTrials();
    else {
      if (parts.has("counts")) refreshCounts();
      if (parts.has("times")) refreshTimes();
    }
    if (parts.has("log")) refreshLog();
    if (parts.has("buttons")) refreshButtons();
  });
  const unlisten = mlnbListen(
    model,
    [
      ["change:form change:options", ["form"]],
      ["change:state change:launching", ["head", "buttons", "timeline"]],
      ["change:job_info change:job_error", ["head"]],
      ["change:error", ["error"]],
      ["change:timeline change:started", ["timeline", "head"]],
      ["change:trials", ["trials", "timeline", "head"]],
      ["change:series", ["chart", "trials", "head"]],
      ["change:log_trial", ["trials"]],
      ["change:log_lines change:log_note", ["log"]],
      ["change:line_counts", ["counts"]],
    ],
    schedule,
  );
  // The charts are drawn at their boxes' widths; a box that was hidden (width 0)
  // when it was due is drawn as soon as it has a width again.
  const widths = new Map();
  const resizer =
    typeof ResizeObserver === "undefined"
      ? null
      : new ResizeObserver((entries) => {
          for (const entry of entries) {
            const w = Math.floor(entry.target.clientWidth);
            if (!w || (widths.get(entry.target) === w && !pending.has(entry.target))) continue;
            widths.set(entry.target, w);
            pending.delete(entry.target);
            schedule(entry.target === chartBox ? "chart" : "timeline");
          }
        });
  resizer?.observe(chartBox);
  resizer?.observe(ganttBox);
  // running bars and durations grow between pushes: redraw them once a second
  const ticker = setInterval(() => {
    if (running()) {
      schedule("timeline");
      schedule("head");
      schedule("times");
    }
  }, 1000);

  fillForm();
  refreshHead();
  refreshError();
  refreshTimeline();
  refreshChart();
  refreshTrials();
  refreshLog();

  return () => {
    unlisten();
    resizer?.disconnect();
    clearInterval(ticker);
  };
}

export default { render };
