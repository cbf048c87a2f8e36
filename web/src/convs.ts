import type { Target } from '@natter/client';
import { dmPeer, parseConv } from '@natter/protocol';

export { dmConv } from '@natter/protocol';

export type ConvKind = 'room' | 'dm';

export function kindOf(conv: string): ConvKind {
  return parseConv(conv)?.kind === 'dm' ? 'dm' : 'room';
}

/** The room name, or the other user of a DM (yourself for notes to self). */
export function peerOf(conv: string, me: string): string {
  const c = parseConv(conv);
  return c?.kind === 'room' ? c.room : (dmPeer(conv, me) ?? '');
}

export function targetFor(conv: string, me: string): Target {
  return kindOf(conv) === 'room' ? (conv as Target) : `user:${peerOf(conv, me)}`;
}
