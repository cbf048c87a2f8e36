import type { RpcClient } from '@natter/contracts';
import { transaction } from '@natter/db';
import { logEvents } from '@natter/events';
import type { Logger } from '@natter/log';
import type pg from 'pg';
import { type Device, devicesOf, dropDevice } from './devices.ts';
import type { PushMetrics } from './metrics.ts';
import { noticeOf, type PendingPush } from './notice.ts';
import type { Outcome, Provider } from './providers/types.ts';

const BATCH = 100;
/** A pushed conversation is checked for a `read` (to clear it) at most this often. */
const CLEAR_CHECK_MS = 2000;
/** A pushed conversation nobody reads is forgotten after this long. */
const FORGET_HOURS = 72;

export interface DispatchOptions {
  pool: pg.Pool;
  rpc: RpcClient;
  providers: Partial<Record<Device['provider'], Provider>>;
  /** NATTER_PUSH_WEBHOOK: log push.needed instead of sending. */
  webhook: boolean;
  log: Logger;
  metrics: PushMetrics;
}

interface Row {
  user_id: string;
  conv: string;
  count: number;
  last_seq: string;
  mid: string;
  sender: string;
  body: string;
}

const pending = (r: Row): PendingPush => ({
  user: r.user_id,
  conv: r.conv,
  count: r.count,
  seq: Number(r.last_seq),
  mid: r.mid,
  from: r.sender,
  text: r.body,
});

/** Each row's markers, asked of history once per conversation. */
async function markersOf(o: DispatchOptions, rows: Row[]) {
  const byConv = new Map<string, Row[]>();
  for (const r of rows) byConv.set(r.conv, [...(byConv.get(r.conv) ?? []), r]);
  const out = new Map<Row, { read: number; received: number }>();
  for (const [conv, list] of byConv) {
    const { markers } = await o.rpc.call('historyMarkers', { v: 1, conv, users: list.map((r) => r.user_id) });
    list.forEach((r, i) => {
      out.set(r, markers[i] ?? { read: 0, received: 0 });
    });
  }
  return out;
}

/**
 * The decision for every pending push whose delay has passed: nothing when one of the
 * user's sessions has `received` (or read) the latest message, else one collapsed push to
 * each device (or a push.needed event). A row is marked pushed only if no newer message
 * came meanwhile (`last_seq` unchanged); one that did stays due and is pushed next round.
 * A crash between the send and the mark sends again: at least once.
 */
export async function dispatchDue(o: DispatchOptions): Promise<number> {
  const { rows } = await o.pool.query<Row>(
    `SELECT user_id, conv, count, last_seq, mid, sender, body FROM push_pending
      WHERE due_at <= now() ORDER BY due_at LIMIT $1`,
    [BATCH],
  );
  if (rows.length === 0) return 0;
  const markers = await markersOf(o, rows);
  const devices = o.webhook
    ? new Map<string, Device[]>()
    : await devicesOf(
        o.pool,
        rows.map((r) => r.user_id),
      );
  for (const r of rows) {
    const p = pending(r);
    const m = markers.get(r)!;
    const key = [r.user_id, r.conv, r.last_seq];
    if (m.received >= p.seq) {
      o.metrics.decisions.inc({ outcome: 'received' });
      await o.pool.query('DELETE FROM push_pending WHERE user_id = $1 AND conv = $2 AND last_seq = $3', key);
      continue;
    }
    // What the user's devices have not got yet, of what this row collapsed.
    p.count = Math.max(1, Math.min(p.count, p.seq - m.received));
    if (o.webhook) await logNeeded(o.pool, p);
    else await sendAll(o, devices.get(p.user) ?? [], p);
    o.metrics.decisions.inc({ outcome: 'pushed' });
    await o.pool.query(
      `UPDATE push_pending SET due_at = NULL, count = $4, checked_at = now()
        WHERE user_id = $1 AND conv = $2 AND last_seq = $3`,
      [...key, p.count],
    );
  }
  return rows.length;
}

/**
 * Pushed conversations: once the user has read past them, withdraw the notification where
 * the provider can (Web Push, FCM) and forget the row; a `received` past them also ends
 * the count (the next message starts a new one).
 */
export async function clearRead(o: DispatchOptions): Promise<number> {
  await o.pool.query(
    `DELETE FROM push_pending WHERE due_at IS NULL AND checked_at < now() - make_interval(hours => $1)`,
    [FORGET_HOURS],
  );
  const { rows } = await o.pool.query<Row>(
    `SELECT user_id, conv, count, last_seq, mid, sender, body FROM push_pending
      WHERE due_at IS NULL AND checked_at < now() - make_interval(secs => $1)
      ORDER BY checked_at LIMIT $2`,
    [CLEAR_CHECK_MS / 1000, BATCH],
  );
  if (rows.length === 0) return 0;
  const markers = await markersOf(o, rows);
  const read = rows.filter((r) => markers.get(r)!.read >= Number(r.last_seq));
  const devices = o.webhook
    ? new Map<string, Device[]>()
    : await devicesOf(
        o.pool,
        read.map((r) => r.user_id),
      );
  for (const r of rows) {
    const m = markers.get(r)!;
    const key = [r.user_id, r.conv, r.last_seq];
    if (m.read >= Number(r.last_seq)) {
      for (const d of devices.get(r.user_id) ?? []) {
        const clear = o.providers[d.provider]?.clear;
        if (clear) await outcome(o, d, () => clear.call(o.providers[d.provider], d, r.conv), 'clear');
      }
    }
    if (m.received >= Number(r.last_seq)) {
      await o.pool.query(
        'DELETE FROM push_pending WHERE user_id = $1 AND conv = $2 AND last_seq = $3 AND due_at IS NULL',
        key,
      );
    } else {
      await o.pool.query(
        'UPDATE push_pending SET checked_at = now() WHERE user_id = $1 AND conv = $2 AND last_seq = $3',
        key,
      );
    }
  }
  return rows.length;
}

async function sendAll(o: DispatchOptions, devices: Device[], p: PendingPush): Promise<void> {
  const notice = noticeOf(p);
  await Promise.all(
    devices.map((d) => {
      const provider = o.providers[d.provider];
      if (!provider) {
        o.metrics.sends.inc({ provider: d.provider, outcome: 'unconfigured' });
        return undefined;
      }
      return outcome(o, d, () => provider.send(d, notice), 'send');
    }),
  );
}

/** Runs one provider call: counts it, and unregisters a device the provider says is gone. */
async function outcome(
  o: DispatchOptions,
  d: Device,
  call: () => Promise<Outcome>,
  what: 'send' | 'clear',
): Promise<void> {
  let result: Outcome;
  try {
    result = await call();
  } catch (err) {
    o.log.warn({ err, provider: d.provider, device: d.id, user: d.user }, `push ${what} failed; not retried`);
    result = 'failed';
  }
  o.metrics.sends.inc({ provider: d.provider, outcome: result });
  if (result === 'gone') {
    o.log.info({ provider: d.provider, device: d.id, user: d.user }, 'push device gone; unregistered');
    await dropDevice(o.pool, d.id);
  }
}

/** NATTER_PUSH_WEBHOOK: the decision as a push.needed event in the log (section 5). */
async function logNeeded(pool: pg.Pool, p: PendingPush): Promise<void> {
  const data = {
    user: p.user,
    conv: p.conv,
    seq: p.seq,
    mid: p.mid,
    from: p.from,
    text: p.text,
    count: p.count,
  };
  await transaction(pool, async (c) => {
    await logEvents(c, [{ type: 'push.needed', data }]);
    return { value: undefined, commit: true };
  });
}
