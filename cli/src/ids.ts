/**
 * The identifier rules of docs/protocol.md ("Identifiers"), as the command line checks
 * them. A copy of @natter/protocol's ids.ts on purpose: that package's index also loads
 * zod, which costs a `natter send` most of its start-up time. test/ids.test.ts keeps the
 * two in step.
 */
export const USER_RE = /^[A-Za-z0-9_.-]{1,64}$/;
export const ROOM_RE = /^[a-z0-9][a-z0-9_-]{0,63}$/;

export function isUser(s: string): boolean {
  return USER_RE.test(s);
}

export function isRoom(s: string): boolean {
  return ROOM_RE.test(s);
}

/** `dm:<a>:<b>` with a <= b in byte order (user ids are ASCII, so string order is byte order). */
export function dmConv(a: string, b: string): string {
  return a <= b ? `dm:${a}:${b}` : `dm:${b}:${a}`;
}

/** The users of a well-formed `dm:<a>:<b>` (in order), else undefined. */
export function dmUsers(conv: string): [string, string] | undefined {
  if (!conv.startsWith('dm:')) return undefined;
  const parts = conv.slice(3).split(':');
  if (parts.length !== 2 || !isUser(parts[0]) || !isUser(parts[1])) return undefined;
  return dmConv(parts[0], parts[1]) === conv ? [parts[0], parts[1]] : undefined;
}
