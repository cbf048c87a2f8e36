import { dmPeer, parseConv } from '@natter/protocol';

/**
 * Where `send` and `typing` go: a room, a user (the direct conversation with them), or a
 * thread (`thread:<conv>:<seq>`, 1.1; see `threadOf`).
 */
export type Target = `room:${string}` | `user:${string}` | `thread:${string}`;

/**
 * The target that reaches conversation `conv` for user `me`: `room:x` stays `room:x`;
 * `dm:a:b` becomes `user:<the other one>` (or `user:<me>` for notes to self); a thread is
 * its own target (`me` must be in its parent, which the server checks).
 * Undefined when `conv` is neither, or a `dm:` that `me` is not in.
 */
export function targetOf(conv: string, me: string): Target | undefined {
  const parsed = parseConv(conv);
  if (parsed?.kind === 'room' || parsed?.thread) return conv as Target;
  const peer = dmPeer(conv, me);
  return peer === undefined ? undefined : `user:${peer}`;
}
