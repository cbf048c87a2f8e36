/**
 * The fault suite (`npm run test:faults`): DESIGN.md promises 1-4 and 7 under crashes.
 *
 * A cluster of real processes (two gateways, history, rooms, presence, hooks delivering
 * the event log to a webhook receiver, nats-server, redis-server, Postgres) carries a
 * steady load of SDK clients sending DMs and room messages, editing their own and reacting
 * to others', while one part at a time is SIGKILLed and restarted. After each fault the
 * load pauses, and the checker proves from the clients' results and what they received:
 * every acknowledged message is in history exactly once, seqs have no gaps, every client
 * got every message of its conversations once and in order, and every acknowledged edit
 * (current text, ver) and reaction (listed once) is in history exactly once. Prints a table; exits
 * 1 if anything was lost, duplicated or out of order (recovery times are reported against
 * their targets, not failed on: the machine is shared).
 *
 * The load keeps going after each fault, so a message whose live delivery was lost is
 * healed by the next one in its conversation (the gateway fills the gap from history).
 * The "quiet tail" column looks at the other case: one DM sent during the outage in a
 * conversation that then stays quiet. Its connected recipient must get it live within 5 s
 * of the later of the part's return and the DM's acknowledgement (a live delivery lost
 * with the broker is repaired by the gateways' position check, run at once after every
 * reconnect), or the fault fails.
 */
import { stopAll } from '@natter/testkit';
import { type Cluster, startCluster } from '../helpers/cluster.ts';
import { checkChanges, checkExactVers } from './change-checker.ts';
import { type CheckResult, check, clean } from './checker.ts';
import { ackedOf, readHistory } from './collect.ts';
import { Load, sleep } from './load.ts';
import { LoadClient } from './load-client.ts';
import { PROBE_CONVS, PROBE_USERS, Probe } from './probe.ts';
import { stormFault } from './storm-fault.ts';
import { formatTable, QUIET_TAIL_MS, type Row } from './table.ts';
import { type PhaseOutcome, webhookEnv, webhookFault, webhookReceiver } from './webhook-fault.ts';

const CLIENTS = Number(process.env.FAULTS_CLIENTS ?? 24);
const INTERVAL_MS = Number(process.env.FAULTS_INTERVAL_MS ?? 800);
/** Load before the kill, time the part stays down, load after it is back. */
const BEFORE_MS = 3000;
const DOWN_MS = 3000;
const AFTER_MS = 3000;

interface Fault {
  name: string;
  kill(c: Cluster): Promise<unknown>;
  restart(c: Cluster): Promise<unknown>;
  /** Gateways the recovery probe must get through (all by default). */
  probe?(c: Cluster): string[];
  targetMs: number;
  logs?(c: Cluster): string;
  /** Before the phase's load starts (the storm connects its clients). */
  setup?(c: Cluster): Promise<void>;
  /** Instead of the second half of DOWN_MS: what to wait for while the part is down. */
  whileDown?(c: Cluster): Promise<void>;
  /** Problems of the fault's own (the storm's deadline, the webhooks' checks); any fails the fault. */
  problems?(outcome: PhaseOutcome): string[] | Promise<string[]>;
  teardown?(): Promise<void>;
}

// The gateway goes last: the load is spread over both gateways until then, so the other
// faults hit cross-gateway routing too (after it, the clients of gw-1 are all on gw-2).
const FAULTS: Fault[] = [
  ...(['history', 'rooms', 'presence'] as const).map(
    (name): Fault => ({
      name,
      kill: (c) => c.services[name][0].kill('SIGKILL'),
      restart: (c) => c.services[name][0].restart(),
      targetMs: 5000,
      logs: (c) => c.services[name][0].logs(),
    }),
  ),
  { name: 'nats-server', kill: (c) => c.nats.kill(), restart: (c) => c.nats.restart(), targetMs: 5000 },
  { name: 'redis-server', kill: (c) => c.redis.kill(), restart: (c) => c.redis.restart(), targetMs: 5000 },
  { name: 'postgres', kill: (c) => c.pg.kill(), restart: (c) => c.pg.restart(), targetMs: 10_000 },
  {
    name: 'gateway gw-1',
    kill: (c) => c.gateways[0].proc.kill('SIGKILL'),
    restart: (c) => c.gateways[0].proc.restart(),
    probe: (c) => [c.gateways[0].url],
    targetMs: 5000,
    logs: (c) => c.gateways[0].proc.logs(),
  },
  webhookFault(log),
  stormFault(log),
];

