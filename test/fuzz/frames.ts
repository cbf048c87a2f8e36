import { OPS } from '@natter/protocol';
import { RequestId } from '@natter/protocol/schemas';
import fc from 'fast-check';
import { FIELDS, PARAMS } from './op-params.ts';
import { anyString, jsonValue } from './values.ts';

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
