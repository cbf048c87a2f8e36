import { describe, expect, it } from 'vitest';
import { Delivery } from '../src/cursor.ts';
import { Session } from '../src/session.ts';

function session(maxPendingEvents = 3): Session {
  const ws = { readyState: 1, OPEN: 1, send() {}, close() {} } as never;
  return new Session('s1', ws, '', { maxBufferedBytes: 1e9, maxPendingEvents, onSlow: () => {} });
}

/** A session's per-conversation state is made on first use (memory per idle connection, bench/README.md). */
describe('Session state made on first use', () => {
  it('reads no cursor into being, and keeps the first one made', () => {
    const s = session();
    expect(s.cursorOf('dm:a:b')).toBeUndefined();
    expect(s.cursorOf('dm:a:b')).toBeUndefined();
    const c = s.cursor('dm:a:b');
    c.reach(5);
    expect(s.cursor('dm:a:b')).toBe(c);
    expect(s.cursorOf('dm:a:b')?.ver).toBe(5);
    s.forgetConv('dm:a:b');
    expect(s.cursorOf('dm:a:b')).toBeUndefined();
    // Forgetting on a session that never had anything is harmless.
    session().forgetConv('room:x');
  });

  it('holds deliveries while syncing, hands them over once, and says when it holds too many', () => {
    const s = session(2);
    expect(s.pending).toEqual([]);
    expect(s.takePending()).toEqual([]);
    const d1 = new Delivery('room:x', 1, {});
    const d2 = new Delivery('room:y', 1, {});
    expect(s.hold(d1)).toBe(true);
    expect(s.hold(d2)).toBe(true);
    expect(s.hold(new Delivery('room:x', 2, {}))).toBe(false);
    s.forgetConv('room:x');
    expect(s.pending).toEqual([d2]);
    expect(s.takePending()).toEqual([d2]);
    expect(s.pending).toEqual([]);
    // The shared empty list is never written through.
    expect(s.hold(d1)).toBe(true);
    expect(session().pending).toEqual([]);
  });
});
