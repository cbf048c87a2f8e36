import type { Bus, Subscription } from '@natter/bus';
import { decode } from '@natter/contracts';
import { TRACE_HEADER } from '@natter/log';
import { NatterError } from '@natter/protocol';
import { expect } from 'vitest';

export interface Seen {
  subject: string;
  trace: string | undefined;
  body: unknown;
}

/** Records every event on `subject` (wildcards allowed) into `seen`, in arrival order. */
export function record(bus: Bus, subject: string, seen: Seen[] = []): { seen: Seen[]; sub: Subscription } {
  const sub = bus.subscribe(subject, (msg) => {
    // Request inboxes and rooms.* requests are not events.
    if (msg.reply) return;
    seen.push({ subject: msg.subject, trace: msg.headers?.[TRACE_HEADER], body: decode(msg.data) });
  });
  return { seen, sub };
}

/** Polls `check` until it stops throwing, or rethrows its last error after `ms`. */
export async function eventually(check: () => void | Promise<void>, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms;
  for (;;) {
    try {
      await check();
      return;
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await new Promise((r) => setTimeout(r, 10));
    }
  }
}

export async function expectCode(p: Promise<unknown>, code: string, message?: RegExp): Promise<void> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err, `expected a NatterError ${code}`).toBeInstanceOf(NatterError);
  expect((err as NatterError).code).toBe(code);
  if (message) expect((err as NatterError).message).toMatch(message);
}
