import { RawClient } from '../helpers/ws-client.ts';

/**
 * Two well-behaved clients on the fuzzed gateway that talk the whole time: every message
 * must arrive, in order, and neither may get an error or be disconnected.
 */
export class Bystanders {
  private sent = 0;
  private errors: string[] = [];
  private stopped = false;
  private loop: Promise<void> | undefined;

  private constructor(
    private readonly alice: RawClient,
    private readonly bob: RawClient,
  ) {}

  static async start(url: string): Promise<Bystanders> {
    const { client: alice } = await RawClient.hello(url, { user: 'bystander_a' });
    const { client: bob } = await RawClient.hello(url, { user: 'bystander_b' });
    const b = new Bystanders(alice, bob);
    b.loop = b.run();
    return b;
  }

  private async run(): Promise<void> {
    while (!this.stopped) {
      const i = this.sent++;
      const r = await this.alice
        .request('send', { to: 'user:bystander_b', cid: `by-${i}`, text: `m${i}` }, 15_000)
        .catch((err: Error) => ({ error: { code: 'timeout', message: err.message } }));
      if (r.error) this.errors.push(`send ${i}: ${r.error.code} ${r.error.message}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  /** Stops talking and returns what went wrong (empty when nothing did). */
  async stop(): Promise<{ sent: number; problems: string[] }> {
    this.stopped = true;
    await this.loop;
    const problems = [...this.errors];
    try {
      const got = await this.bob.waitMessages('dm:bystander_a:bystander_b', this.sent, 15_000);
      const texts = got.map((m) => m.text);
      const want = Array.from({ length: this.sent }, (_, i) => `m${i}`);
      if (JSON.stringify(texts) !== JSON.stringify(want))
        problems.push(`bob got ${texts.length} of ${this.sent}, or out of order`);
    } catch (err) {
      problems.push(String(err));
    }
    for (const c of [this.alice, this.bob]) {
      if (c.closed) problems.push(`a bystander was closed: ${c.closed.code} ${c.closed.reason}`);
      for (const e of c.events.filter((f) => f.ev === 'error'))
        problems.push(`error event: ${JSON.stringify(e)}`);
      c.close();
    }
    return { sent: this.sent, problems };
  }
}
