import { createRequire } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { Child } from './child.ts';
import { httpOk } from './probe.ts';
import { type Tracked, track, untrack } from './registry.ts';

export interface ProcessOptions {
  /** Names the process in errors and in TESTKIT_ECHO output. */
  name: string;
  /** A .ts entry file, run with tsx; relative to `cwd`. */
  entry: string;
  /** Merged over process.env. */
  env: Record<string, string>;
  /** Polled until it answers 200 (20 s deadline); without it, ready as soon as spawned. */
  readyUrl?: string;
  cwd?: string;
}

export interface ProcHandle {
  /** The current process's pid (it changes on restart). */
  readonly pid: number;
  /** Sends `signal` (default SIGTERM) and resolves with the exit code once it exited (null: ended by a signal). */
  kill(signal?: NodeJS.Signals): Promise<number | null>;
  /** Resolves with the current process's exit code when it exits. */
  readonly exited: Promise<number | null>;
  /** Its last ~200 lines of stdout and stderr. */
  logs(): string;
  /** Stops it (SIGTERM, SIGKILL after 10 s) if running, starts it again with the same options, waits until ready. */
  restart(): Promise<void>;
}

const READY_TIMEOUT_MS = 20_000;
const STOP_GRACE_MS = 10_000;

/** tsx's ESM loader, by absolute URL so the child's cwd does not matter. */
const TSX_LOADER = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;

/**
 * Runs a service entry point as a real child process (`node --import tsx <entry>`), the way
 * it runs in production, and waits until it is ready. Rejects with StartError carrying its
 * output when it exits or is not ready in time.
 */
export async function startProcess(opts: ProcessOptions): Promise<ProcHandle> {
  const cwd = opts.cwd ?? process.cwd();
  const child = new Child({
    name: opts.name,
    command: process.execPath,
    args: ['--import', TSX_LOADER, path.resolve(cwd, opts.entry)],
    env: { ...process.env, ...opts.env },
    cwd,
  });
  const readyUrl = opts.readyUrl;
  const start = async (): Promise<void> => {
    track(tracked);
    child.spawn();
    if (readyUrl) await child.waitReady(() => httpOk(readyUrl), READY_TIMEOUT_MS, `answering ${readyUrl}`);
  };
  const tracked: Tracked = {
    name: opts.name,
    stop: async () => {
      untrack(tracked);
      await child.terminate(STOP_GRACE_MS);
    },
    killNow: () => child.killNow(),
  };
  try {
    await start();
  } catch (err) {
    untrack(tracked);
    throw err;
  }
  return {
    get pid() {
      return child.pid;
    },
    get exited() {
      return child.exited;
    },
    kill: async (signal = 'SIGTERM') => {
      child.logs.note(`${signal} from test`);
      const code = await child.signal(signal);
      untrack(tracked);
      return code;
    },
    logs: () => child.logs.text(),
    restart: async () => {
      await child.terminate(STOP_GRACE_MS);
      child.logs.note('restart');
      await start();
    },
  };
}
