import type { RpcClient } from '@natter/contracts';
import type { Logger } from '@natter/log';
import { NatterError } from '@natter/protocol';
import { describe, expect, it } from 'vitest';
import { HelloLookups } from '../src/hello-lookups.ts';

/** An RpcClient that records each call's key, request and trace, answering with `answer`. */
function fakeRpc(answer: (key: string, req: { users?: string[] }) => unknown) {
  const calls: { key: string; req: { users?: string[] }; trace?: string }[] = [];
  const rpc = {
    async call(key: string, req: { users?: string[] }, opts: { trace?: string } = {}) {
      calls.push({ key, req, trace: opts.trace });
      return answer(key, req);
    },
  } as unknown as RpcClient;
  return { rpc, calls };
}

function fakeLog() {
  const lines: { level: string; obj: Record<string, unknown>; msg: string }[] = [];
  const at =
    (level: string) =>
    (obj: Record<string, unknown>, msg: string): void => {
      lines.push({ level, obj, msg });
    };
  return { log: { debug: at('debug'), warn: at('warn') } as unknown as Logger, lines };
}

describe('HelloLookups traces', () => {
  it('gives a batch one trace id, on its request and its log line, not one per hello', async () => {
    const { rpc, calls } = fakeRpc((_k, req) => ({ lists: (req.users ?? []).map(() => []) }));
    const { log, lines } = fakeLog();
    const lookups = new HelloLookups(rpc, { maxBatch: 100, gw: 'gw-t', log });
    await Promise.all(['a', 'b', 'c'].map((u) => lookups.roomsOf(u)));
    expect(calls).toHaveLength(1);
    expect(calls[0].req.users).toEqual(['a', 'b', 'c']);
    expect(calls[0].trace).toMatch(/\S{8,}/);
    expect(lines).toEqual([
      expect.objectContaining({
        level: 'debug',
        obj: expect.objectContaining({ trace: calls[0].trace, lookup: 'rooms', users: 3 }),
      }),
    ]);
    // The next batch has its own.
    await lookups.roomsOf('d');
    expect(calls[1].trace).not.toBe(calls[0].trace);
  });

  it('logs a failed batch once, with its trace, and fails each of its hellos with the same error', async () => {
    const down = new NatterError('unavailable', 'rooms.listMany is unavailable, try again', 1000);
    const { rpc, calls } = fakeRpc(() => {
      throw down;
    });
    const { log, lines } = fakeLog();
    const lookups = new HelloLookups(rpc, { maxBatch: 100, gw: 'gw-t', log });
    const results = await Promise.allSettled(['a', 'b', 'c', 'd'].map((u) => lookups.roomsOf(u)));
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected', 'rejected', 'rejected']);
    for (const r of results) expect((r as PromiseRejectedResult).reason).toBe(down);
    const warns = lines.filter((l) => l.level === 'warn');
    expect(warns).toHaveLength(1);
    expect(warns[0].obj).toMatchObject({ trace: calls[0].trace, lookup: 'rooms', users: 4 });
  });
});
