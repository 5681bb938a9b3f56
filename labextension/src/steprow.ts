/**
 * One step of the checklist panel, as plain DOM: the step with its badge (the worst
 * of its checks), one line per check under it, and the details. Everything from
 * notebook outputs (summaries, sentences, reasons) is written with textContent.
 */
import { el, replaceChildren } from './dom';
import {
  IRecordHit,
  IStepInfo,
  IStepState,
  MarkKind,
  relativeTime,
  STATUS_LABELS
} from './model';

/** What a row asks its panel to do. */
export interface IStepRowActions {
  /** Select and scroll to the cell holding a record. */
  jump(hit: IRecordHit): void;
  /** Insert the step's starter cell below the active cell. */
  insertStarter(step: IStepInfo): void;
  /** Mark the step skipped / not applicable with a reason. */
  setMark(step: IStepInfo, kind: MarkKind, reason: string): void;
  /** Remove the step's mark. */
  clearMark(step: IStepInfo): void;
}

/** A symbol next to each badge, so status is not told by colour alone. */
const STATUS_SYMBOLS: Record<string, string> = {
  unchecked: '○',
  pass: '✓',
  warn: '!',
  fail: '✕',
  info: 'i',
  skipped: '»',
  not_applicable: '–'
};

const MARK_LABELS: Record<MarkKind, string> = {
  skipped: 'skipped',
  not_applicable: 'not applicable'
};

/** A status badge element: symbol + label, coloured by `data-status`. */
export function badge(status: keyof typeof STATUS_LABELS): HTMLSpanElement {
  return el(
    'span',
    { class: 'mlnb-Badge', 'data-status': status },
    el(
      'span',
      { class: 'mlnb-Badge-symbol', 'aria-hidden': 'true' },
      STATUS_SYMBOLS[status]
    ),
    el('span', { class: 'mlnb-Badge-label' }, STATUS_LABELS[status])
  );
}

/** Longer summaries are cut in the panel (the full text is in the tooltip). */
const MAX_SUMMARY = 300;

/** Set a text, cut to `max` characters with the full text in the tooltip. */
function setText(node: HTMLElement, text: string, max = MAX_SUMMARY): void {
  const shown = text.length > max ? `${text.slice(0, max - 1)}…` : text;
  node.textContent = shown;
  node.hidden = text === '';
  if (shown !== text) {
    node.title = text;
  } else {
    node.removeAttribute('title');
  }
}

let rowCounter = 0;

/** A `<time>`: relative text, the ISO time in the tooltip. */
function timeEl(
  iso: string,
  nowMs: number,
  prefix: string,
  cls = 'mlnb-Step-time'
): HTMLTimeElement {
  return el(
    'time',
    { datetime: iso, title: iso, class: cls },
    `${prefix}${relativeTime(iso, nowMs)}`
  );
}

export class StepRow {
  readonly node: HTMLLIElement;
  readonly step: IStepInfo;

  constructor(step: IStepInfo, actions: IStepRowActions) {
    this.step = step;
    this._actions = actions;
    const uid = `mlnb-step-${step.id}-${++rowCounter}`;

    this._number = el(
      'span',
      { class: 'mlnb-Step-number', 'aria-hidden': 'true' },
      String(step.number)
    );
    this._title = el('span', { class: 'mlnb-Step-title' }, step.title);
    this._summary = el('span', { class: 'mlnb-Step-summary' });
    this._meta = el('span', { class: 'mlnb-Step-meta' });
    this._badgeSlot = el('span', { class: 'mlnb-Step-badge' });
    this._main = el(
      'button',
      { class: 'mlnb-Step-main', type: 'button' },
      this._number,
      el(
        'span',
        { class: 'mlnb-Step-text' },
        this._title,
        el(
          'span',
          { class: 'mlnb-Step-statusLine' },
          this._badgeSlot,
          this._summary
        ),
        this._meta
      )
    );
    this._main.addEventListener('click', () => this._onMainClick());

    this._toggle = el(
      'button',
      {
        class: 'mlnb-Step-toggle',
        type: 'button',
        'aria-expanded': 'false',
        'aria-controls': `${uid}-details`,
        'aria-label': `Details for step ${step.number}: ${step.title}`,
        title: 'Questions, starter cell, skip or mark not applicable'
      },
      el('span', { class: 'mlnb-Step-chevron', 'aria-hidden': 'true' })
    );
    this._toggle.addEventListener('click', () => {
      this.expanded = !this.expanded;
    });

    this._checks = el('ul', {
      class: 'mlnb-Step-checks',
      'aria-label': `Checks of step ${step.number}`
    });
    this._checks.hidden = true;

    this._details = el('div', {
      class: 'mlnb-Step-details',
      id: `${uid}-details`,
      role: 'region',
      'aria-label': `Step ${step.number} details`
    });
    this._details.hidden = true;
    this._buildDetails(uid);

    this.node = el(
      'li',
      { class: 'mlnb-Step', 'data-step': step.id, 'data-status': 'unchecked' },
      el('div', { class: 'mlnb-Step-head' }, this._main, this._toggle),
      this._checks,
      this._details
    );
  }

