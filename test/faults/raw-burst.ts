import type { Frame, RawClient } from '../helpers/ws-client.ts';

/** The reply to one request of a burst, with how long it took. */
export interface BurstReply {
  params: Record<string, unknown>;
  frame?: Frame;
  ms: number;
}

/**
 * Sends `count` requests at once on a raw connection and collects every reply. `started`
 * resolves when the first reply is back, i.e. the backend is busy with the rest: the
 * moment to pull the plug on it.
 */
export function burst(
  c: RawClient,
  op: string,
  count: number,
  params: (i: number) => Record<string, unknown>,
  timeoutMs = 30_000,
): { started: Promise<void>; done: Promise<BurstReply[]> } {
  let first: () => void = () => {};
  const started = new Promise<void>((resolve) => {
    first = resolve;
  });
  const t0 = Date.now();
  const all: Promise<BurstReply>[] = [];
  for (let i = 0; i < count; i++) {
    const p = params(i);
    all.push(
      c.request(op, p, timeoutMs).then(
        (frame) => {
          first();
          return { params: p, frame, ms: Date.now() - t0 };
        },
        () => ({ params: p, ms: Date.now() - t0 }),
      ),
    );
  }
  return { started, done: Promise.all(all) };
}

/** Counts replies by outcome: `result`, an error code, or `none` (no reply in time). */
export function outcomes(replies: BurstReply[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const r of replies) {
    const k = !r.frame ? 'none' : r.frame.error ? r.frame.error.code : 'result';
    out[k] = (out[k] ?? 0) + 1;
  }
  return out;
}
