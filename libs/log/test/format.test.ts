import { execFileSync, spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';

/**
 * The log format a process picks: JSON when stdout is a pipe or a file (log shippers),
 * pretty lines when it is a terminal (a person running `npm start`), and LOG_FORMAT's
 * choice when given. Each case runs a real child process, since the choice is about its stdout.
 */
const TSX = new URL('../../../node_modules/tsx/dist/esm/index.mjs', import.meta.url).href;
const LOG = new URL('../src/index.ts', import.meta.url).href;
const program = (format?: string) =>
  `const { createLogger } = await import(${JSON.stringify(LOG)});
   createLogger({ name: 'natter', ${format ? `format: ${JSON.stringify(format)}` : ''} }).info({ port: 8080 }, 'natter is up');`;

function run(format?: string): string {
  return execFileSync(process.execPath, ['--import', TSX, '--input-type=module', '-e', program(format)], {
    encoding: 'utf8',
    env: { ...process.env, NO_COLOR: '1' },
  });
}

describe('the log format', () => {
  it('is one JSON object per line when stdout is not a terminal', () => {
    const line = JSON.parse(run());
    expect(line).toMatchObject({ level: 30, name: 'natter', port: 8080, msg: 'natter is up' });
  });

  it('is a readable line when asked for pretty', () => {
    const out = run('pretty');
    expect(() => JSON.parse(out)).toThrow();
    expect(out).toMatch(/^\[\d\d:\d\d:\d\d\.\d{3}\] INFO \(natter\): natter is up\n\s+port: 8080/);
  });

  it('is pretty on a terminal (script(1) gives the child a pseudo-terminal)', () => {
    const script = spawnSync('script', ['--version']);
    if (script.status !== 0) return; // util-linux is on every Debian; elsewhere this case is skipped
    const cmd = [process.execPath, '--import', TSX, '--input-type=module', '-e', program()]
      .map((a) => `'${a.replace(/'/g, `'\\''`)}'`)
      .join(' ');
    const out = execFileSync('script', ['-qec', cmd, '/dev/null'], {
      encoding: 'utf8',
      env: { ...process.env, NO_COLOR: '1' },
    });
    expect(out).toMatch(/INFO \(natter\): natter is up/);
  });
});
