import { createLogger } from '@natter/log';
import { createRedis, redisReady } from '@natter/service';
import { startRedis } from '@natter/testkit';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RedisPresenceStore } from '../src/redis-store.ts';
import { presenceStoreContract } from './store-contract.ts';

const log = createLogger({ name: 'presence-redis-test', level: 'silent' });
let server: Awaited<ReturnType<typeof startRedis>>;
const clients: Redis[] = [];
let nextNs = 0;

async function client(): Promise<Redis> {
  const redis = createRedis(server.url, log);
  clients.push(redis);
  if (!(await redisReady(redis, 5000))) throw new Error(`redis at ${server.url} not ready`);
  return redis;
}

beforeAll(async () => {
  server = await startRedis();
});

afterAll(async () => {
  for (const c of clients) c.disconnect();
  await server?.stop();
});

presenceStoreContract('redis', async () => {
  const namespace = `t${nextNs++}`;
  const [a, b] = [await client(), await client()];
  return {
    store: new RedisPresenceStore(a, { namespace }),
    peer: new RedisPresenceStore(b, { namespace }),
    wipe: async () => {
      await a.flushall();
    },
  };
});

describe('RedisPresenceStore on Redis', () => {
  it('keeps every key under <namespace>:', async () => {
    const redis = await client();
    await redis.flushall();
    const store = new RedisPresenceStore(redis, { namespace: 'ns1' });
    await store.ensureInitialized();
    await store.connect('g1', [{ session: 's1', user: 'al.ice' }], 60_000);
    await store.connect('g1', [{ session: 's2', user: 'bob' }], 60_000);
    await store.disconnect('g1', [{ session: 's2', user: 'bob' }]);
    const keys = await redis.keys('*');
    expect(keys.length).toBeGreaterThan(3);
    for (const key of keys) expect(key.startsWith('ns1:')).toBe(true);
  });
});
