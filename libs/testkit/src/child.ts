import { type ChildProcess, spawn } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { StartError } from './errors.ts';
import { LogBuffer } from './log-buffer.ts';

export interface ChildSpec {
  /** Names the child in errors and log lines. */
  name: string;
  command: string;
  args: string[];
  env?: NodeJS.ProcessEnv;
  cwd?: string;
}

/**
 * One restartable child process with its output captured. Each spawn() replaces the process;
 * `exited` always refers to the current one and resolves with its exit code (null when a
 * signal ended it), never rejects.
 */
export class Child {
  readonly logs: LogBuffer;
  private proc: ChildProcess | undefined;
  private exit: Promise<number | null> = Promise.resolve(null);

  constructor(private readonly spec: ChildSpec) {
    this.logs = new LogBuffer(spec.name);
  }

  get name(): string {
    return this.spec.name;
  }

  get pid(): number {
    return this.proc?.pid ?? -1;
  }

  get exited(): Promise<number | null> {
    return this.exit;
  }

  get alive(): boolean {
    return this.proc !== undefined && this.proc.exitCode === null && this.proc.signalCode === null;
  }

  spawn(): void {
    const proc = spawn(this.spec.command, this.spec.args, {
      env: this.spec.env ?? process.env,
      cwd: this.spec.cwd,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    proc.stdout?.on('data', (chunk: Buffer) => this.logs.write(chunk));
    proc.stderr?.on('data', (chunk: Buffer) => this.logs.write(chunk));
    this.exit = new Promise((resolve) => {
      // 'error' alone (ENOENT: binary missing) never becomes 'exit'.
      proc.once('error', (err) => {
        this.logs.note(`could not run ${this.spec.command}: ${err.message}`);
        resolve(null);
      });
      proc.once('exit', (code, signal) => {
        this.logs.note(`exited with ${code ?? signal}`);
        resolve(code);
      });
    });
    this.proc = proc;
  }

  /** Sends `signal` (if still running) and resolves with the exit code once it exited. */
  async signal(signal: NodeJS.Signals): Promise<number | null> {
    if (this.alive) this.proc?.kill(signal);
    return this.exit;
  }

  /** SIGTERM, then SIGKILL if it is still running after `graceMs`. */
  async terminate(graceMs = 5000): Promise<number | null> {
    if (!this.alive) return this.exit;
    this.proc?.kill('SIGTERM');
    const done = await Promise.race([this.exit.then(() => true), sleep(graceMs).then(() => false)]);
    if (!done) {
      this.logs.note(`still running ${graceMs} ms after SIGTERM; sending SIGKILL`);
      this.proc?.kill('SIGKILL');
    }
    return this.exit;
  }

  killNow(): void {
    if (this.alive) this.proc?.kill('SIGKILL');
  }

  /**
   * Resolves once `ready()` is true. Rejects with StartError, carrying the captured output,
   * if the process exits first or the deadline passes (the process is then killed).
   */
  async waitReady(ready: () => Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    let exited = false;
    void this.exit.then(() => {
      exited = true;
    });
    for (;;) {
      if (exited) throw this.startError(`exited before ${what}`);
      if (await ready().catch(() => false)) return;
      if (exited) throw this.startError(`exited before ${what}`);
      if (Date.now() >= deadline) {
        this.killNow();
        await this.exit;
        throw this.startError(`did not get to ${what} within ${timeoutMs} ms`);
      }
      await sleep(50);
    }
  }

  private startError(what: string): StartError {
    return new StartError(
      `${this.spec.name} (${this.spec.command}) ${what}; its last output:\n${this.logs.text()}`,
    );
  }
}
