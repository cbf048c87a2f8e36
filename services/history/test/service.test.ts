import { type BusMsg, MemoryBus } from '@natter/bus';
import { loadConfig } from '@natter/config';
import {
  decode,
  emit,
  QUEUE,
  type RoomEvent,
  type RoomRosterReply,
  RpcClient,
  serve,
  subjects,
  type UserDelivery,
} from '@natter/contracts';
import { createLogger, TRACE_HEADER } from '@natter/log';
import { MemoryMessageStore, type MessageStore } from '@natter/messages';
import { NatterError } from '@natter/protocol';
import type { RunningService } from '@natter/service';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { start } from '../src/start.ts';

const config = loadConfig({});
const s = subjects(config.namespace);
const log = createLogger({ name: 'history-test', level: 'silent' });
const origin = { gw: 'gw-1', session: 's_1' };

/** A store whose database can be "down" (connection refused), to test unavailable and ready(). */
class FlakyStore extends MemoryMessageStore implements MessageStore {
  down = false;
  override async append(...args: Parameters<MessageStore['append']>) {
    this.fail();
    return super.append(...args);
  }
  override async ping() {
    this.fail();
  }
  private fail(): void {
    if (this.down)
      throw Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' });
  }
}

async function waitFor(check: () => boolean, what: string, ms = 2000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

async function rejection(p: Promise<unknown>): Promise<NatterError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(err instanceof NatterError)) throw new Error(`expected a NatterError, got ${String(err)}`);
  return err;
}

