import { describe, expect, it } from 'vitest';
import { ReceivedSender } from '../src/received.ts';
import { messageEvent } from './fake-server.ts';
import { fakeServerHarness } from './harness.ts';

const h = fakeServerHarness({ heartbeat: false });
const { makeClient } = h;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** `received` frames as [conv, seq, ms since `t0`]. */
function receivedFrames(t0: number, at: Map<object, number>) {
  return h.server.requests('received').map((r) => [r.conv, Number(r.seq), (at.get(r) ?? 0) - t0] as const);
}

describe('SDK delivery receipts', () => {
  it('sends received for what was delivered: at most once a second per conversation, the highest seq', async () => {
    const client = makeClient();
    await client.connect();
    const at = new Map<object, number>();
    const stamp = () => {
      for (const r of h.server.requests('received')) if (!at.has(r)) at.set(r, Date.now());
    };
    const t0 = Date.now();
    const watcher = setInterval(stamp, 5);
    try {
      for (let seq = 1; seq <= 300; seq++) h.server.push(messageEvent('room:general', seq));
      for (let seq = 1; seq <= 3; seq++) h.server.push(messageEvent('dm:alice:bob', seq));
      await h.server.until(
        () => h.server.requests('received').some((r) => r.conv === 'room:general' && r.seq === 300),
        'received 300',
      );
      await h.server.until(
        () => h.server.requests('received').some((r) => r.conv === 'dm:alice:bob' && r.seq === 3),
        'received 3 in the DM',
      );
      await sleep(1300); // anything more would come within the next interval
      stamp();
    } finally {
      clearInterval(watcher);
    }
    const frames = receivedFrames(t0, at);
    for (const conv of ['room:general', 'dm:alice:bob']) {
      const mine = frames.filter((f) => f[0] === conv);
      // The first delivery goes at once; the rest wait for the interval and go as one.
      expect(mine.map((f) => f[1])).toEqual([1, conv === 'room:general' ? 300 : 3]);
      expect(mine[1][2] - mine[0][2]).toBeGreaterThanOrEqual(900);
    }
    expect(h.server.requests('received').every((r) => r.id === undefined)).toBe(true);
  });

  it('sends nothing for its own messages, for repeats, or with sendReceived: false', async () => {
    const client = makeClient();
    await client.connect();
    h.server.push({ ...messageEvent('dm:alice:bob', 1), from: 'alice' });
    h.server.push(messageEvent('dm:alice:bob', 2));
    await h.server.until(() => h.server.requests('received').length === 1, 'one received');
    h.server.push(messageEvent('dm:alice:bob', 2)); // a repeat: dropped before the app
    await sleep(1200);
    expect(h.server.requests('received').map((r) => [r.conv, r.seq])).toEqual([['dm:alice:bob', 2]]);

    const quiet = makeClient({ user: 'carol', sendReceived: false });
    await quiet.connect();
    const got = new Promise((resolve) => quiet.once('message', resolve));
    h.server.push(messageEvent('room:general', 1));
    await got;
    await sleep(100);
    expect(h.server.requests('received')).toHaveLength(1);
  });

  it('emits received events and answers receipts()', async () => {
    const client = makeClient();
    await client.connect();
    const event = new Promise((resolve) => client.once('received', resolve));
    h.server.push({ ev: 'received', conv: 'dm:alice:bob', user: 'bob', seq: 7 });
    expect(await event).toEqual({ conv: 'dm:alice:bob', user: 'bob', seq: 7 });
    expect(await client.receipts('room:general', 5)).toEqual({ read: ['bob'], received: ['bob', 'carol'] });
    expect(h.server.requests('receipts')[0]).toMatchObject({ op: 'receipts', conv: 'room:general', seq: 5 });
  });
});

describe('ReceivedSender', () => {
  it('keeps what it could not send and sends it when a session opens', () => {
    let now = 0;
    let live = false;
    const sent: [string, number][] = [];
    const r = new ReceivedSender({
      send: (conv, seq) => {
        if (live) sent.push([conv, seq]);
        return live;
      },
      now: () => now,
    });
    r.delivered('room:a', 4);
    r.delivered('room:a', 6);
    expect(sent).toEqual([]);
    live = true;
    r.resume();
    expect(sent).toEqual([['room:a', 6]]);
    now = 500;
    r.delivered('room:a', 5);
    r.delivered('room:b', 1);
    expect(sent).toEqual([
      ['room:a', 6],
      ['room:b', 1],
    ]);
    r.stop();
  });
});
