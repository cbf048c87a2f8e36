import type { MemberView, PresenceView, RoomView } from '@natter/client';
import { parseConv, roomConv } from '@natter/protocol';
import { escapeControls } from '../escape.ts';
import { clock, convLabel } from '../format.ts';
import type { Style } from '../style.ts';
import type { ConvBook } from './conv-book.ts';

/** What /rooms prints: your rooms, then direct conversations; `>` marks the current one. */
export function roomLines(
  rooms: RoomView[],
  book: ConvBook,
  me: string,
  current: string | undefined,
  style: Style,
): string[] {
  const mark = (conv: string) => (conv === current ? '>' : ' ');
  const unread = (conv: string) => {
    const n = book.unread(conv);
    return n > 0 ? style.yellow(`${n} unread`) : undefined;
  };
  const lines = rooms.map((r) => {
    const conv = roomConv(r.room);
    const extras = [plural(r.members, 'member'), unread(conv), r.private ? 'private' : undefined];
    return `${mark(conv)} #${escapeControls(r.room)}  ${extras.filter(Boolean).join(', ')}`;
  });
  for (const conv of book.list()) {
    if (parseConv(conv)?.kind !== 'dm') continue;
    const n = unread(conv);
    lines.push(`${mark(conv)} ${escapeControls(convLabel(conv, me))}${n ? `  ${n}` : ''}`);
  }
  return lines;
}

/** What /who prints for a room: a count, then online members first, each with its mark. */
export function memberLines(label: string, members: MemberView[], me: string, style: Style): string[] {
  const online = members.filter((m) => m.online).length;
  const sorted = members
    .slice()
    .sort((a, b) => Number(b.online) - Number(a.online) || a.user.localeCompare(b.user));
  return [
    `${label}: ${plural(members.length, 'member')}, ${online} online`,
    ...sorted.map((m) => {
      const mark = m.online ? style.green('●') : style.dim('○');
      return `  ${mark} ${style.user(escapeControls(m.user))}${m.user === me ? style.dim(' (you)') : ''}`;
    }),
  ];
}

/** `● bob is online` / `○ bob is offline, last seen 12:00:01`. */
export function presenceLine(p: PresenceView, style: Style): string {
  const name = style.user(escapeControls(p.user));
  if (p.online) return `${style.green('●')} ${name} is online`;
  const seen = p.lastSeen ? `, last seen ${clock(p.lastSeen)}` : '';
  return `${style.dim('○')} ${name} is offline${seen}`;
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}
