import {
  cellSource,
  collectRecords,
  compareHits,
  computeStates,
  ICellLike,
  IMark,
  IRecordHit,
  isStepList,
  MIME_TYPE,
  notebookLoadsExtension,
  notebookUsesMlnb,
  progress,
  readMarks,
  relativeTime,
  starterSource,
  validateRecord,
  withMark,
  worstHit
} from '../model';
import { STEP_IDS, STEPS, stepById } from '../steps';
import stepsJson from '../steps.json';

type Rec = { [key: string]: unknown };

function record(
  step: string,
  status: string,
  created: string,
  extra: Rec = {}
): Rec {
  return {
    protocol_version: 1,
    step,
    status,
    summary: `${step} is ${status}`,
    check: step,
    created,
    metrics: { n: 1 },
    ...extra
  };
}

function output(rec: unknown, more: Rec = {}) {
  return {
    output_type: 'display_data',
    data: { [MIME_TYPE]: rec, 'text/plain': 'x', ...more }
  };
}

function codeCell(id: string, outputs: unknown[] = [], source = ''): ICellLike {
  return {
    id,
    cell_type: 'code',
    source,
    outputs: outputs as ICellLike['outputs']
  };
}

/** A protocol 2 record, as mlnb.checklist.result writes it. */
function record2(
  step: string,
  check: string,
  status: string,
  created: string,
  extra: Rec = {}
): Rec {
  const sentence = `${check} says ${status}`;
  return {
    protocol_version: 2,
    step,
    status,
    summary: `${check} is ${status}`,
    check,
    created,
    metrics: { n: 1 },
    conditions: [{ condition: `${check} rule`, status, sentence }],
    decided_by: sentence,
    ...extra
  };
}

/** The only hit of a step (fails when there are more). */
function only(found: Map<string, IRecordHit[]>, step: string): IRecordHit {
  const hits = found.get(step) ?? [];
  expect(hits).toHaveLength(1);
  return hits[0];
}

const T0 = '2026-11-28T12:00:00Z';
const T1 = '2026-11-28T12:05:00Z';
const T2 = '2026-11-28T12:10:00Z';

