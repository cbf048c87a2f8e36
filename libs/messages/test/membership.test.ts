import { MemoryBus } from '@natter/bus';
import { QUEUE, type RoomRosterReply, RpcClient, serve, subjects } from '@natter/contracts';
import { createLogger } from '@natter/log';
import { describe, expect, it } from 'vitest';
import { MembershipCache } from '../src/membership.ts';

const s = subjects('natter');
const log = createLogger({ name: 'membership-test', level: 'silent' });

function setup() {
  const bus = new MemoryBus();
  const roster: RoomRosterReply = { exists: true, private: true, members: ['alice'] };
  const state = { calls: 0, roster, gate: Promise.resolve() };
  serve(bus, s, 'rooms.roster', QUEUE.rooms, log, async () => {
    state.calls++;
    const answer = structuredClone(state.roster);
    await state.gate;
    return answer;
  });
  let now = 0;
  const cache = new MembershipCache(new RpcClient(bus.connect(), s, 1000), { ttlMs: 1000, now: () => now });
  return { state, cache, tick: (ms: number) => (now += ms) };
}

describe('MembershipCache', () => {
  it('makes one roster call for a burst, and another after the TTL', async () => {
    const { state, cache, tick } = setup();
    const answers = await Promise.all(Array.from({ length: 20 }, () => cache.access('ops', 'alice')));
    expect(answers.every((a) => a === 'member')).toBe(true);
    expect(state.calls).toBe(1);
    tick(999);
    await cache.access('ops', 'alice');
    expect(state.calls).toBe(1);
    tick(1);
    await cache.access('ops', 'alice');
    expect(state.calls).toBe(2);
  });

  it('re-fetches a negative answer once, and tells a missing room apart', async () => {
    const { state, cache } = setup();
    expect(await cache.access('ops', 'bob')).toBe('not_member');
    expect(state.calls).toBe(1);
    state.roster = { exists: true, private: true, members: ['alice', 'bob'] };
    expect(await cache.access('ops', 'bob')).toBe('member');
    expect(state.calls).toBe(2);
    state.roster = { exists: false, private: false, members: [] };
    expect(await cache.access('gone', 'bob')).toBe('no_room');
    expect(await cache.exists('gone')).toBe(false);
  });

  it('does not cache a roster fetched before a drop', async () => {
    const { state, cache } = setup();
    let open: () => void = () => {};
    state.gate = new Promise((r) => (open = r));
    const early = cache.access('ops', 'alice'); // fetch in flight with the old roster
    await new Promise((r) => setTimeout(r, 0));
    state.roster = { exists: true, private: true, members: [] };
    state.gate = Promise.resolve();
    cache.drop('ops'); // alice left meanwhile
    open();
    expect(await early).toBe('member');
    expect(await cache.access('ops', 'alice')).toBe('not_member');
    expect(state.calls).toBe(2);
  });
});
