/**
 * The "ML checklist" side panel: follows the active notebook, rebuilds the ten
 * steps from the status records in its outputs and the marks in its metadata.
 * It never talks to the kernel.
 */
import { JupyterFrontEnd } from '@jupyterlab/application';
import { ICodeCellModel } from '@jupyterlab/cells';
import {
  INotebookModel,
  INotebookTracker,
  Notebook,
  NotebookPanel
} from '@jupyterlab/notebook';
import { SidePanel } from '@jupyterlab/ui-components';
import { Message } from '@lumino/messaging';
import { Panel, Widget } from '@lumino/widgets';

import { el, replaceChildren } from './dom';
import { checklistIcon } from './icons';
import {
  collectRecords,
  computeStates,
  ICellLike,
  IOutputLike,
  IRecordHit,
  IStepInfo,
  IStepState,
  MarkKind,
  METADATA_KEY,
  notebookUsesMlnb,
  progress,
  readMarks,
  starterSource,
  STATUS_LABELS,
  withMark
} from './model';
import { IStepRowActions, StepRow } from './steprow';

/** The panel's id in the shell (also the restorer key). */
export const PANEL_ID = 'mlnb-checklist';

/** User settings the panel reads (see schema/plugin.json). */
export interface IChecklistSettings {
  /** Ids of the steps to show; all when empty. */
  visibleSteps: string[];
  /** Open the panel when a notebook that uses mlnb becomes active. */
  autoOpen: boolean;
}

export const DEFAULT_SETTINGS: IChecklistSettings = {
  visibleSteps: [],
  autoOpen: true
};

const REFRESH_DEBOUNCE_MS = 150;
const CLOCK_TICK_MS = 30_000;

/** Read a live notebook model as plain cells for the pure model functions. */
export function cellsOf(model: INotebookModel): ICellLike[] {
  const cells: ICellLike[] = [];
  for (let i = 0; i < model.cells.length; i++) {
    const cell = model.cells.get(i);
    const outputs: IOutputLike[] = [];
    if (cell.type === 'code') {
      const area = (cell as ICodeCellModel).outputs;
      for (let j = 0; j < area.length; j++) {
        const output = area.get(j);
        outputs.push({
          output_type: output.type,
          data: output.data as IOutputLike['data']
        });
      }
    }
    cells.push({
      id: cell.id,
      cell_type: cell.type,
      source: cell.sharedModel.getSource(),
      outputs
    });
  }
  return cells;
}

export class ChecklistPanel extends SidePanel {
  constructor(options: ChecklistPanel.IOptions) {
    super({ content: new Panel() });
    this.id = PANEL_ID;
    this.addClass('mlnb-ChecklistPanel');
    this.title.icon = checklistIcon;
    this.title.caption = 'ML checklist';
    this._steps = options.steps;
    this._tracker = options.tracker;
    this._shell = options.shell ?? null;

    const heading = el('h2', { class: 'jp-text-truncated' }, 'ML checklist');
    this.header.addWidget(new Widget({ node: heading }));

    this._notebookName = el('div', {
      class: 'mlnb-Checklist-notebook jp-text-truncated'
    });
    this._progressText = el('div', {
      class: 'mlnb-Checklist-progressText',
      role: 'status',
      'aria-live': 'polite'
    });
    this._progressBar = el('div', {
      class: 'mlnb-Checklist-progressBar',
      'aria-hidden': 'true'
    });
    this._list = el('ol', {
      class: 'mlnb-Checklist-steps',
      'aria-label': 'ML checklist steps'
    });
    this._empty = el(
      'p',
      { class: 'mlnb-Checklist-empty' },
      'Open a notebook to see its ML checklist. Status comes from mlnb checks in the notebook’s outputs.'
    );
    const body = el(
      'div',
      { class: 'mlnb-Checklist' },
      el(
        'div',
        { class: 'mlnb-Checklist-summary' },
        this._notebookName,
        this._progressText,
        this._progressBar
      ),
      this._list,
      this._empty
    );
    this.content.addWidget(new Widget({ node: body }));

    const actions: IStepRowActions = {
      jump: hit => void this._jump(hit),
      insertStarter: step => void this._insertStarter(step),
      setMark: (step, kind, reason) => this._setMark(step, kind, reason),
      clearMark: step => this._setMark(step, null, '')
    };
    this._rows = new Map(
      this._steps.map(step => [step.id, new StepRow(step, actions)])
    );
    this._layoutRows();

    this._tracker.currentChanged.connect(this._onCurrentChanged, this);
    this._onCurrentChanged();
  }

