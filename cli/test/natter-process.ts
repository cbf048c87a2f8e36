import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';

const BIN = new URL('../bin/natter.mjs', import.meta.url).pathname;

/** `natter` running as a child process on pipes, with its output collected. */
export class NatterProcess {
  stdout = '';
  stderr = '';
  /** Raw bytes of stdout, to check for bytes that must never appear. */
  readonly stdoutBytes: Buffer[] = [];
  readonly exited: Promise<number | null>;
  private readonly child: ChildProcessWithoutNullStreams;
  private readonly waiters = new Set<() => void>();

  /**
   * With `pty`, natter runs on a pseudo-terminal made by util-linux `script` (what it
   * writes comes back with the terminal's echo of what was typed; type `\r` for Enter),
   * and NO_COLOR is not set.
   */
  constructor(args: string[], env: Record<string, string> = {}, opts: { pty?: boolean } = {}) {
    const command = [process.execPath, BIN, ...args];
    const quoted = command.map((a) => `'${a.replace(/'/g, "'\\''")}'`).join(' ');
    const baseEnv: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1', ...env };
    if (opts.pty) {
      delete baseEnv.NO_COLOR;
      baseEnv.TERM = 'xterm-256color';
    }
    this.child = opts.pty
      ? spawn('script', ['-qfec', quoted, '/dev/null'], { env: baseEnv, stdio: 'pipe' })
      : spawn(command[0], command.slice(1), { env: baseEnv, stdio: 'pipe' });
    this.child.stdout.on('data', (b: Buffer) => {
      this.stdoutBytes.push(b);
      this.stdout += b.toString('utf8');
      this.wake();
    });
    this.child.stderr.on('data', (b: Buffer) => {
      this.stderr += b.toString('utf8');
      this.wake();
    });
    this.exited = new Promise((resolve) => this.child.on('exit', (code) => resolve(code)));
    void this.exited.then(() => this.wake());
  }

  /** Runs `natter args` to the end. */
  static async run(args: string[], env: Record<string, string> = {}, stdin?: string) {
    const p = new NatterProcess(args, env);
    if (stdin !== undefined) p.child.stdin.end(stdin);
    const code = await p.exited;
    return { code, stdout: p.stdout, stderr: p.stderr };
  }

  write(text: string): void {
    this.child.stdin.write(text);
  }

  endInput(): void {
    this.child.stdin.end();
  }

  signal(sig: NodeJS.Signals): void {
    this.child.kill(sig);
  }

  /** Resolves once stdout (from `from` on) matches; rejects with what was printed after `ms`. */
  waitStdout(re: RegExp, opts: { from?: number; ms?: number } = {}): Promise<RegExpMatchArray> {
    return this.waitFor(() => this.stdout.slice(opts.from ?? 0).match(re), `stdout to match ${re}`, opts.ms);
  }

  waitStderr(re: RegExp, ms?: number): Promise<RegExpMatchArray> {
    return this.waitFor(() => this.stderr.match(re), `stderr to match ${re}`, ms);
  }

  private waitFor<T>(check: () => T | null, what: string, ms = 15_000): Promise<T> {
    return new Promise((resolve, reject) => {
      const attempt = () => {
        const v = check();
        if (v) {
          done();
          resolve(v);
        }
      };
      const timer = setTimeout(() => {
        done();
        reject(
          new Error(
            `timed out waiting for ${what}\n--- stdout ---\n${this.stdout}\n--- stderr ---\n${this.stderr}`,
          ),
        );
      }, ms);
      const done = () => {
        clearTimeout(timer);
        this.waiters.delete(attempt);
      };
      this.waiters.add(attempt);
      attempt();
    });
  }

  private wake(): void {
    for (const w of [...this.waiters]) w();
  }
}
