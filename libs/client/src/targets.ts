import { dmPeer, parseConv } from '@natter/protocol';

/** Where `send` and `typing` go: a room, or a user (the direct conversation with them). */
export type Target = `room:${string}` | `user:${string}`;

/**
 * The target that reaches conversation `conv` for user `me`: `room:x` stays `room:x`;
 * `dm:a:b` becomes `user:<the other one>` (or `user:<me>` for notes to self).
 * Undefined when `conv` is neither, or a `dm:` that `me` is not in.
 */
export function targetOf(conv: string, me: string): Target | undefined {
  if (parseConv(conv)?.kind === 'room') return conv as Target;
  const peer = dmPeer(conv, me);
  return peer === undefined ? undefined : `user:${peer}`;
}