describe('history service on the in-process bus', () => {
  let bus: MemoryBus;
  let store: FlakyStore;
  let svc: RunningService;
  let rpc: RpcClient;
  let rpcBus: MemoryBus;
  let rosters: Map<string, RoomRosterReply>;
  let rosterCalls: number;
  let events: BusMsg[];

  beforeEach(async () => {
    bus = new MemoryBus();
    store = new FlakyStore();
    rosters = new Map([['general', { exists: true, private: false, members: ['alice', 'bob'] }]]);
    rosterCalls = 0;
    // The rooms service, as far as history can tell.
    serve(bus.connect(), s, 'rooms.roster', QUEUE.rooms, log, async (req) => {
      rosterCalls++;
      return rosters.get(req.room) ?? { exists: false, private: false, members: [] };
    });
    events = [];
    const watcher = bus.connect();
    // The gateways, as far as history can tell: they subscribe their users' subjects.
    watcher.subscribe(s.user('*'), (m) => void events.push(m));
    watcher.subscribe(s.room('*'), (m) => void events.push(m));
    svc = await start(config, { bus: bus.connect(), log, store });
    rpcBus = bus.connect();
    rpc = new RpcClient(rpcBus, s, 1000);
  });

  afterEach(async () => {
    await svc.stop();
  });

  it("stores a DM, replies with seq, mid and ts, and publishes it on both users' subjects with origin and trace", async () => {
    const reply = await rpc.call(
      'msgSend',
      { v: 1, from: 'bob', to: 'user:alice', cid: 'c1', text: 'hi', origin },
      { trace: 'trace-1' },
    );
    expect(reply).toMatchObject({ conv: 'dm:alice:bob', seq: 1 });
    expect(reply.mid).toMatch(/^m_/);
    expect(reply.duplicate).toBeUndefined();
    await waitFor(() => events.length === 2, 'the stored DM, twice');
    expect(events.map((e) => e.subject).sort()).toEqual([s.user('alice'), s.user('bob')]);
    for (const e of events) {
      expect(e.headers?.[TRACE_HEADER]).toBe('trace-1');
      expect(decode<UserDelivery>(e.data)).toEqual({
        v: 1,
        origin,
        event: {
          kind: 'message',
          msg: {
            conv: 'dm:alice:bob',
            seq: 1,
            mid: reply.mid,
            ts: reply.ts,
            ver: 1,
            from: 'bob',
            text: 'hi',
            cid: 'c1',
          },
        },
      });
    }
  });

  it('answers a retry with the first result, stores nothing new and announces it again', async () => {
    const send = { v: 1 as const, from: 'alice', to: 'user:bob', cid: 'same', text: 'once', origin };
    const first = await rpc.call('msgSend', send);
    const retry = await rpc.call('msgSend', { ...send, text: 'twice?' });
    expect(retry).toEqual({ ...first, duplicate: true });
    // The first announcement may have died with a process: a retry announces again, and
    // gateways drop what their sessions already have.
    const next = await rpc.call('msgSend', { ...send, cid: 'next' });
    await waitFor(() => events.length >= 6, 'the next message');
    const seqs = events.map((e) => {
      const { event } = decode<UserDelivery>(e.data);
      return event.kind === 'message' ? event.msg.seq : -1;
    });
    expect(seqs).toEqual([first.seq, first.seq, first.seq, first.seq, next.seq, next.seq]);
    expect(await store.latestSeq('dm:alice:bob')).toBe(2);
  });

  it('stores room messages from members only and publishes them on the room subject', async () => {
    const reply = await rpc.call('msgSend', {
      v: 1,
      from: 'alice',
      to: 'room:general',
      cid: 'r1',
      text: 'hey',
    });
    expect(reply).toMatchObject({ conv: 'room:general', seq: 1 });
    await waitFor(() => events.length === 1, 'the room message');
    expect(events[0].subject).toBe(s.room('general'));
    expect(decode<RoomEvent>(events[0].data)).toMatchObject({
      v: 1,
      kind: 'message',
      msg: { seq: 1, from: 'alice' },
    });

    const forbidden = await rejection(
      rpc.call('msgSend', { v: 1, from: 'mallory', to: 'room:general', cid: 'r2', text: 'let me in' }),
    );
    expect(forbidden.code).toBe('forbidden');
    expect(forbidden.message).toBe('not a member of room:general');
    const missing = await rejection(
      rpc.call('msgSend', { v: 1, from: 'alice', to: 'room:nope', cid: 'r3', text: 'x' }),
    );
    // A room that does not exist answers like one the sender is not in.
    expect(missing.code).toBe('forbidden');
    // The server API posts without membership.
    const system = await rpc.call('msgSend', {
      v: 1,
      from: 'system',
      to: 'room:general',
      cid: 'r4',
      text: 'deploy done',
      system: true,
    });
    expect(system.seq).toBe(2);
    expect(await store.latestSeq('room:general')).toBe(2);
  });

  it('caches rosters, re-fetches a negative answer once, and drops a room on roomsChanged', async () => {
    await rpc.call('msgSend', { v: 1, from: 'alice', to: 'room:general', cid: 'a1', text: 'x' });
    await rpc.call('msgSend', { v: 1, from: 'alice', to: 'room:general', cid: 'a2', text: 'x' });
    expect(rosterCalls).toBe(1);

    // carol joined, but history has not heard of it yet: the negative answer is re-checked.
    rosters.set('general', { exists: true, private: false, members: ['alice', 'bob', 'carol'] });
    await rpc.call('msgSend', { v: 1, from: 'carol', to: 'room:general', cid: 'c1', text: 'x' });
    expect(rosterCalls).toBe(2);

    // alice left: the cached roster still says member until roomsChanged arrives.
    rosters.set('general', { exists: true, private: false, members: ['bob', 'carol'] });
    await rpc.call('msgSend', { v: 1, from: 'alice', to: 'room:general', cid: 'a3', text: 'x' });
    // Published on the requester's connection, so it reaches history before the next request.
    emit(rpcBus, s, 'roomsChanged', { room: 'general' });
    const err = await rejection(
      rpc.call('msgSend', { v: 1, from: 'alice', to: 'room:general', cid: 'a4', text: 'x' }),
    );
    expect(err.code).toBe('forbidden');
  });

  it('authorizes history queries: room members, the two users of a DM, or a trusted gateway', async () => {
    for (let i = 1; i <= 60; i++) {
      await rpc.call('msgSend', { v: 1, from: 'alice', to: 'user:bob', cid: `d${i}`, text: `${i}` });
    }
    await rpc.call('msgSend', { v: 1, from: 'alice', to: 'room:general', cid: 'g1', text: 'x' });

    const page = await rpc.call('historyQuery', { v: 1, user: 'bob', conv: 'dm:alice:bob' });
    expect(page.messages.map((m) => m.seq)).toEqual(Array.from({ length: 50 }, (_, i) => i + 11));
    expect(page.more).toBe(true);
    const big = await rpc.call('historyQuery', { v: 1, user: 'bob', conv: 'dm:alice:bob', limit: 1000 });
    expect(big.messages).toHaveLength(60);
    const gap = await rpc.call('historyQuery', { v: 1, conv: 'dm:alice:bob', after: 57 });
    expect(gap.messages.map((m) => m.seq)).toEqual([58, 59, 60]);

    const outsider = await rejection(rpc.call('historyQuery', { v: 1, user: 'carol', conv: 'dm:alice:bob' }));
    expect(outsider.code).toBe('forbidden');
    const nonMember = await rejection(
      rpc.call('historyQuery', { v: 1, user: 'carol', conv: 'room:general' }),
    );
    expect(nonMember.code).toBe('forbidden');
    expect(
      (await rpc.call('historyQuery', { v: 1, user: 'bob', conv: 'room:general' })).messages,
    ).toHaveLength(1);
    const bad = await rejection(rpc.call('historyQuery', { v: 1, user: 'bob', conv: 'dm:bob:alice' }));
    expect(bad.code).toBe('bad_request');
  });

  it('lists conversations and moves read markers for participants only', async () => {
    await rpc.call('msgSend', { v: 1, from: 'alice', to: 'user:bob', cid: 'd1', text: 'x' });
    await rpc.call('msgSend', { v: 1, from: 'alice', to: 'user:bob', cid: 'd2', text: 'x' });
    expect(await rpc.call('historyRead', { v: 1, user: 'bob', conv: 'dm:alice:bob', seq: 1 })).toEqual({
      read: 1,
    });
    expect(await rpc.call('historyRead', { v: 1, user: 'bob', conv: 'dm:alice:bob', seq: 0 })).toEqual({
      read: 1,
    });
    const err = await rejection(
      rpc.call('historyRead', { v: 1, user: 'carol', conv: 'dm:alice:bob', seq: 2 }),
    );
    expect(err.code).toBe('forbidden');
    const { convs } = await rpc.call('historyConvs', { v: 1, user: 'bob', rooms: ['general'], dms: true });
    expect(convs).toEqual([
      { conv: 'dm:alice:bob', seq: 2, ver: 2, read: 1, peer: { received: 2, read: 2 } },
      { conv: 'room:general', seq: 0, ver: 0, read: 0 },
    ]);
  });

  it('rejects malformed sends with bad_request naming the field', async () => {
    const badTo = await rejection(
      rpc.call('msgSend', { v: 1, from: 'alice', to: 'user:no way', cid: 'x', text: 'x' }),
    );
    expect(badTo).toMatchObject({ code: 'bad_request', message: expect.stringMatching(/^to: /) });
    const empty = await rejection(rpc.call('msgSend', { v: 1, from: 'alice', to: 'user:bob', cid: 'x' }));
    expect(empty).toMatchObject({ code: 'bad_request', message: expect.stringMatching(/^text: /) });
    const nul = await rejection(
      rpc.call('msgSend', { v: 1, from: 'alice', to: 'user:bob', cid: 'x', text: 'a\u0000' }),
    );
    expect(nul.code).toBe('bad_request');
    const att = await rejection(
      rpc.call('msgSend', {
        v: 1,
        from: 'alice',
        to: 'user:bob',
        cid: 'x',
        attachments: [{ url: 'javascript:alert(1)', type: 'image/png', name: 'x', size: 1 }],
      }),
    );
    expect(att).toMatchObject({
      code: 'bad_request',
      message: expect.stringMatching(/^attachments\.0\.url: /),
    });
  });

  it('answers unavailable while the database is down, and ready() follows it', async () => {
    expect(svc.ready()).toBe(true);
    store.down = true;
    const err = await rejection(
      rpc.call('msgSend', { v: 1, from: 'alice', to: 'user:bob', cid: 'u1', text: 'x' }),
    );
    expect(err.code).toBe('unavailable');
    expect(err.retryAfter).toBeGreaterThan(0);
    expect(svc.ready()).toBe(false);
    store.down = false;
    await rpc.call('msgSend', { v: 1, from: 'alice', to: 'user:bob', cid: 'u1', text: 'x' });
    expect(svc.ready()).toBe(true);
  });

  it('stops answering after stop()', async () => {
    await svc.stop();
    const err = await rejection(
      rpc.call('msgSend', { v: 1, from: 'alice', to: 'user:bob', cid: 's1', text: 'x' }),
    );
    expect(err.code).toBe('unavailable');
    svc = await start(config, { bus: bus.connect(), log, store });
  });
});
