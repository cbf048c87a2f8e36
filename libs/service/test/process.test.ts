import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const fixture = fileURLToPath(new URL('./fixtures/service-child.ts', import.meta.url));

interface Run {
  code: number | null;
  lines: { msg: string; level: number; time: string; err?: { message: string } }[];
  stderr: string;
}

/**
 * Runs the fixture. Sends the first of `signals` once it logs that it waits, the second
 * once it logs that its stop has begun.
 */
function run(mode: string, signals: NodeJS.Signals[] = []): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', fixture, mode], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const pending = [...signals];
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
      const sent = signals.length - pending.length;
      if (sent === 0 && pending.length && stdout.includes('waiting for a signal'))
        child.kill(pending.shift()!);
      if (sent === 1 && pending.length && stdout.includes('stop called')) child.kill(pending.shift()!);
    });
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    child.once('error', reject);
    child.once('exit', (code) => {
      const lines = stdout
        .split('\n')
        .filter((l) => l.startsWith('{'))
        .map((l) => JSON.parse(l));
      resolve({ code, lines, stderr });
    });
  });
}

const msgs = (r: Run) => r.lines.map((l) => l.msg);

describe('onShutdown', () => {
  it('runs stop once on SIGTERM and exits 0', async () => {
    const r = await run('clean', ['SIGTERM']);
    expect(r.code).toBe(0);
    expect(msgs(r)).toEqual([
      'waiting for a signal',
      'shutting down: finishing work in flight',
      'stop called',
      'shut down cleanly',
    ]);
  });

  it('handles SIGINT the same way', async () => {
    const r = await run('clean', ['SIGINT']);
    expect(r.code).toBe(0);
    expect(msgs(r)).toContain('shut down cleanly');
  });

  it('exits 1 when stop throws, logging the error', async () => {
    const r = await run('throw', ['SIGTERM']);
    expect(r.code).toBe(1);
    const failed = r.lines.find((l) => l.msg === 'shutdown failed; exiting');
    expect(failed?.err?.message).toBe('drain failed');
  });

  it('exits 1 when stop outlasts the timeout', async () => {
    const r = await run('hang', ['SIGTERM']);
    expect(r.code).toBe(1);
    const at = (msg: string) => Date.parse(r.lines.find((l) => l.msg === msg)?.time ?? '');
    const waited =
      at('shutdown did not finish in time; exiting anyway') - at('shutting down: finishing work in flight');
    // The fixture's timeout is 300 ms.
    expect(waited).toBeGreaterThanOrEqual(290);
    expect(waited).toBeLessThan(3000);
  });

  it('exits 1 at once on a second signal', async () => {
    const r = await run('hang', ['SIGINT', 'SIGINT']);
    expect(r.code).toBe(1);
    expect(msgs(r).filter((m) => m === 'stop called')).toHaveLength(1);
    expect(msgs(r)).toContain('second signal while shutting down; exiting now without finishing');
  });
});

describe('runMain', () => {
  it('prints a ConfigError to stderr and exits 2', async () => {
    const r = await run('config');
    expect(r.code).toBe(2);
    expect(r.stderr).toBe('natter fixture: NATS_URL="x" is not a URL\n');
    expect(r.lines).toEqual([]);
  });

  it('logs any other startup error as fatal and exits 1', async () => {
    const r = await run('crash');
    expect(r.code).toBe(1);
    expect(r.lines).toHaveLength(1);
    expect(r.lines[0].level).toBe(60);
    expect(r.lines[0].err?.message).toBe('database refused the connection');
  });
});
