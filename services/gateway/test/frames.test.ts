import type { NatterError } from '@natter/protocol';
import { describe, expect, it } from 'vitest';
import { checkContent } from '../src/content.ts';
import { FrameError, ProtocolViolation, parseFrame } from '../src/frames.ts';

const frame = (v: unknown) => Buffer.from(typeof v === 'string' ? v : JSON.stringify(v));

function frameError(v: unknown): FrameError {
  try {
    parseFrame(frame(v));
  } catch (err) {
    if (err instanceof FrameError) return err;
    throw err;
  }
  throw new Error('parsed');
}

describe('parseFrame', () => {
  it('parses a request and strips unknown fields', () => {
    const f = parseFrame(frame({ id: 3, op: 'send', to: 'user:bob', cid: 'c', text: 'hi', extra: 1 }));
    expect(f).toEqual({ id: 3, op: 'send', params: { to: 'user:bob', cid: 'c', text: 'hi' } });
  });

  it('treats non-JSON and non-objects as protocol violations', () => {
    for (const bad of ['{', '[]', '1', 'null', '"x"']) {
      expect(() => parseFrame(frame(bad)), bad).toThrow(ProtocolViolation);
    }
  });

  it('names the field that is wrong, keeping the id when it is valid', () => {
    const e = frameError({ id: 'abc', op: 'send', to: 5, cid: 'c' });
    expect(e.id).toBe('abc');
    expect(e.error.code).toBe('bad_request');
    expect(e.error.message).toMatch(/^to:/);
    expect(frameError({ id: 1, op: 'fly' }).error.message).toMatch(/unknown op "fly"/);
    expect(frameError({ id: 0, op: 'ping' }).id).toBeUndefined();
    expect(frameError({ id: 'x'.repeat(65), op: 'ping' }).id).toBeUndefined();
    expect(frameError({ id: 1 }).error.message).toMatch(/^op:/);
    expect(frameError({ id: 1, op: 'history', conv: 'room:a', limit: 201 }).error.message).toMatch(/^limit:/);
  });
});

describe('checkContent', () => {
  const code = (p: Parameters<typeof checkContent>[0], remoteAttachments = false) => {
    try {
      checkContent(p, { maxTextChars: 10, remoteAttachments });
      return 'ok';
    } catch (err) {
      return (err as NatterError).code;
    }
  };

  it('applies the documented limits', () => {
    expect(code({ text: 'hello' })).toBe('ok');
    expect(code({ text: '👋'.repeat(10) })).toBe('ok');
    expect(code({ text: '👋'.repeat(11) })).toBe('too_large');
    expect(code({})).toBe('bad_request');
    expect(code({ text: '   ' })).toBe('bad_request');
    expect(code({ text: 'a\u0000b' })).toBe('bad_request');
    const img = { url: '/v1/uploads/u_abcdefghijklmnopqrstuv', type: 'image/png', name: 'a.png', size: 3 };
    expect(code({ attachments: [img] })).toBe('ok');
    expect(code({ attachments: Array(11).fill(img) })).toBe('too_large');
    expect(code({ attachments: [{ ...img, url: 'http://evil.example/x.png' }] })).toBe('bad_request');
    expect(code({ attachments: [{ ...img, url: 'https://cdn.example/x.png' }] })).toBe('bad_request');
    expect(code({ attachments: [{ ...img, url: 'https://cdn.example/x.png' }] }, true)).toBe('ok');
    expect(code({ attachments: [{ ...img, url: 'http://evil.example/x.png' }] }, true)).toBe('bad_request');
    expect(code({ attachments: [{ ...img, size: -1 }] })).toBe('bad_request');
  });
});
