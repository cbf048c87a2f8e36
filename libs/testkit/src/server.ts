import { existsSync, rmSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { Child } from './child.ts';
import { type Tracked, track, untrack } from './registry.ts';

/** What every server started for tests can do; nats and redis handles extend it. */
export interface ServerHandle {
  /** SIGKILL, resolved once the process is gone: a crash, not a shutdown. */
  kill(): Promise<void>;
  /** Starts it again on the same ports (and data, if any); stops it first if it is running. */
  restart(): Promise<void>;
  /** Graceful stop (SIGTERM, SIGKILL after 5 s); removes its temp dirs. Idempotent. */
  stop(): Promise<void>;
  /** The server's last output lines, for a failing test to print. */
  logs(): string;
}

export interface ServerSpec {
  name: string;
  command: string;
  args: string[];
  /** True once clients can use the server. */
  ready(): Promise<boolean>;
  /** Removed on stop and at process exit. */
  tempDir?: string;
}

const READY_TIMEOUT_MS = 10_000;

/** Spawns a server binary, waits until it is ready, and tracks it for stopAll() and exit. */
export async function startServer(spec: ServerSpec): Promise<ServerHandle> {
  const child = new Child({ name: spec.name, command: spec.command, args: spec.args });
  const removeTemp = (): void => {
    if (spec.tempDir) rmSync(spec.tempDir, { recursive: true, force: true });
  };
  const start = async (): Promise<void> => {
    track(tracked);
    child.spawn();
    await child.waitReady(spec.ready, READY_TIMEOUT_MS, 'accepting connections');
  };
  const tracked: Tracked = {
    name: spec.name,
    stop: async () => {
      untrack(tracked);
      await child.terminate();
      if (spec.tempDir) await rm(spec.tempDir, { recursive: true, force: true });
    },
    killNow: () => {
      child.killNow();
      removeTemp();
    },
  };
  try {
    await start();
  } catch (err) {
    untrack(tracked);
    removeTemp();
    throw err;
  }
  return {
    kill: async () => {
      child.logs.note('SIGKILL from test');
      await child.signal('SIGKILL');
    },
    restart: async () => {
      await child.terminate();
      child.logs.note('restart');
      await start();
    },
    stop: tracked.stop,
    logs: () => child.logs.text(),
  };
}

/** The first of `candidates` that exists, else the bare name for a PATH lookup. */
export function findBinary(name: string, candidates: string[]): string {
  return candidates.find((c) => existsSync(c)) ?? name;
}
