import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { escapeControls } from '../src/escape.ts';
import { formatChange, formatMessage } from '../src/format.ts';
import { createStyle } from '../src/style.ts';

// Strings weighted towards the dangerous ranges: C0, DEL and C1, and the format characters.
const codePoint = fc.oneof(
  fc.integer({ min: 0, max: 0xa0 }),
  fc.integer({ min: 0x2000, max: 0x2070 }),
  fc.integer({ min: 0, max: 0x10ffff }),
);
const text = fc.array(codePoint, { maxLength: 40 }).map((cps) => String.fromCodePoint(...cps));

describe('escapeControls', () => {
  it('shows escape sequences as text instead of letting them act', () => {
    expect(escapeControls('\u001b]0;pwned\u0007')).toBe('\\x1b]0;pwned\\x07');
    expect(escapeControls('\u001b[2J\u001b[H')).toBe('\\x1b[2J\\x1b[H');
    expect(escapeControls('a\rb\bc\u0000')).toBe('a\\x0db\\x08c\\x00');
    // C1 controls (8-bit CSI, OSC, NEL) and DEL.
    expect(escapeControls('\u009b31m\u009d0;x\u009c\u0085\u007f')).toBe('\\x9b31m\\x9d0;x\\x9c\\x85\\x7f');
    // Reordering and line-breaking format characters.
    expect(escapeControls('abc\u202edef\u2066\u2028')).toBe('abc\\u{202e}def\\u{2066}\\u{2028}');
  });

  it('leaves ordinary text alone, emoji and tabs included', () => {
    for (const s of ['hello', 'héllo wörld', '你好', 'hi 👋🏽 👨‍👩‍👧', 'a\tb', 'back\\slash', '']) {
      expect(escapeControls(s)).toBe(s);
    }
  });

  it('keeps newlines only when asked, and folds CRLF', () => {
    expect(escapeControls('a\nb')).toBe('a\\x0ab');
    expect(escapeControls('a\nb', { keepNewlines: true })).toBe('a\nb');
    expect(escapeControls('a\r\nb', { keepNewlines: true })).toBe('a\nb');
    expect(escapeControls('a\rb', { keepNewlines: true })).toBe('a\\x0db');
  });

  it('never outputs a control character other than tab (and newline when kept), whatever the input', () => {
    // Control characters other than tab and newline, checked by code point.
    const controls = (out: string) =>
      [...out].filter((ch) => {
        const cp = ch.codePointAt(0) ?? 0;
        return (cp < 0x20 && cp !== 0x09 && cp !== 0x0a) || (cp >= 0x7f && cp <= 0x9f);
      });
    fc.assert(
      fc.property(text, (s) => {
        expect(controls(escapeControls(s))).toEqual([]);
        expect(escapeControls(s)).not.toContain('\n');
        expect(controls(escapeControls(s, { keepNewlines: true }))).toEqual([]);
        expect(escapeControls(s)).not.toMatch(/[\u202a-\u202e\u2066-\u2069\u2028\u2029]/u);
      }),
      { numRuns: 300 },
    );
  });
});

describe('formatMessage', () => {
  const plain = createStyle(false);
  const m = { conv: 'room:general', seq: 3, ver: 3, mid: 'm_1', ts: '2026-11-21T23:10:00.123Z' };

  it('prints time, sender and escaped text, one line unless multiline', () => {
    const line = formatMessage({ ...m, from: 'bob', text: 'x\u001b[2Jy\nz' }, { style: plain });
    expect(line).toMatch(/^\d\d:\d\d:\d\d \[3\] bob: x\\x1b\[2Jy\\x0az$/);
    const multi = formatMessage(
      { ...m, from: 'bob', text: 'one\ntwo' },
      { style: plain, multiline: true, label: '#general' },
    );
    expect(multi).toMatch(/^\d\d:\d\d:\d\d \[3\] #general bob: one\n {4}two$/);
  });

  it('shows replies, edits, reactions, pins and tombstones, and change lines, escaped', () => {
    const full = formatMessage(
      {
        ...m,
        from: 'bob',
        text: 'ok',
        reply: { seq: 1, from: 'al\u001b[2Jice', preview: 'ship \u0007it' },
        edited: m.ts,
        pinned: { by: 'alice', ts: m.ts },
        reactions: [{ emoji: '👍', count: 2, users: ['a', 'b'] }],
      },
      { style: plain },
    );
    expect(full).toMatch(
      /\[3\] bob: ↪ \[1\] al\\x1b\[2Jice: "ship \\u0007it" ok \(edited\) \(pinned\) \[👍 2\]$/,
    );
    expect(formatMessage({ ...m, from: 'bob', deleted: m.ts }, { style: plain })).toMatch(
      /\[3\] bob: \(message deleted\)$/,
    );
    const edit = formatChange(
      { ev: 'edit', conv: m.conv, seq: 3, ver: 9, text: 'new\u001b]0;x\u0007', edited: m.ts, by: 'bob' },
      { style: plain },
    );
    expect(edit).toMatch(/^\d\d:\d\d:\d\d \[3\] bob edited: new\\x1b\]0;x\\x07$/);
    const react = formatChange(
      { ev: 'reaction', conv: m.conv, seq: 3, ver: 9, user: 'x\u009b', emoji: '\u001b[31m', on: false },
      { style: plain },
    );
    expect(react).toMatch(/\[3\] x\\x9b took back \\x1b\[31m$/);
  });

  it('shows attachments with absolute URLs, escaped', () => {
    const line = formatMessage(
      {
        ...m,
        from: 'bob',
        attachments: [{ url: '/v1/uploads/u_1', type: 'image/png', name: 'cat\u001b.png', size: 2048 }],
      },
      { style: plain, httpBase: 'http://h:8080' },
    );
    expect(line).toMatch(/bob: \[image\/png cat\\x1b\.png 2 KB http:\/\/h:8080\/v1\/uploads\/u_1\]$/);
  });

  it('colors only when the style is enabled', () => {
    expect(formatMessage({ ...m, from: 'bob', text: 'hi' }, { style: plain })).not.toContain('\u001b');
    expect(formatMessage({ ...m, from: 'bob', text: 'hi' }, { style: createStyle(true) })).toContain(
      '\u001b[',
    );
  });
});
