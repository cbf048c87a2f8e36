import type { Op } from '@natter/protocol';
import fc from 'fast-check';
import { anyString, hugeNumbers } from './values.ts';

// Valid params for every op (frames.ts builds its frames on them), and the fields each op reads.

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

export const PARAMS: { [O in Op]: fc.Arbitrary<Record<string, unknown>> } = {
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
export const FIELDS: { [O in Op]: string[] } = {
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
