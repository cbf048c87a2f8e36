import { token } from '../helpers/cluster.ts';
import type { Acked, HistoryMessage, Receiver } from './checker.ts';
import type { LoadClient, SendRecord } from './load-client.ts';

/**
 * Every message of `conv`, oldest first, through the public history API of the first
 * gateway in `https` that answers (as `user`, a member). Retries while the system recovers.
 */
export async function readHistory(
  https: string[],
  conv: string,
  user: string,
  timeoutMs = 60_000,
): Promise<HistoryMessage[]> {
  const deadline = Date.now() + timeoutMs;
  const auth = { authorization: `Bearer ${await token(user)}` };
  let lastError: unknown;
  for (let attempt = 0; Date.now() < deadline; attempt++) {
    const base = https[attempt % https.length];
    try {
      const out: HistoryMessage[] = [];
      let after = 0;
      for (;;) {
        const url = `${base}/v1/conversations/${encodeURIComponent(conv)}/messages?after=${after}&limit=200`;
        const res = await fetch(url, { headers: auth, signal: AbortSignal.timeout(10_000) });
        if (res.status !== 200) throw new Error(`${url}: ${res.status} ${await res.text()}`);
        const body = (await res.json()) as { messages: HistoryMessage[]; more: boolean };
        for (const m of body.messages) {
          const { conv, seq, mid, from, cid, ver, text, deleted, reactions } = m;
          out.push({ conv, seq, mid, from, cid, ver, text, deleted, reactions });
        }
        if (!body.more || body.messages.length === 0) return out;
        after = body.messages[body.messages.length - 1].seq;
      }
    } catch (err) {
      lastError = err;
      await new Promise((r) => setTimeout(r, 250));
    }
  }
  throw new Error(`could not read the history of ${conv} within ${timeoutMs} ms`, { cause: lastError });
}

/** The sends that got a result, as the checker wants them. */
export function ackedOf(sends: SendRecord[]): Acked[] {
  return sends
    .filter((s) => s.result)
    .map((s) => ({ user: s.user, cid: s.cid, conv: s.result!.conv, seq: s.result!.seq, mid: s.result!.mid }));
}

export function receiverOf(c: LoadClient, convs: string[]): Receiver {
  return {
    user: c.user,
    convs,
    received: new Map(
      convs.map((conv) => [conv, c.messages(conv).map((m) => ({ seq: m.seq, mid: m.mid, from: m.from }))]),
    ),
    orderViolations: c.orderViolations.length,
  };
}

/**
 * Waits until every client was handed every message of its conversations from others
 * (as history has them), or the deadline passes: the checker then counts what is missing.
 */
export async function waitDelivered(
  clients: { client: LoadClient; convs: string[] }[],
  history: Map<string, HistoryMessage[]>,
  timeoutMs = 30_000,
): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const missing = clients.some(({ client, convs }) =>
      convs.some((conv) => {
        const have = new Set(client.messages(conv).map((m) => m.seq));
        return (history.get(conv) ?? []).some((m) => m.from !== client.user && !have.has(m.seq));
      }),
    );
    if (!missing) return true;
    if (Date.now() > deadline) return false;
    await new Promise((r) => setTimeout(r, 100));
  }
}
