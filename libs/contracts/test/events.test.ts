import { MemoryBus } from '@natter/bus';
import type { Logger } from '@natter/log';
import { TRACE_HEADER } from '@natter/log';
import { describe, expect, it, vi } from 'vitest';
import {
  decode,
  emit,
  emitEach,
  encode,
  on,
  PAYLOAD_VERSION,
  type RoomEvent,
  subjects,
} from '../src/index.ts';

const s = subjects('t');

/** A logger that records its warnings; `on` logs through a child per event. */
function recordingLogger(): { log: Logger; warn: ReturnType<typeof vi.fn> } {
  const warn = vi.fn();
  const log = { warn, error: vi.fn(), child: () => log } as unknown as Logger;
  return { log, warn };
}

describe('typed events', () => {
  it('round-trips a payload on a parameterized subject, stamped with the version and trace', async () => {
    const bus = new MemoryBus();
    const { log } = recordingLogger();
    const got: Array<{ event: RoomEvent; trace: string }> = [];
    const wire: unknown[] = [];
    on(bus, s, 'room', 'general', log, (event, ctx) => {
      got.push({ event, trace: ctx.trace });
    });
    bus.subscribe(s.room('general'), (msg) => {
      wire.push({ body: decode(msg.data), trace: msg.headers?.[TRACE_HEADER] });
    });
    emit(bus, s, 'room', 'general', { kind: 'joined', room: 'general', user: 'alice', ver: 3 }, 'tr-1');
    await bus.drain();
    const body = { v: PAYLOAD_VERSION, kind: 'joined', room: 'general', user: 'alice', ver: 3 };
    expect(wire).toEqual([{ body, trace: 'tr-1' }]);
    expect(got).toEqual([{ event: body, trace: 'tr-1' }]);
  });

  it("emitEach publishes one encoding of the event to each parameter's subject", async () => {
    const bus = new MemoryBus();
    const wire: Array<{ subject: string; body: unknown; trace?: string }> = [];
    bus.subscribe('t.>', (msg) => {
      wire.push({ subject: msg.subject, body: decode(msg.data), trace: msg.headers?.[TRACE_HEADER] });
    });
    const publish = vi.spyOn(bus, 'publish');
    const event = { kind: 'read' as const, conv: 'dm:a:b', user: 'a', seq: 4 };
    emitEach(bus, s, 'user', new Set(['a', 'b']), { event }, 'tr-2');
    await bus.drain();
    const body = { v: PAYLOAD_VERSION, event };
    expect(wire.map((w) => w.subject).sort()).toEqual([s.user('a'), s.user('b')].sort());
    for (const w of wire) expect(w).toMatchObject({ body, trace: 'tr-2' });
    // Encoded once: both publishes carry the same bytes.
    expect(publish.mock.calls[0][1]).toBe(publish.mock.calls[1][1]);
  });

  it.each([
    ['another version', encode({ v: PAYLOAD_VERSION + 1, room: 'general' }), /version 2/],
    ['no version', encode({ room: 'general' }), /version undefined/],
    ['not JSON', new TextEncoder().encode('{"v":1,'), /not JSON/],
    ['not an object', encode([PAYLOAD_VERSION]), /not an object/],
  ])('rejects a payload with %s: logged, counted, never handed to the handler', async (_, data, reason) => {
    const bus = new MemoryBus();
    const { log, warn } = recordingLogger();
    const rejected = { inc: vi.fn() };
    const rooms: string[] = [];
    on(bus, s, 'roomsChanged', log, (e) => void rooms.push(e.room), { rejected });
    bus.publish(s.roomsChanged, data);
    emit(bus, s, 'roomsChanged', { room: 'ops' });
    await bus.drain();
    expect(rooms).toEqual(['ops']);
    expect(rejected.inc).toHaveBeenCalledTimes(1);
    expect(warn).toHaveBeenCalledTimes(1);
    expect(warn.mock.calls[0][0]).toMatchObject({
      subject: s.roomsChanged,
      reason: expect.stringMatching(reason),
    });
  });

  it('checks payloads and subject parameters at compile time', () => {
    // Never run: the @ts-expect-error lines are what typecheck verifies.
    const typed = (bus: MemoryBus, log: Logger) => {
      // @ts-expect-error a RoomEvent has no `online`
      emit(bus, s, 'room', 'general', { kind: 'joined', online: true });
      // @ts-expect-error `room` needs the room name
      emit(bus, s, 'room', { kind: 'typing', conv: 'room:general', user: 'alice' });
      // @ts-expect-error `roomsChanged` takes no parameter
      emit(bus, s, 'roomsChanged', 'general', { room: 'general' });
      // @ts-expect-error the handler gets a PresenceChangedEvent, which has no `room`
      on(bus, s, 'presenceChanged', log, (e) => e.room);
    };
    expect(typed).toBeTypeOf('function');
  });
});
