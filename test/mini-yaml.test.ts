import { describe, expect, it } from 'vitest';
import { parseYaml, YamlSubsetError } from './mini-yaml.ts';

describe('mini-yaml (the reader the deployment tests use)', () => {
  it('reads the subset compose.yaml uses', () => {
    const doc = parseYaml(
      [
        '# comment',
        'a:',
        '  b: plain value # trailing comment',
        "  c: 'it''s'",
        '  d: "x: \\"y\\" # not a comment"',
        '  e: ["CMD", "node", plain, \'\', "daemon off;"]',
        '  f:',
        '    - one',
        '    - k: v',
        '      k2: v2',
        '  g:',
        '  - same-indent item',
        '  h:',
        'i: nats://nats:4222',
      ].join('\n'),
    );
    expect(doc).toEqual({
      a: {
        b: 'plain value',
        c: "it's",
        d: 'x: "y" # not a comment',
        e: ['CMD', 'node', 'plain', '', 'daemon off;'],
        f: ['one', { k: 'v', k2: 'v2' }],
        g: ['same-indent item'],
        h: null,
      },
      i: 'nats://nats:4222',
    });
  });

  it.each([
    ['anchors', 'a: &x 1\nb: *x'],
    ['merge keys', 'a:\n  <<: {}'],
    ['block scalars', 'a: |\n  text'],
    ['flow mappings', 'a: {b: 1}'],
    ['duplicate keys', 'a: 1\na: 2'],
    ['bad indentation', 'a:\n    b: 1\n  c: 2'],
    ['tabs', 'a:\n\tb: 1'],
    ['unterminated strings', 'a: "open'],
  ])('refuses %s', (_what, text) => {
    expect(() => parseYaml(text)).toThrow(YamlSubsetError);
  });
});
