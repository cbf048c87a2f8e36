import { randomBytes } from 'node:crypto';
import type { PushDevice, PushRegisterRequest } from '@natter/contracts';
import { transaction } from '@natter/db';
import { MAX_PUSH_DEVICES, NatterError } from '@natter/protocol';
import type pg from 'pg';

/** A registered device as the providers use it. */
export type Device = { id: string; user: string } & PushDevice;

interface Row {
  id: string;
  user_id: string;
  provider: 'webpush' | 'fcm' | 'apns';
  address: string;
  keys: { p256dh: string; auth: string } | null;
}

/** `d_` + 20 random base62-ish characters (base64url without - and _). */
function newDeviceId(): string {
  return `d_${randomBytes(18).toString('base64url').replace(/[-_]/g, '').slice(0, 20)}`;
}

function toDevice(r: Row): Device {
  return r.provider === 'webpush'
    ? {
        id: r.id,
        user: r.user_id,
        provider: 'webpush',
        subscription: { endpoint: r.address, keys: r.keys ?? { p256dh: '', auth: '' } },
      }
    : { id: r.id, user: r.user_id, provider: r.provider, token: r.address };
}

/**
 * Registers a device for its user (the gateway's schema checked every field). The same
 * endpoint or token again keeps its id and moves to this user; past MAX_PUSH_DEVICES the
 * user's oldest go, in the same transaction, so two registrations at once cannot pass it.
 */
export async function registerDevice(pool: pg.Pool, req: PushRegisterRequest): Promise<string> {
  const address = req.provider === 'webpush' ? req.subscription.endpoint : req.token;
  const keys = req.provider === 'webpush' ? JSON.stringify(req.subscription.keys) : null;
  return transaction(pool, async (c) => {
    // Serializes one user's registrations (the count below is then exact).
    await c.query("SELECT pg_advisory_xact_lock(hashtext('push:' || $1))", [req.user]);
    const { rows } = await c.query<{ id: string }>(
      `INSERT INTO push_devices (id, user_id, provider, address, keys) VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (provider, address) DO UPDATE
         SET user_id = EXCLUDED.user_id, keys = EXCLUDED.keys, created_at = clock_timestamp()
       RETURNING id`,
      [newDeviceId(), req.user, req.provider, address, keys],
    );
    await c.query(
      `DELETE FROM push_devices WHERE id IN (
         SELECT id FROM push_devices WHERE user_id = $1 ORDER BY created_at DESC OFFSET $2)`,
      [req.user, MAX_PUSH_DEVICES],
    );
    return { value: rows[0]!.id, commit: true };
  });
}

/** Removes one of the user's own devices; another user's (or none) is `not_found`. */
export async function unregisterDevice(pool: pg.Pool, user: string, device: string): Promise<void> {
  const { rowCount } = await pool.query('DELETE FROM push_devices WHERE id = $1 AND user_id = $2', [
    device,
    user,
  ]);
  if (!rowCount) throw new NatterError('not_found', `device: you have no device ${device}`);
}

/** A device the provider reported gone. */
export async function dropDevice(pool: pg.Pool, id: string): Promise<void> {
  await pool.query('DELETE FROM push_devices WHERE id = $1', [id]);
}

/** The devices of each given user. */
export async function devicesOf(pool: pg.Pool, users: string[]): Promise<Map<string, Device[]>> {
  const out = new Map<string, Device[]>();
  if (users.length === 0) return out;
  const { rows } = await pool.query<Row>(
    'SELECT id, user_id, provider, address, keys FROM push_devices WHERE user_id = ANY($1::text[])',
    [users],
  );
  for (const r of rows) {
    const list = out.get(r.user_id) ?? [];
    list.push(toDevice(r));
    out.set(r.user_id, list);
  }
  return out;
}

/** Of `users`, those with at least one device. */
export async function usersWithDevices(pool: pg.Pool, users: string[]): Promise<Set<string>> {
  if (users.length === 0) return new Set();
  const { rows } = await pool.query<{ user_id: string }>(
    'SELECT DISTINCT user_id FROM push_devices WHERE user_id = ANY($1::text[])',
    [users],
  );
  return new Set(rows.map((r) => r.user_id));
}
