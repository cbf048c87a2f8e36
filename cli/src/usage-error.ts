import type { CommandName } from './commands.ts';

/** A wrong command line: printed with a pointer to the help, exit code 2, nothing sent. */
export class UsageError extends Error {
  override readonly name = 'UsageError';

  constructor(
    message: string,
    /** The command whose help to point at (the general help when absent). */
    readonly command?: CommandName,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