describe('steps.json', () => {
  it('holds the ten steps in order', () => {
    expect(isStepList(stepsJson)).toBe(true);
    expect(STEP_IDS).toEqual([
      'problem',
      'prototype',
      'training',
      'imbalance',
      'accuracy',
      'fairness',
      'explainability',
      'deployment',
      'drift',
      'serving'
    ]);
    expect(STEPS.map(s => s.number)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(stepById('imbalance')?.title).toMatch(/imbalanced/);
  });
});

describe('validateRecord', () => {
  let warn: jest.Mock;
  beforeEach(() => {
    warn = jest.fn();
  });

  it('accepts a protocol 1 record', () => {
    const r = validateRecord(record('imbalance', 'warn', T0), STEP_IDS, warn);
    expect(r?.status).toBe('warn');
    expect(warn).not.toHaveBeenCalled();
  });

  it('accepts a protocol 2 record with conditions and decided_by', () => {
    const r = validateRecord(
      record2('imbalance', 'imbalance', 'warn', '2026-11-28T12:00:00.123Z'),
      STEP_IDS,
      warn
    );
    expect(r?.decided_by).toBe('imbalance says warn');
    expect(r?.conditions).toEqual([
      {
        condition: 'imbalance rule',
        status: 'warn',
        sentence: 'imbalance says warn'
      }
    ]);
    // both are optional in version 2
    const bare = record2('drift', 'drift', 'pass', T0);
    delete bare.conditions;
    delete bare.decided_by;
    expect(validateRecord(bare, STEP_IDS, warn)?.status).toBe('pass');
    expect(warn).not.toHaveBeenCalled();
  });

  it('does not interpret version 2 fields on a version 1 record', () => {
    const r = validateRecord(
      record('imbalance', 'warn', T0, {
        decided_by: 'not in version 1',
        conditions: 'whatever'
      }),
      STEP_IDS,
      warn
    );
    expect(r?.status).toBe('warn');
    expect(r).not.toHaveProperty('decided_by');
    expect(r).not.toHaveProperty('conditions');
    expect(warn).not.toHaveBeenCalled();
  });

  it('names the versions it understands when it ignores a newer one', () => {
    validateRecord(
      record('imbalance', 'pass', T0, { protocol_version: 3 }),
      STEP_IDS,
      warn
    );
    expect(warn.mock.calls[0][0]).toBe(
      'mlnb: ignoring a status record with protocol_version 3 ' +
        '(this extension understands 1 and 2)'
    );
  });

  it('accepts a JSON string of a record', () => {
    const r = validateRecord(
      JSON.stringify(record('drift', 'pass', T0)),
      STEP_IDS,
      warn
    );
    expect(r?.step).toBe('drift');
  });

  it.each([
    [
      'a newer protocol_version',
      record('imbalance', 'pass', T0, { protocol_version: 3 })
    ],
    [
      'protocol_version 0',
      record('imbalance', 'pass', T0, { protocol_version: 0 })
    ],
    [
      'protocol_version as string',
      record('imbalance', 'pass', T0, { protocol_version: '1' })
    ],
    ['unknown step', record('nonsense', 'pass', T0)],
    ['step as number', record('imbalance', 'pass', T0, { step: 4 })],
    ['unknown status', record('imbalance', 'ok', T0)],
    ['skipped is not a record status', record('imbalance', 'skipped', T0)],
    [
      'summary not a string',
      record('imbalance', 'pass', T0, { summary: ['a'] })
    ],
    [
      'missing created',
      record('imbalance', 'pass', T0, { created: undefined })
    ],
    ['created not a time', record('imbalance', 'pass', 'yesterday')],
    [
      'metrics not an object',
      record('imbalance', 'pass', T0, { metrics: [1, 2] })
    ],
    ['check not a string', record('imbalance', 'pass', T0, { check: 3 })],
    [
      'v2 conditions not a list',
      record2('imbalance', 'imbalance', 'warn', T0, { conditions: {} })
    ],
    [
      'v2 condition without a sentence',
      record2('imbalance', 'imbalance', 'warn', T0, {
        conditions: [{ condition: 'x', status: 'warn' }]
      })
    ],
    [
      'v2 condition with an unknown status',
      record2('imbalance', 'imbalance', 'warn', T0, {
        conditions: [{ condition: 'x', status: 'bad', sentence: 's' }]
      })
    ],
    [
      'v2 decided_by not a string',
      record2('imbalance', 'imbalance', 'warn', T0, { decided_by: 1 })
    ],
    ['not an object', [1, 2, 3]],
    ['null', null],
    ['bad JSON string', '{not json']
  ])('ignores a record with %s, with a warning', (_why, value) => {
    expect(validateRecord(value, STEP_IDS, warn)).toBeNull();
    expect(warn).toHaveBeenCalledTimes(1);
    expect(String(warn.mock.calls[0][0])).toMatch(/^mlnb: ignoring/);
  });

  it('warns through console.warn by default', () => {
    const spy = jest.spyOn(console, 'warn').mockImplementation(() => undefined);
    try {
      expect(validateRecord(record('nope', 'pass', T0), STEP_IDS)).toBeNull();
      expect(spy).toHaveBeenCalledTimes(1);
    } finally {
      spy.mockRestore();
    }
  });
});

describe('collectRecords', () => {
  it('finds records in execute_result and display_data outputs', () => {
    const cells = [
      codeCell('a', [output(record('imbalance', 'warn', T0))]),
      codeCell('b', [
        {
          output_type: 'execute_result',
          data: { [MIME_TYPE]: record('drift', 'fail', T0) }
        }
      ]),
      { id: 'm', cell_type: 'markdown', source: '# hi' },
      codeCell('c', [
        { output_type: 'stream', text: 'hello' },
        { output_type: 'error' }
      ])
    ];
    const found = collectRecords(cells, STEP_IDS, jest.fn());
    expect([...found.keys()].sort()).toEqual(['drift', 'imbalance']);
    expect(only(found, 'imbalance')).toMatchObject({
      check: 'imbalance',
      cellIndex: 0,
      cellId: 'a',
      outputIndex: 0
    });
    expect(only(found, 'drift').record.status).toBe('fail');
  });

  it('keeps the newest record of a check by created, wherever the cell is', () => {
    const cells = [
      codeCell('late', [output(record('imbalance', 'pass', T2))]),
      codeCell('early', [output(record('imbalance', 'fail', T0))])
    ];
    const hit = only(collectRecords(cells, STEP_IDS, jest.fn()), 'imbalance');
    expect(hit?.record.status).toBe('pass');
    expect(hit?.cellId).toBe('late');
  });

  it('breaks ties by cell order: the later cell wins', () => {
    const cells = [
      codeCell('first', [output(record('imbalance', 'fail', T1))]),
      codeCell('second', [output(record('imbalance', 'warn', T1))])
    ];
    const hit = only(collectRecords(cells, STEP_IDS, jest.fn()), 'imbalance');
    expect(hit?.cellId).toBe('second');
    expect(hit?.record.status).toBe('warn');
  });

  it('breaks ties within a cell by output order', () => {
    const cells = [
      codeCell('x', [
        output(record('fairness', 'fail', T1)),
        output(record('fairness', 'info', T1))
      ])
    ];
    const hit = only(collectRecords(cells, STEP_IDS, jest.fn()), 'fairness');
    expect(hit).toMatchObject({ outputIndex: 1 });
    expect(hit?.record.status).toBe('info');
  });

  it('compares times, not strings (time zones)', () => {
    const cells = [
      codeCell('a', [
        output(record('drift', 'pass', '2026-11-28T13:00:00+02:00'))
      ]), // 11:00Z
      codeCell('b', [output(record('drift', 'fail', '2026-11-28T11:30:00Z'))])
    ];
    expect(
      only(collectRecords(cells, STEP_IDS, jest.fn()), 'drift').cellId
    ).toBe('b');
  });

  it('ignores malformed records with a warning and keeps the valid ones', () => {
    const warn = jest.fn();
    const cells = [
      codeCell('a', [
        output(record('imbalance', 'pass', T0)),
        output(record('imbalance', 'fail', T2, { protocol_version: 99 })),
        output(record('bogus', 'fail', T2)),
        output(record('imbalance', 'fail', T2, { summary: 42 }))
      ])
    ];
    const found = collectRecords(cells, STEP_IDS, warn);
    expect(only(found, 'imbalance').record.status).toBe('pass');
    expect(found.size).toBe(1);
    expect(warn).toHaveBeenCalledTimes(3);
  });

  it('never reads text/plain', () => {
    const cells = [
      codeCell('a', [
        {
          output_type: 'execute_result',
          data: {
            'text/plain': JSON.stringify(record('imbalance', 'fail', T0))
          }
        }
      ])
    ];
    expect(collectRecords(cells, STEP_IDS, jest.fn()).size).toBe(0);
  });

  it('copes with cells without ids or outputs', () => {
    const cells: ICellLike[] = [
      { cell_type: 'code', source: '' },
      {
        cell_type: 'code',
        outputs: [output(record('serving', 'info', T0))] as ICellLike['outputs']
      },
      {
        cell_type: 'code',
        outputs: [{ output_type: 'display_data', data: null }]
      }
    ];
    const hit = only(collectRecords(cells, STEP_IDS, jest.fn()), 'serving');
    expect(hit).toMatchObject({ cellIndex: 1, cellId: undefined });
  });
});

describe('newest record per check, worst per step', () => {
  const warn = jest.fn();
  const stepState = (cells: ICellLike[], step = 'imbalance', meta?: unknown) =>
    computeStates(
      STEPS,
      collectRecords(cells, STEP_IDS, warn),
      readMarks(meta, STEP_IDS, warn)
    ).find(s => s.step.id === step)!;
  const checksOf = (hits: ReadonlyArray<IRecordHit>) =>
    hits.map(h => [h.check, h.record.status]);

  afterEach(() => {
    expect(warn).not.toHaveBeenCalled();
  });

  it.each([
    ['protocol 1', record('imbalance', 'warn', T0, { check: 'imbalance' })],
    ['protocol 2', record2('imbalance', 'imbalance', 'warn', T0)]
  ])(
    'a passing check does not hide a warning (%s imbalance record)',
    (_v, imbalanceRecord) => {
      const cells = [
        codeCell('data', [output(imbalanceRecord)]),
        codeCell('model', [
          output(record2('imbalance', 'thresholds', 'pass', T1))
        ])
      ];
      const s = stepState(cells);
      expect(s.status).toBe('warn');
      expect(checksOf(s.checks)).toEqual([
        ['imbalance', 'warn'],
        ['thresholds', 'pass']
      ]);
      expect(s.record?.cellId).toBe('data'); // the deciding check
      expect(s.newest?.cellId).toBe('model');
      expect(progress([s]).text).toBe('1 of 1 checked, 1 warning');
    }
  );

  it('a newer record replaces only its own check', () => {
    const cells = [
      codeCell('a', [output(record2('imbalance', 'imbalance', 'warn', T0))]),
      codeCell('b', [output(record2('imbalance', 'thresholds', 'pass', T1))]),
      codeCell('c', [output(record2('imbalance', 'imbalance', 'pass', T2))])
    ];
    const s = stepState(cells);
    expect(s.status).toBe('pass');
    expect(checksOf(s.checks)).toEqual([
      ['thresholds', 'pass'],
      ['imbalance', 'pass']
    ]);
    expect(s.checks.map(h => h.cellId)).toEqual(['b', 'c']);
    // a newer failure of the other check shows, with both checks kept
    const later = [
      ...cells,
      codeCell('d', [
        output(
          record2('imbalance', 'thresholds', 'fail', '2026-11-28T12:15:00Z')
        )
      ])
    ];
    const s2 = stepState(later);
    expect(s2.status).toBe('fail');
    expect(checksOf(s2.checks)).toEqual([
      ['imbalance', 'pass'],
      ['thresholds', 'fail']
    ]);
  });

  it('an older record in a later cell does not replace a newer one', () => {
    const cells = [
      codeCell('new', [output(record2('drift', 'drift', 'pass', T2))]),
      codeCell('old', [output(record2('drift', 'drift', 'fail', T0))])
    ];
    const s = stepState(cells, 'drift');
    expect(s.status).toBe('pass');
    expect(s.checks.map(h => h.cellId)).toEqual(['new']);
  });

  it('the step badge is the most severe check: fail > warn > info > pass', () => {
    const order = ['pass', 'info', 'warn', 'fail'];
    for (const a of order) {
      for (const b of order) {
        const s = stepState(
          [
            codeCell('a', [output(record2('drift', 'drift', a, T0))]),
            codeCell('b', [output(record2('drift', 'skew', b, T1))])
          ],
          'drift'
        );
        const expected = order[Math.max(order.indexOf(a), order.indexOf(b))];
        expect([a, b, s.status]).toEqual([a, b, expected]);
      }
    }
  });

  it('of equally severe checks the newest decides (and is jumped to)', () => {
    const s = stepState(
      [
        codeCell('a', [output(record2('drift', 'drift', 'warn', T1))]),
        codeCell('b', [output(record2('drift', 'skew', 'warn', T0))])
      ],
      'drift'
    );
    expect(s.record?.check).toBe('drift');
    expect(s.checks.map(h => h.check)).toEqual(['skew', 'drift']);
  });

  it('same millisecond: the later cell, then the later output, is newer', () => {
    const t = '2026-11-28T12:00:00.123Z';
    const cells = [
      codeCell('a', [
        output(record2('imbalance', 'imbalance', 'warn', t)),
        output(record2('imbalance', 'thresholds', 'fail', t))
      ]),
      codeCell('b', [
        output(record2('imbalance', 'imbalance', 'pass', t)),
        output(record2('imbalance', 'thresholds', 'pass', t)),
        output(record2('imbalance', 'thresholds', 'info', t))
      ])
    ];
    const s = stepState(cells);
    expect(checksOf(s.checks)).toEqual([
      ['imbalance', 'pass'],
      ['thresholds', 'info']
    ]);
    expect(s.checks.map(h => [h.cellIndex, h.outputIndex])).toEqual([
      [1, 0],
      [1, 2]
    ]);
    expect(s.status).toBe('info');
    expect(s.newest?.outputIndex).toBe(2);
  });

  it('orders checks by time, then cell, then output', () => {
    const cells = [
      codeCell('a', [output(record2('fairness', 'late', 'pass', T2))]),
      codeCell('b', [
        output(record2('fairness', 'tie2', 'pass', T1)),
        output(record2('fairness', 'tie3', 'pass', T1))
      ]),
      codeCell('c', [output(record2('fairness', 'early', 'pass', T0))]),
      codeCell('d', [output(record2('fairness', 'tie4', 'pass', T1))])
    ];
    const s = stepState(cells, 'fairness');
    expect(s.checks.map(h => h.check)).toEqual([
      'early',
      'tie2',
      'tie3',
      'tie4',
      'late'
    ]);
    const sorted = [...s.checks].reverse().sort(compareHits);
    expect(sorted.map(h => h.check)).toEqual(s.checks.map(h => h.check));
  });

  it('version 1 seconds and version 2 milliseconds compare as times', () => {
    const cells = [
      codeCell('v2', [
        output(
          record2('imbalance', 'imbalance', 'pass', '2026-11-28T12:00:00.500Z')
        )
      ]),
      codeCell('v1', [
        output(
          record('imbalance', 'warn', '2026-11-28T12:00:00Z', {
            check: 'imbalance'
          })
        )
      ])
    ];
    const s = stepState(cells);
    expect(checksOf(s.checks)).toEqual([['imbalance', 'pass']]);
    expect(s.record?.record.protocol_version).toBe(2);
  });

  it('a record without check counts as the check named after its step', () => {
    const noCheck = record('serving', 'fail', T0);
    delete noCheck.check;
    const s = stepState(
      [
        codeCell('a', [output(noCheck)]),
        codeCell('b', [output(record('serving', 'pass', T1))]) // check: serving
      ],
      'serving'
    );
    expect(checksOf(s.checks)).toEqual([['serving', 'pass']]);
  });

  it('a mark is judged against the newest check', () => {
    const cells = [
      codeCell('a', [output(record2('training', 'speed', 'fail', T0))]),
      codeCell('b', [output(record2('training', 'cost', 'pass', T2))])
    ];
    const meta = (updated: string) => ({
      protocol_version: 1,
      steps: { training: { mark: 'skipped', reason: 'r', updated } }
    });
    const before = stepState(cells, 'training', meta(T1));
    expect(before).toMatchObject({ status: 'fail', markActive: false });
    const after = stepState(cells, 'training', meta(T2));
    expect(after).toMatchObject({ status: 'skipped', markActive: true });
    expect(after.record?.check).toBe('speed'); // still the deciding check
  });

  it('worstHit of nothing is null', () => {
    expect(worstHit([])).toBeNull();
  });
});

describe('marks', () => {
  const mark = (kind: string, updated: string, reason = 'because'): Rec => ({
    mark: kind,
    reason,
    updated
  });

  it('reads marks from metadata.mlnb', () => {
    const marks = readMarks(
      {
        protocol_version: 1,
        steps: {
          training: mark('skipped', T1),
          serving: mark('not_applicable', T0)
        }
      },
      STEP_IDS,
      jest.fn()
    );
    expect(marks.get('training')).toEqual({
      mark: 'skipped',
      reason: 'because',
      updated: T1
    });
    expect(marks.get('serving')?.mark).toBe('not_applicable');
  });

  it('treats missing metadata as no marks, silently', () => {
    const warn = jest.fn();
    expect(readMarks(undefined, STEP_IDS, warn).size).toBe(0);
    expect(readMarks({ protocol_version: 1 }, STEP_IDS, warn).size).toBe(0);
    expect(warn).not.toHaveBeenCalled();
  });

  it('ignores malformed marks with a warning', () => {
    const warn = jest.fn();
    const marks = readMarks(
      {
        protocol_version: 1,
        steps: {
          training: mark('done', T1),
          drift: mark('skipped', 'not a date'),
          nope: mark('skipped', T1),
          serving: 'skipped',
          fairness: mark('skipped', T1, 5 as unknown as string),
          accuracy: mark('skipped', T1)
        }
      },
      STEP_IDS,
      warn
    );
    expect([...marks.keys()]).toEqual(['accuracy']);
    expect(warn).toHaveBeenCalledTimes(5);
    expect(
      readMarks({ protocol_version: 2, steps: {} }, STEP_IDS, warn).size
    ).toBe(0);
    expect(readMarks('x', STEP_IDS, warn).size).toBe(0);
  });

  it('withMark sets and clears a mark without touching the input', () => {
    const before = {
      protocol_version: 1,
      steps: { drift: mark('skipped', T0) },
      other: 'kept'
    };
    const m: IMark = {
      mark: 'not_applicable',
      reason: 'no serving',
      updated: T1
    };
    const after = withMark(before, 'serving', m);
    expect(after).toEqual({
      protocol_version: 1,
      other: 'kept',
      steps: {
        drift: mark('skipped', T0),
        serving: { mark: 'not_applicable', reason: 'no serving', updated: T1 }
      }
    });
    expect(before.steps).not.toHaveProperty('serving');
    const cleared = withMark(after, 'drift', null);
    expect(cleared.steps).toEqual({
      serving: { mark: 'not_applicable', reason: 'no serving', updated: T1 }
    });
    expect(withMark(undefined, 'problem', m)).toEqual({
      protocol_version: 1,
      steps: { problem: m }
    });
    expect(readMarks(after, STEP_IDS, jest.fn()).get('serving')).toEqual(m);
  });
});

describe('computeStates and progress', () => {
  const warn = jest.fn();
  const states = (cells: ICellLike[], meta?: unknown) =>
    computeStates(
      STEPS,
      collectRecords(cells, STEP_IDS, warn),
      readMarks(meta, STEP_IDS, warn)
    );

  it('shows every step unchecked for a notebook without records', () => {
    const s = states([codeCell('a')]);
    expect(s.map(x => x.status)).toEqual(Array(10).fill('unchecked'));
    expect(progress(s).text).toBe('0 of 10 checked');
  });

  it('shows record statuses and counts them', () => {
    const s = states([
      codeCell('a', [output(record('problem', 'pass', T0))]),
      codeCell('b', [output(record('imbalance', 'warn', T0))]),
      codeCell('c', [output(record('fairness', 'fail', T0))]),
      codeCell('d', [output(record('drift', 'info', T0))])
    ]);
    const byId = Object.fromEntries(s.map(x => [x.step.id, x.status]));
    expect(byId).toMatchObject({
      problem: 'pass',
      imbalance: 'warn',
      fairness: 'fail',
      drift: 'info',
      serving: 'unchecked'
    });
    const p = progress(s);
    expect(p).toMatchObject({
      total: 10,
      checked: 4,
      passing: 1,
      warning: 1,
      failing: 1,
      info: 1
    });
    expect(p.text).toBe('4 of 10 checked, 1 failing, 1 warning');
  });

  it('lets a mark win over an older record and shows both', () => {
    const s = states(
      [codeCell('a', [output(record('training', 'fail', T0))])],
      {
        protocol_version: 1,
        steps: {
          training: { mark: 'skipped', reason: 'cloud job', updated: T1 }
        }
      }
    );
    const training = s.find(x => x.step.id === 'training')!;
    expect(training).toMatchObject({ status: 'skipped', markActive: true });
    expect(training.checks).toHaveLength(1);
    expect(training.record?.record.status).toBe('fail');
    expect(progress(s).text).toBe('0 of 10 checked, 1 skipped');
  });

  it('lets a record newer than the mark win, keeping the mark visible', () => {
    const s = states(
      [codeCell('a', [output(record('training', 'pass', T2))])],
      {
        protocol_version: 1,
        steps: {
          training: { mark: 'not_applicable', reason: 'tiny data', updated: T1 }
        }
      }
    );
    const training = s.find(x => x.step.id === 'training')!;
    expect(training).toMatchObject({ status: 'pass', markActive: false });
    expect(training.mark?.reason).toBe('tiny data');
    expect(progress(s).text).toBe('1 of 10 checked');
  });

  it('a mark and a record at the same time: the mark wins', () => {
    const s = states([codeCell('a', [output(record('serving', 'fail', T1))])], {
      protocol_version: 1,
      steps: {
        serving: { mark: 'not_applicable', reason: 'batch only', updated: T1 }
      }
    });
    expect(s.find(x => x.step.id === 'serving')?.status).toBe('not_applicable');
    expect(progress(s).text).toBe('0 of 10 checked, 1 not applicable');
  });

  it('counts only the steps given (visible steps setting)', () => {
    const shown = STEPS.filter(x =>
      ['imbalance', 'drift', 'serving'].includes(x.id)
    );
    const s = computeStates(
      shown,
      collectRecords(
        [
          codeCell('a', [
            output(record('imbalance', 'fail', T0)),
            output(record('problem', 'pass', T0))
          ])
        ],
        STEP_IDS,
        warn
      ),
      new Map()
    );
    expect(s.map(x => x.step.id)).toEqual(['imbalance', 'drift', 'serving']);
    expect(progress(s).text).toBe('1 of 3 checked, 1 failing');
  });

  it('pluralises warnings', () => {
    const s = states([
      codeCell('a', [
        output(record('problem', 'warn', T0)),
        output(record('drift', 'warn', T0))
      ])
    ]);
    expect(progress(s).text).toBe('2 of 10 checked, 2 warnings');
  });
});

describe('relativeTime', () => {
  const now = Date.parse('2026-11-28T12:00:00Z');
  it.each([
    ['2026-11-28T12:00:00Z', 'just now'],
    ['2026-11-28T11:59:30Z', 'just now'],
    ['2026-11-28T11:59:00Z', '1 min ago'],
    ['2026-11-28T11:57:00Z', '3 min ago'],
    ['2026-11-28T10:00:00Z', '2 h ago'],
    ['2026-11-27T12:00:00Z', '1 day ago'],
    ['2026-11-24T12:00:00Z', '4 days ago'],
    ['2026-10-01T08:00:00Z', '2026-10-01'],
    ['2026-11-29T12:00:00Z', '2026-11-29'],
    ['garbage', '']
  ])('%s -> %s', (iso, text) => {
    expect(relativeTime(iso, now)).toBe(text);
  });
});

describe('starter cells and mlnb detection', () => {
  const imbalance = stepById('imbalance')!;
  const problem = stepById('problem')!;

  it('adds %load_ext mlnb when no cell has it', () => {
    const src = starterSource(imbalance, [
      codeCell('a', [], 'import pandas as pd')
    ]);
    expect(src.split('\n')[0]).toBe('%load_ext mlnb');
    expect(src.match(/%load_ext mlnb/g)).toHaveLength(1);
    expect(src).toContain('%mlcheck imbalance');
  });

  it('leaves %load_ext mlnb out when a cell already has it', () => {
    const src = starterSource(imbalance, [
      codeCell('a', [], 'import numpy\n%load_ext mlnb\n')
    ]);
    expect(src).not.toContain('%load_ext');
    expect(src).toContain('%mlcheck imbalance');
  });

  it('does not count %load_ext mlnb in a markdown cell', () => {
    const cells: ICellLike[] = [
      { cell_type: 'markdown', source: ['%load_ext mlnb'] }
    ];
    expect(notebookLoadsExtension(cells)).toBe(false);
    expect(starterSource(imbalance, cells).startsWith('%load_ext mlnb\n')).toBe(
      true
    );
  });

  it('is empty for a step without a starter', () => {
    const serving = stepById('serving')!;
    expect(serving.starter).toBe('');
    expect(starterSource(serving, [])).toBe('');
  });

  it('starts step 1 with the goal, then the baselines', () => {
    const src = starterSource(problem, []);
    expect(src.split('\n')[0]).toBe('%load_ext mlnb');
    expect(src.indexOf('mlnb.goal(')).toBeLessThan(
      src.indexOf('mlnb.baselines(')
    );
    for (const id of ['prototype', 'accuracy']) {
      expect(stepById(id)!.starter).toContain('%mlcheck ');
    }
  });

  it('detects a notebook that uses mlnb', () => {
    expect(notebookUsesMlnb([codeCell('a', [], 'x = 1')])).toBe(false);
    expect(notebookUsesMlnb([codeCell('a', [], '%load_ext mlnb')])).toBe(true);
    expect(notebookUsesMlnb([codeCell('a', [], '%load_ext mlnbx')])).toBe(
      false
    );
    expect(
      notebookUsesMlnb([codeCell('a', [output(record('drift', 'pass', T0))])])
    ).toBe(true);
  });

  it('joins list sources', () => {
    expect(cellSource({ source: ['a\n', 'b'] })).toBe('a\nb');
    expect(cellSource({})).toBe('');
  });
});