  /** Whether the details (questions, starter, marks) are shown. */
  get expanded(): boolean {
    return !this._details.hidden;
  }
  set expanded(value: boolean) {
    this._details.hidden = !value;
    this._toggle.setAttribute('aria-expanded', String(value));
    this.node.classList.toggle('mlnb-mod-expanded', value);
  }

  /** Show a new state; `nowMs` drives the relative times. */
  update(state: IStepState, nowMs: number, editable: boolean): void {
    this._state = state;
    this._editable = editable;
    const { status, checks, record, newest, mark, markActive } = state;
    this.node.dataset.status = status;
    this.node.dataset.evidence = record ? 'yes' : 'no';
    replaceChildren(this._badgeSlot, badge(status));

    // The step line says only what the check lines do not: an active mark.
    const summary =
      markActive && mark
        ? mark.reason
          ? `Marked ${MARK_LABELS[mark.mark]}: ${mark.reason}`
          : `Marked ${MARK_LABELS[mark.mark]}`
        : '';
    setText(this._summary, summary);

    const metaParts: (HTMLElement | string)[] = [];
    if (markActive && mark) {
      metaParts.push(timeEl(mark.updated, nowMs, 'marked '));
      if (newest && record) {
        metaParts.push(
          ` · last check ${STATUS_LABELS[record.record.status]} `,
          timeEl(newest.record.created, nowMs, '')
        );
      }
    } else if (mark) {
      metaParts.push(`was marked ${MARK_LABELS[mark.mark]}`);
    }
    replaceChildren(this._meta, ...metaParts);
    this._meta.hidden = metaParts.length === 0;

    replaceChildren(
      this._checks,
      ...checks.map(hit => this._checkLine(hit, hit === record, nowMs))
    );
    this._checks.hidden = checks.length === 0;

    const parts = [
      `Step ${this.step.number}: ${this.step.title}`,
      STATUS_LABELS[status]
    ];
    if (summary) {
      parts.push(summary);
    }
    if (checks.length) {
      parts.push(
        checks.length === 1 ? '1 check' : `${checks.length} checks`,
        'Go to the cell of the check that decides the status'
      );
    } else {
      parts.push('Show questions and starter');
    }
    this._main.setAttribute('aria-label', parts.join('. '));
    this._main.title = record
      ? 'Go to the check that decides this step’s status'
      : 'Show questions and a starter cell';

    this._renderMark();
  }

  /** One check: status chip, name, time, summary, deciding condition; a button
   * that jumps to the record's cell. */
  private _checkLine(
    hit: IRecordHit,
    decides: boolean,
    nowMs: number
  ): HTMLLIElement {
    const rec = hit.record;
    const summary = el('span', { class: 'mlnb-Check-summary' });
    setText(summary, rec.summary);
    const decidedBy = rec.protocol_version >= 2 ? (rec.decided_by ?? '') : '';
    const decided = el('span', { class: 'mlnb-Check-decided' });
    setText(decided, decidedBy ? `decided by: ${decidedBy}` : '');
    const button = el(
      'button',
      {
        class: 'mlnb-Check-main',
        type: 'button',
        title: 'Go to the cell with this check',
        'aria-label': [
          `${hit.check}: ${STATUS_LABELS[rec.status]}`,
          rec.summary,
          decidedBy ? `decided by: ${decidedBy}` : '',
          'Go to its cell'
        ]
          .filter(Boolean)
          .join('. ')
      },
      el(
        'span',
        { class: 'mlnb-Check-head' },
        badge(rec.status),
        el('span', { class: 'mlnb-Check-name' }, hit.check),
        timeEl(rec.created, nowMs, '', 'mlnb-Check-time')
      ),
      summary,
      decided
    );
    button.addEventListener('click', () => this._actions.jump(hit));
    return el(
      'li',
      {
        class: 'mlnb-Check',
        'data-check': hit.check,
        'data-status': rec.status,
        'data-decides': decides ? 'yes' : 'no'
      },
      button
    );
  }

  private _onMainClick(): void {
    const state = this._state;
    if (state && state.record) {
      this._actions.jump(state.record);
    } else {
      this.expanded = !this.expanded;
    }
  }

  private _buildDetails(uid: string): void {
    const step = this.step;
    const questions = el(
      'ul',
      { class: 'mlnb-Step-questions', 'aria-labelledby': `${uid}-q` },
      ...step.questions.map(q => el('li', {}, q))
    );
    const starter = step.starter
      ? (() => {
          const button = el(
            'button',
            {
              class: 'mlnb-Button mlnb-Step-starter',
              type: 'button',
              'aria-label': `Insert starter cell for step ${step.number}: ${step.title}`
            },
            'Insert starter cell'
          );
          button.addEventListener('click', () =>
            this._actions.insertStarter(step)
          );
          return el(
            'div',
            { class: 'mlnb-Step-starterRow' },
            button,
            el('span', { class: 'mlnb-Hint' }, 'below the active cell')
          );
        })()
      : el(
          'p',
          { class: 'mlnb-Hint mlnb-Step-nocheck' },
          'No mlnb check exists yet for this step; answer the questions in your own cells.'
        );

    this._markBox = el('div', { class: 'mlnb-Mark' });
    replaceChildren(
      this._details,
      el(
        'h3',
        { class: 'mlnb-Step-subtitle', id: `${uid}-q` },
        'Questions to answer'
      ),
      questions,
      starter,
      this._markBox
    );
  }

