import { emit, subjects } from '@natter/contracts';
import { waitFor } from '@natter/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type InProcessCluster, startInProcess } from './helpers/in-process.ts';
import type { Frame, RawClient } from './helpers/ws-client.ts';

/**
 * The delivery rules across three gateways and every service in one process (one MemoryBus):
 * one way to reach a session (subject interest, for rooms and users alike), in order, once,
 * only to those who belong, and repaired when the bus loses a delivery.
 */
let c: InProcessCluster;

beforeAll(async () => {
  // A short position check, so a lost delivery is repaired within the test's patience.
  c = await startInProcess({ env: { NATTER_POSITION_CHECK_SEC: '1' } });
});

afterAll(async () => {
  await c?.stop();
});

const seqs = (frames: Frame[]) => frames.map((f) => f.seq as number);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('DMs by the users’ subjects', () => {
  it('reach every session of both users on every gateway, once and in order, but not the sending one', async () => {
    const alice1 = await c.hello(0, 'alice');
    const alice3 = await c.hello(2, 'alice');
    const bob2 = await c.hello(1, 'bob');
    const bob3 = await c.hello(2, 'bob');
    for (let i = 0; i < 20; i++) await alice1.ok('send', { to: 'user:bob', cid: `a-${i}`, text: `${i}` });
    const want = Array.from({ length: 20 }, (_, i) => i + 1);
    // gw-3 holds both users: the two copies it gets (one per subject) make one delivery each.
    for (const s of [bob2, bob3, alice3])
      expect(seqs(await s.waitMessages('dm:alice:bob', 20))).toEqual(want);
    await sleep(100);
    for (const s of [bob2, bob3, alice3]) expect(s.messages('dm:alice:bob')).toHaveLength(20);
    expect(alice1.messages('dm:alice:bob')).toEqual([]);
  });

  it('publish nothing anywhere for a user who is offline, and stop once the last session goes', async () => {
    const carol = await c.hello(0, 'carol');
    const dave = await c.hello(1, 'dave');
    await carol.ok('send', { to: 'user:dave', cid: 'c-1', text: 'hi' });
    await dave.waitMessages('dm:carol:dave', 1);
    dave.close();
    // Waited for, not slept on: on a loaded machine the close takes its time to unsubscribe.
    await waitFor(() => !c.broker.hasSubscribers(subjects('inproc').user('dave')), {
      intervalMs: 10,
      what: "dave's subject to lose its last subscriber",
    });
    const before = c.broker.stats();
    await carol.ok('send', { to: 'user:dave', cid: 'c-2', text: 'are you there' });
    // msg.send + its reply + carol's subject (her own sessions) = 3 handler calls; dave's
    // subject has no subscriber left. The announcement follows the reply: wait for it, then
    // give a fourth call (dave's) time to show up.
    await waitFor(() => c.broker.stats().delivered - before.delivered >= 3, {
      intervalMs: 10,
      what: 'the send, its reply and the announcement',
    });
    await sleep(50);
    expect(c.broker.stats().delivered - before.delivered).toBe(3);
  });

  it('reach a user whose id has dots (one subject token, written with ~)', async () => {
    const from = await c.hello(0, 'x.y');
    const to = await c.hello(1, 'mr.dot.com');
    await from.ok('send', { to: 'user:mr.dot.com', cid: 'dot-1', text: 'hi' });
    expect(seqs(await to.waitMessages('dm:mr.dot.com:x.y', 1))).toEqual([1]);
  });

  it('DM typing goes to the other user only; a read receipt to both', async () => {
    const erin = await c.hello(0, 'erin');
    const erin2 = await c.hello(2, 'erin');
    const fred = await c.hello(1, 'fred');
    await erin.ok('typing', { to: 'user:fred' });
    await fred.waitEvent((f) => f.ev === 'typing' && f.user === 'erin');
    await erin.ok('send', { to: 'user:fred', cid: 'e-1', text: 'x' });
    await fred.waitMessages('dm:erin:fred', 1);
    await fred.ok('read', { conv: 'dm:erin:fred', seq: 1 });
    await erin.waitEvent((f) => f.ev === 'read' && f.user === 'fred');
    await erin2.waitEvent((f) => f.ev === 'read' && f.user === 'fred');
    expect(erin2.events.filter((f) => f.ev === 'typing')).toEqual([]);
  });
});

