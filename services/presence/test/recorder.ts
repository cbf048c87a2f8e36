import type { Bus, Subscription } from '@natter/bus';
import { decode } from '@natter/contracts';

/** Records every event on some subjects, decoded, for assertions. */
export class Recorder<T = unknown> {
  readonly events: { subject: string; data: T }[] = [];
  private readonly sub: Subscription;

  constructor(bus: Bus, subject: string) {
    this.sub = bus.subscribe(subject, (msg) => {
      this.events.push({ subject: msg.subject, data: decode<T>(msg.data) });
    });
  }

  of(subject: string): T[] {
    return this.events.filter((e) => e.subject === subject).map((e) => e.data);
  }

  /** Resolves with the first recorded event matching, waiting up to `ms`. */
  async next(match: (e: { subject: string; data: T }) => boolean, ms = 5000): Promise<T> {
    const deadline = Date.now() + ms;
    for (;;) {
      const found = this.events.find(match);
      if (found) return found.data;
      if (Date.now() > deadline) {
        throw new Error(`no matching event within ${ms} ms; got ${JSON.stringify(this.events)}`);
      }
      await new Promise((r) => setTimeout(r, 5));
    }
  }

  clear(): void {
    this.events.length = 0;
  }

  close(): void {
    this.sub.unsubscribe();
  }
}

export async function until(what: string, check: () => boolean | Promise<boolean>, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}