  /** The notebook the panel shows, if any. */
  get notebookPanel(): NotebookPanel | null {
    return this._notebook;
  }

  /** Steps in checklist order with their current state (for tests and commands). */
  get states(): ReadonlyArray<IStepState> {
    return this._states;
  }

  /** Move keyboard focus to the first step (used by the "Show ML Checklist" command). */
  focusFirstStep(): void {
    const first =
      this._list.querySelector<HTMLButtonElement>('.mlnb-Step-main');
    (first ?? this.node).focus();
  }

  /** Apply user settings. */
  configure(settings: Partial<IChecklistSettings>): void {
    this._settings = { ...this._settings, ...settings };
    this._layoutRows();
    this.refresh();
  }

  /** Recompute the states now (normally debounced after notebook changes). */
  refresh(): void {
    if (this._timer !== null) {
      window.clearTimeout(this._timer);
      this._timer = null;
    }
    const nb = this._notebook;
    const model = nb?.context.isReady ? nb.model : null;
    this.node.dataset.notebook = model ? 'yes' : 'no';
    this._empty.hidden = model !== null;
    this._list.hidden = model === null;
    this._progressText.hidden = model === null;
    this._progressBar.hidden = model === null;
    if (!nb || !model) {
      this._states = [];
      this._notebookName.textContent = '';
      return;
    }
    this._notebookName.textContent = nb.context.localPath;
    this._notebookName.title = nb.context.path;

    const ids = this._steps.map(s => s.id);
    const cells = cellsOf(model);
    const records = collectRecords(cells, ids, this._warn);
    const marks = readMarks(model.getMetadata(METADATA_KEY), ids, this._warn);
    const shown = this._visibleSteps();
    this._states = computeStates(shown, records, marks);

    const now = Date.now();
    const editable = !model.readOnly;
    for (const state of this._states) {
      this._rows.get(state.step.id)?.update(state, now, editable);
    }
    const p = progress(this._states);
    this._progressText.textContent = p.text;
    this.node.dataset.progress = p.text;
    replaceChildren(
      this._progressBar,
      ...this._states.map(s =>
        el('span', {
          class: 'mlnb-Checklist-segment',
          'data-status': s.status,
          title: `${s.step.number}. ${STATUS_LABELS[s.status]}`
        })
      )
    );
    this._maybeAutoOpen(nb, cells);
  }

  protected onAfterAttach(msg: Message): void {
    super.onAfterAttach(msg);
    this._clock = window.setInterval(() => {
      if (this.isVisible) {
        this.refresh();
      }
    }, CLOCK_TICK_MS);
  }

  protected onBeforeDetach(msg: Message): void {
    if (this._clock !== null) {
      window.clearInterval(this._clock);
      this._clock = null;
    }
    super.onBeforeDetach(msg);
  }

  protected onAfterShow(msg: Message): void {
    super.onAfterShow(msg);
    this.refresh();
  }

  dispose(): void {
    if (this.isDisposed) {
      return;
    }
    this._bind(null);
    if (this._timer !== null) {
      window.clearTimeout(this._timer);
    }
    super.dispose();
  }

  private _visibleSteps(): IStepInfo[] {
    const wanted = this._settings.visibleSteps;
    return wanted.length
      ? this._steps.filter(s => wanted.includes(s.id))
      : [...this._steps];
  }

  private _layoutRows(): void {
    replaceChildren(
      this._list,
      ...this._visibleSteps().map(s => this._rows.get(s.id)!.node)
    );
  }

  private _onCurrentChanged(): void {
    this._bind(this._tracker.currentWidget);
  }

  private _bind(nb: NotebookPanel | null): void {
    if (nb === this._notebook) {
      return;
    }
    const old = this._notebook;
    if (old) {
      old.context.model.contentChanged.disconnect(this._schedule, this);
      old.context.model.metadataChanged.disconnect(this._schedule, this);
      old.disposed.disconnect(this._onNotebookDisposed, this);
    }
    this._notebook = nb;
    for (const row of this._rows.values()) {
      row.expanded = false;
    }
    if (nb) {
      nb.context.model.contentChanged.connect(this._schedule, this);
      nb.context.model.metadataChanged.connect(this._schedule, this);
      nb.disposed.connect(this._onNotebookDisposed, this);
      void nb.context.ready.then(() => {
        if (this._notebook === nb) {
          this.refresh();
        }
      });
    }
    this.refresh();
  }

  private _onNotebookDisposed(): void {
    this._bind(
      this._tracker.currentWidget === this._notebook
        ? null
        : this._tracker.currentWidget
    );
  }

