import { defaultNotifyLevel } from '@natter/protocol';
import { describe, expect, it } from 'vitest';
import { noticeOf } from '../src/notice.ts';
import { collapseKey } from '../src/providers/types.ts';

const base = { user: 'bob', seq: 7, mid: 'm_1', from: 'alice', text: 'hi there' };

describe('the collapsed notification', () => {
  it('names the room, or the sender of a DM, and counts what was collapsed', () => {
    expect(noticeOf({ ...base, conv: 'room:general', count: 1 })).toMatchObject({
      title: '#general',
      body: 'alice: hi there',
    });
    expect(noticeOf({ ...base, conv: 'room:general', count: 3 }).title).toBe('3 new messages in #general');
    expect(noticeOf({ ...base, conv: 'dm:alice:bob', count: 1 })).toMatchObject({
      title: 'alice',
      body: 'hi there',
    });
    expect(noticeOf({ ...base, conv: 'dm:alice:bob', count: 2 }).title).toBe('2 new messages from alice');
    expect(noticeOf({ ...base, conv: 'thread:room:general:4', count: 2 }).title).toBe(
      '2 new messages in a thread in #general',
    );
  });

  it('collapses per conversation with a key every provider takes', () => {
    const k = collapseKey('thread:dm:a-very-long-user-name:another-long-user-name:123456', 32);
    expect(k).toMatch(/^[A-Za-z0-9_-]{32}$/);
    expect(collapseKey('room:a', 32)).not.toBe(collapseKey('room:b', 32));
  });

  it('defaults to all in DMs and their threads, mentions in rooms', () => {
    expect(defaultNotifyLevel('dm:a:b')).toBe('all');
    expect(defaultNotifyLevel('thread:dm:a:b:3')).toBe('all');
    expect(defaultNotifyLevel('room:general')).toBe('mentions');
    expect(defaultNotifyLevel('thread:room:general:3')).toBe('mentions');
  });
});
