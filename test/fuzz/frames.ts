import { OPS, type Op } from '@natter/protocol';
import { RequestId } from '@natter/protocol/schemas';
import fc from 'fast-check';

/**
 * Generators of hostile WebSocket frames for the fuzz suites: valid requests for every op,
 * every op with every field of the wrong type, bad ids, mutated and truncated JSON, deep
 * nesting, huge numbers, odd Unicode and lone surrogates, invalid UTF-8, binary frames and
 * frames over the size limit.
 *
 * A frame's text holds the placeholder `"__ID__"` where the sender puts a fresh request id
 * (so generated frames never collide); a mutation may damage the placeholder, and then
 * whatever id the damaged text carries is what the server sees.
 */
export type FuzzFrame =
  | { kind: 'text'; text: string; label: string }
  /** Sent as a *text* frame, bytes as they are (possibly invalid UTF-8). */
  | { kind: 'bytes'; bytes: Uint8Array; label: string }
  | { kind: 'binary'; bytes: Uint8Array; label: string };

export const ID_PLACEHOLDER = '"__ID__"';

/** What the server must do with a frame, judged from the bytes it receives. */
export type Expectation = { close: number[] } | { reply: number | string } | { none: true };

const utf8 = new TextDecoder('utf-8', { fatal: true });

export function expectationOf(
  frame: FuzzFrame,
  text: string | undefined,
  maxFrameBytes: number,
): Expectation {
  if (frame.kind === 'binary') return { close: frame.bytes.length > maxFrameBytes ? [1009] : [4000] };
  let body = text;
  if (frame.kind === 'bytes') {
    if (frame.bytes.length > maxFrameBytes) return { close: [1009] };
    try {
      body = utf8.decode(frame.bytes);
    } catch {
      return { close: [1007] };
    }
  }
  if (Buffer.byteLength(body ?? '') > maxFrameBytes) return { close: [1009] };
  let value: unknown;
  try {
    value = JSON.parse(body ?? '');
  } catch {
    return { close: [4000] };
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return { close: [4000] };
  const id = RequestId.safeParse((value as Record<string, unknown>).id);
  return id.success ? { reply: id.data } : { none: true };
}

// ---- values ----

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

const hugeNumbers = fc.constantFrom(
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

const anyString = fc.oneof(
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

const jsonValue: fc.Arbitrary<unknown> = fc.letrec<{ value: unknown }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    scalar,
    fc.array(tie('value'), { maxLength: 4 }),
    fc.dictionary(anyString, tie('value'), { maxKeys: 4 }),
  ),
})).value;

// ---- valid params, per op ----

const user = fc.oneof(
  fc.constantFrom('fz1', 'fz2', 'fz3', 'fz.bot', 'Zed_9', '-'),
  fc.stringMatching(/^[A-Za-z0-9_.-]{1,12}$/),
);
const room = fc.constantFrom('fz-general', 'fz-ops', 'fz1', 'a', '0-_', 'fz-private');
const to = fc.oneof(
  room.map((r) => `room:${r}`),
  user.map((u) => `user:${u}`),
);
const conv = fc.oneof(
  room.map((r) => `room:${r}`),
  fc.tuple(user, user).map(([a, b]) => (a < b ? `dm:${a}:${b}` : `dm:${b}:${a}`)),
);
const seq = fc.oneof(fc.nat({ max: 100 }), hugeNumbers);
const text = fc.oneof(
  { weight: 5, arbitrary: fc.string({ unit: 'grapheme', maxLength: 60 }) },
  { weight: 2, arbitrary: anyString },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', minLength: 3990, maxLength: 4010 }) },
);
const attachment = fc.record(
  {
    url: fc.oneof(
      fc.constantFrom(
        '/v1/uploads/u_0123456789abcdefABCD',
        'https://cdn.example.com/a.png',
        'javascript:alert(1)',
        'http://x',
        '/etc/passwd',
      ),
      anyString,
    ),
    type: fc.constantFrom('image/png', 'audio/ogg', 'text/html', ''),
    name: anyString,
    size: fc.oneof(fc.nat(), hugeNumbers),
    width: fc.oneof(fc.integer({ min: 1, max: 4000 }), hugeNumbers),
    height: fc.integer({ min: 1, max: 4000 }),
    duration: fc.nat(),
  },
  { requiredKeys: ['url', 'type', 'name', 'size'] },
);

