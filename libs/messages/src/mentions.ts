import type { ParsedConv } from '@natter/protocol';
import type { MembershipCache } from './membership.ts';

/** `@name` at the start or after whitespace; `name` in the user id grammar. */
const MENTION_RE = /(?:^|\s)@([A-Za-z0-9_.-]{1,64})/gu;

/**
 * The names `text` may mention, unique, in order of appearance. A name that ends a sentence
 * (`@bob.`) may be meant with or without the dots and dashes at its end: both are candidates,
 * the longer first.
 */
export function mentionCandidates(text: string): string[][] {
  const out: string[][] = [];
  const seen = new Set<string>();
  for (const m of text.matchAll(MENTION_RE)) {
    const name = m[1];
    if (seen.has(name)) continue;
    seen.add(name);
    const trimmed = name.replace(/[.-]+$/, '');
    out.push(trimmed && trimmed !== name ? [name, trimmed] : [name]);
  }
  return out;
}

/**
 * The members of `conv` that `text` mentions (PROTOCOL 1.1 "Mentions"): unique, in order of
 * appearance. A room's roster comes from the membership cache (the send's authorization has
 * just loaded it); a text without `@` costs nothing at all.
 */
export async function mentionsIn(
  text: string | undefined,
  conv: ParsedConv,
  from: string,
  membership: MembershipCache,
  trace: string,
): Promise<string[]> {
  if (!text?.includes('@')) return [];
  const candidates = mentionCandidates(text);
  if (candidates.length === 0) return [];
  let isIn: (user: string) => boolean;
  if (conv.kind === 'dm') {
    const other = conv.users[0] === from ? conv.users[1] : conv.users[0];
    isIn = (u) => u === other && u !== from;
  } else {
    const roster = await membership.roster(conv.room, trace);
    isIn = (u) => roster.members.has(u);
  }
  const out: string[] = [];
  for (const names of candidates) {
    const hit = names.find(isIn);
    if (hit && !out.includes(hit)) out.push(hit);
  }
  return out;
}