  private _schedule(): void {
    if (this._timer !== null) {
      window.clearTimeout(this._timer);
    }
    this._timer = window.setTimeout(() => {
      this._timer = null;
      this.refresh();
    }, REFRESH_DEBOUNCE_MS);
  }

  private _maybeAutoOpen(nb: NotebookPanel, cells: ICellLike[]): void {
    if (!this._settings.autoOpen || this._autoOpened.has(nb) || !this._shell) {
      return;
    }
    if (!notebookUsesMlnb(cells)) {
      return;
    }
    this._autoOpened.add(nb);
    if (!this.isVisible && this._tracker.currentWidget === nb) {
      this._shell.activateById(this.id);
    }
  }

  /** Select the cell holding a record and scroll it into view. */
  private async _jump(hit: IRecordHit): Promise<void> {
    const nb = this._notebook;
    if (!nb || !nb.model) {
      return;
    }
    const notebook: Notebook = nb.content;
    const cells = nb.model.cells;
    let index = -1;
    if (hit.cellId) {
      for (let i = 0; i < cells.length; i++) {
        if (cells.get(i).id === hit.cellId) {
          index = i;
          break;
        }
      }
    }
    if (index < 0 && hit.cellIndex < cells.length) {
      index = hit.cellIndex;
    }
    if (index < 0) {
      return;
    }
    if (this._shell && this._shell.currentWidget !== nb) {
      this._shell.activateById(nb.id);
    }
    notebook.mode = 'command';
    notebook.activeCellIndex = index;
    notebook.deselectAll();
    const cell = notebook.widgets[index];
    if (cell) {
      await notebook.scrollToCell(cell, 'center');
      cell.node.classList.add('mlnb-mod-flash');
      window.setTimeout(
        () => cell.node.classList.remove('mlnb-mod-flash'),
        1200
      );
    }
  }

  /** Insert the step's starter as a new code cell below the active cell. */
  private async _insertStarter(step: IStepInfo): Promise<void> {
    const nb = this._notebook;
    const model = nb?.model;
    if (!nb || !model || model.readOnly) {
      return;
    }
    const source = starterSource(step, cellsOf(model));
    if (!source) {
      return;
    }
    const notebook = nb.content;
    const index =
      notebook.activeCellIndex >= 0
        ? notebook.activeCellIndex + 1
        : model.cells.length;
    model.sharedModel.insertCell(index, {
      cell_type: 'code',
      source,
      metadata: {}
    });
    notebook.activeCellIndex = index;
    notebook.deselectAll();
    const cell = notebook.widgets[index];
    if (cell) {
      await notebook.scrollToCell(cell, 'center');
    }
    this.refresh();
  }

  private _setMark(
    step: IStepInfo,
    kind: MarkKind | null,
    reason: string
  ): void {
    const model = this._notebook?.model;
    if (!model || model.readOnly) {
      return;
    }
    const mark = kind
      ? { mark: kind, reason, updated: new Date().toISOString() }
      : null;
    model.setMetadata(
      METADATA_KEY,
      withMark(model.getMetadata(METADATA_KEY), step.id, mark)
    );
    this.refresh();
  }

  /** console.warn, once per distinct message and payload. */
  private _warn = (message: string, ...details: unknown[]): void => {
    let key = message;
    try {
      key += JSON.stringify(details).slice(0, 2000);
    } catch {
      // unserialisable details: warn by message only
    }
    if (this._warned.has(key)) {
      return;
    }
    if (this._warned.size > 500) {
      this._warned.clear();
    }
    this._warned.add(key);
    console.warn(message, ...details);
  };

  private _steps: ReadonlyArray<IStepInfo>;
  private _tracker: INotebookTracker;
  private _shell: JupyterFrontEnd.IShell | null;
  private _settings: IChecklistSettings = { ...DEFAULT_SETTINGS };
  private _notebook: NotebookPanel | null = null;
  private _states: IStepState[] = [];
  private _rows: Map<string, StepRow>;
  private _timer: number | null = null;
  private _clock: number | null = null;
  private _warned = new Set<string>();
  private _autoOpened = new WeakSet<NotebookPanel>();
  private _notebookName: HTMLDivElement;
  private _progressText: HTMLDivElement;
  private _progressBar: HTMLDivElement;
  private _list: HTMLOListElement;
  private _empty: HTMLParagraphElement;
}

export namespace ChecklistPanel {
  export interface IOptions {
    steps: ReadonlyArray<IStepInfo>;
    tracker: INotebookTracker;
    shell?: JupyterFrontEnd.IShell | null;
  }
}
