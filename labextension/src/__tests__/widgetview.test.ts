import { MIME_TYPE } from '../model';
import {
  WIDGET_VIEW_MIME,
  initialView,
  isMlnbWidgetBundle,
  settledView,
  staticBundle
} from '../widgetview';

const view = { version_major: 2, version_minor: 0, model_id: 'abc' };
const record = { protocol_version: 2, step: 'imbalance', status: 'warn' };

describe('isMlnbWidgetBundle', () => {
  it('is true for a widget view carrying a status record', () => {
    expect(
      isMlnbWidgetBundle({
        [WIDGET_VIEW_MIME]: view,
        [MIME_TYPE]: record,
        'text/html': '<div></div>',
        'text/plain': 'x'
      })
    ).toBe(true);
  });

  it('is false for any other widget and for records without a widget', () => {
    expect(
      isMlnbWidgetBundle({ [WIDGET_VIEW_MIME]: view, 'text/plain': 'x' })
    ).toBe(false);
    expect(isMlnbWidgetBundle({ [MIME_TYPE]: record })).toBe(false);
    expect(
      isMlnbWidgetBundle({ [WIDGET_VIEW_MIME]: view, [MIME_TYPE]: null })
    ).toBe(false);
    expect(isMlnbWidgetBundle(null)).toBe(false);
    expect(isMlnbWidgetBundle({})).toBe(false);
  });
});

describe('staticBundle', () => {
  it('drops only the widget view', () => {
    const data = {
      [WIDGET_VIEW_MIME]: view,
      [MIME_TYPE]: record,
      'text/html': '<b>card</b>',
      'image/png': 'iVBOR',
      'text/plain': 'x'
    };
    const out = staticBundle(data);
    expect(Object.keys(out).sort()).toEqual(
      [MIME_TYPE, 'image/png', 'text/html', 'text/plain'].sort()
    );
    expect(data[WIDGET_VIEW_MIME]).toBe(view);
  });
});

describe('views', () => {
  it('shows the static card while no kernel is ready', () => {
    expect(initialView('none')).toBe('static');
    expect(initialView('starting')).toBe('static');
    expect(initialView('ready')).toBe('loading');
  });

  it('settles on the live view only when one is attached', () => {
    expect(settledView(true)).toBe('live');
    expect(settledView(false)).toBe('static');
  });
});
