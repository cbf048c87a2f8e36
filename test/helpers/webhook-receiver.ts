import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';

export interface Delivery {
  id: string;
  type: string;
  cursor: string;
  data: Record<string, unknown>;
}

/**
 * A webhook receiver on node:http that verifies each request with the Standard Webhooks
 * library (the receiver's side) and records what it was sent. `answer` decides each reply
 * (a status, or 'hang' to never answer). It counts requests that overlap in time: one URL
 * must never see two at once.
 */
export class WebhookReceiver {
  readonly attempts = new Map<string, number>();
  /** Acknowledged deliveries, first per id, in arrival order. */
  readonly delivered: Delivery[] = [];
  readonly duplicates: string[] = [];
  badSignatures = 0;
  overlaps = 0;
  private inFlight = 0;
  private server: Server | undefined;
  private readonly hanging = new Set<ServerResponse>();
  url = '';

  constructor(
    private readonly secret: string,
    private readonly answer: (ev: Delivery, attempt: number) => number | 'hang' = () => 200,
    private readonly delayMs = 0,
  ) {}

  async start(port = 0): Promise<string> {
    this.server = createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((r) => this.server!.listen(port, '127.0.0.1', r));
    this.url = `http://127.0.0.1:${(this.server!.address() as AddressInfo).port}/hook`;
    return this.url;
  }

  has(id: string): boolean {
    return this.delivered.some((d) => d.id === id);
  }

  async stop(): Promise<void> {
    for (const res of this.hanging) res.destroy();
    this.server?.closeAllConnections();
    await new Promise((r) => this.server?.close(r));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    this.inFlight++;
    if (this.inFlight > 1) this.overlaps++;
    try {
      const chunks: Buffer[] = [];
      for await (const c of req) chunks.push(c as Buffer);
      const body = Buffer.concat(chunks).toString('utf8');
      let ev: Delivery;
      try {
        ev = new Webhook(this.secret).verify(body, req.headers as Record<string, string>) as Delivery;
      } catch {
        this.badSignatures++;
        res.writeHead(400).end();
        return;
      }
      if (req.headers['webhook-id'] !== ev.id) {
        this.badSignatures++;
        res.writeHead(400).end();
        return;
      }
      const attempt = (this.attempts.get(ev.id) ?? 0) + 1;
      this.attempts.set(ev.id, attempt);
      const answer = this.answer(ev, attempt);
      if (answer === 'hang') {
        this.hanging.add(res);
        res.on('close', () => this.hanging.delete(res));
        return;
      }
      if (this.delayMs) await new Promise((r) => setTimeout(r, this.delayMs));
      if (answer >= 200 && answer < 300) {
        if (this.has(ev.id)) this.duplicates.push(ev.id);
        else this.delivered.push(ev);
      }
      res.writeHead(answer).end();
    } finally {
      this.inFlight--;
    }
  }
}
