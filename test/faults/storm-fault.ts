import type { Cluster } from '../helpers/cluster.ts';
import { Storm } from './storm.ts';
import { clientLines, cpuDelta, cpuSeconds, gatewayLines, tcpCounters, tcpDelta } from './storm-report.ts';

/** SDK clients on the gateway that is killed, and processes they are spread over (issue 16). */
const STORM_CLIENTS = Number(process.env.FAULTS_STORM_CLIENTS ?? 5000);
const STORM_PROCESSES = 5;
/** Source addresses, so that no one address holds more than a few hundred connections. */
const STORM_ADDRESSES = Array.from({ length: 25 }, (_, i) => `127.0.0.${i + 2}`);
/**
 * Issue 16's bound: every storm client has a session on another gateway within this of the
 * kill, or the case fails. 9.4-16.7 s on the 2-core test machine (shared with other work)
 * once the gateway's listen backlog held the storm's wave; before, SYNs dropped from a full
 * accept queue and retried 1, 3, 7, 15 s later made it 27-48 s on a slow day.
 */
const STORM_TARGET_MS = 30_000;
/** How long the case waits for the last client, so that a miss reports how long it took (or how many never came). */
const STORM_DEADLINE_MS = 120_000;

/**
 * The reconnect storm: STORM_CLIENTS SDK clients (in STORM_PROCESSES processes, bound to
 * 127.0.0.2-26) connect to gw-1, which is then SIGKILLed and stays down until all of them
 * have a session on gw-2 (or the deadline passes). The suite's load keeps sending
 * throughout, so the checker proves nothing acknowledged was lost, duplicated or reordered
 * while the survivor took the storm. The fault fails if a client is not back within
 * STORM_TARGET_MS, or if a client gave up (a hello refused beyond the SDK's retries); the
 * time all took is reported, with where it went (storm-report.ts):
 * the clients' redials, upgrades and hellos, what ended the connections that failed, the
 * machine's listen-queue counters, each process's CPU time and the survivor's metrics.
 */
export function stormFault(log: (line: string) => void) {
  let storm: Storm | undefined;
  let killedAt = 0;
  let backMs: number | undefined;
  let gaveUp = 0;
  let missing = 0;
  let tcpBefore: Record<string, number> = {};
  let cpuBefore: Record<string, number> = {};
  /** The processes whose CPU time the storm is told apart by: the survivor, each service, the clients. */
  const processes = (c: Cluster): Record<string, number> => {
    const out: Record<string, number> = { [c.gateways[1].id]: c.gateways[1].proc.pid };
    for (const [name, procs] of Object.entries(c.services))
      procs.forEach((p, i) => {
        out[`${name}-${i + 1}`] = p.pid;
      });
    storm?.pids.forEach((pid, i) => {
      out[`clients-${i + 1}`] = pid;
    });
    return out;
  };
  return {
    name: 'gateway storm',
    targetMs: 5000,
    async setup(c: Cluster) {
      storm = new Storm({
        clients: STORM_CLIENTS,
        processes: STORM_PROCESSES,
        urls: [c.gateways[0].url, c.gateways[1].url],
        addresses: STORM_ADDRESSES,
      });
      const t0 = Date.now();
      const s = await storm.connect();
      log(
        `gateway storm: ${s.clients} SDK clients in ${STORM_PROCESSES} processes connected in ${Date.now() - t0} ms` +
          ` (${JSON.stringify(s.open)}, ${s.disconnects} retried connections)`,
      );
    },
    kill: async (c: Cluster) => {
      tcpBefore = await tcpCounters();
      cpuBefore = await cpuSeconds(processes(c));
      killedAt = Date.now();
      return c.gateways[0].proc.kill('SIGKILL');
    },
    async whileDown(c: Cluster) {
      const ok = await storm!.allOn(c.gateways[1].id, STORM_DEADLINE_MS - (Date.now() - killedAt));
      const s = await storm!.report();
      const tcpAfter = await tcpCounters();
      const cpuAfter = await cpuSeconds(processes(c));
      backMs = ok ? Date.now() - killedAt : undefined;
      gaveUp = s.gaveUp;
      missing = STORM_CLIENTS - (s.open[c.gateways[1].id] ?? 0);
      log(
        `gateway storm: ${ok ? `all ${STORM_CLIENTS} back on ${c.gateways[1].id} ${backMs} ms after the kill (target ${STORM_TARGET_MS} ms: ${backMs! <= STORM_TARGET_MS ? 'met' : 'NOT met'})` : `${missing} not back within ${STORM_DEADLINE_MS} ms`}` +
          `; ${s.disconnects} connections retried, ${s.gaveUp} clients gave up${s.firstError ? ` (first error: ${s.firstError})` : ''}`,
      );
      // Where the time went, on both sides: the numbers issue 16 is argued with.
      for (const line of clientLines(s, killedAt)) log(`gateway storm: clients: ${line}`);
      log(`gateway storm: machine's TCP counters over the storm: ${tcpDelta(tcpBefore, tcpAfter)}`);
      log(`gateway storm: CPU time over the storm: ${cpuDelta(cpuBefore, cpuAfter)}`);
      const gw = await gatewayLines(c.gateways[1].metrics).catch((err: unknown) => [`unreadable: ${err}`]);
      for (const line of gw) log(`gateway storm: ${c.gateways[1].id}: ${line}`);
    },
    restart: (c: Cluster) => c.gateways[0].proc.restart(),
    probe: (c: Cluster) => [c.gateways[0].url],
    logs: (c: Cluster) => c.gateways[1].proc.logs(),
    problems(): string[] {
      const out: string[] = [];
      if (backMs === undefined)
        out.push(`storm: ${missing} clients not back on the other gateway within ${STORM_DEADLINE_MS} ms`);
      else if (backMs > STORM_TARGET_MS)
        out.push(`storm: all back only ${backMs} ms after the kill, past the ${STORM_TARGET_MS} ms bound`);
      if (gaveUp > 0) out.push(`storm: ${gaveUp} clients gave up (a hello failed beyond the SDK's retries)`);
      return out;
    },
    async teardown() {
      await storm?.close();
      storm = undefined;
    },
  };
}
