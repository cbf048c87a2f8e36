import { parseConv } from '@natter/protocol';
import type { Notice } from './providers/types.ts';

/** A pending row, as dispatch reads it. */
export interface PendingPush {
  user: string;
  conv: string;
  count: number;
  seq: number;
  mid: string;
  from: string;
  text: string;
}

/** Where a push says it is from: `#general`, `alice`, `a thread in #general`. */
function place(conv: string, from: string): { name: string; room: boolean } {
  const c = parseConv(conv);
  if (!c) return { name: conv, room: true };
  const base = c.kind === 'room' ? `#${c.room}` : from;
  return c.thread ? { name: `a thread in ${base}`, room: true } : { name: base, room: c.kind === 'room' };
}

/** The collapsed notification: "3 new messages in #general", the latest one as its body. */
export function noticeOf(p: PendingPush): Notice {
  const { name, room } = place(p.conv, p.from);
  const title =
    p.count > 1 ? `${p.count} new messages ${room ? 'in' : 'from'} ${name}` : room ? name : p.from;
  return {
    conv: p.conv,
    seq: p.seq,
    mid: p.mid,
    from: p.from,
    text: p.text,
    count: p.count,
    title,
    body: room ? `${p.from}: ${p.text}` : p.text,
  };
}
