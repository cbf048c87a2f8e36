import type { MessageView, PresenceView } from '@natter/protocol';
import type { EventFrame } from './connection.ts';
import type { Emitter } from './emitter.ts';
import { NatterClientError } from './errors.ts';
import type { ByeEvent, ClientEvents } from './events.ts';
import type { SeqTracker } from './seq-tracker.ts';

export interface DispatchTarget {
  events: Emitter<ClientEvents>;
  /** Decides which `message` events are new. */
  seqs: SeqTracker;
  /**
   * True for a message this client sent whose result it has not had yet (a replay after
   * a reconnect can bring it before the outbox's retry does): not news for the app.
   */
  isOwnPending(m: MessageView): boolean;
  /** Remembered by the client: it decides how to reconnect after the close that follows. */
  onBye(bye: ByeEvent): void;
}

/**
 * Turns one server event frame into a client event. Fields are passed on as the server
 * sent them (the server is trusted; unknown fields are kept), except that a `message`
 * without a usable `conv`/`seq` is ignored, and one whose seq was already delivered, or
 * that is this client's own send, is dropped; so is a change at a `ver` already applied. Unknown events are ignored: the protocol grows by adding.
 */
export function dispatchEvent(
  frame: EventFrame,
  { events, seqs, onBye, isOwnPending }: DispatchTarget,
): void {
  const { ev, ...fields } = frame;
  switch (ev) {
    case 'message': {
      const m = fields as unknown as MessageView;
      if (typeof m.conv !== 'string' || !Number.isSafeInteger(m.seq)) return;
      const ver = Number.isSafeInteger(m.ver) ? m.ver : undefined;
      if (seqs.accept(m.conv, m.seq, ver) && !isOwnPending(m)) events.emit('message', m);
      return;
    }
    case 'gap':
      events.emit('gap', fields as unknown as ClientEvents['gap']);
      return;
    case 'edit':
    case 'delete':
    case 'reaction':
    case 'pin':
    case 'thread':
    case 'update': {
      // A change at or below the ver already applied is a repeat (replay after a reconnect).
      const c = frame as unknown as ClientEvents['change'];
      if (typeof c.conv !== 'string' || !seqs.acceptChange(c.conv, c.ver)) return;
      events.emit('change', c);
      if (c.ev === 'thread') events.emit('thread', fields as unknown as ClientEvents['thread']);
      return;
    }
    case 'refetch': {
      const r = fields as unknown as ClientEvents['refetch'];
      // The app re-reads the history it shows, which has every change up to `ver`.
      if (typeof r.conv === 'string' && Number.isSafeInteger(r.ver)) seqs.advance(r.conv, 0, r.ver);
      events.emit('refetch', r);
      return;
    }
    case 'synced':
      events.emit('synced', undefined);
      return;
    case 'joined':
    case 'left':
      events.emit(ev, fields as unknown as ClientEvents['joined']);
      return;
    case 'invited':
      if (typeof fields.room === 'string' && typeof fields.by === 'string')
        events.emit('invited', { room: fields.room, by: fields.by, private: fields.private === true });
      return;
    case 'presence':
      events.emit('presence', fields as unknown as PresenceView);
      return;
    case 'typing':
      events.emit('typing', fields as unknown as ClientEvents['typing']);
      return;
    case 'read':
    case 'received':
      events.emit(ev, fields as unknown as ClientEvents['read']);
      return;
    case 'bye': {
      const bye: ByeEvent = { reason: String(fields.reason ?? ''), reconnect: fields.reconnect === true };
      if (typeof fields.spreadMs === 'number' && fields.spreadMs > 0) bye.spreadMs = fields.spreadMs;
      onBye(bye);
      events.emit('bye', bye);
      return;
    }
    case 'error': {
      const op = typeof fields.op === 'string' ? fields.op : undefined;
      events.emit('error', NatterClientError.fromBody(fields.error, op));
      return;
    }
    default:
  }
}
