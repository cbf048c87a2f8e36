import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '@natter/config';
import { createLogger } from '@natter/log';
import { launch } from '@natter/natter';
import { API_KEY, JWT_SECRET } from './helpers/cluster.ts';
import { dmScenario } from './scenarios/dm.ts';

/**
 * The same DM scenario in single-node mode: the four services in this process over the
 * in-process bus, presence in memory, and the embedded Postgres in a fresh DATA_DIR
 * (exactly what `npm start` runs, with a token secret so the scenario can mint tokens).
 */
dmScenario(async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'natter-single-'));
  // Postgres runs as its own user and must be able to reach its data directory.
  chmodSync(dataDir, 0o755);
  const config = loadConfig({
    PORT: '0',
    DATA_DIR: dataDir,
    NATTER_JWT_SECRET: JWT_SECRET,
    NATTER_API_KEY: API_KEY,
    NATTER_MAX_CONNECTIONS_PER_IP: '100000',
    LOG_LEVEL: 'warn',
  });
  const node = await launch(config, createLogger({ name: 'natter', level: 'warn' }));
  const url = `ws://127.0.0.1:${node.gateway.port}/ws`;
  const http = `http://127.0.0.1:${node.gateway.port}`;
  return {
    gateways: [
      { id: node.gateway.id, url, http },
      { id: node.gateway.id, url, http },
    ],
    async stop() {
      await node.stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
});
