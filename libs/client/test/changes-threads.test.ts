import { describe, expect, it } from 'vitest';
import type { OutboxEvent, ThreadEvent } from '../src/index.ts';
import { threadOf, threadRoot } from '../src/index.ts';
import { fakeServerHarness } from './harness.ts';

/**
 * Changes through the outbox (queued per conversation, retried across reconnects, settled
 * once) and threads (ids, sendThread, openThread, the `thread` event) against the fake server.
 */
const h = fakeServerHarness();
const GEN = 'room:general';
const mine = { conv: GEN, seq: 1, mid: 'm1', from: 'alice', ts: 't', ver: 1, text: 'mine' };

describe('changes in the outbox', () => {
  it('waits for a session, retries after a lost connection and unavailable, and settles once', async () => {
    const client = h.makeClient();
    const events: OutboxEvent[] = [];
    client.on('outbox', (e) => events.push(e));
    // Made before there is any session: it waits in the outbox, not failing.
    const reacted = client.react(GEN, 1, '👍');
    expect(client.pending).toBe(1);
    h.server.plan(
      'react',
      { kind: 'drop' },
      { kind: 'error', code: 'unavailable' },
      {
        kind: 'result',
        result: { ver: 2 },
      },
    );
    await client.connect();
    client.store.put(mine);
    expect(await reacted).toBe(2);
    const sent = h.server.requests('react');
    expect(sent).toHaveLength(3);
    // Every attempt is the same request: the server changes nothing twice.
    expect(new Set(sent.map(({ id: _id, ...r }) => JSON.stringify(r))).size).toBe(1);
    expect(events.map((e) => e.change)).toEqual(['queued', 'retrying', 'retrying', 'sent']);
    expect(events[0]).toMatchObject({ op: 'react', to: GEN, pending: 1 });
    expect(client.pending).toBe(0);
    expect(client.store.get(GEN, 1)?.reactions).toEqual([{ emoji: '👍', count: 1, users: ['alice'] }]);
    expect(client.lastVer(GEN)).toBeUndefined(); // ver 1 was never had: 2 waits as own
  });

  it('keeps the changes of one conversation in order: an unreact never overtakes its react', async () => {
    const client = h.makeClient();
    await client.connect();
    client.store.put(mine);
    h.server.plan(
      'react',
      { kind: 'error', code: 'unavailable', retryAfter: 30 },
      {
        kind: 'result',
        result: { ver: 2 },
      },
    );
    h.server.plan('unreact', { kind: 'result', result: { ver: 3 } });
    const both = Promise.all([client.react(GEN, 1, '🎉'), client.unreact(GEN, 1, '🎉')]);
    expect(await both).toEqual([2, 3]);
    expect(h.server.received.filter((r) => r.op.endsWith('react')).map((r) => r.op)).toEqual([
      'react',
      'react',
      'unreact',
    ]);
    expect(client.store.get(GEN, 1)?.reactions).toBeUndefined();
  });

  it('fails a change for good on a refusal, and all of them on close', async () => {
    const client = h.makeClient();
    await client.connect();
    h.server.plan('edit', { kind: 'error', code: 'forbidden', message: 'seq: not your message' });
    await expect(client.edit(GEN, 1, 'x')).rejects.toMatchObject({ code: 'forbidden' });
    h.server.setAlways('pin', { kind: 'silent' });
    const pinned = client.pin(GEN, 1);
    client.close();
    await expect(pinned).rejects.toMatchObject({ code: 'closed' });
    await expect(client.delete(GEN, 1)).rejects.toMatchObject({ code: 'closed' });
  });

  it('takes no ver of a change that changed nothing; after a retry it reads the message again', async () => {
    const client = h.makeClient();
    await client.connect();
    client.store.put(mine);
    // Someone's pin at 5 is on its way; a react that changed nothing answers it.
    h.server.plan('react', { kind: 'result', result: { ver: 5, changed: false } });
    await client.react(GEN, 1, '👍');
    expect(client.store.get(GEN, 1)?.reactions).toBeUndefined();
    h.server.push({ ev: 'pin', conv: GEN, seq: 1, ver: 5, on: true, by: 'bob' });
    await new Promise<void>((r) => client.once('change', () => r()));
    expect(client.store.get(GEN, 1)?.pinned?.by).toBe('bob'); // not taken for our own

    // The first attempt's answer is lost with its connection; the retry finds it done.
    const stored = { ...mine, ver: 6, reactions: [{ emoji: '🎉', count: 1, users: ['alice'] }] };
    h.server.plan('react', { kind: 'drop' }, { kind: 'result', result: { ver: 6, changed: false } });
    h.server.plan('history', { kind: 'result', result: { messages: [stored], more: false } });
    await client.react(GEN, 1, '🎉');
    await expect.poll(() => client.store.get(GEN, 1)?.ver).toBe(6);
    expect(h.server.requests('history').at(-1)).toMatchObject({ conv: GEN, after: 0, limit: 1 });
    expect(client.store.get(GEN, 1)?.reactions).toEqual(stored.reactions);
  });
});

describe('threads', () => {
  it('names a thread, sends into it, opens it, and tells of its summary', async () => {
    expect(threadOf(GEN, 57)).toBe('thread:room:general:57');
    expect(threadOf('dm:alice:bob', 3)).toBe('thread:dm:alice:bob:3');
    expect(threadRoot('thread:room:general:57')).toEqual({ conv: GEN, seq: 57 });
    expect(threadRoot(GEN)).toBeUndefined();
    expect(() => threadOf('thread:room:general:1', 2)).toThrow(TypeError);
    expect(() => threadOf(GEN, 0)).toThrow(TypeError);

    const client = h.makeClient();
    await client.connect();
    const thread = threadOf(GEN, 1);
    const r = await client.sendThread(GEN, 1, { text: 'a reply' });
    expect(h.server.requests('send').at(-1)).toMatchObject({ to: thread, text: 'a reply' });
    expect(client.store.get(thread, r.seq)?.text).toBe('a reply');

    client.store.put(mine);
    const replies = [1, 2].map((seq) => ({
      conv: thread,
      seq,
      mid: `t${seq}`,
      from: 'bob',
      ts: 't',
      ver: seq,
    }));
    h.server.plan('history', { kind: 'result', result: { messages: replies, more: false } });
    const opened = await client.openThread(GEN, 1);
    expect(opened).toMatchObject({ conv: thread, messages: replies, more: false, root: mine });
    expect(client.since()[thread]).toEqual({ seq: 2, ver: 2 });

    const summaries: ThreadEvent[] = [];
    client.on('thread', (t) => summaries.push(t));
    const summary = { replies: 3, last: 'l', users: ['bob', 'alice'] };
    h.server.push({ ev: 'thread', conv: GEN, seq: 1, ver: 7, ...summary });
    h.server.push({ ev: 'thread', conv: GEN, seq: 1, ver: 7, ...summary }); // a repeat
    await expect.poll(() => summaries.length).toBe(1);
    expect(summaries[0]).toEqual({ conv: GEN, seq: 1, ver: 7, ...summary });
    expect(client.store.get(GEN, 1)).toMatchObject({ ver: 7, thread: summary });
  });
});