const PARAMS: { [O in Op]: fc.Arbitrary<Record<string, unknown>> } = {
  hello: fc.record(
    {
      user,
      token: anyString,
      device: fc.constantFrom('web', 'ios', ''),
      since: fc.dictionary(conv, fc.oneof(fc.nat(50), fc.record({ seq: fc.nat(50), ver: fc.nat(80) })), {
        maxKeys: 3,
      }),
    },
    { requiredKeys: [] },
  ),
  refresh: fc.record({ token: anyString }),
  send: fc.record(
    {
      to,
      cid: fc.string({ minLength: 1, maxLength: 64 }),
      text,
      attachments: fc.array(attachment, { maxLength: 3 }),
      reply: seq,
    },
    { requiredKeys: ['to', 'cid'] },
  ),
  join: fc.record({ room }),
  create: fc.record({ room, private: fc.boolean() }, { requiredKeys: ['room'] }),
  invite: fc.record({ room, user }),
  invites: fc.constant({}),
  decline: fc.record({ room }),
  leave: fc.record({ room }),
  rooms: fc.record(
    { public: fc.boolean(), prefix: fc.string({ maxLength: 5 }), limit: fc.integer({ min: 1, max: 200 }) },
    { requiredKeys: [] },
  ),
  members: fc.record({ room }),
  history: fc.record(
    { conv, before: seq, after: seq, limit: fc.integer({ min: 1, max: 200 }) },
    { requiredKeys: ['conv'] },
  ),
  watch: fc.record({ users: fc.array(user, { maxLength: 5 }) }),
  unwatch: fc.record({ users: fc.array(user, { maxLength: 5 }) }),
  typing: fc.record({ to }),
  read: fc.record({ conv, seq }),
  received: fc.record({ conv, seq }),
  receipts: fc.record({ conv, seq }),
  ping: fc.constant({}),
  edit: fc.record({ conv, seq, text }, { requiredKeys: ['conv', 'seq'] }),
  delete: fc.record({ conv, seq }),
  react: fc.record({ conv, seq, emoji: anyString }, { requiredKeys: ['conv', 'seq'] }),
  unreact: fc.record({ conv, seq, emoji: anyString }, { requiredKeys: ['conv', 'seq'] }),
  pin: fc.record({ conv, seq }),
  unpin: fc.record({ conv, seq }),
  pins: fc.record({ conv }),
  notify: fc.record(
    { conv, level: fc.constantFrom('all', 'mentions', 'none', 'loud'), until: anyString },
    { requiredKeys: ['conv', 'level'] },
  ),
  'push.register': fc.oneof(
    fc.record({
      provider: fc.constant('webpush'),
      subscription: fc.record({
        endpoint: fc.oneof(fc.constant('https://push.example/x'), anyString),
        keys: fc.record({ p256dh: anyString, auth: anyString }),
      }),
    }),
    fc.record({ provider: fc.constantFrom('fcm', 'apns', 'sms'), token: anyString }),
  ),
  'push.unregister': fc.record({ device: anyString }),
};

/** Every field each op reads: the ones a wrong-type frame replaces. */
const FIELDS: { [O in Op]: string[] } = {
  hello: ['token', 'user', 'device', 'since'],
  refresh: ['token'],
  send: ['to', 'cid', 'text', 'attachments', 'reply'],
  join: ['room'],
  create: ['room', 'private'],
  invite: ['room', 'user'],
  invites: [],
  decline: ['room'],
  leave: ['room'],
  rooms: ['public', 'prefix', 'limit'],
  members: ['room'],
  history: ['conv', 'before', 'after', 'limit'],
  watch: ['users'],
  unwatch: ['users'],
  typing: ['to'],
  read: ['conv', 'seq'],
  received: ['conv', 'seq'],
  receipts: ['conv', 'seq'],
  notify: ['conv', 'level', 'until'],
  'push.register': ['provider', 'subscription', 'token'],
  'push.unregister': ['device'],
  ping: [],
  edit: ['conv', 'seq', 'text'],
  delete: ['conv', 'seq'],
  react: ['conv', 'seq', 'emoji'],
  unreact: ['conv', 'seq', 'emoji'],
  pin: ['conv', 'seq'],
  unpin: ['conv', 'seq'],
  pins: ['conv'],
};

const op = fc.constantFrom(...OPS);

/** The id slot: mostly a fresh valid id, sometimes none, sometimes one that is not valid. */
const idSlot = fc.oneof(
  { weight: 12, arbitrary: fc.constant<unknown>(ID_PLACEHOLDER) },
  { weight: 2, arbitrary: fc.constant<unknown>(undefined) },
  {
    weight: 2,
    arbitrary: fc.constantFrom<unknown>(
      0,
      -1,
      1.5,
      1e308,
      2 ** 53 + 2,
      '',
      'x'.repeat(65),
      null,
      true,
      {},
      [],
      [1],
    ),
  },
);

function frameText(id: unknown, body: Record<string, unknown>): string {
  const json = JSON.stringify(id === undefined ? body : { id: '__SLOT__', ...body });
  return id === ID_PLACEHOLDER
    ? json.replace('"__SLOT__"', ID_PLACEHOLDER)
    : json.replace('"__SLOT__"', JSON.stringify(id) ?? 'null');
}

const validFrame = fc.tuple(idSlot, op).chain(([id, o]) =>
  PARAMS[o].map((p) => ({
    kind: 'text' as const,
    text: frameText(id, { op: o, ...p }),
    label: `valid:${o}`,
  })),
);

