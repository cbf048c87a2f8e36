import fc from 'fast-check';

// Hostile values for the fuzz frames (frames.ts): odd strings, huge numbers, arbitrary JSON.

const oddStrings = fc.constantFrom(
  '',
  ' ',
  '\u0000',
  '\uD800',
  '\uDFFF',
  'a\uD800b',
  '\uDC00\uD800',
  '\uFEFF',
  '\u202E',
  'e\u0301\u0301\u0301',
  '👋🏽',
  '👨‍👩‍👧‍👦',
  '𝕳𝖊𝖑𝖑𝖔',
  '\u2028\u2029',
  '﷽',
  '\uFFFF',
  '__proto__',
  'constructor',
  'room:',
  'user:',
  'dm::',
  'dm:a:b:c',
  'dm:b:a',
  'room:UPPER',
  "room:x'; DROP TABLE messages; --",
  '<script>alert(1)</script>',
  'x'.repeat(65),
  'é'.repeat(4001),
);

export const hugeNumbers = fc.constantFrom(
  0,
  -0,
  -1,
  1.5,
  2 ** 31,
  2 ** 53,
  2 ** 53 + 2,
  -(2 ** 53),
  1e21,
  1e308,
  -1e308,
  Number.MIN_VALUE,
  Number.EPSILON,
);

export const anyString = fc.oneof(
  { weight: 3, arbitrary: oddStrings },
  { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 40 }) },
  { weight: 2, arbitrary: fc.string({ unit: 'grapheme', maxLength: 20 }) },
);

const scalar = fc.oneof(
  anyString,
  hugeNumbers,
  fc.integer(),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.boolean(),
  fc.constant(null),
);

export const jsonValue: fc.Arbitrary<unknown> = fc.letrec<{ value: unknown }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    scalar,
    fc.array(tie('value'), { maxLength: 4 }),
    fc.dictionary(anyString, tie('value'), { maxKeys: 4 }),
  ),
})).value;
