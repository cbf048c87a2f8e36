/**
 * One status line on stderr: rewritten in place on a terminal (4 times a second), printed
 * as plain lines every few seconds elsewhere (CI logs).
 */
export class ProgressLine {
  private label = '';
  private detail: () => string = () => '';
  private started = Date.now();
  private lastPlain = 0;
  private readonly timer: NodeJS.Timeout;
  private readonly tty = process.stderr.isTTY === true;

  constructor() {
    this.timer = setInterval(() => this.render(false), 250);
    this.timer.unref();
  }

  /** A new phase: its label and a function giving its live counters. */
  phase(label: string, detail: () => string = () => ''): void {
    this.label = label;
    this.detail = detail;
    this.started = Date.now();
    this.render(true);
  }

  private render(force: boolean): void {
    if (!this.label) return;
    const secs = ((Date.now() - this.started) / 1000).toFixed(1);
    const line = `[${secs.padStart(5)}s] ${this.label} ${this.detail()}`;
    if (this.tty) {
      process.stderr.write(`\r\x1b[K${line.slice(0, (process.stderr.columns ?? 120) - 1)}`);
    } else if (force || Date.now() - this.lastPlain > 5000) {
      this.lastPlain = Date.now();
      process.stderr.write(`${line}\n`);
    }
  }

  /** Prints a line that stays (a step's outcome). */
  note(text: string): void {
    if (this.tty) process.stderr.write('\r\x1b[K');
    process.stderr.write(`${text}\n`);
  }

  done(): void {
    clearInterval(this.timer);
    if (this.tty) process.stderr.write('\r\x1b[K');
  }
}
