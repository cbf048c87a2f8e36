/** `@name` after the start or whitespace, as the server finds mentions (protocol.md "Mentions"). */
export const MENTION_RE = /(^|\s)@([A-Za-z0-9_.-]{1,64})/g;

/** The name of one MENTION_RE match: a sentence's final `.` or `-` is not part of it. */
export function mentionName(match: RegExpMatchArray): string {
  return (match[2] ?? '').replace(/[.-]+$/, '');
}

/**
 * The mentions the server will find in my own text (it tells the other readers; my `send`
 * result does not carry them): the names of `members` that `text` mentions, unique, in order.
 */
export function mentionsIn(text: string, members: readonly string[]): string[] | undefined {
  const found: string[] = [];
  for (const m of text.matchAll(MENTION_RE)) {
    const name = mentionName(m);
    if (members.includes(name) && !found.includes(name)) found.push(name);
  }
  return found.length > 0 ? found : undefined;
}
