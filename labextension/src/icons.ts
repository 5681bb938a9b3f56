import { LabIcon } from '@jupyterlab/ui-components';
import checklistSvg from '../style/icons/checklist.svg';

/** The ML checklist icon (side bar tab). */
export const checklistIcon = new LabIcon({
  name: 'mlnb:checklist',
  svgstr: checklistSvg
});
