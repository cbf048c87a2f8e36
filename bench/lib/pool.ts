import { type ChildProcess, fork } from 'node:child_process';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import type { Command, Progress, Reply } from './ipc.ts';

const TSX_LOADER = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
const WORKER = new URL('../worker.ts', import.meta.url).pathname;

/** A worker answered a command with an error, or died. */
export class WorkerError extends Error {
  override name = 'WorkerError';
}

interface Worker {
  proc: ChildProcess;
  progress: Progress;
  waiting: Map<number, { resolve(v: unknown): void; reject(err: Error): void }>;
}

/**
 * The load-generator worker processes. Commands go to one worker (`one`) or to all of them
 * (`all`, one command each, built per worker index); replies come back in order of workers.
 */
export class WorkerPool {
  private readonly workers: Worker[] = [];
  private nextId = 1;

  constructor(readonly size: number) {
    for (let i = 0; i < size; i++) {
      const proc = fork(WORKER, [], {
        // --expose-gc: the storm collects each worker's garbage before its measured messages.
        execArgv: ['--import', TSX_LOADER, '--max-old-space-size=2048', '--expose-gc'],
        stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      });
      const w: Worker = {
        proc,
        progress: { type: 'progress', sent: 0, received: 0, connected: 0 },
        waiting: new Map(),
      };
      proc.on('message', (m: Reply | Progress) => {
        if ('type' in m) {
          w.progress = m;
          return;
        }
        const p = w.waiting.get(m.id);
        if (!p) return;
        w.waiting.delete(m.id);
        if (m.ok) p.resolve(m.result);
        else p.reject(new WorkerError(`worker ${i}: ${m.error}`));
      });
      proc.on('exit', (code, signal) => {
        for (const p of w.waiting.values())
          p.reject(new WorkerError(`worker ${i} exited (${code ?? signal})`));
        w.waiting.clear();
      });
      this.workers.push(w);
    }
  }

  one<T>(index: number, command: Command): Promise<T> {
    const w = this.workers[index % this.size];
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      w.waiting.set(id, { resolve: resolve as (v: unknown) => void, reject });
      w.proc.send({ ...command, id });
    });
  }

  all<T>(build: (index: number) => Command | undefined): Promise<T[]> {
    return Promise.all(
      this.workers.map((_, i) => {
        const c = build(i);
        return c ? this.one<T>(i, c) : Promise.resolve(undefined as T);
      }),
    );
  }

  /** Counters summed over workers (since they started). */
  progress(): { sent: number; received: number; connected: number } {
    const t = { sent: 0, received: 0, connected: 0 };
    for (const w of this.workers) {
      t.sent += w.progress.sent;
      t.received += w.progress.received;
      t.connected += w.progress.connected;
    }
    return t;
  }

  stop(): void {
    for (const w of this.workers) if (w.proc.connected) w.proc.disconnect();
  }
}
