/** Where `send` and `typing` go: a room, or a user (the direct conversation with them). */
export type Target = `room:${string}` | `user:${string}`;

/**
 * The target that reaches conversation `conv` for user `me`: `room:x` stays `room:x`;
 * `dm:a:b` becomes `user:<the other one>` (or `user:<me>` for notes to self).
 * Undefined when `conv` is neither, or a `dm:` that `me` is not in.
 */
export function targetOf(conv: string, me: string): Target | undefined {
  if (conv.startsWith('room:')) return conv as Target;
  if (!conv.startsWith('dm:')) return undefined;
  const [a, b] = conv.slice(3).split(':');
  if (a === undefined || b === undefined) return undefined;
  if (a === me) return `user:${b}`;
  if (b === me) return `user:${a}`;
  return undefined;
}
