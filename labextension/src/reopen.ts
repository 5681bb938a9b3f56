/**
 * mlnb widgets that reopen cleanly.
 *
 * An mlnb widget (ImbalanceExplorer, SlicedMetricsView, DriftChart) displays one
 * output bundle: the widget view (`application/vnd.jupyter.widget-view+json`), a
 * static card (`text/html` with the charts as PNG, `image/png`) and its status
 * record. In a trusted notebook JupyterLab renders the widget view; when the
 * widget's model cannot be found (a notebook reopened without saved widget state,
 * or with no kernel), ipywidgets' renderer shows "Error displaying widget: model not
 * found" or stays at "Loading widget...".
 *
 * This plugin wraps the widget-view renderer of every notebook. For an output that
 * carries an mlnb status record, the wrapper shows the static card until, and
 * unless, ipywidgets attaches the live view (from the running kernel, or from the
 * widget state saved in the notebook). Every other widget output is rendered by
 * ipywidgets exactly as before. The wrapper delegates: the renderer it wraps is
 * whatever the notebook's registry holds for the widget-view MIME type at that
 * moment (ipywidgets replaces it per notebook once a kernel is up).
 */
import {
  JupyterFrontEnd,
  JupyterFrontEndPlugin
} from '@jupyterlab/application';
import { INotebookTracker, NotebookPanel } from '@jupyterlab/notebook';
import { IRenderMime } from '@jupyterlab/rendermime-interfaces';
import { Message, MessageLoop } from '@lumino/messaging';
import { Panel, Widget } from '@lumino/widgets';

import {
  KernelState,
  View,
  WIDGET_VIEW_MIME,
  initialView,
  isMlnbWidgetBundle,
  settledView,
  staticBundle
} from './widgetview';

/** How long a ready kernel may take to attach the live view before the static
 * card shows instead of "Loading widget..." (the live view still replaces it
 * when it comes). */
export const LOADING_GRACE_MS = 2000;

/** The part of a rendermime registry the wrapper uses. */
interface IRegistry {
  addFactory(factory: IRenderMime.IRendererFactory, rank?: number): void;
  createRenderer(mimeType: string): IRenderMime.IRenderer;
  preferredMimeType(
    bundle: IRenderMime.IMimeModel['data'],
    safe?: 'ensure' | 'prefer' | 'any'
  ): string | undefined;
}

interface ISessionLike {
  readonly isReady: boolean;
  readonly isDisposed: boolean;
  readonly session?: { kernel?: unknown | null } | null;
}

function kernelState(sessionContext: ISessionLike): KernelState {
  if (sessionContext.isDisposed || !sessionContext.isReady) {
    return 'starting';
  }
  return sessionContext.session?.kernel ? 'ready' : 'none';
}

/**
 * The widget-view output of a notebook: ipywidgets' renderer, plus, for mlnb
 * widgets, the static card while the live view is missing.
 */
export class WidgetOutput extends Panel implements IRenderMime.IRenderer {
  constructor(options: WidgetOutput.IOptions) {
    super();
    this._delegate = options.delegate;
    this._createStatic = options.createStatic;
    this._kernel = options.kernel;
    this.addClass('mlnb-WidgetOutput');
    this._delegate.addClass('mlnb-WidgetOutput-live');
    this.addWidget(this._delegate);
    MessageLoop.installMessageHook(this._delegate, this._hook);
  }

  /** The view shown now ('live', 'static' or 'loading'); '' for a widget output
   * that is not mlnb's. */
  get view(): View | '' {
    return (this.node.dataset.mlnbView as View | undefined) ?? '';
  }

  async renderModel(model: IRenderMime.IMimeModel): Promise<void> {
    if (!isMlnbWidgetBundle(model.data)) {
      // Not an mlnb widget: ipywidgets alone, as without this wrapper.
      this._model = null;
      delete this.node.dataset.mlnbView;
      return this._delegate.renderModel(model);
    }
    this._model = model;
    await this._renderStatic(model);
    if (!this._hasLiveView()) {
      this._show(initialView(this._kernel()));
    }
    this._renderLive(model);
  }

