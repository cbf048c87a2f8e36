import { randomBytes } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';

/**
 * What makes an embedded cluster's url stable across restarts, kept beside its data.
 * Written only after initdb, because initdb refuses a non-empty directory.
 */
export interface EmbeddedState {
  port: number;
  password: string;
}

const STATE_FILE = 'natter-embedded.json';

export async function readState(dataDir: string): Promise<EmbeddedState | undefined> {
  let text: string;
  try {
    text = await readFile(path.join(dataDir, STATE_FILE), 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
  const parsed = JSON.parse(text) as Partial<EmbeddedState>;
  if (typeof parsed.port !== 'number' || typeof parsed.password !== 'string') {
    throw new Error(`${path.join(dataDir, STATE_FILE)} is not {port, password}`);
  }
  return { port: parsed.port, password: parsed.password };
}

export async function writeState(dataDir: string, state: EmbeddedState): Promise<void> {
  // Holds the superuser password: owner-only.
  await writeFile(path.join(dataDir, STATE_FILE), `${JSON.stringify(state)}\n`, { mode: 0o600 });
}

export function newPassword(): string {
  return randomBytes(18).toString('base64url');
}

/** A port nothing listens on right now on 127.0.0.1 (the OS picks it). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** True when something on 127.0.0.1 already listens on `port`. */
export function portInUse(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.unref();
    server.once('error', () => resolve(true));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(false)));
  });
}
