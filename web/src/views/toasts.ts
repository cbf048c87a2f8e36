import { type ClientErrorCode, NatterClientError } from '@natter/client';
import { h } from '../dom.ts';

/** Short notes in a corner of the page (uploads, errors); screen readers hear them. */
export class Toasts {
  readonly el = h('div', { class: 'toasts', attrs: { 'aria-live': 'assertive' } });

  /** Shows `message` for `ms` (0: until the caller removes the returned element). */
  show(message: string, ms = 5000): HTMLElement {
    const el = h('div', { class: 'toast', attrs: { role: 'status' } }, message);
    this.el.append(el);
    if (ms > 0) setTimeout(() => el.remove(), ms);
    return el;
  }
}

/** A failure as a person reads it: the server's error codes in words, then its message. */
export function errorText(err: unknown): string {
  if (err instanceof NatterClientError) {
    const what: Partial<Record<ClientErrorCode, string>> = {
      forbidden: 'Not allowed',
      not_found: 'Not found',
      conflict: 'That name is taken',
      rate_limited: 'Slow down a little',
      unavailable: 'The server is busy; try again',
    };
    return `${what[err.code] ?? 'Failed'}: ${err.message}`;
  }
  return err instanceof Error ? err.message : String(err);
}