  /**
   * Render through a new ipywidgets renderer, unless the live view is already
   * attached. ipywidgets hands its widget manager only to the renderers it finds
   * directly in the output area once the notebook's kernel is up, not to one
   * inside this wrapper, and registers a new renderer factory holding the manager
   * instead: the wrapper takes a renderer from that factory.
   */
  replaceDelegate(delegate: IRenderMime.IRenderer): void {
    if (this.isDisposed || this._hasLiveView() || !this._model) {
      delegate.dispose();
      return;
    }
    const old = this._delegate;
    MessageLoop.removeMessageHook(old, this._hook);
    old.dispose();
    this._delegate = delegate;
    this._delegate.addClass('mlnb-WidgetOutput-live');
    this.addWidget(this._delegate);
    MessageLoop.installMessageHook(this._delegate, this._hook);
    this._renderLive(this._model);
  }

  /** Whether this output is an mlnb widget still without its live view. */
  get waitsForLiveView(): boolean {
    return !!this._model && !this._hasLiveView();
  }

  private _renderLive(model: IRenderMime.IMimeModel): void {
    this._clearTimer();
    if (this.view === 'loading') {
      this._timer = window.setTimeout(() => {
        this._timer = 0;
        if (this.view === 'loading' && !this._hasLiveView()) {
          this._show('static');
        }
      }, LOADING_GRACE_MS);
    }
    // ipywidgets' attempt: it resolves after a live view is attached or an
    // error shown, stays pending while its widget manager is missing (no
    // kernel), and may attach the view later (saved state restored).
    const delegate = this._delegate;
    delegate.renderModel(model).then(
      () => {
        if (delegate === this._delegate) {
          this._show(settledView(this._hasLiveView()));
        }
      },
      reason => {
        console.warn(
          'mlnb: widget view failed, showing its static view',
          reason
        );
        if (delegate === this._delegate) {
          this._show(settledView(this._hasLiveView()));
        }
      }
    );
  }

  dispose(): void {
    if (this.isDisposed) {
      return;
    }
    this._clearTimer();
    MessageLoop.removeMessageHook(this._delegate, this._hook);
    super.dispose();
  }

  /** ipywidgets hides its renderer when the live view is closed: the output
   * disappears, as it does without this wrapper. */
  processMessage(msg: Message): void {
    super.processMessage(msg);
    if (
      (msg.type === 'child-hidden' || msg.type === 'child-shown') &&
      (msg as Widget.ChildMessage).child === this._delegate
    ) {
      this.setHidden(msg.type === 'child-hidden');
    }
  }

  private async _renderStatic(model: IRenderMime.IMimeModel): Promise<void> {
    if (!this._static) {
      const created = this._createStatic(model);
      if (!created) {
        return;
      }
      this._static = created;
      this._static.addClass('mlnb-WidgetOutput-static');
      this.insertWidget(0, this._static);
    }
    try {
      await this._static.renderModel(model);
    } catch (reason) {
      console.warn('mlnb: could not render the static view', reason);
    }
  }

  private _hasLiveView(): boolean {
    const d = this._delegate as unknown as { widgets?: readonly Widget[] };
    return Array.isArray(d.widgets) && d.widgets.length > 0;
  }

  private _show(view: View): void {
    if (!this._model || this.isDisposed) {
      return;
    }
    if (view === 'static' && !this._static) {
      view = 'loading'; // nothing static to show: ipywidgets' own text
    }
    if (view !== 'loading') {
      this._clearTimer();
    }
    this.node.dataset.mlnbView = view;
  }

  private _clearTimer(): void {
    if (this._timer) {
      window.clearTimeout(this._timer);
      this._timer = 0;
    }
  }

