import { type ChildProcess, fork } from 'node:child_process';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { emptyStormStatus } from './storm-report.ts';
import type { StormCommand, StormStatus } from './storm-worker.ts';

const TSX_LOADER = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
const WORKER = new URL('./storm-worker.ts', import.meta.url).pathname;

export interface StormOptions {
  clients: number;
  processes: number;
  /** Gateway URLs in the order each client dials them (the first is where they all start). */
  urls: string[];
  /** Source addresses the clients' sockets are bound to, round robin (127.0.0.x). */
  addresses: string[];
}

/**
 * The fault suite's reconnect storm: `clients` SDK users in `processes` child processes
 * (each under the machine's per-process descriptor cap), all on one gateway, that the
 * suite then kills. `status()` merges what every process reports.
 */
export class Storm {
  private readonly procs: ChildProcess[] = [];
  private nextId = 1;
  private readonly waiting = new Map<number, { resolve(s: StormStatus): void; reject(e: Error): void }>();

  constructor(private readonly opts: StormOptions) {}

  /** Forks the processes and connects every client (to the first URL); resolves with the status then. */
  async connect(): Promise<StormStatus> {
    const per = Math.ceil(this.opts.clients / this.opts.processes);
    const jobs: Promise<StormStatus>[] = [];
    for (let p = 0; p < this.opts.processes; p++) {
      const proc = fork(WORKER, [], {
        execArgv: ['--import', TSX_LOADER, '--max-old-space-size=1024'],
        stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      });
      proc.on('message', (m: { id: number; result: StormStatus }) => {
        this.waiting.get(m.id)?.resolve(m.result);
        this.waiting.delete(m.id);
      });
      proc.on('exit', (code) => {
        for (const w of this.waiting.values()) w.reject(new Error(`a storm process exited (${code})`));
        this.waiting.clear();
      });
      this.procs.push(proc);
      const users = Array.from(
        { length: Math.min(per, this.opts.clients - p * per) },
        (_, i) => `storm-${p}-${String(i).padStart(4, '0')}`,
      );
      jobs.push(
        this.ask(proc, {
          cmd: 'connect',
          users,
          urls: this.opts.urls,
          addresses: this.opts.addresses,
          concurrency: 50,
        }),
      );
    }
    return merge(await Promise.all(jobs));
  }

  /** The processes' ids (to read their CPU time). */
  get pids(): number[] {
    return this.procs.map((p) => p.pid ?? 0);
  }

  async status(): Promise<StormStatus> {
    return merge(await Promise.all(this.procs.map((p) => this.ask(p, { cmd: 'status' }))));
  }

  /** The status with every client's timings (storm-worker.ts), for the report. */
  async report(): Promise<StormStatus> {
    return merge(await Promise.all(this.procs.map((p) => this.ask(p, { cmd: 'report' }))));
  }

  /** Polls until every client has a session on `gateway` (true) or `ms` passed (false). */
  async allOn(gateway: string, ms: number): Promise<boolean> {
    const deadline = Date.now() + ms;
    for (;;) {
      const s = await this.status();
      if ((s.open[gateway] ?? 0) >= this.opts.clients) return true;
      if (Date.now() > deadline) return false;
      await new Promise((r) => setTimeout(r, 250));
    }
  }

  async close(): Promise<void> {
    await Promise.all(
      this.procs.map((p) =>
        // A process that is still closing its clients after 3 s is killed; its answer no longer matters.
        Promise.race([
          this.ask(p, { cmd: 'close' }).catch(() => undefined),
          new Promise((r) => setTimeout(r, 3000)),
        ]).finally(() => p.kill('SIGKILL')),
      ),
    );
  }

  private ask(proc: ChildProcess, cmd: StormCommand): Promise<StormStatus> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.waiting.set(id, { resolve, reject });
      proc.send({ ...cmd, id });
    });
  }
}

function merge(all: StormStatus[]): StormStatus {
  const out = emptyStormStatus();
  for (const s of all) {
    for (const [why, n] of Object.entries(s.ends)) out.ends[why] = (out.ends[why] ?? 0) + n;
    out.backMs.push(...s.backMs);
    out.tries.push(...s.tries);
    out.lostAt.push(...s.lostAt);
    out.redialAt.push(...s.redialAt);
    out.upgradeMs.push(...s.upgradeMs);
    out.helloMs.push(...s.helloMs);
    out.lagMaxMs = Math.max(out.lagMaxMs, s.lagMaxMs);
    for (const [gw, n] of Object.entries(s.open)) out.open[gw] = (out.open[gw] ?? 0) + n;
    out.clients += s.clients;
    out.disconnects += s.disconnects;
    out.gaveUp += s.gaveUp;
    out.firstError ??= s.firstError;
  }
  return out;
}
