import type { ChangeEvent, Since } from '@natter/protocol';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { NatterClient } from '../src/client.ts';
import { FakeServer, messageEvent } from './fake-server.ts';

let server: FakeServer;
const clients: NatterClient[] = [];

beforeEach(async () => {
  server = await FakeServer.start();
});

afterEach(async () => {
  for (const c of clients.splice(0)) c.close();
  await server.close();
});

function makeClient(since?: Record<string, Since>): NatterClient {
  const client = new NatterClient({
    url: server.url,
    WebSocket,
    user: 'alice',
    reconnect: { initialDelayMs: 5, maxDelayMs: 40 },
    ...(since ? { since } : {}),
  });
  clients.push(client);
  return client;
}

const GEN = 'room:general';
const withVer = (seq: number, ver: number) => ({ ...messageEvent(GEN, seq), ver });
const hellos = () => server.requests('hello');

/** Resolves once `client.store` holds a state of (conv, seq) that matches. */
function storeReaches(client: NatterClient, seq: number, ver: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`store never reached ${seq}@${ver}`)), 5000);
    const check = () => {
      if ((client.store.get(GEN, seq)?.ver ?? 0) >= ver) {
        clearTimeout(timer);
        off();
        resolve();
      }
    };
    const off = client.store.on('update', check);
    check();
  });
}

describe('lifecycle (protocol 1.1) in the SDK', () => {
  it('keeps each message current in store, drops repeated changes, and resumes with {seq, ver}', async () => {
    const client = makeClient();
    await client.connect();
    const changes: ChangeEvent[] = [];
    client.on('change', (c) => changes.push(c));
    server.push(withVer(1, 1));
    server.push(withVer(2, 2));
    server.push({ ev: 'edit', conv: GEN, seq: 1, ver: 3, text: 'fixed', edited: 't', by: 'bob' });
    server.push({ ev: 'reaction', conv: GEN, seq: 2, ver: 4, user: 'bob', emoji: '👍', on: true });
    server.push({ ev: 'reaction', conv: GEN, seq: 2, ver: 4, user: 'bob', emoji: '👍', on: true }); // repeat
    await storeReaches(client, 2, 4);
    expect(client.store.get(GEN, 1)).toMatchObject({ text: 'fixed', edited: 't', ver: 3 });
    expect(client.store.get(GEN, 2)?.reactions).toEqual([{ emoji: '👍', count: 1, users: ['bob'] }]);
    expect(changes.map((c) => c.ver)).toEqual([3, 4]);
    expect(client.lastVer(GEN)).toBe(4);

    const reopened = new Promise((r) => client.once('hello', r));
    server.dropLatest(1001);
    await reopened;
    expect(hellos().at(-1)?.since).toEqual({ [GEN]: { seq: 2, ver: 4 } });

    // The replay: a delete of an old message and a new one, in ver order; then an old repeat.
    server.push({ ev: 'delete', conv: GEN, seq: 1, ver: 5 });
    server.push(withVer(3, 6));
    server.push({ ev: 'edit', conv: GEN, seq: 1, ver: 3, text: 'fixed', edited: 't', by: 'bob' });
    server.push({ ev: 'synced' });
    await storeReaches(client, 3, 6);
    expect(client.store.get(GEN, 1)?.deleted).toBeDefined();
    expect(client.store.get(GEN, 1)?.text).toBeUndefined();
    expect(changes.map((c) => `${c.ev}@${c.ver}`)).toEqual(['edit@3', 'reaction@4', 'delete@5']);
    expect(client.since()).toEqual({ [GEN]: { seq: 3, ver: 6 } });
  });

  it('applies its own changes to store and counts their ver as had, without skipping others in between', async () => {
    const client = makeClient({ [GEN]: { seq: 1, ver: 1 } });
    await client.connect();
    expect(hellos()[0]?.since).toEqual({ [GEN]: { seq: 1, ver: 1 } });
    client.store.put({ conv: GEN, seq: 1, mid: 'm1', from: 'alice', ts: 't', ver: 1, text: 'mine' });
    // Others' change at ver 2 is still on its way when our edit gets ver 3.
    server.plan('edit', { kind: 'result', result: { conv: GEN, seq: 1, ver: 3, edited: 'e' } });
    await client.edit(GEN, 1, 'mine, edited');
    expect(client.store.get(GEN, 1)).toMatchObject({ text: 'mine, edited', ver: 3, edited: 'e' });
    expect(client.lastVer(GEN)).toBe(1); // 2 is not had yet, so a resume asks from 1
    server.push({ ev: 'pin', conv: GEN, seq: 1, ver: 2, on: true, by: 'bob' });
    await new Promise<void>((r) => client.once('change', () => r()));
    expect(client.lastVer(GEN)).toBe(3); // stepped over our own 3
    // The pin at 2 came after our edit at 3 had been applied: the store keeps the newer state.
    server.plan('react', { kind: 'result', result: { ver: 4 } });
    await client.react(GEN, 1, '🎉');
    expect(client.store.get(GEN, 1)?.reactions).toEqual([{ emoji: '🎉', count: 1, users: ['alice'] }]);
    // A react that changed nothing answers the current ver: no second reaction in the store.
    server.plan('react', { kind: 'result', result: { ver: 4 } });
    await client.react(GEN, 1, '🎉');
    expect(client.store.get(GEN, 1)?.reactions?.[0]?.count).toBe(1);
    server.plan('delete', { kind: 'result', result: { conv: GEN, seq: 1, ver: 5 } });
    await client.delete(GEN, 1);
    expect(client.store.get(GEN, 1)?.deleted).toBeDefined();
    expect(client.since()).toEqual({ [GEN]: { seq: 1, ver: 5 } });
  });

  it('counts a refetch ver as had once the app re-reads', async () => {
    const client = makeClient({ [GEN]: { seq: 3, ver: 10 } });
    await client.connect();
    const refetch = new Promise((r) => client.once('refetch', r));
    server.push({ ev: 'refetch', conv: GEN, ver: 900 });
    expect(await refetch).toEqual({ conv: GEN, ver: 900 });
    expect(client.since()).toEqual({ [GEN]: { seq: 3, ver: 900 } });
  });
});
