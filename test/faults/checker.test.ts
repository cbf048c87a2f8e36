import { describe, expect, it } from 'vitest';
import { type Acked, type CheckInput, check, clean, type HistoryMessage, type Receiver } from './checker.ts';

// The fault suite is only as good as its checker: each kind of failure must be counted.

const conv = 'room:r';

function hist(...rows: [number, string][]): Map<string, HistoryMessage[]> {
  return new Map([
    [conv, rows.map(([seq, from]) => ({ conv, seq, mid: `m${seq}`, from, cid: `${from}-${seq}` }))],
  ]);
}

function receiver(user: string, seqs: [number, string][], orderViolations = 0): Receiver {
  return {
    user,
    convs: [conv],
    received: new Map([[conv, seqs.map(([seq, from]) => ({ seq, mid: `m${seq}`, from }))]]),
    orderViolations,
  };
}

const acked = (user: string, seq: number): Acked => ({
  user,
  cid: `${user}-${seq}`,
  conv,
  seq,
  mid: `m${seq}`,
});

function input(over: Partial<CheckInput>): CheckInput {
  return {
    acked: [acked('a', 1), acked('b', 2), acked('a', 3)],
    history: hist([1, 'a'], [2, 'b'], [3, 'a']),
    receivers: [
      receiver('a', [[2, 'b']]),
      receiver('c', [
        [1, 'a'],
        [2, 'b'],
        [3, 'a'],
      ]),
    ],
    ...over,
  };
}

describe('fault checker', () => {
  it('passes a clean run', () => {
    const r = check(input({}));
    expect(r).toMatchObject({
      acknowledged: 3,
      delivered: 4,
      lost: 0,
      undelivered: 0,
      outOfOrder: 0,
      duplicateDeliveries: 0,
    });
    expect(clean(r)).toBe(true);
  });

  it('counts an acknowledged message missing from history as lost, and the hole as a gap', () => {
    const r = check(input({ history: hist([1, 'a'], [3, 'a']) }));
    expect(r.lost).toBe(1);
    expect(r.seqGaps).toBe(1);
    expect(clean(r)).toBe(false);
  });

  it('counts duplicated history rows', () => {
    const history = hist([1, 'a'], [2, 'b'], [3, 'a']);
    history.get(conv)!.push({ conv, seq: 4, mid: 'm4', from: 'a', cid: 'a-1' });
    expect(check(input({ history })).duplicatedInHistory).toBe(1);
  });

  it('counts undelivered, twice delivered, own echoes and out of order', () => {
    expect(
      check(
        input({
          receivers: [
            receiver('c', [
              [1, 'a'],
              [3, 'a'],
            ]),
          ],
        }),
      ).undelivered,
    ).toBe(1);
    expect(
      check(
        input({
          receivers: [
            receiver('c', [
              [1, 'a'],
              [2, 'b'],
              [2, 'b'],
              [3, 'a'],
            ]),
          ],
        }),
      ).duplicateDeliveries,
    ).toBe(1);
    expect(
      check(
        input({
          receivers: [
            receiver('a', [
              [1, 'a'],
              [2, 'b'],
            ]),
          ],
        }),
      ).duplicateDeliveries,
    ).toBe(1);
    const swapped = check(
      input({
        receivers: [
          receiver('c', [
            [1, 'a'],
            [3, 'a'],
            [2, 'b'],
          ]),
        ],
      }),
    );
    expect(swapped.outOfOrder).toBe(1);
    expect(
      check(
        input({
          receivers: [
            receiver(
              'c',
              [
                [1, 'a'],
                [2, 'b'],
                [3, 'a'],
              ],
              2,
            ),
          ],
        }),
      ).outOfOrder,
    ).toBe(2);
  });

  it('looks only above the window floor for deliveries', () => {
    const r = check(input({ receivers: [receiver('c', [[3, 'a']])], after: new Map([[conv, 2]]) }));
    expect(clean(r)).toBe(true);
  });
});
