import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import WebSocket from 'ws';
import { newHistogram, recordSince, summarize, wallMs } from '../lib/histogram.ts';
import type { WebhooksResult } from '../lib/results.ts';
import { startNatterService } from '../lib/systems.ts';
import { type Ctx, sleep } from './context.ts';

/** Probe DMs per second while latency is measured, over PAIRS sender/receiver pairs. */
const PROBE_RATE = 50;
const PAIRS = 10;
const SECRET = `whsec_${Buffer.from('natter-bench-webhook-secret-32byt').toString('base64')}`;

/**
 * Issue 14's webhook measurements on the running Natter (its two gateways and services), with
 * a hooks instance delivering the event log to a local receiver:
 * 1. throughput: a backlog of `webhookBacklog` events logged while the receiver answers 503,
 *    then the receiver answers 200: events delivered per second until the backlog is gone;
 * 2. the p99 latency of DM delivery (send to receipt on the other gateway, at PROBE_RATE/s)
 *    with the receiver up, then with it down while events pile up (the probe's own
 *    message.created plus another backlog logged meanwhile): the difference must stay near
 *    zero, because message delivery never waits for the log's readers.
 */
export async function runWebhooks(ctx: Ctx): Promise<WebhooksResult> {
  const { sizes, systems, progress, db } = ctx;
  const receiver = new CountingReceiver();
  const url = await receiver.start();
  progress.phase('webhooks: starting a hooks instance');
  const hooks = await startNatterService(systems.infra, 'hooks', {
    NATTER_WEBHOOK_URLS: url,
    NATTER_WEBHOOK_SECRET: SECRET,
    NATTER_WEBHOOK_POLL_MS: '50',
    NATTER_WEBHOOK_BACKOFF_MS: '200',
  });
  const clients: Probe[] = [];
  try {
    // A URL seen for the first time starts at the log's end: wait until the instance holds
    // its lease and delivers (one event), so the backlog below is all behind its cursor.
    const t = Date.now();
    while (receiver.delivered === 0 && Date.now() - t < 30_000) {
      await logBacklog(db, 1);
      await sleep(500);
    }
    if (receiver.delivered === 0) throw new Error('the hooks instance delivered nothing in 30 s');
    // 1. Throughput.
    receiver.up = false;
    await logBacklog(db, sizes.webhookBacklog);
    receiver.delivered = 0;
    await sleep(500);
    progress.phase(`webhooks: draining a backlog of ${sizes.webhookBacklog} events`);
    receiver.up = true;
    // The clock starts at the first acknowledgement: until then the head event waits out its
    // retry backoff (up to 1.2 s at this base), which is not delivery speed.
    const t0 = Date.now();
    while (receiver.delivered === 0 && Date.now() - t0 < 30_000) await sleep(5);
    const t1 = Date.now();
    while (receiver.delivered < sizes.webhookBacklog && Date.now() - t1 < 120_000) await sleep(20);
    const drainSec = (Date.now() - t1) / 1000;
    const drained = receiver.delivered - 1;

    // 2. Message delivery latency, receiver up, then down with events piling up.
    const urls = systems.natter.target.kind === 'natter' ? systems.natter.target.urls : [];
    for (let i = 0; i < PAIRS; i++) {
      clients.push(await Probe.open(urls[0]!, `wh${ctx.tag}s${i}`));
      clients.push(await Probe.open(urls[1] ?? urls[0]!, `wh${ctx.tag}r${i}`));
    }
    progress.phase('webhooks: DM latency, receiver up');
    const up = await probeLatency(clients, sizes.webhookStepMs, 'up');
    receiver.up = false;
    const pendingBefore = await pending(db);
    progress.phase('webhooks: DM latency, receiver down, events piling up');
    const [down] = await Promise.all([
      probeLatency(clients, sizes.webhookStepMs, 'down'),
      logBacklog(db, sizes.webhookBacklog),
    ]);
    const piledUp = (await pending(db)) - pendingBefore;
    return {
      backlog: sizes.webhookBacklog,
      delivered: drained,
      seconds: drainSec,
      perSec: Math.round(drained / drainSec),
      latencyUp: up,
      latencyDown: down,
      addedP99: Math.round((down.p99 - up.p99) * 1000) / 1000,
      piledUp,
    };
  } finally {
    for (const c of clients) c.close();
    await hooks.kill('SIGTERM').catch(() => undefined);
    await receiver.stop();
  }
}

/** Logs `n` events at once, as a single change would (one transaction). */
async function logBacklog(db: Ctx['db'], n: number): Promise<void> {
  await db.query(
    `INSERT INTO natter_events (type, data)
     SELECT 'member.joined', jsonb_build_object('room', 'bench-webhooks', 'user', 'u' || i)
       FROM generate_series(1, $1) AS i`,
    [n],
  );
}

/** The event log's size: what piled up while the receiver was down is its growth. */
async function pending(db: Ctx['db']): Promise<number> {
  const { rows } = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM natter_events');
  return rows[0]!.n;
}

async function probeLatency(clients: Probe[], ms: number, tag: string) {
  const h = newHistogram();
  for (let i = 1; i < clients.length; i += 2) clients[i]!.onMessage = (sentAt) => recordSince(h, sentAt);
  const every = 1000 / PROBE_RATE;
  const start = wallMs();
  let k = 0;
  while (wallMs() - start < ms) {
    const due = start + k * every;
    if (wallMs() < due) {
      await sleep(Math.max(0, due - wallMs()));
      continue;
    }
    const pair = k % PAIRS;
    clients[2 * pair]!.send(clients[2 * pair + 1]!.user, `${tag}-${k}`, due);
    k++;
  }
  await sleep(1500);
  return summarize(h);
}

/** A receiver that answers 200 (`up`) or 503 and counts what it acknowledged. */
class CountingReceiver {
  up = true;
  delivered = 0;
  private server: Server | undefined;

  async start(): Promise<string> {
    this.server = createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        if (this.up) this.delivered++;
        res.writeHead(this.up ? 200 : 503).end();
      });
    });
    await new Promise<void>((r) => this.server!.listen(0, '127.0.0.1', r));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/hook`;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise((r) => this.server?.close(r));
  }
}

/** A bare protocol client: hello as `user`, sends DMs stamped with their due time. */
class Probe {
  onMessage: (sentAt: number) => void = () => {};
  private id = 0;

  private constructor(
    private readonly ws: WebSocket,
    readonly user: string,
  ) {
    ws.on('message', (data) => {
      const f = JSON.parse(data.toString()) as { ev?: string; text?: string; from?: string };
      if (f.ev !== 'message' || f.from === user || !f.text) return;
      const at = Number(f.text.split(' ')[1]);
      if (Number.isFinite(at)) this.onMessage(at);
    });
  }

  static async open(url: string, user: string): Promise<Probe> {
    const ws = new WebSocket(url);
    await new Promise((res, rej) => {
      ws.once('open', res);
      ws.once('error', rej);
    });
    const p = new Probe(ws, user);
    await new Promise<void>((res) => {
      const onHello = (data: WebSocket.RawData) => {
        if ((JSON.parse(data.toString()) as { ev?: string }).ev === 'synced') {
          ws.off('message', onHello);
          res();
        }
      };
      ws.on('message', onHello);
      ws.send(JSON.stringify({ id: ++p.id, op: 'hello', user }));
    });
    return p;
  }

  send(to: string, cid: string, at: number): void {
    this.ws.send(JSON.stringify({ id: ++this.id, op: 'send', to: `user:${to}`, cid, text: `t ${at}` }));
  }

  close(): void {
    this.ws.close();
  }
}