const wrongTypeFrame = fc.tuple(idSlot, op).chain(([id, o]) =>
  fc.tuple(PARAMS[o], fc.constantFrom(...FIELDS[o], 'op', 'extra'), jsonValue).map(([p, field, value]) => ({
    kind: 'text' as const,
    text: frameText(id, { op: o, ...p, [field]: value }),
    label: `wrong-type:${o}.${field}`,
  })),
);

const unknownOpFrame = fc
  .tuple(idSlot, fc.oneof(anyString, fc.constantFrom('HELLO', 'send ', 'toString', '__proto__')))
  .map(([id, o]) => ({
    kind: 'text' as const,
    text: frameText(id, { op: o }),
    label: 'unknown-op',
  }));

const deepFrame = fc
  .tuple(
    op,
    fc.integer({ min: 10, max: 20_000 }),
    fc.constantFrom('[', '{"a":'),
    fc.constantFrom('to', 'text', 'extra', 'since'),
  )
  .map(([o, depth, open, field]) => {
    const close = open === '[' ? ']' : '}';
    const nest = `${open.repeat(depth)}1${close.repeat(depth)}`;
    return {
      kind: 'text' as const,
      text: `{"id":${ID_PLACEHOLDER},"op":"${o}","${field}":${nest}}`,
      label: 'deep',
    };
  });

const rawNumberFrame = fc
  .tuple(
    fc.constantFrom('id', 'seq', 'before', 'limit'),
    fc.constantFrom(
      '1e999',
      '-1e999',
      '123456789012345678901234567890',
      '1.0000000000000000000001',
      '-0',
      '0e0',
      '1E+2',
    ),
  )
  .map(([field, n]) => ({
    kind: 'text' as const,
    text:
      field === 'id'
        ? `{"id":${n},"op":"ping"}`
        : `{"id":${ID_PLACEHOLDER},"op":"${field === 'seq' ? 'read' : 'history'}","conv":"room:fz1","${field}":${n}}`,
    label: `raw-number:${field}`,
  }));

/** A valid frame, damaged: truncated, a character replaced, or a byte flipped. */
const mutatedFrame = fc
  .tuple(
    validFrame,
    fc.nat(),
    fc.constantFrom('truncate', 'replace', 'insert'),
    fc.constantFrom('"', '{', '}', ':', ',', '\\', '\u0000', 'é', '\uD83D'),
  )
  .map(([f, at, how, ch]) => {
    const i = at % Math.max(1, f.text.length);
    const text =
      how === 'truncate'
        ? f.text.slice(0, i)
        : how === 'replace'
          ? f.text.slice(0, i) + ch + f.text.slice(i + 1)
          : f.text.slice(0, i) + ch + f.text.slice(i);
    return { kind: 'text' as const, text, label: `mutated:${how}` };
  });

const notObjectFrame = fc
  .oneof(
    fc.constantFrom('[]', '"x"', '42', 'null', 'true', '', ' ', '{', '}{', '{"id":1}{"id":2}'),
    jsonValue.map((v) => JSON.stringify(v) ?? 'null'),
  )
  .map((text) => ({
    kind: 'text' as const,
    text,
    label: 'not-object',
  }));

const invalidUtf8Frame = fc
  .constantFrom(
    [0xff],
    [0xc3, 0x28],
    [0xed, 0xa0, 0x80], // an encoded lone surrogate: invalid in UTF-8
    [0xf4, 0x90, 0x80, 0x80],
    [
      0x7b, 0x22, 0x69, 0x64, 0x22, 0x3a, 0x31, 0x2c, 0x22, 0x6f, 0x70, 0x22, 0x3a, 0x22, 0xc0, 0xaf, 0x22,
      0x7d,
    ],
  )
  .map((b) => ({ kind: 'bytes' as const, bytes: Uint8Array.from(b), label: 'invalid-utf8' }));

const binaryFrame = fc
  .uint8Array({ maxLength: 64 })
  .map((bytes) => ({ kind: 'binary' as const, bytes, label: 'binary' }));

const oversizeFrame = fc.integer({ min: 65_537, max: 80_000 }).map((n) => ({
  kind: 'text' as const,
  text: `{"id":${ID_PLACEHOLDER},"op":"ping","pad":"${'x'.repeat(n)}"}`,
  label: 'oversize',
}));

/**
 * The mix thrown at the gateway. Frames that close the connection are rare, so most of a
 * run exercises live sessions rather than reconnects.
 */
export const fuzzFrame: fc.Arbitrary<FuzzFrame> = fc.oneof(
  { weight: 30, arbitrary: validFrame },
  { weight: 30, arbitrary: wrongTypeFrame },
  { weight: 5, arbitrary: unknownOpFrame },
  { weight: 4, arbitrary: deepFrame },
  { weight: 4, arbitrary: rawNumberFrame },
  { weight: 4, arbitrary: mutatedFrame },
  { weight: 1, arbitrary: notObjectFrame },
  { weight: 1, arbitrary: invalidUtf8Frame },
  { weight: 1, arbitrary: binaryFrame },
  { weight: 1, arbitrary: oversizeFrame },
);
