import type { LoggedEvent } from '@natter/events';
import { API_KEY, type Cluster } from '../helpers/cluster.ts';
import { WebhookReceiver } from '../helpers/webhook-receiver.ts';
import type { Acked, HistoryMessage } from './checker.ts';
import { sleep } from './load.ts';

/** The fault suite's one webhook receiver (acknowledges everything) and the hooks settings for it. */
export const WEBHOOK_SECRET = `whsec_${Buffer.from('natter-faults-webhook-secret-32b!!').toString('base64')}`;
export const webhookReceiver = new WebhookReceiver(WEBHOOK_SECRET);
export function webhookEnv(url: string): Record<string, string> {
  return {
    NATTER_WEBHOOK_URLS: url,
    NATTER_WEBHOOK_SECRET: WEBHOOK_SECRET,
    NATTER_WEBHOOK_BACKOFF_MS: '100',
    NATTER_WEBHOOK_POLL_MS: '100',
  };
}

/** How long after the phase every logged event must have reached the receiver. */
const DELIVERED_WITHIN_MS = 30_000;

export interface PhaseOutcome {
  cluster: Cluster;
  acked: Acked[];
  history: Map<string, HistoryMessage[]>;
}

/** Every event of the log after `after`, oldest first, through GET /v1/events. */
async function readLog(
  c: Cluster,
  after: string | undefined,
): Promise<{ events: LoggedEvent[]; next?: string }> {
  const events: LoggedEvent[] = [];
  let cursor = after;
  for (;;) {
    const q = `limit=1000${cursor ? `&after=${cursor}` : ''}`;
    const res = await fetch(`${c.gateways[1]!.http}/v1/events?${q}`, {
      headers: { authorization: `Bearer ${API_KEY}` },
    });
    if (res.status !== 200) throw new Error(`GET /v1/events: ${res.status} ${await res.text()}`);
    const body = (await res.json()) as { events: LoggedEvent[]; next?: string };
    if (body.events.length === 0) return { events, next: cursor };
    events.push(...body.events);
    cursor = body.next;
  }
}

/**
 * Issue 14's fault: under the suite's steady stream of messages, SIGKILL the hooks service
 * (restarted after a second and a half), then history. Then, for the events logged since
 * the phase began: every one reaches the receiver at least once (signature checked),
 * every message.created names a message history has (nothing logged that did not
 * happen), each message is logged once, and every acknowledged message is logged.
 */
export function webhookFault(log: (line: string) => void) {
  let start: string | undefined;
  return {
    name: 'hooks then history',
    targetMs: 5000,
    async setup(c: Cluster) {
      start = (await readLog(c, undefined)).next;
    },
    async kill(c: Cluster) {
      await c.services.hooks[0]!.kill('SIGKILL');
      await sleep(1500);
      await c.services.hooks[0]!.restart();
      log('hooks then history: hooks back; SIGKILL history');
      await c.services.history[0]!.kill('SIGKILL');
    },
    restart: (c: Cluster) => c.services.history[0]!.restart(),
    logs: (c: Cluster) => `${c.services.hooks[0]!.logs()}\n${c.services.history[0]!.logs()}`,
    async problems({ cluster, acked, history }: PhaseOutcome): Promise<string[]> {
      const out: string[] = [];
      const { events } = await readLog(cluster, start);
      const deadline = Date.now() + DELIVERED_WITHIN_MS;
      let missing = events.filter((e) => !webhookReceiver.has(e.id));
      while (missing.length && Date.now() < deadline) {
        await sleep(200);
        missing = missing.filter((e) => !webhookReceiver.has(e.id));
      }
      for (const e of missing.slice(0, 5))
        out.push(`webhook: ${e.id} (${e.type}) logged but never delivered`);
      if (missing.length > 5) out.push(`webhook: ${missing.length} logged events never delivered`);
      if (webhookReceiver.badSignatures) out.push(`webhook: ${webhookReceiver.badSignatures} bad signatures`);
      const created = events.filter((e) => e.type === 'message.created');
      const byConvSeq = new Map<string, string>();
      for (const [conv, msgs] of history) for (const m of msgs) byConvSeq.set(`${conv}#${m.seq}`, m.mid);
      const loggedMids = new Map<string, number>();
      for (const e of created) {
        const d = e.data;
        loggedMids.set(d.mid, (loggedMids.get(d.mid) ?? 0) + 1);
        const mid = byConvSeq.get(`${d.conv}#${d.seq}`);
        // Conversations outside the suite's load (none today) are not in `history`.
        if (history.has(d.conv) && mid !== d.mid) {
          out.push(`webhook: ${e.id} logs ${d.conv}#${d.seq} (${d.mid}), which history does not have`);
        }
      }
      for (const [mid, n] of loggedMids) if (n > 1) out.push(`webhook: message ${mid} logged ${n} times`);
      const unlogged = acked.filter((a) => !loggedMids.has(a.mid));
      for (const a of unlogged.slice(0, 5)) {
        out.push(`webhook: ${a.user}/${a.cid} acknowledged as ${a.conv}#${a.seq} but not in the event log`);
      }
      log(
        `hooks then history: ${events.length} events logged in the phase (${created.length} message.created), ` +
          `${events.length - missing.length} delivered, ${acked.length - unlogged.length}/${acked.length} acknowledged logged`,
      );
      if (events.length === 0)
        out.push('webhook: nothing was logged in the phase (the check proved nothing)');
      return out;
    },
  };
}
