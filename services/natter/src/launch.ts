import { join, resolve } from 'node:path';
import { type Bus, MemoryBus } from '@natter/bus';
import {
  type Config,
  gatewayConfig,
  historyConfig,
  hooksConfig,
  presenceConfig,
  pushConfig,
  roomsConfig,
} from '@natter/config';
import { createPool, type EmbeddedPostgresHandle, startEmbeddedPostgres } from '@natter/db';
import { chooseWebDir, logWebDir, type RunningGateway, start as startGateway } from '@natter/gateway';
import { start as startHistory } from '@natter/history';
import { migrateHooks, start as startHooks } from '@natter/hooks';
import type { Logger } from '@natter/log';
import { migrateMessages, PgMessageStore, startLocalLog } from '@natter/messages';
import {
  MemoryPresenceStore,
  migratePresence,
  type PresenceStore,
  RedisPresenceStore,
  start as startPresence,
} from '@natter/presence';
import { migratePush, start as startPush } from '@natter/push';
import { migrateRooms, PgRoomStore, start as startRooms } from '@natter/rooms';
import { connectBusFromConfig, createMetrics, createRedis } from '@natter/service';
import { migrateUploads, PgUploadStore } from '@natter/uploads';
import { startBanner } from './banner.ts';

export interface SingleNode {
  gateway: RunningGateway;
  stop(): Promise<void>;
}

/**
 * The single-node composition root: every service in one process. Each of NATS_URL,
 * REDIS_URL, DATABASE_URL swaps its embedded part for the real one. Wiring only.
 */
const OPEN_MODE_BANNER = `
  ┌───────────────────────────────────────────────────────────────────────┐
  │ natter: OPEN MODE. Anyone can sign in as anyone, with no password.    │
  │ For development only. Set NATTER_JWT_SECRET (32+ bytes) to require    │
  │ signed tokens (docs/configuration.md, "Security").                    │
  └───────────────────────────────────────────────────────────────────────┘
`;

export async function launch(given: Config, log: Logger): Promise<SingleNode> {
  // Single-node mode is the one place open mode is the default; it says so on stderr,
  // whatever LOG_LEVEL hides.
  const config: Config = { ...given, authMode: given.authMode ?? 'open' };
  if (config.authMode === 'open') process.stderr.write(OPEN_MODE_BANNER);
  const metrics = createMetrics('natter');
  const bus: Bus = config.natsUrl ? await connectBusFromConfig(config, 'natter', log) : new MemoryBus();

  let embedded: EmbeddedPostgresHandle | undefined;
  let databaseUrl = config.databaseUrl;
  if (!databaseUrl) {
    embedded = await startEmbeddedPostgres({
      dataDir: join(config.dataDir, 'postgres'),
      log: log.child({ module: 'postgres' }),
    });
    databaseUrl = embedded.url;
  }
  await migrateMessages(databaseUrl, log);
  await migrateRooms(databaseUrl, log);
  await migrateHooks(databaseUrl, log);
  await migratePresence(databaseUrl, log);
  await migratePush(databaseUrl, log);
  await migrateUploads(databaseUrl, log);
  const pool = createPool(databaseUrl, { log, name: 'natter', max: 20, registry: metrics.registry });

  const redis = config.redisUrl ? createRedis(config.redisUrl, log.child({ module: 'redis' })) : undefined;
  const presenceStore: PresenceStore = redis
    ? new RedisPresenceStore(redis, { namespace: config.namespace })
    : new MemoryPresenceStore();

  const parts = { bus, log, registry: metrics.registry };
  const history = await startHistory(historyConfig(config), {
    ...parts,
    store: new PgMessageStore(pool),
    pool,
  });
  const rooms = await startRooms(roomsConfig(config), { ...parts, store: new PgRoomStore(pool) });
  const presence = await startPresence(presenceConfig(config), { ...parts, store: presenceStore, pool });
  // Its own pool: each webhook URL it delivers to holds a connection for its lease.
  const hooksPool = createPool(databaseUrl, {
    log,
    name: 'natter-hooks',
    max: config.webhookUrls.length + 3,
    registry: metrics.registry,
  });
  const hooks = await startHooks(hooksConfig(config), { ...parts, pool: hooksPool });
  const push = await startPush(pushConfig(config), { ...parts, pool });
  // The gateway appends DMs and reads pages itself, as a gateway process with DATABASE_URL does.
  const messageLog = await startLocalLog(historyConfig(config), { ...parts, pool });
  const web = chooseWebDir(config.webDir);
  const gateway = await startGateway(gatewayConfig(config), {
    ...parts,
    messageLog,
    webDir: web.dir,
    uploads: new PgUploadStore(pool),
    openModeAnnounced: config.authMode === 'open',
    checks: { history: () => history.ready(), rooms: () => rooms.ready(), presence: () => presence.ready() },
  });
  const dataDir = embedded ? resolve(config.dataDir, 'postgres') : undefined;
  process.stderr.write(
    startBanner(config, {
      port: gateway.port,
      httpPort: gateway.httpPort,
      webDir: web.dir,
      embeddedData: dataDir,
    }),
  );
  logWebDir(web, log);
  log.info(
    {
      bus: config.natsUrl ? 'nats' : 'in-process',
      presence: redis ? 'redis' : 'in-memory',
      database: dataDir ? `embedded (${dataDir})` : 'DATABASE_URL',
      auth: config.authMode === 'open' ? 'open' : 'keyed',
      serverApi: config.apiKey ? 'on' : 'off',
    },
    `natter is up: open http://localhost:${gateway.port}`,
  );
  return {
    gateway,
    async stop() {
      await gateway.stop();
      await Promise.allSettled([
        messageLog.stop(),
        presence.stop(),
        rooms.stop(),
        history.stop(),
        hooks.stop(),
        push.stop(),
      ]);
      await bus.drain();
      await pool.end();
      await hooksPool.end();
      redis?.disconnect();
      await embedded?.stop();
    },
  };
}
