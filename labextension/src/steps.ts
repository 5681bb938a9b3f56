/**
 * The ten steps, generated from mlnb/checklist.py into steps.json
 * (`python -m mlnb.checklist.steps_json labextension/src/steps.json`).
 */
import stepsJson from './steps.json';
import { IStepInfo, isStepList } from './model';

function loadSteps(): IStepInfo[] {
  const value: unknown = stepsJson;
  if (!isStepList(value)) {
    throw new Error('mlnb: steps.json does not hold a list of steps');
  }
  return [...value].sort((a, b) => a.number - b.number);
}

/** The steps in checklist order. */
export const STEPS: ReadonlyArray<IStepInfo> = loadSteps();

/** The step ids in checklist order. */
export const STEP_IDS: ReadonlyArray<string> = STEPS.map(s => s.id);

/** A step by id. */
export function stepById(id: string): IStepInfo | undefined {
  return STEPS.find(s => s.id === id);
}
