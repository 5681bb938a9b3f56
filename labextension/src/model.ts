/**
 * The checklist model: pure functions from a notebook's cells and metadata to the
 * state of the ten steps. No DOM and no JupyterLab imports, so it is unit-tested
 * with plain notebook JSON.
 *
 * Status records: an output's MIME bundle holds
 * `application/vnd.mlnb.check+json` =
 * `{protocol_version: 1, step, status, summary, check?, created, metrics?}`;
 * protocol version 2 adds `conditions` (`[{condition, status, sentence}]`) and
 * `decided_by` (the deciding condition's sentence), and `created` has milliseconds.
 * Both versions are read; higher versions are ignored with a warning.
 *
 * A step's status is the worst (fail > warn > info > pass) of the newest record of
 * each check that reported on it: a check's newer record replaces only its own older
 * one. Newest is by `created`; on a tie the later cell, then the later output.
 *
 * The user's marks live in notebook metadata `metadata.mlnb` =
 * `{protocol_version: 1, steps: {<step id>: {mark, reason, updated}}}`.
 */

/** The MIME type of an mlnb status record. */
export const MIME_TYPE = 'application/vnd.mlnb.check+json';

/** The newest status record protocol version this extension understands. */
export const PROTOCOL_VERSION = 2;

/** Every status record protocol version this extension reads. */
export const PROTOCOL_VERSIONS: ReadonlyArray<number> = [1, 2];

/** The protocol version of the marks in notebook metadata. */
export const METADATA_PROTOCOL_VERSION = 1;

/** The notebook metadata key that holds the user's marks. */
export const METADATA_KEY = 'mlnb';

/** The line that loads mlnb's IPython extension. */
export const LOAD_EXT_LINE = '%load_ext mlnb';

/** Statuses a check result can carry. */
export const CHECK_STATUSES = ['pass', 'warn', 'fail', 'info'] as const;
export type CheckStatus = (typeof CHECK_STATUSES)[number];

/** How severe each status is: a step shows its most severe check. */
export const SEVERITY: Record<CheckStatus, number> = {
  pass: 0,
  info: 1,
  warn: 2,
  fail: 3
};

/** What a user can mark a step as. */
export const MARK_KINDS = ['skipped', 'not_applicable'] as const;
export type MarkKind = (typeof MARK_KINDS)[number];

/** What the panel shows as a step's badge. */
export type DisplayStatus = 'unchecked' | CheckStatus | MarkKind;

/** Badge labels, as shown to people. */
export const STATUS_LABELS: Record<DisplayStatus, string> = {
  unchecked: 'not checked',
  pass: 'pass',
  warn: 'warn',
  fail: 'fail',
  info: 'info',
  skipped: 'skipped',
  not_applicable: 'not applicable'
};

/** One step of the checklist, as `mlnb.checklist.Step.to_dict()` writes it. */
export interface IStepInfo {
  number: number;
  id: string;
  title: string;
  group: string;
  questions: string[];
  remedies: string[];
  entry_points: string[];
  commands: string[];
  starter: string;
}

/** What one condition said about a result (protocol version 2). */
export interface IConditionOutcome {
  condition: string;
  status: CheckStatus;
  sentence: string;
}

/** A validated status record. */
export interface IStatusRecord {
  protocol_version: number;
  step: string;
  status: CheckStatus;
  summary: string;
  check?: string;
  created: string;
  metrics?: { [key: string]: unknown };
  /** Version 2: every condition's outcome (absent in version 1 records). */
  conditions?: IConditionOutcome[];
  /** Version 2: the sentence of the condition that decided the status. */
  decided_by?: string;
}

/** Where a record was found in the notebook. */
export interface IRecordHit {
  record: IStatusRecord;
  /** The check that wrote it (`record.check`, else the step id). */
  check: string;
  /** `created` as milliseconds since the epoch. */
  createdMs: number;
  /** Index of the cell holding the record. */
  cellIndex: number;
  /** The cell's id, when the notebook has cell ids. */
  cellId?: string;
  /** Index of the output within the cell. */
  outputIndex: number;
}

/** A user's mark on a step. */
export interface IMark {
  mark: MarkKind;
  reason: string;
  /** ISO time the mark was set. */
  updated: string;
}

