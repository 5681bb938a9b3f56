/**
 * mlnb's JupyterLab extension: the "ML checklist" side panel.
 * The MIME renderer for status records is the package's mimeExtension (mime.ts);
 * reopen.ts shows mlnb widgets' static view where their live widget is missing.
 */
import {
  ILayoutRestorer,
  JupyterFrontEnd,
  JupyterFrontEndPlugin
} from '@jupyterlab/application';
import { ICommandPalette } from '@jupyterlab/apputils';
import { INotebookTracker } from '@jupyterlab/notebook';
import { ISettingRegistry } from '@jupyterlab/settingregistry';

import {
  ChecklistPanel,
  DEFAULT_SETTINGS,
  IChecklistSettings,
  PANEL_ID
} from './panel';
import { STEPS } from './steps';
import widgetFallback from './reopen';

const PLUGIN_ID = 'mlnb:plugin';

/** Command ids. */
export namespace CommandIDs {
  export const open = 'mlnb:open-checklist';
}

function readSettings(
  settings: ISettingRegistry.ISettings
): IChecklistSettings {
  const visible = settings.get('visibleSteps').composite;
  const autoOpen = settings.get('autoOpen').composite;
  return {
    visibleSteps: Array.isArray(visible)
      ? visible.filter((v): v is string => typeof v === 'string')
      : DEFAULT_SETTINGS.visibleSteps,
    autoOpen:
      typeof autoOpen === 'boolean' ? autoOpen : DEFAULT_SETTINGS.autoOpen
  };
}

const plugin: JupyterFrontEndPlugin<void> = {
  id: PLUGIN_ID,
  description: 'ML checklist side panel built from mlnb status records.',
  autoStart: true,
  requires: [INotebookTracker],
  optional: [ILayoutRestorer, ISettingRegistry, ICommandPalette],
  activate: (
    app: JupyterFrontEnd,
    tracker: INotebookTracker,
    restorer: ILayoutRestorer | null,
    settingRegistry: ISettingRegistry | null,
    palette: ICommandPalette | null
  ) => {
    const panel = new ChecklistPanel({
      steps: STEPS,
      tracker,
      shell: app.shell
    });
    app.shell.add(panel, 'left', { rank: 650, type: 'ML checklist' });
    if (restorer) {
      restorer.add(panel, PANEL_ID);
    }

    app.commands.addCommand(CommandIDs.open, {
      label: 'Show ML Checklist',
      caption: 'Open the ML checklist side panel',
      execute: () => {
        app.shell.activateById(PANEL_ID);
        requestAnimationFrame(() => panel.focusFirstStep());
      }
    });
    if (palette) {
      palette.addItem({
        command: CommandIDs.open,
        category: 'Notebook Operations'
      });
    }

    if (settingRegistry) {
      settingRegistry
        .load(PLUGIN_ID)
        .then(settings => {
          panel.configure(readSettings(settings));
          settings.changed.connect(() =>
            panel.configure(readSettings(settings))
          );
        })
        .catch(reason => {
          console.error(
            'mlnb: failed to load the ML checklist settings',
            reason
          );
        });
    }
  }
};

export default [plugin, widgetFallback];