describe('a lost live delivery is repaired without a further message', () => {
  it('a DM the bus dropped reaches its recipient with the next position check', async () => {
    const gina = await c.hello(0, 'gina');
    const hal = await c.hello(1, 'hal');
    await gina.ok('send', { to: 'user:hal', cid: 'g-1', text: 'one' });
    await hal.waitMessages('dm:gina:hal', 1);
    c.historyBus.drop((subject) => subject.includes('.user.'));
    await gina.ok('send', { to: 'user:hal', cid: 'g-2', text: 'two (lost on the bus)' });
    c.historyBus.heal();
    expect(c.historyBus.dropped).toBeGreaterThan(0);
    // Nothing else is sent: only the position check can bring it.
    expect(seqs(await hal.waitMessages('dm:gina:hal', 2, 5000))).toEqual([1, 2]);
  });

  it('so does a room message, for every member on every gateway, and a brand-new DM', async () => {
    const ivy = await c.hello(0, 'ivy');
    const jon = await c.hello(1, 'jon');
    const kim = await c.hello(2, 'kim');
    for (const s of [ivy, jon, kim]) await s.ok('join', { room: 'lossy' });
    await ivy.ok('send', { to: 'room:lossy', cid: 'i-1', text: 'one' });
    await jon.waitMessages('room:lossy', 1);
    await kim.waitMessages('room:lossy', 1);
    c.historyBus.drop((subject) => subject.includes('.room.') || subject.includes('.user.'));
    await ivy.ok('send', { to: 'room:lossy', cid: 'i-2', text: 'two (lost)' });
    await ivy.ok('send', { to: 'user:kim', cid: 'i-3', text: 'first DM ever (lost)' });
    c.historyBus.heal();
    for (const s of [jon, kim]) expect(seqs(await s.waitMessages('room:lossy', 2, 5000))).toEqual([1, 2]);
    expect(seqs(await kim.waitMessages('dm:ivy:kim', 1, 5000))).toEqual([1]);
  });
});

describe('changes are delivered in ver order, and a lost one is repaired by ver', () => {
  const changes = (c: RawClient, conv: string) =>
    c.events.filter((f) => f.conv === conv && f.ev !== 'message').map((f) => [f.ev, f.seq, f.ver]);

  it('an edit the bus dropped reaches the members with the next position check, as the message’s state', async () => {
    const lia = await c.hello(0, 'lia');
    const max = await c.hello(1, 'max');
    const max3 = await c.hello(2, 'max');
    for (const s of [lia, max]) await s.ok('join', { room: 'lossy-edit' });
    await max3.waitEvent((f) => f.ev === 'joined' && f.room === 'lossy-edit' && f.user === 'max');
    await lia.ok('send', { to: 'room:lossy-edit', cid: 'le-1', text: 'helo' });
    await max.waitMessages('room:lossy-edit', 1);
    c.historyBus.drop((subject) => subject.includes('.room.'));
    await lia.ok('edit', { conv: 'room:lossy-edit', seq: 1, text: 'hello' });
    c.historyBus.heal();
    for (const s of [max, max3]) {
      const u = await s.waitEvent((f) => f.ev === 'update' && f.conv === 'room:lossy-edit', 5000);
      expect(u).toMatchObject({ seq: 1, ver: 2, message: { text: 'hello', edited: expect.any(String) } });
    }
    await lia.ok('react', { conv: 'room:lossy-edit', seq: 1, emoji: '👍' });
    for (const s of [max, max3]) {
      await s.waitEvent((f) => f.ev === 'reaction' && f.conv === 'room:lossy-edit');
      expect(changes(s, 'room:lossy-edit')).toEqual([
        ['update', 1, 2],
        ['reaction', 1, 3],
      ]);
    }
  });

  it('a lost DM delete revealed by the next change goes out before it', async () => {
    const ned = await c.hello(0, 'ned');
    const ola = await c.hello(1, 'ola');
    for (let i = 1; i <= 2; i++) await ned.ok('send', { to: 'user:ola', cid: `nd-${i}`, text: `${i}` });
    await ola.waitMessages('dm:ned:ola', 2);
    c.historyBus.drop((subject) => subject.includes('.user.'));
    await ned.ok('delete', { conv: 'dm:ned:ola', seq: 1 });
    c.historyBus.heal();
    await ned.ok('react', { conv: 'dm:ned:ola', seq: 2, emoji: '🎉' });
    await ola.waitEvent((f) => f.ev === 'reaction' && f.conv === 'dm:ned:ola');
    expect(changes(ola, 'dm:ned:ola')).toEqual([
      ['delete', 1, 3],
      ['reaction', 2, 4],
    ]);
  });
});

