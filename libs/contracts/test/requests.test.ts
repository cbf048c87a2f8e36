import { MemoryBus } from '@natter/bus';
import { createLogger, TRACE_HEADER } from '@natter/log';
import { NatterError } from '@natter/protocol';
import { describe, expect, it } from 'vitest';
import { decode, encode, RawJson, RpcClient, serve, subjects } from '../src/index.ts';

/** Requests are versioned like events: a payload of another version is refused, never used. */
describe('typed requests', () => {
  const s = subjects('req');
  const log = createLogger({ name: 'requests-test', level: 'silent' });

  it('serves a request of the one version, and answers bad_request to another or to garbage', async () => {
    const bus = new MemoryBus();
    const seen: unknown[] = [];
    serve(bus, s, 'presenceQuery', 'q', log, async (req) => {
      seen.push(req);
      return { presence: req.users.map((user) => ({ user, online: false })) };
    });
    const rpc = new RpcClient(bus.connect(), s, 1000);
    expect(await rpc.call('presenceQuery', { v: 1, users: ['alice'] })).toEqual({
      presence: [{ user: 'alice', online: false }],
    });
    const raw = async (data: Uint8Array) =>
      decode<{ err?: { code: string; message: string } }>(
        (await bus.request(s.presenceQuery, data, { timeout: 1000 })).data,
      );
    expect((await raw(encode({ v: 2, users: ['bob'] }))).err).toEqual({
      code: 'bad_request',
      message: 'request: version 2, expected 1',
    });
    expect((await raw(encode({ users: ['bob'] }))).err?.message).toBe(
      'request: version undefined, expected 1',
    );
    expect((await raw(new TextEncoder().encode('{nope'))).err?.message).toBe('request: not JSON');
    expect((await raw(encode([1, 2]))).err?.message).toBe('request: not an object');
    // Only the good one reached the handler.
    expect(seen).toEqual([{ v: 1, users: ['alice'] }]);
    await expect(rpc.call('presenceQuery', { v: 2 as 1, users: [] })).rejects.toBeInstanceOf(NatterError);
    await bus.drain();
  });
  it("hands the handler the caller's trace, and answers without headers", async () => {
    const bus = new MemoryBus();
    const traces: string[] = [];
    serve(bus, s, 'presenceQuery', 'q', log, async (_req, ctx) => {
      traces.push(ctx.trace);
      return { presence: [] };
    });
    const reply = await bus.request(s.presenceQuery, encode({ v: 1, users: [] }), {
      timeout: 1000,
      headers: { [TRACE_HEADER]: 'tr-9' },
    });
    expect(traces).toEqual(['tr-9']);
    expect(reply.headers).toBeUndefined();
    await bus.drain();
  });

  it('callRaw passes an answer on as the JSON text the responder wrote, and throws its errors', async () => {
    const bus = new MemoryBus();
    serve(bus, s, 'presenceQuery', 'q', log, async (req) => {
      if (req.users.includes('mallory')) throw new NatterError('forbidden', 'users: not yours');
      return { presence: req.users.map((user) => ({ user, online: true })) };
    });
    const rpc = new RpcClient(bus.connect(), s, 1000);
    const page = await rpc.callRaw('presenceQuery', { v: 1, users: ['alice', 'b"ob'] });
    expect(page).toBeInstanceOf(RawJson);
    expect(page.text).toBe(
      JSON.stringify({
        presence: [
          { user: 'alice', online: true },
          { user: 'b"ob', online: true },
        ],
      }),
    );
    const err = await rpc.callRaw('presenceQuery', { v: 1, users: ['mallory'] }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NatterError);
    expect(err).toMatchObject({ code: 'forbidden', message: 'users: not yours' });
    await expect(rpc.callRaw('presenceQuery', { v: 2 as 1, users: [] })).rejects.toMatchObject({
      code: 'bad_request',
    });
    await bus.drain();
  });
});
