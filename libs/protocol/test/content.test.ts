import { describe, expect, it } from 'vitest';
import type { NatterError } from '../src/index.ts';
import { parseContent } from '../src/schemas.ts';

const img = { url: '/v1/uploads/u_abcdefghijklmnopqrstuv', type: 'image/png', name: 'a.png', size: 3 };

function outcome(p: Parameters<typeof parseContent>[0]): string {
  try {
    return JSON.stringify(parseContent(p, 10) ?? null);
  } catch (err) {
    return `${(err as NatterError).code} ${(err as NatterError).message}`;
  }
}

describe('parseContent', () => {
  it('needs text or at least one attachment', () => {
    expect(outcome({})).toBe('bad_request text: a message needs text or attachments');
    expect(outcome({ attachments: [] })).toBe('bad_request text: a message needs text or attachments');
    expect(outcome({ text: ' ', attachments: [] })).toBe('bad_request text: must not be empty');
    expect(outcome({ text: ' ', attachments: [img] })).toBe(JSON.stringify([img]));
    expect(outcome({ text: 'hi', attachments: [] })).toBe('null');
  });

  it('answers too_large for the limits, naming the field', () => {
    expect(outcome({ text: 'x'.repeat(11) })).toBe('too_large text: longer than 10 characters');
    expect(outcome({ attachments: Array(11).fill(img) })).toBe('too_large attachments: more than 10');
  });

  it('parses attachments, stripping unknown fields', () => {
    expect(outcome({ attachments: [{ ...img, extra: 1 }] })).toBe(JSON.stringify([img]));
    expect(outcome({ attachments: [img, { ...img, size: -1 }] })).toMatch(
      /^bad_request attachments\.1\.size: /,
    );
  });
});
