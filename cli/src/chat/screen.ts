import { clearScreenDown, cursorTo, type Interface, moveCursor } from 'node:readline';
import { stripVTControlCharacters } from 'node:util';

/**
 * Where the chat writes. On a terminal, incoming lines appear above the prompt and what
 * the user is typing is redrawn below them; elsewhere (pipes, files) lines are plain and
 * no prompt is ever drawn.
 */
export interface Screen {
  readonly interactive: boolean;
  /** Prints `text` (one or more lines) above the prompt. */
  print(text: string): void;
  /** The prompt, e.g. `#general> `; `status` (someone typing) shows inside it. */
  setPrompt(prompt: string): void;
  /** Replaces the line the user just entered (echoed by the terminal) with `text`. */
  replaceEntered(entered: string, text: string): void;
  /** Draws the prompt (after the user entered a line). */
  prompt(): void;
  close(): void;
}

/** A Screen on a terminal, drawn with readline's cursor functions. */
export class TtyScreen implements Screen {
  readonly interactive = true;
  private closed = false;
  private promptText = '';

  constructor(
    private readonly rl: Interface,
    private readonly out: NodeJS.WriteStream,
  ) {}

  print(text: string): void {
    if (this.closed) {
      this.out.write(`${text}\n`);
      return;
    }
    // Clear the prompt and the input (which may wrap over several rows), print, redraw.
    const { rows } = this.rl.getCursorPos();
    cursorTo(this.out, 0);
    if (rows > 0) moveCursor(this.out, 0, -rows);
    clearScreenDown(this.out);
    this.out.write(`${text}\n`);
    this.rl.prompt(true);
  }

  setPrompt(prompt: string): void {
    if (prompt === this.promptText || this.closed) return;
    this.promptText = prompt;
    this.rl.setPrompt(prompt);
    this.print0();
  }

  replaceEntered(entered: string, text: string): void {
    if (this.closed) return;
    // Counting code points undercounts wide characters: erasing too few rows leaves a
    // stray echo, while erasing too many would eat earlier messages.
    const width = visibleLength(this.promptText) + [...entered].length;
    const rows = Math.max(1, Math.ceil(width / this.out.columns || 80));
    moveCursor(this.out, 0, -rows);
    cursorTo(this.out, 0);
    clearScreenDown(this.out);
    this.out.write(`${text}\n`);
  }

  prompt(): void {
    if (!this.closed) this.rl.prompt(true);
  }

  close(): void {
    this.closed = true;
  }

  /** Redraws the prompt line with the current input, without printing anything. */
  private print0(): void {
    const { rows } = this.rl.getCursorPos();
    cursorTo(this.out, 0);
    if (rows > 0) moveCursor(this.out, 0, -rows);
    clearScreenDown(this.out);
    this.rl.prompt(true);
  }
}

/** A Screen on a pipe or file: plain lines, no prompt, no cursor movement. */
export class PlainScreen implements Screen {
  readonly interactive = false;

  constructor(private readonly out: NodeJS.WritableStream) {}

  print(text: string): void {
    this.out.write(`${text}\n`);
  }

  setPrompt(): void {}

  replaceEntered(_entered: string, text: string): void {
    this.print(text);
  }

  prompt(): void {}

  close(): void {}
}

function visibleLength(s: string): number {
  return [...stripVTControlCharacters(s)].length;
}
