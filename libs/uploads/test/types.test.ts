import { describe, expect, it } from 'vitest';
import { baseMediaType, sniffType, UPLOAD_TYPES } from '../src/types.ts';
import { SAMPLES } from './samples.ts';

describe('sniffType', () => {
  it.each(UPLOAD_TYPES)('recognises %s by its signature', (type) => {
    expect(sniffType(SAMPLES[type]!)).toBe(type);
  });

  it('recognises an MPEG frame without an ID3 tag, and GIF87a', () => {
    expect(sniffType(Buffer.from([0xff, 0xfb, 0x90, 0x64]))).toBe('audio/mpeg');
    expect(sniffType(Buffer.from('GIF87a\x01\x00', 'latin1'))).toBe('image/gif');
  });

  it('matches nothing for HTML, SVG, scripts, text, empty or truncated input', () => {
    for (const s of [
      '<html><script>alert(1)</script>',
      '<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>',
      'alert(1)',
      '',
      'RIFF\x00\x00\x00\x00WAVE',
      'GIF8',
    ]) {
      expect(sniffType(Buffer.from(s, 'latin1')), s).toBeUndefined();
    }
    expect(sniffType(Buffer.from([0x89, 0x50, 0x4e]))).toBeUndefined();
  });
});

describe('baseMediaType', () => {
  it('drops parameters, spaces and case', () => {
    expect(baseMediaType('Audio/WebM; codecs=opus')).toBe('audio/webm');
    expect(baseMediaType(undefined)).toBe('');
  });
});
