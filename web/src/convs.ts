import type { Target } from '@natter/client';

export type ConvKind = 'room' | 'dm';

/** `dm:a:b` with a < b in byte order (docs/protocol.md, "Identifiers"). */
export function dmConv(me: string, other: string): string {
  const [a, b] = me < other ? [me, other] : [other, me];
  return `dm:${a}:${b}`;
}

export function kindOf(conv: string): ConvKind {
  return conv.startsWith('dm:') ? 'dm' : 'room';
}

/** The room name, or the other user of a DM (yourself for notes to self). */
export function peerOf(conv: string, me: string): string {
  if (conv.startsWith('room:')) return conv.slice(5);
  const [a, b] = conv.slice(3).split(':');
  return a === me ? (b ?? '') : (a ?? '');
}

export function targetFor(conv: string, me: string): Target {
  return kindOf(conv) === 'room' ? (conv as Target) : `user:${peerOf(conv, me)}`;
}

export const ROOM_RE = /^[a-z0-9][a-z0-9_-]{0,63}$/;
export const USER_RE = /^[A-Za-z0-9_.-]{1,64}$/;
