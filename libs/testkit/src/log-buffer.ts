/** The last `max` lines a child process wrote, for a failing test to print. */
export class LogBuffer {
  private readonly lines: string[] = [];
  private partial = '';

  constructor(
    private readonly prefix: string,
    private readonly max = 200,
  ) {}

  write(chunk: Buffer | string): void {
    const text = this.partial + chunk.toString();
    const parts = text.split('\n');
    this.partial = parts.pop() ?? '';
    for (const line of parts) this.add(line);
  }

  /** Marks an event (restart, kill) between a process's lines. */
  note(event: string): void {
    this.add(`--- ${event} ---`);
  }

  text(): string {
    const all = this.partial === '' ? this.lines : [...this.lines, this.partial];
    return all.join('\n');
  }

  private add(line: string): void {
    this.lines.push(line);
    if (this.lines.length > this.max) this.lines.shift();
    // Opt-in live output while debugging a test: TESTKIT_ECHO=1.
    if (process.env.TESTKIT_ECHO === '1') process.stderr.write(`[${this.prefix}] ${line}\n`);
  }
}
