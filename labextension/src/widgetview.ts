/**
 * Pure decisions for mlnb widget outputs (no DOM, no JupyterLab): which outputs
 * the fallback wrapper handles, what it renders as the static view, and which view
 * it shows. The Lumino part is in reopen.ts.
 */
import { MIME_TYPE } from './model';

/** ipywidgets' MIME type of a widget view in an output bundle. */
export const WIDGET_VIEW_MIME = 'application/vnd.jupyter.widget-view+json';

/** What an mlnb widget output shows: its live widget, its static card, or
 * ipywidgets' own "Loading widget..." while the live view is on its way. */
export type View = 'live' | 'static' | 'loading';

/** Where the notebook's kernel is: none selected, starting, or ready. */
export type KernelState = 'none' | 'starting' | 'ready';

type Bundle = { readonly [mime: string]: unknown };

/** True for the output bundle of an mlnb widget: a widget view that also
 * carries mlnb's status record (and with it the static fallback). Other widget
 * outputs are left to ipywidgets untouched. */
export function isMlnbWidgetBundle(data: Bundle | null | undefined): boolean {
  if (!data || typeof data !== 'object') {
    return false;
  }
  const view = data[WIDGET_VIEW_MIME];
  return (
    !!view &&
    typeof view === 'object' &&
    MIME_TYPE in data &&
    data[MIME_TYPE] !== null &&
    data[MIME_TYPE] !== undefined
  );
}

/** The bundle without the widget view: what the static view is chosen from
 * (the rich HTML card, else the PNG, else the status chip). */
export function staticBundle<T extends Bundle>(data: T): Partial<T> {
  const out: { [mime: string]: unknown } = {};
  for (const key of Object.keys(data)) {
    if (key !== WIDGET_VIEW_MIME) {
      out[key] = data[key];
    }
  }
  return out as Partial<T>;
}

/** The view to show before ipywidgets has answered. Only with a ready kernel
 * can the widget model appear at once (a cell just run); otherwise the model
 * comes, if at all, from saved widget state once a kernel is up, so the static
 * card shows meanwhile instead of "Loading widget...". */
export function initialView(kernel: KernelState): View {
  return kernel === 'ready' ? 'loading' : 'static';
}

/** The view once ipywidgets' renderer has finished an attempt: the live widget
 * when its view is attached, else the static card (model not found, view
 * failed, or waiting for a restore that may never come). */
export function settledView(hasLiveView: boolean): View {
  return hasLiveView ? 'live' : 'static';
}