  /** Show the live view the moment ipywidgets adds it (before it attaches). */
  private _hook = (_handler: unknown, msg: Message): boolean => {
    if (msg.type === 'child-added') {
      this._show('live');
    }
    return true;
  };

  private _delegate: IRenderMime.IRenderer;
  private _createStatic: (
    model: IRenderMime.IMimeModel
  ) => IRenderMime.IRenderer | null;
  private _kernel: () => KernelState;
  private _static: IRenderMime.IRenderer | null = null;
  private _model: IRenderMime.IMimeModel | null = null;
  private _timer = 0;
}

export namespace WidgetOutput {
  export interface IOptions {
    /** ipywidgets' renderer for the widget view. */
    delegate: IRenderMime.IRenderer;
    /** A renderer for the static view of this output, or null if it has none. */
    createStatic: (
      model: IRenderMime.IMimeModel
    ) => IRenderMime.IRenderer | null;
    /** The notebook's kernel, now. */
    kernel: () => KernelState;
  }
}

const PATCHED = Symbol('mlnb.widgetOutput');

/** Wrap the widget-view renderer of one notebook's rendermime registry. */
export function wrapWidgetRenderer(
  registry: IRegistry,
  sessionContext: ISessionLike
): void {
  const marked = registry as unknown as { [PATCHED]?: boolean };
  if (marked[PATCHED]) {
    return;
  }
  marked[PATCHED] = true;
  const create = registry.createRenderer.bind(registry);
  const preferred = registry.preferredMimeType.bind(registry);
  const addFactory = registry.addFactory.bind(registry);
  const outputs = new Set<WidgetOutput>();
  const createStatic = (
    model: IRenderMime.IMimeModel
  ): IRenderMime.IRenderer | null => {
    const mime = preferred(
      staticBundle(model.data),
      model.trusted ? 'any' : 'ensure'
    );
    return mime && mime !== WIDGET_VIEW_MIME ? create(mime) : null;
  };
  // An output area asks for the preferred MIME type of a bundle, then for a
  // renderer of that type: only an mlnb widget's bundle gets the wrapper, so
  // every other widget output stays exactly ipywidgets' own.
  let nextIsMlnb = false;
  registry.preferredMimeType = (bundle, safe) => {
    const mime = preferred(bundle, safe);
    nextIsMlnb = mime === WIDGET_VIEW_MIME && isMlnbWidgetBundle(bundle);
    return mime;
  };
  registry.createRenderer = (mimeType: string): IRenderMime.IRenderer => {
    const renderer = create(mimeType);
    const wrap = mimeType === WIDGET_VIEW_MIME && nextIsMlnb;
    nextIsMlnb = false;
    if (!wrap) {
      return renderer;
    }
    const output = new WidgetOutput({
      delegate: renderer,
      createStatic,
      kernel: () => kernelState(sessionContext)
    });
    outputs.add(output);
    output.disposed.connect(() => outputs.delete(output));
    return output;
  };
  registry.addFactory = (factory, rank) => {
    addFactory(factory, rank);
    if (factory.mimeTypes.includes(WIDGET_VIEW_MIME)) {
      for (const output of outputs) {
        if (output.waitsForLiveView) {
          output.replaceDelegate(create(WIDGET_VIEW_MIME));
        }
      }
    }
  };
}

const plugin: JupyterFrontEndPlugin<void> = {
  id: 'mlnb:widget-fallback',
  description:
    "Shows an mlnb widget's static view where its live widget cannot be restored.",
  autoStart: true,
  requires: [INotebookTracker],
  activate: (_app: JupyterFrontEnd, tracker: INotebookTracker) => {
    const wrap = (panel: NotebookPanel) =>
      wrapWidgetRenderer(panel.content.rendermime, panel.sessionContext);
    tracker.forEach(wrap);
    tracker.widgetAdded.connect((_sender, panel) => wrap(panel));
  }
};

export default plugin;
