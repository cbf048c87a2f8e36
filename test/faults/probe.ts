import { token } from '../helpers/cluster.ts';
import { RawClient } from '../helpers/ws-client.ts';
import type { Acked } from './checker.ts';
import { sleep } from './load.ts';

export const PROBE_ROOM = 'fprobe';
export const PROBE_USERS = ['probe-a', 'probe-b'] as const;
export const PROBE_CONVS = [`room:${PROBE_ROOM}`, `dm:${PROBE_USERS[0]}:${PROBE_USERS[1]}`];

/**
 * Measures "time until sends succeed again": a fresh connection to each given gateway
 * (hello, which needs rooms, history and presence) that sends a DM and a room message,
 * tried every 100 ms until all of it succeeds. What it sends is acknowledged like any
 * load message, so it is checked against history too.
 */
export class Probe {
  readonly acked: Acked[] = [];
  private n = 0;

  /** Makes the probe users members of the probe room. */
  async setup(url: string): Promise<void> {
    for (const u of PROBE_USERS) {
      const { client } = await RawClient.hello(url, { token: await token(u) });
      await client.ok('join', { room: PROBE_ROOM });
      client.close();
    }
  }

  /** Ms from `since` until one full round through every gateway in `urls` succeeded. */
  async recovery(urls: string[], since: number, deadlineMs = 120_000): Promise<number | undefined> {
    while (Date.now() - since < deadlineMs) {
      if (await this.round(urls)) return Date.now() - since;
      await sleep(100);
    }
    return undefined;
  }

  private async round(urls: string[]): Promise<boolean> {
    for (const url of urls) {
      let c: RawClient | undefined;
      try {
        c = await RawClient.connect(url);
        const hello = await c.request('hello', { token: await token(PROBE_USERS[0]) }, 5000);
        if (hello.error) return false;
        for (const to of [`user:${PROBE_USERS[1]}`, `room:${PROBE_ROOM}`]) {
          const cid = `probe-${++this.n}`;
          const r = await c.request('send', { to, cid, text: 'probe' }, 5000);
          if (!r.result) return false;
          const res = r.result as { conv: string; seq: number; mid: string };
          this.acked.push({ user: PROBE_USERS[0], cid, conv: res.conv, seq: res.seq, mid: res.mid });
        }
      } catch {
        return false;
      } finally {
        c?.close();
      }
    }
    return true;
  }
}