function log(line: string): void {
  process.stdout.write(`[faults ${new Date().toISOString().slice(11, 23)}] ${line}\n`);
}

async function main(): Promise<number> {
  const only = process.env.FAULTS_ONLY?.split(',');
  const faults = only ? FAULTS.filter((f) => only.includes(f.name)) : FAULTS;
  log(`starting the cluster (2 gateways, 1 of each service, hooks, nats, redis, postgres)`);
  // The hooks service delivers the log to one receiver throughout (checked by its own fault).
  const cluster = await startCluster({
    gateways: 2,
    hooks: 1,
    env: webhookEnv(await webhookReceiver.start()),
  });
  const urls = cluster.gateways.map((g) => g.url);
  const https = () => cluster.gateways.map((g) => g.http);
  const load = new Load({ clients: CLIENTS, urls, intervalMs: INTERVAL_MS });
  const probe = new Probe();
  // The quiet-tail pair: a DM conversation that only gets one message per fault.
  const tailFrom = new LoadClient('tail-a', urls);
  const tailTo = new LoadClient('tail-b', [...urls].reverse());
  const tailConv = 'dm:tail-a:tail-b';
  const rows: Row[] = [];
  let ok = true;
  try {
    await probe.setup(urls[0]);
    await load.connect();
    await Promise.all([tailFrom.connect(), tailTo.connect()]);
    log(`${CLIENTS} SDK clients connected, one send each every ~${INTERVAL_MS} ms`);
    for (const fault of faults) {
      const history = await load.history(https());
      const floor = new Map([...history].map(([conv, msgs]) => [conv, msgs.at(-1)?.seq ?? 0]));
      const on = new Map<string, number>();
      for (const c of load.clients) on.set(c.gateway ?? '?', (on.get(c.gateway ?? '?') ?? 0) + 1);
      log(`${fault.name}: clients per gateway: ${[...on].map(([g, n]) => `${g} ${n}`).join(', ')}`);
      await fault.setup?.(cluster);
      const phaseStart = Date.now();
      const probeStart = probe.acked.length;
      load.start();
      await sleep(BEFORE_MS);
      log(`${fault.name}: SIGKILL`);
      await fault.kill(cluster);
      await sleep(DOWN_MS / 2);
      const tail = tailFrom.send(`user:${tailTo.user}`, `quiet tail: ${fault.name}`);
      await (fault.whileDown?.(cluster) ?? sleep(DOWN_MS / 2));
      await fault.restart(cluster);
      const back = Date.now();
      log(`${fault.name}: back; probing`);
      const queued = load.sends().filter((s) => s.issuedAt < back && !s.result && !s.error);
      const recoveryMs = await probe.recovery(fault.probe?.(cluster) ?? urls, back);
      await sleep(AFTER_MS);
      await load.stop();
      const settled = (await load.settled(60_000)) && (await tailSettled(tailFrom));
      const lastAck = Math.max(back, ...queued.map((s) => s.ackAt ?? Number.POSITIVE_INFINITY));
      const after = await load.history(https());
      for (const conv of PROBE_CONVS) after.set(conv, await readHistory(https(), conv, PROBE_USERS[0]));
      after.set(tailConv, await readHistory(https(), tailConv, tailFrom.user));
      const delivered = await load.delivered(after, 30_000);
      const acked = [...load.acked(phaseStart), ...probe.acked.slice(probeStart), ...ackedOf([tail])];
      const result: CheckResult = check({
        acked,
        history: after,
        receivers: load.receivers(),
        after: floor,
      });
      // Every acknowledged edit and reaction of the window is in history exactly once.
      const changes = checkChanges(load.ackedChanges(phaseStart), after);
      result.problems.push(...changes.problems);
      const failed = load.sends().filter((s) => s.issuedAt >= phaseStart && s.error);
      rows.push({
        fault: fault.name,
        result,
        failed: failed.length,
        changes,
        recoveryMs,
        targetMs: fault.targetMs,
        backlogMs: Number.isFinite(lastAck) ? lastAck - back : undefined,
        quietTail: tail.result
          ? await tailDelivered(tailTo, tailConv, tail.result.mid, Math.max(back, tail.ackAt ?? back), 15_000)
          : undefined,
      });
      // A window that checked nothing proves nothing.
      const own = (await fault.problems?.({ cluster, acked, history: after })) ?? [];
      result.problems.push(...own);
      await fault.teardown?.();
      const good =
        own.length === 0 &&
        clean(result) &&
        changes.wrong === 0 &&
        settled &&
        result.acknowledged > 0 &&
        result.delivered > 0 &&
        tailInTime(rows[rows.length - 1]);
      log(
        `${fault.name}: ${result.acknowledged} acknowledged, recovery ${recoveryMs ?? 'never'} ms` +
          `${settled ? '' : ', SENDS NEVER SETTLED'}${delivered ? '' : ', DELIVERY INCOMPLETE'}${good ? '' : ' -> FAILED'}`,
      );
      for (const p of result.problems) log(`  ${p}`);
      for (const f of failed.slice(0, 5)) log(`  send failed for good: ${f.user}/${f.cid}: ${f.error}`);
      if (!good) {
        ok = false;
        if (fault.logs)
          log(`last output of ${fault.name}:\n${fault.logs(cluster).split('\n').slice(-30).join('\n')}`);
      }
    }
    // The whole run at once: everything ever acknowledged, every delivery from the start.
    const history = await load.history(https());
    for (const conv of PROBE_CONVS) history.set(conv, await readHistory(https(), conv, PROBE_USERS[0]));
    history.set(tailConv, await readHistory(https(), tailConv, tailFrom.user));
    const total = check({
      acked: [...load.acked(), ...probe.acked, ...ackedOf(tailFrom.sends)],
      history,
      receivers: load.receivers(),
    });
    // And every change ever acknowledged, once: no message took a second ver for one.
    const acked = load.ackedChanges();
    const changes = checkChanges(acked, history);
    const exact = checkExactVers(acked, load.unsettledChanges(), history);
    changes.wrong += exact.wrong;
    total.problems.push(...changes.problems, ...exact.problems);
    for (const p of [...changes.problems, ...exact.problems]) log(`  whole run: ${p}`);
    rows.push({
      fault: 'whole run',
      result: total,
      failed: load.sends().filter((s) => s.error).length,
      changes,
    });
    log(`whole run: ${changes.changes} acknowledged changes, ${exact.changes} messages with exact vers`);
    if (!clean(total) || total.delivered === 0 || changes.wrong > 0 || changes.changes === 0) ok = false;
  } finally {
    load.close();
    tailFrom.close();
    tailTo.close();
    process.stdout.write(`\n${formatTable(rows)}\n\n`);
    await cluster.stop().catch(() => undefined);
    await stopAll().catch(() => undefined);
    await webhookReceiver.stop().catch(() => undefined);
  }
  const missed = rows.filter((r) => r.targetMs !== undefined && (r.recoveryMs ?? Infinity) > r.targetMs);
  if (missed.length)
    log(`recovery over target: ${missed.map((r) => r.fault).join(', ')} (reported, not failed)`);
  const quiet = rows.filter((r) => !tailInTime(r));
  if (quiet.length) {
    log(
      `quiet tail not delivered live in time after: ${quiet.map((r) => r.fault).join(', ')}: an acknowledged DM ` +
        `sent during the outage did not reach its connected recipient within ${QUIET_TAIL_MS / 1000} s of recovery`,
    );
  }
  log(ok ? 'PASS: nothing lost, duplicated or out of order' : 'FAIL: see the table and problems above');
  return ok ? 0 : 1;
}

/** The quiet tail (when measured) arrived live within QUIET_TAIL_MS of recovery. */
function tailInTime(r: Row): boolean {
  return r.quietTail === undefined || (r.quietTail !== false && r.quietTail <= QUIET_TAIL_MS);
}

/** Ms after `from` that the recipient got the quiet-tail DM live (waiting up to `ms`), or false. */
async function tailDelivered(
  to: LoadClient,
  conv: string,
  mid: string,
  from: number,
  ms: number,
): Promise<number | false> {
  const deadline = Date.now() + ms;
  for (;;) {
    const at = to.arrivedAt.get(mid);
    if (at !== undefined && to.messages(conv).some((m) => m.mid === mid)) return Math.max(0, at - from);
    if (Date.now() > deadline) return false;
    await sleep(100);
  }
}

/** The tail sender's sends all have a result (or failed for good), within a minute. */
async function tailSettled(c: LoadClient): Promise<boolean> {
  return Promise.race([c.settled().then(() => true), sleep(60_000).then(() => false)]);
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(
      `fault suite crashed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
    );
    process.exit(1);
  },
);