describe('a thread message the bus lost is repaired by its thread’s ver', () => {
  it('the members get every thread message in seq order, and the root’s latest summary', async () => {
    const pia = await c.hello(0, 'pia');
    const rex = await c.hello(1, 'rex');
    for (const s of [pia, rex]) await s.ok('join', { room: 'lossy-thread' });
    await pia.ok('send', { to: 'room:lossy-thread', cid: 'lt-0', text: 'root' });
    await rex.waitMessages('room:lossy-thread', 1);
    const thread = 'thread:room:lossy-thread:1';
    await pia.ok('send', { to: thread, cid: 'lt-1', text: 'one' });
    await rex.waitMessages(thread, 1);
    c.historyBus.drop((subject) => subject.includes('.room.'));
    await pia.ok('send', { to: thread, cid: 'lt-2', text: 'two (lost)' });
    c.historyBus.heal();
    await pia.ok('send', { to: thread, cid: 'lt-3', text: 'three' });
    expect(seqs(await rex.waitMessages(thread, 3))).toEqual([1, 2, 3]);
    // The root's summary: its lost change came back as the root's state, then the live one.
    await rex.waitEvent((f) => f.conv === 'room:lossy-thread' && f.ver === 4);
    const root = rex.events.filter((f) => f.conv === 'room:lossy-thread' && f.ev !== 'message');
    expect(root.map((f) => f.ver)).toEqual([2, 4]);
    const last = root[1];
    const summary = last.ev === 'thread' ? last : (last.message as Frame).thread;
    expect(summary).toMatchObject({ replies: 3, users: ['pia'] });
  });
});

describe('nobody where they don’t belong, across three gateways', () => {
  it('an uninvited user spamming join on each gateway gets nothing of a private room', async () => {
    const owner = await c.hello(0, 'olive');
    const member = await c.hello(2, 'pat');
    const mallories: RawClient[] = [
      await c.hello(0, 'mal1'),
      await c.hello(1, 'mal2'),
      await c.hello(2, 'mal3'),
    ];
    await owner.ok('create', { room: 'secret', private: true });
    await owner.ok('invite', { room: 'secret', user: 'pat' });
    await member.ok('join', { room: 'secret' });
    let spamming = true;
    const spam = mallories.map(async (m) => {
      while (spamming) {
        await m.request('join', { room: 'secret' });
        await sleep(5);
      }
    });
    for (let i = 0; i < 30; i++) {
      await owner.ok('send', { to: 'room:secret', cid: `o-${i}`, text: `s${i}` });
      await sleep(5);
    }
    await member.waitMessages('room:secret', 30);
    spamming = false;
    await Promise.all(spam);
    await sleep(100);
    for (const m of mallories) {
      expect(m.events.filter((f) => f.conv === 'room:secret' || f.room === 'secret')).toEqual([]);
    }
  });

  it('a late `joined` announcement, older than the `left` that followed it, shows the user nothing', async () => {
    const q1 = await c.hello(0, 'quinn');
    const q2 = await c.hello(1, 'quinn');
    await q1.ok('join', { room: 'flicker' });
    await q2.waitEvent((f) => f.ev === 'joined' && f.room === 'flicker');
    await q1.ok('leave', { room: 'flicker' });
    await q2.waitEvent((f) => f.ev === 'left' && f.room === 'flicker');
    // The `joined` of the join above, delivered again (core NATS may reorder across
    // connections, and a gateway may get it late): older than the `left`, so no frame.
    // The room's membership versions: 1 for the join that created it, 2 for the leave.
    const stale = 1;
    const before = [q1, q2].map(
      (q) => q.events.filter((f) => f.ev === 'joined' && f.room === 'flicker').length,
    );
    emit(c.broker.connect(), subjects('inproc'), 'user', 'quinn', {
      event: { kind: 'membership', room: 'flicker', member: true, ver: stale },
    });
    await sleep(100);
    const after = [q1, q2].map(
      (q) => q.events.filter((f) => f.ev === 'joined' && f.room === 'flicker').length,
    );
    expect(after).toEqual(before);
    // And it made nobody a member: a message to the room is not delivered.
    const other = await c.hello(2, 'rita');
    await other.ok('join', { room: 'flicker' });
    await other.ok('send', { to: 'room:flicker', cid: 'fl-1', text: 'x' });
    await sleep(100);
    for (const q of [q1, q2]) expect(q.messages('room:flicker')).toEqual([]);
  });
});
