import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { NatterClient } from '@natter/client';
import { loadConfig } from '@natter/config';
import { createLogger } from '@natter/log';
import { launch, type SingleNode } from '@natter/natter';
import { type PostgresHandle, startPostgres } from '@natter/testkit';
import WebSocket from 'ws';

/**
 * The real single-node system the CLI tests run `natter` against: in-process bus and
 * presence, a real Postgres, open mode; plus SDK clients as the other people.
 */
export class TestNode {
  private readonly clients: NatterClient[] = [];

  private constructor(
    private readonly pg: PostgresHandle,
    private readonly node: SingleNode,
    readonly dataDir: string,
    readonly url: string,
  ) {}

  static async start(name: string): Promise<TestNode> {
    const pg = await startPostgres();
    const dataDir = await mkdtemp(path.join(tmpdir(), 'natter-cli-'));
    const config = loadConfig({
      PORT: '0',
      DATA_DIR: dataDir,
      LOG_LEVEL: 'warn',
      DATABASE_URL: await pg.createDatabase(),
    });
    const node = await launch(config, createLogger({ name, level: 'warn' }));
    return new TestNode(pg, node, dataDir, `ws://127.0.0.1:${node.gateway.port}/ws`);
  }

  /** The gateway's port (HTTP and WebSocket). */
  get port(): number {
    return this.node.gateway.port;
  }

  /** A connected SDK client as `user` (closed by `stop`). */
  async sdk(user: string, wsUrl = this.url): Promise<NatterClient> {
    const c = new NatterClient({ url: wsUrl, WebSocket, user, device: 'test' });
    this.clients.push(c);
    await c.connect({ timeoutMs: 10_000 });
    return c;
  }

  async stop(): Promise<void> {
    for (const c of this.clients) c.close();
    await this.node.stop();
    await this.pg.stop();
    await rm(this.dataDir, { recursive: true, force: true });
  }
}
