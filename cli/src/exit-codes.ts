/** Exit codes of every `natter` command, for scripts to branch on. */
export const EXIT = {
  ok: 0,
  /** The server refused (its error code is printed on stderr), or it could not be reached. */
  failed: 1,
  /** The command line was wrong; nothing was sent. */
  usage: 2,
} as const;

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];
