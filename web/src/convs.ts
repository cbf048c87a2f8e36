import type { Target } from '@natter/client';
import { dmPeer, parseConv } from '@natter/protocol';

export { dmConv } from '@natter/protocol';

/** A thread (`thread:<conv>:<seq>`) is a conversation of its own, shown in the thread pane, never in the sidebar. */
export type ConvKind = 'room' | 'dm' | 'thread';

export function kindOf(conv: string): ConvKind {
  const c = parseConv(conv);
  return c?.thread ? 'thread' : c?.kind === 'dm' ? 'dm' : 'room';
}

/** The room name, or the other user of a DM (yourself for notes to self). */
export function peerOf(conv: string, me: string): string {
  const c = parseConv(conv);
  return c?.kind === 'room' ? c.room : (dmPeer(conv, me) ?? '');
}

export function targetFor(conv: string, me: string): Target {
  return kindOf(conv) === 'dm' ? `user:${peerOf(conv, me)}` : (conv as Target);
}
