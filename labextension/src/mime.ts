/**
 * MIME renderer for `application/vnd.mlnb.check+json`: a compact status chip
 * (step number and title, badge, summary, and for protocol version 2 the sentence
 * of the condition that decided the status) in the output area.
 *
 * Rank: 100, between text/html (50) and text/plain (120). JupyterLab shows only
 * the best-ranked MIME type of an output, so an mlnb result that also carries
 * text/html shows its rich HTML card, while a record displayed alone shows this
 * chip instead of its text/plain fallback. The side panel reads the record from
 * every output either way.
 */
import { IRenderMime } from '@jupyterlab/rendermime-interfaces';
import { Widget } from '@lumino/widgets';

import { el, replaceChildren } from './dom';
import { MIME_TYPE, validateRecord } from './model';
import { badge } from './steprow';
import { STEP_IDS, stepById } from './steps';

/** The renderer's rank (lower wins; text/html is 50, text/plain 120). */
export const CHIP_RANK = 100;

export class StatusChip extends Widget implements IRenderMime.IRenderer {
  constructor(options: IRenderMime.IRendererOptions) {
    super();
    this._mimeType = options.mimeType;
    this.addClass('mlnb-ChipOutput');
  }

  renderModel(model: IRenderMime.IMimeModel): Promise<void> {
    const record = validateRecord(model.data[this._mimeType], STEP_IDS);
    if (!record) {
      replaceChildren(
        this.node,
        el(
          'div',
          { class: 'mlnb-Chip mlnb-Chip-invalid' },
          'Unrecognised mlnb status record (details in the browser console).'
        )
      );
      return Promise.resolve();
    }
    const step = stepById(record.step)!;
    const chip = el(
      'div',
      {
        class: 'mlnb-Chip',
        'data-status': record.status,
        'data-step': step.id,
        role: 'group',
        'aria-label': `mlnb step ${step.number}: ${step.title}: ${record.status}`
      },
      el(
        'div',
        { class: 'mlnb-Chip-head' },
        el(
          'span',
          { class: 'mlnb-Chip-number', 'aria-hidden': 'true' },
          String(step.number)
        ),
        el('span', { class: 'mlnb-Chip-title' }, step.title),
        badge(record.status)
      ),
      record.summary
        ? el('div', { class: 'mlnb-Chip-summary' }, record.summary)
        : null,
      record.protocol_version >= 2 && record.decided_by
        ? el(
            'div',
            { class: 'mlnb-Chip-decided' },
            `decided by: ${record.decided_by}`
          )
        : null
    );
    chip.title = record.created;
    replaceChildren(this.node, chip);
    return Promise.resolve();
  }

  private _mimeType: string;
}

export const rendererFactory: IRenderMime.IRendererFactory = {
  safe: true,
  mimeTypes: [MIME_TYPE],
  defaultRank: CHIP_RANK,
  createRenderer: options => new StatusChip(options)
};

const extension: IRenderMime.IExtension = {
  id: 'mlnb:status-record',
  description: 'Renders mlnb status records as status chips.',
  rendererFactory,
  rank: CHIP_RANK,
  dataType: 'json'
};

export default extension;