/** Everything the panel shows for one step. */
export interface IStepState {
  step: IStepInfo;
  /**
   * The badge: the active mark, else the worst status of the step's checks, else
   * unchecked.
   */
  status: DisplayStatus;
  /** The newest record of each check on this step, oldest first. */
  checks: IRecordHit[];
  /**
   * The check record that decides the status (the most severe; the newest of
   * equally severe ones), if any.
   */
  record: IRecordHit | null;
  /** The newest of the step's check records, if any. */
  newest: IRecordHit | null;
  /** The user's mark, if any (shown even when a newer record overrides it). */
  mark: IMark | null;
  /** True when the mark decides the badge (no record newer than the mark). */
  markActive: boolean;
}

/** Counts behind the progress indicator. */
export interface IProgress {
  total: number;
  /** Steps whose badge comes from a check record. */
  checked: number;
  passing: number;
  warning: number;
  failing: number;
  info: number;
  skipped: number;
  notApplicable: number;
  text: string;
}

/** A minimal view of a notebook cell (nbformat JSON or a live model adapter). */
export interface ICellLike {
  id?: string;
  cell_type?: string;
  source?: string | string[];
  outputs?: ReadonlyArray<IOutputLike>;
}

/** A minimal view of a cell output. */
export interface IOutputLike {
  output_type?: string;
  data?: { readonly [mime: string]: unknown } | null;
}

/** Where warnings go; the panel passes a de-duplicating wrapper of console.warn. */
export type WarnFn = (message: string, ...details: unknown[]) => void;

const defaultWarn: WarnFn = (message, ...details) =>
  console.warn(message, ...details);

