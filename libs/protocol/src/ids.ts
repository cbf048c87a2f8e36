/** Identifier grammar from docs/protocol.md ("Identifiers"). */
export const USER_RE = /^[A-Za-z0-9_.-]{1,64}$/;
export const ROOM_RE = /^[a-z0-9][a-z0-9_-]{0,63}$/;

export type ConvId = `room:${string}` | `dm:${string}:${string}` | `thread:${string}`;

export function isUser(s: unknown): s is string {
  return typeof s === 'string' && USER_RE.test(s);
}

export function isRoom(s: unknown): s is string {
  return typeof s === 'string' && ROOM_RE.test(s);
}

/** The conversation id of a direct conversation: `dm:<a>:<b>` with a <= b in byte order. */
export function dmConv(a: string, b: string): ConvId {
  // User ids are ASCII, so UTF-16 comparison is byte order (no Buffer: this runs in browsers).
  return a <= b ? `dm:${a}:${b}` : `dm:${b}:${a}`;
}

export function roomConv(room: string): ConvId {
  return `room:${room}`;
}

/**
 * A thread (`thread:<conv>:<seq>`, PROTOCOL 1.1 "Threads") parses as its parent's kind with
 * `thread` set: its members are the parent's members, so whatever authorizes or delivers
 * by `room` or `users` treats a thread like its parent without knowing about threads.
 */
export type ParsedConv = ({ kind: 'room'; room: string } | { kind: 'dm'; users: [string, string] }) & {
  thread?: { parent: ConvId; seq: number };
};

/** The largest root seq a thread id may name (a safe integer, and a Postgres bigint). */
const SEQ_RE = /^[1-9][0-9]{0,14}$/;

/** The thread of message `seq` of `parent` (a room or a DM). */
export function threadConv(parent: string, seq: number): ConvId {
  return `thread:${parent}:${seq}`;
}

/** Parses and validates a conversation id; returns undefined when it is not well formed. */
export function parseConv(conv: string): ParsedConv | undefined {
  if (conv.startsWith('thread:')) {
    const at = conv.lastIndexOf(':');
    const parent = conv.slice(7, at);
    const seq = conv.slice(at + 1);
    // A thread of a thread does not parse: threads do not nest.
    if (!SEQ_RE.test(seq) || parent.startsWith('thread:')) return undefined;
    const base = parseConv(parent);
    return base && { ...base, thread: { parent: parent as ConvId, seq: Number(seq) } };
  }
  if (conv.startsWith('room:')) {
    const room = conv.slice(5);
    return isRoom(room) ? { kind: 'room', room } : undefined;
  }
  if (conv.startsWith('dm:')) {
    // User names may not contain ':', so the split is unambiguous.
    const parts = conv.slice(3).split(':');
    if (parts.length !== 2 || !isUser(parts[0]) || !isUser(parts[1])) return undefined;
    if (dmConv(parts[0], parts[1]) !== conv) return undefined;
    return { kind: 'dm', users: [parts[0], parts[1]] };
  }
  return undefined;
}

/**
 * The other user of direct conversation `conv` as `me` sees it (`me` again for notes to
 * self); undefined for a room, a thread, an id that is not well formed, or a DM `me` is not in.
 */
export function dmPeer(conv: string, me: string): string | undefined {
  const c = parseConv(conv);
  if (c?.kind !== 'dm' || c.thread) return undefined;
  const [a, b] = c.users;
  return a === me ? b : b === me ? a : undefined;
}

export type ParsedTarget = { kind: 'room'; room: string } | { kind: 'user'; user: string };

/** Where `send` may go: a target, or a thread (1.1). */
export type SendTarget = ParsedTarget | { kind: 'thread'; conv: ConvId };

export function parseSendTarget(to: string): SendTarget | undefined {
  if (to.startsWith('thread:')) return parseConv(to) ? { kind: 'thread', conv: to as ConvId } : undefined;
  return parseTarget(to);
}

export function parseTarget(to: string): ParsedTarget | undefined {
  if (to.startsWith('room:')) {
    const room = to.slice(5);
    return isRoom(room) ? { kind: 'room', room } : undefined;
  }
  if (to.startsWith('user:')) {
    const user = to.slice(5);
    return isUser(user) ? { kind: 'user', user } : undefined;
  }
  return undefined;
}

/** The members of a conversation that are implied by its id (the two users of a DM). */
export function convOf(from: string, target: SendTarget): ConvId {
  if (target.kind === 'thread') return target.conv;
  return target.kind === 'room' ? roomConv(target.room) : dmConv(from, target.user);
}