  /** The mark area: the current mark with a Clear button, or Mark buttons, or the form. */
  private _renderMark(): void {
    if (this._formKind !== null) {
      return; // keep the open form (and what the user typed) across refreshes
    }
    const state = this._state;
    const step = this.step;
    const mark = state?.mark ?? null;
    if (mark) {
      const clear = el(
        'button',
        {
          class: 'mlnb-Button mlnb-Mark-clear',
          type: 'button',
          'aria-label': `Clear the mark on step ${step.number}`,
          disabled: !this._editable
        },
        'Clear mark'
      );
      clear.addEventListener('click', () => this._actions.clearMark(step));
      const note =
        state && !state.markActive
          ? ' A check ran after this mark, so its status shows.'
          : '';
      replaceChildren(
        this._markBox,
        el(
          'p',
          { class: 'mlnb-Mark-current' },
          `Marked ${MARK_LABELS[mark.mark]}`,
          mark.reason ? `: ${mark.reason}` : '',
          ' (',
          el(
            'time',
            { datetime: mark.updated, title: mark.updated },
            mark.updated.slice(0, 10)
          ),
          ').',
          note
        ),
        clear
      );
      return;
    }
    const buttons = (Object.keys(MARK_LABELS) as MarkKind[]).map(kind => {
      const b = el(
        'button',
        {
          class: 'mlnb-Button mlnb-Mark-open',
          type: 'button',
          'data-mark': kind,
          'aria-label': `Mark step ${step.number} ${MARK_LABELS[kind]}`,
          disabled: !this._editable
        },
        kind === 'skipped' ? 'Skip…' : 'Not applicable…'
      );
      b.addEventListener('click', () => this._openForm(kind));
      return b;
    });
    replaceChildren(
      this._markBox,
      el('div', { class: 'mlnb-Mark-buttons' }, ...buttons)
    );
  }

  private _openForm(kind: MarkKind): void {
    this._formKind = kind;
    const step = this.step;
    const inputId = `mlnb-reason-${step.id}-${++rowCounter}`;
    const input = el('input', {
      class: 'mlnb-Mark-reason',
      id: inputId,
      type: 'text',
      required: true,
      maxlength: 500,
      placeholder:
        kind === 'skipped'
          ? 'e.g. done in another notebook'
          : 'e.g. regression task, no classes',
      autocomplete: 'off'
    });
    const save = el(
      'button',
      {
        class: 'mlnb-Button mlnb-Button-primary mlnb-Mark-save',
        type: 'submit',
        disabled: true
      },
      'Save'
    );
    const cancel = el(
      'button',
      { class: 'mlnb-Button mlnb-Mark-cancel', type: 'button' },
      'Cancel'
    );
    const form = el(
      'form',
      {
        class: 'mlnb-Mark-form',
        'aria-label': `Mark step ${step.number} ${MARK_LABELS[kind]}`
      },
      el(
        'label',
        { for: inputId, class: 'mlnb-Mark-label' },
        `Reason to mark it ${MARK_LABELS[kind]}`
      ),
      input,
      el('div', { class: 'mlnb-Mark-formButtons' }, save, cancel)
    );
    input.addEventListener('input', () => {
      save.disabled = input.value.trim() === '';
    });
    const close = () => {
      this._formKind = null;
      this._renderMark();
    };
    form.addEventListener('submit', event => {
      event.preventDefault();
      const reason = input.value.trim();
      if (!reason) {
        input.focus();
        return;
      }
      this._formKind = null;
      this._actions.setMark(step, kind, reason);
      this._renderMark();
    });
    form.addEventListener('keydown', event => {
      if (event.key === 'Escape') {
        event.stopPropagation();
        close();
        this._toggle.focus();
      }
    });
    cancel.addEventListener('click', () => {
      close();
      this._toggle.focus();
    });
    replaceChildren(this._markBox, form);
    input.focus();
  }

  private _actions: IStepRowActions;
  private _state: IStepState | null = null;
  private _editable = true;
  private _formKind: MarkKind | null = null;
  private _main: HTMLButtonElement;
  private _toggle: HTMLButtonElement;
  private _number: HTMLSpanElement;
  private _title: HTMLSpanElement;
  private _summary: HTMLSpanElement;
  private _meta: HTMLSpanElement;
  private _badgeSlot: HTMLSpanElement;
  private _checks: HTMLUListElement;
  private _details: HTMLDivElement;
  private _markBox!: HTMLDivElement;
}