function isPlainObject(value: unknown): value is { [key: string]: unknown } {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Parse an ISO time; NaN when it is not one. */
export function parseTime(value: unknown): number {
  if (typeof value !== 'string' || value.trim() === '') {
    return NaN;
  }
  return Date.parse(value);
}

function isConditionOutcome(value: unknown): value is IConditionOutcome {
  return (
    isPlainObject(value) &&
    typeof value.condition === 'string' &&
    typeof value.sentence === 'string' &&
    typeof value.status === 'string' &&
    (CHECK_STATUSES as ReadonlyArray<string>).includes(value.status)
  );
}

/**
 * Validate one status record against protocol version 1 or 2.
 *
 * Returns the record, or null (after a warning) when the protocol version, the
 * step id or a field's type is wrong. Other fields are kept but never interpreted;
 * a version 1 record's `conditions` and `decided_by` (which version 1 does not
 * define) are dropped.
 */
export function validateRecord(
  value: unknown,
  stepIds: ReadonlyArray<string>,
  warn: WarnFn = defaultWarn
): IStatusRecord | null {
  let data = value;
  if (typeof data === 'string') {
    // nbformat stores +json MIME data as objects; tolerate a JSON string.
    try {
      data = JSON.parse(data);
    } catch {
      warn('mlnb: ignoring a status record that is not JSON', value);
      return null;
    }
  }
  if (!isPlainObject(data)) {
    warn('mlnb: ignoring a status record that is not an object', data);
    return null;
  }
  if (
    typeof data.protocol_version !== 'number' ||
    !PROTOCOL_VERSIONS.includes(data.protocol_version)
  ) {
    warn(
      `mlnb: ignoring a status record with protocol_version ${JSON.stringify(
        data.protocol_version
      )} (this extension understands ${PROTOCOL_VERSIONS.join(' and ')})`,
      data
    );
    return null;
  }
  if (typeof data.step !== 'string' || !stepIds.includes(data.step)) {
    warn(
      `mlnb: ignoring a status record with unknown step ${JSON.stringify(
        data.step
      )}; expected one of ${stepIds.join(', ')}`,
      data
    );
    return null;
  }
  if (
    typeof data.status !== 'string' ||
    !(CHECK_STATUSES as ReadonlyArray<string>).includes(data.status)
  ) {
    warn(
      `mlnb: ignoring a status record with status ${JSON.stringify(
        data.status
      )}; expected one of ${CHECK_STATUSES.join(', ')}`,
      data
    );
    return null;
  }
  if (typeof data.summary !== 'string') {
    warn('mlnb: ignoring a status record whose summary is not a string', data);
    return null;
  }
  if (Number.isNaN(parseTime(data.created))) {
    warn(
      'mlnb: ignoring a status record whose created is not an ISO time',
      data
    );
    return null;
  }
  if (data.check !== undefined && typeof data.check !== 'string') {
    warn('mlnb: ignoring a status record whose check is not a string', data);
    return null;
  }
  if (data.metrics !== undefined && !isPlainObject(data.metrics)) {
    warn('mlnb: ignoring a status record whose metrics is not an object', data);
    return null;
  }
  if (data.protocol_version === 1) {
    if ('conditions' in data || 'decided_by' in data) {
      const rest = { ...data };
      delete rest.conditions;
      delete rest.decided_by;
      return rest as unknown as IStatusRecord;
    }
    return data as unknown as IStatusRecord;
  }
  if (
    data.conditions !== undefined &&
    !(
      Array.isArray(data.conditions) &&
      data.conditions.every(isConditionOutcome)
    )
  ) {
    warn(
      'mlnb: ignoring a status record whose conditions is not a list of ' +
        '{condition, status, sentence}',
      data
    );
    return null;
  }
  if (data.decided_by !== undefined && typeof data.decided_by !== 'string') {
    warn(
      'mlnb: ignoring a status record whose decided_by is not a string',
      data
    );
    return null;
  }
  return data as unknown as IStatusRecord;
}

/**
 * Order of two hits in time: by `created`, then cell, then output (negative when
 * `a` is older).
 */
export function compareHits(a: IRecordHit, b: IRecordHit): number {
  return (
    a.createdMs - b.createdMs ||
    a.cellIndex - b.cellIndex ||
    a.outputIndex - b.outputIndex
  );
}

/**
 * The hit that decides a step's status: the most severe; of equally severe ones
 * the newest. Null for no hits.
 */
export function worstHit(hits: ReadonlyArray<IRecordHit>): IRecordHit | null {
  let best: IRecordHit | null = null;
  for (const hit of hits) {
    if (
      best === null ||
      SEVERITY[hit.record.status] > SEVERITY[best.record.status] ||
      (SEVERITY[hit.record.status] === SEVERITY[best.record.status] &&
        compareHits(hit, best) > 0)
    ) {
      best = hit;
    }
  }
  return best;
}

/**
 * Find the newest valid record of each check, per step, in the cells' outputs.
 *
 * Returns step id -> the newest record of each check that reported on the step,
 * oldest first. A check is `record.check` (the step id when absent); its newer
 * record replaces only its own older one. Newest is by `created`; on a tie the
 * later cell (then the later output) wins. Only the
 * `application/vnd.mlnb.check+json` entry is read, never `text/plain`.
 */
export function collectRecords(
  cells: ReadonlyArray<ICellLike>,
  stepIds: ReadonlyArray<string>,
  warn: WarnFn = defaultWarn
): Map<string, IRecordHit[]> {
  const newest = new Map<string, Map<string, IRecordHit>>();
  cells.forEach((cell, cellIndex) => {
    const outputs = cell.outputs;
    if (!Array.isArray(outputs)) {
      return;
    }
    outputs.forEach((output: IOutputLike, outputIndex: number) => {
      const data = output?.data;
      if (!isPlainObject(data) || !(MIME_TYPE in data)) {
        return;
      }
      const record = validateRecord(data[MIME_TYPE], stepIds, warn);
      if (!record) {
        return;
      }
      const hit: IRecordHit = {
        record,
        check: record.check || record.step,
        createdMs: parseTime(record.created),
        cellIndex,
        cellId: typeof cell.id === 'string' ? cell.id : undefined,
        outputIndex
      };
      let perCheck = newest.get(record.step);
      if (!perCheck) {
        perCheck = new Map();
        newest.set(record.step, perCheck);
      }
      const held = perCheck.get(hit.check);
      // Cells and outputs are visited in order: a tie goes to the later one.
      if (!held || hit.createdMs >= held.createdMs) {
        perCheck.set(hit.check, hit);
      }
    });
  });
  const out = new Map<string, IRecordHit[]>();
  for (const [step, perCheck] of newest) {
    out.set(step, [...perCheck.values()].sort(compareHits));
  }
  return out;
}

/**
 * Read the user's marks from notebook metadata (the whole metadata object or
 * just its `mlnb` value). Malformed entries are ignored with a warning.
 */
export function readMarks(
  mlnbMetadata: unknown,
  stepIds: ReadonlyArray<string>,
  warn: WarnFn = defaultWarn
): Map<string, IMark> {
  const marks = new Map<string, IMark>();
  if (mlnbMetadata === undefined || mlnbMetadata === null) {
    return marks;
  }
  if (!isPlainObject(mlnbMetadata)) {
    warn('mlnb: ignoring notebook metadata "mlnb" that is not an object');
    return marks;
  }
  if (mlnbMetadata.protocol_version !== METADATA_PROTOCOL_VERSION) {
    warn(
      `mlnb: ignoring notebook metadata "mlnb" with protocol_version ${JSON.stringify(
        mlnbMetadata.protocol_version
      )}`
    );
    return marks;
  }
  const steps = mlnbMetadata.steps;
  if (steps === undefined) {
    return marks;
  }
  if (!isPlainObject(steps)) {
    warn('mlnb: ignoring notebook metadata "mlnb.steps" that is not an object');
    return marks;
  }
  for (const [stepId, entry] of Object.entries(steps)) {
    if (!stepIds.includes(stepId)) {
      warn(`mlnb: ignoring a mark for unknown step ${JSON.stringify(stepId)}`);
      continue;
    }
    if (
      !isPlainObject(entry) ||
      typeof entry.mark !== 'string' ||
      !(MARK_KINDS as ReadonlyArray<string>).includes(entry.mark) ||
      (entry.reason !== undefined && typeof entry.reason !== 'string') ||
      Number.isNaN(parseTime(entry.updated))
    ) {
      warn(`mlnb: ignoring a malformed mark for step ${stepId}`, entry);
      continue;
    }
    marks.set(stepId, {
      mark: entry.mark as MarkKind,
      reason: (entry.reason as string | undefined) ?? '',
      updated: entry.updated as string
    });
  }
  return marks;
}

/**
 * Return the new value of `metadata.mlnb` after setting (or, with `mark` null,
 * clearing) one step's mark. The input is not modified; other keys are kept.
 */
export function withMark(
  mlnbMetadata: unknown,
  stepId: string,
  mark: IMark | null
): { [key: string]: unknown } {
  const base = isPlainObject(mlnbMetadata) ? { ...mlnbMetadata } : {};
  const steps = isPlainObject(base.steps) ? { ...base.steps } : {};
  if (mark) {
    steps[stepId] = {
      mark: mark.mark,
      reason: mark.reason,
      updated: mark.updated
    };
  } else {
    delete steps[stepId];
  }
  return { ...base, protocol_version: METADATA_PROTOCOL_VERSION, steps };
}

/**
 * Combine records and marks into the state of each step, in checklist order.
 *
 * Without an active mark the badge is the worst status of the step's checks. A
 * mark decides the badge unless a record newer than the mark exists: a check run
 * after the user marked the step is newer information. The panel shows both.
 */
export function computeStates(
  steps: ReadonlyArray<IStepInfo>,
  records: ReadonlyMap<string, ReadonlyArray<IRecordHit>>,
  marks: ReadonlyMap<string, IMark>
): IStepState[] {
  return steps.map(step => {
    const checks = [...(records.get(step.id) ?? [])].sort(compareHits);
    const newest = checks.length ? checks[checks.length - 1] : null;
    const record = worstHit(checks);
    const mark = marks.get(step.id) ?? null;
    const markActive =
      mark !== null &&
      (newest === null || newest.createdMs <= parseTime(mark.updated));
    let status: DisplayStatus = 'unchecked';
    if (markActive && mark) {
      status = mark.mark;
    } else if (record) {
      status = record.record.status;
    }
    return { step, status, checks, record, newest, mark, markActive };
  });
}

function plural(n: number, one: string, many: string): string {
  return `${n} ${n === 1 ? one : many}`;
}

/** Count statuses and write the progress line, e.g. "6 of 10 checked, 1 failing". */
export function progress(states: ReadonlyArray<IStepState>): IProgress {
  const count = (status: DisplayStatus) =>
    states.filter(s => s.status === status).length;
  const p = {
    total: states.length,
    passing: count('pass'),
    warning: count('warn'),
    failing: count('fail'),
    info: count('info'),
    skipped: count('skipped'),
    notApplicable: count('not_applicable')
  };
  const checked = p.passing + p.warning + p.failing + p.info;
  const parts = [`${checked} of ${p.total} checked`];
  if (p.failing) {
    parts.push(`${p.failing} failing`);
  }
  if (p.warning) {
    parts.push(plural(p.warning, 'warning', 'warnings'));
  }
  if (p.skipped) {
    parts.push(`${p.skipped} skipped`);
  }
  if (p.notApplicable) {
    parts.push(`${p.notApplicable} not applicable`);
  }
  return { ...p, checked, text: parts.join(', ') };
}

/** "just now", "3 min ago", "2 h ago", "4 days ago", or the date for older times. */
export function relativeTime(iso: string, nowMs: number): string {
  const t = parseTime(iso);
  if (Number.isNaN(t)) {
    return '';
  }
  const seconds = (nowMs - t) / 1000;
  if (seconds < -60) {
    return new Date(t).toISOString().slice(0, 10);
  }
  if (seconds < 45) {
    return 'just now';
  }
  const minutes = Math.round(seconds / 60);
  if (minutes < 60) {
    return `${Math.max(1, minutes)} min ago`;
  }
  const hours = Math.round(seconds / 3600);
  if (hours < 24) {
    return `${hours} h ago`;
  }
  const days = Math.round(seconds / 86400);
  if (days < 14) {
    return plural(days, 'day ago', 'days ago');
  }
  return new Date(t).toISOString().slice(0, 10);
}

/** A cell's source as one string. */
export function cellSource(cell: ICellLike): string {
  const source = cell.source;
  if (Array.isArray(source)) {
    return source.join('');
  }
  return typeof source === 'string' ? source : '';
}

const LOAD_EXT_RE = /^[ \t]*%load_ext[ \t]+mlnb[ \t]*(#.*)?$/m;

function hasLoadExt(text: string): boolean {
  return LOAD_EXT_RE.test(text);
}

/** True when a code cell of the notebook runs `%load_ext mlnb`. */
export function notebookLoadsExtension(
  cells: ReadonlyArray<ICellLike>
): boolean {
  return cells.some(
    cell =>
      (cell.cell_type === undefined || cell.cell_type === 'code') &&
      hasLoadExt(cellSource(cell))
  );
}

/** True when the notebook uses mlnb: it loads the extension or holds a record. */
export function notebookUsesMlnb(cells: ReadonlyArray<ICellLike>): boolean {
  return (
    notebookLoadsExtension(cells) ||
    cells.some(
      cell =>
        Array.isArray(cell.outputs) &&
        cell.outputs.some(o => isPlainObject(o?.data) && MIME_TYPE in o.data!)
    )
  );
}

/**
 * The source of a starter cell for a step: the step's starter with
 * `%load_ext mlnb` as first line only when no cell of the notebook has it yet.
 * Empty when the step has no starter.
 */
export function starterSource(
  step: IStepInfo,
  cells: ReadonlyArray<ICellLike>
): string {
  if (!step.starter) {
    return '';
  }
  const body = step.starter
    .split('\n')
    .filter(line => !hasLoadExt(line))
    .join('\n');
  return notebookLoadsExtension(cells) ? body : `${LOAD_EXT_LINE}\n${body}`;
}

/** Validate the steps list (from steps.json) enough to rely on it. */
export function isStepList(value: unknown): value is IStepInfo[] {
  return (
    Array.isArray(value) &&
    value.every(
      s =>
        isPlainObject(s) &&
        typeof s.id === 'string' &&
        typeof s.number === 'number' &&
        typeof s.title === 'string' &&
        Array.isArray(s.questions) &&
        typeof s.starter === 'string'
    )
  );
}
