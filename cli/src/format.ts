import type { Attachment, ChangeEvent, MessageView } from '@natter/client';
import { dmPeer, parseConv } from '@natter/protocol';
import { escapeControls } from './escape.ts';
import type { Style } from './style.ts';

export interface FormatOptions {
  style: Style;
  /** The conversation's label (`#general`, `@bob`), printed before the sender; absent for the current one. */
  label?: string;
  /** The gateway's http(s) origin, to print attachment paths as URLs one can open. */
  httpBase?: string;
  /** Keep line breaks (continuation lines indented); otherwise they are shown escaped, one message per line. */
  multiline?: boolean;
}

/**
 * `12:01:09 [5] alice: text`, with everything that came from the network escaped. `[5]` is
 * the message's seq, what `/reply`, `/edit`, `/react` and the change lines refer to. A reply
 * starts with what it answers, an edited message ends with `(edited)`, reactions with
 * `[👍 2]`; a deleted one reads `(message deleted)`.
 */
export function formatMessage(m: MessageView, o: FormatOptions): string {
  const { style } = o;
  const head = `${style.dim(clock(m.ts))} ${style.dim(`[${m.seq || '…'}]`)} ${o.label ? `${style.dim(escapeControls(o.label))} ` : ''}${style.user(escapeControls(m.from))}:`;
  if (m.deleted) return `${head} ${style.dim('(message deleted)')}`;
  const parts: string[] = [];
  if (m.reply) parts.push(style.dim(replyText(m.reply)));
  if (m.text !== undefined && m.text !== '')
    parts.push(escapeControls(m.text, { keepNewlines: o.multiline }));
  for (const a of m.attachments ?? []) parts.push(style.dim(attachmentText(a, o.httpBase)));
  if (m.edited) parts.push(style.dim('(edited)'));
  if (m.pinned) parts.push(style.dim('(pinned)'));
  if (m.reactions?.length)
    parts.push(style.dim(escapeControls(m.reactions.map((r) => `[${r.emoji} ${r.count}]`).join(' '))));
  const body = parts.join(' ');
  return `${head} ${o.multiline ? body.replace(/\n/g, '\n    ') : body}`;
}

/** `↪ [4] bob: "its first words"`, escaped. */
function replyText(r: NonNullable<MessageView['reply']>): string {
  return escapeControls(
    `↪ [${r.seq}] ${r.from}: ${r.preview ? JSON.stringify(r.preview) : '(message deleted)'}`,
  );
}

/**
 * A change of a stored message as one line: `12:01:30 [5] bob edited: new text`,
 * `[5] alice reacted 👍`, `[5] alice pinned it`, `[5] deleted`; escaped. Changes carry no
 * time of their own (but edits): the line has the time it was seen.
 */
export function formatChange(c: ChangeEvent, o: FormatOptions): string {
  const { style } = o;
  const who = (u: string | undefined) => (u ? `${style.user(escapeControls(u))} ` : '');
  const head = `${style.dim(clock(c.ev === 'edit' ? c.edited : new Date().toISOString()))} ${style.dim(`[${c.seq}]`)} ${o.label ? `${style.dim(escapeControls(o.label))} ` : ''}`;
  switch (c.ev) {
    case 'edit':
      return `${head}${who(c.by)}edited: ${escapeControls(c.text, { keepNewlines: o.multiline })}`;
    case 'delete':
      return `${head}${who(c.by)}deleted it`;
    case 'reaction':
      return `${head}${who(c.user)}${c.on ? 'reacted' : 'took back'} ${escapeControls(c.emoji)}`;
    case 'pin':
      return `${head}${who(c.by)}${c.on ? 'pinned it' : 'unpinned it'}`;
    case 'thread':
      return `${head}${c.replies} ${c.replies === 1 ? 'reply' : 'replies'} in its thread`;
    case 'update':
      return `${head}now: ${formatMessage(c.message, { ...o, label: undefined }).replace(/^\S+ \S+ /, '')}`;
  }
}

/** `[image/png cat.png 12 KB http://host/v1/uploads/u_...]`, escaped. */
export function attachmentText(a: Attachment, httpBase?: string): string {
  const url = httpBase && a.url.startsWith('/') ? `${httpBase}${a.url}` : a.url;
  const extra = a.duration !== undefined ? ` ${Math.round(a.duration / 1000)}s` : '';
  return escapeControls(`[${a.type} ${a.name} ${formatSize(a.size)}${extra} ${url}]`);
}

export function formatSize(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${Math.round(bytes / 1024)} KB`;
  return `${(bytes / (1024 * 1024)).toFixed(1)} MB`;
}

/** Local wall-clock time `HH:MM:SS` of an RFC 3339 time (the raw string when it is not one). */
export function clock(ts: string): string {
  const d = new Date(ts);
  if (Number.isNaN(d.getTime())) return escapeControls(ts);
  const two = (n: number) => String(n).padStart(2, '0');
  return `${two(d.getHours())}:${two(d.getMinutes())}:${two(d.getSeconds())}`;
}

/** `#general` for `room:general`; `@bob` for `dm:alice:bob` seen by alice (`@alice` for notes to self). */
export function convLabel(conv: string, me: string): string {
  const c = parseConv(conv);
  if (c?.thread) return `${convLabel(c.thread.parent, me)} › [${c.thread.seq}]`;
  if (c?.kind === 'room') return `#${c.room}`;
  if (c?.kind === 'dm') return `@${dmPeer(conv, me) ?? c.users[0]}`;
  return conv;
}
