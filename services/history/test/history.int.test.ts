import { type Bus, connectNatsBus } from '@natter/bus';
import { loadConfig } from '@natter/config';
import { decode, RpcClient, type SendReply, subjects, type UserDelivery } from '@natter/contracts';
import { createPool } from '@natter/db';
import { createLogger } from '@natter/log';
import { migrateMessages, PgMessageStore } from '@natter/messages';
import type { MessageView } from '@natter/protocol';
import type { RunningService } from '@natter/service';
import { type NatsHandle, type PostgresHandle, startNats, startPostgres, waitFor } from '@natter/testkit';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { start } from '../src/start.ts';

const log = createLogger({ name: 'history-int-test', level: 'silent' });

let nats: NatsHandle;
let postgres: PostgresHandle;
let pool: pg.Pool;
const buses: Bus[] = [];
const services: RunningService[] = [];

async function bus(name: string): Promise<Bus> {
  const b = await connectNatsBus({ servers: nats.url, name, log });
  buses.push(b);
  return b;
}

beforeAll(async () => {
  [nats, postgres] = await Promise.all([startNats(), startPostgres()]);
  const databaseUrl = await postgres.createDatabase();
  await migrateMessages(databaseUrl, log);
  pool = createPool(databaseUrl, { max: 10 });
});

afterAll(async () => {
  for (const svc of services) await svc.stop();
  for (const b of buses) await b.drain();
  await pool?.end();
  await Promise.all([nats?.stop(), postgres?.stop()]);
});

describe('history on real NATS and Postgres, two instances', () => {
  it('sequences 500 concurrent sends to one DM gap-free, and retries get the first results', async () => {
    const config = loadConfig({
      NATS_URL: nats.url,
      NATTER_NAMESPACE: 'hist',
      NATTER_REQUEST_TIMEOUT_MS: '10000',
    });
    const s = subjects(config.namespace);
    const instanceBuses = [await bus('history-1'), await bus('history-2')];
    const committed = [0, 0];
    for (const [i, b] of instanceBuses.entries()) {
      // Each instance has its own store (own group-commit queue) on the shared database.
      const store = new PgMessageStore(pool, { onBatch: (n) => (committed[i] += n) });
      services.push(await start(config, { bus: b, log, store }));
    }

    const watcher = await bus('watcher');
    const stored: MessageView[] = [];
    const barriers = new Set<string>();
    // One of the two users' subjects, as a gateway holding alice would see it.
    watcher.subscribe(s.user('alice'), (m) => {
      const { event } = decode<UserDelivery>(m.data);
      if (event.kind === 'message') stored.push(event.msg);
    });
    watcher.subscribe('hist.test.barrier', (m) => void barriers.add(new TextDecoder().decode(m.data)));
    await watcher.flush();

    const rpc = new RpcClient(await bus('gateway'), s, 10_000);
    const send = (i: number) =>
      rpc.call('msgSend', {
        v: 1,
        from: i % 2 ? 'alice' : 'bob',
        to: i % 2 ? 'user:bob' : 'user:alice',
        cid: `c-${i}`,
        text: `message ${i}`,
        origin: { gw: 'gw-test', session: `s_${i % 7}` },
      });

    const first = await Promise.all(Array.from({ length: 500 }, (_, i) => send(i)));
    expect(first.every((r) => r.conv === 'dm:alice:bob' && r.duplicate === undefined)).toBe(true);
    expect(first.map((r) => r.seq).sort((a, b) => a - b)).toEqual(
      Array.from({ length: 500 }, (_, i) => i + 1),
    );
    expect(new Set(first.map((r) => r.mid)).size).toBe(500);

    // The queue group shared the work.
    expect(committed[0]).toBeGreaterThan(0);
    expect(committed[1]).toBeGreaterThan(0);

    const retries = await Promise.all(Array.from({ length: 500 }, (_, i) => send(i)));
    retries.forEach((r, i) => {
      const expected: SendReply = { ...first[i], duplicate: true };
      expect(r).toEqual(expected);
    });

    // Each instance publishes a barrier after every reply it gave: once both barriers are in,
    // every publish of either instance has been delivered.
    instanceBuses.forEach((b, i) => void b.publish('hist.test.barrier', new TextEncoder().encode(String(i))));
    // Every send announced once, and every retry announced again (gateways drop repeats).
    await waitFor(() => barriers.size === 2 && stored.length >= 1000, {
      timeoutMs: 10_000,
      what: 'both barriers and 1000 announcements',
    });
    expect(stored).toHaveLength(1000);
    expect([...new Set(stored.map((m) => m.seq))].sort((a, b) => a - b)).toEqual(
      first.map((r) => r.seq).sort((a, b) => a - b),
    );

    const history = await rpc.call('historyQuery', {
      v: 1,
      user: 'alice',
      conv: 'dm:alice:bob',
      after: 0,
      limit: 200,
    });
    expect(history.messages.map((m) => m.seq)).toEqual(Array.from({ length: 200 }, (_, i) => i + 1));
    expect(history.more).toBe(true);
    expect(services.every((svc) => svc.ready())).toBe(true);
  });

  it('answers unavailable while Postgres is down, is not ready, and recovers by itself', async () => {
    const config = loadConfig({
      NATS_URL: nats.url,
      NATTER_NAMESPACE: 'hist2',
      NATTER_REQUEST_TIMEOUT_MS: '10000',
    });
    const s = subjects(config.namespace);
    const svc = await start(config, { bus: await bus('history-3'), log, store: new PgMessageStore(pool) });
    services.push(svc);
    const rpc = new RpcClient(await bus('gateway-2'), s, 10_000);
    const send = (cid: string) =>
      rpc.call('msgSend', { v: 1, from: 'carol', to: 'user:dave', cid, text: cid });
    expect((await send('before')).seq).toBe(1);

    await postgres.kill();
    await expect(send('during')).rejects.toMatchObject({ code: 'unavailable' });
    expect(svc.ready()).toBe(false);

    await postgres.restart();
    await waitFor(() => svc.ready(), {
      timeoutMs: 15_000,
      what: 'history ready again after Postgres restart',
    });
    // The same cid again: nothing of the failed attempt was stored, so it gets the next seq.
    expect(await send('during')).toMatchObject({ conv: 'dm:carol:dave', seq: 2 });
  });
});
